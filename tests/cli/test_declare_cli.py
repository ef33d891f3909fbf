"""Tests of the declaring commands: declare, submit, review, result, print, read, void, query."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from stdnum.cn import ric

from sbbatch import cli
from sbbatch._cli import declare as _declare_commands
from sbbatch.store import Workspace

UNIT = "0010118873"
TODAY = ["--today", "2026-11-26"]


def _id(born: str, sequence: str) -> str:
    first17 = f"370102{born}{sequence}"
    return first17 + ric.calc_check_digit(first17 + "0")


GOOD = _id("19900101", "111")
EARLY = _id("19910101", "121")


@pytest.fixture(autouse=True)
def _with_declare_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make sure the commands of this module are part of the CLI under test."""
    if _declare_commands not in cli.COMMAND_MODULES:
        monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, _declare_commands))


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "ws.duckdb"
    with Workspace(path, today=dt.date(2026, 11, 26), create=True) as ws:
        ws.load(
            units=pl.DataFrame(
                {
                    "unit_id": [UNIT],
                    "name": ["济南测试科技有限公司"],
                    "risk_class": [1],
                    "payment_method": ["2"],
                }
            )
        )
    return str(path)


@pytest.fixture
def batch_file(tmp_path: Path) -> str:
    path = tmp_path / "增员.csv"
    pl.DataFrame(
        {
            "身份证号码": [GOOD, EARLY],
            "姓名": ["张三", "李四"],
            "用工形式": ["城镇合同制职工"] * 2,
            "增加原因": ["在职人员新参保"] * 2,
            "增员年月": ["2026-12", "2026-11"],
            "人员类别": ["城镇制"] * 2,
        }
    ).write_csv(path)
    return str(path)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_whole_cycle(
    db: str, batch_file: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(
        capsys, "--db", db, "declare", batch_file, "--unit", UNIT, "--kind", "enrolment", *TODAY
    )
    assert code == 0
    assert "已录入增员申报 ZY20261100001，共 2 人。" in out
    did = "ZY20261100001"

    assert _run(capsys, "--db", db, "submit", did, *TODAY)[:2] == (0, f"申报 {did} 已提交。\n")

    code, out, _ = _run(capsys, "--db", db, "review", did, *TODAY)
    assert code == 1  # a row was rejected
    assert "共2人，审核成功 1 人，不通过 1 人" in out
    assert "补缴" in out
    assert EARLY not in out and "370102********" in out  # masked

    xlsx = tmp_path / "结果.xlsx"
    code, out, _ = _run(capsys, "--db", db, "result", did, "-o", str(xlsx), "--unmask", *TODAY)
    assert code == 0
    assert GOOD in out and "共2人" in out
    sheet = openpyxl.load_workbook(xlsx).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][:4] == ("序号", "审核结果", "审核说明", "身份证号码")
    assert values[2][1:4] == ("审核成功", "", GOOD)
    assert values[-1][0] == "共2人"

    pdf = tmp_path / "增员表.pdf"
    code, out, _ = _run(capsys, "--db", db, "print", did, "-o", str(pdf), *TODAY)
    assert (code, out) == (0, f"已打印增员表：{pdf}\n")
    assert pdf.stat().st_size > 1000

    code, out, _ = _run(capsys, "--db", db, "read", did, *TODAY)
    assert code == 0
    assert "已转入新的录入申报 ZY20261100002" in out

    assert _run(capsys, "--db", db, "void", "ZY20261100002", *TODAY)[0] == 0

    code, out, _ = _run(capsys, "--db", db, "query", "declarations", *TODAY)
    assert code == 0
    assert "申报编号" in out and "已作废" in out and "已读" in out
    code, out, _ = _run(capsys, "--db", db, "query", "persons", "--unit", UNIT, *TODAY)
    assert "参保缴费人数" not in out and "张三" not in out  # insured from 2026-12: not yet
    code, out, _ = _run(
        capsys, "--db", db, "query", "persons", "--unit", UNIT, "--month", "2026-12", *TODAY
    )
    assert "张三" in out and "参保缴费" in out and GOOD not in out
    code, out, _ = _run(capsys, "--db", db, "query", "unit", "--month", "2026-12", *TODAY)
    assert UNIT in out and "单位名称" in out and "参保缴费人数" in out
    code, out, _ = _run(capsys, "--db", db, "query", "progress", "--id", EARLY, *TODAY)
    assert "已作废" in out and "审核不通过，已转入申报 ZY20261100002 重新办理" in out


