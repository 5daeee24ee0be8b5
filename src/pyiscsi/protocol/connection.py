"""The initiator's iSCSI connection as a sans-I/O state machine.

Three kinds of input drive it: calls (``login``, ``submit_scsi``, ``ping``, ...), received
bytes (``get_buffer``/``buffer_updated``, the shape of :class:`asyncio.BufferedProtocol`, or
``receive_data``), and the clock (``handle_timer(now)``).  Its output is bytes to write
(``data_to_send``) and events (``events``).  It never touches a socket or reads the clock.

Rules it keeps (RFC 7143):

- Every request is a task named by an Initiator Task Tag (ITT) unique among those in flight.
- Non-immediate requests (SCSI commands) are numbered by CmdSN, in the order sent.  The
  target opens a window with ExpCmdSN (the next it expects) and MaxCmdSN (the last it will
  take); a request past MaxCmdSN waits in a queue until the window opens.  Immediate requests
  (NOP-Out, task management, Text, logout) carry the current CmdSN without taking it.
- The target numbers its status by StatSN; we acknowledge with ExpStatSN = last StatSN + 1 on
  every request.  Sequence numbers compare in 32-bit serial arithmetic (RFC 1982).
- Header and data digests (CRC32C) apply from the first PDU after the login.
- Data-In payloads land directly in the caller's buffer: when the header of a Data-In has been
  read, ``get_buffer`` hands out the slice of the task's buffer where the payload belongs.
- A hook on the outgoing path (``pdu_hook``) may change or drop any PDU before it is encoded;
  the conformance tool uses it to send deliberately wrong PDUs.
"""

from __future__ import annotations

import logging
import struct
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from pyiscsi import errors
from pyiscsi.protocol import pdu as P
from pyiscsi.protocol.chap import ChapAlgorithm, ChapCredentials
from pyiscsi.protocol.digest import crc32c
from pyiscsi.protocol.keys import Negotiated, OperationalSettings, decode_text, encode_text
from pyiscsi.protocol.login import Login, LoginParameters
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
    "Connection",
    "ConnectionFailed",
    "Event",
    "State",
    "TaskDone",
]

log = logging.getLogger("pyiscsi.connection")
pdu_log = logging.getLogger("pyiscsi.pdu")

_SN_MASK = 0xFFFFFFFF
_RECV_BUFFER = 256 * 1024
_DIRECT_MIN = 2048  # Data-In payloads at least this long are received straight into the task buffer
_LOGIN_MAX_DATA = 65536


def sn_lt(a: int, b: int) -> bool:
    """Serial number arithmetic (RFC 1982, 32 bits): a comes before b."""
    return a != b and ((b - a) & _SN_MASK) < 0x80000000


class State(Enum):
    """Where the connection is in its life."""

    FREE = "free"
    LOGIN = "login"
    FULL_FEATURE = "full feature"
    CLOSED = "closed"


@dataclass(slots=True)
class TaskDone:
    """A task finished: ``task.error`` is None on success."""

    task: Task


@dataclass(slots=True)
class AsyncEvent:
    """The target sent an Asynchronous Message (``message.event`` says which kind)."""

    message: P.AsyncMessage


@dataclass(slots=True)
class ConnectionFailed:
    """The connection is unusable (protocol violation, digest error, timeout); close it."""

    error: errors.ISCSIError


Event = TaskDone | AsyncEvent | ConnectionFailed

# a connection that ended this way is not worth re-sending commands for
_NOT_RETRIED = (errors.LoginError,)
PduHook = Callable[[P.OutgoingPdu], P.OutgoingPdu | None]


