"""Sessions with the core's test hooks (``pdu_hook``, ``wire_hook``, ``receive_hook``).

The hooks are options of :func:`pyiscsi.connect`; a pyiscsi without them rejects the option
with a ConfigurationError, and the test that needs them is skipped with that reason.
"""

from __future__ import annotations

from typing import Any

import pytest

import pyiscsi
import pyiscsi.sync
from pyiscsi.conformance.plugin import TargetOptions

__all__ = ["HOOK_OPTIONS", "connect_hooked", "hooks_supported"]

HOOK_OPTIONS = ("pdu_hook", "wire_hook", "receive_hook")


def hooks_supported(*names: str) -> bool:
    """True when this pyiscsi takes the named hook options."""
    try:
        options: dict[str, Any] = {name: _identity for name in names or HOOK_OPTIONS}
        pyiscsi.SessionConfig.build("iscsi://127.0.0.1/iqn.2024-01.org.pyiscsi:probe/1", **options)
    except pyiscsi.ConfigurationError:
        return False
    return True


def _identity(value: Any) -> Any:
    return value


def connect_hooked(target: TargetOptions, **options: Any) -> pyiscsi.sync.Session:
    """Log in with hook options; skip the test when this pyiscsi has no such hooks."""
    wanted = [name for name in options if name in HOOK_OPTIONS]
    if not hooks_supported(*wanted):
        pytest.skip(f"needs pyiscsi's {', '.join(wanted)} (not in this pyiscsi)")
    return target.connect(**options)
