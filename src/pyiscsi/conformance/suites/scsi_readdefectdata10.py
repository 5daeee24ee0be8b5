"""SCSI.ReadDefectData10: READ DEFECT DATA (10) (SBC-4 READ DEFECT DATA (10) command)."""

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import Device, LunInfo
from pyiscsi.scsi.cdb import ReadDefectData10

FAMILY = "SCSI"
SUITE = "ReadDefectData10"


def test_Simple(sd: Device, lun: LunInfo) -> None:
    """READ DEFECT DATA (10) with ALLOCATION LENGTH 32 is GOOD when implemented (SBC-4 READ
    DEFECT DATA (10); not implemented: skipped, as libiscsi does)."""
    checks.ok(sd, lun, ReadDefectData10(allocation_length=32))
