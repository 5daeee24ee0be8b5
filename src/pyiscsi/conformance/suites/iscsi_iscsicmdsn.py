"""iSCSI.iSCSIcmdsn: commands outside the CmdSN window are dropped by the target (RFC 7143
4.2.2.1: "... outside this range ... shall be silently ignored"). Needs the pdu_hook."""

import pytest

import pyiscsi
from pyiscsi.conformance.device import IscsiDevice, expect_good
from pyiscsi.conformance.hooks import connect_hooked
from pyiscsi.conformance.plugin import TargetOptions
from pyiscsi.protocol import pdu
from pyiscsi.scsi.cdb import TestUnitReady

FAMILY = "iSCSI"
SUITE = "iSCSIcmdsn"
pytestmark = [pytest.mark.iscsi_only, pytest.mark.disruptive]
WAIT = 3.0


def _shifted(target: TargetOptions, shift: int) -> None:
    state = {"armed": False, "hit": 0}

    def hook(p: object) -> object:
        if state["armed"] and isinstance(p, pdu.ScsiCommand):
            state["armed"] = False
            state["hit"] += 1
            p.cmdsn = (p.cmdsn + shift) & 0xFFFFFFFF
        return p

    session = connect_hooked(target, pdu_hook=hook)
    dev = IscsiDevice(session, target.initiator_name)
    try:
        expect_good(dev.run(TestUnitReady().encode()), "TEST UNIT READY before")
        state["armed"] = True
        try:
            r = session.execute(TestUnitReady().encode(), check=False, timeout=WAIT)
        except (pyiscsi.ISCSITimeoutError, pyiscsi.ISCSIConnectionError):
            return  # ignored, as it must be (or the connection dropped: see the docstring)
        pytest.fail(f"TEST UNIT READY with CmdSN outside the window was answered: status "
                    f"{r.status:#x}", pytrace=False)  # fmt: skip
    finally:
        dev.close()


@pytest.mark.iscsi_name("iSCSICmdSnTooHigh")
def test_iSCSICmdSnTooHigh(target: TargetOptions) -> None:
    """A TEST UNIT READY whose CmdSN is past MaxCmdSN gets no answer (RFC 7143 4.2.2.1)."""
    _shifted(target, 1 << 20)


@pytest.mark.iscsi_name("iSCSICmdSnTooLow")
def test_iSCSICmdSnTooLow(target: TargetOptions) -> None:
    """A TEST UNIT READY whose CmdSN is below ExpCmdSN gets no answer (RFC 7143 4.2.2.1)."""
    _shifted(target, -(1 << 20))
