"""iSCSI.iSCSIDataPath: writes and reads under each combination of ImmediateData,
InitialR2T, FirstBurstLength and MaxBurstLength; the data read back must be the data
written (RFC 7143 4.2.5.1 unsolicited data, 11.7 Data-Out, 11.8 R2T, 13.10-13.14).
pyiscsi's own suite."""

import itertools

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import IscsiDevice, LunInfo
from pyiscsi.conformance.plugin import TargetOptions
from pyiscsi.scsi.cdb import Read16, Write16

FAMILY = "iSCSI"
SUITE = "iSCSIDataPath"
pytestmark = [pytest.mark.iscsi_only, pytest.mark.dataloss]

COMBOS = list(itertools.product((True, False), (True, False), (512, 8192, 65536)))
SIZES = (1, 7, 16, 33, 129, 256)


@pytest.mark.parametrize(
    ("immediate", "initial_r2t", "first_burst"),
    COMBOS,
    ids=[f"Imm{'Yes' if i else 'No'}-R2T{'Yes' if r else 'No'}-FBL{f}" for i, r, f in COMBOS],
)
def test_Write(
    target: TargetOptions, lun: LunInfo, immediate: bool, initial_r2t: bool, first_burst: int
) -> None:
    """WRITE (16) of 1-256 blocks, read back equal, for this ImmediateData / InitialR2T /
    FirstBurstLength (unsolicited data up to FirstBurstLength, the rest on R2Ts: RFC 7143
    4.2.5.1, 11.8)."""
    session = target.connect(immediate_data=immediate, initial_r2t=initial_r2t,
                             first_burst_length=first_burst, max_burst_length=65536)  # fmt: skip
    dev = IscsiDevice(session, target.initiator_name)
    try:
        for n in SIZES:
            if lun.max_transfer and n > lun.max_transfer:
                break
            data = checks.pattern(n, lun.block_size)
            checks.ok(dev, lun, Write16(lba=n, transfer_length=n), data_out=data)
            got = checks.ok(dev, lun, Read16(lba=n, transfer_length=n)).data
            if bytes(got) != data:
                pytest.fail(f"{n} blocks written read back different", pytrace=False)
    finally:
        dev.close()


@pytest.mark.parametrize("max_burst", [512, 4096])
def test_SmallBursts(target: TargetOptions, lun: LunInfo, max_burst: int) -> None:
    """With a MaxBurstLength of 512 or 4096 bytes a 128 KiB WRITE takes many R2Ts, and a
    128 KiB READ many Data-In sequences; both keep the data (RFC 7143 13.13, 11.8)."""
    session = target.connect(max_burst_length=max_burst, first_burst_length=max_burst)
    dev = IscsiDevice(session, target.initiator_name)
    try:
        n = (128 * 1024) // lun.block_size
        data = checks.pattern(n, lun.block_size)
        checks.ok(dev, lun, Write16(lba=0, transfer_length=n), data_out=data)
        got = checks.ok(dev, lun, Read16(lba=0, transfer_length=n)).data
        if bytes(got) != data:
            pytest.fail(f"128 KiB with MaxBurstLength {max_burst}: data differ", pytrace=False)
    finally:
        dev.close()
