"""Migration 019: loaded_rows.row_hash as md5_number_lower instead of 32 hexadecimal
characters, converted so that a file loaded before still counts as unchanged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from sbbatch.store import Workspace
from sbbatch.unit_files import load

UNIT = "0010118873"
#: the ``old_workspace`` fixture (tests/store/conftest.py)
OldWorkspace = Callable[[Path, int], duckdb.DuckDBPyConnection]
TODAY = dt.date(2026, 11, 26)
CONTENTS = ["张三|1|1990-01-01", "", "x" * 500, "李四|2|1985-05-05|13800000001"]


def _workspace_of_version(old_workspace: OldWorkspace, path: Path, version: int) -> None:
    con = old_workspace(path, version)
    for i, content in enumerate(CONTENTS):  # the hash as the sbbatch of version 18 kept it
        con.execute(
            "INSERT INTO loaded_rows VALUES ('persons', ?, ?, md5(?), 1, ?)",
            [UNIT, f"K{i}", content, i + 2],
        )
    con.execute(  # a hash that is not an md5: counts as changed from now on
        "INSERT INTO loaded_rows VALUES ('persons', ?, 'K9', 'a1', 1, 11)", [UNIT]
    )
    con.close()


def test_the_hashes_become_the_numbers_of_the_same_values(
    tmp_path: Path, old_workspace: OldWorkspace
) -> None:
    path = tmp_path / "old.duckdb"
    _workspace_of_version(old_workspace, path, 18)
    with Workspace(path, today=TODAY) as ws:
        stored = ws.sql("SELECT row_key, row_hash, sheet_row FROM loaded_rows ORDER BY rowid")
        assert stored.schema["row_hash"] == pl.UInt64
        expected = [
            ws.sql("SELECT md5_number_lower(?) AS h", [content])["h"][0] for content in CONTENTS
        ]
        assert stored["row_hash"].to_list() == [*expected, 0]
        assert stored["row_key"].to_list() == [f"K{i}" for i in range(len(CONTENTS))] + ["K9"]
        assert stored["sheet_row"].to_list() == [2, 3, 4, 5, 11]


def test_a_file_loaded_before_the_migration_is_unchanged_after_it(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "身份证号码": ["370102199001011231", "370102197512121011"],
            "姓名": ["张三", "王五"],
            "人员类别": ["城镇制", "城镇制"],
            "参保年月": ["2020-01", "2026-10"],
        }
    )
    path = tmp_path / "ws.duckdb"
    with Workspace.create(path, today=TODAY) as ws:
        ws.execute(
            "INSERT INTO units (unit_id, name, risk_class, payment_method) "
            "VALUES (?, '济南测试', 1, '2')",
            [UNIT],
        )
        assert load(ws, "persons", frame).added == 2
        numbers = ws.sql("SELECT row_key, row_hash FROM loaded_rows ORDER BY row_key")
    # what the sbbatch of version 18 had kept for the same load: the hex digest. The
    # digest's last eight bytes, little-endian, are the number (md5_number_lower)
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE loaded_rows ALTER COLUMN row_hash TYPE VARCHAR")
    hexes = {
        key: f"{value:016x}"
        for key, value in zip(numbers["row_key"], numbers["row_hash"], strict=True)
    }
    for key, low in hexes.items():
        little = "".join(reversed([low[i : i + 2] for i in range(0, 16, 2)]))
        con.execute(
            "UPDATE loaded_rows SET row_hash = ? WHERE row_key = ?", ["0" * 16 + little, key]
        )
    con.execute("DELETE FROM schema_version WHERE version >= 19")
    con.close()
    with Workspace(path, today=TODAY) as ws:
        assert ws.table("loaded_rows")["row_hash"].to_list() == numbers["row_hash"].to_list()
        again = load(ws, "persons", frame)
        assert (again.added, again.changed, again.unchanged) == (0, 0, 2)
