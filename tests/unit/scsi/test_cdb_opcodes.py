"""Opcode and service-action enums; coverage of libiscsi's CDB builders; the layout compiler."""

from __future__ import annotations

import doctest
from dataclasses import dataclass
from typing import ClassVar

import pytest

from pyiscsi.scsi import cdb as c
from pyiscsi.scsi.cdb_base import CDB, cdb_layout
from pyiscsi.scsi.opcodes import (
    ExtendedCopyServiceAction,
    MaintenanceInServiceAction,
    Opcode,
    PersistentReserveInServiceAction,
    PersistentReserveOutServiceAction,
    ReceiveCopyResultsServiceAction,
    ServiceActionIn16,
    ServiceActionOut16,
    VariableLengthServiceAction,
)

# The 45 opcodes libiscsi 1.20 builds CDBs for (include/scsi-lowlevel.h, enum scsi_opcode).
LIBISCSI_OPCODES = [
    0x00, 0x08, 0x12, 0x15, 0x16, 0x17, 0x1A, 0x1B, 0x1E, 0x25, 0x28, 0x2A, 0x2E, 0x2F, 0x34,
    0x35, 0x37, 0x41, 0x42, 0x43, 0x48, 0x55, 0x5A, 0x5E, 0x5F, 0x83, 0x84, 0x88, 0x89, 0x8A,
    0x8B, 0x8E, 0x8F, 0x90, 0x91, 0x93, 0x9C, 0x9E, 0xA0, 0xA3, 0xA8, 0xAA, 0xAE, 0xAF, 0xB7,
]  # fmt: skip


def test_libiscsi_opcodes_all_have_builders() -> None:
    assert len(set(LIBISCSI_OPCODES)) == 45
    built = {cls.opcode for cls in c.ALL_BUILDERS}
    assert [hex(op) for op in LIBISCSI_OPCODES if op not in built] == []
    # and every one decodes (disk device type)
    for op in LIBISCSI_OPCODES:
        builder = next(
            cls
            for cls in c.ALL_BUILDERS
            if cls.opcode == op
            and cls not in (c.TapeRead6, c.ReadPosition, c.Space16, c.LoadUnload)
            and cls is not c.InitializeElementStatusWithRange
        )
        assert c.decode_cdb(builder().encode()) == builder()


def test_libiscsi_service_actions_have_builders() -> None:
    pairs = {(cls.opcode, cls.fixed_service_action) for cls in c.ALL_BUILDERS}
    assert (0x9E, ServiceActionIn16.READ_CAPACITY_16) in pairs
    assert (0x9E, ServiceActionIn16.GET_LBA_STATUS) in pairs
    assert (0xA3, MaintenanceInServiceAction.REPORT_TARGET_PORT_GROUPS) in pairs
    assert (0xA3, MaintenanceInServiceAction.REPORT_SUPPORTED_OPERATION_CODES) in pairs
    assert (0x9F, ServiceActionOut16.WRITE_LONG_16) in pairs
    for sa in (0x0009, 0x000A, 0x000B, 0x000D):
        assert (0x7F, sa) in pairs


def test_opcode_aliases() -> None:
    assert Opcode["REWIND"] is Opcode["REZERO_UNIT"]
    assert Opcode["READ_POSITION"] is Opcode["PRE_FETCH_10"]
    assert Opcode["SPACE_16"] is Opcode["SYNCHRONIZE_CACHE_16"]
    assert Opcode["INITIALIZE_ELEMENT_STATUS_WITH_RANGE"] is Opcode["READ_DEFECT_DATA_10"]
    assert Opcode["READ_TOC"] is Opcode["READ_TOC_PMA_ATIP"]
    assert Opcode(0x08) is Opcode.READ_6
    assert int(Opcode.EXTENDED_COPY) == 0x83
    assert int(Opcode.RECEIVE_COPY_RESULTS) == 0x84
    assert int(Opcode.SERVICE_ACTION_OUT_16) == 0x9F


def test_service_action_values() -> None:
    assert int(ServiceActionIn16.READ_CAPACITY_16) == 0x10
    assert int(ServiceActionIn16.GET_LBA_STATUS) == 0x12
    assert int(MaintenanceInServiceAction.REPORT_TARGET_PORT_GROUPS) == 0x0A
    assert int(MaintenanceInServiceAction.REPORT_SUPPORTED_OPERATION_CODES) == 0x0C
    assert [int(x) for x in PersistentReserveInServiceAction] == [0, 1, 2, 3]
    pro = PersistentReserveOutServiceAction
    assert [int(x) for x in (pro.REGISTER, pro.RESERVE, pro.RELEASE, pro.CLEAR)] == [0, 1, 2, 3]
    assert [int(pro.PREEMPT), int(pro.PREEMPT_AND_ABORT)] == [4, 5]
    assert [int(pro.REGISTER_AND_IGNORE_EXISTING_KEY), int(pro.REGISTER_AND_MOVE)] == [6, 7]
    vl = VariableLengthServiceAction
    assert [int(x) for x in (vl.READ_32, vl.VERIFY_32, vl.WRITE_32, vl.WRITE_SAME_32)] == [
        9,
        0xA,
        0xB,
        0xD,
    ]
    assert int(ExtendedCopyServiceAction.EXTENDED_COPY_LID1) == 0
    assert int(ReceiveCopyResultsServiceAction.OPERATING_PARAMETERS) == 3


def test_opcode_enum_names_every_builder_opcode() -> None:
    for cls in c.ALL_BUILDERS:
        assert Opcode(cls.opcode).value == cls.opcode


def test_module_doctest() -> None:
    result = doctest.testmod(c)
    assert result.attempted >= 1
    assert result.failed == 0


def test_layout_compiler_rejects_overlap() -> None:
    with pytest.raises(AssertionError, match="overlaps"):

        @cdb_layout(6, "a@1 b@1.3 control@5")
        @dataclass(slots=True)
        class Bad(CDB):
            opcode: ClassVar[int] = 0xC0
            a: int = 0
            b: bool = False
            control: int = 0


def test_layout_compiler_rejects_missing_field() -> None:
    with pytest.raises(AssertionError, match="vs layout"):

        @cdb_layout(6, "control@5")
        @dataclass(slots=True)
        class Bad(CDB):
            opcode: ClassVar[int] = 0xC0
            a: int = 0
            control: int = 0


def test_layout_compiler_rejects_item_past_the_end() -> None:
    with pytest.raises(AssertionError, match="runs past"):

        @cdb_layout(6, "control@5:2")
        @dataclass(slots=True)
        class Bad(CDB):
            opcode: ClassVar[int] = 0xC0
            control: int = 0


def test_field_info() -> None:
    info = {i.name: i for i in c.Read16.field_info}
    assert (info["lba"].width, info["lba"].start_bit, info["lba"].maximum) == (64, 16, 2**64 - 1)
    assert info["dpo"].is_bool
    assert not info["group_number"].is_bool
    space = {i.name: i for i in c.Space6.field_info}["count"]
    assert (space.signed, space.minimum, space.maximum) == (True, -(2**23), 2**23 - 1)
