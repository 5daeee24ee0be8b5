"""The iSCSI PDU codec (RFC 7143 section 11).

Every PDU starts with a 48-byte Basic Header Segment (BHS)::

    byte 0     .I opcode            I = immediate delivery (initiator PDUs only)
    byte 1     F bit + opcode-specific flags
    bytes 2-3  opcode-specific
    byte 4     TotalAHSLength, in 4-byte words
    bytes 5-7  DataSegmentLength, in bytes (the data segment is padded to 4 bytes)
    bytes 8-15 LUN or opcode-specific
    bytes 16-19 Initiator Task Tag (ITT)
    bytes 20-47 opcode-specific, seven 32-bit words

followed by Additional Header Segments (AHS), the optional header digest, the data segment with
its padding, and the optional data digest.  One class per PDU type maps its fields onto that
layout; :func:`encode` builds the bytes to send and :func:`decode_header` reads a received BHS.
Sequence numbers (CmdSN, StatSN, DataSN, R2TSN) are explained where they are used, in
``connection.py`` and ``scsi_task.py``.
"""

from __future__ import annotations

import struct
from dataclasses import fields
from enum import IntEnum
from typing import ClassVar, TypeAlias

from pyiscsi._dataclass import dataclass
from pyiscsi.errors import ProtocolError
from pyiscsi.protocol.digest import crc32c

__all__ = [
    "BHS_LENGTH",
    "NO_TAG",
    "R2T",
    "AsyncMessage",
    "Buffer",
    "DataIn",
    "DataOut",
    "IncomingPdu",
    "LoginRequest",
    "LoginResponse",
    "LogoutRequest",
    "LogoutResponse",
    "NopIn",
    "NopOut",
    "Opcode",
    "OutgoingPdu",
    "Reject",
    "ScsiCommand",
    "ScsiResponse",
    "Snack",
    "TaskManagementRequest",
    "TaskManagementResponse",
    "TextRequest",
    "TextResponse",
    "decode_header",
    "describe",
    "encode",
    "encode_data_out",
    "encode_scsi_command",
    "padding",
]

Buffer: TypeAlias = bytes | bytearray | memoryview
_Words: TypeAlias = tuple[int, int, int, int, int, int, int, int, int, int, int, int]

BHS_LENGTH = 48
NO_TAG = 0xFFFFFFFF  # the reserved tag value: "no task" for ITT and TTT

# b0 b1 b2 b3 | TotalAHSLength<<24 | DataSegmentLength | LUN | ITT | seven words at 20..47
_BHS = struct.Struct(">BBBBIQI7I")
_AHS_CDB_HEADER = struct.Struct(">HBB")  # AHSLength, AHSType, reserved
_DIGEST = struct.Struct("<I")  # CRC32C goes on the wire least significant byte first
_PAD = (b"", b"\0\0\0", b"\0\0", b"\0")

F_BIT = 0x80
IMMEDIATE_BIT = 0x40


class Opcode(IntEnum):
    """PDU opcodes: 0x00-0x1F initiator to target, 0x20-0x3F target to initiator."""

    NOP_OUT = 0x00
    SCSI_COMMAND = 0x01
    TASK_MANAGEMENT_REQUEST = 0x02
    LOGIN_REQUEST = 0x03
    TEXT_REQUEST = 0x04
    DATA_OUT = 0x05
    LOGOUT_REQUEST = 0x06
    SNACK_REQUEST = 0x10
    NOP_IN = 0x20
    SCSI_RESPONSE = 0x21
    TASK_MANAGEMENT_RESPONSE = 0x22
    LOGIN_RESPONSE = 0x23
    TEXT_RESPONSE = 0x24
    DATA_IN = 0x25
    LOGOUT_RESPONSE = 0x26
    R2T = 0x31
    ASYNC_MESSAGE = 0x32
    REJECT = 0x3F


def padding(length: int) -> int:
    """Bytes of padding after a data segment of ``length`` bytes."""
    return -length & 3


