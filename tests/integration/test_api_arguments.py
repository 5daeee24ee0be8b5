"""The Python API as a user meets it, against tgtd: bad arguments are ConfigurationErrors raised
before anything is sent, ``read(into=)`` fills and returns the caller's buffer, big transfers are
split into pieces kept in flight, the sizes are plain ints, and the blocking Session has the
asyncio one's methods."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest
from _targets import BLOCK, INITIATOR, MiB, TargetFactory, own_daemon, run_async

import pyiscsi
import pyiscsi.sync
from pyiscsi.aio import commands
from tgt import Tgtd

DISK = 16 * MiB
BLOCKS = DISK // BLOCK


@pytest.fixture(scope="module")
def daemon() -> Iterator[Tgtd]:
    yield from own_daemon()


@pytest.fixture(scope="module")
def url(daemon: Tgtd) -> str:
    return TargetFactory(daemon).new("api", size=DISK)[1]


def count_submits(s: pyiscsi.Session) -> list[bytes]:
    """From now on, record the CDB of every command the session sends."""
    cdbs: list[bytes] = []
    submit = s.submit

    def recording(cdb: bytes, **kwargs: object) -> pyiscsi.Command:
        command = submit(cdb, **kwargs)  # type: ignore[arg-type]
        cdbs.append(bytes(cdb))  # only what was accepted and sent
        return command

    s.submit = recording  # type: ignore[method-assign]
    return cdbs


BAD_READS: list[tuple[tuple[int, int], str]] = [
    ((-1, 1), r"lba must be an integer 0\.\.2\*\*64-1, not -1"),
    ((2**64, 1), r"lba must be an integer 0\.\.2\*\*64-1"),
    ((0, -1), r"blocks must be an integer >= 0, not -1"),
    ((0, 2**32), rf"blocks must be 0\.\.{BLOCKS} at lba 0 .*not 4294967296"),
    ((0, 2**31), rf"blocks must be 0\.\.{BLOCKS} at lba 0 .*not 2147483648"),
    ((BLOCKS - 1, 2), rf"blocks must be 0\.\.1 at lba {BLOCKS - 1}"),
    ((BLOCKS + 1, 0), rf"lba {BLOCKS + 1} is past the end of the LUN"),
]


@pytest.mark.parametrize(("args", "message"), BAD_READS)
@run_async
async def test_bad_read_arguments_raise_before_sending(
    url: str, args: tuple[int, int], message: str
) -> None:
    async with pyiscsi.connect(url, initiator_name=INITIATOR) as s:
        await s.block_size()
        cdbs = count_submits(s)
        with pytest.raises(pyiscsi.ConfigurationError, match=message):
            await s.read(*args)
        assert cdbs == []


@run_async
async def test_bad_write_arguments_raise_before_sending(url: str) -> None:
    async with pyiscsi.connect(url, initiator_name=INITIATOR) as s:
        await s.block_size()
        cdbs = count_submits(s)
        with pytest.raises(pyiscsi.ConfigurationError, match="lba must be an integer"):
            await s.write(-1, bytes(BLOCK))
        with pytest.raises(pyiscsi.ConfigurationError, match=rf"0\.\.1 at lba {BLOCKS - 1}"):
            await s.write(BLOCKS - 1, bytes(2 * BLOCK))
        with pytest.raises(pyiscsi.ConfigurationError, match="not a multiple of 512"):
            await s.write(0, bytes(100))
        with pytest.raises(pyiscsi.ConfigurationError, match="data must be a contiguous"):
            await s.write(0, "text")  # type: ignore[arg-type]
        with pytest.raises(pyiscsi.ConfigurationError, match=r"lun must be an integer 0\.\.16383"):
            await s.read(0, 1, lun=99999)
        with pytest.raises(pyiscsi.ConfigurationError, match=r"data_in length must be 0\.\.2"):
            await s.execute(bytes(16), data_in=2**32)
        with pytest.raises(pyiscsi.ConfigurationError, match="timeout must be positive"):
            await s.execute(bytes(6), timeout="5")  # type: ignore[arg-type]
        with pytest.raises(pyiscsi.ConfigurationError, match="cdb must be bytes"):
            await s.execute("x")  # type: ignore[arg-type]
        assert cdbs == []


@run_async
async def test_bad_arguments_of_other_helpers_are_configuration_errors(url: str) -> None:
    async with pyiscsi.connect(url, initiator_name=INITIATOR) as s:
        await s.block_size()
        cdbs = count_submits(s)
        with pytest.raises(pyiscsi.ConfigurationError, match="lba"):
            await s.verify(-1, 1)
        with pytest.raises(pyiscsi.ConfigurationError, match="lba"):
            await s.write_same(2**64, 1)
        with pytest.raises(pyiscsi.ConfigurationError, match="unmap_logical_block_address"):
            await s.unmap([(-1, 2)])
        with pytest.raises(pyiscsi.ConfigurationError, match="reservation_key"):
            await s.pr_register(2**65)
        with pytest.raises(pyiscsi.ConfigurationError, match="allocation_length"):
            await s.inquiry(allocation_length=70000)
        with pytest.raises(pyiscsi.ConfigurationError, match="attribute must be"):
            await s.execute(bytes(6), attribute=99)  # type: ignore[arg-type]
        with pytest.raises(pyiscsi.ConfigurationError, match="lun must be"):
            await s.max_transfer_blocks(lun=-2)
        with pytest.raises(pyiscsi.ConfigurationError, match="data must be a contiguous"):
            await s.ping("text")  # type: ignore[arg-type]
        with pytest.raises(pyiscsi.ConfigurationError, match="pairs must be"):
            await s.text([("key",)])  # type: ignore[list-item]
        assert cdbs == []
        assert await s.ping(b"still fine") == b"still fine"


@run_async
async def test_read_into_wrong_size_is_an_error_and_right_size_returns_the_buffer(url: str) -> None:
    data = os.urandom(4 * BLOCK)
    async with pyiscsi.connect(url, initiator_name=INITIATOR) as s:
        await s.write(100, data)
        cdbs = count_submits(s)
        with pytest.raises(pyiscsi.ConfigurationError, match="into holds 512 bytes; 2 blocks"):
            await s.read(100, 2, into=bytearray(BLOCK))
        with pytest.raises(pyiscsi.ConfigurationError, match="into must be writable"):
            await s.read(100, 1, into=memoryview(bytes(BLOCK)))
        assert cdbs == []
        exact = bytearray(2 * BLOCK)
        assert await s.read(100, 2, into=exact) is exact
        assert exact == data[: 2 * BLOCK]
        larger = bytearray(3 * BLOCK)
        got = await s.read(101, 2, into=larger)
        assert got is larger  # the caller's memory, not a copy
        assert larger == data[BLOCK : 3 * BLOCK] + bytes(BLOCK)
        view = memoryview(bytearray(8 * BLOCK))[BLOCK : 5 * BLOCK]
        assert await s.read(100, 4, into=view) is view
        assert view == data
        plain = await s.read(100, 4)
        assert type(plain) is bytes and plain == data


@run_async
async def test_sizes_are_plain_ints(url: str) -> None:
    async with pyiscsi.connect(url, initiator_name=INITIATOR) as s:
        cap = await s.read_capacity16()
        blocks = cap.returned_logical_block_address + 1
        assert type(blocks) is int and blocks == BLOCKS
        assert type(cap.logical_block_length) is int and cap.logical_block_length == BLOCK
        assert await s.num_blocks() == BLOCKS
        assert await s.size_bytes() == DISK
        assert await s.max_transfer_blocks() >= 1


@run_async
async def test_big_transfers_are_split_and_kept_in_flight(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(commands, "PIECE_BYTES", 64 * 1024)  # 128-block pieces
    data = os.urandom(2 * MiB + 3 * BLOCK)  # 32 pieces and a short one
    async with pyiscsi.connect(url, initiator_name=INITIATOR) as s:
        most = outstanding = 0
        execute = s.execute

        async def counting(*args: object, **kwargs: object) -> pyiscsi.ScsiResult:
            nonlocal most, outstanding
            outstanding += 1
            most = max(most, outstanding)
            try:
                return await execute(*args, **kwargs)  # type: ignore[arg-type]
            finally:
                outstanding -= 1

        s.execute = counting  # type: ignore[method-assign]
        seen: list[tuple[int, int]] = []
        await s.write(1000, data, progress=lambda done, total: seen.append((done, total)))
        assert len(seen) == 33 and seen[-1] == (len(data), len(data))
        assert [d for d, _ in seen] == sorted(d for d, _ in seen)
        assert most == commands.IN_FLIGHT  # pieces overlapped
        most = 0
        back = await s.read(1000, len(data) // BLOCK)
        assert back == data
        assert most == commands.IN_FLIGHT


@run_async
async def test_transfers_respect_the_targets_maximum(url: str) -> None:
    data = os.urandom(1000 * BLOCK)
    async with pyiscsi.connect(url, initiator_name=INITIATOR) as s:
        assert await s.max_transfer_blocks() == 2**32 - 1  # tgtd announces no maximum
        s._transfer_limits[s.lun] = 100  # as a target whose Block Limits say 100 blocks
        await s.num_blocks()
        cdbs = count_submits(s)
        await s.write(3000, data)
        assert await s.read(3000, 1000) == data
        lengths = [int.from_bytes(cdb[10:14], "big") for cdb in cdbs]
        assert lengths == [100] * 10 + [100] * 10  # ten WRITEs, then ten READs
        assert [cdb[0] for cdb in cdbs] == [0x8A] * 10 + [0x88] * 10


@run_async
async def test_whole_lun_read_and_write(url: str) -> None:
    data = os.urandom(DISK)
    async with pyiscsi.connect(url, initiator_name=INITIATOR) as s:
        await s.write(0, data)
        assert await s.read() == data
        assert await s.read(BLOCKS - 2) == data[-2 * BLOCK :]
        assert await s.read(BLOCKS, 0) == b""


def test_url_with_an_unaddressable_lun_is_a_url_error(daemon: Tgtd) -> None:
    bad = daemon.url("iqn.2024-01.org.pyiscsi:api-1", 99999)
    with pytest.raises(pyiscsi.URLError, match=r"LUN 99999 is out of range 0\.\.16383"):
        pyiscsi.connect(bad)
    with pytest.raises(pyiscsi.ConfigurationError, match=r"lun must be an integer 0\.\.16383"):
        pyiscsi.sync.connect(daemon.url("iqn.2024-01.org.pyiscsi:api-1", 1), lun=16384)


def test_sync_session_has_every_async_method_and_attribute(url: str) -> None:
    with pyiscsi.sync.connect(url, initiator_name=INITIATOR) as s:
        async_names = {n for n in dir(s.aio) if not n.startswith("_")}
        sync_names = {n for n in dir(s) if not n.startswith("_")}
        assert async_names - sync_names == set()
        assert s.reconnects == 0
        assert s.tsih == s.aio.tsih != 0
        assert s.state == s.aio.state
        command = s.submit(bytes(6))  # TEST UNIT READY
        assert command.result().status == 0
        with pytest.raises(pyiscsi.TaskManagementError, match="task does not exist"):
            s.abort_task(command)  # sent, and answered: it is done
        data = os.urandom(BLOCK)
        s.write(7, data)
        assert s.read(7, 1) == data
        buffer = bytearray(BLOCK)
        assert s.read(7, 1, into=buffer) is buffer


def test_the_sync_loop_is_not_blocked_by_a_split_read(url: str) -> None:
    with pyiscsi.sync.connect(url, initiator_name=INITIATOR) as s:
        total = s.size_bytes()
        calls: list[int] = []
        data = s.read(progress=lambda done, _: calls.append(done))
        assert len(data) == total and calls[-1] == total


def test_asyncio_loop_runs_the_ping_during_a_read(url: str) -> None:
    async def main() -> None:
        async with pyiscsi.connect(url, initiator_name=INITIATOR) as s:
            reads = asyncio.ensure_future(s.read())
            assert await s.ping(b"x") == b"x"
            assert len(await reads) == DISK

    asyncio.run(main())
