"""Printed registry forms (打印增员表, 打印减员表, …) of a reviewed declaration.

:func:`print_form` prints the persons a review approved, as the manual's 打印增员表 /
打印减员表 does after 审核成功: the unit's name and number, the declaration number, its
dates, one table row per person (the header repeats on every page, pages are numbered
第 x 页 共 y 页), the total ``共N人`` and boxes for the signature and the seals. ID
numbers are printed in full: the form is the unit's own record.

The PDF embeds a TrueType CJK font, so pypdf and pdfplumber extract exactly what is
printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from sbbatch.declarations import get
from sbbatch.declarations._registry import code_labels
from sbbatch.exceptions import UnusableInputError
from sbbatch.forms.pdf import FormPDF
from sbbatch.io.results import result_table
from sbbatch.store.workflow import STATUS_LABELS

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["FORMS", "Form", "form_rows", "print_form"]


@dataclass(frozen=True)
class Form:
    """One printed form: its title and the columns of its table.

    Attributes:
        title: The form's title (增员表 …).
        columns: (column of :func:`~sbbatch.io.results.result_table` or an extra
            field of the rows, Chinese header, relative width, alignment).
        orientation: ``"P"`` or ``"L"``.
    """

    title: str
    columns: tuple[tuple[str, str, float, str], ...]
    orientation: str = "L"


_PERSON = (
    ("no", "序号", 6, "C"),
    ("person_id", "身份证号码", 24, "L"),
    ("name", "姓名", 12, "L"),
    ("gender", "性别", 6, "C"),
    ("birth_date", "出生日期", 13, "C"),
)

#: The form of each business that has one.
FORMS: dict[str, Form] = {
    "enrolment": Form(
        "增员表",
        (
            *_PERSON,
            ("month", "增员年月", 11, "C"),
            ("add_reason", "增加原因", 18, "L"),
            ("person_category", "人员类别", 10, "L"),
            ("employment_form", "用工形式", 16, "L"),
        ),
    ),
    "departure": Form(
        "减员表",
        (*_PERSON, ("month", "减员年月", 11, "C"), ("leave_reason", "减员原因", 24, "L")),
    ),
    "leave_reason_change": Form(
        "减员原因变更表",
        (*_PERSON, ("month", "减员年月", 11, "C"), ("leave_reason", "变更后减员原因", 24, "L")),
    ),
    "interrupted_to_retired": Form(
        "中断转退休表",
        (*_PERSON, ("month", "减员年月", 11, "C"), ("leave_reason", "减员原因", 24, "L")),
    ),
}


#: Height of FormPDF's signature boxes with their margins (mm).
_SIGNATURE_HEIGHT = 34


def _form(kind: str) -> Form:
    if kind not in FORMS:
        msg = f"业务「{kind}」没有可打印的表。"
        raise UnusableInputError(msg)
    return FORMS[kind]


def form_rows(ws: Workspace, declaration_id: str) -> pl.DataFrame:
    """Return the approved persons of a reviewed declaration as the form prints them (text).

    Raises:
        UnusableInputError: The declaration is not reviewed yet, or nobody was approved.
    """
    header = ws.declaration(declaration_id)
    form = _form(header["kind"])
    if header["status"] not in ("reviewed", "read", "revoked"):
        state = STATUS_LABELS.get(header["status"], header["status"])
        msg = f"申报 {declaration_id} 的状态为「{state}」，尚未审核，不能打印{form.title}。"
        raise UnusableInputError(msg)
    table = result_table(ws, declaration_id)
    extra = [name for name, *_ in form.columns if name not in table.columns and name != "no"]
    if extra:
        declared = ws.declaration_rows(declaration_id).select("row_no", *extra)
        tables = {c.field: c.code_table for c in get(header["kind"]).columns if c.code_table}
        declared = declared.with_columns(
            pl.col(name).replace_strict(code_labels(tables[name]), default=pl.col(name))
            for name in extra
            if name in tables
        )
        table = table.join(declared, on="row_no", how="left", maintain_order="left")
    approved = table.filter(pl.col("review_result") == "审核成功")
    if approved.height == 0:
        msg = f"申报 {declaration_id} 没有审核成功的人员，无需打印{form.title}。"
        raise UnusableInputError(msg)
    return approved.select(
        pl.int_range(1, pl.len() + 1).cast(pl.String).alias("no"),
        *[
            (
                pl.col(name).dt.strftime("%Y-%m" if name == "month" else "%Y-%m-%d")
                if approved.schema[name] == pl.Date
                else pl.col(name).cast(pl.String)
            ).fill_null("")
            for name, *_ in form.columns
            if name != "no"
        ],
    )


def print_form(ws: Workspace, declaration_id: str, path: str | Path) -> Path:
    """Print the form of a reviewed declaration (打印增员表 / 打印减员表 …) to a PDF.

    Args:
        ws: The workspace.
        declaration_id: A reviewed (or read) 增员, 减员, 减员原因变更 or 中断转退休.
        path: The PDF file to write.

    Returns:
        The path written.
    """
    header = ws.declaration(declaration_id)
    form = _form(header["kind"])
    rows = form_rows(ws, declaration_id)
    unit = ws.sql("SELECT name FROM units WHERE unit_id = ?", [header["unit_id"]])
    unit_name = unit["name"][0] if unit.height else ""
    reviewed = ws.sql(
        "SELECT max(occurred_at) AS at FROM events WHERE declaration_id = ? AND action = 'review'",
        [declaration_id],
    )["at"][0]
    pdf = FormPDF(form.title, orientation=form.orientation, subtitle="济南市社会保险单位网上服务")
    pdf.set_title(f"{form.title} {declaration_id}")
    pdf.fields(
        [
            ("单位名称", unit_name),
            ("单位编号", header["unit_id"]),
            ("申报编号", declaration_id),
            ("申报日期", header["created_at"].strftime("%Y-%m-%d")),
            ("审核日期", reviewed.strftime("%Y-%m-%d") if reviewed else ""),
            ("打印日期", ws.today.isoformat()),
        ],
        columns=3,
    )
    names = [name for name, *_ in form.columns]
    pdf.table(
        [heading for _, heading, _, _ in form.columns],
        rows.select(names).rows(),
        widths=[width for *_, width, _ in form.columns],
        align=[alignment for *_, alignment in form.columns],
        total=f"共{rows.height}人",
        font_size=9,
    )
    if pdf.get_y() + _SIGNATURE_HEIGHT > pdf.h - pdf.b_margin:
        # the boxes go on a page of their own: say which declaration they sign
        pdf.add_page()
        pdf.text_line(
            f"{form.title}（续）  单位：{unit_name}（{header['unit_id']}）  申报编号：{declaration_id}"
        )
    pdf.signature_boxes()
    return pdf.save(path)
