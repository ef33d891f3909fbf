"""Enrolment (增员申报, 批量增员申报): new persons joining the unit's insurance.

Manual §1.1–1.2. The fields are those of 新增人员信息材料核对 (基本信息 and 参保信息);
性别 and 出生日期 may be left blank and are then taken from the ID number, and so is
户口所在地 (province, city, county of the ID's region code).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch import codes, ids
from sbbatch.declarations._common import (
    birth_date_matches_id,
    gender_matches_id,
    id_column,
    name_column,
    registry_form,
)
from sbbatch.declarations._registry_review import (
    PENSION,
    RETIREE_CATEGORY,
    accepted_month,
    accepted_month_default,
    code_rules,
    implied_insurances,
    min_working_age_years,
    month_text,
    name_matches_registry,
    no_open_declaration,
    once_in_declaration,
    periods_of,
    person_result,
    with_all_columns,
    with_code_labels,
    with_other_declarations,
    with_registry_person,
    with_retirement_month,
)
from sbbatch.declarations._samples import enrolment as _samples
from sbbatch.policy import INSURANCES
from sbbatch.spec import (
    Column,
    Declaration,
    DemoStep,
    FormColumn,
    Review,
    Rule,
    Section,
    WidgetLayout,
)
from sbbatch.store import registry

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["DECLARATION", "REVIEW_RULES"]

COLUMNS = (
    id_column(),
    name_column(),
    Column(
        "gender",
        "性别",
        "gender",
        example="男",
        help="男 或 女；可不填，按身份证号码自动带出",
        derived_from_id=True,
    ),
    Column(
        "birth_date",
        "出生日期",
        "date",
        example="1999-06-23",
        help="可不填，按身份证号码自动带出",
        derived_from_id=True,
    ),
    Column(
        "phone",
        "手机号码",
        "phone",
        example="13812345678",
        help="11 位手机号码",
        synonyms=("联系电话", "手机", "手机号"),
    ),
    Column(
        "employment_form",
        "用工形式",
        "code",
        required=True,
        code_table="employment_form",
        example="城镇合同制职工",
        help="从下拉列表选择",
    ),
    Column("ethnicity", "民族", "code", code_table="ethnicity", example="汉族"),
    Column("hukou_type", "户口性质", "code", code_table="hukou_type", example="城镇（非农业户口）"),
    Column(
        "identity",
        "个人身份",
        "code",
        code_table="identity",
        example="工人",
        help="女职工按干部/工人确定退休年龄",
    ),
    Column(
        "hukou_province", "户口所在地省级", example="山东省", derived_from_id=True, max_length=20
    ),
    Column("hukou_city", "户口所在地市级", example="济南市", derived_from_id=True, max_length=20),
    Column("hukou_county", "户口所在地县级", example="长清区", derived_from_id=True, max_length=20),
    Column("hukou_detail", "户口所在地补充信息", example="鲁安18-2", max_length=100),
    Column(
        "address",
        "通讯地址",
        example="济南市长清区鲁安18-2",
        max_length=100,
        synonyms=("联系地址", "家庭住址"),
    ),
    Column(
        "add_reason",
        "增加原因",
        "code",
        required=True,
        code_table="add_reason",
        example="在职人员新参保",
        synonyms=("增员原因",),
    ),
    Column(
        "month",
        "增员年月",
        "month",
        required=True,
        example="2019-04",
        help="写成 2019-04",
        synonyms=("参保年月", "增员月份", "参保时间"),
    ),
    Column(
        "person_category",
        "人员类别",
        "code",
        required=True,
        code_table="person_category",
        example="城镇制",
        synonyms=("缴费人员类别",),
    ),
    Column(
        "work_start_date", "参加工作日期", "date", example="2019-04-01", synonyms=("参加工作时间",)
    ),
    Column("handbook_no", "手册编号", max_length=30),
    Column("sub_unit", "二级单位", max_length=50),
)

RULES = (
    gender_matches_id(),
    birth_date_matches_id(),
    Rule(
        "work_start_before_birth",
        "reject",
        "work_start_date",
        "参加工作日期「{value}」早于出生日期。",
        pl.col("work_start_date") > pl.col("birth_date"),
    ),
    Rule(
        "work_start_after_month",
        "warn",
        "work_start_date",
        "参加工作日期「{value}」晚于增员年月，请核对。",
        pl.col("work_start_date") < pl.col("month").dt.offset_by("1mo"),
    ),
)


# --------------------------------------------------------------------------- review
_DATE_TEXT = "%Y-%m-%d"
_INSURANCE_LABELS = {code: label for code, (_, label) in INSURANCES.items()}

#: Fields of an enrolment row that the ``persons`` table keeps.
PERSON_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "phone",
    "hukou_province",
    "hukou_city",
    "hukou_county",
    "hukou_detail",
    "address",
    "hukou_type",
    "employment_form",
    "identity",
    "work_start_date",
)

#: Registry facts of a person that an enrolment never changes (checked by the review).
_KEY_FACTS = ("name", "gender", "birth_date")


def _insured(
    ws: Workspace, rows: pl.DataFrame, unit_id: str, implied: pl.DataFrame
) -> pl.DataFrame:
    """Per row: insurances already open in this unit, and a unit elsewhere for pension."""
    periods = periods_of(
        ws, rows["person_id"], ("unit_id", "person_id", "insurance", "from_month", "until_month")
    ).select("unit_id", "unit_name", "person_id", "insurance", "from_month", "until_month")
    live = periods.join(rows.select("row_no", "person_id", "month"), on="person_id").filter(
        pl.col("until_month").is_null() | (pl.col("until_month") > pl.col("month"))
    )
    here = (
        live.filter(pl.col("unit_id") == unit_id)
        .join(implied, on=["row_no", "insurance"])
        .sort("row_no", pl.col("insurance").cast(pl.Int32))
        .group_by("row_no", maintain_order=True)
        .agg(
            pl.col("insurance")
            .replace_strict(_INSURANCE_LABELS, default=pl.col("insurance"))
            .str.join("、")
            .alias("insured_here")
        )
    )
    elsewhere = (
        live.filter((pl.col("unit_id") != unit_id) & (pl.col("insurance") == PENSION))
        .join(implied.filter(pl.col("insurance") == PENSION), on=["row_no", "insurance"])
        .sort("row_no", "from_month")
        .group_by("row_no", maintain_order=True)
        .agg(
            pl.col("unit_id").first().alias("other_unit_id"),
            pl.col("unit_name").first().alias("other_unit_name"),
        )
    )
    counts = implied.group_by("row_no").agg(pl.len().alias("insurance_count"))
    return (
        rows.select("row_no")
        .join(here, on="row_no", how="left")
        .join(elsewhere, on="row_no", how="left")
        .join(counts, on="row_no", how="left")
        .with_columns(pl.col("insurance_count").fill_null(0))
    )


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    """Join the declared rows with what the agency's records say about each person."""
    rows = with_all_columns(rows, COLUMNS)
    unit_id = header["unit_id"]
    accepted = accepted_month(ws, "enrolment")
    implied = implied_insurances(rows)
    context = with_registry_person(ws, rows)
    context = with_other_declarations(ws, context, header["declaration_id"])
    context = with_code_labels(context, COLUMNS, "month")
    context = context.join(_insured(ws, rows, unit_id, implied), on="row_no", how="left")
    person_id = pl.col("person_id")
    reason = ids.failure_reason(person_id, ws.today)
    identity = pl.coalesce("identity", "reg_identity")
    context = with_retirement_month(context, pl.col("gender"), identity, pl.col("birth_date"))
    return context.with_columns(
        reason.replace_strict(ids.MESSAGES_ZH, default=None, return_dtype=pl.String)
        .str.replace("{expected}", ids.expected_check_char(person_id).fill_null(""), literal=True)
        .alias("id_reason_text"),
        pl.when(reason.is_null()).then(ids.gender(person_id)).alias("id_gender"),
        pl.when(reason.is_null()).then(ids.birth_date(person_id)).alias("id_birth_date"),
        pl.coalesce(codes.to_label(pl.col("gender"), "gender"), pl.col("gender")).alias(
            "gender_label"
        ),
        pl.col("birth_date").dt.strftime(_DATE_TEXT).alias("birth_text"),
        month_text(pl.col("month")).alias("month_text"),
        pl.lit(accepted).alias("accepted_month"),
        pl.lit(accepted.strftime("%Y-%m")).alias("accepted_text"),
        pl.col("birth_date")
        .dt.month_start()
        .dt.offset_by(f"{min_working_age_years()}y")
        .alias("working_age_month"),
        ((pl.col("gender") == "1") | identity.is_not_null()).alias("retirement_group_certain"),
    ).with_columns(
        codes.to_label(pl.col("id_gender"), "gender").alias("id_gender_label"),
        pl.col("id_birth_date").dt.strftime(_DATE_TEXT).alias("id_birth_text"),
        month_text(pl.col("retirement_month")).alias("retirement_text"),
    )


