"""Round trips through the fake target: any cut of the byte stream gives the same result.

The initiator core must not care how TCP cuts the stream: the same target bytes fed in one
piece, in 1-byte pieces or cut at arbitrary places give the same events, buffers and output.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fake_target import (
    BLOCK_SIZE,
    FakeTarget,
    PduReader,
    TargetConfig,
    decode_initiator_pdu,
    exchange,
    feed,
)
from pyiscsi.protocol import pdu as P
from pyiscsi.protocol.chap import ChapCredentials
from pyiscsi.protocol.keys import OperationalSettings
from pyiscsi.protocol.login import LoginParameters
from pyiscsi.protocol.session import (
    AsyncEvent,
    ConnectionFailed,
    Event,
    Session,
    State,
    TaskDone,
)
from pyiscsi.protocol.tasks import NopTask, ScsiTask

INITIATOR = "iqn.2026-11.org.example:initiator"
TARGET = "iqn.2026-11.org.example:disk"


def rw10(op: int, lba: int, blocks: int) -> bytes:
    return bytes([op, 0]) + lba.to_bytes(4, "big") + b"\0" + blocks.to_bytes(2, "big") + b"\0"


def scenario(digests: bool) -> tuple[Session, FakeTarget, list[bytearray], bytes]:
    """A logged-in connection with work in flight, and the target's answer to all of it."""
    both = ("CRC32C",) if digests else ("None",)
    config = TargetConfig(
        hold_commands=True,
        data_in_size=3000,
        header_digests=both,
        data_digests=both,
        immediate_data=False,
        blocks=64,
    )
    target = FakeTarget(config)
    target.disk[:] = bytes((i * 13) & 0xFF for i in range(len(target.disk)))
    conn = Session(
        LoginParameters(INITIATOR, TARGET),
        OperationalSettings(header_digest=both, data_digest=both),
    )
    conn.login()
    exchange(conn, target)
    assert conn.state is State.FULL_FEATURE and conn.negotiated.data_digest is digests
    buffers = [bytearray(16 * BLOCK_SIZE), bytearray(3 * BLOCK_SIZE), bytearray(100)]
    conn.submit_scsi(ScsiTask(cdb=rw10(0x28, 0, 16), data_in=memoryview(buffers[0])))
    conn.submit_scsi(ScsiTask(cdb=rw10(0x28, 20, 3), data_in=memoryview(buffers[1])))
    conn.submit_scsi(ScsiTask(cdb=rw10(0x28, 60, 8), data_in=memoryview(buffers[2])))  # CHECK
    conn.submit_scsi(ScsiTask(cdb=rw10(0x2A, 30, 2), data_out=memoryview(bytes(1024))))
    target.receive(conn.data_to_send())
    conn.ping(b"are you there")
    target.receive(conn.data_to_send())
    target.complete_held()
    target.ping(0x77, b"abc")
    target.async_message(3, params=(0, 2, 20))
    return conn, target, buffers, target.data_to_send()


def summary(conn: Session, events: list[Event], buffers: list[bytearray]) -> Any:
    out: list[tuple[Any, ...]] = []
    for e in events:
        if isinstance(e, TaskDone):
            t = e.task
            extra = (
                (t.status, t.sense, t.residual, t.received)
                if isinstance(t, ScsiTask)
                else (t.reply if isinstance(t, NopTask) else None)
            )
            out.append(("done", t.itt, repr(t.error), extra))
        elif isinstance(e, AsyncEvent):
            out.append(("async", e.message.event, e.message.parameter2))
        elif isinstance(e, ConnectionFailed):
            out.append(("failed", repr(e.error)))
    sent = b"".join(bytes(b) for b in conn.data_to_send())
    return out, [bytes(b) for b in buffers], sent, conn.expstatsn, conn.maxcmdsn


REFERENCE: dict[bool, Any] = {}


def reference(digests: bool) -> Any:
    if digests not in REFERENCE:
        conn, _, buffers, stream = scenario(digests)
        feed(conn, stream)
        REFERENCE[digests] = summary(conn, conn.events(), buffers)
    return REFERENCE[digests]


