"""Tests of 退休结清 (manual §3.7): rules, the effect, the printed form, end to end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest
from pypdf import PdfReader

from sbbatch.declarations import get
from sbbatch.declarations.retirement_settlement import settlements
from sbbatch.exceptions import UnusableInputError
from sbbatch.forms.settlement_forms import pension_basic_info_form, pension_years
from sbbatch.review import declare, review
from sbbatch.store import Workspace

Submit = Callable[..., str]
Outcomes = Callable[[str], dict[int, dict[str, str]]]


@pytest.fixture
def retirees(registry: Workspace, facts: SimpleNamespace) -> SimpleNamespace:
    """Add three persons who left the test unit with 在职转退休 (251)."""
    sun = facts.make_id("370102", "19630303", "111")  # man, left at 63 in 2026-04
    qian = facts.make_id("370102", "19800101", "222")  # woman worker, left at 44: early
    tang = facts.make_id("370102", "19550505", "331")  # man, a zero-length period
    registry.load(
        persons=pl.DataFrame(
            {
                "person_id": [sun, qian, tang],
                "name": ["孙七", "钱八", "唐九"],
                "gender": ["1", "2", "1"],
                "birth_date": [dt.date(1963, 3, 3), dt.date(1980, 1, 1), dt.date(1955, 5, 5)],
                "identity": ["1", "1", "1"],
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [facts.UNIT] * 3,
                "person_id": [sun, qian, tang],
                "insurance": ["1"] * 3,
                "person_category": ["11"] * 3,
                "from_month": [dt.date(2025, 1, 1), dt.date(2005, 1, 1), dt.date(2020, 5, 1)],
                "until_month": [dt.date(2026, 4, 1), dt.date(2024, 1, 1), dt.date(2020, 5, 1)],
                "add_reason": ["111"] * 3,
                "leave_reason": ["251"] * 3,
            }
        ),
        wage_bases=pl.DataFrame(
            {
                "unit_id": [facts.UNIT] * 3,
                "person_id": [sun] * 3,
                "month": [dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2026, 1, 1)],
                "wage_fen": [500000, 500001, 600000],
            }
        ),
    )
    return SimpleNamespace(SUN=sun, QIAN=qian, TANG=tang)


def test_registered() -> None:
    declaration = get("退休结清")
    assert [c.header for c in declaration.columns] == ["身份证号码", "姓名", "弹性提前退休本人申请"]
    assert [c.header for c in declaration.required] == ["身份证号码"]


def test_rules(
    submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace, retirees: SimpleNamespace
) -> None:
    did = submitted(
        "retirement_settlement",
        {"person_id": retirees.SUN, "name": "孙七"},
        {"person_id": retirees.QIAN, "name": "钱八"},  # 251 before the statutory age
        {"person_id": facts.ZHANG, "name": "张三"},  # insured here, 36 years old
        {"person_id": facts.LI, "name": "李四"},  # never insured here
        {"person_id": facts.WANG},  # left with 221, young
        {"person_id": retirees.SUN, "name": "孙十"},
        {"person_id": facts.make_id("370101", "19500101", "001"), "name": "钱七"},
        {"person_id": retirees.TANG, "name": "唐九"},  # no pension month
    )
    found = outcomes(did)
    assert 1 not in found
    # a woman worker leaving at 44 in 2024-01: no elastic window before 2025, and 6 years
    # early in any case — 不通过 (it was a 提示 before issue 12)
    assert found[2] == {"elastic_early_limit": "reject"}
    assert found[3] == {"retiring": "reject", "not_insured_anywhere": "reject"}
    assert found[4] == {"person_of_unit": "reject", "not_insured_anywhere": "reject"}
    assert found[5] == {"retiring": "reject"}
    assert found[6] == {"name_matches_registry": "reject", "once_in_declaration": "reject"}
    assert found[7] == {"known_person": "reject"}
    assert found[8] == {"has_pension_months": "warn"}


def test_statutory_age_without_251(
    submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    # 赵六 left the other unit with 229 and is past the statutory age: settleable there.
    did = submitted("retirement_settlement", {"person_id": facts.ZHAO}, unit=facts.OTHER_UNIT)
    assert outcomes(did) == {}


def test_messages(
    submitted: Submit,
    messages: Callable[[str], dict[tuple[int, str], str]],
    facts: SimpleNamespace,
) -> None:
    did = submitted("retirement_settlement", {"person_id": facts.ZHANG})
    found = messages(did)
    assert found[(1, "retiring")].startswith("「张三」未以在职转退休从本单位减员")
    assert "法定退休年月 20" in found[(1, "retiring")]
    assert "仍在" in found[(1, "not_insured_anywhere")]


def test_end_to_end_and_not_twice(registry: Workspace, retirees: SimpleNamespace) -> None:
    unit = "0010118873"
    first = declare(
        registry, {"身份证号码": retirees.SUN, "姓名": "孙七"}, unit, kind="retirement_settlement"
    )
    registry.submit(first)
    assert review(registry, first)["review_result"].to_list() == ["审核成功"]
    table = registry.table("retirement_settlements")
    assert table.rows() == [(retirees.SUN, unit, registry.today, first)]
    assert settlements(registry, unit)["name"].to_list() == ["孙七"]
    assert registry.events(first)["note"].to_list()[-1] == (
        f"退休结清审核通过 1 人：养老账户结清日期 {registry.today:%Y-%m-%d}。"
    )
    again = declare(registry, {"身份证号码": retirees.SUN}, unit, kind="retirement_settlement")
    registry.submit(again)
    outcome = review(registry, again)
    assert outcome["review_result"].to_list() == ["不通过"]
    assert f"已于 {registry.today:%Y-%m-%d} 结清" in outcome["review_opinion"][0]


def test_pension_years(registry: Workspace, retirees: SimpleNamespace) -> None:
    years = pension_years(registry, retirees.SUN)
    assert years.select("year", "months", "based_months", "wage_fen", "average_fen").rows() == [
        (2025, 12, 2, 1000001, 500001),  # 500000.5 fen → half-up
        (2026, 3, 1, 600000, 600000),
    ]


def test_form(registry: Workspace, retirees: SimpleNamespace, tmp_path: Path) -> None:
    path = pension_basic_info_form(registry, retirees.SUN, tmp_path / "form.pdf")
    text = PdfReader(path).pages[0].extract_text()
    assert "养老缴费基本信息表" in text
    assert "孙七" in text and retirees.SUN in text
    assert "累计缴费月数:15" in text and "10000.01" in text and "未结清" in text
    with pytest.raises(UnusableInputError):
        pension_basic_info_form(registry, "370101195001010000", tmp_path / "x.pdf")


@pytest.fixture
def elastic(registry: Workspace, facts: SimpleNamespace) -> SimpleNamespace:
    """Men born 1966-01 (statutory 2026-05, elastic earliest 2026-01) who left with 251."""
    within = facts.make_id("370102", "19660110", "111")  # left 2026-02: 3 months early
    beyond = facts.make_id("370102", "19660120", "131")  # left 2025-10: below 60
    miner = facts.make_id("370102", "19700301", "151")  # left at 55 with 12 years underground
    people = [within, beyond, miner]
    registry.load(
        persons=pl.DataFrame(
            {
                "person_id": people,
                "name": ["甲一", "乙二", "丙三"],
                "gender": ["1"] * 3,
                "birth_date": [dt.date(1966, 1, 10), dt.date(1966, 1, 20), dt.date(1970, 3, 1)],
                "identity": ["1"] * 3,
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [facts.UNIT] * 3,
                "person_id": people,
                "insurance": ["1"] * 3,
                "person_category": ["11"] * 3,
                "from_month": [dt.date(1995, 1, 1)] * 3,
                "until_month": [dt.date(2026, 2, 1), dt.date(2025, 10, 1), dt.date(2025, 4, 1)],
                "add_reason": ["111"] * 3,
                "leave_reason": ["251"] * 3,
            }
        ),
    )
    registry.execute(
        "INSERT INTO special_job_periods VALUES (?, DATE '2000-01-01', DATE '2011-12-01', '3', "
        "'井下采掘', ?, '济南测试科技有限公司', NULL, ?, 'TG0001', DATE '2026-01-05')",
        [miner, facts.UNIT, facts.UNIT],
    )
    return SimpleNamespace(WITHIN=within, BEYOND=beyond, MINER=miner)


def test_elastic_early_within_the_window_needs_the_application(
    submitted: Submit, outcomes: Outcomes, elastic: SimpleNamespace
) -> None:
    did = submitted(
        "retirement_settlement",
        {"person_id": elastic.WITHIN, "elastic_consent": "是"},
        {"person_id": elastic.WITHIN, "elastic_consent": "否"},
    )
    found = outcomes(did)
    assert found[1] == {"departed_before_age": "warn"}
    assert found[2]["elastic_consent"] == "reject"


def test_elastic_early_with_the_application_passes(
    registry: Workspace, elastic: SimpleNamespace, facts: SimpleNamespace
) -> None:
    did = declare(
        registry,
        {"身份证号码": elastic.WITHIN, "弹性提前退休本人申请": "是"},
        facts.UNIT,
        kind="retirement_settlement",
    )
    registry.submit(did)
    table = review(registry, did)
    assert table["review_result"].to_list() == ["审核成功"]
    assert "提前退休须有相应审批材料" in table["review_opinion"][0]


def test_beyond_the_elastic_limit_is_refused(
    submitted: Submit, outcomes: Outcomes, registry: Workspace, elastic: SimpleNamespace
) -> None:
    did = submitted("retirement_settlement", {"person_id": elastic.BEYOND, "elastic_consent": "是"})
    assert outcomes(did) == {1: {"elastic_early_limit": "reject"}}
    opinion = review(registry, did)["review_opinion"][0]
    assert "最早年月 2026-01" in opinion
    assert "弹性提前退休最多提前 36 个月，且不低于原法定退休年龄" in opinion


def test_recognised_special_job_time_allows_the_special_age(
    submitted: Submit, outcomes: Outcomes, elastic: SimpleNamespace
) -> None:
    did = submitted("retirement_settlement", {"person_id": elastic.MINER})
    assert outcomes(did) == {1: {"departed_before_age": "warn"}}
