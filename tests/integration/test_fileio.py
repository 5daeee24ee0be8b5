"""pyiscsi.open / pyiscsi.aopen: a LUN of tgtd as a binary file, checked against a local model of
the LUN's bytes and with the standard library's file consumers."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import shutil
import tarfile
import zipfile
from collections.abc import Iterator

import pytest
from _targets import BLOCK, INITIATOR, MiB, TargetFactory, own_daemon

import pyiscsi
from tgt import Tgtd

DISK = 2 * MiB


@pytest.fixture(scope="module")
def daemon() -> Iterator[Tgtd]:
    yield from own_daemon()


@pytest.fixture(scope="module")
def targets(daemon: Tgtd) -> TargetFactory:
    return TargetFactory(daemon)


@pytest.fixture
def url(targets: TargetFactory) -> str:
    """A fresh target (zeroed LUN 1 of DISK bytes) for each test."""
    return targets.new("fileio", size=DISK)[1]


# (offset, length): aligned, and unaligned at both edges of a block, within and across blocks
EDGE_CASES = [
    (0, BLOCK),
    (BLOCK, 3 * BLOCK),
    (BLOCK - 1, 1),
    (BLOCK - 1, 2),
    (BLOCK + 1, BLOCK - 2),
    (5 * BLOCK + 7, 1),
    (7 * BLOCK - 3, 3 * BLOCK + 6),
    (20 * BLOCK + 100, 70 * BLOCK),
    (100 * BLOCK, 2 * BLOCK + 1),
    (200 * BLOCK - 1, 2 * BLOCK + 1),
    (DISK - BLOCK - 1, BLOCK + 1),  # ends exactly at the end of the LUN
    (DISK - 1, 1),
]


def test_reads_and_writes_at_any_offset_match_a_model(url: str) -> None:
    model = bytearray(DISK)
    with pyiscsi.open(url, "r+b", initiator_name=INITIATOR) as f:
        assert (f.readable(), f.writable(), f.seekable()) == (True, True, True)
        for n, (pos, length) in enumerate(EDGE_CASES):
            data = os.urandom(length)
            assert f.seek(pos) == pos
            assert f.write(data) == length
            assert f.tell() == pos + length
            model[pos : pos + length] = data
            # the neighbours of the edge blocks are untouched, the bytes are there
            start = max(0, pos - BLOCK)
            f.seek(start)
            assert f.read(pos + length + BLOCK - start) == model[start : pos + length + BLOCK], n
        for pos, length in EDGE_CASES:  # reads at the same odd places, into a buffer
            buffer = bytearray(length)
            f.seek(pos)
            assert f.readinto(buffer) == length
            assert buffer == model[pos : pos + length]
        f.seek(0)
        assert f.readall() == model


def test_end_of_the_lun(url: str) -> None:
    with pyiscsi.open(url, "r+b", initiator_name=INITIATOR) as f:
        assert f.seek(0, os.SEEK_END) == DISK == f.size
        assert f.read() == b""
        assert f.read(10) == b""
        assert f.readinto(bytearray(10)) == 0
        f.seek(-3, os.SEEK_END)
        assert f.write(b"xyz") == 3
        f.seek(-5, os.SEEK_CUR)
        assert f.read(100) == b"\0\0xyz"  # a read across the end stops there
        f.seek(-2, os.SEEK_END)
        with pytest.raises(pyiscsi.ConfigurationError, match="runs past the end of the LUN"):
            f.write(b"abc")
        f.seek(DISK + 10)
        assert f.read(1) == b""
        with pytest.raises(pyiscsi.ConfigurationError, match="runs past the end"):
            f.write(b"a")
        with pytest.raises(pyiscsi.ConfigurationError, match="negative seek position"):
            f.seek(-1)
        with pytest.raises(io.UnsupportedOperation):
            f.truncate(0)
        with pytest.raises(pyiscsi.ConfigurationError, match="writable buffer"):
            f.readinto(b"read-only")
        with pytest.raises(pyiscsi.ConfigurationError, match="whence"):
            f.seek(0, 7)
        f.seek(-3, os.SEEK_END)
        assert f.read() == b"xyz"  # the refused writes wrote nothing


def test_read_only_refuses_writes_and_close_logs_out(url: str) -> None:
    with pyiscsi.open(url, initiator_name=INITIATOR) as f:
        assert f.mode == "rb" and not f.writable() and f.readable()
        with pytest.raises(io.UnsupportedOperation, match="not open for writing"):
            f.write(b"x")
        with pytest.raises(pyiscsi.ISCSIError):
            f.write(b"x")
        assert "password" not in f.name and f.name.endswith("/1")
    assert f.closed
    assert f.aio.session.state == "closed"  # logged out
    with pytest.raises(pyiscsi.ConfigurationError, match="mode must be"):
        pyiscsi.open(url, "r")
    with pytest.raises(pyiscsi.ConfigurationError, match="mode must be"):
        pyiscsi.open(url, "ab")
    with pyiscsi.open(url, "wb", initiator_name=INITIATOR) as w:
        assert w.writable() and not w.readable()
        with pytest.raises(io.UnsupportedOperation, match="not open for reading"):
            w.read(1)


def test_flush_sends_synchronize_cache(url: str) -> None:
    with pyiscsi.open(url, "r+b", initiator_name=INITIATOR) as f:
        calls: list[int | None] = []
        sync_cache = f.aio.session.synchronize_cache

        async def counting(*args: object, lun: int | None = None, **kwargs: object) -> None:
            calls.append(lun)
            await sync_cache(lun=lun)

        f.aio.session.synchronize_cache = counting  # type: ignore[method-assign]
        f.write(b"data")
        f.flush()
        assert len(calls) == 1
    assert len(calls) == 2  # close flushes too


def test_copyfileobj_of_the_whole_lun_and_back(url: str) -> None:
    content = os.urandom(DISK)
    source = io.BytesIO(content)
    with pyiscsi.open(url, "wb", initiator_name=INITIATOR) as f:
        shutil.copyfileobj(source, f)
        assert f.tell() == DISK
    with pyiscsi.open(url, initiator_name=INITIATOR) as f:
        assert hashlib.file_digest(f, "sha256").digest() == hashlib.sha256(content).digest()
        f.seek(0)
        copy = io.BytesIO()
        shutil.copyfileobj(f, copy)
        assert hashlib.sha256(copy.getvalue()).digest() == hashlib.sha256(content).digest()
        f.seek(BLOCK + 3)
        buffered = io.BufferedReader(f, buffer_size=4096)
        assert buffered.read(10) == content[BLOCK + 3 : BLOCK + 13]
        assert buffered.peek(1)[:1] == content[BLOCK + 13 : BLOCK + 14]


def test_tarfile_and_zipfile_on_a_lun(url: str) -> None:
    members = {"a.txt": b"hello\n", "b.bin": os.urandom(3 * BLOCK + 17)}
    with (
        pyiscsi.open(url, "r+b", initiator_name=INITIATOR) as f,
        tarfile.open(fileobj=f, mode="w") as tar,
    ):
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pyiscsi.open(url, initiator_name=INITIATOR) as f, tarfile.open(fileobj=f) as tar:
        assert sorted(tar.getnames()) == sorted(members)
        for name, data in members.items():
            extracted = tar.extractfile(name)
            assert extracted is not None and extracted.read() == data
    # a zip written through the file object, read back from its bytes
    with pyiscsi.open(url, "r+b", initiator_name=INITIATOR) as f:
        with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in members.items():
                z.writestr(name, data)
        end = f.tell()
        f.seek(0)
        written = f.read(end)
    with zipfile.ZipFile(io.BytesIO(written)) as z:
        assert {n: z.read(n) for n in z.namelist()} == members
    # a zip at the end of the LUN, read through the file object (SEEK_END finds its directory)
    with pyiscsi.open(url, "r+b", initiator_name=INITIATOR) as f:
        f.seek(-len(written), os.SEEK_END)
        f.write(written)
        with zipfile.ZipFile(f) as z:
            assert {n: z.read(n) for n in z.namelist()} == members


def test_async_file_object(url: str) -> None:
    async def main() -> None:
        async with pyiscsi.aopen(url, "r+b", initiator_name=INITIATOR) as f:
            assert f.seek(0, os.SEEK_END) == DISK
            f.seek(BLOCK - 2)
            assert await f.write(b"abcd") == 4
            f.seek(BLOCK - 4)
            assert await f.read(8) == b"\0\0abcd\0\0"
            with pytest.raises(pyiscsi.UnsupportedOperation):
                f.truncate()
        assert f.closed
        f2 = await pyiscsi.aopen(url, initiator_name=INITIATOR)
        try:
            f2.seek(BLOCK)
            assert await f2.read(2) == b"cd"
            with pytest.raises(io.UnsupportedOperation):
                await f2.write(b"x")
        finally:
            await f2.close()
        async with pyiscsi.connect(url, initiator_name=INITIATOR) as s:
            f3 = await pyiscsi.AsyncLunFile.from_session(s, "rb")
            assert f3.size == DISK
            assert len(await f3.readall()) == DISK
            await f3.close()
            await s.test_unit_ready()  # the session is the caller's: still logged in

    asyncio.run(main())
