"""Tests of 自助终端专管员维护 (manual §3.8): rules, the effect, end to end."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from sbbatch.declarations import get
from sbbatch.declarations.terminal_operator import operators
from sbbatch.review import declare, review
from sbbatch.store import Workspace

Submit = Callable[..., str]
Outcomes = Callable[[str], dict[int, dict[str, str]]]


def test_registered() -> None:
    declaration = get("自助终端专管员维护")
    assert [c.header for c in declaration.required] == ["身份证号码", "姓名"]


def test_rules(submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace) -> None:
    did = submitted(
        "terminal_operator",
        {"person_id": facts.ZHANG, "name": "张三"},
        {"person_id": facts.LI, "name": "李四"},  # insured in the other unit
        {"person_id": facts.WANG, "name": "王五"},  # left this unit
        {"person_id": facts.ZHANG, "name": "章三"},
        {"person_id": facts.make_id("370101", "19910101", "001"), "name": "钱七"},
    )
    found = outcomes(did)
    assert 1 not in found
    assert found[2] == {"belongs_to_unit": "reject"}
    assert found[3] == {"belongs_to_unit": "reject"}
    assert found[4] == {"name_matches_registry": "reject", "once_in_declaration": "reject"}
    assert found[5] == {"known_person": "reject"}


def test_end_to_end_adds_and_replaces(registry: Workspace, facts: SimpleNamespace) -> None:
    first = declare(
        registry, {"身份证号码": facts.ZHANG, "姓名": "张三"}, facts.UNIT, kind="terminal_operator"
    )
    registry.submit(first)
    assert review(registry, first)["review_result"].to_list() == ["审核成功"]
    again = declare(
        registry, {"身份证号码": facts.ZHANG, "姓名": "张三"}, facts.UNIT, kind="terminal_operator"
    )
    registry.submit(again)
    review(registry, again)
    listed = operators(registry, facts.UNIT)
    assert listed.select("person_id", "declaration_id").rows() == [(facts.ZHANG, again)]
    assert (
        registry.events(again)["note"].to_list()[-1]
        == "自助终端专管员审核通过 1 人，单位现有专管员 1 人。"
    )
