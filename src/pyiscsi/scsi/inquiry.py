"""INQUIRY data: the standard data (SPC-5 6.7.2) and the vital product data pages (SPC-5 7.7,
SBC-4 6.6).

Every parser takes the data-in bytes as received. Short data (the allocation length cut it)
or data whose length fields claim more than was sent is parsed as far as it goes: fields that
could not be read are ``None``, lists hold the entries that were complete, and ``truncated``
says the response was cut. No parser raises on short or lying data.
"""

from __future__ import annotations

import logging
from dataclasses import field
from enum import IntEnum
from typing import Any

from pyiscsi._dataclass import dataclass
from pyiscsi.scsi._fields import FieldSpec
from pyiscsi.scsi._fields import be as _be
from pyiscsi.scsi._fields import text as _text
from pyiscsi.scsi._fields import unpack as _unpack

__all__ = [
    "ASSOCIATION_NAMES",
    "CODE_SET_NAMES",
    "DESIGNATOR_TYPE_NAMES",
    "PAGE_CODE_NAMES",
    "PERIPHERAL_DEVICE_TYPE_NAMES",
    "PERIPHERAL_QUALIFIER_NAMES",
    "PROTOCOL_IDENTIFIER_NAMES",
    "VERSION_DESCRIPTOR_NAMES",
    "VERSION_NAMES",
    "Association",
    "BlockDeviceCharacteristics",
    "BlockDeviceRodLimits",
    "BlockLimits",
    "CodeSet",
    "Designator",
    "DesignatorType",
    "DeviceIdentification",
    "ExtendedInquiry",
    "GeneralCopyOperations",
    "LogicalBlockProvisioning",
    "PeripheralDeviceType",
    "PeripheralQualifier",
    "ProtocolIdentifier",
    "StandardInquiry",
    "SupportedCommandsDescriptor",
    "SupportedCscdIds",
    "SupportedDescriptors",
    "SupportedVpdPages",
    "ThirdPartyCopy",
    "ThirdPartyCopyDescriptor",
    "ThirdPartyCopyParameterData",
    "UnitSerialNumber",
    "UnknownVpdPage",
    "VpdPage",
    "VpdPageCode",
    "device_type_name",
    "parse_designation_descriptors",
    "parse_designator",
    "parse_standard_inquiry",
    "parse_vpd",
]

log = logging.getLogger(__name__)


# ------------------------------------------------------------------------------ names


class PeripheralQualifier(IntEnum):
    """PERIPHERAL QUALIFIER (SPC-5 table 147)."""

    CONNECTED = 0
    DISCONNECTED = 1
    NOT_SUPPORTED = 3


class PeripheralDeviceType(IntEnum):
    """PERIPHERAL DEVICE TYPE (SPC-5 table 148)."""

    DIRECT_ACCESS = 0x00
    SEQUENTIAL_ACCESS = 0x01
    PRINTER = 0x02
    PROCESSOR = 0x03
    WRITE_ONCE = 0x04
    MMC = 0x05
    SCANNER = 0x06
    OPTICAL_MEMORY = 0x07
    MEDIA_CHANGER = 0x08
    COMMUNICATIONS = 0x09
    STORAGE_ARRAY_CONTROLLER = 0x0C
    ENCLOSURE_SERVICES = 0x0D
    SIMPLIFIED_DIRECT_ACCESS = 0x0E
    OPTICAL_CARD_READER = 0x0F
    BRIDGE_CONTROLLER = 0x10
    OSD = 0x11
    AUTOMATION = 0x12
    SECURITY_MANAGER = 0x13
    ZONED_BLOCK = 0x14
    WELL_KNOWN_LUN = 0x1E
    UNKNOWN = 0x1F


#: The names libiscsi's ``scsi_devtype_to_str`` gives (and iscsi-inq prints), spelling included.
PERIPHERAL_DEVICE_TYPE_NAMES: dict[int, str] = {
    0x00: "DIRECT_ACCESS",
    0x01: "SEQUENTIAL_ACCESS",
    0x02: "PRINTER",
    0x03: "PROCESSOR",
    0x04: "WRITE_ONCE",
    0x05: "MMC",
    0x06: "SCANNER",
    0x07: "OPTICAL_MEMORY",
    0x08: "MEDIA_CHANGER",
    0x09: "COMMUNICATIONS",
    0x0C: "STORAGE_ARRAY_CONTROLLER",
    0x0D: "ENCLOSURE_SERVICES",
    0x0E: "SIMPLIFIED_DIRECT_ACCESS",
    0x0F: "OPTICAL_CARD_READER",
    0x10: "BRIDGE_CONTROLLER",
    0x11: "OSD",
    0x12: "AUTOMATION",
    0x13: "SEQURITY_MANAGER",
    0x1E: "WELL_KNOWN_LUN",
    0x1F: "UNKNOWN",
}

