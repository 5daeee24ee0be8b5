"""Back a LUN up into a compressed file, or restore it, through the file object.

    python examples/lun_backup.py backup  URL disk.img.xz
    python examples/lun_backup.py restore URL disk.img.xz
"""

from __future__ import annotations

import hashlib
import lzma
import shutil
import sys

import pyiscsi

BUFFER = 4 << 20  # bytes per read or write: big reads go out in pieces, pipelined


def backup(url: str, path: str) -> str:
    digest = hashlib.sha256()
    with pyiscsi.open(url, "rb") as lun, lzma.open(path, "wb", preset=1) as out:
        while chunk := lun.read(BUFFER):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def restore(url: str, path: str) -> str:
    with lzma.open(path, "rb") as src, pyiscsi.open(url, "wb") as lun:
        shutil.copyfileobj(src, lun, BUFFER)  # flush (SYNCHRONIZE CACHE) and logout at close
    with pyiscsi.open(url) as lun:
        return hashlib.file_digest(lun, "sha256").hexdigest()


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[1] not in ("backup", "restore"):
        print(__doc__, file=sys.stderr)
        return 2
    action = backup if argv[1] == "backup" else restore
    try:
        print(action(argv[2], argv[3]))
    except pyiscsi.ISCSIError as exc:
        print(f"lun_backup: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
