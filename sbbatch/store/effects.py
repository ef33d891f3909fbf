"""The SQL of the businesses' effects on the registry: named, parameterised statements.

A business's ``effects`` decides *what* changes when the agency approves a
declaration; the statements here make the change (inside the caller's transaction)
and count what they changed, for the event log. Declared rows travel as list
parameters (:func:`sbbatch.store.registry.rows_source`), the tables from allow-lists.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from sbbatch.store._sql import compose, fragment
from sbbatch.store.registry import rows_source

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = [
    "close_open_periods",
    "end_remote_filings",
    "insert_military_cadres",
    "insert_retirements",
    "insert_settlements",
    "insert_special_job_periods",
    "insert_survivor_benefits",
    "insert_unemployment_benefits",
    "issue_outpatient_certificates",
    "replace_terminal_operators",
    "replace_unit_approver",
    "revoke_wage_bases",
    "set_leave_reason_of_departure",
    "set_leave_reason_of_last_periods",
]


def _insert(ws: Workspace, template: str, records: pl.DataFrame, **constants: object) -> None:
    """Run an ``INSERT … SELECT … FROM {source}`` over the records (values as parameters)."""
    source, params = rows_source(records)
    ws.execute(compose(template, source=source), {**params, **constants})


def insert_military_cadres(
    ws: Workspace, records: pl.DataFrame, *, unit_id: str, declaration_id: str, today: dt.date
) -> None:
    """Record the approved 军转干部 (``records``: the table's declared columns)."""
    _insert(
        ws,
        "INSERT INTO military_cadres SELECT x.person_id, $unit, $declaration, "
        "x.transfer_month, x.enlistment_date, x.post, x.early_retirement, x.retirement_date, "
        "$today FROM {source}",
        records,
        unit=unit_id,
        declaration=declaration_id,
        today=today,
    )


def insert_retirements(
    ws: Workspace, records: pl.DataFrame, *, unit_id: str, declaration_id: str, today: dt.date
) -> None:
    """Record the approved retirements."""
    _insert(
        ws,
        "INSERT INTO retirements SELECT x.person_id, $unit, $declaration, x.row_no, "
        "x.retirement_type, x.retirement_month, x.pension_start_month, x.declared_age, "
        "x.contribution_months, x.social_management, $today FROM {source}",
        records,
        unit=unit_id,
        declaration=declaration_id,
        today=today,
    )


def insert_settlements(
    ws: Workspace, persons: pl.DataFrame, *, unit_id: str, declaration_id: str, today: dt.date
) -> None:
    """Record the 退休结清 of the persons, settled today."""
    _insert(
        ws,
        "INSERT INTO retirement_settlements (person_id, unit_id, settled_on, declaration_id) "
        "SELECT x.person_id, $unit, $today, $declaration FROM {source}",
        persons.select("person_id"),
        unit=unit_id,
        declaration=declaration_id,
        today=today,
    )


def insert_special_job_periods(
    ws: Workspace, records: pl.DataFrame, *, unit_id: str, declaration_id: str, today: dt.date
) -> None:
    """Record the approved 特殊工种 periods."""
    _insert(
        ws,
        "INSERT INTO special_job_periods SELECT x.person_id, x.from_month, x.to_month, "
        "x.special_job_type, x.job_name, x.job_unit_id, x.job_unit_name, x.remarks, "
        "$unit, $declaration, $today FROM {source}",
        records,
        unit=unit_id,
        declaration=declaration_id,
        today=today,
    )


def insert_survivor_benefits(
    ws: Workspace, records: pl.DataFrame, *, unit_id: str, declaration_id: str, today: dt.date
) -> None:
    """Record the approved survivor benefits with their amounts (fen)."""
    _insert(
        ws,
        "INSERT INTO survivor_benefits SELECT x.deceased_id, x.survivor_id, x.survivor_name, "
        "$unit, $declaration, x.row_no, x.death_date, x.relation, x.survivor_type, "
        "x.start_month, x.regular_fen, x.lone_fen, x.pre1949_fen, x.total_fen, $today "
        "FROM {source}",
        records,
        unit=unit_id,
        declaration=declaration_id,
        today=today,
    )


def insert_unemployment_benefits(
    ws: Workspace, records: pl.DataFrame, *, unit_id: str, declaration_id: str, today: dt.date
) -> None:
    """Record the approved unemployment benefits (months, amounts in fen, history)."""
    _insert(
        ws,
        "INSERT INTO unemployment_benefits SELECT x.person_id, $unit, $declaration, "
        "x.leave_month, x.leave_reason, x.paid_months, x.benefit_months, x.current_month, "
        "x.monthly_fen, x.total_fen, x.benefit_policy_id, x.history, $today FROM {source}",
        records,
        unit=unit_id,
        declaration=declaration_id,
        today=today,
    )


def issue_outpatient_certificates(
    ws: Workspace, persons: pl.DataFrame, *, unit_id: str, declaration_id: str, today: dt.date
) -> None:
    """Issue a 门规证 (``<declaration>-NNN``) to each person who holds none."""
    _insert(
        ws,
        "INSERT INTO outpatient_certificates "
        "SELECT x.person_id, $declaration || '-' || lpad(CAST(row_number() OVER "
        "(ORDER BY x.person_id) AS VARCHAR), 3, '0'), $unit, $today, $declaration "
        "FROM {source} WHERE x.person_id NOT IN (SELECT person_id FROM outpatient_certificates)",
        persons,
        unit=unit_id,
        declaration=declaration_id,
        today=today,
    )


def close_open_periods(
    ws: Workspace, approved: pl.DataFrame, *, unit_id: str, declaration_id: str
) -> int:
    """Close the unit's open periods of ``person_id`` at ``month`` with ``leave_reason``.

    Returns:
        How many periods the declaration has closed.
    """
    source, params = rows_source(approved.select("person_id", "month", "leave_reason"))
    if approved.height:
        ws.execute(
            compose(
                "UPDATE insured_periods SET until_month = x.month, leave_reason = x.leave_reason, "
                "closed_by = $declaration FROM {source} "
                "WHERE insured_periods.person_id = x.person_id AND insured_periods.unit_id = $unit "
                "AND insured_periods.until_month IS NULL",
                source=source,
            ),
            {**params, "declaration": declaration_id, "unit": unit_id},
        )
    return int(
        ws.sql("SELECT count(*) AS n FROM insured_periods WHERE closed_by = ?", [declaration_id])[
            "n"
        ][0]
    )


def set_leave_reason_of_departure(ws: Workspace, targets: pl.DataFrame, *, unit_id: str) -> int:
    """Set ``leave_reason`` of the periods ``departure_id`` closed at ``left_month``.

    Returns:
        How many periods now carry the new reason.
    """
    source, params = rows_source(targets)
    params = {**params, "unit": unit_id}
    ws.execute(
        compose(
            "UPDATE insured_periods SET leave_reason = x.leave_reason FROM "
            "{source} WHERE insured_periods.person_id = x.person_id "
            "AND insured_periods.unit_id = $unit AND insured_periods.closed_by = x.departure_id "
            "AND insured_periods.until_month = x.left_month",
            source=source,
        ),
        params,
    )
    return int(
        ws.sql(
            compose(
                "SELECT count(*) AS n FROM insured_periods p JOIN {source} "
                "ON p.person_id = x.person_id AND p.closed_by = x.departure_id "
                "AND p.until_month = x.left_month WHERE p.unit_id = $unit",
                source=source,
            ),
            params,
        )["n"][0]
    )


def set_leave_reason_of_last_periods(ws: Workspace, targets: pl.DataFrame) -> int:
    """Set ``leave_reason`` of each person's periods that ended at ``last_month``.

    Returns:
        How many periods were changed.
    """
    source, params = rows_source(targets)
    match = fragment("p.person_id = x.person_id AND p.until_month = x.last_month")
    changed = int(
        ws.sql(
            compose(
                "SELECT count(*) AS n FROM insured_periods p JOIN {source} ON {match}",
                source=source,
                match=match,
            ),
            params,
        )["n"][0]
    )
    ws.execute(
        compose(
            "UPDATE insured_periods AS p SET leave_reason = x.leave_reason FROM {source} "
            "WHERE {match}",
            source=source,
            match=match,
        ),
        params,
    )
    return changed


def replace_unit_approver(
    ws: Workspace, unit_id: str, *, name: str, phone: str, declaration_id: str, today: dt.date
) -> None:
    """Make the person the unit's current approver (单位审定人)."""
    ws.execute("DELETE FROM unit_approvers WHERE unit_id = $unit", {"unit": unit_id})
    ws.execute(
        "INSERT INTO unit_approvers VALUES ($unit, $name, $phone, $declaration, $today)",
        {
            "unit": unit_id,
            "name": name,
            "phone": phone,
            "declaration": declaration_id,
            "today": today,
        },
    )


def replace_terminal_operators(ws: Workspace, unit_id: str, operators: pl.DataFrame) -> int:
    """Replace the unit's operators rows of the frame's persons by the frame.

    Returns:
        How many operators the unit has now.
    """
    if operators.height:
        source, params = rows_source(operators.select("person_id"))
        ws.execute(
            compose(
                "DELETE FROM terminal_operators WHERE unit_id = $unit AND person_id IN "
                "(SELECT person_id FROM {source})",
                source=source,
            ),
            {**params, "unit": unit_id},
        )
        ws.insert_frame("terminal_operators", operators)
    return int(
        ws.sql("SELECT count(*) AS n FROM terminal_operators WHERE unit_id = ?", [unit_id])["n"][0]
    )


def end_remote_filings(
    ws: Workspace, person_ids: pl.DataFrame, *, reason: str, declaration_id: str, today: dt.date
) -> int:
    """End the persons' active remote filings (异地备案) with ``reason``; return how many."""
    source, params = rows_source(person_ids.select("person_id"))
    ended = int(
        ws.sql(
            compose(
                "SELECT count(*) AS n FROM remote_filings f JOIN {source} "
                "ON f.person_id = x.person_id WHERE f.ended_on IS NULL",
                source=source,
            ),
            params,
        )["n"][0]
    )
    ws.execute(
        compose(
            "UPDATE remote_filings SET ended_on = $today, ended_by = $declaration, "
            "end_reason = $reason FROM {source} "
            "WHERE remote_filings.person_id = x.person_id AND remote_filings.ended_on IS NULL",
            source=source,
        ),
        {**params, "today": today, "declaration": declaration_id, "reason": reason},
    )
    return ended


def revoke_wage_bases(ws: Workspace, target: str, revocation: str) -> int:
    """Mark the wages a declaration set as revoked by ``revocation``; return how many."""
    count = int(
        ws.sql(
            "SELECT count(*) AS n FROM wage_bases WHERE declaration_id = ? AND revoked_by IS NULL",
            [target],
        )["n"][0]
    )
    ws.execute(
        "UPDATE wage_bases SET revoked_by = ? WHERE declaration_id = ? AND revoked_by IS NULL",
        [revocation, target],
    )
    return count
