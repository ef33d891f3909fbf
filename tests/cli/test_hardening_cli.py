"""Hostile and mistyped inputs to the CLI: bad dates, foreign files, missing workspaces.

Every case must end with exit code 0, 1 or 2, a Chinese message and no traceback, and
must leave every file it was pointed at byte for byte as it was.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest

from sbbatch import cli
from sbbatch._cli.args import date_arg, month_arg
from sbbatch.store import Workspace, migrations

UNIT = "0010118873"
TODAY = ["--today", "2026-11-26"]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _parsers(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield name, sub
                yield from ((f"{name} {n}", p) for n, p in _parsers(sub))


def test_every_date_and_month_argument_has_the_one_guard() -> None:
    checked = 0
    for name, parser in _parsers(cli.build_parser()):
        for action in parser._actions:
            if action.dest == "today":
                assert action.type is date_arg, name
                checked += 1
            elif "month" in action.dest:
                assert action.type is month_arg, (name, action.dest)
                checked += 1
    assert checked >= 15


MONEY_AND_DECLARE = [
    ["bill", "--unit", UNIT, "--month", "2026-11"],
    ["contributions", "-o", "x.csv"],
    ["pay", "DJ2026112600001"],
    ["backpay", "x.csv", "--unit", UNIT],
    ["fee-form", "--unit", UNIT, "--month", "2026-11", "-o", "x.pdf"],
    ["declare", "x.csv", "--unit", UNIT],
    ["query", "unit"],
    ["review", "ZY20261100001"],
]


@pytest.mark.parametrize("command", MONEY_AND_DECLARE, ids=lambda c: c[0])
@pytest.mark.parametrize("today", ["2026-13-01", "yesterday", "2026-02-30", ""])
def test_a_bad_date_is_a_chinese_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], today: str
) -> None:
    db = tmp_path / "ws.duckdb"
    code, _, err = _run(capsys, "--db", str(db), *command, "--today", today)
    assert code == 2
    assert f"--today：经办日期「{today}」无效。提示：请写成 2026-11-26。" in err
    assert not db.exists()


@pytest.mark.parametrize("month", ["2026-13", "next month", "2026-00"])
def test_a_bad_month_is_a_chinese_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], month: str
) -> None:
    for command in (
        ["bill", "--unit", UNIT, "--month"],
        ["query", "declarations", "--from"],
        ["template", "wage_base", "-o", "x.xlsx", "--with-data", "--unit", UNIT, "--month"],
    ):
        code, _, err = _run(capsys, "--db", str(tmp_path / "ws.duckdb"), *command, month)
        assert code == 2 and f"年月「{month}」无效" in err, (command, err)


# ------------------------------------------------------------------ files that are not ours
def _foreign(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE persons (person_id VARCHAR, name VARCHAR)")
    con.execute("INSERT INTO persons VALUES ('370102199001011231', '张三')")
    con.close()


def _half_made(path: Path) -> None:
    """Version rows of every migration, but only the first migration's tables."""
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
        "applied_at TIMESTAMP NOT NULL)"
    )
    for number, migration in migrations():
        con.execute("INSERT INTO schema_version VALUES (?, ?, now())", [number, migration.name])
    con.execute(migrations()[0][1].read_text(encoding="utf-8"))
    con.close()


def _versions_only(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
        "applied_at TIMESTAMP NOT NULL)"
    )
    con.execute("INSERT INTO schema_version VALUES (1, '001_registry.sql', now())")
    con.close()


def _clashing_version_table(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version VARCHAR, note VARCHAR)")
    con.execute("INSERT INTO schema_version VALUES ('v2', 'another tool')")
    con.close()


MAKERS = {
    "foreign": _foreign,
    "half_made": _half_made,
    "versions_only": _versions_only,
    "clashing_schema_version": _clashing_version_table,
    "not_duckdb": lambda p: p.write_bytes(b"PK\x03\x04 not a database at all" * 200),
    "empty": lambda p: p.write_bytes(b""),
}

COMMANDS = [
    ["summary"],
    ["query", "declarations", *TODAY],
    ["declare", "BATCH", "--unit", UNIT, "--kind", "enrolment", *TODAY],
    ["submit", "ZY20261100001", *TODAY],
    ["contributions", "-o", "OUT.csv", *TODAY],
    ["bill", "--unit", UNIT, "--month", "2026-11", *TODAY],
    ["template", "wage_base", "-o", "OUT.xlsx", "--with-data", "--unit", UNIT],
    ["cards", "status", "--unit", UNIT],
    ["load", "persons", "BATCH"],
]


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    path = tmp_path / "增员.csv"
    pl.DataFrame(
        {
            "身份证号码": ["370102199001011231"],
            "姓名": ["张三"],
            "用工形式": ["城镇合同制职工"],
            "增加原因": ["在职人员新参保"],
            "增员年月": ["2026-11"],
            "人员类别": ["城镇制"],
        }
    ).write_csv(path)
    return path


def _args(command: list[str], tmp_path: Path, batch: Path) -> list[str]:
    swap = {"BATCH": str(batch), "OUT.csv": str(tmp_path / "out.csv")}
    swap["OUT.xlsx"] = str(tmp_path / "out.xlsx")
    return [swap.get(a, a) for a in command]


