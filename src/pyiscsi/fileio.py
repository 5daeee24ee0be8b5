"""A LUN as a binary file: :func:`pyiscsi.open` (blocking) and :func:`pyiscsi.aopen` (asyncio).

    with pyiscsi.open("iscsi://127.0.0.1/iqn.2024-01.org.example:disk/1", "rb") as f:
        digest = hashlib.file_digest(f, "sha256")

The file is the LUN's bytes, from offset 0 to the LUN's size: reads and writes go to any byte
offset (a write that starts or ends inside a block reads that block, changes it and writes it
back), ``seek(0, SEEK_END)`` is the LUN's size, reading there returns ``b""``, writing past it is
an error (a LUN has a fixed size: nothing is ever truncated, not even by mode ``"wb"``),
``flush()`` sends SYNCHRONIZE CACHE and ``close()`` logs out.  Large reads and writes go through
the session's split, pipelined path.  One file object is for one thread (or one task) at a time;
the read-modify-write of edge blocks is not atomic against other writers of those blocks.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Generator
from types import TracebackType
from typing import Any, Unpack

from pyiscsi import errors
from pyiscsi.aio.session import Session, connect
from pyiscsi.options import ConnectOptions
from pyiscsi.sync import _run

__all__ = ["AsyncLunFile", "LunFile", "aopen", "open"]

# mode -> (readable, writable)
_MODES = {
    "rb": (True, False),
    "br": (True, False),
    "r+b": (True, True),
    "rb+": (True, True),
    "wb": (False, True),
    "bw": (False, True),
    "w+b": (True, True),
    "wb+": (True, True),
}


def _check_mode(mode: str) -> tuple[bool, bool]:
    try:
        return _MODES[mode]
    except KeyError:
        raise errors.ConfigurationError(
            f"mode must be 'rb', 'r+b' or 'wb' (a LUN is binary and has a fixed size), "
            f"not {mode!r}"
        ) from None


class AsyncLunFile:
    """A LUN as a binary file for asyncio code; what :func:`pyiscsi.aopen` gives.

    The methods that move data are coroutines; ``seek``/``tell`` are plain methods.
    """

    def __init__(
        self,
        session: Session,
        mode: str = "rb",
        *,
        size: int,
        block_size: int,
        lun: int | None = None,
        owns_session: bool = False,
    ) -> None:
        """Use :func:`pyiscsi.aopen` (or :meth:`from_session`) rather than this."""
        self._readable, self._writable = _check_mode(mode)
        self.session = session
        self.mode = mode
        self.size = size
        self.block_size = block_size
        self.lun = session.lun if lun is None else lun
        self._owns = owns_session
        self._pos = 0
        self._closed = False
        self.name = f"iscsi://{session.portal}/{session.target_name}/{self.lun}"

    @classmethod
    async def from_session(
        cls, session: Session, mode: str = "rb", *, lun: int | None = None
    ) -> AsyncLunFile:
        """A file on a LUN of a session you keep (closing the file does not log out)."""
        return await cls._on(session, mode, lun, owns_session=False)

    @classmethod
    async def _on(
        cls, session: Session, mode: str, lun: int | None, *, owns_session: bool
    ) -> AsyncLunFile:
        _check_mode(mode)
        size = await session.size_bytes(lun=lun)
        block = await session.block_size(lun=lun)
        return cls(session, mode, size=size, block_size=block, lun=lun, owns_session=owns_session)

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"at {self._pos} of {self.size}"
        return f"<pyiscsi.AsyncLunFile {self.name} mode={self.mode!r} {state}>"

    # ------------------------------------------------------------------ state

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    def readable(self) -> bool:
        """True for modes rb, r+b and w+b."""
        self._check_open()
        return self._readable

    def writable(self) -> bool:
        """True for modes r+b, wb and w+b."""
        self._check_open()
        return self._writable

    def seekable(self) -> bool:
        """Always True."""
        self._check_open()
        return True

    def tell(self) -> int:
        """The current byte offset."""
        self._check_open()
        return self._pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Move to ``offset`` from the start, the current offset or the end (the LUN's size)."""
        self._check_open()
        if isinstance(offset, bool) or not isinstance(offset, int):
            raise errors.ConfigurationError(f"offset must be an integer, not {offset!r}")
        if whence == os.SEEK_SET:
            pos = offset
        elif whence == os.SEEK_CUR:
            pos = self._pos + offset
        elif whence == os.SEEK_END:
            pos = self.size + offset
        else:
            raise errors.ConfigurationError(f"whence must be 0, 1 or 2, not {whence!r}")
        if pos < 0:
            raise errors.ConfigurationError(f"negative seek position {pos}")
        self._pos = pos
        return pos

    def truncate(self, size: int | None = None) -> int:
        """Refused: a LUN has a fixed size."""
        raise errors.UnsupportedOperation("truncate: a LUN has a fixed size")

    def fileno(self) -> int:
        """Refused: there is no file descriptor."""
        raise errors.UnsupportedOperation("fileno: an iSCSI LUN has no file descriptor")

    def isatty(self) -> bool:
        """False."""
        return False

    def _check_open(self) -> None:
        if self._closed:
            raise errors.ConfigurationError("I/O operation on closed file")

    # ------------------------------------------------------------------ reading

    async def readinto(self, buffer: bytearray | memoryview) -> int:
        """Read up to ``len(buffer)`` bytes into ``buffer`` at the current offset."""
        self._check_open()
        if not self._readable:
            raise errors.UnsupportedOperation("file not open for reading")
        try:
            view = memoryview(buffer).cast("B")
        except (TypeError, ValueError) as exc:
            raise errors.ConfigurationError(f"readinto needs a writable buffer: {exc}") from None
        if view.readonly:
            raise errors.ConfigurationError("readinto needs a writable buffer")
        count = max(0, min(view.nbytes, self.size - self._pos))
        if count:
            await self._read_at(self._pos, view[:count])
            self._pos += count
        return count

    async def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes from the current offset (all the rest if ``size`` < 0)."""
        self._check_open()
        if size is not None and (isinstance(size, bool) or not isinstance(size, int)):
            raise errors.ConfigurationError(f"size must be an integer or None, not {size!r}")
        if size is None or size < 0:
            size = max(0, self.size - self._pos)
        buffer = bytearray(max(0, min(size, self.size - self._pos)))
        count = await self.readinto(buffer)
        return bytes(buffer[:count]) if count != len(buffer) else bytes(buffer)

    async def readall(self) -> bytes:
        """Everything from the current offset to the end of the LUN."""
        return await self.read(-1)

    async def _read_at(self, pos: int, view: memoryview) -> None:
        """Fill ``view`` with the LUN's bytes from ``pos`` (inside the LUN)."""
        bs = self.block_size
        end = pos + view.nbytes
        first, head = divmod(pos, bs)
        last_end = -(-end // bs)  # first block past the range
        if head == 0 and end % bs == 0:
            await self.session.read(first, last_end - first, into=view, lun=self.lun)
            return
        # edges through a block of our own, the aligned middle straight into the caller's view
        mid_start = -(-pos // bs)
        mid_end = end // bs
        if mid_start >= mid_end:  # within one or two blocks: read them whole
            blocks = await self.session.read(first, last_end - first, lun=self.lun)
            view[:] = blocks[head : head + view.nbytes]
            return
        if head:
            block = await self.session.read(first, 1, lun=self.lun)
            view[: bs - head] = block[head:]
        offset = mid_start * bs - pos
        await self.session.read(
            mid_start,
            mid_end - mid_start,
            into=view[offset : offset + (mid_end - mid_start) * bs],
            lun=self.lun,
        )
        if end % bs:
            block = await self.session.read(mid_end, 1, lun=self.lun)
            view[mid_end * bs - pos :] = block[: end % bs]

    # ------------------------------------------------------------------ writing

    async def write(self, data: bytes | bytearray | memoryview) -> int:
        """Write ``data`` at the current offset; returns ``len(data)``.

        Writing past the end of the LUN raises ConfigurationError and writes nothing.
        """
        self._check_open()
        if not self._writable:
            raise errors.UnsupportedOperation("file not open for writing")
        try:
            view = memoryview(data).cast("B")
        except (TypeError, ValueError) as exc:
            raise errors.ConfigurationError(f"write needs a bytes-like object: {exc}") from None
        if self._pos + view.nbytes > self.size:
            raise errors.ConfigurationError(
                f"write of {view.nbytes} bytes at offset {self._pos} runs past the end of the "
                f"LUN ({self.size} bytes)"
            )
        if view.nbytes:
            await self._write_at(self._pos, view)
            self._pos += view.nbytes
        return view.nbytes

    async def _write_at(self, pos: int, view: memoryview) -> None:
        """Write ``view`` at byte ``pos``; partial edge blocks are read, changed, written."""
        bs = self.block_size
        end = pos + view.nbytes
        first, head = divmod(pos, bs)
        if head == 0 and end % bs == 0:
            await self.session.write(first, view, lun=self.lun)
            return
        mid_start = -(-pos // bs)
        mid_end = end // bs
        if mid_start >= mid_end:  # within one or two blocks: read, change, write them
            last_end = -(-end // bs)
            blocks = bytearray(await self.session.read(first, last_end - first, lun=self.lun))
            blocks[head : head + view.nbytes] = view
            await self.session.write(first, blocks, lun=self.lun)
            return
        if head:
            block = bytearray(await self.session.read(first, 1, lun=self.lun))
            block[head:] = view[: bs - head]
            await self.session.write(first, block, lun=self.lun)
        offset = mid_start * bs - pos
        await self.session.write(
            mid_start, view[offset : offset + (mid_end - mid_start) * bs], lun=self.lun
        )
        if end % bs:
            block = bytearray(await self.session.read(mid_end, 1, lun=self.lun))
            block[: end % bs] = view[mid_end * bs - pos :]
            await self.session.write(mid_end, block, lun=self.lun)

    async def flush(self) -> None:
        """SYNCHRONIZE CACHE of the whole LUN (when open for writing)."""
        self._check_open()
        if self._writable:
            await self.session.synchronize_cache(lun=self.lun)

    async def close(self) -> None:
        """Flush, then log out if the file opened the session.  Closing twice is harmless."""
        if self._closed:
            return
        try:
            await self.flush()
        finally:
            self._closed = True
            if self._owns:
                await self.session.close()

    async def __aenter__(self) -> AsyncLunFile:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


class LunFile(io.RawIOBase):
    """A LUN as a binary file (``io.RawIOBase``); what :func:`pyiscsi.open` gives.

    Works where a raw binary file does: ``shutil.copyfileobj``, ``hashlib.file_digest``,
    ``io.BufferedReader``/``io.BufferedWriter``, ``tarfile``, ``zipfile``.
    """

    def __init__(self, file: AsyncLunFile) -> None:
        """Use :func:`pyiscsi.open` rather than this."""
        super().__init__()
        self._file = file

    @property
    def aio(self) -> AsyncLunFile:
        """The asyncio file underneath."""
        return self._file

    @property
    def name(self) -> str:
        """``iscsi://host:port/target/lun`` (no credentials)."""
        return self._file.name

    @property
    def mode(self) -> str:
        """The mode given to :func:`pyiscsi.open`."""
        return self._file.mode

    @property
    def size(self) -> int:
        """The LUN's size in bytes."""
        return self._file.size

    @property
    def block_size(self) -> int:
        """The LUN's logical block length."""
        return self._file.block_size

    def __repr__(self) -> str:
        return repr(self._file).replace("AsyncLunFile", "LunFile")

    def readable(self) -> bool:
        """True for modes rb, r+b and w+b."""
        return self._file.readable()

    def writable(self) -> bool:
        """True for modes r+b, wb and w+b."""
        return self._file.writable()

    def seekable(self) -> bool:
        """Always True."""
        return self._file.seekable()

    def tell(self) -> int:
        """The current byte offset."""
        return self._file.tell()

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Move to ``offset`` from the start, the current offset or the end (the LUN's size)."""
        return self._file.seek(offset, whence)

    def truncate(self, size: int | None = None) -> int:
        """Refused: a LUN has a fixed size."""
        return self._file.truncate(size)

    def fileno(self) -> int:
        """Refused: there is no file descriptor."""
        return self._file.fileno()

    def readinto(self, buffer: Any) -> int:
        """Read up to ``len(buffer)`` bytes into ``buffer`` at the current offset."""
        return _run(self._file.readinto(buffer))

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes from the current offset (all the rest if ``size`` < 0)."""
        return _run(self._file.read(size))

    def readall(self) -> bytes:
        """Everything from the current offset to the end of the LUN."""
        return _run(self._file.readall())

    def write(self, data: Any) -> int:
        """Write ``data`` at the current offset; returns ``len(data)``."""
        return _run(self._file.write(data))

    def flush(self) -> None:
        """SYNCHRONIZE CACHE (when open for writing)."""
        if not self._file.closed:
            _run(self._file.flush())

    def close(self) -> None:
        """Flush and log out (if :func:`pyiscsi.open` opened the session)."""
        if self._file.closed:
            return
        if sys.is_finalizing():  # no event loop to talk to any more
            return
        try:
            _run(self._file.close())
        finally:
            super().close()

    @property
    def closed(self) -> bool:
        """True once closed."""
        return self._file.closed

    def __enter__(self) -> LunFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


async def _open_file(url: str | None, mode: str, options: ConnectOptions) -> AsyncLunFile:
    _check_mode(mode)
    session = await connect(url, **options)
    try:
        return await AsyncLunFile._on(session, mode, None, owns_session=True)
    except BaseException:
        await session.close()
        raise


class _AOpen:
    """What :func:`aopen` returns: await it, or use it as ``async with``."""

    def __init__(self, url: str | None, mode: str, options: ConnectOptions) -> None:
        self._args = (url, mode, options)
        self._file: AsyncLunFile | None = None

    def __await__(self) -> Generator[Any, None, AsyncLunFile]:
        return _open_file(*self._args).__await__()

    async def __aenter__(self) -> AsyncLunFile:
        self._file = await _open_file(*self._args)
        return self._file

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._file is not None:
            await self._file.close()


def aopen(url: str | None = None, mode: str = "rb", **options: Unpack[ConnectOptions]) -> _AOpen:
    """Log in and open the URL's LUN as an :class:`AsyncLunFile`.

    ``async with pyiscsi.aopen(url, "r+b") as f:`` or ``f = await pyiscsi.aopen(url)``.
    Modes ``"rb"``, ``"r+b"``, ``"wb"`` (no truncation); options as :func:`pyiscsi.connect`.
    """
    _check_mode(mode)
    return _AOpen(url, mode, options)


def open(url: str | None = None, mode: str = "rb", **options: Unpack[ConnectOptions]) -> LunFile:
    """Log in and open the URL's LUN as a binary file object (:class:`LunFile`).

    Modes ``"rb"``, ``"r+b"``, ``"wb"`` (a LUN has a fixed size: nothing is truncated);
    options as :func:`pyiscsi.connect`.  ``close()`` (or leaving ``with``) logs out.
    """
    _check_mode(mode)
    return LunFile(_run(_open_file(url, mode, options)))
