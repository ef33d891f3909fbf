"""Late fees (滞纳金) on contributions paid after their due date.

Part of :mod:`sbbatch.contributions`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from sbbatch._money import PPM, half_up_div
from sbbatch.exceptions import PolicyError
from sbbatch.policy import Policy


@dataclass(frozen=True)
class LateFeeTerms:
    """How 滞纳金 are counted (``late_fee.csv``): the days and the rate windows.

    Attributes:
        first_day_offset: Days after the due date of the first day counted (1 = the
            day after the due date).
        last_day_offset: Days after the payment day of the last day counted (0 = the
            payment day is counted).
        windows: ``effective_from, effective_to, rate_ppm, policy_id`` of the daily rate.
        policy_ids: The ids of the counting parameters.
    """

    first_day_offset: int
    last_day_offset: int
    windows: pl.DataFrame
    policy_ids: tuple[str, ...]


def late_fee_terms(policy: Policy | None = None) -> LateFeeTerms:
    """Read the counting convention of 滞纳金 from the policy.

    Raises:
        PolicyError: a convention this library does not know (e.g. compound interest).

    Examples:
        >>> terms = late_fee_terms()
        >>> terms.first_day_offset, terms.last_day_offset
        (1, 0)
    """
    policy = policy or Policy.load()
    table = policy.late_fee
    current = table.filter(pl.col("effective_to").is_null())
    values = dict(zip(current["parameter"], current["value"], strict=True))
    ids = dict(zip(current["parameter"], current["policy_id"], strict=True))
    starts = {"day_after_due_date": 1, "due_date": 0}
    ends = {"payment_date_inclusive": 0, "payment_date_exclusive": -1}
    if (
        values.get("method") != "simple"
        or values.get("count_from") not in starts
        or values.get("count_to") not in ends
    ):
        msg = (
            f"滞纳金计算规则 method={values.get('method')}、count_from={values.get('count_from')}、"
            f"count_to={values.get('count_to')} 不受支持。提示：本程序只支持单利（simple），"
            "起算日为 day_after_due_date 或 due_date，止算日为 payment_date_inclusive 或 payment_date_exclusive。"
        )
        raise PolicyError(msg)
    windows = table.filter(pl.col("parameter") == "daily_rate").select(
        "effective_from", "effective_to", "rate_ppm", "policy_id"
    )
    return LateFeeTerms(
        first_day_offset=starts[values["count_from"]],
        last_day_offset=ends[values["count_to"]],
        windows=windows,
        policy_ids=tuple(
            ids[name]
            for name in ("due_month_offset", "due_day", "count_from", "count_to", "method")
        ),
    )


def with_late_fees(
    lines: pl.DataFrame, paid_on: dt.date, *, policy: Policy | None = None
) -> pl.DataFrame:
    """Add the 滞纳金 of each line paid on ``paid_on``.

    Counting (``late_fee.csv``; Jinan: the fee month's contributions are due on the
    15th of the following month): days run from the day after the due date to the
    payment day inclusive; fee = amount × daily rate × days, simple interest, half up
    to the fen **per line** (person, month, insurance, payer). When the daily rate
    changes inside the period, each day is charged at its own rate before rounding.

    Args:
        lines: Has ``month`` and ``amount_fen``.
        paid_on: The payment day.
        policy: The policy.

    Returns:
        ``lines`` with ``due_date``, ``late_fee_days``, ``late_fee_fen`` and
        ``late_fee_policy_id`` (the daily-rate rows used, ``+``-joined; null when no day
        is counted).

    Examples:
        >>> lines = pl.DataFrame({"month": [dt.date(2026, 5, 1), dt.date(2026, 10, 1)], "amount_fen": [73168, 73168]})
        >>> with_late_fees(lines, dt.date(2026, 11, 26)).select("due_date", "late_fee_days", "late_fee_fen").rows()
        [(datetime.date(2026, 6, 15), 164, 6000), (datetime.date(2026, 11, 15), 11, 402)]
    """
    policy = policy or Policy.load()
    terms = late_fee_terms(policy)
    due = lines.select(policy.late_fee_due_date(pl.col("month")).alias("due_date")).unique()
    last_day = paid_on + dt.timedelta(days=terms.last_day_offset)
    windows = terms.windows.with_columns(pl.col("effective_to").fill_null(dt.date.max))
    spans = (
        due.with_columns(
            (pl.col("due_date") + pl.duration(days=terms.first_day_offset)).alias("_first"),
            pl.lit(last_day).alias("_last"),
        )
        .join(windows, how="cross")
        .with_columns(
            (
                (
                    pl.min_horizontal("_last", "effective_to")
                    - pl.max_horizontal("_first", "effective_from")
                ).dt.total_days()
                + 1
            )
            .clip(lower_bound=0)
            .alias("_overlap")
        )
        .group_by("due_date")
        .agg(
            ((pl.col("_last") - pl.col("_first")).dt.total_days().first() + 1)
            .clip(lower_bound=0)
            .alias("late_fee_days"),
            (pl.col("_overlap") * pl.col("rate_ppm")).sum().alias("_ppm_days"),
            pl.col("policy_id")
            .filter(pl.col("_overlap") > 0)
            .sort()
            .str.join("+")
            .alias("late_fee_policy_id"),
        )
    )
    fee = half_up_div(pl.col("amount_fen") * pl.col("_ppm_days"), PPM)
    return (
        lines.with_columns(policy.late_fee_due_date(pl.col("month")).alias("due_date"))
        .join(spans, on="due_date", how="left", maintain_order="left")
        .with_columns(
            pl.col("late_fee_days").cast(pl.Int32),
            fee.cast(pl.Int64).alias("late_fee_fen"),
            pl.when(pl.col("late_fee_days") > 0)
            .then(pl.col("late_fee_policy_id"))
            .alias("late_fee_policy_id"),
        )
        .drop("_ppm_days")
    )
