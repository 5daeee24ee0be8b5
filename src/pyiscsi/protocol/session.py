"""The initiator's iSCSI session as a sans-I/O state machine: tasks, CmdSN and recovery.

RFC 7143 keeps some state per session and some per connection; this module holds the
session's, :mod:`pyiscsi.protocol.connection` the connection's; what happens when a connection
is lost is in :mod:`pyiscsi.protocol.recovery`, the events and the policy in
:mod:`pyiscsi.protocol.events`.  pyiscsi runs one connection per session at a time
(MaxConnections=1, ErrorRecoveryLevel=0).

Three kinds of input drive a :class:`Session`: calls (``open``, ``submit_scsi``, ``ping``,
...), what the transport reports (``connection_made``, received bytes through
``get_buffer``/``buffer_updated``, ``connection_lost``), and the clock (``handle_timer(now)``;
``next_timer()`` says when).  Its outputs are bytes to write (``data_to_send``) and events
(``events``): a task done, an Asynchronous Message, and orders to the I/O layer: open a TCP
connection to a portal (:class:`OpenConnection`), close the current one
(:class:`ConnectionFailed`).  It never touches a socket or reads the clock.

Rules it keeps:

- Every request is a task named by an Initiator Task Tag (ITT) unique among those in flight.
- Non-immediate requests (SCSI commands) are numbered by CmdSN, in the order sent.  The
  target opens a window with ExpCmdSN (the next it expects) and MaxCmdSN (the last it will
  take); a command past MaxCmdSN waits in a queue until the window opens.  Immediate requests
  (NOP-Out, task management, Text, Logout) carry the current CmdSN without taking it.
- After a login, TEST UNIT READY is sent until no UNIT ATTENTION is pending (as libiscsi's
  full connect), and the first one tells whether the LUN exists.
- Recovery (ErrorRecoveryLevel 0): when the connection of an open session fails, the session
  waits Time2Wait, logs in again with the same ISID and TSIH 0 (the target reinstates the
  session, ending the old one's tasks), clears unit attentions, then sends again every SCSI
  command that had no answer, in the order they were first submitted; each completes exactly
  once.  Other requests in flight fail.  Attempts back off up to 10 s, until
  ``reconnect_timeout`` or ``max_reconnects``.
- A command with a timeout that passes fails with ISCSITimeoutError at once; the session
  then sends ABORT TASK, then LOGICAL UNIT RESET if that goes unanswered, then drops the
  connection and recovers.
- A NOP-Out keepalive finds a dead peer: sent after ``nop_interval`` idle seconds, it must be
  answered within ``nop_timeout``.
- Any exception that is not an :class:`~pyiscsi.errors.ISCSIError` is a bug of ours: the
  session enters the ERROR state and fails everything with InternalError, never retrying.
"""

from __future__ import annotations

import heapq
import logging
from collections import deque
from collections.abc import Callable
from typing import NoReturn

from pyiscsi import errors
from pyiscsi.protocol import pdu as P
from pyiscsi.protocol.chap import ChapAlgorithm, ChapCredentials
from pyiscsi.protocol.connection import (
    NO_HOOKS,
    SN_MASK,
    Connection,
    ConnectionState,
    Hooks,
    sn_lt,
)
from pyiscsi.protocol.events import (
    AsyncEvent,
    ConnectionFailed,
    Event,
    OpenConnection,
    Reconnected,
    RecoveryPolicy,
    State,
    TaskDone,
)
from pyiscsi.protocol.keys import Negotiated, OperationalSettings, decode_text, encode_text
from pyiscsi.protocol.login import LoginParameters, LoginRedirect
from pyiscsi.protocol.recovery import Recovery
from pyiscsi.protocol.tasks import (
    LoginTask,
    LogoutTask,
    NopTask,
    ScsiTask,
    Task,
    TaskManagementFunction,
    TaskManagementTask,
    TextTask,
)

__all__ = [
    "AsyncEvent",
    "ConnectionFailed",
    "Event",
    "OpenConnection",
    "Reconnected",
    "RecoveryPolicy",
    "Session",
    "State",
    "TaskDone",
    "sn_lt",
]

log = logging.getLogger("pyiscsi.session")

_MAX_UNIT_ATTENTIONS = 16
_ANNOUNCED_DROP_WITHIN = 60.0  # seconds an announced connection drop is expected within
_MAX_CDB = 260  # 16 bytes in the BHS and up to 244 in an Extended CDB AHS
_TUR = bytes(6)
_CHECK_CONDITION = 0x02
_TASK_ABORTED = 0x40
_UNIT_ATTENTION = 0x6
_ILLEGAL_REQUEST = 0x5
_LUN_NOT_SUPPORTED = 0x25
# Asynchronous Message events (RFC 7143 11.9.1)
_ASYNC_LOGOUT_REQUEST = 1
_ASYNC_DROP_CONNECTION = 2
_ASYNC_DROP_ALL = 3


