"""iscsi-pr: persistent reservations, sg_persist style, as libiscsi's iscsi-pr.

PR IN: ``-k`` read keys (the default), ``-r`` read reservation, ``-c`` report capabilities,
``-s`` read full status (libiscsi cannot). PR OUT with ``-K`` reservation key and ``-S``
service action reservation key (both hex) and ``-T`` type: ``-G`` register, ``-R`` reserve,
``-L`` release, ``-C`` clear, ``-P`` preempt, ``-X`` preempt and remove; libiscsi has these
log in, register SARK first, act, and unregister again where it says so, and so do we. Added
(libiscsi has them disabled): ``-A`` preempt and abort, ``-I`` register and ignore existing
key, ``-M`` register and move (``--move-to`` the TransportID, ``--relative-target-port``).

Output lines are libiscsi's. Differences: a failed PR OUT is one line on stderr and exit
status 10 (libiscsi prints it and exits 0); REPORT CAPABILITIES names each type in its type
mask by the bit SPC-5 gives it (libiscsi's mask names are shuffled).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pyiscsi import Session
from pyiscsi.errors import SCSIStatusError
from pyiscsi.scsi import cdb, pr
from pyiscsi.scsi.opcodes import PersistentReserveInServiceAction as In
from pyiscsi.scsi.opcodes import PersistentReserveOutServiceAction as Out
from pyiscsi.tools import common

PROG = "iscsi-pr"

READ_KEYS, READ_RESERVATION = In.READ_KEYS, In.READ_RESERVATION
REPORT_CAPABILITIES, READ_FULL_STATUS = In.REPORT_CAPABILITIES, In.READ_FULL_STATUS
REGISTER, RESERVE, RELEASE, CLEAR = Out.REGISTER, Out.RESERVE, Out.RELEASE, Out.CLEAR
PREEMPT, PREEMPT_AND_ABORT = Out.PREEMPT, Out.PREEMPT_AND_ABORT
REGISTER_AND_IGNORE, REGISTER_AND_MOVE = Out.REGISTER_AND_IGNORE_EXISTING_KEY, Out.REGISTER_AND_MOVE
PR_IN_LENGTH = 1024

TYPE_NAMES = {
    1: "Write Exclusive",
    3: "Exclusive Access",
    5: "Write Exclusive, Registrants Only",
    6: "Exclusive Access Registrants Only",
    7: "Write Exclusive, All Registrants",
    8: "Exclusive Access, All Registrants",
}
#: REPORT CAPABILITIES type-mask fields in the order libiscsi prints them, with their type.
TYPE_MASK = (
    ("ex_ac_ar", 8),
    ("wr_ex", 1),
    ("ex_ac", 3),
    ("wr_ex_ro", 5),
    ("ex_ac_ro", 6),
    ("wr_ex_ar", 7),
)
SA_NAMES: dict[int, str] = {
    REGISTER: "register",
    RESERVE: "reserve",
    RELEASE: "release",
    CLEAR: "clear",
    PREEMPT: "preempt",
    PREEMPT_AND_ABORT: "preempt-and-abort",
    REGISTER_AND_IGNORE: "register-and-ignore-existing-key",
    REGISTER_AND_MOVE: "register-and-move",
}


def type_name(value: int | None) -> str:
    """libiscsi's name of a reservation type (``UNKNOWN`` for others)."""
    return TYPE_NAMES.get(value or 0, "UNKNOWN")


def hex_key(text: str) -> int:
    """A reservation key in hex (``0x`` optional), as libiscsi's ``%SCNx64``."""
    try:
        value = int(text, 16)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a hex key, not {text!r}") from None
    if not 0 <= value < 1 << 64:
        raise argparse.ArgumentTypeError(f"key {text} does not fit in 64 bits")
    return value


# ---------------------------------------------------------------------------- formatting


def format_read_keys(rk: pr.ReadKeys) -> list[str]:
    """``  PR generation=0x.., N registered reservation keys follow:`` and the keys."""
    keys = rk.reservation_keys
    return [
        f"  PR generation=0x{rk.prgeneration or 0:x}, {len(keys)} registered reservation "
        "keys follow:",
        *(f"    0x{key:x}" for key in keys),
    ]


def format_read_reservation(rr: pr.ReadReservation) -> list[str]:
    """``  PR generation=0x.., Reservation follows:`` and the holder's key, scope and type."""
    lines = [f"  PR generation=0x{rr.prgeneration or 0:x}, Reservation follows:"]
    if rr.reservation_key is None:
        return lines
    lines.append(f"    Key=0x{rr.reservation_key:x}")
    scope = "LU_SCOPE" if not rr.scope else str(rr.scope)
    lines.append(f"    scope: {scope},  type: {type_name(rr.type)}")
    return lines


