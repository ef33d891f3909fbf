"""Tests of 减员原因变更 (manual §3.5): its rules, the effect and the success opinion."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace

import pytest

from sbbatch.declarations import get
from sbbatch.review import review
from sbbatch.store import Workspace

Submit = Callable[..., str]
Outcomes = Callable[[str], dict[int, dict[str, str]]]
Messages = Callable[[str], dict[tuple[int, str], str]]


@pytest.fixture
def departed(registry: Workspace, submitted: Submit, facts: SimpleNamespace) -> str:
    """张三 leaves the unit through an approved 减员申报 (解除劳动合同); its number."""
    did = submitted(
        "departure",
        {
            "person_id": facts.ZHANG,
            "name": "张三",
            "month": dt.date(2026, 12, 1),
            "leave_reason": "221",
        },
    )
    review(registry, did)
    registry.mark_read(did)
    return did


def _row(person_id: str, name: str, reason: str) -> dict[str, object]:
    return {"person_id": person_id, "name": name, "leave_reason": reason}


def test_the_business_is_registered() -> None:
    declaration = get("减员原因变更")
    assert declaration.kind == "leave_reason_change"
    assert [c.header for c in declaration.columns] == ["身份证号码", "姓名", "减员原因"]


def test_departed_here(
    departed: str,
    submitted: Submit,
    outcomes: Outcomes,
    messages: Messages,
    facts: SimpleNamespace,
) -> None:
    did = submitted(
        "leave_reason_change",
        _row(facts.ZHANG, "张三", "222"),
        _row(facts.WANG, "王五", "222"),  # left in history loaded from outside: no declaration
        _row(facts.LI, "李四", "222"),  # never left
    )
    found = outcomes(did)
    assert 1 not in found
    assert found[2] == {"departed_here": "reject"}
    assert found[3] == {"departed_here": "reject"}
    assert "没有该人员审核通过的减员记录" in messages(did)[(2, "departed_here")]


def test_a_departure_not_yet_reviewed_does_not_count(
    submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    submitted(
        "departure",
        {
            "person_id": facts.ZHANG,
            "name": "张三",
            "month": dt.date(2026, 12, 1),
            "leave_reason": "221",
        },
    )
    did = submitted("leave_reason_change", _row(facts.ZHANG, "张三", "222"))
    assert outcomes(did)[1] == {"departed_here": "reject", "no_open_declaration": "reject"}


def test_reason_changed(
    departed: str, submitted: Submit, outcomes: Outcomes, messages: Messages, facts: SimpleNamespace
) -> None:
    did = submitted("leave_reason_change", _row(facts.ZHANG, "张三", "221"))
    assert outcomes(did)[1] == {"reason_changed": "reject"}
    assert messages(did)[(1, "reason_changed")] == (
        "新的减员原因「在职人员解除劳动合同」与原减员原因相同，无需变更。"
    )


def test_name_matches_registry(
    departed: str, submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    did = submitted("leave_reason_change", _row(facts.ZHANG, "章三", "222"))
    assert outcomes(did)[1] == {"name_matches_registry": "reject"}


def test_effect_changes_the_reason_and_says_so(
    registry: Workspace, departed: str, submitted: Submit, facts: SimpleNamespace
) -> None:
    did = submitted("leave_reason_change", _row(facts.ZHANG, "张三", "212"))
    table = review(registry, did)
    assert table.select("review_result", "review_opinion").row(0) == (
        "审核成功",
        "单位减员原因变更成功",
    )
    periods = registry.sql(
        "SELECT leave_reason, until_month, closed_by FROM insured_periods WHERE person_id = ?",
        [facts.ZHANG],
    )
    assert periods.unique().rows() == [("212", dt.date(2026, 12, 1), departed)]
    other = registry.sql(
        "SELECT leave_reason FROM insured_periods WHERE person_id = ?", [facts.WANG]
    )
    assert other["leave_reason"].to_list() == ["221"]
    assert registry.events(did)["note"].to_list()[-1] == (
        "减员原因变更审核通过 1 人：变更参保记录的减员原因 2 条。"
    )


def test_a_review_failing_half_way_changes_nothing(
    registry: Workspace, departed: str, submitted: Submit, facts: SimpleNamespace
) -> None:
    did = submitted("leave_reason_change", _row(facts.ZHANG, "张三", "212"))
    before = registry.table("insured_periods")

    def fail(name: str) -> None:
        if name == "review:effects":
            raise RuntimeError("断电")

    registry._fault = fail
    with pytest.raises(RuntimeError):
        review(registry, did)
    registry._fault = None
    assert registry.table("insured_periods").equals(before)
    assert registry.declaration(did)["status"] == "submitted"
    assert registry.declaration_rows(did)["review_result"].to_list() == [None]