class Session(Recovery):
    """One iSCSI session to a target (or a discovery session) with its connection."""

    def __init__(
        self,
        params: LoginParameters,
        settings: OperationalSettings | None = None,
        credentials: ChapCredentials | None = None,
        *,
        host: str = "",
        port: int = 3260,
        policy: RecoveryPolicy | None = None,
        hooks: Hooks = NO_HOOKS,
    ) -> None:
        self.params = params
        self.settings = settings if settings is not None else OperationalSettings()
        self.credentials = credentials
        self.host = host
        self.port = port
        self.policy = policy if policy is not None else RecoveryPolicy()
        self._hooks = hooks
        self.state = State.FREE
        self.tsih = 0
        self.reconnects = 0
        self.failure: errors.ISCSIError | None = None
        self.conn: Connection | None = None
        # sequence numbers (session-wide)
        self.cmdsn = 1
        self.expcmdsn = 1
        self.maxcmdsn = 1
        # tasks
        self._next_itt = 1
        self._tasks: dict[int, Task] = {}
        self._waiting: deque[Task] = deque()  # commands not sent yet (window closed, or no link)
        self._deadlines: list[tuple[float, int, Task]] = []
        self._deadline_seq = 0
        self._open_task: LoginTask | None = None  # the caller's; done when the session is open
        self._login_task: LoginTask | None = None  # this connection's login
        self._settle: ScsiTask | None = None  # the unit attention TEST UNIT READY in flight
        self._settle_count = 0
        self._ping: NopTask | None = None
        self._last_rx = 0.0
        self._events: list[Event] = []
        # connection attempts and recovery
        self._opened = False  # reached full feature phase once: failures are recovered
        self._redirects = 0
        self.last_redirect: LoginRedirect | None = None  # the last login redirect followed
        self._login_deadline: float | None = None
        self._attempts = 0
        self._retry_at: float | None = None
        self._give_up_at: float | None = None
        self._delay = 0.0
        self._time2wait: float | None = None  # what the target last asked us to wait
        self._time2wait_until = 0.0  # an Async Message's Time2Wait holds until then
        self._agreed_time2wait = 0  # DefaultTime2Wait of the last login
        self._logout_due: float | None = None  # the target asked for a logout by then
        self._logging_out = False  # a Logout Request is out: no command follows it
        self._scratch = memoryview(bytearray(4096))

    @property
    def hooks(self) -> Hooks:
        """The hooks every connection of the session sends and receives through."""
        return self._hooks

    @hooks.setter
    def hooks(self, hooks: Hooks) -> None:
        self._hooks = hooks
        if self.conn is not None:
            self.conn.hooks = hooks

    # ------------------------------------------------------------------ outputs

    def data_to_send(self) -> list[P.Buffer]:
        """Buffers to write to the current connection, in order; the list is handed over."""
        conn = self.conn
        return conn.data_to_send() if conn is not None else []

    def events(self) -> list[Event]:
        """Events since the last call."""
        events, self._events = self._events, []
        return events

    @property
    def negotiated(self) -> Negotiated:
        """The parameters agreed at the last login."""
        return self.conn.negotiated if self.conn is not None else Negotiated()

    @property
    def expstatsn(self) -> int:
        """The current connection's ExpStatSN."""
        return self.conn.expstatsn if self.conn is not None else 0

    @property
    def chap_algorithm(self) -> ChapAlgorithm | None:
        """The CHAP algorithm the target chose in the login under way (or that failed)."""
        conn = self.conn
        login = conn.login_state if conn is not None else None
        return login.chap.algorithm if login is not None and login.chap is not None else None

    def unfinished(self) -> list[Task]:
        """The tasks sent or waiting that the target has not answered yet."""
        return [t for t in self._tasks.values() if not t.done and not t.internal]

    @property
    def tasks_in_flight(self) -> int:
        """Tasks sent or waiting and not yet answered."""
        return len(self._tasks)

    # ------------------------------------------------------------------ life cycle

    def open(self, now: float = 0.0) -> LoginTask:
        """Start the session: asks for a connection; the task completes once logged in."""
        task = self._begin(now)
        self._events.append(OpenConnection(self.host, self.port))
        return task

    def login(self, now: float = 0.0) -> LoginTask:
        """Start the session on a transport that is already connected."""
        task = self._begin(now)
        self.connection_made(now)
        return task

    def _begin(self, now: float) -> LoginTask:
        if self.state is not State.FREE:
            raise errors.LocalProtocolError(f"cannot log in: session is {self.state.value}")
        task = LoginTask(itt=0, immediate=True)
        self._open_task = task
        self._connecting(now)
        return task

    def _connecting(self, now: float) -> None:
        self.state = State.CONNECTING
        timeout = self.policy.login_timeout
        self._login_deadline = None if timeout is None else now + timeout

    def connection_made(self, now: float = 0.0) -> Connection:
        """The TCP connection asked for is up: log in on it."""
        if self.state is not State.CONNECTING:
            raise errors.LocalProtocolError(f"no connection was asked for ({self.state.value})")
        self.state = State.LOGIN
        self._logging_out = False
        params = LoginParameters(
            initiator_name=self.params.initiator_name,
            target_name=self.params.target_name,
            initiator_alias=self.params.initiator_alias,
            isid=self.params.isid,
            tsih=0,  # a leading login: a new session, or the reinstatement of ours
            cid=self.params.cid,
        )
        conn = Connection(self, params, self.settings, self.credentials, self._hooks)
        self.conn = conn
        self._last_rx = now
        login = LoginTask(itt=self._alloc_itt(), immediate=True, internal=True)
        self._tasks[login.itt] = login
        self._login_task = login
        if self._open_task is not None and not self._opened:
            self._open_task.itt = login.itt
        self._guard(now, conn.login, login.itt, self.cmdsn)
        return conn

    def connection_lost(
        self,
        error: errors.ISCSIError | None = None,
        now: float = 0.0,
        connection: Connection | None = None,
    ) -> None:
        """The transport of ``connection`` (by default the current one) closed or never opened."""
        if connection is not None and connection is not self.conn:
            return  # one we already left
        if self.state in (State.FREE, State.CLOSED, State.ERROR, State.RECOVERY):
            return
        reason = error or errors.ISCSIConnectionError("connection closed by the target")
        self._guard(now, self._lost, reason, now, False)

    # ------------------------------------------------------------------ requests

    def submit_scsi(self, task: ScsiTask, now: float = 0.0) -> ScsiTask:
        """Send a SCSI command, or queue it until the CmdSN window opens or the link is back."""
        self._check_accepts_commands()
        if task.data_out is not None and task.data_in is not None:
            raise errors.LocalProtocolError("bidirectional commands are not supported")
        if not 1 <= len(task.cdb) <= _MAX_CDB:
            raise errors.LocalProtocolError(f"a CDB is 1 to {_MAX_CDB} bytes, not {len(task.cdb)}")
        task.itt = self._alloc_itt()
        self._tasks[task.itt] = task
        if task.timeout is not None:
            self._add_deadline(task, now + task.timeout)
        if not self._waiting and self._may_send() and self._window_open():
            self._guard(now, self._start, task)
        else:
            self._waiting.append(task)
        return task

    def ping(self, data: bytes = b"", now: float = 0.0) -> NopTask:
        """Send a NOP-Out ping; done when the target echoes it."""
        conn = self._check_usable()
        if len(data) > conn.negotiated.max_xmit_data_segment_length:
            raise errors.LocalProtocolError("ping data longer than the target accepts in one PDU")
        task = NopTask(itt=self._alloc_itt(), immediate=True, data=data, sent_at=now)
        self._tasks[task.itt] = task
        self._guard(now, conn.send, P.NopOut(itt=task.itt, cmdsn=self.cmdsn, data=data))
        return task

    def task_management(
        self,
        function: TaskManagementFunction,
        lun: int = 0,
        referenced: ScsiTask | None = None,
        now: float | None = None,
    ) -> TaskManagementTask:
        """Send a task management function request (immediate).

        With ``now`` the request fails with ISCSITimeoutError if unanswered after
        ``abort_timeout`` seconds.
        """
        if function is TaskManagementFunction.ABORT_TASK and referenced is None:
            raise errors.LocalProtocolError("ABORT TASK needs the task to abort")
        if referenced is not None:
            lun = referenced.lun
        if function in (
            TaskManagementFunction.TARGET_WARM_RESET,
            TaskManagementFunction.TARGET_COLD_RESET,
        ):
            lun = 0  # reserved for target resets
        task = TaskManagementTask(
            itt=0, immediate=True, function=function, lun=lun, referenced=referenced
        )
        if referenced is not None and referenced in self._waiting:
            # never sent: nothing for the target to abort
            self._waiting.remove(referenced)
            self._finish(
                referenced, errors.CommandCancelledError("command aborted before it was sent")
            )
            task.response = 0
            task.done = True
            self._events.append(TaskDone(task))
            return task
        conn = self._check_usable()
        self._guard(self._last_rx if now is None else now, self._send_tmf, conn, task, now)
        return task

    def _send_tmf(self, conn: Connection, task: TaskManagementTask, now: float | None) -> None:
        task.itt = self._alloc_itt()
        self._tasks[task.itt] = task
        if now is not None:
            self._add_deadline(task, now + self.policy.abort_timeout)
        referenced = task.referenced
        conn.send(
            P.TaskManagementRequest(
                itt=task.itt,
                function=task.function,
                lun=task.lun,
                referenced_task_tag=referenced.itt if referenced is not None else P.NO_TAG,
                cmdsn=self.cmdsn,
                refcmdsn=referenced.cmdsn if referenced is not None else 0,
            )
        )

    def text_request(self, pairs: list[tuple[str, str]]) -> TextTask:
        """Start a Text exchange (e.g. ``[("SendTargets", "All")]``)."""
        conn = self._check_usable()
        if len(encode_text(pairs)) > conn.negotiated.max_xmit_data_segment_length:
            raise errors.LocalProtocolError(
                "text request longer than the target accepts in one PDU"
            )
        task = TextTask(itt=self._alloc_itt(), keys=pairs)
        self._tasks[task.itt] = task
        self._guard(self._last_rx, self._send_text, conn, task)
        return task

    def _send_text(self, conn: Connection, task: TextTask) -> None:
        """A Text Request, sent immediate as libiscsi does: tgtd never opens the CmdSN window
        of a discovery session past the login's, so a queued request would wait for ever."""
        task.cmdsn = self.cmdsn
        task.sent = True
        conn.send(
            P.TextRequest(
                itt=task.itt,
                ttt=task.ttt,
                cmdsn=self.cmdsn,
                data=encode_text(task.keys) if task.ttt == P.NO_TAG else b"",
                immediate=True,
            )
        )

    def logout(self, reason: int = 0) -> LogoutTask:
        """Send a Logout Request (reason 0 closes the session: nothing is recovered after)."""
        conn = self._check_usable()
        task = LogoutTask(itt=self._alloc_itt(), immediate=True, reason=reason)
        self._tasks[task.itt] = task
        if reason == 0:
            self.policy.recover = False
        self._logging_out = True
        request = P.LogoutRequest(
            itt=task.itt, reason=reason, cid=self.params.cid, cmdsn=self.cmdsn
        )
        self._guard(self._last_rx, conn.send, request)
        return task

    def cancel(self, task: ScsiTask, now: float | None = None) -> TaskManagementTask | None:
        """Give up on a SCSI task: complete it as cancelled and ask the target to abort it.

        Data still arriving for it is discarded, never written to the caller's buffer.
        Returns the ABORT TASK request, or None if the command had not been sent.
        """
        return self._cancel(task, errors.CommandCancelledError("command cancelled"), now)

    def _cancel(
        self, task: ScsiTask, error: errors.ISCSIError, now: float | None, escalate: bool = False
    ) -> TaskManagementTask | None:
        if task.done:
            return None
        if not task.sent or self.state is not State.FULL_FEATURE:  # a waiting task is unsent
            if task in self._waiting:
                self._waiting.remove(task)
            self._finish(task, error)
            return None
        task.cancelled = True
        if task.data_in is not None:
            scratch = memoryview(bytearray(len(task.data_in)))
            task.data_in = scratch
            if self.conn is not None:
                self.conn.redirect_payload(task.itt, scratch)
        task.done = True  # stays in the table until the target answers
        task.error = error
        self._events.append(TaskDone(task))
        tmf = TaskManagementTask(
            itt=0,
            immediate=True,
            function=TaskManagementFunction.ABORT_TASK,
            lun=task.lun,
            referenced=task,
            escalation=escalate,
            internal=escalate,  # the session's own: nobody waits for it
        )
        assert self.conn is not None
        self._guard(self._last_rx if now is None else now, self._send_tmf, self.conn, tmf, now)
        return tmf

    def close(self) -> None:
        """Stop without logging out: everything unfinished fails."""
        self.policy.recover = False
        if self.state not in (State.CLOSED, State.ERROR):
            self._fail_all(errors.CommandCancelledError("session closed"))
            self._set_closed(None)

    # ------------------------------------------------------------------ timers

    def next_timer(self) -> float | None:
        """When ``handle_timer`` should next be called, or None."""
        deadlines = self._deadlines
        while deadlines and deadlines[0][2].done:  # finished in time: nothing to wake for
            heapq.heappop(deadlines)
        when = deadlines[0][0] if deadlines else None
        state = self.state
        other: float | None = None
        if state is State.FULL_FEATURE:
            if self._ping is not None:
                other = self._ping.sent_at + self.policy.nop_timeout
            elif self.policy.nop_interval is not None:
                other = self._last_rx + self.policy.nop_interval
            logout = self._logout_due
            if logout is not None and (other is None or logout < other):
                other = logout
        elif state in (State.CONNECTING, State.LOGIN):
            other = self._login_deadline
        elif state is State.RECOVERY:
            other = self._retry_at
        if when is None or (other is not None and other < when):
            return other
        return when

    def handle_timer(self, now: float) -> None:
        """Do what is due at ``now``: timeouts, keepalives, reconnection attempts."""
        self._guard(now, self._timer, now)

    def _timer(self, now: float) -> None:
        while self._deadlines and self._deadlines[0][0] <= now:
            _, _, task = heapq.heappop(self._deadlines)
            if not task.done and task.deadline is not None and task.deadline <= now:
                self._expire(task, now)
        state = self.state
        if state is State.FULL_FEATURE:
            self._keepalive(now)
            if self._logout_due is not None and now >= self._logout_due:
                self._logout_for_target()
        elif state in (State.CONNECTING, State.LOGIN):
            if self._login_deadline is not None and now >= self._login_deadline:
                timeout = self.policy.login_timeout or 0.0
                error = errors.ISCSITimeoutError(
                    f"login to {self.portal} did not complete in {timeout:g} s"
                )
                self._fail_connection(error, now)
        elif state is State.RECOVERY and self._retry_at is not None and now >= self._retry_at:
            self._retry_at = None
            self._attempts += 1
            log.info("reconnecting to %s (attempt %d)", self.portal, self._attempts)
            self._connecting(now)
            self._events.append(OpenConnection(self.host, self.port))

    def _keepalive(self, now: float) -> None:
        ping = self._ping
        policy = self.policy
        if ping is not None:
            if now >= ping.sent_at + policy.nop_timeout:
                self._fail_connection(
                    errors.ISCSITimeoutError(
                        f"target did not answer a NOP-Out within {policy.nop_timeout:g} s"
                    ),
                    now,
                )
            return
        if policy.nop_interval is not None and now >= self._last_rx + policy.nop_interval:
            self._ping = self.ping(now=now)
            self._ping.keepalive = True
            self._ping.internal = True

    def _add_deadline(self, task: Task, deadline: float) -> None:
        if len(self._deadlines) > 2 * len(self._tasks) + 64:
            # drop the deadlines of tasks already done, and the buffers they hold
            self._deadlines = [d for d in self._deadlines if not d[2].done]
            heapq.heapify(self._deadlines)
        task.deadline = deadline
        self._deadline_seq += 1
        heapq.heappush(self._deadlines, (deadline, self._deadline_seq, task))

    def _expire(self, task: Task, now: float) -> None:
        """A deadline passed: fail the task and escalate as the module docstring says."""
        if isinstance(task, ScsiTask):
            limit = task.timeout or 0.0
            what = f"SCSI command 0x{task.cdb[0]:02x} did not complete in {limit:g} s"
            if task.sent and self.state is State.FULL_FEATURE:
                self._cancel(task, errors.ISCSITimeoutError(f"{what}; aborted"), now, True)
            elif self.state is not State.FULL_FEATURE:
                why = "the connection was lost and the abort could not be sent"
                self._cancel(task, errors.ISCSITimeoutError(f"{what}: {why}"), now)
            else:
                why = "never sent (the CmdSN window stayed shut)"
                self._cancel(task, errors.ISCSITimeoutError(f"{what}: {why}"), now)
            return
        if not isinstance(task, TaskManagementTask):
            return
        name = task.function.name.replace("_", " ")
        self._finish(
            task,
            errors.ISCSITimeoutError(f"{name} not answered in {self.policy.abort_timeout:g} s"),
        )
        if not task.escalation or self.state is not State.FULL_FEATURE or self.conn is None:
            return
        if task.function is TaskManagementFunction.ABORT_TASK:
            log.warning("ABORT TASK not answered; sending LOGICAL UNIT RESET")
            reset = TaskManagementTask(
                itt=0,
                immediate=True,
                function=TaskManagementFunction.LOGICAL_UNIT_RESET,
                lun=task.lun,
                escalation=True,
                internal=True,
            )
            self._send_tmf(self.conn, reset, now)
        else:
            self._fail_connection(
                errors.ISCSITimeoutError(
                    "target answered neither ABORT TASK nor LOGICAL UNIT RESET"
                ),
                now,
            )

    # ------------------------------------------------------------------ receiving

    def receive_data(self, data: bytes | bytearray | memoryview, now: float = 0.0) -> None:
        """Feed received bytes (a convenience over get_buffer/buffer_updated)."""
        view = memoryview(data)
        while view:
            buf = self.get_buffer(len(view))
            n = min(len(buf), len(view))
            buf[:n] = view[:n]
            view = view[n:]
            self.buffer_updated(n, now)

    def get_buffer(self, sizehint: int = -1) -> memoryview:
        """Where the next received bytes should be written."""
        conn = self.conn
        if conn is None:
            return self._scratch
        return conn.get_buffer(sizehint)

    def buffer_updated(self, nbytes: int, now: float = 0.0) -> None:
        """``nbytes`` were written into the last buffer from ``get_buffer``."""
        conn = self.conn
        if conn is None or conn.state is ConnectionState.CLOSED:
            return
        self._last_rx = now
        self._guard(now, conn.buffer_updated, nbytes)

    def _guard(self, now: float, method: Callable[..., None], *args: object) -> None:
        """Run ``method``: an ISCSIError drops the connection; any other exception is a bug of
        ours (or of a hook) and stops the session.  Every input passes through here."""
        try:
            method(*args)
        except errors.LocalProtocolError as exc:  # the core misused itself
            self._internal_error(exc)
        except errors.ISCSIError as exc:
            self._fail_connection(exc, now)
        except Exception as exc:
            self._internal_error(exc)

    # --- Owner (called by the connection)

    def data_in_buffer(self, pdu: P.DataIn, length: int) -> memoryview:
        """The slice of the task's buffer where this Data-In's payload belongs."""
        task = self._tasks.get(pdu.itt)
        if not isinstance(task, ScsiTask):
            raise errors.ProtocolError(f"Data-In for unknown task 0x{pdu.itt:08x}")
        if not task.sent:
            raise errors.ProtocolError(f"Data-In for task 0x{pdu.itt:08x}, not sent yet")
        buf = task.data_in
        if buf is None:
            raise errors.ProtocolError(f"Data-In for task 0x{pdu.itt:08x}, which reads no data")
        end = pdu.buffer_offset + length
        if end > len(buf):
            raise errors.ProtocolError(
                f"Data-In for task 0x{pdu.itt:08x} at offset {pdu.buffer_offset} length {length} "
                f"goes past the expected data transfer length {len(buf)}"
            )
        return buf[pdu.buffer_offset : end]

    def pdu_received(self, pdu: P.IncomingPdu, data: memoryview | bytes) -> None:
        """Act on a PDU from the target (framing, digests and StatSN already checked)."""
        cls = pdu.__class__
        if cls is P.DataIn:
            assert isinstance(pdu, P.DataIn)
            self._on_data_in(pdu, len(data))
        elif cls is P.ScsiResponse:
            assert isinstance(pdu, P.ScsiResponse)
            self._on_scsi_response(pdu)
        elif cls is P.R2T:
            assert isinstance(pdu, P.R2T)
            self._on_r2t(pdu)
        elif cls is P.LoginResponse:
            assert isinstance(pdu, P.LoginResponse)
            self._on_logged_in(pdu)
        else:
            if isinstance(pdu, P.TaskManagementResponse):
                # end the aborted tasks first: the window this opens must not send them
                self._on_tmf_response(pdu)
            self._window(pdu.expcmdsn, pdu.maxcmdsn)
            if isinstance(pdu, P.NopIn):
                self._on_nop_in(pdu)
            elif isinstance(pdu, P.TextResponse):
                self._on_text_response(pdu)
            elif isinstance(pdu, P.LogoutResponse):
                self._on_logout_response(pdu)
            elif isinstance(pdu, P.AsyncMessage):
                self._on_async(pdu)
            elif isinstance(pdu, P.Reject):
                self._on_reject(pdu)

    def _window(self, expcmdsn: int, maxcmdsn: int) -> None:
        """Advance the CmdSN window from a target PDU."""
        if expcmdsn == self.expcmdsn and maxcmdsn == self.maxcmdsn:
            if self._waiting:
                self._drain()
            return
        # a window with MaxCmdSN < ExpCmdSN - 1 is invalid and ignored (RFC 7143 4.2.2.1)
        if ((maxcmdsn + 1 - expcmdsn) & SN_MASK) >= 0x80000000:
            return
        if sn_lt(self.expcmdsn, expcmdsn):
            if sn_lt(self.cmdsn, expcmdsn):
                raise errors.ProtocolError(
                    f"ExpCmdSN {expcmdsn} is past the next CmdSN we would send ({self.cmdsn})"
                )
            self.expcmdsn = expcmdsn
        if sn_lt(self.maxcmdsn, maxcmdsn):
            self.maxcmdsn = maxcmdsn
        if self._waiting:
            self._drain()

    def _on_logged_in(self, pdu: P.LoginResponse) -> None:
        conn = self.conn
        assert conn is not None
        # the login sets the window: taken as it is, not compared with what we had
        self.cmdsn = pdu.expcmdsn
        if ((pdu.maxcmdsn + 1 - pdu.expcmdsn) & SN_MASK) < 0x80000000:
            self.expcmdsn, self.maxcmdsn = pdu.expcmdsn, pdu.maxcmdsn
        else:
            self.expcmdsn = self.maxcmdsn = pdu.expcmdsn
        self.tsih = conn.tsih
        self._agreed_time2wait = conn.negotiated.default_time2wait
        login = self._login_task
        self._login_task = None
        if login is not None:
            self._finish(login, None)
        log.info(
            "logged in to %s at %s (TSIH 0x%04x)",
            self.params.target_name or "discovery",
            self.portal,
            self.tsih,
        )
        lun = self.policy.unit_attention_lun
        if lun is not None and self.params.target_name:
            self._settle_count = 0
            self._send_settle(lun)
        else:
            self._ready()

    def _send_settle(self, lun: int) -> None:
        task = ScsiTask(cdb=_TUR, lun=lun, internal=True)
        task.itt = self._alloc_itt()
        self._tasks[task.itt] = task
        self._settle = task
        self._settle_count += 1
        self._waiting.appendleft(task)
        self._drain()

    def _settled(self, task: ScsiTask) -> None:
        """A TEST UNIT READY of the login's is back: again, fail, or open the session."""
        self._settle = None
        key, asc = _sense_key_asc(task.sense) if task.status == _CHECK_CONDITION else (-1, -1)
        if (
            task.error is None
            and key == _UNIT_ATTENTION
            and self._settle_count < _MAX_UNIT_ATTENTIONS
        ):
            log.debug("cleared a unit attention (ASC 0x%02x)", asc)
            self._send_settle(task.lun)
            return
        if (
            key == _ILLEGAL_REQUEST
            and asc == _LUN_NOT_SUPPORTED
            and self.policy.check_lun
            and not self._opened
        ):
            error = errors.LUNNotFoundError(
                f"target {self.params.target_name} has no LUN here (LOGICAL UNIT NOT SUPPORTED)"
            )
            self._fail_open(error)
            return
        self._ready()

    def _ready(self) -> None:
        """Logged in and settled: full feature phase, commands go out."""
        self.state = State.FULL_FEATURE
        self._login_deadline = None
        if not self._opened:
            self._opened = True
            task = self._open_task
            if task is not None:
                task.negotiated = self.negotiated
                self._finish(task, None)
        else:
            self.reconnects += 1
            log.warning("reconnected to %s after %d attempt(s)", self.portal, self._attempts)
            self._events.append(Reconnected(self._attempts))
        self._attempts = 0
        self._redirects = 0
        self._give_up_at = None
        self._delay = 0.0
        self._time2wait = None
        self._drain()

    def _on_data_in(self, pdu: P.DataIn, length: int) -> None:
        task = self._tasks.get(pdu.itt)
        if not isinstance(task, ScsiTask):
            raise errors.ProtocolError(f"Data-In for unknown task 0x{pdu.itt:08x}")
        if task.error is None:
            if pdu.datasn != task.expected_datasn:
                task.error = errors.ProtocolError(
                    f"Data-In DataSN {pdu.datasn} for task 0x{pdu.itt:08x}, "
                    f"expected {task.expected_datasn}"
                )
            elif pdu.buffer_offset != task.received and self.negotiated.data_pdu_in_order:
                task.error = errors.ProtocolError(
                    f"Data-In for task 0x{pdu.itt:08x} at offset {pdu.buffer_offset}, "
                    f"expected {task.received} (DataPDUInOrder=Yes)"
                )
        task.expected_datasn = pdu.datasn + 1
        task.received += length
        if pdu.has_status:
            task.status = pdu.status
            task.overflow = pdu.residual_overflow
            task.underflow = pdu.residual_underflow
            task.residual = (
                pdu.residual_count if (pdu.residual_overflow or pdu.residual_underflow) else 0
            )
            self._finish(task, task.error)
        self._window(pdu.expcmdsn, pdu.maxcmdsn)

    def _on_scsi_response(self, pdu: P.ScsiResponse) -> None:
        task = self._tasks.get(pdu.itt)
        if not isinstance(task, ScsiTask) or not task.sent:
            raise errors.ProtocolError(f"SCSI Response for unknown task 0x{pdu.itt:08x}")
        task.response = pdu.response
        task.status = pdu.status
        task.overflow = pdu.residual_overflow
        task.underflow = pdu.residual_underflow
        task.residual = (
            pdu.residual_count if (pdu.residual_overflow or pdu.residual_underflow) else 0
        )
        data = pdu.data
        if len(data) >= 2:
            sense_length = int.from_bytes(data[:2], "big")
            task.sense = data[2 : 2 + sense_length]
        error = task.error
        if error is None and pdu.response != 0:
            error = errors.ProtocolError(
                f"target failed the command (iSCSI response 0x{pdu.response:02x})"
            )
        self._finish(task, error)
        self._window(pdu.expcmdsn, pdu.maxcmdsn)

    def _on_r2t(self, pdu: P.R2T) -> None:
        task = self._tasks.get(pdu.itt)
        if not isinstance(task, ScsiTask) or task.data_out is None or not task.sent:
            raise errors.ProtocolError(f"R2T for task 0x{pdu.itt:08x}, which writes no data")
        if pdu.desired_length == 0 or pdu.buffer_offset + pdu.desired_length > len(task.data_out):
            raise errors.ProtocolError(
                f"R2T for task 0x{pdu.itt:08x} asks for {pdu.desired_length} bytes at offset "
                f"{pdu.buffer_offset}, outside the {len(task.data_out)} bytes of the command"
            )
        if pdu.desired_length > self.negotiated.max_burst_length:
            raise errors.ProtocolError(
                f"R2T asks for {pdu.desired_length} bytes, more than MaxBurstLength "
                f"{self.negotiated.max_burst_length}"
            )
        # at ErrorRecoveryLevel 0 nothing is asked twice: an R2T out of sequence, or asking
        # for more than the command writes, would make us send data over and over
        if pdu.r2tsn != task.expected_r2tsn:
            raise errors.ProtocolError(
                f"R2T for task 0x{pdu.itt:08x} with R2TSN {pdu.r2tsn}, "
                f"expected {task.expected_r2tsn}"
            )
        task.expected_r2tsn += 1
        task.requested += pdu.desired_length
        if task.requested > len(task.data_out):
            raise errors.ProtocolError(
                f"R2Ts for task 0x{pdu.itt:08x} ask for {task.requested} bytes in all, more "
                f"than the {len(task.data_out)} it writes"
            )
        self._window(pdu.expcmdsn, pdu.maxcmdsn)
        # answered even for a cancelled write, so that its abort is not stuck behind the R2T
        assert self.conn is not None
        self.conn.send_data_out(
            task.itt,
            pdu.ttt,
            task.lun,
            task.data_out,
            pdu.buffer_offset,
            pdu.buffer_offset + pdu.desired_length,
        )

    def _on_nop_in(self, pdu: P.NopIn) -> None:
        if pdu.itt != P.NO_TAG:
            task = self._tasks.get(pdu.itt)
            if not isinstance(task, NopTask):
                raise errors.ProtocolError(f"NOP-In for unknown task 0x{pdu.itt:08x}")
            task.reply = pdu.data
            self._finish(task, None)
            return
        if pdu.ttt != P.NO_TAG:
            # the target pings us: echo its TTT and data
            assert self.conn is not None
            self.conn.send(
                P.NopOut(itt=P.NO_TAG, ttt=pdu.ttt, lun=pdu.lun, cmdsn=self.cmdsn, data=pdu.data)
            )

    def _on_text_response(self, pdu: P.TextResponse) -> None:
        task = self._tasks.get(pdu.itt)
        if not isinstance(task, TextTask):
            raise errors.ProtocolError(f"Text Response for unknown task 0x{pdu.itt:08x}")
        task.received += pdu.data
        task.rounds += 1
        if len(task.received) > 16 * 1024 * 1024 or task.rounds > 100_000:
            raise errors.ProtocolError("Text Response longer than 16 MiB or 100000 PDUs")
        if pdu.final:  # with C too it never gets here: pdu.decode_header refuses it
            task.reply = decode_text(bytes(task.received))
            self._finish(task, None)
            return
        # more to come: ask for it with the target's TTT
        if pdu.ttt == P.NO_TAG:
            raise errors.ProtocolError("Text Response with more to come but no Target Transfer Tag")
        task.ttt = pdu.ttt
        assert self.conn is not None
        self._send_text(self.conn, task)

    def _on_tmf_response(self, pdu: P.TaskManagementResponse) -> None:
        task = self._tasks.get(pdu.itt)
        if not isinstance(task, TaskManagementTask):
            raise errors.ProtocolError(f"Task Management Response for unknown task 0x{pdu.itt:08x}")
        task.response = pdu.response
        if pdu.response == 0:
            self._abort_affected(task)
        elif (
            pdu.response == 1
            and (victim := task.referenced) is not None
            and victim.done
            and self._tasks.get(victim.itt) is victim
        ):
            del self._tasks[victim.itt]  # our cancel of a task the target no longer has
        error = None
        if pdu.response != 0:
            error = errors.TaskManagementError(task.function.name.replace("_", " "), pdu.response)
        self._finish(task, error)

    def _abort_affected(self, tmf: TaskManagementTask) -> None:
        """Complete the tasks a successful task management function ended."""
        f = tmf.function
        if f is TaskManagementFunction.ABORT_TASK:
            victims = [tmf.referenced] if tmf.referenced is not None else []
        elif f in (
            TaskManagementFunction.ABORT_TASK_SET,
            TaskManagementFunction.CLEAR_TASK_SET,
            TaskManagementFunction.LOGICAL_UNIT_RESET,
        ):
            victims = [
                t for t in self._tasks.values() if isinstance(t, ScsiTask) and t.lun == tmf.lun
            ]
        elif f in (
            TaskManagementFunction.TARGET_WARM_RESET,
            TaskManagementFunction.TARGET_COLD_RESET,
        ):
            victims = [t for t in self._tasks.values() if isinstance(t, ScsiTask)]
        else:
            return
        name = f.name.replace("_", " ")
        for victim in victims:
            if victim in self._waiting:
                if tmf.escalation:
                    continue  # our own reset for a stuck command: what was not sent goes on
                self._waiting.remove(victim)  # never sent: it must not go out later
            if victim.done:
                if self._tasks.get(victim.itt) is victim:
                    del self._tasks[victim.itt]
            elif victim.itt in self._tasks:
                victim.status = _TASK_ABORTED
                self._finish(victim, errors.CommandCancelledError(f"command aborted by {name}"))

    def _on_logout_response(self, pdu: P.LogoutResponse) -> None:
        task = self._tasks.get(pdu.itt)
        if not isinstance(task, LogoutTask):
            raise errors.ProtocolError(f"Logout Response for unknown task 0x{pdu.itt:08x}")
        task.response = pdu.response
        task.time2wait = pdu.time2wait
        task.time2retain = pdu.time2retain
        error = None
        if pdu.response != 0:
            error = errors.ProtocolError(f"logout failed (response {pdu.response})")
        self._finish(task, error)
        if error is not None:  # the connection stays: commands held behind the logout go
            self._logging_out = False
            self._drain()
        elif task.reason == 0:
            self._fail_all(errors.ISCSIConnectionError("logged out"))
            self._set_closed(None)
        else:
            # the connection is logged out for recovery (the target asked for it)
            self._time2wait = float(pdu.time2wait)
            self._fail_connection(
                errors.ISCSIConnectionError("logged out at the target's request"), None
            )

    def _on_async(self, pdu: P.AsyncMessage) -> None:
        event = pdu.event
        if event == _ASYNC_LOGOUT_REQUEST:
            log.warning(
                "target requests a logout within %d s; %s",
                pdu.parameter3,
                "logging out and in again" if self.policy.recover else "session will end",
            )
            if self.policy.recover and self._logout_due is None and not self._logging_out:
                # new commands wait; those in flight get until the target's limit to finish
                self._logout_due = self._last_rx + max(pdu.parameter3 - 1, 0)
                self._logout_when_idle()
        elif event in (_ASYNC_DROP_CONNECTION, _ASYNC_DROP_ALL):
            log.warning("target will drop the connection (Time2Wait %d s)", pdu.parameter2)
            self._time2wait = float(pdu.parameter2)
            # for the drop it announces, not for a loss long after
            self._time2wait_until = self._last_rx + _ANNOUNCED_DROP_WITHIN
        else:
            log.info("target sent asynchronous event %d", event)
        self._events.append(AsyncEvent(pdu))

    def _logout_when_idle(self) -> None:
        if self._logout_due is None or self.state is not State.FULL_FEATURE:
            return
        busy = any(isinstance(t, ScsiTask) and t.sent and not t.done for t in self._tasks.values())
        if not busy:
            self._logout_for_target()

    def _logout_for_target(self) -> None:
        self._logout_due = None
        self._logging_out = True
        conn = self.conn
        assert conn is not None
        task = LogoutTask(itt=self._alloc_itt(), immediate=True, reason=1, internal=True)
        self._tasks[task.itt] = task
        conn.send(P.LogoutRequest(itt=task.itt, reason=1, cid=self.params.cid, cmdsn=self.cmdsn))

    def _on_reject(self, pdu: P.Reject) -> None:
        itt = pdu.rejected_itt
        task = self._tasks.get(itt) if itt is not None else None
        error = errors.RejectError(pdu.reason)
        log.warning("%s (rejected opcode 0x%02x)", error, pdu.rejected_opcode or 0)
        if task is None and itt is not None and itt != P.NO_TAG:
            raise errors.ProtocolError(f"Reject for unknown task 0x{itt:08x}")
        if task is None or task.done:
            return  # a ping answer, or a task already ended (cancelled): nothing waits for it
        if pdu.rejected_opcode == P.Opcode.DATA_OUT:
            # the target ends the command itself (SCSI Response) or asks again with an R2T
            if task.error is None:
                task.error = error
            return
        # at ErrorRecoveryLevel 0 a rejected request fails
        self._finish(task, error)

    # ------------------------------------------------------------------ sending

    def _may_send(self) -> bool:
        # in full feature phase the connection is too (a connection leaves it only by failing,
        # which moves the session out of it in the same call)
        return (
            self.state is State.FULL_FEATURE
            and self._logout_due is None
            and not self._logging_out
        )

    def _window_open(self) -> bool:
        return not sn_lt(self.maxcmdsn, self.cmdsn)

    def _drain(self) -> None:
        waiting = self._waiting
        while waiting and self._window_open():
            if not self._may_send() and not (
                waiting[0] is self._settle
                and self.conn is not None
                and self.conn.state is ConnectionState.FULL_FEATURE
            ):
                return
            self._start(waiting.popleft())

    def _start(self, task: Task) -> None:
        """Send a non-immediate request, taking the next CmdSN."""
        task.cmdsn = self.cmdsn
        task.sent = True
        self.cmdsn = (self.cmdsn + 1) & SN_MASK
        if isinstance(task, ScsiTask):
            self._send_scsi(task)

    def _send_scsi(self, task: ScsiTask) -> None:
        conn = self.conn
        assert conn is not None
        n = conn.negotiated
        out = task.data_out
        length = task.expected_length
        immediate: memoryview | bytes = b""
        first_burst_end = 0
        if out is not None and length:
            if n.immediate_data:
                immediate = out[: min(length, n.first_burst_length, n.max_xmit_data_segment_length)]
            first_burst_end = len(immediate) if n.initial_r2t else min(length, n.first_burst_length)
        flags = (
            (0x80 if first_burst_end == len(immediate) else 0)  # F: no unsolicited Data-Out
            | (0x40 if task.data_in is not None and length > 0 else 0)  # R
            | (0x20 if out is not None and length > 0 else 0)  # W
            | (task.attribute & 7)
        )
        conn.send_scsi_command(task.itt, task.lun, flags, length, task.cmdsn, task.cdb, immediate)
        if first_burst_end > len(immediate):
            assert out is not None
            conn.send_data_out(task.itt, P.NO_TAG, task.lun, out, len(immediate), first_burst_end)

    # ------------------------------------------------------------------ bookkeeping

    @property
    def portal(self) -> str:
        """``host:port`` of the portal (IPv6 in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def _alloc_itt(self) -> int:
        itt = self._next_itt
        while itt == P.NO_TAG or itt in self._tasks:
            itt = (itt + 1) & SN_MASK
        self._next_itt = (itt + 1) & SN_MASK
        return itt

    def _check_usable(self) -> Connection:
        """The connection for an immediate request now, or an error saying why there is none."""
        if self.state is State.FULL_FEATURE and self.conn is not None:
            return self.conn
        self._refuse()

    def _check_accepts_commands(self) -> None:
        """SCSI commands are taken when open, and queued while the session recovers."""
        state = self.state
        if state is State.FULL_FEATURE:
            return
        if self._opened and state in (State.RECOVERY, State.CONNECTING, State.LOGIN):
            return
        self._refuse()

    def _refuse(self) -> NoReturn:
        state = self.state
        if state in (State.CLOSED, State.ERROR) and self.failure is not None:
            raise errors.ISCSIConnectionError(f"session is over: {self.failure}")
        if self._opened:
            raise errors.ISCSIConnectionError(f"session is {state.value}")
        raise errors.LocalProtocolError(f"session is {state.value}, not in full feature phase")

    def _finish(self, task: Task, error: errors.ISCSIError | None) -> None:
        if self._tasks.get(task.itt) is task:
            del self._tasks[task.itt]
        if task is self._ping:
            self._ping = None
        if task.done:  # cancelled earlier; the target has now answered
            return
        task.done = True
        task.error = error
        if task is self._settle:
            assert isinstance(task, ScsiTask)
            self._settled(task)
        elif not task.internal:
            self._events.append(TaskDone(task))
        if self._logout_due is not None and isinstance(task, ScsiTask):
            self._logout_when_idle()


def _sense_key_asc(sense: bytes) -> tuple[int, int]:
    """Sense key and additional sense code from fixed or descriptor sense (-1 if absent)."""
    if len(sense) < 3:
        return -1, -1
    code = sense[0] & 0x7F
    if code in (0x72, 0x73):
        return sense[1] & 0x0F, sense[2]
    if code in (0x70, 0x71):
        return sense[2] & 0x0F, sense[12] if len(sense) > 12 else -1
    return -1, -1
