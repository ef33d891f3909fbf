"""Demo step: the money of the month (工资申报 → 缴费 → 补缴) on the sample workspace.

On a unit that pays online (网银缴费): a 工资申报 for the agency's month started from
取上次申报工资 with a few changes, reviewed and marked read; its contributions; a bill
(单据) paid after one failure (支付失败 → 重新支付); the 社会保险费申报表. Then a
back-payment (补缴) of six months before a late enrolment, as the agency's audit found
them (补缴原因 稽核补缴: months outside the unit's insured periods pass only so), with
its 滞纳金 and its bill. Every result is written into the output folder.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from sbbatch._money import half_up
from sbbatch.contributions import (
    BASE_RULE_LABELS,
    PAYER_LABELS,
    contributions,
    insurance_label_expr,
    yuan,
)
from sbbatch.declarations import backpay, wage_base
from sbbatch.declarations.backpay import policy_start
from sbbatch.forms.money_forms import bill_form, declaration_form
from sbbatch.io.results import write_review_result
from sbbatch.io.xlsx import write_frame
from sbbatch.payments import SimulatedGateway, bill, create_backpay_bill, create_bill, pay
from sbbatch.queries.money import ZH_HEADERS, unit_payments
from sbbatch.review import declare, review
from sbbatch.store import Workspace
from sbbatch.store import queries as store
from sbbatch.wages import draft_from_last

if TYPE_CHECKING:
    from sbbatch._demo.kit import DemoKit

__all__ = ["run"]


def _unit(ws: Workspace, month: dt.date) -> str:
    """The online-paying unit with the most persons insured in ``month``."""
    return store.busiest_online_unit(ws, month)


def _late_starter(ws: Workspace, unit_id: str, months: int) -> tuple[str, dt.date] | None:
    """A person whose first period in the unit began after ``months`` uninsured months."""
    found = store.late_starter(ws, unit_id, months, policy_start(), ws.today.replace(day=1))
    if found.height == 0:
        return None
    person, first = found.row(0)
    return str(person), first


def _months_before(month: dt.date, count: int) -> tuple[dt.date, dt.date]:
    index = month.year * 12 + month.month - 1
    start, end = index - count, index - 1
    return dt.date(start // 12, start % 12 + 1, 1), dt.date(end // 12, end % 12 + 1, 1)


def run(_kit: DemoKit, ws: Workspace, out_dir: Path) -> list[tuple[str, str]]:
    """Run the money step of the demo; return (item, value) lines for the summary."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    month = ws.today.replace(day=1)
    unit_id = _unit(ws, month)
    summary: list[tuple[str, str]] = []

    # 工资申报: 取上次申报工资, with a raise, a wage under the floor and one over the ceiling
    last = wage_base.last_declared_wages(ws, unit_id, month)
    people = last["person_id"].to_list()
    raised = Decimal(int(last["wage_fen"][0])) * Decimal("1.1") / 100
    changes = {
        people[0]: half_up(raised, 2),
        people[1]: Decimal("3000.00"),
        people[2]: Decimal("30000.00"),
    }
    wage_id = draft_from_last(ws, unit_id, month, changes, note="演示：取上次申报工资并调整 3 人")
    ws.submit(wage_id)
    review(ws, wage_id)
    write_review_result(ws, wage_id, out_dir)
    ws.mark_read(wage_id)
    totals = wage_base.totals(ws, wage_id)
    summary.append(
        (
            "工资申报",
            f"{wage_id}（{unit_id}，{month:%Y-%m}）{totals['persons']} 人，缴费工资合计 {yuan(totals['wage_fen'])} 元",
        )
    )

    # contributions of the month
    detail = contributions(ws, months=month, unit_id=unit_id).plain()
    shown = detail.drop("rate_ppm").with_columns(
        insurance_label_expr(pl.col("insurance")).alias("insurance_label"),
        pl.col("payer").replace_strict(PAYER_LABELS, return_dtype=pl.String).alias("payer_label"),
        pl.col("base_rule").replace_strict(BASE_RULE_LABELS, default=None, return_dtype=pl.String),
    )
    write_frame(
        shown.select(
            "unit_id",
            "person_id",
            "month",
            "insurance_label",
            "payer_label",
            "wage_fen",
            "base_fen",
            "base_rule",
            "rate",
            "fixed_fen",
            "amount_fen",
            "policy_id",
            "limits_policy_id",
        ),
        out_dir / "缴费明细.xlsx",
        sheet="缴费明细",
        headers={**ZH_HEADERS, "month": "费款所属期"},
        text_columns=[
            "unit_id",
            "person_id",
            "rate",
            "policy_id",
            "limits_policy_id",
        ],
        money_columns=["wage_fen", "base_fen", "fixed_fen", "amount_fen"],
        month_columns=["month"],
    )
    summary.append(
        ("应缴（本月）", f"{detail.height} 行，合计 {yuan(int(detail['amount_fen'].sum()))} 元")
    )

    # bill, one failed payment, then 重新支付
    bill_id = create_bill(ws, unit_id, month)
    first = pay(ws, bill_id, SimulatedGateway("failure"))
    second = pay(ws, bill_id, SimulatedGateway("success"))
    header = bill(ws, bill_id)
    bill_form(ws, bill_id, out_dir / f"缴费单据_{bill_id}.pdf")
    declaration_form(ws, unit_id, out_dir / "社会保险费申报表.pdf", bill_id=bill_id)
    summary.append(
        (
            "工资申报缴费",
            f"单据 {bill_id} 合计 {yuan(header['total_fen'])} 元："
            f"{'支付成功' if first.success else '支付失败'} → 重新支付{'成功' if second.success else '失败'}",
        )
    )

    # 补缴: six months before a late enrolment
    found = _late_starter(ws, unit_id, 6)
    if found is not None:
        person_id, first_month = found
        start, end = _months_before(first_month, 6)
        wages = store.first_wage(ws, unit_id, person_id)
        case = {
            "社会保障号码": person_id,
            "补缴年月": f"{start:%Y-%m}",
            "补缴终止年月": f"{end:%Y-%m}",
            "缴费基数": yuan(int(wages[0])) if wages.len() else "5000.00",
            "补缴原因": "稽核补缴",
        }
        backpay_id = declare(ws, case, unit_id, kind=backpay.DECLARATION.kind)
        ws.submit(backpay_id)
        outcome = review(ws, backpay_id)
        ws.mark_read(backpay_id, failed_rows="void")
        if (outcome["review_result"] == "审核成功").all():
            rows = backpay.row_totals(ws, backpay_id)
            backpay_bill = create_backpay_bill(ws, unit_id, declarations=[backpay_id])
            pay(ws, backpay_bill, SimulatedGateway("success"))
            bill_form(ws, backpay_bill, out_dir / f"补缴单据_{backpay_bill}.pdf")
            paid = bill(ws, backpay_bill)
            summary.append(
                (
                    "补缴",
                    f"{backpay_id}：{start:%Y-%m} 至 {end:%Y-%m} 共 {rows['months'][0]} 个月，应缴 "
                    f"{yuan(paid['contribution_fen'])} 元 + 滞纳金 {yuan(paid['late_fee_fen'])} 元，"
                    f"单据 {backpay_bill} 支付成功",
                )
            )
        else:
            summary.append(("补缴", f"{backpay_id} 未通过审核：{outcome['review_opinion'][0]}"))
    else:
        summary.append(("补缴", "示例单位中没有入职前 6 个月未参保的人员，未演示"))

    # 单位缴费情况查询, last twelve months
    status = unit_payments(ws, unit_id).tail(12).filter(pl.col("due_fen") > 0)
    write_frame(
        status,
        out_dir / "单位缴费情况.xlsx",
        sheet="单位缴费情况",
        headers=ZH_HEADERS,
        money_columns=[c for c in status.columns if c.endswith("_fen")],
        month_columns=["month"],
    )
    summary.append(
        (
            "输出",
            "工资申报_审核结果.xlsx、缴费明细.xlsx、缴费单据 PDF、社会保险费申报表.pdf、单位缴费情况.xlsx",
        )
    )
    return summary
