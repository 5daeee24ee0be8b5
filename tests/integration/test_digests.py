"""CRC32C header and data digests against a real tgtd.

tgtd offers a digest only on a target configured for it (``DIGEST_IQN`` of the shared daemon has
HeaderDigest and DataDigest CRC32C); with digests agreed, every PDU header and data segment of
the 1 MiB transfers below carries a CRC32C that tgtd checks (and pyiscsi checks tgtd's).
"""

from __future__ import annotations

import pytest
from _targets import BLOCK, INITIATOR, MiB, pattern, read16, run_async, write16

import pyiscsi
from tgt import DIGEST_IQN, PLAIN_IQN, Tgtd

DIGEST_TID = 4
SIZE = MiB
BLOCKS = SIZE // BLOCK


async def _write_read(tgtd: Tgtd, lba: int, seed: str, **options: object) -> dict[str, str]:
    data = pattern(seed, SIZE)
    async with pyiscsi.connect(tgtd.url(DIGEST_IQN, 1), initiator_name=INITIATOR, **options) as s:
        params = s.parameters
        assert (await s.execute(write16(lba, BLOCKS), data_out=data)).status == 0
        result = await s.execute(read16(lba, BLOCKS), data_in=SIZE)
        assert bytes(result.data) == data
        assert await s.ping(b"digest ping") == b"digest ping"
    with tgtd.backing_file(DIGEST_TID, 1).open("rb") as f:
        f.seek(lba * BLOCK)
        assert f.read(SIZE) == data
    return params


@run_async
async def test_header_and_data_digest(tgtd: Tgtd) -> None:
    params = await _write_read(tgtd, 0, "digests", header_digest="crc32c", data_digest="crc32c")
    assert params["HeaderDigest"] == "CRC32C"
    assert params["DataDigest"] == "CRC32C"


@run_async
async def test_header_and_data_digest_small_segments_unsolicited(tgtd: Tgtd) -> None:
    """Many digested Data-In and Data-Out PDUs: 4 KiB segments our way, tgtd's 8 KiB its way."""
    params = await _write_read(
        tgtd,
        4096,
        "digests-small",
        header_digest="crc32c,none",
        data_digest="crc32c,none",
        max_recv_data_segment_length=4096,
        initial_r2t=False,
    )
    assert params["HeaderDigest"] == "CRC32C"
    assert params["DataDigest"] == "CRC32C"
    assert params["MaxRecvDataSegmentLength"] == "4096"


@run_async
async def test_header_digest_only(tgtd: Tgtd) -> None:
    params = await _write_read(
        tgtd, 2 * 4096, "hdigest", header_digest="crc32c", data_digest="none"
    )
    assert params["HeaderDigest"] == "CRC32C"
    assert params["DataDigest"] == "None"


@run_async
async def test_data_digest_only(tgtd: Tgtd) -> None:
    params = await _write_read(
        tgtd, 3 * 4096, "ddigest", header_digest="none", data_digest="crc32c"
    )
    assert params["HeaderDigest"] == "None"
    assert params["DataDigest"] == "CRC32C"


@run_async
async def test_digest_offered_to_target_without_digests_falls_back(tgtd: Tgtd) -> None:
    async with pyiscsi.connect(
        tgtd.url(PLAIN_IQN, 1), header_digest="crc32c,none", data_digest="crc32c,none"
    ) as s:
        assert s.parameters["HeaderDigest"] == "None"
        assert s.parameters["DataDigest"] == "None"


@run_async
async def test_digest_required_by_us_but_not_offered_fails(tgtd: Tgtd) -> None:
    with pytest.raises(pyiscsi.LoginError, match="HeaderDigest"):
        async with pyiscsi.connect(tgtd.url(PLAIN_IQN, 1), header_digest="crc32c"):
            pass
