"""Tests of 遗属申报 (manual §5.3): amounts, rules against the registry, the effect."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import polars as pl
import pytest

from sbbatch.batch import check_frame
from sbbatch.declarations import get
from sbbatch.review import declare, result, review
from sbbatch.store import Workspace

Submit = Callable[..., str]
Outcomes = Callable[[str], dict[int, dict[str, str]]]
Messages = Callable[[str], dict[tuple[int, str], str]]

SURVIVOR = "370102198001011237"  # 男, born 1980-01-01


@pytest.fixture
def deceased(registry: Workspace, facts: SimpleNamespace) -> str:
    """A man who retired from the unit in 2011-03 (在职转退休), and the unit's approver."""
    person = facts.make_id("370104", "19510210", "131")
    registry.load(
        persons=pl.DataFrame(
            {
                "person_id": [person],
                "name": ["周钢"],
                "gender": ["1"],
                "birth_date": [dt.date(1951, 2, 10)],
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [facts.UNIT],
                "person_id": [person],
                "insurance": ["1"],
                "person_category": ["11"],
                "from_month": [dt.date(1992, 1, 1)],
                "until_month": [dt.date(2011, 3, 1)],
                "add_reason": ["111"],
                "leave_reason": ["251"],
            }
        ),
    )
    registry.execute(
        "INSERT INTO unit_approvers VALUES (?, '王芳', '13105311234', 'SD1', ?)",
        [facts.UNIT, registry.today],
    )
    return person


def _row(person_id: str, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "person_id": person_id,
        "name": "周钢",
        "retirement_date": dt.date(2011, 3, 1),
        "death_date": dt.date(2016, 7, 8),
        "survivor_id": SURVIVOR,
        "survivor_name": "周红",
        "survivor_birth_date": dt.date(1980, 1, 1),
        "relation": "3",
        "start_month": dt.date(2016, 8, 1),
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
    }
    row.update(fields)
    return row


#: A second survivor of the same deceased is not 孤身 (at most one is: 孤寡一人者).
_NOT_LONE: dict[str, Any] = {"lone_flag": "否", "lone_fen": 0, "total_fen": 46000}


def test_the_columns_are_the_manuals() -> None:
    declaration = get("遗属申报")
    assert len(declaration.columns) == 32
    assert [c.header for c in declaration.required][:4] == [
        "社会保障号码",
        "死亡日期",
        "遗属身份证号码",
        "遗属姓名",
    ]


def test_the_manuals_example_passes(submitted: Submit, outcomes: Outcomes, deceased: str) -> None:
    did = submitted("survivor", _row(deceased))
    assert outcomes(did) == {}


def test_wrong_amounts_say_the_right_figure(
    submitted: Submit, outcomes: Outcomes, messages: Messages, deceased: str
) -> None:
    did = submitted(
        "survivor",
        _row(deceased, total_fen=50000),
        _row(
            deceased,
            survivor_id="370102198202021239",
            survivor_birth_date=dt.date(1982, 2, 2),
            lone_fen=5000,
            pre1949_fen=100,
        ),
    )
    assert outcomes(did)[1] == {"total_is_sum": "reject"}
    assert messages(did)[(1, "total_is_sum")].endswith("应为 506.00。")
    assert set(outcomes(did)[2]) >= {"lone_supplement", "pre1949_supplement"}
    assert "应为 46.00" in messages(did)[(2, "lone_supplement")]


@pytest.fixture
def veteran(registry: Workspace, facts: SimpleNamespace, deceased: str) -> str:
    """A man born 1930 who started work in 1948 and retired from the unit in 1990-06."""
    person = facts.make_id("370104", "19300510", "151")
    registry.load(
        persons=pl.DataFrame(
            {
                "person_id": [person],
                "name": ["周钢"],
                "gender": ["1"],
                "birth_date": [dt.date(1930, 5, 10)],
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [facts.UNIT],
                "person_id": [person],
                "insurance": ["1"],
                "person_category": ["11"],
                "from_month": [dt.date(1980, 1, 1)],
                "until_month": [dt.date(1990, 6, 1)],
                "add_reason": ["111"],
                "leave_reason": ["251"],
            }
        ),
    )
    return person


