"""Transferred military cadre (军转干申报), manual §5.5: recognising a unit's person as a
军队转业干部.

One row per person with the manual's fields. The review checks that the person is in
the registry (and the name matches), that 入伍时间 comes before 军队转业年月 and not before
the person's 16th birthday by the registry (the minimum working age,
``schemas/policy/jinan/working_age.csv``), that an early retirement (是否军转提前退休 是)
gives 申请退休日期, and that the person is not recorded already. Approval records the person (table ``military_cadres``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.declarations._common import birth_date_matches_id, gender_matches_id, id_column
from sbbatch.declarations._registry_review import (
    min_working_age_years,
    month_text,
    name_matches_registry,
    once_in_declaration,
    with_all_columns,
    with_registry_person,
)
from sbbatch.declarations._retirement import YES, yes_no_column, yes_no_rule
from sbbatch.spec import Column, Declaration, Review, Rule
from sbbatch.store import effects, records

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["COLUMNS", "DECLARATION", "REVIEW_RULES", "RULES"]

COLUMNS = (
    id_column(),
    Column("name", "姓名", "name", example="周钢", max_length=30),
    Column("gender", "性别", "gender", example="男", derived_from_id=True),
    Column("birth_date", "出生日期", "date", example="1968-12-27", derived_from_id=True),
    Column("person_status", "人员状态", "text", example="已退休", max_length=20),
    Column("transfer_month", "军队转业年月", "month", example="2018-01"),
    Column("post", "职务", "text", example="师级", max_length=30),
    Column("enlistment_date", "入伍时间", "date", example="1986-09-01"),
    Column("file_department", "档案管理部门", "text", max_length=50),
    Column("enterprise_nature", "企业性质", "text", example="市属非困难", max_length=30),
    Column("work_status", "现工作情况", "text", example="在岗", max_length=30),
    Column("bought_post_date", "政府买岗上岗时间", "date"),
    Column("handler", "办理人", "name", max_length=30),
    Column("phone", "联系电话", "text", max_length=20),
    yes_no_column("early_retirement", "是否军转提前退休"),
    Column("retirement_date", "申请退休日期", "date", example="2019-03-22"),
    Column("remarks", "备注", "text", max_length=200),
)

RULES: tuple[Rule, ...] = (
    gender_matches_id(),
    birth_date_matches_id(),
    yes_no_rule("early_retirement", "是否军转提前退休"),
    Rule(
        "enlisted_before_transfer",
        "reject",
        "enlistment_date",
        "入伍时间「{value}」应早于军队转业年月。",
        pl.col("enlistment_date") < pl.col("transfer_month"),
    ),
    Rule(
        "early_retirement_needs_date",
        "reject",
        "retirement_date",
        "是否军转提前退休为是，须填写申请退休日期。",
        pl.col("retirement_date").is_not_null(),
        when=pl.col("early_retirement") == YES,
    ),
)


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    rows = with_all_columns(rows, COLUMNS)
    recorded = records.military_cadres_of(ws, rows["person_id"])
    return (
        with_registry_person(ws, rows)
        .join(recorded, on="person_id", how="left")
        .with_columns(month_text(pl.col("transfer_month")).alias("transfer_text"))
    )


REVIEW_RULES: tuple[Rule, ...] = (
    Rule(
        "person_known",
        "reject",
        "person_id",
        "未查到该人员的社保登记信息，不能办理军转干申报。",
        pl.col("reg_name").is_not_null(),
    ),
    name_matches_registry(),
    Rule(
        "not_recorded_yet",
        "reject",
        "person_id",
        "该人员已认定为军转干部（申报编号 {recorded_by}），不能重复申报。",
        pl.col("recorded_by").is_null(),
    ),
    once_in_declaration(),
    Rule(
        "enlisted_at_working_age",
        "reject",
        "enlistment_date",
        f"入伍时间「{{value}}」时未满 {min_working_age_years()} 周岁（出生日期 {{reg_birth_text}}），"
        "请核对入伍时间。",
        pl.col("enlistment_date")
        >= pl.col("reg_birth_date").dt.offset_by(f"{min_working_age_years()}y"),
    ),
    *RULES[2:],  # gender and birth date against the ID: the check's
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    declaration_id = header["declaration_id"]
    if approved.height:
        records = with_all_columns(approved, COLUMNS).select(
            "person_id",
            "transfer_month",
            "enlistment_date",
            "post",
            "early_retirement",
            "retirement_date",
        )
        effects.insert_military_cadres(
            ws,
            records,
            unit_id=header["unit_id"],
            declaration_id=declaration_id,
            today=ws.today,
        )
    ws.log_effect(declaration_id, f"军转干申报审核通过 {approved.height} 人：已认定为军转干部。")


DECLARATION = Declaration(
    kind="military_cadre",
    title="军转干申报",
    columns=COLUMNS,
    rules=RULES,
    description="对单位人员进行军转干认定申报。一行一人。",
    review=Review(REVIEW_RULES, _context, _effects),
    detectable=False,
)
