"""Reading and writing bit fields of SCSI data-in and parameter data, shared by the parsers.

A field is ``(name, byte, msb, width)``: its most significant bit is bit ``msb`` of byte
``byte`` and it is ``width`` bits wide, running on into the following bytes (big-endian).
A field one bit wide is a bool.  Readers return None for what the data does not hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["FieldSpec", "be", "get", "pack_into", "text", "unpack", "values"]

FieldSpec = tuple[str, int, int, int]


def get(data: bytes, byte: int, msb: int, width: int) -> int | None:
    """The field's value, or None when ``data`` does not hold all of it."""
    start = byte * 8 + (7 - msb)
    end = start + width
    last = (end - 1) // 8
    if byte < 0 or last >= len(data):
        return None
    raw = int.from_bytes(data[byte : last + 1], "big")
    return (raw >> ((last + 1) * 8 - end)) & ((1 << width) - 1)


def unpack(data: bytes, specs: Sequence[FieldSpec], base: int = 0) -> dict[str, Any]:
    """Read ``specs`` from ``data`` at offset ``base``: name -> int, bool or None."""
    out: dict[str, Any] = {}
    for name, byte, msb, width in specs:
        value = get(data, base + byte, msb, width)
        out[name] = bool(value) if width == 1 and value is not None else value
    return out


def pack_into(
    buf: bytearray, specs: Sequence[FieldSpec], values: dict[str, Any], base: int = 0
) -> None:
    """Write each non-None value of ``values`` into ``buf`` (which must be long enough)."""
    for name, byte, msb, width in specs:
        value = values.get(name)
        if value is None:
            continue
        value = int(value)
        if not 0 <= value < (1 << width):
            raise ValueError(f"{name}: {value} does not fit in {width} bits")
        start = (base + byte) * 8 + (7 - msb)
        end = start + width
        first, last = start // 8, (end - 1) // 8
        shift = (last + 1) * 8 - end
        mask = ((1 << width) - 1) << shift
        raw = int.from_bytes(buf[first : last + 1], "big")
        raw = (raw & ~mask) | (value << shift)
        buf[first : last + 1] = raw.to_bytes(last + 1 - first, "big")


def text(data: bytes, start: int, length: int) -> str | None:
    """ASCII text of ``data[start:start+length]`` as sent (padding kept), None if cut."""
    if start + length > len(data):
        return None
    return data[start : start + length].decode("ascii", errors="replace")


def be(data: bytes, start: int, length: int) -> int | None:
    """A big-endian unsigned integer, or None if ``data`` does not hold all of it."""
    if start + length > len(data):
        return None
    return int.from_bytes(data[start : start + length], "big")


def values(obj: Any, specs: Sequence[FieldSpec]) -> dict[str, Any]:
    """The attributes named by ``specs`` of ``obj``."""
    return {spec[0]: getattr(obj, spec[0]) for spec in specs}
