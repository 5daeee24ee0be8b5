"""Session recovery against a real tgtd: the target drops the connection under commands in flight.

The drop is ``tgtadm --op delete --mode conn`` run in a thread (asyncio.to_thread) while the
reads are outstanding.  Some tests hold the replies back (the client stops reading its socket)
so that the drop is sure to find commands the target has not answered yet; nothing waits on
time.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import os
import re
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

import pyiscsi
from faultproxy import DOWN, UP, Fault, FaultProxy, Opcode, PduSeen
from tgt import Tgtd, TgtdError

MiB = 1 << 20
BLOCK = 512
READS = 64
READ_BLOCKS = 1024  # 512 KiB a read
SPAN = READS * READ_BLOCKS * BLOCK  # 32 MiB
_tids = itertools.count(1)


def run_async(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test body with asyncio.run (no pytest plugin needed)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(fn(*args, **kwargs))

    return wrapper


@dataclass(slots=True)
class Target:
    daemon: Tgtd
    tid: int
    iqn: str

    @property
    def url(self) -> str:
        return self.daemon.url(self.iqn, 1)

    def drop(self) -> int:
        """Close every connection to this target from the target side; return how many."""
        return self.daemon.drop_connections(self.tid)

    def remove(self) -> None:
        """Refuse new logins and drop the connections: to an initiator the target is gone.

        (Deleting it is left to the fixture: tgtd refuses while its logical unit still has
        commands, "this logical unit is still active", which can last a while on a busy
        machine after the connections are gone.)
        """
        self.daemon.adm("unbind", "target", tid=self.tid, initiator_address="ALL")
        self.drop()


@pytest.fixture(scope="module")
def daemon() -> Iterator[Tgtd]:
    with Tgtd() as t:
        yield t


@pytest.fixture
def target(daemon: Tgtd) -> Iterator[Target]:
    """A fresh target of its own (LUN 1, 64 MiB) for one test."""
    tid = next(_tids)
    iqn = f"iqn.2024-01.org.pyiscsi:reconnect{tid}"
    daemon.add_target(tid, iqn, {1: 64 * MiB})
    # reconnect at once (tgtd's default is 2 s; the agreed value is the larger offer)
    daemon.set_target_param(tid, "DefaultTime2Wait", 0)
    yield Target(daemon, tid, iqn)
    with contextlib.suppress(TgtdError):
        daemon.delete_target(tid)


async def fill(s: pyiscsi.Session) -> bytes:
    """Write random data over the span the reads cover; return it."""
    data = os.urandom(SPAN)
    chunk = 4 * MiB
    await asyncio.gather(
        *(s.write(off // BLOCK, data[off : off + chunk]) for off in range(0, SPAN, chunk))
    )
    return data


def start_reads(s: pyiscsi.Session) -> asyncio.Future[list[Any]]:
    """64 reads of 512 KiB, gathered (exceptions returned, not raised)."""
    return asyncio.gather(
        *(s.read(i * READ_BLOCKS, READ_BLOCKS) for i in range(READS)), return_exceptions=True
    )


def expected(data: bytes, i: int) -> bytes:
    return data[i * READ_BLOCKS * BLOCK : (i + 1) * READ_BLOCKS * BLOCK]


def hold_replies(s: pyiscsi.Session) -> Callable[[], None]:
    """Stop reading the session's socket, so the target cannot finish sending its answers;
    return the function that resumes reading."""
    driver = s._driver
    assert driver is not None and driver.transport is not None
    transport = driver.transport
    transport.pause_reading()
    return transport.resume_reading


@run_async
async def test_reconnect_in_flight_reads_complete(target: Target) -> None:
    async with pyiscsi.connect(target.url, default_time2wait=0) as s:
        data = await fill(s)
        reads = start_reads(s)
        drops = await asyncio.to_thread(target.drop)
        results = await reads
        for i, got in enumerate(results):
            assert not isinstance(got, BaseException), got
            assert bytes(got) == expected(data, i)
        # one more command: it completes only once the session is back, whether the drop
        # hit the reads or came after them
        await s.test_unit_ready()
        assert drops == 1
        assert s.reconnects == drops


ANSWERED = 16  # reads answered before the target's answers are held and it drops


def reads_sent(proxy: FaultProxy, conn: int) -> list[tuple[int, int]]:
    """(ITT, LBA) of the READ(16)s sent on connection ``conn`` through the proxy."""
    return [
        (p.itt, int.from_bytes(p.cdb[2:10], "big"))
        for p in proxy.seen(Opcode.SCSI_COMMAND, UP, conn=conn)
        if p.cdb[0] == 0x88
    ]


def hold_answers_after(proxy: FaultProxy, conn: int, count: int) -> set[int]:
    """Let ``count`` answers through on connection ``conn``, then hold all that follows;
    returns the (filling) set of ITTs answered."""
    answered: set[int] = set()

    def rule(pdu: PduSeen) -> Fault | None:
        if pdu.conn != conn or pdu.direction != DOWN:
            return None
        if len(answered) >= count:
            proxy.rule = None
            return Fault("stall", DOWN, pdu.start)
        if pdu.opcode == Opcode.SCSI_RESPONSE or (pdu.opcode == Opcode.DATA_IN and pdu.status_flag):
            answered.add(pdu.itt)
        return None

    proxy.rule = rule
    return answered


@run_async
async def test_reconnect_resends_commands_the_target_had_not_answered(target: Target) -> None:
    with FaultProxy(target.daemon.host, target.daemon.port) as proxy:
        url = target.url.replace(target.daemon.portal, f"127.0.0.1:{proxy.port}")
        async with pyiscsi.connect(url, default_time2wait=0) as s:
            data = await fill(s)
            for conn in (0, 1):  # twice: a second drop, a second reconnect
                earlier = len(reads_sent(proxy, conn))  # (re-sent ones, on connection 1)
                answered = hold_answers_after(proxy, conn, ANSWERED)
                reads = start_reads(s)
                await asyncio.to_thread(proxy.stalled.wait, 30)
                try:
                    assert await asyncio.to_thread(target.drop) == 1
                finally:
                    proxy.release()
                results = await reads
                for i, got in enumerate(results):
                    assert not isinstance(got, BaseException), got
                    assert bytes(got) == expected(data, i)
                assert s.reconnects == conn + 1
                # the proof: the reads not answered on the dropped connection, and only
                # those, went out again on the next one
                sent = reads_sent(proxy, conn)[earlier:]
                assert sorted(lba for _, lba in sent) == [i * READ_BLOCKS for i in range(READS)]
                assert len(answered) == ANSWERED
                answered |= {  # (what the proxy had read from tgtd before the drop went on)
                    p.itt
                    for p in proxy.seen(direction=DOWN, conn=conn)
                    if p.opcode == Opcode.SCSI_RESPONSE
                    or (p.opcode == Opcode.DATA_IN and p.status_flag)
                }
                unanswered = {lba for itt, lba in sent if itt not in answered}
                again = {lba for _, lba in reads_sent(proxy, conn + 1)}
                assert len(again) > READS // 4, "the drop left (almost) nothing to re-send"
                # (the last answer may have been cut short by the drop: then it is re-sent)
                assert unanswered <= again and len(again - unanswered) <= 1
                if conn == 0:
                    await s.test_unit_ready()  # new commands go on, on connection 1


@run_async
async def test_without_reconnect_in_flight_commands_fail(target: Target) -> None:
    async with pyiscsi.connect(target.url, reconnect=False, default_time2wait=0) as s:
        data = await fill(s)
        resume = hold_replies(s)
        reads = start_reads(s)
        try:
            assert await asyncio.to_thread(target.drop) == 1
        finally:
            resume()
        results = await reads
    failed = [r for r in results if isinstance(r, BaseException)]
    # the answers already in the socket buffers arrive; the rest of the 32 MiB cannot have
    assert failed
    assert all(isinstance(r, pyiscsi.ISCSIConnectionError) for r in failed), failed
    for i, got in enumerate(results):
        if not isinstance(got, BaseException):
            assert bytes(got) == expected(data, i)


@run_async
async def test_without_reconnect_the_session_stays_down(target: Target) -> None:
    async with pyiscsi.connect(target.url, reconnect=False, default_time2wait=0) as s:
        await fill(s)
        resume = hold_replies(s)
        reads = start_reads(s)
        try:
            await asyncio.to_thread(target.drop)
        finally:
            resume()
        await reads
        with pytest.raises(pyiscsi.ISCSIConnectionError):
            await s.test_unit_ready()
        assert s.reconnects == 0


@run_async
async def test_reconnect_gives_up_when_the_target_is_gone(target: Target) -> None:
    s = await pyiscsi.connect(target.url, reconnect_timeout=1.0, default_time2wait=0)
    try:
        await fill(s)
        resume = hold_replies(s)
        reads = start_reads(s)
        try:
            await asyncio.to_thread(target.remove)
        finally:
            resume()
        results = await reads
        failed = [r for r in results if isinstance(r, BaseException)]
        assert failed
        for error in failed:
            assert isinstance(error, pyiscsi.ISCSIConnectionError), error
            assert re.search(r"not re-established after \d+ attempt\(s\)", str(error)), error
        assert s.reconnects == 0
        # later commands fail as well: the session is down for good
        with pytest.raises(pyiscsi.ISCSIConnectionError):
            await s.test_unit_ready()
    finally:
        await s.close()
