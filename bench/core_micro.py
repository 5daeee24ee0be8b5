"""Micro-benchmark of the sans-I/O core alone: CPU microseconds per READ, no network.

A protocol :class:`~pyiscsi.protocol.session.Session` is logged in to the fake target, then
``--depth`` READs are submitted, their bytes taken, and the target's Data-In PDUs (with status,
pre-encoded outside the timing) fed back; only the core's calls are timed (process CPU time),
so the figure holds on a busy machine.  Use it before and after a change to the hot path.
``--digests`` turns on header and data CRC32C; ``--segment`` splits each READ's data into
Data-In PDUs of that many bytes (tgtd sends at most MaxRecvDataSegmentLength, 256 KiB).

    .venv/bin/python bench/core_micro.py [--size 4096] [--depth 32] [--commands 200000]
    .venv/bin/python bench/core_micro.py --size 1048576 --depth 8 --segment 262144 --digests
"""

from __future__ import annotations

import argparse
import struct
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fake_target import FakeTarget, TargetConfig, exchange
from pyiscsi.protocol import pdu as P
from pyiscsi.protocol.keys import OperationalSettings
from pyiscsi.protocol.login import LoginParameters
from pyiscsi.protocol.session import Session
from pyiscsi.protocol.tasks import ScsiTask

_READ16 = struct.Struct(">BBQIBB")


def run(size: int, depth: int, commands: int, segment: int = 0, digests: bool = False) -> float:
    """CPU microseconds per READ of ``size`` bytes, ``depth`` at a time."""
    crc = ("CRC32C",) if digests else ("None",)
    target = FakeTarget(TargetConfig(header_digests=crc, data_digests=crc))
    settings = OperationalSettings(header_digest=crc, data_digest=crc)
    core = Session(
        LoginParameters("iqn.2026-11.org.example:bench", "iqn.2026-11.org.example:disk"), settings
    )
    core.login()
    exchange(core, target)
    assert core.negotiated.header_digest == digests and core.negotiated.data_digest == digests
    segment = segment or size
    statsn = target.statsn
    cmdsn = core.cmdsn
    buffers = [memoryview(bytearray(size)) for _ in range(depth)]
    payload = bytes(segment)
    spent = 0.0
    done = 0
    while done < commands:
        t0 = time.process_time()
        tasks = []
        for k in range(depth):
            cdb = _READ16.pack(0x88, 0, k * 8, size // 512, 0, 0)
            tasks.append(core.submit_scsi(ScsiTask(cdb=cdb, data_in=buffers[k])))
        core.data_to_send()
        t1 = time.process_time()
        blob = bytearray()
        for task in tasks:
            cmdsn += 1
            for datasn, offset in enumerate(range(0, size, segment)):
                last = offset + segment >= size
                datain = P.DataIn(
                    task.itt, P.NO_TAG, 0, last, False, False, False, last, 0, statsn,
                    cmdsn, cmdsn + 128, datasn, offset, 0,
                )  # fmt: skip
                blob += P.encode_target_pdu(datain, payload, digests, digests)
            statsn += 1
        t2 = time.process_time()
        core.receive_data(blob)
        events = core.events()
        t3 = time.process_time()
        assert len(events) == depth and all(t.done and t.error is None for t in tasks)
        spent += (t1 - t0) + (t3 - t2)
        done += depth
    return spent / done * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--depth", type=int, default=32)
    parser.add_argument("--commands", type=int, default=200_000)
    parser.add_argument("--segment", type=int, default=0, help="Data-In payload size")
    parser.add_argument("--digests", action="store_true", help="header and data CRC32C")
    args = parser.parse_args()
    figures = sorted(
        run(args.size, args.depth, args.commands // 3, args.segment, args.digests) for _ in range(3)
    )
    print(
        f"core: {figures[1]:.2f} us CPU per {args.size}-byte READ"
        f"{' with digests' if args.digests else ''} (median of 3; "
        f"min {figures[0]:.2f}, max {figures[2]:.2f})"
    )


if __name__ == "__main__":
    main()
