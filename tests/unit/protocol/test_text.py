"""Text requests: SendTargets answers over many PDUs (F clear + TTT, C bit), and their parsing."""

from __future__ import annotations

import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fake_target import FakeTarget, TargetConfig, exchange
from pyiscsi import errors
from pyiscsi.protocol import pdu as P
from pyiscsi.protocol.login import LoginParameters
from pyiscsi.protocol.session import ConnectionFailed, Session, State, TaskDone
from pyiscsi.protocol.tasks import DiscoveredTarget, ScsiTask, TargetPortal
from pyiscsi.protocol.text import parse_send_targets

INITIATOR = "iqn.2026-11.org.example:initiator"

TARGETS = [
    ("iqn.2026-11.org.example:disk1", ["192.0.2.1:3260,1", "[2001:db8::1]:3260,1"]),
    ("iqn.2026-11.org.example:disk2", ["storage.example.com:3261,2"]),
    ("iqn.2026-11.org.example:tape", []),
]


def discovery(config: TargetConfig) -> tuple[Session, FakeTarget]:
    target = FakeTarget(config)
    conn = Session(LoginParameters(INITIATOR, None))
    task = conn.login()
    exchange(conn, target)
    assert task.error is None and conn.state is State.FULL_FEATURE
    return conn, target


def expected_pairs(targets: list[tuple[str, list[str]]]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for name, portals in targets:
        pairs.append(("TargetName", name))
        pairs += [("TargetAddress", p) for p in portals]
    return pairs


def test_send_targets_in_one_pdu() -> None:
    conn, target = discovery(TargetConfig(send_targets=TARGETS))
    task = conn.text_request([("SendTargets", "All")])
    events = exchange(conn, target)
    assert [e.task for e in events if isinstance(e, TaskDone)] == [task]
    assert task.error is None
    assert task.reply == expected_pairs(TARGETS)
    (req,) = target.of_opcode(P.Opcode.TEXT_REQUEST)
    assert req.pairs == [("SendTargets", "All")]
    assert req.final and not req.cont and req.immediate and req.ttt == P.NO_TAG
    assert parse_send_targets(task.reply) == [
        DiscoveredTarget(
            "iqn.2026-11.org.example:disk1",
            [TargetPortal("192.0.2.1", 3260, 1), TargetPortal("2001:db8::1", 3260, 1)],
        ),
        DiscoveredTarget(
            "iqn.2026-11.org.example:disk2", [TargetPortal("storage.example.com", 3261, 2)]
        ),
        DiscoveredTarget("iqn.2026-11.org.example:tape", []),
    ]
    assert target.violations == []


@pytest.mark.parametrize("split", [1, 7, 29, 30, 64])
def test_send_targets_over_many_pdus(split: int) -> None:
    conn, target = discovery(TargetConfig(send_targets=TARGETS, text_split=split))
    first = conn.cmdsn
    task = conn.text_request([("SendTargets", "All")])
    exchange(conn, target)
    assert task.error is None
    assert task.reply == expected_pairs(TARGETS)
    reqs = target.of_opcode(P.Opcode.TEXT_REQUEST)
    total = len(b"".join(f"{k}={v}\0".encode() for k, v in expected_pairs(TARGETS)))
    assert len(reqs) == -(-total // split)
    # each continuation: the target's TTT, no data, a CmdSN of its own
    # immediate (as libiscsi sends them): each carries the current CmdSN without taking it
    assert all(r.immediate for r in reqs)
    assert [r.cmdsn for r in reqs] == [first] * len(reqs)
    assert conn.cmdsn == first
    assert all(r.itt == task.itt for r in reqs)
    assert all(r.data == b"" and r.ttt != P.NO_TAG for r in reqs[1:])
    assert target.violations == []
    assert conn.tasks_in_flight == 0


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.from_regex(r"iqn\.2026-11\.org\.example:[a-z0-9.-]{1,40}", fullmatch=True),
            st.lists(
                st.sampled_from(
                    ["10.0.0.1:3260,1", "[fe80::2]:3261,7", "h.example,3", "198.51.100.20"]
                ),
                max_size=3,
            ),
        ),
        max_size=6,
    ),
    st.integers(1, 120),
)
def test_send_targets_any_split(targets: list[tuple[str, list[str]]], split: int) -> None:
    conn, target = discovery(TargetConfig(send_targets=targets, text_split=split))
    task = conn.text_request([("SendTargets", "All")])
    exchange(conn, target)
    assert task.error is None
    assert task.reply == expected_pairs(targets)
    found = parse_send_targets(task.reply)
    assert [t.name for t in found] == [name for name, _ in targets]
    assert [len(t.portals) for t in found] == [len(p) for _, p in targets]


