"""The printed form of a reviewed declaration (打印增员表, 打印备案表, 打印退休申报表 …).

Every business that prints a form says how it looks in its own module, as a
:class:`~sbbatch.spec.PrintedForm` (``Declaration.form``): title, the unit's head
fields, a table or one page per person, totals, signature and seal boxes. This one
printer draws any of them; it never names a business.

The rows come from the form (``PrintedForm.rows``) or, by default, are the persons
the review approved as the result table shows them (codes as labels), numbered
``no``. ID numbers are printed in full: the form is the unit's own record. The PDF
embeds a TrueType CJK font, so pypdf and pdfplumber extract exactly what is printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.declarations import get
from sbbatch.declarations._registry_review import code_labels
from sbbatch.exceptions import UnusableInputError
from sbbatch.forms.other_forms import fee_declaration_form
from sbbatch.forms.pdf import FormPDF, fill
from sbbatch.io.results import result_table
from sbbatch.spec import PrintedForm
from sbbatch.store.forms import reviewed_at
from sbbatch.store.queries import unit_name
from sbbatch.store.workflow import STATUS_LABELS

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["form_of", "form_rows", "print_form"]

#: The states in which a declaration's form can be printed.
_PRINTABLE = ("reviewed", "read", "revoked")


def form_of(ws: Workspace, declaration_id: str) -> PrintedForm:
    """Return the printed form of a declaration's business.

    Raises:
        UnusableInputError: The business prints no form.
    """
    declaration = get(ws.declaration(declaration_id)["kind"])
    if declaration.form is None:
        msg = f"业务「{declaration.title}」没有可打印的表。"
        raise UnusableInputError(msg)
    return declaration.form


def _approved(ws: Workspace, declaration_id: str) -> pl.DataFrame:
    """The approved rows of the result table, codes as labels, numbered ``no``, as text."""
    header = ws.declaration(declaration_id)
    declaration = get(header["kind"])
    table = result_table(ws, declaration_id)
    extra = [c.field for c in declaration.columns if c.field not in table.columns]
    if extra:
        declared = ws.declaration_rows(declaration_id).select("row_no", *extra)
        declared = declared.with_columns(
            pl.col(c.field).replace_strict(code_labels(c.code_table), default=pl.col(c.field))
            for c in declaration.columns
            if c.field in extra and c.code_table
        )
        table = table.join(declared, on="row_no", how="left", maintain_order="left")
    approved = table.filter(pl.col("review_result") == "审核成功")
    types = {c.field: c.type for c in declaration.columns}
    return approved.select(
        pl.int_range(1, pl.len() + 1).cast(pl.String).alias("no"),
        *[
            (
                pl.col(name).dt.strftime("%Y-%m" if types.get(name) == "month" else "%Y-%m-%d")
                if approved.schema[name] == pl.Date
                else pl.col(name).cast(pl.String)
            ).fill_null("")
            for name in approved.columns
            if name != "no"
        ],
    )


def _head(ws: Workspace, declaration_id: str) -> dict[str, str]:
    """The values every form may show: the unit, the declaration, its dates."""
    header = ws.declaration(declaration_id)
    name = unit_name(ws, header["unit_id"])
    reviewed = reviewed_at(ws, declaration_id)
    return {
        "unit_id": header["unit_id"],
        "unit_name": name or "",
        "declaration_id": declaration_id,
        "declared_on": header["created_at"].strftime("%Y-%m-%d"),
        "reviewed_on": reviewed.strftime("%Y-%m-%d") if reviewed else "",
        "printed_on": ws.today.isoformat(),
    }


def form_rows(ws: Workspace, declaration_id: str, form: PrintedForm | None = None) -> pl.DataFrame:
    """Return the lines a declaration's form prints (text), with the head values.

    Args:
        ws: The workspace.
        declaration_id: A reviewed (or read) declaration.
        form: The form to print; the business's own (``Declaration.form``) when None.

    Raises:
        UnusableInputError: The business prints no form, the declaration is not
            reviewed yet, or it has nothing to print.
    """
    form = form or form_of(ws, declaration_id)
    header = ws.declaration(declaration_id)
    title = form.title.split("{", 1)[0].rstrip("（(")
    # a 申报表 is printed when declaring too; a form of approved persons after the review
    if form.document == "form" and header["status"] not in _PRINTABLE:
        state = STATUS_LABELS.get(header["status"], header["status"])
        msg = f"申报 {declaration_id} 的状态为「{state}」，尚未审核，不能打印{title}。"
        raise UnusableInputError(msg)
    rows = form.rows(ws, declaration_id) if form.rows is not None else _approved(ws, declaration_id)
    if rows.height == 0:
        msg = f"申报 {declaration_id} {form.empty}，无需打印{title}。"
        raise UnusableInputError(msg)
    head = {k: v for k, v in _head(ws, declaration_id).items() if k not in rows.columns}
    return rows.with_columns(pl.lit(v, dtype=pl.String).alias(k) for k, v in head.items())


def _values(rows: pl.DataFrame, pages: int) -> dict[str, Any]:
    persons = rows["person_id"].n_unique() if "person_id" in rows.columns else rows.height
    return {**rows.row(0, named=True), "rows": rows.height, "persons": persons, "pages": pages}


def print_form(
    ws: Workspace, declaration_id: str, path: str | Path, form: PrintedForm | None = None
) -> Path:
    """Print the form of a reviewed declaration (打印增员表 / 打印备案表 …) to a PDF.

    Args:
        ws: The workspace.
        declaration_id: A reviewed (or read) declaration of a business with a form.
        path: The PDF file to write.
        form: Another form of the declaration (e.g. a 花名册); its business's own
            form when None.

    Returns:
        The path written.
    """
    form = form or form_of(ws, declaration_id)
    rows = form_rows(ws, declaration_id, form)
    if form.document == "fee_declaration":
        return fee_declaration_form(ws, declaration_id, path, form, rows)
    groups = (
        [group for _, group in rows.group_by(form.page_per, maintain_order=True)]
        if form.page_per
        else [rows]
    )
    values = _values(rows, len(groups))
    title = fill(form.title, values)
    pdf = FormPDF(title, orientation=form.orientation, subtitle=fill(form.subtitle, values))
    pdf.set_title(f"{title} {declaration_id}")
    for index, group in enumerate(groups):
        if index:
            pdf.add_page()
            pdf.text_line(title, size=14)
        lines = group.to_dicts()
        page = {**_values(group, len(groups)), "title": title}
        for part in form.parts:
            pdf.part(part, lines, page)
    for part in form.foot:
        pdf.part(part, rows.to_dicts(), values)
    return pdf.save(path)
