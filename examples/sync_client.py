"""A blocking client: login, INQUIRY, capacity, a write and a read back.

    python examples/sync_client.py iscsi://127.0.0.1/iqn.2024-01.org.example:disk/1
"""

from __future__ import annotations

import os
import sys

import pyiscsi.sync


def main(url: str) -> int:
    with pyiscsi.sync.connect(url, initiator_name="iqn.2024-01.org.example:sync") as s:
        inq = s.inquiry()
        print("vendor", inq.t10_vendor_identification, "product", inq.product_identification)
        cap = s.read_capacity16()
        print("blocks", cap.returned_logical_block_address + 1, "of", cap.logical_block_length)
        data = os.urandom(4 * s.block_size())
        last = s.num_blocks() - 4
        s.write(last, data)  # the last 4 blocks
        assert s.read(last, 4) == data
        print("wrote and read back", len(data), "bytes at lba", last)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
