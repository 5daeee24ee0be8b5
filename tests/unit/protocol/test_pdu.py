"""The PDU codec: byte-exact vectors worked out from RFC 7143 section 11, digests, round trips.

Each expected header below is written word by word in the order of the RFC's field layout
(bytes 0-3 | 4-7 | 8-15 LUN | 16-19 ITT | 20-47 seven opcode-specific words).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyiscsi.errors import ProtocolError
from pyiscsi.protocol import pdu as P
from pyiscsi.protocol.digest import crc32c

ZERO16 = "00" * 16


def hx(*words: str) -> bytes:
    """Bytes from hex groups (spaces ignored)."""
    return bytes.fromhex("".join(words).replace(" ", ""))


def joined(buffers: list[P.Buffer]) -> bytes:
    return b"".join(bytes(b) for b in buffers)


# ------------------------------------------------------------------------------- CRC32C


@pytest.mark.parametrize(
    ("data", "crc"),
    [
        (bytes(32), 0x8A9136AA),  # RFC 3720 B.4: 32 bytes of zeros
        (b"\xff" * 32, 0x62A8AB43),  # 32 bytes of ones
        (bytes(range(32)), 0x46DD794E),  # incrementing
        (bytes(range(31, -1, -1)), 0x113FDB5C),  # decrementing
    ],
)
def test_crc32c_vectors(data: bytes, crc: int) -> None:
    assert crc32c(data) == crc
    assert crc32c(memoryview(data)[16:], crc32c(data[:16])) == crc


def test_header_digest_of_rfc3720_read_command_vector() -> None:
    # RFC 3720 appendix B.4: a READ(10) SCSI Command PDU whose CRC is 56 3a 96 d9 on the wire
    cdb = bytes.fromhex("28000000000000000200")
    cmd = P.ScsiCommand(
        itt=0x14000000,
        cdb=cdb,
        expected_data_transfer_length=0x400,
        cmdsn=0x14,
        expstatsn=0x18,
        read=True,
        attributes=0,
    )
    out = joined(P.encode(cmd, header_digest=True))
    assert out == hx(
        "01c00000 00000000 0000000000000000 14000000",
        "00000400 00000014 00000018 28000000 00000000 02000000 00000000",
        "563a96d9",
    )


# ----------------------------------------------------------------------- initiator PDUs


def test_nop_out_vector() -> None:
    nop = P.NopOut(itt=0x11223344, lun=0x0001000000000000, cmdsn=5, expstatsn=9, data=b"ping")
    assert joined(P.encode(nop)) == hx(
        "40800000 00000004 0001000000000000 11223344",
        "ffffffff 00000005 00000009",
        ZERO16,
        "70696e67",
    )


def test_nop_out_answer_to_target_ping_vector() -> None:
    nop = P.NopOut(itt=P.NO_TAG, ttt=0x0000ABCD, cmdsn=0x10, expstatsn=0x20)
    out = P.encode(nop)
    assert len(out) == 1  # no data segment: one buffer
    assert bytes(out[0]) == hx(
        "40800000 00000000 0000000000000000 ffffffff", "0000abcd 00000010 00000020", ZERO16
    )


def test_scsi_command_32_byte_cdb_with_extended_cdb_ahs() -> None:
    cdb = bytes([0x7F]) + bytes(range(1, 32))
    cmd = P.ScsiCommand(
        itt=0xA,
        cdb=cdb,
        lun=0x0002000000000000,
        expected_data_transfer_length=4096,
        cmdsn=0x01020304,
        expstatsn=0x0A0B0C0D,
        read=True,
    )
    out = joined(P.encode(cmd))
    # TotalAHSLength 5 words: AHSLength 0x0011 = 16 CDB bytes + the reserved byte, type 1
    assert out == hx(
        "01c10000 05000000 0002000000000000 0000000a",
        "00001000 01020304 0a0b0c0d",
        "7f0102030405060708090a0b0c0d0e0f",
        "0011 01 00",
        "101112131415161718191a1b1c1d1e1f",
    )


def test_scsi_command_20_byte_cdb_ahs_is_padded() -> None:
    cdb = bytes(range(0x40, 0x54))  # 20 bytes: 4 in the AHS, AHSLength 5, padded to 8
    out = joined(P.encode(P.ScsiCommand(itt=1, cdb=cdb)))
    assert out[4] == 2  # two 4-byte words of AHS
    assert out[48:56] == hx("0005 01 00", "50515253")
    assert len(out) == 56


def test_scsi_command_write_with_immediate_data_padding_and_digests() -> None:
    cmd = P.ScsiCommand(
        itt=0x33,
        cdb=bytes.fromhex("2a000000000100000100"),
        expected_data_transfer_length=512,
        cmdsn=1,
        expstatsn=2,
        write=True,
        final=False,
        attributes=2,  # ORDERED
        data=b"abcde",
    )
    out = P.encode(cmd, header_digest=True, data_digest=True)
    header = hx(
        "01220000 00000005 0000000000000000 00000033",
        "00000200 00000001 00000002",
        "2a000000000100000100000000000000",
    )
    assert bytes(out[0]) == header + crc32c(header).to_bytes(4, "little")
    assert bytes(out[1]) == b"abcde"  # the caller's data, not copied
    assert out[1] is cmd.data
    assert bytes(out[2]) == b"\0\0\0" + (0xECEA8B83).to_bytes(4, "little")


def test_scsi_command_flags_and_attributes() -> None:
    for read, write, final, attr, flags in [
        (False, False, True, 0, 0x80),
        (True, False, True, 1, 0xC1),
        (False, True, False, 3, 0x23),
        (False, True, True, 4, 0xA4),
    ]:
        cmd = P.ScsiCommand(
            itt=1,
            cdb=b"\0" * 6,
            read=read,
            write=write,
            final=final,
            attributes=attr,
            immediate=True,
        )
        out = joined(P.encode(cmd))
        assert out[0] == 0x41
        assert out[1] == flags
        assert out[32:48] == bytes(16)  # a 6-byte CDB is padded with zeros in the BHS


def test_task_management_request_vector() -> None:
    tmf = P.TaskManagementRequest(
        itt=0x20,
        function=1,
        lun=0x0003000000000000,
        referenced_task_tag=0x10,
        cmdsn=7,
        expstatsn=8,
        refcmdsn=6,
        expdatasn=0x44,
    )
    assert joined(P.encode(tmf)) == hx(
        "42810000 00000000 0003000000000000 00000020",
        "00000010 00000007 00000008 00000006 00000044 00000000 00000000",
    )


def test_login_request_vector() -> None:
    req = P.LoginRequest(
        itt=0x01000000,
        isid=bytes.fromhex("801234560001"),
        tsih=0x0042,
        cid=0x0102,
        cmdsn=1,
        expstatsn=0x99,
        transit=True,
        csg=1,
        nsg=3,
        version_max=0,
        version_min=0,
        data=b"HeaderDigest=None\0",
    )
    out = P.encode(req)
    assert joined(out) == hx(
        "43870000 00000012 8012345600010042 01000000",
        "01020000 00000001 00000099",
        ZERO16,
        b"HeaderDigest=None\0".hex(),
        "0000",
    )


def test_login_request_continue_flag_and_stages() -> None:
    req = P.LoginRequest(
        itt=1, isid=bytes(6), cont=True, csg=0, nsg=0, version_max=2, version_min=1
    )
    out = joined(P.encode(req))
    assert out[:4] == hx("43400201")


def test_text_request_vector() -> None:
    req = P.TextRequest(
        itt=3, ttt=0x55, cmdsn=4, expstatsn=5, final=False, cont=True, data=b"SendTargets=All\0"
    )
    assert joined(P.encode(req)) == hx(
        "04400000 00000010 0000000000000000 00000003",
        "00000055 00000004 00000005",
        ZERO16,
        b"SendTargets=All\0".hex(),
    )


def test_data_out_vector_and_encode_data_out_agree() -> None:
    lun = 0x0001000000000000
    expected = hx(
        "05800000 00000002 0001000000000000 00000009",
        "00000077 00000000 00000010 00000000 00000002 00002000 00000000",
        "0102 0000",
    )
    pdu = P.DataOut(
        itt=9,
        ttt=0x77,
        lun=lun,
        expstatsn=0x10,
        datasn=2,
        buffer_offset=0x2000,
        final=True,
        data=b"\x01\x02",
    )
    assert joined(P.encode(pdu)) == expected
    fast = P.encode_data_out(9, 0x77, lun, 0x10, 2, 0x2000, True, b"\x01\x02")
    assert joined(fast) == expected


@given(
    st.integers(0, 2**32 - 1),
    st.integers(0, 2**32 - 1),
    st.integers(0, 2**64 - 1),
    st.integers(0, 2**32 - 1),
    st.integers(0, 2**32 - 1),
    st.integers(0, 2**32 - 1),
    st.booleans(),
    st.binary(max_size=40),
    st.booleans(),
    st.booleans(),
)
def test_encode_data_out_equals_encode(
    itt: int,
    ttt: int,
    lun: int,
    expstatsn: int,
    datasn: int,
    offset: int,
    final: bool,
    data: bytes,
    hd: bool,
    dd: bool,
) -> None:
    pdu = P.DataOut(
        itt=itt,
        ttt=ttt,
        lun=lun,
        expstatsn=expstatsn,
        datasn=datasn,
        buffer_offset=offset,
        final=final,
        data=data,
    )
    slow = joined(P.encode(pdu, hd, dd))
    fast = joined(P.encode_data_out(itt, ttt, lun, expstatsn, datasn, offset, final, data, hd, dd))
    assert slow == fast
    assert len(slow) == 48 + (4 if hd else 0) + len(data) + P.padding(len(data)) + (
        4 if dd and data else 0
    )


def test_encode_data_out_empty_data_has_no_data_digest() -> None:
    out = joined(P.encode_data_out(1, 2, 0, 3, 0, 0, True, b"", data_digest=True))
    assert out == joined(
        P.encode(P.DataOut(itt=1, ttt=2, expstatsn=3, final=True), data_digest=True)
    )
    assert len(out) == 48


def test_logout_request_vector() -> None:
    req = P.LogoutRequest(itt=4, reason=1, cid=7, cmdsn=9, expstatsn=10)
    assert joined(P.encode(req)) == hx(
        "46810000 00000000 0000000000000000 00000004",
        "00070000 00000009 0000000a",
        ZERO16,
    )


def test_snack_vector() -> None:
    snack = P.Snack(
        itt=5, type=1, lun=0x0001000000000000, ttt=0xABCD, expstatsn=0x20, begrun=3, runlength=4
    )
    assert joined(P.encode(snack)) == hx(
        "10810000 00000000 0001000000000000 00000005",
        "0000abcd 00000000 00000020 00000000 00000000 00000003 00000004",
    )


def test_header_digest_covers_ahs() -> None:
    cmd = P.ScsiCommand(itt=1, cdb=bytes(range(32)))
    header = bytes(P.encode(cmd, header_digest=True)[0])
    assert len(header) == 48 + 20 + 4
    assert header[-4:] == crc32c(header[:-4]).to_bytes(4, "little")


def test_data_digest_without_padding_and_empty_data() -> None:
    nop = P.NopOut(itt=1, data=bytes(32))
    out = P.encode(nop, data_digest=True)
    assert bytes(out[2]) == bytes.fromhex("aa36918a")  # CRC32C(32 zeros), least significant first
    empty = P.encode(P.NopOut(itt=1), header_digest=False, data_digest=True)
    assert len(empty) == 1 and len(empty[0]) == 48  # no data: no data digest


def test_padding() -> None:
    assert [P.padding(n) for n in range(9)] == [0, 3, 2, 1, 0, 3, 2, 1, 0]


# -------------------------------------------------------------------------- target PDUs


def test_decode_data_in() -> None:
    bhs = hx(
        "25830015 00000400 0001000000000000 00000007",
        "ffffffff 00000011 00000012 00000013 00000002 00000800 00000100",
    )
    pdu = P.decode_header(bhs)
    assert pdu == P.DataIn(
        itt=7,
        ttt=P.NO_TAG,
        lun=0x0001000000000000,
        final=True,
        acknowledge=False,
        residual_overflow=False,
        residual_underflow=True,
        has_status=True,
        status=0x15,
        statsn=0x11,
        expcmdsn=0x12,
        maxcmdsn=0x13,
        datasn=2,
        buffer_offset=0x800,
        residual_count=0x100,
        data_length=0x400,
    )


def test_decode_data_in_acknowledge_and_overflow_bits() -> None:
    pdu = P.decode_header(hx("25440000 00000000", "00" * 40))
    assert isinstance(pdu, P.DataIn)
    assert pdu.acknowledge and pdu.residual_overflow
    assert not (pdu.final or pdu.has_status or pdu.residual_underflow)


def test_decode_scsi_response() -> None:
    bhs = hx(
        "21840102 00000014 0000000000000000 00000009",
        "00000000 00000100 00000101 00000120 00000003 00000050 00000200",
    )
    pdu = P.decode_header(bhs)
    assert pdu == P.ScsiResponse(
        itt=9,
        response=1,
        status=2,
        statsn=0x100,
        expcmdsn=0x101,
        maxcmdsn=0x120,
        expdatasn=3,
        residual_overflow=True,
        residual_underflow=False,
        residual_count=0x200,
        bidi_residual_count=0x50,
    )


def test_decode_r2t() -> None:
    bhs = hx(
        "31800000 00000000 0002000000000000 00000004",
        "00000abc 00000005 00000006 00000007 00000001 00002000 00010000",
    )
    assert P.decode_header(bhs) == P.R2T(
        itt=4,
        ttt=0xABC,
        lun=0x0002000000000000,
        statsn=5,
        expcmdsn=6,
        maxcmdsn=7,
        r2tsn=1,
        buffer_offset=0x2000,
        desired_length=0x10000,
    )


def test_decode_nop_in() -> None:
    bhs = hx(
        "20800000 00000000 0000000000000000 ffffffff",
        "00001234 00000010 00000011 00000030",
        "00" * 12,
    )
    assert P.decode_header(bhs) == P.NopIn(
        itt=P.NO_TAG, ttt=0x1234, lun=0, statsn=0x10, expcmdsn=0x11, maxcmdsn=0x30
    )


def test_decode_login_response() -> None:
    bhs = hx(
        "23870000 00000020 8012345600011234 00000001",
        "00000000 00000100 00000001 00000020 02030000 00000000 00000000",
    )
    pdu = P.decode_header(bhs)
    assert pdu == P.LoginResponse(
        itt=1,
        isid=bytes.fromhex("801234560001"),
        tsih=0x1234,
        transit=True,
        cont=False,
        csg=1,
        nsg=3,
        version_max=0,
        version_active=0,
        statsn=0x100,
        expcmdsn=1,
        maxcmdsn=0x20,
        status_class=2,
        status_detail=3,
    )


def test_decode_login_response_continue() -> None:
    pdu = P.decode_header(hx("23400000", "00" * 44))
    assert isinstance(pdu, P.LoginResponse)
    assert pdu.cont and not pdu.transit


def test_decode_text_response() -> None:
    bhs = hx(
        "24400000 00000100 0000000000000000 00000003",
        "00000077 00000001 00000002 00000003",
        "00" * 12,
    )
    assert P.decode_header(bhs) == P.TextResponse(
        itt=3, ttt=0x77, lun=0, final=False, cont=True, statsn=1, expcmdsn=2, maxcmdsn=3
    )


def test_decode_task_management_response() -> None:
    bhs = hx(
        "22800500 00000000 0000000000000000 00000002",
        "00000000 00000001 00000002 00000003",
        "00" * 12,
    )
    assert P.decode_header(bhs) == P.TaskManagementResponse(
        itt=2, response=5, statsn=1, expcmdsn=2, maxcmdsn=3
    )


def test_decode_logout_response() -> None:
    bhs = hx(
        "26800200 00000000 0000000000000000 00000002",
        "00000000 00000001 00000002 00000003 00000000 00020014 00000000",
    )
    assert P.decode_header(bhs) == P.LogoutResponse(
        itt=2, response=2, statsn=1, expcmdsn=2, maxcmdsn=3, time2wait=2, time2retain=20
    )


def test_decode_async_message() -> None:
    bhs = hx(
        "32800000 00000000 0001000000000000 ffffffff",
        "ffffffff 00000009 0000000a 0000000b 01000005 00060007 00000000",
    )
    assert P.decode_header(bhs) == P.AsyncMessage(
        lun=0x0001000000000000,
        statsn=9,
        expcmdsn=10,
        maxcmdsn=11,
        event=1,
        vcode=0,
        parameter1=5,
        parameter2=6,
        parameter3=7,
    )


def test_decode_reject_and_rejected_pdu() -> None:
    bhs = hx(
        "3f800900 00000030 0000000000000000 ffffffff",
        "00000000 00000004 00000005 00000006 00000000",
        "00" * 8,
    )
    pdu = P.decode_header(bhs)
    assert pdu == P.Reject(reason=9, statsn=4, expcmdsn=5, maxcmdsn=6, datasn=0)
    assert isinstance(pdu, P.Reject)
    assert pdu.rejected_itt is None and pdu.rejected_opcode is None
    pdu.data = joined(P.encode(P.TextRequest(itt=0x42)))
    assert pdu.rejected_itt == 0x42
    assert pdu.rejected_opcode == P.Opcode.TEXT_REQUEST


@pytest.mark.parametrize("opcode", [0x00, 0x01, 0x05, 0x10, 0x3E, 0x1C])
def test_decode_rejects_opcodes_a_target_may_not_send(opcode: int) -> None:
    with pytest.raises(ProtocolError, match=f"0x{opcode:02x}"):
        P.decode_header(bytes([opcode]) + bytes(47))


def test_header_lengths() -> None:
    assert P.header_lengths(hx("25000000 05012345")) == (20, 0x012345)


def test_encode_target_pdu_login_response_bytes() -> None:
    resp = P.LoginResponse(
        itt=1,
        isid=bytes.fromhex("801234560001"),
        tsih=0x1234,
        transit=True,
        cont=False,
        csg=1,
        nsg=3,
        version_max=0,
        version_active=0,
        statsn=0x100,
        expcmdsn=1,
        maxcmdsn=0x20,
        status_class=0,
        status_detail=0,
    )
    out = P.encode_target_pdu(resp, b"a=b\0", header_digest=True, data_digest=True)
    header = hx(
        "23870000 00000004 8012345600011234 00000001",
        "00000000 00000100 00000001 00000020 00000000 00000000 00000000",
    )
    assert out == (
        header
        + crc32c(header).to_bytes(4, "little")
        + b"a=b\0"
        + crc32c(b"a=b\0").to_bytes(4, "little")
    )


def test_describe_shows_fields_but_not_data() -> None:
    req = P.LoginRequest(
        itt=0x10, isid=bytes.fromhex("801234560001"), data=b"CHAP_R=0x0123456789abcdef\0"
    )
    text = P.describe(req, len(req.data))
    assert text.startswith("LoginRequest(itt=0x00000010, isid=801234560001")
    assert "data=26 bytes" in text
    assert "0123456789abcdef" not in text and "CHAP_R" not in text
    nop = P.NopIn(itt=P.NO_TAG, ttt=5, lun=0, statsn=1, expcmdsn=2, maxcmdsn=3, data=b"x")
    assert P.describe(nop, 1) == (
        "NopIn(itt=0xffffffff, ttt=0x00000005, lun=0, statsn=1, expcmdsn=2, maxcmdsn=3, "
        "data=1 bytes)"
    )


# ------------------------------------------------------------------------ round trips

U32 = st.integers(0, 2**32 - 1)
U64 = st.integers(0, 2**64 - 1)
U8 = st.integers(0, 255)
U16 = st.integers(0, 0xFFFF)

TARGET_PDUS = st.one_of(
    st.builds(P.NopIn, U32, U32, U64, U32, U32, U32),
    st.builds(
        P.ScsiResponse, U32, U8, U8, U32, U32, U32, U32, st.booleans(), st.booleans(), U32, U32
    ),
    st.builds(P.TaskManagementResponse, U32, U8, U32, U32, U32),
    st.builds(
        P.LoginResponse,
        U32,
        st.binary(min_size=6, max_size=6),
        U16,
        st.booleans(),
        st.booleans(),
        st.integers(0, 3),
        st.integers(0, 3),
        U8,
        U8,
        U32,
        U32,
        U32,
        U8,
        U8,
    ),
    st.builds(P.TextResponse, U32, U32, U64, st.booleans(), st.booleans(), U32, U32, U32),
    st.builds(
        P.DataIn,
        U32,
        U32,
        U64,
        st.booleans(),
        st.booleans(),
        st.booleans(),
        st.booleans(),
        st.booleans(),
        U8,
        U32,
        U32,
        U32,
        U32,
        U32,
        U32,
    ),
    st.builds(P.LogoutResponse, U32, U8, U32, U32, U32, U16, U16),
    st.builds(P.R2T, U32, U32, U64, U32, U32, U32, U32, U32, U32),
    st.builds(P.AsyncMessage, U64, U32, U32, U32, U8, U8, U16, U16, U16, itt=U32),
    st.builds(P.Reject, U8, U32, U32, U32, U32, itt=U32),
)


def _legal(pdu: P.IncomingPdu) -> bool:
    """False for the reserved codes and contradicting flags decode_header refuses."""
    if isinstance(pdu, P.DataIn):
        return (pdu.final or not pdu.has_status) and not (
            pdu.residual_overflow and pdu.residual_underflow
        )
    if isinstance(pdu, P.ScsiResponse):
        return (pdu.response in (0, 1) or pdu.response >= 0x80) and not (
            pdu.residual_overflow and pdu.residual_underflow
        )
    if isinstance(pdu, P.TextResponse):
        return not (pdu.final and pdu.cont)
    if isinstance(pdu, P.TaskManagementResponse):
        return pdu.response <= 6 or pdu.response == 255
    if isinstance(pdu, P.LogoutResponse):
        return pdu.response <= 3
    return True


@given(TARGET_PDUS)
def test_decode_refuses_exactly_the_illegal_target_pdus(pdu: P.IncomingPdu) -> None:
    raw = P.encode_target_pdu(pdu)
    if _legal(pdu):
        assert type(P.decode_header(raw)) is type(pdu)
    else:
        with pytest.raises(ProtocolError):
            P.decode_header(raw)


@pytest.mark.parametrize(
    ("header", "match"),
    [
        (hx("25010000"), "shorter than 48"),
        (hx("25810000", "00" * 43), "shorter than 48"),
        (hx("25010000", "00" * 44), "S \\(status\\) bit but not the F"),
        (hx("25860000", "00" * 44), "overflow and underflow"),
        (hx("21860000", "00" * 44), "overflow and underflow"),
        (hx("21980000", "00" * 44), "overflow and underflow"),
        (hx("21800200", "00" * 44), "reserved response code 0x02"),
        (hx("21807f00", "00" * 44), "reserved response code 0x7f"),
        (hx("24c00000", "00" * 44), "both F and C"),
        (hx("22800700", "00" * 44), "reserved response 7"),
        (hx("26800400", "00" * 44), "reserved response 4"),
    ],
)
def test_decode_header_malformed(header: bytes, match: str) -> None:
    with pytest.raises(ProtocolError, match=match):
        P.decode_header(header)


@given(TARGET_PDUS.filter(_legal), st.binary(max_size=64), st.booleans(), st.booleans())
def test_target_pdu_round_trip(pdu: P.IncomingPdu, data: bytes, hd: bool, dd: bool) -> None:
    raw = P.encode_target_pdu(pdu, data, hd, dd)
    assert len(raw) == 48 + (4 if hd else 0) + len(data) + P.padding(len(data)) + (
        4 if dd and data else 0
    )
    back = P.decode_header(raw[:48])
    if isinstance(pdu, P.DataIn):
        pdu.data_length = len(data)
    assert back == pdu
    ahs, dlen = P.header_lengths(raw)
    assert (ahs, dlen) == (0, len(data))
    start = 52 if hd else 48
    assert raw[start : start + dlen] == data
    if hd:
        assert int.from_bytes(raw[48:52], "little") == crc32c(raw[:48])


OPS = [
    st.builds(P.NopOut, itt=U32, ttt=U32, lun=U64, cmdsn=U32, expstatsn=U32),
    st.builds(
        P.TaskManagementRequest,
        itt=U32,
        function=st.integers(1, 8),
        lun=U64,
        referenced_task_tag=U32,
        cmdsn=U32,
        expstatsn=U32,
        refcmdsn=U32,
        expdatasn=U32,
    ),
    st.builds(
        P.TextRequest,
        itt=U32,
        ttt=U32,
        lun=U64,
        cmdsn=U32,
        expstatsn=U32,
        final=st.booleans(),
        cont=st.booleans(),
    ),
    st.builds(
        P.LogoutRequest, itt=U32, reason=st.integers(0, 2), cid=U16, cmdsn=U32, expstatsn=U32
    ),
]


@given(st.one_of(*OPS), st.binary(max_size=33), st.booleans())
def test_initiator_pdu_common_fields(pdu: P.OutgoingPdu, data: bytes, immediate: bool) -> None:
    pdu.data = data
    pdu.immediate = immediate
    raw = joined(P.encode(pdu))
    assert raw[0] == pdu.OPCODE | (0x40 if immediate else 0)
    assert raw[4] == 0
    assert int.from_bytes(raw[5:8], "big") == len(data)
    assert int.from_bytes(raw[16:20], "big") == pdu.itt
    assert raw[48 : 48 + len(data)] == data
    assert len(raw) % 4 == 0
    assert raw[48 + len(data) :] == bytes(P.padding(len(data)))


@given(st.binary(min_size=17, max_size=260))
def test_extended_cdb_ahs_round_trip(cdb: bytes) -> None:
    raw = joined(P.encode(P.ScsiCommand(itt=1, cdb=cdb)))
    ahs_len, dlen = P.header_lengths(raw)
    assert dlen == 0
    ahs = raw[48 : 48 + ahs_len]
    assert ahs_len == len(ahs) and ahs_len % 4 == 0
    length = int.from_bytes(ahs[:2], "big")
    assert ahs[2] == 1 and ahs[3] == 0
    assert length == len(cdb) - 15
    assert raw[32:48] + ahs[4 : 4 + length - 1] == cdb
    assert ahs[4 + length - 1 :] == bytes(ahs_len - 3 - length)
