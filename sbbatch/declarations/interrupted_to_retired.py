"""Interrupted to retired (中断转退休): recording that an interrupted person has retired.

Manual §3.6: a person whose insurance was interrupted (中断: insured once, now insured in
no unit) and who has reached the statutory retirement age is turned into a retired
person. The row gives 减员年月 and 减员原因 (在职转退休). On approval the 减员原因 of the
person's last insured periods becomes 在职转退休, which is how the registry records the
retirement; the 审核意见 of an approved row is 「中断转退休成功」.
"""

from __future__ import annotations

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
    code_labels,
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
from sbbatch.spec import Declaration, FormColumn, Review, Rule
from sbbatch.store import effects

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["DECLARATION", "REVIEW_RULES", "last_periods"]

COLUMNS = (
    id_column(),
    name_column(),
    leave_month_column(
        example="2018-03",
        help="中断参保（最后停保）的年月，写成 2018-03",
        synonyms=("停保年月", "中断年月"),
    ),
    leave_reason_column(example="在职转退休"),
)


def last_periods(periods: pl.DataFrame) -> pl.DataFrame:
    """Return, per person, the facts of their insurance history that the review needs.

    Args:
        periods: Insured periods (``insured_periods`` columns plus ``unit_name``).

    Returns:
        ``person_id``, ``periods`` (how many), ``open_unit_id`` / ``open_unit_name``
        (a unit where a period is still open), ``last_month`` (latest 减员年月 of the
        closed periods) and ``last_reason`` (its 减员原因).

    Examples:
        >>> import datetime as dt
        >>> periods = pl.DataFrame({
        ...     "person_id": ["a", "a", "b"], "unit_id": ["u1", "u2", "u1"], "unit_name": ["甲", "乙", "甲"],
        ...     "until_month": [dt.date(2018, 3, 1), dt.date(2019, 1, 1), None],
        ...     "leave_reason": ["221", "229", None]})
        >>> last_periods(periods).sort("person_id").select("person_id", "open_unit_id", "last_reason").rows()
        [('a', None, '229'), ('b', 'u1', None)]
    """
    is_open = pl.col("until_month").is_null()
    return periods.group_by("person_id").agg(
        pl.len().alias("periods"),
        pl.col("unit_id").filter(is_open).first().alias("open_unit_id"),
        pl.col("unit_name").filter(is_open).first().alias("open_unit_name"),
        pl.col("until_month").max().alias("last_month"),
        pl.col("leave_reason").sort_by("until_month", nulls_last=False).last().alias("last_reason"),
    )


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    """Join the rows with the person's insurance history and retirement month."""
    rows = with_all_columns(rows, COLUMNS)
    history = last_periods(periods_of(ws, rows["person_id"]))
    context = with_registry_person(ws, rows)
    context = with_other_declarations(ws, context, header["declaration_id"])
    context = with_code_labels(context.join(history, on="person_id", how="left"), COLUMNS, "month")
    return context.with_columns(
        month_text(pl.col("month")).alias("month_text"),
        month_text(pl.col("last_month")).alias("last_text"),
        pl.lit(ws.today.replace(day=1)).alias("current_month"),
        retirement_month(pl.col("reg_gender"), pl.col("reg_identity"), pl.col("reg_birth_date")),
        pl.col("last_reason")
        .replace_strict(code_labels("leave_reason"), default=None, return_dtype=pl.String)
        .alias("last_reason_label"),
    ).with_columns(month_text(pl.col("retirement_month")).alias("retirement_text"))


REVIEW_RULES: tuple[Rule, ...] = (
    Rule(
        "has_history",
        "reject",
        "person_id",
        "未查到该人员的参保记录，不能办理中断转退休。",
        pl.col("periods").is_not_null(),
    ),
    name_matches_registry(),
    Rule(
        "not_insured_anywhere",
        "reject",
        "person_id",
        "该人员仍在 {open_unit_name}（{open_unit_id}）参保，不是中断人员。"
        "提示：在职人员退休请办理减员申报，减员原因选在职转退休。",
        pl.col("open_unit_id").is_null(),
        when=pl.col("periods").is_not_null(),
    ),
    Rule(
        "reached_retirement_age",
        "reject",
        "person_id",
        "该人员尚未达到法定退休年龄（法定退休年月 {retirement_text}），不能转退休。",
        pl.col("current_month") >= pl.col("retirement_month"),
    ),
    Rule(
        "reason_is_retirement",
        "reject",
        "leave_reason",
        "减员原因「{leave_reason_label}」不适用于中断转退休，应为在职转退休。",
        pl.col("leave_reason") == RETIREMENT_REASON,
    ),
    Rule(
        "not_retired_yet",
        "reject",
        "person_id",
        "该人员最后的减员原因已是在职转退休（减员年月 {last_text}），无需再办理。",
        pl.col("last_reason") != RETIREMENT_REASON,
        when=pl.col("open_unit_id").is_null(),
    ),
    Rule(
        "month_is_last_departure",
        "warn",
        "month",
        "减员年月 {month_text} 与该人员最后的减员年月 {last_text} 不一致，请核对。",
        pl.col("month") == pl.col("last_month"),
        when=pl.col("open_unit_id").is_null(),
    ),
    no_open_declaration(),
    once_in_declaration(),
    *code_rules(COLUMNS, "month_text"),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """Record the retirement: the person's last periods get the 减员原因 在职转退休."""
    declaration_id = header["declaration_id"]
    changed = 0
    if approved.height:
        history = last_periods(periods_of(ws, approved["person_id"]))
        targets = approved.select("person_id", "leave_reason").join(
            history.select("person_id", "last_month"), on="person_id"
        )
        changed = effects.set_leave_reason_of_last_periods(ws, targets)
    ws.log_effect(
        declaration_id,
        f"中断转退休审核通过 {approved.height} 人：最后参保记录的减员原因改为在职转退休 {changed} 条。",
    )


#: 中断转退休's result: 性别 and 出生日期 come from the registry.
RESULT = person_result("减员年月", "leave_reason", "减员原因")
#: The printed 中断转退休表.
FORM = registry_form(
    "中断转退休表",
    FormColumn("month", "减员年月", 11, "C"),
    FormColumn("leave_reason", "减员原因", 24, "L"),
)


DECLARATION = Declaration(
    kind="interrupted_to_retired",
    title="中断转退休",
    columns=COLUMNS,
    description="将中断参保、已达法定退休年龄的人员转为退休人员。一行一人。",
    review=Review(REVIEW_RULES, _context, _effects, success="中断转退休成功"),
    detectable=False,
    result=RESULT,
    form=FORM,
)
