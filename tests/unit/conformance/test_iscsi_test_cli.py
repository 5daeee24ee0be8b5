"""iscsi-test's command line: how iscsi-test-cu's options map onto the pytest run."""

from __future__ import annotations

import io
import subprocess
import sys
import xml.etree.ElementTree as ET
from contextlib import redirect_stderr
from pathlib import Path

import pytest

from pyiscsi.tools import iscsi_test

URL = "iscsi://127.0.0.1/iqn.2024-01.org.example:disk/1"


def args_for(*argv: str) -> list[str]:
    parsed = iscsi_test.build_parser().parse_args(list(argv))
    return iscsi_test.pytest_args(parsed, Path("/x/pytest.ini"))


def test_defaults() -> None:
    out = args_for(URL)
    assert out[:4] == ["-c", "/x/pytest.ini", "--rootdir", str(iscsi_test.SUITES)]
    assert "-v" in out and f"--iscsi-url={URL}" in out
    assert "--iscsi-dataloss" not in out and "--iscsi-sanitize" not in out
    assert not [a for a in out if a.startswith("--junit-xml")]
    assert out[-1] == str(iscsi_test.SUITES)


def test_options_map_onto_the_plugin() -> None:
    out = args_for(
        "-d", "-S", "-i", "iqn.a:1", "-I", "iqn.a:2", "-t", "SCSI.Read10", "--test=iSCSI",
        "-s", "-A", "--timeout", "5", URL, URL + "2",
    )  # fmt: skip
    for arg in (
        "--iscsi-dataloss",
        "--iscsi-sanitize",
        "--iscsi-initiator=iqn.a:1",
        "--iscsi-initiator2=iqn.a:2",
        "--iscsi-test=SCSI.Read10",
        "--iscsi-test=iSCSI",
        "-qq",
        "--exitfirst",
        "--iscsi-timeout=5",
        f"--iscsi-url2={URL}2",
    ):
        assert arg in out


def test_xml_goes_to_the_default_file_or_the_path_given(tmp_path: Path) -> None:
    default = Path("iscsi-test-results.xml").resolve()
    assert f"--junit-xml={default}" in args_for("-x", URL)
    assert f"--junit-xml={tmp_path / 'r.xml'}" in args_for(f"--junit-xml={tmp_path}/r.xml", URL)


def test_verbose_scsi_turns_on_live_logging() -> None:
    out = args_for("-V", URL)
    assert "--log-cli-level=INFO" in out


def test_listing_collects_only() -> None:
    parsed = iscsi_test.build_parser().parse_args(["-l"])
    out = iscsi_test.pytest_args(parsed, Path("/x/pytest.ini"), listing=True)
    assert "--collect-only" in out and "--iscsi-list" in out and "-v" not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "give the URL of the LUN"),
        (["--timeout", "0", URL], "--timeout must be positive"),
        (["--bogus", URL], "unrecognized arguments"),
        (["-s", "-v", URL], "not allowed with argument"),
    ],
)
def test_bad_command_lines(argv: list[str], message: str) -> None:
    err = io.StringIO()
    with redirect_stderr(err):
        assert iscsi_test.main(argv) == 2
    line = err.getvalue().strip()
    assert line.startswith("iscsi-test: ") and message in line and "\n" not in line


def test_a_bad_url_is_one_line() -> None:
    err = io.StringIO()
    with redirect_stderr(err):
        assert iscsi_test.main(["-t", "SCSI.TestUnitReady", "iscsi://127.0.0.1/"]) == 10
    line = err.getvalue().strip()
    assert line.startswith("iscsi-test: ") and "\n" not in line


VENDOR_SUITE = '''
"""A vendor's own suite: SCSI.Vendor."""

import threading

FAMILY = "SCSI"
SUITE = "Vendor"


def test_Passes() -> None:
    """Always passes."""
    assert threading.current_thread() is threading.main_thread()


def test_Hangs() -> None:
    """Waits for an event nobody sets: the per-test time limit must end it."""
    threading.Event().wait()
'''


def test_vendor_suite_and_the_per_test_time_limit(tmp_path: Path) -> None:
    (tmp_path / "scsi_vendor.py").write_text(VENDOR_SUITE)
    xml = tmp_path / "out.xml"
    done = subprocess.run(
        [sys.executable, "-m", "pyiscsi.tools.iscsi_test", "-s", "--timeout=0.1",
         f"--suite={tmp_path / 'scsi_vendor.py'}", "-t", "SCSI.Vendor", f"--junit-xml={xml}",
         "iscsi://127.0.0.1:1/iqn.2024-01.org.pyiscsi:unused/1"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 tests: 1 passed, 1 failed, 0 skipped, 0 errors" in done.stdout
    assert "FAIL SCSI.Vendor.Hangs: " in done.stdout and "timed out after 1 s" in done.stdout
    cases = {c.get("name"): c for c in ET.parse(xml).getroot().iter("testcase")}
    assert cases["Passes"].get("classname") == "SCSI.Vendor" and list(cases["Passes"]) == []
