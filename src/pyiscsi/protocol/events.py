"""What the session core tells its I/O layer, and the policy it is run with.

Events (:meth:`pyiscsi.protocol.session.Session.events`): a task is done, the target sent an
Asynchronous Message, and orders: open a TCP connection to a portal, close the current one.
"""

from __future__ import annotations

from enum import Enum

from pyiscsi import errors
from pyiscsi._dataclass import dataclass
from pyiscsi.protocol import pdu as P
from pyiscsi.protocol.tasks import Task

__all__ = [
    "AsyncEvent",
    "ConnectionFailed",
    "Event",
    "OpenConnection",
    "Reconnected",
    "RecoveryPolicy",
    "State",
    "TaskDone",
]


class State(Enum):
    """Where the session is in its life."""

    FREE = "free"
    CONNECTING = "connecting"  # waiting for the I/O layer's TCP connection
    LOGIN = "login"  # logging in, then clearing unit attentions
    FULL_FEATURE = "full feature"
    RECOVERY = "recovery"  # connection lost: waiting to log in again
    CLOSED = "closed"
    ERROR = "error"  # a bug of ours: nothing more is done


@dataclass(slots=True)
class TaskDone:
    """A task finished: ``task.error`` is None on success."""

    task: Task


@dataclass(slots=True)
class AsyncEvent:
    """The target sent an Asynchronous Message (``message.event`` says which kind)."""

    message: P.AsyncMessage


@dataclass(slots=True)
class OpenConnection:
    """The I/O layer is to open a TCP connection to this portal, then call connection_made."""

    host: str
    port: int


@dataclass(slots=True)
class ConnectionFailed:
    """The I/O layer is to close the current TCP connection (it is unusable)."""

    error: errors.ISCSIError


@dataclass(slots=True)
class Reconnected:
    """The session is logged in again after a lost connection."""

    attempts: int


Event = TaskDone | AsyncEvent | OpenConnection | ConnectionFailed | Reconnected


@dataclass(slots=True)
class RecoveryPolicy:
    """What the session does about time and failure."""

    recover: bool = False  # log in again after a lost connection and re-send commands
    reconnect_timeout: float | None = 60.0  # seconds of trying, None for ever
    max_reconnects: int | None = None  # attempts per loss, None: unlimited
    login_timeout: float | None = 30.0  # each login, TCP connect and unit attentions included
    abort_timeout: float = 5.0  # each step of a timed-out command's escalation
    nop_interval: float | None = None  # idle seconds before a keepalive NOP-Out
    nop_timeout: float = 10.0
    unit_attention_lun: int | None = None  # the LUN field to TEST UNIT READY after login
    check_lun: bool = False  # fail the open when that LUN does not exist
