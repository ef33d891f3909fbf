"""The SQL of the printed forms (打印): what :mod:`sbbatch.forms` and the widgets read.

Named, parameterised reads; values travel only as parameters. The unit and person
rows themselves come from :func:`sbbatch.store.queries.find_unit` /
:func:`~sbbatch.store.queries.find_person`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = [
    "category_counts",
    "last_unit_of",
    "latest_categories",
    "names_of",
    "pension_years",
    "reviewed_at",
    "settlement_of",
]


def names_of(ws: Workspace, person_ids: Iterable[str]) -> pl.DataFrame:
    """``person_id, name`` of each ID (``name`` null for a person not in the registry)."""
    return ws.sql(
        "SELECT s.person_id, p.name FROM (SELECT unnest($ids::VARCHAR[]) AS person_id) s "
        "LEFT JOIN persons p ON p.person_id = s.person_id",
        {"ids": list(person_ids)},
    )


def latest_categories(
    ws: Workspace, unit_id: str, person_ids: Iterable[str], first: dt.date, last: dt.date
) -> pl.DataFrame:
    """Each person's 人员类别 of their latest period in the unit overlapping first..last."""
    return ws.sql(
        """
        SELECT p.person_id, arg_max(p.person_category, p.from_month) AS person_category
        FROM insured_periods p
        WHERE p.unit_id = $unit AND p.person_id IN (SELECT unnest($ids::VARCHAR[]))
          AND p.from_month <= $last AND (p.until_month IS NULL OR p.until_month > $first)
        GROUP BY p.person_id
        """,
        {"unit": unit_id, "ids": list(person_ids), "first": first, "last": last},
    )


def category_counts(ws: Workspace, unit_id: str, person_ids: Iterable[str]) -> pl.DataFrame:
    """``person_category, n``: the persons of each 人员类别 among their periods in the unit."""
    return ws.sql(
        "SELECT person_category, count(DISTINCT person_id) AS n FROM insured_periods "
        "WHERE unit_id = $unit AND person_id IN (SELECT unnest($ids::VARCHAR[])) GROUP BY 1",
        {"unit": unit_id, "ids": list(person_ids)},
    )


def reviewed_at(ws: Workspace, declaration_id: str) -> dt.datetime | None:
    """When the declaration was last reviewed (``None`` before any review)."""
    found = ws.sql(
        "SELECT max(occurred_at) AS at FROM events WHERE declaration_id = ? AND action = 'review'",
        [declaration_id],
    )
    at: dt.datetime | None = found["at"][0]
    return at


def pension_years(ws: Workspace, person_id: str, insurance: str, end: dt.date) -> pl.DataFrame:
    """The person's insured months of ``insurance`` per year before ``end``, with wages."""
    return ws.sql(
        """
        WITH p AS (
            SELECT unit_id, from_month,
                   least(coalesce(until_month, $end), $end) AS stop
            FROM insured_periods WHERE person_id = $person AND insurance = $insurance
        ), months AS (
            SELECT unit_id,
                   unnest(generate_series(from_month, stop - INTERVAL 1 MONTH, INTERVAL 1 MONTH))
                   ::DATE AS month
            FROM p WHERE stop > from_month
        ), per_month AS (
            SELECT m.month, sum(w.wage_fen) AS wage_fen, count(w.wage_fen) > 0 AS based
            FROM months m LEFT JOIN wage_bases w
              ON w.person_id = $person AND w.unit_id = m.unit_id AND w.month = m.month
             AND w.revoked_by IS NULL
            GROUP BY m.month
        )
        SELECT year(month)::INTEGER AS year, count(*)::BIGINT AS months,
               min(month) AS first_month, max(month) AS last_month,
               count(*) FILTER (WHERE based)::BIGINT AS based_months,
               coalesce(sum(wage_fen), 0)::BIGINT AS wage_fen
        FROM per_month GROUP BY 1 ORDER BY 1
        """,
        {"person": person_id, "insurance": insurance, "end": end},
    )


def settlement_of(ws: Workspace, person_id: str) -> pl.DataFrame:
    """``unit_id, settled_on`` of the person's 退休结算 (no row when not settled)."""
    return ws.sql(
        "SELECT unit_id, settled_on FROM retirement_settlements WHERE person_id = ?", [person_id]
    )


def last_unit_of(ws: Workspace, person_id: str, insurance: str) -> str | None:
    """The unit of the person's latest period of ``insurance``."""
    found = ws.sql(
        "SELECT unit_id FROM insured_periods WHERE person_id = ? AND insurance = ? "
        "ORDER BY from_month DESC LIMIT 1",
        [person_id, insurance],
    )
    return str(found["unit_id"][0]) if found.height else None
