"""Change of departure reason (减员原因变更): correcting the 减员原因 of a finished 减员.

Manual §3.5: after a departure has been approved, a wrong 减员原因 can be corrected. The
row names the person and the new reason; the review finds the unit's insured periods
that an approved 减员申报 closed, and on approval their 减员原因 is replaced. The
审核意见 of an approved row is 「单位减员原因变更成功」.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.declarations._common import id_column, leave_reason_column, name_column, registry_form
from sbbatch.declarations._registry_review import (
    code_labels,
    code_rules,
    month_text,
    name_matches_registry,
    no_open_declaration,
    once_in_declaration,
    person_result,
    with_all_columns,
    with_code_labels,
    with_other_declarations,
    with_person_facts,
    with_registry_person,
)
from sbbatch.spec import Column, Declaration, FormColumn, Review, Rule
from sbbatch.store import effects, records

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["DECLARATION", "REVIEW_RULES", "approved_departures"]

COLUMNS = (
    id_column(),
    name_column(),
    leave_reason_column(example="在职人员出国定居"),
)

#: Declaration states of a departure whose review is done (已审核, 已读).
_DONE = ("reviewed", "read")

#: The business whose approved declarations closed the periods (减员申报).
DEPARTURE = "departure"


def approved_departures(ws: Workspace, unit_id: str, person_ids: pl.Series) -> pl.DataFrame:
    """Return, per person, the unit's latest departure approved by the agency.

    Columns: ``person_id``, ``departure_id`` (the 减员申报 that closed the periods),
    ``left_month`` (减员年月), ``old_reason`` (减员原因 now recorded).
    """
    return records.departures_approved(ws, unit_id, person_ids, kind=DEPARTURE, statuses=_DONE)


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    """Join the rows with the person's approved departure from the unit."""
    rows = with_all_columns(rows, COLUMNS)
    departed = approved_departures(ws, header["unit_id"], rows["person_id"])
    context = with_registry_person(ws, rows)
    context = with_other_declarations(ws, context, header["declaration_id"])
    context = with_code_labels(
        context.join(departed, on="person_id", how="left"), COLUMNS, "left_month"
    )
    return context.with_columns(
        month_text(pl.col("left_month")).alias("left_text"),
        pl.col("old_reason")
        .replace_strict(code_labels("leave_reason"), default=None, return_dtype=pl.String)
        .alias("old_reason_label"),
    )


REVIEW_RULES: tuple[Rule, ...] = (
    Rule(
        "departed_here",
        "reject",
        "person_id",
        "本单位没有该人员审核通过的减员记录，不能变更减员原因。提示：请先办理减员申报。",
        pl.col("departure_id").is_not_null(),
    ),
    name_matches_registry(),
    Rule(
        "reason_changed",
        "reject",
        "leave_reason",
        "新的减员原因「{leave_reason_label}」与原减员原因相同，无需变更。",
        pl.col("leave_reason") != pl.col("old_reason"),
    ),
    no_open_declaration(),
    once_in_declaration(),
    *code_rules(COLUMNS, "left_text"),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """Replace the 减员原因 of the periods the approved departure closed."""
    declaration_id = header["declaration_id"]
    changed = 0
    if approved.height:
        departed = approved_departures(ws, header["unit_id"], approved["person_id"])
        targets = approved.select("person_id", "leave_reason").join(
            departed.select("person_id", "departure_id", "left_month"), on="person_id"
        )
        changed = effects.set_leave_reason_of_departure(ws, targets, unit_id=header["unit_id"])
    ws.log_effect(
        declaration_id,
        f"减员原因变更审核通过 {approved.height} 人：变更参保记录的减员原因 {changed} 条。",
    )


def _result_facts(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    """Add 性别, 出生日期 (registry) and the 减员年月 of the departure whose reason changes."""
    left = approved_departures(ws, header["unit_id"], rows["person_id"])
    rows = with_person_facts(ws, rows, header)
    return rows.join(
        left.select("person_id", pl.col("left_month").alias("month")),
        on="person_id",
        how="left",
        maintain_order="left",
    )


#: 减员原因变更's result: the month is that of the approved departure.
RESULT = person_result(
    "减员年月",
    "leave_reason",
    "减员原因",
    facts=_result_facts,
    extra=(Column("month", "减员年月", "month"),),
)

#: The printed 减员原因变更表.
FORM = registry_form(
    "减员原因变更表",
    FormColumn("month", "减员年月", 11, "C"),
    FormColumn("leave_reason", "变更后减员原因", 24, "L"),
)


DECLARATION = Declaration(
    kind="leave_reason_change",
    title="减员原因变更",
    columns=COLUMNS,
    description="减员完成后更正减员原因。一行一人。",
    review=Review(REVIEW_RULES, _context, _effects, success="单位减员原因变更成功"),
    detectable=False,
    result=RESULT,
    form=FORM,
)
