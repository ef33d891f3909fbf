"""Tests of 门诊规定病种申请 (manual §3.4): rules, the effect, end to end, the printed forms."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import polars as pl
from pypdf import PdfReader

from sbbatch.declarations import get
from sbbatch.declarations.outpatient_disease import ROSTER
from sbbatch.forms.printer import print_form
from sbbatch.review import declare, review
from sbbatch.store import Workspace

Submit = Callable[..., str]
Outcomes = Callable[[str], dict[int, dict[str, str]]]


def _row(person_id: str, disease: str, code: str = "000001", **extra: Any) -> dict[str, Any]:
    row = {
        "person_id": person_id,
        "name": "张三",
        "phone": "13222222222",
        "outpatient_category": "1",
        "disease": disease,
        "hospital_name": "地纬测试医院11",
        "hospital_code": code,
    }
    row.update(extra)
    return row


def test_registered_with_the_manuals_columns() -> None:
    declaration = get("门诊规定病种申请")
    assert [c.header for c in declaration.columns] == [
        "社会保障号码",
        "姓名",
        "性别",
        "职工本人手机号码",
        "人员类别",
        "异地标志",
        "申请类别",
        "原门规证号",
        "门规申请类别",
        "病种类别",
        "病种名称",
        "医院名称",
        "医院编码",
        "医院类型",
    ]
    assert [c.header for c in declaration.required] == [
        "社会保障号码",
        "职工本人手机号码",
        "门规申请类别",
        "病种类别",
        "医院名称",
        "医院编码",
    ]


def test_rules(submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace) -> None:
    did = submitted(
        "outpatient_disease",
        _row(facts.ZHANG, "1", "999993"),
        _row(facts.ZHANG, "2", "999993"),  # same 异地 code twice
        _row(facts.ZHANG, "11"),  # 普通病种 under 门规大病
        _row(facts.ZHANG, "1", "12345"),  # disease twice, bad code
        _row(facts.ZHANG, "3", "999995"),  # no such level
        _row(facts.LI, "1", name="李四"),  # insured in the other unit
        _row(facts.make_id("370101", "19910101", "001"), "1", name="钱七"),
        _row(facts.WANG, "12", outpatient_category="2", name="王六", application_type="2"),
    )
    found = outcomes(did)
    assert 1 not in found
    assert found[2] == {"remote_code_unique": "reject"}
    assert found[3] == {"disease_in_category": "reject"}
    assert found[4] == {"disease_once": "reject", "hospital_code_format": "reject"}
    assert found[5] == {"remote_code_level": "reject"}
    assert found[6] == {"insured_or_retired_here": "reject"}
    assert found[7] == {"person_known": "reject"}
    assert found[8] == {
        "insured_or_retired_here": "reject",
        "name_matches_registry": "reject",
        "certificate_required": "reject",
    }


def test_one_category_per_person(
    submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    did = submitted(
        "outpatient_disease",
        _row(facts.ZHANG, "1"),
        _row(facts.ZHANG, "11", outpatient_category="2"),
    )
    found = outcomes(did)
    assert found[1] == {"one_category_per_application": "reject"}
    assert found[2] == {"one_category_per_application": "reject"}


def test_effect_then_repeat_and_certificate(
    registry: Workspace, facts: SimpleNamespace, tmp_path: Path
) -> None:
    rows = pl.DataFrame([_row(facts.ZHANG, "1", "999993"), _row(facts.ZHANG, "2", "999991")])
    did = declare(registry, rows, facts.UNIT, kind="outpatient_disease")
    registry.submit(did)
    assert review(registry, did)["review_result"].to_list() == ["审核成功", "审核成功"]
    certificate = registry.table("outpatient_certificates")
    assert certificate["person_id"].to_list() == [facts.ZHANG]
    number = certificate["certificate_no"][0]
    assert number == f"{did}-001"
    diseases = registry.sql("SELECT disease, certificate_no FROM outpatient_diseases ORDER BY 1")
    assert diseases.rows() == [("1", number), ("2", number)]
    assert (
        registry.events(did)["note"].to_list()[-1] == "门诊规定病种申请审核通过 1 人、病种 2 项。"
    )

    pdf = print_form(registry, did, tmp_path / "确认表.pdf")
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    for expected in (
        "门诊规定病种申请确认表",
        "张三",
        facts.ZHANG,
        "恶性肿瘤的治疗",
        "999993",
        number,
    ):
        assert expected in text
    roster = print_form(registry, did, tmp_path / "花名册.pdf", ROSTER)
    text = "".join(page.extract_text() for page in PdfReader(roster).pages)
    for expected in ("花名册（门规大病）", "张三", facts.ZHANG, "尿毒症透析"):
        assert expected in text

    again = declare(
        registry,
        pl.DataFrame(
            [
                _row(facts.ZHANG, "1", application_type="2", certificate_no=number),
                _row(facts.ZHANG, "3", application_type="2", certificate_no="X1"),
                _row(facts.ZHANG, "4"),
            ]
        ),
        facts.UNIT,
        kind="outpatient_disease",
    )
    registry.submit(again)
    result = review(registry, again)
    assert result["review_result"].to_list() == ["不通过", "不通过", "审核成功"]
    assert "已于" in result["review_opinion"][0]
    assert "原门规证号「X1」" in result["review_opinion"][1]
    assert "申请类别不应为首次申请" in result["review_opinion"][2]
    assert registry.sql("SELECT count(*) AS n FROM outpatient_certificates")["n"][0] == 1
