"""Login and text keys (RFC 7143 sections 6 and 13), initiator side.

Sans-I/O: this module turns key=value text into pairs and back, and negotiates the
operational keys of one login.  Every rule comes from :data:`KEYS`, one
:class:`KeySpec` per RFC 7143 key, which says the key's kind (how its value is
agreed), legal range, default, when it may be used and who may send it.

The result functions (RFC 7143 section 6.2):

* list: the responder picks the first value of the originator's list it supports;
* numerical-min / numerical-max: the responder answers a value between the limits;
  the smaller (larger) of the two offers is agreed;
* boolean-and / boolean-or: ``Yes`` AND/OR the other side's value; when the
  originator's value decides the result alone (AND with ``No``, OR with ``Yes``)
  the responder need not answer;
* declarative: each side states its own value, nothing is answered.

Keys offered and agreed are logged at DEBUG on the ``pyiscsi.login`` logger as
``Key=Value``.  No key handled here carries a secret.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable
from dataclasses import field

from pyiscsi._dataclass import dataclass
from pyiscsi.errors import (
    ConfigurationError,
    LocalProtocolError,
    NegotiationError,
    ProtocolError,
)

__all__ = [
    "ISCSI_PROTOCOL_LEVEL",
    "KEYS",
    "KeyKind",
    "KeySpec",
    "Negotiated",
    "Negotiation",
    "OperationalSettings",
    "Use",
    "decode_text",
    "encode_text",
    "format_number",
    "parse_number",
]

log = logging.getLogger("pyiscsi.login")

#: The iSCSIProtocolLevel this initiator implements (RFC 7143 is level 1).
ISCSI_PROTOCOL_LEVEL = 1

#: The answers a responder may give instead of a value (RFC 7143 section 6.2).
NOT_UNDERSTOOD = "NotUnderstood"
IRRELEVANT = "Irrelevant"
REJECT = "Reject"
_NON_VALUES = frozenset({NOT_UNDERSTOOD, IRRELEVANT, REJECT})

_MAX_24 = 2**24 - 1
_SESSION_TYPES = ("Discovery", "Normal")
_DIGESTS = ("CRC32C", "None")


class KeyKind(enum.Enum):
    """How the value of a key is agreed (RFC 7143 section 6.2)."""

    DECLARATIVE = "declarative"
    LIST = "list"
    NUMERICAL_MIN = "numerical-min"
    NUMERICAL_MAX = "numerical-max"
    BOOLEAN_AND = "boolean-and"
    BOOLEAN_OR = "boolean-or"
    RANGE = "range"  # IFMarkInt/OFMarkInt of RFC 3720, obsolete in RFC 7143


class Use(enum.Enum):
    """When a key may be sent (the "Use" line of RFC 7143 section 13)."""

    LO = "leading login only"
    IO = "initialize only (any login)"
    ALL = "login and full feature phase"
    FFPO = "full feature phase only"
    SECURITY = "security negotiation only"


@dataclass(frozen=True, slots=True)
class KeySpec:
    """One RFC 7143 key: how it is negotiated and what values are legal.

    ``sender`` is ``"I"`` (initiator only), ``"T"`` (target only) or ``"IT"``.
    ``minimum``/``maximum`` bound numerical values; ``values`` lists the legal
    constants of list and enumerated keys.  ``discovery`` is False for keys that are
    Irrelevant when SessionType=Discovery.  ``field`` names the attribute of
    :class:`Negotiated` (and :class:`OperationalSettings`) holding the key.
    """

    name: str
    kind: KeyKind
    use: Use
    sender: str
    default: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    values: tuple[str, ...] = ()
    discovery: bool = True
    obsolete: bool = False
    field: str | None = None

    @property
    def numerical(self) -> bool:
        """True when the key's value is a number."""
        return self.minimum is not None


def _spec(*specs: KeySpec) -> dict[str, KeySpec]:
    return {s.name: s for s in specs}


