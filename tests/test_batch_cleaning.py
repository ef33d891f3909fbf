"""Cleaning a column by its distinct values gives what ``clean_text`` gives cell by cell.

``check`` skips ``clean_text`` for a column of plain ASCII cells and cleans a column of
repeated values once per distinct value (issue 11: a payment detail of 824,570 lines).
"""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from sbbatch import _batch_cells as cells
from sbbatch.io.normalise import clean_text

#: Characters that clean_text changes or keeps: ASCII, spaces, full-width, invisible, Chinese.
ALPHABET = st.sampled_from(list("09Xx -=\t\n\u3000\uff10\uff38\u200b\ufeff张三、。"))
CELLS = st.one_of(st.none(), st.text(ALPHABET, max_size=6))


def _both(values: list[str | None]) -> tuple[list[str | None], list[str | None]]:
    frame = pl.DataFrame({"f": values}, schema={"f": pl.String})
    return (
        cells._cleaned(frame, "f").to_list(),
        frame.select(clean_text(pl.col("f"))).to_series().to_list(),
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(CELLS, max_size=30), st.integers(min_value=1, max_value=4))
def test_cleaned_by_value_equals_clean_text(values: list[str | None], repeat: int) -> None:
    ours, theirs = _both(values * repeat)  # repeated: the by-value path; distinct: row by row
    assert ours == theirs


def test_the_three_paths_are_taken_and_agree() -> None:
    plain = ["370102199001011231", "AB-12", "x"]  # kept as it is
    repeated = ["  张　三 ", "\uff21\u200b", "", None] * 5  # once per distinct value
    distinct = [f" 李{i} " for i in range(10)]  # row by row
    for values in (plain, repeated, distinct):
        ours, theirs = _both(values)
        assert ours == theirs
    assert _both(repeated)[0][:4] == ["张 三", "A", None, None]
