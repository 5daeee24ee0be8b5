"""SCSI operation codes and service actions (SPC-5, SBC-4, SSC-4, SMC-3, MMC-6).

Device types reuse some values: :attr:`Opcode.REWIND` (tape) is :attr:`Opcode.REZERO_UNIT`
(disk), :attr:`Opcode.READ_6` serves disk and tape, :attr:`Opcode.PRE_FETCH_10` (disk) is
:attr:`Opcode.READ_POSITION` (tape), and so on. Such values appear once as a member and then
as aliases of it.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "ElementTypeCode",
    "ExtendedCopyServiceAction",
    "MaintenanceInServiceAction",
    "Opcode",
    "PersistentReservationScope",
    "PersistentReservationType",
    "PersistentReserveInServiceAction",
    "PersistentReserveOutServiceAction",
    "ReadPositionServiceAction",
    "ReceiveCopyResultsServiceAction",
    "ReportingOptions",
    "SanitizeServiceAction",
    "ServiceActionIn16",
    "ServiceActionOut16",
    "SpaceCode",
    "VariableLengthServiceAction",
]


class Opcode(IntEnum):
    """The OPERATION CODE byte (CDB byte 0) of every command pyiscsi can build."""

    TEST_UNIT_READY = 0x00
    REZERO_UNIT = 0x01
    REWIND = 0x01  # SSC
    REQUEST_SENSE = 0x03
    FORMAT_UNIT = 0x04
    READ_BLOCK_LIMITS = 0x05  # SSC
    INITIALIZE_ELEMENT_STATUS = 0x07  # SMC
    REASSIGN_BLOCKS = 0x07  # SBC
    READ_6 = 0x08
    WRITE_6 = 0x0A
    WRITE_FILEMARKS_6 = 0x10  # SSC
    SPACE_6 = 0x11  # SSC
    INQUIRY = 0x12
    MODE_SELECT_6 = 0x15
    RESERVE_6 = 0x16
    RELEASE_6 = 0x17
    ERASE_6 = 0x19  # SSC
    MODE_SENSE_6 = 0x1A
    START_STOP_UNIT = 0x1B
    LOAD_UNLOAD = 0x1B  # SSC
    RECEIVE_DIAGNOSTIC_RESULTS = 0x1C
    SEND_DIAGNOSTIC = 0x1D
    PREVENT_ALLOW_MEDIUM_REMOVAL = 0x1E
    READ_CAPACITY_10 = 0x25
    READ_10 = 0x28
    WRITE_10 = 0x2A
    LOCATE_10 = 0x2B  # SSC
    WRITE_AND_VERIFY_10 = 0x2E
    VERIFY_10 = 0x2F
    PRE_FETCH_10 = 0x34
    READ_POSITION = 0x34  # SSC
    SYNCHRONIZE_CACHE_10 = 0x35
    READ_DEFECT_DATA_10 = 0x37
    INITIALIZE_ELEMENT_STATUS_WITH_RANGE = 0x37  # SMC
    WRITE_BUFFER = 0x3B
    READ_BUFFER_10 = 0x3C
    READ_BUFFER = 0x3C
    WRITE_SAME_10 = 0x41
    UNMAP = 0x42
    READ_TOC_PMA_ATIP = 0x43  # MMC
    READ_TOC = 0x43
    SANITIZE = 0x48
    LOG_SELECT = 0x4C
    LOG_SENSE = 0x4D
    MODE_SELECT_10 = 0x55
    MODE_SENSE_10 = 0x5A
    PERSISTENT_RESERVE_IN = 0x5E
    PERSISTENT_RESERVE_OUT = 0x5F
    VARIABLE_LENGTH = 0x7F
    EXTENDED_COPY = 0x83  # THIRD-PARTY COPY OUT
    THIRD_PARTY_COPY_OUT = 0x83
    RECEIVE_COPY_RESULTS = 0x84  # THIRD-PARTY COPY IN
    THIRD_PARTY_COPY_IN = 0x84
    READ_16 = 0x88
    COMPARE_AND_WRITE = 0x89
    WRITE_16 = 0x8A
    ORWRITE_16 = 0x8B
    WRITE_AND_VERIFY_16 = 0x8E
    VERIFY_16 = 0x8F
    PRE_FETCH_16 = 0x90
    SYNCHRONIZE_CACHE_16 = 0x91
    SPACE_16 = 0x91  # SSC
    LOCATE_16 = 0x92  # SSC
    WRITE_SAME_16 = 0x93
    WRITE_ATOMIC_16 = 0x9C
    SERVICE_ACTION_IN_16 = 0x9E
    SERVICE_ACTION_OUT_16 = 0x9F
    REPORT_LUNS = 0xA0
    SECURITY_PROTOCOL_IN = 0xA2
    MAINTENANCE_IN = 0xA3
    MOVE_MEDIUM = 0xA5  # SMC
    EXCHANGE_MEDIUM = 0xA6  # SMC
    READ_12 = 0xA8
    WRITE_12 = 0xAA
    WRITE_AND_VERIFY_12 = 0xAE
    VERIFY_12 = 0xAF
    READ_DEFECT_DATA_12 = 0xB7
    SECURITY_PROTOCOL_OUT = 0xB5
    READ_ELEMENT_STATUS = 0xB8  # SMC


class ServiceActionIn16(IntEnum):
    """SERVICE ACTION IN(16) (9Eh) service actions (SBC-4)."""

    READ_CAPACITY_16 = 0x10
    READ_LONG_16 = 0x11
    GET_LBA_STATUS = 0x12
    REPORT_REFERRALS = 0x13


class ServiceActionOut16(IntEnum):
    """SERVICE ACTION OUT(16) (9Fh) service actions (SBC-4)."""

    WRITE_LONG_16 = 0x11
    WRITE_SCATTERED_16 = 0x12


class MaintenanceInServiceAction(IntEnum):
    """MAINTENANCE IN (A3h) service actions (SPC-5)."""

    REPORT_IDENTIFYING_INFORMATION = 0x05
    REPORT_TARGET_PORT_GROUPS = 0x0A
    REPORT_ALIASES = 0x0B
    REPORT_SUPPORTED_OPERATION_CODES = 0x0C
    REPORT_SUPPORTED_TASK_MANAGEMENT_FUNCTIONS = 0x0D
    REPORT_PRIORITY = 0x0E
    REPORT_TIMESTAMP = 0x0F


class ReportingOptions(IntEnum):
    """REPORTING OPTIONS of REPORT SUPPORTED OPERATION CODES (SPC-5)."""

    ALL = 0
    ONE_COMMAND = 1  # requested operation code, no service action
    ONE_COMMAND_WITH_SERVICE_ACTION = 2
    ONE_COMMAND_OPTIONAL_SERVICE_ACTION = 3


class PersistentReserveInServiceAction(IntEnum):
    """PERSISTENT RESERVE IN (5Eh) service actions (SPC-5)."""

    READ_KEYS = 0x00
    READ_RESERVATION = 0x01
    REPORT_CAPABILITIES = 0x02
    READ_FULL_STATUS = 0x03


class PersistentReserveOutServiceAction(IntEnum):
    """PERSISTENT RESERVE OUT (5Fh) service actions (SPC-5)."""

    REGISTER = 0x00
    RESERVE = 0x01
    RELEASE = 0x02
    CLEAR = 0x03
    PREEMPT = 0x04
    PREEMPT_AND_ABORT = 0x05
    REGISTER_AND_IGNORE_EXISTING_KEY = 0x06
    REGISTER_AND_MOVE = 0x07
    REPLACE_LOST_RESERVATION = 0x08


class PersistentReservationScope(IntEnum):
    """SCOPE of PERSISTENT RESERVE OUT (SPC-5)."""

    LU_SCOPE = 0x0


class PersistentReservationType(IntEnum):
    """TYPE of a persistent reservation (SPC-5)."""

    WRITE_EXCLUSIVE = 0x1
    EXCLUSIVE_ACCESS = 0x3
    WRITE_EXCLUSIVE_REGISTRANTS_ONLY = 0x5
    EXCLUSIVE_ACCESS_REGISTRANTS_ONLY = 0x6
    WRITE_EXCLUSIVE_ALL_REGISTRANTS = 0x7
    EXCLUSIVE_ACCESS_ALL_REGISTRANTS = 0x8


class VariableLengthServiceAction(IntEnum):
    """Service actions of the variable-length CDB (7Fh) used by SBC-4 32-byte commands."""

    READ_32 = 0x0009
    VERIFY_32 = 0x000A
    WRITE_32 = 0x000B
    WRITE_AND_VERIFY_32 = 0x000C
    WRITE_SAME_32 = 0x000D
    ORWRITE_32 = 0x000E


class ExtendedCopyServiceAction(IntEnum):
    """THIRD-PARTY COPY OUT (83h) service actions (SPC-5)."""

    EXTENDED_COPY_LID1 = 0x00
    EXTENDED_COPY_LID4 = 0x01
    POPULATE_TOKEN = 0x10
    WRITE_USING_TOKEN = 0x11
    COPY_OPERATION_ABORT = 0x1C


class ReceiveCopyResultsServiceAction(IntEnum):
    """THIRD-PARTY COPY IN (84h) service actions (SPC-5); 00h-04h are RECEIVE COPY RESULTS."""

    COPY_STATUS = 0x00
    RECEIVE_DATA = 0x01
    OPERATING_PARAMETERS = 0x03
    FAILED_SEGMENT_DETAILS = 0x04
    COPY_STATUS_LID4 = 0x05
    RECEIVE_DATA_LID4 = 0x06
    ROD_TOKEN_INFORMATION = 0x07
    REPORT_ALL_ROD_TOKENS = 0x08


class ReadPositionServiceAction(IntEnum):
    """READ POSITION (34h, tape) service actions (SSC-4)."""

    SHORT_FORM_BLOCK_ID = 0x00
    SHORT_FORM_VENDOR_SPECIFIC = 0x01
    LONG_FORM = 0x06
    EXTENDED_FORM = 0x08


class SanitizeServiceAction(IntEnum):
    """SANITIZE (48h) service actions (SBC-4)."""

    OVERWRITE = 0x01
    BLOCK_ERASE = 0x02
    CRYPTOGRAPHIC_ERASE = 0x03
    EXIT_FAILURE_MODE = 0x1F


class SpaceCode(IntEnum):
    """CODE field of SPACE(6) and SPACE(16) (SSC-4)."""

    LOGICAL_BLOCKS = 0x0
    FILEMARKS = 0x1
    SEQUENTIAL_FILEMARKS = 0x2
    END_OF_DATA = 0x3


class ElementTypeCode(IntEnum):
    """ELEMENT TYPE CODE of READ ELEMENT STATUS (SMC-3)."""

    ALL = 0x0
    MEDIUM_TRANSPORT = 0x1
    STORAGE = 0x2
    IMPORT_EXPORT = 0x3
    DATA_TRANSFER = 0x4
