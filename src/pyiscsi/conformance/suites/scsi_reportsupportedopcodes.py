"""SCSI.ReportSupportedOpcodes: REPORT SUPPORTED OPERATION CODES (SPC-5 6.35)."""

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import Device, LunInfo
from pyiscsi.scsi.cdb import ReportSupportedOperationCodes
from pyiscsi.scsi.reports import (
    parse_supported_operation_codes_all,
    parse_supported_operation_codes_one,
)

FAMILY = "SCSI"
SUITE = "ReportSupportedOpcodes"


def _all(sd: Device, lun: LunInfo, rctd: bool = False) -> bytes:
    return checks.ok(sd, lun, ReportSupportedOperationCodes(rctd=rctd)).data


def test_Simple(sd: Device, lun: LunInfo) -> None:
    """The all-commands form is GOOD, its COMMAND DATA LENGTH matches, and ALLOCATION LENGTH
    4 returns just the header (SPC-5 6.35.2)."""
    data = _all(sd, lun)
    parsed = parse_supported_operation_codes_all(data)
    if parsed.command_data_length is None or parsed.command_data_length + 4 != len(data):
        pytest.fail(
            f"COMMAND DATA LENGTH {parsed.command_data_length} but {len(data)} bytes came",
            pytrace=False,
        )
    r = checks.ok(sd, lun, ReportSupportedOperationCodes(allocation_length=4))
    if len(r.data) > 4:
        pytest.fail(f"allocation_length=4: got {len(r.data)} bytes", pytrace=False)


def test_OneCommand(sd: Device, lun: LunInfo) -> None:
    """Each command of the list is reported as supported (SUPPORT 011b) by the one-command
    form, with a CDB USAGE DATA starting with its opcode (SPC-5 6.35.3)."""
    parsed = parse_supported_operation_codes_all(_all(sd, lun))
    for c in parsed.commands:
        if c.servactv:
            continue
        r = checks.ok(
            sd,
            lun,
            ReportSupportedOperationCodes(
                reporting_options=1, requested_operation_code=c.operation_code
            ),
        )
        one = parse_supported_operation_codes_one(r.data)
        if one.support != 3 or one.cdb_usage_data[:1] != bytes([c.operation_code]):
            pytest.fail(
                f"opcode {c.operation_code:#04x}: SUPPORT {one.support}, usage data "
                f"{one.cdb_usage_data.hex()}",
                pytrace=False,
            )


def test_RCTD(sd: Device, lun: LunInfo) -> None:
    """With RCTD=1 every descriptor has CTDP set and a 12-byte command timeouts descriptor
    (SPC-5 6.35.2, 6.35.4); with RCTD=0 none has."""
    plain = parse_supported_operation_codes_all(_all(sd, lun))
    if any(c.ctdp for c in plain.commands):
        pytest.fail("RCTD=0: a descriptor has CTDP set", pytrace=False)
    timed = parse_supported_operation_codes_all(_all(sd, lun, rctd=True))
    for c in timed.commands:
        if not c.ctdp or c.command_timeouts is None:
            pytest.fail(
                f"RCTD=1: opcode {c.operation_code:#04x} has no timeouts descriptor",
                pytrace=False,
            )


def test_SERVACTV(sd: Device, lun: LunInfo) -> None:
    """Commands with service actions are listed with SERVACTV=1, the others with a zero
    SERVICE ACTION (SPC-5 6.35.2)."""
    parsed = parse_supported_operation_codes_all(_all(sd, lun))
    for c in parsed.commands:
        if not c.servactv and c.service_action:
            pytest.fail(
                f"opcode {c.operation_code:#04x}: SERVACTV=0 but SERVICE ACTION "
                f"{c.service_action:#x}",
                pytrace=False,
            )
