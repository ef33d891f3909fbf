"""Bounding what an xlsx may make the Rust reader allocate, before it is opened.

calamine (behind fastexcel and python-calamine) trusts a workbook's own claims, and a
failed allocation in Rust aborts the whole interpreter (exit 134, a notebook kernel
dies with it), so no ``try`` can catch it. Measured on crafted files of a few KB:

- ``<sst uniqueCount="2147483647">`` in ``sharedStrings.xml``: calamine reserves a
  string slot per claimed entry (≈ 50 GB) → abort.
- one cell at ``XFD1048576`` besides ``A1``: calamine allocates the dense rectangle
  spanned by the used cells (16,384 × 1,048,576 cells of 32 bytes, ≈ 550 GB) → abort.
- a member whose zip headers say 1 KB but that inflates to 1 GiB: calamine inflates
  it anyway (the headers are not checked), ≈ 1.2 GB of memory.
- ``<dimension ref="A1:XFD1048576">`` and ``<sst count="2147483647">`` are harmless
  (calamine only reserves for small dimensions; ``count`` is not used).

So every worksheet and the shared strings are inflated here first, in bounded chunks,
and the real sizes and cell references are measured while inflating; the zip headers'
sizes are never believed. The limits below are engineering limits (what one process
may spend on one batch file), not policy.
"""

from __future__ import annotations

import os
import re
import struct
import sys
import threading
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import polars as pl

from sbbatch.exceptions import UnusableInputError
from sbbatch.io._xlsx_cells import cell_extent

#: Refuse an xlsx whose worksheets and shared strings inflate to more than this.
#: calamine holds a whole sheet in memory (≈ 1.7 bytes of RAM per byte of sheet XML,
#: measured: a 1,000,000 × 14 sheet is 725 MB of XML and 1.25 GB peak RSS), so 2 GiB of
#: XML — about 40 million cells — is the most a 24 GiB machine should attempt.
MAX_UNCOMPRESSED_BYTES = 2 * 1024**3
#: Refuse a member that inflates more than this many times its compressed size. Real
#: sheet XML compresses about 10× (measured on 100k- and 1M-row files); bombs ~1000×.
MAX_COMPRESSION_RATIO = 200
#: Members that inflate to less than this are not ratio-checked: a small, very regular
#: XML part can compress well and is harmless.
RATIO_CHECK_MIN_BYTES = 16 * 1024**2
#: calamine allocates the rectangle spanned by the used cells, 32 bytes a cell. Any
#: sheet may span this many cells (≈ 1 GiB), whatever its size …
MAX_CELLS_ANY_SHEET = 32 * 1024**2
#: … and a bigger rectangle needs at least this many bytes of sheet XML per cell of it
#: (a filled cell takes 20–60 bytes: ``<c r="B7" t="s"><v>12</v></c>``), so what the
#: reader allocates stays proportional to what the file really holds.
MIN_XML_BYTES_PER_CELL = 4
#: Excel's own limits (a cell beyond them is not a spreadsheet cell).
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
#: A shared string takes at least ``<si/>`` (5 bytes) of ``sharedStrings.xml``.
MIN_BYTES_PER_SHARED_STRING = 5

