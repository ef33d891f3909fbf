"""Tests of 特殊工种认定申报 (manual §5.4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from sbbatch.declarations import get
from sbbatch.review import declare, result, review
from sbbatch.store import Workspace

Submit = Callable[..., str]
Outcomes = Callable[[str], dict[int, dict[str, str]]]
Messages = Callable[[str], dict[tuple[int, str], str]]


def _row(person_id: str, start: dt.date, end: dt.date, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "person_id": person_id,
        "from_month": start,
        "to_month": end,
        "special_job_type": "2",
        "job_name": "电焊工",
        "job_unit_id": "0010118873",
        "job_unit_name": "济南测试科技有限公司",
    }
    row.update(fields)
    return row


def test_the_columns_are_the_manuals() -> None:
    declaration = get("特殊工种认定申报")
    assert [c.header for c in declaration.columns] == [
        "身份证号码", "姓名", "起始年月", "终止年月", "特殊工种标识", "特殊工种名称",
        "单位编号", "单位名称", "备注",
    ]  # fmt: skip


def test_a_period_insured_in_the_unit_passes(
    submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    did = submitted("special_job", _row(facts.ZHANG, dt.date(2021, 1, 1), dt.date(2022, 12, 1)))
    assert outcomes(did) == {}


def test_order_and_future(submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace) -> None:
    did = submitted(
        "special_job",
        _row(facts.ZHANG, dt.date(2022, 5, 1), dt.date(2022, 1, 1)),
        _row(facts.ZHANG, dt.date(2026, 10, 1), dt.date(2027, 3, 1)),
    )
    found = outcomes(did)
    assert found[1] == {"from_not_after_to": "reject"}
    assert found[2]["not_in_future"] == "reject"


def test_overlaps_are_refused(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, messages: Messages, facts: Any
) -> None:
    did = submitted(
        "special_job",
        _row(facts.ZHANG, dt.date(2021, 1, 1), dt.date(2021, 12, 1)),
        _row(facts.ZHANG, dt.date(2021, 6, 1), dt.date(2022, 6, 1)),
    )
    assert outcomes(did) == {2: {"no_overlap_in_declaration": "reject"}}
    assert messages(did)[(2, "no_overlap_in_declaration")].endswith(
        "与本申报第 1 行的特殊工种时间重叠。"
    )
    review(registry, did)  # row 1 is recognised
    again = submitted("special_job", _row(facts.ZHANG, dt.date(2021, 12, 1), dt.date(2022, 3, 1)))
    assert outcomes(again) == {1: {"no_overlap_recognised": "reject"}}
    assert "2021-01至2021-12" in messages(again)[(1, "no_overlap_recognised")]


def test_insured_in_the_unit(
    submitted: Submit, outcomes: Outcomes, messages: Messages, facts: SimpleNamespace
) -> None:
    did = submitted(
        "special_job",
        _row(facts.ZHANG, dt.date(2019, 7, 1), dt.date(2020, 6, 1)),
        _row(facts.WANG, dt.date(2024, 1, 1), dt.date(2024, 12, 1), job_unit_id=None),
    )
    found = outcomes(did)
    assert found[1] == {"insured_in_unit": "reject"}
    assert "共 12 个月" in messages(did)[(1, "insured_in_unit")]
    assert "只有 6 个月" in messages(did)[(1, "insured_in_unit")]
    assert 2 not in found  # the unit found by its name


def test_a_unit_outside_the_workspace_warns(
    submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    did = submitted(
        "special_job",
        _row(
            facts.ZHANG,
            dt.date(2010, 1, 1),
            dt.date(2012, 1, 1),
            job_unit_id="9999",
            job_unit_name="济南钢铁厂",
        ),
    )
    assert outcomes(did) == {1: {"unit_outside_workspace": "warn"}}


def test_effect_end_to_end(registry: Workspace, facts: SimpleNamespace) -> None:
    case = {
        "身份证号码": facts.ZHANG,
        "起始年月": "2021-01",
        "终止年月": "2021-12",
        "特殊工种标识": "有害",
        "特殊工种名称": "电焊工",
        "单位名称": "济南测试科技有限公司",
    }
    did = declare(registry, case, facts.UNIT, kind="special_job")
    registry.submit(did)
    review(registry, did)
    assert result(registry, did)["review_result"].to_list() == ["审核成功"]
    stored = registry.sql(
        "SELECT person_id, from_month, to_month, special_job_type FROM special_job_periods"
    )
    assert stored.rows() == [(facts.ZHANG, dt.date(2021, 1, 1), dt.date(2021, 12, 1), "2")]
