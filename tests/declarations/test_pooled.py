"""Tests of the 行业统筹 businesses (manual §3.9–3.12): rules, effects, end to end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace

import polars as pl
import pytest

from sbbatch.declarations import get
from sbbatch.declarations._pooled import mark_pooled, pooled_of_unit
from sbbatch.exceptions import UnusableInputError
from sbbatch.review import declare, review
from sbbatch.store import Workspace

Submit = Callable[..., str]
Outcomes = Callable[[str], dict[int, dict[str, str]]]
SINCE = dt.date(2026, 1, 1)


@pytest.fixture
def pooled(registry: Workspace, facts: SimpleNamespace) -> SimpleNamespace:
    """List 张三 (insured here) and 王五 (left) as pooled persons of the test unit."""
    mark_pooled(registry, facts.UNIT, [facts.ZHANG, facts.WANG], "电力", SINCE)
    return facts


def _confirm(ws: Workspace, kind: str, person_id: str, name: str) -> str:
    did = declare(ws, {"身份证号码": person_id, "姓名": name}, "0010118873", kind=kind)
    ws.submit(did)
    assert review(ws, did)["review_result"].to_list() == ["审核成功"]
    return did


def row(person_id: str, name: str, gender: str = "1") -> dict[str, str]:
    return {"person_id": person_id, "name": name, "gender": gender}


def test_registered() -> None:
    for title in (
        "核对行业统筹人员基本信息",
        "撤销行业统筹人员基本信息认定",
        "核对行业统筹人员养老金",
        "撤销行业统筹人员养老金认定",
    ):
        assert [c.header for c in get(title).columns] == ["身份证号码", "姓名", "性别"]
        assert [c.header for c in get(title).required] == ["身份证号码", "姓名"]


def test_mark_pooled(registry: Workspace, facts: SimpleNamespace) -> None:
    with pytest.raises(UnusableInputError, match="未在单位"):
        mark_pooled(registry, facts.UNIT, [facts.LI], "电力", SINCE)
    assert mark_pooled(registry, facts.UNIT, [facts.ZHANG, facts.ZHANG], "电力", SINCE) == 1
    assert mark_pooled(registry, facts.UNIT, [facts.ZHANG], "铁路", SINCE) == 1
    assert registry.table("pooled_persons").select("person_id", "scheme").rows() == [
        (facts.ZHANG, "铁路")
    ]


def test_person_check_rules(submitted: Submit, outcomes: Outcomes, pooled: SimpleNamespace) -> None:
    did = submitted(
        "pooled_person_check",
        row(pooled.ZHANG, "张三"),
        row(pooled.WANG, "王五", "2"),  # wrong 性别
        row(pooled.LI, "李四", "2"),  # not pooled
        row(pooled.make_id("370101", "19500101", "001"), "钱七"),
        row(pooled.ZHANG, "章三"),
    )
    found = outcomes(did)
    assert 1 not in found
    assert found[2] == {"gender_matches_registry": "reject"}
    assert found[3] == {"pooled_here": "reject"}
    assert found[4] == {"known_person": "reject"}
    assert found[5] == {"name_matches_registry": "reject", "once_in_declaration": "reject"}


def test_person_check_effect_and_not_twice(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, pooled: SimpleNamespace
) -> None:
    assert pooled_of_unit(registry, pooled.UNIT, check="person")["person_id"].to_list() == sorted(
        [pooled.ZHANG, pooled.WANG]
    )
    did = _confirm(registry, "pooled_person_check", pooled.ZHANG, "张三")
    checks = registry.table("pooled_person_checks")
    assert checks.select("person_id", "declaration_id", "gender", "status").rows() == [
        (pooled.ZHANG, did, "1", "confirmed")
    ]
    assert registry.events(did)["note"].to_list()[-1] == (
        "核对行业统筹人员基本信息审核通过 1 人：基本信息已认定。"
    )
    prefill = get("pooled_person_check").prefill
    assert prefill is not None
    assert prefill(registry, pooled.UNIT, SINCE)["person_id"].to_list() == [pooled.WANG]
    again = submitted("pooled_person_check", row(pooled.ZHANG, "张三"))
    assert outcomes(again) == {1: {"not_confirmed_yet": "reject"}}


def test_pension_check_rules_and_effect(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, pooled: SimpleNamespace
) -> None:
    _confirm(registry, "pooled_person_check", pooled.ZHANG, "张三")
    prefill = get("pooled_pension_check").prefill
    assert prefill is not None
    assert prefill(registry, pooled.UNIT, SINCE)["person_id"].to_list() == [pooled.ZHANG]
    did = submitted(
        "pooled_pension_check",
        row(pooled.ZHANG, "张三"),
        row(pooled.WANG, "王五"),  # basic information not confirmed
        row(pooled.LI, "李四", "2"),  # not pooled
    )
    found = outcomes(did)
    assert 1 not in found
    assert found[2] == {"person_confirmed_first": "reject"}
    assert found[3] == {"pooled_here": "reject"}
    review(registry, did)
    checks = registry.table("pooled_pension_checks")
    assert checks.select("person_id", "contribution_months", "status").rows() == [
        (pooled.ZHANG, 82, "confirmed")  # 2020-01 … 2026-10
    ]
    again = submitted("pooled_pension_check", row(pooled.ZHANG, "张三"))
    assert outcomes(again) == {1: {"pension_not_confirmed_yet": "reject"}}


def test_pension_check_warns_without_months(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    sun = facts.make_id("370102", "19630303", "111")
    registry.load(
        persons=pl.DataFrame(
            {
                "person_id": [sun],
                "name": ["孙七"],
                "gender": ["1"],
                "birth_date": [dt.date(1963, 3, 3)],
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [facts.UNIT],
                "person_id": [sun],
                "insurance": ["1"],
                "person_category": ["11"],
                "from_month": [dt.date(2020, 5, 1)],
                "until_month": [dt.date(2020, 5, 1)],
            }
        ),
    )
    mark_pooled(registry, facts.UNIT, [sun], "电力", SINCE)
    _confirm(registry, "pooled_person_check", sun, "孙七")
    did = submitted("pooled_pension_check", row(sun, "孙七"))
    assert outcomes(did) == {1: {"has_pension_months": "warn"}}


def test_revocations(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, pooled: SimpleNamespace
) -> None:
    person_check = _confirm(registry, "pooled_person_check", pooled.ZHANG, "张三")
    _confirm(registry, "pooled_pension_check", pooled.ZHANG, "张三")
    # the basic information cannot go while the pension check stands
    blocked = submitted(
        "pooled_person_revocation", row(pooled.ZHANG, "张三"), row(pooled.WANG, "王五")
    )
    assert outcomes(blocked) == {
        1: {"pension_revoked_first": "reject"},
        2: {"person_confirmed": "reject"},
    }
    wrong = submitted("pooled_pension_revocation", row(pooled.WANG, "王五"))
    assert outcomes(wrong) == {1: {"pension_confirmed": "reject"}}
    prefill = get("pooled_pension_revocation").prefill
    assert prefill is not None
    assert prefill(registry, pooled.UNIT, SINCE)["person_id"].to_list() == [pooled.ZHANG]

    pension_revocation = _confirm(registry, "pooled_pension_revocation", pooled.ZHANG, "张三")
    assert registry.table("pooled_pension_checks").select("status", "revoked_by").rows() == [
        ("revoked", pension_revocation)
    ]
    assert registry.events(pension_revocation)["note"].to_list()[-1] == (
        "撤销行业统筹人员养老金认定审核通过 1 人：撤销认定 1 条。"
    )
    person_revocation = _confirm(registry, "pooled_person_revocation", pooled.ZHANG, "张三")
    checks = registry.table("pooled_person_checks")
    assert checks.select("declaration_id", "status", "revoked_by", "revoked_on").rows() == [
        (person_check, "revoked", person_revocation, registry.today)
    ]
    assert registry.events(person_revocation)["note"].to_list()[-1] == (
        "撤销行业统筹人员基本信息认定审核通过 1 人：撤销认定 1 条。"
    )
    # revoked twice is refused; a new check after the revocation is accepted
    again = submitted("pooled_person_revocation", row(pooled.ZHANG, "张三"))
    assert outcomes(again) == {1: {"person_confirmed": "reject"}}
    _confirm(registry, "pooled_person_check", pooled.ZHANG, "张三")
    assert registry.table("pooled_person_checks")["status"].to_list().count("confirmed") == 1
