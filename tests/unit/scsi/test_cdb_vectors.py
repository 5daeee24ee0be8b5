"""Byte-exact CDB vectors, worked out by hand from the T10 CDB tables (SPC-5, SBC-4, SSC, SMC)."""

from __future__ import annotations

import pytest

from pyiscsi.scsi import cdb as c
from pyiscsi.scsi.cdb import CDB
from pyiscsi.scsi.opcodes import (
    PersistentReservationType,
    PersistentReserveInServiceAction,
    PersistentReserveOutServiceAction,
    ReadPositionServiceAction,
    SanitizeServiceAction,
    SpaceCode,
)

PRO = PersistentReserveOutServiceAction
PRT = PersistentReservationType

# (builder, expected CDB in hex); spaces only for reading.
VECTORS: list[tuple[CDB, str]] = [
    # ---- SPC ----
    # TEST UNIT READY: opcode 00, byte 5 CONTROL
    (c.TestUnitReady(control=0x04), "00 00 00 00 00 04"),
    # REQUEST SENSE: byte 1 bit 0 DESC, byte 4 ALLOCATION LENGTH
    (c.RequestSense(desc=True, allocation_length=0xFC), "03 01 00 00 fc 00"),
    # INQUIRY: byte 1 bit 0 EVPD, byte 2 PAGE CODE, bytes 3-4 ALLOCATION LENGTH
    (c.Inquiry(evpd=True, page_code=0x83, allocation_length=0x0400), "12 01 83 04 00 00"),
    # MODE SELECT(6): PF bit 4 + SP bit 0 = 11h, byte 4 PARAMETER LIST LENGTH
    (c.ModeSelect6(pf=True, sp=True, parameter_list_length=0x18), "15 11 00 00 18 00"),
    # MODE SELECT(10): PF = 10h, bytes 7-8 PARAMETER LIST LENGTH
    (
        c.ModeSelect10(pf=True, sp=False, parameter_list_length=0x1234),
        "55 10 00 00 00 00 00 12 34 00",
    ),
    # MODE SENSE(6): DBD bit 3 = 08h; PC 2 (<<6 = 80h) | page 0Ah = 8Ah; subpage 01
    (
        c.ModeSense6(dbd=True, pc=2, page_code=0x0A, subpage_code=1, allocation_length=0xC0),
        "1a 08 8a 01 c0 00",
    ),
    # MODE SENSE(10): LLBAA bit 4 | DBD bit 3 = 18h; PC 3 | page 3Fh = FFh; subpage FFh
    (
        c.ModeSense10(
            llbaa=True, dbd=True, pc=3, page_code=0x3F, subpage_code=0xFF, allocation_length=0x2000
        ),
        "5a 18 ff ff 00 00 00 20 00 00",
    ),
    (c.Reserve6(), "16 00 00 00 00 00"),
    (c.Release6(control=0x80), "17 00 00 00 00 80"),
    # PREVENT ALLOW MEDIUM REMOVAL: byte 4 bits 1-0 PREVENT
    (c.PreventAllowMediumRemoval(prevent=1), "1e 00 00 00 01 00"),
    # SEND DIAGNOSTIC: SELF-TEST CODE 101b<<5 = A0h | PF 10h | DEVOFFL 02h | UNITOFFL 01h = B3h
    (
        c.SendDiagnostic(
            self_test_code=5,
            pf=True,
            self_test=False,
            devoffl=True,
            unitoffl=True,
            parameter_list_length=0x10,
        ),
        "1d b3 00 00 10 00",
    ),
    # RECEIVE DIAGNOSTIC RESULTS: PCV bit 0, byte 2 PAGE CODE, bytes 3-4 ALLOCATION LENGTH
    (
        c.ReceiveDiagnosticResults(pcv=True, page_code=0x40, allocation_length=0x100),
        "1c 01 40 01 00 00",
    ),
    # LOG SELECT: PCR 02h | SP 01h; PC 3<<6 | page 0Dh = CDh; subpage 02; bytes 7-8 length
    (
        c.LogSelect(
            pcr=True, sp=True, pc=3, page_code=0x0D, subpage_code=2, parameter_list_length=0x20
        ),
        "4c 03 cd 02 00 00 00 00 20 00",
    ),
    # LOG SENSE: SP 01h; PC 1<<6 | 2Fh = 6Fh; bytes 5-6 PARAMETER POINTER; 7-8 ALLOCATION LENGTH
    (
        c.LogSense(
            sp=True, pc=1, page_code=0x2F, parameter_pointer=0x0102, allocation_length=0x0304
        ),
        "4d 01 6f 00 00 01 02 03 04 00",
    ),
    # READ BUFFER(10): MODE SPECIFIC 001b<<5 | MODE 02h = 22h; BUFFER ID; 3-byte offset; 3-byte len
    (
        c.ReadBuffer10(
            mode=2,
            mode_specific=1,
            buffer_id=5,
            buffer_offset=0x010203,
            allocation_length=0x040506,
        ),
        "3c 22 05 01 02 03 04 05 06 00",
    ),
    # WRITE BUFFER: MODE 07h, BUFFER ID 1, BUFFER OFFSET 000200h, PARAMETER LIST LENGTH 000400h
    (
        c.WriteBuffer(mode=7, buffer_id=1, buffer_offset=0x200, parameter_list_length=0x400),
        "3b 07 01 00 02 00 00 04 00 00",
    ),
    # PERSISTENT RESERVE IN: byte 1 SERVICE ACTION (READ FULL STATUS 03h), bytes 7-8 ALLOC LEN
    (
        c.PersistentReserveIn(
            service_action=PersistentReserveInServiceAction.READ_FULL_STATUS,
            allocation_length=0x2000,
        ),
        "5e 03 00 00 00 00 00 20 00 00",
    ),
    # PERSISTENT RESERVE OUT: SA REGISTER AND MOVE 07h; SCOPE 0 | TYPE 5; bytes 5-8 length 28h
    (
        c.PersistentReserveOut(
            service_action=PRO.REGISTER_AND_MOVE,
            type=PRT.WRITE_EXCLUSIVE_REGISTRANTS_ONLY,
            parameter_list_length=0x28,
        ),
        "5f 07 05 00 00 00 00 00 28 00",
    ),
    # PREEMPT AND ABORT 05h, TYPE EXCLUSIVE ACCESS 3, SCOPE 2 (<<4 = 20h) -> byte 2 = 23h
    (
        c.PersistentReserveOut(
            service_action=PRO.PREEMPT_AND_ABORT,
            scope=2,
            type=PRT.EXCLUSIVE_ACCESS,
            parameter_list_length=24,
        ),
        "5f 05 23 00 00 00 00 00 18 00",
    ),
    # REGISTER AND IGNORE EXISTING KEY 06h
    (
        c.PersistentReserveOut(service_action=PRO.REGISTER_AND_IGNORE_EXISTING_KEY),
        "5f 06 00 00 00 00 00 00 18 00",
    ),
    # EXTENDED COPY: SA 01h (LID4), bytes 10-13 PARAMETER LIST LENGTH
    (
        c.ExtendedCopy(parameter_list_length=0x120, service_action=1),
        "83 01 00 00 00 00 00 00 00 00 00 00 01 20 00 00",
    ),
    # RECEIVE COPY RESULTS: SA 03h, byte 2 LIST IDENTIFIER, bytes 10-13 ALLOCATION LENGTH
    (
        c.ReceiveCopyResults(service_action=3, list_identifier=0x42, allocation_length=0x400),
        "84 03 42 00 00 00 00 00 00 00 00 00 04 00 00 00",
    ),
    # RECEIVE COPY STATUS(LID4): SA 05h, bytes 2-5 LIST IDENTIFIER, bytes 10-13 ALLOCATION LENGTH
    (
        c.ReceiveCopyStatusLid4(list_identifier=0x01020304, allocation_length=0x60),
        "84 05 01 02 03 04 00 00 00 00 00 00 00 60 00 00",
    ),
    # RECEIVE ROD TOKEN INFORMATION: SA 07h
    (
        c.ReceiveRodTokenInformation(list_identifier=7, allocation_length=0x230),
        "84 07 00 00 00 07 00 00 00 00 00 00 02 30 00 00",
    ),
    # POPULATE TOKEN: SA 10h, bytes 6-9 LIST IDENTIFIER, 10-13 PARAMETER LIST LENGTH, 14 GROUP
    (
        c.PopulateToken(list_identifier=0x0A0B0C0D, parameter_list_length=0x30, group_number=3),
        "83 10 00 00 00 00 0a 0b 0c 0d 00 00 00 30 03 00",
    ),
    # WRITE USING TOKEN: SA 11h
    (
        c.WriteUsingToken(list_identifier=1, parameter_list_length=0x220),
        "83 11 00 00 00 00 00 00 00 01 00 00 02 20 00 00",
    ),
    # COPY OPERATION ABORT: SA 1Ch, bytes 2-5 LIST IDENTIFIER
    (
        c.CopyOperationAbort(list_identifier=0xDEADBEEF),
        "83 1c de ad be ef 00 00 00 00 00 00 00 00 00 00",
    ),
    # REPORT LUNS: byte 2 SELECT REPORT, bytes 6-9 ALLOCATION LENGTH
    (
        c.ReportLuns(select_report=2, allocation_length=0x1000),
        "a0 00 02 00 00 00 00 00 10 00 00 00",
    ),
    # REPORT TARGET PORT GROUPS: PARAMETER DATA FORMAT 001b<<5 | SA 0Ah = 2Ah
    (
        c.ReportTargetPortGroups(parameter_data_format=1, allocation_length=0x400),
        "a3 2a 00 00 00 00 00 00 04 00 00 00",
    ),
    # REPORT SUPPORTED OPERATION CODES: SA 0Ch; RCTD 80h | REPORTING OPTIONS 2; opcode 9Eh;
    # REQUESTED SERVICE ACTION 0010h; ALLOCATION LENGTH 200h
    (
        c.ReportSupportedOperationCodes(
            rctd=True,
            reporting_options=2,
            requested_operation_code=0x9E,
            requested_service_action=0x10,
            allocation_length=0x200,
        ),
        "a3 0c 82 9e 00 10 00 00 02 00 00 00",
    ),
    # REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS: SA 0Dh; byte 2 REPD 80h; bytes 6-9 ALLOC LEN
    (
        c.ReportSupportedTaskManagementFunctions(repd=True, allocation_length=16),
        "a3 0d 80 00 00 00 00 00 00 10 00 00",
    ),
    # REPORT TIMESTAMP: SA 0Fh
    (c.ReportTimestamp(allocation_length=12), "a3 0f 00 00 00 00 00 00 00 0c 00 00"),
    # REPORT IDENTIFYING INFORMATION: SA 05h; byte 10 INFORMATION TYPE in bits 7-1: 2<<1 = 04h
    (
        c.ReportIdentifyingInformation(information_type=2, allocation_length=0x100),
        "a3 05 00 00 00 00 00 00 01 00 04 00",
    ),
    # SECURITY PROTOCOL IN: protocol EFh; specific 1234h; byte 4 INC_512 80h; bytes 6-9 length
    (
        c.SecurityProtocolIn(
            security_protocol=0xEF,
            security_protocol_specific=0x1234,
            inc_512=True,
            allocation_length=2,
        ),
        "a2 ef 12 34 80 00 00 00 00 02 00 00",
    ),
    (
        c.SecurityProtocolOut(
            security_protocol=1, security_protocol_specific=1, transfer_length=0x200
        ),
        "b5 01 00 01 00 00 00 00 02 00 00 00",
    ),
    # READ TOC/PMA/ATIP: MSF bit 1; FORMAT 2; byte 6 TRACK/SESSION NUMBER; bytes 7-8 ALLOC LEN
    (
        c.ReadToc(msf=True, format=2, track_session_number=1, allocation_length=0x324),
        "43 02 02 00 00 00 01 03 24 00",
    ),
    # ---- SBC ----
    # FORMAT UNIT: FMTPINFO 2<<6 | LONGLIST 20h | FMTDATA 10h | DEFECT LIST FORMAT 6 = B6h;
    # byte 2 vendor specific; byte 4 FFMT
    (
        c.FormatUnit(
            fmtpinfo=2,
            longlist=True,
            fmtdata=True,
            defect_list_format=6,
            vendor_specific=0x5A,
            ffmt=1,
        ),
        "04 b6 5a 00 01 00",
    ),
    # READ(6): 21-bit LBA in byte 1 bits 4-0 and bytes 2-3; byte 4 TRANSFER LENGTH
    (c.Read6(lba=0x1ABCDE, transfer_length=0x80), "08 1a bc de 80 00"),
    (c.Write6(lba=0x102, transfer_length=0, control=4), "0a 00 01 02 00 04"),
    # START STOP UNIT: IMMED; byte 3 POWER CONDITION MODIFIER; byte 4 PC 3<<4 | NO_FLUSH | LOEJ
    (
        c.StartStopUnit(
            immed=True,
            power_condition_modifier=5,
            power_condition=3,
            no_flush=True,
            loej=True,
            start=False,
        ),
        "1b 01 00 05 36 00",
    ),
    # READ CAPACITY(10): bytes 2-5 LBA, byte 8 bit 0 PMI
    (c.ReadCapacity10(lba=0x12345678, pmi=True), "25 00 12 34 56 78 00 00 01 00"),
    # READ(10): RDPROTECT 3<<5 | DPO | FUA | RARC | FUA_NV = 7Eh; GROUP NUMBER 3Fh
    (
        c.Read10(
            lba=0x01020304,
            transfer_length=0x0506,
            rdprotect=3,
            dpo=True,
            fua=True,
            rarc=True,
            fua_nv=True,
            group_number=0x3F,
            control=7,
        ),
        "28 7e 01 02 03 04 3f 05 06 07",
    ),
    # READ(12): RDPROTECT 1<<5 | FUA = 28h; bytes 6-9 TRANSFER LENGTH; byte 10 GROUP NUMBER
    (
        c.Read12(lba=0xFFFFFFFF, transfer_length=0x10000, rdprotect=1, fua=True, group_number=5),
        "a8 28 ff ff ff ff 00 01 00 00 05 00",
    ),
    # READ(16): DPO | DLD2 (bit 0) = 11h; byte 14 DLD1 80h | GROUP NUMBER 11h = 91h
    (
        c.Read16(
            lba=0x0102030405060708,
            transfer_length=0x0A0B0C0D,
            dpo=True,
            dld2=True,
            dld1=True,
            group_number=0x11,
        ),
        "88 11 01 02 03 04 05 06 07 08 0a 0b 0c 0d 91 00",
    ),
    # READ(32): 7Fh, CONTROL, reserved, GROUP NUMBER, ADDITIONAL CDB LENGTH 18h, SA 0009h,
    # RDPROTECT 5<<5 | FUA = A8h, reserved, LBA, EILBRT, ELBAT, LBATM, TRANSFER LENGTH
    (
        c.Read32(
            lba=0x1122334455667788,
            transfer_length=0x10,
            rdprotect=5,
            fua=True,
            group_number=2,
            expected_initial_lbrt=0xAABBCCDD,
            expected_lbat=0x1234,
            lbatm=0xFFFF,
        ),
        "7f 00 00 00 00 00 02 18 00 09 a8 00 11 22 33 44 55 66 77 88 aa bb cc dd 12 34 ff ff"
        " 00 00 00 10",
    ),
    # WRITE(10): WRPROTECT 2<<5 | FUA | FUA_NV = 4Ah
    (
        c.Write10(lba=0x100, transfer_length=8, wrprotect=2, fua=True, fua_nv=True),
        "2a 4a 00 00 01 00 00 00 08 00",
    ),
    (
        c.Write12(lba=1, transfer_length=2, dpo=True, group_number=0x20),
        "aa 10 00 00 00 01 00 00 00 02 20 00",
    ),
    # WRITE(16), everything set: byte 1 E0|10|08|02|01 = FBh, byte 14 C0|3F = FFh
    (
        c.Write16(
            lba=2**64 - 1,
            transfer_length=0xFFFFFFFF,
            wrprotect=7,
            dpo=True,
            fua=True,
            fua_nv=True,
            dld2=True,
            dld1=True,
            dld0=True,
            group_number=0x3F,
            control=0xFF,
        ),
        "8a fb ff ff ff ff ff ff ff ff ff ff ff ff ff ff",
    ),
    # WRITE(32): CONTROL 04h in byte 1; SA 000Bh; WRPROTECT 1<<5 | DPO = 30h
    (
        c.Write32(
            lba=0x20,
            transfer_length=1,
            wrprotect=1,
            dpo=True,
            expected_initial_lbrt=0x20,
            control=4,
        ),
        "7f 04 00 00 00 00 00 18 00 0b 30 00 00 00 00 00 00 00 00 20 00 00 00 20 00 00 00 00"
        " 00 00 00 01",
    ),
    # WRITE AND VERIFY(10): WRPROTECT 1<<5 | DPO | BYTCHK 01b<<1 = 32h
    (
        c.WriteAndVerify10(
            lba=0x10, transfer_length=4, wrprotect=1, dpo=True, bytchk=1, group_number=1
        ),
        "2e 32 00 00 00 10 01 00 04 00",
    ),
    (
        c.WriteAndVerify12(lba=0x10, transfer_length=4, bytchk=1),
        "ae 02 00 00 00 10 00 00 00 04 00 00",
    ),
    (
        c.WriteAndVerify16(lba=0x10, transfer_length=4, bytchk=1, group_number=3),
        "8e 02 00 00 00 00 00 00 00 10 00 00 00 04 03 00",
    ),
    # VERIFY(10): VRPROTECT 4<<5 | DPO | BYTCHK 11b<<1 = 96h
    (
        c.Verify10(lba=0x1000, verification_length=0x10, vrprotect=4, dpo=True, bytchk=3),
        "2f 96 00 00 10 00 00 00 10 00",
    ),
    (c.Verify12(lba=0, verification_length=1, bytchk=1), "af 02 00 00 00 00 00 00 00 01 00 00"),
    (
        c.Verify16(lba=0x123456789, verification_length=0x100),
        "8f 00 00 00 00 01 23 45 67 89 00 00 01 00 00 00",
    ),
    # VERIFY(32): SA 000Ah; VRPROTECT 3<<5 | BYTCHK 01b<<1 = 62h
    (
        c.Verify32(
            lba=5,
            verification_length=2,
            vrprotect=3,
            bytchk=1,
            expected_initial_lbrt=5,
            expected_lbat=0xBEEF,
            lbatm=0xFF00,
            group_number=1,
        ),
        "7f 00 00 00 00 00 01 18 00 0a 62 00 00 00 00 00 00 00 00 05 00 00 00 05 be ef ff 00"
        " 00 00 00 02",
    ),
    # WRITE AND VERIFY(32): SA 000Ch; WRPROTECT 2<<5 | DPO | BYTCHK 01b<<1 = 52h
    (
        c.WriteAndVerify32(
            lba=0x100,
            transfer_length=2,
            wrprotect=2,
            dpo=True,
            bytchk=1,
            expected_initial_lbrt=0x100,
            expected_lbat=1,
            lbatm=0xFFFF,
        ),
        "7f 00 00 00 00 00 00 18 00 0c 52 00 00 00 00 00 00 00 01 00 00 00 01 00 00 01 ff ff"
        " 00 00 00 02",
    ),
    # REPORT REFERRALS: SA 13h; LBA; ALLOCATION LENGTH; byte 14 ONE_SEG
    (
        c.ReportReferrals(lba=0x20, allocation_length=0x400, one_seg=True),
        "9e 13 00 00 00 00 00 00 00 20 00 00 04 00 01 00",
    ),
    # PRE-FETCH(10): IMMED is byte 1 bit 1
    (
        c.PreFetch10(lba=0x200, prefetch_length=0x80, immed=True, group_number=4),
        "34 02 00 00 02 00 04 00 80 00",
    ),
    (
        c.PreFetch16(lba=0x200, prefetch_length=0x80, immed=True, group_number=4),
        "90 02 00 00 00 00 00 00 02 00 00 00 00 80 04 00",
    ),
    # SYNCHRONIZE CACHE(10): SYNC_NV bit 2 | IMMED bit 1 = 06h
    (c.SynchronizeCache10(immed=True, sync_nv=True), "35 06 00 00 00 00 00 00 00 00"),
    (
        c.SynchronizeCache16(lba=0x10, number_of_logical_blocks=0x20, group_number=1),
        "91 00 00 00 00 00 00 00 00 10 00 00 00 20 01 00",
    ),
    # READ DEFECT DATA(10): byte 2 REQ_PLIST 10h | REQ_GLIST 08h | FORMAT 5 = 1Dh
    (
        c.ReadDefectData10(
            req_plist=True, req_glist=True, defect_list_format=5, allocation_length=8
        ),
        "37 00 1d 00 00 00 00 00 08 00",
    ),
    # READ DEFECT DATA(12): byte 1 REQ_GLIST 08h | FORMAT 4 = 0Ch; ADDRESS DESCRIPTOR INDEX
    (
        c.ReadDefectData12(
            req_glist=True,
            defect_list_format=4,
            address_descriptor_index=0x01020304,
            allocation_length=0x05060708,
        ),
        "b7 0c 01 02 03 04 05 06 07 08 00 00",
    ),
    # WRITE SAME(10): ANCHOR 10h | UNMAP 08h = 18h
    (
        c.WriteSame10(lba=0x100, number_of_logical_blocks=0x10, anchor=True, unmap=True),
        "41 18 00 00 01 00 00 00 10 00",
    ),
    # WRITE SAME(16): UNMAP 08h | NDOB 01h = 09h
    (
        c.WriteSame16(lba=0x100, number_of_logical_blocks=0x10, unmap=True, ndob=True),
        "93 09 00 00 00 00 00 00 01 00 00 00 00 10 00 00",
    ),
    # WRITE SAME(32): CONTROL 80h; GROUP 3Fh; SA 000Dh; WRPROTECT 7<<5 | PBDATA | LBDATA | NDOB
    (
        c.WriteSame32(
            lba=1,
            number_of_logical_blocks=2,
            wrprotect=7,
            ndob=True,
            pbdata=True,
            lbdata=True,
            expected_initial_lbrt=0x11223344,
            expected_lbat=0x5566,
            lbatm=0x7788,
            group_number=0x3F,
            control=0x80,
        ),
        "7f 80 00 00 00 00 3f 18 00 0d e7 00 00 00 00 00 00 00 00 01 11 22 33 44 55 66 77 88"
        " 00 00 00 02",
    ),
    # UNMAP: ANCHOR byte 1 bit 0; byte 6 GROUP NUMBER; bytes 7-8 PARAMETER LIST LENGTH
    (
        c.Unmap(parameter_list_length=24, anchor=True, group_number=2),
        "42 01 00 00 00 00 02 00 18 00",
    ),
    # SANITIZE: IMMED 80h | ZNR 40h | AUSE 20h | SA OVERWRITE 01h = E1h
    (
        c.Sanitize(
            service_action=SanitizeServiceAction.OVERWRITE,
            immed=True,
            znr=True,
            ause=True,
            parameter_list_length=0x104,
        ),
        "48 e1 00 00 00 00 00 01 04 00",
    ),
    # COMPARE AND WRITE: WRPROTECT 1<<5 | DPO | FUA = 38h; byte 13 NUMBER OF LOGICAL BLOCKS
    (
        c.CompareAndWrite(lba=0x0A, number_of_logical_blocks=1, wrprotect=1, dpo=True, fua=True),
        "89 38 00 00 00 00 00 00 00 0a 00 00 00 01 00 00",
    ),
    # ORWRITE(16): ORPROTECT 2<<5 | FUA_NV 02h = 42h
    (
        c.OrWrite16(lba=3, transfer_length=5, orprotect=2, fua_nv=True),
        "8b 42 00 00 00 00 00 00 00 03 00 00 00 05 00 00",
    ),
    # WRITE ATOMIC(16): FUA; bytes 10-11 ATOMIC BOUNDARY; bytes 12-13 TRANSFER LENGTH
    (
        c.WriteAtomic16(lba=0x40, transfer_length=8, fua=True, atomic_boundary=0x10),
        "9c 08 00 00 00 00 00 00 00 40 00 10 00 08 00 00",
    ),
    # READ CAPACITY(16): SA 10h; bytes 10-13 ALLOCATION LENGTH; byte 14 PMI
    (c.ReadCapacity16(allocation_length=32), "9e 10 00 00 00 00 00 00 00 00 00 00 00 20 00 00"),
    (
        c.ReadCapacity16(allocation_length=32, lba=7, pmi=True),
        "9e 10 00 00 00 00 00 00 00 07 00 00 00 20 01 00",
    ),
    # GET LBA STATUS: SA 12h; STARTING LBA; ALLOCATION LENGTH; byte 14 REPORT TYPE
    (
        c.GetLbaStatus(starting_lba=0x1000, allocation_length=0x18, report_type=2),
        "9e 12 00 00 00 00 00 00 10 00 00 00 00 18 02 00",
    ),
    # WRITE LONG(16): COR_DIS 80h | WR_UNCOR 40h | SA 11h = D1h; bytes 12-13 BYTE TRANSFER LENGTH
    (
        c.WriteLong16(lba=0x10, byte_transfer_length=0x208, cor_dis=True, wr_uncor=True),
        "9f d1 00 00 00 00 00 00 00 10 00 00 02 08 00 00",
    ),
    # ---- SSC ----
    (c.Rewind(immed=True), "01 01 00 00 00 00"),
    # SPACE(6): CODE in byte 1 bits 3-0; COUNT 24-bit two's complement: -1 = FFFFFFh
    (c.Space6(code=SpaceCode.FILEMARKS, count=-1), "11 01 ff ff ff 00"),
    (c.Space6(code=SpaceCode.LOGICAL_BLOCKS, count=0x123), "11 00 00 01 23 00"),
    # SPACE(16): CODE 3; bytes 4-11 COUNT -2
    (
        c.Space16(code=SpaceCode.END_OF_DATA, count=-2),
        "91 03 00 00 ff ff ff ff ff ff ff fe 00 00 00 00",
    ),
    # WRITE FILEMARKS(6): FCS 08h | IMMED 01h = 09h (LCS would be 04h); bytes 2-4 count
    (c.WriteFilemarks6(transfer_length=2, immed=True, fcs=True), "10 09 00 00 02 00"),
    (c.WriteFilemarks6(transfer_length=1, lcs=True, wmsk=True), "10 06 00 00 01 00"),
    # LOCATE(10): BT 04h | CP 02h | IMMED 01h; bytes 3-6 LOGICAL OBJECT IDENTIFIER; byte 8
    (
        c.Locate10(logical_object_identifier=0x01020304, partition=2, bt=True, cp=True, immed=True),
        "2b 07 00 01 02 03 04 00 02 00",
    ),
    # LOCATE(16): DEST_TYPE 1<<3 | CP 02h = 0Ah; byte 2 BAM; byte 3 PARTITION; bytes 4-11
    (
        c.Locate16(
            logical_identifier=0x0102030405060708, partition=1, dest_type=1, cp=True, bam=True
        ),
        "92 0a 01 01 01 02 03 04 05 06 07 08 00 00 00 00",
    ),
    # READ POSITION: SA LONG FORM 06h; bytes 7-8 ALLOCATION LENGTH
    (
        c.ReadPosition(service_action=ReadPositionServiceAction.LONG_FORM, allocation_length=32),
        "34 06 00 00 00 00 00 00 20 00",
    ),
    # tape READ(6): SILI 02h | FIXED 01h; bytes 2-4 TRANSFER LENGTH
    (c.TapeRead6(transfer_length=0x10000, fixed=True, sili=True), "08 03 01 00 00 00"),
    (c.TapeWrite6(transfer_length=0x8000), "0a 00 00 80 00 00"),
    # LOAD UNLOAD: IMMED; byte 4 HOLD 08h | EOT 04h | RETEN 02h, LOAD clear
    (c.LoadUnload(load=False, immed=True, hold=True, eot=True, reten=True), "1b 01 00 00 0e 00"),
    # READ BLOCK LIMITS: byte 1 bit 0 MLOI
    (c.ReadBlockLimits(mloi=True), "05 01 00 00 00 00"),
    # ERASE(6): IMMED 02h | LONG 01h
    (c.Erase6(immed=True, long=True), "19 03 00 00 00 00"),
    # ---- SMC ----
    # READ ELEMENT STATUS: VOLTAG 10h | TYPE 2 = 12h; start 0100h; count 0020h;
    # byte 6 CURDATA 02h | DVCID 01h; bytes 7-9 ALLOCATION LENGTH 010000h
    (
        c.ReadElementStatus(
            voltag=True,
            element_type_code=2,
            starting_element_address=0x100,
            number_of_elements=0x20,
            curdata=True,
            dvcid=True,
            allocation_length=0x10000,
        ),
        "b8 12 01 00 00 20 03 01 00 00 00 00",
    ),
    # MOVE MEDIUM: transport 0000h, source 1000h, destination 0100h, byte 10 INVERT
    (
        c.MoveMedium(source_address=0x1000, destination_address=0x100, invert=True),
        "a5 00 00 00 10 00 01 00 00 00 01 00",
    ),
    # EXCHANGE MEDIUM: addresses 1, 2, 3, 4; byte 10 INV2 02h | INV1 01h
    (
        c.ExchangeMedium(
            medium_transport_address=1,
            source_address=2,
            first_destination_address=3,
            second_destination_address=4,
            inv1=True,
            inv2=True,
        ),
        "a6 00 00 01 00 02 00 03 00 04 03 00",
    ),
    (c.InitializeElementStatus(), "07 00 00 00 00 00"),
    # INITIALIZE ELEMENT STATUS WITH RANGE: FAST 02h | RANGE 01h; bytes 2-3 start; 6-7 count
    (
        c.InitializeElementStatusWithRange(
            starting_element_address=0x10, number_of_elements=5, range=True, fast=True
        ),
        "37 03 00 10 00 00 00 05 00 00",
    ),
]


@pytest.mark.parametrize(("cdb", "expected"), VECTORS, ids=lambda v: type(v).__name__)
def test_vector(cdb: CDB, expected: str) -> None:
    raw = bytes.fromhex(expected)
    assert cdb.encode() == raw
    assert bytes(cdb) == raw
    assert len(raw) == type(cdb).cdb_length
    assert type(cdb).decode(raw) == cdb


def test_every_builder_has_a_vector() -> None:
    covered = {type(v) for v, _ in VECTORS}
    assert set(c.ALL_BUILDERS) - covered == set()


def test_defaults_encode() -> None:
    assert c.Read10().encode() == bytes.fromhex("28 00 00 00 00 00 00 00 01 00")
    assert c.Inquiry().encode() == bytes.fromhex("12 00 00 00 ff 00")
    assert c.ReadCapacity16().encode() == bytes.fromhex(
        "9e 10 00 00 00 00 00 00 00 00 00 00 00 20 00 00"
    )
