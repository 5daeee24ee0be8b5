"""Several threads reading one LUN through one blocking session; prints the LUN's SHA-256.

    python examples/threaded_reader.py iscsi://127.0.0.1/iqn.2024-01.org.example:disk/1 [threads]
"""

from __future__ import annotations

import hashlib
import sys
from concurrent.futures import ThreadPoolExecutor

import pyiscsi.sync

CHUNK = 1 << 20  # bytes per read


def main(url: str, threads: int) -> int:
    with pyiscsi.sync.connect(url, initiator_name="iqn.2024-01.org.example:threads") as s:
        block = s.block_size()
        total = s.num_blocks()
        step = CHUNK // block
        starts = range(0, total, step)
        with ThreadPoolExecutor(threads) as pool:  # each call's commands overlap the others'
            pieces = pool.map(lambda lba: s.read(lba, min(step, total - lba)), starts)
            digest = hashlib.sha256()
            for piece in pieces:  # in order
                digest.update(piece)
    print(digest.hexdigest(), total * block)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 4))
