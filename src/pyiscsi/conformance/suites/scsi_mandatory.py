"""SCSI.Mandatory: the commands every block device implements (SBC-4 Table 13, SPC-5 Table
A.1 mandatory commands)."""

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import Device, LunInfo
from pyiscsi.scsi.cdb import Inquiry, Read10, Read16, ReadCapacity10, ReadCapacity16, TestUnitReady

FAMILY = "SCSI"
SUITE = "Mandatory"


def test_MandatorySBC(sd: Device, lun: LunInfo) -> None:
    """INQUIRY, READ CAPACITY (10), READ (10), TEST UNIT READY, and for SBC-3 and later
    READ CAPACITY (16) and READ (16), are all GOOD (SBC-4 Table 13: mandatory commands)."""
    if lun.device_type != 0:
        pytest.skip("not a direct-access block device")
    commands = [Inquiry(allocation_length=255), ReadCapacity10(), Read10(lba=0), TestUnitReady()]
    if lun.sbc3:
        commands += [ReadCapacity16(allocation_length=15), Read16(lba=0)]
    for c in commands:
        r = checks.run(sd, lun, c)
        checks.expect_good(r, checks.label(c))
