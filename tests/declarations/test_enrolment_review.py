"""Tests of the agency's review of 增员申报: every rule, the effects, the transitions."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest

from sbbatch import codes
from sbbatch._resources import schemas_dir
from sbbatch.exceptions import InvalidTransitionError, UnusableInputError
from sbbatch.review import declare, result, review
from sbbatch.store import Workspace

Submit = Callable[..., str]
Outcomes = Callable[[str], dict[int, dict[str, str]]]
Messages = Callable[[str], dict[tuple[int, str], str]]


def _rules(outcomes: Outcomes, declaration_id: str, row: int) -> dict[str, str]:
    return outcomes(declaration_id).get(row, {})


# --------------------------------------------------------------------------- ID and facts
def test_id_valid(submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace) -> None:
    good = facts.make_id("370102", "19950101", "111")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    did = submitted(
        "enrolment", facts.enrolment_row(good, "甲"), facts.enrolment_row(bad, "乙", gender="1")
    )
    assert "id_valid" not in _rules(outcomes, did, 1)
    assert _rules(outcomes, did, 2)["id_valid"] == "reject"


def test_gender_and_birth_date_match_the_id(
    submitted: Submit, outcomes: Outcomes, messages: Messages, facts: SimpleNamespace
) -> None:
    pid = facts.make_id("370102", "19950101", "111")  # a man born 1995-01-01
    did = submitted(
        "enrolment",
        facts.enrolment_row(pid, "甲"),
        facts.enrolment_row(
            facts.make_id("370102", "19960101", "111"),
            "乙",
            gender="2",
            birth_date=dt.date(1996, 2, 1),
        ),
    )
    assert _rules(outcomes, did, 1) == {}
    assert _rules(outcomes, did, 2) == {
        "gender_matches_id": "reject",
        "birth_date_matches_id": "reject",
    }
    assert messages(did)[(2, "gender_matches_id")] == (
        "性别「女」与身份证号码不符（身份证号码第 17 位表示男）。"
    )
    assert "1996-01-01" in messages(did)[(2, "birth_date_matches_id")]


def test_registry_facts_must_agree(
    registry: Workspace,
    submitted: Submit,
    outcomes: Outcomes,
    messages: Messages,
    facts: SimpleNamespace,
) -> None:
    # the registry holds 王五 as a man born 1988-08-08; declare him under another name,
    # and once with a registry record that disagrees with his ID on gender and birth date
    registry.execute(
        "UPDATE persons SET gender = '2', birth_date = DATE '1988-08-09' WHERE person_id = ?",
        [facts.WANG],
    )
    did = submitted("enrolment", facts.enrolment_row(facts.WANG, "王小五"))
    found = _rules(outcomes, did, 1)
    assert found["name_matches_registry"] == "reject"
    assert found["gender_matches_registry"] == "reject"
    assert found["birth_date_matches_registry"] == "reject"
    text = messages(did)
    assert text[(1, "name_matches_registry")] == (
        "姓名「王小五」与社保登记的姓名「王五」不符。提示：请核对身份证号码和姓名。"
    )
    assert text[(1, "gender_matches_registry")] == "性别「男」与社保登记的性别「女」不符。"
    assert "1988-08-08" in text[(1, "birth_date_matches_registry")]
    assert "1988-08-09" in text[(1, "birth_date_matches_registry")]


def test_a_person_the_registry_knows_rightly_passes(
    submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    did = submitted("enrolment", facts.enrolment_row(facts.WANG, "王五"))
    assert _rules(outcomes, did, 1) == {}


# --------------------------------------------------------------------------- insured already
def test_not_insured_here(
    registry: Workspace,
    submitted: Submit,
    outcomes: Outcomes,
    messages: Messages,
    facts: SimpleNamespace,
) -> None:
    did = submitted(
        "enrolment",
        facts.enrolment_row(facts.ZHANG, "张三"),
        facts.enrolment_row(facts.WANG, "王五"),
    )
    assert _rules(outcomes, did, 1)["not_insured_here"] == "reject"
    assert messages(did)[(1, "not_insured_here")] == (
        "已在本单位参保（基本养老保险、职工基本医疗保险），不能重复增员。"
    )
    assert "not_insured_here" not in _rules(outcomes, did, 2)  # left in 2025


def test_a_period_that_ends_after_the_month_still_counts(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    registry.execute(
        "UPDATE insured_periods SET until_month = DATE '2027-02-01' WHERE person_id = ?",
        [facts.ZHANG],
    )
    did = submitted("enrolment", facts.enrolment_row(facts.ZHANG, "张三"))
    assert _rules(outcomes, did, 1)["not_insured_here"] == "reject"


def test_not_insured_elsewhere_for_pension(
    submitted: Submit, outcomes: Outcomes, messages: Messages, facts: SimpleNamespace
) -> None:
    did = submitted(
        "enrolment",
        facts.enrolment_row(facts.LI, "李四"),
        facts.enrolment_row(facts.WANG, "王五"),
    )
    assert _rules(outcomes, did, 1) == {"not_insured_elsewhere": "reject"}
    assert messages(did)[(1, "not_insured_elsewhere")] == (
        "已在 济南其他有限公司（0010222222）参保基本养老保险，不能同时在两个单位参保。"
        "提示：请原单位先办理减员。"
    )
    assert _rules(outcomes, did, 2) == {}


# --------------------------------------------------------------------------- age
def test_min_working_age(submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace) -> None:
    did = submitted(
        "enrolment",
        facts.enrolment_row(facts.make_id("370102", "20101215", "111"), "甲"),  # 16 in 2026-12
        facts.enrolment_row(facts.make_id("370102", "20110101", "111"), "乙"),  # 16 in 2027-01
    )
    assert "min_working_age" not in _rules(outcomes, did, 1)
    assert _rules(outcomes, did, 2)["min_working_age"] == "reject"


def test_below_retirement_age(
    submitted: Submit, outcomes: Outcomes, messages: Messages, facts: SimpleNamespace
) -> None:
    old = facts.make_id("370102", "19630105", "111")  # a man: retirement month 2023-01
    did = submitted(
        "enrolment",
        facts.enrolment_row(old, "甲"),
        facts.enrolment_row(facts.make_id("370102", "19700105", "111"), "乙"),
        facts.enrolment_row(facts.make_id("370102", "19630105", "131"), "丙", person_category="21"),
    )
    assert _rules(outcomes, did, 1)["below_retirement_age"] == "reject"
    assert "法定退休年月 2023-01" in messages(did)[(1, "below_retirement_age")]
    assert "below_retirement_age" not in _rules(outcomes, did, 2)
    assert "below_retirement_age" not in _rules(outcomes, did, 3)  # 退休人员 excepted


def test_retirement_age_of_a_woman_without_identity_only_warns(
    submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    woman = facts.make_id("370103", "19750608", "042")
    did = submitted(
        "enrolment",
        facts.enrolment_row(woman, "甲"),  # 个人身份 unknown: checked as a worker (50)
        facts.enrolment_row(facts.make_id("370103", "19750608", "062"), "乙", identity="4"),
    )
    assert _rules(outcomes, did, 1) == {"below_retirement_age_unsure": "warn"}
    assert _rules(outcomes, did, 2) == {}  # 干部: 55 and more, not reached


def test_retiree_category_joins_no_insurance_and_warns(
    submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    did = submitted(
        "enrolment",
        facts.enrolment_row(facts.make_id("370102", "19630105", "131"), "甲", person_category="21"),
        facts.enrolment_row(facts.make_id("370102", "19900105", "131"), "乙"),
    )
    assert _rules(outcomes, did, 1) == {"category_has_insurances": "warn"}
    assert _rules(outcomes, did, 2) == {}


# --------------------------------------------------------------------------- month window
def test_month_window_after_the_cutoff(
    submitted: Submit, outcomes: Outcomes, messages: Messages, facts: SimpleNamespace
) -> None:
    pid = facts.make_id("370102", "19950101", "111")
    did = submitted(
        "enrolment",
        facts.enrolment_row(pid, "甲", month=dt.date(2026, 11, 1)),
        facts.enrolment_row(facts.make_id("370102", "19950102", "111"), "乙"),
        facts.enrolment_row(
            facts.make_id("370102", "19950103", "111"), "丙", month=dt.date(2027, 1, 1)
        ),
    )
    assert _rules(outcomes, did, 1) == {"month_not_before_window": "reject"}
    assert "补缴" in messages(did)[(1, "month_not_before_window")]
    assert "2026-12" in messages(did)[(1, "month_not_before_window")]
    assert _rules(outcomes, did, 2) == {}
    assert _rules(outcomes, did, 3) == {"month_not_after_window": "reject"}


def test_month_window_before_the_cutoff(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    registry.set_today(dt.date(2026, 11, 10))
    did = submitted(
        "enrolment",
        facts.enrolment_row(
            facts.make_id("370102", "19950101", "111"), "甲", month=dt.date(2026, 11, 1)
        ),
        facts.enrolment_row(facts.make_id("370102", "19950102", "111"), "乙"),
    )
    assert _rules(outcomes, did, 1) == {}
    assert _rules(outcomes, did, 2) == {"month_not_after_window": "reject"}


# --------------------------------------------------------------------------- open declarations
def test_no_other_open_declaration(
    registry: Workspace,
    submitted: Submit,
    outcomes: Outcomes,
    messages: Messages,
    facts: SimpleNamespace,
) -> None:
    pid = facts.make_id("370102", "19950101", "111")
    first = submitted("enrolment", facts.enrolment_row(pid, "甲"))
    second = submitted("enrolment", facts.enrolment_row(pid, "甲"))
    assert _rules(outcomes, second, 1) == {"no_open_declaration": "reject"}
    assert messages(second)[(1, "no_open_declaration")] == (
        f"该人员另有未办结的增员申报（申报编号 {first}）。提示：请先提交审核或作废该申报。"
    )
    # the older declaration is not blocked by the newer one
    assert _rules(outcomes, first, 1) == {}
    # once the first is reviewed and read, the second is a duplicate of a done enrolment
    review(registry, first)
    registry.mark_read(first)
    assert _rules(outcomes, second, 1) == {"not_insured_here": "reject"}


def test_a_voided_declaration_does_not_block(
    registry: Workspace, submitted: Submit, outcomes: Outcomes, facts: SimpleNamespace
) -> None:
    pid = facts.make_id("370102", "19950101", "111")
    draft = registry.create_declaration(
        "enrolment", facts.UNIT, facts.typed_rows("enrolment", facts.enrolment_row(pid, "甲"))
    )
    registry.void(draft)
    did = submitted("enrolment", facts.enrolment_row(pid, "甲"))
    assert _rules(outcomes, did, 1) == {}


# --------------------------------------------------------------------------- codes by date
@pytest.fixture
def dated_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The shipped code tables, with 增加原因 121 ended on 2019-12-31."""
    for path in (schemas_dir() / "codes").glob("*.csv"):
        shutil.copy(path, tmp_path / path.name)
    table = tmp_path / "add_reason.csv"
    table.write_text(
        table.read_text(encoding="utf-8").replace(
            "121,在职人员续保,,,", "121,在职人员续保,,2019-12-31,"
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(codes, "_codes_dir", lambda: tmp_path)
    codes._clear_caches()
    yield
    monkeypatch.undo()
    codes._clear_caches()


def test_codes_valid_in_the_month(
    dated_codes: None,
    submitted: Submit,
    outcomes: Outcomes,
    messages: Messages,
    facts: SimpleNamespace,
) -> None:
    did = submitted(
        "enrolment",
        facts.enrolment_row(facts.make_id("370102", "19950101", "111"), "甲", add_reason="121"),
        facts.enrolment_row(facts.make_id("370102", "19950102", "111"), "乙"),
    )
    assert _rules(outcomes, did, 1) == {"add_reason_valid_on_month": "reject"}
    assert messages(did)[(1, "add_reason_valid_on_month")] == (
        "增加原因「在职人员续保」在 2026-12 已不能使用。"
    )
    assert _rules(outcomes, did, 2) == {}


# --------------------------------------------------------------------------- effects
def test_effects_register_new_persons_and_open_periods(
    registry: Workspace, submitted: Submit, facts: SimpleNamespace
) -> None:
    new = facts.make_id("370102", "19950101", "111")
    attached = facts.make_id("370102", "19950102", "111")
    did = submitted(
        "enrolment",
        facts.enrolment_row(new, "甲", phone="13912345678", identity="1"),
        facts.enrolment_row(attached, "乙", person_category="13"),
        facts.enrolment_row(facts.LI, "李四"),  # rejected: insured elsewhere
    )
    table = review(registry, did)
    assert table["review_result"].to_list() == ["审核成功", "审核成功", "不通过"]
    person = registry.sql("SELECT * FROM persons WHERE person_id = ?", [new]).row(0, named=True)
    assert (person["name"], person["gender"], person["phone"], person["identity"]) == (
        "甲",
        "1",
        "13912345678",
        "1",
    )
    periods = registry.sql(
        "SELECT person_id, insurance, from_month, until_month, add_reason, person_category "
        "FROM insured_periods WHERE opened_by = ? ORDER BY person_id, insurance::INT",
        [did],
    )
    assert periods.filter(pl.col("person_id") == new)["insurance"].to_list() == [
        "1",
        "2",
        "3",
        "4",
        "10",
    ]
    assert periods.filter(pl.col("person_id") == attached)["insurance"].to_list() == [
        "1",
        "3",
        "10",
    ]
    assert set(periods["from_month"].to_list()) == {facts.DEC}
    assert periods["until_month"].null_count() == periods.height
    assert (
        registry.sql("SELECT count(*) AS n FROM insured_periods WHERE person_id = ?", [facts.LI])[
            "n"
        ][0]
        == 1
    )
    effect = registry.events(did).filter(pl.col("action") == "effect")["note"].to_list()
    assert effect == ["增员审核通过 2 人：新登记人员 2 人，更新人员信息 0 人，新开参保记录 8 条。"]


def test_effects_update_a_known_person_without_touching_key_facts(
    registry: Workspace, submitted: Submit, facts: SimpleNamespace
) -> None:
    did = submitted("enrolment", facts.enrolment_row(facts.WANG, "王五", address="济南市历下区"))
    review(registry, did)
    person = registry.sql("SELECT * FROM persons WHERE person_id = ?", [facts.WANG]).row(
        0, named=True
    )
    assert (person["name"], person["address"], person["identity"]) == ("王五", "济南市历下区", "1")
    assert registry.sql("SELECT count(*) AS n FROM persons")["n"][0] == 4
    assert "更新人员信息 1 人" in registry.events(did)["note"].to_list()[-1]


def test_a_review_failing_half_way_changes_nothing(
    registry: Workspace, submitted: Submit, facts: SimpleNamespace
) -> None:
    did = submitted(
        "enrolment",
        facts.enrolment_row(facts.make_id("370102", "19950101", "111"), "甲"),
        facts.enrolment_row(facts.WANG, "王五", address="新地址"),
    )
    tables = ("persons", "insured_periods", "declarations", "declaration_rows", "events")
    before = {name: registry.table(name) for name in tables}

    def fail(name: str) -> None:
        if name == "review:effects":
            raise RuntimeError("断电")

    registry._fault = fail
    with pytest.raises(RuntimeError, match="断电"):
        review(registry, did)
    registry._fault = None
    for name in tables:
        assert registry.table(name).equals(before[name]), name
    assert registry.declaration(did)["status"] == "submitted"
    review(registry, did)  # and the review can run again
    assert registry.declaration(did)["status"] == "reviewed"


# --------------------------------------------------------------------------- transitions
def test_declare_refuses_rejected_rows_unless_accepted_only(
    registry: Workspace, facts: SimpleNamespace
) -> None:
    rows = pl.DataFrame(
        {
            "身份证号码": [facts.make_id("370102", "19950101", "111"), "123"],
            "姓名": ["甲", "乙"],
            "用工形式": ["城镇合同制职工"] * 2,
            "增加原因": ["在职人员新参保"] * 2,
            "增员年月": ["2026-12"] * 2,
            "人员类别": ["城镇制"] * 2,
        }
    )
    with pytest.raises(UnusableInputError, match="1 行未通过检查"):
        declare(registry, rows, facts.UNIT, kind="enrolment")
    did = declare(registry, rows, facts.UNIT, kind="enrolment", accepted_only=True)
    assert registry.declaration_rows(did).height == 1


def test_a_single_case_goes_the_same_way(registry: Workspace, facts: SimpleNamespace) -> None:
    pid = facts.make_id("370102", "19950101", "111")
    did = declare(
        registry,
        {
            "身份证号码": pid,
            "姓名": "甲",
            "用工形式": "城镇合同制职工",
            "增加原因": "在职人员新参保",
            "增员年月": "2026-12",
            "人员类别": "城镇制",
        },
        facts.UNIT,
        kind="增员申报",
    )
    rows = registry.declaration_rows(did)
    assert rows.select("gender", "birth_date").row(0) == ("1", dt.date(1995, 1, 1))
    assert rows["hukou_province"][0] == "山东省"
    registry.submit(did)
    assert review(registry, did)["review_result"].to_list() == ["审核成功"]


def test_modify_a_draft_then_submit_review_and_read(
    registry: Workspace, facts: SimpleNamespace
) -> None:
    pid = facts.make_id("370102", "19950101", "111")
    did = registry.create_declaration(
        "enrolment",
        facts.UNIT,
        facts.typed_rows("enrolment", facts.enrolment_row(pid, "甲", month=dt.date(2026, 11, 1))),
    )
    registry.modify_declaration(did, facts.typed_rows("enrolment", facts.enrolment_row(pid, "甲")))
    with pytest.raises(InvalidTransitionError):
        review(registry, did)  # a draft is not reviewed
    registry.submit(did)
    with pytest.raises(InvalidTransitionError):
        registry.modify_declaration(
            did, facts.typed_rows("enrolment", facts.enrolment_row(pid, "甲"))
        )
    review(registry, did)
    assert result(registry, did)["review_result"].to_list() == ["审核成功"]
    with pytest.raises(InvalidTransitionError, match="不能作废"):
        registry.void(did)  # nothing failed: nothing to void
    assert registry.mark_read(did) is None
    assert registry.declaration(did)["status"] == "read"


def test_failed_rows_become_a_new_draft_on_mark_read(
    registry: Workspace, submitted: Submit, facts: SimpleNamespace
) -> None:
    good = facts.make_id("370102", "19950101", "111")
    did = submitted(
        "enrolment",
        facts.enrolment_row(good, "甲"),
        facts.enrolment_row(
            facts.make_id("370102", "19950102", "111"), "乙", month=dt.date(2026, 11, 1)
        ),
    )
    review(registry, did)
    redraft = registry.mark_read(did)
    assert redraft is not None
    assert registry.declaration(redraft)["parent_id"] == did
    rows = registry.declaration_rows(redraft)
    assert rows["name"].to_list() == ["乙"]
    # corrected and resubmitted, it passes
    registry.modify_declaration(
        redraft,
        rows.drop("row_no", "review_result", "review_opinion").with_columns(
            pl.lit(facts.DEC).alias("month")
        ),
    )
    registry.submit(redraft)
    assert review(registry, redraft)["review_result"].to_list() == ["审核成功"]


def test_failed_rows_can_be_voided(
    registry: Workspace, submitted: Submit, facts: SimpleNamespace
) -> None:
    did = submitted("enrolment", facts.enrolment_row(facts.LI, "李四"))
    review(registry, did)
    registry.void(did)
    assert registry.declaration(did)["status"] == "voided"
    did = submitted("enrolment", facts.enrolment_row(facts.LI, "李四"))
    review(registry, did)
    assert registry.mark_read(did, failed_rows="void") is None
    assert registry.declarations(kind="enrolment", status="draft").height == 0


def test_once_in_declaration(
    registry: Workspace,
    submitted: Submit,
    outcomes: Outcomes,
    messages: Messages,
    facts: SimpleNamespace,
) -> None:
    # a declaration made or modified from a frame skips the file check's duplicate test
    pid = facts.make_id("370102", "19950101", "111")
    did = submitted("enrolment", facts.enrolment_row(pid, "甲"), facts.enrolment_row(pid, "甲"))
    assert _rules(outcomes, did, 1) == {}
    assert _rules(outcomes, did, 2) == {"once_in_declaration": "reject"}
    assert messages(did)[(2, "once_in_declaration")] == "该人员在本申报中重复，与第 1 行相同。"
    assert review(registry, did)["review_result"].to_list() == ["审核成功", "不通过"]
