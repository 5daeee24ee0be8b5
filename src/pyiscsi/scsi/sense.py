"""Sense data: decoding (fixed and descriptor formats), building, and ASC/ASCQ descriptions.

Field layouts follow SPC-4/SPC-5 4.5 (sense data), SBC-3/4 (block commands, user data segment
referral, direct-access block device descriptors), SSC-4 (stream commands) and SAT-3 (ATA status
return). Parsing never raises IndexError: short data yields what is there and ``truncated=True``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field
from typing import ClassVar, TypeVar

from pyiscsi._dataclass import dataclass
from pyiscsi.scsi.status import SenseKey, sense_key_name

__all__ = [
    "ActualRetryCount",
    "AnotherProgressIndicationDescriptor",
    "AtaStatusReturnDescriptor",
    "BlockCommandsDescriptor",
    "CommandSpecificDescriptor",
    "DeviceDesignationDescriptor",
    "DirectAccessBlockDeviceDescriptor",
    "FieldPointer",
    "FieldReplaceableUnitDescriptor",
    "ForwardedSenseDataDescriptor",
    "InformationDescriptor",
    "MicrocodeActivationDescriptor",
    "ProgressIndication",
    "RawDescriptor",
    "RawSenseKeySpecific",
    "SegmentPointer",
    "Sense",
    "SenseDescriptor",
    "SenseKeySpecific",
    "SenseKeySpecificDescriptor",
    "StreamCommandsDescriptor",
    "TargetPortGroupReferral",
    "UnitAttentionQueueOverflow",
    "UserDataSegment",
    "UserDataSegmentReferralDescriptor",
    "build_descriptor_sense",
    "build_fixed_sense",
    "describe_asc",
    "parse_sense",
]

FIXED_CURRENT = 0x70
FIXED_DEFERRED = 0x71
DESCRIPTOR_CURRENT = 0x72
DESCRIPTOR_DEFERRED = 0x73
MAX_SENSE_LENGTH = 252  # SPC-4 4.5.1: sense data shall not exceed 252 bytes

def describe_asc(asc: int, ascq: int) -> str:
    """The T10 description of an ASC/ASCQ pair.

    Ranged entries carry the value (``describe_asc(0x40, 0x85)`` is
    ``"DIAGNOSTIC FAILURE ON COMPONENT 85h"``); ASC 80h-FFh and unassigned ASCQ 80h-FFh read
    ``"VENDOR SPECIFIC ASC/ASCQ 0x../0x.."``; other unassigned pairs read
    ``"UNKNOWN ASC/ASCQ 0x../0x.."``.
    """
    if not (0 <= asc <= 0xFF and 0 <= ascq <= 0xFF):
        raise ValueError(f"ASC and ASCQ must be bytes, got 0x{asc:x}/0x{ascq:x}")
    from pyiscsi.scsi.asc_table import ASC_RANGES, ASC_TABLE  # big: loaded when first needed

    text = ASC_TABLE.get(asc << 8 | ascq)
    if text is not None:
        if text == "Obsolete":
            return f"OBSOLETE ASC/ASCQ 0x{asc:02x}/0x{ascq:02x}"
        return text
    for ranged_asc, low, high, template in ASC_RANGES:
        if ranged_asc == asc and low <= ascq <= high:
            return template.format(nn=f"{ascq:02X}h")
    if asc >= 0x80 or ascq >= 0x80:
        return f"VENDOR SPECIFIC ASC/ASCQ 0x{asc:02x}/0x{ascq:02x}"
    return f"UNKNOWN ASC/ASCQ 0x{asc:02x}/0x{ascq:02x}"


def _be(data: bytes, start: int, length: int) -> int:
    return int.from_bytes(data[start : start + length], "big")


def _check(name: str, value: int, bits: int) -> None:
    if not 0 <= value < (1 << bits):
        raise ValueError(f"{name} must fit in {bits} bits, got {value!r}")


# --- sense-key specific information (SPC-4 4.5.2.4) -------------------------------------------


@dataclass(slots=True)
class FieldPointer:
    """ILLEGAL REQUEST: the byte (and bit) in error; ``cd`` True means in the CDB."""

    cd: bool
    field_pointer: int
    bpv: bool = False
    bit_pointer: int = 0

    def encode(self) -> bytes:
        _check("field_pointer", self.field_pointer, 16)
        _check("bit_pointer", self.bit_pointer, 3)
        first = 0x80 | (0x40 if self.cd else 0) | (0x08 if self.bpv else 0) | self.bit_pointer
        return bytes((first,)) + self.field_pointer.to_bytes(2, "big")


@dataclass(slots=True)
class ActualRetryCount:
    """RECOVERED, MEDIUM or HARDWARE ERROR: the retries the device server made."""

    count: int

    def encode(self) -> bytes:
        _check("count", self.count, 16)
        return b"\x80" + self.count.to_bytes(2, "big")


@dataclass(slots=True)
class ProgressIndication:
    """NO SENSE or NOT READY: progress of an operation, as ``progress / 65536``."""

    progress: int

    @property
    def fraction(self) -> float:
        """Progress as a number from 0.0 to just under 1.0."""
        return self.progress / 65536

    @property
    def percent(self) -> float:
        """Progress in percent."""
        return self.progress * 100 / 65536

    def encode(self) -> bytes:
        _check("progress", self.progress, 16)
        return b"\x80" + self.progress.to_bytes(2, "big")


@dataclass(slots=True)
class SegmentPointer:
    """COPY ABORTED: the byte in error; ``sd`` True means relative to a segment descriptor."""

    sd: bool
    field_pointer: int
    bpv: bool = False
    bit_pointer: int = 0

    def encode(self) -> bytes:
        _check("field_pointer", self.field_pointer, 16)
        _check("bit_pointer", self.bit_pointer, 3)
        first = 0x80 | (0x20 if self.sd else 0) | (0x08 if self.bpv else 0) | self.bit_pointer
        return bytes((first,)) + self.field_pointer.to_bytes(2, "big")


@dataclass(slots=True)
class UnitAttentionQueueOverflow:
    """UNIT ATTENTION: ``overflow`` True when unit attention conditions were lost."""

    overflow: bool

    def encode(self) -> bytes:
        return bytes((0x81 if self.overflow else 0x80, 0, 0))


@dataclass(slots=True)
class RawSenseKeySpecific:
    """Sense-key specific bytes for a sense key with no defined format (SKSV bit included)."""

    data: bytes

    def encode(self) -> bytes:
        if len(self.data) != 3:
            raise ValueError(f"sense key specific data must be 3 bytes, got {len(self.data)}")
        return bytes(self.data)


SenseKeySpecific = (
    FieldPointer
    | ActualRetryCount
    | ProgressIndication
    | SegmentPointer
    | UnitAttentionQueueOverflow
    | RawSenseKeySpecific
)

_SKS_KEYS: dict[type, tuple[SenseKey, ...]] = {
    FieldPointer: (SenseKey.ILLEGAL_REQUEST,),
    ActualRetryCount: (
        SenseKey.RECOVERED_ERROR,
        SenseKey.MEDIUM_ERROR,
        SenseKey.HARDWARE_ERROR,
    ),
    ProgressIndication: (SenseKey.NO_SENSE, SenseKey.NOT_READY),
    SegmentPointer: (SenseKey.COPY_ABORTED,),
    UnitAttentionQueueOverflow: (SenseKey.UNIT_ATTENTION,),
}


def _decode_sks(key: int, raw: bytes) -> SenseKeySpecific | None:
    """Decode 3 sense-key specific bytes; None when SKSV is 0."""
    if len(raw) < 3 or not raw[0] & 0x80:
        return None
    value = raw[1] << 8 | raw[2]
    if key == SenseKey.ILLEGAL_REQUEST:
        return FieldPointer(bool(raw[0] & 0x40), value, bool(raw[0] & 0x08), raw[0] & 0x07)
    if key in (SenseKey.RECOVERED_ERROR, SenseKey.MEDIUM_ERROR, SenseKey.HARDWARE_ERROR):
        return ActualRetryCount(value)
    if key in (SenseKey.NO_SENSE, SenseKey.NOT_READY):
        return ProgressIndication(value)
    if key == SenseKey.COPY_ABORTED:
        return SegmentPointer(bool(raw[0] & 0x20), value, bool(raw[0] & 0x08), raw[0] & 0x07)
    if key == SenseKey.UNIT_ATTENTION:
        return UnitAttentionQueueOverflow(bool(raw[0] & 0x01))
    return RawSenseKeySpecific(bytes(raw[:3]))


def _encode_sks(key: int, sks: SenseKeySpecific) -> bytes:
    allowed = _SKS_KEYS.get(type(sks))
    if allowed is not None and key not in allowed:
        names = " or ".join(k.text for k in allowed)
        raise ValueError(
            f"sense_key_specific: {type(sks).__name__} needs sense key {names}, "
            f"not {sense_key_name(key)}"
        )
    return sks.encode()


# --- sense data descriptors (SPC-4 4.5.2) ------------------------------------------------------


def _header(descriptor_type: int, body: bytes) -> bytes:
    if len(body) > 0xFF:
        raise ValueError(f"descriptor 0x{descriptor_type:02x} body is {len(body)} bytes (max 255)")
    return bytes((descriptor_type, len(body))) + body


@dataclass(slots=True)
class InformationDescriptor:
    """Type 00h: the INFORMATION field (e.g. the first LBA in error)."""

    DESCRIPTOR_TYPE: ClassVar[int] = 0x00
    information: int
    valid: bool = True

    def encode(self) -> bytes:
        _check("information", self.information, 64)
        body = bytes((0x80 if self.valid else 0, 0)) + self.information.to_bytes(8, "big")
        return _header(self.DESCRIPTOR_TYPE, body)


@dataclass(slots=True)
class CommandSpecificDescriptor:
    """Type 01h: command-specific information (e.g. EXTENDED COPY, REASSIGN BLOCKS)."""

    DESCRIPTOR_TYPE: ClassVar[int] = 0x01
    information: int

    def encode(self) -> bytes:
        _check("information", self.information, 64)
        return _header(self.DESCRIPTOR_TYPE, b"\x00\x00" + self.information.to_bytes(8, "big"))


@dataclass(slots=True)
class SenseKeySpecificDescriptor:
    """Type 02h: sense-key specific information (None when SKSV is 0)."""

    DESCRIPTOR_TYPE: ClassVar[int] = 0x02
    sense_key_specific: SenseKeySpecific | None

    def encode(self) -> bytes:
        sks = (
            b"\x00\x00\x00" if self.sense_key_specific is None else self.sense_key_specific.encode()
        )
        return _header(self.DESCRIPTOR_TYPE, b"\x00\x00" + sks + b"\x00")


@dataclass(slots=True)
class FieldReplaceableUnitDescriptor:
    """Type 03h: the FIELD REPLACEABLE UNIT CODE."""

    DESCRIPTOR_TYPE: ClassVar[int] = 0x03
    code: int

    def encode(self) -> bytes:
        _check("code", self.code, 8)
        return _header(self.DESCRIPTOR_TYPE, bytes((0, self.code)))


@dataclass(slots=True)
class StreamCommandsDescriptor:
    """Type 04h (SSC): FILEMARK, EOM and ILI bits."""

    DESCRIPTOR_TYPE: ClassVar[int] = 0x04
    filemark: bool = False
    eom: bool = False
    ili: bool = False

    def encode(self) -> bytes:
        bits = (
            (0x80 if self.filemark else 0) | (0x40 if self.eom else 0) | (0x20 if self.ili else 0)
        )
        return _header(self.DESCRIPTOR_TYPE, bytes((0, bits)))


@dataclass(slots=True)
class BlockCommandsDescriptor:
    """Type 05h (SBC): the ILI bit."""

    DESCRIPTOR_TYPE: ClassVar[int] = 0x05
    ili: bool = False

    def encode(self) -> bytes:
        return _header(self.DESCRIPTOR_TYPE, bytes((0, 0x20 if self.ili else 0)))


@dataclass(slots=True)
class AtaStatusReturnDescriptor:
    """Type 09h (SAT): the ATA registers after an ATA PASS-THROUGH command.

    ``count`` and ``lba`` are assembled from all bytes; with ``extend`` False only the low 8
    bits of the count and the low 28 bits of the LBA are meaningful.
    """

    DESCRIPTOR_TYPE: ClassVar[int] = 0x09
    extend: bool
    error: int
    count: int
    lba: int
    device: int
    status: int

    def encode(self) -> bytes:
        for name, value, bits in (
            ("error", self.error, 8),
            ("count", self.count, 16),
            ("lba", self.lba, 48),
            ("device", self.device, 8),
            ("status", self.status, 8),
        ):
            _check(name, value, bits)
        lba = self.lba.to_bytes(6, "big")  # bits 47..0
        body = bytes(
            (
                0x01 if self.extend else 0,
                self.error,
                self.count >> 8,
                self.count & 0xFF,
                lba[2],  # LBA 31:24
                lba[5],  # LBA 7:0
                lba[1],  # LBA 39:32
                lba[4],  # LBA 15:8
                lba[0],  # LBA 47:40
                lba[3],  # LBA 23:16
                self.device,
                self.status,
            )
        )
        return _header(self.DESCRIPTOR_TYPE, body)


@dataclass(slots=True)
class AnotherProgressIndicationDescriptor:
    """Type 0Ah: progress of an operation other than the one the sense data reports."""

    DESCRIPTOR_TYPE: ClassVar[int] = 0x0A
    key: SenseKey
    asc: int
    ascq: int
    progress: ProgressIndication

    def encode(self) -> bytes:
        _check("key", self.key, 4)
        _check("asc", self.asc, 8)
        _check("ascq", self.ascq, 8)
        _check("progress", self.progress.progress, 16)
        body = bytes((self.key, self.asc, self.ascq, 0)) + self.progress.progress.to_bytes(2, "big")
        return _header(self.DESCRIPTOR_TYPE, body)


@dataclass(slots=True)
class TargetPortGroupReferral:
    """One target port group of a user data segment referral, and its access state."""

    asymmetric_access_state: int
    target_port_group: int


@dataclass(slots=True)
class UserDataSegment:
    """An LBA range of a user data segment referral and the port groups that serve it."""

    first_lba: int
    last_lba: int
    target_port_groups: list[TargetPortGroupReferral] = field(default_factory=list)


@dataclass(slots=True)
class UserDataSegmentReferralDescriptor:
    """Type 0Bh (SBC): where user data segments may be accessed; ``not_all_r`` is NOT_ALL_R."""

    DESCRIPTOR_TYPE: ClassVar[int] = 0x0B
    not_all_r: bool = False
    segments: list[UserDataSegment] = field(default_factory=list)

    def encode(self) -> bytes:
        body = bytearray((0x01 if self.not_all_r else 0, 0))
        for seg in self.segments:
            _check("first_lba", seg.first_lba, 64)
            _check("last_lba", seg.last_lba, 64)
            _check("number of target port groups", len(seg.target_port_groups), 8)
            body += bytes((0, 0, 0, len(seg.target_port_groups)))
            body += seg.first_lba.to_bytes(8, "big") + seg.last_lba.to_bytes(8, "big")
            for tpg in seg.target_port_groups:
                _check("asymmetric_access_state", tpg.asymmetric_access_state, 4)
                _check("target_port_group", tpg.target_port_group, 16)
                body += bytes((tpg.asymmetric_access_state, 0))
                body += tpg.target_port_group.to_bytes(2, "big")
        return _header(self.DESCRIPTOR_TYPE, bytes(body))


@dataclass(slots=True)
class ForwardedSenseDataDescriptor:
    """Type 0Ch: sense data forwarded from a copy source or destination (EXTENDED COPY).

    ``sense_data_source`` 0 is the copy source, 1-7 copy destinations 0-6.
    """

    DESCRIPTOR_TYPE: ClassVar[int] = 0x0C
    fsdt: bool
    sense_data_source: int
    forwarded_status: int
    sense_data: bytes = b""

    @property
    def sense(self) -> Sense | None:
        """The forwarded sense data decoded, or None if there is none or it is not sense data."""
        if not self.sense_data:
            return None
        try:
            return parse_sense(self.sense_data)
        except ValueError:
            return None

    def encode(self) -> bytes:
        _check("sense_data_source", self.sense_data_source, 4)
        _check("forwarded_status", self.forwarded_status, 8)
        first = (0x80 if self.fsdt else 0) | self.sense_data_source
        return _header(
            self.DESCRIPTOR_TYPE, bytes((first, self.forwarded_status)) + bytes(self.sense_data)
        )


@dataclass(slots=True)
class DirectAccessBlockDeviceDescriptor:
    """Type 0Dh (SBC): information, command-specific, sense-key specific and FRU in one."""

    DESCRIPTOR_TYPE: ClassVar[int] = 0x0D
    valid: bool
    ili: bool
    sense_key_specific: SenseKeySpecific | None
    field_replaceable_unit_code: int
    information: int
    command_specific: int

    def encode(self) -> bytes:
        _check("field_replaceable_unit_code", self.field_replaceable_unit_code, 8)
        _check("information", self.information, 64)
        _check("command_specific", self.command_specific, 64)
        sks = (
            b"\x00\x00\x00" if self.sense_key_specific is None else self.sense_key_specific.encode()
        )
        body = (
            bytes(((0x80 if self.valid else 0) | (0x20 if self.ili else 0), 0))
            + sks
            + bytes((self.field_replaceable_unit_code,))
            + self.information.to_bytes(8, "big")
            + self.command_specific.to_bytes(8, "big")
            + bytes(8)  # bytes 24-31 reserved
        )
        return _header(self.DESCRIPTOR_TYPE, body)


@dataclass(slots=True)
class DeviceDesignationDescriptor:
    """Type 0Eh (SPC-5): a designation descriptor (as in VPD page 83h) and why it is given."""

    DESCRIPTOR_TYPE: ClassVar[int] = 0x0E
    usage_reason: int
    protocol_identifier: int
    code_set: int
    piv: bool
    association: int
    designator_type: int
    designator: bytes

    def encode(self) -> bytes:
        for name, value, bits in (
            ("usage_reason", self.usage_reason, 8),
            ("protocol_identifier", self.protocol_identifier, 4),
            ("code_set", self.code_set, 4),
            ("association", self.association, 2),
            ("designator_type", self.designator_type, 4),
            ("designator length", len(self.designator), 8),
        ):
            _check(name, value, bits)
        designation = bytes(
            (
                self.protocol_identifier << 4 | self.code_set,
                (0x80 if self.piv else 0) | self.association << 4 | self.designator_type,
                0,
                len(self.designator),
            )
        ) + bytes(self.designator)
        return _header(self.DESCRIPTOR_TYPE, bytes((0, self.usage_reason)) + designation)


@dataclass(slots=True)
class MicrocodeActivationDescriptor:
    """Type 0Fh (SPC-5): seconds until new microcode is active (0 = not known)."""

    DESCRIPTOR_TYPE: ClassVar[int] = 0x0F
    activation_time: int

    def encode(self) -> bytes:
        _check("activation_time", self.activation_time, 16)
        return _header(self.DESCRIPTOR_TYPE, bytes(4) + self.activation_time.to_bytes(2, "big"))


@dataclass(slots=True)
class RawDescriptor:
    """A descriptor kept as bytes: OSD (06h-08h), vendor specific, unknown, or malformed.

    ``data`` is everything after the two header bytes.
    """

    descriptor_type: int
    data: bytes = b""

    def encode(self) -> bytes:
        _check("descriptor_type", self.descriptor_type, 8)
        return _header(self.descriptor_type, bytes(self.data))


SenseDescriptor = (
    InformationDescriptor
    | CommandSpecificDescriptor
    | SenseKeySpecificDescriptor
    | FieldReplaceableUnitDescriptor
    | StreamCommandsDescriptor
    | BlockCommandsDescriptor
    | AtaStatusReturnDescriptor
    | AnotherProgressIndicationDescriptor
    | UserDataSegmentReferralDescriptor
    | ForwardedSenseDataDescriptor
    | DirectAccessBlockDeviceDescriptor
    | DeviceDesignationDescriptor
    | MicrocodeActivationDescriptor
    | RawDescriptor
)

# The least body length (bytes after the 2-byte header) each typed descriptor needs.
_MIN_BODY: dict[int, int] = {
    0x00: 10,
    0x01: 10,
    0x02: 5,
    0x03: 2,
    0x04: 2,
    0x05: 2,
    0x09: 12,
    0x0A: 6,
    0x0B: 2,
    0x0C: 2,
    0x0D: 22,
    0x0E: 6,
    0x0F: 6,
}


def _decode_segments(body: bytes) -> list[UserDataSegment] | None:
    segments: list[UserDataSegment] = []
    pos = 2
    while pos < len(body):
        if pos + 20 > len(body):
            return None
        count = body[pos + 3]
        end = pos + 20 + 4 * count
        if end > len(body):
            return None
        groups = [
            TargetPortGroupReferral(body[p] & 0x0F, _be(body, p + 2, 2))
            for p in range(pos + 20, end, 4)
        ]
        segments.append(UserDataSegment(_be(body, pos + 4, 8), _be(body, pos + 12, 8), groups))
        pos = end
    return segments


def _decode_descriptor(dtype: int, body: bytes, key: int) -> SenseDescriptor:
    """Decode one descriptor from its body (the bytes after type and length)."""
    if len(body) < _MIN_BODY.get(dtype, 1 << 16):
        return RawDescriptor(dtype, body)
    if dtype == 0x00:
        return InformationDescriptor(_be(body, 2, 8), bool(body[0] & 0x80))
    if dtype == 0x01:
        return CommandSpecificDescriptor(_be(body, 2, 8))
    if dtype == 0x02:
        return SenseKeySpecificDescriptor(_decode_sks(key, body[2:5]))
    if dtype == 0x03:
        return FieldReplaceableUnitDescriptor(body[1])
    if dtype == 0x04:
        b = body[1]
        return StreamCommandsDescriptor(bool(b & 0x80), bool(b & 0x40), bool(b & 0x20))
    if dtype == 0x05:
        return BlockCommandsDescriptor(bool(body[1] & 0x20))
    if dtype == 0x09:
        lba = body[8] << 40 | body[6] << 32 | body[4] << 24 | body[9] << 16 | body[7] << 8 | body[5]
        return AtaStatusReturnDescriptor(
            bool(body[0] & 0x01), body[1], body[2] << 8 | body[3], lba, body[10], body[11]
        )
    if dtype == 0x0A:
        return AnotherProgressIndicationDescriptor(
            SenseKey(body[0] & 0x0F), body[1], body[2], ProgressIndication(_be(body, 4, 2))
        )
    if dtype == 0x0B:
        segments = _decode_segments(body)
        if segments is None:
            return RawDescriptor(dtype, body)
        return UserDataSegmentReferralDescriptor(bool(body[0] & 0x01), segments)
    if dtype == 0x0C:
        return ForwardedSenseDataDescriptor(
            bool(body[0] & 0x80), body[0] & 0x0F, body[1], bytes(body[2:])
        )
    if dtype == 0x0D:
        return DirectAccessBlockDeviceDescriptor(
            valid=bool(body[0] & 0x80),
            ili=bool(body[0] & 0x20),
            sense_key_specific=_decode_sks(key, body[2:5]),
            field_replaceable_unit_code=body[5],
            information=_be(body, 6, 8),
            command_specific=_be(body, 14, 8),
        )
    if dtype == 0x0E:
        length = body[5]
        if 6 + length > len(body):
            return RawDescriptor(dtype, body)
        return DeviceDesignationDescriptor(
            usage_reason=body[1],
            protocol_identifier=body[2] >> 4,
            code_set=body[2] & 0x0F,
            piv=bool(body[3] & 0x80),
            association=(body[3] >> 4) & 0x03,
            designator_type=body[3] & 0x0F,
            designator=bytes(body[6 : 6 + length]),
        )
    # 0x0F: the only type left with a _MIN_BODY entry
    return MicrocodeActivationDescriptor(_be(body, 4, 2))


# --- sense data ---------------------------------------------------------------------------------

_D = TypeVar("_D")


@dataclass(slots=True)
class Sense:
    """Decoded sense data; ``str()`` reads ``"ILLEGAL REQUEST: ... (0x24/0x00)"``."""

    response_code: int
    deferred: bool
    valid: bool
    key: SenseKey
    asc: int = 0
    ascq: int = 0
    information: int | None = None
    command_specific: int | None = None
    sense_key_specific: SenseKeySpecific | None = None
    filemark: bool = False
    eom: bool = False
    ili: bool = False
    sdat_ovfl: bool = False
    field_replaceable_unit_code: int | None = None
    additional_sense_length: int = 0
    additional_sense_bytes: bytes = b""
    descriptors: list[SenseDescriptor] = field(default_factory=list)
    truncated: bool = False

    @property
    def descriptor_format(self) -> bool:
        """True for descriptor format (72h/73h), False for fixed format (70h/71h)."""
        return self.response_code in (DESCRIPTOR_CURRENT, DESCRIPTOR_DEFERRED)

    @property
    def description(self) -> str:
        """The T10 description of the ASC/ASCQ pair."""
        return describe_asc(self.asc, self.ascq)

    def find(self, kind: type[_D]) -> _D | None:
        """The first descriptor of class ``kind``, or None."""
        for descriptor in self.descriptors:
            if isinstance(descriptor, kind):
                return descriptor
        return None

    def __str__(self) -> str:
        return f"{self.key.text}: {self.description} (0x{self.asc:02x}/0x{self.ascq:02x})"


def parse_sense(data: bytes | bytearray | memoryview) -> Sense:
    """Decode fixed (70h/71h) or descriptor (72h/73h) format sense data.

    Bytes past the ADDITIONAL SENSE LENGTH are ignored. Data shorter than its header or its
    additional sense length is decoded as far as it goes, with ``truncated=True``.
    Raises ValueError for empty data or a RESPONSE CODE other than 70h-73h.
    """
    raw = bytes(data)
    if not raw:
        raise ValueError("sense data is empty")
    code = raw[0] & 0x7F
    if code not in (FIXED_CURRENT, FIXED_DEFERRED, DESCRIPTOR_CURRENT, DESCRIPTOR_DEFERRED):
        what = "vendor specific format" if code == 0x7F else "not a sense data format"
        raise ValueError(f"sense data RESPONSE CODE is 0x{code:02x} ({what}); expected 0x70-0x73")
    if len(raw) >= 8:
        length = raw[7]
        truncated = len(raw) < 8 + length
        raw = raw[: 8 + length]
    else:
        length = 0
        truncated = True
    if code in (FIXED_CURRENT, FIXED_DEFERRED):
        return _parse_fixed(raw, code, length, truncated)
    return _parse_descriptor(raw, code, length, truncated)


def _byte(raw: bytes, index: int) -> int:
    return raw[index] if index < len(raw) else 0


def _parse_fixed(raw: bytes, code: int, length: int, truncated: bool) -> Sense:
    flags = _byte(raw, 2)
    key = flags & 0x0F
    valid = bool(raw[0] & 0x80)
    sense = Sense(
        response_code=code,
        deferred=code == FIXED_DEFERRED,
        valid=valid,
        key=SenseKey(key),
        asc=_byte(raw, 12),
        ascq=_byte(raw, 13),
        information=_be(raw, 3, 4) if valid and len(raw) >= 7 else None,
        command_specific=_be(raw, 8, 4) if len(raw) >= 12 else None,
        sense_key_specific=_decode_sks(key, raw[15:18]),
        filemark=bool(flags & 0x80),
        eom=bool(flags & 0x40),
        ili=bool(flags & 0x20),
        sdat_ovfl=bool(flags & 0x10),
        field_replaceable_unit_code=raw[14] if len(raw) > 14 else None,
        additional_sense_length=length,
        additional_sense_bytes=raw[18:],
        truncated=truncated,
    )
    return sense


def _parse_descriptor(raw: bytes, code: int, length: int, truncated: bool) -> Sense:
    key = _byte(raw, 1) & 0x0F
    sense = Sense(
        response_code=code,
        deferred=code == DESCRIPTOR_DEFERRED,
        valid=False,
        key=SenseKey(key),
        asc=_byte(raw, 2),
        ascq=_byte(raw, 3),
        sdat_ovfl=bool(_byte(raw, 4) & 0x80),
        additional_sense_length=length,
        truncated=truncated,
    )
    pos = 8
    while pos < len(raw):
        dtype = raw[pos]
        if pos + 2 > len(raw) or pos + 2 + raw[pos + 1] > len(raw):
            sense.descriptors.append(RawDescriptor(dtype, raw[pos + 2 :]))
            sense.truncated = True
            break
        end = pos + 2 + raw[pos + 1]
        descriptor = _decode_descriptor(dtype, raw[pos + 2 : end], key)
        sense.descriptors.append(descriptor)
        _apply(sense, descriptor)
        pos = end
    return sense


def _apply(sense: Sense, d: SenseDescriptor) -> None:
    """Copy a descriptor's fields into the Sense summary fields (first one wins)."""
    if isinstance(d, InformationDescriptor) and sense.information is None:
        sense.information = d.information
        sense.valid = d.valid
    elif isinstance(d, CommandSpecificDescriptor) and sense.command_specific is None:
        sense.command_specific = d.information
    elif isinstance(d, SenseKeySpecificDescriptor) and sense.sense_key_specific is None:
        sense.sense_key_specific = d.sense_key_specific
    elif (
        isinstance(d, FieldReplaceableUnitDescriptor) and sense.field_replaceable_unit_code is None
    ):
        sense.field_replaceable_unit_code = d.code
    elif isinstance(d, StreamCommandsDescriptor):
        sense.filemark |= d.filemark
        sense.eom |= d.eom
        sense.ili |= d.ili
    elif isinstance(d, BlockCommandsDescriptor):
        sense.ili |= d.ili
    elif isinstance(d, DirectAccessBlockDeviceDescriptor):
        sense.ili |= d.ili
        if d.valid and sense.information is None:
            sense.information = d.information
            sense.valid = True
        if sense.command_specific is None:
            sense.command_specific = d.command_specific
        if sense.sense_key_specific is None:
            sense.sense_key_specific = d.sense_key_specific
        if sense.field_replaceable_unit_code is None:
            sense.field_replaceable_unit_code = d.field_replaceable_unit_code


