"""Revocation of card applications (撤销社保卡申领), manual §4.4.

One row per person whose application is to be withdrawn (勾选需要撤销社保卡制卡申请的
人员): 身份证号码 and 姓名. The agency revokes an application that is still 申领中
(accepted, card not made) and was made by this unit; a card already made (已制卡)
cannot be revoked. An approved row puts the card in state 已撤销; the person may
apply again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.declarations._common import id_column, name_column
from sbbatch.declarations.card_application import change_card_states
from sbbatch.spec import Declaration, Review, Rule
from sbbatch.store import cards

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["DECLARATION"]

COLUMNS = (id_column(), name_column(required=False))


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    facts = cards.card_states(ws, rows["person_id"].cast(pl.String).to_list())
    return rows.join(facts, on="person_id", how="left", maintain_order="left").with_columns(
        pl.lit(header["unit_id"]).alias("unit_id")
    )


_KNOWN = pl.col("registry_name").is_not_null()

REVIEW_RULES = (
    Rule(
        "person_unknown",
        "reject",
        "person_id",
        "身份证号码「{value}」不在参保人员中。",
        _KNOWN,
    ),
    Rule(
        "name_mismatch",
        "reject",
        "name",
        "姓名「{value}」与登记的姓名「{registry_name}」不符。",
        pl.col("name") == pl.col("registry_name"),
    ),
    Rule(
        "no_application",
        "reject",
        "person_id",
        "该人员没有社保卡申领，无需撤销。",
        pl.col("card_state").is_not_null(),
        when=_KNOWN,
    ),
    Rule(
        "card_made",
        "reject",
        "person_id",
        "该人员的社保卡已制卡，不能撤销申领。",
        pl.col("card_state") != "made",
    ),
    Rule(
        "already_revoked",
        "reject",
        "person_id",
        "该人员的社保卡申领已撤销。",
        pl.col("card_state") != "revoked",
    ),
    Rule(
        "other_unit",
        "reject",
        "person_id",
        "该人员的社保卡申领不是本单位提交的，不能撤销。",
        pl.col("card_unit") == pl.col("unit_id"),
        when=pl.col("card_state") == "applying",
    ),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """Approved revocations: the card is 已撤销."""
    change_card_states(
        ws, header["unit_id"], approved.select("person_id"), "revoked", header["declaration_id"]
    )


DECLARATION = Declaration(
    kind="card_revocation",
    title="撤销社保卡申领",
    columns=COLUMNS,
    description="撤销本单位已提交、尚未制卡的社保卡申领。一行一人。",
    review=Review(
        rules=REVIEW_RULES, context=_context, effects=_effects, success="撤销社保卡申领成功"
    ),
    detectable=False,
)