def test_reference_scenario_is_what_the_target_meant() -> None:
    conn, target, buffers, stream = scenario(False)
    feed(conn, stream)
    events = conn.events()
    done = [e.task for e in events if isinstance(e, TaskDone)]
    assert len(done) == 4  # three reads and the ping; the write waits for its Data-Out
    assert buffers[0] == target.disk[: 16 * BLOCK_SIZE]
    assert buffers[1] == target.disk[20 * BLOCK_SIZE : 23 * BLOCK_SIZE]
    assert [t.status for t in done if isinstance(t, ScsiTask)] == [0, 0, 2]
    assert any(isinstance(e, AsyncEvent) for e in events)
    target.receive(conn.data_to_send())  # the Data-Out for the R2T and the NOP-Out echo
    assert target.nop_replies[0].ttt == 0x77
    events = exchange(conn, target)
    assert [e.task.error for e in events if isinstance(e, TaskDone)] == [None]


def test_one_byte_chunks_give_the_same_result() -> None:
    for digests in (False, True):
        conn, _, buffers, stream = scenario(digests)
        feed(conn, stream, chunks=[1] * len(stream))
        assert summary(conn, conn.events(), buffers) == reference(digests)


@settings(max_examples=60, deadline=None)
@given(st.booleans(), st.lists(st.integers(1, 5000), max_size=60))
def test_any_cut_of_the_stream_gives_the_same_result(digests: bool, cuts: list[int]) -> None:
    conn, _, buffers, stream = scenario(digests)
    feed(conn, stream, chunks=cuts)
    assert summary(conn, conn.events(), buffers) == reference(digests)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 3000), max_size=80))
def test_buffered_protocol_interface_with_short_writes(sizes: list[int]) -> None:
    """Like asyncio's BufferedProtocol: write at most ``size`` bytes into each get_buffer()."""
    conn, _, buffers, stream = scenario(False)
    pos = 0
    it = iter(sizes)
    while pos < len(stream):
        buf = conn.get_buffer(-1)
        assert len(buf) > 0
        n = min(len(buf), next(it, 4096), len(stream) - pos)
        buf[:n] = stream[pos : pos + n]
        conn.buffer_updated(n)
        pos += n
    assert summary(conn, conn.events(), buffers) == reference(False)


# -------------------------------------------------------------- codec <-> fake target decoder


U32 = st.integers(0, 2**32 - 1)


@given(
    U32,
    U32,
    st.integers(0, 2**64 - 1),
    U32,
    U32,
    st.binary(max_size=50),
    st.booleans(),
    st.booleans(),
)
def test_fake_target_decodes_what_the_codec_encodes(
    itt: int, ttt: int, lun: int, cmdsn: int, expstatsn: int, data: bytes, hd: bool, dd: bool
) -> None:
    pdus: list[P.OutgoingPdu] = [
        P.NopOut(itt=itt, ttt=ttt, lun=lun, cmdsn=cmdsn, expstatsn=expstatsn, data=data),
        P.ScsiCommand(
            itt=itt,
            cdb=bytes(range(32)),
            lun=lun,
            cmdsn=cmdsn,
            expstatsn=expstatsn,
            expected_data_transfer_length=ttt,
            write=True,
            data=data,
        ),
        P.DataOut(
            itt=itt,
            ttt=ttt,
            lun=lun,
            expstatsn=expstatsn,
            datasn=cmdsn,
            buffer_offset=ttt,
            final=True,
            data=data,
        ),
        P.TextRequest(itt=itt, ttt=ttt, cmdsn=cmdsn, expstatsn=expstatsn, data=data),
    ]
    stream = b"".join(bytes(b) for pdu in pdus for b in P.encode(pdu, hd, dd))
    reader = PduReader()
    reader.header_digest, reader.data_digest = hd, dd
    got = reader.feed(stream[:7]) + reader.feed(stream[7:])
    assert [p.opcode for p in got] == [p.OPCODE for p in pdus]
    assert all(p.itt == itt and p.data == data for p in got)
    nop, cmd, dout, text = got
    assert (nop.ttt, nop.lun, nop.cmdsn, nop.expstatsn, nop.immediate) == (
        ttt,
        lun,
        cmdsn,
        expstatsn,
        True,
    )
    assert cmd.cdb == bytes(range(32)) and cmd.edtl == ttt and not cmd.immediate
    assert (dout.datasn, dout.buffer_offset, dout.final) == (cmdsn, ttt, True)
    assert text.ttt == ttt and text.final
    assert reader.buf == bytearray()


