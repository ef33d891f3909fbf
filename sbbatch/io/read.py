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
import datetime as dt
import io
import posixpath
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import fastexcel
import polars as pl
import python_calamine

from sbbatch.exceptions import UnusableInputError
from sbbatch.io._xlsx_guard import (
    MAX_COMPRESSION_RATIO,
    MAX_UNCOMPRESSED_BYTES,
    RATIO_CHECK_MIN_BYTES,
    SheetNotes,
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
    "read_table",
]

#: The header row is looked for among this many non-blank rows at the top.
HEADER_SCAN_ROWS = 30
#: Name of the column holding the spreadsheet's own 1-based row number.
ROW_COLUMN = "_row"

Format = Literal["xlsx", "xls", "csv", "parquet", "frame"]  # "frame": rows given in Python

_NON_TEXT_SCHEMA = pl.Schema(
    {ROW_COLUMN: pl.Int64(), "header": pl.String(), "value": pl.String(), "cell_type": pl.String()}
)
# Excel's last column is XFD (16,384); fastexcel's dtype map is keyed by the sheet's
# absolute column index, so "every other column as text" is written as this range.
_EXCEL_MAX_COLUMNS = 16_384
_CSV_PEEK_CHARS = 1024 * 1024
_PEEK_MAX_SHEET_ROWS = 10_000
_MIDNIGHT = r"^(\d{4}-\d{2}-\d{2}) 00:00:00$"
_FLOAT_NOISE = r"^-?\d+\.\d{6,}$"
_INTEGRAL_FLOAT = r"^(-?\d+)\.0$"
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
_HINT_RESAVE = "提示：请用 Excel 打开后另存为 .xlsx 再试。"


@dataclass(frozen=True, repr=False)
class RawTable:
    """A batch file as read: every column text, with the sheet's own row numbers.

    Attributes:
        frame: One ``String`` column per header (named by its text; duplicates get
            ``_2``, ``_3``…; an empty header becomes ``列N``, N the column number),
            plus ``_row`` (``Int64``), the spreadsheet's 1-based row number of each
            data row. Blank rows are left out; empty cells are null.
        headers: The header texts as found, in column order.
        header_row: The 1-based row number of the header.
        sheet: The sheet's name (xlsx/xls), else None.
        format: ``"xlsx"``, ``"xls"``, ``"csv"`` or ``"parquet"``.
        encoding: The csv's encoding (``"utf-8"``, ``"utf-8-sig"``, ``"gb18030"``,
            ``"utf-16"``), else None.
        rows_read: Data rows kept.
        blank_rows: Blank rows below the header, skipped (the other rows keep their
            numbers).
        non_text_cells: For the ``id_headers`` columns of xlsx/xls, every data cell
            that is not text: ``_row``, ``header`` (the frame's column name),
            ``value`` (the text as read) and ``cell_type`` (``float``, ``int``,
            ``date``, ``datetime``, ``bool``, ``time`` or ``duration``).
        tidied_cells: xlsx/xls number and date cells whose text was tidied (a date
            cell's ``00:00:00`` dropped, float noise rounded), counted by frame
            column. Text cells are never tidied.
        formula_cells: xlsx data cells that are formulas saved without a computed
            value (read as empty): ``_row`` and ``header`` (the frame's column name).
        hidden_rows: xlsx data rows (``_row``) hidden in Excel: read like the others.
    """

    frame: pl.DataFrame
    headers: list[str]
    header_row: int
    sheet: str | None
    format: Format
    encoding: str | None
    rows_read: int
    blank_rows: int
    non_text_cells: pl.DataFrame
    tidied_cells: Mapping[str, int] = field(default_factory=dict)
    hidden_rows: tuple[int, ...] = ()
    formula_cells: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={ROW_COLUMN: pl.Int64, "header": pl.String})
    )

    def __repr__(self) -> str:
        """A summary without cell values (they hold personal data)."""
        columns = [name for name in self.frame.columns if name != ROW_COLUMN]
        return (
            f"RawTable(format={self.format!r}, sheet={self.sheet!r}, "
            f"header_row={self.header_row}, rows_read={self.rows_read}, "
            f"blank_rows={self.blank_rows}, non_text_cells={self.non_text_cells.height}, "
            f"columns={columns!r})"
        )


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


# ---------------------------------------------------------------------------- header


