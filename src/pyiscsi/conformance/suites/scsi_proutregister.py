"""SCSI.ProutRegister: PERSISTENT RESERVE OUT, REGISTER (SPC-5 6.17.2, 5.14.7)."""

import pytest

from pyiscsi.conformance.device import RESERVATION_CONFLICT, Device
from pyiscsi.conformance.prhelp import KEY_1, KEY_2, cleanup, prout, read_keys
from pyiscsi.scsi.opcodes import PersistentReserveOutServiceAction as Out

FAMILY = "SCSI"
SUITE = "ProutRegister"
pytestmark = pytest.mark.iscsi_only


def test_Simple(sd: Device) -> None:
    """REGISTER a key; REGISTER again with a wrong RESERVATION KEY is RESERVATION CONFLICT;
    REGISTER with the right key and SERVICE ACTION RESERVATION KEY 0 unregisters (SPC-5
    5.14.7, Table 56)."""
    try:
        prout(sd, Out.REGISTER, 0, KEY_1)
        if KEY_1 not in read_keys(sd):
            pytest.fail("REGISTER: key not listed by READ KEYS", pytrace=False)
        prout(sd, Out.REGISTER, KEY_2, KEY_2, expect=RESERVATION_CONFLICT)
        prout(sd, Out.REGISTER, KEY_1, 0)
        if KEY_1 in read_keys(sd):
            pytest.fail("REGISTER with key 0: key still listed", pytrace=False)
    finally:
        cleanup(sd, KEY_1)
