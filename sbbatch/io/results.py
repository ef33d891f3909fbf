"""Review results (审核结果) of the registry businesses, as the manual's result table.

:func:`result_table` gives a declaration's outcome the way the manual's 批量增员申报
shows it — No., 审核结果, 审核说明, 身份证号码, 姓名, 性别, 出生日期, 增员年月,
增员原因 (减员年月, 减员原因 for 减员) — as a frame with English columns and labels in
place of codes; :func:`write_review_result` writes it to xlsx under a title, ending with
``共N人``. Businesses whose rows lack 性别 or 出生日期 (减员, 减员原因变更, 中断转退休)
take them from the registry.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from sbbatch.declarations import get
from sbbatch.declarations._registry import code_labels, registry_persons
from sbbatch.declarations.leave_reason_change import approved_departures
from sbbatch.exceptions import UnusableInputError
from sbbatch.io.xlsx import write_result

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = [
    "RESULT_KINDS",
    "generic_result_table",
    "result_headers",
    "result_table",
    "write_review_result",
]

#: The businesses with this result table, and the header of their month and reason.
RESULT_KINDS: dict[str, tuple[str, str, str]] = {
    "enrolment": ("增员年月", "add_reason", "增员原因"),
    "departure": ("减员年月", "leave_reason", "减员原因"),
    "leave_reason_change": ("减员年月", "leave_reason", "减员原因"),
    "interrupted_to_retired": ("减员年月", "leave_reason", "减员原因"),
}

_RESULT_LABELS = {"1": "审核成功", "2": "不通过"}


def result_headers(kind: str) -> dict[str, str]:
    """Return the result table's columns of a business with their Chinese headers.

    Examples:
        >>> list(result_headers("enrolment").values())
        ['No.', '审核结果', '审核说明', '身份证号码', '姓名', '性别', '出生日期', '增员年月', '增员原因']
    """
    month_header, reason, reason_header = _kind(kind)
    return {
        "row_no": "No.",
        "review_result": "审核结果",
        "review_opinion": "审核说明",
        "person_id": "身份证号码",
        "name": "姓名",
        "gender": "性别",
        "birth_date": "出生日期",
        "month": month_header,
        reason: reason_header,
    }


def _kind(kind: str) -> tuple[str, str, str]:
    if kind not in RESULT_KINDS:
        titles = "、".join(get(k).title for k in RESULT_KINDS)
        msg = f"{get(kind).title}没有这种审核结果表。提示：可用于 {titles}。"
        raise UnusableInputError(msg)
    return RESULT_KINDS[kind]


def result_table(ws: Workspace, declaration_id: str) -> pl.DataFrame:
    """Return a declaration's review result (审核结果) with the manual's columns.

    Columns: see :func:`result_headers` — ``row_no``, ``review_result`` (审核成功 /
    不通过, null before the review), ``review_opinion``, ``person_id``, ``name``,
    ``gender`` (男/女), ``birth_date``, ``month`` and the reason (labels).
    """
    header = ws.declaration(declaration_id)
    kind = header["kind"]
    _, reason, _ = _kind(kind)
    rows = ws.declaration_rows(declaration_id)
    registry = registry_persons(ws, rows["person_id"]).select(
        "person_id", pl.col("reg_gender").alias("_gender"), pl.col("reg_birth_date").alias("_birth")
    )
    rows = rows.join(registry, on="person_id", how="left", maintain_order="left")
    if "gender" not in rows.columns:
        rows = rows.with_columns(pl.col("_gender").alias("gender"))
    if "birth_date" not in rows.columns:
        rows = rows.with_columns(pl.col("_birth").alias("birth_date"))
    if "month" not in rows.columns:
        left = approved_departures(ws, header["unit_id"], rows["person_id"])
        rows = rows.join(
            left.select("person_id", pl.col("left_month").alias("month")),
            on="person_id",
            how="left",
            maintain_order="left",
        )
    reasons = code_labels("add_reason" if reason == "add_reason" else "leave_reason")
    return rows.sort("row_no").select(
        "row_no",
        pl.col("review_result").replace_strict(
            _RESULT_LABELS, default=None, return_dtype=pl.String
        ),
        pl.col("review_opinion").fill_null(""),
        "person_id",
        "name",
        pl.col("gender").replace_strict(code_labels("gender"), default=pl.col("gender")),
        "birth_date",
        "month",
        pl.col(reason).replace_strict(reasons, default=pl.col(reason)),
    )


def generic_result_table(ws: Workspace, declaration_id: str) -> tuple[pl.DataFrame, dict[str, str]]:
    """Return any business's review result: 审核结果, 审核说明, then its declared columns.

    Codes are shown as their labels, months as ``YYYY-MM``. Returns the table and the
    Chinese header of each column.
    """
    header = ws.declaration(declaration_id)
    declaration = get(header["kind"])
    rows = ws.declaration_rows(declaration_id).sort("row_no")
    shown: list[pl.Expr] = [
        pl.col("review_result").replace_strict(
            _RESULT_LABELS, default=None, return_dtype=pl.String
        ),
        pl.col("review_opinion").fill_null(""),
    ]
    headers = {"review_result": "审核结果", "review_opinion": "审核说明"}
    for column in declaration.columns:
        if column.field not in rows.columns:
            continue
        value = pl.col(column.field)
        if column.type == "code" and column.code_table:
            value = value.replace_strict(code_labels(column.code_table), default=value)
        elif column.type == "gender":
            value = value.replace_strict(code_labels("gender"), default=value)
        elif column.type == "month":
            value = value.dt.strftime("%Y-%m")
        elif column.type == "money":
            value = pl.concat_str(
                (value // 100).cast(pl.String),
                pl.lit("."),
                (value % 100).cast(pl.String).str.zfill(2),
            )
        shown.append(value.alias(column.field))
        headers[column.field] = column.header
    return rows.select(shown), headers


def write_review_result(ws: Workspace, declaration_id: str, path: str | Path) -> Path:
    """Write a declaration's review result to an xlsx file, ending with ``共N人``.

    增员, 减员 and their changes use the manual's result columns (No., 审核结果,
    审核说明, 身份证号码, 姓名, 性别, 出生日期, 年月, 原因); every other business shows
    审核结果, 审核说明 and its own declared columns. ID numbers are written in full as
    text (the file is the user's own).

    Returns:
        The path written.
    """
    header = ws.declaration(declaration_id)
    title = f"{get(header['kind']).title}审核结果 {declaration_id}"
    if header["kind"] not in RESULT_KINDS:
        table, headers = generic_result_table(ws, declaration_id)
        return write_result(table, path, title, headers)
    table = result_table(ws, declaration_id).with_columns(pl.col("month").dt.strftime("%Y-%m"))
    headers = result_headers(header["kind"])
    del headers["row_no"]  # write_result numbers the rows itself (序号)
    return write_result(table, path, title, headers)
