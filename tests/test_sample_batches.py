"""The committed sample batch files check as expected, through the API and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from sbbatch.batch import check
from sbbatch.cli import main
from sbbatch.sample_batches import MESSY_ENROLMENT_EXPECTED, write_batch_samples

BATCHES = Path(__file__).resolve().parent.parent / "sample_data" / "batches"
TODAY = dt.date(2026, 11, 26)


@pytest.mark.parametrize(
    ("name", "kind", "rows", "rejected"),
    [
        ("enrolment.xlsx", "enrolment", 12, 0),
        ("departure.xlsx", "departure", 4, 0),
        ("wage_base.xlsx", "wage_base", 35, 0),
        ("enrolment_messy.xlsx", "enrolment", 13, 7),
        ("wage_base_hr_export_gb18030.csv", "wage_base", 12, 2),
    ],
)
def test_each_committed_file_checks_as_expected(
    name: str, kind: str, rows: int, rejected: int
) -> None:
    batch = check(BATCHES / name, today=TODAY)
    assert batch.kind == kind
    assert batch.rows_read == rows
    assert batch.rejected.height == rejected
    assert batch.accepted.height + batch.rejected.height == rows


def test_the_messy_file_finds_every_trap() -> None:
    batch = check(BATCHES / "enrolment_messy.xlsx", today=TODAY)
    found = batch.failures.group_by("rule").agg(pl.col("row").sort()).sort("rule")
    assert dict(zip(found["rule"], found["row"].to_list(), strict=True)) == MESSY_ENROLMENT_EXPECTED
    assert batch.raw is not None
    assert batch.raw.blank_rows == 1
    assert batch.raw.header_row == 3


def test_the_gb18030_export_is_read_with_its_own_headers() -> None:
    batch = check(BATCHES / "wage_base_hr_export_gb18030.csv", today=TODAY)
    assert batch.raw is not None and batch.raw.encoding == "gb18030"
    assert batch.rows["name"][-1] == "王䶮"
    assert batch.failures["rule"].to_list() == ["duplicate_in_file", "money_format"]


def test_the_committed_files_are_what_the_generator_writes(tmp_path: Path) -> None:
    for written in write_batch_samples(tmp_path):
        committed = check(BATCHES / written.name, today=TODAY)
        fresh = check(written, today=TODAY)
        assert fresh.rows.equals(committed.rows), written.name


def test_cli_check_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(BATCHES / "enrolment.xlsx")]) == 0
    capsys.readouterr()
    report = tmp_path / "错误报告.xlsx"
    assert (
        main(
            [
                "check",
                str(BATCHES / "enrolment_messy.xlsx"),
                "--report",
                str(report),
                "--format",
                "json",
            ]
        )
        == 1
    )
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {
        "file",
        "title",
        "kind",
        "rows",
        "accepted",
        "rejected",
        "warnings",
        "failures",
        "report",
    }
    assert (result["rows"], result["accepted"], result["rejected"], result["warnings"]) == (
        13,
        6,
        7,
        2,
    )
    assert set(result["failures"][0]) == {"row", "column", "value", "rule", "level", "message"}
    # ID numbers are masked on the terminal unless asked
    assert all(
        "*" in f["value"] for f in result["failures"] if f["column"] == "身份证号码" and f["value"]
    )
    sheet = openpyxl.load_workbook(report).worksheets[0]
    assert sheet.max_row >= 13


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "no/such/file.xlsx"], "找不到"),
        (["check", "README.md"], ""),
        (["check", "pyproject.toml", "--kind", "nothing"], "未知的业务"),
    ],
)
def test_cli_unusable_input_exits_2_without_traceback(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("sbbatch：")
    assert "Traceback" not in err
    assert message in err
