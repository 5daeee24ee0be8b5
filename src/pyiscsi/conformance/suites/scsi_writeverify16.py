"""SCSI.WriteVerify16: WRITE AND VERIFY (16) (SBC-4 WRITE AND VERIFY (16) command)."""

import pytest

from pyiscsi.conformance.templates import write_verify_tests
from pyiscsi.scsi.cdb import WriteAndVerify16
from pyiscsi.scsi.opcodes import Opcode

FAMILY = "SCSI"
SUITE = "WriteVerify16"
pytestmark = pytest.mark.dataloss

globals().update(
    write_verify_tests(
        WriteAndVerify16, "WRITE AND VERIFY (16)", Opcode.WRITE_AND_VERIFY_16, lba_bits=64
    )
)
