"""Survivor benefit (遗属申报), manual §5.3: the dependants of a deceased retiree of the unit.

One row per survivor (遗属): the deceased's fields (社会保障号码, 姓名, 离退休日期, 死亡日期,
离退休类别, 参加工作日期) and the survivor's (遗属信息). The amounts: 孤独补贴 is 定期支付金额
× 10% when 孤身标志 is 是, 建国前补贴 is 定期支付金额 × 20% when 建国前标志 is 是 (half up to
the fen; ``schemas/policy/jinan/survivor_supplements.csv``, secondary), and 待遇总额 is
their sum — the manual's example: 460.00 + 46.00 + 0 = 506.00. A blank supplement is
computed; a figure that differs is rejected with the right one.

The review checks that the deceased is a retiree of the unit (a retirement record of the
unit, or a pension period of the unit closed with 在职转退休), that 死亡日期 is after
离退休日期 and not in the future, the codes, and the unit's approver. It rejects what the
rule makes ineligible (figures in ``schemas/policy/jinan/other_filings.csv``): 建国前标志
是 where the deceased's 参加工作日期 is not before 1949-10-01; a survivor who is the
deceased; more 孤身 survivors of one deceased than ``survivor_lone_max`` (孤寡一人者,
counting the benefits granted already); a 定期支付金额 outside the class bounds
(``survivor_regular_floor`` from 2007, secondary; ``survivor_regular_ceiling``, an
inference, said so in the message). Approval records the
survivor benefit (table ``survivor_benefits``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch import ids
from sbbatch._money import half_up_fen
from sbbatch.contributions import yuan_expr
from sbbatch.declarations._common import id_column
from sbbatch.declarations._other import figure, figure_row
from sbbatch.declarations._registry_review import (
    PENSION,
    RETIREMENT_REASON,
    code_rules,
    month_text,
    name_matches_registry,
    periods_of,
    with_all_columns,
    with_code_labels,
    with_registry_person,
)
from sbbatch.declarations._retirement import (
    YES,
    supplement_rates,
    with_approver,
    yes_no_column,
    yes_no_rule,
)
from sbbatch.declarations.approver_info import PHONE_PATTERN
from sbbatch.spec import Column, Declaration, Review, Rule
from sbbatch.store import effects, records

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["COLUMNS", "DECLARATION", "REVIEW_RULES", "RULES", "with_amounts"]

COLUMNS = (
    id_column("社会保障号码"),
    Column("name", "姓名", "name", example="周钢", max_length=30, help="死者姓名"),
    Column("retirement_date", "离退休日期", "date", example="2011-03-01"),
    Column("death_date", "死亡日期", "date", required=True, example="2016-07-08"),
    Column(
        "retirement_type", "离退休类别", "code", code_table="retirement_type", example="正常退休"
    ),
    Column("work_start_date", "参加工作日期", "date", example="1979-07-01"),
    Column("survivor_id", "遗属身份证号码", "id", required=True, example="370102198001011231"),
    Column("survivor_name", "遗属姓名", "name", required=True, example="周红", max_length=30),
    Column("survivor_gender", "性别", "gender", example="男"),
    Column("survivor_birth_date", "出生日期", "date", required=True, example="1980-01-01"),
    Column("ethnicity", "民族", "code", code_table="ethnicity", example="汉族"),
    Column(
        "relation",
        "与死者关系",
        "code",
        required=True,
        code_table="relation_to_deceased",
        example="父母",
    ),
    Column("start_month", "待遇享受开始年月", "month", required=True, example="2019-04"),
    Column("hukou_type", "户口性质", "code", code_table="hukou_type"),
    Column(
        "survivor_type",
        "遗属类别",
        "code",
        required=True,
        code_table="survivor_type",
        example="退休遗属",
    ),
    Column("security_centre", "保障中心名称", "text", max_length=50),
    Column(
        "social_management",
        "社会化管理方式",
        "code",
        required=True,
        code_table="social_management",
        example="社区管理",
    ),
    Column("postcode", "邮政编码", "text", max_length=6),
    Column("address", "通讯地址", "text", max_length=100),
    Column("payee_name", "领取人姓名", "name", max_length=30),
    Column("home_address", "家庭住址", "text", max_length=100),
    Column("phone", "联系电话", "text", max_length=20),
    Column(
        "support_condition",
        "供养条件",
        "code",
        required=True,
        code_table="support_condition",
        example="子女",
    ),
    yes_no_column("lone_flag", "孤身标志", required=True),
    yes_no_column("pre1949_flag", "建国前标志", required=True),
    Column("approver", "单位审定人", "name", required=True, example="王芳", max_length=30),
    Column(
        "approver_phone",
        "单位审定人联系电话",
        "text",
        required=True,
        example="13105311234",
        max_length=20,
    ),
    Column("remarks", "备注", "text", max_length=200),
    Column("regular_fen", "定期支付金额", "money", required=True, example="460.00"),
    Column(
        "lone_fen", "孤独补贴", "money", example="46.00", help="可不填，按定期支付金额的 10% 计算"
    ),
    Column(
        "pre1949_fen", "建国前补贴", "money", example="0", help="可不填，按定期支付金额的 20% 计算"
    ),
    Column("total_fen", "待遇总额", "money", required=True, example="506.00"),
)


def with_amounts(rows: pl.DataFrame) -> pl.DataFrame:
    """Add the computed supplements and total: ``lone_due``, ``pre1949_due``, ``total_due``.

    Also their yuan texts (``*_text``) for the messages.

    Examples:
        >>> rows = pl.DataFrame({"regular_fen": [46000], "lone_flag": ["是"], "pre1949_flag": ["否"]})
        >>> with_amounts(rows).select("lone_due", "pre1949_due", "total_due").row(0)
        (4600, 0, 50600)
    """
    rates = supplement_rates()

    def due(flag: str, rate: int) -> pl.Expr:
        return (
            pl.when(pl.col(flag) == YES)
            .then(half_up_fen(pl.col("regular_fen"), pl.lit(rate, pl.Int64)))
            .otherwise(pl.lit(0, pl.Int64))
        )

    return rows.with_columns(
        due("lone_flag", rates["lone"]).alias("lone_due"),
        due("pre1949_flag", rates["pre1949"]).alias("pre1949_due"),
    ).with_columns(
        (pl.col("regular_fen") + pl.col("lone_due") + pl.col("pre1949_due")).alias("total_due"),
        yuan_expr(pl.col("lone_due")).alias("lone_due_text"),
        yuan_expr(pl.col("pre1949_due")).alias("pre1949_due_text"),
        yuan_expr(pl.col("regular_fen") + pl.col("lone_due") + pl.col("pre1949_due")).alias(
            "total_due_text"
        ),
    )


def _policy_date(key: str) -> dt.date:
    return dt.date.fromisoformat(str(figure_row(key)["value"]))


def _policy_month(key: str) -> dt.date | None:
    start = figure_row(key)["effective_from"]
    return dt.date.fromisoformat(f"{start}-01") if start else None


#: 建国 (1949-10-01): the 参加工作日期 of a 建国前补贴 must be before it (policy row).
PRE1949_BEFORE = _policy_date("survivor_pre1949_before")


def _bound(key: str) -> pl.Expr:
    """The fen bound ``key`` for the row's 待遇享受开始年月 (null before its first month)."""
    value = pl.lit(int(str(figure_row(key)["value"])), pl.Int64)
    start = _policy_month(key)
    if start is None:
        return value
    return pl.when(pl.col("start_month") >= pl.lit(start)).then(value)


