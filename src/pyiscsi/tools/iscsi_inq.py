"""iscsi-inq: send INQUIRY to a LUN and print the standard data or a decoded VPD page.

Output matches libiscsi 1.19's ``iscsi-inq`` line for line, including its names for device
types, versions and designators and its order of designators (the reverse of the page's).
Differences: binary designators are printed as hex bytes (``Designator:[ 60 00 ...]``, as
libiscsi 1.20 does) instead of raw bytes; VPD pages the tool does not decode are printed as a
hex dump instead of failing; ``-c``/``-e`` take 0x hex as well as decimal (as in libiscsi 1.20;
1.19 reads ``-c 0x83`` as 0).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import pyiscsi
from pyiscsi.scsi.cdb import Inquiry
from pyiscsi.scsi.inquiry import (
    ASSOCIATION_NAMES,
    CODE_SET_NAMES,
    DESIGNATOR_TYPE_NAMES,
    PAGE_CODE_NAMES,
    PERIPHERAL_QUALIFIER_NAMES,
    PROTOCOL_IDENTIFIER_NAMES,
    VERSION_DESCRIPTOR_NAMES,
    VERSION_NAMES,
    BlockDeviceCharacteristics,
    BlockLimits,
    Designator,
    DeviceIdentification,
    LogicalBlockProvisioning,
    StandardInquiry,
    SupportedVpdPages,
    UnitSerialNumber,
    VpdPage,
    device_type_name,
    parse_standard_inquiry,
    parse_vpd,
)
from pyiscsi.tools import common

PROG = "iscsi-inq"

CODE_SET_BINARY = 1


def _name(table: dict[int, str], value: int | None) -> str:
    return "unknown" if value is None else table.get(value, "unknown")


def _n(value: int | bool | None) -> int:
    """A field as libiscsi prints it: an int, 0 when the target did not send it."""
    return 0 if value is None else int(value)


def c_string(text: bytes | str | None) -> str:
    """``text`` up to its first NUL (what C's ``printf("%s")`` shows); "" for None."""
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="backslashreplace")
    return text.split("\x00", 1)[0]


# ---------------------------------------------------------------------------- formatting


def format_standard_inquiry(inq: StandardInquiry) -> list[str]:
    """The lines libiscsi's iscsi-inq prints for standard INQUIRY data."""
    lines = [
        f"Peripheral Qualifier:{_name(PERIPHERAL_QUALIFIER_NAMES, inq.peripheral_qualifier)}",
        f"Peripheral Device Type:{device_type_name(inq.peripheral_device_type)}",
        f"Removable:{_n(inq.rmb)}",
        f"Version:{_n(inq.version)} {_name(VERSION_NAMES, inq.version)}",
        f"NormACA:{_n(inq.normaca)}",
        f"HiSup:{_n(inq.hisup)}",
        f"ReponseDataFormat:{_n(inq.response_data_format)}",
        f"SCCS:{_n(inq.sccs)}",
        f"ACC:{_n(inq.acc)}",
        f"TPGS:{_n(inq.tpgs)}",
        f"3PC:{_n(inq.threepc)}",
        f"Protect:{_n(inq.protect)}",
        f"EncServ:{_n(inq.encserv)}",
        f"MultiP:{_n(inq.multip)}",
        f"SYNC:{_n(inq.sync)}",
        f"CmdQue:{_n(inq.cmdque)}",
        f"Vendor:{c_string(inq.t10_vendor_identification)}",
        f"Product:{c_string(inq.product_identification)}",
        f"Revision:{c_string(inq.product_revision_level)}",
    ]
    for descriptor in inq.version_descriptors[:8]:
        if descriptor:
            name = _name(VERSION_DESCRIPTOR_NAMES, descriptor)
            lines.append(f"Version Descriptor:{descriptor:04x} {name}")
    return lines


def format_supported_pages(page: SupportedVpdPages) -> list[str]:
    """``Page:0xNN NAME`` for each page of the Supported VPD Pages page (00h)."""
    return [f"Page:0x{code:02x} {_name(PAGE_CODE_NAMES, code)}" for code in page.supported_pages]


def format_unit_serial_number(page: UnitSerialNumber) -> list[str]:
    """``Unit Serial Number:[...]`` for the Unit Serial Number page (80h)."""
    return [f"Unit Serial Number:[{c_string(page.product_serial_number)}]"]


