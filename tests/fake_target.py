"""A small sans-I/O iSCSI *target* for the protocol tests (no sockets).

Feed it what the initiator core produced (``Connection.data_to_send()``) with :meth:`receive`;
it decodes the initiator PDUs with its own decoder (:class:`PduReader`), keeps a log of them
(``received``), checks the rules an initiator must keep (CmdSN window, DataSN, burst lengths,
digests...) and records every violation in ``violations``.  Its answers, encoded with
:func:`pyiscsi.protocol.pdu.encode_target_pdu`, are taken with :meth:`data_to_send`.

It is scriptable through :class:`TargetConfig` (login answers incl. CHAP and mutual CHAP,
negotiation values like tgtd's, Data-In splitting, status in the last Data-In or in a SCSI
Response, CmdSN window, SendTargets answers split over PDUs) and has knobs for faults
(``fault_*`` fields, each used once).  :func:`exchange` shuttles bytes both ways until quiet.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pyiscsi.protocol import pdu as P
from pyiscsi.protocol.chap import ChapAlgorithm, chap_response, decode_binary, encode_binary
from pyiscsi.protocol.digest import crc32c
from pyiscsi.protocol.keys import decode_text, encode_text
from pyiscsi.protocol.session import Event, OpenConnection, Session

__all__ = [
    "BLOCK_SIZE",
    "FakeTarget",
    "InitiatorPdu",
    "PduReader",
    "TargetConfig",
    "decode_initiator_pdu",
    "exchange",
    "feed",
    "sense_data",
]

BLOCK_SIZE = 512
MASK = 0xFFFFFFFF
_WORDS = struct.Struct(">BBBBIQI7I")


@dataclass(slots=True)
class InitiatorPdu:
    """One decoded initiator PDU: the raw header fields, named the RFC 7143 way."""

    opcode: int
    immediate: bool
    flags: int  # byte 1
    b2: int
    b3: int
    lun: int  # bytes 8-15 (ISID+TSIH for Login)
    itt: int
    words: tuple[int, ...]  # the seven 32-bit words at bytes 20..47
    header: bytes  # the 48-byte BHS
    ahs: bytes = b""
    data: bytes = b""

    @property
    def final(self) -> bool:
        """The F bit (T for Login)."""
        return bool(self.flags & 0x80)

    @property
    def cont(self) -> bool:
        """The C bit of Login and Text Requests."""
        return bool(self.flags & 0x40)

    @property
    def ttt(self) -> int:
        """Target Transfer Tag (NOP-Out, Text, Data-Out, SNACK) or Referenced Task Tag (TMF)."""
        return self.words[0]

    @property
    def edtl(self) -> int:
        """Expected Data Transfer Length of a SCSI Command."""
        return self.words[0]

    @property
    def cmdsn(self) -> int:
        """CmdSN (not in Data-Out/SNACK)."""
        return self.words[1]

    @property
    def expstatsn(self) -> int:
        """ExpStatSN."""
        return self.words[2]

    @property
    def datasn(self) -> int:
        """DataSN of a Data-Out."""
        return self.words[4]

    @property
    def buffer_offset(self) -> int:
        """Buffer Offset of a Data-Out."""
        return self.words[5]

    @property
    def cdb(self) -> bytes:
        """The whole CDB of a SCSI Command, Extended CDB AHS included."""
        cdb = self.header[32:48]
        if self.ahs:
            length, ahs_type = struct.unpack_from(">HB", self.ahs)
            if ahs_type == 1:
                cdb += self.ahs[4 : 4 + length - 1]
        return cdb

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """The key=value pairs of a Login or Text Request."""
        return decode_text(self.data)


class DigestMismatch(AssertionError):
    """The initiator sent a PDU whose digest is wrong."""


def decode_initiator_pdu(
    buf: bytes | bytearray, header_digest: bool = False, data_digest: bool = False
) -> tuple[InitiatorPdu, int] | None:
    """Decode the first PDU of ``buf``: (pdu, bytes used), or None if it is not all there."""
    if len(buf) < P.BHS_LENGTH:
        return None
    b0, b1, b2, b3, lengths, lun, itt, *words = _WORDS.unpack_from(buf)
    ahs_len = (lengths >> 24) * 4
    dlen = lengths & 0xFFFFFF
    hlen = P.BHS_LENGTH + ahs_len
    pos = hlen + (4 if header_digest else 0)
    dend = pos + dlen
    total = dend + P.padding(dlen) + (4 if data_digest and dlen else 0)
    if len(buf) < total:
        return None
    if header_digest:
        want = int.from_bytes(buf[hlen : hlen + 4], "little")
        if crc32c(bytes(buf[:hlen])) != want:
            raise DigestMismatch("header digest of an initiator PDU is wrong")
    if data_digest and dlen:
        body = bytes(buf[pos : dend + P.padding(dlen)])
        if crc32c(body) != int.from_bytes(buf[total - 4 : total], "little"):
            raise DigestMismatch("data digest of an initiator PDU is wrong")
    pdu = InitiatorPdu(
        opcode=b0 & 0x3F,
        immediate=bool(b0 & 0x40),
        flags=b1,
        b2=b2,
        b3=b3,
        lun=lun,
        itt=itt,
        words=tuple(words),
        header=bytes(buf[: P.BHS_LENGTH]),
        ahs=bytes(buf[P.BHS_LENGTH : hlen]),
        data=bytes(buf[pos:dend]),
    )
    return pdu, total


class PduReader:
    """Splits a byte stream from the initiator into PDUs."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.header_digest = False
        self.data_digest = False

    def feed(self, data: bytes) -> list[InitiatorPdu]:
        """Take bytes; return the PDUs now complete."""
        self.buf += data
        out: list[InitiatorPdu] = []
        while True:
            got = decode_initiator_pdu(self.buf, self.header_digest, self.data_digest)
            if got is None:
                return out
            pdu, used = got
            del self.buf[:used]
            out.append(pdu)


