"""Tasks: each request the initiator makes and the state kept until the target answers it.

A task is named by its Initiator Task Tag (ITT), unique among the tasks in flight on the
session.  When the target's answer completes a task, the session emits
:class:`~pyiscsi.protocol.events.TaskDone`; ``task.error`` is then set if it failed.
Tasks carry no futures: the I/O layer keeps its waiters itself, keyed by the task.

The SCSI data path lives in :class:`ScsiTask`:

- *Data-Out* (a write): up to FirstBurstLength may go unsolicited, first as immediate data in
  the SCSI Command PDU (ImmediateData=Yes), then as Data-Out PDUs with TTT 0xffffffff
  (InitialR2T=No).  The rest is sent when the target asks with an R2T (Ready To Transfer) for
  ``desired_length`` bytes at ``buffer_offset``: Data-Out PDUs of at most the target's
  MaxRecvDataSegmentLength, numbered by DataSN from 0 within that R2T, the last with F set.
- *Data-In* (a read): the target sends Data-In PDUs numbered by DataSN from 0; each lands at its
  buffer offset straight in the caller's buffer.  The last may carry the status (S bit).
"""

from __future__ import annotations

from dataclasses import field
from enum import IntEnum
from typing import TYPE_CHECKING

from pyiscsi._dataclass import dataclass

if TYPE_CHECKING:
    from pyiscsi.errors import ISCSIError
    from pyiscsi.protocol.keys import Negotiated

__all__ = [
    "DiscoveredTarget",
    "LoginTask",
    "LogoutTask",
    "NopTask",
    "ScsiTask",
    "TargetPortal",
    "Task",
    "TaskAttribute",
    "TaskManagementFunction",
    "TaskManagementTask",
    "TextTask",
]


class TaskAttribute(IntEnum):
    """SAM task attributes carried in the SCSI Command PDU."""

    UNTAGGED = 0
    SIMPLE = 1
    ORDERED = 2
    HEAD_OF_QUEUE = 3
    ACA = 4


class TaskManagementFunction(IntEnum):
    """Task management function codes (RFC 7143 section 11.5.1)."""

    ABORT_TASK = 1
    ABORT_TASK_SET = 2
    CLEAR_ACA = 3
    CLEAR_TASK_SET = 4
    LOGICAL_UNIT_RESET = 5
    TARGET_WARM_RESET = 6
    TARGET_COLD_RESET = 7
    TASK_REASSIGN = 8


@dataclass(slots=True, eq=False)
class Task:
    """Common state of every request in flight."""

    itt: int = 0
    cmdsn: int = 0
    immediate: bool = False
    sent: bool = False  # non-immediate tasks: taken a CmdSN and gone out
    done: bool = False
    error: ISCSIError | None = None
    internal: bool = False  # the session's own (login, unit attention TURs): no TaskDone event
    deadline: float | None = None  # when the session gives up on it (time as passed in)


@dataclass(slots=True, eq=False)
class ScsiTask(Task):
    """A SCSI command: CDB, data buffers and, once done, status, sense and residual."""

    cdb: bytes = b""
    lun: int = 0  # the 8-byte SAM LUN field, as an integer
    data_out: memoryview | None = None
    data_in: memoryview | None = None
    attribute: TaskAttribute = TaskAttribute.SIMPLE
    # results
    status: int = -1
    response: int = 0
    sense: bytes = b""
    residual: int = 0
    overflow: bool = False
    underflow: bool = False
    received: int = 0  # Data-In payload bytes landed
    # data path state
    expected_datasn: int = 0
    expected_r2tsn: int = 0  # R2Ts of a write come numbered 0, 1, ... (ErrorRecoveryLevel 0)
    requested: int = 0  # bytes the target asked for by R2T; each byte once at most
    cancelled: bool = False
    timeout: float | None = None  # seconds from submission until the command is aborted

    def reset(self) -> None:
        """Forget what the target answered, so the command can be sent again on a new connection."""
        self.itt = self.cmdsn = 0
        self.sent = self.done = self.cancelled = False
        self.error = None
        self.status = -1
        self.response = 0
        self.sense = b""
        self.residual = 0
        self.overflow = self.underflow = False
        self.received = 0
        self.expected_datasn = 0
        self.expected_r2tsn = 0
        self.requested = 0

    @property
    def expected_length(self) -> int:
        """Expected Data Transfer Length of the command."""
        if self.data_out is not None:
            return len(self.data_out)
        return len(self.data_in) if self.data_in is not None else 0


@dataclass(slots=True, eq=False)
class NopTask(Task):
    """A NOP-Out ping; done when the target's NOP-In echoes it."""

    data: bytes = b""
    sent_at: float = 0.0
    reply: bytes = b""
    keepalive: bool = False


@dataclass(slots=True, eq=False)
class TaskManagementTask(Task):
    """A task management function request; ``response`` 0 means function complete."""

    function: TaskManagementFunction = TaskManagementFunction.ABORT_TASK
    lun: int = 0
    referenced: ScsiTask | None = None
    response: int = -1
    escalation: bool = False  # sent by the session for a command that timed out


@dataclass(slots=True)
class TargetPortal:
    """One TargetAddress of a discovered target: host, TCP port and portal group tag."""

    host: str
    port: int
    tpgt: int | None = None

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        tag = f",{self.tpgt}" if self.tpgt is not None else ""
        return f"{host}:{self.port}{tag}"


@dataclass(slots=True)
class DiscoveredTarget:
    """A target named in a SendTargets answer and the portals it is reached through."""

    name: str
    portals: list[TargetPortal] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class TextTask(Task):
    """A Text Request exchange, possibly spread over several PDUs each way."""

    keys: list[tuple[str, str]] = field(default_factory=list)
    ttt: int = 0xFFFFFFFF
    rounds: int = 0  # Text Responses received
    received: bytearray = field(default_factory=bytearray)
    reply: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class LogoutTask(Task):
    """A Logout Request; done when the Logout Response arrives."""

    reason: int = 0
    response: int = -1
    time2wait: int = 0
    time2retain: int = 0


@dataclass(slots=True, eq=False)
class LoginTask(Task):
    """The login; done in full feature phase with ``negotiated`` set."""

    negotiated: Negotiated | None = None
