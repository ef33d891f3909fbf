"""Reject rules of 申领信息维护 and 撤销社保卡申领 by id: each a failing case and its passing twin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from sbbatch.declarations.card_application import change_card_states
from sbbatch.review import review
from sbbatch.store import Workspace

Outcomes = Callable[[str], dict[int, dict[str, str]]]

BANK = {
    "part": "制卡银行信息",
    "bank": "中国银行",
    "branch_code": "10712",
    "branch_name": "中国银行股份有限公司济南分行",
    "address": "济南市历下区泺源大街22号",
    "phone": "0531-86995566",
    "contact": "李慧",
}


def _collector(person_id: str, name: str) -> dict[str, Any]:
    return {"part": "领卡人信息", "person_id": person_id, "name": name, "phone": "13105311234"}


def _card(ws: Workspace, unit: str, person_id: str, state: str) -> None:
    with ws.transaction():
        change_card_states(ws, unit, pl.DataFrame({"person_id": [person_id]}), state, None)


# ------------------------------------------------------------------ 申领信息维护


def test_a_confirmed_bank_cannot_change(
    registry: Workspace, submitted: Callable[..., str], outcomes: Outcomes, facts: Any
) -> None:
    first = submitted("card_issuing_info", BANK, _collector(facts.ZHANG, "张三"))
    assert outcomes(first) == {}
    review(registry, first)
    same = submitted("card_issuing_info", BANK, _collector(facts.ZHANG, "张三"))
    assert outcomes(same) == {}
    changed = submitted("card_issuing_info", {**BANK, "bank": "中国工商银行"})
    assert outcomes(changed) == {1: {"bank_confirmed": "reject"}}


def test_a_collector_is_a_known_person_of_the_unit_under_the_registered_name(
    submitted: Callable[..., str], outcomes: Outcomes, facts: Any
) -> None:
    stranger = facts.make_id("370102", "19910303", "135")
    unknown = submitted("card_issuing_info", BANK, _collector(stranger, "张三"))
    assert outcomes(unknown)[2].keys() >= {"collector_unknown"}
    elsewhere = submitted("card_issuing_info", BANK, _collector(facts.LI, "李四"))
    assert outcomes(elsewhere) == {2: {"collector_not_in_unit": "reject"}}
    misnamed = submitted("card_issuing_info", BANK, _collector(facts.ZHANG, "李四"))
    assert outcomes(misnamed) == {2: {"collector_name_mismatch": "reject"}}
    right = submitted("card_issuing_info", BANK, _collector(facts.ZHANG, "张三"))
    assert outcomes(right) == {}


def test_collectors_alone_need_a_confirmed_bank(
    registry: Workspace, submitted: Callable[..., str], outcomes: Outcomes, facts: Any
) -> None:
    alone = submitted("card_issuing_info", _collector(facts.ZHANG, "张三"))
    assert outcomes(alone) == {1: {"bank_missing": "reject"}}
    review(registry, submitted("card_issuing_info", BANK))
    after = submitted("card_issuing_info", _collector(facts.ZHANG, "张三"))
    assert outcomes(after) == {}


# ------------------------------------------------------------------ 撤销社保卡申领


def test_revocation_needs_an_application_in_progress_of_this_unit(
    registry: Workspace, submitted: Callable[..., str], outcomes: Outcomes, facts: Any
) -> None:
    row = {"person_id": facts.ZHANG, "name": "张三"}
    assert outcomes(submitted("card_revocation", row)) == {1: {"no_application": "reject"}}
    _card(registry, facts.OTHER_UNIT, facts.ZHANG, "applying")
    assert outcomes(submitted("card_revocation", row)) == {1: {"other_unit": "reject"}}
    _card(registry, facts.UNIT, facts.ZHANG, "applying")
    assert outcomes(submitted("card_revocation", row)) == {}
    _card(registry, facts.UNIT, facts.ZHANG, "revoked")
    assert outcomes(submitted("card_revocation", row)) == {1: {"already_revoked": "reject"}}