_K = KeyKind
#: Every key of RFC 7143 section 13 (and the RFC 3720 keys it obsoletes).
KEYS: dict[str, KeySpec] = _spec(
    KeySpec(
        "AuthMethod",
        _K.LIST,
        Use.SECURITY,
        "IT",
        "None",
        values=("KRB5", "SRP", "SPKM1", "SPKM2", "CHAP", "None"),
    ),
    KeySpec("HeaderDigest", _K.LIST, Use.IO, "IT", "None", values=_DIGESTS, field="header_digest"),
    KeySpec("DataDigest", _K.LIST, Use.IO, "IT", "None", values=_DIGESTS, field="data_digest"),
    KeySpec(
        "MaxConnections",
        _K.NUMERICAL_MIN,
        Use.LO,
        "IT",
        "1",
        1,
        65535,
        discovery=False,
        field="max_connections",
    ),
    KeySpec("SendTargets", _K.DECLARATIVE, Use.FFPO, "I"),
    KeySpec("TargetName", _K.DECLARATIVE, Use.IO, "IT"),
    KeySpec("InitiatorName", _K.DECLARATIVE, Use.IO, "I"),
    KeySpec("TargetAlias", _K.DECLARATIVE, Use.ALL, "T", field="target_alias"),
    KeySpec("InitiatorAlias", _K.DECLARATIVE, Use.ALL, "I"),
    KeySpec("TargetAddress", _K.DECLARATIVE, Use.ALL, "T"),
    KeySpec(
        "TargetPortalGroupTag",
        _K.DECLARATIVE,
        Use.IO,
        "T",
        None,
        0,
        65535,
        field="target_portal_group_tag",
    ),
    KeySpec("InitialR2T", _K.BOOLEAN_OR, Use.LO, "IT", "Yes", discovery=False, field="initial_r2t"),
    KeySpec(
        "ImmediateData",
        _K.BOOLEAN_AND,
        Use.LO,
        "IT",
        "Yes",
        discovery=False,
        field="immediate_data",
    ),
    KeySpec(
        "MaxRecvDataSegmentLength",
        _K.DECLARATIVE,
        Use.ALL,
        "IT",
        "8192",
        512,
        _MAX_24,
        field="max_recv_data_segment_length",
    ),
    KeySpec(
        "MaxBurstLength",
        _K.NUMERICAL_MIN,
        Use.LO,
        "IT",
        "262144",
        512,
        _MAX_24,
        discovery=False,
        field="max_burst_length",
    ),
    KeySpec(
        "FirstBurstLength",
        _K.NUMERICAL_MIN,
        Use.LO,
        "IT",
        "65536",
        512,
        _MAX_24,
        discovery=False,
        field="first_burst_length",
    ),
    KeySpec(
        "DefaultTime2Wait", _K.NUMERICAL_MAX, Use.LO, "IT", "2", 0, 3600, field="default_time2wait"
    ),
    KeySpec(
        "DefaultTime2Retain",
        _K.NUMERICAL_MIN,
        Use.LO,
        "IT",
        "20",
        0,
        3600,
        field="default_time2retain",
    ),
    KeySpec(
        "MaxOutstandingR2T",
        _K.NUMERICAL_MIN,
        Use.LO,
        "IT",
        "1",
        1,
        65535,
        discovery=False,
        field="max_outstanding_r2t",
    ),
    KeySpec(
        "DataPDUInOrder",
        _K.BOOLEAN_OR,
        Use.LO,
        "IT",
        "Yes",
        discovery=False,
        field="data_pdu_in_order",
    ),
    KeySpec(
        "DataSequenceInOrder",
        _K.BOOLEAN_OR,
        Use.LO,
        "IT",
        "Yes",
        discovery=False,
        field="data_sequence_in_order",
    ),
    KeySpec(
        "ErrorRecoveryLevel",
        _K.NUMERICAL_MIN,
        Use.LO,
        "IT",
        "0",
        0,
        2,
        field="error_recovery_level",
    ),
    KeySpec("SessionType", _K.DECLARATIVE, Use.LO, "I", "Normal", values=_SESSION_TYPES),
    KeySpec(
        "TaskReporting",
        _K.LIST,
        Use.LO,
        "IT",
        "RFC3720",
        values=("RFC3720", "ResponseFence", "FastAbort"),
        discovery=False,
    ),
    KeySpec("iSCSIProtocolLevel", _K.NUMERICAL_MIN, Use.LO, "IT", "1", 0, 31, discovery=False),
    KeySpec("IFMarker", _K.BOOLEAN_AND, Use.IO, "IT", "No", obsolete=True),
    KeySpec("OFMarker", _K.BOOLEAN_AND, Use.IO, "IT", "No", obsolete=True),
    KeySpec("IFMarkInt", _K.RANGE, Use.IO, "IT", "2048", 1, 65535, obsolete=True),
    KeySpec("OFMarkInt", _K.RANGE, Use.IO, "IT", "2048", 1, 65535, obsolete=True),
)

