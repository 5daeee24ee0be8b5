"""SG_IO of the LINUX family: sg_io_hdr packing and the status/sense handling (no device)."""

from __future__ import annotations

import struct

import pytest

from pyiscsi.conformance.sg import (
    SG_DXFER_FROM_DEV,
    SG_DXFER_TO_DEV,
    SG_IO_HDR_SIZE,
    SgError,
    SgIoHeader,
    pack_sg_io_hdr,
    result_from_header,
    unpack_sg_io_hdr,
)
from pyiscsi.scsi.sense import build_fixed_sense


def test_layout_matches_linux_lp64() -> None:
    # include/scsi/sg.h on LP64 (the project's Debian amd64): sizeof 88; dxferp, cmdp, sbp at
    # 16, 24, 32; usr_ptr at 56; status at 64, resid at 72, info at 80
    assert struct.calcsize("P") == 8
    assert SG_IO_HDR_SIZE == 88
    raw = pack_sg_io_hdr(
        SgIoHeader(
            dxfer_direction=SG_DXFER_FROM_DEV,
            cmd_len=10,
            mx_sb_len=252,
            dxfer_len=4096,
            dxferp=0x1111,
            cmdp=0x2222,
            sbp=0x3333,
            timeout=30000,
        )
    )
    assert raw[0:4] == struct.pack("=i", ord("S"))
    assert raw[4:8] == struct.pack("=i", -3)
    assert raw[8] == 10 and raw[9] == 252
    assert raw[12:16] == struct.pack("=I", 4096)
    assert raw[16:24] == struct.pack("=Q", 0x1111)
    assert raw[24:32] == struct.pack("=Q", 0x2222)
    assert raw[32:40] == struct.pack("=Q", 0x3333)
    assert raw[40:44] == struct.pack("=I", 30000)
    done = bytearray(raw)
    done[64] = 2
    done[72:76] = struct.pack("=i", 100)
    done[80:84] = struct.pack("=I", 7)
    h = unpack_sg_io_hdr(done)
    assert (h.status, h.resid, h.info) == (2, 100, 7)


def test_round_trip() -> None:
    h = SgIoHeader(dxfer_direction=SG_DXFER_TO_DEV, cmd_len=16, dxfer_len=512, status=2,
                   sb_len_wr=18, resid=0, duration=5)  # fmt: skip
    assert unpack_sg_io_hdr(pack_sg_io_hdr(h)) == h


def test_unpack_rejects_another_interface() -> None:
    raw = pack_sg_io_hdr(SgIoHeader())
    raw[0:4] = struct.pack("=i", ord("Q"))
    with pytest.raises(SgError, match="interface id"):
        unpack_sg_io_hdr(raw)


def test_check_condition_with_sense() -> None:
    sense = build_fixed_sense(0x5, 0x21, 0x00)
    h = SgIoHeader(dxfer_direction=SG_DXFER_FROM_DEV, dxfer_len=512, status=2,
                   sb_len_wr=len(sense), driver_status=0x08, resid=512)  # fmt: skip
    r = result_from_header(h, bytes(512), sense + bytes(252 - len(sense)))
    assert r.status == 2
    assert r.sense is not None and (int(r.sense.key), r.sense.asc) == (5, 0x21)
    assert r.data == b"" and r.residual == 512 and r.underflow


def test_good_with_residual_returns_only_what_moved() -> None:
    h = SgIoHeader(dxfer_direction=SG_DXFER_FROM_DEV, dxfer_len=8, resid=3)
    r = result_from_header(h, b"abcdefgh", b"")
    assert (r.status, r.data, r.residual, r.sense) == (0, b"abcde", 3, None)


@pytest.mark.parametrize(("host", "driver"), [(0x01, 0), (0, 0x06)])
def test_transport_errors_raise(host: int, driver: int) -> None:
    with pytest.raises(SgError):
        result_from_header(SgIoHeader(host_status=host, driver_status=driver), b"", b"")


def test_missing_device_is_an_sg_error() -> None:
    from pyiscsi.conformance.sg import SgDevice

    with pytest.raises(SgError, match="cannot open /dev/sg-pyiscsi-none"):
        SgDevice("/dev/sg-pyiscsi-none")
