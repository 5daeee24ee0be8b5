"""The typed SCSI helpers of :class:`pyiscsi.sync.Session`: each runs its asyncio twin.

See :mod:`pyiscsi.aio.commands` for what each does.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from pyiscsi.scsi import capacity, luns, mode
from pyiscsi.scsi import inquiry as inq

if TYPE_CHECKING:
    from pyiscsi.aio.session import Session as AioSession

__all__ = ["SyncScsiCommands"]

T = TypeVar("T")


class SyncScsiCommands:
    """Blocking versions of :class:`pyiscsi.aio.commands.ScsiCommands`."""

    _session: AioSession

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:  # pragma: no cover - overridden
        raise NotImplementedError

    def test_unit_ready(self, *, lun: int | None = None) -> None:
        """TEST UNIT READY; raises CheckConditionError when the unit is not ready."""
        return self._run(self._session.test_unit_ready(lun=lun))

    def inquiry(
        self,
        *,
        allocation_length: int = 255,
        lun: int | None = None,
    ) -> inq.StandardInquiry:
        """Standard INQUIRY data."""
        return self._run(self._session.inquiry(allocation_length=allocation_length, lun=lun))

    def inquiry_vpd(
        self,
        page_code: int,
        *,
        allocation_length: int = 4096,
        lun: int | None = None,
    ) -> inq.VpdPage:
        """A Vital Product Data page, parsed (0x00, 0x80, 0x83, 0x86, 0x8F, 0xB0-0xB2)."""
        return self._run(
            self._session.inquiry_vpd(page_code, allocation_length=allocation_length, lun=lun)
        )

    def supported_vpd_pages(self) -> list[int]:
        """The VPD page codes the logical unit supports (page 0x00)."""
        return self._run(self._session.supported_vpd_pages())

    def unit_serial_number(self) -> str | None:
        """The unit serial number (page 0x80)."""
        return self._run(self._session.unit_serial_number())

    def device_identification(self) -> inq.DeviceIdentification:
        """The designators of the logical unit and its ports (page 0x83)."""
        return self._run(self._session.device_identification())

    def block_limits(self) -> inq.BlockLimits:
        """Block Limits (page 0xB0)."""
        return self._run(self._session.block_limits())

    def logical_block_provisioning(self) -> inq.LogicalBlockProvisioning:
        """Logical Block Provisioning (page 0xB2)."""
        return self._run(self._session.logical_block_provisioning())

    def report_luns(
        self,
        *,
        select_report: int = 0,
        allocation_length: int = 16384,
    ) -> luns.ReportLuns:
        """REPORT LUNS (sent to LUN 0); the 8-byte LUNs decoded."""
        return self._run(
            self._session.report_luns(
                select_report=select_report, allocation_length=allocation_length
            )
        )

    def mode_sense(
        self,
        page_code: int = 63,
        subpage_code: int = 0,
        *,
        pc: int = 0,
        dbd: bool = False,
        allocation_length: int = 4096,
    ) -> mode.ModeParameters:
        """MODE SENSE(10): mode parameter header, block descriptors and pages."""
        return self._run(
            self._session.mode_sense(
                page_code, subpage_code, pc=pc, dbd=dbd, allocation_length=allocation_length
            )
        )

    def mode_sense6(
        self,
        page_code: int = 63,
        subpage_code: int = 0,
        *,
        pc: int = 0,
        dbd: bool = False,
        allocation_length: int = 255,
    ) -> mode.ModeParameters:
        """MODE SENSE(6)."""
        return self._run(
            self._session.mode_sense6(
                page_code, subpage_code, pc=pc, dbd=dbd, allocation_length=allocation_length
            )
        )

    def mode_select(self, parameters: mode.ModeParameters, *, save: bool = False) -> None:
        """MODE SELECT(10) of ``parameters`` (as returned by :meth:`mode_sense`, changed)."""
        return self._run(self._session.mode_select(parameters, save=save))

    def read_capacity10(self) -> capacity.ReadCapacity10:
        """READ CAPACITY(10)."""
        return self._run(self._session.read_capacity10())

    def read_capacity16(self) -> capacity.ReadCapacity16:
        """READ CAPACITY(16): last LBA, block length, protection and provisioning bits."""
        return self._run(self._session.read_capacity16())

    def block_size(self) -> int:
        """The logical block length in bytes (READ CAPACITY(16) once, then remembered)."""
        return self._run(self._session.block_size())

    def read(
        self,
        lba: int,
        blocks: int,
        *,
        into: bytearray | memoryview | None = None,
        dpo: bool = False,
        fua: bool = False,
        lun: int | None = None,
    ) -> bytes | bytearray | memoryview:
        """READ(16) of ``blocks`` blocks at ``lba``; into your buffer with ``into``."""
        return self._run(self._session.read(lba, blocks, into=into, dpo=dpo, fua=fua, lun=lun))

    def write(
        self,
        lba: int,
        data: bytes | bytearray | memoryview,
        *,
        dpo: bool = False,
        fua: bool = False,
        lun: int | None = None,
    ) -> None:
        """WRITE(16) of ``data`` (a whole number of blocks) at ``lba``."""
        return self._run(self._session.write(lba, data, dpo=dpo, fua=fua, lun=lun))

    def verify(
        self,
        lba: int,
        blocks: int,
        data: bytes | bytearray | memoryview | None = None,
    ) -> None:
        """VERIFY(16): the medium check, or (with ``data``) a byte-by-byte compare."""
        return self._run(self._session.verify(lba, blocks, data))

    def write_same(
        self,
        lba: int,
        blocks: int,
        data: bytes | bytearray | memoryview | None = None,
        *,
        unmap: bool = False,
        anchor: bool = False,
    ) -> None:
        """WRITE SAME(16) of one block (``data``; zeroes if None) over ``blocks`` blocks."""
        return self._run(self._session.write_same(lba, blocks, data, unmap=unmap, anchor=anchor))

    def compare_and_write(
        self,
        lba: int,
        compare: bytes | bytearray | memoryview,
        write: bytes | bytearray | memoryview,
    ) -> None:
        """COMPARE AND WRITE: write ``write`` only if the blocks hold ``compare``."""
        return self._run(self._session.compare_and_write(lba, compare, write))

    def synchronize_cache(self, lba: int = 0, blocks: int = 0, *, immed: bool = False) -> None:
        """SYNCHRONIZE CACHE(16); ``blocks`` 0 means to the last LBA."""
        return self._run(self._session.synchronize_cache(lba, blocks, immed=immed))

    def get_lba_status(
        self,
        lba: int = 0,
        *,
        allocation_length: int = 4096,
    ) -> capacity.GetLbaStatus:
        """GET LBA STATUS: which ranges from ``lba`` on are mapped, deallocated or anchored."""
        return self._run(self._session.get_lba_status(lba, allocation_length=allocation_length))
