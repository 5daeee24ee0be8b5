"""SCSI.TestUnitReady: TEST UNIT READY (SPC-5 6.47)."""

from pyiscsi.conformance.device import Device, expect_good
from pyiscsi.scsi.cdb import TestUnitReady

FAMILY = "SCSI"
SUITE = "TestUnitReady"


def test_Simple(sd: Device) -> None:
    """TEST UNIT READY returns GOOD on a ready logical unit (SPC-5 6.47)."""
    expect_good(sd.run(TestUnitReady().encode()), "TEST UNIT READY")
