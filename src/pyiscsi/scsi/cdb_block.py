"""CDB builders for direct-access block devices (SBC-4); the 32-byte ones are in cdb_varlen.

``group_number`` is SBC-4's 6-bit GROUP NUMBER.
"""

from __future__ import annotations

from typing import ClassVar

from pyiscsi._dataclass import dataclass
from pyiscsi.scsi.cdb_base import CDB, DataDirection, cdb_layout
from pyiscsi.scsi.opcodes import Opcode, SanitizeServiceAction

__all__ = [
    "CompareAndWrite",
    "FormatUnit",
    "GetLbaStatus",
    "OrWrite16",
    "PreFetch10",
    "PreFetch16",
    "Read6",
    "Read10",
    "Read12",
    "Read16",
    "ReadCapacity10",
    "ReadCapacity16",
    "ReadDefectData10",
    "ReadDefectData12",
    "ReportReferrals",
    "Sanitize",
    "StartStopUnit",
    "SynchronizeCache10",
    "SynchronizeCache16",
    "Unmap",
    "Verify10",
    "Verify12",
    "Verify16",
    "Write6",
    "Write10",
    "Write12",
    "Write16",
    "WriteAndVerify10",
    "WriteAndVerify12",
    "WriteAndVerify16",
    "WriteAtomic16",
    "WriteLong16",
    "WriteSame10",
    "WriteSame16",
]


@cdb_layout(
    6,
    "fmtpinfo@1.7:2 longlist@1.5 fmtdata@1.4 cmplst@1.3 defect_list_format@1.2:3 "
    "vendor_specific@2 ffmt@4.1:2 control@5",
)
@dataclass(slots=True)
class FormatUnit(CDB):
    """FORMAT UNIT (04h). With FMTDATA set a parameter list follows; its header gives its length."""

    opcode: ClassVar[int] = Opcode.FORMAT_UNIT
    command_name: ClassVar[str] = "FORMAT UNIT"
    direction: ClassVar[DataDirection] = "out"
    fmtpinfo: int = 0
    longlist: bool = False
    fmtdata: bool = False
    cmplst: bool = False
    defect_list_format: int = 0
    vendor_specific: int = 0
    ffmt: int = 0
    control: int = 0


@cdb_layout(6, "lba@1.4:21 transfer_length@4 control@5")
@dataclass(slots=True)
class Read6(CDB):
    """READ(6) (08h) for block devices; TRANSFER LENGTH 0 means 256 blocks."""

    opcode: ClassVar[int] = Opcode.READ_6
    command_name: ClassVar[str] = "READ(6)"
    direction: ClassVar[DataDirection] = "in"
    lba: int = 0
    transfer_length: int = 1
    control: int = 0

    def transfer_length_bytes(self, block_size: int = 512) -> int:
        """TRANSFER LENGTH blocks (0 means 256) of ``block_size`` bytes."""
        return (self.transfer_length or 256) * block_size


@cdb_layout(6, "lba@1.4:21 transfer_length@4 control@5")
@dataclass(slots=True)
class Write6(CDB):
    """WRITE(6) (0Ah) for block devices; TRANSFER LENGTH 0 means 256 blocks."""

    opcode: ClassVar[int] = Opcode.WRITE_6
    command_name: ClassVar[str] = "WRITE(6)"
    direction: ClassVar[DataDirection] = "out"
    lba: int = 0
    transfer_length: int = 1
    control: int = 0

    def transfer_length_bytes(self, block_size: int = 512) -> int:
        """TRANSFER LENGTH blocks (0 means 256) of ``block_size`` bytes."""
        return (self.transfer_length or 256) * block_size


@cdb_layout(
    6,
    "immed@1.0 power_condition_modifier@3.3:4 power_condition@4.7:4 no_flush@4.2 loej@4.1 "
    "start@4.0 control@5",
)
@dataclass(slots=True)
class StartStopUnit(CDB):
    """START STOP UNIT (1Bh)."""

    opcode: ClassVar[int] = Opcode.START_STOP_UNIT
    command_name: ClassVar[str] = "START STOP UNIT"
    start: bool = True
    loej: bool = False
    immed: bool = False
    no_flush: bool = False
    power_condition: int = 0
    power_condition_modifier: int = 0
    control: int = 0


