"""Parameter data of reporting commands: REPORT SUPPORTED OPERATION CODES and REPORT TARGET
PORT GROUPS (SPC-5 6.35, 6.36), RECEIVE COPY RESULTS (SPC-4 6.18), LOG SENSE supported pages
(SPC-5 7.3.4), READ TOC (MMC-6 6.40), READ ELEMENT STATUS (SMC-3 6.11) and READ POSITION
(SSC-4 7.7).

Short or lying data parses as far as it goes: unread fields are None, lists hold the complete
entries, and ``truncated`` is set.
"""

from __future__ import annotations

from dataclasses import field
from enum import IntEnum

from pyiscsi._dataclass import dataclass
from pyiscsi.scsi._fields import FieldSpec
from pyiscsi.scsi._fields import be as _be
from pyiscsi.scsi._fields import unpack as _unpack

__all__ = [
    "AsymmetricAccessState",
    "CommandDescriptor",
    "CommandTimeoutsDescriptor",
    "CopyOperatingParameters",
    "CopyStatus",
    "ElementDescriptor",
    "ElementStatus",
    "ElementStatusPage",
    "ElementType",
    "LogSupportedPages",
    "OneCommand",
    "ReadPositionLong",
    "ReadPositionShort",
    "SupportedOperationCodes",
    "TargetPortGroup",
    "TargetPortGroups",
    "Toc",
    "TocTrackDescriptor",
    "parse_copy_operating_parameters",
    "parse_copy_status",
    "parse_log_supported_pages",
    "parse_read_element_status",
    "parse_read_position_long",
    "parse_read_position_short",
    "parse_read_toc",
    "parse_report_target_port_groups",
    "parse_supported_operation_codes_all",
    "parse_supported_operation_codes_one",
]


# ------------------------------------------------------- REPORT SUPPORTED OPERATION CODES


@dataclass(slots=True)
class CommandTimeoutsDescriptor:
    """Command timeouts descriptor (SPC-5 6.35.4); timeouts in seconds."""

    descriptor_length: int
    command_specific: int
    nominal_command_processing_timeout: int
    recommended_command_timeout: int


def _timeouts(raw: bytes, pos: int) -> CommandTimeoutsDescriptor | None:
    if pos + 12 > len(raw):
        return None
    return CommandTimeoutsDescriptor(
        descriptor_length=int.from_bytes(raw[pos : pos + 2], "big"),
        command_specific=raw[pos + 3],
        nominal_command_processing_timeout=int.from_bytes(raw[pos + 4 : pos + 8], "big"),
        recommended_command_timeout=int.from_bytes(raw[pos + 8 : pos + 12], "big"),
    )


@dataclass(slots=True)
class CommandDescriptor:
    """One command descriptor of the all-commands form (SPC-5 6.35.2)."""

    operation_code: int
    service_action: int
    servactv: bool
    ctdp: bool
    cdlp: int
    mlu: int
    cdb_length: int
    command_timeouts: CommandTimeoutsDescriptor | None = None


@dataclass(slots=True)
class SupportedOperationCodes:
    """REPORT SUPPORTED OPERATION CODES, all-commands form (REPORTING OPTIONS 000b)."""

    command_data_length: int | None = None
    commands: list[CommandDescriptor] = field(default_factory=list)
    truncated: bool = False

    def find(self, operation_code: int, service_action: int = 0) -> CommandDescriptor | None:
        """The descriptor of this command, or None if it is not listed."""
        for c in self.commands:
            if c.operation_code == operation_code and (
                not c.servactv or c.service_action == service_action
            ):
                return c
        return None


