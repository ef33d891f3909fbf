"""Writing xlsx workbooks: frames, batch templates (报盘模板), error reports, results.

Every workbook sbbatch writes is created by :func:`open_workbook`, which switches off
xlsxwriter's guessing: a value that begins with ``=``, ``+``, ``-`` or ``@`` is written
as a text cell, never as a formula; numeric-looking text (``0012345``, an 18-digit ID
number) stays text; and nothing becomes a hyperlink. Files of more than
:data:`CONSTANT_MEMORY_ROWS` rows are streamed row by row (``constant_memory``).

Cell values are decided by the frame's dtypes, not guessed from the text:

- String columns are written with ``write_string``; ``text_columns`` also get the text
  number format ``@`` on the whole column, so what a user types there later stays text.
- Date columns become Excel dates (``yyyy-mm-dd``); dates Excel cannot show (before
  1900-03-01) are written as ISO text instead of being lost.
- Money columns hold integer fen and are written as yuan with two decimals. The number
  is handed to the file as the exact decimal text (``Decimal``), so ``69`` fen is
  stored as ``0.69``, not as the float ``0.6899999999999999``. Money stays a number,
  not text, so a user can still sum it in Excel; the format shows the two decimals.
- Integers of 16 digits or more are written as text: Excel keeps 15 significant
  digits and would silently change them.

Column widths count a Chinese character as two: widths are in Excel's units of one
Latin digit, and a CJK glyph is about two digits wide.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import polars as pl
import xlsxwriter
from xlsxwriter.exceptions import FileCreateError

from sbbatch import codes
from sbbatch._files import atomic_path
from sbbatch.exceptions import UnusableInputError
from sbbatch.io.read import ROW_COLUMN, header_key
from sbbatch.io.xls import write_text_sheet
from sbbatch.present import Spec, present
from sbbatch.spec import LEVEL_LABELS, Column, Declaration

__all__ = [
    "CONSTANT_MEMORY_ROWS",
    "EXCEL_MAX_ROWS",
    "display_width",
    "open_workbook",
    "template_frame",
    "text_width",
    "write_error_report",
    "write_frame",
    "write_result",
    "write_template",
    "write_template_text",
]

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

    Example:
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

    Example:
        >>> text_width("身份证号码"), text_width("No.")
        (10, 3)
    """
    width = pl.select(display_width(pl.lit(text, dtype=pl.String))).item()
    return int(width or 0)


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
        with atomic_path(path) as part:  # written beside the target, renamed when whole
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
            workbook.close()
    except (FileCreateError, OSError) as error:
        msg = f"无法写入文件 {path}：{error}。提示：若该文件正在 Excel 中打开，请先关闭；并确认文件夹存在且可写。"
        raise UnusableInputError(msg) from error


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
    values: list[Any]
    num_format: str | None
    column_format: str | None
    width: float
    header_color: str | None = None
    wrap: bool = False
    align: str | None = None


def _fen_to_yuan(expr: pl.Expr) -> pl.Expr:
    """Integer fen as exact ``Decimal`` yuan with two places (``69`` → ``0.69``)."""
    return (expr.cast(pl.Decimal(38, 0)) * pl.lit(Decimal("0.01"), pl.Decimal(38, 2))).cast(
        pl.Decimal(38, 2)
    )


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
            yuan = frame.select(_fen_to_yuan(col)).to_series()
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
        return _Prepared(header, yuan.to_list(), money_format, money_format, width)
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
        return _Prepared(header, series.to_list(), None, None, _width(series, header))
    if dtype.is_float() or isinstance(dtype, pl.Decimal):
        if text:
            return _prepare_column(series.cast(pl.String), header, text=True)
        return _Prepared(header, series.to_list(), None, None, _width(series, header))
    if dtype != pl.String:
        cast = series.cast(pl.String) if dtype.is_numeric() or dtype == pl.Null else None
        if cast is None:
            cast = pl.Series(
                name, [None if v is None else str(v) for v in series.to_list()], pl.String
            )
        series = cast
    text_format = _TEXT if text else None
    return _Prepared(header, series.to_list(), text_format, text_format, _width(series, header))


