"""An IPv6 portal ([::1]) of a real tgtd: login, verified I/O, discovery."""

from __future__ import annotations

from _targets import BLOCK, INITIATOR, MiB, inquiry, pattern, read16, run_async, write16

import pyiscsi
import pyiscsi.sync
from tgt import TgtdFactory

IQN = "iqn.2024-01.org.pyiscsi:ipv6"
SIZE = MiB + 3 * BLOCK


@run_async
async def test_ipv6_login_write_read(tgtd_factory: TgtdFactory) -> None:
    daemon = tgtd_factory(ipv6=True)
    daemon.add_target(1, IQN, {1: 16 * MiB})
    url = daemon.url(IQN, 1, host="::1")
    assert url.startswith(f"iscsi://[::1]:{daemon.port}/")
    data = pattern("ipv6", SIZE)
    async with pyiscsi.connect(url, initiator_name=INITIATOR) as s:
        assert s.host == "::1"
        assert s.portal == f"[::1]:{daemon.port}"
        assert bytes((await s.execute(inquiry(96), data_in=96)).data)[8:11] == b"IET"
        await s.execute(write16(7, SIZE // BLOCK), data_out=data)
        result = await s.execute(read16(7, SIZE // BLOCK), data_in=SIZE)
        assert bytes(result.data) == data
        assert await s.ping(b"v6") == b"v6"
    # the IPv6 connection was the one tgtd served: the data is on its disk
    with daemon.backing_file(1, 1).open("rb") as f:
        f.seek(7 * BLOCK)
        assert f.read(SIZE) == data


@run_async
async def test_ipv6_discovery(tgtd_factory: TgtdFactory) -> None:
    """tgtd answers SendTargets with the portal the question came in on (checked by hand)."""
    daemon = tgtd_factory(ipv6=True)
    daemon.add_target(1, IQN, {1: MiB})
    for host in ("::1", "127.0.0.1"):
        found = await pyiscsi.discover(daemon.portal_url(host=host), initiator_name=INITIATOR)
        assert [t.name for t in found] == [IQN]
        # "[::1]:port,1" decoded without its brackets
        assert [(p.host, p.port, p.tpgt) for p in found[0].portals] == [(host, daemon.port, 1)]


def test_ipv6_sync(tgtd_factory: TgtdFactory) -> None:
    daemon = tgtd_factory(ipv6=True)
    daemon.add_target(1, IQN, {1: MiB})
    data = pattern("ipv6-sync", 16 * BLOCK)
    with pyiscsi.sync.connect(daemon.url(IQN, 1, host="::1")) as s:
        s.execute(write16(0, 16), data_out=data)
        assert bytes(s.execute(read16(0, 16), data_in=len(data)).data) == data
