"""Faults on the wire between pyiscsi and a real tgtd, injected by tests/faultproxy.py.

Drops at many points of reads and writes, a flipped byte with and without digests, and a stall
that only the NOP-Out keepalive can find. Each test checks every block it wrote (LBA and pass
id in every block, see _blocks.py) and counts, from the proxy's PDU log, that the faults it
planned did happen. Random points come from fixed seeds.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from typing import Any

import pytest
from _blocks import BLOCK, check_blocks, read_all, write_all
from _targets import INITIATOR, run_async, test_unit_ready

import pyiscsi
from faultproxy import DOWN, UP, Fault, FaultProxy, Opcode, PduSeen
from tgt import Tgtd

MiB = 1 << 20
PLAIN = "iqn.2024-01.org.pyiscsi:faults-plain"
DIGEST = "iqn.2024-01.org.pyiscsi:faults-digest"
EXTENT = 128  # blocks (64 KiB) a command
EXTENTS = [(i * EXTENT, EXTENT) for i in range(32)]  # 2 MiB of data a pass


@pytest.fixture(scope="module")
def daemon() -> Iterator[Tgtd]:
    with Tgtd() as t:
        t.add_target(1, PLAIN, {1: 16 * MiB})
        t.add_target(2, DIGEST, {1: 16 * MiB})
        t.set_target_param(2, "HeaderDigest", "CRC32C")
        t.set_target_param(2, "DataDigest", "CRC32C")
        for tid in (1, 2):  # reconnect at once (tgtd's default is 2 s)
            t.set_target_param(tid, "DefaultTime2Wait", 0)
        yield t


@pytest.fixture
def proxy(daemon: Tgtd) -> Iterator[FaultProxy]:
    with FaultProxy(daemon.host, daemon.port) as p:
        yield p


def url(proxy: FaultProxy, iqn: str) -> str:
    return f"iscsi://127.0.0.1:{proxy.port}/{iqn}/1"


def connect(proxy: FaultProxy, iqn: str = PLAIN, **options: Any) -> Any:
    """A session through the proxy; DefaultTime2Wait 0 (with the target's): no wait before
    a reconnect."""
    return pyiscsi.connect(
        url(proxy, iqn), initiator_name=INITIATOR, default_time2wait=0, **options
    )


@run_async
async def test_drops_at_many_points_of_reads_and_writes(proxy: FaultProxy) -> None:
    rng = random.Random(6)
    drops = 10
    # connection k (of the ones after the first login) is cut after a random number of bytes
    # in a random direction; one of them in the middle of the re-login itself
    for k in range(drops):
        direction = rng.choice([UP, DOWN])
        proxy.plan[k] = [Fault("drop", direction, rng.randrange(8 << 10, 1536 << 10))]
    in_login = 4
    proxy.plan[in_login] = [Fault("drop", UP, 100)]  # inside the Login Request
    async with connect(proxy, reconnect_timeout=30.0) as s:
        pass_id = 0
        while proxy.connections <= drops:  # until every planned drop has happened
            pass_id += 1
            assert pass_id <= 20, "the planned drops did not happen"
            await write_all(s, EXTENTS, pass_id)
            assert await read_all(s, EXTENTS, pass_id) == []
        # the work done across the last drop, checked once more on a clean connection
        assert await read_all(s, EXTENTS, pass_id) == []
        assert s.reconnects == drops - 1  # the drop inside a login is a failed attempt
    assert proxy.connections == drops + 1
    # and every command was answered in the end: drops did cut commands (re-sent)
    sent = len(proxy.seen(Opcode.SCSI_COMMAND, UP))
    answered = len(proxy.seen(Opcode.SCSI_RESPONSE, DOWN)) + len(
        [p for p in proxy.seen(Opcode.DATA_IN, DOWN) if p.status_flag]
    )
    assert sent > answered  # some commands were sent twice: their first answer was lost


def corrupt_nth(n: int, opcode: int, in_data: bool) -> tuple[list[PduSeen], object]:
    """A rule flipping one byte of the ``n``-th ``opcode`` PDU from the target on connection 0:
    in its data segment, or in its BHS (the StatSN field)."""
    hit: list[PduSeen] = []

    def rule(pdu: PduSeen) -> Fault | None:
        if pdu.conn or pdu.direction != DOWN or pdu.opcode != opcode or hit:
            return None
        if in_data and not pdu.data_length:
            return None
        count[0] += 1
        if count[0] < n:
            return None
        hit.append(pdu)
        return Fault("corrupt", DOWN, pdu.data_offset + 100 if in_data else pdu.start + 24)

    count = [0]
    return hit, rule


@pytest.mark.parametrize("in_data", [True, False], ids=["data", "header"])
@run_async
async def test_corruption_with_digests_is_detected_and_recovered(
    proxy: FaultProxy, in_data: bool
) -> None:
    proxy.digests = (True, True)
    hit, rule = corrupt_nth(5, Opcode.DATA_IN, in_data)
    async with connect(proxy, DIGEST, header_digest="crc32c", data_digest="crc32c") as s:
        assert (s.parameters["HeaderDigest"], s.parameters["DataDigest"]) == ("CRC32C", "CRC32C")
        await write_all(s, EXTENTS, 1)
        proxy.rule = rule  # type: ignore[assignment]
        bad = await read_all(s, EXTENTS, 1)
        assert hit, "no Data-In was corrupted"
        assert bad == []  # the corrupt PDU never reached the caller's result
        assert s.reconnects == 1  # DigestError -> connection dropped -> reconnect
    assert proxy.connections == 2


@run_async
async def test_corruption_without_digests_reaches_the_caller(proxy: FaultProxy) -> None:
    # The control experiment for the test above, and what "digests off" means: TCP's own
    # checksum passed, nothing else checks, the flipped byte is in the data read.
    hit, rule = corrupt_nth(5, Opcode.DATA_IN, True)
    async with connect(proxy) as s:
        assert s.parameters["DataDigest"] == "None"
        await write_all(s, EXTENTS, 1)
        proxy.rule = rule  # type: ignore[assignment]
        bad = await read_all(s, EXTENTS, 1)
        assert hit
        assert len(bad) == 1 and bad[0].endswith("corrupt, expected pass 1"), bad
        assert s.reconnects == 0


@run_async
async def test_command_submitted_after_a_failure_waits_for_the_reconnect(
    proxy: FaultProxy,
) -> None:
    """A command submitted after the core found an error (here a header digest mismatch) but
    before the transport's connection_lost (a later loop turn) waits for the reconnect; it
    got the DigestError itself before the core split (e5751ef).

    Deterministic: the answers to two TEST UNIT READYs reach the initiator in one
    segment, the second one's header corrupt. The first command completes; its waiter runs
    before connection_lost and submits a third command at once.
    """
    proxy.digests = (True, True)
    async with connect(proxy, DIGEST, header_digest="crc32c", data_digest="crc32c") as s:
        responses: list[PduSeen] = []

        def rule(pdu: PduSeen) -> Fault | None:
            if pdu.direction != DOWN or pdu.opcode != Opcode.SCSI_RESPONSE:
                return None
            responses.append(pdu)
            if len(responses) == 1:
                return Fault("hold", DOWN, pdu.start)  # until the second is here too
            if len(responses) == 2:
                return Fault("corrupt", DOWN, pdu.start + 24)  # its StatSN
            return None

        proxy.rule = rule
        first = s.submit(test_unit_ready())
        second = s.submit(test_unit_ready())
        await asyncio.to_thread(proxy.wait_for, lambda: len(responses) >= 2)
        proxy.release()
        assert (await first).status == 0
        third = await s.execute(test_unit_ready())  # submitted before connection_lost
        assert third.status == 0
        assert (await second).status == 0
        assert s.reconnects == 1


@run_async
async def test_stall_is_found_by_the_keepalive_and_recovered(proxy: FaultProxy) -> None:
    async with connect(proxy, nop_interval=0.5, nop_timeout=1.0) as s:
        await write_all(s, EXTENTS[:4], 1)

        def stall_reads(pdu: PduSeen) -> Fault | None:
            # the target's answers on the first connection stop at the first Data-In
            if pdu.conn == 0 and pdu.direction == DOWN and pdu.opcode == Opcode.DATA_IN:
                return Fault("stall", DOWN, pdu.start)
            return None

        proxy.rule = stall_reads
        lba, count = EXTENTS[0]
        data = await s.read(lba, count)  # completes only on a new connection
        assert proxy.stalled.is_set()
        assert check_blocks(data, lba, 1) == []
        assert s.reconnects == 1
        # the keepalive went out on the stalled connection and found no answer
        assert proxy.seen(Opcode.NOP_OUT, UP, conn=0)
    assert proxy.connections == 2


def test_block_checker_sees_misplaced_and_stale_blocks() -> None:
    from _blocks import blocks

    data = bytearray(blocks(10, 4, 2))
    data[BLOCK : 2 * BLOCK] = blocks(99, 1, 2)  # misplaced
    data[2 * BLOCK : 3 * BLOCK] = blocks(12, 1, 1)  # stale
    data[3 * BLOCK + 7] ^= 1  # corrupt
    assert check_blocks(data, 10, 2) == [
        "block 11: (lba 99, pass 2), expected pass 2",
        "block 12: (lba 12, pass 1), expected pass 2",
        "block 13: corrupt, expected pass 2",
    ]
