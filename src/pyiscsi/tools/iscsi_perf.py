"""iscsi-perf: a READ (or WRITE, or mixed) benchmark, optioned and printed like libiscsi's.

Keeps ``-m`` READ(16) commands of ``-b`` blocks in flight for ``-t`` seconds (0: until
Ctrl-C), sequential or random (``-r``) LBAs, ``-R`` random sizes of 1 to ``-b`` blocks;
prints libiscsi's header lines, a status line each second (``-l``: each on its own line) and
``iops average N (M MB/s)`` at the end. Added: ``-w/--write`` (WRITE(16): destroys the LUN's
data), ``--mix PERCENT`` (that share of reads, the rest writes), the count of failed commands
and the CPU time per I/O after the average; ``--json`` prints the summary as JSON.

Differences from libiscsi 1.19 on purpose: with ``-n`` a failed command is counted as an
error, not as an I/O; ``-b`` larger than the LUN or than its MAXIMUM TRANSFER LENGTH is
refused before starting; with ``-r`` the status line shows the LBA last read; Ctrl-C prints
the summary line before the interrupt line.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import struct
import sys
import time
from typing import TextIO

from pyiscsi import Session, parse_url
from pyiscsi.errors import CheckConditionError, ISCSIError
from pyiscsi.scsi.opcodes import Opcode
from pyiscsi.scsi.status import SenseKey, Status
from pyiscsi.tools import blockio, common

PROG = "iscsi-perf"
VERSION_LINE = "iscsi-perf (pyiscsi) - libiscsi's benchmark on pyiscsi"
_RW16 = struct.Struct(">BBQIBB")
# plain ints: the worker loop packs and compares them for every command
READ16, WRITE16 = int(Opcode.READ_16), int(Opcode.WRITE_16)
BUSY = int(Status.BUSY)
UNIT_ATTENTION = int(SenseKey.UNIT_ATTENTION)
MAX_RETRIES_PER_SLOT = 4  # libiscsi gives up after 4 x in-flight BUSY/UNIT ATTENTION retries


def percent_argument(text: str) -> int:
    """0-100."""
    value = common.count_argument(text)
    if value > 100:
        raise argparse.ArgumentTypeError(f"expected a percentage 0-100, not {value}")
    return value


class Perf:
    """The benchmark's counters and its workers."""

    def __init__(self, session: Session, geo: blockio.Geometry, args: argparse.Namespace) -> None:
        self.session = session
        self.block_size = geo.block_size
        self.blocks_total = geo.blocks
        self.blocks = args.blocks
        self.random = args.random
        self.random_blocks = args.random_blocks
        self.ignore_errors = args.ignore_errors
        self.read_share = 0 if args.write else args.mix
        self.pos = 0  # the LBA of the last command issued (libiscsi's "lba")
        self.next_lba = 0
        self.ios = 0
        self.bytes = 0
        self.errors = 0
        self.busy = 0
        self.retries = 0
        self.in_flight = 0
        self.reads = 0
        self.writes = 0
        self.failure: str | None = None
        self.stopping = False
        self._rng = random.Random()

    def _next(self) -> tuple[int, int]:
        blocks = self.blocks
        if self.random:
            lba = self._rng.randrange(self.blocks_total)
        else:
            lba = self.next_lba
            if lba >= self.blocks_total:
                lba = 0
        blocks = min(blocks, self.blocks_total - lba)
        if self.random_blocks:
            blocks = self._rng.randint(1, blocks)
        self.next_lba = lba + blocks
        self.pos = lba
        return lba, blocks

    async def worker(self, stop: float | None) -> None:
        """Issue commands back to back until the time is up or the benchmark stops."""
        buf = bytearray(self.blocks * self.block_size)
        view = memoryview(buf)
        execute = self.session.execute
        while not self.stopping and (stop is None or time.monotonic() < stop):
            lba, blocks = self._next()
            size = blocks * self.block_size
            is_read = self.read_share >= 100 or self._rng.randrange(100) < self.read_share
            cdb = _RW16.pack(READ16 if is_read else WRITE16, 0, lba, blocks, 0, 0)
            retries = 0
            self.in_flight += 1
            try:
                while True:
                    if is_read:
                        result = await execute(cdb, data_in=view[:size], check=False)
                    else:
                        result = await execute(cdb, data_out=view[:size], check=False)
                    sense = result.sense
                    if result.status == BUSY or (sense is not None and sense.key == UNIT_ATTENTION):
                        self.busy += result.status == BUSY
                        retries += 1
                        if retries <= MAX_RETRIES_PER_SLOT:
                            continue
                    break
            except ISCSIError as exc:
                self._failed(f"{'READ' if is_read else 'WRITE'}(16) at LBA {lba} failed: {exc}")
                continue
            finally:
                self.in_flight -= 1
            if not result.good:
                reason = (
                    str(CheckConditionError(result.sense))
                    if result.sense is not None
                    else f"status 0x{result.status:02x}"
                )
                self._failed(f"{'READ' if is_read else 'WRITE'}(16) at LBA {lba} failed: {reason}")
                continue
            self.ios += 1
            self.bytes += size
            if is_read:
                self.reads += 1
            else:
                self.writes += 1

    def _failed(self, line: str) -> None:
        self.errors += 1
        if self.ignore_errors:
            if self.errors <= 10:
                print(f"{PROG}: {line} (ignored: -n)", file=sys.stderr)
            return
        if self.failure is None:
            self.failure = line
        self.stopping = True


