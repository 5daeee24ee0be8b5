"""iSCSI.iSCSISendTargets: the SendTargets text request (RFC 7143 Appendix C, 11.10/11.11).
libiscsi 1.20."""

import pytest

import pyiscsi
from pyiscsi.conformance.device import Device, IscsiDevice
from pyiscsi.conformance.plugin import TargetOptions

FAMILY = "iSCSI"
SUITE = "iSCSISendTargets"
pytestmark = pytest.mark.iscsi_only


def _send_targets(sd: IscsiDevice, value: str) -> list[pyiscsi.DiscoveredTarget]:
    try:
        return sd.session.send_targets(value)
    except pyiscsi.ISCSIConnectionError as exc:
        pytest.fail(f"the target dropped the connection on SendTargets={value} in a normal "
                    f"session ({exc})", pytrace=False)  # fmt: skip


def test_Simple(sd: Device, target: TargetOptions) -> None:
    """SendTargets=All in the full feature phase of a normal session lists the target we
    are logged in to (RFC 7143 Appendix C: "a target MUST support the SendTargets command
    on operational sessions; these will only return path information about the target to
    which the session is connected"). tgtd 1.0.85 drops the connection ("Cannot handle
    yet 4": no Text Request in a normal session)."""
    assert isinstance(sd, IscsiDevice)
    found = _send_targets(sd, "All")
    name = pyiscsi.parse_url(target.url or "").target
    if name not in [t.name for t in found]:
        pytest.fail(f"SendTargets=All does not list {name}: {[t.name for t in found]}",
                    pytrace=False)  # fmt: skip


def test_Invalid(sd: Device) -> None:
    """SendTargets with a target name that does not exist lists nothing and the session
    stays usable (RFC 7143 Appendix C: "a target name ... the response contains ... that
    target" only)."""
    assert isinstance(sd, IscsiDevice)
    found = _send_targets(sd, "iqn.2024-01.org.pyiscsi:no-such-target")
    if found:
        pytest.fail(f"SendTargets of an unknown name listed {[t.name for t in found]}",
                    pytrace=False)  # fmt: skip
    sd.session.ping(b"still here")