def parse_supported_operation_codes_all(
    data: bytes | bytearray | memoryview,
) -> SupportedOperationCodes:
    """Parse the all-commands parameter data (8-byte descriptors, 20 with CTDP set)."""
    raw = bytes(data)
    length = _be(raw, 0, 4)
    result = SupportedOperationCodes(length)
    body = raw[4 : 4 + length] if length is not None else b""
    pos = 0
    while pos < len(body):
        if pos + 8 > len(body):
            result.truncated = True
            break
        flags = body[pos + 5]
        ctdp = bool(flags & 0x02)
        size = 20 if ctdp else 8
        if pos + size > len(body):
            result.truncated = True
            break
        result.commands.append(
            CommandDescriptor(
                operation_code=body[pos],
                service_action=int.from_bytes(body[pos + 2 : pos + 4], "big"),
                servactv=bool(flags & 0x01),
                ctdp=ctdp,
                cdlp=(flags >> 2) & 0x03,
                mlu=(flags >> 4) & 0x03,
                cdb_length=int.from_bytes(body[pos + 6 : pos + 8], "big"),
                command_timeouts=_timeouts(body, pos + 8) if ctdp else None,
            )
        )
        pos += size
    result.truncated = result.truncated or length is None or len(raw) < 4 + length
    return result


@dataclass(slots=True)
class OneCommand:
    """REPORT SUPPORTED OPERATION CODES, one-command form (SPC-5 6.35.3).

    SUPPORT: 0 not available, 1 not supported, 3 supported per the standard, 5 vendor
    specific. ``cdb_usage_data`` is the usage map (first byte is the operation code).
    """

    ctdp: bool | None = None
    mlu: int | None = None
    cdlp: int | None = None
    support: int | None = None
    cdb_size: int | None = None
    cdb_usage_data: bytes = b""
    command_timeouts: CommandTimeoutsDescriptor | None = None
    truncated: bool = False


def parse_supported_operation_codes_one(data: bytes | bytearray | memoryview) -> OneCommand:
    """Parse the one-command parameter data (REPORTING OPTIONS 001b-011b)."""
    raw = bytes(data)
    values = _unpack(
        raw,
        (
            ("ctdp", 1, 7, 1),
            ("mlu", 1, 6, 2),
            ("cdlp", 1, 4, 2),
            ("support", 1, 2, 3),
            ("cdb_size", 2, 7, 16),
        ),
    )
    result = OneCommand(**values)
    size = result.cdb_size or 0
    result.cdb_usage_data = raw[4 : 4 + size]
    cut = result.cdb_size is None or len(result.cdb_usage_data) < size
    if result.ctdp and not cut:
        result.command_timeouts = _timeouts(raw, 4 + size)
        cut = result.command_timeouts is None
    result.truncated = cut
    return result


# ------------------------------------------------------------ REPORT TARGET PORT GROUPS


class AsymmetricAccessState(IntEnum):
    """ASYMMETRIC ACCESS STATE (SPC-5 table 212)."""

    ACTIVE_OPTIMIZED = 0x0
    ACTIVE_NON_OPTIMIZED = 0x1
    STANDBY = 0x2
    UNAVAILABLE = 0x3
    LOGICAL_BLOCK_DEPENDENT = 0x8
    OFFLINE = 0xE
    TRANSITIONING = 0xF


@dataclass(slots=True)
class TargetPortGroup:
    """A target port group descriptor (SPC-5 6.36.2)."""

    pref: bool
    asymmetric_access_state: int
    t_sup: bool
    o_sup: bool
    lbd_sup: bool
    u_sup: bool
    s_sup: bool
    an_sup: bool
    ao_sup: bool
    target_port_group: int
    status_code: int
    vendor_specific: int
    target_port_count: int
    relative_target_port_identifiers: list[int] = field(default_factory=list)


@dataclass(slots=True)
class TargetPortGroups:
    """REPORT TARGET PORT GROUPS parameter data, length-only or extended header format."""

    return_data_length: int | None = None
    format_type: int | None = None
    implicit_transition_time: int | None = None
    groups: list[TargetPortGroup] = field(default_factory=list)
    truncated: bool = False


