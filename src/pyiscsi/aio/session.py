"""The public asyncio API: connect, run SCSI commands, manage tasks, discover, log out."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Generator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Unpack

from pyiscsi import errors
from pyiscsi.aio.commands import ScsiCommands
from pyiscsi.aio.driver import Driver
from pyiscsi.config import SessionConfig
from pyiscsi.options import ConnectOptions
from pyiscsi.protocol.chap import ChapAlgorithm
from pyiscsi.protocol.connection import AsyncEvent, Connection, State
from pyiscsi.protocol.keys import Negotiated
from pyiscsi.protocol.login import LoginParameters, LoginRedirect
from pyiscsi.protocol.tasks import (
    DiscoveredTarget,
    ScsiTask,
    TaskAttribute,
    TaskManagementFunction,
)
from pyiscsi.protocol.text import parse_send_targets
from pyiscsi.scsi.luns import encode_lun
from pyiscsi.scsi.sense import Sense, parse_sense

__all__ = ["Command", "ScsiResult", "Session", "connect", "discover"]

log = logging.getLogger("pyiscsi.session")

_MAX_REDIRECTS = 5
_MAX_UNIT_ATTENTIONS = 16
_MAX_RECONNECT_DELAY = 10.0
_MAX_CDB = 260  # 16 in the BHS + an Extended CDB AHS of up to 244
_MAX_LUN = 16383  # what encode_lun reaches (flat space addressing)
# AsyncEvent codes
_ASYNC_SCSI_EVENT = 0
_ASYNC_LOGOUT_REQUEST = 1
_ASYNC_DROP_CONNECTION = 2
_ASYNC_DROP_ALL = 3
_UNIT_ATTENTION = 0x6
_GOOD_STATUSES = (0x00, 0x04)  # GOOD, CONDITION MET


@dataclass(slots=True)
class ScsiResult:
    """What a SCSI command returned.

    ``data`` is the data-in received: a bytearray pyiscsi allocated, or a memoryview of the
    buffer you passed.  ``residual`` counts bytes not transferred (underflow) or not
    transferable (overflow).
    """

    status: int
    data: bytearray | memoryview
    residual: int = 0
    underflow: bool = False
    overflow: bool = False
    sense: Sense | None = None
    sense_data: bytes = b""

    @property
    def good(self) -> bool:
        """True for GOOD and CONDITION MET."""
        return self.status in _GOOD_STATUSES


class Command:
    """A SCSI command in flight; await it for its :class:`ScsiResult`."""

    __slots__ = ("_future", "_session", "check", "task")

    def __init__(
        self, session: Session, task: ScsiTask, future: asyncio.Future[Any], check: bool
    ) -> None:
        self._session = session
        self._future = future
        self.task = task
        self.check = check

    @property
    def itt(self) -> int:
        """The command's Initiator Task Tag."""
        return self.task.itt

    def __await__(self) -> Generator[Any, None, ScsiResult]:
        return self._session._wait(self).__await__()


