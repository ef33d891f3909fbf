"""Tests of the workspace: migrations, the state machine, transactions, locking."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from sbbatch.exceptions import (
    InvalidTransitionError,
    UnusableInputError,
    WorkspaceLockedError,
    WorkspaceVersionError,
)
from sbbatch.store import Workspace, migrations
from sbbatch.store.workflow import STATUS_LABELS, transitions

UNIT = "0010118873"
ROWS = pl.DataFrame(
    {
        "person_id": ["370102199001011231", "370102197001011232"],
        "name": ["张三", "李四"],
        "month": [dt.date(2026, 11, 1), dt.date(2026, 11, 1)],
        "source_row": [2, 3],
    }
)


class Boom(RuntimeError):
    """The injected failure."""


def _declare(ws: Workspace, kind: str = "enrolment") -> str:
    return ws.create_declaration(kind, UNIT, ROWS, business_month=dt.date(2026, 11, 1))


def _results(*outcomes: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "row_no": list(range(1, len(outcomes) + 1)),
            "review_result": list(outcomes),
            "review_opinion": ["" if o == "1" else "不通过：测试" for o in outcomes],
        }
    )


def _bring_to(ws: Workspace, status: str, kind: str = "wage_base", failures: bool = True) -> str:
    """Return a declaration in ``status``, made through the allowed transitions."""
    declaration_id = _declare(ws, kind)
    if status == "draft":
        return declaration_id
    if status == "voided":
        ws.void(declaration_id)
        return declaration_id
    ws.submit(declaration_id)
    if status == "submitted":
        return declaration_id
    ws.record_review(declaration_id, _results("1", "2" if failures else "1"))
    if status == "reviewed":
        return declaration_id
    ws.mark_read(declaration_id, failed_rows="void")
    if status == "read":
        return declaration_id
    ws.revoke(declaration_id)
    assert status == "revoked"
    return declaration_id


def test_migration_from_an_empty_file(tmp_path: Path, today: dt.date) -> None:
    path = tmp_path / "ws.duckdb"
    with Workspace(path, today=today, create=True) as ws:
        assert ws.schema_version == max(n for n, _ in migrations())
        assert {
            "units",
            "persons",
            "insured_periods",
            "wage_bases",
            "declarations",
            "events",
        } <= set(ws.sql("SELECT table_name FROM information_schema.tables")["table_name"].to_list())
    # reopening applies nothing twice
    with Workspace(path, today=today) as ws:
        assert ws.sql("SELECT count(*) AS n FROM schema_version")["n"][0] == len(migrations())


def test_a_newer_workspace_is_refused(tmp_path: Path, today: dt.date) -> None:
    path = tmp_path / "ws.duckdb"
    with Workspace(path, today=today, create=True) as ws:
        ws.execute("INSERT INTO schema_version VALUES (999, '999_future.sql', ?)", [ws.now()])
    with pytest.raises(WorkspaceVersionError, match="版本为 999"):
        Workspace(path, today=today)


ACTIONS = {t.action for t in transitions()}
ALLOWED = {(t.action, t.from_status) for t in transitions()}


@pytest.mark.parametrize("status", sorted(STATUS_LABELS))
@pytest.mark.parametrize("action", sorted(ACTIONS - {"modify"}))
def test_every_transition_is_allowed_or_refused(ws: Workspace, status: str, action: str) -> None:
    declaration_id = _bring_to(ws, status)
    events_before = ws.events(declaration_id).height
    act = {
        "submit": lambda: ws.submit(declaration_id),
        "void": lambda: ws.void(declaration_id),
        "review": lambda: ws.record_review(declaration_id, _results("1", "2")),
        "mark_read": lambda: ws.mark_read(declaration_id, failed_rows="void"),
        "revoke": lambda: ws.revoke(declaration_id),
    }[action]
    if (action, status) in ALLOWED:
        act()
        target = next(
            t.to_status for t in transitions() if (t.action, t.from_status) == (action, status)
        )
        assert ws.declaration(declaration_id)["status"] == target
        last = ws.events(declaration_id).row(-1, named=True)
        assert (last["action"], last["from_status"], last["to_status"]) == (action, status, target)
    else:
        with pytest.raises(InvalidTransitionError) as raised:
            act()
        assert STATUS_LABELS[status] in raised.value.text or "不能" in raised.value.text
        assert ws.declaration(declaration_id)["status"] == status
        assert ws.events(declaration_id).height == events_before


def test_modify_only_a_draft(ws: Workspace) -> None:
    declaration_id = _declare(ws)
    ws.modify_declaration(declaration_id, ROWS.head(1))
    assert ws.declaration_rows(declaration_id)["name"].to_list() == ["张三"]
    ws.submit(declaration_id)
    with pytest.raises(InvalidTransitionError, match="不能修改"):
        ws.modify_declaration(declaration_id, ROWS)
    assert ws.declaration_rows(declaration_id).height == 1


def test_void_after_review_needs_a_failure(ws: Workspace) -> None:
    declaration_id = _bring_to(ws, "reviewed", failures=False)
    with pytest.raises(InvalidTransitionError, match="全部通过"):
        ws.void(declaration_id)
    assert ws.declaration(declaration_id)["status"] == "reviewed"


def test_revoke_only_where_the_business_allows_it(ws: Workspace) -> None:
    declaration_id = _bring_to(ws, "read", kind="enrolment")
    with pytest.raises(InvalidTransitionError, match="增员申报」不能撤销"):
        ws.revoke(declaration_id)


def test_mark_read_redrafts_the_failed_rows(ws: Workspace) -> None:
    declaration_id = _bring_to(ws, "reviewed", kind="enrolment")
    redraft = ws.mark_read(declaration_id)
    assert redraft is not None
    header = ws.declaration(redraft)
    assert (header["status"], header["parent_id"], header["kind"]) == (
        "draft",
        declaration_id,
        "enrolment",
    )
    rows = ws.declaration_rows(redraft)
    assert rows["name"].to_list() == ["李四"]
    assert rows["source_row"].to_list() == [3]
    assert rows["review_result"].to_list() == [None]


def test_chinese_title_is_an_alias_of_the_kind(ws: Workspace) -> None:
    for title in ("增员申报", "批量增员申报"):
        declaration_id = ws.create_declaration(title, UNIT, ROWS)
        assert ws.declaration(declaration_id)["kind"] == "enrolment"
    assert declaration_id.startswith("ZY202611")


def test_unknown_unit_and_unknown_kind_are_refused(ws: Workspace) -> None:
    with pytest.raises(UnusableInputError, match="单位编号「9999」不在工作区中"):
        ws.create_declaration("enrolment", "9999", ROWS)
    with pytest.raises(InvalidTransitionError, match="未知的业务"):
        ws.create_declaration("no_such_business", UNIT, ROWS)
    assert ws.declarations().height == 0


def test_review_with_wrong_row_count_changes_nothing(ws: Workspace) -> None:
    declaration_id = _bring_to(ws, "submitted")
    with pytest.raises(Exception, match="一一对应"):
        ws.record_review(declaration_id, _results("1"))
    assert ws.declaration(declaration_id)["status"] == "submitted"


def _snapshot(ws: Workspace) -> dict[str, pl.DataFrame]:
    names = [
        "units",
        "persons",
        "insured_periods",
        "wage_bases",
        "declarations",
        "declaration_rows",
        "events",
        "counters",
    ]
    return {name: ws.table(name) for name in names}


@pytest.mark.parametrize("where", ["review:recorded", "review:effects"])
def test_a_review_failing_half_way_leaves_the_workspace_unchanged(
    ws: Workspace, where: str
) -> None:
    declaration_id = _bring_to(ws, "submitted")
    before = _snapshot(ws)

    def effects(workspace: Workspace, approved: pl.DataFrame) -> None:
        workspace.execute(
            "INSERT INTO wage_bases VALUES (?, ?, DATE '2026-11-01', 500000, ?, NULL)",
            [UNIT, approved["person_id"][0], declaration_id],
        )

    def fault(name: str) -> None:
        if name == where:
            raise Boom(name)

    ws._fault = fault
    with pytest.raises(Boom):
        ws.record_review(declaration_id, _results("1", "2"), effects=effects)
    ws._fault = None
    after = _snapshot(ws)
    for name, frame in before.items():
        assert after[name].equals(frame), name


def test_a_load_failing_half_way_leaves_the_workspace_unchanged(ws: Workspace) -> None:
    before = _snapshot(ws)
    persons = pl.DataFrame(
        {
            "person_id": ["370102199001011231"],
            "name": ["张三"],
            "gender": ["1"],
            "birth_date": [dt.date(1990, 1, 1)],
        }
    )

    def fault(name: str) -> None:
        if name == "load:persons":
            raise Boom(name)

    ws._fault = fault
    with pytest.raises(Boom):
        ws.load(persons=persons, wage_bases=pl.DataFrame())
    ws._fault = None
    for name, frame in before.items():
        assert ws.table(name).equals(frame), name
    ws.load(persons=persons)
    assert ws.table("persons").height == 1


def test_a_second_writer_gets_a_clear_error(tmp_path: Path, today: dt.date) -> None:
    path = tmp_path / "ws.duckdb"
    script = (
        "import sys, datetime\n"
        "from sbbatch import Workspace, WorkspaceLockedError\n"
        "try:\n"
        f"    Workspace(r'{path}', today=datetime.date(2026, 11, 26))\n"
        "except WorkspaceLockedError as e:\n"
        "    print(e.text); sys.exit(3)\n"
    )
    with Workspace(path, today=today, create=True):
        result = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 3, result.stderr
    assert "工作区正被另一个进程使用" in result.stdout
    assert str(path) in result.stdout
    assert "Traceback" not in result.stderr


def test_the_lock_error_in_process(tmp_path: Path, today: dt.date) -> None:
    # DuckDB lets one process open a file twice; the cross-process case is above.
    path = tmp_path / "ws.duckdb"
    with Workspace(path, today=today, create=True) as first:
        second = Workspace(path, today=today)
        assert second.schema_version == first.schema_version
        second.close()
    assert WorkspaceLockedError.message.startswith("工作区正被另一个进程使用")


def test_not_a_workspace_file(tmp_path: Path, today: dt.date) -> None:
    path = tmp_path / "junk.duckdb"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(UnusableInputError, match="无法打开工作区文件"):
        Workspace(path, today=today)


def test_injectable_clock(ws: Workspace) -> None:
    declaration_id = _declare(ws)
    assert ws.events(declaration_id)["occurred_at"][0] == dt.datetime(2026, 11, 26)
    ws.set_today(dt.date(2026, 12, 3))
    ws.submit(declaration_id)
    assert ws.events(declaration_id)["occurred_at"][-1] == dt.datetime(2026, 12, 3)
    assert "2026-12-03" in repr(ws)


def test_nested_transactions_join_the_outer_one(ws: Workspace) -> None:
    before = ws.table("declarations").height
    with pytest.raises(Boom), ws.transaction():
        ws.create_declaration("enrolment", UNIT, ROWS)  # its own transaction, nested
        raise Boom("outer")
    assert ws.table("declarations").height == before
    with ws.transaction():
        ws.create_declaration("enrolment", UNIT, ROWS)
    assert ws.table("declarations").height == before + 1


def test_a_migration_added_below_the_last_one_still_runs(tmp_path: Path, today: dt.date) -> None:
    import duckdb

    path = tmp_path / "ws.duckdb"
    numbers = [n for n, _ in migrations()]
    # a file made before this migration existed, by a later sbbatch; 009 creates tables
    # no later migration touches (016 and 017 both rebuild insured_periods, so they only
    # run in their order)
    skipped = 9
    assert skipped in numbers[:-1]
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
        "applied_at TIMESTAMP NOT NULL)"
    )
    for number, migration in migrations():
        if number != skipped:
            con.execute(migration.read_text(encoding="utf-8"))
            con.execute("INSERT INTO schema_version VALUES (?, ?, now())", [number, migration.name])
    con.close()
    with Workspace(path, today=today) as ws:
        versions = ws.sql("SELECT version FROM schema_version ORDER BY version")[
            "version"
        ].to_list()
    assert versions == numbers


@pytest.mark.parametrize("code", ["7", "0", "", "审核成功"])
def test_record_review_accepts_only_the_codes_of_the_code_table(ws: Workspace, code: str) -> None:
    declaration_id = _declare(ws)
    ws.submit(declaration_id)
    before = (ws.table("declaration_rows"), ws.table("declarations"), ws.events())
    with pytest.raises(UnusableInputError, match=f"审核结果代码 {code} 无效.*1 审核成功、2 不通过"):
        ws.record_review(declaration_id, _results("1", code))
    after = (ws.table("declaration_rows"), ws.table("declarations"), ws.events())
    assert all(a.equals(b) for a, b in zip(after, before, strict=True))
    ws.record_review(declaration_id, _results("1", "2"))
    assert ws.declaration(declaration_id)["status"] == "reviewed"


def test_opening_a_missing_file_creates_nothing(tmp_path: Path, today: dt.date) -> None:
    path = tmp_path / "typo.duckdb"
    for read_only in (False, True):
        with pytest.raises(UnusableInputError, match="不存在。提示：请先用 sbbatch init"):
            Workspace(path, today=today, read_only=read_only)
    assert list(tmp_path.iterdir()) == []


def test_create_builds_the_whole_file_or_nothing(tmp_path: Path, today: dt.date) -> None:
    path = tmp_path / "new.duckdb"
    unit = {"unit_id": UNIT, "name": "济南测试", "risk_class": 2, "payment_method": "2"}
    with Workspace.create(path, today=today, unit=unit) as ws:
        assert ws.table("units").select("unit_id", "risk_class").rows() == [(UNIT, 2)]
        assert ws.schema_version == max(n for n, _ in migrations())
    assert [p.name for p in tmp_path.iterdir()] == ["new.duckdb"]  # no temporary file left
    before = path.read_bytes()
    with pytest.raises(UnusableInputError, match="已存在，不会覆盖"):
        Workspace.create(path, today=today, unit=unit)
    assert path.read_bytes() == before
    # a failure while building (a unit row the table refuses) leaves no file at all
    other = tmp_path / "other.duckdb"
    with pytest.raises(UnusableInputError, match="没有这些字段：colour"):
        Workspace.create(other, today=today, unit={**unit, "colour": "红"})
    assert [p.name for p in tmp_path.iterdir()] == ["new.duckdb"]


def _half_made(path: Path) -> None:
    import duckdb

    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
        "applied_at TIMESTAMP NOT NULL)"
    )
    for number, migration in migrations():
        con.execute("INSERT INTO schema_version VALUES (?, ?, now())", [number, migration.name])
    con.close()


def _foreign(path: Path) -> None:
    import duckdb

    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE persons (person_id VARCHAR)")
    con.close()


@pytest.mark.parametrize(
    ("make", "reason"),
    [(_half_made, "缺少表"), (_foreign, "没有 sbbatch 的版本记录")],
    ids=["half_made", "foreign"],
)
@pytest.mark.parametrize("read_only", [False, True])
def test_a_file_that_is_not_a_whole_workspace_is_refused_unchanged(
    tmp_path: Path, today: dt.date, make: Any, reason: str, read_only: bool
) -> None:
    path = tmp_path / "ws.duckdb"
    make(path)
    before = path.read_bytes()
    with pytest.raises(UnusableInputError, match=f"不是 sbbatch 工作区（{reason}"):
        Workspace(path, today=today, read_only=read_only, create=True)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ws.duckdb"]


def test_names_in_sql_come_only_from_the_workspace_itself(ws: Workspace) -> None:
    """Tables, columns and filters are identifiers the workspace knows; values stay parameters."""
    with pytest.raises(UnusableInputError, match="工作区没有表"):
        ws.table('units"; DROP TABLE units; --')
    with pytest.raises(UnusableInputError, match="表 units 没有这些字段：nickname"):
        ws.insert_frame("units", pl.DataFrame({"unit_id": ["0010000001"], "nickname": ["x"]}))
    with pytest.raises(UnusableInputError, match="申报没有字段"):
        ws.declarations(**{"kind = kind OR 1": "x"})
    assert ws.table("units").height == 1
    declared = ws.create_declaration("enrolment", UNIT, ROWS)
    assert ws.declarations(kind="enrolment", unit_id=UNIT)["declaration_id"].to_list() == [declared]
    assert ws.declarations(kind="x' OR '1'='1").height == 0
