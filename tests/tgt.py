"""Start and drive a throwaway tgtd (the Linux SCSI target daemon) for tests and the demo.

    with Tgtd() as t:
        t.add_target(1, "iqn.2024-01.org.pyiscsi:disk", {1: 64 << 20})
        url = t.url("iqn.2024-01.org.pyiscsi:disk", 1)

Facts about tgtd 1.0.85 (Debian 12) this module relies on, checked by hand:
- ``--iscsi portal=...`` may be given once; a second one replaces the first. More portals (IPv6)
  are added at run time with ``tgtadm --op new --mode portal``.
- ``-C N`` names the control socket ``/var/run/tgtd/socket.N``; a second tgtd on the same N exits
  at once ("another tgtd is using ...lock").
- A portal whose port is taken is skipped with a log line; tgtd keeps running without it, so
  readiness also checks that the portal is listed.
- SIGTERM is ignored; ``--op delete --mode system`` exits only when no target is left. So stop()
  asks politely, then kills.
- LUNs above 16383 are accepted by tgtadm but reported wrongly in REPORT LUNS (flat space
  addressing has 14 bits); :meth:`Tgtd.add_target` refuses them.
- HeaderDigest/DataDigest=CRC32C on a target makes tgtd choose CRC32C when the initiator offers
  it, but it still answers None to an initiator that offers only None.
- tgtd does not enforce a minimum CHAP secret length.
- SendTargets (and tgtadm show) list the targets newest first.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

__all__ = [
    "CHAP_IQN",
    "CHAP_PASSWORD",
    "CHAP_USER",
    "DIGEST_IQN",
    "MUTUAL_IQN",
    "MUTUAL_PASSWORD",
    "MUTUAL_TARGET_PASSWORD",
    "MUTUAL_TARGET_USER",
    "MUTUAL_USER",
    "PLAIN_IQN",
    "TargetSpec",
    "Tgtd",
    "TgtdError",
    "TgtdFactory",
    "populate_standard",
]

log = logging.getLogger(__name__)

MAX_LUN = 16383
"""Highest LUN tgtd reports correctly (SAM flat space addressing, 14 bits)."""

SOCKET_DIR = Path("/var/run/tgtd")
LOG_TAIL_LINES = 20
_READY_TIMEOUT = 15.0
_START_ATTEMPTS = 5
_POOL_WORKERS = 8

# The standard targets of the session fixture (tests/integration/conftest.py).
PLAIN_IQN = "iqn.2024-01.org.pyiscsi:plain"
CHAP_IQN = "iqn.2024-01.org.pyiscsi:chap"
CHAP_USER = "user1"
CHAP_PASSWORD = "pyiscsi-secret-1"
MUTUAL_IQN = "iqn.2024-01.org.pyiscsi:mutual"
MUTUAL_USER = "user3"
MUTUAL_PASSWORD = "pyiscsi-secret-3"
MUTUAL_TARGET_USER = "target3"
MUTUAL_TARGET_PASSWORD = "pyiscsi-tsecret-3"
DIGEST_IQN = "iqn.2024-01.org.pyiscsi:digest"
MiB = 1 << 20


class TgtdError(RuntimeError):
    """tgtd could not be started or a tgtadm command failed; the message ends with tgtd's log."""


@dataclass(slots=True)
class TargetSpec:
    """One target for :meth:`Tgtd.add_targets`: ``luns`` maps LUN -> size in bytes."""

    tid: int
    iqn: str
    luns: Mapping[int, int] = field(default_factory=dict)
    allow: str | None = "ALL"


