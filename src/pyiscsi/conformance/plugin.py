"""The pytest plugin of iscsi-test: options, fixtures, libiscsi names, timeouts, summary.

Loaded by the runner (``-p pyiscsi.conformance.plugin``). What it adds to pytest:

- options ``--iscsi-url``, ``--iscsi-url2`` (multipath), ``--iscsi-initiator``,
  ``--iscsi-initiator2``, ``--iscsi-dataloss``, ``--iscsi-sanitize``, ``--iscsi-test``
  (selection by libiscsi name), ``--iscsi-timeout``, ``--iscsi-list``;
- each item's libiscsi name (module ``FAMILY`` and ``SUITE``, function ``test_<Test>`` or the
  ``iscsi_name`` marker), selection by it, and JUnit ``classname`` FAMILY.Suite / ``name`` Test;
- markers ``dataloss`` and ``sanitize`` (skipped without the option), ``iscsi_only`` (skipped on
  SG_IO), ``disruptive`` (malformed PDUs: run after every other test);
- fixtures ``sd`` (a fresh login per test), ``sd2`` (a second I_T nexus, as the second
  initiator name), ``connect_device`` (more nexuses), ``lun`` (what the LU is, learnt once),
  ``target`` (URLs and names for tests that log in themselves);
- timeouts: each login and command ``--iscsi-timeout``, each test ten times that (SIGALRM),
  and a summary of verdicts with the reason of each failure.
"""

from __future__ import annotations

import inspect
import logging
import signal
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import pytest

import pyiscsi.sync
from pyiscsi.conformance.device import Device, IscsiDevice, LunInfo, learn
from pyiscsi.conformance.names import TestName, matches, parse_selection

__all__ = ["NAME_KEY", "RunState", "TargetOptions", "TestTimeoutError"]

log = logging.getLogger("pyiscsi.conformance")

DEFAULT_INITIATOR = "iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test"
DEFAULT_INITIATOR_2 = "iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test-2"
DEFAULT_TIMEOUT = 30.0
#: a whole test may take this many command timeouts
TEST_TIMEOUT_FACTOR = 10

NAME_KEY = pytest.StashKey[TestName]()
LABEL_KEY = pytest.StashKey[str]()


class TestTimeoutError(Exception):
    """The test ran longer than ``--iscsi-timeout``."""

    __test__ = False


@dataclass(slots=True)
class TargetOptions:
    """What the command line says about the target and what may be done to it."""

    url: str | None = None
    url2: str | None = None
    initiator_name: str = DEFAULT_INITIATOR
    initiator_name_2: str = DEFAULT_INITIATOR_2
    dataloss: bool = False
    sanitize: bool = False
    timeout: float = DEFAULT_TIMEOUT

    @property
    def sg(self) -> bool:
        """True when the target is a Linux SCSI generic device (``/dev/sgN``)."""
        return self.url is not None and self.url.startswith("/dev/")

    def connect(self, url: str | None = None, **options: Any) -> pyiscsi.sync.Session:
        """Log in to ``url`` (default: the target's) with this run's timeouts and name."""
        target = url or self.url
        if target is None or target.startswith("/dev/"):
            pytest.skip("needs an iSCSI URL")
        options.setdefault("initiator_name", self.initiator_name)
        options.setdefault("login_timeout", self.timeout)
        options.setdefault("command_timeout", self.timeout)
        options.setdefault("reconnect", False)
        return pyiscsi.sync.connect(target, **options)


@dataclass(slots=True)
class RunState:
    """The names collected and the reports seen, for ``--iscsi-list`` and the summary."""

    names: dict[str, TestName] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    listed: list[TestName] = field(default_factory=list)


STATE_KEY = pytest.StashKey[RunState]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("iscsi-test", "iSCSI/SCSI conformance tests")
    group.addoption("--iscsi-url", default=None, help="iscsi://... URL of the LUN, or /dev/sgN")
    group.addoption("--iscsi-url2", default=None, help="a second URL of the LUN (multipath)")
    group.addoption("--iscsi-initiator", default=DEFAULT_INITIATOR, help="initiator name")
    group.addoption("--iscsi-initiator2", default=DEFAULT_INITIATOR_2, help="second initiator name")
    group.addoption("--iscsi-dataloss", action="store_true", help="allow destructive tests")
    group.addoption("--iscsi-sanitize", action="store_true", help="allow SANITIZE tests")
    group.addoption(
        "--iscsi-test", action="append", default=[], help="FAMILY[.SUITE[.TEST]] selection"
    )
    group.addoption("--iscsi-timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per test")
    group.addoption("--iscsi-list", action="store_true", help="collect the names only")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[STATE_KEY] = RunState()
    for line in (
        "dataloss: writes to the LU (runs only with --dataloss)",
        "sanitize: sends SANITIZE (runs only with --allow-sanitize)",
        "iscsi_only: needs an iSCSI session (not run over SG_IO)",
        "iscsi_name(test): the test's libiscsi name when the function name cannot spell it",
        "disruptive: sends malformed PDUs that may bring a target down (run last)",
    ):
        config.addinivalue_line("markers", line)


