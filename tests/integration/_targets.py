"""Helpers for the initiator-core integration tests: CDBs built by hand, data patterns, targets.

The CDBs follow SBC-4 / SPC-6 field layouts (big-endian):

- READ(16) 0x88 / WRITE(16) 0x8A: opcode, flags, LBA (8 bytes), transfer length (4), group, control.
- READ CAPACITY(16): SERVICE ACTION IN(16) 0x9E, service action 0x10, allocation length at 10..13.
- INQUIRY 0x12: allocation length at 3..4.  REPORT LUNS 0xA0: allocation length at 6..9.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import itertools
import struct
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from tgt import Tgtd

__all__ = [
    "BLOCK",
    "INITIATOR",
    "MiB",
    "TargetFactory",
    "decode_lun_list",
    "inquiry",
    "pattern",
    "read16",
    "read_capacity16",
    "report_luns",
    "run_async",
    "test_unit_ready",
    "write16",
]

MiB = 1 << 20
BLOCK = 512
INITIATOR = "iqn.2024-01.org.pyiscsi:integration"


def run_async(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test body with asyncio.run (no pytest plugin needed)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(fn(*args, **kwargs))

    return wrapper


def read16(lba: int, blocks: int) -> bytes:
    """READ(16) of ``blocks`` blocks at ``lba``."""
    return struct.pack(">BBQIBB", 0x88, 0, lba, blocks, 0, 0)


def write16(lba: int, blocks: int) -> bytes:
    """WRITE(16) of ``blocks`` blocks at ``lba``."""
    return struct.pack(">BBQIBB", 0x8A, 0, lba, blocks, 0, 0)


def read_capacity16(alloc: int = 32) -> bytes:
    """READ CAPACITY(16) (SERVICE ACTION IN(16), service action 0x10)."""
    return struct.pack(">BBQIBB", 0x9E, 0x10, 0, alloc, 0, 0)


def inquiry(alloc: int = 96) -> bytes:
    """Standard INQUIRY."""
    return struct.pack(">BBBHB", 0x12, 0, 0, alloc, 0)


def report_luns(alloc: int = 4096) -> bytes:
    """REPORT LUNS, select report 0."""
    return struct.pack(">BBHBBIBB", 0xA0, 0, 0, 0, 0, alloc, 0, 0)


def test_unit_ready() -> bytes:
    """TEST UNIT READY."""
    return bytes(6)


test_unit_ready.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def pattern(seed: str, length: int) -> bytes:
    """``length`` bytes, different for every seed and at every offset (SHA-256 counter mode)."""
    out = bytearray()
    for counter in itertools.count():
        if len(out) >= length:
            break
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest() * 64
    return bytes(out[:length])


def decode_lun_list(data: bytes) -> list[int]:
    """The LUNs of a REPORT LUNS answer, flat (01b) and peripheral (00b) addressing decoded."""
    length = struct.unpack_from(">I", data, 0)[0]
    luns = []
    for offset in range(8, 8 + length, 8):
        first = struct.unpack_from(">H", data, offset)[0]
        method = first >> 14
        assert method in (0, 1), (
            f"unexpected address method {method} in {data[offset : offset + 8]!r}"
        )
        luns.append(first & 0x3FFF if method == 1 else first & 0xFF)
    return luns


class TargetFactory:
    """Targets with their own parameters on one tgtd (tid counts up from 1)."""

    def __init__(self, daemon: Tgtd) -> None:
        self.daemon = daemon
        self._tids = itertools.count(1)

    def new(
        self, name: str, size: int = 16 * MiB, params: dict[str, str | int | bool] | None = None
    ) -> tuple[int, str]:
        """A target with LUN 1 of ``size`` bytes and ``params`` set; returns (tid, url)."""
        tid = next(self._tids)
        iqn = f"iqn.2024-01.org.pyiscsi:{name}-{tid}"
        self.daemon.add_target(tid, iqn, {1: size})
        for key, value in (params or {}).items():
            self.daemon.set_target_param(tid, key, value)
        return tid, self.daemon.url(iqn, 1)


def own_daemon() -> Iterator[Tgtd]:
    """A started tgtd with no targets, for a module fixture (stopped afterwards)."""
    with Tgtd() as daemon:
        yield daemon
