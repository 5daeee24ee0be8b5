"""Authentication policy: require_auth, require_mutual_chap, constant-time checks, no secrets."""

from __future__ import annotations

import hmac
import logging

import pytest

from fake_target import FakeTarget, TargetConfig, exchange
from pyiscsi import errors
from pyiscsi.config import SessionConfig
from pyiscsi.protocol import pdu as P
from pyiscsi.protocol.chap import ChapCredentials
from pyiscsi.protocol.login import LoginParameters
from pyiscsi.protocol.session import Session, TaskDone
from pyiscsi.protocol.tasks import LoginTask

INITIATOR = "iqn.2026-11.org.example:initiator"
TARGET = "iqn.2026-11.org.example:disk"
USER, SECRET = "alice", "initiator-secret-1"
TUSER, TSECRET = "disk-target", "target-secret-22"
URL = f"iscsi://127.0.0.1/{TARGET}/0"


def login(
    config: TargetConfig, credentials: ChapCredentials | None
) -> tuple[FakeTarget, LoginTask]:
    target = FakeTarget(config)
    conn = Session(LoginParameters(INITIATOR, TARGET), None, credentials)
    task = conn.login()
    events = exchange(conn, target)
    assert task in [e.task for e in events if isinstance(e, TaskDone)]
    return target, task


def auth_methods(target: FakeTarget) -> list[str]:
    return [dict(r.pairs)["AuthMethod"] for r in target.of_opcode(P.Opcode.LOGIN_REQUEST)
            if "AuthMethod" in dict(r.pairs)]


# ----------------------------------------------------------------------- config


def test_require_auth_sets_the_credentials_policy() -> None:
    config = SessionConfig.build(URL, user=USER, password=SECRET, require_auth=True)
    assert config.require_auth and not config.require_mutual_chap
    assert config.credentials is not None and config.credentials.require_auth


def test_require_mutual_chap_implies_require_auth() -> None:
    config = SessionConfig.build(URL, user=USER, password=SECRET, target_user=TUSER,
                                 target_password=TSECRET, require_mutual_chap=True)
    assert config.require_auth and config.require_mutual_chap
    assert config.credentials is not None and config.credentials.require_auth


def test_defaults_require_nothing() -> None:
    config = SessionConfig.build(URL)
    assert not config.require_auth and not config.require_mutual_chap
    assert config.credentials is None


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"require_auth": True}, "require_auth needs a CHAP user"),
        ({"require_mutual_chap": True}, "require_mutual_chap needs target_user"),
        ({"require_mutual_chap": True, "user": USER, "password": SECRET},
         "require_mutual_chap needs target_user"),
        ({"require_auth": "yes"}, "must be bools"),
    ],
)
def test_requirements_without_credentials_are_refused(options: dict[str, object],
                                                      match: str) -> None:
    with pytest.raises(errors.ConfigurationError, match=match):
        SessionConfig.build(URL, **options)


def test_secrets_not_in_reprs() -> None:
    config = SessionConfig.build(URL, user=USER, password=SECRET, target_user=TUSER,
                                 target_password=TSECRET, require_mutual_chap=True)
    for text in (repr(config), str(config.credentials), repr(config.credentials)):
        assert SECRET not in text and TSECRET not in text
    assert "require_auth=True" in repr(config.credentials)


# ----------------------------------------------------------------------- login


def test_require_auth_offers_only_chap_and_refuses_none() -> None:
    creds = ChapCredentials(USER, SECRET, require_auth=True)
    target, task = login(TargetConfig(), creds)  # a target without CHAP
    assert auth_methods(target) == ["CHAP"]
    assert isinstance(task.error, errors.AuthenticationError)
    assert "AuthMethod=None and authentication is required" in str(task.error)


def test_without_require_auth_a_target_without_chap_lets_us_in() -> None:
    target, task = login(TargetConfig(), ChapCredentials(USER, SECRET))
    assert auth_methods(target) == ["CHAP,None"]
    assert task.error is None


def test_require_auth_with_a_chap_target() -> None:
    creds = ChapCredentials(USER, SECRET, require_auth=True)
    _target, task = login(TargetConfig(chap_user=USER, chap_secret=SECRET), creds)
    assert task.error is None


def test_mutual_response_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    config = TargetConfig(chap_user=USER, chap_secret=SECRET, mutual_user=TUSER,
                          mutual_secret=TSECRET)
    _target, task = login(config, ChapCredentials(USER, SECRET, TUSER, TSECRET))
    assert task.error is None
    assert len(calls) == 1 and len(calls[0][0]) == 32  # SHA-256 CHAP_R


def test_secrets_never_in_logs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    config = TargetConfig(chap_user=USER, chap_secret=SECRET, mutual_user=TUSER,
                          mutual_secret=TSECRET, impostor=True)
    _target, task = login(config, ChapCredentials(USER, SECRET, TUSER, TSECRET))
    assert isinstance(task.error, errors.AuthenticationError)
    texts = [caplog.text, str(task.error), repr(task.error), repr(task)]
    assert caplog.text  # the login was logged at DEBUG
    for text in texts:
        assert SECRET not in text and TSECRET not in text
        assert "CHAP_R=0x" not in text and "CHAP_C=0x" not in text
