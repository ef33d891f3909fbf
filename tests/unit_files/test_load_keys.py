"""The row text that a load hashes, and the periods it opens, as first defined (issue 11).

``_keyed`` writes an empty column as its separators and a date column of few dates
once per date; ``_periods`` works the month after an insurance's end out on the table.
The hash of every loaded row is kept in the workspace (a later load compares with
it), so the text must be byte for byte what the plain definition gives.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from sbbatch import unit_files
from sbbatch.declarations._registry_review import category_insurances
from sbbatch.unit_files import LOAD_KINDS


def _plain_content(rows: pl.DataFrame, fields: list[str]) -> pl.Series:
    """Every field cast to text, an empty one as empty text, joined by U+001F."""
    return rows.select(
        pl.concat_str(
            [pl.col(f).cast(pl.String).fill_null("") for f in fields], separator="\x1f"
        ).alias("content")
    ).to_series()


def _rows(height: int) -> pl.DataFrame:
    """Rows of every load kind's fields: some columns empty, dates few or many."""
    months = [dt.date(2026, 1 + i % 11, 1) for i in range(height)]
    births = [dt.date(1960, 1, 1) + dt.timedelta(days=97 * i) for i in range(height)]
    columns: dict[str, pl.Series] = {"source_row": pl.Series(range(2, height + 2))}
    for spec in LOAD_KINDS.values():
        for c in spec.columns:
            if c.field in columns:
                continue
            if c.type in ("month", "date"):
                values = births if c.field in ("birth_date", "insured_since") else months
                columns[c.field] = pl.Series(c.field, values, pl.Date)
            elif c.type in ("money", "int"):
                columns[c.field] = pl.Series(c.field, [None] * height, pl.Int64)
            else:
                columns[c.field] = pl.Series(c.field, [f"{c.field}{i}" for i in range(height)])
    frame = pl.DataFrame(columns)
    # until_month mostly empty, phone empty: the shapes of a real roster
    return frame.with_columns(
        pl.when(pl.int_range(pl.len()) % 7 == 0).then(pl.col("until_month")).alias("until_month"),
        pl.lit(None, pl.String).alias("phone"),
    )


@pytest.mark.parametrize("height", [0, 1, 3, 40])
@pytest.mark.parametrize("kind", sorted(LOAD_KINDS))
def test_the_content_is_the_plain_join_of_every_field(kind: str, height: int) -> None:
    spec = LOAD_KINDS[kind]
    rows = _rows(height)
    fields = [c.field for c in spec.columns]
    keyed = unit_files._keyed(rows, spec, spec.key_fields or ("person_id",))
    assert keyed["content"].to_list() == _plain_content(rows, fields).to_list()
    assert keyed["sheet_row"].to_list() == rows["source_row"].to_list()
    if height == 40:  # the rows differ: the test can fail
        assert keyed["content"].n_unique() == height


def test_the_periods_are_those_of_the_first_definition() -> None:
    rows = _rows(40).with_columns(
        pl.Series("person_category", ["11", "13", "14", "99"] * 10),
        pl.Series("leave_reason", ["231", None] * 20),
    )
    table = category_insurances()
    joined = rows.select(
        "person_id", "person_category", "from_month", "until_month", "leave_reason"
    ).join(table, on="person_category", how="inner")
    start = pl.max_horizontal(
        "from_month", pl.col("effective_from").fill_null(pl.col("from_month"))
    )
    stop = pl.min_horizontal(pl.col("until_month"), pl.col("effective_to").dt.offset_by("1mo"))
    expected = (
        joined.with_columns(start.alias("_start"), stop.alias("_stop"))
        .filter(pl.col("_stop").is_null() | (pl.col("_start") < pl.col("_stop")))
        .select(
            pl.lit("0017187290").alias("unit_id"),
            "person_id",
            "insurance",
            "person_category",
            pl.col("_start").alias("from_month"),
            pl.col("_stop").alias("until_month"),
            pl.when(pl.col("_stop") == pl.col("until_month"))
            .then(pl.col("leave_reason"))
            .otherwise(pl.lit(None, pl.String))
            .alias("leave_reason"),
        )
    )
    ours = unit_files._periods(rows, "0017187290")
    assert ours.to_dicts() == expected.to_dicts()
    assert ours.height > rows.height  # several insurances per person: the test can fail
