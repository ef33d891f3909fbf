"""Money forms: the 社会保险费申报表 and the bill (缴费单据), as PDF.

:func:`declaration_form` prints the 社会保险费申报表 in the layout the manual shows
(§3.1, 打印申报表): the unit block (缴费单位 代码 / 名称 / 开户银行 / 开户方式 /
缴费方式), 职工情况 (总数 and the 城合制 / 农合制 / 挂靠 / 个体 counts, from each
person's 人员类别 and its ``category_group``), 费款所属日期, the wage and base totals,
one row per insurance with base, rate and amount for 单位 and 个人, 合计, 合计金额
(人民币)大写, and the boxes 缴费单位 / 征缴机构 / 备注. A second part lists every person.
:func:`bill_form` prints a bill with its lines per insurance, its payments and 大写.

Totals on the forms: 单位工资总额 = Σ 缴费工资 of the persons on the form (one wage per
person and month); 单位基数总额 = Σ of their approved bases (核定缴费基数, clamped to
the floor and ceiling); 个人工资总额 = Σ 缴费工资 of those with a personal share. Every
amount is the sum of the lines it stands for, to the fen.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch import codes
from sbbatch.contributions import (
    contributions,
    insurance_label_expr,
    percent,
    with_late_fees,
    yuan,
)
from sbbatch.exceptions import UnusableInputError
from sbbatch.forms.fee_grid import (
    AGENCY,
    CATEGORY_GROUPS,
    Grid,
    code_label,
    fee_form_head,
    fee_money_grid,
)
from sbbatch.forms.pdf import FormPDF
from sbbatch.forms.rmb import fen_in_words
from sbbatch.payments import BILL_KIND_LABELS, BILL_STATUS_LABELS, bill, bill_lines, payments_of
from sbbatch.policy import Policy
from sbbatch.store.forms import latest_categories, names_of
from sbbatch.store.queries import find_unit

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["CATEGORY_GROUPS", "bill_form", "declaration_form", "form_data"]


def _lines(ws: Workspace, unit_id: str, month: dt.date | None, bill_id: str | None) -> pl.DataFrame:
    if bill_id is not None:
        return bill_lines(ws, bill_id)
    if month is None:
        msg = "请指定费款所属期（month）或单据号（bill_id）。"
        raise UnusableInputError(msg)
    # a fee month past its due date owes 滞纳金 if paid today, as its bill would
    return with_late_fees(contributions(ws, months=month, unit_id=unit_id).plain(), ws.today)


def form_data(
    ws: Workspace, unit_id: str, *, month: dt.date | None = None, bill_id: str | None = None
) -> dict[str, Any]:
    """Return what the 社会保险费申报表 shows, as numbers (fen) and frames.

    Keys: ``unit`` (the unit's row), ``months`` (first and last fee month),
    ``persons`` (总数), ``groups`` (职工情况 counts by :data:`CATEGORY_GROUPS`),
    ``wage_fen`` (单位工资总额), ``base_fen`` (单位基数总额), ``person_wage_fen``
    (个人工资总额), ``rows`` (one per insurance: unit/person base, rate and amount),
    ``late_fee_fen``, ``unit_fen``, ``person_fen``, ``total_fen`` and ``people``
    (one row per person).
    """
    unit_rows = find_unit(ws, unit_id)
    if unit_rows.height == 0:
        msg = f"单位编号「{unit_id}」不在工作区中。"
        raise UnusableInputError(msg)
    lines = _lines(ws, unit_id, month, bill_id)
    if bill_id is not None and bill(ws, bill_id)["unit_id"] != unit_id:
        msg = f"单据「{bill_id}」不属于单位 {unit_id}。"
        raise UnusableInputError(msg)
    if lines.height == 0:
        msg = f"单位 {unit_id} 在所选期间没有应缴费款，无法打印申报表。"
        raise UnusableInputError(msg)
    person_months = lines.group_by("person_id", "month").agg(
        pl.col("wage_fen").first(),
        pl.col("base_fen").drop_nulls().first(),
        (pl.col("payer") == "person").any().alias("pays"),
    )
    groups_table = codes.table("person_category").select(
        pl.col("code").alias("person_category"), "category_group"
    )
    first, last = lines["month"].min(), lines["month"].max()
    if not isinstance(first, dt.date) or not isinstance(last, dt.date):  # months are dates
        msg = "费款所属期不是日期。"
        raise TypeError(msg)
    person_ids = lines["person_id"].unique().to_list()
    categories = latest_categories(ws, unit_id, person_ids, first, last)
    names = names_of(ws, person_ids)
    people_groups = categories.join(groups_table, on="person_category", how="left")
    group_counts = {
        group: int(people_groups.filter(pl.col("category_group") == group).height)
        for group in CATEGORY_GROUPS
    }
    rows = (
        lines.group_by("insurance", "payer")
        .agg(
            pl.col("base_fen").sum().alias("base_fen"),
            pl.col("base_fen").is_not_null().any().alias("has_base"),
            pl.col("rate_ppm").unique().alias("rates"),
            pl.col("fixed_fen").unique().alias("fixed"),
            pl.col("amount_fen").sum().alias("amount_fen"),
        )
        .with_columns(
            pl.when(pl.col("rates").list.len() == 1)
            .then(pl.col("rates").list.first())
            .alias("rate_ppm"),
            pl.when(pl.col("fixed").list.len() == 1)
            .then(pl.col("fixed").list.first())
            .alias("fixed_fen"),
        )
    )
    people = (
        lines.group_by("person_id")
        .agg(
            pl.col("month").n_unique().alias("months"),
            pl.col("amount_fen").filter(pl.col("payer") == "unit").sum().alias("unit_fen"),
            pl.col("amount_fen").filter(pl.col("payer") == "person").sum().alias("person_fen"),
            pl.col("late_fee_fen").sum().alias("late_fee_fen"),
        )
        .join(
            person_months.group_by("person_id").agg(
                pl.col("wage_fen").sum(), pl.col("base_fen").sum()
            ),
            on="person_id",
        )
        .join(names, on="person_id", how="left")
        .join(people_groups.select("person_id", "category_group"), on="person_id", how="left")
        .with_columns(
            (pl.col("unit_fen") + pl.col("person_fen") + pl.col("late_fee_fen")).alias("total_fen")
        )
        .sort("person_id")
    )
    unit_fen = int(lines.filter(pl.col("payer") == "unit")["amount_fen"].sum())
    person_fen = int(lines.filter(pl.col("payer") == "person")["amount_fen"].sum())
    late_fee = int(lines["late_fee_fen"].sum())
    return {
        "unit": unit_rows.row(0, named=True),
        "months": (first, last),
        "persons": int(lines["person_id"].n_unique()),
        "groups": group_counts,
        "wage_fen": int(person_months["wage_fen"].sum()),
        "base_fen": int(person_months["base_fen"].sum()),
        "person_wage_fen": int(person_months.filter(pl.col("pays"))["wage_fen"].sum()),
        "rows": rows,
        "unit_fen": unit_fen,
        "person_fen": person_fen,
        "late_fee_fen": late_fee,
        "total_fen": unit_fen + person_fen + late_fee,
        "people": people,
    }


def _period_text(months: tuple[dt.date, dt.date]) -> str:
    first, last = months
    if first == last:
        return f"{first:%Y年%m月}"
    return f"{first:%Y年%m月}至{last:%Y年%m月}"


def _rate_text(rate_ppm: int | None, fixed_fen: int | None) -> str:
    if fixed_fen is not None:
        return f"定额{yuan(fixed_fen)}元"
    if rate_ppm is None:
        return "见明细"
    return percent(rate_ppm)


def declaration_form(
    ws: Workspace,
    unit_id: str,
    path: str | Path,
    *,
    month: dt.date | None = None,
    bill_id: str | None = None,
    agency: str = AGENCY,
    with_persons: bool = True,
) -> Path:
    """Print the 社会保险费申报表 of a unit for a fee month, or for one bill.

    Args:
        ws: The workspace.
        unit_id: The unit (单位编号).
        path: The PDF to write.
        month: The fee month (费款所属日期): every contribution of the unit that month.
        bill_id: Or a bill: exactly its lines (a back-payment bill adds its 滞纳金).
        agency: The 代征机构 printed in the header.
        with_persons: Add the list of persons after the form.

    Returns:
        The path written.
    """
    data = form_data(ws, unit_id, month=month, bill_id=bill_id)
    unit = data["unit"]
    pdf = FormPDF("社会保险费申报表")
    fee_form_head(pdf, ws, unit, data["persons"], data["groups"], agency=agency)
    totals = Grid(pdf, [22, 28, 22, 28])
    totals.row(
        [
            ("单位工资总额", 1, "C"),
            (yuan(data["wage_fen"]), 1, "R"),
            ("费款所属日期", 1, "C"),
            (_period_text(data["months"]), 1, "C"),
        ]
    )
    totals.row(
        [
            ("单位基数总额", 1, "C"),
            (yuan(data["base_fen"]), 1, "R"),
            ("个人工资总额", 1, "C"),
            (yuan(data["person_wage_fen"]), 1, "R"),
        ]
    )
    money = fee_money_grid(pdf)
    rows = data["rows"].with_columns(insurance_label_expr(pl.col("insurance")).alias("label"))
    order = sorted(rows["insurance"].unique().to_list(), key=int)
    for code in order:
        by_payer = {
            r["payer"]: r for r in rows.filter(pl.col("insurance") == code).iter_rows(named=True)
        }
        label = str(rows.filter(pl.col("insurance") == code)["label"][0])
        cells: list[tuple[str, int, str]] = [(label, 1, "L")]
        total = 0
        for payer in ("unit", "person"):
            line = by_payer.get(payer)
            if line is None:
                cells += [("", 1, "R"), ("", 1, "R"), ("", 1, "R")]
                continue
            total += int(line["amount_fen"])
            cells += [
                (yuan(line["base_fen"]) if line["has_base"] else "", 1, "R"),
                (_rate_text(line["rate_ppm"], line["fixed_fen"]), 1, "R"),
                (yuan(line["amount_fen"]), 1, "R"),
            ]
        cells.append((yuan(total), 1, "R"))
        money.row(cells)
    if data["late_fee_fen"]:
        money.row(
            [("滞纳金", 1, "L"), ("", 1, "R"), ("", 1, "R"), (yuan(data["late_fee_fen"]), 1, "R")]
            + [("", 1, "R")] * 3
            + [(yuan(data["late_fee_fen"]), 1, "R")]
        )
    money.row(
        [
            ("合计:", 1, "L"),
            ("", 1, "R"),
            ("", 1, "R"),
            (yuan(data["unit_fen"] + data["late_fee_fen"]), 1, "R"),
            ("", 1, "R"),
            ("", 1, "R"),
            (yuan(data["person_fen"]), 1, "R"),
            (yuan(data["total_fen"]), 1, "R"),
        ],
        fill=True,
    )
    words = Grid(pdf, [1])
    words.row([(f"合计金额(人民币)大写:{fen_in_words(data['total_fen'])}", 1, "L")], height=8)
    pdf.ln(1)
    pdf.signature_boxes(("缴费单位（盖章）", "征缴机构（盖章）", "备注:"))
    if with_persons:
        _people_table(pdf, data["people"])
    return pdf.save(path)


def _people_table(pdf: FormPDF, people: pl.DataFrame) -> None:
    pdf.text_line("缴费人员明细", size=11)
    groups = people["category_group"].fill_null("")
    rows = [
        [
            str(index + 1),
            row["person_id"],
            row["name"] or "",
            group,
            str(row["months"]),
            yuan(row["wage_fen"]),
            yuan(row["base_fen"]),
            yuan(row["unit_fen"]),
            yuan(row["person_fen"]),
            yuan(row["total_fen"]),
        ]
        for index, (row, group) in enumerate(zip(people.iter_rows(named=True), groups, strict=True))
    ]
    pdf.table(
        [
            "No.",
            "社会保障号码",
            "姓名",
            "人员类别",
            "月数",
            "缴费工资",
            "缴费基数",
            "单位缴费",
            "个人缴费",
            "合计",
        ],
        rows,
        widths=[6, 26, 12, 10, 6, 14, 14, 14, 14, 14],
        align=["C", "L", "L", "C", "R", "R", "R", "R", "R", "R"],
        sum_row=[
            "Σ",
            "",
            "",
            "",
            "",
            yuan(int(people["wage_fen"].sum())),
            yuan(int(people["base_fen"].sum())),
            yuan(int(people["unit_fen"].sum())),
            yuan(int(people["person_fen"].sum())),
            yuan(int(people["total_fen"].sum())),
        ],
        total=f"共{people.height}人",
    )


def bill_form(ws: Workspace, bill_id: str, path: str | Path) -> Path:
    """Print a bill (缴费单据): header, amounts per insurance and payer, 大写, payments.

    A back-payment bill also lists every person and month with its 滞纳金 (days and
    amount), so each late fee can be checked by hand.

    Returns:
        The path written.
    """
    header = bill(ws, bill_id)
    unit = find_unit(ws, header["unit_id"]).row(0, named=True)
    lines = bill_lines(ws, bill_id)
    pdf = FormPDF(
        "社会保险费缴费单据",
        subtitle=f"单据号 {bill_id}　{BILL_KIND_LABELS[header['kind']]}　生成日期 {header['created_at']:%Y-%m-%d}",
    )
    months: tuple[dt.date, dt.date] = (lines["month"].min(), lines["month"].max())  # type: ignore[assignment]
    pdf.fields(
        [
            ("单位编号", header["unit_id"]),
            ("单位名称", unit["name"]),
            ("费款所属期", _period_text(months)),
            ("缴费方式", code_label("payment_method", unit["payment_method"])),
            ("单据状态", BILL_STATUS_LABELS[header["status"]]),
            ("支付时间", f"{header['paid_at']:%Y-%m-%d}" if header["paid_at"] else ""),
        ],
        columns=2,
    )
    pdf.text_line(
        "缴费险种："
        + "、".join(code_label("insurance", c) for c in header["insurances"].split(",")),
        size=9,
    )
    pdf.ln(1)
    summary = (
        lines.group_by("insurance", "payer")
        .agg(
            pl.col("person_id").n_unique().alias("persons"),
            pl.col("base_fen").sum().alias("base_fen"),
            pl.col("base_fen").is_not_null().any().alias("has_base"),
            pl.col("rate_ppm").unique().alias("rates"),
            pl.col("fixed_fen").unique().alias("fixed"),
            pl.col("amount_fen").sum().alias("amount_fen"),
            pl.col("late_fee_fen").sum().alias("late_fee_fen"),
        )
        .sort(pl.col("insurance").cast(pl.Int64), pl.col("payer") == "person")
    )
    rows = []
    for row in summary.iter_rows(named=True):
        rate = row["rates"][0] if len(row["rates"]) == 1 else None
        fixed = row["fixed"][0] if len(row["fixed"]) == 1 else None
        rows.append(
            [
                code_label("insurance", row["insurance"]),
                "单位" if row["payer"] == "unit" else "个人",
                str(row["persons"]),
                yuan(row["base_fen"]) if row["has_base"] else "",
                _rate_text(rate, fixed),
                yuan(row["amount_fen"]),
                yuan(row["late_fee_fen"]),
                yuan(row["amount_fen"] + row["late_fee_fen"]),
            ]
        )
    pdf.table(
        [
            "险种",
            "缴费人",
            "人数",
            "缴费基数合计",
            "缴费费率(%)",
            "缴费金额(元)",
            "滞纳金(元)",
            "小计(元)",
        ],
        rows,
        widths=[24, 10, 8, 18, 14, 18, 16, 18],
        align=["L", "C", "R", "R", "R", "R", "R", "R"],
        sum_row=[
            "合计",
            "",
            str(lines["person_id"].n_unique()),
            "",
            "",
            yuan(header["contribution_fen"]),
            yuan(header["late_fee_fen"]),
            yuan(header["total_fen"]),
        ],
    )
    pdf.text_line(f"合计金额(人民币)大写:{fen_in_words(int(header['total_fen']))}", size=10)
    if header["late_fee_until"] is not None:
        rate = Policy.load().late_fee_rate_on(header["late_fee_until"])
        pdf.text_line(
            f"滞纳金按日加收 {percent(rate.rate_ppm)}%（{rate.policy_id}），自缴费期限次日起计至 "
            f"{header['late_fee_until']:%Y年%m月%d日}（含），逐行四舍五入到分；本单据须于当日支付。",
            size=8,
        )
    attempts = payments_of(ws, bill_id)
    if attempts.height:
        pdf.ln(2)
        pdf.text_line("支付记录", size=11)
        pdf.table(
            ["次数", "日期", "结果", "金额(元)", "流水号", "说明"],
            [
                [
                    str(r["attempt"]),
                    f"{r['paid_on']:%Y-%m-%d}",
                    "支付成功" if r["outcome"] == "success" else "支付失败",
                    yuan(r["amount_fen"]),
                    r["reference"] or "",
                    r["message"] or "",
                ]
                for r in attempts.iter_rows(named=True)
            ],
            widths=[8, 16, 14, 18, 24, 40],
            align=["C", "C", "C", "R", "L", "L"],
        )
    if "backpay_id" in lines.columns and lines["backpay_id"].is_not_null().any():
        # the lines of a back-payment (补缴) bill: every person and month with its 滞纳金
        _backpay_detail(ws, pdf, lines)
    return pdf.save(path)


def _backpay_detail(ws: Workspace, pdf: FormPDF, lines: pl.DataFrame) -> None:
    names = names_of(ws, lines["person_id"].unique().to_list())
    shown = lines.join(names, on="person_id", how="left").sort(
        "person_id", "month", pl.col("insurance").cast(pl.Int64), pl.col("payer") == "person"
    )
    pdf.ln(2)
    pdf.text_line("补缴明细", size=11)
    rows = [
        [
            r["person_id"],
            r["name"] or "",
            f"{r['month']:%Y-%m}",
            code_label("insurance", r["insurance"]),
            "单位" if r["payer"] == "unit" else "个人",
            yuan(r["base_fen"]),
            _rate_text(r["rate_ppm"], r["fixed_fen"]),
            yuan(r["amount_fen"]),
            f"{r['due_date']:%Y-%m-%d}" if r["due_date"] else "",
            str(r["late_fee_days"] or 0),
            yuan(r["late_fee_fen"]),
        ]
        for r in shown.iter_rows(named=True)
    ]
    pdf.table(
        [
            "社会保障号码",
            "姓名",
            "补缴年月",
            "险种",
            "缴费人",
            "缴费基数",
            "费率(%)",
            "金额",
            "缴费期限",
            "天数",
            "滞纳金",
        ],
        rows,
        widths=[26, 10, 12, 20, 8, 14, 10, 13, 16, 8, 12],
        align=["L", "L", "C", "L", "C", "R", "R", "R", "C", "R", "R"],
        sum_row=[
            "Σ",
            "",
            "",
            "",
            "",
            "",
            "",
            yuan(int(lines["amount_fen"].sum())),
            "",
            "",
            yuan(int(lines["late_fee_fen"].sum())),
        ],
        font_size=7,
    )
