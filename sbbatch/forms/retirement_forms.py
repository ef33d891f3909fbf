"""The printed 退休申报表 (manual §5.2) of a reviewed 退休申报.

One page per approved person, with the fields of the manual's 人员信息 in its order, the
derived 申报年龄 and 累计缴费年限 as the agency recorded them, 养老金起发年月, the unit's
approver (审定人) and the signature and seal boxes. ID numbers are printed in full: the
form is the unit's own record.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sbbatch.declarations import get
from sbbatch.declarations._registry import code_labels
from sbbatch.declarations._retirement import approver_of
from sbbatch.exceptions import UnusableInputError
from sbbatch.forms.pdf import FormPDF

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["print_retirement_form", "retirement_form_rows"]

TITLE = "退休申报表"


def _text(value: Any, field: str, code_table: str | None, kind: str) -> str:
    if value is None:
        return ""
    if code_table:
        return code_labels(code_table).get(str(value), str(value))
    if kind == "gender":
        return {"1": "男", "2": "女"}.get(str(value), str(value))
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m" if kind == "month" else "%Y-%m-%d")
    return str(value)


def retirement_form_rows(ws: Workspace, declaration_id: str) -> list[list[tuple[str, str]]]:
    """Return, per approved person, the (label, text) pairs the form prints.

    Raises:
        UnusableInputError: The declaration is no 退休申报 or nobody was approved.
    """
    header = ws.declaration(declaration_id)
    if header["kind"] != "retirement":
        msg = f"申报 {declaration_id} 不是退休申报，不能打印{TITLE}。"
        raise UnusableInputError(msg)
    rows = ws.declaration_rows(declaration_id)
    records = ws.sql(
        "SELECT row_no, declared_age, contribution_months, pension_start_month "
        "FROM retirements WHERE declaration_id = ?",
        [declaration_id],
    )
    if records.height == 0:
        msg = f"申报 {declaration_id} 没有审核通过的人员，无需打印{TITLE}。"
        raise UnusableInputError(msg)
    persons = ws.sql(
        "SELECT person_id, gender AS reg_gender, birth_date AS reg_birth, "
        "employment_form AS reg_form, work_start_date AS reg_work_start FROM persons "
        "WHERE person_id IN (SELECT unnest($ids::VARCHAR[]))",
        {"ids": rows["person_id"].drop_nulls().to_list()},
    )
    registered = {r["person_id"]: r for r in persons.iter_rows(named=True)}
    found = {r["row_no"]: r for r in records.iter_rows(named=True)}
    columns = get("retirement").columns
    pages: list[list[tuple[str, str]]] = []
    for row in rows.filter(rows["row_no"].is_in(list(found))).iter_rows(named=True):
        record = found[row["row_no"]]
        person = registered.get(row["person_id"], {})
        values = dict(row)
        values["social_security_no"] = values.get("social_security_no") or row["person_id"]
        values["gender"] = values.get("gender") or person.get("reg_gender")
        values["birth_date"] = values.get("birth_date") or person.get("reg_birth")
        values["employment_form"] = values.get("employment_form") or person.get("reg_form")
        values["work_start_date"] = values.get("work_start_date") or person.get("reg_work_start")
        values["declared_age"] = record["declared_age"]
        values["contribution_years"] = f"{record['contribution_months'] / 12:.2f}"
        pairs = [
            (c.header, _text(values.get(c.field), c.field, c.code_table, c.type)) for c in columns
        ]
        start = record["pension_start_month"]
        pairs.append(("养老金起发年月", start.strftime("%Y-%m")))
        pages.append(pairs)
    return pages


def print_retirement_form(ws: Workspace, declaration_id: str, path: str | Path) -> Path:
    """Print the 退休申报表 of a reviewed 退休申报 to a PDF; return the path written."""
    header = ws.declaration(declaration_id)
    pages = retirement_form_rows(ws, declaration_id)
    unit = ws.sql("SELECT name FROM units WHERE unit_id = ?", [header["unit_id"]])
    unit_name = unit["name"][0] if unit.height else ""
    approver = approver_of(ws, header["unit_id"]) or {"name": "", "phone": ""}
    pdf = FormPDF(TITLE, subtitle="济南市社会保险单位网上服务")
    pdf.set_title(f"{TITLE} {declaration_id}")
    for number, pairs in enumerate(pages):
        if number:
            pdf.add_page()
            pdf.text_line(TITLE, size=14)
        pdf.fields(
            [
                ("单位名称", unit_name),
                ("单位编号", header["unit_id"]),
                ("申报编号", declaration_id),
                ("审定人", approver["name"]),
                ("审定人电话", approver["phone"]),
                ("打印日期", ws.today.isoformat()),
            ],
            columns=2,
        )
        pdf.text_line("人员信息", size=11)
        pdf.fields(pairs, columns=2)
        pdf.signature_boxes(("审定人（签字）", "单位（盖章）", "社保经办机构（盖章）"))
    return pdf.save(path)
