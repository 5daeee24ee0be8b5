"""SCSI.StartStopUnit: START STOP UNIT (SBC-4 START STOP UNIT command)."""

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import Device, LunInfo
from pyiscsi.scsi.cdb import StartStopUnit, TestUnitReady

FAMILY = "SCSI"
SUITE = "StartStopUnit"


def test_Simple(sd: Device, lun: LunInfo) -> None:
    """On a non-removable LU, START=0 LOEJ=1 does not eject: the LU stays ready; START=1
    brings it back (SBC-4 START STOP UNIT: LOEJ applies to removable media only)."""
    if lun.removable:
        pytest.skip("medium is removable")
    checks.ok(sd, lun, StartStopUnit(start=False, loej=True, immed=True))
    checks.ok(sd, lun, StartStopUnit(start=True, loej=True, immed=True))
    checks.ok(sd, lun, TestUnitReady())


def test_PwrCnd(sd: Device, lun: LunInfo) -> None:
    """POWER CONDITION ACTIVE (1h) with START=1 is GOOD (SBC-4 START STOP UNIT, POWER
    CONDITION field)."""
    checks.ok(sd, lun, StartStopUnit(start=True, power_condition=1, immed=True))
    checks.ok(sd, lun, StartStopUnit(start=True, power_condition=0, immed=True))


def test_NoLoej(sd: Device, lun: LunInfo) -> None:
    """START=1 and START=0 with LOEJ=0 are GOOD and leave the LU usable after START=1
    (SBC-4 START STOP UNIT)."""
    checks.ok(sd, lun, StartStopUnit(start=True, loej=False, immed=True))
    checks.ok(sd, lun, StartStopUnit(start=False, loej=False, immed=True))
    checks.ok(sd, lun, StartStopUnit(start=True, loej=False, immed=True))
    checks.ok(sd, lun, TestUnitReady())
