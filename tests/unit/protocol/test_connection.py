"""The connection state machine against the fake target: data paths, windows, NOP, TMF, ..."""

from __future__ import annotations

import itertools

import pytest

from fake_target import (
    BLOCK_SIZE,
    FakeTarget,
    InitiatorPdu,
    PduReader,
    TargetConfig,
    exchange,
    sense_data,
)
from pyiscsi import errors
from pyiscsi.protocol import pdu as P
from pyiscsi.protocol.connection import Hooks
from pyiscsi.protocol.digest import crc32c
from pyiscsi.protocol.keys import OperationalSettings
from pyiscsi.protocol.login import LoginParameters
from pyiscsi.protocol.session import (
    AsyncEvent,
    ConnectionFailed,
    Event,
    RecoveryPolicy,
    Session,
    State,
    TaskDone,
    sn_lt,
)
from pyiscsi.protocol.tasks import (
    NopTask,
    ScsiTask,
    Task,
    TaskManagementFunction,
    TaskManagementTask,
)

INITIATOR = "iqn.2026-11.org.example:initiator"
TARGET = "iqn.2026-11.org.example:disk"
LUN1 = 0x0001000000000000


def connect(
    config: TargetConfig | None = None,
    settings: OperationalSettings | None = None,
    cmdsn: int | None = None,
    nop_interval: float | None = None,
    nop_timeout: float = 10.0,
) -> tuple[Session, FakeTarget]:
    """A connection logged in to a fresh fake target."""
    target = FakeTarget(config)
    conn = Session(
        LoginParameters(INITIATOR, TARGET),
        settings,
        policy=RecoveryPolicy(nop_interval=nop_interval, nop_timeout=nop_timeout),
    )
    if cmdsn is not None:
        conn.cmdsn = cmdsn
    task = conn.login()
    events = exchange(conn, target)
    assert [e.task for e in events if isinstance(e, TaskDone)] == [task]
    assert task.error is None
    assert conn.state is State.FULL_FEATURE
    return conn, target


def rw10(op: int, lba: int, blocks: int) -> bytes:
    return bytes([op, 0]) + lba.to_bytes(4, "big") + b"\0" + blocks.to_bytes(2, "big") + b"\0"


def read(lba: int, blocks: int, size: int | None = None, lun: int = 0) -> ScsiTask:
    buf = bytearray(blocks * BLOCK_SIZE if size is None else size)
    return ScsiTask(cdb=rw10(0x28, lba, blocks), data_in=memoryview(buf), lun=lun)


