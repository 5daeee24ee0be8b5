"""CDB builders for the primary commands (SPC-5) and READ TOC (MMC-6).

Byte and bit positions in each layout string are those of the standard's CDB table.
"""

from __future__ import annotations

from typing import ClassVar

from pyiscsi._dataclass import dataclass
from pyiscsi.scsi.cdb_base import CDB, DataDirection, cdb_layout
from pyiscsi.scsi.opcodes import (
    MaintenanceInServiceAction,
    Opcode,
    PersistentReserveInServiceAction,
    PersistentReserveOutServiceAction,
    ReportingOptions,
)

__all__ = [
    "Inquiry",
    "LogSelect",
    "LogSense",
    "ModeSelect6",
    "ModeSelect10",
    "ModeSense6",
    "ModeSense10",
    "PersistentReserveIn",
    "PersistentReserveOut",
    "PreventAllowMediumRemoval",
    "ReadBuffer10",
    "ReadToc",
    "ReceiveDiagnosticResults",
    "Release6",
    "ReportIdentifyingInformation",
    "ReportLuns",
    "ReportSupportedOperationCodes",
    "ReportSupportedTaskManagementFunctions",
    "ReportTargetPortGroups",
    "ReportTimestamp",
    "RequestSense",
    "Reserve6",
    "SecurityProtocolIn",
    "SecurityProtocolOut",
    "SendDiagnostic",
    "TestUnitReady",
    "WriteBuffer",
]


@cdb_layout(6, "control@5")
@dataclass(slots=True)
class TestUnitReady(CDB):
    """TEST UNIT READY (00h)."""

    __test__: ClassVar[bool] = False  # not a pytest test class
    opcode: ClassVar[int] = Opcode.TEST_UNIT_READY
    command_name: ClassVar[str] = "TEST UNIT READY"
    control: int = 0


@cdb_layout(6, "desc@1.0 allocation_length@4 control@5")
@dataclass(slots=True)
class RequestSense(CDB):
    """REQUEST SENSE (03h); DESC asks for descriptor-format sense data."""

    opcode: ClassVar[int] = Opcode.REQUEST_SENSE
    command_name: ClassVar[str] = "REQUEST SENSE"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    allocation_length: int = 252
    desc: bool = False
    control: int = 0


@cdb_layout(6, "evpd@1.0 page_code@2 allocation_length@3:2 control@5")
@dataclass(slots=True)
class Inquiry(CDB):
    """INQUIRY (12h): standard data, or the VPD page ``page_code`` when ``evpd`` is set."""

    opcode: ClassVar[int] = Opcode.INQUIRY
    command_name: ClassVar[str] = "INQUIRY"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    evpd: bool = False
    page_code: int = 0
    allocation_length: int = 255
    control: int = 0


@cdb_layout(6, "pf@1.4 sp@1.0 parameter_list_length@4 control@5")
@dataclass(slots=True)
class ModeSelect6(CDB):
    """MODE SELECT(6) (15h); PF: pages follow the standard format, SP: save pages."""

    opcode: ClassVar[int] = Opcode.MODE_SELECT_6
    command_name: ClassVar[str] = "MODE SELECT(6)"
    direction: ClassVar[DataDirection] = "out"
    transfer_field: ClassVar[str | None] = "parameter_list_length"
    parameter_list_length: int = 0
    pf: bool = True
    sp: bool = False
    control: int = 0


@cdb_layout(10, "pf@1.4 sp@1.0 parameter_list_length@7:2 control@9")
@dataclass(slots=True)
class ModeSelect10(CDB):
    """MODE SELECT(10) (55h)."""

    opcode: ClassVar[int] = Opcode.MODE_SELECT_10
    command_name: ClassVar[str] = "MODE SELECT(10)"
    direction: ClassVar[DataDirection] = "out"
    transfer_field: ClassVar[str | None] = "parameter_list_length"
    parameter_list_length: int = 0
    pf: bool = True
    sp: bool = False
    control: int = 0


@cdb_layout(6, "dbd@1.3 pc@2.7:2 page_code@2.5:6 subpage_code@3 allocation_length@4 control@5")
@dataclass(slots=True)
class ModeSense6(CDB):
    """MODE SENSE(6) (1Ah); PC: 0 current, 1 changeable, 2 default, 3 saved values."""

    opcode: ClassVar[int] = Opcode.MODE_SENSE_6
    command_name: ClassVar[str] = "MODE SENSE(6)"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    page_code: int = 0x3F
    subpage_code: int = 0
    pc: int = 0
    dbd: bool = False
    allocation_length: int = 255
    control: int = 0


