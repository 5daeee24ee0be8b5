"""SCSI.Verify10: VERIFY (10) (SBC-4 VERIFY (10) command)."""

from pyiscsi.conformance.templates import verify_tests
from pyiscsi.scsi.cdb import Verify10
from pyiscsi.scsi.opcodes import Opcode

FAMILY = "SCSI"
SUITE = "Verify10"

globals().update(verify_tests(Verify10, "VERIFY (10)", Opcode.VERIFY_10, lba_bits=32))