@dataclass(frozen=True)
class _Known:
    """The headers the caller expects: as given (for messages) and as keys."""

    texts: tuple[str, ...]
    keys: frozenset[str]

    def __init__(self, headers: Collection[str]) -> None:
        # a set's order changes from run to run: its texts are shown sorted
        ordered = sorted(headers) if isinstance(headers, (set, frozenset)) else headers
        object.__setattr__(self, "texts", tuple(dict.fromkeys(ordered)))
        object.__setattr__(self, "keys", frozenset(k for k in map(header_key, headers) if k))


def _find_header(rows: Sequence[tuple[int, Sequence[str | None]]], known: _Known) -> int | None:
    """The row id of the header among ``rows`` (non-blank rows, top first), or None."""
    candidates = rows[:HEADER_SCAN_ROWS]
    if not known.keys:
        return candidates[0][0] if candidates else None
    needed = 1 if len(known.keys) == 1 else 2
    best, best_count = None, 0
    for row_id, cells in candidates:
        count = len({header_key(cell) for cell in cells if cell} & known.keys)
        if count > best_count:
            best, best_count = row_id, count
    return best if best_count >= needed else None


def _no_header_error(name: str, known: _Known) -> UnusableInputError:
    """The error for a file in which no row matches the expected headers."""
    texts = list(known.texts)
    if len(texts) > _LISTED_HEADERS:  # every business's headers: name a few, stably
        examples = [t for t in _EXAMPLE_HEADERS if t in texts][:2] or texts[:2]
        shown = "、".join(f"「{text}」" for text in examples)
        return UnusableInputError(
            f"文件「{name}」前 {HEADER_SCAN_ROWS} 行中没有找到表头（应为报盘模板的列，如{shown}）。"
            "提示：请确认选对了文件和工作表，表头与 sbbatch template 生成的模板一致"
            "（未指定业务时也可用 --kind 指定）。"
        )
    needed = "" if len(known.keys) == 1 else "中的至少 2 个"
    expected = "、".join(f"「{text}」" for text in texts)
    return UnusableInputError(
        f"文件「{name}」前 {HEADER_SCAN_ROWS} 行中没有找到表头：应包含{expected}{needed}。"
        "提示：请确认选对了文件和工作表，且表头文字与模板一致。"
    )


#: Above this many expected headers the no-header message names examples, not all.
_LISTED_HEADERS = 12
#: The examples it names, when expected.
_EXAMPLE_HEADERS = ("身份证号码", "姓名", "社会保障号码", "单位编号")


def _column_names(headers: Sequence[str], numbers: Sequence[int]) -> list[str]:
    """Frame column names: stripped header texts, ``列N`` for empty, duplicates suffixed."""
    taken = {ROW_COLUMN}
    names = []
    for text, number in zip(headers, numbers, strict=True):
        base = text.strip() or f"列{number}"
        name, suffix = base, 2
        while name in taken:
            name, suffix = f"{base}_{suffix}", suffix + 1
        taken.add(name)
        names.append(name)
    return names


def _assemble(
    raw: pl.DataFrame,
    *,
    header_index: int,
    column_numbers: Sequence[int],
    first_row_number: int,
) -> tuple[pl.DataFrame, list[str], list[int], int]:
    """Cut the data rows below the header, name the columns, number and drop blank rows.

    ``raw`` has positional ``String`` columns, one row per sheet row (blank rows
    included); row ``i`` of ``raw`` is sheet row ``first_row_number + i``.

    Returns:
        The frame, the kept header texts, the kept columns' positions in ``raw``
        and the number of blank data rows.
    """
    header_cells = raw.row(header_index)
    body = raw.slice(header_index + 1)
    filled = body.select(pl.all().is_not_null().any()).row(0) if body.width else ()
    keep = [
        position
        for position, cell in enumerate(header_cells)
        if (cell is not None and cell.strip()) or filled[position]
    ]
    headers = ["" if header_cells[p] is None else str(header_cells[p]) for p in keep]
    names = _column_names(headers, [column_numbers[p] for p in keep])
    first_data_row = first_row_number + header_index + 1
    numbered = body.select(
        [pl.col(body.columns[p]).alias(name) for p, name in zip(keep, names, strict=True)]
    ).with_columns(
        pl.int_range(first_data_row, first_data_row + body.height, dtype=pl.Int64).alias(ROW_COLUMN)
    )
    if not names:
        return numbered.clear(), headers, keep, body.height
    blank = numbered.select(pl.all_horizontal(pl.exclude(ROW_COLUMN).is_null())).to_series()
    blank_rows = int(blank.sum())
    frame = numbered.filter(~blank) if blank_rows else numbered
    return frame, headers, keep, blank_rows


