"""概况信息: headcount, money, open declarations, retirements, filings, cards."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from sbbatch.cli import main
from sbbatch.overview import overview
from sbbatch.review import declare
from sbbatch.roster import compare_roster
from sbbatch.store import Workspace
from sbbatch.unit_files import load

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "my_unit"


def _workspace(path: Path | None = None) -> Workspace:
    ws = Workspace(path, today=dt.date(2026, 11, 20), create=True)
    for kind, name in (
        ("unit", "单位信息.xlsx"),
        ("persons", "单位人员信息.xls"),
        ("wages", "缴费工资.csv"),
    ):
        load(ws, kind, SAMPLE / name)
    return ws


def test_the_overview_of_the_sample_unit() -> None:
    ws = _workspace()
    result = overview(ws)
    insured = result.headcount.filter(pl.col("参保状态") == "参保缴费")["人数"].sum()
    assert insured == 36
    assert result.headcount["人数"].sum() == 55  # everyone who was ever insured here
    assert result.money["due_fen"] == result.money["due_unit_fen"] + result.money["due_person_fen"]
    assert result.money["due_fen"] > 0 and result.money["paid_fen"] == 0
    # the 2025 schedule: each listed person reaches it within the next 12 months
    months = result.retiring["法定退休年月"].to_list()
    assert months == sorted(months)
    assert all("2026-11" <= m <= "2027-10" for m in months)
    assert result.retiring.height == 3
    assert dict(result.cards.iter_rows())["未申领"] == 36
    assert "没有未办结的申报" in result.summary_zh()


def test_open_declarations_are_counted_by_business_and_state() -> None:
    ws = _workspace()
    roster = compare_roster(
        ws, SAMPLE / "花名册_2026-11.xlsx", dt.date(2026, 11, 1), mapping=SAMPLE / "花名册映射.yaml"
    )
    number = declare(ws, roster.departure, "0017365116", kind="departure")
    ws.submit(number)
    declare(ws, roster.enrolment, "0017365116", kind="enrolment")
    result = overview(ws)
    assert sorted(result.open_declarations.rows()) == [
        ("减员申报", "已提交", 1),
        ("增员申报", "录入", 1),
    ]
    assert "未办结的申报" in result.summary_zh()


def test_the_cli_masks_ids_unless_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "ws.duckdb"
    _workspace(db).close()
    assert main(["--db", str(db), "overview"]) == 0
    text = capsys.readouterr().out
    assert "概况" in text and "参保缴费 36 人" in text
    assert main(["--db", str(db), "overview", "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["unit_id"] == "0017365116"
    assert len(shown["retiring"]) == 3
    assert all("*" in row["身份证号码"] for row in shown["retiring"])  # masked unless --unmask
