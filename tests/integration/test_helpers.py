"""The typed SCSI helpers of pyiscsi.aio.Session (pyiscsi.aio.commands) against a real tgtd.

Facts about tgtd 1.0.85 (Debian 12) these tests rely on, checked against the daemon and its
sources (fujita/tgt usr/spc.c, usr/sbc.c, usr/bs_rdwr.c):

- Standard INQUIRY: vendor ``IET``, product ``VIRTUAL-DISK``, revision ``0001``.
- Unit serial number ``beaf<tid><lun>``; T10 vendor ID designator ``IET     %04x%04x`` (tid, lun).
- VPD pages listed: 0x00, 0x80, 0x83, 0xB0, 0xB1, 0xB2.
- Thin provisioning (UNMAP, GET LBA STATUS deallocated ranges, WRITE SAME with UNMAP) only with
  ``tgtadm --op update --mode logicalunit --params thin_provisioning=1``; LBPRZ is then set.
- COMPARE AND WRITE: the rdwr backing store rejects it (INVALID COMMAND OPERATION CODE), and
  REPORT SUPPORTED OPERATION CODES does not list 0x89.
- SYNCHRONIZE CACHE with IMMED: INVALID FIELD IN CDB (bs_rdwr.c does not do IMMED).
- MODE SELECT may change WCE of the Caching page; the Control page's D_SENSE is not changeable
  (INVALID FIELD IN PARAMETER LIST).
- PERSISTENT RESERVE IN READ FULL STATUS and PR OUT PREEMPT AND ABORT are not implemented
  (INVALID FIELD IN CDB; PREEMPT AND ABORT is commented out of spc.c's service action table).
- A preempted registrant gets UNIT ATTENTION, RESERVATIONS PREEMPTED (0x2A/0x03).
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest

import pyiscsi
from pyiscsi.aio.commands import ScsiCommands
from pyiscsi.scsi import capacity, inquiry, mode
from pyiscsi.scsi.status import SenseKey
from tgt import PLAIN_IQN, Tgtd

IQN = "iqn.2024-01.org.pyiscsi:helpers"
TID = 1
DISK_LUN = 1  # thick, 16 MiB: I/O, MODE SELECT
THIN_LUN = 2  # thin_provisioning=1, 16 MiB: UNMAP, GET LBA STATUS
PR_LUN = 3  # 8 MiB: persistent reservations
MiB = 1 << 20
SIZES = {DISK_LUN: 16 * MiB, THIN_LUN: 16 * MiB, PR_LUN: 8 * MiB}
BLOCK = 512  # tgtd's logical block length

# Every public helper of ScsiCommands and the test(s) here that run it against tgtd.
COVERED = {
    "test_unit_ready": "test_test_unit_ready",
    "inquiry": "test_standard_inquiry",
    "inquiry_vpd": "test_inquiry_vpd_every_supported_page",
    "supported_vpd_pages": "test_inquiry_vpd_every_supported_page",
    "unit_serial_number": "test_unit_serial_number",
    "device_identification": "test_device_identification",
    "block_limits": "test_block_limits",
    "logical_block_provisioning": "test_logical_block_provisioning",
    "report_luns": "test_report_luns_decodes_lun_300",
    "mode_sense": "test_mode_sense_all_pages",
    "mode_sense6": "test_mode_select_caching_wce_read_back",
    "mode_select": "test_mode_select_caching_wce_read_back",
    "read_capacity10": "test_read_capacity_matches_lun_size",
    "read_capacity16": "test_read_capacity_matches_lun_size",
    "block_size": "test_read_capacity_matches_lun_size",
    "num_blocks": "test_read_capacity_matches_lun_size",
    "size_bytes": "test_read_capacity_matches_lun_size",
    "max_transfer_blocks": "test_read_capacity_matches_lun_size",
    "read": "test_write_read_round_trip",
    "write": "test_write_read_round_trip",
    "verify": "test_verify_with_and_without_compare",
    "write_same": "test_write_same",
    "compare_and_write": "test_compare_and_write_not_supported_by_tgtd",
    "synchronize_cache": "test_synchronize_cache",
    "get_lba_status": "test_unmap_then_get_lba_status_deallocated",
    "unmap": "test_unmap_then_get_lba_status_deallocated",
    "report_supported_opcodes": "test_report_supported_opcodes_with_timeouts",
    "pr_read_keys": "test_persistent_reservations",
    "pr_read_reservation": "test_persistent_reservations",
    "pr_report_capabilities": "test_pr_report_capabilities",
    "pr_read_full_status": "test_pr_read_full_status_not_supported_by_tgtd",
    "pr_out": "test_pr_out_register_and_ignore_existing_key",
    "pr_register": "test_persistent_reservations",
    "pr_reserve": "test_persistent_reservations",
    "pr_release": "test_persistent_reservations",
    "pr_clear": "test_persistent_reservations",
    "pr_preempt": "test_persistent_reservations",
}


def run_async(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test body with asyncio.run (no pytest plugin needed)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(fn(*args, **kwargs))

    return wrapper


@pytest.fixture(scope="module")
def daemon() -> Iterator[Tgtd]:
    """A tgtd of this module's own: target IQN with a thick, a thin and a PR LUN."""
    with Tgtd() as t:
        t.add_target(TID, IQN, SIZES)
        t.tgtadm(
            "--op", "update", "--mode", "logicalunit", "--tid", str(TID),
            "--lun", str(THIN_LUN), "--params", "thin_provisioning=1",
        )  # fmt: skip
        yield t


