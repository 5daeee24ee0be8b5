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


def _simple_tmf(sd: Device, name: str, what: str, *ok: int) -> None:
    from pyiscsi.conformance.device import IscsiDevice

    assert isinstance(sd, IscsiDevice)
    try:
        getattr(sd.session, name)()
    except pyiscsi.TaskManagementError as exc:
        if exc.response == 5:
            pytest.skip(f"{what} is not supported by the target (response 5)")
        if exc.response not in ok:
            pytest.fail(f"{what}: {exc}", pytrace=False)
    r = sd.run(TestUnitReady().encode())
    if r.status not in (0, 2):
        pytest.fail(f"TEST UNIT READY after {what}: status {r.status:#x}", pytrace=False)


def test_AbortTaskSet(sd: Device) -> None:
    """ABORT TASK SET with nothing in flight answers FUNCTION COMPLETE and the session goes
    on (RFC 7143 11.5.1; SAM-5 7.3). pyiscsi's own test."""
    _simple_tmf(sd, "abort_task_set", "ABORT TASK SET")


def test_ClearTaskSet(sd: Device) -> None:
    """CLEAR TASK SET answers FUNCTION COMPLETE, or not supported (SKIP) (RFC 7143 11.5.1;
    SAM-5 7.5). pyiscsi's own test."""
    _simple_tmf(sd, "clear_task_set", "CLEAR TASK SET")


def test_ClearACA(sd: Device) -> None:
    """CLEAR ACA with no ACA condition answers FUNCTION COMPLETE or not supported (SKIP)
    (RFC 7143 11.5.1; SAM-5 7.4). pyiscsi's own test."""
    _simple_tmf(sd, "clear_aca", "CLEAR ACA")


def test_TargetColdReset(sd: Device) -> None:
    """TARGET COLD RESET answers FUNCTION COMPLETE (the target then drops every connection)
    or not supported (SKIP) (RFC 7143 11.5.1: "the target ... MUST ... terminate all of its
    TCP connections to all initiators"). pyiscsi's own test."""
    from pyiscsi.conformance.device import IscsiDevice

    assert isinstance(sd, IscsiDevice)
    try:
        sd.session.target_cold_reset()
    except pyiscsi.TaskManagementError as exc:
        if exc.response == 5:
            pytest.skip("TARGET COLD RESET is not supported by the target (response 5)")
        pytest.fail(f"TARGET COLD RESET: {exc}", pytrace=False)
    except pyiscsi.ISCSIConnectionError:
        pass  # the connection went away with the reset, as it may
