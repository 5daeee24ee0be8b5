"""What the command-line tools share: option parsing, debug level and logging, error exits.

URLs are parsed by :mod:`pyiscsi.url`, which also takes CHAP credentials from the environment
(``LIBISCSI_CHAP_*``) as libiscsi does; ``LIBISCSI_DEBUG`` sets the debug level here.

The tools follow libiscsi's utilities (``iscsi-ls``, ``iscsi-inq``, ``iscsi-readcapacity16``):
same options, same output on stdout. Where they differ on purpose: every failure is one line on
stderr (``<prog>: <what went wrong>``) and a non-zero exit status, never a traceback.

Exit statuses: 0 success, 2 bad command line, 10 any other failure (libiscsi's tools use 10),
130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from typing import Any, NoReturn, TextIO

from pyiscsi import Session
from pyiscsi.errors import (
    ISCSIConnectionError,
    ISCSIError,
    ISCSITimeoutError,
    LoginError,
    SCSIStatusError,
)

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_FAILURE = 10
EXIT_INTERRUPTED = 130

#: IQN naming authority of the tools' default initiator names.
INITIATOR_NAME_PREFIX = "iqn.2024-01.org.pyiscsi"

URL_SYNTAX = "iscsi://[<username>[%<password>]@]<host>[:<port>]/<target-iqn>/<lun>"
PORTAL_URL_SYNTAX = "iscsi://[<username>[%<password>]@]<host>[:<port>]"

URL_EPILOG_TEMPLATE = """\
iSCSI {what}URL format : {syntax}

<host> is either of:
  "hostname"       iscsi.example
  "ipv4-address"   10.1.1.27
  "ipv6-address"   [fce0::1]

URL arguments (?arg&arg): auth=md5|sha1|sha-256|sha3-256, header_digest=crc32c|none,
data_digest=crc32c|none, target_user=<name>&target_password=<secret> (mutual CHAP).

Environment: LIBISCSI_CHAP_USERNAME, LIBISCSI_CHAP_PASSWORD (CHAP, when the URL names no user),
LIBISCSI_CHAP_TARGET_USERNAME, LIBISCSI_CHAP_TARGET_PASSWORD (mutual CHAP), LIBISCSI_DEBUG (level).
"""

_log_handler: logging.Handler | None = None


class UsageError(Exception):
    """The command line is wrong; the message says how."""


class ToolError(Exception):
    """A failure the tool reports as it is: the message is the line to print."""


class ToolArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser that raises :class:`UsageError` instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


class _UsageAction(argparse.Action):
    """``--usage``: print the one-line usage and exit 0 (as libiscsi's tools do)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.update(nargs=0, default=argparse.SUPPRESS)
        super().__init__(option_strings, dest, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        parser.print_usage()
        parser.exit(0)


def default_initiator_name(tool: str) -> str:
    """The initiator name a tool uses without ``-i``: ``iqn.2024-01.org.pyiscsi:<tool>``."""
    return f"{INITIATOR_NAME_PREFIX}:{tool}"


def make_parser(prog: str, description: str, *, portal_url: bool = False) -> ToolArgumentParser:
    """A parser with the options every tool has: ``-i``, ``-d``, ``-h``/``-?``/``--help``.

    The caller adds its own options and the positional ``url``.
    """
    epilog = URL_EPILOG_TEMPLATE.format(
        what="Portal " if portal_url else "",
        syntax=PORTAL_URL_SYNTAX if portal_url else URL_SYNTAX,
    )
    parser = ToolArgumentParser(
        prog=prog,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,
    )
    parser.add_argument("-h", "-?", "--help", action="help", help="show this help message and exit")
    parser.add_argument("--usage", action=_UsageAction, help="show a brief usage message and exit")
    parser.add_argument(
        "-i",
        "--initiator-name",
        metavar="IQN",
        default=default_initiator_name(prog),
        help="initiator name to use (default: %(default)s)",
    )
    parser.add_argument(
        "-d",
        "--debug",
        metavar="N",
        type=debug_level_argument,
        default=None,
        help="debug level: 1 logs login negotiation, 2 also PDUs (a bare -d means 1)",
    )
    return parser


def debug_level_argument(text: str) -> int:
    """Parse a debug level (a non-negative integer, decimal or 0x hex)."""
    try:
        level = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"debug level must be an integer, not {text!r}") from None
    if level < 0:
        raise argparse.ArgumentTypeError(f"debug level must not be negative, not {level}")
    return level


def byte_argument(text: str) -> int:
    """Parse a value 0-255 given in decimal or as 0x hex (``131``, ``0x83``)."""
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number 0-255 (decimal or 0x hex), not {text!r}"
        ) from None
    if not 0 <= value <= 255:
        raise argparse.ArgumentTypeError(f"expected a number 0-255, not {value}")
    return value


def _is_int(text: str) -> bool:
    try:
        int(text, 0)
    except ValueError:
        return False
    return True


def normalize_argv(argv: Sequence[str]) -> list[str]:
    """Let ``-d``/``--debug`` stand alone, as in libiscsi 1.19: a bare one means level 1.

    ``-d 2``, ``-d2``, ``--debug 2`` and ``--debug=2`` keep their level.
    """
    out: list[str] = []
    args = list(argv)
    for index, arg in enumerate(args):
        if arg in ("-d", "--debug"):
            following = args[index + 1] if index + 1 < len(args) else None
            if following is None or not _is_int(following):
                out.append("--debug=1")
                continue
        out.append(arg)
    return out


