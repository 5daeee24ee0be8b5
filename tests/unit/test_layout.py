"""Rules of the tree that, broken, fail far from their cause."""

from __future__ import annotations

import ast
import collections
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_test_modules_have_unique_names() -> None:
    # pytest imports test modules by basename (rootdir mode): two test_x.py collide in one run
    names = collections.Counter(p.name for p in (ROOT / "tests").rglob("test_*.py"))
    assert [name for name, n in names.items() if n > 1] == []


def _imports(package: str) -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "src" / "pyiscsi" / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
    return found


def test_protocol_is_sans_io() -> None:
    # (chap.py's lock guards the process-wide list of issued challenges; it starts no thread)
    forbidden = {"asyncio", "socket", "selectors", "time", "pyiscsi.aio"}
    assert _imports("protocol") & forbidden == set()


def test_scsi_knows_nothing_of_iscsi() -> None:
    imported = _imports("scsi")
    assert not [m for m in imported if m.startswith(("pyiscsi.protocol", "pyiscsi.aio"))]
    assert imported & {"asyncio", "socket"} == set()


def test_tools_use_the_public_api_only() -> None:
    imported = _imports("tools")
    assert not [m for m in imported if m.startswith("pyiscsi.protocol")]
