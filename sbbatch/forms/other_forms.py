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
from sbbatch.forms.money_forms import CATEGORY_GROUPS
from sbbatch.forms.pdf import FormPDF
from sbbatch.forms.rmb import fen_in_words
from sbbatch.review import RESULT_LABELS

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["medical_subsidy_form"]

_AGENCY = "济南市社保办"


class _Grid:
    """Ruled cells on a :class:`FormPDF` page, row by row (widths are relative)."""

    def __init__(self, pdf: FormPDF, widths: list[float], height: float = 7.0) -> None:
        self.pdf = pdf
        scale = (pdf.w - pdf.l_margin - pdf.r_margin) / sum(widths)
        self.widths = [w * scale for w in widths]
        self.height = height

    def row(self, cells: list[tuple[str, int, str]], *, fill: bool = False) -> None:
        pdf = self.pdf
        pdf.set_font(pdf.font_family, size=9)
        pdf.set_fill_color(240, 240, 240)
        column = 0
        for text, span, align in cells:
            width = sum(self.widths[column : column + span])
            pdf.cell(width, self.height, text, border=1, align=align, fill=fill and bool(text))
            column += span
        pdf.ln(self.height)


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
    pdf.set_font(pdf.font_family, size=9)
    pdf.cell(
        0,
        6,
        f"单位类型:{_label('unit_type', unit['unit_type'])}    "
        f"填表日期:{ws.today:%Y年%m月%d日}    代征机构:{_AGENCY}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    grid = _Grid(pdf, [11, 13, 34, 11, 11, 15, 15])
    block = [
        ("代码", unit["unit_id"], "总数", str(counted["person_id"].n_unique())),
        ("名称", unit["name"], "城合制", str(counts["城合制"] or "")),
        ("开户银行", unit["bank"] or "", "农合制", str(counts["农合制"] or "")),
        ("开户方式", "", "挂靠", str(counts["挂靠"] or "")),
        (
            "缴费方式",
            _label("payment_method", unit["payment_method"]),
            "个体",
            str(counts["个体"] or ""),
        ),
    ]
    for index, (label, value, group, count) in enumerate(block):
        grid.row(
            [
                ("缴费单位" if index == 0 else "", 1, "C"),
                (label, 1, "C"),
                (value, 1, "L"),
                ("职工情况" if index == 0 else "", 1, "C"),
                ("总数" if index == 0 else ("其中" if index == 1 else ""), 1, "C"),
                (group if index else "", 1, "C"),
                (count, 1, "R"),
            ]
        )
    totals = _Grid(pdf, [22, 28, 22, 28])
    totals.row(
        [
            ("单位工资总额", 1, "C"),
            ("", 1, "R"),
            ("费款所属日期", 1, "C"),
            (f"{month:%Y年%m月}" if month else "", 1, "C"),
        ]
    )
    totals.row([("单位基数总额", 1, "C"), ("", 1, "R"), ("个人工资总额", 1, "C"), ("", 1, "R")])
    money = _Grid(pdf, [20, 17, 12, 15, 17, 12, 15, 17])
    money.row(
        [("", 1, "C"), ("单位缴费", 3, "C"), ("个人缴费", 3, "C"), ("缴费合计", 1, "C")], fill=True
    )
    money.row(
        [
            ("险种标志", 1, "C"),
            ("缴费基数", 1, "C"),
            ("缴费费率(%)", 1, "C"),
            ("缴费金额(元)", 1, "C"),
            ("缴费基数", 1, "C"),
            ("缴费费率(%)", 1, "C"),
            ("缴费金额(元)", 1, "C"),
            ("(元)", 1, "C"),
        ],
        fill=True,
    )
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
    _Grid(pdf, [1], height=8).row([(f"合计金额(人民币)大写:{fen_in_words(total)}", 1, "L")])
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
