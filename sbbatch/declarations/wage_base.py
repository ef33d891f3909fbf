"""Wage base declaration (工资申报, 缴费基数申报) of a month.

Manual §1.5. The 报盘 holds 社会保障号码, 姓名 and 缴费工资; the 申报年月 is chosen for
the whole declaration (it may also be given as a column). Start from 取上次申报工资
(:func:`last_declared_wages`, or :func:`sbbatch.wages.draft_from_last` for a ready draft) or from an
imported file; submit, review (:func:`sbbatch.review.review`) and mark read.

Review (审核), against the workspace:

- 不通过: the person is not insured in this unit in that month; the person already has
  an approved, not revoked 工资申报 for the month (a second one needs a 撤销工资申报 of
  the first — the opinion names it); the month is already paid, or on an unpaid bill
  (单据) that must be abandoned first; the wage is not above 0.
- 提示 (the row is approved): a wage below the month's minimum wage (最低工资标准, by the
  unit's district); a wage below the base floor (按下限核定) or **above the base
  ceiling** (按上限核定 — every wage above the ceiling is flagged, our reading of "far
  above"); a 姓名 that differs from the registered name.

The approved base (核定缴费基数) is the wage clamped to the month's floor and ceiling,
the same for every insurance in Jinan (one ``base_limits`` row per month); it is named
in the 审核意见 of a clamped row and listed by :func:`approved_bases`. Approval writes
the wages into ``wage_bases``; a declared wage supersedes a wage loaded from outside for
the same month, which applies again if the declaration is revoked.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.contributions import limits_for, month_list, yuan, yuan_expr
from sbbatch.declarations._common import id_column, name_column
from sbbatch.policy import Policy
from sbbatch.spec import Column, Declaration, Review, Rule
from sbbatch.store import registry, wage_facts

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = [
    "DECLARATION",
    "approved_bases",
    "district_group",
    "last_declared_wages",
    "totals",
]

COLUMNS = (
    id_column(header="社会保障号码"),
    name_column(required=False),
    Column(
        "wage_fen",
        "缴费工资",
        "money",
        required=True,
        example="5000.00",
        help="月缴费工资，单位元，最多两位小数",
        synonyms=("缴费基数", "月缴费工资", "申报工资", "工资"),
    ),
    Column("month", "申报年月", "month", example="2019-03", help="可不填，以申报时选择的年月为准"),
)

RULES = (
    Rule(
        "wage_positive",
        "reject",
        "wage_fen",
        "缴费工资「{value}」必须大于 0。",
        pl.col("wage_fen") > 0,
    ),
)


def last_declared_wages(ws: Workspace, unit_id: str, month: dt.date) -> pl.DataFrame:
    """Return every person insured in the unit in ``month`` with their last declared wage.

    This is 取上次申报工资 and the 含数据报盘 of 工资申报: one row per person
    (person_id, name, wage_fen — null when never declared — and month).
    """
    return wage_facts.last_declared_wages(ws, unit_id, month)


def district_group(ws: Workspace, unit_id: str, policy: Policy | None = None) -> str:
    """Return the minimum-wage district group (``urban`` / ``other``) of a unit's county.

    The county code of the unit is looked up among the districts that
    ``minimum_wage.csv`` lists per group; a unit without a known Jinan county counts
    as ``urban`` (the highest tier, so the 提示 is never missed).
    """
    from sbbatch.ids import region_table

    policy = policy or Policy.load()
    code = registry.unit_column(ws, unit_id, "county_code")
    if code is None:
        return "urban"
    names = region_table().filter(pl.col("code") == code)["county"].to_list()
    for group, districts in (
        policy.minimum_wage.select("district_group", "districts").unique().rows()
    ):
        if names and names[0] in (districts or "").split():
            return str(group)
    return "urban"


def _facts(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    """The registry facts of each declared row (insured, declared, paid, billed)."""
    frame = rows.select(
        "row_no",
        "person_id",
        pl.col("month").fill_null(header["business_month"]).alias("month"),
    )
    return wage_facts.wage_row_facts(ws, header["unit_id"], frame)


def _limits(ws: Workspace, frame: pl.DataFrame, unit_id: str) -> pl.DataFrame:
    """Add the month's floor, ceiling and minimum wage (with their policy ids) to ``frame``."""
    policy = Policy.load()
    months = month_list(frame["month"].drop_nulls().to_list())
    limits = limits_for(months, policy)
    group = district_group(ws, unit_id, policy)
    minimum = policy.minimum_wage_for(
        pl.DataFrame(
            {"month": months, "group": [group] * len(months)},
            schema={"month": pl.Date, "group": pl.String},
        ),
        district_group_col="group",
        policy_id_col="minimum_wage_policy_id",
    ).drop("group")
    return frame.join(limits, on="month", how="left").join(minimum, on="month", how="left")


def _with_bases(frame: pl.DataFrame) -> pl.DataFrame:
    wage = pl.col("wage_fen")
    return frame.with_columns(
        wage.clip(pl.col("floor_fen"), pl.col("ceiling_fen")).alias("base_fen"),
        pl.when(wage < pl.col("floor_fen"))
        .then(pl.lit("floor"))
        .when(wage > pl.col("ceiling_fen"))
        .then(pl.lit("ceiling"))
        .alias("base_rule"),
    )


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    declared = rows.with_columns(pl.col("month").fill_null(header["business_month"]))
    facts = _facts(ws, declared, header)
    merged = declared.join(facts, on="row_no", how="left", maintain_order="left")
    merged = _with_bases(_limits(ws, merged, header["unit_id"]))
    return merged.with_columns(
        pl.col("month").dt.strftime("%Y-%m").alias("month_text"),
        yuan_expr(pl.col("wage_fen")).alias("wage_yuan"),
        yuan_expr(pl.col("floor_fen")).alias("floor_yuan"),
        yuan_expr(pl.col("ceiling_fen")).alias("ceiling_yuan"),
        yuan_expr(pl.col("base_fen")).alias("base_yuan"),
        yuan_expr(pl.col("minimum_wage_fen")).alias("minimum_yuan"),
    )