#: The most this initiator implements of keys whose RFC range is wider: one connection per
#: session, error recovery level 0 (a failed connection fails its commands, then recovery).
IMPLEMENTED: dict[str, int] = {"MaxConnections": 1, "ErrorRecoveryLevel": 0}
#: Most distinct unknown keys answered NotUnderstood in one login (vendor keys are a few).
MAX_UNKNOWN_KEYS = 256

#: Keys of the security stage (AuthMethod and the CHAP keys); not operational.
SECURITY_KEYS = frozenset({"AuthMethod", "CHAP_A", "CHAP_I", "CHAP_C", "CHAP_N", "CHAP_R"})

#: The order of the keys in the first operational Login PDU.
_OFFER_ORDER = (
    "HeaderDigest",
    "DataDigest",
    "MaxConnections",
    "InitialR2T",
    "ImmediateData",
    "MaxRecvDataSegmentLength",
    "MaxBurstLength",
    "FirstBurstLength",
    "DefaultTime2Wait",
    "DefaultTime2Retain",
    "MaxOutstandingR2T",
    "DataPDUInOrder",
    "DataSequenceInOrder",
    "ErrorRecoveryLevel",
    "IFMarker",
    "OFMarker",
)

#: What this initiator supports for keys that are not user settings.
_CONSTANT_OFFERS = {
    "IFMarker": "No",
    "OFMarker": "No",
    "TaskReporting": "RFC3720",
    "iSCSIProtocolLevel": str(ISCSI_PROTOCOL_LEVEL),
}


# --------------------------------------------------------------------------- text


def encode_text(pairs: Iterable[tuple[str, str]]) -> bytes:
    """Encode pairs as the data segment of a Login/Text PDU: ``k=v\\0k=v\\0``."""
    out = bytearray()
    for key, value in pairs:
        if not key or "=" in key or "\0" in key:
            raise ConfigurationError(f"invalid text key {key!r}")
        if "\0" in value:
            raise ConfigurationError(f"value of key {key} contains a NUL character")
        out += f"{key}={value}\0".encode()
    return bytes(out)


#: Most key=value pairs taken from one Login/Text exchange (a SendTargets answer of a big array
#: lists a few thousand); more is refused before any pair is built.
MAX_TEXT_PAIRS = 32768
#: Longest key name (RFC 7143 section 6.1: at most 63 bytes).
MAX_KEY_LENGTH = 63
#: Longest value (RFC 7143 section 6.1: text and large binary values are at most 8192 bytes).
MAX_VALUE_LENGTH = 8192
# a numerical value is at most 64 bits: 20 decimal or 16 hex digits after leading zeros
_MAX_DECIMAL_DIGITS = 20
_MAX_HEX_DIGITS = 16