def options_of(config: pytest.Config) -> TargetOptions:
    """The :class:`TargetOptions` of this run."""
    return TargetOptions(
        url=config.getoption("--iscsi-url"),
        url2=config.getoption("--iscsi-url2"),
        initiator_name=config.getoption("--iscsi-initiator"),
        initiator_name_2=config.getoption("--iscsi-initiator2"),
        dataloss=config.getoption("--iscsi-dataloss"),
        sanitize=config.getoption("--iscsi-sanitize"),
        timeout=config.getoption("--iscsi-timeout"),
    )


def item_name(item: pytest.Item, sg: bool = False) -> TestName | None:
    """The libiscsi name of ``item``, from its module's FAMILY/SUITE and its function."""
    module = getattr(item, "module", None)
    family = getattr(module, "FAMILY", None)
    suite = getattr(module, "SUITE", None)
    if not isinstance(family, str) or not isinstance(suite, str):
        return None
    marker = item.get_closest_marker("iscsi_name")
    if marker is not None and marker.args:
        test = str(marker.args[0])
    else:
        test = getattr(item, "originalname", item.name).removeprefix("test_")
    callspec = getattr(item, "callspec", None)
    if callspec is not None:
        test += f"[{callspec.id}]"
    if sg and family == "SCSI" and item.get_closest_marker("iscsi_only") is None:
        family = "LINUX"
    return TestName(family, suite, test)


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    state = config.stash[STATE_KEY]
    opts = options_of(config)
    patterns = parse_selection(config.getoption("--iscsi-test"))
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        name = item_name(item, opts.sg)
        if name is None:  # a plain pytest test (a vendor's): run it as it is
            keep.append(item)
            continue
        item.stash[NAME_KEY] = name
        label = matches(name, patterns)
        if label is None:
            dropped.append(item)
            continue
        item.stash[LABEL_KEY] = label
        state.names[item.nodeid] = name
        state.labels[item.nodeid] = label
        keep.append(item)
    # libiscsi's order: SCSI, then iSCSI; tests that send malformed PDUs last, so that a
    # target they crash has run everything else first
    keep.sort(key=_run_order)
    if config.getoption("--iscsi-list"):
        for item in sorted(items, key=_run_order):
            name = item.stash.get(NAME_KEY, None)
            if name is None:
                continue
            state.listed.append(name)
            if name.family == "SCSI" and item.get_closest_marker("iscsi_only") is None:
                state.listed.append(TestName("LINUX", name.suite, name.test))
        dropped, keep = dropped + keep, []
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = keep


def _run_order(item: pytest.Item) -> tuple[bool, bool]:
    name = item.stash.get(NAME_KEY, None)
    disruptive = item.get_closest_marker("disruptive") is not None
    return (disruptive, name is not None and name.family == "iSCSI")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Fail the test when it runs longer than TEST_TIMEOUT_FACTOR x ``--iscsi-timeout`` (each
    command has ``--iscsi-timeout`` of its own; SIGALRM, main thread only)."""
    timeout = TEST_TIMEOUT_FACTOR * float(item.config.getoption("--iscsi-timeout") or 0)
    if timeout <= 0 or not hasattr(signal, "setitimer"):
        return (yield)

    def expired(signum: int, frame: FrameType | None) -> None:
        raise TestTimeoutError(f"timed out after {timeout:g} s")

    try:
        previous = signal.signal(signal.SIGALRM, expired)
    except ValueError:  # not the main thread
        return (yield)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return (yield)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> TargetOptions:
    """The target's URLs, the initiator names and what the run allows."""
    opts = options_of(pytestconfig)
    if opts.url is None:
        pytest.fail("no target: give an iSCSI URL (or /dev/sgN)", pytrace=False)
    return opts


@pytest.fixture(autouse=True)
def _iscsi_test_item(
    request: pytest.FixtureRequest, record_xml_attribute: Callable[[str, object], None]
) -> None:
    """Name the JUnit testcase FAMILY.Suite / Test; skip what the options do not allow."""
    node = request.node
    name = node.stash.get(NAME_KEY, None)
    if name is not None:
        record_xml_attribute("classname", f"{node.stash[LABEL_KEY]}.{name.suite}")
        record_xml_attribute("name", name.test)
        doc = inspect.getdoc(getattr(node, "function", None)) or ""
        log.info("%s: %s", name.id, doc.split("\n\n", 1)[0].replace("\n", " "))
    config = request.config
    if node.get_closest_marker("dataloss") and not config.getoption("--iscsi-dataloss"):
        pytest.skip("needs --dataloss")
    if node.get_closest_marker("sanitize") and not config.getoption("--iscsi-sanitize"):
        pytest.skip("needs --allow-sanitize")
    if node.get_closest_marker("iscsi_only") and options_of(config).sg:
        pytest.skip("needs an iSCSI URL")


