"""require_auth and require_mutual_chap against a real tgtd."""

from __future__ import annotations

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
    PLAIN_IQN,
    Tgtd,
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LIBISCSI_CHAP_USERNAME", "LIBISCSI_CHAP_PASSWORD",
                 "LIBISCSI_CHAP_TARGET_USERNAME", "LIBISCSI_CHAP_TARGET_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


async def _login_and_tur(url: str, **options: object) -> None:
    async with pyiscsi.connect(url, initiator_name=INITIATOR, **options) as s:
        result = await s.execute(test_unit_ready())
        assert result.status == 0


@run_async
async def test_plain_target_lets_a_chap_initiator_in(tgtd: Tgtd) -> None:
    await _login_and_tur(tgtd.url(PLAIN_IQN, 1, CHAP_USER, CHAP_PASSWORD))


@run_async
async def test_require_auth_refuses_a_target_without_chap(tgtd: Tgtd) -> None:
    # offered AuthMethod=CHAP alone, tgtd (no account on this target) refuses with 0x0201
    with pytest.raises(pyiscsi.AuthenticationError):
        await _login_and_tur(tgtd.url(PLAIN_IQN, 1, CHAP_USER, CHAP_PASSWORD), require_auth=True)


@run_async
async def test_require_auth_with_a_chap_target(tgtd: Tgtd) -> None:
    await _login_and_tur(tgtd.url(CHAP_IQN, 1, CHAP_USER, CHAP_PASSWORD), require_auth=True,
                         auth="md5")


@run_async
async def test_require_mutual_chap(tgtd: Tgtd) -> None:
    await _login_and_tur(
        tgtd.url(MUTUAL_IQN, 1, MUTUAL_USER, MUTUAL_PASSWORD),
        target_user=MUTUAL_TARGET_USER,
        target_password=MUTUAL_TARGET_PASSWORD,
        require_mutual_chap=True,
        auth="md5",
    )


@run_async
async def test_require_mutual_chap_refuses_a_one_way_target(tgtd: Tgtd) -> None:
    # the CHAP target has no outgoing account: it cannot answer our challenge
    with pytest.raises(pyiscsi.AuthenticationError):
        await _login_and_tur(
            tgtd.url(CHAP_IQN, 1, CHAP_USER, CHAP_PASSWORD),
            target_user=MUTUAL_TARGET_USER,
            target_password=MUTUAL_TARGET_PASSWORD,
            require_mutual_chap=True,
            auth="md5",
        )
