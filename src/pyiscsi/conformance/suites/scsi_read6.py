"""SCSI.Read6: READ (6) (SBC-4 READ (6) command)."""

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import LBA_OUT_OF_RANGE, Device, LunInfo
from pyiscsi.scsi.cdb import Read6

FAMILY = "SCSI"
SUITE = "Read6"


def test_Simple(sd: Device, lun: LunInfo) -> None:
    """READ (6) of 1-255 blocks at the start and the end of the LU is GOOD, and TRANSFER
    LENGTH 0 reads 256 blocks (SBC-4 READ (6): "a TRANSFER LENGTH of zero specifies that 256
    logical blocks shall be read")."""
    for n in checks.lengths(lun, 1, 255):
        checks.ok(sd, lun, Read6(lba=0, transfer_length=n))
    if lun.num_blocks <= 0x200000:
        for n in checks.lengths(lun, 1, 255):
            if n <= lun.num_blocks:
                checks.ok(sd, lun, Read6(lba=lun.num_blocks - n, transfer_length=n))
    if lun.max_transfer and lun.max_transfer < 256:
        return
    r = checks.ok(sd, lun, Read6(lba=0, transfer_length=0))
    if len(r.data) != 256 * lun.block_size:
        pytest.fail(
            f"READ(6) transfer_length=0: expected {256 * lun.block_size} bytes, got {len(r.data)}",
            pytrace=False,
        )


def test_BeyondEol(sd: Device, lun: LunInfo) -> None:
    """READ (6) reaching past the last LBA is LOGICAL BLOCK ADDRESS OUT OF RANGE (SBC-4
    READ (6))."""
    if lun.num_blocks > 0x1FFFFF:
        pytest.skip("LU too big for beyond-end tests with READ (6)")
    for n in checks.lengths(lun, 1, 255):
        checks.err(sd, lun, Read6(lba=lun.num_blocks + 1 - n, transfer_length=n), LBA_OUT_OF_RANGE)
    for n in checks.lengths(lun, 1, 255):
        checks.err(sd, lun, Read6(lba=0x1FFFFF, transfer_length=n), LBA_OUT_OF_RANGE)
    for n in checks.lengths(lun, 2, 255):
        checks.err(sd, lun, Read6(lba=lun.num_blocks - 1, transfer_length=n), LBA_OUT_OF_RANGE)
