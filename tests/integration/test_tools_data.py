"""iscsi-dd, iscsi-md5sum, iscsi-discard, iscsi-swp, iscsi-pr and iscsi-rtpg against tgtd.

Every tool runs as its own process (``python -m pyiscsi <tool>``); data is checked by
checksum against the bytes written. One module-scoped tgtd: target 1 with LUN 1 and 2
(8 MiB, thick) and LUN 3 (8 MiB, thin provisioned, for UNMAP and GET LBA STATUS).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for tgt
import pyiscsi.sync
from pyiscsi.__main__ import main as pyiscsi_main
from tgt import Tgtd

pytestmark = pytest.mark.integration

TARGET = "iqn.2024-01.org.pyiscsi:tools-data"
SIZE = 8 << 20
BLOCK = 512
RUN_TIMEOUT = 60


@pytest.fixture(scope="module")
def tgtd_data() -> Iterator[Tgtd]:
    """tgtd with LUN 1, 2 (thick) and 3 (thin provisioned) of 8 MiB."""
    with Tgtd() as t:
        t.add_target(1, TARGET, {1: SIZE, 2: SIZE, 3: SIZE})
        t.adm("update", "logicalunit", tid=1, lun=3, params="thin_provisioning=1")
        yield t


def tool(name: str, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m pyiscsi <name> args``: as a process when it reads stdin or writes data
    to stdout, else in this process (the same entry point, without the interpreter's start).
    """
    if stdin is not None or "-" in args:
        return subprocess.run(
            [sys.executable, "-m", "pyiscsi", name, *args],
            input=stdin,
            capture_output=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = pyiscsi_main([name, *args])
    return subprocess.CompletedProcess(
        [name, *args], status, out.getvalue().encode(), err.getvalue().encode()
    )


def ok(name: str, *args: str, stdin: bytes | None = None) -> str:
    """Run a tool that must succeed; its stdout as text."""
    done = tool(name, *args, stdin=stdin)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()


def fail(name: str, *args: str, stdin: bytes | None = None) -> str:
    """Run a tool that must fail with one line on stderr; that line."""
    done = tool(name, *args, stdin=stdin)
    err = done.stderr.decode()
    assert done.returncode == 10, (done.returncode, err)
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"iscsi-{name.removeprefix('iscsi-')}: "), err
    assert "Traceback" not in err
    return lines[0]


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def md5sum_of_file(path: Path) -> str:
    """md5sum(1) of a file: the reference digest."""
    out = subprocess.run(["md5sum", str(path)], capture_output=True, check=True, text=True)
    return out.stdout.split()[0]


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.bin"
    path.write_bytes(os.urandom(SIZE))
    return path


def test_dd_file_to_lun_to_lun_to_file(tgtd_data: Tgtd, data_file: Path, tmp_path: Path) -> None:
    lun1, lun2 = tgtd_data.url(TARGET, 1), tgtd_data.url(TARGET, 2)
    out = ok("dd", "--src", str(data_file), "--dst", lun1)
    assert out.startswith(f"{SIZE // BLOCK} blocks ({BLOCK} sized) copied in ")
    reference = md5sum_of_file(data_file)
    assert ok("md5sum", lun1).strip() == reference
    ok("dd", "-s", lun1, "--dst", lun2, "--16", "--max", "16", "--blocks", "64")
    assert ok("md5sum", lun2, "-m", "4").strip() == reference
    copy = tmp_path / "copy.bin"
    copy.write_bytes(b"x" * (SIZE + 12345))  # longer: cut to what was copied
    ok("dd", "-s", lun2, "--dst", str(copy))
    assert md5sum_of_file(copy) == reference


