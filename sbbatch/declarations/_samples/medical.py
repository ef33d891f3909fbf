"""Demo step: 异地人员备案 and 撤销异地人员备案 on the sample workspace (manual §3.2–3.3).

1. An employee of the largest unit is posted to 泰州 (常驻外地): the unit files them
   for remote medical treatment at an 异地一级医院 (医院编码 999991 derived from the
   医院级别), the agency registers it, the 备案表 is printed.
2. Another employee's filing registered in March 2025 (loaded from the agency's
   records) is revoked now that they have come back to Jinan: the 含数据报盘 fills the
   row from the filing, the agency ends it, the 备案注销表 is printed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from sbbatch._mask import mask_id
from sbbatch.store import samples

if TYPE_CHECKING:
    from sbbatch._demo.kit import DemoKit
    from sbbatch.store import Workspace

__all__ = ["run"]

#: When the revoked filing was registered (older than half a year on the demo's date).
OLD_FILING = dt.date(2025, 3, 18)


def _employees(ws: Workspace) -> tuple[str, pl.DataFrame]:
    """The largest unit and two of its insured employees (lowest ID numbers)."""
    unit_id = samples.largest_unit(ws)
    persons = samples.staff_now(ws, unit_id, limit=2, not_category="21")
    return unit_id, persons


def _summary(result: pl.DataFrame) -> str:
    outcome = result["review_result"][0]
    opinion = result["review_opinion"][0]
    return f"{outcome}{'（' + opinion + '）' if opinion else ''}"


def run(kit: DemoKit, ws: Workspace, out_dir: Path) -> list[tuple[str, str]]:
    """File one employee for remote treatment and revoke another's old filing.

    Returns:
        (item, value) lines for the demo's closing summary.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    unit_id, persons = _employees(ws)
    posted, returned = persons.row(0, named=True), persons.row(1, named=True)
    lines: list[tuple[str, str]] = []

    case = {
        "社会保障号码": posted["person_id"],
        "姓名": posted["name"],
        "是否境外": "否",
        "备案地区编码": "321200",
        "医院级别": "一级医院",
        "实际医院名称": "泰州市人民医院",
        "就医类别": "常驻外地",
        "手机号码": "13222222222",
        "异地居住地址": "江苏省泰州市海陵区鼓楼南路1号",
    }
    filing_id = kit.declare(ws, case, unit_id, kind="remote_filing")
    ws.submit(filing_id)
    outcome = kit.review(ws, filing_id)
    kit.write_review_result(ws, filing_id, out_dir)
    kit.print_form(ws, filing_id, out_dir / f"异地人员备案表_{filing_id}.pdf")
    ws.mark_read(filing_id)
    lines.append(
        (
            "异地人员备案",
            f"{filing_id}：{mask_id(posted['person_id'])} 备案江苏省泰州市，{_summary(outcome)}",
        )
    )

    with ws.transaction():  # the agency's record of a filing made in 2025
        ws.insert_frame(
            "remote_filings",
            pl.DataFrame(
                {
                    "person_id": [returned["person_id"]],
                    "unit_id": [unit_id],
                    "abroad": [False],
                    "region_code": ["321181"],
                    "region_name": ["镇江市丹阳市"],
                    "hospital_code": ["999993"],
                    "hospital_name": ["异地三级医院"],
                    "hospital_level": ["3"],
                    "medical_type": ["2"],
                    "filed_on": [OLD_FILING],
                    "start_date": [OLD_FILING],
                    "address": ["江苏省丹阳市"],
                    "approved_on": [OLD_FILING],
                }
            ),
        )
    prefill = kit.get("remote_filing_revocation").prefill
    assert prefill is not None
    rows = prefill(ws, unit_id, ws.today).filter(pl.col("person_id") == returned["person_id"])
    revocation_id = kit.declare(ws, rows, unit_id, kind="remote_filing_revocation")
    ws.submit(revocation_id)
    outcome = kit.review(ws, revocation_id)
    kit.write_review_result(ws, revocation_id, out_dir)
    kit.print_form(ws, revocation_id, out_dir / f"异地人员备案注销表_{revocation_id}.pdf")
    ws.mark_read(revocation_id)
    lines.append(
        (
            "撤销异地人员备案",
            f"{revocation_id}：{mask_id(returned['person_id'])} 注销 {OLD_FILING} 的备案，"
            f"{_summary(outcome)}",
        )
    )
    return lines
