"""Revoking the basic-information confirmation of industry-pooled persons
(撤销行业统筹人员基本信息认定), manual §3.10.

「录入行业统筹人员身份证号码，点击放大镜，选择人员信息，点击提交中心撤销。」 One row per
person (身份证号码, 姓名, 性别). The agency revokes a confirmed basic-info check of the
unit; while the person's pension check (核对行业统筹人员养老金) stands, it must be
revoked first, for it rests on the basic information.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.declarations._other import known_person
from sbbatch.declarations._pooled import (
    PERSON_COLUMNS,
    gender_matches_registry,
    pooled_facts,
    pooled_of_unit,
    revoke_checks,
)
from sbbatch.declarations._registry import (
    name_matches_registry,
    once_in_declaration,
    with_all_columns,
)
from sbbatch.spec import Declaration, Review, Rule

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["COLUMNS", "DECLARATION", "REVIEW_RULES", "confirmed_persons"]

COLUMNS = PERSON_COLUMNS


def confirmed_persons(ws: Workspace, unit_id: str, month: dt.date) -> pl.DataFrame:
    """Return the unit's 行业统筹人员 whose basic information is confirmed (to revoke)."""
    del month
    return pooled_of_unit(ws, unit_id, check="-person")


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    return pooled_facts(ws, with_all_columns(rows, COLUMNS), header["unit_id"])


REVIEW_RULES: tuple[Rule, ...] = (
    known_person(),
    name_matches_registry(),
    gender_matches_registry(),
    Rule(
        "person_confirmed",
        "reject",
        "person_id",
        "本单位没有该人员已认定的行业统筹人员基本信息，无需撤销。",
        pl.col("person_check_id").is_not_null(),
        when=pl.col("reg_name").is_not_null(),
    ),
    Rule(
        "pension_revoked_first",
        "reject",
        "person_id",
        "该人员的行业统筹人员养老金已认定（申报编号 {pension_check_id}）。"
        "提示：请先撤销行业统筹人员养老金认定。",
        pl.col("pension_check_id").is_null(),
    ),
    once_in_declaration(),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """Revoke the unit's confirmed basic-info checks of the approved persons."""
    revoked = revoke_checks(ws, "person", approved, header)
    ws.log_effect(
        header["declaration_id"],
        f"撤销行业统筹人员基本信息认定审核通过 {approved.height} 人：撤销认定 {revoked} 条。",
    )


DECLARATION = Declaration(
    kind="pooled_person_revocation",
    title="撤销行业统筹人员基本信息认定",
    columns=COLUMNS,
    description="撤销已认定的行业统筹人员基本信息。一行一人。",
    prefill=confirmed_persons,
    review=Review(REVIEW_RULES, _context, _effects),
    detectable=False,
)