def test_fake_target_decoder_refuses_bad_digests() -> None:
    raw = bytearray(b"".join(bytes(b) for b in P.encode(P.NopOut(itt=1, data=b"x"), True, True)))
    assert decode_initiator_pdu(raw, True, True) is not None
    assert decode_initiator_pdu(raw[:-1], True, True) is None
    raw[50] ^= 1
    try:
        decode_initiator_pdu(raw, True, True)
    except AssertionError as exc:
        assert "header digest" in str(exc)
    else:
        raise AssertionError("a bad header digest went unnoticed")


# ---------------------------------------------------------- target PDUs into the connection


@settings(max_examples=50, deadline=None)
@given(
    st.integers(0, 255),
    st.integers(0, 255),
    st.integers(0, 0xFFFF),
    st.integers(0, 0xFFFF),
    st.integers(0, 0xFFFF),
    st.binary(max_size=40),
    st.integers(0, 2**64 - 1),
)
def test_async_messages_reach_the_caller_intact(
    event: int, vcode: int, p1: int, p2: int, p3: int, data: bytes, lun: int
) -> None:
    target = FakeTarget()
    conn = Session(LoginParameters(INITIATOR, TARGET))
    conn.login()
    exchange(conn, target)
    target.async_message(event, vcode, (p1, p2, p3), data, lun)
    (got,) = exchange(conn, target)
    assert isinstance(got, AsyncEvent)
    m = got.message
    assert (m.event, m.vcode, m.parameter1, m.parameter2, m.parameter3, m.lun, m.data) == (
        event,
        vcode,
        p1,
        p2,
        p3,
        lun,
        data,
    )


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 2), st.binary(max_size=100), st.integers(0, 2**64 - 1))
def test_any_target_ping_is_echoed(ttt: int, data: bytes, lun: int) -> None:
    target = FakeTarget()
    conn = Session(LoginParameters(INITIATOR, TARGET))
    conn.login()
    exchange(conn, target)
    target.ping(ttt, data, lun)
    assert exchange(conn, target) == []
    (reply,) = target.nop_replies
    assert (reply.ttt, reply.data, reply.lun, reply.itt) == (ttt, data, lun, P.NO_TAG)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 16), st.integers(0, 8192), st.booleans())
def test_read_residuals(blocks: int, size: int, status_in_data_in: bool) -> None:
    target = FakeTarget(TargetConfig(status_in_data_in=status_in_data_in, data_in_size=1000))
    target.disk[:] = bytes((i * 5) & 0xFF for i in range(len(target.disk)))
    conn = Session(LoginParameters(INITIATOR, TARGET))
    conn.login()
    exchange(conn, target)
    buf = bytearray(size)
    task = conn.submit_scsi(ScsiTask(cdb=rw10(0x28, 1, blocks), data_in=memoryview(buf)))
    exchange(conn, target)
    length = blocks * BLOCK_SIZE
    assert task.done and task.error is None and task.status == 0
    assert task.overflow == (size < length) and task.underflow == (size > length)
    assert task.residual == abs(size - length)
    n = min(size, length)
    assert buf[:n] == target.disk[BLOCK_SIZE : BLOCK_SIZE + n]
    assert task.received == n


# ------------------------------------------------------------------------- properties


