"""The SQL of the wage and bill facts the wage businesses read (工资申报, 撤销, 补缴, 缴费证明).

``wage_bases`` holds the declared wages (a revoked one keeps ``revoked_by``),
``bills``/``bill_lines`` what was billed and paid. Each function is one statement;
declared rows travel as a registered frame or list parameters, never as text.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.contributions import effective_bases_sql
from sbbatch.store._sql import Fragment, compose
from sbbatch.store.registry import rows_source

if TYPE_CHECKING:
    from sbbatch.store import Workspace


# ------------------------------------------------------------------ wages and bills
def last_declared_wages(ws: Workspace, unit_id: str, month: dt.date) -> pl.DataFrame:
    """Everyone insured in the unit in ``month`` with their last declared wage."""
    return ws.sql(
        """
        WITH insured AS (
            SELECT DISTINCT person_id FROM insured_periods
            WHERE unit_id = $unit AND from_month <= $month
              AND (until_month IS NULL OR until_month > $month)
        ), last AS (
            SELECT person_id, arg_max(wage_fen, month) AS wage_fen FROM wage_bases
            WHERE unit_id = $unit AND month <= $month AND revoked_by IS NULL
            GROUP BY person_id
        )
        SELECT i.person_id, s.name, l.wage_fen, $month::DATE AS month
        FROM insured i JOIN persons s USING (person_id) LEFT JOIN last l USING (person_id)
        ORDER BY i.person_id
        """,
        {"unit": unit_id, "month": month},
    )


def wage_row_facts(ws: Workspace, unit_id: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Per row (``row_no, person_id, month``): insured, declared, paid, billed, registered name."""
    with ws.registered(sb_rows=frame):
        return ws.sql(
            """
            SELECT r.row_no,
                   EXISTS (SELECT 1 FROM insured_periods p
                           WHERE p.unit_id = $unit AND p.person_id = r.person_id
                             AND p.from_month <= r.month
                             AND (p.until_month IS NULL OR p.until_month > r.month)) AS insured,
                   (SELECT min(w.declaration_id) FROM wage_bases w
                     WHERE w.unit_id = $unit AND w.person_id = r.person_id AND w.month = r.month
                       AND w.declaration_id IS NOT NULL AND w.revoked_by IS NULL) AS declared_by,
                   (SELECT min(b.bill_id) FROM bill_lines l JOIN bills b ON b.bill_id = l.bill_id
                     WHERE b.status = 'paid' AND l.unit_id = $unit AND l.person_id = r.person_id
                       AND l.month = r.month) AS paid_bill,
                   (SELECT min(b.bill_id) FROM bill_lines l JOIN bills b ON b.bill_id = l.bill_id
                     WHERE b.status IN ('unpaid', 'failed') AND l.unit_id = $unit
                       AND l.person_id = r.person_id AND l.month = r.month) AS open_bill,
                   s.name AS registered_name
            FROM sb_rows r LEFT JOIN persons s ON s.person_id = r.person_id
            ORDER BY r.row_no
            """,
            {"unit": unit_id},
        )


def wage_revocation_facts(ws: Workspace, frame: pl.DataFrame) -> pl.DataFrame:
    """Per row (``row_no, target_id``): the named declaration, its live wages and bills."""
    with ws.registered(sb_rows=frame):
        return ws.sql(
            """
            SELECT r.row_no, d.declaration_id AS found, d.kind, d.unit_id AS target_unit, d.status,
                   strftime(d.business_month, '%Y-%m') AS month_text,
                   (SELECT count(*) FROM wage_bases w
                     WHERE w.declaration_id = r.target_id AND w.revoked_by IS NULL) AS live_bases,
                   (SELECT min(b.bill_id) FROM wage_bases w
                      JOIN bill_lines l ON l.unit_id = w.unit_id AND l.person_id = w.person_id
                                       AND l.month = w.month
                      JOIN bills b ON b.bill_id = l.bill_id
                     WHERE w.declaration_id = r.target_id AND b.status = 'paid') AS paid_bill,
                   (SELECT min(b.bill_id) FROM wage_bases w
                      JOIN bill_lines l ON l.unit_id = w.unit_id AND l.person_id = w.person_id
                                       AND l.month = w.month
                      JOIN bills b ON b.bill_id = l.bill_id
                     WHERE w.declaration_id = r.target_id AND b.status IN ('unpaid', 'failed')) AS open_bill
            FROM sb_rows r LEFT JOIN declarations d ON d.declaration_id = r.target_id
            ORDER BY r.row_no
            """
        )


