"""The tools' output formatting and command-line handling, on hand-built data.

The expected lines are what Debian's libiscsi-bin 1.19 tools printed against tgtd 1.0.85 for
a 64 MiB file-backed LUN (captured once by hand); the data-in bytes are built field by field
from the SPC-5 / SBC-4 layouts to carry the same values tgtd returns.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyiscsi import DiscoveredTarget, TargetPortal
from pyiscsi.errors import (
    AuthenticationError,
    CheckConditionError,
    ISCSIConnectionError,
    URLError,
)
from pyiscsi.scsi.capacity import parse_read_capacity16
from pyiscsi.scsi.inquiry import parse_standard_inquiry, parse_vpd
from pyiscsi.scsi.luns import parse_report_luns
from pyiscsi.tools import common, iscsi_inq, iscsi_ls, iscsi_readcapacity16

LOGGERS = ("pyiscsi", "pyiscsi.login", "pyiscsi.session", "pyiscsi.pdu", "pyiscsi.connection")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Undo common.setup_logging (handlers, levels, propagation) after each test."""
    saved = [
        (logger, list(logger.handlers), logger.level, logger.propagate)
        for logger in map(logging.getLogger, LOGGERS)
    ]
    yield
    for logger, handlers, level, propagate in saved:
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate
    common._log_handler = None


# ---------------------------------------------------------------------------- libiscsi's output

LIBISCSI_INQ_STANDARD_LUN1 = [
    "Peripheral Qualifier:CONNECTED",
    "Peripheral Device Type:DIRECT_ACCESS",
    "Removable:0",
    "Version:5 ANSI INCITS 408-2005 (SPC-3)",
    "NormACA:0",
    "HiSup:1",
    "ReponseDataFormat:2",
    "SCCS:0",
    "ACC:0",
    "TPGS:0",
    "3PC:0",
    "Protect:0",
    "EncServ:0",
    "MultiP:0",
    "SYNC:0",
    "CmdQue:1",
    "Vendor:IET     ",  # the padding spaces are part of the field
    "Product:VIRTUAL-DISK    ",
    "Revision:0001",
    "Version Descriptor:04c0 SBC-3",
    "Version Descriptor:0960 iSCSI",
    "Version Descriptor:0300 SPC-3",
]

# LUN 0 (tgtd's controller LUN) differs from LUN 1 in these lines only.
LIBISCSI_INQ_STANDARD_LUN0_CHANGES = {
    1: "Peripheral Device Type:STORAGE_ARRAY_CONTROLLER",
    17: "Product:Controller      ",
    21: "Version Descriptor:01fb unknown",
}

LIBISCSI_INQ_PAGE_00 = """\
Page:0x00 SUPPORTED_VPD_PAGES
Page:0x80 UNIT_SERIAL_NUMBER
Page:0x83 DEVICE_IDENTIFICATION
Page:0xb0 BLOCK_LIMITS
Page:0xb1 BLOCK_DEVICE_CHARACTERISTICS
Page:0xb2 LOGICAL_BLOCK_PROVISIONING
""".splitlines()

LIBISCSI_INQ_PAGE_80 = ["Unit Serial Number:[                              beaf11]"]

# libiscsi 1.19 prints binary designators raw ("`" and "0" up to the first NUL byte); we print
# hex, as libiscsi 1.20 does. Everything else is libiscsi 1.19's output.
EXPECTED_INQ_PAGE_83 = """\
Peripheral Qualifier:CONNECTED
Peripheral Device Type:DIRECT_ACCESS
Page Code:(0x83) DEVICE_IDENTIFICATION
DEVICE DESIGNATOR #0
Code Set:(1) BINARY
PIV:0
Association:(0) LOGICAL_UNIT
Designator Type:(3) NAA
Designator:[ 60 00 00 00 00 00 00 00 0e 00 00 00 00 01 00 01]
DEVICE DESIGNATOR #1
Code Set:(1) BINARY
PIV:0
Association:(0) LOGICAL_UNIT
Designator Type:(3) NAA
Designator:[ 30 00 00 01 00 00 00 01]
DEVICE DESIGNATOR #2
Code Set:(2) ASCII
PIV:0
Association:(0) LOGICAL_UNIT
Designator Type:(1) T10_VENDORT_ID
Designator:[IET     00010001]
""".splitlines()