def _nonblank_head(raw: pl.DataFrame) -> list[tuple[int, Sequence[str | None]]]:
    """The first non-blank rows of ``raw`` (enough for header detection), with index.

    Looks at the top thousand rows first, so a big sheet is not copied for this.
    """
    for top in (raw.head(1000), raw):
        indexed = top.with_row_index("__index")
        nonblank = indexed.filter(pl.any_horizontal(pl.exclude("__index").is_not_null()))
        if nonblank.height >= HEADER_SCAN_ROWS or top.height == raw.height:
            break
    return [(int(row[0]), row[1:]) for row in nonblank.head(HEADER_SCAN_ROWS).rows()]


def _tidy_numeric_text(
    raw: pl.DataFrame,
    columns: Sequence[str] | None = None,
    cells: Mapping[str, pl.Series] | None = None,
) -> pl.DataFrame:
    """Text of Excel/parquet number and date cells as a person would type it.

    ``1983-10-13 00:00:00`` → ``1983-10-13``; ``5000.0`` → ``5000``; binary float
    noise in a long decimal (``4523.4000000000005``: 6+ decimals, 17+ characters) is
    rounded to 15 significant digits, as Excel displays it. A cheap scan finds the
    columns that need it first, so the others are neither rescanned nor copied.

    Only ``columns`` (default all) are tidied, and in those named in ``cells`` only
    the rows where that Boolean series is true: text cells are never touched.
    """
    if raw.is_empty():
        return raw
    columns = raw.columns if columns is None else list(columns)
    cells = cells or {}
    if not columns:
        return raw
    flags = raw.select(
        *(pl.col(c).str.ends_with(" 00:00:00").any().alias(f"m{i}") for i, c in enumerate(columns)),
        *(pl.col(c).str.ends_with(".0").any().alias(f"z{i}") for i, c in enumerate(columns)),
        *(
            ((pl.col(c).str.len_bytes() >= 17) & pl.col(c).str.contains(".", literal=True))
            .any()
            .alias(f"n{i}")
            for i, c in enumerate(columns)
        ),
    ).row(0, named=True)
    updates = []
    for i, column in enumerate(columns):
        midnight, integral, noise = flags[f"m{i}"], flags[f"z{i}"], flags[f"n{i}"]
        if not (midnight or integral or noise):
            continue
        text = pl.col(column)
        if midnight:
            text = text.str.replace(_MIDNIGHT, "${1}")
        if noise:
            noisy = text.str.contains(_FLOAT_NOISE) & (text.str.len_bytes() >= 17)
            rounded = text.cast(pl.Float64, strict=False).round_sig_figs(15).cast(pl.String)
            text = (
                pl.when(noisy & ~rounded.str.contains("e", literal=True))
                .then(rounded)
                .otherwise(text)
            )
        if integral or noise:
            text = text.str.replace(_INTEGRAL_FLOAT, "${1}")
        if column in cells:
            text = pl.when(pl.lit(cells[column])).then(text).otherwise(pl.col(column))
        updates.append(text.alias(column))
    return raw.with_columns(updates) if updates else raw


def _blank_to_null(frame: pl.DataFrame) -> pl.DataFrame:
    """Empty and whitespace-only text cells become null."""
    text = pl.all()
    return frame.with_columns(pl.when(~text.str.contains(r"^\s*$")).then(text).name.keep())


def _empty_non_text() -> pl.DataFrame:
    return pl.DataFrame(schema=_NON_TEXT_SCHEMA)


# ---------------------------------------------------------------------------- excel