# ------------------------------------------------------------------------- writing


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
        if not column.wrap or not column.values:
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
    lists = [column.values for column in columns]
    highlight = highlight or {}
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
    with open_workbook(path, rows=frame.height) as workbook:
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


# ------------------------------------------------------------------------- templates

_FORMAT_TEXT = {
    "id": "文本，18 位身份证号码",
    "name": "文本",
    "text": "文本",
    "phone": "文本，11 位手机号码",
    "month": "文本，年-月，如 {example}",
    "date": "文本，年-月-日，如 {example}",
    "money": "数字，单位元，最多两位小数",
    "code": "从下拉列表选择（也可填代码）",
    "gender": "男 或 女（下拉列表）",
    "int": "整数",
}
_DEFAULT_EXAMPLES = {"month": "2019-04", "date": "2019-04-01"}
_NUMBER_TYPES = frozenset({"money", "int"})

#: Lists longer than this many labels go on the hidden 代码表 sheet.
_INLINE_LIST_MAX = 12
_CODE_SHEET = "代码表"
_GUIDE_SHEET = "填写说明"


def _labels(column: Column) -> list[str]:
    """The labels a code or gender column offers in its drop-down, in table order."""
    if column.type == "gender":
        return ["男", "女"]
    if column.type != "code" or column.code_table is None:
        return []
    labels = codes.table(column.code_table).get_column("label")
    return labels.unique(maintain_order=True).to_list()


def _header_text(column: Column) -> str:
    return f"*{column.header}" if column.required else column.header


def _input_message(column: Column) -> str | None:
    """The message shown when a cell of the column is selected (None: no message)."""
    example = column.example or _DEFAULT_EXAMPLES.get(column.type, "")
    if column.type in ("month", "date"):
        parts = [column.help] if column.help else []
        if "写成" not in column.help:
            parts.append(f"写成 {example}")
        return "；".join(parts)
    if column.type in ("id", "money", "code", "gender") and column.help:
        return column.help
    return None


def _format_text(column: Column) -> str:
    example = column.example or _DEFAULT_EXAMPLES.get(column.type, "")
    text = _FORMAT_TEXT.get(column.type, "文本").format(example=example)
    if column.max_length and column.type in ("name", "text"):
        text += f"，最长 {column.max_length} 字"
    return text


def _note_text(column: Column) -> str:
    parts = [column.help] if column.help else []
    if column.derived_from_id and "身份证" not in column.help:
        parts.append("可不填，按身份证号码自动带出")
    if column.synonyms:
        parts.append("也认列名：" + "、".join(column.synonyms))
    return "；".join(parts)


def template_frame(declaration: Declaration, data: pl.DataFrame | None = None) -> pl.DataFrame:
    """Return ``data`` as the template shows it: Chinese headers, text as a user writes it.

    Every column of the declaration is present, in spec order (missing fields empty);
    columns of ``data`` the declaration does not know are left out. Money becomes
    Decimal yuan (integer fen in ``data``), months ``YYYY-MM``, dates ISO text, codes
    their labels (a value that is no known code is kept as it is, for the check to
    report). String values are kept verbatim.

    Examples:
        >>> import polars as pl
        >>> from datetime import date
        >>> from sbbatch.declarations import get
        >>> rows = pl.DataFrame({"person_id": ["370103198310135672"], "wage_fen": [500069],
        ...                      "month": [date(2019, 3, 1)]})
        >>> template_frame(get("wage_base"), rows).row(0)
        ('370103198310135672', None, Decimal('5000.69'), '2019-03')
    """
    if data is None:
        data = pl.DataFrame()
    out: list[pl.Series] = []
    for column in declaration.columns:
        name = column.header
        if column.field not in data.columns:
            dtype: pl.DataType = pl.Decimal(38, 2) if column.type == "money" else pl.String()
            out.append(pl.Series(name, [None] * data.height, dtype))
            continue
        series = data.get_column(column.field)
        dtype = series.dtype
        col = pl.col(column.field)
        if column.type == "money" and (dtype.is_integer() or isinstance(dtype, pl.Decimal)):
            expr = _fen_to_yuan(col) if dtype.is_integer() else col
        elif column.type == "int" and dtype.is_integer():
            expr = col
        elif dtype == pl.Date or isinstance(dtype, pl.Datetime):
            expr = col.dt.strftime("%Y-%m" if column.type == "month" else "%Y-%m-%d")
        elif column.type in ("code", "gender"):
            key = column.code_table if column.type == "code" else "gender"
            text = col.cast(pl.String)
            expr = codes.to_label(text, key).fill_null(text) if key else text
        else:
            expr = col.cast(pl.String)
        out.append(data.select(expr.alias(name)).to_series())
    return pl.DataFrame(out) if out else pl.DataFrame()


