"""Back-payment declaration (社会保险费补缴申报) of past months.

Manual §1.7: 为单位在职人员进行社会保险费的补缴申报 — by 社会保障号码, with 缴费基数
and 补缴年月, one case or a batch file (生成报盘文件), through the same pipeline. Then
社会保险费补缴缴费 (§2.1): a bill (单据) over the approved back-payments, with 滞纳金
(:func:`sbbatch.payments.create_backpay_bill`).

One row per person and run of months: 社会保障号码, 姓名, 补缴年月 (first month),
补缴终止年月 (last month; blank = the first month only), 缴费基数 (blank = the wage
approved for that month) and 补缴原因.

Each month is charged at **its own** floor, ceiling and rates (the policy rows in force
that month), for the insurances the person has in this unit (those of the insured period
covering the month; for a month outside every period, those of the unit's period
nearest to it) that the policy allows to back-pay (``backpay.csv``: in Jinan 养老, 失业,
医疗; not 工伤, 生育, 大额医疗).

Review (审核), per row, naming the months concerned:

- 不通过: the person has no insured period in this unit at all; a month is not before
  the agency's current month, or outside the policy tables; a month lies outside the
  unit's insured periods (补缴 is for the unit's insured persons, manual §1.7) unless the
  补缴原因 is the exception ``backpay_outside_reason`` of ``other_filings.csv`` (稽核补缴,
  an inference the message names); the person is insured in another unit
  that month; a month is already paid (a paid bill), on an unpaid bill, or in another
  approved back-payment not yet paid; no base (no 缴费基数 given and no approved wage);
  no insurance may be back-paid that month; two rows of the declaration cover the
  same month.
- 提示: a base below the floor (按下限核定) or above the ceiling (按上限核定).

Approval stores the amounts as ``backpay_items`` (one per person, month, insurance and
payer, with base, rate and ``policy_id``). :func:`amounts` shows them, with the late fee
as of a day, before or after the review.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.contributions import (
    compute_lines,
    limits_for,
    month_list,
    plain,
    rate_groups,
    with_late_fees,
    yuan,
)
from sbbatch.declarations._common import id_column, name_column
from sbbatch.declarations._other import figure_row
from sbbatch.policy import Policy
from sbbatch.spec import Column, Declaration, Review, Rule, WidgetLayout
from sbbatch.store import records, wage_facts

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["DECLARATION", "amounts", "policy_start", "row_totals"]

COLUMNS = (
    id_column(header="社会保障号码"),
    name_column(required=False),
    Column(
        "from_month",
        "补缴年月",
        "month",
        required=True,
        example="2026-05",
        help="补缴的起始年月",
        synonyms=("补缴起始年月", "补缴开始年月", "起始年月"),
    ),
    Column(
        "to_month",
        "补缴终止年月",
        "month",
        example="2026-10",
        help="可不填，只补缴起始年月这一个月",
        synonyms=("补缴结束年月", "终止年月"),
    ),
    Column(
        "wage_fen",
        "缴费基数",
        "money",
        example="5000.00",
        help="可不填，取该月已核定的缴费工资；按该月的缴费基数上下限核定",
        synonyms=("补缴基数", "月缴费基数"),
    ),
    Column(
        "reason",
        "补缴原因",
        "text",
        example="入职时未及时增员",
        help="补缴本单位参保期间以外的月份时必填",
        max_length=200,
    ),
)

RULES = (
    Rule(
        "to_after_from",
        "reject",
        "to_month",
        "补缴终止年月「{value}」早于补缴年月。",
        pl.col("to_month") >= pl.col("from_month"),
    ),
    Rule(
        "base_positive",
        "reject",
        "wage_fen",
        "缴费基数「{value}」必须大于 0。",
        pl.col("wage_fen") > 0,
    ),
)


def policy_start(policy: Policy | None = None) -> dt.date:
    """Return the first month for which the policy has both base limits and rates."""
    policy = policy or Policy.load()
    return max(policy.base_limits["effective_from"].min(), policy.rates["effective_from"].min())  # type: ignore[type-var,return-value]


def _months(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per declared row and month of its range."""
    start = pl.col("from_month").dt.month_start()
    end = pl.coalesce(pl.col("to_month"), pl.col("from_month")).dt.month_start()
    return (
        rows.filter(pl.col("from_month").is_not_null() & (end >= start))
        .select(
            "row_no",
            "person_id",
            "wage_fen",
            pl.date_ranges(start, end, interval="1mo").alias("month"),
        )
        .explode("month")
    )


