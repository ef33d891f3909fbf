"""The widget forms without a kernel: set values, click, check the workspace and messages."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import ipywidgets as widgets
import polars as pl
import pytest
from pypdf import PdfReader

from sbbatch import ids, sample
from sbbatch._mask import mask_id
from sbbatch.declarations import get, registry
from sbbatch.declarations.departure import insured_persons
from sbbatch.store import Workspace
from sbbatch.widgets import DeclarationForm
from sbbatch.widgets import form as form_module
from sbbatch.widgets.photo import PhotoUpload

TODAY = dt.date(2026, 11, 26)


def _valid_id(first17: str) -> str:
    return first17 + pl.select(ids.check_char(pl.lit(first17))).item()


NEW_ID = _valid_id("37010219960315002")  # a woman born 1996-03-15 in 历下区


@pytest.fixture
def world() -> Iterator[tuple[Workspace, str]]:
    ws = Workspace(today=TODAY, user="测试")
    sample.generate(n_units=2, n_persons=40).load_into(ws)
    unit_id = str(ws.table("units")["unit_id"].sort()[0])
    yield ws, unit_id
    ws.close()


def enabled(form: DeclarationForm) -> list[str]:
    return [action for action, button in form.buttons.items() if not button.disabled]


def fill_enrolment(form: DeclarationForm, **overrides: str) -> None:
    values = {
        "person_id": NEW_ID,
        "name": "王晓梅",
        "phone": "13812345678",
        "employment_form": "城镇合同制职工",
        "add_reason": "在职人员新参保",
        "person_category": "城镇制",
        "work_start_date": "2018-07-01",
    }
    values.update(overrides)
    form.set_values(values)


# -- building ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(registry()))
def test_every_business_builds_a_form_labelled_by_its_headers(
    world: tuple[Workspace, str], kind: str
) -> None:
    ws, unit_id = world
    form = DeclarationForm(ws, kind, unit_id)
    declaration = form.declaration
    shown = {name for fields in form.slot_fields for name in fields}
    assert shown <= {c.field for c in declaration.columns}
    for fields in form.slot_fields:
        for name, widget in fields.items():
            column = declaration.column(name)
            assert widget.description == column.header
            if column.code_table:
                assert isinstance(widget, widgets.Dropdown)
                assert len(widget.options) > 1
    assert enabled(form) == ["next"]
    assert [b.description for b in form.buttons.values()][:6] == [
        "下一步",
        "提交",
        "修改",
        "作废",
        "设为已读",
        form.widget_layout.print_label,
    ]


def test_required_fields_are_marked_and_dropdowns_show_labels(world: tuple[Workspace, str]) -> None:
    ws, unit_id = world
    form = DeclarationForm(ws, "enrolment", unit_id)
    required = {n for n, w in form.fields.items() if "sb-required" in w._dom_classes}
    assert required == {
        "person_id",
        "name",
        "employment_form",
        "add_reason",
        "month",
        "person_category",
    }
    labels = [label for label, _ in form.fields["add_reason"].options]
    assert "在职人员新参保" in labels
    assert ".sb-required .widget-label::after" in form.children[0].value


def test_accepted_month_is_the_default_month(world: tuple[Workspace, str]) -> None:
    ws, unit_id = world
    assert DeclarationForm(ws, "enrolment", unit_id).fields["month"].value == "2026-12"
    assert DeclarationForm(ws, "wage_base", unit_id).fields["month"].value == "2026-11"


# -- the ID number ------------------------------------------------------------------------------


def test_typing_an_id_fills_gender_birth_date_and_hukou(world: tuple[Workspace, str]) -> None:
    ws, unit_id = world
    form = DeclarationForm(ws, "enrolment", unit_id)
    form.fields["person_id"].value = f" {NEW_ID.lower()} "
    assert form.fields["gender"].label == "女"
    assert form.fields["birth_date"].value == "1996-03-15"
    assert (form.fields["hukou_province"].value, form.fields["hukou_city"].value) == (
        "山东省",
        "济南市",
    )
    assert form.fields["hukou_county"].value == "历下区"
    assert form.message_texts["person_id"] == []


def test_a_wrong_id_says_why_masked(world: tuple[Workspace, str]) -> None:
    ws, unit_id = world
    form = DeclarationForm(ws, "enrolment", unit_id)
    wrong = NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1")
    form.fields["person_id"].value = wrong
    [message] = form.message_texts["person_id"]
    assert "校验位错误" in message
    assert mask_id(wrong) in message
    assert wrong not in form.messages["person_id"].value
    assert form.fields["gender"].value == ""


def test_a_known_person_is_filled_from_the_registry(world: tuple[Workspace, str]) -> None:
    ws, unit_id = world
    person = insured_persons(ws, unit_id, dt.date(2026, 11, 1)).row(0, named=True)
    form = DeclarationForm(ws, "departure", unit_id)
    form.fields["person_id"].value = person["person_id"]
    assert form.fields["name"].value == person["name"]


# -- validation ---------------------------------------------------------------------------------


def test_next_step_puts_every_problem_under_its_field(world: tuple[Workspace, str]) -> None:
    ws, unit_id = world
    form = DeclarationForm(ws, "enrolment", unit_id)
    form.set_values({"person_id": NEW_ID, "phone": "12345", "work_start_date": "1990-01-01"})
    form.buttons["next"].click()
    assert form.declaration_id is None
    assert form.status_text.startswith("不通过：")
    assert form.message_texts["name"] == ["姓名必填，不能为空。"]
    assert form.message_texts["employment_form"] == ["用工形式必填，不能为空。"]
    assert "不是 11 位手机号码" in form.message_texts["phone"][0]
    assert "早于出生日期" in form.message_texts["work_start_date"][0]
    assert form.message_texts["month"] == []
    assert 'class="sb-reject"' in form.messages["name"].value
    assert enabled(form) == ["next"]
    assert ws.declarations().height == 0


# -- the whole case -----------------------------------------------------------------------------


def test_enrolment_goes_through_declare_submit_review_and_read(
    world: tuple[Workspace, str],
) -> None:
    ws, unit_id = world
    form = DeclarationForm(ws, "enrolment", unit_id)
    fill_enrolment(form)
    form.buttons["next"].click()
    assert form.declaration_id is not None
    assert form.state == "draft"
    assert form.status_text.startswith("已录入")
    assert enabled(form) == ["submit", "modify", "void"]
    assert all(w.disabled for w in form.fields.values())

    form.buttons["submit"].click()
    assert form.state == "reviewed"
    assert form.status_text == "审核成功"
    assert enabled(form) == ["mark_read", "print"]
    panel = form.result_panel.value
    assert "审核成功" in panel and mask_id(NEW_ID) in panel and "138****5678" in panel
    assert NEW_ID not in panel and "13812345678" not in panel

    form.buttons["mark_read"].click()
    assert form.state == "read"
    assert "已设为已读" in form.status_text
    assert enabled(form) == ["print", "finish"]

    rows = ws.declaration_rows(form.declaration_id)
    assert rows.select("person_id", "name", "gender", "birth_date", "employment_form").row(0) == (
        NEW_ID,
        "王晓梅",
        "2",
        dt.date(1996, 3, 15),
        "2",
    )
    actions = ws.events(form.declaration_id)["action"].to_list()
    assert [a for a in actions if a != "effect"] == ["create", "submit", "review", "mark_read"]
    periods = ws.sql(
        "SELECT DISTINCT unit_id, from_month FROM insured_periods WHERE person_id = ?", [NEW_ID]
    )
    assert periods.rows() == [(unit_id, dt.date(2026, 12, 1))]

    form.buttons["finish"].click()
    assert form.declaration_id is None and form.fields["person_id"].value == ""
    assert form.fields["month"].value == "2026-12"
    assert enabled(form) == ["next"]


def test_modify_replaces_the_draft(world: tuple[Workspace, str]) -> None:
    ws, unit_id = world
    form = DeclarationForm(ws, "enrolment", unit_id)
    fill_enrolment(form)
    form.buttons["next"].click()
    form.buttons["modify"].click()
    assert enabled(form) == ["next", "void"]
    assert not form.fields["name"].disabled
    form.fields["name"].value = "王晓玫"
    form.buttons["next"].click()
    assert ws.declaration_rows(form.declaration_id)["name"].to_list() == ["王晓玫"]
    assert ws.events(form.declaration_id)["action"].to_list() == ["create", "modify"]
    assert ws.declarations().height == 1


def test_void_a_draft(world: tuple[Workspace, str]) -> None:
    ws, unit_id = world
    form = DeclarationForm(ws, "enrolment", unit_id)
    fill_enrolment(form)
    form.buttons["next"].click()
    form.buttons["void"].click()
    assert form.state == "voided"
    assert "已作废" in form.status_text
    assert enabled(form) == ["finish"]


def test_a_rejected_review_shows_why_and_redrafts_on_read(world: tuple[Workspace, str]) -> None:
    ws, unit_id = world
    form = DeclarationForm(ws, "enrolment", unit_id)
    fill_enrolment(form, month="2026-10")
    form.buttons["next"].click()
    form.buttons["submit"].click()
    assert form.state == "reviewed"
    assert form.status_text.startswith("不通过：增员年月 2026-10 早于本期受理的增员年月 2026-12")
    assert any("早于本期受理" in m for m in form.message_texts["month"])
    assert sorted(enabled(form)) == ["mark_read", "void"]
    assert 'class="sb-reject"' in form.result_panel.value

    first = form.declaration_id
    form.buttons["mark_read"].click()
    assert form.declaration_id != first
    assert form.state == "draft"
    assert "转为新的申报" in form.status_text
    assert enabled(form) == ["next", "void"]

    form.fields["month"].value = "2026-12"
    form.buttons["next"].click()
    form.buttons["submit"].click()
    assert form.status_text == "审核成功"
    assert ws.declaration(form.declaration_id)["parent_id"] == first


def test_user_input_is_escaped(world: tuple[Workspace, str]) -> None:
    ws, unit_id = world
    form = DeclarationForm(ws, "enrolment", unit_id)
    fill_enrolment(form, name="<script>x</script>", month="<b>")
    form.buttons["next"].click()
    html_text = form.messages["month"].value + form.status.value
    assert "<b>" not in html_text and "&lt;b&gt;" in html_text


# -- other businesses -------------------------------------------------------------------------


def test_departure_of_one_person(world: tuple[Workspace, str]) -> None:
    ws, unit_id = world
    person = insured_persons(ws, unit_id, dt.date(2026, 11, 1)).row(0, named=True)
    form = DeclarationForm(ws, "departure", unit_id)
    form.fields["person_id"].value = person["person_id"]
    form.fields["leave_reason"].label = "在职人员解除劳动合同"
    form.buttons["next"].click()
    form.buttons["submit"].click()
    assert form.status_text.startswith("审核成功"), form.status_text
    open_periods = ws.sql(
        "SELECT count(*) AS n FROM insured_periods WHERE person_id = ? AND unit_id = ? AND until_month IS NULL",
        [person["person_id"], unit_id],
    )
    assert open_periods["n"][0] == 0


def test_wage_base_of_one_person(world: tuple[Workspace, str]) -> None:
    ws, unit_id = world
    person = insured_persons(ws, unit_id, dt.date(2026, 11, 1)).row(0, named=True)
    form = DeclarationForm(ws, "wage_base", unit_id)
    form.fields["person_id"].value = person["person_id"]
    form.fields["wage_fen"].value = "abc"
    form.buttons["next"].click()
    assert "不是有效的金额" in form.message_texts["wage_fen"][0]
    form.fields["wage_fen"].value = "6,500.50"
    form.buttons["next"].click()
    assert form.state == "draft", form.status_text
    header = ws.declaration(form.declaration_id)
    assert header["business_month"] == dt.date(2026, 11, 1)
    assert ws.declaration_rows(form.declaration_id)["wage_fen"].to_list() == [650050]
    form.buttons["submit"].click()
    assert form.state == "reviewed"
    assert form.status_text.startswith(("审核成功", "不通过"))


def test_backpay_of_one_person(world: tuple[Workspace, str]) -> None:
    ws, unit_id = world
    person = insured_persons(ws, unit_id, dt.date(2026, 11, 1)).row(0, named=True)
    form = DeclarationForm(ws, "backpay", unit_id)
    assert form.buttons["print"].layout.display == "none"  # no 补缴申请表 yet
    form.fields["person_id"].value = person["person_id"]
    assert form.fields["name"].value == person["name"]
    form.set_values({"from_month": "2026-05", "to_month": "2026-06", "wage_fen": "6000"})
    form.buttons["next"].click()
    assert ws.declaration_rows(form.declaration_id)["wage_fen"].to_list() == [600000]
    form.buttons["submit"].click()
    assert form.state == "reviewed"
    assert form.status_text.startswith(("审核成功", "不通过"))


def _issuing_info(ws: Workspace, unit_id: str) -> DeclarationForm:
    collector = insured_persons(ws, unit_id, dt.date(2026, 11, 1)).row(0, named=True)
    form = DeclarationForm(ws, "card_issuing_info", unit_id)
    assert [s.title for s in form.slots] == ["制卡银行信息", "领卡人信息（1）", "领卡人信息（2）"]
    form.set_values(
        {
            "bank": "中国银行",
            "branch_code": "10712",
            "branch_name": "中国银行股份有限公司济南分行",
            "address": "济南市历下区泺源大街22号",
            "phone": "0531-86995566",
            "contact": "李慧",
        },
        slot=0,
    )
    form.set_values({"person_id": collector["person_id"], "phone": "13105311234"}, slot=1)
    assert form.slot_fields[1]["name"].value == collector["name"]
    return form


def test_card_issuing_info_declares_a_bank_row_and_collector_rows(
    world: tuple[Workspace, str],
) -> None:
    ws, unit_id = world
    form = _issuing_info(ws, unit_id)
    form.buttons["next"].click()
    rows = ws.declaration_rows(form.declaration_id)
    assert rows["part"].to_list() == ["制卡银行信息", "领卡人信息"]
    form.buttons["submit"].click()
    assert form.status_text == "审核成功", form.status_text
    assert "中国银行" in form.result_panel.value


def test_card_issuing_info_messages_go_to_the_right_row(world: tuple[Workspace, str]) -> None:
    ws, unit_id = world
    form = _issuing_info(ws, unit_id)
    form.set_values({"person_id": "", "name": "", "phone": "12"}, slot=1)
    form.set_values({"phone": "1"}, slot=2)
    form.buttons["next"].click()
    assert form.declaration_id is None
    assert form.slot_message_texts[0]["phone"] == []
    assert form.slot_message_texts[2]["phone"]  # the second collector's phone


def _photo(form: DeclarationForm) -> PhotoUpload:
    part = form.extra_parts["photo"]
    assert isinstance(part, PhotoUpload)
    return part


def _upload(form: DeclarationForm, name: str, data: bytes) -> None:
    _photo(form).upload.value = (
        {
            "name": name,
            "type": "image/jpeg",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": dt.datetime(2026, 11, 26, tzinfo=dt.UTC),
        },
    )


def test_card_application_with_a_photo(world: tuple[Workspace, str]) -> None:
    from sbbatch.photos import synthetic_photo

    ws, unit_id = world
    issuing = _issuing_info(ws, unit_id)
    issuing.buttons["next"].click()
    issuing.buttons["submit"].click()
    person = insured_persons(ws, unit_id, dt.date(2026, 11, 1)).row(1, named=True)

    form = DeclarationForm(ws, "card_application", unit_id)
    assert isinstance(_photo(form).upload, widgets.FileUpload)
    form.fields["person_id"].value = person["person_id"]
    assert form.fields["name"].value == person["name"]
    form.fields["phone"].value = "13912345678"

    _upload(
        form,
        f"{person['person_id']}{person['name']}.jpg",
        synthetic_photo(background=(90, 140, 220)),
    )
    assert "背景" in _photo(form).messages.value
    form.buttons["next"].click()
    assert form.declaration_id is None
    assert any("背景" in item for item in form.status_text.split()) or "背景" in form.status.value

    _upload(form, f"{person['person_id']}{person['name']}.jpg", synthetic_photo())
    assert "照片检查通过" in _photo(form).messages.value
    form.buttons["next"].click()
    assert form.declaration_id is not None, form.status.value
    form.buttons["submit"].click()
    assert form.status_text.startswith("审核成功"), form.status.value


def test_card_application_without_a_photo_is_refused(world: tuple[Workspace, str]) -> None:
    ws, unit_id = world
    person = insured_persons(ws, unit_id, dt.date(2026, 11, 1)).row(1, named=True)
    form = DeclarationForm(ws, "card_application", unit_id)
    form.fields["person_id"].value = person["person_id"]
    form.fields["phone"].value = "13912345678"
    form.buttons["next"].click()
    assert form.declaration_id is None
    assert "上传照片" in form.status.value


# -- printing -----------------------------------------------------------------------------------


def test_print_is_hidden_where_the_business_has_no_form(world: tuple[Workspace, str]) -> None:
    ws, unit_id = world
    form = DeclarationForm(ws, "wage_base", unit_id)
    assert form.buttons["print"].layout.display == "none"


def test_print_writes_the_enrolment_form(world: tuple[Workspace, str], tmp_path: Path) -> None:
    ws, unit_id = world
    form = DeclarationForm(ws, "enrolment", unit_id, output_dir=tmp_path)
    assert form.buttons["print"].description == "打印增员表"
    assert form.buttons["print"].layout.display != "none"
    fill_enrolment(form)
    form.buttons["next"].click()
    assert form.buttons["print"].disabled
    form.buttons["submit"].click()
    assert not form.buttons["print"].disabled
    form.buttons["print"].click()
    assert form.status_text.startswith("已生成增员表："), form.status_text
    [pdf] = tmp_path.glob("*.pdf")
    assert pdf.name == f"增员表_{form.declaration_id}.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")


def test_the_print_button_prints_the_declarations_own_form(
    world: tuple[Workspace, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, unit_id = world
    enrolment = get("enrolment")
    assert enrolment.form is not None
    own = dataclasses.replace(enrolment, form=dataclasses.replace(enrolment.form, title="测试表"))
    monkeypatch.setattr(form_module, "get", lambda kind: own)
    form = DeclarationForm(ws, "enrolment", unit_id, output_dir=tmp_path)
    fill_enrolment(form)
    form.buttons["next"].click()
    form.buttons["submit"].click()
    form.buttons["print"].click()
    path = tmp_path / f"测试表_{form.declaration_id}.pdf"
    assert path.exists()
    assert "测试表" in PdfReader(path).pages[0].extract_text()


@pytest.mark.parametrize("kind", sorted(registry()))
def test_the_print_button_shows_only_for_a_business_with_a_form(
    world: tuple[Workspace, str], kind: str
) -> None:
    ws, unit_id = world
    form = DeclarationForm(ws, kind, unit_id)
    shown = form.buttons["print"].layout.display != "none"
    assert shown == (form.declaration.form is not None)