def url(t: Tgtd, lun: int = DISK_LUN) -> str:
    return t.url(IQN, lun)


def sense_of(exc: pytest.ExceptionInfo[pyiscsi.CheckConditionError]) -> tuple[int, int, int]:
    sense = exc.value.sense
    assert sense is not None
    return int(sense.key), sense.asc, sense.ascq


async def expect_power_on_unit_attention(s: pyiscsi.Session, lun: int) -> None:
    """The first command of a new I_T nexus to another LUN than the session's gets the
    POWER ON, RESET UNIT ATTENTION (login clears it only on the session's own LUN)."""
    with pytest.raises(pyiscsi.CheckConditionError) as exc:
        await s.test_unit_ready(lun=lun)
    assert sense_of(exc) == (SenseKey.UNIT_ATTENTION, 0x29, 0x00)


def test_every_public_helper_is_covered() -> None:
    public = {n for n in vars(ScsiCommands) if not n.startswith("_")}
    assert public == set(COVERED)
    module = globals()
    assert all(name in module for name in COVERED.values())


# ------------------------------------------------------------------------------ SPC


@run_async
async def test_test_unit_ready(daemon: Tgtd) -> None:
    async with pyiscsi.connect(url(daemon)) as s:
        await s.test_unit_ready()
        await expect_power_on_unit_attention(s, THIN_LUN)
        await s.test_unit_ready(lun=THIN_LUN)
        with pytest.raises(pyiscsi.CheckConditionError) as exc:
            await s.test_unit_ready(lun=9)  # no such LUN
        assert sense_of(exc) == (SenseKey.ILLEGAL_REQUEST, 0x25, 0x00)


@run_async
async def test_standard_inquiry(daemon: Tgtd) -> None:
    async with pyiscsi.connect(url(daemon)) as s:
        std = await s.inquiry()
        assert std.t10_vendor_identification is not None
        assert std.t10_vendor_identification.strip() == "IET"
        assert std.product_identification is not None
        assert std.product_identification.strip() == "VIRTUAL-DISK"
        assert std.product_revision_level == "0001"
        assert std.peripheral_qualifier == 0
        assert std.peripheral_device_type == inquiry.PeripheralDeviceType.DIRECT_ACCESS
        assert std.cmdque is True
        assert not std.truncated
        # a short allocation length: the first 36 bytes only, still vendor and product
        short = await s.inquiry(allocation_length=36)
        assert short.product_identification == std.product_identification
        other = await s.inquiry(lun=PR_LUN)
        assert other.product_identification == std.product_identification


