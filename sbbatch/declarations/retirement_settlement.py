"""Settling the pension account of a person not yet retired (退休结清), manual §3.7.

「未退休职工结清养老账户。录入退休人员的身份证号码，点击‘查询’，双击选择退休人员，信息
自动回填，录入相关信息，点击提交中心审核。」 One row per person: 身份证号码* and 姓名.

What the review checks, as the agency would:

- the person is in the registry and has been insured in this unit;
- the person left this unit with 减员原因 在职转退休 (251), or has reached the statutory
  retirement age (:meth:`sbbatch.policy.Policy.retirement_month` of
  :meth:`~sbbatch.policy.Policy.retirement_group`);
- no pension period is open in any unit (an open medical period of a retiree does not
  count: the account settled is the pension account);
- a 251 departure before the statutory retirement month is elastic early retirement
  (弹性提前退休, 2025 decision and 人社部发〔2024〕94号): from ``elastic_retirement_from``
  (2025-01) at most ``elastic_early_max_months`` before the statutory month and never
  below the original age 60/55/50 (``retirement.csv``, :meth:`~sbbatch.policy.Policy.elastic_earliest_month`);
  earlier is 不通过 (before 2025-01 there is no elastic window). Within the window it
  needs the person's application (弹性提前退休本人申请 = 是, else 不通过) and passes with
  a 提示. A person with recognised 特殊工种 time of the required length
  (:func:`~sbbatch.declarations._retirement.special_job_facts`) may leave from the
  special-job age instead, with the same 提示;
- the account was not settled before; a person without any pension month warns.

Approval records the settlement in ``retirement_settlements`` (养老账户结清日期 = the
agency's date), which 退休申报 (§5.2) may read. 打印养老缴费基本信息表:
:func:`sbbatch.forms.settlement_forms.pension_basic_info_form`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.declarations._common import id_column, name_column
from sbbatch.declarations._other import in_unit, known_person
from sbbatch.declarations._registry_review import (
    PENSION,
    RETIREMENT_REASON,
    month_text,
    name_matches_registry,
    once_in_declaration,
    periods_of,
    with_all_columns,
)
from sbbatch.declarations._retirement import (
    YES,
    contribution_months,
    elastic_from,
    special_job_facts,
    yes_no_column,
    yes_no_rule,
)
from sbbatch.declarations._samples import pooled as _samples
from sbbatch.policy import Policy
from sbbatch.spec import Declaration, DemoStep, Review, Rule
from sbbatch.store import effects, records, registry

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["COLUMNS", "DECLARATION", "REVIEW_RULES", "settlement_facts", "settlements"]

COLUMNS = (
    id_column(),
    name_column(required=False),
    yes_no_column("elastic_consent", "弹性提前退休本人申请"),
)


def settlements(ws: Workspace, unit_id: str) -> pl.DataFrame:
    """Return the unit's settled persons: ``person_id, name, settled_on, declaration_id``."""
    return records.settlements_of_unit(ws, unit_id)


def settlement_facts(ws: Workspace, rows: pl.DataFrame, unit_id: str) -> pl.DataFrame:
    """Join the rows with the facts of a settlement.

    Adds ``reg_name``, ``ever_here``, ``departed_month`` (this unit's pension period closed
    with 251), ``open_unit_id`` / ``open_unit_name`` (an open pension period anywhere),
    ``statutory_month``, ``reached_age``, ``settled_on`` / ``settled_by`` (an earlier
    settlement), ``contribution_months`` and the texts the messages print.
    """
    policy = Policy.load()
    ids = rows["person_id"]
    facts = in_unit(ws, unit_id, ids, insurance=PENSION).select(
        "person_id", "reg_name", "reg_gender", "reg_birth_date", "ever_here"
    )
    identity = registry.person_columns(ws, ids, {"identity": "reg_identity"})
    pension = periods_of(ws, ids).filter(pl.col("insurance") == PENSION)
    is_open = pl.col("until_month").is_null()
    departed = (
        (pl.col("unit_id") == unit_id) & (pl.col("leave_reason") == RETIREMENT_REASON) & ~is_open
    )
    periods = pension.group_by("person_id").agg(
        pl.col("until_month").filter(departed).max().alias("departed_month"),
        pl.col("unit_id").filter(is_open).first().alias("open_unit_id"),
        pl.col("unit_name").filter(is_open).first().alias("open_unit_name"),
    )
    settled = records.settlements_of(ws, ids)
    months = contribution_months(ws, ids, PENSION)
    special = special_job_facts(ws, ids).select("person_id", "special_job_qualified")
    group = policy.retirement_group(pl.col("reg_gender"), pl.col("reg_identity"))
    sex = pl.when(pl.col("reg_gender") == "1").then(pl.lit("male")).otherwise(pl.lit("female"))
    early_years = {
        row["group"]: row["elastic_early_max_months"] for row in policy.retirement.rows(named=True)
    }
    this_month = ws.today.replace(day=1)
    context = rows
    for frame in (facts, identity, periods, settled, months, special):
        context = context.join(frame, on="person_id", how="left", maintain_order="left")
    birth = pl.col("reg_birth_date")
    elastic = pl.col("departed_month") >= pl.lit(elastic_from())
    return (
        context.with_columns(
            pl.col("ever_here").fill_null(False),
            pl.col("contribution_months").fill_null(0),
            pl.col("special_job_qualified").fill_null(False),
            group.alias("retirement_group"),
            policy.retirement_month(birth, group).alias("statutory_month"),
            policy.elastic_earliest_month(birth, group).alias("elastic_month"),
            policy.retirement_month(birth, pl.lit("special_job_") + sex).alias("special_month"),
        )
        .with_columns(
            (pl.col("statutory_month") <= this_month).fill_null(False).alias("reached_age"),
            pl.when(elastic)
            .then(pl.col("elastic_month"))
            .otherwise(pl.col("statutory_month"))
            .alias("earliest_month"),
            (
                pl.col("special_job_qualified")
                & (pl.col("departed_month") >= pl.col("special_month"))
            ).alias("special_job_allowed"),
            pl.when(elastic)
            .then(
                pl.format(
                    "弹性提前退休最多提前 {} 个月，且不低于原法定退休年龄",
                    pl.col("retirement_group").replace_strict(
                        early_years, default=None, return_dtype=pl.Int64
                    ),
                )
            )
            .otherwise(pl.lit("2025 年 1 月前没有弹性提前退休"))
            .alias("earliest_reason"),
        )
        .with_columns(
            month_text(pl.col("statutory_month")).alias("statutory_text"),
            month_text(pl.col("earliest_month")).alias("earliest_text"),
            month_text(pl.col("departed_month")).alias("departed_text"),
            pl.col("settled_on").dt.strftime("%Y-%m-%d").alias("settled_text"),
        )
    )


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    return settlement_facts(ws, with_all_columns(rows, COLUMNS), header["unit_id"])


