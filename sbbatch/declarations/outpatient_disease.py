"""Outpatient special diseases (门诊规定病种申请), manual §3.4.

The manual's form holds the person (社会保障号码, 姓名, 性别, 职工本人手机号码,
人员类别, 异地标志, 申请类别, 原门规证号, 门规申请类别) and the 病种信息 lines
(病种类别*, 病种名称, 医院名称*, 医院编码*, 医院类型). A batch holds one row per disease
line, the person's fields repeated on each; the rows of a person are one application.

Rules (填表说明): one application is one 门规申请类别 — 门规大病 (恶性肿瘤、尿毒症透析、
器官移植、精神病) and 普通病种 are declared separately (4), so every disease must belong
to the declared category and a person's rows must agree on it; an 异地 hospital is coded
``99999`` + its level digit (3) and, with several 异地 hospitals, the codes must differ
within the person's application; 原门规证号 is required unless 首次申请. The review adds:
the person is insured in (or retired from) the unit; a disease already approved for the
person is refused; a given 原门规证号 must be the person's. Approval issues the 门规证
(kept when the person has one) and records each disease (``outpatient_certificates``,
``outpatient_diseases`` of migration 006).
"""

from __future__ import annotations

from functools import cache, partial
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch import codes
from sbbatch.declarations._common import id_column, name_column
from sbbatch.declarations._medical import (
    hospital_code_format,
    insured_or_retired_here,
    is_remote_code,
    person_known,
    person_status,
    with_medical_person,
)
from sbbatch.declarations._registry_review import (
    code_labels,
    code_rules,
    name_matches_registry,
    no_open_declaration,
    with_all_columns,
    with_code_labels,
)
from sbbatch.declarations._samples import outpatient as _samples
from sbbatch.spec import (
    Column,
    Declaration,
    DemoStep,
    FieldGrid,
    FormColumn,
    FormField,
    FormTable,
    FormText,
    PrintedForm,
    ResultTable,
    Review,
    Rule,
    Signatures,
    WidgetLayout,
)
from sbbatch.store import effects, records

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = [
    "COLUMNS",
    "DECLARATION",
    "FIRST_APPLICATION",
    "FORM",
    "REVIEW_RULES",
    "ROSTER",
    "RULES",
]

#: 申请类别 首次申请 (codes/outpatient_application).
FIRST_APPLICATION = "1"

#: This business, for the open-declaration rule.
_KINDS = ("outpatient_disease",)

COLUMNS = (
    id_column("社会保障号码"),
    name_column(required=False),
    Column("gender", "性别", "gender", example="男", derived_from_id=True),
    Column("phone", "职工本人手机号码", "phone", required=True, example="13222222222"),
    Column("person_category", "人员类别", example="城合制", help="可不填，按参保登记带出"),
    Column("remote_flag", "异地标志", "code", code_table="medical_type", example="异地安置"),
    Column(
        "application_type",
        "申请类别",
        "code",
        code_table="outpatient_application",
        example="首次申请",
        help="不填按“首次申请”",
    ),
    Column("certificate_no", "原门规证号", example="", help="申请类别不是首次申请时必填"),
    Column(
        "outpatient_category",
        "门规申请类别",
        "code",
        required=True,
        code_table="outpatient_category",
        example="门规大病",
        help="门规大病（恶性肿瘤、尿毒症透析、器官移植、精神病）、普通病种请分两次申报",
    ),
    Column(
        "disease",
        "病种类别",
        "code",
        required=True,
        code_table="outpatient_disease",
        example="1",
        help="病种代码或名称，如 1 或 恶性肿瘤的治疗",
    ),
    Column("disease_name", "病种名称", example="恶性肿瘤的治疗", help="可不填，按病种类别带出"),
    Column("hospital_name", "医院名称", required=True, example="异地三级医院", max_length=100),
    Column(
        "hospital_code",
        "医院编码",
        required=True,
        example="999993",
        help="六位数字；异地医院前五位为 99999，最后一位为医院等级，如异地一级医院填 999991",
    ),
    Column("hospital_type", "医院类型", example="普通"),
)


