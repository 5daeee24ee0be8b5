"""iscsi-discard: UNMAP a byte range of a LUN, or with ``-z`` write zeroes over it.

Options as libiscsi's: ``-o`` offset and ``-l`` length in bytes (block aligned; by default
and past the end: to the end of the LUN), ``-z`` zero-fill with WRITE SAME (16) instead of
UNMAP. Added: ``-a/--anchor`` (UNMAP with ANCHOR), ``-m/--max`` commands in flight, a
progress bar on a terminal, ``--json``. Each command covers at most what the Block Limits
page allows (MAXIMUM UNMAP LBA COUNT, MAXIMUM WRITE SAME LENGTH).
"""

from __future__ import annotations

import argparse
import sys

from pyiscsi import Session
from pyiscsi.errors import SCSIStatusError
from pyiscsi.scsi import cdb
from pyiscsi.scsi.inquiry import LogicalBlockProvisioning, parse_vpd
from pyiscsi.scsi.params import build_unmap_parameter_list
from pyiscsi.tools import blockio, common
from pyiscsi.tools.progress import Progress

PROG = "iscsi-discard"
WRITE_SAME_DEFAULT_BLOCKS = 1 << 16  # per command when the target states no limit
UNMAP_DEFAULT_BLOCKS = 1 << 16


async def _anchor_supported(session: Session) -> bool:
    """ANC_SUP of the Logical Block Provisioning VPD page (False if there is none)."""
    command = cdb.Inquiry(evpd=True, page_code=0xB2, allocation_length=64).encode()
    try:
        result = await session.execute(command, data_in=64)
    except SCSIStatusError:
        return False
    page = parse_vpd(bytes(result.data))
    return isinstance(page, LogicalBlockProvisioning) and bool(page.anc_sup)


def add_options(parser: common.ToolArgumentParser) -> None:
    """``[-o OFFSET] [-l LENGTH] [-z] [-a] [-m MAX] <iscsi-url>``."""
    common.add_range_options(parser, "discard")
    parser.add_argument(
        "-z", "--zeroout", action="store_true", help="write zeroes (WRITE SAME) instead of UNMAP"
    )
    parser.add_argument(
        "-a", "--anchor", action="store_true", help="UNMAP with ANCHOR (anchor the blocks)"
    )
    parser.add_argument(
        "-m", "--max", type=common.positive_argument, default=8, help="commands in flight (8)"
    )
    parser.add_argument("url", help="iscsi://[user[%%password]@]host[:port]/target-iqn/lun")


async def body(args: argparse.Namespace, out: common.Output) -> int:
    """UNMAP (or WRITE SAME zeroes over) the range, in pieces the target allows."""
    if args.zeroout and args.anchor:
        raise common.UsageError("-a/--anchor is for UNMAP, not with -z/--zeroout")
    async with common.open_lun(args) as session:
        geo = await blockio.geometry(session)
        first, count = blockio.byte_range(args.offset, args.length, geo)
        limits = await blockio.block_limits(session)
        if args.zeroout:
            per = (limits.maximum_write_same_length if limits else None) or (
                WRITE_SAME_DEFAULT_BLOCKS
            )
            what = "WRITE SAME(16)"
        else:
            unmap_max = limits.maximum_unmap_lba_count if limits else None
            if not unmap_max:
                raise common.ToolError(
                    "the LUN does not support UNMAP (its Block Limits page states no "
                    "MAXIMUM UNMAP LBA COUNT); -z writes zeroes instead"
                )
            per = min(unmap_max, 0xFFFFFFFF)
            if args.anchor and not await _anchor_supported(session):
                raise common.ToolError(
                    "the LUN does not support anchored blocks (ANC_SUP is 0 in its Logical "
                    "Block Provisioning page): UNMAP without -a"
                )
            what = "UNMAP"
        zero = bytes(geo.block_size)
        bar = Progress(count * geo.block_size)
        commands = 0

        async def work(index: int, lba: int, blocks: int) -> None:
            nonlocal commands
            try:
                if args.zeroout:
                    command = cdb.WriteSame16(lba=lba, number_of_logical_blocks=blocks).encode()
                    await session.execute(command, data_out=zero)
                else:
                    data = build_unmap_parameter_list([(lba, blocks)])
                    command = cdb.Unmap(
                        parameter_list_length=len(data), anchor=args.anchor
                    ).encode()
                    await session.execute(command, data_out=data)
            except SCSIStatusError as exc:
                raise common.scsi_failure(f"{what} at LBA {lba}", exc) from None
            commands += 1
            bar.advance(blocks * geo.block_size)

        try:
            await blockio.run_pool(blockio.chunks(first, count, per), work, args.max)
        finally:
            bar.close()
    out.data.update(
        operation="write_same_zero" if args.zeroout else "unmap",
        anchor=args.anchor,
        offset=first * geo.block_size,
        length=count * geo.block_size,
        lba=first,
        blocks=count,
        commands=commands,
    )
    return common.EXIT_OK


TOOL = common.Tool(PROG, "Discard (UNMAP) or zero a range of an iSCSI LUN.", add_options, body)


def main(argv: list[str] | None = None) -> int:
    """Run iscsi-discard with ``argv`` (default: the command line); returns the exit status."""
    return TOOL.main(argv)


if __name__ == "__main__":
    sys.exit(main())
