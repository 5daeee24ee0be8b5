"""Recovery and timeouts in the sans-I/O session core, against the fake target, no sockets.

Every test drives the clock by hand (``handle_timer(now)`` at the times ``next_timer()``
names) and counts what crossed the wire at the fake target: Login Requests, CmdSNs, task
management functions.  A :class:`Link` plays the I/O layer: it shuttles bytes, obeys
OpenConnection (or refuses it), and keeps every event so that each task's TaskDone can be
counted.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest

from fake_target import (
    BLOCK_SIZE,
    FakeTarget,
    InitiatorPdu,
    TargetConfig,
    exchange,
    sense_data,
)
from pyiscsi import errors
from pyiscsi.protocol import pdu as P
from pyiscsi.protocol.chap import ChapCredentials
from pyiscsi.protocol.connection import Hooks
from pyiscsi.protocol.keys import OperationalSettings
from pyiscsi.protocol.login import LoginParameters
from pyiscsi.protocol.session import (
    ConnectionFailed,
    Event,
    OpenConnection,
    Reconnected,
    RecoveryPolicy,
    Session,
    State,
    TaskDone,
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
ISID = b"\x80\x12\x34\x56\x78\x9a"
LUN0 = 0
LUN1 = 0x0001000000000000


# ------------------------------------------------------------------------------ helpers


def rw10(op: int, lba: int, blocks: int) -> bytes:
    return bytes([op, 0]) + lba.to_bytes(4, "big") + b"\0" + blocks.to_bytes(2, "big") + b"\0"


def read(lba: int, blocks: int) -> ScsiTask:
    return ScsiTask(cdb=rw10(0x28, lba, blocks), data_in=memoryview(bytearray(blocks * BLOCK_SIZE)))


def write(lba: int, data: bytes) -> ScsiTask:
    return ScsiTask(cdb=rw10(0x2A, lba, len(data) // BLOCK_SIZE), data_out=memoryview(data))


def pattern(n: int, seed: int) -> bytes:
    return bytes((i * 7 + seed * 13 + (i >> 8)) & 0xFF for i in range(n))


def lba_of(cdb: bytes) -> int:
    return int.from_bytes(cdb[2:6], "big")


class Target(FakeTarget):
    """The fake target, forgetting on a new connection what it declared on the last.

    (FakeTarget keeps ``agreed`` across connections, so it would not declare its
    MaxRecvDataSegmentLength again and the initiator would rightly fall back to 8192.)
    """

    def new_connection(self) -> None:
        super().new_connection()
        self.agreed = {}


@dataclass
class Link:
    """The I/O layer in a test: one session, one fake target, every event kept."""

    session: Session
    target: FakeTarget
    events: list[Event] = field(default_factory=list)
    opens: int = 0  # OpenConnection events obeyed or refused

    def pump(self, now: float) -> list[Event]:
        """Shuttle bytes until quiet (obeying OpenConnection); the new events."""
        new = exchange(self.session, self.target, now)
        self.opens += sum(isinstance(e, OpenConnection) for e in new)
        self.events += new
        return new

    def timer(self, now: float) -> list[Event]:
        """Fire the timer at ``now`` and shuttle what follows."""
        self.session.handle_timer(now)
        return self.pump(now)

    def timer_refused(self, now: float, error: errors.ISCSIError | None = None) -> list[Event]:
        """Fire the timer at ``now``; refuse the TCP connection it asks for."""
        self.session.handle_timer(now)
        new = self.session.events()
        opens = [e for e in new if isinstance(e, OpenConnection)]
        assert len(opens) == 1, new
        self.opens += 1
        self.session.connection_lost(
            error or errors.ISCSIConnectionError("connection refused"), now=now
        )
        new += self.session.events()
        self.events += new
        return new

    def advance(self, now: float, refuse: bool) -> None:
        """Fire the timer at ``now``; refuse or make the TCP connection it may ask for."""
        self.session.handle_timer(now)
        new = self.session.events()
        self.events += new
        if any(isinstance(e, OpenConnection) for e in new):
            self.opens += 1
            if refuse:
                self.session.connection_lost(errors.ISCSIConnectionError("refused"), now=now)
                self.events += self.session.events()
            else:
                self.target.new_connection()
                self.session.connection_made(now)
        self.pump(now)

    def lose(self, now: float) -> list[Event]:
        """The TCP connection breaks (what the target had not sent yet is gone with it)."""
        self.target.data_to_send()
        self.session.connection_lost(now=now)
        new = self.session.events()
        self.events += new
        return new

    def done_count(self) -> Counter[int]:
        """TaskDone events per task (keyed by id)."""
        return Counter(id(e.task) for e in self.events if isinstance(e, TaskDone))

    def finish_held(self, now: float, rounds: int = 64) -> None:
        """Let the holding target execute what it holds, until nothing is held."""
        for _ in range(rounds):
            self.pump(now)
            if not self.target.held:
                return
            self.target.complete_held()
        raise AssertionError("the target still holds commands")

    def wait_and_reconnect(self, lost_at: float, wait: float) -> list[Event]:
        """Time2Wait must pass before the one OpenConnection; then re-login."""
        due = self.session.next_timer()
        assert due is not None and due == pytest.approx(lost_at + wait)
        assert state_of(self.session) is State.RECOVERY
        opens = self.opens
        self.timer(due - 0.001)
        assert self.opens == opens  # not before Time2Wait
        new = self.timer(due)
        assert self.opens == opens + 1  # exactly one connection asked for
        return new


def start(
    config: TargetConfig | None = None,
    settings: OperationalSettings | None = None,
    **policy: Any,
) -> Link:
    """A session with recovery on, open on a fresh fake target at t=0."""
    target = Target(config)
    session = Session(
        LoginParameters(INITIATOR, TARGET, isid=ISID),
        settings,
        policy=RecoveryPolicy(recover=True, **policy),
    )
    link = Link(session, target)
    task = session.open(0.0)
    link.pump(0.0)
    assert link.opens == 1
    assert task.done and task.error is None
    assert state_of(session) is State.FULL_FEATURE
    return link


def state_of(session: Session) -> State:
    """The session's state (a call, so that mypy does not narrow it across actions)."""
    return session.state


def commands_since(target: FakeTarget, index: int) -> list[InitiatorPdu]:
    """SCSI Command PDUs the target received from ``target.received[index]`` on."""
    return [p for p in target.received[index:] if p.opcode == P.Opcode.SCSI_COMMAND]


def logins(target: FakeTarget) -> list[InitiatorPdu]:
    return target.of_opcode(P.Opcode.LOGIN_REQUEST)


def real_violations(target: FakeTarget) -> list[str]:
    """The fake target's violations, less its check of a new connection's login ExpStatSN.

    (It expects the ExpStatSN of the old connection; a new connection starts afresh.)
    """
    return [v for v in target.violations if not v.startswith("login ExpStatSN")]


# ----------------------------------------------------------- loss, Time2Wait, re-send


TIME2WAIT_SOURCES = ["negotiated", "async_message", "logout_response"]


@pytest.mark.parametrize("source", TIME2WAIT_SOURCES)
def test_loss_with_commands_in_flight_and_waiting_resends_all_in_order(source: str) -> None:
    link = start(
        TargetConfig(cmd_window=3, hold_commands=True),
        OperationalSettings(default_time2wait=5),
    )
    session, target = link.session, link.target
    assert session.negotiated.default_time2wait == 5
    for lba in range(0, 32):
        target.disk[lba * BLOCK_SIZE : (lba + 1) * BLOCK_SIZE] = pattern(BLOCK_SIZE, lba)
    written = {4: pattern(BLOCK_SIZE, 100), 32: pattern(16 * 1024, 101), 12: pattern(1024, 102)}
    tasks = [
        read(0, 2),
        write(4, written[4]),
        write(32, written[32]),  # past the immediate data: an R2T after the re-login
        read(8, 4),
        write(12, written[12]),
        read(20, 8),
    ]
    for task in tasks:
        session.submit_scsi(task, now=1.0)
    link.pump(1.0)
    first_round = commands_since(target, 0)
    assert [lba_of(p.cdb) for p in first_round] == [0, 4, 32]  # the window holds 3
    assert all(not t.done for t in tasks)

    if source == "negotiated":
        wait = 5.0
        link.lose(2.0)
    elif source == "async_message":
        wait = 3.0
        target.async_message(2, params=(0, 3, 0))  # drop the connection, Time2Wait 3 s
        link.pump(1.5)
        link.lose(2.0)
    else:
        wait = 2.0  # the fake target's Logout Response says Time2Wait 2
        logout = session.logout(reason=1)
        new = link.pump(2.0)
        assert [e.task for e in new if isinstance(e, TaskDone)] == [logout]
        assert logout.error is None and logout.time2wait == 2
        assert [type(e) for e in new if not isinstance(e, TaskDone)] == [ConnectionFailed]
    assert state_of(session) is State.RECOVERY
    assert all(not t.done for t in tasks)

    mark = len(target.received)
    link.wait_and_reconnect(2.0, wait)
    link.finish_held(2.0 + wait)
    resent = commands_since(target, mark)
    assert [p.cdb[:10] for p in resent] == [t.cdb for t in tasks]
    cmdsns = [p.cmdsn for p in resent]
    assert cmdsns == list(range(cmdsns[0], cmdsns[0] + len(tasks)))
    assert [e.attempts for e in link.events if isinstance(e, Reconnected)] == [1]
    counts = link.done_count()
    assert [counts[id(t)] for t in tasks] == [1] * len(tasks)
    assert all(t.error is None and t.status == 0 for t in tasks)
    for task in (tasks[0], tasks[3], tasks[5]):
        assert task.data_in is not None
        lba = lba_of(task.cdb)
        assert bytes(task.data_in) == bytes(
            target.disk[lba * BLOCK_SIZE : lba * BLOCK_SIZE + len(task.data_in)]
        )
        assert bytes(task.data_in[:BLOCK_SIZE]) == pattern(BLOCK_SIZE, lba)
    for lba, data in written.items():
        assert target.disk[lba * BLOCK_SIZE : lba * BLOCK_SIZE + len(data)] == data
    assert real_violations(target) == []
    assert state_of(session) is State.FULL_FEATURE


