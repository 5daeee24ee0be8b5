"""Task management against a real tgtd; after each function the session must still work.

What tgtd 1.0.85 does (checked against the daemon; usr/iscsi/iscsid.c iscsi_tm_execute):

- LOGICAL UNIT RESET and ABORT TASK SET complete (response 0); the reset leaves a UNIT
  ATTENTION (0x29/0x00 POWER ON, RESET, OR BUS DEVICE RESET OCCURRED) for the next command.
- TARGET WARM RESET, TARGET COLD RESET and CLEAR TASK SET are answered "function not
  supported" (response 5), which pyiscsi raises as TaskManagementError.
- ABORT TASK for a command that has already completed: "task does not exist" (response 1).
- ABORT TASK for a write still waiting for its Data-Out: "task does not exist" (tgtd queues
  a command only once its data is in).
- ABORT TASK for a read tgtd has already handed to its backing store: tgtd defers the answer,
  then closes the connection (tgtd.log: "abort_cmd ... found"; "conn_close ... already
  closed"), so the session reconnects.

The abort tests put tests/faultproxy.py between pyiscsi and tgtd to hold the target's part of
the exchange at a chosen PDU: an abort then certainly meets a command in flight.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

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
    test_unit_ready,
    write16,
)

import pyiscsi
from faultproxy import DOWN, UP, Fault, FaultProxy, Opcode, PduSeen
from tgt import Tgtd

DISK = 64 * MiB
BIG = 16 * MiB  # a read large enough to still be running when the abort arrives, often
REGION = 64  # blocks written and checked after each function


@pytest.fixture(scope="module")
def daemon() -> Iterator[Tgtd]:
    yield from own_daemon()


@pytest.fixture(scope="module")
def url(daemon: Tgtd) -> str:
    # DefaultTime2Wait 0: the reconnect after tgtd drops an aborted read starts at once
    return TargetFactory(daemon).new("tmf", size=DISK, params={"DefaultTime2Wait": 0})[1]


@pytest.fixture
def proxy(daemon: Tgtd) -> Iterator[FaultProxy]:
    with FaultProxy(daemon.host, daemon.port) as p:
        yield p


def _via(proxy: FaultProxy, daemon: Tgtd, url: str) -> str:
    return url.replace(daemon.portal, f"127.0.0.1:{proxy.port}")


@asynccontextmanager
async def _session(url: str, **options: Any) -> AsyncIterator[pyiscsi.Session]:
    async with pyiscsi.connect(url, initiator_name=INITIATOR, **options) as s:
        yield s


async def _write_region(s: pyiscsi.Session, seed: str) -> bytes:
    data = pattern(seed, REGION * BLOCK)
    await s.execute(write16(1000, REGION), data_out=data)
    return data


async def _assert_usable(s: pyiscsi.Session, data: bytes) -> None:
    """The session still runs commands: TUR, a verified read, a fresh write, a ping."""
    assert (await s.execute(test_unit_ready())).status == 0
    result = await s.execute(read16(1000, REGION), data_in=REGION * BLOCK)
    assert bytes(result.data) == data
    fresh = pattern(data.hex()[:16], REGION * BLOCK)
    await s.execute(write16(2000, REGION), data_out=fresh)
    assert bytes((await s.execute(read16(2000, REGION), data_in=REGION * BLOCK)).data) == fresh
    assert await s.ping(b"still here") == b"still here"


async def _expect_reset_unit_attention(s: pyiscsi.Session) -> None:
    with pytest.raises(pyiscsi.CheckConditionError) as info:
        await s.execute(test_unit_ready())
    sense = info.value.sense
    assert sense is not None
    assert (int(sense.key), sense.asc, sense.ascq) == (0x6, 0x29, 0x00)


@run_async
async def test_lun_reset(url: str) -> None:
    async with _session(url) as s:
        data = await _write_region(s, "lun-reset")
        await s.lun_reset()
        await _expect_reset_unit_attention(s)
        await _assert_usable(s, data)


@run_async
async def test_lun_reset_with_commands_in_flight(url: str) -> None:
    async with _session(url) as s:
        data = await _write_region(s, "lun-reset-busy")
        reads = [s.submit(read16(i * 4096, 4096), data_in=4096 * BLOCK) for i in range(16)]
        await s.lun_reset()
        outcomes = await asyncio.gather(*reads, return_exceptions=True)
        for outcome in outcomes:
            # each read either finished before the reset, or was aborted by it
            if isinstance(outcome, BaseException):
                assert isinstance(outcome, pyiscsi.CommandCancelledError | pyiscsi.SCSIStatusError)
            else:
                assert outcome.status == 0
                assert len(outcome.data) == 4096 * BLOCK
        await _expect_reset_unit_attention(s)
        await _assert_usable(s, data)


@run_async
async def test_abort_task_set(url: str) -> None:
    async with _session(url) as s:
        data = await _write_region(s, "abort-task-set")
        await s.abort_task_set()
        await _assert_usable(s, data)  # no unit attention after ABORT TASK SET


@run_async
async def test_target_warm_reset_not_supported_by_tgtd(url: str) -> None:
    async with _session(url) as s:
        data = await _write_region(s, "warm-reset")
        with pytest.raises(pyiscsi.TaskManagementError) as info:
            await s.target_warm_reset()
        assert info.value.response == 5  # function not supported (tgtd)
        assert "TARGET WARM RESET" in str(info.value)
        await _assert_usable(s, data)


@run_async
async def test_clear_task_set_not_supported_by_tgtd(url: str) -> None:
    async with _session(url) as s:
        data = await _write_region(s, "clear-task-set")
        with pytest.raises(pyiscsi.TaskManagementError) as info:
            await s.clear_task_set()
        assert info.value.response == 5
        await _assert_usable(s, data)


@run_async
async def test_abort_task_of_completed_command(url: str) -> None:
    async with _session(url) as s:
        data = await _write_region(s, "abort-done")
        command = s.submit(test_unit_ready())
        assert (await command).status == 0
        # tgtd no longer knows the task: "task does not exist"
        with pytest.raises(pyiscsi.TaskManagementError) as info:
            await s.abort_task(command)
        assert info.value.response == 1
        await _assert_usable(s, data)


def _hold_first_read(proxy: FaultProxy) -> None:
    """Hold the next READ(16) in the proxy, and all that follows it, until released."""

    def rule(pdu: PduSeen) -> Fault | None:
        if pdu.direction == UP and pdu.opcode == Opcode.SCSI_COMMAND and pdu.cdb[0] == 0x88:
            proxy.rule = None
            return Fault("hold", UP, pdu.start)
        return None

    proxy.rule = rule


def _aborts_found(daemon: Tgtd) -> int:
    """How often tgtd found a task to abort that its backing store already had."""
    return daemon.log_path.read_text(errors="replace").count("abort_cmd(")


@run_async
async def test_abort_task_in_flight(daemon: Tgtd, url: str, proxy: FaultProxy) -> None:
    # The READ is held in the proxy until its ABORT TASK follows it: tgtd gets both at once
    # and surely finds the read running. What tgtd 1.0.85 then does: it closes the connection
    # without answering either (see the top). pyiscsi reports the abort as not answered and,
    # recovering, runs the read again on the new connection.
    async with _session(_via(proxy, daemon, url), default_time2wait=0) as s:
        data = await _write_region(s, "abort-running")
        before = _aborts_found(daemon)
        _hold_first_read(proxy)
        buffer = bytearray(b"\xa5") * BIG
        command = s.submit(read16(0, BIG // BLOCK), data_in=buffer)
        itt = command.itt  # (the re-sent read gets a new one)
        abort = asyncio.ensure_future(s.abort_task(command))
        await asyncio.to_thread(
            proxy.wait_for, lambda: bool(proxy.seen(Opcode.TASK_MANAGEMENT, UP))
        )
        proxy.release()
        with pytest.raises(pyiscsi.ISCSIConnectionError):
            await abort
        result = await command
        assert _aborts_found(daemon) == before + 1  # the abort met the read in flight
        tmf = proxy.seen(Opcode.TASK_MANAGEMENT, UP)
        assert [int.from_bytes(p.bhs[20:24], "big") for p in tmf] == [itt]  # RTT
        assert not proxy.seen(Opcode.TASK_MANAGEMENT_RESPONSE, DOWN)
        assert s.reconnects == 1
        assert result.status == 0 and result.data == buffer
        expected = (await s.execute(read16(0, BIG // BLOCK), data_in=BIG)).data
        assert buffer == expected
        await _assert_usable(s, data)


@run_async
async def test_timed_out_read_leaves_the_caller_buffer_alone(
    daemon: Tgtd, url: str, proxy: FaultProxy
) -> None:
    # The READ is held in the proxy until its ABORT TASK has followed it: tgtd gets both at
    # once, with the read already running (tgtd then drops the connection, see the top).
    async with _session(_via(proxy, daemon, url), default_time2wait=0) as s:
        data = await _write_region(s, "timed-out-read")
        blocks = BIG // BLOCK

        _hold_first_read(proxy)
        buffer = bytearray(b"\xa5") * BIG
        read = asyncio.ensure_future(
            s.execute(read16(0, blocks), data_in=buffer, timeout=0.2)  # expires: it is held
        )
        await asyncio.to_thread(
            proxy.wait_for, lambda: bool(proxy.seen(Opcode.TASK_MANAGEMENT, UP))
        )
        proxy.release()
        with pytest.raises(pyiscsi.ISCSITimeoutError, match="aborted"):
            await read
        held = bytes(buffer)
        await _assert_usable(s, data)
        await _assert_usable(s, data)
        assert buffer == held  # nothing landed in it after the caller got the error
        reads = [
            p
            for p in proxy.seen(Opcode.SCSI_COMMAND, UP)
            if p.cdb[0] == 0x88 and int.from_bytes(p.cdb[10:14], "big") == blocks
        ]
        assert len(reads) == 1  # the aborted read was not re-sent after the reconnect


@run_async
async def test_cancelled_execute_leaves_session_usable(url: str) -> None:
    async with _session(url) as s:
        data = await _write_region(s, "cancel")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(s.execute(read16(0, BIG // BLOCK), data_in=BIG), 0.0001)
        await _assert_usable(s, data)
        # several in a row, and a task cancelled by hand
        for _ in range(3):
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(s.execute(read16(0, BIG // BLOCK), data_in=BIG), 0.0001)
        waiting = asyncio.Event()

        async def read() -> pyiscsi.ScsiResult:
            command = s.submit(read16(0, BIG // BLOCK), data_in=BIG)
            waiting.set()
            return await command

        task = asyncio.ensure_future(read())
        await waiting.wait()  # read() is now awaiting its command
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await _assert_usable(s, data)


@run_async
async def test_execute_timeout_aborts_and_session_survives(url: str) -> None:
    async with _session(url) as s:
        data = await _write_region(s, "execute-timeout")
        buffer = bytearray(BIG)
        with pytest.raises(pyiscsi.ISCSITimeoutError, match="aborted"):
            await s.execute(read16(0, BIG // BLOCK), data_in=buffer, timeout=0.0001)
        held = bytes(buffer)
        await _assert_usable(s, data)
        assert buffer == held  # untouched once the caller has its error
