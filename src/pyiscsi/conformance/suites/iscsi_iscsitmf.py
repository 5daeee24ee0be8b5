"""iSCSI.iSCSITMF: task management functions on commands in flight (RFC 7143 11.5, 11.6;
SAM-5 7 task management functions)."""

import asyncio

import pytest

import pyiscsi
from pyiscsi.conformance.device import Device, LunInfo
from pyiscsi.conformance.plugin import TargetOptions
from pyiscsi.scsi.cdb import TestUnitReady, Write10

FAMILY = "iSCSI"
SUITE = "iSCSITMF"
pytestmark = [pytest.mark.iscsi_only, pytest.mark.dataloss]
WRITES = 16


async def _session(target: TargetOptions) -> pyiscsi.Session:
    assert target.url is not None
    return await pyiscsi.connect(
        target.url,
        initiator_name=target.initiator_name,
        login_timeout=target.timeout,
        command_timeout=target.timeout,
        reconnect=False,
    )


def test_AbortTaskSimpleAsync(target: TargetOptions, lun: LunInfo) -> None:
    """ABORT TASK of a WRITE in flight answers FUNCTION COMPLETE (the task is aborted) or
    TASK DOES NOT EXIST (it had already completed), and the session goes on working
    (RFC 7143 11.5.1, 11.6.1: responses 0 and 1)."""

    async def body() -> None:
        s = await _session(target)
        try:
            data = bytes(lun.block_size * 8)
            cmd = s.submit(Write10(lba=0, transfer_length=8).encode(), data_out=data, check=False)
            try:
                await s.abort_task(cmd)
            except pyiscsi.TaskManagementError as exc:
                if exc.response not in (0, 1):
                    pytest.fail(f"ABORT TASK: expected FUNCTION COMPLETE or TASK DOES NOT EXIST, "
                                f"got {exc}", pytrace=False)  # fmt: skip
            r = await s.execute(TestUnitReady().encode(), check=False)
            if r.status not in (0, 2):
                pytest.fail(f"TEST UNIT READY after ABORT TASK: status {r.status:#x}",
                            pytrace=False)  # fmt: skip
        finally:
            await s.close()

    asyncio.run(body())


@pytest.mark.iscsi_name("LUNResetSimpleAsync")
def test_LUNResetSimpleAsync(target: TargetOptions, lun: LunInfo) -> None:
    """LOGICAL UNIT RESET with WRITEs in flight answers FUNCTION COMPLETE; each WRITE ends
    GOOD or aborted (never CHECK CONDITION); the session works after and reports the reset
    as a UNIT ATTENTION at most once (RFC 7143 11.5.1; SAM-5 6.6.2)."""

    async def body() -> None:
        s = await _session(target)
        try:
            data = bytes(lun.block_size)
            cmds = [s.submit(Write10(lba=i).encode(), data_out=data, check=False)
                    for i in range(WRITES)]  # fmt: skip
            try:
                await s.lun_reset()
            except pyiscsi.TaskManagementError as exc:
                pytest.fail(f"LOGICAL UNIT RESET: expected FUNCTION COMPLETE, got {exc}",
                            pytrace=False)  # fmt: skip
            for cmd in cmds:
                try:
                    r = await cmd
                except pyiscsi.ISCSIError:
                    continue  # aborted by the reset
                if r.status == 2 and r.sense is not None and int(r.sense.key) != 0x6:
                    pytest.fail(f"WRITE during LU reset: CHECK CONDITION {r.sense}",
                                pytrace=False)  # fmt: skip
            ua = 0
            for _ in range(3):
                r = await s.execute(TestUnitReady().encode(), check=False)
                if r.status == 0:
                    break
                ua += 1
            if ua > 1 or r.status != 0:
                pytest.fail(f"TEST UNIT READY after the reset: {ua} unit attentions, "
                            f"then status {r.status:#x}", pytrace=False)  # fmt: skip
        finally:
            await s.close()

    asyncio.run(body())


def test_TargetWarmReset(sd: Device, target: TargetOptions) -> None:
    """TARGET WARM RESET answers FUNCTION COMPLETE, or FUNCTION NOT SUPPORTED, which makes
    this test SKIP and name the deviation (RFC 7143 11.5.1: TARGET WARM RESET; 11.6.1
    response 5). pyiscsi's own test: tgtd 1.0.85 answers 5."""
    from pyiscsi.conformance.device import IscsiDevice

    assert isinstance(sd, IscsiDevice)
    try:
        sd.session.target_warm_reset()
    except pyiscsi.TaskManagementError as exc:
        if exc.response == 5:
            pytest.skip("TARGET WARM RESET is not supported by the target (response 5)")
        pytest.fail(f"TARGET WARM RESET: {exc}", pytrace=False)