def decode_text(
    data: bytes | memoryview | bytearray, max_pairs: int = MAX_TEXT_PAIRS
) -> list[tuple[str, str]]:
    """Decode the key=value pairs of a Login/Text data segment.

    Every pair must end with NUL; trailing NUL padding is ignored.  Raises
    :class:`~pyiscsi.errors.ProtocolError` on a pair without ``=``, an empty key, a key
    longer than 63 bytes, a value longer than 8192 bytes, bytes that are not UTF-8, or
    more than ``max_pairs`` pairs (counted before any is decoded).
    """
    raw = bytes(data)
    body = raw.rstrip(b"\0")
    if not body:
        return []
    if len(body) == len(raw):
        raise ProtocolError("text data does not end with a NUL character")
    count = body.count(b"\0") + 1
    if count > max_pairs:
        raise ProtocolError(f"text data holds {count} key=value pairs, more than {max_pairs}")
    pairs: list[tuple[str, str]] = []
    for item in body.split(b"\0"):
        raw_key, sep, raw_value = item.partition(b"=")
        if not sep:
            raise ProtocolError(f"text item {item[:64]!r} has no '='")
        if not raw_key:
            raise ProtocolError(f"text item {item[:64]!r} has an empty key")
        if len(raw_key) > MAX_KEY_LENGTH:
            raise ProtocolError(
                f"text key {raw_key[:64]!r}... is longer than {MAX_KEY_LENGTH} bytes"
            )
        if len(raw_value) > MAX_VALUE_LENGTH:
            raise ProtocolError(
                f"value of text key {raw_key[:64]!r} is {len(raw_value)} bytes, "
                f"longer than {MAX_VALUE_LENGTH}"
            )
        try:
            key = raw_key.decode("utf-8")
            value = raw_value.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(f"text key=value {item[:64]!r} is not valid UTF-8") from None
        pairs.append((key, value))
    return pairs


def parse_number(text: str) -> int:
    """Parse an RFC 7143 numerical value: decimal, or hex with a ``0x`` prefix, at most 64 bits.

    Raises :class:`~pyiscsi.errors.ProtocolError` on anything else (never ValueError).
    """
    if text[:2] in ("0x", "0X"):
        digits, base, most = text[2:], 16, _MAX_HEX_DIGITS
        ok = bool(digits) and all(c in "0123456789abcdefABCDEF" for c in digits)
    else:
        digits, base, most = text, 10, _MAX_DECIMAL_DIGITS
        ok = digits.isascii() and digits.isdigit()
    if not ok:
        raise ProtocolError(f"{_shown(text)} is not a number")
    digits = digits.lstrip("0") or "0"
    if len(digits) > most:
        raise ProtocolError(f"{_shown(text)} is larger than 64 bits")
    return int(digits, base)


def format_number(value: int) -> str:
    """Format a numerical value the way this initiator sends it (decimal)."""
    return str(value)


def _bool_text(value: bool) -> str:
    return "Yes" if value else "No"


# ----------------------------------------------------------------------- settings