LIBISCSI_INQ_PAGE_B0 = """\
wsnz:0
maximum compare and write length:128
optimal transfer length granularity:0
maximum transfer length:0
optimal transfer length:0
maximum prefetch xdread xdwrite transfer length:0
maximum unmap lba count:0
maximum unmap block descriptor count:0
optimal unmap granularity:0
ugavalid:0
unmap granularity alignment:0
maximum write same length:0
""".splitlines()

LIBISCSI_INQ_PAGE_B1 = ["Medium Rotation Rate:0RPM"]

LIBISCSI_INQ_PAGE_B2 = """\
Threshold Exponent:0
lbpu:0
lbpws:0
lbpws10:0
lbprz:0
anc_sup:0
dp:0
provisioning type:0
""".splitlines()

LIBISCSI_READCAPACITY16 = """\
RETURNED LOGICAL BLOCK ADDRESS:131071
LOGICAL BLOCK LENGTH IN BYTES:512
P_TYPE:0 PROT_EN:0
P_I_EXPONENT:0 LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT:3
LBPME:0 LBPRZ:0
LOWEST ALIGNED LOGICAL BLOCK ADDRESS:0
Total size:67108864
""".splitlines()

LIBISCSI_LS = """\
Target:iqn.2024-01.org.pyiscsi:t2 Portal:127.0.0.1:3401,1
Target:iqn.2024-01.org.pyiscsi:t1 Portal:127.0.0.1:3401,1
""".splitlines()

LIBISCSI_LS_URLS = """\
iscsi://127.0.0.1:3401/iqn.2024-01.org.pyiscsi:t2/0
iscsi://127.0.0.1:3401/iqn.2024-01.org.pyiscsi:t1/0
""".splitlines()


# ---------------------------------------------------------------------------- iscsi-ls


# SendTargets order: t1 first; libiscsi lists in reverse.
DISCOVERED = [
    DiscoveredTarget("iqn.2024-01.org.pyiscsi:t1", [TargetPortal("127.0.0.1", 3401, 1)]),
    DiscoveredTarget("iqn.2024-01.org.pyiscsi:t2", [TargetPortal("127.0.0.1", 3401, 1)]),
]


def test_ls_target_lines_match_libiscsi() -> None:
    lines = [iscsi_ls.format_target_line(t, p) for t, p in iscsi_ls.listing_order(DISCOVERED)]
    assert lines == LIBISCSI_LS


def test_ls_url_lines_match_libiscsi() -> None:
    pairs = iscsi_ls.listing_order(DISCOVERED)
    lines = [iscsi_ls.format_target_line(t, p, url=True) for t, p in pairs]
    assert lines == LIBISCSI_LS_URLS


def test_ls_reverses_portals_within_a_target() -> None:
    portals = [TargetPortal("10.0.0.1", 3260, 1), TargetPortal("10.0.0.2", 3261, 2)]
    target = DiscoveredTarget("iqn.x:y", portals)
    lines = [iscsi_ls.format_target_line(t, p) for t, p in iscsi_ls.listing_order([target])]
    assert lines == [
        "Target:iqn.x:y Portal:10.0.0.2:3261,2",
        "Target:iqn.x:y Portal:10.0.0.1:3260,1",
    ]


def test_ls_ipv6_portal_in_brackets_and_missing_tpgt() -> None:
    target = DiscoveredTarget("iqn.x:y", [TargetPortal("::1", 3260, None)])
    assert iscsi_ls.format_target_line(target, target.portals[0]) == (
        "Target:iqn.x:y Portal:[::1]:3260"
    )
    assert iscsi_ls.format_target_line(target, target.portals[0], url=True) == (
        "iscsi://[::1]:3260/iqn.x:y/0"
    )


def test_ls_lun_lines_match_libiscsi() -> None:
    # tgtd: LUN 0 controller, LUN 1 64 MiB disk (READ CAPACITY(10): last LBA 131071, 512 B).
    assert iscsi_ls.format_lun_line(0, 0x0C) == "Lun:0    Type:STORAGE_ARRAY_CONTROLLER"
    size = iscsi_ls.format_size(131071, 512)
    assert size == "63M"
    assert iscsi_ls.format_lun_line(1, 0x00, size=size) == "Lun:1    Type:DIRECT_ACCESS (Size:63M)"


