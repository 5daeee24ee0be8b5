"""Text keys (RFC 7143 sections 6 and 13): encoding, settings, operational negotiation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyiscsi.errors import (
    ConfigurationError,
    LocalProtocolError,
    NegotiationError,
    ProtocolError,
)
from pyiscsi.protocol.keys import (
    KEYS,
    KeyKind,
    Negotiated,
    Negotiation,
    OperationalSettings,
    decode_text,
    encode_text,
    parse_number,
)

NORMAL_KEYS = [
    "HeaderDigest", "DataDigest", "MaxConnections", "InitialR2T", "ImmediateData",
    "MaxRecvDataSegmentLength", "MaxBurstLength", "FirstBurstLength", "DefaultTime2Wait",
    "DefaultTime2Retain", "MaxOutstandingR2T", "DataPDUInOrder", "DataSequenceInOrder",
    "ErrorRecoveryLevel", "IFMarker", "OFMarker",
]
DISCOVERY_KEYS = [
    "HeaderDigest", "DataDigest", "MaxRecvDataSegmentLength", "DefaultTime2Wait",
    "DefaultTime2Retain", "ErrorRecoveryLevel", "IFMarker", "OFMarker",
]

# A plausible full answer from a target to the default Normal offer.
TARGET_ANSWER = [
    ("HeaderDigest", "None"), ("DataDigest", "None"), ("MaxConnections", "1"),
    ("InitialR2T", "Yes"), ("ImmediateData", "Yes"), ("MaxRecvDataSegmentLength", "65536"),
    ("MaxBurstLength", "262144"), ("FirstBurstLength", "65536"), ("DefaultTime2Wait", "2"),
    ("DefaultTime2Retain", "0"), ("MaxOutstandingR2T", "1"), ("DataPDUInOrder", "Yes"),
    ("DataSequenceInOrder", "Yes"), ("ErrorRecoveryLevel", "0"),
]


def offered(settings: OperationalSettings | None = None,
            session_type: str = "Normal") -> Negotiation:
    n = Negotiation(settings or OperationalSettings(), session_type)
    n.offer()
    return n


def with_answer(key: str, value: str) -> list[tuple[str, str]]:
    return [(k, value if k == key else v) for k, v in TARGET_ANSWER]


# -- text encoding


def test_encode_text() -> None:
    assert encode_text([("HeaderDigest", "None,CRC32C"), ("TargetAlias", "")]) == (
        b"HeaderDigest=None,CRC32C\0TargetAlias=\0")
    assert encode_text([]) == b""


def test_decode_text() -> None:
    data = b"TargetName=iqn.a:b\0TargetAddress=10.0.0.1:3260,1\0X=a=b\0"
    assert decode_text(data) == [
        ("TargetName", "iqn.a:b"), ("TargetAddress", "10.0.0.1:3260,1"), ("X", "a=b")]
    assert decode_text(memoryview(b"A=1\0\0\0\0")) == [("A", "1")]  # padding ignored
    assert decode_text(b"") == []
    assert decode_text("TargetAlias=\u00e9\0".encode()) == [("TargetAlias", "\u00e9")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"NoEquals\0", "has no '='"),
        (b"=value\0", "empty key"),
        (b"A=\xff\xfe\0", "UTF-8"),
        (b"A=1", "does not end with a NUL"),
        (b"A=1\0\0B=2\0", "has no '='"),
        (b"K" * 64 + b"=1\0", "longer than 63 bytes"),
        (b"A=" + b"v" * 8193 + b"\0", "longer than 8192"),
    ],
)
def test_decode_text_rejects(data: bytes, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        decode_text(data)


def test_decode_text_counts_pairs_before_building_them() -> None:
    data = b"A=1\0" * 11
    assert len(decode_text(data, max_pairs=11)) == 11
    with pytest.raises(ProtocolError, match="12 key=value pairs, more than 11"):
        decode_text(data + b"B=2\0", max_pairs=11)
    # the default bound: a 16 MiB answer of tiny pairs is refused at once
    with pytest.raises(ProtocolError, match="more than 32768"):
        decode_text(b"TargetName=ab\0" * 40000)


@pytest.mark.parametrize("pair", [("", "v"), ("A=B", "v"), ("A\0", "v"), ("A", "v\0")])
def test_encode_text_rejects(pair: tuple[str, str]) -> None:
    with pytest.raises(ConfigurationError):
        encode_text([pair])


_keys = st.text(st.characters(codec="utf-8", exclude_characters="=\0"), min_size=1, max_size=15)
_values = st.text(st.characters(codec="utf-8", exclude_characters="\0"), max_size=40)


@given(st.lists(st.tuples(_keys, _values), max_size=8))
def test_text_round_trip(pairs: list[tuple[str, str]]) -> None:
    data = encode_text(pairs)
    assert decode_text(data) == pairs
    assert data.count(b"\0") == len(pairs)


@given(st.integers(min_value=0, max_value=2**32))
def test_parse_number_decimal_and_hex(value: int) -> None:
    assert parse_number(str(value)) == value
    assert parse_number(hex(value)) == value


@pytest.mark.parametrize("text", ["", "0x", "-1", "1.5", " 1", "0b01", "\u0661"])
def test_parse_number_rejects(text: str) -> None:
    with pytest.raises(ProtocolError, match="not a number"):
        parse_number(text)


@pytest.mark.parametrize("text", ["1" * 21, "9" * 5000, "0x" + "f" * 17, "0x1" + "0" * 10000])
def test_parse_number_refuses_more_than_64_bits(text: str) -> None:
    with pytest.raises(ProtocolError, match="larger than 64 bits"):
        parse_number(text)


def test_parse_number_leading_zeros() -> None:
    assert parse_number("0" * 5000 + "42") == 42
    assert parse_number("0x" + "0" * 100 + "ff") == 255
    assert parse_number(str(2**64 - 1)) == 2**64 - 1


# -- the key table


def test_table_has_every_rfc7143_key() -> None:
    rfc7143 = {
        "AuthMethod", "HeaderDigest", "DataDigest", "MaxConnections", "SendTargets",
        "TargetName", "InitiatorName", "TargetAlias", "InitiatorAlias", "TargetAddress",
        "TargetPortalGroupTag", "InitialR2T", "ImmediateData", "MaxRecvDataSegmentLength",
        "MaxBurstLength", "FirstBurstLength", "DefaultTime2Wait", "DefaultTime2Retain",
        "MaxOutstandingR2T", "DataPDUInOrder", "DataSequenceInOrder", "ErrorRecoveryLevel",
        "SessionType", "TaskReporting", "iSCSIProtocolLevel",
        "IFMarker", "OFMarker", "IFMarkInt", "OFMarkInt",
    }
    assert set(KEYS) == rfc7143
    assert KEYS["InitialR2T"].kind is KeyKind.BOOLEAN_OR
    assert KEYS["ImmediateData"].kind is KeyKind.BOOLEAN_AND
    assert KEYS["DataPDUInOrder"].kind is KeyKind.BOOLEAN_OR
    assert KEYS["DataSequenceInOrder"].kind is KeyKind.BOOLEAN_OR
    assert KEYS["DefaultTime2Wait"].kind is KeyKind.NUMERICAL_MAX
    assert KEYS["DefaultTime2Retain"].kind is KeyKind.NUMERICAL_MIN
    assert KEYS["MaxRecvDataSegmentLength"].kind is KeyKind.DECLARATIVE


def test_negotiated_defaults_match_the_table() -> None:
    n = Negotiated()
    for spec in KEYS.values():
        if spec.field is None or spec.default is None:
            continue
        shown = n.as_keys()[spec.name]
        assert shown == spec.default, spec.name


# -- settings


def test_offer_normal_lists_every_key_in_order() -> None:
    pairs = OperationalSettings().offer("Normal")
    assert [k for k, _ in pairs] == NORMAL_KEYS
    assert dict(pairs) == {
        "HeaderDigest": "None,CRC32C", "DataDigest": "None,CRC32C", "MaxConnections": "1",
        "InitialR2T": "No", "ImmediateData": "Yes", "MaxRecvDataSegmentLength": "1048576",
        "MaxBurstLength": "262144", "FirstBurstLength": "262144", "DefaultTime2Wait": "2",
        "DefaultTime2Retain": "0", "MaxOutstandingR2T": "1", "DataPDUInOrder": "Yes",
        "DataSequenceInOrder": "Yes", "ErrorRecoveryLevel": "0", "IFMarker": "No",
        "OFMarker": "No",
    }


def test_offer_discovery_leaves_out_irrelevant_keys() -> None:
    settings = OperationalSettings(header_digest=("CRC32C",), max_recv_data_segment_length=8192)
    pairs = settings.offer("Discovery")
    assert [k for k, _ in pairs] == DISCOVERY_KEYS
    assert dict(pairs)["HeaderDigest"] == "CRC32C"
    assert dict(pairs)["MaxRecvDataSegmentLength"] == "8192"


def test_offer_rejects_unknown_session_type() -> None:
    with pytest.raises(ConfigurationError, match="'Other'"):
        OperationalSettings().offer("Other")
    with pytest.raises(ConfigurationError):
        Negotiation(OperationalSettings(), "normal")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"header_digest": ()}, "header_digest"),
        ({"data_digest": ("CRC32",)}, "data_digest: 'CRC32'"),
        ({"header_digest": ("None", "None")}, "twice"),
        ({"max_recv_data_segment_length": 511}, "max_recv_data_segment_length=511"),
        ({"max_burst_length": 2**24}, "max_burst_length=16777216"),
        ({"first_burst_length": 100}, "first_burst_length=100"),
        ({"first_burst_length": 65536, "max_burst_length": 4096}, "exceeds"),
        ({"default_time2wait": 3601}, "default_time2wait"),
        ({"default_time2retain": -1}, "default_time2retain"),
        ({"max_outstanding_r2t": 0}, "max_outstanding_r2t"),
        ({"max_connections": 65536}, "max_connections"),
        ({"error_recovery_level": 3}, "error_recovery_level=3"),
        ({"immediate_data": 1}, "immediate_data"),
        ({"max_burst_length": True}, "max_burst_length"),
    ],
)
def test_validate(changes: dict[str, object], message: str) -> None:
    settings = OperationalSettings()
    for name, value in changes.items():
        setattr(settings, name, value)
    with pytest.raises(ConfigurationError, match=message):
        settings.validate()


def test_validate_accepts_defaults_and_limits() -> None:
    OperationalSettings().validate()
    OperationalSettings(max_recv_data_segment_length=512, max_burst_length=2**24 - 1,
                        first_burst_length=512, error_recovery_level=0,
                        default_time2wait=0, default_time2retain=3600).validate()


# -- answers to our offers


def test_full_answer_completes_the_negotiation() -> None:
    n = offered()
    assert not n.complete
    assert n.receive(TARGET_ANSWER) == []
    assert n.complete
    r = n.result()
    assert r == Negotiated(
        header_digest=False, data_digest=False, max_recv_data_segment_length=1048576,
        max_xmit_data_segment_length=65536, max_burst_length=262144,
        first_burst_length=65536, immediate_data=True, initial_r2t=True,
        max_outstanding_r2t=1, default_time2wait=2, default_time2retain=0,
        max_connections=1, data_pdu_in_order=True, data_sequence_in_order=True,
        error_recovery_level=0)


def test_partial_answer_is_not_complete() -> None:
    n = offered()
    n.receive(TARGET_ANSWER[:5])
    assert not n.complete
    n.receive(TARGET_ANSWER[5:])
    assert n.complete


@pytest.mark.parametrize(
    ("key", "answer", "field", "value"),
    [
        ("HeaderDigest", "CRC32C", "header_digest", True),
        ("DataDigest", "CRC32C", "data_digest", True),
        ("MaxBurstLength", "65536", "max_burst_length", 65536),       # min: smaller ok
        ("MaxBurstLength", "0x10000", "max_burst_length", 65536),     # hex numbers
        ("FirstBurstLength", "4096", "first_burst_length", 4096),
        ("MaxOutstandingR2T", "1", "max_outstanding_r2t", 1),
        ("DefaultTime2Retain", "0", "default_time2retain", 0),
        ("DefaultTime2Wait", "20", "default_time2wait", 20),          # max: bigger ok
        ("ImmediateData", "No", "immediate_data", False),             # AND
        ("InitialR2T", "Yes", "initial_r2t", True),                   # OR
        ("InitialR2T", "No", "initial_r2t", False),
    ],
)
def test_result_functions(key: str, answer: str, field: str, value: object) -> None:
    n = offered()
    n.receive(with_answer(key, answer))
    assert getattr(n.result(), field) == value


@pytest.mark.parametrize(
    ("settings", "key", "answer", "message"),
    [
        (OperationalSettings(), "MaxBurstLength", "524288", "more than the offered 262144"),
        (OperationalSettings(), "MaxConnections", "2", "more than the offered 1"),
        (OperationalSettings(), "ErrorRecoveryLevel", "1", "more than the offered 0"),
        (OperationalSettings(default_time2wait=5), "DefaultTime2Wait", "2",
         "less than the offered 5"),
        (OperationalSettings(immediate_data=False), "ImmediateData", "Yes", "we offered No"),
        (OperationalSettings(initial_r2t=True), "InitialR2T", "No", "we offered Yes"),
        (OperationalSettings(), "DataPDUInOrder", "No", "we offered Yes"),
        (OperationalSettings(), "DataSequenceInOrder", "No", "we offered Yes"),
        (OperationalSettings(header_digest=("None",)), "HeaderDigest", "CRC32C",
         "not one of the offered values None"),
        (OperationalSettings(), "HeaderDigest", "CRC32C,None", "not one of the offered"),
        (OperationalSettings(), "DataDigest", "MD5", "not one of the offered"),
        (OperationalSettings(), "MaxBurstLength", "100", "out of range 512..16777215"),
        (OperationalSettings(), "MaxBurstLength", "lots", "expected a number"),
        (OperationalSettings(), "ImmediateData", "yes", "expected Yes or No"),
        (OperationalSettings(), "MaxRecvDataSegmentLength", "100", "out of range"),
    ],
)
def test_bad_answers_are_refused(settings: OperationalSettings, key: str, answer: str,
                                 message: str) -> None:
    n = offered(settings)
    with pytest.raises(NegotiationError, match=message):
        n.receive(with_answer(key, answer))


def test_determined_booleans_need_no_answer() -> None:
    settings = OperationalSettings(immediate_data=False, initial_r2t=True)
    n = offered(settings)
    answer = [(k, v) for k, v in TARGET_ANSWER
              if k not in ("ImmediateData", "InitialR2T", "DataPDUInOrder",
                           "DataSequenceInOrder")]
    n.receive(answer)
    assert n.complete
    r = n.result()
    assert (r.immediate_data, r.initial_r2t, r.data_pdu_in_order) == (False, True, True)


def test_reject_and_not_understood_fall_back_to_defaults() -> None:
    n = offered(OperationalSettings(max_burst_length=65536, first_burst_length=65536))
    n.receive([("MaxBurstLength", "NotUnderstood"), ("DefaultTime2Retain", "Reject"),
               ("FirstBurstLength", "Irrelevant"), ("IFMarker", "Reject")])
    r = n.result()
    assert r.max_burst_length == 65536  # default 262144, but never more than offered
    assert r.default_time2retain == 0  # default 20 capped by our offer of 0
    assert r.first_burst_length == 65536


def test_rejected_required_digest_fails() -> None:
    n = offered(OperationalSettings(header_digest=("CRC32C",)))
    with pytest.raises(NegotiationError, match="HeaderDigest=Reject"):
        n.receive([("HeaderDigest", "Reject")])


def test_first_burst_length_never_exceeds_max_burst_length() -> None:
    n = offered()
    n.receive(with_answer("MaxBurstLength", "16384"))
    r = n.result()
    assert (r.max_burst_length, r.first_burst_length) == (16384, 16384)


def test_second_different_answer_is_refused() -> None:
    n = offered()
    n.receive(TARGET_ANSWER)
    n.receive([("MaxBurstLength", "262144")])  # the same again: harmless
    with pytest.raises(NegotiationError, match="second time"):
        n.receive([("MaxBurstLength", "8192")])


def test_key_twice_in_one_response_is_refused() -> None:
    n = offered()
    with pytest.raises(NegotiationError, match="MaxBurstLength twice in one Login Response"):
        n.receive([*TARGET_ANSWER, ("MaxBurstLength", "262144")])


def test_declaration_changed_is_refused() -> None:
    n = offered()
    n.receive(TARGET_ANSWER)
    with pytest.raises(NegotiationError, match="declared MaxRecvDataSegmentLength twice"):
        n.receive([("MaxRecvDataSegmentLength", "8192")])


@pytest.mark.parametrize(("name", "value"), [("max_connections", 2),
                                             ("error_recovery_level", 1),
                                             ("error_recovery_level", 2)])
def test_only_what_is_implemented_can_be_configured(name: str, value: int) -> None:
    with pytest.raises(ConfigurationError, match=f"{name}={value}: only . is implemented"):
        OperationalSettings(**{name: value}).validate()  # type: ignore[arg-type]


@pytest.mark.parametrize(("key", "value"), [("MaxConnections", "2"),
                                            ("ErrorRecoveryLevel", "1"),
                                            ("ErrorRecoveryLevel", "2")])
def test_target_insisting_on_more_than_implemented(key: str, value: str) -> None:
    n = offered()
    with pytest.raises(NegotiationError, match=f"{key}={value}, more than the offered"):
        n.receive(with_answer(key, value))


@pytest.mark.parametrize(("key", "value"), [("MaxConnections", "70000"),
                                            ("ErrorRecoveryLevel", "3"),
                                            ("ErrorRecoveryLevel", "9" * 5000),
                                            ("MaxBurstLength", "0x" + "f" * 40)])
def test_target_answers_out_of_range(key: str, value: str) -> None:
    n = offered()
    with pytest.raises(NegotiationError, match=key):
        n.receive(with_answer(key, value))


def test_target_offering_more_than_implemented_gets_what_we_do() -> None:
    n = Negotiation(OperationalSettings(), "Normal")  # nothing offered: the target starts
    assert n.receive([("ErrorRecoveryLevel", "2"), ("MaxConnections", "8")]) == [
        ("ErrorRecoveryLevel", "0"), ("MaxConnections", "1")]
    assert (n.result().error_recovery_level, n.result().max_connections) == (0, 1)


def test_endless_unknown_keys_are_refused() -> None:
    n = offered()
    unknown = [(f"X-vendor.k{i}", "1") for i in range(256)]
    assert len(n.receive(unknown)) == 256
    with pytest.raises(NegotiationError, match="more than 256 unknown keys"):
        n.receive([("X-vendor.one-more", "1")])


def test_offer_twice_is_refused() -> None:
    n = offered()
    with pytest.raises(LocalProtocolError):
        n.offer()


# -- keys the target sends on its own


def test_target_declarations() -> None:
    n = offered()
    assert n.receive([("TargetAlias", "disk one"), ("TargetPortalGroupTag", "1"),
                      ("MaxRecvDataSegmentLength", "131072")]) == []
    r = n.result()
    assert r.target_alias == "disk one"
    assert r.target_portal_group_tag == 1
    assert r.max_xmit_data_segment_length == 131072
    assert r.max_recv_data_segment_length == 1048576
    keys = r.as_keys()
    assert keys["TargetAlias"] == "disk one"
    assert keys["TargetPortalGroupTag"] == "1"
    assert keys["MaxXmitDataSegmentLength"] == "131072"


def test_target_declaration_out_of_range() -> None:
    n = offered()
    with pytest.raises(NegotiationError, match="TargetPortalGroupTag=65536"):
        n.receive([("TargetPortalGroupTag", "65536")])


def test_unknown_keys_are_not_understood() -> None:
    n = offered()
    answers = n.receive([("X-com.example.Foo", "1"), ("X#1234", "a"), ("Bogus", "b"),
                         ("RDMAExtensions", "Yes")])
    assert answers == [("X-com.example.Foo", "NotUnderstood"), ("X#1234", "NotUnderstood"),
                       ("Bogus", "NotUnderstood"), ("RDMAExtensions", "NotUnderstood")]


def test_obsolete_marker_keys_are_rejected() -> None:
    n = Negotiation(OperationalSettings(), "Normal")
    answers = n.receive([("IFMarker", "Yes"), ("OFMarkInt", "2048~8192")])
    assert answers == [("IFMarker", "Reject"), ("OFMarkInt", "Reject")]


@pytest.mark.parametrize(
    ("settings", "key", "value", "answer", "field", "result"),
    [
        (OperationalSettings(), "HeaderDigest", "CRC32C,None", "CRC32C", "header_digest",
         True),
        (OperationalSettings(header_digest=("None",)), "HeaderDigest", "CRC32C,None", "None",
         "header_digest", False),
        (OperationalSettings(), "MaxBurstLength", "1048576", "262144", "max_burst_length",
         262144),
        (OperationalSettings(), "MaxBurstLength", "8192", "8192", "max_burst_length", 8192),
        (OperationalSettings(), "DefaultTime2Wait", "1", "2", "default_time2wait", 2),
        (OperationalSettings(), "DefaultTime2Wait", "9", "9", "default_time2wait", 9),
        (OperationalSettings(immediate_data=False), "ImmediateData", "Yes", "No",
         "immediate_data", False),
        (OperationalSettings(), "ImmediateData", "Yes", "Yes", "immediate_data", True),
        (OperationalSettings(), "InitialR2T", "No", "No", "initial_r2t", False),
        (OperationalSettings(), "InitialR2T", "Yes", "Yes", "initial_r2t", True),
    ],
)
def test_target_offers_are_answered(settings: OperationalSettings, key: str, value: str,
                                    answer: str, field: str, result: object) -> None:
    n = Negotiation(settings, "Normal")
    assert n.receive([(key, value)]) == [(key, answer)]
    assert getattr(n.result(), field) == result


def test_target_offers_of_constant_keys() -> None:
    n = Negotiation(OperationalSettings(), "Normal")
    assert n.receive([("iSCSIProtocolLevel", "2"), ("TaskReporting", "ResponseFence,RFC3720")]
                     ) == [("iSCSIProtocolLevel", "1"), ("TaskReporting", "RFC3720")]
    other = Negotiation(OperationalSettings(), "Normal")
    assert other.receive([("TaskReporting", "FastAbort")]) == [("TaskReporting", "Reject")]


def test_target_digest_offer_without_common_value_fails() -> None:
    n = Negotiation(OperationalSettings(data_digest=("CRC32C",)), "Normal")
    with pytest.raises(NegotiationError, match="DataDigest"):
        n.receive([("DataDigest", "None")])


def test_target_offer_after_agreement_is_refused() -> None:
    n = Negotiation(OperationalSettings(), "Normal")
    n.receive([("MaxBurstLength", "65536")])
    with pytest.raises(NegotiationError, match="second time"):
        n.receive([("MaxBurstLength", "65536")])


def test_discovery_answers_irrelevant() -> None:
    n = offered(session_type="Discovery")
    answers = n.receive([("MaxBurstLength", "65536"), ("InitialR2T", "Yes"),
                         ("HeaderDigest", "None"), ("DataDigest", "None"),
                         ("DefaultTime2Wait", "2"), ("DefaultTime2Retain", "0"),
                         ("ErrorRecoveryLevel", "0")])
    assert answers == [("MaxBurstLength", "Irrelevant"), ("InitialR2T", "Irrelevant")]
    assert n.complete
    assert n.result().max_burst_length == 262144


def test_security_and_initiator_keys_from_target_are_ignored() -> None:
    n = offered()
    assert n.receive([("AuthMethod", "CHAP"), ("CHAP_A", "5"), ("SessionType", "Normal"),
                      ("InitiatorName", "iqn.x"), ("TargetPortalGroupTag", "3")]) == []
    assert n.result().target_portal_group_tag == 3


def test_offers_and_agreements_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="pyiscsi.login")
    n = offered()
    n.receive(with_answer("MaxBurstLength", "65536"))
    messages = [r.getMessage() for r in caplog.records if r.name == "pyiscsi.login"]
    assert "offered HeaderDigest=None,CRC32C" in messages
    assert "offered OFMarker=No" in messages
    assert "agreed MaxBurstLength=65536" in messages
    assert "agreed HeaderDigest=None" in messages
