"""Migration 018: persons without its primary-key index.

A workspace written before opens, migrates and keeps every person in the order it had;
the columns and their NOT NULLs stay. One row per person is then the writers' promise
(unit_files' upsert, enrolment's effects): held here through a first load, the same file
again and a newer snapshot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl
import pytest

from sbbatch.exceptions import UnusableInputError
from sbbatch.store import Workspace, migrations
from sbbatch.unit_files import load

UNIT = "0010118873"
#: the ``old_workspace`` fixture (tests/store/conftest.py)
OldWorkspace = Callable[[Path, int], duckdb.DuckDBPyConnection]
TODAY = dt.date(2026, 11, 26)
# not in the order of their ids: the migration keeps the rows' order
PERSONS = [
    ("37010219850505234X", "李四", "2", dt.date(1985, 5, 5), "13800000001"),
    ("370102199001011231", "张三", "1", dt.date(1990, 1, 1), None),
    ("370102197512121011", "王五", "1", dt.date(1975, 12, 12), None),
]


def _workspace_of_version(old_workspace: OldWorkspace, path: Path, version: int) -> None:
    """A workspace written by the sbbatch of schema ``version``, with persons in it."""
    con = old_workspace(path, version)
    con.execute(
        "INSERT INTO units (unit_id, name, risk_class, payment_method) "
        "VALUES (?, '济南测试', 1, '2')",
        [UNIT],
    )
    con.executemany(
        "INSERT INTO persons (person_id, name, gender, birth_date, phone) VALUES (?, ?, ?, ?, ?)",
        PERSONS,
    )
    con.close()


def _primary_keys(ws: Workspace, table: str) -> int:
    return int(
        ws.sql(
            "SELECT count(*) AS n FROM duckdb_constraints() "
            "WHERE table_name = ? AND constraint_type = 'PRIMARY KEY'",
            [table],
        )["n"][0]
    )


def test_a_workspace_of_version_17_keeps_its_persons_in_their_order(
    tmp_path: Path, old_workspace: OldWorkspace
) -> None:
    path = tmp_path / "old.duckdb"
    _workspace_of_version(old_workspace, path, 17)
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute(
        "SELECT count(*) FROM duckdb_constraints() "
        "WHERE table_name = 'persons' AND constraint_type = 'PRIMARY KEY'"
    ).fetchall() == [(1,)]
    before = pl.DataFrame(con.sql("SELECT * FROM persons"))
    con.close()
    with Workspace(path, today=TODAY) as ws:
        assert ws.schema_version == max(n for n, _ in migrations())
        assert _primary_keys(ws, "persons") == 0
        after = ws.sql("SELECT * FROM persons ORDER BY rowid")
        assert after.schema == before.schema
        assert after.equals(before)
        assert after["person_id"].to_list() == [p[0] for p in PERSONS]
        # the NOT NULLs of 001 are still there
        with pytest.raises(duckdb.ConstraintException):
            ws.execute(
                "INSERT INTO persons (person_id, name, gender, birth_date) "
                "VALUES ('370102200001011234', NULL, '1', DATE '2000-01-01')"
            )
    with Workspace(path, today=TODAY) as ws:  # and it opens again as it is
        assert ws.table("persons").height == len(PERSONS)


def test_loads_keep_one_row_per_person_without_the_index(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    Workspace.create(path, today=TODAY).close()
    first = pl.DataFrame(
        {
            "身份证号码": ["370102199001011231", "370102197512121011"],
            "姓名": ["张三", "王五"],
            "人员类别": ["城镇制", "城镇制"],
            "参保年月": ["2020-01", "2026-10"],
        }
    )
    newer = pl.concat(
        [
            first.with_columns(pl.col("姓名").replace({"王五": "王小五"})),
            pl.DataFrame(
                {
                    "身份证号码": ["37010219850505234X"],
                    "姓名": ["李四"],
                    "人员类别": ["城镇制"],
                    "参保年月": ["2026-11"],
                }
            ),
        ]
    )
    with Workspace(path, today=TODAY) as ws:
        ws.execute(
            "INSERT INTO units (unit_id, name, risk_class, payment_method) "
            "VALUES (?, '济南测试', 1, '2')",
            [UNIT],
        )
        assert _primary_keys(ws, "persons") == 0
        counts = []
        for frame in (first, first, newer, newer):
            done = load(ws, "persons", frame)
            counts.append((done.added, done.changed, done.unchanged))
            persons = ws.table("persons")
            assert persons["person_id"].is_unique().all()
        assert counts == [(2, 0, 0), (0, 0, 2), (1, 1, 1), (0, 0, 3)]
        assert persons.sort("person_id")["name"].to_list() == ["王小五", "李四", "张三"]


def test_an_insert_that_would_repeat_a_person_is_refused_whole(tmp_path: Path) -> None:
    people = pl.DataFrame(
        {
            "person_id": [p[0] for p in PERSONS],
            "name": [p[1] for p in PERSONS],
            "gender": [p[2] for p in PERSONS],
            "birth_date": [p[3] for p in PERSONS],
        }
    )
    with Workspace.create(tmp_path / "ws.duckdb", today=TODAY) as ws:
        assert ws.load(persons=people) == {"persons": 3}
        before = ws.table("persons")
        # the same persons again (as a second load of a world would): refused, as the
        # primary key refused it before migration 018
        with pytest.raises(UnusableInputError, match="3 个已在工作区中"):
            ws.load(persons=people)
        newcomer = people.head(1).with_columns(pl.lit("370102200001011236").alias("person_id"))
        with pytest.raises(UnusableInputError, match="2 行在要装入的数据中重复"):
            ws.insert_frame("persons", pl.concat([newcomer, newcomer]))
        with pytest.raises(UnusableInputError, match="1 个已在工作区中"):
            ws.insert_frame("persons", pl.concat([newcomer, people.tail(1)]))
        assert ws.table("persons").equals(before)
        assert ws.insert_frame("persons", newcomer) == 1
        assert ws.table("persons")["person_id"].is_unique().all()
