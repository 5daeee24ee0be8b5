"""iSCSI.iSCSICHAP: CHAP authentication (RFC 7143 12.1.3; RFC 1994). The URL must carry
CHAP credentials (``user%password@``); without them these tests are skipped. libiscsi 1.20."""

import base64

import pytest

import pyiscsi
from pyiscsi.conformance.hooks import connect_hooked
from pyiscsi.conformance.plugin import TargetOptions
from pyiscsi.errors import NegotiationError
from pyiscsi.protocol import pdu

FAMILY = "iSCSI"
SUITE = "iSCSICHAP"
pytestmark = pytest.mark.iscsi_only


def _chap_url(target: TargetOptions) -> pyiscsi.ISCSIURL:
    url = pyiscsi.parse_url(target.url or "", env={})
    if url.user is None or url.password is None:
        pytest.skip("needs a CHAP URL (user%password@host...)")
    return url


def test_Simple(target: TargetOptions) -> None:
    """A login with the URL's CHAP name and secret succeeds (RFC 7143 12.1.3)."""
    _chap_url(target)
    target.connect().close()


def test_Invalid(target: TargetOptions) -> None:
    """A login with a wrong secret, and one with a wrong name, fails with an authentication
    failure, status class 2 (RFC 7143 11.13.5: 0201h)."""
    url = _chap_url(target)
    assert url.password is not None and url.user is not None
    for user, password in ((url.user, url.password + "x"), (url.user + "x", url.password)):
        try:
            target.connect(user=user, password=password).close()
        except pyiscsi.LoginError as exc:
            if exc.status_class != 2:
                pytest.fail(f"wrong CHAP credentials: expected status class 2, got {exc}",
                            pytrace=False)  # fmt: skip
            continue
        pytest.fail("a login with wrong CHAP credentials succeeded", pytrace=False)


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha-256", "sha3-256"])
def test_Algorithm(target: TargetOptions, algorithm: str) -> None:
    """A login offering only one CHAP_A value either succeeds with it or is refused with
    CHAP_A=Reject / an authentication failure; a target that picks the value and then
    rejects a correct response computed it with another algorithm (RFC 7143 12.1.3, and
    IANA's PPP CHAP algorithm numbers: 5 MD5, 6 SHA-1, 7 SHA-256, 8 SHA3-256). pyiscsi's
    own test: tgtd 1.0.85 reads 7 as SHA-1."""
    _chap_url(target)
    try:
        target.connect(auth=algorithm).close()
    except pyiscsi.AuthenticationError as exc:
        if "CHAP_A" in str(exc) and "reject" in str(exc).lower():
            pytest.skip(f"the target does not offer {algorithm}")
        pytest.fail(f"CHAP with {algorithm} only: {exc}", pytrace=False)
    except NegotiationError as exc:
        pytest.skip(f"the target does not offer {algorithm}: {exc}")
    except pyiscsi.LoginError as exc:
        # refused before any CHAP response was judged: the algorithm is not supported
        if exc.status_class != 2:
            pytest.fail(f"CHAP with {algorithm} only: {exc}", pytrace=False)
        pytest.skip(f"the target refuses CHAP with {algorithm} only ({exc})")


def test_Base64(target: TargetOptions) -> None:
    """A CHAP_R (and CHAP_C, with mutual CHAP) sent as base64 (0b...) instead of hex (0x...)
    is accepted (RFC 7143 6.1: binary values may be encoded in hex or base64; 12.1.3). The
    pdu_hook re-encodes pyiscsi's hex values."""
    _chap_url(target)
    state = {"done": False}

    def hook(p: object) -> object:
        if not isinstance(p, pdu.LoginRequest):
            return p
        out = []
        for item in bytes(p.data).split(b"\x00"):
            key, sep, value = item.partition(b"=")
            if sep and key in (b"CHAP_R", b"CHAP_C") and value[:2].lower() == b"0x":
                raw = bytes.fromhex(value[2:].decode())
                item = key + b"=0b" + base64.b64encode(raw)
                state["done"] = True
            out.append(item)
        p.data = b"\x00".join(out)
        return p

    try:
        connect_hooked(target, pdu_hook=hook).close()
    except pyiscsi.LoginError as exc:
        pytest.fail(f"CHAP with base64 values refused: {exc}", pytrace=False)
    if not state["done"]:
        pytest.fail("no hex CHAP value was sent to re-encode", pytrace=False)


def _name_prefix(target: TargetOptions, prefixes: tuple[str, str], what: str) -> None:
    url = _chap_url(target)
    assert url.user is not None
    if not url.user.startswith(prefixes):
        pytest.skip(f"needs a CHAP user name that starts with {prefixes[0]} ({what})")
    try:
        target.connect(auth="md5").close()
    except pyiscsi.LoginError as exc:
        pytest.fail(f"CHAP_N={url.user} (a {what}-looking name) refused: {exc}", pytrace=False)


def test_HexName(target: TargetOptions) -> None:
    """A CHAP name that starts with 0x is a name, not a hex number: the login with it
    succeeds (RFC 7143 12.1.3: CHAP_N is a text value; 6.1: only binary values take the 0x
    prefix as an encoding). libiscsi 1.20; needs a URL whose user starts with 0x."""
    _name_prefix(target, ("0x", "0X"), "hex")


def test_Base64Name(target: TargetOptions) -> None:
    """A CHAP name that starts with 0b is a name, not a base64 value: the login with it
    succeeds (RFC 7143 12.1.3, 6.1). libiscsi 1.20; needs a URL whose user starts with 0b."""
    _name_prefix(target, ("0b", "0B"), "base64")


def test_Base64Oversize(target: TargetOptions) -> None:
    """A CHAP_R in base64 with extra bytes in front (longer than the digest) is refused:
    the login fails (RFC 7143 12.1.3: the response is the digest; RFC 1994 4.1). The
    pdu_hook re-encodes pyiscsi's hex CHAP_R as 0b + a valid base64 prefix + the response."""
    _chap_url(target)
    state = {"done": False}

    def hook(p: pdu.OutgoingPdu) -> pdu.OutgoingPdu:
        if not isinstance(p, pdu.LoginRequest):
            return p
        out = []
        for item in bytes(p.data).split(b"\x00"):
            key, sep, value = item.partition(b"=")
            if sep and key == b"CHAP_R" and value[:2].lower() == b"0x":
                raw = b"oversize\n" + bytes.fromhex(value[2:].decode())
                item = key + b"=0b" + base64.b64encode(raw)
                state["done"] = True
            out.append(item)
        p.data = b"\x00".join(out)
        return p

    try:
        connect_hooked(target, pdu_hook=hook, auth="md5").close()
    except pyiscsi.LoginError:
        if not state["done"]:
            pytest.fail("no CHAP_R was sent to lengthen", pytrace=False)
        return
    pytest.fail("a CHAP_R longer than the digest was accepted", pytrace=False)
