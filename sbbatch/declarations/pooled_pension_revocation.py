"""Revoking the pension confirmation of industry-pooled persons (撤销行业统筹人员养老金认定),
manual §3.12.

「录入行业统筹人员身份证号码，点击放大镜，选择人员信息，点击提交中心撤销，等待中心撤销结果。」
One row per person (身份证号码, 姓名, 性别). The agency revokes a confirmed pension check
of the unit; the basic-info confirmation stays.
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

__all__ = ["COLUMNS", "DECLARATION", "REVIEW_RULES", "pension_confirmed_persons"]

COLUMNS = PERSON_COLUMNS


def pension_confirmed_persons(ws: Workspace, unit_id: str, month: dt.date) -> pl.DataFrame:
    """Return the unit's 行业统筹人员 whose pension is confirmed (to revoke)."""
    del month
    return pooled_of_unit(ws, unit_id, check="-pension")


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    return pooled_facts(ws, with_all_columns(rows, COLUMNS), header["unit_id"])


REVIEW_RULES: tuple[Rule, ...] = (
    known_person(),
    name_matches_registry(),
    gender_matches_registry(),
    Rule(
        "pension_confirmed",
        "reject",
        "person_id",
        "本单位没有该人员已认定的行业统筹人员养老金，无需撤销。",
        pl.col("pension_check_id").is_not_null(),
        when=pl.col("reg_name").is_not_null(),
    ),
    once_in_declaration(),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """Revoke the unit's confirmed pension checks of the approved persons."""
    revoked = revoke_checks(ws, "pension", approved, header)
    ws.log_effect(
        header["declaration_id"],
        f"撤销行业统筹人员养老金认定审核通过 {approved.height} 人：撤销认定 {revoked} 条。",
    )


DECLARATION = Declaration(
    kind="pooled_pension_revocation",
    title="撤销行业统筹人员养老金认定",
    columns=COLUMNS,
    description="撤销已认定的行业统筹人员养老金。一行一人。",
    prefill=pension_confirmed_persons,
    review=Review(REVIEW_RULES, _context, _effects),
    detectable=False,
)