def test_ls_prints_lun_300_as_300() -> None:
    # REPORT LUNS parameter data (SPC-5 table 162): LUN LIST LENGTH 24, 4 reserved bytes, then
    # LUN 0 and 1 (peripheral device addressing) and 300 (flat space: 01b, 300 = 0x12C).
    data = (24).to_bytes(4, "big") + bytes(4) + bytes(8) + b"\x00\x01" + bytes(6)
    data += b"\x41\x2c" + bytes(6)
    numbers = [lun.number for lun in parse_report_luns(data).luns]
    assert numbers == [0, 1, 300]
    line = iscsi_ls.format_lun_line(300, 0x00, size="63M")
    assert line == "Lun:300  Type:DIRECT_ACCESS (Size:63M)"


def test_ls_wide_lun_and_no_medium() -> None:
    assert iscsi_ls.format_lun_line(16684, 0x05, no_medium=True) == (
        "Lun:16684 Type:MMC (No media loaded)"
    )


@pytest.mark.parametrize(
    ("last_lba", "block_length", "text"),
    [
        (0, 512, "0 "),
        (1, 1000, "1000 "),
        (2, 512, "1024 "),  # not above 1024: no division
        (3, 512, "1k"),
        (2**31, 512, "1024G"),  # exactly 1024: stays
        (2**32, 512, "2T"),
        (2**40, 4096, "4096T"),  # at most four divisions
    ],
)
def test_ls_size_figure(last_lba: int, block_length: int, text: str) -> None:
    assert iscsi_ls.format_size(last_lba, block_length) == text


@given(st.integers(0, 2**64 - 1), st.sampled_from([512, 4096]))
def test_ls_size_figure_is_a_repeated_division(last_lba: int, block_length: int) -> None:
    text = iscsi_ls.format_size(last_lba, block_length)
    index = iscsi_ls.SIZE_SUFFIXES.index(text[-1])
    number = int(text[:-1])
    assert number == (last_lba * block_length) // 1024**index
    assert index == 4 or number <= 1024


# ---------------------------------------------------------------------------- iscsi-readcapacity16


def rc16_data(
    last_lba: int = 131071, block_length: int = 512, byte12: int = 0, byte13: int = 0x03,
    byte14_15: int = 0,
) -> bytes:
    """READ CAPACITY (16) parameter data (SBC-4 table 66): RETURNED LOGICAL BLOCK ADDRESS
    (bytes 0-7), LOGICAL BLOCK LENGTH IN BYTES (8-11), P_TYPE/PROT_EN (12), P_I_EXPONENT and
    LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT (13), LBPME/LBPRZ/LOWEST ALIGNED LBA (14-15).
    tgtd's 64 MiB LUN: 131071, 512, 0, exponent 3 (4096-byte physical blocks), 0.
    """
    return (
        last_lba.to_bytes(8, "big")
        + block_length.to_bytes(4, "big")
        + bytes([byte12, byte13])
        + byte14_15.to_bytes(2, "big")
        + bytes(16)
    )


def test_readcapacity16_lines_match_libiscsi() -> None:
    rc = parse_read_capacity16(rc16_data())
    assert iscsi_readcapacity16.format_read_capacity16(rc) == LIBISCSI_READCAPACITY16


def test_readcapacity16_size_only() -> None:
    rc = parse_read_capacity16(rc16_data())
    assert iscsi_readcapacity16.format_read_capacity16(rc, size_only=True) == ["67108864"]


def test_readcapacity16_flags_print_as_digits() -> None:
    # P_TYPE 2 + PROT_EN (0x05); P_I_EXPONENT 1, exponent 3 (0x13); LBPME, LBPRZ, LALBA 7.
    data = rc16_data(byte12=0x05, byte13=0x13, byte14_15=0xC007)
    lines = iscsi_readcapacity16.format_read_capacity16(parse_read_capacity16(data))
    assert lines[2] == "P_TYPE:2 PROT_EN:1"
    assert lines[3] == "P_I_EXPONENT:1 LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT:3"
    assert lines[4] == "LBPME:1 LBPRZ:1"
    assert lines[5] == "LOWEST ALIGNED LOGICAL BLOCK ADDRESS:7"


# ---------------------------------------------------------------------------- iscsi-inq