#: libiscsi's names of the peripheral qualifiers.
PERIPHERAL_QUALIFIER_NAMES: dict[int, str] = {0: "CONNECTED", 1: "DISCONNECTED", 3: "NOT_SUPPORTED"}

#: libiscsi's names of the VERSION field values.
VERSION_NAMES: dict[int, str] = {
    3: "ANSI INCITS 301-1997 (SPC)",
    4: "ANSI INCITS 351-2001 (SPC-2)",
    5: "ANSI INCITS 408-2005 (SPC-3)",
}

#: libiscsi's names of version descriptors (SPC-5 table 151 codes).
VERSION_DESCRIPTOR_NAMES: dict[int, str] = {
    0x0960: "iSCSI",
    0x0180: "SBC",
    0x019C: "SBC ANSI INCITS 306-1998",
    0x019B: "SBC T10/0996-D revision 08c",
    0x0320: "SBC-2",
    0x033E: "SBC-2 ISO/IEC 14776-322",
    0x033D: "SBC-2 ANSI INCITS 405-2005",
    0x033B: "SBC-2 T10/1417-D revision 16",
    0x0322: "SBC-2 T10/1417-D revision 5A",
    0x0324: "SBC-2 T10/1417-D revision 15",
    0x04C0: "SBC-3",
    0x0120: "SPC",
    0x013C: "SPC ANSI INCITS 301-1997",
    0x013B: "SPC T10/0995-D revision 11a",
    0x0260: "SPC-2",
    0x0278: "SPC-2 ISO.IEC 14776-452",
    0x0277: "SPC-2 ANSI INCITS 351-2001",
    0x0276: "SPC-2 T10/1236-D revision 20",
    0x0267: "SPC-2 T10/1236-D revision 12",
    0x0269: "SPC-2 T10/1236-D revision 18",
    0x0275: "SPC-2 T10/1236-D revision 19",
    0x0300: "SPC-3",
    0x0316: "SPC-3 ISO/IEC 14776-453",
    0x0314: "SPC-3 ANSI INCITS 408-2005",
    0x0301: "SPC-3 T10/1416-D revision 7",
    0x0307: "SPC-3 T10/1416-D revision 21",
    0x030F: "SPC-3 T10/1416-D revision 22",
    0x0312: "SPC-3 T10/1416-D revision 23",
    0x0460: "SPC-4",
    0x0461: "SPC-4 T10/1731-D revision 16",
    0x0462: "SPC-4 T10/1731-D revision 18",
    0x0463: "SPC-4 T10/1731-D revision 23",
    0x0200: "SSC",
    0x1747: "UAS T10/2095-D revision 04",
}


class VpdPageCode(IntEnum):
    """VPD page codes decoded here."""

    SUPPORTED_VPD_PAGES = 0x00
    UNIT_SERIAL_NUMBER = 0x80
    DEVICE_IDENTIFICATION = 0x83
    EXTENDED_INQUIRY_DATA = 0x86
    THIRD_PARTY_COPY = 0x8F
    BLOCK_LIMITS = 0xB0
    BLOCK_DEVICE_CHARACTERISTICS = 0xB1
    LOGICAL_BLOCK_PROVISIONING = 0xB2


#: libiscsi's names of the VPD pages it decodes.
PAGE_CODE_NAMES: dict[int, str] = {
    0x00: "SUPPORTED_VPD_PAGES",
    0x80: "UNIT_SERIAL_NUMBER",
    0x83: "DEVICE_IDENTIFICATION",
    0xB0: "BLOCK_LIMITS",
    0xB1: "BLOCK_DEVICE_CHARACTERISTICS",
    0xB2: "LOGICAL_BLOCK_PROVISIONING",
}


class ProtocolIdentifier(IntEnum):
    """PROTOCOL IDENTIFIER (SPC-5 table 444)."""

    FIBRE_CHANNEL = 0x0
    PARALLEL_SCSI = 0x1
    SSA = 0x2
    IEEE_1394 = 0x3
    RDMA = 0x4
    ISCSI = 0x5
    SAS = 0x6
    ADT = 0x7
    ATA = 0x8
    UAS = 0x9
    SOP = 0xA
    PCIE = 0xB
    NONE = 0xF


