"""Batch templates (报盘模板): the data sheet, drop-downs, 填写说明 and 代码表."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter

from sbbatch import codes
from sbbatch._money import YUAN_DECIMAL, yuan_decimal_expr
from sbbatch.io._xlsx_writer import (
    _HEADER_FILL,
    _MAX_WIDTH,
    _MONEY_ENTRY,
    _REQUIRED_FONT,
    _TEXT,
    EXCEL_MAX_ROWS,
    TEMPLATE_ROWS,
    _excel_text,
    _prepare_column,
    _Prepared,
    _sheet_name,
    _Styles,
    _write_table,
    open_workbook,
    text_width,
)
from sbbatch.io.xls import write_text_sheet
from sbbatch.spec import Column, Declaration

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
            dtype: pl.DataType = YUAN_DECIMAL if column.type == "money" else pl.String()
            out.append(pl.Series(name, [None] * data.height, dtype))
            continue
        series = data.get_column(column.field)
        dtype = series.dtype
        col = pl.col(column.field)
        if column.type == "money" and (dtype.is_integer() or isinstance(dtype, pl.Decimal)):
            expr = yuan_decimal_expr(col) if dtype.is_integer() else col
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
