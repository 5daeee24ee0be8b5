"""SBC-4 32-byte commands: variable-length CDBs (7Fh) with end-to-end protection fields.

The CONTROL byte is byte 1, ADDITIONAL CDB LENGTH (byte 7) is 18h and the SERVICE ACTION is
bytes 8-9. The protection fields are ``expected_initial_lbrt`` (EXPECTED INITIAL LOGICAL BLOCK
REFERENCE TAG), ``expected_lbat`` (EXPECTED LOGICAL BLOCK APPLICATION TAG) and ``lbatm``
(LOGICAL BLOCK APPLICATION TAG MASK).
"""

from __future__ import annotations

from typing import ClassVar

from pyiscsi._dataclass import dataclass
from pyiscsi.scsi.cdb_base import CDB, DataDirection, cdb_layout
from pyiscsi.scsi.cdb_block import _Verify, _WriteSameNdob
from pyiscsi.scsi.opcodes import Opcode

__all__ = ["Read32", "Verify32", "Write32", "WriteAndVerify32", "WriteSame32"]

_VAR32 = "control@1 group_number@6.5:6 @7=0x18"
_PROT32 = "lba@12:8 expected_initial_lbrt@20:4 expected_lbat@24:2 lbatm@26:2"


@cdb_layout(
    32,
    f"{_VAR32} @8:2=0x0009 rdprotect@10.7:3 dpo@10.4 fua@10.3 rarc@10.2 fua_nv@10.1 "
    f"{_PROT32} transfer_length@28:4",
)
@dataclass(slots=True)
class Read32(CDB):
    """READ(32) (7Fh/0009h)."""

    opcode: ClassVar[int] = Opcode.VARIABLE_LENGTH
    fixed_service_action: ClassVar[int | None] = 0x0009
    command_name: ClassVar[str] = "READ(32)"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "transfer_length"
    transfer_in_blocks: ClassVar[bool] = True
    lba: int = 0
    transfer_length: int = 1
    rdprotect: int = 0
    dpo: bool = False
    fua: bool = False
    rarc: bool = False
    fua_nv: bool = False
    group_number: int = 0
    expected_initial_lbrt: int = 0
    expected_lbat: int = 0
    lbatm: int = 0
    control: int = 0


@cdb_layout(
    32,
    f"{_VAR32} @8:2=0x000B wrprotect@10.7:3 dpo@10.4 fua@10.3 fua_nv@10.1 "
    f"{_PROT32} transfer_length@28:4",
)
@dataclass(slots=True)
class Write32(CDB):
    """WRITE(32) (7Fh/000Bh)."""

    opcode: ClassVar[int] = Opcode.VARIABLE_LENGTH
    fixed_service_action: ClassVar[int | None] = 0x000B
    command_name: ClassVar[str] = "WRITE(32)"
    direction: ClassVar[DataDirection] = "out"
    transfer_field: ClassVar[str | None] = "transfer_length"
    transfer_in_blocks: ClassVar[bool] = True
    lba: int = 0
    transfer_length: int = 1
    wrprotect: int = 0
    dpo: bool = False
    fua: bool = False
    fua_nv: bool = False
    group_number: int = 0
    expected_initial_lbrt: int = 0
    expected_lbat: int = 0
    lbatm: int = 0
    control: int = 0


@cdb_layout(
    32,
    f"{_VAR32} @8:2=0x000A vrprotect@10.7:3 dpo@10.4 bytchk@10.2:2 {_PROT32} "
    "verification_length@28:4",
)
@dataclass(slots=True)
class Verify32(_Verify):
    """VERIFY(32) (7Fh/000Ah)."""

    opcode: ClassVar[int] = Opcode.VARIABLE_LENGTH
    fixed_service_action: ClassVar[int | None] = 0x000A
    command_name: ClassVar[str] = "VERIFY(32)"
    lba: int = 0
    verification_length: int = 1
    vrprotect: int = 0
    dpo: bool = False
    bytchk: int = 0
    group_number: int = 0
    expected_initial_lbrt: int = 0
    expected_lbat: int = 0
    lbatm: int = 0
    control: int = 0


@cdb_layout(
    32,
    f"{_VAR32} @8:2=0x000D wrprotect@10.7:3 anchor@10.4 unmap@10.3 pbdata@10.2 lbdata@10.1 "
    f"ndob@10.0 {_PROT32} number_of_logical_blocks@28:4",
)
@dataclass(slots=True)
class WriteSame32(_WriteSameNdob):
    """WRITE SAME(32) (7Fh/000Dh)."""

    opcode: ClassVar[int] = Opcode.VARIABLE_LENGTH
    fixed_service_action: ClassVar[int | None] = 0x000D
    command_name: ClassVar[str] = "WRITE SAME(32)"
    lba: int = 0
    number_of_logical_blocks: int = 0
    wrprotect: int = 0
    anchor: bool = False
    unmap: bool = False
    ndob: bool = False
    pbdata: bool = False
    lbdata: bool = False
    group_number: int = 0
    expected_initial_lbrt: int = 0
    expected_lbat: int = 0
    lbatm: int = 0
    control: int = 0


@cdb_layout(
    32,
    f"{_VAR32} @8:2=0x000C wrprotect@10.7:3 dpo@10.4 bytchk@10.2:2 {_PROT32} transfer_length@28:4",
)
@dataclass(slots=True)
class WriteAndVerify32(CDB):
    """WRITE AND VERIFY(32) (7Fh/000Ch)."""

    opcode: ClassVar[int] = Opcode.VARIABLE_LENGTH
    fixed_service_action: ClassVar[int | None] = 0x000C
    command_name: ClassVar[str] = "WRITE AND VERIFY(32)"
    direction: ClassVar[DataDirection] = "out"
    transfer_field: ClassVar[str | None] = "transfer_length"
    transfer_in_blocks: ClassVar[bool] = True
    lba: int = 0
    transfer_length: int = 1
    wrprotect: int = 0
    dpo: bool = False
    bytchk: int = 0
    group_number: int = 0
    expected_initial_lbrt: int = 0
    expected_lbat: int = 0
    lbatm: int = 0
    control: int = 0
