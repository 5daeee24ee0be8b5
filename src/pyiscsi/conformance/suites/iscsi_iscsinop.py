"""iSCSI.iSCSINop: NOP-Out pings answered by NOP-In (RFC 7143 11.18, 11.19). libiscsi 1.20."""

import pytest

from pyiscsi.conformance.device import Device, IscsiDevice

FAMILY = "iSCSI"
SUITE = "iSCSINop"
pytestmark = pytest.mark.iscsi_only


def test_Simple(sd: Device) -> None:
    """A NOP-Out with a ping payload, and one without, are answered by a NOP-In carrying
    the same data (RFC 7143 11.19.5: "the NOP-In ... ping data ... echo")."""
    assert isinstance(sd, IscsiDevice)
    for payload in (b"nopping\x00", b"", bytes(range(256)) * 4):
        echo = sd.session.ping(payload)
        if echo != payload:
            pytest.fail(f"NOP-In echoed {len(echo)} bytes for {len(payload)} sent, or other data",
                        pytrace=False)  # fmt: skip