def _code_sheet_ranges(workbook: Any, styles: _Styles, declaration: Declaration) -> dict[str, str]:
    """Write the hidden 代码表 sheet for long lists; return ``{field: range formula}``."""
    long_lists = []
    for column in declaration.columns:
        labels = _labels(column)
        if labels and (len(labels) > _INLINE_LIST_MAX or len(",".join(labels)) > 250):
            long_lists.append((column, labels))
    if not long_lists:
        return {}
    sheet = workbook.add_worksheet(_CODE_SHEET)
    titles = codes.titles()
    ranges: dict[str, str] = {}
    bold = styles.get(_TEXT, bold=True, fill=_HEADER_FILL, border=True)
    text = styles.get(_TEXT)
    for index, (column, labels) in enumerate(long_lists):
        col = 2 * index
        key = column.code_table or ""
        table = codes.table(key).unique("label", keep="last", maintain_order=True)
        code_of = dict(zip(table["label"].to_list(), table["code"].to_list(), strict=True))
        sheet.write_string(0, col, titles.get(key, column.header), bold)
        sheet.write_string(0, col + 1, "代码", bold)
        for row, label in enumerate(labels, start=1):
            sheet.write_string(row, col, label, text)
            sheet.write_string(row, col + 1, code_of.get(label, ""), text)
        sheet.set_column(col, col, max(text_width(label) for label in labels) + 3)
        sheet.set_column(col + 1, col + 1, 8)
        letter = xlsxwriter.utility.xl_col_to_name(col)
        ranges[column.field] = f"='{_CODE_SHEET}'!${letter}$2:${letter}${len(labels) + 1}"
    sheet.hide()
    return ranges


def _add_validations(
    worksheet: Any, declaration: Declaration, ranges: Mapping[str, str], last_row: int
) -> None:
    """Drop-downs for code columns and input messages for IDs, months, dates, money."""
    for index, column in enumerate(declaration.columns):
        options: dict[str, Any] = {}
        labels = _labels(column)
        if labels:
            options.update(
                validate="list",
                source=ranges.get(column.field, labels),
                ignore_blank=True,
                error_type="warning",
                error_title=_excel_text("不在下拉列表中", 32),
                error_message=_excel_text(
                    f"「{column.header}」请从下拉列表中选择；也可填写代码，检查时会识别。"
                    "点「是」保留所填内容。",
                    255,
                ),
            )
        message = _input_message(column)
        if message:
            options.update(
                input_title=_excel_text(column.header, 32),
                input_message=_excel_text(message, 255),
            )
            options.setdefault("validate", "any")
        if options:
            worksheet.data_validation(1, index, last_row, index, options)


def _template_columns(declaration: Declaration, shown: pl.DataFrame) -> list[_Prepared]:
    """The template's columns: text format on every non-number column, red required."""
    prepared = []
    for column in declaration.columns:
        series = shown.get_column(column.header)
        header = _header_text(column)
        if column.type in _NUMBER_TYPES and series.dtype != pl.String:
            money = column.type == "money"
            item = _prepare_column(series, header, money=money, money_format=_MONEY_ENTRY)
        else:
            item = _prepare_column(series.cast(pl.String), header, text=True)
        example = column.example or _DEFAULT_EXAMPLES.get(column.type, "")
        item.width = min(max(item.width, text_width(example) + 2, 8.0), _MAX_WIDTH)
        if column.type in _NUMBER_TYPES and item.num_format is None:
            item.column_format = _MONEY_ENTRY if column.type == "money" else "0"
        elif column.type == "money":
            item.column_format = _MONEY_ENTRY
        item.header_color = _REQUIRED_FONT if column.required else None
        prepared.append(item)
    return prepared