def paid_and_unpaid_months(
    ws: Workspace, rows: pl.DataFrame, *, unit_id: str, lo: Any, hi: Any
) -> pl.DataFrame:
    """Per row (``row_no, person_id, first_month, last_month, only_unit_flag``): months paid / unpaid."""
    source, params = rows_source(rows)
    return ws.sql(
        compose(
            """
        WITH x AS (SELECT * FROM {source}),
        insured AS (
            SELECT DISTINCT x.row_no, p.unit_id, p.insurance, m.month FROM x
            JOIN insured_periods p ON p.person_id = x.person_id
              AND (NOT x.only_unit_flag OR p.unit_id = $unit)
            JOIN (SELECT unnest(generate_series($lo::DATE, $hi::DATE, INTERVAL 1 MONTH))::DATE
                  AS month) m
              ON m.month BETWEEN x.first_month AND x.last_month AND m.month >= p.from_month
             AND (p.until_month IS NULL OR m.month < p.until_month)
        ),
        paid AS (
            SELECT DISTINCT x.row_no, l.unit_id, l.insurance, l.month FROM x
            JOIN bill_lines l ON l.person_id = x.person_id
             AND l.month BETWEEN x.first_month AND x.last_month
             AND (NOT x.only_unit_flag OR l.unit_id = $unit)
            JOIN bills b ON b.bill_id = l.bill_id AND b.status = 'paid'
        )
        SELECT x.row_no,
               (SELECT count(DISTINCT month) FROM paid WHERE paid.row_no = x.row_no) AS paid_months,
               (SELECT count(DISTINCT month) FROM insured i WHERE i.row_no = x.row_no
                  AND NOT EXISTS (SELECT 1 FROM paid WHERE paid.row_no = i.row_no
                     AND paid.unit_id = i.unit_id AND paid.insurance = i.insurance
                     AND paid.month = i.month)) AS unpaid_months
        FROM x
        """,
            source=source,
        ),
        {**params, "unit": unit_id, "lo": lo, "hi": hi},
    )


def backpay_month_facts(ws: Workspace, *, unit_id: str, declaration_id: str) -> pl.DataFrame:
    """Per declared month (``sb_months``, registered by the caller): other units, bills, wage."""
    return ws.sql(
        compose(
            """
            WITH bases AS ({bases})
            SELECT m.row_no, m.month,
                   (SELECT string_agg(DISTINCT p.unit_id, '、' ORDER BY p.unit_id) FROM insured_periods p
                     WHERE p.person_id = m.person_id AND p.unit_id <> $unit AND p.from_month <= m.month
                       AND (p.until_month IS NULL OR p.until_month > m.month)) AS other_units,
                   (SELECT min(b.bill_id) FROM bill_lines l JOIN bills b ON b.bill_id = l.bill_id
                     WHERE b.status = 'paid' AND l.unit_id = $unit AND l.person_id = m.person_id
                       AND l.month = m.month) AS paid_bill,
                   (SELECT min(b.bill_id) FROM bill_lines l JOIN bills b ON b.bill_id = l.bill_id
                     WHERE b.status IN ('unpaid', 'failed') AND l.unit_id = $unit
                       AND l.person_id = m.person_id AND l.month = m.month) AS open_bill,
                   (SELECT min(i.declaration_id) FROM backpay_items i
                     WHERE i.unit_id = $unit AND i.person_id = m.person_id AND i.month = m.month
                       AND i.declaration_id <> $self) AS pending_backpay,
                   b.wage_fen AS approved_wage
            FROM sb_months m
            LEFT JOIN bases b ON b.person_id = m.person_id AND b.month = m.month
            ORDER BY m.row_no, m.month
            """,
            bases=Fragment(effective_bases_sql("w.unit_id = $unit")),
        ),
        {"unit": unit_id, "self": declaration_id},
    )


def backpay_periods(ws: Workspace, unit_id: str) -> pl.DataFrame:
    """The unit's periods of the persons in ``sb_months`` (registered by the caller)."""
    return ws.sql(
        "SELECT p.person_id, p.insurance, p.from_month, p.until_month FROM insured_periods p "
        "WHERE p.unit_id = $unit AND p.person_id IN (SELECT DISTINCT person_id FROM sb_months)",
        {"unit": unit_id},
    )


def backpay_items_of(ws: Workspace, declaration_id: str) -> pl.DataFrame:
    """The items a 补缴 declaration stored, in the order of the result."""
    return ws.sql(
        "SELECT * EXCLUDE (declaration_id) FROM backpay_items WHERE declaration_id = ? "
        "ORDER BY row_no, month, insurance::INTEGER, payer = 'person'",
        [declaration_id],
    )
