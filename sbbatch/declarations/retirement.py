"""Retirement (退休申报), manual §5.2: the unit declares the retirement of a person it has
departed and settled (单位已减员结清人员).

One row per person with the fields of the manual's form. 申报年龄 (completed years at
退休日期) and 累计缴费年限 (insured pension months / 12, see
:mod:`sbbatch.declarations._retirement`) are derived from the registry where blank.

What the review checks, as the agency would:

- the person is one of the unit's 已减员结清人员 (manual §5.2): left this unit with
  减员原因 在职转退休 (251), is insured nowhere now, and the pension account was settled
  (退休结清 §3.7, table ``retirement_settlements``), else 不通过. The manual handles no
  退休类别 otherwise inside 退休申报; the one case it sends elsewhere is the interrupted
  person (中断, §3.6 中断转退休), who is not declared here;
- the statutory month uses the women's post (女职工现岗位 管理/技术 → the 55 schedule,
  ``retirement_posts.csv``) before the 个人身份 (``retirement_groups.csv``);
- 正常退休: 退休日期 not before the statutory retirement month
  (:meth:`sbbatch.policy.Policy.retirement_month`), except elastic early retirement
  (from 2025-01, within ``elastic_early_max_months`` and not below 60/55/50) with the
  person's application (弹性退休本人申请 = 是), which passes with a 提示; later than
  the elastic late maximum is 不通过, later than the month after the statutory month
  without the application a 提示 (the delay needs the person's application and the unit's consent);
- 特殊工种提前退休 needs 特殊工种审批日期 and recognised 特殊工种 time of the required
  length (特殊工种认定 §5.4, :func:`~sbbatch.declarations._retirement.special_job_facts`);
  因病提前退休 and 非工残提前退休 need 医务鉴定日期; each with the pre-2025 age of
  ``schemas/policy/jinan/retirement.csv`` (groups ``special_job_*`` / ``illness_*``);
- 离休 needs a 参加工作日期 before 1949-10-01 (``retiree_work_start_before``); 退职 and
  工伤提前退休 need 医务鉴定日期 (劳动能力鉴定: the workspace holds no 工伤认定 records,
  so the appraisal on the form is the 工伤 record — an assumption); 军转干部退休 needs the
  person's approved 军转干申报 (§5.5, table ``military_cadres``); 政策性提前退休 at most
  ``policy_early_max_months`` before the statutory month (inference); other 退休类别
  only warn when before the statutory month;
- the minimum contribution years (:meth:`~sbbatch.policy.Policy.min_contribution_months`,
  by the year of reaching the statutory age), else rejected with the shortfall;
- the unit's approver (单位审定人) is maintained;
- not retired already.

Approval records the retirement (table ``retirements``): the pension starts the month
after 退休日期 (自退休次月起发放; inference — the Jinan rule was not found).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.declarations._common import birth_date_matches_id, gender_matches_id, id_column
from sbbatch.declarations._other import figure, figure_text
from sbbatch.declarations._registry_review import (
    PENSION,
    RETIREMENT_REASON,
    code_rules,
    month_text,
    name_matches_registry,
    once_in_declaration,
    periods_of,
    with_all_columns,
    with_code_labels,
    with_registry_person,
)
from sbbatch.declarations._retirement import (
    YES,
    contribution_months,
    elastic_from,
    month_index,
    special_job_facts,
    with_approver,
    years_text,
    yes_no_column,
    yes_no_rule,
)
from sbbatch.declarations._retirement_form import retirement_form
from sbbatch.policy import Policy
from sbbatch.spec import (
    Column,
    Declaration,
    Review,
    Rule,
    WidgetLayout,
)
from sbbatch.store import effects, records, registry

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["COLUMNS", "DECLARATION", "REVIEW_RULES", "RULES", "retirement_context"]

#: 退休类别 codes (codes/retirement_type.csv).
NORMAL, ILLNESS, SPECIAL_JOB = "2", "4", "5"
LIXIU, RESIGNED, INJURY, DISABILITY, CADRE, POLICY_EARLY = "1", "3", "6", "7", "8", "9"

COLUMNS = (
    id_column(),
    Column("social_security_no", "社会保障号码", "id", example="370103198310135678"),
    Column("name", "姓名", "name", example="周钢", max_length=30),
    Column("gender", "性别", "gender", example="男", derived_from_id=True),
    Column("birth_date", "出生日期", "date", example="1958-12-27", derived_from_id=True),
    Column(
        "employment_form", "用工形式", "code", code_table="employment_form", example="原固定职工"
    ),
    Column(
        "person_category", "缴费人员类别", "code", code_table="person_category", example="退休人员"
    ),
    Column("work_start_date", "参加工作日期", "date", example="1975-09-01"),
    Column(
        "declared_age", "申报年龄", "int", example="60", help="可不填，按出生日期和退休日期计算"
    ),
    Column(
        "contribution_years",
        "累计缴费年限",
        "text",
        example="43.33",
        help="可不填，按参保记录计算（年，两位小数）",
    ),
    Column("special_job_approval_date", "特殊工种审批日期", "date", help="特殊工种提前退休必填"),
    Column("female_original_identity", "女职工原身份", "text", example="工人", max_length=10),
    Column("female_current_post", "女职工现岗位", "text", example="管理", max_length=10),
    Column("medical_appraisal_date", "医务鉴定日期", "date", help="因病提前退休必填"),
    Column("account_settled_date", "养老账户结清日期", "date", example="2019-03-22"),
    yes_no_column("military_cadre_flag", "军转干标志"),
    Column(
        "retirement_type",
        "退休类别",
        "code",
        required=True,
        code_table="retirement_type",
        example="正常退休",
    ),
    Column("retirement_month", "退休日期", "month", required=True, example="2018-12"),
    yes_no_column("elastic_consent", "弹性退休本人申请"),
    Column(
        "social_management",
        "社会化管理方式",
        "code",
        required=True,
        code_table="social_management",
        example="社区管理",
    ),
    Column(
        "police_bureau", "公安分局", "text", required=True, example="济南市槐荫区", max_length=50
    ),
    Column("police_station", "派出所名称", "text", required=True, example="营市街", max_length=50),
    Column("hukou_address", "户口登记地址", "text", max_length=100),
    Column("security_centre", "保障中心名称", "text", example="营市街(职工)", max_length=50),
    Column("remarks", "情况说明", "text", max_length=200),
    Column("paying_agency", "代发机构", "text", example="工商银行(市区)", max_length=50),
    Column(
        "pension_account",
        "养老金发放账号",
        "text",
        help="社保卡账号",
        max_length=30,
        synonyms=("养老金发放账号(社保卡账号)",),
    ),
    Column("phone", "联系电话", "text", max_length=20),
)

_YEARS = r"^\d{1,2}(\.\d{1,2})?$"

RULES: tuple[Rule, ...] = (
    gender_matches_id(),
    birth_date_matches_id(),
    Rule(
        "social_security_no_is_id",
        "reject",
        "social_security_no",
        "社会保障号码「{value}」与身份证号码不一致。",
        pl.col("social_security_no") == pl.col("person_id"),
    ),
    Rule(
        "contribution_years_format",
        "reject",
        "contribution_years",
        "累计缴费年限「{value}」应为年数，最多两位小数，如 43.33。",
        pl.col("contribution_years").str.contains(_YEARS),
    ),
    yes_no_rule("military_cadre_flag", "军转干标志"),
    Rule(
        "special_job_needs_approval",
        "reject",
        "special_job_approval_date",
        "退休类别为特殊工种提前退休，须填写特殊工种审批日期。",
        pl.col("special_job_approval_date").is_not_null(),
        when=pl.col("retirement_type") == SPECIAL_JOB,
    ),
    Rule(
        "illness_needs_appraisal",
        "reject",
        "medical_appraisal_date",
        "退休类别为因病提前退休或非工残提前退休，须填写医务鉴定日期。",
        pl.col("medical_appraisal_date").is_not_null(),
        when=pl.col("retirement_type").is_in((ILLNESS, DISABILITY)),
    ),
    Rule(
        "resignation_needs_appraisal",
        "reject",
        "medical_appraisal_date",
        "退休类别为退职，须经劳动能力鉴定完全丧失劳动能力：请填写医务鉴定日期。",
        pl.col("medical_appraisal_date").is_not_null(),
        when=pl.col("retirement_type") == RESIGNED,
    ),
    Rule(
        "injury_needs_appraisal",
        "reject",
        "medical_appraisal_date",
        "退休类别为工伤提前退休，须有工伤致残的劳动能力鉴定：请填写医务鉴定日期"
        "（按 sbbatch 的假设：以医务鉴定日期作为工伤记录）。",
        pl.col("medical_appraisal_date").is_not_null(),
        when=pl.col("retirement_type") == INJURY,
    ),
    yes_no_rule("elastic_consent", "弹性退休本人申请"),
)


def _group(retirement_type: pl.Expr, normal_group: pl.Expr, gender: pl.Expr) -> pl.Expr:
    """Return the retirement group (retirement.csv) that applies to the 退休类别."""
    sex = pl.when(gender == "1").then(pl.lit("male")).when(gender == "2").then(pl.lit("female"))
    return (
        pl.when(retirement_type == SPECIAL_JOB)
        .then(pl.lit("special_job_") + sex)
        .when(retirement_type.is_in((ILLNESS, DISABILITY)))
        .then(pl.lit("illness_") + sex)
        .otherwise(normal_group)
    )


def _departures(periods: pl.DataFrame, unit_id: str) -> pl.DataFrame:
    """Per person: the unit's pension period closed with 在职转退休, and any open period."""
    pension = periods.filter(pl.col("insurance") == PENSION)
    is_open = pl.col("until_month").is_null()
    here_retired = (
        (pl.col("unit_id") == unit_id) & (pl.col("leave_reason") == RETIREMENT_REASON) & ~is_open
    )
    return pension.group_by("person_id").agg(
        pl.col("until_month").filter(here_retired).max().alias("departed_month"),
        pl.col("unit_name").filter(is_open).first().alias("open_unit_name"),
        pl.col("unit_id").filter(is_open).first().alias("open_unit_id"),
    )


