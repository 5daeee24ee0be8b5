"""iscsi-md5sum: the MD5 digest of a LUN, or of ``-o`` offset / ``-l`` length bytes of it.

Prints the hex digest on one line, as libiscsi's iscsi-md5sum (and md5sum(1) of the same
bytes). Keeps ``--max`` READ(16) commands in flight over the session (libiscsi's sends one
at a time); a progress bar goes to stderr when it is a terminal.
"""

from __future__ import annotations

import argparse
import hashlib
import sys

from pyiscsi.errors import SCSIStatusError
from pyiscsi.scsi import cdb
from pyiscsi.tools import blockio, common
from pyiscsi.tools.progress import Progress

PROG = "iscsi-md5sum"
CHUNK_CAP = 1 << 20


def add_options(parser: common.ToolArgumentParser) -> None:
    """``[-o OFFSET] [-l LENGTH] [-m MAX] <iscsi-url>``."""
    common.add_range_options(parser, "digest")
    parser.add_argument(
        "-m", "--max", type=common.positive_argument, default=8, help="READs in flight (8)"
    )
    parser.add_argument("url", help="iscsi://[user[%%password]@]host[:port]/target-iqn/lun")


async def body(args: argparse.Namespace, out: common.Output) -> int:
    """Read the range with many READs in flight and digest it in order."""
    async with common.open_lun(args) as session:
        geo = await blockio.geometry(session)
        first, count = blockio.byte_range(args.offset, args.length, geo)
        per_chunk = await blockio.transfer_blocks(session, geo, cap=CHUNK_CAP)
        digest = hashlib.md5(usedforsecurity=False)
        order = blockio.Sequencer()
        bar = Progress(count * geo.block_size)

        async def work(index: int, lba: int, blocks: int) -> None:
            command = cdb.Read16(lba=lba, transfer_length=blocks).encode()
            try:
                result = await session.execute(command, data_in=blocks * geo.block_size)
            except SCSIStatusError as exc:
                raise common.scsi_failure(f"READ(16) at LBA {lba}", exc) from None
            async with order.turn(index):
                digest.update(result.data)
                bar.advance(len(result.data))

        try:
            await blockio.run_pool(blockio.chunks(first, count, per_chunk), work, args.max)
        finally:
            bar.close()
    out.line(digest.hexdigest())
    out.data.update(
        md5=digest.hexdigest(),
        offset=first * geo.block_size,
        length=count * geo.block_size,
        block_size=geo.block_size,
    )
    return common.EXIT_OK


TOOL = common.Tool(PROG, "Print the MD5 digest of an iSCSI LUN or part of it.", add_options, body)


def main(argv: list[str] | None = None) -> int:
    """Run iscsi-md5sum with ``argv`` (default: the command line); returns the exit status."""
    return TOOL.main(argv)


if __name__ == "__main__":
    sys.exit(main())