@cdb_layout(
    10,
    "llbaa@1.4 dbd@1.3 pc@2.7:2 page_code@2.5:6 subpage_code@3 allocation_length@7:2 control@9",
)
@dataclass(slots=True)
class ModeSense10(CDB):
    """MODE SENSE(10) (5Ah); LLBAA allows long LBA block descriptors."""

    opcode: ClassVar[int] = Opcode.MODE_SENSE_10
    command_name: ClassVar[str] = "MODE SENSE(10)"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    page_code: int = 0x3F
    subpage_code: int = 0
    pc: int = 0
    dbd: bool = False
    llbaa: bool = False
    allocation_length: int = 4096
    control: int = 0


@cdb_layout(6, "control@5")
@dataclass(slots=True)
class Reserve6(CDB):
    """RESERVE(6) (16h), the obsolete SPC-2 logical unit reservation."""

    opcode: ClassVar[int] = Opcode.RESERVE_6
    command_name: ClassVar[str] = "RESERVE(6)"
    control: int = 0


@cdb_layout(6, "control@5")
@dataclass(slots=True)
class Release6(CDB):
    """RELEASE(6) (17h), the obsolete SPC-2 logical unit release."""

    opcode: ClassVar[int] = Opcode.RELEASE_6
    command_name: ClassVar[str] = "RELEASE(6)"
    control: int = 0


@cdb_layout(6, "prevent@4.1:2 control@5")
@dataclass(slots=True)
class PreventAllowMediumRemoval(CDB):
    """PREVENT ALLOW MEDIUM REMOVAL (1Eh); PREVENT 0 allows, 1 prevents removal."""

    opcode: ClassVar[int] = Opcode.PREVENT_ALLOW_MEDIUM_REMOVAL
    command_name: ClassVar[str] = "PREVENT ALLOW MEDIUM REMOVAL"
    prevent: int = 0
    control: int = 0


@cdb_layout(
    6,
    "self_test_code@1.7:3 pf@1.4 self_test@1.2 devoffl@1.1 unitoffl@1.0 "
    "parameter_list_length@3:2 control@5",
)
@dataclass(slots=True)
class SendDiagnostic(CDB):
    """SEND DIAGNOSTIC (1Dh)."""

    opcode: ClassVar[int] = Opcode.SEND_DIAGNOSTIC
    command_name: ClassVar[str] = "SEND DIAGNOSTIC"
    direction: ClassVar[DataDirection] = "out"
    transfer_field: ClassVar[str | None] = "parameter_list_length"
    self_test_code: int = 0
    pf: bool = False
    self_test: bool = True
    devoffl: bool = False
    unitoffl: bool = False
    parameter_list_length: int = 0
    control: int = 0


@cdb_layout(6, "pcv@1.0 page_code@2 allocation_length@3:2 control@5")
@dataclass(slots=True)
class ReceiveDiagnosticResults(CDB):
    """RECEIVE DIAGNOSTIC RESULTS (1Ch); PCV: PAGE CODE is valid."""

    opcode: ClassVar[int] = Opcode.RECEIVE_DIAGNOSTIC_RESULTS
    command_name: ClassVar[str] = "RECEIVE DIAGNOSTIC RESULTS"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    pcv: bool = False
    page_code: int = 0
    allocation_length: int = 4096
    control: int = 0


@cdb_layout(
    10,
    "pcr@1.1 sp@1.0 pc@2.7:2 page_code@2.5:6 subpage_code@3 parameter_list_length@7:2 control@9",
)
@dataclass(slots=True)
class LogSelect(CDB):
    """LOG SELECT (4Ch); PCR resets parameters, SP saves them."""

    opcode: ClassVar[int] = Opcode.LOG_SELECT
    command_name: ClassVar[str] = "LOG SELECT"
    direction: ClassVar[DataDirection] = "out"
    transfer_field: ClassVar[str | None] = "parameter_list_length"
    pcr: bool = False
    sp: bool = False
    pc: int = 1
    page_code: int = 0
    subpage_code: int = 0
    parameter_list_length: int = 0
    control: int = 0


@cdb_layout(
    10,
    "ppc@1.1 sp@1.0 pc@2.7:2 page_code@2.5:6 subpage_code@3 parameter_pointer@5:2 "
    "allocation_length@7:2 control@9",
)
@dataclass(slots=True)
class LogSense(CDB):
    """LOG SENSE (4Dh); PC 1 asks for cumulative values."""

    opcode: ClassVar[int] = Opcode.LOG_SENSE
    command_name: ClassVar[str] = "LOG SENSE"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    page_code: int = 0
    subpage_code: int = 0
    pc: int = 1
    ppc: bool = False
    sp: bool = False
    parameter_pointer: int = 0
    allocation_length: int = 4096
    control: int = 0


