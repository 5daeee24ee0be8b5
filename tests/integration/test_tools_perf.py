"""iscsi-perf against tgtd and against libiscsi-bin's iscsi-perf: header lines, status and
summary lines, -n (errors counted apart), -b checked up front, -w and --mix, Ctrl-C.
Each run is 1-2 s.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for tgt
from tgt import Tgtd

pytestmark = pytest.mark.integration

TARGET = "iqn.2024-01.org.pyiscsi:tools-perf"
SIZE = 8 << 20
RUN_TIMEOUT = 60
NUMBER = re.compile(r"\d+")


@pytest.fixture(scope="module")
def tgtd_perf() -> Iterator[Tgtd]:
    with Tgtd() as t:
        t.add_target(1, TARGET, {1: SIZE, 2: SIZE})
        yield t


def perf(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pyiscsi", "perf", *args],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def records(stdout: str) -> list[str]:
    """The output split at newlines and carriage returns (status lines overwrite each other)."""
    return [part.rstrip() for part in re.split(r"[\r\n]", stdout)]


def test_output_matches_libiscsi(tgtd_perf: Tgtd) -> None:
    url = tgtd_perf.url(TARGET, 1)
    ours = perf("-t", "2", url)
    theirs = subprocess.run(
        ["/usr/bin/iscsi-perf", "-t", "2", url],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert ours.returncode == theirs.returncode == 0, (ours.stderr, theirs.stderr)
    mine, libiscsi = records(ours.stdout), records(theirs.stdout)
    # the header after the version line is the same, line for line
    assert mine[1:8] == libiscsi[1:8]
    assert mine[2] == f"connected to {url}"
    assert mine[4] == "performing SEQUENTIAL READ with 32 parallel requests"

    def shape(lines: list[str]) -> list[str]:
        return [NUMBER.sub("N", line) for line in lines if line and not line.startswith("cpu ")]

    # status lines and the summary have the same fields; "finished." ends both
    status = "N:N:N - lba N, iops current N (N MB/s), iops average N (N MB/s), in_flight N, busy N"
    assert status in shape(mine[8:]) and status in shape(libiscsi[8:])
    assert (
        shape(mine[8:])[-2:] == shape(libiscsi[8:])[-2:] == ["iops average N (N MB/s)", "finished."]
    )
    cpu = [line for line in mine if line.startswith("cpu ")]
    assert len(cpu) == 1 and re.fullmatch(
        r"cpu \d+\.\d\d s \(\d+\.\d us per I/O\), errors 0", cpu[0]
    )


def test_random_logging_json(tgtd_perf: Tgtd) -> None:
    url = tgtd_perf.url(TARGET, 1)
    done = perf("-t", "2", "-r", "-R", "-l", "-m", "4", "-b", "16", url)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "performing RANDOM READ with 4 parallel requests" in lines
    assert "RANDOM transfer size of 1 - 16 blocks (512 - 8192 byte)" in lines
    status = [line for line in records(done.stdout) if " - lba " in line]
    assert status, done.stdout
    for line in status:
        lba = int(line.split(" - lba ", 1)[1].split(",", 1)[0])
        assert 0 <= lba < SIZE // 512
    doc = json.loads(perf("-t", "1", "--json", "--mix", "50", url).stdout)
    assert doc["reads"] > 0 and doc["writes"] > 0 and doc["ios"] == doc["reads"] + doc["writes"]
    assert doc["cpu_us_per_io"] > 0 and doc["errors"] == 0


def test_failed_commands_are_errors_not_io(tgtd_perf: Tgtd) -> None:
    url = tgtd_perf.url(TARGET, 2)
    swp = [sys.executable, "-m", "pyiscsi", "swp", "-s"]
    subprocess.run([*swp, "on", url], check=True, capture_output=True, timeout=RUN_TIMEOUT)
    try:
        done = perf("-t", "1", "-w", "-n", "--json", url)
        assert done.returncode == 0, done.stderr
        doc = json.loads(done.stdout)
        assert doc["ios"] == 0 and doc["iops"] == 0 and doc["errors"] > 0
        assert "DATA PROTECT: WRITE PROTECTED" in done.stderr
        done = perf("-t", "1", "-w", url)
        assert done.returncode == 10
        last = done.stderr.splitlines()[-1]
        assert re.fullmatch(r"iscsi-perf: WRITE\(16\) at LBA \d+ failed: DATA PROTECT: .*", last)
        assert "ABORTED!" in done.stdout
    finally:
        subprocess.run([*swp, "off", url], check=True, capture_output=True, timeout=RUN_TIMEOUT)


def test_blocks_larger_than_the_lun_refused_up_front(tgtd_perf: Tgtd) -> None:
    done = perf("-b", "300000", tgtd_perf.url(TARGET, 1))
    assert done.returncode == 2
    assert "-b 300000 is more than the LUN's 16384 blocks" in done.stderr
    assert "iops" not in done.stdout


def test_ctrl_c_prints_the_summary(tgtd_perf: Tgtd) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pyiscsi", "perf", "-t", "0", "-l", tgtd_perf.url(TARGET, 1)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if " - lba " in line:
            break
    assert "infinite runtime - press CTRL-C to abort.\n" in seen
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=RUN_TIMEOUT)
    assert proc.returncode == 130
    assert err == "iscsi-perf: interrupted\n"
    lines = records(out)
    summary = [line for line in lines if line.startswith("iops average ") and "," not in line]
    assert len(summary) == 1 and re.fullmatch(r"iops average \d+ \(\d+ MB/s\)", summary[0])
