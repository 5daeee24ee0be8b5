"""iSCSI.iSCSIdatasn: Data-Out PDUs with a wrong DataSN (RFC 7143 11.7.5: DataSN counts the
Data-Out PDUs of a sequence from 0). Needs the pdu_hook."""

import pytest

import pyiscsi
from pyiscsi.conformance.device import LunInfo
from pyiscsi.conformance.hooks import connect_hooked
from pyiscsi.conformance.plugin import TargetOptions
from pyiscsi.protocol import pdu
from pyiscsi.scsi.cdb import Write10

FAMILY = "iSCSI"
SUITE = "iSCSIdatasn"
pytestmark = [pytest.mark.disruptive, pytest.mark.iscsi_only, pytest.mark.dataloss]
WAIT = 3.0


@pytest.mark.iscsi_name("iSCSIDataSnInvalid")
def test_iSCSIDataSnInvalid(target: TargetOptions, lun: LunInfo) -> None:
    """WRITE (10) whose Data-Out PDUs carry DataSN 0,0 / 27 / -1 / 1,0 does not end GOOD:
    the target rejects the PDU or fails the command or the connection (RFC 7143 11.7.5,
    7.1.1 recovery)."""
    for change in ("zero", "27", "minus1", "swap"):

        def hook(p: object, change: str = change) -> object:
            if isinstance(p, pdu.DataOut):
                index = p.datasn
                p.datasn = {"zero": 0, "27": 27, "minus1": 0xFFFFFFFF,
                            "swap": 1 - index if index < 2 else index}[change]  # fmt: skip
            return p

        session = connect_hooked(target, pdu_hook=hook, immediate_data=False, initial_r2t=True,
                                 max_recv_data_segment_length=512)  # fmt: skip
        try:
            blocks = 64  # 32 KiB: several Data-Out PDUs at any MaxRecvDataSegmentLength <= 8 KiB
            r = session.execute(Write10(lba=100, transfer_length=blocks).encode(),
                                data_out=b"\xa6" * (blocks * lun.block_size), check=False,
                                timeout=WAIT)  # fmt: skip
        except pyiscsi.ISCSIError:
            continue  # rejected, timed out or dropped: not GOOD
        finally:
            session.close()
        if r.status == 0:
            pytest.fail(f"WRITE(10) with DataSN changed ({change}): GOOD", pytrace=False)
