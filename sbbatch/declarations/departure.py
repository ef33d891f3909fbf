"""Departure (减员申报, 批量减员申报): persons leaving the unit's insurance.

Manual §1.3–1.4. 减员年月 is the first month no longer insured (停保年月).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.declarations._common import (
    id_column,
    leave_month_column,
    leave_reason_column,
    name_column,
    registry_form,
)
from sbbatch.declarations._registry_review import (
    RETIREMENT_REASON,
    accepted_month,
    accepted_month_default,
    code_rules,
    month_text,
    name_matches_registry,
    no_open_declaration,
    once_in_declaration,
    periods_of,
    person_result,
    retirement_month,
    with_all_columns,
    with_code_labels,
    with_other_declarations,
    with_registry_person,
)
from sbbatch.spec import Declaration, FormColumn, Review, Rule, WidgetLayout
from sbbatch.store import effects, records

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["DECLARATION", "REVIEW_RULES", "insured_persons"]


def insured_persons(ws: Workspace, unit_id: str, month: dt.date) -> pl.DataFrame:
    """Return the persons insured in the unit in ``month`` (查询全部进行减员), to fill a 减员 file."""
    return records.persons_of_unit_in_month(ws, unit_id, month)


COLUMNS = (
    id_column(),
    name_column(),
    leave_month_column(),
    leave_reason_column(),
)


# --------------------------------------------------------------------------- review
def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    """Join the declared rows with the person's open insured periods in the unit."""
    rows = with_all_columns(rows, COLUMNS)
    accepted = accepted_month(ws, "departure")
    periods = periods_of(ws, rows["person_id"])
    here = (
        periods.filter((pl.col("unit_id") == header["unit_id"]) & pl.col("until_month").is_null())
        .group_by("person_id")
        .agg(pl.col("from_month").max().alias("enrolled_month"), pl.len().alias("open_periods"))
    )
    context = with_registry_person(ws, rows)
    context = with_other_declarations(ws, context, header["declaration_id"])
    context = with_code_labels(context, COLUMNS, "month")
    return (
        context.join(here, on="person_id", how="left")
        .with_columns(
            month_text(pl.col("month")).alias("month_text"),
            month_text(pl.col("enrolled_month")).alias("enrolled_text"),
            pl.lit(accepted).alias("accepted_month"),
            pl.lit(accepted.strftime("%Y-%m")).alias("accepted_text"),
            retirement_month(
                pl.col("reg_gender"), pl.col("reg_identity"), pl.col("reg_birth_date")
            ),
        )
        .with_columns(month_text(pl.col("retirement_month")).alias("retirement_text"))
    )


REVIEW_RULES: tuple[Rule, ...] = (
    Rule(
        "insured_here",
        "reject",
        "person_id",
        "该人员未在本单位参保（或已减员），不能减员。",
        pl.col("open_periods").is_not_null(),
    ),
    name_matches_registry(),
    Rule(
        "month_not_before_enrolment",
        "reject",
        "month",
        "减员年月 {month_text} 早于该人员在本单位的增员年月 {enrolled_text}。",
        pl.col("month") >= pl.col("enrolled_month"),
    ),
    Rule(
        "month_not_before_window",
        "reject",
        "month",
        "减员年月 {month_text} 早于本期受理的减员年月 {accepted_text}，经办机构不办理往月减员。"
        "提示：减员年月是停止参保的第一个月，请填 {accepted_text}。",
        pl.col("month") >= pl.col("accepted_month"),
    ),
    Rule(
        "month_not_after_window",
        "reject",
        "month",
        "减员年月 {month_text} 晚于本期受理的减员年月 {accepted_text}。提示：请到该月的受理期内再申报。",
        pl.col("month") <= pl.col("accepted_month"),
    ),
    Rule(
        "retirement_reason_at_age",
        "warn",
        "leave_reason",
        "减员原因为在职转退休，但该人员在减员年月 {month_text} 尚未达到法定退休年龄"
        "（法定退休年月 {retirement_text}），请核对。",
        pl.col("month") >= pl.col("retirement_month"),
        when=pl.col("leave_reason") == RETIREMENT_REASON,
    ),
    no_open_declaration(),
    once_in_declaration(),
    *code_rules(COLUMNS, "month_text"),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """Close the unit's open insured periods of the approved persons at their 减员年月."""
    declaration_id = header["declaration_id"]
    closed = effects.close_open_periods(
        ws, approved, unit_id=header["unit_id"], declaration_id=declaration_id
    )
    ws.log_effect(declaration_id, f"减员审核通过 {approved.height} 人：终止参保记录 {closed} 条。")


#: 减员's result: 性别 and 出生日期 come from the registry.
RESULT = person_result("减员年月", "leave_reason", "减员原因")
#: The printed 减员表 (打印减员表).
FORM = registry_form(
    "减员表",
    FormColumn("month", "减员年月", 11, "C"),
    FormColumn("leave_reason", "减员原因", 24, "L"),
)

#: The single-case form (减员申报).
WIDGET = WidgetLayout(print_label="打印减员表", defaults=accepted_month_default)


DECLARATION = Declaration(
    kind="departure",
    title="减员申报",
    columns=COLUMNS,
    description="单位人员停止参保（减员）。一行一人。",
    prefill=insured_persons,
    review=Review(REVIEW_RULES, _context, _effects),
    result=RESULT,
    form=FORM,
    widget=WIDGET,
)