def standard_inquiry(device_type: int, product: bytes, descriptors: list[int]) -> bytes:
    """Standard INQUIRY data (SPC-5 table 148) as tgtd sends it: PQ 0 and the device type
    (byte 0), VERSION 5 (2), HISUP + RESPONSE DATA FORMAT 2 (3), ADDITIONAL LENGTH 61 (4),
    CMDQUE (7), vendor (8-15), product (16-31), revision (32-35), 22 zero bytes, then
    version descriptors from byte 58, 66 bytes in all.
    """
    head = bytes([device_type, 0x00, 0x05, 0x12, 61, 0x00, 0x00, 0x02])
    body = b"IET     " + product.ljust(16) + b"0001" + bytes(22)
    tail = b"".join(d.to_bytes(2, "big") for d in descriptors).ljust(8, b"\x00")
    data = head + body + tail
    assert len(data) == 66
    return data


def vpd(page_code: int, body: bytes) -> bytes:
    """A VPD page: qualifier/type 0 (byte 0), PAGE CODE (1), PAGE LENGTH (2-3), then ``body``."""
    return bytes([0x00, page_code]) + len(body).to_bytes(2, "big") + body


def designator(code_set: int, designator_type: int, value: bytes) -> bytes:
    """A designation descriptor (SPC-5 7.7.6.1): protocol id/code set, PIV/association/type,
    reserved, length, designator. Association 0 (logical unit), PIV 0.
    """
    return bytes([code_set, designator_type, 0x00, len(value)]) + value


# tgtd's Device Identification page for LUN 1: T10 vendor ID, NAA 3, NAA 6 (in page order).
PAGE_83 = vpd(
    0x83,
    designator(2, 1, b"IET     00010001" + bytes(20))
    + designator(1, 3, bytes.fromhex("3000000100000001"))
    + designator(1, 3, bytes.fromhex("60000000 00000000 0e000000 00010001")),
)


def test_inq_standard_matches_libiscsi() -> None:
    data = standard_inquiry(0x00, b"VIRTUAL-DISK", [0x04C0, 0x0960, 0x0300])
    lines = iscsi_inq.format_inquiry_data(data, evpd=False)
    assert lines == LIBISCSI_INQ_STANDARD_LUN1


def test_inq_standard_controller_lun_matches_libiscsi() -> None:
    data = standard_inquiry(0x0C, b"Controller", [0x04C0, 0x0960, 0x01FB])
    expected = list(LIBISCSI_INQ_STANDARD_LUN1)
    for index, line in LIBISCSI_INQ_STANDARD_LUN0_CHANGES.items():
        expected[index] = line
    assert iscsi_inq.format_inquiry_data(data, evpd=False) == expected


def test_inq_standard_short_data_prints_zeros() -> None:
    lines = iscsi_inq.format_inquiry_data(bytes([0x00, 0x80, 0x05]), evpd=False)
    assert lines[2:4] == ["Removable:1", "Version:5 ANSI INCITS 408-2005 (SPC-3)"]
    assert lines[4] == "NormACA:0"
    assert lines[16:] == ["Vendor:", "Product:", "Revision:"]


def test_inq_supported_pages_matches_libiscsi() -> None:
    data = vpd(0x00, bytes([0x00, 0x80, 0x83, 0xB0, 0xB1, 0xB2]))
    assert iscsi_inq.format_inquiry_data(data, evpd=True) == LIBISCSI_INQ_PAGE_00


def test_inq_unit_serial_number_matches_libiscsi() -> None:
    data = vpd(0x80, b" " * 30 + b"beaf11")
    assert iscsi_inq.format_inquiry_data(data, evpd=True) == LIBISCSI_INQ_PAGE_80


def test_inq_device_identification() -> None:
    assert iscsi_inq.format_inquiry_data(PAGE_83, evpd=True) == EXPECTED_INQ_PAGE_83


def test_inq_designator_with_piv_shows_protocol() -> None:
    # iSCSI (5) / UTF-8 (3); PIV, target port association (1), SCSI name string (8).
    page = vpd(0x83, bytes([0x53, 0x98, 0x00, 0x08]) + b"iqn.x:y\x00")
    lines = iscsi_inq.format_inquiry_data(page, evpd=True)
    assert lines[3:] == [
        "DEVICE DESIGNATOR #0",
        "Device Protocol Identifier:(5) ISCSI",
        "Code Set:(3) UTF8",
        "PIV:1",
        "Association:(1) TARGET_PORT",
        "Designator Type:(8) SCSI_NAME_STRING",
        "Designator:[iqn.x:y]",
    ]


