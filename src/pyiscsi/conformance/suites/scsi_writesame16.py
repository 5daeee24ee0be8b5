"""SCSI.WriteSame16: WRITE SAME (16) (SBC-4 WRITE SAME (16) command)."""

import pytest

from pyiscsi.conformance.templates import write_same_tests
from pyiscsi.scsi.cdb import WriteSame16

FAMILY = "SCSI"
SUITE = "WriteSame16"
pytestmark = pytest.mark.dataloss

globals().update(write_same_tests(WriteSame16, "WRITE SAME (16)", lba_bits=64, lbpws="LBPWS"))
