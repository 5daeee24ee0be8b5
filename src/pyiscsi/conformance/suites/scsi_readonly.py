"""SCSI.ReadOnly: a write-protected LU refuses every command that writes (SBC-4 4.11 write
protection: DATA PROTECT, WRITE PROTECTED)."""

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import WRITE_PROTECTED, Device, LunInfo
from pyiscsi.scsi.cdb import (
    Read10,
    Write10,
    Write12,
    Write16,
    WriteAndVerify10,
    WriteAndVerify16,
    WriteSame10,
    WriteSame16,
)

FAMILY = "SCSI"
SUITE = "ReadOnly"


def test_ReadOnlySBC(sd: Device, lun: LunInfo) -> None:
    """With WP set in the mode header, WRITE (10/12/16), WRITE AND VERIFY and WRITE SAME are
    DATA PROTECT, WRITE PROTECTED, and READ still works (SBC-4 4.11, 6.5.1 WP)."""
    if not lun.write_protected:
        pytest.skip("logical unit is not write protected")
    for c in (Write10(lba=0), Write12(lba=0), Write16(lba=0), WriteAndVerify10(lba=0),
              WriteAndVerify16(lba=0), WriteSame10(lba=0, number_of_logical_blocks=1),
              WriteSame16(lba=0, number_of_logical_blocks=1)):  # fmt: skip
        checks.err(sd, lun, c, WRITE_PROTECTED)
    checks.ok(sd, lun, Read10(lba=0))
