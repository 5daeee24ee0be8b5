"""The public asyncio API: connect, run SCSI commands, manage tasks, discover, log out."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Generator
from types import TracebackType
from typing import Any, Unpack

from pyiscsi import errors, scsi
from pyiscsi._dataclass import dataclass
from pyiscsi.aio.commands import ScsiCommands, byte_view
from pyiscsi.aio.driver import Driver
from pyiscsi.config import SessionConfig
from pyiscsi.options import ConnectOptions
from pyiscsi.protocol.keys import Negotiated
from pyiscsi.protocol.login import LoginParameters
from pyiscsi.protocol.session import AsyncEvent, RecoveryPolicy
from pyiscsi.protocol.session import Session as CoreSession
from pyiscsi.protocol.session import State as CoreState
from pyiscsi.protocol.tasks import (
    DiscoveredTarget,
    ScsiTask,
    TaskAttribute,
    TaskManagementFunction,
)
from pyiscsi.protocol.text import parse_send_targets
from pyiscsi.scsi.luns import encode_lun
from pyiscsi.url import MAX_LUN

__all__ = ["Command", "ScsiResult", "Session", "connect", "discover"]

log = logging.getLogger("pyiscsi.session")

_MAX_CDB = 260  # 16 in the BHS + an Extended CDB AHS of up to 244
_BUFFER_TYPES = (bytes, bytearray, memoryview)  # tuples: isinstance is faster than on a union
_NUMBER_TYPES = (int, float)
# AsyncEvent codes
_ASYNC_SCSI_EVENT = 0
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
    sense: scsi.Sense | None = None
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
    """A logged-in iSCSI session to one LUN of a target (or a discovery session).

    The session's protocol state lives in a sans-I/O core
    (:class:`pyiscsi.protocol.session.Session`) owned by a :class:`Driver`; this class turns
    calls into the core's requests and awaits their tasks.
    """

    def __init__(self, config: SessionConfig, discovery: bool = False) -> None:
        self.config = config
        self.discovery = discovery
        self.lun = config.lun
        self._lun_field = 0 if discovery else _lun_field(config.lun)
        self.target_name = config.target
        params = LoginParameters(
            initiator_name=config.initiator_name,
            target_name=None if discovery else config.target,
            initiator_alias=config.initiator_alias,
            # a random-qualifier ISID (RFC 7143 11.12.5) unless the caller names one
            isid=config.isid or b"\x80" + os.urandom(3) + b"\x00\x00",
        )
        policy = RecoveryPolicy(
            recover=config.reconnect and not discovery,
            reconnect_timeout=config.reconnect_timeout,
            max_reconnects=config.max_reconnects,
            login_timeout=config.login_timeout,
            abort_timeout=config.abort_timeout,
            nop_interval=config.nop_interval,
            nop_timeout=config.nop_timeout,
            unit_attention_lun=None if discovery else self._lun_field,
            check_lun=config.check_lun,
        )
        self._core = CoreSession(
            params,
            config.settings,
            config.credentials,
            host=config.host,
            port=config.port,
            policy=policy,
            hooks=config.hooks,
        )
        self._driver: Driver | None = None
        self._closed = False
        self._block_sizes: dict[int, int] = {}
        self._probing: dict[tuple[str, int], asyncio.Future[Any]] = {}
        self._lun_blocks: dict[int, int] = {}  # number of blocks per LUN (aio/commands.py)
        self._transfer_limits: dict[int, int] = {}  # most blocks per command (aio/commands.py)

    def __repr__(self) -> str:
        return (
            f"<pyiscsi.Session {self.target_name or 'discovery'} lun {self.lun} at {self.portal}>"
        )

    # ----------------------------------------------------------------- properties

    @property
    def host(self) -> str:
        """The portal's host (after any redirect)."""
        return self._core.host

    @property
    def port(self) -> int:
        """The portal's TCP port (after any redirect)."""
        return self._core.port

    @property
    def portal(self) -> str:
        """``host:port`` of the portal this session is connected to (IPv6 in brackets)."""
        return self._core.portal

    @property
    def negotiated(self) -> Negotiated:
        """The parameters agreed at login."""
        self._usable()
        return self._core.negotiated

    @property
    def parameters(self) -> dict[str, str]:
        """The agreed parameters as iSCSI keys (``HeaderDigest``: ``CRC32C``, ...)."""
        return self.negotiated.as_keys()

    @property
    def reconnects(self) -> int:
        """How many times the session logged in again after a lost connection."""
        return self._core.reconnects

    @property
    def tsih(self) -> int:
        """The Target Session Identifying Handle the target gave the session at login."""
        return self._core.tsih

    @property
    def state(self) -> str:
        """Where the session is: ``full feature``, ``recovery``, ``closed``, ..."""
        return self._core.state.value

    # ----------------------------------------------------------------- life cycle

    async def _open(self) -> None:
        loop = asyncio.get_running_loop()
        driver = Driver(self._core, loop)
        self._driver = driver
        driver.on_async = self._on_async_event
        try:
            await driver.track(self._core.open(loop.time()))
        except BaseException:
            await driver.close()
            raise

    def _on_async_event(self, event: AsyncEvent) -> None:
        """An Asynchronous Message (the core already acted on logout and drop requests)."""
        message = event.message
        if message.event == _ASYNC_SCSI_EVENT:
            log.warning("target reports a SCSI event: %s", _describe_sense(message.data[2:]))

    def _usable(self) -> Driver:
        driver = self._driver
        if driver is None or self._closed:
            raise errors.ISCSIConnectionError("session is not connected")
        return driver

    async def close(self) -> None:
        """Log out (if still logged in) and close the connection."""
        if self._closed:
            return
        self._closed = True
        driver, core = self._driver, self._core
        if driver is None:
            return
        if core.state is CoreState.FULL_FEATURE:
            try:
                async with asyncio.timeout(self.config.login_timeout):
                    await driver.track(core.logout())
            except (errors.ISCSIError, TimeoutError) as exc:
                log.info("logout did not complete cleanly: %s", exc)
        await driver.close()

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
        timeout: float | None = None,
    ) -> Command:
        """Send a CDB now and return the :class:`Command` to await.

        ``data_out`` is written to the target; ``data_in`` is the number of bytes to read
        (pyiscsi allocates) or a writable buffer to read into.  ``timeout`` (seconds; the
        session's ``command_timeout`` by default) fails the command with ISCSITimeoutError
        and aborts it at the target.
        """
        if self.discovery:
            raise errors.LocalProtocolError("a discovery session cannot run SCSI commands")
        if not isinstance(cdb, _BUFFER_TYPES):
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
        if timeout is None:
            timeout = self.config.command_timeout
        elif isinstance(timeout, bool) or not isinstance(timeout, _NUMBER_TYPES) or timeout <= 0:
            raise errors.ConfigurationError(f"timeout must be positive seconds, not {timeout!r}")
        lun_field = self._lun_field if lun is None else _lun_field(lun)
        if attribute.__class__ is not TaskAttribute:
            try:
                attribute = TaskAttribute(attribute)
            except ValueError:
                raise errors.ConfigurationError(
                    f"attribute must be a TaskAttribute, not {attribute!r}"
                ) from None
        task = ScsiTask(
            cdb=bytes(cdb),
            lun=lun_field,
            data_out=out,
            data_in=view,
            attribute=attribute,
            timeout=timeout,
        )
        driver = self._usable()
        self._core.submit_scsi(task, driver.loop.time())
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
        :class:`~pyiscsi.errors.SCSIStatusError`.  ``timeout`` (seconds) fails the command
        with :class:`~pyiscsi.errors.ISCSITimeoutError`; the session then aborts it (ABORT
        TASK, then LOGICAL UNIT RESET, then a new connection).
        """
        command = self.submit(
            cdb,
            data_out=data_out,
            data_in=data_in,
            lun=lun,
            attribute=attribute,
            check=check,
            timeout=timeout,
        )
        driver = self._driver
        if driver is not None and driver.paused:  # no coroutine made for the usual case
            await driver.drain()
        return await self._wait(command)

    async def _wait(self, command: Command) -> ScsiResult:
        task = command.task
        try:
            await command._future
        except asyncio.CancelledError:
            self._cancel(task)
            raise
        return self._result(task, command.check)

    def _cancel(self, task: ScsiTask) -> None:
        driver = self._driver
        if driver is None or task.done:
            return
        driver.forget(task)
        tmf = self._core.cancel(task, driver.loop.time())
        if tmf is not None:
            driver.track(tmf).add_done_callback(_ignore_result)
        else:
            driver.after_call()

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
                sense = scsi.parse_sense(task.sense)  # the sense module loads on first use
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
        driver = self._usable()
        lun_field = self._lun_field if lun is None else _lun_field(lun)
        task = self._core.task_management(
            function, lun_field, command.task if command is not None else None, driver.loop.time()
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
        data = bytes(_byte_view("data", data))
        driver = self._usable()
        task = self._core.ping(data, driver.loop.time())
        await driver.track(task)
        return task.reply

    async def text(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Run a Text exchange and return the target's keys (all PDUs of the answer joined)."""
        if not all(
            isinstance(p, tuple) and len(p) == 2 and all(isinstance(x, str) for x in p)
            for p in pairs
        ):
            raise errors.ConfigurationError("pairs must be a list of (key, value) strings")
        driver = self._usable()
        task = self._core.text_request(pairs)
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
    if isinstance(lun, bool) or not isinstance(lun, int) or not 0 <= lun <= MAX_LUN:
        raise errors.ConfigurationError(f"lun must be an integer 0..{MAX_LUN}, not {lun!r}")
    return int.from_bytes(encode_lun(lun), "big")


def _byte_view(name: str, data: object) -> memoryview:
    """A flat byte view of a buffer argument of one PDU exchange, or ConfigurationError."""
    view = byte_view(data, name)
    if view.nbytes >= 2**32:
        raise errors.ConfigurationError(f"{name} must be under 4 GiB (EDTL is 32 bits)")
    return view


def _describe_sense(sense: bytes) -> str:
    try:
        return str(scsi.parse_sense(sense))
    except ValueError:
        return f"undecodable sense {sense.hex()}"


def _ignore_result(future: Awaitable[Any]) -> None:
    if isinstance(future, asyncio.Future) and not future.cancelled():
        future.exception()