def guide_frame(declaration: Declaration) -> pl.DataFrame:
    """The 填写说明 of a template: 列名, 是否必填, 格式, 可选值, 示例, 说明 per column."""
    rows = [
        {
            "列名": column.header,
            "是否必填": "是" if column.required else "否",
            "格式": _format_text(column),
            "可选值": "、".join(_labels(column)),
            "示例": column.example or _DEFAULT_EXAMPLES.get(column.type, ""),
            "说明": _note_text(column),
        }
        for column in declaration.columns
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(rows[0], pl.String))


def _write_guide(workbook: Any, styles: _Styles, declaration: Declaration) -> None:
    """The 填写说明 sheet: one line per column of the template."""
    sheet = workbook.add_worksheet(_GUIDE_SHEET)
    title = styles.get(bold=True, size=14)
    note = styles.get(wrap=False)
    sheet.set_row(0, 24)
    sheet.write_string(0, 0, f"{declaration.title}报盘填写说明", title)
    lines = [
        declaration.description,
        "红色*项目是必须的：列名前有红色 * 的列必须填写，其余可以不填。",
        "一行一人，从第 2 行开始填写；不要改动第 1 行的列名，不要合并单元格。",
        "身份证号码、代码、年月等列已设为文本格式，请勿改为数值或日期格式，否则长号码会丢失精度。",
    ]
    row = 1
    for line in lines:
        if line:
            sheet.write_string(row, 0, line, note)
            row += 1
    row += 1
    guide = guide_frame(declaration)
    columns = [_prepare_column(guide.get_column(name), name, text=True) for name in guide.columns]
    for column in columns:
        if column.header in ("可选值", "说明"):
            column.width = min(column.width, 40.0)
            column.wrap = True
        column.column_format = None  # the sheet is read, not typed into
    required = [i for i, column in enumerate(declaration.columns) if column.required]
    _write_table(sheet, styles, columns, first_row=row, freeze_columns=1, one_page_wide=True)
    red = styles.get(_TEXT, bold=True, color=_REQUIRED_FONT)
    for offset in required:
        sheet.write_string(row + 1 + offset, 0, declaration.columns[offset].header, red)