#: libiscsi's names of protocol identifiers.
PROTOCOL_IDENTIFIER_NAMES: dict[int, str] = {
    0x0: "FIBRE_CHANNEL",
    0x1: "PARALLEL_SCSI",
    0x2: "SSA",
    0x3: "IEEE_1394",
    0x4: "RDMA",
    0x5: "ISCSI",
    0x6: "SAS",
    0x7: "ADT",
    0x8: "ATA",
}


class CodeSet(IntEnum):
    """CODE SET of a designation descriptor (SPC-5 table 597)."""

    BINARY = 1
    ASCII = 2
    UTF8 = 3


#: libiscsi's names of code sets.
CODE_SET_NAMES: dict[int, str] = {1: "BINARY", 2: "ASCII", 3: "UTF8"}


class Association(IntEnum):
    """ASSOCIATION of a designation descriptor (SPC-5 table 598)."""

    LOGICAL_UNIT = 0
    TARGET_PORT = 1
    TARGET_DEVICE = 2


#: libiscsi's names of associations.
ASSOCIATION_NAMES: dict[int, str] = {0: "LOGICAL_UNIT", 1: "TARGET_PORT", 2: "TARGET_DEVICE"}


class DesignatorType(IntEnum):
    """DESIGNATOR TYPE (SPC-5 table 599)."""

    VENDOR_SPECIFIC = 0x0
    T10_VENDOR_ID = 0x1
    EUI_64 = 0x2
    NAA = 0x3
    RELATIVE_TARGET_PORT = 0x4
    TARGET_PORT_GROUP = 0x5
    LOGICAL_UNIT_GROUP = 0x6
    MD5_LOGICAL_UNIT_IDENTIFIER = 0x7
    SCSI_NAME_STRING = 0x8
    PROTOCOL_SPECIFIC_PORT_IDENTIFIER = 0x9
    UUID = 0xA


#: libiscsi's names of designator types (its spelling ``T10_VENDORT_ID`` kept).
DESIGNATOR_TYPE_NAMES: dict[int, str] = {
    0: "VENDOR_SPECIFIC",
    1: "T10_VENDORT_ID",
    2: "EUI_64",
    3: "NAA",
    4: "RELATIVE_TARGET_PORT",
    5: "TARGET_PORT_GROUP",
    6: "LOGICAL_UNIT_GROUP",
    7: "MD5_LOGICAL_UNIT_IDENTIFIER",
    8: "SCSI_NAME_STRING",
}


def device_type_name(peripheral_device_type: int | None) -> str:
    """libiscsi's name of a peripheral device type (``DIRECT_ACCESS``...), else ``unknown``."""
    if peripheral_device_type is None:
        return "unknown"
    return PERIPHERAL_DEVICE_TYPE_NAMES.get(peripheral_device_type, "unknown")


# ------------------------------------------------------------------ standard INQUIRY data


@dataclass(slots=True)
class StandardInquiry:
    """Standard INQUIRY data (SPC-5 6.7.2). Text fields keep their blank padding."""

    peripheral_qualifier: int | None = None
    peripheral_device_type: int | None = None
    rmb: bool | None = None
    lu_cong: bool | None = None
    version: int | None = None
    normaca: bool | None = None
    hisup: bool | None = None
    response_data_format: int | None = None
    additional_length: int | None = None
    sccs: bool | None = None
    acc: bool | None = None
    tpgs: int | None = None
    threepc: bool | None = None
    protect: bool | None = None
    encserv: bool | None = None
    multip: bool | None = None
    addr16: bool | None = None
    wbus16: bool | None = None
    sync: bool | None = None
    cmdque: bool | None = None
    t10_vendor_identification: str | None = None
    product_identification: str | None = None
    product_revision_level: str | None = None
    vendor_specific: bytes | None = None
    clocking: int | None = None
    qas: bool | None = None
    ius: bool | None = None
    version_descriptors: list[int] = field(default_factory=list)
    truncated: bool = False


_STANDARD_FIELDS: tuple[FieldSpec, ...] = (
    ("peripheral_qualifier", 0, 7, 3),
    ("peripheral_device_type", 0, 4, 5),
    ("rmb", 1, 7, 1),
    ("lu_cong", 1, 6, 1),
    ("version", 2, 7, 8),
    ("normaca", 3, 5, 1),
    ("hisup", 3, 4, 1),
    ("response_data_format", 3, 3, 4),
    ("additional_length", 4, 7, 8),
    ("sccs", 5, 7, 1),
    ("acc", 5, 6, 1),
    ("tpgs", 5, 5, 2),
    ("threepc", 5, 3, 1),
    ("protect", 5, 0, 1),
    ("encserv", 6, 6, 1),
    ("multip", 6, 4, 1),
    ("addr16", 6, 0, 1),
    ("wbus16", 7, 5, 1),
    ("sync", 7, 4, 1),
    ("cmdque", 7, 1, 1),
)