def test_a_command_completed_before_the_loss_is_not_sent_again() -> None:
    link = start(TargetConfig(hold_commands=True))
    session, target = link.session, link.target
    first, second, third = (session.submit_scsi(read(i, 1), now=1.0) for i in range(3))
    link.pump(1.0)
    target.complete_held(first.itt)
    target.complete_held(third.itt)
    link.pump(1.5)
    assert first.done and third.done and not second.done
    link.lose(2.0)
    mark = len(target.received)
    link.wait_and_reconnect(2.0, 2.0)
    link.finish_held(4.0)
    assert [lba_of(p.cdb) for p in commands_since(target, mark)] == [1]
    counts = link.done_count()
    assert [counts[id(t)] for t in (first, second, third)] == [1, 1, 1]
    assert all(t.error is None for t in (first, second, third))


@pytest.mark.parametrize("abort_answered", [True, False])
def test_a_cancelled_command_is_not_sent_again(abort_answered: bool) -> None:
    link = start(TargetConfig(hold_commands=True))
    session, target = link.session, link.target
    kept, cancelled = session.submit_scsi(read(0, 1)), session.submit_scsi(read(1, 1))
    link.pump(1.0)
    abort = session.cancel(cancelled, now=1.0)
    assert abort is not None
    if abort_answered:
        link.pump(1.0)
        assert abort.done and abort.error is None
    link.lose(2.0)
    if not abort_answered:
        assert abort.done and isinstance(abort.error, errors.ISCSIConnectionError)
    mark = len(target.received)
    link.wait_and_reconnect(2.0, 2.0)
    link.finish_held(4.0)
    assert [lba_of(p.cdb) for p in commands_since(target, mark)] == [0]
    assert [p.opcode for p in target.received[mark:] if p.opcode != P.Opcode.LOGIN_REQUEST] == [
        P.Opcode.SCSI_COMMAND
    ]  # no ABORT TASK again either
    counts = link.done_count()
    assert (counts[id(kept)], counts[id(cancelled)], counts[id(abort)]) == (1, 1, 1)
    assert kept.error is None
    assert isinstance(cancelled.error, errors.CommandCancelledError)


def test_requests_other_than_scsi_in_flight_fail_and_are_not_sent_again() -> None:
    link = start(TargetConfig(hold_commands=True, answer_pings=False))
    session, target = link.session, link.target
    command = session.submit_scsi(read(0, 1))
    link.pump(1.0)
    ping = session.ping(b"abcd", now=1.0)
    text = session.text_request([("SendTargets", "All")])
    reset = session.task_management(TaskManagementFunction.LOGICAL_UNIT_RESET, lun=LUN1)
    # the target never sees them: the connection breaks first
    link.lose(2.0)
    for task in (ping, text, reset):
        assert task.done and isinstance(task.error, errors.ISCSIConnectionError)
    assert not command.done
    mark = len(target.received)
    link.wait_and_reconnect(2.0, 2.0)
    link.finish_held(4.0)
    after = {p.opcode for p in target.received[mark:]}
    assert after == {P.Opcode.LOGIN_REQUEST, P.Opcode.SCSI_COMMAND}
    counts = link.done_count()
    assert [counts[id(t)] for t in (command, ping, text, reset)] == [1, 1, 1, 1]
    assert command.error is None


@pytest.mark.parametrize("when", ["recovery", "connecting", "login"])
def test_commands_submitted_while_recovering_go_after_the_held_ones(when: str) -> None:
    link = start(TargetConfig(cmd_window=2, hold_commands=True))
    session, target = link.session, link.target
    held = [session.submit_scsi(read(i, 1), now=1.0) for i in range(3)]  # the third waits
    link.pump(1.0)
    link.lose(2.0)
    late = [session.submit_scsi(read(10, 1), now=2.5)]
    mark = len(target.received)
    if when == "recovery":
        link.wait_and_reconnect(2.0, 2.0)
    else:
        session.handle_timer(4.0)
        assert [type(e) for e in session.events()] == [OpenConnection]
        link.opens += 1
        if when == "connecting":
            late.append(session.submit_scsi(read(11, 1), now=4.0))
        target.new_connection()
        session.connection_made(4.0)
        assert state_of(session) is State.LOGIN
        if when == "login":
            late.append(session.submit_scsi(read(11, 1), now=4.0))
        link.pump(4.0)
    link.finish_held(4.0)
    tasks = held + late
    assert [p.cdb[:10] for p in commands_since(target, mark)] == [t.cdb for t in tasks]
    cmdsns = [p.cmdsn for p in commands_since(target, mark)]
    assert cmdsns == sorted(cmdsns) and len(set(cmdsns)) == len(cmdsns)
    counts = link.done_count()
    assert [counts[id(t)] for t in tasks] == [1] * len(tasks)
    assert all(t.error is None for t in tasks)
    assert link.opens == 2


# ------------------------------------------------------------- failed re-logins, backoff


def backoff(n: int) -> list[float]:
    """The first ``n`` delays between failed attempts: 0.25 s doubling, at most 10 s."""
    return [min(0.25 * 2**i, 10.0) for i in range(n)]


def fail_attempt(link: Link, now: float, how: str) -> list[Event]:
    """Fire the timer at ``now`` (an attempt is due) and make that attempt fail ``how``."""
    session, target = link.session, link.target
    if how == "refused":
        return link.timer_refused(now)
    if how == "rejected":  # the target answers the leading Login Request with 0x0301
        target.config.login_status = (3, 1)
        target.config.login_status_at = target.login_requests
        return link.timer(now)
    # "login_timeout": the TCP connection opens, the target never answers the login
    session.handle_timer(now)
    new = session.events()
    assert [type(e) for e in new] == [OpenConnection]
    link.opens += 1
    target.new_connection()
    session.connection_made(now)
    session.data_to_send()  # lost in a target that hangs
    timeout = session.policy.login_timeout
    assert timeout is not None
    assert session.next_timer() == pytest.approx(now + timeout)
    session.handle_timer(now + timeout - 0.001)
    assert session.events() == []
    session.handle_timer(now + timeout)
    later = session.events()
    (error,) = [e.error for e in later if isinstance(e, ConnectionFailed)]
    assert isinstance(error, errors.ISCSITimeoutError) and "did not complete" in str(error)
    link.events += new + later
    return new + later


FAILURES = ["refused", "rejected", "login_timeout"]


@pytest.mark.parametrize("how", FAILURES)
def test_failed_re_logins_back_off_then_succeed(how: str) -> None:
    link = start(TargetConfig(hold_commands=True), login_timeout=5.0, reconnect_timeout=None)
    session, target = link.session, link.target
    command = session.submit_scsi(read(3, 1), now=1.0)
    link.pump(1.0)
    link.lose(2.0)
    now = 4.0  # Time2Wait 2
    assert session.next_timer() == now
    delays = backoff(7)
    for delay in delays:
        fail_attempt(link, now, how)
        assert state_of(session) is State.RECOVERY
        if how == "login_timeout":
            now += session.policy.login_timeout or 0.0
        due = session.next_timer()
        assert due is not None and due == pytest.approx(now + delay)
        assert not command.done
        now = due
    assert delays[-1] == 10.0
    mark = len(target.received)
    link.timer(now)
    link.finish_held(now)
    assert [lba_of(p.cdb) for p in commands_since(target, mark)] == [3]
    assert link.done_count()[id(command)] == 1 and command.error is None
    assert [e.attempts for e in link.events if isinstance(e, Reconnected)] == [len(delays) + 1]
    assert link.opens == 1 + len(delays) + 1
    assert state_of(session) is State.FULL_FEATURE


