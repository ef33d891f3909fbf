"""Demo step: the 其他申报 on the sample workspace (医疗账户补助金, 专管员, 缴费证明).

1. 医疗账户补助金申报: the unit that joined last writes the 含数据报盘 (every person
   insured for medical, 0.00), sets 300.00 for all (批设置), checks, declares, submits,
   is reviewed and writes the result. The sample's units have all been insured for
   years, so the review rejects every row on purpose (不通过: not a 新开户单位, the
   subsidy is for new units only); the 社会保险费申报表 is printed only when a row passes.
2. 自助终端专管员维护: the largest unit paying by 网银 names one of its staff.
3. 打印单位参保人员缴费证明: that unit pays its 2026-10 bill, queries the persons with
   payments in 2026-01…2026-11, imports two of them and prints their 社保缴费证明
   (2026-10 paid, the other months 应缴未缴).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from sbbatch.declarations.medical_account_subsidy import set_amount
from sbbatch.declarations.terminal_operator import operators
from sbbatch.store import samples

if TYPE_CHECKING:
    from sbbatch._demo.kit import DemoKit
    from sbbatch.store import Workspace

__all__ = ["run"]


def _outcome(table: pl.DataFrame) -> str:
    approved = int((table["review_result"] == "审核成功").sum())
    return f"共{table.height}人，审核成功 {approved} 人，不通过 {table.height - approved} 人"


def _newest_unit(ws: Workspace) -> str:
    return samples.newest_unit_with(ws, "3")


def _paying_unit(ws: Workspace) -> str:
    return samples.largest_unit_paying_by(ws, "2")


def run(kit: DemoKit, ws: Workspace, out_dir: Path) -> list[tuple[str, str]]:
    """Run one case of each 其他申报 on the sample workspace; return summary lines."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lines: list[tuple[str, str]] = []
    month = ws.today.replace(day=1)

    # 1. 医疗账户补助金申报
    subsidy = kit.get("medical_account_subsidy")
    unit = _newest_unit(ws)
    assert subsidy.prefill is not None
    rows = set_amount(subsidy.prefill(ws, unit, month), "300.00")
    batch = kit.check(
        kit.write_template(subsidy, out_dir / "医疗账户补助金_报盘.xlsx", rows), subsidy.kind
    )
    subsidy_id = kit.declare(ws, batch, unit)
    ws.submit(subsidy_id)
    outcome = kit.review(ws, subsidy_id)
    kit.write_review_result(ws, subsidy_id, out_dir)
    if (outcome["review_result"] == "审核成功").any():
        kit.print_form(ws, subsidy_id, out_dir / f"医疗账户补助金_申报表_{subsidy_id}.pdf")
    ws.mark_read(subsidy_id)
    lines.append(("医疗账户补助金申报", f"{subsidy_id}：{_outcome(outcome)}"))
    for result_text, opinion in (
        outcome.select("review_result", "review_opinion").unique(maintain_order=True).rows()
    ):
        if opinion:
            lines.append(("　不通过" if result_text == "不通过" else "　提示", opinion))

    # 2. 自助终端专管员维护
    payer = _paying_unit(ws)
    staff = samples.staff_now(ws, payer, limit=2)
    operator_id = kit.declare(
        ws,
        {"身份证号码": staff["person_id"][0], "姓名": staff["name"][0]},
        payer,
        kind="terminal_operator",
    )
    ws.submit(operator_id)
    outcome = kit.review(ws, operator_id)
    ws.mark_read(operator_id)
    lines.append(
        (
            "自助终端专管员维护",
            f"{operator_id}：{_outcome(outcome)}；单位现有专管员 {operators(ws, payer).height} 人",
        )
    )

    # 3. 打印单位参保人员缴费证明
    paid_month = dt.date(2026, 10, 1)
    bill_id = kit.create_bill(ws, payer, paid_month, allow_missing=True)
    kit.pay(ws, bill_id, kit.SimulatedGateway("success"))
    first, last = dt.date(ws.today.year, 1, 1), month
    found = kit.payment_persons(ws, payer, first, last)
    lines.append(
        (
            "缴费证明查询",
            f"{first:%Y-%m}至{last:%Y-%m} 有缴费信息 {found.height} 人（{bill_id} 已支付）",
        )
    )
    chosen = found.head(2).select(
        pl.col("person_id").alias("社会保障号码"),
        pl.col("name").alias("姓名"),
        pl.lit(f"{first:%Y-%m}").alias("起始年月"),
        pl.lit(f"{last:%Y-%m}").alias("终止年月"),
    )
    certificate_id = kit.declare(ws, chosen, payer, kind="payment_certificate")
    ws.submit(certificate_id)
    outcome = kit.review(ws, certificate_id)
    kit.write_review_result(ws, certificate_id, out_dir)
    printed = kit.print_declaration(ws, certificate_id, "子女入学", out_dir, note="子女入学材料")
    ws.mark_read(certificate_id)
    lines.append(
        (
            "打印单位参保人员缴费证明",
            f"{certificate_id}：{_outcome(outcome)}，打印 {len(printed)} 份",
        )
    )
    return lines
