"""Sense data decoding and building, status codes and sense keys.

The byte vectors are worked out by hand from the SPC-4 field layouts (fixed format: table 48;
descriptor format: table 27 and the descriptor tables in 4.5.2), SBC-3/4, SSC-4 and SAT-3.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyiscsi.errors import CheckConditionError
from pyiscsi.scsi.sense import (
    ActualRetryCount,
    AnotherProgressIndicationDescriptor,
    AtaStatusReturnDescriptor,
    BlockCommandsDescriptor,
    CommandSpecificDescriptor,
    DeviceDesignationDescriptor,
    DirectAccessBlockDeviceDescriptor,
    FieldPointer,
    FieldReplaceableUnitDescriptor,
    ForwardedSenseDataDescriptor,
    InformationDescriptor,
    MicrocodeActivationDescriptor,
    ProgressIndication,
    RawDescriptor,
    RawSenseKeySpecific,
    SegmentPointer,
    Sense,
    SenseDescriptor,
    SenseKeySpecific,
    SenseKeySpecificDescriptor,
    StreamCommandsDescriptor,
    TargetPortGroupReferral,
    UnitAttentionQueueOverflow,
    UserDataSegment,
    UserDataSegmentReferralDescriptor,
    build_descriptor_sense,
    build_fixed_sense,
    parse_sense,
)
from pyiscsi.scsi.status import SenseKey, Status, sense_key_name, status_name

# --- status and sense keys ---------------------------------------------------------------------


def test_status_values() -> None:
    expected = {
        "GOOD": 0x00,
        "CHECK_CONDITION": 0x02,
        "CONDITION_MET": 0x04,
        "BUSY": 0x08,
        "RESERVATION_CONFLICT": 0x18,
        "TASK_SET_FULL": 0x28,
        "ACA_ACTIVE": 0x30,
        "TASK_ABORTED": 0x40,
    }
    for name, value in expected.items():
        assert int(Status[name]) == value
    assert Status.CHECK_CONDITION.text == "CHECK CONDITION"
    assert Status.INTERMEDIATE_CONDITION_MET.text == "INTERMEDIATE-CONDITION MET"
    assert status_name(0x18) == "RESERVATION CONFLICT"
    assert status_name(0x01) == "RESERVED STATUS 0x01"
    with pytest.raises(ValueError, match="status must be"):
        status_name(0x100)


def test_sense_key_names() -> None:
    expected = [
        "NO SENSE",
        "RECOVERED ERROR",
        "NOT READY",
        "MEDIUM ERROR",
        "HARDWARE ERROR",
        "ILLEGAL REQUEST",
        "UNIT ATTENTION",
        "DATA PROTECT",
        "BLANK CHECK",
        "VENDOR SPECIFIC",
        "COPY ABORTED",
        "ABORTED COMMAND",
        "RESERVED",
        "VOLUME OVERFLOW",
        "MISCOMPARE",
        "COMPLETED",
    ]
    assert [sense_key_name(k) for k in range(16)] == expected
    assert SenseKey(5) is SenseKey.ILLEGAL_REQUEST
    with pytest.raises(ValueError, match="sense key must be 0x0-0xf"):
        sense_key_name(16)


# --- fixed format -------------------------------------------------------------------------------

# ILLEGAL REQUEST, INVALID FIELD IN CDB; field pointer: in the CDB (C/D), byte 1, bit 4 (BPV).
FIXED_INVALID_FIELD = bytes.fromhex("70 00 05 00000000 0a 00000000 24 00 00 cc 0001")


def test_fixed_field_pointer() -> None:
    sense = parse_sense(FIXED_INVALID_FIELD)
    assert sense.response_code == 0x70
    assert not sense.deferred and not sense.valid and not sense.descriptor_format
    assert sense.key is SenseKey.ILLEGAL_REQUEST
    assert (sense.asc, sense.ascq) == (0x24, 0x00)
    assert sense.information is None
    assert sense.command_specific == 0
    assert sense.field_replaceable_unit_code == 0
    assert sense.sense_key_specific == FieldPointer(
        cd=True, field_pointer=1, bpv=True, bit_pointer=4
    )
    assert not sense.truncated
    assert str(sense) == "ILLEGAL REQUEST: INVALID FIELD IN CDB (0x24/0x00)"
    assert sense.description == "INVALID FIELD IN CDB"
    built = build_fixed_sense(
        SenseKey.ILLEGAL_REQUEST, 0x24, 0x00, sense_key_specific=FieldPointer(True, 1, True, 4)
    )
    assert built == FIXED_INVALID_FIELD


def test_str_format_lba_out_of_range() -> None:
    data = bytes.fromhex("f0 00 05 00001000 0a 00000000 21 00 00 000000")
    sense = parse_sense(data)
    assert str(sense) == "ILLEGAL REQUEST: LOGICAL BLOCK ADDRESS OUT OF RANGE (0x21/0x00)"
    assert sense.valid and sense.information == 0x1000
    assert sense.sense_key_specific is None  # SKSV 0
    assert str(CheckConditionError(sense)) == str(sense)
    assert CheckConditionError(sense).sense is sense


def test_fixed_deferred_flags_information_and_retry_count() -> None:
    # VALID + 71h; FILEMARK|EOM|ILI|SDAT_OVFL + MEDIUM ERROR; information 0x01020304;
    # command-specific 0xdeadbeef; 11h/00h; FRU 0x42; actual retry count 0x0105; 2 extra bytes.
    data = bytes.fromhex("f1 00 f3 01020304 0c deadbeef 11 00 42 80 0105 aabb")
    sense = parse_sense(data)
    assert sense.deferred and sense.valid and sense.response_code == 0x71
    assert sense.key is SenseKey.MEDIUM_ERROR
    assert sense.filemark and sense.eom and sense.ili and sense.sdat_ovfl
    assert sense.information == 0x01020304
    assert sense.command_specific == 0xDEADBEEF
    assert sense.field_replaceable_unit_code == 0x42
    assert sense.sense_key_specific == ActualRetryCount(0x0105)
    assert sense.additional_sense_length == 12
    assert sense.additional_sense_bytes == b"\xaa\xbb"
    assert str(sense) == "MEDIUM ERROR: UNRECOVERED READ ERROR (0x11/0x00)"
    built = build_fixed_sense(
        SenseKey.MEDIUM_ERROR,
        0x11,
        0x00,
        deferred=True,
        information=0x01020304,
        command_specific=0xDEADBEEF,
        sense_key_specific=ActualRetryCount(0x0105),
        filemark=True,
        eom=True,
        ili=True,
        sdat_ovfl=True,
        field_replaceable_unit_code=0x42,
        additional_sense_bytes=b"\xaa\xbb",
    )
    assert built == data


@pytest.mark.parametrize(
    ("key", "sks_bytes", "expected"),
    [
        (SenseKey.NOT_READY, "80 4000", ProgressIndication(0x4000)),
        (SenseKey.NO_SENSE, "80 ffff", ProgressIndication(0xFFFF)),
        (SenseKey.RECOVERED_ERROR, "80 0003", ActualRetryCount(3)),
        (SenseKey.HARDWARE_ERROR, "80 0100", ActualRetryCount(256)),
        (
            SenseKey.COPY_ABORTED,
            "ab 0010",
            SegmentPointer(sd=True, field_pointer=16, bpv=True, bit_pointer=3),
        ),
        (SenseKey.COPY_ABORTED, "80 0002", SegmentPointer(sd=False, field_pointer=2)),
        (SenseKey.UNIT_ATTENTION, "81 0000", UnitAttentionQueueOverflow(True)),
        (SenseKey.UNIT_ATTENTION, "80 0000", UnitAttentionQueueOverflow(False)),
        (SenseKey.ILLEGAL_REQUEST, "80 0007", FieldPointer(cd=False, field_pointer=7)),
        (SenseKey.DATA_PROTECT, "80 1234", RawSenseKeySpecific(b"\x80\x12\x34")),
        (SenseKey.NOT_READY, "00 4000", None),
    ],
)
def test_fixed_sense_key_specific(
    key: SenseKey, sks_bytes: str, expected: SenseKeySpecific | None
) -> None:
    data = bytes((0x70, 0, key)) + bytes.fromhex("00000000 0a 00000000 04 07 00" + sks_bytes)
    sense = parse_sense(data)
    assert sense.sense_key_specific == expected
    if expected is not None:
        assert build_fixed_sense(key, 0x04, 0x07, sense_key_specific=expected) == data


def test_progress_indication_fraction() -> None:
    progress = ProgressIndication(0x4000)
    assert progress.fraction == 0.25
    assert progress.percent == 25.0


def test_bytes_past_additional_length_are_ignored() -> None:
    # additional sense length 4: ASC/ASCQ (bytes 12-13) lie outside and read as 0.
    data = bytes.fromhex("70 00 06 00000000 04 00000001 24 00 00 000000")
    sense = parse_sense(data)
    assert (sense.asc, sense.ascq) == (0, 0)
    assert sense.command_specific == 1
    assert sense.field_replaceable_unit_code is None
    assert not sense.truncated
    # additional sense length 2: the command-specific field is cut too
    short = parse_sense(bytes.fromhex("70 00 06 00000000 02 00000001 24 00"))
    assert short.command_specific is None and (short.asc, short.ascq) == (0, 0)
    assert not short.truncated


def test_memoryview_and_bytearray_accepted() -> None:
    assert parse_sense(memoryview(FIXED_INVALID_FIELD)) == parse_sense(FIXED_INVALID_FIELD)
    assert parse_sense(bytearray(FIXED_INVALID_FIELD)) == parse_sense(FIXED_INVALID_FIELD)


@pytest.mark.parametrize("first", [0x00, 0x01, 0x6F, 0x74, 0x7E, 0xF4])
def test_garbage_response_code(first: int) -> None:
    with pytest.raises(ValueError, match=f"RESPONSE CODE is 0x{first & 0x7F:02x}"):
        parse_sense(bytes((first,)) + bytes(17))


def test_vendor_specific_response_code_and_empty() -> None:
    with pytest.raises(ValueError, match="vendor specific format"):
        parse_sense(b"\x7f" + bytes(17))
    with pytest.raises(ValueError, match="sense data is empty"):
        parse_sense(b"")


# --- descriptor format: one vector per descriptor type ------------------------------------------


def _descriptor_sense(key: int, asc: int, ascq: int, body_hex: str) -> bytes:
    body = bytes.fromhex(body_hex)
    return bytes((0x72, key, asc, ascq, 0, 0, 0, len(body))) + body


INNER_FIXED = "70 00 03 00000000 0a 00000000 11 00 00 000000"  # MEDIUM ERROR, 11h/00h

DESCRIPTOR_CASES: list[tuple[str, int, str, SenseDescriptor]] = [
    ("information", 0x5, "00 0a 80 00 0000000012345678", InformationDescriptor(0x12345678)),
    (
        "information, VALID 0",
        0x5,
        "00 0a 00 00 ffffffffffffffff",
        InformationDescriptor(0xFFFFFFFFFFFFFFFF, valid=False),
    ),
    (
        "command-specific",
        0x5,
        "01 0a 00 00 0000000100000002",
        CommandSpecificDescriptor(0x0000000100000002),
    ),
    (
        "sense-key specific",
        0x5,
        "02 06 00 00 cc 0001 00",
        SenseKeySpecificDescriptor(FieldPointer(cd=True, field_pointer=1, bpv=True, bit_pointer=4)),
    ),
    ("field replaceable unit", 0x4, "03 02 00 07", FieldReplaceableUnitDescriptor(7)),
    ("stream commands", 0x3, "04 02 00 e0", StreamCommandsDescriptor(True, True, True)),
    ("stream commands, EOM", 0x3, "04 02 00 40", StreamCommandsDescriptor(eom=True)),
    ("block commands", 0x5, "05 02 00 20", BlockCommandsDescriptor(ili=True)),
    ("OSD object identification", 0x5, "06 04 deadbeef", RawDescriptor(0x06, b"\xde\xad\xbe\xef")),
    ("OSD integrity check value", 0x5, "07 02 0102", RawDescriptor(0x07, b"\x01\x02")),
    ("OSD attribute identification", 0x5, "08 00", RawDescriptor(0x08, b"")),
    (
        "ATA status return",
        0x1,
        # EXTEND, ERROR 04h, COUNT 0001h, LBA 665544332211h spread over bytes 6-11, DEVICE, STATUS
        "09 0c 01 04 0001 44 11 55 22 66 33 40 51",
        AtaStatusReturnDescriptor(True, 0x04, 0x0001, 0x665544332211, 0x40, 0x51),
    ),
    (
        "another progress indication",
        0x2,
        "0a 06 02 04 07 00 8000",
        AnotherProgressIndicationDescriptor(
            SenseKey.NOT_READY, 0x04, 0x07, ProgressIndication(0x8000)
        ),
    ),
    (
        "user data segment referral",
        0x5,
        "0b 1a 01 00 000000 01 0000000000001000 0000000000001fff 01 00 0005",
        UserDataSegmentReferralDescriptor(
            True, [UserDataSegment(0x1000, 0x1FFF, [TargetPortGroupReferral(1, 5)])]
        ),
    ),
    (
        "forwarded sense data",
        0xA,
        "0c 14 81 02 " + INNER_FIXED,
        ForwardedSenseDataDescriptor(True, 1, 0x02, bytes.fromhex(INNER_FIXED)),
    ),
    (
        "direct-access block device",
        0x3,
        "0d 1e a0 00 80 0003 05 000000000000abcd 0000000000000001 0000000000000000",
        DirectAccessBlockDeviceDescriptor(
            valid=True,
            ili=True,
            sense_key_specific=ActualRetryCount(3),
            field_replaceable_unit_code=5,
            information=0xABCD,
            command_specific=1,
        ),
    ),
    (
        "device designation",
        0x6,
        "0e 0e 00 01 01 03 00 08 6001405000000001",
        DeviceDesignationDescriptor(
            usage_reason=1,
            protocol_identifier=0,
            code_set=1,
            piv=False,
            association=0,
            designator_type=3,
            designator=bytes.fromhex("6001405000000001"),
        ),
    ),
    ("microcode activation", 0x6, "0f 06 00000000 003c", MicrocodeActivationDescriptor(60)),
    ("vendor specific", 0x5, "80 02 abcd", RawDescriptor(0x80, b"\xab\xcd")),
    ("unknown type", 0x5, "10 01 ff", RawDescriptor(0x10, b"\xff")),
    ("ATA status return too short", 0x1, "09 02 0000", RawDescriptor(0x09, b"\x00\x00")),
]


@pytest.mark.parametrize(
    ("key", "body", "expected"),
    [case[1:] for case in DESCRIPTOR_CASES],
    ids=[case[0] for case in DESCRIPTOR_CASES],
)
def test_descriptor_vectors(key: int, body: str, expected: SenseDescriptor) -> None:
    data = _descriptor_sense(key, 0x00, 0x00, body)
    sense = parse_sense(data)
    assert sense.descriptor_format and not sense.truncated
    assert sense.descriptors == [expected]
    assert build_descriptor_sense(key, 0x00, 0x00, [expected]) == data


def test_descriptor_summary_fields() -> None:
    body = (
        "00 0a 80 00 0000000000000400"  # information 400h
        " 01 0a 00 00 00000000000000ff"  # command-specific ffh
        " 02 06 00 00 80 0000 00"  # field pointer: parameter data byte 0
        " 03 02 00 09"  # FRU 9
        " 05 02 00 20"  # ILI
    )
    data = _descriptor_sense(SenseKey.ILLEGAL_REQUEST, 0x26, 0x00, body)
    sense = parse_sense(data)
    assert sense.valid and sense.information == 0x400
    assert sense.command_specific == 0xFF
    assert sense.sense_key_specific == FieldPointer(cd=False, field_pointer=0)
    assert sense.field_replaceable_unit_code == 9
    assert sense.ili and not sense.filemark
    assert sense.find(BlockCommandsDescriptor) == BlockCommandsDescriptor(True)
    assert sense.find(StreamCommandsDescriptor) is None
    assert str(sense) == "ILLEGAL REQUEST: INVALID FIELD IN PARAMETER LIST (0x26/0x00)"


def test_descriptor_header_fields() -> None:
    data = bytes.fromhex("73 06 29 01 80 00 00 00")
    sense = parse_sense(data)
    assert sense.deferred and sense.descriptor_format and sense.sdat_ovfl
    assert sense.key is SenseKey.UNIT_ATTENTION
    assert str(sense) == "UNIT ATTENTION: POWER ON OCCURRED (0x29/0x01)"
    assert sense.information is None and sense.descriptors == []
    assert build_descriptor_sense(6, 0x29, 0x01, deferred=True, sdat_ovfl=True) == data


def test_direct_access_descriptor_fills_summary() -> None:
    case = next(c for c in DESCRIPTOR_CASES if c[0] == "direct-access block device")
    sense = parse_sense(_descriptor_sense(SenseKey.MEDIUM_ERROR, 0x11, 0x00, case[2]))
    assert sense.valid and sense.information == 0xABCD
    assert sense.command_specific == 1
    assert sense.sense_key_specific == ActualRetryCount(3)
    assert sense.field_replaceable_unit_code == 5
    assert sense.ili


def test_forwarded_sense_decodes_nested() -> None:
    descriptor = ForwardedSenseDataDescriptor(True, 1, 0x02, bytes.fromhex(INNER_FIXED))
    inner = descriptor.sense
    assert inner is not None
    assert str(inner) == "MEDIUM ERROR: UNRECOVERED READ ERROR (0x11/0x00)"
    assert ForwardedSenseDataDescriptor(False, 0, 0, b"").sense is None
    assert ForwardedSenseDataDescriptor(False, 0, 0, b"\x00\x01").sense is None


def test_descriptor_longer_than_the_data_is_truncated() -> None:
    # the information descriptor claims 10 bytes but only 4 follow
    data = bytes.fromhex("72 05 24 00 00 00 00 06 00 0a 80 00 0000")
    sense = parse_sense(data)
    assert sense.truncated
    assert sense.descriptors == [RawDescriptor(0x00, bytes.fromhex("80000000"))]
    assert sense.information is None


# --- builders reject what does not fit ----------------------------------------------------------


def test_builder_errors_name_the_field() -> None:
    with pytest.raises(ValueError, match="information must fit in 32 bits"):
        build_fixed_sense(5, 0x21, 0, information=1 << 32)
    with pytest.raises(ValueError, match="asc must fit in 8 bits"):
        build_fixed_sense(5, 0x100, 0)
    with pytest.raises(ValueError, match="key must fit in 4 bits"):
        build_descriptor_sense(16, 0, 0)
    with pytest.raises(
        ValueError, match="FieldPointer needs sense key ILLEGAL REQUEST, not NOT READY"
    ):
        build_fixed_sense(2, 4, 0, sense_key_specific=FieldPointer(True, 0))
    with pytest.raises(ValueError, match="ProgressIndication needs sense key"):
        build_descriptor_sense(5, 0, 0, [SenseKeySpecificDescriptor(ProgressIndication(1))])
    with pytest.raises(ValueError, match="additional_sense_bytes"):
        build_fixed_sense(5, 0, 0, additional_sense_bytes=bytes(235))
    with pytest.raises(ValueError, match=r"descriptors: .* longer than 252"):
        build_descriptor_sense(5, 0, 0, [RawDescriptor(0x80, bytes(250))])
    with pytest.raises(ValueError, match="lba must fit in 48 bits"):
        AtaStatusReturnDescriptor(True, 0, 0, 1 << 48, 0, 0).encode()
    with pytest.raises(ValueError, match="sense key specific data must be 3 bytes"):
        RawSenseKeySpecific(b"\x80").encode()


# --- properties: round trips and truncation at every length -------------------------------------

_byte = st.integers(0, 0xFF)
_u16 = st.integers(0, 0xFFFF)


def _sks_for(key: int) -> st.SearchStrategy[SenseKeySpecific | None]:
    if key == SenseKey.ILLEGAL_REQUEST:
        typed: st.SearchStrategy[SenseKeySpecific] = st.builds(
            FieldPointer, st.booleans(), _u16, st.booleans(), st.integers(0, 7)
        )
    elif key in (SenseKey.RECOVERED_ERROR, SenseKey.MEDIUM_ERROR, SenseKey.HARDWARE_ERROR):
        typed = st.builds(ActualRetryCount, _u16)
    elif key in (SenseKey.NO_SENSE, SenseKey.NOT_READY):
        typed = st.builds(ProgressIndication, _u16)
    elif key == SenseKey.COPY_ABORTED:
        typed = st.builds(SegmentPointer, st.booleans(), _u16, st.booleans(), st.integers(0, 7))
    elif key == SenseKey.UNIT_ATTENTION:
        typed = st.builds(UnitAttentionQueueOverflow, st.booleans())
    else:
        typed = st.builds(
            RawSenseKeySpecific, st.binary(min_size=2, max_size=2).map(lambda b: b"\x80" + b)
        )
    return st.none() | typed


@st.composite
def fixed_senses(draw: st.DrawFn) -> bytes:
    key = draw(st.integers(0, 15))
    return build_fixed_sense(
        key,
        draw(_byte),
        draw(_byte),
        deferred=draw(st.booleans()),
        information=draw(st.none() | st.integers(0, 0xFFFFFFFF)),
        command_specific=draw(st.integers(0, 0xFFFFFFFF)),
        sense_key_specific=draw(_sks_for(key)),
        filemark=draw(st.booleans()),
        eom=draw(st.booleans()),
        ili=draw(st.booleans()),
        field_replaceable_unit_code=draw(_byte),
        additional_sense_bytes=draw(st.binary(max_size=20)),
    )


def _descriptors_for(key: int) -> st.SearchStrategy[SenseDescriptor]:
    u64 = st.integers(0, (1 << 64) - 1)
    return st.one_of(
        st.builds(InformationDescriptor, u64, st.booleans()),
        st.builds(CommandSpecificDescriptor, u64),
        st.builds(SenseKeySpecificDescriptor, _sks_for(key)),
        st.builds(FieldReplaceableUnitDescriptor, _byte),
        st.builds(StreamCommandsDescriptor, st.booleans(), st.booleans(), st.booleans()),
        st.builds(BlockCommandsDescriptor, st.booleans()),
        st.builds(
            AtaStatusReturnDescriptor,
            st.booleans(),
            _byte,
            _u16,
            st.integers(0, (1 << 48) - 1),
            _byte,
            _byte,
        ),
        st.builds(
            AnotherProgressIndicationDescriptor,
            st.sampled_from(SenseKey),
            _byte,
            _byte,
            st.builds(ProgressIndication, _u16),
        ),
        st.builds(
            UserDataSegmentReferralDescriptor,
            st.booleans(),
            st.lists(
                st.builds(
                    UserDataSegment,
                    u64,
                    u64,
                    st.lists(
                        st.builds(TargetPortGroupReferral, st.integers(0, 15), _u16), max_size=3
                    ),
                ),
                max_size=2,
            ),
        ),
        st.builds(
            ForwardedSenseDataDescriptor,
            st.booleans(),
            st.integers(0, 15),
            _byte,
            st.binary(max_size=24),
        ),
        st.builds(
            DirectAccessBlockDeviceDescriptor,
            st.booleans(),
            st.booleans(),
            _sks_for(key),
            _byte,
            u64,
            u64,
        ),
        st.builds(
            DeviceDesignationDescriptor,
            _byte,
            st.integers(0, 15),
            st.integers(0, 15),
            st.booleans(),
            st.integers(0, 3),
            st.integers(0, 15),
            st.binary(max_size=20),
        ),
        st.builds(MicrocodeActivationDescriptor, _u16),
        st.builds(
            RawDescriptor,
            st.sampled_from([0x06, 0x07, 0x08, 0x10, 0x7F, 0x80, 0xFF]),
            st.binary(max_size=16),
        ),
    )


@st.composite
def descriptor_senses(draw: st.DrawFn) -> tuple[bytes, list[SenseDescriptor]]:
    key = draw(st.integers(0, 15))
    descriptors = draw(st.lists(_descriptors_for(key), max_size=4))
    data = build_descriptor_sense(
        key, draw(_byte), draw(_byte), descriptors, deferred=draw(st.booleans())
    )
    return data, descriptors


@given(descriptor_senses())
def test_descriptor_round_trip(case: tuple[bytes, list[SenseDescriptor]]) -> None:
    data, descriptors = case
    sense = parse_sense(data)
    assert not sense.truncated
    assert sense.descriptors == descriptors
    assert (
        build_descriptor_sense(
            sense.key, sense.asc, sense.ascq, sense.descriptors, deferred=sense.deferred
        )
        == data
    )


@given(fixed_senses())
def test_fixed_round_trip(data: bytes) -> None:
    sense = parse_sense(data)
    assert not sense.truncated
    rebuilt = build_fixed_sense(
        sense.key,
        sense.asc,
        sense.ascq,
        deferred=sense.deferred,
        information=sense.information,
        command_specific=sense.command_specific or 0,
        sense_key_specific=sense.sense_key_specific,
        filemark=sense.filemark,
        eom=sense.eom,
        ili=sense.ili,
        field_replaceable_unit_code=sense.field_replaceable_unit_code or 0,
        additional_sense_bytes=sense.additional_sense_bytes,
    )
    assert rebuilt == data


def _check_every_prefix(data: bytes) -> None:
    full = parse_sense(data)
    for cut in range(1, len(data)):
        part = parse_sense(data[:cut])
        assert isinstance(part, Sense)
        assert part.truncated, cut
        assert part.response_code == full.response_code
        if cut > 2:
            assert part.key == full.key
        str(part)  # always printable


@given(fixed_senses())
def test_fixed_truncated_at_every_length(data: bytes) -> None:
    _check_every_prefix(data)


@given(descriptor_senses())
def test_descriptor_truncated_at_every_length(case: tuple[bytes, list[SenseDescriptor]]) -> None:
    _check_every_prefix(case[0])


@given(st.sampled_from([0x70, 0x71, 0x72, 0x73, 0xF0, 0xF1]), st.binary(max_size=80))
def test_random_bytes_never_crash(first: int, rest: bytes) -> None:
    sense = parse_sense(bytes((first,)) + rest)
    assert sense.response_code == first & 0x7F
    assert str(sense).startswith(sense.key.text + ": ")