def _hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def status_line(
    perf: Perf,
    *,
    shown_seconds: int,
    current: tuple[int, int, float],
    average: tuple[int, int, float],
) -> str:
    """libiscsi's status line (MB are MiB, as libiscsi shifts by 20)."""
    ios, nbytes, seconds = current
    aios, abytes, aseconds = average
    iops = int(ios / seconds) if seconds > 0 else 0
    mbps = int(nbytes / seconds) >> 20 if seconds > 0 else 0
    aiops = int(aios / aseconds) if aseconds > 0 else 0
    ambps = int(abytes / aseconds) >> 20 if aseconds > 0 else 0
    line = (
        f"{_hms(shown_seconds)} - lba {perf.pos}, iops current {iops} ({mbps} MB/s), "
        f"iops average {aiops} ({ambps} MB/s), in_flight {perf.in_flight}, busy {perf.busy}"
    )
    if perf.errors:
        line += f", errors {perf.errors}"
    return line + "        "


def summary_line(perf: Perf, seconds: float, blocks_per_io: int) -> str:
    """``iops average N (M MB/s)`` as libiscsi computes it: average IOPS x -b x block size."""
    aiops = int(perf.ios / seconds) if seconds > 0 else 0
    return f"iops average {aiops} ({(aiops * blocks_per_io * perf.block_size) >> 20} MB/s)"


def cpu_line(perf: Perf, cpu_seconds: float) -> str:
    """CPU time of this process in all and per I/O, and the failed commands."""
    per_io = cpu_seconds / perf.ios * 1e6 if perf.ios else 0.0
    return f"cpu {cpu_seconds:.2f} s ({per_io:.1f} us per I/O), errors {perf.errors}"


def header_lines(
    url: str, geo: blockio.Geometry, args: argparse.Namespace, perf: Perf
) -> list[str]:
    """libiscsi's header: the URL, capacity, mode, transfer size, run time."""
    order = "RANDOM" if args.random else "SEQUENTIAL"
    if perf.read_share >= 100:
        kind = "READ"
    elif perf.read_share == 0:
        kind = "WRITE"
    else:
        kind = f"READ/WRITE ({perf.read_share}% READ)"
    size = args.blocks * geo.block_size
    lines = [
        VERSION_LINE,
        "",
        f"connected to {url}",
        f"capacity is {geo.blocks} blocks or {geo.size} byte ({geo.size >> 20} MB)",
        f"performing {order} {kind} with {args.max} parallel requests",
        (
            f"RANDOM transfer size of 1 - {args.blocks} blocks ({geo.block_size} - {size} byte)"
            if args.random_blocks
            else f"FIXED transfer size of {args.blocks} blocks ({size} byte)"
        ),
        f"will run for {args.runtime} seconds."
        if args.runtime
        else "infinite runtime - press CTRL-C to abort.",
        "",
    ]
    return lines


async def _check_blocks(session: Session, geo: blockio.Geometry, blocks: int) -> None:
    if blocks > geo.blocks:
        raise common.UsageError(f"-b {blocks} is more than the LUN's {geo.blocks} blocks")
    limit = await session.max_transfer_blocks()
    if blocks > limit:
        raise common.UsageError(
            f"-b {blocks} is more than the target's MAXIMUM TRANSFER LENGTH ({limit} blocks)"
        )


