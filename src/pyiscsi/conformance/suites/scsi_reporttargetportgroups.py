"""SCSI.ReportTargetPortGroups: REPORT TARGET PORT GROUPS (SPC-5 6.36). libiscsi 1.20."""

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import Device, LunInfo
from pyiscsi.scsi.cdb import ReportTargetPortGroups

FAMILY = "SCSI"
SUITE = "ReportTargetPortGroups"


def _supported(lun: LunInfo) -> None:
    if lun.inquiry is None or not lun.inquiry.tpgs:
        pytest.skip("TPGS=0: asymmetric logical unit access not supported")


def test_Simple(sd: Device, lun: LunInfo) -> None:
    """With TPGS non-zero, REPORT TARGET PORT GROUPS is GOOD and its RETURN DATA LENGTH
    matches what came (SPC-5 6.36.2; 6.7.2 TPGS)."""
    _supported(lun)
    r = checks.ok(sd, lun, ReportTargetPortGroups(allocation_length=4096))
    length = int.from_bytes(r.data[0:4], "big")
    if length + 4 < len(r.data):
        pytest.fail(f"RETURN DATA LENGTH {length} but {len(r.data)} bytes came", pytrace=False)


def test_AllocLength(sd: Device, lun: LunInfo) -> None:
    """ALLOCATION LENGTH 0-16 is no error and bounds the answer (SPC-5 4.2.5.6)."""
    _supported(lun)
    for length in range(17):
        r = checks.ok(sd, lun, ReportTargetPortGroups(allocation_length=length))
        if len(r.data) > length:
            pytest.fail(f"allocation_length={length}: {len(r.data)} bytes", pytrace=False)
