"""SCSI.ProutReserve: PERSISTENT RESERVE OUT, RESERVE; access and ownership of each type
(SPC-5 5.14.10, Table 51 task set management, 5.14.11.2 releasing)."""

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import Device, IscsiDevice, LunInfo
from pyiscsi.conformance.prhelp import (
    KEY_1,
    KEY_2,
    cleanup,
    conflict_or_good,
    prout,
    read_reservation,
    register,
)
from pyiscsi.scsi.cdb import Read10, Write10
from pyiscsi.scsi.opcodes import PersistentReserveOutServiceAction as Out

FAMILY = "SCSI"
SUITE = "ProutReserve"
pytestmark = pytest.mark.iscsi_only

TYPES = {"WE": 1, "EA": 3, "WERO": 5, "EARO": 6, "WEAR": 7, "EAAR": 8}


def test_Simple(sd: Device) -> None:
    """RESERVE of each type by a registrant is GOOD, READ RESERVATION shows it, RELEASE of
    the same type frees it (SPC-5 5.14.10, 5.14.11.2)."""
    try:
        register(sd, KEY_1)
        for pr_type in TYPES.values():
            prout(sd, Out.RESERVE, KEY_1, 0, pr_type)
            held = read_reservation(sd)
            if held.type != pr_type or held.reservation_key not in (KEY_1, 0):
                pytest.fail(f"READ RESERVATION after RESERVE type {pr_type}: type {held.type}, "
                            f"key {held.reservation_key}", pytrace=False)  # fmt: skip
            prout(sd, Out.RELEASE, KEY_1, 0, pr_type)
            if read_reservation(sd).type is not None:
                pytest.fail(f"RELEASE type {pr_type}: reservation still held", pytrace=False)
    finally:
        cleanup(sd, KEY_1)


def _access(sd: Device, sd2: IscsiDevice, lun: LunInfo, pr_type: int) -> None:
    """Holder reserves; the other nexus reads and writes, registered then not (Table 51)."""
    registrants_ok = pr_type in (5, 6, 7, 8)
    reads_ok_unregistered = pr_type in (1, 5, 7)
    block = bytes(lun.block_size)
    try:
        register(sd, KEY_1)
        register(sd2, KEY_2)
        prout(sd, Out.RESERVE, KEY_1, 0, pr_type)
        conflict_or_good(sd.run(Read10(lba=0).encode(), data_in=lun.block_size), True,
                         "READ(10) from the holder")  # fmt: skip
        conflict_or_good(sd.run(Write10(lba=0).encode(), data_out=block), True,
                         "WRITE(10) from the holder")  # fmt: skip
        conflict_or_good(
            sd2.run(Read10(lba=0).encode(), data_in=lun.block_size),
            registrants_ok or reads_ok_unregistered,
            "READ(10) from a registrant",
        )
        conflict_or_good(sd2.run(Write10(lba=0).encode(), data_out=block), registrants_ok,
                         "WRITE(10) from a registrant")  # fmt: skip
        register(sd2, 0)
        conflict_or_good(
            sd2.run(Read10(lba=0).encode(), data_in=lun.block_size),
            reads_ok_unregistered,
            "READ(10) from a non-registrant",
        )
        conflict_or_good(sd2.run(Write10(lba=0).encode(), data_out=block), False,
                         "WRITE(10) from a non-registrant")  # fmt: skip
    finally:
        cleanup(sd, KEY_1)


def _ownership(sd: Device, sd2: IscsiDevice, pr_type: int) -> None:
    """The holder unregisters: a WE/EA/RO reservation is released; an all-registrants one
    stays with the remaining registrant (SPC-5 5.14.11.2.1, 5.14.10).

    SPC-5 5.14.11.2.1 also makes the target report UNIT ATTENTION, RESERVATIONS RELEASED
    (2Ah/04h) to the other registrants; that is taken as what it is, not as a failure.
    libiscsi 1.19's test fails on that unit attention (tgtd sends it, as it must).
    """
    try:
        register(sd, KEY_1)
        register(sd2, KEY_2)
        prout(sd, Out.RESERVE, KEY_1, 0, pr_type)
        register(sd, 0)
        checks.clear_unit_attentions(sd2)
        held = read_reservation(sd2)
        if pr_type in (7, 8):
            if held.type != pr_type:
                pytest.fail(f"type {pr_type}: all-registrants reservation lost when one "
                            "registrant left", pytrace=False)  # fmt: skip
        elif held.type is not None:
            pytest.fail(f"type {pr_type}: reservation still held (type {held.type}) after its "
                        "holder unregistered", pytrace=False)  # fmt: skip
    finally:
        cleanup(sd2, KEY_2)
        cleanup(sd, KEY_1)


def _make(kind: str, name: str, pr_type: int) -> None:
    if kind == "Access":

        @pytest.mark.dataloss
        def test(sd: Device, sd2: IscsiDevice, lun: LunInfo) -> None:
            _access(sd, sd2, lun, pr_type)

        test.__doc__ = (
            f"{name} reservation: READ/WRITE from the holder, a registrant and a non-registrant "
            "succeed or get RESERVATION CONFLICT as SPC-5 Table 51 says."
        )
    else:

        def test(sd: Device, sd2: IscsiDevice, lun: LunInfo) -> None:
            _ownership(sd, sd2, pr_type)

        test.__doc__ = (
            f"{name} reservation: when its holder unregisters it is released, unless it is an "
            "all-registrants type, which the other registrant keeps (SPC-5 5.14.11.2.1)."
        )
    test.__name__ = f"test_{kind}{name}"
    test.__qualname__ = test.__name__
    globals()[test.__name__] = test


for _kind in ("Access", "Ownership"):
    for _name, _type in TYPES.items():
        _make(_kind, _name, _type)
