"""SCSI.ReadCapacity10: READ CAPACITY (10) (SBC-4 READ CAPACITY (10) command)."""

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import Device, LunInfo
from pyiscsi.scsi.capacity import parse_read_capacity10
from pyiscsi.scsi.cdb import ReadCapacity10

FAMILY = "SCSI"
SUITE = "ReadCapacity10"


def test_Simple(sd: Device, lun: LunInfo) -> None:
    """READ CAPACITY (10) is GOOD and agrees with READ CAPACITY (16): the last LBA (or
    FFFFFFFFh when it does not fit) and the block length (SBC-4 READ CAPACITY (10))."""
    r = checks.ok(sd, lun, ReadCapacity10())
    rc = parse_read_capacity10(r.data)
    want = min(lun.num_blocks - 1, 0xFFFFFFFF)
    if rc.returned_logical_block_address != want:
        pytest.fail(
            f"READ CAPACITY(10): expected RETURNED LBA {want}, "
            f"got {rc.returned_logical_block_address}",
            pytrace=False,
        )
    if rc.logical_block_length != lun.block_size:
        pytest.fail(
            f"READ CAPACITY(10): expected block length {lun.block_size}, "
            f"got {rc.logical_block_length}",
            pytrace=False,
        )
