"""SCSI.PreventAllow: PREVENT ALLOW MEDIUM REMOVAL (SPC-5 6.13; SBC-4 4.2.3 removable
media), and what clears the prevention: I_T nexus loss, logout, resets (SPC-5 6.13: "the
prevention ... shall be cleared by ... an I_T nexus loss, a logical unit reset, a hard
reset")."""

from collections.abc import Callable

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import Device, IscsiDevice, LunInfo
from pyiscsi.scsi.cdb import PreventAllowMediumRemoval, StartStopUnit, TestUnitReady

FAMILY = "SCSI"
SUITE = "PreventAllow"

#: ILLEGAL REQUEST, MEDIUM REMOVAL PREVENTED (53h/02h)
REMOVAL_PREVENTED = (0x5, 0x53, 0x02)


def _removable(lun: LunInfo) -> None:
    if not lun.removable:
        pytest.skip("medium is not removable")


def _prevent(sd: Device, lun: LunInfo, on: bool) -> None:
    checks.ok(sd, lun, PreventAllowMediumRemoval(prevent=1 if on else 0))


def _eject_refused(sd: Device, lun: LunInfo) -> None:
    checks.err(sd, lun, StartStopUnit(start=False, loej=True), REMOVAL_PREVENTED)
    checks.ok(sd, lun, TestUnitReady())


def _eject_works(sd: Device, lun: LunInfo) -> None:
    checks.clear_unit_attentions(sd)
    checks.ok(sd, lun, StartStopUnit(start=False, loej=True))
    checks.ok(sd, lun, StartStopUnit(start=True, loej=True))
    checks.clear_unit_attentions(sd)


def test_Simple(sd: Device, lun: LunInfo) -> None:
    """PREVENT=1 and PREVENT=0 are GOOD on a removable medium (SPC-5 6.13)."""
    _removable(lun)
    _prevent(sd, lun, True)
    _prevent(sd, lun, False)


def test_Eject(sd: Device, lun: LunInfo) -> None:
    """With PREVENT set, an eject (START STOP UNIT LOEJ=1 START=0) is ILLEGAL REQUEST, MEDIUM
    REMOVAL PREVENTED and the medium stays; after PREVENT=0 it ejects (SBC-4 START STOP
    UNIT, LOEJ)."""
    _removable(lun)
    _prevent(sd, lun, True)
    try:
        _eject_refused(sd, lun)
    finally:
        _prevent(sd, lun, False)
    _eject_works(sd, lun)


def _cleared_by(
    sd: IscsiDevice, lun: LunInfo, connect_device: Callable[..., IscsiDevice],
    event: Callable[[IscsiDevice], None],
) -> None:  # fmt: skip
    _removable(lun)
    _prevent(sd, lun, True)
    _eject_refused(sd, lun)
    event(sd)
    _eject_works(connect_device(), lun)


@pytest.mark.iscsi_only
@pytest.mark.iscsi_name("ITNexusLoss")
def test_ITNexusLoss(
    sd: IscsiDevice, lun: LunInfo, connect_device: Callable[..., IscsiDevice]
) -> None:
    """An I_T nexus loss clears the prevention (SPC-5 6.13)."""
    _cleared_by(sd, lun, connect_device, lambda d: d.close())


@pytest.mark.iscsi_only
def test_Logout(sd: IscsiDevice, lun: LunInfo, connect_device: Callable[..., IscsiDevice]) -> None:
    """A logout (the end of the I_T nexus) clears the prevention (SPC-5 6.13)."""
    _cleared_by(sd, lun, connect_device, lambda d: d.close())


def _tmf(sd: IscsiDevice, name: str) -> None:
    import pyiscsi

    try:
        getattr(sd.session, name)()
    except pyiscsi.TaskManagementError as exc:
        pytest.skip(f"task management function not supported: {exc}")


@pytest.mark.iscsi_only
def test_WarmReset(
    sd: IscsiDevice, lun: LunInfo, connect_device: Callable[..., IscsiDevice]
) -> None:
    """TARGET WARM RESET clears the prevention (SPC-5 6.13; SAM-5 6.6)."""
    _cleared_by(sd, lun, connect_device, lambda d: _tmf(d, "target_warm_reset"))


@pytest.mark.iscsi_only
def test_ColdReset(
    sd: IscsiDevice, lun: LunInfo, connect_device: Callable[..., IscsiDevice]
) -> None:
    """TARGET COLD RESET clears the prevention (SPC-5 6.13; SAM-5 6.6)."""
    _cleared_by(sd, lun, connect_device, lambda d: _tmf(d, "target_cold_reset"))


@pytest.mark.iscsi_only
@pytest.mark.iscsi_name("LUNReset")
def test_LUNReset(
    sd: IscsiDevice, lun: LunInfo, connect_device: Callable[..., IscsiDevice]
) -> None:
    """LOGICAL UNIT RESET clears the prevention (SPC-5 6.13; SAM-5 6.6.2)."""
    _cleared_by(sd, lun, connect_device, lambda d: _tmf(d, "lun_reset"))


@pytest.mark.iscsi_only
@pytest.mark.iscsi_name("2ITNexuses")
def test_2ITNexuses(sd: Device, sd2: IscsiDevice, lun: LunInfo) -> None:
    """A prevention set on one I_T nexus refuses an eject from another one too (SPC-5 6.13:
    the prevention applies to the logical unit)."""
    _removable(lun)
    _prevent(sd, lun, True)
    try:
        _eject_refused(sd, lun)
        checks.clear_unit_attentions(sd2)
        _eject_refused(sd2, lun)
    finally:
        _prevent(sd, lun, False)
        checks.run(sd, lun, StartStopUnit(start=True, loej=True))
