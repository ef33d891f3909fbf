"""Reading batch files (报盘文件): xlsx, xls, csv and parquet, every cell as text.

:func:`read_table` turns whatever the analyst sends into a :class:`RawTable`: a frame
whose columns are all ``String``, named by the header texts, plus the spreadsheet's own
row number of every data row (``_row``), so that a failure reported later points at the
row the analyst sees in Excel. Nothing is typed here: dates, amounts and codes are
parsed by :mod:`sbbatch.io.normalise`, and mapped to a business by the caller.

What this module guards against (measured in ``shared/reference/feasibility.md`` §3–4):

- **Silent nulls and lost rows.** A reader that infers column types turns a text cell
  under a thousand numbers into null, and polars then drops the empty row. Every
  column is read as text, blank rows are counted but never renumber the others, and
  the row count is reconciled with the sheet's height.
- **IDs stored as numbers.** An 18-digit ID typed as a number has lost its last digits
  in Excel; read as text it looks valid (``370103198310135680``). Only the cell's type
  tells: for the columns named in ``id_headers`` every non-text cell is listed in
  :attr:`RawTable.non_text_cells`.
- **Files that are not what they claim**: a picture renamed ``.xlsx``, a truncated
  download, a zip bomb, a web page saved as ``.xls``, a GB18030 csv. Each becomes an
  :class:`~sbbatch.exceptions.UnusableInputError` with a Chinese message naming the
  file; no library error escapes.

How the ID check stays cheap: calamine parses the whole sheet whenever anything is
loaded, so a second pass over the cells (python-calamine) doubles the reading time.
For xlsx the first rows are peeked from the sheet XML (a few milliseconds), the ID
columns found, and fastexcel then loads them with strict type inference over every
row: a column that comes back as ``String`` holds text cells only, proven in the same
parse. Only when that fails (a numeric cell, a date, a header elsewhere) does the
python-calamine pass run to list the offending cells.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Collection
from pathlib import Path

import polars as pl

from sbbatch.exceptions import UnusableInputError
from sbbatch.io._sheets import _read_excel, read_ahead
from sbbatch.io._table import (
    _CSV_PEEK_CHARS,
    _HINT_RESAVE,
    HEADER_SCAN_ROWS,
    ROW_COLUMN,
    Format,
    RawTable,
    _assemble,
    _blank_to_null,
    _empty_non_text,
    _find_header,
    _Known,
    _no_header_error,
    _tidy_numeric_text,
)
from sbbatch.io._xlsx_guard import (
    MAX_COMPRESSION_RATIO,
    MAX_UNCOMPRESSED_BYTES,
    RATIO_CHECK_MIN_BYTES,
    check_xlsx,
)
from sbbatch.spec import header_key

__all__ = [
    "HEADER_SCAN_ROWS",
    "MAX_COMPRESSION_RATIO",
    "MAX_UNCOMPRESSED_BYTES",
    "RATIO_CHECK_MIN_BYTES",
    "ROW_COLUMN",
    "RawTable",
    "header_key",
    "read_ahead",
    "read_table",
]

_GB_ALIASES = {"gbk", "gb2312", "cp936", "gb18030", "936", "ms936", "euc-cn", "euccn"}
_NOT_SPREADSHEETS = {
    b"\x89PNG": "PNG 图片",
    b"\xff\xd8\xff": "JPEG 图片",
    b"GIF8": "GIF 图片",
    b"%PDF": "PDF 文档",
    b"Rar!": "RAR 压缩包",
    b"7z\xbc\xaf": "7z 压缩包",
    b"\x1f\x8b": "gzip 压缩包",
}


def read_table(
    path: str | Path,
    *,
    known_headers: Collection[str] = (),
    sheet: str | int | None = None,
    encoding: str | None = None,
    id_headers: Collection[str] = (),
) -> RawTable:
    """Read a batch file (报盘) into a :class:`RawTable`, every cell as text.

    The format is recognised from the file's first bytes, not its name. The header
    is the first of the top non-blank rows (at most :data:`HEADER_SCAN_ROWS`) whose
    cells match the most ``known_headers`` (compared by :func:`header_key`; at least
    two must match, or one when only one is given); without known headers it is the
    first non-blank row. Title rows above it are ignored.

    Excel cells are read as text; a date cell's ``YYYY-MM-DD 00:00:00`` becomes
    ``YYYY-MM-DD``, an integral number's ``5000.0`` becomes ``5000`` and binary float
    noise (``4523.4000000000005``) is rounded to Excel's 15 significant digits. csv
    text is kept exactly as written; parquet columns are cast to text (dates ISO).

    Args:
        path: The file.
        known_headers: Header texts the caller expects (any subset may be present).
        sheet: Sheet name or 0-based index (xlsx/xls; ignored for csv and parquet);
            default the first visible worksheet.
        encoding: The csv's encoding; default detected (UTF-8 with or without BOM,
            else GB18030). ``gbk`` and ``gb2312`` are read as GB18030, their superset.
        id_headers: Headers of ID-number columns whose non-text cells to list.

    Returns:
        The table, with its header, counts and non-text ID cells.

    Raises:
        UnusableInputError: The file is missing, empty, not a spreadsheet, damaged,
            too large when unpacked, in an undetectable encoding, has an empty sheet,
            or has no header row matching ``known_headers``.

    Example:
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "a.csv").write_text("增员表\\n姓名,证件号码\\n张三,370103198310135672\\n\\n李四,\\n",
        ...                                   encoding="utf-8")
        >>> table = read_table(folder / "a.csv", known_headers=["姓名", "证件号码"])
        >>> table.header_row, table.rows_read, table.blank_rows
        (2, 2, 1)
        >>> table.frame.rows()
        [('张三', '370103198310135672', 3), ('李四', None, 5)]
        >>> import shutil; shutil.rmtree(folder)
    """
    path = Path(path)
    known = _Known(known_headers)
    id_keys = {key for key in map(header_key, id_headers) if key}
    if not path.is_file():
        raise UnusableInputError(f"找不到文件「{path.name}」（{path}）。提示：请检查路径。")
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError:
        raise UnusableInputError(f"无法打开文件「{path.name}」。提示：请检查文件权限。") from None
    fmt = _detect_format(path, head)
    if fmt == "parquet":
        return _read_parquet(path, known)
    if fmt == "csv":
        return _read_csv(path, known, encoding)
    formulas = check_xlsx(path) if fmt == "xlsx" else {}
    return _read_excel(path, fmt, sheet, known, id_keys, formulas)


# ---------------------------------------------------------------------------- format


def _detect_format(path: Path, head: bytes) -> Format:
    """Recognise the format from the first bytes; refuse what is not a table."""
    name = path.name
    if not head:
        raise UnusableInputError(f"文件「{name}」是空的（0 字节）。提示：请重新导出或下载。")
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        if path.suffix.lower() in {".xlsx", ".xlsm"}:
            raise UnusableInputError(
                f"文件「{name}」设置了打开密码（加密的 xlsx），无法读取。提示：请在 Excel 中取消密码后另存再试。"
            )
        return "xls"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith((b"PK\x05\x06", b"PK\x07\x08")):
        raise UnusableInputError(
            f"文件「{name}」是空的或已损坏的压缩包，不是 Excel 文件。{_HINT_RESAVE}"
        )
    for magic, kind in _NOT_SPREADSHEETS.items():
        if head.startswith(magic):
            raise UnusableInputError(
                f"文件「{name}」是{kind}，不是电子表格。提示：请选择 xlsx、xls、csv 或 parquet 文件。"
            )
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise UnusableInputError(
            f"文件「{name}」是网页（HTML）或 XML 文件，不是真正的 Excel 文件。{_HINT_RESAVE}"
        )
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".parquet"}:
        raise UnusableInputError(
            f"文件「{name}」的内容不是 {suffix[1:]} 格式（文件头不符）。{_HINT_RESAVE}"
        )
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnusableInputError(
            f"文件「{name}」既不是电子表格也不是文本文件。提示：请选择 xlsx、xls、csv 或 parquet 文件。"
        )
    # csv, or a text file saved as .xls/.txt by a web system: read it as delimited text
    return "csv"


# ---------------------------------------------------------------------------- csv


def _decode(raw: bytes, encoding: str | None, name: str) -> tuple[str, str]:
    """Decode csv bytes: the given encoding, else UTF-8 (BOM ok), else GB18030."""
    if encoding is not None:
        wanted = encoding.strip().lower().replace("_", "-")
        if wanted in _GB_ALIASES:
            wanted = "gb18030"
        if wanted in {"utf8", "utf-8"} and raw.startswith(codecs.BOM_UTF8):
            wanted = "utf-8-sig"
        try:
            return raw.decode(wanted), wanted
        except (UnicodeDecodeError, LookupError):
            raise UnusableInputError(
                f"文件「{name}」无法按 {encoding} 编码读取。提示：不指定编码，让程序自动识别。"
            ) from None
    if raw.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for candidate in candidates:
        try:
            return raw.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    raise UnusableInputError(
        f"文件「{name}」的文字编码无法识别（既不是 UTF-8 也不是 GB18030）。"
        "提示：请用 Excel 打开后另存为「CSV UTF-8」或 xlsx。"
    )


def _read_csv(path: Path, known: _Known, encoding: str | None) -> RawTable:
    """Read a delimited text file, every column as text, with its record numbers."""
    name = path.name
    raw = path.read_bytes()
    text, used = _decode(raw, encoding, name)
    prefix = text[:_CSV_PEEK_CHARS]
    truncated = len(text) > _CSV_PEEK_CHARS
    if truncated:
        prefix = prefix[: prefix.rfind("\n") + 1]
    separator = "\t" if prefix.count("\t") > prefix.count(",") else ","
    try:
        records = list(csv.reader(io.StringIO(prefix), delimiter=separator))
    except csv.Error:
        raise UnusableInputError(f"文件「{name}」不是有效的 csv 文本。{_HINT_RESAVE}") from None
    if truncated and records:
        records.pop()  # may be cut in the middle of a quoted field
    nonblank = [(i, cells) for i, cells in enumerate(records) if any(c.strip() for c in cells)]
    if not nonblank:
        raise UnusableInputError(f"文件「{name}」中没有任何内容。提示：请确认导出是否成功。")
    header_index = _find_header(nonblank, known)
    if header_index is None:
        raise _no_header_error(name, known)
    if used == "utf-8":
        data = raw
    elif used == "utf-8-sig":
        data = raw[len(codecs.BOM_UTF8) :]
    else:
        data = text.encode("utf-8")
    del text
    try:
        table = pl.read_csv(
            io.BytesIO(data),
            has_header=False,
            skip_rows=header_index,
            infer_schema_length=0,
            separator=separator,
            raise_if_empty=False,
        )
    except pl.exceptions.ComputeError:
        raise UnusableInputError(
            f"文件「{name}」中有数据行的列数多于表头（第 {header_index + 1} 行），"
            "或引号不配对。提示：请检查多出的逗号，或用 Excel 打开后另存为 xlsx。"
        ) from None
    except Exception:
        raise UnusableInputError(f"文件「{name}」不是有效的 csv 文本。{_HINT_RESAVE}") from None
    header_cells = [c if c is not None else "" for c in table.row(0)] if table.height else []
    expected = records[header_index]
    if [c.strip() for c in header_cells[: len(expected)]] != [c.strip() for c in expected]:
        raise UnusableInputError(  # pragma: no cover - csv module and polars disagree
            f"文件「{name}」的表头位置无法确定（引号或换行不规范）。{_HINT_RESAVE}"
        )
    table = _blank_to_null(table)
    frame, headers, _kept, blank_rows = _assemble(
        table,
        header_index=0,
        column_numbers=list(range(1, table.width + 1)),
        first_row_number=header_index + 1,
    )
    return RawTable(
        frame=frame,
        headers=headers,
        header_row=header_index + 1,
        sheet=None,
        format="csv",
        encoding=used,
        rows_read=frame.height,
        blank_rows=blank_rows,
        non_text_cells=_empty_non_text(),
    )


# ---------------------------------------------------------------------------- parquet


def _read_parquet(path: Path, known: _Known) -> RawTable:
    """Read a parquet file with every column cast to text (dates ISO)."""
    name = path.name
    try:
        source = pl.read_parquet(path)
    except Exception:
        raise UnusableInputError(f"文件「{name}」已损坏或不是有效的 parquet 文件。") from None
    if source.width == 0:
        raise UnusableInputError(f"文件「{name}」中没有任何列。提示：请确认导出是否成功。")
    columns = []
    for column, dtype in source.schema.items():
        expr = pl.col(column)
        if dtype == pl.String:
            columns.append(expr)
        elif isinstance(dtype, pl.Datetime):
            columns.append(expr.dt.to_string("%Y-%m-%d %H:%M:%S"))
        elif dtype.is_nested() or dtype in (pl.Binary, pl.Object):
            raise UnusableInputError(
                f"文件「{name}」的列「{column}」是 {dtype} 类型，无法作为表格文本读取。"
                "提示：请只保留普通的文字、数字和日期列。"
            )
        else:
            columns.append(expr.cast(pl.String))
    typed = [c for c, dtype in source.schema.items() if dtype != pl.String]
    text = _tidy_numeric_text(_blank_to_null(source.select(columns)), typed)
    if known.keys and _find_header([(0, list(text.columns))], known) is None:
        raise _no_header_error(name, known)
    header_row = pl.DataFrame([pl.Series(c, [c], dtype=pl.String) for c in text.columns])
    stacked = pl.concat([header_row, text], how="vertical") if text.width else header_row
    frame, headers, _kept, blank_rows = _assemble(
        stacked,
        header_index=0,
        column_numbers=list(range(1, text.width + 1)),
        first_row_number=1,
    )
    return RawTable(
        frame=frame,
        headers=headers,
        header_row=1,
        sheet=None,
        format="parquet",
        encoding=None,
        rows_read=frame.height,
        blank_rows=blank_rows,
        non_text_cells=_empty_non_text(),
    )