_CHUNK = 1024 * 1024  # compressed bytes read at a time
_OUT = 4 * 1024 * 1024  # inflated bytes produced at a time (bounds the buffer)
_OVERLAP = 256  # bytes carried over between chunks so no pattern is cut in two
#: members compressed to more than this are inflated in a second thread, one chunk
#: ahead of the scan (zlib and polars release the GIL), so the two overlap
_PREFETCH_MIN_BYTES = 1024**2
#: The fast pass proves that a sheet spans at most columns A–Z × rows 1–999,999
#: (within MAX_CELLS_ANY_SHEET) unless one of these is seen. calamine places a cell
#: by its attribute named exactly ``r`` (after whitespace or a quote; whitespace
#: allowed around ``=``; either quote; letters in either case), else by counting the
#: cells and rows before it. So the fast pass insists on the one spelling writers
#: use — ``<c r="`` opening every cell, `` r="`` for every ``r`` — and escalates on
#: any other spelling (``_IRREGULAR``) or a far value (``_FAR``). Each pattern is
#: at most a dozen bytes long, well within the overlap between chunks.
_IRREGULAR = (
    r"r[ \t\n\r\x0C]+=|r=[ \t\n\r\x0C']|[\t\n\r\x0C\"']r="
    r"|<c[\t\n\r\x0C>/]|<c (?:[^r]|r[^=]|r=[^\"])|:c[ \t\n\r\x0C>/]"
)
_FAR = r' r="(?:[A-Za-z]{2,}[0-9]|[A-Za-z]?[0-9]{7})'
_NOTES = r"<f|hidden="
_FAST_PATTERN = f"{_IRREGULAR}|{_FAR}|{_NOTES}"
_IRREGULAR_BYTES = re.compile(_IRREGULAR.encode())
_FAR_BYTES = re.compile(_FAR.encode())
_FAST_BYTES = re.compile(_FAST_PATTERN.encode())
#: every reference, once ``_IRREGULAR`` is absent (then this is its only spelling)
_CANONICAL_REFERENCE = re.compile(rb' r="([A-Za-z]*)([0-9]+)"')
_FORMULA_WITHOUT_VALUE = re.compile(
    rb"<c\b([^>]*)>(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)(?:<v\s*/>|<v>\s*</v>)?</c>"
)
_HIDDEN_ROW = re.compile(rb"<row\b([^>]*\bhidden\s*=\s*[\"'](?:1|true)[\"'][^>]*)>")
_ROW_NUMBER = re.compile(rb'\br\s*=\s*["\'](\d+)["\']')
_CELL_REFERENCE = re.compile(rb'\br\s*=\s*["\']([A-Z]+)(\d+)["\']')
_UNIQUE_COUNT = re.compile(rb'<(?:\w+:)?sst\b[^>]*?\buniqueCount="\s*(\d+)\s*"')
_LOCAL_HEADER = struct.Struct("<4s22xHH")


@dataclass
class _Extent:
    """The rectangle spanned by cell and row references (0-based, inclusive)."""

    first_row: int = EXCEL_MAX_ROWS
    last_row: int = -1
    first_column: int = EXCEL_MAX_COLUMNS
    last_column: int = -1
    formulas: set[tuple[int, int]] = field(default_factory=set)
    hidden_rows: set[int] = field(default_factory=set)

    def add(self, row: int, column: int | None) -> None:
        self.first_row = min(self.first_row, row)
        self.last_row = max(self.last_row, row)
        if column is not None:
            self.first_column = min(self.first_column, column)
            self.last_column = max(self.last_column, column)

    @property
    def cells(self) -> int:
        if self.last_row < 0:
            return 0
        columns = max(self.last_column - self.first_column + 1, 1)
        return (self.last_row - self.first_row + 1) * columns


#: What the scan notes about one sheet (its formulas without values, hidden rows).
SheetNotes = _Extent


#: A file's identity for :func:`check_ahead`: its size, time and inode.
_FileKey = tuple[int, int, int]
#: The checks started ahead and not yet taken, by the file's real path.
_ahead: dict[str, tuple[_FileKey, Future[dict[str, _Extent]]]] = {}
_ahead_lock = threading.Lock()
#: The GIL switch interval while a check runs ahead. Between its steps that run
#: without the GIL (inflating, the Rust regex) the check takes the GIL about five
#: times per 4 MB chunk; at Python's default 5 ms a busy main thread (importing, say)
#: keeps it waiting up to 5 ms each time. Measured on a 30 MB sheet beside a busy
#: thread: 0.59 s at 5 ms, 0.21 s at 0.5 ms (0.20 s alone).
_AHEAD_SWITCH_INTERVAL = 0.0005


@dataclass
class _Running:
    """How many checks run ahead, and the switch interval to restore after the last."""

    checks: int = 0
    interval: float = 0.005


