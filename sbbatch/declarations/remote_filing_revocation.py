"""Revocation of a remote medical filing (撤销异地人员备案), manual §3.3.

The row names the person; 原异地医院编号/名称, 原异地居住地址 and 原安置日期 are
those of the person's active filing (含数据报盘 fills them). The agency ends the filing
when it exists and has been registered long enough (half a year; a year for filings
registered before October 2018, manual §3.2 填表说明 3). One row per person.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.declarations._common import id_column, name_column
from sbbatch.declarations._medical import (
    MEDICAL_KINDS,
    active_filings,
    filing_form,
    insured_or_retired_here,
    person_known,
    with_medical_person,
)
from sbbatch.declarations._registry_review import (
    name_matches_registry,
    no_open_declaration,
    once_in_declaration,
    with_all_columns,
)
from sbbatch.spec import Column, Declaration, Review, Rule, WidgetLayout
from sbbatch.store import effects, records

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["COLUMNS", "DECLARATION", "REVIEW_RULES", "unit_filings"]

COLUMNS = (
    id_column("社会保障号码"),
    name_column(required=False),
    Column("gender", "性别", "gender", example="男", derived_from_id=True),
    Column(
        "hospital_code",
        "原异地医院编号",
        example="999991",
        help="可不填，按有效的异地备案带出",
        synonyms=("备案医院编号",),
    ),
    Column(
        "hospital_name",
        "原异地医院名称",
        example="异地",
        synonyms=("备案医院名称",),
        max_length=100,
    ),
    Column("address", "原异地居住地址", example="江苏", max_length=100),
    Column("start_date", "原安置日期", "date", example="2019-03-18", synonyms=("备案日期",)),
)


def unit_filings(ws: Workspace, unit_id: str, month: dt.date) -> pl.DataFrame:
    """Return the active filings of the unit's persons, as 撤销异地人员备案 rows (含数据报盘)."""
    del month  # a filing is not tied to a month
    return records.remote_filings_of_unit(ws, unit_id)


def _context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    """Join the rows with the person's status in the unit and active filing."""
    rows = with_all_columns(rows, COLUMNS)
    context = with_medical_person(ws, rows, header, MEDICAL_KINDS)
    filings = active_filings(ws, rows["person_id"])
    return context.join(filings, on="person_id", how="left", maintain_order="left").with_columns(
        pl.col("filing_start_date").dt.strftime("%Y-%m-%d").alias("filing_start_text")
    )


REVIEW_RULES: tuple[Rule, ...] = (
    person_known(),
    insured_or_retired_here("撤销异地人员备案"),
    name_matches_registry(),
    Rule(
        "active_filing",
        "reject",
        "person_id",
        "该人员没有有效的异地备案，无需撤销。",
        pl.col("filing_id").is_not_null(),
        when=pl.col("known"),
    ),
    Rule(
        "revoke_after_min_period",
        "reject",
        "person_id",
        "原异地备案于 {filing_approved_text} 登记，登记满半年（2018年10月之前登记的满一年）"
        "后才能注销，即 {refile_text} 起。",
        pl.col("today") >= pl.col("refile_from"),
    ),
    Rule(
        "hospital_matches_filing",
        "warn",
        "hospital_code",
        "原异地医院编号「{value}」与备案记录的「{filing_hospital_code}」不一致，以备案记录为准。",
        pl.col("hospital_code") == pl.col("filing_hospital_code"),
    ),
    Rule(
        "start_date_matches_filing",
        "warn",
        "start_date",
        "原安置日期 {start_date} 与备案记录的 {filing_start_text} 不一致，以备案记录为准。",
        pl.col("start_date") == pl.col("filing_start_date"),
    ),
    no_open_declaration(),
    once_in_declaration(),
)


def _effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
    """End the approved persons' active filings (撤销)."""
    declaration_id = header["declaration_id"]
    ended = 0
    if approved.height:
        ended = effects.end_remote_filings(
            ws, approved, reason="revoked", declaration_id=declaration_id, today=ws.today
        )
    ws.log_effect(
        declaration_id,
        f"撤销异地人员备案审核通过 {approved.height} 人：注销异地备案 {ended} 条。",
    )


#: The printed 异地人员备案注销表 (打印备案注销表).
FORM = filing_form("异地人员备案注销表", ended=True)

#: The single-case form.
WIDGET = WidgetLayout(print_label="打印备案注销表")

DECLARATION = Declaration(
    kind="remote_filing_revocation",
    title="撤销异地人员备案",
    columns=COLUMNS,
    description="撤销（注销）单位人员有效的异地备案。一行一人。",
    prefill=unit_filings,
    review=Review(REVIEW_RULES, _context, _effects),
    detectable=False,
    form=FORM,
    widget=WIDGET,
)
