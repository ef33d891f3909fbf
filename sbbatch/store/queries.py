"""The SQL of the queries (查询), the overview (概况信息) and the reconciliation (对账).

Named, parameterised reads of the workspace: :mod:`sbbatch.queries`,
:mod:`sbbatch.overview`, :mod:`sbbatch.reconcile` and the payments demo call these and
shape the frames they return (labels, Chinese headers). Values travel only as
parameters; the parts that vary (optional filters, a chosen column list) are
:class:`~sbbatch.store._sql.Fragment` objects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.store._sql import Fragment, compose, fragment, ident, join
from sbbatch.store.cards import BANK_FIELDS, CURRENT_PHOTOS, insured_in_unit

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = [
    "agency_payment_lines",
    "bill_list",
    "busiest_online_unit",
    "card_bank",
    "card_collectors",
    "card_history",
    "card_status",
    "declaration_list",
    "find_person",
    "find_unit",
    "first_insured_month",
    "first_wage",
    "late_starter",
    "open_remote_filings",
    "paid_in_month",
    "person_backpay_items",
    "person_bill_lines",
    "person_progress",
    "persons_at",
    "persons_in",
    "unit_name",
    "unit_names",
    "unit_payments",
    "units",
]


# --------------------------------------------------------------------------- registry
def find_unit(ws: Workspace, unit_id: str) -> pl.DataFrame:
    """The ``units`` row of ``unit_id`` (no row when there is none)."""
    return ws.sql("SELECT * FROM units WHERE unit_id = ?", [unit_id])


def find_person(ws: Workspace, person_id: str) -> pl.DataFrame:
    """The ``persons`` row of ``person_id`` (no row when there is none)."""
    return ws.sql("SELECT * FROM persons WHERE person_id = ?", [person_id])


def unit_name(ws: Workspace, unit_id: str) -> str | None:
    """The unit's name, or ``None`` for a unit not in the workspace."""
    found = ws.sql("SELECT name FROM units WHERE unit_id = ?", [unit_id])
    return str(found["name"][0]) if found.height else None


def unit_names(ws: Workspace) -> pl.DataFrame:
    """``unit_id, unit_name`` of every unit."""
    return ws.sql("SELECT unit_id, name AS unit_name FROM units")


def units(ws: Workspace, unit_id: str | None) -> pl.DataFrame:
    """The ``units`` rows (one unit when ``unit_id`` is given), by unit number."""
    return ws.sql(
        "SELECT * FROM units WHERE $unit IS NULL OR unit_id = $unit ORDER BY unit_id",
        {"unit": unit_id},
    )


def persons_in(ws: Workspace, person_ids: Iterable[str]) -> pl.DataFrame:
    """The ``persons`` rows of the given ID numbers."""
    return ws.sql(
        "SELECT * FROM persons WHERE person_id IN (SELECT unnest($ids::VARCHAR[]))",
        {"ids": list(person_ids)},
    )


def persons_at(ws: Workspace, month: dt.date, unit_id: str | None) -> pl.DataFrame:
    """One row per unit and person with a period begun by ``month`` (raw codes)."""
    return ws.sql(
        """
        SELECT p.unit_id, p.person_id, s.name, s.gender, s.birth_date,
               bool_or(p.until_month IS NULL OR p.until_month > $month) AS is_insured,
               arg_max(p.person_category, p.from_month) AS person_category,
               max(p.from_month) AS from_month,
               max(p.until_month) AS until_month,
               arg_max(p.leave_reason, p.until_month) AS leave_reason,
               list(DISTINCT p.insurance) FILTER (
                   WHERE p.until_month IS NULL OR p.until_month > $month) AS insurance_codes
        FROM insured_periods p LEFT JOIN persons s USING (person_id)
        WHERE p.from_month <= $month AND ($unit IS NULL OR p.unit_id = $unit)
        GROUP BY p.unit_id, p.person_id, s.name, s.gender, s.birth_date
        """,
        {"month": month, "unit": unit_id},
    )


def first_insured_month(ws: Workspace, unit_id: str) -> dt.date | None:
    """The first month of the unit's earliest insured period."""
    found = ws.sql("SELECT min(from_month) AS m FROM insured_periods WHERE unit_id = ?", [unit_id])
    first: dt.date | None = found["m"][0]
    return first