def _pre1949(person_id: str, started: dt.date) -> dict[str, Any]:
    return _row(
        person_id,
        retirement_date=dt.date(1990, 6, 1),
        work_start_date=started,
        pre1949_flag="是",
        pre1949_fen=9200,
        total_fen=59800,
    )


def test_both_supplements(submitted: Submit, outcomes: Outcomes, veteran: str) -> None:
    did = submitted("survivor", _pre1949(veteran, dt.date(1948, 3, 1)))
    assert outcomes(did) == {}


def test_pre1949_needs_work_before_1949_10(
    submitted: Submit, outcomes: Outcomes, messages: Messages, veteran: str, deceased: str
) -> None:
    did = submitted(
        "survivor",
        _pre1949(veteran, dt.date(1949, 10, 1)),
        {**_pre1949(deceased, dt.date(1979, 7, 1)), "retirement_date": dt.date(2011, 3, 1)},
        {
            **_pre1949(deceased, dt.date(1979, 7, 1)),
            "work_start_date": None,
            "lone_flag": "否",
            "lone_fen": 0,
            "total_fen": 55200,
            "survivor_id": "370102198202021239",
            "survivor_birth_date": dt.date(1982, 2, 2),
        },
    )
    found = outcomes(did)
    assert found == {n: {"pre1949_needs_early_work": "reject"} for n in (1, 2, 3)}
    assert messages(did)[(1, "pre1949_needs_early_work")].startswith(
        "建国前标志为是，但参加工作日期「1949-10-01」不早于 1949-10-01"
    )


def test_survivor_is_not_the_deceased(submitted: Submit, outcomes: Outcomes, deceased: str) -> None:
    did = submitted(
        "survivor", _row(deceased, survivor_id=deceased, survivor_birth_date=dt.date(1951, 2, 10))
    )
    assert outcomes(did)[1] == {"survivor_is_not_deceased": "reject"}


def test_at_most_one_lone_survivor(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, messages: Messages, deceased: str
) -> None:
    second = {"survivor_id": "370102198202021239", "survivor_birth_date": dt.date(1982, 2, 2)}
    did = submitted("survivor", _row(deceased), _row(deceased, **second))
    assert outcomes(did) == {2: {"lone_at_most": "reject"}}
    assert messages(did)[(2, "lone_at_most")].startswith("孤身标志为是的遗属已有 2 人")
    # the twin: a second survivor who is not lone passes
    not_lone = {"lone_flag": "否", "lone_fen": 0, "total_fen": 46000}
    did = submitted("survivor", _row(deceased), _row(deceased, **second, **not_lone))
    assert outcomes(did) == {}
    # a lone survivor already granted counts
    review(registry, did)
    third = {"survivor_id": "370102198303031233", "survivor_birth_date": dt.date(1983, 3, 3)}
    did = submitted("survivor", _row(deceased, **third))
    assert outcomes(did) == {1: {"lone_at_most": "reject"}}


def test_regular_amount_within_the_class_bounds(
    submitted: Submit, outcomes: Outcomes, messages: Messages, deceased: str
) -> None:
    did = submitted(
        "survivor",
        _row(deceased, regular_fen=9_999_900, lone_fen=999_990, total_fen=10_999_890),
        _row(
            deceased,
            lone_flag="否",
            regular_fen=17_999,
            lone_fen=0,
            total_fen=17_999,
            survivor_id="370102198202021239",
            survivor_birth_date=dt.date(1982, 2, 2),
        ),
        _row(
            deceased,
            lone_flag="否",
            regular_fen=18_000,
            lone_fen=0,
            total_fen=18_000,
            survivor_id="370102198303031233",
            survivor_birth_date=dt.date(1983, 3, 3),
        ),
        _row(
            deceased,
            lone_flag="否",
            regular_fen=100_000,
            lone_fen=0,
            total_fen=100_000,
            survivor_id="370102198404041235",
            survivor_birth_date=dt.date(1984, 4, 4),
        ),
    )
    found = outcomes(did)
    assert found == {1: {"regular_below_ceiling": "reject"}, 2: {"regular_above_floor": "reject"}}
    assert "按 sbbatch 的假设" in messages(did)[(1, "regular_below_ceiling")]
    assert "180.00" in messages(did)[(2, "regular_above_floor")]


