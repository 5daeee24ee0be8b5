"""iscsi-ls: list the targets a portal offers (SendTargets discovery), and with ``-s`` their LUNs.

Output matches libiscsi 1.19's ``iscsi-ls`` line for line, including its order (targets and
their portals in the reverse of the order the target sent them) and its size figure
(READ CAPACITY (10)'s last LBA x block length, divided by 1024 while above 1024). One
difference: LUNs of 256 and above are printed with their real number (libiscsi prints the raw
first two bytes of the LUN field, e.g. 16684 for LUN 300).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import pyiscsi
from pyiscsi import ISCSIURL, DiscoveredTarget, Session, TargetPortal
from pyiscsi.scsi import cdb
from pyiscsi.scsi.capacity import (
    ReadCapacity10Data,
    ReadCapacity16Data,
    parse_read_capacity10,
    parse_read_capacity16,
)
from pyiscsi.scsi.inquiry import device_type_name, parse_standard_inquiry
from pyiscsi.scsi.luns import parse_report_luns
from pyiscsi.tools import common

PROG = "iscsi-ls"
DIRECT_ACCESS = 0x00
SIZE_SUFFIXES = " kMGT"


def portal_text(portal: TargetPortal, *, with_tpgt: bool = True) -> str:
    """``host:port,tpgt`` (IPv6 in brackets), as SendTargets' TargetAddress spells it."""
    text = common.format_host_port(portal.host, portal.port)
    if with_tpgt and portal.tpgt is not None:
        return f"{text},{portal.tpgt}"
    return text


def listing_order(
    targets: Sequence[DiscoveredTarget],
) -> Iterable[tuple[DiscoveredTarget, TargetPortal]]:
    """(target, portal) pairs in libiscsi's order: both lists reversed."""
    for target in reversed(targets):
        for portal in reversed(target.portals):
            yield target, portal


def format_target_line(target: DiscoveredTarget, portal: TargetPortal, *, url: bool = False) -> str:
    """``Target:<name> Portal:<host:port,tpgt>``, or with ``url`` ``iscsi://<host:port>/<name>/0``."""
    if url:
        return f"iscsi://{portal_text(portal, with_tpgt=False)}/{target.name}/0"
    return f"Target:{target.name} Portal:{portal_text(portal)}"


def format_size(last_lba: int, block_length: int) -> str:
    """libiscsi's size figure: last LBA x block length, divided by 1024 while above 1024
    (at most four times), with a suffix from `` kMGT``.
    """
    size = last_lba * block_length
    index = 0
    while index < 4 and size > 1024:
        size //= 1024
        index += 1
    return f"{size}{SIZE_SUFFIXES[index]}"


def format_lun_line(
    lun: int,
    peripheral_device_type: int,
    *,
    size: str | None = None,
    no_medium: bool = False,
) -> str:
    """``Lun:<n>   Type:<type>[ (Size:<size>)][ (No media loaded)]`` (LUN left-aligned in 4)."""
    line = f"Lun:{lun:<4d} Type:{device_type_name(peripheral_device_type)}"
    if size is not None:
        line += f" (Size:{size})"
    if no_medium:
        line += " (No media loaded)"
    return line


# ---------------------------------------------------------------------------- the command

REPORT_LUNS_INITIAL_LENGTH = 16
REPORT_LUNS_MAX_LENGTH = 1 << 20  # 131071 LUNs; a larger claim is cut here
INQUIRY_LENGTH = 64
NOT_READY = 0x2
UNIT_ATTENTION = 0x6
MEDIUM_NOT_PRESENT_ASC = 0x3A
MAX_UNIT_ATTENTIONS = 16
READ_CAPACITY10_MAX_LBA = 0xFFFFFFFF