@cdb_layout(
    10,
    "mode_specific@1.7:3 mode@1.4:5 buffer_id@2 buffer_offset@3:3 allocation_length@6:3 control@9",
)
@dataclass(slots=True)
class ReadBuffer10(CDB):
    """READ BUFFER(10) (3Ch)."""

    opcode: ClassVar[int] = Opcode.READ_BUFFER_10
    command_name: ClassVar[str] = "READ BUFFER(10)"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    mode: int = 0
    mode_specific: int = 0
    buffer_id: int = 0
    buffer_offset: int = 0
    allocation_length: int = 0
    control: int = 0


@cdb_layout(
    10,
    "mode_specific@1.7:3 mode@1.4:5 buffer_id@2 buffer_offset@3:3 parameter_list_length@6:3 "
    "control@9",
)
@dataclass(slots=True)
class WriteBuffer(CDB):
    """WRITE BUFFER (3Bh)."""

    opcode: ClassVar[int] = Opcode.WRITE_BUFFER
    command_name: ClassVar[str] = "WRITE BUFFER"
    direction: ClassVar[DataDirection] = "out"
    transfer_field: ClassVar[str | None] = "parameter_list_length"
    mode: int = 0
    mode_specific: int = 0
    buffer_id: int = 0
    buffer_offset: int = 0
    parameter_list_length: int = 0
    control: int = 0


@cdb_layout(10, "service_action@1.4:5 allocation_length@7:2 control@9")
@dataclass(slots=True)
class PersistentReserveIn(CDB):
    """PERSISTENT RESERVE IN (5Eh); ``service_action`` is a PersistentReserveInServiceAction."""

    opcode: ClassVar[int] = Opcode.PERSISTENT_RESERVE_IN
    command_name: ClassVar[str] = "PERSISTENT RESERVE IN"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    service_action: int = PersistentReserveInServiceAction.READ_KEYS
    allocation_length: int = 4096
    control: int = 0


@cdb_layout(10, "service_action@1.4:5 scope@2.7:4 type@2.3:4 parameter_list_length@5:4 control@9")
@dataclass(slots=True)
class PersistentReserveOut(CDB):
    """PERSISTENT RESERVE OUT (5Fh).

    ``service_action`` is a PersistentReserveOutServiceAction, ``type`` a
    PersistentReservationType. The parameter list is 24 bytes (more with SPEC_I_PT or
    for REGISTER AND MOVE); build it with the PR OUT parameter list marshaller.
    """

    opcode: ClassVar[int] = Opcode.PERSISTENT_RESERVE_OUT
    command_name: ClassVar[str] = "PERSISTENT RESERVE OUT"
    direction: ClassVar[DataDirection] = "out"
    transfer_field: ClassVar[str | None] = "parameter_list_length"
    service_action: int = PersistentReserveOutServiceAction.REGISTER
    scope: int = 0
    type: int = 0
    parameter_list_length: int = 24
    control: int = 0


@cdb_layout(12, "select_report@2 allocation_length@6:4 control@11")
@dataclass(slots=True)
class ReportLuns(CDB):
    """REPORT LUNS (A0h); SELECT REPORT 0 lists the logical units, 2 all of them."""

    opcode: ClassVar[int] = Opcode.REPORT_LUNS
    command_name: ClassVar[str] = "REPORT LUNS"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    select_report: int = 0
    allocation_length: int = 4096
    control: int = 0


@cdb_layout(12, "parameter_data_format@1.7:3 @1.4:5=0x0A allocation_length@6:4 control@11")
@dataclass(slots=True)
class ReportTargetPortGroups(CDB):
    """REPORT TARGET PORT GROUPS (A3h/0Ah); PARAMETER DATA FORMAT 1 is the extended header."""

    opcode: ClassVar[int] = Opcode.MAINTENANCE_IN
    fixed_service_action: ClassVar[int | None] = (
        MaintenanceInServiceAction.REPORT_TARGET_PORT_GROUPS
    )
    command_name: ClassVar[str] = "REPORT TARGET PORT GROUPS"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    allocation_length: int = 4096
    parameter_data_format: int = 0
    control: int = 0


@cdb_layout(
    12,
    "@1.4:5=0x0C rctd@2.7 reporting_options@2.2:3 requested_operation_code@3 "
    "requested_service_action@4:2 allocation_length@6:4 control@11",
)
@dataclass(slots=True)
class ReportSupportedOperationCodes(CDB):
    """REPORT SUPPORTED OPERATION CODES (A3h/0Ch); RCTD adds command timeout descriptors."""

    opcode: ClassVar[int] = Opcode.MAINTENANCE_IN
    fixed_service_action: ClassVar[int | None] = (
        MaintenanceInServiceAction.REPORT_SUPPORTED_OPERATION_CODES
    )
    command_name: ClassVar[str] = "REPORT SUPPORTED OPERATION CODES"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    reporting_options: int = ReportingOptions.ALL
    rctd: bool = False
    requested_operation_code: int = 0
    requested_service_action: int = 0
    allocation_length: int = 65536
    control: int = 0


