"""The reads a review makes at registry scale give what the slower reads gave.

The declared rows are decoded by DuckDB (``json_transform``) instead of polars; the
look-ups join the asked ID numbers as a registered frame instead of a list parameter;
the review hands the rows it read to :meth:`Workspace.record_review`; the terminal lists
only the refused rows it shows. Each is compared here with the plain way on a small,
crafted workspace, including the awkward values (nulls, quotes, backslashes, new lines,
non-BMP characters, large integers, duplicate and missing ID numbers).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from sbbatch.io.results import result_table
from sbbatch.review import result, review
from sbbatch.sample import generate
from sbbatch.sample_batches import newcomers
from sbbatch.store import Workspace
from sbbatch.store import registry as stored

UNIT, OTHER = "0010118873", "0010118874"
KNOWN = ["370102199001011231", "370102197001011232", "370102198001011233"]

_POLARS_DTYPES: dict[str, pl.DataType] = {
    "String": pl.String(),
    "Date": pl.Date(),
    "Int64": pl.Int64(),
    "Int32": pl.Int32(),
    "Boolean": pl.Boolean(),
}


def _decoded_by_polars(ws: Workspace, declaration_id: str) -> pl.DataFrame:
    """The rows as the workspace decoded them before: polars' json_decode of the text."""
    header = ws.declaration(declaration_id)
    schema = {k: _POLARS_DTYPES[v] for k, v in json.loads(header["row_schema"]).items()}
    raw = ws.sql(
        "SELECT row_no, source_row, data, review_result, review_opinion "
        "FROM declaration_rows WHERE declaration_id = ? ORDER BY row_no",
        [declaration_id],
    )
    decoded = raw.with_columns(pl.col("data").str.json_decode(pl.Struct(schema))).unnest("data")
    return decoded.select("row_no", "source_row", *schema, "review_result", "review_opinion")


def test_declared_rows_of_every_type_come_back_as_declared(ws: Workspace) -> None:
    rows = pl.DataFrame(
        {
            "person_id": [KNOWN[0], None, KNOWN[2]],
            "name": ['张"三\\', "李\n四", "𠀀王五"],
            "month": [dt.date(2026, 11, 1), None, dt.date(1949, 10, 1)],
            "wage_fen": [9_007_199_254_740_993, None, -1],
            "days": pl.Series([1, None, 31], dtype=pl.Int32),
            "flag": [True, None, False],
            "source_row": [2, 3, 4],
        }
    )
    declaration_id = ws.create_declaration("enrolment", UNIT, rows)
    read = ws.declaration_rows(declaration_id)
    assert_frame_equal(read, _decoded_by_polars(ws, declaration_id))
    assert_frame_equal(read.select(rows.drop("source_row").columns), rows.drop("source_row"))
    assert read["row_no"].to_list() == [1, 2, 3]


def test_a_declaration_without_fields_reads_its_row_numbers(ws: Workspace) -> None:
    declaration_id = ws.create_declaration("enrolment", UNIT, pl.DataFrame({"source_row": [5]}))
    read = ws.declaration_rows(declaration_id)
    assert read.columns == ["row_no", "source_row", "review_result", "review_opinion"]
    assert read.row(0) == (1, 5, None, None)


@pytest.fixture
def registry_ws(ws: Workspace) -> Workspace:
    """Three known persons; two insured (one in two units); an open 减员 of the third."""
    ws.load(
        units=pl.DataFrame(
            {
                "unit_id": [OTHER],
                "name": ["济南另一家公司"],
                "unit_type": ["企业"],
                "risk_class": [1],
                "payment_method": ["2"],
            }
        ),
        persons=pl.DataFrame(
            {
                "person_id": KNOWN,
                "name": ["张三", "李四", "王五"],
                "gender": ["1", "1", "1"],
                "birth_date": [dt.date(1990, 1, 1), dt.date(1970, 1, 1), dt.date(1980, 1, 1)],
                "identity": [None, "4", None],
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [UNIT, OTHER, OTHER],
                "person_id": [KNOWN[0], KNOWN[0], KNOWN[1]],
                "insurance": ["110", "110", "210"],
                "person_category": ["11", "11", "11"],
                "from_month": [dt.date(2020, 1, 1), dt.date(2010, 1, 1), dt.date(2015, 1, 1)],
                "until_month": [None, dt.date(2019, 12, 1), None],
            }
        ),
    )
    departure = pl.DataFrame({"person_id": [KNOWN[2]], "month": [dt.date(2026, 11, 1)]})
    ws.create_declaration("departure", UNIT, departure)
    return ws


#: Asked: a duplicate, a null and a person the registry does not know.
ASKED = pl.Series([KNOWN[0], KNOWN[0], None, KNOWN[1], "110101199003074514", KNOWN[2]])