def format_designator_value(code_set: int, designator: bytes) -> str:
    """A designator as shown between brackets: hex bytes when binary, else text up to a NUL."""
    if code_set == CODE_SET_BINARY:
        return "".join(f" {byte:02x}" for byte in designator)
    return c_string(designator)


def format_designator(index: int, dev: Designator) -> list[str]:
    """The lines of one designation descriptor, headed ``DEVICE DESIGNATOR #<index>``."""
    lines = [f"DEVICE DESIGNATOR #{index}"]
    if dev.piv:
        name = _name(PROTOCOL_IDENTIFIER_NAMES, dev.protocol_identifier)
        lines.append(f"Device Protocol Identifier:({dev.protocol_identifier}) {name}")
    lines += [
        f"Code Set:({dev.code_set}) {_name(CODE_SET_NAMES, dev.code_set)}",
        f"PIV:{int(dev.piv)}",
        f"Association:({dev.association}) {_name(ASSOCIATION_NAMES, dev.association)}",
        f"Designator Type:({dev.designator_type}) "
        f"{_name(DESIGNATOR_TYPE_NAMES, dev.designator_type)}",
        f"Designator:[{format_designator_value(dev.code_set, dev.designator)}]",
    ]
    return lines


def format_device_identification(page: DeviceIdentification) -> list[str]:
    """The lines for the Device Identification page (83h), designators in libiscsi's order
    (the reverse of the page's).
    """
    lines = [
        f"Peripheral Qualifier:{_name(PERIPHERAL_QUALIFIER_NAMES, page.peripheral_qualifier)}",
        f"Peripheral Device Type:{device_type_name(page.peripheral_device_type)}",
        f"Page Code:(0x{_n(page.page_code):02x}) {_name(PAGE_CODE_NAMES, page.page_code)}",
    ]
    for index, dev in enumerate(reversed(page.designators)):
        lines += format_designator(index, dev)
    return lines


def format_block_limits(page: BlockLimits) -> list[str]:
    """The lines for the Block Limits page (B0h)."""
    return [
        f"wsnz:{_n(page.wsnz)}",
        f"maximum compare and write length:{_n(page.maximum_compare_and_write_length)}",
        f"optimal transfer length granularity:{_n(page.optimal_transfer_length_granularity)}",
        f"maximum transfer length:{_n(page.maximum_transfer_length)}",
        f"optimal transfer length:{_n(page.optimal_transfer_length)}",
        f"maximum prefetch xdread xdwrite transfer length:{_n(page.maximum_prefetch_length)}",
        f"maximum unmap lba count:{_n(page.maximum_unmap_lba_count)}",
        f"maximum unmap block descriptor count:{_n(page.maximum_unmap_block_descriptor_count)}",
        f"optimal unmap granularity:{_n(page.optimal_unmap_granularity)}",
        f"ugavalid:{_n(page.ugavalid)}",
        f"unmap granularity alignment:{_n(page.unmap_granularity_alignment)}",
        f"maximum write same length:{_n(page.maximum_write_same_length)}",
    ]


def format_block_device_characteristics(page: BlockDeviceCharacteristics) -> list[str]:
    """The line for the Block Device Characteristics page (B1h)."""
    return [f"Medium Rotation Rate:{_n(page.medium_rotation_rate)}RPM"]


def format_logical_block_provisioning(page: LogicalBlockProvisioning) -> list[str]:
    """The lines for the Logical Block Provisioning page (B2h).

    ``lbprz`` is SBC-4's 3-bit LBPRZ field (libiscsi shows only its low bit; the two agree
    for 0 and 1).
    """
    return [
        f"Threshold Exponent:{_n(page.threshold_exponent)}",
        f"lbpu:{_n(page.lbpu)}",
        f"lbpws:{_n(page.lbpws)}",
        f"lbpws10:{_n(page.lbpws10)}",
        f"lbprz:{_n(page.lbprz)}",
        f"anc_sup:{_n(page.anc_sup)}",
        f"dp:{_n(page.dp)}",
        f"provisioning type:{_n(page.provisioning_type)}",
    ]


def format_hex_dump(data: bytes) -> list[str]:
    """``OOOO: xx xx ...`` lines of 16 bytes, for pages the tool does not decode."""
    return [
        f"{offset:04x}: " + " ".join(f"{b:02x}" for b in data[offset : offset + 16])
        for offset in range(0, len(data), 16)
    ]