@cdb_layout(10, "lba@2:4 pmi@8.0 control@9")
@dataclass(slots=True)
class ReadCapacity10(CDB):
    """READ CAPACITY(10) (25h); returns 8 bytes. LBA and PMI are obsolete in SBC-4."""

    opcode: ClassVar[int] = Opcode.READ_CAPACITY_10
    command_name: ClassVar[str] = "READ CAPACITY(10)"
    direction: ClassVar[DataDirection] = "in"
    lba: int = 0
    pmi: bool = False
    control: int = 0

    def transfer_length_bytes(self, block_size: int = 512) -> int:
        """Always 8: the READ CAPACITY(10) parameter data."""
        return 8


_RD10 = "rdprotect@1.7:3 dpo@1.4 fua@1.3 rarc@1.2 fua_nv@1.1"
_WR10 = "wrprotect@1.7:3 dpo@1.4 fua@1.3 fua_nv@1.1"
_L10 = "lba@2:4 group_number@6.5:6 transfer_length@7:2 control@9"
_L12 = "lba@2:4 transfer_length@6:4 group_number@10.5:6 control@11"
_L16 = "lba@2:8 transfer_length@10:4 group_number@14.5:6 control@15"
_DLD = "dld2@1.0 dld1@14.7 dld0@14.6"


@cdb_layout(10, f"{_RD10} {_L10}")
@dataclass(slots=True)
class Read10(CDB):
    """READ(10) (28h)."""

    opcode: ClassVar[int] = Opcode.READ_10
    command_name: ClassVar[str] = "READ(10)"
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
    control: int = 0


@cdb_layout(12, f"{_RD10} {_L12}")
@dataclass(slots=True)
class Read12(CDB):
    """READ(12) (A8h)."""

    opcode: ClassVar[int] = Opcode.READ_12
    command_name: ClassVar[str] = "READ(12)"
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
    control: int = 0


@cdb_layout(16, f"{_RD10} {_DLD} {_L16}")
@dataclass(slots=True)
class Read16(CDB):
    """READ(16) (88h); DLD2..DLD0 select a command duration limit."""

    opcode: ClassVar[int] = Opcode.READ_16
    command_name: ClassVar[str] = "READ(16)"
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
    dld2: bool = False
    dld1: bool = False
    dld0: bool = False
    control: int = 0


@cdb_layout(10, f"{_WR10} {_L10}")
@dataclass(slots=True)
class Write10(CDB):
    """WRITE(10) (2Ah)."""

    opcode: ClassVar[int] = Opcode.WRITE_10
    command_name: ClassVar[str] = "WRITE(10)"
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
    control: int = 0


@cdb_layout(12, f"{_WR10} {_L12}")
@dataclass(slots=True)
class Write12(CDB):
    """WRITE(12) (AAh)."""

    opcode: ClassVar[int] = Opcode.WRITE_12
    command_name: ClassVar[str] = "WRITE(12)"
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
    control: int = 0


@cdb_layout(16, f"{_WR10} {_DLD} {_L16}")
@dataclass(slots=True)
class Write16(CDB):
    """WRITE(16) (8Ah); DLD2..DLD0 select a command duration limit."""

    opcode: ClassVar[int] = Opcode.WRITE_16
    command_name: ClassVar[str] = "WRITE(16)"
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
    dld2: bool = False
    dld1: bool = False
    dld0: bool = False
    control: int = 0


def _bytchk_bytes(bytchk: int, blocks: int, block_size: int) -> int:
    # BYTCHK 00b: medium only, no data; 01b: compare ``blocks`` blocks; 11b: one block
    # compared with every block of the range; 10b is reserved.
    if bytchk == 1:
        return blocks * block_size
    if bytchk == 3:
        return block_size
    return 0


_WV = "wrprotect@1.7:3 dpo@1.4 bytchk@1.2:2"
_VR = "vrprotect@1.7:3 dpo@1.4 bytchk@1.2:2"


