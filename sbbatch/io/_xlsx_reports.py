"""Error reports (检查结果 with 问题清单) and results tables (审核结果 and the like)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

import polars as pl

from sbbatch.io._xlsx_templates import template_frame
from sbbatch.io._xlsx_writer import (
    _DATA_SHEET_NOTE,
    _check_names,
    _prepare_column,
    _Prepared,
    _sheet_name,
    _Styles,
    _write_table,
    open_workbook,
    text_width,
)
from sbbatch.io.read import ROW_COLUMN, header_key
from sbbatch.present import Spec, present
from sbbatch.spec import LEVEL_LABELS, Declaration

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
