"""mypy --strict accepts the README's Python examples and examples/, and catches what a user
gets wrong: a misspelled option, a wrong option type, a union where bytes is promised."""

from __future__ import annotations

import re
from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def mypy_strict(*paths: Path) -> tuple[str, int]:
    out, err, status = api.run(["--strict", "--no-error-summary", *map(str, paths)])
    return out + err, status


def test_readme_has_python_examples() -> None:
    assert len(BLOCK.findall((ROOT / "README.md").read_text())) >= 3


def test_readme_examples_and_examples_dir_type_check(tmp_path: Path) -> None:
    files = []
    for n, code in enumerate(BLOCK.findall((ROOT / "README.md").read_text())):
        path = tmp_path / f"readme_{n}.py"
        path.write_text(code)
        files.append(path)
    examples = sorted((ROOT / "examples").glob("*.py"))
    assert len(examples) >= 5
    out, status = mypy_strict(*files, *examples)
    assert status == 0, out


def test_mistakes_are_type_errors(tmp_path: Path) -> None:
    path = tmp_path / "mistakes.py"
    path.write_text(
        "import pyiscsi\n"
        "import pyiscsi.sync\n"
        "async def f() -> None:\n"
        "    async with pyiscsi.connect('iscsi://h/t/1', initator_name='x') as s:\n"
        "        data: bytes = await s.read(0, 1)\n"
        "        cap = await s.read_capacity16()\n"
        "        last: int = cap.returned_logical_block_address + 1\n"
        "        buf = bytearray(512)\n"
        "        same: bytearray = await s.read(0, 1, into=buf)\n"
        "        wrong: str = await s.read(0, 1)\n"
        "pyiscsi.sync.connect('iscsi://h/t/1', login_timeout='5')\n"
        "pyiscsi.open('iscsi://h/t/1', reconect=False)\n"
    )
    out, status = mypy_strict(path)
    assert status == 1
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert any(':4: error: Unexpected keyword argument "initator_name"' in e for e in errors)
    assert any(":10: error: Incompatible types in assignment" in e for e in errors)
    assert any(':11: error: Argument "login_timeout"' in e for e in errors)
    assert any(':12: error: Unexpected keyword argument "reconect"' in e for e in errors)
    assert len(errors) == 4, out


def test_lazy_namespaces_keep_their_types(tmp_path: Path) -> None:
    # pyiscsi, pyiscsi.scsi and pyiscsi.scsi.cdb import their names on first use; type checkers
    # still see every name with its type, and a name that is not there is still an error
    path = tmp_path / "lazy.py"
    path.write_text(
        "import pyiscsi\n"
        "import pyiscsi.scsi\n"
        "from pyiscsi.scsi import *\n"
        "from pyiscsi.scsi import Read16, ReadCapacity16Data, cdb, mode\n"
        "cdb_bytes: bytes = Read16(lba=1, transfer_length=2).encode()\n"
        "builders: tuple[type[pyiscsi.scsi.CDB], ...] = cdb.ALL_BUILDERS\n"
        "last: int = parse_read_capacity16(b'').returned_logical_block_address\n"
        "pages: mode.ModeParameters = pyiscsi.scsi.mode.parse_mode_sense10(b'')\n"
        "session: type[pyiscsi.Session] = pyiscsi.Session\n"
        "rc: ReadCapacity16Data = pyiscsi.scsi.ReadCapacity16Data()\n"
        "pyiscsi.scsi.Read17\n"
        "cdb.Read17\n"
        "pyiscsi.Sesion\n"
        "Read16(lbaa=1)\n"
    )
    out, status = mypy_strict(path)
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert any(':11: error: Module has no attribute "Read17"' in e for e in errors), out
    assert any(':12: error: Module has no attribute "Read17"' in e for e in errors), out
    assert any(':13: error: Module has no attribute "Sesion"' in e for e in errors), out
    assert any(':14: error: Unexpected keyword argument "lbaa"' in e for e in errors), out
    assert len(errors) == 4 and status == 1, out
