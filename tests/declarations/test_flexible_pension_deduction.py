"""Tests of 灵活就业人员补扣养老费 (manual §1.9): amount, rules, the effect, end to end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace

import polars as pl

from sbbatch.declarations import get
from sbbatch.declarations.flexible_pension_deduction import amounts
from sbbatch.review import declare, review
from sbbatch.store import Workspace

Submit = Callable[..., str]
Outcomes = Callable[[str], dict[int, dict[str, str]]]
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


def test_rules(submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace) -> None:
    row = {"person_id": facts.ZHANG, "name": "张三", "month": OCT, "base": 500000}
    did = submitted(
        "flexible_pension_deduction",
        row,
        {**row, "month": dt.date(2027, 1, 1)},
        {**row, "month": dt.date(2018, 1, 1)},
        {**row, "month": dt.date(2026, 9, 1), "base": 100},
        {**row, "name": "章三"},
        {"person_id": facts.LI, "name": "李四", "month": OCT, "base": 500000},
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


def test_end_to_end(registry: Workspace, facts: SimpleNamespace) -> None:
    rows = {"身份证号码": facts.ZHANG, "姓名": "张三", "补扣年月": "2026-10", "缴费基数": "3000.00"}
    did = declare(registry, rows, facts.UNIT, kind="flexible_pension_deduction")
    registry.submit(did)
    result = review(registry, did)
    assert result["review_result"].to_list() == ["审核成功"]
    assert "按 4573.00 元计算" in result["review_opinion"][0]
    saved = registry.table("flexible_pension_deductions")
    assert saved.select("person_id", "base_fen", "amount_fen").rows() == [
        (facts.ZHANG, 457300, 91460)
    ]
    assert (
        registry.events(did)["note"].to_list()[-1]
        == "灵活就业人员补扣养老费审核通过 1 条，合计 914.60 元。"
    )
    again = declare(registry, rows, facts.UNIT, kind="flexible_pension_deduction")
    registry.submit(again)
    assert review(registry, again)["review_result"].to_list() == ["不通过"]
