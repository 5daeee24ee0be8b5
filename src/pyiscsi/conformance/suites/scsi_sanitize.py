"""SCSI.Sanitize: SANITIZE (SBC-4 SANITIZE command, 4.11 sanitize operations). Every test
needs --allow-sanitize (and --dataloss): SANITIZE destroys the whole LU."""

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import (
    INVALID_FIELD_IN_CDB,
    PARAMETER_LIST_LENGTH_ERROR,
    RESERVATION_CONFLICT,
    Device,
    IscsiDevice,
    LunInfo,
    expect_status,
)
from pyiscsi.scsi.cdb import Release6, Reserve6, Sanitize, TestUnitReady
from pyiscsi.scsi.opcodes import Opcode, SanitizeServiceAction

FAMILY = "SCSI"
SUITE = "Sanitize"
pytestmark = [pytest.mark.sanitize, pytest.mark.dataloss]


def _require(lun: LunInfo, action: int) -> None:
    ops = lun.supported_opcodes
    if ops is None or (Opcode.SANITIZE, action) not in ops:
        pytest.skip(f"SANITIZE service action {action:#x} is not implemented")


def _overwrite_params(lun: LunInfo, length: int = 4) -> bytes:
    # OVERWRITE parameter list: INVERT/TEST/OVERWRITE COUNT, reserved, PATTERN LENGTH, pattern
    return bytes([1, 0]) + length.to_bytes(2, "big") + b"\xa5" * length


def test_BlockErase(sd: Device, lun: LunInfo) -> None:
    """SANITIZE BLOCK ERASE is GOOD and the LU becomes ready again (SBC-4 SANITIZE)."""
    _require(lun, SanitizeServiceAction.BLOCK_ERASE)
    checks.ok(sd, lun, Sanitize(service_action=SanitizeServiceAction.BLOCK_ERASE))
    checks.ok(sd, lun, TestUnitReady())


def test_BlockEraseReserved(sd: Device, lun: LunInfo) -> None:
    """BLOCK ERASE with a parameter list (its PARAMETER LIST LENGTH must be 0) is INVALID
    FIELD IN CDB (SBC-4 SANITIZE: "if ... not zero ... INVALID FIELD IN CDB")."""
    _require(lun, SanitizeServiceAction.BLOCK_ERASE)
    checks.err(sd, lun, Sanitize(service_action=SanitizeServiceAction.BLOCK_ERASE,
                                 parameter_list_length=8), INVALID_FIELD_IN_CDB,
               data_out=bytes(8))  # fmt: skip


def test_CryptoErase(sd: Device, lun: LunInfo) -> None:
    """SANITIZE CRYPTOGRAPHIC ERASE is GOOD (SBC-4 SANITIZE)."""
    _require(lun, SanitizeServiceAction.CRYPTOGRAPHIC_ERASE)
    checks.ok(sd, lun, Sanitize(service_action=SanitizeServiceAction.CRYPTOGRAPHIC_ERASE))


def test_CryptoEraseReserved(sd: Device, lun: LunInfo) -> None:
    """CRYPTOGRAPHIC ERASE with a parameter list is INVALID FIELD IN CDB (SBC-4 SANITIZE)."""
    _require(lun, SanitizeServiceAction.CRYPTOGRAPHIC_ERASE)
    checks.err(sd, lun, Sanitize(service_action=SanitizeServiceAction.CRYPTOGRAPHIC_ERASE,
                                 parameter_list_length=8), INVALID_FIELD_IN_CDB,
               data_out=bytes(8))  # fmt: skip


def test_ExitFailureMode(sd: Device, lun: LunInfo) -> None:
    """EXIT FAILURE MODE with no failed sanitize is GOOD or rejected with INVALID FIELD IN
    CDB, never something else (SBC-4 SANITIZE, EXIT FAILURE MODE)."""
    _require(lun, SanitizeServiceAction.EXIT_FAILURE_MODE)
    r = checks.run(sd, lun, Sanitize(service_action=SanitizeServiceAction.EXIT_FAILURE_MODE))
    if r.status != 0:
        checks.expect_sense(r, "SANITIZE EXIT FAILURE MODE", INVALID_FIELD_IN_CDB)


