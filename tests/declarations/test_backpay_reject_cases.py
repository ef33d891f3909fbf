"""Reject rules of 社会保险费补缴申报 by id: each a failing case and its passing twin.

张三 (registry fixture) is insured in the unit since 2020-01 for 养老 and 医疗; the months are
declared with a 缴费基数, so no approved wage is needed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from sbbatch import payments
from sbbatch.review import declare, review, review_failures
from sbbatch.store import Workspace


def _rules(ws: Workspace, person_id: str, unit: str, start: str, end: str | None = None) -> str:
    case = {
        "社会保障号码": person_id,
        "补缴年月": start,
        "缴费基数": "5000",
        "补缴原因": "稽核补缴",
    }
    if end:
        case["补缴终止年月"] = end
    declaration_id = declare(ws, case, unit, kind="backpay")
    ws.submit(declaration_id)
    return declaration_id


def _found(ws: Workspace, declaration_id: str) -> list[str]:
    return review_failures(ws, declaration_id)["rule"].to_list()


def test_months_need_policy_figures(registry: Workspace, facts: Any) -> None:
    old = _rules(registry, facts.ZHANG, facts.UNIT, "2017-11", "2018-01")
    assert "policy_covers" in _found(registry, old)
    recent = _rules(registry, facts.ZHANG, facts.UNIT, "2026-09", "2026-10")
    assert _found(registry, recent) == []


def test_a_billed_month_is_paid_by_its_bill(registry: Workspace, facts: Any) -> None:
    registry.load(
        wage_bases=pl.DataFrame(
            {
                "unit_id": [facts.UNIT],
                "person_id": [facts.ZHANG],
                "month": [dt.date(2026, 10, 1)],
                "wage_fen": [600000],
            }
        )
    )
    payments.create_bill(registry, facts.UNIT, dt.date(2026, 10, 1), allow_missing=True)
    billed = _rules(registry, facts.ZHANG, facts.UNIT, "2026-10")
    assert _found(registry, billed) == ["not_billed"]
    other = _rules(registry, facts.ZHANG, facts.UNIT, "2026-09")
    assert _found(registry, other) == []


def test_a_month_approved_for_back_payment_is_not_declared_again(
    registry: Workspace, facts: Any
) -> None:
    first = _rules(registry, facts.ZHANG, facts.UNIT, "2026-08")
    assert review(registry, first)["review_result"].to_list() == ["审核成功"]
    again = _rules(registry, facts.ZHANG, facts.UNIT, "2026-07", "2026-08")
    assert _found(registry, again) == ["not_pending"]


def test_months_need_an_insurance_that_is_back_paid(registry: Workspace, facts: Any) -> None:
    injury_only = facts.make_id("370101", "19910101", "001")
    registry.load(
        persons=pl.DataFrame(
            {
                "person_id": [injury_only],
                "name": ["钱七"],
                "gender": ["1"],
                "birth_date": [dt.date(1991, 1, 1)],
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [facts.UNIT],
                "person_id": [injury_only],
                "insurance": ["4"],  # 工伤: not back-paid (backpay.csv)
                "person_category": ["11"],
                "from_month": [dt.date(2020, 1, 1)],
                "add_reason": ["111"],
            }
        ),
    )
    declaration_id = _rules(registry, injury_only, facts.UNIT, "2026-09")
    assert "has_insurance" in _found(registry, declaration_id)
    twin = _rules(registry, facts.ZHANG, facts.UNIT, "2026-09")
    assert _found(registry, twin) == []