@run_async
async def test_inquiry_vpd_every_supported_page(daemon: Tgtd) -> None:
    expected: dict[int, type[inquiry.VpdPage]] = {
        0x00: inquiry.SupportedVpdPages,
        0x80: inquiry.UnitSerialNumber,
        0x83: inquiry.DeviceIdentification,
        0xB0: inquiry.BlockLimits,
        0xB1: inquiry.BlockDeviceCharacteristics,
        0xB2: inquiry.LogicalBlockProvisioning,
    }
    async with pyiscsi.connect(url(daemon)) as s:
        pages = await s.supported_vpd_pages()
        assert pages == sorted(expected)
        for code in pages:
            page = await s.inquiry_vpd(code)
            assert type(page) is expected[code], hex(code)
            assert page.page_code == code
            assert page.peripheral_device_type == 0
            assert not page.truncated
        zero = await s.inquiry_vpd(0x00, lun=THIN_LUN)
        assert isinstance(zero, inquiry.SupportedVpdPages)
        assert zero.supported_pages == pages
        with pytest.raises(pyiscsi.CheckConditionError) as exc:
            await s.inquiry_vpd(0x89)  # ATA information: not served by tgtd
        assert sense_of(exc) == (SenseKey.ILLEGAL_REQUEST, 0x24, 0x00)


@run_async
async def test_unit_serial_number(daemon: Tgtd) -> None:
    for lun in (DISK_LUN, PR_LUN):
        async with pyiscsi.connect(url(daemon, lun)) as s:
            serial = await s.unit_serial_number()
            assert serial is not None
            assert serial.strip() == f"beaf{TID}{lun}"  # tgtd's default: beaf<tid><lun>


@run_async
async def test_device_identification(daemon: Tgtd) -> None:
    async with pyiscsi.connect(url(daemon, PR_LUN)) as s:
        page = await s.device_identification()
    t10 = [d for d in page.designators if d.designator_type == inquiry.DesignatorType.T10_VENDOR_ID]
    assert len(t10) == 1
    assert t10[0].t10_vendor_identification == "IET     "
    assert t10[0].value == f"IET     {TID:04x}{PR_LUN:04x}"
    naa = [d for d in page.designators if d.designator_type == inquiry.DesignatorType.NAA]
    assert {d.naa for d in naa} == {3, 6}
    assert all(d.association == inquiry.Association.LOGICAL_UNIT for d in page.designators)
    assert not page.truncated


@run_async
async def test_block_limits(daemon: Tgtd) -> None:
    async with pyiscsi.connect(url(daemon)) as s:
        limits = await s.block_limits()
    assert limits.page_code == 0xB0
    assert limits.page_length == 0x3C
    assert not limits.truncated
    assert limits.maximum_compare_and_write_length == 128  # tgtd fills it in (but see CAW)
    assert limits.wsnz is False


@run_async
async def test_logical_block_provisioning(daemon: Tgtd) -> None:
    async with pyiscsi.connect(url(daemon, THIN_LUN)) as s:
        thin = await s.logical_block_provisioning()
        thick = await s.inquiry_vpd(0xB2, lun=DISK_LUN)
    assert (thin.lbpu, thin.lbpws, thin.lbpws10) == (True, True, True)
    assert thin.provisioning_type == 2  # thin provisioned
    assert thin.lbprz == 1
    assert isinstance(thick, inquiry.LogicalBlockProvisioning)
    assert (thick.lbpu, thick.lbpws, thick.lbpws10) == (False, False, False)
    assert thick.provisioning_type == 0


@run_async
async def test_report_luns_decodes_lun_300(tgtd: Tgtd) -> None:
    # the shared daemon's PLAIN_IQN has LUNs 1, 300 and 16000 (and tgtd's controller, LUN 0)
    async with pyiscsi.connect(tgtd.url(PLAIN_IQN, 300)) as s:
        report = await s.report_luns()
        assert sorted(n for n in report.numbers if n is not None) == [0, 1, 300, 16000]
        assert len(report.numbers) == 4
        assert report.lun_list_length == 4 * 8
        assert not report.truncated
        lun300 = next(lun for lun in report.luns if lun.number == 300)
        assert lun300.raw == bytes([0x41, 0x2C]) + bytes(6)  # flat space addressing
        lun1 = next(lun for lun in report.luns if lun.number == 1)
        assert lun1.raw == bytes([0x00, 0x01]) + bytes(6)  # peripheral device addressing
        cap = await s.read_capacity16()
        assert cap.total_size == 8 * MiB
        # an allocation length that holds the header and one LUN: truncated, length still 32
        short = await s.report_luns(allocation_length=16)
        assert short.lun_list_length == 32
        assert short.truncated
        assert len(short.luns) == 1


