"""Review of 工资申报 and its revocation (撤销工资申报)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import polars as pl
import pytest
from stdnum.cn import ric

from sbbatch import payments
from sbbatch.contributions import contributions
from sbbatch.declarations import get, wage_base
from sbbatch.exceptions import UnusableInputError
from sbbatch.review import declare, review, review_failures
from sbbatch.store import Workspace
from sbbatch.wages import draft_from_last, revoke_wage_declaration

UNIT = "0010118873"
OTHER = "0010999999"
NOV = dt.date(2026, 11, 1)


class Boom(RuntimeError):
    """The injected failure."""


def person(n: int) -> str:
    first17 = f"37010319850505{n:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


A, B, C, OUT = person(1), person(2), person(3), person(4)


@pytest.fixture
def wages_ws(ws: Workspace) -> Workspace:
    """Three persons insured in the unit since 2026-01 (A with history wages), one elsewhere."""
    ws.execute("UPDATE units SET county_code = '370102' WHERE unit_id = ?", [UNIT])
    ws.load(
        units=pl.DataFrame(
            {"unit_id": [OTHER], "name": ["其他单位"], "risk_class": [1], "payment_method": ["2"]}
        ),
        persons=pl.DataFrame(
            {
                "person_id": [A, B, C, OUT],
                "name": ["甲", "乙", "丙", "丁"],
                "gender": ["1", "2", "1", "2"],
                "birth_date": [dt.date(1985, 5, 5)] * 4,
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [UNIT, UNIT, UNIT, OTHER],
                "person_id": [A, B, C, OUT],
                "insurance": ["1", "1", "1", "1"],
                "person_category": ["11"] * 4,
                "from_month": [dt.date(2026, 1, 1)] * 4,
            }
        ),
        wage_bases=pl.DataFrame(
            {
                "unit_id": [UNIT, UNIT],
                "person_id": [A, A],
                "month": [dt.date(2026, 10, 1), NOV],
                "wage_fen": [500000, 500000],
            }
        ),
    )
    return ws


def _declare(ws: Workspace, rows: dict[str, list[str]]) -> str:
    frame = pl.DataFrame(
        {"社会保障号码": rows["id"], "姓名": rows["name"], "缴费工资": rows["wage"]}
    )
    declaration_id = declare(ws, frame, UNIT, kind="wage_base", business_month=NOV)
    ws.submit(declaration_id)
    return declaration_id


def _opinions(result: pl.DataFrame) -> list[tuple[str, str]]:
    return result.select("review_result", "review_opinion").rows()


def test_review_approves_clamps_and_warns(wages_ws: Workspace) -> None:
    ws = wages_ws
    declaration_id = _declare(
        ws, {"id": [A, B, C], "name": ["甲", "乙", "丙"], "wage": ["2000", "30000", "8000"]}
    )
    assert wage_base.totals(ws, declaration_id) == {
        "persons": 3,
        "wage_fen": 4000000,
        "base_fen": 457300 + 2286300 + 800000,
    }
    result = review(ws, declaration_id)
    opinions = _opinions(result)
    assert opinions[0][0] == "审核成功"
    assert "低于 2026-11 最低工资标准 2400.00 元" in opinions[0][1]
    assert "按下限核定为 4573.00 元" in opinions[0][1]
    assert opinions[1] == (
        "审核成功",
        "提示：缴费工资 30000.00 元高于缴费基数上限 22863.00 元，按上限核定为 22863.00 元。",
    )
    assert opinions[2] == ("审核成功", "")
    bases = wage_base.approved_bases(ws, declaration_id)
    assert bases.select("person_id", "base_fen", "base_rule").rows() == [
        (A, 457300, "floor"),
        (B, 2286300, "ceiling"),
        (C, 800000, None),
    ]
    stored = ws.sql(
        "SELECT person_id, wage_fen FROM wage_bases WHERE declaration_id = ? ORDER BY person_id",
        [declaration_id],
    )
    assert stored.rows() == [(A, 200000), (B, 3000000), (C, 800000)]
    assert (
        "写入缴费工资 3 人"
        in ws.events(declaration_id).filter(pl.col("action") == "effect")["note"][0]
    )
    # the declared wage supersedes A's history in the contributions
    detail = contributions(ws, months=NOV, person_id=A).detail
    assert detail.filter(pl.col("payer") == "unit")["base_fen"].to_list() == [457300]


def test_not_insured_and_second_declaration_are_rejected(wages_ws: Workspace) -> None:
    ws = wages_ws
    first = _declare(ws, {"id": [A], "name": ["甲"], "wage": ["6000"]})
    review(ws, first)
    ws.mark_read(first)
    second = _declare(ws, {"id": [A, OUT], "name": ["甲", "丁"], "wage": ["6500", "6000"]})
    failures = review_failures(ws, second)
    assert failures.filter(pl.col("row") == 1)["rule"].to_list() == ["already_declared"]
    assert f"申报编号 {first}" in failures.filter(pl.col("row") == 1)["message"][0]
    assert failures.filter(pl.col("row") == 2)["rule"].to_list() == ["insured_in_unit"]
    result = review(ws, second)
    assert result["review_result"].to_list() == ["不通过", "不通过"]


def test_name_mismatch_warns(wages_ws: Workspace) -> None:
    declaration_id = _declare(wages_ws, {"id": [C], "name": ["丙丙"], "wage": ["8000"]})
    assert _opinions(review(wages_ws, declaration_id)) == [
        ("审核成功", "提示：姓名「丙丙」与登记的姓名「丙」不一致，请核对。")
    ]


def test_wage_not_above_zero_is_rejected_by_the_check(wages_ws: Workspace) -> None:
    with pytest.raises(UnusableInputError, match="未通过检查"):
        declare(
            wages_ws,
            {"社会保障号码": C, "缴费工资": "0"},
            UNIT,
            kind="wage_base",
            business_month=NOV,
        )
    rule = next(r for r in get("wage_base").review.rules if r.id == "wage_positive")  # type: ignore[union-attr]
    assert pl.DataFrame({"wage_fen": [0, 1]}).select(rule.expr).to_series().to_list() == [
        False,
        True,
    ]


def test_paid_and_billed_months_are_rejected(wages_ws: Workspace) -> None:
    ws = wages_ws
    bill_id = payments.create_bill(ws, UNIT, NOV, allow_missing=True)
    declaration_id = _declare(ws, {"id": [A], "name": ["甲"], "wage": ["6000"]})
    assert review_failures(ws, declaration_id)["rule"].to_list() == ["month_billed"]
    payments.pay(ws, bill_id)
    messages = review_failures(ws, declaration_id)
    assert messages["rule"].to_list() == ["month_paid"]
    assert bill_id in messages["message"][0]


def test_draft_from_last_with_changes(wages_ws: Workspace) -> None:
    ws = wages_ws
    with pytest.raises(UnusableInputError, match="2 人从未申报过工资"):
        draft_from_last(ws, UNIT, NOV)
    with pytest.raises(UnusableInputError, match="不在本单位参保"):
        draft_from_last(ws, UNIT, NOV, {OUT: "5000"})
    draft = draft_from_last(ws, UNIT, NOV, {B: "6000.50", C: 7000})
    rows = ws.declaration_rows(draft)
    assert rows.select("person_id", "wage_fen", "month").rows() == [
        (A, 500000, NOV),
        (B, 600050, NOV),
        (C, 700000, NOV),
    ]
    assert ws.declaration(draft)["status"] == "draft"


def test_revocation_restores_the_earlier_base(wages_ws: Workspace) -> None:
    ws = wages_ws
    declaration_id = _declare(ws, {"id": [A, C], "name": ["甲", "丙"], "wage": ["9000", "8000"]})
    review(ws, declaration_id)
    ws.mark_read(declaration_id)
    revocation, result = revoke_wage_declaration(ws, declaration_id, "工资填错")
    assert _opinions(result) == [("审核成功", "撤销成功")]
    assert ws.declaration(declaration_id)["status"] == "revoked"
    assert ws.declaration(revocation)["status"] == "read"
    revoked = ws.sql(
        "SELECT DISTINCT revoked_by FROM wage_bases WHERE declaration_id = ?", [declaration_id]
    )
    assert revoked["revoked_by"].to_list() == [revocation]
    detail = contributions(ws, months=NOV, insurances=["1"]).detail
    assert detail.filter(pl.col("payer") == "unit")["base_fen"].to_list() == [
        500000
    ]  # A's history again; C has none
    assert contributions(ws, months=NOV, unit_id=UNIT).missing["person_id"].to_list() == [B, C]
    events = ws.events(declaration_id).select("action", "to_status", "note").rows()
    assert events[-1] == ("revoke", "revoked", f"由撤销工资申报 {revocation} 撤销：工资填错")
    # a second revocation is refused with the reason
    _, again = revoke_wage_declaration(ws, declaration_id)
    assert again["review_result"].to_list() == ["不通过"]
    assert "已撤销" in again["review_opinion"][0]
    # now a new declaration for the month is accepted
    new = _declare(ws, {"id": [A], "name": ["甲"], "wage": ["9100"]})
    assert review(ws, new)["review_result"].to_list() == ["审核成功"]


def test_paid_month_cannot_be_revoked(wages_ws: Workspace) -> None:
    ws = wages_ws
    declaration_id = _declare(
        ws, {"id": [A, B, C], "name": ["甲", "乙", "丙"], "wage": ["9000", "8000", "7000"]}
    )
    review(ws, declaration_id)
    ws.mark_read(declaration_id)
    bill_id = payments.create_bill(ws, UNIT, NOV)
    _, billed = revoke_wage_declaration(ws, declaration_id)
    assert (
        "已生成缴费单据" in billed["review_opinion"][0]
        and "放弃支付" in billed["review_opinion"][0]
    )
    payments.pay(ws, bill_id)
    _, paid = revoke_wage_declaration(ws, declaration_id)
    assert paid["review_result"].to_list() == ["不通过"]
    assert paid["review_opinion"][0] == (
        f"工资申报「{declaration_id}」所属的 2026-11 已缴费（单据号 {bill_id}），不能撤销。"
        "提示：已缴费月份如需调整，请办理社会保险费补缴申报。"
    )
    assert ws.declaration(declaration_id)["status"] == "read"


def test_revocation_checks_the_target(wages_ws: Workspace) -> None:
    ws = wages_ws
    unread = _declare(ws, {"id": [C], "name": ["丙"], "wage": ["7000"]})
    review(ws, unread)
    revocation = declare(
        ws,
        pl.DataFrame({"申报编号": [unread, "GZ000", "  "]}),
        UNIT,
        kind="wage_revocation",
        accepted_only=True,
    )
    ws.submit(revocation)
    rules = review_failures(ws, revocation).select("row", "rule").sort("row").rows()
    assert rules == [(1, "target_read"), (2, "target_exists")]


def test_revocation_effects_are_one_transaction(wages_ws: Workspace) -> None:
    ws = wages_ws
    declaration_id = _declare(ws, {"id": [C], "name": ["丙"], "wage": ["7000"]})
    review(ws, declaration_id)
    ws.mark_read(declaration_id)
    revocation = declare(ws, {"target_id": declaration_id}, UNIT, kind="wage_revocation")
    ws.submit(revocation)

    def fault(name: str) -> None:
        if name == "review:effects":
            raise Boom(name)

    ws._fault = fault
    with pytest.raises(Boom):
        review(ws, revocation)
    ws._fault = None
    assert ws.declaration(declaration_id)["status"] == "read"
    assert ws.declaration(revocation)["status"] == "submitted"
    assert ws.sql("SELECT count(*) AS n FROM wage_bases WHERE revoked_by IS NOT NULL")["n"][0] == 0


def test_prefill_is_the_last_declared_wage(wages_ws: Workspace) -> None:
    prefill: Callable[..., pl.DataFrame] = get("wage_base").prefill  # type: ignore[assignment]
    rows = prefill(wages_ws, UNIT, NOV)
    assert rows.select("person_id", "wage_fen").rows() == [(A, 500000), (B, None), (C, None)]
