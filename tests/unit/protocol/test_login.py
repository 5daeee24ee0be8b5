"""The login state machine: stages, CHAP (one-way and mutual), redirects, status classes."""

from __future__ import annotations

import logging

import pytest

from fake_target import FakeTarget, InitiatorPdu, TargetConfig, exchange
from pyiscsi import errors
from pyiscsi.protocol import pdu as P
from pyiscsi.protocol.chap import ChapAlgorithm, ChapCredentials
from pyiscsi.protocol.keys import OperationalSettings, encode_text
from pyiscsi.protocol.login import (
    Login,
    LoginParameters,
    LoginRedirect,
    Stage,
    parse_target_address,
)
from pyiscsi.protocol.session import ConnectionFailed, Session, State, TaskDone
from pyiscsi.protocol.tasks import LoginTask

INITIATOR = "iqn.2026-11.org.example:initiator"
TARGET = "iqn.2026-11.org.example:disk"
USER, SECRET = "alice", "initiator-secret-1"
TUSER, TSECRET = "disk-target", "target-secret-22"


def run_login(
    config: TargetConfig | None = None,
    credentials: ChapCredentials | None = None,
    target_name: str | None = TARGET,
    settings: OperationalSettings | None = None,
) -> tuple[Session, FakeTarget, LoginTask]:
    target = FakeTarget(config)
    conn = Session(LoginParameters(INITIATOR, target_name), settings, credentials)
    task = conn.login()
    events = exchange(conn, target)
    assert task in [e.task for e in events if isinstance(e, TaskDone)]
    return conn, target, task


def logins(target: FakeTarget) -> list[InitiatorPdu]:
    return target.of_opcode(P.Opcode.LOGIN_REQUEST)


def stages(pdu: InitiatorPdu) -> tuple[bool, bool, int, int]:
    """(T, C, CSG, NSG) of a Login Request."""
    return pdu.final, pdu.cont, (pdu.flags >> 2) & 3, pdu.flags & 3


def chap_config(**kwargs: object) -> TargetConfig:
    return TargetConfig(chap_user=USER, chap_secret=SECRET, **kwargs)  # type: ignore[arg-type]


MUTUAL = ChapCredentials(USER, SECRET, TUSER, TSECRET)
ISID = LoginParameters(INITIATOR).isid


def response(
    data: bytes = b"",
    *,
    transit: bool = True,
    cont: bool = False,
    csg: int = 1,
    nsg: int = 3,
    tsih: int = 0x4321,
    isid: bytes = ISID,
    version_max: int = 0,
    version_active: int = 0,
    status: tuple[int, int] = (0, 0),
) -> P.LoginResponse:
    """A Login Response as a target sends it; by default the final one of a login."""
    return P.LoginResponse(
        1, isid, tsih, transit, cont, csg, nsg if transit else 0, version_max, version_active,
        1, 1, 1, status[0], status[1], data,
    )


# ------------------------------------------------------------------------------ no auth


def test_login_without_authentication() -> None:
    conn, target, task = run_login()
    assert task.error is None and conn.state is State.FULL_FEATURE
    assert task.negotiated is conn.negotiated
    reqs = logins(target)
    # no security stage: one request, straight from operational to full feature phase
    assert [stages(r) for r in reqs] == [(True, False, 1, 3)]
    first = reqs[0].pairs
    assert first[:3] == [
        ("InitiatorName", INITIATOR),
        ("SessionType", "Normal"),
        ("TargetName", TARGET),
    ]
    keys = dict(first)
    assert "AuthMethod" not in keys
    assert keys["MaxRecvDataSegmentLength"] == "1048576"
    assert keys["HeaderDigest"] == "None,CRC32C"
    assert reqs[0].immediate
    assert reqs[0].lun >> 16 == 0x800000000001
    assert reqs[0].expstatsn == 0
    assert conn.expstatsn == target.statsn == target.config.initial_statsn + 1
    assert target.violations == []


