"""SCSI.Verify12: VERIFY (12) (SBC-4 VERIFY (12) command)."""

from typing import Any

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import Device, LunInfo
from pyiscsi.scsi.cdb import Read16, Verify12
from pyiscsi.scsi.cdb_base import CDB
from pyiscsi.scsi.opcodes import Opcode

FAMILY = "SCSI"
SUITE = "Verify12"
LBA_BITS = 32


def _make(lba: int, transfer_length: int, **fields: Any) -> CDB:
    return Verify12(lba=lba, verification_length=transfer_length, **fields)


def test_Simple(sd: Device, lun: LunInfo) -> None:
    """Data read from 1-256 blocks at the start and the end, sent back with BYTCHK=1,
    compares equal: GOOD (SBC-4 VERIFY (12), BYTCHK 01b)."""
    checks.verify_simple(sd, lun, Verify12)


def _compare(lba: int, transfer_length: int, **fields: Any) -> CDB:
    return Verify12(lba=lba, verification_length=transfer_length, bytchk=1, **fields)


def test_BeyondEol(sd: Device, lun: LunInfo) -> None:
    """VERIFY (12) of a range that reaches past the last LBA is LOGICAL BLOCK ADDRESS OUT OF RANGE,
    with BYTCHK=1 (as libiscsi) and with BYTCHK=0.

    SBC-4 VERIFY (12): the LBA range is checked against the capacity whatever BYTCHK says.
    libiscsi sends only BYTCHK=1; tgtd 1.0.85 answers GOOD to BYTCHK=0 past the end, so this
    test fails there where libiscsi's passes.
    """
    checks.rw_beyond_eol(sd, lun, _compare, LBA_BITS)
    checks.rw_beyond_eol(sd, lun, _make, LBA_BITS)


def test_ZeroBlocks(sd: Device, lun: LunInfo) -> None:
    """VERIFY (12) of zero blocks is GOOD at LBA 0 and LBA OUT OF RANGE past the end, with
    BYTCHK=1 and BYTCHK=0.

    SBC-4 VERIFY (12): VERIFICATION LENGTH 0 verifies nothing and is not an error, but the LBA is
    still checked. libiscsi sends only BYTCHK=1 (tgtd 1.0.85 fails BYTCHK=0 past the end).
    """
    checks.rw_zero_blocks(sd, lun, _compare, LBA_BITS)
    checks.rw_zero_blocks(sd, lun, _make, LBA_BITS)


def test_VerifyProtect(sd: Device, lun: LunInfo) -> None:
    """VRPROTECT 1-7 without protection information is INVALID FIELD IN CDB (SBC-4
    VERIFY (12), VRPROTECT field)."""
    checks.rw_protect(sd, lun, _make, "vrprotect")


def test_Flags(sd: Device, lun: LunInfo) -> None:
    """BYTCHK=1 with the data just read is GOOD (SBC-4 VERIFY (12), BYTCHK 01b)."""
    data = checks.ok(sd, lun, Read16(lba=0, transfer_length=1)).data
    checks.ok(sd, lun, _make(0, 1, bytchk=1), data_out=bytes(data))


def test_Dpo(sd: Device, lun: LunInfo) -> None:
    """DPO is accepted if DPOFUA is one, else INVALID FIELD IN CDB, and the CDB USAGE DATA
    agrees (SBC-4 6.5.1 DPOFUA; SPC-5 REPORT SUPPORTED OPERATION CODES)."""
    checks.rw_dpofua(sd, lun, _make, Opcode.VERIFY_12, fua=False)


def test_Mismatch(sd: Device, lun: LunInfo) -> None:
    """BYTCHK=1 with data that differ from the medium is MISCOMPARE, MISCOMPARE DURING
    VERIFY OPERATION (SBC-4 VERIFY (12), BYTCHK 01b)."""
    checks.verify_mismatch(sd, lun, Verify12, compare=True)


def test_MismatchNoCmp(sd: Device, lun: LunInfo) -> None:
    """BYTCHK=0 verifies the medium only, so no miscompare is possible: GOOD (SBC-4
    VERIFY (12), BYTCHK 00b)."""
    checks.verify_mismatch(sd, lun, Verify12, compare=False)
