"""The device the tests talk to, what they learn about it once, and how they judge answers.

A :class:`Device` runs one CDB and returns a :class:`Result` whatever the status; the iSCSI
one (:class:`IscsiDevice`) runs it on a logged-in session, the LINUX family's on SG_IO
(:mod:`pyiscsi.conformance.sg`). The ``expect_*`` helpers fail the test with
``expected ..., got ...`` through :func:`pytest.fail`.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field

import pytest

import pyiscsi.sync
from pyiscsi.errors import ISCSIError
from pyiscsi.scsi import status
from pyiscsi.scsi.capacity import (
    ReadCapacity16Data,
    parse_read_capacity10,
    parse_read_capacity16,
)
from pyiscsi.scsi.cdb import (
    Inquiry,
    ModeSense6,
    ReadCapacity10,
    ReadCapacity16,
    ReportSupportedOperationCodes,
    decode_cdb,
)
from pyiscsi.scsi.inquiry import (
    BlockLimits,
    LogicalBlockProvisioning,
    StandardInquiry,
    parse_standard_inquiry,
    parse_vpd,
)
from pyiscsi.scsi.mode import parse_mode_sense6
from pyiscsi.scsi.reports import parse_supported_operation_codes_all
from pyiscsi.scsi.sense import Sense, parse_sense

__all__ = [
    "Device",
    "IscsiDevice",
    "LunInfo",
    "Result",
    "describe",
    "expect_good",
    "expect_sense",
    "expect_status",
    "is_not_implemented",
    "skip_if_not_implemented",
]

log = logging.getLogger("pyiscsi.conformance")

GOOD = status.Status.GOOD
CHECK_CONDITION = status.Status.CHECK_CONDITION
RESERVATION_CONFLICT = status.Status.RESERVATION_CONFLICT

# (sense key, ASC, ASCQ); ASCQ None: any
ILLEGAL_REQUEST = 0x5
INVALID_OPCODE = (0x5, 0x20, 0x00)
LBA_OUT_OF_RANGE = (0x5, 0x21, 0x00)
INVALID_FIELD_IN_CDB = (0x5, 0x24, 0x00)
INVALID_FIELD_IN_PARAMETER_LIST = (0x5, 0x26, 0x00)
PARAMETER_LIST_LENGTH_ERROR = (0x5, 0x1A, 0x00)
MISCOMPARE_DURING_VERIFY = (0xE, 0x1D, 0x00)
WRITE_PROTECTED = (0x7, 0x27, None)
MEDIUM_NOT_PRESENT = (0x2, 0x3A, None)


@dataclass(slots=True)
class Result:
    """What a command returned: status, data-in, decoded sense, residual."""

    status: int
    data: bytes = b""
    sense: Sense | None = None
    residual: int = 0
    underflow: bool = False
    overflow: bool = False


def describe(result: Result) -> str:
    """``GOOD``, or ``CHECK CONDITION ILLEGAL REQUEST: INVALID FIELD IN CDB (0x24/0x00)``."""
    text = status.status_name(result.status)
    if result.sense is not None:
        text += f" {result.sense}"
    return text


def _command_name(cdb: bytes) -> str:
    try:
        return decode_cdb(cdb).command_name
    except ValueError:
        return f"opcode 0x{cdb[0]:02x}" if cdb else "empty CDB"


class Device:
    """One I_T nexus to one logical unit: runs CDBs and returns every status as a Result."""

    initiator_name: str = ""

    def execute(self, cdb: bytes, *, data_out: bytes | None = None, data_in: int = 0) -> Result:
        """Run ``cdb``; return its result whatever its status."""
        raise NotImplementedError

    def run(self, cdb: bytes, *, data_out: bytes | None = None, data_in: int = 0) -> Result:
        """:meth:`execute` with the command and its outcome logged (shown with ``-V``)."""
        result = self.execute(cdb, data_out=data_out, data_in=data_in)
        log.info("%s [%s] -> %s", _command_name(cdb), cdb.hex(), describe(result))
        return result

    def close(self) -> None:
        """Release the nexus (log out)."""


class IscsiDevice(Device):
    """A LUN on an iSCSI session (:func:`pyiscsi.sync.connect`)."""

    def __init__(self, session: pyiscsi.sync.Session, initiator_name: str = "") -> None:
        self.session = session
        self.initiator_name = initiator_name

    def execute(self, cdb: bytes, *, data_out: bytes | None = None, data_in: int = 0) -> Result:
        r = self.session.execute(cdb, data_out=data_out, data_in=data_in or None, check=False)
        sense = r.sense
        if sense is None and r.sense_data:
            with contextlib.suppress(ValueError):
                sense = parse_sense(r.sense_data)
        return Result(r.status, bytes(r.data), sense, r.residual, r.underflow, r.overflow)

    def close(self) -> None:
        with contextlib.suppress(ISCSIError, OSError):
            self.session.close()


def _sense_matches(sense: Sense | None, want: tuple[int, int, int | None]) -> bool:
    if sense is None:
        return False
    key, asc, ascq = want
    return int(sense.key) == key and sense.asc == asc and (ascq is None or sense.ascq == ascq)


def _want_text(want: tuple[int, int, int | None]) -> str:
    key, asc, ascq = want
    name = status.sense_key_name(key)
    return f"CHECK CONDITION {name} 0x{asc:02x}/" + ("xx" if ascq is None else f"0x{ascq:02x}")


def expect_good(result: Result, what: str) -> Result:
    """Fail unless ``result`` is GOOD (or CONDITION MET)."""
    if result.status not in (GOOD, status.Status.CONDITION_MET):
        pytest.fail(f"{what}: expected GOOD, got {describe(result)}", pytrace=False)
    return result


def expect_status(result: Result, wanted: int, what: str) -> Result:
    """Fail unless ``result`` has status ``wanted``."""
    if result.status != wanted:
        pytest.fail(
            f"{what}: expected {status.status_name(wanted)}, got {describe(result)}",
            pytrace=False,
        )
    return result


def expect_sense(result: Result, what: str, *wanted: tuple[int, int, int | None]) -> Result:
    """Fail unless ``result`` is CHECK CONDITION with one of the ``wanted`` sense codes."""
    if result.status == CHECK_CONDITION and any(_sense_matches(result.sense, w) for w in wanted):
        return result
    pytest.fail(
        f"{what}: expected {' or '.join(_want_text(w) for w in wanted)}, got {describe(result)}",
        pytrace=False,
    )


def is_not_implemented(result: Result) -> bool:
    """True when the target answered INVALID COMMAND OPERATION CODE."""
    return result.status == CHECK_CONDITION and _sense_matches(result.sense, INVALID_OPCODE)


def skip_if_not_implemented(result: Result, command: str) -> None:
    """Skip the test (as libiscsi does) when the target does not implement ``command``."""
    if is_not_implemented(result):
        pytest.skip(f"{command} is not implemented")


@dataclass(slots=True)
class LunInfo:
    """What the tests need to know about the logical unit, learnt once per run."""

    block_size: int = 512
    num_blocks: int = 0
    rc16: ReadCapacity16Data | None = None
    inquiry: StandardInquiry | None = None
    inquiry_raw: bytes = b""
    vpd_pages: list[int] = field(default_factory=list)
    block_limits: BlockLimits | None = None
    lbp: LogicalBlockProvisioning | None = None
    device_type: int = 0
    removable: bool = False
    write_protected: bool = False
    supported_opcodes: set[tuple[int, int | None]] | None = None
    sbc3: bool = False

    @property
    def thin(self) -> bool:
        """LBPME: the logical unit is thin provisioned."""
        return bool(self.rc16 is not None and self.rc16.lbpme)

    @property
    def max_transfer(self) -> int:
        """MAXIMUM TRANSFER LENGTH of the Block Limits VPD page (0: no limit reported)."""
        if self.block_limits is None or not self.block_limits.maximum_transfer_length:
            return 0
        return int(self.block_limits.maximum_transfer_length)

    def require_thin(self) -> None:
        """Skip unless the logical unit is thin provisioned."""
        if not self.thin:
            pytest.skip("logical unit is fully provisioned")

    def require_writable(self) -> None:
        """Skip when the logical unit is write protected."""
        if self.write_protected:
            pytest.skip("logical unit is write protected")


def learn(dev: Device) -> LunInfo:
    """Ask the device what the tests need: capacity, INQUIRY, VPD pages, mode, opcodes."""
    info = LunInfo()
    r = dev.execute(Inquiry(allocation_length=255).encode(), data_in=255)
    if r.status == GOOD:
        info.inquiry_raw = r.data
        info.inquiry = parse_standard_inquiry(r.data)
        info.device_type = info.inquiry.peripheral_device_type or 0
        info.removable = bool(info.inquiry.rmb)
        info.sbc3 = (info.inquiry.version or 0) >= 5
    r = dev.execute(ReadCapacity16(allocation_length=32).encode(), data_in=32)
    if r.status == GOOD and len(r.data) >= 12:
        info.rc16 = parse_read_capacity16(r.data)
        info.block_size = info.rc16.logical_block_length or 512
        info.num_blocks = (info.rc16.returned_logical_block_address or 0) + 1
    else:
        r = dev.execute(ReadCapacity10().encode(), data_in=8)
        if r.status == GOOD and len(r.data) >= 8:
            rc10 = parse_read_capacity10(r.data)
            info.num_blocks = rc10.returned_logical_block_address + 1
            info.block_size = rc10.logical_block_length or 512
    r = dev.execute(Inquiry(evpd=True, page_code=0, allocation_length=255).encode(), data_in=255)
    if r.status == GOOD and len(r.data) >= 4:
        info.vpd_pages = list(r.data[4 : 4 + r.data[3]])
    for code in (0xB0, 0xB2):
        if code not in info.vpd_pages:
            continue
        r = dev.execute(
            Inquiry(evpd=True, page_code=code, allocation_length=255).encode(), data_in=255
        )
        if r.status != GOOD:
            continue
        with contextlib.suppress(ValueError):
            page = parse_vpd(r.data)
            if isinstance(page, BlockLimits):
                info.block_limits = page
            elif isinstance(page, LogicalBlockProvisioning):
                info.lbp = page
    r = dev.execute(ModeSense6(page_code=0x3F, allocation_length=255).encode(), data_in=255)
    if r.status == GOOD and len(r.data) >= 4:
        with contextlib.suppress(ValueError):
            info.write_protected = bool(parse_mode_sense6(r.data).wp)
    r = dev.execute(ReportSupportedOperationCodes().encode(), data_in=65536)
    if r.status == GOOD:
        with contextlib.suppress(ValueError):
            parsed = parse_supported_operation_codes_all(r.data)
            info.supported_opcodes = {
                (d.operation_code, d.service_action if d.servactv else None)
                for d in parsed.commands
            }
    return info