@pytest.mark.parametrize("how", FAILURES)
@pytest.mark.parametrize("limit", ["reconnect_timeout", "max_reconnects"])
def test_re_login_gives_up_at_the_limit_without_busy_looping(how: str, limit: str) -> None:
    policy: dict[str, Any] = {"login_timeout": 5.0}
    if limit == "reconnect_timeout":
        policy["reconnect_timeout"] = 20.0
    else:
        policy["reconnect_timeout"] = None
        policy["max_reconnects"] = 4
    link = start(TargetConfig(hold_commands=True), **policy)
    session = link.session
    commands = [session.submit_scsi(read(i, 1), now=1.0) for i in range(2)]
    link.pump(1.0)
    link.lose(2.0)
    now = 4.0
    attempts = 0
    started: list[float] = []
    while state_of(session) is State.RECOVERY:
        assert session.next_timer() == pytest.approx(now)
        started.append(now)
        fail_attempt(link, now, how)
        attempts += 1
        assert attempts < 50
        if how == "login_timeout":
            now += 5.0
        due = session.next_timer()
        if due is None:
            break
        assert due > now  # never a timer in the past or now: no busy loop
        session.handle_timer(due - 0.001)
        assert session.events() == []
        now = due
    assert state_of(session) is State.CLOSED
    assert session.next_timer() is None
    if limit == "max_reconnects":
        assert attempts == 4
    else:
        # every attempt started within 20 s of the loss; the next one would not have
        assert max(started) <= 2.0 + 20.0
        assert now + backoff(attempts)[-1] > 2.0 + 20.0
    assert link.opens == 1 + attempts
    counts = link.done_count()
    for task in commands:
        assert counts[id(task)] == 1
        assert isinstance(task.error, errors.ISCSIConnectionError)
        assert f"after {attempts} attempt(s)" in str(task.error)
    assert session.failure is commands[0].error
    with pytest.raises(errors.ISCSIConnectionError, match="session is over"):
        session.submit_scsi(read(0, 1))
    session.handle_timer(1e6)
    assert session.events() == []


# ------------------------------------------------- losses again, unit attentions, ISID


def is_tur(pdu: InitiatorPdu) -> bool:
    return pdu.cdb[0] == 0x00


def answer_held_tur(target: FakeTarget, unit_attention: bool) -> None:
    """Answer the TEST UNIT READY the target holds: UNIT ATTENTION (POWER ON) or GOOD."""
    (itt,) = [itt for itt, cmd in target.held.items() if is_tur(cmd)]
    cmd = target.held.pop(itt)
    if unit_attention:
        target.scsi_response(cmd, 0x02, sense=sense_data(0x6, 0x29, 0x00))
    else:
        target.scsi_response(cmd, 0x00)


SECOND_LOSS = ["connecting", "login", "settling", "full_feature"]


@pytest.mark.parametrize("where", SECOND_LOSS)
def test_a_second_loss_during_recovery(where: str) -> None:
    link = start(unit_attention_lun=LUN0)
    session, target = link.session, link.target
    assert [is_tur(p) for p in commands_since(target, 0)] == [True]  # after the first login
    target.config.hold_commands = True
    for lba in range(8):
        target.disk[lba * BLOCK_SIZE : (lba + 1) * BLOCK_SIZE] = pattern(BLOCK_SIZE, lba)
    tasks = [session.submit_scsi(read(lba, 2), now=1.0) for lba in (0, 2, 4)]
    link.pump(1.0)
    link.lose(2.0)
    now = 4.0
    if where == "connecting":
        link.timer_refused(now)
        lost, wait = now, 0.25
    elif where == "login":
        session.handle_timer(now)
        assert [type(e) for e in session.events()] == [OpenConnection]
        link.opens += 1
        target.new_connection()
        session.connection_made(now)
        target.receive(session.data_to_send())  # the Login Request arrives ...
        target.data_to_send()  # ... its answer is lost with the connection
        lost, wait = now + 0.5, 0.25
        link.lose(lost)
    elif where == "settling":
        link.timer(now)
        assert state_of(session) is State.LOGIN  # logged in, clearing unit attentions
        answer_held_tur(target, unit_attention=True)
        link.pump(now)
        assert [is_tur(cmd) for cmd in target.held.values()] == [True]  # asked again
        lost, wait = now + 0.5, 2.0  # logged in: Time2Wait, not the backoff
        link.lose(lost)
    else:
        link.timer(now)
        answer_held_tur(target, unit_attention=False)
        link.pump(now)
        assert state_of(session) is State.FULL_FEATURE
        target.complete_held(next(iter(target.held)))  # the first re-sent command completes
        link.pump(now)
        assert tasks[0].done and not tasks[1].done
        lost, wait = now + 1.0, 2.0  # full feature reached: Time2Wait again
        link.lose(lost)
    assert state_of(session) is State.RECOVERY
    assert not any(t.done for t in tasks[1:])
    mark = len(target.received)
    link.wait_and_reconnect(lost, wait)
    link.finish_held(lost + wait)
    after = commands_since(target, mark)
    assert is_tur(after[0])  # unit attentions cleared before the commands go
    unfinished = tasks[1:] if where == "full_feature" else tasks
    assert [p.cdb[:10] for p in after[1:]] == [t.cdb for t in unfinished]
    counts = link.done_count()
    assert [counts[id(t)] for t in tasks] == [1, 1, 1]
    assert [e.task for e in done_events(link) if isinstance(e.task, ScsiTask)] == [
        tasks[0],  # done before the second loss, or with the others
        tasks[1],
        tasks[2],
    ]  # and no TEST UNIT READY among them
    for task in tasks:
        assert task.error is None and task.data_in is not None
        lba = lba_of(task.cdb)
        assert bytes(task.data_in) == pattern(BLOCK_SIZE, lba) + pattern(BLOCK_SIZE, lba + 1)
    assert session.reconnects == (2 if where == "full_feature" else 1)
    # every login: the same ISID, TSIH 0 in the leading request
    requests = logins(target)
    refused = 1 if where == "connecting" else 0  # an open refused before any login
    assert len(requests) >= link.opens - refused
    assert {p.lun >> 16 for p in requests} == {int.from_bytes(ISID, "big")}
    assert {p.lun & 0xFFFF for p in requests} == {0}
    assert session.tsih == target.config.tsih


def done_events(link: Link) -> list[TaskDone]:
    return [e for e in link.events if isinstance(e, TaskDone)]


def test_the_unit_attention_is_cleared_after_a_re_login() -> None:
    link = start(unit_attention_lun=LUN0)
    session, target = link.session, link.target
    target.config.hold_commands = True
    task = session.submit_scsi(read(0, 1), now=1.0)
    link.pump(1.0)
    link.lose(2.0)
    mark = len(target.received)
    link.wait_and_reconnect(2.0, 2.0)
    for _ in range(3):  # POWER ON, then two more unit attentions
        answer_held_tur(target, unit_attention=True)
        link.pump(4.0)
        assert state_of(session) is State.LOGIN and not task.done
    answer_held_tur(target, unit_attention=False)
    link.finish_held(4.0)
    after = commands_since(target, mark)
    assert [is_tur(p) for p in after] == [True, True, True, True, False]
    assert link.done_count()[id(task)] == 1 and task.error is None
    assert [e.task for e in done_events(link) if isinstance(e.task, ScsiTask)] == [task]


def test_losses_reported_twice_or_while_recovering_change_nothing() -> None:
    link = start(TargetConfig(hold_commands=True))
    session = link.session
    task = session.submit_scsi(read(0, 1), now=1.0)
    link.pump(1.0)
    link.lose(2.0)
    due = session.next_timer()
    assert link.lose(2.5) == [] and link.lose(3.0) == []
    assert session.next_timer() == due
    link.wait_and_reconnect(2.0, 2.0)
    link.finish_held(4.0)
    assert link.done_count()[id(task)] == 1 and task.error is None
    assert link.opens == 2


def test_the_leading_login_of_every_connection_has_our_isid_and_tsih_0() -> None:
    link = start(TargetConfig(hold_commands=True))
    session, target = link.session, link.target
    assert session.tsih == 0x1234
    for i in range(3):
        session.submit_scsi(read(i, 1), now=10.0 * i + 1)
        link.pump(10.0 * i + 1)
        link.lose(10.0 * i + 2)
        link.timer_refused(10.0 * i + 4)  # a refused attempt between
        link.timer(10.0 * i + 4.25)
        link.finish_held(10.0 * i + 4.25)
    requests = logins(target)
    assert len(requests) >= target.connections - 1 == 4
    for pdu in requests:
        assert pdu.lun >> 16 == int.from_bytes(ISID, "big")
        assert pdu.lun & 0xFFFF == 0
    assert session.reconnects == 3 and session.tsih == 0x1234


