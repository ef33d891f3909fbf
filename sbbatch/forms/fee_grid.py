"""The grid of the 社会保险费申报表: ruled cells, its head and the header of its money part.

Shared by the money forms (:mod:`sbbatch.forms.money_forms`) and the fee forms of
other businesses (:mod:`sbbatch.forms.other_forms`): :class:`Grid` draws ruled cells
row by row, :func:`fee_form_head` the 缴费单位 / 职工情况 block, :func:`fee_money_grid`
the two header rows of the money part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch import codes
from sbbatch.forms.pdf import FormPDF

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["AGENCY", "CATEGORY_GROUPS", "Grid", "code_label", "fee_form_head", "fee_money_grid"]

#: The 职工情况 columns of the 社会保险费申报表, in the manual's order.
CATEGORY_GROUPS = ("城合制", "农合制", "挂靠", "个体")

AGENCY = "济南市社保办"


def code_label(table: str, code: str | None) -> str:
    if code is None:
        return ""
    frame = codes.table(table)
    found = frame.filter(pl.col("code") == code)["label"]
    return str(found[0]) if found.len() else code


class Grid:
    """Draw ruled cells of a form on an :class:`FormPDF` page, row by row."""

    def __init__(
        self, pdf: FormPDF, widths: list[float], height: float = 7.0, size: float = 9
    ) -> None:
        self.pdf = pdf
        total = pdf.w - pdf.l_margin - pdf.r_margin
        scale = total / sum(widths)
        self.widths = [w * scale for w in widths]
        self.height = height
        self.size = size

    def row(
        self, cells: list[tuple[str, int, str]], *, fill: bool = False, height: float | None = None
    ) -> None:
        """Print one row: each cell is (text, columns spanned, align L/C/R)."""
        pdf = self.pdf
        h = height or self.height
        if pdf.get_y() + h > pdf.h - pdf.b_margin:
            pdf.add_page()
        pdf.set_font(pdf.font_family, size=self.size)
        pdf.set_fill_color(240, 240, 240)
        column = 0
        for text, span, align in cells:
            width = sum(self.widths[column : column + span])
            pdf.cell(width, h, text, border=1, align=align, fill=fill and bool(text))
            column += span
        pdf.ln(h)


def fee_form_head(
    pdf: FormPDF,
    ws: Workspace,
    unit: dict[str, Any],
    persons: int,
    groups: dict[str, int | None],
    *,
    agency: str = AGENCY,
) -> None:
    """Print the head of a 社会保险费申报表: the header line, 缴费单位 and 职工情况.

    Args:
        pdf: The form being printed.
        ws: The workspace (its date is the 填表日期).
        unit: The unit's row (unit_id, name, unit_type, bank, payment_method).
        persons: 职工情况 总数.
        groups: Persons per 人员类别 group (城合制, 农合制, 挂靠, 个体).
        agency: The 代征机构.
    """
    pdf.set_font(pdf.font_family, size=9)
    header = (
        f"单位类型:{code_label('unit_type', unit['unit_type'])}    "
        f"填表日期:{ws.today:%Y年%m月%d日}    代征机构:{agency}"
    )
    pdf.cell(0, 6, header, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    grid = Grid(pdf, [11, 13, 34, 11, 11, 15, 15])
    unit_block = [
        ("代码", unit["unit_id"], "总数", str(persons)),
        ("名称", unit["name"], "城合制", str(groups.get("城合制") or "")),
        ("开户银行", unit["bank"] or "", "农合制", str(groups.get("农合制") or "")),
        ("开户方式", "", "挂靠", str(groups.get("挂靠") or "")),
        (
            "缴费方式",
            code_label("payment_method", unit["payment_method"]),
            "个体",
            str(groups.get("个体") or ""),
        ),
    ]
    for index, (label, value, group, count) in enumerate(unit_block):
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


def fee_money_grid(pdf: FormPDF) -> Grid:
    """Print the two header rows of the 申报表's money part; return its grid for the rows."""
    money = Grid(pdf, [20, 17, 12, 15, 17, 12, 15, 17], height=7, size=8.5)
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
    return money
