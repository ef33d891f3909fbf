"""Unit approver information (单位审定人信息维护), manual §5.1.

The unit names the person who vouches for its retirement and survivor declarations
(审定人姓名, 联系电话; both required). One row; the approved row replaces the unit's
current approver, which 退休申报 and 遗属申报 then require.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.declarations._samples import retirement as _samples
from sbbatch.spec import Column, Declaration, DemoStep, Review, Rule
from sbbatch.store import effects

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["DECLARATION", "PHONE_PATTERN", "RULES"]

#: A mobile number or a landline with an optional area code and extension.
PHONE_PATTERN = r"^((0\d{2,3}-?)?\d{7,8}(-\d{1,6})?|1[3-9]\d{9})$"

COLUMNS = (
    Column(
        "approver_name",
        "审定人姓名",
        "name",
        required=True,
        example="王芳",
        max_length=30,
        synonyms=("单位审定人", "审定人"),
    ),
    Column(
        "phone",
        "联系电话",
        "text",
        required=True,
        example="0531-86995566",
        help="手机号码或座机号码（如 0531-86995566）",
        max_length=20,
        synonyms=("审定人联系电话", "单位审定人联系电话"),
    ),
)

RULES = (
    Rule(
        "phone_invalid",
        "reject",
        "phone",
        "联系电话「{value}」不是有效的电话号码。提示：写 11 位手机号码或带区号的座机号码。",
        pl.col("phone").str.contains(PHONE_PATTERN),
    ),
    Rule(
        "one_approver",
        "reject",
        "approver_name",
        "单位审定人只能维护一人，本行是第 {row_no} 行。提示：只保留一行。",
        pl.col("row_no") == 1,
    ),
)


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    return rows


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """The approved row becomes the unit's current approver."""
    if approved.height == 0:
        return
    row = approved.row(0, named=True)
    unit, declaration_id = header["unit_id"], header["declaration_id"]
    effects.replace_unit_approver(
        ws,
        unit,
        name=row["approver_name"],
        phone=row["phone"],
        declaration_id=declaration_id,
        today=ws.today,
    )
    ws.log_effect(declaration_id, f"单位审定人已更新为 {row['approver_name']}")


#: This business's part of the monthly demo (its sample cases: :mod:`sbbatch.declarations._samples.retirement`).
DEMO = DemoStep(
    order=90,
    title="审定人、退休申报、遗属、特殊工种、军转干、失业待遇",
    run=_samples.run,
)

DECLARATION = Declaration(
    kind="approver_info",
    title="单位审定人信息维护",
    columns=COLUMNS,
    rules=RULES[:1],
    key_fields=(),
    description="维护单位申报审定人（审定人姓名、联系电话），退休申报和遗属申报需要。一行。",
    review=Review(RULES, _context, _effects, success="保存成功"),
    detectable=False,
    demo=DEMO,
)
