"""Money queries of the manual's 信息查询: 单位缴费情况, 人员缴费情况, 缴费单据, 单位缴费比例.

Each query takes a :class:`~sbbatch.store.Workspace` and returns a polars frame with
English columns (money in integer fen); :data:`ZH_HEADERS` gives their Chinese headers
(``frame.rename(ZH_HEADERS, strict=False)`` for display).

What is due (应缴) for a month: the contributions of the insured persons with an
approved base (:mod:`sbbatch.contributions`); where an approved back-payment (补缴)
covers the same person, month, insurance and payer, the back-payment's amount counts
instead, so nothing is counted twice. 已缴 comes from paid bills only; history loaded
from outside has no bills and shows as 未缴 (the workspace does not know it was paid).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from sbbatch.contributions import (
    contribution_sql,
    contributions,
    insurance_label_expr,
    month_list,
    rates_for_unit,
    sql_filters,
    sql_inputs,
)
from sbbatch.exceptions import UnusableInputError
from sbbatch.payments import BILL_KIND_LABELS, BILL_STATUS_LABELS
from sbbatch.policy import PAYERS
from sbbatch.store import Workspace
from sbbatch.store import queries as store

__all__ = [
    "ZH_HEADERS",
    "bills",
    "person_payment_lines",
    "person_payments",
    "unit_payments",
    "unit_rates",
]

#: Chinese header of every column these queries return.
ZH_HEADERS: dict[str, str] = {
    "unit_id": "单位编号",
    "unit_name": "单位名称",
    "person_id": "社会保障号码",
    "name": "姓名",
    "month": "费款所属期",
    "insurance": "险种代码",
    "insurance_label": "险种",
    "payer": "缴费人代码",
    "payer_label": "缴费人",
    "persons": "人数",
    "wage_fen": "缴费工资",
    "base_fen": "缴费基数",
    "base_rule": "核定方式",
    "rate": "缴费费率",
    "rate_percent": "缴费费率(%)",
    "rate_ppm": "费率(百万分之)",
    "fixed_fen": "定额(元/月)",
    "amount_fen": "缴费金额",
    "policy_id": "政策依据",
    "source": "政策来源",
    "status": "依据状态",
    "floor_fen": "缴费基数下限",
    "ceiling_fen": "缴费基数上限",
    "limits_policy_id": "上下限依据",
    "due_fen": "应缴金额",
    "backpay_fen": "其中补缴",
    "billed_fen": "已生成单据金额",
    "paid_fen": "已缴金额",
    "late_fee_paid_fen": "已缴滞纳金",
    "outstanding_fen": "未缴金额",
    "missing_persons": "未申报工资人数",
    "unit_fen": "单位缴费",
    "person_fen": "个人缴费",
    "total_fen": "合计",
    "origin": "费款来源",
    "payment_status": "缴费状态",
    "bill_id": "单据号",
    "bill_status": "单据状态",
    "kind": "单据类型",
    "kind_label": "单据类型",
    "status_label": "单据状态",
    "fee_month": "费款所属期",
    "insurances": "缴费险种",
    "created_at": "生成时间",
    "contribution_fen": "缴费金额",
    "late_fee_fen": "滞纳金",
    "paid_at": "支付时间",
    "attempts": "支付次数",
    "last_outcome": "最近支付结果",
    "last_message": "最近支付说明",
}

_PAYMENT_STATUS = {"paid": "已缴费", "billed": "已生成单据未缴费", "due": "未缴费"}


def _months(
    ws: Workspace, unit_id: str, months: dt.date | Iterable[dt.date] | None
) -> list[dt.date]:
    if months is not None:
        return month_list(months)
    first = store.first_insured_month(ws, unit_id)
    if first is None:
        return []
    current = ws.today.replace(day=1)
    return pl.date_range(first, current, "1mo", eager=True).to_list()


def unit_payments(
    ws: Workspace, unit_id: str, *, months: dt.date | Iterable[dt.date] | None = None
) -> pl.DataFrame:
    """单位缴费情况查询: per fee month, what the unit owes, has billed and has paid.

    Computed inside DuckDB (the person lines are not materialised).

    Returns:
        ``month, persons, due_fen`` (应缴, incl. approved back-payments),
        ``backpay_fen``, ``billed_fen`` (on bills not abandoned), ``paid_fen``,
        ``late_fee_paid_fen``, ``outstanding_fen`` (= due − paid) and
        ``missing_persons`` (insured without an approved base), one row per month.
    """
    chosen = _months(ws, unit_id, months)
    schema = {
        "month": pl.Date(),
        "persons": pl.Int64(),
        "due_fen": pl.Int64(),
        "backpay_fen": pl.Int64(),
        "billed_fen": pl.Int64(),
        "paid_fen": pl.Int64(),
        "late_fee_paid_fen": pl.Int64(),
        "outstanding_fen": pl.Int64(),
        "missing_persons": pl.Int64(),
    }
    if not chosen:
        return pl.DataFrame(schema=schema)
    where, base_where, params = sql_filters(unit_id, chosen)
    detail = contribution_sql(detail=True, where=where, base_where=base_where)
    with ws.registered(**sql_inputs(ws, chosen, unit_id=unit_id)):
        found = store.unit_payments(ws, detail, params, unit_id)
    return found.cast(schema)  # type: ignore[arg-type]


def person_payment_lines(ws: Workspace, person_id: str) -> pl.DataFrame:
    """人员缴费情况 line by line: one person's contributions across units and months.

    Returns:
        ``unit_id, unit_name, month, insurance, insurance_label, payer, payer_label,
        wage_fen, base_fen, rate, fixed_fen, amount_fen, policy_id, origin``
        (工资申报 / 补缴), ``bill_id``, ``bill_status``, ``paid_at``, ``late_fee_fen`` and
        ``payment_status`` (已缴费 / 已生成单据未缴费 / 未缴费).
    """
    if store.find_person(ws, person_id).height == 0:
        msg = "工作区中没有该社会保障号码的人员。"
        raise UnusableInputError(msg)
    keys = ["unit_id", "person_id", "month", "insurance", "payer"]
    regular = (
        contributions(ws, person_id=person_id)
        .plain()
        .with_columns(pl.lit("工资申报").alias("origin"))
    )
    backpay = store.person_backpay_items(ws, person_id).with_columns(pl.lit("补缴").alias("origin"))
    if backpay.height:
        regular = regular.join(backpay.select(keys), on=keys, how="anti")
        lines = pl.concat([regular, backpay.select(regular.columns)], how="vertical_relaxed")
    else:
        lines = regular
    billed = store.person_bill_lines(ws, person_id)
    units = store.unit_names(ws)
    return (
        lines.join(billed, on=keys, how="left")
        .join(units, on="unit_id", how="left")
        .with_columns(
            insurance_label_expr(pl.col("insurance")).alias("insurance_label"),
            pl.col("payer").replace_strict(PAYERS, return_dtype=pl.String).alias("payer_label"),
            pl.when(pl.col("bill_status") == "paid")
            .then(pl.lit(_PAYMENT_STATUS["paid"]))
            .when(pl.col("bill_id").is_not_null())
            .then(pl.lit(_PAYMENT_STATUS["billed"]))
            .otherwise(pl.lit(_PAYMENT_STATUS["due"]))
            .alias("payment_status"),
            pl.col("late_fee_fen").fill_null(0),
        )
        .select(
            "unit_id",
            "unit_name",
            "month",
            "insurance",
            "insurance_label",
            "payer",
            "payer_label",
            "wage_fen",
            "base_fen",
            "rate",
            "fixed_fen",
            "amount_fen",
            "policy_id",
            "origin",
            "bill_id",
            "bill_status",
            "paid_at",
            "late_fee_fen",
            "payment_status",
        )
        .sort("month", "unit_id", pl.col("insurance").cast(pl.Int64), pl.col("payer") == "person")
    )


def person_payments(ws: Workspace, person_id: str) -> pl.DataFrame:
    """人员缴费情况查询: one person's history across units and months, one row per unit and month.

    Returns:
        ``unit_id, unit_name, month, wage_fen, base_fen, unit_fen, person_fen,
        total_fen, late_fee_fen, origin, payment_status`` (已缴费 when every line
        of the month is on a paid bill, 已生成单据未缴费 when all are billed, else 未缴费).
    """
    lines = person_payment_lines(ws, person_id)
    return (
        lines.group_by("unit_id", "unit_name", "month")
        .agg(
            pl.col("wage_fen").max(),
            pl.col("base_fen").max(),
            pl.col("amount_fen").filter(pl.col("payer") == "unit").sum().alias("unit_fen"),
            pl.col("amount_fen").filter(pl.col("payer") == "person").sum().alias("person_fen"),
            pl.col("amount_fen").sum().alias("total_fen"),
            pl.col("late_fee_fen").sum(),
            pl.col("origin").unique().sort().str.join("、").alias("origin"),
            pl.when((pl.col("payment_status") == _PAYMENT_STATUS["paid"]).all())
            .then(pl.lit(_PAYMENT_STATUS["paid"]))
            .when((pl.col("payment_status") != _PAYMENT_STATUS["due"]).all())
            .then(pl.lit(_PAYMENT_STATUS["billed"]))
            .otherwise(pl.lit(_PAYMENT_STATUS["due"]))
            .alias("payment_status"),
        )
        .sort("month", "unit_id")
    )


def bills(
    ws: Workspace,
    *,
    unit_id: str | None = None,
    status: str | None = None,
    kind: str | None = None,
) -> pl.DataFrame:
    """缴费单据查询: bills with their status and payments, newest first.

    Args:
        ws: The workspace.
        unit_id: Only this unit.
        status: Only this state (``unpaid``, ``paid``, ``failed``, ``abandoned``).
        kind: Only ``wage`` (工资申报缴费) or ``backpay`` (补缴缴费) bills.

    Returns:
        ``bill_id, kind, kind_label, unit_id, unit_name, fee_month, insurances, status,
        status_label, created_at, contribution_fen, late_fee_fen, total_fen, paid_at,
        attempts, last_outcome, last_message``.
    """
    found = store.bill_list(ws, unit_id=unit_id, status=status, kind=kind)
    return found.with_columns(
        pl.col("kind").replace_strict(BILL_KIND_LABELS, return_dtype=pl.String).alias("kind_label"),
        pl.col("status")
        .replace_strict(BILL_STATUS_LABELS, return_dtype=pl.String)
        .alias("status_label"),
        pl.col("last_outcome").replace_strict(
            {"success": "支付成功", "failure": "支付失败"}, default=None, return_dtype=pl.String
        ),
    ).select(
        "bill_id",
        "kind",
        "kind_label",
        "unit_id",
        "unit_name",
        "fee_month",
        "insurances",
        "status",
        "status_label",
        "created_at",
        "contribution_fen",
        "late_fee_fen",
        "total_fen",
        "paid_at",
        "attempts",
        "last_outcome",
        "last_message",
    )


def unit_rates(ws: Workspace, unit_id: str, month: dt.date) -> pl.DataFrame:
    """单位缴费比例查询: the rates that apply to a unit in a month, with their source.

    Returns:
        ``insurance, insurance_label, payer, payer_label, rate, rate_percent,
        fixed_fen, policy_id, source, status, floor_fen, ceiling_fen,
        limits_policy_id`` — one row per insurance and payer.
    """
    from sbbatch.contributions import percent

    rates = rates_for_unit(ws, unit_id, month)
    percents = [percent(v) for v in rates["rate_ppm"].to_list()]
    return rates.with_columns(
        insurance_label_expr(pl.col("insurance")).alias("insurance_label"),
        pl.col("payer").replace_strict(PAYERS, return_dtype=pl.String).alias("payer_label"),
        pl.Series("rate_percent", percents, dtype=pl.String).replace("", None),
    ).select(
        "insurance",
        "insurance_label",
        "payer",
        "payer_label",
        "rate",
        "rate_percent",
        "fixed_fen",
        "policy_id",
        "source",
        "status",
        "floor_fen",
        "ceiling_fen",
        "limits_policy_id",
    )
