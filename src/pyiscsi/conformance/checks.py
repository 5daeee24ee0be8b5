"""Checks the suites share: run a CDB builder and judge the answer; the read/write families.

``ok(sd, lun, cdb)`` runs a :class:`~pyiscsi.scsi.cdb_base.CDB` (its data-in length and a
zero data-out buffer follow from its fields and the block size) and fails unless GOOD;
``err(sd, lun, cdb, SENSE...)`` fails unless CHECK CONDITION with one of the sense codes.
Both skip the test when the target answers INVALID COMMAND OPERATION CODE, as libiscsi does
("not implemented").

The ``read_*``, ``write_*``, ``verify_*`` functions are the bodies that READ/WRITE/VERIFY/
WRITE AND VERIFY (6/10/12/16) share; each suite module calls them with its CDB class.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from typing import Any

import pytest

from pyiscsi.conformance.device import (
    CHECK_CONDITION,
    GOOD,
    INVALID_FIELD_IN_CDB,
    LBA_OUT_OF_RANGE,
    MISCOMPARE_DURING_VERIFY,
    Device,
    LunInfo,
    Result,
    expect_good,
    expect_sense,
    expect_status,
    is_not_implemented,
    skip_if_not_implemented,
)
from pyiscsi.scsi.cdb import ModeSense6, ReportSupportedOperationCodes, TestUnitReady
from pyiscsi.scsi.cdb_base import CDB
from pyiscsi.scsi.mode import parse_mode_sense6
from pyiscsi.scsi.reports import parse_supported_operation_codes_one
from pyiscsi.scsi.status import SenseKey

__all__ = [
    "Result",
    "clear_unit_attentions",
    "dpofua_supported",
    "err",
    "expect_good",
    "expect_sense",
    "expect_status",
    "is_not_implemented",
    "label",
    "lengths",
    "ok",
    "pattern",
    "run",
    "skip_if_not_implemented",
    "usage_data",
]

Sense = tuple[int, int, int | None]


def label(c: CDB) -> str:
    """``READ(10) lba=0 transfer_length=1``: the command and its non-default fields."""
    parts = [c.command_name]
    for f in dataclasses.fields(c):
        value = getattr(c, f.name)
        if value != f.default:
            parts.append(f"{f.name}={value:#x}" if isinstance(value, int) and value > 0xFFFF
                         else f"{f.name}={value}")  # fmt: skip
    return " ".join(parts)


def run(
    sd: Device,
    lun: LunInfo,
    c: CDB,
    *,
    data_out: bytes | None = None,
    data_in: int | None = None,
) -> Result:
    """Run ``c``: data-in of its transfer length, data-out zeros of it unless given."""
    length = c.transfer_length_bytes(lun.block_size)
    direction = c.data_direction
    if direction == "in" and data_in is None:
        data_in = length
    if direction == "out" and data_out is None:
        data_out = bytes(length)
    return sd.run(c.encode(), data_out=data_out or None, data_in=data_in or 0)


def ok(sd: Device, lun: LunInfo, c: CDB, **kwargs: Any) -> Result:
    """Run ``c`` and fail unless GOOD (skip when not implemented)."""
    r = run(sd, lun, c, **kwargs)
    skip_if_not_implemented(r, c.command_name)
    return expect_good(r, label(c))


def err(sd: Device, lun: LunInfo, c: CDB, *wanted: Sense, **kwargs: Any) -> Result:
    """Run ``c`` and fail unless CHECK CONDITION with one of ``wanted`` (skip if no opcode)."""
    r = run(sd, lun, c, **kwargs)
    skip_if_not_implemented(r, c.command_name)
    return expect_sense(r, label(c), *wanted)


def pattern(blocks: int, block_size: int) -> bytes:
    """Random data of ``blocks`` blocks."""
    return os.urandom(blocks * block_size)


def clear_unit_attentions(sd: Device, tries: int = 8) -> None:
    """TEST UNIT READY until no UNIT ATTENTION is reported (a reset leaves one per nexus)."""
    for _ in range(tries):
        r = sd.run(TestUnitReady().encode())
        sense = r.sense
        if r.status != CHECK_CONDITION or sense is None or sense.key != SenseKey.UNIT_ATTENTION:
            return


def dpofua_supported(sd: Device) -> bool:
    """DPOFUA of the mode parameter header's DEVICE-SPECIFIC PARAMETER (SBC-4 6.5.1)."""
    r = sd.run(ModeSense6(page_code=0x3F, allocation_length=255).encode(), data_in=255)
    expect_good(r, "MODE SENSE(6) all pages")
    return bool(parse_mode_sense6(r.data).dpofua)