def _month_facts(
    ws: Workspace, rows: pl.DataFrame, header: dict[str, Any], policy: Policy
) -> pl.DataFrame:
    """Facts of every (row, month): registry state, base and insurances allowed."""
    unit = header["unit_id"]
    months = _months(rows)
    empty_list = pl.lit([], pl.List(pl.String))
    with ws.registered(sb_months=months.select("row_no", "person_id", "month")):
        facts = wage_facts.backpay_month_facts(
            ws, unit_id=unit, declaration_id=header["declaration_id"]
        )
        periods = wage_facts.backpay_periods(ws, unit)
    # insurances: those of the unit's periods covering the month, else of the nearest period
    month_index = pl.col("month").dt.year() * 12 + pl.col("month").dt.month()
    from_index = pl.col("from_month").dt.year() * 12 + pl.col("from_month").dt.month()
    last = pl.col("until_month").dt.offset_by("-1mo")
    last_index = last.dt.year() * 12 + last.dt.month()
    distance = (
        pl.when(month_index < from_index)
        .then(from_index - month_index)
        .when(pl.col("until_month").is_not_null() & (month_index > last_index))
        .then(month_index - last_index)
        .otherwise(0)
    )
    candidates = (
        months.select("row_no", "person_id", "month")
        .join(periods, on="person_id", how="inner")
        .with_columns(distance.alias("_distance"))
        .filter(pl.col("_distance") == pl.col("_distance").min().over("row_no", "month"))
    )
    allowed = policy.backpay_allowed(pl.col("insurance"), pl.col("month")).fill_null(False)
    insurances = candidates.group_by("row_no", "month").agg(
        (pl.col("_distance").first() == 0).alias("covered"),
        pl.col("insurance").filter(allowed).unique().sort().alias("insurances"),
    )
    current = ws.today.replace(day=1)
    start = policy_start(policy)
    merged = (
        months.join(facts, on=["row_no", "month"], how="left")
        .join(insurances, on=["row_no", "month"], how="left")
        .with_columns(
            pl.col("covered").fill_null(False),
            pl.col("insurances").fill_null(empty_list),
            pl.coalesce("wage_fen", "approved_wage").alias("base_wage"),
            (pl.col("month") >= current).alias("future"),
            (pl.col("month") < start).alias("too_old"),
            (pl.len().over("person_id", "month") > 1).alias("overlap"),
        )
    )
    in_range = merged.filter(~pl.col("future") & ~pl.col("too_old"))
    if in_range.height:
        limits = limits_for(month_list(in_range["month"].to_list()), policy)
        merged = merged.join(limits, on="month", how="left")
    else:
        merged = merged.with_columns(
            pl.lit(None, pl.Int64).alias("floor_fen"),
            pl.lit(None, pl.Int64).alias("ceiling_fen"),
            pl.lit(None, pl.String).alias("limits_policy_id"),
        )
    return merged


def _months_text(condition: pl.Expr, value: pl.Expr | None = None) -> pl.Expr:
    shown = pl.col("month").dt.strftime("%Y-%m") if value is None else value
    return shown.filter(condition).unique(maintain_order=True).str.join("、")


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    policy = Policy.load()
    facts = _month_facts(ws, rows, header, policy)
    unit = header["unit_id"]
    has_period = records.persons_with_period_in_unit(ws, unit)
    per_row = facts.group_by("row_no").agg(
        _months_text(pl.col("future")).alias("future_months"),
        _months_text(pl.col("too_old")).alias("too_old_months"),
        _months_text(~pl.col("covered")).alias("uncovered_months"),
        _months_text(pl.col("other_units").is_not_null()).alias("other_months"),
        _months_text(pl.col("other_units").is_not_null(), pl.col("other_units")).alias(
            "other_units"
        ),
        _months_text(pl.col("paid_bill").is_not_null()).alias("paid_months"),
        _months_text(pl.col("paid_bill").is_not_null(), pl.col("paid_bill")).alias("paid_bills"),
        _months_text(pl.col("open_bill").is_not_null()).alias("billed_months"),
        _months_text(pl.col("open_bill").is_not_null(), pl.col("open_bill")).alias("billed_bills"),
        _months_text(pl.col("pending_backpay").is_not_null()).alias("pending_months"),
        _months_text(pl.col("pending_backpay").is_not_null(), pl.col("pending_backpay")).alias(
            "pending_ids"
        ),
        _months_text(pl.col("base_wage").is_null()).alias("no_base_months"),
        _months_text(pl.col("insurances").list.len() == 0).alias("no_insurance_months"),
        _months_text(pl.col("overlap")).alias("overlap_months"),
        _months_text(pl.col("base_wage") < pl.col("floor_fen")).alias("floor_months"),
        _months_text(pl.col("base_wage") > pl.col("ceiling_fen")).alias("ceiling_months"),
    )
    return (
        rows.join(per_row, on="row_no", how="left", maintain_order="left")
        .with_columns(pl.col(c).fill_null("") for c in per_row.columns if c != "row_no")
        .with_columns(
            pl.col("person_id").is_in(has_period.implode()).alias("has_period"),
            pl.lit(ws.today.replace(day=1).strftime("%Y-%m")).alias("current_month"),
            pl.col("reason").fill_null("").str.strip_chars().alias("reason_text"),
        )
    )


