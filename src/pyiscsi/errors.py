"""The exceptions of pyiscsi: one tree under :class:`ISCSIError`.

This module imports nothing of pyiscsi, so every layer may raise from it.
Messages say what happened; they never carry CHAP secrets.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyiscsi.scsi.sense import Sense


class ISCSIError(Exception):
    """Base of every error pyiscsi raises."""


class ConfigurationError(ISCSIError, ValueError):
    """The caller gave a value pyiscsi cannot use (a bad URL, option or argument)."""


class URLError(ConfigurationError):
    """An iSCSI URL is malformed; the message names the part that is wrong."""


class UnsupportedOperation(ConfigurationError, io.UnsupportedOperation):
    """A file object was asked for what its mode does not allow (write on "rb", truncate)."""


class ISCSIConnectionError(ISCSIError, ConnectionError):
    """The TCP connection could not be made, or it was lost."""


class ISCSITimeoutError(ISCSIError, TimeoutError):
    """A command, login or logout did not complete in time."""


class LocalProtocolError(ISCSIError):
    """The caller asked for something the protocol state does not allow."""


class ProtocolError(ISCSIError):
    """The target broke the rules of RFC 7143 (a malformed or unexpected PDU)."""


class DigestError(ProtocolError):
    """A header or data digest (CRC32C) did not match."""


class RejectError(ProtocolError):
    """The target answered a PDU with a Reject; ``reason`` is the RFC 7143 reason code."""

    REASONS = {
        0x02: "data (payload) digest error",
        0x03: "SNACK reject",
        0x04: "protocol error",
        0x05: "command not supported",
        0x06: "immediate command reject",
        0x07: "task in progress",
        0x08: "invalid data ack",
        0x09: "invalid PDU field",
        0x0A: "long operation reject",
        0x0B: "deprecated (negotiation reset)",
        0x0C: "waiting for logout",
    }

    def __init__(self, reason: int, message: str = "") -> None:
        self.reason = reason
        text = self.REASONS.get(reason, f"reason 0x{reason:02x}")
        super().__init__(message or f"target rejected the PDU: {text} (0x{reason:02x})")


class LoginError(ISCSIError):
    """Login failed; ``status_class``/``status_detail`` are the Login Response's codes."""

    def __init__(self, message: str, status_class: int = 0, status_detail: int = 0) -> None:
        super().__init__(message)
        self.status_class = status_class
        self.status_detail = status_detail


class AuthenticationError(LoginError):
    """CHAP failed: wrong or missing credentials, or the target failed mutual authentication."""


class AuthorizationError(LoginError):
    """The initiator is not allowed to reach this target (0x0202)."""


class TargetNotFoundError(LoginError):
    """The target name is unknown to the portal (0x0203)."""


class TargetRemovedError(LoginError):
    """The target is no longer available (0x0204)."""


class TargetMovedError(LoginError):
    """A redirect could not be followed (too many hops, or no TargetAddress)."""


class TargetUnavailableError(LoginError):
    """The target cannot accept the login now: status class 3 (target error)."""


class NegotiationError(LoginError):
    """The login keys could not be agreed, or the target answered nonsense."""


class SCSIStatusError(ISCSIError):
    """A SCSI command ended with a status other than GOOD (or CONDITION MET)."""

    STATUS_NAMES = {
        0x00: "GOOD",
        0x02: "CHECK CONDITION",
        0x04: "CONDITION MET",
        0x08: "BUSY",
        0x18: "RESERVATION CONFLICT",
        0x28: "TASK SET FULL",
        0x30: "ACA ACTIVE",
        0x40: "TASK ABORTED",
    }

    def __init__(self, status: int, message: str = "") -> None:
        self.status = status
        name = self.STATUS_NAMES.get(status, f"status 0x{status:02x}")
        super().__init__(message or name)


class CheckConditionError(SCSIStatusError):
    """CHECK CONDITION; ``sense`` is the decoded sense data.

    ``str()`` reads like ``ILLEGAL REQUEST: LOGICAL BLOCK ADDRESS OUT OF RANGE (0x21/0x00)``.
    """

    def __init__(self, sense: Sense | None) -> None:
        self.sense = sense
        super().__init__(
            0x02, str(sense) if sense is not None else "CHECK CONDITION (no sense data)"
        )


class TaskManagementError(ISCSIError):
    """A task management function was not completed; ``response`` is the RFC 7143 code."""

    RESPONSES = {
        0: "function complete",
        1: "task does not exist",
        2: "LUN does not exist",
        3: "task still allegiant",
        4: "task allegiance reassignment not supported",
        5: "task management function not supported",
        6: "function authorization failed",
        255: "function rejected",
    }

    def __init__(self, function: str, response: int) -> None:
        self.function = function
        self.response = response
        text = self.RESPONSES.get(response, f"response {response}")
        super().__init__(f"{function} failed: {text}")


class CommandCancelledError(ISCSIError):
    """The command was cancelled (session closed, task aborted) before the target answered."""


class InternalError(ISCSIError):
    """A bug in pyiscsi: the session stopped rather than retry it as a network fault."""


class LUNNotFoundError(ISCSIError):
    """The target has no such logical unit (LOGICAL UNIT NOT SUPPORTED at connect)."""


class LoginProtocolError(ProtocolError, LoginError):
    """A Login Response broke RFC 7143's rules (T and C both set, a wrong ISID or stage, ...)."""
