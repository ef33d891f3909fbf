"""Tests of 单位审定人信息维护 (manual §5.1): the phone rule, one row, the effect."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import polars as pl

from sbbatch.batch import check_frame
from sbbatch.declarations import get
from sbbatch.declarations._retirement import approver_of
from sbbatch.review import declare, result, review
from sbbatch.store import Workspace

Submit = Callable[..., str]
Outcomes = Callable[[str], dict[int, dict[str, str]]]


def test_the_business_is_registered() -> None:
    declaration = get("单位审定人信息维护")
    assert [(c.header, c.required) for c in declaration.columns] == [
        ("审定人姓名", True),
        ("联系电话", True),
    ]


def test_phone_may_be_mobile_or_landline() -> None:
    frame = pl.DataFrame(
        {
            "审定人姓名": ["王芳", "王芳", "王芳"],
            "联系电话": ["13105311234", "0531-86995566", "222"],
        }
    )
    batch = check_frame(frame, "approver_info")
    assert batch.failures.filter(pl.col("rule") == "phone_invalid")["row"].to_list() == [3]


def test_one_approver_per_declaration(submitted: Submit, outcomes: Outcomes) -> None:
    did = submitted(
        "approver_info",
        {"approver_name": "王芳", "phone": "13105311234"},
        {"approver_name": "李明", "phone": "13105311235"},
    )
    assert outcomes(did) == {2: {"one_approver": "reject"}}


def test_effect_replaces_the_current_approver(
    registry: Workspace, submitted: Submit, facts: SimpleNamespace
) -> None:
    first = submitted("approver_info", {"approver_name": "王芳", "phone": "13105311234"})
    review(registry, first)
    assert approver_of(registry, facts.UNIT) == {"name": "王芳", "phone": "13105311234"}
    second = submitted("approver_info", {"approver_name": "李明", "phone": "0531-86995566"})
    table = review(registry, second)
    assert table.select("review_result", "review_opinion").row(0) == ("审核成功", "保存成功")
    assert approver_of(registry, facts.UNIT) == {"name": "李明", "phone": "0531-86995566"}
    assert approver_of(registry, facts.OTHER_UNIT) is None
    assert registry.events(second)["note"].to_list()[-1] == "单位审定人已更新为 李明"


def test_end_to_end(registry: Workspace, facts: SimpleNamespace) -> None:
    did = declare(
        registry,
        {"审定人姓名": "王芳", "联系电话": "13105311234"},
        facts.UNIT,
        kind="approver_info",
    )
    registry.submit(did)
    review(registry, did)
    assert result(registry, did)["review_result"].to_list() == ["审核成功"]
