"""Unemployment benefit (失业待遇申报), manual §6.1: the unit declares a former employee
for unemployment benefit (失业保险金); the system judges whether the conditions are met.

Conditions (失业保险条例 第十四条), checked against the workspace:

- at least one year of unemployment insurance: the person's insured months of 失业保险
  (险种 2), each month once (see :mod:`sbbatch.declarations._retirement`);
- employment ended involuntarily: the 减员原因 of the last unemployment period is in the
  involuntary list of ``schemas/policy/jinan/unemployment_reasons.csv`` (221 解除劳动合同,
  223 被辞退); 222 辞职 and the rest are refused with the reason (不符合要求);
- departed: no insured period open anywhere; the last unemployment period was in this unit;
- of working age: a person at or past the statutory retirement month
  (:meth:`sbbatch.policy.Policy.retirement_month`) is 不通过 (按 sbbatch 的假设: the
  manual and policy-facts.md are silent; the person is out of the 劳动年龄 and belongs
  to the pension, 条例 第十五条).

Contribution time restarts after a benefit spell (失业保险条例 第十七条: 重新就业后，再次
失业的，缴费时间重新计算): months insured before the 减员年月 of the person's last
approved benefit (table ``unemployment_benefits``) do not count.

The benefit: 领取期限 from :meth:`sbbatch.policy.Policy.unemployment_months` (by
contribution years) and the monthly amount from
:meth:`~sbbatch.policy.Policy.unemployment_benefit_for` for the month of the review and
the minimum-wage district group of the unit's county
(:func:`sbbatch.declarations.wage_base.district_group`: urban districts tier 1, the
others tier 2, ``minimum_wage.csv``), in fen. Approval records them (table ``unemployment_benefits``) with
the 缴费历史 summary, which :func:`benefit_result` shows next to the review result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.contributions import yuan_expr
from sbbatch.declarations._common import id_column, name_column
from sbbatch.declarations._registry_review import (
    code_labels,
    code_rules,
    month_text,
    name_matches_registry,
    once_in_declaration,
    periods_of,
    with_all_columns,
    with_code_labels,
    with_registry_person,
)
from sbbatch.declarations._retirement import (
    UNEMPLOYMENT,
    contribution_months,
    month_index,
    unemployment_reasons,
)
from sbbatch.declarations.wage_base import district_group
from sbbatch.policy import Policy
from sbbatch.spec import Column, Declaration, ResultTable, Review, Rule
from sbbatch.store import effects, records
from sbbatch.store import records as records_store

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["DECLARATION", "REVIEW_RULES", "benefit_result", "history_summary"]

COLUMNS = (
    id_column(),
    name_column(required=False),
    Column("person_category", "人员类别", "code", code_table="person_category", example="城镇制"),
)


def history_summary(periods: pl.DataFrame, current: pl.Expr) -> pl.DataFrame:
    """Return each person's 缴费历史 of unemployment insurance as one line of text.

    Args:
        periods: Insured periods with ``unit_name`` (:func:`periods_of`).
        current: The current month (open periods count up to the month before it).

    Returns:
        ``person_id``, ``history``: ``单位 起始年月至终止年月（N个月）`` joined by ``；``.

    Examples:
        >>> import datetime as dt
        >>> periods = pl.DataFrame({"person_id": ["a"], "insurance": ["2"], "unit_id": ["u1"], "unit_name": ["甲公司"],
        ...     "from_month": [dt.date(2020, 1, 1)], "until_month": [dt.date(2021, 7, 1)]})
        >>> history_summary(periods, pl.lit(dt.date(2026, 11, 1))).row(0)
        ('a', '甲公司 2020-01至2021-06（18个月）')
    """
    stop = pl.coalesce("until_month", current)
    last = stop.dt.offset_by("-1mo")
    return (
        periods.filter(pl.col("insurance") == UNEMPLOYMENT)
        .sort("person_id", "from_month")
        .select(
            "person_id",
            pl.format(
                "{} {}至{}（{}个月）",
                pl.col("unit_name").fill_null(pl.col("unit_id")),
                month_text(pl.col("from_month")),
                month_text(last),
                month_index(stop) - month_index(pl.col("from_month")),
            ).alias("line"),
        )
        .group_by("person_id", maintain_order=True)
        .agg(pl.col("line").str.join("；").alias("history"))
    )


def _facts(ws: Workspace, rows: pl.DataFrame) -> pl.DataFrame:
    """Per person: the last unemployment period, any open period, paid months, history."""
    ids = rows["person_id"]
    periods = periods_of(ws, ids)
    current = ws.today.replace(day=1)
    is_open = pl.col("until_month").is_null()
    unemployment = periods.filter(pl.col("insurance") == UNEMPLOYMENT)
    last = (
        unemployment.filter(~is_open)
        .sort("until_month")
        .group_by("person_id")
        .agg(
            pl.col("until_month").last().alias("leave_month"),
            pl.col("leave_reason").last().alias("leave_reason"),
            pl.col("unit_id").last().alias("last_unit_id"),
            pl.col("unit_name").last().alias("last_unit_name"),
        )
    )
    open_any = (
        periods.filter(is_open)
        .group_by("person_id")
        .agg(
            pl.col("unit_id").first().alias("open_unit_id"),
            pl.col("unit_name").first().alias("open_unit_name"),
        )
    )
    # 条例 第十七条: after a benefit spell the count restarts at the spell's 减员年月
    spells = records.unemployment_spells(ws, ids).rename({"leave_month": "spell_month"})
    previous = (
        spells.join(last.select("person_id", "leave_month"), on="person_id")
        .filter(pl.col("spell_month") < pl.col("leave_month"))
        .group_by("person_id")
        .agg(pl.col("spell_month").max().alias("since_month"))
    )
    paid = contribution_months(ws, ids, UNEMPLOYMENT, since=previous)
    history = history_summary(periods, pl.lit(current))
    return (
        rows.select("person_id")
        .unique()
        .join(last, on="person_id", how="left")
        .join(open_any, on="person_id", how="left")
        .join(paid, on="person_id", how="left")
        .join(previous, on="person_id", how="left")
        .join(history, on="person_id", how="left")
    )


def _benefit(ws: Workspace, unit_id: str) -> tuple[int, str, str]:
    """The monthly benefit in fen for the review's month and the unit's district group.

    Returns the amount, its policy id and the minimum wage's policy id.
    """
    frame = Policy.load().unemployment_benefit_for(
        pl.DataFrame(
            {"month": [ws.today.replace(day=1)], "district_group": [district_group(ws, unit_id)]}
        ),
        district_group_col="district_group",
    )
    return (
        int(frame["unemployment_benefit_fen"][0]),
        str(frame["policy_id"][0]),
        str(frame["minimum_wage_policy_id"][0]),
    )


def benefit_context(ws: Workspace, rows: pl.DataFrame, unit_id: str) -> pl.DataFrame:
    """Join declared rows with the conditions and the computed benefit."""
    policy = Policy.load()
    rows = with_all_columns(rows, COLUMNS)
    monthly, policy_id, wage_policy_id = _benefit(ws, unit_id)
    context = with_registry_person(ws, rows).join(_facts(ws, rows), on="person_id", how="left")
    granted = records.unemployment_spells(ws, rows["person_id"]).with_columns(
        pl.lit(True).alias("granted")
    )
    context = context.join(granted, on=["person_id", "leave_month"], how="left")
    context = context.join(unemployment_reasons(), on="leave_reason", how="left")
    context = with_code_labels(
        context.with_columns(pl.lit(ws.today.replace(day=1)).alias("current_month")),
        COLUMNS,
        "current_month",
    )
    group = policy.retirement_group(pl.col("reg_gender"), pl.col("reg_identity"))
    paid = pl.col("contribution_months").fill_null(0)
    return context.with_columns(
        paid.alias("paid_months"),
        policy.unemployment_months(paid / 12).alias("benefit_months"),
        pl.lit(monthly, pl.Int64).alias("monthly_fen"),
        pl.lit(f"{policy_id}+{wage_policy_id}").alias("benefit_policy_id"),
        policy.retirement_month(pl.col("reg_birth_date"), group).alias("statutory_month"),
        pl.when(pl.col("since_month").is_not_null())
        .then(
            pl.format(
                "（上次领取失业保险金后重新计算，自 {} 起）", month_text(pl.col("since_month"))
            )
        )
        .otherwise(pl.lit(""))
        .alias("restart_text"),
        pl.col("leave_reason")
        .replace_strict(code_labels("leave_reason"), default=pl.col("leave_reason"))
        .alias("leave_reason_label"),
        month_text(pl.col("leave_month")).alias("leave_text"),
        month_text(pl.col("current_month")).alias("current_text"),
        pl.col("history").fill_null("无"),
    ).with_columns(month_text(pl.col("statutory_month")).alias("statutory_text"))


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    return benefit_context(ws, rows, header["unit_id"]).with_columns(
        pl.lit(header["unit_id"]).alias("unit_id")
    )


REVIEW_RULES: tuple[Rule, ...] = (
    Rule(
        "person_known",
        "reject",
        "person_id",
        "未查到该人员的社保登记信息。",
        pl.col("reg_name").is_not_null(),
    ),
    name_matches_registry(),
    Rule(
        "has_unemployment_history",
        "reject",
        "person_id",
        "不符合要求：未查到该人员已终止的失业保险参保记录。",
        pl.col("leave_month").is_not_null(),
        when=pl.col("reg_name").is_not_null(),
    ),
    Rule(
        "departed",
        "reject",
        "person_id",
        "不符合要求：该人员仍在 {open_unit_name}（{open_unit_id}）参保，不是失业人员。",
        pl.col("open_unit_id").is_null(),
    ),
    Rule(
        "left_this_unit",
        "reject",
        "person_id",
        "不符合要求：该人员最后参加失业保险的单位是 {last_unit_name}（{last_unit_id}），"
        "应由该单位申报。",
        pl.col("last_unit_id") == pl.col("unit_id"),
    ),
    Rule(
        "involuntary_departure",
        "reject",
        "person_id",
        "不符合要求：减员原因「{leave_reason_label}」（减员年月 {leave_text}）不属于非因本人意愿中断就业，"
        "不能领取失业保险金。",
        pl.col("involuntary").fill_null(False),
        when=pl.col("leave_month").is_not_null(),
    ),
    Rule(
        "paid_one_year",
        "reject",
        "person_id",
        "不符合要求：失业保险累计缴费 {paid_months} 个月{restart_text}，不满 1 年。"
        "缴费历史：{history}。",
        # eligibility is the policy's own table: fewer than 1 year gives no benefit months
        pl.col("benefit_months").fill_null(0) > 0,
        when=pl.col("reg_name").is_not_null(),
    ),
    Rule(
        "below_retirement_age",
        "reject",
        "person_id",
        "不符合要求：该人员已于 {statutory_text} 达到法定退休年龄，不能领取失业保险金"
        "（按 sbbatch 的假设：达到法定退休年龄的人员不属于劳动年龄内的失业人员，应办理退休）。",
        pl.col("statutory_month") > pl.col("current_month"),
        when=pl.col("reg_name").is_not_null(),
    ),
    Rule(
        "not_granted_yet",
        "reject",
        "person_id",
        "该人员本次失业（减员年月 {leave_text}）已申报失业待遇，不能重复申报。",
        pl.col("granted").is_null(),
    ),
    once_in_declaration(),
    *code_rules(COLUMNS, "current_text"),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """Record each approved benefit: months, monthly amount and total in fen, history."""
    declaration_id = header["declaration_id"]
    if approved.height:
        context = benefit_context(ws, approved, header["unit_id"])
        records = context.select(
            "person_id",
            "leave_month",
            "leave_reason",
            "paid_months",
            "benefit_months",
            "current_month",
            "monthly_fen",
            (pl.col("benefit_months") * pl.col("monthly_fen")).alias("total_fen"),
            "benefit_policy_id",
            "history",
        )
        effects.insert_unemployment_benefits(
            ws,
            records,
            unit_id=header["unit_id"],
            declaration_id=declaration_id,
            today=ws.today,
        )
    ws.log_effect(
        declaration_id, f"失业待遇申报审核通过 {approved.height} 人：已核定领取期限和失业保险金。"
    )


def benefit_result(ws: Workspace, declaration_id: str, reviewed: pl.DataFrame) -> pl.DataFrame:
    """Return the review result with each approved person's benefit and 缴费历史.

    ``reviewed`` is the declaration's :func:`sbbatch.review.result` (the review engine
    sits above the businesses, so the caller passes it in).

    Columns: those of ``reviewed`` plus ``paid_months``,
    ``benefit_months``, ``monthly_yuan``, ``total_yuan``, ``start_month`` and ``history``
    (null for rows not approved).
    """
    records = records_store.unemployment_benefits_of(ws, declaration_id).select(
        "person_id",
        "paid_months",
        "benefit_months",
        yuan_expr(pl.col("monthly_fen")).alias("monthly_yuan"),
        yuan_expr(pl.col("total_fen")).alias("total_yuan"),
        "start_month",
        "history",
    )
    return reviewed.join(records, on="person_id", how="left")


def _benefit_facts(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    """Add each approved person's benefit (缴费月数, 领取期限, amounts, 缴费历史)."""
    records = records_store.unemployment_benefits_of(ws, header["declaration_id"]).select(
        "person_id", "paid_months", "benefit_months", "monthly_fen", "total_fen", "history"
    )
    return rows.join(records, on="person_id", how="left", maintain_order="left")


#: 失业待遇申报's result: the declared person and, when approved, the benefit.
RESULT = ResultTable(
    extra=(
        Column("paid_months", "缴费月数", "int"),
        Column("benefit_months", "领取期限（月）", "int"),
        Column("monthly_fen", "月失业保险金（元）", "money"),
        Column("total_fen", "合计（元）", "money"),
        Column("history", "缴费历史"),
    ),
    facts=_benefit_facts,
)


DECLARATION = Declaration(
    kind="unemployment_benefit",
    title="失业待遇申报",
    columns=COLUMNS,
    description="为符合领取失业待遇条件的参保人办理失业待遇申报。一行一人。",
    review=Review(REVIEW_RULES, _context, _effects, success="符合失业待遇申领条件"),
    detectable=False,
    result=RESULT,
)
