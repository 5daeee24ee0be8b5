"""One iSCSI connection (one TCP stream) as a sans-I/O state machine.

A connection owns what RFC 7143 keeps per connection; the session above it owns the rest
(CmdSN, tasks, recovery: see :mod:`pyiscsi.protocol.session`).  Per connection:

- the login: a :class:`~pyiscsi.protocol.login.Login` walks the stages; the final Login
  Response moves the connection to full feature phase;
- StatSN: the target numbers its status PDUs on this connection; we acknowledge with
  ExpStatSN = last StatSN + 1 on every PDU we send.  A status PDU whose StatSN is not the
  one expected means a status was lost (or repeated): a protocol error at
  ErrorRecoveryLevel 0.  R2T, Data-In without status and a NOP-In that answers no NOP-Out
  carry the next StatSN without taking it;
- framing: a 48-byte Basic Header Segment, AHS, header digest, data segment padded to 4
  bytes, data digest.  Header and data digests (CRC32C) apply from the first PDU after the
  login;
- Data-In payloads land straight in the caller's buffer: once a Data-In header is read the
  session names the slice of the task's buffer (``Owner.data_in_buffer``) and
  ``get_buffer`` hands it to the transport;
- the hooks (:class:`Hooks`), for the conformance tool: every PDU sent, login included,
  passes through them.

Bytes come in through ``get_buffer``/``buffer_updated`` (the shape of
:class:`asyncio.BufferedProtocol`) and go out through ``data_to_send``.  Errors in what the
target sent are raised as :class:`~pyiscsi.errors.ISCSIError`; the session decides what
follows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from pyiscsi import errors
from pyiscsi.protocol import pdu as P
from pyiscsi.protocol.chap import ChapCredentials
from pyiscsi.protocol.digest import crc32c
from pyiscsi.protocol.keys import Negotiated, OperationalSettings
from pyiscsi.protocol.login import Login, LoginParameters

__all__ = [
    "Connection",
    "ConnectionState",
    "Hooks",
    "Owner",
    "PduHook",
    "ReceiveHook",
    "WireHook",
    "sn_lt",
]

log = logging.getLogger("pyiscsi.connection")
pdu_log = logging.getLogger("pyiscsi.pdu")

SN_MASK = 0xFFFFFFFF
_RECV_MIN = 16 * 1024  # receive buffer to start with; it grows while the stream is busy
_RECV_MAX = 256 * 1024
_DIRECT_MIN = 2048  # Data-In payloads at least this long are received straight into the task buffer
_BIG_PAYLOAD = 65536  # after a PDU this long, read only a little past the next header ...
_HEADER_READ = 4096  # ... so that the next big payload lands in place rather than being copied
_LOGIN_MAX_DATA = 65536

#: changes, drops (None), replaces (bytes) or multiplies (a sequence) each PDU sent
PduHook = Callable[
    [P.OutgoingPdu], "P.OutgoingPdu | bytes | Sequence[P.OutgoingPdu | bytes] | None"
]
#: changes (or drops, None) the encoded bytes of each PDU sent
WireHook = Callable[[bytes], "bytes | None"]
#: sees each PDU received
ReceiveHook = Callable[[P.IncomingPdu], None]


@dataclass(slots=True, frozen=True)
class Hooks:
    """Callbacks on the wire path of every connection of a session (conformance testing)."""

    pdu: PduHook | None = None
    wire: WireHook | None = None
    receive: ReceiveHook | None = None

    @property
    def active(self) -> bool:
        """True when any hook is set (the fast paths are then left aside)."""
        return self.pdu is not None or self.wire is not None or self.receive is not None


NO_HOOKS = Hooks()


def sn_lt(a: int, b: int) -> bool:
    """Serial number arithmetic (RFC 1982, 32 bits): a comes before b."""
    return a != b and ((b - a) & SN_MASK) < 0x80000000


class ConnectionState(Enum):
    """Where a connection is in its life."""

    FREE = "free"
    LOGIN = "login"
    FULL_FEATURE = "full feature"
    CLOSED = "closed"


class Owner(Protocol):
    """What a connection needs from its session."""

    def data_in_buffer(self, pdu: P.DataIn, length: int) -> memoryview:
        """Where the payload of this Data-In goes (raise ProtocolError if nowhere)."""
        ...

    def pdu_received(self, pdu: P.IncomingPdu, data: memoryview | bytes) -> None:
        """A PDU other than an intermediate Login Response arrived (its StatSN checked)."""
        ...


# status PDUs whose StatSN must be the next one; Async Message and Reject are looser (below)
_STRICT_STATSN = (P.ScsiResponse, P.TaskManagementResponse, P.TextResponse, P.LogoutResponse)


class Connection:
    """One TCP connection of a session: login, StatSN, framing and digests."""

    def __init__(
        self,
        owner: Owner,
        params: LoginParameters,
        settings: OperationalSettings,
        credentials: ChapCredentials | None = None,
        hooks: Hooks = NO_HOOKS,
    ) -> None:
        self.owner = owner
        self.params = params
        self.settings = settings
        self.credentials = credentials
        self.hooks = hooks
        self.state = ConnectionState.FREE
        self.negotiated = Negotiated()
        self.expstatsn = 0
        self.tsih = 0
        self.login_state: Login | None = None
        self._login_itt = 0
        self._login_cmdsn = 0
        # Async Messages/Rejects since the last status, which may take a StatSN
        self._statsn_slack = 0
        # output
        self._out: list[P.Buffer] = []
        self.header_digest = False
        self.data_digest = False
        # input framing
        self._rbuf = bytearray(_RECV_MIN)
        self._rview = memoryview(self._rbuf)
        self._rstart = 0
        self._rend = 0
        self._pdu: P.IncomingPdu | None = None  # header read, payload pending
        self._dest: memoryview = memoryview(b"")
        self._got = 0
        self._direct = False
        self._big = False  # the last PDU's data segment was big: the next likely is too

    # ------------------------------------------------------------------ login

    def login(self, itt: int, cmdsn: int) -> None:
        """Send the first Login Request (the login task's ITT and the session's CmdSN)."""
        if self.state is not ConnectionState.FREE:
            raise errors.LocalProtocolError(f"cannot log in: connection is {self.state.value}")
        self.state = ConnectionState.LOGIN
        self._login_itt = itt
        self._login_cmdsn = cmdsn
        self.login_state = Login(self.params, self.settings, self.credentials)
        self._send_login(self.login_state.first_request())

    def _send_login(self, request: P.LoginRequest) -> None:
        request.itt = self._login_itt
        request.cmdsn = self._login_cmdsn
        request.expstatsn = self.expstatsn
        self.send(request)

    def _on_login_response(self, pdu: P.LoginResponse) -> None:
        login = self.login_state
        if self.state is not ConnectionState.LOGIN or login is None:
            raise errors.ProtocolError("Login Response outside the login phase")
        if pdu.itt != self._login_itt:
            raise errors.ProtocolError(f"Login Response for unknown task 0x{pdu.itt:08x}")
        if pdu.status_class == 0:
            self.expstatsn = (pdu.statsn + 1) & SN_MASK
        request = login.receive(pdu)  # a LoginError ends the login
        if request is not None:
            self._send_login(request)
            return
        self.negotiated = login.result()
        self.tsih = login.tsih
        self.login_state = None
        self.state = ConnectionState.FULL_FEATURE
        self.header_digest = self.negotiated.header_digest
        self.data_digest = self.negotiated.data_digest
        self.owner.pdu_received(pdu, b"")

    # ------------------------------------------------------------------ sending

    def send(self, pdu: P.OutgoingPdu) -> None:
        """Encode a PDU (ExpStatSN filled in) through the hooks onto the output."""
        if pdu.__class__ is not P.LoginRequest:
            pdu.expstatsn = self.expstatsn
        hooks = self.hooks
        if hooks.pdu is None:
            self._encode(pdu)
            return
        changed = hooks.pdu(pdu)
        if changed is None:
            return
        items = changed if isinstance(changed, list | tuple) else (changed,)
        for item in items:
            if isinstance(item, bytes | bytearray | memoryview):
                self._out.append(bytes(item))
            else:
                self._encode(item)

    def _encode(self, pdu: P.OutgoingPdu) -> None:
        if pdu_log.isEnabledFor(logging.DEBUG):
            pdu_log.debug("send %s", P.describe(pdu, len(pdu.data)))
        wire = P.encode(pdu, self.header_digest, self.data_digest)
        hook = self.hooks.wire
        if hook is None:
            self._out += wire
            return
        changed = hook(b"".join(wire))
        if changed is not None:
            self._out.append(changed)

    def send_scsi_command(
        self,
        itt: int,
        lun: int,
        flags: int,
        expected_length: int,
        cmdsn: int,
        cdb: bytes,
        data: P.Buffer,
    ) -> None:
        """A SCSI Command PDU (``flags``: byte 1, F R W and the task attribute)."""
        if len(cdb) > 16 or self.hooks.active or pdu_log.isEnabledFor(logging.DEBUG):
            self.send(
                P.ScsiCommand(
                    itt=itt,
                    cdb=cdb,
                    lun=lun,
                    expected_data_transfer_length=expected_length,
                    cmdsn=cmdsn,
                    read=bool(flags & 0x40),
                    write=bool(flags & 0x20),
                    final=bool(flags & 0x80),
                    attributes=flags & 7,
                    data=data,
                )
            )
            return
        self._out += P.encode_scsi_command(
            itt,
            lun,
            flags,
            expected_length,
            cmdsn,
            self.expstatsn,
            cdb,
            data,
            self.header_digest,
            self.data_digest,
        )

    def send_data_out(
        self, itt: int, ttt: int, lun: int, data: memoryview, start: int, end: int
    ) -> None:
        """Data-Out PDUs for bytes [start, end) of ``data``, DataSN from 0, F on the last."""
        step = self.negotiated.max_xmit_data_segment_length
        slow = self.hooks.active or pdu_log.isEnabledFor(logging.DEBUG)
        hd, dd = self.header_digest, self.data_digest
        expstatsn = self.expstatsn
        append = self._out.extend
        datasn = 0
        offset = start
        while offset < end:
            stop = min(offset + step, end)
            if slow:
                self.send(
                    P.DataOut(
                        itt=itt,
                        ttt=ttt,
                        lun=lun,
                        datasn=datasn,
                        buffer_offset=offset,
                        final=stop == end,
                        data=data[offset:stop],
                    )
                )
            else:
                append(
                    P.encode_data_out(
                        itt,
                        ttt,
                        lun,
                        expstatsn,
                        datasn,
                        offset,
                        stop == end,
                        data[offset:stop],
                        hd,
                        dd,
                    )
                )
            datasn += 1
            offset = stop

    def data_to_send(self) -> list[P.Buffer]:
        """Buffers to write to the socket, in order; the list is handed over."""
        out, self._out = self._out, []
        return out

    def close(self) -> None:
        """Stop: what arrives from now on is discarded."""
        self.state = ConnectionState.CLOSED
        self._pdu = None
        self._dest = memoryview(b"")

    # ------------------------------------------------------------------ receiving

    def get_buffer(self, sizehint: int = -1) -> memoryview:
        """Where the next received bytes should be written."""
        if (
            self._pdu is not None
            and len(self._dest) - self._got >= _DIRECT_MIN
            and self.state is not ConnectionState.CLOSED
        ):
            self._direct = True
            return self._dest[self._got :]
        self._direct = False
        if self._rstart == self._rend or self.state is ConnectionState.CLOSED:
            self._rstart = self._rend = 0  # all consumed (or, once closed, discarded)
        elif len(self._rbuf) - self._rend < len(self._rbuf) // 4:
            pending = bytes(self._rview[self._rstart : self._rend])
            if len(pending) > len(self._rbuf) // 2 and len(self._rbuf) < _RECV_MAX:
                self._rbuf = bytearray(len(self._rbuf) * 2)  # a busy stream: read more at once
                self._rview = memoryview(self._rbuf)
            self._rview[: len(pending)] = pending
            self._rstart, self._rend = 0, len(pending)
        if self._big:
            return self._rview[self._rend : self._rend + _HEADER_READ]
        return self._rview[self._rend :]

    def buffer_updated(self, nbytes: int) -> None:
        """``nbytes`` were written into the last buffer from ``get_buffer``; process them.

        Raises :class:`~pyiscsi.errors.ISCSIError` for whatever the target got wrong.
        """
        if self._direct:
            self._got += nbytes
        else:
            self._rend += nbytes
            if self._rend == len(self._rbuf) and len(self._rbuf) < _RECV_MAX:
                grown = bytearray(len(self._rbuf) * 2)
                grown[: self._rend] = self._rview[: self._rend]
                self._rbuf = grown
                self._rview = memoryview(grown)
        while self.state is not ConnectionState.CLOSED:
            if self._pdu is None:
                if not self._read_header():
                    return
            elif not self._read_payload():
                return

    def _read_header(self) -> bool:
        avail = self._rend - self._rstart
        if avail < P.BHS_LENGTH:
            return False
        start = self._rstart
        rview = self._rview
        ahs_len = rview[start + 4] * 4
        hlen = P.BHS_LENGTH + ahs_len
        need = hlen + (4 if self.header_digest else 0)
        if avail < need:
            if need > len(self._rbuf):  # cannot happen with AHSLength < 256; kept as a bound
                raise errors.ProtocolError(f"target sent a {need}-byte header")
            return False
        if self.header_digest:
            want = int.from_bytes(rview[start + hlen : start + need], "little")
            if crc32c(rview[start : start + hlen]) != want:
                raise errors.DigestError("header digest mismatch on a received PDU")
        pdu = P.decode_header(rview[start : start + P.BHS_LENGTH])
        dlen = int.from_bytes(rview[start + 5 : start + 8], "big")
        self._big = dlen >= _BIG_PAYLOAD
        self._rstart = start + need
        if pdu_log.isEnabledFor(logging.DEBUG):
            pdu_log.debug("recv %s", P.describe(pdu, dlen))
        if dlen == 0:
            self._dispatch(pdu, b"")
            return True
        if pdu.__class__ is P.DataIn:
            assert isinstance(pdu, P.DataIn)
            dest = self.owner.data_in_buffer(pdu, dlen)
        else:
            limit = (
                self.negotiated.max_recv_data_segment_length
                if self.state is ConnectionState.FULL_FEATURE
                else _LOGIN_MAX_DATA
            )
            if dlen > limit:
                raise errors.ProtocolError(
                    f"target sent a {dlen}-byte data segment; the most we accept is {limit}"
                )
            dest = memoryview(bytearray(dlen))
        self._pdu = pdu
        self._dest = dest
        self._got = 0
        return True

    def _read_payload(self) -> bool:
        dest = self._dest
        dlen = len(dest)
        if self._got < dlen:
            take = min(dlen - self._got, self._rend - self._rstart)
            if take:
                dest[self._got : self._got + take] = self._rview[self._rstart : self._rstart + take]
                self._got += take
                self._rstart += take
            if self._got < dlen:
                return False
        pad = -dlen & 3
        trailer = pad + (4 if self.data_digest else 0)
        if self._rend - self._rstart < trailer:
            return False
        if self.data_digest:
            start = self._rstart
            digest = crc32c(dest)
            if pad:
                digest = crc32c(self._rview[start : start + pad], digest)
            want = int.from_bytes(self._rview[start + pad : start + trailer], "little")
            if digest != want:
                raise errors.DigestError("data digest mismatch on a received PDU")
        self._rstart += trailer
        pdu = self._pdu
        assert pdu is not None
        self._pdu = None
        self._dest = memoryview(b"")
        self._dispatch(pdu, dest)
        return True

    def redirect_payload(self, itt: int, buffer: memoryview) -> None:
        """The Data-In payload under way for ``itt`` goes to ``buffer`` (a cancelled read)."""
        receiving = self._pdu
        if isinstance(receiving, P.DataIn) and receiving.itt == itt:
            start = receiving.buffer_offset
            self._dest = buffer[start : start + len(self._dest)]

    # ------------------------------------------------------------------ dispatch

    def _dispatch(self, pdu: P.IncomingPdu, data: memoryview | bytes) -> None:
        hook = self.hooks.receive
        if hook is not None:
            hook(pdu)
        cls = pdu.__class__
        if cls is P.DataIn:
            assert isinstance(pdu, P.DataIn)
            if pdu.has_status:
                self._statsn(pdu.statsn)
        elif cls is P.LoginResponse:
            assert isinstance(pdu, P.LoginResponse)
            pdu.data = bytes(data)
            self._on_login_response(pdu)
            return
        elif self.state is not ConnectionState.FULL_FEATURE:
            raise errors.ProtocolError(f"{cls.__name__} during the login")
        elif cls in _STRICT_STATSN or (cls is P.NopIn and pdu.itt != P.NO_TAG):
            self._statsn(pdu.statsn)
        elif (cls is P.AsyncMessage or cls is P.Reject) and pdu.statsn == self.expstatsn:
            # RFC 7143 is read both ways on whether these take a StatSN: take it, and let the
            # next status reuse it
            self.expstatsn = (pdu.statsn + 1) & SN_MASK
            self._statsn_slack += 1
        if not isinstance(pdu, P.DataIn):
            pdu.data = bytes(data)
        self.owner.pdu_received(pdu, data)

    def _statsn(self, statsn: int) -> None:
        """Check and take the StatSN of a status PDU."""
        ahead = (statsn - self.expstatsn) & SN_MASK
        behind = (self.expstatsn - statsn) & SN_MASK
        if ahead and behind > self._statsn_slack:
            if ahead < 0x80000000:
                raise errors.ProtocolError(
                    f"StatSN {statsn}, expected {self.expstatsn}: a status was lost"
                )
            raise errors.ProtocolError(
                f"StatSN {statsn} went backwards (expected {self.expstatsn})"
            )
        self._statsn_slack = 0
        self.expstatsn = (statsn + 1) & SN_MASK
