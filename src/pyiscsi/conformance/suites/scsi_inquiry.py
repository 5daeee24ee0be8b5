"""SCSI.Inquiry: INQUIRY (SPC-5 6.7) and the VPD pages SBC-4 requires."""

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import (
    INVALID_FIELD_IN_CDB,
    Device,
    LunInfo,
    expect_good,
    expect_sense,
)
from pyiscsi.scsi.cdb import Inquiry
from pyiscsi.scsi.inquiry import parse_standard_inquiry

FAMILY = "SCSI"
SUITE = "Inquiry"


def _fail(msg: str) -> None:
    pytest.fail(msg, pytrace=False)


def test_Standard(sd: Device, lun: LunInfo) -> None:
    """Standard INQUIRY data: at least 36 bytes, RESPONSE DATA FORMAT 2, ADDITIONAL LENGTH
    matches, peripheral qualifier 0, VERSION one of the SPC versions, printable ASCII
    identification fields (SPC-5 6.7.2)."""
    r = checks.ok(sd, lun, Inquiry(allocation_length=255))
    inq = parse_standard_inquiry(r.data)
    if len(r.data) < 36:
        _fail(f"INQUIRY: expected at least 36 bytes, got {len(r.data)}")
    if inq.response_data_format != 2:
        _fail(f"INQUIRY: expected RESPONSE DATA FORMAT 2, got {inq.response_data_format}")
    if inq.additional_length is not None and len(r.data) != min(255, inq.additional_length + 5):
        _fail(f"INQUIRY: ADDITIONAL LENGTH {inq.additional_length} but {len(r.data)} bytes came")
    if inq.peripheral_qualifier != 0:
        _fail(f"INQUIRY: expected PERIPHERAL QUALIFIER 0, got {inq.peripheral_qualifier}")
    if inq.version not in (0, 3, 4, 5, 6, 7):
        _fail(f"INQUIRY: VERSION {inq.version} is not a known SPC version")
    for offset in range(8, 36):
        if not 0x20 <= r.data[offset] < 0x7F:
            _fail(f"INQUIRY: byte {offset} ({r.data[offset]:#x}) of the identification fields is "
                  "not printable ASCII")  # fmt: skip


def test_AllocLength(sd: Device, lun: LunInfo) -> None:
    """INQUIRY with ALLOCATION LENGTH 0-255 is GOOD and returns no more than asked for
    (SPC-5 4.2.5.6 allocation length)."""
    for length in range(256):
        r = checks.ok(sd, lun, Inquiry(allocation_length=length))
        if len(r.data) > length:
            _fail(f"INQUIRY allocation_length={length}: got {len(r.data)} bytes")


def test_EVPD(sd: Device, lun: LunInfo) -> None:
    """EVPD=0 with a non-zero PAGE CODE is INVALID FIELD IN CDB; each listed VPD page can be
    read and carries its own page code and the device type (SPC-5 6.7.1, 7.7.1)."""
    for page in (0x00, 0x80, 0x83):
        if page:
            r = sd.run(Inquiry(page_code=page, allocation_length=255).encode(), data_in=255)
            expect_sense(r, f"INQUIRY evpd=0 page_code={page:#x}", INVALID_FIELD_IN_CDB)
    for page in lun.vpd_pages:
        r = sd.run(Inquiry(evpd=True, page_code=page, allocation_length=255).encode(), data_in=255)
        expect_good(r, f"INQUIRY VPD page {page:#04x}")
        if len(r.data) < 4 or r.data[1] != page:
            _fail(f"INQUIRY VPD page {page:#04x}: page code byte is {r.data[1:2].hex() or '-'}")
        if r.data[0] & 0x1F != lun.device_type:
            _fail(f"INQUIRY VPD page {page:#04x}: device type {r.data[0] & 0x1F}, "
                  f"standard INQUIRY says {lun.device_type}")  # fmt: skip


def test_BlockLimits(sd: Device, lun: LunInfo) -> None:
    """The Block Limits VPD page (B0h) is 64 bytes long (page length 3Ch) on SBC-3 and later
    and is consistent with the Logical Block Provisioning page (SBC-4 6.6.4)."""
    if 0xB0 not in lun.vpd_pages:
        if lun.sbc3 and lun.device_type == 0:
            _fail("Block Limits VPD page B0h missing (SBC-4 6.6.4: mandatory for SBC-3)")
        pytest.skip("Block Limits VPD page not supported")
    r = checks.ok(sd, lun, Inquiry(evpd=True, page_code=0xB0, allocation_length=255))
    length = int.from_bytes(r.data[2:4], "big")
    if length != 0x3C:
        _fail(f"Block Limits VPD: expected PAGE LENGTH 0x3c, got {length:#x}")
    bl = lun.block_limits
    if lun.lbp is not None and lun.lbp.lbpu and bl is not None and not bl.maximum_unmap_lba_count:
        _fail("LBPU set but Block Limits MAXIMUM UNMAP LBA COUNT is 0")


def test_MandatoryVPDSBC(sd: Device, lun: LunInfo) -> None:
    """A block device lists the mandatory VPD pages: Supported VPD Pages (00h) and Device
    Identification (83h) (SPC-5 7.7.1; SBC-4 6.6.1 adds B0h/B1h/B2h when their features are
    present)."""
    if lun.device_type != 0:
        pytest.skip("not a direct-access block device")
    for page in (0x00, 0x83):
        if page not in lun.vpd_pages:
            _fail(f"mandatory VPD page {page:#04x} missing from the Supported VPD Pages list")


def test_SupportedVPD(sd: Device, lun: LunInfo) -> None:
    """The Supported VPD Pages page lists itself, in ascending order, and every page in it
    can be read (SPC-5 7.7.13)."""
    if 0x00 not in lun.vpd_pages:
        _fail("Supported VPD Pages (00h) does not list page 00h")
    if lun.vpd_pages != sorted(lun.vpd_pages):
        _fail(f"Supported VPD Pages not in ascending order: {lun.vpd_pages}")
    for page in lun.vpd_pages:
        checks.ok(sd, lun, Inquiry(evpd=True, page_code=page, allocation_length=255))


def test_VersionDescriptors(sd: Device, lun: LunInfo) -> None:
    """A block device claiming SBC-3 or later lists an SBC version descriptor (0x04C0-0x04FF
    or 0x0600-0x061F) among its VERSION DESCRIPTORS (SPC-5 6.7.2, Table 148)."""
    if lun.inquiry is None or not lun.sbc3 or lun.device_type != 0:
        pytest.skip("not an SBC-3 block device")
    descriptors = lun.inquiry.version_descriptors
    if not descriptors:
        pytest.skip("no version descriptors")
    if not any(0x04C0 <= d <= 0x04FF or 0x0600 <= d <= 0x061F for d in descriptors):
        _fail(f"no SBC version descriptor in {[hex(d) for d in descriptors]}")


def test_VPDPageCodesSorted(sd: Device, lun: LunInfo) -> None:
    """The Supported VPD Pages list is in ascending order with no duplicates (SPC-5
    7.7.13: "in ascending order"). libiscsi 1.20 test."""
    if lun.vpd_pages != sorted(set(lun.vpd_pages)):
        _fail(f"Supported VPD Pages not strictly ascending: {[hex(p) for p in lun.vpd_pages]}")
