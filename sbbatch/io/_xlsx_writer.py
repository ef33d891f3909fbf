"""The xlsx writer of sbbatch: workbooks, formats, columns and tables (see :mod:`sbbatch.io.xlsx`)."""

from __future__ import annotations

import functools
import math
import re
import threading
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter
import xlsxwriter.workbook
from xlsxwriter.exceptions import FileCreateError

from sbbatch import _progress
from sbbatch._files import atomic_path
from sbbatch._money import yuan_decimal_expr
from sbbatch.exceptions import UnusableInputError
from sbbatch.io._xlsx_sheetdata import can_write_fast, write_rows_fast

#: Outputs with more data rows than this are streamed (xlsxwriter ``constant_memory``).
CONSTANT_MEMORY_ROWS = 50_000

#: Rows of one Excel worksheet, header included.
EXCEL_MAX_ROWS = 1_048_576

#: Rows of a template that get the data validations (drop-downs, input messages).
TEMPLATE_ROWS = 5_000

#: Characters shown two digits wide (CJK ideographs, kana, hangul, full-width forms).
_WIDE_CHARS = (
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
    "\U00020000-\U0003fffd]"
)

_MIN_WIDTH = 6.0
_PAGE_WIDTH = 150.0  # width units printed on one A4 landscape page before shrinking
_LINE_HEIGHT = 15.0  # points per line of 11-point text
_FONT = "等线"  # DengXian: the default font of Chinese Excel (2016 and later)
_MAX_WIDTH = 60.0
_EXCEL_EPOCH = date(1899, 12, 30)
_FIRST_SAFE_DATE = date(1900, 3, 1)  # Excel's serials before this count a 1900-02-29
_LARGEST_EXACT_INT = 10**15  # Excel keeps 15 significant digits

# Colours: Excel's own "light red fill with dark red text" and "yellow fill with dark
# yellow text" conditional-format presets, so they read as Excel's usual warnings.
_REJECT_FILL = "#FFC7CE"
_REJECT_FONT = "#9C0006"
_WARN_FILL = "#FFEB9C"
_WARN_FONT = "#9C5700"
_HEADER_FILL = "#D9E1F2"
_REQUIRED_FONT = "#C00000"

_TEXT = "@"
_DATE = "yyyy-mm-dd"
_DATETIME = "yyyy-mm-dd hh:mm:ss"
_MONEY = "#,##0.00"
_MONEY_ENTRY = "0.00"

_DATA_SHEET_NOTE = "浅红色单元格：不通过；黄色单元格：提示。"


def display_width(expr: pl.Expr) -> pl.Expr:
    """Return how many Latin digits wide each text is: a CJK character counts as 2.

    Examples:
        >>> import polars as pl
        >>> pl.DataFrame({"s": ["张三", "ab", "城镇（非农业户口）", None]}).select(
        ...     display_width(pl.col("s"))
        ... ).to_series().to_list()
        [4, 2, 18, None]
    """
    text = expr.cast(pl.String)
    return (text.str.len_chars() + text.str.count_matches(_WIDE_CHARS)).cast(pl.Int64)


def text_width(text: str) -> int:
    """Return the display width of one text (CJK characters count as 2).

    Examples:
        >>> text_width("身份证号码"), text_width("No.")
        (10, 3)
    """
    return len(text) + len(_WIDE_CHAR.findall(text))  # as display_width, without a query


#: :data:`_WIDE_CHARS` for Python's ``re``: :func:`text_width` measures the headers and
#: examples of every sheet one text at a time (about 900 texts in ``sbbatch demo``),
#: where a polars query per text cost 0.2 ms each.
_WIDE_CHAR = re.compile(_WIDE_CHARS)


# --------------------------------------------------------------------------- workbook


