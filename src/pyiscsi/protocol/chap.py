"""CHAP for iSCSI login (RFC 7143 section 12.1.3, RFC 1994), initiator side.

Sans-I/O: :class:`ChapInitiator` turns the target's CHAP keys into the keys to send.
The exchange, one-way and mutual::

    I->T  CHAP_A=8,7,6,5                      offer()
    T->I  CHAP_A=<a> CHAP_I=<id> CHAP_C=<c>
    I->T  CHAP_N=<user> CHAP_R=H(id||secret||c) [CHAP_I=<id2> CHAP_C=<c2>]   respond()
    T->I  [CHAP_N=<target user> CHAP_R=H(id2||target secret||c2)]           verify()

Secrets never appear in a repr, an exception message or a log record.
"""

from __future__ import annotations

import base64 as _base64
import binascii
import collections
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import field
from enum import IntEnum
from typing import TYPE_CHECKING

from pyiscsi._dataclass import dataclass
from pyiscsi.errors import (
    AuthenticationError,
    ConfigurationError,
    LocalProtocolError,
    NegotiationError,
    ProtocolError,
)
from pyiscsi.protocol.keys import parse_number

if TYPE_CHECKING:
    import hashlib

__all__ = [
    "AUTH_ALGORITHMS",
    "DEFAULT_ALGORITHMS",
    "MAX_CHALLENGE_LENGTH",
    "MIN_CHALLENGE_LENGTH",
    "ChapAlgorithm",
    "ChapCredentials",
    "ChapInitiator",
    "chap_response",
    "decode_binary",
    "encode_binary",
]

log = logging.getLogger("pyiscsi.login")


class ChapAlgorithm(IntEnum):
    """CHAP_A values (IANA PPP CHAP algorithms, as used by RFC 7143)."""

    MD5 = 5
    SHA1 = 6
    SHA256 = 7
    SHA3_256 = 8

    @property
    def digest_size(self) -> int:
        """Length in bytes of this algorithm's hash (and of a CHAP_R)."""
        return _new_hash(self).digest_size


DEFAULT_ALGORITHMS: tuple[ChapAlgorithm, ...] = (
    ChapAlgorithm.SHA3_256,
    ChapAlgorithm.SHA256,
    ChapAlgorithm.SHA1,
    ChapAlgorithm.MD5,
)

#: The algorithm named by the ``auth=`` argument of an iSCSI URL (libiscsi's names).
AUTH_ALGORITHMS: dict[str, ChapAlgorithm] = {
    "md5": ChapAlgorithm.MD5,
    "sha1": ChapAlgorithm.SHA1,
    "sha-256": ChapAlgorithm.SHA256,
    "sha3-256": ChapAlgorithm.SHA3_256,
}

#: Shortest CHAP_C accepted from a target, in bytes.
MIN_CHALLENGE_LENGTH = 8
#: Longest CHAP_C or CHAP_R (RFC 7143: binary length at most 1024 bytes).
MAX_CHALLENGE_LENGTH = 1024
#: Length of the challenge this initiator issues for mutual CHAP (>= every digest size).
OUR_CHALLENGE_LENGTH = 32

_HASH_NAMES = {
    ChapAlgorithm.MD5: "md5",
    ChapAlgorithm.SHA1: "sha1",
    ChapAlgorithm.SHA256: "sha256",
    ChapAlgorithm.SHA3_256: "sha3_256",
}

# Challenges recently issued by any ChapInitiator in this process, so that a target
# reflecting one of them back (in this login or another) is refused.  Logins may run
# on several event loops at once, hence the lock.
_ISSUED_CHALLENGES: collections.deque[bytes] = collections.deque(maxlen=1024)
_ISSUED_LOCK = threading.Lock()


def _remember_challenge(challenge: bytes) -> None:
    with _ISSUED_LOCK:
        _ISSUED_CHALLENGES.append(challenge)


def _was_issued(challenge: bytes) -> bool:
    with _ISSUED_LOCK:
        return challenge in _ISSUED_CHALLENGES


def _new_hash(algorithm: ChapAlgorithm) -> hashlib._Hash:
    import hashlib  # a login without CHAP does not need it

    return hashlib.new(_HASH_NAMES[algorithm], usedforsecurity=False)


def chap_response(
    algorithm: ChapAlgorithm, identifier: int, secret: bytes, challenge: bytes
) -> bytes:
    """The CHAP response H(identifier || secret || challenge) (RFC 1994 section 4.1)."""
    if not 0 <= identifier <= 255:
        raise ValueError(f"CHAP identifier {identifier} is not in 0..255")
    h = _new_hash(ChapAlgorithm(algorithm))
    h.update(bytes((identifier,)))
    h.update(secret)
    h.update(challenge)
    return h.digest()


