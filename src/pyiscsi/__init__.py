"""pyiscsi: a pure-Python iSCSI initiator.

    async with pyiscsi.connect("iscsi://127.0.0.1/iqn.2024-01.org.example:disk/1") as s:
        result = await s.execute(cdb, data_in=4096)

:mod:`pyiscsi.sync` has the same API, blocking.  :mod:`pyiscsi.scsi` builds CDBs and parses
what they return.  Every error is a :class:`pyiscsi.ISCSIError`.
"""

import logging

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
    UnsupportedOperation,
    URLError,
)
from pyiscsi.fileio import AsyncLunFile, LunFile, aopen, open
from pyiscsi.options import ConnectOptions
from pyiscsi.protocol.keys import Negotiated, OperationalSettings
from pyiscsi.protocol.tasks import (
    DiscoveredTarget,
    TargetPortal,
    TaskAttribute,
    TaskManagementFunction,
)
from pyiscsi.url import ISCSIURL, parse_portal_url, parse_url

__version__ = "0.1.0"

# A library does not print: without logging configured, nothing of pyiscsi reaches stderr.
logging.getLogger("pyiscsi").addHandler(logging.NullHandler())

__all__ = [
    "ISCSIURL",
    "AsyncLunFile",
    "AuthenticationError",
    "CheckConditionError",
    "Command",
    "CommandCancelledError",
    "ConfigurationError",
    "ConnectOptions",
    "DiscoveredTarget",
    "ISCSIConnectionError",
    "ISCSIError",
    "ISCSITimeoutError",
    "InternalError",
    "LUNNotFoundError",
    "LoginError",
    "LunFile",
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
    "UnsupportedOperation",
    "__version__",
    "aopen",
    "connect",
    "discover",
    "open",
    "open_discovery",
    "parse_portal_url",
    "parse_url",
]