def test_InvalidServiceAction(sd: Device, lun: LunInfo) -> None:
    """Service actions other than 01h-03h and 1Fh are INVALID FIELD IN CDB (SBC-4 SANITIZE,
    Table of service actions)."""
    if lun.supported_opcodes is None or not any(
        op == Opcode.SANITIZE for op, _ in lun.supported_opcodes
    ):
        pytest.skip("SANITIZE is not implemented")
    for action in [0, *range(4, 0x1F)]:
        checks.err(sd, lun, Sanitize(service_action=action), INVALID_FIELD_IN_CDB)


def test_Overwrite(sd: Device, lun: LunInfo) -> None:
    """SANITIZE OVERWRITE with a 4-byte pattern is GOOD (SBC-4 SANITIZE, OVERWRITE)."""
    _require(lun, SanitizeServiceAction.OVERWRITE)
    params = _overwrite_params(lun)
    checks.ok(sd, lun, Sanitize(service_action=SanitizeServiceAction.OVERWRITE,
                                parameter_list_length=len(params)), data_out=params)  # fmt: skip


def test_OverwriteReserved(sd: Device, lun: LunInfo) -> None:
    """OVERWRITE with PATTERN LENGTH 0, or longer than a block, or a parameter list length
    that disagrees with it, is an error (SBC-4 SANITIZE, OVERWRITE parameter list)."""
    _require(lun, SanitizeServiceAction.OVERWRITE)
    for pattern in (0, lun.block_size + 4):
        params = _overwrite_params(lun, pattern)
        checks.err(sd, lun, Sanitize(service_action=SanitizeServiceAction.OVERWRITE,
                                     parameter_list_length=len(params)),
                   INVALID_FIELD_IN_CDB, (0x5, 0x26, 0x00), PARAMETER_LIST_LENGTH_ERROR,
                   data_out=params)  # fmt: skip


def test_Readonly(sd: Device, lun: LunInfo) -> None:
    """SANITIZE on a write-protected LU is DATA PROTECT, WRITE PROTECTED (SBC-4 4.11)."""
    if not lun.write_protected:
        pytest.skip("logical unit is not write protected")
    _require(lun, SanitizeServiceAction.BLOCK_ERASE)
    checks.err(sd, lun, Sanitize(service_action=SanitizeServiceAction.BLOCK_ERASE),
               (0x7, 0x27, None))  # fmt: skip


@pytest.mark.iscsi_only
def test_Reservations(sd: Device, sd2: IscsiDevice, lun: LunInfo) -> None:
    """SANITIZE from an initiator other than the holder of a RESERVE (6) reservation is
    RESERVATION CONFLICT (SPC-2 5.5.1 / SBC-4 commands allowed in the presence of
    reservations: SANITIZE is not)."""
    _require(lun, SanitizeServiceAction.BLOCK_ERASE)
    checks.ok(sd, lun, Reserve6())
    try:
        r = checks.run(sd2, lun, Sanitize(service_action=SanitizeServiceAction.BLOCK_ERASE))
        expect_status(r, RESERVATION_CONFLICT, "SANITIZE from another initiator")
    finally:
        checks.run(sd, lun, Release6())


@pytest.mark.iscsi_only
def test_Reset(sd: Device, lun: LunInfo) -> None:
    """A SANITIZE started with IMMED=1 goes on through a LOGICAL UNIT RESET: afterwards the
    LU reports NOT READY, SANITIZE IN PROGRESS (04h/1Bh) until it is done, then GOOD; nothing
    else (SBC-4 4.11.2: a sanitize operation survives resets)."""
    import pyiscsi

    _require(lun, SanitizeServiceAction.BLOCK_ERASE)
    assert isinstance(sd, IscsiDevice)
    checks.ok(sd, lun, Sanitize(service_action=SanitizeServiceAction.BLOCK_ERASE, immed=True))
    try:
        sd.session.lun_reset()
    except pyiscsi.TaskManagementError as exc:
        pytest.skip(f"LOGICAL UNIT RESET not supported: {exc}")
    checks.clear_unit_attentions(sd)
    r = checks.run(sd, lun, TestUnitReady())
    if r.status != 0:
        checks.expect_sense(r, "TEST UNIT READY after the reset", (0x2, 0x04, 0x1B))
