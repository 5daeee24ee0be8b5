"""iSCSI.iSCSISession: session reinstatement, logout, digest errors, Data-Out errors
(RFC 7143 6.3.5, 11.14, 7.8, 11.7). pyiscsi's own suite; it changes PDUs with the core's
pdu_hook and wire_hook."""

import pytest

import pyiscsi
from pyiscsi.conformance.device import IscsiDevice, LunInfo, expect_good
from pyiscsi.conformance.hooks import connect_hooked
from pyiscsi.conformance.plugin import TargetOptions
from pyiscsi.protocol import pdu
from pyiscsi.scsi.cdb import Read10, TestUnitReady, Write10

FAMILY = "iSCSI"
SUITE = "iSCSISession"
pytestmark = pytest.mark.iscsi_only
WAIT = 3.0
ISID = bytes.fromhex("80deadbeef01")  # a random-qualifier ISID of our own (RFC 7143 11.12.5)


def _alive(target: TargetOptions, after: str) -> None:
    try:
        target.connect().close()
    except (pyiscsi.ISCSIConnectionError, pyiscsi.ISCSITimeoutError) as exc:
        pytest.fail(f"the target no longer takes logins after {after}: {exc}", pytrace=False)


def test_SessionReinstatement(target: TargetOptions) -> None:
    """A new login with the ISID of a live session and TSIH 0 reinstates it: the target
    closes the old session's connection and the new one works (RFC 7143 6.3.5: "session
    reinstatement ... the target MUST ... terminate the old session"). tgtd 1.0.85 fails
    it: it gives the second login a new TSIH and keeps both sessions."""
    old = target.connect(isid=ISID, reconnect=False)
    try:
        expect_good(IscsiDevice(old).run(TestUnitReady().encode()), "TUR on the old session")
        new = target.connect(isid=ISID, reconnect=False)
        try:
            expect_good(IscsiDevice(new).run(TestUnitReady().encode()), "TUR on the new one")
        finally:
            new.close()
        try:
            r = old.execute(TestUnitReady().encode(), check=False, timeout=WAIT)
        except (pyiscsi.ISCSIConnectionError, pyiscsi.ISCSITimeoutError):
            return  # the old session is gone, as it must be
        pytest.fail(f"the old session still answers after reinstatement (status {r.status:#x})",
                    pytrace=False)  # fmt: skip
    finally:
        old.close()


def test_LogoutAndLoginAgain(target: TargetOptions) -> None:
    """Logout closes the session; a new login then works (RFC 7143 11.14 Logout Request,
    11.15 Logout Response: response 0 'connection or session closed successfully')."""
    for _ in range(3):
        s = target.connect()
        expect_good(IscsiDevice(s).run(TestUnitReady().encode()), "TEST UNIT READY")
        s.close()


def _corrupt_after_header(offset: int) -> tuple[object, dict[str, int]]:
    state = {"armed": 0, "hit": 0}

    def hook(raw: bytes) -> bytes:
        if state["armed"] and raw and raw[0] & 0x3F in (0x01, 0x05):  # SCSI Command, Data-Out
            state["armed"] -= 1
            state["hit"] += 1
            data = bytearray(raw)
            index = min(48 + offset, len(data) - 1)
            data[index] ^= 0xFF
            return bytes(data)
        return raw

    return hook, state


def _digest_session(target: TargetOptions, key: str, option: str, hook: object) -> IscsiDevice:
    try:
        s = connect_hooked(target, wire_hook=hook, **{option: "crc32c"})
    except pyiscsi.LoginError as exc:
        pytest.skip(f"the target does not agree {key}=CRC32C: {exc}")
    if s.parameters.get(key) != "CRC32C":
        s.close()
        pytest.skip(f"{key}=CRC32C not agreed")
    return IscsiDevice(s)


@pytest.mark.disruptive
def test_HeaderDigestError(target: TargetOptions) -> None:
    """A SCSI Command whose header digest is wrong is discarded, never executed: no GOOD
    answer for it, then the session (or a new one) works (RFC 7143 7.8: "a PDU with a header
    digest error ... MUST be discarded"; at ErrorRecoveryLevel 0 the target may drop the
    connection)."""
    hook, state = _corrupt_after_header(0)
    dev = _digest_session(target, "HeaderDigest", "header_digest", hook)
    try:
        state["armed"] = 1
        try:
            r = dev.session.execute(TestUnitReady().encode(), check=False, timeout=WAIT)
        except (pyiscsi.ISCSIConnectionError, pyiscsi.ISCSITimeoutError, pyiscsi.ProtocolError):
            r = None
        if not state["hit"]:
            pytest.fail("the wire_hook saw no SCSI Command to corrupt", pytrace=False)
        if r is not None and r.status == 0:
            pytest.fail("a SCSI Command with a bad header digest was executed", pytrace=False)
    finally:
        dev.close()
    target.connect().close()


