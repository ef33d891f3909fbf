"""The SQL of the sample batches (``sbbatch.declarations._samples``): picking realistic cases.

A sample batch builds a declaration from what the workspace holds — the unit with
most persons, a person insured elsewhere, a retiree not yet settled — so the demo and
the tests run every business on real registry rows. Each question is one named,
parameterised statement here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from sbbatch.store import Workspace


def largest_unit(ws: Workspace) -> str:
    """The unit with the most persons insured now (ties: lowest number)."""
    return str(
        ws.sql(
            "SELECT unit_id, count(DISTINCT person_id) AS n FROM insured_periods "
            "WHERE until_month IS NULL GROUP BY unit_id ORDER BY n DESC, unit_id LIMIT 1"
        )["unit_id"][0]
    )


def newest_unit_with(ws: Workspace, insurance: str) -> str:
    """The unit whose first open period of ``insurance`` is the latest."""
    return str(
        ws.sql(
            "SELECT unit_id FROM insured_periods WHERE insurance = $insurance "
            "AND until_month IS NULL "
            "GROUP BY unit_id ORDER BY min(from_month) DESC, unit_id LIMIT 1",
            {"insurance": insurance},
        )["unit_id"][0]
    )


def largest_unit_paying_by(ws: Workspace, payment_method: str) -> str:
    """The unit with most persons insured now among those paying by ``payment_method``."""
    return str(
        ws.sql(
            "SELECT p.unit_id FROM insured_periods p JOIN units u USING (unit_id) "
            "WHERE u.payment_method = $method AND p.until_month IS NULL "
            "GROUP BY p.unit_id ORDER BY count(DISTINCT p.person_id) DESC, p.unit_id LIMIT 1",
            {"method": payment_method},
        )["unit_id"][0]
    )


def unit_with_most_leaving(ws: Workspace, reason: str) -> str:
    """The unit where most persons left with ``reason``."""
    return str(
        ws.sql(
            "SELECT unit_id FROM insured_periods WHERE leave_reason = ? "
            "GROUP BY unit_id ORDER BY count(DISTINCT person_id) DESC, unit_id LIMIT 1",
            [reason],
        )["unit_id"][0]
    )


def staff_now(
    ws: Workspace,
    unit_id: str,
    *,
    limit: int,
    insurance: str | None = None,
    not_category: str | None = None,
    descending: bool = False,
    new_only: bool = False,
) -> pl.DataFrame:
    """Persons insured in the unit now (``person_id, name``), by ID number, at most ``limit``.

    ``insurance``: only periods of that 险种; ``not_category``: not of that 人员类别;
    ``new_only``: periods loaded from outside (not opened by a declaration).
    """
    frame = ws.sql(
        "SELECT DISTINCT s.person_id, s.name FROM insured_periods p JOIN persons s USING (person_id) "
        "WHERE p.unit_id = $unit AND p.until_month IS NULL "
        "AND ($insurance IS NULL OR p.insurance = $insurance) "
        "AND ($category IS NULL OR p.person_category <> $category) "
        "AND (NOT $new_only OR p.opened_by IS NULL)",
        {"unit": unit_id, "insurance": insurance, "category": not_category, "new_only": new_only},
    )
    return frame.sort("person_id", descending=descending).head(limit)


def insured_elsewhere(ws: Workspace, unit_id: str, pension: str) -> pl.DataFrame:
    """One person insured (``pension``) in another unit now: ``person_id, name, gender, birth_date``."""
    return ws.sql(
        "SELECT s.person_id, s.name, s.gender, s.birth_date FROM persons s "
        "JOIN insured_periods p USING (person_id) WHERE p.unit_id <> $unit "
        "AND p.insurance = $pension AND p.until_month IS NULL ORDER BY s.person_id LIMIT 1",
        {"unit": unit_id, "pension": pension},
    )


def known_ids(ws: Workspace, person_ids: Sequence[str]) -> pl.Series:
    """Which of the ID numbers the registry holds."""
    return ws.sql(
        "SELECT person_id FROM persons WHERE person_id IN (SELECT unnest($ids))",
        {"ids": list(person_ids)},
    )["person_id"]


def is_known(ws: Workspace, person_id: str) -> bool:
    """Whether the registry holds the person."""
    return not ws.sql("SELECT 1 FROM persons WHERE person_id = ?", [person_id]).is_empty()


def phones_of(ws: Workspace, person_ids: Sequence[str]) -> pl.DataFrame:
    """The registered phones: ``person_id, phone``."""
    return ws.sql(
        "SELECT person_id, phone FROM persons WHERE person_id IN (SELECT unnest($ids::VARCHAR[]))",
        {"ids": list(person_ids)},
    )


def flexible_lapsed(ws: Workspace, unit_types: Sequence[str], month: dt.date) -> pl.DataFrame:
    """One person whose 养老 period in a 特殊单位 ended by ``month``, insured nowhere then."""
    return ws.sql(
        "SELECT p.unit_id, s.person_id, s.name FROM insured_periods p "
        "JOIN units u USING (unit_id) JOIN persons s USING (person_id) "
        "WHERE u.unit_type IN (SELECT unnest($types::VARCHAR[])) AND p.insurance = '1' "
        "AND p.until_month <= $month AND NOT EXISTS (SELECT 1 FROM insured_periods q "
        "  WHERE q.person_id = p.person_id AND q.insurance = '1' AND q.from_month <= $month "
        "  AND (q.until_month IS NULL OR q.until_month > $month)) "
        "ORDER BY p.until_month DESC, s.person_id LIMIT 1",
        {"types": list(unit_types), "month": month},
    )


def deduction_amounts(ws: Workspace, declaration_id: str) -> pl.Series:
    """The ``amount_fen`` of the 补扣养老费 a declaration recorded."""
    return ws.sql(
        "SELECT amount_fen FROM flexible_pension_deductions WHERE declaration_id = ?",
        [declaration_id],
    )["amount_fen"]


def unsettled_retirees(ws: Workspace, pension: str, retired: str) -> pl.DataFrame:
    """Persons retired from a unit (``retired``), not settled and insured nowhere now."""
    return ws.sql(
        """
        SELECT p.unit_id, p.person_id, s.name, s.gender, s.birth_date, s.identity,
               p.until_month
        FROM insured_periods p
        JOIN persons s USING (person_id)
        WHERE p.insurance = $pension AND p.leave_reason = $retired
          AND p.person_id NOT IN (SELECT person_id FROM retirement_settlements)
          AND p.person_id NOT IN (SELECT person_id FROM insured_periods
                                  WHERE insurance = $pension AND until_month IS NULL)
        ORDER BY p.until_month DESC, p.person_id
        """,
        {"pension": pension, "retired": retired},
    )


def pooled_candidates(ws: Workspace, unit_id: str, pension: str, retired: str) -> list[str]:
    """Three persons of the unit's pension periods, retirees and the longest insured first."""
    return list(
        ws.sql(
            """
        SELECT person_id FROM insured_periods WHERE unit_id = $unit AND insurance = $pension
        GROUP BY person_id
        ORDER BY bool_or(leave_reason = $retired) DESC, min(from_month), person_id LIMIT 3
        """,
            {"unit": unit_id, "pension": pension, "retired": retired},
        )["person_id"].to_list()
    )