def test_text_request_goes_past_a_closed_window() -> None:
    # tgtd never opens a discovery session's window past the login's, so Text Requests are
    # immediate: they go out while a command holds the only slot
    conn, target = discovery(
        TargetConfig(send_targets=TARGETS, cmd_window=1, hold_commands=True, text_split=40)
    )
    scsi = conn.submit_scsi(ScsiTask(cdb=bytes(6)))
    text = conn.text_request([("SendTargets", "All")])
    exchange(conn, target)
    assert text.done and not scsi.done
    assert len(target.of_opcode(P.Opcode.TEXT_REQUEST)) > 1
    target.complete_held()
    exchange(conn, target)
    assert scsi.done and text.done and text.error is None
    assert text.reply == expected_pairs(TARGETS)
    assert target.violations == []


def test_text_response_with_f_and_c_fails_the_connection() -> None:
    conn, target = discovery(TargetConfig())
    task = conn.text_request([("SendTargets", "All")])
    conn.data_to_send()
    conn.receive_data(
        P.encode_target_pdu(
            P.TextResponse(
                task.itt, P.NO_TAG, 0, True, True, target.statsn, conn.expcmdsn, conn.maxcmdsn
            ),
            b"TargetName=x\0",
        )
    )
    (failure,) = [e for e in conn.events() if isinstance(e, ConnectionFailed)]
    assert "both F and C" in str(failure.error)
    assert task.error is failure.error


def test_text_response_more_to_come_without_a_ttt_is_an_error() -> None:
    conn, target = discovery(TargetConfig())
    task = conn.text_request([("SendTargets", "All")])
    conn.data_to_send()
    conn.receive_data(
        P.encode_target_pdu(
            P.TextResponse(
                task.itt, P.NO_TAG, 0, False, False, target.statsn, conn.expcmdsn, conn.maxcmdsn + 5
            ),
            b"TargetName=x\0",
        )
    )
    again = b"".join(bytes(b) for b in conn.data_to_send())
    assert b"SendTargets=All" not in again
    assert isinstance(task.error, errors.ProtocolError)


def test_text_response_for_unknown_itt_fails_the_connection() -> None:
    conn, target = discovery(TargetConfig())
    conn.receive_data(
        P.encode_target_pdu(P.TextResponse(0x5151, P.NO_TAG, 0, True, False, target.statsn, 1, 1))
    )
    (failure,) = conn.events()
    assert isinstance(failure, ConnectionFailed)
    assert "Text Response for unknown task 0x00005151" in str(failure.error)


def test_text_request_longer_than_the_target_takes() -> None:
    conn, _ = discovery(TargetConfig(max_recv_data_segment_length=512))
    with pytest.raises(errors.LocalProtocolError, match="longer than the target accepts"):
        conn.text_request([("X-long", "a" * 600)])
    assert conn.data_to_send() == []


def test_parse_send_targets_address_before_name() -> None:
    with pytest.raises(errors.ProtocolError, match="before any TargetName"):
        parse_send_targets([("TargetAddress", "10.0.0.1:3260,1")])


def test_parse_send_targets_ignores_other_keys_and_checks_addresses() -> None:
    assert parse_send_targets([("TargetName", "iqn.a:b"), ("TargetAlias", "x")]) == [
        DiscoveredTarget("iqn.a:b", [])
    ]
    with pytest.raises(errors.ProtocolError, match="port"):
        parse_send_targets([("TargetName", "iqn.a:b"), ("TargetAddress", "h:99999,1")])


@pytest.mark.parametrize(
    ("portal", "text"),
    [
        (TargetPortal("10.0.0.1", 3260, 1), "10.0.0.1:3260,1"),
        (TargetPortal("2001:db8::1", 3261, None), "[2001:db8::1]:3261"),
        (TargetPortal("h.example", 860, 0), "h.example:860,0"),
    ],
)
def test_target_portal_str(portal: TargetPortal, text: str) -> None:
    assert str(portal) == text


def test_send_targets_answer_of_too_many_pairs_is_refused_before_decoding() -> None:
    # well-formed, within every length limit (256 KiB PDUs, < 16 MiB in all), but 300,000
    # pairs: refused by count, without building the pairs (once: 1.2 M pairs, 330 MiB, 8 s)
    conn, target = discovery(TargetConfig())
    task = conn.text_request([("SendTargets", "All")])
    conn.data_to_send()
    piece = b"TargetName=ab\0" * (262144 // 14)
    pieces = 16
    tracemalloc.start()
    try:
        for i in range(pieces):
            last = i == pieces - 1
            conn.receive_data(
                P.encode_target_pdu(
                    P.TextResponse(task.itt, P.NO_TAG if last else 0x77, 0, last, False,
                                   target.take_statsn(), 1, 1),
                    piece,
                )
            )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert task.done and isinstance(task.error, errors.ProtocolError)
    assert "key=value pairs, more than 32768" in str(task.error)
    assert peak < 64 * 2**20