@dataclass(slots=True)
class OperationalSettings:
    """The operational values this initiator offers (configurable by users).

    Digest tuples list the acceptable values in order of preference.
    """

    header_digest: tuple[str, ...] = ("None", "CRC32C")
    data_digest: tuple[str, ...] = ("None", "CRC32C")
    # 1 MiB: a target sends a big READ in fewer Data-In PDUs (against tgtd, 1 MiB READs took
    # 22 % less of our CPU per MiB and ran 10-15 % faster than with libiscsi's 256 KiB).
    # Declarative, so any target may still send smaller ones.
    max_recv_data_segment_length: int = 1048576
    max_burst_length: int = 262144
    first_burst_length: int = 262144
    immediate_data: bool = True
    initial_r2t: bool = False
    max_outstanding_r2t: int = 1
    default_time2wait: int = 2
    default_time2retain: int = 0
    max_connections: int = 1
    data_pdu_in_order: bool = True
    data_sequence_in_order: bool = True
    error_recovery_level: int = 0

    def validate(self) -> None:
        """Check every value against RFC 7143; raise ConfigurationError naming the field."""
        for key in ("HeaderDigest", "DataDigest"):
            spec = KEYS[key]
            name = spec.field or key
            offered = getattr(self, name)
            if not isinstance(offered, tuple) or not offered:
                raise ConfigurationError(f"{name} must be a non-empty tuple of digest names")
            for value in offered:
                if value not in spec.values:
                    raise ConfigurationError(
                        f"{name}: {value!r} is not a digest (use 'None' or 'CRC32C')"
                    )
            if len(set(offered)) != len(offered):
                raise ConfigurationError(f"{name} lists a digest twice: {offered!r}")
        for spec in KEYS.values():
            if spec.field is None or not hasattr(self, spec.field) or spec.kind is KeyKind.LIST:
                continue
            name = spec.field
            value = getattr(self, name)
            if spec.kind in (KeyKind.BOOLEAN_AND, KeyKind.BOOLEAN_OR):
                if not isinstance(value, bool):
                    raise ConfigurationError(f"{name}={value!r} is not a bool")
                continue
            assert spec.minimum is not None and spec.maximum is not None
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigurationError(f"{name}={value!r} is not an integer")
            if not spec.minimum <= value <= spec.maximum:
                raise ConfigurationError(
                    f"{name}={value} is out of range {spec.minimum}..{spec.maximum}"
                )
        for name, key in (
            ("max_connections", "MaxConnections"),
            ("error_recovery_level", "ErrorRecoveryLevel"),
        ):
            if getattr(self, name) != IMPLEMENTED[key]:
                raise ConfigurationError(
                    f"{name}={getattr(self, name)}: only {IMPLEMENTED[key]} is implemented"
                )
        if self.first_burst_length > self.max_burst_length:
            raise ConfigurationError(
                f"first_burst_length={self.first_burst_length} exceeds "
                f"max_burst_length={self.max_burst_length}"
            )

    def value_of(self, key: str) -> str:
        """Our value of ``key`` as sent on the wire (a list for list keys)."""
        constant = _CONSTANT_OFFERS.get(key)
        if constant is not None:
            return constant
        spec = KEYS[key]
        if spec.field is None or not hasattr(self, spec.field):
            raise KeyError(key)
        value = getattr(self, spec.field)
        if isinstance(value, tuple):
            return ",".join(value)
        if isinstance(value, bool):
            return _bool_text(value)
        return format_number(value)

    def offer(self, session_type: str) -> list[tuple[str, str]]:
        """The keys of the first operational Login PDU for ``session_type``.

        "Discovery" leaves out the keys RFC 7143 calls Irrelevant for discovery
        sessions (burst lengths, R2T, immediate data, ordering, MaxConnections).
        """
        if session_type not in _SESSION_TYPES:
            raise ConfigurationError(
                f"session type {session_type!r} is not 'Discovery' or 'Normal'"
            )
        self.validate()
        discovery = session_type == "Discovery"
        return [
            (key, self.value_of(key))
            for key in _OFFER_ORDER
            if KEYS[key].discovery or not discovery
        ]


# ---------------------------------------------------------------------- negotiated


@dataclass(slots=True)
class Negotiated:
    """The values agreed in login; the defaults are those of RFC 7143.

    ``max_recv_data_segment_length`` is ours (the most the target may send in one
    PDU); ``max_xmit_data_segment_length`` is the target's declared
    MaxRecvDataSegmentLength (the most we may send).
    """

    header_digest: bool = False
    data_digest: bool = False
    max_recv_data_segment_length: int = 8192
    max_xmit_data_segment_length: int = 8192
    max_burst_length: int = 262144
    first_burst_length: int = 65536
    immediate_data: bool = True
    initial_r2t: bool = True
    max_outstanding_r2t: int = 1
    default_time2wait: int = 2
    default_time2retain: int = 20
    max_connections: int = 1
    data_pdu_in_order: bool = True
    data_sequence_in_order: bool = True
    error_recovery_level: int = 0
    target_alias: str | None = None
    target_portal_group_tag: int | None = None
    #: The TSIH the target assigned to the session in the final Login Response (0: none yet).
    tsih: int = 0

    def as_keys(self) -> dict[str, str]:
        """The agreed values as key names and wire values, for display."""
        keys: dict[str, str] = {}
        for spec in KEYS.values():
            if spec.field is None or spec.kind is KeyKind.DECLARATIVE:
                continue
            value = getattr(self, spec.field)
            if spec.kind is KeyKind.LIST:
                keys[spec.name] = "CRC32C" if value else "None"
            elif isinstance(value, bool):
                keys[spec.name] = _bool_text(value)
            else:
                keys[spec.name] = format_number(value)
        keys["MaxRecvDataSegmentLength"] = format_number(self.max_recv_data_segment_length)
        keys["MaxXmitDataSegmentLength"] = format_number(self.max_xmit_data_segment_length)
        if self.target_alias is not None:
            keys["TargetAlias"] = self.target_alias
        if self.target_portal_group_tag is not None:
            keys["TargetPortalGroupTag"] = format_number(self.target_portal_group_tag)
        return keys


