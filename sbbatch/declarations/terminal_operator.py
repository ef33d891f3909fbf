"""Self-service terminal operators (自助终端专管员维护), manual §3.8.

「点击新增一行，录入专管员身份证号码和姓名，点击提交中心审核。待中心审核通过后，专管员
将拥有在自助终端上进行单位缴费的权限。」 One row per operator. The review checks that
the person is the registry's and insured in the unit now; approval adds the operator
to the unit's ``terminal_operators`` (an operator already listed is replaced by the
new row: name, declaration and date).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.declarations._common import id_column, name_column
from sbbatch.declarations._other import in_unit, known_person
from sbbatch.declarations._registry_review import (
    name_matches_registry,
    once_in_declaration,
    with_all_columns,
)
from sbbatch.spec import Declaration, Review, Rule
from sbbatch.store import effects, records

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["DECLARATION", "REVIEW_RULES", "operators"]

COLUMNS = (id_column(), name_column())


def operators(ws: Workspace, unit_id: str) -> pl.DataFrame:
    """Return the unit's terminal operators: ``person_id, name, declaration_id, since``."""
    return records.terminal_operators_of_unit(ws, unit_id)


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    rows = with_all_columns(rows, COLUMNS)
    facts = in_unit(ws, header["unit_id"], rows["person_id"]).select(
        "person_id", "reg_name", "open_here"
    )
    return rows.join(facts, on="person_id", how="left").with_columns(
        pl.col("open_here").fill_null(False)
    )


REVIEW_RULES: tuple[Rule, ...] = (
    known_person(),
    name_matches_registry(),
    Rule(
        "belongs_to_unit",
        "reject",
        "person_id",
        "「{reg_name}」不是本单位在职参保人员，不能维护为自助终端专管员。",
        pl.col("open_here"),
        when=pl.col("reg_name").is_not_null(),
    ),
    once_in_declaration(),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """Add the approved operators to the unit's list (replacing the same persons' rows)."""
    unit, declaration_id = header["unit_id"], header["declaration_id"]
    total = effects.replace_terminal_operators(
        ws,
        unit,
        approved.select(
            pl.lit(unit).alias("unit_id"),
            "person_id",
            "name",
            pl.lit(declaration_id).alias("declaration_id"),
            pl.lit(ws.today).alias("since"),
        ),
    )
    ws.log_effect(
        declaration_id, f"自助终端专管员审核通过 {approved.height} 人，单位现有专管员 {total} 人。"
    )


DECLARATION = Declaration(
    kind="terminal_operator",
    title="自助终端专管员维护",
    columns=COLUMNS,
    description="维护可在自助终端上进行单位缴费的专管员。一行一人。",
    review=Review(REVIEW_RULES, _context, _effects),
    detectable=False,
)