def _open_device(opts: TargetOptions, initiator_name: str | None = None) -> Device:
    assert opts.url is not None
    if opts.sg:
        from pyiscsi.conformance.sg import SgDevice

        return SgDevice(opts.url, timeout=opts.timeout)
    name = initiator_name or opts.initiator_name
    return IscsiDevice(opts.connect(initiator_name=name), name)


@pytest.fixture(scope="session")
def lun(target: TargetOptions) -> LunInfo:
    """What the logical unit is (capacity, INQUIRY, VPD pages...), asked once per run."""
    dev = _open_device(target)
    try:
        return learn(dev)
    finally:
        dev.close()


@pytest.fixture
def sd(target: TargetOptions, lun: LunInfo) -> Iterator[Device]:
    """The logical unit, on a fresh login (a fresh open of the SG device) for this test."""
    dev = _open_device(target)
    try:
        yield dev
    finally:
        dev.close()


@pytest.fixture
def connect_device(target: TargetOptions) -> Iterator[Callable[..., IscsiDevice]]:
    """``connect_device(initiator_name=None, url=None, **options)``: one more I_T nexus.

    Every nexus opened is closed after the test.
    """
    opened: list[Device] = []

    def open_one(
        initiator_name: str | None = None, url: str | None = None, **options: Any
    ) -> IscsiDevice:
        name = initiator_name or target.initiator_name
        dev = IscsiDevice(target.connect(url, initiator_name=name, **options), name)
        opened.append(dev)
        return dev

    try:
        yield open_one
    finally:
        for dev in opened:
            dev.close()


@pytest.fixture
def sd2(target: TargetOptions, connect_device: Callable[..., IscsiDevice]) -> IscsiDevice:
    """A second I_T nexus to the logical unit, logged in as the second initiator name."""
    if target.sg:
        pytest.skip("needs an iSCSI URL (a second I_T nexus)")
    return connect_device(target.initiator_name_2)


@pytest.fixture
def mpath_sd(target: TargetOptions, connect_device: Callable[..., IscsiDevice]) -> IscsiDevice:
    """The logical unit through the second URL (multipath)."""
    if target.url2 is None:
        pytest.skip("multipath unavailable: give a second URL")
    return connect_device(url=target.url2)


# ----------------------------------------------------------------------------- summary


def failure_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    """The one-line reason of a failed, errored or skipped report."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):
        return str(longrepr[2]).removeprefix("Skipped: ")
    crash = getattr(longrepr, "reprcrash", None)
    text = str(crash.message) if crash is not None else str(longrepr)
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return "failed"
    first = lines[0].removeprefix("Failed: ")
    return first[:300]


def _verdicts(terminal: Any) -> dict[str, tuple[str, str]]:
    """nodeid -> (verdict, reason) from the terminal reporter's stats."""
    found: dict[str, tuple[str, str]] = {}
    kinds = (("passed", "PASS"), ("skipped", "SKIP"), ("failed", "FAIL"), ("error", "ERROR"))
    for key, verdict in kinds:
        for report in terminal.stats.get(key, []):
            nodeid = getattr(report, "nodeid", "")
            if verdict == "PASS" and getattr(report, "when", "call") != "call":
                continue
            reason = "" if verdict == "PASS" else failure_reason(report)
            old = found.get(nodeid)
            if old is None or old[0] == "PASS":  # a teardown error wins over a pass
                found[nodeid] = (verdict, reason)
    return found


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash[STATE_KEY]
    if config.getoption("--iscsi-list"):
        return
    verdicts = _verdicts(terminalreporter)
    if not verdicts:
        return
    counts = {v: 0 for v in ("PASS", "FAIL", "SKIP", "ERROR")}
    lines: list[str] = []
    for nodeid, (verdict, reason) in verdicts.items():
        counts[verdict] += 1
        name = state.names.get(nodeid)
        shown = f"{state.labels[nodeid]}.{name.suite}.{name.test}" if name else nodeid
        if verdict in ("FAIL", "ERROR") or (verdict == "SKIP" and config.option.verbose > 0):
            lines.append(f"{verdict} {shown}: {reason}")
    terminalreporter.section("iscsi-test summary")
    total = sum(counts.values())
    terminalreporter.write_line(
        f"{total} tests: {counts['PASS']} passed, {counts['FAIL']} failed, "
        f"{counts['SKIP']} skipped, {counts['ERROR']} errors"
    )
    for line in lines:
        terminalreporter.write_line(line)
