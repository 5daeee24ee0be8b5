"""Load: 64 sessions x 32 commands in flight against one tgtd, every block verified.

Each of the 32 workers of a session owns 8 blocks of its own and loops: write them with the next
pass id, read them back, check every block (LBA and pass id, _blocks.py). Every command has a
number and its completion is counted: none may be lost, none doubled. The process RSS is sampled
at the start (once every worker has done WARMUP_LOOPS rounds), the middle and the end, and its
growth bounded.

``PYISCSI_LOAD_SECONDS`` sets the duration (default 20; the issue's figure is 60).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
from collections.abc import Callable, Iterator

import pytest
from _blocks import blocks, check_blocks
from _targets import INITIATOR, run_async

import pyiscsi
from pyiscsi.protocol.pdu import DataIn, IncomingPdu, ScsiResponse
from tgt import Tgtd

SESSIONS = 64
DEPTH = 32  # commands in flight per session
SPAN = 8  # blocks per worker
DURATION = float(os.environ.get("PYISCSI_LOAD_SECONDS", "20"))
WARMUP_LOOPS = 10  # write+read rounds every worker has done before the first RSS sample
RSS_GROWTH_LIMIT = 24 << 20  # bytes, from the sample after warm-up to the end
IQN = "iqn.2024-01.org.pyiscsi:load"
log = logging.getLogger(__name__)


def rss() -> int:
    """Resident set size of this process in bytes (VmRSS of /proc/self/status)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.fixture(scope="module")
def daemon() -> Iterator[Tgtd]:
    with Tgtd() as t:
        t.add_target(1, IQN, {1: SESSIONS * DEPTH * SPAN * 512})
        yield t


@run_async
async def test_64_sessions_32_deep_verified(daemon: Tgtd) -> None:
    # what the target answered, per session, as the core decoded it (receive_hook)
    statuses: collections.Counter[int] = collections.Counter()

    def counter(sid: int) -> Callable[[IncomingPdu], None]:
        def hook(pdu: IncomingPdu) -> None:
            if isinstance(pdu, ScsiResponse) or (isinstance(pdu, DataIn) and pdu.has_status):
                statuses[sid] += 1

        return hook

    sessions = await asyncio.gather(
        *(
            pyiscsi.connect(daemon.url(IQN, 1), initiator_name=INITIATOR, receive_hook=counter(i))
            for i in range(SESSIONS)
        )
    )
    for s in sessions:
        await s.block_size()  # READ CAPACITY(16) and the Block Limits page asked now
        await s.max_transfer_blocks()
    at_login = statuses.copy()  # (the TEST UNIT READYs of the logins, those two)
    # per worker: commands submitted, and completions counted by command (write 2*seq, read
    # 2*seq+1): each must come back once, in order, so a counter per worker says it all
    submitted: collections.Counter[tuple[int, int]] = collections.Counter()
    completed: collections.Counter[tuple[int, int]] = collections.Counter()
    wrong: list[str] = []
    bad: list[str] = []
    loop = asyncio.get_running_loop()
    start = loop.time()
    stop_at = start + 3600.0  # set once warmed up
    warm = asyncio.Event()
    warmed: set[tuple[int, int]] = set()
    samples: dict[str, int] = {}

    def complete(key: tuple[int, int], command: int) -> None:
        if completed[key] != command:
            wrong.append(f"worker {key}: command {command} completed as number {completed[key]}")
        completed[key] += 1

    async def worker(sid: int, s: pyiscsi.Session, wid: int) -> None:
        key = (sid, wid)
        lba = (sid * DEPTH + wid) * SPAN
        seq = 0
        while loop.time() < stop_at:
            submitted[key] += 1
            await s.write(lba, blocks(lba, SPAN, seq))
            complete(key, 2 * seq)
            submitted[key] += 1
            data = await s.read(lba, SPAN)
            complete(key, 2 * seq + 1)
            bad.extend(check_blocks(data, lba, seq))
            seq += 1
            if seq == WARMUP_LOOPS:
                warmed.add(key)
                if len(warmed) == SESSIONS * DEPTH:
                    warm.set()

    async def sampler() -> None:
        nonlocal stop_at
        await warm.wait()
        stop_at = loop.time() + DURATION
        samples["start"] = rss()
        done_at_start = completed.total()
        await asyncio.sleep(DURATION / 2)
        samples["middle"] = rss()
        await asyncio.sleep(max(stop_at - loop.time(), 0))
        samples["end"] = rss()
        samples["measured"] = completed.total() - done_at_start

    try:
        async with asyncio.timeout(DURATION + 120):  # a lost completion hangs
            await asyncio.gather(
                sampler(),
                *(worker(i, s, w) for i, s in enumerate(sessions) for w in range(DEPTH)),
            )
    finally:
        await asyncio.gather(*(s.close() for s in sessions))
    elapsed = loop.time() - start
    log.info(
        "load: %d sessions x %d deep, %.1f s: %d commands, %.0f IOPS over the measured %.0f s; "
        "RSS start %.1f MiB, middle %.1f MiB, end %.1f MiB",
        SESSIONS,
        DEPTH,
        elapsed,
        completed.total(),
        samples["measured"] / DURATION,
        DURATION,
        samples["start"] / 2**20,
        samples["middle"] / 2**20,
        samples["end"] / 2**20,
    )
    assert bad == []
    assert wrong == []  # none doubled or out of turn
    assert completed == submitted  # none lost
    # and on the wire: one status from the target per command, no more, no less
    for sid in range(SESSIONS):
        ours = sum(n for (i, _), n in completed.items() if i == sid)
        assert statuses[sid] - at_login[sid] == ours, sid
    assert len(submitted) == SESSIONS * DEPTH
    assert all(s.reconnects == 0 for s in sessions)
    assert samples["end"] - samples["start"] < RSS_GROWTH_LIMIT, samples