@cdb_layout(10, "msf@1.1 format@2.3:4 track_session_number@6 allocation_length@7:2 control@9")
@dataclass(slots=True)
class ReadToc(CDB):
    """READ TOC/PMA/ATIP (43h, MMC-6); MSF selects minute/second/frame addresses."""

    opcode: ClassVar[int] = Opcode.READ_TOC_PMA_ATIP
    command_name: ClassVar[str] = "READ TOC/PMA/ATIP"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    msf: bool = False
    format: int = 0
    track_session_number: int = 0
    allocation_length: int = 4096
    control: int = 0


@cdb_layout(12, "@1.4:5=0x0D repd@2.7 allocation_length@6:4 control@11")
@dataclass(slots=True)
class ReportSupportedTaskManagementFunctions(CDB):
    """REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS (A3h/0Dh); REPD asks for the extended data."""

    opcode: ClassVar[int] = Opcode.MAINTENANCE_IN
    fixed_service_action: ClassVar[int | None] = (
        MaintenanceInServiceAction.REPORT_SUPPORTED_TASK_MANAGEMENT_FUNCTIONS
    )
    command_name: ClassVar[str] = "REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    repd: bool = False
    allocation_length: int = 16
    control: int = 0


@cdb_layout(12, "@1.4:5=0x0F allocation_length@6:4 control@11")
@dataclass(slots=True)
class ReportTimestamp(CDB):
    """REPORT TIMESTAMP (A3h/0Fh)."""

    opcode: ClassVar[int] = Opcode.MAINTENANCE_IN
    fixed_service_action: ClassVar[int | None] = MaintenanceInServiceAction.REPORT_TIMESTAMP
    command_name: ClassVar[str] = "REPORT TIMESTAMP"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    allocation_length: int = 12
    control: int = 0


@cdb_layout(12, "@1.4:5=0x05 allocation_length@6:4 information_type@10.7:7 control@11")
@dataclass(slots=True)
class ReportIdentifyingInformation(CDB):
    """REPORT IDENTIFYING INFORMATION (A3h/05h)."""

    opcode: ClassVar[int] = Opcode.MAINTENANCE_IN
    fixed_service_action: ClassVar[int | None] = (
        MaintenanceInServiceAction.REPORT_IDENTIFYING_INFORMATION
    )
    command_name: ClassVar[str] = "REPORT IDENTIFYING INFORMATION"
    direction: ClassVar[DataDirection] = "in"
    transfer_field: ClassVar[str | None] = "allocation_length"
    information_type: int = 0
    allocation_length: int = 256
    control: int = 0


_SECPROT = "security_protocol@1 security_protocol_specific@2:2 inc_512@4.7"


@cdb_layout(12, f"{_SECPROT} allocation_length@6:4 control@11")
@dataclass(slots=True)
class SecurityProtocolIn(CDB):
    """SECURITY PROTOCOL IN (A2h); INC_512 counts the length in 512-byte units."""

    opcode: ClassVar[int] = Opcode.SECURITY_PROTOCOL_IN
    command_name: ClassVar[str] = "SECURITY PROTOCOL IN"
    direction: ClassVar[DataDirection] = "in"
    security_protocol: int = 0
    security_protocol_specific: int = 0
    inc_512: bool = False
    allocation_length: int = 0
    control: int = 0

    def transfer_length_bytes(self, block_size: int = 512) -> int:
        """ALLOCATION LENGTH bytes, or 512-byte units with INC_512."""
        return self.allocation_length * (512 if self.inc_512 else 1)


@cdb_layout(12, f"{_SECPROT} transfer_length@6:4 control@11")
@dataclass(slots=True)
class SecurityProtocolOut(CDB):
    """SECURITY PROTOCOL OUT (B5h); INC_512 counts the length in 512-byte units."""

    opcode: ClassVar[int] = Opcode.SECURITY_PROTOCOL_OUT
    command_name: ClassVar[str] = "SECURITY PROTOCOL OUT"
    direction: ClassVar[DataDirection] = "out"
    security_protocol: int = 0
    security_protocol_specific: int = 0
    inc_512: bool = False
    transfer_length: int = 0
    control: int = 0

    def transfer_length_bytes(self, block_size: int = 512) -> int:
        """TRANSFER LENGTH bytes, or 512-byte units with INC_512."""
        return self.transfer_length * (512 if self.inc_512 else 1)
