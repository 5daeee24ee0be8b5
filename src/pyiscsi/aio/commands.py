"""Typed SCSI helpers on a session: build the CDB, run it, parse what comes back.

Each helper is one command of :mod:`pyiscsi.scsi`; block I/O uses the 16-byte CDBs (READ(16),
WRITE(16), ...), which address every LBA.  The logical block size comes from READ CAPACITY(16),
asked once and remembered.  Writes return only when the target answered GOOD.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Protocol

from pyiscsi.errors import ConfigurationError
from pyiscsi.scsi import capacity, cdb_block, cdb_spc, luns, mode, params, pr, reports
from pyiscsi.scsi import inquiry as inq

if TYPE_CHECKING:
    from pyiscsi.aio.session import ScsiResult
    from pyiscsi.protocol.tasks import TaskAttribute

__all__ = ["ScsiCommands"]

_READ16 = struct.Struct(">BBQIBB")  # opcode, flags, LBA, transfer length, group, control
_DPO = 0x10
_FUA = 0x08


class _Session(Protocol):
    """What the helpers need from the session they are mixed into."""

    lun: int
    _block_sizes: dict[int, int]

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


class ScsiCommands:
    """Mixed into :class:`pyiscsi.aio.Session`: one coroutine per common SCSI command."""

    _block_sizes: dict[int, int]  # logical block length per LUN, set by Session.__init__

    # ------------------------------------------------------------------ SPC

    async def test_unit_ready(self: _Session, *, lun: int | None = None) -> None:
        """TEST UNIT READY; raises CheckConditionError when the unit is not ready."""
        await self.execute(cdb_spc.TestUnitReady().encode(), lun=lun)

    async def inquiry(
        self: _Session, *, allocation_length: int = 255, lun: int | None = None
    ) -> inq.StandardInquiry:
        """Standard INQUIRY data."""
        cdb = cdb_spc.Inquiry(allocation_length=allocation_length).encode()
        result = await self.execute(cdb, data_in=allocation_length, lun=lun)
        return inq.parse_standard_inquiry(_data(result))

    async def inquiry_vpd(
        self: _Session, page_code: int, *, allocation_length: int = 4096, lun: int | None = None
    ) -> inq.VpdPage:
        """A Vital Product Data page, parsed (0x00, 0x80, 0x83, 0x86, 0x8F, 0xB0-0xB2)."""
        cdb = cdb_spc.Inquiry(
            evpd=True, page_code=page_code, allocation_length=allocation_length
        ).encode()
        result = await self.execute(cdb, data_in=allocation_length, lun=lun)
        return inq.parse_vpd(_data(result))

    async def supported_vpd_pages(self: _Session, *, lun: int | None = None) -> list[int]:
        """The VPD page codes the logical unit supports (page 0x00)."""
        page = await ScsiCommands.inquiry_vpd(self, 0x00, lun=lun)
        assert isinstance(page, inq.SupportedVpdPages)
        return list(page.supported_pages)

    async def unit_serial_number(self: _Session, *, lun: int | None = None) -> str | None:
        """The unit serial number (page 0x80)."""
        page = await ScsiCommands.inquiry_vpd(self, 0x80, lun=lun)
        assert isinstance(page, inq.UnitSerialNumber)
        return page.product_serial_number

    async def device_identification(
        self: _Session, *, lun: int | None = None
    ) -> inq.DeviceIdentification:
        """The designators of the logical unit and its ports (page 0x83)."""
        page = await ScsiCommands.inquiry_vpd(self, 0x83, lun=lun)
        assert isinstance(page, inq.DeviceIdentification)
        return page

    async def block_limits(self: _Session, *, lun: int | None = None) -> inq.BlockLimits:
        """Block Limits (page 0xB0)."""
        page = await ScsiCommands.inquiry_vpd(self, 0xB0, lun=lun)
        assert isinstance(page, inq.BlockLimits)
        return page

    async def logical_block_provisioning(
        self: _Session, *, lun: int | None = None
    ) -> inq.LogicalBlockProvisioning:
        """Logical Block Provisioning (page 0xB2)."""
        page = await ScsiCommands.inquiry_vpd(self, 0xB2, lun=lun)
        assert isinstance(page, inq.LogicalBlockProvisioning)
        return page

    async def report_luns(
        self: _Session, *, select_report: int = 0, allocation_length: int = 16384
    ) -> luns.ReportLunsData:
        """REPORT LUNS (sent to LUN 0); the 8-byte LUNs decoded."""
        cdb = cdb_spc.ReportLuns(
            select_report=select_report, allocation_length=allocation_length
        ).encode()
        result = await self.execute(cdb, data_in=allocation_length, lun=0)
        return luns.parse_report_luns(_data(result))

    async def mode_sense(
        self: _Session,
        page_code: int = 0x3F,
        subpage_code: int = 0,
        *,
        pc: int = 0,
        dbd: bool = False,
        allocation_length: int = 4096,
        lun: int | None = None,
    ) -> mode.ModeParameters:
        """MODE SENSE(10): mode parameter header, block descriptors and pages."""
        cdb = cdb_spc.ModeSense10(
            page_code=page_code,
            subpage_code=subpage_code,
            pc=pc,
            dbd=dbd,
            llbaa=True,
            allocation_length=allocation_length,
        ).encode()
        result = await self.execute(cdb, data_in=allocation_length, lun=lun)
        return mode.parse_mode_sense10(_data(result))

    async def mode_sense6(
        self: _Session,
        page_code: int = 0x3F,
        subpage_code: int = 0,
        *,
        pc: int = 0,
        dbd: bool = False,
        allocation_length: int = 255,
        lun: int | None = None,
    ) -> mode.ModeParameters:
        """MODE SENSE(6)."""
        cdb = cdb_spc.ModeSense6(
            page_code=page_code,
            subpage_code=subpage_code,
            pc=pc,
            dbd=dbd,
            allocation_length=allocation_length,
        ).encode()
        result = await self.execute(cdb, data_in=allocation_length, lun=lun)
        return mode.parse_mode_sense6(_data(result))

    async def mode_select(
        self: _Session,
        parameters: mode.ModeParameters,
        *,
        save: bool = False,
        lun: int | None = None,
    ) -> None:
        """MODE SELECT(10) of ``parameters`` (as returned by :meth:`mode_sense`, changed)."""
        data = mode.marshal_mode_select10(parameters)
        cdb = cdb_spc.ModeSelect10(parameter_list_length=len(data), pf=True, sp=save).encode()
        await self.execute(cdb, data_out=data, lun=lun)

    # ------------------------------------------------------------------ SBC

    async def read_capacity10(
        self: _Session, *, lun: int | None = None
    ) -> capacity.ReadCapacity10Data:
        """READ CAPACITY(10)."""
        result = await self.execute(cdb_block.ReadCapacity10().encode(), data_in=8, lun=lun)
        return capacity.parse_read_capacity10(_data(result))

    async def read_capacity16(
        self: _Session, *, lun: int | None = None
    ) -> capacity.ReadCapacity16Data:
        """READ CAPACITY(16): last LBA, block length, protection and provisioning bits."""
        result = await self.execute(
            cdb_block.ReadCapacity16(allocation_length=32).encode(), data_in=32, lun=lun
        )
        parsed = capacity.parse_read_capacity16(_data(result))
        if parsed.logical_block_length:
            self._block_sizes[self.lun if lun is None else lun] = parsed.logical_block_length
        return parsed

    async def block_size(self: _Session, *, lun: int | None = None) -> int:
        """The logical block length in bytes (READ CAPACITY(16) once, then remembered)."""
        key = self.lun if lun is None else lun
        if key not in self._block_sizes:
            await ScsiCommands.read_capacity16(self, lun=lun)
            if key not in self._block_sizes:
                raise ConfigurationError("the target reported no logical block length")
        return self._block_sizes[key]

    async def read(
        self: _Session,
        lba: int,
        blocks: int,
        *,
        into: bytearray | memoryview | None = None,
        dpo: bool = False,
        fua: bool = False,
        lun: int | None = None,
    ) -> bytes | bytearray | memoryview:
        """READ(16) of ``blocks`` blocks at ``lba``; into your buffer with ``into``."""
        size = blocks * await self.block_size(lun=lun)
        flags = (_DPO if dpo else 0) | (_FUA if fua else 0)
        cdb = _READ16.pack(0x88, flags, lba, blocks, 0, 0)
        result = await self.execute(cdb, data_in=into if into is not None else size, lun=lun)
        return result.data

    async def write(
        self: _Session,
        lba: int,
        data: bytes | bytearray | memoryview,
        *,
        dpo: bool = False,
        fua: bool = False,
        lun: int | None = None,
    ) -> None:
        """WRITE(16) of ``data`` (a whole number of blocks) at ``lba``."""
        block = await self.block_size(lun=lun)
        blocks, rest = divmod(len(data), block)
        if rest:
            raise ConfigurationError(f"write of {len(data)} bytes is not a multiple of {block}")
        flags = (_DPO if dpo else 0) | (_FUA if fua else 0)
        cdb = _READ16.pack(0x8A, flags, lba, blocks, 0, 0)
        await self.execute(cdb, data_out=data, lun=lun)

    async def verify(
        self: _Session,
        lba: int,
        blocks: int,
        data: bytes | bytearray | memoryview | None = None,
        *,
        lun: int | None = None,
    ) -> None:
        """VERIFY(16): the medium check, or (with ``data``) a byte-by-byte compare."""
        cdb = cdb_block.Verify16(
            lba=lba, verification_length=blocks, bytchk=1 if data is not None else 0
        ).encode()
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
        cdb = cdb_block.WriteSame16(
            lba=lba, number_of_logical_blocks=blocks, unmap=unmap, anchor=anchor
        ).encode()
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
        cdb = cdb_block.CompareAndWrite(
            lba=lba, number_of_logical_blocks=len(compare) // block
        ).encode()
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
        cdb = cdb_block.SynchronizeCache16(
            lba=lba, number_of_logical_blocks=blocks, immed=immed
        ).encode()
        await self.execute(cdb, lun=lun)

    async def get_lba_status(
        self: _Session, lba: int = 0, *, allocation_length: int = 4096, lun: int | None = None
    ) -> capacity.GetLbaStatusData:
        """GET LBA STATUS: which ranges from ``lba`` on are mapped, deallocated or anchored."""
        cdb = cdb_block.GetLbaStatus(starting_lba=lba, allocation_length=allocation_length).encode()
        result = await self.execute(cdb, data_in=allocation_length, lun=lun)
        return capacity.parse_get_lba_status(_data(result))

    async def unmap(
        self: _Session,
        ranges: list[tuple[int, int]],
        *,
        anchor: bool = False,
        lun: int | None = None,
    ) -> None:
        """UNMAP the (lba, blocks) ranges."""
        data = params.build_unmap_parameter_list(ranges)
        cdb = cdb_block.Unmap(parameter_list_length=len(data), anchor=anchor).encode()
        await self.execute(cdb, data_out=data, lun=lun)

    async def report_supported_opcodes(
        self: _Session,
        *,
        timeouts: bool = False,
        allocation_length: int = 65536,
        lun: int | None = None,
    ) -> reports.SupportedOperationCodes:
        """REPORT SUPPORTED OPERATION CODES, every command (with timeouts if ``timeouts``)."""
        cdb = cdb_spc.ReportSupportedOperationCodes(
            rctd=timeouts, allocation_length=allocation_length
        ).encode()
        result = await self.execute(cdb, data_in=allocation_length, lun=lun)
        return reports.parse_supported_operation_codes_all(_data(result))

    # ------------------------------------------------------------------ persistent reservations

    async def _pr_in(
        self: _Session, service_action: int, allocation_length: int, lun: int | None
    ) -> bytes:
        cdb = cdb_spc.PersistentReserveIn(
            service_action=service_action, allocation_length=allocation_length
        ).encode()
        return _data(await self.execute(cdb, data_in=allocation_length, lun=lun))

    async def pr_read_keys(
        self: _Session, *, allocation_length: int = 8192, lun: int | None = None
    ) -> pr.ReadKeys:
        """PERSISTENT RESERVE IN, READ KEYS: the registered reservation keys."""
        data = await ScsiCommands._pr_in(self, 0, allocation_length, lun)
        return pr.parse_read_keys(data)

    async def pr_read_reservation(
        self: _Session, *, allocation_length: int = 8192, lun: int | None = None
    ) -> pr.ReadReservation:
        """PERSISTENT RESERVE IN, READ RESERVATION: the reservation held, if any."""
        data = await ScsiCommands._pr_in(self, 1, allocation_length, lun)
        return pr.parse_read_reservation(data)

    async def pr_report_capabilities(
        self: _Session, *, lun: int | None = None
    ) -> pr.ReportCapabilities:
        """PERSISTENT RESERVE IN, REPORT CAPABILITIES."""
        data = await ScsiCommands._pr_in(self, 2, 8, lun)
        return pr.parse_report_capabilities(data)

    async def pr_read_full_status(
        self: _Session, *, allocation_length: int = 8192, lun: int | None = None
    ) -> pr.ReadFullStatus:
        """PERSISTENT RESERVE IN, READ FULL STATUS: every registration and its I_T nexus."""
        data = await ScsiCommands._pr_in(self, 3, allocation_length, lun)
        return pr.parse_read_full_status(data)

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
        data = pr.pr_out_parameter_list(key, service_action_key, aptpl=aptpl, all_tg_pt=all_tg_pt)
        cdb = cdb_spc.PersistentReserveOut(
            service_action=service_action,
            scope=scope,
            type=type,
            parameter_list_length=len(data),
        ).encode()
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
