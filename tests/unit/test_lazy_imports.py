"""What importing pyiscsi and starting a one-command tool load, and what they leave for later.

The whole process of ``iscsi-readcapacity16 -s`` is meant to cost at most twice
``python -c 'import asyncio, argparse'`` (README, Performance): these tests pin the imports and
the dataclass work that this rests on, without timing anything.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

import pyiscsi

# Modules the readcapacity16 tool must not load before it runs (each costs 1-20 ms to import;
# the tool's run then loads the two CDB builder modules it uses, cdb_spc and cdb_block).
HEAVY = [
    "pyiscsi.scsi.cdb_block",
    "pyiscsi.scsi.cdb_spc",
    "pyiscsi.scsi.cdb_tape",
    "pyiscsi.scsi.cdb_varlen",
    "pyiscsi.scsi.inquiry",
    "pyiscsi.scsi.mode",
    "pyiscsi.scsi.pr",
    "pyiscsi.scsi.reports",
    "pyiscsi.scsi.params",
    "pyiscsi.scsi.sense",
    "pyiscsi.scsi.asc_table",
    "pyiscsi.sync",
    "pyiscsi.fileio",
    "crc32c",  # digests are off unless asked for; its __init__ reads package metadata
    "importlib.metadata",
    "json",
    "uvloop",  # the one-command tools run on asyncio's loop, which starts sooner
    "shutil",  # argparse imports it for the terminal width; tools.common asks os directly
    "hashlib",  # CHAP only
    "urllib.parse",  # %XX in a URL only
    "ipaddress",  # an IPv6 portal only
]

_PROBE = """
import sys
import pyiscsi
from pyiscsi import _dataclass
from pyiscsi.tools import iscsi_readcapacity16
iscsi_readcapacity16.build_parser().parse_args(["-s", "iscsi://127.0.0.1/iqn.x:y/1"])
made = sorted(
    f"{cls.__module__}.{cls.__qualname__}"
    for name, module in list(sys.modules.items()) if name.startswith("pyiscsi")
    for cls in vars(module).values()
    if isinstance(cls, type) and cls.__module__ == name
    and _dataclass._pending(cls) is None and "__dataclass_fields__" in cls.__dict__
)
modules = sorted(sys.modules)
import json
print(json.dumps({"modules": modules, "made": made}))
"""


@pytest.fixture(scope="module")
def started() -> dict[str, list[str]]:
    """sys.modules and the dataclasses made, after importing the tool and parsing its options."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_PROBE)], capture_output=True, text=True, check=True
    )
    result: dict[str, list[str]] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("module", HEAVY)
def test_readcapacity16_does_not_load(started: dict[str, list[str]], module: str) -> None:
    assert module not in started["modules"]


def test_readcapacity16_loads_what_it_needs(started: dict[str, list[str]]) -> None:
    needed = {"pyiscsi.aio.session", "pyiscsi.scsi.cdb", "pyiscsi.scsi.capacity"}
    assert needed <= set(started["modules"])


def test_importing_makes_no_deferred_dataclass(started: dict[str, list[str]]) -> None:
    # only the frozen ones, which dataclasses makes at once (KeySpec, Tool) and Hooks
    # (protocol.connection uses dataclasses directly)
    assert started["made"] == [
        "pyiscsi.protocol.connection.Hooks",
        "pyiscsi.protocol.keys.KeySpec",
        "pyiscsi.tools.common.Tool",
    ]


def test_top_level_lazy_names_resolve() -> None:
    assert set(pyiscsi._LAZY) <= set(pyiscsi.__all__)
    for name in pyiscsi.__all__:
        value = getattr(pyiscsi, name)
        if name in pyiscsi._LAZY:
            assert value.__module__ == pyiscsi._LAZY[name], name
    assert set(pyiscsi.__all__) <= set(dir(pyiscsi))
    assert pyiscsi.sync.connect is not None  # submodules load on first use too
    with pytest.raises(AttributeError, match="no attribute 'Sesion'"):
        _ = pyiscsi.Sesion
