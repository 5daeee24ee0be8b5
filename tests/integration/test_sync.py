"""The blocking API (pyiscsi.sync) against a real tgtd, one Session shared by many threads."""

from __future__ import annotations

import struct
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from _targets import (
    BLOCK,
    INITIATOR,
    MiB,
    TargetFactory,
    own_daemon,
    pattern,
    read16,
    read_capacity16,
    test_unit_ready,
    write16,
)

import pyiscsi
import pyiscsi.sync
from faultproxy import DOWN, UP, FaultProxy, Opcode
from tgt import Tgtd

DISK = 32 * MiB
THREADS = 8
COMMANDS = 20  # per thread
BLOCKS = 24  # 12 KiB a command: more than tgtd's 8 KiB segments


@pytest.fixture(scope="module")
def daemon() -> Iterator[Tgtd]:
    yield from own_daemon()


@pytest.fixture(scope="module")
def target(daemon: Tgtd) -> tuple[Tgtd, int, str]:
    tid, url = TargetFactory(daemon).new("sync", size=DISK)
    return daemon, tid, url


def test_sync_session_many_threads(target: tuple[Tgtd, int, str]) -> None:
    daemon, tid, url = target
    barrier = threading.Barrier(THREADS)

    def lba(thread: int, n: int) -> int:
        return (thread * COMMANDS + n) * BLOCKS

    with pyiscsi.sync.connect(url, initiator_name=INITIATOR) as s:

        def work(thread: int) -> list[bytes]:
            barrier.wait()  # all threads start together
            written = []
            for n in range(COMMANDS // 2):  # 10 writes and 10 reads back
                data = pattern(f"sync-{thread}-{n}", BLOCKS * BLOCK)
                assert s.execute(write16(lba(thread, n), BLOCKS), data_out=data).status == 0
                back = s.execute(read16(lba(thread, n), BLOCKS), data_in=BLOCKS * BLOCK)
                assert bytes(back.data) == data, (thread, n)
                written.append(data)
            return written

        with ThreadPoolExecutor(THREADS) as pool:
            results = list(pool.map(work, range(THREADS)))
        assert sum(len(r) for r in results) == THREADS * COMMANDS // 2
        # everything again, from this thread, after all threads are done
        for thread, written in enumerate(results):
            for n, data in enumerate(written):
                back = s.execute(read16(lba(thread, n), BLOCKS), data_in=BLOCKS * BLOCK)
                assert bytes(back.data) == data
    with daemon.backing_file(tid, 1).open("rb") as f:
        for thread, written in enumerate(results):
            for n, data in enumerate(written):
                f.seek(lba(thread, n) * BLOCK)
                assert f.read(BLOCKS * BLOCK) == data


def test_sync_read_into_caller_buffer(target: tuple[Tgtd, int, str]) -> None:
    _, _, url = target
    data = pattern("sync-buffer", 8 * BLOCK)
    buffer = bytearray(8 * BLOCK)
    with pyiscsi.sync.connect(url, initiator_name=INITIATOR) as s:
        s.execute(write16(5000, 8), data_out=data)
        result = s.execute(read16(5000, 8), data_in=buffer)
    assert buffer == data
    assert bytes(result.data) == data


def test_sync_check_condition_and_capacity(target: tuple[Tgtd, int, str]) -> None:
    _, _, url = target
    with pyiscsi.sync.connect(url) as s:
        capacity = s.execute(read_capacity16(), data_in=32)
        last_lba, block_length = struct.unpack_from(">QI", bytes(capacity.data))
        assert (last_lba + 1) * block_length == DISK
        assert block_length == BLOCK
        with pytest.raises(pyiscsi.CheckConditionError) as info:
            s.execute(read16(last_lba + 1, 1), data_in=BLOCK)
        sense = info.value.sense
        assert sense is not None
        assert (int(sense.key), sense.asc, sense.ascq) == (0x5, 0x21, 0x00)  # LBA out of range
        unchecked = s.execute(read16(last_lba + 1, 1), data_in=BLOCK, check=False)
        assert unchecked.status == 0x02
        assert unchecked.sense is not None
        assert s.execute(test_unit_ready()).status == 0


def test_sync_ping_and_task_management(target: tuple[Tgtd, int, str]) -> None:
    _, _, url = target
    with pyiscsi.sync.connect(url) as s:
        assert s.ping(b"sync ping") == b"sync ping"
        s.abort_task_set()
        s.lun_reset()
        with pytest.raises(pyiscsi.CheckConditionError):  # the reset's UNIT ATTENTION
            s.execute(test_unit_ready())
        assert s.execute(test_unit_ready()).status == 0
        assert s.parameters["HeaderDigest"] == "None"


def test_sync_close_logs_out(target: tuple[Tgtd, int, str]) -> None:
    daemon, tid, url = target
    with FaultProxy(daemon.host, daemon.port) as proxy:
        s = pyiscsi.sync.connect(url.replace(daemon.portal, f"127.0.0.1:{proxy.port}"))
        with s:
            assert s.execute(test_unit_ready()).status == 0
            assert not proxy.seen(Opcode.LOGOUT_REQUEST)
        # one Logout Request (reason 0: close the session), answered "closed successfully"
        (request,) = proxy.seen(Opcode.LOGOUT_REQUEST, UP)
        assert request.bhs[1] & 0x7F == 0
        (response,) = proxy.seen(Opcode.LOGOUT_RESPONSE, DOWN)
        assert response.itt == request.itt and response.bhs[2] == 0
        # and tgtd lets the connection go (a bounded number of tgtadm calls, no waiting on time)
        assert any(not daemon.connections(tid) for _ in range(200))
        with pytest.raises(pyiscsi.ISCSIConnectionError):
            s.execute(test_unit_ready())
        s.close()  # a second close is harmless: no second Logout
        assert len(proxy.seen(Opcode.LOGOUT_REQUEST)) == 1


def test_sync_login_errors(target: tuple[Tgtd, int, str]) -> None:
    daemon, _, _ = target
    with pytest.raises(pyiscsi.TargetNotFoundError):
        pyiscsi.sync.connect(daemon.url("iqn.2024-01.org.pyiscsi:missing", 1))
    with pytest.raises(pyiscsi.URLError):
        pyiscsi.sync.connect("iscsi://127.0.0.1/no-lun")