def test_every_login_request_of_one_login_carries_the_same_itt_isid_cmdsn() -> None:
    _conn, target, task = run_login(chap_config(), ChapCredentials(USER, SECRET))
    assert task.error is None
    reqs = logins(target)
    assert len(reqs) == 4
    assert len({(r.itt, r.lun >> 16, r.cmdsn) for r in reqs}) == 1
    assert all(r.immediate for r in reqs)
    assert reqs[1].expstatsn == target.config.initial_statsn + 1


def test_discovery_login_has_no_target_name() -> None:
    _conn, target, task = run_login(target_name=None)
    assert task.error is None
    (first,) = [dict(r.pairs) for r in logins(target)]
    assert first["SessionType"] == "Discovery" and "TargetName" not in first
    assert "MaxBurstLength" not in first and "InitialR2T" not in first
    assert first["HeaderDigest"] == "None,CRC32C"


def test_login_continues_when_the_target_stays_in_security() -> None:
    # a target without CHAP answers the one-way CHAP initiator AuthMethod=None and T=0
    creds = ChapCredentials(USER, SECRET)
    _conn, target, task = run_login(TargetConfig(login_stay_in_security=True), creds)
    assert task.error is None
    assert [stages(r) for r in logins(target)] == [
        (False, False, 0, 0),
        (True, False, 0, 1),
        (True, False, 1, 3),
    ]
    assert logins(target)[1].data == b""


def test_login_response_split_with_the_c_bit() -> None:
    conn, target, task = run_login(TargetConfig(login_split=20))
    assert task.error is None
    assert conn.negotiated.target_alias == "fake"
    assert conn.negotiated.max_xmit_data_segment_length == 8192
    reqs = logins(target)
    empties = [r for r in reqs if not r.data]
    assert empties and all(stages(r)[:2] == (False, False) for r in empties)
    assert target.violations == []


def test_login_decodes_keys_split_inside_a_value() -> None:
    login = Login(LoginParameters(INITIATOR, TARGET), OperationalSettings(),
                  ChapCredentials(USER, SECRET))
    login.first_request()
    data = encode_text([("AuthMethod", "None"), ("TargetAlias", "split-alias")])
    more = login.receive(response(data[:15], cont=True, transit=False, csg=0, tsih=0))
    assert more is not None and more.data == b"" and not more.transit and not more.cont
    nxt = login.receive(response(data[15:], transit=False, csg=0, tsih=0))
    assert nxt is not None and (nxt.csg, nxt.transit, nxt.nsg) == (0, True, 1)
    assert login.target_alias == "split-alias"


def test_tsih_and_target_keys_are_taken_from_the_final_response() -> None:
    login = Login(
        LoginParameters(INITIATOR, TARGET),
        OperationalSettings(immediate_data=False, initial_r2t=True),
    )
    req = login.first_request()
    assert (req.transit, req.csg, req.nsg) == (True, Stage.OPERATIONAL, Stage.FULL_FEATURE)
    assert req.tsih == 0
    first = encode_text([("TargetPortalGroupTag", "7"), ("MaxConnections", "1")])
    nxt = login.receive(response(first, transit=False, tsih=0))
    assert nxt is not None and (nxt.transit, nxt.csg, nxt.nsg) == (True, 1, 3)
    answers = encode_text(
        [
            ("HeaderDigest", "None"),
            ("DataDigest", "None"),
            ("MaxBurstLength", "262144"),
            ("FirstBurstLength", "65536"),
            ("DefaultTime2Wait", "2"),
            ("DefaultTime2Retain", "0"),
            ("MaxOutstandingR2T", "1"),
            ("ErrorRecoveryLevel", "0"),
            ("MaxRecvDataSegmentLength", "4096"),
        ]
    )
    assert login.receive(response(answers, tsih=0x4321)) is None
    assert login.tsih == 0x4321 and login.stage is Stage.FULL_FEATURE
    result = login.result()
    assert result.tsih == 0x4321
    assert result.target_portal_group_tag == 7
    assert result.max_xmit_data_segment_length == 4096


def test_connection_keeps_the_tsih() -> None:
    conn, target, task = run_login()
    assert task.negotiated is not None and task.negotiated.tsih == target.config.tsih == 0x1234
    assert conn.negotiated.tsih == 0x1234


