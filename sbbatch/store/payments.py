"""The SQL of bills, payments and payment certificates: named, parameterised statements.

:mod:`sbbatch.payments` (单据 and 缴费) and :mod:`sbbatch.certificates` (缴费证明) call
these; values travel only as parameters. The writes run inside the caller's
transaction (:meth:`sbbatch.store.Workspace.transaction`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = [
    "abandon_bill",
    "bill_header",
    "bill_lines",
    "bill_summary",
    "count_payments",
    "insert_bill",
    "insert_certificate",
    "insert_payment",
    "insured_person_months",
    "log_event",
    "next_certificate_number",
    "next_counter",
    "paid_lines",
    "payments_of",
    "person_names",
    "set_bill_status",
    "staff_of_unit",
    "taken_keys",
    "unbilled_backpay_items",
    "unpaid_months",
]


# ------------------------------------------------------------------------------- bills
def bill_header(ws: Workspace, bill_id: str) -> pl.DataFrame:
    """The ``bills`` row of ``bill_id`` (no row when there is none)."""
    return ws.sql("SELECT * FROM bills WHERE bill_id = ?", [bill_id])


def bill_lines(ws: Workspace, bill_id: str) -> pl.DataFrame:
    """A bill's lines in order."""
    return ws.sql("SELECT * FROM bill_lines WHERE bill_id = ? ORDER BY line_no", [bill_id])


def bill_summary(ws: Workspace, bill_id: str) -> pl.DataFrame:
    """A bill's lines summed per insurance and payer (``rate`` null where rates mix)."""
    return ws.sql(
        """
        SELECT insurance, payer, count(DISTINCT person_id) AS persons,
               sum(base_fen)::BIGINT AS base_fen,
               CASE WHEN count(DISTINCT coalesce(rate, '')) = 1 THEN min(rate) END AS rate,
               CASE WHEN count(DISTINCT coalesce(rate_ppm, -1)) = 1 THEN min(rate_ppm) END AS rate_ppm,
               CASE WHEN count(DISTINCT coalesce(fixed_fen, -1)) = 1 THEN min(fixed_fen) END AS fixed_fen,
               sum(amount_fen)::BIGINT AS amount_fen, sum(late_fee_fen)::BIGINT AS late_fee_fen
        FROM bill_lines WHERE bill_id = ?
        GROUP BY insurance, payer ORDER BY insurance::INTEGER, payer = 'person'
        """,
        [bill_id],
    )


def payments_of(ws: Workspace, bill_id: str) -> pl.DataFrame:
    """Every payment attempt of a bill, oldest first."""
    return ws.sql("SELECT * FROM payments WHERE bill_id = ? ORDER BY attempt", [bill_id])


def count_payments(ws: Workspace, bill_id: str) -> int:
    """How many payment attempts a bill has had."""
    return int(ws.sql("SELECT count(*) AS n FROM payments WHERE bill_id = ?", [bill_id])["n"][0])


def log_event(
    ws: Workspace,
    reference: str | None,
    action: str,
    before: str | None,
    after: str | None,
    note: str,
) -> None:
    """Append one line to ``events`` (``declaration_id`` holds the bill number)."""
    ws.execute(
        "INSERT INTO events (declaration_id, action, from_status, to_status, occurred_at, by_user, note) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [reference, action, before, after, ws.now(), ws.user, note],
    )


def next_counter(ws: Workspace, name: str) -> int:
    """Advance the running number ``name`` (starting at 1) and return its new value."""
    ws.execute(
        "INSERT INTO counters VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1",
        [name],
    )
    return int(ws.sql("SELECT value FROM counters WHERE name = ?", [name])["value"][0])


def taken_keys(ws: Workspace, unit_id: str) -> pl.DataFrame:
    """Keys already on a bill that is not abandoned, or in an approved back-payment."""
    return ws.sql(
        """
        SELECT l.unit_id, l.person_id, l.month, l.insurance, l.payer FROM bill_lines l
        JOIN bills b ON b.bill_id = l.bill_id
        WHERE l.unit_id = $unit AND b.status <> 'abandoned'
        UNION
        SELECT unit_id, person_id, month, insurance, payer FROM backpay_items WHERE unit_id = $unit
        """,
        {"unit": unit_id},
    )


def insert_bill(ws: Workspace, header: dict[str, Any]) -> None:
    """Insert a new unpaid bill's header (keys: the ``bills`` columns written here)."""
    ws.execute(
        "INSERT INTO bills (bill_id, kind, unit_id, fee_month, insurances, status, created_at, created_by, "
        "late_fee_until, contribution_fen, late_fee_fen, total_fen, note) "
        "VALUES ($bill_id, $kind, $unit_id, $fee_month, $insurances, 'unpaid', $created_at, "
        "$created_by, $late_fee_until, $contribution_fen, $late_fee_fen, $total_fen, $note)",
        header,
    )


def unbilled_backpay_items(ws: Workspace, unit_id: str) -> pl.DataFrame:
    """The unit's approved back-payment items not on a bill that is not abandoned."""
    return ws.sql(
        """
        SELECT i.* FROM backpay_items i
        WHERE i.unit_id = $unit AND NOT EXISTS (
            SELECT 1 FROM bill_lines l JOIN bills b ON b.bill_id = l.bill_id
            WHERE b.status <> 'abandoned' AND l.backpay_id = i.declaration_id
              AND l.person_id = i.person_id AND l.month = i.month
              AND l.insurance = i.insurance AND l.payer = i.payer)
        ORDER BY i.declaration_id, i.row_no, i.month, i.insurance::INTEGER, i.payer = 'person'
        """,
        {"unit": unit_id},
    )


