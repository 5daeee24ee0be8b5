"""LUNs above 255 (flat space addressing, SAM-5 4.7.7) against a real tgtd.

The shared tgtd's ``PLAIN_IQN`` has LUN 1, LUN 300 and LUN 16000 (tgtd accepts LUNs up to
16383, the 14 bits of flat space addressing). A LUN field of flat space addressing is
``01b`` in the top two bits of byte 0, then the LUN in the next 14 bits, six zero bytes:
300 = 0x012C -> ``41 2C 00..``, 16000 = 0x3E80 -> ``7E 80 00..``; LUN 0 and 1 are peripheral
device addressing (``00b``): ``00 00 00..``, ``00 01 00..``.
"""

from __future__ import annotations

import struct

import pytest
from _targets import (
    BLOCK,
    INITIATOR,
    MiB,
    inquiry,
    pattern,
    read16,
    read_capacity16,
    report_luns,
    run_async,
    test_unit_ready,
    write16,
)

import pyiscsi
from tgt import PLAIN_IQN, Tgtd

PLAIN_TID = 1
LUN_FIELDS = {
    0: bytes.fromhex("0000000000000000"),
    1: bytes.fromhex("0001000000000000"),
    300: bytes.fromhex("412c000000000000"),
    16000: bytes.fromhex("7e80000000000000"),
}


@pytest.mark.parametrize("lun", [300, 16000])
@run_async
async def test_high_lun_inquiry_and_io(tgtd: Tgtd, lun: int) -> None:
    data = pattern(f"lun-{lun}", 64 * BLOCK)
    lba = 100 + lun % 7
    async with pyiscsi.connect(tgtd.url(PLAIN_IQN, lun), initiator_name=INITIATOR) as s:
        assert s.lun == lun
        result = await s.execute(inquiry(96), data_in=96)
        assert bytes(result.data)[0] == 0x00  # connected direct-access block device
        capacity = await s.execute(read_capacity16(), data_in=32)
        last_lba, block_length = struct.unpack_from(">QI", bytes(capacity.data))
        assert (last_lba + 1) * block_length == 8 * MiB  # LUN 300/16000, not LUN 1 (64 MiB)
        await s.execute(write16(lba, 64), data_out=data)
        assert bytes((await s.execute(read16(lba, 64), data_in=len(data))).data) == data
    with tgtd.backing_file(PLAIN_TID, lun).open("rb") as f:
        f.seek(lba * BLOCK)
        assert f.read(len(data)) == data  # the write reached this LUN's backing file


@run_async
async def test_report_luns_lists_high_luns(tgtd: Tgtd) -> None:
    async with pyiscsi.connect(tgtd.url(PLAIN_IQN, 300), initiator_name=INITIATOR) as s:
        result = await s.execute(report_luns(4096), data_in=4096)
    data = bytes(result.data)
    (length,) = struct.unpack_from(">I", data, 0)
    assert length == 8 * len(LUN_FIELDS)
    fields = {data[i : i + 8] for i in range(8, 8 + length, 8)}
    assert fields == set(LUN_FIELDS.values())
    decoded = set()
    for field in fields:
        method = field[0] >> 6
        assert method in (0b00, 0b01)
        decoded.add(int.from_bytes(field[:2], "big") & 0x3FFF if method else field[1])
    assert decoded == set(LUN_FIELDS)


@run_async
async def test_lun_keyword_addresses_other_lun(tgtd: Tgtd) -> None:
    """A session to LUN 1 sends one command to LUN 16000 with ``lun=``."""
    async with pyiscsi.connect(tgtd.url(PLAIN_IQN, 1), initiator_name=INITIATOR) as s:
        on_1 = await s.execute(read_capacity16(), data_in=32)
        # the login cleared the UNIT ATTENTION of LUN 1 only; LUN 16000 reports its own once
        first = await s.execute(test_unit_ready(), lun=16000, check=False)
        assert first.status == 0x02
        assert first.sense is not None
        assert (int(first.sense.key), first.sense.asc) == (0x6, 0x29)
        on_16000 = await s.execute(read_capacity16(), data_in=32, lun=16000)
    assert struct.unpack_from(">Q", bytes(on_1.data))[0] + 1 == 64 * MiB // BLOCK
    assert struct.unpack_from(">Q", bytes(on_16000.data))[0] + 1 == 8 * MiB // BLOCK


@run_async
async def test_missing_lun_reports_not_supported(tgtd: Tgtd) -> None:
    async with pyiscsi.connect(tgtd.url(PLAIN_IQN, 1), initiator_name=INITIATOR) as s:
        result = await s.execute(inquiry(96), data_in=96, lun=299)
    # SPC: peripheral qualifier 011b, device type 1Fh: no logical unit at this LUN
    assert bytes(result.data)[0] == 0x7F
