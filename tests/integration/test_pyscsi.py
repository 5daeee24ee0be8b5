"""python-scsi (PyPI PYSCSI) runs on pyiscsi.pyscsi.Device against tgtd: no C at all."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from _targets import BLOCK, INITIATOR, MiB, TargetFactory, own_daemon
from pyscsi.pyscsi.scsi import SCSI
from pyscsi.pyscsi.scsi_cdb_read16 import Read16
from pyscsi.pyscsi.scsi_sense import SCSICheckCondition

import pyiscsi
import pyiscsi.sync
from pyiscsi.pyscsi import Device
from tgt import Tgtd

DISK = 8 * MiB


@pytest.fixture(scope="module")
def daemon() -> Iterator[Tgtd]:
    yield from own_daemon()


@pytest.fixture(scope="module")
def url(daemon: Tgtd) -> str:
    return TargetFactory(daemon).new("pyscsi", size=DISK)[1]


def test_python_scsi_commands_through_pyiscsi(url: str) -> None:
    device = Device(url, initiator_name=INITIATOR)
    with SCSI(device, BLOCK) as s:
        assert device.devicetype == 0  # SCSI() asked INQUIRY: a direct access block device
        inquiry = s.inquiry().result
        assert inquiry["t10_vendor_identification"].strip() == b"IET"
        assert inquiry["product_identification"].strip() == b"VIRTUAL-DISK"
        capacity = s.readcapacity16().result
        assert capacity["returned_lba"] == DISK // BLOCK - 1
        assert capacity["block_length"] == BLOCK
        data = bytearray(os.urandom(4 * BLOCK))
        s.write16(100, 4, data)
        assert s.read16(100, 4).datain == data
        caching = s.modesense10(page_code=0x08).result  # the Caching mode page
        assert caching["mode_pages"][0]["page_code"] == 0x08
        with pytest.raises(SCSICheckCondition) as info:
            s.read16(DISK // BLOCK, 1)  # one past the last LBA
        error = info.value
        assert isinstance(error, device.CheckCondition)
        assert isinstance(error, pyiscsi.CheckConditionError)
        assert (error.asc, error.ascq) == (0x21, 0x00)  # as python-scsi decodes the sense
        assert error.sense is not None and error.sense.asc == 0x21  # and as pyiscsi does
        assert "LOGICAL BLOCK ADDRESS OUT OF RANGE" in str(error)
        command = Read16(device.opcodes.READ_16, BLOCK, DISK // BLOCK, 1)
        with pytest.raises(Device.CheckCondition):
            device.execute(command, en_raw_sense=True)
        assert command.raw_sense_data[12:14] == b"\x21\x00"  # fixed format: ASC, ASCQ
    assert device.session.state == "closed"  # leaving SCSI() logged out


def test_device_on_a_session_of_the_callers(url: str) -> None:
    with pyiscsi.sync.connect(url, initiator_name=INITIATOR) as session:
        device = Device(session=session)
        command = SCSI(device).testunitready()
        assert command is not None
        device.close()  # not ours: the session stays logged in
        session.test_unit_ready()
    with pytest.raises(pyiscsi.ConfigurationError, match="URL"):
        Device()
