"""SCSI.WriteVerify10: WRITE AND VERIFY (10) (SBC-4 WRITE AND VERIFY (10) command)."""

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import Device, LunInfo
from pyiscsi.scsi.cdb import WriteAndVerify10
from pyiscsi.scsi.opcodes import Opcode

FAMILY = "SCSI"
SUITE = "WriteVerify10"
LBA_BITS = 32
_make = WriteAndVerify10
pytestmark = pytest.mark.dataloss


def test_Simple(sd: Device, lun: LunInfo) -> None:
    """WRITE AND VERIFY (10) of 1-256 blocks at the start and the end of the LU is GOOD
    (SBC-4 WRITE AND VERIFY (10))."""
    checks.rw_simple(sd, lun, _make, write=True)


def test_BeyondEol(sd: Device, lun: LunInfo) -> None:
    """WRITE AND VERIFY (10) past the last LBA is LOGICAL BLOCK ADDRESS OUT OF RANGE (SBC-4
    WRITE AND VERIFY (10))."""
    checks.rw_beyond_eol(sd, lun, _make, LBA_BITS)


def test_ZeroBlocks(sd: Device, lun: LunInfo) -> None:
    """WRITE AND VERIFY (10) of zero blocks is GOOD at LBA 0, LBA OUT OF RANGE past the end
    (SBC-4 WRITE AND VERIFY (10))."""
    checks.rw_zero_blocks(sd, lun, _make, LBA_BITS)


def test_WriteProtect(sd: Device, lun: LunInfo) -> None:
    """WRPROTECT 1-7 without protection information is INVALID FIELD IN CDB (SBC-4 WRITE AND
    VERIFY (10),
    WRPROTECT field)."""
    checks.rw_protect(sd, lun, _make, "wrprotect")


def test_Flags(sd: Device, lun: LunInfo) -> None:
    """BYTCHK=1 (compare the data written) is GOOD (SBC-4 WRITE AND VERIFY (10), BYTCHK 01b)."""
    checks.ok(sd, lun, _make(lba=0, transfer_length=1, bytchk=1),
              data_out=b"\xa6" * lun.block_size)  # fmt: skip


def test_Dpo(sd: Device, lun: LunInfo) -> None:
    """DPO is accepted if DPOFUA is one, else INVALID FIELD IN CDB, and the CDB USAGE DATA
    agrees (SBC-4 6.5.1 DPOFUA; SPC-5 REPORT SUPPORTED OPERATION CODES)."""
    checks.rw_dpofua(sd, lun, _make, Opcode.WRITE_AND_VERIFY_10, fua=False)