def test_dd_stdin_to_lun_and_lun_to_stdout(tgtd_data: Tgtd) -> None:
    lun = tgtd_data.url(TARGET, 1)
    data = os.urandom(300 * BLOCK)
    done = tool("dd", "-s", "-", "--dst", lun, stdin=data)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().startswith("300 blocks (512 sized) copied")
    back = tool("dd", "-s", lun, "--dst", "-", "--count", "300")
    assert back.returncode == 0, back.stderr
    assert back.stdout == data
    assert back.stderr.decode().startswith("300 blocks (512 sized) copied")  # summary on stderr
    assert ok("md5sum", "-o", "0", "-l", str(len(data)), lun).strip() == md5(data)


def test_dd_partial_block_from_stdin_is_padded_with_a_note(tgtd_data: Tgtd) -> None:
    lun = tgtd_data.url(TARGET, 1)
    data = os.urandom(1000)
    done = tool("dd", "-s", "-", "--dst", lun, stdin=data)
    assert done.returncode == 0
    assert "padded with zeroes" in done.stderr.decode()
    assert ok("md5sum", "-l", "1024", lun).strip() == md5(data + bytes(24))


def test_dd_past_end_of_lun_fails_before_writing(tgtd_data: Tgtd, tmp_path: Path) -> None:
    lun = tgtd_data.url(TARGET, 2)
    before = ok("md5sum", lun)
    big = tmp_path / "big.bin"
    big.write_bytes(b"\xff" * (SIZE + BLOCK))
    line = fail("dd", "-s", str(big), "--dst", lun)
    assert "bigger than destination" in line and "nothing copied" in line
    assert ok("md5sum", lun) == before


def test_dd_source_shorter_than_asked(tgtd_data: Tgtd) -> None:
    line = fail(
        "dd", "-s", "-", "--dst", tgtd_data.url(TARGET, 1), "--count", "10", stdin=bytes(3 * BLOCK)
    )
    assert "stdin ended after 1536 bytes, 5120 expected" in line
    line = fail("dd", "-s", tgtd_data.url(TARGET, 1), "--dst", "-", "--count", "999999")
    assert "only 16384 blocks, 999999 asked for" in line


def test_dd_json_and_xcopy_refused_by_tgtd(tgtd_data: Tgtd, tmp_path: Path) -> None:
    lun1, lun2 = tgtd_data.url(TARGET, 1), tgtd_data.url(TARGET, 2)
    doc = json.loads(ok("dd", "-s", lun1, "--dst", str(tmp_path / "x"), "--count", "8", "--json"))
    assert doc["blocks"] == 8 and doc["bytes"] == 8 * BLOCK and doc["block_size"] == BLOCK
    line = fail("dd", "-s", lun1, "--dst", lun2, "--xcopy")
    assert "EXTENDED COPY" in line
    done = tool("dd", "-s", lun1, "--dst", "-", "--json")
    assert done.returncode == 2 and done.stdout == b""


def test_md5sum_range_and_json(tgtd_data: Tgtd) -> None:
    lun = tgtd_data.url(TARGET, 1)
    with pyiscsi.sync.connect(lun) as s:
        s.write(16, b"\x5a" * (32 * BLOCK))
    expected = md5(b"\x5a" * (32 * BLOCK))
    assert ok("md5sum", "-o", str(16 * BLOCK), "-l", str(32 * BLOCK), lun).strip() == expected
    doc = json.loads(ok("md5sum", "-o", str(16 * BLOCK), "-l", str(32 * BLOCK), "--json", lun))
    assert doc == {"md5": expected, "offset": 8192, "length": 16384, "block_size": BLOCK}
    assert "not a multiple of the block size" in fail("md5sum", "-o", "100", lun)


