"""Standard INQUIRY data and VPD pages: hand-built vectors, tgtd captures, cut data."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import datain_checks as checks
from pyiscsi.scsi.inquiry import (
    PERIPHERAL_DEVICE_TYPE_NAMES,
    BlockDeviceCharacteristics,
    BlockDeviceRodLimits,
    BlockLimits,
    DeviceIdentification,
    ExtendedInquiry,
    GeneralCopyOperations,
    LogicalBlockProvisioning,
    PeripheralDeviceType,
    SupportedCommandsDescriptor,
    SupportedCscdIds,
    SupportedDescriptors,
    SupportedVpdPages,
    ThirdPartyCopy,
    ThirdPartyCopyDescriptor,
    ThirdPartyCopyParameterData,
    UnitSerialNumber,
    UnknownVpdPage,
    device_type_name,
    parse_designator,
    parse_standard_inquiry,
    parse_vpd,
)


def vpd(page_code: int, body: bytes, byte0: int = 0x00) -> bytes:
    """A VPD page: PQ/PDT byte, page code, 2-byte PAGE LENGTH, body."""
    return bytes((byte0, page_code)) + len(body).to_bytes(2, "big") + body


# ----------------------------------------------------------------- standard INQUIRY data

STANDARD = (
    bytes((0x25, 0x80, 0x06, 0x32, 69, 0xF9, 0x51, 0x32))
    + b"PYISCSI "
    + b"TEST DISK       "
    + b"1.0 "
    + bytes(range(20))
    + bytes((0x0F, 0x00))
    + bytes.fromhex("0460 04c0 0960 0000 0000 0000 0000 0000")
)


def test_standard_inquiry_every_field() -> None:
    assert len(STANDARD) == 74
    inq = parse_standard_inquiry(STANDARD)
    assert inq.peripheral_qualifier == 1
    assert inq.peripheral_device_type == 0x05
    assert inq.rmb is True and inq.lu_cong is False
    assert inq.version == 6
    assert inq.normaca is True and inq.hisup is True
    assert inq.response_data_format == 2
    assert inq.additional_length == 69
    assert (inq.sccs, inq.acc, inq.tpgs, inq.threepc, inq.protect) == (True, True, 3, True, True)
    assert (inq.encserv, inq.multip, inq.addr16) == (True, True, True)
    assert (inq.wbus16, inq.sync, inq.cmdque) == (True, True, True)
    assert inq.t10_vendor_identification == "PYISCSI "
    assert inq.product_identification == "TEST DISK       "
    assert inq.product_revision_level == "1.0 "
    assert inq.vendor_specific == bytes(range(20))
    assert (inq.clocking, inq.qas, inq.ius) == (3, True, True)
    assert inq.version_descriptors == [0x0460, 0x04C0, 0x0960]
    assert inq.truncated is False


def test_standard_inquiry_all_flags_clear() -> None:
    data = bytes((0x00, 0x00, 0x05, 0x02, 31, 0, 0, 0)) + b"A" * 28
    inq = parse_standard_inquiry(data)
    assert (inq.peripheral_qualifier, inq.peripheral_device_type, inq.rmb) == (0, 0, False)
    assert (inq.sccs, inq.tpgs, inq.cmdque, inq.hisup) == (False, 0, False, False)
    assert inq.product_revision_level == "AAAA"
    assert inq.vendor_specific is None and inq.version_descriptors == []
    assert inq.truncated is False


def test_standard_inquiry_cut_by_allocation_length() -> None:
    inq = parse_standard_inquiry(STANDARD[:36])
    assert inq.truncated is True
    assert inq.product_revision_level == "1.0 "
    assert inq.vendor_specific is None and inq.clocking is None
    assert inq.version_descriptors == []
    inq = parse_standard_inquiry(STANDARD[:10])
    assert inq.version == 6 and inq.cmdque is True
    assert inq.t10_vendor_identification is None and inq.product_identification is None


def test_standard_inquiry_additional_length_limits_reading() -> None:
    # ADDITIONAL LENGTH 31: the version descriptor bytes that follow are not part of the data.
    data = bytearray(STANDARD)
    data[4] = 31
    inq = parse_standard_inquiry(bytes(data))
    assert inq.truncated is False
    assert inq.product_revision_level == "1.0 "
    assert inq.vendor_specific is None and inq.version_descriptors == []


def test_standard_inquiry_lying_length() -> None:
    data = bytearray(STANDARD)
    data[4] = 250
    inq = parse_standard_inquiry(bytes(data))
    assert inq.truncated is True
    assert inq.version_descriptors == [0x0460, 0x04C0, 0x0960]


def test_standard_inquiry_empty() -> None:
    inq = parse_standard_inquiry(b"")
    assert inq.truncated is True
    assert inq.peripheral_device_type is None and inq.version is None


def test_standard_inquiry_prefixes() -> None:
    checks.check_prefixes(parse_standard_inquiry, STANDARD)


def test_device_type_names_are_libiscsi_names() -> None:
    assert device_type_name(0x00) == "DIRECT_ACCESS"
    assert device_type_name(0x01) == "SEQUENTIAL_ACCESS"
    assert device_type_name(0x05) == "MMC"
    assert device_type_name(0x08) == "MEDIA_CHANGER"
    assert device_type_name(0x13) == "SEQURITY_MANAGER"  # libiscsi's spelling
    assert device_type_name(0x1F) == "UNKNOWN"
    assert device_type_name(0x0A) == "unknown"
    assert device_type_name(None) == "unknown"
    for code, name in PERIPHERAL_DEVICE_TYPE_NAMES.items():
        if code != 0x13:
            assert PeripheralDeviceType(code).name == name


# ------------------------------------------------------------------------------- tgtd data


def test_tgtd_standard_inquiry() -> None:
    data = checks.load("inquiry_std")
    inq = parse_standard_inquiry(data)
    assert inq.truncated is False
    assert inq.peripheral_qualifier == 0 and inq.peripheral_device_type == 0
    assert inq.version == 5 and inq.hisup is True and inq.response_data_format == 2
    assert inq.cmdque is True and inq.sync is False
    assert inq.t10_vendor_identification == "IET     "
    assert inq.product_identification == "VIRTUAL-DISK    "
    assert inq.product_revision_level == "0001"
    assert inq.version_descriptors == [0x04C0, 0x0960, 0x0300]
    checks.check_prefixes(parse_standard_inquiry, data)


@pytest.mark.parametrize(
    ("name", "device_type"),
    [("inquiry_std_tape", 0x01), ("inquiry_std_cd", 0x05), ("inquiry_std_changer", 0x08)],
)
def test_tgtd_device_types(name: str, device_type: int) -> None:
    data = checks.load(name)
    inq = parse_standard_inquiry(data)
    assert inq.peripheral_device_type == device_type
    checks.check_prefixes(parse_standard_inquiry, data)


def test_tgtd_lun0_is_a_controller() -> None:
    inq = parse_standard_inquiry(checks.load("inquiry_std_lun0"))
    assert inq.peripheral_device_type == PeripheralDeviceType.STORAGE_ARRAY_CONTROLLER


def test_tgtd_supported_vpd_pages() -> None:
    page = parse_vpd(checks.load("vpd_00"))
    assert isinstance(page, SupportedVpdPages)
    assert page.supported_pages == [0x00, 0x80, 0x83, 0xB0, 0xB1, 0xB2]


def test_tgtd_unit_serial_number() -> None:
    page = parse_vpd(checks.load("vpd_80"))
    assert isinstance(page, UnitSerialNumber)
    assert page.product_serial_number is not None
    assert page.product_serial_number.strip() == "beaf11"


def test_tgtd_device_identification() -> None:
    page = parse_vpd(checks.load("vpd_83"))
    assert isinstance(page, DeviceIdentification) and page.truncated is False
    types = [(d.designator_type, d.code_set) for d in page.designators]
    assert types == [(1, 2), (3, 1), (3, 1)]
    t10, naa3, naa6 = page.designators
    assert t10.t10_vendor_identification == "IET     "
    assert t10.value == "IET     00010001"
    assert naa3.naa == 3 and naa3.hex == "3000000100000001"
    assert naa6.naa == 6 and naa6.value == "60000000000000000e00000000010001"


def test_tgtd_block_limits_and_provisioning() -> None:
    limits = parse_vpd(checks.load("vpd_b0"))
    assert isinstance(limits, BlockLimits) and limits.truncated is False
    assert limits.maximum_compare_and_write_length == 128
    thin = parse_vpd(checks.load("vpd_b2_thin"))
    assert isinstance(thin, LogicalBlockProvisioning)
    assert (thin.lbpu, thin.lbpws, thin.lbpws10, thin.provisioning_type) == (True, True, True, 2)
    thick = parse_vpd(checks.load("vpd_b2"))
    assert isinstance(thick, LogicalBlockProvisioning)
    assert (thick.lbpu, thick.provisioning_type) == (False, 0)
    chars = parse_vpd(checks.load("vpd_b1"))
    assert isinstance(chars, BlockDeviceCharacteristics) and chars.medium_rotation_rate == 0


@pytest.mark.parametrize(
    "name", ["vpd_00", "vpd_80", "vpd_83", "vpd_b0", "vpd_b0_thin", "vpd_b1", "vpd_b2"]
)
def test_tgtd_vpd_prefixes(name: str) -> None:
    checks.check_prefixes(parse_vpd, checks.load(name))


# -------------------------------------------------------------------- VPD: hand-built pages

SUPPORTED = bytes.fromhex("0000 0003 00 80 83")
SERIAL = bytes.fromhex("0080 0004") + b"SN01"

DESIGNATORS = [
    bytes.fromhex("02 01 00 0c") + b"PYISCSI ABCD",  # T10 vendor ID, ASCII
    bytes.fromhex("01 02 00 08 0011223344556677"),  # EUI-64
    bytes.fromhex("01 03 00 10 6001405f0011223344556677889900aa"),  # NAA 6
    bytes.fromhex("51 94 00 04 00000002"),  # iSCSI, PIV, target port, relative port 2
    bytes.fromhex("01 15 00 04 00000007"),  # target port group 7
    bytes.fromhex("01 06 00 04 00000100"),  # logical unit group 256
    bytes.fromhex("01 07 00 10 000102030405060708090a0b0c0d0e0f"),  # MD5
    bytes.fromhex("53 a8 00 14") + b"iqn.2024-01.org.x\x00\x00\x00",  # SCSI name string
    bytes.fromhex("91 99 00 04 00000102"),  # protocol specific port identifier (UAS)
    bytes.fromhex("01 0a 00 12 1000 123e4567e89b12d3a456426614174000"),  # UUID
    bytes.fromhex("02 00 00 03") + b"abc",  # vendor specific
]
DEVICE_ID = vpd(0x83, b"".join(DESIGNATORS))


def test_device_identification_every_designator_type() -> None:
    page = parse_vpd(DEVICE_ID)
    assert isinstance(page, DeviceIdentification) and page.truncated is False
    d = page.designators
    assert [x.designator_type for x in d] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0]
    assert d[0].code_set == 2 and d[0].t10_vendor_identification == "PYISCSI "
    assert d[0].vendor_specific_identifier == b"ABCD" and d[0].value == "PYISCSI ABCD"
    assert d[1].value == "0011223344556677" and d[1].designator_length == 8
    assert d[2].naa == 6 and d[2].hex == "6001405f0011223344556677889900aa"
    assert (d[3].protocol_identifier, d[3].piv, d[3].association) == (5, True, 1)
    assert d[3].relative_target_port_identifier == 2
    assert d[4].target_port_group == 7 and d[4].association == 1
    assert d[5].logical_unit_group == 256
    assert d[6].value == "000102030405060708090a0b0c0d0e0f"
    assert d[7].code_set == 3 and d[7].association == 2 and d[7].piv is True
    assert d[7].scsi_name_string == "iqn.2024-01.org.x" and d[7].value == "iqn.2024-01.org.x"
    assert d[8].protocol_identifier == 9 and d[8].designator == bytes.fromhex("00000102")
    assert d[9].uuid == "123e4567-e89b-12d3-a456-426614174000"
    assert d[10].value == "abc" and d[10].designator_type == 0


def test_designator_cut_short_is_flagged() -> None:
    des = parse_designator(bytes.fromhex("01 03 00 10 6001405f"))
    assert des is not None and des.truncated is True
    assert des.designator == bytes.fromhex("6001405f") and des.naa == 6
    assert parse_designator(bytes.fromhex("01 03 00")) is None


def test_device_identification_prefixes() -> None:
    checks.check_prefixes(parse_vpd, DEVICE_ID)


def test_page_length_longer_than_data() -> None:
    data = bytearray(DEVICE_ID)
    data[2:4] = (len(DEVICE_ID) + 50).to_bytes(2, "big")
    page = parse_vpd(bytes(data))
    assert isinstance(page, DeviceIdentification)
    assert page.truncated is True and len(page.designators) == 11


EXTENDED = vpd(
    0x86,
    bytes((0b10_010_111, 0x3F, 0x0F, 0x31, 0x13, 0x05))
    + bytes.fromhex("012c")
    + bytes((0xE0, 252))
    + bytes(50),
)


def test_extended_inquiry() -> None:
    page = parse_vpd(EXTENDED)
    assert isinstance(page, ExtendedInquiry) and page.truncated is False
    assert (page.activate_microcode, page.spt) == (2, 2)
    assert (page.grd_chk, page.app_chk, page.ref_chk) == (True, True, True)
    assert (page.uask_sup, page.group_sup, page.prior_sup) == (True, True, True)
    assert (page.headsup, page.ordsup, page.simpsup) == (True, True, True)
    assert (page.wu_sup, page.crd_sup, page.nv_sup, page.v_sup) == (True, True, True, True)
    assert (page.no_pi_chk, page.p_i_i_sup, page.luiclr) == (True, True, True)
    assert (page.r_sup, page.hssrelef, page.cbcs) == (True, True, True)
    assert page.multi_i_t_nexus_microcode_download == 5
    assert page.extended_self_test_completion_minutes == 300
    assert (page.poa_sup, page.hra_sup, page.vsa_sup) == (True, True, True)
    assert page.maximum_supported_sense_data_length == 252
    checks.check_prefixes(parse_vpd, EXTENDED)


BLOCK_LIMITS = vpd(
    0xB0,
    bytes((0x01, 0x10))
    + (8).to_bytes(2, "big")
    + (0x10000).to_bytes(4, "big")
    + (2048).to_bytes(4, "big")
    + (4096).to_bytes(4, "big")
    + (0x400000).to_bytes(4, "big")
    + (256).to_bytes(4, "big")
    + (64).to_bytes(4, "big")
    + (0x80000000 | 3).to_bytes(4, "big")
    + (0x1_0000_0000).to_bytes(8, "big")
    + (1).to_bytes(4, "big")
    + (2).to_bytes(4, "big")
    + (3).to_bytes(4, "big")
    + (4).to_bytes(4, "big")
    + (5).to_bytes(4, "big"),
)


def test_block_limits() -> None:
    page = parse_vpd(BLOCK_LIMITS)
    assert isinstance(page, BlockLimits) and page.page_length == 0x3C
    assert page.wsnz is True and page.maximum_compare_and_write_length == 16
    assert page.optimal_transfer_length_granularity == 8
    assert page.maximum_transfer_length == 0x10000
    assert page.optimal_transfer_length == 2048
    assert page.maximum_prefetch_length == 4096
    assert page.maximum_unmap_lba_count == 0x400000
    assert page.maximum_unmap_block_descriptor_count == 256
    assert page.optimal_unmap_granularity == 64
    assert page.ugavalid is True and page.unmap_granularity_alignment == 3
    assert page.maximum_write_same_length == 0x1_0000_0000
    assert page.maximum_atomic_transfer_length == 1
    assert page.atomic_alignment == 2
    assert page.atomic_transfer_length_granularity == 3
    assert page.maximum_atomic_transfer_length_with_atomic_boundary == 4
    assert page.maximum_atomic_boundary_size == 5
    checks.check_prefixes(parse_vpd, BLOCK_LIMITS)


def test_block_limits_old_short_page() -> None:
    # Cut to 16 bytes while PAGE LENGTH says 0x3C: truncated.
    page = parse_vpd(BLOCK_LIMITS[: 4 + 12])
    assert isinstance(page, BlockLimits) and page.truncated is True
    # An SBC-2 era page of 0x0C bytes: fields past it are None, and the page is not cut.
    short = bytearray(BLOCK_LIMITS[: 4 + 12])
    short[3] = 12
    page = parse_vpd(bytes(short))
    assert isinstance(page, BlockLimits) and page.truncated is False
    assert page.optimal_transfer_length == 2048 and page.maximum_prefetch_length is None


BDC = vpd(0xB1, bytes.fromhex("1c20 01 63 13") + bytes(55))


def test_block_device_characteristics() -> None:
    page = parse_vpd(BDC)
    assert isinstance(page, BlockDeviceCharacteristics)
    assert page.medium_rotation_rate == 7200 and page.product_type == 1
    assert (page.wabereq, page.wacereq, page.nominal_form_factor) == (1, 2, 3)
    assert (page.zoned, page.fuab, page.vbuls) == (1, True, True)
    checks.check_prefixes(parse_vpd, BDC)


LBP = vpd(0xB2, bytes((0x0A, 0xE6, 0x0A, 0x32)))
LBP_DP = vpd(0xB2, bytes((0x0A, 0xE7, 0x0A, 0x32)) + DESIGNATORS[2])


def test_logical_block_provisioning() -> None:
    page = parse_vpd(LBP)
    assert isinstance(page, LogicalBlockProvisioning)
    assert page.threshold_exponent == 10
    assert (page.lbpu, page.lbpws, page.lbpws10, page.lbprz) == (True, True, True, 1)
    assert (page.anc_sup, page.dp) == (True, False)
    assert (page.minimum_percentage, page.provisioning_type) == (1, 2)
    assert page.threshold_percentage == 0x32
    assert page.provisioning_group_descriptor is None
    dp = parse_vpd(LBP_DP)
    assert isinstance(dp, LogicalBlockProvisioning) and dp.dp is True
    assert dp.provisioning_group_descriptor is not None
    assert dp.provisioning_group_descriptor.naa == 6
    checks.check_prefixes(parse_vpd, LBP)
    checks.check_prefixes(parse_vpd, LBP_DP)


TPC = vpd(
    0x8F,
    bytes.fromhex("0001 0009 08 8302 0001 8402 0003")
    + bytes.fromhex("0004 001c 00000000 0002 0004 00000400 00001000")
    + bytes(12)
    + bytes.fromhex("0008 0003 02 02 e4")
    + bytes.fromhex("000c 0004 0002 0000")
    + bytes.fromhex("8001 0020 00000001 00000002 00010000 09 0a")
    + bytes(18)
    + bytes.fromhex("0000 0020 000000000000 0008 00000010 00000005 0000000000100000")
    + bytes.fromhex("0000000000000800")
    + bytes.fromhex("9999 0002 abcd"),
)


def test_third_party_copy() -> None:
    page = parse_vpd(TPC)
    assert isinstance(page, ThirdPartyCopy) and page.truncated is False
    types = [d.descriptor_type for d in page.descriptors]
    assert types == [0x0001, 0x0004, 0x0008, 0x000C, 0x8001, 0x0000, 0x9999]
    cmds, params, supported, ids, general, rod, other = page.descriptors
    assert isinstance(cmds, SupportedCommandsDescriptor)
    assert cmds.commands == {0x83: [0x00, 0x01], 0x84: [0x00, 0x03]}
    assert isinstance(params, ThirdPartyCopyParameterData)
    assert params.maximum_cscd_descriptor_count == 2
    assert params.maximum_segment_descriptor_count == 4
    assert params.maximum_descriptor_list_length == 1024
    assert params.maximum_inline_data_length == 4096
    assert isinstance(supported, SupportedDescriptors)
    assert supported.descriptor_type_codes == [0x02, 0xE4]
    assert isinstance(ids, SupportedCscdIds) and ids.cscd_ids == [0x0000]
    assert isinstance(general, GeneralCopyOperations)
    assert (general.total_concurrent_copies, general.maximum_identified_concurrent_copies) == (
        1,
        2,
    )
    assert general.maximum_segment_length == 0x10000
    assert (general.data_segment_granularity, general.inline_data_granularity) == (9, 10)
    assert isinstance(rod, BlockDeviceRodLimits)
    assert rod.maximum_range_descriptors == 8
    assert rod.maximum_inactivity_timeout == 16
    assert rod.default_inactivity_timeout == 5
    assert rod.maximum_token_transfer_size == 0x100000
    assert rod.optimal_transfer_count == 0x800
    assert type(other) is ThirdPartyCopyDescriptor and other.data == b"\xab\xcd"
    checks.check_prefixes(parse_vpd, TPC)


def test_supported_pages_and_serial() -> None:
    page = parse_vpd(SUPPORTED)
    assert isinstance(page, SupportedVpdPages) and page.supported_pages == [0x00, 0x80, 0x83]
    serial = parse_vpd(SERIAL)
    assert isinstance(serial, UnitSerialNumber) and serial.product_serial_number == "SN01"
    checks.check_prefixes(parse_vpd, SUPPORTED)
    checks.check_prefixes(parse_vpd, SERIAL)


def test_unknown_page_kept_raw() -> None:
    page = parse_vpd(vpd(0xC0, b"\x01\x02\x03", byte0=0x21))
    assert isinstance(page, UnknownVpdPage)
    assert (page.peripheral_qualifier, page.peripheral_device_type) == (1, 1)
    assert page.page_code == 0xC0 and page.data == b"\x01\x02\x03"


ALL_PAGES = [SUPPORTED, SERIAL, DEVICE_ID, EXTENDED, BLOCK_LIMITS, BDC, LBP, LBP_DP, TPC]


@given(st.sampled_from(ALL_PAGES), st.binary(max_size=64), st.integers(0, 200))
def test_any_bytes_after_a_header_parse(page: bytes, junk: bytes, cut: int) -> None:
    result = parse_vpd(page[:cut] + junk)
    assert isinstance(result.truncated, bool)


@given(st.binary(max_size=300))
def test_random_bytes_never_raise(data: bytes) -> None:
    assert isinstance(parse_standard_inquiry(data).truncated, bool)
    assert isinstance(parse_vpd(data).truncated, bool)
