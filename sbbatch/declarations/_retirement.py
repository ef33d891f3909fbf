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
from sbbatch.declarations._other import figure, figure_text
from sbbatch.spec import Column, Rule
from sbbatch.store import records

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = [
    "HEAVY_SPECIAL_JOBS",
    "UNEMPLOYMENT",
    "YES",
    "YES_NO",
    "approver_of",
    "contribution_months",
    "elastic_from",
    "month_index",
    "special_job_facts",
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
    ws: Workspace,
    person_ids: pl.Series,
    insurance: str,
    *,
    until: dt.date | None = None,
    since: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Return each person's insured months of ``insurance`` (each month once), before ``until``.

    Args:
        ws: The workspace.
        person_ids: The persons.
        insurance: 险种 code (``"1"`` 养老, ``"2"`` 失业).
        until: The first month not counted; the current month when None.
        since: ``person_id``, ``since_month``: per person, the first month counted (a
            count that restarts, e.g. after a benefit spell); all months when absent.

    Returns:
        ``person_id``, ``contribution_months`` (Int64); persons without any month have no row.
    """
    end = until or ws.today.replace(day=1)
    starts = (
        since.select("person_id", pl.col("since_month").cast(pl.Date)).drop_nulls()
        if since is not None
        else pl.DataFrame(schema={"person_id": pl.String, "since_month": pl.Date})
    )
    return records.contribution_months(ws, person_ids, insurance, end=end, starts=starts)


#: 特殊工种标识 of the heavy kinds (井下、高温、高空、特别繁重体力劳动), codes/special_job_type.
HEAVY_SPECIAL_JOBS = ("3", "4", "5", "6")


def elastic_from() -> dt.date:
    """First month of elastic retirement (弹性退休), policy row ``elastic_retirement_from``."""
    return dt.date.fromisoformat(figure_text("elastic_retirement_from") + "-01")


def special_job_facts(ws: Workspace, person_ids: pl.Series) -> pl.DataFrame:
    """Return each person's recognised 特殊工种 time (特殊工种认定, ``special_job_periods``).

    Columns: ``person_id``, ``special_job_months`` (every type, each month once),
    ``heavy_job_months`` (井下、高温、高空、特别繁重体力劳动), ``special_job_qualified``:
    heavy months reach ``special_job_min_months_heavy`` or all months reach
    ``special_job_min_months_harmful`` (``other_filings.csv``, 国发〔1978〕104号).
    """
    heavy = int(figure("special_job_min_months_heavy"))
    harmful = int(figure("special_job_min_months_harmful"))
    found = records.special_job_months(ws, person_ids, HEAVY_SPECIAL_JOBS)
    return found.with_columns(
        ((pl.col("heavy_job_months") >= heavy) | (pl.col("special_job_months") >= harmful)).alias(
            "special_job_qualified"
        )
    )


def approver_of(ws: Workspace, unit_id: str) -> dict[str, Any] | None:
    """Return the unit's current approver (单位审定人): ``name``, ``phone``; None if none."""
    found = records.unit_approver(ws, unit_id)
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
