"""CHAP (RFC 7143 12.1.3 / RFC 1994): responses, binary values, the initiator exchange."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyiscsi.errors import (
    AuthenticationError,
    ConfigurationError,
    LocalProtocolError,
    NegotiationError,
)
from pyiscsi.protocol.chap import (
    AUTH_ALGORITHMS,
    DEFAULT_ALGORITHMS,
    ChapAlgorithm,
    ChapCredentials,
    ChapInitiator,
    chap_response,
    decode_binary,
    encode_binary,
)

SECRET = "initiator-secret-1"
TARGET_SECRET = "target-secret-22"
HASHES = {
    ChapAlgorithm.MD5: "md5",
    ChapAlgorithm.SHA1: "sha1",
    ChapAlgorithm.SHA256: "sha256",
    ChapAlgorithm.SHA3_256: "sha3_256",
}
# A target challenge no initiator in this test run ever issues.
TARGET_CHALLENGE = bytes(range(0x40, 0x40 + 24))


def expected(name: str, identifier: int, secret: bytes, challenge: bytes) -> bytes:
    return hashlib.new(name, bytes([identifier]) + secret + challenge).digest()


def counter_random() -> Callable[[int], bytes]:
    """Deterministic random_bytes: 0x01, 0x02, ... (distinct from TARGET_CHALLENGE)."""
    state = {"n": 0}

    def random_bytes(n: int) -> bytes:
        out = bytes((state["n"] + i) % 0x3F + 1 for i in range(n))
        state["n"] += n
        return out

    return random_bytes


def one_way() -> ChapInitiator:
    return ChapInitiator(ChapCredentials("iqn.init", SECRET))


def mutual(random_bytes: Callable[[int], bytes] | None = None) -> ChapInitiator:
    creds = ChapCredentials("iqn.init", SECRET, "iqn.target", TARGET_SECRET)
    if random_bytes is None:
        return ChapInitiator(creds)
    return ChapInitiator(creds, random_bytes)


def target_keys(algorithm: int = 7, identifier: str = "17",
                challenge: str = "0x" + TARGET_CHALLENGE.hex()) -> list[tuple[str, str]]:
    return [("CHAP_A", str(algorithm)), ("CHAP_I", identifier), ("CHAP_C", challenge)]


# -- chap_response


@pytest.mark.parametrize("algorithm", list(ChapAlgorithm))
def test_chap_response_matches_hashlib(algorithm: ChapAlgorithm) -> None:
    name = HASHES[algorithm]
    challenge = bytes(range(16))
    got = chap_response(algorithm, 0xA5, b"secret", challenge)
    assert got == expected(name, 0xA5, b"secret", challenge)
    assert len(got) == hashlib.new(name).digest_size == algorithm.digest_size


def test_chap_algorithm_values_are_the_iana_numbers() -> None:
    assert [int(a) for a in DEFAULT_ALGORITHMS] == [8, 7, 6, 5]
    assert (ChapAlgorithm.MD5, ChapAlgorithm.SHA1) == (5, 6)


def test_url_auth_names() -> None:
    assert AUTH_ALGORITHMS == {"md5": ChapAlgorithm.MD5, "sha1": ChapAlgorithm.SHA1,
                               "sha-256": ChapAlgorithm.SHA256,
                               "sha3-256": ChapAlgorithm.SHA3_256}


def test_chap_response_identifier_is_one_octet() -> None:
    md5 = ChapAlgorithm.MD5
    assert chap_response(md5, 0, b"s", b"c") == expected("md5", 0, b"s", b"c")
    assert chap_response(md5, 255, b"s", b"c") == expected("md5", 255, b"s", b"c")
    with pytest.raises(ValueError, match="256"):
        chap_response(md5, 256, b"s", b"c")


# -- binary values


def test_encode_binary_hex_and_base64() -> None:
    assert encode_binary(b"\x01\xab") == "0x01ab"
    assert encode_binary(b"\x01\xab", base64=True) == "0bAas="
    assert encode_binary(b"") == "0x"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0x01ab", b"\x01\xab"),
        ("0X01AB", b"\x01\xab"),
        ("0x1ab", b"\x01\xab"),  # odd digit count: implied leading zero
        ("0bAas=", b"\x01\xab"),
        ("0BAas=", b"\x01\xab"),
    ],
)
def test_decode_binary(text: str, value: bytes) -> None:
    assert decode_binary(text) == value


@pytest.mark.parametrize(
    "text", ["", "0x", "0b", "01ab", "0x0g", "0bA$==", "0bAas", "0x\u0661\u0662"])
def test_decode_binary_rejects(text: str) -> None:
    with pytest.raises(NegotiationError, match="binary value"):
        decode_binary(text)


@given(st.binary(min_size=1, max_size=256), st.booleans())
def test_binary_round_trip(value: bytes, use_base64: bool) -> None:
    assert decode_binary(encode_binary(value, base64=use_base64)) == value


# -- the exchange


def test_offer_lists_algorithms_in_preference_order() -> None:
    assert one_way().offer() == [("CHAP_A", "8,7,6,5")]
    only_md5 = ChapInitiator(ChapCredentials("u", SECRET, algorithms=(ChapAlgorithm.MD5,)))
    assert only_md5.offer() == [("CHAP_A", "5")]


@pytest.mark.parametrize("algorithm", list(ChapAlgorithm))
def test_one_way_response(algorithm: ChapAlgorithm) -> None:
    chap = one_way()
    chap.offer()
    answer = chap.respond(target_keys(int(algorithm)))
    want = expected(HASHES[algorithm], 17, SECRET.encode(), TARGET_CHALLENGE)
    assert answer == [("CHAP_N", "iqn.init"), ("CHAP_R", "0x" + want.hex())]
    assert chap.algorithm is algorithm
    assert not chap.mutual
    chap.verify([])  # nothing to verify one-way


def test_base64_challenge_and_hex_identifier() -> None:
    chap = one_way()
    chap.offer()
    b64 = "0b" + base64.b64encode(TARGET_CHALLENGE).decode()
    answer = dict(chap.respond(target_keys(5, "0x11", b64)))
    assert answer["CHAP_R"] == "0x" + expected("md5", 17, SECRET.encode(), TARGET_CHALLENGE).hex()


def test_mutual_success() -> None:
    chap = mutual(counter_random())
    chap.offer()
    answer = dict(chap.respond(target_keys(8)))
    assert chap.mutual
    our_id = int(answer["CHAP_I"])
    our_challenge = decode_binary(answer["CHAP_C"])
    assert 0 <= our_id <= 255
    assert len(our_challenge) >= ChapAlgorithm.SHA3_256.digest_size
    assert answer["CHAP_R"] == "0x" + expected(
        "sha3_256", 17, SECRET.encode(), TARGET_CHALLENGE).hex()
    # the target proves it knows the target secret
    proof = expected("sha3_256", our_id, TARGET_SECRET.encode(), our_challenge)
    chap.verify([("CHAP_N", "iqn.target"), ("CHAP_R", encode_binary(proof, base64=True))])


def test_mutual_challenges_are_fresh_per_login() -> None:
    challenges = set()
    for _ in range(3):
        chap = mutual()
        chap.offer()
        challenges.add(dict(chap.respond(target_keys()))["CHAP_C"])
    assert len(challenges) == 3


def _mutual_after_respond() -> tuple[ChapInitiator, int, bytes]:
    chap = mutual()
    chap.offer()
    answer = dict(chap.respond(target_keys(7)))
    return chap, int(answer["CHAP_I"]), decode_binary(answer["CHAP_C"])


def test_mutual_wrong_target_response() -> None:
    chap, our_id, challenge = _mutual_after_respond()
    wrong = expected("sha256", our_id, b"not-the-target-secret", challenge)
    with pytest.raises(AuthenticationError,
                       match="target failed mutual CHAP authentication") as info:
        chap.verify([("CHAP_N", "iqn.target"), ("CHAP_R", encode_binary(wrong))])
    assert TARGET_SECRET not in str(info.value)


def test_mutual_wrong_target_name() -> None:
    chap, our_id, challenge = _mutual_after_respond()
    proof = expected("sha256", our_id, TARGET_SECRET.encode(), challenge)
    with pytest.raises(AuthenticationError, match="CHAP_N 'someone-else'"):
        chap.verify([("CHAP_N", "someone-else"), ("CHAP_R", encode_binary(proof))])


@pytest.mark.parametrize(
    "pairs",
    [[], [("CHAP_N", "iqn.target")], [("CHAP_N", "iqn.target"), ("CHAP_R", "zz")]],
)
def test_mutual_missing_or_malformed_target_response(pairs: list[tuple[str, str]]) -> None:
    chap, _, _ = _mutual_after_respond()
    with pytest.raises(AuthenticationError, match="target failed mutual CHAP"):
        chap.verify(pairs)


def test_reflected_challenge_is_refused() -> None:
    chap = mutual(counter_random())
    chap.offer()
    # Replay the initiator's own challenge as the target's: the counter generator
    # gave one byte for CHAP_I, then 32 bytes of challenge.
    ours = counter_random()
    ours(1)
    reflected = ours(32)
    with pytest.raises(AuthenticationError, match="reflected"):
        chap.respond(target_keys(7, "1", encode_binary(reflected)))


def test_challenge_issued_by_another_login_is_refused() -> None:
    first = mutual()
    first.offer()
    issued = decode_binary(dict(first.respond(target_keys()))["CHAP_C"])
    second = mutual()
    second.offer()
    with pytest.raises(AuthenticationError, match="reflected"):
        second.respond(target_keys(7, "2", encode_binary(issued, base64=True)))


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (target_keys(challenge="0x0102030405"), "shorter than"),
        (target_keys(challenge="0x" + "ab" * 1025), "longer than"),
        (target_keys(identifier="256"), "CHAP_I=256"),
        (target_keys(identifier="-1"), "invalid CHAP_I"),
        (target_keys(identifier="x"), "invalid CHAP_I"),
        (target_keys(algorithm=9), "CHAP_A=9"),
        ([("CHAP_A", "Reject")], "CHAP_A=Reject"),
        (target_keys()[:2], "no CHAP_C"),
        (target_keys()[1:], "no CHAP_A"),
        ([*target_keys(), ("CHAP_I", "3")], "CHAP_I twice"),
        (target_keys(identifier="9" * 5000), "invalid CHAP_I"),
        (target_keys(identifier="0x" + "f" * 5000), "invalid CHAP_I"),
        (target_keys(identifier="0x 1"), "invalid CHAP_I"),
        (target_keys(identifier="0x_1"), "invalid CHAP_I"),
        ([("CHAP_A", "5" * 5000), *target_keys()[1:]], "CHAP_A=555"),
        ([("CHAP_A", "07"), *target_keys()[1:]], "CHAP_A=07"),
    ],
)
def test_bad_target_challenge(keys: list[tuple[str, str]], message: str) -> None:
    chap = one_way()
    chap.offer()
    with pytest.raises(AuthenticationError, match=message):
        chap.respond(keys)


def test_algorithm_not_offered_is_refused() -> None:
    chap = ChapInitiator(ChapCredentials("u", SECRET, algorithms=(ChapAlgorithm.SHA256,)))
    chap.offer()
    with pytest.raises(AuthenticationError, match="not one of the offered algorithms 7"):
        chap.respond(target_keys(5))


def test_malformed_challenge_is_a_negotiation_error() -> None:
    chap = one_way()
    chap.offer()
    with pytest.raises(NegotiationError):
        chap.respond(target_keys(challenge="abcdef"))


def test_call_order_is_enforced() -> None:
    chap = mutual()
    with pytest.raises(LocalProtocolError):
        chap.respond(target_keys())
    chap.offer()
    with pytest.raises(LocalProtocolError):
        chap.offer()
    with pytest.raises(LocalProtocolError):
        chap.verify([])


@pytest.mark.parametrize(
    ("creds", "message"),
    [
        (ChapCredentials("", SECRET), "username is empty"),
        (ChapCredentials("u", ""), "secret is empty"),
        (ChapCredentials("u", SECRET, "t", None), "both"),
        (ChapCredentials("u", SECRET, None, TARGET_SECRET), "both"),
        (ChapCredentials("u", SECRET, "t", SECRET), "must differ"),
        (ChapCredentials("u", SECRET, algorithms=()), "no CHAP algorithm"),
        (ChapCredentials("u", SECRET, algorithms=(ChapAlgorithm.MD5, ChapAlgorithm.MD5)),
         "twice"),
    ],
)
def test_bad_credentials(creds: ChapCredentials, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as info:
        ChapInitiator(creds)
    assert SECRET not in str(info.value)


def test_secrets_are_not_in_repr_or_str() -> None:
    creds = ChapCredentials("iqn.init", SECRET, "iqn.target", TARGET_SECRET)
    chap = ChapInitiator(creds)
    for text in (repr(creds), str(creds), repr(chap), str(chap)):
        assert SECRET not in text
        assert TARGET_SECRET not in text
        assert "iqn.init" in text
        assert "***" in text


def test_secrets_are_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="pyiscsi.login")
    chap, our_id, challenge = _mutual_after_respond()
    chap.verify([("CHAP_N", "iqn.target"), ("CHAP_R", encode_binary(
        expected("sha256", our_id, TARGET_SECRET.encode(), challenge)))])
    assert caplog.records
    assert SECRET not in caplog.text
    assert TARGET_SECRET not in caplog.text


@pytest.mark.parametrize(
    "text",
    ["0x" + "ab" * 1025, "0b" + "A" * 1372, "0x12 34", "0x\u0661\u0662", "0x" + "f" * 10**6],
)
def test_decode_binary_bounded_and_strict(text: str) -> None:
    with pytest.raises(NegotiationError):
        decode_binary(text)


def test_decode_binary_at_the_bound() -> None:
    assert len(decode_binary("0x" + "ab" * 1024)) == 1024
    assert len(decode_binary(encode_binary(bytes(1024), base64=True))) == 1024
    assert decode_binary("0x" + "ab" * 2000, max_length=2000) == b"\xab" * 2000
