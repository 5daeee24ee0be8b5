"""SCSI.NoMedia: commands on a removable-medium LU with the medium ejected (SBC-4 4.2.3,
SPC-5 4.5.5: NOT READY, MEDIUM NOT PRESENT)."""

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import MEDIUM_NOT_PRESENT, Device, LunInfo
from pyiscsi.scsi.cdb import (
    PreFetch10,
    Read10,
    Read16,
    ReadCapacity10,
    StartStopUnit,
    SynchronizeCache10,
    TestUnitReady,
    Verify10,
)

FAMILY = "SCSI"
SUITE = "NoMedia"


def test_NoMediaSBC(sd: Device, lun: LunInfo) -> None:
    """With the medium ejected (START STOP UNIT LOEJ=1 START=0), TEST UNIT READY, READ,
    READ CAPACITY, VERIFY, PRE-FETCH and SYNCHRONIZE CACHE are NOT READY, MEDIUM NOT
    PRESENT; loading it again makes the LU ready (SBC-4 4.2.3; SPC-5 4.5.5)."""
    if not lun.removable:
        pytest.skip("medium is not removable")
    checks.ok(sd, lun, StartStopUnit(start=False, loej=True))
    try:
        for c in (TestUnitReady(), Read10(lba=0), Read16(lba=0), ReadCapacity10(),
                  Verify10(lba=0), PreFetch10(lba=0, prefetch_length=1),
                  SynchronizeCache10()):  # fmt: skip
            checks.err(sd, lun, c, MEDIUM_NOT_PRESENT)
    finally:
        checks.run(sd, lun, StartStopUnit(start=True, loej=True))
    checks.clear_unit_attentions(sd)
    checks.ok(sd, lun, TestUnitReady())
