"""SCSI.ReadCapacity16: READ CAPACITY (16) (SBC-4 5.21, SERVICE ACTION IN (16) 10h)."""

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import Device, LunInfo
from pyiscsi.scsi.capacity import parse_read_capacity16
from pyiscsi.scsi.cdb import ReadCapacity16

FAMILY = "SCSI"
SUITE = "ReadCapacity16"


def test_Simple(sd: Device, lun: LunInfo) -> None:
    """READ CAPACITY (16) is GOOD and returns 32 bytes with a non-zero block length
    (SBC-4 5.21.2 parameter data)."""
    r = checks.ok(sd, lun, ReadCapacity16(allocation_length=32))
    rc = parse_read_capacity16(r.data)
    if len(r.data) < 12 or not rc.logical_block_length:
        pytest.fail(f"READ CAPACITY(16): short or zero-length data {r.data.hex()}", pytrace=False)


def test_Alloclen(sd: Device, lun: LunInfo) -> None:
    """ALLOCATION LENGTH 0-15 is no error: the target returns at most that many bytes
    (SPC-5 4.2.5.6 allocation length: "shall not be considered an error")."""
    for length in range(16):
        r = checks.ok(sd, lun, ReadCapacity16(allocation_length=length))
        if len(r.data) > length:
            pytest.fail(
                f"READ CAPACITY(16) allocation_length={length}: got {len(r.data)} bytes",
                pytrace=False,
            )


def test_PI(sd: Device, lun: LunInfo) -> None:
    """P_TYPE is 0-2 when PROT_EN is set, and PROT_EN is clear when INQUIRY PROTECT is
    clear (SBC-4 5.21.2, 4.22.2 protection types)."""
    r = checks.ok(sd, lun, ReadCapacity16(allocation_length=32))
    rc = parse_read_capacity16(r.data)
    protect = bool(lun.inquiry and lun.inquiry.protect)
    if rc.prot_en and not protect:
        pytest.fail("READ CAPACITY(16): PROT_EN set but INQUIRY PROTECT clear", pytrace=False)
    if rc.prot_en and (rc.p_type or 0) > 2:
        pytest.fail(f"READ CAPACITY(16): P_TYPE {rc.p_type} is reserved", pytrace=False)


def test_Support(sd: Device, lun: LunInfo) -> None:
    """A device claiming SBC-3 or later supports READ CAPACITY (16) (SBC-4 Table 13:
    READ CAPACITY (16) is mandatory)."""
    r = sd.run(ReadCapacity16(allocation_length=32).encode(), data_in=32)
    if r.status != 0:
        pytest.fail(f"READ CAPACITY(16): expected GOOD, got {r.sense}", pytrace=False)