def _read_excel(
    path: Path,
    fmt: Format,
    sheet: str | int | None,
    known: _Known,
    id_keys: set[str],
    formulas: Mapping[str, SheetNotes],
) -> RawTable:
    """Read an xlsx or xls sheet as text; list non-text cells of the ID columns.

    Without a chosen ``sheet``, an empty first sheet or one without the header is
    passed over for the next visible sheet that has it (data is often on sheet 2,
    behind an instructions sheet).
    """
    name = path.name
    try:
        reader = fastexcel.read_excel(path)
        sheet_names = reader.sheet_names
    except Exception:
        raise _damaged(name, fmt) from None
    sheet_name = _choose_sheet(path, fmt, sheet_names, sheet)
    if sheet is not None:
        return _read_sheet(path, fmt, reader, sheet_name, known, id_keys, formulas)
    try:
        return _read_sheet(path, fmt, reader, sheet_name, known, id_keys, formulas)
    except _NoData as first:
        others = [n for n in _visible_sheets(path, fmt, sheet_names) if n != sheet_name]
        errors = [first]
        for other in others:
            try:
                return _read_sheet(path, fmt, reader, other, known, id_keys, formulas)
            except _NoData as error:
                errors.append(error)
        if not others:
            raise
        looked = "、".join(f"「{n}」" for n in [sheet_name, *others])
        headerless = [e for e in errors if not e.empty]
        if not headerless:
            raise UnusableInputError(
                f"文件「{name}」的工作表 {looked} 都是空的。提示：请确认选对了文件。"
            ) from None
        raise UnusableInputError(f"{headerless[0]}（已查看工作表 {looked}。）") from None


class _NoData(UnusableInputError):
    """A sheet that is empty or has no header row: the next sheet may have it."""

    def __init__(self, message: str, *, empty: bool) -> None:
        super().__init__(message)
        self.empty = empty


def _read_sheet(
    path: Path,
    fmt: Format,
    reader: fastexcel.ExcelReader,
    sheet_name: str,
    known: _Known,
    id_keys: set[str],
    formulas: Mapping[str, SheetNotes],
) -> RawTable:
    """Read one sheet of an opened workbook (see :func:`_read_excel`)."""
    name = path.name
    proven_text: set[int] = set()  # absolute columns proven to hold text cells only
    loaded = None
    if fmt == "xlsx" and id_keys:
        guessed = _guess_id_columns(path, sheet_name, known, id_keys)
        if guessed:
            loaded = _load_sheet(reader, sheet_name, name, fmt, infer=guessed)
            if loaded is not None:
                proven_text = guessed
    if loaded is None:
        loaded = _load_sheet(reader, sheet_name, name, fmt, infer=set())
    if loaded is None:  # pragma: no cover - a string load does not infer anything
        raise _damaged(name, fmt)
    raw_text, absolute, sheet_height = loaded

    if raw_text.height != sheet_height:
        raise _row_count_error(name, sheet_name, raw_text.height, sheet_height)
    head = _nonblank_head(raw_text)
    if not head:
        raise _NoData(
            f"文件「{name}」的工作表「{sheet_name}」是空的。提示：请确认选对了工作表。", empty=True
        )
    header_index = _find_header(head, known)
    if header_index is None:
        raise _NoData(str(_no_header_error(name, known)), empty=False)
    raw, tidied = _tidy_typed_cells(
        path, reader, sheet_name, raw_text, absolute, header_index, name
    )
    frame, headers, kept, blank_rows = _assemble(
        raw,
        header_index=header_index,
        column_numbers=[a + 1 for a in absolute],
        first_row_number=1,
    )
    names = [c for c in frame.columns if c != ROW_COLUMN]
    formula_cells, hidden_rows = _formula_cells(
        path, sheet_name, formulas, absolute, kept, names, header_index
    )
    id_positions = [
        (position, column)
        for position, column, text in zip(kept, names, headers, strict=True)
        if header_key(text) in id_keys
    ]
    to_check = [(p, c) for p, c in id_positions if absolute[p] not in proven_text]
    non_text = _empty_non_text()
    if to_check:
        non_text = _non_text_cells(
            path, sheet_name, raw_text, absolute, to_check, header_index, name
        )
    return RawTable(
        frame=frame,
        headers=headers,
        header_row=header_index + 1,
        sheet=sheet_name,
        format=fmt,
        encoding=None,
        rows_read=frame.height,
        blank_rows=blank_rows,
        non_text_cells=non_text,
        formula_cells=formula_cells,
        hidden_rows=tuple(frame.filter(pl.col(ROW_COLUMN).is_in(hidden_rows))[ROW_COLUMN]),
        tidied_cells={
            names[i]: tidied[raw.columns[p]] for i, p in enumerate(kept) if raw.columns[p] in tidied
        },
    )


