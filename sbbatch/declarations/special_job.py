"""Special-job recognition (特殊工种认定申报), manual §5.4: periods a person worked in a
special job (特殊工种: 井下、高温、高空、特别繁重体力劳动、有毒有害), the basis of
特殊工种提前退休.

One row per period: 身份证号码, 姓名, 起始年月, 终止年月 (inclusive), 特殊工种标识 (code),
特殊工种名称, 单位编号, 单位名称, 备注. The review checks that 起始年月 ≤ 终止年月, that the
period is not in the future, that it overlaps no other period of the person (declared
earlier in the file or already recognised), and that the person was insured (养老保险) in
that unit in every month of it — when the unit is outside the workspace this cannot be
seen and only warns. Approval records the periods (table ``special_job_periods``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.declarations._common import id_column, name_column
from sbbatch.declarations._registry_review import (
    PENSION,
    code_rules,
    month_text,
    name_matches_registry,
    with_all_columns,
    with_code_labels,
    with_registry_person,
)
from sbbatch.declarations._retirement import month_index
from sbbatch.spec import Column, Declaration, Review, Rule
from sbbatch.store import effects, records

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["COLUMNS", "DECLARATION", "REVIEW_RULES", "RULES"]

COLUMNS = (
    id_column(),
    name_column(required=False),
    Column("from_month", "起始年月", "month", required=True, example="2019-01"),
    Column("to_month", "终止年月", "month", required=True, example="2019-02"),
    Column(
        "special_job_type",
        "特殊工种标识",
        "code",
        required=True,
        code_table="special_job_type",
        example="有害",
    ),
    Column("job_name", "特殊工种名称", "text", required=True, example="电焊工", max_length=50),
    Column("job_unit_id", "单位编号", "text", example="0010118873", max_length=20),
    Column(
        "job_unit_name", "单位名称", "text", required=True, example="济南钢铁厂", max_length=100
    ),
    Column("remarks", "备注", "text", max_length=200),
)

RULES: tuple[Rule, ...] = (
    Rule(
        "from_not_after_to",
        "reject",
        "to_month",
        "终止年月「{value}」早于起始年月。",
        pl.col("from_month") <= pl.col("to_month"),
    ),
)


def _overlaps(rows: pl.DataFrame, ws: Workspace) -> pl.DataFrame:
    """Per row: an earlier row of the file, or a recognised period, that overlaps it."""
    periods = rows.select("row_no", "person_id", "from_month", "to_month")
    other = periods.rename(
        {"row_no": "other_row", "from_month": "other_from", "to_month": "other_to"}
    )
    overlap = (pl.col("from_month") <= pl.col("other_to")) & (
        pl.col("other_from") <= pl.col("to_month")
    )
    in_file = (
        periods.join(other, on="person_id")
        .filter((pl.col("other_row") < pl.col("row_no")) & overlap)
        .group_by("row_no")
        .agg(pl.col("other_row").min().alias("overlapping_row"))
    )
    recorded = records.special_job_periods_of(ws, rows["person_id"])
    in_registry = (
        periods.join(recorded, on="person_id")
        .filter(overlap)
        .group_by("row_no")
        .agg(
            pl.format("{}至{}", month_text(pl.col("other_from")), month_text(pl.col("other_to")))
            .first()
            .alias("recorded_period")
        )
    )
    return (
        periods.select("row_no")
        .join(in_file, on="row_no", how="left")
        .join(in_registry, on="row_no", how="left")
    )


def _insured_months(ws: Workspace, rows: pl.DataFrame) -> pl.DataFrame:
    """Per row: the months of the period the person was insured (养老) in its unit."""
    keyed = rows.select(
        pl.col("row_no").cast(pl.Int64), "person_id", "unit_key", "from_month", "to_month"
    ).drop_nulls()
    if keyed.height == 0:
        return pl.DataFrame(schema={"row_no": pl.Int64, "insured_months": pl.Int64})
    return records.insured_months_of_periods(ws, keyed, PENSION)


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    rows = with_all_columns(rows, COLUMNS).with_columns(pl.col("row_no").cast(pl.Int64))
    units = records.unit_names(ws)
    by_id = units.select(pl.col("unit_id").alias("job_unit_id"), pl.col("unit_id").alias("_by_id"))
    by_name = units.select(
        pl.col("unit_name").alias("job_unit_name"), pl.col("unit_id").alias("_by_name")
    ).unique("job_unit_name", keep="first")
    keyed = (
        rows.join(by_id, on="job_unit_id", how="left")
        .join(by_name, on="job_unit_name", how="left")
        .with_columns(
            pl.when(pl.col("job_unit_id").is_null())
            .then(pl.col("_by_name"))
            .otherwise(pl.col("_by_id"))
            .alias("unit_key")
        )
    )
    context = with_registry_person(ws, keyed)
    context = context.join(_overlaps(rows, ws), on="row_no", how="left")
    context = context.join(_insured_months(ws, keyed), on="row_no", how="left")
    context = with_code_labels(context, COLUMNS, "from_month")
    return context.with_columns(
        pl.lit(ws.today.replace(day=1)).alias("current_month"),
        (month_index(pl.col("to_month")) - month_index(pl.col("from_month")) + 1).alias(
            "period_months"
        ),
        pl.col("insured_months").fill_null(0),
        month_text(pl.col("from_month")).alias("from_text"),
        month_text(pl.col("to_month")).alias("to_text"),
        pl.coalesce("job_unit_id", "job_unit_name").alias("unit_label"),
    )


REVIEW_RULES: tuple[Rule, ...] = (
    Rule(
        "person_known",
        "reject",
        "person_id",
        "未查到该人员的社保登记信息，不能办理特殊工种认定。",
        pl.col("reg_name").is_not_null(),
    ),
    name_matches_registry(),
    *RULES,
    Rule(
        "not_in_future",
        "reject",
        "to_month",
        "终止年月 {to_text} 晚于本月，不能认定尚未发生的特殊工种时间。",
        pl.col("to_month") <= pl.col("current_month"),
    ),
    Rule(
        "no_overlap_in_declaration",
        "reject",
        "from_month",
        "{from_text}至{to_text} 与本申报第 {overlapping_row} 行的特殊工种时间重叠。",
        pl.col("overlapping_row").is_null(),
    ),
    Rule(
        "no_overlap_recognised",
        "reject",
        "from_month",
        "{from_text}至{to_text} 与该人员已认定的特殊工种时间 {recorded_period} 重叠。",
        pl.col("recorded_period").is_null(),
    ),
    Rule(
        "insured_in_unit",
        "reject",
        "job_unit_name",
        "{from_text}至{to_text} 共 {period_months} 个月，该人员在单位 {unit_label} 参加养老保险的只有 "
        "{insured_months} 个月。提示：特殊工种时间须在该单位参保期间内。",
        pl.col("insured_months") >= pl.col("period_months"),
        when=pl.col("unit_key").is_not_null() & (pl.col("from_month") <= pl.col("to_month")),
    ),
    Rule(
        "unit_outside_workspace",
        "warn",
        "job_unit_name",
        "单位 {unit_label} 不在工作区中，无法核对该人员在该单位的参保时间，请附参保证明。",
        pl.col("unit_key").is_not_null(),
    ),
    *code_rules(COLUMNS, "from_text"),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    declaration_id = header["declaration_id"]
    if approved.height:
        records = with_all_columns(approved, COLUMNS).select(
            "person_id",
            "from_month",
            "to_month",
            "special_job_type",
            "job_name",
            "job_unit_id",
            "job_unit_name",
            "remarks",
        )
        effects.insert_special_job_periods(
            ws,
            records,
            unit_id=header["unit_id"],
            declaration_id=declaration_id,
            today=ws.today,
        )
    ws.log_effect(
        declaration_id, f"特殊工种认定审核通过 {approved.height} 条：已记录特殊工种时间。"
    )


DECLARATION = Declaration(
    kind="special_job",
    title="特殊工种认定申报",
    columns=COLUMNS,
    rules=RULES,
    key_fields=("person_id", "from_month"),
    description="对单位人员的特殊工种时间进行认定申报。一行一段特殊工种时间。",
    review=Review(REVIEW_RULES, _context, _effects),
)