# --- builders -----------------------------------------------------------------------------------


def _check_header(key: int, asc: int, ascq: int) -> None:
    _check("key", key, 4)
    _check("asc", asc, 8)
    _check("ascq", ascq, 8)


def build_fixed_sense(
    key: int,
    asc: int,
    ascq: int,
    *,
    deferred: bool = False,
    information: int | None = None,
    command_specific: int = 0,
    sense_key_specific: SenseKeySpecific | None = None,
    filemark: bool = False,
    eom: bool = False,
    ili: bool = False,
    sdat_ovfl: bool = False,
    field_replaceable_unit_code: int = 0,
    additional_sense_bytes: bytes = b"",
) -> bytes:
    """Fixed format sense data (18 bytes plus ``additional_sense_bytes``).

    ``information`` None leaves VALID 0. Raises ValueError naming a field that does not fit.
    """
    _check_header(key, asc, ascq)
    if information is not None:
        _check("information", information, 32)
    _check("command_specific", command_specific, 32)
    _check("field_replaceable_unit_code", field_replaceable_unit_code, 8)
    length = 10 + len(additional_sense_bytes)
    if 8 + length > MAX_SENSE_LENGTH:
        raise ValueError(
            f"additional_sense_bytes: {len(additional_sense_bytes)} bytes make the sense data "
            f"longer than {MAX_SENSE_LENGTH}"
        )
    sks = b"\x00\x00\x00" if sense_key_specific is None else _encode_sks(key, sense_key_specific)
    first = (FIXED_DEFERRED if deferred else FIXED_CURRENT) | (
        0x80 if information is not None else 0
    )
    flags = (
        (0x80 if filemark else 0)
        | (0x40 if eom else 0)
        | (0x20 if ili else 0)
        | (0x10 if sdat_ovfl else 0)
        | key
    )
    return (
        bytes((first, 0, flags))
        + (information or 0).to_bytes(4, "big")
        + bytes((length,))
        + command_specific.to_bytes(4, "big")
        + bytes((asc, ascq, field_replaceable_unit_code))
        + sks
        + bytes(additional_sense_bytes)
    )


def build_descriptor_sense(
    key: int,
    asc: int,
    ascq: int,
    descriptors: Sequence[SenseDescriptor] = (),
    *,
    deferred: bool = False,
    sdat_ovfl: bool = False,
) -> bytes:
    """Descriptor format sense data with ``descriptors`` in order.

    Raises ValueError naming a field that does not fit, or if a sense-key specific
    descriptor's format does not belong to ``key``.
    """
    _check_header(key, asc, ascq)
    body = bytearray()
    for descriptor in descriptors:
        sks: SenseKeySpecific | None = None
        if isinstance(descriptor, SenseKeySpecificDescriptor | DirectAccessBlockDeviceDescriptor):
            sks = descriptor.sense_key_specific
        if sks is not None:
            _encode_sks(key, sks)
        body += descriptor.encode()
    if 8 + len(body) > MAX_SENSE_LENGTH:
        raise ValueError(
            f"descriptors: {len(body)} bytes make the sense data longer than {MAX_SENSE_LENGTH}"
        )
    first = DESCRIPTOR_DEFERRED if deferred else DESCRIPTOR_CURRENT
    header = bytes((first, key, asc, ascq, 0x80 if sdat_ovfl else 0, 0, 0, len(body)))
    return header + bytes(body)
