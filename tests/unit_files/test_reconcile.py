"""对账: one planted difference of each cause is found with that cause; totals add up."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from sbbatch.cli import main
from sbbatch.exceptions import UnusableInputError
from sbbatch.reconcile import reconcile, write_reconciliation
from sbbatch.store import Workspace
from sbbatch.unit_files import load

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "my_unit"
MONTH = dt.date(2026, 10, 1)


def _workspace(path: Path | None = None) -> Workspace:
    ws = Workspace(path, today=dt.date(2026, 11, 20), create=True)
    for kind, name in (
        ("unit", "单位信息.xlsx"),
        ("persons", "单位人员信息.xls"),
        ("wages", "缴费工资.csv"),
    ):
        load(ws, kind, SAMPLE / name)
    return ws


def test_each_planted_difference_is_found_with_its_cause() -> None:
    ws = _workspace()
    result = reconcile(
        ws, MONTH, agency=SAMPLE / "缴费明细_2026-10.xlsx", payroll=SAMPLE / "工资表_2026-10.xlsx"
    )
    agency = result.lines.filter(pl.col("agency_cause").is_not_null())
    causes = agency.group_by("agency_cause").agg(
        pl.col("person_id").n_unique().alias("persons"), pl.len().alias("lines")
    )
    found = {row[0]: (row[1], row[2]) for row in causes.iter_rows()}
    assert found == {
        "人员不在本单位": (1, 1),
        "基数不同": (1, 1),
        "四舍五入": (1, 1),
        "缺月": (1, 5),  # one person not charged: all five insurances
        "费率不同": (1, 1),
        "多月": (1, 1),
    }
    rounding = agency.filter(pl.col("agency_cause") == "四舍五入").row(0, named=True)
    assert rounding["agency_unit_fen"] - rounding["ours_unit_fen"] == 1
    extra = agency.filter(pl.col("agency_cause") == "多月").row(0, named=True)
    assert extra["insurance"] == "5"  # 生育, merged into medical: sbbatch owes no such line
    payroll = result.lines.filter(pl.col("payroll_cause").is_not_null())
    assert dict(payroll.group_by("payroll_cause").agg(pl.col("person_id").n_unique()).rows()) == {
        "基数不同": 1,
        "缺月": 1,
    }


def test_totals_of_each_source_are_the_sums_of_their_lines() -> None:
    ws = _workspace()
    result = reconcile(
        ws, MONTH, agency=SAMPLE / "缴费明细_2026-10.xlsx", payroll=SAMPLE / "工资表_2026-10.xlsx"
    )
    agency_file = pl.read_excel(SAMPLE / "缴费明细_2026-10.xlsx", read_options={"header_row": 1})
    unit_fen = (agency_file["单位缴纳"].cast(pl.Decimal(18, 2)).sum() * 100).to_integral_value()
    totals = {row["source"]: row for row in result.totals().iter_rows(named=True)}
    assert totals["社保经办机构缴费明细"]["unit_fen"] == int(unit_fen)
    assert totals["sbbatch 计算"]["unit_fen"] == result.lines["ours_unit_fen"].sum()
    by_cause = result.by_cause()
    diff = result.lines.select(
        (
            pl.col("agency_unit_fen").fill_null(0)
            + pl.col("agency_person_fen").fill_null(0)
            - pl.col("ours_unit_fen").fill_null(0)
            - pl.col("ours_person_fen").fill_null(0)
        ).sum()
    ).item()
    agency_rows = by_cause.filter(pl.col("comparison").str.starts_with("社保经办机构"))
    assert agency_rows["diff_fen"].sum() == diff  # every difference is explained by a cause


def test_agreeing_sources_show_no_difference() -> None:
    ws = _workspace()
    from sbbatch.reconcile import own_lines

    ours = own_lines(ws, "0017365116", [MONTH])
    agency = ours.select(
        pl.col("person_id").alias("社会保障号码"),
        pl.lit("2026-10").alias("费款所属期"),
        pl.col("insurance").alias("险种"),
        pl.col("ours_unit_fen").alias("unit_fen"),
        pl.col("ours_person_fen").alias("person_fen"),
    )
    result = reconcile(ws, MONTH, agency=agency)
    assert result.differences.height == 0
    assert "一致" in result.summary_zh()


def test_without_agency_lines_the_analyst_is_told_what_to_load() -> None:
    with pytest.raises(UnusableInputError, match="sbbatch load payments"):
        reconcile(_workspace(), MONTH)


def test_the_cli_writes_the_workbook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "ws.duckdb"
    _workspace(db).close()
    out = tmp_path / "对账.xlsx"
    assert main(["--db", str(db), "load", "payments", str(SAMPLE / "缴费明细_2026-10.xlsx")]) == 0
    code = main(
        [
            "--db",
            str(db),
            "reconcile",
            "--month",
            "2026-10",
            "--payroll",
            str(SAMPLE / "工资表_2026-10.xlsx"),
            "-o",
            str(out),
        ]
    )
    text = capsys.readouterr().out
    assert code == 1
    assert "基数不同" in text and "相差" in text
    book = load_workbook(out)
    assert book.sheetnames == ["差异明细", "汇总", "差异原因", "说明", "全部明细"]
    assert book["差异明细"].max_row == 1 + 15
    code = main(["--db", str(db), "reconcile", "--month", "2026-10", "--format", "json"])
    shown = json.loads(capsys.readouterr().out)
    assert shown["differences"] == 10  # the agency's six causes, without a payroll
    write_reconciliation(reconcile(Workspace(db, read_only=True), MONTH), tmp_path / "b.xlsx")