@run_async
async def test_report_luns_on_own_target(daemon: Tgtd) -> None:
    async with pyiscsi.connect(url(daemon, THIN_LUN)) as s:
        report = await s.report_luns()
    assert sorted(n for n in report.numbers if n is not None) == [0, *sorted(SIZES)]


@run_async
async def test_mode_sense_all_pages(daemon: Tgtd) -> None:
    async with pyiscsi.connect(url(daemon)) as s:
        params = await s.mode_sense()
        six = await s.mode_sense6()
    assert not params.truncated
    codes = {(p.page_code, p.subpage_code) for p in params.pages}
    assert {(0x02, 0), (0x08, 0), (0x0A, 0), (0x1C, 0)} <= codes
    assert isinstance(params.page(0x08), mode.Caching)
    assert isinstance(params.page(0x0A), mode.Control)
    assert isinstance(params.page(0x1C), mode.InformationalExceptionsControl)
    assert [d.logical_block_length for d in params.block_descriptors] == [BLOCK]
    assert params.wp is False
    assert {(p.page_code, p.subpage_code) for p in six.pages} <= codes
    assert six.block_descriptors == params.block_descriptors


@run_async
async def test_mode_select_caching_wce_read_back(daemon: Tgtd) -> None:
    async with pyiscsi.connect(url(daemon)) as s:
        changeable = (await s.mode_sense(0x08, pc=1)).page(0x08)
        assert isinstance(changeable, mode.Caching)
        assert changeable.wce is True  # tgtd lets WCE change
        current = await s.mode_sense(0x08)
        caching = current.page(0x08)
        assert isinstance(caching, mode.Caching)
        original = caching.wce
        assert original is not None
        try:
            caching.wce = not original
            await s.mode_select(current)
            again = (await s.mode_sense(0x08)).page(0x08)
            assert isinstance(again, mode.Caching)
            assert again.wce is (not original)
            six = (await s.mode_sense6(0x08)).page(0x08)
            assert isinstance(six, mode.Caching)
            assert six.wce is (not original)
        finally:
            caching.wce = original
            await s.mode_select(current)
        restored = await s.mode_sense6(0x08, dbd=True)
        assert restored.block_descriptors == []
        page = restored.page(0x08)
        assert isinstance(page, mode.Caching)
        assert page.wce is original


@run_async
async def test_mode_select_of_unchangeable_field_is_refused(daemon: Tgtd) -> None:
    async with pyiscsi.connect(url(daemon)) as s:
        params = await s.mode_sense(0x0A)
        control = params.page(0x0A)
        assert isinstance(control, mode.Control)
        control.d_sense = not control.d_sense
        with pytest.raises(pyiscsi.CheckConditionError) as exc:
            await s.mode_select(params)
        assert sense_of(exc) == (SenseKey.ILLEGAL_REQUEST, 0x26, 0x00)


# ------------------------------------------------------------------------------ SBC


@run_async
async def test_read_capacity_matches_lun_size(daemon: Tgtd) -> None:
    for lun, size in SIZES.items():
        async with pyiscsi.connect(url(daemon, lun)) as s:
            rc10 = await s.read_capacity10()
            rc16 = await s.read_capacity16()
            assert rc10.returned_logical_block_address == size // BLOCK - 1
            assert rc10.logical_block_length == BLOCK
            assert rc10.total_size == size
            assert rc16.returned_logical_block_address == size // BLOCK - 1
            assert rc16.logical_block_length == BLOCK
            assert rc16.total_size == size
            assert rc16.lbpme is (lun == THIN_LUN)
            assert not rc16.truncated
            assert await s.block_size() == BLOCK
            assert await s.num_blocks() == size // BLOCK
            assert await s.size_bytes() == size
            assert 1 <= await s.max_transfer_blocks() < 2**32


