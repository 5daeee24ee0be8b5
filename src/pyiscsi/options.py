"""The keyword options of :func:`pyiscsi.connect`, :func:`pyiscsi.discover` and friends, typed.

``ConnectOptions`` is a ``TypedDict`` used as ``**options: Unpack[ConnectOptions]``: a
misspelled option is a type error, and an editor completes the names.  Every key is optional;
a key given wins over the URL.  :meth:`pyiscsi.SessionConfig.build` checks the values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

from pyiscsi.protocol.chap import ChapAlgorithm
from pyiscsi.protocol.connection import PduHook, ReceiveHook, WireHook

__all__ = ["ConnectOptions", "PduHook", "ReceiveHook", "WireHook"]

class ConnectOptions(TypedDict, total=False):
    """Keyword options of ``connect()``, ``open_discovery()``, ``discover()`` and ``open()``."""

    # where and what
    host: str
    port: int
    target: str
    lun: int
    env: Mapping[str, str]
    # who
    initiator_name: str
    initiator_alias: str | None
    user: str | None
    password: str | None
    target_user: str | None
    target_password: str | None
    auth: str | tuple[ChapAlgorithm, ...]
    require_auth: bool
    require_mutual_chap: bool
    # negotiated keys (RFC 7143 section 13)
    header_digest: str | tuple[str, ...]
    data_digest: str | tuple[str, ...]
    max_recv_data_segment_length: int
    max_burst_length: int
    first_burst_length: int
    immediate_data: bool
    initial_r2t: bool
    max_outstanding_r2t: int
    default_time2wait: int
    default_time2retain: int
    max_connections: int
    data_pdu_in_order: bool
    data_sequence_in_order: bool
    error_recovery_level: int
    # timing and recovery
    login_timeout: float
    command_timeout: float | None
    abort_timeout: float
    nop_interval: float | None
    nop_timeout: float
    reconnect: bool
    reconnect_timeout: float | None
    max_reconnects: int | None
    check_lun: bool
    # test hooks, and a fixed ISID (6 bytes or 12 hex digits) to test reinstatement
    isid: bytes | str | None
    pdu_hook: PduHook | None
    wire_hook: WireHook | None
    receive_hook: ReceiveHook | None
