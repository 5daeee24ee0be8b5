"""pyiscsi.scsi: SCSI commands and data, independent of iSCSI (it also serves SG_IO).

- CDB builders, one class per command (:mod:`~pyiscsi.scsi.cdb`): ``Read16(lba=..,
  transfer_length=..).encode()``, ``decode_cdb(bytes)``; opcodes and service actions
  (:mod:`~pyiscsi.scsi.opcodes`).
- Data-in parsers and parameter lists: INQUIRY and VPD pages (:mod:`~pyiscsi.scsi.inquiry`),
  READ CAPACITY and GET LBA STATUS (:mod:`~pyiscsi.scsi.capacity`), REPORT LUNS and SAM LUNs
  (:mod:`~pyiscsi.scsi.luns`), MODE SENSE/SELECT (:mod:`~pyiscsi.scsi.mode`), persistent
  reservations (:mod:`~pyiscsi.scsi.pr`), REPORT SUPPORTED OPERATION CODES and other reports
  (:mod:`~pyiscsi.scsi.reports`), UNMAP and EXTENDED COPY lists (:mod:`~pyiscsi.scsi.params`).
- Sense data (:mod:`~pyiscsi.scsi.sense`): ``parse_sense``, ``describe_asc`` with T10's whole
  ASC/ASCQ table, status and sense key names (:mod:`~pyiscsi.scsi.status`).

Parsed results of a command are named after it with ``Data`` where a builder has the plain
name (``ReadCapacity16`` builds the CDB, ``ReadCapacity16Data`` is what it returns).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyiscsi._lazy import module_attributes

if TYPE_CHECKING:
    # the submodules, as attributes (not exported: ``import *`` gives __all__ only)
    from pyiscsi.scsi import (  # noqa: F401
        capacity,
        cdb,
        inquiry,
        luns,
        mode,
        opcodes,
        params,
        pr,
        reports,
        sense,
        status,
    )
    from pyiscsi.scsi.capacity import *  # noqa: F403
    from pyiscsi.scsi.cdb import *  # noqa: F403
    from pyiscsi.scsi.inquiry import *  # noqa: F403
    from pyiscsi.scsi.luns import *  # noqa: F403
    from pyiscsi.scsi.mode import *  # noqa: F403
    from pyiscsi.scsi.opcodes import *  # noqa: F403
    from pyiscsi.scsi.params import *  # noqa: F403
    from pyiscsi.scsi.pr import *  # noqa: F403
    from pyiscsi.scsi.reports import *  # noqa: F403
    from pyiscsi.scsi.sense import *  # noqa: F403
    from pyiscsi.scsi.status import *  # noqa: F403

# Each submodule's __all__, in order (tests/unit/scsi/test_namespace.py checks it is exact).
# A name is imported from its submodule when first asked for (PEP 562): importing the package
# costs nothing, ``pyiscsi.scsi.Read16`` loads only the block CDB builders.
_EXPORTS: dict[str, str] = {
    "capacity": (
        "GetLbaStatusData LbaStatusDescriptor ProvisioningStatus ReadCapacity10Data "
        "ReadCapacity16Data parse_get_lba_status parse_read_capacity10 parse_read_capacity16"
    ),
    "cdb": (
        "ALL_BUILDERS CDB CompareAndWrite CopyOperationAbort DataDirection Erase6 "
        "ExchangeMedium ExtendedCopy FieldInfo FormatUnit GetLbaStatus InitializeElementStatus "
        "InitializeElementStatusWithRange Inquiry LoadUnload Locate10 Locate16 LogSelect "
        "LogSense ModeSelect6 ModeSelect10 ModeSense6 ModeSense10 MoveMedium OrWrite16 "
        "PersistentReserveIn PersistentReserveOut PopulateToken PreFetch10 PreFetch16 "
        "PreventAllowMediumRemoval Read6 Read10 Read12 Read16 Read32 ReadBlockLimits "
        "ReadBuffer10 ReadCapacity10 ReadCapacity16 ReadDefectData10 ReadDefectData12 "
        "ReadElementStatus ReadPosition ReadToc ReceiveCopyResults ReceiveCopyStatusLid4 "
        "ReceiveDiagnosticResults ReceiveRodTokenInformation Release6 "
        "ReportIdentifyingInformation ReportLuns ReportReferrals ReportSupportedOperationCodes "
        "ReportSupportedTaskManagementFunctions ReportTargetPortGroups ReportTimestamp "
        "RequestSense Reserve6 Rewind Sanitize SecurityProtocolIn SecurityProtocolOut "
        "SendDiagnostic Space6 Space16 StartStopUnit SynchronizeCache10 SynchronizeCache16 "
        "TapeRead6 TapeWrite6 TestUnitReady Unmap Verify10 Verify12 Verify16 Verify32 Write6 "
        "Write10 Write12 Write16 Write32 WriteAndVerify10 WriteAndVerify12 WriteAndVerify16 "
        "WriteAndVerify32 WriteAtomic16 WriteBuffer WriteFilemarks6 WriteLong16 WriteSame10 "
        "WriteSame16 WriteSame32 WriteUsingToken cdb_length_for_opcode decode_cdb"
    ),
    "inquiry": (
        "ASSOCIATION_NAMES CODE_SET_NAMES DESIGNATOR_TYPE_NAMES PAGE_CODE_NAMES "
        "PERIPHERAL_DEVICE_TYPE_NAMES PERIPHERAL_QUALIFIER_NAMES PROTOCOL_IDENTIFIER_NAMES "
        "VERSION_DESCRIPTOR_NAMES VERSION_NAMES Association BlockDeviceCharacteristics "
        "BlockDeviceRodLimits BlockLimits CodeSet Designator DesignatorType "
        "DeviceIdentification ExtendedInquiry GeneralCopyOperations LogicalBlockProvisioning "
        "PeripheralDeviceType PeripheralQualifier ProtocolIdentifier StandardInquiry "
        "SupportedCommandsDescriptor SupportedCscdIds SupportedDescriptors SupportedVpdPages "
        "ThirdPartyCopy ThirdPartyCopyDescriptor ThirdPartyCopyParameterData UnitSerialNumber "
        "UnknownVpdPage VpdPage VpdPageCode device_type_name parse_designation_descriptors "
        "parse_designator parse_standard_inquiry parse_vpd"
    ),
    "luns": (
        "AddressMethod Lun LunLevel ReportLunsData decode_lun encode_extended_flat_space_lun "
        "encode_logical_unit_address encode_lun encode_peripheral_device_address "
        "encode_well_known_lun parse_lun parse_report_luns"
    ),
    "mode": (
        "BlockDescriptor Caching Control DisconnectReconnect InformationalExceptionsControl "
        "ModePage ModeParameters PowerCondition ReadWriteErrorRecovery marshal_mode_page "
        "marshal_mode_select6 marshal_mode_select10 parse_mode_pages parse_mode_sense6 "
        "parse_mode_sense10"
    ),
    "opcodes": (
        "ElementTypeCode ExtendedCopyServiceAction MaintenanceInServiceAction Opcode "
        "PersistentReservationScope PersistentReservationType PersistentReserveInServiceAction "
        "PersistentReserveOutServiceAction ReadPositionServiceAction "
        "ReceiveCopyResultsServiceAction ReportingOptions SanitizeServiceAction "
        "ServiceActionIn16 ServiceActionOut16 SpaceCode VariableLengthServiceAction"
    ),
    "params": (
        "BlockToBlockSegment ExtendedCopyParameters IdentificationCscd UnmapBlockDescriptor "
        "build_extended_copy_parameter_list build_unmap_parameter_list "
        "parse_extended_copy_parameter_list parse_unmap_parameter_list"
    ),
    "pr": (
        "FullStatusDescriptor PrOutParameters ReadFullStatus ReadKeys ReadReservation "
        "RegisterAndMoveParameters ReportCapabilities TransportId iscsi_transport_id "
        "parse_pr_out_parameter_list parse_read_full_status parse_read_keys "
        "parse_read_reservation parse_register_and_move_parameter_list "
        "parse_report_capabilities parse_transport_id pr_out_parameter_list "
        "register_and_move_parameter_list"
    ),
    "reports": (
        "AsymmetricAccessState CommandDescriptor CommandTimeoutsDescriptor "
        "CopyOperatingParameters CopyStatus ElementDescriptor ElementStatus ElementStatusPage "
        "ElementType LogSupportedPages OneCommand ReadPositionLong ReadPositionShort "
        "SupportedOperationCodes TargetPortGroup TargetPortGroups Toc TocTrackDescriptor "
        "parse_copy_operating_parameters parse_copy_status parse_log_supported_pages "
        "parse_read_element_status parse_read_position_long parse_read_position_short "
        "parse_read_toc parse_report_target_port_groups parse_supported_operation_codes_all "
        "parse_supported_operation_codes_one"
    ),
    "sense": (
        "ActualRetryCount AnotherProgressIndicationDescriptor AtaStatusReturnDescriptor "
        "BlockCommandsDescriptor CommandSpecificDescriptor DeviceDesignationDescriptor "
        "DirectAccessBlockDeviceDescriptor FieldPointer FieldReplaceableUnitDescriptor "
        "ForwardedSenseDataDescriptor InformationDescriptor MicrocodeActivationDescriptor "
        "ProgressIndication RawDescriptor RawSenseKeySpecific SegmentPointer Sense "
        "SenseDescriptor SenseKeySpecific SenseKeySpecificDescriptor StreamCommandsDescriptor "
        "TargetPortGroupReferral UnitAttentionQueueOverflow UserDataSegment "
        "UserDataSegmentReferralDescriptor build_descriptor_sense build_fixed_sense "
        "describe_asc parse_sense"
    ),
    "status": "SenseKey Status sense_key_name status_name",
}
_HOME: dict[str, str] = {
    name: module for module, names in _EXPORTS.items() for name in names.split()
}

if not TYPE_CHECKING:  # hidden from type checkers, which see the imports above instead
    __all__ = list(_HOME)

    __getattr__, __dir__ = module_attributes(
        __name__, globals(), {name: f"{__name__}.{home}" for name, home in _HOME.items()}, _EXPORTS
    )