def test_login_response_in_the_wrong_stage() -> None:
    login = Login(LoginParameters(INITIATOR, TARGET), OperationalSettings())
    login.first_request()
    with pytest.raises(errors.LoginProtocolError, match="stage 0, we are in stage 1"):
        login.receive(response(encode_text([("AuthMethod", "None")]), csg=0, nsg=1))


def _first_answer_fails(resp: P.LoginResponse, match: str, tsih: int = 0,
                        credentials: ChapCredentials | None = None) -> errors.LoginProtocolError:
    login = Login(LoginParameters(INITIATOR, TARGET, tsih=tsih), OperationalSettings(),
                  credentials)
    login.first_request()
    with pytest.raises(errors.LoginProtocolError, match=match) as info:
        login.receive(resp)
    assert isinstance(info.value, errors.ProtocolError)
    assert isinstance(info.value, errors.LoginError)
    return info.value


@pytest.mark.parametrize(
    ("resp", "match"),
    [
        (response(transit=True, cont=True), "both T and C"),
        (response(version_active=1, version_max=1), "iSCSI version 1"),
        (response(version_max=0, version_active=0x10), "iSCSI version 16"),
        (response(isid=bytes(6)), "ISID 000000000000, not ours"),
        (response(tsih=0), "without assigning a TSIH"),
        (response(nsg=2), "to stage 2"),
        (response(nsg=1), "from stage 1 to stage 1"),
        (response(csg=3, nsg=3), "stage 3, we are in stage 1"),
        (response(csg=2), "stage 2, we are in stage 1"),
    ],
)
def test_rfc_rules_of_a_login_response(resp: P.LoginResponse, match: str) -> None:
    _first_answer_fails(resp, match)


def test_tsih_of_another_session_is_refused() -> None:
    _first_answer_fails(response(tsih=0x9999), "TSIH 0x9999 to a login into session 0x0042",
                        tsih=0x42)


def test_transit_not_asked_for_is_refused() -> None:
    # with CHAP the first request has T=0: the target may not move on
    _first_answer_fails(
        response(encode_text([("AuthMethod", "None")]), csg=0, nsg=1),
        "transition we did not ask for",
        credentials=ChapCredentials(USER, SECRET),
    )


def test_transit_past_the_asked_stage_is_refused() -> None:
    login = Login(LoginParameters(INITIATOR, TARGET), OperationalSettings(),
                  ChapCredentials(USER, SECRET))
    login.first_request()
    req = login.receive(response(encode_text([("AuthMethod", "None")]), csg=0, transit=False))
    assert req is not None and (req.transit, req.nsg) == (True, 1)
    with pytest.raises(errors.LoginProtocolError, match="we asked for stage 1"):
        login.receive(response(csg=0, nsg=3))


def test_login_response_for_another_itt_fails_the_connection() -> None:
    conn = Session(LoginParameters(INITIATOR, TARGET))
    task = conn.login()
    conn.receive_data(
        P.encode_target_pdu(
            P.LoginResponse(task.itt + 1, bytes(6), 0, True, False, 0, 1, 0, 0, 1, 1, 1, 0, 0)
        )
    )
    (failure,) = [e for e in conn.events() if isinstance(e, ConnectionFailed)]
    assert "Login Response for unknown task" in str(failure.error)
    assert task.error is failure.error


def test_login_response_in_full_feature_phase_fails_the_connection() -> None:
    conn, target, _ = run_login()
    conn.receive_data(
        P.encode_target_pdu(
            P.LoginResponse(1, bytes(6), 0, True, False, 1, 3, 0, 0, target.statsn, 1, 1, 0, 0)
        )
    )
    (failure,) = conn.events()
    assert isinstance(failure, ConnectionFailed)
    assert "outside the login phase" in str(failure.error)


def test_target_offers_are_answered_before_the_login_ends() -> None:
    extra = [("X-com.example.Vendor", "1"), ("iSCSIProtocolLevel", "2")]
    conn, target, task = run_login(TargetConfig(operational_extra=extra))
    assert task.error is None and conn.state is State.FULL_FEATURE
    reqs = logins(target)
    assert [stages(r) for r in reqs] == [(True, False, 1, 3), (True, False, 1, 3)]
    answers = dict(reqs[1].pairs)
    assert answers == {"X-com.example.Vendor": "NotUnderstood", "iSCSIProtocolLevel": "1"}
    assert target.violations == []


