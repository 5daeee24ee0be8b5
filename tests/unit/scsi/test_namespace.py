"""pyiscsi.scsi re-exports every public name of its modules, each once, none shadowing another;
it and pyiscsi.scsi.cdb import a module when one of its names is first asked for."""

from __future__ import annotations

import collections
import importlib

import pytest

import pyiscsi.scsi as scsi
from pyiscsi.scsi import cdb

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


# ---------------------------------------------------------------------------- lazy names


def test_lazy_table_is_each_module_all_in_order() -> None:
    # the package imports a submodule when one of its names is first asked for: its table must
    # be the submodules' __all__ exactly, so it can never drift from them
    table = {module: names.split() for module, names in scsi._EXPORTS.items()}
    assert list(table) == MODULES
    for module_name in MODULES:
        module = importlib.import_module(f"pyiscsi.scsi.{module_name}")
        assert table[module_name] == list(module.__all__), module_name
    assert scsi.__all__ == [name for names in table.values() for name in names]


def test_dir_lists_every_name_and_module() -> None:
    assert set(scsi.__all__) | set(MODULES) <= set(dir(scsi))


def test_star_import_gives_every_name() -> None:
    namespace: dict[str, object] = {}
    exec("from pyiscsi.scsi import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(scsi.__all__)


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Read17'"):
        _ = scsi.Read17
    with pytest.raises(AttributeError):
        _ = scsi.__wrapped__
    assert not hasattr(scsi, "no_such_module")


def test_cdb_builder_table_is_each_builder_module_all() -> None:
    modules = ["cdb_spc", "cdb_copy", "cdb_block", "cdb_varlen", "cdb_tape", "cdb_changer"]
    table = {module: names.split() for module, names in cdb._BUILDERS.items()}
    assert sorted(table) == sorted(modules)
    for module_name in modules:
        module = importlib.import_module(f"pyiscsi.scsi.{module_name}")
        assert sorted(table[module_name]) == sorted(module.__all__), module_name
    own = {"ALL_BUILDERS", "CDB", "DataDirection", "FieldInfo", "cdb_length_for_opcode"}
    builders = [name for names in table.values() for name in names]
    assert sorted(cdb.__all__) == sorted([*builders, *own, "decode_cdb"])
    assert [cls.__name__ for cls in cdb.ALL_BUILDERS] == builders
    for name in cdb.__all__:
        assert getattr(cdb, name) is not None


def test_cdb_decodes_every_builder() -> None:
    for cls in cdb.ALL_BUILDERS:
        device_type = 0x01 if cls.__module__.endswith("tape") else 0
        device_type = 0x08 if cls.__name__ == "InitializeElementStatusWithRange" else device_type
        assert type(cdb.decode_cdb(cls().encode(), device_type)) is cls
