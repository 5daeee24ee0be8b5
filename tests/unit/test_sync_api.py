"""The blocking API mirrors the asyncio one: same helpers, same parameters."""

from __future__ import annotations

import inspect

import pytest

from pyiscsi import SessionConfig, sync
from pyiscsi.aio.commands import ScsiCommands
from pyiscsi.aio.session import Session as AioSession

HELPERS = sorted(
    name
    for name, fn in inspect.getmembers(ScsiCommands, inspect.iscoroutinefunction)
    if not name.startswith("_")
)
SESSION_CALLS = [
    "execute",
    "submit",
    "abort_task",
    "task_management",
    "abort_task_set",
    "clear_aca",
    "clear_task_set",
    "lun_reset",
    "target_warm_reset",
    "target_cold_reset",
    "ping",
    "text",
    "send_targets",
]


def test_there_are_helpers() -> None:
    assert {"read", "write", "inquiry", "read_capacity16", "report_luns"} <= set(HELPERS)


@pytest.mark.parametrize("name", HELPERS + SESSION_CALLS)
def test_sync_method_has_the_async_parameters(name: str) -> None:
    async_sig = inspect.signature(getattr(AioSession, name))
    sync_fn = getattr(sync.Session, name)
    assert not inspect.iscoroutinefunction(sync_fn)
    sync_sig = inspect.signature(sync_fn)
    assert list(sync_sig.parameters) == list(async_sig.parameters)
    for pname, param in async_sig.parameters.items():
        assert sync_sig.parameters[pname].default == param.default
        assert sync_sig.parameters[pname].kind == param.kind


def test_sync_session_has_every_public_name_of_the_async_one() -> None:
    config = SessionConfig.build("iscsi://127.0.0.1/iqn.2024-01.org.example:disk/1")
    aio_session = AioSession(config)
    sync_session = sync.Session(aio_session)
    async_names = {n for n in dir(aio_session) if not n.startswith("_")}
    sync_names = {n for n in dir(sync_session) if not n.startswith("_")}
    assert {"submit", "abort_task", "reconnects", "tsih", "read", "write"} <= async_names
    assert async_names - sync_names == set()
    assert sync_names - async_names == {"aio"}
    for name in sorted(async_names):  # a coroutine there is a blocking method here
        if inspect.iscoroutinefunction(getattr(AioSession, name, None)):
            method = getattr(sync.Session, name)
            assert callable(method) and not inspect.iscoroutinefunction(method), name