def write(lba: int, data: bytes, lun: int = 0) -> ScsiTask:
    return ScsiTask(
        cdb=rw10(0x2A, lba, len(data) // BLOCK_SIZE), data_out=memoryview(data), lun=lun
    )


def pattern(n: int, seed: int = 1) -> bytes:
    return bytes((i * 7 + seed) & 0xFF for i in range(n))


def done(events: list[Event]) -> list[Task]:
    return [e.task for e in events if isinstance(e, TaskDone)]


def failed(events: list[Event]) -> list[errors.ISCSIError]:
    return [e.error for e in events if isinstance(e, ConnectionFailed)]


def sent(target: FakeTarget, opcode: int) -> list[InitiatorPdu]:
    return target.of_opcode(opcode)


def cmdsn_violations(target: FakeTarget) -> list[str]:
    return [v for v in target.violations if "CmdSN" in v and "ExpStatSN" not in v]


# ------------------------------------------------------------------------------- basics


def test_login_agrees_on_tgtd_values() -> None:
    conn, target = connect()
    n = conn.negotiated
    assert n.max_xmit_data_segment_length == 8192
    assert n.max_recv_data_segment_length == 1048576  # what we declare
    assert n.initial_r2t is True
    assert n.immediate_data is True
    assert n.first_burst_length == 65536
    assert n.target_alias == "fake"
    assert conn.expstatsn == (target.statsn) & 0xFFFFFFFF
    assert target.violations == []


def test_requests_before_login_are_local_errors() -> None:
    conn = Session(LoginParameters(INITIATOR, TARGET))
    with pytest.raises(errors.LocalProtocolError, match="not in full feature"):
        conn.submit_scsi(read(0, 1))
    with pytest.raises(errors.LocalProtocolError):
        conn.ping()
    conn.login()
    with pytest.raises(errors.LocalProtocolError, match="cannot log in"):
        conn.login()


def test_bidirectional_and_abort_without_task_are_refused() -> None:
    conn, _ = connect()
    task = ScsiTask(
        cdb=rw10(0x28, 0, 1), data_in=memoryview(bytearray(512)), data_out=memoryview(bytes(512))
    )
    with pytest.raises(errors.LocalProtocolError, match="bidirectional"):
        conn.submit_scsi(task)
    with pytest.raises(errors.LocalProtocolError, match="ABORT TASK"):
        conn.task_management(TaskManagementFunction.ABORT_TASK)


# ---------------------------------------------------------------------------- Data-In


@pytest.mark.parametrize("status_in_data_in", [True, False])
@pytest.mark.parametrize("data_in_size", [512, 1536, 4096, None])
def test_read_reassembles_data_in(status_in_data_in: bool, data_in_size: int | None) -> None:
    conn, target = connect(
        TargetConfig(status_in_data_in=status_in_data_in, data_in_size=data_in_size)
    )
    target.disk[:] = pattern(len(target.disk))
    task = conn.submit_scsi(read(3, 16))
    events = exchange(conn, target)
    assert done(events) == [task]
    assert task.error is None and task.status == 0
    assert task.data_in is not None
    assert bytes(task.data_in) == target.disk[3 * 512 : 19 * 512]
    assert task.received == 16 * 512
    size = data_in_size or 8192
    pieces = -(-16 * 512 // size)
    assert task.expected_datasn == pieces
    assert not task.overflow and not task.underflow and task.residual == 0
    assert target.violations == []


def test_data_in_lands_in_the_callers_buffer() -> None:
    conn, target = connect(TargetConfig(hold_commands=True))
    target.disk[:4096] = pattern(4096)
    buf = bytearray(4096)
    task = conn.submit_scsi(ScsiTask(cdb=rw10(0x28, 0, 8), data_in=memoryview(buf)))
    exchange(conn, target)
    target.complete_held()
    stream = target.data_to_send()
    conn.receive_data(stream[:48])  # the Data-In header only
    direct = conn.get_buffer()
    assert direct.obj is buf  # the payload goes straight to the caller's buffer
    assert len(direct) == 4096
    direct[:4096] = stream[48 : 48 + 4096]
    conn.buffer_updated(4096)
    conn.receive_data(stream[48 + 4096 :])
    assert done(conn.events()) == [task]
    assert buf == pattern(4096)


@pytest.mark.parametrize("status_in_data_in", [True, False])
def test_residual_underflow(status_in_data_in: bool) -> None:
    conn, target = connect(TargetConfig(status_in_data_in=status_in_data_in))
    target.disk[:1024] = pattern(1024)
    task = conn.submit_scsi(read(0, 2, size=3000))
    exchange(conn, target)
    assert task.done and task.error is None
    assert task.underflow and not task.overflow
    assert task.residual == 3000 - 1024
    assert task.received == 1024
    assert task.data_in is not None and bytes(task.data_in[:1024]) == pattern(1024)


@pytest.mark.parametrize("status_in_data_in", [True, False])
def test_residual_overflow(status_in_data_in: bool) -> None:
    conn, target = connect(TargetConfig(status_in_data_in=status_in_data_in))
    target.disk[:2048] = pattern(2048)
    task = conn.submit_scsi(read(0, 4, size=1000))
    exchange(conn, target)
    assert task.done and task.error is None
    assert task.overflow and not task.underflow
    assert task.residual == 2048 - 1000
    assert task.data_in is not None and bytes(task.data_in) == pattern(1000)


def test_check_condition_with_sense_data() -> None:
    conn, target = connect(TargetConfig(blocks=8))
    task = conn.submit_scsi(read(6, 4))
    exchange(conn, target)
    assert task.done and task.error is None  # SCSI status is the SCSI layer's business
    assert task.status == 2
    assert task.sense == sense_data(5, 0x21, 0)
    assert task.received == 0


def test_iscsi_response_target_failure_fails_the_task() -> None:
    conn, target = connect(TargetConfig(hold_commands=True))
    task = conn.submit_scsi(read(0, 1))
    exchange(conn, target)
    target.scsi_response(target.held.pop(task.itt), 0, response=1)
    exchange(conn, target)
    assert isinstance(task.error, errors.ProtocolError)
    assert "0x01" in str(task.error)
    assert conn.state is State.FULL_FEATURE


def test_data_in_bad_datasn_fails_the_task_only() -> None:
    conn, target = connect(TargetConfig(data_in_size=1024, fault_datasn=True))
    task = conn.submit_scsi(read(0, 8))
    events = exchange(conn, target)
    assert done(events) == [task]
    assert isinstance(task.error, errors.ProtocolError)
    assert "DataSN 2" in str(task.error) and "expected 1" in str(task.error)
    assert conn.state is State.FULL_FEATURE
    other = conn.submit_scsi(read(0, 1))
    exchange(conn, target)
    assert other.done and other.error is None


def test_data_in_past_the_buffer_fails_the_connection() -> None:
    conn, target = connect(TargetConfig(data_in_size=1024, fault_offset="past_end"))
    task = conn.submit_scsi(read(0, 8))
    events = exchange(conn, target)
    (error,) = failed(events)
    assert isinstance(error, errors.ProtocolError)
    assert "past the expected data transfer length" in str(error)
    assert conn.state is State.CLOSED
    assert task.done and task.error is error


def test_data_in_offset_gap_is_detected() -> None:
    conn, target = connect(TargetConfig(data_in_size=1024, fault_offset="gap"))
    task = conn.submit_scsi(read(0, 8))
    events = exchange(conn, target)
    assert task.error is not None or failed(events)


@pytest.mark.parametrize("in_order", [True, False])
def test_data_in_out_of_order_needs_data_pdu_in_order_no(in_order: bool) -> None:
    config = TargetConfig(data_in_size=1024, data_in_reverse=True, data_pdu_in_order=in_order)
    conn, target = connect(config, OperationalSettings(data_pdu_in_order=in_order))
    assert conn.negotiated.data_pdu_in_order is in_order
    target.disk[:] = pattern(len(target.disk))
    task = conn.submit_scsi(read(0, 8))
    events = exchange(conn, target)
    assert done(events) == [task] and failed(events) == []
    assert task.data_in is not None
    if in_order:
        assert isinstance(task.error, errors.ProtocolError)
        assert "DataPDUInOrder=Yes" in str(task.error)
    else:
        assert task.error is None
        assert bytes(task.data_in) == target.disk[:4096]


def test_data_in_for_unknown_itt_fails_the_connection() -> None:
    conn, _target = connect()
    conn.receive_data(
        P.encode_target_pdu(
            P.DataIn(0x777, P.NO_TAG, 0, True, False, False, False, False, 0, 0, 1, 10, 0, 0, 0),
            b"abcd",
        )
    )
    (error,) = failed(conn.events())
    assert "unknown task 0x00000777" in str(error)


def test_data_in_for_a_write_fails_the_connection() -> None:
    conn, target = connect(TargetConfig(hold_commands=True))
    task = conn.submit_scsi(write(0, bytes(512)))
    exchange(conn, target)
    conn.receive_data(
        P.encode_target_pdu(
            P.DataIn(task.itt, P.NO_TAG, 0, True, False, False, False, False, 0, 0, 1, 10, 0, 0, 0),
            b"abcd",
        )
    )
    (error,) = failed(conn.events())
    assert "reads no data" in str(error)


def test_scsi_response_for_unknown_itt_fails_everything() -> None:
    conn, target = connect(TargetConfig(fault_itt=True, hold_commands=True))
    a = conn.submit_scsi(read(0, 1))
    b = conn.submit_scsi(read(1, 1))
    exchange(conn, target)
    target.scsi_response(target.held.pop(a.itt), 0)
    events = exchange(conn, target)
    (error,) = failed(events)
    assert isinstance(error, errors.ProtocolError)
    assert set(done(events)) == {a, b}
    assert a.error is error and b.error is error
    assert conn.tasks_in_flight == 0


def test_oversized_data_segment_fails_the_connection() -> None:
    settings = OperationalSettings(max_recv_data_segment_length=8192)
    conn, target = connect(TargetConfig(fault_oversize=70000, hold_commands=True), settings)
    assert conn.negotiated.max_recv_data_segment_length == 8192
    task = conn.submit_scsi(ScsiTask(cdb=bytes(6)))  # TEST UNIT READY
    exchange(conn, target)
    target.complete_held()
    events = exchange(conn, target)
    (error,) = failed(events)
    assert "70000-byte data segment" in str(error)
    assert "8192" in str(error)
    assert task.error is error


@pytest.mark.parametrize(("length", "accepted"), [(8192, True), (8193, False)])
def test_data_segment_up_to_our_max_recv_data_segment_length(length: int, accepted: bool) -> None:
    settings = OperationalSettings(max_recv_data_segment_length=8192)
    conn, target = connect(settings=settings)
    conn.receive_data(
        P.encode_target_pdu(
            P.AsyncMessage(0, target.take_statsn(), conn.expcmdsn, conn.maxcmdsn, 0, 0, 0, 0, 0),
            bytes(length),
        )
    )
    (event,) = conn.events()
    if accepted:
        assert isinstance(event, AsyncEvent) and len(event.message.data) == length
    else:
        assert isinstance(event, ConnectionFailed) and f"{length}-byte" in str(event.error)


def test_get_buffer_never_empty_after_the_connection_failed() -> None:
    conn, _ = connect()
    conn.receive_data(bytes([0x01]) + bytes(47))  # a protocol error closes it
    assert conn.state is State.CLOSED
    sizes = []
    for _ in range(8):
        buf = conn.get_buffer(65536)
        sizes.append(len(buf))
        n = min(len(buf), 65536)
        buf[:n] = bytes(n)
        conn.buffer_updated(n)
    assert min(sizes) > 0


def test_target_sending_an_initiator_opcode_fails_the_connection() -> None:
    conn, _ = connect()
    conn.receive_data(bytes([0x01]) + bytes(47))
    (error,) = failed(conn.events())
    assert isinstance(error, errors.ProtocolError)
    assert conn.state is State.CLOSED
    conn.receive_data(bytes(48))  # ignored once closed
    assert conn.events() == []


def test_received_ahs_is_skipped_and_covered_by_the_header_digest() -> None:
    conn, target = connect(digest_config(), DIGEST_SETTINGS)
    ping = conn.ping(b"ahs")
    conn.data_to_send()
    bhs = bytearray(
        P.encode_target_pdu(
            P.NopIn(ping.itt, P.NO_TAG, 0, target.take_statsn(), conn.expcmdsn, conn.maxcmdsn),
            b"ahs",
        )[:48]
    )
    bhs[4] = 2  # TotalAHSLength: two words
    ahs = bytes([0, 5, 0x7F, 0]) + b"\1\2\3\4"  # a vendor AHS, unknown to us
    header = bytes(bhs) + ahs
    body = b"ahs\0"
    raw = header + crc32c(header).to_bytes(4, "little") + body + crc32c(body).to_bytes(4, "little")
    conn.receive_data(raw)
    assert done(conn.events()) == [ping]
    assert ping.reply == b"ahs"


# ---------------------------------------------------------------------------- digests


DIGEST_SETTINGS = OperationalSettings(
    header_digest=("CRC32C", "None"), data_digest=("CRC32C", "None")
)


def digest_config(data_in_size: int | None = None) -> TargetConfig:
    return TargetConfig(
        header_digests=("CRC32C", "None"),
        data_digests=("CRC32C", "None"),
        data_in_size=data_in_size,
    )


def test_digests_negotiated_and_used_both_ways() -> None:
    conn, target = connect(digest_config(data_in_size=1000), DIGEST_SETTINGS)
    assert conn.negotiated.header_digest and conn.negotiated.data_digest
    data = pattern(5 * 512)
    w = conn.submit_scsi(write(2, data))
    exchange(conn, target)  # the target checks every digest it gets
    r = conn.submit_scsi(read(2, 5))
    exchange(conn, target)
    assert w.error is None and r.error is None
    assert r.data_in is not None and bytes(r.data_in) == data
    assert target.violations == []
    assert target.reader.header_digest and target.reader.data_digest


def test_login_pdus_carry_no_digest() -> None:
    conn, target = connect(digest_config(), DIGEST_SETTINGS)
    logins = sent(target, P.Opcode.LOGIN_REQUEST)
    assert logins and all(len(p.ahs) == 0 for p in logins)
    # the first PDU after the login has them: a ping header is 48 + 4 bytes
    conn.ping()
    raw = b"".join(bytes(b) for b in conn.data_to_send())
    assert len(raw) == 52


@pytest.mark.parametrize("blocks", [2, 16])  # 16: the payload goes straight to the buffer
@pytest.mark.parametrize("fault", ["fault_header_digest", "fault_data_digest"])
def test_bad_digest_from_target_fails_the_connection(fault: str, blocks: int) -> None:
    config = digest_config()
    conn, target = connect(config, DIGEST_SETTINGS)
    setattr(config, fault, True)
    task = conn.submit_scsi(read(0, blocks))
    events = exchange(conn, target)
    (error,) = failed(events)
    assert isinstance(error, errors.DigestError)
    assert ("header" if fault == "fault_header_digest" else "data") in str(error)
    assert task.error is error
    assert conn.state is State.CLOSED


def test_data_digest_over_padding() -> None:
    conn, target = connect(digest_config(), DIGEST_SETTINGS)
    ping = conn.ping(b"abcde")
    exchange(conn, target)
    assert ping.done and ping.reply == b"abcde"
    assert target.violations == []


# --------------------------------------------------------------------------- Data-Out


def check_sequences(target: FakeTarget, task: ScsiTask, mxdsl: int) -> list[list[InitiatorPdu]]:
    """The Data-Out PDUs of ``task`` grouped by sequence (by TTT); checks their numbering."""
    groups: dict[int, list[InitiatorPdu]] = {}
    for pdu in sent(target, P.Opcode.DATA_OUT):
        if pdu.itt == task.itt:
            groups.setdefault(pdu.ttt, []).append(pdu)
    for pdus in groups.values():
        assert [p.datasn for p in pdus] == list(range(len(pdus)))
        assert [p.final for p in pdus] == [False] * (len(pdus) - 1) + [True]
        assert all(0 < len(p.data) <= mxdsl for p in pdus)
        for a, b in itertools.pairwise(pdus):
            assert b.buffer_offset == a.buffer_offset + len(a.data)
    return list(groups.values())


@pytest.mark.parametrize("immediate_data", [True, False])
@pytest.mark.parametrize("initial_r2t", [True, False])
@pytest.mark.parametrize("first_burst_length", [4096, 16384])
@pytest.mark.parametrize("blocks", [1, 20, 200])
def test_write_in_each_immediate_data_initial_r2t_combination(
    immediate_data: bool, initial_r2t: bool, first_burst_length: int, blocks: int
) -> None:
    config = TargetConfig(
        immediate_data=immediate_data,
        initial_r2t=initial_r2t,
        first_burst_length=first_burst_length,
        max_burst_length=32768,
        blocks=256,
    )
    conn, target = connect(config)
    n = conn.negotiated
    assert (n.immediate_data, n.initial_r2t) == (immediate_data, initial_r2t)
    assert n.first_burst_length == first_burst_length
    length = blocks * 512
    data = pattern(length, seed=blocks)
    task = conn.submit_scsi(write(5, data))
    events = exchange(conn, target)
    assert done(events) == [task]
    assert task.error is None and task.status == 0
    assert target.violations == []
    assert target.disk[5 * 512 : 5 * 512 + length] == data
    (cmd,) = sent(target, P.Opcode.SCSI_COMMAND)
    expected_immediate = min(length, first_burst_length, 8192) if immediate_data else 0
    assert len(cmd.data) == expected_immediate
    assert cmd.edtl == length
    groups = check_sequences(target, task, 8192)
    unsolicited = [p for g in groups for p in g if p.ttt == P.NO_TAG]
    unsolicited_end = expected_immediate if initial_r2t else min(length, first_burst_length)
    assert cmd.final == (unsolicited_end == expected_immediate)
    assert sum(len(p.data) for p in unsolicited) == unsolicited_end - expected_immediate
    if unsolicited:
        assert unsolicited[0].buffer_offset == expected_immediate
    solicited = [g for g in groups if g[0].ttt != P.NO_TAG]
    assert len(solicited) == -(-(length - unsolicited_end) // 32768)


def test_several_r2ts_each_a_sequence_of_max_xmit_pieces() -> None:
    config = TargetConfig(max_recv_data_segment_length=1024, r2t_size=3000, immediate_data=False)
    conn, target = connect(config)
    assert conn.negotiated.max_xmit_data_segment_length == 1024
    data = pattern(20 * 512)
    task = conn.submit_scsi(write(0, data))
    exchange(conn, target)
    assert task.error is None and target.violations == []
    groups = check_sequences(target, task, 1024)
    assert len(groups) == 4  # 3000 + 3000 + 3000 + 1240
    assert [sum(len(p.data) for p in g) for g in groups] == [3000, 3000, 3000, 1240]
    assert [len(g) for g in groups] == [3, 3, 3, 2]
    assert [len(p.data) for p in groups[0]] == [1024, 1024, 952]
    assert groups[1][0].buffer_offset == 3000 and groups[1][0].datasn == 0
    assert target.disk[: len(data)] == data


def test_r2t_for_a_read_fails_the_connection() -> None:
    conn, target = connect(TargetConfig(hold_commands=True))
    task = conn.submit_scsi(read(0, 1))
    exchange(conn, target)
    conn.receive_data(P.encode_target_pdu(P.R2T(task.itt, 5, 0, 0, 1, 10, 0, 0, 512)))
    (error,) = failed(conn.events())
    assert "writes no data" in str(error)


@pytest.mark.parametrize(
    ("offset", "length", "message"),
    [(0, 0, "outside"), (512, 1024, "outside"), (0, 1025, "outside")],
)
def test_r2t_outside_the_data_fails_the_connection(offset: int, length: int, message: str) -> None:
    conn, target = connect(TargetConfig(hold_commands=True, immediate_data=False))
    task = conn.submit_scsi(write(0, bytes(1024)))
    exchange(conn, target)
    conn.receive_data(P.encode_target_pdu(P.R2T(task.itt, 5, 0, 0, 1, 10, 0, offset, length)))
    (error,) = failed(conn.events())
    assert message in str(error)


def test_r2t_beyond_max_burst_length_fails_the_connection() -> None:
    conn, target = connect(
        TargetConfig(hold_commands=True, max_burst_length=4096, immediate_data=False)
    )
    task = conn.submit_scsi(write(0, bytes(8192)))
    exchange(conn, target)
    conn.receive_data(P.encode_target_pdu(P.R2T(task.itt, 5, 0, 0, 1, 10, 0, 0, 8192)))
    (error,) = failed(conn.events())
    assert "MaxBurstLength 4096" in str(error)


# -------------------------------------------------------------------------- CmdSN window


def test_commands_past_maxcmdsn_wait_for_the_window() -> None:
    conn, target = connect(TargetConfig(cmd_window=2, hold_commands=True))
    first = conn.cmdsn
    tasks = [conn.submit_scsi(read(i, 1)) for i in range(5)]
    exchange(conn, target)
    assert [p.itt for p in sent(target, P.Opcode.SCSI_COMMAND)] == [t.itt for t in tasks[:2]]
    # immediate requests go out at once and take no CmdSN
    ping = conn.ping(b"x")
    exchange(conn, target)
    assert ping.done
    (nop,) = sent(target, P.Opcode.NOP_OUT)
    assert nop.immediate and nop.cmdsn == (first + 2) & 0xFFFFFFFF
    target.complete_held(tasks[0].itt)
    exchange(conn, target)
    assert [p.itt for p in sent(target, P.Opcode.SCSI_COMMAND)] == [t.itt for t in tasks[:3]]
    while target.held:
        target.complete_held()
        exchange(conn, target)
    assert all(t.done and t.error is None for t in tasks)
    cmds = sent(target, P.Opcode.SCSI_COMMAND)
    assert [p.cmdsn for p in cmds] == [(first + i) & 0xFFFFFFFF for i in range(5)]
    assert [t.cmdsn for t in tasks] == [p.cmdsn for p in cmds]
    assert not any(p.immediate for p in cmds)
    assert target.violations == []


def test_tasks_in_flight_counts_each_task_once() -> None:
    conn, target = connect(TargetConfig(cmd_window=2, hold_commands=True))
    for i in range(5):
        conn.submit_scsi(read(i, 1))
    exchange(conn, target)
    assert conn.tasks_in_flight == 5


def test_unfinished_lists_each_task_once() -> None:
    conn, target = connect(TargetConfig(cmd_window=2, hold_commands=True))
    tasks = [conn.submit_scsi(read(i, 1)) for i in range(5)]
    exchange(conn, target)
    assert sorted(t.itt for t in conn.unfinished()) == sorted(t.itt for t in tasks)


def test_immediate_requests_pass_a_closed_window() -> None:
    conn, target = connect(TargetConfig(cmd_window=1, hold_commands=True))
    conn.submit_scsi(read(0, 1))
    waiting = conn.submit_scsi(read(0, 1))
    exchange(conn, target)
    next_cmdsn = conn.cmdsn
    tmf = conn.task_management(TaskManagementFunction.LOGICAL_UNIT_RESET, lun=LUN1)
    ping = conn.ping()
    exchange(conn, target)
    assert tmf.done and tmf.error is None and ping.done
    (req,) = sent(target, P.Opcode.TASK_MANAGEMENT_REQUEST)
    (nop,) = sent(target, P.Opcode.NOP_OUT)
    assert req.immediate and nop.immediate
    assert req.cmdsn == nop.cmdsn == next_cmdsn
    assert not waiting.done and conn.cmdsn == next_cmdsn
    while target.held:
        target.complete_held()
        exchange(conn, target)
    assert sent(target, P.Opcode.SCSI_COMMAND)[-1].cmdsn == next_cmdsn
    assert waiting.cmdsn == next_cmdsn and waiting.done
    assert target.violations == []


def test_cmdsn_wraps_at_2_32() -> None:
    conn, target = connect(TargetConfig(cmd_window=8, hold_commands=True), cmdsn=0xFFFFFFFD)
    tasks = [conn.submit_scsi(read(0, 1)) for i in range(12)]
    exchange(conn, target)
    cmds = sent(target, P.Opcode.SCSI_COMMAND)
    assert [p.cmdsn for p in cmds] == [0xFFFFFFFD, 0xFFFFFFFE, 0xFFFFFFFF, 0, 1, 2, 3, 4]
    while target.held:
        target.complete_held()
        exchange(conn, target)
    cmds = sent(target, P.Opcode.SCSI_COMMAND)
    assert [p.cmdsn for p in cmds[8:]] == [5, 6, 7, 8]
    assert all(t.done and t.error is None for t in tasks)
    assert cmdsn_violations(target) == []


@pytest.mark.parametrize(("cmdsn", "window"), [(0xFFFFFFFE, 2), (None, 0)])
def test_window_of_the_login_response_is_adopted(cmdsn: int | None, window: int) -> None:
    conn, target = connect(TargetConfig(cmd_window=window, hold_commands=True), cmdsn=cmdsn)
    for _ in range(4):
        conn.submit_scsi(read(0, 1))
    exchange(conn, target)
    assert len(sent(target, P.Opcode.SCSI_COMMAND)) == window
    assert cmdsn_violations(target) == []


def test_window_opened_by_a_nop_in() -> None:
    conn, target = connect(TargetConfig(cmd_window=1, hold_commands=True))
    a = conn.submit_scsi(read(0, 1))
    b = conn.submit_scsi(read(0, 1))
    exchange(conn, target)
    assert [p.itt for p in sent(target, P.Opcode.SCSI_COMMAND)] == [a.itt]
    target.config.cmd_window = 2
    target.window_update()
    exchange(conn, target)
    assert [p.itt for p in sent(target, P.Opcode.SCSI_COMMAND)] == [a.itt, b.itt]
    assert cmdsn_violations(target) == []


def test_invalid_window_is_ignored() -> None:
    conn, target = connect(TargetConfig(cmd_window=1, hold_commands=True))
    before = (conn.expcmdsn, conn.maxcmdsn)
    # MaxCmdSN < ExpCmdSN - 1: RFC 7143 4.2.2.1 says ignore both
    conn.receive_data(
        P.encode_target_pdu(
            P.NopIn(P.NO_TAG, P.NO_TAG, 0, target.statsn, conn.expcmdsn + 100, conn.expcmdsn + 5)
        )
    )
    assert (conn.expcmdsn, conn.maxcmdsn) == before
    # an older window does not move it back
    conn.receive_data(
        P.encode_target_pdu(
            P.NopIn(P.NO_TAG, P.NO_TAG, 0, target.statsn, conn.expcmdsn - 1, conn.maxcmdsn - 1)
        )
    )
    assert (conn.expcmdsn, conn.maxcmdsn) == before
    assert failed(conn.events()) == []


@pytest.mark.parametrize(
    ("a", "b", "lt"),
    [
        (0, 1, True),
        (1, 0, False),
        (5, 5, False),
        (0xFFFFFFFF, 0, True),
        (0, 0xFFFFFFFF, False),
        (0xFFFFFFF0, 0x10, True),
        (0, 0x7FFFFFFF, True),
        (0x7FFFFFFF, 0, False),
    ],
)
def test_serial_number_arithmetic(a: int, b: int, lt: bool) -> None:
    assert sn_lt(a, b) is lt


# ---------------------------------------------------------------------------- tags


def test_itt_allocation_skips_tags_in_use_and_the_reserved_tag() -> None:
    conn, target = connect(TargetConfig(hold_commands=True))
    conn._next_itt = 0xFFFFFFFE
    a = conn.submit_scsi(read(0, 1))
    b = conn.submit_scsi(read(0, 1))
    assert (a.itt, b.itt) == (0xFFFFFFFE, 0)
    conn._next_itt = 0xFFFFFFFE
    c = conn.submit_scsi(read(0, 1))
    assert c.itt == 1  # 0xfffffffe and 0 in use, 0xffffffff reserved
    exchange(conn, target)
    target.complete_held()
    exchange(conn, target)
    conn._next_itt = 0xFFFFFFFE
    assert conn.submit_scsi(read(0, 1)).itt == 0xFFFFFFFE  # free again


# ------------------------------------------------------------------------------- NOP


def test_target_ping_is_answered_with_its_ttt() -> None:
    conn, target = connect()
    target.ping(0xBEEF, b"hello", lun=LUN1)
    events = exchange(conn, target)
    assert events == []
    (reply,) = target.nop_replies
    assert reply.itt == P.NO_TAG and reply.ttt == 0xBEEF
    assert reply.lun == LUN1 and reply.data == b"hello" and reply.immediate
    assert reply.cmdsn == conn.cmdsn


def test_nop_in_without_ttt_needs_no_answer() -> None:
    conn, target = connect()
    target.window_update()
    assert exchange(conn, target) == []
    assert target.nop_replies == []


def test_target_ping_does_not_advance_expstatsn() -> None:
    conn, target = connect()
    expstatsn = conn.expstatsn
    target.ping(0xBEEF)
    exchange(conn, target)
    assert conn.expstatsn == expstatsn
    (reply,) = target.nop_replies
    assert reply.expstatsn == target.statsn


def test_our_ping_is_echoed() -> None:
    conn, target = connect()
    ping = conn.ping(b"payload!", now=3.0)
    events = exchange(conn, target)
    assert done(events) == [ping]
    assert isinstance(ping, NopTask) and ping.reply == b"payload!" and ping.error is None
    (nop,) = sent(target, P.Opcode.NOP_OUT)
    assert nop.itt == ping.itt and nop.ttt == P.NO_TAG and nop.immediate
    assert conn.tasks_in_flight == 0


def test_ping_data_longer_than_the_target_takes_is_refused() -> None:
    conn, target = connect()
    assert conn.negotiated.max_xmit_data_segment_length == 8192
    with pytest.raises(errors.LocalProtocolError):
        conn.ping(bytes(9000))
    exchange(conn, target)
    assert target.violations == []


def test_nop_in_for_unknown_itt_fails_the_connection() -> None:
    conn, target = connect()
    conn.receive_data(P.encode_target_pdu(P.NopIn(0x4242, P.NO_TAG, 0, target.statsn, 1, 10)))
    (error,) = failed(conn.events())
    assert "NOP-In for unknown task 0x00004242" in str(error)


def test_keepalive_when_idle_and_answered() -> None:
    conn, target = connect(nop_interval=5.0, nop_timeout=3.0)
    assert conn.next_timer() == 5.0  # the login's last byte came at 0.0
    target.window_update()
    exchange(conn, target, now=100.0)
    assert conn.next_timer() == 105.0
    conn.handle_timer(104.9)
    assert conn.data_to_send() == []
    conn.handle_timer(105.0)
    assert conn.next_timer() == 108.0  # waiting for the answer
    events = exchange(conn, target, now=105.5)
    assert done(events) == []  # the session's own ping: no event
    assert len(sent(target, P.Opcode.NOP_OUT)) == 1
    assert conn.next_timer() == 110.5
    conn.handle_timer(108.0)  # the answered ping does not time out
    assert conn.state is State.FULL_FEATURE


def test_keepalive_unanswered_fails_the_connection() -> None:
    conn, target = connect(
        TargetConfig(answer_pings=False, hold_commands=True), nop_interval=5.0, nop_timeout=3.0
    )
    task = conn.submit_scsi(read(0, 1))
    exchange(conn, target, now=0.0)
    conn.handle_timer(5.0)
    exchange(conn, target, now=5.0)
    assert len(sent(target, P.Opcode.NOP_OUT)) == 1
    conn.handle_timer(7.9)
    assert conn.events() == []
    assert conn.tasks_in_flight > 0  # still open: the task waits
    conn.handle_timer(8.0)
    events = conn.events()
    (error,) = failed(events)
    assert isinstance(error, errors.ISCSITimeoutError)
    assert task.error is error
    assert conn.state is State.CLOSED
    assert conn.next_timer() is None


def test_no_keepalive_without_interval() -> None:
    conn, _ = connect()
    assert conn.next_timer() is None
    conn.handle_timer(1e9)
    assert conn.data_to_send() == [] and conn.events() == []


# ------------------------------------------------------------------------------- TMF


def test_abort_task_completes_the_task_as_aborted() -> None:
    conn, target = connect(TargetConfig(hold_commands=True))
    victim = conn.submit_scsi(read(0, 1, lun=LUN1))
    exchange(conn, target)
    tmf = conn.task_management(TaskManagementFunction.ABORT_TASK, referenced=victim)
    events = exchange(conn, target)
    assert done(events) == [victim, tmf]
    assert isinstance(victim.error, errors.CommandCancelledError)
    assert victim.status == 0x40
    assert tmf.error is None and tmf.response == 0
    (req,) = sent(target, P.Opcode.TASK_MANAGEMENT_REQUEST)
    assert req.immediate and req.flags == 0x81
    assert req.ttt == victim.itt and req.lun == LUN1
    assert req.words[3] == victim.cmdsn  # RefCmdSN
    assert target.held == {}


def test_lun_reset_aborts_the_tasks_of_that_lun() -> None:
    conn, target = connect(TargetConfig(hold_commands=True))
    lun0 = [conn.submit_scsi(read(0, 1)) for _ in range(2)]
    lun1 = conn.submit_scsi(read(0, 1, lun=LUN1))
    exchange(conn, target)
    tmf = conn.task_management(TaskManagementFunction.LOGICAL_UNIT_RESET, lun=0)
    events = exchange(conn, target)
    assert set(done(events)) == {*lun0, tmf}
    assert all(isinstance(t.error, errors.CommandCancelledError) for t in lun0)
    assert not lun1.done
    (req,) = sent(target, P.Opcode.TASK_MANAGEMENT_REQUEST)
    assert req.flags == 0x85 and req.ttt == P.NO_TAG
    target.complete_held()
    exchange(conn, target)
    assert lun1.done and lun1.error is None


def test_lun_reset_with_a_command_waiting_for_the_window() -> None:
    conn, target = connect(TargetConfig(hold_commands=True, cmd_window=1))
    conn.submit_scsi(read(0, 1))
    waiting = conn.submit_scsi(read(0, 1))
    exchange(conn, target)
    conn.task_management(TaskManagementFunction.LOGICAL_UNIT_RESET, lun=0)
    exchange(conn, target)
    sent_itts = [p.itt for p in sent(target, P.Opcode.SCSI_COMMAND)]
    if waiting.done:
        assert waiting.itt not in sent_itts
    assert conn.tasks_in_flight == (0 if waiting.done else 1)


@pytest.mark.parametrize(
    ("function", "aborted"),
    [
        (TaskManagementFunction.ABORT_TASK_SET, "lun0"),
        (TaskManagementFunction.CLEAR_TASK_SET, "lun0"),
        (TaskManagementFunction.LOGICAL_UNIT_RESET, "lun0"),
        (TaskManagementFunction.TARGET_WARM_RESET, "all"),
        (TaskManagementFunction.TARGET_COLD_RESET, "all"),
        (TaskManagementFunction.CLEAR_ACA, "none"),
    ],
)
def test_which_tasks_each_function_ends(function: TaskManagementFunction, aborted: str) -> None:
    conn, target = connect(TargetConfig(hold_commands=True))
    lun0 = conn.submit_scsi(read(0, 1))
    lun1 = conn.submit_scsi(read(0, 1, lun=LUN1))
    ping = conn.ping()
    exchange(conn, target)
    assert ping.done
    tmf = conn.task_management(function, lun=0)
    exchange(conn, target)
    assert tmf.done and tmf.error is None
    (req,) = sent(target, P.Opcode.TASK_MANAGEMENT_REQUEST)
    assert req.flags == 0x80 | function
    expected = {"lun0": {lun0}, "all": {lun0, lun1}, "none": set()}[aborted]
    assert {t for t in (lun0, lun1) if t.done} == expected
    assert all(isinstance(t.error, errors.CommandCancelledError) for t in expected)
    assert conn.tasks_in_flight == 2 - len(expected)


@pytest.mark.parametrize("response", [1, 2, 3, 4, 5, 6, 255])
def test_tmf_response_codes_raise_task_management_error(response: int) -> None:
    conn, target = connect(TargetConfig(hold_commands=True, tmf_response=response))
    victim = conn.submit_scsi(read(0, 1))
    exchange(conn, target)
    tmf = conn.task_management(TaskManagementFunction.ABORT_TASK, referenced=victim)
    events = exchange(conn, target)
    assert done(events) == [tmf]
    assert isinstance(tmf.error, errors.TaskManagementError)
    assert tmf.error.response == response and tmf.response == response
    assert tmf.error.function == "ABORT TASK"
    assert not victim.done


def test_tmf_response_for_unknown_itt_fails_the_connection() -> None:
    conn, target = connect()
    conn.receive_data(P.encode_target_pdu(P.TaskManagementResponse(0x99, 0, target.statsn, 1, 9)))
    (error,) = failed(conn.events())
    assert "Task Management Response for unknown task" in str(error)


# ------------------------------------------------------------------------------ cancel


def test_cancel_of_a_queued_task_sends_nothing() -> None:
    conn, target = connect(TargetConfig(cmd_window=1, hold_commands=True))
    first = conn.submit_scsi(read(0, 1))
    queued = conn.submit_scsi(read(0, 1))
    exchange(conn, target)
    assert conn.cancel(queued) is None
    events = conn.events()
    assert done(events) == [queued]
    assert isinstance(queued.error, errors.CommandCancelledError)
    target.complete_held()
    exchange(conn, target)
    assert [p.itt for p in sent(target, P.Opcode.SCSI_COMMAND)] == [first.itt]
    assert conn.tasks_in_flight == 0


def test_cancel_of_a_sent_task_aborts_it_and_discards_late_data() -> None:
    conn, target = connect(TargetConfig(hold_commands=True))
    target.disk[:512] = b"\x55" * 512
    buf = bytearray(512)
    task = conn.submit_scsi(ScsiTask(cdb=rw10(0x28, 0, 1), data_in=memoryview(buf)))
    exchange(conn, target)
    cmd = target.held[task.itt]
    tmf = conn.cancel(task)
    assert isinstance(tmf, TaskManagementTask) and tmf.referenced is task
    assert done(conn.events()) == [task]  # completed at once
    assert isinstance(task.error, errors.CommandCancelledError)
    assert conn.cancel(task) is None  # twice: nothing more
    # the target answered before it saw the abort: data and status are discarded
    target.execute(cmd)
    target.held.clear()
    events = exchange(conn, target)
    assert done(events) == [tmf]
    assert tmf.error is not None and tmf.response == 1  # task does not exist any more
    assert buf == bytes(512)
    assert conn.tasks_in_flight == 0
    assert conn.state is State.FULL_FEATURE


def test_cancel_then_abort_accepted() -> None:
    conn, target = connect(TargetConfig(hold_commands=True))
    task = conn.submit_scsi(read(0, 1))
    exchange(conn, target)
    tmf = conn.cancel(task)
    assert tmf is not None
    events = exchange(conn, target)
    assert done(events) == [task, tmf]  # the task once, at cancel time
    assert tmf.error is None and tmf.response == 0
    assert isinstance(task.error, errors.CommandCancelledError)
    assert target.held == {}
    assert conn.tasks_in_flight == 0


def test_cancelled_task_keeps_its_itt_until_the_abort_is_answered() -> None:
    conn, target = connect(TargetConfig(hold_commands=True))
    task = conn.submit_scsi(read(0, 1))
    exchange(conn, target)
    conn.cancel(task)
    conn._next_itt = task.itt
    other = conn.ping()
    assert other.itt != task.itt
    exchange(conn, target)
    assert conn.tasks_in_flight == 0
    conn._next_itt = task.itt
    assert conn.ping().itt == task.itt


def test_cancel_during_a_data_in_payload_stops_writing_the_callers_buffer() -> None:
    conn, target = connect(TargetConfig(hold_commands=True))
    target.disk[:4096] = b"\x77" * 4096
    buf = bytearray(4096)
    task = conn.submit_scsi(ScsiTask(cdb=rw10(0x28, 0, 8), data_in=memoryview(buf)))
    exchange(conn, target)
    target.complete_held()
    stream = target.data_to_send()
    conn.receive_data(stream[: 48 + 100])
    conn.cancel(task)
    conn.receive_data(stream[48 + 100 :])
    assert buf[100:] == bytes(4096 - 100)


def test_failure_during_a_data_in_payload_stops_writing_the_callers_buffer() -> None:
    conn, target = connect(TargetConfig(hold_commands=True), nop_interval=1.0, nop_timeout=1.0)
    target.disk[:4096] = b"\x77" * 4096
    buf = bytearray(4096)
    task = conn.submit_scsi(ScsiTask(cdb=rw10(0x28, 0, 8), data_in=memoryview(buf)))
    exchange(conn, target)
    conn.handle_timer(1.0)  # a keepalive ping the target never answers
    conn.data_to_send()
    target.complete_held()
    stream = target.data_to_send()
    conn.receive_data(stream[: 48 + 100], now=1.5)
    conn.handle_timer(2.0)
    assert isinstance(task.error, errors.ISCSITimeoutError)
    conn.receive_data(stream[48 + 100 :], now=2.5)  # bytes still in flight when it failed
    assert buf[100:] == bytes(4096 - 100)


def test_cancel_of_a_write_still_answers_its_r2ts() -> None:
    """The abort must not wait behind an R2T nobody answers (the data is the caller's)."""
    conn, target = connect(TargetConfig(immediate_data=False, hold_commands=True))
    task = conn.submit_scsi(write(0, bytes(1024)))
    exchange(conn, target)
    conn.cancel(task)
    conn.data_to_send()  # the abort request
    conn.receive_data(
        P.encode_target_pdu(
            P.R2T(task.itt, 9, 0, target.statsn, conn.expcmdsn, conn.maxcmdsn, 0, 0, 1024)
        )
    )
    (data_out,) = PduReader().feed(b"".join(bytes(b) for b in conn.data_to_send()))
    assert data_out.opcode == P.Opcode.DATA_OUT and data_out.ttt == 9 and data_out.final
    assert failed(conn.events()) == []


# ---------------------------------------------------------------------- logout, reject


def test_logout_closes_and_fails_what_is_left() -> None:
    conn, target = connect(TargetConfig(hold_commands=True))
    pending = conn.submit_scsi(read(0, 1))
    exchange(conn, target)
    logout = conn.logout()
    events = exchange(conn, target)
    assert set(done(events)) == {logout, pending}
    assert logout.error is None and logout.response == 0
    assert (logout.time2wait, logout.time2retain) == (2, 20)
    assert isinstance(pending.error, errors.ISCSIConnectionError)
    assert conn.state is State.CLOSED
    assert failed(events) == []
    (req,) = sent(target, P.Opcode.LOGOUT_REQUEST)
    assert req.immediate and req.flags == 0x80 and req.cmdsn == conn.cmdsn


def test_failed_logout_of_the_connection_keeps_it_open() -> None:
    conn, target = connect()
    logout = conn.logout(reason=1)
    conn.data_to_send()
    conn.receive_data(
        P.encode_target_pdu(
            P.LogoutResponse(logout.itt, 1, target.statsn, conn.expcmdsn, conn.maxcmdsn, 0, 0)
        )
    )
    assert isinstance(logout.error, errors.ProtocolError)
    assert conn.state is State.FULL_FEATURE


def test_reject_fails_the_rejected_task() -> None:
    conn, target = connect(TargetConfig(hold_commands=True))
    task = conn.submit_scsi(read(0, 1))
    exchange(conn, target)
    target.reject(target.held.pop(task.itt), 0x05)
    events = exchange(conn, target)
    assert done(events) == [task]
    assert isinstance(task.error, errors.RejectError)
    assert task.error.reason == 0x05 and "command not supported" in str(task.error)
    assert conn.state is State.FULL_FEATURE


def test_reject_of_an_untagged_pdu_is_ignored_and_of_an_unknown_tag_fails() -> None:
    conn, target = connect()
    target.ping(0x10)
    exchange(conn, target)
    target.reject(target.nop_replies[0], 0x09)
    assert exchange(conn, target) == []
    target.reject(target.received[0], 0x09)  # the login request, long done
    (error,) = failed(exchange(conn, target))
    assert "Reject for unknown task" in str(error)


def test_async_message_is_an_event() -> None:
    conn, target = connect()
    target.async_message(1, params=(0, 0, 30), data=b"\0\0", lun=LUN1)
    events = exchange(conn, target)
    (event,) = events
    assert isinstance(event, AsyncEvent)
    message = event.message
    assert (message.event, message.parameter3, message.lun) == (1, 30, LUN1)
    assert message.data == b"\0\0"
    assert conn.expstatsn == target.statsn


def test_connection_lost_fails_tasks_without_an_event() -> None:
    conn, target = connect(TargetConfig(hold_commands=True))
    task = conn.submit_scsi(read(0, 1))
    exchange(conn, target)
    conn.connection_lost()
    events = conn.events()
    assert done(events) == [task] and failed(events) == []
    assert isinstance(task.error, errors.ISCSIConnectionError)
    conn.connection_lost()
    assert conn.events() == []


# ----------------------------------------------------------------------------- pdu_hook


def test_pdu_hook_changes_a_cmdsn() -> None:
    conn, target = connect()

    def hook(pdu: P.OutgoingPdu) -> P.OutgoingPdu:
        if isinstance(pdu, P.ScsiCommand):
            pdu.cmdsn = 0x12345678
        return pdu

    conn.hooks = Hooks(pdu=hook)
    conn.submit_scsi(read(0, 1))
    exchange(conn, target)
    (cmd,) = sent(target, P.Opcode.SCSI_COMMAND)
    assert cmd.cmdsn == 0x12345678
    assert any("CmdSN 305419896" in v for v in target.violations)


def test_pdu_hook_drops_pdus_data_out_included() -> None:
    conn, target = connect(TargetConfig(immediate_data=False, hold_commands=True))
    seen: list[str] = []

    def hook(pdu: P.OutgoingPdu) -> P.OutgoingPdu | None:
        seen.append(type(pdu).__name__)
        return None if isinstance(pdu, P.NopOut | P.DataOut) else pdu

    conn.hooks = Hooks(pdu=hook)
    ping = conn.ping()
    assert conn.data_to_send() == []
    task = conn.submit_scsi(write(0, bytes(1024)))
    exchange(conn, target)
    target.complete_held()
    exchange(conn, target)
    assert sent(target, P.Opcode.DATA_OUT) == []
    assert seen == ["NopOut", "ScsiCommand", "DataOut"]
    assert not ping.done and not task.done


def test_pdu_hook_sees_every_data_out() -> None:
    conn, target = connect(TargetConfig(max_recv_data_segment_length=512))
    offsets: list[int] = []

    def hook(pdu: P.OutgoingPdu) -> P.OutgoingPdu:
        if isinstance(pdu, P.DataOut):
            offsets.append(pdu.buffer_offset)
        return pdu

    conn.hooks = Hooks(pdu=hook)
    task = conn.submit_scsi(write(0, pattern(2048)))
    exchange(conn, target)
    assert task.error is None and target.violations == []
    assert offsets == [512, 1024, 1536]
    assert target.disk[:2048] == pattern(2048)