def parse_report_target_port_groups(data: bytes | bytearray | memoryview) -> TargetPortGroups:
    """Parse REPORT TARGET PORT GROUPS data; the format is read from FORMAT TYPE (byte 4 bits
    6-4: 001b extended header, else the length-only header, where those bits are reserved).
    """
    raw = bytes(data)
    length = _be(raw, 0, 4)
    result = TargetPortGroups(length)
    end = 4 + length if length is not None else 4
    body = raw[:end]
    pos = 4
    if len(body) > 4 and (body[4] >> 4) & 0x07 == 1:
        result.format_type = 1
        result.implicit_transition_time = body[5] if len(body) > 5 else None
        pos = 8
    elif len(body) > 4 or length == 0:
        result.format_type = 0
    cut = length is None or len(raw) < end
    while pos < len(body):
        if pos + 8 > len(body):
            cut = True
            break
        d = body[pos : pos + 8]
        count = d[7]
        ports = body[pos + 8 : pos + 8 + 4 * count]
        group = TargetPortGroup(
            pref=bool(d[0] & 0x80),
            asymmetric_access_state=d[0] & 0x0F,
            t_sup=bool(d[1] & 0x80),
            o_sup=bool(d[1] & 0x40),
            lbd_sup=bool(d[1] & 0x10),
            u_sup=bool(d[1] & 0x08),
            s_sup=bool(d[1] & 0x04),
            an_sup=bool(d[1] & 0x02),
            ao_sup=bool(d[1] & 0x01),
            target_port_group=int.from_bytes(d[2:4], "big"),
            status_code=d[5],
            vendor_specific=d[6],
            target_port_count=count,
            relative_target_port_identifiers=[
                int.from_bytes(ports[i + 2 : i + 4], "big") for i in range(0, len(ports) - 3, 4)
            ],
        )
        result.groups.append(group)
        if len(ports) < 4 * count:
            cut = True
            break
        pos += 8 + 4 * count
    result.truncated = cut
    return result


# ------------------------------------------------------------------ RECEIVE COPY RESULTS


@dataclass(slots=True)
class CopyOperatingParameters:
    """RECEIVE COPY RESULTS / OPERATING PARAMETERS data (service action 03h, SPC-4 6.18.4)."""

    available_data: int | None = None
    snlid: bool | None = None
    maximum_cscd_descriptor_count: int | None = None
    maximum_segment_descriptor_count: int | None = None
    maximum_descriptor_list_length: int | None = None
    maximum_segment_length: int | None = None
    maximum_inline_data_length: int | None = None
    held_data_limit: int | None = None
    maximum_stream_device_transfer_size: int | None = None
    total_concurrent_copies: int | None = None
    maximum_concurrent_copies: int | None = None
    data_segment_granularity: int | None = None
    inline_data_granularity: int | None = None
    held_data_granularity: int | None = None
    implemented_descriptor_list_length: int | None = None
    implemented_descriptor_type_codes: list[int] = field(default_factory=list)
    truncated: bool = False


_COPY_OPERATING_FIELDS: tuple[FieldSpec, ...] = (
    ("available_data", 0, 7, 32),
    ("snlid", 4, 0, 1),
    ("maximum_cscd_descriptor_count", 8, 7, 16),
    ("maximum_segment_descriptor_count", 10, 7, 16),
    ("maximum_descriptor_list_length", 12, 7, 32),
    ("maximum_segment_length", 16, 7, 32),
    ("maximum_inline_data_length", 20, 7, 32),
    ("held_data_limit", 24, 7, 32),
    ("maximum_stream_device_transfer_size", 28, 7, 32),
    ("total_concurrent_copies", 34, 7, 16),
    ("maximum_concurrent_copies", 36, 7, 8),
    ("data_segment_granularity", 37, 7, 8),
    ("inline_data_granularity", 38, 7, 8),
    ("held_data_granularity", 39, 7, 8),
    ("implemented_descriptor_list_length", 43, 7, 8),
)


def parse_copy_operating_parameters(
    data: bytes | bytearray | memoryview,
) -> CopyOperatingParameters:
    """Parse RECEIVE COPY RESULTS operating parameters data."""
    raw = bytes(data)
    total = _be(raw, 0, 4)
    view = raw[: total + 4] if total is not None else raw
    result = CopyOperatingParameters(**_unpack(view, _COPY_OPERATING_FIELDS))
    count = result.implemented_descriptor_list_length or 0
    codes = view[44 : 44 + count]
    result.implemented_descriptor_type_codes = list(codes)
    result.truncated = (
        total is None
        or len(raw) < total + 4
        or result.implemented_descriptor_list_length is None
        or len(codes) < count
    )
    return result


