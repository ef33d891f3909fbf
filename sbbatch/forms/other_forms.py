"""Printed forms of the 其他申报: the 社会保险费申报表 of a 医疗账户补助金申报 (§3.1).

The manual's example (打印申报表) prints the 社会保险费申报表 with one 险种 row,
「医疗账户补助金」, its amount under 单位缴费 and 缴费合计, the 合计 row and
「合计金额(人民币)大写:叁仟伍佰元整」, and under it the declared persons with their
审核状态 and 审核说明. The unit block is that of :mod:`sbbatch.forms.money_forms`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from sbbatch import codes
from sbbatch.contributions import yuan
from sbbatch.exceptions import UnusableInputError
from sbbatch.forms.money_forms import CATEGORY_GROUPS, Grid, fee_form_head, fee_money_grid
from sbbatch.forms.pdf import FormPDF
from sbbatch.forms.rmb import fen_in_words
from sbbatch.review import RESULT_LABELS

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["medical_subsidy_form"]

_AGENCY = "济南市社保办"


def _label(table: str, code: str | None) -> str:
    if code is None:
        return ""
    return str(pl.select(codes.to_label(pl.lit(code), table)).item() or code)


def medical_subsidy_form(ws: Workspace, declaration_id: str, path: str | Path) -> Path:
    """Print the 社会保险费申报表 of a 医疗账户补助金申报 (打印申报表).

    The amount is Σ 本月申报金额 of the rows approved (审核成功), or of every row
    before the review; the list under the form shows every row with its outcome.
    """
    header = ws.declaration(declaration_id)
    if header["kind"] != "medical_account_subsidy":
        msg = f"申报 {declaration_id} 不是医疗账户补助金申报。"
        raise UnusableInputError(msg)
    rows = ws.declaration_rows(declaration_id)
    reviewed = rows["review_result"].is_not_null().any()
    counted = rows.filter(pl.col("review_result") == "1") if reviewed else rows
    total = int(counted["amount"].sum()) if counted.height else 0
    unit = ws.sql("SELECT * FROM units WHERE unit_id = ?", [header["unit_id"]]).row(0, named=True)
    groups = ws.sql(
        "SELECT person_category, count(DISTINCT person_id) AS n FROM insured_periods "
        "WHERE unit_id = $unit AND person_id IN (SELECT unnest($ids::VARCHAR[])) GROUP BY 1",
        {"unit": header["unit_id"], "ids": counted["person_id"].to_list()},
    )
    category = codes.table("person_category")
    group_of = dict(
        zip(category["code"].to_list(), category["category_group"].to_list(), strict=True)
    )
    counts = {g: 0 for g in CATEGORY_GROUPS}
    for code, n in groups.iter_rows():
        group = group_of.get(code)
        if group in counts:
            counts[group] += n
    month = header["business_month"]
    pdf = FormPDF("社会保险费申报表")
    fee_form_head(pdf, ws, unit, counted["person_id"].n_unique(), dict(counts))
    totals = Grid(pdf, [22, 28, 22, 28])
    totals.row(
        [
            ("单位工资总额", 1, "C"),
            ("", 1, "R"),
            ("费款所属日期", 1, "C"),
            (f"{month:%Y年%m月}" if month else "", 1, "C"),
        ]
    )
    totals.row([("单位基数总额", 1, "C"), ("", 1, "R"), ("个人工资总额", 1, "C"), ("", 1, "R")])
    money = fee_money_grid(pdf)
    amount = yuan(total)
    money.row(
        [("医疗账户补助金", 1, "L"), ("", 1, "R"), ("", 1, "R"), (amount, 1, "R")]
        + [("", 1, "R")] * 3
        + [(amount, 1, "R")]
    )
    money.row(
        [("合计:", 1, "L"), ("", 1, "R"), ("", 1, "R"), (amount, 1, "R")]
        + [("", 1, "R")] * 3
        + [(amount, 1, "R")],
        fill=True,
    )
    Grid(pdf, [1], height=8).row([(f"合计金额(人民币)大写:{fen_in_words(total)}", 1, "L")])
    pdf.ln(1)
    pdf.signature_boxes(("缴费单位（盖章）", "征缴机构（盖章）", "备注:"))
    pdf.table(
        ["No.", "审核状态", "审核说明", "社会保障号码", "姓名", "性别", "申报年月", "本月申报金额"],
        [
            [
                str(r["row_no"]),
                RESULT_LABELS.get(r["review_result"] or "", "未审核"),
                r["review_opinion"] or "",
                r["person_id"],
                r["name"] or "",
                _label("gender", r["gender"]),
                f"{r['month']:%Y-%m}" if r["month"] else "",
                yuan(r["amount"]),
            ]
            for r in rows.iter_rows(named=True)
        ],
        widths=[6, 10, 40, 24, 10, 6, 10, 14],
        align=["R", "C", "L", "L", "L", "C", "C", "R"],
        sum_row=["", "", "", "", "", "", "Σ", yuan(int(rows["amount"].sum()))],
    )
    return pdf.save(path)