# Rules of the row alone (the file check and the review).
_ROW_RULES: tuple[Rule, ...] = (
    yes_no_rule("lone_flag", "孤身标志"),
    yes_no_rule("pre1949_flag", "建国前标志"),
    Rule(
        "survivor_is_not_deceased",
        "reject",
        "survivor_id",
        "遗属身份证号码「{value}」与死者的社会保障号码相同，遗属不能是死者本人。",
        pl.col("survivor_id") != pl.col("person_id"),
    ),
    Rule(
        "pre1949_needs_early_work",
        "reject",
        "pre1949_flag",
        f"建国前标志为是，但参加工作日期「{{work_start_date}}」不早于 {PRE1949_BEFORE:%Y-%m-%d}"
        "（或未填写）。建国前补贴只适用于建国前参加工作的死者。",
        pl.col("work_start_date").fill_null(pl.lit(PRE1949_BEFORE)) < pl.lit(PRE1949_BEFORE),
        when=pl.col("pre1949_flag") == YES,
    ),
    Rule(
        "survivor_birth_date_matches_id",
        "reject",
        "survivor_birth_date",
        "出生日期「{value}」与遗属身份证号码中的出生日期不符。",
        pl.col("survivor_birth_date") == ids.birth_date(pl.col("survivor_id")),
    ),
    Rule(
        "survivor_gender_matches_id",
        "reject",
        "survivor_gender",
        "性别「{value}」与遗属身份证号码不符。",
        pl.col("survivor_gender") == ids.gender(pl.col("survivor_id")),
    ),
    Rule(
        "death_after_retirement",
        "reject",
        "death_date",
        "死亡日期「{value}」应晚于离退休日期。",
        pl.col("death_date") > pl.col("retirement_date"),
    ),
    Rule(
        "approver_phone_invalid",
        "reject",
        "approver_phone",
        "单位审定人联系电话「{value}」不是有效的电话号码。",
        pl.col("approver_phone").str.contains(PHONE_PATTERN),
    ),
)

