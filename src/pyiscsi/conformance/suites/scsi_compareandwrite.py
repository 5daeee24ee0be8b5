"""SCSI.CompareAndWrite: COMPARE AND WRITE (SBC-4 COMPARE AND WRITE command)."""

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import (
    INVALID_FIELD_IN_CDB,
    MISCOMPARE_DURING_VERIFY,
    Device,
    LunInfo,
    expect_good,
)
from pyiscsi.scsi.cdb import CompareAndWrite, Read16, Write16
from pyiscsi.scsi.opcodes import Opcode

FAMILY = "SCSI"
SUITE = "CompareAndWrite"
pytestmark = pytest.mark.dataloss


def _max_blocks(lun: LunInfo) -> int:
    bl = lun.block_limits
    if bl is None or not bl.maximum_compare_and_write_length:
        return 1
    return min(int(bl.maximum_compare_and_write_length), 8)


def _caw(sd: Device, lun: LunInfo, lba: int, n: int, verify: bytes, write: bytes,
         **flags: bool) -> checks.Result:  # fmt: skip
    c = CompareAndWrite(lba=lba, number_of_logical_blocks=n, **flags)
    r = checks.run(sd, lun, c, data_out=verify + write)
    checks.skip_if_not_implemented(r, "COMPARE AND WRITE")
    return r


def test_Simple(sd: Device, lun: LunInfo) -> None:
    """With verify data equal to the medium, COMPARE AND WRITE is GOOD and the write data
    are written, at the start and the end of the LU (SBC-4 COMPARE AND WRITE)."""
    for n in range(1, _max_blocks(lun) + 1):
        for lba in (0, lun.num_blocks - n):
            old = checks.pattern(n, lun.block_size)
            new = checks.pattern(n, lun.block_size)
            checks.ok(sd, lun, Write16(lba=lba, transfer_length=n), data_out=old)
            expect_good(_caw(sd, lun, lba, n, old, new), f"COMPARE AND WRITE lba={lba} n={n}")
            got = checks.ok(sd, lun, Read16(lba=lba, transfer_length=n)).data
            if bytes(got) != new:
                pytest.fail(f"COMPARE AND WRITE lba={lba}: the write data were not written",
                            pytrace=False)  # fmt: skip


def test_DpoFua(sd: Device, lun: LunInfo) -> None:
    """DPO/FUA are accepted if DPOFUA is one, else INVALID FIELD IN CDB (SBC-4 6.5.1)."""
    dpofua = checks.dpofua_supported(sd)
    block = checks.pattern(1, lun.block_size)
    for flags in ({"dpo": True}, {"fua": True}, {"dpo": True, "fua": True}):
        checks.ok(sd, lun, Write16(lba=0, transfer_length=1), data_out=block)
        r = _caw(sd, lun, 0, 1, block, block, **flags)
        if dpofua:
            expect_good(r, f"COMPARE AND WRITE {flags}")
        else:
            checks.expect_sense(r, f"COMPARE AND WRITE {flags}", INVALID_FIELD_IN_CDB)
    usage = checks.usage_data(sd, Opcode.COMPARE_AND_WRITE)
    if bool(len(usage) > 1 and usage[1] & 0x18) != dpofua:
        pytest.fail("CDB USAGE DATA of COMPARE AND WRITE disagrees with DPOFUA", pytrace=False)


def _miscompare(sd: Device, lun: LunInfo) -> tuple[checks.Result, int]:
    old = checks.pattern(1, lun.block_size)
    checks.ok(sd, lun, Write16(lba=0, transfer_length=1), data_out=old)
    wrong = bytearray(old)
    offset = lun.block_size // 3
    wrong[offset] ^= 0xFF
    r = _caw(sd, lun, 0, 1, bytes(wrong), checks.pattern(1, lun.block_size))
    checks.expect_sense(r, "COMPARE AND WRITE with wrong verify data", MISCOMPARE_DURING_VERIFY)
    got = checks.ok(sd, lun, Read16(lba=0, transfer_length=1)).data
    if bytes(got) != old:
        pytest.fail("COMPARE AND WRITE wrote despite a miscompare", pytrace=False)
    return r, offset


def test_Miscompare(sd: Device, lun: LunInfo) -> None:
    """Verify data that differ from the medium: MISCOMPARE, MISCOMPARE DURING VERIFY
    OPERATION, and nothing written (SBC-4 COMPARE AND WRITE)."""
    _miscompare(sd, lun)


def test_MiscompareSense(sd: Device, lun: LunInfo) -> None:
    """The miscompare sense has INFORMATION (VALID=1) set to the offset of the first byte
    that differed (SBC-4 COMPARE AND WRITE: "the offset ... of the first byte that did not
    match"). libiscsi 1.20 test; 1.19 does not have it."""
    r, offset = _miscompare(sd, lun)
    if r.sense is None or r.sense.information != offset:
        pytest.fail(f"miscompare INFORMATION: expected {offset}, got "
                    f"{r.sense.information if r.sense else None}", pytrace=False)  # fmt: skip


def test_Unwritten(sd: Device, lun: LunInfo) -> None:
    """A miscompare leaves each of 1-256 blocks as it was (SBC-4 COMPARE AND WRITE: the
    write is done only if the compare succeeds)."""
    verify = b"%" * lun.block_size
    write = b"B" * lun.block_size
    for lba in range(1, min(256, lun.num_blocks)):
        r = _caw(sd, lun, lba, 1, verify, write)
        got = bytes(checks.ok(sd, lun, Read16(lba=lba, transfer_length=1)).data)
        if r.status == 0 and got != write:
            pytest.fail(f"lba {lba}: CAW GOOD but the block was not written", pytrace=False)
        if r.status != 0 and got == write:
            pytest.fail(f"lba {lba}: CAW failed but the block was written", pytrace=False)


def test_InvalidDataOutSize(sd: Device, lun: LunInfo) -> None:
    """Four blocks of data-out for a COMPARE AND WRITE of one or three blocks (2 x NUMBER OF
    LOGICAL BLOCKS expected) is not GOOD (SBC-4 COMPARE AND WRITE; SAM-5 5.4 data transfer:
    more data than the command expects is an overflow)."""
    data = b"\xa6" * (4 * lun.block_size)
    for n in (1, 3):
        r = checks.run(sd, lun, CompareAndWrite(lba=0, number_of_logical_blocks=n), data_out=data)
        checks.skip_if_not_implemented(r, "COMPARE AND WRITE")
        if r.status == 0:
            pytest.fail(f"COMPARE AND WRITE n={n} with 4 blocks of data: GOOD", pytrace=False)