def encode_binary(value: bytes, base64: bool = False) -> str:
    """Encode an RFC 7143 binary-value: ``0x`` hex, or ``0b`` base64 when ``base64``."""
    if base64:
        return "0b" + _base64.b64encode(value).decode("ascii")
    return "0x" + value.hex()


_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def decode_binary(text: str, max_length: int = MAX_CHALLENGE_LENGTH) -> bytes:
    """Decode an RFC 7143 binary-value (``0x``/``0X`` hex or ``0b``/``0B`` base64).

    An odd number of hex digits is read with an implied leading zero.  Raises
    :class:`~pyiscsi.errors.NegotiationError` on anything else, and on a value longer than
    ``max_length`` bytes (judged from the text, before decoding).
    """
    prefix, digits = text[:2], text[2:]
    shown = text if len(text) <= 40 else text[:37] + "..."
    if not digits:
        raise NegotiationError(f"binary value {shown!r} is empty or has no 0x/0b prefix")
    encoded_max = 2 * max_length if prefix in ("0x", "0X") else 4 * ((max_length + 2) // 3)
    if len(digits) > encoded_max:
        raise NegotiationError(f"binary value {shown!r} is longer than {max_length} bytes")
    try:
        if prefix in ("0x", "0X"):
            if len(digits) % 2:
                digits = "0" + digits
            if not _HEX_DIGITS.issuperset(digits):
                raise ValueError("not hex digits")
            return bytes.fromhex(digits)
        if prefix in ("0b", "0B"):
            return _base64.b64decode(digits.encode("ascii"), validate=True)
    except (ValueError, binascii.Error, UnicodeEncodeError):
        raise NegotiationError(f"binary value {shown!r} is not valid {prefix} encoding") from None
    raise NegotiationError(f"binary value {shown!r} does not start with 0x or 0b")


@dataclass(slots=True, repr=False)
class ChapCredentials:
    """CHAP names and secrets; target_* set together enable mutual CHAP.

    ``require_auth``: offer only CHAP and refuse a target that answers AuthMethod=None
    (mutual CHAP always does).
    """

    username: str
    secret: str
    target_username: str | None = None
    target_secret: str | None = None
    algorithms: tuple[ChapAlgorithm, ...] = DEFAULT_ALGORITHMS
    require_auth: bool = False

    def __repr__(self) -> str:
        target_secret = None if self.target_secret is None else "***"
        return (
            f"ChapCredentials(username={self.username!r}, secret='***', "
            f"target_username={self.target_username!r}, "
            f"target_secret={target_secret!r}, "
            f"algorithms=({', '.join(a.name for a in self.algorithms)}), "
            f"require_auth={self.require_auth})"
        )

    __str__ = __repr__


def _require(pairs: dict[str, str], key: str) -> str:
    try:
        return pairs[key]
    except KeyError:
        raise AuthenticationError(f"target sent no {key} in the CHAP exchange") from None


def _pairs_dict(pairs: list[tuple[str, str]]) -> dict[str, str]:
    result: dict[str, str] = {}
    for key, value in pairs:
        if key in result:
            raise AuthenticationError(f"target sent {key} twice in the CHAP exchange")
        result[key] = value
    return result


@dataclass(slots=True, repr=False)
class ChapInitiator:
    """The initiator side of one login's CHAP exchange (see the module docstring)."""

    credentials: ChapCredentials
    random_bytes: Callable[[int], bytes] = os.urandom
    _state: str = field(default="start", init=False)
    _algorithm: ChapAlgorithm | None = field(default=None, init=False)
    _our_identifier: int = field(default=0, init=False)
    _our_challenge: bytes = field(default=b"", init=False)

    def __post_init__(self) -> None:
        creds = self.credentials
        if not creds.username:
            raise ConfigurationError("CHAP username is empty")
        if not creds.secret:
            raise ConfigurationError("CHAP secret is empty")
        if (creds.target_username is None) != (creds.target_secret is None):
            raise ConfigurationError("mutual CHAP needs both target_username and target_secret")
        if creds.target_username == "" or creds.target_secret == "":
            raise ConfigurationError("mutual CHAP target_username or target_secret is empty")
        if creds.target_secret is not None and creds.target_secret == creds.secret:
            raise ConfigurationError(
                "the target secret must differ from the initiator secret (RFC 7143 12.1.3)"
            )
        if not creds.algorithms:
            raise ConfigurationError("no CHAP algorithm configured")
        for algorithm in creds.algorithms:
            ChapAlgorithm(algorithm)
        if len(set(creds.algorithms)) != len(creds.algorithms):
            raise ConfigurationError("a CHAP algorithm is listed twice")

    def __repr__(self) -> str:
        return f"ChapInitiator({self.credentials!r}, state={self._state!r})"

    @property
    def mutual(self) -> bool:
        """True when the target must authenticate itself too."""
        return self.credentials.target_username is not None

    @property
    def algorithm(self) -> ChapAlgorithm | None:
        """The algorithm the target chose (None before :meth:`respond`)."""
        return self._algorithm

    def offer(self) -> list[tuple[str, str]]:
        """The CHAP_A key listing our algorithms in order of preference."""
        if self._state != "start":
            raise LocalProtocolError("CHAP_A was already offered")
        if self.mutual:
            # Issued now, so a target reflecting it as its own CHAP_C is caught.
            self._our_identifier = self.random_bytes(1)[0]
            self._our_challenge = self.random_bytes(OUR_CHALLENGE_LENGTH)
            _remember_challenge(self._our_challenge)
        self._state = "offered"
        value = ",".join(str(int(a)) for a in self.credentials.algorithms)
        log.debug("offered CHAP_A=%s", value)
        return [("CHAP_A", value)]

    def respond(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Answer the target's CHAP_A/CHAP_I/CHAP_C with CHAP_N/CHAP_R (and our challenge)."""
        if self._state != "offered":
            raise LocalProtocolError(f"CHAP respond() called in state {self._state}")
        keys = _pairs_dict(pairs)
        algorithm = self._parse_algorithm(_require(keys, "CHAP_A"))
        identifier = self._parse_identifier(_require(keys, "CHAP_I"))
        # decoding bounded just past the limit, so the check below names the length
        challenge = decode_binary(_require(keys, "CHAP_C"), MAX_CHALLENGE_LENGTH + 1)
        if len(challenge) < MIN_CHALLENGE_LENGTH:
            raise AuthenticationError(
                f"target CHAP_C is {len(challenge)} bytes, shorter than {MIN_CHALLENGE_LENGTH}"
            )
        if len(challenge) > MAX_CHALLENGE_LENGTH:
            raise AuthenticationError(
                f"target CHAP_C is {len(challenge)} bytes, longer than {MAX_CHALLENGE_LENGTH}"
            )
        if challenge == self._our_challenge or _was_issued(challenge):
            raise AuthenticationError("target reflected a CHAP challenge this initiator issued")
        self._algorithm = algorithm
        response = chap_response(algorithm, identifier, self.credentials.secret.encode(), challenge)
        log.debug(
            "CHAP algorithm %s, responding as CHAP_N=%s", algorithm.name, self.credentials.username
        )
        answer = [("CHAP_N", self.credentials.username), ("CHAP_R", encode_binary(response))]
        if self.mutual:
            answer += [
                ("CHAP_I", str(self._our_identifier)),
                ("CHAP_C", encode_binary(self._our_challenge)),
            ]
            self._state = "challenged"
        else:
            self._state = "done"
        return answer

    def verify(self, pairs: list[tuple[str, str]]) -> None:
        """Check the target's CHAP_N/CHAP_R for mutual CHAP; nothing to do otherwise."""
        if not self.mutual:
            return
        if self._state != "challenged":
            raise LocalProtocolError(f"CHAP verify() called in state {self._state}")
        assert self._algorithm is not None and self.credentials.target_secret is not None
        keys = _pairs_dict(pairs)
        name = keys.get("CHAP_N")
        text = keys.get("CHAP_R")
        if name is None or text is None:
            raise AuthenticationError(
                "target failed mutual CHAP authentication: no CHAP_N/CHAP_R sent"
            )
        if name != self.credentials.target_username:
            raise AuthenticationError(
                f"target failed mutual CHAP authentication: CHAP_N {name!r} is not "
                f"{self.credentials.target_username!r}"
            )
        expected = chap_response(
            self._algorithm,
            self._our_identifier,
            self.credentials.target_secret.encode(),
            self._our_challenge,
        )
        try:
            received = decode_binary(text)
        except NegotiationError:
            raise AuthenticationError(
                "target failed mutual CHAP authentication: malformed CHAP_R"
            ) from None
        import hmac

        if not hmac.compare_digest(received, expected):
            raise AuthenticationError("target failed mutual CHAP authentication: wrong CHAP_R")
        self._state = "done"
        log.debug("target passed mutual CHAP authentication as %s", name)

    def _parse_algorithm(self, text: str) -> ChapAlgorithm:
        offered = ",".join(str(int(a)) for a in self.credentials.algorithms)
        for algorithm in self.credentials.algorithms:
            if text == str(int(algorithm)):
                return ChapAlgorithm(algorithm)
        raise AuthenticationError(
            f"target chose CHAP_A={text[:40]}, not one of the offered algorithms {offered}"
        )

    @staticmethod
    def _parse_identifier(text: str) -> int:
        try:
            value = parse_number(text)
        except ProtocolError:
            raise AuthenticationError(f"target sent an invalid CHAP_I {text[:40]!r}") from None
        if not 0 <= value <= 255:
            raise AuthenticationError(f"target sent CHAP_I={value}, not in 0..255")
        return value
