"""Block contents that say where they belong and which pass wrote them, and their checks.

Every 512-byte block written by the fault tests holds (LBA, pass id) repeated, so a block read
back shows at once if it was lost (an older pass or zeros), misplaced (another LBA) or corrupt.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Iterable

import pyiscsi

__all__ = ["BLOCK", "block", "blocks", "check_blocks", "read_all", "write_all"]

BLOCK = 512
_WORD = struct.Struct(">QQ")


def block(lba: int, pass_id: int) -> bytes:
    """The content of block ``lba`` written by pass ``pass_id``."""
    return _WORD.pack(lba, pass_id) * (BLOCK // _WORD.size)


def blocks(lba: int, count: int, pass_id: int) -> bytes:
    """``count`` consecutive blocks from ``lba``, all of pass ``pass_id``."""
    return b"".join(block(lba + i, pass_id) for i in range(count))


def check_blocks(data: bytes | bytearray | memoryview, lba: int, pass_id: int) -> list[str]:
    """One line per block of ``data`` (starting at ``lba``) that is not (lba, pass_id)."""
    bad = []
    view = memoryview(data)
    for i in range(len(view) // BLOCK):
        got = bytes(view[i * BLOCK : (i + 1) * BLOCK])
        if got != block(lba + i, pass_id):
            found = _WORD.unpack_from(got)
            uniform = got == got[: _WORD.size] * (BLOCK // _WORD.size)
            what = f"(lba {found[0]}, pass {found[1]})" if uniform else "corrupt"
            bad.append(f"block {lba + i}: {what}, expected pass {pass_id}")
    return bad


async def write_all(
    s: pyiscsi.Session, extents: Iterable[tuple[int, int]], pass_id: int, parallel: int = 8
) -> None:
    """Write every (lba, count) extent with pass ``pass_id``, ``parallel`` at a time."""
    gate = asyncio.Semaphore(parallel)

    async def one(lba: int, count: int) -> None:
        async with gate:
            await s.write(lba, blocks(lba, count, pass_id))

    await asyncio.gather(*(one(lba, count) for lba, count in extents))


async def read_all(
    s: pyiscsi.Session, extents: Iterable[tuple[int, int]], pass_id: int, parallel: int = 8
) -> list[str]:
    """Read every extent back; return the bad blocks (see :func:`check_blocks`)."""
    gate = asyncio.Semaphore(parallel)

    async def one(lba: int, count: int) -> list[str]:
        async with gate:
            return check_blocks(await s.read(lba, count), lba, pass_id)

    found = await asyncio.gather(*(one(lba, count) for lba, count in extents))
    return [line for lines in found for line in lines]
