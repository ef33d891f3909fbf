"""Adding a business is adding one module: a toy business, outside sbbatch, end to end.

The module below is written into a temporary package, imported from there and
registered (:func:`sbbatch.declarations.register`) with its row of the state machine
(:func:`sbbatch.store.workflow.add_kind`). No file of sbbatch changes, yet the
business goes through check → declare → submit → review → result xlsx → printed
form (PDF) → widget (its sections and its print button) and takes part in the monthly
demo. Its result table, form and widget layout are data of its ``Declaration``.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import ipywidgets as widgets
import openpyxl
import polars as pl
import pytest
from pypdf import PdfReader

from sbbatch import declarations
from sbbatch.batch import check
from sbbatch.demo import run_step, steps
from sbbatch.forms.printer import print_form
from sbbatch.io.results import write_review_result
from sbbatch.io.xlsx import write_template
from sbbatch.review import declare, review
from sbbatch.store import Workspace, workflow

KIND = "toy_allowance"

TOY_MODULE = textwrap.dedent(
    '''
    """A toy business: a monthly allowance (示例补贴申报) for persons of the registry."""

    from __future__ import annotations

    import polars as pl

    from sbbatch.declarations._common import registry_form
    from sbbatch.declarations._registry_review import PERSON_FACTS, with_person_facts
    from sbbatch.spec import (
        Column,
        Declaration,
        DemoStep,
        FormColumn,
        ResultTable,
        Review,
        Rule,
        Section,
        WidgetLayout,
    )

    COLUMNS = (
        Column("person_id", "身份证号码", "id", required=True, example="370102199001011231"),
        Column("name", "姓名", "name", required=True, example="张三"),
        Column("month", "补贴年月", "month", required=True, example="2026-11"),
        Column("amount_fen", "补贴金额", "money", required=True, example="300.00"),
    )

    RULES = (
        Rule("amount_positive", "reject", "amount_fen", "补贴金额应大于 0。",
             pl.col("amount_fen") > 0),
    )


    def _context(ws, rows, header):
        known = ws.sql("SELECT person_id, name AS registered_name FROM persons")
        return rows.join(known, on="person_id", how="left")


    REVIEW_RULES = (
        Rule("registered", "reject", "person_id", "该人员不在本单位登记信息中。",
             pl.col("registered_name").is_not_null()),
    )


    def _effects(ws, approved, header):
        ws.log_effect(header["declaration_id"], f"示例补贴审核通过 {approved.height} 人。")


    def _demo(kit, ws, out_dir):
        persons = ws.sql("SELECT person_id, name FROM persons ORDER BY person_id LIMIT 2")
        rows = persons.with_columns(
            pl.lit("2026-11").alias("month"), pl.lit("300.00").alias("amount_fen")
        )
        declaration = kit.get("toy_allowance")
        path = kit.write_template(declaration, out_dir / "示例补贴_报盘.xlsx", rows)
        batch = kit.check(path, declaration.kind, today=ws.today)
        unit = ws.sql("SELECT unit_id FROM units ORDER BY unit_id LIMIT 1")["unit_id"][0]
        declaration_id = kit.declare(ws, batch, unit)
        ws.submit(declaration_id)
        outcome = kit.review(ws, declaration_id)
        kit.write_review_result(ws, declaration_id, out_dir / "示例补贴_审核结果.xlsx")
        approved = int((outcome["review_result"] == "审核成功").sum())
        if approved:
            kit.print_form(ws, declaration_id, out_dir / f"示例补贴表_{declaration_id}.pdf")
        return [("示例补贴申报", f"{declaration_id}：审核成功 {approved} 人")]


    DEMO = DemoStep(order=95, title="示例补贴申报", run=_demo)

    #: The result shows 性别 and 出生日期 from the registry, like a 增员's.
    RESULT = ResultTable(extra=PERSON_FACTS, facts=with_person_facts)

    #: The printed 示例补贴表 of the approved persons.
    FORM = registry_form(
        "示例补贴表",
        FormColumn("month", "补贴年月", 11, "C"),
        FormColumn("amount_fen", "补贴金额", 14, "R"),
    )

    #: The single-case form: who, then the allowance.
    WIDGET = WidgetLayout(
        sections=(
            Section("补贴人员", ("person_id", "name")),
            Section("补贴信息", ("month", "amount_fen")),
        ),
        print_label="打印补贴表",
    )

    DECLARATION = Declaration(
        kind="toy_allowance",
        title="示例补贴申报",
        columns=COLUMNS,
        rules=RULES,
        key_fields=("person_id", "month"),
        review=Review(REVIEW_RULES, _context, _effects),
        result=RESULT,
        form=FORM,
        widget=WIDGET,
        demo=DEMO,
    )
    '''
)

UNIT = "U900001"
KNOWN = "370102199001011231"
STRANGER = "370102199202021233"


@pytest.fixture
def toy(tmp_path: Path) -> Iterator[ModuleType]:
    """The toy module, imported from a temporary package and registered."""
    package = tmp_path / "toy_businesses"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "allowance.py").write_text(TOY_MODULE, encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        module = importlib.import_module("toy_businesses.allowance")
        workflow.add_kind(KIND, "示例补贴申报", "ZZ")
        declarations.register(module.DECLARATION)
        yield module
    finally:
        declarations._REGISTERED.pop(KIND, None)
        workflow._ADDED_KINDS.pop(KIND, None)
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n.startswith("toy_businesses")]:
            del sys.modules[name]


@pytest.fixture
def ws() -> Workspace:
    workspace = Workspace(today=dt.date(2026, 11, 26))
    workspace.load(
        units=pl.DataFrame(
            {"unit_id": [UNIT], "name": ["示例单位"], "risk_class": [1], "payment_method": ["2"]}
        ),
        persons=pl.DataFrame(
            {
                "person_id": [KNOWN],
                "name": ["张三"],
                "gender": ["1"],
                "birth_date": [dt.date(1990, 1, 1)],
            }
        ),
    )
    return workspace


def test_registration_needs_the_workflow_row(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_loader("toy_unregistered", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    exec(compile(TOY_MODULE, "toy_unregistered.py", "exec"), module.__dict__)
    with pytest.raises(Exception, match="add_kind"):
        declarations.register(module.DECLARATION)
    assert KIND not in declarations.registry()
    with pytest.raises(Exception, match="不能重复登记"):
        declarations.register(declarations.get("enrolment"))


def test_the_toy_business_goes_through_every_engine(
    toy: ModuleType, ws: Workspace, tmp_path: Path
) -> None:
    declaration = declarations.get(KIND)
    assert declaration is toy.DECLARATION
    assert declarations.get("示例补贴申报") is declaration
    assert list(declarations.registry())[-1] == KIND

    # check: a batch file written from the template and read back
    rows = pl.DataFrame(
        {
            "person_id": [KNOWN, STRANGER, KNOWN],
            "name": ["张三", "李四", "张三"],
            "month": ["2026-11", "2026-11", "2026-10"],
            "amount_fen": ["300.00", "300.00", "0"],
        }
    )
    batch_file = write_template(declaration, tmp_path / "示例补贴_报盘.xlsx", rows)
    batch = check(batch_file, KIND, today=ws.today)
    assert batch.kind == KIND
    assert batch.accepted.height == 2
    assert batch.failures.filter(pl.col("rule") == "amount_positive")["row"].to_list() != []

    # declare → submit → review
    declaration_id = declare(ws, batch, UNIT, accepted_only=True)
    assert declaration_id.startswith("ZZ")
    ws.submit(declaration_id)
    outcome = review(ws, declaration_id)
    by_person = dict(zip(outcome["person_id"], outcome["review_result"], strict=True))
    assert by_person == {KNOWN: "审核成功", STRANGER: "不通过"}
    assert ws.declaration(declaration_id)["status"] == "reviewed"
    assert "示例补贴审核通过 1 人" in " ".join(ws.events()["note"].drop_nulls().to_list())

    # result xlsx: Chinese headers, yuan, YYYY-MM
    path = write_review_result(ws, declaration_id, tmp_path / "示例补贴_审核结果.xlsx")
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    header_row = next(row for row in values if "审核结果" in row)
    assert {"审核结果", "身份证号码", "姓名", "补贴年月", "补贴金额"} <= set(header_row)
    body = values[values.index(header_row) + 1 :]
    cells = {str(cell) for row in body for cell in row if cell is not None}
    assert "2026-11" in cells
    assert "300.00" in cells or 300 in {cell for row in body for cell in row}

    assert {"性别", "出生日期"} <= set(header_row)  # the toy's ResultTable facts
    assert {"男", "1990-01-01"} <= cells

    # printed form: the one printer draws the toy's ``Declaration.form``
    pdf = print_form(ws, declaration_id, tmp_path / "示例补贴表.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    for shown in (
        "示例补贴表",
        "示例单位",
        UNIT,
        declaration_id,
        "补贴年月",
        "补贴金额",
        KNOWN,
        "张三",
        "男",
        "1990-01-01",
        "2026-11",
        "300.00",
        "共1人",
    ):
        assert shown in text, shown
    assert STRANGER not in text  # only the approved persons are printed
    assert "李四" not in text

    # widget: the single-case form (单笔申报) built from the columns and the layout
    from sbbatch.widgets import DeclarationForm

    form = DeclarationForm(ws, KIND, UNIT, auto_review=True, output_dir=tmp_path / "widget")
    assert set(form.fields) == {"person_id", "name", "month", "amount_fen"}
    # the toy's ``Declaration.widget``: its sections in order, its print button
    headings = [
        child.value
        for child in form.children
        if isinstance(child, widgets.HTML) and 'class="sb-section"' in child.value
    ]
    assert headings == [f'<div class="sb-section">{t}</div>' for t in ("补贴人员", "补贴信息")]
    printing = form.buttons["print"]
    assert printing.description == "打印补贴表"
    assert printing.layout.display != "none"
    assert printing.disabled
    form.set_values(
        {"person_id": KNOWN, "name": "张三", "month": "2026-12", "amount_fen": "250.00"}
    )
    form.buttons["next"].click()
    assert form.declaration_id is not None and form.declaration_id.startswith("ZZ")
    form.buttons["submit"].click()
    assert ws.declaration(form.declaration_id)["status"] == "reviewed"
    assert "审核成功" in form.result_panel.value
    assert not printing.disabled
    printing.click()
    assert form.status_text.startswith("已生成补贴表："), form.status_text
    [printed] = (tmp_path / "widget").glob("*.pdf")
    assert printed.name == f"示例补贴表_{form.declaration_id}.pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(printed).pages)
    assert all(shown in text for shown in ("示例补贴表", KNOWN, "张三", "2026-12", "250.00"))


def test_the_toy_business_takes_part_in_the_demo(
    toy: ModuleType, ws: Workspace, tmp_path: Path
) -> None:
    month = steps()
    assert month[-1] is toy.DEMO
    assert [step.order for step in month] == sorted(step.order for step in month)
    lines = run_step(toy.DEMO, ws, tmp_path)
    assert lines[0][0] == "示例补贴申报"
    assert lines[0][1].endswith("审核成功 1 人")
    assert (tmp_path / "示例补贴_审核结果.xlsx").exists()
    [printed] = tmp_path.glob("示例补贴表_*.pdf")
    assert KNOWN in PdfReader(printed).pages[0].extract_text()
