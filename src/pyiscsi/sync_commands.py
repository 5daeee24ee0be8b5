"""The typed SCSI helpers of :class:`pyiscsi.sync.Session`: each runs its asyncio twin."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from pyiscsi.aio.session import Session as AioSession

__all__ = ["SyncScsiCommands"]

T = TypeVar("T")


class SyncScsiCommands:
    """Blocking versions of :class:`pyiscsi.aio.commands.ScsiCommands`."""

    _session: AioSession

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:  # pragma: no cover - overridden
        raise NotImplementedError