def format_vpd_page(page: VpdPage, data: bytes) -> list[str]:
    """The lines for a parsed VPD page; pages not decoded here as a hex dump of ``data``."""
    if isinstance(page, SupportedVpdPages):
        return format_supported_pages(page)
    if isinstance(page, UnitSerialNumber):
        return format_unit_serial_number(page)
    if isinstance(page, DeviceIdentification):
        return format_device_identification(page)
    if isinstance(page, BlockLimits):
        return format_block_limits(page)
    if isinstance(page, BlockDeviceCharacteristics):
        return format_block_device_characteristics(page)
    if isinstance(page, LogicalBlockProvisioning):
        return format_logical_block_provisioning(page)
    code = _n(page.page_code)
    return [f"Page Code:(0x{code:02x}) {_name(PAGE_CODE_NAMES, code)}", *format_hex_dump(data)]


def format_inquiry_data(data: bytes, *, evpd: bool) -> list[str]:
    """Parse INQUIRY data-in and return the lines to print."""
    if not evpd:
        return format_standard_inquiry(parse_standard_inquiry(data))
    return format_vpd_page(parse_vpd(data), data)


# ---------------------------------------------------------------------------- the command

INITIAL_ALLOCATION_LENGTH = 64


def full_length(data: bytes, *, evpd: bool) -> int:
    """The length of the whole INQUIRY data as its header states it (SPC-5 6.7.2, 7.7.1)."""
    if not evpd:
        return data[4] + 5 if len(data) >= 5 else len(data)
    return int.from_bytes(data[2:4], "big") + 4 if len(data) >= 4 else len(data)


async def inquiry(session: pyiscsi.Session, *, evpd: bool, page_code: int) -> bytes:
    """The INQUIRY data, asking again if 64 bytes were not enough."""
    length = INITIAL_ALLOCATION_LENGTH
    while True:
        cdb = Inquiry(evpd=evpd, page_code=page_code, allocation_length=length).encode()
        data = await common.execute(session, "INQUIRY", cdb, length)
        wanted = min(full_length(data, evpd=evpd), 0xFFFF)
        if wanted <= length or len(data) < length:
            return data
        length = wanted


def inquiry_json(data: bytes, *, evpd: bool) -> dict[str, Any]:
    """The JSON document: the parsed fields, the text lines and the raw bytes in hex."""
    parsed = parse_vpd(data) if evpd else parse_standard_inquiry(data)
    return {
        "evpd": evpd,
        "fields": common.jsonable(parsed),
        "lines": format_inquiry_data(data, evpd=evpd),
        "raw": data.hex(),
    }


def add_options(parser: common.ToolArgumentParser) -> None:
    """``[-e EVPD] [-c PAGECODE] <iscsi-url>``."""
    parser.add_argument(
        "-e",
        "--evpd",
        metavar="N",
        type=common.byte_argument,
        default=0,
        help="non-zero: ask for the vital product data page given by -c",
    )
    parser.add_argument(
        "-c",
        "--pagecode",
        metavar="CODE",
        type=common.byte_argument,
        default=0,
        help="VPD page code, decimal or 0x hex (0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2 decoded)",
    )
    parser.add_argument("url", help="iscsi://[user[%%password]@]host[:port]/target-iqn/lun")


async def body(args: argparse.Namespace, out: common.Output) -> int:
    """Log in, check the LUN exists, INQUIRY, print."""
    evpd = args.evpd != 0
    async with common.open_lun(args) as session:
        data = await inquiry(session, evpd=evpd, page_code=args.pagecode)
    out.lines(format_inquiry_data(data, evpd=evpd))
    out.data.update(inquiry_json(data, evpd=evpd))
    return common.EXIT_OK


TOOL = common.Tool(
    PROG,
    "Send INQUIRY to an iSCSI LUN and print the standard data or a VPD page.",
    add_options,
    body,
    uvloop=False,
)


def build_parser() -> common.ToolArgumentParser:
    """The command line: ``[-e EVPD] [-c PAGECODE] [-i IQN] [-d N] [--json] <iscsi-url>``."""
    return TOOL.parser()


def main(argv: list[str] | None = None) -> int:
    """Run iscsi-inq with ``argv`` (default: the command line); returns the exit status."""
    return TOOL.main(argv)


if __name__ == "__main__":
    sys.exit(main())
