"""The 8-byte LUN field (SAM-5 4.7) and REPORT LUNS parameter data (SPC-5 6.33).

Address methods (bits 7-6 of the first byte of each 2-byte level):

* 00b peripheral device: BUS IDENTIFIER (6 bits), TARGET OR LUN (8 bits);
* 01b flat space: a 14-bit LUN;
* 10b logical unit: TARGET (6 bits), BUS NUMBER (3 bits), LUN (5 bits);
* 11b extended: LENGTH (bits 5-4: 2, 4, 6 or 8 bytes) and EXTENDED ADDRESS METHOD (bits 3-0):
  well known LUN (length 00b, method 1h), extended flat space (01b/2h, 24-bit),
  long extended flat space (10b/2h, 40-bit), logical unit not specified (FFh...).
"""

from __future__ import annotations

from dataclasses import field
from enum import IntEnum

from pyiscsi._dataclass import dataclass

__all__ = [
    "AddressMethod",
    "Lun",
    "LunLevel",
    "ReportLunsData",
    "decode_lun",
    "encode_extended_flat_space_lun",
    "encode_logical_unit_address",
    "encode_lun",
    "encode_peripheral_device_address",
    "encode_well_known_lun",
    "parse_lun",
    "parse_report_luns",
]


class AddressMethod(IntEnum):
    """ADDRESS METHOD (SAM-5 table 11)."""

    PERIPHERAL_DEVICE = 0
    FLAT_SPACE = 1
    LOGICAL_UNIT = 2
    EXTENDED_LOGICAL_UNIT = 3


_EXTENDED_LENGTHS = (2, 4, 6, 8)


def encode_lun(n: int) -> bytes:
    """The 8-byte LUN field for LUN ``n``: peripheral device addressing for 0-255, flat space
    addressing for 256-16383.
    """
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"lun: {n!r} is not a LUN number (0-16383)")
    if n <= 0xFF:
        return bytes((0, n)) + bytes(6)
    if n <= 0x3FFF:
        return (0x4000 | n).to_bytes(2, "big") + bytes(6)
    raise ValueError(f"lun: {n} needs more than flat space addressing (0-16383)")


def encode_peripheral_device_address(bus_identifier: int, target_or_lun: int) -> bytes:
    """The LUN field of a single-level peripheral device address."""
    if not 0 <= bus_identifier <= 0x3F:
        raise ValueError(f"bus_identifier: {bus_identifier} is not 0-63")
    if not 0 <= target_or_lun <= 0xFF:
        raise ValueError(f"target_or_lun: {target_or_lun} is not 0-255")
    return bytes((bus_identifier, target_or_lun)) + bytes(6)


def encode_logical_unit_address(target: int, bus_number: int, lun: int) -> bytes:
    """The LUN field of a logical unit address (method 10b)."""
    if not 0 <= target <= 0x3F:
        raise ValueError(f"target: {target} is not 0-63")
    if not 0 <= bus_number <= 7:
        raise ValueError(f"bus_number: {bus_number} is not 0-7")
    if not 0 <= lun <= 0x1F:
        raise ValueError(f"lun: {lun} is not 0-31")
    return bytes((0x80 | target, (bus_number << 5) | lun)) + bytes(6)


def encode_extended_flat_space_lun(n: int) -> bytes:
    """The LUN field of an extended flat space (24-bit) or, above that, long extended flat
    space (40-bit) LUN.
    """
    if 0 <= n <= 0xFFFFFF:
        return bytes((0xD2,)) + n.to_bytes(3, "big") + bytes(4)
    if 0 <= n <= 0xFF_FFFF_FFFF:
        return bytes((0xE2,)) + n.to_bytes(5, "big") + bytes(2)
    raise ValueError(f"lun: {n} is not 0 to 2**40-1")


def encode_well_known_lun(w_lun: int) -> bytes:
    """The LUN field of a well known logical unit (e.g. 01h REPORT LUNS)."""
    if not 0 <= w_lun <= 0xFF:
        raise ValueError(f"w_lun: {w_lun} is not 0-255")
    return bytes((0xC1, w_lun)) + bytes(6)


@dataclass(slots=True)
class LunLevel:
    """One addressing level of a LUN field; fields that do not apply to its method are None."""

    address_method: int
    raw: bytes
    bus_identifier: int | None = None
    target_or_lun: int | None = None
    flat_space_lun: int | None = None
    target: int | None = None
    bus_number: int | None = None
    lun: int | None = None
    length: int | None = None
    extended_address_method: int | None = None
    well_known_logical_unit: int | None = None
    extended_flat_space_lun: int | None = None


