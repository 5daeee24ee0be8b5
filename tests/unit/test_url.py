"""iSCSI URLs (libiscsi's format): every form, errors, environment, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyiscsi.errors import ConfigurationError, URLError
from pyiscsi.url import ISCSIURL, parse_portal_url, parse_url

IQN = "iqn.2003-01.org.example:disk1"
NO_ENV: dict[str, str] = {}
ENV = {
    "LIBISCSI_CHAP_USERNAME": "env-user",
    "LIBISCSI_CHAP_PASSWORD": "env-pass-9",
    "LIBISCSI_CHAP_TARGET_USERNAME": "env-tuser",
    "LIBISCSI_CHAP_TARGET_PASSWORD": "env-tpass-7",
}


# -- forms


def test_minimal_full_url() -> None:
    u = parse_url(f"iscsi://127.0.0.1/{IQN}/0", env=NO_ENV)
    assert u == ISCSIURL(host="127.0.0.1", port=3260, target=IQN, lun=0)
    assert u.portal == "127.0.0.1:3260"


def test_everything() -> None:
    u = parse_url(
        f"iscsi://alice%s3cret@storage.example.com:3261/{IQN}/17"
        "?target_user=tgt&target_password=t0p&header_digest=crc32c&data_digest=none"
        "&auth=sha3-256", env=NO_ENV)
    assert u == ISCSIURL(
        host="storage.example.com", port=3261, target=IQN, lun=17, user="alice",
        password="s3cret", target_user="tgt", target_password="t0p",
        header_digest="CRC32C", data_digest="None", auth="sha3-256")


def test_colon_separates_user_and_password() -> None:
    u = parse_url(f"iscsi://alice:pw@h/{IQN}/1", env=NO_ENV)
    assert (u.user, u.password) == ("alice", "pw")


def test_password_may_hold_at_and_slash_and_escapes() -> None:
    u = parse_url(f"iscsi://alice%p@s/w%3F%26@h/{IQN}/1", env=NO_ENV)
    assert (u.user, u.password, u.host) == ("alice", "p@s/w?&", "h")


@pytest.mark.parametrize(
    ("url", "host", "port", "portal"),
    [
        (f"iscsi://[::1]/{IQN}/0", "::1", 3260, "[::1]:3260"),
        (f"iscsi://[fe80::1:2]:3262/{IQN}/0", "fe80::1:2", 3262, "[fe80::1:2]:3262"),
        (f"iscsi://[::1]:3262,1/{IQN}/0", "::1", 3262, "[::1]:3262"),
        (f"iscsi://10.1.2.3:860,7/{IQN}/0", "10.1.2.3", 860, "10.1.2.3:860"),
        (f"iscsi://host-a,1/{IQN}/0", "host-a", 3260, "host-a:3260"),
    ],
)
def test_hosts_ports_and_tpgt(url: str, host: str, port: int, portal: str) -> None:
    u = parse_url(url, env=NO_ENV)
    assert (u.host, u.port, u.portal) == (host, port, portal)


def test_target_name_is_percent_decoded() -> None:
    u = parse_url("iscsi://h/iqn.2003-01.org.x%3Adisk%2F1%20%C3%A9/3", env=NO_ENV)
    assert u.target == "iqn.2003-01.org.x:disk/1 \u00e9"


@pytest.mark.parametrize("lun", [0, 1, 255, 256, 16383])
def test_lun_range(lun: int) -> None:
    assert parse_url(f"iscsi://h/{IQN}/{lun}", env=NO_ENV).lun == lun


@pytest.mark.parametrize(
    ("arg", "field", "value"),
    [
        ("header_digest=crc32c", "header_digest", "CRC32C"),
        ("header_digest=none", "header_digest", "None"),
        ("header_digest=CRC32C", "header_digest", "CRC32C"),
        ("data_digest=crc32c", "data_digest", "CRC32C"),
        ("auth=md5", "auth", "md5"),
        ("auth=sha1", "auth", "sha1"),
        ("auth=sha-256", "auth", "sha-256"),
        ("auth=SHA3-256", "auth", "sha3-256"),
    ],
)
def test_arguments(arg: str, field: str, value: str) -> None:
    assert getattr(parse_url(f"iscsi://h/{IQN}/0?{arg}", env=NO_ENV), field) == value


@pytest.mark.parametrize(
    ("url", "target", "lun"),
    [
        ("iscsi://h", None, None),
        ("iscsi://h/", None, None),
        (f"iscsi://h/{IQN}", IQN, None),
        (f"iscsi://h/{IQN}/4", IQN, 4),
        ("iscsi://h:3261?header_digest=crc32c", None, None),
    ],
)
def test_portal_url(url: str, target: str | None, lun: int | None) -> None:
    u = parse_portal_url(url, env=NO_ENV)
    assert (u.host, u.target, u.lun) == ("h", target, lun)


# -- errors


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://h/t/0", "does not start with 'iscsi://'"),
        ("iser://h/t/0", "iSER"),
        ("iscsi://h/t/x", "LUN 'x' is not a number"),
        ("iscsi://h/t/-1", "LUN '-1' is not a number"),
        ("iscsi://h/t/", "LUN '' is not a number"),
        ("iscsi://h/t/0/", "LUN '0/' is not a number"),
        (f"iscsi://h/t/{2**64}", "LUN 18446744073709551616 is out of range"),
        ("iscsi://h/t/99999", "LUN 99999 is out of range 0..16383"),
        ("iscsi://h/t/16384", "LUN 16384 is out of range 0..16383"),
        ("iscsi://h/t", "'/<lun>' is missing after the target name 't'"),
        ("iscsi://h", "'/<target-iqn>/<lun>' is missing"),
        ("iscsi://h//0", "target name is empty"),
        ("iscsi://h/t%2/0", "target name has a '%'"),
        ("iscsi://h/t%ff/0", "target name is not valid UTF-8"),
        ("iscsi:///t/0", "host is missing"),
        ("iscsi://:3260/t/0", "host is missing"),
        ("iscsi://ho st/t/0", "host 'ho st'"),
        ("iscsi://h:99999/t/0", "port '99999'"),
        ("iscsi://h:0/t/0", "port '0'"),
        ("iscsi://h:/t/0", "port ''"),
        ("iscsi://h:x/t/0", "port 'x'"),
        ("iscsi://h:3260,x/t/0", "portal group tag 'x'"),
        ("iscsi://::1/t/0", "must be written in [brackets]"),
        ("iscsi://[::1/t/0", "no closing ']'"),
        ("iscsi://[nothost]/t/0", "host [nothost] is not an IPv6 address"),
        ("iscsi://[::1]x/t/0", "unexpected 'x'"),
        ("iscsi://@h/t/0", "user name before '@' is empty"),
        ("iscsi://u%@h/t/0", "password is empty"),
        ("iscsi://%pw@h/t/0", "user name before '@' is empty"),
        ("iscsi://u@h/t/0", "user 'u' has no password"),
        ("iscsi://h/t/0?foo=1", "unknown argument 'foo'"),
        ("iscsi://h/t/0?force_usn=1", "unknown argument 'force_usn'"),
        ("iscsi://h/t/0?auth", "argument 'auth' has no value"),
        ("iscsi://h/t/0?auth=", "argument 'auth' has no value"),
        ("iscsi://h/t/0?auth=md4", "auth 'md4' is not one of md5, sha1, sha-256, sha3-256"),
        ("iscsi://h/t/0?header_digest=crc32", "header_digest 'crc32' is not crc32c or none"),
        ("iscsi://h/t/0?data_digest=yes", "data_digest 'yes' is not crc32c or none"),
        ("iscsi://h/t/0?auth=md5&auth=sha1", "argument 'auth' is given twice"),
        ("iscsi://h/t/0?target_user=tu&target_password=tp",
         "target_user/target_password (mutual CHAP) need a user and password"),
        ("iscsi://u%p@h/t/0?target_user=tu", "mutual CHAP needs target_password as well"),
        ("iscsi://u%p@h/t/0?target_password=tp", "mutual CHAP needs target_user as well"),
    ],
)
def test_errors_name_the_part(url: str, message: str) -> None:
    with pytest.raises(URLError) as info:
        parse_url(url, env=NO_ENV)
    assert message in str(info.value)
    assert str(info.value).startswith("invalid iSCSI URL '")
    assert isinstance(info.value, ConfigurationError)


def test_error_message_example_from_the_brief() -> None:
    with pytest.raises(URLError) as info:
        parse_url("iscsi://h/t/x", env=NO_ENV)
    assert str(info.value) == "invalid iSCSI URL 'iscsi://h/t/x': LUN 'x' is not a number"


@pytest.mark.parametrize(
    "url",
    [
        "iscsi://bob%Sup3rS3cret@h/t/x",
        "iscsi://bob:Sup3rS3cret@h/t/x",
        "iscsi://bob%Sup3rS3cret@h/t/0?target_user=tu&target_password=Sup3rS3cret&foo=1",
        "iscsi://bob%Sup3rS3cret@h/t/0?target_password=Sup3rS3cret",
        "iscsi://bob%Sup3rS3cret@[::1/t/0",
    ],
)
def test_passwords_never_in_messages(url: str) -> None:
    with pytest.raises(URLError) as info:
        parse_url(url, env=NO_ENV)
    assert "Sup3rS3cret" not in str(info.value)
    assert "***" in str(info.value)


def test_passwords_never_in_repr_or_str() -> None:
    u = parse_url(f"iscsi://bob%Sup3rS3cret@h/{IQN}/0?target_user=tu&target_password=T4rget",
                  env=NO_ENV)
    for text in (repr(u), str(u)):
        assert "Sup3rS3cret" not in text
        assert "T4rget" not in text
        assert "***" in text
    assert str(u) == (f"iscsi://bob%***@h:3260/{IQN}/0?target_user=tu&target_password=***")


# -- environment


def test_environment_fills_missing_credentials() -> None:
    u = parse_url(f"iscsi://h/{IQN}/0", env=ENV)
    assert (u.user, u.password, u.target_user, u.target_password) == (
        "env-user", "env-pass-9", "env-tuser", "env-tpass-7")


def test_url_wins_over_environment() -> None:
    u = parse_url(f"iscsi://bob%pw@h/{IQN}/0?target_user=tu&target_password=tp", env=ENV)
    assert (u.user, u.password, u.target_user, u.target_password) == ("bob", "pw", "tu", "tp")


def test_url_user_takes_the_environment_password() -> None:
    # libiscsi: the user from the URL, the password from LIBISCSI_CHAP_PASSWORD
    u = parse_url(f"iscsi://bob@h/{IQN}/0", env={"LIBISCSI_CHAP_PASSWORD": "envpw"})
    assert (u.user, u.password) == ("bob", "envpw")


def test_url_target_user_takes_the_environment_target_password() -> None:
    u = parse_url(f"iscsi://bob%pw@h/{IQN}/0?target_user=tu", env=ENV)
    assert (u.target_user, u.target_password) == ("tu", "env-tpass-7")


def test_incomplete_environment_is_ignored() -> None:
    only_user = {"LIBISCSI_CHAP_USERNAME": "u", "LIBISCSI_CHAP_TARGET_USERNAME": "tu",
                 "LIBISCSI_CHAP_TARGET_PASSWORD": "tp"}
    u = parse_url(f"iscsi://h/{IQN}/0", env=only_user)
    assert (u.user, u.password, u.target_user, u.target_password) == (None,) * 4
    # mutual CHAP from the environment only with normal CHAP
    u = parse_url(f"iscsi://bob%pw@h/{IQN}/0",
                  env={"LIBISCSI_CHAP_TARGET_USERNAME": "tu"})
    assert (u.user, u.target_user, u.target_password) == ("bob", None, None)


def test_empty_environment_values_are_unset() -> None:
    u = parse_url(f"iscsi://h/{IQN}/0",
                  env={"LIBISCSI_CHAP_USERNAME": "", "LIBISCSI_CHAP_PASSWORD": ""})
    assert u.user is None


def test_default_environment_is_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBISCSI_CHAP_USERNAME", "from-os")
    monkeypatch.setenv("LIBISCSI_CHAP_PASSWORD", "os-pw")
    monkeypatch.delenv("LIBISCSI_CHAP_TARGET_USERNAME", raising=False)
    monkeypatch.delenv("LIBISCSI_CHAP_TARGET_PASSWORD", raising=False)
    assert parse_portal_url("iscsi://h").user == "from-os"


# -- round trip

_label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
_hosts = st.one_of(
    st.lists(_label, min_size=1, max_size=4).map(".".join),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(str),
)
_targets = st.text(st.characters(codec="utf-8"), min_size=1, max_size=40)


@given(
    host=_hosts,
    port=st.integers(1, 65535),
    target=_targets,
    lun=st.integers(0, 16383),
    header_digest=st.sampled_from([None, "CRC32C", "None"]),
    data_digest=st.sampled_from([None, "CRC32C", "None"]),
    auth=st.sampled_from([None, "md5", "sha1", "sha-256", "sha3-256"]),
)
def test_str_round_trip(host: str, port: int, target: str, lun: int, header_digest: str | None,
                        data_digest: str | None, auth: str | None) -> None:
    u = ISCSIURL(host=host, port=port, target=target, lun=lun, header_digest=header_digest,
                 data_digest=data_digest, auth=auth)
    assert parse_url(str(u), env=NO_ENV) == u


@given(host=_hosts, port=st.integers(1, 65535))
def test_portal_str_round_trip(host: str, port: int) -> None:
    u = ISCSIURL(host=host, port=port)
    assert parse_portal_url(str(u), env=NO_ENV) == u


def test_auth_names_match_the_chap_algorithms() -> None:
    from pyiscsi.protocol.chap import AUTH_ALGORITHMS

    for name in AUTH_ALGORITHMS:
        assert parse_url(f"iscsi://h/{IQN}/0?auth={name}", env=NO_ENV).auth == name
