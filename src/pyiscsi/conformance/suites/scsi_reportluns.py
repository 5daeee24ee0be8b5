"""SCSI.ReportLUNs: REPORT LUNS (SPC-5 6.33). libiscsi 1.20 suite."""

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import Device, LunInfo
from pyiscsi.scsi.cdb import ReportLuns

FAMILY = "SCSI"
SUITE = "ReportLUNs"


def test_Simple(sd: Device, lun: LunInfo) -> None:
    """REPORT LUNS is GOOD, its LUN LIST LENGTH is a multiple of 8 that matches what came,
    and no LUN is listed twice (SPC-5 6.33.2)."""
    r = checks.ok(sd, lun, ReportLuns(allocation_length=4096))
    length = int.from_bytes(r.data[0:4], "big")
    if length % 8:
        pytest.fail(f"REPORT LUNS: LUN LIST LENGTH {length} is not a multiple of 8", pytrace=False)
    if length + 8 > len(r.data):
        pytest.skip("REPORT LUNS answer truncated at 4096 bytes")
    entries = [bytes(r.data[8 + i : 16 + i]) for i in range(0, length, 8)]
    if len(set(entries)) != len(entries):
        pytest.fail("REPORT LUNS lists a LUN twice", pytrace=False)
