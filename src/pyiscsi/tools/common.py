"""What the command-line tools share: one entry point, option parsing, logging, output, errors.

Every tool is a :class:`Tool`: its name, a function adding its options, and an async body
``body(args, out) -> int | None``. :func:`main` parses the command line, sets up logging, runs
the body on an event loop and turns every expected failure into one line on stderr.

URLs are parsed by :mod:`pyiscsi.url`, which also takes CHAP credentials from the environment
(``LIBISCSI_CHAP_*``) as libiscsi does; ``LIBISCSI_DEBUG`` sets the debug level here (a value
that is not a number is ignored, as libiscsi does).

The tools follow libiscsi's utilities: same options, same output on stdout. Where they differ on
purpose: every failure is one line on stderr (``<prog>: <what went wrong>``) and a non-zero exit
status, never a traceback; ``--json`` prints one JSON document instead of the text.

Exit statuses: 0 success, 2 bad command line, 10 any other failure (libiscsi's tools use 10),
130 interrupted. A closed stdout (``| head -1``) ends the tool quietly with status 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import inspect
import logging
import os
import sys
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass
from typing import Any, NoReturn, TextIO

import pyiscsi
from pyiscsi import Session
from pyiscsi.aio.loop import run as run_loop
from pyiscsi.errors import (
    CheckConditionError,
    ISCSIConnectionError,
    ISCSIError,
    ISCSITimeoutError,
    LoginError,
    LUNNotFoundError,
    NegotiationError,
    SCSIStatusError,
)
from pyiscsi.scsi import cdb
from pyiscsi.scsi.status import SenseKey

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

URL arguments (?arg&arg): auth=md5|sha1|sha-256|sha3-256, header_digest=crc32c|none|crc32c,none,
data_digest=crc32c|none|crc32c,none, target_user=<name>&target_password=<secret> (mutual CHAP).

Environment: LIBISCSI_CHAP_USERNAME, LIBISCSI_CHAP_PASSWORD (CHAP, when the URL names no user),
LIBISCSI_CHAP_TARGET_USERNAME, LIBISCSI_CHAP_TARGET_PASSWORD (mutual CHAP), LIBISCSI_DEBUG (level).
"""

WRITE_PROTECTED_ASC = 0x27
PERIPHERAL_QUALIFIER_NOT_SUPPORTED = 3

_log_handler: logging.Handler | None = None


class UsageError(Exception):
    """The command line is wrong; the message says how."""


class ToolError(Exception):
    """A failure the tool reports as it is: the message is the line to print."""


class ToolArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser that raises :class:`UsageError` instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's RawDescriptionHelpFormatter, given the terminal width: argparse makes one for
    every option added and asks :mod:`shutil` for the width, an import that costs a one-command
    tool 2-3 ms."""

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        if width is None:
            width = terminal_columns() - 2
        super().__init__(prog, indent_increment, max_help_position, width)


def terminal_columns() -> int:
    """The width ``shutil.get_terminal_size()`` reports: ``$COLUMNS``, else stdout's terminal,
    else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    stdout = sys.__stdout__
    if columns <= 0 and stdout is not None:
        try:
            columns = os.get_terminal_size(stdout.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


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


def make_parser(
    prog: str,
    description: str,
    *,
    portal_url: bool = False,
    json_output: bool = False,
    reconnect_options: bool = False,
    short_x: bool = True,
    short_d: bool = True,
) -> ToolArgumentParser:
    """A parser with the options every tool has: ``-i``, ``-d``, ``-h``/``-?``/``--help``;
    with ``json_output`` also ``--json``, with ``reconnect_options`` ``-x/--max-reconnects``
    (``--max-reconnects`` only, unless ``short_x``) and ``--timeout``. Without ``short_d``
    the debug level is ``--debug`` only (iscsi-dd's ``-d`` is ``--dst``).

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
        formatter_class=HelpFormatter,
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
        *(["-d", "--debug"] if short_d else ["--debug"]),
        metavar="N",
        type=debug_level_argument,
        default=None,
        help="debug level: 1 logs login negotiation, 2 also PDUs (a bare -d means 1)",
    )
    if json_output:
        parser.add_argument(
            "--json", action="store_true", help="print one JSON document instead of text"
        )
    if reconnect_options:
        names = ["-x", "--max-reconnects"] if short_x else ["--max-reconnects"]
        parser.add_argument(
            *names,
            dest="max_reconnects",
            metavar="N",
            type=count_argument,
            default=None,
            help="reconnect at most N times after a lost connection (0: never; default: retry "
            "until --timeout)",
        )
        parser.add_argument(
            "--timeout",
            metavar="SECONDS",
            type=seconds_argument,
            default=None,
            help="give up on a lost connection (and on a login) after this long (default 60)",
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


def count_argument(text: str) -> int:
    """Parse a non-negative integer (decimal or 0x hex)."""
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, not {value}")
    return value


def positive_argument(text: str) -> int:
    """Parse a positive integer (decimal or 0x hex)."""
    value = count_argument(text)
    if value == 0:
        raise argparse.ArgumentTypeError("expected a number > 0, not 0")
    return value


def seconds_argument(text: str) -> float:
    """Parse a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, not {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected seconds > 0, not {text}")
    return value


def _is_int(text: str) -> bool:
    try:
        int(text, 0)
    except ValueError:
        return False
    return True


def normalize_argv(argv: Sequence[str], *, short_d: bool = True) -> list[str]:
    """Let ``-d``/``--debug`` stand alone, as in libiscsi 1.19: a bare one means level 1.

    ``-d 2``, ``-d2``, ``--debug 2`` and ``--debug=2`` keep their level. Without ``short_d``
    only ``--debug`` is the debug option.
    """
    out: list[str] = []
    args = list(argv)
    names = ("-d", "--debug") if short_d else ("--debug",)
    for index, arg in enumerate(args):
        if arg == "--":
            out += args[index:]
            break
        if arg in names:
            following = args[index + 1] if index + 1 < len(args) else None
            if following is None or not _is_int(following):
                out.append("--debug=1")
                continue
        out.append(arg)
    return out


def parse_args(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None, *, short_d: bool = True
) -> argparse.Namespace:
    """Parse ``argv`` (default ``sys.argv[1:]``) after :func:`normalize_argv`."""
    args = sys.argv[1:] if argv is None else argv
    return parser.parse_args(normalize_argv(args, short_d=short_d))


def debug_level(option: int | None, environ: Mapping[str, str] | None = None) -> int:
    """The debug level: ``-d`` if given, else ``LIBISCSI_DEBUG`` if it is a number, else 0."""
    if option is not None:
        return option
    env = os.environ if environ is None else environ
    text = env.get("LIBISCSI_DEBUG", "").strip()
    try:
        return max(0, int(text, 0))
    except ValueError:
        return 0  # libiscsi (atoi) takes a non-number as 0


_RECONNECT_LINES = ("reconnect attempt", "reconnecting to")


class _ReconnectFilter(logging.Filter):
    """At debug level 0, let through the session's lines about a lost connection only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        return record.name == "pyiscsi.session" and str(record.msg).startswith(_RECONNECT_LINES)


def setup_logging(level: int, stream: TextIO | None = None, *, prog: str | None = None) -> None:
    """Send pyiscsi's log to ``stream`` (stderr): level 1 the login negotiation
    (logger ``pyiscsi.login``, each key offered and agreed) and session events, level 2 also
    PDU traces (``pyiscsi.pdu``, ``pyiscsi.connection``), level 3 everything.

    Warnings (a lost connection, a reconnect) and failed reconnect attempts are always shown,
    prefixed with ``prog`` when given. Calling it again replaces the earlier setup.
    """
    global _log_handler
    root = logging.getLogger("pyiscsi")
    if _log_handler is not None:
        root.removeHandler(_log_handler)
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    prefix = f"{prog}: " if prog else ""
    handler.setFormatter(logging.Formatter(prefix + "%(name)s: %(message)s"))
    if level == 0:
        handler.addFilter(_ReconnectFilter())
    root.addHandler(handler)
    root.propagate = False
    _log_handler = handler
    root.setLevel(logging.DEBUG if level >= 3 else logging.WARNING)
    levels = {
        "pyiscsi.login": logging.DEBUG if level >= 1 else logging.NOTSET,
        "pyiscsi.session": logging.INFO,
        "pyiscsi.pdu": logging.DEBUG if level >= 2 else logging.NOTSET,
        "pyiscsi.connection": logging.DEBUG if level >= 2 else logging.NOTSET,
    }
    for name, value in levels.items():
        logging.getLogger(name).setLevel(value)


_TOOL_LOGGERS = ("pyiscsi", "pyiscsi.login", "pyiscsi.session", "pyiscsi.pdu", "pyiscsi.connection")


@contextlib.contextmanager
def restored_logging() -> Iterator[None]:
    """Undo :func:`setup_logging` on leaving (a tool run inside another program, or a test)."""
    global _log_handler
    loggers = [logging.getLogger(name) for name in _TOOL_LOGGERS]
    saved = [(lg, list(lg.handlers), lg.level, lg.propagate) for lg in loggers]
    handler = _log_handler
    try:
        yield
    finally:
        for lg, handlers, level, propagate in saved:
            lg.handlers[:] = handlers
            lg.setLevel(level)
            lg.propagate = propagate
        _log_handler = handler


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
    if isinstance(exc, NegotiationError) and "digest" in str(exc).lower():
        key = "data_digest" if "DataDigest" in str(exc) else "header_digest"
        return (
            f"login failed: {_describe(exc)} (the target refuses the digest asked for; "
            f"to allow none, ask for {key}=crc32c,none in the URL)"
        )
    if isinstance(exc, LoginError):
        return f"login failed: {_describe(exc)}"
    if isinstance(exc, ISCSITimeoutError):
        return f"timed out: {_describe(exc)}"
    if isinstance(exc, ISCSIConnectionError):
        return f"connection failed: {_describe(exc)}"
    if isinstance(exc, CheckConditionError) and _is_write_protected(exc):
        return f"the LUN is write protected: {_describe(exc)}"
    if isinstance(exc, OSError) and not isinstance(exc, ISCSIError):
        what = exc.strerror or _describe(exc)
        return f"{exc.filename}: {what}" if exc.filename else f"connection failed: {what}"
    return _describe(exc)


def _is_write_protected(exc: CheckConditionError) -> bool:
    sense = exc.sense
    if sense is None:
        return False
    return sense.key == SenseKey.DATA_PROTECT and sense.asc == WRITE_PROTECTED_ASC


MainType = Callable[[], "int | Awaitable[int]"] | Coroutine[Any, Any, int]


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def run(
    main: MainType,
    *,
    prog: str,
    stderr: TextIO | None = None,
    interrupt_note: Callable[[], str | None] | None = None,
) -> int:
    """Run a tool's body and turn every expected failure into one line on stderr.

    ``main`` is a coroutine, or a callable returning an int or a coroutine (which is run with
    uvloop when installed). Returns the exit status: the body's own, or 2 for :class:`UsageError`,
    10 for ToolError/ISCSIError/ValueError/OSError, 0 for a closed stdout (a reader such as
    ``head`` that has read enough), 130 for KeyboardInterrupt (whose line is
    ``interrupt_note()`` if that says something, else ``interrupted``).
    """
    err = sys.stderr if stderr is None else stderr
    try:
        result: Any = main if inspect.iscoroutine(main) else main()  # type: ignore[operator]
        if inspect.isawaitable(result):
            result = run_loop(_await(result))
        if result is None:
            result = EXIT_OK
        with contextlib.suppress(ValueError):
            sys.stdout.flush()
        return int(result)
    except SystemExit as exc:  # --help
        code = exc.code
        return code if isinstance(code, int) else (EXIT_OK if code is None else EXIT_USAGE)
    except UsageError as exc:
        print(f"{prog}: {_describe(exc)} (try {prog} --help)", file=err)
        return EXIT_USAGE
    except BrokenPipeError:  # stdout closed early (| head): stop quietly, not a failure
        _silence_stdout()
        return EXIT_OK
    except KeyboardInterrupt:
        note = interrupt_note() if interrupt_note is not None else None
        print(f"{prog}: {note or 'interrupted'}", file=err)
        return EXIT_INTERRUPTED
    except ToolError as exc:
        print(f"{prog}: {_describe(exc)}", file=err)
        return EXIT_FAILURE
    except (ISCSIError, ValueError, OSError, EOFError) as exc:
        print(f"{prog}: {error_line(exc)}", file=err)
        return EXIT_FAILURE


async def _await(awaitable: Awaitable[int]) -> int:
    return await awaitable


# ---------------------------------------------------------------------------- output


class Output:
    """Where a tool's results go: text lines on stdout, or (``--json``) one JSON document.

    ``line()``/``lines()`` print at once in text mode and are dropped in JSON mode;
    ``data`` collects the JSON fields, printed by :meth:`finish` in JSON mode.
    """

    def __init__(self, *, json_mode: bool = False, stream: TextIO | None = None) -> None:
        self.json = json_mode
        self.stream = sys.stdout if stream is None else stream
        self.data: dict[str, Any] = {}
        self.interrupt_note: str | None = None  # what Ctrl-C reports, if not "interrupted"

    def line(self, text: str) -> None:
        """Print one line of text (text mode only)."""
        if not self.json:
            self.stream.write(text + "\n")
            self.stream.flush()

    def lines(self, texts: Sequence[str]) -> None:
        """Print lines of text (text mode only)."""
        for text in texts:
            self.line(text)

    def finish(self) -> None:
        """In JSON mode print ``data`` as one JSON document."""
        if self.json:
            import json  # only --json needs it

            json.dump(self.data, self.stream, indent=2, sort_keys=False, default=_json_default)
            self.stream.write("\n")
            self.stream.flush()


def _json_default(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: v for k, v in dataclasses.asdict(value).items() if not k.startswith("_")}
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def jsonable(value: Any) -> Any:
    """``value`` with dataclasses, bytes and tuples turned into JSON types."""
    import json  # only --json needs it

    return json.loads(json.dumps(value, default=_json_default))


@dataclass(frozen=True, slots=True)
class Tool:
    """One command-line tool: ``add_options(parser)`` and ``body(args, out)``."""

    prog: str
    description: str
    add_options: Callable[[ToolArgumentParser], None]
    body: Callable[[argparse.Namespace, Output], Awaitable[int | None]]
    portal_url: bool = False
    json_output: bool = True
    reconnect_options: bool = True
    short_x: bool = True
    debug_short: bool = True
    #: run on uvloop when it is installed (a tool that moves data); False: on asyncio's own
    #: loop, which starts about 5 ms sooner (a tool that sends a few commands)
    uvloop: bool = True

    def parser(self) -> ToolArgumentParser:
        """The tool's full command line."""
        parser = make_parser(
            self.prog,
            self.description,
            portal_url=self.portal_url,
            json_output=self.json_output,
            reconnect_options=self.reconnect_options,
            short_x=self.short_x,
            short_d=self.debug_short,
        )
        self.add_options(parser)
        return parser

    def parse(self, argv: Sequence[str] | None) -> argparse.Namespace:
        """Parse ``argv`` (default: the command line)."""
        return parse_args(self.parser(), argv, short_d=self.debug_short)

    def main(self, argv: Sequence[str] | None = None) -> int:
        """Run the tool with ``argv`` (default: the command line); returns the exit status."""

        outputs: list[Output] = []

        def _main() -> int:
            args = self.parse(argv)
            setup_logging(debug_level(args.debug), prog=self.prog)
            warn_password_on_command_line(self.prog, args)
            out = Output(json_mode=bool(getattr(args, "json", False)))
            outputs.append(out)
            if self.uvloop:
                return run_loop(self._body(args, out))
            return asyncio.run(self._body(args, out))

        def note() -> str | None:
            return outputs[0].interrupt_note if outputs else None

        with restored_logging():
            return run(_main, prog=self.prog, interrupt_note=note)

    async def _body(self, args: argparse.Namespace, out: Output) -> int:
        status = await self.body(args, out)
        out.finish()
        return EXIT_OK if status is None else status


# ---------------------------------------------------------------------------- sessions


KEEPALIVE_INTERVAL = 5.0  # seconds without a PDU from the target before a NOP-Out
KEEPALIVE_TIMEOUT = 10.0  # seconds the NOP-Out's answer may take


def add_range_options(parser: argparse.ArgumentParser, verb: str) -> None:
    """``-o/--offset`` and ``-l/--length``: the byte range a tool works on (``verb`` says what
    it does to it)."""
    parser.add_argument(
        "-o",
        "--offset",
        type=count_argument,
        default=0,
        help="byte offset to start at (block aligned; default 0)",
    )
    parser.add_argument(
        "-l",
        "--length",
        type=count_argument,
        default=0,
        help=f"bytes to {verb} (block aligned; default and past the end: to the end)",
    )


def session_options(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword options of :func:`pyiscsi.connect` from the common options (``-i``, ``-x``,
    ``--timeout``).

    ``-x 0`` turns reconnection off; a larger ``-x`` is the session's ``max_reconnects``.
    """
    options: dict[str, Any] = {
        "initiator_name": args.initiator_name,
        # a keepalive finds a dead target in seconds (NOP-Out after idle, answer due)
        "nop_interval": KEEPALIVE_INTERVAL,
        "nop_timeout": KEEPALIVE_TIMEOUT,
    }
    timeout = getattr(args, "timeout", None)
    if timeout is not None:
        options["reconnect_timeout"] = timeout
        options["login_timeout"] = timeout
    max_reconnects = getattr(args, "max_reconnects", None)
    if max_reconnects is not None:
        options["max_reconnects"] = max_reconnects
    return options


def warn_password_on_command_line(prog: str, args: argparse.Namespace) -> None:
    """A CHAP password in a URL argument is visible to every user in the process list: say
    so once, and where to put it instead (the secret itself is never printed)."""
    for value in vars(args).values():
        if not isinstance(value, str) or not value.startswith("iscsi://"):
            continue
        userinfo = value[len("iscsi://") :].split("/", 1)[0].rpartition("@")[0]
        if "%" in userinfo:
            print(
                f"{prog}: warning: a CHAP password on the command line is visible in the "
                "process list; set LIBISCSI_CHAP_PASSWORD (and LIBISCSI_CHAP_TARGET_PASSWORD) "
                "instead",
                file=sys.stderr,
            )
            return


async def check_lun(session: Session, lun: int | None = None) -> None:
    """Fail with :class:`ToolError` if standard INQUIRY says the session's LUN has no logical
    unit behind it (peripheral qualifier 3). The session's own check at connect (TEST UNIT
    READY: LOGICAL UNIT NOT SUPPORTED) comes first.
    """
    number = session.lun if lun is None else lun
    inquiry = await session.execute(
        cdb.Inquiry(allocation_length=36).encode(), data_in=36, lun=lun, check=False
    )
    data = bytes(inquiry.data)
    if inquiry.good and data and data[0] >> 5 == PERIPHERAL_QUALIFIER_NOT_SUPPORTED:
        raise ToolError(_no_lun(number, session.target_name, session.portal))


def _no_lun(lun: int, target: str | None, portal: str) -> str:
    return f"LUN {lun} of {target} at {portal} does not exist"


@contextlib.asynccontextmanager
async def open_lun(
    args: argparse.Namespace, url: str | None = None, *, check: bool = True, **options: Any
) -> AsyncIterator[Session]:
    """Log in to ``url`` (default ``args.url``) with the common options and check the LUN."""
    opts = session_options(args)
    opts.update(options)
    url = args.url if url is None else url
    try:
        session = await pyiscsi.connect(url, **opts)
    except LUNNotFoundError:
        parsed = pyiscsi.parse_url(url)
        portal = format_host_port(parsed.host, parsed.port)
        raise ToolError(_no_lun(parsed.lun or 0, parsed.target, portal)) from None
    async with session:
        if check:
            await check_lun(session)
        yield session


async def execute(
    session: Session, what: str, cdb: bytes, data_in: int, *, lun: int | None = None
) -> bytes:
    """Run ``cdb``; return its data-in. A bad status raises ``ToolError("<what> failed: ...")``."""
    try:
        result = await session.execute(cdb, data_in=data_in, lun=lun)
    except SCSIStatusError as exc:
        raise ToolError(f"{what} failed: {_describe(exc)}") from None
    return bytes(result.data)


def scsi_failure(what: str, exc: SCSIStatusError) -> ToolError:
    """``<what> failed: <status or sense>``, saying plainly when the LUN is write protected."""
    if isinstance(exc, CheckConditionError) and _is_write_protected(exc):
        return ToolError(f"{what} failed: the LUN is write protected ({_describe(exc)})")
    return ToolError(f"{what} failed: {_describe(exc)}")


def write_lines(lines: Sequence[str], stream: TextIO | None = None) -> None:
    """Print ``lines`` to stdout, one per line."""
    out = sys.stdout if stream is None else stream
    for line in lines:
        out.write(line + "\n")
    out.flush()