_EXTRA_FIELDS: tuple[FieldSpec, ...] = (
    ("clocking", 56, 3, 2),
    ("qas", 56, 1, 1),
    ("ius", 56, 0, 1),
)


def parse_standard_inquiry(data: bytes | bytearray | memoryview) -> StandardInquiry:
    """Parse standard INQUIRY data (EVPD=0).

    Only the bytes the ADDITIONAL LENGTH covers are read; fields past the received data or past
    that length are None. ``truncated`` is set when fewer than ADDITIONAL LENGTH + 5 bytes came.
    """
    raw = bytes(data)
    values = _unpack(raw, _STANDARD_FIELDS)
    length = values["additional_length"]
    total = length + 5 if length is not None else 5
    view = raw[:total]
    inq = StandardInquiry(**values)
    inq.truncated = len(raw) < total
    inq.t10_vendor_identification = _text(view, 8, 8)
    inq.product_identification = _text(view, 16, 16)
    inq.product_revision_level = _text(view, 32, 4)
    if len(view) >= 56:
        inq.vendor_specific = view[36:56]
    extra = _unpack(view, _EXTRA_FIELDS)
    inq.clocking, inq.qas, inq.ius = extra["clocking"], extra["qas"], extra["ius"]
    for offset in range(58, 74, 2):
        descriptor = _be(view, offset, 2)
        if descriptor is None:
            break
        if descriptor:
            inq.version_descriptors.append(descriptor)
    return inq


# ------------------------------------------------------------------------------ VPD pages


@dataclass(slots=True)
class VpdPage:
    """The header every VPD page starts with (SPC-5 7.7.1)."""

    peripheral_qualifier: int | None = None
    peripheral_device_type: int | None = None
    page_code: int | None = None
    page_length: int | None = None
    truncated: bool = False


@dataclass(slots=True)
class UnknownVpdPage(VpdPage):
    """A page this module does not decode; ``data`` is the page after its 4-byte header."""

    data: bytes = b""


@dataclass(slots=True)
class SupportedVpdPages(VpdPage):
    """Supported VPD Pages page (00h)."""

    supported_pages: list[int] = field(default_factory=list)


@dataclass(slots=True)
class UnitSerialNumber(VpdPage):
    """Unit Serial Number page (80h): PRODUCT SERIAL NUMBER as text (padding kept)."""

    product_serial_number: str | None = None


@dataclass(slots=True)
class Designator:
    """One designation descriptor (SPC-5 7.7.6.1).

    ``designator`` is the raw DESIGNATOR field; ``value`` is it as text: hex digits when the code
    set is binary, else the text up to its first NUL. The fields after ``value`` are decoded
    from the designator according to its type, None where they do not apply.
    """

    protocol_identifier: int
    code_set: int
    piv: bool
    association: int
    designator_type: int
    designator_length: int
    designator: bytes
    value: str
    truncated: bool = False
    naa: int | None = None
    t10_vendor_identification: str | None = None
    vendor_specific_identifier: bytes | None = None
    relative_target_port_identifier: int | None = None
    target_port_group: int | None = None
    logical_unit_group: int | None = None
    scsi_name_string: str | None = None
    uuid: str | None = None

    @property
    def hex(self) -> str:
        """The designator as lowercase hex digits."""
        return self.designator.hex()


def _designator_text(code_set: int, designator: bytes) -> str:
    if code_set == CodeSet.BINARY:
        return designator.hex()
    end = designator.find(b"\x00")
    if end >= 0:
        designator = designator[:end]
    return designator.decode("utf-8" if code_set == CodeSet.UTF8 else "ascii", errors="replace")


