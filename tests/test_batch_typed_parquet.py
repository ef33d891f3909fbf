"""A parquet file with typed columns checks as the same data typed into xlsx as text.

Parquet gives typed columns (dates, integers, decimals, floats); ``check`` reads every
cell as the text a person would type and types it again, so the typed rows and every
failure (row, column, value, rule, level, message) equal those of the same data in
an xlsx of text cells.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl

from sbbatch.batch import Batch, check
from sbbatch.io.xlsx import write_frame
from sbbatch.unit_files import LOAD_KINDS

TODAY = dt.date(2026, 11, 26)
GOOD, BAD = "370102199001011231", "370102199001011232"

#: The typed columns, and the text a person types for each value (None: left empty).
TYPED = pl.DataFrame(
    {
        "社会保障号码": [GOOD, GOOD, BAD, GOOD, GOOD, None],
        "费款所属期": [
            *([dt.date(2026, 10, 1)] * 2),
            dt.date(2026, 9, 1),
            dt.date(2026, 8, 1),
            None,
            dt.date(2026, 10, 1),
        ],
        "险种": [1, 2, 1, 1, 3, 99],
        "缴费基数": [500000, 500000, 400000, -1, None, 500000],
        "单位缴纳": [Decimal(v) for v in ("800.00", "80.00", "640.00", "-1.50", "0.00", "800.00")],
        "个人缴纳": [400.0, 25.5, 320.125, 400.0, 0.0, None],
    },
    schema={
        "社会保障号码": pl.String,
        "费款所属期": pl.Date,
        "险种": pl.Int64,
        "缴费基数": pl.Int64,
        "单位缴纳": pl.Decimal(18, 2),
        "个人缴纳": pl.Float64,
    },
)
TEXT = pl.DataFrame(
    {
        "社会保障号码": [GOOD, GOOD, BAD, GOOD, GOOD, None],
        "费款所属期": ["2026-10-01", "2026-10-01", "2026-09-01", "2026-08-01", None, "2026-10-01"],
        "险种": ["1", "2", "1", "1", "3", "99"],
        "缴费基数": ["500000", "500000", "400000", "-1", None, "500000"],
        "单位缴纳": ["800.00", "80.00", "640.00", "-1.50", "0.00", "800.00"],
        "个人缴纳": ["400", "25.5", "320.125", "400", "0", None],
    }
)


def _checked(tmp_path: Path) -> tuple[Batch, Batch]:
    TYPED.write_parquet(tmp_path / "typed.parquet")
    write_frame(TEXT, tmp_path / "text.xlsx", text_columns=TEXT.columns)
    payments = LOAD_KINDS["payments"]
    return (
        check(tmp_path / "typed.parquet", payments, today=TODAY),
        check(tmp_path / "text.xlsx", payments, today=TODAY),
    )


def test_typed_parquet_and_xlsx_text_give_the_same_rows_and_failures(tmp_path: Path) -> None:
    typed, text = _checked(tmp_path)
    assert typed.rows.drop("source_row").to_dicts() == text.rows.drop("source_row").to_dicts()
    # the xlsx has its header on row 1 as well: the same row numbers
    assert typed.rows["source_row"].to_list() == text.rows["source_row"].to_list()
    assert typed.failures.to_dicts() == text.failures.to_dicts()


def test_the_typed_parquet_is_typed_and_its_failures_found(tmp_path: Path) -> None:
    typed, _text = _checked(tmp_path)
    first = typed.rows.row(0, named=True)
    assert first["month"] == dt.date(2026, 10, 1)
    assert first["unit_fen"] == 80000
    assert first["person_fen"] == 40000
    assert typed.rows["base_fen"].to_list()[:3] == [50000000, 50000000, 40000000]
    rules = set(typed.failures["rule"].to_list())
    # a bad check digit, negative amounts, 3 decimals, an unknown 险种, blanks, a repeat
    expected = {"id_checksum", "money_negative", "money_format", "code_unknown", "required"}
    assert expected <= rules, rules
    assert "duplicate_in_file" not in rules  # (GOOD, 2026-10, 1) and (GOOD, 2026-10, 2) differ