# ---------------------------------------------------------- per-kind rule tables
# Each table maps a KeyKind to one function; Negotiation looks the function up
# instead of branching on the key.


def _parse_bool(spec: KeySpec, value: str) -> bool:
    if value == "Yes":
        return True
    if value == "No":
        return False
    raise NegotiationError(f"{spec.name}={_shown(value)}: expected Yes or No")


def _parse_num(spec: KeySpec, value: str) -> int:
    assert spec.minimum is not None and spec.maximum is not None
    try:
        number = parse_number(value)
    except ProtocolError:
        raise NegotiationError(f"{spec.name}={_shown(value)}: expected a number") from None
    if not spec.minimum <= number <= spec.maximum:
        raise NegotiationError(
            f"{spec.name}={number} is out of range {spec.minimum}..{spec.maximum}"
        )
    return number


def _answer_list(spec: KeySpec, theirs: str, ours: str) -> str:
    """Responder: the first value of the target's list that we accept, else Reject."""
    acceptable = ours.split(",")
    for value in theirs.split(","):
        if value in acceptable:
            return value
    return REJECT


def _answer_min(spec: KeySpec, theirs: str, ours: str) -> str:
    return format_number(min(_parse_num(spec, theirs), _parse_num(spec, ours)))


def _answer_max(spec: KeySpec, theirs: str, ours: str) -> str:
    return format_number(max(_parse_num(spec, theirs), _parse_num(spec, ours)))


def _answer_and(spec: KeySpec, theirs: str, ours: str) -> str:
    return _bool_text(_parse_bool(spec, theirs) and _parse_bool(spec, ours))


def _answer_or(spec: KeySpec, theirs: str, ours: str) -> str:
    return _bool_text(_parse_bool(spec, theirs) or _parse_bool(spec, ours))


_Responder = Callable[[KeySpec, str, str], str]
_RESPOND: dict[KeyKind, _Responder] = {
    KeyKind.LIST: _answer_list,
    KeyKind.NUMERICAL_MIN: _answer_min,
    KeyKind.NUMERICAL_MAX: _answer_max,
    KeyKind.BOOLEAN_AND: _answer_and,
    KeyKind.BOOLEAN_OR: _answer_or,
}


def _check_list(spec: KeySpec, answer: str, offered: str) -> str:
    if answer not in offered.split(","):
        raise NegotiationError(
            f"target answered {spec.name}={_shown(answer)}, which is not one of the offered "
            f"values {offered}"
        )
    return answer


def _check_min(spec: KeySpec, answer: str, offered: str) -> str:
    number = _parse_num(spec, answer)
    if number > parse_number(offered):
        raise NegotiationError(
            f"target answered {spec.name}={number}, more than the offered {offered}"
        )
    return format_number(number)


def _check_max(spec: KeySpec, answer: str, offered: str) -> str:
    number = _parse_num(spec, answer)
    if number < parse_number(offered):
        raise NegotiationError(
            f"target answered {spec.name}={number}, less than the offered {offered}"
        )
    return format_number(number)


def _check_and(spec: KeySpec, answer: str, offered: str) -> str:
    if _parse_bool(spec, answer) and offered == "No":
        raise NegotiationError(f"target answered {spec.name}=Yes, but we offered No")
    return answer


def _check_or(spec: KeySpec, answer: str, offered: str) -> str:
    if not _parse_bool(spec, answer) and offered == "Yes":
        raise NegotiationError(f"target answered {spec.name}=No, but we offered Yes")
    return answer


_Checker = Callable[[KeySpec, str, str], str]
_CHECK: dict[KeyKind, _Checker] = {
    KeyKind.LIST: _check_list,
    KeyKind.NUMERICAL_MIN: _check_min,
    KeyKind.NUMERICAL_MAX: _check_max,
    KeyKind.BOOLEAN_AND: _check_and,
    KeyKind.BOOLEAN_OR: _check_or,
}

#: Boolean offers whose value alone decides the result: no answer is needed.
_DECIDED_BY_OFFER = {(KeyKind.BOOLEAN_AND, "No"), (KeyKind.BOOLEAN_OR, "Yes")}