# ------------------------------------------------------------------------ declarations
def declaration_list(ws: Workspace, filters: dict[str, Any]) -> pl.DataFrame:
    """Declarations with their row counts and moves (keys ``unit kind status from to``)."""
    return ws.sql(
        """
        WITH rows AS (
            SELECT declaration_id, count(*) AS total,
                   count(*) FILTER (WHERE review_result = '1') AS approved,
                   count(*) FILTER (WHERE review_result = '2') AS rejected
            FROM declaration_rows GROUP BY declaration_id
        ), moves AS (
            SELECT declaration_id,
                   max(occurred_at) FILTER (WHERE action = 'submit') AS submitted_at,
                   max(occurred_at) FILTER (WHERE action = 'review') AS reviewed_at,
                   max(occurred_at) FILTER (WHERE action = 'mark_read') AS read_at
            FROM events WHERE declaration_id IS NOT NULL GROUP BY declaration_id
        )
        SELECT d.declaration_id, d.kind, d.unit_id, u.name AS unit_name, d.status,
               d.business_month, d.created_at, m.submitted_at, m.reviewed_at, m.read_at,
               coalesce(r.total, 0) AS total, coalesce(r.approved, 0) AS approved,
               coalesce(r.rejected, 0) AS rejected, d.parent_id, d.note
        FROM declarations d
        LEFT JOIN units u USING (unit_id)
        LEFT JOIN rows r USING (declaration_id)
        LEFT JOIN moves m USING (declaration_id)
        WHERE ($unit IS NULL OR d.unit_id = $unit)
          AND ($kind IS NULL OR d.kind = $kind)
          AND ($status IS NULL OR d.status = $status)
          AND ($from IS NULL OR d.created_at >= $from)
          AND ($to IS NULL OR d.created_at < $to)
        ORDER BY d.created_at DESC, d.declaration_id DESC
        """,
        filters,
    )


def person_progress(ws: Workspace, person_id: str) -> pl.DataFrame:
    """Every declaration row of one person with its declaration and redraft, oldest first."""
    return ws.sql(
        """
        SELECT d.declaration_id, d.kind, d.unit_id, u.name AS unit_name, d.created_at,
               d.status, r.row_no, r.review_result, r.review_opinion,
               (SELECT min(c.declaration_id) FROM declarations c
                JOIN declaration_rows cr ON cr.declaration_id = c.declaration_id
                WHERE c.parent_id = d.declaration_id AND cr.person_id = r.person_id) AS redraft_id
        FROM declaration_rows r
        JOIN declarations d USING (declaration_id)
        LEFT JOIN units u ON u.unit_id = d.unit_id
        WHERE r.person_id = $person
        ORDER BY d.created_at, d.declaration_id, r.row_no
        """,
        {"person": person_id},
    )


# ------------------------------------------------------------------------------ cards
def card_status(ws: Workspace, unit_id: str, month: dt.date) -> pl.DataFrame:
    """Every person insured in the unit in ``month`` with the raw card state and photo."""
    return ws.sql(
        compose(
            """
            SELECT p.person_id, p.name, c.state AS card_state, c.application_id, c.department,
                   ph.sha256 IS NOT NULL AS has_photo, ph.ok AS photo_ok,
                   ph.file_name AS photo_file, c.updated_at
            FROM persons p
            LEFT JOIN cards c USING (person_id)
            LEFT JOIN {photos} ph USING (person_id)
            WHERE {insured}
            ORDER BY p.person_id
            """,
            photos=CURRENT_PHOTOS,
            insured=insured_in_unit("p.person_id"),
        ),
        {"unit": unit_id, "month": month},
    )


def card_history(ws: Workspace, unit_id: str | None, person_id: str | None) -> pl.DataFrame:
    """Card state changes (oldest first) of a unit, a person, or all."""
    clauses: list[Fragment] = []
    params: dict[str, Any] = {}
    if unit_id is not None:
        clauses.append(fragment("h.unit_id = $unit"))
        params["unit"] = unit_id
    if person_id is not None:
        clauses.append(fragment("h.person_id = $person"))
        params["person"] = person_id
    return ws.sql(
        compose(
            """
            SELECT h.person_id, p.name, h.from_state, h.to_state, h.declaration_id,
                   h.occurred_at, h.by_user
            FROM card_history h LEFT JOIN persons p USING (person_id)
            WHERE {where}
            ORDER BY h.history_id
            """,
            where=join(clauses),
        ),
        params,
    )


def card_bank(ws: Workspace, unit_id: str, fields: Sequence[str]) -> pl.DataFrame:
    """The unit's confirmed card bank: ``fields`` (of :data:`BANK_FIELDS`) and its source."""
    columns = join([ident(name, BANK_FIELDS) for name in fields], ", ")
    return ws.sql(
        compose(
            "SELECT {columns}, declaration_id, confirmed_on FROM card_issuing_info "
            "WHERE unit_id = $unit",
            columns=columns,
        ),
        {"unit": unit_id},
    )