def sense_data(key: int, asc: int, ascq: int) -> bytes:
    """Fixed-format sense data (SPC: response code 0x70), 18 bytes."""
    sense = bytearray(18)
    sense[0] = 0x70
    sense[2] = key
    sense[7] = 10
    sense[12] = asc
    sense[13] = ascq
    return bytes(sense)


@dataclass(slots=True)
class TargetConfig:
    """What the fake target answers; the defaults are those of tgtd."""

    target_name: str = "iqn.2026-11.org.example:disk"
    alias: str | None = "fake"
    tpgt: int = 1
    tsih: int = 0x1234
    initial_statsn: int = 0x1000
    # operational values (the target's side of the negotiation)
    max_recv_data_segment_length: int = 8192
    max_burst_length: int = 262144
    first_burst_length: int = 65536
    initial_r2t: bool = True
    immediate_data: bool = True
    max_outstanding_r2t: int = 1
    header_digests: tuple[str, ...] = ("None",)  # what the target accepts
    data_digests: tuple[str, ...] = ("None",)
    # security
    chap_user: str | None = None  # set: the target requires CHAP
    chap_secret: str = ""
    mutual_user: str | None = None  # the target's own name/secret for mutual CHAP
    mutual_secret: str = ""
    chap_algorithm: ChapAlgorithm = ChapAlgorithm.SHA256
    chap_identifier: int = 7
    chap_challenge: bytes = bytes(range(100, 116))
    impostor: bool = False  # answer mutual CHAP with a wrong CHAP_R
    refuse_chap: str | None = None  # answer AuthMethod with this value (e.g. "Reject")
    generic_auth_failure: bool = False  # a bad CHAP_R gets 0x0200 (tgtd) rather than 0x0201
    # login faults and redirects
    login_status: tuple[int, int] | None = None  # fail the login request number ...
    login_status_at: int = 0  # ... with this (class, detail) (0 = the first request)
    redirect_to: str | None = None  # TargetAddress value for a class 1 answer
    login_split: int | None = None  # split login response data into pieces (C bit)
    login_stay_in_security: bool = False  # answer T=0 in security even if asked to transit
    operational_extra: list[tuple[str, str]] = field(default_factory=list)  # keys we offer
    operational_extra_transit: bool = False  # ... and end the login in that same response
    # full feature phase
    cmd_window: int = 32  # commands the target takes at once (MaxCmdSN - ExpCmdSN + 1)
    blocks: int = 64
    data_in_size: int | None = None  # Data-In segment size (default: initiator's MRDSL)
    status_in_data_in: bool = True
    data_pdu_in_order: bool = True  # the target's DataPDUInOrder (OR with the initiator's)
    data_in_reverse: bool = False  # send the Data-In PDUs of a read last offset first
    r2t_size: int | None = None  # desired length per R2T (default MaxBurstLength)
    hold_commands: bool = False  # keep SCSI commands until complete_held()
    answer_pings: bool = True
    tmf_response: int | None = None  # force this TMF response code
    send_targets: list[tuple[str, list[str]]] = field(default_factory=list)
    text_split: int | None = None  # bytes of SendTargets text per Text Response
    # one-shot faults
    fault_datasn: bool = False  # the second Data-In skips a DataSN
    fault_offset: str | None = None  # "past_end" or "gap" on the second Data-In
    fault_header_digest: bool = False  # next PDU with a wrong header digest
    fault_data_digest: bool = False  # next PDU with data with a wrong data digest
    fault_itt: bool = False  # next SCSI Response names an unknown ITT
    fault_oversize: int | None = None  # next SCSI Response carries this many data bytes