def test_target_ending_the_login_with_a_key_unanswered() -> None:
    conn, _target, task = run_login(
        TargetConfig(operational_extra=[("X-com.example.V", "1")], operational_extra_transit=True)
    )
    assert isinstance(task.error, errors.NegotiationError)
    assert "X-com.example.V" in str(task.error)
    assert conn.state is State.CLOSED


# --------------------------------------------------------------------------------- CHAP


@pytest.mark.parametrize("algorithm", list(ChapAlgorithm))
def test_chap_login(algorithm: ChapAlgorithm) -> None:
    config = chap_config(chap_algorithm=algorithm)
    conn, target, task = run_login(config, ChapCredentials(USER, SECRET))
    assert task.error is None and conn.state is State.FULL_FEATURE
    reqs = logins(target)
    assert [stages(r) for r in reqs] == [
        (False, False, 0, 0),
        (False, False, 0, 0),
        (True, False, 0, 1),
        (True, False, 1, 3),
    ]
    assert dict(reqs[0].pairs)["AuthMethod"] == "CHAP,None"
    assert reqs[1].pairs == [("CHAP_A", "8,7,6,5")]
    answer = dict(reqs[2].pairs)
    assert answer["CHAP_N"] == USER and "CHAP_C" not in answer
    assert len(bytes.fromhex(answer["CHAP_R"][2:])) == algorithm.digest_size
    assert conn.chap_algorithm is None  # the login is over
    assert target.violations == []


def test_chap_secret_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    _conn, _target, task = run_login(chap_config(mutual_user=TUSER, mutual_secret=TSECRET), MUTUAL)
    assert task.error is None
    text = caplog.text
    assert SECRET not in text and TSECRET not in text
    assert "<hidden>" in text  # login.py's own log hides CHAP_R and CHAP_C


def test_chap_responses_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    _conn, target, task = run_login(chap_config(mutual_user=TUSER, mutual_secret=TSECRET), MUTUAL)
    assert task.error is None
    values = [v for r in logins(target) for k, v in r.pairs if k in ("CHAP_R", "CHAP_C")]
    assert len(values) == 2
    for value in values:
        assert value[2:] not in caplog.text


def test_mutual_chap_login() -> None:
    conn, target, task = run_login(chap_config(mutual_user=TUSER, mutual_secret=TSECRET), MUTUAL)
    assert task.error is None and conn.state is State.FULL_FEATURE
    reqs = logins(target)
    assert dict(reqs[0].pairs)["AuthMethod"] == "CHAP"  # None is not acceptable
    answer = dict(reqs[2].pairs)
    assert {"CHAP_N", "CHAP_R", "CHAP_I", "CHAP_C"} <= answer.keys()
    assert target.violations == []


def test_mutual_chap_impostor_target_is_refused() -> None:
    conn, target, task = run_login(
        chap_config(mutual_user=TUSER, mutual_secret=TSECRET, impostor=True), MUTUAL
    )
    assert isinstance(task.error, errors.AuthenticationError)
    assert "wrong CHAP_R" in str(task.error)
    assert conn.state is State.CLOSED
    assert len(logins(target)) == 3  # nothing sent after the bad answer


def test_mutual_chap_wrong_target_name_is_refused() -> None:
    creds = ChapCredentials(USER, SECRET, "someone-else", TSECRET)
    _conn, _target, task = run_login(chap_config(mutual_user=TUSER, mutual_secret=TSECRET), creds)
    assert isinstance(task.error, errors.AuthenticationError)
    assert "CHAP_N" in str(task.error)


@pytest.mark.parametrize("refusal", ["Reject", "None"])
def test_target_refusing_chap_when_mutual_was_asked(refusal: str) -> None:
    conn, target, task = run_login(chap_config(refuse_chap=refusal), MUTUAL)
    assert isinstance(task.error, errors.AuthenticationError)
    assert conn.state is State.CLOSED
    assert len(logins(target)) == 1


