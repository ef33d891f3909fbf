"""Tests of 离休人员医疗申报 (manual §1.8): rules, the effect, end to end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace

import polars as pl

from sbbatch.declarations import get
from sbbatch.review import declare, review
from sbbatch.store import Workspace

Submit = Callable[..., str]
Outcomes = Callable[[str], dict[int, dict[str, str]]]


def test_registered() -> None:
    declaration = get("离休人员医疗申报")
    assert [c.header for c in declaration.required] == ["身份证号码", "姓名", "离休日期"]


def test_rules(submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace) -> None:
    did = submitted(
        "retiree_medical",
        {"person_id": facts.ZHANG, "name": "张三", "retired_on": dt.date(2027, 1, 1)},
        {"person_id": facts.LI, "name": "李四", "retired_on": dt.date(2020, 1, 1)},
        {"person_id": facts.WANG, "name": "王五", "retired_on": dt.date(1980, 1, 1)},
        {
            "person_id": facts.make_id("370101", "19300101", "001"),
            "name": "钱七",
            "retired_on": dt.date(1990, 1, 1),
        },
        {"person_id": facts.ZHANG, "name": "章三", "retired_on": dt.date(2026, 1, 1)},
    )
    found = outcomes(did)
    assert found[1] == {
        "retired_not_in_future": "reject",
        "born_before_1949": "warn",
        "age_at_retirement": "warn",
    }
    assert found[2] == {
        "person_of_unit": "reject",
        "born_before_1949": "warn",
        "age_at_retirement": "warn",
    }
    assert found[3] == {"retired_after_birth": "reject", "born_before_1949": "warn"}
    assert found[4] == {"known_person": "reject"}
    assert found[5] == {
        "name_matches_registry": "reject",
        "born_before_1949": "warn",
        "age_at_retirement": "warn",
        "once_in_declaration": "reject",
    }


def test_end_to_end(registry: Workspace, facts: SimpleNamespace) -> None:
    old = facts.make_id("370102", "19300101", "111")
    registry.load(
        persons=pl.DataFrame(
            {
                "person_id": [old],
                "name": ["孙老"],
                "gender": ["1"],
                "birth_date": [dt.date(1930, 1, 1)],
                "identity": ["1"],
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [facts.UNIT],
                "person_id": [old],
                "insurance": ["3"],
                "person_category": ["21"],
                "from_month": [dt.date(1990, 1, 1)],
                "add_reason": ["111"],
            }
        ),
    )
    rows = {"身份证号码": old, "姓名": "孙老", "离休日期": "1990-10-01", "医疗待遇类别": "离休人员"}
    did = declare(registry, rows, facts.UNIT, kind="retiree_medical")
    registry.submit(did)
    assert review(registry, did)["review_result"].to_list() == ["审核成功"]
    record = registry.table("retiree_medical_records")
    assert record.select("person_id", "retired_on", "treatment_category").rows() == [
        (old, dt.date(1990, 10, 1), "1")
    ]
    again = declare(registry, rows, facts.UNIT, kind="retiree_medical")
    registry.submit(again)
    assert review(registry, again)["review_opinion"][0].startswith("该人员已办理离休人员医疗申报")
