"""Tests of the card businesses (sbbatch.cards): issuing info, single and batch applications, revocation."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from sbbatch import cards
from sbbatch.batch import check, check_frame
from sbbatch.declarations import get, registry
from sbbatch.exceptions import UnusableInputError
from sbbatch.io.xlsx import write_template
from sbbatch.photos import synthetic_photo
from sbbatch.queries import cards as queries
from sbbatch.review import declare, review, review_failures
from sbbatch.sample import generate
from sbbatch.store import Workspace

TODAY = dt.date(2026, 11, 26)
BANK = cards.CardBank(
    "中国银行",
    "10712",
    "中国银行股份有限公司济南分行",
    "济南市历下区泺源大街22号",
    "0531-86995566",
    "李慧、孙娜",
)


class Boom(RuntimeError):
    """The injected failure."""


@pytest.fixture
def world() -> tuple[Workspace, str, str, pl.DataFrame]:
    """A sample workspace, its largest unit, another unit, and the largest unit's persons."""
    ws = Workspace(today=TODAY)
    generate(n_units=2, n_persons=80).load_into(ws)
    units = ws.sql(
        "SELECT unit_id, count(DISTINCT person_id) AS n FROM insured_periods "
        "WHERE until_month IS NULL GROUP BY unit_id ORDER BY n DESC, unit_id"
    )["unit_id"].to_list()
    persons = queries.card_status(ws, units[0]).join(
        ws.table("persons").select("person_id", "phone"), on="person_id"
    )
    return ws, units[0], units[1], persons


def _confirm_bank(ws: Workspace, unit: str, persons: pl.DataFrame) -> str:
    first = persons.row(0, named=True)
    declaration_id = cards.maintain_issuing_info(
        ws, unit, bank=BANK, collectors=[cards.Collector(first["person_id"], "13105311234")]
    )
    ws.submit(declaration_id)
    review(ws, declaration_id)
    return declaration_id


def _snapshot(ws: Workspace) -> dict[str, pl.DataFrame]:
    tables = (
        "declarations",
        "declaration_rows",
        "cards",
        "card_history",
        "photos",
        "person_photos",
    )
    return {name: ws.table(name).drop("content", strict=False) for name in tables}


# ------------------------------------------------------------------ the businesses


def test_the_three_businesses_are_registered() -> None:
    assert {"card_issuing_info", "card_application", "card_revocation"} <= set(registry())
    assert get("批量社保卡申领").kind == "card_application"
    assert list(get("card_application").headers.values()) == [
        "身份证号码",
        "姓名",
        "手机号码",
        "部门信息",
        "备注",
    ]


# ------------------------------------------------------------------ 申领信息维护


def test_issuing_info_is_confirmed_and_shown_as_in_the_manual(world: tuple) -> None:
    ws, unit, _, persons = world
    first, second = persons.row(0, named=True), persons.row(1, named=True)
    declaration_id = cards.maintain_issuing_info(
        ws,
        unit,
        bank=BANK,
        collectors=[
            cards.Collector(first["person_id"], "13105311234"),
            cards.Collector(second["person_id"], "13105311235"),
        ],
    )
    rows = ws.declaration_rows(declaration_id)
    assert rows["part"].to_list() == ["制卡银行信息", "领卡人信息", "领卡人信息"]
    assert rows["name"].to_list()[1:] == [first["name"], second["name"]]  # filled from the registry
    ws.submit(declaration_id)
    review(ws, declaration_id)
    result = cards.issuing_info_result(ws, declaration_id)
    assert (result.review_result, result.collector_result) == ("成功", "成功")
    text = result.to_text()
    assert "审核结果：成功" in text and "领卡人审核结果：成功" in text
    assert first["person_id"] not in text and first["person_id"][:6] + "********" in text
    info = queries.issuing_info(ws, unit).row(0, named=True)
    assert (info["bank"], info["branch_code"], info["confirmed_on"]) == ("中国银行", "10712", TODAY)
    assert queries.collectors(ws, unit)["name"].to_list() == [first["name"], second["name"]]


