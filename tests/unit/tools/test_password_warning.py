"""The tools warn (without the secret) when a CHAP password is on the command line."""

from __future__ import annotations

import argparse

import pytest

from pyiscsi.tools import common


def test_a_password_in_the_url_is_warned_about(capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(url="iscsi://alice%s3cret-pass@127.0.0.1/iqn.x:y/1", debug=0)
    common.warn_password_on_command_line("iscsi-inq", args)
    err = capsys.readouterr().err
    assert err.startswith("iscsi-inq: warning: a CHAP password on the command line")
    assert "LIBISCSI_CHAP_PASSWORD" in err
    assert "s3cret-pass" not in err


@pytest.mark.parametrize(
    "url", ["iscsi://alice@127.0.0.1/iqn.x:y/1", "iscsi://127.0.0.1/iqn.x:y/1", "iscsi://[::1]"]
)
def test_no_password_no_warning(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    common.warn_password_on_command_line("iscsi-ls", argparse.Namespace(url=url))
    assert capsys.readouterr().err == ""


def test_the_tools_keep_a_keepalive() -> None:
    args = argparse.Namespace(initiator_name="iqn.x:y")
    options = common.session_options(args)
    assert options["nop_interval"] == common.KEEPALIVE_INTERVAL
    assert options["nop_timeout"] == common.KEEPALIVE_TIMEOUT