_running_ahead = _Running()


def _file_key(path: Path) -> tuple[str, _FileKey] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return os.path.realpath(path), (stat.st_size, stat.st_mtime_ns, stat.st_ino)


def check_ahead(path: str | Path, then: Callable[[bool], None] | None = None) -> bool:
    """Start :func:`check_xlsx` of ``path`` in a worker thread, if it is an xlsx.

    A command that knows its file before it has imported what it needs and opened the
    workspace (``sbbatch load``, ``check``, ``roster``) starts the check here, so the
    two overlap (the check inflates and scans without the GIL). The next
    :func:`check_xlsx` of the same, unchanged file (same size, time and inode) takes
    the result, or raises the error; a file changed in between is checked again (and
    the result started ahead is dropped).
    Anything that is not an xlsx is left to the reader, which says what is wrong.

    Args:
        then: Called in the same thread once the result is handed over, with whether
            the file passed (the sheet's load ahead, :func:`sbbatch.io._sheets.read_ahead`).

    Returns:
        Whether a check was started.
    """
    path = Path(path)
    key = _file_key(path)
    if key is None:
        return False
    try:
        with path.open("rb") as handle:
            if handle.read(4) != b"PK\x03\x04":
                return False
    except OSError:
        return False
    future: Future[dict[str, _Extent]] = Future()

    def run() -> None:
        result: dict[str, _Extent] = {}
        error: BaseException | None = None
        try:
            result = _check(path)
        except BaseException as exc:  # handed to the taker, which raises it
            error = exc
        try:
            if then is None:
                _end_ahead()  # the interval is back before the taker gets the result
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)
            if then is not None:
                then(error is None)
        finally:
            if then is not None:
                _end_ahead()

    where, identity = key
    with _ahead_lock:
        _ahead[where] = (identity, future)
        if not _running_ahead.checks:
            _running_ahead.interval = sys.getswitchinterval()
            sys.setswitchinterval(min(_AHEAD_SWITCH_INTERVAL, _running_ahead.interval))
        _running_ahead.checks += 1
    # a daemon: a command that stops before reading (an unknown kind, a locked
    # workspace, Ctrl-C) exits at once instead of waiting for the check and the load;
    # what the thread does is read-only
    try:
        threading.Thread(target=run, name="sbbatch-xlsx-check", daemon=True).start()
    except RuntimeError:  # no thread to be had: the reader checks the file itself
        with _ahead_lock:
            if _ahead.get(where, (None, None))[1] is future:
                del _ahead[where]
        _end_ahead()
        return False
    return True


def _end_ahead() -> None:
    """One check ahead is done: after the last, the switch interval is as it was."""
    with _ahead_lock:
        _running_ahead.checks -= 1
        if not _running_ahead.checks:
            sys.setswitchinterval(_running_ahead.interval)


def check_xlsx(path: Path) -> dict[str, _Extent]:
    """Refuse an xlsx that is damaged, no workbook, a zip bomb, or claims absurd sizes.

    Returns:
        For each member holding any, its ``formulas`` — the 0-based (row, column)
        of the formula cells saved without a computed value (a tool that writes
        formulas but does not calculate them; the reader sees them as empty) — and
        its ``hidden_rows`` (0-based).

    Raises:
        UnusableInputError: With a Chinese message naming the file.
    """
    key = _file_key(path)
    if key is not None:
        where, identity = key
        with _ahead_lock:
            started = _ahead.pop(where, None)
        if started is not None and started[0] == identity:
            return started[1].result()
    return _check(path)  # not started ahead, or the file changed since


