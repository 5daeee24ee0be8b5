"""Typed SCSI helpers on a session: build the CDB, run it, parse what comes back.

Each helper is one command of :mod:`pyiscsi.scsi`; block I/O uses the 16-byte CDBs (READ(16),
WRITE(16), ...), which address every LBA.  The logical block size comes from READ CAPACITY(16),
asked once and remembered.  Writes return only when the target answered GOOD.  The
:mod:`pyiscsi.scsi` names load on first use: a session imports the modules of the commands it
runs, no others.
"""

from __future__ import annotations

import asyncio
import io
import struct
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload

from pyiscsi import scsi
from pyiscsi.errors import ConfigurationError, ProtocolError, SCSIStatusError

if TYPE_CHECKING:
    from pyiscsi.aio.session import ScsiResult
    from pyiscsi.protocol.tasks import TaskAttribute

__all__ = ["IN_FLIGHT", "PIECE_BYTES", "Buffer", "Progress", "ScsiCommands"]

_READ16 = struct.Struct(">BBQIBB")  # opcode, flags, LBA, transfer length, group, control
_READ16_OPCODE = 0x88
_WRITE16_OPCODE = 0x8A
_MAX_LBA = 2**64 - 1
_MAX_TRANSFER = 2**32 - 1  # TRANSFER LENGTH of READ(16)/WRITE(16)
PIECE_BYTES = 4 << 20
"""Largest piece of a split read or write, in bytes."""
IN_FLIGHT = 8
"""Pieces of one split read or write outstanding at once."""

Progress = Callable[[int, int], None]
"""``progress(done_bytes, total_bytes)``, called as each piece of a transfer completes."""
Buffer = TypeVar("Buffer", bound=bytearray | memoryview)
"""A caller's buffer for ``read(into=...)``; ``read`` returns the same object."""
T = TypeVar("T")
_DPO = 0x10
_FUA = 0x08


class _Session(Protocol):
    """What the helpers need from the session they are mixed into."""

    lun: int
    # per LUN: logical block length, number of blocks, most blocks one command may move
    _block_sizes: dict[int, int]
    _lun_blocks: dict[int, int]
    _transfer_limits: dict[int, int]
    _probing: dict[tuple[str, int], asyncio.Future[Any]]  # READ CAPACITY etc. under way

    async def execute(
        self,
        cdb: bytes,
        *,
        data_out: bytes | bytearray | memoryview | None = None,
        data_in: int | bytearray | memoryview | None = None,
        lun: int | None = None,
        attribute: TaskAttribute = ...,
        check: bool = True,
        timeout: float | None = None,
    ) -> ScsiResult: ...

    async def block_size(self, *, lun: int | None = None) -> int: ...


def _data(result: ScsiResult) -> bytes:
    return bytes(result.data)


def _encode(build: Callable[[], scsi.CDB]) -> bytes:
    """The bytes of the CDB ``build()`` makes; a field that does not fit is the caller's
    ConfigurationError."""
    return _checked(lambda: build().encode())


def _checked(build: Callable[..., bytes], *args: Any, **kwargs: Any) -> bytes:
    """``build(*args, **kwargs)``; a value that does not fit is the caller's ConfigurationError."""
    try:
        return build(*args, **kwargs)
    except (ValueError, OverflowError, TypeError, struct.error) as exc:
        raise ConfigurationError(str(exc)) from None


def byte_view(data: object, name: str, kind: str = "bytes-like object") -> memoryview:
    """A flat byte view of a buffer argument, or ConfigurationError naming it."""
    try:
        view = memoryview(data)  # type: ignore[arg-type]
        if view.format != "B" or view.ndim != 1 or not view.c_contiguous:
            view = view.cast("B")  # raises for a view that is not contiguous
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"{name} must be a contiguous {kind}: {exc}") from None
    return view


def _writable(buffer: object, name: str) -> memoryview:
    """A flat byte view of a writable buffer, or ConfigurationError naming ``name``."""
    view = byte_view(buffer, name, "writable buffer")
    if view.readonly:
        raise ConfigurationError(f"{name} must be writable (a bytearray or memoryview of one)")
    return view


