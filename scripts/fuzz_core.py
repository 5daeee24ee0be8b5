#!/usr/bin/env python3
"""Fuzz the sans-I/O initiator core with mutated target streams.

Valid target streams are recorded once per scenario by running the core against the fake
target of the test suite (``tests/fake_target.py``): logins (none, one-way CHAP, answers split
with the C bit), reads over several Data-In PDUs, writes answered with R2Ts, pings and the
target's own NOP-In, asynchronous messages, SendTargets over several Text Responses, header
and data digests, a small CmdSN window, logout.  A recorded stream is a list of steps: the
target's PDUs (bytes) and the calls the initiator made between them (:class:`Call`).

Each input takes one scenario and mutates it: bit flips and interesting values in header
fields, lengths, key=value text of Login/Text Responses, truncation, dropped, duplicated,
reordered and injected PDUs, and a random cut of the bytes into chunks.  :func:`drive` replays
it against a fresh core; the property is that every input ends normally or with
``ConnectionFailed``/``TaskDone`` errors that are :class:`pyiscsi.ISCSIError` (and not a
foreign exception the core wrapped as "malformed PDU"), with bounded output, CPU time and
memory.  Nothing escapes from the core.

Usage::

    .venv/bin/python scripts/fuzz_core.py --seed 1 --count 100000 [--memory] [--show N]

Exit status 1 when an input broke the property; each finding is printed with the seed and
index that reproduce it (``--replay SEED:INDEX``).
"""

from __future__ import annotations

import argparse
import logging
import random
import re
import signal
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

REPO = Path(__file__).resolve().parent.parent
if str(REPO / "tests") not in sys.path:
    sys.path.insert(0, str(REPO / "tests"))

from fake_target import FakeTarget, TargetConfig  # noqa: E402
from pyiscsi import errors  # noqa: E402
from pyiscsi.protocol import pdu as P  # noqa: E402
from pyiscsi.protocol.chap import ChapCredentials  # noqa: E402
from pyiscsi.protocol.keys import (  # noqa: E402
    KEYS,
    SECURITY_KEYS,
    OperationalSettings,
    decode_text,
)
from pyiscsi.protocol.login import LoginParameters  # noqa: E402
from pyiscsi.protocol.session import (  # noqa: E402
    AsyncEvent,
    ConnectionFailed,
    OpenConnection,
    Reconnected,
    RecoveryPolicy,
    State,
    TaskDone,
)
from pyiscsi.protocol.session import Session as Connection  # noqa: E402
from pyiscsi.protocol.tasks import ScsiTask, Task, TextTask  # noqa: E402
from pyiscsi.protocol.text import parse_send_targets  # noqa: E402

INITIATOR = "iqn.2026-11.org.example:fuzz"
TARGET = "iqn.2026-11.org.example:disk"
USER, SECRET = "fuzz-user", "fuzz-secret-123"
BLOCK = 512
#: Most bytes the core may send back for one input (a reply storm is a finding) ...
OUTPUT_LIMIT = 32 << 20
#: ... and at most this plus twice the bytes received plus the write data once per connection
#: (with the Data-Out headers): at ErrorRecoveryLevel 0 no data is sent twice on one connection.
OUTPUT_BASE = 64 << 10
#: CPU seconds for one input above which it is reported as slow (inputs take 1-20 ms).
SLOW_SECONDS = 0.25
#: Memory one input may add to the process's peak (max RSS; traced peak with --memory).
MEMORY_LIMIT = 64 << 20
#: Wall-clock seconds after which an input counts as a hang.
HANG_SECONDS = 20


# ------------------------------------------------------------------------------ steps


@dataclass(frozen=True, slots=True)
class Call:
    """An initiator call between target PDUs: ``name`` and one integer argument."""

    name: str
    arg: int = 0


Step = bytes | Call
CoreFactory = Callable[[], Connection]


class PropertyViolation(AssertionError):
    """The core broke the fuzz property (an error of the wrong type, too much output)."""


