"""iscsi-readcapacity16: send READ CAPACITY (16) to a LUN and print the fields.

Output matches libiscsi's ``iscsi-readcapacity16`` line for line; ``-s`` prints only the size
in bytes.
"""

from __future__ import annotations

import argparse
import sys

import pyiscsi
from pyiscsi.scsi import cdb
from pyiscsi.scsi.capacity import ReadCapacity16Data, parse_read_capacity16
from pyiscsi.tools import common

PROG = "iscsi-readcapacity16"
READ_CAPACITY16_LENGTH = 32


def _n(value: int | bool | None) -> int:
    """A field as libiscsi prints it: an int, 0 when the target did not send it."""
    return 0 if value is None else int(value)


def total_size(rc: ReadCapacity16Data) -> int:
    """Capacity in bytes: (RETURNED LOGICAL BLOCK ADDRESS + 1) x LOGICAL BLOCK LENGTH."""
    return (_n(rc.returned_logical_block_address) + 1) * _n(rc.logical_block_length)


def format_read_capacity16(rc: ReadCapacity16Data, *, size_only: bool = False) -> list[str]:
    """The lines libiscsi's iscsi-readcapacity16 prints for ``rc``."""
    if size_only:
        return [str(total_size(rc))]
    return [
        f"RETURNED LOGICAL BLOCK ADDRESS:{_n(rc.returned_logical_block_address)}",
        f"LOGICAL BLOCK LENGTH IN BYTES:{_n(rc.logical_block_length)}",
        f"P_TYPE:{_n(rc.p_type)} PROT_EN:{_n(rc.prot_en)}",
        f"P_I_EXPONENT:{_n(rc.p_i_exponent)} LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT:"
        f"{_n(rc.logical_blocks_per_physical_block_exponent)}",
        f"LBPME:{_n(rc.lbpme)} LBPRZ:{_n(rc.lbprz)}",
        f"LOWEST ALIGNED LOGICAL BLOCK ADDRESS:{_n(rc.lowest_aligned_logical_block_address)}",
        f"Total size:{total_size(rc)}",
    ]


def add_options(parser: common.ToolArgumentParser) -> None:
    """``[-s] <iscsi-url>``."""
    parser.add_argument("-s", "--size", action="store_true", help="print the size in bytes only")
    parser.add_argument("url", help="iscsi://[user[%%password]@]host[:port]/target-iqn/lun")


async def read_capacity16(session: pyiscsi.Session) -> ReadCapacity16Data:
    """READ CAPACITY (16), parsed."""
    data = await common.execute(
        session,
        "READ CAPACITY(16)",
        cdb.ReadCapacity16(allocation_length=READ_CAPACITY16_LENGTH).encode(),
        READ_CAPACITY16_LENGTH,
    )
    return parse_read_capacity16(data)


async def body(args: argparse.Namespace, out: common.Output) -> int:
    """Log in, check the LUN exists, READ CAPACITY (16), print."""
    async with common.open_lun(args) as session:
        rc = await read_capacity16(session)
    out.lines(format_read_capacity16(rc, size_only=args.size))
    if out.json:
        out.data.update(common.jsonable(rc))
        out.data["total_size"] = total_size(rc)
    return common.EXIT_OK


TOOL = common.Tool(
    PROG,
    "Send READ CAPACITY (16) to an iSCSI LUN and print the capacity fields.",
    add_options,
    body,
    uvloop=False,
)


def build_parser() -> common.ToolArgumentParser:
    """The command line: ``[-s] [-i IQN] [-d N] [--json] <iscsi-url>``."""
    return TOOL.parser()


def main(argv: list[str] | None = None) -> int:
    """Run iscsi-readcapacity16 with ``argv`` (default: the command line); return the status."""
    return TOOL.main(argv)


if __name__ == "__main__":
    sys.exit(main())
