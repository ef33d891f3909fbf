"""Checking the pension of industry-pooled persons (核对行业统筹人员养老金), manual §3.11.

「点击‘核对行业统筹人员养老金’，勾选人员信息，点击提交中心审核。等待中心审核完成。」 The
unit ticks 行业统筹人员 (含数据报盘 lists those with confirmed basic information and no
pension check); the agency confirms each whose basic information (§3.9) is confirmed
for the unit and whose pension is not confirmed already. Approval records the check in
``pooled_pension_checks`` with the basic-info check it rests on and the person's
累计缴费月数 (pension) at the time.
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
    PENSION,
    name_matches_registry,
    once_in_declaration,
    with_all_columns,
)
from sbbatch.declarations._retirement import contribution_months
from sbbatch.spec import Declaration, Review, Rule

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["COLUMNS", "DECLARATION", "REVIEW_RULES", "pension_unchecked_persons"]

COLUMNS = PERSON_COLUMNS


def pension_unchecked_persons(ws: Workspace, unit_id: str, month: dt.date) -> pl.DataFrame:
    """Return the unit's 行业统筹人员 with confirmed basic information and no pension check."""
    del month
    checked = pooled_of_unit(ws, unit_id, check="-person")
    done = pooled_of_unit(ws, unit_id, check="-pension")["person_id"]
    return checked.filter(~pl.col("person_id").is_in(done.implode()))


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    rows = with_all_columns(rows, COLUMNS)
    months = contribution_months(ws, rows["person_id"], PENSION)
    return (
        pooled_facts(ws, rows, header["unit_id"])
        .join(months, on="person_id", how="left", maintain_order="left")
        .with_columns(pl.col("contribution_months").fill_null(0))
    )


REVIEW_RULES: tuple[Rule, ...] = (
    known_person(),
    pooled_here_rule("核对养老金"),
    name_matches_registry(),
    gender_matches_registry(),
    Rule(
        "person_confirmed_first",
        "reject",
        "person_id",
        "该人员的行业统筹人员基本信息尚未认定。提示：请先办理核对行业统筹人员基本信息。",
        pl.col("person_check_id").is_not_null(),
        when=pl.col("pooled_here"),
    ),
    Rule(
        "pension_not_confirmed_yet",
        "reject",
        "person_id",
        "该人员的行业统筹人员养老金已于 {pension_checked_text} 认定（申报编号 "
        "{pension_check_id}），无需重复核对。",
        pl.col("pension_check_id").is_null(),
    ),
    Rule(
        "has_pension_months",
        "warn",
        "person_id",
        "未查到该人员的养老保险缴费月数，请核对参保记录。",
        pl.col("contribution_months") > 0,
        when=pl.col("reg_name").is_not_null(),
    ),
    once_in_declaration(),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """Record the confirmed pension checks with the basic-info check and months."""
    declaration_id = header["declaration_id"]
    if approved.height:
        context = _context(ws, approved, header)
        ws.insert_frame(
            "pooled_pension_checks",
            context.select(
                "person_id",
                pl.lit(header["unit_id"]).alias("unit_id"),
                pl.lit(declaration_id).alias("declaration_id"),
                pl.col("person_check_id"),
                pl.col("contribution_months").cast(pl.Int32),
                pl.lit(ws.today).alias("confirmed_on"),
                pl.lit(CONFIRMED).alias("status"),
                pl.lit(None, pl.String).alias("revoked_by"),
                pl.lit(None, pl.Date).alias("revoked_on"),
            ),
        )
    ws.log_effect(
        declaration_id, f"核对行业统筹人员养老金审核通过 {approved.height} 人：养老金已认定。"
    )


DECLARATION = Declaration(
    kind="pooled_pension_check",
    title="核对行业统筹人员养老金",
    columns=COLUMNS,
    description="勾选基本信息已认定的行业统筹人员，提交中心核对养老金。一行一人。",
    prefill=pension_unchecked_persons,
    review=Review(REVIEW_RULES, _context, _effects),
    detectable=False,
)