def insert_payment(ws: Workspace, payment: dict[str, Any]) -> None:
    """Insert one payment attempt (keys: the ``payments`` columns)."""
    ws.execute(
        "INSERT INTO payments (bill_id, attempt, paid_on, occurred_at, by_user, gateway, amount_fen, "
        "outcome, reference, message) VALUES ($bill_id, $attempt, $paid_on, $occurred_at, "
        "$by_user, $gateway, $amount_fen, $outcome, $reference, $message)",
        payment,
    )


def set_bill_status(ws: Workspace, bill_id: str, status: str, paid_at: dt.datetime | None) -> None:
    """Set a bill's state after a payment attempt."""
    ws.execute(
        "UPDATE bills SET status = ?, paid_at = ? WHERE bill_id = ?", [status, paid_at, bill_id]
    )


def abandon_bill(ws: Workspace, bill_id: str) -> None:
    """Mark a bill abandoned (放弃支付)."""
    ws.execute("UPDATE bills SET status = 'abandoned' WHERE bill_id = ?", [bill_id])


# ------------------------------------------------------------------------- certificates
def paid_lines(
    ws: Workspace,
    unit_id: str,
    person_ids: Iterable[str],
    first: dt.date,
    last: dt.date,
    *,
    only_unit: bool,
) -> pl.DataFrame:
    """Paid bill lines of the persons from ``first`` to ``last``."""
    return ws.sql(
        "SELECT l.person_id, l.unit_id, l.month, l.insurance, l.payer, l.base_fen, l.amount_fen "
        "FROM bill_lines l JOIN bills b ON b.bill_id = l.bill_id "
        "WHERE b.status = 'paid' AND l.person_id IN (SELECT unnest($ids::VARCHAR[])) "
        "AND l.month BETWEEN $first AND $last AND (NOT $only OR l.unit_id = $unit)",
        {"ids": list(person_ids), "first": first, "last": last, "only": only_unit, "unit": unit_id},
    )


def unpaid_months(
    ws: Workspace,
    unit_id: str,
    person_ids: Iterable[str],
    first: dt.date,
    last: dt.date,
    *,
    only_unit: bool,
) -> pl.DataFrame:
    """Insured months of the persons that no paid bill covers (``person_id, insurance, month``)."""
    return ws.sql(
        """
        WITH months AS (
            SELECT unnest(generate_series($first::DATE, $last::DATE, INTERVAL 1 MONTH))::DATE AS month
        ),
        insured AS (
            SELECT DISTINCT p.person_id, p.unit_id, p.insurance, m.month
            FROM insured_periods p JOIN months m
              ON m.month >= p.from_month AND (p.until_month IS NULL OR m.month < p.until_month)
            WHERE p.person_id IN (SELECT unnest($ids::VARCHAR[]))
              AND (NOT $only OR p.unit_id = $unit)
        )
        SELECT DISTINCT i.person_id, i.insurance, i.month FROM insured i
        WHERE NOT EXISTS (
            SELECT 1 FROM bill_lines l JOIN bills b ON b.bill_id = l.bill_id
            WHERE b.status = 'paid' AND l.person_id = i.person_id AND l.unit_id = i.unit_id
              AND l.insurance = i.insurance AND l.month = i.month)
        ORDER BY 1, 2, 3
        """,
        {"ids": list(person_ids), "first": first, "last": last, "only": only_unit, "unit": unit_id},
    )


def staff_of_unit(ws: Workspace, unit_id: str, category: str | None) -> pl.Series:
    """The persons with a period in the unit (of 人员类别 ``category`` when given)."""
    return ws.sql(
        "SELECT DISTINCT person_id FROM insured_periods WHERE unit_id = $unit "
        "AND ($category IS NULL OR person_category = $category)",
        {"unit": unit_id, "category": category},
    )["person_id"]


def next_certificate_number(ws: Workspace) -> int:
    """The next 缴费证明 number."""
    return int(ws.sql("SELECT nextval('certificate_seq') AS n")["n"][0])


def insert_certificate(ws: Workspace, values: list[Any]) -> None:
    """Record one printed certificate (the ``payment_certificates`` columns in order)."""
    ws.execute("INSERT INTO payment_certificates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", values)


# ------------------------------------------------------------------------ reconcile (对账)
def insured_person_months(ws: Workspace, unit_id: str, months: list[dt.date]) -> pl.DataFrame:
    """``person_id``, ``month``: who the unit insures in each of ``months`` (one row each).

    Insured in a month: a period in the unit begun by then and not ended by then
    (``from_month <= month`` and the 减员年月 null or later).
    """
    return ws.sql(
        "SELECT DISTINCT p.person_id, m.month FROM insured_periods p "
        "JOIN persons s USING (person_id) JOIN (SELECT unnest($months::DATE[]) AS month) m "
        "ON p.from_month <= m.month AND (p.until_month IS NULL OR p.until_month > m.month) "
        "WHERE p.unit_id = $unit",
        {"unit": unit_id, "months": months},
    )


def person_names(ws: Workspace, person_ids: pl.Series) -> pl.DataFrame:
    """``person_id``, ``name`` of the known persons among ``person_ids``."""
    # the IDs as a registered frame, not a list parameter (converted value by value)
    wanted = pl.DataFrame({"person_id": person_ids.cast(pl.String)})
    with ws.registered(_sbbatch_names=wanted):
        return ws.sql(
            "SELECT s.person_id, s.name FROM persons s "
            "WHERE s.person_id IN (SELECT person_id FROM _sbbatch_names)"
        )
