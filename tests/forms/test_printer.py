"""Every business that declares a printed form prints it: title, headings and labels.

The layout of each form is its business's data (``Declaration.form``); the one printer
draws any of them. Here every such form is printed for a reviewed declaration of one
approved row, with lines made up from the fields the layout names (the business's
own look-ups of the registry are exercised by its tests in tests/declarations), and
the PDF's extracted text must hold the title, every table heading, every label and
every value.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import string
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from pypdf import PdfReader

from sbbatch.declarations import registry
from sbbatch.forms.pdf import fill
from sbbatch.forms.printer import form_rows, print_form
from sbbatch.spec import (
    Declaration,
    FieldGrid,
    FormPart,
    FormTable,
    FormText,
    PrintedForm,
    Signatures,
)
from sbbatch.store import Workspace

PERSON = "370102199001011231"
UNIT = "0010000001"
HEAD = ("unit_id", "unit_name", "declaration_id", "declared_on", "reviewed_on", "printed_on")
WITH_FORM = [d for d in registry().values() if d.form is not None]


def _template_fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _fields(parts: tuple[FormPart, ...]) -> set[str]:
    """Every field a form's parts show or fill into a template."""
    found: set[str] = set()
    for part in parts:
        if isinstance(part, FieldGrid):
            found |= {f.field for f in part.fields}
        elif isinstance(part, FormTable):
            found |= {c.field for c in part.columns}
            found |= _template_fields(part.total)
            for text in part.sum_row or ():
                found |= _template_fields(text)
        elif isinstance(part, FormText):
            found |= _template_fields(part.text)
        elif isinstance(part, Signatures):
            found |= _template_fields(part.continued)
    return found


def _made_up(form: PrintedForm) -> PrintedForm:
    """The form with lines made up: ``值<field>`` for every field it shows."""
    names = _fields(form.parts) | _fields(form.foot)
    names |= _template_fields(form.title) | _template_fields(form.subtitle)
    names |= {form.page_per} if form.page_per else set()
    names -= {"rows", "persons", "pages", "title", *HEAD}

    def rows(ws: Workspace, declaration_id: str) -> pl.DataFrame:
        values: dict[str, list[object]] = {name: [f"值{name}"] for name in sorted(names)}
        values["person_id"] = [PERSON]
        if form.document == "fee_declaration":
            values |= {"amount_fen": [350000], "counted": [True]}
        return pl.DataFrame(values)

    return dataclasses.replace(form, rows=rows)


@pytest.fixture
def ws() -> Iterator[Workspace]:
    workspace = Workspace(today=dt.date(2026, 11, 26))
    workspace.load(
        units=pl.DataFrame(
            {
                "unit_id": [UNIT],
                "name": ["济南测试单位"],
                "risk_class": [1],
                "payment_method": ["2"],
            }
        )
    )
    yield workspace
    workspace.close()


def _reviewed(ws: Workspace, declaration: Declaration) -> str:
    """A reviewed declaration of one approved row (the person only)."""
    row = pl.DataFrame(
        {c.field: [PERSON if c.field == "person_id" else None] for c in declaration.columns},
        schema=dict.fromkeys((c.field for c in declaration.columns), pl.String),
    )
    month = ws.today.replace(day=1) if declaration.has_business_month else None
    did = ws.create_declaration(declaration.kind, UNIT, row, business_month=month)
    ws.submit(did)
    ws.record_review(
        did, pl.DataFrame({"row_no": [1], "review_result": ["1"], "review_opinion": [""]})
    )
    return did


def test_some_businesses_print_forms() -> None:
    assert len(WITH_FORM) >= 9


@pytest.mark.parametrize("declaration", WITH_FORM, ids=lambda d: d.kind)
def test_every_form_prints_its_title_headings_labels_and_values(
    ws: Workspace, declaration: Declaration, tmp_path: Path
) -> None:
    assert declaration.form is not None
    did = _reviewed(ws, declaration)
    form = declaration.form if declaration.form.rows is None else _made_up(declaration.form)
    lines = form_rows(ws, did, form)
    path = print_form(ws, did, tmp_path / "form.pdf", form)
    text = "".join("".join(page.extract_text() or "" for page in PdfReader(path).pages).split())
    values = {**lines.row(0, named=True), "rows": lines.height, "persons": 1, "pages": 1}
    assert "".join(fill(form.title, values).split()) in text
    for part in form.parts:
        if isinstance(part, FormTable):
            for column in part.columns:
                assert "".join(column.header.split()) in text, column.header
        if isinstance(part, FieldGrid):
            for field in part.fields:
                assert field.label in text, field.label
                shown = lines[field.field][0]
                assert shown is None or "".join(str(shown).split()) in text, field.field
    assert PERSON in text
