"""The work ``type_column`` skips gives what doing it would have given (issue 11).

Typing a column skips what cannot change a value: an empty column is typed as nulls
at once, clean text is not cleaned, ID numbers in their shape are not normalised, the
reason an ID fails is computed once (on ``date.max``) for the failures and the facts.
Each shortcut is compared here with the long way.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sbbatch import _batch_cells as cells
from sbbatch import codes, ids
from sbbatch.declarations import registry
from sbbatch.io.normalise import clean_text
from sbbatch.spec import Column
from sbbatch.unit_files import LOAD_KINDS

TODAY = dt.date(2026, 11, 26)

#: ID numbers of every reason: valid, future (with a bad region or check digit too),
#: region, checksum, birth date, format, 15 digits, missing.
NUMBERS = [
    "370102199001011231",
    "370112198503070029",
    "370102203001011232",  # born after today
    "379902203001011232",  # born after today, unknown region
    "370102203001011239",  # born after today, wrong check digit
    "379902197001011232",
    "370102197001011239",
    "370102197002301232",
    "370102189901011232",
    "37010219700101123",
    "370102900101123",
    "37010219900101123X",
    "370102000001011231",
    "",
    None,
]


def _numbers() -> st.SearchStrategy[str]:
    digits = st.text(st.sampled_from("0123456789"), min_size=17, max_size=17)
    return st.builds(
        lambda d, c, p: p + d[6:] + c,
        digits,
        st.sampled_from("0123456789X"),
        st.sampled_from(["370102", "379902", "110105"]),
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(_numbers(), min_size=1, max_size=20),
    st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)),
)
def test_the_reason_from_date_max_is_the_reason_on_today(
    numbers: list[str], today: dt.date
) -> None:
    frame = pl.DataFrame({"n": [*numbers, *NUMBERS]}, schema={"n": pl.String})
    ours = cells._with_id_reason(frame, "n", today)
    expected = frame.select(ids.failure_reason(pl.col("n"), today)).to_series()
    assert ours["_reason"].to_list() == expected.to_list()
    valid = frame.select(ids.failure_reason(pl.col("n"), dt.date.max).is_null()).to_series()
    assert ours["_id_valid"].to_list() == valid.to_list()


def test_the_facts_of_an_id_are_those_of_ids() -> None:
    frame = pl.DataFrame({"person_id": NUMBERS}, schema={"person_id": pl.String})
    work = cells._with_id_reason(frame, "person_id", TODAY)
    for fact in cells._id_facts():
        work = work.with_columns(fact)
    person = pl.col("person_id")
    valid = ids.failure_reason(person, dt.date.max).is_null()
    gender = pl.when(valid).then(ids.gender(person))
    expected = frame.select(
        gender.alias("id_gender"),
        pl.when(valid).then(ids.birth_date(person)).alias("id_birth_date"),
        codes.to_label(gender, "gender").alias("id_gender_label"),
    )
    assert work.select(expected.columns).to_dicts() == expected.to_dicts()
    assert work["id_gender"].drop_nulls().n_unique() == 2  # both genders: the test can fail


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list("张三ab1 \t\u3000\uff21\u200b\xa0\u2028,、-")), max_size=8))
def test_plain_text_is_what_clean_text_leaves_as_it_is(value: str) -> None:
    frame = pl.DataFrame({"v": [value]}, schema={"v": pl.String})
    plain = frame.select(pl.col("v").str.contains(cells._PLAIN)).item()
    cleaned = frame.select(clean_text(pl.col("v"))).item()
    if plain:
        assert cleaned == value
    else:  # a value the pattern refuses is one clean_text changes (or empties)
        assert cleaned != value


def _columns() -> list[Column]:
    seen: dict[tuple[object, ...], Column] = {}
    for declaration in [*registry().values(), *LOAD_KINDS.values()]:
        for column in declaration.columns:
            seen.setdefault((column.type, column.code_table, column.field == "person_id"), column)
    return list(seen.values())


@pytest.mark.parametrize("column", _columns(), ids=lambda c: f"{c.type}:{c.field}")
def test_an_empty_column_types_as_an_empty_cell_among_others(column: Column) -> None:
    facts = cells._id_facts() if column.field == "person_id" else []
    empty = pl.DataFrame(
        {"_row": [2, 3], column.field: [None, None]},
        schema={"_row": pl.Int64, column.field: pl.String},
    )
    typed, found = cells.type_column(empty, column, TODAY, facts)
    mixed = empty.with_columns(pl.Series(column.field, [None, column.example or "x"], pl.String))
    among, _ = cells.type_column(mixed, column, TODAY, facts)
    assert found == []
    assert [s.dtype for s in typed] == [s.dtype for s in among]
    assert [s.name for s in typed] == [s.name for s in among]
    assert pl.DataFrame(typed).to_dicts() == [pl.DataFrame(among).row(0, named=True)] * 2


def test_ids_in_their_shape_and_other_ids_type_alike() -> None:
    column = LOAD_KINDS["persons"].column("person_id")
    shaped = [n for n in NUMBERS if n and len(n) == 18 and n[:17].isdigit()]
    frame = pl.DataFrame({"_row": list(range(2, 2 + len(shaped))), "person_id": shaped})
    fast, fast_found = cells.type_column(frame, column, TODAY, cells._id_facts())
    # one number typed full-width makes the column take the long way: same for the others
    slow_frame = frame.vstack(
        pl.DataFrame({"_row": [99], "person_id": ["３７０１０２１９９００１０１１２３１"]})
    )
    slow, slow_found = cells.type_column(slow_frame, column, TODAY, cells._id_facts())
    assert pl.DataFrame(fast).to_dicts() == pl.DataFrame(slow).head(len(shaped)).to_dicts()
    rules = sorted(f["rule"][0] for f in fast_found)
    assert rules == sorted(f["rule"][0] for f in slow_found)
    assert "id_checksum" in rules  # the shaped numbers fail too: the test can fail


def test_checking_id_numbers_does_not_import_stdnum() -> None:
    """The address codes are read from stdnum's loc.dat without importing stdnum (pydoc, ssl)."""
    code = (
        "import sys, datetime as dt, polars as pl\n"
        "from sbbatch.batch import check_frame\n"
        "batch = check_frame(pl.DataFrame({'身份证号码': ['370102199001011231', '379902197001011232'],\n"
        "    '缴费工资': ['5000', '5000']}), 'wage_base', today=dt.date(2026, 11, 26))\n"
        "print(sorted(set(batch.failures['rule'])), 'stdnum' in sys.modules, 'ssl' in sys.modules)\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert shown[-2:] == ["False", "False"]
    assert shown[0] == "['id_region']"  # the region was checked: the codes were read
