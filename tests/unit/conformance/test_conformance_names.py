"""libiscsi names, --test selection and --list of the conformance suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyiscsi.conformance.names import TestName, format_list, matches, parse_selection

READ10 = TestName("SCSI", "Read10", "Simple")
TMF = TestName("iSCSI", "iSCSITMF", "AbortTaskSimpleAsync")
SG = TestName("LINUX", "Read10", "Simple")


@pytest.mark.parametrize(
    ("pattern", "label"),
    [
        ("ALL", "ALL"),
        ("SCSI", "SCSI"),
        ("scsi.read10", "SCSI"),
        ("SCSI.Read10.Simple", "SCSI"),
        ("ALL.Read10", "ALL"),
        ("SCSI.Read1*", "SCSI"),
        ("*.Simple", "SCSI"),
        ("iSCSI", None),
        ("SCSI.Read1", None),
        ("SCSI.Read10.Simple2", None),
        ("LINUX", None),
    ],
)
def test_matches(pattern: str, label: str | None) -> None:
    assert matches(READ10, [pattern]) == label


def test_families() -> None:
    assert matches(SG, ["ALL"]) == "ALL"  # a run on /dev/sgN: ALL means its LINUX tests
    assert matches(SG, ["LINUX.Read10"]) == "LINUX"
    assert matches(SG, ["SCSI.Read10"]) == "SCSI"
    assert matches(SG, ["iSCSI"]) is None
    assert matches(TMF, ["ALL"]) == "ALL"
    assert matches(TMF, ["SCSI"]) is None


def test_first_matching_pattern_names_the_family() -> None:
    assert matches(READ10, ["SCSI.Read10", "ALL"]) == "SCSI"
    assert matches(READ10, ["ALL", "SCSI.Read10"]) == "ALL"


def test_parse_selection(tmp_path: Path) -> None:
    assert parse_selection([]) == ["ALL"]
    assert parse_selection(["SCSI.Read10, SCSI.Write10", "iSCSI"]) == [
        "SCSI.Read10",
        "SCSI.Write10",
        "iSCSI",
    ]
    names = tmp_path / "tests.txt"
    names.write_text("# mine\nSCSI.Inquiry.Standard\n\nSCSI.Read6  # six\n")
    assert parse_selection([str(names)]) == ["SCSI.Inquiry.Standard", "SCSI.Read6"]


def test_format_list() -> None:
    names = [READ10, TestName("SCSI", "Read10", "BeyondEol"), TMF, SG]
    assert format_list(names) == [
        "ALL",
        "ALL.Read10",
        "ALL.Read10.Simple",
        "ALL.Read10.BeyondEol",
        "ALL.iSCSITMF",
        "ALL.iSCSITMF.AbortTaskSimpleAsync",
        "SCSI",
        "SCSI.Read10",
        "SCSI.Read10.Simple",
        "SCSI.Read10.BeyondEol",
        "iSCSI",
        "iSCSI.iSCSITMF",
        "iSCSI.iSCSITMF.AbortTaskSimpleAsync",
        "LINUX",
        "LINUX.Read10",
        "LINUX.Read10.Simple",
    ]
