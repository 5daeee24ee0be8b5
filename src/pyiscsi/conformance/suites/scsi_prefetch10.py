"""SCSI.Prefetch10: PRE-FETCH (10) (SBC-4 PRE-FETCH (10) command)."""

from typing import Any

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import Device, LunInfo
from pyiscsi.scsi.cdb import PreFetch10
from pyiscsi.scsi.cdb_base import CDB

FAMILY = "SCSI"
SUITE = "Prefetch10"
LBA_BITS = 32


def _make(lba: int, transfer_length: int, **fields: Any) -> CDB:
    return PreFetch10(lba=lba, prefetch_length=transfer_length, **fields)


def test_Simple(sd: Device, lun: LunInfo) -> None:
    """PRE-FETCH (10) of 0-255 blocks at the start and the end of the LU is GOOD or CONDITION
    MET (SBC-4 PRE-FETCH (10): CONDITION MET when the blocks fit the cache)."""
    for n in checks.lengths(lun, 1, 255):
        checks.ok(sd, lun, _make(0, n))
        checks.ok(sd, lun, _make(lun.num_blocks - n, n))


def test_BeyondEol(sd: Device, lun: LunInfo) -> None:
    """PRE-FETCH (10) past the last LBA is LOGICAL BLOCK ADDRESS OUT OF RANGE (SBC-4
    PRE-FETCH (10))."""
    checks.rw_beyond_eol(sd, lun, _make, LBA_BITS)


def test_ZeroBlocks(sd: Device, lun: LunInfo) -> None:
    """PRE-FETCH (10) of zero blocks (to the end of the medium) is GOOD at LBA 0 and at the
    last LBA, and LBA OUT OF RANGE past the end (SBC-4 PRE-FETCH (10): "PREFETCH LENGTH
    zero ... through the last logical block")."""
    checks.ok(sd, lun, _make(0, 0))
    checks.ok(sd, lun, _make(lun.num_blocks - 1, 0))
    if lun.num_blocks < 1 << (LBA_BITS - 1):
        from pyiscsi.conformance.device import LBA_OUT_OF_RANGE

        for lba in (lun.num_blocks + 1, 1 << (LBA_BITS - 1), (1 << LBA_BITS) - 1):
            checks.err(sd, lun, _make(lba, 0), LBA_OUT_OF_RANGE)


def test_Flags(sd: Device, lun: LunInfo) -> None:
    """IMMED=1 and a non-zero GROUP NUMBER are accepted (SBC-4 PRE-FETCH (10): IMMED, GROUP
    NUMBER fields)."""
    checks.ok(sd, lun, _make(0, 1, immed=True))
    r = sd.run(_make(0, 1, group_number=3).encode())
    if r.status not in (0, 4) and not (r.sense and r.sense.asc == 0x24):
        pytest.fail(f"PRE-FETCH(10) group_number=3: got {r.sense or r.status}", pytrace=False)
