"""pyiscsi's iscsi-ls, iscsi-inq and iscsi-readcapacity16 against libiscsi-bin's, on real tgtd.

Both run as separate processes against the same target; their stdout must be identical.
Known, intended differences are asserted separately: libiscsi 1.19 prints binary designators
raw (we print hex), mis-numbers LUNs of 256 and above (we print the real number) and reads
``-c 0x83`` as 0 (we take hex). Listings need an exact set of targets, so this module starts
its own daemons (tests/tgt.py); CHAP, digest and high-LUN cases use the shared ``tgtd``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for tgt
from tgt import (
    CHAP_IQN,
    CHAP_PASSWORD,
    CHAP_USER,
    DIGEST_IQN,
    MUTUAL_IQN,
    MUTUAL_PASSWORD,
    MUTUAL_TARGET_PASSWORD,
    MUTUAL_TARGET_USER,
    MUTUAL_USER,
    PLAIN_IQN,
    Tgtd,
)

pytestmark = [pytest.mark.integration, pytest.mark.libiscsi]

TARGET = "iqn.2024-01.org.pyiscsi:tools-t1"
TARGET_2 = "iqn.2024-01.org.pyiscsi:tools-t2"
TARGET_300 = "iqn.2024-01.org.pyiscsi:tools-t300"
LUN_SIZE = 64 * 1024 * 1024
ALLOWED_INITIATOR = "iqn.2024-01.org.pyiscsi:tools-allowed"

LIBISCSI = {name: f"/usr/bin/{name}" for name in ("iscsi-ls", "iscsi-inq", "iscsi-readcapacity16")}
OURS = {
    "iscsi-ls": "pyiscsi.tools.iscsi_ls",
    "iscsi-inq": "pyiscsi.tools.iscsi_inq",
    "iscsi-readcapacity16": "pyiscsi.tools.iscsi_readcapacity16",
}


@pytest.fixture(scope="module")
def tgtd_tools() -> Iterator[Tgtd]:
    """tgtd with one target, LUNs 1 and 2 (plus tgtd's controller LUN 0)."""
    with Tgtd() as t:
        t.add_target(1, TARGET, {1: LUN_SIZE, 2: LUN_SIZE})
        yield t


@pytest.fixture(scope="module")
def tgtd_ipv6() -> Iterator[Tgtd]:
    """tgtd on 127.0.0.1 and [::1], with two targets."""
    with Tgtd(ipv6=True) as t:
        t.add_target(1, TARGET, {1: LUN_SIZE})
        t.add_target(2, TARGET_2, {1: LUN_SIZE})
        yield t


@pytest.fixture(scope="module")
def tgtd_lun300() -> Iterator[Tgtd]:
    """tgtd with one target whose disk is LUN 300."""
    with Tgtd() as t:
        t.add_target(1, TARGET_300, {300: LUN_SIZE})
        yield t


@pytest.fixture(scope="module")
def tgtd_chap_only() -> Iterator[Tgtd]:
    """tgtd with one target that requires CHAP."""
    with Tgtd() as t:
        t.add_target(1, CHAP_IQN, {1: LUN_SIZE})
        t.add_account(CHAP_USER, CHAP_PASSWORD, tid=1)
        yield t


@pytest.fixture(scope="module")
def tgtd_acl() -> Iterator[Tgtd]:
    """tgtd with one target that admits only the initiator named ALLOWED_INITIATOR."""
    with Tgtd() as t:
        t.add_target(1, TARGET, {1: LUN_SIZE}, allow=None)
        t.adm("bind", "target", tid=1, initiator_name=ALLOWED_INITIATOR)
        yield t


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIBISCSI_")}
    env.update(extra or {})
    return env


def libiscsi(tool: str, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([LIBISCSI[tool], *args], capture_output=True, text=True,
                          timeout=60, env=_env(env))
    assert done.returncode == 0, done.stderr
    return done.stdout


def ours(tool: str, *args: str, env: dict[str, str] | None = None,
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", OURS[tool], *args], capture_output=True,
                          text=True, timeout=60, env=_env(env))


def same_output(tool: str, *args: str, env: dict[str, str] | None = None) -> str:
    """Run both tools; assert ours succeeded and printed exactly what libiscsi printed."""
    expected = libiscsi(tool, *args, env=env)
    done = ours(tool, *args, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected
    assert expected  # both printed something
    return expected


def test_libiscsi_tools_are_installed() -> None:
    for path in LIBISCSI.values():
        assert shutil.which(path) is not None, path


# ---------------------------------------------------------------------------- iscsi-ls


LS_OPTIONS = [[], ["-U"], ["--url"], ["-s"], ["--show-luns"]]


@pytest.mark.parametrize("options", LS_OPTIONS)
def test_ls_matches_libiscsi(tgtd_tools: Tgtd, options: list[str]) -> None:
    out = same_output("iscsi-ls", *options, tgtd_tools.portal_url())
    assert TARGET in out


def test_ls_show_luns_content(tgtd_tools: Tgtd) -> None:
    done = ours("iscsi-ls", "-s", tgtd_tools.portal_url())
    assert done.stdout.splitlines() == [
        f"Target:{TARGET} Portal:127.0.0.1:{tgtd_tools.port},1",
        "Lun:0    Type:STORAGE_ARRAY_CONTROLLER",
        "Lun:1    Type:DIRECT_ACCESS (Size:63M)",
        "Lun:2    Type:DIRECT_ACCESS (Size:63M)",
    ]


@pytest.mark.parametrize("options", LS_OPTIONS)
def test_ls_ipv6_matches_libiscsi(tgtd_ipv6: Tgtd, options: list[str]) -> None:
    out = same_output("iscsi-ls", *options, tgtd_ipv6.portal_url(host="::1"))
    assert f"[::1]:{tgtd_ipv6.port}" in out
    assert TARGET_2 in out


def test_ls_prints_lun_300_correctly(tgtd_lun300: Tgtd) -> None:
    reference = libiscsi("iscsi-ls", "-s", tgtd_lun300.portal_url()).splitlines()
    done = ours("iscsi-ls", "-s", tgtd_lun300.portal_url())
    assert done.returncode == 0, done.stderr
    assert "Lun:16684 Type:DIRECT_ACCESS (Size:63M)" in reference  # libiscsi's known bug
    assert done.stdout.splitlines() == [
        line.replace("Lun:16684 ", "Lun:300  ") for line in reference
    ]
    assert "Lun:300  Type:DIRECT_ACCESS (Size:63M)" in done.stdout.splitlines()


# ---------------------------------------------------------------------------- iscsi-inq


@pytest.mark.parametrize("lun", [0, 1])
def test_inq_standard_matches_libiscsi(tgtd_tools: Tgtd, lun: int) -> None:
    out = same_output("iscsi-inq", tgtd_tools.url(TARGET, lun))
    assert "Vendor:IET     \n" in out


@pytest.mark.parametrize("page", ["0", "128", "176", "177", "178"])
def test_inq_vpd_matches_libiscsi(tgtd_tools: Tgtd, page: str) -> None:
    same_output("iscsi-inq", "-e", "1", "-c", page, tgtd_tools.url(TARGET, 1))


@pytest.mark.parametrize(("decimal", "hexadecimal"), [("131", "0x83"), ("176", "0xb0")])
def test_inq_pagecode_in_hex(tgtd_tools: Tgtd, decimal: str, hexadecimal: str) -> None:
    url = tgtd_tools.url(TARGET, 1)
    a = ours("iscsi-inq", "-e", "1", "-c", decimal, url)
    b = ours("iscsi-inq", "--evpd=1", f"--pagecode={hexadecimal}", url)
    assert a.returncode == b.returncode == 0
    assert a.stdout == b.stdout != ""


def test_inq_device_identification(tgtd_tools: Tgtd) -> None:
    url = tgtd_tools.url(TARGET, 1)
    reference = libiscsi("iscsi-inq", "-e", "1", "-c", "131", url).splitlines()
    done = ours("iscsi-inq", "-e", "1", "-c", "0x83", url)
    assert done.returncode == 0, done.stderr
    mine = done.stdout.splitlines()
    assert len(mine) == len(reference)
    binary = False
    for theirs, line in zip(reference, mine, strict=True):
        if line.startswith("Code Set:"):
            binary = line == "Code Set:(1) BINARY"
        if binary and line.startswith("Designator:["):
            # libiscsi printed the raw bytes up to the first NUL; we print them all in hex.
            hex_bytes = bytes.fromhex(line[len("Designator:[") : -1])
            raw = theirs[len("Designator:[") : -1].encode("latin-1")
            assert hex_bytes.split(b"\x00")[0] == raw
        else:
            assert line == theirs
    assert any(line.startswith("Designator:[ 60 ") for line in mine)


@pytest.mark.parametrize("lun", [300, 16000])
def test_inq_and_readcapacity16_high_luns(tgtd: Tgtd, lun: int) -> None:
    done = ours("iscsi-inq", tgtd.url(PLAIN_IQN, lun))
    assert done.returncode == 0, done.stderr
    assert "Peripheral Device Type:DIRECT_ACCESS" in done.stdout.splitlines()
    done = ours("iscsi-readcapacity16", "-s", tgtd.url(PLAIN_IQN, lun))
    assert (done.returncode, done.stdout) == (0, f"{8 * 1024 * 1024}\n"), done.stderr


# ---------------------------------------------------------------------------- iscsi-readcapacity16


@pytest.mark.parametrize("options", [[], ["-s"], ["--size"]])
def test_readcapacity16_matches_libiscsi(tgtd_tools: Tgtd, options: list[str]) -> None:
    out = same_output("iscsi-readcapacity16", *options, tgtd_tools.url(TARGET, 2))
    assert str(LUN_SIZE) in out


# ---------------------------------------------------------------------------- CHAP, errors, debug


def test_chap_from_environment_matches_libiscsi(tgtd: Tgtd) -> None:
    env = {"LIBISCSI_CHAP_USERNAME": CHAP_USER, "LIBISCSI_CHAP_PASSWORD": CHAP_PASSWORD}
    same_output("iscsi-readcapacity16", tgtd.url(CHAP_IQN, 1), env=env)


def test_mutual_chap_matches_libiscsi(tgtd: Tgtd) -> None:
    url = tgtd.url(
        MUTUAL_IQN,
        1,
        MUTUAL_USER,
        MUTUAL_PASSWORD,
        args={"target_user": MUTUAL_TARGET_USER, "target_password": MUTUAL_TARGET_PASSWORD},
    )
    same_output("iscsi-readcapacity16", url)


def test_header_digest_target_matches_libiscsi(tgtd: Tgtd) -> None:
    same_output("iscsi-inq", "-e", "1", "-c", "128", tgtd.url(DIGEST_IQN, 1))  # 1.19: no hex


def test_chap_in_url_matches_libiscsi(tgtd: Tgtd) -> None:
    same_output("iscsi-inq", tgtd.url(CHAP_IQN, 1, CHAP_USER, CHAP_PASSWORD))


def test_ls_show_luns_logs_in_with_the_url_credentials(tgtd_chap_only: Tgtd) -> None:
    out = same_output("iscsi-ls", "-s", tgtd_chap_only.portal_url(CHAP_USER, CHAP_PASSWORD))
    assert "Lun:1    Type:DIRECT_ACCESS (Size:63M)" in out.splitlines()


@pytest.mark.parametrize("tool", ["iscsi-inq", "iscsi-readcapacity16"])
@pytest.mark.parametrize("password", [None, "wrongpassword1"])
def test_failed_chap_login_is_one_line(
    tgtd: Tgtd, tool: str, password: str | None
) -> None:
    env = {} if password is None else {
        "LIBISCSI_CHAP_USERNAME": CHAP_USER, "LIBISCSI_CHAP_PASSWORD": password,
    }
    done = ours(tool, tgtd.url(CHAP_IQN, 1), env=env)
    assert done.returncode != 0
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"{tool}: login failed: ")
    if password is not None:
        assert password not in done.stderr


def test_wrong_password_in_url_is_one_line_without_it(tgtd: Tgtd) -> None:
    done = ours("iscsi-inq", tgtd.url(CHAP_IQN, 1, CHAP_USER, "notthepassword77"))
    assert done.returncode != 0
    # the warning that the password shows in the process list, then the one error line
    warning, error = done.stderr.splitlines()
    assert warning.startswith("iscsi-inq: warning: a CHAP password on the command line")
    assert error.startswith("iscsi-inq: login failed: ")
    assert "notthepassword77" not in done.stderr


def test_unknown_target_is_one_line(tgtd_tools: Tgtd) -> None:
    done = ours("iscsi-inq", tgtd_tools.url("iqn.2024-01.org.pyiscsi:nosuch", 1))
    assert done.returncode != 0
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("iscsi-inq: login failed: ")


def test_refused_connection_is_one_line() -> None:
    # A port bound but not listening refuses connections, and stays ours during the test.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        done = ours("iscsi-ls", f"iscsi://127.0.0.1:{port}")
    assert f"cannot connect to 127.0.0.1:{port}" in done.stderr, done.stderr
    assert done.returncode != 0
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("iscsi-ls: ")
    assert "Traceback" not in done.stderr


def test_check_condition_is_one_line(tgtd_tools: Tgtd) -> None:
    # A VPD page tgtd does not have: INQUIRY ends in CHECK CONDITION.
    done = ours("iscsi-inq", "-e", "1", "-c", "0x89", tgtd_tools.url(TARGET, 1))
    assert done.returncode != 0
    assert done.stderr.startswith("iscsi-inq: INQUIRY failed: ILLEGAL REQUEST")
    assert done.stderr.count("\n") == 1


def test_debug_1_logs_negotiation(tgtd_tools: Tgtd) -> None:
    done = ours("iscsi-readcapacity16", "-d", "1", "-s", tgtd_tools.url(TARGET, 1))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{LUN_SIZE}\n"
    assert "pyiscsi.login: " in done.stderr
    assert "HeaderDigest" in done.stderr
    assert "pyiscsi.pdu: " not in done.stderr


def test_debug_2_logs_pdus(tgtd_tools: Tgtd) -> None:
    done = ours("iscsi-readcapacity16", "--debug=2", "-s", tgtd_tools.url(TARGET, 1))
    assert done.returncode == 0, done.stderr
    assert "pyiscsi.pdu: " in done.stderr


@pytest.mark.parametrize("tool", ["iscsi-inq", "iscsi-readcapacity16"])
def test_initiator_name_option(tgtd_acl: Tgtd, tool: str) -> None:
    url = tgtd_acl.url(TARGET, 1)
    same_output(tool, "-i", ALLOWED_INITIATOR, url)
    same_output(tool, "--initiator-name", ALLOWED_INITIATOR, url)
    refused = ours(tool, url)  # default initiator name: not admitted
    assert refused.returncode != 0
    assert refused.stdout == ""
    assert refused.stderr.startswith(f"{tool}: login failed: ")
    assert refused.stderr.count("\n") == 1


def test_ls_show_luns_with_initiator_name(tgtd_acl: Tgtd) -> None:
    out = same_output("iscsi-ls", "-s", "-i", ALLOWED_INITIATOR, tgtd_acl.portal_url())
    assert "Lun:1    Type:DIRECT_ACCESS (Size:63M)" in out.splitlines()


def test_bare_debug_before_url(tgtd_tools: Tgtd) -> None:
    done = ours("iscsi-ls", "-d", tgtd_tools.portal_url())
    assert done.returncode == 0, done.stderr
    assert done.stdout == libiscsi("iscsi-ls", tgtd_tools.portal_url())
    assert "pyiscsi.login: " in done.stderr
