"""SCSI.Reserve6: RESERVE (6) / RELEASE (6) (SPC-2 7.21, 7.17; obsolete in SPC-5 but widely
used), with a second I_T nexus logged in as the second initiator name."""

from collections.abc import Callable

import pytest

import pyiscsi
from pyiscsi.conformance import checks
from pyiscsi.conformance.device import (
    RESERVATION_CONFLICT,
    Device,
    IscsiDevice,
    LunInfo,
    expect_good,
    expect_status,
    skip_if_not_implemented,
)
from pyiscsi.conformance.plugin import TargetOptions
from pyiscsi.scsi.cdb import Release6, Reserve6, TestUnitReady

FAMILY = "SCSI"
SUITE = "Reserve6"
pytestmark = pytest.mark.iscsi_only


def _reserve(sd: Device) -> None:
    r = sd.run(Reserve6().encode())
    skip_if_not_implemented(r, "RESERVE(6)")
    expect_good(r, "RESERVE(6)")


def _conflicts(sd2: Device, what: str) -> None:
    expect_status(
        sd2.run(TestUnitReady().encode()), RESERVATION_CONFLICT, f"TEST UNIT READY {what}"
    )


def _free(sd2: Device, what: str) -> None:
    checks.clear_unit_attentions(sd2)
    _reserve(sd2)
    expect_good(sd2.run(Release6().encode()), f"RELEASE(6) {what}")


def test_Simple(sd: Device, lun: LunInfo) -> None:
    """RESERVE (6) then RELEASE (6) on one nexus are GOOD, twice (SPC-2 7.21: a reservation
    holder may reserve again)."""
    _reserve(sd)
    _reserve(sd)
    expect_good(sd.run(Release6().encode()), "RELEASE(6)")


@pytest.mark.iscsi_name("2Initiators")
def test_2Initiators(sd: Device, sd2: IscsiDevice, lun: LunInfo) -> None:
    """While one initiator holds the reservation, the other gets RESERVATION CONFLICT for
    RESERVE (6) and TEST UNIT READY, and RELEASE (6) from it is GOOD but releases nothing;
    after the holder releases, the other can reserve (SPC-2 7.21, 7.17: "a RELEASE from an
    initiator that holds no reservation ... GOOD, the reservation is not released").

    Every test here starts on a fresh login, so no unit attention from an earlier test is
    pending (SAM-5 5.14: a unit attention is reported once to each I_T nexus). libiscsi 1.19
    keeps its nexuses for the whole run and fails this test on tgtd on a leftover UNIT
    ATTENTION, POWER ON, RESET (29h/00h) from an earlier reset test.
    """
    _reserve(sd)
    expect_status(sd2.run(Reserve6().encode()), RESERVATION_CONFLICT, "RESERVE(6) from the 2nd")
    expect_good(sd2.run(Release6().encode()), "RELEASE(6) from the 2nd initiator")
    expect_status(sd2.run(Reserve6().encode()), RESERVATION_CONFLICT, "RESERVE(6) again")
    expect_good(sd.run(Release6().encode()), "RELEASE(6)")
    _free(sd2, "from the 2nd initiator after the release")


def _after(
    sd: IscsiDevice, target: TargetOptions, connect_device: Callable[..., IscsiDevice],
    event: Callable[[IscsiDevice], None], what: str,
) -> None:  # fmt: skip
    _reserve(sd)
    other = connect_device(target.initiator_name_2)
    _conflicts(other, "from the 2nd initiator while reserved")
    event(sd)
    _free(other, f"from the 2nd initiator after {what}")


def test_Logout(
    sd: IscsiDevice, target: TargetOptions, connect_device: Callable[..., IscsiDevice]
) -> None:
    """A logout of the holder releases its RESERVE (6) reservation (SPC-2 5.5.1: an I_T nexus
    loss releases the reservation)."""
    _after(sd, target, connect_device, lambda d: d.close(), "the holder logged out")


@pytest.mark.iscsi_name("ITNexusLoss")
def test_ITNexusLoss(
    sd: IscsiDevice, target: TargetOptions, connect_device: Callable[..., IscsiDevice]
) -> None:
    """When the holder's connection drops without a logout (its session reinstated by a new
    login with the same name), the reservation is released (SPC-2 5.5.1; RFC 7143 6.3.5)."""

    def drop(d: IscsiDevice) -> None:
        d.close()

    _after(sd, target, connect_device, drop, "the holder's nexus was lost")


def _tmf(name: str, sd: IscsiDevice) -> None:
    try:
        getattr(sd.session, name)()
    except pyiscsi.TaskManagementError as exc:
        pytest.skip(f"task management function not supported: {exc}")


def test_TargetColdReset(
    sd: IscsiDevice, target: TargetOptions, connect_device: Callable[..., IscsiDevice]
) -> None:
    """TARGET COLD RESET releases reservations (SAM-5 6.6 hard reset; SPC-2 5.5.1)."""
    _after(sd, target, connect_device, lambda d: _tmf("target_cold_reset", d), "TARGET COLD RESET")


def test_TargetWarmReset(
    sd: IscsiDevice, target: TargetOptions, connect_device: Callable[..., IscsiDevice]
) -> None:
    """TARGET WARM RESET releases reservations (SAM-5 6.6 logical unit reset; SPC-2 5.5.1)."""
    _after(sd, target, connect_device, lambda d: _tmf("target_warm_reset", d), "TARGET WARM RESET")


@pytest.mark.iscsi_name("LUNReset")
def test_LUNReset(
    sd: IscsiDevice, target: TargetOptions, connect_device: Callable[..., IscsiDevice]
) -> None:
    """LOGICAL UNIT RESET releases reservations (SAM-5 6.6.2; SPC-2 5.5.1)."""
    _after(sd, target, connect_device, lambda d: _tmf("lun_reset", d), "LOGICAL UNIT RESET")
