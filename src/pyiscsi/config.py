"""What a session needs to know before it connects, gathered from a URL and keyword arguments."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import field

from pyiscsi._dataclass import dataclass, field_names
from pyiscsi.errors import ConfigurationError
from pyiscsi.protocol.chap import DEFAULT_ALGORITHMS, ChapAlgorithm, ChapCredentials
from pyiscsi.protocol.connection import NO_HOOKS, Hooks
from pyiscsi.protocol.keys import OperationalSettings
from pyiscsi.url import DEFAULT_PORT, ISCSIURL, MAX_LUN, parse_portal_url, parse_url

__all__ = ["DEFAULT_INITIATOR_NAME", "SessionConfig"]

DEFAULT_INITIATOR_NAME = "iqn.2024-01.org.pyiscsi:initiator"

_AUTH_NAMES = {
    "md5": ChapAlgorithm.MD5,
    "sha1": ChapAlgorithm.SHA1,
    "sha-1": ChapAlgorithm.SHA1,
    "sha-256": ChapAlgorithm.SHA256,
    "sha256": ChapAlgorithm.SHA256,
    "sha3-256": ChapAlgorithm.SHA3_256,
}
_DIGEST_NAMES = {"none": "None", "crc32c": "CRC32C"}
_SETTINGS = frozenset(field_names(OperationalSettings))
# SessionConfig fields settable by keyword: type, and whether None is a value (not "default")
_SESSION_OPTIONS: dict[str, tuple[type, bool]] = {
    "initiator_name": (str, False),
    "initiator_alias": (str, True),
    "login_timeout": (float, False),
    "command_timeout": (float, True),
    "nop_interval": (float, True),
    "nop_timeout": (float, False),
    "reconnect": (bool, False),
    "reconnect_timeout": (float, True),
    "max_reconnects": (int, True),
    "check_lun": (bool, False),
    "abort_timeout": (float, False),
}
_HOOKS = ("pdu_hook", "wire_hook", "receive_hook")


def _digests(name: str, value: str | tuple[str, ...]) -> tuple[str, ...]:
    """'crc32c', 'none', 'crc32c,none' or a tuple -> the offered list in RFC spelling."""
    items = value.split(",") if isinstance(value, str) else list(value)
    try:
        return tuple(_DIGEST_NAMES[item.strip().lower()] for item in items)
    except KeyError:
        raise ConfigurationError(
            f"{name} must be 'none', 'crc32c' or a comma list of them, not {value!r}"
        ) from None


def _isid(value: object) -> bytes | None:
    """An ISID option: 6 bytes, or 12 hex digits; None for a random one."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = bytes.fromhex(value)
        except ValueError:
            raise ConfigurationError(f"isid must be 12 hex digits, not {value!r}") from None
    if not isinstance(value, bytes) or len(value) != 6:
        raise ConfigurationError(f"isid must be 6 bytes (or 12 hex digits), not {value!r}")
    return value


def _algorithms(value: str | tuple[ChapAlgorithm, ...]) -> tuple[ChapAlgorithm, ...]:
    if not isinstance(value, str):
        return tuple(ChapAlgorithm(v) for v in value)
    try:
        return tuple(_AUTH_NAMES[v.strip().lower()] for v in value.split(","))
    except KeyError:
        raise ConfigurationError(
            f"auth must be md5, sha1, sha-256 or sha3-256 (or a comma list), not {value!r}"
        ) from None