def _session_options(portal_url: ISCSIURL, args: argparse.Namespace) -> dict[str, Any]:
    """Keyword options for :func:`pyiscsi.connect` carrying the portal URL's credentials
    and arguments (kept out of any string, so no secret is ever formatted) and the common
    options.
    """
    options: dict[str, Any] = common.session_options(args)
    for name in (
        "user",
        "password",
        "target_user",
        "target_password",
        "auth",
        "header_digest",
        "data_digest",
    ):
        value = getattr(portal_url, name)
        if value is not None:
            options[name] = value
    return options


async def _test_unit_ready(session: Session, lun: int) -> bool:
    """TEST UNIT READY (retrying past unit attentions); False when no medium is present."""
    for _ in range(MAX_UNIT_ATTENTIONS):
        result = await session.execute(cdb.TestUnitReady().encode(), lun=lun, check=False)
        sense = result.sense
        if result.good:
            return True
        if sense is not None and sense.key == UNIT_ATTENTION:
            continue
        if sense is not None and sense.key == NOT_READY and sense.asc == MEDIUM_NOT_PRESENT_ASC:
            return False
        reason = str(sense) if sense is not None else f"status 0x{result.status:02x}"
        raise common.ToolError(f"TEST UNIT READY to LUN {lun} failed: {reason}")
    raise common.ToolError(f"TEST UNIT READY to LUN {lun} kept reporting UNIT ATTENTION")


async def _last_lba_and_block_length(session: Session, lun: int) -> tuple[int, int]:
    """READ CAPACITY (10); READ CAPACITY (16) when the LBA does not fit in 32 bits."""
    what = f"READ CAPACITY(10) to LUN {lun}"
    data = await common.execute(session, what, cdb.ReadCapacity10().encode(), 8, lun=lun)
    rc: ReadCapacity10Data | ReadCapacity16Data = parse_read_capacity10(data)
    if rc.returned_logical_block_address == READ_CAPACITY10_MAX_LBA:
        what = f"READ CAPACITY(16) to LUN {lun}"
        data = await common.execute(session, what, cdb.ReadCapacity16().encode(), 32, lun=lun)
        rc = parse_read_capacity16(data)
    if rc.returned_logical_block_address is None or rc.logical_block_length is None:
        raise common.ToolError(f"{what} returned only {len(data)} bytes")
    return rc.returned_logical_block_address, rc.logical_block_length


async def describe_lun(session: Session, lun: int) -> str:
    """The ``Lun:`` line for one LUN: TEST UNIT READY, INQUIRY, and for disks the size."""
    medium = await _test_unit_ready(session, lun)
    data = await common.execute(
        session,
        f"INQUIRY to LUN {lun}",
        cdb.Inquiry(allocation_length=INQUIRY_LENGTH).encode(),
        INQUIRY_LENGTH,
        lun=lun,
    )
    device_type = parse_standard_inquiry(data).peripheral_device_type
    if device_type is None:
        raise common.ToolError(f"INQUIRY to LUN {lun} returned no data")
    size = None
    if device_type == DIRECT_ACCESS and medium:
        last_lba, block_length = await _last_lba_and_block_length(session, lun)
        size = format_size(last_lba, block_length)
    return format_lun_line(lun, device_type, size=size, no_medium=not medium)


async def report_luns(session: Session) -> list[int]:
    """REPORT LUNS (16 bytes first, then as much as the LUN LIST LENGTH says): the LUN numbers.

    LUN fields that are not a single LUN number are reported on stderr and left out.
    """
    length = REPORT_LUNS_INITIAL_LENGTH
    while True:
        command = cdb.ReportLuns(allocation_length=length).encode()
        data = await common.execute(session, "REPORT LUNS", command, length)
        wanted = int.from_bytes(data[0:4], "big") + 8 if len(data) >= 4 else len(data)
        wanted = min(wanted, REPORT_LUNS_MAX_LENGTH)
        if wanted <= length or len(data) < length:
            break
        length = wanted
    numbers: list[int] = []
    for lun in parse_report_luns(data).luns:
        if lun.number is None:
            print(f"{PROG}: skipping LUN {lun.raw.hex()}: not a single-level LUN", file=sys.stderr)
        else:
            numbers.append(lun.number)
    return numbers


