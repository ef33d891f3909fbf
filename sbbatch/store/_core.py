"""The core of the DuckDB workspace (工作区): connection, clock, schema, registry, event log.

A workspace is one DuckDB file (or an in-memory database). Its schema comes from the
numbered migrations in ``schemas/ddl/`` (:mod:`sbbatch.store._migrations`); the
version applied is recorded in the file. Every mutation runs in one transaction, so a
failure half-way leaves the workspace exactly as it was. The agency's clock
(``today``) is injectable. :class:`sbbatch.store.Workspace` builds the declarations
and their state machine on this core.

Frames cross to and from DuckDB through the Arrow C stream interface (polars exports
and imports it natively), not through pyarrow tables: the same columns and types,
without importing pyarrow and numpy into every command (≈ 0.2 s of CPU and 85 MB of
peak memory of ``sbbatch load persons``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path
from typing import Any, Self

import duckdb
import polars as pl

try:  # DuckDB's own source protocol: a frame read as its Arrow stream, its row count known
    from duckdb._sources import ArrowScanSource as _ArrowScanSource
except ImportError:  # pragma: no cover - a DuckDB without it reads the frame through pyarrow
    _ArrowScanSource = None  # type: ignore[misc,assignment]

from sbbatch._clock import system_now
from sbbatch._progress import task
from sbbatch.exceptions import UnusableInputError, WorkspaceLockedError, WorkspaceVersionError
from sbbatch.store._migrations import migrations, not_a_workspace, verify
from sbbatch.store._sql import compose, ident, join

__all__ = ["REGISTRY_TABLES", "WorkspaceCore", "create_file"]

#: Tables that :meth:`WorkspaceCore.load` fills from frames, in dependency order.
REGISTRY_TABLES = ("units", "persons", "insured_periods", "wage_bases")


def create_file(
    cls: type[WorkspaceCore],
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
        ws = cls._wrap(duckdb.connect(str(part)), part, today, user)
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


#: The keys that the writers keep unique in tables without a primary-key index
#: (migration 018): :meth:`WorkspaceCore.insert_frame` refuses a row that would repeat one.
KEPT_UNIQUE: dict[str, str] = {"persons": "person_id"}


def _source(frame: pl.DataFrame) -> object:
    """What :meth:`WorkspaceCore.registered` hands DuckDB for ``frame`` (no copy either way)."""
    if _ArrowScanSource is None or any("Null" in str(dtype) for dtype in frame.dtypes):
        # DuckDB refuses polars' stream of an all-null (``pl.Null``) column; pyarrow's
        # table of it is read
        return frame.to_arrow()
    return _FrameSource(frame)


if _ArrowScanSource is not None:

    class _FrameSource(_ArrowScanSource):
        """A polars frame as DuckDB scans it: its Arrow C stream, narrowed to the columns asked.

        Like DuckDB's reading of a pyarrow table (``frame.to_arrow()``), it says how many
        rows it has, so the planner sizes joins as before, but pyarrow is never imported.
        """

        schema_is_stable = True

        def rows(self) -> int:
            """The number of rows."""
            return int(self.obj.height)

        def __arrow_c_schema__(self) -> object:
            """The frame's schema as an Arrow schema capsule."""
            return self.obj.schema.__arrow_c_schema__()

        def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
            """The whole frame as an Arrow C stream (what ``register`` asks of an object)."""
            return self.obj.__arrow_c_stream__(requested_schema)

        def stream(self, columns: Any, filters: Any) -> tuple[object, bool]:
            """The frame's stream, narrowed to ``columns`` (declared positions) when asked."""
            if columns is None:
                return self.obj.__arrow_c_stream__(), False
            names = self.obj.columns
            return self.obj.select([names[i] for i in columns]).__arrow_c_stream__(), True


