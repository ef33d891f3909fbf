"""社会保险费补缴申报: review, amounts at each month's rates, late fees, the back-payment bill."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from stdnum.cn import ric

from sbbatch import payments
from sbbatch.batch import check
from sbbatch.declarations import backpay
from sbbatch.exceptions import InvalidTransitionError
from sbbatch.review import declare, review, review_failures
from sbbatch.store import Workspace

UNIT = "0010118873"
OTHER = "0010777777"


def person(n: int) -> str:
    first17 = f"37010419880808{n:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


LATE, ELSEWHERE, NOBODY = person(1), person(2), person(3)


def month(text: str) -> dt.date:
    year, mon = text.split("-")
    return dt.date(int(year), int(mon), 1)


@pytest.fixture
def bp_ws(ws: Workspace) -> Workspace:
    """LATE joined the unit in 2026-09 (five insurances); ELSEWHERE was in another unit until 2026-06."""
    insurances = ["1", "2", "3", "4", "10"]
    ws.load(
        units=pl.DataFrame(
            {"unit_id": [OTHER], "name": ["其他单位"], "risk_class": [1], "payment_method": ["2"]}
        ),
        persons=pl.DataFrame(
            {
                "person_id": [LATE, ELSEWHERE, NOBODY],
                "name": ["晚入职", "曾在别处", "无记录"],
                "gender": ["1", "1", "1"],
                "birth_date": [dt.date(1988, 8, 8)] * 3,
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [UNIT] * 5 + [UNIT] * 5 + [OTHER],
                "person_id": [LATE] * 5 + [ELSEWHERE] * 5 + [ELSEWHERE],
                "insurance": insurances * 2 + ["1"],
                "person_category": ["11"] * 11,
                "from_month": [month("2026-09")] * 10 + [month("2025-01")],
                "until_month": [None] * 10 + [month("2026-07")],
            },
            schema_overrides={"until_month": pl.Date},
        ),
        wage_bases=pl.DataFrame(
            {
                "unit_id": [UNIT] * 3,
                "person_id": [LATE] * 3,
                "month": [month("2026-09"), month("2026-10"), month("2026-11")],
                "wage_fen": [600000] * 3,
            }
        ),
    )
    return ws


def _submit(ws: Workspace, **fields: str) -> str:
    case = {"社会保障号码": LATE, **fields}
    declaration_id = declare(ws, case, UNIT, kind="backpay")
    ws.submit(declaration_id)
    return declaration_id


def test_six_month_back_payment_with_late_fee_by_hand(bp_ws: Workspace) -> None:
    ws = bp_ws
    declaration_id = _submit(
        ws, 补缴年月="2026-03", 补缴终止年月="2026-08", 缴费基数="5000", 补缴原因="稽核补缴"
    )
    preview = backpay.row_totals(ws, declaration_id)
    result = review(ws, declaration_id)
    assert result.select("review_result", "review_opinion").rows() == [("审核成功", "")]
    items = ws.sql("SELECT * FROM backpay_items WHERE declaration_id = ?", [declaration_id])
    # 6 months × (养老 单位/个人, 失业 单位/个人, 医疗 单位/个人): no 工伤, no 大额医疗 (backpay.csv)
    assert items.height == 36
    assert sorted(items["insurance"].unique()) == ["1", "2", "3"]
    assert set(items["base_fen"]) == {500000}
    assert set(items["limits_policy_id"]) == {"base_limits:2026-01"}
    # per month: 800 + 400 (养老) + 35 + 15 (失业) + 400 + 100 (医疗) = 1750.00 yuan
    assert int(items["amount_fen"].sum()) == 6 * 175000
    totals = backpay.row_totals(ws, declaration_id)
    assert totals.select("months", "amount_fen", "late_fee_fen", "total_fen").rows() == [
        (6, 1050000, 78138, 1128138)  # 滞纳金 781.38: see test_contributions (by hand)
    ]
    assert preview.select("amount_fen", "late_fee_fen").rows() == [(1050000, 78138)]
    # 补缴缴费: the bill, with the late fee counted to today
    bill_id = payments.create_backpay_bill(ws, UNIT)
    header = payments.bill(ws, bill_id)
    assert (
        header["kind"],
        header["contribution_fen"],
        header["late_fee_fen"],
        header["total_fen"],
    ) == (
        "backpay",
        1050000,
        78138,
        1128138,
    )
    assert header["late_fee_until"] == dt.date(2026, 11, 26)
    lines = payments.bill_lines(ws, bill_id)
    assert set(lines["backpay_id"]) == {declaration_id}
    assert int(lines["amount_fen"].sum() + lines["late_fee_fen"].sum()) == header["total_fen"]
    with pytest.raises(Exception, match="没有待缴费的补缴"):
        payments.create_backpay_bill(ws, UNIT)
    # paying on another day is refused: the late fee has changed
    ws.set_today(dt.date(2026, 11, 27))
    with pytest.raises(InvalidTransitionError, match="滞纳金计算至 2026-11-26"):
        payments.pay(ws, bill_id)
    payments.abandon(ws, bill_id)
    again = payments.create_backpay_bill(ws, UNIT)
    # one more day each: 197.76 + 171.50 + 144.38 + 118.12 + 91.00 + 63.88 (by hand, per line half up)
    assert payments.bill(ws, again)["late_fee_fen"] == 78664
    assert payments.pay(ws, again).success


def test_months_outside_the_periods_need_the_audit_exception(bp_ws: Workspace) -> None:
    expected = [
        "2026-07、2026-08 不在本单位的参保期间内，不能补缴。按 sbbatch 的假设：参保期间以外的"
        "月份只能按经办机构的稽核结论补缴，补缴原因须填写“稽核补缴”。"
    ]
    declaration_id = _submit(bp_ws, 补缴年月="2026-07", 补缴终止年月="2026-08", 缴费基数="5000")
    failures = review_failures(bp_ws, declaration_id)
    assert failures["message"].to_list() == expected
    # any other reason is not the exception (issue 12: 入职时未及时增员 used to pass)
    declaration_id = _submit(
        bp_ws,
        补缴年月="2026-07",
        补缴终止年月="2026-08",
        缴费基数="5000",
        补缴原因="入职时未及时增员",
    )
    failures = review_failures(bp_ws, declaration_id)
    assert failures.select("rule", "level").rows() == [("covered_or_reason", "reject")]
    assert review(bp_ws, declaration_id)["review_result"].to_list() == ["不通过"]
    # the twin: the audit exception passes
    declaration_id = _submit(
        bp_ws, 补缴年月="2026-07", 补缴终止年月="2026-08", 缴费基数="5000", 补缴原因="稽核补缴"
    )
    assert review(bp_ws, declaration_id)["review_result"].to_list() == ["审核成功"]


def test_months_inside_the_period_use_the_approved_base(bp_ws: Workspace) -> None:
    declaration_id = _submit(bp_ws, 补缴年月="2026-09", 补缴终止年月="2026-10")
    assert review(bp_ws, declaration_id)["review_result"].to_list() == ["审核成功"]
    items = bp_ws.sql("SELECT DISTINCT base_fen, wage_fen FROM backpay_items")
    assert items.rows() == [(600000, 600000)]
    # the regular bill of 2026-10 leaves out what the back-payment covers
    with pytest.raises(Exception, match=r"没有可生成单据的费款|已参保但没有"):
        payments.create_bill(bp_ws, UNIT, month("2026-10"), insurances=["1", "2", "3"])
    bill_id = payments.create_bill(bp_ws, UNIT, month("2026-10"), allow_missing=True)
    assert sorted(payments.bill_lines(bp_ws, bill_id)["insurance"].unique()) == ["10", "4"]


def test_rejections_name_the_months(bp_ws: Workspace) -> None:
    ws = bp_ws
    bill_id = payments.create_bill(ws, UNIT, month("2026-10"), allow_missing=True)
    payments.pay(ws, bill_id)
    declaration_id = _submit(ws, 补缴年月="2026-05", 补缴终止年月="2026-11", 补缴原因="补录")
    rules = dict(review_failures(ws, declaration_id).select("rule", "message").rows())
    assert rules["months_in_past"].startswith("补缴年月须早于本月（2026-11），2026-11 不能补缴。")
    assert rules["not_paid"] == f"2026-10 已缴费（单据号 {bill_id}），不能重复补缴。"
    assert rules["has_base"].startswith("2026-05、2026-06、2026-07、2026-08 没有已核定的缴费工资。")
    other = declare(
        ws,
        {
            "社会保障号码": ELSEWHERE,
            "补缴年月": "2026-05",
            "补缴终止年月": "2026-07",
            "缴费基数": "5000",
            "补缴原因": "稽核补缴",
        },
        UNIT,
        kind="backpay",
    )
    ws.submit(other)
    rules = dict(review_failures(ws, other).select("rule", "message").rows())
    assert rules == {
        "not_insured_elsewhere": f"2026-05、2026-06 该人员在其他单位（{OTHER}）参保，不能在本单位补缴。"
    }
    nobody = declare(
        ws,
        {"社会保障号码": NOBODY, "补缴年月": "2026-05", "缴费基数": "5000"},
        UNIT,
        kind="backpay",
    )
    ws.submit(nobody)
    assert review_failures(ws, nobody)["rule"].to_list() == ["person_in_unit"]


def test_policy_coverage_and_pending_back_payments(bp_ws: Workspace) -> None:
    ws = bp_ws
    old = _submit(
        ws, 补缴年月="2017-11", 补缴终止年月="2018-01", 缴费基数="5000", 补缴原因="稽核补缴"
    )
    rules = review_failures(ws, old)
    assert "2017-11、2017-12、2018-01 没有适用的缴费基数上下限或费率参数" in " ".join(
        rules["message"]
    )
    first = _submit(ws, 补缴年月="2026-08", 缴费基数="5000", 补缴原因="稽核补缴")
    review(ws, first)
    second = _submit(
        ws, 补缴年月="2026-07", 补缴终止年月="2026-08", 缴费基数="5000", 补缴原因="稽核补缴"
    )
    messages = review_failures(ws, second)["message"].to_list()
    assert messages == [
        f"2026-08 已在补缴申报 {first} 中审核成功。提示：请在社会保险费补缴缴费中缴费，不要重复申报。"
    ]


def test_overlapping_rows_and_clamped_bases(bp_ws: Workspace) -> None:
    frame = pl.DataFrame(
        {
            "社会保障号码": [LATE, LATE],
            "补缴年月": ["2026-06", "2026-07"],
            "补缴终止年月": ["2026-07", "2026-08"],
            "缴费基数": ["3000", "50000"],
            "补缴原因": ["稽核补缴", "稽核补缴"],
        }
    )
    declaration_id = declare(bp_ws, frame, UNIT, kind="backpay")
    bp_ws.submit(declaration_id)
    failures = (
        review_failures(bp_ws, declaration_id).select("row", "rule", "level", "message").rows()
    )
    assert (1, "no_overlap", "reject", "2026-07 与本申报中同一人员的其他行重复。") in failures
    assert (
        1,
        "base_floor",
        "warn",
        "2026-06、2026-07 的缴费基数低于缴费基数下限，按下限核定。",
    ) in failures
    assert (
        2,
        "base_ceiling",
        "warn",
        "2026-07、2026-08 的缴费基数高于缴费基数上限，按上限核定。",
    ) in failures


def test_batch_file_goes_through_the_same_pipeline(bp_ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "补缴.csv"
    path.write_text(
        "社会保障号码,姓名,补缴年月,补缴终止年月,缴费基数,补缴原因\n"
        f"{LATE},晚入职,2026-07,2026-08,5000,稽核补缴\n"
        f"{LATE},晚入职,2026-06,2026-05,5000,x\n",
        encoding="utf-8",
    )
    batch = check(path, "补缴申报")
    assert batch.kind == "backpay"
    assert batch.failures.select("row", "rule").rows() == [(3, "to_after_from")]
    declaration_id = declare(bp_ws, batch, UNIT, accepted_only=True)
    bp_ws.submit(declaration_id)
    assert review(bp_ws, declaration_id)["review_result"].to_list() == ["审核成功"]
    assert backpay.row_totals(bp_ws, declaration_id)["amount_fen"].to_list() == [2 * 175000]
