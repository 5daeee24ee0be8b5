"""CHAP against a real tgtd: one-way and mutual, by URL and by environment, and the failures.

What tgtd 1.0.85 does with CHAP_A (checked against the daemon): it knows MD5 (5) and takes 7
for SHA-1 (tgt's chap.c numbers SHA-1 as 7, where RFC 7143/IANA say 7 is SHA-256). So:

- ``auth=md5`` works;
- ``auth=sha1`` (6) and ``auth=sha3-256`` (8) are refused: tgtd answers login status 0x0200
  (initiator error, not 0x0201), so pyiscsi raises a plain LoginError;
- ``auth=sha-256`` (7): tgtd computes SHA-1, pyiscsi SHA-256: 0x0200 -> AuthenticationError;
- the default list (8,7,6,5) gets 7 first, fails, and pyiscsi retries once without 7 (its
  tgtd quirk), which ends in MD5: the strongest algorithm tgtd computes correctly.
"""

from __future__ import annotations

import logging
import re

import pytest
from _targets import INITIATOR, run_async, test_unit_ready

import pyiscsi
from tgt import (
    CHAP_IQN,
    CHAP_PASSWORD,
    CHAP_USER,
    MUTUAL_IQN,
    MUTUAL_PASSWORD,
    MUTUAL_TARGET_PASSWORD,
    MUTUAL_TARGET_USER,
    MUTUAL_USER,
    Tgtd,
)

