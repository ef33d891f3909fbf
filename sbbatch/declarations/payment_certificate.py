"""Payment certificate (打印单位参保人员缴费证明), manual §3.13: the 报盘 of persons to print.

The manual: query the persons with 缴费信息 between 起始年月 and 终止年月, tick them, or
「下载报盘 … 导入报盘」 the persons (社会保障号码, 姓名), choose the 单位打印用途 and
print one 社保缴费证明 each. This business is that 报盘: one row per person. The
query's 起始年月, 终止年月 and 是否只查询本单位人员 may be carried in the rows (filled
by :func:`sbbatch.certificates` when declaring from a query); left empty they are
this year's January to the current month, and 是 (only the unit's own payments).

The review checks what the print needs: the person is the unit's (ever insured here;
with 是否只查询本单位人员 = 否 insured anywhere) and has paid months in the period;
months insured but not paid are a 提示 (the certificate prints them apart). Printing is
:func:`sbbatch.certificates.print_certificates` on the approved rows.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.declarations._common import id_column, name_column
from sbbatch.declarations._other import in_unit, known_person
from sbbatch.declarations._registry_review import (
    name_matches_registry,
    once_in_declaration,
    with_all_columns,
)
from sbbatch.declarations._samples import other as _samples
from sbbatch.spec import Column, Declaration, DemoStep, Review, Rule
from sbbatch.store import records, wage_facts

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["DECLARATION", "REVIEW_RULES", "period_of"]

YES, NO = "是", "否"

COLUMNS = (
    id_column("社会保障号码"),
    name_column(required=False),
    Column("first_month", "起始年月", "month", example="2026-01", help="可不填：当年 1 月"),
    Column("last_month", "终止年月", "month", example="2026-10", help="可不填：当前月份"),
    Column(
        "only_unit",
        "是否只查询本单位人员",
        example=YES,
        help=f"{YES}（只计本单位的缴费，默认）或 {NO}（计该人员在各单位的缴费）",
    ),
)

RULES = (
    Rule(
        "period_order",
        "reject",
        "last_month",
        "终止年月「{value}」早于起始年月。",
        pl.col("last_month") >= pl.col("first_month"),
    ),
    Rule(
        "only_unit_value",
        "reject",
        "only_unit",
        f"是否只查询本单位人员「{{value}}」应为“{YES}”或“{NO}”。",
        pl.col("only_unit").is_in([YES, NO]),
    ),
)


def period_of(rows: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """Fill the rows' empty 起始年月, 终止年月 and 是否只查询本单位人员 with the defaults."""
    return rows.with_columns(
        pl.col("first_month").fill_null(dt.date(today.year, 1, 1)),
        pl.col("last_month").fill_null(today.replace(day=1)),
        (pl.col("only_unit").fill_null(YES) == YES).alias("only_unit_flag"),
    )


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    unit = header["unit_id"]
    rows = period_of(with_all_columns(rows, COLUMNS), ws.today)
    here = in_unit(ws, unit, rows["person_id"]).select("person_id", "reg_name", "ever_here")
    anywhere = records.ever_insured(ws, rows["person_id"])
    months = wage_facts.paid_and_unpaid_months(
        ws,
        rows.select("row_no", "person_id", "first_month", "last_month", "only_unit_flag").cast(
            {"row_no": pl.Int64}
        ),
        unit_id=unit,
        lo=rows["first_month"].min() or ws.today.replace(day=1),
        hi=rows["last_month"].max() or ws.today.replace(day=1),
    )
    return (
        rows.join(here, on="person_id", how="left")
        .join(anywhere, on="person_id", how="left")
        .join(months.cast({"row_no": rows.schema["row_no"]}), on="row_no", how="left")
        .with_columns(
            pl.col("ever_here").fill_null(False),
            pl.col("ever_insured").fill_null(False),
            pl.col("first_month").dt.strftime("%Y-%m").alias("first_text"),
            pl.col("last_month").dt.strftime("%Y-%m").alias("last_text"),
        )
    )


REVIEW_RULES: tuple[Rule, ...] = (
    known_person(),
    name_matches_registry(),
    Rule(
        "belongs_to_unit",
        "reject",
        "person_id",
        "「{reg_name}」不是本单位的参保人员，不能打印缴费证明。",
        pl.col("ever_here"),
        when=pl.col("only_unit_flag") & pl.col("reg_name").is_not_null(),
    ),
    Rule(
        "insured_anywhere",
        "reject",
        "person_id",
        "「{reg_name}」没有参保记录，不能打印缴费证明。",
        pl.col("ever_insured"),
        when=~pl.col("only_unit_flag") & pl.col("reg_name").is_not_null(),
    ),
    Rule(
        "has_payments",
        "reject",
        "person_id",
        "「{reg_name}」在 {first_text}至{last_text} 没有已缴费记录，不能打印缴费证明。"
        "提示：请调整起始年月和终止年月。",
        pl.col("paid_months") > 0,
        when=pl.col("reg_name").is_not_null(),
    ),
    Rule(
        "unpaid_months",
        "warn",
        "person_id",
        "「{reg_name}」在 {first_text}至{last_text} 有 {unpaid_months} 个月应缴未缴，"
        "证明上将单列为应缴未缴月份。",
        pl.col("unpaid_months") == 0,
        when=pl.col("paid_months") > 0,
    ),
    once_in_declaration(),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    ws.log_effect(
        header["declaration_id"], f"缴费证明审核通过 {approved.height} 人，可打印社保缴费证明。"
    )


#: This business's part of the monthly demo (its sample cases: :mod:`sbbatch.declarations._samples.other`).
DEMO = DemoStep(
    order=60,
    title="医疗账户补助金、自助终端专管员、缴费证明",
    run=_samples.run,
)

DECLARATION = Declaration(
    kind="payment_certificate",
    title="打印单位参保人员缴费证明",
    columns=COLUMNS,
    rules=RULES,
    description="导入要打印社保缴费证明的人员（社会保障号码、姓名）。一行一人。",
    review=Review(REVIEW_RULES, _context, _effects),
    detectable=False,
    demo=DEMO,
)