def retired_persons(ws: Workspace, pension: str, reason: str) -> pl.DataFrame:
    """Persons whose pension period ended with ``reason`` and who are insured nowhere now."""
    return ws.sql(
        """
        SELECT p.person_id, p.unit_id, p.from_month, p.until_month, s.name, s.gender,
               s.birth_date, s.identity
        FROM insured_periods p JOIN persons s USING (person_id)
        WHERE p.insurance = $pension AND p.leave_reason = $reason
          AND NOT EXISTS (SELECT 1 FROM insured_periods o
                          WHERE o.person_id = p.person_id AND o.until_month IS NULL)
        """,
        {"pension": pension, "reason": reason},
    )


def longest_insured_now(ws: Workspace, pension: str, since: dt.date) -> dict[str, Any]:
    """A person insured (``pension``) in a unit now since ``since`` or earlier, longest first."""
    return ws.sql(
        """
        SELECT p.person_id, p.unit_id, p.from_month, s.name, s.birth_date, u.name AS unit_name
        FROM insured_periods p JOIN persons s USING (person_id) JOIN units u USING (unit_id)
        WHERE p.insurance = $pension AND p.until_month IS NULL AND p.from_month <= $since
        ORDER BY p.from_month, p.person_id LIMIT 1
        """,
        {"pension": pension, "since": since},
    ).row(0, named=True)


def dismissed_person(
    ws: Workspace, insurance: str, reasons: Sequence[str], now: dt.date
) -> dict[str, Any]:
    """A person whose last ``insurance`` period ended with one of ``reasons``, insured nowhere."""
    return ws.sql(
        """
        WITH last AS (
            SELECT person_id, arg_max(unit_id, until_month) AS unit_id,
                   arg_max(leave_reason, until_month) AS leave_reason,
                   count(*) FILTER (WHERE until_month IS NULL) AS open_periods,
                   sum(datediff('month', from_month, coalesce(until_month, $now))) AS months
            FROM insured_periods WHERE insurance = $insurance GROUP BY person_id
        )
        SELECT l.person_id, l.unit_id, s.name FROM last l JOIN persons s USING (person_id)
        WHERE l.open_periods = 0 AND l.leave_reason IN (SELECT unnest($reasons::VARCHAR[]))
          AND l.months >= 12
          AND NOT EXISTS (SELECT 1 FROM insured_periods o
                          WHERE o.person_id = l.person_id AND o.until_month IS NULL)
        ORDER BY l.months DESC, l.person_id LIMIT 1
        """,
        {"insurance": insurance, "now": now, "reasons": list(reasons)},
    ).row(0, named=True)


def is_settled(ws: Workspace, person_id: str) -> bool:
    """Whether the person's 退休结清 is recorded."""
    return not ws.sql(
        "SELECT 1 FROM retirement_settlements WHERE person_id = ?", [person_id]
    ).is_empty()


def survivor_totals(ws: Workspace, declaration_id: str) -> pl.Series:
    """The ``total_fen`` of the survivor benefits a declaration recorded."""
    return ws.sql(
        "SELECT total_fen FROM survivor_benefits WHERE declaration_id = ?", [declaration_id]
    )["total_fen"]