class Connection:
    """One iSCSI connection of a session (pyiscsi runs one connection per session)."""

    def __init__(
        self,
        params: LoginParameters,
        settings: OperationalSettings | None = None,
        credentials: ChapCredentials | None = None,
        *,
        nop_interval: float | None = None,
        nop_timeout: float = 10.0,
    ) -> None:
        self.params = params
        self.settings = settings if settings is not None else OperationalSettings()
        self.credentials = credentials
        self.state = State.FREE
        self.negotiated = Negotiated()
        self.pdu_hook: PduHook | None = None
        self.nop_interval = nop_interval
        self.nop_timeout = nop_timeout
        #: when the connection fails, keep unfinished SCSI commands in ``orphaned`` (to be
        #: sent again on a new connection) instead of failing them
        self.keep_scsi_tasks = False
        self.orphaned: list[ScsiTask] = []
        # sequence numbers
        self.cmdsn = 1
        self.expcmdsn = 1
        self.maxcmdsn = 1
        self.expstatsn = 0
        # tasks
        self._next_itt = 1
        self._tasks: dict[int, Task] = {}
        self._waiting: deque[Task] = deque()  # non-immediate tasks past MaxCmdSN
        self._login: Login | None = None
        self._login_task: LoginTask | None = None
        self._ping: NopTask | None = None
        # output
        self._out: list[P.Buffer] = []
        self._events: list[Event] = []
        self._header_digest = False
        self._data_digest = False
        # input framing
        self._rbuf = bytearray(_RECV_BUFFER)
        self._rview = memoryview(self._rbuf)
        self._rstart = 0
        self._rend = 0
        self._pdu: P.IncomingPdu | None = None  # header read, payload pending
        self._dest: memoryview = memoryview(b"")
        self._got = 0
        self._direct = False
        self._last_rx = 0.0

    # ------------------------------------------------------------------ outputs

    def data_to_send(self) -> list[P.Buffer]:
        """Buffers to write to the socket, in order; the list is handed over."""
        out, self._out = self._out, []
        return out

    def events(self) -> list[Event]:
        """Events since the last call."""
        events, self._events = self._events, []
        return events

    @property
    def chap_algorithm(self) -> ChapAlgorithm | None:
        """The CHAP algorithm the target chose in the login under way (or that failed)."""
        login = self._login
        return login.chap.algorithm if login is not None and login.chap is not None else None

    def unfinished(self) -> list[Task]:
        """The tasks sent or waiting that the target has not answered yet."""
        return [t for t in self._tasks.values() if not t.done]

    @property
    def tasks_in_flight(self) -> int:
        """Tasks sent or waiting and not yet answered."""
        return len(self._tasks)

    # ------------------------------------------------------------------ requests

    def login(self) -> LoginTask:
        """Start the login; the LoginTask completes in full feature phase."""
        if self.state is not State.FREE:
            raise errors.LocalProtocolError(f"cannot log in: connection is {self.state.value}")
        self.state = State.LOGIN
        self._login = Login(self.params, self.settings, self.credentials)
        task = LoginTask(itt=self._alloc_itt(), immediate=True)
        self._tasks[task.itt] = task
        self._login_task = task
        self._send_login(self._login.first_request())
        return task

    def submit_scsi(self, task: ScsiTask) -> ScsiTask:
        """Send a SCSI command (or queue it until the CmdSN window opens)."""
        self._check_full_feature()
        if task.data_out is not None and task.data_in is not None:
            raise errors.LocalProtocolError("bidirectional commands are not supported")
        task.itt = self._alloc_itt()
        self._tasks[task.itt] = task
        self._queue(task)
        return task

    def ping(self, data: bytes = b"", now: float = 0.0) -> NopTask:
        """Send a NOP-Out ping; done when the target echoes it."""
        self._check_full_feature()
        if len(data) > self.negotiated.max_xmit_data_segment_length:
            raise errors.LocalProtocolError("ping data longer than the target accepts in one PDU")
        task = NopTask(itt=self._alloc_itt(), immediate=True, data=data, sent_at=now)
        self._tasks[task.itt] = task
        self._send(P.NopOut(itt=task.itt, cmdsn=self.cmdsn, expstatsn=self.expstatsn, data=data))
        return task

    def task_management(
        self,
        function: TaskManagementFunction,
        lun: int = 0,
        referenced: ScsiTask | None = None,
    ) -> TaskManagementTask:
        """Send a task management function request (immediate)."""
        self._check_full_feature()
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
            itt=self._alloc_itt(), immediate=True, function=function, lun=lun, referenced=referenced
        )
        if referenced is not None and referenced in self._waiting:
            # never sent: abort it here, the target has nothing to abort
            self._waiting.remove(referenced)
            self._finish(
                referenced, errors.CommandCancelledError("command aborted before it was sent")
            )
            task.response = 0
            task.done = True
            self._events.append(TaskDone(task))
            return task
        self._tasks[task.itt] = task
        self._send(
            P.TaskManagementRequest(
                itt=task.itt,
                function=function,
                lun=lun,
                referenced_task_tag=referenced.itt if referenced is not None else P.NO_TAG,
                cmdsn=self.cmdsn,
                expstatsn=self.expstatsn,
                refcmdsn=referenced.cmdsn if referenced is not None else 0,
            )
        )
        return task

    def text_request(self, pairs: list[tuple[str, str]]) -> TextTask:
        """Start a Text exchange (e.g. ``[("SendTargets", "All")]``)."""
        self._check_full_feature()
        task = TextTask(itt=self._alloc_itt(), keys=pairs)
        if len(encode_text(pairs)) > self.negotiated.max_xmit_data_segment_length:
            raise errors.LocalProtocolError(
                "text request longer than the target accepts in one PDU"
            )
        self._tasks[task.itt] = task
        self._send_text(task)
        return task

    def _send_text(self, task: TextTask) -> None:
        """A Text Request, sent immediate as libiscsi does: tgtd never opens the CmdSN window
        of a discovery session past the login's, so a queued request would wait for ever."""
        task.cmdsn = self.cmdsn
        task.sent = True
        self._send(
            P.TextRequest(
                itt=task.itt,
                ttt=task.ttt,
                cmdsn=self.cmdsn,
                expstatsn=self.expstatsn,
                data=encode_text(task.keys) if task.ttt == P.NO_TAG else b"",
                immediate=True,
            )
        )

    def logout(self, reason: int = 0) -> LogoutTask:
        """Send a Logout Request (reason 0 closes the session)."""
        self._check_full_feature()
        task = LogoutTask(itt=self._alloc_itt(), immediate=True, reason=reason)
        self._tasks[task.itt] = task
        self._send(
            P.LogoutRequest(
                itt=task.itt,
                reason=reason,
                cid=self.params.cid,
                cmdsn=self.cmdsn,
                expstatsn=self.expstatsn,
            )
        )
        return task

    def cancel(self, task: ScsiTask) -> TaskManagementTask | None:
        """Give up on a SCSI task: complete it as cancelled and ask the target to abort it.

        Data still arriving for it is discarded, never written to the caller's buffer.
        Returns the ABORT TASK request, or None if the command had not been sent yet.
        """
        if task.done:
            return None
        task.cancelled = True
        if task.data_in is not None:
            task.data_in = memoryview(bytearray(len(task.data_in)))
            receiving = self._pdu
            if isinstance(receiving, P.DataIn) and receiving.itt == task.itt:
                # the rest of the payload under way goes to the scratch buffer too
                start = receiving.buffer_offset
                self._dest = task.data_in[start : start + len(self._dest)]
        error = errors.CommandCancelledError("command cancelled")
        if task in self._waiting:
            self._waiting.remove(task)
            self._finish(task, error)
            return None
        task.done = True
        task.error = error
        self._events.append(TaskDone(task))
        if self.state is not State.FULL_FEATURE:
            return None
        return self.task_management(TaskManagementFunction.ABORT_TASK, referenced=task)

    def connection_lost(self, error: errors.ISCSIError | None = None) -> None:
        """The transport closed: fail everything still in flight."""
        if self.state is State.CLOSED:
            return
        self._close(error or errors.ISCSIConnectionError("connection closed by the target"))

    # ------------------------------------------------------------------ timers

    def next_timer(self) -> float | None:
        """When ``handle_timer`` should next be called, or None."""
        if self.state is not State.FULL_FEATURE:
            return None
        if self._ping is not None:
            return self._ping.sent_at + self.nop_timeout
        if self.nop_interval is not None:
            return self._last_rx + self.nop_interval
        return None

    def handle_timer(self, now: float) -> None:
        """Send a keepalive NOP-Out when idle; fail if the last one went unanswered."""
        if self.state is not State.FULL_FEATURE:
            return
        ping = self._ping
        if ping is not None:
            if now >= ping.sent_at + self.nop_timeout:
                self._close(
                    errors.ISCSITimeoutError(
                        f"target did not answer a NOP-Out within {self.nop_timeout:g} s"
                    ),
                    event=True,
                )
            return
        if self.nop_interval is not None and now >= self._last_rx + self.nop_interval:
            self._ping = self.ping(now=now)
            self._ping.keepalive = True

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
        if (
            self._pdu is not None
            and len(self._dest) - self._got >= _DIRECT_MIN
            and self.state is not State.CLOSED
        ):
            self._direct = True
            return self._dest[self._got :]
        self._direct = False
        if self._rstart == self._rend or self.state is State.CLOSED:
            self._rstart = self._rend = 0  # all consumed (or, once closed, discarded)
        elif len(self._rbuf) - self._rend < 65536:
            pending = bytes(self._rview[self._rstart : self._rend])
            self._rview[: len(pending)] = pending
            self._rstart, self._rend = 0, len(pending)
        return self._rview[self._rend :]

    def buffer_updated(self, nbytes: int, now: float = 0.0) -> None:
        """``nbytes`` were written into the last buffer from ``get_buffer``."""
        self._last_rx = now
        if self._direct:
            self._got += nbytes
        else:
            self._rend += nbytes
        try:
            self._process()
        except errors.ISCSIError as exc:
            self._close(exc, event=True)
        except (ValueError, IndexError, struct.error) as exc:  # malformed fields in a target PDU
            self._close(errors.ProtocolError(f"malformed PDU from the target: {exc}"), event=True)

    def _process(self) -> None:
        while self.state is not State.CLOSED:
            if self._pdu is None:
                if not self._read_header():
                    return
            elif not self._read_payload():
                return

    def _read_header(self) -> bool:
        avail = self._rend - self._rstart
        if avail < P.BHS_LENGTH:
            return False
        start = self._rstart
        rview = self._rview
        ahs_len = rview[start + 4] * 4
        hlen = P.BHS_LENGTH + ahs_len
        need = hlen + (4 if self._header_digest else 0)
        if avail < need:
            return False
        if self._header_digest:
            want = int.from_bytes(rview[start + hlen : start + need], "little")
            if crc32c(rview[start : start + hlen]) != want:
                raise errors.DigestError("header digest mismatch on a received PDU")
        pdu = P.decode_header(rview[start : start + P.BHS_LENGTH])
        dlen = int.from_bytes(rview[start + 5 : start + 8], "big")
        self._rstart = start + need
        if pdu_log.isEnabledFor(logging.DEBUG):
            pdu_log.debug("recv %s", P.describe(pdu, dlen))
        if dlen == 0:
            self._dispatch(pdu, b"")
            return True
        if isinstance(pdu, P.DataIn):
            dest = self._data_in_destination(pdu, dlen)
        else:
            limit = max(self.negotiated.max_recv_data_segment_length, _LOGIN_MAX_DATA)
            if dlen > limit:
                raise errors.ProtocolError(
                    f"target sent a {dlen}-byte data segment; the most we accept is {limit}"
                )
            dest = memoryview(bytearray(dlen))
        self._pdu = pdu
        self._dest = dest
        self._got = 0
        return True

    def _read_payload(self) -> bool:
        dest = self._dest
        dlen = len(dest)
        if self._got < dlen:
            take = min(dlen - self._got, self._rend - self._rstart)
            if take:
                dest[self._got : self._got + take] = self._rview[self._rstart : self._rstart + take]
                self._got += take
                self._rstart += take
            if self._got < dlen:
                return False
        pad = -dlen & 3
        trailer = pad + (4 if self._data_digest else 0)
        if self._rend - self._rstart < trailer:
            return False
        if self._data_digest:
            start = self._rstart
            digest = crc32c(dest)
            if pad:
                digest = crc32c(self._rview[start : start + pad], digest)
            want = int.from_bytes(self._rview[start + pad : start + trailer], "little")
            if digest != want:
                raise errors.DigestError("data digest mismatch on a received PDU")
        self._rstart += trailer
        pdu = self._pdu
        assert pdu is not None
        self._pdu = None
        self._dest = memoryview(b"")
        self._dispatch(pdu, dest)
        return True

    def _data_in_destination(self, pdu: P.DataIn, dlen: int) -> memoryview:
        task = self._tasks.get(pdu.itt)
        if not isinstance(task, ScsiTask):
            raise errors.ProtocolError(f"Data-In for unknown task 0x{pdu.itt:08x}")
        if not task.sent:
            raise errors.ProtocolError(f"Data-In for task 0x{pdu.itt:08x}, not sent yet")
        buf = task.data_in
        if buf is None:
            raise errors.ProtocolError(f"Data-In for task 0x{pdu.itt:08x}, which reads no data")
        end = pdu.buffer_offset + dlen
        if end > len(buf):
            raise errors.ProtocolError(
                f"Data-In for task 0x{pdu.itt:08x} at offset {pdu.buffer_offset} length {dlen} "
                f"goes past the expected data transfer length {len(buf)}"
            )
        return buf[pdu.buffer_offset : end]

    # ------------------------------------------------------------------ dispatch

    def _dispatch(self, pdu: P.IncomingPdu, data: memoryview | bytes) -> None:
        if isinstance(pdu, P.DataIn):
            self._on_data_in(pdu, len(data))
        elif isinstance(pdu, P.ScsiResponse):
            pdu.data = bytes(data)
            self._on_scsi_response(pdu)
        elif isinstance(pdu, P.R2T):
            self._on_r2t(pdu)
        elif isinstance(pdu, P.LoginResponse):
            pdu.data = bytes(data)
            self._on_login_response(pdu)
        else:
            pdu.data = bytes(data)
            # a NOP-In that answers no NOP-Out (ITT 0xffffffff) carries StatSN without taking it
            unsolicited = isinstance(pdu, P.NopIn) and pdu.itt == P.NO_TAG
            if isinstance(pdu, P.TaskManagementResponse):
                # end the aborted tasks first: the window this opens must not send them
                self._on_tmf_response(pdu)
            self._note_sn(None if unsolicited else pdu.statsn, pdu.expcmdsn, pdu.maxcmdsn)
            if isinstance(pdu, P.NopIn):
                self._on_nop_in(pdu)
            elif isinstance(pdu, P.TextResponse):
                self._on_text_response(pdu)
            elif isinstance(pdu, P.LogoutResponse):
                self._on_logout_response(pdu)
            elif isinstance(pdu, P.AsyncMessage):
                log.info("target sent asynchronous message, event %d", pdu.event)
                self._events.append(AsyncEvent(pdu))
            elif isinstance(pdu, P.Reject):
                self._on_reject(pdu)

    def _note_sn(self, statsn: int | None, expcmdsn: int, maxcmdsn: int) -> None:
        """Advance ExpStatSN and the CmdSN window from a target PDU."""
        if statsn is not None:
            self.expstatsn = (statsn + 1) & _SN_MASK
        # a window with MaxCmdSN < ExpCmdSN - 1 is invalid and ignored (RFC 7143 4.2.2.1)
        if ((maxcmdsn + 1 - expcmdsn) & _SN_MASK) >= 0x80000000:
            return
        if sn_lt(self.expcmdsn, expcmdsn):
            self.expcmdsn = expcmdsn
        if sn_lt(self.maxcmdsn, maxcmdsn):
            self.maxcmdsn = maxcmdsn
        if self._waiting:
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
            self._note_sn(pdu.statsn, pdu.expcmdsn, pdu.maxcmdsn)
            task.status = pdu.status
            task.overflow = pdu.residual_overflow
            task.underflow = pdu.residual_underflow
            task.residual = (
                pdu.residual_count if (pdu.residual_overflow or pdu.residual_underflow) else 0
            )
            self._finish(task, task.error)
        else:
            self._note_sn(None, pdu.expcmdsn, pdu.maxcmdsn)

    def _on_scsi_response(self, pdu: P.ScsiResponse) -> None:
        self._note_sn(pdu.statsn, pdu.expcmdsn, pdu.maxcmdsn)
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

    def _on_r2t(self, pdu: P.R2T) -> None:
        self._note_sn(None, pdu.expcmdsn, pdu.maxcmdsn)
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
        if task.done:  # cancelled: the abort is on its way
            return
        self._send_data_out(
            task, pdu.ttt, pdu.buffer_offset, pdu.buffer_offset + pdu.desired_length
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
            self._send(
                P.NopOut(
                    itt=P.NO_TAG,
                    ttt=pdu.ttt,
                    lun=pdu.lun,
                    cmdsn=self.cmdsn,
                    expstatsn=self.expstatsn,
                    data=pdu.data,
                )
            )
            return

    def _on_text_response(self, pdu: P.TextResponse) -> None:
        task = self._tasks.get(pdu.itt)
        if not isinstance(task, TextTask):
            raise errors.ProtocolError(f"Text Response for unknown task 0x{pdu.itt:08x}")
        task.received += pdu.data
        task.rounds += 1
        if len(task.received) > 16 * 1024 * 1024 or task.rounds > 100_000:
            raise errors.ProtocolError("Text Response longer than 16 MiB or 100000 PDUs")
        if pdu.final:
            if pdu.cont:
                raise errors.ProtocolError("Text Response with both F and C set")
            task.reply = decode_text(bytes(task.received))
            self._finish(task, None)
            return
        # more to come: ask for it with the target's TTT
        if pdu.ttt == P.NO_TAG:
            raise errors.ProtocolError("Text Response with more to come but no Target Transfer Tag")
        task.ttt = pdu.ttt
        self._send_text(task)

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
        for victim in victims:
            if victim is None:
                continue
            if victim in self._waiting:
                self._waiting.remove(victim)  # never sent: it must not go out later
            if victim.done:
                if self._tasks.get(victim.itt) is victim:
                    del self._tasks[victim.itt]
            elif victim.itt in self._tasks:
                victim.status = 0x40  # TASK ABORTED
                self._finish(
                    victim,
                    errors.CommandCancelledError(f"command aborted by {f.name.replace('_', ' ')}"),
                )

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
        if task.reason == 0 or error is None:
            self.keep_scsi_tasks = False
            self._close(errors.ISCSIConnectionError("logged out"))

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

    def _on_login_response(self, pdu: P.LoginResponse) -> None:
        task = self._login_task
        login = self._login
        if self.state is not State.LOGIN or task is None or login is None:
            raise errors.ProtocolError("Login Response outside the login phase")
        if pdu.itt != task.itt:
            raise errors.ProtocolError(f"Login Response for unknown task 0x{pdu.itt:08x}")
        if pdu.status_class == 0:
            # the login sets the window: taken as it is, not compared with our initial values
            self.expstatsn = (pdu.statsn + 1) & _SN_MASK
            if ((pdu.maxcmdsn + 1 - pdu.expcmdsn) & _SN_MASK) < 0x80000000:
                self.expcmdsn, self.maxcmdsn = pdu.expcmdsn, pdu.maxcmdsn
        try:
            request = login.receive(pdu)
        except errors.LoginError as exc:
            self._finish(task, exc)
            self._close(exc)
            return
        if request is not None:
            self._send_login(request)
            return
        self.negotiated = login.result()
        task.negotiated = self.negotiated
        self.state = State.FULL_FEATURE
        self.cmdsn = pdu.expcmdsn
        self._header_digest = self.negotiated.header_digest
        self._data_digest = self.negotiated.data_digest
        self._login = None
        self._login_task = None
        self._finish(task, None)

    # ------------------------------------------------------------------ sending

    def _send(self, pdu: P.OutgoingPdu) -> None:
        hook = self.pdu_hook
        if hook is not None:
            changed = hook(pdu)
            if changed is None:
                return
            pdu = changed
        if pdu_log.isEnabledFor(logging.DEBUG):
            pdu_log.debug("send %s", P.describe(pdu, len(pdu.data)))
        self._out += P.encode(pdu, self._header_digest, self._data_digest)

    def _send_login(self, request: P.LoginRequest) -> None:
        assert self._login_task is not None
        request.itt = self._login_task.itt
        request.cmdsn = self.cmdsn
        request.expstatsn = self.expstatsn
        self._send(request)

    def _queue(self, task: Task) -> None:
        if not self._waiting and self._window_open():
            self._start(task)
        else:
            self._waiting.append(task)

    def _window_open(self) -> bool:
        return not sn_lt(self.maxcmdsn, self.cmdsn)

    def _drain(self) -> None:
        while self._waiting and self._window_open() and self.state is State.FULL_FEATURE:
            self._start(self._waiting.popleft())

    def _start(self, task: Task) -> None:
        """Send a non-immediate request, taking the next CmdSN."""
        task.cmdsn = self.cmdsn
        task.sent = True
        self.cmdsn = (self.cmdsn + 1) & _SN_MASK
        if isinstance(task, ScsiTask):
            self._send_scsi(task)

    def _send_scsi(self, task: ScsiTask) -> None:
        n = self.negotiated
        out = task.data_out
        length = task.expected_length
        immediate: memoryview | bytes = b""
        first_burst_end = 0
        if out is not None and length:
            if n.immediate_data:
                immediate = out[: min(length, n.first_burst_length, n.max_xmit_data_segment_length)]
            first_burst_end = len(immediate) if n.initial_r2t else min(length, n.first_burst_length)
        self._send(
            P.ScsiCommand(
                itt=task.itt,
                cdb=task.cdb,
                lun=task.lun,
                expected_data_transfer_length=length,
                cmdsn=task.cmdsn,
                expstatsn=self.expstatsn,
                read=task.data_in is not None and length > 0,
                write=out is not None and length > 0,
                final=first_burst_end == len(immediate),
                attributes=task.attribute,
                data=immediate,
            )
        )
        if first_burst_end > len(immediate):
            self._send_data_out(task, P.NO_TAG, len(immediate), first_burst_end)

    def _send_data_out(self, task: ScsiTask, ttt: int, start: int, end: int) -> None:
        """Data-Out PDUs for bytes [start, end) of the task's data, DataSN from 0."""
        out = task.data_out
        assert out is not None
        step = self.negotiated.max_xmit_data_segment_length
        slow = self.pdu_hook is not None or pdu_log.isEnabledFor(logging.DEBUG)
        hd, dd = self._header_digest, self._data_digest
        itt, lun, expstatsn = task.itt, task.lun, self.expstatsn
        append = self._out.extend
        datasn = 0
        offset = start
        while offset < end:
            stop = min(offset + step, end)
            if slow:
                self._send(
                    P.DataOut(
                        itt=itt,
                        ttt=ttt,
                        lun=lun,
                        expstatsn=expstatsn,
                        datasn=datasn,
                        buffer_offset=offset,
                        final=stop == end,
                        data=out[offset:stop],
                    )
                )
            else:
                append(
                    P.encode_data_out(
                        itt,
                        ttt,
                        lun,
                        expstatsn,
                        datasn,
                        offset,
                        stop == end,
                        out[offset:stop],
                        hd,
                        dd,
                    )
                )
            datasn += 1
            offset = stop

    # ------------------------------------------------------------------ bookkeeping

    def _alloc_itt(self) -> int:
        itt = self._next_itt
        while itt == P.NO_TAG or itt in self._tasks:
            itt = (itt + 1) & _SN_MASK
        self._next_itt = (itt + 1) & _SN_MASK
        return itt

    def _check_full_feature(self) -> None:
        if self.state is not State.FULL_FEATURE:
            raise errors.LocalProtocolError(
                f"connection is {self.state.value}, not in full feature phase"
            )

    def _finish(self, task: Task, error: errors.ISCSIError | None) -> None:
        if self._tasks.get(task.itt) is task:
            del self._tasks[task.itt]
        if task is self._ping:
            self._ping = None
        if task.done:  # cancelled earlier; the target has now answered
            return
        task.done = True
        task.error = error
        self._events.append(TaskDone(task))

    def _close(self, error: errors.ISCSIError, event: bool = False) -> None:
        """Enter CLOSED and fail every task still in flight with ``error``.

        With ``keep_scsi_tasks``, unfinished SCSI commands go to ``orphaned`` instead (unless
        the connection ended by logout or a failed login).
        """
        if self.state is State.CLOSED:
            return
        self.state = State.CLOSED
        if event:
            log.warning("connection failed: %s", error)
            self._events.append(ConnectionFailed(error))
        pending = list(self._tasks.values())  # the waiting tasks are among them
        self._tasks.clear()
        self._waiting.clear()
        self._ping = None
        keep = self.keep_scsi_tasks and not isinstance(error, _NOT_RETRIED)
        for task in pending:
            if task.done:
                continue
            if keep and isinstance(task, ScsiTask) and not task.cancelled:
                self.orphaned.append(task)
                continue
            task.done = True
            task.error = error
            self._events.append(TaskDone(task))
