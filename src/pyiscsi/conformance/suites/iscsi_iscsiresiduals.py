"""iSCSI.iSCSIResiduals: the residual fields of the SCSI Response when the expected data
transfer length (EDTL) of the iSCSI command differs from what the CDB asks for (RFC 7143
11.4.5.1 residual overflow/underflow, 11.4.5.2 residual count)."""

from typing import Any

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import Device, IscsiDevice, LunInfo, Result
from pyiscsi.scsi.cdb import (
    Read10,
    Read12,
    Read16,
    Write10,
    Write12,
    Write16,
    WriteAndVerify10,
    WriteAndVerify12,
    WriteAndVerify16,
)

FAMILY = "iSCSI"
SUITE = "iSCSIResiduals"
pytestmark = pytest.mark.iscsi_only

#: ILLEGAL REQUEST, INVALID FIELD IN INFORMATION UNIT (0Eh/03h), a write may end so
INVALID_FIELD_IN_IU = (0x5, 0x0E, 0x03)


def _fail(msg: str) -> None:
    pytest.fail(msg, pytrace=False)


def _residual(r: Result, what: str, *, overflow: bool, count: int) -> None:
    if overflow and not r.overflow:
        _fail(f"{what}: expected the residual overflow (O) flag")
    if not overflow and not r.underflow:
        _fail(f"{what}: expected the residual underflow (U) flag")
    if r.residual != count:
        _fail(f"{what}: expected residual count {count}, got {r.residual}")


def _read_cases(sd: IscsiDevice, lun: LunInfo, make: Any) -> None:
    bs = lun.block_size
    cases = [  # (blocks in the CDB, EDTL, overflow?, residual)
        (1, 10000, False, 10000 - bs),
        (1, 200, True, bs - 200),
        (2, bs, True, bs),
    ]
    for blocks, edtl, overflow, count in cases:
        what = f"{make.command_name} of {blocks} block(s) with EDTL {edtl}"
        r = sd.run(make(lba=0, transfer_length=blocks).encode(), data_in=edtl)
        checks.skip_if_not_implemented(r, make.command_name)
        checks.expect_good(r, what)
        if len(r.data) != min(edtl, blocks * bs):
            _fail(f"{what}: expected {min(edtl, blocks * bs)} bytes, got {len(r.data)}")
        _residual(r, what, overflow=overflow, count=count)


def _write_cases(sd: IscsiDevice, lun: LunInfo, make: Any) -> None:
    bs = lun.block_size
    cases = [(1, 2 * bs, False, bs), (2, bs, True, bs), (1, 10000, False, 10000 - bs),
             (1, 200, True, bs - 200)]  # fmt: skip
    for blocks, edtl, overflow, count in cases:
        what = f"{make.command_name} of {blocks} block(s) with EDTL {edtl}"
        checks.ok(sd, lun, Write10(lba=0, transfer_length=2), data_out=b"a" * (2 * bs))
        r = sd.run(make(lba=0, transfer_length=blocks).encode(), data_out=b"b" * edtl)
        checks.skip_if_not_implemented(r, make.command_name)
        if r.status != 0:
            checks.expect_sense(r, what, INVALID_FIELD_IN_IU)
            continue
        _residual(r, what, overflow=overflow, count=count)
        written = min(edtl, blocks * bs)
        got = bytes(checks.ok(sd, lun, Read10(lba=0, transfer_length=2)).data)
        want = b"b" * written + b"a" * (2 * bs - written)
        if got != want:
            _fail(f"{what}: expected {written} bytes written (min of EDTL and the CDB), "
                  f"the medium says otherwise")  # fmt: skip


def test_Read10Invalid(sd: Device, lun: LunInfo) -> None:
    """READ (10) of one block with an EDTL larger and smaller than a block, and of two
    blocks with an EDTL of one: GOOD, the data up to EDTL, U/O flag and residual count
    (RFC 7143 11.4.5.1). libiscsi also sends EDTL 0 with R=1; pyiscsi's public API cannot
    (R is set only with a data-in buffer), so that case needs the pdu_hook."""
    assert isinstance(sd, IscsiDevice)
    _read_cases(sd, lun, Read10)


def test_Read10Residuals(sd: Device, lun: LunInfo) -> None:
    """READ (10) residuals: EDTL 10000, 200 and one block for two (RFC 7143 11.4.5.1)."""
    assert isinstance(sd, IscsiDevice)
    _read_cases(sd, lun, Read10)


def test_Read12Residuals(sd: Device, lun: LunInfo) -> None:
    """READ (12) residuals, as Read10Residuals (RFC 7143 11.4.5.1)."""
    assert isinstance(sd, IscsiDevice)
    _read_cases(sd, lun, Read12)


def test_Read16Residuals(sd: Device, lun: LunInfo) -> None:
    """READ (16) residuals, as Read10Residuals (RFC 7143 11.4.5.1)."""
    assert isinstance(sd, IscsiDevice)
    _read_cases(sd, lun, Read16)


def _writes(make: Any, name: str) -> None:
    @pytest.mark.dataloss
    def test(sd: Device, lun: LunInfo) -> None:
        assert isinstance(sd, IscsiDevice)
        _write_cases(sd, lun, make)

    test.__doc__ = (
        f"{make.command_name} with EDTL of 2 blocks, 10000 and 200 bytes for one block, and "
        "one block for two: GOOD with the U/O flag and residual count, and only min(EDTL, "
        "transfer length) bytes written; or CHECK CONDITION INVALID FIELD IN INFORMATION UNIT "
        "(RFC 7143 11.4.5.1; FCP-4 9.4.2 as libiscsi reads it)."
    )
    test.__name__ = test.__qualname__ = f"test_{name}"
    globals()[test.__name__] = test


for _make, _name in (
    (Write10, "Write10Residuals"),
    (Write12, "Write12Residuals"),
    (Write16, "Write16Residuals"),
    (WriteAndVerify10, "WriteVerify10Residuals"),
    (WriteAndVerify12, "WriteVerify12Residuals"),
    (WriteAndVerify16, "WriteVerify16Residuals"),
):
    _writes(_make, _name)
