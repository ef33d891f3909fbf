"""Tests of 军转干申报 (manual §5.5)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import polars as pl

from sbbatch.batch import check_frame
from sbbatch.declarations import get
from sbbatch.review import declare, result, review
from sbbatch.store import Workspace

Submit = Callable[..., str]
Outcomes = Callable[[str], dict[int, dict[str, str]]]
Messages = Callable[[str], dict[tuple[int, str], str]]


def _row(person_id: str, name: str, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "person_id": person_id,
        "name": name,
        "transfer_month": dt.date(2018, 1, 1),
        "enlistment_date": dt.date(2008, 9, 1),
        "post": "营级",
        "early_retirement": "否",
    }
    row.update(fields)
    return row


def test_the_columns_are_the_manuals() -> None:
    declaration = get("军转干申报")
    assert len(declaration.columns) == 17
    assert [c.header for c in declaration.required] == ["身份证号码"]


def test_a_known_person_passes(
    submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    assert outcomes(submitted("military_cadre", _row(facts.ZHANG, "张三"))) == {}


def test_person_known(submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace) -> None:
    did = submitted("military_cadre", _row(facts.make_id("370102", "19700101", "111"), "某人"))
    assert "person_known" in outcomes(did)[1]


def test_enlisted_before_transfer(
    submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    did = submitted(
        "military_cadre", _row(facts.ZHANG, "张三", enlistment_date=dt.date(2018, 3, 1))
    )
    assert outcomes(did)[1] == {"enlisted_before_transfer": "reject"}


def test_enlisted_at_working_age(
    submitted: Submit, outcomes: Outcomes, messages: Messages, facts: SimpleNamespace
) -> None:
    # 张三 was born 1990-01-01: 16 on 2006-01-01
    did = submitted(
        "military_cadre",
        _row(facts.ZHANG, "张三", enlistment_date=dt.date(2005, 12, 31)),
        _row(facts.LI, "李四", enlistment_date=dt.date(2001, 5, 5)),  # born 1985-05-05
    )
    assert outcomes(did) == {1: {"enlisted_at_working_age": "reject"}}
    assert messages(did)[(1, "enlisted_at_working_age")] == (
        "入伍时间「2005-12-31」时未满 16 周岁（出生日期 1990-01-01），请核对入伍时间。"
    )


def test_early_retirement_needs_a_date() -> None:
    frame = pl.DataFrame(
        {"身份证号码": ["370102199001011231"], "是否军转提前退休": ["是"], "申请退休日期": [None]}
    )
    batch = check_frame(frame, "military_cadre")
    assert batch.failures["rule"].to_list() == ["early_retirement_needs_date"]


def test_effect_end_to_end_and_no_second_time(
    registry: Workspace, facts: SimpleNamespace, outcomes: Outcomes
) -> None:
    case = {
        "身份证号码": facts.ZHANG,
        "姓名": "张三",
        "军队转业年月": "2018-01",
        "入伍时间": "2008-09-01",
        "职务": "营级",
        "是否军转提前退休": "否",
    }
    did = declare(registry, case, facts.UNIT, kind="military_cadre")
    registry.submit(did)
    review(registry, did)
    assert result(registry, did)["review_result"].to_list() == ["审核成功"]
    assert registry.sql("SELECT person_id, post FROM military_cadres").rows() == [
        (facts.ZHANG, "营级")
    ]
    registry.mark_read(did)
    again = declare(registry, case, facts.UNIT, kind="military_cadre")
    registry.submit(again)
    assert outcomes(again)[1] == {"not_recorded_yet": "reject"}