@run_async
async def test_block_size_asks_once(daemon: Tgtd) -> None:
    async with pyiscsi.connect(url(daemon)) as s:
        assert await s.block_size() == BLOCK
        s._block_sizes[s.lun] = 4096  # remembered: block_size() does not ask again
        assert await s.block_size() == 4096


@run_async
async def test_write_read_round_trip(daemon: Tgtd) -> None:
    last = SIZES[DISK_LUN] // BLOCK - 1
    async with pyiscsi.connect(url(daemon)) as s:
        data = os.urandom(64 * BLOCK)
        await s.write(1000, data)
        assert bytes(await s.read(1000, 64)) == data
        assert bytes(await s.read(1010, 2)) == data[10 * BLOCK : 12 * BLOCK]
        await s.write(last, data[:BLOCK], fua=True, dpo=True)
        assert bytes(await s.read(last, 1, fua=True, dpo=True)) == data[:BLOCK]
        buffer = bytearray(8 * BLOCK)
        view = await s.read(1000, 8, into=buffer)
        assert view is buffer
        assert buffer == data[: 8 * BLOCK]
        with pytest.raises(pyiscsi.ConfigurationError, match=r"blocks must be 0\.\.1"):
            await s.read(last, 2)  # refused before sending: the capacity is known
        with pytest.raises(pyiscsi.CheckConditionError) as exc:
            await s.execute(
                bytes((0x88, 0)) + last.to_bytes(8, "big") + (2).to_bytes(4, "big") + bytes(2),
                data_in=2 * BLOCK,
            )
        assert sense_of(exc) == (SenseKey.ILLEGAL_REQUEST, 0x21, 0x00)
        with pytest.raises(pyiscsi.ConfigurationError, match="multiple of 512"):
            await s.write(0, b"x" * 100)
    # another LUN of the same target through the lun= argument
    async with pyiscsi.connect(url(daemon, PR_LUN)) as other:
        marker = os.urandom(BLOCK)
        await expect_power_on_unit_attention(other, DISK_LUN)
        await other.write(5, marker, lun=DISK_LUN)
        assert bytes(await other.read(5, 1, lun=DISK_LUN)) == marker
        assert bytes(await other.read(5, 1)) != marker


@run_async
async def test_verify_with_and_without_compare(daemon: Tgtd) -> None:
    async with pyiscsi.connect(url(daemon)) as s:
        data = os.urandom(8 * BLOCK)
        await s.write(2000, data)
        await s.verify(2000, 8)
        await s.verify(2000, 8, data)
        wrong = bytearray(data)
        wrong[3 * BLOCK + 7] ^= 0xFF
        with pytest.raises(pyiscsi.CheckConditionError) as exc:
            await s.verify(2000, 8, wrong)
        assert sense_of(exc) == (SenseKey.MISCOMPARE, 0x1D, 0x00)


@run_async
async def test_write_same(daemon: Tgtd) -> None:
    async with pyiscsi.connect(url(daemon)) as s:
        await s.write(3000, os.urandom(20 * BLOCK))
        pattern = bytes(range(256)) * 2
        await s.write_same(3001, 16, pattern)
        got = bytes(await s.read(3000, 18))
        assert got[BLOCK : 17 * BLOCK] == pattern * 16
        assert got[:BLOCK] != pattern and got[17 * BLOCK :] != pattern
        await s.write_same(3001, 4)  # zeroes by default
        assert bytes(await s.read(3001, 4)) == bytes(4 * BLOCK)
        assert bytes(await s.read(3005, 1)) == pattern