# --------------------------------------------------------------------------------------------
# Initiator PDUs (we encode them; decode exists for tests and for the conformance tool)
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class NopOut:
    """NOP-Out: a ping (ITT set, the target answers) or the answer to a target's NOP-In."""

    OPCODE: ClassVar[Opcode] = Opcode.NOP_OUT
    itt: int = NO_TAG
    ttt: int = NO_TAG
    lun: int = 0
    cmdsn: int = 0
    expstatsn: int = 0
    data: Buffer = b""
    immediate: bool = True

    def _words(self) -> _Words:
        return (F_BIT, 0, 0, self.lun, self.itt, self.ttt, self.cmdsn, self.expstatsn, 0, 0, 0, 0)


@dataclass(slots=True)
class ScsiCommand:
    """SCSI Command: a CDB, the expected data transfer length and, maybe, immediate data."""

    OPCODE: ClassVar[Opcode] = Opcode.SCSI_COMMAND
    itt: int
    cdb: bytes
    lun: int = 0
    expected_data_transfer_length: int = 0
    cmdsn: int = 0
    expstatsn: int = 0
    read: bool = False  # R: data-in expected
    write: bool = False  # W: data-out expected
    final: bool = True  # F: no unsolicited Data-Out follows
    attributes: int = 1  # task attribute: 0 untagged, 1 simple, 2 ordered, 3 head of queue, 4 ACA
    data: Buffer = b""
    immediate: bool = False

    def _words(self) -> _Words:
        flags = (
            (F_BIT if self.final else 0)
            | (0x40 if self.read else 0)
            | (0x20 if self.write else 0)
            | (self.attributes & 7)
        )
        return (
            flags,
            0,
            0,
            self.lun,
            self.itt,
            self.expected_data_transfer_length,
            self.cmdsn,
            self.expstatsn,
            0,
            0,
            0,
            0,
        )


@dataclass(slots=True)
class TaskManagementRequest:
    """Task Management Function Request (ABORT TASK, LUN RESET, ...)."""

    OPCODE: ClassVar[Opcode] = Opcode.TASK_MANAGEMENT_REQUEST
    itt: int
    function: int
    lun: int = 0
    referenced_task_tag: int = NO_TAG
    cmdsn: int = 0
    expstatsn: int = 0
    refcmdsn: int = 0
    expdatasn: int = 0
    immediate: bool = True
    data: Buffer = b""

    def _words(self) -> _Words:
        return (
            F_BIT | (self.function & 0x7F),
            0,
            0,
            self.lun,
            self.itt,
            self.referenced_task_tag,
            self.cmdsn,
            self.expstatsn,
            self.refcmdsn,
            self.expdatasn,
            0,
            0,
        )


@dataclass(slots=True)
class LoginRequest:
    """Login Request: T (transit) from CSG (current stage) to NSG (next stage); keys as data."""

    OPCODE: ClassVar[Opcode] = Opcode.LOGIN_REQUEST
    itt: int
    isid: bytes
    tsih: int = 0
    cid: int = 0
    cmdsn: int = 0
    expstatsn: int = 0
    transit: bool = False
    cont: bool = False
    csg: int = 0
    nsg: int = 0
    version_max: int = 0
    version_min: int = 0
    data: Buffer = b""
    immediate: bool = True

    def _words(self) -> _Words:
        flags = (
            (0x80 if self.transit else 0)
            | (0x40 if self.cont else 0)
            | ((self.csg & 3) << 2)
            | (self.nsg & 3)
        )
        isid_tsih = int.from_bytes(self.isid, "big") << 16 | self.tsih
        return (
            flags,
            self.version_max,
            self.version_min,
            isid_tsih,
            self.itt,
            self.cid << 16,
            self.cmdsn,
            self.expstatsn,
            0,
            0,
            0,
            0,
        )


@dataclass(slots=True)
class TextRequest:
    """Text Request: key=value text (SendTargets); C = continues in the next PDU."""

    OPCODE: ClassVar[Opcode] = Opcode.TEXT_REQUEST
    itt: int
    ttt: int = NO_TAG
    lun: int = 0
    cmdsn: int = 0
    expstatsn: int = 0
    final: bool = True
    cont: bool = False
    data: Buffer = b""
    immediate: bool = False

    def _words(self) -> _Words:
        flags = (F_BIT if self.final else 0) | (0x40 if self.cont else 0)
        return (flags, 0, 0, self.lun, self.itt, self.ttt, self.cmdsn, self.expstatsn, 0, 0, 0, 0)


