"""SCSI.ExtendedCopy: EXTENDED COPY (LID1) within the LU (SPC-5 6.4 EXTENDED COPY (LID1),
6.4.5 CSCD descriptors, 6.4.6 segment descriptors)."""

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import (
    INVALID_FIELD_IN_PARAMETER_LIST,
    PARAMETER_LIST_LENGTH_ERROR,
    Device,
    LunInfo,
)
from pyiscsi.scsi.cdb import ExtendedCopy, Inquiry, Read16, ReceiveCopyResults, Write16
from pyiscsi.scsi.inquiry import DeviceIdentification, parse_vpd
from pyiscsi.scsi.opcodes import ReceiveCopyResultsServiceAction
from pyiscsi.scsi.params import (
    BlockToBlockSegment,
    ExtendedCopyParameters,
    IdentificationCscd,
    build_extended_copy_parameter_list,
)
from pyiscsi.scsi.reports import parse_copy_operating_parameters

FAMILY = "SCSI"
SUITE = "ExtendedCopy"
HEADER = 16
#: UNSUPPORTED TARGET DESCRIPTOR TYPE CODE (26h/07h), UNSUPPORTED SEGMENT ... (26h/09h),
#: TOO MANY TARGET / SEGMENT DESCRIPTORS (26h/06h, 26h/08h)
XCOPY_DESCRIPTOR_ERRORS = ((0x5, 0x26, None), (0x5, 0x1A, 0x00))


def _operating(sd: Device, lun: LunInfo) -> tuple[int, int]:
    c = ReceiveCopyResults(service_action=ReceiveCopyResultsServiceAction.OPERATING_PARAMETERS)
    r = checks.run(sd, lun, c)
    checks.skip_if_not_implemented(r, "RECEIVE COPY RESULTS")
    r2 = checks.run(sd, lun, ExtendedCopy(parameter_list_length=0))
    checks.skip_if_not_implemented(r2, "EXTENDED COPY")
    checks.expect_good(r, "RECEIVE COPY RESULTS OPERATING PARAMETERS")
    op = parse_copy_operating_parameters(r.data)
    return int(op.maximum_cscd_descriptor_count or 1), int(op.maximum_segment_descriptor_count or 1)


def _cscd(sd: Device, lun: LunInfo) -> IdentificationCscd:
    r = checks.ok(sd, lun, Inquiry(evpd=True, page_code=0x83, allocation_length=255))
    page = parse_vpd(r.data)
    if not isinstance(page, DeviceIdentification):
        pytest.fail("VPD page 0x83 did not parse as Device Identification", pytrace=False)
    for d in page.designators:
        if d.association == 0 and d.designator_type in (1, 2, 3, 8) and len(d.designator) <= 20:
            return IdentificationCscd(designator=d.designator, code_set=d.code_set,
                                      designator_type=d.designator_type,
                                      disk_block_length=lun.block_size)  # fmt: skip
    pytest.skip("no logical unit designator usable in a CSCD descriptor")


def _params(cscd: IdentificationCscd, blocks: int, src: int, dst: int,
            cscds: int = 1, segments: int = 1) -> bytes:  # fmt: skip
    seg = BlockToBlockSegment(0, 0, blocks, src, dst)
    return build_extended_copy_parameter_list(
        ExtendedCopyParameters(
            cscd_descriptors=[cscd] * cscds, segment_descriptors=[seg] * segments
        )
    )


def _xcopy(sd: Device, lun: LunInfo, params: bytes, length: int | None = None) -> checks.Result:
    n = len(params) if length is None else length
    return checks.run(sd, lun, ExtendedCopy(parameter_list_length=n), data_out=params[:n])


@pytest.mark.dataloss
def test_Simple(sd: Device, lun: LunInfo) -> None:
    """Copy 2048 blocks from LBA 0 to LBA 2048 of the same LU; the copy reads back equal
    (SPC-5 6.4; 6.4.6.5 block device to block device segment)."""
    _operating(sd, lun)
    cscd = _cscd(sd, lun)
    data = checks.pattern(16, lun.block_size)
    checks.ok(sd, lun, Write16(lba=0, transfer_length=16), data_out=data)
    checks.expect_good(_xcopy(sd, lun, _params(cscd, 16, 0, 2048)), "EXTENDED COPY 16 blocks")
    got = checks.ok(sd, lun, Read16(lba=2048, transfer_length=16)).data
    if bytes(got) != data:
        pytest.fail("EXTENDED COPY: the copied blocks differ from the source", pytrace=False)


@pytest.mark.dataloss
def test_ParamHdr(sd: Device, lun: LunInfo) -> None:
    """A PARAMETER LIST LENGTH that cuts a CSCD or segment descriptor is PARAMETER LIST
    LENGTH ERROR; zero is GOOD (no copy) (SPC-5 6.4.1)."""
    _operating(sd, lun)
    params = _params(_cscd(sd, lun), 1, 0, 2048)
    for cut in (HEADER + 31, len(params) - 1):
        checks.expect_sense(_xcopy(sd, lun, params, cut), f"EXTENDED COPY cut at {cut} bytes",
                            PARAMETER_LIST_LENGTH_ERROR)  # fmt: skip
    checks.expect_good(_xcopy(sd, lun, b"", 0), "EXTENDED COPY with no parameter list")