@settings(max_examples=50, deadline=None)
@given(
    blocks=st.integers(1, 96),
    mrdsl=st.sampled_from([512, 1000, 4096, 8192, 65536]),
    first_burst=st.sampled_from([512, 4096, 65536]),
    max_burst=st.sampled_from([4096, 16384, 262144]),
    immediate_data=st.booleans(),
    initial_r2t=st.booleans(),
    r2t_size=st.one_of(st.none(), st.integers(512, 9000)),
    digests=st.booleans(),
)
def test_any_write_reaches_the_disk_by_the_rules(
    blocks: int,
    mrdsl: int,
    first_burst: int,
    max_burst: int,
    immediate_data: bool,
    initial_r2t: bool,
    r2t_size: int | None,
    digests: bool,
) -> None:
    both = ("CRC32C",) if digests else ("None",)
    config = TargetConfig(
        max_recv_data_segment_length=mrdsl,
        first_burst_length=first_burst,
        max_burst_length=max_burst,
        immediate_data=immediate_data,
        initial_r2t=initial_r2t,
        r2t_size=r2t_size,
        blocks=100,
        header_digests=both,
        data_digests=both,
    )
    target = FakeTarget(config)
    conn = Session(
        LoginParameters(INITIATOR, TARGET),
        OperationalSettings(header_digest=both, data_digest=both),
    )
    conn.login()
    exchange(conn, target)
    data = bytes((i * 31 + blocks) & 0xFF for i in range(blocks * BLOCK_SIZE))
    task = conn.submit_scsi(ScsiTask(cdb=rw10(0x2A, 2, blocks), data_out=memoryview(data)))
    exchange(conn, target)
    assert task.done and task.error is None and task.status == 0
    assert target.violations == []
    assert target.disk[2 * BLOCK_SIZE : 2 * BLOCK_SIZE + len(data)] == data


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 64), st.integers(512, 70000), st.booleans(), st.booleans())
def test_any_read_lands_in_place(
    blocks: int, size: int, status_in_data_in: bool, digests: bool
) -> None:
    both = ("CRC32C",) if digests else ("None",)
    config = TargetConfig(
        data_in_size=size,
        status_in_data_in=status_in_data_in,
        header_digests=both,
        data_digests=both,
    )
    target = FakeTarget(config)
    target.disk[:] = bytes((i * 3 + 1) & 0xFF for i in range(len(target.disk)))
    conn = Session(
        LoginParameters(INITIATOR, TARGET),
        OperationalSettings(header_digest=both, data_digest=both),
    )
    conn.login()
    exchange(conn, target)
    buf = bytearray(blocks * BLOCK_SIZE)
    task = conn.submit_scsi(ScsiTask(cdb=rw10(0x28, 0, blocks), data_in=memoryview(buf)))
    exchange(conn, target)
    assert task.done and task.error is None
    assert buf == target.disk[: len(buf)]
    assert task.expected_datasn == -(-len(buf) // size)


def test_whole_login_fed_one_byte_at_a_time() -> None:
    config = TargetConfig(
        chap_user="u",
        chap_secret="initiator-secret",
        mutual_user="t",
        mutual_secret="target-secret",
        login_split=9,
    )
    target = FakeTarget(config)
    conn = Session(
        LoginParameters(INITIATOR, TARGET),
        None,
        ChapCredentials("u", "initiator-secret", "t", "target-secret"),
    )
    task = conn.login()
    exchange(conn, target, cut=lambda data: [1] * len(data))
    assert task.done and task.error is None
    assert conn.state is State.FULL_FEATURE
    assert target.violations == []


@settings(max_examples=50, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, 6),
    st.integers(1, 20),
    st.randoms(use_true_random=False),
)
def test_cmdsn_window_property(first: int, window: int, count: int, rnd: Any) -> None:
    """Whatever the window and completion order: CmdSNs in order, never past MaxCmdSN."""
    target = FakeTarget(TargetConfig(cmd_window=window, hold_commands=True))
    conn = Session(LoginParameters(INITIATOR, TARGET))
    conn.cmdsn = first
    conn.login()
    exchange(conn, target)
    tasks = [conn.submit_scsi(ScsiTask(cdb=bytes(6))) for _ in range(count)]
    exchange(conn, target)
    while target.held:
        assert len(target.held) <= window
        target.complete_held(rnd.choice(sorted(target.held)))
        exchange(conn, target)
    assert all(t.done and t.error is None for t in tasks)
    cmds = target.of_opcode(P.Opcode.SCSI_COMMAND)
    assert [c.cmdsn for c in cmds] == [(first + i) & 0xFFFFFFFF for i in range(count)]
    assert target.violations == []
    assert conn.tasks_in_flight == 0
