"""SCSI.GetLBAStatus: GET LBA STATUS (SBC-4 GET LBA STATUS command)."""

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import LBA_OUT_OF_RANGE, Device, LunInfo
from pyiscsi.scsi.capacity import parse_get_lba_status
from pyiscsi.scsi.cdb import GetLbaStatus, Unmap
from pyiscsi.scsi.params import build_unmap_parameter_list

FAMILY = "SCSI"
SUITE = "GetLBAStatus"


def test_Simple(sd: Device, lun: LunInfo) -> None:
    """GET LBA STATUS at LBA 0 and at the last LBA is GOOD and its first descriptor starts
    at the LBA asked for (SBC-4 GET LBA STATUS: "the first LBA status descriptor shall
    contain the STARTING LOGICAL BLOCK ADDRESS"). Run on fully provisioned LUs too, as
    libiscsi does, when the target implements the command."""
    for lba in (0, lun.num_blocks - 1):
        r = checks.ok(sd, lun, GetLbaStatus(starting_lba=lba, allocation_length=24))
        status = parse_get_lba_status(r.data)
        if not status.descriptors or status.descriptors[0].lba_status_logical_block_address != lba:
            pytest.fail(f"GET LBA STATUS lba={lba}: first descriptor does not start there",
                        pytrace=False)  # fmt: skip


def test_BeyondEol(sd: Device, lun: LunInfo) -> None:
    """GET LBA STATUS at an LBA past the end is LOGICAL BLOCK ADDRESS OUT OF RANGE (SBC-4
    GET LBA STATUS). Run on fully provisioned LUs too, as libiscsi does."""
    for lba in (lun.num_blocks, lun.num_blocks + 1, (1 << 63), (1 << 64) - 1):
        checks.err(sd, lun, GetLbaStatus(starting_lba=lba, allocation_length=24),
                   LBA_OUT_OF_RANGE)  # fmt: skip


@pytest.mark.dataloss
def test_UnmapSingle(sd: Device, lun: LunInfo) -> None:
    """After UNMAP of one block, GET LBA STATUS reports it deallocated or anchored
    (PROVISIONING STATUS 1 or 2) (SBC-4 4.7.3, GET LBA STATUS descriptor)."""
    lun.require_thin()
    if lun.lbp is None or not lun.lbp.lbpu:
        pytest.skip("UNMAP not supported (LBPU=0)")
    for lba in (0, 1, lun.num_blocks - 1):
        params = build_unmap_parameter_list([(lba, 1)])
        checks.ok(sd, lun, Unmap(parameter_list_length=len(params)), data_out=params)
        r = checks.ok(sd, lun, GetLbaStatus(starting_lba=lba, allocation_length=24))
        d = parse_get_lba_status(r.data).descriptors
        if not d or d[0].provisioning_status not in (1, 2):
            pytest.fail(f"LBA {lba} after UNMAP: provisioning status "
                        f"{d[0].provisioning_status if d else '-'}", pytrace=False)  # fmt: skip
