"""One big READ and WRITE: the split, pipelined path of Session.read/write against one command.

    .venv/bin/python bench/big_transfer.py [--sizes 256,1024] [--rounds 1]

Starts a tgtd with a sparse LUN (as root), then for each size in MiB times
``read(0, n, into=buf)`` (pieces of PIECE_BYTES, IN_FLIGHT at once), ``read(0, n)`` (the same,
returning bytes) and one READ(16) of the whole range through ``execute`` (the old path),
then the same for WRITE.  Prints seconds and MB/s.
"""

from __future__ import annotations

import argparse
import asyncio
import struct
import sys
import time
from collections.abc import Awaitable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import pyiscsi
from tgt import Tgtd

IQN = "iqn.2024-01.org.pyiscsi:bigio"
MiB = 1 << 20


async def timed(label: str, size: int, run: Awaitable[object]) -> None:
    start = time.perf_counter()
    await run
    took = time.perf_counter() - start
    print(f"{label:<40} {size // MiB:>5} MiB  {took:6.2f} s  {size / took / 1e6:7.0f} MB/s")


async def bench(url: str, sizes: list[int], rounds: int) -> None:
    async with pyiscsi.connect(url) as s:
        block = await s.block_size()
        for size in sizes:
            n = size // block
            buf = bytearray(b"\x01" * size)  # touched: no first-write page faults timed
            one_read = struct.pack(">BBQIBB", 0x88, 0, 0, n, 0, 0)
            one_write = struct.pack(">BBQIBB", 0x8A, 0, 0, n, 0, 0)
            await s.write(0, buf)  # the LUN's blocks exist in tgtd's page cache
            for _ in range(rounds):  # old and new alternate, so load hits both alike
                await timed(
                    "execute(READ(16) of n)  one command", size, s.execute(one_read, data_in=buf)
                )
                await timed("read(0, n, into=buf)    split", size, s.read(0, n, into=buf))
                await timed("read(0, n) -> bytes     split", size, s.read(0, n))
                await timed(
                    "execute(WRITE(16) of n) one command", size, s.execute(one_write, data_out=buf)
                )
                await timed("write(0, buf)           split", size, s.write(0, buf))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="256,1024", help="MiB, comma separated")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    sizes = [int(x) * MiB for x in args.sizes.split(",")]
    with Tgtd() as daemon:
        daemon.add_target(1, IQN, {1: max(sizes)})
        asyncio.run(bench(daemon.url(IQN, 1), sizes, args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
