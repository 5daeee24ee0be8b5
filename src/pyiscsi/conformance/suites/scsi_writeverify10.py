"""SCSI.WriteVerify10: WRITE AND VERIFY (10) (SBC-4 WRITE AND VERIFY (10) command)."""

import pytest

from pyiscsi.conformance.templates import write_verify_tests
from pyiscsi.scsi.cdb import WriteAndVerify10
from pyiscsi.scsi.opcodes import Opcode

FAMILY = "SCSI"
SUITE = "WriteVerify10"
pytestmark = pytest.mark.dataloss

globals().update(
    write_verify_tests(
        WriteAndVerify10, "WRITE AND VERIFY (10)", Opcode.WRITE_AND_VERIFY_10, lba_bits=32
    )
)
