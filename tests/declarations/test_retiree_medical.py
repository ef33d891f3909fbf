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
Messages = Callable[[str], dict[tuple[int, str], str]]


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
    # born 1990 / 1985 / 1988: could not have joined revolutionary work before 1949-10-01
    young = {"born_before_cut": "reject", "work_start_known": "warn"}
    assert found[1] == {"retired_not_in_future": "reject", "age_at_retirement": "warn", **young}
    assert found[2] == {"person_of_unit": "reject", "age_at_retirement": "warn", **young}
    assert found[3] == {"retired_after_birth": "reject", **young}
    assert found[4] == {"known_person": "reject"}
    assert found[5] == {
        "name_matches_registry": "reject",
        "age_at_retirement": "warn",
        "once_in_declaration": "reject",
        **young,
    }


def _old_person(
    registry: Workspace, facts: SimpleNamespace, born: dt.date, work: dt.date | None
) -> str:
    """Load a person of the unit born on ``born`` who started work on ``work``."""
    person = facts.make_id("370102", f"{born:%Y%m%d}", "111")
    registry.load(
        persons=pl.DataFrame(
            {
                "person_id": [person],
                "name": ["孙老"],
                "gender": ["1"],
                "birth_date": [born],
                "identity": ["1"],
                "work_start_date": pl.Series([work], dtype=pl.Date),
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [facts.UNIT],
                "person_id": [person],
                "insurance": ["3"],
                "person_category": ["21"],
                "from_month": [dt.date(1990, 1, 1)],
                "add_reason": ["111"],
            }
        ),
    )
    return person


def test_lixiu_needs_work_before_1949(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    late = _old_person(registry, facts, dt.date(1931, 3, 1), dt.date(1950, 5, 1))
    did = submitted(
        "retiree_medical", {"person_id": late, "name": "孙老", "retired_on": dt.date(1991, 3, 1)}
    )
    assert outcomes(did) == {1: {"work_started_before_1949": "reject"}}
    assert review(registry, did)["review_result"].to_list() == ["不通过"]
    # the declared 参加工作日期 wins over the registry's: 1945 passes
    did = submitted(
        "retiree_medical",
        {
            "person_id": late,
            "name": "孙老",
            "retired_on": dt.date(1991, 3, 1),
            "work_start_date": dt.date(1945, 8, 1),
        },
    )
    assert outcomes(did) == {}
    assert review(registry, did)["review_result"].to_list() == ["审核成功"]


def test_lixiu_born_after_the_cut(
    registry: Workspace,
    submitted: Submit,
    outcomes: Outcomes,
    messages: Messages,
    facts: SimpleNamespace,
) -> None:
    young = _old_person(registry, facts, dt.date(1936, 1, 1), dt.date(1948, 1, 1))
    did = submitted(
        "retiree_medical", {"person_id": young, "name": "孙老", "retired_on": dt.date(1996, 1, 1)}
    )
    assert outcomes(did) == {1: {"born_before_cut": "reject"}}
    assert "按 sbbatch 的假设" in messages(did)[(1, "born_before_cut")]
    assert "1935-09-30" in messages(did)[(1, "born_before_cut")]


def test_lixiu_born_on_the_cut_passes(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    person = _old_person(registry, facts, dt.date(1935, 9, 30), dt.date(1949, 9, 30))
    did = submitted(
        "retiree_medical", {"person_id": person, "name": "孙老", "retired_on": dt.date(1995, 10, 1)}
    )
    assert outcomes(did) == {}


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
