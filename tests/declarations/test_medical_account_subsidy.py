"""Tests of 医疗账户补助金申报 (manual §3.1): prefill, 批设置, rules, effect, the 申报表."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest
from pypdf import PdfReader

from sbbatch.declarations import get
from sbbatch.declarations.medical_account_subsidy import cap_fen, prefill, set_amount
from sbbatch.forms.printer import print_form
from sbbatch.review import declare, result, review
from sbbatch.store import Workspace

Submit = Callable[..., str]
Outcomes = Callable[[str], dict[int, dict[str, str]]]
NOV = dt.date(2026, 11, 1)


@pytest.fixture
def new_unit(registry: Workspace, facts: SimpleNamespace) -> Workspace:
    """张三 insured here since 2026-06 (王五's old period removed)."""
    registry.execute(
        "DELETE FROM insured_periods WHERE unit_id = ? AND until_month IS NOT NULL", [facts.UNIT]
    )
    registry.execute(
        "UPDATE insured_periods SET from_month = DATE '2026-06-01' WHERE unit_id = ? AND until_month IS NULL",
        [facts.UNIT],
    )
    return registry


def _row(person_id: str, name: str, amount: int, **extra: object) -> dict[str, object]:
    return {"person_id": person_id, "name": name, "month": NOV, "amount": amount, **extra}


def test_registered_with_the_manuals_columns() -> None:
    declaration = get("医疗账户补助金申报")
    assert [c.header for c in declaration.columns] == [
        "社会保障号码",
        "姓名",
        "性别",
        "申报年月",
        "申报工资",
        "本月申报金额",
    ]
    assert [c.header for c in declaration.required] == ["社会保障号码", "申报年月", "本月申报金额"]


def test_prefill_lists_the_medical_insured_with_zero(
    new_unit: Workspace, facts: SimpleNamespace
) -> None:
    rows = prefill(new_unit, facts.UNIT, dt.date(2026, 11, 15))
    assert rows.select("person_id", "name", "amount").rows() == [(facts.ZHANG, "张三", 0)]
    assert set_amount(rows, "3500.005")["amount"].to_list() == [350001]


def test_rules(
    new_unit: Workspace, submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    did = submitted(
        "medical_account_subsidy",
        _row(facts.ZHANG, "张三", 350000),
        _row(facts.LI, "李四", 350000),  # insured in the other unit
        _row(facts.ZHANG, "章三", 0),  # wrong name, 0, twice
        _row(facts.make_id("370101", "19910101", "001"), "钱七", 100),
        _row(facts.ZHANG, "张三", cap_fen(NOV) + 1, gender="2"),
    )
    found = outcomes(did)
    assert 1 not in found
    assert found[2] == {"insured_for_medical": "reject"}
    assert found[3] == {
        "name_matches_registry": "reject",
        "amount_positive": "reject",
        "once_in_declaration": "reject",
    }
    assert found[4] == {"known_person": "reject"}
    assert found[5] == {
        "gender_matches_registry": "reject",
        "amount_cap": "reject",
        "once_in_declaration": "reject",
    }


def test_old_unit_is_rejected(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    did = submitted("medical_account_subsidy", _row(facts.ZHANG, "张三", 100000))
    assert outcomes(did) == {1: {"new_unit": "reject"}}  # insured here since 2020
    assert review(registry, did)["review_result"].to_list() == ["不通过"]
    opinion = result(registry, did)["review_opinion"][0]
    assert "不属于新开户单位" in opinion
    assert "按 sbbatch 的假设" in opinion


def test_a_unit_in_its_twelfth_month_is_new(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    # first insured month 2025-12: 2026-11 is 11 months later, still new; 2025-11 is not
    registry.execute(
        "DELETE FROM insured_periods WHERE unit_id = ? AND until_month IS NOT NULL", [facts.UNIT]
    )
    registry.execute(
        "UPDATE insured_periods SET from_month = DATE '2025-12-01' WHERE unit_id = ?", [facts.UNIT]
    )
    did = submitted("medical_account_subsidy", _row(facts.ZHANG, "张三", 100000))
    assert outcomes(did) == {}
    registry.execute(
        "UPDATE insured_periods SET from_month = DATE '2025-11-01' WHERE unit_id = ?", [facts.UNIT]
    )
    did = submitted("medical_account_subsidy", _row(facts.ZHANG, "张三", 100000))
    assert outcomes(did) == {1: {"new_unit": "reject"}}


def test_end_to_end_effect_and_form(
    new_unit: Workspace, facts: SimpleNamespace, tmp_path: Path
) -> None:
    rows = set_amount(prefill(new_unit, facts.UNIT, NOV), 3500)
    assert rows["amount"].to_list() == [350000]
    rows = rows.with_columns(pl.lit("3500.00").alias("amount"))  # as a 报盘 holds it
    wrong = pl.DataFrame(
        {"person_id": [facts.LI], "name": ["李四"], "month": [NOV], "amount": [350000]}
    )
    did = declare(
        new_unit,
        pl.concat([rows.drop("wage"), wrong], how="diagonal_relaxed"),
        facts.UNIT,
        kind="medical_account_subsidy",
    )
    new_unit.submit(did)
    result = review(new_unit, did)
    assert result["review_result"].to_list() == ["审核成功", "不通过"]
    assert result["review_opinion"][1].startswith("处理失败:参保人李四[")
    assert new_unit.table("medical_account_subsidies").select("person_id", "amount_fen").rows() == [
        (facts.ZHANG, 350000)
    ]
    assert (
        new_unit.events(did)["note"].to_list()[-1]
        == "医疗账户补助金审核通过 1 人，合计 3500.00 元。"
    )
    again = declare(new_unit, rows.drop("wage"), facts.UNIT, kind="medical_account_subsidy")
    new_unit.submit(again)
    assert review(new_unit, again)["review_opinion"][0].endswith("已申报过医疗账户补助金。")
    pdf = print_form(new_unit, did, tmp_path / "申报表.pdf")
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    for expected in (
        "社会保险费申报表",
        "医疗账户补助金",
        "3500.00",
        "叁仟伍佰元整",
        "张三",
        facts.ZHANG,
        "李四",
    ):
        assert expected in text