_AMOUNT_RULES: tuple[Rule, ...] = (
    Rule(
        "regular_above_floor",
        "reject",
        "regular_fen",
        "定期支付金额「{value}」低于遗属生活困难补助的最低标准 {regular_floor_text} 元"
        "（2007 年起五类地区中最低一类）。",
        pl.col("regular_fen") >= pl.col("regular_floor_fen"),
    ),
    Rule(
        "regular_below_ceiling",
        "reject",
        "regular_fen",
        "定期支付金额「{value}」高于 {regular_ceiling_text} 元。按 sbbatch 的假设：遗属生活困难"
        "补助每人每月不超过 {regular_ceiling_text} 元（济南标准未查到），请核对金额。",
        pl.col("regular_fen") <= pl.col("regular_ceiling_fen"),
    ),
    Rule(
        "lone_supplement",
        "reject",
        "lone_fen",
        "孤独补贴「{value}」不对，应为 {lone_due_text}（孤身标志为是时按定期支付金额的 10%，否则为 0）。",
        pl.col("lone_fen") == pl.col("lone_due"),
    ),
    Rule(
        "pre1949_supplement",
        "reject",
        "pre1949_fen",
        "建国前补贴「{value}」不对，应为 {pre1949_due_text}"
        "（建国前标志为是时按定期支付金额的 20%，否则为 0）。",
        pl.col("pre1949_fen") == pl.col("pre1949_due"),
    ),
    Rule(
        "total_is_sum",
        "reject",
        "total_fen",
        "待遇总额「{value}」不等于定期支付金额、孤独补贴与建国前补贴之和，应为 {total_due_text}。",
        pl.col("total_fen") == pl.col("total_due"),
    ),
)


RULES: tuple[Rule, ...] = _ROW_RULES


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    """Join the rows with the deceased's retirement in the unit, the approver and the amounts."""
    unit = header["unit_id"]
    rows = with_all_columns(rows, COLUMNS)
    person_ids = rows["person_id"]
    recorded = records.retirement_months(ws, person_ids, unit_id=unit).rename(
        {"retirement_month": "recorded_month"}
    )
    departed = (
        periods_of(ws, person_ids)
        .filter(
            (pl.col("unit_id") == unit)
            & (pl.col("insurance") == PENSION)
            & (pl.col("leave_reason") == RETIREMENT_REASON)
        )
        .group_by("person_id")
        .agg(pl.col("until_month").max().alias("departed_month"))
    )
    granted = records.survivor_benefits_of(ws, person_ids)
    lone_granted = records.lone_survivors_of(ws, person_ids)
    context = with_registry_person(ws, rows)
    context = context.join(recorded, on="person_id", how="left")
    context = context.join(departed, on="person_id", how="left")
    context = context.join(granted, on=["person_id", "survivor_id"], how="left")
    context = context.join(lone_granted, on="person_id", how="left")
    context = with_approver(ws, context, unit)
    context = with_code_labels(context, COLUMNS, "start_month")
    return (
        with_amounts(context)
        .with_columns(
            pl.coalesce("recorded_month", "departed_month").alias("retired_month"),
            pl.lit(ws.today).alias("today"),
            month_text(pl.col("start_month")).alias("start_text"),
            _bound("survivor_regular_floor").alias("regular_floor_fen"),
            _bound("survivor_regular_ceiling").alias("regular_ceiling_fen"),
            pl.lit(int(figure("survivor_lone_max")), pl.Int64).alias("lone_max"),
            (
                pl.col("lone_survivors")
                .list.set_difference(pl.concat_list(pl.col("survivor_id")))
                .list.len()
                .fill_null(0)
                .cast(pl.Int64)
                + (pl.col("lone_flag") == YES)
                .fill_null(False)
                .cast(pl.Int64)
                .cum_sum()
                .over("person_id", order_by="row_no")
            ).alias("lone_count"),
        )
        .with_columns(
            month_text(pl.col("retired_month")).alias("retired_text"),
            month_text(pl.col("death_date")).alias("death_month_text"),
            yuan_expr(pl.col("regular_floor_fen")).alias("regular_floor_text"),
            yuan_expr(pl.col("regular_ceiling_fen")).alias("regular_ceiling_text"),
        )
    )


