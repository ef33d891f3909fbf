"""The table a batch file is read into (:class:`RawTable`) and how its header row is found.

Shared by the readers of :mod:`sbbatch.io.read`: the constants, the header search
(the top non-blank row that matches the most known headers), the column names it
gives and the tidying of number and date text.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from sbbatch.exceptions import UnusableInputError
from sbbatch.spec import header_key

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
