"""CRC32C, the iSCSI header and data digest (RFC 7143 section 13.1; Castagnoli polynomial).

The ``crc32c`` package computes it in hardware (SSE4.2, ARMv8) and accepts memoryview slices.
"""

from __future__ import annotations

from crc32c import crc32c as _crc32c

__all__ = ["crc32c"]


def crc32c(data: bytes | bytearray | memoryview, value: int = 0) -> int:
    """CRC32C of ``data``, continuing from ``value`` (the CRC of the bytes before it)."""
    return int(_crc32c(data, value))