def _formula_cells(
    path: Path,
    sheet_name: str,
    formulas: Mapping[str, SheetNotes],
    absolute: list[int],
    kept: list[int],
    names: list[str],
    header_index: int,
) -> tuple[pl.DataFrame, list[int]]:
    """The data cells that are formulas saved without a value, and the hidden data rows."""
    empty = pl.DataFrame(schema={ROW_COLUMN: pl.Int64, "header": pl.String})
    if not formulas:
        return empty, []
    try:
        with zipfile.ZipFile(path) as archive:
            sheets = _xlsx_sheets(archive)
    except Exception:  # the workbook part was readable to calamine; be safe anyway
        sheets = []
    member = next((m for n, m, _shown in sheets if n == sheet_name), "")
    notes = formulas.get(member)
    if notes is None:
        return empty, []
    name_at = {absolute[p]: name for p, name in zip(kept, names, strict=True)}
    found = sorted(
        (row + 1, name_at[column])
        for row, column in notes.formulas
        if row > header_index and column in name_at
    )
    hidden = sorted(row + 1 for row in notes.hidden_rows if row > header_index)
    if not found:
        return empty, hidden
    return pl.DataFrame(found, schema=empty.schema, orient="row"), hidden


def _tidy_typed_cells(
    path: Path,
    reader: fastexcel.ExcelReader,
    sheet_name: str,
    raw_text: pl.DataFrame,
    absolute: list[int],
    header_index: int,
    name: str,
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Tidy the text of number and date cells below the header; leave text cells be.

    A text cell typed as ``10.0`` or ``2019-04-01 00:00:00`` stays byte for byte.
    Only columns where tidying would change something are looked at: fastexcel's
    strict inference over the rows below the header proves a column all text (left
    alone) or all numbers/dates (tidied); a mixed column is settled cell by cell
    with python-calamine.
    """
    body_start = header_index + 1
    tidied = _tidy_numeric_text(raw_text.slice(body_start))
    changed = [
        position
        for position, column in enumerate(raw_text.columns)
        if not tidied[column].equals(raw_text[column].slice(body_start), null_equal=True)
    ]
    if not changed:
        return raw_text, {}
    infer = {absolute[p] for p in changed}
    numbers: list[int] = []
    try:
        dtypes: dict[str | int, fastexcel.DType] = {
            index: "string" for index in range(_EXCEL_MAX_COLUMNS) if index not in infer
        }
        proof = reader.load_sheet(
            sheet_name,
            header_row=None,
            skip_rows=body_start,
            dtypes=dtypes,
            schema_sample_rows=None,
            dtype_coercion="strict",
            whitespace_as_null=True,
        )
        frame = proof.to_polars()
        by_absolute = {c.absolute_index: c.name for c in proof.selected_columns}
        if not isinstance(frame, pl.DataFrame) or frame.height != tidied.height:
            raise ValueError("rows do not line up")
        mixed: list[int] = []
        for p in changed:
            dtype = frame.schema.get(by_absolute.get(absolute[p], ""), pl.String())
            if dtype != pl.String:
                numbers.append(p)
    except Exception:
        numbers, mixed = [], changed
    columns = raw_text.columns
    cells: dict[str, pl.Series] = {}
    if mixed:
        non_text = _non_text_positions(path, sheet_name, absolute, mixed, name, raw_text.height)
        for p, rows in non_text.items():
            flags = pl.Series([False] * raw_text.height)
            cells[columns[p]] = flags.scatter(rows, True) if rows else flags
    body = raw_text.slice(body_start)
    wanted = [columns[p] for p in numbers] + list(cells)
    cut = {c: flags.slice(body_start) for c, flags in cells.items()}
    tidy_body = _tidy_numeric_text(body, wanted, cut)
    counts = (
        tidy_body.select(
            (pl.col(c) != body[c]).fill_null(False).sum().alias(c) for c in wanted
        ).row(0, named=True)
        if wanted
        else {}
    )
    counted = {c: int(n) for c, n in counts.items() if n}
    whole = pl.concat([raw_text.head(body_start), tidy_body]) if body_start else tidy_body
    return whole, counted


def _non_text_positions(
    path: Path, sheet_name: str, absolute: list[int], positions: list[int], name: str, height: int
) -> dict[int, list[int]]:
    """The 0-based rows of the non-text cells of the columns at ``positions``."""
    found: dict[int, list[int]] = {p: [] for p in positions}
    try:
        with python_calamine.CalamineWorkbook.from_path(path) as workbook:
            sheet = workbook.get_sheet_by_name(sheet_name)
            first_row, first_column = sheet.start or (0, 0)
            offsets = [(absolute[p] - first_column, p) for p in positions]
            count = 0
            for index, cells in enumerate(sheet.iter_rows()):
                count += 1
                for offset, position in offsets:
                    if offset < len(cells) and type(cells[offset]) is not str:
                        found[position].append(index)
    except Exception:
        raise UnusableInputError(
            f"文件「{name}」的工作表「{sheet_name}」无法逐格检查单元格类型。{_HINT_RESAVE}"
        ) from None
    # as in _non_text_cells: rows are counted from the sheet's first row, or shifted
    shift = 0 if count == height else first_row
    if count + shift != height:
        raise _row_count_error(name, sheet_name, height, count)
    return {p: [row + shift for row in rows] for p, rows in found.items()}


def _damaged(name: str, fmt: str) -> UnusableInputError:
    return UnusableInputError(
        f"文件「{name}」已损坏或不是有效的 {fmt} 文件，无法读取。{_HINT_RESAVE}"
    )


def _row_count_error(name: str, sheet: str, got: int, expected: int) -> UnusableInputError:
    return UnusableInputError(
        f"文件「{name}」的工作表「{sheet}」读出 {got} 行，但工作表实际有 {expected} 行，"
        f"为避免漏行已停止读取。{_HINT_RESAVE}"
    )


def _choose_sheet(path: Path, fmt: str, names: list[str], sheet: str | int | None) -> str:
    """Resolve ``sheet`` to a sheet name; default the first visible worksheet."""
    listing = "、".join(f"「{n}」" for n in names)
    if not names:
        raise UnusableInputError(f"文件「{path.name}」中没有工作表。{_HINT_RESAVE}")
    if sheet is None:
        return _first_visible_sheet(path, fmt, names)
    if isinstance(sheet, int):
        if 0 <= sheet < len(names):
            return names[sheet]
        raise UnusableInputError(
            f"文件「{path.name}」只有 {len(names)} 个工作表（{listing}），没有第 {sheet + 1} 个。"
        )
    if sheet in names:
        return sheet
    for candidate in names:
        if header_key(candidate) == header_key(sheet):
            return candidate
    raise UnusableInputError(
        f"文件「{path.name}」中没有名为「{sheet}」的工作表。提示：现有工作表为 {listing}。"
    )


def _first_visible_sheet(path: Path, fmt: str, names: list[str]) -> str:
    """The first sheet that is a visible worksheet, else the first sheet."""
    return next(iter(_visible_sheets(path, fmt, names)), names[0])


def _visible_sheets(path: Path, fmt: str, names: list[str]) -> list[str]:
    """The visible worksheets, in workbook order (none if that cannot be told)."""
    try:
        if fmt == "xlsx":
            with zipfile.ZipFile(path) as archive:
                visible = [n for n, _member, shown in _xlsx_sheets(archive) if shown]
        else:
            with python_calamine.CalamineWorkbook.from_path(path) as workbook:
                visible = [
                    meta.name
                    for meta in workbook.sheets_metadata
                    if meta.visible == python_calamine.SheetVisibleEnum.Visible
                    and meta.typ == python_calamine.SheetTypeEnum.WorkSheet
                ]
    except Exception:
        visible = []
    return [n for n in visible if n in names]


def _load_sheet(
    reader: fastexcel.ExcelReader, sheet_name: str, name: str, fmt: str, *, infer: set[int]
) -> tuple[pl.DataFrame, list[int], int] | None:
    """Load every row of a sheet (blank rows too) with fastexcel.

    With ``infer`` empty every column is read as text. Otherwise the absolute columns
    in ``infer`` get strict type inference over all rows and the rest are text; the
    result is None unless every inferred column came back as pure ``String``.

    Returns:
        The frame (positional ``String`` columns; row ``i`` is sheet row ``i + 1``),
        each column's absolute index, and the sheet's total height as calamine
        reports it (rows 1 to the last used row).
    """
    try:
        if infer:
            dtypes: dict[str | int, fastexcel.DType] = {
                index: "string" for index in range(_EXCEL_MAX_COLUMNS) if index not in infer
            }
            loaded = reader.load_sheet(
                sheet_name,
                header_row=None,
                skip_rows=0,
                dtypes=dtypes,
                schema_sample_rows=None,
                dtype_coercion="strict",
                whitespace_as_null=True,
            )
        else:
            loaded = reader.load_sheet(
                sheet_name, header_row=None, skip_rows=0, dtypes="string", whitespace_as_null=True
            )
        frame = loaded.to_polars()
        absolute = [column.absolute_index for column in loaded.selected_columns]
        height = loaded.total_height
    except Exception:
        if infer:  # mixed cell types (or anything else): the caller reads all as text
            return None
        raise _damaged(name, fmt) from None
    if not isinstance(frame, pl.DataFrame):  # pragma: no cover - fastexcel returns frames
        raise _damaged(name, fmt)
    for column, dtype in frame.schema.items():
        if dtype == pl.Null:
            frame = frame.with_columns(pl.col(column).cast(pl.String))
        elif dtype != pl.String:
            return None
    return frame, absolute, height


def _non_text_cells(
    path: Path,
    sheet_name: str,
    raw_text: pl.DataFrame,
    absolute: list[int],
    columns: list[tuple[int, str]],
    header_index: int,
    name: str,
) -> pl.DataFrame:
    """List the non-text cells of ``columns`` below the header, with python-calamine.

    This is the one per-row Python loop of the reader: calamine's cell types are
    only visible cell by cell. It also reconciles the row count with fastexcel's.
    """
    rows: list[int] = []
    positions: list[int] = []
    kinds: list[str] = []
    try:
        with python_calamine.CalamineWorkbook.from_path(path) as workbook:
            sheet = workbook.get_sheet_by_name(sheet_name)
            first_row, first_column = sheet.start or (0, 0)
            offsets = [(absolute[p] - first_column, p) for p, _column in columns]
            count = 0
            for cells in sheet.iter_rows():
                count += 1
                for offset, position in offsets:
                    if offset < len(cells) and type(cells[offset]) is not str:
                        rows.append(count - 1)
                        positions.append(position)
                        kinds.append(_cell_type(cells[offset]))
    except Exception:
        raise UnusableInputError(
            f"文件「{name}」的工作表「{sheet_name}」无法逐格检查单元格类型。{_HINT_RESAVE}"
        ) from None
    # python-calamine yields rows from the sheet's first row; should it ever start at
    # the first used row instead, shift by that row so both readers still line up
    shift = 0 if count == raw_text.height else first_row
    if count + shift != raw_text.height:
        raise _row_count_error(name, sheet_name, raw_text.height, count)
    found = pl.DataFrame(
        {"index": rows, "position": positions, "cell_type": kinds},
        schema={"index": pl.Int64, "position": pl.Int64, "cell_type": pl.String},
    ).with_columns(pl.col("index") + shift)
    found = found.filter(pl.col("index") > header_index)
    names = dict(columns)
    parts = [
        group.select(
            (pl.col("index") + 1).alias(ROW_COLUMN),
            pl.lit(names[position], dtype=pl.String).alias("header"),
            raw_text.to_series(position).gather(group["index"]).alias("value"),
            "cell_type",
        )
        for (position,), group in found.group_by("position", maintain_order=True)
    ]
    if not parts:
        return _empty_non_text()
    return pl.concat(parts).sort(ROW_COLUMN, maintain_order=True).cast(_NON_TEXT_SCHEMA)


def _cell_type(value: object) -> str:
    """The type name of a non-text calamine cell value."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    if isinstance(value, dt.timedelta):
        return "duration"
    return type(value).__name__


# ------------------------------------------------------------------ xlsx header peek


def _local(tag: str) -> str:
    """An XML tag or attribute name without its namespace."""
    return tag.rpartition("}")[2]


def _xlsx_sheets(archive: zipfile.ZipFile) -> list[tuple[str, str, bool]]:
    """(name, zip member, visible worksheet?) of each sheet, in workbook order."""
    workbook = ET.fromstring(archive.read("xl/workbook.xml"))
    relations = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {
        rel.get("Id"): (rel.get("Target") or "", rel.get("Type") or "")
        for rel in relations
        if _local(rel.tag) == "Relationship"
    }
    sheets = []
    for element in workbook.iter():
        if _local(element.tag) != "sheet":
            continue
        rel_id = next(
            (v for k, v in element.attrib.items() if k.startswith("{") and _local(k) == "id"), None
        )
        target, kind = targets.get(rel_id, ("", ""))
        member = (
            target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
        )
        shown = element.get("state", "visible") == "visible" and kind.endswith("/worksheet")
        sheets.append((element.get("name") or "", member, shown))
    return sheets


def _column_index(reference: str) -> int:
    """The 0-based column of a cell reference such as ``AB12``."""
    index = 0
    for char in reference:
        if not char.isalpha():
            break
        index = index * 26 + (ord(char.upper()) - 64)
    return index - 1


def _rich_text(element: ET.Element) -> str:
    """The text of an ``<si>`` or ``<is>`` element (runs joined, phonetics left out)."""
    parts = []
    for child in element:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


def _peek_xlsx(path: Path, sheet_name: str) -> list[tuple[int, dict[int, str]]]:
    """The top non-blank rows of an xlsx sheet, parsed from its XML without reading more.

    Returns:
        ``(row index, {absolute column index: text})`` for up to
        :data:`HEADER_SCAN_ROWS` non-blank rows.
    """
    with zipfile.ZipFile(path) as archive:
        member = next(m for n, m, _shown in _xlsx_sheets(archive) if n == sheet_name)
        rows: list[tuple[int, dict[int, tuple[str, str]]]] = []
        row_index = -1
        with archive.open(member) as stream:
            for _event, element in ET.iterparse(stream, events=("end",)):
                if _local(element.tag) != "row":
                    continue
                reference = element.get("r")
                row_index = int(reference) - 1 if reference else row_index + 1
                cells: dict[int, tuple[str, str]] = {}
                column = -1
                for cell in element:
                    if _local(cell.tag) != "c":
                        continue
                    cell_ref = cell.get("r")
                    column = _column_index(cell_ref) if cell_ref else column + 1
                    kind = cell.get("t", "n")
                    if kind == "inlineStr":
                        inline = next((c for c in cell if _local(c.tag) == "is"), None)
                        text = _rich_text(inline) if inline is not None else ""
                    else:
                        value = next((c for c in cell if _local(c.tag) == "v"), None)
                        text = (value.text or "") if value is not None else ""
                    cells[column] = (kind, text)
                element.clear()
                if any(text.strip() for _kind, text in cells.values()):
                    rows.append((row_index, cells))
                if len(rows) >= HEADER_SCAN_ROWS or row_index > _PEEK_MAX_SHEET_ROWS:
                    break
        shared = _shared_strings(
            archive, {int(t) for _r, cells in rows for k, t in cells.values() if k == "s"}
        )
    return [
        (r, {c: shared.get(int(t), "") if k == "s" else t for c, (k, t) in cells.items()})
        for r, cells in rows
    ]


def _shared_strings(archive: zipfile.ZipFile, wanted: set[int]) -> dict[int, str]:
    """The shared strings with the ``wanted`` indices, reading no further than needed."""
    if not wanted:
        return {}
    member = "xl/sharedStrings.xml"
    found: dict[int, str] = {}
    last = max(wanted)
    index = -1
    with archive.open(member) as stream:
        for _event, element in ET.iterparse(stream, events=("end",)):
            if _local(element.tag) != "si":
                continue
            index += 1
            if index in wanted:
                found[index] = _rich_text(element)
            element.clear()
            if index >= last:
                break
    return found


def _guess_id_columns(path: Path, sheet_name: str, known: _Known, id_keys: set[str]) -> set[int]:
    """Absolute columns of the ID headers, from a peek at the top of the sheet.

    The peek is only an optimisation: any failure gives an empty set, and the caller
    verifies the guess against the loaded sheet.
    """
    try:
        peek = _peek_xlsx(path, sheet_name)
    except Exception:
        return set()
    ordered = [(r, [cells[c] for c in sorted(cells)]) for r, cells in peek]
    header = _find_header(ordered, known)
    cells = next((c for r, c in peek if r == header), {})
    return {column for column, text in cells.items() if header_key(text) in id_keys}


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
