"""iscsi-test (the conformance tool) against a real tgtd, and against libiscsi's iscsi-test-cu.

The tool runs as a separate process, as a user would run it. Its verdicts and its JUnit XML
are checked on a subset; then both tools run the whole SCSI family on two identical LUNs of
one tgtd and their failed-or-not verdicts are compared: every difference must be one of
KNOWN_DIFFERENCES, which the README tabulates and the tests' docstrings explain.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for tgt
from tgt import CHAP_IQN, CHAP_PASSWORD, CHAP_USER, Tgtd, TgtdFactory

pytestmark = [pytest.mark.integration]

IQN_OURS = "iqn.2024-01.org.pyiscsi:conformance-ours"
IQN_THEIRS = "iqn.2024-01.org.pyiscsi:conformance-libiscsi"
LUN_SIZE = 64 * 1024 * 1024

#: libiscsi name -> why the verdicts differ on tgtd 1.0.85 (ours FAIL/PASS vs libiscsi's).
KNOWN_DIFFERENCES = {
    "Verify10.BeyondEol": "we also send BYTCHK=0 past the end; tgtd answers GOOD (SBC-4 VERIFY)",
    "Verify12.BeyondEol": "we also send BYTCHK=0 past the end; tgtd answers GOOD (SBC-4 VERIFY)",
    "Verify16.BeyondEol": "we also send BYTCHK=0 past the end; tgtd answers GOOD (SBC-4 VERIFY)",
    "Verify10.ZeroBlocks": "we also send BYTCHK=0 past the end; tgtd answers GOOD",
    "Verify12.ZeroBlocks": "we also send BYTCHK=0 past the end; tgtd answers GOOD",
    "Verify16.ZeroBlocks": "we also send BYTCHK=0 past the end; tgtd answers GOOD",
    "ProutReserve.OwnershipEA": "libiscsi fails on the RESERVATIONS RELEASED unit attention",
    "ProutReserve.OwnershipWE": "libiscsi fails on the RESERVATIONS RELEASED unit attention",
    "ProutReserve.OwnershipEARO": "libiscsi fails on the RESERVATIONS RELEASED unit attention",
    "ProutReserve.OwnershipWERO": "libiscsi fails on the RESERVATIONS RELEASED unit attention",
    "Reserve6.2Initiators": "libiscsi fails on a unit attention left by an earlier reset",
}


def iscsi_test(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run our tool as a process."""
    return subprocess.run(
        [sys.executable, "-m", "pyiscsi.tools.iscsi_test", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def conformance_tgtd() -> Iterator[Tgtd]:
    """tgtd with two identical targets: one for each tool."""
    with Tgtd() as t:
        t.add_target(1, IQN_OURS, {1: LUN_SIZE})
        t.add_target(2, IQN_THEIRS, {1: LUN_SIZE})
        yield t


def junit_cases(path: Path) -> dict[str, ET.Element]:
    """classname.name -> <testcase> of a JUnit XML file."""
    root = ET.parse(path).getroot()
    return {f"{c.get('classname')}.{c.get('name')}": c for c in root.iter("testcase")}


def test_subset_verdicts_and_junit(conformance_tgtd: Tgtd, tmp_path: Path) -> None:
    url = conformance_tgtd.url(IQN_OURS, 1)
    tests = "SCSI.Read10,SCSI.Verify10.BeyondEol,SCSI.Unmap.Simple,SCSI.Inquiry.Standard"
    done = iscsi_test("--dataloss", f"--test={tests}", "-x", url, cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr  # Verify10.BeyondEol fails on tgtd
    cases = junit_cases(tmp_path / "iscsi-test-results.xml")
    assert set(cases) == {
        "SCSI.Read10.Simple",
        "SCSI.Read10.BeyondEol",
        "SCSI.Read10.ZeroBlocks",
        "SCSI.Read10.ReadProtect",
        "SCSI.Read10.DpoFua",
        "SCSI.Read10.Async",
        "SCSI.Verify10.BeyondEol",
        "SCSI.Unmap.Simple",
        "SCSI.Inquiry.Standard",
    }
    failure = cases["SCSI.Verify10.BeyondEol"].find("failure")
    assert failure is not None
    assert "expected CHECK CONDITION ILLEGAL REQUEST 0x21/0x00, got GOOD" in (
        failure.get("message") or ""
    )
    skipped = cases["SCSI.Unmap.Simple"].find("skipped")
    assert skipped is not None and "fully provisioned" in (skipped.get("message") or "")
    for name in ("SCSI.Read10.Simple", "SCSI.Read10.Async", "SCSI.Inquiry.Standard"):
        assert list(cases[name]) == [], name  # passed: no failure, error or skipped child
    assert "9 tests: 7 passed, 1 failed, 1 skipped, 0 errors" in done.stdout
    assert "FAIL SCSI.Verify10.BeyondEol: VERIFY(10)" in done.stdout


def test_destructive_tests_need_dataloss(conformance_tgtd: Tgtd, tmp_path: Path) -> None:
    url = conformance_tgtd.url(IQN_OURS, 1)
    xml = tmp_path / "out.xml"
    done = iscsi_test("--test=ALL.Write16.Simple", f"--junit-xml={xml}", "-s", url, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    case = junit_cases(xml)["ALL.Write16.Simple"]
    skipped = case.find("skipped")
    assert skipped is not None and skipped.get("message", "").endswith("needs --dataloss")


def test_list_and_bad_input(tmp_path: Path) -> None:
    listed = iscsi_test("--list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == "ALL"
    for name in ("SCSI.TestUnitReady.Simple", "ALL.Read10.Async", "LINUX.Read16.DpoFua"):
        assert name in lines
    assert "LINUX.Reserve6.Simple" not in lines  # needs a second I_T nexus: iSCSI only
    nothing = iscsi_test("--test=SCSI.NoSuchSuite", "iscsi://127.0.0.1:1/iqn.x/1", cwd=tmp_path)
    assert nothing.returncode == 10
    assert nothing.stderr.strip() == "iscsi-test: no test matches SCSI.NoSuchSuite"
    no_url = iscsi_test(cwd=tmp_path)
    assert no_url.returncode == 2 and no_url.stderr.startswith("iscsi-test: ")


def _libiscsi_verdicts(path: Path) -> dict[str, bool]:
    """Suite.Test -> failed, from CUnit's CUnitAutomated-Results.xml."""
    text = path.read_text(errors="replace")
    found: dict[str, bool] = {}
    suites = re.findall(r"<SUITE_NAME>\s*(.*?)\s*</SUITE_NAME>(.*?)</CUNIT_RUN_SUITE_", text, re.S)
    for suite, body in suites:
        for kind, name in re.findall(
            r"<CUNIT_RUN_TEST_(SUCCESS|FAILURE)>\s*<TEST_NAME>\s*(.*?)\s*</TEST_NAME>", body, re.S
        ):
            key = f"{suite}.{name}"
            found[key] = found.get(key, False) or kind == "FAILURE"
    return found


@pytest.mark.libiscsi
def test_verdicts_match_libiscsi(conformance_tgtd: Tgtd, tmp_path: Path) -> None:
    theirs_dir = tmp_path / "libiscsi"
    theirs_dir.mkdir()
    subprocess.run(
        ["iscsi-test-cu", "--dataloss", "-x", "--test=ALL", conformance_tgtd.url(IQN_THEIRS, 1)],
        capture_output=True,
        cwd=theirs_dir,
        timeout=600,
        check=False,
    )
    theirs = _libiscsi_verdicts(theirs_dir / "CUnitAutomated-Results.xml")
    assert len(theirs) == 230  # libiscsi-bin 1.19's ALL
    ours_xml = tmp_path / "ours.xml"
    # libiscsi's suites only: our own iSCSI suites include one that brings tgtd down
    libiscsi_iscsi = "iSCSI.iSCSIcmdsn,iSCSI.iSCSIdatasn,iSCSI.iSCSIResiduals,iSCSI.iSCSITMF"
    iscsi_test(
        "--dataloss", f"--test=SCSI,{libiscsi_iscsi}", f"--junit-xml={ours_xml}", "-s",
        conformance_tgtd.url(IQN_OURS, 1), cwd=tmp_path,
    )  # fmt: skip
    ours = {
        key.split(".", 1)[1]: case.find("failure") is not None or case.find("error") is not None
        for key, case in junit_cases(ours_xml).items()
    }
    common = sorted(set(ours) & set(theirs))
    assert len(common) == len(theirs)  # every test of libiscsi's is one of ours
    differ = {name for name in common if ours[name] != theirs[name]}
    assert differ <= set(KNOWN_DIFFERENCES), sorted(differ - set(KNOWN_DIFFERENCES))


def test_iscsi_suite_names_the_known_tgtd_deviations(tgtd: Tgtd, tmp_path: Path) -> None:
    # tests/tgt.py lists them: CHAP_A=7 read as SHA-1, HeaderDigest=None answered to an offer
    # of CRC32C only, MaxCmdSN never raised in a discovery session, TARGET WARM RESET
    # unsupported; and a key sent twice accepted, wrong DataSNs accepted
    url = tgtd.url(CHAP_IQN, 1, CHAP_USER, CHAP_PASSWORD)
    xml = tmp_path / "iscsi.xml"
    tests = (
        "iSCSI.iSCSILogin,iSCSI.iSCSICHAP,iSCSI.iSCSITMF.TargetWarmReset,iSCSI.iSCSINop,"
        "iSCSI.iSCSIdatasn,iSCSI.iSCSIcmdsn,iSCSI.iSCSINegotiation"
    )
    done = iscsi_test("--dataloss", f"--test={tests}", f"--junit-xml={xml}", url, cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    cases = junit_cases(xml)

    def message(name: str, kind: str) -> str:
        node = cases[f"iSCSI.{name}"].find(kind)
        assert node is not None, (name, kind, done.stdout)
        return node.get("message") or ""

    assert "answered HeaderDigest=None" in message("iSCSILogin.HeaderDigestCRC32COnly", "failure")
    assert "answered DataDigest=None" in message("iSCSILogin.DataDigestCRC32COnly", "failure")
    assert "CHAP with sha-256 only" in message("iSCSICHAP.Algorithm[sha-256]", "failure")
    assert "not supported" in message("iSCSITMF.TargetWarmReset", "skipped")
    assert "MaxCmdSN not raised" in message("iSCSILogin.DiscoveryMaxCmdSN", "failure")
    assert "the login succeeded" in message("iSCSILogin.KeySentTwice", "failure")
    assert "GOOD" in message("iSCSIdatasn.iSCSIDataSnInvalid", "failure")
    for name in ("iSCSICHAP.Simple", "iSCSICHAP.Invalid", "iSCSICHAP.Algorithm[md5]",
                 "iSCSINop.Simple", "iSCSIcmdsn.iSCSICmdSnTooHigh", "iSCSIcmdsn.iSCSICmdSnTooLow",
                 "iSCSILogin.NoInitiatorName", "iSCSINegotiation.MaxBurstLength",
                 "iSCSINegotiation.ImmediateData"):  # fmt: skip
        assert list(cases[f"iSCSI.{name}"]) == [], name


def test_a_target_that_never_answers_fails_each_test(tmp_path: Path) -> None:
    with socket.socket() as listener:  # accepts the TCP connection, never answers the login
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        url = f"iscsi://127.0.0.1:{port}/iqn.2024-01.org.pyiscsi:silent/1"
        tests = "SCSI.TestUnitReady,SCSI.Inquiry.Standard"
        done = iscsi_test("-n", "--timeout=1", f"--test={tests}", url, cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 tests: 0 passed, 0 failed, 0 skipped, 2 errors" in done.stdout
    assert "ERROR SCSI.TestUnitReady.Simple: " in done.stdout
    assert "did not complete in 1 s" in done.stdout
    assert "Traceback" not in done.stderr


def test_buffer_offsets_past_the_data_bring_tgtd_down(
    tgtd_factory: TgtdFactory, tmp_path: Path
) -> None:
    # a tgtd 1.0.85 bug the iSCSISession suite found: Data-Out buffer offsets shifted past the
    # end of the command's data are answered GOOD, then tgtd is gone (its own daemon here)
    daemon = tgtd_factory()
    daemon.add_target(1, IQN_OURS, {1: LUN_SIZE})
    test = "iSCSI.iSCSISession.BufferOffsetInvalid"
    done = iscsi_test("--dataloss", f"--test={test}", "-s", daemon.url(IQN_OURS, 1), cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"FAIL {test}: the target no longer takes logins after Data-Out PDUs" in done.stdout
