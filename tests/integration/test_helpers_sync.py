"""The blocking twins of the SCSI helpers (pyiscsi.sync.Session) against a real tgtd.

A representative set; test_helpers.py runs every helper through the asyncio API and says what
tgtd 1.0.85 does and does not support.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pyiscsi
import pyiscsi.sync
from pyiscsi.aio.commands import ScsiCommands
from pyiscsi.scsi import capacity, inquiry, mode
from pyiscsi.scsi.status import SenseKey
from pyiscsi.sync_commands import SyncScsiCommands
from tgt import Tgtd

IQN = "iqn.2024-01.org.pyiscsi:helpers-sync"
TID = 1
DISK_LUN = 1
THIN_LUN = 2
PR_LUN = 300  # flat space addressing
MiB = 1 << 20
SIZES = {DISK_LUN: 16 * MiB, THIN_LUN: 8 * MiB, PR_LUN: 4 * MiB}
BLOCK = 512


@pytest.fixture(scope="module")
def daemon() -> Iterator[Tgtd]:
    """A tgtd of this module's own: a thick LUN 1, a thin LUN 2 and LUN 300."""
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


def test_every_async_helper_has_a_blocking_twin() -> None:
    public = [n for n in vars(ScsiCommands) if not n.startswith("_")]
    for name in public:
        twin = getattr(SyncScsiCommands, name, None)
        assert twin is not None, name
        want = list(inspect.signature(getattr(ScsiCommands, name)).parameters.values())[1:]
        got = list(inspect.signature(twin).parameters.values())[1:]
        assert [(p.name, p.kind, p.default) for p in got] == [
            (p.name, p.kind, p.default) for p in want
        ], name
    assert issubclass(pyiscsi.sync.Session, SyncScsiCommands)


def test_sync_inquiry_and_vpd(daemon: Tgtd) -> None:
    with pyiscsi.sync.connect(url(daemon)) as s:
        s.test_unit_ready()
        std = s.inquiry()
        assert std.t10_vendor_identification is not None
        assert std.t10_vendor_identification.strip() == "IET"
        assert std.product_identification is not None
        assert std.product_identification.strip() == "VIRTUAL-DISK"
        pages = s.supported_vpd_pages()
        assert pages == [0x00, 0x80, 0x83, 0xB0, 0xB1, 0xB2]
        for code in pages:
            assert s.inquiry_vpd(code).page_code == code
        serial = s.unit_serial_number()
        assert serial is not None and serial.strip() == f"beaf{TID}{DISK_LUN}"
        ids = s.device_identification()
        assert f"IET     {TID:04x}{DISK_LUN:04x}" in [d.value for d in ids.designators]
        assert s.block_limits().page_length == 0x3C
        assert s.logical_block_provisioning().lbpu is False
    with pyiscsi.sync.connect(url(daemon, THIN_LUN)) as thin:
        lbp = thin.logical_block_provisioning()
        assert (lbp.lbpu, lbp.provisioning_type) == (True, 2)
        page = thin.inquiry_vpd(0xB2)
        assert isinstance(page, inquiry.LogicalBlockProvisioning)
        assert page.lbpws is True


def test_sync_report_luns_and_lun_300(daemon: Tgtd) -> None:
    with pyiscsi.sync.connect(url(daemon, PR_LUN)) as s:
        report = s.report_luns()
        assert sorted(n for n in report.numbers if n is not None) == [0, 1, 2, 300]
        lun300 = next(lun for lun in report.luns if lun.number == 300)
        assert lun300.raw[:2] == bytes([0x41, 0x2C])
        assert s.lun == 300
        assert s.read_capacity16().total_size == SIZES[PR_LUN]


def test_sync_capacity_and_block_io(daemon: Tgtd) -> None:
    with pyiscsi.sync.connect(url(daemon)) as s:
        rc10 = s.read_capacity10()
        rc16 = s.read_capacity16()
        assert rc10.returned_logical_block_address == SIZES[DISK_LUN] // BLOCK - 1
        assert rc16.returned_logical_block_address == SIZES[DISK_LUN] // BLOCK - 1
        assert rc10.logical_block_length == rc16.logical_block_length == BLOCK
        assert s.block_size() == BLOCK

        data = os.urandom(32 * BLOCK)
        s.write(100, data, fua=True)
        assert bytes(s.read(100, 32)) == data
        buffer = bytearray(4 * BLOCK)
        s.read(104, 4, into=buffer)
        assert buffer == data[4 * BLOCK : 8 * BLOCK]

        s.verify(100, 32)
        s.verify(100, 32, data)
        wrong = bytes([data[0] ^ 1]) + data[1:]
        with pytest.raises(pyiscsi.CheckConditionError) as exc:
            s.verify(100, 32, wrong)
        assert sense_of(exc) == (SenseKey.MISCOMPARE, 0x1D, 0x00)

        s.write_same(200, 8, b"\x5a" * BLOCK)
        assert bytes(s.read(200, 8)) == b"\x5a" * (8 * BLOCK)
        s.synchronize_cache()
        s.synchronize_cache(200, 8)

        # tgtd's rdwr backing store has no COMPARE AND WRITE (see test_helpers.py)
        with pytest.raises(pyiscsi.CheckConditionError) as exc:
            s.compare_and_write(200, b"\x5a" * BLOCK, bytes(BLOCK))
        assert sense_of(exc) == (SenseKey.ILLEGAL_REQUEST, 0x20, 0x00)


