"""What every tool does the same way, against tgtd: a closed stdout, LIBISCSI_DEBUG, IPv6
portals in messages, digest preference lists in URLs, ``iscsi-ls -s`` past a refused login,
a target killed for good, ``--json`` of every tool, ``python -m pyiscsi``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for tgt
from pyiscsi.__main__ import main as pyiscsi_main
from tgt import Tgtd, TgtdFactory, free_port

pytestmark = pytest.mark.integration

TARGET = "iqn.2024-01.org.pyiscsi:tools-beh"
CHAP_TARGET = "iqn.2024-01.org.pyiscsi:tools-beh-chap"
SIZE = 8 << 20
RUN_TIMEOUT = 60


@pytest.fixture(scope="module")
def tgtd_beh() -> Iterator[Tgtd]:
    """tgtd with one plain target (LUN 1), on 127.0.0.1 and [::1]."""
    with Tgtd(ipv6=True) as t:
        t.add_target(1, TARGET, {1: SIZE})
        yield t


def tool(
    name: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m pyiscsi <name> args``: as a process when ``env`` is given, else in this
    process (the same entry point, without the interpreter's start).
    """
    if env is None:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = pyiscsi_main([name, *args])
        return subprocess.CompletedProcess([name, *args], status, out.getvalue(), err.getvalue())
    return subprocess.run(
        [sys.executable, "-m", "pyiscsi", name, *args],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        env={**os.environ, **(env or {})},
        check=False,
    )


def shell(command: str) -> subprocess.CompletedProcess[str]:
    """Run ``command`` with bash -o pipefail (what scripts do)."""
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def test_closed_stdout_is_not_a_failure(tgtd_beh: Tgtd) -> None:
    url = tgtd_beh.url(TARGET, 1)
    py = f"{sys.executable} -m pyiscsi"
    done = shell(f"{py} inq '{url}' | head -1")
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        "Peripheral Qualifier:CONNECTED\n",
        "",
    )
    # 8 MiB to a reader that takes 10 bytes: the writer surely meets the closed pipe
    done = shell(f"{py} dd -s '{url}' --dst - | head -c 10 | wc -c")
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "10", "")


def test_libiscsi_debug_not_a_number_is_ignored(tgtd_beh: Tgtd) -> None:
    url = tgtd_beh.url(TARGET, 1)
    done = tool("inq", url, env={"LIBISCSI_DEBUG": "abc"})
    assert done.returncode == 0 and done.stderr == ""
    done = tool("readcapacity16", "-s", url, env={"LIBISCSI_DEBUG": "1"})
    assert done.returncode == 0 and "HeaderDigest" in done.stderr


def test_iscsi_perf_honours_libiscsi_debug(tgtd_beh: Tgtd) -> None:
    done = tool("perf", "-t", "1", tgtd_beh.url(TARGET, 1), env={"LIBISCSI_DEBUG": "1"})
    assert done.returncode == 0, done.stderr
    assert "iscsi-perf: pyiscsi.login: agreed HeaderDigest=" in done.stderr


def test_ipv6_portal_in_brackets_in_messages(tgtd_beh: Tgtd) -> None:
    url = tgtd_beh.url(TARGET, 9, host="::1")
    done = tool("inq", url)
    assert done.returncode == 10
    assert done.stderr == f"iscsi-inq: LUN 9 of {TARGET} at [::1]:{tgtd_beh.port} does not exist\n"
    listing = tool("ls", "--json", f"iscsi://[::1]:{tgtd_beh.port}")
    portals = [t["portal"] for t in json.loads(listing.stdout)["targets"]]
    assert f"[::1]:{tgtd_beh.port},1" in portals


def test_refused_ipv6_connection_names_the_portal_in_brackets() -> None:
    port = free_port("::1")
    done = tool("inq", f"iscsi://[::1]:{port}/{TARGET}/1")
    assert done.returncode == 10
    assert done.stderr.startswith(f"iscsi-inq: connection failed: cannot connect to [::1]:{port}")