async def lun_lines(
    portal_url: ISCSIURL, target: DiscoveredTarget, portal: TargetPortal, args: argparse.Namespace
) -> list[str]:
    """Log in to ``target`` through ``portal`` and describe each LUN it reports."""
    async with pyiscsi.connect(
        None,
        host=portal.host,
        port=portal.port,
        target=target.name,
        lun=0,
        **_session_options(portal_url, args),
    ) as session:
        return [await describe_lun(session, lun) for lun in await report_luns(session)]


async def list_targets(args: argparse.Namespace, out: common.Output) -> int:
    """Discover the targets behind ``args.url`` and print them (and with ``-s`` their LUNs).

    A target whose LUNs cannot be listed (a refused login, say) gets an error line on stderr
    and the listing goes on; the status is then non-zero.
    """
    portal_url = pyiscsi.parse_portal_url(args.url)
    options = _session_options(portal_url, args)
    targets = await pyiscsi.discover(args.url, **options)
    failed = 0
    entries: list[dict[str, Any]] = []
    for target, portal in listing_order(targets):
        out.line(format_target_line(target, portal, url=args.urls and not args.show_luns))
        entry: dict[str, Any] = {
            "target": target.name,
            "portal": portal_text(portal),
            "host": portal.host,
            "port": portal.port,
            "tpgt": portal.tpgt,
            "url": format_target_line(target, portal, url=True),
        }
        entries.append(entry)
        if not args.show_luns:
            continue
        if portal.host.lower().startswith("fe80:"):
            print(f"{PROG}: skipping link-local address {portal.host}", file=sys.stderr)
            continue
        try:
            lines = await lun_lines(portal_url, target, portal, args)
        except (pyiscsi.ISCSIError, OSError, common.ToolError) as exc:
            failed += 1
            reason = str(exc) if isinstance(exc, common.ToolError) else common.error_line(exc)
            print(f"{PROG}: {target.name} at {portal_text(portal)}: {reason}", file=sys.stderr)
            entry["error"] = reason
            continue
        out.lines(lines)
        entry["luns"] = [_lun_json(line) for line in lines]
    out.data["targets"] = entries
    return common.EXIT_FAILURE if failed else common.EXIT_OK


def _lun_json(line: str) -> dict[str, Any]:
    """A ``Lun:`` line as JSON fields."""
    head, _, rest = line.partition(" Type:")
    lun = int(head.removeprefix("Lun:").strip())
    kind, _, _ = rest.partition(" (")
    doc: dict[str, Any] = {"lun": lun, "type": kind, "line": line}
    if "(Size:" in line:
        doc["size"] = line.split("(Size:", 1)[1].split(")", 1)[0]
    doc["no_medium"] = "(No media loaded)" in line
    return doc


def add_options(parser: common.ToolArgumentParser) -> None:
    """``[-s] [-U] <iscsi-portal-url>``."""
    parser.add_argument(
        "-s", "--show-luns", action="store_true", help="show the LUNs of each target"
    )
    parser.add_argument(
        "-U",
        "--url",
        dest="urls",
        action="store_true",
        help="print targets as iscsi:// URLs (not together with -s)",
    )
    parser.add_argument("url", help="iscsi://[user[%%password]@]host[:port]")


TOOL = common.Tool(
    PROG,
    "List the targets an iSCSI portal offers (SendTargets).",
    add_options,
    list_targets,
    portal_url=True,
    uvloop=False,
)


def build_parser() -> common.ToolArgumentParser:
    """The command line: ``[-s] [-U] [-i IQN] [-d N] [--json] <iscsi-portal-url>``."""
    return TOOL.parser()


def main(argv: list[str] | None = None) -> int:
    """Run iscsi-ls with ``argv`` (default: the command line); returns the exit status."""
    return TOOL.main(argv)


if __name__ == "__main__":
    sys.exit(main())