def write_template_text(declaration: Declaration, path: str | Path, texts: pl.DataFrame) -> Path:
    """Write the batch template filled with rows given as the user's text, verbatim.

    A path ending in ``.xls`` gets the agency's legacy format (text cells, required
    headers in red, a 填写说明 sheet; no drop-downs, which .xls writers cannot make).

    Like :func:`write_template`, but ``texts`` has the template's Chinese headers
    (without the ``*``) and holds what a user would type: every String value is
    written as it is, as text (no code → label mapping, no reformatting). A money
    column may also hold Decimal yuan, written as numbers. Headers of the template
    missing from ``texts`` give empty columns; other columns are ignored.

    Returns:
        The path written.
    """
    shown = texts.select(
        pl.col(column.header)
        if column.header in texts.columns
        else pl.lit(None, pl.String).alias(column.header)
        for column in declaration.columns
    )
    if Path(path).suffix.lower() == ".xls":
        return write_text_sheet(
            shown,
            path,
            sheet=declaration.title,
            required={c.header for c in declaration.columns if c.required},
            guide={_GUIDE_SHEET: guide_frame(declaration)},
        )
    with open_workbook(path, rows=shown.height) as workbook:
        styles = _Styles(workbook)
        data_sheet = workbook.add_worksheet(_sheet_name(declaration.title))
        columns = _template_columns(declaration, shown)
        _write_table(data_sheet, styles, columns)
        _write_guide(workbook, styles, declaration)
        ranges = _code_sheet_ranges(workbook, styles, declaration)
        last_row = max(TEMPLATE_ROWS, shown.height + TEMPLATE_ROWS // 5)
        _add_validations(data_sheet, declaration, ranges, min(last_row, EXCEL_MAX_ROWS - 1))
        data_sheet.activate()
    return Path(path)


def write_template(
    declaration: Declaration, path: str | Path, data: pl.DataFrame | None = None
) -> Path:
    """Write the batch template (报盘模板) of a business, empty or with data (含数据报盘).

    The first sheet, named after the business, has the header row (required columns
    marked ``*`` in red, as in the manual's 「红色*项目是必须的」), text format ``@``
    on every ID, code, month, date and text column (so typed IDs stay text), drop-downs
    of the code labels (long lists reference a hidden 代码表 sheet), input messages on
    ID, month, date and money columns, and a frozen header. The sheet 填写说明 explains
    every column: 列名, 是否必填, 格式, 可选值, 示例, 说明.

    Args:
        declaration: The business (see :func:`sbbatch.declarations.get`).
        path: The xlsx file to create.
        data: Typed rows with the declaration's English fields (money in integer fen,
            months and dates as Date, codes as codes or labels); None for an empty
            template.

    Returns:
        The path written.
    """
    return write_template_text(declaration, path, template_frame(declaration, data))


# ---------------------------------------------------------------------- error reports


class _RawLike(Protocol):
    """What the report needs of ``sbbatch.io.read.RawTable``."""

    @property
    def frame(self) -> pl.DataFrame: ...

    @property
    def headers(self) -> list[str]: ...


class _BatchLike(Protocol):
    """What the report needs of ``sbbatch.batch.Batch``."""

    @property
    def declaration(self) -> Declaration: ...

    @property
    def raw(self) -> _RawLike | None: ...

    @property
    def rows(self) -> pl.DataFrame: ...

    @property
    def failures(self) -> pl.DataFrame: ...

    @property
    def accepted(self) -> pl.DataFrame: ...

    @property
    def rejected(self) -> pl.DataFrame: ...

    @property
    def rows_read(self) -> int: ...


_ROW_HEADER = "原行号"
_MESSAGE_HEADER = "错误信息"
_ISSUES_SHEET = "问题清单"


def _header_index(declaration: Declaration, headers: Sequence[str]) -> dict[str, int]:
    """Map every header a failure may name to the index of the user's column.

    Failures name the column by its Chinese header: the user's own text, or the
    declaration's header when the user's file used a synonym (``证件号码``).
    """
    index: dict[str, int] = {}
    by_key: dict[str, int] = {}
    for i, header in enumerate(headers):
        index.setdefault(header, i)
        by_key.setdefault(header_key(header), i)
    for column in declaration.columns:
        for name in (column.header, *column.synonyms):
            found = by_key.get(header_key(name))
            if found is not None:
                index.setdefault(column.header, found)
                break
    return index


def _messages_by_row(failures: pl.DataFrame) -> pl.DataFrame:
    """``row, message``: every failure of a row, joined with ``；`` in failure order."""
    text = pl.col("message").str.strip_chars().str.strip_chars_end("。")
    prefixed = (
        pl.when(pl.col("column").is_not_null() & ~text.str.contains(pl.col("column"), literal=True))
        .then(pl.col("column") + "：" + text)
        .otherwise(text)
    )
    shown = pl.when(pl.col("level") == "warn").then("提示：" + prefixed).otherwise(prefixed)
    return (
        failures.filter(pl.col("row").is_not_null())
        .with_columns(shown.alias("_shown"))
        .group_by("row", maintain_order=True)
        .agg(pl.col("_shown").str.join("；") + "。")
        .rename({"_shown": "message"})
    )


def _summary(batch: _BatchLike) -> str:
    failures = batch.failures
    warnings = failures.filter(pl.col("level") == "warn").height
    return (
        f"{batch.declaration.title}检查结果：读取 {batch.rows_read} 行，"
        f"通过 {batch.accepted.height} 行，不通过 {batch.rejected.height} 行，提示 {warnings} 条。"
    )


def _report_rows(batch: _BatchLike) -> tuple[pl.DataFrame, dict[str, int]]:
    """The user's rows (原行号 + their columns, as text) and header → column index.

    The index counts from the user's first column (0) and maps the user's headers and
    the declaration's headers they stand for.
    """
    raw = batch.raw
    if raw is not None:
        names = [c for c in raw.frame.columns if c != ROW_COLUMN]
        rows = raw.frame.sort(ROW_COLUMN, maintain_order=True).select(
            pl.col(ROW_COLUMN).cast(pl.Int64).alias(_ROW_HEADER),
            *[pl.col(name).cast(pl.String) for name in names],
        )
        index = _header_index(batch.declaration, names)
        if len(raw.headers) == len(names):  # the header texts as found, before tidying
            for header, name in zip(raw.headers, names, strict=True):
                index.setdefault(header, index[name])
        return rows, index
    shown = template_frame(batch.declaration, batch.rows)
    shown = shown.with_columns(pl.col(pl.Decimal).cast(pl.String))
    rows = pl.concat(
        [batch.rows.select(pl.col("source_row").cast(pl.Int64).alias(_ROW_HEADER)), shown],
        how="horizontal",
    )
    return rows, {header: i for i, header in enumerate(shown.columns)}


def _report_marks(
    failures: pl.DataFrame, row_numbers: Sequence[int], index: Mapping[str, int], first: int
) -> dict[int, dict[int, str]]:
    """Cells to fill: ``{report row: {column: level}}``; the 错误信息 cell too (column 1)."""
    position = {row: i for i, row in enumerate(row_numbers)}
    marks: dict[int, dict[int, str]] = {}
    for row, column, level in failures.select("row", "column", "level").iter_rows():
        at = position.get(row)
        if at is None:
            continue
        cells = marks.setdefault(at, {})
        found = index.get(column)
        for target in (1, None if found is None else found + first):
            if target is not None and cells.get(target) != "reject":
                cells[target] = level
    return marks


def write_error_report(batch: _BatchLike, path: str | Path) -> Path:
    """Write the check result of a batch as xlsx: the user's rows with 错误信息.

    The first sheet repeats the user's own rows in their order — the spreadsheet row
    number 原行号, then 错误信息 (all messages of the row joined with ``；``; empty
    for a row that passed), then the user's headers and text exactly as entered.
    错误信息 comes second, frozen with 原行号, so it stays in sight while scrolling
    through a wide row. Cells that failed are filled light red (不通过) or yellow
    (提示). The first line counts 读取 N 行，通过 A 行，不通过 R 行，提示 W 条. The
    sheet 问题清单 lists every failure: 行号, 列 (the user's header), 值, 规则, 级别
    (不通过/提示), 说明.

    When the batch was built from a frame (``batch.raw`` is None), the typed rows
    are shown instead, with the template's headers.

    Args:
        batch: A checked batch (``sbbatch.batch.Batch``).
        path: The xlsx file to create.

    Returns:
        The path written.
    """
    rows, index = _report_rows(batch)
    failures = batch.failures
    messages = _messages_by_row(failures).rename({"row": _ROW_HEADER, "message": _MESSAGE_HEADER})
    report = rows.join(messages, on=_ROW_HEADER, how="left", maintain_order="left").select(
        _ROW_HEADER, _MESSAGE_HEADER, *rows.columns[1:]
    )
    marks = _report_marks(failures, report[_ROW_HEADER].to_list(), index, first=2)
    columns = [
        _prepare_column(report.get_column(name), name, text=i > 1)
        for i, name in enumerate(report.columns)
    ]
    columns[0].align = "center"
    columns[1].width = min(max(columns[1].width, 24.0), 40.0)
    columns[1].wrap = True
    user_header = {name: rows.columns[1 + i] for name, i in index.items()}
    issues = _issue_list(failures, user_header)
    with open_workbook(path, rows=max(report.height, issues.height)) as workbook:
        styles = _Styles(workbook)
        sheet = workbook.add_worksheet(_sheet_name(f"{batch.declaration.title}检查结果"))
        summary = _summary(batch)
        sheet.write_string(0, 0, f"{summary}{_DATA_SHEET_NOTE}", styles.get(bold=True))
        _write_table(sheet, styles, columns, first_row=1, highlight=marks, freeze_columns=2)
        issue_sheet = workbook.add_worksheet(_ISSUES_SHEET)
        issue_sheet.write_string(0, 0, summary, styles.get(bold=True))
        issue_columns = [
            _prepare_column(issues.get_column(name), name, text=name != "行号")
            for name in issues.columns
        ]
        issue_columns = [c for c in issue_columns if c.header != "_level"]
        issue_columns[0].align = "center"
        issue_columns[-1].width = min(max(issue_columns[-1].width, 24.0), 60.0)
        issue_columns[-1].wrap = True
        level_col = issues.columns.index("级别")
        levels = issues.get_column("_level").to_list()
        issue_marks = {i: {level_col: level} for i, level in enumerate(levels)}
        _write_table(
            issue_sheet,
            styles,
            issue_columns,
            first_row=1,
            highlight=issue_marks,
            one_page_wide=True,
        )
    return Path(path)


def _issue_list(failures: pl.DataFrame, user_header: Mapping[str, str]) -> pl.DataFrame:
    """问题清单: one line per failure, by row (file-level problems first)."""
    column = pl.col("column").cast(pl.String)
    return failures.sort("row", nulls_last=False, maintain_order=True).select(
        pl.col("row").cast(pl.Int64).alias("行号"),
        column.replace_strict(dict(user_header), default=column).alias("列"),
        pl.col("value").cast(pl.String).alias("值"),
        pl.col("rule").cast(pl.String).alias("规则"),
        pl.col("level").replace_strict(LEVEL_LABELS, default=pl.col("level")).alias("级别"),
        pl.col("message").cast(pl.String).alias("说明"),
        pl.col("level").alias("_level"),
    )


# ------------------------------------------------------------------------- results


def write_result(
    frame: pl.DataFrame,
    path: str | Path,
    title: str,
    columns: Mapping[str, str] | Sequence[str],
    *,
    money_columns: Sequence[str] = (),
    unit: str = "人",
    spec: Spec = None,
) -> Path:
    """Write a results table (审核结果 and the like) under a title, ending with 共N人.

    Args:
        frame: The rows, in the order to show.
        path: The xlsx file to create.
        title: The title line (e.g. ``"增员申报审核结果"``); also the sheet name.
        columns: The columns to show, in order: a mapping of frame column → Chinese
            header, or the frame's column names. A 序号 column (No.) is put first.
        money_columns: Integer fen columns shown as yuan (``*_fen`` ones always are).
        unit: The counting word of the total line (``共N人``).
        spec: The business or columns whose types and code tables the values are
            presented by (:func:`sbbatch.present.present`); every cell is text.

    Returns:
        The path written.

    Examples:
        >>> import tempfile, polars as pl, openpyxl
        >>> frame = pl.DataFrame({"person_id": ["370103198310135672"], "result": ["审核成功"]})
        >>> path = write_result(frame, tempfile.mkdtemp() + "/r.xlsx", "增员申报审核结果",
        ...                     {"person_id": "身份证号码", "result": "审核结果"})
        >>> [[c.value for c in row] for row in openpyxl.load_workbook(path).active.iter_rows()]
        [['增员申报审核结果', None, None], ['序号', '身份证号码', '审核结果'], [1, '370103198310135672', '审核成功'], ['共1人', None, None]]
    """
    names = dict(columns) if isinstance(columns, Mapping) else {name: name for name in columns}
    _check_names(frame, list(names), "columns")
    # every value as the one presenter shows it: labels, yuan, YYYY-MM, YYYY-MM-DD
    shown = present(
        frame.select(list(names)),
        spec,
        headers=names,
        money_columns=money_columns,
        rename=False,
        empty=None,
    )
    prepared = [
        _Prepared(
            "序号",
            list(range(1, frame.height + 1)),
            None,
            None,
            max(text_width("序号") + 3, 6),
            align="center",
        )
    ]
    for name, header in names.items():
        series = shown.get_column(name)
        prepared.append(_prepare_column(series, header, text=True))
    with open_workbook(path, rows=frame.height + 2) as workbook:
        styles = _Styles(workbook)
        sheet = workbook.add_worksheet(_sheet_name(title))
        sheet.set_row(0, 24)
        sheet.write_string(0, 0, title, styles.get(bold=True, size=14))
        next_row = _write_table(sheet, styles, prepared, first_row=1, freeze_columns=0)
        sheet.write_string(next_row, 0, f"共{frame.height}{unit}", styles.get(bold=True))
    return Path(path)