def test_a_confirmed_bank_cannot_be_changed(world: tuple) -> None:
    ws, unit, _, persons = world
    _confirm_bank(ws, unit, persons)
    changed = cards.CardBank("中国工商银行", "20001", "中国工商银行济南分行")
    with pytest.raises(UnusableInputError) as caught:
        cards.maintain_issuing_info(ws, unit, bank=changed)
    assert caught.value.text == "银行及网点信息已确定，不能修改。提示：如需修改请联系社保经办机构。"
    # a file declared around the service is refused by the review, with the same words
    frame = pl.DataFrame(
        {
            "信息类别": ["制卡银行信息"],
            "制卡银行": ["中国工商银行"],
            "网点编号": ["20001"],
            "网点名称": ["工行"],
        }
    )
    declaration_id = declare(ws, check_frame(frame, "card_issuing_info", today=TODAY), unit)
    ws.submit(declaration_id)
    review(ws, declaration_id)
    result = cards.issuing_info_result(ws, declaration_id)
    assert result.review_result == "不通过"
    assert (
        result.review_opinion
        == "银行及网点信息已确定，不能修改。提示：如需修改请联系社保经办机构。"
    )
    assert queries.issuing_info(ws, unit)["bank"].to_list() == ["中国银行"]


def test_collectors_can_be_changed_but_not_to_three(world: tuple) -> None:
    ws, unit, _, persons = world
    _confirm_bank(ws, unit, persons)
    people = [
        cards.Collector(p, "1310531123" + str(i)) for i, p in enumerate(persons["person_id"][1:4])
    ]
    with pytest.raises(UnusableInputError, match="领卡人最多维护 2 人"):
        cards.maintain_issuing_info(ws, unit, collectors=people)
    declaration_id = cards.maintain_issuing_info(ws, unit, collectors=people[:2])
    ws.submit(declaration_id)
    review(ws, declaration_id)
    result = cards.issuing_info_result(ws, declaration_id)
    assert result.collector_result == "成功"
    assert result.review_opinion == "银行及网点信息未变更"
    assert (
        queries.collectors(ws, unit)["person_id"].to_list() == persons["person_id"][1:3].to_list()
    )
    # a file with three collectors: the third row is refused by the check
    frame = pl.DataFrame(
        {
            "信息类别": ["领卡人信息"] * 3,
            "社会保障号码": persons["person_id"][1:4].to_list(),
            "联系电话": ["13105311230", "13105311231", "13105311232"],
        }
    )
    batch = check_frame(frame, "card_issuing_info", today=TODAY)
    assert batch.failures.select("row", "rule").rows() == [(3, "too_many_collectors")]


def test_a_collector_must_belong_to_the_unit(world: tuple) -> None:
    ws, unit, other_unit, _ = world
    outsider = queries.card_status(ws, other_unit).row(0, named=True)
    declaration_id = cards.maintain_issuing_info(
        ws, unit, bank=BANK, collectors=[cards.Collector(outsider["person_id"], "13105311234")]
    )
    ws.submit(declaration_id)
    review(ws, declaration_id)
    result = cards.issuing_info_result(ws, declaration_id)
    assert result.review_result == "成功"
    assert result.collector_result == "不通过"
    assert (
        result.collector_opinion
        == f"领卡人「{outsider['name']}」不是本单位的参保职工。提示：领卡人须为本单位人员。"
    )
    assert queries.collectors(ws, unit).is_empty()


def test_the_first_maintenance_needs_the_bank(world: tuple) -> None:
    ws, unit, _, persons = world
    with pytest.raises(UnusableInputError, match="第一次维护时请同时填写制卡银行信息"):
        cards.maintain_issuing_info(
            ws, unit, collectors=[cards.Collector(persons["person_id"][0], "13105311234")]
        )


# ------------------------------------------------------------------ 社保卡申领 (one person)