@cdb_layout(10, f"{_WV} {_L10}")
@dataclass(slots=True)
class WriteAndVerify10(CDB):
    """WRITE AND VERIFY(10) (2Eh); BYTCHK 0 verifies the medium, 1 compares the data too."""

    opcode: ClassVar[int] = Opcode.WRITE_AND_VERIFY_10
    command_name: ClassVar[str] = "WRITE AND VERIFY(10)"
    direction: ClassVar[DataDirection] = "out"
    transfer_field: ClassVar[str | None] = "transfer_length"
    transfer_in_blocks: ClassVar[bool] = True
    lba: int = 0
    transfer_length: int = 1
    wrprotect: int = 0
    dpo: bool = False
    bytchk: int = 0
    group_number: int = 0
    control: int = 0


@cdb_layout(12, f"{_WV} {_L12}")
@dataclass(slots=True)
class WriteAndVerify12(CDB):
    """WRITE AND VERIFY(12) (AEh)."""

    opcode: ClassVar[int] = Opcode.WRITE_AND_VERIFY_12
    command_name: ClassVar[str] = "WRITE AND VERIFY(12)"
    direction: ClassVar[DataDirection] = "out"
    transfer_field: ClassVar[str | None] = "transfer_length"
    transfer_in_blocks: ClassVar[bool] = True
    lba: int = 0
    transfer_length: int = 1
    wrprotect: int = 0
    dpo: bool = False
    bytchk: int = 0
    group_number: int = 0
    control: int = 0


@cdb_layout(16, f"{_WV} {_L16}")
@dataclass(slots=True)
class WriteAndVerify16(CDB):
    """WRITE AND VERIFY(16) (8Eh)."""

    opcode: ClassVar[int] = Opcode.WRITE_AND_VERIFY_16
    command_name: ClassVar[str] = "WRITE AND VERIFY(16)"
    direction: ClassVar[DataDirection] = "out"
    transfer_field: ClassVar[str | None] = "transfer_length"
    transfer_in_blocks: ClassVar[bool] = True
    lba: int = 0
    transfer_length: int = 1
    wrprotect: int = 0
    dpo: bool = False
    bytchk: int = 0
    group_number: int = 0
    control: int = 0


class _Verify(CDB):
    """VERIFY: data-out only when BYTCHK asks for a comparison."""

    __slots__ = ()
    direction: ClassVar[DataDirection] = "out"
    bytchk: int
    verification_length: int

    @property
    def data_direction(self) -> DataDirection:
        """'out' when BYTCHK is 01b or 11b, else 'none'."""
        return "out" if self.bytchk in (1, 3) else "none"

    def transfer_length_bytes(self, block_size: int = 512) -> int:
        """BYTCHK 01b: VERIFICATION LENGTH blocks; 11b: one block; otherwise none."""
        return _bytchk_bytes(self.bytchk, self.verification_length, block_size)


@cdb_layout(10, f"{_VR} lba@2:4 group_number@6.5:6 verification_length@7:2 control@9")
@dataclass(slots=True)
class Verify10(_Verify):
    """VERIFY(10) (2Fh)."""

    opcode: ClassVar[int] = Opcode.VERIFY_10
    command_name: ClassVar[str] = "VERIFY(10)"
    lba: int = 0
    verification_length: int = 1
    vrprotect: int = 0
    dpo: bool = False
    bytchk: int = 0
    group_number: int = 0
    control: int = 0


@cdb_layout(12, f"{_VR} lba@2:4 verification_length@6:4 group_number@10.5:6 control@11")
@dataclass(slots=True)
class Verify12(_Verify):
    """VERIFY(12) (AFh)."""

    opcode: ClassVar[int] = Opcode.VERIFY_12
    command_name: ClassVar[str] = "VERIFY(12)"
    lba: int = 0
    verification_length: int = 1
    vrprotect: int = 0
    dpo: bool = False
    bytchk: int = 0
    group_number: int = 0
    control: int = 0


@cdb_layout(16, f"{_VR} lba@2:8 verification_length@10:4 group_number@14.5:6 control@15")
@dataclass(slots=True)
class Verify16(_Verify):
    """VERIFY(16) (8Fh)."""

    opcode: ClassVar[int] = Opcode.VERIFY_16
    command_name: ClassVar[str] = "VERIFY(16)"
    lba: int = 0
    verification_length: int = 1
    vrprotect: int = 0
    dpo: bool = False
    bytchk: int = 0
    group_number: int = 0
    control: int = 0