def test_discard_then_get_lba_status(tgtd_data: Tgtd) -> None:
    lun = tgtd_data.url(TARGET, 3)
    ok("dd", "-s", "-", "--dst", lun, stdin=b"\x11" * SIZE)
    ok("discard", "-o", str(2048 * BLOCK), "-l", str(1024 * BLOCK), lun)
    with pyiscsi.sync.connect(lun) as s:
        status = s.get_lba_status(2048)
        assert s.read(2048, 1) == bytes(BLOCK)
        assert s.read(3072, 1) == b"\x11" * BLOCK
    first = status.descriptors[0]
    assert (first.lba_status_logical_block_address, first.number_of_logical_blocks) == (2048, 1024)
    assert first.provisioning_status == 1  # deallocated
    doc = json.loads(ok("discard", "-o", "0", "-l", str(8 * BLOCK), "--json", lun))
    assert doc["operation"] == "unmap" and doc["blocks"] == 8 and doc["lba"] == 0
    line = fail("discard", "-a", "-o", "0", "-l", str(8 * BLOCK), lun)
    assert "does not support anchored blocks" in line  # tgtd: ANC_SUP 0


def test_discard_zeroout_and_unsupported_unmap(tgtd_data: Tgtd) -> None:
    lun = tgtd_data.url(TARGET, 1)
    with pyiscsi.sync.connect(lun) as s:
        s.write(100, b"\x77" * (4 * BLOCK))
    ok("discard", "-z", "-o", str(100 * BLOCK), "-l", str(2 * BLOCK), lun)
    with pyiscsi.sync.connect(lun) as s:
        assert s.read(100, 3) == bytes(2 * BLOCK) + b"\x77" * BLOCK
    assert "does not support UNMAP" in fail("discard", lun)


def test_swp_on_write_refused_off(tgtd_data: Tgtd) -> None:
    lun = tgtd_data.url(TARGET, 2)
    assert ok("swp", lun) == "SWP:0\n"
    try:
        assert ok("swp", "-s", "on", lun) == "SWP:0\nTurning SWP ON\n"
        assert json.loads(ok("swp", "--json", lun)) == {"swp": True}
        line = fail("dd", "-s", "-", "--dst", lun, stdin=bytes(BLOCK))
        assert "the LUN is write protected" in line
    finally:
        assert ok("swp", "-s", "OFF", lun) == "SWP:1\nTurning SWP OFF\n"
    ok("dd", "-s", "-", "--dst", lun, stdin=bytes(BLOCK))
    done = tool("swp", "-s", "maybe", lun)
    assert done.returncode == 2 and b"on or off" in done.stderr


def test_swp_output_matches_libiscsi(tgtd_data: Tgtd) -> None:
    lun = tgtd_data.url(TARGET, 2)
    theirs = subprocess.run(["/usr/bin/iscsi-swp", lun], capture_output=True, check=True)
    assert ok("swp", lun).encode() == theirs.stdout


def test_pr_two_initiators(tgtd_data: Tgtd) -> None:
    lun = tgtd_data.url(TARGET, 1)
    a, b = "iqn.2024-01.org.pyiscsi:pr-a", "iqn.2024-01.org.pyiscsi:pr-b"
    try:
        ok("pr", "-i", a, "-R", "-S", "0xabc", "-T", "5", lun)
        keys = ok("pr", "-i", b, "-k", lun).splitlines()
        assert keys[0].endswith("1 registered reservation keys follow:")
        assert keys[1:] == ["    0xabc"]
        assert ok("pr", "-i", b, "-r", lun).splitlines()[1:] == [
            "    Key=0xabc",
            "    scope: LU_SCOPE,  type: Write Exclusive, Registrants Only",
        ]
        doc = json.loads(ok("pr", "-i", b, "-r", "--json", lun))
        assert doc["reservation"] == {
            "key": 0xABC,
            "scope": 0,
            "type": 5,
            "type_name": "Write Exclusive, Registrants Only",
        }
        assert "RESERVATION CONFLICT" in fail(
            "dd", "-i", b, "-s", "-", "--dst", lun, stdin=bytes(BLOCK)
        )
        # B registers its own key; a second RESERVE by B conflicts with A's reservation
        ok("pr", "-i", b, "-G", "-S", "0xb0b", lun)
        keys = ok("pr", "-i", a, "-k", lun).splitlines()[1:]
        assert sorted(keys) == ["    0xabc", "    0xb0b"]
        assert "PR OUT command [reserve] failed" in fail(
            "pr", "-i", b, "-R", "-S", "0xb0b", "-T", "1", lun
        )
        ok("pr", "-i", b, "-C", "-S", "0xb0b", lun)
        assert ok("pr", "-i", a, "-k", lun).splitlines()[1:] == []
        assert ok("pr", "-i", a, "-r", lun).splitlines()[1:] == []
        ok("pr", "-i", a, "-R", "-S", "0x1", "-T", "7", lun)
        ok("pr", "-i", a, "-L", "-S", "0x1", "-T", "7", lun)
        assert ok("pr", "-i", b, "-r", lun).splitlines()[1:] == []
        caps = ok("pr", "-c", lun).splitlines()
        assert caps[0] == "Report capabilities response:"
        assert "      Write Exclusive" in caps
    finally:
        tool("pr", "-i", a, "-C", "-S", "0x1", lun)
    assert "PR IN command failed" in fail("pr", "-s", lun)  # tgtd lacks READ FULL STATUS
    assert tool("pr", "-k", "-r", lun).returncode == 2  # one operation only


