"""Migration 016: insured_periods without its primary-key index; the ids stay unique."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest

from sbbatch.store import Workspace, migrations

UNIT = "0010118873"


def _old_workspace(path: Path) -> None:
    """A workspace written by the sbbatch before migration 016, with three periods in it."""
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
        "applied_at TIMESTAMP NOT NULL)"
    )
    for number, migration in migrations():
        if number < 16:
            con.execute(migration.read_text(encoding="utf-8"))
            con.execute("INSERT INTO schema_version VALUES (?, ?, now())", [number, migration.name])
    con.execute(
        "INSERT INTO units (unit_id, name, risk_class, payment_method) "
        "VALUES (?, '济南测试', 1, '2')",
        [UNIT],
    )
    con.execute(
        "INSERT INTO insured_periods (unit_id, person_id, insurance, person_category, "
        "from_month, until_month, leave_reason, opened_by) VALUES "
        "(?, '370102199001011231', '1', '1', DATE '2020-01-01', NULL, NULL, 'D1'), "
        "(?, '370102199001011231', '2', '1', DATE '2020-01-01', DATE '2024-05-01', '1', 'D1'), "
        "(?, '37010219850505234X', '1', '1', DATE '2021-03-01', NULL, NULL, NULL)",
        [UNIT, UNIT, UNIT],
    )
    # an id taken out of the sequence and not used: the numbers go on after it
    con.execute("SELECT nextval('period_seq')")
    assert con.execute(
        "SELECT count(*) FROM duckdb_constraints() "
        "WHERE table_name = 'insured_periods' AND constraint_type = 'PRIMARY KEY'"
    ).fetchall() == [(1,)]
    con.close()


def _primary_keys(ws: Workspace) -> int:
    return int(
        ws.sql(
            "SELECT count(*) AS n FROM duckdb_constraints() "
            "WHERE table_name = 'insured_periods' AND constraint_type = 'PRIMARY KEY'"
        )["n"][0]
    )


def test_an_old_workspace_opens_with_its_periods_and_ids_kept(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    _old_workspace(path)
    con = duckdb.connect(str(path), read_only=True)
    before = pl.DataFrame(con.sql("SELECT * FROM insured_periods ORDER BY period_id").pl())
    columns = con.sql("SELECT * FROM insured_periods LIMIT 0").columns
    con.close()
    with Workspace(path, today=dt.date(2026, 11, 26)) as ws:
        assert ws.schema_version == max(n for n, _ in migrations())
        assert _primary_keys(ws) == 0
        after = ws.sql("SELECT * FROM insured_periods ORDER BY period_id")
        assert after.columns == columns
        assert after.equals(before)
        # the CHECK of 001 is still there
        with pytest.raises(duckdb.ConstraintException):
            ws.execute(
                "INSERT INTO insured_periods (unit_id, person_id, insurance, person_category, "
                "from_month, until_month) VALUES (?, 'x', '1', '1', DATE '2024-01-01', "
                "DATE '2023-01-01')",
                [UNIT],
            )
        # new periods take new ids after the old ones (and after the numbers the sequence
        # handed out and nobody kept)
        ws.insert_frame(
            "insured_periods",
            pl.DataFrame(
                {
                    "unit_id": [UNIT] * 2,
                    "person_id": ["370102197512121011"] * 2,
                    "insurance": ["1", "2"],
                    "person_category": ["1", "1"],
                    "from_month": [dt.date(2026, 11, 1)] * 2,
                }
            ),
        )
        ids = ws.sql("SELECT period_id FROM insured_periods ORDER BY period_id")["period_id"]
        assert ids.to_list()[:3] == [1, 2, 3]
        assert min(ids.to_list()[3:]) > 4
        assert ids.n_unique() == ids.len() == 5
    # and the file opens again as it is (nothing applied twice)
    with Workspace(path, today=dt.date(2026, 11, 26)) as ws:
        assert ws.table("insured_periods").height == 5


def test_a_new_workspace_has_no_period_index_and_unique_ids(ws: Workspace) -> None:
    assert _primary_keys(ws) == 0
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
    ids = ws.table("insured_periods")["period_id"]
    assert ids.null_count() == 0
    assert ids.n_unique() == ids.len() == 900
