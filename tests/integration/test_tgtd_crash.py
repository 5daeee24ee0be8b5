"""kill -9 of tgtd under writes and under reads, restarted 3 s later on the same ports with the
same configuration and backing files; and a tgtd that never comes back.

Each block written holds its LBA and the pass that wrote it (_blocks.py), and is checked twice
afterwards: read through pyiscsi, and straight from tgtd's backing file.
"""

from __future__ import annotations

import asyncio
import logging
import re
import resource
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from _blocks import BLOCK, blocks, check_blocks, read_all, write_all
from _targets import INITIATOR, run_async

import pyiscsi
from tgt import Tgtd

MiB = 1 << 20
IQN = "iqn.2024-01.org.pyiscsi:crash"
EXTENT = 128  # blocks (64 KiB) a command
EXTENTS = [(i * EXTENT, EXTENT) for i in range(64)]  # 4 MiB
RESTART_AFTER = 3.0  # seconds, as the issue asks
CRASH_AFTER = 16  # commands completed before the kill
log = logging.getLogger(__name__)


@pytest.fixture
def daemon() -> Iterator[Tgtd]:
    with Tgtd() as t:
        t.add_target(1, IQN, {1: 16 * MiB})
        t.set_target_param(1, "DefaultTime2Wait", 0)
        yield t


def cpu_seconds() -> float:
    """User + system CPU time of this process (all threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def crash_then_restart(daemon: Tgtd, restart: bool = True) -> None:
    await asyncio.to_thread(daemon.crash)
    if restart:
        await asyncio.sleep(RESTART_AFTER)  # the scenario: the target is away for 3 s
        await asyncio.to_thread(daemon.restart)


async def run_with_crash(
    daemon: Tgtd, jobs: list[Callable[[], Awaitable[Any]]], parallel: int = 8
) -> tuple[list[Any], int]:
    """Run ``jobs``, ``parallel`` at a time; kill -9 tgtd once CRASH_AFTER of them are done and
    restart it 3 s later. Returns the results and how many jobs had finished at the kill."""
    gate = asyncio.Semaphore(parallel)
    finished = 0
    crash: asyncio.Task[None] | None = None
    at_crash = -1

    async def one(job: Callable[[], Awaitable[Any]]) -> Any:
        nonlocal finished, crash, at_crash
        async with gate:
            result = await job()
        finished += 1
        if finished == CRASH_AFTER:
            at_crash = finished
            crash = asyncio.create_task(crash_then_restart(daemon))
        return result

    results = await asyncio.gather(*(one(job) for job in jobs))
    assert crash is not None
    await crash
    return results, at_crash


def backing_file_problems(daemon: Tgtd, pass_id: int) -> list[str]:
    data = daemon.backing_file(1, 1).read_bytes()
    span = EXTENTS[-1][0] + EXTENTS[-1][1]
    return check_blocks(data[: span * BLOCK], 0, pass_id)


@run_async
async def test_kill9_during_writes_loses_nothing(daemon: Tgtd) -> None:
    async with pyiscsi.connect(
        daemon.url(IQN, 1), initiator_name=INITIATOR, default_time2wait=0
    ) as s:
        await write_all(s, EXTENTS, 1)

        def writer(lba: int, count: int) -> Callable[[], Awaitable[None]]:
            return lambda: s.write(lba, blocks(lba, count, 2))

        _, at_crash = await run_with_crash(daemon, [writer(*e) for e in EXTENTS])
        assert at_crash < len(EXTENTS)  # the kill came with writes still to do
        assert s.reconnects == 1
        assert await read_all(s, EXTENTS, 2) == []
    assert backing_file_problems(daemon, 2) == []


@run_async
async def test_kill9_during_reads_loses_nothing(daemon: Tgtd) -> None:
    async with pyiscsi.connect(
        daemon.url(IQN, 1), initiator_name=INITIATOR, default_time2wait=0
    ) as s:
        await write_all(s, EXTENTS, 3)

        def reader(lba: int, count: int) -> Callable[[], Awaitable[list[str]]]:
            async def read() -> list[str]:
                return check_blocks(await s.read(lba, count), lba, 3)

            return read

        results, at_crash = await run_with_crash(daemon, [reader(*e) for e in EXTENTS])
        assert at_crash < len(EXTENTS)
        assert [line for lines in results for line in lines] == []
        assert s.reconnects == 1
    assert backing_file_problems(daemon, 3) == []


@run_async
async def test_target_that_never_returns_fails_clearly_without_spinning(daemon: Tgtd) -> None:
    s = await pyiscsi.connect(
        daemon.url(IQN, 1), initiator_name=INITIATOR, default_time2wait=0, reconnect_timeout=2.0
    )
    try:
        await write_all(s, EXTENTS[:4], 1)
        await crash_then_restart(daemon, restart=False)
        cpu, wall = cpu_seconds(), time.monotonic()
        results = await asyncio.gather(
            *(s.read(lba, count) for lba, count in EXTENTS[:8]), return_exceptions=True
        )
        cpu, wall = cpu_seconds() - cpu, time.monotonic() - wall
        log.info("waiting for a dead target: %.3f s CPU in %.3f s (%s)", cpu, wall, results[0])
        for error in results:
            assert isinstance(error, pyiscsi.ISCSIConnectionError), error
            found = re.search(r"not re-established after (\d+) attempt\(s\)", str(error))
            assert found, error
            assert 1 <= int(found.group(1)) <= 8  # backing off, not hammering the port
        with pytest.raises(pyiscsi.ISCSIConnectionError):
            await s.test_unit_ready()  # down for good
        # waiting for a dead target costs next to no CPU: no busy loop
        assert cpu < 0.2 * wall, (cpu, wall)
    finally:
        await s.close()
