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
from sbbatch.reconcile import (
    ReconcileResult,
    _sorted,
    lines_file,
    reconcile,
    write_reconciliation,
)
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


def _result() -> ReconcileResult:
    return reconcile(
        _workspace(),
        MONTH,
        agency=SAMPLE / "缴费明细_2026-10.xlsx",
        payroll=SAMPLE / "工资表_2026-10.xlsx",
    )


def test_a_big_reconciliation_puts_every_line_in_a_lines_file(tmp_path: Path) -> None:
    """Above the workbook's limit the lines go to a parquet beside it: the same lines, to the fen."""
    result = _result()
    small = write_reconciliation(result, tmp_path / "small.xlsx")
    big = write_reconciliation(result, tmp_path / "big.xlsx", lines_in_workbook=10)
    assert load_workbook(small).sheetnames == ["差异明细", "汇总", "差异原因", "说明", "全部明细"]
    book = load_workbook(big)
    assert book.sheetnames == ["差异明细", "汇总", "差异原因", "说明"]
    notes = [row[0] for row in book["说明"].iter_rows(min_row=2, values_only=True)]
    assert any("big_全部明细.parquet" in str(note) for note in notes)
    lines = pl.read_parquet(tmp_path / "big_全部明细.parquet")
    assert lines.height == result.lines.height
    assert lines["身份证号码"].to_list() == result.lines["person_id"].to_list()
    fen = (lines["经办机构单位缴纳"].cast(pl.Decimal(20, 2)) * 100).cast(pl.Int64)
    assert fen.to_list() == result.lines["agency_unit_fen"].to_list()
    # the sheet 全部明细 of the small workbook holds the same lines as text
    sheet = [row for row in load_workbook(small)["全部明细"].iter_rows(min_row=2, values_only=True)]
    assert [row[0] for row in sheet] == lines["身份证号码"].to_list()
    assert [row[8] for row in sheet] == [
        None if v is None else f"{v:.2f}" for v in lines["经办机构单位缴纳"].to_list()
    ]
    # the differences are the same rows in both workbooks, their causes marked red
    first = [r for r in book["差异明细"].iter_rows(min_row=2, values_only=True)]
    assert first == [
        r for r in load_workbook(small)["差异明细"].iter_rows(min_row=2, values_only=True)
    ]
    cause = book["差异明细"]["E2"]
    assert cause.value and cause.fill.fgColor.rgb.endswith("FFC7CE")


def test_the_lines_file_can_be_csv_and_nothing_else(tmp_path: Path) -> None:
    result = _result()
    write_reconciliation(result, tmp_path / "a.xlsx", lines=tmp_path / "明细.csv")
    raw = (tmp_path / "明细.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads the UTF-8 Chinese
    csv = pl.read_csv(tmp_path / "明细.csv", infer_schema=False)
    assert csv.height == result.lines.height
    assert csv["费款所属期"].unique().to_list() == ["2026-10"]
    assert "全部明细" in load_workbook(tmp_path / "a.xlsx").sheetnames  # small: in the xlsx too
    with pytest.raises(UnusableInputError, match=r"parquet 或 \.csv"):
        write_reconciliation(result, tmp_path / "b.xlsx", lines=tmp_path / "明细.txt")
    assert lines_file(result, tmp_path / "c.xlsx") is None


def test_the_integer_sort_of_id_numbers_is_the_text_sort() -> None:
    ids = ["37010219740921361X", "370102197409213612", "110105196605074978", "37010219740921361X"]
    frame = pl.DataFrame(
        {
            "person_id": ids,
            "month": [MONTH, MONTH, MONTH, dt.date(2026, 9, 1)],
            "insurance": ["10", "2", "1", "1"],
        }
    )
    by_text = frame.sort("month", "person_id", pl.col("insurance").cast(pl.Int32))
    assert _sorted(frame.lazy(), [frame]).collect().equals(by_text)
    other = frame.with_columns(pl.Series("person_id", ["B1", "A2", "A10", "C"]))
    assert (
        _sorted(other.lazy(), [frame, other])
        .collect()
        .equals(other.sort("month", "person_id", pl.col("insurance").cast(pl.Int32)))
    )


def test_the_cli_reconciles_several_months_and_writes_the_lines_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "ws.duckdb"
    _workspace(db).close()
    assert main(["--db", str(db), "load", "payments", str(SAMPLE / "缴费明细_2026-10.xlsx")]) == 0
    capsys.readouterr()
    out, lines = tmp_path / "对账.xlsx", tmp_path / "明细.parquet"
    args = ["--db", str(db), "reconcile", "--month", "2026-09", "--month", "2026-10"]
    code = main([*args, "-o", str(out), "--lines", str(lines), "--format", "json"])
    shown = json.loads(capsys.readouterr().out)
    assert code == 1
    assert shown["months"] == ["2026-09", "2026-10"]
    assert shown["files"] == {"workbook": str(out), "lines": str(lines)}
    assert pl.read_parquet(lines).height == shown["lines"]
    assert main([*args, "--lines", str(lines)]) == 2  # a lines file needs the workbook
    assert "--lines" in capsys.readouterr().err


def test_differences_beyond_a_sheet_are_cut_there_and_all_in_the_lines_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sbbatch._reconcile_report as report

    monkeypatch.setattr(report, "EXCEL_MAX_ROWS", 5)  # a sheet of 4 data rows
    result = _result()
    assert result.differences.height > 4
    write_reconciliation(result, tmp_path / "对账.xlsx")
    book = load_workbook(tmp_path / "对账.xlsx")
    assert book["差异明细"].max_row == 5
    notes = " ".join(str(r[0]) for r in book["说明"].iter_rows(min_row=2, values_only=True))
    assert f"差异共 {result.differences.height:,} 行" in notes and "对账_全部明细.parquet" in notes
    lines = pl.read_parquet(tmp_path / "对账_全部明细.parquet")
    assert lines.height == result.lines.height
    assert lines.filter(pl.col("经办机构差异原因").is_not_null()).height == (
        result.lines["agency_cause"].is_not_null().sum()
    )
