"""The printed 退休申报表 (manual §5.2): its rows from the recorded retirements and its layout.

The agency's record (``retirements``: 申报年龄, 累计缴费月数, 养老金起发年月) and the
registry fill what the declared row left empty; every value is printed as text the way
the form shows it (labels for codes, YYYY-MM months, YYYY-MM-DD dates).
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.declarations._registry_review import code_labels
from sbbatch.declarations._retirement import approver_of
from sbbatch.spec import Column, FieldGrid, FormField, FormText, PrintedForm, Signatures
from sbbatch.store import records, registry

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["retirement_form"]


def _form_text(value: Any, column: Column) -> str:
    if value is None:
        return ""
    if column.code_table:
        return code_labels(column.code_table).get(str(value), str(value))
    if column.type == "gender":
        return code_labels("gender").get(str(value), str(value))
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m" if column.type == "month" else "%Y-%m-%d")
    return str(value)


def _form_rows(
    columns: tuple[Column, ...], fields: tuple[str, ...], ws: Workspace, declaration_id: str
) -> pl.DataFrame:
    """One row per approved person as the 退休申报表 prints it (text, registry fills gaps)."""
    header = ws.declaration(declaration_id)
    rows = ws.declaration_rows(declaration_id)
    recorded = records.retirements_of(ws, declaration_id)
    persons = registry.person_columns(
        ws,
        rows["person_id"],
        {
            "gender": "reg_gender",
            "birth_date": "reg_birth",
            "employment_form": "reg_form",
            "work_start_date": "reg_work_start",
        },
    )
    approver = approver_of(ws, header["unit_id"]) or {"name": "", "phone": ""}
    registered = {r["person_id"]: r for r in persons.iter_rows(named=True)}
    found = {r["row_no"]: r for r in recorded.iter_rows(named=True)}
    pages: list[dict[str, str]] = []
    for row in rows.filter(pl.col("row_no").is_in(list(found))).iter_rows(named=True):
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
        page = {c.field: _form_text(values.get(c.field), c) for c in columns}
        page["row_no"] = str(row["row_no"])
        page["pension_start_month"] = f"{record['pension_start_month']:%Y-%m}"
        page["approver_name"] = approver["name"] or ""
        page["approver_phone"] = approver["phone"] or ""
        pages.append(page)
    return pl.DataFrame(pages, schema=dict.fromkeys(fields, pl.String))


def retirement_form(columns: tuple[Column, ...]) -> PrintedForm:
    """The printed 退休申报表 (manual §5.2) of a business with ``columns``.

    One page per approved person, the 人员信息 in the manual's order, the derived
    申报年龄 and 累计缴费年限 as the agency recorded them, 养老金起发年月, the unit's
    approver (审定人) and the signature and seal boxes.
    """
    fields = (
        *(c.field for c in columns),
        "row_no",
        "pension_start_month",
        "approver_name",
        "approver_phone",
    )
    return PrintedForm(
        "退休申报表",
        (
            FieldGrid(
                (
                    FormField("单位名称", "unit_name"),
                    FormField("单位编号", "unit_id"),
                    FormField("申报编号", "declaration_id"),
                    FormField("审定人", "approver_name"),
                    FormField("审定人电话", "approver_phone"),
                    FormField("打印日期", "printed_on"),
                ),
                columns=2,
            ),
            FormText("人员信息", size=11),
            FieldGrid(
                (
                    *(FormField(c.header, c.field) for c in columns),
                    FormField("养老金起发年月", "pension_start_month"),
                ),
                columns=2,
            ),
            Signatures(("审定人（签字）", "单位（盖章）", "社保经办机构（盖章）")),
        ),
        rows=partial(_form_rows, columns, fields),
        page_per="row_no",
        empty="没有审核通过的人员",
    )
