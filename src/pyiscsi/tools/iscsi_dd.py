"""iscsi-dd: copy a LUN to a LUN, or between a LUN and a local file, block device or stdio.

Options as libiscsi's examples/iscsi-dd: ``--src``, ``--dst`` (iscsi:// URLs; here also a
path, or ``-`` for stdin/stdout), ``--progress``, ``--16`` (READ/WRITE(16) instead of (10)),
``--xcopy`` (EXTENDED COPY between two LUNs, done by the target), ``--max`` commands in
flight (8 here; libiscsi 50), ``--blocks`` per command (200), ``--ignore-errors``. All the
commands of a copy run over one session per LUN.

Checks before anything is written: the block sizes of two LUNs agree, the source fits in the
destination (LUN or block device). A source that ends early (``--count``) says so; a file
whose size is not a whole number of blocks is padded with zeroes on a LUN, with a note.
At the end, libiscsi's ``N blocks (S sized) copied in T seconds, R/s.`` (on stderr when the
data goes to stdout). Ctrl-C stops the copy and says how far it got.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import stat
import sys
import time
from typing import Any, BinaryIO

from pyiscsi import Session
from pyiscsi.errors import CheckConditionError, SCSIStatusError
from pyiscsi.scsi import cdb
from pyiscsi.scsi.inquiry import DeviceIdentification, parse_vpd
from pyiscsi.scsi.params import (
    BlockToBlockSegment,
    ExtendedCopyParameters,
    IdentificationCscd,
    build_extended_copy_parameter_list,
)
from pyiscsi.tools import blockio, common
from pyiscsi.tools.progress import Progress

PROG = "iscsi-dd"
DEFAULT_BLOCK_SIZE = 512
DEFAULT_BLOCKS = 200  # per command, as libiscsi's (fewer if the target takes fewer)
MAX_10_LBA = 1 << 32
MAX_10_BLOCKS = 0xFFFF
XCOPY_MAX_BLOCKS = 0xFFFF
LU_DESIGNATOR_TYPES = (3, 2, 1)  # NAA, EUI-64, T10 vendor ID: the ones a CSCD may name


def is_url(text: str) -> bool:
    """True for an ``iscsi://`` URL (else a path or ``-``)."""
    return text.lower().startswith("iscsi://")


class Endpoint:
    """A source or destination: ``blocks`` (None when unknown), reads and writes by LBA."""

    name: str
    blocks: int | None = None
    block_size: int = DEFAULT_BLOCK_SIZE
    sequential = False  # a stream: reads or writes must go in order

    async def read(self, lba: int, blocks: int) -> bytes:
        """``blocks`` blocks at ``lba``; fewer bytes only at the end of a file or stream."""
        raise NotImplementedError

    async def write(self, lba: int, data: bytes) -> None:
        """Write ``data`` at ``lba``."""
        raise NotImplementedError


class LunEndpoint(Endpoint):
    """A LUN over a session."""

    def __init__(self, session: Session, geo: blockio.Geometry, use16: bool) -> None:
        self.session = session
        self.name = f"LUN {session.lun} of {session.target_name}"
        self.blocks = geo.blocks
        self.block_size = geo.block_size
        self.read_cdb: type[cdb.Read16 | cdb.Read10] = cdb.Read16 if use16 else cdb.Read10
        self.write_cdb: type[cdb.Write16 | cdb.Write10] = cdb.Write16 if use16 else cdb.Write10
        self.cdb_size = "16" if use16 else "10"  # READ(16) or READ(10)

    async def read(self, lba: int, blocks: int) -> bytes:
        command = self.read_cdb(lba=lba, transfer_length=blocks).encode()
        try:
            result = await self.session.execute(command, data_in=blocks * self.block_size)
        except SCSIStatusError as exc:
            raise common.scsi_failure(f"READ({self.cdb_size}) at LBA {lba}", exc) from None
        return bytes(result.data)

    async def write(self, lba: int, data: bytes) -> None:
        if len(data) % self.block_size:
            data += bytes(-len(data) % self.block_size)
        blocks = len(data) // self.block_size
        command = self.write_cdb(lba=lba, transfer_length=blocks).encode()
        try:
            await self.session.execute(command, data_out=data)
        except SCSIStatusError as exc:
            raise common.scsi_failure(f"WRITE({self.cdb_size}) at LBA {lba}", exc) from None


