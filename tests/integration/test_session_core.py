"""The session core's options against a real tgtd: the LUN check, TSIH, and the hooks.

The hooks (``pdu_hook``, ``wire_hook``, ``receive_hook``) live in the session's configuration,
so they see the login PDUs and stay in place across a reconnect.
"""

from __future__ import annotations

import asyncio

import pytest
from _targets import INITIATOR, inquiry, run_async

import pyiscsi
from pyiscsi.protocol import pdu as P
from tgt import DIGEST_IQN, PLAIN_IQN, Tgtd


@run_async
async def test_connect_to_a_missing_lun_fails_clearly(tgtd: Tgtd) -> None:
    with pytest.raises(pyiscsi.LUNNotFoundError, match="LOGICAL UNIT NOT SUPPORTED"):
        await pyiscsi.connect(tgtd.url(PLAIN_IQN, 299), initiator_name=INITIATOR)


@run_async
async def test_check_lun_off_connects_to_a_missing_lun(tgtd: Tgtd) -> None:
    url = tgtd.url(PLAIN_IQN, 299)
    async with pyiscsi.connect(url, initiator_name=INITIATOR, check_lun=False) as s:
        result = await s.execute(inquiry(96), data_in=96)
    assert bytes(result.data)[0] == 0x7F  # no logical unit at this LUN


@run_async
async def test_tsih_and_the_hooks_see_the_login(tgtd: Tgtd) -> None:
    sent: list[type] = []
    received: list[type] = []

    def pdu_hook(pdu: P.OutgoingPdu) -> P.OutgoingPdu:
        sent.append(type(pdu))
        return pdu

    async with pyiscsi.connect(
        tgtd.url(PLAIN_IQN, 1),
        initiator_name=INITIATOR,
        pdu_hook=pdu_hook,
        receive_hook=lambda pdu: received.append(type(pdu)),
    ) as s:
        assert s.tsih != 0
        assert await s.ping(b"hooked") == b"hooked"
    assert sent[0] is P.LoginRequest and P.NopOut in sent and P.LogoutRequest in sent
    assert P.ScsiCommand in sent  # the TEST UNIT READY that checks the LUN
    assert received[0] is P.LoginResponse and P.NopIn in received


@run_async
async def test_pdu_hook_may_send_raw_bytes_a_list_or_drop(tgtd: Tgtd) -> None:
    def pdu_hook(pdu: P.OutgoingPdu) -> object:
        if isinstance(pdu, P.NopOut) and pdu.data == b"raw":
            return b"".join(bytes(b) for b in P.encode(pdu, False, False))
        if isinstance(pdu, P.NopOut) and pdu.data == b"list":
            return [pdu]
        if isinstance(pdu, P.NopOut) and pdu.data == b"drop":
            return None
        return pdu

    url = tgtd.url(PLAIN_IQN, 1)
    async with pyiscsi.connect(url, initiator_name=INITIATOR, pdu_hook=pdu_hook) as s:
        async with asyncio.timeout(10):
            assert await s.ping(b"raw") == b"raw"
            assert await s.ping(b"list") == b"list"
            dropped = asyncio.ensure_future(s.ping(b"drop"))
            # tgtd answers NOP-Outs in order: once the next is answered, the dropped one
            # would have been too had it been sent
            assert await s.ping(b"after") == b"after"
            assert not dropped.done()
            dropped.cancel()


@run_async
async def test_a_bad_header_digest_from_the_wire_hook_is_recovered(tgtd: Tgtd) -> None:
    """A corrupted header digest makes tgtd drop the connection; the session logs in again
    with the same ISID, the hooks still in place, and the command completes."""
    logins: list[bytes] = []
    state = {"corrupt": False}

    def pdu_hook(pdu: P.OutgoingPdu) -> P.OutgoingPdu:
        if isinstance(pdu, P.LoginRequest):
            logins.append(pdu.isid)
        return pdu

    def wire_hook(wire: bytes) -> bytes:
        if state["corrupt"] and wire[0] & 0x3F == P.Opcode.NOP_OUT:
            state["corrupt"] = False
            return wire[:48] + bytes(b ^ 0xFF for b in wire[48:52]) + wire[52:]
        return wire

    async with pyiscsi.connect(
        tgtd.url(DIGEST_IQN, 1),
        initiator_name=INITIATOR,
        header_digest="crc32c",
        pdu_hook=pdu_hook,
        wire_hook=wire_hook,
    ) as s:
        assert s.parameters["HeaderDigest"] == "CRC32C"
        first_logins = len(logins)
        state["corrupt"] = True
        with pytest.raises(pyiscsi.ISCSIConnectionError):
            await s.ping(b"corrupted")  # a ping is not re-sent after the connection is lost
        await s.test_unit_ready()  # a SCSI command waits for the new login
        assert s.reconnects == 1
    assert len(logins) > first_logins
    assert len(set(logins)) == 1  # the same ISID: the target reinstates the session
