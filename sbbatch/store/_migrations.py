"""The migrations of a workspace and the check that a file is a whole sbbatch workspace.

The schema comes from the numbered migrations in ``schemas/ddl/``; :func:`verify`
refuses, reading only, a file that is not a workspace written by them (a foreign
DuckDB file, one made half-way, one newer than this program).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from sbbatch._resources import schemas_dir
from sbbatch.exceptions import UnusableInputError, WorkspaceVersionError

__all__ = ["MIGRATION_NAME", "migrations", "not_a_workspace", "verify"]

MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, Path]]:
    """Return the numbered migrations of ``schemas/ddl`` in order."""
    found = []
    for path in sorted((schemas_dir() / "ddl").glob("*.sql")):
        match = MIGRATION_NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return found


_CREATED_TABLE = re.compile(r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?\"?(\w+)", re.IGNORECASE)


def _created_tables(migration: Path) -> set[str]:
    """Return the tables a migration creates (read from its SQL)."""
    return set(_CREATED_TABLE.findall(migration.read_text(encoding="utf-8")))


def not_a_workspace(path: Path, why: str) -> str:
    return (
        f"文件 {path} 不是 sbbatch 工作区（{why}），未作任何改动。"
        f"提示：请检查 --db 的文件名是否写错；新的工作区请用 sbbatch init {path.name} "
        "--unit 单位编号 --name 单位名称 建立。"
    )


def verify(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Refuse a file that is not a whole sbbatch workspace, reading only.

    A workspace has a ``schema_version`` table whose rows name our migrations, and
    every table those migrations create. A newer workspace raises
    :class:`WorkspaceVersionError`; anything else (a foreign DuckDB file, one made
    half-way) raises :class:`UnusableInputError`.
    """
    try:
        tables = {
            row[0]
            for row in con.execute(
                "SELECT table_name FROM duckdb_tables() "
                "WHERE database_name = current_database() AND schema_name = 'main'"
            ).fetchall()
        }
        if "schema_version" not in tables:
            raise UnusableInputError(not_a_workspace(path, "没有 sbbatch 的版本记录"))
        rows = con.execute("SELECT version, name FROM schema_version").fetchall()
    except duckdb.Error as exc:
        raise UnusableInputError(not_a_workspace(path, f"无法读取版本记录：{exc}")) from None
    known = dict(migrations())
    versions: set[int] = set()
    for version, name in rows:
        match = MIGRATION_NAME.match(str(name))
        if not isinstance(version, int) or not match or int(match.group(1)) != version:
            raise UnusableInputError(not_a_workspace(path, "版本记录不是 sbbatch 写的"))
        versions.add(version)
    if not versions:
        raise UnusableInputError(not_a_workspace(path, "版本记录是空的"))
    newest = max(known)
    if max(versions) > newest:
        msg = (
            f"工作区 {path} 的版本为 {max(versions)}，本程序只认识到版本 {newest}。"
            "提示：请升级 sbbatch（pip install -U sbbatch）后再打开。"
        )
        raise WorkspaceVersionError(msg)
    first = min(known)
    if first not in versions or any(known[v].name != n for v, n in rows):
        raise UnusableInputError(not_a_workspace(path, "版本记录与 sbbatch 的迁移不符"))
    expected = set().union(*(_created_tables(known[v]) for v in versions))
    missing = sorted(expected - tables)
    if missing:
        why = f"缺少表 {'、'.join(missing[:5])}{'等' if len(missing) > 5 else ''}，可能建立时中断了"
        raise UnusableInputError(not_a_workspace(path, why))