def _check(path: Path) -> dict[str, _Extent]:
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError):
        raise _damaged(name) from None
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names:
        if "xl/workbook.bin" in names:
            kind = "Excel 二进制工作簿（xlsb）"
        elif "word/document.xml" in names:
            kind = "Word 文档"
        elif "ppt/presentation.xml" in names:
            kind = "PowerPoint 文档"
        elif "content.xml" in names:
            kind = "OpenDocument（WPS/LibreOffice）文档"
        else:
            kind = "zip 压缩包"
        raise UnusableInputError(
            f"文件「{name}」是{kind}，不是 xlsx 工作簿。提示：请用 Excel 打开后另存为 .xlsx 再试。"
        )
    claimed = sum(member.file_size for member in members)
    if claimed > MAX_UNCOMPRESSED_BYTES:  # a claim this big is refused unread
        raise _too_big(name, claimed)
    budget = MAX_UNCOMPRESSED_BYTES
    formulas: dict[str, _Extent] = {}
    with path.open("rb") as handle:
        for member in members:
            # every member is measured: the workbook may name any part as a sheet
            if member.filename.lower() == "xl/sharedstrings.xml":
                size, head, _extent = _measure(handle, member, name, budget, sheet=False)
                _check_shared_strings(name, size, head)
            else:
                size, _head, extent = _measure(handle, member, name, budget, sheet=True)
                _check_extent(name, member.filename, size, extent)
                if extent.formulas or extent.hidden_rows:
                    formulas[member.filename] = extent
            budget -= size
    return formulas


def _measure(
    handle: BinaryIO, member: zipfile.ZipInfo, name: str, budget: int, *, sheet: bool
) -> tuple[int, bytes, _Extent]:
    """A member's real inflated size, its first bytes and (sheets) the cells it spans.

    Every byte of a sheet is looked at, in up to three passes that each stop at
    what they cannot prove: the fast pass (one polars regex per chunk, see
    :data:`_IRREGULAR`) proves the sheet near and regular; far references in a
    regular sheet send it to a count of every reference; anything irregular sends it
    to :func:`sbbatch.io._xlsx_cells.cell_extent`, which places every cell as
    calamine does.
    """
    if not sheet:
        size, head = 0, b""
        for chunk in _chunks(handle, member, name, budget):
            size += len(chunk)
            if len(head) < 4096:
                head += chunk[: 4096 - len(head)]
        return size, head, _Extent()
    mode = "fast"
    while True:
        chunks = _chunks(handle, member, name, budget)
        try:
            if mode == "exact":
                extent = _Extent()
                size = cell_extent(chunks, extent, _find_formulas, name)
            else:
                size, extent = _scan(chunks, count=mode == "count")
            return size, b"", extent
        except _Escalate as escalate:
            mode = escalate.mode
        finally:
            chunks.close()  # the worker thread is done with the file before it is reread


class _Escalate(Exception):  # control flow, never leaves _measure
    """The pass cannot prove the sheet's extent: run ``mode`` from the start."""

    def __init__(self, mode: str) -> None:
        super().__init__(mode)
        self.mode = mode


def _scan(chunks: Iterator[bytes], *, count: bool) -> tuple[int, _Extent]:
    """The fast pass (``count`` False) or the count of canonical references.

    Raises:
        _Escalate: ``count`` when a far reference is seen in the fast pass,
            ``exact`` when anything irregular is.
    """
    size, tail, extent = 0, b"", _Extent()
    for chunk in chunks:
        size += len(chunk)
        text = tail + chunk
        matched = _any_match(text)
        if matched and _IRREGULAR_BYTES.search(text):
            raise _Escalate("exact")
        if count:  # near references count too: they may hold a corner of the rectangle
            for letters, digits in _CANONICAL_REFERENCE.findall(text):
                _add_reference(extent, letters, digits)
        elif matched and _FAR_BYTES.search(text):
            raise _Escalate("count")
        if matched:
            _find_formulas(text, extent)
        tail = text[-_OVERLAP:]
    return size, extent


