"""The 8-byte LUN field (SAM-5 4.7) and REPORT LUNS parameter data."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import datain_checks as checks
from pyiscsi.scsi.luns import (
    AddressMethod,
    decode_lun,
    encode_extended_flat_space_lun,
    encode_logical_unit_address,
    encode_lun,
    encode_peripheral_device_address,
    encode_well_known_lun,
    parse_lun,
    parse_report_luns,
)


@pytest.mark.parametrize(
    ("lun", "field"),
    [
        (0, "0000000000000000"),
        (1, "0001000000000000"),
        (255, "00ff000000000000"),
        (256, "4100000000000000"),
        (300, "412c000000000000"),
        (16383, "7fff000000000000"),
    ],
)
def test_encode_lun_vectors(lun: int, field: str) -> None:
    assert encode_lun(lun).hex() == field
    assert decode_lun(bytes.fromhex(field)) == lun


@pytest.mark.parametrize("bad", [-1, 16384, 1 << 20])
def test_encode_lun_out_of_range(bad: int) -> None:
    with pytest.raises(ValueError, match="lun"):
        encode_lun(bad)


@given(st.integers(0, 16383))
def test_encode_decode_round_trip(n: int) -> None:
    field = encode_lun(n)
    assert len(field) == 8
    assert decode_lun(field) == n
    assert parse_lun(field).levels[0].address_method == (0 if n < 256 else 1)


def test_flat_space_encoding_of_small_lun_decodes() -> None:
    assert decode_lun(bytes.fromhex("4005000000000000")) == 5


def test_peripheral_device_address_with_bus() -> None:
    field = encode_peripheral_device_address(3, 7)
    assert field.hex() == "0307000000000000"
    lun = parse_lun(field)
    assert lun.levels[0].bus_identifier == 3 and lun.levels[0].target_or_lun == 7
    assert lun.number is None
    with pytest.raises(ValueError, match="single-level"):
        decode_lun(field)


def test_logical_unit_addressing() -> None:
    field = encode_logical_unit_address(target=5, bus_number=2, lun=9)
    assert field.hex() == "8549000000000000"
    level = parse_lun(field).levels[0]
    assert level.address_method == AddressMethod.LOGICAL_UNIT
    assert (level.target, level.bus_number, level.lun) == (5, 2, 9)


def test_extended_flat_space() -> None:
    field = encode_extended_flat_space_lun(0x123456)
    assert field.hex() == "d212345600000000"
    assert decode_lun(field) == 0x123456
    long_field = encode_extended_flat_space_lun(0x12_3456_789A)
    assert long_field.hex() == "e2123456789a0000"
    assert decode_lun(long_field) == 0x12_3456_789A
    level = parse_lun(long_field).levels[0]
    assert (level.length, level.extended_address_method) == (2, 2)


def test_well_known_lun() -> None:
    field = encode_well_known_lun(0x01)
    assert field.hex() == "c101000000000000"
    lun = parse_lun(field)
    assert lun.well_known is True and lun.levels[0].well_known_logical_unit == 1
    assert lun.number is None


def test_logical_unit_not_specified() -> None:
    lun = parse_lun(b"\xff" * 8)
    assert lun.not_specified is True and lun.number is None


def test_two_level_hierarchy() -> None:
    lun = parse_lun(bytes.fromhex("0001 4102 0000 0000"))
    assert len(lun.levels) == 2
    assert lun.levels[0].target_or_lun == 1
    assert lun.levels[1].flat_space_lun == 0x102
    assert lun.number is None


def test_builders_reject_bad_fields() -> None:
    with pytest.raises(ValueError, match="bus_identifier"):
        encode_peripheral_device_address(64, 0)
    with pytest.raises(ValueError, match="bus_number"):
        encode_logical_unit_address(0, 8, 0)
    with pytest.raises(ValueError, match="w_lun"):
        encode_well_known_lun(256)
    with pytest.raises(ValueError, match="8"):
        parse_lun(b"\x00" * 7)


@given(st.binary(min_size=8, max_size=8))
def test_any_lun_field_parses(field: bytes) -> None:
    lun = parse_lun(field)
    assert lun.raw == field
    assert lun.not_specified or lun.levels


REPORT = bytes.fromhex("00000018 00000000 0000000000000000 4123000000000000 c101000000000000")


def test_report_luns() -> None:
    r = parse_report_luns(REPORT)
    assert r.lun_list_length == 24 and r.truncated is False
    assert r.numbers == [0, 0x123, None]
    assert r.luns[2].well_known is True
    checks.check_prefixes(parse_report_luns, REPORT)


def test_report_luns_list_longer_than_allocation() -> None:
    data = bytes.fromhex("00000100 00000000") + encode_lun(3)
    r = parse_report_luns(data)
    assert r.truncated is True and r.numbers == [3]


def test_tgtd_report_luns() -> None:
    data = checks.load("report_luns")
    r = parse_report_luns(data)
    assert r.numbers == [0, 1, 2, 3, 4, 5]
    checks.check_prefixes(parse_report_luns, data)


@given(st.binary(max_size=64))
def test_random_report_luns_never_raise(data: bytes) -> None:
    assert isinstance(parse_report_luns(data).truncated, bool)
