"""Revoking a wage declaration (撤销工资申报).

Manual §1.6: 撤销单位已提交审核成功的工资申报 — 提交申报, 确定信息, 查看审核结果,
完成. It is modelled as its own business, as the manual shows it: a declaration (CX…)
whose rows name the 工资申报 to revoke, submitted and reviewed like any other. That
keeps the request, its 审核结果 and its 审核意见 in the record, and lets a refusal
("the month is paid") be a row outcome rather than an exception.

Review: the named declaration must be a 工资申报 of this unit that was approved and
marked read (已读), and none of its months may be paid or on an unpaid bill (单据) —
a paid month cannot be revoked (adjust it with a 补缴 instead), an unpaid bill must be
abandoned (放弃支付) first. Approval marks the named declaration 已撤销 (its
``revoke`` transition, logged) and sets ``wage_bases.revoked_by``; the wage loaded from
outside for the same month, if any, applies again.

:func:`sbbatch.wages.revoke_wage_declaration` does the whole round (declare, submit, review, 完成).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.spec import Column, Declaration, Review, Rule
from sbbatch.store import effects, wage_facts
from sbbatch.store.workflow import STATUS_LABELS

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["DECLARATION"]

COLUMNS = (
    Column(
        "target_id",
        "申报编号",
        "text",
        required=True,
        example="GZ20261100001",
        help="要撤销的工资申报的申报编号",
        synonyms=("工资申报编号", "被撤销申报编号"),
        max_length=30,
    ),
    Column("reason", "撤销原因", "text", example="缴费工资填写有误", max_length=200),
)


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    targets = rows.select("row_no", pl.col("target_id").str.strip_chars())
    facts = wage_facts.wage_revocation_facts(ws, targets)
    labels = pl.col("status").replace_strict(
        STATUS_LABELS, default=pl.col("status"), return_dtype=pl.String
    )
    return (
        rows.join(facts, on="row_no", how="left", maintain_order="left")
        .with_columns(labels.alias("status_label"), pl.lit(header["unit_id"]).alias("unit_id"))
        .with_columns(
            pl.when(pl.col("status") == "reviewed")
            .then(pl.lit("提示：请先查看审核结果并设为已读，再撤销。"))
            .otherwise(pl.lit(""))
            .alias("status_hint")
        )
    )


_IS_WAGE = pl.col("kind") == "wage_base"

REVIEW_RULES = (
    Rule(
        "target_exists",
        "reject",
        "target_id",
        "找不到申报编号为「{value}」的申报。",
        pl.col("found").is_not_null(),
    ),
    Rule(
        "target_is_wage_base",
        "reject",
        "target_id",
        "申报「{value}」不是工资申报，不能用撤销工资申报撤销。",
        _IS_WAGE,
    ),
    Rule(
        "target_of_unit",
        "reject",
        "target_id",
        "申报「{value}」不属于本单位（{unit_id}）。",
        pl.col("target_unit") == pl.col("unit_id"),
        when=_IS_WAGE,
    ),
    Rule(
        "target_read",
        "reject",
        "target_id",
        "工资申报「{value}」的状态为「{status_label}」，只有审核成功并设为已读的工资申报可以撤销。{status_hint}",
        pl.col("status") == "read",
        when=_IS_WAGE,
    ),
    Rule(
        "target_has_bases",
        "reject",
        "target_id",
        "工资申报「{value}」没有审核成功的缴费工资，无需撤销。",
        pl.col("live_bases") > 0,
        when=_IS_WAGE & (pl.col("status") == "read"),
    ),
    Rule(
        "month_not_paid",
        "reject",
        "target_id",
        "工资申报「{value}」所属的 {month_text} 已缴费（单据号 {paid_bill}），不能撤销。"
        "提示：已缴费月份如需调整，请办理社会保险费补缴申报。",
        pl.col("paid_bill").is_null(),
        when=_IS_WAGE,
    ),
    Rule(
        "month_not_billed",
        "reject",
        "target_id",
        "工资申报「{value}」所属的 {month_text} 已生成缴费单据 {open_bill}（未支付）。"
        "提示：请先放弃支付该单据，再撤销。",
        pl.col("open_bill").is_null(),
        when=_IS_WAGE,
    ),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """Revoke the named declarations and their wages."""
    revocation = header["declaration_id"]
    for target, reason in (
        approved.select(pl.col("target_id").str.strip_chars(), "reason")
        .unique("target_id", maintain_order=True)
        .rows()
    ):
        ws.transition(
            target,
            "revoke",
            f"由撤销工资申报 {revocation} 撤销" + (f"：{reason}" if reason else ""),
        )
        count = effects.revoke_wage_bases(ws, target, revocation)
        ws.log_effect(revocation, f"撤销工资申报 {target}：{count} 人的缴费工资不再适用")


DECLARATION = Declaration(
    kind="wage_revocation",
    title="撤销工资申报",
    columns=COLUMNS,
    key_fields=("target_id",),
    description="撤销单位已提交审核成功的工资申报。一行一个申报编号。",
    review=Review(rules=REVIEW_RULES, context=_context, effects=_effects, success="撤销成功"),
)
