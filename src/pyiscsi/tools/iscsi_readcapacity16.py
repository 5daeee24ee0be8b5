"""iscsi-readcapacity16: send READ CAPACITY (16) to a LUN and print the fields.

Output matches libiscsi's ``iscsi-readcapacity16`` line for line; ``-s`` prints only the size
in bytes.
"""

from __future__ import annotations

import asyncio
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


def build_parser() -> common.ToolArgumentParser:
    """The command line: ``[-s] [-i IQN] [-d N] <iscsi-url>``."""
    parser = common.make_parser(
        PROG, "Send READ CAPACITY (16) to an iSCSI LUN and print the capacity fields."
    )
    parser.add_argument("-s", "--size", action="store_true", help="print the size in bytes only")
    parser.add_argument("url", help="iscsi://[user[%%password]@]host[:port]/target-iqn/lun")
    return parser


async def read_capacity16(url: str, initiator_name: str) -> ReadCapacity16Data:
    """Log in to ``url``, run READ CAPACITY (16) and return the parsed parameter data."""
    async with pyiscsi.connect(url, initiator_name=initiator_name) as session:
        data = await common.execute(
            session,
            "READ CAPACITY(16)",
            cdb.ReadCapacity16(allocation_length=READ_CAPACITY16_LENGTH).encode(),
            READ_CAPACITY16_LENGTH,
        )
    return parse_read_capacity16(data)


def _main(argv: list[str] | None) -> int:
    args = common.parse_args(build_parser(), argv)
    common.setup_logging(common.debug_level(args.debug))
    rc = asyncio.run(read_capacity16(args.url, args.initiator_name))
    common.write_lines(format_read_capacity16(rc, size_only=args.size))
    return common.EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Run iscsi-readcapacity16 with ``argv`` (default: the command line); return the status."""
    return common.run(lambda: _main(argv), prog=PROG)


if __name__ == "__main__":
    sys.exit(main())