def _check_implemented(spec: KeySpec, agreed: str) -> None:
    """Refuse an outcome this initiator does not implement (MaxConnections > 1, ERL > 0)."""
    most = IMPLEMENTED.get(spec.name)
    if most is not None and parse_number(agreed) > most:
        raise NegotiationError(
            f"target insists on {spec.name}={agreed}; this initiator implements only "
            f"{spec.name}={most}"
        )


def _shown(value: str) -> str:
    """A value for an error message, cut to 40 characters."""
    return repr(value if len(value) <= 40 else value[:37] + "...")


def _to_field(spec: KeySpec, value: str) -> bool | int | str:
    """Convert an agreed wire value to the type of its :class:`Negotiated` field."""
    if spec.kind is KeyKind.LIST:
        return value == "CRC32C"
    if spec.kind in (KeyKind.BOOLEAN_AND, KeyKind.BOOLEAN_OR):
        return value == "Yes"
    if spec.numerical:
        return parse_number(value)
    return value


# ---------------------------------------------------------------------- negotiation


@dataclass(slots=True)
class Negotiation:
    """The operational negotiation of one login, initiator side.

    Call :meth:`offer` once for the first operational Login PDU, then
    :meth:`receive` with the keys of each Login Response; send back what it
    returns.  :attr:`complete` tells when every offer is answered, and
    :meth:`result` gives the agreed :class:`Negotiated` values.
    """

    settings: OperationalSettings
    session_type: str
    _offered: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _pending: set[str] = field(default_factory=set, init=False, repr=False)
    _agreed: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _answered: set[str] = field(default_factory=set, init=False, repr=False)
    _declared: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _target_declared: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _unknown_keys: set[str] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.session_type not in _SESSION_TYPES:
            raise ConfigurationError(
                f"session type {self.session_type!r} is not 'Discovery' or 'Normal'"
            )
        self.settings.validate()

    def offer(self) -> list[tuple[str, str]]:
        """The keys to send in the first operational Login PDU."""
        if self._offered or self._declared:
            raise LocalProtocolError("the operational keys were already offered")
        pairs = self.settings.offer(self.session_type)
        for key, value in pairs:
            log.debug("offered %s=%s", key, value)
            spec = KEYS[key]
            if spec.kind is KeyKind.DECLARATIVE:
                self._declared[key] = value
                continue
            self._offered[key] = value
            if (spec.kind, value) in _DECIDED_BY_OFFER:
                self._agreed[key] = value
            else:
                self._pending.add(key)
        return pairs

    def receive(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Process the target's keys; return the answers to send back.

        Raises :class:`~pyiscsi.errors.NegotiationError` when an answer breaks its
        key's result function or a value is out of range.
        """
        answers: list[tuple[str, str]] = []
        seen: set[str] = set()
        for key, value in pairs:
            if key in seen:
                raise NegotiationError(f"target sent {key} twice in one Login Response")
            seen.add(key)
            spec = KEYS.get(key)
            if spec is None:
                answer = self._unknown(key, value)
            elif key in self._offered:
                self._take_answer(spec, value)
                answer = None
            else:
                answer = self._target_key(spec, value)
            if answer is not None:
                answers.append((key, answer))
        return answers

    @property
    def complete(self) -> bool:
        """True once every key we offered has been answered."""
        return not self._pending

    def result(self) -> Negotiated:
        """The agreed values (RFC 7143 defaults where nothing was agreed)."""
        negotiated = Negotiated()
        for key, value in self._agreed.items():
            spec = KEYS[key]
            if spec.field is not None:
                setattr(negotiated, spec.field, _to_field(spec, value))
        ours = self._declared.get("MaxRecvDataSegmentLength")
        if ours is not None:
            negotiated.max_recv_data_segment_length = parse_number(ours)
        theirs = self._target_declared.get("MaxRecvDataSegmentLength")
        if theirs is not None:
            negotiated.max_xmit_data_segment_length = parse_number(theirs)
        negotiated.target_alias = self._target_declared.get("TargetAlias")
        tpgt = self._target_declared.get("TargetPortalGroupTag")
        if tpgt is not None:
            negotiated.target_portal_group_tag = parse_number(tpgt)
        if negotiated.first_burst_length > negotiated.max_burst_length:
            log.debug(
                "FirstBurstLength=%d lowered to MaxBurstLength=%d",
                negotiated.first_burst_length,
                negotiated.max_burst_length,
            )
            negotiated.first_burst_length = negotiated.max_burst_length
        return negotiated

    # -- internals

    def _agree(self, key: str, value: str) -> None:
        self._agreed[key] = value
        log.debug("agreed %s=%s", key, value)

    def _unknown(self, key: str, value: str) -> str | None:
        if key in SECURITY_KEYS:
            log.debug("ignored security key %s in operational negotiation", key)
            return None
        if value in _NON_VALUES:
            log.debug("target answered %s=%s", key, value)
            return None
        self._unknown_keys.add(key)
        if len(self._unknown_keys) > MAX_UNKNOWN_KEYS:
            raise NegotiationError(f"target sent more than {MAX_UNKNOWN_KEYS} unknown keys")
        log.debug("target sent unknown key %s; answering %s", key, NOT_UNDERSTOOD)
        return NOT_UNDERSTOOD

    def _take_answer(self, spec: KeySpec, value: str) -> None:
        """The target answered a key we offered."""
        key = spec.name
        offered = self._offered[key]
        if value in _NON_VALUES:
            agreed = self._fallback(spec, offered, value)
        else:
            agreed = _CHECK[spec.kind](spec, value, offered)
        _check_implemented(spec, agreed)
        if key in self._answered:
            if agreed != self._agreed[key]:
                raise NegotiationError(
                    f"target answered {key} a second time with a different value ({_shown(value)})"
                )
            return
        self._answered.add(key)
        self._pending.discard(key)
        self._agree(key, agreed)

    def _fallback(self, spec: KeySpec, offered: str, answer: str) -> str:
        """The outcome when the target answers Reject/Irrelevant/NotUnderstood: the default."""
        assert spec.default is not None
        log.debug("target answered %s=%s; using the default %s", spec.name, answer, spec.default)
        default = spec.default
        if spec.kind is KeyKind.NUMERICAL_MIN:
            # Never exceed what we offered, whatever the default.
            return format_number(min(parse_number(default), parse_number(offered)))
        if spec.kind is KeyKind.LIST and default not in offered.split(","):
            raise NegotiationError(
                f"target answered {spec.name}={answer}, and the default {default} "
                f"is not acceptable (offered {offered})"
            )
        return default

    def _target_key(self, spec: KeySpec, value: str) -> str | None:
        """A key the target sent on its own: record a declaration or answer an offer."""
        key = spec.name
        if spec.use is Use.SECURITY or spec.sender == "I" or spec.use is Use.FFPO:
            log.debug("ignored %s=%s from the target", key, value)
            return None
        if spec.obsolete:
            log.debug("target offered obsolete key %s; answering %s", key, REJECT)
            return REJECT
        if spec.kind is KeyKind.DECLARATIVE:
            if spec.numerical:
                _parse_num(spec, value)
            previous = self._target_declared.get(key)
            if previous is not None and previous != value:
                raise NegotiationError(
                    f"target declared {key} twice with different values ({_shown(previous)}, "
                    f"{_shown(value)})"
                )
            self._target_declared[key] = value
            log.debug("target declared %s=%s", key, value)
            return None
        if value in _NON_VALUES:
            log.debug("target sent %s=%s for a key we did not offer", key, value)
            return None
        if key in self._agreed:
            raise NegotiationError(f"target negotiated {key} a second time")
        if self.session_type == "Discovery" and not spec.discovery:
            log.debug("target offered %s in a discovery session; answering %s", key, IRRELEVANT)
            return IRRELEVANT
        answer = _RESPOND[spec.kind](spec, value, self.settings.value_of(key))
        agreed = answer
        if answer == REJECT:
            agreed = self._fallback(spec, self.settings.value_of(key), REJECT)
        _check_implemented(spec, agreed)
        self._agree(key, agreed)
        return answer
