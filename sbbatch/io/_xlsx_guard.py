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

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sbbatch.exceptions import UnusableInputError

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
_OUT = 16 * 1024 * 1024  # inflated bytes produced at a time (bounds the buffer)
_OVERLAP = 256  # bytes carried over between chunks so no reference is cut in two
# a reference beyond column Z or at row 1,000,000 or more: only such a sheet can span
# more than 26 × 999,999 cells (< MAX_CELLS_ANY_SHEET), so only then are all counted
# (a plain space before ``r`` keeps the search fast; any other spelling of the
# attribute sends the sheet to the full count)
_FAR_REFERENCE = re.compile(rb' r="(?:[A-Z]{2}|[A-Z]?\d{7})')
_ODD_REFERENCES = (b"\tr=", b"\nr=", b"\rr=", b"r='", b" r =")
_REFERENCE = re.compile(rb'<(c|row)[\s/>][^>]*?r\s*=\s*["\']([A-Z]*)(\d+)["\']')
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

    The first pass looks for far references only (cheap); if one is seen, a second
    pass measures every reference. Without any, a sheet spans at most 26 × 999,999
    cells, which is within :data:`MAX_CELLS_ANY_SHEET`.
    """
    size, head, tail, extent = 0, b"", b"", _Extent()
    for chunk in _inflate(handle, member, name, budget):
        size += len(chunk)
        if len(head) < 4096:
            head += chunk[: 4096 - len(head)]
        if sheet:
            text = tail + chunk
            if _FAR_REFERENCE.search(text) or any(odd in text for odd in _ODD_REFERENCES):
                break
            _find_formulas(text, extent)
            tail = text[-_OVERLAP:]
    else:
        return size, head, extent
    size, tail, extent = 0, b"", _Extent()
    for chunk in _inflate(handle, member, name, budget):
        size += len(chunk)
        text = tail + chunk  # a reference seen twice changes no minimum or maximum
        for kind, letters, digits in _REFERENCE.findall(text):
            _add(extent, kind, letters, digits)
        _find_formulas(text, extent)
        tail = text[-_OVERLAP:]
    return size, head, extent


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


def _inflate(handle: BinaryIO, member: zipfile.ZipInfo, name: str, budget: int) -> Iterator[bytes]:
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


def _add(extent: _Extent, kind: bytes, letters: bytes, digits: bytes) -> None:
    """Count one ``r="…"`` reference (a row's, or a cell's) into ``extent``."""
    row = min(int(digits[:9]), 10**9) - 1
    column = None
    if kind == b"c" and letters:
        column = 0
        for letter in letters[:4]:
            column = column * 26 + letter - 64
        column -= 1
    extent.add(max(row, 0), column)


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