@dataclass(slots=True)
class DataOut:
    """SCSI Data-Out: a piece of write data at ``buffer_offset``; TTT names the R2T it answers."""

    OPCODE: ClassVar[Opcode] = Opcode.DATA_OUT
    itt: int
    ttt: int = NO_TAG
    lun: int = 0
    expstatsn: int = 0
    datasn: int = 0
    buffer_offset: int = 0
    final: bool = False
    data: Buffer = b""
    immediate: bool = False

    def _words(self) -> _Words:
        return (
            F_BIT if self.final else 0,
            0,
            0,
            self.lun,
            self.itt,
            self.ttt,
            0,
            self.expstatsn,
            0,
            self.datasn,
            self.buffer_offset,
            0,
        )


@dataclass(slots=True)
class LogoutRequest:
    """Logout Request; reason 0 closes the session, 1 the connection."""

    OPCODE: ClassVar[Opcode] = Opcode.LOGOUT_REQUEST
    itt: int
    reason: int = 0
    cid: int = 0
    cmdsn: int = 0
    expstatsn: int = 0
    immediate: bool = True
    data: Buffer = b""

    def _words(self) -> _Words:
        return (
            F_BIT | (self.reason & 0x7F),
            0,
            0,
            0,
            self.itt,
            self.cid << 16,
            self.cmdsn,
            self.expstatsn,
            0,
            0,
            0,
            0,
        )


@dataclass(slots=True)
class Snack:
    """SNACK Request (type 0 Data/R2T, 1 Status, 2 DataACK, 3 R-Data); needs ERL > 0."""

    OPCODE: ClassVar[Opcode] = Opcode.SNACK_REQUEST
    itt: int
    type: int = 0
    lun: int = 0
    ttt: int = NO_TAG
    expstatsn: int = 0
    begrun: int = 0
    runlength: int = 0
    immediate: bool = False
    data: Buffer = b""

    def _words(self) -> _Words:
        return (
            F_BIT | (self.type & 0x0F),
            0,
            0,
            self.lun,
            self.itt,
            self.ttt,
            0,
            self.expstatsn,
            0,
            0,
            self.begrun,
            self.runlength,
        )


OutgoingPdu: TypeAlias = (
    NopOut
    | ScsiCommand
    | TaskManagementRequest
    | LoginRequest
    | TextRequest
    | DataOut
    | LogoutRequest
    | Snack
)


def _extended_cdb_ahs(cdb: bytes) -> bytes:
    """The Extended CDB AHS (type 1) carrying CDB bytes past the 16 in the BHS."""
    rest = cdb[16:]
    ahs = _AHS_CDB_HEADER.pack(len(rest) + 1, 1, 0) + rest
    return ahs + _PAD[len(ahs) & 3]


