"""The synchronous API: the asyncio session run on an event loop in a helper thread.

Every call hands a coroutine to that loop and blocks until it is done, so a session may be
used from several threads at once; their commands run concurrently on the one connection.

    with pyiscsi.sync.connect("iscsi://127.0.0.1/iqn.2024-01.org.example:disk/1") as s:
        data = s.read(0, 8)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, TypeVar, Unpack

from pyiscsi.aio import session as aio
from pyiscsi.aio.loop import new_event_loop
from pyiscsi.aio.session import Command as AioCommand
from pyiscsi.aio.session import ScsiResult
from pyiscsi.config import SessionConfig
from pyiscsi.options import ConnectOptions
from pyiscsi.protocol.keys import Negotiated
from pyiscsi.protocol.tasks import DiscoveredTarget, TaskAttribute, TaskManagementFunction
from pyiscsi.sync_commands import SyncScsiCommands

__all__ = ["Command", "Session", "connect", "discover"]

T = TypeVar("T")


class _LoopThread:
    """One event loop in a daemon thread, shared by every synchronous session."""

    _lock = threading.Lock()
    _loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def loop(cls) -> asyncio.AbstractEventLoop:
        with cls._lock:
            if cls._loop is None or cls._loop.is_closed():
                loop = new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="pyiscsi-loop", daemon=True)
                thread.start()
                cls._loop = loop
            return cls._loop


class _Call:
    """One blocking call: a coroutine run on the loop thread, a lock released when it is done.

    Lighter than ``run_coroutine_threadsafe`` (no concurrent future, no condition variable):
    one command at a time is latency-bound, and this hand-off is most of what the blocking
    API adds to it.
    """

    __slots__ = ("coro", "finished", "task")

    def __init__(self, coro: Coroutine[Any, Any, Any]) -> None:
        self.coro = coro
        self.task: asyncio.Task[Any] | None = None
        self.finished = threading.Lock()
        self.finished.acquire()

    def start(self) -> None:
        """On the loop thread: run the coroutine."""
        self.task = asyncio.ensure_future(self.coro)
        self.task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self.finished.release()

    def cancel(self) -> None:
        """On the loop thread, after ``start`` if that was scheduled: the caller went away
        (e.g. KeyboardInterrupt)."""
        if self.task is not None:
            self.task.cancel()  # the command is aborted, the caller's buffer let go
        else:
            self.coro.close()  # interrupted before ``start`` was scheduled


def _run(coro: Coroutine[Any, Any, T]) -> T:
    loop = _LoopThread.loop()
    if _running_in(loop):
        coro.close()
        raise RuntimeError("pyiscsi.sync called from its own event loop thread")
    call = _Call(coro)
    try:
        loop.call_soon_threadsafe(call.start)
        call.finished.acquire()
    except BaseException:
        loop.call_soon_threadsafe(call.cancel)
        raise
    task = call.task
    assert task is not None
    result: T = task.result()
    return result


def _running_in(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


async def _call(fn: Callable[[], T]) -> T:
    return fn()


class Command:
    """A command sent by :meth:`Session.submit`; :meth:`result` waits for its answer."""

    __slots__ = ("_command",)

    def __init__(self, command: AioCommand) -> None:
        self._command = command

    @property
    def itt(self) -> int:
        """The command's Initiator Task Tag."""
        return self._command.itt

    @property
    def aio(self) -> AioCommand:
        """The asyncio command underneath."""
        return self._command

    def result(self) -> ScsiResult:
        """Block until the target answered; the :class:`ScsiResult` (or the error)."""
        command = self._command
        return _run(command._session._wait(command))


def _aio_command(command: Command | AioCommand) -> AioCommand:
    return command.aio if isinstance(command, Command) else command


