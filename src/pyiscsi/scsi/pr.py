"""Persistent reservations: PERSISTENT RESERVE IN parameter data and PERSISTENT RESERVE OUT
parameter lists (SPC-5 6.16, 6.17), and TransportIDs (SPC-5 7.6.4).

Short data parses as far as it goes: unread fields are None, lists hold complete entries, and
``truncated`` is set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import field

from pyiscsi._dataclass import dataclass
from pyiscsi.scsi._fields import FieldSpec
from pyiscsi.scsi._fields import be as _be
from pyiscsi.scsi._fields import unpack as _unpack
from pyiscsi.scsi.opcodes import PersistentReservationType

__all__ = [
    "FullStatusDescriptor",
    "PrOutParameters",
    "ReadFullStatus",
    "ReadKeys",
    "ReadReservation",
    "RegisterAndMoveParameters",
    "ReportCapabilities",
    "TransportId",
    "iscsi_transport_id",
    "parse_pr_out_parameter_list",
    "parse_read_full_status",
    "parse_read_keys",
    "parse_read_reservation",
    "parse_register_and_move_parameter_list",
    "parse_report_capabilities",
    "parse_transport_id",
    "pr_out_parameter_list",
    "register_and_move_parameter_list",
]


@dataclass(slots=True)
class ReadKeys:
    """READ KEYS parameter data: PRGENERATION and the registered reservation keys."""

    prgeneration: int | None = None
    additional_length: int | None = None
    reservation_keys: list[int] = field(default_factory=list)
    truncated: bool = False


def _list_header(raw: bytes) -> tuple[int | None, int | None, bytes, bool]:
    """PRGENERATION, ADDITIONAL LENGTH, the list bytes received and whether it was cut."""
    generation, length = _be(raw, 0, 4), _be(raw, 4, 4)
    if length is None:
        return generation, None, b"", True
    body = raw[8 : 8 + length]
    return generation, length, body, len(body) < length


def parse_read_keys(data: bytes | bytearray | memoryview) -> ReadKeys:
    """Parse PERSISTENT RESERVE IN / READ KEYS parameter data."""
    generation, length, body, cut = _list_header(bytes(data))
    keys = [int.from_bytes(body[i : i + 8], "big") for i in range(0, len(body) - 7, 8)]
    return ReadKeys(generation, length, keys, cut or len(body) % 8 != 0)


@dataclass(slots=True)
class ReadReservation:
    """READ RESERVATION parameter data; the reservation fields are None when none is held."""

    prgeneration: int | None = None
    additional_length: int | None = None
    reservation_key: int | None = None
    scope: int | None = None
    type: int | None = None
    truncated: bool = False


def parse_read_reservation(data: bytes | bytearray | memoryview) -> ReadReservation:
    """Parse PERSISTENT RESERVE IN / READ RESERVATION parameter data."""
    raw = bytes(data)
    generation, length, body, cut = _list_header(raw)
    result = ReadReservation(generation, length, truncated=cut)
    if length:
        result.reservation_key = _be(body, 0, 8)
        if len(body) > 13:
            result.scope, result.type = body[13] >> 4, body[13] & 0x0F
        result.truncated = cut or len(body) < 16
    return result


@dataclass(slots=True)
class ReportCapabilities:
    """REPORT CAPABILITIES parameter data (SPC-5 6.16.4).

    The PERSISTENT RESERVATION TYPE MASK bits are ``wr_ex_ar`` ... ``ex_ac_ar``;
    :attr:`supported_types` lists them as :class:`PersistentReservationType` values.
    """

    length: int | None = None
    rlr_c: bool | None = None
    crh: bool | None = None
    sip_c: bool | None = None
    atp_c: bool | None = None
    ptpl_c: bool | None = None
    tmv: bool | None = None
    allow_commands: int | None = None
    ptpl_a: bool | None = None
    wr_ex_ar: bool | None = None
    ex_ac_ro: bool | None = None
    wr_ex_ro: bool | None = None
    ex_ac: bool | None = None
    wr_ex: bool | None = None
    ex_ac_ar: bool | None = None
    truncated: bool = False

    @property
    def supported_types(self) -> list[PersistentReservationType]:
        """The reservation types the type mask marks supported (empty when TMV is 0)."""
        if not self.tmv:
            return []
        bits = (
            (self.wr_ex, PersistentReservationType.WRITE_EXCLUSIVE),
            (self.ex_ac, PersistentReservationType.EXCLUSIVE_ACCESS),
            (self.wr_ex_ro, PersistentReservationType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY),
            (self.ex_ac_ro, PersistentReservationType.EXCLUSIVE_ACCESS_REGISTRANTS_ONLY),
            (self.wr_ex_ar, PersistentReservationType.WRITE_EXCLUSIVE_ALL_REGISTRANTS),
            (self.ex_ac_ar, PersistentReservationType.EXCLUSIVE_ACCESS_ALL_REGISTRANTS),
        )
        return [t for bit, t in bits if bit]


_CAPABILITIES_FIELDS: tuple[FieldSpec, ...] = (
    ("length", 0, 7, 16),
    ("rlr_c", 2, 7, 1),
    ("crh", 2, 4, 1),
    ("sip_c", 2, 3, 1),
    ("atp_c", 2, 2, 1),
    ("ptpl_c", 2, 0, 1),
    ("tmv", 3, 7, 1),
    ("allow_commands", 3, 6, 3),
    ("ptpl_a", 3, 0, 1),
    ("wr_ex_ar", 4, 7, 1),
    ("ex_ac_ro", 4, 6, 1),
    ("wr_ex_ro", 4, 5, 1),
    ("ex_ac", 4, 3, 1),
    ("wr_ex", 4, 1, 1),
    ("ex_ac_ar", 5, 0, 1),
)


def parse_report_capabilities(data: bytes | bytearray | memoryview) -> ReportCapabilities:
    """Parse PERSISTENT RESERVE IN / REPORT CAPABILITIES parameter data (8 bytes)."""
    raw = bytes(data)
    result = ReportCapabilities(**_unpack(raw, _CAPABILITIES_FIELDS))
    result.truncated = len(raw) < max(6, result.length or 0)
    return result


@dataclass(slots=True)
class TransportId:
    """A TransportID (SPC-5 7.6.4). For iSCSI (protocol identifier 5) ``iscsi_name`` is the
    name and, in format 01b, ``isid`` the initiator session identifier text (``0x...``).
    """

    format_code: int
    protocol_identifier: int
    data: bytes
    iscsi_name: str | None = None
    isid: str | None = None


def parse_transport_id(data: bytes | bytearray | memoryview) -> TransportId | None:
    """Parse one TransportID; None if its first byte is missing."""
    raw = bytes(data)
    if not raw:
        return None
    tid = TransportId(raw[0] >> 6, raw[0] & 0x0F, raw)
    if tid.protocol_identifier == 5:
        length = _be(raw, 2, 2) or 0
        text = raw[4 : 4 + length].split(b"\x00", 1)[0].decode("utf-8", errors="replace")
        if tid.format_code == 1 and ",i,0x" in text.lower():
            at = text.lower().index(",i,0x")
            tid.iscsi_name, tid.isid = text[:at], text[at + 3 :]
        else:
            tid.iscsi_name = text
    return tid


def iscsi_transport_id(name: str, isid: int | None = None) -> bytes:
    """An iSCSI TransportID: format 00b (name only) or, with ``isid``, 01b (name,i,0xISID).

    The name is NUL terminated and padded to a multiple of 4 bytes.
    """
    if not name:
        raise ValueError("name: an iSCSI TransportID needs an iSCSI name")
    text = name.encode("utf-8")
    if isid is not None:
        if not 0 <= isid < 1 << 48:
            raise ValueError(f"isid: {isid} does not fit in 48 bits")
        text += f",i,0x{isid:012x}".encode()
    text += b"\x00"
    text += bytes(-len(text) % 4)
    if len(text) > 0xFFFF:
        raise ValueError(f"name: {len(text)} bytes is too long for a TransportID")
    head = bytes(((0x40 if isid is not None else 0x00) | 0x05, 0))
    return head + len(text).to_bytes(2, "big") + text


def _transport_id_length(raw: bytes) -> int:
    """The length of the TransportID at the start of ``raw`` (24 bytes unless iSCSI/SOP)."""
    if raw and raw[0] & 0x0F == 5:
        return 4 + (_be(raw, 2, 2) or 0)
    return 24


@dataclass(slots=True)
class FullStatusDescriptor:
    """One full status descriptor of READ FULL STATUS (SPC-5 6.16.5)."""

    reservation_key: int
    all_tg_pt: bool
    r_holder: bool
    scope: int
    type: int
    relative_target_port_identifier: int
    additional_descriptor_length: int
    transport_id: TransportId | None


@dataclass(slots=True)
class ReadFullStatus:
    """READ FULL STATUS parameter data: the complete descriptors received."""

    prgeneration: int | None = None
    additional_length: int | None = None
    descriptors: list[FullStatusDescriptor] = field(default_factory=list)
    truncated: bool = False


def parse_read_full_status(data: bytes | bytearray | memoryview) -> ReadFullStatus:
    """Parse PERSISTENT RESERVE IN / READ FULL STATUS parameter data."""
    generation, length, body, cut = _list_header(bytes(data))
    result = ReadFullStatus(generation, length, truncated=cut)
    pos = 0
    while pos < len(body):
        extra = _be(body, pos + 20, 4)
        if extra is None or pos + 24 + extra > len(body):
            result.truncated = True
            break
        d = body[pos : pos + 24 + extra]
        result.descriptors.append(
            FullStatusDescriptor(
                reservation_key=int.from_bytes(d[0:8], "big"),
                all_tg_pt=bool(d[12] & 0x02),
                r_holder=bool(d[12] & 0x01),
                scope=d[13] >> 4,
                type=d[13] & 0x0F,
                relative_target_port_identifier=int.from_bytes(d[18:20], "big"),
                additional_descriptor_length=extra,
                transport_id=parse_transport_id(d[24:]),
            )
        )
        pos += 24 + extra
    return result


def _key(value: int, name: str) -> bytes:
    if not 0 <= value < 1 << 64:
        raise ValueError(f"{name}: {value} does not fit in 64 bits")
    return value.to_bytes(8, "big")


def pr_out_parameter_list(
    reservation_key: int = 0,
    service_action_reservation_key: int = 0,
    *,
    spec_i_pt: bool = False,
    all_tg_pt: bool = False,
    aptpl: bool = False,
    transport_ids: Iterable[bytes] = (),
) -> bytes:
    """The basic PERSISTENT RESERVE OUT parameter list (SPC-5 6.17.3): 24 bytes, followed,
    when ``spec_i_pt`` is set, by TRANSPORTID PARAMETER DATA LENGTH and the TransportIDs.
    """
    tids = b"".join(bytes(t) for t in transport_ids)
    if tids and not spec_i_pt:
        raise ValueError("transport_ids: only sent with spec_i_pt (REGISTER with SPEC_I_PT=1)")
    flags = (0x08 if spec_i_pt else 0) | (0x04 if all_tg_pt else 0) | (0x01 if aptpl else 0)
    out = (
        _key(reservation_key, "reservation_key")
        + _key(service_action_reservation_key, "service_action_reservation_key")
        + bytes(4)
        + bytes((flags, 0, 0, 0))
    )
    if spec_i_pt:
        out += len(tids).to_bytes(4, "big") + tids
    return out


def register_and_move_parameter_list(
    reservation_key: int,
    service_action_reservation_key: int,
    relative_target_port_identifier: int,
    transport_id: bytes,
    *,
    unreg: bool = False,
    aptpl: bool = False,
) -> bytes:
    """The REGISTER AND MOVE parameter list (SPC-5 6.17.4): keys, UNREG/APTPL, the relative
    target port and the TransportID of the I_T nexus the reservation moves to.
    """
    if not 0 <= relative_target_port_identifier <= 0xFFFF:
        raise ValueError(
            f"relative_target_port_identifier: {relative_target_port_identifier} is not 0-65535"
        )
    tid = bytes(transport_id)
    if not tid:
        raise ValueError("transport_id: REGISTER AND MOVE needs a TransportID")
    if len(tid) < _transport_id_length(tid):
        raise ValueError(f"transport_id: {len(tid)} bytes is shorter than its own length")
    flags = (0x02 if unreg else 0) | (0x01 if aptpl else 0)
    return (
        _key(reservation_key, "reservation_key")
        + _key(service_action_reservation_key, "service_action_reservation_key")
        + bytes((0, flags))
        + relative_target_port_identifier.to_bytes(2, "big")
        + len(tid).to_bytes(4, "big")
        + tid
    )


@dataclass(slots=True)
class PrOutParameters:
    """A basic PERSISTENT RESERVE OUT parameter list, decoded (the inverse of
    :func:`pr_out_parameter_list`).
    """

    reservation_key: int | None = None
    service_action_reservation_key: int | None = None
    spec_i_pt: bool | None = None
    all_tg_pt: bool | None = None
    aptpl: bool | None = None
    transport_ids: list[bytes] = field(default_factory=list)
    truncated: bool = False


def _split_transport_ids(raw: bytes) -> tuple[list[bytes], bool]:
    out: list[bytes] = []
    pos = 0
    while pos < len(raw):
        size = _transport_id_length(raw[pos:])
        if pos + size > len(raw):
            return out, True
        out.append(raw[pos : pos + size])
        pos += size
    return out, False


def parse_pr_out_parameter_list(data: bytes | bytearray | memoryview) -> PrOutParameters:
    """Decode a basic PERSISTENT RESERVE OUT parameter list."""
    raw = bytes(data)
    flags = _unpack(raw, (("spec_i_pt", 20, 3, 1), ("all_tg_pt", 20, 2, 1), ("aptpl", 20, 0, 1)))
    result = PrOutParameters(_be(raw, 0, 8), _be(raw, 8, 8), **flags, truncated=len(raw) < 24)
    if result.spec_i_pt:
        length = _be(raw, 24, 4)
        if length is None:
            result.truncated = True
        else:
            body = raw[28 : 28 + length]
            result.transport_ids, cut = _split_transport_ids(body)
            result.truncated = cut or len(body) < length
    return result


@dataclass(slots=True)
class RegisterAndMoveParameters:
    """A REGISTER AND MOVE parameter list, decoded."""

    reservation_key: int | None = None
    service_action_reservation_key: int | None = None
    unreg: bool | None = None
    aptpl: bool | None = None
    relative_target_port_identifier: int | None = None
    transport_id: bytes | None = None
    truncated: bool = False


def parse_register_and_move_parameter_list(
    data: bytes | bytearray | memoryview,
) -> RegisterAndMoveParameters:
    """Decode a REGISTER AND MOVE parameter list."""
    raw = bytes(data)
    flags = _unpack(raw, (("unreg", 17, 1, 1), ("aptpl", 17, 0, 1)))
    result = RegisterAndMoveParameters(_be(raw, 0, 8), _be(raw, 8, 8), **flags)
    result.relative_target_port_identifier = _be(raw, 18, 2)
    length = _be(raw, 20, 4)
    if length is None:
        result.truncated = True
    else:
        tid = raw[24 : 24 + length]
        result.transport_id = tid if len(tid) == length else None
        result.truncated = len(tid) < length
    return result