@dataclass(slots=True)
class CopyStatus:
    """RECEIVE COPY RESULTS / COPY STATUS data (service action 00h, SPC-4 6.18.2)."""

    available_data: int | None = None
    hdd: bool | None = None
    copy_manager_status: int | None = None
    segments_processed: int | None = None
    transfer_count_units: int | None = None
    transfer_count: int | None = None
    truncated: bool = False


def parse_copy_status(data: bytes | bytearray | memoryview) -> CopyStatus:
    """Parse RECEIVE COPY RESULTS copy status data (12 bytes)."""
    raw = bytes(data)
    values = _unpack(
        raw,
        (
            ("available_data", 0, 7, 32),
            ("hdd", 4, 7, 1),
            ("copy_manager_status", 4, 6, 7),
            ("segments_processed", 5, 7, 16),
            ("transfer_count_units", 7, 7, 8),
            ("transfer_count", 8, 7, 32),
        ),
    )
    return CopyStatus(**values, truncated=len(raw) < 12)


# ------------------------------------------------------------------------- LOG SENSE


@dataclass(slots=True)
class LogSupportedPages:
    """LOG SENSE Supported Log Pages (00h/00h) or Supported Log Pages and Subpages (00h/FFh).

    ``pages`` holds (page code, subpage code) pairs; subpage code is 0 in the first form.
    """

    ds: bool | None = None
    spf: bool | None = None
    page_code: int | None = None
    subpage_code: int | None = None
    page_length: int | None = None
    pages: list[tuple[int, int]] = field(default_factory=list)
    truncated: bool = False

    @property
    def page_codes(self) -> list[int]:
        """The page codes listed (once each, in order)."""
        return list(dict.fromkeys(code for code, _ in self.pages))


def parse_log_supported_pages(data: bytes | bytearray | memoryview) -> LogSupportedPages:
    """Parse a LOG SENSE supported pages page (with or without subpages, chosen by SPF)."""
    raw = bytes(data)
    values = _unpack(
        raw,
        (
            ("ds", 0, 7, 1),
            ("spf", 0, 6, 1),
            ("page_code", 0, 5, 6),
            ("subpage_code", 1, 7, 8),
            ("page_length", 2, 7, 16),
        ),
    )
    result = LogSupportedPages(**values)
    length = result.page_length or 0
    body = raw[4 : 4 + length]
    if result.spf:
        result.pages = [(body[i] & 0x3F, body[i + 1]) for i in range(0, len(body) - 1, 2)]
        odd = len(body) % 2 != 0
    else:
        result.pages = [(b & 0x3F, 0) for b in body]
        odd = False
    result.truncated = result.page_length is None or len(body) < length or odd
    return result


# --------------------------------------------------------------------------- READ TOC


@dataclass(slots=True)
class TocTrackDescriptor:
    """A track descriptor of READ TOC format 0000b.

    ``track_start_address`` is the LBA (MSF=0) or the packed 00h/M/S/F bytes; ``msf`` is
    (minute, second, frame) when parsed with ``msf=True``.
    """

    adr: int
    control: int
    track_number: int
    track_start_address: int
    msf: tuple[int, int, int] | None = None


@dataclass(slots=True)
class Toc:
    """READ TOC format 0000b (formatted TOC) data."""

    toc_data_length: int | None = None
    first_track_number: int | None = None
    last_track_number: int | None = None
    tracks: list[TocTrackDescriptor] = field(default_factory=list)
    truncated: bool = False


