"""Recovery at ErrorRecoveryLevel 0: what the session does when its connection is lost.

A mixin of :class:`pyiscsi.protocol.session.Session`, kept apart so that the rules read in one
place (RFC 7143 6.3.5 and 7.1):

- a first login that fails follows a redirect (at most five), retries once without CHAP_A=7
  when tgtd got SHA-256 wrong, or fails the open;
- a loss after the session was open keeps every unanswered SCSI command, in submission order,
  fails the other requests, waits Time2Wait (the target's last word: its Logout Response,
  an Asynchronous Message announcing the drop, else DefaultTime2Wait), then asks for a new
  connection; a new login with the same ISID and TSIH 0 reinstates the session;
- failed attempts back off from 0.25 s to 10 s until ``reconnect_timeout`` or
  ``max_reconnects``; then everything waiting fails with ISCSIConnectionError;
- a bug of ours (an exception that is not an ISCSIError) stops the session: InternalError,
  never retried.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import TYPE_CHECKING

from pyiscsi import errors
from pyiscsi.protocol.chap import ChapAlgorithm, ChapCredentials
from pyiscsi.protocol.connection import Connection, ConnectionState
from pyiscsi.protocol.events import (
    ConnectionFailed,
    Event,
    OpenConnection,
    RecoveryPolicy,
    State,
    TaskDone,
)
from pyiscsi.protocol.login import LoginRedirect
from pyiscsi.protocol.tasks import LoginTask, NopTask, ScsiTask, Task

__all__ = ["Recovery"]

log = logging.getLogger("pyiscsi.session")

_MAX_REDIRECTS = 5
_MAX_RETRY_DELAY = 10.0


class Recovery:
    """Loss, retry and failure handling of a session (mixed into it)."""

    if TYPE_CHECKING:  # what the session provides
        state: State
        conn: Connection | None
        policy: RecoveryPolicy
        credentials: ChapCredentials | None
        host: str
        port: int
        failure: errors.ISCSIError | None
        last_redirect: LoginRedirect | None
        _events: list[Event]
        _tasks: dict[int, Task]
        _waiting: deque[Task]
        _deadlines: list[tuple[float, int, Task]]
        _opened: bool
        _open_task: LoginTask | None
        _login_task: LoginTask | None
        _login_deadline: float | None
        _settle: ScsiTask | None
        _ping: NopTask | None
        _last_rx: float
        _logout_due: float | None
        _redirects: int
        _attempts: int
        _retry_at: float | None
        _give_up_at: float | None
        _delay: float
        _time2wait: float | None
        _time2wait_until: float
        _agreed_time2wait: int

        @property
        def portal(self) -> str: ...

        @property
        def chap_algorithm(self) -> ChapAlgorithm | None: ...

        def _alloc_itt(self) -> int: ...

    def _fail_connection(self, error: errors.ISCSIError, now: float | None) -> None:
        """The session gives up on the current connection: close it and go on from there."""
        if self.state in (State.FREE, State.CLOSED, State.ERROR, State.RECOVERY):
            return
        self._events.append(ConnectionFailed(error))
        self._lost(error, now if now is not None else self._last_rx, True)

    def _lost(self, error: errors.ISCSIError, now: float, ours: bool) -> None:
        """The connection is gone (``ours``: we closed it): recover, retry or fail."""
        conn = self.conn
        logged_in = conn is not None and conn.state is ConnectionState.FULL_FEATURE
        if conn is not None:
            conn.close()
        if not ours and self._opened:
            if self.state is State.FULL_FEATURE:
                log.warning("connection to %s lost: %s", self.portal, error)
            else:
                log.info("connection to %s lost: %s", self.portal, error)
        state = self.state
        self._ping = None
        self._login_task = None
        if state in (State.CONNECTING, State.LOGIN) and not self._opened:
            self._open_failed(error)
            return
        if not self._opened or not self.policy.recover:
            self._fail_all(error)
            self._set_closed(error)
            return
        self._hold_for_recovery(error)
        if state in (State.CONNECTING, State.LOGIN):
            # lost while clearing unit attentions: logged in, so Time2Wait applies too
            self._attempt_failed(error, now, self._take_time2wait(now) if logged_in else 0.0)
        else:
            self._start_recovery(error, now)

    def _open_failed(self, error: errors.ISCSIError) -> None:
        """A first login failed: follow a redirect, retry a tgtd quirk, or fail the open."""
        if isinstance(error, LoginRedirect) and self._redirects < _MAX_REDIRECTS:
            self._redirects += 1
            self.last_redirect = error
            log.info("login redirected to %s:%d", error.host, error.port)
            self.host, self.port = error.host, error.port
            self._reopen()
            return
        if isinstance(error, LoginRedirect):
            moved = errors.TargetMovedError(f"login redirected more than {_MAX_REDIRECTS} times")
            moved.__cause__ = error
            error = moved
        elif self._drop_sha256(error):
            self._reopen()
            return
        self._fail_open(error)

    def _reopen(self) -> None:
        self._tasks = {i: t for i, t in self._tasks.items() if not t.internal}
        self.conn = None
        self.state = State.CONNECTING
        self._events.append(OpenConnection(self.host, self.port))

    def _fail_open(self, error: errors.ISCSIError) -> None:
        if self.conn is not None and self.conn.state is not ConnectionState.CLOSED:
            self._events.append(ConnectionFailed(error))
            self.conn.close()
        self._fail_all(error)
        self._fail_open_task(error)
        self._set_closed(error)

    def _fail_open_task(self, error: errors.ISCSIError) -> None:
        """The caller's open task (not in the task table) fails, if it is still waiting."""
        task = self._open_task
        if task is not None and not task.done:
            task.done = True
            task.error = error
            self._events.append(TaskDone(task))

    def _drop_sha256(self, error: errors.ISCSIError) -> bool:
        """After a CHAP failure with CHAP_A=7: retry without it? (tgtd takes 7 as SHA-1).

        RFC 7143 and IANA number SHA-256 as 7; tgt (up to 1.0.85 at least) computes SHA-1 for
        7, so a login offering the default list fails there.  When the target chose 7 and the
        list has other algorithms, the login is tried once more without 7.
        """
        creds = self.credentials
        if (
            creds is None
            or not isinstance(error, errors.AuthenticationError)
            or error.status_class != 2  # the target refused our response
            or self.chap_algorithm is not ChapAlgorithm.SHA256
        ):
            return False
        rest = tuple(a for a in creds.algorithms if a is not ChapAlgorithm.SHA256)
        if not rest:
            return False
        log.info(
            "CHAP with SHA-256 (CHAP_A=7) failed; retrying without it, as some targets "
            "(tgtd) take 7 for SHA-1"
        )
        creds.algorithms = rest
        return True

    def _hold_for_recovery(self, error: errors.ISCSIError) -> None:
        """Keep the unfinished SCSI commands, in submission order, to send again; fail the rest."""
        held: list[ScsiTask] = []
        others: list[Task] = []
        for task in self._tasks.values():
            if task.done:
                continue
            if task.internal:  # the session's own (TURs, escalation): over with the link
                task.done = True
                task.error = error
            elif isinstance(task, ScsiTask):
                held.append(task)
            else:
                others.append(task)
        self._tasks = {}
        self._waiting = deque()
        self._settle = None
        self._logout_due = None
        for task in others:
            task.done = True
            task.error = error
            self._events.append(TaskDone(task))
        for task in held:
            task.reset()
            task.itt = self._alloc_itt()
            self._tasks[task.itt] = task
            self._waiting.append(task)

    def _take_time2wait(self, now: float) -> float:
        """Seconds to wait after losing a logged-in connection (the target's last word)."""
        wait = self._time2wait
        if wait is None or (self._time2wait_until and now > self._time2wait_until):
            wait = self.negotiated_time2wait
        self._time2wait = None
        self._time2wait_until = 0.0
        return wait

    def _start_recovery(self, error: errors.ISCSIError, now: float) -> None:
        if self.policy.max_reconnects == 0:
            failure = errors.ISCSIConnectionError(
                f"connection to {self.portal} lost (max_reconnects is 0): {error}"
            )
            self._fail_all(failure)
            self._set_closed(failure)
            return
        wait = self._take_time2wait(now)
        self.state = State.RECOVERY
        self.conn = None
        self._attempts = 0
        timeout = self.policy.reconnect_timeout
        self._give_up_at = None if timeout is None else now + timeout
        self._delay = 0.0
        self._retry_at = now + wait
        log.info("waiting %g s (Time2Wait) before logging in again", wait)

    @property
    def negotiated_time2wait(self) -> float:
        """DefaultTime2Wait agreed at the last login (seconds)."""
        return float(self._agreed_time2wait)

    def _attempt_failed(self, error: errors.ISCSIError, now: float, wait: float = 0.0) -> None:
        self.conn = None
        self.state = State.RECOVERY
        log.info("reconnect attempt %d to %s failed: %s", self._attempts, self.portal, error)
        if isinstance(error, LoginRedirect) and self._redirects < _MAX_REDIRECTS:
            self._redirects += 1
            self.host, self.port = error.host, error.port
            self._retry_at = now
            return
        if self._drop_sha256(error):
            self._retry_at = now
            return
        self._delay = min(max(self._delay * 2, 0.25), _MAX_RETRY_DELAY)
        delay = max(self._delay, wait)
        limit = self.policy.max_reconnects
        out_of_time = self._give_up_at is not None and now + delay > self._give_up_at
        if out_of_time or (limit is not None and self._attempts >= limit):
            failure = errors.ISCSIConnectionError(
                f"connection to {self.portal} lost and not re-established after "
                f"{self._attempts} attempt(s): {error}"
            )
            log.error("%s", failure)
            self._fail_all(failure)
            self._set_closed(failure)
            return
        self._retry_at = now + delay

    def _fail_all(self, error: errors.ISCSIError) -> None:
        """Fail every task not done (and forget the cancelled ones)."""
        pending = list(self._tasks.values())
        self._tasks = {}
        self._waiting = deque()
        self._ping = None
        self._settle = None
        for task in pending:
            if task.done:
                continue
            task.done = True
            task.error = error
            if not task.internal:
                self._events.append(TaskDone(task))

    def _set_closed(self, error: errors.ISCSIError | None) -> None:
        self.state = State.CLOSED
        self.failure = error
        self._retry_at = self._login_deadline = None
        self._deadlines = []
        if self.conn is not None:
            self.conn.close()

    def internal_error(self, exc: Exception) -> None:
        """The I/O layer hit a bug of ours with what the core gave it: stop the session."""
        self._internal_error(exc)

    def _internal_error(self, exc: Exception) -> None:
        """A bug of ours: stop everything, report it as one, never retry it."""
        log.error("internal error in the iSCSI session, stopping it", exc_info=exc)
        error = errors.InternalError(f"internal error in pyiscsi: {exc!r}")
        error.__cause__ = exc
        self._events.append(ConnectionFailed(error))
        self._fail_all(error)
        self._fail_open_task(error)
        self._set_closed(error)
        self.state = State.ERROR
