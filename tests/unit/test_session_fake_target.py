"""The asyncio session against the fake target over loopback TCP: what tgtd cannot be made to do
(asynchronous logout requests, malformed PDUs, digest errors)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import pytest

import pyiscsi
from fake_target import BLOCK_SIZE, FakeTarget, TargetConfig

IQN = TargetConfig().target_name


def run_async(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test body with asyncio.run (no pytest plugin needed)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(fn(*args, **kwargs))

    return wrapper


def rw16(opcode: int, lba: int, blocks: int) -> bytes:
    return bytes([opcode, 0]) + lba.to_bytes(8, "big") + blocks.to_bytes(4, "big") + bytes(2)


class FakeServer:
    """One FakeTarget per accepted TCP connection."""

    def __init__(self, make_config: Callable[[int], TargetConfig]) -> None:
        self.make_config = make_config
        self.targets: list[FakeTarget] = []
        self.writers: list[asyncio.StreamWriter] = []
        self.port = 0
        #: called after each receive, before the target's answers are written
        self.on_receive: Callable[[FakeTarget], None] | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        target = FakeTarget(self.make_config(len(self.targets)))
        self.targets.append(target)
        self.writers.append(writer)
        try:
            while data := await reader.read(1 << 20):
                target.receive(data)
                if self.on_receive is not None:
                    self.on_receive(target)
                self.push(len(self.targets) - 1)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    def push(self, index: int) -> None:
        """Write what target ``index`` has to send."""
        out = self.targets[index].data_to_send()
        if out:
            self.writers[index].write(out)

    def url(self, **args: str) -> str:
        query = "?" + "&".join(f"{k}={v}" for k, v in args.items()) if args else ""
        return f"iscsi://127.0.0.1:{self.port}/{IQN}/0{query}"


@asynccontextmanager
async def fake_server(
    make_config: Callable[[int], TargetConfig] = lambda n: TargetConfig(),
) -> AsyncIterator[FakeServer]:
    server = FakeServer(make_config)
    tcp = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = tcp.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        tcp.close()
        for writer in server.writers:
            writer.close()


@run_async
async def test_read_write_round_trip_on_the_fake_target() -> None:
    async with fake_server() as server, pyiscsi.connect(server.url()) as s:
        data = bytes(range(256)) * 8  # 4 blocks
        await s.execute(rw16(0x8A, 2, 4), data_out=data)
        r = await s.execute(rw16(0x88, 2, 4), data_in=4 * BLOCK_SIZE)
        assert bytes(r.data) == data
        assert server.targets[0].violations == []


@run_async
async def test_a_lone_command_is_written_at_once_and_a_burst_in_one_write() -> None:
    async with fake_server() as server, pyiscsi.connect(server.url()) as s:
        driver = s._driver
        assert driver is not None and driver.link is not None
        transport = driver.link.transport
        assert transport is not None
        writes: list[int] = []
        real = transport.writelines

        def counting(buffers: Any) -> None:
            buffers = list(buffers)
            writes.append(len(buffers))
            real(buffers)

        transport.writelines = counting  # type: ignore[method-assign]
        first = s.submit(rw16(0x88, 0, 1), data_in=BLOCK_SIZE)
        assert writes == [1]  # nothing else in flight: written before submit returned
        rest = [s.submit(rw16(0x88, lba, 1), data_in=BLOCK_SIZE) for lba in range(1, 8)]
        assert writes == [1]  # more in flight: held for the end of this loop turn ...
        await asyncio.gather(first, *rest)
        assert writes[1] == 7  # ... and written together
        assert server.targets[0].violations == []


def _logout_request_with_next_answer(target: FakeTarget) -> None:
    """Answer a held command after an Asynchronous Message asking for a logout."""
    if target.held:
        target.config.hold_commands = False
        target.async_message(1, params=(0, 0, 5))  # logout requested, within 5 s
        target.complete_held()


@run_async
async def test_target_requested_logout_logs_out_and_in_again() -> None:
    async with fake_server() as server, pyiscsi.connect(server.url()) as s:
        first = server.targets[0]
        first.config.hold_commands = True
        server.on_receive = _logout_request_with_next_answer
        assert (await s.execute(bytes(6))).status == 0  # answered after the logout request
        # the next command waits for the new login, then runs on the second connection
        assert (await s.execute(bytes(6))).status == 0
        assert first.logged_out
        assert len(server.targets) == 2
        assert s.reconnects == 1


@run_async
async def test_target_requested_logout_without_reconnect_keeps_session_until_drop() -> None:
    async with fake_server() as server, pyiscsi.connect(server.url(), reconnect=False) as s:
        server.targets[0].config.hold_commands = True
        server.on_receive = _logout_request_with_next_answer
        assert (await s.execute(bytes(6))).status == 0
        assert (await s.execute(bytes(6))).status == 0
        assert len(server.targets) == 1
        assert not server.targets[0].logged_out
        assert s.reconnects == 0


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"fault_itt": True}, pyiscsi.ProtocolError),
        ({"fault_datasn": True}, pyiscsi.ProtocolError),
        ({"fault_offset": "past_end"}, pyiscsi.ProtocolError),
    ],
)
@run_async
async def test_a_target_breaking_the_rules_fails_the_command_clearly(
    fault: dict[str, object], error: type[Exception]
) -> None:
    async with fake_server(lambda n: TargetConfig(data_in_size=512)) as server:
        session = await pyiscsi.connect(server.url(), reconnect=False)
        try:
            for key, value in fault.items():
                setattr(server.targets[0].config, key, value)
            with pytest.raises(error) as info:
                if "fault_itt" in fault:  # the SCSI Response of a TEST UNIT READY
                    await session.execute(bytes(6))
                else:  # the second of several Data-In PDUs
                    await session.execute(rw16(0x88, 0, 8), data_in=8 * BLOCK_SIZE)
            assert str(info.value)
        finally:
            await session.close()


@run_async
async def test_header_digest_error_from_the_target_drops_the_connection() -> None:
    def config(n: int) -> TargetConfig:
        return TargetConfig(header_digests=("CRC32C", "None"))

    async with fake_server(config) as server:
        session = await pyiscsi.connect(server.url(header_digest="crc32c"), reconnect=False)
        try:
            assert session.parameters["HeaderDigest"] == "CRC32C"
            server.targets[0].config.fault_header_digest = True
            with pytest.raises(pyiscsi.ISCSIError) as info:
                await session.execute(bytes(6))
            assert "digest" in str(info.value)
        finally:
            await session.close()


@run_async
async def test_header_digest_error_with_reconnect_resends_the_command() -> None:
    def config(n: int) -> TargetConfig:
        return TargetConfig(header_digests=("CRC32C", "None"))

    async with (
        fake_server(config) as server,
        pyiscsi.connect(server.url(header_digest="crc32c")) as s,
    ):
        server.targets[0].config.fault_header_digest = True
        data = b"\x5a" * BLOCK_SIZE
        await s.execute(rw16(0x8A, 1, 1), data_out=data)
        r = await s.execute(rw16(0x88, 1, 1), data_in=BLOCK_SIZE)
        assert s.reconnects == 1
        # the write was sent again on the new connection, so the data is there
        assert bytes(r.data) == data
