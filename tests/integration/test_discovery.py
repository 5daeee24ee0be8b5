"""SendTargets discovery against a real tgtd, including an answer spread over many Text PDUs.

Each target is reported with ``TargetAddress=host:port,tpgt`` for every portal (tpgt 1).  The
order of a large answer is not simply newest first, so names are compared sorted.
"""

from __future__ import annotations

import asyncio

from _targets import INITIATOR, run_async

import pyiscsi
import pyiscsi.sync
from tgt import (
    CHAP_IQN,
    DIGEST_IQN,
    MUTUAL_IQN,
    PLAIN_IQN,
    TargetSpec,
    Tgtd,
    TgtdFactory,
)

MANY = 160
LONG_NAME = "iqn.2024-01.org.pyiscsi:discovery-of-a-great-many-targets-with-long-names-{:04d}"


def _check_portal(target: pyiscsi.DiscoveredTarget, daemon: Tgtd) -> None:
    assert [(p.host, p.port, p.tpgt) for p in target.portals] == [("127.0.0.1", daemon.port, 1)]


@run_async
async def test_discover_standard_targets(tgtd: Tgtd) -> None:
    found = await pyiscsi.discover(tgtd.portal_url(), initiator_name=INITIATOR)
    assert sorted(t.name for t in found) == sorted([PLAIN_IQN, CHAP_IQN, MUTUAL_IQN, DIGEST_IQN])
    for target in found:
        _check_portal(target, tgtd)


def test_discover_sync(tgtd: Tgtd) -> None:
    found = pyiscsi.sync.discover(tgtd.portal_url())
    assert {t.name for t in found} == {PLAIN_IQN, CHAP_IQN, MUTUAL_IQN, DIGEST_IQN}


def _many(factory: TgtdFactory) -> tuple[Tgtd, list[str]]:
    daemon = factory()
    names = [LONG_NAME.format(i) for i in range(MANY)]
    daemon.add_targets(TargetSpec(tid, name) for tid, name in enumerate(names, 1))
    return daemon, names


async def _discover_many(daemon: Tgtd, names: list[str], segment: int) -> int:
    """SendTargets=All with our MaxRecvDataSegmentLength ``segment``; returns the text size."""
    async with pyiscsi.open_discovery(
        daemon.portal_url(), initiator_name=INITIATOR, max_recv_data_segment_length=segment
    ) as s:
        assert s.parameters["MaxRecvDataSegmentLength"] == str(segment)
        # a guard, not a timing assert: the answer takes milliseconds (it hung when Text
        # Requests waited for a CmdSN window tgtd never opens in discovery sessions)
        async with asyncio.timeout(10):
            found = await s.send_targets()
    assert len(found) == len(names)  # none lost, none repeated
    assert sorted(t.name for t in found) == names
    for target in found:
        _check_portal(target, daemon)
    return sum(len(t.name) + 40 for t in found)


@run_async
async def test_discover_many_targets(tgtd_factory: TgtdFactory) -> None:
    daemon, names = _many(tgtd_factory)
    assert await _discover_many(daemon, names, 262144) > 16384  # one Text Response of ~19 KB


@run_async
async def test_discover_many_targets_in_two_pdus(tgtd_factory: TgtdFactory) -> None:
    """~19 KB at 16 KiB a PDU: tgtd splits the answer (mid key=value) over two Text Responses."""
    daemon, names = _many(tgtd_factory)
    assert await _discover_many(daemon, names, 16384) > 16384


@run_async
async def test_discover_many_targets_small_segments(tgtd_factory: TgtdFactory) -> None:
    """~19 KB at 512 bytes a PDU: about 40 Text Response PDUs."""
    daemon, names = _many(tgtd_factory)
    assert await _discover_many(daemon, names, 512) > 30 * 512


@run_async
async def test_discover_one_target_by_name(tgtd: Tgtd) -> None:
    async with pyiscsi.open_discovery(tgtd.portal_url()) as s:
        found = await s.send_targets(CHAP_IQN)
    assert [t.name for t in found] == [CHAP_IQN]
    _check_portal(found[0], tgtd)


@run_async
async def test_discovery_session_cannot_run_scsi(tgtd: Tgtd) -> None:
    async with pyiscsi.open_discovery(tgtd.portal_url()) as s:
        try:
            s.submit(bytes(6))
        except pyiscsi.ISCSIError as exc:
            assert "discovery" in str(exc)
        else:
            raise AssertionError("a discovery session ran a SCSI command")