def test_single_application_with_the_police_photo(world: tuple, tmp_path: Path) -> None:
    ws, unit, _, persons = world
    _confirm_bank(ws, unit, persons)
    person = persons.row(5, named=True)
    found = cards.lookup_person(ws, unit, person["person_id"])
    assert (found.name, found.card_state, found.photo_file, found.insured_here) == (
        person["name"],
        "未申领",
        None,
        True,
    )
    assert person["person_id"] not in repr(found)
    (tmp_path / f"{person['person_id']}.jpg").write_bytes(synthetic_photo(seed=1))
    provider = cards.FolderPhotoProvider(tmp_path)
    assert isinstance(provider, cards.PhotoProvider)
    with pytest.raises(UnusableInputError, match="公安系统中没有"):
        cards.fetch_police_photo(ws, persons["person_id"][6], provider)
    photo = cards.fetch_police_photo(ws, person["person_id"], provider)
    assert photo["ok"].to_list() == [True]
    assert photo["file"].to_list() == [f"{person['person_id']}{person['name']}.jpg"]
    declaration_id = cards.apply(
        ws, unit, person["person_id"], phone="13912345678", department="财务部", note="首次申领"
    )
    assert cards.check_application(ws, declaration_id).is_empty()
    ws.submit(declaration_id)
    review(ws, declaration_id)
    result = cards.application_result(ws, declaration_id)
    assert result.row(0, named=True) == {
        "review_status": "成功",
        "review_opinion": "申领社保卡成功",
        "person_id": person["person_id"],
        "name": person["name"],
        "gender": {"1": "男", "2": "女"}[
            ws.sql(
                "SELECT gender FROM persons WHERE person_id = $p", {"p": person["person_id"]}
            ).item()
        ],
        "phone": "13912345678",
        "department": "财务部",
    }
    card = ws.sql("SELECT * FROM cards WHERE person_id = $p", {"p": person["person_id"]}).row(
        0, named=True
    )
    assert (card["state"], card["application_id"], card["note"]) == (
        "applying",
        declaration_id,
        "首次申领",
    )
    assert card["photo_sha256"] == photo["sha256"][0]
    assert cards.lookup_person(ws, unit, person["person_id"]).card_state == "申领中"
    # a second application for the same person is refused by the review
    again = cards.apply(ws, unit, person["person_id"], phone="13912345678")
    failures = cards.check_application(ws, again)
    assert failures["rule"].to_list() == ["application_pending"]
    assert (
        failures["message"][0]
        == f"该人员已有社保卡申领在办理中（申报 {declaration_id}），不能重复申领。"
    )


def test_what_the_review_rejects_for_one_person(world: tuple) -> None:
    ws, unit, other_unit, persons = world
    person = persons.row(3, named=True)
    declaration_id = cards.apply(ws, unit, person["person_id"], phone="13912345678")
    rules = cards.check_application(ws, declaration_id)["rule"].to_list()
    assert rules == ["issuing_info_missing", "photo_missing"]
    _confirm_bank(ws, unit, persons)
    bad = synthetic_photo(background=(205, 205, 205))
    upload = cards.upload_photo(
        ws, person["person_id"], bad, f"{person['person_id']}{person['name']}.jpg"
    )
    assert upload["ok"].to_list() == [False]
    failures = cards.check_application(ws, declaration_id)
    assert failures["rule"].to_list() == ["photo_rejected"]
    assert failures["message"][0].startswith(
        f"照片「{person['person_id']}{person['name']}.jpg」背景不是白色（边缘平均 RGB 205,205,205"
    )
    outsider = queries.card_status(ws, other_unit)["person_id"][0]
    elsewhere = cards.apply(ws, unit, outsider, phone="13912345678")
    assert "not_insured_here" in cards.check_application(ws, elsewhere)["rule"].to_list()
    with pytest.raises(UnusableInputError, match="手机号码"):
        cards.apply(ws, unit, person["person_id"], phone="12345")


def test_upload_needs_a_file_name_for_bytes(world: tuple) -> None:
    ws, _, _, persons = world
    with pytest.raises(UnusableInputError, match="文件名"):
        cards.upload_photo(ws, persons["person_id"][0], synthetic_photo())


# ------------------------------------------------------------------ 批量社保卡申领


def _filled_batch(
    ws: Workspace, unit: str, tmp_path: Path, size: int = 12
) -> tuple[pl.DataFrame, object]:
    exported = cards.export_unapplied(ws, unit, tmp_path / "未制卡申请人员.xlsx")
    chosen = exported.head(size).with_columns(
        pl.lit("13800000000").alias("phone"), pl.lit("生产部").alias("department")
    )
    write_template(get("card_application"), tmp_path / "filled.xlsx", chosen)
    return chosen, check(tmp_path / "filled.xlsx", "card_application", today=TODAY)


