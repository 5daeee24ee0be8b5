"""The asyncio API of pyiscsi."""

from pyiscsi.aio.session import Command, ScsiResult, Session, connect, discover, open_discovery

__all__ = ["Command", "ScsiResult", "Session", "connect", "discover", "open_discovery"]
