#!/usr/bin/env python3
"""``make demo``: pyiscsi against a throwaway tgtd on loopback.

Starts tgtd with one 64 MiB file-backed LUN, runs pyiscsi's iscsi-ls, iscsi-inq and
iscsi-readcapacity16 (the venv's console scripts), then writes, reads back and compares data
through the Python API, and stops tgtd. Needs root, tgtd and the venv (scripts/install-deps.sh).
Exit status 0 when every step worked.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import pyiscsi.sync  # noqa: E402
from tgt import Tgtd, TgtdError  # noqa: E402

IQN = "iqn.2024-01.org.pyiscsi:demo"
LUN = 1
LUN_SIZE = 64 << 20
SMALL = 8  # blocks
LARGE = 2048  # blocks: 1 MiB at 512 bytes, many Data-In / Data-Out PDUs


def banner(text: str) -> None:
    print(f"\n== {text}", flush=True)


def run_tool(name: str, *args: str) -> bool:
    """Run one of the venv's tools (pyiscsi's, not libiscsi's), showing command and output."""
    exe = Path(sys.executable).parent / name
    print(f"$ {name} {' '.join(args)}", flush=True)
    if not exe.exists():
        print(f"  {exe} is missing: is pyiscsi installed in this venv?")
        return False
    done = subprocess.run(
        [str(exe), *args], capture_output=True, text=True, timeout=120, check=False
    )
    print((done.stdout + done.stderr).rstrip())
    if done.returncode != 0:
        print(f"  -> exit status {done.returncode}")
    return done.returncode == 0


def round_trip(url: str) -> bool:
    """Write random data at the start, middle and end of the LUN, read it back, compare."""
    print(f">>> with pyiscsi.sync.connect({url!r}) as s:", flush=True)
    with pyiscsi.sync.connect(url) as s:
        cap = s.read_capacity16()
        last_lba = cap.returned_logical_block_address
        block = cap.logical_block_length
        if last_lba is None or block is None:
            print(f"    READ CAPACITY(16) data too short: {cap}")
            return False
        print(
            f"    read_capacity16(): last LBA {last_lba}, block length {block} bytes, "
            f"{(last_lba + 1) * block} bytes in all"
        )
        ok = True
        middle = (last_lba + 1) // 2
        for lba, blocks in ((0, SMALL), (middle, LARGE), (last_lba + 1 - SMALL, SMALL)):
            data = os.urandom(blocks * block)
            s.write(lba, data)
            same = bytes(s.read(lba, blocks)) == data
            ok &= same
            print(
                f"    write({lba}, {len(data)} random bytes); read({lba}, {blocks}) -> "
                f"{'identical' if same else 'DIFFERENT'}"
            )
        untouched = bytes(s.read(SMALL, SMALL))
        zero = untouched == bytes(len(untouched))
        ok &= zero
        print(
            f"    read({SMALL}, {SMALL}) of blocks never written -> "
            f"{'all zero' if zero else 'NOT ZERO'}"
        )
    return ok


def main() -> int:
    banner("Starting a throwaway tgtd")
    try:
        daemon = Tgtd().start()
    except TgtdError as e:
        print(f"cannot start tgtd: {e}")
        return 1
    results: dict[str, bool] = {}
    with daemon:
        daemon.add_target(1, IQN, {LUN: LUN_SIZE})
        url = daemon.url(IQN, LUN)
        print(
            f"tgtd on portal {daemon.portal}, control port {daemon.control_port}: "
            f"target {IQN}, LUN {LUN} = sparse file of {LUN_SIZE >> 20} MiB"
        )

        banner("pyiscsi's command-line tools")
        results["iscsi-ls"] = run_tool("iscsi-ls", "-s", daemon.portal_url())
        results["iscsi-inq"] = run_tool("iscsi-inq", url)
        results["iscsi-readcapacity16"] = run_tool("iscsi-readcapacity16", url)

        banner("Write / read / verify through the Python API")
        try:
            results["round trip"] = round_trip(url)
        except Exception as e:  # the demo reports every failure and goes on to stop tgtd
            print(f"    failed: {type(e).__name__}: {e}")
            results["round trip"] = False

        banner("Stopping tgtd")
    print("tgtd stopped")

    banner("Summary")
    for step, ok in results.items():
        print(f"  {'ok  ' if ok else 'FAIL'} {step}")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
