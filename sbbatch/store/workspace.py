"""The DuckDB workspace (工作区): the registry, the declarations and their event log.

A workspace is one DuckDB file (or an in-memory database). Its schema comes from the
numbered migrations in ``schemas/ddl/``; the version applied is recorded in the file.
Every mutation runs in one transaction, so a failure half-way leaves the workspace
exactly as it was. The agency's clock (``today``) is injectable.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from sbbatch import codes
from sbbatch._clock import system_now
from sbbatch._resources import schemas_dir
from sbbatch.exceptions import (
    InvalidTransitionError,
    SbbatchError,
    UnusableInputError,
    WorkspaceLockedError,
    WorkspaceVersionError,
)
from sbbatch.store import workflow

__all__ = ["REGISTRY_TABLES", "Workspace", "migrations"]

#: Tables that :meth:`Workspace.load` fills from frames, in dependency order.
REGISTRY_TABLES = ("units", "persons", "insured_periods", "wage_bases")

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")

# dtypes a declaration row may carry, by the name stored in ``row_schema``
_DTYPES: dict[str, pl.DataType] = {
    "String": pl.String(),
    "Date": pl.Date(),
    "Int64": pl.Int64(),
    "Int32": pl.Int32(),
    "Boolean": pl.Boolean(),
}


def migrations() -> list[tuple[int, Path]]:
    """Return the numbered migrations of ``schemas/ddl`` in order."""
    found = []
    for path in sorted((schemas_dir() / "ddl").glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return found


def _dtype_name(dtype: pl.DataType) -> str:
    for name, known in _DTYPES.items():
        if dtype == known:
            return name
    msg = f"申报数据列的类型 {dtype} 不受支持。提示：金额请用整数分，日期用 Date。"
    raise UnusableInputError(msg)


_CREATED_TABLE = re.compile(r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?\"?(\w+)", re.IGNORECASE)


def _created_tables(migration: Path) -> set[str]:
    """Return the tables a migration creates (read from its SQL)."""
    return set(_CREATED_TABLE.findall(migration.read_text(encoding="utf-8")))


def _not_a_workspace(path: Path, why: str) -> str:
    return (
        f"文件 {path} 不是 sbbatch 工作区（{why}），未作任何改动。"
        f"提示：请检查 --db 的文件名是否写错；新的工作区请用 sbbatch init {path.name} "
        "--unit 单位编号 --name 单位名称 建立。"
    )


def _verify(con: duckdb.DuckDBPyConnection, path: Path) -> None:
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
            raise UnusableInputError(_not_a_workspace(path, "没有 sbbatch 的版本记录"))
        rows = con.execute("SELECT version, name FROM schema_version").fetchall()
    except duckdb.Error as exc:
        raise UnusableInputError(_not_a_workspace(path, f"无法读取版本记录：{exc}")) from None
    known = dict(migrations())
    versions: set[int] = set()
    for version, name in rows:
        match = _MIGRATION_NAME.match(str(name))
        if not isinstance(version, int) or not match or int(match.group(1)) != version:
            raise UnusableInputError(_not_a_workspace(path, "版本记录不是 sbbatch 写的"))
        versions.add(version)
    if not versions:
        raise UnusableInputError(_not_a_workspace(path, "版本记录是空的"))
    newest = max(known)
    if max(versions) > newest:
        msg = (
            f"工作区 {path} 的版本为 {max(versions)}，本程序只认识到版本 {newest}。"
            "提示：请升级 sbbatch（pip install -U sbbatch）后再打开。"
        )
        raise WorkspaceVersionError(msg)
    first = min(known)
    if first not in versions or any(known[v].name != n for v, n in rows):
        raise UnusableInputError(_not_a_workspace(path, "版本记录与 sbbatch 的迁移不符"))
    expected = set().union(*(_created_tables(known[v]) for v in versions))
    missing = sorted(expected - tables)
    if missing:
        why = f"缺少表 {'、'.join(missing[:5])}{'等' if len(missing) > 5 else ''}，可能建立时中断了"
        raise UnusableInputError(_not_a_workspace(path, why))


def _create_file(
    path: Path,
    today: dt.date,
    *,
    unit: Mapping[str, Any] | None = None,
    user: str = "sbbatch",
) -> None:
    """Build a new workspace beside ``path`` and rename it into place when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    wal = part.with_name(part.name + ".wal")
    try:
        ws = Workspace._wrap(duckdb.connect(str(part)), part, today, user)
        try:
            ws._migrate()
            if unit is not None:
                ws._check_unit_row(unit)
                ws.load(units=pl.DataFrame([dict(unit)]))
        finally:
            ws.close()
        if path.exists():
            msg = f"文件 {path} 已存在，不会覆盖。"
            raise UnusableInputError(msg)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
        wal.unlink(missing_ok=True)