def test_a_batch_with_rejected_rows_needs_accepted_only(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.csv"
    pl.DataFrame(
        {
            "身份证号码": [GOOD, "12345"],
            "姓名": ["张三", "李四"],
            "用工形式": ["城镇合同制职工"] * 2,
            "增加原因": ["在职人员新参保"] * 2,
            "增员年月": ["2026-12"] * 2,
            "人员类别": ["城镇制"] * 2,
        }
    ).write_csv(path)
    code, _, err = _run(capsys, "--db", db, "declare", str(path), "--unit", UNIT, *TODAY)
    assert code == 2
    assert "1 行未通过检查" in err and "Traceback" not in err
    code, out, _ = _run(
        capsys, "--db", db, "declare", str(path), "--unit", UNIT, "--accepted-only", *TODAY
    )
    assert code == 0 and "共 1 人" in out


def test_errors_are_one_chinese_line(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--db", db, "submit", "ZY20990100001", *TODAY)
    assert code == 2 and "找不到申报「ZY20990100001」" in err
    code, _, err = _run(capsys, "--db", db, "query", "persons", *TODAY)
    assert code == 2 and "需要 --unit" in err
    code, _, err = _run(capsys, "--db", db, "query", "unit", "--today", "2026-13-01")
    assert code == 2 and "经办日期「2026-13-01」无效" in err
    code, _, err = _run(capsys, "submit", "ZY20261100001")
    assert code == 2 and "--db" in err


def test_every_business_has_a_result_review_never_fails_after_saving(
    db: str, batch_file: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """工资申报 had no result table: review saved, then exited 2 (issue 13 item 3)."""
    _run(capsys, "--db", db, "declare", batch_file, "--unit", UNIT, "--kind", "enrolment", *TODAY)
    _run(capsys, "--db", db, "submit", "ZY20261100001", *TODAY)
    _run(capsys, "--db", db, "review", "ZY20261100001", *TODAY)
    wages = tmp_path / "工资.csv"
    pl.DataFrame(
        {"社会保障号码": [GOOD, EARLY], "姓名": ["张三", "李四"], "缴费工资": ["5000.00"] * 2}
    ).write_csv(wages)
    code, out, err = _run(
        capsys, "--db", db, "declare", str(wages), "--unit", UNIT, "--kind", "wage_base",
        "--month", "2026-12", *TODAY,
    )  # fmt: skip
    assert code == 0, err
    did = out.split("已录入工资申报 ", 1)[1].split("，", 1)[0]
    _run(capsys, "--db", db, "submit", did, *TODAY)
    code, out, err = _run(capsys, "--db", db, "review", did, *TODAY)
    assert code == 1 and err == ""  # a row was rejected (李四 is not insured): not a failure
    assert "共2人，审核成功 1 人，不通过 1 人" in out and "李四" in out
    with Workspace(db, read_only=True) as ws:
        assert ws.declaration(did)["status"] == "reviewed"

    code, out, err = _run(capsys, "--db", db, "result", did, "-o", str(tmp_path), *TODAY)
    assert code == 0, err
    assert "序号" in out and "缴费工资" in out and "5000.00" in out and "500000" not in out
    assert GOOD not in out and "370102********" in out  # masked on the screen
    sheet = openpyxl.load_workbook(tmp_path / "工资申报_审核结果.xlsx").active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1] == (
        "序号",
        "审核结果",
        "审核说明",
        "社会保障号码",
        "姓名",
        "缴费工资",
        "申报年月",
    )
    assert values[2][1] == "审核成功" and values[2][3] == GOOD  # in full: the user's own file
    assert values[2][5:] == ("5000.00", "2026-12")
    assert values[3][1] == "不通过"


def test_review_lists_the_first_refusals_and_points_to_the_result_file(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A big refusal is not 9,000 terminal lines: 20 shown, the rest counted, ``result -o`` named."""
    early = [_id("19910101", f"{n:03d}") for n in range(200, 225)]
    path = tmp_path / "增员25.csv"
    pl.DataFrame(
        {
            "身份证号码": early,
            "姓名": [f"测试{n}" for n in range(25)],
            "用工形式": ["城镇合同制职工"] * 25,
            "增加原因": ["在职人员新参保"] * 25,
            "增员年月": ["2026-11"] * 25,  # before the month the agency accepts: 不通过
            "人员类别": ["城镇制"] * 25,
        }
    ).write_csv(path)
    code, out, _ = _run(
        capsys, "--db", db, "declare", str(path), "--unit", UNIT, "--kind", "enrolment", *TODAY
    )
    assert code == 0
    did = "ZY20261100001"
    assert _run(capsys, "--db", db, "submit", did, *TODAY)[0] == 0
    code, out, _ = _run(capsys, "--db", db, "review", did, *TODAY)
    assert code == 1
    assert "共25人，审核成功 0 人，不通过 25 人" in out
    listed = [line for line in out.splitlines() if line.startswith("  序号")]
    assert len(listed) == 20
    assert "……另有 5 人不通过" in out and f"result {did} -o 审核结果.xlsx" in out
