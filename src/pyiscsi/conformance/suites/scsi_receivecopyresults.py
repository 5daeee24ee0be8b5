"""SCSI.ReceiveCopyResults: RECEIVE COPY RESULTS (SPC-5 6.18)."""

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import INVALID_FIELD_IN_CDB, Device, LunInfo
from pyiscsi.scsi.cdb import ReceiveCopyResults
from pyiscsi.scsi.opcodes import ReceiveCopyResultsServiceAction as SA
from pyiscsi.scsi.reports import parse_copy_operating_parameters

FAMILY = "SCSI"
SUITE = "ReceiveCopyResults"


def test_CopyStatus(sd: Device, lun: LunInfo) -> None:
    """COPY STATUS for a list identifier never used is ILLEGAL REQUEST, INVALID FIELD IN CDB
    (SPC-5 6.18.2: "if no copy ... with the specified LIST IDENTIFIER")."""
    r = checks.run(sd, lun, ReceiveCopyResults(service_action=SA.COPY_STATUS, list_identifier=0xEE))
    checks.skip_if_not_implemented(r, "RECEIVE COPY RESULTS")
    if r.status == 0:
        pytest.skip("the target keeps a status for every list identifier")
    checks.expect_sense(r, "COPY STATUS of an unused list identifier", INVALID_FIELD_IN_CDB)


def test_OpParams(sd: Device, lun: LunInfo) -> None:
    """OPERATING PARAMETERS is GOOD with non-zero maximum descriptor counts (SPC-5 6.18.4)."""
    r = checks.run(sd, lun, ReceiveCopyResults(service_action=SA.OPERATING_PARAMETERS))
    checks.skip_if_not_implemented(r, "RECEIVE COPY RESULTS")
    checks.expect_good(r, "RECEIVE COPY RESULTS OPERATING PARAMETERS")
    op = parse_copy_operating_parameters(r.data)
    if not op.maximum_cscd_descriptor_count or not op.maximum_segment_descriptor_count:
        pytest.fail("OPERATING PARAMETERS: zero maximum descriptor counts", pytrace=False)
