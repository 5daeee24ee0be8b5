"""The asyncio driver: the one owner of a sans-I/O :class:`~pyiscsi.protocol.session.Session`.

It feeds the core every input (calls, received bytes, connection changes, the timer), then
does what the core's events say: opens a TCP connection when asked, closes one that failed,
resolves the future kept for each task (tasks themselves carry none), and writes what the
core produced with one ``writelines`` per loop turn.  Each TCP connection is a thin
:class:`asyncio.BufferedProtocol` (:class:`_Link`) that hands the core's receive buffer to
the event loop, so Data-In lands straight in the caller's buffer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable
from typing import Any, cast

from pyiscsi import errors
from pyiscsi.protocol.connection import Connection
from pyiscsi.protocol.events import (
    AsyncEvent,
    ConnectionFailed,
    OpenConnection,
    Reconnected,
    TaskDone,
)
from pyiscsi.protocol.session import Session
from pyiscsi.protocol.tasks import Task

__all__ = ["Driver"]

log = logging.getLogger("pyiscsi.aio")
_DISCARD = memoryview(bytearray(65536))  # where a left connection's late bytes are read to


class _Link(asyncio.BufferedProtocol):
    """One TCP connection of the driver; everything goes to the driver."""

    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        self.transport: asyncio.Transport | None = None
        self.conn: Connection | None = None
        self.closed: asyncio.Future[None] = driver.loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError, AttributeError):  # not TCP
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.driver._link_made(self)

    def get_buffer(self, sizehint: int) -> memoryview:
        if self.driver.link is not self:  # a connection we left: its bytes go nowhere
            return _DISCARD
        return self.driver.core.get_buffer(sizehint)

    def buffer_updated(self, nbytes: int) -> None:
        driver = self.driver
        if driver.link is self:
            driver.core.buffer_updated(nbytes, driver.loop.time())
            driver._after_input(flush=True)

    def eof_received(self) -> bool | None:
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if not self.closed.done():
            self.closed.set_result(None)
        self.driver._link_lost(self, exc)

    def pause_writing(self) -> None:
        self.driver._paused = True

    def resume_writing(self) -> None:
        self.driver._resume()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class Driver:
    """Runs one protocol session over asyncio TCP connections."""

    def __init__(self, core: Session, loop: asyncio.AbstractEventLoop) -> None:
        self.core = core
        self.loop = loop
        self.link: _Link | None = None
        self._connecting: asyncio.Task[Any] | None = None
        self._waiters: dict[Task, asyncio.Future[Any]] = {}
        self._flush_scheduled = False
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: float | None = None
        self._paused = False
        self._drain_waiters: list[asyncio.Future[None]] = []
        #: called with each Asynchronous Message the target sends
        self.on_async: Callable[[AsyncEvent], None] | None = None

    @property
    def transport(self) -> asyncio.Transport | None:
        """The current TCP connection's transport (None between connections)."""
        return self.link.transport if self.link is not None else None

    # --- calls into the core ----------------------------------------------------------

    def track(self, task: Task) -> asyncio.Future[Any]:
        """A future resolved when ``task`` is done; what the call produced goes out this turn.

        A request with nothing else in flight is written at once: there is nothing to batch
        it with, and one request at a time is latency-bound.  Otherwise it is written with
        the rest of this loop turn's output in one ``writelines``.
        """
        future: asyncio.Future[Any] = self.loop.create_future()
        waiters = self._waiters
        if task.done:
            _resolve(future, task)
        else:
            waiters[task] = future
        self._after_input(flush=len(waiters) <= 1 and not self._flush_scheduled)
        return future

    def forget(self, task: Task) -> None:
        """Stop waiting for ``task`` (its caller went away)."""
        self._waiters.pop(task, None)

    def after_call(self) -> None:
        """A call into the core was made: act on its events, write at the end of the turn."""
        self._after_input(flush=False)

    # --- the core's inputs ------------------------------------------------------------

    def _link_made(self, link: _Link) -> None:
        if self.link is not None or self._connecting is None:
            link.close()  # nobody asked for it any more
            return
        self._connecting = None
        self.link = link
        link.conn = self.core.connection_made(self.loop.time())
        self._after_input(flush=True)

    def _link_lost(self, link: _Link, exc: Exception | None) -> None:
        if link is not self.link:
            return
        self.link = None
        reason = (
            errors.ISCSIConnectionError(f"connection lost: {exc}")
            if exc is not None
            else errors.ISCSIConnectionError("connection closed by the target")
        )
        self.core.connection_lost(reason, self.loop.time(), link.conn)
        self._resume()
        self._after_input(flush=False)

    async def _open(self, host: str, port: int) -> None:
        try:
            await self.loop.create_connection(lambda: _Link(self), host, port)
        except OSError as exc:
            if self._connecting is asyncio.current_task():
                self._connecting = None
                reason = os.strerror(exc.errno) if exc.errno else str(exc)
                # the portal asked for: the core moves it only on a redirect, after a login
                error = errors.ISCSIConnectionError(
                    f"cannot connect to {self.core.portal}: {reason}"
                )
                self.core.connection_lost(error, self.loop.time())
                self._after_input(flush=False)

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_at = None
        self.core.handle_timer(self.loop.time())
        self._after_input(flush=True)

    # --- the core's outputs -----------------------------------------------------------

    def _after_input(self, flush: bool) -> None:
        for event in self.core.events():
            if isinstance(event, TaskDone):
                future = self._waiters.pop(event.task, None)
                if future is not None and not future.done():
                    _resolve(future, event.task)
            elif isinstance(event, OpenConnection):
                self._drop_link()
                self._connecting = self.loop.create_task(self._open(event.host, event.port))
            elif isinstance(event, ConnectionFailed):
                self._flush()
                self._drop_link()
            elif isinstance(event, Reconnected):
                pass  # the core logs it and counts it
            else:
                log.info("asynchronous message from target: event %d", event.message.event)
                if self.on_async is not None:
                    self.on_async(event)
        if flush:
            self._flush()
        elif not self._flush_scheduled:
            self._flush_scheduled = True
            self.loop.call_soon(self._flush)

    def _flush(self) -> None:
        """Write everything the core has produced now, and arm the timer if it is due sooner."""
        self._flush_scheduled = False
        data = self.core.data_to_send()
        transport = self.link.transport if self.link is not None else None
        if data and transport is not None and not transport.is_closing():
            try:
                transport.writelines(data)
            except Exception as exc:  # what the core produced cannot be written: our bug
                self.core.internal_error(exc)
                self._after_input(flush=False)
        # The timer is moved only to an earlier time.  A later one (the keepalive moving on
        # with every PDU received, a command answered before its deadline) waits for the
        # armed timer to fire: the core then does nothing and the next flush re-arms it.
        when = self.core.next_timer()
        if when is not None and (self._timer_at is None or when < self._timer_at):
            if self._timer is not None:
                self._timer.cancel()
            self._timer_at = when
            self._timer = self.loop.call_at(when, self._on_timer)

    def _drop_link(self) -> None:
        if self._connecting is not None:
            self._connecting.cancel()
            self._connecting = None
        link, self.link = self.link, None
        if link is not None:
            link.close()

    @property
    def paused(self) -> bool:
        """True while the transport's write buffer is over its high-water mark."""
        return self._paused

    async def drain(self) -> None:
        """Wait while the transport's write buffer is over its high-water mark."""
        if self._paused and self.link is not None:
            waiter: asyncio.Future[None] = self.loop.create_future()
            self._drain_waiters.append(waiter)
            await waiter

    def _resume(self) -> None:
        self._paused = False
        waiters, self._drain_waiters = self._drain_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def close(self) -> None:
        """Close the TCP connection (if any) and wait until it is closed; stop the timer."""
        self.core.close()
        link = self.link
        self._drop_link()
        self._after_input(flush=False)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = self._timer_at = None
        if link is not None:
            await link.closed
        for future in self._waiters.values():
            if not future.done():
                future.set_exception(errors.CommandCancelledError("session closed"))
        self._waiters.clear()


def _resolve(future: asyncio.Future[Any], task: Task) -> None:
    if task.error is not None:
        future.set_exception(task.error)
    else:
        future.set_result(task)