@cache
def _disease_categories() -> dict[str, str]:
    table = codes.table("outpatient_disease")
    return dict(zip(table["code"].to_list(), table["outpatient_category"].to_list(), strict=True))


@cache
def _remote_codes() -> list[str]:
    return codes.table("hospital_level")["remote_hospital_code"].to_list()


def _with_derived(rows: pl.DataFrame) -> pl.DataFrame:
    """Add the disease's own category and name, and per-person agreement columns."""
    remote = is_remote_code(pl.col("hospital_code")).fill_null(False)
    return rows.with_columns(
        pl.col("disease")
        .replace_strict(_disease_categories(), default=None, return_dtype=pl.String)
        .alias("disease_category"),
        pl.col("disease")
        .replace_strict(code_labels("outpatient_disease"), default=None, return_dtype=pl.String)
        .alias("disease_label"),
        pl.col("outpatient_category").n_unique().over("person_id").alias("categories_of_person"),
        pl.when(remote)
        .then(pl.col("row_no").min().over("person_id", "hospital_code"))
        .alias("first_remote_row"),
        pl.col("row_no").min().over("person_id", "disease").alias("first_disease_row"),
    )


RULES: tuple[Rule, ...] = (
    hospital_code_format(),
    Rule(
        "remote_code_level",
        "reject",
        "hospital_code",
        "异地医院编码「{value}」有误。提示：医院编码前五位为 99999，最后一位为医院等级的数字，"
        "如异地一级医院填 999991。",
        pl.col("hospital_code").is_in(_remote_codes()),
        when=is_remote_code(pl.col("hospital_code")),
    ),
    Rule(
        "certificate_required",
        "reject",
        "certificate_no",
        "申请类别不是首次申请时，原门规证号必填。",
        pl.col("certificate_no").is_not_null(),
        when=pl.col("application_type").fill_null(FIRST_APPLICATION) != FIRST_APPLICATION,
    ),
)

_ROW_RULES: tuple[Rule, ...] = (
    Rule(
        "disease_in_category",
        "reject",
        "disease",
        "病种「{disease_label}」不属于门规申请类别「{outpatient_category_label}」。"
        "提示：门规大病（恶性肿瘤、尿毒症透析、器官移植、精神病）、普通病种请分两次申报。",
        pl.col("disease_category") == pl.col("outpatient_category"),
    ),
    Rule(
        "one_category_per_application",
        "reject",
        "outpatient_category",
        "同一人员的门规申请类别应一致。提示：门规大病、普通病种请分两次申报。",
        pl.col("categories_of_person") == 1,
    ),
    Rule(
        "remote_code_unique",
        "reject",
        "hospital_code",
        "异地医院编码「{value}」与第 {first_remote_row} 行重复。提示：有多家异地医院时，医院编码请不要填写重复。",
        pl.col("row_no") == pl.col("first_remote_row"),
    ),
    Rule(
        "disease_once",
        "reject",
        "disease",
        "病种「{disease_label}」在本申请中重复，与第 {first_disease_row} 行相同。",
        pl.col("row_no") == pl.col("first_disease_row"),
    ),
)


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    """Join the rows with the person, their 门规证 and the diseases already approved."""
    rows = _with_derived(with_all_columns(rows, COLUMNS))
    context = with_medical_person(ws, rows, header, _KINDS)
    ids = rows["person_id"].drop_nulls().unique().to_list()
    certificates = records.outpatient_certificates_of(ws, ids).rename(
        {"certificate_no": "held_certificate_no"}
    )
    approved = records.outpatient_diseases_of(ws, ids)
    context = (
        context.join(certificates, on="person_id", how="left", maintain_order="left")
        .join(approved, on=["person_id", "disease"], how="left", maintain_order="left")
        .with_columns(pl.col("today_text").alias("on_text"))
    )
    return with_code_labels(context, COLUMNS, "today")


