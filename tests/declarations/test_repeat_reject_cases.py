"""Reject rules against doing a business twice (or for nobody), by id: each a failing case and
its passing twin — 补扣养老费, 居民医疗停保, 门规, 退休结清, 缴费证明."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import polars as pl

from sbbatch.review import review
from sbbatch.store import Workspace

Submit = Callable[..., str]
Outcomes = Callable[[str], dict[int, dict[str, str]]]


def _approved(ws: Workspace, declaration_id: str) -> None:
    assert set(review(ws, declaration_id)["review_result"]) == {"审核成功"}


def test_a_month_of_flexible_pension_is_deducted_once(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, facts: Any
) -> None:
    registry.execute("UPDATE units SET unit_type = '60' WHERE unit_id = ?", [facts.UNIT])
    row = {"person_id": facts.WANG, "name": "王五", "month": dt.date(2026, 10, 1), "base": 500000}
    first = submitted("flexible_pension_deduction", row)
    assert outcomes(first) == {}
    _approved(registry, first)
    again = submitted("flexible_pension_deduction", row)
    assert outcomes(again) == {1: {"not_deducted_yet": "reject"}}


def test_resident_medical_is_stopped_once(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, facts: Any
) -> None:
    row = {"person_id": facts.ZHANG, "name": "张三"}
    first = submitted("resident_medical_stop", row)
    assert outcomes(first) == {}
    _approved(registry, first)
    assert outcomes(submitted("resident_medical_stop", row)) == {
        1: {"not_stopped_before": "reject"}
    }


def _disease(person_id: str, disease: str, **extra: Any) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "name": "张三",
        "phone": "13222222222",
        "outpatient_category": "1",
        "disease": disease,
        "hospital_name": "地纬测试医院11",
        "hospital_code": "000001",
        **extra,
    }


def test_an_approved_disease_is_not_applied_again_and_the_certificate_matches(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, facts: Any
) -> None:
    first = submitted("outpatient_disease", _disease(facts.ZHANG, "1"))
    assert outcomes(first) == {}
    _approved(registry, first)
    number = registry.table("outpatient_certificates")["certificate_no"][0]
    again = submitted(
        "outpatient_disease",
        _disease(facts.ZHANG, "1", application_type="2", certificate_no=number),
        _disease(facts.ZHANG, "3", application_type="2", certificate_no="X1"),
        _disease(facts.ZHANG, "4", application_type="2", certificate_no=number),
    )
    found = outcomes(again)
    assert found[1] == {"disease_not_approved": "reject"}
    assert found[2] == {"certificate_matches": "reject"}
    assert 3 not in found


def test_a_pension_account_is_settled_once(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, facts: Any
) -> None:
    # 赵六 left the other unit with 229 and is past the statutory age: settleable there.
    first = submitted("retirement_settlement", {"person_id": facts.ZHAO}, unit=facts.OTHER_UNIT)
    assert outcomes(first) == {}
    _approved(registry, first)
    again = submitted("retirement_settlement", {"person_id": facts.ZHAO}, unit=facts.OTHER_UNIT)
    assert outcomes(again) == {1: {"not_settled_yet": "reject"}}


def test_a_certificate_of_all_units_needs_some_insured_period(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, facts: Any
) -> None:
    never = facts.make_id("370101", "19910101", "001")
    registry.load(
        persons=pl.DataFrame(
            {
                "person_id": [never],
                "name": ["钱七"],
                "gender": ["1"],
                "birth_date": [dt.date(1991, 1, 1)],
            }
        )
    )
    found = outcomes(
        submitted(
            "payment_certificate",
            {"person_id": never, "name": "钱七", "only_unit": "否"},
            {"person_id": facts.ZHANG, "name": "张三", "only_unit": "否"},
        )
    )
    assert found[1]["insured_anywhere"] == "reject"
    assert "insured_anywhere" not in found.get(2, {})
