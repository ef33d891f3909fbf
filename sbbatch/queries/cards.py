"""Card queries (社保卡查询): the unit's card status, its history, its issuing information.

Every query takes a :class:`~sbbatch.store.Workspace` and returns a polars frame with
English columns; :data:`ZH_HEADERS` gives their Chinese headers (used by
:func:`sbbatch.display.zh`). "The unit's persons" are those insured in the unit in
the agency's current month (``ws.today``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from sbbatch.declarations.card_application import CARD_STATE_LABELS, unapplied_persons
from sbbatch.declarations.card_issuing_info import BANK_FIELDS
from sbbatch.store import queries as store

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = [
    "ZH_HEADERS",
    "card_history",
    "card_state_counts",
    "card_status",
    "collectors",
    "issuing_info",
    "unapplied",
]

#: Chinese headers of the columns these queries return.
ZH_HEADERS: dict[str, str] = {
    "card_state": "社保卡状态",
    "application_id": "申领申报编号",
    "has_photo": "已采集照片",
    "photo_ok": "照片合格",
    "photo_file": "照片文件",
    "updated_at": "更新时间",
    "from_state": "原状态",
    "to_state": "新状态",
    "occurred_at": "时间",
    "by_user": "经办人",
    "bank": "制卡银行",
    "branch_code": "网点编号",
    "branch_name": "网点名称",
    "address": "地址",
    "contact": "联系人",
    "confirmed_on": "确定日期",
    "slot": "No.",
    "department": "部门信息",
}


def _state_label(column: str) -> pl.Expr:
    return (
        pl.col(column)
        .fill_null("none")
        .replace_strict(CARD_STATE_LABELS, default=pl.col(column), return_dtype=pl.String)
    )


def card_status(ws: Workspace, unit_id: str) -> pl.DataFrame:
    """Return every person of the unit with the card state (未申领/申领中/已制卡/已撤销).

    Columns: ``person_id``, ``name``, ``card_state`` (Chinese label),
    ``application_id``, ``department``, ``has_photo``, ``photo_ok``, ``photo_file``,
    ``updated_at``.
    """
    frame = store.card_status(ws, unit_id, ws.today.replace(day=1))
    return frame.with_columns(_state_label("card_state").alias("card_state"))


def card_state_counts(ws: Workspace, unit_id: str) -> pl.DataFrame:
    """Return how many of the unit's persons are in each card state, every state listed.

    Examples:
        >>> import datetime as dt
        >>> from sbbatch.store import Workspace
        >>> card_state_counts(Workspace(today=dt.date(2026, 11, 26)), "0010118873").rows()
        [('未申领', 0), ('申领中', 0), ('已制卡', 0), ('已撤销', 0)]
    """
    status = card_status(ws, unit_id)
    states = pl.DataFrame({"card_state": list(CARD_STATE_LABELS.values())})
    counts = status.group_by("card_state").agg(pl.len().cast(pl.Int64).alias("persons"))
    return states.join(counts, on="card_state", how="left", maintain_order="left").with_columns(
        pl.col("persons").fill_null(0)
    )


def card_history(
    ws: Workspace, *, unit_id: str | None = None, person_id: str | None = None
) -> pl.DataFrame:
    """Return the card state changes (oldest first), for a unit, a person, or all."""
    frame = store.card_history(ws, unit_id, person_id)
    return frame.with_columns(_state_label("from_state"), _state_label("to_state"))


def issuing_info(ws: Workspace, unit_id: str) -> pl.DataFrame:
    """Return the unit's confirmed card bank and branch (one row, or none)."""
    return store.card_bank(ws, unit_id, BANK_FIELDS)


def collectors(ws: Workspace, unit_id: str) -> pl.DataFrame:
    """Return the unit's card collectors (领卡人), by No."""
    return store.card_collectors(ws, unit_id)


def unapplied(ws: Workspace, unit_id: str) -> pl.DataFrame:
    """Return the unit's 未制卡申请人员: no card and no application in progress."""
    return unapplied_persons(ws, unit_id, ws.today)
