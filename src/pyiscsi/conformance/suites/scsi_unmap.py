"""SCSI.Unmap: UNMAP (SBC-4 UNMAP command)."""

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import Device, LunInfo
from pyiscsi.scsi.cdb import Unmap
from pyiscsi.scsi.params import build_unmap_parameter_list

FAMILY = "SCSI"
SUITE = "Unmap"


def _unmap(sd: Device, lun: LunInfo, ranges: list[tuple[int, int]]) -> None:
    params = build_unmap_parameter_list(ranges)
    checks.ok(sd, lun, Unmap(parameter_list_length=len(params)), data_out=params)


@pytest.mark.dataloss
def test_Simple(sd: Device, lun: LunInfo) -> None:
    """UNMAP of 1-256 blocks at LBA 0 is GOOD on a thin LU (SBC-4 UNMAP)."""
    lun.require_thin()
    for n in checks.lengths(lun):
        _unmap(sd, lun, [(0, n)])


def test_VPD(sd: Device, lun: LunInfo) -> None:
    """A thin LU (LBPME=1) has the Logical Block Provisioning VPD page, and LBPU there agrees
    with the UNMAP limits of the Block Limits page (SBC-4 6.6.4, 6.6.5)."""
    lun.require_thin()
    if lun.lbp is None:
        pytest.fail("LBPME=1 but no Logical Block Provisioning VPD page (B2h)", pytrace=False)
    bl = lun.block_limits
    if lun.lbp.lbpu and bl is not None and not bl.maximum_unmap_lba_count:
        pytest.fail("LBPU=1 but MAXIMUM UNMAP LBA COUNT is 0", pytrace=False)


@pytest.mark.dataloss
def test_ZeroBlocks(sd: Device, lun: LunInfo) -> None:
    """UNMAP with a descriptor of zero blocks, and with no descriptor at all, is GOOD
    (SBC-4 UNMAP: a NUMBER OF LOGICAL BLOCKS of zero is not an error)."""
    lun.require_thin()
    _unmap(sd, lun, [(0, 0)])
    _unmap(sd, lun, [(lun.num_blocks - 1, 0)])
    checks.ok(sd, lun, Unmap(parameter_list_length=0))
