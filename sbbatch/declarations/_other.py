"""Look-ups and rules shared by the 其他申报 of the manual (§3.1, §3.8, §3.13, §1.8–1.11).

Each look-up is one DuckDB query over the declared persons (their ID numbers go in as a
list parameter) joined back to the rows by ``person_id``: no loop over rows. The
figures these businesses need and that no other table holds (医疗账户补助金 cap, how
new a 新开户单位 is, the 灵活就业 pension rate) are rows of
``schemas/policy/jinan/other_filings.csv``, each with its source and status.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

import polars as pl

from sbbatch._csv import read_commented_csv
from sbbatch._resources import schemas_dir
from sbbatch.spec import Rule
from sbbatch.store import records

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = [
    "MEDICAL",
    "figure",
    "figure_row",
    "figure_text",
    "in_unit",
    "known_person",
    "other_filings",
]

#: 险种 code of 职工基本医疗保险 (AAE140 3).
MEDICAL = "3"


@cache
def other_filings() -> pl.DataFrame:
    """Return ``schemas/policy/jinan/other_filings.csv`` (every column as text)."""
    frame, _ = read_commented_csv(schemas_dir() / "policy" / "jinan" / "other_filings.csv")
    return frame


def figure(key: str, month: dt.date | None = None) -> Decimal:
    """Return the figure ``key`` of the other-filings table in force in ``month``.

    Examples:
        >>> figure("flexible_pension_rate", dt.date(2026, 12, 1))
        Decimal('0.20')
    """
    wanted = f"{month:%Y-%m}" if month else None
    frame = other_filings().filter(pl.col("key") == key)
    if wanted is not None:
        frame = frame.filter(
            (pl.col("effective_from").is_null() | (pl.col("effective_from") <= wanted))
            & (pl.col("effective_to").is_null() | (pl.col("effective_to") >= wanted))
        )
    if frame.height == 0:
        msg = f"other_filings.csv 中没有 {key}（{wanted or '任意月份'}）。"
        raise LookupError(msg)
    return Decimal(str(frame["value"][0]))


def figure_text(key: str) -> str:
    """Return the open-ended figure ``key`` of the other-filings table as text (dates, months).

    Examples:
        >>> figure_text("retiree_work_start_before")
        '1949-10-01'
    """
    frame = other_filings().filter(pl.col("key") == key)
    if frame.height == 0:
        msg = f"other_filings.csv 中没有 {key}。"
        raise LookupError(msg)
    return str(frame["value"][0])


def figure_row(key: str) -> dict[str, str | None]:
    """Return the (single) row ``key`` of the other-filings table, every field as text.

    For figures that are not numbers (a date) or whose window the caller applies itself.

    Examples:
        >>> figure_row("survivor_pre1949_before")["value"]
        '1949-10-01'
    """
    frame = other_filings().filter(pl.col("key") == key)
    if frame.height != 1:
        msg = f"other_filings.csv 中 {key} 应恰有一行。"
        raise LookupError(msg)
    return frame.row(0, named=True)


def in_unit(
    ws: Workspace,
    unit_id: str,
    person_ids: pl.Series,
    *,
    month: dt.date | None = None,
    insurance: str | None = None,
) -> pl.DataFrame:
    """Return, per known person, the registry facts and their insurance in the unit.

    Columns: ``person_id``, ``reg_name``, ``reg_gender``, ``reg_birth_date``,
    ``ever_here`` (any insured period in the unit), ``open_here`` (an open period in
    the unit), ``insured_in_month`` (insured in the unit in ``month``, or now when no
    month is given), ``first_month_here`` and ``last_leave_reason`` (减员原因 of the
    latest closed period here). ``insurance`` limits the periods to one 险种.
    """
    return records.unit_insurance_facts(
        ws, unit_id, person_ids, month=(month or ws.today).replace(day=1), insurance=insurance
    )


def known_person() -> Rule:
    """Return the rule that the ID number is a person of the registry."""
    return Rule(
        "known_person",
        "reject",
        "person_id",
        "社保登记中没有身份证号码为「{value}」的人员。提示：请核对身份证号码。",
        pl.col("reg_name").is_not_null(),
    )
