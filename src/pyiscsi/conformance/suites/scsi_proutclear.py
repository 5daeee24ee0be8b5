"""SCSI.ProutClear: PERSISTENT RESERVE OUT, CLEAR (SPC-5 5.14.11.6)."""

import pytest

from pyiscsi.conformance.device import Device
from pyiscsi.conformance.prhelp import KEY_1, cleanup, prout, read_keys, read_reservation
from pyiscsi.scsi.opcodes import PersistentReserveOutServiceAction as Out

FAMILY = "SCSI"
SUITE = "ProutClear"
pytestmark = pytest.mark.iscsi_only


def test_Simple(sd: Device) -> None:
    """CLEAR removes every registration and the reservation (SPC-5 5.14.11.6)."""
    try:
        prout(sd, Out.REGISTER, 0, KEY_1)
        prout(sd, Out.RESERVE, KEY_1, 0, 1)
        prout(sd, Out.CLEAR, KEY_1)
        if read_keys(sd):
            pytest.fail("CLEAR: keys still registered", pytrace=False)
        if read_reservation(sd).type is not None:
            pytest.fail("CLEAR: a reservation is still held", pytrace=False)
    finally:
        cleanup(sd, KEY_1)
