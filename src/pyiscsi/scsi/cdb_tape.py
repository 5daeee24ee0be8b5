"""CDB builders for sequential-access (tape) devices (SSC-4)."""

from __future__ import annotations

from typing import ClassVar

from pyiscsi._dataclass import dataclass
from pyiscsi.scsi.cdb_base import CDB, DataDirection, cdb_layout
from pyiscsi.scsi.opcodes import Opcode, ReadPositionServiceAction, SpaceCode

__all__ = [
    "Erase6",
    "LoadUnload",
    "Locate10",
    "Locate16",
    "ReadBlockLimits",
    "ReadPosition",
    "Rewind",
    "Space6",
    "Space16",
    "TapeRead6",
    "TapeWrite6",
    "WriteFilemarks6",
]


@cdb_layout(6, "immed@1.0 control@5")
@dataclass(slots=True)
class Rewind(CDB):
    """REWIND (01h)."""

    opcode: ClassVar[int] = Opcode.REWIND
    command_name: ClassVar[str] = "REWIND"
    immed: bool = False
    control: int = 0


@cdb_layout(6, "code@1.3:4 count@2:3~ control@5")
@dataclass(slots=True)
class Space6(CDB):
    """SPACE(6) (11h); COUNT is signed (negative spaces backwards)."""

    opcode: ClassVar[int] = Opcode.SPACE_6
    command_name: ClassVar[str] = "SPACE(6)"
    code: int = SpaceCode.LOGICAL_BLOCKS
    count: int = 0
    control: int = 0


@cdb_layout(16, "code@1.3:4 count@4:8~ parameter_length@12:2 control@15")
@dataclass(slots=True)
class Space16(CDB):
    """SPACE(16) (91h); COUNT is signed. PARAMETER LENGTH is zero in SSC-4."""

    opcode: ClassVar[int] = Opcode.SPACE_16
    command_name: ClassVar[str] = "SPACE(16)"
    code: int = SpaceCode.LOGICAL_BLOCKS
    count: int = 0
    parameter_length: int = 0
    control: int = 0


@cdb_layout(6, "fcs@1.3 lcs@1.2 wmsk@1.1 immed@1.0 transfer_length@2:3 control@5")
@dataclass(slots=True)
class WriteFilemarks6(CDB):
    """WRITE FILEMARKS(6) (10h); TRANSFER LENGTH counts filemarks (setmarks with WMSK)."""

    opcode: ClassVar[int] = Opcode.WRITE_FILEMARKS_6
    command_name: ClassVar[str] = "WRITE FILEMARKS(6)"
    transfer_length: int = 1
    immed: bool = False
    wmsk: bool = False
    fcs: bool = False
    lcs: bool = False
    control: int = 0


@cdb_layout(10, "bt@1.2 cp@1.1 immed@1.0 logical_object_identifier@3:4 partition@8 control@9")
@dataclass(slots=True)
class Locate10(CDB):
    """LOCATE(10) (2Bh); CP changes to PARTITION first."""

    opcode: ClassVar[int] = Opcode.LOCATE_10
    command_name: ClassVar[str] = "LOCATE(10)"
    logical_object_identifier: int = 0
    partition: int = 0
    bt: bool = False
    cp: bool = False
    immed: bool = False
    control: int = 0


@cdb_layout(
    16, "dest_type@1.5:3 cp@1.1 immed@1.0 bam@2.0 partition@3 logical_identifier@4:8 control@15"
)
@dataclass(slots=True)
class Locate16(CDB):
    """LOCATE(16) (92h); DEST_TYPE 0 logical object, 1 logical file, 3 end of data."""

    opcode: ClassVar[int] = Opcode.LOCATE_16
    command_name: ClassVar[str] = "LOCATE(16)"
    logical_identifier: int = 0
    partition: int = 0
    dest_type: int = 0
    cp: bool = False
    immed: bool = False
    bam: bool = False
    control: int = 0