def test_inq_block_limits_matches_libiscsi() -> None:
    # MAXIMUM COMPARE AND WRITE LENGTH (byte 5) 128, everything else 0; page length 3Ch.
    data = vpd(0xB0, bytes([0x00, 0x80]) + bytes(58))
    assert iscsi_inq.format_inquiry_data(data, evpd=True) == LIBISCSI_INQ_PAGE_B0


def test_inq_block_limits_fields_in_place() -> None:
    body = bytearray(60)
    body[0] = 0x01  # WSNZ
    body[2:4] = (8).to_bytes(2, "big")  # OPTIMAL TRANSFER LENGTH GRANULARITY
    body[4:8] = (2048).to_bytes(4, "big")  # MAXIMUM TRANSFER LENGTH
    body[28:32] = (0x80000000 | 4).to_bytes(4, "big")  # UGAVALID, alignment 4
    body[32:40] = (2**33).to_bytes(8, "big")  # MAXIMUM WRITE SAME LENGTH
    lines = iscsi_inq.format_inquiry_data(vpd(0xB0, bytes(body)), evpd=True)
    assert lines[0] == "wsnz:1"
    assert lines[2] == "optimal transfer length granularity:8"
    assert lines[3] == "maximum transfer length:2048"
    assert lines[9:] == [
        "ugavalid:1",
        "unmap granularity alignment:4",
        f"maximum write same length:{2**33}",
    ]


def test_inq_block_device_characteristics_matches_libiscsi() -> None:
    data = vpd(0xB1, bytes(64))
    assert iscsi_inq.format_inquiry_data(data, evpd=True) == LIBISCSI_INQ_PAGE_B1
    data = vpd(0xB1, (7200).to_bytes(2, "big") + bytes(62))
    assert iscsi_inq.format_inquiry_data(data, evpd=True) == ["Medium Rotation Rate:7200RPM"]


def test_inq_logical_block_provisioning_matches_libiscsi() -> None:
    data = vpd(0xB2, bytes(4))
    assert iscsi_inq.format_inquiry_data(data, evpd=True) == LIBISCSI_INQ_PAGE_B2
    # LBPU, LBPWS, LBPRZ 1, DP... without a descriptor: 0xC4; provisioning type 2.
    data = vpd(0xB2, bytes([0x00, 0xC4, 0x02, 0x00]))
    lines = iscsi_inq.format_inquiry_data(data, evpd=True)
    assert lines[1:5] == ["lbpu:1", "lbpws:1", "lbpws10:0", "lbprz:1"]
    assert lines[-1] == "provisioning type:2"


def test_inq_unknown_page_is_hex_dump() -> None:
    data = vpd(0x86, bytes([0x01, 0x02]))
    assert iscsi_inq.format_inquiry_data(data, evpd=True) == [
        "Page Code:(0x86) unknown",
        "0000: 00 86 00 02 01 02",
    ]


def test_inq_each_formatter_is_pure() -> None:
    page = parse_vpd(PAGE_83)
    assert iscsi_inq.format_vpd_page(page, PAGE_83) == iscsi_inq.format_vpd_page(page, PAGE_83)
    inq = parse_standard_inquiry(standard_inquiry(0, b"X", []))
    assert iscsi_inq.format_standard_inquiry(inq)[-1] == "Revision:0001"




def test_inq_binary_designator_is_hex_and_text_stops_at_nul() -> None:
    assert iscsi_inq.format_designator_value(1, b"\x60\x00\xff") == " 60 00 ff"
    assert iscsi_inq.format_designator_value(2, b"IET 1\x00\x00junk") == "IET 1"
    assert iscsi_inq.format_designator_value(3, "é".encode()) == "é"


def test_inq_hex_dump() -> None:
    assert iscsi_inq.format_hex_dump(bytes(range(18))) == [
        "0000: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f",
        "0010: 10 11",
    ]


def test_inq_full_length_from_header() -> None:
    assert iscsi_inq.full_length(bytes([0, 0, 5, 0x12, 0x3D]) + bytes(59), evpd=False) == 66
    assert iscsi_inq.full_length(bytes([0, 0x83, 0x00, 0x48]), evpd=True) == 76
    assert iscsi_inq.full_length(b"\x00\x83", evpd=True) == 2


# ---------------------------------------------------------------------------- command line


