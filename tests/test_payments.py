"""Tests of bills (单据) and payments: totals, states, immutability, transactions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from sbbatch import payments as p
from sbbatch.exceptions import InvalidTransitionError, UnusableInputError
from sbbatch.store import Workspace

UNIT = "0010118873"
BANK_UNIT = "0010300003"
NOV = dt.date(2026, 11, 1)


class Boom(RuntimeError):
    """The injected failure."""


def person(n: int) -> str:
    first17 = f"37010219900101{n:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def load(ws: Workspace, wages_yuan: list[str], *, unit: str = UNIT, m: dt.date = NOV) -> None:
    count = len(wages_yuan)
    insurances = ("1", "2", "3", "4", "10")
    ws.load(
        persons=pl.DataFrame(
            {
                "person_id": [person(n) for n in range(count)],
                "name": [f"职工{n}" for n in range(count)],
                "gender": ["1"] * count,
                "birth_date": [dt.date(1990, 1, 1)] * count,
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [unit] * count * len(insurances),
                "person_id": [person(n) for n in range(count) for _ in insurances],
                "insurance": list(insurances) * count,
                "person_category": ["11"] * count * len(insurances),
                "from_month": [dt.date(2026, 1, 1)] * count * len(insurances),
            }
        ),
        wage_bases=pl.DataFrame(
            {
                "unit_id": [unit] * count,
                "person_id": [person(n) for n in range(count)],
                "month": [m] * count,
                "wage_fen": [int(Decimal(w) * 100) for w in wages_yuan],
            }
        ),
    )


def fail_at(checkpoint: str) -> Callable[[str], None]:
    def fault(name: str) -> None:
        if name == checkpoint:
            raise Boom(name)

    return fault


@pytest.fixture
def billed(ws: Workspace) -> tuple[Workspace, str]:
    load(ws, ["3000", "8000", "30000"])
    return ws, p.create_bill(ws, UNIT, NOV)


def test_bill_total_is_the_sum_of_its_lines(billed: tuple[Workspace, str]) -> None:
    ws, bill_id = billed
    header = p.bill(ws, bill_id)
    lines = p.bill_lines(ws, bill_id)
    assert bill_id == "DJ2026112600001"
    assert header["status"] == "unpaid"
    assert header["fee_month"] == NOV
    assert header["insurances"] == "1,2,3,4,10"
    assert lines.height == 3 * 8
    assert header["total_fen"] == header["contribution_fen"] == int(lines["amount_fen"].sum())
    # every line keeps its base, rate and policy row
    assert lines["policy_id"].null_count() == 0
    assert set(lines.filter(pl.col("insurance") != "10")["limits_policy_id"]) == {
        "base_limits:2026-09"
    }
    summary = p.bill_summary(ws, bill_id)
    assert int(summary["amount_fen"].sum()) == header["total_fen"]
    assert summary.filter(pl.col("insurance") == "1").select(
        "payer", "base_fen", "rate"
    ).rows() == [
        ("unit", 457300 + 800000 + 2286300, "0.16"),
        ("person", 457300 + 800000 + 2286300, "0.08"),
    ]


def test_bill_over_chosen_insurances(ws: Workspace) -> None:
    load(ws, ["5000"])
    first = p.create_bill(ws, UNIT, NOV, insurances=["养老", "3"])
    assert p.bill(ws, first)["insurances"] == "1,3"
    second = p.create_bill(ws, UNIT, NOV)
    assert p.bill(ws, second)["insurances"] == "2,4,10"
    with pytest.raises(UnusableInputError, match="没有可生成单据的费款"):
        p.create_bill(ws, UNIT, NOV)


def test_bank_deduction_needs_no_bill(ws: Workspace) -> None:
    ws.load(
        units=pl.DataFrame(
            {
                "unit_id": [BANK_UNIT],
                "name": ["济南代扣有限公司"],
                "risk_class": [2],
                "payment_method": ["1"],
            }
        )
    )
    load(ws, ["5000"], unit=BANK_UNIT)
    with pytest.raises(UnusableInputError, match=r"银行代扣.*不需要生成单据"):
        p.create_bill(ws, BANK_UNIT, NOV)


def test_missing_bases_refuse_the_bill_unless_allowed(ws: Workspace) -> None:
    load(ws, ["5000"])
    ws.load(
        persons=pl.DataFrame(
            {
                "person_id": [person(9)],
                "name": ["无工资"],
                "gender": ["1"],
                "birth_date": [dt.date(1990, 1, 1)],
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [UNIT],
                "person_id": [person(9)],
                "insurance": ["1"],
                "person_category": ["11"],
                "from_month": [NOV],
            }
        ),
    )
    with pytest.raises(UnusableInputError, match="1 人已参保但没有审核通过的缴费工资"):
        p.create_bill(ws, UNIT, NOV)
    bill_id = p.create_bill(ws, UNIT, NOV, allow_missing=True)
    assert person(9) not in p.bill_lines(ws, bill_id)["person_id"].to_list()


def test_future_month_is_refused(ws: Workspace) -> None:
    load(ws, ["5000"], m=dt.date(2026, 12, 1))
    with pytest.raises(UnusableInputError, match="晚于本月"):
        p.create_bill(ws, UNIT, dt.date(2026, 12, 1))


def test_failure_then_retry_then_paid_once(billed: tuple[Workspace, str]) -> None:
    ws, bill_id = billed
    assert not p.pay(ws, bill_id, p.SimulatedGateway("failure")).success
    assert p.bill(ws, bill_id)["status"] == "failed"
    assert p.pay(ws, bill_id, p.SimulatedGateway("success")).success
    header = p.bill(ws, bill_id)
    assert header["status"] == "paid"
    assert header["paid_at"] == dt.datetime(2026, 11, 26)
    attempts = p.payments_of(ws, bill_id)
    assert attempts.select("attempt", "outcome", "amount_fen").rows() == [
        (1, "failure", header["total_fen"]),
        (2, "success", header["total_fen"]),
    ]
    with pytest.raises(InvalidTransitionError, match="已支付成功，不能重复支付"):
        p.pay(ws, bill_id)
    with pytest.raises(InvalidTransitionError, match="已支付成功，不能放弃"):
        p.abandon(ws, bill_id)
    with pytest.raises(InvalidTransitionError):
        p.record_payment(ws, bill_id, p.PaymentOutcome(True, "X"))
    events = ws.events(bill_id).select("action", "from_status", "to_status").rows()
    assert events == [
        ("bill_create", None, "unpaid"),
        ("pay", "unpaid", "failed"),
        ("repay", "failed", "paid"),
    ]
    # the paid lines cannot be billed again
    with pytest.raises(UnusableInputError, match="没有可生成单据的费款"):
        p.create_bill(ws, UNIT, NOV)


def test_abandon_frees_the_lines_for_a_new_bill(billed: tuple[Workspace, str]) -> None:
    ws, bill_id = billed
    p.pay(ws, bill_id, p.SimulatedGateway("failure"))
    p.abandon(ws, bill_id)
    assert p.bill(ws, bill_id)["status"] == "abandoned"
    with pytest.raises(InvalidTransitionError, match="已放弃支付"):
        p.pay(ws, bill_id)
    new = p.create_bill(ws, UNIT, NOV)
    assert new == "DJ2026112600002"
    assert p.bill(ws, new)["total_fen"] == p.bill(ws, bill_id)["total_fen"]


def test_random_gateway_is_seeded() -> None:
    request = p.PaymentRequest("DJ1", UNIT, 100, 1, dt.date(2026, 11, 26))
    outcomes = [p.SimulatedGateway("random", seed=s).charge(request).success for s in range(40)]
    again = [p.SimulatedGateway("random", seed=s).charge(request).success for s in range(40)]
    assert outcomes == again
    assert 0 < sum(outcomes) < 40
    with pytest.raises(UnusableInputError):
        p.SimulatedGateway("maybe")  # type: ignore[arg-type]


def test_a_failed_bill_creation_leaves_nothing(ws: Workspace) -> None:
    load(ws, ["5000"])
    ws._fault = fail_at("bill:lines")
    with pytest.raises(Boom):
        p.create_bill(ws, UNIT, NOV)
    ws._fault = None
    assert ws.sql("SELECT count(*) AS n FROM bills")["n"][0] == 0
    assert ws.sql("SELECT count(*) AS n FROM bill_lines")["n"][0] == 0
    assert p.create_bill(ws, UNIT, NOV) == "DJ2026112600001"  # the counter was rolled back too


def test_a_failed_payment_record_leaves_the_bill_unpaid(billed: tuple[Workspace, str]) -> None:
    ws, bill_id = billed
    ws._fault = fail_at("payment:attempt")
    with pytest.raises(Boom):
        p.pay(ws, bill_id)
    ws._fault = None
    assert p.bill(ws, bill_id)["status"] == "unpaid"
    assert p.payments_of(ws, bill_id).height == 0
    assert ws.events(bill_id)["action"].to_list() == ["bill_create"]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(wages=st.lists(st.integers(min_value=1, max_value=8_000_000), min_size=1, max_size=12))
def test_property_bill_total_equals_sum_of_lines(wages: list[int]) -> None:
    ws = Workspace(today=dt.date(2026, 11, 26))
    ws.load(
        units=pl.DataFrame(
            {"unit_id": [UNIT], "name": ["测试"], "risk_class": [3], "payment_method": ["2"]}
        )
    )
    load(ws, [f"{w // 100}.{w % 100:02d}" for w in wages])
    bill_id = p.create_bill(ws, UNIT, NOV)
    lines = p.bill_lines(ws, bill_id)
    header = p.bill(ws, bill_id)
    assert header["total_fen"] == int(lines["amount_fen"].sum()) + int(lines["late_fee_fen"].sum())
    assert (lines["amount_fen"] >= 0).all()
    assert int(p.bill_summary(ws, bill_id)["amount_fen"].sum()) == header["total_fen"]
    ws.close()
