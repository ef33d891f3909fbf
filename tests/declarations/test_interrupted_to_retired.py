"""Tests of 中断转退休 (manual §3.6): its rules, the effect and the success opinion."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace

import polars as pl
import pytest

from sbbatch.declarations import get
from sbbatch.review import review
from sbbatch.store import Workspace

Submit = Callable[..., str]
Outcomes = Callable[[str], dict[int, dict[str, str]]]
Messages = Callable[[str], dict[tuple[int, str], str]]

LAST = dt.date(2012, 1, 1)  # 赵六's last 减员年月 (其他原因中断缴费)


def _row(person_id: str, name: str, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "person_id": person_id,
        "name": name,
        "month": LAST,
        "leave_reason": "251",
    }
    row.update(fields)
    return row


def test_the_business_is_registered() -> None:
    declaration = get("中断转退休")
    assert [c.header for c in declaration.columns] == ["身份证号码", "姓名", "减员年月", "减员原因"]


def test_an_interrupted_person_of_retirement_age_passes(
    submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    did = submitted("interrupted_to_retired", _row(facts.ZHAO, "赵六"))
    assert outcomes(did) == {}


def test_has_history(submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace) -> None:
    stranger = facts.make_id("370102", "19550101", "111")
    did = submitted("interrupted_to_retired", _row(stranger, "某人"))
    assert outcomes(did)[1]["has_history"] == "reject"


def test_not_insured_anywhere(
    submitted: Submit, outcomes: Outcomes, messages: Messages, facts: SimpleNamespace
) -> None:
    did = submitted("interrupted_to_retired", _row(facts.LI, "李四"))
    found = outcomes(did)[1]
    assert found["not_insured_anywhere"] == "reject"
    assert messages(did)[(1, "not_insured_anywhere")].startswith(
        "该人员仍在 济南其他有限公司（0010222222）参保，不是中断人员。"
    )


def test_reached_retirement_age(
    submitted: Submit, outcomes: Outcomes, messages: Messages, facts: SimpleNamespace
) -> None:
    did = submitted("interrupted_to_retired", _row(facts.WANG, "王五", month=dt.date(2025, 1, 1)))
    assert outcomes(did)[1] == {"reached_retirement_age": "reject"}
    assert "法定退休年月 2051-08" in messages(did)[(1, "reached_retirement_age")]


def test_reason_is_retirement(
    submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    did = submitted("interrupted_to_retired", _row(facts.ZHAO, "赵六", leave_reason="229"))
    assert outcomes(did)[1] == {"reason_is_retirement": "reject"}


def test_month_other_than_the_last_departure_warns(
    submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    did = submitted("interrupted_to_retired", _row(facts.ZHAO, "赵六", month=dt.date(2013, 1, 1)))
    assert outcomes(did)[1] == {"month_is_last_departure": "warn"}


def test_effect_records_the_retirement_then_it_is_not_done_twice(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    did = submitted("interrupted_to_retired", _row(facts.ZHAO, "赵六"))
    table = review(registry, did)
    assert table.select("review_result", "review_opinion").row(0) == ("审核成功", "中断转退休成功")
    periods = registry.sql(
        "SELECT leave_reason, until_month FROM insured_periods WHERE person_id = ?", [facts.ZHAO]
    )
    assert periods.rows() == [("251", LAST)]
    assert registry.events(did)["note"].to_list()[-1] == (
        "中断转退休审核通过 1 人：最后参保记录的减员原因改为在职转退休 1 条。"
    )
    registry.mark_read(did)
    again = submitted("interrupted_to_retired", _row(facts.ZHAO, "赵六"))
    assert outcomes(again)[1] == {"not_retired_yet": "reject"}


def test_a_review_failing_half_way_changes_nothing(
    registry: Workspace, submitted: Submit, facts: SimpleNamespace
) -> None:
    did = submitted("interrupted_to_retired", _row(facts.ZHAO, "赵六"))
    before = registry.table("insured_periods")

    def fail(name: str) -> None:
        if name == "review:effects":
            raise RuntimeError("断电")

    registry._fault = fail
    with pytest.raises(RuntimeError):
        review(registry, did)
    registry._fault = None
    assert registry.table("insured_periods").equals(before)
    assert registry.events(did).filter(pl.col("action") == "effect").height == 0
