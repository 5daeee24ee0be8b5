"""pyiscsi: a pure-Python iSCSI initiator.

    async with pyiscsi.connect("iscsi://127.0.0.1/iqn.2024-01.org.example:disk/1") as s:
        result = await s.execute(cdb, data_in=4096)

:mod:`pyiscsi.sync` has the same API, blocking.  :mod:`pyiscsi.scsi` builds CDBs and parses
what they return.  Every error is a :class:`pyiscsi.ISCSIError`.
"""

from pyiscsi.aio.session import Command, ScsiResult, Session, connect, discover, open_discovery
from pyiscsi.config import SessionConfig
from pyiscsi.errors import (
    AuthenticationError,
    CheckConditionError,
    CommandCancelledError,
    ConfigurationError,
    InternalError,
    ISCSIConnectionError,
    ISCSIError,
    ISCSITimeoutError,
    LoginError,
    LUNNotFoundError,
    ProtocolError,
    SCSIStatusError,
    TargetNotFoundError,
    TaskManagementError,
    URLError,
)
from pyiscsi.protocol.keys import Negotiated, OperationalSettings
from pyiscsi.protocol.tasks import (
    DiscoveredTarget,
    TargetPortal,
    TaskAttribute,
    TaskManagementFunction,
)
from pyiscsi.url import ISCSIURL, parse_portal_url, parse_url

__version__ = "0.1.0"

__all__ = [
    "ISCSIURL",
    "AuthenticationError",
    "CheckConditionError",
    "Command",
    "CommandCancelledError",
    "ConfigurationError",
    "DiscoveredTarget",
    "ISCSIConnectionError",
    "ISCSIError",
    "ISCSITimeoutError",
    "InternalError",
    "LUNNotFoundError",
    "LoginError",
    "Negotiated",
    "OperationalSettings",
    "ProtocolError",
    "SCSIStatusError",
    "ScsiResult",
    "Session",
    "SessionConfig",
    "TargetNotFoundError",
    "TargetPortal",
    "TaskAttribute",
    "TaskManagementError",
    "TaskManagementFunction",
    "URLError",
    "__version__",
    "connect",
    "discover",
    "open_discovery",
    "parse_portal_url",
    "parse_url",
]
