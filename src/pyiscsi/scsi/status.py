"""SCSI status codes (SAM-5) and sense keys (SPC-4), with their T10 names."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["SenseKey", "Status", "sense_key_name", "status_name"]


class Status(IntEnum):
    """The STATUS byte a SCSI command ends with (SAM-5 table 36)."""

    GOOD = 0x00
    CHECK_CONDITION = 0x02
    CONDITION_MET = 0x04
    BUSY = 0x08
    INTERMEDIATE = 0x10  # obsolete
    INTERMEDIATE_CONDITION_MET = 0x14  # obsolete
    RESERVATION_CONFLICT = 0x18
    COMMAND_TERMINATED = 0x22  # obsolete
    TASK_SET_FULL = 0x28
    ACA_ACTIVE = 0x30
    TASK_ABORTED = 0x40

    @property
    def text(self) -> str:
        """The T10 name, e.g. ``"CHECK CONDITION"``."""
        return _STATUS_TEXT[self]


_STATUS_TEXT: dict[int, str] = {
    Status.GOOD: "GOOD",
    Status.CHECK_CONDITION: "CHECK CONDITION",
    Status.CONDITION_MET: "CONDITION MET",
    Status.BUSY: "BUSY",
    Status.INTERMEDIATE: "INTERMEDIATE",
    Status.INTERMEDIATE_CONDITION_MET: "INTERMEDIATE-CONDITION MET",
    Status.RESERVATION_CONFLICT: "RESERVATION CONFLICT",
    Status.COMMAND_TERMINATED: "COMMAND TERMINATED",
    Status.TASK_SET_FULL: "TASK SET FULL",
    Status.ACA_ACTIVE: "ACA ACTIVE",
    Status.TASK_ABORTED: "TASK ABORTED",
}


class SenseKey(IntEnum):
    """The SENSE KEY field of sense data (SPC-4 table 27)."""

    NO_SENSE = 0x0
    RECOVERED_ERROR = 0x1
    NOT_READY = 0x2
    MEDIUM_ERROR = 0x3
    HARDWARE_ERROR = 0x4
    ILLEGAL_REQUEST = 0x5
    UNIT_ATTENTION = 0x6
    DATA_PROTECT = 0x7
    BLANK_CHECK = 0x8
    VENDOR_SPECIFIC = 0x9
    COPY_ABORTED = 0xA
    ABORTED_COMMAND = 0xB
    RESERVED = 0xC  # EQUAL in SPC-2, now obsolete
    VOLUME_OVERFLOW = 0xD
    MISCOMPARE = 0xE
    COMPLETED = 0xF

    @property
    def text(self) -> str:
        """The T10 name, e.g. ``"ILLEGAL REQUEST"``."""
        return self.name.replace("_", " ")


def sense_key_name(key: int) -> str:
    """T10 name of a sense key, e.g. ``sense_key_name(5) == "ILLEGAL REQUEST"``.

    Raises ValueError if ``key`` is not a 4-bit value.
    """
    if not 0 <= key <= 0xF:
        raise ValueError(f"sense key must be 0x0-0xf, got {key!r}")
    return SenseKey(key).text


def status_name(status: int) -> str:
    """T10 name of a status byte; a value SAM does not assign reads ``"RESERVED STATUS 0x.."``.

    Raises ValueError if ``status`` is not a byte.
    """
    if not 0 <= status <= 0xFF:
        raise ValueError(f"status must be 0x00-0xff, got {status!r}")
    text = _STATUS_TEXT.get(status)
    return text if text is not None else f"RESERVED STATUS 0x{status:02x}"
