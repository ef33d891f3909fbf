"""对账.xlsx and the lines file: what an analyst opens after :func:`sbbatch.reconcile.reconcile`.

The workbook holds what is read: 差异明细 (every difference, its cause cells in red),
汇总 (the totals per source, to the fen), 差异原因 (the differences by cause) and 说明
(the summary a manager reads, and where the rest is). Every line — the matched ones
too — goes into the sheet 全部明细 only while that is cheap (at most
:data:`LINES_IN_WORKBOOK` lines); a bigger reconciliation writes them to a lines file
(parquet, or csv in UTF-8 with a BOM) instead: the one asked for (``lines=``,
``--lines``) or ``<workbook>_全部明细.parquet`` beside the workbook, and 说明 says where.
An Excel sheet holds at most 1,048,575 data rows: more differences than that are cut
there in 差异明细 (说明 says so) and are all in the lines file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

import polars as pl

from sbbatch import codes
from sbbatch._files import atomic_path
from sbbatch._money import yuan_decimal_expr, yuan_expr
from sbbatch.exceptions import UnusableInputError
from sbbatch.io.xlsx import EXCEL_MAX_ROWS, write_frame

if TYPE_CHECKING:
    from sbbatch.reconcile import ReconcileResult

__all__ = ["LINES_IN_WORKBOOK", "lines_file", "write_reconciliation"]

#: At most this many lines go into the sheet 全部明细; more go to the lines file.
LINES_IN_WORKBOOK: Final = 100_000

_MONEY: Final = (
    "经办机构缴费基数",
    "sbbatch缴费基数",
    "经办机构单位缴纳",
    "sbbatch单位应缴",
    "经办机构个人缴纳",
    "sbbatch个人应缴",
    "工资表个人扣款",
)
_CAUSES: Final = ("经办机构差异原因", "工资表差异原因")
_LINE_SUFFIXES: Final = (".parquet", ".csv")


def _shown(frame: pl.DataFrame) -> pl.DataFrame:
    """The lines with the Chinese headers of the workbook (money still in fen)."""
    return frame.select(
        pl.col("person_id").alias("身份证号码"),
        pl.col("name").alias("姓名"),
        pl.col("month").alias("费款所属期"),
        codes.to_label(pl.col("insurance"), "insurance").alias("险种"),
        pl.col("agency_cause").alias(_CAUSES[0]),
        pl.col("payroll_cause").alias(_CAUSES[1]),
        pl.col("agency_base_fen").alias(_MONEY[0]),
        pl.col("ours_base_fen").alias(_MONEY[1]),
        pl.col("agency_unit_fen").alias(_MONEY[2]),
        pl.col("ours_unit_fen").alias(_MONEY[3]),
        pl.col("agency_person_fen").alias(_MONEY[4]),
        pl.col("ours_person_fen").alias(_MONEY[5]),
        pl.col("payroll_person_fen").alias(_MONEY[6]),
    )


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """The shown lines as text: months ``YYYY-MM``, money in yuan with two decimals."""
    return frame.with_columns(
        pl.col("费款所属期").dt.strftime("%Y-%m"), *(yuan_expr(pl.col(c)).alias(c) for c in _MONEY)
    )


def lines_file(
    result: ReconcileResult,
    path: str | Path,
    lines: str | Path | None = None,
    *,
    lines_in_workbook: int = LINES_IN_WORKBOOK,
) -> Path | None:
    """Where :func:`write_reconciliation` writes every line, or None (they fit the workbook).

    Args:
        result: The reconciliation.
        path: The workbook (对账.xlsx).
        lines: The lines file asked for (``.parquet`` or ``.csv``), if any.
        lines_in_workbook: The most lines the sheet 全部明细 takes.

    Returns:
        ``lines`` when given; else, when the lines do not go into the workbook (or
        the differences overflow a sheet), ``<workbook stem>_全部明细.parquet`` beside
        the workbook; else None.

    Raises:
        UnusableInputError: ``lines`` is neither ``.parquet`` nor ``.csv``.
    """
    if lines is not None:
        chosen = Path(lines)
        if chosen.suffix.lower() not in _LINE_SUFFIXES:
            msg = (
                f"对账明细文件 {chosen.name} 只能是 .parquet 或 .csv。"
                "提示：例如 --lines 对账明细.parquet。"
            )
            raise UnusableInputError(msg)
        return chosen
    too_many = result.lines.height > lines_in_workbook
    overflow = result.differences.height > EXCEL_MAX_ROWS - 1
    if too_many or overflow:
        target = Path(path)
        return target.with_name(f"{target.stem}_全部明细.parquet")
    return None


def _write_lines(frame: pl.DataFrame, target: Path) -> None:
    """Every line: parquet (money as exact yuan decimals) or csv (UTF-8 with a BOM)."""
    try:
        with atomic_path(target) as part:
            if target.suffix.lower() == ".csv":
                _as_text(frame).write_csv(part, include_bom=True, null_value="")
            else:
                frame.with_columns(
                    pl.col("费款所属期").dt.strftime("%Y-%m"),
                    *(yuan_decimal_expr(pl.col(c)).alias(c) for c in _MONEY),
                ).write_parquet(part)
    except OSError as error:
        msg = f"无法写入文件 {target}：{error}。提示：若该文件正在其他程序中打开，请先关闭。"
        raise UnusableInputError(msg) from error


def _notes(result: ReconcileResult, lines_path: Path | None, in_workbook: bool) -> list[str]:
    notes = result.summary_zh().splitlines()
    differences = result.differences.height
    if differences > EXCEL_MAX_ROWS - 1:
        notes.append(
            f"差异共 {differences:,} 行，超过 Excel 一个工作表的上限：「差异明细」只列前 "
            f"{EXCEL_MAX_ROWS - 1:,} 行，全部差异见 {lines_path.name if lines_path else ''}"
            "（差异原因不为空的行）。"
        )
    if not in_workbook and lines_path is not None:
        notes.append(
            f"全部 {result.lines.height:,} 行对账明细（含一致的行）未放入本工作簿，"
            f"已写入同一文件夹的 {lines_path.name}。"
        )
    elif lines_path is not None:
        notes.append(f"全部 {result.lines.height:,} 行对账明细另见 {lines_path.name}。")
    return notes


def write_reconciliation(
    result: ReconcileResult,
    path: str | Path,
    *,
    lines: str | Path | None = None,
    lines_in_workbook: int = LINES_IN_WORKBOOK,
) -> Path:
    """Write 对账.xlsx: 差异明细 (every difference), 汇总, 差异原因, 说明, and 全部明细 or a lines file.

    Args:
        result: The reconciliation.
        path: The workbook to write.
        lines: A file (``.parquet`` or ``.csv``) for every line, matched ones too.
        lines_in_workbook: The most lines written into the sheet 全部明细; with more,
            the lines go to ``lines`` or, without it, to
            ``<workbook stem>_全部明细.parquet`` beside the workbook
            (:func:`lines_file` says which), and 说明 says where.

    Returns:
        The workbook's path.

    Raises:
        UnusableInputError: A file cannot be written, or ``lines`` is neither parquet nor csv.
    """
    target = Path(path)
    lines_path = lines_file(result, target, lines, lines_in_workbook=lines_in_workbook)
    in_workbook = result.lines.height <= lines_in_workbook
    every = _shown(result.lines)
    if lines_path is not None:
        _write_lines(every, lines_path)
    differences = every.filter(pl.col(_CAUSES[0]).is_not_null() | pl.col(_CAUSES[1]).is_not_null())
    differences = differences.head(EXCEL_MAX_ROWS - 1)
    totals = result.totals().select(
        pl.col("source").alias("来源"),
        yuan_expr(pl.col("unit_fen")).alias("单位（元）"),
        yuan_expr(pl.col("person_fen")).alias("个人（元）"),
    )
    causes = result.by_cause().select(
        pl.col("comparison").alias("比对"),
        pl.col("cause").alias("差异原因"),
        pl.col("lines").cast(pl.String).alias("行数"),
        yuan_expr(pl.col("diff_fen")).alias("差额（元）"),
    )
    sheets = {
        "汇总": totals,
        "差异原因": causes,
        "说明": pl.DataFrame({"说明": _notes(result, lines_path, in_workbook)}),
    }
    if in_workbook:
        sheets["全部明细"] = _as_text(every)
    red = (
        differences.select(_CAUSES)
        .with_row_index("row")
        .unpivot(index="row", on=list(_CAUSES), variable_name="column")
        .filter(pl.col("value").is_not_null())
        .select("row", "column", pl.lit("reject").alias("level"))
    )
    write_frame(
        differences,
        target,
        sheet="差异明细",
        text_columns=["身份证号码"],
        money_columns=list(_MONEY),
        month_columns=["费款所属期"],
        highlight=red,
        more_sheets=sheets,
    )
    return target
