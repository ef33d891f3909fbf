"""Pension deduction of flexible workers (灵活就业人员补扣养老费), manual §1.9.

「此功能适用于特殊单位」: a unit that handles 灵活就业 persons asks for the pension
contribution of a past month to be deducted (补扣). One row per person and month:
身份证号码*, 姓名*, 补扣年月*, 缴费基数*. The amount is the base, held within the
month's 缴费基数上下限 (:meth:`sbbatch.policy.Policy.base_limits_for`), times the
flexible-employment pension rate (``flexible_pension_rate`` of
``schemas/policy/jinan/other_filings.csv``), rounded half-up to the fen.

The agency's review: the unit is a 特殊单位 — its 单位类型 has ``flexible_pension``
true in ``schemas/codes/unit_type.csv`` (个体工商户, 人才服务机构; an inference, the manual
does not say which units, and the message says so); the person is in the registry and
the 姓名 is theirs; the person is not insured for 基本养老保险 in any unit in that month
(that would be paying pension twice, 重复参保); the month is not after the agency's month
and has limits (from 2019-01); a base outside the limits is a 提示 and is clamped; no
deduction exists for the person and month yet.
Approval records the deduction with its amount (``flexible_pension_deductions``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch import codes
from sbbatch._money import half_up_div
from sbbatch.contributions import yuan_expr
from sbbatch.declarations._common import id_column, name_column
from sbbatch.declarations._other import figure, in_unit, known_person
from sbbatch.declarations._registry_review import (
    PENSION,
    month_text,
    name_matches_registry,
    periods_of,
    with_all_columns,
)
from sbbatch.policy import Policy
from sbbatch.spec import Column, Declaration, Review, Rule
from sbbatch.store import records, registry

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = [
    "COLUMNS",
    "DECLARATION",
    "REVIEW_RULES",
    "amounts",
    "rate_basis_points",
    "special_unit_types",
]

COLUMNS = (
    id_column("身份证号码"),
    name_column(required=True),
    Column("month", "补扣年月", "month", required=True, example="2026-10", synonyms=("补扣月份",)),
    Column("base", "缴费基数", "money", required=True, example="4573.00", help="元，保留两位小数"),
)

RULES: tuple[Rule, ...] = (
    Rule(
        "base_positive",
        "reject",
        "base",
        "缴费基数「{value}」应大于 0。",
        pl.col("base") > 0,
    ),
)


_BASIS_POINTS = 10_000
"""Basis points in one: a rate of 0.2 is 2000 bp."""


def rate_basis_points(month: dt.date) -> int:
    """Return the flexible-employment pension rate of ``month`` in basis points.

    Examples:
        >>> rate_basis_points(dt.date(2026, 10, 1))
        2000
    """
    return int(figure("flexible_pension_rate", month) * _BASIS_POINTS)


def amounts(rows: pl.DataFrame, policy: Policy | None = None) -> pl.DataFrame:
    """Add the month's limits, the clamped base, the rate and the amount (all fen).

    ``rows`` needs ``month`` and ``base`` (fen). New columns: ``floor_fen``,
    ``ceiling_fen``, ``has_limits``, ``base_fen`` (clamped), ``rate_bp`` and
    ``amount_fen`` (half-up). Months without limits (before 2019-01) get nulls.

    Examples:
        >>> frame = pl.DataFrame({"month": [dt.date(2026, 10, 1)], "base": [300000]})
        >>> amounts(frame).select("base_fen", "amount_fen").row(0)
        (457300, 91460)
    """
    policy = policy or Policy.load()
    months = rows.select(pl.col("month").drop_nulls().unique())
    first = months.filter(pl.col("month") >= policy.base_limits["effective_from"].min())
    limits = policy.base_limits_for(first).select("month", "floor_fen", "ceiling_fen")
    rates = pl.DataFrame(
        {
            "month": first["month"].to_list(),
            "rate_bp": [rate_basis_points(m) for m in first["month"].to_list()],
        },
        schema={"month": pl.Date, "rate_bp": pl.Int64},
    )
    base = pl.col("base").clip(pl.col("floor_fen"), pl.col("ceiling_fen"))
    return (
        rows.join(limits, on="month", how="left", maintain_order="left")
        .join(rates, on="month", how="left", maintain_order="left")
        .with_columns(pl.col("floor_fen").is_not_null().alias("has_limits"), base.alias("base_fen"))
        .with_columns(
            half_up_div(pl.col("base_fen") * pl.col("rate_bp"), _BASIS_POINTS).alias("amount_fen")
        )
    )


def special_unit_types() -> list[str]:
    """Return the 单位类型 (codes and labels) that may declare this business (特殊单位).

    Examples:
        >>> special_unit_types()
        ['60', '个体工商户', '70', '人才服务机构']
    """
    table = codes.table("unit_type").filter(pl.col("flexible_pension") == "true")
    return [value for row in table.select("code", "label").rows() for value in row]


def _unit_facts(ws: Workspace, unit_id: str) -> tuple[bool, str]:
    """Whether the unit is a 特殊单位, and the label of its 单位类型 (for the message)."""
    unit_type = registry.unit_column(ws, unit_id, "unit_type")
    if unit_type is None:
        return False, "未登记"
    labels = dict(codes.table("unit_type").select("code", "label").rows())
    return unit_type in special_unit_types(), labels.get(unit_type, unit_type)


def _pension_elsewhere(ws: Workspace, rows: pl.DataFrame) -> pl.DataFrame:
    """Per (person, month): the units where the person is insured for 基本养老保险 then."""
    periods = periods_of(ws, rows["person_id"].drop_nulls()).filter(pl.col("insurance") == PENSION)
    covering = (pl.col("from_month") <= pl.col("month")) & (
        pl.col("until_month").is_null() | (pl.col("until_month") > pl.col("month"))
    )
    return (
        rows.select("person_id", "month")
        .unique()
        .join(periods.select("person_id", "unit_id", "from_month", "until_month"), on="person_id")
        .filter(covering)
        .group_by("person_id", "month")
        .agg(pl.col("unit_id").unique().sort().str.join("、").alias("pension_units"))
    )


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    """Join the rows with the registry person, the month's limits and earlier deductions."""
    rows = amounts(with_all_columns(rows, COLUMNS))
    special, unit_type_label = _unit_facts(ws, header["unit_id"])
    pension = _pension_elsewhere(ws, rows)
    facts = in_unit(ws, header["unit_id"], rows["person_id"]).select(
        "person_id", "reg_name", "ever_here"
    )
    done = records.flexible_deductions_of(ws, rows["person_id"])
    today: dt.date = ws.today
    return (
        rows.join(facts, on="person_id", how="left", maintain_order="left")
        .join(done, on=["person_id", "month"], how="left", maintain_order="left")
        .join(pension, on=["person_id", "month"], how="left", maintain_order="left")
        .with_columns(
            pl.lit(special).alias("special_unit"),
            pl.lit(unit_type_label).alias("unit_type_label"),
            pl.lit(today.replace(day=1)).alias("this_month"),
            pl.lit(f"{today:%Y-%m}").alias("this_month_text"),
            month_text(pl.col("month")).alias("month_text"),
            yuan_expr(pl.col("base")).alias("base_yuan"),
            yuan_expr(pl.col("floor_fen")).alias("floor_yuan"),
            yuan_expr(pl.col("ceiling_fen")).alias("ceiling_yuan"),
            yuan_expr(pl.col("base_fen")).alias("clamped_yuan"),
            pl.col("row_no").min().over("person_id", "month").alias("first_month_row"),
        )
    )