def _none(column: str) -> pl.Expr:
    return pl.col(column) == ""


#: The 补缴原因 that opens months outside the unit's insured periods (policy row, inference).
OUTSIDE_REASON = str(figure_row("backpay_outside_reason")["value"])


REVIEW_RULES = (
    Rule(
        "person_in_unit",
        "reject",
        "person_id",
        "该人员在本单位没有参保记录，不能补缴。提示：请先办理增员申报。",
        pl.col("has_period"),
    ),
    Rule(
        "months_in_past",
        "reject",
        "from_month",
        "补缴年月须早于本月（{current_month}），{future_months} 不能补缴。提示：本月及以后的费款请通过工资申报缴费。",
        _none("future_months"),
    ),
    Rule(
        "policy_covers",
        "reject",
        "from_month",
        "{too_old_months} 没有适用的缴费基数上下限或费率参数，无法计算补缴金额。",
        _none("too_old_months"),
    ),
    Rule(
        "covered_or_reason",
        "reject",
        "from_month",
        "{uncovered_months} 不在本单位的参保期间内，不能补缴。按 sbbatch 的假设：参保期间以外的"
        f"月份只能按经办机构的稽核结论补缴，补缴原因须填写“{OUTSIDE_REASON}”。",
        _none("uncovered_months") | (pl.col("reason_text") == OUTSIDE_REASON),
        when=pl.col("has_period"),
    ),
    Rule(
        "not_insured_elsewhere",
        "reject",
        "from_month",
        "{other_months} 该人员在其他单位（{other_units}）参保，不能在本单位补缴。",
        _none("other_months"),
    ),
    Rule(
        "not_paid",
        "reject",
        "from_month",
        "{paid_months} 已缴费（单据号 {paid_bills}），不能重复补缴。",
        _none("paid_months"),
    ),
    Rule(
        "not_billed",
        "reject",
        "from_month",
        "{billed_months} 已生成缴费单据 {billed_bills}（未支付）。提示：请先支付或放弃支付该单据。",
        _none("billed_months"),
    ),
    Rule(
        "not_pending",
        "reject",
        "from_month",
        "{pending_months} 已在补缴申报 {pending_ids} 中审核成功。提示：请在社会保险费补缴缴费中缴费，不要重复申报。",
        _none("pending_months"),
    ),
    Rule(
        "has_base",
        "reject",
        "wage_fen",
        "{no_base_months} 没有已核定的缴费工资。提示：请填写缴费基数。",
        _none("no_base_months"),
    ),
    Rule(
        "has_insurance",
        "reject",
        "from_month",
        "{no_insurance_months} 没有可以补缴的险种（工伤、生育、大额医疗等险种不办理补缴）。",
        _none("no_insurance_months"),
        when=pl.col("has_period"),
    ),
    Rule(
        "no_overlap",
        "reject",
        "from_month",
        "{overlap_months} 与本申报中同一人员的其他行重复。",
        _none("overlap_months"),
    ),
    Rule(
        "base_floor",
        "warn",
        "wage_fen",
        "{floor_months} 的缴费基数低于缴费基数下限，按下限核定。",
        _none("floor_months"),
    ),
    Rule(
        "base_ceiling",
        "warn",
        "wage_fen",
        "{ceiling_months} 的缴费基数高于缴费基数上限，按上限核定。",
        _none("ceiling_months"),
    ),
)