class Workspace:
    """A DuckDB workspace holding a unit's registry, declarations and events.

    Args:
        path: The workspace file; ``None`` or ``":memory:"`` for an in-memory one.
        today: The agency's date (经办日期). Defaults to the system date, read once.
        user: Who acts, recorded in the event log.
        read_only: Open without writing (several readers may share a file).

    Examples:
        >>> ws = Workspace(today=dt.date(2026, 11, 26))
        >>> ws.schema_version == max(number for number, _ in migrations())
        True
        >>> ws.today
        datetime.date(2026, 11, 26)
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        today: dt.date | None = None,
        user: str = "sbbatch",
        read_only: bool = False,
        create: bool = False,
    ) -> None:
        self.path = None if path is None or str(path) == ":memory:" else Path(path)
        self.user = user
        self._today = today or system_now().date()
        self._fault: Callable[[str], None] | None = None
        self._depth = 0
        if self.path is not None and not self.path.exists():
            if not create or read_only:
                msg = (
                    f"工作区文件 {self.path} 不存在。"
                    f"提示：请先用 sbbatch init {self.path} --unit 单位编号 --name 单位名称 建立工作区，"
                    "或检查文件名是否写错。"
                )
                raise UnusableInputError(msg)
            _create_file(self.path, self._today)
        if self.path is not None and self.path.stat().st_size == 0:
            raise UnusableInputError(_not_a_workspace(self.path, "文件是空的"))
        target = ":memory:" if self.path is None else str(self.path)
        try:
            self._con = duckdb.connect(target, read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                msg = (
                    f"工作区正被另一个进程使用：{self.path}。"
                    "提示：请先关闭正在使用该文件的 notebook 或 sbbatch 命令，再重试。"
                )
                raise WorkspaceLockedError(msg) from None
            if "not a valid duckdb" in str(exc).lower():
                msg = (
                    f"无法打开工作区文件 {self.path}：它不是 DuckDB 数据库文件，也就不是 sbbatch 工作区，"
                    "未作任何改动。提示：请检查 --db 的文件名是否写错。"
                )
            else:
                msg = f"无法打开工作区文件 {self.path}：{exc}"
            raise UnusableInputError(msg) from None
        except duckdb.Error as exc:
            msg = f"无法打开工作区文件 {self.path}，它可能不是 sbbatch 工作区。（{exc}）"
            raise UnusableInputError(msg) from None
        if self.path is None:
            self._migrate()
            return
        try:
            _verify(self._con, self.path)  # reads only: nothing is written into a foreign file
        except BaseException:
            self._con.close()
            raise
        if not read_only:
            self._migrate()

    @classmethod
    def create(
        cls,
        path: str | Path,
        *,
        today: dt.date | None = None,
        user: str = "sbbatch",
        unit: Mapping[str, Any] | None = None,
    ) -> Workspace:
        """Create a NEW workspace file (建立工作区), optionally with its unit, and open it.

        The file is built beside ``path`` and renamed into place when complete, so an
        interrupted creation leaves no half-made workspace. An existing file is refused.

        Args:
            path: The workspace file to create; it must not exist.
            today: The agency's date (经办日期).
            user: Who acts, recorded in the event log.
            unit: A row of the ``units`` table (``unit_id``, ``name``, ``risk_class``,
                ``payment_method`` …) to insert into the new workspace.
        """
        target = Path(path)
        if target.exists():
            msg = f"文件 {target} 已存在，不会覆盖。提示：换一个文件名，或直接用 --db {target} 打开它。"
            raise UnusableInputError(msg)
        _create_file(target, today or system_now().date(), unit=unit, user=user)
        return cls(target, today=today, user=user)

    @classmethod
    def _wrap(
        cls, con: duckdb.DuckDBPyConnection, path: Path, today: dt.date, user: str
    ) -> Workspace:
        """Wrap an open connection (of a file being built) without the checks of opening."""
        ws = cls.__new__(cls)
        ws.path, ws.user, ws._today = path, user, today
        ws._fault, ws._depth, ws._con = None, 0, con
        return ws

    def _check_unit_row(self, unit: Mapping[str, Any]) -> None:
        columns = set(self.sql("SELECT * FROM units LIMIT 0").columns)
        unknown = set(unit) - columns
        if unknown:
            msg = f"单位信息没有这些字段：{'、'.join(sorted(unknown))}。"
            raise UnusableInputError(msg)

    # -- lifecycle ---------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection; the file stays as it is."""
        self._con.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = "内存" if self.path is None else str(self.path)
        return f"Workspace({where}, today={self._today.isoformat()}, version={self.schema_version})"

    # -- clock ---------------------------------------------------------------------------

    @property
    def today(self) -> dt.date:
        """The agency's date (经办日期) used by every rule and timestamp."""
        return self._today

    def set_today(self, today: dt.date) -> None:
        """Move the agency's clock (for simulations of later months)."""
        self._today = today

    def now(self) -> dt.datetime:
        """Return the timestamp recorded in events: the agency's date at midnight."""
        return dt.datetime.combine(self._today, dt.time())

    # -- schema --------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        """The number of the last migration applied to this workspace."""
        rows = self._con.execute("SELECT max(version) FROM schema_version").fetchall()
        return int(rows[0][0] or 0)

    def _check_version(self) -> None:
        known = max(number for number, _ in migrations())
        has_table = self._con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
        ).fetchall()[0][0]
        if has_table and self.schema_version > known:
            msg = (
                f"工作区 {self.path} 的版本为 {self.schema_version}，本程序只认识到版本 {known}。"
                "提示：请升级 sbbatch（pip install -U sbbatch）后再打开。"
            )
            self._con.close()
            raise WorkspaceVersionError(msg)

    def _migrate(self) -> None:
        self._con.execute(
            "CREATE TABLE IF NOT EXISTS schema_version "
            "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
        )
        self._check_version()
        applied = {
            row[0] for row in self._con.execute("SELECT version FROM schema_version").fetchall()
        }
        for number, path in migrations():
            if number in applied:  # a migration numbered below the last applied still runs
                continue
            with self.transaction():
                self._con.execute(path.read_text(encoding="utf-8"))
                self._con.execute(
                    "INSERT INTO schema_version VALUES (?, ?, ?)", [number, path.name, self.now()]
                )

    # -- transactions and reading --------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block as one transaction: all of it is kept, or none of it.

        Nested blocks join the outermost transaction, so a service that calls
        another service stays one transaction.
        """
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._con.execute("BEGIN TRANSACTION")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self._con.execute("ROLLBACK")
            raise
        self._depth = 0
        self._con.execute("COMMIT")

    def _checkpoint(self, name: str) -> None:
        """Give tests a place to inject a failure in the middle of a mutation."""
        if self._fault is not None:
            self._fault(name)

    def sql(self, query: str, params: list[Any] | Mapping[str, Any] | None = None) -> pl.DataFrame:
        """Run a read query with parameters and return the result as a polars frame."""
        return self._con.sql(query, params=params or None).pl()

    @contextmanager
    def registered(self, **frames: pl.DataFrame) -> Iterator[None]:
        """Make polars frames readable by name in :meth:`sql` for the block (no copy)."""
        for name, frame in frames.items():
            self._con.register(name, frame.to_arrow())
        try:
            yield
        except BaseException:
            # after a failed statement the transaction is aborted and unregistering
            # fails too; keep the first error, which says what went wrong
            for name in frames:
                with suppress(duckdb.Error):
                    self._con.unregister(name)
            raise
        for name in frames:
            self._con.unregister(name)

    def transition(
        self, declaration_id: str, action: str, note: str | None = None
    ) -> dict[str, Any]:
        """Move a declaration through ``action`` inside the caller's transaction; return its header.

        For the effects of one declaration on another (a 撤销 business revoking the
        declaration it names); the caller runs it within :meth:`transaction`.
        """
        return self._transition(declaration_id, action, note)

    def execute(self, query: str, params: list[Any] | Mapping[str, Any] | None = None) -> None:
        """Run a statement with parameters (callers wrap it in :meth:`transaction`)."""
        self._con.execute(query, params or []).fetchall()

    def insert_frame(self, table: str, frame: pl.DataFrame) -> int:
        """Append a frame's rows to ``table`` matching columns by name; return the count."""
        if table not in self._table_names():
            msg = f"工作区没有表 {table}。"
            raise UnusableInputError(msg)
        if frame.height == 0:
            return 0
        columns = ", ".join(f'"{name}"' for name in frame.columns)
        with self.registered(_sbbatch_frame=frame):
            self._con.execute(
                f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM _sbbatch_frame'
            )
        return frame.height

    def _table_names(self) -> set[str]:
        rows = self._con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        return {row[0] for row in rows}

    def table(self, name: str) -> pl.DataFrame:
        """Return a whole registry table (units, persons, insured_periods, ...)."""
        if name not in self._table_names():
            msg = f"工作区没有表 {name}。"
            raise UnusableInputError(msg)
        return self._con.sql(f'SELECT * FROM "{name}"').pl()

    # -- registry ------------------------------------------------------------------------

    def load(self, **frames: pl.DataFrame) -> dict[str, int]:
        """Load registry frames (units, persons, insured_periods, wage_bases) in one transaction.

        Returns:
            The number of rows inserted per table.
        """
        unknown = set(frames) - set(REGISTRY_TABLES)
        if unknown:
            msg = f"不能装入这些表：{'、'.join(sorted(unknown))}。"
            raise UnusableInputError(msg)
        counts: dict[str, int] = {}
        with self.transaction():
            for name in REGISTRY_TABLES:
                if name in frames:
                    counts[name] = self.insert_frame(name, frames[name])
                    self._checkpoint(f"load:{name}")
            self._log(None, "load", None, None, json.dumps(counts, ensure_ascii=False))
        return counts

    def unit(self, unit_id: str) -> dict[str, Any]:
        """Return the ``units`` row of ``unit_id``, or raise a Chinese error for an unknown unit."""
        found = self.sql("SELECT * FROM units WHERE unit_id = ?", [unit_id])
        if found.height == 0:
            msg = f"单位编号「{unit_id}」不在工作区中。提示：先装入单位信息，或检查单位编号。"
            raise UnusableInputError(msg)
        return found.row(0, named=True)

    def summary(self) -> dict[str, pl.DataFrame]:
        """Summarise what the workspace holds, with Chinese column names for display."""
        units = self.sql(
            "SELECT u.unit_id AS 单位编号, u.name AS 单位名称, u.risk_class AS 行业风险类别, "
            "count(DISTINCT p.person_id) FILTER (WHERE p.until_month IS NULL) AS 在保人数 "
            "FROM units u LEFT JOIN insured_periods p USING (unit_id) "
            "GROUP BY ALL ORDER BY 单位编号"
        )
        periods = self.sql(
            "SELECT insurance AS 险种, count(*) AS 参保段数, "
            "count(*) FILTER (WHERE until_month IS NULL) AS 未终止, "
            "count(DISTINCT person_id) AS 人数 FROM insured_periods GROUP BY ALL ORDER BY 险种"
        )
        wages = self.sql(
            "SELECT strftime(month, '%Y-%m') AS 申报年月, count(*) AS 人数, "
            "sum(wage_fen) AS 缴费工资合计_分 FROM wage_bases WHERE revoked_by IS NULL "
            "GROUP BY ALL ORDER BY 申报年月"
        )
        persons = self.sql(
            "SELECT count(*) AS 人数, count(*) FILTER (WHERE gender = '1') AS 男, "
            "count(*) FILTER (WHERE gender = '2') AS 女 FROM persons"
        )
        return {"units": units, "persons": persons, "insured_periods": periods, "wage_bases": wages}

    # -- declarations ----------------------------------------------------------------------

    def _next_number(self, name: str) -> int:
        self._con.execute(
            "INSERT INTO counters VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1",
            [name],
        )
        return int(
            self._con.execute("SELECT value FROM counters WHERE name = ?", [name]).fetchall()[0][0]
        )

    def _log(
        self,
        declaration_id: str | None,
        action: str,
        from_status: str | None,
        to_status: str | None,
        note: str | None = None,
    ) -> None:
        self._con.execute(
            "INSERT INTO events (declaration_id, action, from_status, to_status, occurred_at, by_user, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [declaration_id, action, from_status, to_status, self.now(), self.user, note],
        )

    def log_effect(self, declaration_id: str | None, note: str) -> None:
        """Append an ``effect`` event: what an approved declaration changed in the registry."""
        self._log(declaration_id, "effect", None, None, note)

    def create_declaration(
        self,
        kind: str,
        unit_id: str,
        rows: pl.DataFrame,
        *,
        business_month: dt.date | None = None,
        parent_id: str | None = None,
        note: str | None = None,
    ) -> str:
        """Record a new draft (录入) declaration of ``kind`` with its rows; return its number.

        ``rows`` holds the business's fields; the optional columns ``source_row`` (the
        spreadsheet row) and ``person_id`` are kept apart for look-ups.
        """
        with self.transaction():
            declaration_id = self._insert_declaration(
                kind, unit_id, rows, business_month=business_month, parent_id=parent_id, note=note
            )
        return declaration_id

    def _insert_declaration(
        self,
        kind: str,
        unit_id: str,
        rows: pl.DataFrame,
        *,
        business_month: dt.date | None,
        parent_id: str | None,
        note: str | None,
    ) -> str:
        kind = workflow.resolve_kind(kind)
        prefix = workflow.kind_prefix(kind)
        self.unit(unit_id)
        number = self._next_number(f"declaration:{self._today:%Y%m}")
        declaration_id = f"{prefix}{self._today:%Y%m}{number:05d}"
        data_columns = [c for c in rows.columns if c not in ("source_row", "row_no")]
        row_schema = {name: _dtype_name(rows.schema[name]) for name in data_columns}
        self._con.execute(
            "INSERT INTO declarations VALUES (?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?)",
            [
                declaration_id,
                kind,
                unit_id,
                business_month,
                self.now(),
                self.user,
                parent_id,
                json.dumps(row_schema),
                note,
            ],
        )
        self._insert_rows(declaration_id, rows, data_columns)
        self._checkpoint("declare:rows")
        self._log(declaration_id, "create", None, "draft", note)
        return declaration_id

    def _insert_rows(
        self, declaration_id: str, rows: pl.DataFrame, data_columns: list[str]
    ) -> None:
        stored = rows.select(
            pl.lit(declaration_id).alias("declaration_id"),
            pl.int_range(1, pl.len() + 1, dtype=pl.Int32).alias("row_no"),
            (
                pl.col("source_row").cast(pl.Int32)
                if "source_row" in rows.columns
                else pl.lit(None, pl.Int32)
            ).alias("source_row"),
            (pl.col("person_id") if "person_id" in rows.columns else pl.lit(None, pl.String)).alias(
                "person_id"
            ),
            pl.struct(data_columns).struct.json_encode().alias("data")
            if data_columns
            else pl.lit("{}").alias("data"),
        )
        self.insert_frame("declaration_rows", stored)

    def declaration(self, declaration_id: str) -> dict[str, Any]:
        """Return the header of one declaration as a dict, or raise a Chinese error."""
        found = self.sql("SELECT * FROM declarations WHERE declaration_id = ?", [declaration_id])
        if found.height == 0:
            msg = f"找不到申报「{declaration_id}」。"
            raise UnusableInputError(msg)
        return found.row(0, named=True)

    def declarations(self, **filters: Any) -> pl.DataFrame:
        """Return declarations, filtered by equality on any column (kind, unit_id, status…)."""
        clauses, params = [], []
        allowed = set(self.sql("SELECT * FROM declarations LIMIT 0").columns)
        for name, value in filters.items():
            if value is None:
                continue
            if name not in allowed:
                msg = f"申报没有字段 {name}。"
                raise UnusableInputError(msg)
            clauses.append(f'"{name}" = ?')
            params.append(value)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        return self.sql(f"SELECT * FROM declarations {where} ORDER BY declaration_id", params)

    def declaration_rows(self, declaration_id: str) -> pl.DataFrame:
        """Return a declaration's rows with their fields decoded, review outcome and row numbers."""
        header = self.declaration(declaration_id)
        schema = {
            name: _DTYPES[type_name] for name, type_name in json.loads(header["row_schema"]).items()
        }
        raw = self.sql(
            "SELECT row_no, source_row, data, review_result, review_opinion "
            "FROM declaration_rows WHERE declaration_id = ? ORDER BY row_no",
            [declaration_id],
        )
        if not schema:
            return raw.drop("data")
        decoded = raw.with_columns(pl.col("data").str.json_decode(pl.Struct(schema))).unnest("data")
        return decoded.select("row_no", "source_row", *schema, "review_result", "review_opinion")

    def modify_declaration(
        self, declaration_id: str, rows: pl.DataFrame, note: str | None = None
    ) -> None:
        """Replace the rows of a draft declaration (修改)."""
        with self.transaction():
            header = self._transition(declaration_id, "modify", note)
            data_columns = [c for c in rows.columns if c not in ("source_row", "row_no")]
            row_schema = {name: _dtype_name(rows.schema[name]) for name in data_columns}
            self._con.execute(
                "DELETE FROM declaration_rows WHERE declaration_id = ?", [declaration_id]
            )
            self._checkpoint("modify:deleted")
            self._insert_rows(declaration_id, rows, data_columns)
            self._con.execute(
                "UPDATE declarations SET row_schema = ? WHERE declaration_id = ?",
                [json.dumps(row_schema), header["declaration_id"]],
            )

    def _transition(
        self, declaration_id: str, action: str, note: str | None = None
    ) -> dict[str, Any]:
        header = self.declaration(declaration_id)
        transition = workflow.find_transition(action, header["status"])
        if transition.guard == "revocable" and not workflow.kind_revocable(header["kind"]):
            title = workflow.kind_title(header["kind"])
            msg = f"「{title}」不能撤销。"
            raise InvalidTransitionError(msg)
        if transition.guard == "has_failures" and not self._has_failures(declaration_id):
            msg = "审核已全部通过的申报不能作废。提示：如需更正，请另行申报。"
            raise InvalidTransitionError(msg)
        if transition.to_status != header["status"]:
            self._con.execute(
                "UPDATE declarations SET status = ? WHERE declaration_id = ?",
                [transition.to_status, declaration_id],
            )
        self._log(declaration_id, action, header["status"], transition.to_status, note)
        return header

    def _has_failures(self, declaration_id: str) -> bool:
        rows = self._con.execute(
            "SELECT count(*) FROM declaration_rows WHERE declaration_id = ? AND review_result = '2'",
            [declaration_id],
        ).fetchall()
        return bool(rows[0][0])

    def submit(self, declaration_id: str, note: str | None = None) -> None:
        """Submit a draft (提交) to the agency."""
        with self.transaction():
            self._transition(declaration_id, "submit", note)

    def void(self, declaration_id: str, note: str | None = None) -> None:
        """Void (作废) a draft, or a reviewed declaration that had rejected rows."""
        with self.transaction():
            self._transition(declaration_id, "void", note)

    def revoke(
        self,
        declaration_id: str,
        note: str | None = None,
        effects: Callable[[Workspace, dict[str, Any]], None] | None = None,
    ) -> None:
        """Revoke (撤销) a read declaration of a business that allows it, with its effects."""
        with self.transaction():
            header = self._transition(declaration_id, "revoke", note)
            if effects is not None:
                effects(self, header)

    def record_review(
        self,
        declaration_id: str,
        results: pl.DataFrame,
        effects: Callable[[Workspace, pl.DataFrame], None] | None = None,
        note: str | None = None,
    ) -> None:
        """Record the agency's review (审核) of a submitted declaration, and apply its effects.

        Args:
            declaration_id: A declaration in state ``submitted``.
            results: One row per declaration row: ``row_no``, ``review_result``
                ('1' 审核成功 / '2' 不通过) and ``review_opinion`` (审核意见).
            effects: Called inside the same transaction with the approved rows, to
                change the registry (open or close insured periods, …).
            note: Recorded in the event log.
        """
        self.declaration(declaration_id)  # a clear error for an unknown number
        expected = self._con.execute(
            "SELECT count(*) FROM declaration_rows WHERE declaration_id = ?", [declaration_id]
        ).fetchall()[0][0]
        if results.height != expected or results["row_no"].n_unique() != expected:
            msg = f"审核结果有 {results.height} 行，申报有 {expected} 行，二者必须一一对应。"
            raise SbbatchError(msg)
        allowed = codes.table("review_result")["code"].to_list()
        unknown = sorted(
            set(results["review_result"].cast(pl.String).to_list()) - set(allowed), key=str
        )
        if unknown:
            labels = "、".join(
                f"{c} {label}"
                for c, label in codes.table("review_result").select("code", "label").rows()
            )
            msg = (
                f"审核结果代码 {'、'.join(map(str, unknown))} 无效。提示：审核结果只能是 {labels}。"
            )
            raise UnusableInputError(msg)
        with self.transaction():
            self._transition(declaration_id, "review", note)
            review = results.select("row_no", "review_result", "review_opinion")
            with self.registered(_sbbatch_review=review):
                self._con.execute(
                    "UPDATE declaration_rows AS d SET review_result = r.review_result, "
                    "review_opinion = r.review_opinion FROM _sbbatch_review AS r "
                    "WHERE d.declaration_id = ? AND d.row_no = r.row_no",
                    [declaration_id],
                )
            self._checkpoint("review:recorded")
            if effects is not None:
                approved = self.declaration_rows(declaration_id).filter(
                    pl.col("review_result") == "1"
                )
                effects(self, approved)
                self._checkpoint("review:effects")

    def mark_read(
        self, declaration_id: str, failed_rows: str = "redraft", note: str | None = None
    ) -> str | None:
        """Mark a reviewed declaration read (设为已读).

        Args:
            declaration_id: A declaration in state ``reviewed``.
            failed_rows: What happens to rows the review rejected: ``"redraft"`` puts
                them in a new draft declaration to modify and resubmit (as the manual
                does); ``"void"`` drops them.
            note: Recorded in the event log.

        Returns:
            The number of the new draft, when one was made.
        """
        if failed_rows not in ("redraft", "void"):
            msg = "failed_rows 只能是 'redraft'（转为新的录入申报）或 'void'（作废）。"
            raise UnusableInputError(msg)
        with self.transaction():
            header = self._transition(declaration_id, "mark_read", note)
            if failed_rows == "void" or not self._has_failures(declaration_id):
                return None
            failed = (
                self.declaration_rows(declaration_id)
                .filter(pl.col("review_result") == "2")
                .drop("row_no", "review_result", "review_opinion")
            )
            return self._insert_declaration(
                header["kind"],
                header["unit_id"],
                failed,
                business_month=header["business_month"],
                parent_id=declaration_id,
                note=f"由申报 {declaration_id} 审核不通过的 {failed.height} 行转入",
            )

    def events(self, declaration_id: str | None = None) -> pl.DataFrame:
        """Return the event log, all of it or for one declaration, oldest first."""
        if declaration_id is None:
            return self.sql("SELECT * FROM events ORDER BY event_id")
        return self.sql(
            "SELECT * FROM events WHERE declaration_id = ? ORDER BY event_id", [declaration_id]
        )