@dataclass(slots=True)
class Lun:
    """A decoded 8-byte LUN field.

    ``number`` is the LUN as a single number when the field is a single level of peripheral
    device (bus 0), flat space or (long) extended flat space addressing, else None.
    """

    raw: bytes
    levels: list[LunLevel] = field(default_factory=list)
    number: int | None = None
    well_known: bool = False
    not_specified: bool = False


def _level(raw: bytes, pos: int) -> LunLevel:
    """Decode the level starting at ``raw[pos]`` (``raw`` is a full 8-byte field)."""
    b0 = raw[pos]
    method = b0 >> 6
    if method == AddressMethod.EXTENDED_LOGICAL_UNIT:
        size = _EXTENDED_LENGTHS[(b0 >> 4) & 3]
        body = raw[pos : pos + size]
        lvl = LunLevel(method, body, length=(b0 >> 4) & 3, extended_address_method=b0 & 0x0F)
        if lvl.length == 0 and lvl.extended_address_method == 1 and len(body) == 2:
            lvl.well_known_logical_unit = body[1]
        elif lvl.extended_address_method == 2 and lvl.length in (1, 2):
            lvl.extended_flat_space_lun = int.from_bytes(body[1:], "big")
        return lvl
    body = raw[pos : pos + 2]
    b1 = body[1] if len(body) > 1 else 0
    if method == AddressMethod.PERIPHERAL_DEVICE:
        return LunLevel(method, body, bus_identifier=b0 & 0x3F, target_or_lun=b1)
    if method == AddressMethod.FLAT_SPACE:
        return LunLevel(method, body, flat_space_lun=((b0 & 0x3F) << 8) | b1)
    return LunLevel(method, body, target=b0 & 0x3F, bus_number=b1 >> 5, lun=b1 & 0x1F)


def parse_lun(b: bytes | bytearray | memoryview) -> Lun:
    """Decode an 8-byte LUN field into its levels (never raises on 8 bytes).

    Levels end at the first level of zeros that follows a level, or at byte 8.
    """
    raw = bytes(b)
    if len(raw) != 8:
        raise ValueError(f"LUN field: {len(raw)} bytes, expected 8")
    lun = Lun(raw)
    if raw == b"\xff" * 8:
        lun.not_specified = True
        return lun
    pos = 0
    while pos < 8:
        lvl = _level(raw, pos)
        lun.levels.append(lvl)
        pos += max(len(lvl.raw), 2)
        # An all-zero remainder means no further levels.
        if not any(raw[pos:]):
            break
    first = lun.levels[0]
    if len(lun.levels) == 1:
        if first.address_method == AddressMethod.PERIPHERAL_DEVICE and first.bus_identifier == 0:
            lun.number = first.target_or_lun
        elif first.address_method == AddressMethod.FLAT_SPACE:
            lun.number = first.flat_space_lun
        elif first.extended_flat_space_lun is not None:
            lun.number = first.extended_flat_space_lun
        lun.well_known = first.well_known_logical_unit is not None
    return lun


def decode_lun(b: bytes | bytearray | memoryview) -> int:
    """The LUN number of an 8-byte LUN field (inverse of :func:`encode_lun`).

    Raises ValueError for fields that are not a single-level peripheral (bus 0), flat space or
    extended flat space address.
    """
    lun = parse_lun(b)
    if lun.number is None:
        raise ValueError(f"LUN field {bytes(b).hex()} is not a single-level LUN number")
    return lun.number


@dataclass(slots=True)
class ReportLunsData:
    """REPORT LUNS parameter data: the complete LUN fields received, in order."""

    lun_list_length: int | None = None
    luns: list[Lun] = field(default_factory=list)
    truncated: bool = False

    @property
    def numbers(self) -> list[int | None]:
        """The LUN numbers (None for fields that are not a single number)."""
        return [lun.number for lun in self.luns]


def parse_report_luns(data: bytes | bytearray | memoryview) -> ReportLunsData:
    """Parse REPORT LUNS parameter data (8-byte header, then 8-byte LUN fields)."""
    raw = bytes(data)
    length = int.from_bytes(raw[0:4], "big") if len(raw) >= 4 else None
    result = ReportLunsData(lun_list_length=length)
    end = min(len(raw), 8 + (length or 0))
    pos = 8
    while pos + 8 <= end:
        result.luns.append(parse_lun(raw[pos : pos + 8]))
        pos += 8
    result.truncated = length is None or len(raw) < 8 + length
    return result
