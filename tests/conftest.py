"""Shared pytest setup: markers, and ``tests/`` on sys.path so tests can ``import tgt``."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

MARKERS = {
    "integration": "needs a real tgtd (started by fixtures); run as root",
    "libiscsi": "compares with libiscsi-bin tools",
}


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers (also listed in pyproject.toml, needed by --strict-markers)."""
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under tests/integration as ``integration`` (select with -m)."""
    integration_dir = TESTS_DIR / "integration"
    for item in items:
        if integration_dir in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.integration)


def integration_prerequisites() -> list[str]:
    """What the integration tests lack here: root, tgtd, tgtadm (empty if nothing)."""
    missing = []
    if os.geteuid() != 0:
        missing.append("root (tgtd runs in /var/run/tgtd and listens on its own ports)")
    missing += [
        f"{tool} (Debian package tgt)" for tool in ("tgtd", "tgtadm") if not shutil.which(tool)
    ]
    return missing


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say up front why integration tests would fail here (they never skip)."""
    missing = integration_prerequisites()
    if not missing:
        return ["integration tests: root and tgtd present; real tgtd daemons will be started"]
    return [
        "integration tests (tests/integration) need a real tgtd, so root and Debian's tgt; "
        f"missing here: {'; '.join(missing)}.",
        "They fail (never skip) without them: run `make unit` or `pytest tests/unit` for the "
        "unit tests alone, or `make test` as root.",
    ]