def format_report_capabilities(rc: pr.ReportCapabilities) -> list[str]:
    """The REPORT CAPABILITIES lines."""

    def bit(value: bool | int | None) -> str:
        return f"0x{int(value or 0):x}"

    lines = [
        "Report capabilities response:",
        f"  Compatible Reservation Handling(CRH): {bit(rc.crh)}",
        f"  Specify Initiator Ports Capable(SIP_C): {bit(rc.sip_c)}",
        f"  All Target Ports Capable(ATP_C): {bit(rc.atp_c)}",
        f"  Persist Through Power Loss Capable(PTPL_C): {bit(rc.ptpl_c)}",
        f"  Type Mask Valid(TMV): {bit(rc.tmv)}",
        f"  Allow Commands: {bit(rc.allow_commands)}",
        f"  Persist Through Power Loss Active(PTPL_A): {bit(rc.ptpl_a)}",
        "    Support indicated in Type mask:",
    ]
    lines += [f"      {name}" for name in supported_types(rc)]
    return lines


def supported_types(rc: pr.ReportCapabilities) -> list[str]:
    """The names of the reservation types set in the type mask, in libiscsi's order."""
    return [TYPE_NAMES[kind] for field, kind in TYPE_MASK if getattr(rc, field)]


def format_read_full_status(fs: pr.ReadFullStatus) -> list[str]:
    """READ FULL STATUS: each registration, its I_T nexus and whether it holds the reservation."""
    lines = [
        f"  PR generation=0x{fs.prgeneration or 0:x}, {len(fs.descriptors)} registrations follow:"
    ]
    for d in fs.descriptors:
        lines.append(f"    Key=0x{d.reservation_key:x}")
        lines.append(
            f"      All target ports: {int(d.all_tg_pt)}, Reservation holder: {int(d.r_holder)}"
        )
        if d.r_holder:
            scope = "LU_SCOPE" if not d.scope else str(d.scope)
            lines.append(f"      scope: {scope},  type: {type_name(d.type)}")
        lines.append(f"      Relative port address: 0x{d.relative_target_port_identifier:x}")
        tid = d.transport_id
        if tid is not None and tid.iscsi_name is not None:
            isid = f",i,{tid.isid}" if tid.isid else ""
            lines.append(f"      Transport Id of initiator: {tid.iscsi_name}{isid}")
    return lines


# ---------------------------------------------------------------------------- commands


async def pr_in(session: Session, action: int) -> tuple[list[str], dict[str, Any]]:
    """PERSISTENT RESERVE IN ``action``, asking again if 1024 bytes were not enough."""
    length = PR_IN_LENGTH
    for _ in range(2):
        command = cdb.PersistentReserveIn(service_action=action, allocation_length=length)
        try:
            result = await session.execute(command.encode(), data_in=length)
        except SCSIStatusError as exc:
            raise common.scsi_failure("PR IN command", exc) from None
        data = bytes(result.data)
        if action == REPORT_CAPABILITIES or len(data) < 8:
            break
        wanted = int.from_bytes(data[4:8], "big") + 8
        if wanted <= length:
            break
        length = min(wanted, 0xFFFF)
    if action == READ_KEYS:
        rk = pr.parse_read_keys(data)
        return format_read_keys(rk), {"generation": rk.prgeneration, "keys": rk.reservation_keys}
    if action == READ_RESERVATION:
        rr = pr.parse_read_reservation(data)
        doc: dict[str, Any] = {"generation": rr.prgeneration, "reservation": None}
        if rr.reservation_key is not None:
            doc["reservation"] = {
                "key": rr.reservation_key,
                "scope": rr.scope,
                "type": rr.type,
                "type_name": type_name(rr.type),
            }
        return format_read_reservation(rr), doc
    if action == REPORT_CAPABILITIES:
        rc = pr.parse_report_capabilities(data)
        doc = common.jsonable(rc)
        doc["types"] = supported_types(rc)
        return format_report_capabilities(rc), doc
    fs = pr.parse_read_full_status(data)
    return format_read_full_status(fs), {
        "generation": fs.prgeneration,
        "registrations": common.jsonable(fs.descriptors),
    }


async def pr_out(
    session: Session, action: int, type_: int, key: int, sa_key: int, data: bytes | None = None
) -> None:
    """PERSISTENT RESERVE OUT ``action``; a failure raises ToolError naming the action."""
    params = data if data is not None else pr.pr_out_parameter_list(key, sa_key)
    command = cdb.PersistentReserveOut(
        service_action=action, type=type_, parameter_list_length=len(params)
    ).encode()
    try:
        await session.execute(command, data_out=params)
    except SCSIStatusError as exc:
        raise common.ToolError(f"PR OUT command [{SA_NAMES[action]}] failed: {exc}") from None