def _any_match(text: bytes) -> bool:
    """Whether ``text`` holds anything of :data:`_FAST_PATTERN` (one Rust regex pass).

    polars needs UTF-8: up to three bytes of a character cut at the chunk's end
    are checked by ``re``; a chunk that is not UTF-8 at all is checked by ``re``.
    """
    end = len(text)
    while end > len(text) - 4 and end > 0 and 0x80 <= text[end - 1] < 0xC0:
        end -= 1
    if end > 0 and text[end - 1] >= 0xC0:
        end -= 1
    if end < len(text) and _FAST_BYTES.search(text, max(end - 16, 0)):
        return True
    try:
        found = pl.Series([text[:end]], dtype=pl.Binary).cast(pl.String).str.contains(_FAST_PATTERN)
    except pl.exceptions.PolarsError:  # not UTF-8
        return _FAST_BYTES.search(text) is not None
    return bool(found.item())


def _add_reference(extent: _Extent, letters: bytes, digits: bytes) -> None:
    """Count one reference as calamine reads it (either case; leading zeros)."""
    significant = digits.lstrip(b"0")
    row = int(significant) - 1 if 0 < len(significant) <= 9 else (10**9 if significant else 0)
    column = None
    if letters:
        column = 0
        for letter in letters[:4].upper():
            column = column * 26 + letter - 64
        column -= 1
    extent.add(max(row, 0), column)


def _chunks(
    handle: BinaryIO, member: zipfile.ZipInfo, name: str, budget: int
) -> Generator[bytes, None, None]:
    """The member's inflated chunks; a big member is inflated one chunk ahead in a thread."""
    chunks = _inflate(handle, member, name, budget)
    if member.compress_size < _PREFETCH_MIN_BYTES:
        return chunks
    return _prefetched(chunks)