def _find_program(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/bin")
    if path is None:
        raise TgtdError(
            f"{name} not found: install the Debian package 'tgt' (scripts/install-deps.sh does)"
        )
    return path


def _port_is_free(family: socket.AddressFamily, host: str, port: int) -> bool:
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1", *, also_ipv6: bool = False) -> int:
    """A TCP port the kernel reports free on ``host`` (and on ``::1`` if ``also_ipv6``)."""
    for _ in range(50):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.bind((host, 0))
            port = int(s.getsockname()[1])
        if not also_ipv6 or _port_is_free(socket.AF_INET6, "::1", port):
            return port
    raise TgtdError("no TCP port free on both 127.0.0.1 and ::1")


def _control_ports_in_use() -> set[int]:
    ports: set[int] = set()
    with contextlib.suppress(FileNotFoundError):
        for entry in SOCKET_DIR.iterdir():
            suffix = entry.name.removeprefix("socket.")
            if suffix.isdigit():
                ports.add(int(suffix))
    return ports


def free_control_port() -> int:
    """A tgtd control port (``tgtd -C N``) with no socket file in /var/run/tgtd."""
    used = _control_ports_in_use()
    rng = random.SystemRandom()
    while True:
        port = rng.randrange(20000, 32000)  # tgtd -C accepts 0..32767
        if port not in used:
            return port


def _portal_text(addr: str, port: int) -> str:
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"


class Tgtd:
    """One tgtd on loopback, on free ports, stopped on exit; a context manager.

    Backing files are sparse files in ``workdir`` (a fresh temporary directory, removed on stop,
    unless one is given). tgtd's stderr goes to ``workdir/tgtd.log``.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        *,
        ipv6: bool = False,
        workdir: Path | None = None,
        ready_timeout: float = _READY_TIMEOUT,
    ) -> None:
        self._host = host
        self._ipv6 = ipv6
        self._own_workdir = workdir is None
        self._workdir_arg = workdir
        self._ready_timeout = ready_timeout
        self._workdir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._port = 0
        self._control_port = 0
        self._tgtd = ""
        self._tgtadm = ""
        self._portals: list[str] = []
        self._owns_socket = False
        self._config: list[list[str]] = []  # tgtadm calls that configured it, for restart()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Tgtd {state} portal={self._host}:{self._port} control={self._control_port}>"

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> Tgtd:
        """Start tgtd unless start() was already called."""
        return self if self._proc is not None else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """True while the tgtd process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> Tgtd:
        """Start tgtd and wait until it answers tgtadm and listens on its portal(s)."""
        if self._proc is not None:
            raise TgtdError("tgtd already started")
        if os.geteuid() != 0:
            raise TgtdError("tgtd needs root (it creates /var/run/tgtd): run the tests as root")
        self._tgtd = _find_program("tgtd")
        self._tgtadm = _find_program("tgtadm")
        if self._workdir_arg is None:
            self._workdir = Path(tempfile.mkdtemp(prefix="pyiscsi-tgtd-"))
        else:
            self._workdir = self._workdir_arg
            self._workdir.mkdir(parents=True, exist_ok=True)
        last = ""
        for _ in range(_START_ATTEMPTS):
            self._port = free_port(self._host, also_ipv6=self._ipv6)
            self._control_port = free_control_port()
            try:
                self._launch()
                if self._ipv6:
                    self._add_ipv6_portal()
                return self
            except TgtdError as e:
                last = str(e)
                busy = "already in use" in last or "another tgtd" in last
                self._kill()
                if not busy:
                    break
        self._cleanup_workdir()
        raise TgtdError(last)

    def _launch(self) -> None:
        assert self._workdir is not None
        log_path = self._workdir / "tgtd.log"
        portal = _portal_text(self._host, self._port)
        with log_path.open("ab") as log_file:
            self._proc = subprocess.Popen(
                [self._tgtd, "-f", "-C", str(self._control_port), "--iscsi", f"portal={portal}"],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        self._portals = [portal]
        deadline = time.monotonic() + self._ready_timeout
        while True:
            if self._proc.poll() is not None:
                raise TgtdError(self._with_log(f"tgtd exited with {self._proc.returncode}"))
            done = self._run(["--op", "show", "--mode", "sys"], lld=False)
            if done.returncode == 0:
                self._owns_socket = True
                break
            if time.monotonic() > deadline:
                raise TgtdError(self._with_log(f"tgtd not ready after {self._ready_timeout} s"))
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=0.02)
        if f"Portal: {portal}," not in self.adm("show", "portal"):
            raise TgtdError(self._with_log(f"tgtd is not listening on {portal}: already in use?"))
        log.debug("tgtd pid %d on %s, control port %d", self._proc.pid, portal, self._control_port)

    def _add_ipv6_portal(self) -> None:
        try:
            self.add_portal("::1")
        except TgtdError as e:  # tgtadm says only "invalid request" when the port is taken
            raise TgtdError(f"[::1]:{self._port} already in use? {e}") from None

    def stop(self) -> None:
        """Stop tgtd (tgtadm delete system, then SIGKILL) and remove what start() created."""
        if self._proc is not None and self._proc.poll() is None:
            done = self._run(["--op", "delete", "--mode", "system"], lld=False)
            if done.returncode == 0:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._proc.wait(timeout=5)
        self._kill()
        self._cleanup_workdir()

    def crash(self) -> None:
        """``kill -9`` tgtd: no logout, no goodbye; backing files and configuration are kept for
        :meth:`restart`."""
        if self._proc is None:
            raise TgtdError("tgtd not started")
        log.debug("kill -9 tgtd pid %d", self._proc.pid)
        self._kill()

    def restart(self) -> None:
        """Start tgtd again after :meth:`crash`: the same portals and control port, the same
        targets, LUNs, accounts and parameters (the tgtadm calls that made them are replayed in
        order), on the same backing files."""
        if self._proc is not None:
            raise TgtdError("tgtd is running: crash() it first")
        if self._workdir is None:
            raise TgtdError("tgtd was never started, or was stopped")
        portals, self._portals = self._portals, []
        replay, self._config = self._config, []
        self._launch()
        for portal in portals[1:]:
            self.adm("new", "portal", param=f"portal={portal}")
            self._portals.append(portal)
        for args in replay:
            self.tgtadm(*args)

    def _kill(self) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._proc = None
        if self._owns_socket:  # never another tgtd's socket
            self._owns_socket = False
            for suffix in ("", ".lock"):
                with contextlib.suppress(FileNotFoundError):
                    (SOCKET_DIR / f"socket.{self._control_port}{suffix}").unlink()

    def _cleanup_workdir(self) -> None:
        if self._own_workdir and self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    # -- addresses ---------------------------------------------------------------------------

    @property
    def host(self) -> str:
        """The address of the first portal (127.0.0.1 unless told otherwise)."""
        return self._host

    @property
    def port(self) -> int:
        """The iSCSI TCP port of every portal of this tgtd."""
        return self._port

    @property
    def portal(self) -> str:
        """``host:port`` of the first portal (IPv6 in brackets)."""
        return _portal_text(self._host, self._port)

    @property
    def portals(self) -> list[str]:
        """Every portal this tgtd listens on, as ``host:port``."""
        return list(self._portals)

    @property
    def control_port(self) -> int:
        """N of ``tgtd -C N`` / ``tgtadm -C N``."""
        return self._control_port

    @property
    def workdir(self) -> Path:
        """Where the backing files and tgtd.log are."""
        if self._workdir is None:
            raise TgtdError("tgtd not started")
        return self._workdir

    @property
    def log_path(self) -> Path:
        """tgtd's stdout and stderr."""
        return self.workdir / "tgtd.log"

    def portal_url(
        self, user: str | None = None, password: str | None = None, host: str | None = None
    ) -> str:
        """``iscsi://[user[%password]@]host:port`` for discovery (libiscsi's form)."""
        return f"iscsi://{_userinfo(user, password)}{_portal_text(host or self._host, self._port)}"

    def url(
        self,
        iqn: str,
        lun: int,
        user: str | None = None,
        password: str | None = None,
        *,
        host: str | None = None,
        args: Mapping[str, str] | None = None,
    ) -> str:
        """``iscsi://[user[%password]@]host:port/iqn/lun[?k=v&...]`` (libiscsi's form)."""
        query = "?" + "&".join(f"{k}={v}" for k, v in args.items()) if args else ""
        return f"{self.portal_url(user, password, host)}/{iqn}/{lun}{query}"

    # -- tgtadm ------------------------------------------------------------------------------

    def _run(
        self, args: Sequence[str], *, lld: bool = True, secret: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        cmd = [self._tgtadm, "-C", str(self._control_port)]
        if lld:
            cmd += ["--lld", "iscsi"]
        cmd += args
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=60)
        if secret:
            done.args = [a.replace(secret, "***") for a in cmd]
        return done

    def tgtadm(self, *args: str, secret: str | None = None) -> str:
        """Run ``tgtadm -C N --lld iscsi ARGS``; return stdout; TgtdError if it fails.

        ``secret`` is replaced by ``***`` in the error message.
        """
        done = self._run(args, secret=secret)
        if done.returncode != 0:
            shown = " ".join(str(a) for a in done.args)
            raise TgtdError(
                self._with_log(f"{shown} failed ({done.returncode}): {done.stderr.strip()}")
            )
        if _configures(args):
            self._config.append(list(args))
        return done.stdout

    def adm(self, op: str, mode: str, *, secret: str | None = None, **options: object) -> str:
        """``tgtadm --op OP --mode MODE --opt-name VALUE ...``; True -> bare flag, False -> none.

        Option names are written with dashes: ``backing_store=p`` -> ``--backing-store p``.
        """
        return self.tgtadm(*_args(op, mode, **options), secret=secret)

    def _with_log(self, message: str) -> str:
        tail = ""
        if self._workdir is not None:
            with contextlib.suppress(OSError):
                lines = (self._workdir / "tgtd.log").read_text(errors="replace").splitlines()
                tail = "\n".join(lines[-LOG_TAIL_LINES:])
        return f"{message}\n--- tail of tgtd.log ---\n{tail}" if tail else message

    # -- configuration -----------------------------------------------------------------------

    def backing_file(self, tid: int, lun: int) -> Path:
        """The sparse file behind LUN ``lun`` of target ``tid``."""
        return self.workdir / f"t{tid}-lun{lun}.img"

    def add_target(
        self, tid: int, iqn: str, luns: Mapping[int, int] | None = None, allow: str | None = "ALL"
    ) -> None:
        """Create target ``tid`` named ``iqn`` with disk LUNs (LUN -> size in bytes).

        ``allow`` is bound as the initiator address ACL ("ALL": every initiator; None: nobody).
        """
        self.add_targets([TargetSpec(tid, iqn, dict(luns or {}), allow)])

    def add_targets(self, specs: Iterable[TargetSpec]) -> None:
        """Create targets in order, then their LUNs and ACLs on a thread pool (150: about 1 s)."""
        specs = list(specs)
        for spec in specs:
            for lun, size in spec.luns.items():
                _check_lun(lun, size)
        for s in specs:  # one by one: the order of creation is the order of SendTargets
            self.adm("new", "target", tid=s.tid, targetname=s.iqn)
        self._parallel(
            _args(
                "new",
                "logicalunit",
                tid=s.tid,
                lun=lun,
                backing_store=self._sparse(s.tid, lun, size),
            )
            for s in specs
            for lun, size in s.luns.items()
        )
        self._parallel(
            _args("bind", "target", tid=s.tid, initiator_address=s.allow)
            for s in specs
            if s.allow is not None
        )

    def _parallel(self, calls: Iterable[Sequence[str]]) -> None:
        with ThreadPoolExecutor(_POOL_WORKERS) as pool:
            for _ in pool.map(lambda args: self.tgtadm(*args), list(calls)):
                pass

    def _sparse(self, tid: int, lun: int, size: int) -> Path:
        path = self.backing_file(tid, lun)
        with path.open("wb") as f:
            f.truncate(size)
        return path

    def add_lun(self, tid: int, lun: int, size: int) -> Path:
        """Add a disk LUN of ``size`` bytes to target ``tid``; return its backing file."""
        _check_lun(lun, size)
        path = self._sparse(tid, lun, size)
        self.adm("new", "logicalunit", tid=tid, lun=lun, backing_store=path)
        return path

    def delete_target(self, tid: int) -> None:
        """Delete target ``tid`` even if initiators are logged in."""
        self.adm("delete", "target", tid=tid, force=True)

    def add_account(
        self, user: str, password: str, outgoing: bool = False, *, tid: int | None = None
    ) -> None:
        """Create a CHAP account; with ``tid``, bind it to that target too.

        ``outgoing`` (only with ``tid``) binds it as the target's own credentials for mutual CHAP.
        """
        if outgoing and tid is None:
            raise ValueError("add_account: outgoing applies to a binding; give tid")
        self.adm("new", "account", user=user, password=password, secret=password)
        if tid is not None:
            self.bind_account(tid, user, outgoing)

    def bind_account(self, tid: int, user: str, outgoing: bool = False) -> None:
        """Require CHAP as ``user`` for target ``tid`` (``outgoing``: the target's own name)."""
        self.adm("bind", "account", tid=tid, user=user, outgoing=outgoing)

    def set_target_param(self, tid: int, name: str, value: str | int | bool) -> None:
        """``tgtadm --op update --mode target --name NAME --value VALUE``.

        tgtd accepts the RFC 7143 operational keys (MaxRecvDataSegmentLength >= 512,
        HeaderDigest, DataDigest, InitialR2T, ImmediateData, MaxBurstLength, FirstBurstLength,
        MaxOutstandingR2T, DefaultTime2Wait, ...) and nop_interval / nop_count. Booleans are
        written Yes/No.
        """
        text = ("Yes" if value else "No") if isinstance(value, bool) else str(value)
        self.adm("update", "target", tid=tid, name=name, value=text)

    def target_params(self, tid: int) -> dict[str, str]:
        """The ``key=value`` lines of ``tgtadm --op show --mode target --tid N``."""
        out = self.adm("show", "target", tid=tid)
        pairs = (line.strip().partition("=") for line in out.splitlines() if "=" in line)
        return {k: v for k, _, v in pairs}

    def add_portal(self, addr: str, port: int | None = None) -> str:
        """Listen on ``addr`` too (e.g. ``::1``), on this tgtd's port by default."""
        portal = _portal_text(addr, port or self._port)
        self.adm("new", "portal", param=f"portal={portal}")
        self._portals.append(portal)
        return portal

    def connections(self, tid: int) -> list[tuple[int, int]]:
        """(session id, connection id) of every connection logged in to target ``tid``."""
        out = self.adm("show", "conn", tid=tid)
        found: list[tuple[int, int]] = []
        sid = -1
        for line in out.splitlines():
            key, _, value = line.strip().partition(":")
            if key == "Session":
                sid = int(value)
            elif key == "Connection":
                found.append((sid, int(value)))
        return found

    def drop_connections(self, tid: int) -> int:
        """Close every connection to target ``tid`` from the target side; return how many."""
        conns = self.connections(tid)
        for sid, cid in conns:
            self.adm("delete", "conn", tid=tid, sid=sid, cid=cid)
        return len(conns)


def _configures(args: Sequence[str]) -> bool:
    """Whether a tgtadm call changes the configuration restart() must rebuild.

    Not: ``show``, connections and sessions (they die with tgtd), portals (restart() re-adds
    them itself).
    """
    op = args[args.index("--op") + 1] if "--op" in args else ""
    mode = args[args.index("--mode") + 1] if "--mode" in args else ""
    return op != "show" and mode not in ("conn", "session", "portal", "sys", "system")


def _args(op: str, mode: str, **options: object) -> list[str]:
    args = ["--op", op, "--mode", mode]
    for name, value in options.items():
        if value is False:
            continue
        args.append("--" + name.replace("_", "-"))
        if value is not True:
            args.append(str(value))
    return args


def _userinfo(user: str | None, password: str | None) -> str:
    if user is None:
        if password is not None:
            raise ValueError("url: password given without user")
        return ""
    return f"{user}%{password}@" if password is not None else f"{user}@"


def _check_lun(lun: int, size: int) -> None:
    if not 1 <= lun <= MAX_LUN:
        raise ValueError(f"lun {lun} out of range 1..{MAX_LUN} (LUN 0 is tgtd's controller)")
    if size <= 0 or size % 512:
        raise ValueError(f"LUN {lun} size {size} is not a positive multiple of 512")


TgtdFactory = Callable[..., Tgtd]
"""The type of the ``tgtd_factory`` fixture: ``tgtd_factory(ipv6=False) -> Tgtd`` (started)."""


def populate_standard(t: Tgtd) -> None:
    """The targets of the session fixture ``tgtd``.

    tid 1 PLAIN_IQN: LUN 1 (64 MiB), LUN 300 (8 MiB), LUN 16000 (8 MiB), no authentication.
    tid 2 CHAP_IQN: LUN 1 (8 MiB), CHAP as CHAP_USER / CHAP_PASSWORD.
    tid 3 MUTUAL_IQN: LUN 1 (8 MiB), CHAP as MUTUAL_USER, target answers as MUTUAL_TARGET_USER.
    tid 4 DIGEST_IQN: LUN 1 (8 MiB), HeaderDigest and DataDigest CRC32C only (tgtd still
    answers None to an initiator that offers only None).
    """
    t.add_targets(
        [
            # Created newest-listed-first, so SendTargets answers plain, digest, chap, mutual:
            # a LUN listing (iscsi-ls -s) without credentials gets through the open ones first.
            TargetSpec(3, MUTUAL_IQN, {1: 8 * MiB}),
            TargetSpec(2, CHAP_IQN, {1: 8 * MiB}),
            TargetSpec(4, DIGEST_IQN, {1: 8 * MiB}),
            TargetSpec(1, PLAIN_IQN, {1: 64 * MiB, 300: 8 * MiB, 16000: 8 * MiB}),
        ]
    )
    t.add_account(CHAP_USER, CHAP_PASSWORD, tid=2)
    t.add_account(MUTUAL_USER, MUTUAL_PASSWORD, tid=3)
    t.add_account(MUTUAL_TARGET_USER, MUTUAL_TARGET_PASSWORD, True, tid=3)
    t.set_target_param(4, "HeaderDigest", "CRC32C")
    t.set_target_param(4, "DataDigest", "CRC32C")