class FileEndpoint(Endpoint):
    """A local file or block device (positioned I/O), or stdin/stdout (a stream)."""

    def __init__(self, path: str, *, write: bool) -> None:
        self.name = "stdout" if path == "-" and write else "stdin" if path == "-" else path
        self.size: int | None = None
        self.regular = False
        self.stdio = path == "-"
        if path == "-":
            self.file: BinaryIO = sys.stdout.buffer if write else sys.stdin.buffer
            self.sequential = True
            return
        if write:  # not truncated here: only once the copy is done (truncate())
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o666)
            self.file = os.fdopen(fd, "wb")
        else:
            self.file = open(path, "rb")  # noqa: SIM115
        mode = os.fstat(self.file.fileno()).st_mode
        self.regular = stat.S_ISREG(mode)
        if stat.S_ISBLK(mode) or (self.regular and not write):
            self.size = self.file.seek(0, os.SEEK_END)
        elif not self.regular:
            self.sequential = True  # a pipe or a character device

    def set_block_size(self, block_size: int) -> None:
        """Count this file in blocks of ``block_size`` bytes (rounded up)."""
        self.block_size = block_size
        if self.size is not None:
            self.blocks = -(-self.size // block_size)

    async def read(self, lba: int, blocks: int) -> bytes:
        length = blocks * self.block_size
        if self.sequential:
            return await asyncio.to_thread(self._read_stream, length)
        return os.pread(self.file.fileno(), length, lba * self.block_size)

    def _read_stream(self, length: int) -> bytes:
        parts: list[bytes] = []
        while length > 0:
            part = self.file.read(length)
            if not part:
                break
            parts.append(part)
            length -= len(part)
        return b"".join(parts)

    async def write(self, lba: int, data: bytes) -> None:
        if self.sequential:
            await asyncio.to_thread(self._write_stream, data)
            return
        view = memoryview(data)
        offset = lba * self.block_size
        while view:
            done = os.pwrite(self.file.fileno(), view, offset)
            view, offset = view[done:], offset + done

    def _write_stream(self, data: bytes) -> None:
        self.file.write(data)
        self.file.flush()

    def truncate(self, size: int) -> None:
        """Cut a regular destination file to ``size`` bytes (what was copied)."""
        if self.regular:
            os.ftruncate(self.file.fileno(), size)

    def close(self) -> None:
        """Close the file (not stdin/stdout)."""
        if not self.stdio:
            self.file.close()


def format_summary(blocks: int, block_size: int, elapsed: float) -> str:
    """libiscsi's last line: ``N blocks (S sized) copied in T seconds, R<unit>/s.``"""
    rate = blocks * block_size / elapsed if elapsed > 0 else 0.0
    units = "bKMGT"
    index = 0
    while rate > 1024 and index < len(units) - 1:
        rate /= 1024
        index += 1
    return (
        f"{blocks} blocks ({block_size} sized) copied in {elapsed:g} seconds, "
        f"{rate:g}{units[index]}/s."
    )


class Copy:
    """One copy: the endpoints, counters and the workers."""

    def __init__(self, src: Endpoint, dst: Endpoint, args: argparse.Namespace) -> None:
        self.src, self.dst, self.args = src, dst, args
        self.block_size = src.block_size
        self.copied_blocks = 0
        self.copied_bytes = 0
        self.errors = 0
        self.eof = False
        self.padded = False
        self.src_order = blockio.Sequencer()
        self.dst_order = blockio.Sequencer()
        self.bar: Progress | None = None

    def _ignore(self, exc: Exception) -> None:
        self.errors += 1
        print(f"{PROG}: {exc} (ignored: --ignore-errors)", file=sys.stderr)

    async def work(self, index: int, lba: int, blocks: int) -> None:
        """Read one piece and write it."""
        if self.eof:
            return
        try:
            if self.src.sequential:
                async with self.src_order.turn(index):
                    data = await self.src.read(lba, blocks) if not self.eof else b""
                    if len(data) < blocks * self.block_size:
                        self.eof = True
            else:
                data = await self.src.read(lba, blocks)
        except common.ToolError as exc:
            if not self.args.ignore_errors:
                raise
            self._ignore(exc)
            data = bytes(blocks * self.block_size)
        if not data:
            return
        data_blocks = -(-len(data) // self.block_size)
        if self.dst.blocks is not None and lba + data_blocks > self.dst.blocks:
            raise common.ToolError(
                f"the source goes on past the end of {self.dst.name} "
                f"({self.dst.blocks} blocks): stopped at block {lba}"
            )
        if len(data) % self.block_size and isinstance(self.dst, LunEndpoint):
            self.padded = True
        try:
            if self.dst.sequential:
                async with self.dst_order.turn(index):
                    await self.dst.write(lba, data)
            else:
                await self.dst.write(lba, data)
        except common.ToolError as exc:
            if not self.args.ignore_errors:
                raise
            self._ignore(exc)
        self.done(data_blocks, len(data))

    def done(self, blocks: int, nbytes: int) -> None:
        """Count a piece copied and advance the bar."""
        self.copied_blocks += blocks
        self.copied_bytes += nbytes
        if self.bar is not None:
            self.bar.advance(nbytes)


async def _lun_designator(session: Session) -> tuple[int, int, bytes]:
    """(code set, designator type, designator) of the LUN for an EXTENDED COPY CSCD."""
    command = cdb.Inquiry(evpd=True, page_code=0x83, allocation_length=1024).encode()
    data = await common.execute(session, "INQUIRY (Device Identification)", command, 1024)
    page = parse_vpd(data)
    if isinstance(page, DeviceIdentification):
        for wanted in LU_DESIGNATOR_TYPES:
            for d in page.designators:
                if d.association == 0 and d.designator_type == wanted and len(d.designator) <= 20:
                    return d.code_set, d.designator_type, bytes(d.designator)
    raise common.ToolError(
        f"{session.target_name} names its LUN by no designator EXTENDED COPY can use"
    )


async def xcopy(src: LunEndpoint, dst: LunEndpoint, copy: Copy, total: int) -> None:
    """Copy with EXTENDED COPY (LID1) sent to the source LUN, --blocks per segment."""
    src_id = await _lun_designator(src.session)
    dst_id = await _lun_designator(dst.session)
    cscds = [
        IdentificationCscd(designator=d, code_set=cs, designator_type=t, disk_block_length=bs)
        for (cs, t, d), bs in ((src_id, src.block_size), (dst_id, dst.block_size))
    ]
    per = min(copy.args.blocks, XCOPY_MAX_BLOCKS)

    async def work(index: int, lba: int, blocks: int) -> None:
        params = ExtendedCopyParameters(
            list_identifier=index & 0xFF,
            list_id_usage=3,  # no list identifier held by the target
            cscd_descriptors=cscds,
            segment_descriptors=[BlockToBlockSegment(0, 1, blocks, lba, lba)],
        )
        data = build_extended_copy_parameter_list(params)
        command = cdb.ExtendedCopy(parameter_list_length=len(data)).encode()
        try:
            await src.session.execute(command, data_out=data)
        except SCSIStatusError as exc:
            sense = exc.sense if isinstance(exc, CheckConditionError) else None
            if sense is not None and sense.asc == 0x20:  # INVALID COMMAND OPERATION CODE
                raise common.ToolError(
                    f"the target does not support EXTENDED COPY (--xcopy): {exc}"
                ) from None
            raise common.scsi_failure(f"EXTENDED COPY at LBA {lba}", exc) from None
        copy.done(blocks, blocks * src.block_size)

    await blockio.run_pool(blockio.chunks(0, total, per), work, copy.args.max)


async def _endpoint(
    stack: contextlib.AsyncExitStack, args: argparse.Namespace, spec: str, *, write: bool
) -> Endpoint:
    if is_url(spec):
        session = await stack.enter_async_context(common.open_lun(args, spec))
        geo = await blockio.geometry(session)
        return LunEndpoint(session, geo, args.use16)
    try:
        endpoint = FileEndpoint(spec, write=write)
    except OSError as exc:
        raise common.ToolError(f"cannot open {spec}: {exc.strerror or exc}") from None
    stack.callback(endpoint.close)
    return endpoint


def _check(src: Endpoint, dst: Endpoint, args: argparse.Namespace) -> int | None:
    """Agree on the block size, check sizes and CDB limits; the blocks to copy (None: to EOF)."""
    luns = [e for e in (src, dst) if isinstance(e, LunEndpoint)]
    if len(luns) == 2 and src.block_size != dst.block_size:
        raise common.ToolError(
            f"source LUN has different blocksize than destination ({src.block_size} != "
            f"{dst.block_size})"
        )
    block_size = luns[0].block_size if luns else DEFAULT_BLOCK_SIZE
    for e in (src, dst):
        if isinstance(e, FileEndpoint):
            e.set_block_size(block_size)
    total = src.blocks
    if args.count is not None:
        if total is not None and args.count > total:
            raise common.ToolError(
                f"{src.name} is only {total} blocks, {args.count} asked for (--count)"
            )
        total = args.count
    if total is not None and dst.blocks is not None and total > dst.blocks:
        raise common.ToolError(
            f"source is bigger than destination ({total} > {dst.blocks} blocks of "
            f"{block_size}): nothing copied"
        )
    if not args.use16:
        if args.blocks > MAX_10_BLOCKS:
            raise common.UsageError(
                f"--blocks {args.blocks} needs --16 (READ/WRITE(10) carry at most {MAX_10_BLOCKS})"
            )
        for e in luns:
            if e.blocks is not None and e.blocks > MAX_10_LBA:
                raise common.ToolError(f"{e.name} has more than 2^32 blocks: use --16")
    if args.xcopy and len(luns) != 2:
        raise common.UsageError("--xcopy copies between two LUNs (iscsi:// URLs)")
    return total


async def body(args: argparse.Namespace, out: common.Output) -> int:
    """Open both ends, check, copy, report."""
    if args.json and args.dst == "-":
        raise common.UsageError("--json prints to stdout: not with --dst - (the data goes there)")
    blocks_given = args.blocks is not None
    if not blocks_given:
        args.blocks = DEFAULT_BLOCKS
    async with contextlib.AsyncExitStack() as stack:
        src = await _endpoint(stack, args, args.src, write=False)
        dst = await _endpoint(stack, args, args.dst, write=True)
        total = _check(src, dst, args)
        copy = Copy(src, dst, args)
        bs = copy.block_size
        for e in (src, dst):
            if isinstance(e, LunEndpoint):
                limit = await e.session.max_transfer_blocks()
                if args.blocks > limit and not blocks_given:
                    args.blocks = limit
                elif args.blocks > limit:
                    raise common.ToolError(
                        f"--blocks {args.blocks} is more than {e.name} takes in one command "
                        f"({limit} blocks)"
                    )
        if total is not None:
            copy.bar = Progress(total * bs, enabled=True if args.progress else None)
        start = time.monotonic()
        try:
            if args.xcopy:
                assert isinstance(src, LunEndpoint) and isinstance(dst, LunEndpoint)
                await xcopy(src, dst, copy, total or 0)
            else:
                count = total if total is not None else 1 << 62
                await blockio.run_pool(
                    blockio.chunks(0, count, args.blocks),
                    copy.work,
                    args.max,
                    stop=lambda: copy.eof,
                )
        except asyncio.CancelledError:
            out.interrupt_note = (
                f"interrupted: {copy.copied_blocks} of "
                f"{total if total is not None else 'unknown'} blocks copied"
            )
            raise
        finally:
            if copy.bar is not None:
                copy.bar.close()
        elapsed = time.monotonic() - start
        if total is not None and copy.copied_blocks < total and not args.xcopy:
            raise common.ToolError(
                f"{src.name} ended after {copy.copied_bytes} bytes, {total * bs} expected"
            )
        if isinstance(dst, FileEndpoint) and not args.xcopy:
            dst.truncate(copy.copied_bytes)
        if copy.padded:
            print(
                f"{PROG}: {src.name} is not a whole number of {bs}-byte blocks: the last "
                "block was padded with zeroes",
                file=sys.stderr,
            )
    summary = format_summary(copy.copied_blocks, bs, elapsed)
    if isinstance(dst, FileEndpoint) and dst.name == "stdout":
        print(summary, file=sys.stderr)
    else:
        out.line(summary)
    doc: dict[str, Any] = {
        "source": src.name,
        "destination": dst.name,
        "blocks": copy.copied_blocks,
        "block_size": bs,
        "bytes": copy.copied_bytes,
        "seconds": elapsed,
        "errors_ignored": copy.errors,
        "xcopy": args.xcopy,
    }
    out.data.update(doc)
    if copy.errors:
        print(f"{PROG}: {copy.errors} failed commands ignored", file=sys.stderr)
    return common.EXIT_OK


def add_options(parser: common.ToolArgumentParser) -> None:
    """libiscsi's iscsi-dd options (``-d`` is ``--dst`` there, so debug is ``--debug`` only)."""
    parser.add_argument(
        "-s",
        "--src",
        required=True,
        metavar="URL|PATH|-",
        help="source: iscsi:// URL, file or block device, - for stdin",
    )
    parser.add_argument(
        "-d",
        "--dst",
        required=True,
        metavar="URL|PATH|-",
        help="destination: iscsi:// URL, file or block device, - for stdout",
    )
    parser.add_argument(
        "-p",
        "--progress",
        action="store_true",
        help="show the progress bar even when stderr is not a terminal",
    )
    parser.add_argument(
        "-6",
        "--16",
        dest="use16",
        action="store_true",
        help="READ(16)/WRITE(16) instead of READ(10)/WRITE(10)",
    )
    parser.add_argument(
        "-x",
        "--xcopy",
        action="store_true",
        help="let the target copy, with EXTENDED COPY (two LUNs)",
    )
    parser.add_argument(
        "-m", "--max", type=common.positive_argument, default=8, help="commands in flight (8)"
    )
    parser.add_argument(
        "-b",
        "--blocks",
        type=common.positive_argument,
        default=None,
        help="blocks per command (200)",
    )
    parser.add_argument(
        "-n",
        "--ignore-errors",
        action="store_true",
        help="report failed reads (written as zeroes) and writes, and go on",
    )
    parser.add_argument(
        "--count",
        type=common.count_argument,
        default=None,
        help="copy only this many blocks; fail if the source is shorter",
    )


TOOL = common.Tool(
    PROG,
    "Copy between iSCSI LUNs, local files, block devices and stdin/stdout.",
    add_options,
    body,
    short_x=False,
    debug_short=False,
)


def main(argv: list[str] | None = None) -> int:
    """Run iscsi-dd with ``argv`` (default: the command line); returns the exit status."""
    return TOOL.main(argv)


if __name__ == "__main__":
    sys.exit(main())