async def body(args: argparse.Namespace, out: common.Output) -> int:
    """Connect, print the header, run the workers, print status lines and the summary."""
    stream: TextIO = sys.stdout
    text = not out.json
    async with common.open_lun(args) as session:
        geo = await blockio.geometry(session)
        await _check_blocks(session, geo, args.blocks)
        perf = Perf(session, geo, args)
        if text:
            stream.write("\n".join(header_lines(str(parse_url(args.url)), geo, args, perf)) + "\n")
            stream.flush()
        cpu_start = time.process_time()
        start = time.monotonic()
        stop = start + args.runtime if args.runtime else None
        workers = [asyncio.ensure_future(perf.worker(stop)) for _ in range(args.max)]
        last_ios, last_bytes, last_t = 0, 0, start
        interrupted = False
        try:
            while not all(w.done() for w in workers):
                await asyncio.wait(workers, timeout=1.0)
                now = time.monotonic()
                elapsed = int(now - start)
                if text and not all(w.done() for w in workers):
                    shown = args.runtime - elapsed if args.runtime else elapsed
                    line = status_line(
                        perf,
                        shown_seconds=max(shown, 0),
                        current=(perf.ios - last_ios, perf.bytes - last_bytes, now - last_t),
                        average=(perf.ios, perf.bytes, now - start),
                    )
                    stream.write("\r" + line + ("\n" if args.logging else ""))
                    stream.flush()
                last_ios, last_bytes, last_t = perf.ios, perf.bytes, now
        except asyncio.CancelledError:
            interrupted = True
            perf.stopping = True
            out.interrupt_note = "interrupted"
        finally:
            for w in workers:
                w.cancel()
        total = time.monotonic() - start
        cpu = time.process_time() - cpu_start
        summary = summary_line(perf, total, args.blocks)
        if text:
            pad = " " * 56
            stream.write(f"\r{summary}{pad}\n{cpu_line(perf, cpu)}\n")
            if not interrupted:
                stream.write("\nfinished.\n" if perf.failure is None else "\nABORTED!\n")
            stream.flush()
        out.data.update(
            iops=int(perf.ios / total) if total > 0 else 0,
            mib_per_second=(int(perf.ios / total) * args.blocks * geo.block_size) >> 20
            if total > 0
            else 0,
            ios=perf.ios,
            reads=perf.reads,
            writes=perf.writes,
            bytes=perf.bytes,
            errors=perf.errors,
            busy=perf.busy,
            seconds=total,
            cpu_seconds=cpu,
            cpu_us_per_io=cpu / perf.ios * 1e6 if perf.ios else None,
            interrupted=interrupted,
        )
        if interrupted:
            out.finish()
            out.json = False  # printed already
            raise asyncio.CancelledError
    if perf.failure is not None:
        raise common.ToolError(perf.failure)
    return common.EXIT_OK


def add_options(parser: common.ToolArgumentParser) -> None:
    """libiscsi's options plus ``-w`` and ``--mix``."""
    parser.add_argument(
        "-m", "--max", type=common.positive_argument, default=32, help="commands in flight (32)"
    )
    parser.add_argument(
        "-b", "--blocks", type=common.positive_argument, default=8, help="blocks per command (8)"
    )
    parser.add_argument(
        "-t",
        "--runtime",
        type=common.count_argument,
        default=10,
        help="seconds to run (10; 0: until Ctrl-C)",
    )
    parser.add_argument("-r", "--random", action="store_true", help="random LBAs")
    parser.add_argument(
        "-R", "--random-blocks", action="store_true", help="random transfer sizes of 1 to -b blocks"
    )
    parser.add_argument(
        "-l", "--logging", action="store_true", help="each status line on its own line"
    )
    parser.add_argument(
        "-n", "--ignore-errors", action="store_true", help="count failed commands and go on"
    )
    parser.add_argument(
        "-w",
        "--write",
        action="store_true",
        help="WRITE(16) instead of READ(16): overwrites the LUN's data",
    )
    parser.add_argument(
        "--mix",
        type=percent_argument,
        default=100,
        metavar="PERCENT",
        help="share of READs, the rest WRITEs (overwrites data; default 100)",
    )
    parser.add_argument("url", help="iSCSI URL of the LUN")


TOOL = common.Tool(PROG, "Measure the I/O rate of an iSCSI LUN.", add_options, body)


def build_parser() -> common.ToolArgumentParser:
    """The command line of iscsi-perf."""
    return TOOL.parser()


def main(argv: list[str] | None = None) -> int:
    """Run iscsi-perf with ``argv`` (default: the command line); returns the exit status."""
    return TOOL.main(argv)


if __name__ == "__main__":
    sys.exit(main())
