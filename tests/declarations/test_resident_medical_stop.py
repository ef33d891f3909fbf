"""Tests of 居民医疗停保 (manual §1.10–1.11): rules, the effect, end to end."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import polars as pl

from sbbatch.declarations import get
from sbbatch.review import declare, review, review_failures
from sbbatch.store import Workspace

Submit = Callable[..., str]
Outcomes = Callable[[str], dict[int, dict[str, str]]]


def test_registered() -> None:
    assert [c.header for c in get("批量居民医疗停保").required] == ["身份证号码", "姓名"]


def test_rules(submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace) -> None:
    did = submitted(
        "resident_medical_stop",
        {"person_id": facts.ZHANG, "name": "张三"},
        {"person_id": facts.LI, "name": "李四"},  # no employee medical here
        {"person_id": facts.ZHANG, "name": "章三"},
    )
    found = outcomes(did)
    assert 1 not in found
    assert found[2] == {"employee_medical_here": "warn"}
    assert found[3] == {"name_matches_registry": "reject", "once_in_declaration": "reject"}


def test_a_person_unknown_to_the_registry_is_rejected(
    registry: Workspace, facts: SimpleNamespace
) -> None:
    unknown = facts.make_id("370101", "19910101", "001")
    rows = pl.DataFrame({"身份证号码": [unknown, facts.ZHANG], "姓名": ["钱七", "张三"]})
    did = declare(registry, rows, facts.UNIT, kind="resident_medical_stop")
    registry.submit(did)
    failures = review_failures(registry, did)
    assert failures.select("row", "rule", "level").rows() == [(1, "known_person", "reject")]
    assert review(registry, did)["review_result"].to_list() == ["不通过", "审核成功"]


def test_end_to_end_and_not_twice(registry: Workspace, facts: SimpleNamespace) -> None:
    rows = pl.DataFrame({"身份证号码": [facts.ZHANG], "姓名": ["张三"]})
    did = declare(registry, rows, facts.UNIT, kind="resident_medical_stop")
    registry.submit(did)
    assert review(registry, did)["review_result"].to_list() == ["审核成功"]
    stops = registry.table("resident_medical_stops")
    assert stops.select("person_id", "stopped_on").rows() == [(facts.ZHANG, registry.today)]
    assert registry.events(did)["note"].to_list()[-1] == "居民医疗停保审核通过 1 人。"
    again = declare(registry, rows, facts.UNIT, kind="resident_medical_stop")
    registry.submit(again)
    result = review(registry, again)
    assert result["review_result"].to_list() == ["不通过"]
    assert "已于" in result["review_opinion"][0]
