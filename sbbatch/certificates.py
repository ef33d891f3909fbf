"""社保缴费证明 (打印单位参保人员缴费证明, manual §3.13): query, choose, print.

The manual's page: 起始年月 and 终止年月 (with 职工类别 and 是否只查询本单位人员) query
the persons with 缴费信息 in the period; the unit ticks persons, or imports a 报盘 of
社会保障号码/姓名 (the ``payment_certificate`` business), chooses the 单位打印用途 and
prints one 社保缴费证明 per person.

What counts as paid (已缴费): a line of a bill whose status is ``paid``. A month the
person was insured for but that no paid bill covers is 应缴未缴 and is printed as such,
apart from the paid months, without an amount. History loaded from outside has no bills,
so it shows as 应缴未缴 (the workspace does not know it was paid).

With ``only_unit`` (是否只查询本单位人员 = 是) only the unit's own payments count; without
it the persons are still those insured in the unit at some time (a unit certifies its
own staff), but their payments in every unit count — an INFERENCE of what the manual's
switch does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch import codes
from sbbatch._files import inside, safe_component
from sbbatch.contributions import insurance_label_expr, yuan
from sbbatch.declarations.payment_certificate import DECLARATION as PAYMENT_CERTIFICATE
from sbbatch.declarations.payment_certificate import period_of
from sbbatch.exceptions import UnusableInputError
from sbbatch.forms.pdf import FormPDF
from sbbatch.forms.rmb import fen_in_words
from sbbatch.store import payments as store
from sbbatch.store.queries import find_person, find_unit, persons_in

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = [
    "certificate_data",
    "month_ranges",
    "paid_lines",
    "payment_persons",
    "print_certificates",
    "print_declaration",
    "purpose_code",
    "unpaid_months",
]

_EXPLANATION = (
    "说明：「已缴费月份」为单据已支付、费款已到账的月份，金额为实际缴纳的金额；"
    "「应缴未缴月份」为已参保应缴费、但尚未缴费（或缴费尚未到账）的月份，不计入已缴金额，"
    "不作为已缴费的证明。"
)


def _first(month: dt.date) -> dt.date:
    return month.replace(day=1)


def _period(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    first, last = _first(first), _first(last)
    if last < first:
        msg = f"终止年月 {last:%Y-%m} 早于起始年月 {first:%Y-%m}。"
        raise UnusableInputError(msg)
    return first, last


def purpose_code(purpose: str) -> str:
    """Return the code of a 单位打印用途 given as code or label.

    Examples:
        >>> purpose_code("购房"), purpose_code("9")
        ('2', '9')
    """
    code = pl.select(codes.to_code(pl.lit(purpose), "certificate_purpose")).item()
    if code is None:
        labels = "、".join(codes.table("certificate_purpose")["label"].to_list())
        msg = f"单位打印用途「{purpose}」无效。提示：可选 {labels}。"
        raise UnusableInputError(msg)
    return str(code)


def paid_lines(
    ws: Workspace,
    unit_id: str,
    person_ids: Iterable[str],
    first: dt.date,
    last: dt.date,
    *,
    only_unit: bool = True,
) -> pl.DataFrame:
    """Return the paid bill lines of the persons in the period.

    Columns: ``person_id, unit_id, month, insurance, payer, base_fen, amount_fen``.
    """
    first, last = _period(first, last)
    return store.paid_lines(ws, unit_id, person_ids, first, last, only_unit=only_unit)


def unpaid_months(
    ws: Workspace,
    unit_id: str,
    person_ids: Iterable[str],
    first: dt.date,
    last: dt.date,
    *,
    only_unit: bool = True,
) -> pl.DataFrame:
    """Return the insured months of the persons in the period that no paid bill covers.

    Columns: ``person_id, insurance, month`` (应缴未缴, one row per month and 险种).
    """
    first, last = _period(first, last)
    return store.unpaid_months(ws, unit_id, person_ids, first, last, only_unit=only_unit)


def payment_persons(
    ws: Workspace,
    unit_id: str,
    first: dt.date,
    last: dt.date,
    *,
    category: str | None = None,
    only_unit: bool = True,
) -> pl.DataFrame:
    """Query the persons with 缴费信息 in the period (the manual's 查询).

    Args:
        ws: The workspace.
        unit_id: The printing unit.
        first: 起始年月.
        last: 终止年月.
        category: 职工类别 (人员类别 code or label) of the person's periods in the unit.
        only_unit: 是否只查询本单位人员: count only the unit's own payments.

    Returns:
        ``person_id, name, gender`` (性别 label), ``insurances`` (险种, 、-joined),
        ``paid_months`` and ``paid_fen``, one row per person, by ID number.
    """
    first, last = _period(first, last)
    category_code = (
        pl.select(codes.to_code(pl.lit(category), "person_category")).item() if category else None
    )
    if category and category_code is None:
        msg = f"职工类别「{category}」无效。"
        raise UnusableInputError(msg)
    staff = store.staff_of_unit(ws, unit_id, category_code)
    lines = paid_lines(ws, unit_id, staff.to_list(), first, last, only_unit=only_unit)
    empty = {
        "person_id": pl.String(),
        "name": pl.String(),
        "gender": pl.String(),
        "insurances": pl.String(),
        "paid_months": pl.UInt32(),
        "paid_fen": pl.Int64(),
    }
    if lines.height == 0:
        return pl.DataFrame(schema=empty)
    persons = persons_in(ws, lines["person_id"].unique().to_list()).select(
        "person_id", "name", "gender"
    )
    summary = lines.group_by("person_id").agg(
        insurance_label_expr(pl.col("insurance"))
        .unique(maintain_order=False)
        .sort()
        .str.join("、")
        .alias("insurances"),
        pl.col("month").n_unique().alias("paid_months"),
        pl.col("amount_fen").sum().alias("paid_fen"),
    )
    return (
        persons.join(summary, on="person_id")
        .with_columns(codes.to_label(pl.col("gender"), "gender").alias("gender"))
        .select(list(empty))
        .cast(empty)  # type: ignore[arg-type]
        .sort("person_id")
    )


def month_ranges(months: Iterable[dt.date]) -> str:
    """Return months as runs of consecutive months: ``2026-01至2026-03、2026-05``.

    Examples:
        >>> month_ranges([dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1), dt.date(2026, 5, 1)])
        '2026-01至2026-03、2026-05'
        >>> month_ranges([])
        '无'
    """
    ordered = sorted(set(months))
    if not ordered:
        return "无"
    runs: list[list[dt.date]] = [[ordered[0], ordered[0]]]
    for month in ordered[1:]:
        end = runs[-1][1]
        if month.year * 12 + month.month == end.year * 12 + end.month + 1:
            runs[-1][1] = month
        else:
            runs.append([month, month])
    return "、".join(f"{a:%Y-%m}" if a == b else f"{a:%Y-%m}至{b:%Y-%m}" for a, b in runs)


def certificate_data(
    ws: Workspace,
    unit_id: str,
    person_id: str,
    first: dt.date,
    last: dt.date,
    *,
    only_unit: bool = True,
) -> dict[str, Any]:
    """Return what one person's 社保缴费证明 shows.

    Keys: ``person`` (registry row), ``unit`` (the printing unit), ``first``,
    ``last``, ``rows`` (per 险种: ``insurance``, ``label``, ``paid_months`` (list),
    ``unpaid_months`` (list), ``unit_fen``, ``person_fen``, ``total_fen``) and
    ``paid_fen`` (Σ paid).
    """
    first, last = _period(first, last)
    person = find_person(ws, person_id)
    unit = find_unit(ws, unit_id)
    if person.height == 0 or unit.height == 0:
        msg = "工作区中没有该人员或单位。"
        raise UnusableInputError(msg)
    paid = paid_lines(ws, unit_id, [person_id], first, last, only_unit=only_unit)
    unpaid = unpaid_months(ws, unit_id, [person_id], first, last, only_unit=only_unit)
    insurances = sorted(
        set(paid["insurance"].to_list()) | set(unpaid["insurance"].to_list()), key=int
    )
    labels = dict(
        zip(
            insurances,
            pl.select(
                insurance_label_expr(pl.lit(pl.Series(insurances, dtype=pl.String)))
            ).to_series(),
            strict=True,
        )
    )
    rows = []
    for code in insurances:  # a handful of 险种: the rows of the printed table
        mine = paid.filter(pl.col("insurance") == code)
        paid_months = sorted(set(mine["month"].to_list()))
        rows.append(
            {
                "insurance": code,
                "label": labels[code],
                "paid_months": paid_months,
                "unpaid_months": [
                    m
                    for m in unpaid.filter(pl.col("insurance") == code)["month"].to_list()
                    if m not in paid_months
                ],
                "unit_fen": int(mine.filter(pl.col("payer") == "unit")["amount_fen"].sum()),
                "person_fen": int(mine.filter(pl.col("payer") == "person")["amount_fen"].sum()),
                "total_fen": int(mine["amount_fen"].sum()),
            }
        )
    return {
        "person": person.row(0, named=True),
        "unit": unit.row(0, named=True),
        "first": first,
        "last": last,
        "rows": rows,
        "paid_fen": int(paid["amount_fen"].sum()),
    }


def _certificate_pdf(
    data: dict[str, Any], purpose: str, note: str | None, today: dt.date, number: int
) -> FormPDF:
    person, unit = data["person"], data["unit"]
    pdf = FormPDF(
        "社保缴费证明",
        subtitle=f"证明编号 ZM{today:%Y%m}{number:06d}    打印日期 {today:%Y年%m月%d日}",
    )
    gender = pl.select(codes.to_label(pl.lit(person["gender"]), "gender")).item() or ""
    purpose_label = pl.select(codes.to_label(pl.lit(purpose), "certificate_purpose")).item()
    pdf.fields(
        [
            ("姓名", person["name"]),
            ("性别", gender),
            ("社会保障号码", person["person_id"]),
            ("单位编号", unit["unit_id"]),
            ("单位名称", unit["name"]),
            ("缴费期间", f"{data['first']:%Y-%m}至{data['last']:%Y-%m}"),
        ],
        columns=2,
    )
    pdf.multi_cell(
        0,
        6,
        f"兹证明 {person['name']}（社会保障号码 {person['person_id']}）在 {data['first']:%Y年%m月}"
        f"至 {data['last']:%Y年%m月} 期间参加社会保险，缴费情况如下：",
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    rows = [
        [
            r["label"],
            month_ranges(r["paid_months"]),
            str(len(r["paid_months"])),
            yuan(r["unit_fen"]),
            yuan(r["person_fen"]),
            yuan(r["total_fen"]),
            month_ranges(r["unpaid_months"]),
        ]
        for r in data["rows"]
    ]
    unit_total = sum(r["unit_fen"] for r in data["rows"])
    person_total = sum(r["person_fen"] for r in data["rows"])
    pdf.table(
        [
            "险种",
            "已缴费月份",
            "已缴月数",
            "单位缴费(元)",
            "个人缴费(元)",
            "缴费合计(元)",
            "应缴未缴月份",
        ],
        rows,
        widths=[20, 34, 10, 15, 15, 15, 30],
        align=["L", "L", "R", "R", "R", "R", "L"],
        sum_row=["合计", "", "", yuan(unit_total), yuan(person_total), yuan(data["paid_fen"]), ""],
        font_size=8,
    )
    pdf.text_line(f"已缴金额合计(人民币)大写：{fen_in_words(data['paid_fen'])}", size=9)
    pdf.ln(1)
    pdf.text_line(_EXPLANATION, size=8)
    pdf.ln(1)
    pdf.text_line(f"单位打印用途：{purpose_label}", size=10)
    pdf.text_line(f"备注：{note or ''}", size=10)
    pdf.text_line(f"出具日期：{today:%Y年%m月%d日}", size=10)
    pdf.signature_boxes(("单位（盖章）", "社会保险经办机构（盖章）"))
    return pdf


def print_certificates(
    ws: Workspace,
    unit_id: str,
    person_ids: Iterable[str],
    first: dt.date,
    last: dt.date,
    purpose: str,
    out_dir: str | Path,
    *,
    note: str | None = None,
    only_unit: bool = True,
) -> list[Path]:
    """Print one 社保缴费证明 per person (打印社保缴费证明) and record the prints.

    Persons without a paid month in the period are refused (nothing to certify).
    Every print is recorded in ``payment_certificates`` in one transaction.

    Returns:
        The PDFs written, ``缴费证明_<姓名>_<ID 后四位>.pdf``, in the persons' order.
    """
    code = purpose_code(purpose)
    first, last = _period(first, last)
    wanted = list(dict.fromkeys(person_ids))
    if not wanted:
        msg = "请先选择要打印缴费证明的人员。"
        raise UnusableInputError(msg)
    lines = paid_lines(ws, unit_id, wanted, first, last, only_unit=only_unit)
    missing = sorted(set(wanted) - set(lines["person_id"].to_list()))
    if missing:
        msg = (
            f"{len(missing)} 人在 {first:%Y-%m}至{last:%Y-%m} 没有已缴费记录，不能打印缴费证明。"
            "提示：请调整起始年月和终止年月，或先缴费。"
        )
        raise UnusableInputError(msg)
    target = Path(out_dir)
    written: list[Path] = []
    with ws.transaction():
        for person_id in wanted:  # one PDF per person: the loop is over documents
            data = certificate_data(ws, unit_id, person_id, first, last, only_unit=only_unit)
            number = store.next_certificate_number(ws)
            store.insert_certificate(
                ws,
                [number, unit_id, person_id, first, last, code, note, data["paid_fen"], ws.today],
            )
            pdf = _certificate_pdf(data, code, note, ws.today, number)
            # a name from data is one path component inside the output folder
            name = safe_component(f"缴费证明_{data['person']['name']}_{person_id[-4:]}") + ".pdf"
            written.append(pdf.save(inside(target, name)))
    return written


def print_declaration(
    ws: Workspace,
    declaration_id: str,
    purpose: str,
    out_dir: str | Path,
    *,
    note: str | None = None,
) -> list[Path]:
    """Print the 社保缴费证明 of the approved rows of a reviewed ``payment_certificate``."""
    header = ws.declaration(declaration_id)
    if header["kind"] != PAYMENT_CERTIFICATE.kind:
        msg = f"申报 {declaration_id} 不是打印单位参保人员缴费证明。"
        raise UnusableInputError(msg)
    rows = ws.declaration_rows(declaration_id)
    approved = period_of(rows.filter(pl.col("review_result") == "1"), ws.today)
    if approved.height == 0:
        msg = f"申报 {declaration_id} 没有审核成功的人员。"
        raise UnusableInputError(msg)
    written: list[Path] = []
    groups = approved.partition_by("first_month", "last_month", "only_unit_flag", as_dict=True)
    for (first, last, only), group in groups.items():
        written += print_certificates(
            ws,
            header["unit_id"],
            group["person_id"].to_list(),
            first,
            last,
            purpose,
            out_dir,
            note=note,
            only_unit=bool(only),
        )
    return written
