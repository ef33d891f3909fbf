"""Printed medical forms: 打印备案表 and 打印备案注销表 (manual §3.2–3.3).

One page per approved person: the unit, the declaration, the person's filing as the
manual's 异地备案信息 shows it, and boxes for the signatures and seals. ID numbers are
printed in full: the form is the unit's own record. The CJK font is embedded, so
pypdf extracts exactly what is printed.
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

__all__ = ["FORM_TITLES", "print_medical_form"]

#: The printed form of each medical business.
FORM_TITLES: dict[str, str] = {
    "remote_filing": "异地人员备案表",
    "remote_filing_revocation": "异地人员备案注销表",
}

_DONE = ("reviewed", "read")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return str(value.strftime("%Y-%m-%d"))
    return str(value)


def _label(table: str, code: Any) -> str:
    return code_labels(table).get(str(code), _text(code)) if code is not None else ""


def _approved(ws: Workspace, declaration_id: str, title: str) -> pl.DataFrame:
    header = ws.declaration(declaration_id)
    if header["status"] not in _DONE:
        msg = f"申报 {declaration_id} 尚未审核，不能打印{title}。"
        raise UnusableInputError(msg)
    rows = ws.declaration_rows(declaration_id).filter(pl.col("review_result") == "1")
    if rows.height == 0:
        msg = f"申报 {declaration_id} 没有审核成功的人员，无需打印{title}。"
        raise UnusableInputError(msg)
    return rows


def _filing_pairs(filing: dict[str, Any], person: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("社会保障号码", _text(filing["person_id"])),
        ("姓名", _text(person["name"])),
        ("性别", _label("gender", person["gender"])),
        ("是否境外", "是" if filing["abroad"] else "否"),
        ("地区编码", _text(filing["region_code"])),
        ("地区名称", _text(filing["region_name"])),
        ("医院编码", _text(filing["hospital_code"])),
        ("医院名称", _text(filing["hospital_name"])),
        ("实际医院名称", _text(filing["actual_hospital_name"])),
        ("医院级别", _label("hospital_level", filing["hospital_level"])),
        ("就医类别", _label("medical_type", filing["medical_type"])),
        ("手机号码", _text(filing["phone"])),
        ("备案日期", _text(filing["filed_on"])),
        ("起始日期", _text(filing["start_date"])),
        ("审核日期", _text(filing["approved_on"])),
    ]


def print_medical_form(ws: Workspace, declaration_id: str, path: str | Path) -> Path:
    """Print the 备案表 (异地人员备案) or 备案注销表 (撤销异地人员备案) of a reviewed declaration.

    Args:
        ws: The workspace.
        declaration_id: A reviewed (or read) 异地人员备案 or 撤销异地人员备案.
        path: The PDF file to write.

    Returns:
        The path written.
    """
    header = ws.declaration(declaration_id)
    kind = header["kind"]
    if kind not in FORM_TITLES:
        msg = f"业务「{kind}」没有可打印的备案表。"
        raise UnusableInputError(msg)
    title = FORM_TITLES[kind]
    rows = _approved(ws, declaration_id, title)
    column = "declaration_id" if kind == "remote_filing" else "ended_by"
    filings = ws.sql(
        f"SELECT * FROM remote_filings WHERE {column} = $declaration ORDER BY person_id",
        {"declaration": declaration_id},
    )
    persons = ws.sql(
        "SELECT person_id, name, gender FROM persons WHERE person_id IN (SELECT unnest($ids))",
        {"ids": rows["person_id"].to_list()},
    )
    unit = ws.sql("SELECT name FROM units WHERE unit_id = ?", [header["unit_id"]])
    unit_name = unit["name"][0] if unit.height else ""
    by_person = {row["person_id"]: row for row in persons.iter_rows(named=True)}
    pdf = FormPDF(title, subtitle="济南市社会保险单位网上服务")
    pdf.set_title(f"{title} {declaration_id}")
    for index, filing in enumerate(filings.iter_rows(named=True)):
        if index:
            pdf.add_page()
            pdf.text_line(title, size=14)
        person = by_person.get(filing["person_id"], {"name": "", "gender": None})
        pdf.fields(
            [
                ("单位名称", unit_name),
                ("单位编号", header["unit_id"]),
                ("申报编号", declaration_id),
            ],
            columns=3,
        )
        pairs = _filing_pairs(filing, person)
        if kind == "remote_filing_revocation":
            pairs.append(("注销日期", _text(filing["ended_on"])))
        pdf.fields(pairs, columns=3)
        pdf.fields([("异地居住地址", _text(filing["address"]))], columns=1)
        if kind == "remote_filing":
            pdf.text_line(
                "1、异地备案成功后，应在所选备案地就医使用医保，非特殊情况不得在备案地之外（含济南）就医。"
                "2、常驻外地指在职人员被单位派驻外地工作的；异地安置指退休人员选择在异地居住的。"
                "3、申请注销异地备案或重新登记异地备案，须原异地备案已登记满半年"
                "（2018年10月之前登记异地备案的应满一年）。",
                size=8,
            )
        pdf.signature_boxes(("参保人（签字）", "单位（盖章）", "社保经办机构（盖章）"))
    pdf.text_line(f"共{filings.height}人    打印日期 {ws.today.isoformat()}", size=9)
    return pdf.save(path)
