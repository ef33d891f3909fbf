"""Form-field reject rules of 退休申报 and 遗属申报 by id, through the review: each a failing
case and its passing twin (the check has the same rules; the review repeats them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import polars as pl
import pytest

from sbbatch.store import Workspace

Submit = Callable[..., str]
Outcomes = Callable[[str], dict[int, dict[str, str]]]

RETIRED_MONTH = dt.date(2024, 7, 1)
SURVIVOR = "370102198001011237"  # 男, born 1980-01-01


@pytest.fixture
def retiree(registry: Workspace, facts: Any) -> str:
    """周钢: a man born 1964-06 departed from the unit with 在职转退休 in 2024-07 and settled;
    the unit's approver is maintained."""
    person = facts.make_id("370104", "19640615", "131")
    registry.load(
        persons=pl.DataFrame(
            {
                "person_id": [person],
                "name": ["周钢"],
                "gender": ["1"],
                "birth_date": [dt.date(1964, 6, 15)],
                "identity": ["1"],
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [facts.UNIT],
                "person_id": [person],
                "insurance": ["1"],
                "person_category": ["11"],
                "from_month": [dt.date(1990, 1, 1)],
                "until_month": [RETIRED_MONTH],
                "add_reason": ["111"],
                "leave_reason": ["251"],
            }
        ),
    )
    registry.execute(
        "INSERT INTO unit_approvers VALUES (?, '王芳', '13105311234', 'SD1', ?)",
        [facts.UNIT, registry.today],
    )
    registry.execute(
        "INSERT INTO retirement_settlements VALUES (?, ?, DATE '2024-07-10', 'JQ0001')",
        [person, facts.UNIT],
    )
    return person


def _retirement(person_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "name": "周钢",
        "retirement_type": "2",
        "retirement_month": RETIRED_MONTH,
        "social_management": "1",
        "police_bureau": "济南市槐荫区",
        "police_station": "营市街",
        **fields,
    }


def test_retirement_social_security_no_and_contribution_years(
    submitted: Submit, outcomes: Outcomes, retiree: str, facts: Any
) -> None:
    good = submitted(
        "retirement",
        _retirement(retiree, social_security_no=retiree, contribution_years="34.50"),
    )
    assert outcomes(good) == {}
    bad = submitted(
        "retirement",
        _retirement(retiree, social_security_no=facts.ZHANG),
        _retirement(retiree, contribution_years="34.5年"),
    )
    found = outcomes(bad)
    assert found[1]["social_security_no_is_id"] == "reject"
    assert found[2]["contribution_years_format"] == "reject"


def _survivor(person_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "name": "周钢",
        "retirement_date": RETIRED_MONTH,
        "death_date": dt.date(2025, 7, 8),
        "survivor_id": SURVIVOR,
        "survivor_name": "周红",
        "survivor_gender": "1",
        "survivor_birth_date": dt.date(1980, 1, 1),
        "relation": "3",
        "start_month": dt.date(2025, 8, 1),
        "survivor_type": "1",
        "social_management": "1",
        "support_condition": "2",
        "lone_flag": "是",
        "pre1949_flag": "否",
        "approver": "王芳",
        "approver_phone": "13105311234",
        "regular_fen": 46000,
        "lone_fen": 4600,
        "pre1949_fen": 0,
        "total_fen": 50600,
        **fields,
    }


def test_survivor_birth_date_gender_and_approver_phone(
    submitted: Submit, outcomes: Outcomes, retiree: str
) -> None:
    assert outcomes(submitted("survivor", _survivor(retiree))) == {}
    for fields, rule in (
        ({"survivor_birth_date": dt.date(1980, 1, 2)}, "survivor_birth_date_matches_id"),
        ({"survivor_gender": "2"}, "survivor_gender_matches_id"),
        ({"approver_phone": "131-0531"}, "approver_phone_invalid"),
    ):
        found = outcomes(submitted("survivor", _survivor(retiree, **fields)))
        assert found.get(1, {}).get(rule) == "reject", (rule, found)
