"""Copy one LUN onto another (of at least the same size), with progress; asyncio.

    python examples/lun_copy.py SOURCE-URL DESTINATION-URL
"""

from __future__ import annotations

import asyncio
import sys

import pyiscsi

CHUNK = 16 << 20  # bytes read, then written, per round


async def main(source: str, destination: str) -> int:
    async with (
        pyiscsi.connect(source, initiator_name="iqn.2024-01.org.example:copy") as src,
        pyiscsi.connect(destination, initiator_name="iqn.2024-01.org.example:copy") as dst,
    ):
        block = await src.block_size()
        if await dst.block_size() != block:
            print("the LUNs have different block sizes", file=sys.stderr)
            return 1
        total = await src.num_blocks()
        if await dst.num_blocks() < total:
            print("the destination LUN is smaller than the source", file=sys.stderr)
            return 1
        buffer = bytearray(CHUNK)
        step = CHUNK // block
        for lba in range(0, total, step):
            count = min(step, total - lba)
            view = memoryview(buffer)[: count * block]
            await src.read(lba, count, into=view)  # reads and writes go in pieces, pipelined
            await dst.write(lba, view)
            print(f"\rcopied {(lba + count) * 100 // total}%", end="", file=sys.stderr)
        await dst.synchronize_cache()
        print(file=sys.stderr)
    print("copied", total * block, "bytes")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2])))
