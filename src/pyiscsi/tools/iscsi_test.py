"""iscsi-test: libiscsi's iscsi-test-cu on pytest; conformance tests for SCSI and iSCSI targets.

A thin wrapper: it turns iscsi-test-cu's options into a pytest run of the suites in
:mod:`pyiscsi.conformance.suites` with the plugin :mod:`pyiscsi.conformance.plugin`, in a
configuration of its own (so no pytest.ini or pyproject of the current directory applies).

    iscsi-test --dataloss --test=SCSI.Read10 iscsi://127.0.0.1/iqn.2024-01.org.example:disk/1
    iscsi-test -l
    iscsi-test -x --test=ALL URL       # JUnit XML in ./iscsi-test-results.xml

Exit status: 0 every test passed or was skipped, 1 a test failed, 2 bad command line,
10 nothing could run (no test matched, an internal error), 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pyiscsi import parse_url
from pyiscsi.tools import common

PROG = "iscsi-test"
DEFAULT_XML = "iscsi-test-results.xml"
SUITES = Path(__file__).resolve().parent.parent / "conformance" / "suites"

_INI = """\
[pytest]
python_files = scsi_*.py iscsi_*.py
python_classes =
junit_family = xunit1
junit_suite_name = iscsi-test
filterwarnings =
    ignore::pytest.PytestExperimentalApiWarning
"""


def build_parser() -> common.ToolArgumentParser:
    """iscsi-test-cu's command line, plus --junit-xml, --timeout and --suite."""
    parser = common.ToolArgumentParser(
        prog=PROG,
        description="Conformance tests for iSCSI/SCSI targets, with libiscsi's test names.",
        epilog=common.URL_EPILOG_TEMPLATE.format(what="", syntax=common.URL_SYNTAX)
        + "\nA /dev/sgN path instead of the URL runs the LINUX family over SG_IO.\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,
    )
    add = parser.add_argument
    add("-h", "-?", "--help", action="help", help="show this help message and exit")
    add("-i", "--initiator-name", metavar="IQN", help="initiator name to use")
    add("-I", "--initiator-name-2", metavar="IQN", help="second initiator name to use")
    add(
        "-t",
        "--test",
        action="append",
        default=[],
        metavar="NAMES",
        help="FAMILY[.SUITE[.TEST]] with * globs, a comma list, or a file of names (ALL)",
    )
    add("-l", "--list", action="store_true", help="list all tests and exit")
    add("-d", "--dataloss", action="store_true", help="allow destructive tests")
    add("-S", "--allow-sanitize", action="store_true", help="allow SANITIZE tests")
    action = parser.add_mutually_exclusive_group()
    action.add_argument(
        "-g", "--ignore", dest="action", action="store_const", const="ignore",
        help="error action: go on after a failure (default)",
    )  # fmt: skip
    action.add_argument(
        "-f", "--fail", dest="action", action="store_const", const="fail",
        help="error action: stop at the first failure",
    )  # fmt: skip
    action.add_argument(
        "-A", "--abort", dest="action", action="store_const", const="abort",
        help="error action: stop at the first failure",
    )  # fmt: skip
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("-s", "--silent", dest="mode", action="store_const", const="silent")
    mode.add_argument("-n", "--normal", dest="mode", action="store_const", const="normal")
    mode.add_argument("-v", "--verbose", dest="mode", action="store_const", const="verbose")
    add("-x", "--xml", action="store_true", help=f"write JUnit XML to ./{DEFAULT_XML}")
    add("--junit-xml", metavar="PATH", help="write JUnit XML to PATH")
    add(
        "-V",
        "--Verbose-scsi",
        dest="verbose_scsi",
        action="store_true",
        help="show each test's description and its SCSI commands",
    )
    add(
        "--timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="time limit of each login and command (%(default)s); a test may take ten times it",
    )
    add(
        "--suite",
        action="append",
        default=[],
        metavar="PATH",
        help="also run the tests in this file or directory (a vendor's own suites)",
    )
    add("url", nargs="?", help="iscsi://... URL of the LUN, or /dev/sgN")
    add("url2", nargs="?", help="a second URL of the same LUN, for the multipath tests")
    return parser


