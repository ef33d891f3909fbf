"""Remote medical filing (异地人员备案), manual §3.2.

A person of the unit who lives or works outside Jinan is filed for medical treatment
there: the region (备案地区编码, its name derived from the code), the hospital (an
异地 hospital is coded ``99999`` + its level digit), the 就医类别 (常驻外地 for an
employee posted elsewhere, 异地安置 for a retiree living elsewhere — 填表说明 2), the
dates and the address. One row per person.

异地安置 is for retirees only and 常驻外地 for employees only: the other is 不通过.
A person has at most one active filing; a new one replaces it, but only once the old
one has been registered for half a year (a year when registered before October 2018,
填表说明 3; ``schemas/policy/jinan/remote_filing.csv``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch import codes
from sbbatch.declarations._common import id_column, name_column
from sbbatch.declarations._medical import (
    JINAN_PREFIX,
    MEDICAL_KINDS,
    YES_NO,
    active_filings,
    filing_form,
    hospital_code_format,
    insured_or_retired_here,
    person_known,
    region_names,
    remote_code_level_rule,
    remote_code_of,
    with_medical_person,
)
from sbbatch.declarations._registry_review import (
    code_rules,
    name_matches_registry,
    no_open_declaration,
    once_in_declaration,
    with_all_columns,
    with_code_labels,
)
from sbbatch.declarations._samples import medical as _samples
from sbbatch.spec import Column, Declaration, DemoStep, Review, Rule, WidgetLayout
from sbbatch.store import effects

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["COLUMNS", "DECLARATION", "REVIEW_RULES", "RULES"]

COLUMNS = (
    id_column("社会保障号码"),
    name_column(required=False),
    Column("gender", "性别", "gender", example="男", derived_from_id=True),
    Column("abroad", "是否境外", example="否", help="是 或 否；不填按“否”"),
    Column(
        "region_code",
        "备案地区编码",
        example="321200",
        help="异地居住或工作地的 6 位行政区划代码",
        synonyms=("地区编码",),
    ),
    Column(
        "region_name",
        "备案地区名称",
        example="江苏省泰州市",
        help="可不填，按备案地区编码带出",
        synonyms=("地区名称",),
        max_length=50,
    ),
    Column(
        "hospital_code",
        "医院编码",
        example="999991",
        help="异地医院可不填，按医院级别带出（前五位 99999，最后一位为医院等级）",
    ),
    Column("hospital_name", "医院名称", example="", max_length=100),
    Column("actual_hospital_name", "实际医院名称", example="泰州市人民医院", max_length=100),
    Column("hospital_level", "医院级别", "code", code_table="hospital_level", example="一级医院"),
    Column(
        "medical_type",
        "就医类别",
        "code",
        code_table="medical_type",
        example="常驻外地",
        help="常驻外地：在职人员被单位派驻外地工作；异地安置：退休人员选择在异地居住",
    ),
    Column("phone", "手机号码", "phone", example="13222222222"),
    Column("filed_on", "备案日期", "date", example="2026-11-26", help="不填按经办日期"),
    Column("start_date", "起始日期", "date", example="2026-11-26", help="不填按备案日期"),
    Column("address", "异地居住地址", example="江苏省泰州市海陵区", max_length=100),
)

_DOMESTIC = pl.col("abroad").fill_null("否") == "否"

RULES: tuple[Rule, ...] = (
    Rule(
        "abroad_yes_no",
        "reject",
        "abroad",
        "是否境外「{value}」应为“是”或“否”。",
        pl.col("abroad").is_in(list(YES_NO)),
    ),
    Rule(
        "region_code_required",
        "reject",
        "region_code",
        "备案地区编码必填。提示：填写异地居住或工作地的 6 位行政区划代码，如 321200。",
        pl.col("region_code").is_not_null(),
        when=_DOMESTIC,
    ),
    Rule(
        "region_code_known",
        "reject",
        "region_code",
        "备案地区编码「{value}」不是有效的行政区划代码。",
        pl.col("region_code").is_in(list(region_names())),
        when=_DOMESTIC,
    ),
    Rule(
        "region_outside_jinan",
        "reject",
        "region_code",
        "备案地区编码「{value}」属于济南市，不需要办理异地备案。",
        ~pl.col("region_code").str.starts_with(JINAN_PREFIX),
    ),
    Rule(
        "medical_type_required",
        "reject",
        "medical_type",
        "就医类别必填。提示：在职人员派驻外地选“常驻外地”，退休人员异地居住选“异地安置”。",
        pl.col("medical_type").is_not_null(),
    ),
    Rule(
        "hospital_given",
        "reject",
        "hospital_level",
        "医院编码和医院级别至少填写一项。提示：异地医院选择医院级别即可带出医院编码。",
        pl.col("hospital_code").is_not_null() | pl.col("hospital_level").is_not_null(),
    ),
    hospital_code_format(),
    remote_code_level_rule(),
    Rule(
        "start_not_before_filing",
        "warn",
        "start_date",
        "起始日期 {start_date} 早于备案日期 {filed_on}，请核对。",
        pl.col("start_date") >= pl.col("filed_on"),
    ),
)


def _with_derived(rows: pl.DataFrame) -> pl.DataFrame:
    """Add ``region_name_derived`` (the name of 备案地区编码)."""
    return rows.with_columns(
        pl.col("region_code")
        .replace_strict(region_names(), default=None, return_dtype=pl.String)
        .alias("region_name_derived")
    )


# --------------------------------------------------------------------------- review
def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    """Join the rows with the person's status in the unit and active filing."""
    rows = _with_derived(with_all_columns(rows, COLUMNS))
    context = with_medical_person(ws, rows, header, MEDICAL_KINDS)
    filings = active_filings(ws, rows["person_id"])
    applies = dict(
        zip(
            codes.table("medical_type")["code"].to_list(),
            codes.table("medical_type")["applies_to"].to_list(),
            strict=True,
        )
    )
    context = context.join(filings, on="person_id", how="left", maintain_order="left")
    context = context.with_columns(
        pl.coalesce("filed_on", "today").alias("filed_text_on"),
        pl.col("medical_type")
        .replace_strict(applies, default=None, return_dtype=pl.String)
        .alias("medical_applies_to"),
        pl.col("status")
        .replace_strict({"employed": "在职人员", "retired": "退休人员"}, default=None)
        .alias("status_label"),
    )
    return with_code_labels(context, COLUMNS, "filed_text_on").with_columns(
        pl.col("filed_text_on").dt.strftime("%Y-%m-%d").alias("filed_text")
    )


