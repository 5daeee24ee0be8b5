"""Round trips, range checks and decode_cdb dispatch for every CDB builder."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyiscsi.scsi import cdb as c
from pyiscsi.scsi.cdb import ALL_BUILDERS, CDB, decode_cdb

# builders whose opcode another device type also uses: decode_cdb needs the device type
DEVICE_TYPE = {
    c.TapeRead6: 1,
    c.TapeWrite6: 1,
    c.LoadUnload: 1,
    c.ReadPosition: 1,
    c.Space16: 1,
    c.InitializeElementStatusWithRange: 8,
}

IDS = [cls.__name__ for cls in ALL_BUILDERS]


# service actions that have a builder of their own, so decode_cdb picks that one
OWN_BUILDER_SA: dict[tuple[type[CDB], str], st.SearchStrategy[int]] = {
    (c.ExtendedCopy, "service_action"): st.integers(0, 31).filter(
        lambda sa: sa not in (0x10, 0x11, 0x1C)
    ),
    (c.ReceiveCopyResults, "service_action"): st.integers(0, 31).filter(
        lambda sa: sa not in (0x05, 0x07)
    ),
}


def fields_strategy(cls: type[CDB]) -> st.SearchStrategy[dict[str, Any]]:
    """In-range values for every field of ``cls``."""
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for info in cls.field_info:
        if (cls, info.name) in OWN_BUILDER_SA:
            parts[info.name] = OWN_BUILDER_SA[cls, info.name]
        elif info.is_bool:
            parts[info.name] = st.booleans()
        else:
            parts[info.name] = st.integers(info.minimum, info.maximum)
    return st.fixed_dictionaries(parts)


@pytest.mark.parametrize("cls", ALL_BUILDERS, ids=IDS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_round_trip(cls: type[CDB], data: st.DataObject) -> None:
    kwargs = data.draw(fields_strategy(cls))
    obj = cls(**kwargs)
    raw = obj.encode()
    assert len(raw) == cls.cdb_length
    assert raw[0] == cls.opcode
    back = cls.decode(raw)
    assert back == obj
    assert back.encode() == raw
    assert decode_cdb(raw, DEVICE_TYPE.get(cls, 0)) == obj
    for info in cls.field_info:
        assert type(getattr(back, info.name)) is (bool if info.is_bool else int)


@pytest.mark.parametrize("cls", ALL_BUILDERS, ids=IDS)
def test_decode_accepts_bytearray_and_memoryview(cls: type[CDB]) -> None:
    raw = cls().encode()
    assert cls.decode(bytearray(raw)) == cls()
    assert cls.decode(memoryview(raw)) == cls()


@pytest.mark.parametrize("cls", ALL_BUILDERS, ids=IDS)
def test_fields_out_of_range_raise_naming_the_field(cls: type[CDB]) -> None:
    assert cls.field_info, "every builder has at least the CONTROL field"
    for info in cls.field_info:
        for bad in (info.maximum + 1, info.minimum - 1):
            with pytest.raises(ValueError, match=rf"^{info.name}: "):
                cls(**{info.name: bad})
            obj = cls()
            setattr(obj, info.name, bad)  # changed after construction: encode checks again
            with pytest.raises(ValueError, match=rf"^{info.name}: {bad} does not fit"):
                obj.encode()
        with pytest.raises(TypeError, match=rf"^{info.name}: expected an integer"):
            cls(**{info.name: 1.0})
        obj = cls()
        setattr(obj, info.name, "1")
        with pytest.raises(TypeError, match=rf"^{info.name}: expected an integer"):
            obj.encode()


def test_range_error_message_examples() -> None:
    with pytest.raises(ValueError, match=r"^lba: 18446744073709551616 does not fit in 8 bytes$"):
        c.Read16(lba=2**64)
    with pytest.raises(ValueError, match=r"^rdprotect: 8 does not fit in 3 bits$"):
        c.Read10(rdprotect=8)
    with pytest.raises(ValueError, match=r"^lba: 2097152 does not fit in 21 bits$"):
        c.Read6(lba=2**21)
    with pytest.raises(ValueError, match=r"^count: 8388608 does not fit in 3 bytes \(signed\)$"):
        c.Space6(count=2**23)
    with pytest.raises(ValueError, match=r"^dpo: 2 does not fit in 1 bit$"):
        c.Write10(dpo=2)  # type: ignore[arg-type]


def test_field_extremes() -> None:
    assert c.Space6(count=-(2**23)).encode()[2:5] == b"\x80\x00\x00"
    assert c.Space6(count=2**23 - 1).encode()[2:5] == b"\x7f\xff\xff"
    assert c.Space16(count=-(2**63)).encode()[4:12] == b"\x80" + b"\x00" * 7
    assert c.Read6(lba=2**21 - 1).encode()[1:4] == b"\x1f\xff\xff"


@pytest.mark.parametrize("cls", ALL_BUILDERS, ids=IDS)
def test_decode_rejects_wrong_length(cls: type[CDB]) -> None:
    raw = cls().encode()
    for bad in (raw[:-1], raw + b"\x00", b""):
        with pytest.raises(ValueError, match="the CDB must be"):
            cls.decode(bad)


@pytest.mark.parametrize("cls", ALL_BUILDERS, ids=IDS)
def test_decode_rejects_wrong_opcode(cls: type[CDB]) -> None:
    raw = bytearray(cls().encode())
    raw[0] ^= 0xFF
    with pytest.raises(ValueError, match=re.escape(f"not a {cls.command_name} CDB")):
        cls.decode(bytes(raw))


@pytest.mark.parametrize(
    "cls", [k for k in ALL_BUILDERS if k.fixed_service_action is not None], ids=lambda k: k.__name__
)
def test_decode_rejects_wrong_service_action(cls: type[CDB]) -> None:
    raw = bytearray(cls().encode())
    if cls.opcode == 0x7F:
        raw[9] ^= 0x01
    else:
        raw[1] ^= 0x01
    with pytest.raises(ValueError, match="service action"):
        cls.decode(bytes(raw))


def test_variable_length_additional_cdb_length_checked() -> None:
    raw = bytearray(c.Read32().encode())
    raw[7] = 0x10
    with pytest.raises(ValueError, match=r"not a READ\(32\) CDB"):
        c.Read32.decode(bytes(raw))


def test_decode_ignores_reserved_bits() -> None:
    raw = bytearray(c.Read10(lba=5).encode())
    raw[1] |= 0x01  # obsolete bit 0
    raw[6] |= 0xC0  # reserved bits above GROUP NUMBER
    assert c.Read10.decode(bytes(raw)) == c.Read10(lba=5)


def test_decode_cdb_device_types() -> None:
    read6 = bytes.fromhex("08 00 00 10 01 00")
    assert decode_cdb(read6) == c.Read6(lba=0x10, transfer_length=1)
    assert decode_cdb(read6, device_type=1) == c.TapeRead6(transfer_length=0x1001)
    assert decode_cdb(bytes.fromhex("34 00 00 00 00 00 00 00 00 00")) == c.PreFetch10()
    assert decode_cdb(bytes.fromhex("34 00 00 00 00 00 00 00 00 00"), 1) == c.ReadPosition()
    assert type(decode_cdb(c.SynchronizeCache16().encode())) is c.SynchronizeCache16
    assert type(decode_cdb(c.SynchronizeCache16().encode(), 1)) is c.Space16
    assert type(decode_cdb(c.ReadDefectData10().encode())) is c.ReadDefectData10
    assert type(decode_cdb(c.ReadDefectData10().encode(), 8)) is c.InitializeElementStatusWithRange
    assert type(decode_cdb(c.StartStopUnit().encode())) is c.StartStopUnit
    assert decode_cdb(c.StartStopUnit().encode(), 1) == c.LoadUnload(load=True)
    # opcodes no other device type uses decode whatever the device type
    assert type(decode_cdb(c.Rewind().encode())) is c.Rewind
    assert type(decode_cdb(c.MoveMedium().encode(), 1)) is c.MoveMedium


def test_decode_cdb_service_actions() -> None:
    assert type(decode_cdb(c.ReadCapacity16().encode())) is c.ReadCapacity16
    assert type(decode_cdb(c.GetLbaStatus().encode())) is c.GetLbaStatus
    assert type(decode_cdb(c.ReportTargetPortGroups().encode())) is c.ReportTargetPortGroups
    rsoc = c.ReportSupportedOperationCodes().encode()
    assert type(decode_cdb(rsoc)) is c.ReportSupportedOperationCodes
    for cls in (c.Read32, c.Write32, c.Verify32, c.WriteSame32, c.WriteAndVerify32):
        assert type(decode_cdb(cls().encode())) is cls
    # 83h/84h: builders of one service action win, the rest go to the generic builder
    for tpc in (c.PopulateToken, c.WriteUsingToken, c.CopyOperationAbort):
        assert type(decode_cdb(tpc().encode())) is tpc
    assert decode_cdb(c.ExtendedCopy(service_action=1).encode()) == c.ExtendedCopy(service_action=1)
    assert type(decode_cdb(c.ReceiveRodTokenInformation().encode())) is (
        c.ReceiveRodTokenInformation
    )
    assert type(decode_cdb(c.ReceiveCopyResults(service_action=3).encode())) is (
        c.ReceiveCopyResults
    )
    assert type(decode_cdb(c.ReceiveCopyStatusLid4().encode())) is c.ReceiveCopyStatusLid4


def test_decode_cdb_rejects() -> None:
    with pytest.raises(ValueError, match="empty CDB"):
        decode_cdb(b"")
    with pytest.raises(ValueError, match="operation code 0x02"):
        decode_cdb(bytes(6).replace(b"\x00", b"\x02", 1))
    with pytest.raises(ValueError, match="service action 0x11"):
        decode_cdb(bytes.fromhex("9e 11") + bytes(14))  # READ LONG(16): no builder
    with pytest.raises(ValueError, match="service action 0x0e"):
        decode_cdb(bytes.fromhex("7f 00 00 00 00 00 00 18 00 0e") + bytes(22))  # ORWRITE(32)
    with pytest.raises(ValueError, match="too short"):
        decode_cdb(b"\x7f\x00")
    with pytest.raises(ValueError, match="the CDB must be 10 bytes"):
        decode_cdb(c.Read10().encode() + bytes(6))  # padded to 16 as in an iSCSI PDU


def test_cdb_length_for_opcode() -> None:
    for cls in ALL_BUILDERS:
        raw = cls().encode()
        assert c.cdb_length_for_opcode(raw) == cls.cdb_length
    padded = c.Read10(lba=9).encode() + bytes(6)
    n = c.cdb_length_for_opcode(padded)
    assert n == 10
    assert decode_cdb(padded[:n]) == c.Read10(lba=9)
    assert c.cdb_length_for_opcode(b"\xc0") is None  # vendor specific group


def test_transfer_lengths() -> None:
    assert c.Read10(transfer_length=8).transfer_length_bytes(4096) == 8 * 4096
    assert c.Read10(transfer_length=8).data_direction == "in"
    assert c.Write16(transfer_length=3).transfer_length_bytes(512) == 1536
    assert c.Write16().data_direction == "out"
    assert c.Read6(transfer_length=0).transfer_length_bytes(512) == 256 * 512
    assert c.Write6(transfer_length=2).transfer_length_bytes(512) == 1024
    assert c.Inquiry(allocation_length=96).transfer_length_bytes(4096) == 96
    assert c.TestUnitReady().data_direction == "none"
    assert c.TestUnitReady().transfer_length_bytes(512) == 0
    assert c.ReadCapacity10().transfer_length_bytes() == 8
    assert c.CompareAndWrite(number_of_logical_blocks=2).transfer_length_bytes(512) == 2048
    assert c.WriteSame10(number_of_logical_blocks=100).transfer_length_bytes(4096) == 4096
    assert c.WriteSame16(ndob=True).transfer_length_bytes(4096) == 0
    assert c.WriteSame16(ndob=True).data_direction == "none"
    assert c.WriteSame32().data_direction == "out"
    v = c.Verify16(verification_length=4)
    assert (v.data_direction, v.transfer_length_bytes(512)) == ("none", 0)
    v.bytchk = 1
    assert (v.data_direction, v.transfer_length_bytes(512)) == ("out", 2048)
    v.bytchk = 3
    assert (v.data_direction, v.transfer_length_bytes(512)) == ("out", 512)
    assert c.TapeRead6(transfer_length=10, fixed=True).transfer_length_bytes(1024) == 10240
    assert c.TapeRead6(transfer_length=10).transfer_length_bytes(1024) == 10
    assert c.TapeWrite6(transfer_length=7).transfer_length_bytes(1024) == 7
    assert c.ReadPosition().transfer_length_bytes() == 20
    assert c.ReadPosition(service_action=6).transfer_length_bytes() == 32
    assert c.ReadPosition(service_action=8).transfer_length_bytes() == 0
    assert c.ReadPosition(service_action=6, allocation_length=32).transfer_length_bytes() == 32
    assert c.PersistentReserveOut().transfer_length_bytes() == 24
    assert c.WriteLong16(byte_transfer_length=520).transfer_length_bytes(512) == 520
    assert c.SecurityProtocolIn(allocation_length=3, inc_512=True).transfer_length_bytes() == 1536
    assert c.SecurityProtocolOut(transfer_length=3).transfer_length_bytes(4096) == 3
    assert c.ReadBlockLimits().transfer_length_bytes() == 6
    assert c.ReadBlockLimits(mloi=True).transfer_length_bytes() == 20
    assert c.WriteAndVerify32(transfer_length=2).transfer_length_bytes(512) == 1024
    assert c.PopulateToken(parameter_list_length=0x30).transfer_length_bytes() == 0x30
    assert c.CopyOperationAbort().data_direction == "none"