def parse_designator(data: bytes | bytearray | memoryview, offset: int = 0) -> Designator | None:
    """Parse the designation descriptor at ``offset``; None if its 4-byte header is cut.

    A designator cut short keeps what was received and has ``truncated`` set.
    """
    raw = bytes(data)
    if offset + 4 > len(raw):
        return None
    length = raw[offset + 3]
    body = raw[offset + 4 : offset + 4 + length]
    code_set = raw[offset] & 0x0F
    dtype = raw[offset + 1] & 0x0F
    des = Designator(
        protocol_identifier=raw[offset] >> 4,
        code_set=code_set,
        piv=bool(raw[offset + 1] & 0x80),
        association=(raw[offset + 1] >> 4) & 0x03,
        designator_type=dtype,
        designator_length=length,
        designator=body,
        value=_designator_text(code_set, body),
        truncated=len(body) < length,
    )
    if dtype == DesignatorType.NAA and body:
        des.naa = body[0] >> 4
    elif dtype == DesignatorType.T10_VENDOR_ID:
        des.t10_vendor_identification = _text(body, 0, 8)
        if len(body) >= 8:
            des.vendor_specific_identifier = body[8:]
    elif dtype == DesignatorType.RELATIVE_TARGET_PORT:
        des.relative_target_port_identifier = _be(body, 2, 2)
    elif dtype == DesignatorType.TARGET_PORT_GROUP:
        des.target_port_group = _be(body, 2, 2)
    elif dtype == DesignatorType.LOGICAL_UNIT_GROUP:
        des.logical_unit_group = _be(body, 2, 2)
    elif dtype == DesignatorType.SCSI_NAME_STRING:
        des.scsi_name_string = _designator_text(CodeSet.UTF8, body)
    elif dtype == DesignatorType.UUID and len(body) >= 18:
        u = body[2:18].hex()
        des.uuid = f"{u[:8]}-{u[8:12]}-{u[12:16]}-{u[16:20]}-{u[20:]}"
    return des


def parse_designation_descriptors(
    data: bytes | bytearray | memoryview, start: int = 0, end: int | None = None
) -> tuple[list[Designator], bool]:
    """The designation descriptors in ``data[start:end]`` and whether the last one was cut."""
    raw = bytes(data)
    stop = len(raw) if end is None else min(end, len(raw))
    out: list[Designator] = []
    offset = start
    while offset < stop:
        des = parse_designator(raw[:stop], offset)
        if des is None:
            return out, True
        out.append(des)
        if des.truncated:
            return out, True
        offset += 4 + des.designator_length
    return out, False


@dataclass(slots=True)
class DeviceIdentification(VpdPage):
    """Device Identification page (83h): its designation descriptors in page order."""

    designators: list[Designator] = field(default_factory=list)


@dataclass(slots=True)
class ExtendedInquiry(VpdPage):
    """Extended INQUIRY Data page (86h, SPC-5 7.7.9)."""

    activate_microcode: int | None = None
    spt: int | None = None
    grd_chk: bool | None = None
    app_chk: bool | None = None
    ref_chk: bool | None = None
    uask_sup: bool | None = None
    group_sup: bool | None = None
    prior_sup: bool | None = None
    headsup: bool | None = None
    ordsup: bool | None = None
    simpsup: bool | None = None
    wu_sup: bool | None = None
    crd_sup: bool | None = None
    nv_sup: bool | None = None
    v_sup: bool | None = None
    no_pi_chk: bool | None = None
    p_i_i_sup: bool | None = None
    luiclr: bool | None = None
    r_sup: bool | None = None
    hssrelef: bool | None = None
    cbcs: bool | None = None
    multi_i_t_nexus_microcode_download: int | None = None
    extended_self_test_completion_minutes: int | None = None
    poa_sup: bool | None = None
    hra_sup: bool | None = None
    vsa_sup: bool | None = None
    maximum_supported_sense_data_length: int | None = None


_EXTENDED_INQUIRY_FIELDS: tuple[FieldSpec, ...] = (
    ("activate_microcode", 4, 7, 2),
    ("spt", 4, 5, 3),
    ("grd_chk", 4, 2, 1),
    ("app_chk", 4, 1, 1),
    ("ref_chk", 4, 0, 1),
    ("uask_sup", 5, 5, 1),
    ("group_sup", 5, 4, 1),
    ("prior_sup", 5, 3, 1),
    ("headsup", 5, 2, 1),
    ("ordsup", 5, 1, 1),
    ("simpsup", 5, 0, 1),
    ("wu_sup", 6, 3, 1),
    ("crd_sup", 6, 2, 1),
    ("nv_sup", 6, 1, 1),
    ("v_sup", 6, 0, 1),
    ("no_pi_chk", 7, 5, 1),
    ("p_i_i_sup", 7, 4, 1),
    ("luiclr", 7, 0, 1),
    ("r_sup", 8, 4, 1),
    ("hssrelef", 8, 1, 1),
    ("cbcs", 8, 0, 1),
    ("multi_i_t_nexus_microcode_download", 9, 3, 4),
    ("extended_self_test_completion_minutes", 10, 7, 16),
    ("poa_sup", 12, 7, 1),
    ("hra_sup", 12, 6, 1),
    ("vsa_sup", 12, 5, 1),
    ("maximum_supported_sense_data_length", 13, 7, 8),
)


