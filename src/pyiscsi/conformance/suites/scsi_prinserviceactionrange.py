"""SCSI.PrinServiceactionRange: PERSISTENT RESERVE IN service actions (SPC-5 6.16.1)."""

import pytest

from pyiscsi.conformance.device import INVALID_FIELD_IN_CDB, Device, expect_good, expect_sense
from pyiscsi.conformance.prhelp import prin

FAMILY = "SCSI"
SUITE = "PrinServiceactionRange"
pytestmark = pytest.mark.iscsi_only


def test_Range(sd: Device) -> None:
    """Service actions 0-3 (READ KEYS, READ RESERVATION, REPORT CAPABILITIES, READ FULL
    STATUS) are GOOD; 4-31 are reserved: INVALID FIELD IN CDB (SPC-5 6.16.1, Table 158)."""
    for action in range(4):
        expect_good(prin(sd, action), f"PERSISTENT RESERVE IN service action {action}")
    for action in range(4, 32):
        expect_sense(prin(sd, action), f"PERSISTENT RESERVE IN service action {action}",
                     INVALID_FIELD_IN_CDB)  # fmt: skip