@dataclass(slots=True)
class _Write:
    """A write in progress: where the data goes and what was received."""

    cmd: InitiatorPdu
    lba: int
    buffer: bytearray
    received: int = 0
    unsolicited_end: int = 0
    expect_datasn: int = 0
    r2t_ttt: int = P.NO_TAG
    r2t_end: int = 0
    r2tsn: int = 0


class FakeTarget:
    """A sans-I/O iSCSI target serving a RAM disk, for tests."""

    def __init__(self, config: TargetConfig | None = None) -> None:
        self.config = config if config is not None else TargetConfig()
        self.disk = bytearray(self.config.blocks * BLOCK_SIZE)
        self.reader = PduReader()
        self.received: list[InitiatorPdu] = []
        self.violations: list[str] = []
        self.out: list[bytes] = []
        self.statsn = self.config.initial_statsn
        self.expcmdsn = 0
        self.active = 0  # non-immediate commands taken and not answered
        self.full_feature = False
        self.logged_out = False
        self.login_requests = 0
        self.initiator_keys: dict[str, str] = {}
        self.agreed: dict[str, str] = {}
        self.initiator_mrdsl = 8192
        self.held: dict[int, InitiatorPdu] = {}
        self.writes: dict[int, _Write] = {}
        self.nop_replies: list[InitiatorPdu] = []
        self._ttt = 0x100
        self._login_pending: list[tuple[P.LoginResponse, bytes]] = []
        self._text_pending: bytes = b""
        self._text_ttt = P.NO_TAG
        self._hd = False
        self._dd = False
        self.connections = 1

    def new_connection(self) -> None:
        """The initiator opened a new TCP connection: forget the old one's stream and login."""
        self.reader = PduReader()
        self.out = []
        self.agreed = {}
        self.full_feature = False
        self.logged_out = False
        self.held = {}
        self.writes = {}
        self.active = 0
        self._login_pending = []
        self._text_pending = b""
        self._text_ttt = P.NO_TAG
        self._hd = self._dd = False
        self.connections += 1

    # ----------------------------------------------------------------- plumbing

    @property
    def maxcmdsn(self) -> int:
        """MaxCmdSN: ExpCmdSN - 1 plus the free command slots."""
        return (self.expcmdsn - 1 + max(0, self.config.cmd_window - self.active)) & MASK

    def receive(self, data: bytes | Iterable[P.Buffer]) -> None:
        """Take bytes the initiator sent."""
        raw = data if isinstance(data, bytes) else b"".join(bytes(b) for b in data)
        for pdu in self.reader.feed(raw):
            self.received.append(pdu)
            self._handle(pdu)

    def data_to_send(self) -> bytes:
        """Bytes for the initiator."""
        out = b"".join(self.out)
        self.out.clear()
        return out

    def of_opcode(self, opcode: int) -> list[InitiatorPdu]:
        """The PDUs received with this opcode, in order."""
        return [p for p in self.received if p.opcode == opcode]

    def next_ttt(self) -> int:
        """A fresh Target Transfer Tag."""
        self._ttt += 1
        return self._ttt

    def send(self, pdu: P.IncomingPdu, data: bytes | bytearray = b"") -> None:
        """Encode a target PDU with the digests in force (and the one-shot digest faults)."""
        raw = bytearray(P.encode_target_pdu(pdu, data, self._hd, self._dd))
        if self._hd and self.config.fault_header_digest:
            self.config.fault_header_digest = False
            raw[P.BHS_LENGTH] ^= 0xFF
        if self._dd and data and self.config.fault_data_digest:
            self.config.fault_data_digest = False
            raw[-1] ^= 0xFF
        self.out.append(bytes(raw))

    def take_statsn(self) -> int:
        """The StatSN for a status-bearing PDU (advances it)."""
        statsn = self.statsn
        self.statsn = (self.statsn + 1) & MASK
        return statsn

    # ----------------------------------------------------------------- dispatch

    def _handle(self, pdu: InitiatorPdu) -> None:
        op = pdu.opcode
        if op == P.Opcode.LOGIN_REQUEST:
            self._on_login(pdu)
            return
        if not self.full_feature:
            self.violations.append(f"opcode 0x{op:02x} before the login completed")
            return
        if len(pdu.data) > self.config.max_recv_data_segment_length:
            self.violations.append(
                f"opcode 0x{op:02x} with {len(pdu.data)} bytes of data, more than "
                f"MaxRecvDataSegmentLength {self.config.max_recv_data_segment_length}"
            )
        if op == P.Opcode.DATA_OUT:
            self._on_data_out(pdu)
            return
        if op == P.Opcode.SNACK_REQUEST:
            return
        self._check_cmdsn(pdu)
        if op == P.Opcode.SCSI_COMMAND:
            self._on_scsi(pdu)
        elif op == P.Opcode.NOP_OUT:
            self._on_nop_out(pdu)
        elif op == P.Opcode.TEXT_REQUEST:
            self._on_text(pdu)
        elif op == P.Opcode.TASK_MANAGEMENT_REQUEST:
            self._on_tmf(pdu)
        elif op == P.Opcode.LOGOUT_REQUEST:
            self._on_logout(pdu)
        else:
            self.violations.append(f"unknown opcode 0x{op:02x}")

    def _check_cmdsn(self, pdu: InitiatorPdu) -> None:
        if pdu.expstatsn != self.statsn and ((pdu.expstatsn - self.statsn) & MASK) < 0x80000000:
            self.violations.append(
                f"ExpStatSN 0x{pdu.expstatsn:08x} acknowledges a status not sent yet "
                f"(the next StatSN is 0x{self.statsn:08x})"
            )
        if pdu.cmdsn != self.expcmdsn:
            self.violations.append(f"CmdSN {pdu.cmdsn}, expected {self.expcmdsn}")
        if pdu.immediate:
            return
        if ((self.maxcmdsn - pdu.cmdsn) & MASK) >= 0x80000000:
            self.violations.append(f"CmdSN {pdu.cmdsn} past MaxCmdSN {self.maxcmdsn}")
        self.expcmdsn = (pdu.cmdsn + 1) & MASK
        self.active += 1

    def _done_command(self) -> None:
        self.active = max(0, self.active - 1)

    # ----------------------------------------------------------------- login

    def _login_response(
        self,
        req: InitiatorPdu,
        pairs: list[tuple[str, str]],
        transit: bool,
        nsg: int,
        status: tuple[int, int] = (0, 0),
    ) -> None:
        csg = (req.flags >> 2) & 3
        tsih = self.config.tsih if transit and nsg == 3 else 0
        isid = (req.lun >> 16).to_bytes(6, "big")
        data = encode_text(pairs)
        pieces: list[bytes] = [data]
        split = self.config.login_split
        if split and len(data) > split:
            pieces = [data[i : i + split] for i in range(0, len(data), split)]
        responses = []
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            responses.append(
                (
                    P.LoginResponse(
                        itt=req.itt,
                        isid=isid,
                        tsih=tsih if last else 0,
                        transit=transit and last,
                        cont=not last,
                        csg=csg,
                        nsg=nsg if transit and last else 0,
                        version_max=0,
                        version_active=0,
                        statsn=0,
                        expcmdsn=self.expcmdsn,
                        maxcmdsn=self.maxcmdsn,
                        status_class=status[0],
                        status_detail=status[1],
                    ),
                    piece,
                )
            )
        self._login_pending = responses
        self._send_login_piece()

    def _send_login_piece(self) -> None:
        resp, data = self._login_pending.pop(0)
        resp.statsn = self.take_statsn()
        self.send(resp, data)
        if not self._login_pending and resp.transit and resp.nsg == 3:
            self.full_feature = True
            self._hd = self.agreed.get("HeaderDigest") == "CRC32C"
            self._dd = self.agreed.get("DataDigest") == "CRC32C"
            self.reader.header_digest = self._hd
            self.reader.data_digest = self._dd

    def _on_login(self, req: InitiatorPdu) -> None:
        cfg = self.config
        n = self.login_requests
        self.login_requests += 1
        if n == 0:
            self.expcmdsn = req.cmdsn
        elif req.expstatsn != self.statsn:
            self.violations.append(f"login ExpStatSN {req.expstatsn}, expected {self.statsn}")
        if not req.immediate:
            self.violations.append("Login Request without the I bit")
        if self.full_feature:
            self.violations.append("Login Request in full feature phase")
            return
        if self._login_pending:
            if req.data or req.final:
                self.violations.append("the answer to a C-bit login response was not empty")
            self._send_login_piece()
            return
        pairs = req.pairs
        keys = dict(pairs)
        self.initiator_keys.update(keys)
        if cfg.redirect_to is not None and n == 0:
            status = cfg.login_status or (1, 1)
            self._login_response(req, [("TargetAddress", cfg.redirect_to)], False, 0, status)
            return
        if cfg.login_status is not None and n == cfg.login_status_at:
            self._login_response(req, [], False, 0, cfg.login_status)
            return
        csg = (req.flags >> 2) & 3
        nsg = req.flags & 3
        if csg == 0:
            self._security(req, keys, nsg)
        elif csg == 1:
            if cfg.chap_user is not None and n == 0:
                # a CHAP target: skipping the security stage is an authentication failure
                self._login_response(req, [], False, 0, (2, 1))
                return
            self._operational(req, pairs, nsg)
        else:
            self.violations.append(f"login CSG {csg}")

    def _security(self, req: InitiatorPdu, keys: dict[str, str], nsg: int) -> None:
        cfg = self.config
        transit = req.final and not cfg.login_stay_in_security
        if "AuthMethod" in keys:
            offered = keys["AuthMethod"].split(",")
            if cfg.refuse_chap is not None:
                self._login_response(req, [("AuthMethod", cfg.refuse_chap)], False, 0)
                return
            if cfg.chap_user is None:
                self._login_response(req, [("AuthMethod", "None")], transit, nsg)
                return
            if "CHAP" not in offered:
                self._login_response(req, [], False, 0, (2, 1))
                return
            self._login_response(req, [("AuthMethod", "CHAP")], False, 0)
            return
        if "CHAP_A" in keys:
            algorithms = keys["CHAP_A"].split(",")
            if str(int(cfg.chap_algorithm)) not in algorithms:
                self._login_response(req, [("CHAP_A", "Reject")], False, 0, (2, 1))
                return
            self._login_response(
                req,
                [
                    ("CHAP_A", str(int(cfg.chap_algorithm))),
                    ("CHAP_I", str(cfg.chap_identifier)),
                    ("CHAP_C", encode_binary(cfg.chap_challenge)),
                ],
                False,
                0,
            )
            return
        if "CHAP_R" in keys:
            expected = chap_response(
                cfg.chap_algorithm,
                cfg.chap_identifier,
                cfg.chap_secret.encode(),
                cfg.chap_challenge,
            )
            if keys.get("CHAP_N") != cfg.chap_user or decode_binary(keys["CHAP_R"]) != expected:
                self._login_response(req, [], False, 0, (2, 0 if cfg.generic_auth_failure else 1))
                return
            answer: list[tuple[str, str]] = []
            if "CHAP_C" in keys:
                if cfg.mutual_user is None:
                    self._login_response(req, [], False, 0, (2, 1))
                    return
                secret = (cfg.mutual_secret + ("x" if cfg.impostor else "")).encode()
                response = chap_response(
                    cfg.chap_algorithm,
                    int(keys["CHAP_I"]),
                    secret,
                    decode_binary(keys["CHAP_C"]),
                )
                answer = [("CHAP_N", cfg.mutual_user), ("CHAP_R", encode_binary(response))]
            self._login_response(req, answer, transit, nsg)
            return
        # an empty request: the initiator asks to move on
        self._login_response(req, [], req.final, nsg)

    def _operational(self, req: InitiatorPdu, pairs: list[tuple[str, str]], nsg: int) -> None:
        answers = [(k, v) for k, v in ((k, self._answer(k, v)) for k, v in pairs) if v]
        if "MaxRecvDataSegmentLength" not in self.agreed:
            answers.append(
                ("MaxRecvDataSegmentLength", str(self.config.max_recv_data_segment_length))
            )
            self.agreed["MaxRecvDataSegmentLength"] = "declared"
        if self.config.alias is not None and "TargetAlias" not in self.agreed:
            answers.append(("TargetAlias", self.config.alias))
            answers.append(("TargetPortalGroupTag", str(self.config.tpgt)))
            self.agreed["TargetAlias"] = self.config.alias
        transit = req.final
        extra = self.config.operational_extra
        if extra:
            answers += extra
            self.config.operational_extra = []
            transit = transit and self.config.operational_extra_transit
        self._login_response(req, answers, transit, nsg)

    def _answer(self, key: str, value: str) -> str | None:
        cfg = self.config
        yes = {"Yes": True, "No": False}

        def yn(flag: bool) -> str:
            return "Yes" if flag else "No"

        answer: str | None
        if key in ("HeaderDigest", "DataDigest"):
            accepted = cfg.header_digests if key == "HeaderDigest" else cfg.data_digests
            answer = next((v for v in value.split(",") if v in accepted), "Reject")
        elif key == "MaxRecvDataSegmentLength":
            self.initiator_mrdsl = int(value)
            return None
        elif key == "InitialR2T":
            answer = yn(yes[value] or cfg.initial_r2t)
        elif key == "ImmediateData":
            answer = yn(yes[value] and cfg.immediate_data)
        elif key == "MaxBurstLength":
            answer = str(min(int(value), cfg.max_burst_length))
        elif key == "FirstBurstLength":
            answer = str(min(int(value), cfg.first_burst_length, cfg.max_burst_length))
        elif key == "MaxOutstandingR2T":
            answer = str(min(int(value), cfg.max_outstanding_r2t))
        elif key in ("MaxConnections", "DefaultTime2Retain", "ErrorRecoveryLevel"):
            answer = str(min(int(value), {"MaxConnections": 1}.get(key, 0)))
        elif key == "DefaultTime2Wait":
            answer = str(max(int(value), 2))
        elif key == "DataPDUInOrder":
            answer = yn(yes[value] or cfg.data_pdu_in_order)
        elif key == "DataSequenceInOrder":
            answer = "Yes"  # OR with our Yes
        elif key in ("IFMarker", "OFMarker"):
            answer = "No"
        else:
            return None
        self.agreed[key] = answer
        return answer

    # ----------------------------------------------------------------- full feature

    def _negotiated_int(self, key: str, default: int) -> int:
        value = self.agreed.get(key)
        return int(value) if value is not None and value.isdigit() else default

    def _on_nop_out(self, pdu: InitiatorPdu) -> None:
        if not pdu.immediate:
            self.violations.append("NOP-Out without the I bit")
        if pdu.itt == P.NO_TAG:
            self.nop_replies.append(pdu)
            return
        if not self.config.answer_pings:
            return
        self.send(
            P.NopIn(pdu.itt, P.NO_TAG, pdu.lun, self.take_statsn(), self.expcmdsn, self.maxcmdsn),
            pdu.data,
        )

    def ping(self, ttt: int, data: bytes = b"", lun: int = 0) -> None:
        """The target's own NOP-In ping: ITT 0xffffffff, StatSN not advanced."""
        self.send(P.NopIn(P.NO_TAG, ttt, lun, self.statsn, self.expcmdsn, self.maxcmdsn), data)

    def window_update(self) -> None:
        """Tell the initiator the current window with a NOP-In that needs no answer."""
        self.send(P.NopIn(P.NO_TAG, P.NO_TAG, 0, self.statsn, self.expcmdsn, self.maxcmdsn))

    def async_message(
        self,
        event: int,
        vcode: int = 0,
        params: tuple[int, int, int] = (0, 0, 0),
        data: bytes = b"",
        lun: int = 0,
    ) -> None:
        """An Asynchronous Message (it takes a StatSN)."""
        self.send(
            P.AsyncMessage(
                lun, self.take_statsn(), self.expcmdsn, self.maxcmdsn, event, vcode, *params
            ),
            data,
        )

    def reject(self, pdu: InitiatorPdu, reason: int) -> None:
        """Reject ``pdu``: the data segment carries its header."""
        self.send(P.Reject(reason, self.take_statsn(), self.expcmdsn, self.maxcmdsn, 0), pdu.header)

    def _on_scsi(self, cmd: InitiatorPdu) -> None:
        if self.config.hold_commands:
            self.held[cmd.itt] = cmd
            return
        self.execute(cmd)

    def complete_held(self, itt: int | None = None) -> None:
        """Execute the held command ``itt`` (or all of them, in order)."""
        for key in [itt] if itt is not None else list(self.held):
            self.execute(self.held.pop(key))

    def execute(self, cmd: InitiatorPdu) -> None:
        """Run a SCSI command against the RAM disk."""
        cdb = cmd.cdb
        op = cdb[0]
        if op in (0x28, 0x2A):
            lba, blocks = int.from_bytes(cdb[2:6], "big"), int.from_bytes(cdb[7:9], "big")
        elif op in (0x88, 0x8A):
            lba, blocks = int.from_bytes(cdb[2:10], "big"), int.from_bytes(cdb[10:14], "big")
        elif op == 0x00:
            self.scsi_response(cmd, 0)
            return
        else:
            self.scsi_response(cmd, 2, sense=sense_data(5, 0x20, 0))
            return
        if lba + blocks > self.config.blocks:
            self.scsi_response(cmd, 2, sense=sense_data(5, 0x21, 0))
            return
        length = blocks * BLOCK_SIZE
        if op in (0x28, 0x88):
            self._read(cmd, self.disk[lba * BLOCK_SIZE : lba * BLOCK_SIZE + length])
        else:
            self._start_write(cmd, lba, length)

    def scsi_response(
        self,
        cmd: InitiatorPdu,
        status: int,
        sense: bytes = b"",
        residual: int = 0,
        response: int = 0,
    ) -> None:
        """A SCSI Response for ``cmd`` (residual < 0: overflow, > 0: underflow)."""
        cfg = self.config
        itt = cmd.itt
        if cfg.fault_itt:
            cfg.fault_itt = False
            itt ^= 0x5A5A
        data = len(sense).to_bytes(2, "big") + sense if sense else b""
        if cfg.fault_oversize is not None:
            data = bytes(cfg.fault_oversize)
            cfg.fault_oversize = None
        self._done_command()
        self.send(
            P.ScsiResponse(
                itt,
                response,
                status,
                self.take_statsn(),
                self.expcmdsn,
                self.maxcmdsn,
                0,
                residual < 0,
                residual > 0,
                abs(residual),
            ),
            data,
        )

    def _read(self, cmd: InitiatorPdu, payload: bytes | bytearray) -> None:
        cfg = self.config
        edtl = cmd.edtl
        residual = edtl - len(payload)  # > 0 underflow, < 0 overflow
        payload = payload[:edtl]
        size = cfg.data_in_size or self.initiator_mrdsl
        pieces = [payload[i : i + size] for i in range(0, len(payload), size)] or [b""]
        if not payload:
            self.scsi_response(cmd, 0, residual=residual)
            return
        placed = [(i * size, piece) for i, piece in enumerate(pieces)]
        if cfg.data_in_reverse:
            placed.reverse()  # offsets out of order, DataSN still 0, 1, 2...
        for datasn, (offset, piece) in enumerate(placed):
            last = datasn == len(placed) - 1
            sn, off = datasn, offset
            if datasn == 1 and cfg.fault_datasn:
                cfg.fault_datasn = False
                sn += 1
            if datasn == 1 and cfg.fault_offset is not None:
                off = edtl if cfg.fault_offset == "past_end" else off + 4
                cfg.fault_offset = None
            status = last and cfg.status_in_data_in
            if status:
                self._done_command()
            self.send(
                P.DataIn(
                    cmd.itt,
                    P.NO_TAG,
                    0,
                    last,
                    False,
                    status and residual < 0,
                    status and residual > 0,
                    status,
                    0,
                    self.take_statsn() if status else self.statsn,
                    self.expcmdsn,
                    self.maxcmdsn,
                    sn,
                    off,
                    abs(residual) if status else 0,
                ),
                piece,
            )
        if not cfg.status_in_data_in:
            self.scsi_response(cmd, 0, residual=residual)

    # ----------------------------------------------------------------- writes

    def _start_write(self, cmd: InitiatorPdu, lba: int, length: int) -> None:
        edtl = cmd.edtl
        w = _Write(cmd, lba, bytearray(edtl))
        fbl = self._negotiated_int("FirstBurstLength", 65536)
        immediate_ok = self.agreed.get("ImmediateData", "Yes") == "Yes"
        initial_r2t = self.agreed.get("InitialR2T", "Yes") == "Yes"
        if cmd.data:
            if not immediate_ok:
                self.violations.append("immediate data with ImmediateData=No")
            w.buffer[: len(cmd.data)] = cmd.data
            w.received = len(cmd.data)
        if not cmd.final:
            if initial_r2t:
                self.violations.append("F clear on a write with InitialR2T=Yes")
            w.unsolicited_end = min(edtl, fbl)
            w.expect_datasn = 0
        elif w.received > fbl:
            self.violations.append("immediate data past FirstBurstLength")
        if length != edtl:
            self.violations.append(f"write of {length} bytes with EDTL {edtl}")
        self.writes[cmd.itt] = w
        if cmd.final:
            self._next_r2t(w)

    def _next_r2t(self, w: _Write) -> None:
        edtl = len(w.buffer)
        if w.received >= edtl:
            self._finish_write(w)
            return
        mbl = self._negotiated_int("MaxBurstLength", 262144)
        size = min(self.config.r2t_size or mbl, mbl, edtl - w.received)
        w.r2t_ttt = self.next_ttt()
        w.r2t_end = w.received + size
        w.expect_datasn = 0
        self.send(
            P.R2T(
                w.cmd.itt,
                w.r2t_ttt,
                0,
                self.statsn,
                self.expcmdsn,
                self.maxcmdsn,
                w.r2tsn,
                w.received,
                size,
            )
        )
        w.r2tsn += 1

    def _on_data_out(self, pdu: InitiatorPdu) -> None:
        w = self.writes.get(pdu.itt)
        if w is None:
            self.violations.append(f"Data-Out for unknown ITT 0x{pdu.itt:08x}")
            return
        if pdu.datasn != w.expect_datasn:
            self.violations.append(f"Data-Out DataSN {pdu.datasn}, expected {w.expect_datasn}")
        if pdu.buffer_offset != w.received:
            self.violations.append(f"Data-Out offset {pdu.buffer_offset}, expected {w.received}")
        unsolicited = pdu.ttt == P.NO_TAG
        end = w.unsolicited_end if unsolicited else w.r2t_end
        if unsolicited and w.r2t_ttt != P.NO_TAG:
            self.violations.append("unsolicited Data-Out after an R2T")
        elif not unsolicited and pdu.ttt != w.r2t_ttt:
            self.violations.append(f"Data-Out TTT 0x{pdu.ttt:08x}, R2T gave 0x{w.r2t_ttt:08x}")
        stop = pdu.buffer_offset + len(pdu.data)
        if stop > end:
            self.violations.append(f"Data-Out up to {stop}, the sequence ends at {end}")
        w.buffer[pdu.buffer_offset : stop] = pdu.data
        w.received = stop
        w.expect_datasn += 1
        if pdu.final != (stop == end):
            self.violations.append(f"Data-Out F bit {pdu.final} at {stop} of {end}")
        if pdu.final:
            self._next_r2t(w)

    def _finish_write(self, w: _Write) -> None:
        del self.writes[w.cmd.itt]
        start = w.lba * BLOCK_SIZE
        self.disk[start : start + len(w.buffer)] = w.buffer
        self.scsi_response(w.cmd, 0)

    # ----------------------------------------------------------------- other requests

    def _on_tmf(self, pdu: InitiatorPdu) -> None:
        function = pdu.flags & 0x7F
        response = 0
        if function == 1:  # ABORT TASK
            ref = pdu.ttt
            if ref in self.held:
                del self.held[ref]
                self._done_command()
            elif ref in self.writes:
                del self.writes[ref]
                self._done_command()
            else:
                response = 1
        elif function == 5:  # LOGICAL UNIT RESET
            for itt in [i for i, c in self.held.items() if c.lun == pdu.lun]:
                del self.held[itt]
                self._done_command()
        if self.config.tmf_response is not None:
            response = self.config.tmf_response
        self.send(
            P.TaskManagementResponse(
                pdu.itt, response, self.take_statsn(), self.expcmdsn, self.maxcmdsn
            )
        )

    def _on_logout(self, pdu: InitiatorPdu) -> None:
        self.logged_out = True
        self.send(
            P.LogoutResponse(pdu.itt, 0, self.take_statsn(), self.expcmdsn, self.maxcmdsn, 2, 20)
        )

    def _on_text(self, pdu: InitiatorPdu) -> None:
        if pdu.ttt == P.NO_TAG:
            keys = dict(pdu.pairs)
            pairs: list[tuple[str, str]] = []
            if "SendTargets" in keys:
                for name, portals in self.config.send_targets:
                    pairs.append(("TargetName", name))
                    pairs += [("TargetAddress", portal) for portal in portals]
            self._text_pending = encode_text(pairs)
        elif pdu.ttt != self._text_ttt:
            self.violations.append(f"Text Request TTT 0x{pdu.ttt:08x}, gave 0x{self._text_ttt:08x}")
        elif pdu.data:
            self.violations.append("continuation Text Request with data")
        size = self.config.text_split or len(self._text_pending) or 1
        piece, self._text_pending = self._text_pending[:size], self._text_pending[size:]
        more = bool(self._text_pending)
        self._text_ttt = self.next_ttt() if more else P.NO_TAG
        self._done_command()
        self.send(
            P.TextResponse(
                pdu.itt,
                self._text_ttt,
                0,
                not more,
                more and not piece.endswith(b"\0"),
                self.take_statsn(),
                self.expcmdsn,
                self.maxcmdsn,
            ),
            piece,
        )


def feed(
    conn: Session, data: bytes, now: float = 0.0, chunks: Iterable[int] | None = None
) -> None:
    """Give ``data`` to ``conn`` in one piece, or cut at the lengths in ``chunks``."""
    if chunks is None:
        conn.receive_data(data, now)
        return
    pos = 0
    for size in chunks:
        if pos >= len(data):
            break
        conn.receive_data(data[pos : pos + max(1, size)], now)
        pos += max(1, size)
    if pos < len(data):
        conn.receive_data(data[pos:], now)


def exchange(
    conn: Session,
    target: FakeTarget,
    now: float = 0.0,
    cut: Callable[[bytes], Iterable[int]] | None = None,
) -> list[Event]:
    """Shuttle bytes both ways until neither side has more; return the initiator's events."""
    events: list[Event] = []
    for _ in range(10000):
        out = conn.data_to_send()
        if out:
            target.receive(out)
        back = target.data_to_send()
        if back:
            feed(conn, back, now, cut(back) if cut is not None else None)
        new = conn.events()
        events += new
        reopen = any(isinstance(e, OpenConnection) for e in new)
        if reopen:
            target.new_connection()
            conn.connection_made(now)
        if not out and not back and not reopen:
            return events
    raise AssertionError("the exchange did not settle")