@dataclass(slots=True)
class ThirdPartyCopyDescriptor:
    """One third-party copy descriptor of page 8Fh: its type, and the bytes after its header."""

    descriptor_type: int
    descriptor_length: int
    data: bytes
    truncated: bool = False


@dataclass(slots=True)
class BlockDeviceRodLimits(ThirdPartyCopyDescriptor):
    """Block Device ROD Limits descriptor (0000h, SBC-4 6.6.6.2)."""

    maximum_range_descriptors: int | None = None
    maximum_inactivity_timeout: int | None = None
    default_inactivity_timeout: int | None = None
    maximum_token_transfer_size: int | None = None
    optimal_transfer_count: int | None = None


@dataclass(slots=True)
class SupportedCommandsDescriptor(ThirdPartyCopyDescriptor):
    """Supported Commands descriptor (0001h): operation code -> supported service actions."""

    commands: dict[int, list[int]] = field(default_factory=dict)


@dataclass(slots=True)
class ThirdPartyCopyParameterData(ThirdPartyCopyDescriptor):
    """Parameter Data descriptor (0004h)."""

    maximum_cscd_descriptor_count: int | None = None
    maximum_segment_descriptor_count: int | None = None
    maximum_descriptor_list_length: int | None = None
    maximum_inline_data_length: int | None = None


@dataclass(slots=True)
class SupportedDescriptors(ThirdPartyCopyDescriptor):
    """Supported Descriptors descriptor (0008h): descriptor type codes."""

    descriptor_type_codes: list[int] = field(default_factory=list)


@dataclass(slots=True)
class SupportedCscdIds(ThirdPartyCopyDescriptor):
    """Supported CSCD Descriptor IDs descriptor (000Ch)."""

    cscd_ids: list[int] = field(default_factory=list)


@dataclass(slots=True)
class GeneralCopyOperations(ThirdPartyCopyDescriptor):
    """General Copy Operations descriptor (8001h)."""

    total_concurrent_copies: int | None = None
    maximum_identified_concurrent_copies: int | None = None
    maximum_segment_length: int | None = None
    data_segment_granularity: int | None = None
    inline_data_granularity: int | None = None


@dataclass(slots=True)
class ThirdPartyCopy(VpdPage):
    """Third-party Copy page (8Fh): every descriptor, the common ones decoded."""

    descriptors: list[ThirdPartyCopyDescriptor] = field(default_factory=list)


# Offsets below are from the start of the descriptor (its 4-byte header included).
_TPC_FIELDS: dict[int, tuple[type[ThirdPartyCopyDescriptor], tuple[FieldSpec, ...]]] = {
    0x0000: (
        BlockDeviceRodLimits,
        (
            ("maximum_range_descriptors", 10, 7, 16),
            ("maximum_inactivity_timeout", 12, 7, 32),
            ("default_inactivity_timeout", 16, 7, 32),
            ("maximum_token_transfer_size", 20, 7, 64),
            ("optimal_transfer_count", 28, 7, 64),
        ),
    ),
    0x0004: (
        ThirdPartyCopyParameterData,
        (
            ("maximum_cscd_descriptor_count", 8, 7, 16),
            ("maximum_segment_descriptor_count", 10, 7, 16),
            ("maximum_descriptor_list_length", 12, 7, 32),
            ("maximum_inline_data_length", 16, 7, 32),
        ),
    ),
    0x8001: (
        GeneralCopyOperations,
        (
            ("total_concurrent_copies", 4, 7, 32),
            ("maximum_identified_concurrent_copies", 8, 7, 32),
            ("maximum_segment_length", 12, 7, 32),
            ("data_segment_granularity", 16, 7, 8),
            ("inline_data_granularity", 17, 7, 8),
        ),
    ),
}


