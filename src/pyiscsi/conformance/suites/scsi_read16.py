"""SCSI.Read16: READ (16) (SBC-4 READ (16) command)."""

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import Device, LunInfo
from pyiscsi.scsi.cdb import Read16
from pyiscsi.scsi.opcodes import Opcode

FAMILY = "SCSI"
SUITE = "Read16"
LBA_BITS = 64
_make = Read16


def test_Simple(sd: Device, lun: LunInfo) -> None:
    """READ (16) of 1-256 blocks at the start and at the end of the LU is GOOD, with every
    byte asked for
    (SBC-4 READ (16) command)."""
    checks.rw_simple(sd, lun, _make)


def test_BeyondEol(sd: Device, lun: LunInfo) -> None:
    """READ (16) that reaches past the last LBA (one past the end, 2^63, -1, all but one
    block past the end) is ILLEGAL REQUEST, LOGICAL BLOCK ADDRESS OUT OF RANGE (SBC-4
    READ (16): "if the LBA plus the transfer length exceeds the capacity ... 21h/00h")."""
    checks.rw_beyond_eol(sd, lun, _make, LBA_BITS)


def test_ZeroBlocks(sd: Device, lun: LunInfo) -> None:
    """READ (16) of zero blocks at LBA 0 is GOOD; at an LBA past the end it is LOGICAL BLOCK
    ADDRESS OUT OF RANGE (SBC-4 READ (16): a TRANSFER LENGTH of 0 is not an error, the LBA is
    still checked)."""
    checks.rw_zero_blocks(sd, lun, _make, LBA_BITS)


def test_ReadProtect(sd: Device, lun: LunInfo) -> None:
    """RDPROTECT 1-7 on a LU without protection information is ILLEGAL REQUEST,
    INVALID FIELD IN CDB (SBC-4 READ (16), RDPROTECT field; 4.22 protection information)."""
    checks.rw_protect(sd, lun, _make, "rdprotect")


def test_DpoFua(sd: Device, lun: LunInfo) -> None:
    """DPO/FUA are accepted if the mode header's DPOFUA bit is one, else INVALID FIELD IN CDB,
    and REPORT SUPPORTED OPERATION CODES agrees (SBC-4 6.5.1 DPOFUA; SPC-5 CDB USAGE DATA)."""
    checks.rw_dpofua(sd, lun, _make, Opcode.READ_16)