def parse_args(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse ``argv`` (default ``sys.argv[1:]``) after :func:`normalize_argv`."""
    return parser.parse_args(normalize_argv(sys.argv[1:] if argv is None else argv))


def debug_level(option: int | None, environ: Mapping[str, str] | None = None) -> int:
    """The debug level: ``-d`` if given, else ``LIBISCSI_DEBUG``, else 0."""
    if option is not None:
        return option
    env = os.environ if environ is None else environ
    text = env.get("LIBISCSI_DEBUG", "").strip()
    if not text:
        return 0
    try:
        return max(0, int(text, 0))
    except ValueError:
        raise ValueError(f"LIBISCSI_DEBUG must be an integer, not {text!r}") from None


def setup_logging(level: int, stream: TextIO | None = None) -> None:
    """Send pyiscsi's log to ``stream`` (stderr): level 1 the login negotiation
    (logger ``pyiscsi.login``, each key offered and agreed) and session events, level 2 also
    PDU traces (``pyiscsi.pdu``, ``pyiscsi.connection``), level 3 everything.

    Warnings are always shown. Calling it again replaces the earlier setup.
    """
    global _log_handler
    root = logging.getLogger("pyiscsi")
    if _log_handler is not None:
        root.removeHandler(_log_handler)
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    root.addHandler(handler)
    root.propagate = False
    _log_handler = handler
    root.setLevel(logging.DEBUG if level >= 3 else logging.WARNING)
    levels = {
        "pyiscsi.login": logging.DEBUG if level >= 1 else logging.NOTSET,
        "pyiscsi.session": logging.INFO if level >= 1 else logging.NOTSET,
        "pyiscsi.pdu": logging.DEBUG if level >= 2 else logging.NOTSET,
        "pyiscsi.connection": logging.DEBUG if level >= 2 else logging.NOTSET,
    }
    for name, value in levels.items():
        logging.getLogger(name).setLevel(value)


def format_host_port(host: str, port: int) -> str:
    """``host:port``, with an IPv6 address in brackets."""
    if ":" in host and not host.startswith("["):
        return f"[{host}]:{port}"
    return f"{host}:{port}"


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().replace("\n", " ")
    return text or type(exc).__name__


def error_line(exc: BaseException) -> str:
    """The one line (without the program name) that reports ``exc``."""
    if isinstance(exc, LoginError):
        return f"login failed: {_describe(exc)}"
    if isinstance(exc, ISCSITimeoutError):
        return f"timed out: {_describe(exc)}"
    if isinstance(exc, ISCSIConnectionError):
        return f"connection failed: {_describe(exc)}"
    if isinstance(exc, OSError) and not isinstance(exc, ISCSIError):
        return f"connection failed: {exc.strerror or _describe(exc)}"
    return _describe(exc)


MainType = Callable[[], "int | Awaitable[int]"] | Coroutine[Any, Any, int]


def run(main: MainType, *, prog: str, stderr: TextIO | None = None) -> int:
    """Run a tool's body and turn every expected failure into one line on stderr.

    ``main`` is a coroutine, or a callable returning an int or a coroutine (which is run with
    ``asyncio.run``). Returns the exit status: the body's own, or 2 for :class:`UsageError`,
    10 for ToolError/ISCSIError/ValueError/OSError (and, silently, a closed stdout), 130 for
    KeyboardInterrupt.
    """
    err = sys.stderr if stderr is None else stderr
    try:
        result: Any = main if inspect.iscoroutine(main) else main()  # type: ignore[operator]
        if inspect.isawaitable(result):
            result = asyncio.run(_await(result))
        return int(result)
    except SystemExit as exc:  # --help
        code = exc.code
        return code if isinstance(code, int) else (EXIT_OK if code is None else EXIT_USAGE)
    except UsageError as exc:
        print(f"{prog}: {_describe(exc)} (try {prog} --help)", file=err)
        return EXIT_USAGE
    except BrokenPipeError:  # stdout closed early (| head): stop quietly
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=err)
        return EXIT_INTERRUPTED
    except ToolError as exc:
        print(f"{prog}: {_describe(exc)}", file=err)
        return EXIT_FAILURE
    except (ISCSIError, ValueError, OSError, EOFError) as exc:
        print(f"{prog}: {error_line(exc)}", file=err)
        return EXIT_FAILURE


async def _await(awaitable: Awaitable[int]) -> int:
    return await awaitable


async def execute(
    session: Session, what: str, cdb: bytes, data_in: int, *, lun: int | None = None
) -> bytes:
    """Run ``cdb``; return its data-in. A bad status raises ``ToolError("<what> failed: ...")``."""
    try:
        result = await session.execute(cdb, data_in=data_in, lun=lun)
    except SCSIStatusError as exc:
        raise ToolError(f"{what} failed: {_describe(exc)}") from None
    return bytes(result.data)


def write_lines(lines: Sequence[str], stream: TextIO | None = None) -> None:
    """Print ``lines`` to stdout, one per line."""
    out = sys.stdout if stream is None else stream
    for line in lines:
        out.write(line + "\n")
    out.flush()