@cdb_layout(10, "immed@1.1 lba@2:4 group_number@6.5:6 prefetch_length@7:2 control@9")
@dataclass(slots=True)
class PreFetch10(CDB):
    """PRE-FETCH(10) (34h)."""

    opcode: ClassVar[int] = Opcode.PRE_FETCH_10
    command_name: ClassVar[str] = "PRE-FETCH(10)"
    lba: int = 0
    prefetch_length: int = 0
    immed: bool = False
    group_number: int = 0
    control: int = 0


@cdb_layout(16, "immed@1.1 lba@2:8 prefetch_length@10:4 group_number@14.5:6 control@15")
@dataclass(slots=True)
class PreFetch16(CDB):
    """PRE-FETCH(16) (90h)."""

    opcode: ClassVar[int] = Opcode.PRE_FETCH_16
    command_name: ClassVar[str] = "PRE-FETCH(16)"
    lba: int = 0
    prefetch_length: int = 0
    immed: bool = False
    group_number: int = 0
    control: int = 0


@cdb_layout(
    10, "sync_nv@1.2 immed@1.1 lba@2:4 group_number@6.5:6 number_of_logical_blocks@7:2 control@9"
)
@dataclass(slots=True)
class SynchronizeCache10(CDB):
    """SYNCHRONIZE CACHE(10) (35h); 0 blocks means to the last LBA. SYNC_NV is obsolete."""

    opcode: ClassVar[int] = Opcode.SYNCHRONIZE_CACHE_10
    command_name: ClassVar[str] = "SYNCHRONIZE CACHE(10)"
    lba: int = 0
    number_of_logical_blocks: int = 0
    immed: bool = False
    sync_nv: bool = False
    group_number: int = 0
    control: int = 0


@cdb_layout(
    16,
    "sync_nv@1.2 immed@1.1 lba@2:8 number_of_logical_blocks@10:4 group_number@14.5:6 control@15",
)
@dataclass(slots=True)
class SynchronizeCache16(CDB):
    """SYNCHRONIZE CACHE(16) (91h)."""

    opcode: ClassVar[int] = Opcode.SYNCHRONIZE_CACHE_16
    command_name: ClassVar[str] = "SYNCHRONIZE CACHE(16)"
    lba: int = 0
    number_of_logical_blocks: int = 0
    immed: bool = False
    sync_nv: bool = False
    group_number: int = 0
    control: int = 0


@cdb_layout(
    10, "req_plist@2.4 req_glist@2.3 defect_list_format@2.2:3 allocation_length@7:2 control@9"
)
@dataclass(slots=True)
class ReadDefectData10(CDB):
    """READ DEFECT DATA(10) (37h)."""

    opcode: ClassVar[int] = Opcode.READ_DEFECT_DATA_10
    command_name: ClassVar[str] = "READ DEFECT DATA(10)"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    req_plist: bool = False
    req_glist: bool = False
    defect_list_format: int = 0
    allocation_length: int = 4
    control: int = 0


@cdb_layout(
    12,
    "req_plist@1.4 req_glist@1.3 defect_list_format@1.2:3 address_descriptor_index@2:4 "
    "allocation_length@6:4 control@11",
)
@dataclass(slots=True)
class ReadDefectData12(CDB):
    """READ DEFECT DATA(12) (B7h)."""

    opcode: ClassVar[int] = Opcode.READ_DEFECT_DATA_12
    command_name: ClassVar[str] = "READ DEFECT DATA(12)"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    req_plist: bool = False
    req_glist: bool = False
    defect_list_format: int = 0
    address_descriptor_index: int = 0
    allocation_length: int = 8
    control: int = 0


_WS = "wrprotect@1.7:3 anchor@1.4 unmap@1.3 pbdata@1.2 lbdata@1.1"


@cdb_layout(10, f"{_WS} lba@2:4 group_number@6.5:6 number_of_logical_blocks@7:2 control@9")
@dataclass(slots=True)
class WriteSame10(CDB):
    """WRITE SAME(10) (41h); one logical block of data-out. PBDATA/LBDATA are obsolete."""

    opcode: ClassVar[int] = Opcode.WRITE_SAME_10
    command_name: ClassVar[str] = "WRITE SAME(10)"
    direction: ClassVar[DataDirection] = "out"
    lba: int = 0
    number_of_logical_blocks: int = 0
    wrprotect: int = 0
    anchor: bool = False
    unmap: bool = False
    pbdata: bool = False
    lbdata: bool = False
    group_number: int = 0
    control: int = 0

    def transfer_length_bytes(self, block_size: int = 512) -> int:
        """One logical block."""
        return block_size