@pytest.mark.parametrize("kind", sorted(MAKERS))
@pytest.mark.parametrize(
    "command", COMMANDS, ids=lambda c: c[0] + (c[1] if c[0] == "cards" else "")
)
def test_a_file_that_is_not_a_workspace_is_refused_and_left_alone(
    tmp_path: Path,
    batch: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    command: list[str],
) -> None:
    db = tmp_path / "ws.duckdb"
    MAKERS[kind](db)
    before = db.read_bytes()
    code, _, err = _run(capsys, "--db", str(db), *_args(command, tmp_path, batch))
    assert code == 2
    assert err.startswith("sbbatch：") and CJK.search(err) and "Traceback" not in err
    assert "不是" in err  # 不是 sbbatch 工作区 / 不是 DuckDB 数据库文件
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([db.name, batch.name])


@pytest.mark.parametrize("kind", ["foreign", "half_made", "not_duckdb"])
def test_no_traceback_from_the_process(tmp_path: Path, batch: Path, kind: str) -> None:
    db = tmp_path / "ws.duckdb"
    MAKERS[kind](db)
    before = db.read_bytes()
    for command in (COMMANDS[0], COMMANDS[2]):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "sbbatch.cli",
                "--db",
                str(db),
                *_args(command, tmp_path, batch),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode in (0, 1, 2)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and CJK.search(result.stderr)
        assert db.read_bytes() == before


def test_a_mistyped_db_creates_nothing(
    tmp_path: Path, batch: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "wokspace.duckdb"
    for command in COMMANDS:
        code, _, err = _run(capsys, "--db", str(missing), *_args(command, tmp_path, batch))
        assert code == 2, command
        assert f"工作区文件 {missing} 不存在" in err and "sbbatch init" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [batch.name]


# ------------------------------------------------------------------------------ init
def test_init_creates_a_workspace_with_its_unit(
    tmp_path: Path, batch: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "单位.duckdb"
    code, out, _ = _run(
        capsys, "init", str(db), "--unit", UNIT, "--name", "济南测试科技有限公司", *TODAY
    )
    assert code == 0 and "已建立工作区" in out and "济南测试科技有限公司" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([db.name, batch.name])
    with Workspace(db, read_only=True) as ws:
        units = ws.table("units")
        events = ws.events()
    assert units.select("unit_id", "name", "risk_class", "payment_method").rows() == [
        (UNIT, "济南测试科技有限公司", 1, "1")
    ]
    assert events["action"].to_list() == ["load"]
    code, out, _ = _run(
        capsys,
        "--db",
        str(db),
        "declare",
        str(batch),
        "--unit",
        UNIT,
        "--kind",
        "enrolment",
        *TODAY,
    )
    assert code == 0 and "已录入增员申报" in out

    before = db.read_bytes()
    code, _, err = _run(capsys, "init", str(db), "--unit", "0010000002", "--name", "另一个单位")
    assert code == 2 and "已存在，不会覆盖" in err
    assert db.read_bytes() == before


def test_init_refuses_bad_unit_facts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "ws.duckdb"
    code, _, err = _run(
        capsys, "init", str(db), "--unit", UNIT, "--name", "甲", "--risk-class", "9"
    )
    assert code == 2 and "--risk-class" in err
    code, _, err = _run(capsys, "init", str(db), "--unit", UNIT, "--name", "甲", "--today", "x")
    assert code == 2 and "经办日期「x」无效" in err
    assert not db.exists()


# -------------------------------------------------------------------------- template
@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "ws.duckdb"
    assert _run(capsys, "init", str(path), "--unit", UNIT, "--name", "甲", *TODAY)[0] == 0
    return path


def test_template_with_data_refuses_an_unknown_unit(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "模板.xlsx"
    code, _, err = _run(
        capsys,
        "--db",
        str(db),
        "template",
        "wage_base",
        "-o",
        str(target),
        "--with-data",
        "--unit",
        "9999999999",
    )
    assert code == 2 and "单位编号「9999999999」不在工作区中" in err
    assert not target.exists()


def test_template_wage_base_with_data_and_a_month(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "模板.xlsx"
    code, out, err = _run(
        capsys,
        "--db",
        str(db),
        "template",
        "wage_base",
        "-o",
        str(target),
        "--with-data",
        "--unit",
        UNIT,
        "--month",
        "2026-11",
    )
    assert (code, err) == (0, "")
    assert "已写出工资申报报盘模板" in out and target.exists()


def test_declare_checks_the_file_before_taking_the_workspace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad file is refused for itself before the workspace is opened (or locked).

    The workspace named here does not exist: had declare opened it first, the answer
    would be 「工作区文件 … 不存在」; it is the file's own problem instead.
    """
    from sbbatch.cli import main

    bad = tmp_path / "bad.csv"
    bad.write_text("甲,乙\n1,2\n", encoding="utf-8")
    code = main(["--db", str(tmp_path / "none.duckdb"), "declare", str(bad), "--kind", "enrolment"])
    err = capsys.readouterr().err
    assert code == 2
    assert "bad.csv" in err and "表头" in err and "工作区文件" not in err
    assert not (tmp_path / "none.duckdb").exists()
