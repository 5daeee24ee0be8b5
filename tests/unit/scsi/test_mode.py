"""MODE SENSE (6)/(10) parsing, mode pages, MODE SELECT (6)/(10) parameter lists."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import datain_checks as checks
from pyiscsi.scsi.mode import (
    BlockDescriptor,
    Caching,
    Control,
    DisconnectReconnect,
    InformationalExceptionsControl,
    ModePage,
    ModeParameters,
    PowerCondition,
    ReadWriteErrorRecovery,
    marshal_mode_page,
    marshal_mode_select6,
    marshal_mode_select10,
    parse_mode_pages,
    parse_mode_sense6,
    parse_mode_sense10,
)

# Hand-built pages, fields set to distinct values.
RW_ERROR = bytes.fromhex("01 0a  c5 03 00 00 00 80 05 00 01 2c")
DISCONNECT = bytes.fromhex("02 0e  80 40 00 0a 00 14 00 1e 01 00 c9 00 00 20")
CACHING = bytes.fromhex("08 12  85 21 ff ff 00 10 01 00 02 00 a1 08 10 00 00 00 00 00")
CONTROL = bytes.fromhex("0a 0a  54 12 58 c2 00 00 00 64 01 2c")
POWER = (
    bytes.fromhex("1a 26  41 0f 00000001 00000002 00000003 00000004 00000005")
    + bytes(15)
    + bytes((0b01_10_11_00,))
)
IEC = bytes.fromhex("1c 0a  8d 06 00000e10 00000003")
SUBPAGE = bytes.fromhex("4a 01 0004 01020304")  # Control Extension: raw
VENDOR = bytes.fromhex("00 02 abcd")
PAGES = RW_ERROR + DISCONNECT + CACHING + CONTROL + POWER + IEC + SUBPAGE + VENDOR


def test_pages_decoded() -> None:
    pages, cut = parse_mode_pages(PAGES)
    assert cut is False
    rw, dr, ca, co, pc, ie, sub, ven = pages
    assert isinstance(rw, ReadWriteErrorRecovery) and rw.page_length == 10
    assert (rw.awre, rw.arre, rw.tb, rw.rc, rw.eer, rw.per, rw.dte, rw.dcr) == (
        True, True, False, False, False, True, False, True,
    )  # fmt: skip
    assert rw.read_retry_count == 3 and rw.lbpere is True
    assert rw.write_retry_count == 5 and rw.recovery_time_limit == 300
    assert isinstance(dr, DisconnectReconnect)
    assert (dr.buffer_full_ratio, dr.buffer_empty_ratio) == (0x80, 0x40)
    assert (dr.bus_inactivity_limit, dr.disconnect_time_limit) == (10, 20)
    assert (dr.connect_time_limit, dr.maximum_burst_size) == (30, 256)
    assert (dr.emdp, dr.fair_arbitration, dr.dimm, dr.dtdc) == (True, 4, True, 1)
    assert dr.first_burst_size == 0x20
    assert isinstance(ca, Caching)
    assert (ca.ic, ca.wce, ca.rcd, ca.cap, ca.disc) == (True, True, True, False, False)
    assert (ca.demand_read_retention_priority, ca.write_retention_priority) == (2, 1)
    assert ca.disable_pre_fetch_transfer_length == 0xFFFF
    assert (ca.minimum_pre_fetch, ca.maximum_pre_fetch, ca.maximum_pre_fetch_ceiling) == (
        16, 256, 512,
    )  # fmt: skip
    assert (ca.fsw, ca.lbcss, ca.dra, ca.nv_dis) == (True, False, True, True)
    assert (ca.number_of_cache_segments, ca.cache_segment_size) == (8, 0x1000)
    assert isinstance(co, Control)
    assert (co.tst, co.tmf_only, co.dpicz, co.d_sense, co.gltsd, co.rlec) == (
        2, True, False, True, False, False,
    )  # fmt: skip
    assert (co.queue_algorithm_modifier, co.nuar, co.qerr) == (1, False, 1)
    assert (co.rac, co.ua_intlck_ctrl, co.swp) == (True, 1, True)
    assert (co.ato, co.tas, co.atmpe, co.rwwp, co.sblp, co.autoload_mode) == (
        True, True, False, False, False, 2,
    )  # fmt: skip
    assert (co.busy_timeout_period, co.extended_self_test_completion_time) == (100, 300)
    assert isinstance(pc, PowerCondition)
    assert (pc.pm_bg_precedence, pc.standby_y) == (1, True)
    assert (pc.idle_c, pc.idle_b, pc.idle_a, pc.standby_z) == (True, True, True, True)
    assert pc.idle_a_condition_timer == 1 and pc.standby_z_condition_timer == 2
    assert pc.idle_b_condition_timer == 3 and pc.idle_c_condition_timer == 4
    assert pc.standby_y_condition_timer == 5
    assert (pc.ccf_idle, pc.ccf_standby, pc.ccf_stopped) == (1, 2, 3)
    assert isinstance(ie, InformationalExceptionsControl)
    assert (ie.perf, ie.ebf, ie.ewasc, ie.dexcpt, ie.test, ie.ebackerr, ie.logerr) == (
        True, False, False, True, True, False, True,
    )  # fmt: skip
    assert (ie.mrie, ie.interval_timer, ie.report_count) == (6, 3600, 3)
    assert type(sub) is ModePage
    assert (sub.page_code, sub.subpage_code, sub.spf) == (0x0A, 1, True)
    assert sub.data == b"\x01\x02\x03\x04"
    assert type(ven) is ModePage and ven.page_code == 0 and ven.data == b"\xab\xcd"


def test_pages_round_trip_byte_exact() -> None:
    pages, _ = parse_mode_pages(PAGES)
    assert b"".join(marshal_mode_page(p) for p in pages) == PAGES


def test_changed_field_marshals_into_place() -> None:
    pages, _ = parse_mode_pages(CACHING)
    page = pages[0]
    assert isinstance(page, Caching)
    page.wce = False
    page.cache_segment_size = 0x2000
    out = marshal_mode_page(page)
    assert out == bytes.fromhex("08 12  81 21 ff ff 00 10 01 00 02 00 a1 08 20 00 00 00 00 00")


def test_page_from_scratch_gets_standard_length() -> None:
    assert marshal_mode_page(Caching(wce=True)) == bytes.fromhex("0812 04") + bytes(17)
    assert marshal_mode_page(Control(d_sense=True)) == bytes.fromhex("0a0a 04") + bytes(9)
    assert marshal_mode_page(ModePage(page_code=0x3E, data=b"\x01")) == b"\x3e\x01\x01"
    raw = ModePage(page_code=0x1C, subpage_code=2, spf=True, data=b"\x09")
    assert marshal_mode_page(raw) == bytes.fromhex("5c02 0001 09")


def test_marshal_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="mrie"):
        marshal_mode_page(InformationalExceptionsControl(mrie=16))
    with pytest.raises(ValueError, match="page_code"):
        marshal_mode_page(ModePage(page_code=0x40))
    with pytest.raises(ValueError, match="cache_segment_size"):
        marshal_mode_page(Caching(data=bytes(4), cache_segment_size=1))


def test_ps_bit() -> None:
    pages, _ = parse_mode_pages(b"\x88" + CACHING[1:])
    assert pages[0].ps is True
    assert marshal_mode_page(pages[0])[0] == 0x88
    assert marshal_mode_page(pages[0], ps=False)[0] == 0x08


# ------------------------------------------------------------------- MODE SENSE headers

SENSE6 = (
    bytes((3 + 8 + len(CACHING) + len(CONTROL), 0x00, 0x90, 8))
    + bytes.fromhex("00020000 00 000200")
    + CACHING
    + CONTROL
)


def test_mode_sense6() -> None:
    m = parse_mode_sense6(SENSE6)
    assert m.truncated is False
    assert (m.medium_type, m.device_specific_parameter, m.wp, m.dpofua) == (0, 0x90, True, True)
    assert m.longlba is False and m.block_descriptor_length == 8
    assert m.block_descriptors == [BlockDescriptor(0x20000, 512)]
    assert [type(p) for p in m.pages] == [Caching, Control]
    assert m.page(0x0A) is m.pages[1] and m.page(0x0A, 1) is None
    checks.check_prefixes(parse_mode_sense6, SENSE6)


def test_mode_sense6_general_block_descriptor() -> None:
    data = bytes((11, 0, 0, 8)) + bytes.fromhex("44 000100 00 000400")
    m = parse_mode_sense6(data, general_block_descriptors=True)
    assert m.block_descriptors == [BlockDescriptor(0x100, 0x400, density_code=0x44)]
    assert marshal_mode_select6(m) == bytes((0, 0, 0, 8)) + data[4:]


SENSE10_LONG = (
    (6 + 16 + len(IEC)).to_bytes(2, "big")
    + bytes((0x00, 0x00, 0x01, 0x00))
    + (16).to_bytes(2, "big")
    + bytes.fromhex("0000000100000000 00000000 00001000")
    + IEC
)


def test_mode_sense10_long_lba() -> None:
    m = parse_mode_sense10(SENSE10_LONG)
    assert m.truncated is False and m.longlba is True
    assert m.block_descriptors == [BlockDescriptor(0x1_0000_0000, 4096)]
    assert isinstance(m.pages[0], InformationalExceptionsControl)
    checks.check_prefixes(parse_mode_sense10, SENSE10_LONG)


def test_mode_sense10_short_descriptors_and_select() -> None:
    data = (
        (6 + 8 + len(CONTROL)).to_bytes(2, "big")
        + bytes((0, 0x10, 0, 0, 0, 8))
        + bytes.fromhex("00001000 00 000200")
        + CONTROL
    )
    m = parse_mode_sense10(data)
    assert m.block_descriptors == [BlockDescriptor(0x1000, 512)]
    assert marshal_mode_select10(m) == bytes(2) + data[2:]


def test_mode_select6_vector() -> None:
    params = ModeParameters(
        medium_type=0,
        device_specific_parameter=0,
        block_descriptors=[BlockDescriptor(0, 512)],
        pages=[Caching(ps=True, wce=True)],
    )
    out = marshal_mode_select6(params)
    assert out == (
        bytes.fromhex("00 00 00 08  00000000 00 000200  08 12 04") + bytes(17)
    )  # PS cleared, MODE DATA LENGTH zero


def test_mode_select10_long_lba_vector() -> None:
    params = ModeParameters(longlba=True, block_descriptors=[BlockDescriptor(1 << 40, 4096)])
    assert marshal_mode_select10(params) == bytes.fromhex(
        "0000 00 00 01 00 0010  0000010000000000 00000000 00001000"
    )
    with pytest.raises(ValueError, match="longlba"):
        marshal_mode_select6(params)


def test_mode_select_rejects_bad_descriptor() -> None:
    params = ModeParameters(block_descriptors=[BlockDescriptor(0, 1 << 24)])
    with pytest.raises(ValueError, match="logical_block_length"):
        marshal_mode_select6(params)


def test_lying_mode_data_length() -> None:
    data = bytearray(SENSE6)
    data[0] = 0xFF
    m = parse_mode_sense6(bytes(data))
    assert m.truncated is True and [type(p) for p in m.pages] == [Caching, Control]


def test_page_length_past_the_data() -> None:
    pages, cut = parse_mode_pages(CACHING[:10])
    assert cut is True and pages[0].truncated is True
    page = pages[0]
    assert isinstance(page, Caching)
    assert page.wce is True and page.maximum_pre_fetch == 256
    assert page.maximum_pre_fetch_ceiling is None and page.cache_segment_size is None


# --------------------------------------------------------------------------- tgtd data


@pytest.mark.parametrize(
    "name", ["mode_sense6_all", "mode_sense6_all_sub", "mode_sense6_caching", "mode_sense6_control"]
)
def test_tgtd_mode_sense6(name: str) -> None:
    data = checks.load(name)
    m = parse_mode_sense6(data)
    assert m.truncated is False
    assert m.block_descriptors == [BlockDescriptor(0, 512)]
    checks.check_prefixes(parse_mode_sense6, data)
    # sense -> select -> parse keeps every page (PS cleared, MODE DATA LENGTH zero)
    again = parse_mode_sense6(bytes((len(data) - 1,)) + marshal_mode_select6(m)[1:])
    assert [marshal_mode_page(p) for p in again.pages] == [marshal_mode_page(p) for p in m.pages]


def test_tgtd_mode_pages() -> None:
    m = parse_mode_sense6(checks.load("mode_sense6_all"))
    caching = m.page(0x08)
    assert isinstance(caching, Caching) and caching.wce is True
    control = m.page(0x0A)
    assert isinstance(control, Control) and control.queue_algorithm_modifier == 1
    extension = m.page(0x0A, 1)
    assert extension is not None and extension.spf is True
    assert isinstance(m.page(0x1C), InformationalExceptionsControl)


@pytest.mark.parametrize("name", ["mode_sense10_all", "mode_sense10_llbaa"])
def test_tgtd_mode_sense10(name: str) -> None:
    data = checks.load(name)
    m = parse_mode_sense10(data)
    assert m.truncated is False and len(m.pages) == 6
    checks.check_prefixes(parse_mode_sense10, data)
    select = marshal_mode_select10(m)
    again = parse_mode_sense10(len(select[2:]).to_bytes(2, "big") + select[2:])
    assert [marshal_mode_page(p) for p in again.pages] == [marshal_mode_page(p) for p in m.pages]


def test_tgtd_tape_mode_sense() -> None:
    data = checks.load("mode_sense6_tape")
    m = parse_mode_sense6(data, general_block_descriptors=True)
    assert m.truncated is False
    assert m.block_descriptors[0].density_code is not None
    codes = [(p.page_code, p.subpage_code) for p in m.pages]
    assert (0x0F, 0) in codes and (0x10, 0) in codes
    checks.check_prefixes(lambda d: parse_mode_sense6(d, general_block_descriptors=True), data)


# ------------------------------------------------------------------ hypothesis round trips

PAGE_CLASSES = [
    ReadWriteErrorRecovery,
    DisconnectReconnect,
    Caching,
    Control,
    PowerCondition,
    InformationalExceptionsControl,
]


@st.composite
def typed_pages(draw: st.DrawFn) -> ModePage:
    cls = draw(st.sampled_from(PAGE_CLASSES))
    values = {}
    for name, _byte, _msb, width in cls.FIELDS:
        if width == 1:
            values[name] = draw(st.booleans())
        else:
            values[name] = draw(st.integers(0, (1 << width) - 1))
    data = draw(st.binary(min_size=cls.PAGE_LENGTH, max_size=cls.PAGE_LENGTH + 8))
    return cls(ps=draw(st.booleans()), data=data, **values)


@given(typed_pages())
def test_page_round_trip(page: ModePage) -> None:
    raw = marshal_mode_page(page)
    pages, cut = parse_mode_pages(raw)
    assert cut is False and len(pages) == 1
    again = pages[0]
    assert type(again) is type(page)
    for name, *_ in page.FIELDS:
        assert getattr(again, name) == getattr(page, name), name
    assert marshal_mode_page(again) == raw


@given(
    st.lists(typed_pages(), max_size=4),
    st.lists(st.tuples(st.integers(0, (1 << 32) - 1), st.integers(0, (1 << 24) - 1)), max_size=2),
)
def test_mode_select10_round_trip(pages: list[ModePage], descs: list[tuple[int, int]]) -> None:
    params = ModeParameters(
        medium_type=0,
        device_specific_parameter=0,
        block_descriptors=[BlockDescriptor(n, length) for n, length in descs],
        pages=pages,
    )
    out = marshal_mode_select10(params)
    parsed = parse_mode_sense10((len(out) - 2).to_bytes(2, "big") + out[2:])
    assert parsed.truncated is False
    assert parsed.block_descriptors == params.block_descriptors
    assert len(parsed.pages) == len(pages)
    for a, b in zip(parsed.pages, pages, strict=True):
        assert type(a) is type(b) and a.ps is False
        assert marshal_mode_page(a) == marshal_mode_page(b, ps=False)


@given(st.binary(max_size=200))
def test_random_bytes_never_raise(data: bytes) -> None:
    assert isinstance(parse_mode_sense6(data).truncated, bool)
    assert isinstance(parse_mode_sense10(data).truncated, bool)
    assert isinstance(parse_mode_sense6(data, general_block_descriptors=True).truncated, bool)