@dataclass(slots=True, repr=False)
class SessionConfig:
    """Everything needed to log in: where, as whom, to what, and what to negotiate."""

    host: str
    port: int = DEFAULT_PORT
    target: str | None = None
    lun: int = 0
    initiator_name: str = DEFAULT_INITIATOR_NAME
    initiator_alias: str | None = None
    credentials: ChapCredentials | None = None
    settings: OperationalSettings = field(default_factory=OperationalSettings)
    login_timeout: float = 30.0
    command_timeout: float | None = None
    nop_interval: float | None = None
    nop_timeout: float = 10.0
    reconnect: bool = True
    reconnect_timeout: float | None = 60.0
    max_reconnects: int | None = None
    check_lun: bool = True
    abort_timeout: float = 5.0
    hooks: Hooks = NO_HOOKS
    isid: bytes | None = None  # the session's ISID; None: a random one per session
    require_auth: bool = False
    require_mutual_chap: bool = False

    def __repr__(self) -> str:
        return (
            f"SessionConfig(host={self.host!r}, port={self.port}, target={self.target!r}, "
            f"lun={self.lun}, initiator_name={self.initiator_name!r}, "
            f"credentials={self.credentials!r})"
        )

    @classmethod
    def build(
        cls,
        url: str | ISCSIURL | None = None,
        *,
        discovery: bool = False,
        env: Mapping[str, str] | None = None,
        **options: object,
    ) -> SessionConfig:
        """Combine a URL (``iscsi://...``) and keyword options; keywords win over the URL.

        Options: host, port, target, lun, initiator_name, initiator_alias, user, password,
        target_user, target_password, auth, require_auth (refuse a target that lets us in
        without CHAP), require_mutual_chap (refuse a login where the target does not prove
        itself with mutual CHAP), header_digest, data_digest, login_timeout,
        command_timeout, nop_interval, nop_timeout, reconnect (True: after a lost connection,
        log in again and re-send the unfinished commands), reconnect_timeout (seconds to keep
        trying, None for ever), max_reconnects (attempts, None: no limit), check_lun (fail
        the connect when the LUN does not exist), abort_timeout (seconds for each step after a
        command timed out: ABORT TASK, LOGICAL UNIT RESET, reconnect), pdu_hook / wire_hook /
        receive_hook (see :class:`pyiscsi.protocol.connection.Hooks`), isid (6 bytes or
        12 hex digits: the same ISID for several sessions, to test reinstatement), and any
        :class:`OperationalSettings` field (max_recv_data_segment_length, max_burst_length,
        first_burst_length, immediate_data, initial_r2t, max_outstanding_r2t,
        default_time2wait, default_time2retain, ...).
        """
        environ = os.environ if env is None else env
        if isinstance(url, str):
            parsed = (
                parse_portal_url(url, env=environ) if discovery else parse_url(url, env=environ)
            )
        elif url is None:
            host = options.get("host")
            if not isinstance(host, str) or not host:
                raise ConfigurationError("give an iSCSI URL or host=")
            parsed = ISCSIURL(host=host)
        else:
            parsed = url
        opts = dict(options)

        def take(name: str, default: object) -> object:
            return opts.pop(name, default)

        host = take("host", parsed.host)
        port = take("port", parsed.port)
        target = take("target", parsed.target)
        lun = take("lun", parsed.lun if parsed.lun is not None else 0)
        if not isinstance(host, str) or not isinstance(port, int) or not 0 < port < 65536:
            raise ConfigurationError(f"bad portal {host!r}:{port!r}")
        if target is not None and not isinstance(target, str):
            raise ConfigurationError("target must be a string")
        if not discovery and not target:
            raise ConfigurationError("no target name: give one in the URL or as target=")
        if isinstance(lun, bool) or not isinstance(lun, int) or not 0 <= lun <= MAX_LUN:
            raise ConfigurationError(f"lun must be an integer 0..{MAX_LUN}, not {lun!r}")

        user = take("user", parsed.user)
        password = take("password", parsed.password)
        target_user = take("target_user", parsed.target_user)
        target_password = take("target_password", parsed.target_password)
        auth = take("auth", parsed.auth)
        credentials = None
        if user is not None or password is not None:
            if not user or password is None:
                raise ConfigurationError("CHAP needs both a user name and a password")
            if (target_user is None) != (target_password is None):
                raise ConfigurationError("mutual CHAP needs both target_user and target_password")
            credentials = ChapCredentials(
                str(user),
                str(password),
                None if target_user is None else str(target_user),
                None if target_password is None else str(target_password),
                _algorithms(auth) if auth else DEFAULT_ALGORITHMS,  # type: ignore[arg-type]
            )
        elif target_user is not None:
            raise ConfigurationError("mutual CHAP (target_user) needs CHAP user and password too")
        require_auth = take("require_auth", False)
        require_mutual = take("require_mutual_chap", False)
        if not isinstance(require_auth, bool) or not isinstance(require_mutual, bool):
            raise ConfigurationError("require_auth and require_mutual_chap must be bools")
        if require_mutual and (credentials is None or credentials.target_username is None):
            raise ConfigurationError(
                "require_mutual_chap needs target_user and target_password (and user, password)"
            )
        if require_auth or require_mutual:
            if credentials is None:
                raise ConfigurationError("require_auth needs a CHAP user and password")
            credentials.require_auth = True

        settings = OperationalSettings()
        hd = take("header_digest", parsed.header_digest)
        dd = take("data_digest", parsed.data_digest)
        if hd is not None:
            settings.header_digest = _digests("header_digest", hd)  # type: ignore[arg-type]
        if dd is not None:
            settings.data_digest = _digests("data_digest", dd)  # type: ignore[arg-type]
        for name in list(opts):
            if name in _SETTINGS:
                setattr(settings, name, opts.pop(name))
        settings.validate()

        config = cls(
            host=host,
            port=port,
            target=target,
            lun=lun,
            credentials=credentials,
            settings=settings,
            require_auth=require_auth or require_mutual,
            require_mutual_chap=require_mutual,
        )
        for name, (kind, nullable) in _SESSION_OPTIONS.items():
            if name not in opts:
                continue
            value = opts.pop(name)
            if value is None:
                if nullable:
                    setattr(config, name, None)
                continue
            if kind is float:
                if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                    raise ConfigurationError(
                        f"{name} must be a positive number of seconds, not {value!r}"
                    )
                value = float(value)
            elif kind is int:
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ConfigurationError(f"{name} must be a whole number >= 0, not {value!r}")
            elif not isinstance(value, kind):
                raise ConfigurationError(f"{name} must be a {kind.__name__}, not {value!r}")
            setattr(config, name, value)
        if "isid" in opts:
            config.isid = _isid(opts.pop("isid"))
        hooks = {name: opts.pop(name) for name in _HOOKS if name in opts}
        for name, hook in hooks.items():
            if hook is not None and not callable(hook):
                raise ConfigurationError(f"{name} must be callable, not {hook!r}")
        if any(hook is not None for hook in hooks.values()):
            config.hooks = Hooks(
                pdu=hooks.get("pdu_hook"),  # type: ignore[arg-type]
                wire=hooks.get("wire_hook"),  # type: ignore[arg-type]
                receive=hooks.get("receive_hook"),  # type: ignore[arg-type]
            )
        if opts:
            raise ConfigurationError(f"unknown option(s): {', '.join(sorted(opts))}")
        if not config.initiator_name:
            raise ConfigurationError("initiator_name must not be empty")
        return config