def usage_data(sd: Device, opcode: int, service_action: int = 0, servactv: bool = False) -> bytes:
    """The CDB USAGE DATA of one command (REPORT SUPPORTED OPERATION CODES); skip if absent."""
    c = ReportSupportedOperationCodes(
        reporting_options=3 if servactv else 1,
        requested_operation_code=opcode,
        requested_service_action=service_action,
        allocation_length=65535,
    )
    r = sd.run(c.encode(), data_in=65535)
    skip_if_not_implemented(r, "REPORT SUPPORTED OPERATION CODES")
    if r.status != GOOD:
        pytest.skip(f"REPORT SUPPORTED OPERATION CODES failed: {r.sense}")
    one = parse_supported_operation_codes_one(r.data)
    return bytes(one.cdb_usage_data or b"")


# ----------------------------------------------------------------------------- block ranges


def lengths(lun: LunInfo, start: int = 1, stop: int = 256) -> range:
    """1..256 blocks, no more than the MAXIMUM TRANSFER LENGTH."""
    top = stop if not lun.max_transfer else min(stop, lun.max_transfer)
    return range(start, top + 1)


def beyond_eol_lbas(lun: LunInfo, lba_bits: int) -> list[tuple[int, int]]:
    """(LBA, blocks) past the end of the LU, as libiscsi's BeyondEol tests try them.

    One block past the end for 1..256 blocks, LBA 2^(bits-1) and 2^bits - 1 (-1), and all
    but one block past the end. Empty when the LU is too big for the LBA field to go past it.
    """
    top = (1 << lba_bits) - 1
    if lun.num_blocks >= 1 << (lba_bits - 1):
        return []
    out = [(lun.num_blocks + 1 - n, n) for n in lengths(lun)]
    out += [(1 << (lba_bits - 1), n) for n in lengths(lun)]
    out += [(top, n) for n in lengths(lun)]
    out += [(lun.num_blocks - 1, n) for n in lengths(lun, 2)]
    return out


Builder = Callable[..., CDB]


def rw_simple(sd: Device, lun: LunInfo, make: Builder, *, write: bool = False) -> None:
    """1..256 blocks at LBA 0 and at the end of the LU: GOOD, with the data asked for."""
    for n in lengths(lun):
        for lba in (0, lun.num_blocks - n):
            c = make(lba=lba, transfer_length=n)
            if write:
                ok(sd, lun, c, data_out=pattern(n, lun.block_size))
            else:
                r = ok(sd, lun, c)
                if len(r.data) != n * lun.block_size:
                    pytest.fail(
                        f"{label(c)}: expected {n * lun.block_size} bytes, got {len(r.data)}",
                        pytrace=False,
                    )


def rw_beyond_eol(sd: Device, lun: LunInfo, make: Builder, lba_bits: int) -> None:
    """Transfers that end past the last LBA: LOGICAL BLOCK ADDRESS OUT OF RANGE."""
    cases = beyond_eol_lbas(lun, lba_bits)
    if not cases:
        pytest.skip(f"LU too big for beyond-end tests with a {lba_bits}-bit LBA")
    for lba, n in cases:
        err(sd, lun, make(lba=lba, transfer_length=n), LBA_OUT_OF_RANGE)


