"""The asyncio driver: a BufferedProtocol that feeds the sans-I/O connection.

It does three things: hands the core's receive buffers to the event loop (so Data-In lands
straight in the caller's buffer), resolves one future per task when the core reports it done,
and writes what the core produced once per loop turn with a single ``writelines`` call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable
from typing import Any, cast

from pyiscsi import errors
from pyiscsi.protocol.connection import (
    AsyncEvent,
    Connection,
    ConnectionFailed,
    TaskDone,
)
from pyiscsi.protocol.tasks import Task

__all__ = ["Driver"]

log = logging.getLogger("pyiscsi.aio")


class Driver(asyncio.BufferedProtocol):
    """Runs one :class:`Connection` over one TCP connection."""

    def __init__(self, core: Connection, loop: asyncio.AbstractEventLoop) -> None:
        self.core = core
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.closed: asyncio.Future[None] = loop.create_future()
        self.failure: errors.ISCSIError | None = None
        self._flush_scheduled = False
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: float | None = None
        self._paused = False
        self._drain_waiters: list[asyncio.Future[None]] = []
        #: called with each Asynchronous Message the target sends
        self.on_async: Callable[[AsyncEvent], None] | None = None
        #: called once the TCP connection is gone (the session reconnects from there)
        self.on_lost: Callable[[Driver], None] | None = None

    # --- asyncio.BufferedProtocol -----------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError, AttributeError):  # not TCP
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.core.get_buffer(sizehint)

    def buffer_updated(self, nbytes: int) -> None:
        self.core.buffer_updated(nbytes, self.loop.time())
        self._after_core()
        self.flush()

    def eof_received(self) -> bool | None:
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        reason = (
            errors.ISCSIConnectionError(f"connection lost: {exc}")
            if exc is not None
            else errors.ISCSIConnectionError("connection closed by the target")
        )
        self.core.connection_lost(reason)
        self.transport = None
        self._after_core()
        if self._timer is not None:
            self._timer.cancel()
        for waiter in self._drain_waiters:
            if not waiter.done():
                waiter.set_result(None)
        if not self.closed.done():
            self.closed.set_result(None)
        if self.on_lost is not None:
            self.on_lost(self)

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        waiters, self._drain_waiters = self._drain_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    # --- plumbing ---------------------------------------------------------------------

    def track(self, task: Task) -> asyncio.Future[Any]:
        """A future resolved when ``task`` is done; schedules the write of what it produced."""
        future: asyncio.Future[Any] = self.loop.create_future()
        task.handle = future
        self._after_core()
        self.schedule_flush()
        return future

    def schedule_flush(self) -> None:
        """Write the core's output at the end of this loop turn (one writelines for all)."""
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.loop.call_soon(self.flush)

    def flush(self) -> None:
        """Write everything the core has produced now."""
        self._flush_scheduled = False
        data = self.core.data_to_send()
        if data and self.transport is not None and not self.transport.is_closing():
            self.transport.writelines(data)
        self._arm_timer()

    async def drain(self) -> None:
        """Wait while the transport's write buffer is over its high-water mark."""
        if self._paused and self.transport is not None:
            waiter: asyncio.Future[None] = self.loop.create_future()
            self._drain_waiters.append(waiter)
            await waiter

    def _after_core(self) -> None:
        for event in self.core.events():
            if isinstance(event, TaskDone):
                future = event.task.handle
                if isinstance(future, asyncio.Future) and not future.done():
                    if event.task.error is not None:
                        future.set_exception(event.task.error)
                    else:
                        future.set_result(event.task)
            elif isinstance(event, ConnectionFailed):
                self.failure = event.error
                self.flush()
                if self.transport is not None:
                    self.transport.close()
            else:
                log.info("asynchronous message from target: event %d", event.message.event)
                if self.on_async is not None:
                    self.on_async(event)

    def _arm_timer(self) -> None:
        when = self.core.next_timer()
        if when == self._timer_at:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._timer_at = when
        if when is not None:
            self._timer = self.loop.call_at(when, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_at = None
        self.core.handle_timer(self.loop.time())
        self._after_core()
        self.flush()

    def close(self) -> None:
        """Close the TCP connection."""
        if self.transport is not None:
            self.transport.close()