REVIEW_RULES: tuple[Rule, ...] = (
    person_known(),
    insured_or_retired_here("异地人员备案"),
    name_matches_registry(),
    Rule(
        "medical_type_matches_status",
        "reject",
        "medical_type",
        "该人员是{status_label}，就医类别「{medical_type_label}」只适用于"
        "{medical_applies_to_label}（填表说明 2：常驻外地指在职人员被单位派驻外地工作，"
        "异地安置指退休人员选择在异地居住）。",
        pl.col("medical_applies_to") == pl.col("status"),
        when=pl.col("status").is_not_null() & pl.col("medical_applies_to").is_not_null(),
    ),
    Rule(
        "refile_after_min_period",
        "reject",
        "person_id",
        "该人员已有异地备案（{filing_region_name}，{filing_approved_text} 登记），"
        "原异地备案登记满半年（2018年10月之前登记的满一年）后才能重新备案，"
        "即 {refile_text} 起。",
        pl.col("today") >= pl.col("refile_from"),
        when=pl.col("filing_id").is_not_null(),
    ),
    Rule(
        "replaces_active_filing",
        "warn",
        "person_id",
        "该人员已有异地备案（{filing_region_name}，{filing_approved_text} 登记），"
        "审核通过后原备案终止，以本次备案为准。",
        pl.col("filing_id").is_null(),
        when=pl.col("today") >= pl.col("refile_from"),
    ),
    no_open_declaration(),
    once_in_declaration(),
    Rule(
        "region_name_matches_code",
        "warn",
        "region_name",
        "备案地区名称「{value}」与备案地区编码对应的「{region_name_derived}」不一致，以编码为准。",
        pl.col("region_name") == pl.col("region_name_derived"),
    ),
    *RULES,
    *code_rules(COLUMNS, "filed_text"),
)

# the applies_to word shown in the message
_APPLIES_LABELS = {"employed": "在职人员", "retired": "退休人员"}


def _context_with_labels(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    return _context(ws, rows, header).with_columns(
        pl.col("medical_applies_to")
        .replace_strict(_APPLIES_LABELS, default=None)
        .alias("medical_applies_to_label")
    )


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """End the persons' active filings (重新备案) and register the new ones."""
    declaration_id = header["declaration_id"]
    if approved.height == 0:
        ws.log_effect(declaration_id, "异地人员备案审核通过 0 人。")
        return
    today = ws.today
    rows = _with_derived(approved)
    ended = effects.end_remote_filings(
        ws, rows, reason="refiled", declaration_id=declaration_id, today=today
    )
    ws.insert_frame(
        "remote_filings",
        rows.select(
            "person_id",
            pl.lit(header["unit_id"]).alias("unit_id"),
            (pl.col("abroad").fill_null("否") == "是").alias("abroad"),
            "region_code",
            pl.coalesce("region_name_derived", "region_name").alias("region_name"),
            pl.coalesce("hospital_code", remote_code_of(pl.col("hospital_level"))).alias(
                "hospital_code"
            ),
            "hospital_name",
            "actual_hospital_name",
            "hospital_level",
            "medical_type",
            "phone",
            pl.col("filed_on").fill_null(today).alias("filed_on"),
            pl.coalesce("start_date", "filed_on", pl.lit(today)).alias("start_date"),
            "address",
            pl.lit(declaration_id).alias("declaration_id"),
            pl.lit(today).alias("approved_on"),
        ),
    )
    note = f"异地人员备案审核通过 {approved.height} 人：登记异地备案 {approved.height} 条"
    ws.log_effect(declaration_id, note + (f"，终止原备案 {ended} 条。" if ended else "。"))


#: The printed 异地人员备案表 (打印备案表).
FORM = filing_form("异地人员备案表", ended=False)

#: The single-case form.
WIDGET = WidgetLayout(print_label="打印备案表")

#: This business's part of the monthly demo (its sample cases: :mod:`sbbatch.declarations._samples.medical`).
DEMO = DemoStep(
    order=50,
    title="异地人员备案与撤销",
    run=_samples.run,
)

DECLARATION = Declaration(
    kind="remote_filing",
    title="异地人员备案",
    columns=COLUMNS,
    rules=RULES,
    description="单位人员异地就医备案（常驻外地、异地安置）。一行一人。",
    review=Review(REVIEW_RULES, _context_with_labels, _effects),
    detectable=False,
    form=FORM,
    widget=WIDGET,
    demo=DEMO,
)
