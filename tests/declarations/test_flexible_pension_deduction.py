"""Tests of 灵活就业人员补扣养老费 (manual §1.9): amount, rules, the effect, end to end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace

import polars as pl
import pytest

from sbbatch.declarations import get
from sbbatch.declarations.flexible_pension_deduction import amounts
from sbbatch.review import declare, review
from sbbatch.store import Workspace

Submit = Callable[..., str]
Outcomes = Callable[[str], dict[int, dict[str, str]]]
Messages = Callable[[str], dict[tuple[int, str], str]]
OCT = dt.date(2026, 10, 1)


def test_registered() -> None:
    declaration = get("灵活就业人员补扣养老费")
    assert [c.header for c in declaration.required] == [
        "身份证号码",
        "姓名",
        "补扣年月",
        "缴费基数",
    ]


def test_amount_is_clamped_base_times_rate_half_up() -> None:
    frame = pl.DataFrame({"month": [OCT] * 3, "base": [500003, 100, 9_999_999]})
    found = amounts(frame)
    assert found["base_fen"].to_list() == [500003, 457300, 2286300]
    assert found["amount_fen"].to_list() == [100001, 91460, 457260]  # 100000.6 → 100001


@pytest.fixture
def special(registry: Workspace, facts: SimpleNamespace) -> Workspace:
    """The registry with the test unit made a 个体工商户 (a 特殊单位 of this business)."""
    registry.execute("UPDATE units SET unit_type = '60' WHERE unit_id = ?", [facts.UNIT])
    return registry


def test_rules(
    special: Workspace, submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    # 王五 left the unit in 2025-01: a flexible worker since, no pension in 2026
    row = {"person_id": facts.WANG, "name": "王五", "month": OCT, "base": 500000}
    did = submitted(
        "flexible_pension_deduction",
        row,
        {**row, "month": dt.date(2027, 1, 1)},
        {**row, "month": dt.date(2018, 1, 1)},
        {**row, "month": dt.date(2026, 9, 1), "base": 100},
        {**row, "name": "汪五"},
        {"person_id": facts.ZHAO, "name": "赵六", "month": OCT, "base": 500000},
        {
            "person_id": facts.make_id("370101", "19910101", "001"),
            "name": "钱七",
            "month": OCT,
            "base": 1,
        },
    )
    found = outcomes(did)
    assert 1 not in found
    assert found[2] == {"month_not_in_future": "reject"}
    assert found[3] == {"month_has_limits": "reject"}
    assert found[4] == {"base_within_limits": "warn"}
    assert found[5] == {"name_matches_registry": "reject", "once_per_month": "reject"}
    assert found[6] == {"person_of_unit": "warn"}
    assert found[7] == {"known_person": "reject", "base_within_limits": "warn"}


def test_not_for_a_person_insured_for_pension_that_month(
    special: Workspace,
    submitted: Submit,
    outcomes: Outcomes,
    messages: Messages,
    facts: SimpleNamespace,
) -> None:
    did = submitted(
        "flexible_pension_deduction",
        {"person_id": facts.ZHANG, "name": "张三", "month": OCT, "base": 500000},
        {"person_id": facts.LI, "name": "李四", "month": OCT, "base": 500000},
        # 王五 was insured here until 2024-12: 2024-12 is a double payment, 2025-01 is not
        {"person_id": facts.WANG, "name": "王五", "month": dt.date(2024, 12, 1), "base": 500000},
        {"person_id": facts.WANG, "name": "王五", "month": dt.date(2025, 1, 1), "base": 500000},
    )
    found = outcomes(did)
    assert found[1] == {"no_employee_pension": "reject"}
    assert found[2] == {"no_employee_pension": "reject", "person_of_unit": "warn"}
    assert found[3] == {"no_employee_pension": "reject"}
    assert 4 not in found
    assert messages(did)[(2, "no_employee_pension")] == (
        f"该人员 2026-10 已在单位 {facts.OTHER_UNIT} 参加基本养老保险，不能再按灵活就业人员"
        "补扣养老费（重复缴纳养老保险）。"
    )


def test_only_for_the_special_units(
    registry: Workspace,
    submitted: Submit,
    outcomes: Outcomes,
    messages: Messages,
    facts: SimpleNamespace,
) -> None:
    row = {"person_id": facts.WANG, "name": "王五", "month": OCT, "base": 500000}
    did = submitted("flexible_pension_deduction", row)
    assert outcomes(did) == {1: {"special_unit": "reject"}}
    assert messages(did)[(1, "special_unit")].startswith(
        "本单位的单位类型为「企业」，不能办理灵活就业人员补扣养老费。按 sbbatch 的假设："
    )
    registry.execute("UPDATE units SET unit_type = '70' WHERE unit_id = ?", [facts.UNIT])
    did = submitted("flexible_pension_deduction", row)
    assert outcomes(did) == {}


def test_end_to_end(special: Workspace, facts: SimpleNamespace) -> None:
    registry = special
    rows = {"身份证号码": facts.WANG, "姓名": "王五", "补扣年月": "2026-10", "缴费基数": "3000.00"}
    did = declare(registry, rows, facts.UNIT, kind="flexible_pension_deduction")
    registry.submit(did)
    result = review(registry, did)
    assert result["review_result"].to_list() == ["审核成功"]
    assert "按 4573.00 元计算" in result["review_opinion"][0]
    saved = registry.table("flexible_pension_deductions")
    assert saved.select("person_id", "base_fen", "amount_fen").rows() == [
        (facts.WANG, 457300, 91460)
    ]
    assert (
        registry.events(did)["note"].to_list()[-1]
        == "灵活就业人员补扣养老费审核通过 1 条，合计 914.60 元。"
    )
    again = declare(registry, rows, facts.UNIT, kind="flexible_pension_deduction")
    registry.submit(again)
    assert review(registry, again)["review_result"].to_list() == ["不通过"]
