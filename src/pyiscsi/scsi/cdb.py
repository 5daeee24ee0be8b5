"""SCSI CDB builders and :func:`decode_cdb`.

Every builder is a ``@dataclass(slots=True)`` subclass of :class:`CDB`: set fields by keyword,
``encode()`` gives the bytes, ``Class.decode(cdb)`` parses them back. Fields out of range raise
ValueError naming the field. The builders live in :mod:`cdb_spc` (SPC-5, MMC READ TOC),
:mod:`cdb_copy` (third-party copy), :mod:`cdb_block` and :mod:`cdb_varlen` (SBC-4),
:mod:`cdb_tape` (SSC-4) and :mod:`cdb_changer` (SMC-3); each is imported when one of its
builders is first asked for here.

>>> from pyiscsi.scsi.cdb import Read10
>>> Read10(lba=8, transfer_length=2, fua=True).encode().hex()
'28080000000800000200'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from pyiscsi.scsi.cdb_base import CDB, DataDirection, FieldInfo

if TYPE_CHECKING:
    from pyiscsi.scsi.cdb_block import (
        CompareAndWrite,
        FormatUnit,
        GetLbaStatus,
        OrWrite16,
        PreFetch10,
        PreFetch16,
        Read6,
        Read10,
        Read12,
        Read16,
        ReadCapacity10,
        ReadCapacity16,
        ReadDefectData10,
        ReadDefectData12,
        ReportReferrals,
        Sanitize,
        StartStopUnit,
        SynchronizeCache10,
        SynchronizeCache16,
        Unmap,
        Verify10,
        Verify12,
        Verify16,
        Write6,
        Write10,
        Write12,
        Write16,
        WriteAndVerify10,
        WriteAndVerify12,
        WriteAndVerify16,
        WriteAtomic16,
        WriteLong16,
        WriteSame10,
        WriteSame16,
    )
    from pyiscsi.scsi.cdb_changer import (
        ExchangeMedium,
        InitializeElementStatus,
        InitializeElementStatusWithRange,
        MoveMedium,
        ReadElementStatus,
    )
    from pyiscsi.scsi.cdb_copy import (
        CopyOperationAbort,
        ExtendedCopy,
        PopulateToken,
        ReceiveCopyResults,
        ReceiveCopyStatusLid4,
        ReceiveRodTokenInformation,
        WriteUsingToken,
    )
    from pyiscsi.scsi.cdb_spc import (
        Inquiry,
        LogSelect,
        LogSense,
        ModeSelect6,
        ModeSelect10,
        ModeSense6,
        ModeSense10,
        PersistentReserveIn,
        PersistentReserveOut,
        PreventAllowMediumRemoval,
        ReadBuffer10,
        ReadToc,
        ReceiveDiagnosticResults,
        Release6,
        ReportIdentifyingInformation,
        ReportLuns,
        ReportSupportedOperationCodes,
        ReportSupportedTaskManagementFunctions,
        ReportTargetPortGroups,
        ReportTimestamp,
        RequestSense,
        Reserve6,
        SecurityProtocolIn,
        SecurityProtocolOut,
        SendDiagnostic,
        TestUnitReady,
        WriteBuffer,
    )
    from pyiscsi.scsi.cdb_tape import (
        Erase6,
        LoadUnload,
        Locate10,
        Locate16,
        ReadBlockLimits,
        ReadPosition,
        Rewind,
        Space6,
        Space16,
        TapeRead6,
        TapeWrite6,
        WriteFilemarks6,
    )
    from pyiscsi.scsi.cdb_varlen import (
        Read32,
        Verify32,
        Write32,
        WriteAndVerify32,
        WriteSame32,
    )

    #: every builder class, grouped by module
    ALL_BUILDERS: tuple[type[CDB], ...]

__all__ = [
    "ALL_BUILDERS",
    "CDB",
    "CompareAndWrite",
    "CopyOperationAbort",
    "DataDirection",
    "Erase6",
    "ExchangeMedium",
    "ExtendedCopy",
    "FieldInfo",
    "FormatUnit",
    "GetLbaStatus",
    "InitializeElementStatus",
    "InitializeElementStatusWithRange",
    "Inquiry",
    "LoadUnload",
    "Locate10",
    "Locate16",
    "LogSelect",
    "LogSense",
    "ModeSelect6",
    "ModeSelect10",
    "ModeSense6",
    "ModeSense10",
    "MoveMedium",
    "OrWrite16",
    "PersistentReserveIn",
    "PersistentReserveOut",
    "PopulateToken",
    "PreFetch10",
    "PreFetch16",
    "PreventAllowMediumRemoval",
    "Read6",
    "Read10",
    "Read12",
    "Read16",
    "Read32",
    "ReadBlockLimits",
    "ReadBuffer10",
    "ReadCapacity10",
    "ReadCapacity16",
    "ReadDefectData10",
    "ReadDefectData12",
    "ReadElementStatus",
    "ReadPosition",
    "ReadToc",
    "ReceiveCopyResults",
    "ReceiveCopyStatusLid4",
    "ReceiveDiagnosticResults",
    "ReceiveRodTokenInformation",
    "Release6",
    "ReportIdentifyingInformation",
    "ReportLuns",
    "ReportReferrals",
    "ReportSupportedOperationCodes",
    "ReportSupportedTaskManagementFunctions",
    "ReportTargetPortGroups",
    "ReportTimestamp",
    "RequestSense",
    "Reserve6",
    "Rewind",
    "Sanitize",
    "SecurityProtocolIn",
    "SecurityProtocolOut",
    "SendDiagnostic",
    "Space6",
    "Space16",
    "StartStopUnit",
    "SynchronizeCache10",
    "SynchronizeCache16",
    "TapeRead6",
    "TapeWrite6",
    "TestUnitReady",
    "Unmap",
    "Verify10",
    "Verify12",
    "Verify16",
    "Verify32",
    "Write6",
    "Write10",
    "Write12",
    "Write16",
    "Write32",
    "WriteAndVerify10",
    "WriteAndVerify12",
    "WriteAndVerify16",
    "WriteAndVerify32",
    "WriteAtomic16",
    "WriteBuffer",
    "WriteFilemarks6",
    "WriteLong16",
    "WriteSame10",
    "WriteSame16",
    "WriteSame32",
    "WriteUsingToken",
    "cdb_length_for_opcode",
    "decode_cdb",
]

# The builders of each module, in ALL_BUILDERS order (tests/unit/scsi/test_namespace.py checks
# them against the modules' __all__). A builder's module is imported when it is first asked for.
_BUILDERS: dict[str, str] = {
    "cdb_spc": (
        "Inquiry LogSelect LogSense ModeSelect10 ModeSelect6 ModeSense10 ModeSense6 "
        "PersistentReserveIn PersistentReserveOut PreventAllowMediumRemoval ReadBuffer10 "
        "ReadToc ReceiveDiagnosticResults Release6 ReportIdentifyingInformation ReportLuns "
        "ReportSupportedOperationCodes ReportSupportedTaskManagementFunctions "
        "ReportTargetPortGroups ReportTimestamp RequestSense Reserve6 SecurityProtocolIn "
        "SecurityProtocolOut SendDiagnostic TestUnitReady WriteBuffer"
    ),
    "cdb_copy": (
        "CopyOperationAbort ExtendedCopy PopulateToken ReceiveCopyResults ReceiveCopyStatusLid4 "
        "ReceiveRodTokenInformation WriteUsingToken"
    ),
    "cdb_block": (
        "CompareAndWrite FormatUnit GetLbaStatus OrWrite16 PreFetch10 PreFetch16 Read10 Read12 "
        "Read16 Read6 ReadCapacity10 ReadCapacity16 ReadDefectData10 ReadDefectData12 "
        "ReportReferrals Sanitize StartStopUnit SynchronizeCache10 SynchronizeCache16 Unmap "
        "Verify10 Verify12 Verify16 Write10 Write12 Write16 Write6 WriteAndVerify10 "
        "WriteAndVerify12 WriteAndVerify16 WriteAtomic16 WriteLong16 WriteSame10 WriteSame16"
    ),
    "cdb_varlen": "Read32 Verify32 Write32 WriteAndVerify32 WriteSame32",
    "cdb_tape": (
        "Erase6 LoadUnload Locate10 Locate16 ReadBlockLimits ReadPosition Rewind Space16 Space6 "
        "TapeRead6 TapeWrite6 WriteFilemarks6"
    ),
    "cdb_changer": (
        "ExchangeMedium InitializeElementStatus InitializeElementStatusWithRange MoveMedium "
        "ReadElementStatus"
    ),
}
_HOME: dict[str, str] = {
    name: module for module, names in _BUILDERS.items() for name in names.split()
}


def _builder(name: str) -> type[CDB]:
    cls: type[CDB] = getattr(importlib.import_module(f"pyiscsi.scsi.{_HOME[name]}"), name)
    return cls


if not TYPE_CHECKING:  # hidden from type checkers, which see the imports above instead

    def __getattr__(name: str) -> object:
        """A builder (or ALL_BUILDERS), its module imported on first use."""
        if name == "ALL_BUILDERS":
            value = tuple(_builder(n) for names in _BUILDERS.values() for n in names.split())
        elif name in _HOME:
            value = _builder(name)
        else:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})


# Opcodes that mean different commands on different device types: type -> opcode -> class.
_TAPE = 0x01
_CHANGER = 0x08
_BY_DEVICE_TYPE: dict[int, dict[int, str]] = {
    _TAPE: {
        0x08: "TapeRead6",
        0x0A: "TapeWrite6",
        0x1B: "LoadUnload",
        0x34: "ReadPosition",
        0x91: "Space16",
    },
    _CHANGER: {0x37: "InitializeElementStatusWithRange"},
}
_Tables = tuple[
    dict[int, dict[int, type[CDB]]],  # device type -> opcode -> builder
    dict[int, type[CDB]],  # opcode -> the builder that takes the service action (or has none)
    dict[int, dict[int, type[CDB]]],  # opcode -> service action -> builder of that one
]
_TABLES: _Tables | None = None


def _tables() -> _Tables:
    """decode_cdb's lookup tables, made on its first call (it imports every builder)."""
    global _TABLES
    by_device_type = {
        kind: {op: _builder(name) for op, name in table.items()}
        for kind, table in _BY_DEVICE_TYPE.items()
    }
    shadowed = {cls for table in by_device_type.values() for cls in table.values()}
    # builders of one service action win over the one that takes it as a field
    single: dict[int, type[CDB]] = {}
    by_sa: dict[int, dict[int, type[CDB]]] = {}
    for names in _BUILDERS.values():
        for name in names.split():
            cls = _builder(name)
            if cls in shadowed:
                continue
            if cls.fixed_service_action is None:
                if cls.opcode in single:
                    raise AssertionError(f"two builders for opcode 0x{cls.opcode:02x}")
                single[cls.opcode] = cls
            else:
                by_sa.setdefault(cls.opcode, {})[cls.fixed_service_action] = cls
    _TABLES = (by_device_type, single, by_sa)
    return _TABLES