@run_async
async def test_compare_and_write_not_supported_by_tgtd(daemon: Tgtd) -> None:
    async with pyiscsi.connect(url(daemon)) as s:
        block = bytes(BLOCK)
        # tgtd 1.0.85's rdwr backing store has no COMPARE AND WRITE: the target refuses the
        # opcode (and does not list 0x89 in REPORT SUPPORTED OPERATION CODES).
        with pytest.raises(pyiscsi.CheckConditionError) as exc:
            await s.compare_and_write(0, block, b"\x01" * BLOCK)
        assert sense_of(exc) == (SenseKey.ILLEGAL_REQUEST, 0x20, 0x00)
        with pytest.raises(pyiscsi.ConfigurationError):
            await s.compare_and_write(0, block, block + block)
        with pytest.raises(pyiscsi.ConfigurationError):
            await s.compare_and_write(0, b"x" * 100, b"x" * 100)


@run_async
async def test_synchronize_cache(daemon: Tgtd) -> None:
    async with pyiscsi.connect(url(daemon)) as s:
        await s.write(0, os.urandom(BLOCK))
        await s.synchronize_cache()
        await s.synchronize_cache(0, 16)
        with pytest.raises(pyiscsi.CheckConditionError) as exc:
            await s.synchronize_cache(immed=True)  # IMMED: refused by tgtd's rdwr store
        assert sense_of(exc) == (SenseKey.ILLEGAL_REQUEST, 0x24, 0x00)


@run_async
async def test_unmap_then_get_lba_status_deallocated(daemon: Tgtd) -> None:
    blocks = SIZES[THIN_LUN] // BLOCK
    async with pyiscsi.connect(url(daemon, THIN_LUN)) as s:
        start = 4096  # 4 KiB aligned (hole punching works on file system blocks)
        await s.write(start, os.urandom(64 * BLOCK))
        status = await s.get_lba_status(start)
        first = status.descriptors[0]
        assert first.lba_status_logical_block_address == start
        assert first.number_of_logical_blocks == 64
        assert first.provisioning_status == capacity.ProvisioningStatus.MAPPED
        await s.unmap([(start, 16), (start + 32, 16)])
        status = await s.get_lba_status(start)
        assert [
            (d.lba_status_logical_block_address, d.number_of_logical_blocks, d.provisioning_status)
            for d in status.descriptors[:4]
        ] == [
            (start, 16, capacity.ProvisioningStatus.DEALLOCATED),
            (start + 16, 16, capacity.ProvisioningStatus.MAPPED),
            (start + 32, 16, capacity.ProvisioningStatus.DEALLOCATED),
            (start + 48, 16, capacity.ProvisioningStatus.MAPPED),
        ]
        assert status.parameter_data_length == 4 + 16 * len(status.descriptors)
        assert not status.truncated
        # LBPRZ: unmapped blocks read as zeroes
        assert bytes(await s.read(start, 16)) == bytes(16 * BLOCK)
        # WRITE SAME with UNMAP deallocates as well
        await s.write_same(start + 16, 16, unmap=True)
        status = await s.get_lba_status(start)
        head = status.descriptors[0]
        assert head.lba_status_logical_block_address == start
        assert head.number_of_logical_blocks == 48
        assert head.provisioning_status == capacity.ProvisioningStatus.DEALLOCATED
        # the end of the LUN has never been written
        tail = await s.get_lba_status(blocks - 8)
        assert tail.descriptors[0].provisioning_status == capacity.ProvisioningStatus.DEALLOCATED
        assert tail.descriptors[0].number_of_logical_blocks == 8


@run_async
async def test_unmap_on_thick_lun_is_refused(daemon: Tgtd) -> None:
    async with pyiscsi.connect(url(daemon)) as s:
        with pytest.raises(pyiscsi.CheckConditionError) as exc:
            await s.unmap([(0, 8)])
        assert exc.value.sense is not None
        assert exc.value.sense.key == SenseKey.ILLEGAL_REQUEST


