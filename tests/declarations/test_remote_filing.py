"""Tests of 异地人员备案 and 撤销异地人员备案 (manual §3.2–3.3): rules, effects, forms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import polars as pl
import pytest
from pypdf import PdfReader

from sbbatch.batch import check_frame
from sbbatch.declarations import get
from sbbatch.forms.printer import print_form
from sbbatch.review import declare, review
from sbbatch.store import Workspace

Submit = Callable[..., str]
Outcomes = Callable[[str], dict[int, dict[str, str]]]
Messages = Callable[[str], dict[tuple[int, str], str]]


def _filing(person_id: str, name: str | None = "张三", **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "person_id": person_id,
        "name": name,
        "abroad": "否",
        "region_code": "321200",
        "hospital_level": "1",
        "medical_type": "2",  # 常驻外地
        "phone": "13222222222",
        "address": "江苏省泰州市海陵区",
    }
    row.update(fields)
    return row


def _load_filing(ws: Workspace, person_id: str, approved_on: dt.date) -> None:
    ws.insert_frame(
        "remote_filings",
        pl.DataFrame(
            {
                "person_id": [person_id],
                "unit_id": ["0010118873"],
                "abroad": [False],
                "region_code": ["321181"],
                "region_name": ["镇江市丹阳市"],
                "hospital_code": ["999991"],
                "hospital_name": ["异地"],
                "hospital_level": ["1"],
                "medical_type": ["2"],
                "filed_on": [approved_on],
                "start_date": [approved_on],
                "address": ["江苏"],
                "approved_on": [approved_on],
            }
        ),
    )


def test_the_businesses_are_registered() -> None:
    assert [c.header for c in get("异地人员备案").columns] == [
        "社会保障号码",
        "姓名",
        "性别",
        "是否境外",
        "备案地区编码",
        "备案地区名称",
        "医院编码",
        "医院名称",
        "实际医院名称",
        "医院级别",
        "就医类别",
        "手机号码",
        "备案日期",
        "起始日期",
        "异地居住地址",
    ]
    assert [c.header for c in get("撤销异地人员备案").columns] == [
        "社会保障号码",
        "姓名",
        "性别",
        "原异地医院编号",
        "原异地医院名称",
        "原异地居住地址",
        "原安置日期",
    ]


# ------------------------------------------------------------------ check of the file
def _check(**fields: Any) -> dict[str, str]:
    row = {"社会保障号码": "370102199001011231", "就医类别": "常驻外地", "备案地区编码": "321200"}
    row.update(fields)
    batch = check_frame(pl.DataFrame({k: [v] for k, v in row.items()}), "remote_filing")
    return dict(zip(batch.failures["rule"], batch.failures["level"], strict=True))


def test_a_good_row_passes_the_check() -> None:
    assert _check(医院级别="一级医院", 医院编码="999991") == {}


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        ({"是否境外": "不"}, "abroad_yes_no"),
        ({"备案地区编码": None, "医院级别": "一级医院"}, "region_code_required"),
        ({"备案地区编码": "329999", "医院级别": "一级医院"}, "region_code_known"),
        ({"备案地区编码": "370102", "医院级别": "一级医院"}, "region_outside_jinan"),
        ({"就医类别": None, "医院级别": "一级医院"}, "medical_type_required"),
        ({}, "hospital_given"),
        ({"医院编码": "99999"}, "hospital_code_format"),
        ({"医院编码": "999993", "医院级别": "一级医院"}, "remote_code_matches_level"),
        ({"医院编码": "999995"}, "remote_code_matches_level"),
        (
            {"医院级别": "一级医院", "备案日期": "2026-11-20", "起始日期": "2026-11-01"},
            "start_not_before_filing",
        ),
    ],
)
def test_each_check_rule_fails_its_row(fields: dict[str, Any], rule: str) -> None:
    assert rule in _check(**fields)


# ------------------------------------------------------------------ review
def test_insured_or_retired_here(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    did = submitted(
        "remote_filing",
        _filing(facts.ZHANG),
        _filing(facts.LI, "李四"),  # insured in the other unit
        _filing(facts.make_id("370102", "19700101", "015"), None),  # unknown
    )
    found = outcomes(did)
    assert 1 not in found
    assert found[2] == {"insured_or_retired_here": "reject"}
    assert found[3] == {"person_known": "reject"}


def test_name_matches_registry(
    submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    did = submitted("remote_filing", _filing(facts.ZHANG, "章三"))
    assert outcomes(did)[1] == {"name_matches_registry": "reject"}


def test_relocation_for_an_employee_is_rejected(
    submitted: Submit, outcomes: Outcomes, messages: Messages, facts: SimpleNamespace
) -> None:
    did = submitted("remote_filing", _filing(facts.ZHANG, medical_type="1"))  # 异地安置
    assert outcomes(did)[1] == {"medical_type_matches_status": "reject"}
    assert messages(did)[(1, "medical_type_matches_status")].startswith(
        "该人员是在职人员，就医类别「异地安置」只适用于退休人员"
    )


def test_posting_for_a_retiree_is_rejected(
    submitted: Submit, outcomes: Outcomes, messages: Messages, retiree: str
) -> None:
    did = submitted("remote_filing", _filing(retiree, "孙七", medical_type="2"))  # 常驻外地
    assert outcomes(did)[1] == {"medical_type_matches_status": "reject"}
    assert messages(did)[(1, "medical_type_matches_status")].startswith(
        "该人员是退休人员，就医类别「常驻外地」只适用于在职人员"
    )


def test_a_retiree_files_as_relocated(
    submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace, retiree: str
) -> None:
    did = submitted(
        "remote_filing",
        _filing(retiree, "孙七", medical_type="1"),
        _filing(facts.ZHANG, medical_type="2"),
    )
    assert outcomes(did) == {}


@pytest.fixture
def retiree(registry: Workspace, facts: SimpleNamespace) -> str:
    """孙七, who retired from the unit in 2020-02 (在职转退休)."""
    retiree = facts.make_id("370102", "19600101", "013")
    registry.load(
        persons=pl.DataFrame(
            {
                "person_id": [retiree],
                "name": ["孙七"],
                "gender": ["1"],
                "birth_date": [dt.date(1960, 1, 1)],
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": ["0010118873"],
                "person_id": [retiree],
                "insurance": ["1"],
                "person_category": ["11"],
                "from_month": [dt.date(2000, 1, 1)],
                "until_month": [dt.date(2020, 2, 1)],
                "leave_reason": ["251"],
            }
        ),
    )
    return retiree


def test_remote_code_matches_level_in_review(
    submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    did = submitted("remote_filing", _filing(facts.ZHANG, hospital_code="999992"))
    assert outcomes(did)[1] == {"remote_code_matches_level": "reject"}


def test_refiling_within_half_a_year_is_refused(
    registry: Workspace,
    submitted: Submit,
    outcomes: Outcomes,
    messages: Messages,
    facts: SimpleNamespace,
) -> None:
    _load_filing(registry, facts.ZHANG, dt.date(2026, 9, 1))
    did = submitted("remote_filing", _filing(facts.ZHANG))
    assert outcomes(did)[1] == {"refile_after_min_period": "reject"}
    assert "即 2027-03-01 起" in messages(did)[(1, "refile_after_min_period")]


def test_refiling_after_half_a_year_replaces_the_filing(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    _load_filing(registry, facts.ZHANG, dt.date(2019, 3, 18))
    did = submitted("remote_filing", _filing(facts.ZHANG))
    assert outcomes(did)[1] == {"replaces_active_filing": "warn"}
    review(registry, did)
    filings = registry.sql(
        "SELECT region_code, end_reason, ended_by FROM remote_filings ORDER BY filing_id"
    )
    assert filings.rows() == [("321181", "refiled", did), ("321200", None, None)]


def test_a_filing_before_october_2018_needs_a_year(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    registry.set_today(dt.date(2018, 12, 1))
    _load_filing(registry, facts.ZHANG, dt.date(2018, 3, 1))
    did = submitted("remote_filing", _filing(facts.ZHANG, filed_on=dt.date(2018, 12, 1)))
    assert "refile_after_min_period" in outcomes(did)[1]


def test_once_and_open_declaration(
    submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    first = submitted("remote_filing", _filing(facts.ZHANG))
    did = submitted("remote_filing", _filing(facts.ZHANG), _filing(facts.ZHANG))
    found = outcomes(did)
    assert found[1] == {"no_open_declaration": "reject"}
    assert found[2] == {"no_open_declaration": "reject", "once_in_declaration": "reject"}
    assert outcomes(first) == {}


def test_region_name_matches_code_warns(
    submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    did = submitted("remote_filing", _filing(facts.ZHANG, region_name="江苏省南京市"))
    assert outcomes(did)[1] == {"region_name_matches_code": "warn"}


def test_end_to_end_filing_and_form(
    registry: Workspace, tmp_path: Path, facts: SimpleNamespace
) -> None:
    case = {
        "社会保障号码": facts.ZHANG,
        "姓名": "张三",
        "备案地区编码": "321200",
        "医院级别": "一级医院",
        "就医类别": "常驻外地",
        "手机号码": "13222222222",
        "异地居住地址": "江苏省泰州市海陵区",
    }
    did = declare(registry, case, facts.UNIT, kind="remote_filing")
    registry.submit(did)
    table = review(registry, did)
    assert table["review_result"].to_list() == ["审核成功"]
    stored = registry.sql(
        "SELECT region_name, hospital_code, medical_type, filed_on, start_date, approved_on "
        "FROM remote_filings WHERE ended_on IS NULL"
    )
    today = registry.today
    assert stored.rows() == [("江苏省泰州市", "999991", "2", today, today, today)]
    assert registry.events(did)["note"].to_list()[-1] == (
        "异地人员备案审核通过 1 人：登记异地备案 1 条。"
    )
    pdf = print_form(registry, did, tmp_path / "备案表.pdf")
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "异地人员备案表" in text
    assert facts.ZHANG in text and "张三" in text and "江苏省泰州市" in text


# ------------------------------------------------------------------ revocation
def test_revocation_rules(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    _load_filing(registry, facts.ZHANG, dt.date(2026, 9, 1))
    did = submitted(
        "remote_filing_revocation",
        {"person_id": facts.ZHANG, "name": "张三", "hospital_code": "999993"},
        {"person_id": facts.WANG, "name": "王五"},  # left the unit, no filing
    )
    found = outcomes(did)
    assert found[1] == {"revoke_after_min_period": "reject", "hospital_matches_filing": "warn"}
    assert found[2] == {"insured_or_retired_here": "reject", "active_filing": "reject"}


def test_end_to_end_revocation_and_form(
    registry: Workspace, tmp_path: Path, facts: SimpleNamespace
) -> None:
    _load_filing(registry, facts.ZHANG, dt.date(2019, 3, 18))
    prefill = get("remote_filing_revocation").prefill
    assert prefill is not None
    rows = prefill(registry, facts.UNIT, dt.date(2026, 12, 1))
    assert rows.select("hospital_code", "start_date").row(0) == ("999991", dt.date(2019, 3, 18))
    did = declare(registry, rows, facts.UNIT, kind="remote_filing_revocation")
    registry.submit(did)
    assert review(registry, did)["review_result"].to_list() == ["审核成功"]
    assert registry.sql("SELECT end_reason, ended_on FROM remote_filings").row(0) == (
        "revoked",
        registry.today,
    )
    pdf = print_form(registry, did, tmp_path / "注销表.pdf")
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "异地人员备案注销表" in text and facts.ZHANG in text and "张三" in text
