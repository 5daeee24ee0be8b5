"""The login phase (RFC 7143 section 6) as a state machine.

A login walks through stages, each Login Request naming its current stage (CSG) and, with the
T (transit) bit, the next one (NSG)::

    SecurityNegotiation (0) --> LoginOperationalNegotiation (1) --> FullFeaturePhase (3)

With CHAP credentials the login starts in the security stage; without, it starts in the
operational stage (CSG=1, NSG=3, as libiscsi does): one round trip fewer, and no AuthMethod.

- Security: ``AuthMethod`` is agreed; with CHAP the target names the algorithm (CHAP_A) and
  sends an identifier (CHAP_I) and challenge (CHAP_C); we answer with our name (CHAP_N) and
  response (CHAP_R) and, for mutual CHAP, a challenge of our own, whose answer we verify.
- Operational: the session parameters (digests, burst lengths, ...) are agreed key by key.
- Every response is checked against RFC 7143 (:class:`~pyiscsi.errors.LoginProtocolError`):
  T and C never both set, VersionActive 0, our ISID echoed, CSG the stage we are in, a
  transit only when we asked for one and never past the NSG we asked for, and a non-zero TSIH
  on the final response (equal to ours when we gave one).
- A response with status class 1 redirects us to another address (TargetAddress);
  classes 2 (initiator error) and 3 (target error) end the login with a typed error.

:class:`Login` is fed each Login Response and returns the next Login Request, or ``None`` when
the target has moved us to full feature phase.  It does no I/O.
"""

from __future__ import annotations

import logging
from enum import IntEnum

from pyiscsi import errors
from pyiscsi._dataclass import dataclass
from pyiscsi.protocol.chap import ChapCredentials, ChapInitiator
from pyiscsi.protocol.keys import (
    Negotiated,
    Negotiation,
    OperationalSettings,
    decode_text,
    encode_text,
)
from pyiscsi.protocol.pdu import LoginRequest, LoginResponse

__all__ = ["Login", "LoginRedirect", "Stage", "parse_target_address"]

log = logging.getLogger("pyiscsi.login")


class Stage(IntEnum):
    """Login stages (CSG/NSG values)."""

    SECURITY = 0
    OPERATIONAL = 1
    FULL_FEATURE = 3


class LoginRedirect(errors.LoginError):
    """The target sent us elsewhere (status class 1); ``host``/``port`` is the new portal."""

    def __init__(self, host: str, port: int, permanent: bool, status_detail: int) -> None:
        kind = "permanently" if permanent else "temporarily"
        super().__init__(f"target moved {kind} to {host}:{port}", 1, status_detail)
        self.host = host
        self.port = port
        self.permanent = permanent


_SECRET_KEYS = frozenset({"CHAP_R", "CHAP_C"})
_MAX_LOGIN_ROUNDS = 64
_MAX_LOGIN_TEXT = 1024 * 1024
_MAX_LOGIN_PAIRS = 1024  # keys in one Login Response (RFC 7143 defines about 30)
#: The iSCSI version this initiator speaks (VersionMax = VersionMin = 0, RFC 7143).
ISCSI_VERSION = 0

# status class 2 / 3 details -> (error class, meaning)
_INITIATOR_ERRORS: dict[int, tuple[type[errors.LoginError], str]] = {
    0x00: (errors.LoginError, "initiator error"),
    0x01: (errors.AuthenticationError, "authentication failed"),
    0x02: (errors.AuthorizationError, "initiator not authorized to access the target"),
    0x03: (errors.TargetNotFoundError, "target not found"),
    0x04: (errors.TargetRemovedError, "target removed"),
    0x05: (errors.LoginError, "unsupported iSCSI version"),
    0x06: (errors.LoginError, "too many connections"),
    0x07: (errors.NegotiationError, "missing parameter"),
    0x08: (errors.LoginError, "cannot include connection in session"),
    0x09: (errors.LoginError, "session type not supported"),
    0x0A: (errors.LoginError, "session does not exist"),
    0x0B: (errors.LoginError, "invalid request during login"),
}
_TARGET_ERRORS: dict[int, str] = {
    0x00: "target error",
    0x01: "service unavailable",
    0x02: "out of resources",
}


