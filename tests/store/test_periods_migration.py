"""Migrations 016 and 017: insured_periods without its index, then without period_id;
loaded_rows without its index and without the facts of the load (file, loaded_at).

A workspace written before either opens, migrates and keeps every row and what
``sbbatch query loads --id`` shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl
import pytest

from sbbatch.store import Workspace, migrations
from sbbatch.store.unit_files import row_provenance
from sbbatch.unit_files import load

UNIT = "0010118873"
#: the ``old_workspace`` fixture (tests/store/conftest.py)
OldWorkspace = Callable[[Path, int], duckdb.DuckDBPyConnection]
TODAY = dt.date(2026, 11, 26)
PERIOD_COLUMNS = (
    "unit_id, person_id, insurance, person_category, from_month, until_month, add_reason, "
    "leave_reason, opened_by, closed_by"
)
# the provenance query of the sbbatch before migration 017 (file and time on every row)
OLD_PROVENANCE = (
    "SELECT kind, unit_id, row_key, file, sheet_row, loaded_at, load_id FROM loaded_rows "
    "ORDER BY kind, row_key"
)


def _old_workspace(old_workspace: OldWorkspace, path: Path, version: int) -> None:
    """A workspace written by the sbbatch of schema ``version``, with periods and loads in it."""
    con = old_workspace(path, version)
    con.execute(
        "INSERT INTO units (unit_id, name, risk_class, payment_method) "
        "VALUES (?, '济南测试', 1, '2')",
        [UNIT],
    )
    # the periods' ids are not in the order of their insertion: the migration keeps the
    # order of the ids
    con.executemany(
        "INSERT INTO insured_periods (period_id, unit_id, person_id, insurance, "
        "person_category, from_month, until_month, leave_reason, opened_by) "
        "VALUES (?, ?, ?, ?, '1', ?, ?, ?, ?)",
        [
            [3, UNIT, "37010219850505234X", "1", dt.date(2021, 3, 1), None, None, None],
            [1, UNIT, "370102199001011231", "1", dt.date(2020, 1, 1), None, None, "D1"],
            [
                2,
                UNIT,
                "370102199001011231",
                "2",
                dt.date(2020, 1, 1),
                dt.date(2024, 5, 1),
                "1",
                "D1",
            ],
        ],
    )
    con.execute("SELECT setval('period_seq', 4)")
    for file, day in [("/data/人员.xlsx", 20), ("/data/人员_新.xlsx", 26)]:  # loads 1 and 2
        con.execute(
            "INSERT INTO loads (kind, unit_id, file, loaded_at, rows_read, added, changed, "
            "unchanged, rejected) VALUES ('persons', ?, ?, ?, 2, 2, 0, 0, 0)",
            [UNIT, file, dt.datetime(2026, 11, day)],
        )
    con.execute(
        "INSERT INTO loaded_rows VALUES "
        "('persons', ?, '370102199001011231', 'a1', 1, '/data/人员.xlsx', 3, ?), "
        "('persons', ?, '37010219850505234X', 'b2', 2, '/data/人员_新.xlsx', 4, ?)",
        [UNIT, dt.datetime(2026, 11, 20), UNIT, dt.datetime(2026, 11, 26)],
    )
    con.close()


def _constraints(ws: Workspace, table: str, kind: str) -> int:
    return int(
        ws.sql(
            "SELECT count(*) AS n FROM duckdb_constraints() "
            "WHERE table_name = ? AND constraint_type = ?",
            [table, kind],
        )["n"][0]
    )


@pytest.mark.parametrize("version", [15, 16])
def test_an_old_workspace_opens_with_its_periods_in_the_order_of_their_ids(
    tmp_path: Path, version: int, old_workspace: OldWorkspace
) -> None:
    path = tmp_path / "old.duckdb"
    _old_workspace(old_workspace, path, version)
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute(
        "SELECT count(*) FROM duckdb_constraints() "
        "WHERE table_name = 'insured_periods' AND constraint_type = 'PRIMARY KEY'"
    ).fetchall() == [(1 if version < 16 else 0,)]
    before = pl.DataFrame(
        con.sql(f"SELECT {PERIOD_COLUMNS} FROM insured_periods ORDER BY period_id")
    )
    con.close()
    with Workspace(path, today=TODAY) as ws:
        assert ws.schema_version == max(n for n, _ in migrations())
        assert _constraints(ws, "insured_periods", "PRIMARY KEY") == 0
        assert "period_id" not in ws.table("insured_periods").columns
        assert (
            "period_seq"
            not in ws.sql("SELECT sequence_name FROM duckdb_sequences()")["sequence_name"].to_list()
        )
        after = ws.sql(f"SELECT {PERIOD_COLUMNS} FROM insured_periods ORDER BY rowid")
        assert after.columns == before.columns
        assert after.equals(before)
        # the CHECK of 001 is still there
        with pytest.raises(duckdb.ConstraintException):
            ws.execute(
                "INSERT INTO insured_periods (unit_id, person_id, insurance, person_category, "
                "from_month, until_month) VALUES (?, 'x', '1', '1', DATE '2024-01-01', "
                "DATE '2023-01-01')",
                [UNIT],
            )
        # new periods go after the old ones
        new = pl.DataFrame(
            {
                "unit_id": [UNIT] * 2,
                "person_id": ["370102197512121011"] * 2,
                "insurance": ["1", "2"],
                "person_category": ["1", "1"],
                "from_month": [dt.date(2026, 11, 1)] * 2,
            }
        )
        ws.insert_frame("insured_periods", new)
        stored = ws.sql("SELECT person_id, insurance FROM insured_periods ORDER BY rowid")
        assert stored.head(3).equals(before.select("person_id", "insurance"))
        assert stored.tail(2).equals(new.select("person_id", "insurance"))
    # and the file opens again as it is (nothing applied twice)
    with Workspace(path, today=TODAY) as ws:
        assert ws.table("insured_periods").height == 5


def test_a_workspace_of_version_16_keeps_the_provenance_it_showed(
    tmp_path: Path, old_workspace: OldWorkspace
) -> None:
    path = tmp_path / "old.duckdb"
    _old_workspace(old_workspace, path, 16)
    con = duckdb.connect(str(path), read_only=True)
    shown = pl.DataFrame(con.sql(OLD_PROVENANCE))
    con.close()
    with Workspace(path, today=TODAY) as ws:
        assert _constraints(ws, "loaded_rows", "PRIMARY KEY") == 0
        assert ws.table("loaded_rows").columns == [
            "kind",
            "unit_id",
            "row_key",
            "row_hash",
            "load_id",
            "sheet_row",
        ]
        assert row_provenance(ws).equals(shown)
        li = shown.filter(pl.col("row_key") == "37010219850505234X")
        assert li.height == 1
        assert row_provenance(ws, "37010219850505234X").equals(li)


def test_a_migrated_workspace_loads_and_reloads_with_one_row_per_key(
    tmp_path: Path, old_workspace: OldWorkspace
) -> None:
    path = tmp_path / "old.duckdb"
    _old_workspace(old_workspace, path, 16)
    frame = pl.DataFrame(
        {
            "身份证号码": ["370102199001011231", "370102197512121011"],
            "姓名": ["张三", "王五"],
            "人员类别": ["城镇制", "城镇制"],
            "参保年月": ["2020-01", "2026-10"],
        }
    )
    with Workspace(path, today=TODAY) as ws:
        first = load(ws, "persons", frame)
        again = load(ws, "persons", frame)
        assert (first.added, first.changed, first.unchanged) == (1, 1, 0)
        assert (again.added, again.changed, again.unchanged) == (0, 0, 2)
        stored = ws.table("loaded_rows")
        assert stored.height == 3
        assert stored.select("kind", "unit_id", "row_key").is_unique().all()
        provenance = row_provenance(ws)
        assert provenance.filter(pl.col("row_key") == "37010219850505234X")["file"].to_list() == [
            "/data/人员_新.xlsx"
        ]
        assert set(provenance.filter(pl.col("load_id") == first.load_id)["row_key"]) == {
            "370102199001011231",
            "370102197512121011",
        }
        # the period of 2020-01 was there already: updated, not opened twice
        zhang = ws.table("insured_periods").filter(
            (pl.col("person_id") == "370102199001011231") & (pl.col("insurance") == "1")
        )
        assert zhang.height == 1


def test_a_new_workspace_has_no_period_ids_and_no_provenance_index(ws: Workspace) -> None:
    assert _constraints(ws, "insured_periods", "PRIMARY KEY") == 0
    assert _constraints(ws, "loaded_rows", "PRIMARY KEY") == 0
    assert "period_id" not in ws.table("insured_periods").columns
    frame = pl.DataFrame(
        {
            "unit_id": [UNIT] * 300,
            "person_id": [f"P{i:05d}" for i in range(300)],
            "insurance": ["1"] * 300,
            "person_category": ["1"] * 300,
            "from_month": [dt.date(2026, 1, 1)] * 300,
        }
    )
    for _ in range(3):
        ws.insert_frame("insured_periods", frame)
    assert ws.table("insured_periods").height == 900


def test_upgrading_a_workspace_shows_progress_and_creating_one_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old_workspace: OldWorkspace
) -> None:
    import sbbatch.store._core as core

    shown: list[str] = []
    real_task = core.task

    def recording_task(message: str, **kwargs: object) -> object:
        shown.append(message)
        return real_task(message)

    monkeypatch.setattr(core, "task", recording_task)
    path = tmp_path / "old.duckdb"
    _old_workspace(old_workspace, path, 16)
    Workspace(path, today=TODAY).close()
    assert shown == [f"正在升级工作区到版本 {n}" for n, _ in migrations() if n > 16]
    shown.clear()
    Workspace.create(tmp_path / "new.duckdb", today=TODAY).close()
    Workspace(path, today=TODAY).close()
    assert shown == []
