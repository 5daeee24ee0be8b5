"""Benchmark: pyiscsi against libiscsi on the same tgtd, in one run, as ratios.

Starts a throwaway tgtd and, for each row of the performance table (README), alternates
libiscsi's program and ours for ``--rounds`` pairs, then prints the median ratio
ours/libiscsi and both programs' CPU microseconds per I/O (ours as it reports it, without
its start-up):

- READ 4 KiB x 32 in flight, 1 MiB x 8, 512 B x 1 (latency): ``iscsi-perf`` of libiscsi-bin
  and ours, same options;
- WRITE 1 MiB x 8: ours (``iscsi-perf -w``) against ``bench/libiscsi_write.c``, a small
  program on libiscsi's asynchronous API built here (needs Debian's ``libiscsi-dev``);
- READ 1 MiB x 8 with header and data CRC32C: our CPU time per MB against ours without
  digests (tgtd's software CRC caps the rate; CPU per MB is what we control);
- ``iscsi-readcapacity16 -s``, the whole process, against ``python -c 'import asyncio, argparse'``;
- 64 open sessions after one READ each: memory per session beyond the process's baseline.

    .venv/bin/python bench/perf_vs_libiscsi.py [--seconds 3] [--rounds 3]
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

import core_micro  # noqa: E402

from tgt import Tgtd  # noqa: E402

IQN = "iqn.2024-01.org.pyiscsi:bench"
DIGEST_IQN = "iqn.2024-01.org.pyiscsi:bench-digest"
MiB = 1024 * 1024
_AVERAGE = re.compile(rb"iops average (\d+)")
_OWN_CPU = re.compile(rb"cpu [0-9.]+ s \(([0-9.]+) us per I/O\)")
OURS = [sys.executable, "-m", "pyiscsi.tools.iscsi_perf"]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_perf(command: list[str], seconds: float) -> tuple[float, float]:
    """Run a benchmark program: (its final average IOPS, its CPU microseconds per I/O).

    The CPU time is the program's own ``cpu ... us per I/O`` line where it prints one (ours:
    the run alone, start-up excluded), else its user+system time over its I/Os.
    """
    before = children_cpu()
    done = subprocess.run(command, capture_output=True, timeout=seconds + 60, check=False)
    cpu = children_cpu() - before
    out = done.stdout.replace(b"\r", b"\n")
    found = _AVERAGE.findall(out)
    if done.returncode != 0 or not found:
        raise RuntimeError(
            f"{command[0]} {' '.join(command[1:3])}... failed ({done.returncode}): "
            f"{done.stdout[-200:]!r} {done.stderr[-300:]!r}"
        )
    iops = float(found[-1])
    own = _OWN_CPU.findall(out)
    return iops, float(own[-1]) if own else cpu / (iops * seconds) * 1e6


def pairs(
    name: str,
    theirs: Callable[[], tuple[float, float]],
    ours: Callable[[], tuple[float, float]],
    rounds: int,
    seconds: float,
) -> None:
    """Alternate the two programs; print the median ratio and CPU per I/O of each."""
    ratios, cpu_theirs, cpu_ours = [], [], []
    for _ in range(rounds):
        t_iops, t_cpu = theirs()
        o_iops, o_cpu = ours()
        ratios.append(o_iops / t_iops)
        cpu_theirs.append(t_cpu)
        cpu_ours.append(o_cpu)
        print(f"  {name}: libiscsi {t_iops:.0f} IOPS, pyiscsi {o_iops:.0f} IOPS", flush=True)
    print(
        f"{name}: ratio {statistics.median(ratios):.2f} "
        f"(range {min(ratios):.2f}-{max(ratios):.2f}); CPU us/IO libiscsi "
        f"{statistics.median(cpu_theirs):.1f}, pyiscsi {statistics.median(cpu_ours):.1f}",
        flush=True,
    )


def build_writer() -> str | None:
    """Compile bench/libiscsi_write.c; None if libiscsi-dev or a compiler is missing."""
    if not Path("/usr/include/iscsi/iscsi.h").exists() or shutil.which("cc") is None:
        return None
    out = Path(tempfile.mkdtemp(prefix="pyiscsi-bench-")) / "libiscsi_write"
    subprocess.run(
        ["cc", "-O2", "-o", str(out), str(HERE / "libiscsi_write.c"), "-liscsi"], check=True
    )
    return str(out)


def wall(command: list[str], runs: int = 7, env: dict[str, str] | None = None) -> float:
    """Median wall time of a whole command, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def installed_env(cache: str) -> dict[str, str]:
    """The environment with Python's bytecode cache in ``cache``, as an installed package has
    it: under PYTHONDONTWRITEBYTECODE (and no __pycache__ in src/) each run of a tool would
    first compile the 11,000 lines of pyiscsi it imports (60 ms here)."""
    env = dict(os.environ, PYTHONPYCACHEPREFIX=cache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


_SESSIONS = """
import asyncio, sys, tracemalloc
import pyiscsi
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
async def main(url, n):
    s0 = await pyiscsi.connect(url)
    await s0.read(0, 1)
    base = rss()
    tracemalloc.start()
    sessions = [await pyiscsi.connect(url) for _ in range(n)]
    for s in sessions:
        await s.read(0, 1)
    allocated = tracemalloc.get_traced_memory()[0]
    grown = rss() - base
    for s in [s0, *sessions]:
        await s.close()
    print(grown / n, allocated / 1024 / n)
asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    libiscsi = shutil.which("iscsi-perf", path="/usr/bin:/usr/local/bin")
    if libiscsi is None:
        print("libiscsi's iscsi-perf is missing (Debian package libiscsi-bin)", file=sys.stderr)
        return 1
    writer = build_writer()
    s, rounds = args.seconds, args.rounds
    print(f"machine: {os.cpu_count()} cores; {s} s per run, {rounds} alternating pairs")
    with Tgtd() as tgtd:
        tgtd.add_target(1, IQN, {1: 512 * MiB})
        tgtd.add_target(2, DIGEST_IQN, {1: 512 * MiB})
        tgtd.set_target_param(2, "HeaderDigest", "CRC32C")
        tgtd.set_target_param(2, "DataDigest", "CRC32C")
        url = tgtd.url(IQN, 1)
        for name, blocks, depth in (
            ("READ 4 KiB x 32", 8, 32),
            ("READ 1 MiB x 8", 2048, 8),
            ("READ 512 B x 1", 1, 1),
        ):
            opts = ["-m", str(depth), "-b", str(blocks), "-t", str(s)]
            pairs(
                name,
                functools.partial(run_perf, [libiscsi, *opts, url], s),
                functools.partial(run_perf, [*OURS, *opts, url], s),
                rounds,
                s,
            )
        opts = ["-m", "8", "-b", "2048", "-t", str(s)]
        if writer is not None:
            pairs(
                "WRITE 1 MiB x 8",
                lambda: run_perf([writer, url, "2048", "8", str(s)], s),
                lambda: run_perf([*OURS, "-w", *opts, url], s),
                rounds,
                s,
            )
        else:
            print("WRITE 1 MiB x 8: skipped (no libiscsi-dev or no C compiler)")
        digest_url = tgtd.url(
            DIGEST_IQN, 1, args={"header_digest": "crc32c", "data_digest": "crc32c"}
        )
        per_mb = []
        for _ in range(rounds):
            plain_iops, plain_cpu = run_perf([*OURS, *opts, url], s)
            dig_iops, dig_cpu = run_perf([*OURS, *opts, digest_url], s)
            per_mb.append(dig_cpu / plain_cpu)  # both per 1 MiB READ
            print(f"  READ 1 MiB x 8 digests: {dig_iops:.0f} IOPS (without: {plain_iops:.0f})")
        print(
            f"READ 1 MiB x 8 with CRC32C: CPU per MB {statistics.median(per_mb):.2f}x ours without"
        )
        plain_core = statistics.median(core_micro.run(MiB, 8, 1600, 256 * 1024) for _ in range(3))
        dig_core = statistics.median(
            core_micro.run(MiB, 8, 1600, 256 * 1024, digests=True) for _ in range(3)
        )
        print(
            f"  the core alone (bench/core_micro.py, same bytes, no network): {dig_core:.0f} us "
            f"per 1 MiB READ with CRC32C, {plain_core:.0f} without ({dig_core / plain_core:.2f}x)"
        )
        tool = [sys.executable, "-m", "pyiscsi.tools.iscsi_readcapacity16", "-s", url]
        asyncio_argparse = [sys.executable, "-c", "import asyncio, argparse"]
        with tempfile.TemporaryDirectory(prefix="pyiscsi-bench-pycache-") as cache:
            env = installed_env(cache)
            for command in (asyncio_argparse, tool):  # fills the bytecode cache
                subprocess.run(command, capture_output=True, check=True, env=env)
            base = wall(asyncio_argparse, env=env)
            took = wall(tool, env=env)
        print(
            f"iscsi-readcapacity16 -s: {took:.3f} s wall, {took / base:.1f}x "
            f"`import asyncio, argparse` ({base:.3f} s), both with bytecode"
        )
        rss_kib, allocated_kib = subprocess.run(
            [sys.executable, "-c", _SESSIONS, url, "64"], capture_output=True, check=True, text=True
        ).stdout.split()
        print(
            f"64 sessions after one READ each: {float(rss_kib):.1f} KiB RSS each, "
            f"{float(allocated_kib):.1f} KiB allocated by Python each (tracemalloc)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
