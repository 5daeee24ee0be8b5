"""SCSI.PrinReportCapabilities: PERSISTENT RESERVE IN, REPORT CAPABILITIES (SPC-5 6.16.4)."""

import pytest

from pyiscsi.conformance.device import Device, expect_good
from pyiscsi.conformance.prhelp import prin
from pyiscsi.scsi.opcodes import PersistentReserveInServiceAction as In
from pyiscsi.scsi.pr import parse_report_capabilities

FAMILY = "SCSI"
SUITE = "PrinReportCapabilities"
pytestmark = pytest.mark.iscsi_only


def test_Simple(sd: Device) -> None:
    """REPORT CAPABILITIES is GOOD with LENGTH 8 (SPC-5 6.16.4)."""
    r = expect_good(prin(sd, In.REPORT_CAPABILITIES), "REPORT CAPABILITIES")
    caps = parse_report_capabilities(r.data)
    if caps.length != 8:
        pytest.fail(f"REPORT CAPABILITIES: expected LENGTH 8, got {caps.length}", pytrace=False)