def parse_target_address(value: str) -> tuple[str, int, int | None]:
    """Split a TargetAddress value ``host[:port][,tpgt]`` (IPv6 in brackets)."""
    tpgt: int | None = None
    address, sep, tag = value.rpartition(",")
    if not sep:
        address = value
    else:
        if not (tag.isascii() and tag.isdigit() and len(tag) <= 5 and int(tag) <= 0xFFFF):
            raise errors.ProtocolError(f"bad portal group tag in TargetAddress {value[:300]!r}")
        tpgt = int(tag)
    port = 3260
    if address.startswith("["):
        host, _, rest = address[1:].partition("]")
        if rest.startswith(":"):
            port_text = rest[1:]
        elif rest:
            raise errors.ProtocolError(f"bad TargetAddress {value[:300]!r}")
        else:
            port_text = ""
    elif address.count(":") == 1:
        host, _, port_text = address.partition(":")
    else:
        host, port_text = address, ""
    if port_text:
        if not (port_text.isascii() and port_text.isdigit() and len(port_text) <= 5) or not (
            0 < int(port_text) < 65536
        ):
            raise errors.ProtocolError(f"bad port in TargetAddress {value[:300]!r}")
        port = int(port_text)
    if not host:
        raise errors.ProtocolError(f"empty host in TargetAddress {value[:300]!r}")
    return host, port, tpgt


def _shown(pairs: list[tuple[str, str]]) -> str:
    return " ".join(f"{k}={'<hidden>' if k in _SECRET_KEYS else v}" for k, v in pairs)


@dataclass(slots=True)
class LoginParameters:
    """Who logs in to what: the identity half of a login."""

    initiator_name: str
    target_name: str | None = None  # None for a discovery session
    initiator_alias: str | None = None
    isid: bytes = b"\x80\x00\x00\x00\x00\x01"
    tsih: int = 0
    cid: int = 0

    def __post_init__(self) -> None:
        if len(self.isid) != 6:
            raise errors.ConfigurationError(f"ISID must be 6 bytes, not {len(self.isid)}")
        if not 0 <= self.tsih <= 0xFFFF:
            raise errors.ConfigurationError(f"TSIH {self.tsih} is not in 0..65535")

    @property
    def session_type(self) -> str:
        """``Discovery`` without a target name, else ``Normal``."""
        return "Normal" if self.target_name else "Discovery"


