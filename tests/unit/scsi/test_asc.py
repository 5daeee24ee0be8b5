"""The T10 ASC/ASCQ table, its generator and describe_asc."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyiscsi.scsi import asc_table
from pyiscsi.scsi.asc_table import ASC_RANGES, ASC_TABLE
from pyiscsi.scsi.sense import describe_asc

REPO = Path(__file__).resolve().parents[3]


def _load_generator() -> ModuleType:
    path = REPO / "scripts" / "gen_asc_table.py"
    spec = importlib.util.spec_from_file_location("gen_asc_table", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_asc_table"] = module  # dataclasses look the module up
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


def test_generated_module_is_up_to_date() -> None:
    on_disk = Path(asc_table.__file__).read_text(encoding="ascii")
    assert gen.generate() == on_disk
    assert gen.main(["--check"]) == 0


def test_entry_count() -> None:
    # 692 pairs + 3 ranged entries in the 2013 list, 71 pairs added since (T10 list of 2024-11-28).
    assert len(ASC_TABLE) == 763
    assert len(ASC_RANGES) == 3
    assert len(ASC_TABLE) + len(ASC_RANGES) >= 766


def test_table_shape() -> None:
    for key, text in ASC_TABLE.items():
        assert 0 <= key <= 0x7FFF, hex(key)  # ASC 80h-FFh is vendor specific, never listed
        assert text == text.strip() and text
        # T10 writes descriptions in upper case, except these few
        allowed_mixed = text == "Obsolete" or "iSCSI" in text or "iuCRC" in text
        assert text == text.upper() or allowed_mixed, text


# libiscsi's scsi_sense_ascq_str() knows these 31 (one of them twice); each must read as T10 says.
LIBISCSI_31 = [
    (0x041B, "LOGICAL UNIT NOT READY, SANITIZE IN PROGRESS"),
    (0x1115, "WRITE AFTER SANITIZE REQUIRED"),
    (0x2000, "INVALID COMMAND OPERATION CODE"),
    (0x2100, "LOGICAL BLOCK ADDRESS OUT OF RANGE"),
    (0x2400, "INVALID FIELD IN CDB"),
    (0x2500, "LOGICAL UNIT NOT SUPPORTED"),
    (0x1A00, "PARAMETER LIST LENGTH ERROR"),
    (0x2600, "INVALID FIELD IN PARAMETER LIST"),
    (0x2700, "WRITE PROTECTED"),
    (0x2700, "WRITE PROTECTED"),
    (0x2701, "HARDWARE WRITE PROTECTED"),
    (0x2702, "LOGICAL UNIT SOFTWARE WRITE PROTECTED"),
    (0x3A00, "MEDIUM NOT PRESENT"),
    (0x3A01, "MEDIUM NOT PRESENT - TRAY CLOSED"),
    (0x3A02, "MEDIUM NOT PRESENT - TRAY OPEN"),
    (0x2900, "POWER ON, RESET, OR BUS DEVICE RESET OCCURRED"),
    (0x2901, "POWER ON OCCURRED"),
    (0x2902, "SCSI BUS RESET OCCURRED"),
    (0x2903, "BUS DEVICE RESET FUNCTION OCCURRED"),
    (0x2904, "DEVICE INTERNAL RESET"),
    (0x2905, "TRANSCEIVER MODE CHANGED TO SINGLE-ENDED"),
    (0x2906, "TRANSCEIVER MODE CHANGED TO LVD"),
    (0x2A01, "MODE PARAMETERS CHANGED"),
    (0x2A09, "CAPACITY DATA HAS CHANGED"),
    (0x3807, "THIN PROVISIONING SOFT THRESHOLD REACHED"),
    (0x3F03, "INQUIRY DATA HAS CHANGED"),
    (0x4400, "INTERNAL TARGET FAILURE"),
    (0x1D00, "MISCOMPARE DURING VERIFY OPERATION"),
    (0x1D01, "MISCOMPARE VERIFY OF UNMAPPED LBA"),
    (0x5300, "MEDIA LOAD OR EJECT FAILED"),
    (0x5302, "MEDIUM REMOVAL PREVENTED"),
]


def test_libiscsi_texts_are_covered() -> None:
    assert len(LIBISCSI_31) == 31
    for code, text in LIBISCSI_31:
        assert describe_asc(code >> 8, code & 0xFF) == text, hex(code)


@pytest.mark.parametrize(
    ("asc", "ascq", "text"),
    [
        (0x00, 0x00, "NO ADDITIONAL SENSE INFORMATION"),
        (0x04, 0x0A, "LOGICAL UNIT NOT ACCESSIBLE, ASYMMETRIC ACCESS STATE TRANSITION"),
        (0x3F, 0x0E, "REPORTED LUNS DATA HAS CHANGED"),
        (0x3F, 0x12, "iSCSI IP ADDRESS ADDED"),
        (0x47, 0x7F, "SOME COMMANDS CLEARED BY ISCSI PROTOCOL EVENT"),
        (0x5D, 0xFF, "FAILURE PREDICTION THRESHOLD EXCEEDED (FALSE)"),
        (0x74, 0x79, "SECURITY CONFLICT IN TRANSLATED DEVICE"),
        # from the additions (assigned after 2013)
        (0x00, 0x21, "ATOMIC COMMAND ABORTED DUE TO ACA"),
        (0x04, 0x24, "DEPOPULATION IN PROGRESS"),
        (0x0B, 0x0A, "WARNING - HIGH CRITICAL TEMPERATURE LIMIT EXCEEDED"),
        (0x21, 0x04, "UNALIGNED WRITE COMMAND"),
        (0x21, 0x05, "WRITE BOUNDARY VIOLATION"),
        (0x21, 0x06, "ATTEMPT TO READ INVALID DATA"),
        (0x21, 0x07, "READ BOUNDARY VIOLATION"),
        (0x21, 0x08, "MISALIGNED WRITE COMMAND"),
        (0x24, 0x09, "INVALID FAST FORMAT"),
        (0x2A, 0x16, "ZONE RESET WRITE POINTER RECOMMENDED"),
        (0x2C, 0x13, "WELL KNOWN LOGICAL UNIT ACCESS REQUIRED"),
        (0x38, 0x09, "DEPOPULATION RESTORATION INTERRUPTED"),
        (0x3F, 0x16, "MICROCODE HAS BEEN CHANGED WITHOUT RESET"),
        (0x55, 0x0E, "INSUFFICIENT ZONE RESOURCES"),
        (0x5D, 0x73, "MEDIA IMPENDING FAILURE ENDURANCE LIMIT MET"),
        (0x67, 0x0E, "FEATURE NOT ENABLED"),
        (0x6F, 0x0A, "DRIVE-HOST PAIRING SUSPENDED"),
        # present already in 2013
        (0x24, 0x08, "INVALID XCDB"),
        (0x2A, 0x10, "TIMESTAMP CHANGED"),
        (0x55, 0x0B, "INSUFFICIENT POWER FOR OPERATION"),
        (0x67, 0x0B, "ATA DEVICE FEATURE NOT ENABLED"),
    ],
)
def test_spot_checks(asc: int, ascq: int, text: str) -> None:
    assert describe_asc(asc, ascq) == text


def test_ranged_entries_carry_the_value() -> None:
    assert describe_asc(0x40, 0x85) == "DIAGNOSTIC FAILURE ON COMPONENT 85h"
    assert describe_asc(0x40, 0x80) == "DIAGNOSTIC FAILURE ON COMPONENT 80h"
    assert describe_asc(0x40, 0xFF) == "DIAGNOSTIC FAILURE ON COMPONENT FFh"
    assert describe_asc(0x40, 0x00) == "RAM FAILURE (SHOULD USE 40 NN)"
    assert describe_asc(0x40, 0x7F) == "UNKNOWN ASC/ASCQ 0x40/0x7f"  # below the 80h-FFh range
    assert describe_asc(0x4D, 0x00) == "TAGGED OVERLAPPED COMMANDS (TASK TAG 00h)"
    assert describe_asc(0x4D, 0x2A) == "TAGGED OVERLAPPED COMMANDS (TASK TAG 2Ah)"
    assert describe_asc(0x70, 0x07) == "DECOMPRESSION EXCEPTION SHORT ALGORITHM ID OF 07h"


def test_vendor_specific_and_unknown() -> None:
    assert describe_asc(0x80, 0x00) == "VENDOR SPECIFIC ASC/ASCQ 0x80/0x00"
    assert describe_asc(0xFF, 0xFF) == "VENDOR SPECIFIC ASC/ASCQ 0xff/0xff"
    assert describe_asc(0x04, 0x80) == "VENDOR SPECIFIC ASC/ASCQ 0x04/0x80"
    assert describe_asc(0x0F, 0x00) == "UNKNOWN ASC/ASCQ 0x0f/0x00"
    assert describe_asc(0x7F, 0x7F) == "UNKNOWN ASC/ASCQ 0x7f/0x7f"
    assert describe_asc(0x20, 0x05) == "OBSOLETE ASC/ASCQ 0x20/0x05"


def test_describe_asc_rejects_non_bytes() -> None:
    with pytest.raises(ValueError, match="ASC and ASCQ must be bytes"):
        describe_asc(0x100, 0)
    with pytest.raises(ValueError, match="ASC and ASCQ must be bytes"):
        describe_asc(0, -1)


@given(st.integers(0, 0xFF), st.integers(0, 0xFF))
def test_every_pair_has_a_description(asc: int, ascq: int) -> None:
    text = describe_asc(asc, ascq)
    if (asc << 8 | ascq) in ASC_TABLE and ASC_TABLE[asc << 8 | ascq] != "Obsolete":
        assert text == ASC_TABLE[asc << 8 | ascq]
    elif any(a == asc and lo <= ascq <= hi for a, lo, hi, _ in ASC_RANGES):
        assert text.endswith((f" {ascq:02X}h", f" {ascq:02X}h)"))
    else:
        assert text.endswith(f"ASC/ASCQ 0x{asc:02x}/0x{ascq:02x}")
        assert text.startswith("VENDOR SPECIFIC") == (asc >= 0x80 or ascq >= 0x80)


# --- the generator's parser ---------------------------------------------------------------------

SAMPLE = """\
File: ASC-NUM.TXT
as of 01/02/03
ASC/ASCQ DTLPWROMAEBKVF  Description
-------  --------------  ----------------------------------------------------
00h/00h  DTLPWROMAEBKVF  NO ADDITIONAL SENSE INFORMATION\r
0Fh/00h
40h/NNh  DTLPWROMAEBKVF  DIAGNOSTIC FAILURE ON COMPONENT NN (80h-FFh)
4Dh/NNh  DTLPWROMAEBKVF  TAGGED OVERLAPPED COMMANDS (NN = TASK TAG)
"""


def test_parser_reads_entries_ranges_and_skips_reserved() -> None:
    entries, ranges = gen.parse_lines(SAMPLE.splitlines(), "sample")
    assert [(e.asc, e.ascq, e.text) for e in entries] == [(0, 0, "NO ADDITIONAL SENSE INFORMATION")]
    assert [(r.asc, r.first, r.last, r.template) for r in ranges] == [
        (0x40, 0x80, 0xFF, "DIAGNOSTIC FAILURE ON COMPONENT {nn}"),
        (0x4D, 0x00, 0xFF, "TAGGED OVERLAPPED COMMANDS (TASK TAG {nn})"),
    ]


def test_parser_rejects_a_mangled_entry() -> None:
    with pytest.raises(ValueError, match="sample:1: unreadable entry"):
        gen.parse_lines(["21h/04h DZ UNALIGNED WRITE COMMAND"], "sample")


def test_render_rejects_duplicates_and_skips_comments() -> None:
    additions = "# a comment\n00h/00h  D               AGAIN\n"
    with pytest.raises(ValueError, match="00h/00h is listed twice"):
        gen.render(SAMPLE, additions)
    text = gen.render(
        SAMPLE, "# only a comment\n21h/04h  D               UNALIGNED WRITE COMMAND\n"
    )
    assert '0x2104: "UNALIGNED WRITE COMMAND",' in text
    assert "as of 01/02/03" in text
