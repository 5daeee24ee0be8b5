"""Each program of examples/ runs against tgtd and does what it says."""

from __future__ import annotations

import hashlib
import lzma
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _targets import MiB, own_daemon

import pyiscsi.sync
from tgt import Tgtd

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
IQN = "iqn.2024-01.org.pyiscsi:examples"
SIZE = 4 * MiB


@pytest.fixture(scope="module")
def daemon() -> Iterator[Tgtd]:
    for d in own_daemon():
        d.add_target(1, IQN, {1: SIZE, 2: SIZE})
        yield d


def run(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def fill(url: str) -> bytes:
    data = os.urandom(SIZE)
    with pyiscsi.sync.connect(url) as s:
        s.write(0, data)
    return data


def test_async_client(daemon: Tgtd) -> None:
    out = run(str(EXAMPLES / "async_client.py"), daemon.portal_url())
    assert f"target {IQN}" in out
    assert "vendor IET" in out
    assert f"capacity {SIZE // 512} blocks of 512 bytes" in out
    assert "read 262144 bytes in 64 concurrent READs" in out
    assert "abort task:" in out
    assert "the READ completed: 0" in out or "the READ was aborted" in out


def test_sync_client(daemon: Tgtd) -> None:
    out = run(str(EXAMPLES / "sync_client.py"), daemon.url(IQN, 1))
    assert f"blocks {SIZE // 512} of 512" in out
    assert f"wrote and read back 2048 bytes at lba {SIZE // 512 - 4}" in out


def test_threaded_reader(daemon: Tgtd) -> None:
    data = fill(daemon.url(IQN, 1))
    out = run(str(EXAMPLES / "threaded_reader.py"), daemon.url(IQN, 1), "3")
    assert out.split() == [hashlib.sha256(data).hexdigest(), str(SIZE)]


def test_lun_copy(daemon: Tgtd) -> None:
    data = fill(daemon.url(IQN, 1))
    out = run(str(EXAMPLES / "lun_copy.py"), daemon.url(IQN, 1), daemon.url(IQN, 2))
    assert out.strip() == f"copied {SIZE} bytes"
    with pyiscsi.sync.connect(daemon.url(IQN, 2)) as s:
        assert s.read() == data


def test_lun_backup_and_restore(daemon: Tgtd, tmp_path: Path) -> None:
    data = fill(daemon.url(IQN, 1))
    image = tmp_path / "lun.img.xz"
    out = run(str(EXAMPLES / "lun_backup.py"), "backup", daemon.url(IQN, 1), str(image))
    assert out.strip() == hashlib.sha256(data).hexdigest()
    assert lzma.decompress(image.read_bytes()) == data
    out = run(str(EXAMPLES / "lun_backup.py"), "restore", daemon.url(IQN, 2), str(image))
    assert out.strip() == hashlib.sha256(data).hexdigest()
    with pyiscsi.sync.connect(daemon.url(IQN, 2)) as s:
        assert s.read() == data
