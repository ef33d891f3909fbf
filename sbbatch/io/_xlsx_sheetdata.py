"""The data rows of a big sheet as XML, built column-wise by polars (the fast path).

xlsxwriter spends about 10 µs of Python per cell; a 100,000 × 22 error report took
80 % of ``check --report`` in it. In ``constant_memory`` mode xlsxwriter keeps the
sheet's ``<row>`` elements in a temporary file and copies it into the sheet when the
workbook closes; this module writes the same elements into that file, built for all
rows at once with polars string expressions, and tells the worksheet which rows and
columns it holds. Everything else — formats, column widths, frozen panes, page set-up,
the other sheets — is still xlsxwriter's.

The cells are the ones xlsxwriter would write: text as inline strings (XML-escaped,
control characters as ``_xHHHH_``, leading/trailing spaces preserved, cut to Excel's
32,767 characters), numbers as ``<v>`` with the exact decimal text, NaN and infinity as
the errors ``#NUM!`` / ``#DIV/0!``, an empty but marked cell as a styled blank. Text is
never a formula: no ``<f>`` element is ever written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from xlsxwriter.utility import _utf16_truncate, xl_col_to_name

__all__ = ["can_write_fast", "write_rows_fast"]

_EXCEL_STRMAX = 32_767  # UTF-16 code units in one cell
_CONTROL = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20))]
_CHUNK = 20_000  # rows built and written at once


def can_write_fast(worksheet: Any) -> bool:
    """Whether ``worksheet`` streams its rows (``constant_memory``) so the fast path applies."""
    return bool(getattr(worksheet, "constant_memory", False)) and hasattr(worksheet, "row_data_fh")


def _escaped(text: pl.Expr, texts: pl.Series) -> pl.Expr:
    """XML text of a cell the way xlsxwriter escapes it (control characters, ``&<>``).

    Each replacement is only planned when some text of the column (``texts``) needs it.
    """
    if texts.str.contains(r"_x[0-9a-fA-F]{4}_").any():
        text = text.str.replace_all(r"(_x[0-9a-fA-F]{4}_)", "_x005F$1")
    if texts.str.contains(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]").any():
        for char in [*_CONTROL, "\ufffe", "\uffff"]:
            text = text.str.replace_all(char, f"_x{ord(char):04X}_", literal=True)
    if texts.str.contains(r"[&<>]").any():
        text = (
            text.str.replace_all("&", "&amp;", literal=True)
            .str.replace_all("<", "&lt;", literal=True)
            .str.replace_all(">", "&gt;", literal=True)
        )
    return text


def _split(values: Sequence[Any] | pl.Series) -> tuple[pl.Series, pl.Series]:
    """The texts and the numbers of one column (each null where the other holds the value)."""
    if isinstance(values, pl.Series):
        if values.dtype == pl.String:
            texts_only = values.alias("t")
            return _cut(texts_only), pl.Series("n", [None] * len(values), dtype=pl.Float64)
        return pl.Series("t", [None] * len(values), dtype=pl.String), values.alias("n")
    texts = [v if v.__class__ is str else None for v in values]
    numbers = [None if v is None or v.__class__ is str else v for v in values]
    number_series = pl.Series("n", numbers, strict=False)
    if number_series.dtype == pl.Null:
        number_series = number_series.cast(pl.Float64)
    return _cut(pl.Series("t", texts, dtype=pl.String)), number_series


def _cut(text_series: pl.Series) -> pl.Series:
    """Texts longer than Excel's 32,767 UTF-16 units cut to it, as xlsxwriter does."""
    longest = text_series.str.len_chars().max()
    if isinstance(longest, int) and longest > _EXCEL_STRMAX // 2:  # rare: cut like xlsxwriter
        text_series = pl.Series(
            "t",
            [
                _utf16_truncate(v, _EXCEL_STRMAX) if v is not None and len(v) > 16_383 else v
                for v in text_series.to_list()
            ],
            dtype=pl.String,
        )
    return text_series


def _number_text(name: str, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr | None]:
    """``<v>`` text of the numbers, and the error text where a float is NaN or infinite."""
    col = pl.col(name)
    if dtype.is_float():
        error = pl.when(col.is_nan()).then(pl.lit("#NUM!")).when(col.is_infinite())
        error_expr = error.then(pl.lit("#DIV/0!"))
        whole = (col == col.round(0)) & (col.abs() < 1e15)
        text = (
            pl.when(whole).then(col.cast(pl.Int64).cast(pl.String)).otherwise(col.cast(pl.String))
        )
        return text, error_expr
    return col.cast(pl.String), None