class Session(SyncScsiCommands):
    """A blocking session; the same methods as :class:`pyiscsi.aio.Session`."""

    def __init__(self, session: aio.Session) -> None:
        self._session = session

    def __repr__(self) -> str:
        return repr(self._session).replace("pyiscsi.Session", "pyiscsi.sync.Session")

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return _run(coro)

    @property
    def target_name(self) -> str | None:
        """The target's name."""
        return self._session.target_name

    @property
    def lun(self) -> int:
        """The LUN commands go to by default."""
        return self._session.lun

    @property
    def portal(self) -> str:
        """``host:port`` of the connection."""
        return self._session.portal

    @property
    def negotiated(self) -> Negotiated:
        """The parameters agreed at login."""
        return self._session.negotiated

    @property
    def parameters(self) -> dict[str, str]:
        """The agreed parameters as iSCSI keys."""
        return self._session.parameters

    @property
    def aio(self) -> aio.Session:
        """The asyncio session underneath."""
        return self._session

    @property
    def config(self) -> SessionConfig:
        """The configuration the session logged in with."""
        return self._session.config

    @property
    def discovery(self) -> bool:
        """True for a discovery session."""
        return self._session.discovery

    @property
    def host(self) -> str:
        """The host of the portal connected to."""
        return self._session.host

    @property
    def port(self) -> int:
        """The TCP port of the portal connected to."""
        return self._session.port

    @property
    def reconnects(self) -> int:
        """How many times the session logged in again after a lost connection."""
        return self._session.reconnects

    @property
    def tsih(self) -> int:
        """The Target Session Identifying Handle the target gave the session at login."""
        return self._session.tsih

    @property
    def state(self) -> str:
        """Where the session is: ``full feature``, ``recovery``, ``closed``, ..."""
        return self._session.state

    def submit(
        self,
        cdb: bytes,
        *,
        data_out: bytes | bytearray | memoryview | None = None,
        data_in: int | bytearray | memoryview | None = None,
        lun: int | None = None,
        attribute: TaskAttribute = TaskAttribute.SIMPLE,
        check: bool = True,
        timeout: float | None = None,
    ) -> Command:
        """Send a CDB now; the :class:`Command`'s ``result()`` waits for the answer."""
        session = self._session
        return Command(
            _run(
                _call(
                    lambda: session.submit(
                        cdb,
                        data_out=data_out,
                        data_in=data_in,
                        lun=lun,
                        attribute=attribute,
                        check=check,
                        timeout=timeout,
                    )
                )
            )
        )

    def abort_task(self, command: Command | AioCommand) -> None:
        """ABORT TASK for one submitted command; its ``result()`` then raises."""
        _run(self._session.abort_task(_aio_command(command)))

    def close(self) -> None:
        """Log out and close."""
        _run(self._session.close())

    logout = close

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def execute(
        self,
        cdb: bytes,
        *,
        data_out: bytes | bytearray | memoryview | None = None,
        data_in: int | bytearray | memoryview | None = None,
        lun: int | None = None,
        attribute: TaskAttribute = TaskAttribute.SIMPLE,
        check: bool = True,
        timeout: float | None = None,
    ) -> ScsiResult:
        """Run a CDB; see :meth:`pyiscsi.aio.Session.execute`."""
        return _run(
            self._session.execute(
                cdb,
                data_out=data_out,
                data_in=data_in,
                lun=lun,
                attribute=attribute,
                check=check,
                timeout=timeout,
            )
        )

    def task_management(
        self,
        function: TaskManagementFunction,
        *,
        lun: int | None = None,
        command: Command | AioCommand | None = None,
    ) -> None:
        """Run a task management function."""
        target = None if command is None else _aio_command(command)
        _run(self._session.task_management(function, lun=lun, command=target))

    def abort_task_set(self, lun: int | None = None) -> None:
        """ABORT TASK SET."""
        _run(self._session.abort_task_set(lun))

    def clear_aca(self, lun: int | None = None) -> None:
        """CLEAR ACA."""
        _run(self._session.clear_aca(lun))

    def clear_task_set(self, lun: int | None = None) -> None:
        """CLEAR TASK SET."""
        _run(self._session.clear_task_set(lun))

    def lun_reset(self, lun: int | None = None) -> None:
        """LOGICAL UNIT RESET."""
        _run(self._session.lun_reset(lun))

    def target_warm_reset(self) -> None:
        """TARGET WARM RESET."""
        _run(self._session.target_warm_reset())

    def target_cold_reset(self) -> None:
        """TARGET COLD RESET."""
        _run(self._session.target_cold_reset())

    def ping(self, data: bytes = b"") -> bytes:
        """NOP-Out ping; returns the echoed data."""
        return _run(self._session.ping(data))

    def text(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """A Text exchange."""
        return _run(self._session.text(pairs))

    def send_targets(self, value: str = "All") -> list[DiscoveredTarget]:
        """SendTargets on this session's portal."""
        return _run(self._session.send_targets(value))


def connect(url: str | None = None, **options: Unpack[ConnectOptions]) -> Session:
    """Log in and return a blocking :class:`Session` (use it with ``with``)."""
    session = aio.Session(SessionConfig.build(url, **options))
    _run(session._open())
    return Session(session)


def discover(url: str | None = None, **options: Unpack[ConnectOptions]) -> list[DiscoveredTarget]:
    """SendTargets=All on a portal, blocking."""
    return _run(aio.discover(url, **options))