class _WriteSameNdob(CDB):
    """WRITE SAME(16)/(32): no data-out when NDOB is set."""

    __slots__ = ()
    direction: ClassVar[DataDirection] = "out"
    ndob: bool

    @property
    def data_direction(self) -> DataDirection:
        """'none' with NDOB (no data-out buffer), else 'out'."""
        return "none" if self.ndob else "out"

    def transfer_length_bytes(self, block_size: int = 512) -> int:
        """One logical block, or none with NDOB."""
        return 0 if self.ndob else block_size


@cdb_layout(
    16, f"{_WS} ndob@1.0 lba@2:8 number_of_logical_blocks@10:4 group_number@14.5:6 control@15"
)
@dataclass(slots=True)
class WriteSame16(_WriteSameNdob):
    """WRITE SAME(16) (93h); NDOB writes zeroes with no data-out buffer."""

    opcode: ClassVar[int] = Opcode.WRITE_SAME_16
    command_name: ClassVar[str] = "WRITE SAME(16)"
    lba: int = 0
    number_of_logical_blocks: int = 0
    wrprotect: int = 0
    anchor: bool = False
    unmap: bool = False
    ndob: bool = False
    pbdata: bool = False
    lbdata: bool = False
    group_number: int = 0
    control: int = 0


@cdb_layout(10, "anchor@1.0 group_number@6.5:6 parameter_list_length@7:2 control@9")
@dataclass(slots=True)
class Unmap(CDB):
    """UNMAP (42h); the parameter list holds the block descriptors."""

    opcode: ClassVar[int] = Opcode.UNMAP
    command_name: ClassVar[str] = "UNMAP"
    direction: ClassVar[DataDirection] = "out"
    transfer_field: ClassVar[str | None] = "parameter_list_length"
    parameter_list_length: int = 0
    anchor: bool = False
    group_number: int = 0
    control: int = 0


@cdb_layout(
    10, "immed@1.7 znr@1.6 ause@1.5 service_action@1.4:5 parameter_list_length@7:2 control@9"
)
@dataclass(slots=True)
class Sanitize(CDB):
    """SANITIZE (48h); ``service_action`` is a SanitizeServiceAction (OVERWRITE takes data)."""

    opcode: ClassVar[int] = Opcode.SANITIZE
    command_name: ClassVar[str] = "SANITIZE"
    direction: ClassVar[DataDirection] = "out"
    transfer_field: ClassVar[str | None] = "parameter_list_length"
    service_action: int = SanitizeServiceAction.BLOCK_ERASE
    immed: bool = False
    znr: bool = False
    ause: bool = False
    parameter_list_length: int = 0
    control: int = 0


@cdb_layout(
    16,
    "wrprotect@1.7:3 dpo@1.4 fua@1.3 fua_nv@1.1 lba@2:8 number_of_logical_blocks@13 "
    "group_number@14.5:6 control@15",
)
@dataclass(slots=True)
class CompareAndWrite(CDB):
    """COMPARE AND WRITE (89h); data-out is the verify blocks followed by the write blocks."""

    opcode: ClassVar[int] = Opcode.COMPARE_AND_WRITE
    command_name: ClassVar[str] = "COMPARE AND WRITE"
    direction: ClassVar[DataDirection] = "out"
    lba: int = 0
    number_of_logical_blocks: int = 1
    wrprotect: int = 0
    dpo: bool = False
    fua: bool = False
    fua_nv: bool = False
    group_number: int = 0
    control: int = 0

    def transfer_length_bytes(self, block_size: int = 512) -> int:
        """Twice NUMBER OF LOGICAL BLOCKS blocks."""
        return 2 * self.number_of_logical_blocks * block_size


