"""SCSI.WriteAtomic16: WRITE ATOMIC (16) (SBC-4 WRITE ATOMIC (16) command, 4.29 atomic
writes)."""

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import Device, LunInfo
from pyiscsi.scsi.cdb import WriteAtomic16
from pyiscsi.scsi.opcodes import Opcode

FAMILY = "SCSI"
SUITE = "WriteAtomic16"
LBA_BITS = 64
_make = WriteAtomic16
pytestmark = pytest.mark.dataloss


def _granularity(lun: LunInfo) -> tuple[int, int]:
    bl = lun.block_limits
    if bl is None:
        pytest.skip("Block Limits VPD page not available")
    return (int(bl.atomic_transfer_length_granularity or 1), int(bl.atomic_alignment or 1))


def _supported(sd: Device, lun: LunInfo) -> None:
    gran, _ = _granularity(lun)
    r = checks.run(sd, lun, _make(lba=0, transfer_length=gran))
    checks.skip_if_not_implemented(r, "WRITE ATOMIC(16)")


def test_Simple(sd: Device, lun: LunInfo) -> None:
    """WRITE ATOMIC (16) of multiples of the granularity at LBA 0, and of the alignment at
    the end, is GOOD (SBC-4 WRITE ATOMIC (16); 6.6.4 ATOMIC TRANSFER LENGTH GRANULARITY)."""
    gran, align = _granularity(lun)
    _supported(sd, lun)
    limit = int(lun.block_limits.maximum_atomic_transfer_length or 256) if lun.block_limits else 256
    for n in range(gran, min(256, limit) + 1, gran):
        checks.ok(sd, lun, _make(lba=0, transfer_length=n))
    for n in range(align, min(256, limit) + 1, align):
        checks.ok(sd, lun, _make(lba=lun.num_blocks - n, transfer_length=n))


def test_BeyondEol(sd: Device, lun: LunInfo) -> None:
    """WRITE ATOMIC (16) past the last LBA is LOGICAL BLOCK ADDRESS OUT OF RANGE (SBC-4)."""
    _supported(sd, lun)
    checks.rw_beyond_eol(sd, lun, _make, LBA_BITS)


def test_ZeroBlocks(sd: Device, lun: LunInfo) -> None:
    """WRITE ATOMIC (16) of zero blocks is GOOD at LBA 0, LBA OUT OF RANGE past the end
    (SBC-4 WRITE ATOMIC (16))."""
    _supported(sd, lun)
    checks.rw_zero_blocks(sd, lun, _make, LBA_BITS)


def test_WriteProtect(sd: Device, lun: LunInfo) -> None:
    """WRPROTECT 1-7 without protection information is INVALID FIELD IN CDB (SBC-4)."""
    _supported(sd, lun)
    checks.rw_protect(sd, lun, _make, "wrprotect")


def test_DpoFua(sd: Device, lun: LunInfo) -> None:
    """DPO/FUA are accepted if DPOFUA is one, else INVALID FIELD IN CDB (SBC-4 6.5.1)."""
    _supported(sd, lun)
    checks.rw_dpofua(sd, lun, _make, Opcode.WRITE_ATOMIC_16)


def test_VPD(sd: Device, lun: LunInfo) -> None:
    """A target without WRITE ATOMIC (16) reports zero MAXIMUM ATOMIC TRANSFER LENGTH,
    ATOMIC ALIGNMENT and ATOMIC TRANSFER LENGTH GRANULARITY (SBC-4 6.6.4)."""
    gran, _ = _granularity(lun)
    r = checks.run(sd, lun, _make(lba=0, transfer_length=gran))
    bl = lun.block_limits
    assert bl is not None
    if checks.is_not_implemented(r):
        fields = {
            "MAXIMUM ATOMIC TRANSFER LENGTH": bl.maximum_atomic_transfer_length,
            "ATOMIC ALIGNMENT": bl.atomic_alignment,
            "ATOMIC TRANSFER LENGTH GRANULARITY": bl.atomic_transfer_length_granularity,
        }
        for name, value in fields.items():
            if value:
                pytest.fail(f"WRITE ATOMIC(16) not implemented but {name} is {value}",
                            pytrace=False)  # fmt: skip
    else:
        checks.expect_good(r, "WRITE ATOMIC(16)")
