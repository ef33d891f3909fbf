"""Resident medical stop (居民医疗停保 / 批量居民医疗停保), manual §1.10–1.11.

「为居民办理医疗停保」: a person insured as a resident (城乡居民医疗保险) who has become
an employee of the unit has the resident insurance stopped, so they are not insured
twice. The manual's single form asks for 身份证号码 and 姓名 (根据身份证号码和姓名查询);
the batch file has the same two columns. One row per person.

The agency's review: the person is in the registry (不通过 otherwise: the agency cannot
stop the insurance of a person it does not know) and the 姓名 is theirs; the person
now has an open 职工基本医疗保险 period in the unit (a 提示 otherwise — the resident
insurance is not part of the registry, so this is what the unit can be asked about);
no stop was registered for them yet. Approval records the stop
(``resident_medical_stops``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.declarations._common import id_column, name_column
from sbbatch.declarations._other import MEDICAL, in_unit, known_person
from sbbatch.declarations._registry_review import (
    name_matches_registry,
    once_in_declaration,
    with_all_columns,
)
from sbbatch.spec import Declaration, Review, Rule
from sbbatch.store import records

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["COLUMNS", "DECLARATION", "REVIEW_RULES"]

COLUMNS = (id_column("身份证号码"), name_column(required=True))


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    """Join the rows with the person's employee medical insurance here and earlier stops."""
    rows = with_all_columns(rows, COLUMNS)
    facts = in_unit(ws, header["unit_id"], rows["person_id"], insurance=MEDICAL).select(
        "person_id", "reg_name", "open_here"
    )
    stops = records.resident_medical_stops_of(ws, rows["person_id"])
    return (
        rows.join(facts, on="person_id", how="left", maintain_order="left")
        .join(stops, on="person_id", how="left", maintain_order="left")
        .with_columns(pl.col("open_here").fill_null(False))
    )


REVIEW_RULES: tuple[Rule, ...] = (
    known_person(),
    Rule(
        "employee_medical_here",
        "warn",
        "person_id",
        "该人员在本单位没有正在参保的职工基本医疗保险。提示：居民医疗停保用于已在单位参加"
        "职工医保的人员，请先办理增员。",
        pl.col("open_here"),
        when=pl.col("reg_name").is_not_null(),
    ),
    name_matches_registry(),
    Rule(
        "not_stopped_before",
        "reject",
        "person_id",
        "该人员已于 {stopped_text} 办理居民医疗停保（申报编号 {stop_declaration_id}），无需重复办理。",
        pl.col("stop_declaration_id").is_null(),
    ),
    once_in_declaration(),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """Record the approved stops."""
    if approved.height:
        ws.insert_frame(
            "resident_medical_stops",
            approved.select(
                "person_id",
                "name",
                pl.lit(header["unit_id"]).alias("unit_id"),
                pl.lit(header["declaration_id"]).alias("declaration_id"),
                pl.col("row_no").cast(pl.Int32),
                pl.lit(ws.today).alias("stopped_on"),
            ),
        )
    ws.log_effect(header["declaration_id"], f"居民医疗停保审核通过 {approved.height} 人。")


DECLARATION = Declaration(
    kind="resident_medical_stop",
    title="居民医疗停保",
    columns=COLUMNS,
    description="为已在单位参加职工医保的居民办理居民医疗停保（单个或批量）。一行一人。",
    review=Review(REVIEW_RULES, _context, _effects),
    detectable=False,
)
