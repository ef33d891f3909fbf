"""Money queries: 单位缴费情况, 人员缴费情况, 缴费单据, 单位缴费比例."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from stdnum.cn import ric

from sbbatch import payments
from sbbatch.queries import money as q
from sbbatch.review import declare, review
from sbbatch.store import Workspace

UNIT = "0010118873"
OTHER = "0010555555"
OCT, NOV = dt.date(2026, 10, 1), dt.date(2026, 11, 1)


def person(n: int) -> str:
    first17 = f"37011219920202{n:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


MOVER, STAYER = person(1), person(2)


@pytest.fixture
def q_ws(ws: Workspace) -> Workspace:
    """MOVER: OTHER unit until 2026-09, then UNIT; STAYER: UNIT all along. Pension only, 5000 yuan."""
    ws.load(
        units=pl.DataFrame(
            {"unit_id": [OTHER], "name": ["旧单位"], "risk_class": [1], "payment_method": ["2"]}
        ),
        persons=pl.DataFrame(
            {
                "person_id": [MOVER, STAYER],
                "name": ["调动", "留任"],
                "gender": ["1", "2"],
                "birth_date": [dt.date(1992, 2, 2)] * 2,
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [OTHER, UNIT, UNIT],
                "person_id": [MOVER, MOVER, STAYER],
                "insurance": ["1", "1", "1"],
                "person_category": ["11"] * 3,
                "from_month": [dt.date(2026, 8, 1), dt.date(2026, 10, 1), dt.date(2026, 9, 1)],
                "until_month": [dt.date(2026, 10, 1), None, None],
            }
        ),
        wage_bases=pl.DataFrame(
            {
                "unit_id": [OTHER, OTHER, UNIT, UNIT, UNIT, UNIT],
                "person_id": [MOVER, MOVER, MOVER, MOVER, STAYER, STAYER],
                "month": [dt.date(2026, 8, 1), dt.date(2026, 9, 1), OCT, NOV, OCT, NOV],
                "wage_fen": [500000] * 6,
            }
        ),
    )
    return ws


def test_unit_payments_due_billed_paid_outstanding(q_ws: Workspace) -> None:
    ws = q_ws
    bill_id = payments.create_bill(ws, UNIT, NOV)
    payments.pay(ws, bill_id)
    payments.create_bill(ws, UNIT, OCT)  # billed, not paid
    status = q.unit_payments(ws, UNIT)
    # 5000 × (16 % + 8 %) = 1200 yuan a person and month; STAYER has no base in 2026-09
    assert status.select(
        "month",
        "persons",
        "due_fen",
        "billed_fen",
        "paid_fen",
        "outstanding_fen",
        "missing_persons",
    ).rows() == [
        (dt.date(2026, 9, 1), 0, 0, 0, 0, 0, 1),
        (OCT, 2, 240000, 240000, 0, 240000, 0),
        (NOV, 2, 240000, 240000, 240000, 0, 0),
    ]
    assert set(status.columns) <= set(q.ZH_HEADERS)


def test_unit_payments_counts_back_payments_once(q_ws: Workspace) -> None:
    ws = q_ws
    case = {"社会保障号码": STAYER, "补缴年月": "2026-10", "缴费基数": "6000"}
    declaration_id = declare(ws, case, UNIT, kind="backpay")
    ws.submit(declaration_id)
    assert review(ws, declaration_id)["review_result"].to_list() == ["审核成功"]
    october = q.unit_payments(ws, UNIT, months=OCT).row(0, named=True)
    # MOVER 1200 regular + STAYER's back-payment 6000 × 24 % = 1440 instead of his regular 1200
    assert (october["due_fen"], october["backpay_fen"]) == (120000 + 144000, 144000)


def test_person_payments_across_units(q_ws: Workspace) -> None:
    ws = q_ws
    bill_id = payments.create_bill(ws, UNIT, OCT)
    payments.pay(ws, bill_id)
    history = q.person_payments(ws, MOVER)
    assert history.select(
        "unit_id", "month", "unit_fen", "person_fen", "payment_status"
    ).rows() == [
        (OTHER, dt.date(2026, 8, 1), 80000, 40000, "未缴费"),
        (OTHER, dt.date(2026, 9, 1), 80000, 40000, "未缴费"),
        (UNIT, OCT, 80000, 40000, "已缴费"),
        (UNIT, NOV, 80000, 40000, "未缴费"),
    ]
    lines = q.person_payment_lines(ws, MOVER)
    assert lines.filter(pl.col("month") == OCT)["bill_id"].to_list() == [bill_id, bill_id]
    assert set(lines["unit_name"]) == {"旧单位", "济南测试科技有限公司"}
    assert set(lines.columns) <= set(q.ZH_HEADERS)
    with pytest.raises(Exception, match="没有该社会保障号码"):
        q.person_payments(ws, person(99))


def test_bills_query(q_ws: Workspace) -> None:
    ws = q_ws
    first = payments.create_bill(ws, UNIT, OCT)
    payments.pay(ws, first, payments.SimulatedGateway("failure"))
    second = payments.create_bill(ws, OTHER, dt.date(2026, 9, 1))
    found = q.bills(ws)
    assert found["bill_id"].to_list() == [second, first]
    row = found.filter(pl.col("bill_id") == first).row(0, named=True)
    assert (row["status_label"], row["attempts"], row["last_outcome"], row["kind_label"]) == (
        "支付失败",
        1,
        "支付失败",
        "工资申报缴费",
    )
    assert q.bills(ws, unit_id=OTHER, status="unpaid")["bill_id"].to_list() == [second]
    assert set(found.columns) <= set(q.ZH_HEADERS)


def test_unit_rates_query(q_ws: Workspace) -> None:
    rates = q.unit_rates(q_ws, UNIT, NOV)
    pension = rates.filter(pl.col("insurance") == "1")
    assert pension.select("payer_label", "rate", "rate_percent", "policy_id").rows() == [
        ("单位", "0.16", "16", "rates:pension:unit:2019-05"),
        ("个人", "0.08", "8", "rates:pension:person:2018-01"),
    ]
    fixed = rates.filter(pl.col("insurance") == "10").row(0, named=True)
    assert (fixed["rate_percent"], fixed["fixed_fen"]) == (None, 1000)
    assert set(rates.columns) <= set(q.ZH_HEADERS)
