"""The new tools' pure parts on hand-built data: iscsi-rtpg decoding (tgtd has no REPORT TARGET
PORT GROUPS, so this is where it is tested), iscsi-pr lines, iscsi-dd's summary, the progress
bar, byte ranges, the in-order sequencer, option parsing, ``python -m pyiscsi``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyiscsi.__main__ import main as pyiscsi_main
from pyiscsi.errors import CheckConditionError, NegotiationError
from pyiscsi.scsi import pr
from pyiscsi.scsi.reports import parse_report_target_port_groups
from pyiscsi.scsi.sense import Sense, SenseKey
from pyiscsi.tools import (
    TOOLS,
    blockio,
    common,
    iscsi_dd,
    iscsi_perf,
    iscsi_pr,
    iscsi_rtpg,
    iscsi_swp,
    progress,
)


def rtpg_data() -> bytes:
    """Two target port groups laid out as SPC-5 6.36 says (length-only header)."""
    group1 = bytes([0x80 | 0x0, 0x0F, 0x00, 0x01, 0, 0x00, 0, 2]) + bytes([0, 0, 0, 1, 0, 0, 0, 2])
    group2 = bytes([0x02, 0x8F, 0x00, 0x02, 0, 0x02, 0, 1]) + bytes([0, 0, 0, 3])
    body = group1 + group2
    return len(body).to_bytes(4, "big") + body


def test_rtpg_lines() -> None:
    rtpg = parse_report_target_port_groups(rtpg_data())
    assert iscsi_rtpg.format_rtpg(rtpg) == [
        "RTPG retrieved 2 groups",
        "Group 0x0001: preferred 1, format 0x00, ALUA state ACTIVE-OPTIMIZED,flags 0x0f, "
        "status code 0x00, port count 2",
        "Ports: [ 0x1 0x2]",
        "Group 0x0002: preferred 0, format 0x00, ALUA state STANDBY,flags 0x8f, "
        "status code 0x02, port count 1",
        "Ports: [ 0x3]",
    ]


def test_rtpg_json() -> None:
    doc = iscsi_rtpg.rtpg_json(parse_report_target_port_groups(rtpg_data()))
    assert json.loads(json.dumps(doc))["groups"][1] == {
        "target_port_group": 2,
        "preferred": False,
        "alua_state": "STANDBY",
        "asymmetric_access_state": 2,
        "flags": 0x8F,
        "status_code": 2,
        "port_count": 1,
        "ports": [3],
    }


def test_rtpg_extended_header_and_unknown_state() -> None:
    body = bytes([0x10, 5]) + bytes(2) + bytes([0x07, 0, 0, 9, 0, 0, 0, 0])
    rtpg = parse_report_target_port_groups(len(body).to_bytes(4, "big") + body)
    assert iscsi_rtpg.format_rtpg(rtpg)[1:] == [
        "Group 0x0009: preferred 0, format 0x01, ALUA state unknown,flags 0x00, "
        "status code 0x00, port count 0",
        "Ports: []",
    ]


def test_pr_read_keys_and_reservation_lines() -> None:
    keys = pr.ReadKeys(prgeneration=3, reservation_keys=[0xABC, 0x1])
    assert iscsi_pr.format_read_keys(keys) == [
        "  PR generation=0x3, 2 registered reservation keys follow:",
        "    0xabc",
        "    0x1",
    ]
    none = pr.ReadReservation(prgeneration=4)
    assert iscsi_pr.format_read_reservation(none) == ["  PR generation=0x4, Reservation follows:"]
    held = pr.ReadReservation(prgeneration=5, reservation_key=0xABC, scope=0, type=3)
    assert iscsi_pr.format_read_reservation(held)[1:] == [
        "    Key=0xabc",
        "    scope: LU_SCOPE,  type: Exclusive Access",
    ]


def test_pr_capabilities_name_each_mask_bit() -> None:
    caps = pr.ReportCapabilities(tmv=True, wr_ex=True, ex_ac_ar=True)
    lines = iscsi_pr.format_report_capabilities(caps)
    assert lines[-3:] == [
        "    Support indicated in Type mask:",
        "      Exclusive Access, All Registrants",
        "      Write Exclusive",
    ]


@pytest.mark.parametrize(("text", "value"), [("abc", 0xABC), ("0xABC", 0xABC), ("0", 0)])
def test_pr_keys_are_hex(text: str, value: int) -> None:
    args = iscsi_pr.TOOL.parse(["-R", "-S", text, "-T", "5", "iscsi://h/iqn.x:y/1"])
    assert (args.sark, args.type, args.op) == (value, 5, ("out", iscsi_pr.RESERVE))


def test_pr_one_operation_only() -> None:
    with pytest.raises(common.UsageError, match="not allowed with"):
        iscsi_pr.TOOL.parse(["-k", "-r", "iscsi://h/iqn.x:y/1"])


def test_swp_argument() -> None:
    assert iscsi_swp.TOOL.parse(["-s", "ON", "iscsi://h/iqn.x:y/1"]).swp is True
    assert iscsi_swp.TOOL.parse(["--swp", "off", "iscsi://h/iqn.x:y/1"]).swp is False
    with pytest.raises(common.UsageError, match="on or off"):
        iscsi_swp.TOOL.parse(["-s", "1", "iscsi://h/iqn.x:y/1"])


def test_dd_options_keep_libiscsi_letters() -> None:
    args = iscsi_dd.TOOL.parse(
        ["-s", "iscsi://h/iqn.x:y/1", "--dst", "-", "-6", "-x", "-m", "4", "-b", "64", "-n"]
    )
    assert (args.src, args.dst, args.use16, args.xcopy, args.max, args.blocks) == (
        "iscsi://h/iqn.x:y/1",
        "-",
        True,
        True,
        4,
        64,
    )
    assert args.ignore_errors and args.debug is None
    assert iscsi_dd.TOOL.parse(["-s", "a", "--dst", "b", "--debug"]).debug == 1
    assert iscsi_dd.TOOL.parse(["-s", "a", "-d", "b"]).dst == "b"  # -d is --dst, as in libiscsi


def test_dd_summary_like_libiscsi() -> None:
    assert iscsi_dd.format_summary(16384, 512, 0.5) == (
        "16384 blocks (512 sized) copied in 0.5 seconds, 16M/s."
    )
    assert iscsi_dd.format_summary(10, 512, 1.0) == (
        "10 blocks (512 sized) copied in 1 seconds, 5K/s."
    )


def test_perf_options_and_random_lba_is_real() -> None:
    args = iscsi_perf.TOOL.parse(["-x", "3", "-l", "-r", "-t", "0", "iscsi://h/iqn.x:y/1"])
    assert (args.max_reconnects, args.logging, args.random, args.runtime) == (3, True, True, 0)
    perf = iscsi_perf.Perf(object(), blockio.Geometry(1000, 512), args)  # type: ignore[arg-type]
    for _ in range(50):
        lba, blocks = perf._next()
        assert perf.pos == lba and 0 <= lba < 1000 and 1 <= blocks <= 8 and lba + blocks <= 1000


def test_session_options_max_reconnects() -> None:
    args = iscsi_perf.TOOL.parse(["-x", "0", "--timeout", "5", "iscsi://h/iqn.x:y/1"])
    options = common.session_options(args)
    assert options["reconnect_timeout"] == 5.0 and options["login_timeout"] == 5.0
    assert options["max_reconnects"] == 0 and "reconnect" not in options
    args = iscsi_perf.TOOL.parse(["-x", "3", "iscsi://h/iqn.x:y/1"])
    assert common.session_options(args)["max_reconnects"] == 3


@given(st.integers(1, 64), st.integers(0, 200), st.integers(1, 300))
def test_chunks_cover_the_range(per: int, first: int, count: int) -> None:
    pieces = list(blockio.chunks(first, count, per))
    assert sum(blocks for _, blocks in pieces) == count
    assert all(0 < blocks <= per for _, blocks in pieces)
    assert [lba for lba, _ in pieces] == [first + i * per for i in range(len(pieces))]


def test_byte_range() -> None:
    geo = blockio.Geometry(100, 512)
    assert blockio.byte_range(0, 0, geo) == (0, 100)
    assert blockio.byte_range(1024, 1024, geo) == (2, 2)
    assert blockio.byte_range(1024, 10**9, geo) == (2, 98)
    with pytest.raises(common.ToolError, match="not a multiple"):
        blockio.byte_range(100, 0, geo)
    with pytest.raises(common.ToolError, match="exceeds the capacity"):
        blockio.byte_range(512 * 101, 0, geo)


def test_pool_keeps_order_where_asked_and_raises_the_first_error() -> None:
    async def scenario() -> list[int]:
        seq = blockio.Sequencer()
        done: list[int] = []

        async def work(index: int, lba: int, blocks: int) -> None:
            await asyncio.sleep(0 if index % 2 else 0.001)  # odd pieces would overtake
            async with seq.turn(index):
                done.append(lba)

        await blockio.run_pool(blockio.chunks(0, 40, 4), work, 5)
        return done

    assert asyncio.run(scenario()) == list(range(0, 40, 4))

    async def failing(index: int, lba: int, blocks: int) -> None:
        if index == 3:
            raise common.ToolError("piece 3")

    with pytest.raises(common.ToolError, match="piece 3"):
        asyncio.run(blockio.run_pool(blockio.chunks(0, 40, 4), failing, 3))


def test_progress_bar_only_on_a_terminal() -> None:
    quiet = io.StringIO()
    bar = progress.Progress(1000, stream=quiet)
    bar.advance(500)
    bar.close()
    assert quiet.getvalue() == ""
    now = [0.0]
    shown = io.StringIO()
    bar = progress.Progress(4_000_000, stream=shown, enabled=True, clock=lambda: now[0])
    now[0] = 1.0
    bar.advance(1_000_000)
    now[0] = 2.0
    bar.advance(1_000_000)
    bar.close()
    text = shown.getvalue()
    assert text.endswith("\n")
    assert "[###############...............]  50% 2.0 MB of 4.0 MB  1.0 MB/s  ETA 0:00:02" in text


def test_progress_render_edges() -> None:
    assert progress.render(0, 0, 0.0).startswith("[" + "#" * progress.WIDTH + "] 100%")
    assert progress.render(0, 100, 0.0).endswith("ETA -:--:--")
    assert progress.format_duration(3725) == "1:02:05"


def test_every_tool_has_a_script_and_a_main() -> None:
    assert set(TOOLS) == {
        "iscsi-dd", "iscsi-discard", "iscsi-inq", "iscsi-ls", "iscsi-md5sum", "iscsi-perf",
        "iscsi-pr", "iscsi-readcapacity16", "iscsi-rtpg", "iscsi-swp", "iscsi-test",
    }  # fmt: skip


def test_python_m_pyiscsi_dispatch(capsys: pytest.CaptureFixture[str]) -> None:
    assert pyiscsi_main(["swp", "--help"]) == 0
    assert "--swp" in capsys.readouterr().out
    assert pyiscsi_main(["iscsi-rtpg"]) == common.EXIT_USAGE  # no URL
    assert "iscsi-rtpg: " in capsys.readouterr().err
    assert pyiscsi_main([]) == 2
    assert pyiscsi_main(["bogus"]) == 2


def test_json_output_collects_and_prints_once() -> None:
    stream = io.StringIO()
    out = common.Output(json_mode=True, stream=stream)
    out.line("not printed")
    out.data.update(key=b"\x01\x02", nested=blockio.Geometry(2, 512))
    out.finish()
    assert json.loads(stream.getvalue()) == {
        "key": "0102",
        "nested": {"blocks": 2, "block_size": 512},
    }


@pytest.mark.parametrize(
    ("key", "hint"), [("HeaderDigest", "header_digest"), ("DataDigest", "data_digest")]
)
def test_refused_digest_says_how_to_allow_none(key: str, hint: str) -> None:
    exc = NegotiationError(f"target answered {key}=None, which is not one of the offered values")
    line = common.error_line(exc)
    assert line.startswith("login failed: target answered")
    assert line.endswith(f"to allow none, ask for {hint}=crc32c,none in the URL)")


def test_write_protected_is_said_plainly() -> None:
    sense = Sense(response_code=0x70, deferred=False, valid=True, key=SenseKey(7), asc=0x27)
    line = common.scsi_failure("WRITE(10) at LBA 0", CheckConditionError(sense))
    assert str(line).startswith("WRITE(10) at LBA 0 failed: the LUN is write protected")


class _RecordingSession:
    """Records PERSISTENT RESERVE OUT commands: (service action, type, key, SA key)."""

    def __init__(self, fail_action: int | None = None) -> None:
        self.sent: list[tuple[int, int, int, int]] = []
        self.fail_action = fail_action

    async def execute(self, cdb: bytes, *, data_out: bytes, **_: object) -> None:
        action, type_ = cdb[1] & 0x1F, cdb[2] & 0x0F
        self.sent.append(
            (
                action,
                type_,
                int.from_bytes(data_out[0:8], "big"),
                int.from_bytes(data_out[8:16], "big"),
            )
        )
        if action == self.fail_action:
            raise CheckConditionError(None)


def _pr_out(argv: list[str], fail_action: int | None = None) -> list[tuple[int, int, int, int]]:
    args = iscsi_pr.TOOL.parse([*argv, "iscsi://h/iqn.x:y/1"])
    _, value = args.op
    args.remove = value == -iscsi_pr.PREEMPT - 1
    args.action = iscsi_pr.PREEMPT if args.remove else value
    session = _RecordingSession(fail_action)
    with contextlib.suppress(common.ToolError):
        asyncio.run(iscsi_pr.do_pr_out(session, args))  # type: ignore[arg-type]
    return session.sent


def test_pr_out_sequences_are_libiscsis() -> None:
    reg, res, rel, clr, pre = 0, 1, 2, 3, 4
    assert _pr_out(["-G", "-S", "a"]) == [(reg, 0, 0, 0xA)]
    assert _pr_out(["-R", "-S", "a", "-T", "5"]) == [(reg, 5, 0, 0xA), (res, 5, 0xA, 0xA)]
    assert _pr_out(["-L", "-S", "a", "-T", "7"]) == [
        (reg, 7, 0, 0xA), (rel, 7, 0xA, 0xA), (reg, 7, 0xA, 0),
    ]  # fmt: skip
    assert _pr_out(["-C", "-S", "a"]) == [(reg, 0, 0, 0xA), (clr, 0, 0xA, 0xA)]
    assert _pr_out(["-P", "-K", "b", "-S", "a", "-T", "1"]) == [
        (reg, 1, 0, 0xA), (pre, 1, 0xA, 0xB),
    ]  # fmt: skip
    assert _pr_out(["-X", "-K", "b", "-S", "a", "-T", "1"]) == [
        (reg, 1, 0, 0xA), (pre, 1, 0xA, 0xB), (rel, 1, 0xA, 0xA), (reg, 1, 0xA, 0),
    ]  # fmt: skip
    assert _pr_out(["-I", "-S", "a"]) == [(6, 0, 0, 0xA)]
    # a failed RESERVE unregisters the key it registered
    assert _pr_out(["-R", "-S", "a", "-T", "1"], fail_action=res) == [
        (reg, 1, 0, 0xA), (res, 1, 0xA, 0xA), (reg, 1, 0xA, 0),
    ]  # fmt: skip


def test_pr_register_and_move_needs_a_transport_id() -> None:
    with pytest.raises(common.UsageError, match="--move-to"):
        _pr_out(["-M", "-S", "a"])
    sent = _pr_out(["-M", "-S", "a", "-K", "b", "--move-to", "iqn.x:other,i,0x23d000000001"])
    assert [s[0] for s in sent] == [0, 7]
