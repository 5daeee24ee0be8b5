"""Micro-benchmark of the whole initiator stack, no network: CPU microseconds per READ.

``Session.execute`` -> driver -> core -> (an event loop whose create_connection gives) a fake
transport that hands the bytes to the fake
target (tests/fake_target.py) and, on the next loop turn, feeds its answers back through the
protocol's ``get_buffer``/``buffer_updated``, as a socket would.  The fake target's own CPU time
is measured and subtracted, so the figure is the initiator's: the event loop, the futures and
coroutines of the API, the driver and the core.  Deterministic batching (every command of a
turn goes out in one write, every answer comes back in one read) makes it steadier than a run
against tgtd on a shared machine; use it for A/B runs of the same tree.

    .venv/bin/python bench/stack_micro.py [--size 4096] [--depth 32] [--commands 60000]
"""

from __future__ import annotations

import argparse
import asyncio
import struct
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import pyiscsi
from fake_target import BLOCK_SIZE, FakeTarget, TargetConfig

_RW16 = struct.Struct(">BBQIBB")
_spent_in_target = [0.0]


class FakeTransport:
    """Just enough of an asyncio transport for the driver."""

    def __init__(self, link: Any, target: FakeTarget, loop: asyncio.AbstractEventLoop) -> None:
        self.link = link
        self.target = target
        self.loop = loop
        self.closing = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        if not self.closing:
            self.closing = True
            self.loop.call_soon(self.link.connection_lost, None)

    def write(self, data: bytes) -> None:
        self.writelines([data])

    def writelines(self, data: Iterable[Any]) -> None:
        t0 = time.process_time()
        self.target.receive(b"".join(data))
        back = self.target.data_to_send()
        self.target.received.clear()
        _spent_in_target[0] += time.process_time() - t0
        if back:
            self.loop.call_soon(self._deliver, back)

    def _deliver(self, back: bytes) -> None:
        view = memoryview(back)
        link = self.link
        while view and not self.closing:
            buf = link.get_buffer(len(view))
            n = min(len(buf), len(view))
            buf[:n] = view[:n]
            view = view[n:]
            link.buffer_updated(n)


_config = [TargetConfig()]


def fake_network(base: type[asyncio.AbstractEventLoop]) -> type[asyncio.AbstractEventLoop]:
    """An event loop class whose TCP connections lead to a fake target."""

    class FakeNetworkLoop(base):  # type: ignore[valid-type,misc]
        async def create_connection(
            self,
            protocol_factory: Any,
            host: str | None = None,
            port: int | None = None,
            **kwargs: Any,
        ) -> tuple[Any, Any]:
            protocol = protocol_factory()
            transport = FakeTransport(protocol, FakeTarget(_config[0]), self)
            protocol.connection_made(transport)
            return transport, protocol

    return FakeNetworkLoop


async def run(size: int, depth: int, commands: int) -> tuple[float, float]:
    """(initiator CPU us per READ, wall us per READ)."""
    blocks = size // BLOCK_SIZE
    _config[0] = TargetConfig(blocks=max(4 * depth * blocks, 64), cmd_window=max(depth, 32))
    session = await pyiscsi.connect(f"iscsi://127.0.0.1/{TargetConfig().target_name}/0")
    per_worker = commands // depth

    async def worker(k: int) -> None:
        view = memoryview(bytearray(size))
        execute = session.execute
        lba = k * blocks
        for _ in range(per_worker):
            cdb = _RW16.pack(0x88, 0, lba, blocks, 0, 0)
            result = await execute(cdb, data_in=view, check=False)
            assert result.status == 0, result

    await asyncio.gather(*(worker(k) for k in range(depth)))  # warm up
    _spent_in_target[0] = 0.0
    c0, w0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(depth)))
    cpu = time.process_time() - c0 - _spent_in_target[0]
    wall = time.perf_counter() - w0
    await session.close()
    done = per_worker * depth
    return cpu / done * 1e6, wall / done * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--depth", type=int, default=32)
    parser.add_argument("--commands", type=int, default=60_000)
    parser.add_argument("--asyncio", action="store_true", help="asyncio's loop, not uvloop")
    args = parser.parse_args()
    base: Any = asyncio.SelectorEventLoop
    if not args.asyncio:
        try:
            import uvloop

            base = uvloop.Loop
        except ImportError:
            pass
    new_loop = fake_network(base)
    figures = []
    for _ in range(3):
        with asyncio.Runner(loop_factory=new_loop) as runner:
            figures.append(runner.run(run(args.size, args.depth, args.commands // 3)))
    cpus = sorted(f[0] for f in figures)
    print(
        f"stack: {cpus[1]:.2f} us CPU per {args.size}-byte READ x {args.depth} "
        f"(median of 3; min {cpus[0]:.2f}, max {cpus[2]:.2f}); core at "
        f"{pyiscsi.protocol.session.__file__}"
    )


if __name__ == "__main__":
    main()