def test_target_without_chap_accepts_a_one_way_chap_initiator() -> None:
    conn, target, task = run_login(TargetConfig(), ChapCredentials(USER, SECRET))
    assert task.error is None and conn.state is State.FULL_FEATURE
    assert [stages(r) for r in logins(target)] == [
        (False, False, 0, 0),
        (True, False, 0, 1),
        (True, False, 1, 3),
    ]


@pytest.mark.parametrize("generic", [False, True])
def test_wrong_chap_secret(generic: bool) -> None:
    config = chap_config(generic_auth_failure=generic)
    conn, target, task = run_login(config, ChapCredentials(USER, "not-the-secret"))
    assert isinstance(task.error, errors.AuthenticationError)
    assert task.error.status_class == 2
    assert conn.state is State.CLOSED
    # the target chose SHA-256 (CHAP_A=7): tried once more without it, as for tgtd
    assert target.connections == 2
    assert dict(logins(target)[-1].pairs).get("CHAP_A", "8,6,5") == "8,6,5"
    assert conn.expstatsn == target.config.initial_statsn + 4  # failed responses: not counted


def test_target_requires_chap_and_no_credentials() -> None:
    # a target requiring CHAP refuses a login that starts in the operational stage (tgtd)
    login = Login(LoginParameters(INITIATOR, TARGET), OperationalSettings())
    login.first_request()
    with pytest.raises(errors.AuthenticationError, match="no credentials") as info:
        login.receive(response(transit=False, tsih=0, status=(2, 1)))
    assert (info.value.status_class, info.value.status_detail) == (2, 1)


def test_target_asking_chap_of_an_initiator_without_credentials() -> None:
    # the login started in the operational stage: an answer from the security stage is wrong
    _first_answer_fails(
        response(encode_text([("AuthMethod", "CHAP")]), transit=False, csg=0, tsih=0),
        "stage 0, we are in stage 1",
    )


def test_target_chap_algorithm_not_offered() -> None:
    creds = ChapCredentials(USER, SECRET, algorithms=(ChapAlgorithm.SHA256,))
    _conn, _target, task = run_login(chap_config(chap_algorithm=ChapAlgorithm.MD5), creds)
    assert isinstance(task.error, errors.AuthenticationError)


# ---------------------------------------------------------------------------- redirects


@pytest.mark.parametrize(
    ("detail", "address", "host", "port", "permanent"),
    [
        (0x01, "192.0.2.7:3261,2", "192.0.2.7", 3261, False),
        (0x02, "[2001:db8::17]:3262,1", "2001:db8::17", 3262, True),
        (0x01, "[fe80::1%eth0]", "fe80::1%eth0", 3260, False),
        (0x02, "storage.example.com", "storage.example.com", 3260, True),
    ],
)
def test_redirect(detail: int, address: str, host: str, port: int, permanent: bool) -> None:
    conn, target, task = run_login(TargetConfig(redirect_to=address, login_status=(1, detail)))
    # the session follows the redirect: a new connection to the portal named
    assert target.connections == 2
    assert (conn.host, conn.port) == (host, port)
    assert task.error is None and conn.state is State.FULL_FEATURE
    error = conn.last_redirect
    assert isinstance(error, LoginRedirect)
    assert (error.host, error.port, error.permanent) == (host, port, permanent)
    assert (error.status_class, error.status_detail) == (1, detail)


def test_redirect_without_target_address() -> None:
    login = Login(LoginParameters(INITIATOR, TARGET), OperationalSettings())
    login.first_request()
    with pytest.raises(errors.TargetMovedError, match="0x0101"):
        login.receive(P.LoginResponse(1, bytes(6), 0, False, False, 0, 0, 0, 0, 1, 1, 1, 1, 1))


# ------------------------------------------------------------------------ status classes


