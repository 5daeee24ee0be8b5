"""SCSI.Verify12: VERIFY (12) (SBC-4 VERIFY (12) command)."""

from pyiscsi.conformance.templates import verify_tests
from pyiscsi.scsi.cdb import Verify12
from pyiscsi.scsi.opcodes import Opcode

FAMILY = "SCSI"
SUITE = "Verify12"

globals().update(verify_tests(Verify12, "VERIFY (12)", Opcode.VERIFY_12, lba_bits=32))