def card_collectors(ws: Workspace, unit_id: str) -> pl.DataFrame:
    """The unit's card collectors (领卡人), by No."""
    return ws.sql(
        "SELECT slot, person_id, name, phone, declaration_id FROM card_collectors "
        "WHERE unit_id = $unit ORDER BY slot",
        {"unit": unit_id},
    )


# ------------------------------------------------------------------------------ money
def unit_payments(
    ws: Workspace, detail: Fragment, params: dict[str, Any], unit_id: str
) -> pl.DataFrame:
    """Per fee month of ``sb_months``: due, back-paid, billed, paid and missing persons.

    ``detail`` is the contribution-lines query (with its ``params``) over the frames
    registered by the caller.
    """
    query = compose(
        """
        WITH detail AS ({detail}),
        regular AS (
            SELECT d.month, d.person_id, d.amount_fen FROM detail d
            WHERE NOT EXISTS (
                SELECT 1 FROM backpay_items i
                WHERE i.unit_id = d.unit_id AND i.person_id = d.person_id AND i.month = d.month
                  AND i.insurance = d.insurance AND i.payer = d.payer)
        ),
        backpay AS (
            SELECT month, person_id, amount_fen FROM backpay_items
            WHERE unit_id = $unit AND month BETWEEN $first AND $last
        ),
        due AS (
            SELECT month, count(DISTINCT person_id) AS persons, sum(amount_fen) AS due_fen,
                   sum(backpay_fen) AS backpay_fen
            FROM (SELECT month, person_id, amount_fen, 0 AS backpay_fen FROM regular
                  UNION ALL SELECT month, person_id, amount_fen, amount_fen FROM backpay)
            GROUP BY month
        ),
        billed AS (
            SELECT l.month,
                   sum(l.amount_fen) FILTER (WHERE b.status <> 'abandoned') AS billed_fen,
                   sum(l.amount_fen) FILTER (WHERE b.status = 'paid') AS paid_fen,
                   sum(l.late_fee_fen) FILTER (WHERE b.status = 'paid') AS late_fee_paid_fen
            FROM bill_lines l JOIN bills b ON b.bill_id = l.bill_id
            WHERE l.unit_id = $unit AND l.month BETWEEN $first AND $last
            GROUP BY l.month
        ),
        insured AS (
            SELECT m.month, p.person_id FROM insured_periods p JOIN sb_months m
              ON m.month >= p.from_month AND (p.until_month IS NULL OR m.month < p.until_month)
            WHERE p.unit_id = $unit
        ),
        missing AS (
            SELECT i.month, count(DISTINCT i.person_id) AS missing_persons FROM insured i
            WHERE NOT EXISTS (SELECT 1 FROM wage_bases w WHERE w.unit_id = $unit
                              AND w.person_id = i.person_id AND w.month = i.month AND w.revoked_by IS NULL)
            GROUP BY i.month
        )
        SELECT m.month, coalesce(due.persons, 0) AS persons, coalesce(due.due_fen, 0) AS due_fen,
               coalesce(due.backpay_fen, 0) AS backpay_fen, coalesce(billed.billed_fen, 0) AS billed_fen,
               coalesce(billed.paid_fen, 0) AS paid_fen,
               coalesce(billed.late_fee_paid_fen, 0) AS late_fee_paid_fen,
               coalesce(due.due_fen, 0) - coalesce(billed.paid_fen, 0) AS outstanding_fen,
               coalesce(missing.missing_persons, 0) AS missing_persons
        FROM sb_months m LEFT JOIN due USING (month) LEFT JOIN billed USING (month)
        LEFT JOIN missing USING (month)
        ORDER BY m.month
        """,
        detail=detail,
    )
    return ws.sql(query, {**params, "unit": unit_id})


def person_backpay_items(ws: Workspace, person_id: str) -> pl.DataFrame:
    """One person's approved back-payment lines (without their declaration columns)."""
    return ws.sql(
        "SELECT * EXCLUDE (declaration_id, row_no, reason) FROM backpay_items WHERE person_id = ?",
        [person_id],
    )


def person_bill_lines(ws: Workspace, person_id: str) -> pl.DataFrame:
    """One person's lines on bills that are not abandoned, with the bill's state."""
    return ws.sql(
        """
        SELECT l.unit_id, l.person_id, l.month, l.insurance, l.payer, b.bill_id, b.status AS bill_status,
               b.paid_at, l.late_fee_fen
        FROM bill_lines l JOIN bills b ON b.bill_id = l.bill_id
        WHERE l.person_id = ? AND b.status <> 'abandoned'
        """,
        [person_id],
    )


