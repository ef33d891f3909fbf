"""Printed forms of 门诊规定病种申请 (manual §3.4): the 确认表 and the 花名册.

【打印《门诊规定病种申请确认表》】: one page per approved person, the manual's
职工申请门诊规定病种信息 and 病种信息 with the 门规证号 issued. 【打印花名册（门规大病）】 /
【打印花名册（普通病种）】: one table of the approved disease lines of a category. ID
numbers are printed in full: the forms are the unit's own record.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.declarations._registry import code_labels
from sbbatch.exceptions import UnusableInputError
from sbbatch.forms.pdf import FormPDF

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["print_outpatient_form", "print_outpatient_roster"]

_DONE = ("reviewed", "read")
_CONFIRMATION = "门诊规定病种申请确认表"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _label(table: str, code: Any) -> str:
    return code_labels(table).get(str(code), _text(code)) if code is not None else ""


def _approved(
    ws: Workspace, declaration_id: str, title: str
) -> tuple[dict[str, Any], pl.DataFrame]:
    header = ws.declaration(declaration_id)
    if header["kind"] != "outpatient_disease":
        msg = f"申报 {declaration_id} 不是门诊规定病种申请，不能打印{title}。"
        raise UnusableInputError(msg)
    if header["status"] not in _DONE:
        msg = f"申报 {declaration_id} 尚未审核，不能打印{title}。"
        raise UnusableInputError(msg)
    rows = ws.sql(
        "SELECT d.*, s.name AS reg_name, s.gender AS reg_gender FROM outpatient_diseases d "
        "JOIN persons s USING (person_id) WHERE d.declaration_id = $declaration "
        "ORDER BY d.person_id, d.disease",
        {"declaration": declaration_id},
    )
    if rows.height == 0:
        msg = f"申报 {declaration_id} 没有审核成功的病种，无需打印{title}。"
        raise UnusableInputError(msg)
    return header, rows


def _unit_name(ws: Workspace, unit_id: str) -> str:
    unit = ws.sql("SELECT name FROM units WHERE unit_id = ?", [unit_id])
    return str(unit["name"][0]) if unit.height else ""


def print_outpatient_form(ws: Workspace, declaration_id: str, path: str | Path) -> Path:
    """Print the 门诊规定病种申请确认表 of a reviewed declaration (one page per person)."""
    header, diseases = _approved(ws, declaration_id, _CONFIRMATION)
    declared = ws.declaration_rows(declaration_id).filter(pl.col("review_result") == "1")
    person_rows = {r["person_id"]: r for r in declared.iter_rows(named=True)}
    unit_name = _unit_name(ws, header["unit_id"])
    pdf = FormPDF(_CONFIRMATION, subtitle="济南市社会保险单位网上服务")
    for index, (person_id, lines) in enumerate(diseases.group_by("person_id", maintain_order=True)):
        if index:
            pdf.add_page()
            pdf.text_line(_CONFIRMATION, size=14)
        first = lines.row(0, named=True)
        declared_row = person_rows.get(person_id[0], {})
        pdf.fields(
            [
                ("单位名称", unit_name),
                ("单位编号", header["unit_id"]),
                ("申报编号", declaration_id),
            ],
            columns=3,
        )
        pdf.fields(
            [
                ("社会保障号码", _text(first["person_id"])),
                ("姓名", _text(first["reg_name"])),
                ("性别", _label("gender", first["reg_gender"])),
                ("职工本人手机号码", _text(declared_row.get("phone"))),
                ("人员类别", _text(declared_row.get("person_category"))),
                ("异地标志", _label("medical_type", declared_row.get("remote_flag"))),
                (
                    "申请类别",
                    _label("outpatient_application", declared_row.get("application_type") or "1"),
                ),
                ("门规证号", _text(first["certificate_no"])),
                ("门规申请类别", _label("outpatient_category", first["outpatient_category"])),
            ],
            columns=2,
        )
        pdf.text_line("病种信息", size=11)
        pdf.table(
            ["No.", "病种类别", "病种名称", "医院名称", "医院编码", "医院类型"],
            [
                [
                    str(number),
                    _text(line["disease"]),
                    _label("outpatient_disease", line["disease"]),
                    _text(line["hospital_name"]),
                    _text(line["hospital_code"]),
                    _text(line["hospital_type"]),
                ]
                for number, line in enumerate(lines.iter_rows(named=True), start=1)
            ],
            widths=(8, 14, 30, 40, 18, 14),
        )
        pdf.fields([("审核结果", "审核成功"), ("审核日期", _text(first["approved_on"]))], columns=2)
        pdf.signature_boxes(("参保人（签字）", "单位（盖章）", "社保经办机构（盖章）"))
    pdf.text_line(f"打印日期 {ws.today.isoformat()}", size=9)
    return pdf.save(path)


def print_outpatient_roster(ws: Workspace, declaration_id: str, path: str | Path) -> Path:
    """Print the 花名册（门规大病 / 普通病种） of a reviewed declaration's approved lines."""
    header, diseases = _approved(ws, declaration_id, "花名册")
    category = _label("outpatient_category", diseases["outpatient_category"][0])
    title = f"花名册（{category}）"
    pdf = FormPDF(
        title,
        orientation="L",
        subtitle=f"{_unit_name(ws, header['unit_id'])}  申报编号 {declaration_id}",
    )
    pdf.table(
        ["No.", "社会保障号码", "姓名", "性别", "门规证号", "病种名称", "医院名称", "医院编码"],
        [
            [
                str(number),
                _text(line["person_id"]),
                _text(line["reg_name"]),
                _label("gender", line["reg_gender"]),
                _text(line["certificate_no"]),
                _label("outpatient_disease", line["disease"]),
                _text(line["hospital_name"]),
                _text(line["hospital_code"]),
            ]
            for number, line in enumerate(diseases.iter_rows(named=True), start=1)
        ],
        widths=(8, 40, 18, 10, 32, 32, 45, 18),
        total=f"共{diseases['person_id'].n_unique()}人，病种{diseases.height}项",
    )
    pdf.signature_boxes(("经办人（签字）", "单位（盖章）", "社保经办机构（盖章）"))
    return pdf.save(path)