def _service_action(cdb: bytes | bytearray | memoryview) -> int:
    if cdb[0] == 0x7F:
        if len(cdb) < 10:
            raise ValueError(f"variable-length CDB too short: {len(cdb)} bytes")
        return (cdb[8] << 8) | cdb[9]
    if len(cdb) < 2:
        raise ValueError(f"CDB too short: {len(cdb)} bytes")
    return cdb[1] & 0x1F


def decode_cdb(cdb: bytes | bytearray | memoryview, device_type: int = 0) -> CDB:
    """Parse a CDB into its builder object.

    ``device_type`` is the PERIPHERAL DEVICE TYPE (0 disk, 1 tape, 8 media changer); it
    matters only for opcodes that device types share (08h, 0Ah, 1Bh, 34h, 37h, 91h).
    ValueError if the opcode or service action has no builder or the length is wrong.
    """
    if len(cdb) == 0:
        raise ValueError("empty CDB")
    by_device_type, single, by_sa = _TABLES or _tables()
    op = cdb[0]
    cls = by_device_type.get(device_type, {}).get(op)
    if cls is None:
        table = by_sa.get(op)
        if table is not None:
            sa = _service_action(cdb)
            cls = table.get(sa) or single.get(op)
            if cls is None:
                raise ValueError(
                    f"no CDB builder for operation code 0x{op:02x} service action 0x{sa:02x}"
                )
        else:
            cls = single.get(op)
            if cls is None:
                raise ValueError(f"no CDB builder for operation code 0x{op:02x}")
    return cls.decode(cdb)


def cdb_length_for_opcode(first_bytes: bytes | bytearray | memoryview) -> int | None:
    """The CDB length its GROUP CODE implies, from byte 0 (and byte 7 for 7Fh); None if unknown.

    Use it to cut a CDB out of a padded field (the 16-byte CDB field of an iSCSI PDU).
    """
    op = first_bytes[0]
    group = op >> 5
    if op == 0x7F:
        return 8 + first_bytes[7] if len(first_bytes) >= 8 else None
    return {0: 6, 1: 10, 2: 10, 4: 16, 5: 12}.get(group)