@dataclass(slots=True)
class Outcome:
    """What one input did: how it ended and what it cost."""

    failed: str | None = None  # the ConnectionFailed error's type name, if any
    errors: list[str] = field(default_factory=list)
    output: int = 0


def _read_cdb(lba: int, blocks: int) -> bytes:
    return (
        bytes([0x28, 0]) + lba.to_bytes(4, "big") + bytes([0]) + blocks.to_bytes(2, "big") + b"\0"
    )


def _write_cdb(lba: int, blocks: int) -> bytes:
    return (
        bytes([0x2A, 0]) + lba.to_bytes(4, "big") + bytes([0]) + blocks.to_bytes(2, "big") + b"\0"
    )


def _check_error(error: object, where: str) -> None:
    if not isinstance(error, errors.ISCSIError) or isinstance(error, errors.InternalError):
        raise PropertyViolation(f"{where}: {type(error).__name__}: {error}")
    if str(error).startswith("malformed PDU from the target:"):
        # the core caught a ValueError/IndexError/struct.error and wrapped it
        raise PropertyViolation(f"{where}: foreign exception wrapped by the core: {error}")


def drive(core_factory: CoreFactory, steps: Sequence[Step], output_budget: bool = True) -> Outcome:
    """Replay ``steps`` against a fresh core; raise on a broken property.

    The one adapter between the fuzzer and the core: bytes go to ``receive_data``, calls to
    the core's API (only when its state allows them: a caller never logs in twice or sends a
    command before the login completed).  Any exception the core raises from
    ``receive_data`` propagates (it is a finding); :class:`PropertyViolation` is raised for a
    ``ConnectionFailed``/``TaskDone`` error that is not a :class:`pyiscsi.ISCSIError`, and
    for output past :data:`OUTPUT_LIMIT` or (with ``output_budget``) past the budget of
    what was received and written.
    """
    core = core_factory()
    outcome = Outcome()
    scsi: list[ScsiTask] = []
    now = 0.0
    received = 0
    connections = 1  # each new connection may carry the unfinished writes again
    for step in steps:
        now += 0.5
        if isinstance(step, Call):
            _call(core, step, scsi, now)
        else:
            core.receive_data(step, now)
            received += len(step)
        outcome.output += sum(len(b) for b in core.data_to_send())
        written = sum(len(t.data_out) for t in scsi if t.data_out is not None)
        budget = OUTPUT_BASE + 2 * received + (written + written // 8) * connections
        if outcome.output > (min(OUTPUT_LIMIT, budget) if output_budget else OUTPUT_LIMIT):
            raise PropertyViolation(
                f"the core sent {outcome.output} bytes back for {received} bytes received "
                f"and {written} bytes of write data"
            )
        for event in core.events():
            if isinstance(event, ConnectionFailed):
                _check_error(event.error, "ConnectionFailed")
                outcome.failed = type(event.error).__name__
            elif isinstance(event, TaskDone):
                task: Task = event.task
                if task.error is not None:
                    _check_error(task.error, f"TaskDone({type(task).__name__})")
                    outcome.errors.append(type(task.error).__name__)
                elif isinstance(task, TextTask):
                    try:  # what the session does with a SendTargets answer
                        parse_send_targets(task.reply)
                    except errors.ISCSIError as exc:
                        _check_error(exc, "parse_send_targets")
                        outcome.errors.append(type(exc).__name__)
            elif isinstance(event, OpenConnection):
                connections += 1
                core.connection_made(now)  # a redirect or a retried login: the same stream
            elif not isinstance(event, AsyncEvent | Reconnected):
                raise PropertyViolation(f"unknown event {event!r}")
    return outcome


def _call(core: Connection, step: Call, scsi: list[ScsiTask], now: float) -> None:
    name = step.name
    if name == "login":
        if core.state is State.FREE:
            core.login()
        return
    if name == "timer":
        core.handle_timer(now + step.arg)
        return
    if core.state is not State.FULL_FEATURE:
        return
    try:
        if name == "read":
            buf = memoryview(bytearray(step.arg * BLOCK))
            scsi.append(core.submit_scsi(ScsiTask(cdb=_read_cdb(0, step.arg), data_in=buf)))
        elif name == "write":
            data = memoryview(bytes(range(256)) * (step.arg * BLOCK // 256))
            scsi.append(core.submit_scsi(ScsiTask(cdb=_write_cdb(1, step.arg), data_out=data)))
        elif name == "ping":
            core.ping(b"ping" * step.arg, now)
        elif name == "text":
            core.text_request([("SendTargets", "All")])
        elif name == "cancel":
            if scsi:
                core.cancel(scsi[-1])
        elif name == "logout":
            core.logout()
        else:
            raise ValueError(f"unknown call {name}")
    except errors.LocalProtocolError:
        pass  # the caller's mistake in a state the mutated stream led to, not the target's


# -------------------------------------------------------------------------- scenarios


@dataclass(slots=True)
class Scenario:
    """A recorded valid exchange: how to build the core, and the steps."""

    name: str
    factory: CoreFactory
    steps: list[Step]
    digests: bool = False


def split_pdus(data: bytes, header_digest: bool, data_digest: bool) -> list[bytes]:
    """Cut a target byte stream into whole PDUs."""
    out = []
    pos = 0
    while pos < len(data):
        ahs, dlen = P.header_lengths(data[pos : pos + P.BHS_LENGTH])
        size = P.BHS_LENGTH + ahs + (4 if header_digest else 0)
        if dlen:
            size += dlen + P.padding(dlen) + (4 if data_digest else 0)
        out.append(data[pos : pos + size])
        pos += size
    return out


def _record(
    name: str,
    factory: CoreFactory,
    config: TargetConfig,
    calls: Sequence[Call | Callable[[FakeTarget], None]],
) -> Scenario:
    """Run ``calls`` against the fake target and keep the target's PDUs between them."""
    core = factory()
    target = FakeTarget(config)
    steps: list[Step] = []
    scsi: list[ScsiTask] = []
    digests = False

    def settle() -> None:
        for _ in range(1000):
            out = core.data_to_send()
            if out:
                target.receive(out)
            back = target.data_to_send()
            if back:
                ffp = core.state is State.FULL_FEATURE
                hd = ffp and core.negotiated.header_digest
                dd = ffp and core.negotiated.data_digest
                for pdu in split_pdus(back, hd, dd):
                    steps.append(pdu)
                    core.receive_data(pdu)
            core.events()
            if not out and not back:
                return
        raise RuntimeError(f"scenario {name} does not settle")

    for call in calls:
        if isinstance(call, Call):
            steps.append(call)
            _call(core, call, scsi, 0.0)
        else:
            call(target)  # the target acts on its own (ping, async message)
        settle()
        digests = digests or core.negotiated.header_digest or core.negotiated.data_digest
    if target.violations:
        raise RuntimeError(f"scenario {name}: {target.violations}")
    return Scenario(name, factory, steps, digests)


def _factory(
    target_name: str | None = TARGET,
    credentials: ChapCredentials | None = None,
    settings: OperationalSettings | None = None,
    nop_interval: float | None = None,
) -> CoreFactory:
    def make() -> Connection:
        return Connection(
            LoginParameters(INITIATOR, target_name),
            settings if settings is not None else OperationalSettings(),
            credentials,
            policy=RecoveryPolicy(nop_interval=nop_interval, nop_timeout=3.0),
        )

    return make


def _target_ping(target: FakeTarget) -> None:
    target.ping(0x4242, b"hello")


def _async(target: FakeTarget) -> None:
    target.async_message(0, data=bytes([0, 18]) + bytes(18))


def _async_logout(target: FakeTarget) -> None:
    target.async_message(1, params=(0, 2, 20))


def scenarios() -> list[Scenario]:
    """The recorded valid exchanges every input starts from."""
    io: list[Call | Callable[[FakeTarget], None]] = [
        Call("login"),
        Call("read", 16),
        Call("write", 24),
        Call("ping", 2),
        _target_ping,
        _async,
        Call("read", 1),
        Call("logout"),
    ]
    small = OperationalSettings(
        max_recv_data_segment_length=4096,
        immediate_data=True,
        initial_r2t=False,
        first_burst_length=4096,
    )
    return [
        _record("io", _factory(), TargetConfig(data_in_size=2048, r2t_size=4096), io),
        _record(
            "io-no-status-in-data",
            _factory(settings=small),
            TargetConfig(status_in_data_in=False, initial_r2t=False, max_burst_length=8192),
            [Call("login"), Call("read", 12), Call("write", 40), _async_logout, Call("logout")],
        ),
        _record(
            "discovery",
            _factory(target_name=None),
            TargetConfig(
                send_targets=[
                    ("iqn.2026-11.org.example:a", ["127.0.0.1:3260,1", "[::1]:3261,2"]),
                    ("iqn.2026-11.org.example:b", ["localhost,3"]),
                    ("iqn.2026-11.org.example:c", []),
                ],
                text_split=40,
            ),
            [Call("login"), Call("text"), Call("logout")],
        ),
        _record(
            "chap-split-login",
            _factory(credentials=ChapCredentials(USER, SECRET)),
            TargetConfig(chap_user=USER, chap_secret=SECRET, login_split=24),
            [Call("login"), Call("read", 4), Call("ping", 1), Call("logout")],
        ),
        _record(
            "chap",
            _factory(credentials=ChapCredentials(USER, SECRET)),
            TargetConfig(chap_user=USER, chap_secret=SECRET),
            [Call("login"), Call("read", 1), Call("logout")],
        ),
        _record(
            "digests",
            _factory(
                settings=OperationalSettings(header_digest=("CRC32C",), data_digest=("CRC32C",))
            ),
            TargetConfig(header_digests=("CRC32C",), data_digests=("CRC32C",), data_in_size=1024),
            [Call("login"), Call("read", 8), Call("write", 8), _target_ping, Call("logout")],
        ),
        _record(
            "window",
            _factory(nop_interval=5.0),
            TargetConfig(cmd_window=2, data_in_size=512),
            [
                Call("login"),
                Call("read", 2),
                Call("read", 3),
                Call("read", 1),
                Call("write", 2),
                Call("timer", 10),
                Call("cancel"),
                Call("read", 1),
                Call("logout"),
            ],
        ),
    ]


# -------------------------------------------------------------------------- mutation

_INTERESTING_32 = (
    0,
    1,
    2,
    0x7F,
    0x80,
    0xFF,
    0x100,
    0x1000,
    0xFFFF,
    0x10000,
    0x7FFFFFFF,
    0x80000000,
    0xFFFFFFFE,
    0xFFFFFFFF,
)
_INTERESTING_8 = (0, 1, 0x3F, 0x40, 0x7F, 0x80, 0x81, 0xC0, 0xFE, 0xFF)
_TARGET_OPCODES = (0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x31, 0x32, 0x3F)
# every key of RFC 7143's table, the CHAP keys, one unknown and an empty one
_KEYS = (*KEYS, *sorted(SECURITY_KEYS - KEYS.keys()), "X-vendor.key", "")
_VALUES = (
    "",
    "0",
    "1",
    "2",
    "512",
    "65535",
    "65536",
    "16777215",
    "16777216",
    "4294967296",
    "9" * 30,
    "9" * 5000,
    "0x",
    "0x0",
    "0x" + "f" * 40,
    "0b",
    "0bAAAA",
    "0b" + "A" * 3000,
    "0x" + "ab" * 1500,
    "Yes",
    "No",
    "yes",
    "Reject",
    "Irrelevant",
    "NotUnderstood",
    "None",
    "CRC32C",
    "CRC32C,None",
    "CHAP",
    "5",
    "7",
    "256",
    "-1",
    "1.5",
    " 1",
    "\u0661",
    "127.0.0.1:3260,1",
    "[::1]:99999,1",
    "host,+1",
    ":",
    "[",
    "a" * 300,
    "x,y,z" * 100,
)


def _set32(pdu: bytearray, offset: int, value: int) -> None:
    pdu[offset : offset + 4] = (value & 0xFFFFFFFF).to_bytes(4, "big")


def _bend(rng: random.Random, value: str) -> str:
    """A value shaped like ``value``: its digits repeated, its prefix kept, a char changed."""
    kind = rng.choice((0, 1, 1, 1, 2, 3, 4))
    if kind == 0:
        return value[:2] + value[2:] * rng.choice((2, 100, 3000))
    if kind == 1:
        return value + rng.choice(("0", "9", "f", "=", ",", "\u0661", " ", "_", "A")) * rng.choice(
            (1, 5000, 9000)
        )
    if kind == 2 and value:
        i = rng.randrange(len(value))
        return value[:i] + chr(rng.randrange(1, 0x250)) + value[i + 1 :]
    if kind == 3:
        return value[: rng.randrange(len(value) + 1)]
    return ",".join([value] * rng.choice((2, 1000)))


def _reencode_text(rng: random.Random, pdu: bytes) -> bytes:
    """Replace or edit the key=value data of a PDU (no digests) and fix its length."""
    header = bytearray(pdu[: P.BHS_LENGTH])
    ahs, dlen = P.header_lengths(header)
    data = pdu[P.BHS_LENGTH + ahs : P.BHS_LENGTH + ahs + dlen]
    try:
        pairs = decode_text(data)
    except errors.ISCSIError:
        pairs = []
    choice = rng.choice((0, 0, 0, 1, 1, 1, 2, 2, 3, 4, 5, 6, 6, 6, 6, 6, 6, 6, 6, 6))
    key = rng.choice(_KEYS) or "K"
    value = rng.choice(_VALUES)
    if choice == 0 or not pairs:
        pairs.append((key, value))
    elif choice == 1:
        i = rng.randrange(len(pairs))
        pairs[i] = (pairs[i][0], value)
    elif choice == 6:  # the value of a real key, grown or bent
        i = rng.randrange(len(pairs))
        pairs[i] = (pairs[i][0], _bend(rng, pairs[i][1]))
    elif choice == 2:
        pairs.append(rng.choice(pairs))  # a key twice
    elif choice == 3:
        del pairs[rng.randrange(len(pairs))]
    elif choice == 4:
        pairs += [(f"X-k{i}", "v") for i in range(rng.choice((10, 300, 3000)))]
    else:
        pairs = [(key, value)] * rng.choice((2, 50, 5000))
    raw = b"".join(f"{k}={v}".encode() + b"\0" for k, v in pairs if k)
    if rng.random() < 0.1:
        raw = raw[: rng.randrange(len(raw) + 1)]  # no final NUL, or a cut pair
    raw = raw[: rng.choice((8192, 65536, 1 << 20))]  # within or past the length limits
    header[4] = 0
    header[5:8] = len(raw).to_bytes(3, "big")
    return bytes(header) + raw + bytes(P.padding(len(raw)))


def _flood(rng: random.Random, pdu: bytes) -> list[bytes]:
    """A text answer of many tiny pairs over many PDUs: Text Responses with F clear and a TTT,
    or Login Responses with C set, each of up to 64 KiB, then the original PDU."""
    header = bytearray(pdu[: P.BHS_LENGTH])
    text = header[0] & 0x3F == 0x24
    header[1] = (header[1] & ~0x80 & 0xFF) if text else ((header[1] | 0x40) & ~0x80 & 0xFF)
    if text:
        _set32(header, 20, 0x77)
    piece = rng.choice((b"a=b\0", b"TargetName=ab\0", b"X-k=1\0")) * 4096
    piece = piece[: 65536 - 65536 % 4]
    header[4] = 0
    header[5:8] = len(piece).to_bytes(3, "big")
    count = rng.choice((4, 64, 250, 260))
    return [bytes(header) + piece] * count + [pdu]


def _random_pdu(rng: random.Random) -> bytes:
    header = bytearray(rng.randbytes(P.BHS_LENGTH))
    header[0] = rng.choice(_TARGET_OPCODES) | (rng.random() < 0.05) * 0x40
    header[4] = 0 if rng.random() < 0.9 else rng.randrange(4)
    dlen = rng.choice((0, 0, 1, 4, 48, 100, 600))
    header[5:8] = dlen.to_bytes(3, "big")
    if rng.random() < 0.5:
        header[16:20] = rng.choice((b"\0\0\0\1", b"\0\0\0\2", b"\xff\xff\xff\xff"))
    return bytes(header) + bytes(4 * header[4]) + rng.randbytes(dlen) + bytes(P.padding(dlen))


def mutate(rng: random.Random, scenario: Scenario) -> list[Step]:
    """One fuzz input: the scenario's steps with 1-4 mutations and a random chunking."""
    steps: list[Step] = list(scenario.steps)
    pdu_index = [i for i, s in enumerate(steps) if isinstance(s, bytes) and s]
    text_focus = rng.random() < 0.35  # every mutation on the keys of Login/Text Responses
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
        if not pdu_index:
            break
        i = rng.choice(pdu_index)
        pdu = steps[i]
        assert isinstance(pdu, bytes)
        kind = 5 if text_focus else rng.randrange(12)
        if kind <= 2:  # bit flips, mostly in the header
            b = bytearray(pdu)
            for _ in range(rng.choice((1, 1, 2, 4, 8))):
                pos = rng.randrange(min(len(b), P.BHS_LENGTH) if rng.random() < 0.8 else len(b))
                b[pos] ^= 1 << rng.randrange(8)
            steps[i] = bytes(b)
        elif kind in (3, 4, 5, 11) and len(pdu) < P.BHS_LENGTH:
            continue  # a piece left by a truncation: no header fields to change
        elif kind == 3:  # an interesting byte in the header
            b = bytearray(pdu)
            b[rng.choice((0, 1, 2, 3, 4, 5, 36, 37))] = rng.choice(_INTERESTING_8)
            steps[i] = bytes(b)
        elif kind == 4:  # an interesting 32-bit word (lengths, tags, SNs, offsets)
            b = bytearray(pdu)
            offset = rng.choice((4, 16, 20, 24, 28, 32, 36, 40, 44))
            old = int.from_bytes(b[offset : offset + 4], "big")
            _set32(b, offset, rng.choice((*_INTERESTING_32, old + 1, old - 1, old + 0x1000)))
            steps[i] = bytes(b)
        elif kind == 5:  # the keys of a Login or Text Response
            texts = [
                j
                for j in pdu_index
                if isinstance(sj := steps[j], bytes)
                and len(sj) >= P.BHS_LENGTH
                and sj[0] & 0x3F in (0x23, 0x24)
            ]
            if texts and not scenario.digests:
                j = rng.choice(texts)
                text_pdu = steps[j]
                assert isinstance(text_pdu, bytes)
                if rng.random() < 0.1:
                    steps[j : j + 1] = _flood(rng, text_pdu)
                else:
                    steps[j] = _reencode_text(rng, text_pdu)
        elif kind == 6:  # truncate the whole stream here
            cut = rng.randrange(len(pdu) + 1)
            steps = [*steps[:i], pdu[:cut]]
            pdu_index = [j for j in pdu_index if j < i]
            continue
        elif kind == 7:  # duplicate, now and then many times (at most 2 MiB in all)
            times = 1 if rng.random() < 0.85 else rng.choice((100, 1000, 5000))
            steps[i + 1 : i + 1] = [pdu] * min(times, max(1, (2 << 20) // len(pdu)))
        elif kind == 8:  # drop
            steps[i] = b""
        elif kind == 9:  # move a PDU later
            later = [j for j in pdu_index if j > i]
            if later:
                j = rng.choice(later)
                steps[i], steps[j] = steps[j], steps[i]
        elif kind == 10:  # inject a random target PDU
            steps.insert(i + rng.randrange(2), _random_pdu(rng))
        else:  # a huge or odd DataSegmentLength / AHS length
            b = bytearray(pdu)
            if rng.random() < 0.5:
                b[5:8] = rng.choice((0xFFFFFF, 0x40000, 0x10001, 3, 1)).to_bytes(3, "big")
            else:
                b[4] = rng.choice((1, 2, 0x80, 0xFF))
            steps[i] = bytes(b)
        pdu_index = [k for k, s in enumerate(steps) if isinstance(s, bytes) and s]
    return _chunk(rng, steps)


def _chunk(rng: random.Random, steps: list[Step]) -> list[Step]:
    """Cut the bytes between calls: PDUs whole, joined, in small pieces, or at random sizes."""
    mode = rng.randrange(4)
    if mode == 0:
        return [s for s in steps if not isinstance(s, bytes) or s]
    out: list[Step] = []
    pending = bytearray()

    def flush() -> None:
        pos = 0
        while pos < len(pending):
            if mode == 1:
                size = len(pending)
            elif mode == 2 and len(pending) <= 65536:
                size = rng.randrange(1, 17)
            else:
                size = rng.choice((1, 3, 7, 47, 48, 49, 52, 100, 1000, 9000))
            out.append(bytes(pending[pos : pos + size]))
            pos += size
        pending.clear()

    for step in steps:
        if isinstance(step, Call):
            flush()
            out.append(step)
        else:
            pending += step
    flush()
    return out


# ------------------------------------------------------------------------------ runs


@dataclass(slots=True)
class Finding:
    """An input that broke the property."""

    seed: int
    index: int
    scenario: str
    what: str


@dataclass(slots=True)
class Stats:
    """Figures of a run."""

    inputs: int = 0
    seconds: float = 0.0
    slowest: float = 0.0
    slowest_at: int = -1
    peak_memory: int = 0
    ended: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def _max_rss() -> int:
    """The process's peak resident memory in bytes (0 where unknown)."""
    try:
        import resource
    except ImportError:  # not on this platform
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class _Hang(Exception):
    pass


class _StrictHandler(logging.Handler):
    """Formats every record (as a real handler would) and lets a formatting error escape."""

    def emit(self, record: logging.LogRecord) -> None:
        self.format(record)

    def handleError(self, record: logging.LogRecord) -> None:
        raise


def _logging(debug: bool) -> None:
    """Route pyiscsi's records to the strict handler; DEBUG on some inputs (PDU traces)."""
    root = logging.getLogger("pyiscsi")
    if not any(isinstance(h, _StrictHandler) for h in root.handlers):
        root.addHandler(_StrictHandler())
        root.propagate = False
    root.setLevel(logging.DEBUG if debug else logging.WARNING)


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise _Hang


def inputs(
    seed: int, count: int, all_scenarios: list[Scenario]
) -> Iterator[tuple[int, Scenario, list[Step]]]:
    """The ``count`` inputs of ``seed``: input ``i`` depends only on (seed, i)."""
    for index in range(count):
        rng = random.Random(f"{seed}:{index}")
        scenario = all_scenarios[rng.randrange(len(all_scenarios))]
        yield index, scenario, mutate(rng, scenario)


def run_one(scenario: Scenario, steps: list[Step], output_budget: bool = True) -> str:
    """Drive one input; return how it ended, or raise what it broke."""
    outcome = drive(scenario.factory, steps, output_budget)
    return outcome.failed or ("task-errors" if outcome.errors else "normal")


def run(
    seed: int,
    count: int,
    memory: bool = False,
    progress: Callable[[Stats], None] | None = None,
    output_budget: bool = True,
) -> Stats:
    """Run ``count`` inputs from ``seed``; every finding is recorded, none stops the run."""
    _logging(False)
    all_scenarios = scenarios()
    stats = Stats()
    use_alarm = hasattr(signal, "SIGALRM")
    if use_alarm:
        signal.signal(signal.SIGALRM, _alarm)
    start = time.process_time()
    for index, scenario, steps in inputs(seed, count, all_scenarios):
        t0 = time.process_time()
        rss0 = _max_rss()
        if memory:
            tracemalloc.start()
        if use_alarm:
            signal.alarm(HANG_SECONDS)
        _logging(index % 16 == 0)
        try:
            ended = run_one(scenario, steps, output_budget)
        except _Hang:
            ended = "finding"
            stats.findings.append(Finding(seed, index, scenario.name, "hang"))
        except Exception as exc:  # the finding: anything escaping the core or the property
            ended = "finding"
            what = f"{type(exc).__name__}: {str(exc)[:200]}"
            stats.findings.append(Finding(seed, index, scenario.name, what))
        finally:
            if use_alarm:
                signal.alarm(0)
            if memory:
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                stats.peak_memory = max(stats.peak_memory, peak)
                if peak > MEMORY_LIMIT:
                    stats.findings.append(
                        Finding(seed, index, scenario.name, f"{peak >> 20} MiB peak memory")
                    )
        took = time.process_time() - t0
        grew = _max_rss() - rss0
        if grew > MEMORY_LIMIT:
            stats.findings.append(
                Finding(seed, index, scenario.name, f"peak RSS grew by {grew >> 20} MiB")
            )
        if took > stats.slowest:
            stats.slowest, stats.slowest_at = took, index
        if took > SLOW_SECONDS:
            stats.findings.append(Finding(seed, index, scenario.name, f"{took:.2f} s CPU"))
        stats.ended[ended] = stats.ended.get(ended, 0) + 1
        stats.inputs += 1
        if progress is not None and stats.inputs % 10000 == 0:
            stats.seconds = time.process_time() - start
            progress(stats)
    stats.seconds = time.process_time() - start
    return stats


def replay(seed: int, index: int) -> list[Step]:
    """The input ``index`` of ``seed``, for a reproducer."""
    rng = random.Random(f"{seed}:{index}")
    all_scenarios = scenarios()
    scenario = all_scenarios[rng.randrange(len(all_scenarios))]
    print(f"scenario {scenario.name}")
    return mutate(rng, scenario)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run a seed's inputs and print the figures and findings."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--memory", action="store_true", help="trace memory (slower)")
    parser.add_argument("--show", type=int, default=20, help="findings to print")
    parser.add_argument("--replay", metavar="SEED:INDEX", help="run one input and show it")
    parser.add_argument(
        "--no-output-budget",
        action="store_true",
        help="check output against the absolute limit only (not received x2 + writes)",
    )
    args = parser.parse_args(argv)
    _logging(False)
    if args.replay:
        seed_text, _, index_text = args.replay.partition(":")
        steps = replay(int(seed_text), int(index_text))
        for step in steps:
            print(step if isinstance(step, Call) else step.hex())
        all_scenarios = {s.name: s for s in scenarios()}
        rng = random.Random(f"{seed_text}:{index_text}")
        scenario = list(all_scenarios.values())[rng.randrange(len(all_scenarios))]
        try:
            print("ended:", run_one(scenario, steps, not args.no_output_budget))
        except Exception as exc:  # the finding, shown as it would be in a run
            print(f"finding: {type(exc).__name__}: {exc}")
            return 1
        return 0

    def progress(stats: Stats) -> None:
        print(
            f"  {stats.inputs} inputs, {stats.seconds:.0f} s, {len(stats.findings)} findings",
            file=sys.stderr,
            flush=True,
        )

    stats = run(args.seed, args.count, args.memory, progress, not args.no_output_budget)
    print(
        f"seed {args.seed}: {stats.inputs} inputs in {stats.seconds:.1f} s CPU "
        f"({stats.inputs / max(stats.seconds, 1e-9):.0f}/s); slowest {stats.slowest:.3f} s "
        f"(input {stats.slowest_at})"
        + (f"; peak memory {stats.peak_memory / 2**20:.1f} MiB" if args.memory else "")
    )
    print("ended: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.ended.items())))
    kinds: dict[str, list[Finding]] = {}
    for finding in stats.findings:  # grouped by message, numbers left out
        kinds.setdefault(re.sub(r"\d+", "#", finding.what)[:100], []).append(finding)
    print(f"{len(stats.findings)} findings")
    for shown, (_, found) in enumerate(sorted(kinds.items(), key=lambda kv: -len(kv[1]))):
        if shown >= args.show:
            break
        f = found[0]
        print(f"  {len(found)}x {f.what}  [{f.scenario}; --replay {f.seed}:{f.index}]")
    return 1 if stats.findings else 0


if __name__ == "__main__":
    sys.exit(main())
