"""Tests of the registry queries: 单位信息, 单位人员, 申报业务, 办理进度."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from stdnum.cn import ric

from sbbatch.exceptions import UnusableInputError
from sbbatch.queries.registry import (
    ZH_HEADERS,
    declarations,
    progress,
    unit_info,
    unit_persons,
)
from sbbatch.review import declare, review
from sbbatch.store import Workspace

UNIT = "0010118873"


def _id(born: str, sequence: str) -> str:
    first17 = f"370102{born}{sequence}"
    return first17 + ric.calc_check_digit(first17 + "0")


A = _id("19900101", "111")  # insured (two insurances)
B = _id("19910101", "121")  # left: 在职人员辞职 (终止参保)
C = _id("19920101", "131")  # left: 停薪留职 (暂停缴费)
D = _id("19930101", "141")  # starts in 2027: not yet listed


@pytest.fixture
def people(ws: Workspace) -> Workspace:
    ws.load(
        persons=pl.DataFrame(
            {
                "person_id": [A, B, C, D],
                "name": ["张三", "李四", "王五", "张小六"],
                "gender": ["1", "1", "1", "1"],
                "birth_date": [
                    dt.date(1990, 1, 1),
                    dt.date(1991, 1, 1),
                    dt.date(1992, 1, 1),
                    dt.date(1993, 1, 1),
                ],
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [UNIT] * 5,
                "person_id": [A, A, B, C, D],
                "insurance": ["1", "3", "1", "1", "1"],
                "person_category": ["11"] * 5,
                "from_month": [dt.date(2020, 1, 1)] * 4 + [dt.date(2027, 1, 1)],
                "until_month": [None, None, dt.date(2025, 1, 1), dt.date(2026, 3, 1), None],
                "leave_reason": [None, None, "222", "228", None],
            }
        ),
    )
    return ws


def test_unit_info_counts_the_persons_by_status(people: Workspace) -> None:
    info = unit_info(people, UNIT)
    assert info.select(
        "unit_name",
        "unit_type",
        "payment_method",
        "insured_persons",
        "suspended_persons",
        "ended_persons",
    ).row(0) == ("济南测试科技有限公司", "企业", "网银缴费", 1, 1, 1)
    assert info["month"][0] == dt.date(2026, 11, 1)
    # in 2025-06 王五 was still insured
    assert unit_info(people, UNIT, month=dt.date(2025, 6, 1))["insured_persons"][0] == 2
    with pytest.raises(UnusableInputError, match="不在工作区"):
        unit_info(people, "0000000000")


def test_unit_persons_status_at_a_month(people: Workspace) -> None:
    persons = unit_persons(people, UNIT)
    assert persons.select("name", "insured_status").rows() == [
        ("张三", "参保缴费"),
        ("李四", "终止参保"),
        ("王五", "暂停缴费"),
    ]
    row = persons.row(0, named=True)
    assert (row["gender"], row["person_category"], row["insurances"]) == (
        "男",
        "城镇制",
        "基本养老保险、职工基本医疗保险",
    )
    left = persons.row(1, named=True)
    assert (left["until_month"], left["leave_reason"]) == (dt.date(2025, 1, 1), "在职人员辞职")
    later = unit_persons(people, UNIT, month=dt.date(2027, 1, 1))
    assert "张小六" in later["name"].to_list()


def test_unit_persons_filters(people: Workspace) -> None:
    assert unit_persons(people, UNIT, name="张")["name"].to_list() == ["张三"]
    assert unit_persons(people, UNIT, person_id=B)["name"].to_list() == ["李四"]
    assert unit_persons(people, UNIT, status="终止")["name"].to_list() == ["李四"]
    assert unit_persons(people, UNIT, status="2")["name"].to_list() == ["王五"]
    assert unit_persons(people, UNIT, status="参保缴费")["name"].to_list() == ["张三"]


def _enrol(ws: Workspace, person_id: str, name: str, month: str = "2026-12") -> str:
    return declare(
        ws,
        {
            "身份证号码": person_id,
            "姓名": name,
            "用工形式": "城镇合同制职工",
            "增加原因": "在职人员新参保",
            "增员年月": month,
            "人员类别": "城镇制",
        },
        UNIT,
        kind="enrolment",
    )


def test_declarations_with_counts_dates_and_filters(people: Workspace) -> None:
    new = _id("19950101", "151")
    reviewed = declare(
        people,
        pl.DataFrame(
            {
                "身份证号码": [new, A],
                "姓名": ["赵七", "张三"],
                "用工形式": ["城镇合同制职工"] * 2,
                "增加原因": ["在职人员新参保"] * 2,
                "增员年月": ["2026-12"] * 2,
                "人员类别": ["城镇制"] * 2,
            }
        ),
        UNIT,
        kind="enrolment",
    )
    people.submit(reviewed)
    review(people, reviewed)
    draft = _enrol(people, _id("19960101", "161"), "钱八")
    found = declarations(people)
    assert found["declaration_id"].to_list() == [draft, reviewed]
    row = found.filter(pl.col("declaration_id") == reviewed).row(0, named=True)
    assert (
        row["kind_title"],
        row["status_label"],
        row["total"],
        row["approved"],
        row["rejected"],
    ) == (
        "增员申报",
        "已审核",
        2,
        1,
        1,
    )
    assert row["submitted_at"] == row["reviewed_at"] == dt.datetime(2026, 11, 26)
    assert row["read_at"] is None
    assert declarations(people, status="录入")["declaration_id"].to_list() == [draft]
    assert declarations(people, kind="减员申报").height == 0
    assert declarations(people, month_from=dt.date(2026, 12, 1)).height == 0
    assert declarations(people, month_to=dt.date(2026, 11, 1)).height == 2
    with pytest.raises(UnusableInputError, match="未知的申报状态"):
        declarations(people, status="飞了")
    assert set(found.columns) <= set(ZH_HEADERS)


def test_progress_of_one_person(people: Workspace) -> None:
    person = _id("19950101", "151")
    first = _enrol(people, person, "赵七", month="2026-10")
    people.submit(first)
    review(people, first)
    assert progress(people, person)["stage"].to_list() == ["审核不通过，待设为已读后修改重报或作废"]
    redraft = people.mark_read(first)
    stages = progress(people, person)
    assert stages["declaration_id"].to_list() == [first, redraft]
    assert stages["stage"].to_list() == [
        f"审核不通过，已转入申报 {redraft} 重新办理",
        "已录入，待提交",
    ]
    assert stages["review_result"].to_list() == ["不通过", None]
    assert "补缴" in stages["review_opinion"][0]
    assert progress(people, "370102000000000000").height == 0
    assert set(stages.columns) <= set(ZH_HEADERS)
