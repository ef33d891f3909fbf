"""增减员 from the HR roster: every outcome, the cut-off, the files, and nothing left to do after."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from sbbatch.batch import check
from sbbatch.ids import check_char
from sbbatch.review import review
from sbbatch.roster import compare_roster, declare_roster, write_roster
from sbbatch.store import Workspace
from sbbatch.unit_files import load

MONTH = dt.date(2026, 11, 1)
UNIT = "0010118873"


def pid(first17: str) -> str:
    """A valid ID number from its first 17 digits."""
    return first17 + pl.select(check_char(pl.lit(first17))).item()


A = pid("37010219900101123")  # insured, wage changes
B = pid("37010219850505234")  # insured, leaves 2026-10-31
C = pid("37010219751212101")  # insured, missing from the roster
D = pid("37010219880808321")  # insured, unchanged
E = pid("37010219950315112")  # new hire 2026-11-03
F = pid("37010219600101123")  # new hire born 1960 (male): past retirement
G = pid("37010219920202112")  # left 2026-09-30, never insured here
H = pid("37010219960606222")  # hired 2026-12-05


def _workspace(today: dt.date) -> Workspace:
    ws = Workspace(today=today)
    load(
        ws,
        "unit",
        pl.DataFrame(
            {
                "单位编号": [UNIT],
                "单位名称": ["济南示例"],
                "行业风险类别": ["1"],
                "缴费方式": ["银行代扣"],
            }
        ),
    )
    load(
        ws,
        "persons",
        pl.DataFrame(
            {
                "身份证号码": [A, B, C, D],
                "姓名": ["张三", "李四", "王五", "赵一"],
                "人员类别": ["城镇制"] * 4,
                "参保年月": ["2019-04", "2021-07", "2020-01", "2022-01"],
            }
        ),
    )
    load(
        ws,
        "wages",
        pl.DataFrame(
            {
                "身份证号码": [A, B, C, D],
                "申报年月": ["2026-10"] * 4,
                "缴费工资": ["6000", "5000", "4500", "4000"],
            }
        ),
    )
    return ws


ROSTER = pl.DataFrame(
    {
        "身份证号码": [A, B, D, E, F, G, H, "370102199001011232"],
        "姓名": ["张三", "李四", "赵一", "新人", "老钱", "前员工", "未来", "坏号"],
        "入职日期": [
            "2019-04-01",
            "2021-07-01",
            "2022-01-01",
            "2026-11-03",
            "2026-11-01",
            "2024-01-01",
            "2026-12-05",
            "2026-11-01",
        ],
        "离职日期": [None, "2026-10-31", None, None, None, "2026-09-30", None, None],
        "缴费基数": ["6500", "5000", "4000", "7000", "3000", None, "5000", "5000"],
        "人员类别": ["城镇制"] * 8,
        "用工形式": ["城镇合同制职工"] * 8,
    }
)


def test_every_outcome_with_its_reason_and_totals_that_reconcile() -> None:
    ws = _workspace(dt.date(2026, 11, 20))
    result = compare_roster(ws, ROSTER, MONTH)
    outcome = dict(result.compared.select("person_id", "outcome_label").iter_rows())
    assert outcome == {
        A: "基数变化",
        B: "离职",
        C: "不在花名册",
        D: "已在参保",
        E: "新入职",
        F: "超出退休年龄",
        G: "已离职未参保",
        H: "未到入职日期",
        "370102199001011232": "花名册有误",
    }
    counts = result.counts()
    roster_parts = sum(n for label, n in counts.items() if label != "不在花名册")
    assert roster_parts == result.batch.rows_read == ROSTER.height
    assert result.enrolment.select("person_id", "month").rows() == [(E, MONTH)]
    assert result.departure.select("person_id", "month", "leave_reason").rows() == [
        (B, MONTH, "221")
    ]
    wages = dict(result.wage_base.select("person_id", "wage_fen").iter_rows())
    assert wages == {A: 650000, D: 400000, E: 700000}
    note = result.compared.filter(pl.col("person_id") == A)["note"].item()
    assert note == "缴费基数 6000.00 → 6500.00"
    assert "受理截止日为每月 25 日" in result.cutoff_note


def test_after_the_cut_off_day_new_hires_are_enrolled_from_next_month() -> None:
    ws = _workspace(dt.date(2026, 11, 26))
    result = compare_roster(ws, ROSTER, MONTH)
    (row,) = result.enrolment.select("person_id", "month").rows()
    assert row == (E, dt.date(2026, 12, 1))
    note = result.compared.filter(pl.col("person_id") == E)["note"].item()
    assert "增员年月 2026-12" in note and "已过受理截止日" in note
    assert E not in result.wage_base["person_id"].to_list()  # not insured in 2026-11


def test_the_written_files_are_the_agency_templates_and_check_clean(tmp_path: Path) -> None:
    ws = _workspace(dt.date(2026, 11, 20))
    result = compare_roster(ws, ROSTER, MONTH)
    files = write_roster(result, tmp_path)
    for part in ("enrolment", "departure", "wage_base"):
        batch = check(files[part], today=ws.today)
        assert batch.rejected.height == 0, batch.failures
        assert batch.rows_read == getattr(result, part).height
    sheet = load_workbook(files["summary"])["花名册比对"]
    headers = [c.value for c in sheet[1]]
    assert headers[:5] == ["花名册行号", "身份证号码", "姓名", "比对结果", "说明"]
    values = {row[1]: row[3] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values[B] == "离职"
    totals = load_workbook(files["summary"])["汇总"]
    assert totals.cell(1, 1).value == "比对结果"


@pytest.mark.parametrize("today", [dt.date(2026, 11, 20), dt.date(2026, 11, 27)])
def test_applying_the_batches_leaves_nothing_to_do(today: dt.date) -> None:
    ws = _workspace(today)
    first = compare_roster(ws, ROSTER, MONTH)
    numbers = declare_roster(ws, first)
    assert set(numbers) == {"enrolment", "departure", "wage_base"} or today.day > 25
    for number in numbers.values():
        ws.submit(number)
        outcome = review(ws, number)
        assert set(outcome["review_result"].to_list()) == {"审核成功"}, outcome
    again = compare_roster(ws, ROSTER, MONTH)
    left = again.compared.filter(pl.col("outcome_label").is_in(["新入职", "离职", "基数变化"]))
    assert left.height == 0, left
    assert again.enrolment.height == again.departure.height == 0


def test_the_batches_can_be_written_as_xls(tmp_path: Path) -> None:
    ws = _workspace(dt.date(2026, 11, 20))
    result = compare_roster(ws, ROSTER, MONTH)
    files = write_roster(result, tmp_path, batch_format="xls")
    assert files["enrolment"].name == "增员报盘.xls"
    batch = check(files["wage_base"], today=ws.today)
    assert batch.rows_read == result.wage_base.height
    assert batch.rejected.height == 0
    assert sorted(batch.rows["person_id"].to_list()) == sorted([A, D, E])