def write_rows_fast(
    worksheet: Any,
    first_row: int,
    columns: Sequence[Any],
    plain: Sequence[Any],
    marked: Mapping[str, Sequence[Any]],
    highlight: Mapping[int, Mapping[int, str]],
    heights: Mapping[int, float],
) -> int:
    """Write the data rows of a table below ``first_row``; return the next free row.

    Args:
        worksheet: An xlsxwriter worksheet in ``constant_memory`` mode whose rows so
            far end at ``first_row`` (the header row).
        first_row: The header row; data start on the row below.
        columns: The prepared columns (``values`` lists of str / number / None).
        plain: The cell format of each column.
        marked: Per level (``reject``, ``warn``), the cell format of each column.
        highlight: ``{data row: {column: level}}``: cells to mark.
        heights: ``{data row: height in points}`` of rows taller than one line.
    """
    n = len(columns[0].values) if columns else 0
    worksheet._write_single_row(first_row + 1)  # flush the header row (and rows above it)
    if n == 0:
        return first_row + 1
    frame: dict[str, pl.Series] = {
        "_row": pl.Series("_row", range(first_row + 2, first_row + 2 + n)).cast(pl.String)
    }
    marks_by_column: dict[int, dict[int, str]] = {}
    for row, cells in highlight.items():
        for col, level in cells.items():
            marks_by_column.setdefault(col, {})[row] = level
    cell_exprs: list[pl.Expr] = []
    for index, column in enumerate(columns):
        texts, numbers = _split(column.values)
        t, v, lv = f"t{index}", f"n{index}", f"l{index}"
        frame[t] = texts.alias(t)
        frame[v] = numbers.alias(v)
        style: pl.Expr = pl.lit(str(plain[index]._get_xf_index()))
        marks = marks_by_column.get(index)
        if marks:
            level_list: list[str | None] = [None] * n
            for row, level in marks.items():
                if 0 <= row < n:
                    level_list[row] = level
            frame[lv] = pl.Series(lv, level_list, dtype=pl.String)
            style = (
                pl.when(pl.col(lv) == "reject")
                .then(pl.lit(str(marked["reject"][index]._get_xf_index())))
                .when(pl.col(lv) == "warn")
                .then(pl.lit(str(marked["warn"][index]._get_xf_index())))
                .otherwise(style)
            )
        ref = pl.concat_str(pl.lit(f'<c r="{xl_col_to_name(index)}'), pl.col("_row"))
        head = pl.concat_str(ref, pl.lit('" s="'), style, pl.lit('"'))
        text = pl.col(t)
        open_text: pl.Expr = pl.lit(' t="inlineStr"><is><t>')
        if texts.str.contains(r"^\s|\s$").any():
            open_text = (
                pl.when(text.str.contains(r"^\s|\s$"))
                .then(pl.lit(' t="inlineStr"><is><t xml:space="preserve">'))
                .otherwise(open_text)
            )
        string_cell = pl.concat_str(
            head,
            open_text,
            _escaped(text, texts),
            pl.lit("</t></is></c>"),
        )
        number_text, error_e = _number_text(v, numbers.dtype)
        number_cell = pl.concat_str(head, pl.lit("><v>"), number_text, pl.lit("</v></c>"))
        if error_e is not None:
            number_cell = (
                pl.when(error_e.is_not_null())
                .then(pl.concat_str(head, pl.lit(' t="e"><v>'), error_e, pl.lit("</v></c>")))
                .otherwise(number_cell)
            )
        branches: list[tuple[pl.Expr, pl.Expr]] = []
        if texts.null_count() < n:
            branches.append((text.is_not_null(), string_cell))
        if numbers.null_count() < n:
            branches.append((pl.col(v).is_not_null(), number_cell))
        if marks:  # a marked empty cell: a styled blank
            branches.append((pl.col(lv).is_not_null(), pl.concat_str(head, pl.lit("/>"))))
        if not branches:
            continue
        chain: Any = pl.when(branches[0][0]).then(branches[0][1])  # Then, then ChainedThen
        for condition, value in branches[1:]:
            chain = chain.when(condition).then(value)
        cell_exprs.append(chain.otherwise(pl.lit(None, pl.String)))
    row_head = pl.concat_str(pl.lit('<row r="'), pl.col("_row"), pl.lit('"'))
    if heights:
        frame["_ht"] = pl.Series("_ht", [heights.get(i) for i in range(n)], dtype=pl.Float64)
        height = pl.col("_ht")
        row_head = pl.concat_str(
            row_head,
            pl.when(height.is_not_null())
            .then(
                pl.concat_str(pl.lit(' ht="'), height.cast(pl.String), pl.lit('" customHeight="1"'))
            )
            .otherwise(pl.lit("")),
        )
    row_cells = pl.concat_str(cell_exprs, ignore_nulls=True) if cell_exprs else pl.lit("")
    line = pl.concat_str(row_head, pl.lit(">"), row_cells, pl.lit("</row>"))
    data = pl.DataFrame(frame)
    handle = worksheet.row_data_fh
    for start in range(0, n, _CHUNK):
        chunk = data.slice(start, _CHUNK).select(line.alias("xml"))
        handle.write("".join(chunk.get_column("xml").to_list()))
    last = first_row + n
    worksheet._check_dimensions(first_row + 1, 0)
    worksheet._check_dimensions(last, max(len(columns) - 1, 0))
    worksheet.previous_row = last + 1
    return last + 1