@cdb_layout(10, "service_action@1.4:5 allocation_length@7:2 control@9")
@dataclass(slots=True)
class ReadPosition(CDB):
    """READ POSITION (34h); ``service_action`` is a ReadPositionServiceAction."""

    opcode: ClassVar[int] = Opcode.READ_POSITION
    command_name: ClassVar[str] = "READ POSITION"
    direction: ClassVar[DataDirection] = "in"
    service_action: int = ReadPositionServiceAction.SHORT_FORM_BLOCK_ID
    allocation_length: int = 0
    control: int = 0

    def transfer_length_bytes(self, block_size: int = 512) -> int:
        """ALLOCATION LENGTH; when it is 0, the fixed size of the short (20) or long (32) form."""
        if self.allocation_length == 0:
            return {0x00: 20, 0x01: 20, 0x06: 32}.get(self.service_action, 0)
        return self.allocation_length


@cdb_layout(6, "sili@1.1 fixed@1.0 transfer_length@2:3 control@5")
@dataclass(slots=True)
class TapeRead6(CDB):
    """READ(6) (08h) for tape; FIXED counts blocks of the fixed size, else bytes."""

    opcode: ClassVar[int] = Opcode.READ_6
    command_name: ClassVar[str] = "READ(6)"
    direction: ClassVar[DataDirection] = "in"
    transfer_length: int = 0
    fixed: bool = False
    sili: bool = False
    control: int = 0

    def transfer_length_bytes(self, block_size: int = 512) -> int:
        """TRANSFER LENGTH blocks when FIXED, else bytes."""
        return self.transfer_length * block_size if self.fixed else self.transfer_length


@cdb_layout(6, "fixed@1.0 transfer_length@2:3 control@5")
@dataclass(slots=True)
class TapeWrite6(CDB):
    """WRITE(6) (0Ah) for tape; FIXED counts blocks of the fixed size, else bytes."""

    opcode: ClassVar[int] = Opcode.WRITE_6
    command_name: ClassVar[str] = "WRITE(6)"
    direction: ClassVar[DataDirection] = "out"
    transfer_length: int = 0
    fixed: bool = False
    control: int = 0

    def transfer_length_bytes(self, block_size: int = 512) -> int:
        """TRANSFER LENGTH blocks when FIXED, else bytes."""
        return self.transfer_length * block_size if self.fixed else self.transfer_length


@cdb_layout(6, "immed@1.0 hold@4.3 eot@4.2 reten@4.1 load@4.0 control@5")
@dataclass(slots=True)
class LoadUnload(CDB):
    """LOAD UNLOAD (1Bh, tape); LOAD loads the medium, else unloads it."""

    opcode: ClassVar[int] = Opcode.LOAD_UNLOAD
    command_name: ClassVar[str] = "LOAD UNLOAD"
    load: bool = True
    immed: bool = False
    hold: bool = False
    eot: bool = False
    reten: bool = False
    control: int = 0


@cdb_layout(6, "mloi@1.0 control@5")
@dataclass(slots=True)
class ReadBlockLimits(CDB):
    """READ BLOCK LIMITS (05h); MLOI asks for the maximum logical object identifier."""

    opcode: ClassVar[int] = Opcode.READ_BLOCK_LIMITS
    command_name: ClassVar[str] = "READ BLOCK LIMITS"
    direction: ClassVar[DataDirection] = "in"
    mloi: bool = False
    control: int = 0

    def transfer_length_bytes(self, block_size: int = 512) -> int:
        """6 bytes of block limits, or 20 with MLOI."""
        return 20 if self.mloi else 6


@cdb_layout(6, "immed@1.1 long@1.0 control@5")
@dataclass(slots=True)
class Erase6(CDB):
    """ERASE(6) (19h); LONG erases to the end of the partition."""

    opcode: ClassVar[int] = Opcode.ERASE_6
    command_name: ClassVar[str] = "ERASE(6)"
    immed: bool = False
    long: bool = False
    control: int = 0
