"""Checking the basic information of industry-pooled persons (核对行业统筹人员基本信息), manual §3.9.

「点击‘核对行业统筹人员的基本信息’，勾选正确人员信息，点击提交中心审核。」 The unit ticks
the 行业统筹人员 whose 身份证号码, 姓名 and 性别 are right (含数据报盘 lists those not
confirmed yet) and submits them; the agency confirms each row that is a pooled person of
the unit, matches the registry and is not confirmed already. Approval records the
confirmation in ``pooled_person_checks`` (status ``confirmed``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.declarations._other import known_person
from sbbatch.declarations._pooled import (
    CONFIRMED,
    PERSON_COLUMNS,
    gender_matches_registry,
    pooled_facts,
    pooled_here_rule,
    pooled_of_unit,
)
from sbbatch.declarations._registry_review import (
    name_matches_registry,
    once_in_declaration,
    with_all_columns,
)
from sbbatch.spec import Declaration, Review, Rule

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["COLUMNS", "DECLARATION", "REVIEW_RULES", "unchecked_persons"]

COLUMNS = PERSON_COLUMNS


def unchecked_persons(ws: Workspace, unit_id: str, month: dt.date) -> pl.DataFrame:
    """Return the unit's 行业统筹人员 without a confirmed basic-info check (to tick)."""
    del month  # a check is not tied to a month
    return pooled_of_unit(ws, unit_id, check="person")


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    return pooled_facts(ws, with_all_columns(rows, COLUMNS), header["unit_id"])


REVIEW_RULES: tuple[Rule, ...] = (
    known_person(),
    pooled_here_rule("核对基本信息"),
    name_matches_registry(),
    gender_matches_registry(),
    Rule(
        "not_confirmed_yet",
        "reject",
        "person_id",
        "该人员的行业统筹基本信息已于 {person_checked_text} 认定（申报编号 {person_check_id}），"
        "无需重复核对。提示：如需更正，请先撤销行业统筹人员基本信息认定。",
        pl.col("person_check_id").is_null(),
    ),
    once_in_declaration(),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """Record the confirmed basic-info checks."""
    declaration_id = header["declaration_id"]
    if approved.height:
        ws.insert_frame(
            "pooled_person_checks",
            approved.select(
                "person_id",
                pl.lit(header["unit_id"]).alias("unit_id"),
                pl.lit(declaration_id).alias("declaration_id"),
                "name",
                "gender",
                pl.lit(ws.today).alias("confirmed_on"),
                pl.lit(CONFIRMED).alias("status"),
                pl.lit(None, pl.String).alias("revoked_by"),
                pl.lit(None, pl.Date).alias("revoked_on"),
            ),
        )
    ws.log_effect(
        declaration_id, f"核对行业统筹人员基本信息审核通过 {approved.height} 人：基本信息已认定。"
    )


DECLARATION = Declaration(
    kind="pooled_person_check",
    title="核对行业统筹人员基本信息",
    columns=COLUMNS,
    description="勾选基本信息正确的行业统筹人员，提交中心认定。一行一人。",
    prefill=unchecked_persons,
    review=Review(REVIEW_RULES, _context, _effects),
    detectable=False,
)
