"""Medical declaration of 离休 persons (离休人员医疗申报), manual §1.8.

The manual gives one line: 「此功能为离休人员进行医疗申报」. The columns and rules
here are therefore INFERENCE from what such a declaration needs: 身份证号码*, 姓名*,
离休日期* and 医疗待遇类别 (``codes/retiree_medical_category``, itself INFERENCE).

The agency's review: the person is in the registry, has been insured in the unit and
the 姓名 is theirs; the 离休日期 is not after the agency's date and not before the
person's birth; a 提示 when the person is too young for 离休 (离休 is for those who
joined the revolution before 1949-10-01: born after 1937-10-01 — twelve then — is
unlikely, INFERENCE) or was under 50 on the 离休日期 (INFERENCE); no record exists
yet. Approval records the person (``retiree_medical_records``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from sbbatch.declarations._common import id_column, name_column
from sbbatch.declarations._other import in_unit, known_person
from sbbatch.declarations._registry import (
    code_rules,
    name_matches_registry,
    once_in_declaration,
    with_all_columns,
    with_code_labels,
)
from sbbatch.spec import Column, Declaration, Review, Rule

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["COLUMNS", "DECLARATION", "LATEST_BIRTH", "MIN_AGE", "REVIEW_RULES"]

#: Latest plausible birth date of a 离休 person: twelve on 1949-10-01 (INFERENCE).
LATEST_BIRTH: Final = dt.date(1937, 10, 1)

#: Youngest plausible age on the 离休日期 (INFERENCE).
MIN_AGE: Final = 50

COLUMNS = (
    id_column("身份证号码"),
    name_column(required=True),
    Column("retired_on", "离休日期", "date", required=True, example="1990-10-01"),
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
    records = ws.sql(
        "SELECT person_id, declaration_id AS record_declaration_id FROM retiree_medical_records "
        "WHERE person_id IN (SELECT unnest($ids::VARCHAR[]))",
        {"ids": rows["person_id"].drop_nulls().unique().to_list()},
    )
    today: dt.date = ws.today
    context = (
        rows.join(facts, on="person_id", how="left", maintain_order="left")
        .join(records, on="person_id", how="left", maintain_order="left")
        .with_columns(
            pl.lit(today).alias("today"),
            pl.lit(today.isoformat()).alias("today_text"),
            pl.col("retired_on").dt.strftime("%Y-%m-%d").alias("retired_text"),
            pl.col("reg_birth_date").dt.strftime("%Y-%m-%d").alias("birth_text"),
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
        "born_before_1949",
        "warn",
        "person_id",
        "该人员出生于 {birth_text}，离休人员应于 1949 年 10 月 1 日前参加革命工作，请核对是否为离休人员。",
        pl.col("reg_birth_date") <= pl.lit(LATEST_BIRTH),
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
