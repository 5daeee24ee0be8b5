"""CDB builders for third-party copy (SPC-5 EXTENDED COPY family, SBC-4 ROD tokens).

Opcode 83h (THIRD-PARTY COPY OUT) and 84h (THIRD-PARTY COPY IN) carry a service action in
byte 1 bits 4-0. :class:`ExtendedCopy` and :class:`ReceiveCopyResults` take theirs as a field
(LID1 forms, as libiscsi builds them); the others have a builder each.
"""

from __future__ import annotations

from typing import ClassVar

from pyiscsi._dataclass import dataclass
from pyiscsi.scsi.cdb_base import CDB, DataDirection, cdb_layout
from pyiscsi.scsi.opcodes import (
    ExtendedCopyServiceAction,
    Opcode,
    ReceiveCopyResultsServiceAction,
)

__all__ = [
    "CopyOperationAbort",
    "ExtendedCopy",
    "PopulateToken",
    "ReceiveCopyResults",
    "ReceiveCopyStatusLid4",
    "ReceiveRodTokenInformation",
    "WriteUsingToken",
]


@cdb_layout(16, "service_action@1.4:5 parameter_list_length@10:4 control@15")
@dataclass(slots=True)
class ExtendedCopy(CDB):
    """EXTENDED COPY (83h/00h LID1, 83h/01h LID4); the parameter list describes the copy."""

    opcode: ClassVar[int] = Opcode.EXTENDED_COPY
    command_name: ClassVar[str] = "EXTENDED COPY"
    direction: ClassVar[DataDirection] = "out"
    transfer_field: ClassVar[str | None] = "parameter_list_length"
    parameter_list_length: int = 0
    service_action: int = ExtendedCopyServiceAction.EXTENDED_COPY_LID1
    control: int = 0


@cdb_layout(16, "service_action@1.4:5 list_identifier@2 allocation_length@10:4 control@15")
@dataclass(slots=True)
class ReceiveCopyResults(CDB):
    """RECEIVE COPY RESULTS (84h, service actions 00h-04h) with a one-byte LIST IDENTIFIER."""

    opcode: ClassVar[int] = Opcode.RECEIVE_COPY_RESULTS
    command_name: ClassVar[str] = "RECEIVE COPY RESULTS"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    service_action: int = ReceiveCopyResultsServiceAction.COPY_STATUS
    list_identifier: int = 0
    allocation_length: int = 4096
    control: int = 0


@cdb_layout(16, "@1.4:5=0x05 list_identifier@2:4 allocation_length@10:4 control@15")
@dataclass(slots=True)
class ReceiveCopyStatusLid4(CDB):
    """RECEIVE COPY STATUS(LID4) (84h/05h)."""

    opcode: ClassVar[int] = Opcode.RECEIVE_COPY_RESULTS
    fixed_service_action: ClassVar[int | None] = 0x05
    command_name: ClassVar[str] = "RECEIVE COPY STATUS(LID4)"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    list_identifier: int = 0
    allocation_length: int = 4096
    control: int = 0


@cdb_layout(16, "@1.4:5=0x07 list_identifier@2:4 allocation_length@10:4 control@15")
@dataclass(slots=True)
class ReceiveRodTokenInformation(CDB):
    """RECEIVE ROD TOKEN INFORMATION (84h/07h): status and token of a POPULATE TOKEN."""

    opcode: ClassVar[int] = Opcode.RECEIVE_COPY_RESULTS
    fixed_service_action: ClassVar[int | None] = 0x07
    command_name: ClassVar[str] = "RECEIVE ROD TOKEN INFORMATION"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    list_identifier: int = 0
    allocation_length: int = 4096
    control: int = 0


@cdb_layout(
    16,
    "@1.4:5=0x10 list_identifier@6:4 parameter_list_length@10:4 group_number@14.5:6 control@15",
)
@dataclass(slots=True)
class PopulateToken(CDB):
    """POPULATE TOKEN (83h/10h, SBC-4): make a ROD token for the ranges in the parameter list."""

    opcode: ClassVar[int] = Opcode.EXTENDED_COPY
    fixed_service_action: ClassVar[int | None] = 0x10
    command_name: ClassVar[str] = "POPULATE TOKEN"
    direction: ClassVar[DataDirection] = "out"
    transfer_field: ClassVar[str | None] = "parameter_list_length"
    list_identifier: int = 0
    parameter_list_length: int = 0
    group_number: int = 0
    control: int = 0


@cdb_layout(
    16,
    "@1.4:5=0x11 list_identifier@6:4 parameter_list_length@10:4 group_number@14.5:6 control@15",
)
@dataclass(slots=True)
class WriteUsingToken(CDB):
    """WRITE USING TOKEN (83h/11h, SBC-4): write the data a ROD token stands for."""

    opcode: ClassVar[int] = Opcode.EXTENDED_COPY
    fixed_service_action: ClassVar[int | None] = 0x11
    command_name: ClassVar[str] = "WRITE USING TOKEN"
    direction: ClassVar[DataDirection] = "out"
    transfer_field: ClassVar[str | None] = "parameter_list_length"
    list_identifier: int = 0
    parameter_list_length: int = 0
    group_number: int = 0
    control: int = 0


@cdb_layout(16, "@1.4:5=0x1C list_identifier@2:4 control@15")
@dataclass(slots=True)
class CopyOperationAbort(CDB):
    """COPY OPERATION ABORT (83h/1Ch)."""

    opcode: ClassVar[int] = Opcode.EXTENDED_COPY
    fixed_service_action: ClassVar[int | None] = 0x1C
    command_name: ClassVar[str] = "COPY OPERATION ABORT"
    list_identifier: int = 0
    control: int = 0
