"""Card issuing information (申领信息维护), manual §4.1.

The unit's card bank and branch (制卡银行, 网点编号, 网点名称, 地址, 联系电话, 联系人)
and its card collectors (领卡人: 社会保障号码, 姓名, 联系电话). A declaration has one
row per part, told apart by 信息类别: at most one 制卡银行信息 row and at most two
领卡人信息 rows (the full list of collectors, which replaces the previous one). Its
two review results are those of the manual: 审核结果 (the bank row) and 领卡人审核结果
(the collector rows).

Rules of the manual: once the agency has confirmed the bank and branch they cannot be
changed (「银行及网点信息已确定，不能修改」); collectors may be changed; at most two
(「领取人信息最多可维护 2 人」); a collector is an insured person of the unit, and the
name is taken from the registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import polars as pl

from sbbatch.declarations._samples import cards as _samples
from sbbatch.declarations.card_application import PHONE_PATTERN
from sbbatch.spec import Column, Declaration, DemoStep, Review, Rule, Slot, WidgetLayout
from sbbatch.store import cards, registry
from sbbatch.store.cards import BANK_FIELDS

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = [
    "BANK_CONFIRMED_MESSAGE",
    "BANK_FIELDS",
    "BANK_PART",
    "COLLECTOR_PART",
    "DECLARATION",
    "MAX_COLLECTORS",
]

BANK_PART: Final = "制卡银行信息"
COLLECTOR_PART: Final = "领卡人信息"

#: 「领取人信息最多可维护 2 人」 (manual §4.1).
MAX_COLLECTORS: Final = 2

#: The fields of the bank part, in the manual's order.

BANK_CONFIRMED_MESSAGE: Final = "银行及网点信息已确定，不能修改。提示：如需修改请联系社保经办机构。"

_LANDLINE_OR_MOBILE = r"^((0\d{2,3}-?)?\d{7,8}(-\d{1,6})?|1[3-9]\d{9})$"

COLUMNS = (
    Column(
        "part",
        "信息类别",
        required=True,
        example=COLLECTOR_PART,
        help=f"{BANK_PART} 或 {COLLECTOR_PART}；银行一行，领卡人每人一行（最多 {MAX_COLLECTORS} 人）",
    ),
    Column("bank", "制卡银行", example="中国银行", help="制卡银行信息行必填", max_length=50),
    Column("branch_code", "网点编号", example="10712", help="制卡银行信息行必填", max_length=20),
    Column(
        "branch_name",
        "网点名称",
        example="中国银行股份有限公司济南分行",
        help="制卡银行信息行必填",
        max_length=100,
    ),
    Column("address", "地址", example="济南市历下区泺源大街22号", max_length=100),
    Column("contact", "联系人", example="李慧、孙娜", max_length=50),
    Column(
        "phone",
        "联系电话",
        example="13105311234",
        help="网点的电话（可为座机，如 0531-86995566）；领卡人的 11 位手机号码",
        max_length=20,
    ),
    Column(
        "person_id",
        "社会保障号码",
        "id",
        example="370103198310135672",
        help="领卡人信息行必填；该列须设为文本格式",
    ),
    Column(
        "name", "姓名", "name", example="张三", help="可不填，按社会保障号码带出", max_length=30
    ),
)

_BANK = pl.col("part") == BANK_PART
_COLLECTOR = pl.col("part") == COLLECTOR_PART
_ORDINAL = pl.int_range(pl.len()).over("part")

RULES = (
    Rule(
        "part_unknown",
        "reject",
        "part",
        f"信息类别「{{value}}」应为“{BANK_PART}”或“{COLLECTOR_PART}”。",
        pl.col("part").is_in([BANK_PART, COLLECTOR_PART]),
    ),
    Rule(
        "bank_required",
        "reject",
        "bank",
        "制卡银行必填。",
        pl.col("bank").is_not_null(),
        when=_BANK,
    ),
    Rule(
        "branch_code_required",
        "reject",
        "branch_code",
        "网点编号必填。",
        pl.col("branch_code").is_not_null(),
        when=_BANK,
    ),
    Rule(
        "branch_name_required",
        "reject",
        "branch_name",
        "网点名称必填。",
        pl.col("branch_name").is_not_null(),
        when=_BANK,
    ),
    Rule(
        "bank_phone_invalid",
        "reject",
        "phone",
        "联系电话「{value}」不是有效的电话号码。",
        pl.col("phone").str.contains(_LANDLINE_OR_MOBILE),
        when=_BANK,
    ),
    Rule("one_bank_row", "reject", "part", "制卡银行信息只能有一行。", _ORDINAL == 0, when=_BANK),
    Rule(
        "collector_id_required",
        "reject",
        "person_id",
        "领卡人的社会保障号码必填。",
        pl.col("person_id").is_not_null(),
        when=_COLLECTOR,
    ),
    Rule(
        "collector_phone_invalid",
        "reject",
        "phone",
        "领卡人的联系电话「{value}」不是 11 位手机号码。",
        pl.col("phone").fill_null("").str.contains(PHONE_PATTERN),
        when=_COLLECTOR,
    ),
    Rule(
        "too_many_collectors",
        "reject",
        "person_id",
        f"领卡人最多维护 {MAX_COLLECTORS} 人，本行是第 {MAX_COLLECTORS + 1} 位及以后的领卡人，不能添加。",
        _ORDINAL < MAX_COLLECTORS,
        when=_COLLECTOR,
    ),
)


# ------------------------------------------------------------------------------ review


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    unit = header["unit_id"]
    confirmed = cards.confirmed_bank(ws, unit)
    people = cards.issuing_persons(ws, unit, rows["person_id"], ws.today.replace(day=1))
    has_bank_row = bool((rows["part"] == BANK_PART).any())
    context = rows.join(people, on="person_id", how="left", maintain_order="left").with_columns(
        pl.lit(confirmed.height > 0).alias("bank_confirmed"),
        pl.lit(has_bank_row).alias("has_bank_row"),
    )
    if confirmed.height:
        old = confirmed.row(0, named=True)
        differs = pl.any_horizontal(
            pl.col(name).fill_null("").str.strip_chars() != (old[name] or "").strip()
            for name in BANK_FIELDS
        )
    else:
        differs = pl.lit(False)
    return context.with_columns(differs.alias("bank_changed"))


REVIEW_RULES = (
    Rule(
        "bank_confirmed",
        "reject",
        "bank",
        BANK_CONFIRMED_MESSAGE,
        ~pl.col("bank_changed"),
        when=_BANK,
    ),
    Rule(
        "collector_unknown",
        "reject",
        "person_id",
        "领卡人的社会保障号码「{value}」不在参保人员中。",
        pl.col("registry_name").is_not_null(),
        when=_COLLECTOR,
    ),
    Rule(
        "collector_not_in_unit",
        "reject",
        "person_id",
        "领卡人「{registry_name}」不是本单位的参保职工。提示：领卡人须为本单位人员。",
        pl.col("insured_here"),
        when=_COLLECTOR & pl.col("registry_name").is_not_null(),
    ),
    Rule(
        "collector_name_mismatch",
        "reject",
        "name",
        "领卡人姓名「{value}」与登记的姓名「{registry_name}」不符。",
        pl.col("name") == pl.col("registry_name"),
        when=_COLLECTOR,
    ),
    Rule(
        "bank_missing",
        "reject",
        "part",
        "单位的制卡银行及网点信息尚未确定。提示：请与领卡人信息一并填写制卡银行信息。",
        pl.col("bank_confirmed") | pl.col("has_bank_row"),
        when=_COLLECTOR,
    ),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """Approved bank row: the bank is confirmed; approved collectors replace the old ones."""
    unit = header["unit_id"]
    declaration_id = header["declaration_id"]
    bank = approved.filter(_BANK)
    if bank.height and cards.confirm_bank(
        ws, unit, bank.row(0, named=True), declaration_id=declaration_id, today=ws.today
    ):
        row = bank.row(0, named=True)
        ws.log_effect(declaration_id, f"制卡银行及网点已确定：{row['bank']} {row['branch_name']}")
    collectors = approved.filter(_COLLECTOR)
    if collectors.height:
        names = registry.person_columns(ws, collectors["person_id"], {"name": "registry_name"})
        cards.replace_collectors(
            ws,
            unit,
            collectors.head(MAX_COLLECTORS)
            .join(names, on="person_id", how="left", maintain_order="left")
            .select(
                pl.lit(unit).alias("unit_id"),
                pl.int_range(1, pl.len() + 1, dtype=pl.Int32).alias("slot"),
                "person_id",
                pl.coalesce("name", "registry_name").alias("name"),
                "phone",
                pl.lit(declaration_id).alias("declaration_id"),
            ),
        )
        ws.log_effect(declaration_id, f"领卡人已更新为 {collectors.height} 人")


#: The single-case form (申领信息维护): the bank row, then up to two collectors.
WIDGET = WidgetLayout(
    slots=(
        Slot(BANK_PART, BANK_FIELDS, fixed=(("part", BANK_PART),), optional=True),
        *(
            Slot(
                f"{COLLECTOR_PART}（{n}）",
                ("person_id", "name", "phone"),
                (("part", COLLECTOR_PART),),
                True,
            )
            for n in range(1, MAX_COLLECTORS + 1)
        ),
    ),
)


#: This business's part of the monthly demo (its sample cases: :mod:`sbbatch.declarations._samples.cards`).
DEMO = DemoStep(
    order=40,
    title="社保卡：申领信息、照片检查、批量申领、撤销",
    run=_samples.run,
)

DECLARATION = Declaration(
    kind="card_issuing_info",
    title="申领信息维护",
    columns=COLUMNS,
    rules=RULES,
    key_fields=("person_id",),
    description="维护单位的制卡银行及网点（确定后不能修改）和领卡人（最多 2 人，可修改）。",
    review=Review(rules=REVIEW_RULES, context=_context, effects=_effects),
    widget=WIDGET,
    demo=DEMO,
)