@cdb_layout(16, f"orprotect@1.7:3 dpo@1.4 fua@1.3 fua_nv@1.1 {_L16}")
@dataclass(slots=True)
class OrWrite16(CDB):
    """ORWRITE(16) (8Bh)."""

    opcode: ClassVar[int] = Opcode.ORWRITE_16
    command_name: ClassVar[str] = "ORWRITE(16)"
    direction: ClassVar[DataDirection] = "out"
    transfer_field: ClassVar[str | None] = "transfer_length"
    transfer_in_blocks: ClassVar[bool] = True
    lba: int = 0
    transfer_length: int = 1
    orprotect: int = 0
    dpo: bool = False
    fua: bool = False
    fua_nv: bool = False
    group_number: int = 0
    control: int = 0


@cdb_layout(
    16,
    "wrprotect@1.7:3 dpo@1.4 fua@1.3 lba@2:8 atomic_boundary@10:2 transfer_length@12:2 "
    "group_number@14.5:6 control@15",
)
@dataclass(slots=True)
class WriteAtomic16(CDB):
    """WRITE ATOMIC(16) (9Ch)."""

    opcode: ClassVar[int] = Opcode.WRITE_ATOMIC_16
    command_name: ClassVar[str] = "WRITE ATOMIC(16)"
    direction: ClassVar[DataDirection] = "out"
    transfer_field: ClassVar[str | None] = "transfer_length"
    transfer_in_blocks: ClassVar[bool] = True
    lba: int = 0
    transfer_length: int = 1
    wrprotect: int = 0
    dpo: bool = False
    fua: bool = False
    atomic_boundary: int = 0
    group_number: int = 0
    control: int = 0


@cdb_layout(16, "@1.4:5=0x10 lba@2:8 allocation_length@10:4 pmi@14.0 control@15")
@dataclass(slots=True)
class ReadCapacity16(CDB):
    """READ CAPACITY(16) (9Eh/10h). LBA and PMI are obsolete in SBC-4."""

    opcode: ClassVar[int] = Opcode.SERVICE_ACTION_IN_16
    fixed_service_action: ClassVar[int | None] = 0x10
    command_name: ClassVar[str] = "READ CAPACITY(16)"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    allocation_length: int = 32
    lba: int = 0
    pmi: bool = False
    control: int = 0


@cdb_layout(16, "@1.4:5=0x12 starting_lba@2:8 allocation_length@10:4 report_type@14.1:2 control@15")
@dataclass(slots=True)
class GetLbaStatus(CDB):
    """GET LBA STATUS(16) (9Eh/12h)."""

    opcode: ClassVar[int] = Opcode.SERVICE_ACTION_IN_16
    fixed_service_action: ClassVar[int | None] = 0x12
    command_name: ClassVar[str] = "GET LBA STATUS"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    starting_lba: int = 0
    allocation_length: int = 4096
    report_type: int = 0
    control: int = 0


@cdb_layout(
    16,
    "cor_dis@1.7 wr_uncor@1.6 pblock@1.5 @1.4:5=0x11 lba@2:8 byte_transfer_length@12:2 control@15",
)
@dataclass(slots=True)
class WriteLong16(CDB):
    """WRITE LONG(16) (9Fh/11h, SERVICE ACTION OUT(16))."""

    opcode: ClassVar[int] = Opcode.SERVICE_ACTION_OUT_16
    fixed_service_action: ClassVar[int | None] = 0x11
    command_name: ClassVar[str] = "WRITE LONG(16)"
    direction: ClassVar[DataDirection] = "out"
    transfer_field: ClassVar[str | None] = "byte_transfer_length"
    lba: int = 0
    byte_transfer_length: int = 0
    cor_dis: bool = False
    wr_uncor: bool = False
    pblock: bool = False
    control: int = 0


@cdb_layout(16, "@1.4:5=0x13 lba@2:8 allocation_length@10:4 one_seg@14.0 control@15")
@dataclass(slots=True)
class ReportReferrals(CDB):
    """REPORT REFERRALS (9Eh/13h); ONE_SEG reports only the segment holding LBA."""

    opcode: ClassVar[int] = Opcode.SERVICE_ACTION_IN_16
    fixed_service_action: ClassVar[int | None] = 0x13
    command_name: ClassVar[str] = "REPORT REFERRALS"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    lba: int = 0
    allocation_length: int = 4096
    one_seg: bool = False
    control: int = 0