REVIEW_RULES: tuple[Rule, ...] = (
    Rule(
        "deceased_known",
        "reject",
        "person_id",
        "未查到死者的社保登记信息，不能办理遗属申报。",
        pl.col("reg_name").is_not_null(),
    ),
    name_matches_registry(),
    Rule(
        "deceased_is_retiree",
        "reject",
        "person_id",
        "死者不是本单位的退休人员（未查到本单位的退休记录或在职转退休减员记录）。",
        pl.col("retired_month").is_not_null(),
        when=pl.col("reg_name").is_not_null(),
    ),
    Rule(
        "death_after_registered_retirement",
        "reject",
        "death_date",
        "死亡日期 {value} 早于死者的退休年月 {retired_text}。",
        pl.col("death_date") >= pl.col("retired_month"),
    ),
    Rule(
        "death_not_in_future",
        "reject",
        "death_date",
        "死亡日期 {value} 晚于今天。",
        pl.col("death_date") <= pl.col("today"),
    ),
    Rule(
        "start_after_death",
        "warn",
        "start_month",
        "待遇享受开始年月 {start_text} 不晚于死亡年月 {death_month_text}，请核对。",
        pl.col("start_month") > pl.col("death_date"),
    ),
    Rule(
        "not_granted_yet",
        "reject",
        "survivor_id",
        "该遗属已享受该死者的遗属待遇，不能重复申报。",
        pl.col("granted").is_null(),
    ),
    Rule(
        "lone_at_most",
        "reject",
        "lone_flag",
        "孤身标志为是的遗属已有 {lone_count} 人（含已享受待遇的），超过 {lone_max} 人。"
        "孤独补贴只适用于孤寡一人的遗属。",
        pl.col("lone_count") <= pl.col("lone_max"),
        when=pl.col("lone_flag") == YES,
    ),
    Rule(
        "approver_maintained",
        "reject",
        "approver",
        "单位尚未维护审定人信息。提示：请先办理单位审定人信息维护。",
        pl.col("approver_name").is_not_null(),
    ),
    Rule(
        "approver_matches",
        "warn",
        "approver",
        "单位审定人「{value}」与单位维护的审定人「{approver_name}」不一致，请核对。",
        pl.col("approver") == pl.col("approver_name"),
    ),
    *_AMOUNT_RULES,
    *_ROW_RULES,
    *code_rules(COLUMNS, "start_text"),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """Record each approved survivor benefit with the computed amounts."""
    declaration_id = header["declaration_id"]
    if approved.height:
        records = with_amounts(with_all_columns(approved, COLUMNS)).select(
            pl.col("person_id").alias("deceased_id"),
            "survivor_id",
            "survivor_name",
            pl.col("row_no").cast(pl.Int64),
            "death_date",
            "relation",
            "survivor_type",
            "start_month",
            "regular_fen",
            pl.col("lone_due").alias("lone_fen"),
            pl.col("pre1949_due").alias("pre1949_fen"),
            pl.col("total_due").alias("total_fen"),
        )
        effects.insert_survivor_benefits(
            ws,
            records,
            unit_id=header["unit_id"],
            declaration_id=declaration_id,
            today=ws.today,
        )
    ws.log_effect(declaration_id, f"遗属申报审核通过 {approved.height} 人：已记录遗属待遇。")


DECLARATION = Declaration(
    kind="survivor",
    title="遗属申报",
    columns=COLUMNS,
    rules=RULES,
    key_fields=("person_id", "survivor_id"),
    description="对单位退休人员的遗属进行申报。一行一位遗属。",
    review=Review(REVIEW_RULES, _context, _effects),
    detectable=False,
)