@pytest.mark.dataloss
@pytest.mark.disruptive
def test_DataDigestError(target: TargetOptions, lun: LunInfo) -> None:
    """A WRITE whose immediate data carry a wrong data digest does not end GOOD with those
    data on the medium (RFC 7143 7.8, 11.7: a data digest error discards the data; the
    target rejects the PDU or fails the command)."""
    hook, state = _corrupt_after_header(8)  # past the 4-byte header digest too
    dev = _digest_session(target, "DataDigest", "data_digest", hook)
    try:
        block = b"\x5a" * lun.block_size
        expect_good(dev.run(Write10(lba=7).encode(), data_out=bytes(lun.block_size)), "WRITE")
        state["armed"] = 1
        try:
            r = dev.session.execute(Write10(lba=7).encode(), data_out=block, check=False,
                                    timeout=WAIT)  # fmt: skip
        except (pyiscsi.ISCSIConnectionError, pyiscsi.ISCSITimeoutError, pyiscsi.ProtocolError):
            r = None
    finally:
        dev.close()
    check = IscsiDevice(target.connect())
    try:
        got = check.run(Read10(lba=7).encode(), data_in=lun.block_size).data
    finally:
        check.close()
    if not state["hit"]:
        pytest.fail("the wire_hook saw no WRITE to corrupt", pytrace=False)
    if r is not None and r.status == 0 and bytes(got) != bytes(lun.block_size):
        pytest.fail("a WRITE with a bad data digest was executed", pytrace=False)


@pytest.mark.dataloss
@pytest.mark.disruptive
def test_FinalBitMissing(target: TargetOptions, lun: LunInfo) -> None:
    """A WRITE whose last solicited Data-Out lacks the F bit is not completed GOOD before
    the sequence ends (RFC 7143 11.7.1: F marks the last PDU of a sequence; the target
    waits for it)."""

    def hook(p: object) -> object:
        if isinstance(p, pdu.DataOut):
            p.final = False
        return p

    s = connect_hooked(target, pdu_hook=hook, immediate_data=False, initial_r2t=True)
    try:
        r = s.execute(Write10(lba=100, transfer_length=2).encode(),
                      data_out=b"\xa6" * (2 * lun.block_size), check=False,
                      timeout=WAIT)  # fmt: skip
    except pyiscsi.ISCSIError:
        return
    finally:
        s.close()
    if r.status == 0:
        pytest.fail("WRITE(10) whose Data-Out never had F=1: GOOD", pytrace=False)


@pytest.mark.dataloss
@pytest.mark.disruptive
def test_BufferOffsetInvalid(target: TargetOptions, lun: LunInfo) -> None:
    """Data-Out PDUs whose BUFFER OFFSET does not follow the data sent (the last one reaching
    past the end of the command's data) do not make the WRITE end GOOD, and the target goes
    on accepting logins (RFC 7143 11.7.6 Buffer Offset; 7.1.1 recovery at ErrorRecoveryLevel
    0). tgtd 1.0.85 answers GOOD and then stops: the next connection is refused."""

    def hook(p: object) -> object:
        if isinstance(p, pdu.DataOut) and p.buffer_offset:
            p.buffer_offset += 512
        return p

    s = connect_hooked(target, pdu_hook=hook, immediate_data=False, initial_r2t=True)
    try:
        blocks = 64
        r = s.execute(Write10(lba=100, transfer_length=blocks).encode(),
                      data_out=b"\xa6" * (blocks * lun.block_size), check=False,
                      timeout=WAIT)  # fmt: skip
    except pyiscsi.ISCSIError:
        r = None
    finally:
        s.close()
    _alive(target, "Data-Out PDUs with buffer offsets past the end of the data")
    if r is not None and r.status == 0:
        pytest.fail("WRITE(10) with Data-Out buffer offsets shifted by 512: GOOD", pytrace=False)
