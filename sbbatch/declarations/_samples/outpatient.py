"""Demo step: 门诊规定病种申请, 居民医疗停保, 离休人员医疗申报, 灵活就业人员补扣养老费.

On the sample workspace's largest unit:

1. An employee is approved for the 门规大病 恶性肿瘤的治疗 at an 异地三级医院 (999993);
   the 确认表 and the 花名册（门规大病） are printed.
2. A new employee's resident medical insurance is stopped (居民医疗停保).
3. A person of the unit is declared as 离休: the sample holds no real 离休 person
   (joined revolutionary work before 1949-10-01), so the case is shown 不通过 on purpose.
4. October's pension is deducted (灵活就业人员补扣养老费) by a 特殊单位 (a 个体工商户 of
   the sample) for a person who left it and pays no employee pension that month, on a
   base under the floor (clamped).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from sbbatch._mask import mask_id
from sbbatch._money import yuan
from sbbatch.declarations.flexible_pension_deduction import special_unit_types
from sbbatch.store import samples

if TYPE_CHECKING:
    from sbbatch._demo.kit import DemoKit
    from sbbatch.spec import PrintedForm
    from sbbatch.store import Workspace

__all__ = ["run"]


def _unit_and_persons(ws: Workspace) -> tuple[str, pl.DataFrame]:
    unit_id = samples.largest_unit(ws)
    persons = samples.staff_now(
        ws, unit_id, limit=4, insurance="3", not_category="21", descending=True
    )
    return unit_id, persons


def _flexible_case(ws: Workspace, month: dt.date) -> dict[str, str] | None:
    """A 特殊单位 and a person who left it and has no pension period covering ``month``."""
    found = samples.flexible_lapsed(ws, special_unit_types(), month)
    return found.row(0, named=True) if found.height else None


def _summary(outcome: pl.DataFrame) -> str:
    opinion = outcome["review_opinion"][0]
    return f"{outcome['review_result'][0]}{'（' + opinion + '）' if opinion else ''}"


def _run_one(
    kit: DemoKit,
    ws: Workspace,
    kind: str,
    rows: dict[str, str] | pl.DataFrame,
    unit_id: str,
    out_dir: Path,
) -> tuple[str, pl.DataFrame]:
    declaration_id = kit.declare(ws, rows, unit_id, kind=kind)
    ws.submit(declaration_id)
    outcome = kit.review(ws, declaration_id)
    kit.write_review_result(ws, declaration_id, out_dir)
    return declaration_id, outcome


def run(
    kit: DemoKit, ws: Workspace, out_dir: Path, *, roster: PrintedForm
) -> list[tuple[str, str]]:
    """Run one case of each of the four businesses.

    Args:
        kit: The engines' functions.
        ws: The sample workspace.
        out_dir: Where the results and forms are written.
        roster: The 花名册 form of 门诊规定病种申请, handed in by that business's module
            (which declares this step; importing it from here would be a cycle).

    Returns:
        (item, value) lines for the demo's closing summary.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    unit_id, persons = _unit_and_persons(ws)
    sick, new, old = (persons.row(i, named=True) for i in range(3))
    lines: list[tuple[str, str]] = []

    case = pl.DataFrame(
        {
            "社会保障号码": [sick["person_id"]],
            "姓名": [sick["name"]],
            "职工本人手机号码": ["13222222222"],
            "申请类别": ["首次申请"],
            "门规申请类别": ["门规大病"],
            "病种类别": ["1"],
            "医院名称": ["异地三级医院"],
            "医院编码": ["999993"],
        }
    )
    did, outcome = _run_one(kit, ws, "outpatient_disease", case, unit_id, out_dir)
    kit.print_form(ws, did, out_dir / f"门诊规定病种申请确认表_{did}.pdf")
    kit.print_form(ws, did, out_dir / f"花名册_门规大病_{did}.pdf", roster)
    ws.mark_read(did)
    lines.append(
        (
            "门诊规定病种申请",
            f"{did}：{mask_id(sick['person_id'])} 恶性肿瘤的治疗，{_summary(outcome)}",
        )
    )

    did, outcome = _run_one(
        kit,
        ws,
        "resident_medical_stop",
        {"身份证号码": new["person_id"], "姓名": new["name"]},
        unit_id,
        out_dir,
    )
    ws.mark_read(did)
    lines.append(("居民医疗停保", f"{did}：{mask_id(new['person_id'])}，{_summary(outcome)}"))

    did, outcome = _run_one(
        kit,
        ws,
        "retiree_medical",
        {
            "身份证号码": old["person_id"],
            "姓名": old["name"],
            "离休日期": "2020-10-01",
            "医疗待遇类别": "离休人员",
        },
        unit_id,
        out_dir,
    )
    ws.mark_read(did)
    lines.append(
        (
            "离休人员医疗申报",
            f"{did}：{mask_id(old['person_id'])}，{_summary(outcome)}"
            "（样本中没有 1949-10-01 前参加革命工作的人员：示范不通过）",
        )
    )

    month = (ws.today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    flexible = _flexible_case(ws, month)
    if flexible is None:
        lines.append(("灵活就业人员补扣养老费", "示例中没有特殊单位的离职人员，未演示"))
        return lines
    did, outcome = _run_one(
        kit,
        ws,
        "flexible_pension_deduction",
        {
            "身份证号码": flexible["person_id"],
            "姓名": flexible["name"],
            "补扣年月": f"{month:%Y-%m}",
            "缴费基数": "3000.00",
        },
        flexible["unit_id"],
        out_dir,
    )
    ws.mark_read(did)
    amount = samples.deduction_amounts(ws, did)
    paid = f"补扣 {yuan(amount[0])} 元，" if amount.len() else ""
    lines.append(
        (
            "灵活就业人员补扣养老费",
            f"{did}：{mask_id(flexible['person_id'])} {month:%Y-%m}，{paid}{_summary(outcome)}",
        )
    )
    return lines
