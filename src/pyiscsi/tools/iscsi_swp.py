"""iscsi-swp: show, or turn on or off, the software write protect (SWP) of a LUN.

As libiscsi's: MODE SENSE (10) of the Control mode page, ``SWP:<0|1>``, and with ``-s on|off``
``Turning SWP ON|OFF`` and a MODE SELECT (10) of the changed page. Failures are one line on
stderr (libiscsi prints some on stdout).
"""

from __future__ import annotations

import argparse
import sys

from pyiscsi import Session
from pyiscsi.errors import SCSIStatusError
from pyiscsi.scsi import cdb
from pyiscsi.scsi.mode import Control, ModeParameters, marshal_mode_select10, parse_mode_sense10
from pyiscsi.tools import common

PROG = "iscsi-swp"
CONTROL_PAGE = 0x0A
MODE_SENSE_LENGTH = 255


def swp_argument(text: str) -> bool:
    """``on`` or ``off`` (any case) -> True or False."""
    value = text.lower()
    if value not in ("on", "off"):
        raise argparse.ArgumentTypeError(f"expected on or off, not {text!r}")
    return value == "on"


async def control_page(session: Session) -> Control:
    """MODE SENSE (10), current values of the Control mode page (no block descriptors)."""
    command = cdb.ModeSense10(
        dbd=True, pc=0, page_code=CONTROL_PAGE, allocation_length=MODE_SENSE_LENGTH
    ).encode()
    data = await common.execute(session, "MODE_SENSE10", command, MODE_SENSE_LENGTH)
    page = parse_mode_sense10(data).page(CONTROL_PAGE)
    if not isinstance(page, Control) or page.swp is None:
        raise common.ToolError("failed to read control mode page")
    return page


async def set_swp(session: Session, page: Control, swp: bool) -> None:
    """MODE SELECT (10) of ``page`` with SWP set to ``swp`` (PS cleared, as MODE SELECT wants)."""
    page.swp = swp
    page.ps = False
    data = marshal_mode_select10(ModeParameters(pages=[page]))
    command = cdb.ModeSelect10(pf=True, parameter_list_length=len(data)).encode()
    try:
        await session.execute(command, data_out=data)
    except SCSIStatusError as exc:
        raise common.scsi_failure("MODE_SELECT10", exc) from None


def add_options(parser: common.ToolArgumentParser) -> None:
    """``[-s on|off] <iscsi-url>``."""
    parser.add_argument(
        "-s",
        "--swp",
        metavar="{on|off}",
        type=swp_argument,
        default=None,
        help="turn software write protect on or off",
    )
    parser.add_argument("url", help="iscsi://[user[%%password]@]host[:port]/target-iqn/lun")


async def body(args: argparse.Namespace, out: common.Output) -> int:
    """Show SWP; with -s change it."""
    async with common.open_lun(args) as session:
        page = await control_page(session)
        before = bool(page.swp)
        out.line(f"SWP:{int(before)}")
        out.data["swp"] = before
        if args.swp is not None:
            out.line(f"Turning SWP {'ON' if args.swp else 'OFF'}")
            await set_swp(session, page, args.swp)
            out.data["swp"] = args.swp
            out.data["previous_swp"] = before
    return common.EXIT_OK


TOOL = common.Tool(
    PROG,
    "Show or set the software write protect of an iSCSI LUN.",
    add_options,
    body,
    uvloop=False,
)


def main(argv: list[str] | None = None) -> int:
    """Run iscsi-swp with ``argv`` (default: the command line); returns the exit status."""
    return TOOL.main(argv)


if __name__ == "__main__":
    sys.exit(main())
