"""SCSI.ModeSense6: MODE SENSE (6) (SPC-5 6.11) and the Control mode page (SPC-5 7.5.10)."""

import pytest

from pyiscsi.conformance import checks
from pyiscsi.conformance.device import Device, LunInfo
from pyiscsi.scsi.cdb import ModeSense6
from pyiscsi.scsi.mode import Control, parse_mode_sense6

FAMILY = "SCSI"
SUITE = "ModeSense6"


def _control(sd: Device, lun: LunInfo) -> Control:
    r = checks.ok(sd, lun, ModeSense6(page_code=0x0A, allocation_length=255))
    page = parse_mode_sense6(r.data).page(0x0A)
    if not isinstance(page, Control):
        pytest.fail("MODE SENSE(6) page 0x0a: no Control mode page returned", pytrace=False)
    return page


def test_AllPages(sd: Device, lun: LunInfo) -> None:
    """MODE SENSE (6) for all pages (3Fh) is GOOD and its MODE DATA LENGTH matches what came
    (SPC-5 6.11, 7.5.5 mode parameter header)."""
    r = checks.ok(sd, lun, ModeSense6(page_code=0x3F, allocation_length=255))
    if not r.data or r.data[0] + 1 != len(r.data):
        pytest.fail(
            f"MODE SENSE(6): MODE DATA LENGTH {r.data[0] if r.data else '-'} "
            f"but {len(r.data)} bytes came",
            pytrace=False,
        )


def test_Control(sd: Device, lun: LunInfo) -> None:
    """The Control mode page (0Ah) is returned with PAGE LENGTH 0Ah (SPC-5 7.5.10)."""
    r = checks.ok(sd, lun, ModeSense6(page_code=0x0A, allocation_length=255))
    params = parse_mode_sense6(r.data)
    page = params.page(0x0A)
    if page is None:
        pytest.fail("MODE SENSE(6) page 0x0a: Control mode page missing", pytrace=False)


@pytest.mark.iscsi_name("Control-D_SENSE")
def test_Control_D_SENSE(sd: Device, lun: LunInfo) -> None:
    """D_SENSE of the Control page matches the sense format the target uses: descriptor
    format (72h) when set, fixed (70h) when clear (SPC-5 7.5.10 D_SENSE, 4.4.1)."""
    page = _control(sd, lun)
    r = sd.run(bytes([0xFF, 0, 0, 0, 0, 0]))  # an invalid opcode, to get sense data
    if r.sense is None:
        pytest.skip("the target returned no sense for an invalid opcode")
    if bool(page.d_sense) != r.sense.descriptor_format:
        pytest.fail(
            f"D_SENSE={int(bool(page.d_sense))} but sense response code is "
            f"{r.sense.response_code:#x}",
            pytrace=False,
        )


@pytest.mark.iscsi_name("Control-SWP")
def test_Control_SWP(sd: Device, lun: LunInfo) -> None:
    """SWP (software write protect) of the Control page agrees with WP of the mode header
    when SWP is set (SPC-5 7.5.10 SWP; SBC-4 6.5.1 WP)."""
    page = _control(sd, lun)
    r = checks.ok(sd, lun, ModeSense6(page_code=0x3F, allocation_length=255))
    wp = bool(parse_mode_sense6(r.data).wp)
    if page.swp and not wp:
        pytest.fail("Control page SWP set but mode header WP clear", pytrace=False)


def test_Residuals(sd: Device, lun: LunInfo) -> None:
    """ALLOCATION LENGTH 4 returns exactly the 4-byte header, and the MODE DATA LENGTH still
    tells the full length (SPC-5 4.2.5.6; 7.5.5)."""
    full = checks.ok(sd, lun, ModeSense6(page_code=0x3F, allocation_length=255)).data
    r = checks.ok(sd, lun, ModeSense6(page_code=0x3F, allocation_length=4))
    if len(r.data) != min(4, len(full)):
        pytest.fail(f"MODE SENSE(6) allocation_length=4: got {len(r.data)} bytes", pytrace=False)
    if r.data[:1] != full[:1]:
        pytest.fail(
            f"MODE DATA LENGTH {r.data[0]} when truncated, {full[0]} in full", pytrace=False
        )
