"""Shared pytest setup: markers, and ``tests/`` on sys.path so tests can ``import tgt``."""

from __future__ import annotations

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