# ------------------------------------------------------------------ timeout escalation


def tmf_functions(target: FakeTarget, since: int = 0) -> list[int]:
    """The functions of the task management requests the target received."""
    return [
        p.flags & 0x7F
        for p in target.received[since:]
        if p.opcode == P.Opcode.TASK_MANAGEMENT_REQUEST
    ]


ABORT, LUN_RESET = 1, 5


@pytest.mark.parametrize("answered", ["abort", "lun_reset", "nothing"])
def test_a_command_timeout_escalates(answered: str) -> None:
    """ABORT TASK; unanswered after abort_timeout, LUN RESET; unanswered, drop and recover."""
    link = start(TargetConfig(hold_commands=True), abort_timeout=4.0)
    session, target = link.session, link.target
    swallowed: list[int] = []

    def hook(pdu: P.OutgoingPdu) -> P.OutgoingPdu | None:
        if isinstance(pdu, P.TaskManagementRequest):
            lost = {"abort": (), "lun_reset": (ABORT,), "nothing": (ABORT, LUN_RESET)}[answered]
            if pdu.function in lost:
                swallowed.append(pdu.function)
                return None  # the target never answers it
        return pdu

    session.hooks = Hooks(pdu=hook)
    slow = read(0, 1)
    slow.timeout = 3.0
    other = ScsiTask(cdb=rw10(0x28, 1, 1), data_in=memoryview(bytearray(512)), lun=LUN1)
    session.submit_scsi(slow, now=1.0)
    session.submit_scsi(other, now=1.0)
    link.pump(1.0)
    assert session.next_timer() == 4.0
    link.timer(3.999)
    assert not slow.done
    link.timer(4.0)
    assert slow.done and isinstance(slow.error, errors.ISCSITimeoutError)
    assert "aborted" in str(slow.error)
    assert slow.data_in is not None and bytes(slow.data_in) == bytes(512)
    if answered == "abort":
        assert tmf_functions(target) == [ABORT] and swallowed == []
        assert slow.itt not in target.held
        assert session.next_timer() is None  # the answered ABORT TASK wakes nothing
    else:
        assert session.next_timer() == 8.0
        link.timer(8.0)
        assert swallowed[0] == ABORT
        if answered == "lun_reset":
            assert tmf_functions(target) == [LUN_RESET]
            assert state_of(session) is State.FULL_FEATURE
        else:
            assert swallowed == [ABORT, LUN_RESET] and tmf_functions(target) == []
            assert session.next_timer() == 12.0
            mark = len(target.received)
            new = link.timer(12.0)
            (error,) = [e.error for e in new if isinstance(e, ConnectionFailed)]
            assert isinstance(error, errors.ISCSITimeoutError)
            assert "neither ABORT TASK nor LOGICAL UNIT RESET" in str(error)
            assert state_of(session) is State.RECOVERY
            link.wait_and_reconnect(12.0, 2.0)
            assert [lba_of(p.cdb) for p in commands_since(target, mark)] == [1]  # not `slow`
    dropped = [e for e in link.events if isinstance(e, ConnectionFailed)]
    assert len(dropped) == (1 if answered == "nothing" else 0)
    link.finish_held(20.0)
    counts = link.done_count()
    assert (counts[id(slow)], counts[id(other)]) == (1, 1)
    assert other.error is None and state_of(session) is State.FULL_FEATURE
    assert session.tasks_in_flight == 0  # no ITT left behind
    assert real_violations(target) == []


def test_a_timeout_while_recovering_fails_the_command_and_it_is_not_sent_again() -> None:
    link = start(TargetConfig(hold_commands=True), OperationalSettings(default_time2wait=20))
    session, target = link.session, link.target
    slow = read(0, 1)
    slow.timeout = 10.0
    other = read(1, 1)
    session.submit_scsi(slow, now=1.0)
    session.submit_scsi(other, now=1.0)
    link.pump(1.0)
    link.lose(2.0)
    assert session.next_timer() == 11.0  # the deadline comes before Time2Wait ends (22)
    link.timer(11.0)
    assert slow.done and isinstance(slow.error, errors.ISCSITimeoutError)
    assert "the connection was lost and the abort could not be sent" in str(slow.error)
    assert session.next_timer() == 22.0
    mark = len(target.received)
    link.wait_and_reconnect(2.0, 20.0)
    link.finish_held(22.0)
    assert [lba_of(p.cdb) for p in commands_since(target, mark)] == [1]
    assert tmf_functions(target) == []
    counts = link.done_count()
    assert (counts[id(slow)], counts[id(other)]) == (1, 1)
    assert other.error is None


def test_a_timeout_of_a_command_queued_behind_the_window() -> None:
    link = start(TargetConfig(hold_commands=True, cmd_window=1))
    session, target = link.session, link.target
    first = session.submit_scsi(read(0, 1), now=1.0)
    queued = read(1, 1)
    queued.timeout = 2.0
    session.submit_scsi(queued, now=1.0)
    link.pump(1.0)
    link.timer(3.0)
    assert queued.done and "never sent" in str(queued.error)
    link.finish_held(3.0)
    assert [lba_of(p.cdb) for p in commands_since(target, 0)] == [0]
    assert first.error is None and tmf_functions(target) == []
    assert link.done_count()[id(queued)] == 1


# ------------------------------------------------------------------------- error state


