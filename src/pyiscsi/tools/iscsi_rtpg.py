"""iscsi-rtpg: REPORT TARGET PORT GROUPS, printed as libiscsi's iscsi-rtpg does.

``RTPG retrieved N groups``, then per group
``Group 0x0001: preferred 0, format 0x00, ALUA state ACTIVE-OPTIMIZED,flags 0x0f, status code
0x00, port count 1`` and ``Ports: [ 0x1]``. Difference: the fields are decoded as SPC-5 lays
them out (PREF is bit 7 of byte 0, the state its low four bits); libiscsi reads byte 0 through
a C bit-field and so swaps them on little-endian machines. A target without the command
(tgtd) fails with one line saying so.
"""

from __future__ import annotations

import argparse
import sys

from pyiscsi import Session
from pyiscsi.errors import CheckConditionError, SCSIStatusError
from pyiscsi.scsi import cdb
from pyiscsi.scsi.reports import TargetPortGroups, parse_report_target_port_groups
from pyiscsi.tools import common

PROG = "iscsi-rtpg"
INITIAL_LENGTH = 512
INVALID_COMMAND_OPCODE_ASC = 0x20
INVALID_FIELD_IN_CDB_ASC = 0x24

ALUA_STATE_NAMES = {
    0x0: "ACTIVE-OPTIMIZED",
    0x1: "ACTIVE-NONOPTIMIZED",
    0x2: "STANDBY",
    0x3: "UNAVAILABLE",
    0x8: "BLOCK-DEPENDENT",
    0xE: "OFFLINE",
    0xF: "TRANSITIONING",
}


def _flags(group: object) -> int:
    """Byte 1 of a group descriptor (the *_SUP bits) rebuilt from the parsed fields."""
    bits = (
        ("t_sup", 7),
        ("o_sup", 6),
        ("lbd_sup", 4),
        ("u_sup", 3),
        ("s_sup", 2),
        ("an_sup", 1),
        ("ao_sup", 0),
    )
    return sum(1 << bit for name, bit in bits if getattr(group, name))


def format_rtpg(rtpg: TargetPortGroups) -> list[str]:
    """The lines libiscsi's iscsi-rtpg prints."""
    lines = [f"RTPG retrieved {len(rtpg.groups)} groups"]
    fmt = rtpg.format_type or 0
    for g in rtpg.groups:
        state = ALUA_STATE_NAMES.get(g.asymmetric_access_state, "unknown")
        lines.append(
            f"Group 0x{g.target_port_group:04x}: preferred {int(g.pref)}, format 0x{fmt:02x}, "
            f"ALUA state {state},flags 0x{_flags(g):02x}, status code 0x{g.status_code:02x}, "
            f"port count {g.target_port_count}"
        )
        lines.append(
            "Ports: [" + "".join(f" 0x{p:x}" for p in g.relative_target_port_identifiers) + "]"
        )
    return lines


def rtpg_json(rtpg: TargetPortGroups) -> dict[str, object]:
    """The JSON document: the groups with their decoded state."""
    return {
        "format_type": rtpg.format_type,
        "groups": [
            {
                "target_port_group": g.target_port_group,
                "preferred": g.pref,
                "alua_state": ALUA_STATE_NAMES.get(g.asymmetric_access_state, "unknown"),
                "asymmetric_access_state": g.asymmetric_access_state,
                "flags": _flags(g),
                "status_code": g.status_code,
                "port_count": g.target_port_count,
                "ports": list(g.relative_target_port_identifiers),
            }
            for g in rtpg.groups
        ],
    }


async def report_target_port_groups(session: Session) -> TargetPortGroups:
    """REPORT TARGET PORT GROUPS, asking again once with the length the target states."""
    length = INITIAL_LENGTH
    for _ in range(2):
        command = cdb.ReportTargetPortGroups(allocation_length=length).encode()
        try:
            result = await session.execute(command, data_in=length)
        except CheckConditionError as exc:
            sense = exc.sense
            if sense is not None and sense.asc in (
                INVALID_COMMAND_OPCODE_ASC,
                INVALID_FIELD_IN_CDB_ASC,
            ):
                raise common.ToolError(
                    f"the target does not support REPORT TARGET PORT GROUPS (no ALUA): {exc}"
                ) from None
            raise common.scsi_failure("REPORT TARGET PORT GROUPS", exc) from None
        except SCSIStatusError as exc:
            raise common.scsi_failure("REPORT TARGET PORT GROUPS", exc) from None
        data = bytes(result.data)
        full = int.from_bytes(data[0:4], "big") + 4 if len(data) >= 4 else len(data)
        if full <= length:
            return parse_report_target_port_groups(data)
        length = full
    raise common.ToolError(f"the report did not fit in {length} bytes after 2 attempts")


def add_options(parser: common.ToolArgumentParser) -> None:
    """``<iscsi-url>``."""
    parser.add_argument("url", help="iscsi://[user[%%password]@]host[:port]/target-iqn/lun")


async def body(args: argparse.Namespace, out: common.Output) -> int:
    """Log in, REPORT TARGET PORT GROUPS, print."""
    async with common.open_lun(args) as session:
        rtpg = await report_target_port_groups(session)
    out.lines(format_rtpg(rtpg))
    out.data.update(rtpg_json(rtpg))
    return common.EXIT_OK


TOOL = common.Tool(
    PROG,
    "Report the target port groups (ALUA) of an iSCSI LUN.",
    add_options,
    body,
    uvloop=False,
)


def main(argv: list[str] | None = None) -> int:
    """Run iscsi-rtpg with ``argv`` (default: the command line); returns the exit status."""
    return TOOL.main(argv)


if __name__ == "__main__":
    sys.exit(main())
