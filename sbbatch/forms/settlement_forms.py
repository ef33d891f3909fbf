"""Printed form of 退休结清 (manual §3.7): the 养老缴费基本信息表 (打印养老缴费基本信息表).

The form shows the person (姓名, 身份证号码, 性别, 出生日期, 参加工作日期, the unit and,
once settled, 养老账户结清日期) and a table of the person's pension insurance per year:
缴费月数 (insured pension months, each month once; see
:mod:`sbbatch.declarations._retirement`), the months with a declared wage, 缴费工资合计
(Σ the declared, not revoked 工资申报 of those months in the unit insured) and 月均缴费
工资 (half-up to the fen), with totals and 累计缴费月数 / 累计缴费年限.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from sbbatch._money import yuan
from sbbatch.declarations._registry_review import PENSION, code_labels
from sbbatch.exceptions import UnusableInputError
from sbbatch.forms.pdf import FormPDF
from sbbatch.store.forms import last_unit_of, settlement_of
from sbbatch.store.forms import pension_years as store_pension_years
from sbbatch.store.queries import find_person
from sbbatch.store.queries import unit_name as find_unit_name

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["pension_basic_info_form", "pension_years"]


def pension_years(ws: Workspace, person_id: str) -> pl.DataFrame:
    """Return the person's pension insurance per year, before the current month.

    Columns: ``year``, ``months`` (insured months), ``first_month``, ``last_month``,
    ``based_months`` (months with a declared wage), ``wage_fen`` (Σ declared wages) and
    ``average_fen`` (wage_fen / based_months, half-up).
    """
    frame = store_pension_years(ws, person_id, PENSION, ws.today.replace(day=1))
    return frame.with_columns(_average(pl.col("wage_fen"), pl.col("based_months")))


def _average(total: pl.Expr, count: pl.Expr) -> pl.Expr:
    """Return total / count in fen, half-up (both non-negative); null for no months."""
    return (pl.when(count > 0).then((total * 2 + count) // (count * 2)).otherwise(None)).alias(
        "average_fen"
    )


def pension_basic_info_form(
    ws: Workspace, person_id: str, path: str | Path, *, unit_id: str | None = None
) -> Path:
    """Print the 养老缴费基本信息表 of a person (打印养老缴费基本信息表).

    Args:
        ws: The workspace.
        person_id: 身份证号码.
        path: Where to write the PDF.
        unit_id: The printing unit (shown in the header); the settling unit, or the
            person's last pension unit, when None.

    Raises:
        UnusableInputError: The person is not in the registry.
    """
    found = find_person(ws, person_id)
    if not found.height:
        msg = "社保登记中没有该身份证号码的人员。"
        raise UnusableInputError(msg)
    person = found.row(0, named=True)
    settled = settlement_of(ws, person_id)
    settled_on = settled["settled_on"][0] if settled.height else None
    if unit_id is None:
        unit_id = settled["unit_id"][0] if settled.height else None
    if unit_id is None:
        unit_id = last_unit_of(ws, person_id, PENSION) or ""
    unit_name = find_unit_name(ws, unit_id) or ""
    years = pension_years(ws, person_id)
    months = int(years["months"].sum()) if years.height else 0
    based = int(years["based_months"].sum()) if years.height else 0
    wages = int(years["wage_fen"].sum()) if years.height else 0
    average = (wages * 2 + based) // (based * 2) if based else None

    pdf = FormPDF(
        "养老缴费基本信息表", subtitle=f"单位编号:{unit_id}    打印日期:{ws.today:%Y-%m-%d}"
    )
    work_start = person["work_start_date"]
    pdf.fields(
        [
            ("姓名", person["name"]),
            ("身份证号码", person_id),
            ("性别", code_labels("gender").get(person["gender"], person["gender"])),
            ("出生日期", f"{person['birth_date']:%Y-%m-%d}"),
            ("参加工作日期", f"{work_start:%Y-%m-%d}" if work_start else ""),
            ("养老账户结清日期", f"{settled_on:%Y-%m-%d}" if settled_on else "未结清"),
            ("单位编号", unit_id),
            ("单位名称", unit_name),
            ("累计缴费月数", str(months)),
            ("累计缴费年限", f"{months / 12:.2f}"),
        ],
        columns=2,
    )
    pdf.table(
        [
            "年度",
            "缴费起始年月",
            "缴费终止年月",
            "缴费月数",
            "申报工资月数",
            "缴费工资合计(元)",
            "月均缴费工资(元)",
        ],
        [
            [
                str(r["year"]),
                f"{r['first_month']:%Y-%m}",
                f"{r['last_month']:%Y-%m}",
                str(r["months"]),
                str(r["based_months"]),
                yuan(r["wage_fen"]),
                yuan(r["average_fen"]),
            ]
            for r in years.iter_rows(named=True)
        ],
        widths=[10, 16, 16, 12, 14, 20, 20],
        align=["C", "C", "C", "R", "R", "R", "R"],
        sum_row=["合计", "", "", str(months), str(based), yuan(wages), yuan(average)],
        total=f"累计缴费月数:{months}    累计缴费年限:{months / 12:.2f} 年",
        font_size=9,
    )
    pdf.signature_boxes(("经办人（签字）", "单位（盖章）", "社保经办机构（盖章）"))
    return pdf.save(path)
