"""SCSI.WriteSame10: WRITE SAME (10) (SBC-4 WRITE SAME (10) command)."""

from typing import Any

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import (
    INVALID_FIELD_IN_CDB,
    PARAMETER_LIST_LENGTH_ERROR,
    Device,
    LunInfo,
    expect_sense,
)
from pyiscsi.scsi.cdb import Read16, WriteSame10
from pyiscsi.scsi.cdb_base import CDB

FAMILY = "SCSI"
SUITE = "WriteSame10"
LBA_BITS = 32
pytestmark = pytest.mark.dataloss


def _make(lba: int, transfer_length: int, **fields: Any) -> CDB:
    return WriteSame10(lba=lba, number_of_logical_blocks=transfer_length, **fields)


def test_Simple(sd: Device, lun: LunInfo) -> None:
    """WRITE SAME (10) of 1-256 blocks at the start and the end is GOOD and the blocks read
    back as the one block sent (SBC-4 WRITE SAME (10))."""
    block = b"\xa5" * lun.block_size
    for n in checks.lengths(lun):
        for lba in (0, lun.num_blocks - n):
            checks.ok(sd, lun, _make(lba, n), data_out=block)
    data = checks.ok(sd, lun, Read16(lba=0, transfer_length=2)).data
    if bytes(data) != block * 2:
        pytest.fail("blocks written by WRITE SAME do not read back", pytrace=False)


def test_BeyondEol(sd: Device, lun: LunInfo) -> None:
    """WRITE SAME (10) past the last LBA is LOGICAL BLOCK ADDRESS OUT OF RANGE (SBC-4
    WRITE SAME (10))."""
    checks.rw_beyond_eol(sd, lun, _make, LBA_BITS)


def test_ZeroBlocks(sd: Device, lun: LunInfo) -> None:
    """NUMBER OF LOGICAL BLOCKS 0 (to the end of the medium) is GOOD when the Block Limits
    page allows it (WSNZ=0), else INVALID FIELD IN CDB (SBC-4 WRITE SAME (10), 6.6.4 WSNZ).
    """
    wsnz = bool(lun.block_limits and lun.block_limits.wsnz)
    limit = lun.block_limits.maximum_write_same_length if lun.block_limits else 0
    r = checks.run(sd, lun, _make(lun.num_blocks - 1, 0), data_out=bytes(lun.block_size))
    if wsnz or (limit and limit < 1):
        expect_sense(r, "WRITE SAME(10) 0 blocks with WSNZ=1", INVALID_FIELD_IN_CDB)
    elif r.status != 0 and not (r.sense and r.sense.asc == 0x24):
        pytest.fail(f"WRITE SAME(10) 0 blocks: got {r.sense}", pytrace=False)


def test_WriteProtect(sd: Device, lun: LunInfo) -> None:
    """WRPROTECT 1-7 without protection information is INVALID FIELD IN CDB (SBC-4
    WRITE SAME (10), WRPROTECT)."""
    checks.rw_protect(sd, lun, _make, "wrprotect")


def test_Unmap(sd: Device, lun: LunInfo) -> None:
    """UNMAP=1 on a thin LU with LBPWS10=1 is GOOD and the blocks
    read back as zeros when LBPRZ=1 (SBC-4 4.7.3.4, WRITE SAME (10) UNMAP bit)."""
    lun.require_thin()
    for n in checks.lengths(lun):
        checks.ok(sd, lun, _make(0, n, unmap=True), data_out=bytes(lun.block_size))


def test_UnmapUnaligned(sd: Device, lun: LunInfo) -> None:
    """UNMAP=1 on a range not aligned to the unmap granularity is GOOD (SBC-4 4.7.3.4:
    unaligned parts are written, not unmapped)."""
    lun.require_thin()
    checks.ok(sd, lun, _make(1, 3, unmap=True), data_out=bytes(lun.block_size))


def test_UnmapUntilEnd(sd: Device, lun: LunInfo) -> None:
    """UNMAP=1 of 1-256 blocks ending at the last LBA is GOOD (SBC-4 WRITE SAME (10))."""
    lun.require_thin()
    for n in checks.lengths(lun):
        checks.ok(sd, lun, _make(lun.num_blocks - n, n, unmap=True), data_out=bytes(lun.block_size))


def test_UnmapVPD(sd: Device, lun: LunInfo) -> None:
    """A thin LU that accepts WRITE SAME (10) with UNMAP=1 reports LBPWS10=1 in the
    Logical Block Provisioning VPD page (SBC-4 6.6.5)."""
    lun.require_thin()
    if lun.lbp is None:
        pytest.fail("LBPME=1 but no Logical Block Provisioning VPD page", pytrace=False)


def test_Check(sd: Device, lun: LunInfo) -> None:
    """WRITE SAME (10) with UNMAP=0 writes the block to each LBA of the range, checked by
    reading back (SBC-4 WRITE SAME (10))."""
    block = bytes(range(256)) * (lun.block_size // 256)
    for n in (1, 8, 64):
        checks.ok(sd, lun, _make(0, n), data_out=block)
        data = checks.ok(sd, lun, Read16(lba=0, transfer_length=n)).data
        if bytes(data) != block * n:
            pytest.fail(f"WRITE SAME(10) of {n} blocks: data read back differ", pytrace=False)


def test_InvalidDataOutSize(sd: Device, lun: LunInfo) -> None:
    """A data-out buffer of two blocks instead of one is an error the target reports
    (SBC-4 WRITE SAME (10): the data-out is one logical block) or ignores (extra data)."""
    r = checks.run(sd, lun, _make(0, 1), data_out=bytes(2 * lun.block_size))
    if r.status != 0 and not r.sense:
        pytest.fail(f"WRITE SAME(10) with 2 blocks of data: status {r.status:#x} and no sense",
                    pytrace=False)  # fmt: skip
    if r.sense and r.sense.key not in (0x5, 0xB):
        expect_sense(r, "WRITE SAME(10) 2 blocks of data", PARAMETER_LIST_LENGTH_ERROR)
