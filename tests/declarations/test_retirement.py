"""Tests of 退休申报 (manual §5.2): its rules against the registry, the effect, end to end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import polars as pl
import pytest

from sbbatch.declarations import get
from sbbatch.review import declare, result, review
from sbbatch.store import Workspace

Submit = Callable[..., str]
Outcomes = Callable[[str], dict[int, dict[str, str]]]
Messages = Callable[[str], dict[tuple[int, str], str]]

RETIRED_MONTH = dt.date(2024, 7, 1)


@pytest.fixture
def people(registry: Workspace, facts: SimpleNamespace) -> SimpleNamespace:
    """Two men departed from the unit with 在职转退休, and the unit's approver."""
    zhou = facts.make_id("370104", "19640615", "131")  # 414 pension months
    short = facts.make_id("370104", "19620310", "151")  # 87 pension months
    registry.load(
        persons=pl.DataFrame(
            {
                "person_id": [zhou, short],
                "name": ["周钢", "钱七"],
                "gender": ["1", "1"],
                "birth_date": [dt.date(1964, 6, 15), dt.date(1962, 3, 10)],
                "identity": ["1", "1"],
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [facts.UNIT] * 3,
                "person_id": [zhou, zhou, short],
                "insurance": ["1", "3", "1"],
                "person_category": ["11"] * 3,
                "from_month": [dt.date(1990, 1, 1), dt.date(1990, 1, 1), dt.date(2015, 1, 1)],
                "until_month": [RETIRED_MONTH, RETIRED_MONTH, dt.date(2022, 4, 1)],
                "add_reason": ["111"] * 3,
                "leave_reason": ["251"] * 3,
            }
        ),
    )
    registry.execute(
        "INSERT INTO unit_approvers VALUES (?, '王芳', '13105311234', 'SD1', ?)",
        [facts.UNIT, registry.today],
    )
    return SimpleNamespace(ZHOU=zhou, SHORT=short)


def _row(person_id: str, name: str, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "person_id": person_id,
        "name": name,
        "retirement_type": "2",
        "retirement_month": RETIRED_MONTH,
        "social_management": "1",
        "police_bureau": "济南市槐荫区",
        "police_station": "营市街",
    }
    row.update(fields)
    return row


def test_the_columns_are_the_manuals() -> None:
    declaration = get("退休申报")
    headers = [c.header for c in declaration.columns]
    assert len(headers) == 27
    assert headers[:3] == ["身份证号码", "社会保障号码", "姓名"]
    required = [c.header for c in declaration.required]
    assert required == [
        "身份证号码",
        "退休类别",
        "退休日期",
        "社会化管理方式",
        "公安分局",
        "派出所名称",
    ]


def test_a_departed_and_settled_person_passes(
    submitted: Submit, outcomes: Outcomes, people: SimpleNamespace
) -> None:
    did = submitted("retirement", _row(people.ZHOU, "周钢", declared_age=60))
    assert outcomes(did) == {}


def test_person_known(submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace) -> None:
    stranger = facts.make_id("370102", "19550101", "111")
    did = submitted("retirement", _row(stranger, "某人"))
    assert outcomes(did)[1]["person_known"] == "reject"


def test_departed_for_retirement(
    submitted: Submit, outcomes: Outcomes, messages: Messages, facts: SimpleNamespace, people: Any
) -> None:
    did = submitted("retirement", _row(facts.WANG, "王五", retirement_month=dt.date(2048, 9, 1)))
    assert outcomes(did)[1]["departed_for_retirement"] == "reject"
    assert "减员原因选在职转退休" in messages(did)[(1, "departed_for_retirement")]


def test_not_insured_anywhere(
    submitted: Submit, outcomes: Outcomes, messages: Messages, facts: SimpleNamespace, people: Any
) -> None:
    did = submitted("retirement", _row(facts.ZHANG, "张三", retirement_month=dt.date(2050, 1, 1)))
    assert outcomes(did)[1]["not_insured_anywhere"] == "reject"
    assert messages(did)[(1, "not_insured_anywhere")].startswith("该人员仍在 济南")


def test_normal_retirement_not_before_the_statutory_month(
    submitted: Submit, outcomes: Outcomes, messages: Messages, people: SimpleNamespace
) -> None:
    did = submitted("retirement", _row(people.ZHOU, "周钢", retirement_month=dt.date(2024, 5, 1)))
    assert outcomes(did)[1] == {"reached_retirement_age": "reject"}
    assert messages(did)[(1, "reached_retirement_age")] == (
        "退休日期 2024-05 早于正常退休的退休年月 2024-06（退休年龄 60岁0个月）。"
    )


def test_special_job_retirement_uses_the_early_age(
    submitted: Submit, outcomes: Outcomes, people: SimpleNamespace
) -> None:
    approved = dt.date(2019, 1, 10)
    ok = _row(
        people.ZHOU,
        "周钢",
        retirement_type="5",
        retirement_month=dt.date(2019, 6, 1),
        special_job_approval_date=approved,
    )
    early = {**ok, "retirement_month": dt.date(2017, 2, 1)}  # 钱七 is 55 in 2017-03
    did = submitted("retirement", ok, {**early, "person_id": people.SHORT, "name": "钱七"})
    found = outcomes(did)
    assert 1 not in found
    assert found[2]["reached_retirement_age"] == "reject"