class WorkspaceCore:
    """The workspace's connection, clock, schema, transactions, registry and event log.

    :class:`sbbatch.store.Workspace` adds the declarations and their state machine.

    Args:
        path: The workspace file; ``None`` or ``":memory:"`` for an in-memory one.
        today: The agency's date (经办日期). Defaults to the system date, read once.
        user: Who acts, recorded in the event log.
        read_only: Open without writing (several readers may share a file).
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
            create_file(type(self), self.path, self._today)
        if self.path is not None and self.path.stat().st_size == 0:
            raise UnusableInputError(not_a_workspace(self.path, "文件是空的"))
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
            verify(self._con, self.path)  # reads only: nothing is written into a foreign file
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
    ) -> Self:
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
        create_file(cls, target, today or system_now().date(), unit=unit, user=user)
        return cls(target, today=today, user=user)

    @classmethod
    def _wrap(cls, con: duckdb.DuckDBPyConnection, path: Path, today: dt.date, user: str) -> Self:
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

    def __enter__(self) -> Self:
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
        # duckdb_tables(), not information_schema: its first query binds the catalog's
        # views, 15 ms of every command's opening
        has_table = self._con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_version' "
            "AND database_name = current_database() AND schema_name = 'main'"
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
            # upgrading a workspace with its data can take seconds (017 rebuilds the
            # insured periods: 5 s for a city of 1,000,000 persons); a new one is quick
            with (
                task(f"正在升级工作区到版本 {number}") if applied else nullcontext(),
                self.transaction(),
            ):
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
        # the relation's Arrow C stream: the types of .pl(), without pyarrow
        return pl.DataFrame(self._con.sql(query, params=params or None))

    @contextmanager
    def registered(self, **frames: pl.DataFrame) -> Iterator[None]:
        """Make polars frames readable by name in :meth:`sql` for the block (no copy)."""
        for name, frame in frames.items():
            self._con.register(name, _source(frame))
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

    def execute(self, query: str, params: list[Any] | Mapping[str, Any] | None = None) -> None:
        """Run a statement with parameters (callers wrap it in :meth:`transaction`)."""
        self._con.execute(query, params or []).fetchall()

    def insert_frame(self, table: str, frame: pl.DataFrame) -> int:
        """Append a frame's rows to ``table`` matching columns by name; return the count.

        The rows are inserted ``ORDER BY`` their position in the frame: a table scan
        returns them in the frame's order, and DuckDB writes an ordered insert of a
        large frame straight into the workspace file, where an unordered one goes
        through the write-ahead log and is written again by the checkpoint at commit (453,745 insured periods of a review: 0.6 s of CPU less).
        """
        if table not in self._table_names():
            msg = f"工作区没有表 {table}。"
            raise UnusableInputError(msg)
        if frame.height == 0:
            return 0
        allowed = self._column_names(table)
        unknown = [name for name in frame.columns if name not in allowed]
        if unknown:
            msg = f"表 {table} 没有这些字段：{'、'.join(unknown)}。"
            raise UnusableInputError(msg)
        self._refuse_repeated_keys(table, frame)
        columns = join([ident(name, allowed) for name in frame.columns], ", ")
        numbered = frame.with_columns(
            pl.int_range(pl.len(), dtype=pl.Int64).alias("_sbbatch_position")
        )
        with self.registered(_sbbatch_frame=numbered):
            self._con.execute(
                compose(
                    "INSERT INTO {table} ({columns}) SELECT {columns} FROM _sbbatch_frame "
                    "ORDER BY _sbbatch_position",
                    table=ident(table, self._table_names()),
                    columns=columns,
                )
            )
        return frame.height

    def _refuse_repeated_keys(self, table: str, frame: pl.DataFrame) -> None:
        """Refuse rows whose key the table holds already or that repeat it among themselves.

        The tables of :data:`KEPT_UNIQUE` have no primary-key index (migration 018), so
        this is where an insert is refused as the index refused it; the ID numbers are
        not named (personal data), only counted.
        """
        key = KEPT_UNIQUE.get(table)
        if key is None or key not in frame.columns:
            return
        repeated = frame.get_column(key).is_duplicated().sum()
        with self.registered(_sbbatch_keys=frame.select(key).unique()):
            stored = self._con.execute(
                compose(
                    "SELECT count(*) FROM _sbbatch_keys k SEMI JOIN {table} t ON t.{key} = k.{key}",
                    table=ident(table, KEPT_UNIQUE),
                    key=ident(key, (key,)),
                )
            ).fetchall()[0][0]
        if repeated or stored:
            what = []
            if stored:
                what.append(f"{stored} 个已在工作区中")
            if repeated:
                what.append(f"{repeated} 行在要装入的数据中重复")
            msg = f"表 {table} 的 {key} 每个只能有一行：{'，'.join(what)}，未装入任何一行。"
            raise UnusableInputError(msg)

    def _table_names(self) -> set[str]:
        rows = self._con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        return {row[0] for row in rows}

    def _column_names(self, table: str) -> set[str]:
        rows = self._con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
        ).fetchall()
        return {row[0] for row in rows}

    def table(self, name: str) -> pl.DataFrame:
        """Return a whole registry table (units, persons, insured_periods, ...)."""
        tables = self._table_names()
        if name not in tables:
            msg = f"工作区没有表 {name}。"
            raise UnusableInputError(msg)
        return pl.DataFrame(
            self._con.sql(compose("SELECT * FROM {table}", table=ident(name, tables)))
        )

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

    def unit_or_only(self, unit_id: str | None) -> str:
        """Return ``unit_id`` (checked), or the workspace's only unit when it is None.

        A workspace made for one unit (``sbbatch init``) needs no ``--unit``; one that
        holds several asks which.
        """
        if unit_id is not None:
            return str(self.unit(unit_id)["unit_id"])
        units = self.sql("SELECT unit_id FROM units ORDER BY unit_id")["unit_id"].to_list()
        if len(units) == 1:
            return str(units[0])
        if not units:
            msg = "工作区中还没有单位。提示：先用 sbbatch init 建立工作区，或 sbbatch load unit 装入单位信息。"
        else:
            msg = f"工作区中有 {len(units)} 个单位（{'、'.join(units[:5])}…），请用 --unit 指定单位编号。"
        raise UnusableInputError(msg)

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

    # -- event log -----------------------------------------------------------------------

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