def _parse_tpc_descriptor(desc: bytes, dtype: int, length: int) -> ThirdPartyCopyDescriptor:
    cut = len(desc) < length + 4
    common: dict[str, Any] = {
        "descriptor_type": dtype,
        "descriptor_length": length,
        "data": desc[4:],
        "truncated": cut,
    }
    if dtype in _TPC_FIELDS:
        cls, specs = _TPC_FIELDS[dtype]
        values = _unpack(desc, specs)
        return cls(**common, **values)
    if dtype == 0x0001:
        cmds = SupportedCommandsDescriptor(**common)
        list_length = desc[4] if len(desc) > 4 else 0
        end = min(len(desc), 5 + list_length)
        pos = 5
        while pos + 2 <= end:
            count = desc[pos + 1]
            actions = desc[pos + 2 : pos + 2 + count]
            if len(actions) < count or pos + 2 + count > end:
                cmds.truncated = True
                break
            cmds.commands[desc[pos]] = list(actions)
            pos += 2 + count
        return cmds
    if dtype == 0x0008:
        count = desc[4] if len(desc) > 4 else 0
        codes = desc[5 : 5 + count]
        return SupportedDescriptors(**common, descriptor_type_codes=list(codes))
    if dtype == 0x000C:
        count = _be(desc, 4, 2) or 0
        ids = desc[6 : 6 + count]
        return SupportedCscdIds(
            **common,
            cscd_ids=[int.from_bytes(ids[i : i + 2], "big") for i in range(0, len(ids) - 1, 2)],
        )
    return ThirdPartyCopyDescriptor(**common)


@dataclass(slots=True)
class BlockLimits(VpdPage):
    """Block Limits page (B0h, SBC-4 6.6.4)."""

    wsnz: bool | None = None
    maximum_compare_and_write_length: int | None = None
    optimal_transfer_length_granularity: int | None = None
    maximum_transfer_length: int | None = None
    optimal_transfer_length: int | None = None
    maximum_prefetch_length: int | None = None
    maximum_unmap_lba_count: int | None = None
    maximum_unmap_block_descriptor_count: int | None = None
    optimal_unmap_granularity: int | None = None
    ugavalid: bool | None = None
    unmap_granularity_alignment: int | None = None
    maximum_write_same_length: int | None = None
    maximum_atomic_transfer_length: int | None = None
    atomic_alignment: int | None = None
    atomic_transfer_length_granularity: int | None = None
    maximum_atomic_transfer_length_with_atomic_boundary: int | None = None
    maximum_atomic_boundary_size: int | None = None


_BLOCK_LIMITS_FIELDS: tuple[FieldSpec, ...] = (
    ("wsnz", 4, 0, 1),
    ("maximum_compare_and_write_length", 5, 7, 8),
    ("optimal_transfer_length_granularity", 6, 7, 16),
    ("maximum_transfer_length", 8, 7, 32),
    ("optimal_transfer_length", 12, 7, 32),
    ("maximum_prefetch_length", 16, 7, 32),
    ("maximum_unmap_lba_count", 20, 7, 32),
    ("maximum_unmap_block_descriptor_count", 24, 7, 32),
    ("optimal_unmap_granularity", 28, 7, 32),
    ("ugavalid", 32, 7, 1),
    ("unmap_granularity_alignment", 32, 6, 31),
    ("maximum_write_same_length", 36, 7, 64),
    ("maximum_atomic_transfer_length", 44, 7, 32),
    ("atomic_alignment", 48, 7, 32),
    ("atomic_transfer_length_granularity", 52, 7, 32),
    ("maximum_atomic_transfer_length_with_atomic_boundary", 56, 7, 32),
    ("maximum_atomic_boundary_size", 60, 7, 32),
)


@dataclass(slots=True)
class BlockDeviceCharacteristics(VpdPage):
    """Block Device Characteristics page (B1h, SBC-4 6.6.2).

    MEDIUM ROTATION RATE: 0 not reported, 1 non-rotating (solid state), else rpm.
    """

    medium_rotation_rate: int | None = None
    product_type: int | None = None
    wabereq: int | None = None
    wacereq: int | None = None
    nominal_form_factor: int | None = None
    zoned: int | None = None
    fuab: bool | None = None
    vbuls: bool | None = None


_BLOCK_DEVICE_CHARACTERISTICS_FIELDS: tuple[FieldSpec, ...] = (
    ("medium_rotation_rate", 4, 7, 16),
    ("product_type", 6, 7, 8),
    ("wabereq", 7, 7, 2),
    ("wacereq", 7, 5, 2),
    ("nominal_form_factor", 7, 3, 4),
    ("zoned", 8, 5, 2),
    ("fuab", 8, 1, 1),
    ("vbuls", 8, 0, 1),
)