@run_async
async def test_report_supported_opcodes(daemon: Tgtd) -> None:
    async with pyiscsi.connect(url(daemon)) as s:
        report = await s.report_supported_opcodes()
    assert not report.truncated
    by_code = {
        (c.operation_code, c.service_action if c.servactv else None): c for c in report.commands
    }
    for opcode in (0x00, 0x12, 0x28, 0x2A, 0x35, 0x88, 0x8A, 0x8F, 0x91, 0x93, 0xA0):
        assert (opcode, None) in by_code, hex(opcode)
    assert by_code[(0x88, None)].cdb_length == 16
    assert by_code[(0x28, None)].cdb_length == 10
    assert by_code[(0x12, None)].cdb_length == 6
    assert (0x9E, 0x10) in by_code  # READ CAPACITY(16)
    assert (0x9E, 0x12) in by_code  # GET LBA STATUS
    assert (0x5E, 0x00) in by_code and (0x5F, 0x00) in by_code  # PR IN / PR OUT
    assert 0x89 not in {c.operation_code for c in report.commands}  # no COMPARE AND WRITE
    assert report.command_data_length == 8 * len(report.commands)


@run_async
async def test_report_supported_opcodes_with_timeouts(daemon: Tgtd) -> None:
    async with pyiscsi.connect(url(daemon)) as s:
        plain = await s.report_supported_opcodes()
        timed = await s.report_supported_opcodes(timeouts=True)
    assert [c.operation_code for c in timed.commands] == [c.operation_code for c in plain.commands]
    assert all(c.ctdp and c.command_timeouts is not None for c in timed.commands)
    assert all(
        c.command_timeouts.descriptor_length == 0x0A for c in timed.commands if c.command_timeouts
    )
    assert timed.command_data_length == 20 * len(timed.commands)


# ------------------------------------------------------------------------------ PR


EXCLUSIVE_ACCESS = 3
WRITE_EXCLUSIVE = 1
RESET_KEY = 0xFEED


async def reset_reservations(s: pyiscsi.Session) -> None:
    """Start from no registration and no reservation, whatever an earlier test left."""
    await s.pr_register(RESET_KEY, ignore_existing=True)
    await s.pr_clear(RESET_KEY)
    assert (await s.pr_read_keys()).reservation_keys == []


@run_async
async def test_pr_report_capabilities(daemon: Tgtd) -> None:
    async with pyiscsi.connect(url(daemon, PR_LUN)) as s:
        caps = await s.pr_report_capabilities()
    assert caps.length == 8
    assert caps.tmv is True
    assert (caps.wr_ex, caps.ex_ac, caps.wr_ex_ro, caps.ex_ac_ro) == (True, True, True, True)
    assert (caps.wr_ex_ar, caps.ex_ac_ar) == (True, True)
    assert caps.ptpl_c is False
    assert len(caps.supported_types) == 6


@run_async
async def test_pr_read_full_status_not_supported_by_tgtd(daemon: Tgtd) -> None:
    async with pyiscsi.connect(url(daemon, PR_LUN)) as s:
        with pytest.raises(pyiscsi.CheckConditionError) as exc:
            await s.pr_read_full_status()
        assert sense_of(exc) == (SenseKey.ILLEGAL_REQUEST, 0x24, 0x00)