WRONG_PASSWORD = "wrong-pw-Zq81x"
IMPOSTOR_PASSWORD = "impostor-tsecret-Kp27"
ENV_VARS = (
    "LIBISCSI_CHAP_USERNAME",
    "LIBISCSI_CHAP_PASSWORD",
    "LIBISCSI_CHAP_TARGET_USERNAME",
    "LIBISCSI_CHAP_TARGET_PASSWORD",
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No CHAP credentials from the outer environment."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def _algorithms_used(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The CHAP algorithms pyiscsi answered with, in order (from its DEBUG log)."""
    found = []
    for record in caplog.records:
        m = re.match(r"CHAP algorithm (\w+), responding", record.getMessage())
        if m:
            found.append(m.group(1))
    return found


async def _login_and_tur(url: str, **options: object) -> None:
    async with pyiscsi.connect(url, initiator_name=INITIATOR, **options) as s:
        result = await s.execute(test_unit_ready())
        assert result.status == 0


@run_async
async def test_chap_credentials_in_url(tgtd: Tgtd) -> None:
    await _login_and_tur(tgtd.url(CHAP_IQN, 1, CHAP_USER, CHAP_PASSWORD))


@run_async
async def test_chap_credentials_from_environment(
    tgtd: Tgtd, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIBISCSI_CHAP_USERNAME", CHAP_USER)
    monkeypatch.setenv("LIBISCSI_CHAP_PASSWORD", CHAP_PASSWORD)
    await _login_and_tur(tgtd.url(CHAP_IQN, 1))


@run_async
async def test_chap_url_wins_over_environment(tgtd: Tgtd, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBISCSI_CHAP_USERNAME", CHAP_USER)
    monkeypatch.setenv("LIBISCSI_CHAP_PASSWORD", WRONG_PASSWORD)
    await _login_and_tur(tgtd.url(CHAP_IQN, 1, CHAP_USER, CHAP_PASSWORD))


@run_async
async def test_mutual_chap_by_url(tgtd: Tgtd, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="pyiscsi")
    url = tgtd.url(
        MUTUAL_IQN,
        1,
        MUTUAL_USER,
        MUTUAL_PASSWORD,
        args={"target_user": MUTUAL_TARGET_USER, "target_password": MUTUAL_TARGET_PASSWORD},
    )
    await _login_and_tur(url)
    verified = f"target passed mutual CHAP authentication as {MUTUAL_TARGET_USER}"
    assert verified in caplog.messages


@run_async
async def test_mutual_chap_from_environment(
    tgtd: Tgtd, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="pyiscsi")
    monkeypatch.setenv("LIBISCSI_CHAP_USERNAME", MUTUAL_USER)
    monkeypatch.setenv("LIBISCSI_CHAP_PASSWORD", MUTUAL_PASSWORD)
    monkeypatch.setenv("LIBISCSI_CHAP_TARGET_USERNAME", MUTUAL_TARGET_USER)
    monkeypatch.setenv("LIBISCSI_CHAP_TARGET_PASSWORD", MUTUAL_TARGET_PASSWORD)
    await _login_and_tur(tgtd.url(MUTUAL_IQN, 1))
    verified = f"target passed mutual CHAP authentication as {MUTUAL_TARGET_USER}"
    assert verified in caplog.messages


@run_async
async def test_auth_md5(tgtd: Tgtd, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="pyiscsi")
    await _login_and_tur(tgtd.url(CHAP_IQN, 1, CHAP_USER, CHAP_PASSWORD), auth="md5")
    assert _algorithms_used(caplog) == ["MD5"]


@run_async
async def test_auth_md5_mutual(tgtd: Tgtd, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="pyiscsi")
    await _login_and_tur(
        tgtd.url(MUTUAL_IQN, 1, MUTUAL_USER, MUTUAL_PASSWORD),
        target_user=MUTUAL_TARGET_USER,
        target_password=MUTUAL_TARGET_PASSWORD,
        auth="md5",
    )
    assert _algorithms_used(caplog) == ["MD5"]


@pytest.mark.parametrize("auth", ["sha1", "sha3-256"])
@run_async
async def test_auth_tgtd_does_not_know(tgtd: Tgtd, auth: str) -> None:
    # tgtd refuses CHAP_A=6 and CHAP_A=8 with status 0x0200 (initiator error)
    with pytest.raises(pyiscsi.LoginError) as info:
        await _login_and_tur(tgtd.url(CHAP_IQN, 1, CHAP_USER, CHAP_PASSWORD), auth=auth)
    assert (info.value.status_class, info.value.status_detail) == (2, 0)


@run_async
async def test_auth_sha256_fails_because_tgtd_computes_sha1(tgtd: Tgtd) -> None:
    # tgtd takes CHAP_A=7 as SHA-1 and wants a 20-byte CHAP_R; our 32-byte SHA-256 answer
    # gets 0x0200 (initiator error), which pyiscsi reports as a CHAP failure.  With 7 alone
    # there is nothing to fall back to.
    with pytest.raises(pyiscsi.AuthenticationError) as info:
        await _login_and_tur(tgtd.url(CHAP_IQN, 1, CHAP_USER, CHAP_PASSWORD), auth="sha-256")
    assert (info.value.status_class, info.value.status_detail) == (2, 0)


@run_async
async def test_default_algorithms_end_in_strongest_tgtd_computes(
    tgtd: Tgtd, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="pyiscsi")
    await _login_and_tur(tgtd.url(CHAP_IQN, 1, CHAP_USER, CHAP_PASSWORD))
    # first tgtd picks 7 (its SHA-1), the retry without 7 gets MD5
    assert _algorithms_used(caplog) == ["SHA256", "MD5"]


@run_async
async def test_wrong_password(tgtd: Tgtd) -> None:
    with pytest.raises(pyiscsi.AuthenticationError) as info:
        await _login_and_tur(tgtd.url(CHAP_IQN, 1, CHAP_USER, WRONG_PASSWORD))
    assert (info.value.status_class, info.value.status_detail) == (2, 1)


@run_async
async def test_unknown_user(tgtd: Tgtd) -> None:
    with pytest.raises(pyiscsi.AuthenticationError):
        await _login_and_tur(tgtd.url(CHAP_IQN, 1, "nobody", CHAP_PASSWORD))


@run_async
async def test_missing_credentials(tgtd: Tgtd) -> None:
    with pytest.raises(pyiscsi.AuthenticationError) as info:
        await _login_and_tur(tgtd.url(CHAP_IQN, 1))
    assert "requires CHAP" in str(info.value)
    assert "no credentials" in str(info.value)


@run_async
async def test_impostor_target(tgtd: Tgtd) -> None:
    with pytest.raises(pyiscsi.AuthenticationError, match="mutual CHAP") as info:
        await _login_and_tur(
            tgtd.url(MUTUAL_IQN, 1, MUTUAL_USER, MUTUAL_PASSWORD),
            target_user=MUTUAL_TARGET_USER,
            target_password=IMPOSTOR_PASSWORD,
        )
    assert "wrong CHAP_R" in str(info.value)


@run_async
async def test_target_answers_with_other_name(tgtd: Tgtd) -> None:
    with pytest.raises(pyiscsi.AuthenticationError, match="CHAP_N"):
        await _login_and_tur(
            tgtd.url(MUTUAL_IQN, 1, MUTUAL_USER, MUTUAL_PASSWORD),
            target_user="someone-else",
            target_password=MUTUAL_TARGET_PASSWORD,
        )


@run_async
async def test_secrets_never_shown(tgtd: Tgtd, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="pyiscsi")
    secrets = [
        CHAP_PASSWORD,
        WRONG_PASSWORD,
        MUTUAL_PASSWORD,
        MUTUAL_TARGET_PASSWORD,
        IMPOSTOR_PASSWORD,
    ]
    shown: list[str] = []

    good = tgtd.url(
        MUTUAL_IQN,
        1,
        MUTUAL_USER,
        MUTUAL_PASSWORD,
        args={"target_user": MUTUAL_TARGET_USER, "target_password": MUTUAL_TARGET_PASSWORD},
    )
    async with pyiscsi.connect(good) as s:
        shown += [repr(s), str(s), repr(s.config), repr(s.parameters)]
        await s.execute(test_unit_ready())
    shown += [repr(pyiscsi.parse_url(good)), str(pyiscsi.parse_url(good))]

    failing = [
        (tgtd.url(CHAP_IQN, 1, CHAP_USER, WRONG_PASSWORD), {}),
        (tgtd.url(CHAP_IQN, 1, CHAP_USER, CHAP_PASSWORD), {"auth": "sha-256"}),
        (
            tgtd.url(MUTUAL_IQN, 1, MUTUAL_USER, MUTUAL_PASSWORD),
            {"target_user": MUTUAL_TARGET_USER, "target_password": IMPOSTOR_PASSWORD},
        ),
        (tgtd.url(CHAP_IQN, 1, CHAP_USER, CHAP_PASSWORD) + "?bogus=1", {}),
        (tgtd.url(CHAP_IQN, 1, CHAP_USER, CHAP_PASSWORD).replace("/1", "/x"), {}),
    ]
    for url, options in failing:
        with pytest.raises(pyiscsi.ISCSIError) as info:
            await _login_and_tur(url, **options)
        shown += [str(info.value), repr(info.value), repr(info.value.args)]
    assert len(shown) == 6 + 3 * len(failing)

    records = [r.getMessage() for r in caplog.records]
    records += [repr(r.args) for r in caplog.records]
    assert any("CHAP algorithm" in m for m in records)  # the CHAP exchange was logged
    for secret in secrets:
        for text in shown + records:
            assert secret not in text, f"secret shown in {text!r}"