def _items(
    ws: Workspace, rows: pl.DataFrame, header: dict[str, Any], policy: Policy
) -> pl.DataFrame:
    """The amounts of ``rows``: one line per person, month, insurance and payer."""
    facts = _month_facts(ws, rows, header, policy).filter(
        ~pl.col("future") & ~pl.col("too_old") & pl.col("base_wage").is_not_null()
    )
    unit = header["unit_id"]
    item_schema = {"declaration_id": pl.String, "row_no": pl.Int32, "unit_id": pl.String}
    if facts.height == 0:
        return pl.DataFrame(schema=item_schema)
    # each back-paid month as a one-month insured period of its allowed insurances
    periods = (
        facts.select(
            pl.lit(unit).alias("unit_id"),
            "person_id",
            pl.col("insurances").alias("insurance"),
            pl.col("month").alias("from_month"),
            pl.col("month").dt.offset_by("1mo").alias("until_month"),
        )
        .explode("insurance")
        .drop_nulls("insurance")
    )
    bases = facts.select(
        pl.lit(unit).alias("unit_id"), "person_id", "month", pl.col("base_wage").alias("wage_fen")
    ).unique(["person_id", "month"], keep="first")
    months = month_list(facts["month"].to_list())
    units = records.unit_injury_rates(ws, unit)
    groups, rates = rate_groups(units, months, policy=policy)
    lines = compute_lines(
        periods.lazy(),
        bases.lazy(),
        groups.lazy(),
        rates.lazy(),
        limits_for(months, policy).lazy(),
    ).collect()
    lines = plain(lines)
    keys = facts.select("row_no", "person_id", "month").unique(["person_id", "month"], keep="first")
    reasons = rows.select("row_no", pl.col("reason"))
    return (
        lines.join(keys, on=["person_id", "month"], how="left")
        .join(reasons, on="row_no", how="left")
        .with_columns(
            pl.lit(header["declaration_id"]).alias("declaration_id"),
            pl.col("row_no").cast(pl.Int32),
        )
        .sort("row_no", "month", pl.col("insurance").cast(pl.Int64), pl.col("payer") == "person")
    )


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    if approved.height == 0:
        return
    items = _items(ws, approved, header, Policy.load())
    ws.insert_frame("backpay_items", items)
    total = int(items["amount_fen"].sum()) if items.height else 0
    ws.log_effect(
        header["declaration_id"],
        f"核定补缴 {approved.height} 行、{items.select('person_id', 'month').n_unique()} 人月，"
        f"应缴 {yuan(total)} 元（不含滞纳金）",
    )


def amounts(ws: Workspace, declaration_id: str, paid_on: dt.date | None = None) -> pl.DataFrame:
    """Return the back-payment lines of a 补缴申报, with the 滞纳金 if paid on ``paid_on``.

    After the review these are the approved ``backpay_items``; before it, what the
    rows would come to (rows the review would reject may still give lines).

    Args:
        ws: The workspace.
        declaration_id: A 补缴申报.
        paid_on: The payment day for the late fee; the agency's date by default.

    Returns:
        The lines (see :data:`sbbatch.contributions.PLAIN_COLUMNS`) plus ``row_no``,
        ``reason``, ``due_date``, ``late_fee_days``, ``late_fee_fen`` and
        ``late_fee_policy_id``.
    """
    header = ws.declaration(declaration_id)
    policy = Policy.load()
    stored = wage_facts.backpay_items_of(ws, declaration_id)
    if header["status"] in ("reviewed", "read"):
        lines = stored
    else:
        lines = _items(ws, ws.declaration_rows(declaration_id), header, policy)
        if lines.height == 0:
            lines = stored
    if lines.height == 0:
        return lines
    return with_late_fees(lines, paid_on or ws.today, policy=policy)


def row_totals(ws: Workspace, declaration_id: str, paid_on: dt.date | None = None) -> pl.DataFrame:
    """Return per declared row: months, 应缴金额, 滞纳金 and 合计 (all in fen)."""
    lines = amounts(ws, declaration_id, paid_on)
    if lines.height == 0:
        return pl.DataFrame(
            schema={
                "row_no": pl.Int32,
                "person_id": pl.String,
                "months": pl.UInt32,
                "amount_fen": pl.Int64,
                "late_fee_fen": pl.Int64,
                "total_fen": pl.Int64,
            }
        )
    return (
        lines.group_by("row_no", "person_id")
        .agg(
            pl.col("month").n_unique().alias("months"),
            pl.col("amount_fen").sum(),
            pl.col("late_fee_fen").sum(),
        )
        .with_columns((pl.col("amount_fen") + pl.col("late_fee_fen")).alias("total_fen"))
        .sort("row_no")
    )


#: The single-case form (社会保险费补缴申报).
WIDGET = WidgetLayout(print_label="打印申请表")


DECLARATION = Declaration(
    kind="backpay",
    title="社会保险费补缴申报",
    columns=COLUMNS,
    rules=RULES,
    key_fields=("person_id", "from_month"),
    description="为单位在职人员补缴以前月份的社会保险费。一行一人一段补缴年月。",
    review=Review(rules=REVIEW_RULES, context=_context, effects=_effects),
    widget=WIDGET,
)
