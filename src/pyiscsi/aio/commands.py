"""Typed SCSI helpers on a session: build the CDB, run it, parse the answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyiscsi.aio.session import ScsiResult

__all__ = ["ScsiCommands"]


class ScsiCommands:
    """Mixed into :class:`pyiscsi.aio.Session`; every helper runs through ``execute``."""

    async def execute(self, cdb: bytes, **kwargs: object) -> ScsiResult:  # pragma: no cover
        raise NotImplementedError