@pytest.mark.parametrize(
    ("detail", "error_class"),
    [
        (0x00, errors.LoginError),
        (0x01, errors.AuthenticationError),
        (0x02, errors.AuthorizationError),
        (0x03, errors.TargetNotFoundError),
        (0x04, errors.TargetRemovedError),
        (0x05, errors.LoginError),
        (0x06, errors.LoginError),
        (0x07, errors.NegotiationError),
        (0x08, errors.LoginError),
        (0x09, errors.LoginError),
        (0x0A, errors.LoginError),
        (0x0B, errors.LoginError),
        (0x42, errors.LoginError),
    ],
)
def test_initiator_error_details(detail: int, error_class: type[errors.LoginError]) -> None:
    conn, _target, task = run_login(TargetConfig(login_status=(2, detail)))
    error = task.error
    assert type(error) is error_class
    assert isinstance(error, errors.LoginError)
    assert (error.status_class, error.status_detail) == (2, detail)
    assert f"0x02{detail:02x}" in str(error)
    assert conn.state is State.CLOSED


@pytest.mark.parametrize("detail", [0x00, 0x01, 0x02, 0x33])
def test_target_error_details(detail: int) -> None:
    _conn, target, task = run_login(TargetConfig(login_status=(3, detail), login_status_at=1),
                                    ChapCredentials(USER, SECRET))
    error = task.error
    assert type(error) is errors.TargetUnavailableError
    assert (error.status_class, error.status_detail) == (3, detail)
    assert len(logins(target)) == 2


def test_unknown_status_class_fails_the_connection() -> None:
    target = FakeTarget(TargetConfig(login_status=(4, 0)))
    conn = Session(LoginParameters(INITIATOR, TARGET))
    task = conn.login()
    events = exchange(conn, target)
    (failure,) = [e for e in events if isinstance(e, ConnectionFailed)]
    assert isinstance(failure.error, errors.ProtocolError)
    assert "0x0400" in str(failure.error)
    assert task.error is failure.error


# ------------------------------------------------------------------------ TargetAddress


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.1.2.3", ("10.1.2.3", 3260, None)),
        ("10.1.2.3:3261", ("10.1.2.3", 3261, None)),
        ("10.1.2.3:3261,5", ("10.1.2.3", 3261, 5)),
        ("10.1.2.3,1", ("10.1.2.3", 3260, 1)),
        ("[::1]", ("::1", 3260, None)),
        ("[::1]:860,3", ("::1", 860, 3)),
        ("[2001:db8::1],2", ("2001:db8::1", 3260, 2)),
        ("2001:db8::1", ("2001:db8::1", 3260, None)),  # bare IPv6: no port can be given
        ("host.example:65535", ("host.example", 65535, None)),
    ],
)
def test_parse_target_address(value: str, expected: tuple[str, int, int | None]) -> None:
    assert parse_target_address(value) == expected


@pytest.mark.parametrize(
    "value",
    ["host:0", "host:65536", "host:x", "[::1]x", ":3260", "host,tag", "[]:3260", "h,+1", "h, 1",
     "h,1_0", "h,65536", "h," + "9" * 5000, "h,\u0661"],
)
def test_parse_target_address_errors(value: str) -> None:
    with pytest.raises(errors.ProtocolError, match="TargetAddress"):
        parse_target_address(value)


# ------------------------------------------------------------------ endless and huge logins


def test_a_login_that_never_ends_is_refused() -> None:
    login = Login(LoginParameters(INITIATOR, TARGET), OperationalSettings())
    login.first_request()
    rounds = 0
    with pytest.raises(errors.NegotiationError, match="without end"):
        while True:  # the target answers T=0 with nothing, for ever
            request = login.receive(response(transit=False, tsih=0))
            assert request is not None and request.csg == Stage.OPERATIONAL
            rounds += 1
    assert rounds == 64


def test_an_endless_c_bit_answer_is_refused() -> None:
    login = Login(LoginParameters(INITIATOR, TARGET), OperationalSettings())
    login.first_request()
    with pytest.raises(errors.NegotiationError, match="without end"):
        for _ in range(65):
            request = login.receive(response(b"X=" + b"a" * 100, transit=False, cont=True, tsih=0))
            assert request is not None and request.data == b""


def test_a_login_response_with_too_many_keys_is_refused() -> None:
    login = Login(LoginParameters(INITIATOR, TARGET), OperationalSettings())
    login.first_request()
    with pytest.raises(errors.LoginProtocolError, match="more than 1024"):
        login.receive(response(b"a=b\0" * 1025, transit=False, tsih=0))