def test_look_ups_answer_for_the_distinct_known_persons(registry_ws: Workspace) -> None:
    ws = registry_ws
    persons = stored.registry_persons(ws, ASKED)
    assert sorted(persons.select("person_id", "reg_name", "reg_identity").rows()) == sorted(
        zip(KNOWN, ["张三", "李四", "王五"], [None, "4", None], strict=True)
    )
    periods = stored.periods_of(ws, ASKED)
    assert sorted(periods.select("person_id", "unit_id", "unit_name").rows()) == sorted(
        [
            (KNOWN[0], OTHER, "济南另一家公司"),
            (KNOWN[0], UNIT, "济南测试科技有限公司"),
            (KNOWN[1], OTHER, "济南另一家公司"),
        ]
    )
    assert sorted(stored.known_person_ids(ws, ASKED)) == sorted(KNOWN)
    assert sorted(stored.known_person_ids(ws, [KNOWN[1], "x", KNOWN[1]])) == [KNOWN[1]]
    columns = stored.person_columns(ws, [KNOWN[2]], {"name": "reg_name"})
    assert columns.rows() == [(KNOWN[2], "王五")]
    opened = stored.open_declarations(
        ws, ASKED, kinds=("departure",), statuses=("draft",), exclude=None
    )
    assert opened["person_id"].to_list() == [KNOWN[2]]
    assert opened["other_kind"].to_list() == ["departure"]
    nobody = stored.registry_persons(ws, pl.Series([], dtype=pl.String))
    assert nobody.height == 0
    assert "reg_birth_date" in nobody.columns


def test_a_look_up_leaves_no_table_behind(registry_ws: Workspace) -> None:
    stored.registry_persons(registry_ws, ASKED)
    with pytest.raises(Exception, match="_sbbatch_ids"):
        registry_ws.sql("SELECT * FROM _sbbatch_ids")


def _outcomes(height: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "row_no": pl.Series(range(1, height + 1), dtype=pl.Int32),
            "review_result": ["1" if n % 2 else "2" for n in range(1, height + 1)],
            "review_opinion": ["好" if n % 2 else "不好" for n in range(1, height + 1)],
        }
    )


def test_effects_get_the_same_approved_rows_from_the_rows_already_read(ws: Workspace) -> None:
    rows = pl.DataFrame(
        {
            "person_id": KNOWN,
            "name": ["张三", "李四", "王五"],
            "month": [dt.date(2026, 11, 1)] * 3,
        }
    )
    seen: dict[str, pl.DataFrame] = {}

    def effects_into(key: str) -> Any:
        def effects(_: Workspace, approved: pl.DataFrame) -> None:
            seen[key] = approved

        return effects

    for key in ("read again", "passed"):
        declaration_id = ws.create_declaration("enrolment", UNIT, rows)
        ws.submit(declaration_id)
        declared = ws.declaration_rows(declaration_id)
        ws.record_review(
            declaration_id,
            _outcomes(3),
            effects=effects_into(key),
            rows=declared if key == "passed" else None,
        )
    assert seen["passed"]["row_no"].to_list() == [1, 3]
    assert_frame_equal(seen["passed"], seen["read again"])


def test_the_review_returns_what_it_recorded_and_some_rows_are_rows_of_the_whole() -> None:
    ws = Workspace(today=dt.date(2026, 11, 26))
    world = generate()
    world.load_into(ws)
    unit = str(world.units["unit_id"][0])
    fresh = newcomers(8)
    known = (  # persons of the world insured in other units: refused, with reasons
        world.persons.join(world.insured_periods.filter(pl.col("unit_id") != unit), on="person_id")
        .unique("person_id")
        .sort("person_id")
        .head(4)
        .select(fresh.columns[:4])
    )
    rows = pl.concat([fresh, known], how="diagonal_relaxed").with_columns(
        pl.col("month").fill_null(fresh["month"][0]),
        pl.col("add_reason").fill_null("111"),
        pl.col("person_category").fill_null("11"),
    )
    declaration_id = ws.create_declaration("enrolment", unit, rows)
    ws.submit(declaration_id)
    table = review(ws, declaration_id)
    assert set(table["review_result"]) == {"审核成功", "不通过"}
    assert_frame_equal(table, result(ws, declaration_id))
    whole = result_table(ws, declaration_id, mask=True)
    some = [int(n) for n in whole["row_no"].to_list()[1::3]]
    assert_frame_equal(
        result_table(ws, declaration_id, mask=True, row_numbers=some),
        whole.filter(pl.col("row_no").is_in(some)),
    )


def test_an_update_keeping_stored_values_skips_columns_of_nulls(registry_ws: Workspace) -> None:
    ws = registry_ws
    changes = pl.DataFrame(
        {
            "person_id": [KNOWN[0], KNOWN[1]],
            "phone": ["13900000000", None],
            "identity": pl.Series([None, None], dtype=pl.String),
        }
    )
    with ws.transaction():
        assert (
            stored.update_from_frame(ws, "persons", changes, key="person_id", keep_existing=True)
            == 2
        )
        nulls_only = changes.select("person_id", "identity")
        assert (
            stored.update_from_frame(ws, "persons", nulls_only, key="person_id", keep_existing=True)
            == 2
        )
    after = ws.sql("SELECT person_id, phone, identity FROM persons ORDER BY person_id")
    assert sorted(after.rows()) == sorted(
        [(KNOWN[0], "13900000000", None), (KNOWN[1], None, "4"), (KNOWN[2], None, None)]
    )
    with ws.transaction():  # without keep_existing a null is written
        stored.update_from_frame(ws, "persons", nulls_only, key="person_id")
    assert ws.sql("SELECT identity FROM persons WHERE person_id = ?", [KNOWN[1]]).item() is None