def _excel_text(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` UTF-16 code units (Excel's length unit), with an ellipsis."""
    if len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    out = ""
    for char in text:
        if (len((out + char).encode("utf-16-le")) // 2) > limit - 1:
            break
        out += char
    return out + "…"


def _sheet_name(name: str) -> str:
    """Return a valid worksheet name: no ``[]:*?/\\``, at most 31 characters."""
    cleaned = "".join("_" if char in "[]:*?/\\" else char for char in name).strip("'")
    return _excel_text(cleaned or "Sheet1", 31)


@contextmanager
def open_workbook(path: str | Path, *, rows: int = 0) -> Iterator[Any]:
    """Create an xlsx workbook that never turns text into formulas, numbers or links.

    Args:
        path: The file to write; it is replaced when it exists.
        rows: The number of data rows the largest sheet will get. Above
            :data:`CONSTANT_MEMORY_ROWS` the workbook streams rows to disk
            (``constant_memory``): every sheet must then be written top to bottom,
            row by row — a row, once left, cannot be written again.

    Yields:
        The ``xlsxwriter.Workbook``. It is closed (the file written) when the block
        ends without an exception; after an exception no file is written.

    Raises:
        UnusableInputError: The file cannot be created (e.g. it is open in Excel).
    """
    if rows + 1 > EXCEL_MAX_ROWS:
        msg = (
            f"共 {rows:,} 行，超过 Excel 一个工作表最多 {EXCEL_MAX_ROWS:,} 行的上限。"
            "提示：请分成多个文件，或改存为 csv / parquet。"
        )
        raise UnusableInputError(msg)
    try:
        with (
            atomic_path(path) as part,  # written beside the target, renamed when whole
            _progress.task(f"正在写出 {Path(path).name}（{rows:,} 行）"),
        ):
            workbook = xlsxwriter.Workbook(
                str(part),
                {
                    "default_format_properties": {"font_name": _FONT, "font_size": 11},
                    "strings_to_formulas": False,
                    "strings_to_numbers": False,
                    "strings_to_urls": False,
                    "constant_memory": rows > CONSTANT_MEMORY_ROWS,
                    "nan_inf_to_errors": True,
                },
            )
            yield workbook  # after an exception the workbook is never closed: nothing written
            with _quick_zip():
                workbook.close()
    except (FileCreateError, OSError) as error:
        msg = f"无法写入文件 {path}：{error}。提示：若该文件正在 Excel 中打开，请先关闭；并确认文件夹存在且可写。"
        raise UnusableInputError(msg) from error


_ZIP_LOCK = threading.Lock()


@contextmanager
def _quick_zip() -> Iterator[None]:
    """Let xlsxwriter pack the file with zlib level 1 instead of 6.

    Packing is the biggest single cost of a big report after the rows (measured on a
    100,000 × 22 report: level 6 about 2.5 s CPU, level 1 well under half that, the file
    about a fifth larger). xlsxwriter has no option for the level, so its ``ZipFile``
    is swapped for the duration of ``close()`` (under a lock: one writer at a time).
    """
    with _ZIP_LOCK:
        original = xlsxwriter.workbook.ZipFile
        xlsxwriter.workbook.ZipFile = functools.partial(zipfile.ZipFile, compresslevel=1)
        try:
            yield
        finally:
            xlsxwriter.workbook.ZipFile = original


class _Styles:
    """The formats of one workbook, created once each."""

    def __init__(self, workbook: Any) -> None:
        self._workbook = workbook
        self._cache: dict[tuple[Any, ...], Any] = {}

    def get(
        self,
        num_format: str | None = None,
        *,
        level: str | None = None,
        bold: bool = False,
        color: str | None = None,
        fill: str | None = None,
        wrap: bool = False,
        size: int | None = None,
        border: bool = False,
        align: str | None = None,
    ) -> Any:
        """Return the format with these properties, created on first use."""
        key = (num_format, level, bold, color, fill, wrap, size, border, align)
        if key not in self._cache:
            props: dict[str, Any] = {"valign": "vcenter"}
            if num_format:
                props["num_format"] = num_format
            if level == "reject":
                props.update(bg_color=_REJECT_FILL, font_color=_REJECT_FONT)
            elif level == "warn":
                props.update(bg_color=_WARN_FILL, font_color=_WARN_FONT)
            if fill:
                props["bg_color"] = fill
            if color:
                props["font_color"] = color
            if bold:
                props["bold"] = True
            if wrap:
                props["text_wrap"] = True
            if size:
                props["font_size"] = size
            if align:
                props["align"] = align
            if border:
                props["border"] = 1
                props["border_color"] = "#A6A6A6"
            self._cache[key] = self._workbook.add_format(props)
        return self._cache[key]


# ------------------------------------------------------------------------- columns


@dataclass
class _Prepared:
    """One output column: Python values ready for xlsxwriter, and how to write them."""

    header: str
    values: list[Any] | pl.Series  # a Series where the column has one type (no to_list)
    num_format: str | None
    column_format: str | None
    width: float
    header_color: str | None = None
    wrap: bool = False
    align: str | None = None


def _excel_serial(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Excel's day number of a Date/Datetime, or null where Excel cannot show it."""
    if dtype == pl.Date:
        day = expr
        serial = (expr - pl.lit(_EXCEL_EPOCH)).dt.total_days().cast(pl.Float64)
    else:
        day = expr.dt.date()
        micros = expr.dt.replace_time_zone(None) - pl.lit(_EXCEL_EPOCH).cast(pl.Datetime("us"))
        serial = micros.dt.total_microseconds().cast(pl.Float64) / 86_400_000_000
    return pl.when(day >= pl.lit(_FIRST_SAFE_DATE)).then(serial)


def _width(series: pl.Series, header: str, *, minimum: float = 0) -> float:
    """Column width for the texts of ``series`` and its header (CJK counted as 2)."""
    longest = series.to_frame("v").select(display_width(pl.col("v")).max()).item()
    content = float(longest or 0)
    head = text_width(header) * 1.1  # bold header
    return min(max(content, head, minimum, _MIN_WIDTH - 2) + 2, _MAX_WIDTH)


def _prepare_column(
    series: pl.Series,
    header: str,
    *,
    text: bool = False,
    date_: bool = False,
    money: bool = False,
    month: bool = False,
    money_format: str = _MONEY,
) -> _Prepared:
    """Turn one frame column into values and formats, by its dtype and role."""
    dtype = series.dtype
    name = series.name
    frame = series.to_frame()
    col = pl.col(name)
    if money:
        if dtype.is_integer():
            yuan = frame.select(yuan_decimal_expr(col)).to_series()
        elif isinstance(dtype, pl.Decimal):
            yuan = series
        elif dtype == pl.String:  # text as entered: kept verbatim
            return _prepare_column(series, header, text=True)
        else:
            msg = f"money column {name!r} must hold integer fen or Decimal yuan, not {dtype}"
            raise TypeError(msg)
        shown = frame.select(
            pl.lit(yuan).cast(pl.Float64).abs().round(0).cast(pl.Int64).cast(pl.String)
        ).to_series()
        # digits + thousands separators + ".00" + sign
        longest = shown.str.len_chars().max()
        digits = int(longest) if isinstance(longest, int) else 1
        width = min(
            max(digits + (digits - 1) // 3 + 4, text_width(header) * 1.1, 8) + 2, _MAX_WIDTH
        )
        return _Prepared(header, yuan, money_format, money_format, width)
    if month and dtype in (pl.Date, pl.Datetime):
        return _prepare_column(
            frame.select(col.dt.strftime("%Y-%m")).to_series(), header, text=True
        )
    if dtype == pl.Date or isinstance(dtype, pl.Datetime) or (date_ and dtype == pl.String):
        if dtype == pl.String:
            parsed = frame.select(col.str.strip_chars().str.to_date("%Y-%m-%d", strict=False))
            serial = parsed.select(_excel_serial(pl.col(name), pl.Date())).to_series()
            iso = series
        else:
            serial = frame.select(_excel_serial(col, dtype)).to_series()
            iso = frame.select(
                col.dt.strftime("%Y-%m-%d" if dtype == pl.Date else "%Y-%m-%d %H:%M:%S")
            ).to_series()
        values = frame.select(
            pl.when(serial.is_not_null()).then(None).otherwise(pl.lit(iso)).alias("text")
        ).to_series()
        mixed = [
            s if t is None else t for s, t in zip(serial.to_list(), values.to_list(), strict=True)
        ]
        fmt = _DATE if dtype in (pl.Date, pl.String) else _DATETIME
        minimum = 10 if fmt == _DATE else 19
        return _Prepared(header, mixed, fmt, fmt, _width(iso, header, minimum=minimum))
    if dtype == pl.Boolean:
        series = frame.select(
            pl.when(col).then(pl.lit("是")).when(~col).then(pl.lit("否"))
        ).to_series()
        return _prepare_column(series, header, text=text)
    if dtype.is_integer():
        too_long = frame.select((col.abs() >= _LARGEST_EXACT_INT).any()).item()
        if text or too_long:
            return _prepare_column(series.cast(pl.String), header, text=True)
        return _Prepared(header, series, None, None, _width(series, header))
    if dtype.is_float() or isinstance(dtype, pl.Decimal):
        if text:
            return _prepare_column(series.cast(pl.String), header, text=True)
        return _Prepared(header, series, None, None, _width(series, header))
    if dtype != pl.String:
        cast = series.cast(pl.String) if dtype.is_numeric() or dtype == pl.Null else None
        if cast is None:
            cast = pl.Series(
                name, [None if v is None else str(v) for v in series.to_list()], pl.String
            )
        series = cast
    text_format = _TEXT if text else None
    return _Prepared(header, series, text_format, text_format, _width(series, header))


# ------------------------------------------------------------------------- writing


def _as_list(values: list[Any] | pl.Series) -> list[Any]:
    return values.to_list() if isinstance(values, pl.Series) else values


def _writer(worksheet: Any) -> Callable[[int, int, Any, Any], Any]:
    """Return a function writing one value by its Python type, never guessing from text."""
    write_string = worksheet.write_string
    write_number = worksheet.write_number

    def write(row: int, col: int, value: Any, fmt: Any) -> Any:
        if value.__class__ is str:
            return write_string(row, col, value, fmt)
        return write_number(row, col, value, fmt)

    return write


def _page_setup(
    worksheet: Any, columns: Sequence[_Prepared], header_row: int, *, one_page_wide: bool
) -> None:
    """Print on A4 landscape, at most ~150 width units a page, header on every page."""
    worksheet.set_paper(9)
    worksheet.set_landscape()
    total = sum(column.width for column in columns)
    pages = 1 if one_page_wide else max(1, math.ceil(total / _PAGE_WIDTH))
    worksheet.fit_to_pages(pages, 0)
    worksheet.repeat_rows(header_row)
    worksheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)


def _row_heights(columns: Sequence[_Prepared]) -> dict[int, float]:
    """Heights (points) of the data rows whose wrapped text needs more than one line.

    Excel and LibreOffice do not grow a row for wrapped text everywhere (LibreOffice
    keeps the stored height), so the height is set from the text: a line holds about
    ``width - 1`` digits, a CJK character counting as two.
    """
    lines: pl.Expr | None = None
    frame: dict[str, pl.Series] = {}
    for index, column in enumerate(columns):
        if not column.wrap or not len(column.values):
            continue
        name = f"c{index}"
        frame[name] = pl.Series(name, column.values, dtype=pl.String)
        per_line = max(column.width - 1.5, 1.0)
        parts = pl.col(name).fill_null("").str.split("\n")
        count = (
            parts.list.eval((display_width(pl.element()) / per_line).ceil().clip(1, None))
            .list.sum()
            .cast(pl.Int64)
        )
        lines = count if lines is None else pl.max_horizontal(lines, count)
    if lines is None:
        return {}
    most = pl.DataFrame(frame).select(lines.alias("lines")).with_row_index("row")
    tall = most.filter(pl.col("lines") > 1)
    return {int(row): min(_LINE_HEIGHT * n + 3, 409.0) for row, n in tall.iter_rows()}


def _write_table(
    worksheet: Any,
    styles: _Styles,
    columns: Sequence[_Prepared],
    *,
    first_row: int = 0,
    header_fill: str | None = _HEADER_FILL,
    highlight: Mapping[int, Mapping[int, str]] | None = None,
    freeze_columns: int = 0,
    one_page_wide: bool = False,
) -> int:
    """Write a header row and the data rows below it; return the next free row.

    ``highlight`` maps a data row (0-based) to ``{column index: level}``; those cells
    get the reject (light red) or warn (yellow) fill.
    """
    for index, column in enumerate(columns):
        header_format = styles.get(
            bold=True, color=column.header_color, fill=header_fill, wrap=True, border=True
        )
        column_format = styles.get(column.column_format, wrap=column.wrap)
        worksheet.set_column(index, index, column.width, column_format)
        worksheet.write_string(first_row, index, column.header, header_format)
    worksheet.freeze_panes(first_row + 1, freeze_columns)
    _page_setup(worksheet, columns, first_row, one_page_wide=one_page_wide)
    heights = _row_heights(columns)
    write = _writer(worksheet)
    plain = [styles.get(c.num_format, wrap=c.wrap, align=c.align) for c in columns]
    marked = {
        level: [styles.get(c.num_format, level=level, wrap=c.wrap, align=c.align) for c in columns]
        for level in ("reject", "warn")
    }
    lists = [_as_list(column.values) for column in columns]
    highlight = highlight or {}
    if can_write_fast(worksheet):  # a streamed (big) sheet: rows built by polars
        return write_rows_fast(worksheet, first_row, columns, plain, marked, highlight, heights)
    for offset, values in enumerate(zip(*lists, strict=True)):
        row = first_row + 1 + offset
        if offset in heights:
            worksheet.set_row(row, heights[offset])
        marks = highlight.get(offset)
        if marks is None:
            for index, value in enumerate(values):
                if value is not None:
                    write(row, index, value, plain[index])
        else:
            for index, value in enumerate(values):
                level = marks.get(index)
                fmt = plain[index] if level is None else marked[level][index]
                if value is not None:
                    write(row, index, value, fmt)
                elif level is not None:
                    worksheet.write_blank(row, index, None, fmt)
    return first_row + 1 + (len(lists[0]) if lists else 0)


def _check_names(frame: pl.DataFrame, names: Sequence[str], role: str) -> None:
    missing = [name for name in names if name not in frame.columns]
    if missing:
        msg = f"{role} not in frame: {', '.join(missing)}"
        raise KeyError(msg)


def _highlight_map(
    highlight: pl.DataFrame | None, frame: pl.DataFrame
) -> dict[int, dict[int, str]]:
    """``{row: {column index: level}}`` from a ``row, column, level`` frame; reject wins."""
    if highlight is None or highlight.height == 0:
        return {}
    index = {name: i for i, name in enumerate(frame.columns)}
    marks: dict[int, dict[int, str]] = {}
    for row, column, level in highlight.select("row", "column", "level").iter_rows():
        if row is None or column not in index:
            continue
        cells = marks.setdefault(int(row), {})
        if cells.get(index[column]) != "reject":
            cells[index[column]] = level
    return marks


def write_frame(
    frame: pl.DataFrame,
    path: str | Path,
    *,
    sheet: str = "Sheet1",
    headers: Mapping[str, str] | None = None,
    text_columns: Sequence[str] = (),
    date_columns: Sequence[str] = (),
    money_columns: Sequence[str] = (),
    month_columns: Sequence[str] = (),
    highlight: pl.DataFrame | None = None,
    more_sheets: Mapping[str, pl.DataFrame] | None = None,
) -> Path:
    """Write a frame to an xlsx file: bold frozen header, sized columns.

    Args:
        frame: The rows to write, in order.
        path: The xlsx file to create (replaced when it exists).
        sheet: The worksheet name.
        headers: Header text to show for some columns (e.g. English field → Chinese);
            other columns show their own name.
        text_columns: Columns written as text with the ``@`` format on the whole
            column (IDs, codes): non-string dtypes are turned into text first.
        date_columns: String columns holding ``YYYY-MM-DD`` to write as Excel dates
            (Date and Datetime columns are always dates); text that is not a date
            stays text.
        money_columns: Integer fen columns (or Decimal yuan) shown as yuan, ``#,##0.00``.
        month_columns: Date columns shown as ``YYYY-MM`` text.
        highlight: Cells to fill: columns ``row`` (0-based row of ``frame``),
            ``column`` (a column name of ``frame``) and ``level`` (``"reject"`` → light
            red, ``"warn"`` → yellow).
        more_sheets: Further sheets after the first, by name, each a frame of text
            written as it is (a summary, totals).

    Returns:
        The path written.

    Examples:
        >>> import tempfile, polars as pl, openpyxl
        >>> frame = pl.DataFrame({"id": ["370103198310135672"], "wage": [500069]})
        >>> path = write_frame(frame, tempfile.mkdtemp() + "/a.xlsx",
        ...                    headers={"id": "身份证号码", "wage": "缴费工资"},
        ...                    text_columns=["id"], money_columns=["wage"])
        >>> [c.value for c in openpyxl.load_workbook(path).active[2]]
        ['370103198310135672', 5000.69]
    """
    headers = headers or {}
    for names, role in (
        (text_columns, "text_columns"),
        (date_columns, "date_columns"),
        (money_columns, "money_columns"),
        (month_columns, "month_columns"),
    ):
        _check_names(frame, names, role)
    columns = [
        _prepare_column(
            frame.get_column(name),
            headers.get(name, name),
            text=name in text_columns,
            date_=name in date_columns,
            money=name in money_columns,
            month=name in month_columns,
        )
        for name in frame.columns
    ]
    marks = _highlight_map(highlight, frame)
    # the largest sheet decides: a big further sheet is streamed (and written fast) too
    rows = max([frame.height, *(extra.height for extra in (more_sheets or {}).values())])
    with open_workbook(path, rows=rows) as workbook:
        styles = _Styles(workbook)
        worksheet = workbook.add_worksheet(_sheet_name(sheet))
        _write_table(worksheet, styles, columns, highlight=marks)
        for name, extra in (more_sheets or {}).items():
            extra_columns = [
                _prepare_column(
                    extra.get_column(c), c, text=True, date_=False, money=False, month=False
                )
                for c in extra.columns
            ]
            _write_table(workbook.add_worksheet(_sheet_name(name)), styles, extra_columns)
    return Path(path)