class Session(ScsiCommands):
    """A logged-in iSCSI session to one LUN of a target (or a discovery session)."""

    def __init__(self, config: SessionConfig, discovery: bool = False) -> None:
        self.config = config
        self.discovery = discovery
        self.lun = config.lun
        self._lun_field = 0 if discovery else int.from_bytes(encode_lun(config.lun), "big")
        self.target_name = config.target
        self.host = config.host
        self.port = config.port
        self._isid = b"\x80" + os.urandom(3) + b"\x00\x00"  # random-qualifier ISID
        self._core: Connection | None = None
        self._driver: Driver | None = None
        self._closed = False
        self._reconnecting: asyncio.Task[None] | None = None
        self._held: list[ScsiTask] = []  # commands to send once reconnected
        self._block_sizes: dict[int, int] = {}
        self._lun_blocks: dict[int, int] = {}  # number of blocks per LUN (aio/commands.py)
        self._transfer_limits: dict[int, int] = {}  # most blocks per command (aio/commands.py)
        self.reconnects = 0

    def __repr__(self) -> str:
        return (
            f"<pyiscsi.Session {self.target_name or 'discovery'} lun {self.lun} at {self.portal}>"
        )

    # ----------------------------------------------------------------- properties

    @property
    def portal(self) -> str:
        """``host:port`` of the portal this session is connected to."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def negotiated(self) -> Negotiated:
        """The parameters agreed at login."""
        return self._connection().negotiated

    @property
    def parameters(self) -> dict[str, str]:
        """The agreed parameters as iSCSI keys (``HeaderDigest``: ``CRC32C``, ...)."""
        return self.negotiated.as_keys()

    @property
    def connection(self) -> Connection:
        """The sans-I/O core (for tools that need its hook on the outgoing path)."""
        return self._connection()

    # ----------------------------------------------------------------- life cycle

    async def _open(self) -> None:
        loop = asyncio.get_running_loop()
        host, port = self.config.host, self.config.port
        for _ in range(_MAX_REDIRECTS + 1):
            try:
                async with asyncio.timeout(self.config.login_timeout):
                    await self._login(loop, host, port)
                    if not self.discovery:
                        await self._clear_unit_attentions()
                self.host, self.port = host, port
                self._arm_reconnect()
                return
            except LoginRedirect as redirect:
                log.info("login redirected to %s:%d", redirect.host, redirect.port)
                host, port = redirect.host, redirect.port
                self._drop()
            except errors.AuthenticationError:
                if not self._drop_sha256_quirk():
                    self._drop()
                    raise
                self._drop()
            except TimeoutError:
                self._drop()
                raise errors.ISCSITimeoutError(
                    f"login to {host}:{port} did not complete in {self.config.login_timeout:g} s"
                ) from None
            except BaseException:
                self._drop()
                raise
        raise errors.TargetMovedError(f"login redirected more than {_MAX_REDIRECTS} times")

    async def _login(self, loop: asyncio.AbstractEventLoop, host: str, port: int) -> None:
        cfg = self.config
        params = LoginParameters(
            initiator_name=cfg.initiator_name,
            target_name=None if self.discovery else cfg.target,
            initiator_alias=cfg.initiator_alias,
            isid=self._isid,
        )
        core = Connection(
            params,
            cfg.settings,
            cfg.credentials,
            nop_interval=cfg.nop_interval,
            nop_timeout=cfg.nop_timeout,
        )
        try:
            _, driver = await loop.create_connection(lambda: Driver(core, loop), host, port)
        except OSError as exc:
            raise errors.ISCSIConnectionError(
                f"cannot connect to {host}:{port}: {exc.strerror or exc}"
            ) from None
        self._core, self._driver = core, driver
        await driver.track(core.login())
        driver.on_async = self._on_async_event
        log.info("logged in to %s at %s:%d", params.target_name or "discovery", host, port)

    def _drop_sha256_quirk(self) -> bool:
        """After a CHAP failure with CHAP_A=7: retry without it? (tgtd takes 7 as SHA-1).

        RFC 7143 and IANA number SHA-256 as 7; tgt (up to 1.0.85 at least) computes SHA-1 for
        7, so a login offering the default list fails there.  When the target chose 7 and the
        list has other algorithms, the login is tried once more without 7.
        """
        creds = self.config.credentials
        core = self._core
        if creds is None or core is None or core.chap_algorithm is not ChapAlgorithm.SHA256:
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

    async def _clear_unit_attentions(self) -> None:
        """TEST UNIT READY until no UNIT ATTENTION is pending (as libiscsi's full connect)."""
        core, driver = self._driver_checked()
        for _ in range(_MAX_UNIT_ATTENTIONS):
            task = ScsiTask(cdb=bytes(6), lun=self._lun_field)
            await driver.track(core.submit_scsi(task))
            result = self._result(task, check=False)
            if result.sense is None or result.sense.key != _UNIT_ATTENTION:
                return
            log.debug("cleared unit attention: %s", result.sense)

    # ----------------------------------------------------------------- reconnect

    def _arm_reconnect(self) -> None:
        """From now on a lost connection is re-established (if the config says so)."""
        if not self.config.reconnect or self.discovery:
            return
        core, driver = self._driver_checked()
        core.keep_scsi_tasks = True
        driver.on_lost = self._on_lost

    def _on_lost(self, driver: Driver) -> None:
        """The TCP connection of a logged-in session is gone: reconnect, unless closing."""
        core = self._core
        if driver is not self._driver or core is None or self._closed:
            return
        self._held.extend(core.orphaned)
        core.orphaned.clear()
        if self._reconnecting is not None:
            return  # a reconnect (or a logout the target asked for) is already under way
        reason = driver.failure or errors.ISCSIConnectionError("connection lost")
        log.warning("connection to %s lost (%s); reconnecting", self.portal, reason)
        self._reconnecting = asyncio.get_running_loop().create_task(self._reconnect(reason))

    def _on_async_event(self, event: AsyncEvent) -> None:
        """React to an Asynchronous Message (RFC 7143 11.9.1)."""
        message = event.message
        if message.event == _ASYNC_SCSI_EVENT:
            sense = message.data[2 : 2 + int.from_bytes(message.data[:2], "big")]
            log.warning("target reported a SCSI event: %s", _describe_sense(sense))
        elif message.event == _ASYNC_LOGOUT_REQUEST:
            log.warning(
                "target requests a logout within %d s; %s",
                message.parameter3,
                "logging out and in again" if self.config.reconnect else "session will end",
            )
            if (
                self.config.reconnect
                and not self.discovery
                and self._reconnecting is None
                and not self._closed
            ):
                self._reconnecting = asyncio.get_running_loop().create_task(self._relogin())
        elif message.event in (_ASYNC_DROP_CONNECTION, _ASYNC_DROP_ALL):
            log.warning("target will drop the connection (Time2Wait %d s)", message.parameter2)
        else:
            log.info("ignored asynchronous event %d", message.event)

    async def _relogin(self) -> None:
        """Let commands in flight finish, log out, then log in again (target asked for it)."""
        core, driver = self._core, self._driver
        if core is None or driver is None:
            return
        waiting = [t.handle for t in core.unfinished() if isinstance(t.handle, asyncio.Future)]
        if waiting:
            await asyncio.wait(waiting, timeout=self.config.login_timeout)
        driver.on_lost = None
        try:
            async with asyncio.timeout(self.config.login_timeout):
                await driver.track(core.logout())
        except (errors.ISCSIError, TimeoutError) as exc:
            log.info("logout the target asked for did not complete cleanly: %s", exc)
        driver.close()
        await driver.closed
        self._held.extend(core.orphaned)
        core.orphaned.clear()
        await self._reconnect(errors.ISCSIConnectionError("target requested a logout"))

    async def _reconnect(self, reason: errors.ISCSIError) -> None:
        """Log in again (same ISID: the target reinstates the session) and re-send commands."""
        loop = asyncio.get_running_loop()
        timeout = self.config.reconnect_timeout
        deadline = None if timeout is None else loop.time() + timeout
        delay = 0.0
        attempts = redirects = 0
        host, port = self.host, self.port
        error: BaseException = reason
        while not self._closed:
            if deadline is not None and loop.time() + delay > deadline:
                break
            if delay:
                await asyncio.sleep(delay)
            attempts += 1
            self._drop()
            try:
                async with asyncio.timeout(self.config.login_timeout):
                    await self._login(loop, host, port)
                    await self._clear_unit_attentions()
            except LoginRedirect as redirect:
                host, port = redirect.host, redirect.port
                redirects += 1
                if redirects <= _MAX_REDIRECTS:
                    continue
                error = redirect
                delay = min(max(delay * 2, 0.25), _MAX_RECONNECT_DELAY)
                continue
            except (errors.ISCSIError, TimeoutError) as exc:
                error = exc
                log.info("reconnect attempt %d to %s:%d failed: %s", attempts, host, port, exc)
                delay = min(max(delay * 2, 0.25), _MAX_RECONNECT_DELAY)
                continue
            self.host, self.port = host, port
            self._arm_reconnect()
            self.reconnects += 1
            self._reconnecting = None
            log.warning("reconnected to %s after %d attempt(s)", self.portal, attempts)
            self._resend_held()
            return
        self._reconnecting = None
        self._drop()
        failure = errors.ISCSIConnectionError(
            f"connection to {self.portal} lost and not re-established after {attempts} "
            f"attempt(s): {error}"
        )
        self._fail_held(failure)

    def _resend_held(self) -> None:
        core, driver = self._driver_checked()
        held, self._held = self._held, []
        for task in held:
            task.reset()
            core.submit_scsi(task)
        driver.schedule_flush()

    def _fail_held(self, error: errors.ISCSIError) -> None:
        held, self._held = self._held, []
        for task in held:
            future = task.handle
            if isinstance(future, asyncio.Future) and not future.done():
                future.set_exception(error)

    def _drop(self) -> None:
        if self._driver is not None:
            self._driver.close()
        self._core = self._driver = None

    def _connection(self) -> Connection:
        if self._core is None or self._core.state is not State.FULL_FEATURE:
            if self._driver is not None and self._driver.failure is not None:
                raise self._driver.failure
            raise errors.ISCSIConnectionError("session is not connected")
        return self._core

    def _driver_checked(self) -> tuple[Connection, Driver]:
        core = self._connection()
        assert self._driver is not None
        return core, self._driver

    async def close(self) -> None:
        """Log out (if still logged in) and close the connection."""
        if self._closed:
            return
        self._closed = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            self._reconnecting = None
        self._fail_held(errors.CommandCancelledError("session closed"))
        core, driver = self._core, self._driver
        if core is not None:
            core.keep_scsi_tasks = False  # what is still in flight fails when the link closes
        if core is not None and driver is not None and core.state is State.FULL_FEATURE:
            try:
                async with asyncio.timeout(self.config.login_timeout):
                    await driver.track(core.logout())
            except (errors.ISCSIError, TimeoutError) as exc:
                log.info("logout did not complete cleanly: %s", exc)
        if driver is not None:
            driver.close()
            await driver.closed
        self._core = self._driver = None

    async def logout(self) -> None:
        """Log out and close (the same as :meth:`close`)."""
        await self.close()

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # ----------------------------------------------------------------- SCSI

    def submit(
        self,
        cdb: bytes,
        *,
        data_out: bytes | bytearray | memoryview | None = None,
        data_in: int | bytearray | memoryview | None = None,
        lun: int | None = None,
        attribute: TaskAttribute = TaskAttribute.SIMPLE,
        check: bool = True,
    ) -> Command:
        """Send a CDB now and return the :class:`Command` to await.

        ``data_out`` is written to the target; ``data_in`` is the number of bytes to read
        (pyiscsi allocates) or a writable buffer to read into.
        """
        if self.discovery:
            raise errors.LocalProtocolError("a discovery session cannot run SCSI commands")
        if not isinstance(cdb, bytes | bytearray | memoryview):
            raise errors.ConfigurationError(f"cdb must be bytes, not {type(cdb).__name__}")
        if not 1 <= len(cdb) <= _MAX_CDB:
            raise errors.ConfigurationError(f"a CDB is 1 to {_MAX_CDB} bytes, not {len(cdb)}")
        out = _byte_view("data_out", data_out) if data_out is not None else None
        if isinstance(data_in, bool):
            raise errors.ConfigurationError("data_in must be a length or a buffer, not a bool")
        if isinstance(data_in, int):
            if not 0 <= data_in < 2**32:
                raise errors.ConfigurationError(
                    f"data_in length must be 0..2**32-1 (EDTL is 32 bits), not {data_in}"
                )
            view: memoryview | None = memoryview(bytearray(data_in)) if data_in else None
        elif data_in is not None:
            view = _byte_view("data_in", data_in)
            if view.readonly:
                raise errors.ConfigurationError("data_in buffer must be writable")
        else:
            view = None
        lun_field = self._lun_field if lun is None else _lun_field(lun)
        task = ScsiTask(
            cdb=bytes(cdb), lun=lun_field, data_out=out, data_in=view, attribute=attribute
        )
        if self._reconnecting is not None:
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            task.handle = future
            self._held.append(task)
            return Command(self, task, future, check)
        core, driver = self._driver_checked()
        core.submit_scsi(task)
        return Command(self, task, driver.track(task), check)

    async def execute(
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
        """Run a CDB and return its result.

        With ``check`` (the default) a status other than GOOD raises
        :class:`~pyiscsi.errors.CheckConditionError` (with decoded sense) or
        :class:`~pyiscsi.errors.SCSIStatusError`.  ``timeout`` (seconds) aborts the command
        with ABORT TASK and raises :class:`~pyiscsi.errors.ISCSITimeoutError`.
        """
        command = self.submit(
            cdb, data_out=data_out, data_in=data_in, lun=lun, attribute=attribute, check=check
        )
        if self._driver is not None:
            await self._driver.drain()
        return await self._wait(command, timeout)

    async def _wait(self, command: Command, timeout: float | None = None) -> ScsiResult:
        task = command.task
        limit = timeout if timeout is not None else self.config.command_timeout
        try:
            if limit is None:
                await command._future
            else:
                async with asyncio.timeout(limit):
                    await command._future
        except TimeoutError:
            self._cancel(task)
            raise errors.ISCSITimeoutError(
                f"SCSI command 0x{task.cdb[0]:02x} did not complete in {limit:g} s; aborted"
            ) from None
        except asyncio.CancelledError:
            self._cancel(task)
            raise
        task.handle = None  # no task <-> future cycle: the data buffer is let go at once
        return self._result(task, command.check)

    def _cancel(self, task: ScsiTask) -> None:
        if task in self._held:
            self._held.remove(task)
            return
        if self._core is not None and self._driver is not None:
            tmf = self._core.cancel(task)
            if tmf is not None:
                self._driver.track(tmf).add_done_callback(_ignore_result)
            else:
                self._driver.schedule_flush()

    @staticmethod
    def _result(task: ScsiTask, check: bool) -> ScsiResult:
        view = task.data_in
        data: bytearray | memoryview
        length = task.received
        if task.underflow and view is not None:
            length = min(length, max(len(view) - task.residual, 0))
        if view is None:
            data = bytearray()
        elif isinstance(view.obj, bytearray) and len(view) == len(view.obj):
            data = view.obj if length == len(view) else view.obj[:length]
        else:
            data = view[:length]
        sense = None
        if task.sense:
            try:
                sense = parse_sense(task.sense)
            except ValueError as exc:
                log.warning("target sent undecodable sense data: %s", exc)
        result = ScsiResult(
            task.status, data, task.residual, task.underflow, task.overflow, sense, task.sense
        )
        if check and task.status not in _GOOD_STATUSES:
            if task.status == 0x02:
                raise errors.CheckConditionError(sense)
            raise errors.SCSIStatusError(task.status)
        return result

    # ----------------------------------------------------------------- task management

    async def task_management(
        self,
        function: TaskManagementFunction,
        *,
        lun: int | None = None,
        command: Command | None = None,
    ) -> None:
        """Run a task management function; raises TaskManagementError unless it completed."""
        core, driver = self._driver_checked()
        lun_field = self._lun_field if lun is None else _lun_field(lun)
        task = core.task_management(
            function, lun_field, command.task if command is not None else None
        )
        await driver.track(task)

    async def abort_task(self, command: Command) -> None:
        """ABORT TASK for one command; awaiting it then raises CommandCancelledError."""
        await self.task_management(TaskManagementFunction.ABORT_TASK, command=command)

    async def abort_task_set(self, lun: int | None = None) -> None:
        """ABORT TASK SET: abort every command of this initiator on the LUN."""
        await self.task_management(TaskManagementFunction.ABORT_TASK_SET, lun=lun)

    async def clear_aca(self, lun: int | None = None) -> None:
        """CLEAR ACA."""
        await self.task_management(TaskManagementFunction.CLEAR_ACA, lun=lun)

    async def clear_task_set(self, lun: int | None = None) -> None:
        """CLEAR TASK SET: abort every command on the LUN, of all initiators."""
        await self.task_management(TaskManagementFunction.CLEAR_TASK_SET, lun=lun)

    async def lun_reset(self, lun: int | None = None) -> None:
        """LOGICAL UNIT RESET."""
        await self.task_management(TaskManagementFunction.LOGICAL_UNIT_RESET, lun=lun)

    async def target_warm_reset(self) -> None:
        """TARGET WARM RESET."""
        await self.task_management(TaskManagementFunction.TARGET_WARM_RESET)

    async def target_cold_reset(self) -> None:
        """TARGET COLD RESET (the target drops the connection afterwards)."""
        await self.task_management(TaskManagementFunction.TARGET_COLD_RESET)

    # ----------------------------------------------------------------- other requests

    async def ping(self, data: bytes = b"") -> bytes:
        """Send a NOP-Out and return the data the target echoed."""
        core, driver = self._driver_checked()
        task = core.ping(data, asyncio.get_running_loop().time())
        await driver.track(task)
        return task.reply

    async def text(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Run a Text exchange and return the target's keys (all PDUs of the answer joined)."""
        core, driver = self._driver_checked()
        task = core.text_request(pairs)
        await driver.track(task)
        return task.reply

    async def send_targets(self, value: str = "All") -> list[DiscoveredTarget]:
        """SendTargets: the targets (and their portals) this portal reports."""
        return parse_send_targets(await self.text([("SendTargets", value)]))


class _Connect:
    """What :func:`connect` returns: await it, or use it as ``async with``."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def _open(self) -> Session:
        await self._session._open()
        return self._session

    def __await__(self) -> Generator[Any, None, Session]:
        return self._open().__await__()

    async def __aenter__(self) -> Session:
        return await self._open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._session.close()


def connect(url: str | None = None, **options: Unpack[ConnectOptions]) -> _Connect:
    """Log in to ``iscsi://[user[%password]@]host[:port]/target/lun[?args]``.

    ``async with pyiscsi.connect(url) as session:`` or ``session = await pyiscsi.connect(url)``.
    Keyword options (:class:`pyiscsi.ConnectOptions`) override the URL; see
    :meth:`SessionConfig.build`.
    """
    return _Connect(Session(SessionConfig.build(url, **options)))


def open_discovery(url: str | None = None, **options: Unpack[ConnectOptions]) -> _Connect:
    """Log in to a portal in a discovery session (``iscsi://host[:port]``)."""
    return _Connect(Session(SessionConfig.build(url, discovery=True, **options), discovery=True))


async def discover(
    url: str | None = None, **options: Unpack[ConnectOptions]
) -> list[DiscoveredTarget]:
    """SendTargets=All on a portal: every target it reports, with its portals."""
    async with open_discovery(url, **options) as session:
        return await session.send_targets()


def _lun_field(lun: object) -> int:
    """The LUN field for a ``lun=`` argument, or ConfigurationError."""
    if isinstance(lun, bool) or not isinstance(lun, int) or not 0 <= lun <= _MAX_LUN:
        raise errors.ConfigurationError(f"lun must be an integer 0..{_MAX_LUN}, not {lun!r}")
    return int.from_bytes(encode_lun(lun), "big")


def _byte_view(name: str, data: object) -> memoryview:
    """A flat byte view of a buffer argument, or ConfigurationError naming it."""
    try:
        view = memoryview(data).cast("B")  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise errors.ConfigurationError(
            f"{name} must be a contiguous bytes-like object: {exc}"
        ) from None
    if view.nbytes >= 2**32:
        raise errors.ConfigurationError(f"{name} must be under 4 GiB (EDTL is 32 bits)")
    return view


def _describe_sense(sense: bytes) -> str:
    try:
        return str(parse_sense(sense))
    except ValueError:
        return f"undecodable sense {sense.hex()}"


def _ignore_result(future: Awaitable[Any]) -> None:
    if isinstance(future, asyncio.Future) and not future.cancelled():
        future.exception()
