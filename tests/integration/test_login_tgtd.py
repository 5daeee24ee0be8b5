"""Login and logout against a real tgtd: plain login, agreed parameters, and the login errors.

tgtd 1.0.85 answers an unknown TargetName with login status 0x0203 (target not found); the
URL errors are raised before any connection is made.
"""

from __future__ import annotations

import pytest
from _targets import INITIATOR, inquiry, run_async, test_unit_ready

import pyiscsi
from tgt import PLAIN_IQN, Tgtd, free_port

PLAIN_TID = 1


@run_async
async def test_plain_login_runs_inquiry(tgtd: Tgtd) -> None:
    async with pyiscsi.connect(tgtd.url(PLAIN_IQN, 1), initiator_name=INITIATOR) as s:
        assert s.target_name == PLAIN_IQN
        assert s.lun == 1
        result = await s.execute(inquiry(96), data_in=96)
        assert result.status == 0
        data = bytes(result.data)
        assert data[0] & 0x1F == 0  # peripheral device type: direct access block device
        assert data[8:16] == b"IET     "  # tgtd's T10 vendor identification
        assert data[16:32] == b"VIRTUAL-DISK    "


@run_async
async def test_agreed_parameters_visible(tgtd: Tgtd) -> None:
    async with pyiscsi.connect(
        tgtd.url(PLAIN_IQN, 1),
        initiator_name=INITIATOR,
        max_recv_data_segment_length=65536,
        max_burst_length=131072,
        first_burst_length=32768,
    ) as s:
        params = s.parameters
        assert params["HeaderDigest"] == "None"
        assert params["DataDigest"] == "None"
        # tgtd's defaults: InitialR2T=Yes and ImmediateData=Yes (both sides' results: OR / AND)
        assert params["InitialR2T"] == "Yes"
        assert params["ImmediateData"] == "Yes"
        # declarative: what we announced
        assert params["MaxRecvDataSegmentLength"] == "65536"
        # tgtd announces MaxRecvDataSegmentLength=8192 by default: our sending limit
        assert params["MaxXmitDataSegmentLength"] == "8192"
        # minimum of ours (131072) and tgtd's (262144)
        assert params["MaxBurstLength"] == "131072"
        assert params["FirstBurstLength"] == "32768"  # min of ours and tgtd's 65536
        assert params["TargetPortalGroupTag"] == "1"
        assert s.negotiated.max_burst_length == 131072


def _connection_count(tgtd: Tgtd) -> int:
    return len(tgtd.connections(PLAIN_TID))


@run_async
async def test_logout_on_exit(tgtd: Tgtd) -> None:
    before = _connection_count(tgtd)
    async with pyiscsi.connect(tgtd.url(PLAIN_IQN, 1), initiator_name=INITIATOR) as s:
        await s.execute(test_unit_ready())
        assert _connection_count(tgtd) == before + 1
    with pytest.raises(pyiscsi.ISCSIConnectionError, match="not connected"):
        await s.execute(test_unit_ready())
    with pytest.raises(pyiscsi.ISCSIConnectionError):
        _ = s.parameters
    # tgtd forgets the connection once it has answered the Logout and seen the close; a
    # bounded number of tgtadm queries, no waiting on time.
    count = -1
    for _ in range(200):
        count = _connection_count(tgtd)
        if count == before:
            break
    assert count == before


@run_async
async def test_login_unknown_target(tgtd: Tgtd) -> None:
    with pytest.raises(pyiscsi.TargetNotFoundError, match="not found") as info:
        async with pyiscsi.connect(tgtd.url("iqn.2024-01.org.pyiscsi:no-such-target", 1)):
            pass
    assert info.value.status_class == 2
    assert info.value.status_detail == 3


@run_async
async def test_login_unknown_target_message_names_it(tgtd: Tgtd) -> None:
    name = "iqn.2024-01.org.pyiscsi:no-such-target"
    with pytest.raises(pyiscsi.TargetNotFoundError) as info:
        async with pyiscsi.connect(tgtd.url(name, 1)):
            pass
    assert name in str(info.value)


@run_async
async def test_connection_refused() -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(pyiscsi.ISCSIConnectionError, match=f"127.0.0.1:{port}"):
        async with pyiscsi.connect(f"iscsi://127.0.0.1:{port}/{PLAIN_IQN}/1"):
            pass


@pytest.mark.parametrize(
    ("url", "part"),
    [
        ("http://127.0.0.1/iqn.2024-01.org.pyiscsi:x/1", "iscsi://"),
        ("iscsi://127.0.0.1/iqn.2024-01.org.pyiscsi:x/abc", "LUN 'abc'"),
        ("iscsi://[::1/iqn.2024-01.org.pyiscsi:x/1", "closing ']'"),
        ("iscsi://127.0.0.1:99999/iqn.2024-01.org.pyiscsi:x/1", "port '99999'"),
        ("iscsi://127.0.0.1/iqn.2024-01.org.pyiscsi:x", "<lun>"),
    ],
)
def test_malformed_url(url: str, part: str) -> None:
    with pytest.raises(pyiscsi.URLError) as info:
        pyiscsi.connect(url)
    assert part in str(info.value)


@run_async
async def test_malformed_portal_url_for_discovery() -> None:
    with pytest.raises(pyiscsi.URLError, match="iscsi://"):
        await pyiscsi.discover("iscsi:/127.0.0.1")


@pytest.mark.parametrize("size", [0, 1, 7, 4096, 8192])
@run_async
async def test_ping_round_trip(tgtd: Tgtd, size: int) -> None:
    payload = bytes((i * 7 + size) & 0xFF for i in range(size))  # up to tgtd's 8 KiB segments
    async with pyiscsi.connect(tgtd.url(PLAIN_IQN, 1), initiator_name=INITIATOR) as s:
        assert await s.ping(payload) == payload
        assert await s.ping(payload[::-1]) == payload[::-1]  # the echo, not a stale reply
