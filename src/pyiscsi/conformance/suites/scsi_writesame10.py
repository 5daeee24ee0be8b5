"""SCSI.WriteSame10: WRITE SAME (10) (SBC-4 WRITE SAME (10) command)."""

import pytest

from pyiscsi.conformance.templates import write_same_tests
from pyiscsi.scsi.cdb import WriteSame10

FAMILY = "SCSI"
SUITE = "WriteSame10"
pytestmark = pytest.mark.dataloss

globals().update(write_same_tests(WriteSame10, "WRITE SAME (10)", lba_bits=32, lbpws="LBPWS10"))