def _prefetched(chunks: Iterator[bytes]) -> Generator[bytes, None, None]:
    """Yield ``chunks`` while the next one is produced in a worker thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        ahead = pool.submit(next, chunks, None)
        try:
            while True:
                chunk = ahead.result()  # re-raises the inflater's refusal here
                if chunk is None:
                    return
                ahead = pool.submit(next, chunks, None)
                yield chunk
        finally:
            ahead.cancel()


def _find_formulas(text: bytes, extent: _Extent) -> None:
    """Note the formula cells in ``text`` that carry no computed value, and hidden rows."""
    if b"hidden=" in text:
        for attributes in _HIDDEN_ROW.findall(text):
            found = _ROW_NUMBER.search(attributes)
            if found is not None:
                extent.hidden_rows.add(int(found.group(1)[:9]) - 1)
    if b"<f" not in text:
        return
    for attributes in _FORMULA_WITHOUT_VALUE.findall(text):
        found = _CELL_REFERENCE.search(attributes)
        if found is not None:
            column = 0
            for letter in found.group(1)[:4]:
                column = column * 26 + letter - 64
            extent.formulas.add((int(found.group(2)[:9]) - 1, column - 1))


def _inflate(
    handle: BinaryIO, member: zipfile.ZipInfo, name: str, budget: int
) -> Generator[bytes, None, None]:
    """Inflate one member in bounded chunks, refusing it as soon as it is too big.

    Too big: over ``budget`` bytes, or past :data:`RATIO_CHECK_MIN_BYTES` more than
    :data:`MAX_COMPRESSION_RATIO` times its compressed size. The local header is read
    for where the data starts; the sizes in the headers are not used as limits.
    """
    try:
        handle.seek(member.header_offset)
        signature, name_length, extra_length = _LOCAL_HEADER.unpack(handle.read(30))
    except (OSError, struct.error):
        raise _damaged(name) from None
    if signature != b"PK\x03\x04":
        raise _damaged(name)
    if member.compress_type == zipfile.ZIP_STORED:
        inflater = None
    elif member.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
    else:
        raise UnusableInputError(
            f"文件「{name}」中的「{member.filename}」使用了 Excel 不使用的压缩方式，无法读取。"
            "提示：请用 Excel 打开后另存为 .xlsx 再试。"
        )
    handle.seek(member.header_offset + 30 + name_length + extra_length)
    left = member.compress_size
    size = 0
    pending = b""
    while True:
        if not pending:
            if left <= 0:
                return
            pending = handle.read(min(left, _CHUNK))
            if not pending:
                return  # the archive ends early: the reader will call it damaged
            left -= len(pending)
        if inflater is None:
            chunk, pending = pending, b""
        else:
            try:
                chunk = inflater.decompress(pending, _OUT)
            except zlib.error:
                raise _damaged(name) from None
            pending = inflater.unconsumed_tail
        size += len(chunk)
        if size > budget:
            raise _too_big(name, size, partial=True)
        if size >= RATIO_CHECK_MIN_BYTES and size > MAX_COMPRESSION_RATIO * max(
            member.compress_size, 1
        ):
            raise UnusableInputError(
                f"文件「{name}」中的「{member.filename}」解压到 {size / 1024**2:.0f} MB 时"
                f"压缩比已超过 {MAX_COMPRESSION_RATIO} 倍，远超正常的 Excel 文件，已停止解压并拒绝读取"
                "（可能是恶意的压缩炸弹）。提示：请确认文件来源。"
            )
        yield chunk
        if inflater is not None and inflater.eof:
            return


def _check_extent(name: str, member: str, size: int, extent: _Extent) -> None:
    """Refuse a sheet whose used rectangle is beyond Excel or its XML's real size."""
    sheet = member.rpartition("/")[2]
    if extent.last_row >= EXCEL_MAX_ROWS or extent.last_column >= EXCEL_MAX_COLUMNS:
        raise UnusableInputError(
            f"文件「{name}」的工作表文件「{sheet}」引用了超出 Excel 范围的单元格"
            f"（第 {extent.last_row + 1} 行、第 {extent.last_column + 1} 列），"
            "文件已损坏或被篡改，拒绝读取。提示：请用 Excel 打开后另存为 .xlsx 再试。"
        )
    allowed = max(MAX_CELLS_ANY_SHEET, size // MIN_XML_BYTES_PER_CELL)
    if extent.cells > allowed:
        raise UnusableInputError(
            f"文件「{name}」的工作表文件「{sheet}」声称占用 {extent.last_row - extent.first_row + 1} 行 × "
            f"{extent.last_column - extent.first_column + 1} 列（{extent.cells:,} 个单元格），"
            f"与其实际内容（{size:,} 字节）不符，读取需要的内存远超正常，拒绝读取。"
            "提示：请删除远处无用的单元格（或用 Excel 打开后另存为 .xlsx）再试。"
        )


def _check_shared_strings(name: str, size: int, head: bytes) -> None:
    """Refuse a shared-string table that claims more entries than its bytes can hold."""
    found = _UNIQUE_COUNT.search(head)
    if found is None:
        return
    claimed = int(found.group(1)[:12])
    if claimed > size // MIN_BYTES_PER_SHARED_STRING + 1:
        raise UnusableInputError(
            f"文件「{name}」的共享字符串表声称有 {claimed:,} 个字符串，但实际只有 {size:,} 字节，"
            "文件已损坏或被篡改，拒绝读取。提示：请用 Excel 打开后另存为 .xlsx 再试。"
        )


def _damaged(name: str) -> UnusableInputError:
    return UnusableInputError(
        f"文件「{name}」已损坏或不完整（可能下载未完成），无法作为 xlsx 读取。"
        "提示：请用 Excel 打开后另存为 .xlsx 再试。"
    )


def _too_big(name: str, size: int, *, partial: bool = False) -> UnusableInputError:
    amount = f"超过 {_size(size)}" if partial else f"有 {_size(size)}"
    return UnusableInputError(
        f"文件「{name}」解压后{amount}，超过上限 {_size(MAX_UNCOMPRESSED_BYTES)}，"
        "拒绝读取（可能是恶意的压缩炸弹）。提示：请把数据拆成几个较小的文件。"
    )


def _size(count: int) -> str:
    """A byte count for a message: ``3.0 GB`` or ``12 MB``."""
    if count >= 1024**3:
        return f"{count / 1024**3:.1f} GB"
    return f"{count / 1024**2:.0f} MB"