REVIEW_RULES: tuple[Rule, ...] = (
    Rule(
        "special_unit",
        "reject",
        "person_id",
        "本单位的单位类型为「{unit_type_label}」，不能办理灵活就业人员补扣养老费。按 sbbatch 的"
        "假设：此功能适用于特殊单位，即个体工商户和人才服务机构（手册未列明特殊单位）。",
        pl.col("special_unit"),
    ),
    known_person(),
    name_matches_registry(),
    Rule(
        "no_employee_pension",
        "reject",
        "month",
        "该人员 {month_text} 已在单位 {pension_units} 参加基本养老保险，不能再按灵活就业人员"
        "补扣养老费（重复缴纳养老保险）。",
        pl.col("pension_units").is_null(),
    ),
    Rule(
        "person_of_unit",
        "warn",
        "person_id",
        "该人员在本单位没有参保记录，请核对是否为本单位的灵活就业人员。",
        pl.col("ever_here"),
        when=pl.col("reg_name").is_not_null(),
    ),
    Rule(
        "month_not_in_future",
        "reject",
        "month",
        "补扣年月 {month_text} 晚于当前年月 {this_month_text}，不能补扣。",
        pl.col("month") <= pl.col("this_month"),
    ),
    Rule(
        "month_has_limits",
        "reject",
        "month",
        "补扣年月 {month_text} 没有缴费基数上下限（2019-01 起），不能补扣。",
        pl.col("has_limits"),
    ),
    Rule(
        "base_within_limits",
        "warn",
        "base",
        "缴费基数 {base_yuan} 元不在 {month_text} 的上下限 {floor_yuan}–{ceiling_yuan} 元之内，"
        "按 {clamped_yuan} 元计算。",
        (pl.col("base") >= pl.col("floor_fen")) & (pl.col("base") <= pl.col("ceiling_fen")),
    ),
    Rule(
        "not_deducted_yet",
        "reject",
        "month",
        "该人员 {month_text} 已补扣养老费（申报编号 {done_declaration_id}）。",
        pl.col("done_declaration_id").is_null(),
    ),
    Rule(
        "once_per_month",
        "reject",
        "month",
        "该人员 {month_text} 在本申报中重复，与第 {first_month_row} 行相同。",
        pl.col("row_no") == pl.col("first_month_row"),
    ),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """Record the approved deductions with their amounts."""
    rows = amounts(approved)
    if rows.height:
        ws.insert_frame(
            "flexible_pension_deductions",
            rows.select(
                "person_id",
                "month",
                pl.lit(header["unit_id"]).alias("unit_id"),
                pl.col("base").alias("declared_base_fen"),
                "base_fen",
                (pl.col("rate_bp").cast(pl.Float64) / 10000).alias("rate"),
                "amount_fen",
                pl.lit(header["declaration_id"]).alias("declaration_id"),
                pl.col("row_no").cast(pl.Int32),
                pl.lit(ws.today).alias("approved_on"),
            ),
        )
    total = int(rows["amount_fen"].sum()) if rows.height else 0
    ws.log_effect(
        header["declaration_id"],
        f"灵活就业人员补扣养老费审核通过 {rows.height} 条，合计 {Decimal(total) / 100:.2f} 元。",
    )


DECLARATION = Declaration(
    kind="flexible_pension_deduction",
    title="灵活就业人员补扣养老费",
    columns=COLUMNS,
    rules=RULES,
    key_fields=("person_id", "month"),
    description="特殊单位为灵活就业人员补扣以往月份的养老保险费。一行一人一月。",
    review=Review(REVIEW_RULES, _context, _effects),
    detectable=False,
)
