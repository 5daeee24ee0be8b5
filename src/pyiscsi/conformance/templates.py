"""The test bodies that several suites share, one builder per command family.

VERIFY (10), (12) and (16), WRITE AND VERIFY (10), (12) and (16), PRE-FETCH (10) and (16), and
WRITE SAME (10) and (16) differ only in the CDB they build: each suite module calls its
family's builder with its command and puts the tests it returns in its own namespace, where
pytest finds them (libiscsi's names stay: ``SCSI.Verify12.BeyondEol``, ...). ``@CMD@`` in a
docstring is the command's name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import (
    INVALID_FIELD_IN_CDB,
    LBA_OUT_OF_RANGE,
    PARAMETER_LIST_LENGTH_ERROR,
    Device,
    LunInfo,
    expect_sense,
)
from pyiscsi.scsi.cdb import Read16
from pyiscsi.scsi.cdb_base import CDB

__all__ = ["prefetch_tests", "verify_tests", "write_same_tests", "write_verify_tests"]

Test = Callable[[Device, LunInfo], None]


def _named(tests: list[Test], name: str, **more: str) -> dict[str, Test]:
    """The tests by their function names, ``@CMD@`` (and ``@KEY@`` of ``more``) filled in."""
    for test in tests:
        doc = (test.__doc__ or "").replace("@CMD@", name)
        for key, value in more.items():
            doc = doc.replace(f"@{key}@", value)
        test.__doc__ = doc
    return {test.__name__: test for test in tests}


def verify_tests(cdb: Callable[..., CDB], name: str, opcode: int, lba_bits: int) -> dict[str, Test]:
    """SCSI.VerifyNN: VERIFY of ``cdb`` (SBC-4 VERIFY commands)."""

    def _make(lba: int, transfer_length: int, **fields: Any) -> CDB:
        return cdb(lba=lba, verification_length=transfer_length, **fields)

    def test_Simple(sd: Device, lun: LunInfo) -> None:
        """Data read from 1-256 blocks at the start and the end, sent back with BYTCHK=1,
        compares equal: GOOD (SBC-4 @CMD@, BYTCHK 01b)."""
        checks.verify_simple(sd, lun, cdb)

    def _compare(lba: int, transfer_length: int, **fields: Any) -> CDB:
        return cdb(lba=lba, verification_length=transfer_length, bytchk=1, **fields)

    def test_BeyondEol(sd: Device, lun: LunInfo) -> None:
        """@CMD@ of a range that reaches past the last LBA is LOGICAL BLOCK ADDRESS OUT OF RANGE,
        with BYTCHK=1 (as libiscsi) and with BYTCHK=0.

        SBC-4 @CMD@: the LBA range is checked against the capacity whatever BYTCHK says.
        libiscsi sends only BYTCHK=1; tgtd 1.0.85 answers GOOD to BYTCHK=0 past the end, so this
        test fails there where libiscsi's passes.
        """
        checks.rw_beyond_eol(sd, lun, _compare, lba_bits)
        checks.rw_beyond_eol(sd, lun, _make, lba_bits)

    def test_ZeroBlocks(sd: Device, lun: LunInfo) -> None:
        """@CMD@ of zero blocks is GOOD at LBA 0 and LBA OUT OF RANGE past the end, with
        BYTCHK=1 and BYTCHK=0.

        SBC-4 @CMD@: VERIFICATION LENGTH 0 verifies nothing and is not an error, but the LBA is
        still checked. libiscsi sends only BYTCHK=1 (tgtd 1.0.85 fails BYTCHK=0 past the end).
        """
        checks.rw_zero_blocks(sd, lun, _compare, lba_bits)
        checks.rw_zero_blocks(sd, lun, _make, lba_bits)

    def test_VerifyProtect(sd: Device, lun: LunInfo) -> None:
        """VRPROTECT 1-7 without protection information is INVALID FIELD IN CDB (SBC-4
        @CMD@, VRPROTECT field)."""
        checks.rw_protect(sd, lun, _make, "vrprotect")

    def test_Flags(sd: Device, lun: LunInfo) -> None:
        """BYTCHK=1 with the data just read is GOOD (SBC-4 @CMD@, BYTCHK 01b)."""
        data = checks.ok(sd, lun, Read16(lba=0, transfer_length=1)).data
        checks.ok(sd, lun, _make(0, 1, bytchk=1), data_out=bytes(data))

    def test_Dpo(sd: Device, lun: LunInfo) -> None:
        """DPO is accepted if DPOFUA is one, else INVALID FIELD IN CDB, and the CDB USAGE DATA
        agrees (SBC-4 6.5.1 DPOFUA; SPC-5 REPORT SUPPORTED OPERATION CODES)."""
        checks.rw_dpofua(sd, lun, _make, opcode, fua=False)

    def test_Mismatch(sd: Device, lun: LunInfo) -> None:
        """BYTCHK=1 with data that differ from the medium is MISCOMPARE, MISCOMPARE DURING
        VERIFY OPERATION (SBC-4 @CMD@, BYTCHK 01b)."""
        checks.verify_mismatch(sd, lun, cdb, compare=True)

    def test_MismatchNoCmp(sd: Device, lun: LunInfo) -> None:
        """BYTCHK=0 verifies the medium only, so no miscompare is possible: GOOD (SBC-4
        @CMD@, BYTCHK 00b)."""
        checks.verify_mismatch(sd, lun, cdb, compare=False)

    return _named(
        [test_Simple, test_BeyondEol, test_ZeroBlocks, test_VerifyProtect, test_Flags, test_Dpo,
         test_Mismatch, test_MismatchNoCmp],
        name,
    )  # fmt: skip


def write_verify_tests(
    cdb: Callable[..., CDB], name: str, opcode: int, lba_bits: int
) -> dict[str, Test]:
    """SCSI.WriteVerifyNN: WRITE AND VERIFY of ``cdb`` (SBC-4 WRITE AND VERIFY commands)."""
    _make = cdb

    def test_Simple(sd: Device, lun: LunInfo) -> None:
        """@CMD@ of 1-256 blocks at the start and the end of the LU is GOOD
        (SBC-4 @CMD@)."""
        checks.rw_simple(sd, lun, _make, write=True)

    def test_BeyondEol(sd: Device, lun: LunInfo) -> None:
        """@CMD@ past the last LBA is LOGICAL BLOCK ADDRESS OUT OF RANGE (SBC-4
        @CMD@)."""
        checks.rw_beyond_eol(sd, lun, _make, lba_bits)

    def test_ZeroBlocks(sd: Device, lun: LunInfo) -> None:
        """@CMD@ of zero blocks is GOOD at LBA 0, LBA OUT OF RANGE past the end
        (SBC-4 @CMD@)."""
        checks.rw_zero_blocks(sd, lun, _make, lba_bits)

    def test_WriteProtect(sd: Device, lun: LunInfo) -> None:
        """WRPROTECT 1-7 without protection information is INVALID FIELD IN CDB (SBC-4
        @CMD@, WRPROTECT field)."""
        checks.rw_protect(sd, lun, _make, "wrprotect")

    def test_Flags(sd: Device, lun: LunInfo) -> None:
        """BYTCHK=1 (compare the data written) is GOOD (SBC-4 @CMD@, BYTCHK 01b)."""
        checks.ok(sd, lun, _make(lba=0, transfer_length=1, bytchk=1),
                  data_out=b"\xa6" * lun.block_size)  # fmt: skip

    def test_Dpo(sd: Device, lun: LunInfo) -> None:
        """DPO is accepted if DPOFUA is one, else INVALID FIELD IN CDB, and the CDB USAGE DATA
        agrees (SBC-4 6.5.1 DPOFUA; SPC-5 REPORT SUPPORTED OPERATION CODES)."""
        checks.rw_dpofua(sd, lun, _make, opcode, fua=False)

    return _named(
        [test_Simple, test_BeyondEol, test_ZeroBlocks, test_WriteProtect, test_Flags, test_Dpo],
        name,
    )


def prefetch_tests(cdb: Callable[..., CDB], name: str, lba_bits: int) -> dict[str, Test]:
    """SCSI.PrefetchNN: PRE-FETCH of ``cdb`` (SBC-4 PRE-FETCH commands)."""
    short = name.replace(" ", "")

    def _make(lba: int, transfer_length: int, **fields: Any) -> CDB:
        return cdb(lba=lba, prefetch_length=transfer_length, **fields)

    def test_Simple(sd: Device, lun: LunInfo) -> None:
        """@CMD@ of 0-255 blocks at the start and the end of the LU is GOOD or CONDITION
        MET (SBC-4 @CMD@: CONDITION MET when the blocks fit the cache)."""
        for n in checks.lengths(lun, 1, 255):
            checks.ok(sd, lun, _make(0, n))
            checks.ok(sd, lun, _make(lun.num_blocks - n, n))

    def test_BeyondEol(sd: Device, lun: LunInfo) -> None:
        """@CMD@ past the last LBA is LOGICAL BLOCK ADDRESS OUT OF RANGE (SBC-4
        @CMD@)."""
        checks.rw_beyond_eol(sd, lun, _make, lba_bits)

    def test_ZeroBlocks(sd: Device, lun: LunInfo) -> None:
        """@CMD@ of zero blocks (to the end of the medium) is GOOD at LBA 0 and at the
        last LBA, and LBA OUT OF RANGE past the end (SBC-4 @CMD@: "PREFETCH LENGTH
        zero ... through the last logical block")."""
        checks.ok(sd, lun, _make(0, 0))
        checks.ok(sd, lun, _make(lun.num_blocks - 1, 0))
        if lun.num_blocks < 1 << (lba_bits - 1):
            for lba in (lun.num_blocks + 1, 1 << (lba_bits - 1), (1 << lba_bits) - 1):
                checks.err(sd, lun, _make(lba, 0), LBA_OUT_OF_RANGE)

    def test_Flags(sd: Device, lun: LunInfo) -> None:
        """IMMED=1 and a non-zero GROUP NUMBER are accepted (SBC-4 @CMD@: IMMED, GROUP
        NUMBER fields)."""
        checks.ok(sd, lun, _make(0, 1, immed=True))
        r = sd.run(_make(0, 1, group_number=3).encode())
        if r.status not in (0, 4) and not (r.sense and r.sense.asc == 0x24):
            pytest.fail(f"{short} group_number=3: got {r.sense or r.status}", pytrace=False)

    return _named([test_Simple, test_BeyondEol, test_ZeroBlocks, test_Flags], name)


def write_same_tests(
    cdb: Callable[..., CDB], name: str, lba_bits: int, lbpws: str
) -> dict[str, Test]:
    """SCSI.WriteSameNN: WRITE SAME of ``cdb`` (SBC-4 WRITE SAME commands); ``lbpws`` is the
    Logical Block Provisioning VPD bit that announces its UNMAP bit (LBPWS10 or LBPWS)."""
    short = name.replace(" ", "")

    def _make(lba: int, transfer_length: int, **fields: Any) -> CDB:
        return cdb(lba=lba, number_of_logical_blocks=transfer_length, **fields)

    def test_Simple(sd: Device, lun: LunInfo) -> None:
        """@CMD@ of 1-256 blocks at the start and the end is GOOD and the blocks read
        back as the one block sent (SBC-4 @CMD@)."""
        block = b"\xa5" * lun.block_size
        for n in checks.lengths(lun):
            for lba in (0, lun.num_blocks - n):
                checks.ok(sd, lun, _make(lba, n), data_out=block)
        data = checks.ok(sd, lun, Read16(lba=0, transfer_length=2)).data
        if bytes(data) != block * 2:
            pytest.fail("blocks written by WRITE SAME do not read back", pytrace=False)

    def test_BeyondEol(sd: Device, lun: LunInfo) -> None:
        """@CMD@ past the last LBA is LOGICAL BLOCK ADDRESS OUT OF RANGE (SBC-4
        @CMD@)."""
        checks.rw_beyond_eol(sd, lun, _make, lba_bits)

    def test_ZeroBlocks(sd: Device, lun: LunInfo) -> None:
        """NUMBER OF LOGICAL BLOCKS 0 (to the end of the medium) is GOOD when the Block Limits
        page allows it (WSNZ=0), else INVALID FIELD IN CDB (SBC-4 @CMD@, 6.6.4 WSNZ).
        """
        wsnz = bool(lun.block_limits and lun.block_limits.wsnz)
        limit = lun.block_limits.maximum_write_same_length if lun.block_limits else 0
        r = checks.run(sd, lun, _make(lun.num_blocks - 1, 0), data_out=bytes(lun.block_size))
        if wsnz or (limit and limit < 1):
            expect_sense(r, f"{short} 0 blocks with WSNZ=1", INVALID_FIELD_IN_CDB)
        elif r.status != 0 and not (r.sense and r.sense.asc == 0x24):
            pytest.fail(f"{short} 0 blocks: got {r.sense}", pytrace=False)

    def test_WriteProtect(sd: Device, lun: LunInfo) -> None:
        """WRPROTECT 1-7 without protection information is INVALID FIELD IN CDB (SBC-4
        @CMD@, WRPROTECT)."""
        checks.rw_protect(sd, lun, _make, "wrprotect")

    def test_Unmap(sd: Device, lun: LunInfo) -> None:
        """UNMAP=1 on a thin LU with @LBPWS@=1 is GOOD and the blocks
        read back as zeros when LBPRZ=1 (SBC-4 4.7.3.4, @CMD@ UNMAP bit)."""
        lun.require_thin()
        for n in checks.lengths(lun):
            checks.ok(sd, lun, _make(0, n, unmap=True), data_out=bytes(lun.block_size))

    def test_UnmapUnaligned(sd: Device, lun: LunInfo) -> None:
        """UNMAP=1 on a range not aligned to the unmap granularity is GOOD (SBC-4 4.7.3.4:
        unaligned parts are written, not unmapped)."""
        lun.require_thin()
        checks.ok(sd, lun, _make(1, 3, unmap=True), data_out=bytes(lun.block_size))

    def test_UnmapUntilEnd(sd: Device, lun: LunInfo) -> None:
        """UNMAP=1 of 1-256 blocks ending at the last LBA is GOOD (SBC-4 @CMD@)."""
        lun.require_thin()
        for n in checks.lengths(lun):
            checks.ok(
                sd, lun, _make(lun.num_blocks - n, n, unmap=True), data_out=bytes(lun.block_size)
            )

    def test_UnmapVPD(sd: Device, lun: LunInfo) -> None:
        """A thin LU that accepts @CMD@ with UNMAP=1 reports @LBPWS@=1 in the
        Logical Block Provisioning VPD page (SBC-4 6.6.5)."""
        lun.require_thin()
        if lun.lbp is None:
            pytest.fail("LBPME=1 but no Logical Block Provisioning VPD page", pytrace=False)

    def test_Check(sd: Device, lun: LunInfo) -> None:
        """@CMD@ with UNMAP=0 writes the block to each LBA of the range, checked by
        reading back (SBC-4 @CMD@)."""
        block = bytes(range(256)) * (lun.block_size // 256)
        for n in (1, 8, 64):
            checks.ok(sd, lun, _make(0, n), data_out=block)
            data = checks.ok(sd, lun, Read16(lba=0, transfer_length=n)).data
            if bytes(data) != block * n:
                pytest.fail(f"{short} of {n} blocks: data read back differ", pytrace=False)

    def test_InvalidDataOutSize(sd: Device, lun: LunInfo) -> None:
        """A data-out buffer of two blocks instead of one is an error the target reports
        (SBC-4 @CMD@: the data-out is one logical block) or ignores (extra data)."""
        r = checks.run(sd, lun, _make(0, 1), data_out=bytes(2 * lun.block_size))
        if r.status != 0 and not r.sense:
            pytest.fail(f"{short} with 2 blocks of data: status {r.status:#x} and no sense",
                        pytrace=False)  # fmt: skip
        if r.sense and r.sense.key not in (0x5, 0xB):
            expect_sense(r, f"{short} 2 blocks of data", PARAMETER_LIST_LENGTH_ERROR)

    return _named(
        [test_Simple, test_BeyondEol, test_ZeroBlocks, test_WriteProtect, test_Unmap,
         test_UnmapUnaligned, test_UnmapUntilEnd, test_UnmapVPD, test_Check,
         test_InvalidDataOutSize],
        name,
        LBPWS=lbpws,
    )  # fmt: skip