@pytest.mark.dataloss
def test_DescrLimits(sd: Device, lun: LunInfo) -> None:
    """More CSCD or segment descriptors than the copy manager's maximum is ILLEGAL REQUEST
    (TOO MANY TARGET/SEGMENT DESCRIPTORS) (SPC-5 6.4.1; 6.18.4 operating parameters)."""
    max_cscd, max_seg = _operating(sd, lun)
    cscd = _cscd(sd, lun)
    for params in (_params(cscd, 1, 0, 2048, cscds=max_cscd + 1),
                   _params(cscd, 1, 0, 2048, segments=max_seg + 1)):  # fmt: skip
        checks.expect_sense(_xcopy(sd, lun, params), "EXTENDED COPY over the limits",
                            *XCOPY_DESCRIPTOR_ERRORS)  # fmt: skip


@pytest.mark.dataloss
def test_DescrType(sd: Device, lun: LunInfo) -> None:
    """A CSCD descriptor of an unsupported type (0xFF... reserved codes) is ILLEGAL REQUEST,
    UNSUPPORTED TARGET DESCRIPTOR TYPE CODE (SPC-5 6.4.5.1)."""
    _operating(sd, lun)
    params = bytearray(_params(_cscd(sd, lun), 1, 0, 2048))
    params[HEADER] = 0xE1  # a reserved CSCD descriptor type code
    checks.expect_sense(_xcopy(sd, lun, bytes(params)), "EXTENDED COPY bad CSCD type",
                        INVALID_FIELD_IN_PARAMETER_LIST, *XCOPY_DESCRIPTOR_ERRORS)  # fmt: skip


@pytest.mark.dataloss
def test_ValidTgtDescr(sd: Device, lun: LunInfo) -> None:
    """A CSCD descriptor naming a logical unit the copy manager does not know is COPY
    ABORTED or ILLEGAL REQUEST (SPC-5 6.4.5.6: the designator must name a LU)."""
    _operating(sd, lun)
    cscd = _cscd(sd, lun)
    cscd.designator = bytes(len(cscd.designator))
    r = _xcopy(sd, lun, _params(cscd, 1, 0, 2048))
    if r.status == 0:
        pytest.fail("EXTENDED COPY to an unknown LU designator: GOOD", pytrace=False)


@pytest.mark.dataloss
def test_ValidSegDescr(sd: Device, lun: LunInfo) -> None:
    """A segment descriptor whose CSCD DESCRIPTOR ID points past the CSCD list is not GOOD
    (SPC-5 6.4.6.1: the ID indexes the CSCD descriptor list)."""
    _operating(sd, lun)
    params = bytearray(_params(_cscd(sd, lun), 1, 0, 2048))
    offset = HEADER + 32 + 4
    params[offset : offset + 2] = (5).to_bytes(2, "big")
    r = _xcopy(sd, lun, bytes(params))
    if r.status == 0:
        pytest.fail("EXTENDED COPY with a segment naming CSCD 5 of 1: GOOD", pytrace=False)


#: block device to block device with offsets (SPC-5 6.4.6.6): the length counts bytes
BLOCK_TO_BLOCK_WITH_OFFSET = 0x0A
LARGE_COPY_MAX = 256 * 1024 * 1024  # as libiscsi, to save time


@pytest.mark.dataloss
def test_Large(sd: Device, lun: LunInfo) -> None:
    """One type 0Ah segment descriptor (block to block with byte offsets, a 32-bit length)
    copies the target's maximum segment length (at most 256 MiB) from LBA 0 to the end of
    the LU, and the copy reads back equal (SPC-5 6.4.6.6; the maximum from RECEIVE COPY
    RESULTS OPERATING PARAMETERS, 6.18.4). libiscsi 1.20."""
    _operating(sd, lun)
    c = ReceiveCopyResults(service_action=ReceiveCopyResultsServiceAction.OPERATING_PARAMETERS)
    op = parse_copy_operating_parameters(checks.ok(sd, lun, c).data)
    if BLOCK_TO_BLOCK_WITH_OFFSET not in op.implemented_descriptor_type_codes:
        pytest.skip("the target does not implement segment descriptor type 0Ah")
    length = min(op.maximum_segment_length or 0, LARGE_COPY_MAX)
    blocks = length // lun.block_size
    if blocks == 0 or lun.num_blocks < 2 * blocks:
        pytest.skip("the LU is too small for a copy of the maximum segment length")
    written = min(lun.num_blocks // 2, 2048, blocks)
    dst = lun.num_blocks - blocks
    checks.ok(sd, lun, Write16(lba=dst, transfer_length=written),
              data_out=bytes(written * lun.block_size))  # fmt: skip
    data = checks.pattern(written, lun.block_size)
    checks.ok(sd, lun, Write16(lba=0, transfer_length=written), data_out=data)
    header_and_cscd = build_extended_copy_parameter_list(
        ExtendedCopyParameters(cscd_descriptors=[_cscd(sd, lun)], segment_descriptors=[])
    )
    segment = (
        bytes((BLOCK_TO_BLOCK_WITH_OFFSET, 0))
        + (28).to_bytes(2, "big")  # the descriptor's length after its first 4 bytes
        + bytes(4)  # source and destination CSCD index 0: the same LU
        + (blocks * lun.block_size).to_bytes(4, "big")
        + (0).to_bytes(8, "big")
        + dst.to_bytes(8, "big")
        + bytes(4)  # source and destination byte offsets
    )
    params = (
        header_and_cscd[:8] + len(segment).to_bytes(4, "big") + header_and_cscd[12:] + segment
    )
    checks.expect_good(_xcopy(sd, lun, params), f"EXTENDED COPY of {blocks} blocks (0Ah)")
    got = checks.ok(sd, lun, Read16(lba=dst, transfer_length=written)).data
    if bytes(got) != data:
        pytest.fail("EXTENDED COPY (0Ah): the copied blocks differ from the source", pytrace=False)