_WORKING = pl.col("person_category") != RETIREE_CATEGORY

REVIEW_RULES: tuple[Rule, ...] = (
    Rule(
        "id_valid",
        "reject",
        "person_id",
        "身份证号码{id_reason_text}。",
        pl.col("id_reason_text").is_null(),
    ),
    Rule(
        "gender_matches_id",
        "reject",
        "gender",
        "性别「{gender_label}」与身份证号码不符（身份证号码第 17 位表示{id_gender_label}）。",
        pl.col("gender") == pl.col("id_gender"),
    ),
    Rule(
        "birth_date_matches_id",
        "reject",
        "birth_date",
        "出生日期 {birth_text} 与身份证号码中的出生日期 {id_birth_text} 不符。",
        pl.col("birth_date") == pl.col("id_birth_date"),
    ),
    name_matches_registry(),
    Rule(
        "gender_matches_registry",
        "reject",
        "gender",
        "性别「{gender_label}」与社保登记的性别「{reg_gender_label}」不符。",
        pl.col("gender") == pl.col("reg_gender"),
    ),
    Rule(
        "birth_date_matches_registry",
        "reject",
        "birth_date",
        "出生日期 {birth_text} 与社保登记的出生日期 {reg_birth_text} 不符。",
        pl.col("birth_date") == pl.col("reg_birth_date"),
    ),
    Rule(
        "not_insured_here",
        "reject",
        "person_id",
        "已在本单位参保（{insured_here}），不能重复增员。",
        pl.col("insured_here").is_null(),
    ),
    Rule(
        "not_insured_elsewhere",
        "reject",
        "person_id",
        "已在 {other_unit_name}（{other_unit_id}）参保基本养老保险，不能同时在两个单位参保。"
        "提示：请原单位先办理减员。",
        pl.col("other_unit_id").is_null(),
    ),
    Rule(
        "min_working_age",
        "reject",
        "birth_date",
        f"增员年月 {{month_text}} 时未满 {min_working_age_years()} 周岁（出生日期 {{birth_text}}）。",
        pl.col("month") >= pl.col("working_age_month"),
    ),
    Rule(
        "below_retirement_age",
        "reject",
        "birth_date",
        "增员年月 {month_text} 时已达到法定退休年龄（法定退休年月 {retirement_text}），"
        "不能按在职人员增员。",
        pl.col("month") < pl.col("retirement_month"),
        when=_WORKING & pl.col("retirement_group_certain"),
    ),
    Rule(
        "below_retirement_age_unsure",
        "warn",
        "birth_date",
        "未填个人身份，按女工人核对：增员年月 {month_text} 时已达到法定退休年龄"
        "（法定退休年月 {retirement_text}）。如为女干部，请填写个人身份。",
        pl.col("month") < pl.col("retirement_month"),
        when=_WORKING & ~pl.col("retirement_group_certain"),
    ),
    Rule(
        "month_not_before_window",
        "reject",
        "month",
        "增员年月 {month_text} 早于本期受理的增员年月 {accepted_text}。"
        "提示：往月的参保缴费请用社会保险费补缴申报（补缴）办理。",
        pl.col("month") >= pl.col("accepted_month"),
    ),
    Rule(
        "month_not_after_window",
        "reject",
        "month",
        "增员年月 {month_text} 晚于本期受理的增员年月 {accepted_text}。"
        "提示：请到该月的受理期内再申报。",
        pl.col("month") <= pl.col("accepted_month"),
    ),
    no_open_declaration(),
    once_in_declaration(),
    Rule(
        "category_has_insurances",
        "warn",
        "person_category",
        "人员类别「{person_category_label}」在 {month_text} 不参加任何险种，审核通过后只登记人员信息。",
        pl.col("insurance_count") > 0,
    ),
    *code_rules(COLUMNS, "month_text"),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """Register the approved persons and open their insured periods (参保)."""
    declaration_id = header["declaration_id"]
    fields = [f for f in PERSON_FIELDS if f in approved.columns]
    people = approved.select("person_id", *fields)
    known = registry.known_person_ids(ws, people["person_id"].to_list())
    is_known = pl.col("person_id").is_in(known)
    added = ws.insert_frame("persons", people.filter(~is_known))
    updated = registry.update_from_frame(
        ws,
        "persons",
        people.filter(is_known).drop([f for f in _KEY_FACTS if f in fields]),
        key="person_id",
        keep_existing=True,
    )
    periods = (
        approved.select("row_no", "person_id", "person_category", "month", "add_reason")
        .join(implied_insurances(approved), on="row_no")
        .select(
            pl.lit(header["unit_id"]).alias("unit_id"),
            "person_id",
            "insurance",
            "person_category",
            pl.col("month").alias("from_month"),
            "add_reason",
            pl.lit(declaration_id).alias("opened_by"),
        )
    )
    opened = ws.insert_frame("insured_periods", periods)
    ws.log_effect(
        declaration_id,
        f"增员审核通过 {approved.height} 人：新登记人员 {added} 人，"
        f"更新人员信息 {updated} 人，新开参保记录 {opened} 条。",
    )


#: 批量增员申报's result: 身份证号码, 姓名, 性别, 出生日期, 增员年月, 增员原因.
RESULT = person_result("增员年月", "add_reason", "增员原因")
#: The printed 增员表 (打印增员表).
FORM = registry_form(
    "增员表",
    FormColumn("month", "增员年月", 11, "C"),
    FormColumn("add_reason", "增加原因", 18, "L"),
    FormColumn("person_category", "人员类别", 10, "L"),
    FormColumn("employment_form", "用工形式", 16, "L"),
)

#: The single-case form (增员申报): the manual's 基本信息, 更多..., 参保信息.
WIDGET = WidgetLayout(
    sections=(
        Section(
            "基本信息",
            (
                "person_id",
                "name",
                "gender",
                "birth_date",
                "phone",
                "employment_form",
                "hukou_province",
                "hukou_city",
                "hukou_county",
                "hukou_detail",
                "address",
            ),
        ),
        Section("更多...", ("ethnicity", "hukou_type", "identity"), collapsed=True),
        Section(
            "参保信息",
            (
                "add_reason",
                "month",
                "person_category",
                "work_start_date",
                "handbook_no",
                "sub_unit",
            ),
        ),
    ),
    print_label="打印增员表",
    defaults=accepted_month_default,
)


#: This business's part of the monthly demo (its sample cases: :mod:`sbbatch.declarations._samples.enrolment`).
DEMO = DemoStep(
    order=20,
    title="增员与减员：申报、审核、结果、增员表与减员表",
    run=_samples.run,
)

DECLARATION = Declaration(
    kind="enrolment",
    title="增员申报",
    columns=COLUMNS,
    rules=RULES,
    description="单位新增人员参保（增员）。一行一人。",
    review=Review(REVIEW_RULES, _context, _effects),
    result=RESULT,
    form=FORM,
    widget=WIDGET,
    demo=DEMO,
)