def test_batch_application_end_to_end(world: tuple, tmp_path: Path) -> None:
    ws, unit, _, persons = world
    _confirm_bank(ws, unit, persons)
    made = persons.slice(20, 3).select("person_id", pl.lit(unit).alias("unit_id"))
    assert cards.load_cards(ws, made) == 3
    exported = cards.export_unapplied(ws, unit, tmp_path / "未制卡申请人员.xlsx")
    assert not set(made["person_id"]) & set(exported["person_id"])
    sheet = openpyxl.load_workbook(tmp_path / "未制卡申请人员.xlsx").worksheets[0]
    assert [c.value for c in sheet[1]] == ["*身份证号码", "*姓名", "*手机号码", "部门信息", "备注"]
    assert sheet.max_row == exported.height + 1
    assert sheet.cell(2, 1).value == exported["person_id"][0]

    chosen, batch = _filled_batch(ws, unit, tmp_path)
    assert batch.rejected.is_empty() and batch.rows_read == 12
    people = chosen.select("person_id", "name").rows()
    files = {f"{pid}{name}.jpg": synthetic_photo(seed=i) for i, (pid, name) in enumerate(people)}
    blue = f"{people[0][0]}{people[0][1]}.jpg"
    files[blue] = synthetic_photo(background=(200, 210, 230))
    del files[f"{people[1][0]}{people[1][1]}.jpg"]  # no photo for the second person
    files[f"{people[2][0]}{people[2][1]}.jpg"] = files[
        f"{people[3][0]}{people[3][1]}.jpg"
    ]  # same photo twice
    files["说明.txt"] = b"not a photo"
    archive = tmp_path / "照片.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for name, data in files.items():
            handle.writestr(name, data)
    checked = cards.collect_photos(ws, unit, archive, persons=batch)
    assert checked.height == 12
    assert checked.filter(pl.col("file") == "说明.txt")["attached"].to_list() == [False]
    assert checked.filter(pl.col("attached")).height == 11
    cards.write_photo_check(checked, tmp_path / "照片检查.xlsx")
    photo_sheet = openpyxl.load_workbook(tmp_path / "照片检查.xlsx").worksheets[0]
    assert [c.value for c in photo_sheet[1]][:4] == ["文件", "身份证号码", "检查结果", "问题说明"]

    per_person = cards.check_batch(ws, unit, batch)
    assert per_person.height == 12
    by_id = {row["person_id"]: row for row in per_person.iter_rows(named=True)}
    assert by_id[people[0][0]]["result"] == "不通过"
    assert "背景不是白色" in by_id[people[0][0]]["messages"]
    assert by_id[people[1][0]]["result"] == "不通过"
    assert by_id[people[1][0]]["messages"].startswith("系统中没有该人员的照片")
    assert by_id[people[2][0]]["result"] == "提示"
    assert "是同一张" in by_id[people[2][0]]["messages"]
    assert {by_id[p]["result"] for p, _ in people[4:]} == {"通过"}
    cards.write_check(per_person, tmp_path / "检查结果.xlsx")
    check_sheet = openpyxl.load_workbook(tmp_path / "检查结果.xlsx").worksheets[0]
    assert [c.value for c in check_sheet[1]] == list(cards.CHECK_HEADERS.values())
    assert check_sheet.cell(2, 7).fill.fgColor.rgb.endswith("FFC7CE")

    # declare every row and let the review reject what the check found
    declaration_id = cards.declare_applications(ws, unit, batch, passing_only=False)
    ws.submit(declaration_id)
    review(ws, declaration_id)
    result = cards.application_result(ws, declaration_id)
    assert result.columns == list(cards.APPLICATION_RESULT_HEADERS)
    assert result["review_status"].to_list() == ["不通过", "不通过"] + ["成功"] * 10
    assert result["review_opinion"][2].startswith("申领社保卡成功；提示：该人员的照片与")
    cards.write_application_result(ws, declaration_id, tmp_path / "审批结果.xlsx")
    rows = list(
        openpyxl.load_workbook(tmp_path / "审批结果.xlsx").worksheets[0].iter_rows(values_only=True)
    )
    assert rows[0][0] == "批量社保卡申领审批结果"
    assert rows[1] == (
        "序号",
        "审核状态",
        "审核说明",
        "身份证号码",
        "姓名",
        "性别",
        "手机号码",
        "部门信息",
    )
    assert rows[4][1:3] == (
        "成功",
        "申领社保卡成功；" + result["review_opinion"][2].split("；", 1)[1],
    )
    assert rows[-1][0] == "共12人"
    counts = dict(queries.card_state_counts(ws, unit).rows())
    assert counts["申领中"] == 10 and counts["已制卡"] == 3
    # the applicants are no longer 未制卡申请人员
    assert not set(result.filter(pl.col("review_status") == "成功")["person_id"]) & set(
        cards.export_unapplied(ws, unit)["person_id"]
    )


