"""SCSI.Verify16: VERIFY (16) (SBC-4 VERIFY (16) command)."""

from pyiscsi.conformance.templates import verify_tests
from pyiscsi.scsi.cdb import Verify16
from pyiscsi.scsi.opcodes import Opcode

FAMILY = "SCSI"
SUITE = "Verify16"

globals().update(verify_tests(Verify16, "VERIFY (16)", Opcode.VERIFY_16, lba_bits=64))
