"""Social security card application (社保卡申领, 批量社保卡申领), manual §4.2–4.3.

One row per person: 身份证号码, 姓名, 手机号码, 部门信息, 备注 — the 未制卡申请人员
file of §4.3 filled in, or the single form of §4.2. The person's photo is not a
column: it is collected for the person first (获取公安照片, 上传照片, a folder or zip of
身份证号码姓名.jpg; see :mod:`sbbatch.cards`) and the review judges the person's
current photo with the checks of :mod:`sbbatch.photos`.

The agency's review: the person is insured in the unit, registered under that name,
has no card made (已制卡) and no application in progress (申领中, or in another
submitted application); the unit's issuing information (申领信息维护) is confirmed;
a photo is there and passes every check; the phone is a mobile number. An approved
row puts the person's card in state 申领中 with the photo it is made with.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from sbbatch._rules import join_message_list
from sbbatch.declarations._common import id_column, name_column
from sbbatch.spec import Column, Declaration, Review, Rule, WidgetLayout
from sbbatch.store import cards

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = [
    "CARD_STATE_LABELS",
    "DECLARATION",
    "PHONE_PATTERN",
    "change_card_states",
    "unapplied_persons",
]

#: Card states (社保卡状态) by code; a person without a ``cards`` row is 未申领.
CARD_STATE_LABELS: Final[dict[str, str]] = {
    "none": "未申领",
    "applying": "申领中",
    "made": "已制卡",
    "revoked": "已撤销",
}

#: A mainland mobile number (手机号码), as the batch check accepts it.
PHONE_PATTERN: Final = r"^1[3-9]\d{9}$"

#: This business's kind (its own submitted applications block a second one).
KIND: Final = "card_application"


COLUMNS = (
    id_column(),
    name_column(),
    Column(
        "phone",
        "手机号码",
        "phone",
        required=True,
        example="13812345678",
        help="11 位手机号码，用于银行制卡联系",
        synonyms=("联系电话", "手机", "手机号"),
    ),
    Column(
        "department",
        "部门信息",
        example="财务部",
        help="可不填",
        max_length=50,
        synonyms=("部门", "所在部门"),
    ),
    Column("note", "备注", example="", help="可不填", max_length=100),
)


# ------------------------------------------------------------------------------ review


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    """Add the registry facts of every declared person (card, photo, insured here…)."""
    unit = header["unit_id"]
    month = ws.today.replace(day=1)
    person_ids = rows["person_id"].cast(pl.String).to_list()
    facts = cards.application_facts(
        ws,
        person_ids,
        unit_id=unit,
        month=month,
        declaration_id=header.get("declaration_id") or "",
        kind=KIND,
    )
    problem = pl.Struct({"rule": pl.String, "level": pl.String, "message": pl.String})
    decoded = pl.col("photo_problems").str.json_decode(pl.List(problem))

    def joined(level: str) -> pl.Expr:
        kept = decoded.list.filter(
            (pl.element().struct.field("level") == level)
            & (pl.element().struct.field("rule") != "photo_duplicate")
        )
        text = join_message_list(kept.list.eval(pl.element().struct.field("message")))
        return pl.when(text != "").then(text)

    facts = facts.with_columns(
        joined("reject").alias("photo_rejects"),
        joined("warn").alias("photo_warnings"),
        pl.coalesce("applying_ref", "submitted_ref").alias("pending_ref"),
    )
    return rows.join(facts, on="person_id", how="left", maintain_order="left")


REVIEW_RULES = (
    Rule(
        "person_unknown",
        "reject",
        "person_id",
        "身份证号码「{value}」不在参保人员中。",
        pl.col("registry_name").is_not_null(),
    ),
    Rule(
        "not_insured_here",
        "reject",
        "person_id",
        "该人员不在本单位参保，不能申领社保卡。",
        pl.col("insured_here"),
        when=pl.col("registry_name").is_not_null(),
    ),
    Rule(
        "name_mismatch",
        "reject",
        "name",
        "姓名「{value}」与登记的姓名「{registry_name}」不符。",
        pl.col("name") == pl.col("registry_name"),
    ),
    Rule(
        "card_made",
        "reject",
        "person_id",
        "该人员已制卡，不能重复申领。提示：换卡、补卡请到银行网点或经办机构办理。",
        pl.col("card_state") != "made",
    ),
    Rule(
        "application_pending",
        "reject",
        "person_id",
        "该人员已有社保卡申领在办理中（申报 {pending_ref}），不能重复申领。",
        pl.col("pending_ref").is_null(),
    ),
    Rule(
        "issuing_info_missing",
        "reject",
        "person_id",
        "单位的申领信息（制卡银行及网点）尚未确定。提示：请先办理“申领信息维护”。",
        pl.col("issuing_confirmed"),
    ),
    Rule(
        "photo_missing",
        "reject",
        "person_id",
        "系统中没有该人员的照片。提示：请点击“获取公安照片”，或按要求上传照片（身份证号码姓名.jpg）。",
        pl.col("photo_sha256").is_not_null(),
    ),
    Rule(
        "photo_rejected",
        "reject",
        "person_id",
        "{photo_rejects}",
        pl.col("photo_rejects").is_null(),
    ),
    Rule(
        "photo_warning", "warn", "person_id", "{photo_warnings}", pl.col("photo_warnings").is_null()
    ),
    Rule(
        "photo_shared",
        "warn",
        "person_id",
        "该人员的照片与 {same_photo_persons} 的照片是同一张，请核对是否本人。",
        pl.col("same_photo_persons").is_null(),
    ),
    Rule(
        "phone_invalid",
        "reject",
        "phone",
        "手机号码「{value}」不是 11 位手机号码。",
        pl.col("phone").fill_null("").str.contains(PHONE_PATTERN),
    ),
)


def change_card_states(
    ws: Workspace,
    unit_id: str,
    changes: pl.DataFrame,
    to_state: str,
    by: str | None,
) -> int:
    """Set the card state of persons and append their history (inside the caller's transaction).

    Args:
        ws: The workspace, in a transaction.
        unit_id: The unit the cards belong to.
        changes: ``person_id`` and, for an application, ``photo_sha256``, ``phone``,
            ``department``, ``note`` (missing columns keep what the card had).
        to_state: ``applying``, ``made`` or ``revoked``.
        by: The declaration that changed them (or ``None`` for outside history).

    Returns:
        The number of persons changed.
    """
    if changes.height == 0:
        return 0
    ids = changes["person_id"].cast(pl.String).to_list()
    before = cards.states_before(ws, ids)

    def values(name: str) -> list[Any]:
        if name in changes.columns:
            return changes[name].cast(pl.String).to_list()
        return [None] * changes.height

    application = by if to_state == "applying" else None
    cards.upsert_cards(
        ws,
        ids,
        unit_id=unit_id,
        state=to_state,
        application=application,
        photos=values("photo_sha256"),
        phones=values("phone"),
        departments=values("department"),
        notes=values("note"),
        by=by,
        at=ws.now(),
    )
    ws._checkpoint("cards:states")
    history = (
        changes.select(pl.col("person_id").cast(pl.String))
        .join(before, on="person_id", how="left")
        .select(
            "person_id",
            pl.lit(unit_id).alias("unit_id"),
            "from_state",
            pl.lit(to_state).alias("to_state"),
            pl.lit(by, pl.String).alias("declaration_id"),
            pl.lit(ws.now()).alias("occurred_at"),
            pl.lit(ws.user).alias("by_user"),
        )
    )
    ws.insert_frame("card_history", history)
    ws.log_effect(
        by,
        json.dumps(
            {"cards": to_state, "label": CARD_STATE_LABELS[to_state], "persons": changes.height},
            ensure_ascii=False,
        ),
    )
    return changes.height


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """Approved applications: the person's card is 申领中, with the current photo."""
    if approved.height == 0:
        return
    photos = cards.current_photos_of(ws, approved["person_id"]).select(
        "person_id", pl.col("sha256").alias("photo_sha256")
    )
    changes = approved.select("person_id", "phone", "department", "note").join(
        photos, on="person_id", how="left"
    )
    change_card_states(ws, header["unit_id"], changes, "applying", header["declaration_id"])


def unapplied_persons(ws: Workspace, unit_id: str, month: dt.date) -> pl.DataFrame:
    """Return the unit's persons without a card and without an application (未制卡申请人员).

    Persons insured in the unit in ``month`` whose card is 未申领 or 已撤销 and who are
    in no submitted application, with their registered phone: the rows of the
    批量社保卡申领 file to fill (含数据报盘).
    """
    return cards.unapplied_persons(ws, unit_id, month.replace(day=1), KIND)


#: The single-case form (社保卡申领): the columns, then the photo upload (上传照片).
WIDGET = WidgetLayout(extras=("photo",))


DECLARATION = Declaration(
    kind="card_application",
    title="社保卡申领",
    columns=COLUMNS,
    description="为本单位参保职工采集社保卡信息及照片并申领社保卡（单个或批量）。一行一人；照片按“身份证号码姓名.jpg”另行上传。",
    prefill=unapplied_persons,
    review=Review(rules=REVIEW_RULES, context=_context, effects=_effects, success="申领社保卡成功"),
    widget=WIDGET,
)