def parse_read_toc(data: bytes | bytearray | memoryview, *, msf: bool = False) -> Toc:
    """Parse READ TOC format 0000b data (a 4-byte header and 8-byte track descriptors)."""
    raw = bytes(data)
    length = _be(raw, 0, 2)
    result = Toc(length, raw[2] if len(raw) > 2 else None, raw[3] if len(raw) > 3 else None)
    body = raw[4 : 2 + length] if length is not None else b""
    for pos in range(0, len(body) - 7, 8):
        d = body[pos : pos + 8]
        result.tracks.append(
            TocTrackDescriptor(
                adr=d[1] >> 4,
                control=d[1] & 0x0F,
                track_number=d[2],
                track_start_address=int.from_bytes(d[4:8], "big"),
                msf=(d[5], d[6], d[7]) if msf else None,
            )
        )
    result.truncated = length is None or len(raw) < 2 + length or len(raw) < 4 or len(body) % 8 != 0
    return result


# ------------------------------------------------------------------ READ ELEMENT STATUS


class ElementType(IntEnum):
    """ELEMENT TYPE CODE (SMC-3 table 23)."""

    ALL = 0
    MEDIUM_TRANSPORT = 1
    STORAGE = 2
    IMPORT_EXPORT = 3
    DATA_TRANSFER = 4


@dataclass(slots=True)
class ElementDescriptor:
    """An element descriptor (SMC-3 6.11.3..6.11.7; flags valid as the element type allows)."""

    element_address: int
    full: bool
    impexp: bool
    except_: bool
    access: bool
    exenab: bool
    inenab: bool
    additional_sense_code: int | None
    additional_sense_code_qualifier: int | None
    svalid: bool | None
    invert: bool | None
    ed: bool | None
    medium_type: int | None
    source_storage_element_address: int | None
    primary_volume_tag: str | None = None
    alternate_volume_tag: str | None = None
    data: bytes = b""


@dataclass(slots=True)
class ElementStatusPage:
    """An element status page: its header and complete descriptors."""

    element_type_code: int
    pvoltag: bool
    avoltag: bool
    element_descriptor_length: int
    byte_count_of_descriptor_data_available: int
    descriptors: list[ElementDescriptor] = field(default_factory=list)


@dataclass(slots=True)
class ElementStatus:
    """READ ELEMENT STATUS data (SMC-3 6.11.2)."""

    first_element_address_reported: int | None = None
    number_of_elements_available: int | None = None
    byte_count_of_report_available: int | None = None
    pages: list[ElementStatusPage] = field(default_factory=list)
    truncated: bool = False


def _volume_tag(raw: bytes, pos: int) -> str | None:
    """The 32-byte VOLUME IDENTIFIER of a 36-byte volume tag, blanks stripped."""
    if pos + 36 > len(raw):
        return None
    return raw[pos : pos + 32].decode("ascii", errors="replace").rstrip(" \x00")


def _element(d: bytes, pvoltag: bool, avoltag: bool) -> ElementDescriptor:
    def byte(i: int) -> int | None:
        return d[i] if i < len(d) else None

    flags = d[2] if len(d) > 2 else 0
    b9 = byte(9)
    desc = ElementDescriptor(
        element_address=_be(d, 0, 2) or 0,
        full=bool(flags & 0x01),
        impexp=bool(flags & 0x02),
        except_=bool(flags & 0x04),
        access=bool(flags & 0x08),
        exenab=bool(flags & 0x10),
        inenab=bool(flags & 0x20),
        additional_sense_code=byte(4),
        additional_sense_code_qualifier=byte(5),
        svalid=None if b9 is None else bool(b9 & 0x80),
        invert=None if b9 is None else bool(b9 & 0x40),
        ed=None if b9 is None else bool(b9 & 0x08),
        medium_type=None if b9 is None else b9 & 0x07,
        source_storage_element_address=_be(d, 10, 2),
        data=d,
    )
    pos = 12
    if pvoltag:
        desc.primary_volume_tag = _volume_tag(d, pos)
        pos += 36
    if avoltag:
        desc.alternate_volume_tag = _volume_tag(d, pos)
    return desc


