"""The blocking API when its caller is interrupted (Ctrl-C) while a command is in flight."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import pytest

from fake_target import BLOCK_SIZE, FakeTarget, TargetConfig
from pyiscsi import sync

IQN = TargetConfig().target_name


@contextmanager
def held_commands_target(on_held: threading.Event) -> Iterator[tuple[int, list[FakeTarget]]]:
    """A fake target in a thread of its own; ``hold_commands`` is for the test to turn on."""
    targets: list[FakeTarget] = []
    ready = threading.Event()
    port: list[int] = []
    loop = asyncio.new_event_loop()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        target = FakeTarget(TargetConfig())
        targets.append(target)
        while data := await reader.read(1 << 20):
            target.receive(data)
            if target.held:
                on_held.set()
            out = target.data_to_send()
            if out:
                writer.write(out)
        writer.close()

    stop: list[asyncio.Event] = []

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port.append(server.sockets[0].getsockname()[1])
        stop.append(asyncio.Event())
        ready.set()
        await stop[0].wait()
        server.close()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield port[0], targets
    finally:
        loop.call_soon_threadsafe(stop[0].set)
        thread.join(10)


def rw16(opcode: int, lba: int, blocks: int) -> bytes:
    return bytes([opcode, 0]) + lba.to_bytes(8, "big") + blocks.to_bytes(4, "big") + bytes(2)


def test_an_interrupted_blocking_call_aborts_its_command() -> None:
    held = threading.Event()
    main = threading.get_ident()

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGUSR1, interrupt)
    try:
        with held_commands_target(held) as (port, targets):
            url = f"iscsi://127.0.0.1:{port}/{IQN}/0"
            with sync.connect(url, check_lun=False) as s:
                targets[-1].config.hold_commands = True  # from now on, READs get no answer
                # once the target holds the READ, Ctrl-C reaches the waiting caller
                watcher = threading.Thread(
                    target=lambda: held.wait(10) and signal.pthread_kill(main, signal.SIGUSR1)
                )
                watcher.start()
                with pytest.raises(KeyboardInterrupt):
                    s.execute(rw16(0x88, 0, 1), data_in=BLOCK_SIZE)
                watcher.join(10)
                s.ping()  # answered after the abort, which the loop thread sent first
                target = targets[-1]
                assert target.held == {}  # ABORT TASK took the READ off the target
                assert target.violations == []
    finally:
        signal.signal(signal.SIGUSR1, previous)