def test_sync_unmap_and_get_lba_status(daemon: Tgtd) -> None:
    with pyiscsi.sync.connect(url(daemon, THIN_LUN)) as s:
        s.write(1024, os.urandom(32 * BLOCK))
        assert (
            s.get_lba_status(1024).descriptors[0].provisioning_status
            == capacity.ProvisioningStatus.MAPPED
        )
        s.unmap([(1024, 32)])
        first = s.get_lba_status(1024).descriptors[0]
        assert first.lba_status_logical_block_address == 1024
        assert first.provisioning_status == capacity.ProvisioningStatus.DEALLOCATED
        assert first.number_of_logical_blocks >= 32
        assert bytes(s.read(1024, 32)) == bytes(32 * BLOCK)


def test_sync_mode_sense_and_select(daemon: Tgtd) -> None:
    with pyiscsi.sync.connect(url(daemon)) as s:
        params = s.mode_sense(0x08)
        caching = params.page(0x08)
        assert isinstance(caching, mode.Caching)
        original = caching.wce
        caching.wce = not original
        s.mode_select(params)
        try:
            six = s.mode_sense6(0x08).page(0x08)
            assert isinstance(six, mode.Caching)
            assert six.wce is (not original)
        finally:
            caching.wce = original
            s.mode_select(params)
        back = s.mode_sense(0x08).page(0x08)
        assert isinstance(back, mode.Caching)
        assert back.wce is original


def test_sync_report_supported_opcodes(daemon: Tgtd) -> None:
    with pyiscsi.sync.connect(url(daemon)) as s:
        report = s.report_supported_opcodes()
    codes = {c.operation_code for c in report.commands}
    assert {0x00, 0x12, 0x88, 0x8A, 0x9E, 0xA0} <= codes
    assert 0x89 not in codes


def test_sync_persistent_reservation_conflict(daemon: Tgtd) -> None:
    with (
        pyiscsi.sync.connect(url(daemon, PR_LUN)) as a,
        pyiscsi.sync.connect(url(daemon, PR_LUN)) as b,
    ):
        caps = a.pr_report_capabilities()
        assert caps.ex_ac is True
        a.pr_register(0x1234)
        b.pr_register(0x5678)
        assert sorted(a.pr_read_keys().reservation_keys) == [0x1234, 0x5678]
        a.pr_reserve(0x1234, 3)  # exclusive access
        assert b.pr_read_reservation().reservation_key == 0x1234
        with pytest.raises(pyiscsi.SCSIStatusError) as conflict:
            b.read(0, 1)
        assert conflict.value.status == 0x18
        b.pr_preempt(0x5678, 0x1234, 3)
        with pytest.raises(pyiscsi.CheckConditionError) as exc:
            a.test_unit_ready()
        assert sense_of(exc) == (SenseKey.UNIT_ATTENTION, 0x2A, 0x03)
        with pytest.raises(pyiscsi.SCSIStatusError) as conflict:
            a.read(0, 1)
        assert conflict.value.status == 0x18
        with pytest.raises(pyiscsi.CheckConditionError) as exc:
            b.pr_read_full_status()  # not implemented by tgtd 1.0.85
        assert sense_of(exc) == (SenseKey.ILLEGAL_REQUEST, 0x24, 0x00)
        b.pr_release(0x5678, 3)
        b.pr_clear(0x5678)
        assert a.pr_read_keys().reservation_keys == []
        assert a.pr_read_reservation().reservation_key is None


def test_sync_session_shared_by_threads(daemon: Tgtd) -> None:
    chunks = [os.urandom(16 * BLOCK) for _ in range(16)]
    with pyiscsi.sync.connect(url(daemon)) as s:

        def round_trip(i: int) -> bytes:
            s.write(4096 + 16 * i, chunks[i])
            return bytes(s.read(4096 + 16 * i, 16))

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(round_trip, range(16)))
    assert results == chunks


def test_sync_write_read_verify_round_trip_anywhere(daemon: Tgtd) -> None:
    last = SIZES[DISK_LUN] // BLOCK - 1
    with pyiscsi.sync.connect(url(daemon)) as s:

        @settings(max_examples=40, deadline=None, database=None)
        @given(
            blocks=st.integers(1, 64),
            lba=st.integers(0, last),
            seed=st.binary(min_size=1, max_size=64),
        )
        def round_trip(blocks: int, lba: int, seed: bytes) -> None:
            lba = min(lba, last + 1 - blocks)
            data = (seed * (blocks * BLOCK // len(seed) + 1))[: blocks * BLOCK]
            s.write(lba, data)
            assert bytes(s.read(lba, blocks)) == data
            s.verify(lba, blocks, data)

        round_trip()
