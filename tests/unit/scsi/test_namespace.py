"""pyiscsi.scsi re-exports every public name of its modules, each once, none shadowing another."""

from __future__ import annotations

import collections
import importlib

import pyiscsi.scsi as scsi

MODULES = [
    "capacity",
    "cdb",
    "inquiry",
    "luns",
    "mode",
    "opcodes",
    "params",
    "pr",
    "reports",
    "sense",
    "status",
]


def test_names_are_unique_and_resolve() -> None:
    counts = collections.Counter(scsi.__all__)
    assert [name for name, n in counts.items() if n > 1] == []
    for name in scsi.__all__:
        assert getattr(scsi, name) is not None


def test_each_module_name_is_the_same_object_in_the_package() -> None:
    for module_name in MODULES:
        module = importlib.import_module(f"pyiscsi.scsi.{module_name}")
        for name in module.__all__:
            assert getattr(scsi, name) is getattr(module, name), f"{module_name}.{name}"


def test_builders_and_results_do_not_clash() -> None:
    assert scsi.ReadCapacity16().encode()[0] == 0x9E
    assert scsi.ReadCapacity16Data.__module__ == "pyiscsi.scsi.capacity"
    assert scsi.ReportLuns().encode()[0] == 0xA0
    assert scsi.ReportLunsData.__module__ == "pyiscsi.scsi.luns"