class Login:
    """The initiator's side of one login: feed responses, get requests."""

    def __init__(
        self,
        params: LoginParameters,
        settings: OperationalSettings,
        credentials: ChapCredentials | None = None,
    ) -> None:
        self.params = params
        self.negotiation = Negotiation(settings, params.session_type)
        self.chap = ChapInitiator(credentials) if credentials is not None else None
        self.stage = Stage.SECURITY if self.chap is not None else Stage.OPERATIONAL
        #: The TSIH: ours (0 for a new session) until the final response assigns the target's.
        self.tsih = params.tsih
        self.target_alias: str | None = None
        self.target_portal_group_tag: int | None = None
        self._auth_state = "offer"  # offer -> algorithm -> response -> verified
        self._partial = bytearray()  # keys of a response split with the C bit
        self._rounds = 0
        self._sent_transit = False  # T and NSG of the last request sent
        self._sent_nsg = 0

    # --- requests ------------------------------------------------------------------------

    def _request(
        self, pairs: list[tuple[str, str]], transit: bool, nsg: Stage, cont: bool = False
    ) -> LoginRequest:
        log.debug("login send (stage %d%s): %s", self.stage, " T" if transit else "", _shown(pairs))
        self._sent_transit = transit
        self._sent_nsg = nsg if transit else 0
        return LoginRequest(
            itt=0,
            isid=self.params.isid,
            tsih=self.tsih,
            cid=self.params.cid,
            transit=transit,
            cont=cont,
            csg=self.stage,
            nsg=nsg if transit else 0,
            data=encode_text(pairs),
        )

    def first_request(self) -> LoginRequest:
        """The first Login Request: who we are, what we want, how we authenticate."""
        p = self.params
        pairs = [("InitiatorName", p.initiator_name)]
        if p.initiator_alias:
            pairs.append(("InitiatorAlias", p.initiator_alias))
        pairs.append(("SessionType", p.session_type))
        if p.target_name:
            pairs.append(("TargetName", p.target_name))
        if self.chap is None:
            # no security stage: straight to the operational keys (CSG=1, NSG=3)
            pairs += self.negotiation.offer()
            return self._operational_request(pairs)
        required = self.chap.mutual or self.chap.credentials.require_auth
        pairs.append(("AuthMethod", "CHAP" if required else "CHAP,None"))
        return self._request(pairs, False, Stage.OPERATIONAL)

    def _operational_request(self, pairs: list[tuple[str, str]]) -> LoginRequest:
        return self._request(pairs, True, Stage.FULL_FEATURE)

    # --- responses -----------------------------------------------------------------------

    def receive(self, response: LoginResponse) -> LoginRequest | None:
        """Take a Login Response; return the next request, or None in full feature phase."""
        if response.status_class != 0:
            self._fail(response)
        self._check(response)
        self._partial += response.data
        self._rounds += 1
        if self._rounds > _MAX_LOGIN_ROUNDS or len(self._partial) > _MAX_LOGIN_TEXT:
            raise errors.NegotiationError("the target keeps the login going without end")
        if response.cont:
            # the target has more keys for this response: ask for them with an empty request
            # (the transit we asked for still stands for the final piece)
            asked = self._sent_transit, self._sent_nsg
            request = self._request([], False, Stage.SECURITY)
            self._sent_transit, self._sent_nsg = asked
            return request
        try:
            pairs = decode_text(bytes(self._partial), _MAX_LOGIN_PAIRS)
        except errors.ProtocolError as exc:
            raise errors.LoginProtocolError(f"malformed Login Response keys: {exc}") from None
        self._partial.clear()
        log.debug(
            "login recv (stage %d%s): %s",
            response.csg,
            " T" if response.transit else "",
            _shown(pairs),
        )
        if self.stage == Stage.SECURITY:
            return self._security(response, pairs)
        return self._operational(response, pairs)

    def _check(self, response: LoginResponse) -> None:
        """RFC 7143 11.13 rules for a successful (class 0) Login Response."""
        fail = errors.LoginProtocolError
        if response.transit and response.cont:
            raise fail("target set both T and C in a Login Response")
        if response.version_active != ISCSI_VERSION:
            raise fail(
                f"target chose iSCSI version {response.version_active}; "
                f"this initiator speaks only version {ISCSI_VERSION}"
            )
        if response.isid != self.params.isid:
            raise fail(
                f"target answered ISID {response.isid.hex()}, not ours ({self.params.isid.hex()})"
            )
        if response.csg != self.stage:
            raise fail(
                f"target answered in login stage {response.csg}, we are in stage {int(self.stage)}"
            )
        if not response.transit:
            return
        if not self._sent_transit:
            raise fail("target made a stage transition we did not ask for (T=1 after our T=0)")
        if response.nsg not in (Stage.OPERATIONAL, Stage.FULL_FEATURE) or not (
            self.stage < response.nsg <= self._sent_nsg
        ):
            raise fail(
                f"target moved the login from stage {int(self.stage)} to stage {response.nsg}; "
                f"we asked for stage {self._sent_nsg}"
            )
        if response.nsg == Stage.FULL_FEATURE:
            if response.tsih == 0:
                raise fail("target ended the login without assigning a TSIH")
            if self.params.tsih and response.tsih != self.params.tsih:
                raise fail(
                    f"target answered TSIH 0x{response.tsih:04x} to a login into session "
                    f"0x{self.params.tsih:04x}"
                )

    def _security(
        self, response: LoginResponse, pairs: list[tuple[str, str]]
    ) -> LoginRequest | None:
        keys = dict(pairs)
        self._note_target_keys(keys)
        chap = self.chap
        assert chap is not None  # without credentials the login starts in the operational stage
        if self._auth_state == "offer":
            method = keys.get("AuthMethod")
            if method == "None":
                if chap.mutual:
                    raise errors.AuthenticationError(
                        "target refused CHAP, so it cannot prove who it is (mutual CHAP requested)"
                    )
                if chap.credentials.require_auth:
                    raise errors.AuthenticationError(
                        "target offered AuthMethod=None and authentication is required"
                    )
                self._auth_state = "verified"
                return self._transit(response)
            if method is None:
                raise errors.AuthenticationError("target answered no AuthMethod to our CHAP offer")
            if method != "CHAP":
                shown = method if len(method) <= 40 else method[:37] + "..."
                raise errors.AuthenticationError(f"target offered AuthMethod={shown}, not CHAP")
            if response.transit:
                raise errors.AuthenticationError(
                    "target chose CHAP and left the security stage before the exchange"
                )
            self._auth_state = "algorithm"
            return self._request(chap.offer(), False, Stage.OPERATIONAL)
        if self._auth_state == "algorithm":
            answer = chap.respond(pairs)
            self._auth_state = "response"
            return self._request(answer, True, Stage.OPERATIONAL)
        if self._auth_state == "response":
            if chap.mutual:
                chap.verify(pairs)
            self._auth_state = "verified"
        return self._transit(response)

    def _transit(self, response: LoginResponse) -> LoginRequest | None:
        """After security: follow the target to the operational stage (or beyond)."""
        if not response.transit:
            return self._request([], True, Stage.OPERATIONAL)
        if self._auth_state != "verified":
            raise errors.AuthenticationError("target left the security stage before authenticating")
        self.stage = Stage(response.nsg)
        if self.stage == Stage.FULL_FEATURE:
            self.tsih = response.tsih
            return None
        return self._operational_request(self.negotiation.offer())

    def _operational(
        self, response: LoginResponse, pairs: list[tuple[str, str]]
    ) -> LoginRequest | None:
        answers = self.negotiation.receive(pairs)
        self._note_target_keys(dict(pairs))
        if response.transit and response.nsg == Stage.FULL_FEATURE:
            if answers:
                raise errors.NegotiationError(
                    "target ended the login while keys were still to be answered: "
                    + ", ".join(k for k, _ in answers)
                )
            self.stage = Stage.FULL_FEATURE
            self.tsih = response.tsih
            keys = self.result().as_keys()
            log.debug("login complete: %s", " ".join(f"{k}={v}" for k, v in keys.items()))
            return None
        return self._operational_request(answers)

    def _note_target_keys(self, keys: dict[str, str]) -> None:
        if "TargetAlias" in keys:
            self.target_alias = keys["TargetAlias"]
        tag = keys.get("TargetPortalGroupTag", "")
        if tag.isascii() and tag.isdigit() and len(tag) <= 5:
            self.target_portal_group_tag = int(tag)

    def _fail(self, response: LoginResponse) -> None:
        cls, detail = response.status_class, response.status_detail
        code = f"0x{cls:02x}{detail:02x}"
        if cls == 1:
            keys = dict(decode_text(response.data)) if response.data else {}
            address = keys.get("TargetAddress")
            if not address:
                raise errors.TargetMovedError(
                    f"target redirected the login ({code}) without a TargetAddress", cls, detail
                )
            host, port, _ = parse_target_address(address)
            raise LoginRedirect(host, port, detail == 0x02, detail)
        if cls == 2:
            err_cls, meaning = _INITIATOR_ERRORS.get(detail, (errors.LoginError, "initiator error"))
            if detail in (0x03, 0x04) and self.params.target_name:
                meaning = f"{meaning}: {self.params.target_name}"
            if err_cls is errors.AuthenticationError and self.chap is None:
                meaning += ": the target requires CHAP and no credentials were given"
            elif detail == 0 and self._auth_state == "response":
                # some targets (tgtd) answer a wrong CHAP response with a generic 0x0200
                err_cls, meaning = errors.AuthenticationError, "CHAP authentication failed"
            raise err_cls(f"{meaning} (login status {code})", cls, detail)
        if cls == 3:
            meaning = _TARGET_ERRORS.get(detail, "target error")
            raise errors.TargetUnavailableError(f"{meaning} (login status {code})", cls, detail)
        raise errors.ProtocolError(f"login failed with unknown login status {code}")

    def result(self) -> Negotiated:
        """The agreed parameters (valid once the login is complete)."""
        negotiated = self.negotiation.result()
        negotiated.tsih = self.tsih
        if self.target_alias is not None:
            negotiated.target_alias = self.target_alias
        if self.target_portal_group_tag is not None:
            negotiated.target_portal_group_tag = self.target_portal_group_tag
        return negotiated
