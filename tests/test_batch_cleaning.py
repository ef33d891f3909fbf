"""Typing a column by its distinct values gives what ``clean_text`` gives cell by cell.

``check`` skips ``clean_text`` for a column of clean text cells and cleans (and types) a
column of repeated values once per distinct value (issue 11: a payment detail of
824,570 lines).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sbbatch import _batch_cells as cells
from sbbatch.declarations import registry
from sbbatch.io.normalise import clean_text
from sbbatch.spec import FAILURE_SCHEMA, Column
from sbbatch.unit_files import LOAD_KINDS

#: A free-text column: its typed value is its cleaned text.
TEXT = Column("f", "备注", "text")

#: Characters that clean_text changes or keeps: ASCII, spaces, full-width, invisible, Chinese.
ALPHABET = st.sampled_from(list("09Xx -=\t\n\u3000\uff10\uff38\u200b\ufeff张三、。"))
CELLS = st.one_of(st.none(), st.text(ALPHABET, max_size=6))


def _both(values: list[str | None]) -> tuple[list[str | None], list[str | None]]:
    frame = pl.DataFrame({"f": values}, schema={"f": pl.String}).with_row_index("_row", 2)
    typed, _failures = cells.type_column(frame, TEXT, dt.date(2026, 11, 26))
    return (
        typed[0].to_list(),
        frame.select(clean_text(pl.col("f"))).to_series().to_list(),
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(CELLS, max_size=30), st.integers(min_value=1, max_value=4))
def test_cleaned_by_value_equals_clean_text(values: list[str | None], repeat: int) -> None:
    ours, theirs = _both(values * repeat)  # repeated: the by-value path; distinct: row by row
    assert ours == theirs


def test_the_three_paths_are_taken_and_agree() -> None:
    plain: list[str | None] = ["370102199001011231", "AB-12", "x"]  # kept as it is
    repeated = ["  张　三 ", "\uff21\u200b", "", None] * 5  # once per distinct value
    distinct: list[str | None] = [f" 李{i} " for i in range(10)]  # row by row
    for values in (plain, repeated, distinct):
        ours, theirs = _both(values)
        assert ours == theirs
    assert _both(repeated)[0][:4] == ["张 三", "A", None, None]


#: Cells of every kind a column meets: good values, junk, blanks, full-width, serials.
JUNK = [
    *("", " ", "？？垃圾", "=1+1", "-5", "43556", "2019", "2019-13", "2019年4月", "5,000.00"),
    *("5000.123", "￥5000元", "男", "女性", "M", "370102900101123", "370102199001011231"),
    *("37010219900101123x", "370102199001011232", "a/b", "张\n三", "13800138000", "1", "11"),
    *("１９８３－１０－１３", "1983-10-13 00:00:00", "2099-01-01", "x" * 60, None),
]


def _failures_by_cell(column: Column, values: list[str | None]) -> pl.DataFrame:
    """Each cell typed alone (the cell-by-cell path), failures concatenated."""
    found = []
    for row, value in enumerate(values, start=2):
        cell = pl.DataFrame({"_row": [row], column.field: [value]}, schema=_schema(column))
        found.extend(cells.type_column(cell, column, dt.date(2026, 11, 26))[1])
    return cells.as_failures(pl.concat(found)) if found else cells.as_failures(_empty())


def _schema(column: Column) -> dict[str, pl.DataType]:
    return {"_row": pl.Int64(), column.field: pl.String()}


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=FAILURE_SCHEMA)


def _columns() -> list[Column]:
    seen: dict[tuple[str, str, str | None, int | None, bool], Column] = {}
    for declaration in [*registry().values(), *LOAD_KINDS.values()]:
        for column in declaration.columns:
            key = (
                column.type,
                column.header,
                column.code_table,
                column.max_length,
                column.future_ok,
            )
            seen.setdefault(key, column)
    return list(seen.values())


@pytest.mark.parametrize("column", _columns(), ids=lambda c: f"{c.type}:{c.field}")
def test_typing_by_value_equals_cell_by_cell(column: Column) -> None:
    values = [*JUNK, column.example or None] * 3  # every value thrice: the by-value path
    frame = pl.DataFrame(
        {"_row": list(range(2, len(values) + 2)), column.field: values}, schema=_schema(column)
    )
    facts = cells._id_facts() if column.field == "person_id" else []  # gender, birth date
    typed, found = cells.type_column(frame, column, dt.date(2026, 11, 26), facts)
    one_by_one = [
        pl.DataFrame(cells.type_column(frame.slice(i, 1), column, dt.date(2026, 11, 26), facts)[0])
        for i in range(frame.height)
    ]
    assert pl.DataFrame(typed).to_dicts() == pl.concat(one_by_one).to_dicts()
    assert len(typed) == 1 + len(facts)
    ours = cells.as_failures(pl.concat(found)) if found else cells.as_failures(_empty())
    theirs = _failures_by_cell(column, values)
    assert ours.sort("row", "rule").to_dicts() == theirs.sort("row", "rule").to_dicts()
    for part in found:  # each rule's failures in row order
        assert part["row"].is_sorted()
    if column.type in {"id", "month", "date", "money", "code", "gender", "int", "phone"}:
        assert ours.height  # the junk fails: the test can fail


@pytest.mark.parametrize("value", ["？？垃圾", "2019-04", None])
@pytest.mark.parametrize("column", _columns(), ids=lambda c: f"{c.type}:{c.field}")
def test_a_column_of_one_value_types_as_cell_by_cell(column: Column, value: str | None) -> None:
    frame = pl.DataFrame(
        {"_row": [2, 3, 4], column.field: [value] * 3}, schema=_schema(column)
    )  # one distinct value (an absent column: all empty)
    facts = cells._id_facts() if column.field == "person_id" else []
    typed, found = cells.type_column(frame, column, dt.date(2026, 11, 26), facts)
    alone = cells.type_column(frame.slice(0, 1), column, dt.date(2026, 11, 26), facts)
    assert pl.DataFrame(typed).to_dicts() == pl.DataFrame(alone[0]).to_dicts() * 3
    assert [f.height for f in found] == [3 * f.height for f in alone[1]]