def retirement_context(ws: Workspace, rows: pl.DataFrame, unit_id: str) -> pl.DataFrame:
    """Join declared rows with the registry facts of a retirement and the derived fields.

    Adds ``derived_age`` and ``derived_months`` (申报年龄 and 累计缴费月数 from the
    registry), ``statutory_month`` (by 退休类别), ``min_months``, ``departed_month``,
    ``open_unit_*``, ``retired_on``, the approver and the texts the messages print.
    """
    policy = Policy.load()
    rows = with_all_columns(rows, COLUMNS)
    ids = rows["person_id"]
    context = with_registry_person(ws, rows)
    context = context.join(_departures(periods_of(ws, ids), unit_id), on="person_id", how="left")
    context = context.join(contribution_months(ws, ids, PENSION), on="person_id", how="left")
    retired = records.retirement_months(ws, ids).rename({"retirement_month": "retired_month"})
    settled = records.settlements_of(ws, ids, unit_id=unit_id).select("person_id", "settled_on")
    cadres = records.military_cadres_of(ws, ids).select(
        "person_id", pl.lit(True).alias("cadre_recorded")
    )
    started = registry.person_columns(ws, ids, {"work_start_date": "reg_work_start_date"})
    context = context.join(retired, on="person_id", how="left")
    for frame in (settled, cadres, started, special_job_facts(ws, ids)):
        context = context.join(frame, on="person_id", how="left")
    context = with_approver(ws, context, unit_id)
    context = with_code_labels(context, COLUMNS, "retirement_month")
    gender = pl.coalesce("reg_gender", "gender")
    birth = pl.coalesce("reg_birth_date", "birth_date")
    normal_group = policy.retirement_group_by_post(
        gender, pl.col("reg_identity"), pl.col("female_current_post")
    )
    # the birth month and the groups as columns first: every look-up below then reads
    # two columns instead of repeating these expressions (a plan 50 times smaller)
    context = context.with_columns(
        birth.alias("_birth"), normal_group.alias("retirement_group")
    ).with_columns(
        _group(pl.col("retirement_type"), pl.col("retirement_group"), gender).alias("_group")
    )
    birth, normal_group, group = pl.col("_birth"), pl.col("retirement_group"), pl.col("_group")
    elastic = pl.col("retirement_month") >= pl.lit(elastic_from())
    return context.with_columns(
        pl.col("special_job_months").fill_null(0),
        pl.col("special_job_qualified").fill_null(False),
        pl.col("cadre_recorded").fill_null(False),
        pl.coalesce("work_start_date", "reg_work_start_date").alias("work_start"),
        pl.when(elastic)
        .then(policy.elastic_earliest_month(birth, normal_group))
        .alias("elastic_earliest"),
        pl.when(elastic)
        .then(policy.elastic_latest_month(birth, normal_group))
        .alias("elastic_latest"),
        policy.retirement_month(birth, normal_group)
        .dt.offset_by(f"-{int(figure('policy_early_max_months'))}mo")
        .alias("policy_earliest"),
        pl.col("contribution_months").fill_null(0).alias("derived_months"),
        ((month_index(pl.col("retirement_month")) - month_index(birth)) // 12).alias("derived_age"),
        policy.retirement_month(birth, group).alias("statutory_month"),
        policy.statutory_age_months(birth, group).alias("statutory_age_months"),
        policy.min_contribution_months(policy.retirement_month(birth, normal_group)).alias(
            "min_months"
        ),
        pl.col("contribution_years").cast(pl.Float64, strict=False).alias("declared_years"),
    ).with_columns(
        years_text(pl.col("derived_months")).alias("derived_years_text"),
        years_text(pl.col("min_months")).alias("min_years_text"),
        (pl.col("min_months") - pl.col("derived_months")).alias("shortfall_months"),
        month_text(pl.col("retirement_month")).alias("month_text"),
        month_text(pl.col("statutory_month")).alias("statutory_text"),
        month_text(pl.col("departed_month")).alias("departed_text"),
        month_text(pl.col("retired_month")).alias("retired_text"),
        month_text(pl.col("elastic_earliest")).alias("elastic_earliest_text"),
        month_text(pl.col("elastic_latest")).alias("elastic_latest_text"),
        month_text(pl.col("policy_earliest")).alias("policy_earliest_text"),
        pl.col("work_start").dt.strftime("%Y-%m-%d").alias("work_start_text"),
        pl.format(
            "{}岁{}个月",
            pl.col("statutory_age_months") // 12,
            pl.col("statutory_age_months") % 12,
        ).alias("statutory_age_text"),
    )


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    return retirement_context(ws, rows, header["unit_id"])


_CHECKED_TYPES = (NORMAL, ILLNESS, SPECIAL_JOB, DISABILITY)
_KNOWN = pl.col("reg_name").is_not_null()
_EARLY = pl.col("retirement_month") < pl.col("statutory_month")
#: 正常退休 before the statutory month, inside the elastic window (from 2025-01).
_ELASTIC_EARLY = (
    (pl.col("retirement_type") == NORMAL)
    & _EARLY
    & (pl.col("retirement_month") >= pl.col("elastic_earliest"))
)
#: 正常退休 later than the month after the statutory month (退休 the month after reaching
#: the age is the ordinary case, not a delay).
_LATE = (pl.col("retirement_type") == NORMAL) & (
    pl.col("retirement_month") > pl.col("statutory_month").dt.offset_by("1mo")
)
_HEAVY_MONTHS = int(figure("special_job_min_months_heavy"))
_HARMFUL_MONTHS = int(figure("special_job_min_months_harmful"))
_LIXIU_BEFORE = figure_text("retiree_work_start_before")

REVIEW_RULES: tuple[Rule, ...] = (
    Rule(
        "person_known",
        "reject",
        "person_id",
        "未查到该人员的社保登记信息，不能办理退休申报。",
        pl.col("reg_name").is_not_null(),
    ),
    name_matches_registry(),
    Rule(
        "departed_for_retirement",
        "reject",
        "person_id",
        "该人员不是本单位已减员结清人员：未查到本单位以在职转退休减员的养老保险参保记录。"
        "提示：请先办理减员申报，减员原因选在职转退休。",
        pl.col("departed_month").is_not_null(),
        when=pl.col("reg_name").is_not_null(),
    ),
    Rule(
        "not_insured_anywhere",
        "reject",
        "person_id",
        "该人员仍在 {open_unit_name}（{open_unit_id}）参加养老保险，不能办理退休。",
        pl.col("open_unit_id").is_null(),
    ),
    Rule(
        "account_settled",
        "reject",
        "person_id",
        "该人员不是本单位已减员结清人员：本单位尚未为其结清养老账户。提示：请先办理退休结清。",
        pl.col("settled_on").is_not_null(),
        when=_KNOWN & pl.col("departed_month").is_not_null(),
    ),
    Rule(
        "not_retired_yet",
        "reject",
        "person_id",
        "该人员已办理退休（退休日期 {retired_text}），不能重复申报。",
        pl.col("retired_month").is_null(),
    ),
    Rule(
        "reached_retirement_age",
        "reject",
        "retirement_month",
        "退休日期 {month_text} 早于{retirement_type_label}的退休年月 {statutory_text}"
        "（退休年龄 {statutory_age_text}）。",
        (pl.col("retirement_month") >= pl.col("statutory_month")) | _ELASTIC_EARLY.fill_null(False),
        when=pl.col("retirement_type").is_in(_CHECKED_TYPES),
    ),
    Rule(
        "elastic_early_consent",
        "reject",
        "elastic_consent",
        "退休日期 {month_text} 早于法定退休年月 {statutory_text}，属弹性提前退休（最早 "
        "{elastic_earliest_text}），须本人申请：请在“弹性退休本人申请”填“是”并附申请材料。",
        pl.col("elastic_consent").fill_null("") == YES,
        when=_ELASTIC_EARLY,
    ),
    Rule(
        "elastic_early",
        "warn",
        "retirement_month",
        "弹性提前退休：退休日期 {month_text} 早于法定退休年月 {statutory_text}，"
        "请核对本人书面申请和最低缴费年限。",
        ~_ELASTIC_EARLY,
        when=pl.col("elastic_consent").fill_null("") == YES,
    ),
    Rule(
        "elastic_late_limit",
        "reject",
        "retirement_month",
        "退休日期 {month_text} 晚于弹性延迟退休的最晚年月 {elastic_latest_text}"
        "（法定退休年月 {statutory_text}，最多延迟 3 年），不能办理。",
        pl.col("retirement_month") <= pl.col("elastic_latest"),
        when=_LATE,
    ),
    Rule(
        "elastic_late",
        "warn",
        "retirement_month",
        "退休日期 {month_text} 晚于法定退休年月 {statutory_text}：弹性延迟退休须本人申请、"
        "单位同意，请核对相应材料。",
        pl.col("elastic_consent").fill_null("") == YES,
        when=_LATE & pl.col("elastic_latest").is_not_null(),
    ),
    Rule(
        "special_job_recognised",
        "reject",
        "retirement_type",
        "特殊工种提前退休须有经认定的特殊工种工作时间：井下、高空、高温、特别繁重体力劳动累计满 "
        f"{_HEAVY_MONTHS} 个月，或其他有害身体健康工作累计满 {_HARMFUL_MONTHS} 个月"
        "（按 sbbatch 的假设，取国发〔1978〕104号的十年、八年）；已认定 {special_job_months} 个月。"
        "提示：请先办理特殊工种认定申报。",
        pl.col("special_job_qualified"),
        when=(pl.col("retirement_type") == SPECIAL_JOB) & _KNOWN,
    ),
    Rule(
        "lixiu_work_before_1949",
        "reject",
        "work_start_date",
        f"退休类别为离休，须于 {_LIXIU_BEFORE} 前参加革命工作；参加工作日期"
        "「{work_start_text}」不符合离休条件。",
        pl.col("work_start").fill_null(pl.date(9999, 1, 1)) < pl.lit(_LIXIU_BEFORE).str.to_date(),
        when=(pl.col("retirement_type") == LIXIU) & _KNOWN,
    ),
    Rule(
        "military_cadre_recorded",
        "reject",
        "retirement_type",
        "退休类别为军转干部退休，未查到该人员审核通过的军转干申报。提示：请先办理军转干申报。",
        pl.col("cadre_recorded"),
        when=(pl.col("retirement_type") == CADRE) & _KNOWN,
    ),
    Rule(
        "policy_early_limit",
        "reject",
        "retirement_month",
        "政策性提前退休最早为 {policy_earliest_text}（按 sbbatch 的假设：距法定退休年月 "
        "{statutory_text} 不足 5 年），退休日期 {month_text} 过早，不能办理。",
        pl.col("retirement_month") >= pl.col("policy_earliest"),
        when=pl.col("retirement_type") == POLICY_EARLY,
    ),
    Rule(
        "other_type_before_statutory",
        "warn",
        "retirement_month",
        "退休日期 {month_text} 早于法定退休年月 {statutory_text}，{retirement_type_label}"
        "须有相应审批材料，请核对。",
        pl.col("retirement_month") >= pl.col("statutory_month"),
        when=~pl.col("retirement_type").is_in(_CHECKED_TYPES),
    ),
    Rule(
        "minimum_contribution",
        "reject",
        "contribution_years",
        "累计缴费年限 {derived_years_text} 年（{derived_months} 个月），不足最低缴费年限 "
        "{min_years_text} 年，还差 {shortfall_months} 个月。",
        pl.col("derived_months") >= pl.col("min_months"),
        when=pl.col("reg_name").is_not_null(),
    ),
    Rule(
        "contribution_years_matches",
        "warn",
        "contribution_years",
        "申报的累计缴费年限 {value} 与参保记录计算的 {derived_years_text} 年不一致，请核对。",
        ((pl.col("declared_years") * 12 - pl.col("derived_months")).abs() < 1),
    ),
    Rule(
        "declared_age_matches",
        "warn",
        "declared_age",
        "申报年龄 {value} 与按出生日期计算的 {derived_age} 岁不一致，请核对。",
        pl.col("declared_age") == pl.col("derived_age"),
    ),
    Rule(
        "approver_maintained",
        "reject",
        "person_id",
        "单位尚未维护审定人信息。提示：请先办理单位审定人信息维护。",
        pl.col("approver_name").is_not_null(),
    ),
    once_in_declaration(),
    *RULES[2:],  # gender and birth date against the ID: the check's (no ID facts here)
    *code_rules(COLUMNS, "month_text"),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """Record each approved retirement; the pension starts the month after 退休日期."""
    declaration_id = header["declaration_id"]
    if approved.height:
        context = retirement_context(ws, approved, header["unit_id"])
        records = context.select(
            "person_id",
            "row_no",
            "retirement_type",
            "retirement_month",
            pl.col("retirement_month").dt.offset_by("1mo").alias("pension_start_month"),
            pl.coalesce("declared_age", "derived_age").alias("declared_age"),
            pl.col("derived_months").alias("contribution_months"),
            "social_management",
        )
        effects.insert_retirements(
            ws,
            records.with_columns(pl.col("row_no").cast(pl.Int64)),
            unit_id=header["unit_id"],
            declaration_id=declaration_id,
            today=ws.today,
        )
    ws.log_effect(
        declaration_id,
        f"退休申报审核通过 {approved.height} 人：已记录退休，养老金自退休次月起发放。",
    )


#: The printed 退休申报表 (manual §5.2), see :mod:`._retirement_form`.
FORM = retirement_form(COLUMNS)

#: The single-case form (退休申报).
WIDGET = WidgetLayout(print_label="打印退休申报表")

DECLARATION = Declaration(
    kind="retirement",
    title="退休申报",
    columns=COLUMNS,
    rules=RULES,
    description="对单位已减员结清（在职转退休）人员进行退休申报。一行一人。",
    review=Review(REVIEW_RULES, _context, _effects),
    form=FORM,
    widget=WIDGET,
)