@pytest.mark.parametrize("where", ["receive", "timer", "connection_lost"])
def test_a_bug_of_ours_stops_the_session_and_is_never_retried(
    where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = start(TargetConfig(hold_commands=True), nop_interval=30.0)
    session, target = link.session, link.target
    tasks = [session.submit_scsi(read(i, 1), now=1.0) for i in range(2)]
    link.pump(1.0)

    def boom(*args: object) -> None:
        raise RuntimeError("a bug")

    if where == "receive":
        monkeypatch.setattr(session, "_on_scsi_response", boom)
        target.config.status_in_data_in = False
        target.complete_held()
        new = link.pump(2.0)
    elif where == "timer":
        monkeypatch.setattr(session, "_keepalive", boom)
        new = link.timer(40.0)
    else:
        monkeypatch.setattr(session, "_hold_for_recovery", boom)
        new = link.lose(2.0)
    assert state_of(session) is State.ERROR
    (failure,) = [e.error for e in new if isinstance(e, ConnectionFailed)]
    assert isinstance(failure, errors.InternalError) and "a bug" in str(failure)
    assert isinstance(failure.__cause__, RuntimeError)
    counts = link.done_count()
    for task in tasks:
        assert counts[id(task)] == 1 and isinstance(task.error, errors.InternalError)
    # nothing is retried, however long we wait or whatever the transport says
    assert session.next_timer() is None
    assert link.timer(1000.0) == [] and link.lose(1001.0) == []
    assert link.opens == 1
    assert not any(isinstance(e, OpenConnection | Reconnected) for e in link.events[1:])
    with pytest.raises(errors.ISCSIConnectionError, match="session is over"):
        session.submit_scsi(read(0, 1))


# ----------------------------------------------------------------------- StatSN gap


def test_a_statsn_gap_is_a_protocol_error_and_the_session_recovers() -> None:
    link = start(TargetConfig(hold_commands=True))
    session, target = link.session, link.target
    lost, kept = session.submit_scsi(read(0, 1), now=1.0), session.submit_scsi(read(1, 1))
    link.pump(1.0)
    cmd = target.held.pop(lost.itt)
    target.take_statsn()  # a status the initiator never sees: the next is one ahead
    target.scsi_response(cmd, 0)
    new = link.pump(2.0)
    (error,) = [e.error for e in new if isinstance(e, ConnectionFailed)]
    assert isinstance(error, errors.ProtocolError) and "a status was lost" in str(error)
    assert state_of(session) is State.RECOVERY
    assert not lost.done  # the answer that came with the wrong StatSN is not taken
    mark = len(target.received)
    link.wait_and_reconnect(2.0, 2.0)
    link.finish_held(4.0)
    assert [lba_of(p.cdb) for p in commands_since(target, mark)] == [0, 1]
    counts = link.done_count()
    assert (counts[id(lost)], counts[id(kept)]) == (1, 1)
    assert lost.error is None and kept.error is None


# ------------------------------------------------ the target asks for a logout (event 1)


@pytest.mark.parametrize("commands_finish", [True, False])
def test_an_async_logout_request_lets_commands_finish_then_logs_in_again(
    commands_finish: bool,
) -> None:
    link = start(TargetConfig(hold_commands=True))
    session, target = link.session, link.target
    running = [session.submit_scsi(read(i, 1), now=1.0) for i in range(2)]
    link.pump(1.0)
    target.async_message(1, params=(0, 0, 10))  # log out within 10 s
    link.pump(1.0)
    assert session.next_timer() == 10.0  # a second before the target's limit
    later = session.submit_scsi(read(5, 1), now=1.5)  # waits for the new connection
    link.pump(1.5)
    assert [lba_of(p.cdb) for p in commands_since(target, 0)] == [0, 1]
    assert target.of_opcode(P.Opcode.LOGOUT_REQUEST) == []
    mark = len(target.received)
    if commands_finish:
        target.complete_held(running[0].itt)
        link.pump(2.0)
        assert target.of_opcode(P.Opcode.LOGOUT_REQUEST) == []  # one is still running
        target.complete_held(running[1].itt)
        new = link.pump(3.0)
        logged_out_at = 3.0
    else:
        link.timer(9.999)
        assert target.of_opcode(P.Opcode.LOGOUT_REQUEST) == []
        new = link.timer(10.0)
        logged_out_at = 10.0
    (logout,) = target.of_opcode(P.Opcode.LOGOUT_REQUEST)
    assert logout.flags & 0x7F == 1  # reason: remove the connection for recovery
    assert target.logged_out
    (error,) = [e.error for e in new if isinstance(e, ConnectionFailed)]
    assert "logged out at the target's request" in str(error)
    assert state_of(session) is State.RECOVERY
    link.wait_and_reconnect(logged_out_at, 2.0)  # the Logout Response's Time2Wait
    link.finish_held(logged_out_at + 2.0)
    resent = [lba_of(p.cdb) for p in commands_since(target, mark)]
    assert resent == ([5] if commands_finish else [0, 1, 5])
    counts = link.done_count()
    for task in [*running, later]:
        assert counts[id(task)] == 1 and task.error is None
    assert session.reconnects == 1


@pytest.mark.parametrize("response", [0, 2])
def test_no_command_follows_a_logout_request_on_its_connection(response: int) -> None:
    link = start()
    session, target = link.session, link.target
    logout = session.logout(reason=0)
    late = session.submit_scsi(read(0, 1), now=1.0)
    target.receive(session.data_to_send())
    target.data_to_send()  # the fake target's answer is replaced by ours
    answer = P.LogoutResponse(
        logout.itt,
        response,
        (target.statsn - 1) & 0xFFFFFFFF,
        target.expcmdsn,
        target.maxcmdsn,
        0,
        0,
    )
    session.receive_data(P.encode_target_pdu(answer), now=1.0)
    link.pump(1.0)
    assert logout.done and late.done
    if response == 0:  # logged out: the command never went
        assert commands_since(target, 0) == []
        assert isinstance(late.error, errors.ISCSIConnectionError)
        assert state_of(session) is State.CLOSED
    else:  # the logout failed, the connection stays: the command goes now
        assert isinstance(logout.error, errors.ProtocolError)
        assert [lba_of(p.cdb) for p in commands_since(target, 0)] == [0]
        assert late.error is None
        assert state_of(session) is State.FULL_FEATURE
    assert link.done_count()[id(late)] == 1


# ------------------------------------------------------- losses in the middle of data


def wire(session: Session) -> bytes:
    return b"".join(bytes(b) for b in session.data_to_send())


@pytest.mark.parametrize("cut", [0.3, 0.5, 0.9])
def test_a_loss_in_the_middle_of_a_read_re_reads_it_all(cut: float) -> None:
    link = start(TargetConfig(data_in_size=512))
    session, target = link.session, link.target
    target.disk[: 8 * BLOCK_SIZE] = pattern(8 * BLOCK_SIZE, 9)
    task = session.submit_scsi(read(0, 8), now=1.0)
    target.receive(wire(session))
    answer = target.data_to_send()
    session.receive_data(answer[: int(len(answer) * cut)], now=1.0)  # a PDU cut in two, too
    assert 0 < task.received < 8 * BLOCK_SIZE and not task.done
    target.disk[: 8 * BLOCK_SIZE] = pattern(8 * BLOCK_SIZE, 10)  # changed in between
    link.lose(2.0)
    mark = len(target.received)
    link.wait_and_reconnect(2.0, 2.0)
    assert len(commands_since(target, mark)) == 1
    assert link.done_count()[id(task)] == 1 and task.error is None
    assert task.data_in is not None and bytes(task.data_in) == pattern(8 * BLOCK_SIZE, 10)
    assert task.received == 8 * BLOCK_SIZE


@pytest.mark.parametrize("response_lost", [False, True])
def test_a_loss_in_the_middle_of_a_write_writes_it_all_again(response_lost: bool) -> None:
    link = start(TargetConfig(r2t_size=4096, max_recv_data_segment_length=1024))
    session, target = link.session, link.target
    data = pattern(16 * 1024, 3)
    task = session.submit_scsi(write(8, data), now=1.0)
    written = slice(8 * BLOCK_SIZE, 8 * BLOCK_SIZE + len(data))
    if response_lost:
        for _ in range(16):  # the command and Data-Out for each R2T, until all is written
            target.receive(wire(session))
            answer = target.data_to_send()  # an R2T, or at last the SCSI Response: lost
            if not target.writes:
                break
            session.receive_data(answer, now=1.0)
        assert bytes(target.disk[written]) == data
        target.disk[:] = bytes(len(target.disk))
    else:
        for _ in range(2):  # the command, then the first R2T's Data-Out
            target.receive(wire(session))
            session.receive_data(target.data_to_send(), now=1.0)
        out = wire(session)
        target.receive(out[: len(out) // 2])
        assert bytes(target.disk[written]) != data
    assert not task.done
    link.lose(2.0)
    mark = len(target.received)
    link.wait_and_reconnect(2.0, 2.0)
    assert len(commands_since(target, mark)) == 1
    assert link.done_count()[id(task)] == 1 and task.error is None
    assert bytes(target.disk[written]) == data
    assert real_violations(target) == []


def test_bytes_and_losses_of_a_connection_already_left_are_ignored() -> None:
    link = start(TargetConfig(hold_commands=True))
    session, target = link.session, link.target
    task = session.submit_scsi(read(0, 1), now=1.0)
    link.pump(1.0)
    old = session.conn
    assert old is not None
    target.complete_held()
    late_answer = target.data_to_send()
    session.connection_lost(now=2.0)
    session.receive_data(late_answer, now=2.1)  # read from the old socket's buffer
    assert not task.done and session.events() == []
    link.wait_and_reconnect(2.0, 2.0)
    session.connection_lost(now=4.5, connection=old)  # the old transport's late report
    assert state_of(session) is State.FULL_FEATURE and session.events() == []
    link.finish_held(5.0)
    assert link.done_count()[id(task)] == 1 and task.error is None


def test_an_unanswered_keepalive_drops_the_connection_and_recovers() -> None:
    link = start(
        TargetConfig(hold_commands=True, answer_pings=False), nop_interval=5.0, nop_timeout=3.0
    )
    session, target = link.session, link.target
    task = session.submit_scsi(read(0, 1), now=1.0)
    link.pump(1.0)
    assert session.next_timer() == 5.0  # 5 s after the last bytes received (the login's)
    link.timer(5.0)
    assert len(target.of_opcode(P.Opcode.NOP_OUT)) == 1
    assert session.next_timer() == 8.0
    new = link.timer(8.0)
    (error,) = [e.error for e in new if isinstance(e, ConnectionFailed)]
    assert isinstance(error, errors.ISCSITimeoutError) and "NOP-Out" in str(error)
    target.config.answer_pings = True
    mark = len(target.received)
    link.wait_and_reconnect(8.0, 2.0)
    link.finish_held(10.0)
    assert [lba_of(p.cdb) for p in commands_since(target, mark)] == [0]
    assert link.done_count()[id(task)] == 1 and task.error is None
    # the keepalive is the session's own: no TaskDone for it
    assert not any(isinstance(e.task, NopTask) for e in done_events(link))


# --------------------------------------------------- timeouts meeting losses and answers


def test_a_re_sent_command_keeps_its_deadline_and_the_abort_names_its_new_itt() -> None:
    link = start(TargetConfig(hold_commands=True))
    session, target = link.session, link.target
    slow = read(0, 1)
    slow.timeout = 10.0
    session.submit_scsi(slow, now=1.0)
    link.pump(1.0)
    first_itt = slow.itt
    link.lose(2.0)
    link.wait_and_reconnect(2.0, 2.0)
    assert slow.sent and not slow.done and slow.itt in target.held
    assert session.next_timer() == 11.0  # from the first submission, not the re-send
    link.timer(11.0)
    assert isinstance(slow.error, errors.ISCSITimeoutError) and "aborted" in str(slow.error)
    (abort,) = target.of_opcode(P.Opcode.TASK_MANAGEMENT_REQUEST)
    assert slow.itt != first_itt
    assert abort.ttt == slow.itt  # Referenced Task Tag: the ITT of the re-sent command
    assert abort.words[3] == slow.cmdsn  # RefCmdSN: its CmdSN on this connection
    assert link.done_count()[id(slow)] == 1 and session.tasks_in_flight == 0


def test_a_completion_racing_the_abort_leaves_the_callers_buffer_alone() -> None:
    link = start(TargetConfig(hold_commands=True))
    session, target = link.session, link.target
    target.disk[:BLOCK_SIZE] = pattern(BLOCK_SIZE, 4)
    slow = read(0, 1)
    slow.timeout = 3.0
    callers = slow.data_in
    assert callers is not None
    session.submit_scsi(slow, now=1.0)
    link.pump(1.0)
    session.handle_timer(4.0)  # the ABORT TASK is on its way ...
    (abort,) = [t for t in session._tasks.values() if isinstance(t, TaskManagementTask)]
    target.complete_held()  # ... as the target answers the command
    new = link.pump(4.0)
    assert slow.error is not None and "aborted" in str(slow.error)
    assert bytes(callers) == bytes(BLOCK_SIZE)  # the late data went elsewhere
    assert abort.done and isinstance(abort.error, errors.TaskManagementError)  # no such task
    # the session's own abort: no event for it
    assert [e.task for e in new if isinstance(e, TaskDone) and e.task is not slow] == []
    assert tmf_functions(target) == [ABORT]
    assert session.next_timer() is None
    assert state_of(session) is State.FULL_FEATURE and session.tasks_in_flight == 0
    assert link.done_count()[id(slow)] == 1


def test_a_loss_during_the_escalation_ends_it() -> None:
    link = start(TargetConfig(hold_commands=True), abort_timeout=4.0)
    session, target = link.session, link.target
    session.hooks = Hooks(pdu=lambda pdu: None if isinstance(pdu, P.TaskManagementRequest) else pdu)
    slow = read(0, 1)
    slow.timeout = 3.0
    other = read(1, 1)
    session.submit_scsi(slow, now=1.0)
    session.submit_scsi(other, now=1.0)
    link.pump(1.0)
    link.timer(4.0)  # ABORT TASK sent (and lost)
    escalation = [t for t in session._tasks.values() if isinstance(t, TaskManagementTask)]
    assert len(escalation) == 1
    link.lose(5.0)
    assert isinstance(escalation[0].error, errors.ISCSIConnectionError)
    session.hooks = Hooks()
    mark = len(target.received)
    link.wait_and_reconnect(5.0, 2.0)
    link.timer(8.0)  # when the LUN RESET would have gone
    link.finish_held(9.0)
    assert [lba_of(p.cdb) for p in commands_since(target, mark)] == [1]
    assert tmf_functions(target, mark) == []
    counts = link.done_count()
    assert (counts[id(slow)], counts[id(other)]) == (1, 1)
    assert other.error is None and "aborted" in str(slow.error)


# ------------------------------------------------------------ the first login, Time2Wait


@pytest.mark.parametrize("how", ["refused", "closed_in_login", "login_timeout"])
def test_a_failed_first_login_is_not_recovered(how: str) -> None:
    target = Target()
    session = Session(
        LoginParameters(INITIATOR, TARGET, isid=ISID),
        policy=RecoveryPolicy(recover=True, login_timeout=5.0),
    )
    opening = session.open(0.0)
    assert [type(e) for e in session.events()] == [OpenConnection]
    if how == "refused":
        session.connection_lost(errors.ISCSIConnectionError("connection refused"), now=0.1)
    else:
        session.connection_made(0.1)
        target.receive(wire(session))
        target.data_to_send()
        if how == "closed_in_login":
            session.connection_lost(now=0.2)
        else:
            assert session.next_timer() == 5.0
            session.handle_timer(5.0)
    events = session.events()
    assert opening.done and isinstance(opening.error, errors.ISCSIError)
    assert TaskDone(opening) in events
    assert not any(isinstance(e, OpenConnection) for e in events)
    assert state_of(session) is State.CLOSED and session.next_timer() is None
    if how == "login_timeout":
        assert isinstance(opening.error, errors.ISCSITimeoutError)


@pytest.mark.parametrize(("event", "time2wait"), [(2, 0), (3, 7), (2, 3600)])
def test_the_time2wait_of_an_async_message_is_kept(event: int, time2wait: int) -> None:
    link = start(TargetConfig(hold_commands=True))
    session, target = link.session, link.target
    task = session.submit_scsi(read(0, 1), now=1.0)
    link.pump(1.0)
    target.async_message(event, params=(0, time2wait, 20))
    link.pump(1.0)
    link.lose(2.0)
    link.wait_and_reconnect(2.0, float(time2wait))
    link.finish_held(2.0 + time2wait)
    assert link.done_count()[id(task)] == 1 and task.error is None
    # the next loss waits the negotiated DefaultTime2Wait again
    session.submit_scsi(read(1, 1), now=5000.0)
    link.pump(5000.0)
    link.lose(5001.0)
    link.wait_and_reconnect(5001.0, 2.0)


# ------------------------------------------------- cancels, logout and close meet a loss


@pytest.mark.parametrize("how", ["cancel", "abort_task"])
def test_a_command_cancelled_while_recovering_is_not_sent(how: str) -> None:
    link = start(TargetConfig(hold_commands=True))
    session, target = link.session, link.target
    kept, dropped = session.submit_scsi(read(0, 1), now=1.0), session.submit_scsi(read(1, 1))
    link.pump(1.0)
    link.lose(2.0)
    if how == "cancel":
        assert session.cancel(dropped, now=3.0) is None
    else:
        tmf = session.task_management(TaskManagementFunction.ABORT_TASK, referenced=dropped)
        assert tmf.done and tmf.response == 0
    assert isinstance(dropped.error, errors.CommandCancelledError)
    mark = len(target.received)
    link.wait_and_reconnect(2.0, 2.0)
    link.finish_held(4.0)
    assert [lba_of(p.cdb) for p in commands_since(target, mark)] == [0]
    assert tmf_functions(target) == []
    counts = link.done_count()
    assert (counts[id(kept)], counts[id(dropped)]) == (1, 1) and kept.error is None


def test_a_loss_after_an_async_logout_request_recovers_without_the_logout() -> None:
    link = start(TargetConfig(hold_commands=True))
    session, target = link.session, link.target
    running = session.submit_scsi(read(0, 1), now=1.0)
    link.pump(1.0)
    target.async_message(1, params=(0, 0, 10))
    link.pump(1.0)
    queued = session.submit_scsi(read(1, 1), now=1.5)
    link.lose(2.0)
    mark = len(target.received)
    link.wait_and_reconnect(2.0, 2.0)
    link.finish_held(4.0)
    assert [lba_of(p.cdb) for p in commands_since(target, mark)] == [0, 1]
    assert target.of_opcode(P.Opcode.LOGOUT_REQUEST) == []
    link.timer(10.0)  # the old request's deadline passes: nothing to log out
    assert target.of_opcode(P.Opcode.LOGOUT_REQUEST) == []
    counts = link.done_count()
    assert (counts[id(running)], counts[id(queued)]) == (1, 1)


@pytest.mark.parametrize("how", ["logout", "close"])
def test_a_session_being_closed_is_not_recovered(how: str) -> None:
    link = start(TargetConfig(hold_commands=True))
    session = link.session
    task = session.submit_scsi(read(0, 1), now=1.0)
    link.pump(1.0)
    if how == "logout":
        session.logout()
        session.data_to_send()
        link.lose(2.0)  # before the Logout Response
    else:
        link.lose(2.0)
        session.close()  # while waiting Time2Wait
        link.events += session.events()
    assert state_of(session) is State.CLOSED and session.next_timer() is None
    assert link.timer(100.0) == [] and link.opens == 1
    assert link.done_count()[id(task)] == 1
    assert isinstance(task.error, errors.ISCSIConnectionError | errors.CommandCancelledError)


# ------------------------------------------------------------- random interleavings


@pytest.mark.parametrize("seed", range(60))
def test_random_interleavings_of_completion_loss_and_re_login(seed: int) -> None:
    """Submissions, partial completions, cancels, losses and refused re-logins in a seeded
    random order: at the end every command completed exactly once, with the right data."""
    rng = random.Random(seed)
    config = TargetConfig(
        hold_commands=True,
        cmd_window=rng.randint(1, 6),
        data_in_size=rng.choice([None, 512, 1024]),
        r2t_size=rng.choice([None, 1024]),
    )
    link = start(config, reconnect_timeout=None)
    session, target = link.session, link.target
    readable = pattern(32 * BLOCK_SIZE, seed)
    target.disk[: len(readable)] = readable
    writes: dict[int, bytes] = {}  # first block -> data, each write to blocks of its own
    next_block = 32
    tasks: list[ScsiTask] = []
    cancelled: set[int] = set()
    now = 1.0
    for _ in range(80):
        now += 0.01
        state = state_of(session)
        action = rng.random()
        if action < 0.3:
            if rng.random() < 0.5 or next_block >= 60:
                lba = rng.randrange(0, 28)
                task = read(lba, rng.randint(1, 4))
            else:
                data = pattern(rng.randint(1, 4) * BLOCK_SIZE, rng.randrange(1000))
                task = write(next_block, data)
                writes[next_block] = data
                next_block += len(data) // BLOCK_SIZE
            tasks.append(session.submit_scsi(task, now=now))
        elif action < 0.6 and state is State.FULL_FEATURE:
            held = list(target.held)
            for itt in rng.sample(held, rng.randint(0, len(held))):
                target.complete_held(itt)
        elif action < 0.62:
            unfinished = [t for t in tasks if not t.done]
            if unfinished:
                victim = rng.choice(unfinished)
                cancelled.add(id(victim))
                session.cancel(victim, now=now)
        elif action < 0.75 and state is State.FULL_FEATURE:
            link.lose(now)
        elif state is State.RECOVERY:
            due = session.next_timer()
            assert due is not None
            now = max(now, due)
            link.advance(now, refuse=rng.random() < 0.3)
        link.pump(now)
        due = session.next_timer()
        if due is not None and due <= now:
            link.timer(now)
            due = session.next_timer()
        assert due is None or due > now  # handled at `now`, nothing is due again at once
    for _ in range(50):  # then no more faults: everything must finish
        if state_of(session) is State.RECOVERY:
            due = session.next_timer()
            assert due is not None
            now = max(now, due)
            link.advance(now, refuse=False)
        link.finish_held(now)
        if all(t.done for t in tasks):
            break
    counts = link.done_count()
    assert [counts[id(t)] for t in tasks] == [1] * len(tasks)
    for task in tasks:
        if id(task) in cancelled:
            assert isinstance(task.error, errors.CommandCancelledError)
            continue
        assert task.error is None and task.status == 0
        lba = lba_of(task.cdb)
        if task.data_in is not None:
            start_byte = lba * BLOCK_SIZE
            assert bytes(task.data_in) == readable[start_byte : start_byte + len(task.data_in)]
    for lba, data in writes.items():
        task_cancelled = any(
            id(t) in cancelled for t in tasks if t.data_out is not None and lba_of(t.cdb) == lba
        )
        if not task_cancelled:
            assert bytes(target.disk[lba * BLOCK_SIZE : lba * BLOCK_SIZE + len(data)]) == data
    assert real_violations(target) == []
    assert session.tasks_in_flight == 0
    assert state_of(session) is State.FULL_FEATURE


def test_deadlines_of_commands_done_in_time_wake_nothing_and_are_dropped() -> None:
    link = start()
    session = link.session
    for i in range(500):
        task = read(i % 32, 1)
        task.timeout = 30.0
        session.submit_scsi(task, now=1.0 + i / 1000)
        link.pump(1.0 + i / 1000)
        assert task.done and task.error is None
    assert session.next_timer() is None  # no wake-up for commands long done
    assert len(session._deadlines) <= 64 + 2  # nor their tasks and buffers kept till then


def test_a_re_login_into_a_shut_window_waits_for_it_to_open() -> None:
    link = start(TargetConfig(hold_commands=True, cmd_window=2), unit_attention_lun=None)
    session, target = link.session, link.target
    tasks = [session.submit_scsi(read(i, 1), now=1.0) for i in range(3)]
    link.pump(1.0)
    link.lose(2.0)
    target.config.cmd_window = 0  # the target takes nothing for now
    mark = len(target.received)
    link.wait_and_reconnect(2.0, 2.0)
    assert state_of(session) is State.FULL_FEATURE
    assert commands_since(target, mark) == []
    target.config.cmd_window = 2
    target.window_update()
    link.finish_held(5.0)
    assert [lba_of(p.cdb) for p in commands_since(target, mark)] == [0, 1, 2]
    assert [link.done_count()[id(t)] for t in tasks] == [1, 1, 1]
    assert real_violations(target) == []


def test_hooks_see_every_login_and_survive_the_reconnect() -> None:
    sent_types: list[str] = []
    received_types: list[str] = []
    wire_lengths: list[int] = []

    def on_pdu(pdu: P.OutgoingPdu) -> P.OutgoingPdu:
        sent_types.append(type(pdu).__name__)
        return pdu

    def on_wire(raw: bytes) -> bytes:
        wire_lengths.append(len(raw))
        return raw

    def on_receive(pdu: P.IncomingPdu) -> None:
        received_types.append(type(pdu).__name__)

    link = start(TargetConfig(hold_commands=True))
    session, target = link.session, link.target
    session.hooks = Hooks(pdu=on_pdu, wire=on_wire, receive=on_receive)
    task = session.submit_scsi(read(0, 1), now=1.0)
    link.pump(1.0)
    first_logins = len(logins(target))
    link.lose(2.0)
    link.wait_and_reconnect(2.0, 2.0)
    link.finish_held(4.0)
    assert task.error is None
    assert sent_types.count("LoginRequest") == len(logins(target)) - first_logins > 0
    assert sent_types.count("ScsiCommand") == 2
    assert "LoginResponse" in received_types and "DataIn" in received_types
    assert len(wire_lengths) == len(sent_types)


@pytest.mark.parametrize("seed", range(40))
def test_random_interleavings_with_timeouts_and_logout_requests(seed: int) -> None:
    """As above, with command timeouts expiring (ABORT TASK) and the target asking for
    logouts: each command still completes exactly once, a timed-out one with
    ISCSITimeoutError, every other one with its data."""
    rng = random.Random(1000 + seed)
    link = start(
        TargetConfig(hold_commands=True, cmd_window=rng.randint(1, 4)),
        reconnect_timeout=None,
        abort_timeout=1.0,
    )
    session, target = link.session, link.target
    readable = pattern(32 * BLOCK_SIZE, seed)
    target.disk[: len(readable)] = readable
    tasks: list[ScsiTask] = []
    now = 1.0
    for _ in range(100):
        state = state_of(session)
        action = rng.random()
        if action < 0.3:
            task = read(rng.randrange(0, 30), rng.randint(1, 2))
            if rng.random() < 0.4:
                task.timeout = rng.choice([0.5, 1.5, 4.0])
            tasks.append(session.submit_scsi(task, now=now))
        elif action < 0.55 and state is State.FULL_FEATURE:
            held = list(target.held)
            for itt in rng.sample(held, rng.randint(0, len(held))):
                target.complete_held(itt)
        elif action < 0.6 and state is State.FULL_FEATURE:
            target.async_message(1, params=(0, 0, rng.randint(1, 5)))
        elif action < 0.65 and state is State.FULL_FEATURE:
            link.lose(now)
        elif action < 0.85:
            now += rng.choice([0.1, 0.5, 1.0])
        else:
            due = session.next_timer()
            if due is not None:
                now = max(now, due)
                link.advance(now, refuse=rng.random() < 0.2)
        link.pump(now)
        due = session.next_timer()
        if due is not None and due <= now:
            link.advance(now, refuse=False)
            due = session.next_timer()
        assert due is None or due > now
    for _ in range(100):  # no more faults; time runs on until all is done
        if all(t.done for t in tasks):
            break
        link.finish_held(now)
        due = session.next_timer()
        if due is not None:
            now = max(now, due)
            link.advance(now, refuse=False)
    counts = link.done_count()
    assert [counts[id(t)] for t in tasks] == [1] * len(tasks)
    for task in tasks:
        if task.timeout is not None and task.error is not None:
            assert isinstance(task.error, errors.ISCSITimeoutError)
            continue
        assert task.error is None and task.status == 0
        assert task.data_in is not None
        start_byte = lba_of(task.cdb) * BLOCK_SIZE
        assert bytes(task.data_in) == readable[start_byte : start_byte + len(task.data_in)]
    assert real_violations(target) == []
    assert session.tasks_in_flight == 0


CALLS = ["submit", "ping", "task_management", "text", "logout", "cancel", "re_login"]


@pytest.mark.parametrize("call", CALLS)
def test_a_hook_raising_in_a_call_stops_the_session_too(call: str) -> None:
    """Calls into the core (not only received bytes and timers) enter the ERROR state on an
    exception that is not an ISCSIError, instead of leaving a half-sent request behind."""
    link = start(TargetConfig(hold_commands=True))
    session = link.session
    held = session.submit_scsi(read(0, 1), now=1.0)
    link.pump(1.0)
    bad_type = {
        "submit": P.ScsiCommand,
        "ping": P.NopOut,
        "task_management": P.TaskManagementRequest,
        "text": P.TextRequest,
        "logout": P.LogoutRequest,
        "cancel": P.TaskManagementRequest,
        "re_login": P.LoginRequest,
    }[call]

    def hook(pdu: P.OutgoingPdu) -> P.OutgoingPdu:
        if isinstance(pdu, bad_type):
            raise RuntimeError("a bug in a hook")
        return pdu

    session.hooks = Hooks(pdu=hook)
    made: list[object] = []
    if call == "submit":
        made.append(session.submit_scsi(read(1, 1), now=2.0))
    elif call == "ping":
        made.append(session.ping(now=2.0))
    elif call == "task_management":
        made.append(session.task_management(TaskManagementFunction.LOGICAL_UNIT_RESET, now=2.0))
    elif call == "text":
        made.append(session.text_request([("SendTargets", "All")]))
    elif call == "logout":
        made.append(session.logout())
    elif call == "cancel":
        made.append(session.cancel(held, now=2.0))
    else:
        link.lose(2.0)
        link.timer(4.0)  # connection_made -> the Login Request -> the hook
    link.events += session.events()
    assert state_of(session) is State.ERROR
    (failure,) = [e.error for e in link.events if isinstance(e, ConnectionFailed)]
    assert isinstance(failure, errors.InternalError) and "a bug in a hook" in str(failure)
    counts = link.done_count()
    for task in [held, *made]:
        assert isinstance(task, Task) and task.done and counts[id(task)] == 1
    if call != "cancel":
        assert isinstance(held.error, errors.InternalError)
    assert session.next_timer() is None
    assert link.timer(100.0) == [] and link.lose(101.0) == []
    assert link.opens == (2 if call == "re_login" else 1)


def test_endless_unit_attentions_after_a_re_login_do_not_hold_the_session() -> None:
    link = start(unit_attention_lun=LUN0)
    session, target = link.session, link.target
    target.config.hold_commands = True
    task = session.submit_scsi(read(0, 1), now=1.0)
    link.pump(1.0)
    link.lose(2.0)
    mark = len(target.received)
    link.wait_and_reconnect(2.0, 2.0)
    turs = 0
    while state_of(session) is State.LOGIN:
        answer_held_tur(target, unit_attention=True)
        link.pump(4.0)
        turs += 1
        assert turs <= 100
    assert state_of(session) is State.FULL_FEATURE
    assert 2 <= turs <= 32  # a bound, not for ever
    link.finish_held(4.0)
    assert [is_tur(p) for p in commands_since(target, mark)] == [True] * turs + [False]
    assert link.done_count()[id(task)] == 1 and task.error is None


def test_a_unit_attention_tur_never_answered_ends_in_the_login_timeout() -> None:
    link = start(unit_attention_lun=LUN0, login_timeout=5.0)
    session, target = link.session, link.target
    target.config.hold_commands = True
    task = session.submit_scsi(read(0, 1), now=1.0)
    link.pump(1.0)
    link.lose(2.0)
    link.wait_and_reconnect(2.0, 2.0)
    assert state_of(session) is State.LOGIN  # the TUR is held
    assert session.next_timer() == 9.0  # the login timeout covers the unit attentions
    new = link.timer(9.0)
    (error,) = [e.error for e in new if isinstance(e, ConnectionFailed)]
    assert isinstance(error, errors.ISCSITimeoutError)
    assert state_of(session) is State.RECOVERY
    assert session.next_timer() == 11.0  # logged in before: Time2Wait again
    mark = len(target.received)
    link.timer(11.0)
    link.finish_held(11.0)
    assert [is_tur(p) for p in commands_since(target, mark)] == [True, False]
    assert link.done_count()[id(task)] == 1 and task.error is None


def chap_start(**policy: Any) -> Link:
    config = TargetConfig(
        hold_commands=True,
        chap_user="alice",
        chap_secret="alice-secret-1234",
        mutual_user="disk",
        mutual_secret="disk-secret-5678",
    )
    credentials = ChapCredentials("alice", "alice-secret-1234", "disk", "disk-secret-5678")
    target = Target(config)
    session = Session(
        LoginParameters(INITIATOR, TARGET, isid=ISID),
        credentials=credentials,
        policy=RecoveryPolicy(recover=True, **policy),
    )
    link = Link(session, target)
    opening = session.open(0.0)
    link.pump(0.0)
    assert opening.done and opening.error is None
    return link


def test_a_mutual_chap_session_authenticates_again_on_every_re_login() -> None:
    link = chap_start()
    session, target = link.session, link.target
    task = session.submit_scsi(read(0, 1), now=1.0)
    link.pump(1.0)
    link.lose(2.0)
    link.wait_and_reconnect(2.0, 2.0)
    link.finish_held(4.0)
    assert link.done_count()[id(task)] == 1 and task.error is None
    responses = [p for p in logins(target) if any(k == "CHAP_R" for k, _ in p.pairs)]
    assert len(responses) == 2  # one CHAP response per login
    assert all(dict(p.pairs)["CHAP_N"] == "alice" for p in responses)


def test_no_command_goes_to_a_target_that_fails_mutual_chap_on_re_login() -> None:
    link = chap_start(max_reconnects=2, reconnect_timeout=None)
    session, target = link.session, link.target
    task = session.submit_scsi(read(0, 1), now=1.0)
    link.pump(1.0)
    link.lose(2.0)
    target.config.impostor = True  # whoever answers now does not know the target's secret
    mark = len(target.received)
    link.timer(4.0)
    assert state_of(session) is State.RECOVERY
    due = session.next_timer()
    assert due is not None
    link.timer(due)
    assert state_of(session) is State.CLOSED
    assert commands_since(target, mark) == []
    assert link.done_count()[id(task)] == 1
    assert isinstance(task.error, errors.ISCSIConnectionError)
    assert "after 2 attempt(s)" in str(task.error)
    assert "disk-secret" not in str(task.error) and "alice-secret" not in str(task.error)


# ------------------------------------------------------------ review regressions


def test_an_announced_drop_long_past_does_not_set_the_wait() -> None:
    """An Async Message's Time2Wait is for the drop it announces, not a loss an hour later."""
    link = start()
    session, target = link.session, link.target
    target.async_message(2, params=(0, 30, 0))
    link.pump(1.0)
    link.lose(3600.0)
    assert session.next_timer() == 3600.0 + session.negotiated_time2wait


def test_the_core_refuses_a_cdb_it_cannot_send() -> None:
    link = start()
    with pytest.raises(errors.LocalProtocolError, match="a CDB is 1 to 260 bytes"):
        link.session.submit_scsi(ScsiTask(cdb=bytes(261)))
    assert state_of(link.session) is State.FULL_FEATURE


def test_an_escalation_reset_leaves_queued_commands_alone() -> None:
    """The LUN RESET the session sends for a stuck command ends what the target had; the
    commands still waiting behind the CmdSN window go out afterwards."""
    link = start(TargetConfig(hold_commands=True, cmd_window=1), abort_timeout=2.0)
    session, target = link.session, link.target
    stuck = read(0, 1)
    stuck.timeout = 3.0
    queued = read(1, 1)
    session.hooks = Hooks(
        pdu=lambda pdu: None
        if isinstance(pdu, P.TaskManagementRequest)
        and pdu.function == TaskManagementFunction.ABORT_TASK
        else pdu
    )
    session.submit_scsi(stuck, now=1.0)
    session.submit_scsi(queued, now=1.0)
    link.pump(1.0)
    link.timer(4.0)  # the ABORT TASK is lost
    link.timer(6.0)  # LOGICAL UNIT RESET: the target ends the stuck command
    assert "aborted" in str(stuck.error)
    assert not queued.done
    target.complete_held()
    link.pump(7.0)
    assert queued.done and queued.error is None


def test_max_reconnects_zero_makes_no_attempt() -> None:
    link = start(max_reconnects=0)
    session = link.session
    pending = read(0, 1)
    link.target.config.hold_commands = True
    session.submit_scsi(pending, now=1.0)
    link.pump(1.0)
    new = link.lose(2.0)
    assert state_of(session) is State.CLOSED
    assert not any(isinstance(e, OpenConnection) for e in new)
    assert isinstance(pending.error, errors.ISCSIConnectionError)
    assert "max_reconnects is 0" in str(pending.error)
    assert session.next_timer() is None


def test_a_repeated_r2t_is_a_protocol_error_not_more_data() -> None:
    """At ErrorRecoveryLevel 0 an R2T comes once: a copy (same R2TSN) would have us send the
    data again and again (found by the fuzzer)."""
    link = start(TargetConfig(immediate_data=False, hold_commands=True))
    session = link.session
    task = session.submit_scsi(write(0, bytes(1024)), now=1.0)
    link.pump(1.0)
    r2t = P.encode_target_pdu(
        P.R2T(task.itt, 9, 0, link.target.statsn, session.expcmdsn, session.maxcmdsn, 0, 0, 512)
    )
    session.receive_data(r2t, 1.5)
    assert len(session.data_to_send()) >= 1  # the first is answered
    session.receive_data(r2t, 1.6)
    (failed,) = [e for e in session.events() if isinstance(e, ConnectionFailed)]
    assert "R2TSN 0, expected 1" in str(failed.error)
