"""The review's fast paths give what the straightforward ones gave.

- :func:`with_retirement_month` (one policy look-up per distinct gender, 个人身份 and
  birth month) equals the policy's expression row by row;
- ``Workspace.insert_frame`` (an ordered insert from the frame's Arrow stream)
  stores the periods in the frame's order (``rowid``), as the plain insert did.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from sbbatch.declarations._registry_review import retirement_month, with_retirement_month
from sbbatch.store import Workspace


def test_retirement_month_once_per_kind_equals_the_row_by_row_expression() -> None:
    count = 3_000
    number = pl.int_range(count, eager=True)
    frame = pl.DataFrame(
        {
            "gender": pl.Series(["1", "2", None, "2", "9"] * (count // 5)),
            "identity": pl.Series([None, "4", "1", None, "5", "21"] * (count // 6)),
            "birth_date": pl.Series(
                [dt.date(1955, 1, 1) + dt.timedelta(days=int(n) * 13) for n in number]
            ),
        }
    ).with_columns(
        pl.when(number % 97 == 0).then(None).otherwise(pl.col("birth_date")).alias("birth_date")
    )
    expected = frame.with_columns(
        retirement_month(pl.col("gender"), pl.col("identity"), pl.col("birth_date"))
    )
    got = with_retirement_month(frame, pl.col("gender"), pl.col("identity"), pl.col("birth_date"))
    assert got.columns == expected.columns
    assert got.equals(expected)
    assert got["retirement_month"].null_count() > 0  # nulls and unknown genders go through


def test_insert_frame_stores_the_periods_in_the_frame_order() -> None:
    ws = Workspace(today=dt.date(2026, 11, 26))
    periods = pl.DataFrame(
        {
            "person_id": ["B", "B", "A", "C", "A"],
            "insurance": ["1", "10", "3", "1", "1"],
            "person_category": ["11"] * 5,
            "from_month": [dt.date(2026, 12, 1)] * 5,
            "add_reason": ["111"] * 5,
        }
    ).with_columns(pl.lit("U1").alias("unit_id"), pl.lit("ZY1").alias("opened_by"))
    with ws.transaction():
        opened = ws.insert_frame("insured_periods", periods)
    assert opened == 5
    stored = ws.sql(
        "SELECT person_id, insurance, unit_id, opened_by, person_category, from_month, "
        "add_reason FROM insured_periods ORDER BY rowid"
    )
    assert stored.select("person_id", "insurance").equals(periods.select("person_id", "insurance"))
    assert set(stored["unit_id"]) == {"U1"}
    assert set(stored["opened_by"]) == {"ZY1"}
    assert ws.insert_frame("insured_periods", periods.clear()) == 0
