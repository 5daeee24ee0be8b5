"""pyiscsi: a pure-Python iSCSI initiator.

    async with pyiscsi.connect("iscsi://127.0.0.1/iqn.2024-01.org.example:disk/1") as s:
        result = await s.execute(cdb, data_in=4096)

:mod:`pyiscsi.sync` has the same API, blocking.  :mod:`pyiscsi.scsi` builds CDBs and parses
what they return.  Every error is a :class:`pyiscsi.ISCSIError`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pyiscsi._lazy import module_attributes
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
from pyiscsi.url import ISCSIURL, parse_portal_url, parse_url

if TYPE_CHECKING:
    from pyiscsi.aio.session import (
        Command,
        ScsiResult,
        Session,
        connect,
        discover,
        open_discovery,
    )
    from pyiscsi.config import SessionConfig
    from pyiscsi.fileio import AsyncLunFile, LunFile, aopen, open
    from pyiscsi.options import ConnectOptions
    from pyiscsi.protocol.keys import Negotiated, OperationalSettings
    from pyiscsi.protocol.tasks import (
        DiscoveredTarget,
        TargetPortal,
        TaskAttribute,
        TaskManagementFunction,
    )

__version__ = "0.1.0"

# A library does not print: without logging configured, nothing of pyiscsi reaches stderr.
logging.getLogger("pyiscsi").addHandler(logging.NullHandler())

# The names above under TYPE_CHECKING, and their modules: each is imported on first use (PEP
# 562), so ``import pyiscsi`` (or ``import pyiscsi.scsi``) does not load the session, the
# blocking API and the file layer (tests/unit/test_lazy_imports.py checks the table).
_LAZY: dict[str, str] = {
    "Command": "pyiscsi.aio.session",
    "ScsiResult": "pyiscsi.aio.session",
    "Session": "pyiscsi.aio.session",
    "connect": "pyiscsi.aio.session",
    "discover": "pyiscsi.aio.session",
    "open_discovery": "pyiscsi.aio.session",
    "SessionConfig": "pyiscsi.config",
    "AsyncLunFile": "pyiscsi.fileio",
    "LunFile": "pyiscsi.fileio",
    "aopen": "pyiscsi.fileio",
    "open": "pyiscsi.fileio",
    "ConnectOptions": "pyiscsi.options",
    "Negotiated": "pyiscsi.protocol.keys",
    "OperationalSettings": "pyiscsi.protocol.keys",
    "DiscoveredTarget": "pyiscsi.protocol.tasks",
    "TargetPortal": "pyiscsi.protocol.tasks",
    "TaskAttribute": "pyiscsi.protocol.tasks",
    "TaskManagementFunction": "pyiscsi.protocol.tasks",
}

if not TYPE_CHECKING:  # hidden from type checkers, which see the imports above instead
    __getattr__, __dir__ = module_attributes(__name__, globals(), _LAZY)


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