async def _once(
    session: _Session, what: str, lun: int, ask: Callable[[], Awaitable[T]]
) -> T:
    """Run ``ask`` once for callers that need the same answer at the same time (the first
    READs of many tasks all want the capacity: one READ CAPACITY goes out)."""
    key = (what, lun)
    pending = session._probing.get(key)
    if pending is None:
        pending = asyncio.ensure_future(ask())
        session._probing[key] = pending
        pending.add_done_callback(lambda _: session._probing.pop(key, None))
    return await asyncio.shield(pending)


async def _capacity(session: _Session, remembered: dict[int, int], lun: int | None) -> int:
    """``remembered[lun]`` (one of the values READ CAPACITY(16) fills in); READ CAPACITY(16)
    once first when the LUN has none yet."""
    key = session.lun if lun is None else lun
    value = remembered.get(key)
    if value is None:
        await _once(
            session, "capacity", key, lambda: ScsiCommands.read_capacity16(session, lun=lun)
        )
        value = remembered.get(key)
        if value is None:
            raise ProtocolError("the target reported no logical block length")
    return value


class ScsiCommands:
    """Mixed into :class:`pyiscsi.aio.Session`: one coroutine per common SCSI command.

    What the helpers keep on the session (set by its ``__init__``) is listed by ``_Session``.
    """

    # ------------------------------------------------------------------ SPC

    async def test_unit_ready(self: _Session, *, lun: int | None = None) -> None:
        """TEST UNIT READY; raises CheckConditionError when the unit is not ready."""
        await self.execute(_encode(lambda: scsi.TestUnitReady()), lun=lun)

    async def inquiry(
        self: _Session, *, allocation_length: int = 255, lun: int | None = None
    ) -> scsi.StandardInquiry:
        """Standard INQUIRY data."""
        cdb = _encode(lambda: scsi.Inquiry(allocation_length=allocation_length))
        result = await self.execute(cdb, data_in=allocation_length, lun=lun)
        return scsi.parse_standard_inquiry(_data(result))

    async def inquiry_vpd(
        self: _Session, page_code: int, *, allocation_length: int = 4096, lun: int | None = None
    ) -> scsi.VpdPage:
        """A Vital Product Data page, parsed (0x00, 0x80, 0x83, 0x86, 0x8F, 0xB0-0xB2)."""
        cdb = _encode(
            lambda: scsi.Inquiry(
                evpd=True, page_code=page_code, allocation_length=allocation_length
            )
        )
        result = await self.execute(cdb, data_in=allocation_length, lun=lun)
        return scsi.parse_vpd(_data(result))

    async def supported_vpd_pages(self: _Session, *, lun: int | None = None) -> list[int]:
        """The VPD page codes the logical unit supports (page 0x00)."""
        page = await ScsiCommands.inquiry_vpd(self, 0x00, lun=lun)
        assert isinstance(page, scsi.SupportedVpdPages)
        return list(page.supported_pages)

    async def unit_serial_number(self: _Session, *, lun: int | None = None) -> str | None:
        """The unit serial number (page 0x80)."""
        page = await ScsiCommands.inquiry_vpd(self, 0x80, lun=lun)
        assert isinstance(page, scsi.UnitSerialNumber)
        return page.product_serial_number

    async def device_identification(
        self: _Session, *, lun: int | None = None
    ) -> scsi.DeviceIdentification:
        """The designators of the logical unit and its ports (page 0x83)."""
        page = await ScsiCommands.inquiry_vpd(self, 0x83, lun=lun)
        assert isinstance(page, scsi.DeviceIdentification)
        return page

    async def block_limits(self: _Session, *, lun: int | None = None) -> scsi.BlockLimits:
        """Block Limits (page 0xB0)."""
        page = await ScsiCommands.inquiry_vpd(self, 0xB0, lun=lun)
        assert isinstance(page, scsi.BlockLimits)
        return page

    async def logical_block_provisioning(
        self: _Session, *, lun: int | None = None
    ) -> scsi.LogicalBlockProvisioning:
        """Logical Block Provisioning (page 0xB2)."""
        page = await ScsiCommands.inquiry_vpd(self, 0xB2, lun=lun)
        assert isinstance(page, scsi.LogicalBlockProvisioning)
        return page

    async def report_luns(
        self: _Session, *, select_report: int = 0, allocation_length: int = 16384
    ) -> scsi.ReportLunsData:
        """REPORT LUNS (sent to LUN 0); the 8-byte LUNs decoded."""
        cdb = _encode(
            lambda: scsi.ReportLuns(
                select_report=select_report, allocation_length=allocation_length
            )
        )
        result = await self.execute(cdb, data_in=allocation_length, lun=0)
        return scsi.parse_report_luns(_data(result))

    async def mode_sense(
        self: _Session,
        page_code: int = 0x3F,
        subpage_code: int = 0,
        *,
        pc: int = 0,
        dbd: bool = False,
        allocation_length: int = 4096,
        lun: int | None = None,
    ) -> scsi.ModeParameters:
        """MODE SENSE(10): mode parameter header, block descriptors and pages."""
        cdb = _encode(
            lambda: scsi.ModeSense10(
                page_code=page_code,
                subpage_code=subpage_code,
                pc=pc,
                dbd=dbd,
                llbaa=True,
                allocation_length=allocation_length,
            )
        )
        result = await self.execute(cdb, data_in=allocation_length, lun=lun)
        return scsi.parse_mode_sense10(_data(result))

    async def mode_sense6(
        self: _Session,
        page_code: int = 0x3F,
        subpage_code: int = 0,
        *,
        pc: int = 0,
        dbd: bool = False,
        allocation_length: int = 255,
        lun: int | None = None,
    ) -> scsi.ModeParameters:
        """MODE SENSE(6)."""
        cdb = _encode(
            lambda: scsi.ModeSense6(
                page_code=page_code,
                subpage_code=subpage_code,
                pc=pc,
                dbd=dbd,
                allocation_length=allocation_length,
            )
        )
        result = await self.execute(cdb, data_in=allocation_length, lun=lun)
        return scsi.parse_mode_sense6(_data(result))

    async def mode_select(
        self: _Session,
        parameters: scsi.ModeParameters,
        *,
        save: bool = False,
        lun: int | None = None,
    ) -> None:
        """MODE SELECT(10) of ``parameters`` (as returned by :meth:`mode_sense`, changed)."""
        data = _checked(scsi.marshal_mode_select10, parameters)
        cdb = _encode(
            lambda: scsi.ModeSelect10(parameter_list_length=len(data), pf=True, sp=save)
        )
        await self.execute(cdb, data_out=data, lun=lun)

    # ------------------------------------------------------------------ SBC

    async def read_capacity10(
        self: _Session, *, lun: int | None = None
    ) -> scsi.ReadCapacity10Data:
        """READ CAPACITY(10)."""
        result = await self.execute(_encode(lambda: scsi.ReadCapacity10()), data_in=8, lun=lun)
        return scsi.parse_read_capacity10(_data(result))

    async def read_capacity16(
        self: _Session, *, lun: int | None = None
    ) -> scsi.ReadCapacity16Data:
        """READ CAPACITY(16): last LBA, block length, protection and provisioning bits.

        Also refreshes what :meth:`block_size` and :meth:`num_blocks` remember.
        """
        result = await self.execute(
            _encode(lambda: scsi.ReadCapacity16(allocation_length=32)), data_in=32, lun=lun
        )
        if len(result.data) < 12:
            raise ProtocolError(
                f"READ CAPACITY(16) returned {len(result.data)} bytes; at least 12 expected"
            )
        parsed = scsi.parse_read_capacity16(_data(result))
        key = self.lun if lun is None else lun
        if parsed.logical_block_length:
            self._block_sizes[key] = parsed.logical_block_length
            self._lun_blocks[key] = parsed.returned_logical_block_address + 1
        return parsed

    async def block_size(self: _Session, *, lun: int | None = None) -> int:
        """The logical block length in bytes (READ CAPACITY(16) once, then remembered)."""
        return await _capacity(self, self._block_sizes, lun)

    async def num_blocks(self: _Session, *, lun: int | None = None) -> int:
        """The number of logical blocks of the LUN (READ CAPACITY(16) once, then remembered)."""
        return await _capacity(self, self._lun_blocks, lun)

    async def size_bytes(self: _Session, *, lun: int | None = None) -> int:
        """The size of the LUN in bytes: :meth:`num_blocks` x :meth:`block_size`."""
        blocks = await ScsiCommands.num_blocks(self, lun=lun)
        return blocks * await self.block_size(lun=lun)

    async def max_transfer_blocks(self: _Session, *, lun: int | None = None) -> int:
        """The most blocks one READ or WRITE may move (Block Limits, asked once per LUN).

        The Block Limits page's MAXIMUM TRANSFER LENGTH, or 2**32-1 (what READ(16) can say)
        when the target sets none or has no such page.
        """
        key = self.lun if lun is None else lun
        limit = self._transfer_limits.get(key)
        if limit is None:
            limit = _MAX_TRANSFER
            try:
                page = await _once(
                    self, "limits", key, lambda: ScsiCommands.block_limits(self, lun=lun)
                )
            except ConfigurationError:
                raise
            except (SCSIStatusError, ProtocolError, AssertionError, ValueError):
                page = None  # no Block Limits page: no limit announced
            if page is not None and page.maximum_transfer_length:
                limit = min(page.maximum_transfer_length, _MAX_TRANSFER)
            self._transfer_limits[key] = limit
        return limit

    async def _geometry(
        self: _Session, lba: object, blocks: object, lun: int | None
    ) -> tuple[int, int, int]:
        """Check ``lba``/``blocks`` against the LUN; returns (lba, blocks, block size).

        ``blocks`` None means up to the end of the LUN.
        """
        if isinstance(lba, bool) or not isinstance(lba, int) or not 0 <= lba <= _MAX_LBA:
            raise ConfigurationError(f"lba must be an integer 0..2**64-1, not {lba!r}")
        if blocks is not None and (
            isinstance(blocks, bool) or not isinstance(blocks, int) or blocks < 0
        ):
            raise ConfigurationError(f"blocks must be an integer >= 0, not {blocks!r}")
        block = await self.block_size(lun=lun)
        total = await ScsiCommands.num_blocks(self, lun=lun)
        if lba > total:
            raise ConfigurationError(
                f"lba {lba} is past the end of the LUN (lba 0..{total - 1}, {total} blocks)"
            )
        if blocks is None:
            blocks = total - lba
        if lba + blocks > total:
            raise ConfigurationError(
                f"blocks must be 0..{total - lba} at lba {lba} (the LUN has {total} blocks), "
                f"not {blocks}"
            )
        return lba, blocks, block

    async def _transfer(
        self: _Session,
        opcode: int,
        flags: int,
        lba: int,
        blocks: int,
        block: int,
        buffer: memoryview,
        lun: int | None,
        progress: Progress | None,
    ) -> None:
        """READ(16)/WRITE(16) of ``blocks`` at ``lba``, split into pieces kept in flight together.

        A piece is at most the target's maximum transfer length and at most
        :data:`PIECE_BYTES`; up to :data:`IN_FLIGHT` pieces are outstanding.
        """
        total = blocks * block
        if blocks == 0:
            if progress is not None:
                progress(0, 0)
            return
        limit = await ScsiCommands.max_transfer_blocks(self, lun=lun)
        # at most the target's limit, PIECE_BYTES, and what a 32-bit EDTL can carry
        piece = max(1, min(limit, PIECE_BYTES // block, _MAX_TRANSFER // block))
        reading = opcode == _READ16_OPCODE
        pieces = iter(range(lba, lba + blocks, piece))
        done = 0

        async def worker() -> None:
            nonlocal done
            for start in pieces:
                count = min(piece, lba + blocks - start)
                offset = (start - lba) * block
                chunk = buffer[offset : offset + count * block]
                cdb = _READ16.pack(opcode, flags, start, count, 0, 0)
                if reading:
                    result = await self.execute(cdb, data_in=chunk, lun=lun)
                    if len(result.data) != len(chunk):
                        raise ProtocolError(
                            f"READ of {count} blocks at lba {start} returned "
                            f"{len(result.data)} bytes, not {len(chunk)}"
                        )
                else:
                    await self.execute(cdb, data_out=chunk, lun=lun)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)

        if blocks <= piece:
            await worker()
            return
        workers = [
            asyncio.ensure_future(worker()) for _ in range(min(IN_FLIGHT, -(-blocks // piece)))
        ]
        try:
            await asyncio.gather(*workers)
        except BaseException:
            for w in workers:
                w.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            raise

    @overload
    async def read(
        self: _Session,
        lba: int = 0,
        blocks: int | None = None,
        *,
        into: None = None,
        dpo: bool = False,
        fua: bool = False,
        progress: Progress | None = None,
        lun: int | None = None,
    ) -> bytes: ...

    @overload
    async def read(
        self: _Session,
        lba: int = 0,
        blocks: int | None = None,
        *,
        into: Buffer,
        dpo: bool = False,
        fua: bool = False,
        progress: Progress | None = None,
        lun: int | None = None,
    ) -> Buffer: ...

    async def read(
        self: _Session,
        lba: int = 0,
        blocks: int | None = None,
        *,
        into: bytearray | memoryview | None = None,
        dpo: bool = False,
        fua: bool = False,
        progress: Progress | None = None,
        lun: int | None = None,
    ) -> bytes | bytearray | memoryview:
        """READ(16) of ``blocks`` blocks at ``lba`` (None: to the end of the LUN).

        Returns ``bytes``, or with ``into`` (a writable buffer of at least that many bytes)
        fills the start of ``into`` and returns ``into`` itself.  Ranges past the end of the
        LUN, a short buffer and bad numbers raise ConfigurationError before anything is sent.
        Transfers larger than the target's maximum (or than :data:`PIECE_BYTES`) go out as
        several READs kept in flight together; ``progress(done_bytes, total_bytes)`` is
        called as each one completes.
        """
        lba, blocks, block = await ScsiCommands._geometry(self, lba, blocks, lun)
        size = blocks * block
        flags = (_DPO if dpo else 0) | (_FUA if fua else 0)
        if into is not None:
            view = _writable(into, "into")
            if view.nbytes < size:
                raise ConfigurationError(
                    f"into holds {view.nbytes} bytes; {blocks} blocks of {block} need {size}"
                )
            await ScsiCommands._transfer(
                self, _READ16_OPCODE, flags, lba, blocks, block, view[:size], lun, progress
            )
            return into
        # The data lands in a BytesIO's own buffer, which getvalue() then hands out as the
        # bytes object without a copy (CPython does so once no view of it is left).
        stream = io.BytesIO()
        if size:
            stream.seek(size - 1)
            stream.write(b"\0")
        with stream.getbuffer() as view:
            await ScsiCommands._transfer(
                self, _READ16_OPCODE, flags, lba, blocks, block, view, lun, progress
            )
        return stream.getvalue()

    async def write(
        self: _Session,
        lba: int,
        data: bytes | bytearray | memoryview,
        *,
        dpo: bool = False,
        fua: bool = False,
        progress: Progress | None = None,
        lun: int | None = None,
    ) -> None:
        """WRITE(16) of ``data`` (a whole number of blocks) at ``lba``.

        Returns once the target answered GOOD for every block.  Like :meth:`read`, large
        writes are split into WRITEs kept in flight together, with ``progress`` called.
        """
        view = byte_view(data, "data")
        block = await self.block_size(lun=lun)
        blocks, rest = divmod(view.nbytes, block)
        if rest:
            raise ConfigurationError(f"write of {view.nbytes} bytes is not a multiple of {block}")
        lba, blocks, block = await ScsiCommands._geometry(self, lba, blocks, lun)
        flags = (_DPO if dpo else 0) | (_FUA if fua else 0)
        await ScsiCommands._transfer(
            self, _WRITE16_OPCODE, flags, lba, blocks, block, view, lun, progress
        )

    async def verify(
        self: _Session,
        lba: int,
        blocks: int,
        data: bytes | bytearray | memoryview | None = None,
        *,
        lun: int | None = None,
    ) -> None:
        """VERIFY(16): the medium check, or (with ``data``) a byte-by-byte compare."""
        cdb = _encode(
            lambda: scsi.Verify16(
                lba=lba, verification_length=blocks, bytchk=1 if data is not None else 0
            )
        )
        await self.execute(cdb, data_out=data, lun=lun)

    async def write_same(
        self: _Session,
        lba: int,
        blocks: int,
        data: bytes | bytearray | memoryview | None = None,
        *,
        unmap: bool = False,
        anchor: bool = False,
        lun: int | None = None,
    ) -> None:
        """WRITE SAME(16) of one block (``data``; zeroes if None) over ``blocks`` blocks."""
        if data is None:
            data = bytes(await self.block_size(lun=lun))
        cdb = _encode(
            lambda: scsi.WriteSame16(
                lba=lba, number_of_logical_blocks=blocks, unmap=unmap, anchor=anchor
            )
        )
        await self.execute(cdb, data_out=data, lun=lun)

    async def compare_and_write(
        self: _Session,
        lba: int,
        compare: bytes | bytearray | memoryview,
        write: bytes | bytearray | memoryview,
        *,
        lun: int | None = None,
    ) -> None:
        """COMPARE AND WRITE: write ``write`` only if the blocks hold ``compare``.

        A miscompare raises CheckConditionError (MISCOMPARE, 0x1D/0x00).
        """
        block = await self.block_size(lun=lun)
        if len(compare) != len(write) or len(compare) % block:
            raise ConfigurationError(
                "compare and write data must be the same whole number of blocks"
            )
        cdb = _encode(
            lambda: scsi.CompareAndWrite(
                lba=lba, number_of_logical_blocks=len(compare) // block
            )
        )
        await self.execute(cdb, data_out=bytes(compare) + bytes(write), lun=lun)

    async def synchronize_cache(
        self: _Session,
        lba: int = 0,
        blocks: int = 0,
        *,
        immed: bool = False,
        lun: int | None = None,
    ) -> None:
        """SYNCHRONIZE CACHE(16); ``blocks`` 0 means to the last LBA."""
        cdb = _encode(
            lambda: scsi.SynchronizeCache16(
                lba=lba, number_of_logical_blocks=blocks, immed=immed
            )
        )
        await self.execute(cdb, lun=lun)

    async def get_lba_status(
        self: _Session, lba: int = 0, *, allocation_length: int = 4096, lun: int | None = None
    ) -> scsi.GetLbaStatusData:
        """GET LBA STATUS: which ranges from ``lba`` on are mapped, deallocated or anchored."""
        cdb = _encode(
            lambda: scsi.GetLbaStatus(starting_lba=lba, allocation_length=allocation_length)
        )
        result = await self.execute(cdb, data_in=allocation_length, lun=lun)
        return scsi.parse_get_lba_status(_data(result))

    async def unmap(
        self: _Session,
        ranges: list[tuple[int, int]],
        *,
        anchor: bool = False,
        lun: int | None = None,
    ) -> None:
        """UNMAP the (lba, blocks) ranges."""
        data = _checked(scsi.build_unmap_parameter_list, ranges)
        cdb = _encode(lambda: scsi.Unmap(parameter_list_length=len(data), anchor=anchor))
        await self.execute(cdb, data_out=data, lun=lun)

    async def report_supported_opcodes(
        self: _Session,
        *,
        timeouts: bool = False,
        allocation_length: int = 65536,
        lun: int | None = None,
    ) -> scsi.SupportedOperationCodes:
        """REPORT SUPPORTED OPERATION CODES, every command (with timeouts if ``timeouts``)."""
        cdb = _encode(
            lambda: scsi.ReportSupportedOperationCodes(
                rctd=timeouts, allocation_length=allocation_length
            )
        )
        result = await self.execute(cdb, data_in=allocation_length, lun=lun)
        return scsi.parse_supported_operation_codes_all(_data(result))

    # ------------------------------------------------------------------ persistent reservations

    async def _pr_in(
        self: _Session, service_action: int, allocation_length: int, lun: int | None
    ) -> bytes:
        cdb = _encode(
            lambda: scsi.PersistentReserveIn(
                service_action=service_action, allocation_length=allocation_length
            )
        )
        return _data(await self.execute(cdb, data_in=allocation_length, lun=lun))

    async def pr_read_keys(
        self: _Session, *, allocation_length: int = 8192, lun: int | None = None
    ) -> scsi.ReadKeys:
        """PERSISTENT RESERVE IN, READ KEYS: the registered reservation keys."""
        data = await ScsiCommands._pr_in(self, 0, allocation_length, lun)
        return scsi.parse_read_keys(data)

    async def pr_read_reservation(
        self: _Session, *, allocation_length: int = 8192, lun: int | None = None
    ) -> scsi.ReadReservation:
        """PERSISTENT RESERVE IN, READ RESERVATION: the reservation held, if any."""
        data = await ScsiCommands._pr_in(self, 1, allocation_length, lun)
        return scsi.parse_read_reservation(data)

    async def pr_report_capabilities(
        self: _Session, *, lun: int | None = None
    ) -> scsi.ReportCapabilities:
        """PERSISTENT RESERVE IN, REPORT CAPABILITIES."""
        data = await ScsiCommands._pr_in(self, 2, 8, lun)
        return scsi.parse_report_capabilities(data)

    async def pr_read_full_status(
        self: _Session, *, allocation_length: int = 8192, lun: int | None = None
    ) -> scsi.ReadFullStatus:
        """PERSISTENT RESERVE IN, READ FULL STATUS: every registration and its I_T nexus."""
        data = await ScsiCommands._pr_in(self, 3, allocation_length, lun)
        return scsi.parse_read_full_status(data)

    async def pr_out(
        self: _Session,
        service_action: int,
        *,
        key: int = 0,
        service_action_key: int = 0,
        scope: int = 0,
        type: int = 0,
        aptpl: bool = False,
        all_tg_pt: bool = False,
        lun: int | None = None,
    ) -> None:
        """PERSISTENT RESERVE OUT with the basic parameter list.

        ``service_action``: 0 REGISTER, 1 RESERVE, 2 RELEASE, 3 CLEAR, 4 PREEMPT,
        5 PREEMPT AND ABORT, 6 REGISTER AND IGNORE EXISTING KEY; ``type`` e.g. 1 write
        exclusive, 3 exclusive access, 5/6 registrants only, 7/8 all registrants.
        """
        data = _checked(
            scsi.pr_out_parameter_list, key, service_action_key, aptpl=aptpl, all_tg_pt=all_tg_pt
        )
        cdb = _encode(
            lambda: scsi.PersistentReserveOut(
                service_action=service_action,
                scope=scope,
                type=type,
                parameter_list_length=len(data),
            )
        )
        await self.execute(cdb, data_out=data, lun=lun)

    async def pr_register(
        self: _Session,
        key: int,
        *,
        old_key: int = 0,
        ignore_existing: bool = False,
        lun: int | None = None,
    ) -> None:
        """REGISTER ``key`` (or REGISTER AND IGNORE EXISTING KEY); key 0 unregisters."""
        action = 6 if ignore_existing else 0
        await ScsiCommands.pr_out(self, action, key=old_key, service_action_key=key, lun=lun)

    async def pr_reserve(self: _Session, key: int, type: int, *, lun: int | None = None) -> None:
        """RESERVE with the registered ``key`` and reservation ``type``."""
        await ScsiCommands.pr_out(self, 1, key=key, type=type, lun=lun)

    async def pr_release(self: _Session, key: int, type: int, *, lun: int | None = None) -> None:
        """RELEASE the reservation of ``type`` held with ``key``."""
        await ScsiCommands.pr_out(self, 2, key=key, type=type, lun=lun)

    async def pr_clear(self: _Session, key: int, *, lun: int | None = None) -> None:
        """CLEAR every registration and the reservation."""
        await ScsiCommands.pr_out(self, 3, key=key, lun=lun)

    async def pr_preempt(
        self: _Session,
        key: int,
        victim_key: int,
        type: int,
        *,
        abort: bool = False,
        lun: int | None = None,
    ) -> None:
        """PREEMPT (or PREEMPT AND ABORT) the registrations of ``victim_key``."""
        await ScsiCommands.pr_out(
            self, 5 if abort else 4, key=key, service_action_key=victim_key, type=type, lun=lun
        )