def test_digest_preference_list_in_url(tgtd_beh: Tgtd) -> None:
    url = tgtd_beh.url(TARGET, 1)
    done = tool("readcapacity16", "-s", f"{url}?header_digest=crc32c,none&data_digest=crc32c,none")
    assert (done.returncode, done.stdout) == (0, f"{SIZE}\n")
    done = tool("inq", f"{url}?header_digest=crc32c")  # tgtd's target answers None
    assert done.returncode == 10
    assert done.stderr.startswith("iscsi-inq: login failed: ")
    assert "to allow none, ask for header_digest=crc32c,none in the URL" in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_ls_show_luns_goes_on_past_a_refused_login(tgtd_factory: TgtdFactory) -> None:
    t = tgtd_factory()
    # iscsi-ls lists the newest target first (as libiscsi does): the CHAP one
    t.add_target(1, TARGET, {1: SIZE})
    t.add_target(2, CHAP_TARGET, {1: SIZE})
    t.add_account("beh-user", "beh-secret-123", tid=2)
    done = tool("ls", "-s", t.portal_url())
    assert done.returncode == 10
    assert done.stdout.splitlines() == [
        f"Target:{CHAP_TARGET} Portal:{t.portal},1",
        f"Target:{TARGET} Portal:{t.portal},1",
        "Lun:0    Type:STORAGE_ARRAY_CONTROLLER",
        "Lun:1    Type:DIRECT_ACCESS (Size:7M)",
    ]
    errors = done.stderr.splitlines()
    assert len(errors) == 1
    assert errors[0].startswith(f"iscsi-ls: {CHAP_TARGET} at {t.portal},1: login failed: ")
    doc = json.loads(tool("ls", "-s", "--json", t.portal_url()).stdout)
    assert "error" in doc["targets"][0] and len(doc["targets"][1]["luns"]) == 2


def _start_perf(url: str, *options: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pyiscsi", "perf", "-t", "60", "-l", *options, url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:  # wait for the first status line: I/O is running
        if " - lba " in line:
            return proc
    proc.kill()
    raise AssertionError(f"iscsi-perf printed no status line: {proc.communicate()}")


def test_target_killed_for_good(tgtd_factory: TgtdFactory) -> None:
    t = tgtd_factory()
    t.add_target(1, TARGET, {1: SIZE})
    proc = _start_perf(t.url(TARGET, 1), "--timeout", "2")
    t.stop()
    _, err = proc.communicate(timeout=RUN_TIMEOUT)
    assert proc.returncode == 10, err
    lines = err.splitlines()
    assert any("connection to" in line and "lost" in line for line in lines), err
    assert any("reconnect" in line for line in lines), err  # and that it is being retried
    assert lines[-1].startswith("iscsi-perf: READ(16) at LBA"), err
    assert "Traceback" not in err


def test_no_reconnect_with_x_0(tgtd_factory: TgtdFactory) -> None:
    t = tgtd_factory()
    t.add_target(1, TARGET, {1: SIZE})
    proc = _start_perf(t.url(TARGET, 1), "-x", "0")
    t.drop_connections(1)
    _, err = proc.communicate(timeout=RUN_TIMEOUT)
    assert proc.returncode == 10, err
    assert "reconnect attempt" not in err
    assert err.splitlines()[-1].startswith("iscsi-perf: READ(16) at LBA"), err


def test_every_tool_json(tgtd_beh: Tgtd, tmp_path: Path) -> None:
    url = tgtd_beh.url(TARGET, 1)
    docs = {
        "ls": tool("ls", "--json", tgtd_beh.portal_url()),
        "inq": tool("inq", "--json", url),
        "inq-vpd": tool("inq", "--json", "-e", "1", "-c", "0x83", url),
        "readcapacity16": tool("readcapacity16", "--json", url),
        "swp": tool("swp", "--json", url),
        "pr": tool("pr", "--json", "-c", url),
        "md5sum": tool("md5sum", "--json", "-l", "4096", url),
        "discard": tool("discard", "--json", "-z", "-o", str(SIZE - 4096), url),
        "dd": tool("dd", "--json", "-s", url, "--dst", str(tmp_path / "x"), "--count", "1"),
        "perf": tool("perf", "--json", "-t", "1", url),
    }
    for name, done in docs.items():
        assert done.returncode == 0, (name, done.stderr)
        assert isinstance(json.loads(done.stdout), dict), name
    parsed = {name: json.loads(done.stdout) for name, done in docs.items()}
    assert parsed["ls"]["targets"][0]["target"] == TARGET
    assert parsed["inq"]["fields"]["peripheral_device_type"] == 0
    assert parsed["inq"]["lines"][0] == "Peripheral Qualifier:CONNECTED"
    assert parsed["inq-vpd"]["fields"]["page_code"] == 0x83
    assert parsed["readcapacity16"]["total_size"] == SIZE
    assert parsed["swp"] == {"swp": False}
    assert "Write Exclusive" in parsed["pr"]["types"]
    assert len(parsed["md5sum"]["md5"]) == 32
    assert parsed["discard"]["blocks"] == 8
    assert parsed["dd"]["blocks"] == 1
    assert parsed["perf"]["ios"] > 0 and parsed["perf"]["errors"] == 0


def test_python_m_pyiscsi_usage() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pyiscsi", "nope"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2 and "unknown tool 'nope'" in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "pyiscsi", "iscsi-dd", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "--xcopy" in done.stdout
