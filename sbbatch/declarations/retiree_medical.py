"""Medical declaration of 离休 persons (离休人员医疗申报), manual §1.8.

The manual gives one line: 「此功能为离休人员进行医疗申报」. The columns and rules
here are therefore INFERENCE from what such a declaration needs: 身份证号码*, 姓名*,
离休日期*, 参加工作日期 and 医疗待遇类别 (``codes/retiree_medical_category``, itself
INFERENCE).

The agency's review: the person is in the registry, has been insured in the unit and
the 姓名 is theirs; the 离休日期 is not after the agency's date and not before the
person's birth; no record exists yet. 离休 (AIC161 1) means joining revolutionary work
before 1949-10-01, so the case is 不通过 when the 参加工作日期 (declared, else the
registry's) is on or after that day, or when the person was born after the latest
plausible birth date — both rows of ``schemas/policy/jinan/other_filings.csv``
(``retiree_work_start_before``, ``retiree_latest_birth``; inference, said so in the
message). A missing 参加工作日期 and an age under 50 on the 离休日期 (INFERENCE) only
warn. Approval records the person (``retiree_medical_records``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from sbbatch.declarations._common import id_column, name_column
from sbbatch.declarations._other import figure_text, in_unit, known_person
from sbbatch.declarations._registry_review import (
    code_rules,
    name_matches_registry,
    once_in_declaration,
    with_all_columns,
    with_code_labels,
)
from sbbatch.spec import Column, Declaration, Review, Rule
from sbbatch.store import records, registry

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["COLUMNS", "DECLARATION", "LATEST_BIRTH", "MIN_AGE", "REVIEW_RULES", "WORK_BEFORE"]


def _policy_date(key: str) -> dt.date:
    """Return a date figure of ``other_filings.csv``."""
    return dt.date.fromisoformat(figure_text(key))


#: 离休: revolutionary work joined before this day (policy row ``retiree_work_start_before``).
WORK_BEFORE: Final = _policy_date("retiree_work_start_before")

#: Latest plausible birth date of a 离休 person (policy row ``retiree_latest_birth``).
LATEST_BIRTH: Final = _policy_date("retiree_latest_birth")

#: Youngest plausible age on the 离休日期 (INFERENCE).
MIN_AGE: Final = 50

COLUMNS = (
    id_column("身份证号码"),
    name_column(required=True),
    Column("retired_on", "离休日期", "date", required=True, example="1990-10-01"),
    Column(
        "work_start_date",
        "参加工作日期",
        "date",
        example="1945-08-01",
        help="参加革命工作的日期，可不填（按社保登记）；离休人员须早于 1949-10-01",
    ),
    Column(
        "treatment_category",
        "医疗待遇类别",
        "code",
        code_table="retiree_medical_category",
        example="离休人员",
        help="离休人员、老红军或二等乙级以上革命伤残军人",
    ),
)

RULES: tuple[Rule, ...] = ()


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    """Join the rows with the registry person, their periods here and earlier records."""
    rows = with_all_columns(rows, COLUMNS)
    facts = in_unit(ws, header["unit_id"], rows["person_id"]).select(
        "person_id", "reg_name", "reg_birth_date", "ever_here"
    )
    started = registry.person_columns(
        ws, rows["person_id"], {"work_start_date": "reg_work_start_date"}
    )
    recorded = records.retiree_medical_records_of(ws, rows["person_id"])
    today: dt.date = ws.today
    context = (
        rows.join(facts, on="person_id", how="left", maintain_order="left")
        .join(started, on="person_id", how="left", maintain_order="left")
        .join(recorded, on="person_id", how="left", maintain_order="left")
        .with_columns(
            pl.lit(today).alias("today"),
            pl.lit(today.isoformat()).alias("today_text"),
            pl.col("retired_on").dt.strftime("%Y-%m-%d").alias("retired_text"),
            pl.col("reg_birth_date").dt.strftime("%Y-%m-%d").alias("birth_text"),
            pl.coalesce("work_start_date", "reg_work_start_date").alias("work_start"),
            pl.coalesce("work_start_date", "reg_work_start_date")
            .dt.strftime("%Y-%m-%d")
            .alias("work_start_text"),
            pl.lit(WORK_BEFORE.isoformat()).alias("work_before_text"),
            pl.lit(LATEST_BIRTH.isoformat()).alias("latest_birth_text"),
            (
                pl.col("retired_on").dt.year()
                - pl.col("reg_birth_date").dt.year()
                - (
                    pl.col("retired_on").dt.ordinal_day()
                    < pl.col("reg_birth_date").dt.ordinal_day()
                ).cast(pl.Int32)
            ).alias("age_at_retirement"),
        )
    )
    return with_code_labels(context, COLUMNS, "today")


REVIEW_RULES: tuple[Rule, ...] = (
    known_person(),
    Rule(
        "person_of_unit",
        "reject",
        "person_id",
        "该人员不是本单位的参保人员，不能办理离休人员医疗申报。",
        pl.col("ever_here"),
        when=pl.col("reg_name").is_not_null(),
    ),
    name_matches_registry(),
    Rule(
        "retired_not_in_future",
        "reject",
        "retired_on",
        "离休日期 {retired_text} 晚于经办日期 {today_text}。",
        pl.col("retired_on") <= pl.col("today"),
    ),
    Rule(
        "retired_after_birth",
        "reject",
        "retired_on",
        "离休日期 {retired_text} 早于出生日期 {birth_text}。",
        pl.col("retired_on") > pl.col("reg_birth_date"),
    ),
    Rule(
        "born_before_cut",
        "reject",
        "person_id",
        "该人员出生于 {birth_text}，不符合离休条件：离休人员须于 {work_before_text} 前参加革命工作，"
        "按 sbbatch 的假设：出生晚于 {latest_birth_text} 者不可能在此前参加革命工作。"
        "不能办理离休人员医疗申报。",
        pl.col("reg_birth_date") <= pl.lit(LATEST_BIRTH),
    ),
    Rule(
        "work_started_before_1949",
        "reject",
        "work_start_date",
        "参加工作日期 {work_start_text} 不早于 {work_before_text}，不符合离休条件"
        "（离休人员须于 1949 年 10 月 1 日前参加革命工作），不能办理离休人员医疗申报。",
        pl.col("work_start") < pl.lit(WORK_BEFORE),
    ),
    Rule(
        "work_start_known",
        "warn",
        "work_start_date",
        "未填写参加工作日期，社保登记中也没有，请核对该人员是否于 1949 年 10 月 1 日前参加革命工作。",
        pl.col("work_start").is_not_null(),
        when=pl.col("reg_name").is_not_null(),
    ),
    Rule(
        "age_at_retirement",
        "warn",
        "retired_on",
        "离休日期 {retired_text} 时该人员仅 {age_at_retirement} 周岁，请核对离休日期。",
        pl.col("age_at_retirement") >= MIN_AGE,
        when=pl.col("retired_on") > pl.col("reg_birth_date"),
    ),
    Rule(
        "not_recorded_yet",
        "reject",
        "person_id",
        "该人员已办理离休人员医疗申报（申报编号 {record_declaration_id}）。",
        pl.col("record_declaration_id").is_null(),
    ),
    once_in_declaration(),
    *code_rules(COLUMNS, "today_text"),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """Record the approved 离休 persons."""
    if approved.height:
        ws.insert_frame(
            "retiree_medical_records",
            approved.select(
                "person_id",
                "name",
                pl.lit(header["unit_id"]).alias("unit_id"),
                "retired_on",
                "treatment_category",
                pl.lit(header["declaration_id"]).alias("declaration_id"),
                pl.col("row_no").cast(pl.Int32),
                pl.lit(ws.today).alias("approved_on"),
            ),
        )
    ws.log_effect(header["declaration_id"], f"离休人员医疗申报审核通过 {approved.height} 人。")


DECLARATION = Declaration(
    kind="retiree_medical",
    title="离休人员医疗申报",
    columns=COLUMNS,
    rules=RULES,
    description="为离休人员进行医疗申报。一行一人。（字段与规则为推断，手册仅一句说明。）",
    review=Review(REVIEW_RULES, _context, _effects),
    detectable=False,
)