def parse(tool: str, argv: list[str]) -> object:
    module = {"ls": iscsi_ls, "inq": iscsi_inq, "rc16": iscsi_readcapacity16}[tool]
    return common.parse_args(module.build_parser(), argv)


def test_bare_debug_means_level_1() -> None:
    args = parse("inq", ["-d", "iscsi://h/iqn.x:y/1"])
    assert args.debug == 1  # type: ignore[attr-defined]
    assert args.url == "iscsi://h/iqn.x:y/1"  # type: ignore[attr-defined]


@pytest.mark.parametrize("argv", [["-d", "2"], ["-d2"], ["--debug", "2"], ["--debug=2"]])
def test_debug_level_given(argv: list[str]) -> None:
    args = parse("rc16", [*argv, "iscsi://h/iqn.x:y/1"])
    assert args.debug == 2  # type: ignore[attr-defined]


def test_debug_level_from_environment() -> None:
    assert common.debug_level(None, {"LIBISCSI_DEBUG": "2"}) == 2
    assert common.debug_level(3, {"LIBISCSI_DEBUG": "2"}) == 3
    assert common.debug_level(None, {}) == 0
    # libiscsi reads it with atoi: a value that is not a number means 0, not a failure
    assert common.debug_level(None, {"LIBISCSI_DEBUG": "lots"}) == 0
    assert common.debug_level(None, {"LIBISCSI_DEBUG": "abc"}) == 0


@pytest.mark.parametrize(("text", "value"), [("131", 131), ("0x83", 0x83), ("0xB0", 0xB0)])
def test_pagecode_decimal_or_hex(text: str, value: int) -> None:
    args = parse("inq", ["-e", "1", "-c", text, "iscsi://h/iqn.x:y/1"])
    assert args.pagecode == value  # type: ignore[attr-defined]
    assert args.evpd == 1  # type: ignore[attr-defined]


@given(st.integers(0, 255), st.booleans())
def test_byte_argument_round_trip(value: int, as_hex: bool) -> None:
    assert common.byte_argument(hex(value) if as_hex else str(value)) == value


@pytest.mark.parametrize("text", ["256", "-1", "0xzz", "b0"])
def test_pagecode_out_of_range_is_a_usage_error(text: str) -> None:
    with pytest.raises(common.UsageError, match="pagecode"):
        parse("inq", ["-e", "1", "-c", text, "iscsi://h/iqn.x:y/1"])


def test_ls_options() -> None:
    args = parse("ls", ["-s", "-U", "-i", "iqn.1999-01.x:me", "iscsi://h"])
    assert (args.show_luns, args.urls, args.initiator_name) == (  # type: ignore[attr-defined]
        True,
        True,
        "iqn.1999-01.x:me",
    )
    args = parse("ls", ["--show-luns", "--url", "iscsi://h"])
    assert args.initiator_name == "iqn.2024-01.org.pyiscsi:iscsi-ls"  # type: ignore[attr-defined]


def test_readcapacity16_size_option() -> None:
    assert parse("rc16", ["-s", "iscsi://h/iqn.x:y/1"]).size is True  # type: ignore[attr-defined]
    assert parse("rc16", ["--size", "iscsi://h/iqn.x:y/1"]).size is True  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------- errors and exits


def run(main: object) -> tuple[int, list[str]]:
    err = io.StringIO()
    status = common.run(main, prog="iscsi-inq", stderr=err)  # type: ignore[arg-type]
    return status, err.getvalue().splitlines()


def raises(exc: BaseException) -> object:
    def body() -> int:
        raise exc

    return body


def test_login_failure_is_one_line() -> None:
    status, lines = run(raises(AuthenticationError("CHAP authentication failed", 2, 1)))
    assert status == common.EXIT_FAILURE
    assert lines == ["iscsi-inq: login failed: CHAP authentication failed"]