REVIEW_RULES = (
    Rule(
        "insured_in_unit",
        "reject",
        "person_id",
        "该人员 {month_text} 不在本单位参保，不能申报工资。提示：请先办理增员申报。",
        pl.col("insured"),
    ),
    Rule(
        "already_declared",
        "reject",
        "person_id",
        "该人员 {month_text} 已有审核通过的工资申报（申报编号 {declared_by}）。"
        "提示：如需更改，请先撤销该工资申报（撤销工资申报），再重新申报。",
        pl.col("declared_by").is_null(),
    ),
    Rule(
        "month_paid",
        "reject",
        "person_id",
        "该人员 {month_text} 的社会保险费已缴纳（单据号 {paid_bill}），不能再申报工资。"
        "提示：已缴费月份的差额请办理社会保险费补缴申报。",
        pl.col("paid_bill").is_null(),
    ),
    Rule(
        "month_billed",
        "reject",
        "person_id",
        "该人员 {month_text} 已生成缴费单据 {open_bill}（未支付）。提示：请先放弃支付该单据，再申报工资。",
        pl.col("open_bill").is_null(),
    ),
    Rule(
        "wage_positive",
        "reject",
        "wage_fen",
        "缴费工资「{value}」必须大于 0。",
        pl.col("wage_fen") > 0,
    ),
    Rule(
        "below_minimum_wage",
        "warn",
        "wage_fen",
        "缴费工资 {wage_yuan} 元低于 {month_text} 最低工资标准 {minimum_yuan} 元，请核对。",
        pl.col("wage_fen") >= pl.col("minimum_wage_fen"),
        when=pl.col("wage_fen") > 0,
    ),
    Rule(
        "base_floor",
        "warn",
        "wage_fen",
        "缴费工资 {wage_yuan} 元低于缴费基数下限 {floor_yuan} 元，按下限核定为 {base_yuan} 元。",
        pl.col("base_rule") != "floor",
        when=pl.col("wage_fen") > 0,
    ),
    Rule(
        "base_ceiling",
        "warn",
        "wage_fen",
        "缴费工资 {wage_yuan} 元高于缴费基数上限 {ceiling_yuan} 元，按上限核定为 {base_yuan} 元。",
        pl.col("base_rule") != "ceiling",
    ),
    Rule(
        "name_matches",
        "warn",
        "name",
        "姓名「{value}」与登记的姓名「{registered_name}」不一致，请核对。",
        pl.col("name") == pl.col("registered_name"),
    ),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """Write the approved wages into ``wage_bases``."""
    if approved.height == 0:
        return
    wages = approved.select(
        pl.lit(header["unit_id"]).alias("unit_id"),
        "person_id",
        pl.col("month").fill_null(header["business_month"]).alias("month"),
        "wage_fen",
        pl.lit(header["declaration_id"]).alias("declaration_id"),
    )
    ws.insert_frame("wage_bases", wages)
    total = int(wages["wage_fen"].sum())
    ws.log_effect(
        header["declaration_id"],
        f"写入缴费工资 {wages.height} 人，缴费工资合计 {yuan(total)} 元",
    )


def approved_bases(ws: Workspace, declaration_id: str) -> pl.DataFrame:
    """Return each row of a 工资申报 with the base it is (or would be) approved at.

    Columns: ``row_no, person_id, name, month, wage_fen, floor_fen, ceiling_fen,
    limits_policy_id, base_fen, base_rule`` (``floor`` 按下限核定 / ``ceiling``
    按上限核定 / null), ``review_result``, ``review_opinion``. The base applies to every
    insurance (Jinan has one floor and ceiling per month).
    """
    header = ws.declaration(declaration_id)
    rows = ws.declaration_rows(declaration_id).with_columns(
        pl.col("month").fill_null(header["business_month"])
    )
    limits = limits_for(month_list(rows["month"].drop_nulls().to_list())) if rows.height else None
    if limits is None:
        return rows
    return _with_bases(rows.join(limits, on="month", how="left")).select(
        "row_no",
        "person_id",
        "name",
        "month",
        "wage_fen",
        "floor_fen",
        "ceiling_fen",
        "limits_policy_id",
        "base_fen",
        "base_rule",
        "review_result",
        "review_opinion",
    )


def totals(ws: Workspace, declaration_id: str) -> dict[str, int]:
    """Return a 工资申报's Σ: ``persons``, ``wage_fen`` (Σ 缴费工资) and ``base_fen`` (Σ 核定基数).

    Rows rejected by the review are left out once it has run.
    """
    bases = approved_bases(ws, declaration_id)
    kept = bases.filter(pl.col("review_result").is_null() | (pl.col("review_result") == "1"))
    return {
        "persons": kept.height,
        "wage_fen": int(kept["wage_fen"].sum()),
        "base_fen": int(kept["base_fen"].sum()) if "base_fen" in kept.columns else 0,
    }


DECLARATION = Declaration(
    kind="wage_base",
    title="工资申报",
    columns=COLUMNS,
    rules=RULES,
    has_business_month=True,
    prefill=last_declared_wages,
    description="为单位人员申报某月的缴费工资（缴费基数）。一行一人。",
    review=Review(rules=REVIEW_RULES, context=_context, effects=_effects),
)
