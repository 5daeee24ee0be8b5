"""Block I/O the data tools share: a LUN's geometry, its transfer limits, byte ranges in
blocks, and a pool of workers that keeps many commands in flight over one session.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass

from pyiscsi import Session
from pyiscsi.errors import SCSIStatusError
from pyiscsi.scsi import cdb
from pyiscsi.scsi.capacity import parse_read_capacity16
from pyiscsi.scsi.inquiry import BlockLimits, parse_vpd
from pyiscsi.tools import common

BLOCK_LIMITS_PAGE = 0xB0


@dataclass(frozen=True, slots=True)
class Geometry:
    """A LUN's size: ``blocks`` logical blocks of ``block_size`` bytes."""

    blocks: int
    block_size: int

    @property
    def size(self) -> int:
        """Capacity in bytes."""
        return self.blocks * self.block_size


async def geometry(session: Session) -> Geometry:
    """READ CAPACITY (16): the number of blocks and the block length."""
    data = await common.execute(
        session, "READ CAPACITY(16)", cdb.ReadCapacity16(allocation_length=32).encode(), 32
    )
    rc = parse_read_capacity16(data)
    if rc.returned_logical_block_address is None or not rc.logical_block_length:
        raise common.ToolError(f"READ CAPACITY(16) returned only {len(data)} bytes")
    return Geometry(rc.returned_logical_block_address + 1, rc.logical_block_length)


async def block_limits(session: Session) -> BlockLimits | None:
    """The Block Limits VPD page, or None if the target has none."""
    command = cdb.Inquiry(evpd=True, page_code=BLOCK_LIMITS_PAGE, allocation_length=64).encode()
    try:
        result = await session.execute(command, data_in=64)
    except SCSIStatusError:
        return None
    page = parse_vpd(bytes(result.data))
    return page if isinstance(page, BlockLimits) else None


def byte_range(offset: int, length: int, geo: Geometry) -> tuple[int, int]:
    """libiscsi's -o/-l: ``(first LBA, blocks)``. The offset must be block aligned and inside
    the LUN; length 0, or one past the end, means to the end; a partial last block fails.
    """
    if offset % geo.block_size:
        raise common.ToolError(
            f"offset {offset} is not a multiple of the block size {geo.block_size}"
        )
    if offset > geo.size:
        raise common.ToolError(f"offset {offset} exceeds the capacity {geo.size}")
    if not length or offset + length > geo.size:
        length = geo.size - offset
    if length % geo.block_size:
        raise common.ToolError(
            f"length {length} is not a multiple of the block size {geo.block_size}"
        )
    return offset // geo.block_size, length // geo.block_size


def chunks(first: int, count: int, per_chunk: int) -> Iterator[tuple[int, int]]:
    """``(lba, blocks)`` pieces of at most ``per_chunk`` blocks covering the range."""
    lba, end = first, first + count
    while lba < end:
        blocks = min(per_chunk, end - lba)
        yield lba, blocks
        lba += blocks


class Sequencer:
    """Lets numbered steps run one at a time in their order (``async with seq.turn(i)``)."""

    def __init__(self, first: int = 0) -> None:
        self._next = first
        self._changed = asyncio.Condition()

    @contextlib.asynccontextmanager
    async def turn(self, index: int) -> AsyncIterator[None]:
        """Wait until steps before ``index`` are done; mark it done on leaving."""
        async with self._changed:
            await self._changed.wait_for(lambda: self._next == index)
        try:
            yield
        finally:
            async with self._changed:
                self._next = index + 1
                self._changed.notify_all()


async def run_pool(
    items: Iterator[tuple[int, int]],
    work: Callable[[int, int, int], Awaitable[None]],
    max_in_flight: int,
    *,
    stop: Callable[[], bool] | None = None,
) -> None:
    """Run ``work(index, lba, blocks)`` for each item with at most ``max_in_flight`` running,
    until the items end or ``stop()`` is true; the first exception cancels the rest and is
    raised.
    """
    numbered = enumerate(items)

    async def worker() -> None:
        for index, (lba, blocks) in numbered:
            await work(index, lba, blocks)
            if stop is not None and stop():
                return

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(max_in_flight):
                group.create_task(worker())
    except BaseExceptionGroup as group_error:
        raise first_exception(group_error) from None


def first_exception(error: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first exception of a (nested) exception group."""
    first = error.exceptions[0]
    return first_exception(first) if isinstance(first, BaseExceptionGroup) else first


async def transfer_blocks(session: Session, geo: Geometry, *, cap: int) -> int:
    """Blocks per command: the target's MAXIMUM TRANSFER LENGTH, at most ``cap`` bytes."""
    return min(max(1, cap // geo.block_size), await session.max_transfer_blocks())
