"""PERSISTENT RESERVE IN parameter data, PERSISTENT RESERVE OUT parameter lists, TransportIDs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import datain_checks as checks
from pyiscsi.scsi.pr import (
    PersistentReservationType,
    iscsi_transport_id,
    parse_pr_out_parameter_list,
    parse_read_full_status,
    parse_read_keys,
    parse_read_reservation,
    parse_register_and_move_parameter_list,
    parse_report_capabilities,
    parse_transport_id,
    pr_out_parameter_list,
    register_and_move_parameter_list,
)

READ_KEYS = bytes.fromhex("00000007 00000010 1122334455667788 00000000000000ab")


def test_read_keys() -> None:
    r = parse_read_keys(READ_KEYS)
    assert r.prgeneration == 7 and r.additional_length == 16
    assert r.reservation_keys == [0x1122334455667788, 0xAB]
    assert r.truncated is False
    checks.check_prefixes(parse_read_keys, READ_KEYS)


def test_read_keys_lying_length() -> None:
    r = parse_read_keys(READ_KEYS[:4] + bytes(4) + READ_KEYS[8:])
    assert r.additional_length == 0 and r.reservation_keys == [] and r.truncated is False
    r = parse_read_keys(READ_KEYS[:7] + b"\xff" + READ_KEYS[8:])
    assert r.truncated is True and len(r.reservation_keys) == 2


READ_RESERVATION = bytes.fromhex("00000003 00000010 1122334455667788 00000000 00 03 0000")


def test_read_reservation() -> None:
    r = parse_read_reservation(READ_RESERVATION)
    assert (r.prgeneration, r.additional_length) == (3, 16)
    assert r.reservation_key == 0x1122334455667788
    assert (r.scope, r.type) == (0, PersistentReservationType.EXCLUSIVE_ACCESS)
    assert r.truncated is False
    checks.check_prefixes(parse_read_reservation, READ_RESERVATION)


def test_read_reservation_none_held() -> None:
    r = parse_read_reservation(bytes.fromhex("00000003 00000000"))
    assert r.additional_length == 0 and r.reservation_key is None and r.type is None
    assert r.truncated is False


CAPABILITIES = bytes.fromhex("0008 9d f1 ea 01 0000")


def test_report_capabilities() -> None:
    c = parse_report_capabilities(CAPABILITIES)
    assert c.length == 8
    # byte 2 = 0x9d: RLR_C, CRH, SIP_C, ATP_C, PTPL_C
    assert (c.rlr_c, c.crh, c.sip_c, c.atp_c, c.ptpl_c) == (True, True, True, True, True)
    # byte 3 = 0xf1: TMV, ALLOW COMMANDS 111b, PTPL_A
    assert (c.tmv, c.allow_commands, c.ptpl_a) == (True, 7, True)
    assert (c.wr_ex_ar, c.ex_ac_ro, c.wr_ex_ro, c.ex_ac, c.wr_ex, c.ex_ac_ar) == (True,) * 6
    assert len(c.supported_types) == 6
    assert c.truncated is False
    checks.check_prefixes(parse_report_capabilities, CAPABILITIES)


def test_report_capabilities_without_tmv_lists_no_types() -> None:
    c = parse_report_capabilities(bytes.fromhex("0008 00 00 ff ff 0000"))
    assert c.tmv is False and c.supported_types == []


ISCSI_TID = iscsi_transport_id("iqn.2024-01.org.x:i", isid=0x23D000000001)
FULL_STATUS = (
    bytes.fromhex("00000009")
    + (24 + 24 + 24 + len(ISCSI_TID)).to_bytes(4, "big")
    + bytes.fromhex("00000000000000aa 00000000 03 01 00000000 0002")
    + (24).to_bytes(4, "big")
    + bytes.fromhex("00") * 24  # a 24-byte TransportID (FC, all zero)
    + bytes.fromhex("00000000000000bb 00000000 00 00 00000000 0001")
    + len(ISCSI_TID).to_bytes(4, "big")
    + ISCSI_TID
)


def test_transport_id_vectors() -> None:
    assert iscsi_transport_id("iqn.a") == bytes.fromhex("05 00 0008") + b"iqn.a\x00\x00\x00"
    tid = iscsi_transport_id("iqn.a", isid=0x400001370000)
    assert tid[:4] == bytes.fromhex("45 00 0018")
    assert tid[4:] == b"iqn.a,i,0x400001370000\x00\x00"
    parsed = parse_transport_id(tid)
    assert parsed is not None
    assert (parsed.format_code, parsed.protocol_identifier) == (1, 5)
    assert (parsed.iscsi_name, parsed.isid) == ("iqn.a", "0x400001370000")
    assert parse_transport_id(b"") is None


def test_read_full_status() -> None:
    r = parse_read_full_status(FULL_STATUS)
    assert r.prgeneration == 9 and r.truncated is False
    first, second = r.descriptors
    assert first.reservation_key == 0xAA
    assert (first.all_tg_pt, first.r_holder, first.scope, first.type) == (True, True, 0, 1)
    assert first.relative_target_port_identifier == 2
    assert first.transport_id is not None and first.transport_id.protocol_identifier == 0
    assert second.reservation_key == 0xBB and second.r_holder is False
    assert second.transport_id is not None
    assert second.transport_id.iscsi_name == "iqn.2024-01.org.x:i"
    assert second.transport_id.isid == "0x23d000000001"
    checks.check_prefixes(parse_read_full_status, FULL_STATUS)


def test_read_full_status_lying_descriptor_length() -> None:
    data = bytearray(FULL_STATUS)
    data[8 + 20 : 8 + 24] = (1000).to_bytes(4, "big")
    r = parse_read_full_status(bytes(data))
    assert r.truncated is True and r.descriptors == []


def test_pr_out_parameter_list_vector() -> None:
    out = pr_out_parameter_list(0x1122334455667788, 0xAB, all_tg_pt=True, aptpl=True)
    assert out == bytes.fromhex("1122334455667788 00000000000000ab 00000000 05 00 0000")


def test_pr_out_with_spec_i_pt() -> None:
    tid = iscsi_transport_id("iqn.a")
    out = pr_out_parameter_list(0, 5, spec_i_pt=True, transport_ids=[tid])
    assert out[20] == 0x08
    assert out[24:28] == (12).to_bytes(4, "big") and out[28:] == tid
    parsed = parse_pr_out_parameter_list(out)
    assert parsed.spec_i_pt is True and parsed.transport_ids == [tid]
    with pytest.raises(ValueError, match="spec_i_pt"):
        pr_out_parameter_list(0, 5, transport_ids=[tid])


def test_register_and_move_vector() -> None:
    tid = iscsi_transport_id("iqn.a")
    out = register_and_move_parameter_list(1, 2, 3, tid, unreg=True, aptpl=True)
    assert out == (bytes.fromhex("0000000000000001 0000000000000002 00 03 0003 0000000c") + tid)


def test_builders_reject_bad_fields() -> None:
    with pytest.raises(ValueError, match="reservation_key"):
        pr_out_parameter_list(1 << 64)
    with pytest.raises(ValueError, match="service_action_reservation_key"):
        pr_out_parameter_list(0, -1)
    with pytest.raises(ValueError, match="relative_target_port_identifier"):
        register_and_move_parameter_list(0, 0, 1 << 16, iscsi_transport_id("iqn.a"))
    with pytest.raises(ValueError, match="transport_id"):
        register_and_move_parameter_list(0, 0, 1, b"")
    with pytest.raises(ValueError, match="isid"):
        iscsi_transport_id("iqn.a", isid=1 << 48)
    with pytest.raises(ValueError, match="name"):
        iscsi_transport_id("")


keys = st.integers(0, (1 << 64) - 1)


@given(keys, keys, st.booleans(), st.booleans(), st.booleans(), st.lists(st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters=","),
    min_size=1, max_size=40), max_size=3))  # fmt: skip
def test_pr_out_round_trip(
    key: int, sa_key: int, spec: bool, all_tg: bool, aptpl: bool, names: list[str]
) -> None:
    tids = [iscsi_transport_id(n) for n in names] if spec else []
    out = pr_out_parameter_list(
        key, sa_key, spec_i_pt=spec, all_tg_pt=all_tg, aptpl=aptpl, transport_ids=tids
    )
    p = parse_pr_out_parameter_list(out)
    assert (p.reservation_key, p.service_action_reservation_key) == (key, sa_key)
    assert (p.spec_i_pt, p.all_tg_pt, p.aptpl) == (spec, all_tg, aptpl)
    assert p.transport_ids == tids and p.truncated is False
    for tid, name in zip(p.transport_ids, names, strict=False):
        parsed = parse_transport_id(tid)
        assert parsed is not None and parsed.iscsi_name == name


@given(keys, keys, st.integers(0, 0xFFFF), st.booleans(), st.booleans(), st.integers(0, 2**48 - 1))
def test_register_and_move_round_trip(
    key: int, sa_key: int, port: int, unreg: bool, aptpl: bool, isid: int
) -> None:
    tid = iscsi_transport_id("iqn.2024-01.org.pyiscsi:init", isid=isid)
    out = register_and_move_parameter_list(key, sa_key, port, tid, unreg=unreg, aptpl=aptpl)
    p = parse_register_and_move_parameter_list(out)
    assert (p.reservation_key, p.service_action_reservation_key) == (key, sa_key)
    assert (p.unreg, p.aptpl, p.relative_target_port_identifier) == (unreg, aptpl, port)
    assert p.transport_id == tid and p.truncated is False


def test_tgtd_persistent_reservation_data() -> None:
    keys_data = checks.load("pr_in_read_keys")
    k = parse_read_keys(keys_data)
    assert k.reservation_keys == [0x1122334455667788]
    res_data = checks.load("pr_in_read_reservation")
    r = parse_read_reservation(res_data)
    assert r.reservation_key == 0x1122334455667788
    assert r.type == PersistentReservationType.WRITE_EXCLUSIVE and r.scope == 0
    cap_data = checks.load("pr_in_report_capabilities")
    c = parse_report_capabilities(cap_data)
    assert c.tmv is True and len(c.supported_types) == 6
    for parse, data in (
        (parse_read_keys, keys_data),
        (parse_read_reservation, res_data),
        (parse_report_capabilities, cap_data),
    ):
        checks.check_prefixes(parse, data)


@given(st.binary(max_size=120))
def test_random_bytes_never_raise(data: bytes) -> None:
    for parse in (
        parse_read_keys,
        parse_read_reservation,
        parse_report_capabilities,
        parse_read_full_status,
        parse_pr_out_parameter_list,
        parse_register_and_move_parameter_list,
    ):
        assert isinstance(parse(data).truncated, bool)
    parse_transport_id(data)
