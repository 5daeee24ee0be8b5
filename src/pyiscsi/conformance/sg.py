"""The LINUX family's device: SCSI commands through Linux SG_IO on a ``/dev/sgN`` path.

``struct sg_io_hdr`` (include/scsi/sg.h, interface 'S') is packed with :mod:`struct` in the
machine's native layout; the CDB, data and sense buffers are ctypes buffers whose addresses
go in the header. Only the packing and the status/sense handling are unit-tested: the
development machine has no SCSI devices.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import struct
from dataclasses import dataclass

from pyiscsi.conformance.device import Device, Result
from pyiscsi.errors import ISCSIError
from pyiscsi.scsi.sense import parse_sense

__all__ = [
    "SG_DXFER_FROM_DEV",
    "SG_DXFER_NONE",
    "SG_DXFER_TO_DEV",
    "SG_IO",
    "SgDevice",
    "SgError",
    "SgIoHeader",
    "pack_sg_io_hdr",
    "result_from_header",
    "unpack_sg_io_hdr",
]

SG_IO = 0x2285
SG_INTERFACE_ID = ord("S")
SG_DXFER_NONE = -1
SG_DXFER_TO_DEV = -2
SG_DXFER_FROM_DEV = -3
SENSE_LENGTH = 252

#: interface_id, dxfer_direction, cmd_len, mx_sb_len, iovec_count, dxfer_len, dxferp, cmdp,
#: sbp, timeout, flags, pack_id, usr_ptr, status, masked_status, msg_status, sb_len_wr,
#: host_status, driver_status, resid, duration, info
SG_IO_HDR_FORMAT = "@iiBBHIPPPIIiPBBBBHHiII0P"  # 0P: the tail padding of the C struct
SG_IO_HDR_SIZE = struct.calcsize(SG_IO_HDR_FORMAT)


class SgError(ISCSIError):
    """SG_IO failed, or the host adapter or driver reported an error."""


@dataclass(slots=True)
class SgIoHeader:
    """The fields of ``struct sg_io_hdr`` the caller sets and reads."""

    dxfer_direction: int = SG_DXFER_NONE
    cmd_len: int = 0
    mx_sb_len: int = 0
    dxfer_len: int = 0
    dxferp: int = 0
    cmdp: int = 0
    sbp: int = 0
    timeout: int = 0
    flags: int = 0
    status: int = 0
    masked_status: int = 0
    msg_status: int = 0
    sb_len_wr: int = 0
    host_status: int = 0
    driver_status: int = 0
    resid: int = 0
    duration: int = 0
    info: int = 0


def pack_sg_io_hdr(h: SgIoHeader) -> bytearray:
    """The bytes of ``struct sg_io_hdr`` for ``h`` (interface 'S', no iovec)."""
    return bytearray(
        struct.pack(
            SG_IO_HDR_FORMAT,
            SG_INTERFACE_ID,
            h.dxfer_direction,
            h.cmd_len,
            h.mx_sb_len,
            0,
            h.dxfer_len,
            h.dxferp,
            h.cmdp,
            h.sbp,
            h.timeout,
            h.flags,
            0,
            0,
            h.status,
            h.masked_status,
            h.msg_status,
            h.sb_len_wr,
            h.host_status,
            h.driver_status,
            h.resid,
            h.duration,
            h.info,
        )
    )


def unpack_sg_io_hdr(raw: bytes | bytearray) -> SgIoHeader:
    """Decode ``struct sg_io_hdr`` bytes (after the ioctl) into an :class:`SgIoHeader`."""
    (
        interface_id, direction, cmd_len, mx_sb_len, _iovec, dxfer_len, dxferp, cmdp, sbp,
        timeout, flags, _pack_id, _usr, status, masked, msg, sb_len_wr, host, driver, resid,
        duration, info,
    ) = struct.unpack(SG_IO_HDR_FORMAT, bytes(raw[:SG_IO_HDR_SIZE]))  # fmt: skip
    if interface_id != SG_INTERFACE_ID:
        raise SgError(f"sg_io_hdr interface id {interface_id:#x}, expected 'S'")
    return SgIoHeader(
        direction, cmd_len, mx_sb_len, dxfer_len, dxferp, cmdp, sbp, timeout, flags,
        status, masked, msg, sb_len_wr, host, driver, resid, duration, info,
    )  # fmt: skip


def result_from_header(h: SgIoHeader, data: bytes, sense: bytes) -> Result:
    """The :class:`Result` of a completed SG_IO: status, data-in actually moved, sense.

    A host adapter error (DID_*) or a driver error other than DRIVER_SENSE raises SgError.
    """
    if h.host_status:
        raise SgError(f"SG_IO: host adapter status {h.host_status:#x}")
    if h.driver_status & ~0x08:  # DRIVER_SENSE (0x08) only says sense is present
        raise SgError(f"SG_IO: driver status {h.driver_status:#x}")
    decoded = None
    if h.sb_len_wr:
        with contextlib.suppress(ValueError):
            decoded = parse_sense(sense[: h.sb_len_wr])
    moved = h.dxfer_len - max(h.resid, 0)
    data_in = data[:moved] if h.dxfer_direction == SG_DXFER_FROM_DEV else b""
    return Result(
        h.status, data_in, decoded, max(h.resid, 0), underflow=h.resid > 0, overflow=False
    )


class SgDevice(Device):
    """A SCSI device behind ``/dev/sgN``, one SG_IO ioctl per command."""

    def __init__(self, path: str, *, timeout: float = 30.0) -> None:
        self.path = path
        self.timeout_ms = max(1, int(timeout * 1000))
        try:
            self._fd: int | None = os.open(path, os.O_RDWR)
        except OSError as exc:
            raise SgError(f"cannot open {path}: {exc.strerror}") from None

    def execute(self, cdb: bytes, *, data_out: bytes | None = None, data_in: int = 0) -> Result:
        if self._fd is None:
            raise SgError(f"{self.path} is closed")
        cmd = ctypes.create_string_buffer(bytes(cdb), len(cdb))
        sense = ctypes.create_string_buffer(SENSE_LENGTH)
        if data_out:
            direction, length = SG_DXFER_TO_DEV, len(data_out)
            buf = ctypes.create_string_buffer(bytes(data_out), length)
        elif data_in:
            direction, length = SG_DXFER_FROM_DEV, data_in
            buf = ctypes.create_string_buffer(length)
        else:
            direction, length = SG_DXFER_NONE, 0
            buf = ctypes.create_string_buffer(1)
        hdr = pack_sg_io_hdr(
            SgIoHeader(
                dxfer_direction=direction,
                cmd_len=len(cdb),
                mx_sb_len=SENSE_LENGTH,
                dxfer_len=length,
                dxferp=ctypes.addressof(buf) if length else 0,
                cmdp=ctypes.addressof(cmd),
                sbp=ctypes.addressof(sense),
                timeout=self.timeout_ms,
            )
        )
        try:
            fcntl.ioctl(self._fd, SG_IO, hdr, True)
        except OSError as exc:
            raise SgError(f"SG_IO on {self.path}: {exc.strerror}") from None
        return result_from_header(unpack_sg_io_hdr(hdr), buf.raw[:length], sense.raw)

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
