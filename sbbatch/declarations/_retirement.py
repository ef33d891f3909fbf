"""Look-ups and columns shared by the businesses of 退休管理 (manual §5) and 失业支付 (§6).

How contribution time is counted here: the workspace holds insured periods (参保记录),
not a ledger of paid months, so a month counts as contributed when the person was insured
for the insurance in it — from ``from_month`` up to the month before ``until_month`` (or
before the current month, for a period still open). A month insured in two units counts
once. Years are months / 12, printed with two decimals (43.33), as the manual shows
累计缴费年限.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch._csv import read_commented_csv
from sbbatch._money import PPM, half_up, half_up_div
from sbbatch._resources import schemas_dir
from sbbatch.spec import Column, Rule

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = [
    "UNEMPLOYMENT",
    "YES",
    "YES_NO",
    "approver_of",
    "contribution_months",
    "month_index",
    "supplement_rates",
    "unemployment_reasons",
    "with_approver",
    "years_text",
    "yes_no_column",
    "yes_no_rule",
]

#: 险种 code of 失业保险 (AAE140 2).
UNEMPLOYMENT = "2"

YES, NO = "是", "否"
YES_NO = (YES, NO)

_POLICY = ("policy", "jinan")


def yes_no_column(field: str, header: str, *, required: bool = False) -> Column:
    """Return a 是/否 column (标志)."""
    return Column(field, header, "text", required=required, example=NO, help="填“是”或“否”")


def yes_no_rule(field: str, header: str) -> Rule:
    """Return the rule that a 是/否 column holds 是 or 否."""
    return Rule(
        f"{field}_yes_no",
        "reject",
        field,
        f"{header}「{{value}}」应为“是”或“否”。",
        pl.col(field).is_in(YES_NO),
    )


def month_index(expr: pl.Expr) -> pl.Expr:
    """Return a date's month as a count of months (year × 12 + month − 1)."""
    return expr.dt.year().cast(pl.Int64) * 12 + expr.dt.month().cast(pl.Int64) - 1


def years_text(months: pl.Expr) -> pl.Expr:
    """Return months as years with two decimals, as text (520 → ``43.33``).

    Examples:
        >>> pl.select(years_text(pl.lit(520))).item(), pl.select(years_text(pl.lit(87))).item()
        ('43.33', '7.25')
    """
    hundredths = half_up_div(months.cast(pl.Int64) * 100, 12)  # half up to 0.01 year
    return pl.concat_str(
        (hundredths // 100).cast(pl.String),
        pl.lit("."),
        (hundredths % 100).cast(pl.String).str.zfill(2),
    )


def contribution_months(
    ws: Workspace, person_ids: pl.Series, insurance: str, *, until: dt.date | None = None
) -> pl.DataFrame:
    """Return each person's insured months of ``insurance`` (each month once), before ``until``.

    Args:
        ws: The workspace.
        person_ids: The persons.
        insurance: 险种 code (``"1"`` 养老, ``"2"`` 失业).
        until: The first month not counted; the current month when None.

    Returns:
        ``person_id``, ``contribution_months`` (Int64); persons without any month have no row.
    """
    end = until or ws.today.replace(day=1)
    return ws.sql(
        """
        WITH p AS (
            SELECT person_id, from_month, least(coalesce(until_month, $end), $end) AS stop
            FROM insured_periods
            WHERE insurance = $insurance AND person_id IN (SELECT unnest($ids::VARCHAR[]))
        ), months AS (
            SELECT person_id,
                   unnest(generate_series(from_month, stop - INTERVAL 1 MONTH, INTERVAL 1 MONTH))
                   AS month
            FROM p WHERE stop > from_month
        )
        SELECT person_id, count(DISTINCT month)::BIGINT AS contribution_months
        FROM months GROUP BY person_id
        """,
        {
            "ids": person_ids.drop_nulls().unique().to_list(),
            "insurance": insurance,
            "end": end,
        },
    )


def approver_of(ws: Workspace, unit_id: str) -> dict[str, Any] | None:
    """Return the unit's current approver (单位审定人): ``name``, ``phone``; None if none."""
    found = ws.sql(
        "SELECT name, phone FROM unit_approvers WHERE unit_id = $unit", {"unit": unit_id}
    )
    return found.row(0, named=True) if found.height else None


def with_approver(ws: Workspace, rows: pl.DataFrame, unit_id: str) -> pl.DataFrame:
    """Add the unit's approver as ``approver_name`` and ``approver_phone_reg`` (null if none)."""
    approver = approver_of(ws, unit_id) or {"name": None, "phone": None}
    return rows.with_columns(
        pl.lit(approver["name"], pl.String).alias("approver_name"),
        pl.lit(approver["phone"], pl.String).alias("approver_phone_reg"),
    )


@cache
def supplement_rates() -> dict[str, int]:
    """Return the survivor supplements' rates in ppm: ``lone`` (孤独补贴), ``pre1949`` (建国前补贴).

    Read from ``schemas/policy/jinan/survivor_supplements.csv`` (the rows open today).

    Examples:
        >>> supplement_rates()
        {'lone': 100000, 'pre1949': 200000}
    """
    frame, _ = read_commented_csv(schemas_dir().joinpath(*_POLICY, "survivor_supplements.csv"))
    open_rows = frame.filter(pl.col("effective_to").is_null())
    return {
        row["supplement"]: int(half_up(Decimal(row["rate"]) * PPM))
        for row in open_rows.iter_rows(named=True)
    }


@cache
def unemployment_reasons() -> pl.DataFrame:
    """Return the 减员原因 judged for unemployment benefit: ``leave_reason``, ``involuntary``.

    Read from ``schemas/policy/jinan/unemployment_reasons.csv``; a reason not listed
    is treated as not involuntary.

    Examples:
        >>> unemployment_reasons().filter(pl.col("involuntary"))["leave_reason"].to_list()
        ['221', '223']
    """
    frame, _ = read_commented_csv(schemas_dir().joinpath(*_POLICY, "unemployment_reasons.csv"))
    return frame.select("leave_reason", (pl.col("involuntary") == "true").alias("involuntary"))
