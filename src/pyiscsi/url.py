"""iSCSI URLs in libiscsi's format.

Full form (a LUN of a target) and portal form (for discovery)::

    iscsi://[<user>[%<password>]@]<host>[:<port>]/<target-iqn>/<lun>[?arg&arg...]
    iscsi://[<user>[%<password>]@]<host>[:<port>][/[<target-iqn>[/<lun>]]][?arg&arg...]

* ``<host>`` is a name, an IPv4 address or an IPv6 address in ``[brackets]``; a
  trailing ``,<tpgt>`` after host and port is dropped; the port defaults to 3260.
* ``user:password`` is accepted as well as ``user%password``; the password, the
  target name and argument values are %XX-decoded (UTF-8).
* The LUN is decimal, 0 to 16383 (what peripheral and flat space addressing reach).
* Arguments: ``target_user``, ``target_password`` (mutual CHAP, only together with
  a user and password), ``header_digest`` and ``data_digest`` (``crc32c``,
  ``none`` or a preference list such as ``crc32c,none``), ``auth`` (``md5``, ``sha1``,
  ``sha-256`` or ``sha3-256``).  Any other argument is an error.
* As in libiscsi, the environment variables ``LIBISCSI_CHAP_USERNAME``,
  ``LIBISCSI_CHAP_PASSWORD``, ``LIBISCSI_CHAP_TARGET_USERNAME`` and
  ``LIBISCSI_CHAP_TARGET_PASSWORD`` supply each credential the URL does not give;
  the URL wins.  An incomplete pair made only of environment values is ignored.

Malformed URLs raise :class:`~pyiscsi.errors.URLError` naming the wrong part.
Passwords never appear in messages, ``repr()`` or ``str()``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from pyiscsi._dataclass import dataclass
from pyiscsi.errors import URLError

__all__ = ["DEFAULT_PORT", "ISCSIURL", "parse_portal_url", "parse_url"]

DEFAULT_PORT = 3260
MAX_LUN = 16383  # flat space addressing; encode_lun() reaches no further

ENV_USERNAME = "LIBISCSI_CHAP_USERNAME"
ENV_PASSWORD = "LIBISCSI_CHAP_PASSWORD"
ENV_TARGET_USERNAME = "LIBISCSI_CHAP_TARGET_USERNAME"
ENV_TARGET_PASSWORD = "LIBISCSI_CHAP_TARGET_PASSWORD"

_SCHEME = "iscsi://"
_HOSTNAME = re.compile(r"[A-Za-z0-9._~-]+")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_DIGESTS = {"crc32c": "CRC32C", "none": "None"}
_AUTH = ("md5", "sha1", "sha-256", "sha3-256")
_ARGS = ("target_user", "target_password", "header_digest", "data_digest", "auth")
_ELIDED = "***"


@dataclass(slots=True, repr=False)
class ISCSIURL:
    """A parsed iSCSI URL.  ``repr()`` and ``str()`` show passwords as ``***``."""

    host: str
    port: int = DEFAULT_PORT
    target: str | None = None
    lun: int | None = None
    user: str | None = None
    password: str | None = None
    target_user: str | None = None
    target_password: str | None = None
    header_digest: str | None = None
    data_digest: str | None = None
    auth: str | None = None

    @property
    def portal(self) -> str:
        """``host:port``; an IPv6 address as ``[addr]:port``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def __str__(self) -> str:
        from urllib.parse import quote  # 2 ms to import: only when a URL is shown

        text = _SCHEME
        if self.user is not None:
            text += self.user  # never %-encoded: '%' separates the password
            if self.password is not None:
                text += "%" + _ELIDED
            text += "@"
        text += self.portal
        if self.target is not None:
            text += "/" + quote(self.target, safe=":")
            if self.lun is not None:
                text += f"/{self.lun}"
        args: list[str] = []
        if self.target_user is not None:
            args.append("target_user=" + quote(self.target_user, safe=""))
        if self.target_password is not None:
            args.append("target_password=" + _ELIDED)
        if self.header_digest is not None:
            args.append("header_digest=" + self.header_digest.lower())
        if self.data_digest is not None:
            args.append("data_digest=" + self.data_digest.lower())
        if self.auth is not None:
            args.append("auth=" + self.auth)
        if args:
            text += "?" + "&".join(args)
        return text

    def __repr__(self) -> str:
        fields = [f"host={self.host!r}", f"port={self.port}"]
        for name in ("target", "lun", "user"):
            value = getattr(self, name)
            if value is not None:
                fields.append(f"{name}={value!r}")
        if self.password is not None:
            fields.append("password='***'")
        if self.target_user is not None:
            fields.append(f"target_user={self.target_user!r}")
        if self.target_password is not None:
            fields.append("target_password='***'")
        for name in ("header_digest", "data_digest", "auth"):
            value = getattr(self, name)
            if value is not None:
                fields.append(f"{name}={value!r}")
        return f"ISCSIURL({', '.join(fields)})"