def test_rtpg_clear_error_on_tgtd(tgtd_data: Tgtd) -> None:
    line = fail("rtpg", tgtd_data.url(TARGET, 1))
    assert "does not support REPORT TARGET PORT GROUPS" in line


def test_lun_that_does_not_exist_fails(tgtd_data: Tgtd) -> None:
    for name in ("inq", "readcapacity16", "swp", "md5sum", "pr", "rtpg", "discard"):
        line = fail(name, tgtd_data.url(TARGET, 7))
        assert line.endswith(f"LUN 7 of {TARGET} at {tgtd_data.portal} does not exist"), line


def test_dd_ctrl_c_says_how_far_it_got(tgtd_data: Tgtd) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pyiscsi",
            "dd",
            "-s",
            tgtd_data.url(TARGET, 1),
            "--dst",
            "-",
            "-b",
            "8",
            "-m",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stdout is not None
    assert len(proc.stdout.read(8 * BLOCK)) == 8 * BLOCK  # the copy is under way
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=RUN_TIMEOUT)
    assert proc.returncode == 130
    copied = re.fullmatch(rb"iscsi-dd: interrupted: (\d+) of 16384 blocks copied\n", err)
    assert copied is not None, err
    assert int(copied.group(1)) < 16384  # counted once confirmed: maybe not the last piece


def test_dd_ignore_errors_and_progress(tgtd_data: Tgtd, data_file: Path) -> None:
    lun = tgtd_data.url(TARGET, 2)
    ok("swp", "-s", "on", lun)
    try:
        done = tool("dd", "-s", str(data_file), "--dst", lun, "-n", "-b", "4096")
    finally:
        ok("swp", "-s", "off", lun)
    assert done.returncode == 0
    err = done.stderr.decode().splitlines()
    assert len(err) == 5  # 4 failed WRITEs of 4096 blocks, then the count
    assert all("the LUN is write protected" in line and "ignored" in line for line in err[:4])
    assert err[4] == "iscsi-dd: 4 failed commands ignored"
    done = tool("dd", "-s", str(data_file), "--dst", lun, "--progress")
    assert done.returncode == 0
    bar = done.stderr.decode()
    assert "100% 8.4 MB of 8.4 MB" in bar and "ETA" in bar and bar.endswith("\n")
    assert ok("md5sum", lun).strip() == md5sum_of_file(data_file)


def test_swp_on_output_matches_libiscsi(tgtd_data: Tgtd) -> None:
    lun = tgtd_data.url(TARGET, 2)
    try:
        theirs = subprocess.run(["/usr/bin/iscsi-swp", "-s", "on", lun], capture_output=True)
        assert theirs.stdout == b"SWP:0\nTurning SWP ON\n"
        assert ok("swp", "-s", "off", lun) == "SWP:1\nTurning SWP OFF\n"
    finally:
        ok("swp", "-s", "off", lun)
