"""Fixtures of the store tests: a workspace file as an older sbbatch wrote it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from sbbatch.store import migrations

OldWorkspace = Callable[[Path, int], duckdb.DuckDBPyConnection]


@pytest.fixture
def old_workspace() -> OldWorkspace:
    """Return a maker of workspace files of a schema version, open for the test's rows.

    The file has the migrations up to ``version`` and its ``schema_version`` rows, as
    the sbbatch of that version made it; the caller adds rows and closes the connection.
    """

    def make(path: Path, version: int) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(str(path))
        con.execute(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
            "applied_at TIMESTAMP NOT NULL)"
        )
        for number, migration in migrations():
            if number <= version:
                con.execute(migration.read_text(encoding="utf-8"))
                con.execute(
                    "INSERT INTO schema_version VALUES (?, ?, now())", [number, migration.name]
                )
        return con

    return make
