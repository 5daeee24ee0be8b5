"""Parameter lists sent with data-out: UNMAP (SBC-4 5.31.2) and EXTENDED COPY (LID1)
(SPC-4 6.4) with identification CSCD descriptors (E4h) and block device to block device
segment descriptors (02h).

Builders check every field and raise ValueError naming the one that does not fit; the parsers
are their inverses (for round trips and for targets written in Python).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import field

from pyiscsi._dataclass import dataclass
from pyiscsi.scsi._fields import be as _be
from pyiscsi.scsi.inquiry import CodeSet, DesignatorType

__all__ = [
    "BlockToBlockSegment",
    "ExtendedCopyParameters",
    "IdentificationCscd",
    "UnmapBlockDescriptor",
    "build_extended_copy_parameter_list",
    "build_unmap_parameter_list",
    "parse_extended_copy_parameter_list",
    "parse_unmap_parameter_list",
]

#: Descriptor type codes.
IDENTIFICATION_DESCRIPTOR = 0xE4
BLOCK_TO_BLOCK = 0x02


def _fit(value: int, bits: int, name: str) -> int:
    if not isinstance(value, int) or not 0 <= value < 1 << bits:
        raise ValueError(f"{name}: {value!r} does not fit in {bits} bits")
    return value


# --------------------------------------------------------------------------------- UNMAP


@dataclass(slots=True)
class UnmapBlockDescriptor:
    """An UNMAP block descriptor: UNMAP LOGICAL BLOCK ADDRESS and NUMBER OF LOGICAL BLOCKS."""

    unmap_logical_block_address: int
    number_of_logical_blocks: int


def build_unmap_parameter_list(
    descriptors: Iterable[UnmapBlockDescriptor | tuple[int, int]],
) -> bytes:
    """The UNMAP parameter list: an 8-byte header and 16-byte block descriptors."""
    body = bytearray()
    for d in descriptors:
        lba, count = (
            (d.unmap_logical_block_address, d.number_of_logical_blocks)
            if isinstance(d, UnmapBlockDescriptor)
            else d
        )
        body += _fit(lba, 64, "unmap_logical_block_address").to_bytes(8, "big")
        body += _fit(count, 32, "number_of_logical_blocks").to_bytes(4, "big") + bytes(4)
    if len(body) + 6 > 0xFFFF:
        raise ValueError(f"descriptors: {len(body) // 16} do not fit one UNMAP parameter list")
    return (len(body) + 6).to_bytes(2, "big") + len(body).to_bytes(2, "big") + bytes(4) + body


def parse_unmap_parameter_list(
    data: bytes | bytearray | memoryview,
) -> tuple[list[UnmapBlockDescriptor], bool]:
    """The block descriptors of an UNMAP parameter list, and whether it was cut short."""
    raw = bytes(data)
    length = _be(raw, 2, 2)
    if length is None:
        return [], True
    body = raw[8 : 8 + length]
    out = [
        UnmapBlockDescriptor(
            int.from_bytes(body[i : i + 8], "big"), int.from_bytes(body[i + 8 : i + 12], "big")
        )
        for i in range(0, len(body) - 15, 16)
    ]
    return out, len(body) < length or len(body) % 16 != 0


# ------------------------------------------------------------------------- EXTENDED COPY


@dataclass(slots=True)
class IdentificationCscd:
    """An Identification descriptor CSCD descriptor (E4h): a logical unit named by a
    designator (as in VPD page 83h), with block device parameters.
    """

    designator: bytes
    code_set: int = CodeSet.BINARY
    association: int = 0
    designator_type: int = DesignatorType.NAA
    lu_id_type: int = 0
    nul: bool = False
    peripheral_device_type: int = 0
    relative_initiator_port_identifier: int = 0
    pad: bool = False
    disk_block_length: int = 512


@dataclass(slots=True)
class BlockToBlockSegment:
    """A block device to block device segment descriptor (02h)."""

    source_cscd_descriptor_id: int
    destination_cscd_descriptor_id: int
    number_of_blocks: int
    source_block_device_logical_block_address: int
    destination_block_device_logical_block_address: int
    dc: bool = False
    cat: bool = False


@dataclass(slots=True)
class ExtendedCopyParameters:
    """An EXTENDED COPY (LID1) parameter list."""

    list_identifier: int = 0
    str_: bool = False
    list_id_usage: int = 0
    priority: int = 0
    cscd_descriptors: list[IdentificationCscd] = field(default_factory=list)
    segment_descriptors: list[BlockToBlockSegment] = field(default_factory=list)
    inline_data: bytes = b""
    truncated: bool = False


def _cscd(d: IdentificationCscd) -> bytes:
    if len(d.designator) > 20:
        raise ValueError(f"designator: {len(d.designator)} bytes, at most 20 fit")
    out = bytearray(32)
    out[0] = IDENTIFICATION_DESCRIPTOR
    out[1] = (
        (_fit(d.lu_id_type, 2, "lu_id_type") << 6)
        | (0x20 if d.nul else 0)
        | _fit(d.peripheral_device_type, 5, "peripheral_device_type")
    )
    out[2:4] = _fit(
        d.relative_initiator_port_identifier, 16, "relative_initiator_port_identifier"
    ).to_bytes(2, "big")
    out[4] = _fit(d.code_set, 4, "code_set")
    out[5] = (_fit(d.association, 2, "association") << 4) | _fit(
        d.designator_type, 4, "designator_type"
    )
    out[7] = len(d.designator)
    out[8 : 8 + len(d.designator)] = d.designator
    out[28] = 0x04 if d.pad else 0
    out[29:32] = _fit(d.disk_block_length, 24, "disk_block_length").to_bytes(3, "big")
    return bytes(out)


def _segment(s: BlockToBlockSegment) -> bytes:
    return (
        bytes((BLOCK_TO_BLOCK, (0x02 if s.dc else 0) | (0x01 if s.cat else 0), 0x00, 0x18))
        + _fit(s.source_cscd_descriptor_id, 16, "source_cscd_descriptor_id").to_bytes(2, "big")
        + _fit(s.destination_cscd_descriptor_id, 16, "destination_cscd_descriptor_id").to_bytes(
            2, "big"
        )
        + bytes(2)
        + _fit(s.number_of_blocks, 16, "number_of_blocks").to_bytes(2, "big")
        + _fit(
            s.source_block_device_logical_block_address,
            64,
            "source_block_device_logical_block_address",
        ).to_bytes(8, "big")
        + _fit(
            s.destination_block_device_logical_block_address,
            64,
            "destination_block_device_logical_block_address",
        ).to_bytes(8, "big")
    )


def build_extended_copy_parameter_list(params: ExtendedCopyParameters) -> bytes:
    """The EXTENDED COPY (LID1) parameter list: a 16-byte header, the CSCD descriptors
    (32 bytes each), the segment descriptors (28 bytes each) and the inline data.
    """
    cscds = b"".join(_cscd(d) for d in params.cscd_descriptors)
    segments = b"".join(_segment(s) for s in params.segment_descriptors)
    header = (
        bytes(
            (
                _fit(params.list_identifier, 8, "list_identifier"),
                (0x20 if params.str_ else 0)
                | (_fit(params.list_id_usage, 2, "list_id_usage") << 3)
                | _fit(params.priority, 3, "priority"),
            )
        )
        + _fit(len(cscds), 16, "CSCD descriptor list length").to_bytes(2, "big")
        + bytes(4)
        + len(segments).to_bytes(4, "big")
        + _fit(len(params.inline_data), 32, "inline data length").to_bytes(4, "big")
    )
    return header + cscds + segments + params.inline_data


def parse_extended_copy_parameter_list(
    data: bytes | bytearray | memoryview,
) -> ExtendedCopyParameters:
    """Decode an EXTENDED COPY (LID1) parameter list (E4h and 02h descriptors; others end the
    list and set ``truncated``).
    """
    raw = bytes(data)
    if len(raw) < 16:
        return ExtendedCopyParameters(truncated=True)
    result = ExtendedCopyParameters(
        list_identifier=raw[0],
        str_=bool(raw[1] & 0x20),
        list_id_usage=(raw[1] >> 3) & 3,
        priority=raw[1] & 7,
    )
    cscd_len = int.from_bytes(raw[2:4], "big")
    seg_len = int.from_bytes(raw[8:12], "big")
    inline_len = int.from_bytes(raw[12:16], "big")
    cscds = raw[16 : 16 + cscd_len]
    segments = raw[16 + cscd_len : 16 + cscd_len + seg_len]
    result.inline_data = raw[16 + cscd_len + seg_len : 16 + cscd_len + seg_len + inline_len]
    cut = len(raw) < 16 + cscd_len + seg_len + inline_len
    for pos in range(0, len(cscds), 32):
        d = cscds[pos : pos + 32]
        if len(d) < 32 or d[0] != IDENTIFICATION_DESCRIPTOR:
            cut = True
            break
        result.cscd_descriptors.append(
            IdentificationCscd(
                designator=d[8 : 8 + min(d[7], 20)],
                code_set=d[4] & 0x0F,
                association=(d[5] >> 4) & 3,
                designator_type=d[5] & 0x0F,
                lu_id_type=d[1] >> 6,
                nul=bool(d[1] & 0x20),
                peripheral_device_type=d[1] & 0x1F,
                relative_initiator_port_identifier=int.from_bytes(d[2:4], "big"),
                pad=bool(d[28] & 0x04),
                disk_block_length=int.from_bytes(d[29:32], "big"),
            )
        )
    for pos in range(0, len(segments), 28):
        s = segments[pos : pos + 28]
        if len(s) < 28 or s[0] != BLOCK_TO_BLOCK:
            cut = True
            break
        result.segment_descriptors.append(
            BlockToBlockSegment(
                source_cscd_descriptor_id=int.from_bytes(s[4:6], "big"),
                destination_cscd_descriptor_id=int.from_bytes(s[6:8], "big"),
                number_of_blocks=int.from_bytes(s[10:12], "big"),
                source_block_device_logical_block_address=int.from_bytes(s[12:20], "big"),
                destination_block_device_logical_block_address=int.from_bytes(s[20:28], "big"),
                dc=bool(s[1] & 0x02),
                cat=bool(s[1] & 0x01),
            )
        )
    result.truncated = cut
    return result
