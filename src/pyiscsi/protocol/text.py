"""Text requests in full feature phase: SendTargets discovery (RFC 7143 11.10, appendix C).

The answer to ``SendTargets=All`` lists each target as ``TargetName=<iqn>`` followed by its
``TargetAddress=<host>:<port>,<portal group tag>`` keys.  A long answer comes in several Text
Response PDUs: F clear means more follows (we ask for it with an empty Text Request that
carries the target's TTT); C set means a key=value pair continues in the next PDU, so the text is
only decoded once a PDU arrives with C clear.
"""

from __future__ import annotations

from pyiscsi import errors
from pyiscsi.protocol.login import parse_target_address
from pyiscsi.protocol.tasks import DiscoveredTarget, TargetPortal

__all__ = ["parse_send_targets"]


def parse_send_targets(pairs: list[tuple[str, str]]) -> list[DiscoveredTarget]:
    """Group a SendTargets answer into targets and their portals."""
    targets: list[DiscoveredTarget] = []
    for key, value in pairs:
        if key == "TargetName":
            targets.append(DiscoveredTarget(value))
        elif key == "TargetAddress":
            if not targets:
                raise errors.ProtocolError(
                    "SendTargets answer has a TargetAddress before any TargetName"
                )
            host, port, tpgt = parse_target_address(value)
            targets[-1].portals.append(TargetPortal(host, port, tpgt))
    return targets
