"""SCSI.ProutPreempt: PERSISTENT RESERVE OUT, PREEMPT (SPC-5 5.14.11.4)."""

import pytest

from pyiscsi.conformance.device import Device, IscsiDevice
from pyiscsi.conformance.prhelp import KEY_1, KEY_2, cleanup, prout, read_keys, register
from pyiscsi.scsi.opcodes import PersistentReserveOutServiceAction as Out

FAMILY = "SCSI"
SUITE = "ProutPreempt"
pytestmark = pytest.mark.iscsi_only


def test_RemoveRegistration(sd: Device, sd2: IscsiDevice) -> None:
    """PREEMPT with no reservation held removes the registrations of the SERVICE ACTION
    RESERVATION KEY (SPC-5 5.14.11.4.2)."""
    try:
        register(sd, KEY_1)
        register(sd2, KEY_2)
        prout(sd, Out.PREEMPT, KEY_1, KEY_2, 1)
        keys = read_keys(sd)
        if KEY_2 in keys or KEY_1 not in keys:
            pytest.fail(f"PREEMPT: keys after are {[hex(k) for k in keys]}", pytrace=False)
    finally:
        cleanup(sd, KEY_1)