def parse_url(url: str, *, env: Mapping[str, str] | None = None) -> ISCSIURL:
    """Parse a full iSCSI URL; the target name and the LUN are required.

    ``env`` (default ``os.environ``) supplies CHAP credentials the URL lacks.
    """
    return _Parser(url, env).parse(full=True)


def parse_portal_url(url: str, *, env: Mapping[str, str] | None = None) -> ISCSIURL:
    """Parse a portal URL (for discovery); target name and LUN are optional."""
    return _Parser(url, env).parse(full=False)


def _redact(url: str) -> str:
    """``url`` with the password and target_password replaced by ``***``."""
    head, qmark, query = url.partition("?")
    start = head.find("://")
    at = head.rfind("@")
    if start != -1 and at > start:
        userinfo = head[start + 3 : at]
        sep = userinfo.find("%")
        if sep == -1:
            sep = userinfo.find(":")
        if sep != -1:
            head = head[: start + 3] + userinfo[: sep + 1] + _ELIDED + head[at:]
    if qmark:
        query = "&".join(
            "target_password=" + _ELIDED if arg.startswith("target_password=") else arg
            for arg in query.split("&")
        )
    return head + qmark + query


class _Parser:
    """One URL being parsed; :meth:`fail` raises URLError with the redacted URL."""

    def __init__(self, url: str, env: Mapping[str, str] | None) -> None:
        self.url = url
        self.env: Mapping[str, str] = os.environ if env is None else env

    def fail(self, problem: str) -> URLError:
        return URLError(f"invalid iSCSI URL {_redact(self.url)!r}: {problem}")

    def decode(self, text: str, part: str) -> str:
        """%XX-decode ``text`` strictly (UTF-8); ``part`` names it in errors."""
        if _BAD_ESCAPE.search(text):
            raise self.fail(f"{part} has a '%' not followed by two hex digits")
        if "%" not in text and text.isascii():
            return text  # nothing to decode
        from urllib.parse import unquote_to_bytes  # 2 ms to import: only when there is a %XX

        try:
            return unquote_to_bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise self.fail(f"{part} is not valid UTF-8 after %XX decoding") from None

    def parse(self, *, full: bool) -> ISCSIURL:
        url = self.url
        if not url.lower().startswith(_SCHEME):
            if url.lower().startswith("iser://"):
                raise self.fail("iSER (iser://) is not supported")
            raise self.fail("it does not start with 'iscsi://'")
        main, qmark, query = url[len(_SCHEME) :].partition("?")
        user = password = None
        at = main.rfind("@")
        if at != -1:
            user, password = self.userinfo(main[:at])
            main = main[at + 1 :]
        hostport, slash, path = main.partition("/")
        host, port = self.hostport(hostport)
        target, lun = self.path(path if slash else None, full=full)
        result = ISCSIURL(host=host, port=port, target=target, lun=lun)
        args = self.args(query) if qmark else {}
        result.header_digest = args.get("header_digest")
        result.data_digest = args.get("data_digest")
        result.auth = args.get("auth")
        self.credentials(result, user, password, args)
        return result

    def userinfo(self, userinfo: str) -> tuple[str, str | None]:
        sep = userinfo.find("%")
        if sep == -1:
            sep = userinfo.find(":")
        if sep == -1:
            user, password = userinfo, None
        else:
            user, password = userinfo[:sep], self.decode(userinfo[sep + 1 :], "password")
            if not password:
                raise self.fail("password is empty")
        if not user:
            raise self.fail("user name before '@' is empty")
        return user, password

    def hostport(self, hostport: str) -> tuple[str, int]:
        hostport, comma, tpgt = hostport.partition(",")
        if comma and not (tpgt.isascii() and tpgt.isdigit()):
            raise self.fail(f"portal group tag {tpgt!r} after ',' is not a number")
        if hostport.startswith("["):
            end = hostport.find("]")
            if end == -1:
                raise self.fail(f"IPv6 address {hostport!r} has no closing ']'")
            host = hostport[1:end].replace("%25", "%")
            import ipaddress  # only for an IPv6 address

            try:
                ipaddress.IPv6Address(host)
            except ValueError:
                raise self.fail(f"host [{host}] is not an IPv6 address") from None
            rest = hostport[end + 1 :]
            if rest and not rest.startswith(":"):
                raise self.fail(f"unexpected {rest!r} after the IPv6 address")
            port_text = rest[1:] if rest else None
        else:
            if hostport.count(":") > 1:
                raise self.fail(f"IPv6 address {hostport!r} must be written in [brackets]")
            host, colon, port_text_ = hostport.partition(":")
            port_text = port_text_ if colon else None
            if not host:
                raise self.fail("host is missing")
            if not _HOSTNAME.fullmatch(host):
                raise self.fail(f"host {host!r} is not a valid host name or address")
        if port_text is None:
            return host, DEFAULT_PORT
        if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) < 65536:
            raise self.fail(f"port {port_text!r} is not a number in 1..65535")
        return host, int(port_text)

    def path(self, path: str | None, *, full: bool) -> tuple[str | None, int | None]:
        if path is None or (not full and path == ""):
            if full:
                raise self.fail("'/<target-iqn>/<lun>' is missing after the host")
            return None, None
        target_text, slash, lun_text = path.partition("/")
        if not target_text:
            raise self.fail("target name is empty")
        target = self.decode(target_text, "target name")
        if not slash:
            if full:
                raise self.fail(f"'/<lun>' is missing after the target name {target!r}")
            return target, None
        if not (lun_text.isascii() and lun_text.isdigit()):
            raise self.fail(f"LUN {lun_text!r} is not a number")
        lun = int(lun_text)
        if lun > MAX_LUN:
            raise self.fail(f"LUN {lun} is out of range 0..{MAX_LUN}")
        return target, lun

    def args(self, query: str) -> dict[str, str]:
        args: dict[str, str] = {}
        for arg in query.split("&"):
            if not arg:
                continue
            key, eq, raw = arg.partition("=")
            if key not in _ARGS:
                known = ", ".join(sorted(_ARGS))
                raise self.fail(f"unknown argument {key!r} (known: {known})")
            if not eq or not raw:
                raise self.fail(f"argument {key!r} has no value")
            if key in args:
                raise self.fail(f"argument {key!r} is given twice")
            value = self.decode(raw, f"argument {key!r}")
            if key in ("header_digest", "data_digest"):
                digests = [_DIGESTS.get(item.strip().lower()) for item in value.split(",")]
                if None in digests or len(set(digests)) != len(digests):
                    raise self.fail(f"{key} {value!r} is not crc32c or none (or a list of both)")
                value = ",".join(d for d in digests if d is not None)
            elif key == "auth":
                if value.lower() not in _AUTH:
                    raise self.fail(f"auth {value!r} is not one of {', '.join(_AUTH)}")
                value = value.lower()
            args[key] = value
        return args

    def credentials(
        self, result: ISCSIURL, user: str | None, password: str | None, args: dict[str, str]
    ) -> None:
        """Merge URL and environment credentials (the URL wins) and check the pairs."""
        env = self.env
        url_user = user is not None
        user = user if user is not None else env.get(ENV_USERNAME) or None
        password = password if password is not None else env.get(ENV_PASSWORD) or None
        if user is not None and password is None:
            if url_user:
                raise self.fail(
                    f"user {user!r} has no password (give <user>%<password> or set {ENV_PASSWORD})"
                )
            user = None
        if user is None:
            password = None
        url_target = "target_user" in args or "target_password" in args
        target_user = args.get("target_user") or env.get(ENV_TARGET_USERNAME) or None
        target_password = args.get("target_password") or env.get(ENV_TARGET_PASSWORD) or None
        if target_user is not None or target_password is not None:
            if user is None:
                if url_target:
                    raise self.fail(
                        "target_user/target_password (mutual CHAP) need a user and password"
                    )
                target_user = target_password = None
            elif target_user is None or target_password is None:
                if url_target:
                    missing = "target_user" if target_user is None else "target_password"
                    raise self.fail(f"mutual CHAP needs {missing} as well")
                target_user = target_password = None
        result.user = user
        result.password = password
        result.target_user = target_user
        result.target_password = target_password
