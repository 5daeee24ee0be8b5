"""UNMAP and EXTENDED COPY (LID1) parameter lists: byte vectors, round trips, bad fields."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyiscsi.scsi.params import (
    BlockToBlockSegment,
    ExtendedCopyParameters,
    IdentificationCscd,
    UnmapBlockDescriptor,
    build_extended_copy_parameter_list,
    build_unmap_parameter_list,
    parse_extended_copy_parameter_list,
    parse_unmap_parameter_list,
)


def test_unmap_vector() -> None:
    out = build_unmap_parameter_list([(0x10, 8), UnmapBlockDescriptor(0x1_0000_0000, 0xFFFFFFFF)])
    assert out == (
        bytes.fromhex("0026 0020 00000000")
        + bytes.fromhex("0000000000000010 00000008 00000000")
        + bytes.fromhex("0000000100000000 ffffffff 00000000")
    )


def test_unmap_empty_list() -> None:
    assert build_unmap_parameter_list([]) == bytes.fromhex("0006 0000 00000000")


def test_unmap_rejects_bad_fields() -> None:
    with pytest.raises(ValueError, match="unmap_logical_block_address"):
        build_unmap_parameter_list([(1 << 64, 1)])
    with pytest.raises(ValueError, match="number_of_logical_blocks"):
        build_unmap_parameter_list([(0, 1 << 32)])
    with pytest.raises(ValueError, match="descriptors"):
        build_unmap_parameter_list([(0, 1)] * 4096)


@given(st.lists(st.tuples(st.integers(0, (1 << 64) - 1), st.integers(0, (1 << 32) - 1))))
def test_unmap_round_trip(descs: list[tuple[int, int]]) -> None:
    out = build_unmap_parameter_list(descs)
    parsed, cut = parse_unmap_parameter_list(out)
    assert cut is False
    assert [(d.unmap_logical_block_address, d.number_of_logical_blocks) for d in parsed] == descs
    for n in range(len(out)):
        part, part_cut = parse_unmap_parameter_list(out[:n])
        assert part == parsed[: len(part)]
        assert part_cut is (len(descs) > 0 or n < 4)


NAA = bytes.fromhex("6001405f0011223344556677889900aa")
XCOPY = (
    bytes.fromhex("01 00 0020 00000000 0000001c 00000000")
    + bytes.fromhex("e4 00 0000 01 03 00 10 6001405f0011223344556677889900aa 00000000 00 000200")
    + bytes.fromhex("02 00 0018 0000 0000 0000 0800 0000000000000000 0000000000001000")
)


def test_extended_copy_vector() -> None:
    params = ExtendedCopyParameters(
        list_identifier=1,
        cscd_descriptors=[IdentificationCscd(designator=NAA)],
        segment_descriptors=[BlockToBlockSegment(0, 0, 2048, 0, 0x1000)],
    )
    assert build_extended_copy_parameter_list(params) == XCOPY
    assert parse_extended_copy_parameter_list(XCOPY) == params


def test_extended_copy_flags_and_inline_data() -> None:
    params = ExtendedCopyParameters(
        list_identifier=0xFF,
        str_=True,
        list_id_usage=3,
        priority=5,
        cscd_descriptors=[
            IdentificationCscd(
                designator=b"PYISCSI 1234",
                code_set=2,
                association=0,
                designator_type=1,
                lu_id_type=1,
                nul=True,
                peripheral_device_type=0x1F,
                relative_initiator_port_identifier=0x0102,
                pad=True,
                disk_block_length=4096,
            )
        ],
        segment_descriptors=[BlockToBlockSegment(0, 1, 1, 2, 3, dc=True, cat=True)],
        inline_data=b"\x01\x02",
    )
    out = build_extended_copy_parameter_list(params)
    assert out[:2] == bytes((0xFF, 0x20 | 0x18 | 0x05))
    assert out[12:16] == (2).to_bytes(4, "big") and out.endswith(b"\x01\x02")
    cscd = out[16:48]
    assert cscd[:8] == bytes.fromhex("e4 7f 0102 02 01 00 0c")
    assert cscd[28:32] == bytes.fromhex("04 001000")
    assert out[48:50] == bytes.fromhex("02 03")
    assert parse_extended_copy_parameter_list(out) == params


def test_extended_copy_rejects_bad_fields() -> None:
    with pytest.raises(ValueError, match="designator"):
        build_extended_copy_parameter_list(
            ExtendedCopyParameters(cscd_descriptors=[IdentificationCscd(designator=bytes(21))])
        )
    with pytest.raises(ValueError, match="number_of_blocks"):
        build_extended_copy_parameter_list(
            ExtendedCopyParameters(segment_descriptors=[BlockToBlockSegment(0, 0, 1 << 16, 0, 0)])
        )
    with pytest.raises(ValueError, match="priority"):
        build_extended_copy_parameter_list(ExtendedCopyParameters(priority=8))
    with pytest.raises(ValueError, match="disk_block_length"):
        build_extended_copy_parameter_list(
            ExtendedCopyParameters(
                cscd_descriptors=[IdentificationCscd(designator=NAA, disk_block_length=1 << 24)]
            )
        )


cscds = st.builds(
    IdentificationCscd,
    designator=st.binary(max_size=20),
    code_set=st.integers(0, 15),
    association=st.integers(0, 3),
    designator_type=st.integers(0, 15),
    lu_id_type=st.integers(0, 3),
    nul=st.booleans(),
    peripheral_device_type=st.integers(0, 31),
    relative_initiator_port_identifier=st.integers(0, 0xFFFF),
    pad=st.booleans(),
    disk_block_length=st.integers(0, (1 << 24) - 1),
)
segments = st.builds(
    BlockToBlockSegment,
    source_cscd_descriptor_id=st.integers(0, 0xFFFF),
    destination_cscd_descriptor_id=st.integers(0, 0xFFFF),
    number_of_blocks=st.integers(0, 0xFFFF),
    source_block_device_logical_block_address=st.integers(0, (1 << 64) - 1),
    destination_block_device_logical_block_address=st.integers(0, (1 << 64) - 1),
    dc=st.booleans(),
    cat=st.booleans(),
)


@given(
    st.builds(
        ExtendedCopyParameters,
        list_identifier=st.integers(0, 255),
        str_=st.booleans(),
        list_id_usage=st.integers(0, 3),
        priority=st.integers(0, 7),
        cscd_descriptors=st.lists(cscds, max_size=3),
        segment_descriptors=st.lists(segments, max_size=3),
        inline_data=st.binary(max_size=16),
    )
)
def test_extended_copy_round_trip(params: ExtendedCopyParameters) -> None:
    out = build_extended_copy_parameter_list(params)
    assert parse_extended_copy_parameter_list(out) == params
    assert parse_extended_copy_parameter_list(out[: len(out) - 1]).truncated is True


@given(st.binary(max_size=150))
def test_random_bytes_never_raise(data: bytes) -> None:
    assert isinstance(parse_extended_copy_parameter_list(data).truncated, bool)
    descs, cut = parse_unmap_parameter_list(data)
    assert isinstance(cut, bool) and isinstance(descs, list)
