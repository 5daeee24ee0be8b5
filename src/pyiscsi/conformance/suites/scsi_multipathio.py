"""SCSI.MultipathIO: the same LU through two paths (the second URL): what one writes the
other reads, a reset on one path, COMPARE AND WRITE across paths (SAM-5 4.6 multiple I_T
nexuses to one logical unit)."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import MISCOMPARE_DURING_VERIFY, Device, IscsiDevice, LunInfo
from pyiscsi.scsi.cdb import CompareAndWrite, Read10, TestUnitReady, Write10

FAMILY = "SCSI"
SUITE = "MultipathIO"
pytestmark = [pytest.mark.dataloss, pytest.mark.iscsi_only]


def test_Simple(sd: Device, mpath_sd: IscsiDevice, lun: LunInfo) -> None:
    """1-256 blocks written on one path read back the same on the other, both ways (SAM-5
    4.6: one logical unit, whatever the path)."""
    for writer, reader in ((sd, mpath_sd), (mpath_sd, sd)):
        for n in checks.lengths(lun):
            data = checks.pattern(n, lun.block_size)
            checks.ok(writer, lun, Write10(lba=0, transfer_length=n), data_out=data)
            got = checks.ok(reader, lun, Read10(lba=0, transfer_length=n)).data
            if bytes(got) != data:
                pytest.fail(f"{n} blocks written on one path read back differently on the other",
                            pytrace=False)  # fmt: skip


def test_Reset(sd: IscsiDevice, mpath_sd: IscsiDevice, lun: LunInfo) -> None:
    """A LOGICAL UNIT RESET on one path gives the other path one UNIT ATTENTION, then it
    works (SAM-5 6.6.2: a unit attention for every other I_T nexus)."""
    import pyiscsi

    try:
        sd.session.lun_reset()
    except pyiscsi.TaskManagementError as exc:
        pytest.skip(f"LOGICAL UNIT RESET not supported: {exc}")
    r = mpath_sd.run(TestUnitReady().encode())
    if not (r.status == 2 and r.sense is not None and int(r.sense.key) == 0x6):
        pytest.fail(f"TEST UNIT READY on the other path after a LU reset: expected UNIT "
                    f"ATTENTION, got {r.sense or 'GOOD'}", pytrace=False)  # fmt: skip
    checks.clear_unit_attentions(mpath_sd)
    checks.ok(mpath_sd, lun, TestUnitReady())


def test_CompareAndWrite(sd: Device, mpath_sd: IscsiDevice, lun: LunInfo) -> None:
    """COMPARE AND WRITE on each path in turn, each expecting what the other wrote, all
    succeed (SBC-4 COMPARE AND WRITE)."""
    block = bytes(lun.block_size)
    checks.ok(sd, lun, Write10(lba=0), data_out=block)
    for i in range(8):
        path = (sd, mpath_sd)[i % 2]
        new = checks.pattern(1, lun.block_size)
        r = checks.run(path, lun, CompareAndWrite(lba=0), data_out=block + new)
        checks.skip_if_not_implemented(r, "COMPARE AND WRITE")
        checks.expect_good(r, f"COMPARE AND WRITE #{i} on path {i % 2}")
        block = new


def test_CompareAndWriteAsync(sd: Device, mpath_sd: IscsiDevice, lun: LunInfo) -> None:
    """COMPARE AND WRITE sent on both paths at once, both expecting the same old data:
    exactly one succeeds, the other is MISCOMPARE (SBC-4 COMPARE AND WRITE is atomic)."""
    old = checks.pattern(1, lun.block_size)
    checks.ok(sd, lun, Write10(lba=0), data_out=old)
    datas = [old + checks.pattern(1, lun.block_size) for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda pd: checks.run(pd[0], lun, CompareAndWrite(lba=0),
                                                      data_out=pd[1]),
                                zip((sd, mpath_sd), datas, strict=True)))  # fmt: skip
    for r in results:
        checks.skip_if_not_implemented(r, "COMPARE AND WRITE")
    good = [r for r in results if r.status == 0]
    if len(good) != 1:
        pytest.fail(f"{len(good)} of 2 concurrent COMPARE AND WRITEs succeeded", pytrace=False)
    bad = next(r for r in results if r.status != 0)
    checks.expect_sense(bad, "the losing COMPARE AND WRITE", MISCOMPARE_DURING_VERIFY)
