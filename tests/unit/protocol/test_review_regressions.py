"""Regressions for the faults a review of the connection core found (each failed before its fix)."""

from __future__ import annotations

import pytest
from test_connection import connect, exchange, pattern, read, write

from fake_target import PduReader, TargetConfig
from pyiscsi import errors
from pyiscsi.protocol import pdu as P
from pyiscsi.protocol.keys import OperationalSettings, encode_text
from pyiscsi.protocol.login import Login, LoginParameters
from pyiscsi.protocol.session import ConnectionFailed, State


def _sent(conn_out: list[P.Buffer]) -> list[object]:
    return list(PduReader().feed(b"".join(bytes(x) for x in conn_out)))


def test_a_waiting_task_is_held_once_for_recovery() -> None:
    conn, target = connect(TargetConfig(cmd_window=1, hold_commands=True))
    conn.policy.recover = True
    sent_first = conn.submit_scsi(read(0, 1))
    waiting = conn.submit_scsi(read(1, 1))
    exchange(conn, target)
    conn.connection_lost()
    assert conn.state is State.RECOVERY
    assert not waiting.done and not sent_first.done
    assert list(conn._waiting) == [sent_first, waiting]


def test_reject_of_a_data_out_waits_for_the_scsi_response() -> None:
    conn, target = connect(TargetConfig(r2t_size=4096))
    task = conn.submit_scsi(write(0, pattern(16384)))
    target.receive(b"".join(bytes(x) for x in conn.data_to_send()))
    conn.receive_data(target.data_to_send())  # the R2T
    data_out = next(p for p in _sent(conn.data_to_send()) if p.opcode == P.Opcode.DATA_OUT)
    reject = P.Reject(0x02, target.take_statsn(), target.expcmdsn, target.maxcmdsn, 0)
    conn.receive_data(P.encode_target_pdu(reject, data_out.header))
    assert not task.done
    response = P.ScsiResponse(
        task.itt, 0, 2, target.take_statsn(), target.expcmdsn, target.maxcmdsn, 0, False, False, 0
    )
    conn.receive_data(P.encode_target_pdu(response))
    assert conn.state is State.FULL_FEATURE
    assert task.done and isinstance(task.error, errors.RejectError)


def test_a_rejected_keepalive_does_not_time_out_later() -> None:
    conn, target = connect(nop_interval=5, nop_timeout=10)
    conn.handle_timer(100.0)
    nop = _sent(conn.data_to_send())[0]
    reject = P.Reject(0x04, target.take_statsn(), target.expcmdsn, target.maxcmdsn, 0)
    conn.receive_data(P.encode_target_pdu(reject, nop.header), now=100.5)
    conn.handle_timer(110.6)
    assert conn.state is State.FULL_FEATURE
    assert not [e for e in conn.events() if isinstance(e, ConnectionFailed)]


def test_an_answer_for_a_command_not_sent_yet_is_a_protocol_error() -> None:
    conn, target = connect(TargetConfig(cmd_window=1, hold_commands=True))
    conn.submit_scsi(read(0, 1))
    waiting = conn.submit_scsi(read(1, 1))
    exchange(conn, target)
    response = P.ScsiResponse(
        waiting.itt,
        0,
        0,
        target.take_statsn(),
        target.expcmdsn,
        target.maxcmdsn,
        0,
        False,
        False,
        0,
    )
    conn.receive_data(P.encode_target_pdu(response))
    (failed,) = [e for e in conn.events() if isinstance(e, ConnectionFailed)]
    assert isinstance(failed.error, errors.ProtocolError)


def test_a_login_response_to_an_unknown_stage_is_a_login_protocol_error() -> None:
    login = Login(
        LoginParameters("iqn.2026-11.org.example:i", "iqn.2026-11.org.example:t"),
        OperationalSettings(),
    )
    login.first_request()
    response = P.LoginResponse(
        0,
        bytes(6),
        0,
        True,
        False,
        0,
        2,
        0,
        0,
        0,
        1,
        1,
        0,
        0,
        encode_text([("AuthMethod", "None")]),
    )
    with pytest.raises(errors.LoginProtocolError):
        login.receive(response)


def test_a_non_ascii_digit_portal_group_tag_is_ignored_not_a_crash() -> None:
    login = Login(
        LoginParameters("iqn.2026-11.org.example:i", "iqn.2026-11.org.example:t"),
        OperationalSettings(),
    )
    login._note_target_keys({"TargetPortalGroupTag": "\u00b2"})  # superscript two: isdigit()
    assert login.target_portal_group_tag is None