def test_only_passing_persons_are_declared_by_default(world: tuple, tmp_path: Path) -> None:
    ws, unit, _, persons = world
    _confirm_bank(ws, unit, persons)
    chosen, batch = _filled_batch(ws, unit, tmp_path, size=4)
    photos = {
        f"{p}{n}.jpg": synthetic_photo(seed=i)
        for i, (p, n) in enumerate(chosen.select("person_id", "name").rows())
    }
    first = next(iter(photos))
    photos[first] = synthetic_photo(texture=0, quality=40)
    cards.collect_photos(ws, unit, photos, persons=batch)
    declaration_id = cards.declare_applications(ws, unit, batch)
    assert ws.declaration_rows(declaration_id).height == 3
    with pytest.raises(UnusableInputError, match="没有可以申报的人员"):
        cards.declare_applications(
            ws, unit, check_frame(chosen.head(1), "card_application", today=TODAY)
        )


def test_collecting_photos_is_one_transaction(world: tuple) -> None:
    ws, unit, _, persons = world
    before = _snapshot(ws)
    people = persons.head(3).select("person_id", "name").rows()
    photos = {f"{p}{n}.jpg": synthetic_photo(seed=i) for i, (p, n) in enumerate(people)}

    def fault(name: str) -> None:
        if name == "photos:stored":
            raise Boom

    ws._fault = fault
    with pytest.raises(Boom):
        cards.collect_photos(ws, unit, photos)
    ws._fault = None
    after = _snapshot(ws)
    for name, frame in before.items():
        assert after[name].equals(frame), name
    assert cards.collect_photos(ws, unit, photos)["attached"].all()
    assert ws.table("photos").height == 3


def test_a_review_failing_half_way_leaves_the_cards_unchanged(world: tuple, tmp_path: Path) -> None:
    ws, unit, _, persons = world
    _confirm_bank(ws, unit, persons)
    chosen, batch = _filled_batch(ws, unit, tmp_path, size=3)
    photos = {
        f"{p}{n}.jpg": synthetic_photo(seed=i)
        for i, (p, n) in enumerate(chosen.select("person_id", "name").rows())
    }
    cards.collect_photos(ws, unit, photos, persons=batch)
    declaration_id = cards.declare_applications(ws, unit, batch)
    ws.submit(declaration_id)
    before = _snapshot(ws)

    def fault(name: str) -> None:
        if name == "cards:states":
            raise Boom

    ws._fault = fault
    with pytest.raises(Boom):
        review(ws, declaration_id)
    ws._fault = None
    after = _snapshot(ws)
    for name, frame in before.items():
        assert after[name].equals(frame), name
    assert ws.declaration(declaration_id)["status"] == "submitted"
    review(ws, declaration_id)
    assert queries.card_history(ws, unit_id=unit)["to_state"].to_list() == ["申领中"] * 3


# ------------------------------------------------------------------ 撤销社保卡申领 and states


