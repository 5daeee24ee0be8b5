"""READ CAPACITY (10) and (16) parameter data and GET LBA STATUS parameter data (SBC-4 5.20,
5.21, 5.8).

Short data parses as far as it goes and sets ``truncated``.  The RETURNED LOGICAL BLOCK ADDRESS
and LOGICAL BLOCK LENGTH, which every target sends, are plain ``int`` (0 when cut off); the
other fields are None when cut off.
"""

from __future__ import annotations

from dataclasses import field
from enum import IntEnum

from pyiscsi._dataclass import dataclass
from pyiscsi.scsi._fields import FieldSpec
from pyiscsi.scsi._fields import be as _be
from pyiscsi.scsi._fields import unpack as _unpack

__all__ = [
    "GetLbaStatusData",
    "LbaStatusDescriptor",
    "ProvisioningStatus",
    "ReadCapacity10Data",
    "ReadCapacity16Data",
    "parse_get_lba_status",
    "parse_read_capacity10",
    "parse_read_capacity16",
]


@dataclass(slots=True)
class ReadCapacity10Data:
    """READ CAPACITY (10) parameter data (SBC-4 5.20.2)."""

    returned_logical_block_address: int = 0
    logical_block_length: int = 0
    truncated: bool = False

    @property
    def total_size(self) -> int:
        """(RETURNED LOGICAL BLOCK ADDRESS + 1) x LOGICAL BLOCK LENGTH, in bytes (0 if cut off)."""
        if self.logical_block_length == 0:
            return 0
        return (self.returned_logical_block_address + 1) * self.logical_block_length


def parse_read_capacity10(data: bytes | bytearray | memoryview) -> ReadCapacity10Data:
    """Parse the 8 bytes of READ CAPACITY (10) parameter data."""
    raw = bytes(data)
    return ReadCapacity10Data(
        returned_logical_block_address=_be(raw, 0, 4) or 0,
        logical_block_length=_be(raw, 4, 4) or 0,
        truncated=len(raw) < 8,
    )


@dataclass(slots=True)
class ReadCapacity16Data:
    """READ CAPACITY (16) parameter data (SBC-4 5.21.2)."""

    returned_logical_block_address: int = 0
    logical_block_length: int = 0
    rc_basis: int | None = None
    p_type: int | None = None
    prot_en: bool | None = None
    p_i_exponent: int | None = None
    logical_blocks_per_physical_block_exponent: int | None = None
    lbpme: bool | None = None
    lbprz: bool | None = None
    lowest_aligned_logical_block_address: int | None = None
    truncated: bool = False

    @property
    def total_size(self) -> int:
        """(RETURNED LOGICAL BLOCK ADDRESS + 1) x LOGICAL BLOCK LENGTH, in bytes (0 if cut off)."""
        if self.logical_block_length == 0:
            return 0
        return (self.returned_logical_block_address + 1) * self.logical_block_length


_RC16_FIELDS: tuple[FieldSpec, ...] = (
    ("returned_logical_block_address", 0, 7, 64),
    ("logical_block_length", 8, 7, 32),
    ("rc_basis", 12, 5, 2),
    ("p_type", 12, 3, 3),
    ("prot_en", 12, 0, 1),
    ("p_i_exponent", 13, 7, 4),
    ("logical_blocks_per_physical_block_exponent", 13, 3, 4),
    ("lbpme", 14, 7, 1),
    ("lbprz", 14, 6, 1),
    ("lowest_aligned_logical_block_address", 14, 5, 14),
)


def parse_read_capacity16(data: bytes | bytearray | memoryview) -> ReadCapacity16Data:
    """Parse READ CAPACITY (16) parameter data (32 bytes; the first 16 carry the fields)."""
    raw = bytes(data)
    fields = _unpack(raw, _RC16_FIELDS)
    for name in ("returned_logical_block_address", "logical_block_length"):
        fields[name] = fields[name] or 0
    return ReadCapacity16Data(**fields, truncated=len(raw) < 16)


class ProvisioningStatus(IntEnum):
    """PROVISIONING STATUS of an LBA status descriptor (SBC-4 table 68)."""

    MAPPED = 0
    DEALLOCATED = 1
    ANCHORED = 2
    MAPPED_OR_UNKNOWN = 3


@dataclass(slots=True)
class LbaStatusDescriptor:
    """One LBA status descriptor (SBC-4 5.8.3)."""

    lba_status_logical_block_address: int
    number_of_logical_blocks: int
    provisioning_status: int
    additional_status: int


@dataclass(slots=True)
class GetLbaStatusData:
    """GET LBA STATUS parameter data: the complete descriptors received."""

    parameter_data_length: int | None = None
    rtp: bool | None = None
    descriptors: list[LbaStatusDescriptor] = field(default_factory=list)
    truncated: bool = False


def parse_get_lba_status(data: bytes | bytearray | memoryview) -> GetLbaStatusData:
    """Parse GET LBA STATUS parameter data (8-byte header, 16-byte descriptors)."""
    raw = bytes(data)
    length = _be(raw, 0, 4)
    total = length + 4 if length is not None else 8
    result = GetLbaStatusData(
        parameter_data_length=length, rtp=_unpack(raw, (("rtp", 4, 0, 1),))["rtp"]
    )
    body = raw[:total]
    pos = 8
    while pos + 16 <= len(body):
        result.descriptors.append(
            LbaStatusDescriptor(
                lba_status_logical_block_address=int.from_bytes(body[pos : pos + 8], "big"),
                number_of_logical_blocks=int.from_bytes(body[pos + 8 : pos + 12], "big"),
                provisioning_status=body[pos + 12] & 0x0F,
                additional_status=body[pos + 13],
            )
        )
        pos += 16
    result.truncated = len(raw) < max(total, 8) or (pos < len(body))
    return result
