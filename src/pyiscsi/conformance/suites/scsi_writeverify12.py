"""SCSI.WriteVerify12: WRITE AND VERIFY (12) (SBC-4 WRITE AND VERIFY (12) command)."""

import pytest

from pyiscsi.conformance.templates import write_verify_tests
from pyiscsi.scsi.cdb import WriteAndVerify12
from pyiscsi.scsi.opcodes import Opcode

FAMILY = "SCSI"
SUITE = "WriteVerify12"
pytestmark = pytest.mark.dataloss

globals().update(
    write_verify_tests(
        WriteAndVerify12, "WRITE AND VERIFY (12)", Opcode.WRITE_AND_VERIFY_12, lba_bits=32
    )
)
