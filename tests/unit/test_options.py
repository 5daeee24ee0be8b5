"""ConnectOptions (the typed keyword options) names exactly what SessionConfig.build takes."""

from __future__ import annotations

import pytest

import pyiscsi
from pyiscsi import ConnectOptions, SessionConfig, config

URL = "iscsi://127.0.0.1/iqn.2024-01.org.example:disk/1"
# taken by SessionConfig.build by name, besides the tables of config.py
NAMED = {
    "host", "port", "target", "lun", "env", "user", "password", "target_user",
    "target_password", "auth", "header_digest", "data_digest", "require_auth",
    "require_mutual_chap", "isid",
}  # fmt: skip


def test_typed_options_are_the_accepted_options() -> None:
    typed = set(ConnectOptions.__annotations__)
    accepted = NAMED | set(config._SETTINGS) | set(config._SESSION_OPTIONS) | set(config._HOOKS)
    assert typed == accepted


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"lun": 16384}, r"lun must be an integer 0\.\.16383"),
        ({"lun": True}, "lun must be an integer"),
        ({"login_timeout": "5"}, "login_timeout must be a positive number"),
        ({"initator_name": "x"}, "unknown option"),
    ],
)
def test_bad_option_values_are_configuration_errors(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(config.ConfigurationError, match=message):
        SessionConfig.build(URL, **options)


@pytest.mark.parametrize("value", [bytes.fromhex("80deadbeef01"), "80deadbeef01"])
def test_isid_option(value: bytes | str) -> None:
    assert SessionConfig.build(URL, isid=value).isid == bytes.fromhex("80deadbeef01")


@pytest.mark.parametrize("value", [b"short", "xyz", 5])
def test_bad_isid_is_a_configuration_error(value: object) -> None:
    with pytest.raises(pyiscsi.ConfigurationError, match="isid must be"):
        SessionConfig.build(URL, isid=value)