async def do_pr_out(session: Session, args: argparse.Namespace) -> None:
    """libiscsi's sequence: register SARK, then the action, then unregister where it does."""
    action, type_, rk, sark = args.action, args.type, args.rk, args.sark
    if action == REGISTER_AND_IGNORE:
        await pr_out(session, action, type_, 0, sark)
        return
    await pr_out(session, REGISTER, type_, 0, sark)
    if action == REGISTER:
        return
    try:
        if action == CLEAR:
            await pr_out(session, CLEAR, type_, sark, sark)
            return
        if action == RESERVE:
            await pr_out(session, RESERVE, type_, sark, sark)
            return
        if action == REGISTER_AND_MOVE:
            tid = _transport_id(args.move_to)
            data = pr.register_and_move_parameter_list(sark, rk, args.relative_target_port, tid)
            await pr_out(session, REGISTER_AND_MOVE, type_, sark, rk, data)
            return
        if action in (PREEMPT, PREEMPT_AND_ABORT):
            await pr_out(session, action, type_, sark, rk)
            if not args.remove:
                return
        await pr_out(session, RELEASE, type_, sark, sark)
    except common.ToolError:
        await _unregister(session, type_, sark)
        raise
    await _unregister(session, type_, sark)


async def _unregister(session: Session, type_: int, sark: int) -> None:
    await pr_out(session, REGISTER, type_, sark, 0)


def _transport_id(text: str | None) -> bytes:
    if not text:
        raise common.UsageError("-M/--register-move needs --move-to <iscsi-name>[,i,0x<isid>]")
    name, sep, isid = text.partition(",i,")
    try:
        return pr.iscsi_transport_id(name, int(isid, 16) if sep else None)
    except ValueError as exc:
        raise common.UsageError(f"--move-to {text!r}: {exc}") from None


def add_options(parser: common.ToolArgumentParser) -> None:
    """sg_persist-style options (see the module docstring)."""
    parser.add_argument(
        "-K", "--param-rk", dest="rk", type=hex_key, default=0, help="PR OUT: reservation key (hex)"
    )
    parser.add_argument(
        "-S",
        "--param-sark",
        dest="sark",
        type=hex_key,
        default=0,
        help="PR OUT: service action reservation key (hex)",
    )
    parser.add_argument(
        "-T",
        "--prout-type",
        dest="type",
        type=common.count_argument,
        default=0,
        help="PR OUT: type (1 WE, 3 EA, 5/6 registrants only, 7/8 all registrants)",
    )
    ops = parser.add_mutually_exclusive_group()
    for short, long, kind, value, text in (
        ("-G", "--register", "out", REGISTER, "register SARK"),
        ("-R", "--reserve", "out", RESERVE, "register SARK and reserve with it"),
        ("-L", "--release", "out", RELEASE, "register SARK, release, unregister"),
        ("-C", "--clear", "out", CLEAR, "register SARK and clear every registration"),
        ("-P", "--preempt", "out", PREEMPT, "register SARK and preempt RK"),
        ("-X", "--preempt-remove", "out", -PREEMPT - 1, "preempt RK, release, unregister"),
        ("-A", "--preempt-abort", "out", PREEMPT_AND_ABORT, "register SARK, preempt and abort RK"),
        (
            "-I",
            "--register-ignore",
            "out",
            REGISTER_AND_IGNORE,
            "register and ignore existing key (SARK)",
        ),
        ("-M", "--register-move", "out", REGISTER_AND_MOVE, "register and move to --move-to"),
        ("-k", "--read-keys", "in", READ_KEYS, "read keys (default)"),
        ("-r", "--read-reservation", "in", READ_RESERVATION, "read reservation"),
        ("-c", "--report-capabilities", "in", REPORT_CAPABILITIES, "report capabilities"),
        ("-s", "--read-full-status", "in", READ_FULL_STATUS, "read full status"),
    ):
        ops.add_argument(
            short,
            long,
            dest="op",
            action="store_const",
            const=(kind, value),
            help=f"PR {kind.upper()}: {text}",
        )
    parser.add_argument(
        "--move-to",
        metavar="NAME[,i,0xISID]",
        default=None,
        help="-M: the iSCSI initiator to move the reservation to",
    )
    parser.add_argument(
        "--relative-target-port",
        type=common.count_argument,
        default=1,
        help="-M: relative target port identifier (1)",
    )
    parser.add_argument("url", help="iscsi://[user[%%password]@]host[:port]/target-iqn/lun")


async def body(args: argparse.Namespace, out: common.Output) -> int:
    """Log in and run the one operation asked for."""
    kind, value = args.op or ("in", READ_KEYS)
    args.remove = value == -PREEMPT - 1
    args.action = PREEMPT if args.remove else value
    async with common.open_lun(args) as session:
        if kind == "in":
            lines, doc = await pr_in(session, args.action)
            out.lines(lines)
            out.data.update(doc)
        else:
            await do_pr_out(session, args)
            out.data.update(
                action=SA_NAMES[args.action],
                type=args.type,
                rk=args.rk,
                sark=args.sark,
                status="GOOD",
            )
    return common.EXIT_OK


TOOL = common.Tool(
    PROG,
    "Persistent reservations of an iSCSI LUN (sg_persist style).",
    add_options,
    body,
    uvloop=False,
)


def main(argv: list[str] | None = None) -> int:
    """Run iscsi-pr with ``argv`` (default: the command line); returns the exit status."""
    return TOOL.main(argv)


if __name__ == "__main__":
    sys.exit(main())
