"""SCSI.ReadDefectData12: READ DEFECT DATA (12) (SBC-4 READ DEFECT DATA (12) command)."""

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import Device, LunInfo
from pyiscsi.scsi.cdb import ReadDefectData12

FAMILY = "SCSI"
SUITE = "ReadDefectData12"


def test_Simple(sd: Device, lun: LunInfo) -> None:
    """READ DEFECT DATA (12) with ALLOCATION LENGTH 32 is GOOD when implemented (SBC-4 READ
    DEFECT DATA (12); not implemented: skipped, as libiscsi does)."""
    checks.ok(sd, lun, ReadDefectData12(allocation_length=32))