def pytest_args(args: argparse.Namespace, ini: Path, *, listing: bool = False) -> list[str]:
    """The pytest command line for these options (``ini`` is the configuration file).

    Paths are made absolute: pytest runs in the suites' directory, so that its output names
    the tests ``scsi_read10.py::test_Simple``.
    """
    out = [
        "-c",
        str(ini),
        "--rootdir",
        str(SUITES),
        "-p",
        "no:cacheprovider",
        "-p",
        "pyiscsi.conformance.plugin",
    ]
    if listing:
        out += ["--iscsi-list", "--collect-only", "-p", "no:terminal"]
    else:
        out.append("-rN")
        out += {
            "silent": ["-qq", "--tb=no"],
            "normal": ["--tb=no"],
            "verbose": ["-v", "--tb=short"],
        }[args.mode or "verbose"]
    if args.action in ("fail", "abort"):
        out.append("--exitfirst")
    if args.verbose_scsi:
        out += ["-o", "log_cli=true", "--log-cli-level=INFO"]
        out += ["-o", "log_cli_format=    %(message)s"]
    xml = args.junit_xml or (DEFAULT_XML if args.xml else None)
    if xml:
        out.append(f"--junit-xml={Path(xml).resolve()}")
    if args.url:
        out.append(f"--iscsi-url={args.url}")
    if args.url2:
        out.append(f"--iscsi-url2={args.url2}")
    if args.initiator_name:
        out.append(f"--iscsi-initiator={args.initiator_name}")
    if args.initiator_name_2:
        out.append(f"--iscsi-initiator2={args.initiator_name_2}")
    if args.dataloss:
        out.append("--iscsi-dataloss")
    if args.allow_sanitize:
        out.append("--iscsi-sanitize")
    out.append(f"--iscsi-timeout={args.timeout:g}")
    out += [f"--iscsi-test={_absolute_if_file(value)}" for value in args.test]
    out.append(str(SUITES))
    out += [str(Path(p).resolve()) for p in args.suite]
    return out


def _absolute_if_file(value: str) -> str:
    path = Path(value)
    return str(path.resolve()) if "*" not in value and path.is_file() else value


class _Lister:
    """Takes the names the plugin collected under ``--iscsi-list``."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def pytest_collection_finish(self, session: Any) -> None:
        from pyiscsi.conformance.names import format_list
        from pyiscsi.conformance.plugin import STATE_KEY

        self.lines = format_list(session.config.stash[STATE_KEY].listed)


def _import_pytest() -> Any:
    try:
        import pytest
    except ImportError:
        raise common.ToolError("iscsi-test needs pytest: pip install pytest") from None
    return pytest


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else list(argv))
    if args.timeout <= 0:
        raise common.UsageError("--timeout must be positive")
    if not args.list and not args.url:
        raise common.UsageError("give the URL of the LUN to test (or -l to list the tests)")
    for url in (args.url, args.url2):
        if url and not url.startswith("/dev/"):
            parse_url(url)  # a bad URL is one line on stderr, not an error in every test
    pytest = _import_pytest()
    with tempfile.TemporaryDirectory(prefix="iscsi-test-") as tmp:
        ini = Path(tmp) / "pytest.ini"
        ini.write_text(_INI, encoding="utf-8")
        cmd = pytest_args(args, ini, listing=args.list)
        here = Path.cwd()
        os.chdir(SUITES)
        try:
            if args.list:
                lister = _Lister()
                code = int(pytest.main(cmd, plugins=[lister]))
                if code not in (0, 5):
                    raise common.ToolError(f"cannot list the tests (pytest status {code})")
                common.write_lines(lister.lines)
                return common.EXIT_OK
            code = int(pytest.main(cmd))
        finally:
            os.chdir(here)
    if code in (0, 1):
        return code
    if code == 2:
        return common.EXIT_INTERRUPTED
    if code == 5:
        raise common.ToolError(f"no test matches {','.join(args.test) or 'ALL'}")
    raise common.ToolError(f"the test run failed (pytest status {code})")


def main(argv: Sequence[str] | None = None) -> int:
    """Run iscsi-test with ``argv`` (default: the command line); return the exit status."""
    return common.run(lambda: _main(argv), prog=PROG)


if __name__ == "__main__":
    sys.exit(main())
