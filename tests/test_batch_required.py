"""Required cells left empty: the vectorised test gives what the pandera shape gave.

``check`` used to validate every file against the shape of the business's contract
(``Declaration.schema(checks=False)``) and keep pandera's ``not_nullable`` cases; it
now tests the required columns for nulls itself (no pandera import on the CLI's path).
Here pandera is the oracle, on rows with blanks, junk and good values of every
business and of every ``load`` kind.
"""

from __future__ import annotations

import datetime as dt

import pandera.polars as pa
import polars as pl
import pytest

from sbbatch import _batch_cells as cells
from sbbatch import _batch_rows as row_checks
from sbbatch.declarations import Declaration, registry
from sbbatch.spec import FAILURE_SCHEMA
from sbbatch.unit_files import LOAD_KINDS

TODAY = dt.date(2026, 11, 26)
KINDS = {**registry(), **{f"load:{k}": d for k, d in LOAD_KINDS.items()}}


def _pandera(typed: pl.DataFrame, declaration: Declaration) -> pl.DataFrame:
    """The former implementation: pandera's not_nullable cases, in Chinese."""
    try:
        declaration.schema(checks=False).validate(typed, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases.filter(
            (pl.col("check") == "not_nullable") & pl.col("index").is_not_null()
        )
        header = declaration.headers
        rows = typed.select(pl.col("_row"), pl.int_range(pl.len()).alias("index"))
        return cells.as_failures(
            cases.with_columns(pl.col("index").cast(pl.Int64))
            .join(rows.with_columns(pl.col("index").cast(pl.Int64)), on="index", how="left")
            .select(
                pl.col("_row").alias("row"),
                pl.col("column").replace_strict(header, default=pl.col("column")).alias("column"),
                pl.lit(None, pl.String).alias("value"),
                pl.lit("required").alias("rule"),
                pl.lit("reject").alias("level"),
                pl.concat_str(
                    pl.col("column").replace_strict(header, default=pl.col("column")),
                    pl.lit("必填，不能为空。"),
                ).alias("message"),
            )
        )
    return pl.DataFrame(schema=FAILURE_SCHEMA)


def _typed(declaration: Declaration) -> pl.DataFrame:
    """Typed rows: the example row, a blank row, a junk row and a half-filled row."""
    examples = [c.example or "1" for c in declaration.columns]
    values = {
        c.field: [examples[i], None, "？？垃圾", examples[i] if i % 2 else ""]
        for i, c in enumerate(declaration.columns)
    }
    text = pl.DataFrame(
        {"_row": [2, 3, 4, 5], **values},
        schema={"_row": pl.Int64, **{c.field: pl.String for c in declaration.columns}},
    )
    typed, _ = cells.type_columns(text, declaration, TODAY)
    return cells.derive_from_id(cells.with_id_facts(typed), declaration)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_required_failures_equal_the_pandera_shape(kind: str) -> None:
    declaration = KINDS[kind]
    typed = _typed(declaration)
    ours = row_checks.required_failures(typed, declaration)
    assert ours.to_dicts() == _pandera(typed, declaration).to_dicts()
    if declaration.required:  # the blank row fails every required column: the test can fail
        assert ours.filter(pl.col("row") == 3).height == len(declaration.required)