@run_async
async def test_persistent_reservations(daemon: Tgtd) -> None:
    lun_url = url(daemon, PR_LUN)
    async with pyiscsi.connect(lun_url) as a:
        await reset_reservations(a)
    async with pyiscsi.connect(lun_url) as a, pyiscsi.connect(lun_url) as b:
        # each session is an I_T nexus of its own (random ISID): two registrants
        await a.pr_register(0x1234)
        await b.pr_register(0xABCDEF0123456789)
        keys = await b.pr_read_keys()
        assert sorted(keys.reservation_keys) == [0x1234, 0xABCDEF0123456789]
        generation = keys.prgeneration
        assert generation is not None

        await a.pr_reserve(0x1234, EXCLUSIVE_ACCESS)
        held = await b.pr_read_reservation()
        assert (held.reservation_key, held.type, held.scope) == (0x1234, EXCLUSIVE_ACCESS, 0)
        assert bytes(await a.read(0, 1)) == bytes(BLOCK)  # the holder reads

        # the other registrant: RESERVATION CONFLICT, a status without sense data
        with pytest.raises(pyiscsi.SCSIStatusError) as conflict:
            await b.read(0, 1)
        assert conflict.value.status == 0x18
        assert not isinstance(conflict.value, pyiscsi.CheckConditionError)
        assert "RESERVATION CONFLICT" in str(conflict.value)
        with pytest.raises(pyiscsi.SCSIStatusError) as conflict:
            await b.pr_reserve(0xABCDEF0123456789, EXCLUSIVE_ACCESS)
        assert conflict.value.status == 0x18
        await b.pr_release(0xABCDEF0123456789, EXCLUSIVE_ACCESS)  # not the holder: no effect
        assert (await b.pr_read_reservation()).reservation_key == 0x1234

        # b preempts a: a's registration is gone, b holds a WRITE EXCLUSIVE reservation
        await b.pr_preempt(0xABCDEF0123456789, 0x1234, WRITE_EXCLUSIVE)
        with pytest.raises(pyiscsi.CheckConditionError) as exc:
            await a.test_unit_ready()
        assert sense_of(exc) == (SenseKey.UNIT_ATTENTION, 0x2A, 0x03)  # RESERVATIONS PREEMPTED
        keys = await a.pr_read_keys()
        assert keys.reservation_keys == [0xABCDEF0123456789]
        assert keys.prgeneration is not None and keys.prgeneration > generation
        held = await a.pr_read_reservation()
        assert (held.reservation_key, held.type) == (0xABCDEF0123456789, WRITE_EXCLUSIVE)
        assert bytes(await a.read(0, 1)) == bytes(BLOCK)  # write exclusive: a still reads
        with pytest.raises(pyiscsi.SCSIStatusError) as conflict:
            await a.write(0, bytes(BLOCK))
        assert conflict.value.status == 0x18

        # PREEMPT AND ABORT: not in tgtd's service action table
        await a.pr_register(0x55)
        with pytest.raises(pyiscsi.CheckConditionError) as exc:
            await a.pr_preempt(0x55, 0xABCDEF0123456789, WRITE_EXCLUSIVE, abort=True)
        assert sense_of(exc) == (SenseKey.ILLEGAL_REQUEST, 0x24, 0x00)

        await b.pr_release(0xABCDEF0123456789, WRITE_EXCLUSIVE)
        # tgtd 1.0.85 reports RESERVATIONS RELEASED to the releasing I_T nexus (b) and not to
        # the other registrant (a), the reverse of SPC-4 5.13.11.2.2; asserted as it is.
        await a.test_unit_ready()
        with pytest.raises(pyiscsi.CheckConditionError) as exc:
            await b.test_unit_ready()
        assert sense_of(exc) == (SenseKey.UNIT_ATTENTION, 0x2A, 0x04)  # RESERVATIONS RELEASED
        released = await a.pr_read_reservation()
        assert released.reservation_key is None
        assert released.additional_length == 0
        await a.write(0, bytes(BLOCK))  # no reservation: writes are back

        await a.pr_clear(0x55)
        with pytest.raises(pyiscsi.CheckConditionError) as exc:
            await b.test_unit_ready()  # b's registration was cleared by a
        assert sense_of(exc) == (SenseKey.UNIT_ATTENTION, 0x2A, 0x03)  # RESERVATIONS PREEMPTED
        assert (await b.pr_read_keys()).reservation_keys == []
        await b.write(1, bytes(BLOCK))  # b is no registrant any more, and nothing is reserved


@run_async
async def test_pr_out_register_and_ignore_existing_key(daemon: Tgtd) -> None:
    async with pyiscsi.connect(url(daemon, PR_LUN)) as s:
        await reset_reservations(s)
        await s.pr_out(0, service_action_key=0x77)  # REGISTER
        await s.pr_register(0x88, ignore_existing=True)
        assert (await s.pr_read_keys()).reservation_keys == [0x88]
        await s.pr_register(0x99, old_key=0x88)
        assert (await s.pr_read_keys()).reservation_keys == [0x99]
        with pytest.raises(pyiscsi.SCSIStatusError) as conflict:
            await s.pr_register(0x10, old_key=0x1)  # wrong old key
        assert conflict.value.status == 0x18
        await s.pr_register(0, old_key=0x99)  # unregister
        assert (await s.pr_read_keys()).reservation_keys == []
