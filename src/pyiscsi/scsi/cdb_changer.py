"""CDB builders for media changers (SMC-3)."""

from __future__ import annotations

from typing import ClassVar

from pyiscsi._dataclass import dataclass
from pyiscsi.scsi.cdb_base import CDB, DataDirection, cdb_layout
from pyiscsi.scsi.opcodes import ElementTypeCode, Opcode

__all__ = [
    "ExchangeMedium",
    "InitializeElementStatus",
    "InitializeElementStatusWithRange",
    "MoveMedium",
    "ReadElementStatus",
]


@cdb_layout(
    12,
    "voltag@1.4 element_type_code@1.3:4 starting_element_address@2:2 number_of_elements@4:2 "
    "curdata@6.1 dvcid@6.0 allocation_length@7:3 control@11",
)
@dataclass(slots=True)
class ReadElementStatus(CDB):
    """READ ELEMENT STATUS (B8h); VOLTAG asks for volume tags, DVCID for device identifiers."""

    opcode: ClassVar[int] = Opcode.READ_ELEMENT_STATUS
    command_name: ClassVar[str] = "READ ELEMENT STATUS"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    element_type_code: int = ElementTypeCode.ALL
    starting_element_address: int = 0
    number_of_elements: int = 0xFFFF
    allocation_length: int = 0xFFFF
    voltag: bool = False
    curdata: bool = False
    dvcid: bool = False
    control: int = 0


@cdb_layout(
    12,
    "medium_transport_address@2:2 source_address@4:2 destination_address@6:2 "
    "invert@10.0 control@11",
)
@dataclass(slots=True)
class MoveMedium(CDB):
    """MOVE MEDIUM (A5h)."""

    opcode: ClassVar[int] = Opcode.MOVE_MEDIUM
    command_name: ClassVar[str] = "MOVE MEDIUM"
    medium_transport_address: int = 0
    source_address: int = 0
    destination_address: int = 0
    invert: bool = False
    control: int = 0


@cdb_layout(
    12,
    "medium_transport_address@2:2 source_address@4:2 first_destination_address@6:2 "
    "second_destination_address@8:2 inv2@10.1 inv1@10.0 control@11",
)
@dataclass(slots=True)
class ExchangeMedium(CDB):
    """EXCHANGE MEDIUM (A6h)."""

    opcode: ClassVar[int] = Opcode.EXCHANGE_MEDIUM
    command_name: ClassVar[str] = "EXCHANGE MEDIUM"
    medium_transport_address: int = 0
    source_address: int = 0
    first_destination_address: int = 0
    second_destination_address: int = 0
    inv1: bool = False
    inv2: bool = False
    control: int = 0


@cdb_layout(6, "control@5")
@dataclass(slots=True)
class InitializeElementStatus(CDB):
    """INITIALIZE ELEMENT STATUS (07h)."""

    opcode: ClassVar[int] = Opcode.INITIALIZE_ELEMENT_STATUS
    command_name: ClassVar[str] = "INITIALIZE ELEMENT STATUS"
    control: int = 0


@cdb_layout(10, "fast@1.1 range@1.0 starting_element_address@2:2 number_of_elements@6:2 control@9")
@dataclass(slots=True)
class InitializeElementStatusWithRange(CDB):
    """INITIALIZE ELEMENT STATUS WITH RANGE (37h); RANGE limits it to the given elements."""

    opcode: ClassVar[int] = Opcode.INITIALIZE_ELEMENT_STATUS_WITH_RANGE
    command_name: ClassVar[str] = "INITIALIZE ELEMENT STATUS WITH RANGE"
    starting_element_address: int = 0
    number_of_elements: int = 0
    range: bool = False
    fast: bool = False
    control: int = 0