def test_deceased_is_a_retiree_of_the_unit(
    submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace, deceased: str
) -> None:
    did = submitted("survivor", _row(facts.WANG, name="王五", retirement_date=None))
    assert outcomes(did)[1] == {"deceased_is_retiree": "reject"}


def test_deceased_known(submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace) -> None:
    did = submitted("survivor", _row(facts.make_id("370102", "19450101", "111")))
    assert "deceased_known" in outcomes(did)[1]


def test_death_dates(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, deceased: str
) -> None:
    did = submitted(
        "survivor",
        _row(deceased, death_date=dt.date(2010, 5, 1), start_month=dt.date(2010, 6, 1)),
        _row(
            deceased,
            survivor_id="370102198202021239",
            survivor_birth_date=dt.date(1982, 2, 2),
            death_date=dt.date(2026, 12, 20),
            start_month=dt.date(2027, 1, 1),
            **_NOT_LONE,
        ),
        _row(
            deceased,
            survivor_id="370102198303031233",
            survivor_birth_date=dt.date(1983, 3, 3),
            start_month=dt.date(2016, 7, 1),
            **_NOT_LONE,
        ),
    )
    found = outcomes(did)
    assert found[1] == {
        "death_after_retirement": "reject",
        "death_after_registered_retirement": "reject",
    }
    assert found[2] == {"death_not_in_future": "reject"}
    assert found[3] == {"start_after_death": "warn"}


def test_approver(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, deceased: str
) -> None:
    did = submitted("survivor", _row(deceased, approver="张三"))
    assert outcomes(did)[1] == {"approver_matches": "warn"}
    registry.execute("DELETE FROM unit_approvers")
    did = submitted("survivor", _row(deceased))
    assert outcomes(did)[1] == {"approver_maintained": "reject"}


def test_the_check_rejects_a_bad_survivor_id_and_flags() -> None:
    case = {
        "社会保障号码": "370102199001011231",
        "死亡日期": "2016-07-08",
        "遗属身份证号码": "370102198001011231",
        "遗属姓名": "周红",
        "出生日期": "1980-01-01",
        "与死者关系": "父母",
        "待遇享受开始年月": "2016-08",
        "遗属类别": "退休遗属",
        "社会化管理方式": "社区管理",
        "供养条件": "子女",
        "孤身标志": "也许",
        "建国前标志": "否",
        "单位审定人": "王芳",
        "单位审定人联系电话": "13105311234",
        "定期支付金额": "460.00",
        "待遇总额": "506.00",
    }
    batch = check_frame(pl.DataFrame({k: [v] for k, v in case.items()}), "survivor")
    rules = set(batch.failures["rule"].to_list())
    assert "lone_flag_yes_no" in rules
    assert any(rule.startswith("id_") for rule in rules)


def test_effect_and_end_to_end(
    registry: Workspace, deceased: str, facts: SimpleNamespace, outcomes: Outcomes
) -> None:
    case = {
        "社会保障号码": deceased,
        "姓名": "周钢",
        "离退休日期": "2011-03-01",
        "死亡日期": "2016-07-08",
        "遗属身份证号码": SURVIVOR,
        "遗属姓名": "周红",
        "出生日期": "1980-01-01",
        "与死者关系": "父母",
        "待遇享受开始年月": "2016-08",
        "遗属类别": "退休遗属",
        "社会化管理方式": "社区管理",
        "供养条件": "子女",
        "孤身标志": "是",
        "建国前标志": "否",
        "单位审定人": "王芳",
        "单位审定人联系电话": "13105311234",
        "定期支付金额": "460.00",
        "待遇总额": "506.00",
    }
    did = declare(registry, case, facts.UNIT, kind="survivor")
    registry.submit(did)
    review(registry, did)
    assert result(registry, did)["review_result"].to_list() == ["审核成功"]
    stored = registry.sql(
        "SELECT regular_fen, lone_fen, pre1949_fen, total_fen FROM survivor_benefits"
    )
    assert stored.rows() == [(46000, 4600, 0, 50600)]
    registry.mark_read(did)
    again = declare(registry, case, facts.UNIT, kind="survivor")
    registry.submit(again)
    assert outcomes(again)[1] == {"not_granted_yet": "reject"}