def test_revocation_and_the_card_states(world: tuple, tmp_path: Path) -> None:
    ws, unit, _, persons = world
    _confirm_bank(ws, unit, persons)
    chosen, batch = _filled_batch(ws, unit, tmp_path, size=3)
    photos = {
        f"{p}{n}.jpg": synthetic_photo(seed=i)
        for i, (p, n) in enumerate(chosen.select("person_id", "name").rows())
    }
    cards.collect_photos(ws, unit, photos, persons=batch)
    application_id = cards.declare_applications(ws, unit, batch)
    ws.submit(application_id)
    review(ws, application_id)
    pending = cards.pending_applications(ws, unit)
    assert pending["person_id"].to_list() == sorted(chosen["person_id"].to_list())
    first, second, third = pending["person_id"].to_list()
    assert cards.complete_production(ws, unit, [third]) == 1

    revocation_id = cards.revoke_applications(ws, unit, [first, third])
    assert review_failures(ws, revocation_id).select("row", "rule").rows() == [(2, "card_made")]
    ws.submit(revocation_id)
    review(ws, revocation_id)
    result = cards.revocation_result(ws, revocation_id)
    assert result.select("review_status", "review_opinion").rows() == [
        ("成功", "撤销社保卡申领成功"),
        ("不通过", "该人员的社保卡已制卡，不能撤销申领。"),
    ]
    states = dict(queries.card_status(ws, unit).select("person_id", "card_state").rows())
    assert (states[first], states[second], states[third]) == ("已撤销", "申领中", "已制卡")
    history = queries.card_history(ws, person_id=first)
    assert history.select("from_state", "to_state", "declaration_id").rows() == [
        ("未申领", "申领中", application_id),
        ("申领中", "已撤销", revocation_id),
    ]
    assert first in cards.export_unapplied(ws, unit)["person_id"].to_list()  # may apply again
    notes = ws.events(revocation_id).filter(pl.col("action") == "effect")["note"].to_list()
    assert notes == ['{"cards": "revoked", "label": "已撤销", "persons": 1}']
    with pytest.raises(UnusableInputError, match="请勾选"):
        cards.revoke_applications(ws, unit, [])
    counts = dict(queries.card_state_counts(ws, unit).rows())
    assert (counts["申领中"], counts["已制卡"], counts["已撤销"]) == (1, 1, 1)
    assert sum(counts.values()) == persons.height


def test_load_cards_needs_its_columns(world: tuple) -> None:
    ws, _, _, _ = world
    with pytest.raises(UnusableInputError, match="unit_id"):
        cards.load_cards(ws, pl.DataFrame({"person_id": ["x"]}))


def test_reprs_mask_personal_data() -> None:
    collector = cards.Collector("370102199001011231", "13812345678", "张三")
    assert repr(collector) == "Collector(370102********1231, 张三, 138****5678)"


# ------------------------------------------------------------------ the demo step


def test_the_demo_step(tmp_path: Path) -> None:
    from sbbatch.declarations import get
    from sbbatch.declarations._samples import cards as demo
    from sbbatch.demo import run_step

    step = get("card_issuing_info").demo
    assert step is not None and step.run is demo.run
    ws = Workspace(today=TODAY)
    generate().load_into(ws)
    lines = dict(run_step(step, ws, tmp_path))
    assert (
        lines["　改制卡银行"]
        == "银行及网点信息已确定，不能修改。提示：如需修改请联系社保经办机构。"
    )
    assert lines["照片检查"].startswith(
        f"{demo.BATCH_SIZE} 张，合格 {demo.BATCH_SIZE - 4} 张，不合格 4 张"
    )
    assert lines["批量社保卡申领"].endswith(
        f"申报 {demo.BATCH_SIZE - 4} 人，成功 {demo.BATCH_SIZE - 4} 人"
    )
    assert "成功 申领社保卡成功" in lines["社保卡申领（单人，公安照片）"]
    assert "成功 撤销社保卡申领成功" in lines["撤销社保卡申领"]
    for name in (
        "未制卡申请人员",
        "批量社保卡申领",
        "社保卡照片检查结果",
        "社保卡申领检查结果",
        "批量社保卡申领审批结果",
    ):
        workbook = openpyxl.load_workbook(tmp_path / f"{name}.xlsx")
        assert workbook.worksheets[0].max_row > 1, name
