"""Medical account subsidy (医疗账户补助金申报), manual §3.1.

「新开户单位，可对员工进行医疗账户金补助。」 One row per person: 社会保障号码, 姓名,
性别, 申报年月, 申报工资 and 本月申报金额 (the only column the manual marks *). The
含数据报盘 lists every person insured for medical in the unit in the month with
0.00 (:func:`prefill`); 批设置 sets one amount for all (:func:`set_amount`).

The agency's review (the manual's example rejects with 「处理失败:参保人马青[370…」):
the person is insured for 职工基本医疗保险 in the unit in the 申报年月; the amount is
above 0 and not above the cap; the person has no subsidy for the month yet; the unit is
new — its first insured month within ``new_unit_months`` of the 申报年月, else 不通过
(the manual allows the subsidy to 新开户单位 only; the month count is an INFERENCE, see
``schemas/policy/jinan/other_filings.csv``, and the message says so). Approval records
the subsidy.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch._money import fen_of_yuan
from sbbatch.contributions import yuan_expr
from sbbatch.declarations._common import gender_matches_id, id_column, name_column
from sbbatch.declarations._other import MEDICAL, figure, in_unit, known_person
from sbbatch.declarations._registry_review import (
    code_labels,
    month_text,
    name_matches_registry,
    once_in_declaration,
    with_all_columns,
)
from sbbatch.spec import (
    Column,
    Declaration,
    FormColumn,
    FormTable,
    PrintedForm,
    Review,
    Rule,
    WidgetLayout,
)
from sbbatch.store import records

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["DECLARATION", "REVIEW_RULES", "cap_fen", "prefill", "set_amount"]

COLUMNS = (
    id_column("社会保障号码"),
    name_column(required=False),
    Column(
        "gender",
        "性别",
        "gender",
        example="女",
        help="可不填，按社会保障号码带出",
        derived_from_id=True,
    ),
    Column("month", "申报年月", "month", required=True, example="2026-11"),
    Column("wage", "申报工资", "money", example="0.00", help="可不填（含数据报盘带出）"),
    Column(
        "amount", "本月申报金额", "money", required=True, example="3500.00", help="元，保留两位小数"
    ),
)

RULES = (
    gender_matches_id(),
    Rule(
        "amount_not_negative",
        "reject",
        "amount",
        "本月申报金额「{value}」不能为负数。",
        pl.col("amount") >= 0,
    ),
)


def cap_fen(month: dt.date) -> int:
    """Return the largest 本月申报金额 per person (fen) accepted in ``month`` (INFERENCE)."""
    return int(figure("medical_subsidy_cap", month))


def prefill(ws: Workspace, unit_id: str, month: dt.date) -> pl.DataFrame:
    """含数据报盘: every person insured for medical in the unit in ``month``, amount 0.00."""
    month = month.replace(day=1)
    return records.medical_subsidy_prefill(ws, unit_id, month, MEDICAL)


def set_amount(rows: pl.DataFrame, amount: Decimal | str | int) -> pl.DataFrame:
    """批设置: set 本月申报金额 of every row to ``amount`` yuan (half-up to the fen).

    Examples:
        >>> set_amount(pl.DataFrame({"amount": [0, 0]}), "3500")["amount"].to_list()
        [350000, 350000]
    """
    fen = fen_of_yuan(amount)
    return rows.with_columns(pl.lit(fen, pl.Int64).alias("amount"))


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    unit = header["unit_id"]
    rows = with_all_columns(rows, COLUMNS)
    earliest = rows["month"].drop_nulls().min()
    month = earliest if isinstance(earliest, dt.date) else ws.today.replace(day=1)
    months = rows["month"].drop_nulls().unique().to_list() or [month]
    facts = pl.concat(
        [
            in_unit(ws, unit, rows["person_id"], month=m, insurance=MEDICAL)
            .select("person_id", "reg_name", "reg_gender", "insured_in_month")
            .with_columns(pl.lit(m).alias("month"))
            for m in months  # the 申报年月 of a declaration: one, rarely a few
        ]
    )
    granted = records.medical_subsidies_granted(ws, rows["person_id"])
    first_here = records.first_month_in_unit(ws, unit)
    new_months = int(figure("new_unit_months", month))
    return (
        rows.join(facts, on=["person_id", "month"], how="left")
        .join(granted, on=["person_id", "month"], how="left")
        .with_columns(
            month_text(pl.col("month")).alias("month_text"),
            pl.col("insured_in_month").fill_null(False),
            pl.col("granted").fill_null(False),
            pl.lit(cap_fen(month)).alias("cap_fen"),
            yuan_expr(pl.col("amount")).alias("amount_yuan"),
            yuan_expr(pl.lit(cap_fen(month))).alias("cap_yuan"),
            pl.lit(first_here, pl.Date).alias("unit_first_month"),
            pl.lit(first_here, pl.Date).dt.strftime("%Y-%m").alias("unit_first_text"),
            pl.lit(new_months).alias("new_unit_months"),
        )
    )


_MONTHS_SINCE_FIRST = (
    pl.col("month").dt.year() * 12
    + pl.col("month").dt.month()
    - pl.col("unit_first_month").dt.year() * 12
    - pl.col("unit_first_month").dt.month()
)

REVIEW_RULES: tuple[Rule, ...] = (
    known_person(),
    Rule(
        "insured_for_medical",
        "reject",
        "person_id",
        "处理失败:参保人{reg_name}[{person_id}]在本单位 {month_text} 未参加职工基本医疗保险。",
        pl.col("insured_in_month"),
        when=pl.col("reg_name").is_not_null(),
    ),
    name_matches_registry(),
    Rule(
        "gender_matches_registry",
        "reject",
        "gender",
        "性别与社保登记的性别不符。",
        pl.col("gender") == pl.col("reg_gender"),
    ),
    Rule(
        "amount_positive",
        "reject",
        "amount",
        "本月申报金额应大于 0。提示：可用批设置统一设置金额。",
        pl.col("amount") > 0,
    ),
    Rule(
        "amount_cap",
        "reject",
        "amount",
        "本月申报金额 {amount_yuan} 元超过每人每月 {cap_yuan} 元的上限。",
        pl.col("amount") <= pl.col("cap_fen"),
    ),
    Rule(
        "not_granted_yet",
        "reject",
        "person_id",
        "处理失败:参保人{reg_name} {month_text} 已申报过医疗账户补助金。",
        ~pl.col("granted"),
    ),
    Rule(
        "new_unit",
        "reject",
        "month",
        "单位自 {unit_first_text} 参保，至 {month_text} 已超过 {new_unit_months} 个月，不属于"
        "新开户单位，不能申报医疗账户补助金。按 sbbatch 的假设：新开户单位指首次参保不满 "
        "{new_unit_months} 个月的单位（手册未规定期限）。",
        pl.col("new_unit_months") > _MONTHS_SINCE_FIRST,
    ),
    once_in_declaration(),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """Record the approved subsidies."""
    if approved.height:
        ws.insert_frame(
            "medical_account_subsidies",
            approved.select(
                pl.lit(header["declaration_id"]).alias("declaration_id"),
                pl.col("row_no").cast(pl.Int32),
                pl.lit(header["unit_id"]).alias("unit_id"),
                "person_id",
                "month",
                pl.col("amount").alias("amount_fen"),
                pl.lit(ws.today).alias("approved_on"),
            ),
        )
    total = int(approved["amount"].sum()) if approved.height else 0
    ws.log_effect(
        header["declaration_id"],
        f"医疗账户补助金审核通过 {approved.height} 人，合计 {Decimal(total) / 100:.2f} 元。",
    )


def _form_rows(ws: Workspace, declaration_id: str) -> pl.DataFrame:
    """Every declared row as the 申报表 lists it; approved rows count (all before review)."""
    rows = ws.declaration_rows(declaration_id)
    reviewed = rows["review_result"].is_not_null().any()
    return rows.select(
        pl.col("row_no").cast(pl.String).alias("no"),
        pl.col("review_result")
        .replace_strict(code_labels("review_result"), default="未审核")
        .alias("review_status"),
        pl.col("review_opinion").fill_null(""),
        "person_id",
        pl.col("name").fill_null(""),
        pl.col("gender").replace_strict(code_labels("gender"), default="").alias("gender"),
        pl.col("month").dt.strftime("%Y-%m").fill_null(""),
        yuan_expr(pl.col("amount")).fill_null("").alias("amount"),
        pl.col("amount").alias("amount_fen"),
        ((pl.col("review_result") == "1") if reviewed else pl.lit(True)).alias("counted"),
        yuan_expr(pl.col("amount").sum()).alias("amount_total"),
    )


#: The printed 社会保险费申报表 (打印申报表): one 险种 line, then the declared persons.
FORM = PrintedForm(
    "社会保险费申报表",
    (
        FormTable(
            (
                FormColumn("no", "No.", 6, "R"),
                FormColumn("review_status", "审核状态", 10, "C"),
                FormColumn("review_opinion", "审核说明", 40, "L"),
                FormColumn("person_id", "社会保障号码", 24, "L"),
                FormColumn("name", "姓名", 10, "L"),
                FormColumn("gender", "性别", 6, "C"),
                FormColumn("month", "申报年月", 10, "C"),
                FormColumn("amount", "本月申报金额", 14, "R"),
            ),
            sum_row=("", "", "", "", "", "", "Σ", "{amount_total}"),
        ),
    ),
    rows=_form_rows,
    document="fee_declaration",
    fee_item="医疗账户补助金",
)

#: The single-case form (医疗账户补助金申报).
WIDGET = WidgetLayout(print_label="打印申报表")

DECLARATION = Declaration(
    kind="medical_account_subsidy",
    title="医疗账户补助金申报",
    columns=COLUMNS,
    rules=RULES,
    has_business_month=True,
    description="新开户单位为员工申报医疗账户补助金。一行一人。",
    prefill=prefill,
    review=Review(REVIEW_RULES, _context, _effects),
    detectable=False,
    form=FORM,
    widget=WIDGET,
)
