"""Mode parameters: MODE SENSE (6)/(10) data and MODE SELECT (6)/(10) parameter lists
(SPC-5 7.5).

A mode parameter list is a header, block descriptors and mode pages. Pages 01h (Read-Write
Error Recovery), 02h (Disconnect-Reconnect), 08h (Caching), 0Ah (Control), 1Ah (Power
Condition) and 1Ch (Informational Exceptions Control), subpage 0, are decoded into fields;
every other page (and every subpage) is a :class:`ModePage` holding its raw parameter bytes.

A decoded page keeps its raw bytes too (``data``); marshalling writes the fields over a copy of
them, so bytes this module does not name survive a parse -> change -> marshal round trip.
Short data parses as far as it goes: unread fields are None and ``truncated`` is set.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any, ClassVar

from pyiscsi._dataclass import dataclass
from pyiscsi.scsi._fields import FieldSpec
from pyiscsi.scsi._fields import be as _be
from pyiscsi.scsi._fields import pack_into as _pack_into
from pyiscsi.scsi._fields import unpack as _unpack
from pyiscsi.scsi._fields import values as _values

__all__ = [
    "BlockDescriptor",
    "Caching",
    "Control",
    "DisconnectReconnect",
    "InformationalExceptionsControl",
    "ModePage",
    "ModeParameters",
    "PowerCondition",
    "ReadWriteErrorRecovery",
    "marshal_mode_page",
    "marshal_mode_select6",
    "marshal_mode_select10",
    "parse_mode_pages",
    "parse_mode_sense6",
    "parse_mode_sense10",
]


@dataclass(slots=True)
class BlockDescriptor:
    """A mode parameter block descriptor.

    Short LBA form (8 bytes): NUMBER OF LOGICAL BLOCKS (32 bits) and LOGICAL BLOCK LENGTH; in
    the general form (other device types) ``density_code`` is set and the count is 24 bits.
    Long LBA form (16 bytes): a 64-bit NUMBER OF LOGICAL BLOCKS.
    """

    number_of_logical_blocks: int
    logical_block_length: int
    density_code: int | None = None


@dataclass(slots=True)
class ModePage:
    """A mode page: header fields and the parameter bytes after the 2- or 4-byte header."""

    page_code: int = 0
    subpage_code: int = 0
    ps: bool = False
    spf: bool = False
    page_length: int | None = None
    data: bytes = b""
    truncated: bool = False

    FIELDS: ClassVar[tuple[FieldSpec, ...]] = ()
    PAGE_LENGTH: ClassVar[int] = 0


@dataclass(slots=True)
class ReadWriteErrorRecovery(ModePage):
    """Read-Write Error Recovery mode page (01h, SBC-4 6.5.10)."""

    page_code: int = 0x01
    awre: bool | None = None
    arre: bool | None = None
    tb: bool | None = None
    rc: bool | None = None
    eer: bool | None = None
    per: bool | None = None
    dte: bool | None = None
    dcr: bool | None = None
    read_retry_count: int | None = None
    lbpere: bool | None = None
    write_retry_count: int | None = None
    recovery_time_limit: int | None = None

    FIELDS: ClassVar[tuple[FieldSpec, ...]] = (
        ("awre", 2, 7, 1),
        ("arre", 2, 6, 1),
        ("tb", 2, 5, 1),
        ("rc", 2, 4, 1),
        ("eer", 2, 3, 1),
        ("per", 2, 2, 1),
        ("dte", 2, 1, 1),
        ("dcr", 2, 0, 1),
        ("read_retry_count", 3, 7, 8),
        ("lbpere", 7, 7, 1),
        ("write_retry_count", 8, 7, 8),
        ("recovery_time_limit", 10, 7, 16),
    )
    PAGE_LENGTH: ClassVar[int] = 0x0A


@dataclass(slots=True)
class DisconnectReconnect(ModePage):
    """Disconnect-Reconnect mode page (02h, SPC-5 7.5.9)."""

    page_code: int = 0x02
    buffer_full_ratio: int | None = None
    buffer_empty_ratio: int | None = None
    bus_inactivity_limit: int | None = None
    disconnect_time_limit: int | None = None
    connect_time_limit: int | None = None
    maximum_burst_size: int | None = None
    emdp: bool | None = None
    fair_arbitration: int | None = None
    dimm: bool | None = None
    dtdc: int | None = None
    first_burst_size: int | None = None

    FIELDS: ClassVar[tuple[FieldSpec, ...]] = (
        ("buffer_full_ratio", 2, 7, 8),
        ("buffer_empty_ratio", 3, 7, 8),
        ("bus_inactivity_limit", 4, 7, 16),
        ("disconnect_time_limit", 6, 7, 16),
        ("connect_time_limit", 8, 7, 16),
        ("maximum_burst_size", 10, 7, 16),
        ("emdp", 12, 7, 1),
        ("fair_arbitration", 12, 6, 3),
        ("dimm", 12, 3, 1),
        ("dtdc", 12, 2, 3),
        ("first_burst_size", 14, 7, 16),
    )
    PAGE_LENGTH: ClassVar[int] = 0x0E


@dataclass(slots=True)
class Caching(ModePage):
    """Caching mode page (08h, SBC-4 6.5.5)."""

    page_code: int = 0x08
    ic: bool | None = None
    abpf: bool | None = None
    cap: bool | None = None
    disc: bool | None = None
    size: bool | None = None
    wce: bool | None = None
    mf: bool | None = None
    rcd: bool | None = None
    demand_read_retention_priority: int | None = None
    write_retention_priority: int | None = None
    disable_pre_fetch_transfer_length: int | None = None
    minimum_pre_fetch: int | None = None
    maximum_pre_fetch: int | None = None
    maximum_pre_fetch_ceiling: int | None = None
    fsw: bool | None = None
    lbcss: bool | None = None
    dra: bool | None = None
    nv_dis: bool | None = None
    number_of_cache_segments: int | None = None
    cache_segment_size: int | None = None

    FIELDS: ClassVar[tuple[FieldSpec, ...]] = (
        ("ic", 2, 7, 1),
        ("abpf", 2, 6, 1),
        ("cap", 2, 5, 1),
        ("disc", 2, 4, 1),
        ("size", 2, 3, 1),
        ("wce", 2, 2, 1),
        ("mf", 2, 1, 1),
        ("rcd", 2, 0, 1),
        ("demand_read_retention_priority", 3, 7, 4),
        ("write_retention_priority", 3, 3, 4),
        ("disable_pre_fetch_transfer_length", 4, 7, 16),
        ("minimum_pre_fetch", 6, 7, 16),
        ("maximum_pre_fetch", 8, 7, 16),
        ("maximum_pre_fetch_ceiling", 10, 7, 16),
        ("fsw", 12, 7, 1),
        ("lbcss", 12, 6, 1),
        ("dra", 12, 5, 1),
        ("nv_dis", 12, 0, 1),
        ("number_of_cache_segments", 13, 7, 8),
        ("cache_segment_size", 14, 7, 16),
    )
    PAGE_LENGTH: ClassVar[int] = 0x12


@dataclass(slots=True)
class Control(ModePage):
    """Control mode page (0Ah, SPC-5 7.5.10)."""

    page_code: int = 0x0A
    tst: int | None = None
    tmf_only: bool | None = None
    dpicz: bool | None = None
    d_sense: bool | None = None
    gltsd: bool | None = None
    rlec: bool | None = None
    queue_algorithm_modifier: int | None = None
    nuar: bool | None = None
    qerr: int | None = None
    rac: bool | None = None
    ua_intlck_ctrl: int | None = None
    swp: bool | None = None
    ato: bool | None = None
    tas: bool | None = None
    atmpe: bool | None = None
    rwwp: bool | None = None
    sblp: bool | None = None
    autoload_mode: int | None = None
    busy_timeout_period: int | None = None
    extended_self_test_completion_time: int | None = None

    FIELDS: ClassVar[tuple[FieldSpec, ...]] = (
        ("tst", 2, 7, 3),
        ("tmf_only", 2, 4, 1),
        ("dpicz", 2, 3, 1),
        ("d_sense", 2, 2, 1),
        ("gltsd", 2, 1, 1),
        ("rlec", 2, 0, 1),
        ("queue_algorithm_modifier", 3, 7, 4),
        ("nuar", 3, 3, 1),
        ("qerr", 3, 2, 2),
        ("rac", 4, 6, 1),
        ("ua_intlck_ctrl", 4, 5, 2),
        ("swp", 4, 3, 1),
        ("ato", 5, 7, 1),
        ("tas", 5, 6, 1),
        ("atmpe", 5, 5, 1),
        ("rwwp", 5, 4, 1),
        ("sblp", 5, 3, 1),
        ("autoload_mode", 5, 2, 3),
        ("busy_timeout_period", 8, 7, 16),
        ("extended_self_test_completion_time", 10, 7, 16),
    )
    PAGE_LENGTH: ClassVar[int] = 0x0A


@dataclass(slots=True)
class PowerCondition(ModePage):
    """Power Condition mode page (1Ah, SPC-5 7.5.15); timers in 100 ms units."""

    page_code: int = 0x1A
    pm_bg_precedence: int | None = None
    standby_y: bool | None = None
    idle_c: bool | None = None
    idle_b: bool | None = None
    idle_a: bool | None = None
    standby_z: bool | None = None
    idle_a_condition_timer: int | None = None
    standby_z_condition_timer: int | None = None
    idle_b_condition_timer: int | None = None
    idle_c_condition_timer: int | None = None
    standby_y_condition_timer: int | None = None
    ccf_idle: int | None = None
    ccf_standby: int | None = None
    ccf_stopped: int | None = None

    FIELDS: ClassVar[tuple[FieldSpec, ...]] = (
        ("pm_bg_precedence", 2, 7, 2),
        ("standby_y", 2, 0, 1),
        ("idle_c", 3, 3, 1),
        ("idle_b", 3, 2, 1),
        ("idle_a", 3, 1, 1),
        ("standby_z", 3, 0, 1),
        ("idle_a_condition_timer", 4, 7, 32),
        ("standby_z_condition_timer", 8, 7, 32),
        ("idle_b_condition_timer", 12, 7, 32),
        ("idle_c_condition_timer", 16, 7, 32),
        ("standby_y_condition_timer", 20, 7, 32),
        ("ccf_idle", 39, 7, 2),
        ("ccf_standby", 39, 5, 2),
        ("ccf_stopped", 39, 3, 2),
    )
    PAGE_LENGTH: ClassVar[int] = 0x26


@dataclass(slots=True)
class InformationalExceptionsControl(ModePage):
    """Informational Exceptions Control mode page (1Ch, SPC-5 7.5.16)."""

    page_code: int = 0x1C
    perf: bool | None = None
    ebf: bool | None = None
    ewasc: bool | None = None
    dexcpt: bool | None = None
    test: bool | None = None
    ebackerr: bool | None = None
    logerr: bool | None = None
    mrie: int | None = None
    interval_timer: int | None = None
    report_count: int | None = None

    FIELDS: ClassVar[tuple[FieldSpec, ...]] = (
        ("perf", 2, 7, 1),
        ("ebf", 2, 5, 1),
        ("ewasc", 2, 4, 1),
        ("dexcpt", 2, 3, 1),
        ("test", 2, 2, 1),
        ("ebackerr", 2, 1, 1),
        ("logerr", 2, 0, 1),
        ("mrie", 3, 3, 4),
        ("interval_timer", 4, 7, 32),
        ("report_count", 8, 7, 32),
    )
    PAGE_LENGTH: ClassVar[int] = 0x0A


_PAGE_TYPES: dict[int, type[ModePage]] = {
    0x01: ReadWriteErrorRecovery,
    0x02: DisconnectReconnect,
    0x08: Caching,
    0x0A: Control,
    0x1A: PowerCondition,
    0x1C: InformationalExceptionsControl,
}


def parse_mode_pages(
    data: bytes | bytearray | memoryview, start: int = 0, end: int | None = None
) -> tuple[list[ModePage], bool]:
    """The mode pages in ``data[start:end]``, and whether the last one was cut short."""
    raw = bytes(data)
    stop = len(raw) if end is None else min(end, len(raw))
    pages: list[ModePage] = []
    pos = start
    while pos < stop:
        b0 = raw[pos]
        spf = bool(b0 & 0x40)
        header = 4 if spf else 2
        if pos + header > stop:
            return pages, True  # the page header itself is cut: nothing reliable to keep
        if spf:
            subpage, length = raw[pos + 1], int.from_bytes(raw[pos + 2 : pos + 4], "big")
        else:
            subpage, length = 0, raw[pos + 1]
        body = raw[pos + header : min(pos + header + length, stop)]
        cut = len(body) < length
        common: dict[str, Any] = {
            "page_code": b0 & 0x3F,
            "subpage_code": subpage,
            "ps": bool(b0 & 0x80),
            "spf": spf,
            "page_length": length,
            "data": body,
            "truncated": cut,
        }
        cls = _PAGE_TYPES.get(b0 & 0x3F) if not spf else None
        if cls is not None:
            # Field offsets count from the page's first byte; only the bytes the PAGE LENGTH
            # covers are read.
            values = _unpack(raw[pos : pos + 2 + len(body)], cls.FIELDS)
            pages.append(cls(**common, **values))
        else:
            pages.append(ModePage(**common))
        if cut:
            return pages, True
        pos += header + length
    return pages, False


def marshal_mode_page(page: ModePage, *, ps: bool | None = None) -> bytes:
    """The bytes of ``page``: header, then ``data`` with the decoded fields written over it.

    A page built from scratch (empty ``data``) gets the standard PAGE LENGTH. ``ps`` overrides
    the PS bit (MODE SELECT wants it zero). Raises ValueError if a field does not fit.
    """
    ps_bit = page.ps if ps is None else ps
    if not 0 <= page.page_code <= 0x3F:
        raise ValueError(f"page_code: {page.page_code} is not 0-63")
    header_len = 4 if page.spf else 2
    body_len = len(page.data) if page.data else page.PAGE_LENGTH
    buf = bytearray(2) + bytearray(page.data) + bytearray(body_len - len(page.data))
    values = {k: v for k, v in _values(page, page.FIELDS).items() if v is not None}
    for name, byte, msb, width in page.FIELDS:
        if name in values and (byte * 8 + (7 - msb) + width + 7) // 8 > len(buf):
            raise ValueError(f"{name}: the page is too short ({body_len} bytes) to hold it")
    _pack_into(buf, page.FIELDS, values)
    body = bytes(buf[2:])
    b0 = (0x80 if ps_bit else 0) | (0x40 if page.spf else 0) | page.page_code
    if header_len == 4:
        if not 0 <= page.subpage_code <= 0xFF or len(body) > 0xFFFF:
            raise ValueError(f"subpage_code {page.subpage_code} or page length {len(body)}")
        return bytes((b0, page.subpage_code)) + len(body).to_bytes(2, "big") + body
    if len(body) > 0xFF:
        raise ValueError(f"page_length: {len(body)} does not fit a page_0 format page")
    return bytes((b0, len(body))) + body


@dataclass(slots=True)
class ModeParameters:
    """A mode parameter list: header, block descriptors, pages (SPC-5 7.5.5)."""

    mode_data_length: int | None = None
    medium_type: int | None = None
    device_specific_parameter: int | None = None
    longlba: bool | None = None
    block_descriptor_length: int | None = None
    block_descriptors: list[BlockDescriptor] = field(default_factory=list)
    pages: list[ModePage] = field(default_factory=list)
    truncated: bool = False

    @property
    def wp(self) -> bool | None:
        """WP (write protect) of the direct-access DEVICE-SPECIFIC PARAMETER."""
        dsp = self.device_specific_parameter
        return None if dsp is None else bool(dsp & 0x80)

    @property
    def dpofua(self) -> bool | None:
        """DPOFUA of the direct-access DEVICE-SPECIFIC PARAMETER."""
        dsp = self.device_specific_parameter
        return None if dsp is None else bool(dsp & 0x10)

    def page(self, page_code: int, subpage_code: int = 0) -> ModePage | None:
        """The first page with this page and subpage code, or None."""
        for p in self.pages:
            if p.page_code == page_code and p.subpage_code == subpage_code:
                return p
        return None


def _parse_block_descriptors(
    raw: bytes, longlba: bool, general: bool
) -> tuple[list[BlockDescriptor], bool]:
    size = 16 if longlba else 8
    out: list[BlockDescriptor] = []
    for pos in range(0, len(raw) - size + 1, size):
        d = raw[pos : pos + size]
        if longlba:
            out.append(BlockDescriptor(int.from_bytes(d[0:8], "big"), _be(d, 12, 4) or 0))
        elif general:
            out.append(BlockDescriptor(int.from_bytes(d[1:4], "big"), _be(d, 5, 3) or 0, d[0]))
        else:
            out.append(BlockDescriptor(int.from_bytes(d[0:4], "big"), _be(d, 5, 3) or 0))
    return out, len(raw) % size != 0


def _parse(raw: bytes, header: int, values: dict[str, Any], general: bool) -> ModeParameters:
    params = ModeParameters(**values)
    length = params.mode_data_length
    # MODE DATA LENGTH excludes itself: 1 byte in the 6-byte header, 2 in the 10-byte one.
    total = length + (2 if header == 8 else 1) if length is not None else header
    data = raw[:total]
    cut = len(raw) < total
    bdl = params.block_descriptor_length or 0
    bd_raw = data[header : header + bdl]
    params.block_descriptors, bd_cut = _parse_block_descriptors(
        bd_raw, bool(params.longlba), general
    )
    cut = cut or bd_cut or len(bd_raw) < bdl
    params.pages, pages_cut = parse_mode_pages(data, header + bdl)
    params.truncated = cut or pages_cut or len(raw) < header
    return params


def parse_mode_sense6(
    data: bytes | bytearray | memoryview, *, general_block_descriptors: bool = False
) -> ModeParameters:
    """Parse MODE SENSE (6) data. ``general_block_descriptors``: the device is not a
    direct-access one, so block descriptors carry a DENSITY CODE and a 24-bit count.
    """
    raw = bytes(data)
    values = _unpack(
        raw,
        (
            ("mode_data_length", 0, 7, 8),
            ("medium_type", 1, 7, 8),
            ("device_specific_parameter", 2, 7, 8),
            ("block_descriptor_length", 3, 7, 8),
        ),
    )
    values["longlba"] = False
    return _parse(raw, 4, values, general_block_descriptors)


def parse_mode_sense10(
    data: bytes | bytearray | memoryview, *, general_block_descriptors: bool = False
) -> ModeParameters:
    """Parse MODE SENSE (10) data (LONGLBA selects 16-byte block descriptors)."""
    raw = bytes(data)
    values = _unpack(
        raw,
        (
            ("mode_data_length", 0, 7, 16),
            ("medium_type", 2, 7, 8),
            ("device_specific_parameter", 3, 7, 8),
            ("longlba", 4, 0, 1),
            ("block_descriptor_length", 6, 7, 16),
        ),
    )
    return _parse(raw, 8, values, general_block_descriptors)


def _marshal_block_descriptors(params: ModeParameters, allow_long: bool) -> bytes:
    out = bytearray()
    for d in params.block_descriptors:
        if params.longlba:
            if not allow_long:
                raise ValueError("longlba: MODE SELECT (6) cannot carry long LBA descriptors")
            if not 0 <= d.number_of_logical_blocks < 1 << 64:
                raise ValueError(f"number_of_logical_blocks: {d.number_of_logical_blocks}")
            out += d.number_of_logical_blocks.to_bytes(8, "big") + bytes(4)
            out += _check(d.logical_block_length, 32, "logical_block_length").to_bytes(4, "big")
            continue
        if d.density_code is not None:
            out.append(_check(d.density_code, 8, "density_code"))
            out += _check(d.number_of_logical_blocks, 24, "number_of_logical_blocks").to_bytes(
                3, "big"
            )
        else:
            out += _check(d.number_of_logical_blocks, 32, "number_of_logical_blocks").to_bytes(
                4, "big"
            )
        out += b"\x00" + _check(d.logical_block_length, 24, "logical_block_length").to_bytes(
            3, "big"
        )
    return bytes(out)


def _check(value: int, bits: int, name: str) -> int:
    if not 0 <= value < 1 << bits:
        raise ValueError(f"{name}: {value} does not fit in {bits} bits")
    return value


def _pages(params: ModeParameters) -> bytes:
    return b"".join(marshal_mode_page(p, ps=False) for p in params.pages)


def marshal_mode_select6(params: ModeParameters) -> bytes:
    """The MODE SELECT (6) parameter list for ``params`` (MODE DATA LENGTH and PS zero)."""
    bds = _marshal_block_descriptors(params, allow_long=False)
    if len(bds) > 0xFF:
        raise ValueError(f"block_descriptors: {len(bds)} bytes do not fit MODE SELECT (6)")
    head = bytes(
        (
            0,
            _check(params.medium_type or 0, 8, "medium_type"),
            _check(params.device_specific_parameter or 0, 8, "device_specific_parameter"),
            len(bds),
        )
    )
    out = head + bds + _pages(params)
    if len(out) > 0xFF:
        raise ValueError(f"parameter list: {len(out)} bytes is too long for MODE SELECT (6)")
    return out


def marshal_mode_select10(params: ModeParameters) -> bytes:
    """The MODE SELECT (10) parameter list for ``params`` (MODE DATA LENGTH and PS zero)."""
    bds = _marshal_block_descriptors(params, allow_long=True)
    head = (
        bytes(2)
        + bytes(
            (
                _check(params.medium_type or 0, 8, "medium_type"),
                _check(params.device_specific_parameter or 0, 8, "device_specific_parameter"),
                1 if params.longlba else 0,
                0,
            )
        )
        + _check(len(bds), 16, "block descriptor length").to_bytes(2, "big")
    )
    out = head + bds + _pages(params)
    if len(out) > 0xFFFF:
        raise ValueError(f"parameter list: {len(out)} bytes is too long for MODE SELECT (10)")
    return out