_KNOWN = pl.col("reg_name").is_not_null()

REVIEW_RULES: tuple[Rule, ...] = (
    known_person(),
    name_matches_registry(),
    Rule(
        "person_of_unit",
        "reject",
        "person_id",
        "「{reg_name}」未在本单位参加养老保险，不能办理退休结清。",
        pl.col("ever_here"),
        when=_KNOWN,
    ),
    Rule(
        "retiring",
        "reject",
        "person_id",
        "「{reg_name}」未以在职转退休从本单位减员，也未达到法定退休年龄（法定退休年月 "
        "{statutory_text}），不能结清养老账户。提示：请先办理减员申报，减员原因选在职转退休。",
        pl.col("departed_month").is_not_null() | pl.col("reached_age"),
        when=_KNOWN & pl.col("ever_here"),
    ),
    Rule(
        "not_insured_anywhere",
        "reject",
        "person_id",
        "该人员仍在 {open_unit_name}（{open_unit_id}）参加养老保险，不能结清养老账户。"
        "提示：请先办理减员。",
        pl.col("open_unit_id").is_null(),
    ),
    Rule(
        "elastic_early_limit",
        "reject",
        "person_id",
        "该人员于 {departed_text} 以在职转退休减员，早于法定退休年月 {statutory_text}，"
        "也早于可提前退休的最早年月 {earliest_text}（{earliest_reason}），不能结清养老账户。",
        (pl.col("departed_month") >= pl.col("earliest_month")) | pl.col("special_job_allowed"),
        when=pl.col("departed_month") < pl.col("statutory_month"),
    ),
    Rule(
        "elastic_consent",
        "reject",
        "elastic_consent",
        "该人员于 {departed_text} 减员，早于法定退休年月 {statutory_text}，属弹性提前退休，"
        "须本人申请：请在“弹性提前退休本人申请”填“是”，并附本人申请材料。",
        pl.col("elastic_consent").fill_null("") == YES,
        when=(pl.col("departed_month") < pl.col("statutory_month"))
        & (pl.col("departed_month") >= pl.col("earliest_month"))
        & ~pl.col("special_job_allowed"),
    ),
    Rule(
        "departed_before_age",
        "warn",
        "person_id",
        "该人员于 {departed_text} 以在职转退休减员，早于法定退休年月 {statutory_text}，"
        "提前退休须有相应审批材料（弹性提前退休的本人申请，或特殊工种认定），请核对。",
        pl.col("departed_month") >= pl.col("statutory_month"),
        when=(pl.col("departed_month") >= pl.col("earliest_month")) | pl.col("special_job_allowed"),
    ),
    yes_no_rule("elastic_consent", "弹性提前退休本人申请"),
    Rule(
        "not_settled_yet",
        "reject",
        "person_id",
        "该人员的养老账户已于 {settled_text} 结清（申报编号 {settled_by}），不能重复结清。",
        pl.col("settled_on").is_null(),
    ),
    Rule(
        "has_pension_months",
        "warn",
        "person_id",
        "未查到该人员的养老保险缴费月数，请核对参保记录。",
        pl.col("contribution_months") > 0,
        when=_KNOWN,
    ),
    once_in_declaration(),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """Record the settlements; 养老账户结清日期 is the agency's date."""
    declaration_id = header["declaration_id"]
    if approved.height:
        effects.insert_settlements(
            ws,
            approved,
            unit_id=header["unit_id"],
            declaration_id=declaration_id,
            today=ws.today,
        )
    ws.log_effect(
        declaration_id,
        f"退休结清审核通过 {approved.height} 人：养老账户结清日期 {ws.today:%Y-%m-%d}。",
    )


#: This business's part of the monthly demo (its sample cases: :mod:`sbbatch.declarations._samples.pooled`).
DEMO = DemoStep(
    order=80,
    title="退休结清、行业统筹人员核对与撤销",
    run=_samples.run,
)

DECLARATION = Declaration(
    kind="retirement_settlement",
    title="退休结清",
    columns=COLUMNS,
    description="未退休职工结清养老账户（在职转退休减员或达到法定退休年龄）。一行一人。",
    review=Review(REVIEW_RULES, _context, _effects),
    detectable=False,
    demo=DEMO,
)