def test_early_retirement_needs_its_approval(
    submitted: Submit, outcomes: Outcomes, people: SimpleNamespace
) -> None:
    month = dt.date(2019, 6, 1)
    did = submitted(
        "retirement",
        _row(people.ZHOU, "周钢", retirement_type="5", retirement_month=month),
        _row(people.SHORT, "钱七", retirement_type="4", retirement_month=dt.date(2012, 3, 1)),
    )
    found = outcomes(did)
    assert found[1] == {"special_job_needs_approval": "reject"}
    assert found[2]["illness_needs_appraisal"] == "reject"


def test_other_retirement_types_before_the_statutory_month_warn(
    submitted: Submit, outcomes: Outcomes, people: SimpleNamespace
) -> None:
    did = submitted(
        "retirement",
        _row(people.ZHOU, "周钢", retirement_type="6", retirement_month=dt.date(2024, 1, 1)),
    )
    assert outcomes(did)[1] == {"other_type_before_statutory": "warn"}


def test_minimum_contribution_says_the_shortfall(
    submitted: Submit, outcomes: Outcomes, messages: Messages, people: SimpleNamespace
) -> None:
    did = submitted("retirement", _row(people.SHORT, "钱七", retirement_month=dt.date(2022, 4, 1)))
    assert outcomes(did)[1] == {"minimum_contribution": "reject"}
    assert messages(did)[(1, "minimum_contribution")] == (
        "累计缴费年限 7.25 年（87 个月），不足最低缴费年限 15.00 年，还差 93 个月。"
    )


def test_declared_figures_that_differ_warn(
    submitted: Submit, outcomes: Outcomes, people: SimpleNamespace
) -> None:
    did = submitted(
        "retirement",
        _row(people.ZHOU, "周钢", contribution_years="34.50", declared_age=60),
        _row(people.ZHOU, "周钢", contribution_years="40.00", declared_age=59),
    )
    found = outcomes(did)
    assert 1 not in found
    assert found[2]["contribution_years_matches"] == "warn"
    assert found[2]["declared_age_matches"] == "warn"
    assert found[2]["once_in_declaration"] == "reject"


def test_approver_maintained(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, people: SimpleNamespace
) -> None:
    registry.execute("DELETE FROM unit_approvers")
    did = submitted("retirement", _row(people.ZHOU, "周钢"))
    assert outcomes(did)[1] == {"approver_maintained": "reject"}


def test_effect_records_the_retirement_once(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, people: SimpleNamespace
) -> None:
    did = submitted("retirement", _row(people.ZHOU, "周钢"))
    review(registry, did)
    record = registry.sql(
        "SELECT retirement_month, pension_start_month, declared_age, contribution_months "
        "FROM retirements WHERE person_id = ?",
        [people.ZHOU],
    )
    assert record.rows() == [(RETIRED_MONTH, dt.date(2024, 8, 1), 60, 414)]
    assert "退休申报审核通过 1 人" in registry.events(did)["note"].to_list()[-1]
    again = submitted("retirement", _row(people.ZHOU, "周钢"))
    assert outcomes(again)[1] == {"not_retired_yet": "reject"}


def test_end_to_end_from_chinese_headers(
    registry: Workspace, people: SimpleNamespace, facts: SimpleNamespace
) -> None:
    case = {
        "身份证号码": people.ZHOU,
        "姓名": "周钢",
        "退休类别": "正常退休",
        "退休日期": "2024-07",
        "社会化管理方式": "社区管理",
        "公安分局": "济南市槐荫区",
        "派出所名称": "营市街",
        "军转干标志": "否",
    }
    did = declare(registry, case, facts.UNIT, kind="retirement")
    registry.submit(did)
    review(registry, did)
    table = result(registry, did)
    assert table.select("review_result", "gender", "birth_date").row(0) == (
        "审核成功",
        "1",
        dt.date(1964, 6, 15),
    )


def test_the_printed_form_holds_the_names_and_ids(
    registry: Workspace, submitted: Submit, people: SimpleNamespace, tmp_path: Any
) -> None:
    from pypdf import PdfReader

    from sbbatch.exceptions import UnusableInputError
    from sbbatch.forms.printer import print_form

    did = submitted("retirement", _row(people.ZHOU, "周钢"), _row(people.SHORT, "钱七"))
    review(registry, did)
    path = print_form(registry, did, tmp_path / "退休申报表.pdf")
    reader = PdfReader(path)
    assert len(reader.pages) == 1  # 钱七 was not approved
    text = reader.pages[0].extract_text()
    for expected in ("退休申报表", "周钢", people.ZHOU, "正常退休", "34.50", "2024-08", "王芳"):
        assert expected in text
    assert people.SHORT not in text
    other = submitted("retirement", _row(people.SHORT, "钱七"))
    review(registry, other)
    with pytest.raises(UnusableInputError, match="没有审核通过的人员"):
        print_form(registry, other, tmp_path / "x.pdf")