def parse_read_element_status(data: bytes | bytearray | memoryview) -> ElementStatus:
    """Parse READ ELEMENT STATUS data: the 8-byte header, then element status pages."""
    raw = bytes(data)
    result = ElementStatus(_be(raw, 0, 2), _be(raw, 2, 2), _be(raw, 5, 3))
    count = result.byte_count_of_report_available
    body = raw[8 : 8 + count] if count is not None else b""
    cut = count is None or len(raw) < 8 + count
    pos = 0
    while pos < len(body):
        if pos + 8 > len(body):
            cut = True
            break
        h = body[pos : pos + 8]
        page = ElementStatusPage(
            element_type_code=h[0] & 0x0F,
            pvoltag=bool(h[1] & 0x80),
            avoltag=bool(h[1] & 0x40),
            element_descriptor_length=int.from_bytes(h[2:4], "big"),
            byte_count_of_descriptor_data_available=int.from_bytes(h[5:8], "big"),
        )
        result.pages.append(page)
        size = page.element_descriptor_length
        avail = page.byte_count_of_descriptor_data_available
        descs = body[pos + 8 : pos + 8 + avail]
        if size:
            for dpos in range(0, len(descs) - size + 1, size):
                page.descriptors.append(
                    _element(descs[dpos : dpos + size], page.pvoltag, page.avoltag)
                )
        if len(descs) < avail or (size and avail % size):
            cut = True
            break
        pos += 8 + avail
    result.truncated = cut
    return result


# ----------------------------------------------------------------------- READ POSITION


@dataclass(slots=True)
class ReadPositionShort:
    """READ POSITION short form data (SSC-4 7.7.2, 20 bytes)."""

    bop: bool | None = None
    eop: bool | None = None
    locu: bool | None = None
    bycu: bool | None = None
    lolu: bool | None = None
    perr: bool | None = None
    bpew: bool | None = None
    partition_number: int | None = None
    first_logical_object_location: int | None = None
    last_logical_object_location: int | None = None
    number_of_logical_objects_in_object_buffer: int | None = None
    number_of_bytes_in_object_buffer: int | None = None
    truncated: bool = False


def parse_read_position_short(data: bytes | bytearray | memoryview) -> ReadPositionShort:
    """Parse READ POSITION short form (SHORT ID or VENDOR SPECIFIC service action) data."""
    raw = bytes(data)
    values = _unpack(
        raw,
        (
            ("bop", 0, 7, 1),
            ("eop", 0, 6, 1),
            ("locu", 0, 5, 1),
            ("bycu", 0, 4, 1),
            ("lolu", 0, 2, 1),
            ("perr", 0, 1, 1),
            ("bpew", 0, 0, 1),
            ("partition_number", 1, 7, 8),
            ("first_logical_object_location", 4, 7, 32),
            ("last_logical_object_location", 8, 7, 32),
            ("number_of_logical_objects_in_object_buffer", 13, 7, 24),
            ("number_of_bytes_in_object_buffer", 16, 7, 32),
        ),
    )
    return ReadPositionShort(**values, truncated=len(raw) < 20)


@dataclass(slots=True)
class ReadPositionLong:
    """READ POSITION long form data (SSC-4 7.7.3, 32 bytes)."""

    bop: bool | None = None
    eop: bool | None = None
    mpu: bool | None = None
    lonu: bool | None = None
    bpew: bool | None = None
    partition_number: int | None = None
    logical_object_number: int | None = None
    logical_file_identifier: int | None = None
    truncated: bool = False


def parse_read_position_long(data: bytes | bytearray | memoryview) -> ReadPositionLong:
    """Parse READ POSITION long form (LONG FORM service action) data."""
    raw = bytes(data)
    values = _unpack(
        raw,
        (
            ("bop", 0, 7, 1),
            ("eop", 0, 6, 1),
            ("mpu", 0, 3, 1),
            ("lonu", 0, 2, 1),
            ("bpew", 0, 0, 1),
            ("partition_number", 4, 7, 32),
            ("logical_object_number", 8, 7, 64),
            ("logical_file_identifier", 16, 7, 64),
        ),
    )
    return ReadPositionLong(**values, truncated=len(raw) < 32)
