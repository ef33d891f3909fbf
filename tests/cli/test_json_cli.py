"""Every command answers ``--format json`` with one document valid against its schema.

The schemas are ``schemas/cli/<command>.schema.json`` (JSON Schema draft 2020-12); an
error (exit 2) is ``schemas/cli/error.schema.json``. One workspace is walked through
a month's work — load, declare, submit, review, read, bills, cards — by the CLI
itself, each step with ``--format json``, and every answer is validated.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from sbbatch import cli
from sbbatch.photos import synthetic_photo
from sbbatch.sample import generate
from sbbatch.store import Workspace

jsonschema = pytest.importorskip("jsonschema")

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas" / "cli"
TODAY = ["--today", "2026-11-26"]


def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / f"{name}.schema.json").read_text("utf-8"))
    return schema


def _leaf_commands(
    parser: argparse.ArgumentParser, prefix: str = ""
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                full = f"{prefix}{name}"
                children = list(_leaf_commands(sub, f"{full}-"))
                yield from children or [(full, sub)]


def test_every_schema_is_a_valid_draft_2020_12_schema() -> None:
    names = sorted(p.name.removesuffix(".schema.json") for p in SCHEMAS.glob("*.schema.json"))
    commands = sorted(name for name, _ in _leaf_commands(cli.build_parser()))
    assert names == sorted([*commands, "error"])
    for name in names:
        schema = _schema(name)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)


class Runner:
    """Runs commands with ``--format json`` and validates each answer against its schema."""

    def __init__(self, capsys: pytest.CaptureFixture[str], db: Path) -> None:
        self.capsys = capsys
        self.db = db
        self.seen: set[str] = set()

    def __call__(self, *argv: str, codes: tuple[int, ...] = (0,), db: bool = True) -> Any:
        words = [a for a in argv if not a.startswith("-")]
        name = "-".join(words[:2]) if words[0] in ("photos", "cards") else words[0]
        full = ["--db", str(self.db), *argv] if db else list(argv)
        code = cli.main([*full, "--format", "json"])
        captured = self.capsys.readouterr()
        assert code in codes, (argv, code, captured.out, captured.err)
        document = json.loads(captured.out)  # the whole of stdout is one JSON document
        schema = "error" if code == 2 else name
        jsonschema.validate(document, _schema(schema))
        if code != 2:
            self.seen.add(name)
        return document


def _write_csv(path: Path, columns: dict[str, list[Any]]) -> str:
    pl.DataFrame(columns).write_csv(path)
    return str(path)


def test_every_command_answers_json_valid_against_its_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "ws.duckdb"
    with Workspace(db, today=dt.date(2026, 11, 26), create=True) as ws:
        generate(n_units=1, n_persons=12).load_into(ws)
        ws.execute("UPDATE units SET payment_method = ?", ["2"])  # 网银缴费: bills are made
        unit = ws.table("units")["unit_id"][0]
        people = ws.table("persons").select("person_id", "name").sort("person_id")
    person, name = people.row(0)
    run = Runner(capsys, db)

    # -- core ------------------------------------------------------------------
    new = tmp_path / "新.duckdb"
    run("init", str(new), "--unit", "0010999999", "--name", "济南新单位", *TODAY, db=False)
    summary = run("summary")
    assert summary and all(isinstance(rows, list) for rows in summary.values())
    assert run("policy", "--table", "rates")["count"] > 0
    run("sample", "--out", str(tmp_path / "sample"), "--persons", "3", "--units", "1", db=False)
    assert any(k["kind"] == "enrolment" for k in run("kinds", db=False)["kinds"])

    # -- batch files -------------------------------------------------------------
    folder = tmp_path / "报盘"
    folder.mkdir()
    newcomer = "370102199001011231"
    batch = _write_csv(
        folder / "增员.csv",
        {
            "身份证号码": [newcomer],
            "姓名": ["张三"],
            "用工形式": ["城镇合同制职工"],
            "增加原因": ["在职人员新参保"],
            "增员年月": ["2026-12"],
            "人员类别": ["城镇制"],
        },
    )
    checked = run("check", batch, db=False)
    assert checked["file"] == batch and checked["accepted"] == 1
    assert run("check", str(folder), db=False)["files"][0]["file"] == batch
    run("template", "enrolment", "-o", str(tmp_path / "模板.xlsx"), db=False)
    run("convert", batch, str(tmp_path / "增员.xlsx"), "--kind", "enrolment", db=False)
    run("schema", "enrolment", db=False)
    run("schema", "enrolment", "--out", str(tmp_path / "contracts"), db=False)

    # -- the unit's own files -----------------------------------------------------
    wages = _write_csv(
        tmp_path / "工资.csv",
        {"身份证号码": [person], "申报年月": ["2026-11"], "缴费工资": ["6000.00"]},
    )
    assert run("load", "wages", wages, *TODAY, codes=(0, 1))["kind"] == "wages"
    payments = _write_csv(
        tmp_path / "缴费明细.csv",
        {
            "身份证号码": [person],
            "费款所属期": ["2026-10"],
            "险种": ["1"],
            "单位缴纳": ["960.00"],
            "个人缴纳": ["480.00"],
        },
    )
    run("load", "payments", payments, *TODAY, codes=(0, 1))
    run("reconcile", "--month", "2026-10", *TODAY, codes=(0, 1))
    run("overview", *TODAY)
    roster = _write_csv(
        tmp_path / "花名册.csv",
        {
            "身份证号码": people["person_id"].to_list(),
            "姓名": people["name"].to_list(),
            "入职日期": ["2020-01-01"] * people.height,
            "人员类别": ["城镇制"] * people.height,
            "用工形式": ["城镇合同制职工"] * people.height,
        },
    )
    out = tmp_path / "roster"
    run("roster", roster, "--month", "2026-11", "--out", str(out), *TODAY, codes=(0, 1))

    # -- declaring ---------------------------------------------------------------
    declared = run("declare", batch, "--unit", unit, *TODAY)
    number = declared["declaration_id"]
    assert declared["declared_rows"] == 1 and declared["check"]["accepted"] == 1
    assert run("submit", number, *TODAY)["status"] == "已提交"
    reviewed = run("review", number, *TODAY, codes=(0, 1))
    assert reviewed["approved"] == 1, reviewed["results"]
    assert reviewed["rows"] == reviewed["approved"] + reviewed["rejected"] == 1
    assert newcomer not in json.dumps(reviewed, ensure_ascii=False)  # masked
    assert run("result", number, "-o", str(tmp_path / "结果.xlsx"), *TODAY)["rows"] == 1
    run("print", number, "-o", str(tmp_path / "增员表.pdf"), *TODAY)
    run("read", number, *TODAY)
    again = run("declare", batch, "--unit", unit, *TODAY)["declaration_id"]
    assert run("void", again, *TODAY)["status"] == "已作废"
    for query in (["unit"], ["persons", "--unit", unit], ["declarations"], ["loads"]):
        assert run("query", *query, *TODAY)["query"] == query[0]
    progress = run("query", "progress", "--id", newcomer, *TODAY)
    assert progress["count"] >= 1
    assert run("query", "progress", "--id", newcomer, "--unmask", *TODAY)["count"] >= 1

    # -- money -------------------------------------------------------------------
    totals = run("contributions", "-o", str(tmp_path / "明细.csv"), "--month", "2026-10", *TODAY)
    assert totals["total_fen"] > 0
    bill = run("bill", "--unit", unit, "--month", "2026-10", "--allow-missing", *TODAY)
    assert bill["total_fen"] > 0
    paid = run("pay", bill["bill_id"], *TODAY)
    assert paid["success"] is True
    run("fee-form", "--unit", unit, "--month", "2026-10", "-o", str(tmp_path / "申报表.pdf"))
    backpay = _write_csv(
        tmp_path / "补缴.csv",
        {"社会保障号码": [person], "姓名": [name], "补缴年月": ["2026-09"], "缴费基数": ["5000"]},
    )
    run("backpay", backpay, "--unit", unit, *TODAY, codes=(0, 1))

    # -- cards -------------------------------------------------------------------
    photos = tmp_path / "照片"
    photos.mkdir()
    (photos / f"{person}{name}.jpg").write_bytes(synthetic_photo(seed=3))
    checked_photos = run("photos", "check", str(photos), db=False)
    assert checked_photos[0]["file"] == f"{person}{name}.jpg"  # file names are not masked
    assert checked_photos[0]["person_id"] != person  # the person_id field is
    assert run("cards", "status", "--unit", unit, "--list")["persons"]
    run("cards", "export", "--unit", unit, "-o", str(tmp_path / "未制卡.xlsx"))
    run("cards", "result", number, codes=(0, 2))

    # -- demo (its engine is tested elsewhere; here: JSON on stdout, the story on stderr)
    def fake_demo(db: str | None = None, out: str = "out/demo") -> Path:
        print("演示的文字说明")
        (Path(out) / "x.txt").parent.mkdir(parents=True, exist_ok=True)
        (Path(out) / "x.txt").write_text("x")
        return Path(db or "w.duckdb")

    monkeypatch.setattr("sbbatch.demo.run_demo", fake_demo)
    demo = run("demo", "--out", str(tmp_path / "demo"), db=False)
    assert demo["files"] == [str(tmp_path / "demo" / "x.txt")]

    # -- app (the page itself is tested in a browser; here: where it will be, then Voilà)
    started: list[list[str]] = []
    monkeypatch.setattr("sbbatch._cli.app.os.execve", lambda _f, argv, _env: started.append(argv))
    page = run("app", "--port", "8899", "--no-browser", "--out", str(tmp_path / "app"))
    assert page["url"] == "http://127.0.0.1:8899/" and started and "voila" in started[0]

    commands = {name for name, _ in _leaf_commands(cli.build_parser())}
    assert commands - run.seen <= {"cards-result"}, sorted(commands - run.seen)


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["check", "{tmp}/没有.csv"], "找不到文件「没有.csv」"),
        (["--db", "{tmp}/没有.duckdb", "summary"], "不存在"),
        (
            [
                "--db",
                "{tmp}/ws.duckdb",
                "template",
                "wage_base",
                "-o",
                "{tmp}/t.xlsx",
                "--with-data",
                "--unit",
                "0010999999",
            ],
            "0010999999",
        ),
        (["check", "{tmp}/坏.xlsx"], "坏.xlsx"),
        (["chek", "x"], "无效的选择「chek」"),
    ],
)
def test_errors_are_json_on_stdout_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], error: str
) -> None:
    with Workspace(tmp_path / "ws.duckdb", today=dt.date(2026, 11, 26), create=True):
        pass
    (tmp_path / "坏.xlsx").write_bytes(b"not a workbook at all")
    code = cli.main([a.replace("{tmp}", str(tmp_path)) for a in argv] + ["--format", "json"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err == ""
    document = json.loads(captured.out)
    jsonschema.validate(document, _schema("error"))
    assert error in document["error"] + (document["hint"] or "")
