"""CRC32C, the iSCSI header and data digest (RFC 7143 section 13.1; Castagnoli polynomial).

The ``crc32c`` package computes it in hardware (SSE4.2, ARMv8) and accepts memoryview slices.
It is imported on the first digest computed: its ``__init__`` reads its own package metadata
(``importlib.metadata``), which costs more than a session without digests ever needs.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["crc32c"]


def _load(data: bytes | bytearray | memoryview, value: int) -> int:
    """The first call: import the package, put its function in place, compute."""
    global _crc32c
    from crc32c import crc32c as imported

    _crc32c = imported
    return int(imported(data, value))


_crc32c: Callable[[bytes | bytearray | memoryview, int], int] = _load


def crc32c(data: bytes | bytearray | memoryview, value: int = 0) -> int:
    """CRC32C of ``data``, continuing from ``value`` (the CRC of the bytes before it)."""
    return int(_crc32c(data, value))