def encode(
    pdu: OutgoingPdu, header_digest: bool = False, data_digest: bool = False
) -> list[Buffer]:
    """Encode ``pdu`` into the buffers to write, in order (the data is not copied)."""
    b1, b2, b3, lun, itt, w20, w24, w28, w32, w36, w40, w44 = pdu._words()
    ahs = b""
    cdb16 = b""
    if isinstance(pdu, ScsiCommand):
        cdb = pdu.cdb
        if len(cdb) > 16:
            ahs = _extended_cdb_ahs(cdb)
            cdb16 = cdb[:16]
        else:
            cdb16 = cdb.ljust(16, b"\0")
    data = pdu.data
    dlen = len(data)
    b0 = pdu.OPCODE | (IMMEDIATE_BIT if pdu.immediate else 0)
    header = bytearray(BHS_LENGTH + len(ahs))
    _BHS.pack_into(
        header,
        0,
        b0,
        b1,
        b2,
        b3,
        (len(ahs) // 4) << 24 | dlen,
        lun,
        itt,
        w20,
        w24,
        w28,
        w32,
        w36,
        w40,
        w44,
    )
    if cdb16:
        header[32:48] = cdb16
    if ahs:
        header[48 : 48 + len(ahs)] = ahs
    return _segments(header, data, header_digest, data_digest)


_SCSI_COMMAND = struct.Struct(">BBBBIQIIII16s")


def _segments(
    header: bytes | bytearray, data: Buffer, header_digest: bool, data_digest: bool
) -> list[Buffer]:
    """A packed header (BHS and AHS) and its data as the buffers to write: digests and
    padding added."""
    if header_digest:
        header += _DIGEST.pack(crc32c(header))
    dlen = len(data)
    if not dlen:
        return [header]
    pad = _PAD[dlen & 3]
    if data_digest:
        digest = crc32c(pad, crc32c(data)) if pad else crc32c(data)
        return [header, data, pad + _DIGEST.pack(digest)]
    return [header, data, pad] if pad else [header, data]


def encode_scsi_command(
    itt: int,
    lun: int,
    flags: int,
    expected_data_transfer_length: int,
    cmdsn: int,
    expstatsn: int,
    cdb: bytes,
    data: Buffer,
    header_digest: bool = False,
    data_digest: bool = False,
) -> list[Buffer]:
    """:func:`encode` of a :class:`ScsiCommand` with a CDB of at most 16 bytes, without
    building the object (the command path); ``flags`` is byte 1 (F, R, W, attributes)."""
    dlen = len(data)
    header = _SCSI_COMMAND.pack(
        Opcode.SCSI_COMMAND,
        flags,
        0,
        0,
        dlen,
        lun,
        itt,
        expected_data_transfer_length,
        cmdsn,
        expstatsn,
        cdb,
    )
    return _segments(header, data, header_digest, data_digest)


def encode_data_out(
    itt: int,
    ttt: int,
    lun: int,
    expstatsn: int,
    datasn: int,
    buffer_offset: int,
    final: bool,
    data: Buffer,
    header_digest: bool = False,
    data_digest: bool = False,
) -> list[Buffer]:
    """:func:`encode` of a :class:`DataOut`, without building the object (the write path)."""
    dlen = len(data)
    header = _BHS.pack(
        Opcode.DATA_OUT,
        F_BIT if final else 0,
        0,
        0,
        dlen,
        lun,
        itt,
        ttt,
        0,
        expstatsn,
        0,
        datasn,
        buffer_offset,
        0,
    )
    return _segments(header, data, header_digest, data_digest)


# --------------------------------------------------------------------------------------------
# Target PDUs (we decode them; encode exists for tests and the fake target)
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class NopIn:
    """NOP-In: the answer to our ping (ITT set) or the target's own ping (TTT set)."""

    OPCODE: ClassVar[Opcode] = Opcode.NOP_IN
    itt: int
    ttt: int
    lun: int
    statsn: int
    expcmdsn: int
    maxcmdsn: int
    data: bytes = b""


@dataclass(slots=True)
class ScsiResponse:
    """SCSI Response: status, sense data and residual count of a finished command."""

    OPCODE: ClassVar[Opcode] = Opcode.SCSI_RESPONSE
    itt: int
    response: int  # 0 = command completed at target, 1 = target failure
    status: int
    statsn: int
    expcmdsn: int
    maxcmdsn: int
    expdatasn: int
    residual_overflow: bool
    residual_underflow: bool
    residual_count: int
    bidi_residual_count: int = 0
    data: bytes = b""


@dataclass(slots=True)
class TaskManagementResponse:
    """Task Management Function Response: ``response`` 0 means function complete."""

    OPCODE: ClassVar[Opcode] = Opcode.TASK_MANAGEMENT_RESPONSE
    itt: int
    response: int
    statsn: int
    expcmdsn: int
    maxcmdsn: int
    data: bytes = b""


@dataclass(slots=True)
class LoginResponse:
    """Login Response: the target's keys, stage transition and status class/detail."""

    OPCODE: ClassVar[Opcode] = Opcode.LOGIN_RESPONSE
    itt: int
    isid: bytes
    tsih: int
    transit: bool
    cont: bool
    csg: int
    nsg: int
    version_max: int
    version_active: int
    statsn: int
    expcmdsn: int
    maxcmdsn: int
    status_class: int
    status_detail: int
    data: bytes = b""


@dataclass(slots=True)
class TextResponse:
    """Text Response: F clear = more follows (ask with the TTT); C set = a key continues."""

    OPCODE: ClassVar[Opcode] = Opcode.TEXT_RESPONSE
    itt: int
    ttt: int
    lun: int
    final: bool
    cont: bool
    statsn: int
    expcmdsn: int
    maxcmdsn: int
    data: bytes = b""


@dataclass(slots=True)
class DataIn:
    """SCSI Data-In: read data at ``buffer_offset``; S set = it carries the status too."""

    OPCODE: ClassVar[Opcode] = Opcode.DATA_IN
    itt: int
    ttt: int
    lun: int
    final: bool
    acknowledge: bool
    residual_overflow: bool
    residual_underflow: bool
    has_status: bool
    status: int
    statsn: int
    expcmdsn: int
    maxcmdsn: int
    datasn: int
    buffer_offset: int
    residual_count: int
    data_length: int = 0


@dataclass(slots=True)
class LogoutResponse:
    """Logout Response: ``response`` 0 = closed successfully."""

    OPCODE: ClassVar[Opcode] = Opcode.LOGOUT_RESPONSE
    itt: int
    response: int
    statsn: int
    expcmdsn: int
    maxcmdsn: int
    time2wait: int
    time2retain: int
    data: bytes = b""


@dataclass(slots=True)
class R2T:
    """Ready To Transfer: send ``desired_length`` bytes from ``buffer_offset`` tagged with TTT."""

    OPCODE: ClassVar[Opcode] = Opcode.R2T
    itt: int
    ttt: int
    lun: int
    statsn: int
    expcmdsn: int
    maxcmdsn: int
    r2tsn: int
    buffer_offset: int
    desired_length: int
    data: bytes = b""


@dataclass(slots=True)
class AsyncMessage:
    """Asynchronous Message: SCSI event (sense in data), logout request, connection drops, ..."""

    OPCODE: ClassVar[Opcode] = Opcode.ASYNC_MESSAGE
    lun: int
    statsn: int
    expcmdsn: int
    maxcmdsn: int
    event: int
    vcode: int
    parameter1: int
    parameter2: int
    parameter3: int
    data: bytes = b""
    itt: int = NO_TAG


@dataclass(slots=True)
class Reject:
    """Reject: the target refused a PDU; the data segment holds that PDU's header."""

    OPCODE: ClassVar[Opcode] = Opcode.REJECT
    reason: int
    statsn: int
    expcmdsn: int
    maxcmdsn: int
    datasn: int
    data: bytes = b""
    itt: int = NO_TAG

    @property
    def rejected_itt(self) -> int | None:
        """The ITT of the rejected PDU, read from the header it carries."""
        if len(self.data) < BHS_LENGTH:
            return None
        return int.from_bytes(self.data[16:20], "big")

    @property
    def rejected_opcode(self) -> int | None:
        """The opcode of the rejected PDU."""
        return self.data[0] & 0x3F if self.data else None


IncomingPdu: TypeAlias = (
    NopIn
    | ScsiResponse
    | TaskManagementResponse
    | LoginResponse
    | TextResponse
    | DataIn
    | LogoutResponse
    | R2T
    | AsyncMessage
    | Reject
)


#: Response codes of SCSI Response (0x80-0xff are vendor specific), Task Management Response
#: and Logout Response that RFC 7143 defines; any other value is reserved, and "receipt of
#: reserved code values in defined fields MUST be reported as a protocol error" (RFC 7143
#: section 11.2).  (Reject reasons and asynchronous events are passed on as they are: a
#: Reject fails its task anyway, and an unknown event is the session's to ignore.)
_SCSI_RESPONSES = frozenset({0x00, 0x01, *range(0x80, 0x100)})
_TMF_RESPONSES = frozenset({0, 1, 2, 3, 4, 5, 6, 255})
_LOGOUT_RESPONSES = frozenset({0, 1, 2, 3})


def decode_header(bhs: Buffer) -> IncomingPdu:
    """Decode a target's 48-byte BHS; the data segment is attached by the caller (``data``).

    For Data-In, ``data_length`` tells how many payload bytes follow.
    Raises :class:`ProtocolError` for fewer than 48 bytes, an opcode a target may not send,
    a reserved response code (RFC 7143 section 11.2) or flags that contradict each other
    (S without F in Data-In, overflow with underflow, F with C in a Text Response).
    """
    if len(bhs) < BHS_LENGTH:
        raise ProtocolError(f"PDU header of {len(bhs)} bytes, shorter than {BHS_LENGTH}")
    b0, b1, b2, b3, lengths, lun, itt, w20, w24, w28, w32, w36, w40, w44 = _BHS.unpack_from(bhs)
    opcode = b0 & 0x3F
    if opcode == Opcode.DATA_IN:
        if b1 & 0x01 and not b1 & 0x80:
            raise ProtocolError("Data-In with the S (status) bit but not the F (final) bit")
        if b1 & 0x06 == 0x06:
            raise ProtocolError("Data-In with both residual overflow and underflow set")
        return DataIn(
            itt,
            w20,
            lun,
            bool(b1 & 0x80),
            bool(b1 & 0x40),
            bool(b1 & 0x04),
            bool(b1 & 0x02),
            bool(b1 & 0x01),
            b3,
            w24,
            w28,
            w32,
            w36,
            w40,
            w44,
            lengths & 0xFFFFFF,
        )
    if opcode == Opcode.SCSI_RESPONSE:
        if b2 not in _SCSI_RESPONSES:
            raise ProtocolError(f"SCSI Response with reserved response code 0x{b2:02x}")
        if b1 & 0x06 == 0x06 or b1 & 0x18 == 0x18:
            raise ProtocolError("SCSI Response with both residual overflow and underflow set")
        return ScsiResponse(
            itt, b2, b3, w24, w28, w32, w36, bool(b1 & 0x04), bool(b1 & 0x02), w44, w40
        )
    if opcode == Opcode.R2T:
        return R2T(itt, w20, lun, w24, w28, w32, w36, w40, w44)
    if opcode == Opcode.NOP_IN:
        return NopIn(itt, w20, lun, w24, w28, w32)
    if opcode == Opcode.LOGIN_RESPONSE:
        return LoginResponse(
            itt,
            (lun >> 16).to_bytes(6, "big"),
            lun & 0xFFFF,
            bool(b1 & 0x80),
            bool(b1 & 0x40),
            (b1 >> 2) & 3,
            b1 & 3,
            b2,
            b3,
            w24,
            w28,
            w32,
            w36 >> 24,
            (w36 >> 16) & 0xFF,
        )
    if opcode == Opcode.TEXT_RESPONSE:
        if b1 & 0xC0 == 0xC0:
            raise ProtocolError("Text Response with both F and C set")
        return TextResponse(itt, w20, lun, bool(b1 & 0x80), bool(b1 & 0x40), w24, w28, w32)
    if opcode == Opcode.TASK_MANAGEMENT_RESPONSE:
        if b2 not in _TMF_RESPONSES:
            raise ProtocolError(f"Task Management Response with reserved response {b2}")
        return TaskManagementResponse(itt, b2, w24, w28, w32)
    if opcode == Opcode.LOGOUT_RESPONSE:
        if b2 not in _LOGOUT_RESPONSES:
            raise ProtocolError(f"Logout Response with reserved response {b2}")
        return LogoutResponse(itt, b2, w24, w28, w32, w40 >> 16, w40 & 0xFFFF)
    if opcode == Opcode.ASYNC_MESSAGE:
        return AsyncMessage(
            lun,
            w24,
            w28,
            w32,
            w36 >> 24,
            (w36 >> 16) & 0xFF,
            w36 & 0xFFFF,
            w40 >> 16,
            w40 & 0xFFFF,
            itt=itt,
        )
    if opcode == Opcode.REJECT:
        return Reject(b2, w24, w28, w32, w36, itt=itt)
    raise ProtocolError(f"target sent a PDU with opcode 0x{opcode:02x}, which targets may not send")


def describe(pdu: OutgoingPdu | IncomingPdu, data_length: int) -> str:
    """One line for a PDU trace: its fields, but only the length of its data segment.

    (Login and Text data carry keys such as CHAP_R, which traces must not show.)
    """
    parts = []
    for f in fields(pdu):
        if f.name == "data":
            continue
        value = getattr(pdu, f.name)
        if f.name in ("itt", "ttt", "referenced_task_tag") and isinstance(value, int):
            value = f"0x{value:08x}"
        elif isinstance(value, bytes):
            value = value.hex()
        parts.append(f"{f.name}={value}")
    parts.append(f"data={data_length} bytes")
    return f"{type(pdu).__name__}({', '.join(parts)})"


def header_lengths(bhs: Buffer) -> tuple[int, int]:
    """(TotalAHSLength in bytes, DataSegmentLength) of a BHS."""
    return bhs[4] * 4, int.from_bytes(bhs[5:8], "big")


def encode_target_pdu(
    pdu: IncomingPdu, data: Buffer = b"", header_digest: bool = False, data_digest: bool = False
) -> bytes:
    """Encode a target PDU: used by tests and the fake target to feed the initiator core."""
    b1 = F_BIT
    b2 = b3 = 0
    lun = getattr(pdu, "lun", 0)
    w = [0] * 7
    if isinstance(pdu, DataIn):
        b1 = (
            (0x80 if pdu.final else 0)
            | (0x40 if pdu.acknowledge else 0)
            | (0x04 if pdu.residual_overflow else 0)
            | (0x02 if pdu.residual_underflow else 0)
            | (0x01 if pdu.has_status else 0)
        )
        b3 = pdu.status
        w = [
            pdu.ttt,
            pdu.statsn,
            pdu.expcmdsn,
            pdu.maxcmdsn,
            pdu.datasn,
            pdu.buffer_offset,
            pdu.residual_count,
        ]
    elif isinstance(pdu, ScsiResponse):
        b1 = (
            F_BIT | (0x04 if pdu.residual_overflow else 0) | (0x02 if pdu.residual_underflow else 0)
        )
        b2, b3 = pdu.response, pdu.status
        w = [
            0,
            pdu.statsn,
            pdu.expcmdsn,
            pdu.maxcmdsn,
            pdu.expdatasn,
            pdu.bidi_residual_count,
            pdu.residual_count,
        ]
    elif isinstance(pdu, R2T):
        w = [
            pdu.ttt,
            pdu.statsn,
            pdu.expcmdsn,
            pdu.maxcmdsn,
            pdu.r2tsn,
            pdu.buffer_offset,
            pdu.desired_length,
        ]
    elif isinstance(pdu, NopIn):
        w = [pdu.ttt, pdu.statsn, pdu.expcmdsn, pdu.maxcmdsn, 0, 0, 0]
    elif isinstance(pdu, LoginResponse):
        b1 = (0x80 if pdu.transit else 0) | (0x40 if pdu.cont else 0) | (pdu.csg << 2) | pdu.nsg
        b2, b3 = pdu.version_max, pdu.version_active
        lun = int.from_bytes(pdu.isid, "big") << 16 | pdu.tsih
        w = [
            0,
            pdu.statsn,
            pdu.expcmdsn,
            pdu.maxcmdsn,
            pdu.status_class << 24 | pdu.status_detail << 16,
            0,
            0,
        ]
    elif isinstance(pdu, TextResponse):
        b1 = (0x80 if pdu.final else 0) | (0x40 if pdu.cont else 0)
        w = [pdu.ttt, pdu.statsn, pdu.expcmdsn, pdu.maxcmdsn, 0, 0, 0]
    elif isinstance(pdu, TaskManagementResponse):
        b2 = pdu.response
        w = [0, pdu.statsn, pdu.expcmdsn, pdu.maxcmdsn, 0, 0, 0]
    elif isinstance(pdu, LogoutResponse):
        b2 = pdu.response
        w = [0, pdu.statsn, pdu.expcmdsn, pdu.maxcmdsn, 0, pdu.time2wait << 16 | pdu.time2retain, 0]
    elif isinstance(pdu, AsyncMessage):
        w = [
            0,
            pdu.statsn,
            pdu.expcmdsn,
            pdu.maxcmdsn,
            pdu.event << 24 | pdu.vcode << 16 | pdu.parameter1,
            pdu.parameter2 << 16 | pdu.parameter3,
            0,
        ]
    elif isinstance(pdu, Reject):
        b2 = pdu.reason
        w = [0, pdu.statsn, pdu.expcmdsn, pdu.maxcmdsn, pdu.datasn, 0, 0]
    dlen = len(data)
    header = bytearray(_BHS.pack(pdu.OPCODE, b1, b2, b3, dlen, lun, pdu.itt, *w))
    if header_digest:
        header += _DIGEST.pack(crc32c(header))
    out = bytes(header)
    if dlen:
        body = bytes(data) + _PAD[dlen & 3]
        out += body
        if data_digest:
            out += _DIGEST.pack(crc32c(body))
    return out
