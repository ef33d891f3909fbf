"""The 社会保险费申报表 of a declared amount (打印申报表; manual §3.1's 医疗账户补助金).

The manual's example prints the 社会保险费申报表 with one 险种 row (its
``PrintedForm.fee_item``, e.g. 「医疗账户补助金」), its amount under 单位缴费 and 缴费合计,
the 合计 row and 「合计金额(人民币)大写:叁仟伍佰元整」, and under it the declared
persons with their 审核状态 and 审核说明 (the form's parts). The unit block is that of
:mod:`sbbatch.forms.money_forms`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from sbbatch import codes
from sbbatch.contributions import yuan
from sbbatch.forms.fee_grid import CATEGORY_GROUPS, Grid, fee_form_head, fee_money_grid
from sbbatch.forms.pdf import FormPDF
from sbbatch.forms.rmb import fen_in_words
from sbbatch.spec import PrintedForm
from sbbatch.store.forms import category_counts
from sbbatch.store.queries import find_unit

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["fee_declaration_form"]


def fee_declaration_form(
    ws: Workspace, declaration_id: str, path: str | Path, form: PrintedForm, rows: pl.DataFrame
) -> Path:
    """Print the 社会保险费申报表 of a declared amount (打印申报表).

    ``rows`` are the declaration's lines as ``form.rows`` gives them: text for
    ``form.parts`` (the list under the form), plus ``amount_fen`` (the line's amount)
    and ``counted`` (whether it counts: approved, or every line before the review).
    The form's one 险种 line is ``form.fee_item`` with Σ ``amount_fen`` of the counted
    lines under 单位缴费 and 缴费合计.
    """
    header = ws.declaration(declaration_id)
    counted = rows.filter(pl.col("counted"))
    total = int(counted["amount_fen"].sum()) if counted.height else 0
    unit = find_unit(ws, header["unit_id"]).row(0, named=True)
    groups = category_counts(ws, header["unit_id"], counted["person_id"].to_list())
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
    pdf = FormPDF(form.title)
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
        [(form.fee_item, 1, "L"), ("", 1, "R"), ("", 1, "R"), (amount, 1, "R")]
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
    values = {**rows.row(0, named=True), "rows": rows.height}
    lines = rows.to_dicts()
    for part in form.parts:
        pdf.part(part, lines, values)
    return pdf.save(path)
