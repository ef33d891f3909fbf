"""`sbbatch load` from the command line: counts, exit codes, JSON, report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import xlsxwriter
from openpyxl import load_workbook

from sbbatch.cli import main


def _sheet(path: Path, rows: list[list[str]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    return path


def test_load_unit_then_persons(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "ws.duckdb")
    unit = _sheet(
        tmp_path / "unit.xlsx",
        [
            ["单位编号", "单位名称", "行业风险类别", "缴费方式"],
            ["0010118873", "济南示例", "1", "银行代扣"],
        ],
    )
    persons = _sheet(
        tmp_path / "persons.xlsx",
        [
            ["身份证号码", "姓名", "人员类别", "参保年月"],
            ["370102199001011231", "张三", "城镇制", "2019-04"],
            ["370102199001011232", "坏号", "城镇制", "2019-04"],
        ],
    )
    # only init makes a workspace (issue 13); load fills it
    assert main(["init", db, "--unit", "0010118873", "--name", "济南示例"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "load", "unit", str(unit)]) == 0
    assert "新增 1" in capsys.readouterr().out
    report = tmp_path / "report.xlsx"
    code = main(["--db", db, "load", "persons", str(persons), "--report", str(report)])
    out = capsys.readouterr().out
    assert code == 1
    assert "装入 1 行" in out and "未装入 1 行" in out
    assert "第3行 [不通过]" in out
    assert "370102199001011232" not in out  # masked unless --unmask
    assert report.is_file()
    assert load_workbook(report).active is not None
    code = main(["--db", db, "load", "persons", str(persons), "--format", "json"])
    shown = json.loads(capsys.readouterr().out)
    assert code == 1
    assert (shown["accepted"], shown["rejected"], shown["unchanged"]) == (1, 1, 1)
    assert shown["failures"][0]["row"] == 3


def test_load_refuses_an_unknown_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _sheet(tmp_path / "x.xlsx", [["身份证号码"], ["370102199001011231"]])
    assert main(["--db", str(tmp_path / "ws.duckdb"), "load", "salaries", str(path)]) == 2
    assert "可装入的有" in capsys.readouterr().err


def test_query_loads_shows_where_each_row_came_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "ws.duckdb")
    assert main(["init", db, "--unit", "0010118873", "--name", "济南示例"]) == 0
    persons = _sheet(
        tmp_path / "persons.xlsx",
        [
            ["身份证号码", "姓名", "人员类别", "参保年月"],
            ["370102199001011231", "张三", "城镇制", "2019-04"],
        ],
    )
    assert main(["--db", db, "load", "persons", str(persons)]) == 0
    capsys.readouterr()
    assert main(["--db", db, "query", "loads"]) == 0
    out = capsys.readouterr().out
    assert "装入记录" in out and "persons.xlsx" in out
    assert main(["--db", db, "query", "loads", "--id", "370102199001011231"]) == 0
    out = capsys.readouterr().out
    assert "装入来源" in out and "表格行号" in out
    assert "370102199001011231" not in out  # masked unless --unmask


def test_a_closed_pipe_is_not_an_error() -> None:
    """`sbbatch … | head`: the reader goes away; no 「Broken pipe」, no traceback, exit 0."""
    import subprocess
    import sys

    child = subprocess.Popen(
        [sys.executable, "-m", "sbbatch.cli", "policy"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # nobody reads: every write of the child meets a closed pipe
    err = child.stderr.read()
    child.stderr.close()
    assert child.wait() == 0, err
    assert "Broken pipe" not in err and "Traceback" not in err
