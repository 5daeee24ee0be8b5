"""iscsi-perf: a READ benchmark, optioned like libiscsi's.

Keeps ``-m`` READ(16) commands of ``-b`` blocks in flight for ``-t`` seconds (sequential LBAs,
or random with ``-r``), prints a status line each second and, at the end,
``iops average N (M MB/s)``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import struct
import sys
import time
from collections.abc import Sequence

from pyiscsi.aio.session import Session, connect
from pyiscsi.errors import ISCSIError
from pyiscsi.tools.common import ToolError, make_parser, parse_args, run, setup_logging

PROG = "iscsi-perf"
_READ16 = struct.Struct(">BBQIBB")


def _positive(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, not {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command line of iscsi-perf."""
    parser = make_parser(PROG, "Measure READ throughput of an iSCSI LUN.")
    parser.add_argument("-m", "--max", type=_positive, default=32, help="commands in flight")
    parser.add_argument("-b", "--blocks", type=_positive, default=8, help="blocks per READ")
    parser.add_argument("-t", "--timeout", type=_positive, default=10, help="seconds to run")
    parser.add_argument("-r", "--random", action="store_true", help="random LBAs")
    parser.add_argument("-n", "--ignore-errors", action="store_true", help="go on after errors")
    parser.add_argument("url", help="iSCSI URL of the LUN")
    return parser


class _Perf:
    """The benchmark's counters and its workers."""

    def __init__(
        self, session: Session, block_size: int, blocks_total: int, args: argparse.Namespace
    ) -> None:
        self.session = session
        self.block_size = block_size
        self.blocks_total = blocks_total
        self.blocks = args.blocks
        self.random = args.random
        self.ignore_errors = args.ignore_errors
        self.next_lba = 0
        self.ios = 0
        self.errors = 0
        self.in_flight = 0

    def _lba(self) -> int:
        if self.random:
            return random.randrange(0, max(self.blocks_total - self.blocks, 1))
        lba = self.next_lba
        if lba + self.blocks > self.blocks_total:
            lba = 0
        self.next_lba = lba + self.blocks
        return lba

    async def worker(self, stop: float) -> None:
        buf = bytearray(self.blocks * self.block_size)
        while time.monotonic() < stop:
            cdb = _READ16.pack(0x88, 0, self._lba(), self.blocks, 0, 0)
            self.in_flight += 1
            try:
                await self.session.execute(cdb, data_in=buf)
            except ISCSIError as exc:
                self.errors += 1
                if not self.ignore_errors:
                    raise ToolError(f"READ failed: {exc}") from None
            finally:
                self.in_flight -= 1
            self.ios += 1


def _rate(ios: int, seconds: float, io_bytes: int) -> str:
    iops = int(ios / seconds) if seconds > 0 else 0
    return f"{iops} ({iops * io_bytes // 1_000_000} MB/s)"


async def _main(argv: Sequence[str] | None) -> int:
    args = parse_args(build_parser(), argv)
    setup_logging(args.debug or 0)
    async with connect(args.url, initiator_name=args.initiator_name) as session:
        cdb = bytes([0x9E, 0x10]) + bytes(8) + (32).to_bytes(4, "big") + bytes(2)
        result = await session.execute(cdb, data_in=32)
        last_lba, block_size = struct.unpack_from(">QI", result.data)
        perf = _Perf(session, block_size, last_lba + 1, args)
        io_bytes = args.blocks * block_size
        start = time.monotonic()
        stop = start + args.timeout
        workers = [asyncio.ensure_future(perf.worker(stop)) for _ in range(args.max)]
        last_ios, last_t = 0, start
        out = sys.stdout
        try:
            while not all(w.done() for w in workers):
                await asyncio.wait(workers, timeout=1.0, return_when=asyncio.FIRST_EXCEPTION)
                now = time.monotonic()
                elapsed = int(now - start)
                out.write(
                    f"\r{elapsed // 3600:02d}:{elapsed // 60 % 60:02d}:{elapsed % 60:02d} - "
                    f"lba {perf.next_lba}, "
                    f"iops current {_rate(perf.ios - last_ios, now - last_t, io_bytes)}, "
                    f"iops average {_rate(perf.ios, now - start, io_bytes)}, "
                    f"in_flight {perf.in_flight}, busy 0        "
                )
                out.flush()
                last_ios, last_t = perf.ios, now
            for w in workers:
                w.result()
        finally:
            for w in workers:
                w.cancel()
        total = time.monotonic() - start
        average = _rate(perf.ios, total, io_bytes)
        out.write(f"\riops average {average}" + " " * 56 + "\n\nfinished.\n")
        out.flush()
        return 0 if perf.errors == 0 else 10


def main(argv: Sequence[str] | None = None) -> int:
    """Run iscsi-perf with ``argv`` (default: the command line); returns the exit status."""
    return run(lambda: _main(argv), prog=PROG)


if __name__ == "__main__":
    sys.exit(main())