def bill_list(
    ws: Workspace, *, unit_id: str | None, status: str | None, kind: str | None
) -> pl.DataFrame:
    """Bills (newest first) with their unit's name and their payment attempts."""
    return ws.sql(
        """
        SELECT b.bill_id, b.kind, b.unit_id, u.name AS unit_name, b.fee_month, b.insurances, b.status,
               b.created_at, b.contribution_fen, b.late_fee_fen, b.total_fen, b.paid_at,
               (SELECT count(*) FROM payments p WHERE p.bill_id = b.bill_id) AS attempts,
               (SELECT arg_max(p.outcome, p.attempt) FROM payments p WHERE p.bill_id = b.bill_id) AS last_outcome,
               (SELECT arg_max(p.message, p.attempt) FROM payments p WHERE p.bill_id = b.bill_id) AS last_message
        FROM bills b LEFT JOIN units u ON u.unit_id = b.unit_id
        WHERE ($unit IS NULL OR b.unit_id = $unit) AND ($status IS NULL OR b.status = $status)
          AND ($kind IS NULL OR b.kind = $kind)
        ORDER BY b.bill_id DESC
        """,
        {"unit": unit_id, "status": status, "kind": kind},
    )


def paid_in_month(ws: Workspace, unit_id: str, month: dt.date) -> int:
    """Σ contribution of the unit's paid bills for the fee month, in fen."""
    found = ws.sql(
        "SELECT coalesce(sum(contribution_fen), 0)::BIGINT AS paid FROM bills "
        "WHERE unit_id = $unit AND fee_month = $month AND status = 'paid'",
        {"unit": unit_id, "month": month},
    )
    return int(found["paid"][0])


def open_remote_filings(ws: Workspace, unit_id: str) -> pl.DataFrame:
    """The unit's 异地备案 not ended, with the person's name, by ID number."""
    return ws.sql(
        "SELECT f.person_id, s.name, f.region_name, f.medical_type, f.approved_on "
        "FROM remote_filings f LEFT JOIN persons s USING (person_id) "
        "WHERE f.unit_id = $unit AND f.ended_on IS NULL ORDER BY f.person_id",
        {"unit": unit_id},
    )


def agency_payment_lines(ws: Workspace, unit_id: str, months: list[dt.date]) -> pl.DataFrame:
    """What the agency collected from the unit (``agency_payments``) in the months."""
    return ws.sql(
        "SELECT person_id, month, insurance, base_fen, unit_fen, person_fen FROM agency_payments "
        "WHERE unit_id = $unit AND month IN (SELECT unnest($months::DATE[]))",
        {"unit": unit_id, "months": months},
    )


# ------------------------------------------------------------------------------- demo
def busiest_online_unit(ws: Workspace, month: dt.date) -> str:
    """The online-paying unit with the most persons insured in ``month``."""
    found = ws.sql(
        """
        SELECT u.unit_id, count(DISTINCT p.person_id) AS n FROM units u
        JOIN insured_periods p ON p.unit_id = u.unit_id
        WHERE u.payment_method <> '1' AND p.from_month <= $m AND (p.until_month IS NULL OR p.until_month > $m)
        GROUP BY u.unit_id ORDER BY n DESC, u.unit_id LIMIT 1
        """,
        {"m": month},
    )
    return str(found["unit_id"][0])


def late_starter(
    ws: Workspace, unit_id: str, months: int, start: dt.date, current: dt.date
) -> pl.DataFrame:
    """A person whose first period in the unit began after ``months`` uninsured months."""
    return ws.sql(
        """
        WITH first AS (
            SELECT person_id, min(from_month) AS first_month FROM insured_periods
            WHERE unit_id = $unit GROUP BY person_id
        )
        SELECT f.person_id, f.first_month FROM first f
        WHERE f.first_month - to_months($months) >= $start AND f.first_month <= $current
          AND NOT EXISTS (
            SELECT 1 FROM insured_periods p WHERE p.person_id = f.person_id
              AND p.from_month < f.first_month
              AND (p.until_month IS NULL OR p.until_month > f.first_month - to_months($months)))
        ORDER BY f.first_month DESC, f.person_id LIMIT 1
        """,
        {"unit": unit_id, "months": months, "start": start, "current": current},
    )


def first_wage(ws: Workspace, unit_id: str, person_id: str) -> pl.Series:
    """The person's earliest standing wage in the unit (empty when none)."""
    return ws.sql(
        "SELECT wage_fen FROM wage_bases WHERE unit_id = ? AND person_id = ? AND revoked_by IS NULL "
        "ORDER BY month LIMIT 1",
        [unit_id, person_id],
    )["wage_fen"]
