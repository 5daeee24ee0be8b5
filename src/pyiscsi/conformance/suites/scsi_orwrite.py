"""SCSI.OrWrite: ORWRITE (16) (SBC-4 ORWRITE (16) command)."""

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import Device, LunInfo
from pyiscsi.scsi.cdb import OrWrite16, Read16, Write16
from pyiscsi.scsi.opcodes import Opcode

FAMILY = "SCSI"
SUITE = "OrWrite"
LBA_BITS = 64
_make = OrWrite16
pytestmark = pytest.mark.dataloss


def test_Simple(sd: Device, lun: LunInfo) -> None:
    """ORWRITE (16) of 1-256 blocks at the start and the end is GOOD (SBC-4 ORWRITE (16))."""
    checks.rw_simple(sd, lun, _make, write=True)


def test_BeyondEol(sd: Device, lun: LunInfo) -> None:
    """ORWRITE (16) past the last LBA is LOGICAL BLOCK ADDRESS OUT OF RANGE (SBC-4)."""
    checks.rw_beyond_eol(sd, lun, _make, LBA_BITS)


def test_ZeroBlocks(sd: Device, lun: LunInfo) -> None:
    """ORWRITE (16) of zero blocks is GOOD at LBA 0 and LBA OUT OF RANGE past the end
    (SBC-4 ORWRITE (16))."""
    checks.rw_zero_blocks(sd, lun, _make, LBA_BITS)


def test_Protect(sd: Device, lun: LunInfo) -> None:
    """ORPROTECT 1-7 without protection information is INVALID FIELD IN CDB (SBC-4
    ORWRITE (16), ORPROTECT field)."""
    checks.rw_protect(sd, lun, _make, "orprotect")


def test_DpoFua(sd: Device, lun: LunInfo) -> None:
    """DPO/FUA are accepted if DPOFUA is one, else INVALID FIELD IN CDB (SBC-4 6.5.1)."""
    checks.rw_dpofua(sd, lun, _make, Opcode.ORWRITE_16)


def test_Verify(sd: Device, lun: LunInfo) -> None:
    """ORWRITE ORs the data into the medium: zeros | A5h = A5h, then A5h | 5Ah = FFh, for
    1-256 blocks at the start and the end (SBC-4 ORWRITE (16): "a bitwise OR")."""
    for n in checks.lengths(lun):
        for lba in (0, lun.num_blocks - n):
            checks.ok(
                sd, lun, Write16(lba=lba, transfer_length=n), data_out=bytes(n * lun.block_size)
            )
            for data, want in ((0xA5, 0xA5), (0x5A, 0xFF)):
                checks.ok(sd, lun, _make(lba=lba, transfer_length=n),
                          data_out=bytes([data]) * (n * lun.block_size))  # fmt: skip
                got = checks.ok(sd, lun, Read16(lba=lba, transfer_length=n)).data
                if bytes(got) != bytes([want]) * (n * lun.block_size):
                    pytest.fail(f"ORWRITE lba={lba} n={n} of {data:#x}: medium is not {want:#x}",
                                pytrace=False)  # fmt: skip
