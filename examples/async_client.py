"""An asyncio client: discovery, login, several commands at once, ABORT TASK.

    python examples/async_client.py iscsi://127.0.0.1:3260
"""

from __future__ import annotations

import asyncio
import sys

import pyiscsi
from pyiscsi import scsi


async def main(portal: str) -> int:
    targets = await pyiscsi.discover(portal)
    for target in targets:
        print("target", target.name, [str(p) for p in target.portals])
    if not targets:
        print("no targets", file=sys.stderr)
        return 1
    url = f"{portal.rstrip('/')}/{targets[0].name}/1"
    async with pyiscsi.connect(url, initiator_name="iqn.2024-01.org.example:async") as s:
        inq = await s.inquiry()
        print("vendor", inq.t10_vendor_identification, "product", inq.product_identification)
        blocks, block = await s.num_blocks(), await s.block_size()
        print("capacity", blocks, "blocks of", block, "bytes")
        # several commands at once on one session
        data = await asyncio.gather(*(s.read(lba, 8) for lba in range(0, 64 * 8, 8)))
        print("read", sum(len(d) for d in data), "bytes in", len(data), "concurrent READs")
        # any CDB through submit(); then ABORT TASK for it
        command = s.submit(scsi.Read16(lba=0, transfer_length=1).encode(), data_in=block)
        try:
            await s.abort_task(command)
            print("abort task: function complete")
        except pyiscsi.TaskManagementError as exc:  # the READ finished first
            print("abort task:", exc)
        try:
            result = await command
            print("the READ completed:", result.status)
        except pyiscsi.CommandCancelledError:
            print("the READ was aborted")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "iscsi://127.0.0.1")))
