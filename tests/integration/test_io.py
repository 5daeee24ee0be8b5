"""Large and concurrent I/O against a real tgtd, verified by reading back and in the backing file.

Each case gets its own target (tgtadm ``--op update`` sets InitialR2T, ImmediateData, burst
lengths and MaxRecvDataSegmentLength) on a tgtd of this module, and logs in with the matching
keywords, so every path of the data-out engine (immediate data, unsolicited Data-Out, R2T-driven
bursts, segments cut to the target's MaxRecvDataSegmentLength) carries real data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from _targets import (
    BLOCK,
    INITIATOR,
    MiB,
    TargetFactory,
    own_daemon,
    pattern,
    read16,
    run_async,
    write16,
)

import pyiscsi
from tgt import Tgtd

SIZE = 3 * MiB + 7 * BLOCK  # not a multiple of any burst length
BLOCKS = SIZE // BLOCK


@pytest.fixture(scope="module")
def daemon() -> Iterator[Tgtd]:
    yield from own_daemon()


@pytest.fixture(scope="module")
def targets(daemon: Tgtd) -> TargetFactory:
    return TargetFactory(daemon)


async def _write_read_verify(
    targets: TargetFactory, tid: int, url: str, seed: str, lba: int, **options: object
) -> dict[str, str]:
    data = pattern(seed, SIZE)
    async with pyiscsi.connect(url, initiator_name=INITIATOR, **options) as s:
        params = s.parameters
        written = await s.execute(write16(lba, BLOCKS), data_out=data)
        assert written.status == 0
        assert written.residual == 0
        result = await s.execute(read16(lba, BLOCKS), data_in=SIZE)
        assert result.status == 0
        assert result.residual == 0
        assert bytes(result.data) == data
    with targets.daemon.backing_file(tid, 1).open("rb") as f:
        f.seek(lba * BLOCK)
        assert f.read(SIZE) == data  # what reached the disk, not only what came back
    return params


def _yes(flag: bool) -> str:
    return "Yes" if flag else "No"


@pytest.mark.parametrize("immediate_data", [True, False])
@pytest.mark.parametrize("initial_r2t", [True, False])
@run_async
async def test_large_write_read_each_r2t_mode(
    targets: TargetFactory, immediate_data: bool, initial_r2t: bool
) -> None:
    tid, url = targets.new(
        "r2t", params={"ImmediateData": immediate_data, "InitialR2T": initial_r2t}
    )
    params = await _write_read_verify(
        targets,
        tid,
        url,
        f"r2t-{immediate_data}-{initial_r2t}",
        lba=3,
        immediate_data=immediate_data,
        initial_r2t=initial_r2t,
    )
    assert params["ImmediateData"] == _yes(immediate_data)
    assert params["InitialR2T"] == _yes(initial_r2t)


@pytest.mark.parametrize(
    ("immediate_data", "initial_r2t"), [(True, True), (True, False), (False, True), (False, False)]
)
@run_async
async def test_large_write_read_target_yes_initiator_no(
    targets: TargetFactory, immediate_data: bool, initial_r2t: bool
) -> None:
    """tgtd left at its defaults (Yes/Yes); only our side changes: AND and OR decide."""
    tid, url = targets.new("ours")
    params = await _write_read_verify(
        targets,
        tid,
        url,
        f"ours-{immediate_data}-{initial_r2t}",
        lba=0,
        immediate_data=immediate_data,
        initial_r2t=initial_r2t,
    )
    assert params["ImmediateData"] == _yes(immediate_data)  # AND with tgtd's Yes
    assert params["InitialR2T"] == "Yes"  # OR with tgtd's Yes


@pytest.mark.parametrize(
    ("target_params", "options", "agreed"),
    [
        (  # odd burst lengths offered by us; tgtd cuts data-out to 512-byte segments
            {"MaxRecvDataSegmentLength": 512, "InitialR2T": False, "ImmediateData": True},
            {"first_burst_length": 12345, "max_burst_length": 54321, "initial_r2t": False},
            {
                "FirstBurstLength": "12345",
                "MaxBurstLength": "54321",
                "MaxXmitDataSegmentLength": "512",
            },
        ),
        (  # odd burst lengths set on tgtd
            {"FirstBurstLength": 20001, "MaxBurstLength": 40003, "InitialR2T": False},
            {"initial_r2t": False},
            {"FirstBurstLength": "20001", "MaxBurstLength": "40003"},
        ),
        (  # R2T-only writes in odd bursts, small segments both ways
            {"MaxRecvDataSegmentLength": 1000, "MaxBurstLength": 7777, "ImmediateData": False},
            {"max_recv_data_segment_length": 1536, "immediate_data": False},
            {
                "MaxBurstLength": "7777",
                "MaxXmitDataSegmentLength": "1000",
                "MaxRecvDataSegmentLength": "1536",
                "ImmediateData": "No",
            },
        ),
        (  # immediate data limited by a small FirstBurstLength and segment length
            {"MaxRecvDataSegmentLength": 4096, "FirstBurstLength": 3000},
            {"first_burst_length": 9000, "initial_r2t": True},
            {"FirstBurstLength": "3000", "MaxXmitDataSegmentLength": "4096"},
        ),
    ],
    ids=["odd-ours-mrdsl512", "odd-tgtd", "r2t-only-small", "immediate-small-first-burst"],
)
@run_async
async def test_large_write_read_odd_lengths(
    targets: TargetFactory,
    target_params: dict[str, str | int | bool],
    options: dict[str, object],
    agreed: dict[str, str],
) -> None:
    tid, url = targets.new("odd", params=target_params)
    params = await _write_read_verify(targets, tid, url, f"odd-{tid}", lba=11, **options)
    for key, value in agreed.items():
        assert params[key] == value, key


@run_async
async def test_64_concurrent_reads_and_writes(targets: TargetFactory) -> None:
    tid, url = targets.new("concurrent", size=32 * MiB)
    count = 64
    blocks = 129  # 66048 bytes: crosses FirstBurstLength (65536) and segment limits
    old = [pattern(f"old-{i}", blocks * BLOCK) for i in range(count)]
    new = [pattern(f"new-{i}", blocks * BLOCK) for i in range(count)]

    def lba(i: int) -> int:
        return i * 2 * blocks  # regions of 2*blocks: even ones written, odd ones read

    async with pyiscsi.connect(url, initiator_name=INITIATOR, initial_r2t=False) as s:
        # seed the regions to be read, concurrently too
        await asyncio.gather(
            *(s.execute(write16(lba(i) + blocks, blocks), data_out=old[i]) for i in range(count))
        )
        writes = [s.execute(write16(lba(i), blocks), data_out=new[i]) for i in range(count)]
        reads = [
            s.execute(read16(lba(i) + blocks, blocks), data_in=blocks * BLOCK) for i in range(count)
        ]
        mixed = [c for pair in zip(writes, reads, strict=True) for c in pair]
        results = await asyncio.gather(*mixed)
        assert len(results) == 2 * count
        for i in range(count):
            assert results[2 * i].status == 0
            assert bytes(results[2 * i + 1].data) == old[i], f"read {i}"
        back = await asyncio.gather(
            *(s.execute(read16(lba(i), blocks), data_in=blocks * BLOCK) for i in range(count))
        )
        for i in range(count):
            assert bytes(back[i].data) == new[i], f"written {i}"
    with targets.daemon.backing_file(tid, 1).open("rb") as f:
        for i in range(count):
            f.seek(lba(i) * BLOCK)
            assert f.read(2 * blocks * BLOCK) == new[i] + old[i]


@run_async
async def test_64_submitted_commands_in_flight(targets: TargetFactory) -> None:
    """submit() 64 commands before awaiting any: all in flight at once, each answered."""
    _, url = targets.new("inflight", size=8 * MiB)
    data = [pattern(f"inflight-{i}", 8 * BLOCK) for i in range(64)]
    async with pyiscsi.connect(url, initiator_name=INITIATOR) as s:
        commands = [s.submit(write16(i * 8, 8), data_out=data[i]) for i in range(64)]
        assert len({c.itt for c in commands}) == 64
        for command in commands:
            assert (await command).status == 0
        commands = [s.submit(read16(i * 8, 8), data_in=8 * BLOCK) for i in range(64)]
        results = [await c for c in reversed(commands)]
        assert [bytes(r.data) for r in reversed(results)] == data
