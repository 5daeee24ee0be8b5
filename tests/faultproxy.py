"""A fault-injecting TCP proxy on loopback, between an initiator and a real target, for tests.

    with FaultProxy("127.0.0.1", tgtd.port) as proxy:
        proxy.plan[0] = [Fault("drop", DOWN, at=100_000)]  # first connection: cut after 100 kB
        url = tgtd.url(iqn, 1, host=f"127.0.0.1:{proxy.port}")  # or build it from proxy.port

Each accepted connection is forwarded to the target by an asyncio loop in a thread of its own
(so blocking and asyncio tests can both use it). The proxy splits the iSCSI stream of each
direction into PDUs (RFC 7143 11.2: a 48-byte BHS, AHS, optional header digest, data padded to 4
bytes, optional data digest; digests only once the login is over, if ``digests`` says so), so a
test can count the PDUs that crossed, read their BHS, and aim a fault at one of them.

Faults, each at a byte offset of one direction of one connection:

- ``drop``: forward the bytes before ``at``, then close both sides;
- ``stall``: forward the bytes before ``at``, then nothing more in that direction until
  :meth:`FaultProxy.release` (the other direction keeps flowing); nothing more is read either,
  so TCP pushes back on the sender;
- ``hold``: the same, but the proxy reads on (and parses: :meth:`FaultProxy.seen` shows what
  was sent meanwhile) and forwards everything held at once on release;
- ``remove``: forward nothing of the ``length`` bytes from ``at`` (say, one whole PDU:
  ``Fault("remove", UP, pdu.start, pdu.length)``);
- ``corrupt``: flip every bit of the byte at ``at``.

Faults come from ``plan`` (connection number -> faults, set before the connection opens) or from
``rule``, called for each PDU before its first byte is forwarded, which may return a fault (for
example a ``corrupt`` inside its data segment, or a ``stall`` at its start). A fault whose offset
has already been forwarded (a BHS split across reads) takes effect at the next byte.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal

__all__ = ["DOWN", "UP", "Fault", "FaultProxy", "Opcode", "PduSeen"]

UP = "up"
"""Initiator to target."""
DOWN = "down"
"""Target to initiator."""

_BHS = 48
_CHUNK = 65536


class Opcode:
    """iSCSI opcodes (RFC 7143 11.2.1.2) the tests look for."""

    NOP_OUT = 0x00
    SCSI_COMMAND = 0x01
    TASK_MANAGEMENT = 0x02
    LOGIN_REQUEST = 0x03
    TEXT_REQUEST = 0x04
    DATA_OUT = 0x05
    LOGOUT_REQUEST = 0x06
    NOP_IN = 0x20
    SCSI_RESPONSE = 0x21
    TASK_MANAGEMENT_RESPONSE = 0x22
    LOGIN_RESPONSE = 0x23
    DATA_IN = 0x25
    LOGOUT_RESPONSE = 0x26
    R2T = 0x31


@dataclass(frozen=True, slots=True)
class PduSeen:
    """One PDU that crossed the proxy: where it starts and its BHS."""

    conn: int
    direction: str
    start: int
    """Stream offset of its first byte in its direction of its connection."""
    data_offset: int
    """Stream offset of the first byte of its data segment."""
    bhs: bytes
    length: int
    """Of the whole PDU in bytes, digests and padding included."""

    @property
    def opcode(self) -> int:
        return self.bhs[0] & 0x3F

    @property
    def itt(self) -> int:
        return int.from_bytes(self.bhs[16:20], "big")

    @property
    def data_length(self) -> int:
        return int.from_bytes(self.bhs[5:8], "big")

    @property
    def cdb(self) -> bytes:
        """The first 16 bytes of the CDB of a SCSI Command."""
        return self.bhs[32:48]

    @property
    def status_flag(self) -> bool:
        """The S bit of a Data-In (status carried in it)."""
        return bool(self.bhs[1] & 0x01)


@dataclass(slots=True)
class Fault:
    """``kind`` at byte ``at`` of ``direction`` (see the module docstring)."""

    kind: Literal["drop", "stall", "hold", "remove", "corrupt"]
    direction: str
    at: int
    length: int = 0
    """Of ``remove``: how many bytes."""


@dataclass(slots=True)
class _Conn:
    number: int
    digests: tuple[bool, bool]
    faults: list[Fault]
    full_feature: bool = False
    writers: list[asyncio.StreamWriter] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)


class _Parser:
    """Splits one direction of one connection into PDUs (records them, asks the rule)."""

    def __init__(self, proxy: FaultProxy, conn: _Conn, direction: str) -> None:
        self.proxy = proxy
        self.conn = conn
        self.direction = direction
        self.pos = 0
        self.skip = 0
        self.header = bytearray()

    def feed(self, data: bytes | bytearray) -> None:
        i = 0
        while i < len(data):
            if self.skip:
                n = min(self.skip, len(data) - i)
                self.skip -= n
                i += n
                continue
            take = min(_BHS - len(self.header), len(data) - i)
            self.header += data[i : i + take]
            i += take
            if len(self.header) == _BHS:
                self._pdu(bytes(self.header), self.pos + i - _BHS)
                self.header.clear()
        self.pos += len(data)

    def _pdu(self, bhs: bytes, start: int) -> None:
        conn = self.conn
        header_digest, data_digest = conn.digests if conn.full_feature else (False, False)
        ahs = bhs[4] * 4
        dlen = int.from_bytes(bhs[5:8], "big")
        hd = 4 if header_digest else 0
        self.skip = ahs + hd + dlen + (-dlen % 4) + (4 if data_digest and dlen else 0)
        seen = PduSeen(
            conn.number, self.direction, start, start + _BHS + ahs + hd, bhs, _BHS + self.skip
        )
        opcode = seen.opcode
        if (
            opcode == Opcode.LOGIN_RESPONSE
            and bhs[1] & 0x80  # Transit
            and bhs[1] & 0x03 == 3  # to Full Feature Phase
            and bhs[36] == 0  # success
        ):
            conn.full_feature = True
        self.proxy._record(seen)
        rule = self.proxy.rule
        if rule is not None:
            fault = rule(seen)
            if fault is not None:
                conn.faults.append(fault)


class FaultProxy:
    """Forwards ``127.0.0.1:port`` to ``target_host:target_port``, with faults; a context manager.

    ``digests`` is (header digest, data digest) as the sessions through the proxy negotiate
    them: the PDU parser needs to know.
    """

    def __init__(
        self,
        target_host: str,
        target_port: int,
        *,
        digests: tuple[bool, bool] = (False, False),
        host: str = "127.0.0.1",
    ) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.digests = digests
        self.host = host
        self.port = 0
        #: connection number (0, 1, ... in order of accept) -> its faults
        self.plan: dict[int, Sequence[Fault]] = {}
        #: called in the proxy's thread for each PDU before it is forwarded; may return a fault
        self.rule: Callable[[PduSeen], Fault | None] | None = None
        self.pdus: list[PduSeen] = []
        #: set each time a stall takes effect (cleared by :meth:`release`)
        self.stalled = threading.Event()
        self._cond = threading.Condition()
        self._conns: list[_Conn] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------------------

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> FaultProxy:
        """Listen on a free port of ``host`` (the kernel picks it)."""
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._accept, self.host, 0)
            )
            self.port = int(self._server.sockets[0].getsockname()[1])
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="faultproxy", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fault proxy did not start")
        return self

    def stop(self) -> None:
        """Close every connection and the listener; stop the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
        self._loop = self._thread = None

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for conn in self._conns:
            self._close(conn)
        tasks = [t for c in self._conns for t in c.tasks]
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- control from the test's thread -------------------------------------------------------

    def release(self) -> None:
        """Resume every stalled direction (stalls met later stall again)."""
        self.stalled.clear()
        loop = self._loop
        if loop is not None:
            loop.call_soon_threadsafe(self._release_all)

    def _release_all(self) -> None:
        for conn in self._conns:
            conn.release.set()
            conn.release = asyncio.Event()  # the next stall waits again

    def drop_all(self) -> None:
        """Close every open connection now, both sides."""
        loop = self._loop
        if loop is not None:
            loop.call_soon_threadsafe(self._close_all)

    def _close_all(self) -> None:
        for conn in self._conns:
            self._close(conn)

    @property
    def connections(self) -> int:
        """How many connections were accepted so far."""
        with self._cond:
            return len(self._conns)

    def seen(
        self,
        opcode: int | None = None,
        direction: str | None = None,
        conn: int | None = None,
    ) -> list[PduSeen]:
        """The PDUs that crossed so far, filtered."""
        with self._cond:
            return [
                p
                for p in self.pdus
                if (opcode is None or p.opcode == opcode)
                and (direction is None or p.direction == direction)
                and (conn is None or p.conn == conn)
            ]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        """Block until ``predicate()`` (evaluated after each PDU) holds; AssertionError if not
        within ``timeout`` (a bound against a hang, not a timing assertion)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"fault proxy: condition not met in {timeout:g} s")
                self._cond.wait(left)

    # -- the proxy ----------------------------------------------------------------------------

    def _record(self, pdu: PduSeen) -> None:
        with self._cond:
            self.pdus.append(pdu)
            self._cond.notify_all()

    async def _accept(self, c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter) -> None:
        with self._cond:
            number = len(self._conns)
            conn = _Conn(number, self.digests, list(self.plan.get(number, ())))
            self._conns.append(conn)
            self._cond.notify_all()
        conn.writers.append(c_writer)
        try:
            t_reader, t_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            self._close(conn)
            return
        conn.writers.append(t_writer)
        conn.tasks = [
            asyncio.ensure_future(self._pump(conn, UP, c_reader, t_writer)),
            asyncio.ensure_future(self._pump(conn, DOWN, t_reader, c_writer)),
        ]
        await asyncio.gather(*conn.tasks, return_exceptions=True)
        self._close(conn)

    def _close(self, conn: _Conn) -> None:
        for writer in conn.writers:
            writer.close()
        current = asyncio.current_task()
        for task in conn.tasks:
            if task is not current:
                task.cancel()
        with self._cond:
            self._cond.notify_all()

    def _next_fault(self, conn: _Conn, direction: str, end: int) -> Fault | None:
        due = [
            f
            for f in conn.faults
            if f.direction == direction and (f.at < end or (f.at == end and f.kind != "corrupt"))
        ]
        if not due:
            return None
        fault = min(due, key=lambda f: f.at)
        conn.faults.remove(fault)
        return fault

    async def _pump(
        self,
        conn: _Conn,
        direction: str,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        parser = _Parser(self, conn, direction)
        pos = 0  # stream offset of the next byte read
        try:
            while True:
                chunk = await reader.read(_CHUNK)
                if not chunk:
                    break
                data = bytearray(chunk)
                parser.feed(data)
                forwarded = await self._forward(conn, direction, data, pos, reader, writer, parser)
                if forwarded < 0:
                    return
                pos += forwarded
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._close(conn)

    async def _forward(
        self,
        conn: _Conn,
        direction: str,
        data: bytearray,
        start: int,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        parser: _Parser,
    ) -> int:
        """Forward ``data`` (stream offset ``start``) with the faults due in it; return how
        many bytes were read in all (a hold reads on), or -1 once the connection is cut."""
        done = 0  # bytes of data already forwarded
        while (fault := self._next_fault(conn, direction, start + len(data))) is not None:
            cut = max(fault.at - start, done)
            if fault.kind == "corrupt":
                data[cut] ^= 0xFF
                continue
            writer.write(data[done:cut])
            await writer.drain()
            done = cut
            if fault.kind == "drop":
                return -1
            if fault.kind == "remove":
                removed = min(fault.length, len(data) - cut)
                done = cut + removed
                if removed < fault.length:  # the rest is in what follows
                    rest = Fault("remove", direction, start + done, fault.length - removed)
                    conn.faults.append(rest)
                continue
            self.stalled.set()
            if fault.kind == "stall":
                await conn.release.wait()
                continue
            # hold: read (and parse) on, forward it all on release
            release = asyncio.ensure_future(conn.release.wait())
            try:
                while not release.done():
                    read = asyncio.ensure_future(reader.read(_CHUNK))
                    await asyncio.wait({read, release}, return_when=asyncio.FIRST_COMPLETED)
                    if not read.done():
                        read.cancel()
                        break
                    more = read.result()
                    if not more:
                        writer.write(data[done:])
                        return -1
                    parser.feed(more)
                    data += more
            finally:
                release.cancel()
        writer.write(data[done:])
        await writer.drain()
        return len(data)