def rw_zero_blocks(sd: Device, lun: LunInfo, make: Builder, lba_bits: int) -> None:
    """Zero blocks at LBA 0 is GOOD; past the end it is LBA OUT OF RANGE.

    SBC-4: a TRANSFER LENGTH of zero transfers nothing and is not an error; the LBA is
    still checked against the capacity.
    """
    ok(sd, lun, make(lba=0, transfer_length=0))
    if lun.num_blocks >= 1 << (lba_bits - 1):
        return
    for lba in (lun.num_blocks + 1, 1 << (lba_bits - 1), (1 << lba_bits) - 1):
        err(sd, lun, make(lba=lba, transfer_length=0), LBA_OUT_OF_RANGE)


def rw_protect(sd: Device, lun: LunInfo, make: Builder, field: str, **extra: Any) -> None:
    """A non-zero RDPROTECT/WRPROTECT/VRPROTECT without protection information is
    INVALID FIELD IN CDB (SBC-4, the protection field tables of each command)."""
    if lun.inquiry is not None and lun.inquiry.protect and lun.rc16 and lun.rc16.prot_en:
        pytest.skip("logical unit uses protection information: no test for it yet")
    for value in range(1, 8):
        err(sd, lun, make(lba=0, transfer_length=1, **{field: value}, **extra),
            INVALID_FIELD_IN_CDB)  # fmt: skip


def rw_dpofua(
    sd: Device, lun: LunInfo, make: Builder, opcode: int, *, fua: bool = True, **extra: Any
) -> None:
    """DPO and FUA are accepted when the DPOFUA bit says so, else INVALID FIELD IN CDB;
    REPORT SUPPORTED OPERATION CODES shows the same in its CDB USAGE DATA (SBC-4 6.5.1,
    SPC-5 REPORT SUPPORTED OPERATION CODES)."""
    dpofua = dpofua_supported(sd)
    combos = [{"dpo": True}]
    if fua:
        combos += [{"fua": True}, {"dpo": True, "fua": True}]
    for flags in combos:
        c = make(lba=0, transfer_length=1, **flags, **extra)
        if dpofua:
            ok(sd, lun, c)
        else:
            err(sd, lun, c, INVALID_FIELD_IN_CDB)
    usage = usage_data(sd, opcode)
    mask = 0x18 if fua else 0x10
    shown = bool(len(usage) > 1 and usage[1] & mask)
    if shown != dpofua:
        pytest.fail(
            f"CDB USAGE DATA of opcode 0x{opcode:02x}: expected DPO/FUA bits "
            f"{'set' if dpofua else 'clear'} (DPOFUA={int(dpofua)}), got "
            f"{'set' if shown else 'clear'}",
            pytrace=False,
        )


def verify_simple(sd: Device, lun: LunInfo, make: Builder) -> None:
    """Read 1..256 blocks, then VERIFY them with BYTCHK=1 and the same data: GOOD."""
    from pyiscsi.scsi.cdb import Read16

    for n in lengths(lun):
        for lba in (0, lun.num_blocks - n):
            data = ok(sd, lun, Read16(lba=lba, transfer_length=n)).data
            ok(sd, lun, make(lba=lba, verification_length=n, bytchk=1), data_out=bytes(data))


def verify_mismatch(sd: Device, lun: LunInfo, make: Builder, *, compare: bool) -> None:
    """VERIFY with BYTCHK=1 and data that differ from the medium: MISCOMPARE (SBC-4
    VERIFY: BYTCHK 01b compares); with BYTCHK=0 nothing is compared: GOOD."""
    from pyiscsi.scsi.cdb import Read16

    for n in (1, 2, 8, 32):
        n = min(n, lengths(lun).stop - 1)
        data = bytearray(ok(sd, lun, Read16(lba=0, transfer_length=n)).data)
        data[(n * lun.block_size) // 2] ^= 0xFF
        if compare:
            err(sd, lun, make(lba=0, verification_length=n, bytchk=1), MISCOMPARE_DURING_VERIFY,
                data_out=bytes(data))  # fmt: skip
        else:
            ok(sd, lun, make(lba=0, verification_length=n, bytchk=0))
