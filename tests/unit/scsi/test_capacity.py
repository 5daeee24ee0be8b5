"""READ CAPACITY (10)/(16) and GET LBA STATUS parameter data."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import datain_checks as checks
from pyiscsi.scsi.capacity import (
    ProvisioningStatus,
    parse_get_lba_status,
    parse_read_capacity10,
    parse_read_capacity16,
)

RC10 = bytes.fromhex("0001ffff 00001000")
RC16 = bytes.fromhex("00000001 00000000 00000200 2b 53 c0 07") + bytes(16)
# The fields every target sends are plain ints, 0 while cut off; the others None.
ALWAYS = {"returned_logical_block_address": 0, "logical_block_length": 0}


def check_capacity_prefixes(parse: Callable[[bytes], Any], data: bytes) -> None:
    """Every proper prefix is flagged truncated and agrees with the whole where it has a value."""
    full = parse(data)
    assert full.truncated is False
    for n in range(len(data)):
        part = parse(data[:n])
        assert part.truncated is True, n
        for f in dataclasses.fields(part):
            value = getattr(part, f.name)
            if f.name == "truncated" or value is None or value == ALWAYS.get(f.name):
                continue
            assert value == getattr(full, f.name), (n, f.name)


def test_read_capacity10() -> None:
    rc = parse_read_capacity10(RC10)
    assert rc.returned_logical_block_address == 0x1FFFF
    assert rc.logical_block_length == 4096
    assert rc.total_size == 0x20000 * 4096
    assert rc.truncated is False
    check_capacity_prefixes(parse_read_capacity10, RC10)


def test_read_capacity10_cut() -> None:
    rc = parse_read_capacity10(RC10[:6])
    assert rc.returned_logical_block_address == 0x1FFFF
    assert rc.logical_block_length == 0 and rc.total_size == 0 and rc.truncated


def test_read_capacity16_every_field() -> None:
    rc = parse_read_capacity16(RC16)
    assert rc.returned_logical_block_address == 0x1_0000_0000
    assert rc.logical_block_length == 512
    # byte 12 = 0x2b: RC BASIS 10b, P_TYPE 101b, PROT_EN 1
    assert (rc.rc_basis, rc.p_type, rc.prot_en) == (2, 5, True)
    # byte 13 = 0x53: P_I_EXPONENT 5, LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT 3
    assert (rc.p_i_exponent, rc.logical_blocks_per_physical_block_exponent) == (5, 3)
    # bytes 14-15 = 0xc007: LBPME 1, LBPRZ 1, LOWEST ALIGNED LBA 7
    assert (rc.lbpme, rc.lbprz, rc.lowest_aligned_logical_block_address) == (True, True, 7)
    assert rc.total_size == (0x1_0000_0000 + 1) * 512
    assert rc.truncated is False


def test_read_capacity16_prefixes() -> None:
    # Only the first 16 bytes carry fields; shorter is cut.
    check_capacity_prefixes(parse_read_capacity16, RC16[:16])
    assert parse_read_capacity16(RC16[:13]).p_i_exponent is None


def test_tgtd_read_capacity() -> None:
    rc10 = parse_read_capacity10(checks.load("read_capacity10"))
    rc16 = parse_read_capacity16(checks.load("read_capacity16"))
    assert rc10.returned_logical_block_address == rc16.returned_logical_block_address == 131071
    assert rc10.logical_block_length == rc16.logical_block_length == 512
    assert rc16.total_size == 64 * 1024 * 1024
    assert rc16.logical_blocks_per_physical_block_exponent == 3
    assert rc16.lbpme is False
    thin = parse_read_capacity16(checks.load("read_capacity16_thin"))
    assert thin.lbpme is True
    check_capacity_prefixes(parse_read_capacity10, checks.load("read_capacity10"))


GET_LBA_STATUS = (
    bytes.fromhex("00000024 00000000")
    + bytes.fromhex("0000000000000000 00000100 00 000000")
    + bytes.fromhex("0000000000000100 00001000 01 020000")
)


def test_get_lba_status() -> None:
    st_ = parse_get_lba_status(GET_LBA_STATUS)
    assert st_.parameter_data_length == 0x24 and st_.rtp is False
    assert [
        (d.lba_status_logical_block_address, d.number_of_logical_blocks, d.provisioning_status)
        for d in st_.descriptors
    ] == [(0, 0x100, ProvisioningStatus.MAPPED), (0x100, 0x1000, ProvisioningStatus.DEALLOCATED)]
    assert st_.descriptors[1].additional_status == 2
    assert st_.truncated is False
    checks.check_prefixes(parse_get_lba_status, GET_LBA_STATUS)


def test_get_lba_status_lying_length() -> None:
    data = bytearray(GET_LBA_STATUS)
    data[3] = 0xF4
    st_ = parse_get_lba_status(bytes(data))
    assert st_.truncated is True and len(st_.descriptors) == 2


def test_tgtd_get_lba_status() -> None:
    data = checks.load("get_lba_status")
    st_ = parse_get_lba_status(data)
    assert len(st_.descriptors) == 1
    d = st_.descriptors[0]
    assert d.lba_status_logical_block_address == 0 and d.number_of_logical_blocks == 131072
    assert d.provisioning_status == ProvisioningStatus.DEALLOCATED
    checks.check_prefixes(parse_get_lba_status, data)


@given(st.binary(max_size=80))
def test_random_bytes_never_raise(data: bytes) -> None:
    assert isinstance(parse_read_capacity10(data).truncated, bool)
    assert isinstance(parse_read_capacity16(data).truncated, bool)
    assert isinstance(parse_get_lba_status(data).truncated, bool)
