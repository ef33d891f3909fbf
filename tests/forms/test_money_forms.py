"""The 社会保险费申报表 and the bill PDF: what they print, checked on the extracted text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pypdfium2 as pdfium
import pytest
from stdnum.cn import ric

from sbbatch import payments
from sbbatch.exceptions import UnusableInputError
from sbbatch.forms.money_forms import bill_form, declaration_form, form_data
from sbbatch.review import declare, review
from sbbatch.store import Workspace

UNIT = "0010118873"
NOV = dt.date(2026, 11, 1)


def person(n: int) -> str:
    first17 = f"37010519900101{n:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def text_of(path: Path) -> str:
    document = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


@pytest.fixture
def form_ws(ws: Workspace) -> Workspace:
    """Three persons: 城合制 3000 yuan (floor), 农合制 8000, 挂靠 30000 (ceiling); 挂靠 has no 失业/工伤."""
    ws.execute("UPDATE units SET bank = '齐鲁银行', unit_type = '10' WHERE unit_id = ?", [UNIT])
    categories = {
        1: ("11", ["1", "2", "3", "4", "10"]),
        2: ("12", ["1", "2", "3", "4", "10"]),
        3: ("13", ["1", "3", "10"]),
    }
    periods = [
        (UNIT, person(n), insurance, category, dt.date(2026, 1, 1))
        for n, (category, insurances) in categories.items()
        for insurance in insurances
    ]
    ws.load(
        persons=pl.DataFrame(
            {
                "person_id": [person(n) for n in categories],
                "name": ["城镇工", "农民工", "挂靠人"],
                "gender": ["1"] * 3,
                "birth_date": [dt.date(1990, 1, 1)] * 3,
            }
        ),
        insured_periods=pl.DataFrame(
            periods,
            schema=["unit_id", "person_id", "insurance", "person_category", "from_month"],
            orient="row",
        ),
        wage_bases=pl.DataFrame(
            {
                "unit_id": [UNIT] * 3,
                "person_id": [person(n) for n in categories],
                "month": [NOV] * 3,
                "wage_fen": [300000, 800000, 3000000],
            }
        ),
    )
    return ws


def test_form_data_counts_and_totals(form_ws: Workspace) -> None:
    data = form_data(form_ws, UNIT, month=NOV)
    assert data["persons"] == 3
    assert data["groups"] == {"城合制": 1, "农合制": 1, "挂靠": 1, "个体": 0}
    assert data["wage_fen"] == 300000 + 800000 + 3000000
    assert data["base_fen"] == 457300 + 800000 + 2286300
    rows = data["rows"]
    assert (
        int(rows["amount_fen"].sum()) == data["total_fen"] == data["unit_fen"] + data["person_fen"]
    )
    pension_unit = rows.filter((pl.col("insurance") == "1") & (pl.col("payer") == "unit")).row(
        0, named=True
    )
    assert pension_unit["base_fen"] == 3543600
    assert pension_unit["amount_fen"] == 73168 + 128000 + 365808


def test_declaration_form_prints_the_manual_layout(form_ws: Workspace, tmp_path: Path) -> None:
    path = declaration_form(form_ws, UNIT, tmp_path / "申报表.pdf", month=NOV)
    text = text_of(path)
    data = form_data(form_ws, UNIT, month=NOV)
    for expected in (
        "社会保险费申报表",
        "单位类型:企业",
        "填表日期:2026年11月26日",
        "代征机构:济南市社保办",
        "缴费单位",
        "代码",
        UNIT,
        "开户银行",
        "齐鲁银行",
        "开户方式",
        "缴费方式",
        "网银缴费",
        "职工情况",
        "总数",
        "城合制",
        "农合制",
        "挂靠",
        "个体",
        "单位工资总额",
        "41000.00",
        "单位基数总额",
        "35436.00",
        "费款所属日期",
        "2026年11月",
        "个人工资总额",
        "险种标志",
        "单位缴费",
        "个人缴费",
        "缴费合计",
        "基本养老保险",
        "大额医疗补助",
        "定额10.00元",
        "合计:",
        "征缴机构",
        "备注:",
        "缴费人员明细",
        person(1),
        "共3人",
    ):
        assert expected in text, expected
    from sbbatch.contributions import yuan
    from sbbatch.forms.rmb import fen_in_words

    assert yuan(data["total_fen"]) in text
    assert f"合计金额(人民币)大写:{fen_in_words(data['total_fen'])}" in text


def test_bill_forms(form_ws: Workspace, tmp_path: Path) -> None:
    ws = form_ws
    bill_id = payments.create_bill(ws, UNIT, NOV)
    payments.pay(ws, bill_id, payments.SimulatedGateway("failure"))
    payments.pay(ws, bill_id)
    text = text_of(bill_form(ws, bill_id, tmp_path / "bill.pdf"))
    header = payments.bill(ws, bill_id)
    for expected in (
        "社会保险费缴费单据",
        bill_id,
        "工资申报缴费",
        "支付成功",
        "支付失败",
        "支付记录",
        "职工基本医疗保险",
    ):
        assert expected in text, expected
    from sbbatch.contributions import yuan

    assert yuan(header["total_fen"]) in text
    assert "补缴明细" not in text  # a wage bill has no back-payment detail
    # the 申报表 of the bill shows the same total
    form = text_of(
        declaration_form(ws, UNIT, tmp_path / "form.pdf", bill_id=bill_id, with_persons=False)
    )
    assert yuan(header["total_fen"]) in form
    assert "缴费人员明细" not in form


def test_back_payment_bill_lists_late_fees(form_ws: Workspace, tmp_path: Path) -> None:
    ws = form_ws
    case = {
        "社会保障号码": person(1),
        "补缴年月": "2025-11",
        "补缴终止年月": "2025-12",
        "缴费基数": "5000",
        "补缴原因": "稽核补缴",
    }
    declaration_id = declare(ws, case, UNIT, kind="backpay")
    ws.submit(declaration_id)
    assert review(ws, declaration_id)["review_result"].to_list() == ["审核成功"]
    bill_id = payments.create_backpay_bill(ws, UNIT)
    text = text_of(bill_form(ws, bill_id, tmp_path / "backpay.pdf"))
    for expected in (
        "社会保险费补缴缴费",
        "补缴明细",
        "2025-11",
        "2025-12",
        "2026-01-15",
        "滞纳金",
        "late_fee:daily_rate:2011-07-01",
    ):
        assert expected in text, expected
    form = text_of(declaration_form(ws, UNIT, tmp_path / "bp_form.pdf", bill_id=bill_id))
    assert "2025年11月至2025年12月" in form
    assert "滞纳金" in form


def test_form_needs_a_month_or_bill(form_ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(UnusableInputError, match="month"):
        declaration_form(form_ws, UNIT, tmp_path / "x.pdf")
    with pytest.raises(UnusableInputError, match="没有应缴费款"):
        declaration_form(form_ws, UNIT, tmp_path / "x.pdf", month=dt.date(2025, 1, 1))
