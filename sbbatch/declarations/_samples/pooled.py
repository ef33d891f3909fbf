"""Demo step: 退休结清 and the 行业统筹 businesses on the sample workspace.

1. 退休结清: a person who left a unit with 在职转退休 (251), insured nowhere now and not
   settled, is settled by that unit; its 养老缴费基本信息表 is printed.
2. 行业统筹: the sample world has no industry pooling, so the unit with most 251
   departures lists three of its retirees and longest-serving persons as 行业统筹人员
   (电力); the unit then
   a. 核对行业统筹人员基本信息: ticks all three (含数据报盘) and submits;
   b. 核对行业统筹人员养老金: ticks all three and submits;
   c. 撤销行业统筹人员养老金认定 of the first of them, then
   d. 撤销行业统筹人员基本信息认定 of the same person.

Each declaration is submitted, reviewed and its 审核结果 written to ``out_dir``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from sbbatch import codes
from sbbatch._mask import mask_id
from sbbatch.declarations._pooled import mark_pooled, pooled_of_unit
from sbbatch.declarations._registry_review import PENSION, RETIREMENT_REASON
from sbbatch.policy import Policy
from sbbatch.store import samples

if TYPE_CHECKING:
    from sbbatch._demo.kit import DemoKit
    from sbbatch.store import Workspace

__all__ = ["run"]

_SCHEME = "电力"


def _outcome(table: pl.DataFrame) -> str:
    approved = int((table["review_result"] == "审核成功").sum())
    return f"共{table.height}人，审核成功 {approved} 人，不通过 {table.height - approved} 人"


def _settleable(ws: Workspace) -> tuple[str, str, str]:
    """Return (unit, person, name) of a 251 departure insured nowhere and not settled.

    Only a departure at or after the statutory month: an earlier one is elastic early
    retirement, which needs the person's application (a case the demo does not make).
    """
    policy = Policy.load()
    found = samples.unsettled_retirees(ws, PENSION, RETIREMENT_REASON)
    group = policy.retirement_group(pl.col("gender"), pl.col("identity"))
    statutory = policy.retirement_month(pl.col("birth_date"), group)
    unit, person, name = found.filter(statutory <= pl.col("until_month")).row(0)[:3]
    return str(unit), str(person), str(name)


def _pooled_candidates(ws: Workspace) -> tuple[str, list[str]]:
    """Return the unit with most 251 departures and three of its retirees / longest-serving."""
    unit = samples.unit_with_most_leaving(ws, RETIREMENT_REASON)
    persons = samples.pooled_candidates(ws, unit, PENSION, RETIREMENT_REASON)
    return unit, persons


def _declare_rows(kit: DemoKit, ws: Workspace, kind: str, unit: str, rows: pl.DataFrame) -> str:
    declaration = kit.get(kind)
    frame = rows.select(
        pl.col("person_id").alias("身份证号码"),
        pl.col("name").alias("姓名"),
        codes.to_label(pl.col("gender"), "gender").alias("性别"),
    )
    declaration_id = kit.declare(ws, frame, unit, kind=declaration.kind)
    ws.submit(declaration_id)
    return declaration_id


def run(kit: DemoKit, ws: Workspace, out_dir: Path) -> list[tuple[str, str]]:
    """Run one case of 退休结清 and of each 行业统筹 business; return summary lines."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lines: list[tuple[str, str]] = []
    month = ws.today.replace(day=1)

    # 1. 退休结清
    unit, person, name = _settleable(ws)
    settlement_id = kit.declare(
        ws, {"身份证号码": person, "姓名": name}, unit, kind="retirement_settlement"
    )
    ws.submit(settlement_id)
    outcome = kit.review(ws, settlement_id)
    kit.write_review_result(ws, settlement_id, out_dir)
    kit.pension_basic_info_form(ws, person, out_dir / f"养老缴费基本信息表_{settlement_id}.pdf")
    ws.mark_read(settlement_id)
    lines.append(("退休结清", f"{settlement_id}（{mask_id(person)}）：{_outcome(outcome)}"))
    opinions = outcome["review_opinion"].drop_nulls().unique().to_list()
    lines.extend(("　提示", t) for t in opinions if t)

    # 2. 行业统筹人员
    pooled_unit, persons = _pooled_candidates(ws)
    listed = mark_pooled(ws, pooled_unit, persons, _SCHEME, month)
    lines.append(("行业统筹人员", f"单位 {pooled_unit} 列入行业统筹人员 {listed} 人（{_SCHEME}）"))
    steps = (
        ("pooled_person_check", None),
        ("pooled_pension_check", None),
        ("pooled_pension_revocation", 1),
        ("pooled_person_revocation", 1),
    )
    for kind, limit in steps:
        declaration = kit.get(kind)
        assert declaration.prefill is not None
        rows = declaration.prefill(ws, pooled_unit, month)
        if limit is not None:
            rows = rows.head(limit)
        declaration_id = _declare_rows(kit, ws, kind, pooled_unit, rows)
        outcome = kit.review(ws, declaration_id)
        kit.write_review_result(ws, declaration_id, out_dir)
        ws.mark_read(declaration_id)
        lines.append((declaration.title, f"{declaration_id}：{_outcome(outcome)}"))
    still = pooled_of_unit(ws, pooled_unit, check="-person").height
    pension = pooled_of_unit(ws, pooled_unit, check="-pension").height
    lines.append(("行业统筹认定", f"基本信息已认定 {still} 人，养老金已认定 {pension} 人"))
    return lines