REVIEW_RULES: tuple[Rule, ...] = (
    person_known(),
    insured_or_retired_here("门诊规定病种申请"),
    name_matches_registry(),
    Rule(
        "disease_not_approved",
        "reject",
        "disease",
        "该人员的门规病种「{disease_label}」已于 {disease_approved_text} 审核通过，不能重复申请。",
        pl.col("disease_approved_text").is_null(),
    ),
    Rule(
        "certificate_matches",
        "reject",
        "certificate_no",
        "原门规证号「{value}」与该人员的门规证号不符。",
        pl.col("certificate_no") == pl.col("held_certificate_no").fill_null(""),
        when=pl.col("certificate_no").is_not_null(),
    ),
    Rule(
        "first_application_has_certificate",
        "warn",
        "application_type",
        "该人员已有门规证（{held_certificate_no}），申请类别不应为首次申请，请核对。",
        pl.col("held_certificate_no").is_null(),
        when=pl.col("application_type").fill_null(FIRST_APPLICATION) == FIRST_APPLICATION,
    ),
    no_open_declaration(),
    *_ROW_RULES,
    *RULES,
    *code_rules(COLUMNS, "on_text"),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """Issue the missing 门规证 and record the approved diseases."""
    declaration_id = header["declaration_id"]
    rows = _with_derived(with_all_columns(approved, COLUMNS))
    persons = rows.select("person_id").unique().sort("person_id")
    effects.issue_outpatient_certificates(
        ws, persons, unit_id=header["unit_id"], declaration_id=declaration_id, today=ws.today
    )
    if rows.height:
        held = records.outpatient_certificates_of(ws, persons["person_id"])
        ws.insert_frame(
            "outpatient_diseases",
            rows.join(held, on="person_id", how="left", suffix="_held").select(
                "person_id",
                "disease",
                "outpatient_category",
                "hospital_code",
                "hospital_name",
                "hospital_type",
                pl.col("certificate_no_held").alias("certificate_no"),
                pl.lit(header["unit_id"]).alias("unit_id"),
                pl.lit(ws.today).alias("approved_on"),
                pl.lit(declaration_id).alias("declaration_id"),
            ),
        )
    ws.log_effect(
        declaration_id,
        f"门诊规定病种申请审核通过 {persons.height} 人、病种 {rows.height} 项。",
    )


def _result_facts(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    """Fill what the file may leave blank: 病种名称 from 病种类别, 人员类别 from the registry."""
    categories = person_status(ws, header["unit_id"], rows["person_id"]).select(
        "person_id",
        pl.col("unit_category")
        .replace_strict(code_labels("person_category"), default=None, return_dtype=pl.String)
        .alias("_category"),
    )
    disease_name = pl.col("disease").replace_strict(
        code_labels("outpatient_disease"), default=None, return_dtype=pl.String
    )
    return (
        rows.join(categories, on="person_id", how="left", maintain_order="left")
        .with_columns(
            pl.coalesce("disease_name", disease_name).alias("disease_name"),
            pl.coalesce("person_category", "_category").alias("person_category"),
        )
        .drop("_category")
    )


#: The result shows the 病种名称 and 人员类别 the agency derives when left blank.
RESULT = ResultTable(facts=_result_facts)


def _disease_lines(ws: Workspace, declaration_id: str) -> pl.DataFrame:
    """The approved disease lines with the person (the 确认表's and 花名册's rows), as text."""
    lines = records.outpatient_lines_of(ws, declaration_id)
    declared = (
        ws.declaration_rows(declaration_id)
        .filter(pl.col("review_result") == "1")
        .unique("person_id", keep="last", maintain_order=True)
        .select("person_id", "phone", "person_category", "remote_flag", "application_type")
    )
    joined = lines.join(declared, on="person_id", how="left", maintain_order="left")

    def label(expr: pl.Expr, table: str) -> pl.Expr:
        text = expr.cast(pl.String)
        return text.replace_strict(code_labels(table), default=text)

    return joined.select(
        pl.int_range(1, pl.len() + 1).over("person_id").alias("no"),
        pl.int_range(1, pl.len() + 1).alias("line_no"),
        "person_id",
        pl.col("reg_name").alias("name"),
        label(pl.col("reg_gender"), "gender").alias("gender"),
        "phone",
        "person_category",
        label(pl.col("remote_flag"), "medical_type").alias("remote_flag"),
        label(
            pl.col("application_type").fill_null(FIRST_APPLICATION), "outpatient_application"
        ).alias("application_type"),
        "certificate_no",
        label(pl.col("outpatient_category"), "outpatient_category").alias("category"),
        "disease",
        label(pl.col("disease"), "outpatient_disease").alias("disease_name"),
        "hospital_name",
        "hospital_code",
        "hospital_type",
        pl.lit("审核成功").alias("review_status"),
        pl.col("approved_on").cast(pl.String),
    ).with_columns(pl.all().cast(pl.String).fill_null(""))


_SIGNED = Signatures(("参保人（签字）", "单位（盖章）", "社保经办机构（盖章）"))

#: The printed 门诊规定病种申请确认表 (one page per person, manual §3.4).
FORM = PrintedForm(
    "门诊规定病种申请确认表",
    (
        FieldGrid(
            (
                FormField("单位名称", "unit_name"),
                FormField("单位编号", "unit_id"),
                FormField("申报编号", "declaration_id"),
            )
        ),
        FieldGrid(
            (
                FormField("社会保障号码", "person_id"),
                FormField("姓名", "name"),
                FormField("性别", "gender"),
                FormField("职工本人手机号码", "phone"),
                FormField("人员类别", "person_category"),
                FormField("异地标志", "remote_flag"),
                FormField("申请类别", "application_type"),
                FormField("门规证号", "certificate_no"),
                FormField("门规申请类别", "category"),
            ),
            columns=2,
        ),
        FormText("病种信息", size=11),
        FormTable(
            (
                FormColumn("no", "No.", 8),
                FormColumn("disease", "病种类别", 14),
                FormColumn("disease_name", "病种名称", 30),
                FormColumn("hospital_name", "医院名称", 40),
                FormColumn("hospital_code", "医院编码", 18),
                FormColumn("hospital_type", "医院类型", 14),
            )
        ),
        FieldGrid(
            (FormField("审核结果", "review_status"), FormField("审核日期", "approved_on")),
            columns=2,
        ),
        _SIGNED,
    ),
    rows=_disease_lines,
    page_per="person_id",
    foot=(FormText("打印日期 {printed_on}", size=9),),
    empty="没有审核成功的病种",
)

#: The printed 花名册（门规大病 / 普通病种） of the approved lines (打印花名册).
ROSTER = PrintedForm(
    "花名册（{category}）",
    (
        FormTable(
            (
                FormColumn("line_no", "No.", 8),
                FormColumn("person_id", "社会保障号码", 40),
                FormColumn("name", "姓名", 18),
                FormColumn("gender", "性别", 10),
                FormColumn("certificate_no", "门规证号", 32),
                FormColumn("disease_name", "病种名称", 32),
                FormColumn("hospital_name", "医院名称", 45),
                FormColumn("hospital_code", "医院编码", 18),
            ),
            total="共{persons}人，病种{rows}项",
        ),
        Signatures(),
    ),
    rows=_disease_lines,
    orientation="L",
    subtitle="{unit_name}  申报编号 {declaration_id}",
    empty="没有审核成功的病种",
)

#: The single-case form (门诊规定病种申请).
WIDGET = WidgetLayout(print_label="打印确认表")

#: This business's part of the monthly demo (its sample cases: :mod:`sbbatch.declarations._samples.outpatient`).
DEMO = DemoStep(
    order=70,
    title="门诊规定病种、居民医疗停保、离休人员医疗、灵活就业补扣",
    run=partial(_samples.run, roster=ROSTER),
)

DECLARATION = Declaration(
    kind="outpatient_disease",
    title="门诊规定病种申请",
    columns=COLUMNS,
    rules=RULES,
    key_fields=("person_id", "disease"),
    description="为职工或退休人员申请门诊规定病种（门规大病、普通病种分两次申报）。一行一个病种。",
    review=Review(REVIEW_RULES, _context, _effects),
    detectable=False,
    result=RESULT,
    form=FORM,
    widget=WIDGET,
    demo=DEMO,
)
