"""The CLI's edges (issue 15 item 4): Chinese framing, --version, --db anywhere, pipes,
folders, foreign sheets, report names, the refused declare's hint, database errors."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from sbbatch import __version__, cli
from sbbatch._cli import translate
from sbbatch.store import Workspace

UNIT = "0010118873"
GOOD = "370102199001011231"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _enrolment(path: Path, ids: list[str]) -> Path:
    pl.DataFrame(
        {
            "身份证号码": ids,
            "姓名": ["张三"] * len(ids),
            "用工形式": ["城镇合同制职工"] * len(ids),
            "增加原因": ["在职人员新参保"] * len(ids),
            "增员年月": ["2026-12"] * len(ids),
            "人员类别": ["城镇制"] * len(ids),
        }
    ).write_csv(path)
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
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
    return path


# ------------------------------------------------------------------ framing
def test_help_is_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--help")
    assert code == 0
    assert out.startswith("用法：sbbatch")
    assert "选项：" in out and "命令：" in out and "显示本帮助并退出" in out
    for english in ("usage:", "options:", "show this help", "positional arguments"):
        assert english not in out
    code, out, _ = _run(capsys, "declare", "--help")
    assert code == 0 and out.startswith("用法：sbbatch declare")
    assert "位置参数：" in out and "--unit 单位编号" in out and "--today 日期" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check"], "sbbatch：参数有误：缺少必需的参数：文件。"),
        (["chek", "x.csv"], "sbbatch：参数有误：命令：无效的选择「chek」，可选：demo、init、"),
        (["kinds", "--frmat", "json"], "sbbatch：参数有误：无法识别的参数：--frmat json。"),
        (["query", "everything"], "查询：无效的选择「everything」，可选：unit、persons、"),
        (["sample", "--out", "x", "--seed", "abc"], "--seed：「abc」不是整数。"),
        (["check", "x.csv", "--kind"], "--kind：需要一个值。"),
    ],
)
def test_usage_errors_are_chinese_with_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = _run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("用法：sbbatch")
    assert message in err
    assert "error:" not in err and "usage:" not in err


def test_an_unknown_english_message_is_kept() -> None:
    assert translate("argument --x: something new") == "--x：something new"


def test_version_comes_from_the_package_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    code, out, _ = _run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"sbbatch {version('sbbatch')}" == f"sbbatch {__version__}"


# ------------------------------------------------------------------ --db anywhere
def test_db_before_or_after_the_command_or_from_the_environment(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _run(capsys, "--db", str(db), "query", "unit", "--format", "json")
    after = _run(capsys, "query", "unit", "--db", str(db), "--format", "json")
    monkeypatch.setenv("SBBATCH_DB", str(db))
    env = _run(capsys, "--format", "json", "query", "unit")
    assert before[0] == after[0] == env[0] == 0
    assert before[1] == after[1] == env[1]
    assert UNIT in before[1]
    monkeypatch.delenv("SBBATCH_DB")
    code, _, err = _run(capsys, "query", "unit")
    assert code == 2
    assert err.strip() == "sbbatch：请用 --db 指定工作区文件（或设环境变量 SBBATCH_DB）。"


def test_a_value_after_the_command_wins(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--format", "text", "--db", "x.duckdb", "kinds", "--format", "json")
    assert code == 0 and out.startswith("{")


# ------------------------------------------------------------------ pipes
def test_a_closed_pipe_ends_quietly_with_exit_0(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "0"}
    result = subprocess.run(
        f"'{sys.executable}' -m sbbatch.cli policy | head -n 1; exit ${{PIPESTATUS[0]}}",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert len(result.stdout.splitlines()) == 1


# ------------------------------------------------------------------ files
def test_check_a_folder_checks_every_batch_file_in_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "报盘"
    folder.mkdir()
    _enrolment(folder / "a增员.csv", [GOOD])
    _enrolment(folder / "b增员.csv", ["370102199001011232"])  # wrong check digit
    (folder / "c说明.txt").write_text("not a batch file")
    (folder / "~$a增员.xlsx").write_bytes(b"excel lock file")
    code, out, _ = _run(capsys, "check", str(folder))
    assert code == 1
    assert "【a增员.csv】" in out and "【b增员.csv】" in out and "c说明" not in out
    assert out.strip().endswith("共检查 2 个文件：有不通过行的 1 个，无法检查的 0 个。")


def test_check_an_empty_folder_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "check", str(tmp_path))
    assert code == 2 and out == ""
    assert f"文件夹「{tmp_path}」中没有报盘文件（xlsx、xls、csv、parquet）。" in err


def test_a_sheet_without_a_known_header_gets_a_short_stable_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "别的表.csv"
    pl.DataFrame({"货号": ["A1"], "单价": ["3.5"], "数量": ["2"]}).write_csv(path)
    messages = set()
    for _ in range(2):
        code, _, err = _run(capsys, "check", str(path))
        assert code == 2
        messages.add(err)
    (message,) = messages
    assert message.startswith("sbbatch：文件「别的表.csv」前 ")
    assert "没有找到表头（应为报盘模板的列，如「身份证号码」、「姓名」）" in message
    assert "--kind" in message and len(message) < 200


def test_a_report_that_is_not_xlsx_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = _enrolment(tmp_path / "增员.csv", [GOOD])
    code, out, err = _run(capsys, "check", str(batch), "--report", str(tmp_path / "r.html"))
    assert code == 2 and out == ""
    assert "错误报告只能写成 xlsx，「r.html」不是 .xlsx 文件。提示：请写 --report r.xlsx。" in err
    assert not (tmp_path / "r.html").exists()


def test_a_refused_declare_names_the_accepted_only_option(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = _enrolment(tmp_path / "增员.csv", [GOOD, "370102199001011232"])
    args = ["--db", str(db), "declare", str(batch), "--today", "2026-11-26"]
    code, _, err = _run(capsys, *args)
    assert code == 2
    assert "增员申报有 1 行未通过检查，未申报。" in err
    assert "或加 --accepted-only 只申报通过的行" in err and "accepted_only" not in err
    code, out, _ = _run(capsys, *args, "--accepted-only")
    assert code == 0 and "共 1 人" in out


# ------------------------------------------------------------------ database errors
def test_a_missing_workspace_is_chinese_with_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "没有.duckdb"
    code, out, _ = _run(capsys, "--db", str(missing), "summary", "--format", "json")
    assert code == 2
    assert "不存在" in out and "sbbatch init" in out and "IO Error" not in out


def test_a_workspace_locked_by_another_process_is_chinese_with_a_hint(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True);"
            " time.sleep(60)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        code, _, err = _run(capsys, "--db", str(db), "submit", "ZY20261100001")
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    assert code == 2
    assert err.startswith("sbbatch：") and "另一个进程" in err and "提示：" in err
    assert "IO Error" not in err.split("（")[0]


def test_a_file_that_is_not_a_workspace_is_chinese_with_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "别的.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.close()
    code, _, err = _run(capsys, "--db", str(path), "summary")
    assert code == 2
    assert "不是 sbbatch 工作区" in err
