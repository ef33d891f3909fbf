"""Tests of 失业待遇申报 (manual §6.1): eligibility, the benefit and the 缴费历史."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace

import polars as pl
import pytest

from sbbatch.declarations import get
from sbbatch.declarations.unemployment_benefit import benefit_result
from sbbatch.review import declare, result, review
from sbbatch.store import Workspace

Submit = Callable[..., str]
Outcomes = Callable[[str], dict[int, dict[str, str]]]
Messages = Callable[[str], dict[tuple[int, str], str]]

LEFT = dt.date(2026, 10, 1)


@pytest.fixture
def people(registry: Workspace, facts: SimpleNamespace) -> SimpleNamespace:
    """Persons who left the unit: dismissed after 6 years, resigned, dismissed after 8 months."""
    fired = facts.make_id("370104", "19800315", "131")
    quit_ = facts.make_id("370104", "19850420", "151")
    short = facts.make_id("370104", "19900505", "171")
    people = [fired, fired, quit_, short]
    registry.load(
        persons=pl.DataFrame(
            {
                "person_id": [fired, quit_, short],
                "name": ["孙八", "周九", "吴十"],
                "gender": ["1", "1", "1"],
                "birth_date": [dt.date(1980, 3, 15), dt.date(1985, 4, 20), dt.date(1990, 5, 5)],
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [facts.OTHER_UNIT, facts.UNIT, facts.UNIT, facts.UNIT],
                "person_id": people,
                "insurance": ["2"] * 4,
                "person_category": ["11"] * 4,
                "from_month": [
                    dt.date(2018, 1, 1),
                    dt.date(2020, 10, 1),
                    dt.date(2020, 1, 1),
                    dt.date(2026, 2, 1),
                ],
                "until_month": [dt.date(2020, 10, 1), LEFT, LEFT, LEFT],
                "add_reason": ["111"] * 4,
                "leave_reason": ["241", "221", "222", "223"],
            }
        ),
    )
    return SimpleNamespace(FIRED=fired, QUIT=quit_, SHORT=short)


def test_the_business_is_registered() -> None:
    assert [c.header for c in get("失业待遇申报").columns] == ["身份证号码", "姓名", "人员类别"]


def test_an_involuntary_departure_after_years_passes(
    submitted: Submit, outcomes: Outcomes, people: SimpleNamespace
) -> None:
    did = submitted("unemployment_benefit", {"person_id": people.FIRED, "name": "孙八"})
    assert outcomes(did) == {}


def test_resigning_is_voluntary(
    submitted: Submit, outcomes: Outcomes, messages: Messages, people: SimpleNamespace
) -> None:
    did = submitted("unemployment_benefit", {"person_id": people.QUIT})
    assert outcomes(did)[1] == {"involuntary_departure": "reject"}
    assert "在职人员辞职" in messages(did)[(1, "involuntary_departure")]
    assert messages(did)[(1, "involuntary_departure")].startswith("不符合要求")


def test_paid_one_year(
    submitted: Submit, outcomes: Outcomes, messages: Messages, people: SimpleNamespace
) -> None:
    did = submitted("unemployment_benefit", {"person_id": people.SHORT})
    assert outcomes(did)[1] == {"paid_one_year": "reject"}
    assert "累计缴费 8 个月" in messages(did)[(1, "paid_one_year")]


def test_still_insured_and_other_unit(
    submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace, people: SimpleNamespace
) -> None:
    did = submitted(
        "unemployment_benefit",
        {"person_id": facts.ZHANG},
        {"person_id": facts.LI, "name": "李四"},
        {"person_id": facts.make_id("370102", "19700101", "111")},
    )
    found = outcomes(did)
    assert found[1]["has_unemployment_history"] == "reject"
    assert found[1]["departed"] == "reject"
    assert found[3] == {"person_known": "reject"}


def test_the_last_unit_must_declare(
    submitted: Submit, outcomes: Outcomes, people: SimpleNamespace, facts: SimpleNamespace
) -> None:
    did = submitted("unemployment_benefit", {"person_id": people.FIRED}, unit=facts.OTHER_UNIT)
    assert outcomes(did)[1] == {"left_this_unit": "reject"}


def test_effect_and_result_with_history(
    registry: Workspace, people: SimpleNamespace, facts: SimpleNamespace, outcomes: Outcomes
) -> None:
    did = declare(
        registry,
        {"身份证号码": people.FIRED, "姓名": "孙八"},
        facts.UNIT,
        kind="unemployment_benefit",
    )
    registry.submit(did)
    review(registry, did)
    table = benefit_result(registry, did, result(registry, did))
    row = table.row(0, named=True)
    assert row["review_result"] == "审核成功"
    assert row["review_opinion"] == "符合失业待遇申领条件"
    # 2018-01..2026-09: 105 months (8.75 years) → 18 months; 90% of the urban minimum wage
    assert (row["paid_months"], row["benefit_months"]) == (105, 18)
    assert row["monthly_yuan"] == "2160.00"
    assert row["total_yuan"] == "38880.00"
    assert row["history"] == (
        "济南其他有限公司 2018-01至2020-09（33个月）；济南测试科技有限公司 2020-10至2026-09（72个月）"
    )
    stored = registry.sql("SELECT monthly_fen, total_fen FROM unemployment_benefits")
    assert stored.rows() == [(216000, 3888000)]
    registry.mark_read(did)
    again = declare(registry, {"身份证号码": people.FIRED}, facts.UNIT, kind="unemployment_benefit")
    registry.submit(again)
    assert outcomes(again)[1] == {"not_granted_yet": "reject"}


def _review_one(registry: Workspace, person_id: str, unit: str) -> dict[str, object]:
    did = declare(registry, {"身份证号码": person_id}, unit, kind="unemployment_benefit")
    registry.submit(did)
    review(registry, did)
    return benefit_result(registry, did, result(registry, did)).row(0, named=True)


def test_the_amount_uses_the_units_minimum_wage_tier(
    registry: Workspace, people: SimpleNamespace, facts: SimpleNamespace
) -> None:
    """章丘区 is tier 2 (2210 元): 90 % is 1989.00, not the urban 2160.00."""
    registry.execute("UPDATE units SET county_code = '370114' WHERE unit_id = ?", [facts.UNIT])
    row = _review_one(registry, people.FIRED, facts.UNIT)
    assert row["review_result"] == "审核成功"
    assert row["monthly_yuan"] == "1989.00"
    stored = registry.sql("SELECT policy_id FROM unemployment_benefits")
    assert stored["policy_id"][0].endswith("minimum_wage:other:2025-10")


def test_an_urban_unit_gets_tier_1(
    registry: Workspace, people: SimpleNamespace, facts: SimpleNamespace
) -> None:
    registry.execute("UPDATE units SET county_code = '370102' WHERE unit_id = ?", [facts.UNIT])
    assert _review_one(registry, people.FIRED, facts.UNIT)["monthly_yuan"] == "2160.00"


@pytest.fixture
def second_spell(registry: Workspace, facts: SimpleNamespace) -> str:
    """A person granted benefit after leaving in 2024-01, re-employed from 2025-06."""
    person = facts.make_id("370104", "19820606", "191")
    registry.load(
        persons=pl.DataFrame(
            {
                "person_id": [person],
                "name": ["郑一"],
                "gender": ["1"],
                "birth_date": [dt.date(1982, 6, 6)],
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [facts.UNIT],
                "person_id": [person],
                "insurance": ["2"],
                "person_category": ["11"],
                "from_month": [dt.date(2018, 1, 1)],
                "until_month": [dt.date(2024, 1, 1)],
                "add_reason": ["111"],
                "leave_reason": ["221"],
            }
        ),
    )
    assert _review_one(registry, person, facts.UNIT)["review_result"] == "审核成功"
    return person


def _reemployed(registry: Workspace, facts: SimpleNamespace, person: str, until: dt.date) -> None:
    registry.load(
        insured_periods=pl.DataFrame(
            {
                "unit_id": [facts.UNIT],
                "person_id": [person],
                "insurance": ["2"],
                "person_category": ["11"],
                "from_month": [dt.date(2025, 6, 1)],
                "until_month": [until],
                "add_reason": ["111"],
                "leave_reason": ["223"],
            }
        )
    )


def test_a_new_spell_restarts_the_count(
    registry: Workspace,
    second_spell: str,
    facts: SimpleNamespace,
    outcomes: Outcomes,
    messages: Messages,
) -> None:
    """条例 第十七条: 2018-01..2023-12 were used by the first spell; 2025-06..2026-01 is 8 months."""
    _reemployed(registry, facts, second_spell, dt.date(2026, 2, 1))
    did = declare(registry, {"身份证号码": second_spell}, facts.UNIT, kind="unemployment_benefit")
    registry.submit(did)
    assert outcomes(did) == {1: {"paid_one_year": "reject"}}
    message = messages(did)[(1, "paid_one_year")]
    assert "累计缴费 8 个月（上次领取失业保险金后重新计算，自 2024-01 起）" in message


def test_a_new_spell_of_a_year_passes(
    registry: Workspace, second_spell: str, facts: SimpleNamespace
) -> None:
    _reemployed(registry, facts, second_spell, dt.date(2026, 10, 1))
    row = _review_one(registry, second_spell, facts.UNIT)
    assert row["review_result"] == "审核成功"
    assert (row["paid_months"], row["benefit_months"]) == (16, 12)


def test_past_the_retirement_age_is_refused(
    submitted: Submit,
    outcomes: Outcomes,
    messages: Messages,
    registry: Workspace,
    facts: SimpleNamespace,
) -> None:
    """A man born 1962-01 reached 60 in 2022-01: not an unemployed person but a retiree."""
    old = facts.make_id("370104", "19620115", "211")
    registry.load(
        persons=pl.DataFrame(
            {
                "person_id": [old],
                "name": ["冯二"],
                "gender": ["1"],
                "birth_date": [dt.date(1962, 1, 15)],
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [facts.UNIT],
                "person_id": [old],
                "insurance": ["2"],
                "person_category": ["11"],
                "from_month": [dt.date(2010, 1, 1)],
                "until_month": [LEFT],
                "add_reason": ["111"],
                "leave_reason": ["221"],
            }
        ),
    )
    did = submitted("unemployment_benefit", {"person_id": old})
    assert outcomes(did) == {1: {"below_retirement_age": "reject"}}
    assert "已于 2022-01 达到法定退休年龄" in messages(did)[(1, "below_retirement_age")]
