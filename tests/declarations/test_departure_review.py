"""Tests of the agency's review of 减员申报: every rule, the effects, a failure half-way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace

import polars as pl
import pytest

from sbbatch.review import review
from sbbatch.store import Workspace

Submit = Callable[..., str]
Outcomes = Callable[[str], dict[int, dict[str, str]]]
Messages = Callable[[str], dict[tuple[int, str], str]]


def _row(person_id: str, name: str, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "person_id": person_id,
        "name": name,
        "month": dt.date(2026, 12, 1),
        "leave_reason": "221",
    }
    row.update(fields)
    return row


def test_insured_here(
    submitted: Submit, outcomes: Outcomes, messages: Messages, facts: SimpleNamespace
) -> None:
    did = submitted(
        "departure",
        _row(facts.ZHANG, "张三"),
        _row(facts.LI, "李四"),  # insured in the other unit
        _row(facts.WANG, "王五"),  # already left
    )
    found = outcomes(did)
    assert 1 not in found
    assert found[2] == {"insured_here": "reject"}
    assert found[3] == {"insured_here": "reject"}
    assert messages(did)[(2, "insured_here")] == "该人员未在本单位参保（或已减员），不能减员。"


def test_name_matches_registry(
    submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    did = submitted("departure", _row(facts.ZHANG, "张山"))
    assert outcomes(did)[1] == {"name_matches_registry": "reject"}


def test_month_not_before_enrolment(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    registry.execute(
        "UPDATE insured_periods SET from_month = DATE '2027-01-01' WHERE person_id = ?",
        [facts.ZHANG],
    )
    did = submitted("departure", _row(facts.ZHANG, "张三"))
    assert outcomes(did)[1] == {"month_not_before_enrolment": "reject"}


def test_month_window(
    submitted: Submit, outcomes: Outcomes, messages: Messages, facts: SimpleNamespace
) -> None:
    early = submitted("departure", _row(facts.ZHANG, "张三", month=dt.date(2026, 11, 1)))
    assert outcomes(early)[1] == {"month_not_before_window": "reject"}
    assert "请填 2026-12" in messages(early)[(1, "month_not_before_window")]
    late = submitted("departure", _row(facts.ZHANG, "张三", month=dt.date(2027, 1, 1)))
    assert outcomes(late)[1] == {
        "month_not_after_window": "reject",
        "no_open_declaration": "reject",
    }


def test_retirement_reason_below_the_age_only_warns(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    young = submitted("departure", _row(facts.ZHANG, "张三", leave_reason="251"))
    assert outcomes(young)[1] == {"retirement_reason_at_age": "warn"}
    review(registry, young)
    opinion = registry.declaration_rows(young)["review_opinion"][0]
    assert opinion.startswith("提示：减员原因为在职转退休")
    assert registry.declaration_rows(young)["review_result"][0] == "1"


def test_retirement_reason_at_the_age_passes(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    old = facts.make_id("370102", "19630105", "111")  # retirement month 2023-01
    registry.load(
        persons=pl.DataFrame(
            {
                "person_id": [old],
                "name": ["老刘"],
                "gender": ["1"],
                "birth_date": [dt.date(1963, 1, 5)],
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [facts.UNIT],
                "person_id": [old],
                "insurance": ["1"],
                "person_category": ["11"],
                "from_month": [dt.date(2000, 1, 1)],
            }
        ),
    )
    did = submitted("departure", _row(old, "老刘", leave_reason="251"), _row(facts.ZHANG, "张三"))
    assert outcomes(did) == {}


def test_no_open_declaration(
    submitted: Submit, outcomes: Outcomes, messages: Messages, facts: SimpleNamespace
) -> None:
    first = submitted("departure", _row(facts.ZHANG, "张三"))
    second = submitted("departure", _row(facts.ZHANG, "张三"))
    assert outcomes(first) == {}
    assert outcomes(second)[1] == {"no_open_declaration": "reject"}
    assert first in messages(second)[(1, "no_open_declaration")]
    assert "减员申报" in messages(second)[(1, "no_open_declaration")]


def test_effects_close_the_units_open_periods(
    registry: Workspace, submitted: Submit, facts: SimpleNamespace
) -> None:
    did = submitted("departure", _row(facts.ZHANG, "张三"), _row(facts.LI, "李四"))
    table = review(registry, did)
    assert table["review_result"].to_list() == ["审核成功", "不通过"]
    periods = registry.sql(
        "SELECT person_id, unit_id, until_month, leave_reason, closed_by FROM insured_periods "
        "ORDER BY person_id, insurance"
    )
    zhang = periods.filter(pl.col("person_id") == facts.ZHANG)
    assert zhang.select("until_month", "leave_reason", "closed_by").unique().rows() == [
        (dt.date(2026, 12, 1), "221", did)
    ]
    li = periods.filter(pl.col("person_id") == facts.LI)
    assert li["until_month"].to_list() == [None]  # the other unit's period is untouched
    assert registry.events(did)["note"].to_list()[-1] == "减员审核通过 1 人：终止参保记录 2 条。"


def test_a_review_failing_half_way_changes_nothing(
    registry: Workspace, submitted: Submit, facts: SimpleNamespace
) -> None:
    did = submitted("departure", _row(facts.ZHANG, "张三"))
    before = {
        name: registry.table(name) for name in ("insured_periods", "declaration_rows", "events")
    }

    def fail(name: str) -> None:
        if name == "review:effects":
            raise RuntimeError("断电")

    registry._fault = fail
    with pytest.raises(RuntimeError):
        review(registry, did)
    registry._fault = None
    for name, frame in before.items():
        assert registry.table(name).equals(frame), name
    assert registry.declaration(did)["status"] == "submitted"