@dataclass(slots=True)
class LogicalBlockProvisioning(VpdPage):
    """Logical Block Provisioning page (B2h, SBC-4 6.6.5).

    ``lbprz`` is the 3-bit LBPRZ field; ``provisioning_group_descriptor`` is present when DP is
    set.
    """

    threshold_exponent: int | None = None
    lbpu: bool | None = None
    lbpws: bool | None = None
    lbpws10: bool | None = None
    lbprz: int | None = None
    anc_sup: bool | None = None
    dp: bool | None = None
    minimum_percentage: int | None = None
    provisioning_type: int | None = None
    threshold_percentage: int | None = None
    provisioning_group_descriptor: Designator | None = None


_LBP_FIELDS: tuple[FieldSpec, ...] = (
    ("threshold_exponent", 4, 7, 8),
    ("lbpu", 5, 7, 1),
    ("lbpws", 5, 6, 1),
    ("lbpws10", 5, 5, 1),
    ("lbprz", 5, 4, 3),
    ("anc_sup", 5, 1, 1),
    ("dp", 5, 0, 1),
    ("minimum_percentage", 6, 7, 5),
    ("provisioning_type", 6, 2, 3),
    ("threshold_percentage", 7, 7, 8),
)

_SIMPLE_PAGES: dict[int, tuple[type[VpdPage], tuple[FieldSpec, ...]]] = {
    0x86: (ExtendedInquiry, _EXTENDED_INQUIRY_FIELDS),
    0xB0: (BlockLimits, _BLOCK_LIMITS_FIELDS),
    0xB1: (BlockDeviceCharacteristics, _BLOCK_DEVICE_CHARACTERISTICS_FIELDS),
    0xB2: (LogicalBlockProvisioning, _LBP_FIELDS),
}

_HEADER_FIELDS: tuple[FieldSpec, ...] = (
    ("peripheral_qualifier", 0, 7, 3),
    ("peripheral_device_type", 0, 4, 5),
    ("page_code", 1, 7, 8),
    ("page_length", 2, 7, 16),
)


def parse_vpd(data: bytes | bytearray | memoryview) -> VpdPage:
    """Parse a VPD page (EVPD=1 data), choosing the page type by its PAGE CODE.

    Pages not decoded here come back as :class:`UnknownVpdPage`; data too short to hold the
    PAGE CODE as a bare :class:`VpdPage`. Fields past the received data
    or past PAGE LENGTH are None; ``truncated`` says fewer than PAGE LENGTH + 4 bytes came.
    """
    raw = bytes(data)
    header = _unpack(raw, _HEADER_FIELDS)
    length = header["page_length"]
    total = length + 4 if length is not None else 4
    page = raw[:total]
    truncated = len(raw) < total
    code = header["page_code"]
    result: VpdPage
    if code is None:
        result = VpdPage(**header)
    elif code in _SIMPLE_PAGES:
        cls, specs = _SIMPLE_PAGES[code]
        result = cls(**header, **_unpack(page, specs))
        if isinstance(result, LogicalBlockProvisioning) and result.dp and len(page) > 8:
            result.provisioning_group_descriptor = parse_designator(page, 8)
            des = result.provisioning_group_descriptor
            truncated = truncated or des is None or des.truncated
    elif code == VpdPageCode.SUPPORTED_VPD_PAGES:
        result = SupportedVpdPages(**header, supported_pages=list(page[4:]))
    elif code == VpdPageCode.UNIT_SERIAL_NUMBER:
        serial = page[4:].decode("ascii", errors="replace") if length is not None else None
        result = UnitSerialNumber(**header, product_serial_number=serial)
    elif code == VpdPageCode.DEVICE_IDENTIFICATION:
        designators, cut = parse_designation_descriptors(page, 4)
        result = DeviceIdentification(**header, designators=designators)
        truncated = truncated or cut
    elif code == VpdPageCode.THIRD_PARTY_COPY:
        tpc = ThirdPartyCopy(**header)
        pos = 4
        while pos < len(page):
            dtype, dlen = _be(page, pos, 2), _be(page, pos + 2, 2)
            if dtype is None or dlen is None:
                truncated = True
                break
            desc = _parse_tpc_descriptor(page[pos : pos + 4 + dlen], dtype, dlen)
            tpc.descriptors.append(desc)
            if desc.truncated:
                truncated = True
                break
            pos += 4 + dlen
        result = tpc
    else:
        result = UnknownVpdPage(**header, data=page[4:])
    result.truncated = truncated
    if truncated:
        log.debug("VPD page %s: %d bytes of %d", code, len(raw), total)
    return result
