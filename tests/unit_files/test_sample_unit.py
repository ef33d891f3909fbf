"""The shipped unit (sample_data/my_unit): agency exports load cleanly, the roster's counts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from sbbatch.batch import check
from sbbatch.roster import compare_roster, write_roster
from sbbatch.store import Workspace
from sbbatch.unit_files import load

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "my_unit"
TODAY = dt.date(2026, 11, 20)


def _workspace() -> Workspace:
    ws = Workspace(today=TODAY)
    for kind, name in (
        ("unit", "单位信息.xlsx"),
        ("persons", "单位人员信息.xls"),
        ("wages", "缴费工资.csv"),
    ):
        result = load(ws, kind, SAMPLE / name)
        assert result.rejected == 0, result.failures
        assert result.accepted == result.rows_read
    return ws


def test_the_agency_exports_load_and_reload_idempotently() -> None:
    ws = _workspace()
    assert ws.table("units")["unit_id"].to_list() == ["0017365116"]
    assert ws.table("persons").height == 55
    again = load(ws, "persons", SAMPLE / "单位人员信息.xls")
    assert (again.added, again.changed, again.unchanged) == (0, 0, 55)


def test_the_roster_of_2026_11(tmp_path: Path) -> None:
    ws = _workspace()
    result = compare_roster(
        ws, SAMPLE / "花名册_2026-11.xlsx", dt.date(2026, 11, 1), mapping=SAMPLE / "花名册映射.yaml"
    )
    assert result.counts() == {
        "新入职": 2,
        "离职": 2,
        "基数变化": 4,
        "已在参保": 29,
        "超出退休年龄": 1,
        "已离职未参保": 1,
        "未到入职日期": 1,
        "不在花名册": 1,
        "花名册有误": 2,
    }
    assert result.batch.rows_read == 42
    invalid = result.compared.filter(pl.col("outcome_label") == "花名册有误")
    assert sorted(invalid["source_row"].to_list()) == [41, 42]  # header row 1, 35 staff, extras
    files = write_roster(result, tmp_path)
    for part in ("enrolment", "departure", "wage_base"):
        batch = check(files[part], today=TODAY)
        assert batch.rejected.height == 0, batch.failures
    assert files["errors"].is_file()