@pytest.mark.parametrize(
    ("exc", "line"),
    [
        (URLError("invalid iSCSI URL 'x': it does not start with 'iscsi://'"),
         "iscsi-inq: invalid iSCSI URL 'x': it does not start with 'iscsi://'"),
        (ISCSIConnectionError("cannot connect to 127.0.0.1:1: Connection refused"),
         "iscsi-inq: connection failed: cannot connect to 127.0.0.1:1: Connection refused"),
        (ConnectionRefusedError(111, "Connection refused"),
         "iscsi-inq: connection failed: Connection refused"),
        (CheckConditionError(None), "iscsi-inq: CHECK CONDITION (no sense data)"),
        (ValueError("allocation_length: 70000 does not fit"),
         "iscsi-inq: allocation_length: 70000 does not fit"),
        (common.ToolError("INQUIRY failed: BUSY"), "iscsi-inq: INQUIRY failed: BUSY"),
    ],
)
def test_errors_are_one_line(exc: BaseException, line: str) -> None:
    status, lines = run(raises(exc))
    assert status == common.EXIT_FAILURE
    assert lines == [line]


def test_usage_error_exit_2() -> None:
    status, lines = run(raises(common.UsageError("the following arguments are required: url")))
    assert status == common.EXIT_USAGE
    assert lines == [
        "iscsi-inq: the following arguments are required: url (try iscsi-inq --help)"
    ]


def test_interrupt_exit_130() -> None:
    status, lines = run(raises(KeyboardInterrupt()))
    assert (status, lines) == (common.EXIT_INTERRUPTED, ["iscsi-inq: interrupted"])


def test_run_awaits_a_coroutine_and_its_result() -> None:
    async def body() -> int:
        return 3

    assert run(body()) == (3, [])
    assert run(body) == (3, [])


@pytest.mark.parametrize("tool", [iscsi_ls, iscsi_inq, iscsi_readcapacity16])
def test_help_exits_0(tool: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert tool.main(["--help"]) == 0  # type: ignore[attr-defined]
    out = capsys.readouterr().out
    assert "--initiator-name" in out
    assert "<host> is either of:" in out


@pytest.mark.parametrize("tool", [iscsi_ls, iscsi_inq, iscsi_readcapacity16])
def test_missing_url_is_one_line(tool: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert tool.main([]) == common.EXIT_USAGE  # type: ignore[attr-defined]
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert "required: url" in err[0]


@pytest.mark.parametrize(
    ("tool", "url"),
    [(iscsi_inq, "iscsi://127.0.0.1/iqn.x:y"), (iscsi_readcapacity16, "http://x/y/1"),
     (iscsi_ls, "iscsi://127.0.0.1/iqn.x:y/1/2")],
)
def test_bad_url_is_one_line(tool: object, url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert tool.main([url]) == common.EXIT_FAILURE  # type: ignore[attr-defined]
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert captured.out == ""
    assert len(err) == 1
    assert err[0].startswith(tool.PROG + ": ")  # type: ignore[attr-defined]
    assert "Traceback" not in captured.err


# ---------------------------------------------------------------------------- logging


def test_debug_level_1_logs_login_keys_only() -> None:
    stream = io.StringIO()
    common.setup_logging(1, stream)
    logging.getLogger("pyiscsi.login").debug("HeaderDigest=CRC32C")
    logging.getLogger("pyiscsi.pdu").debug("SCSI Command ITT 0x1")
    assert stream.getvalue().splitlines() == ["pyiscsi.login: HeaderDigest=CRC32C"]


def test_debug_level_2_adds_pdus_and_setup_replaces_handler() -> None:
    common.setup_logging(1, io.StringIO())
    stream = io.StringIO()
    common.setup_logging(2, stream)
    logging.getLogger("pyiscsi.login").debug("HeaderDigest=CRC32C")
    logging.getLogger("pyiscsi.pdu").debug("SCSI Command ITT 0x1")
    assert stream.getvalue().splitlines() == [
        "pyiscsi.login: HeaderDigest=CRC32C",
        "pyiscsi.pdu: SCSI Command ITT 0x1",
    ]


def test_debug_level_0_shows_warnings_only() -> None:
    stream = io.StringIO()
    common.setup_logging(0, stream)
    logging.getLogger("pyiscsi.login").debug("HeaderDigest=CRC32C")
    logging.getLogger("pyiscsi.session").warning("target sent undecodable sense data")
    assert stream.getvalue().splitlines() == [
        "pyiscsi.session: target sent undecodable sense data"
    ]


def test_closed_stdout_stops_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    redirected: list[tuple[int, int]] = []
    monkeypatch.setattr(os, "dup2", lambda a, b: redirected.append((a, b)))
    status, lines = run(raises(BrokenPipeError(32, "Broken pipe")))
    assert (status, lines) == (common.EXIT_OK, [])
    assert len(redirected) == 1
