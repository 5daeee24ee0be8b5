"""Benchmark: pyiscsi against libiscsi on the same tgtd, in one run, as ratios.

Starts a throwaway tgtd, then alternates libiscsi's ``iscsi-perf`` and pyiscsi's ``iscsi-perf``
(same options: commands in flight, blocks per READ, seconds) for several rounds, and prints
each side's IOPS and the median ratio pyiscsi/libiscsi.  Also measures pyiscsi's large-block
read and write throughput with the Python API (libiscsi has no write benchmark tool).

    .venv/bin/python bench/perf_vs_libiscsi.py [--seconds 3] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import pyiscsi
from tgt import Tgtd

IQN = "iqn.2024-01.org.pyiscsi:bench"
_AVERAGE = re.compile(rb"iops average (\d+) \((\d+) MB/s\)\s*\n")


def run_perf(command: list[str], timeout: float) -> int:
    """Run an iscsi-perf and return its final average IOPS."""
    out = subprocess.run(command, capture_output=True, timeout=timeout + 30, check=True).stdout
    found = _AVERAGE.findall(out.replace(b"\r", b"\n"))
    if not found:
        raise RuntimeError(f"no final 'iops average' line from {command[0]}: {out[-300:]!r}")
    return int(found[-1][0])


async def throughput(url: str, write: bool, size: int, depth: int, seconds: float) -> float:
    """MB/s of ``depth`` concurrent READ(16)/WRITE(16) of ``size`` bytes for ``seconds``."""
    async with pyiscsi.connect(url) as session:
        blocks = size // 512
        done = 0
        next_lba = 0
        stop = time.perf_counter() + seconds
        payload = bytes(size)

        async def worker() -> None:
            nonlocal done, next_lba
            buf = bytearray(size)
            while time.perf_counter() < stop:
                lba, next_lba = next_lba, (next_lba + blocks) % (1 << 17)
                op = 0x8A if write else 0x88
                cdb = bytes([op, 0]) + lba.to_bytes(8, "big") + blocks.to_bytes(4, "big") + b"\0\0"
                if write:
                    await session.execute(cdb, data_out=payload)
                else:
                    await session.execute(cdb, data_in=buf)
                done += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(depth)))
        return done * size / (time.perf_counter() - start) / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max", type=int, default=32, help="commands in flight")
    parser.add_argument("--blocks", type=int, default=8, help="blocks per READ")
    args = parser.parse_args()
    libiscsi = shutil.which("iscsi-perf", path="/usr/bin:/usr/local/bin")
    if libiscsi is None:
        print("libiscsi's iscsi-perf is missing (Debian package libiscsi-bin)", file=sys.stderr)
        return 1
    ours = [sys.executable, "-m", "pyiscsi.tools.iscsi_perf"]
    with Tgtd() as tgtd:
        tgtd.add_target(1, IQN, {1: 256 * 1024 * 1024})
        url = tgtd.url(IQN, 1)
        opts = ["-m", str(args.max), "-b", str(args.blocks), "-t", str(args.seconds)]
        ratios = []
        for round_no in range(1, args.rounds + 1):
            theirs_iops = run_perf([libiscsi, *opts, url], args.seconds)
            ours_iops = run_perf([*ours, *opts, url], args.seconds)
            ratios.append(ours_iops / theirs_iops)
            print(
                f"round {round_no}: libiscsi {theirs_iops} IOPS, pyiscsi {ours_iops} IOPS, "
                f"ratio {ours_iops / theirs_iops:.2f}"
            )
        print(
            f"READ {args.blocks} blocks x {args.max} in flight: median ratio pyiscsi/libiscsi "
            f"{statistics.median(ratios):.2f}"
        )
        for write in (False, True):
            mbs = asyncio.run(throughput(url, write, 256 * 1024, 8, args.seconds))
            print(f"pyiscsi {'WRITE' if write else 'READ'} 256 KiB x 8 in flight: {mbs:.0f} MB/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
