"""概况信息 (manual 引言 §1): the unit at a glance, in one call.

:func:`overview` answers what an analyst checks first each month:

- headcount by 参保状态 and 人员类别 (the 单位人员查询 of the month);
- this month's 应缴 (sbbatch's calculation, 单位 and 个人) and 已缴 (paid bills of the
  month), and what is still open;
- open declarations (录入 and 已提交) by business;
- persons reaching the statutory retirement month (2025 schedule) in the next 12 months;
- 异地备案 still active for persons no longer insured in the unit (to revoke);
- social security cards not yet made (未申领 and 申领中).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch import codes
from sbbatch._money import yuan
from sbbatch.contributions import unit_totals
from sbbatch.declarations import get
from sbbatch.declarations._registry_review import retirement_month
from sbbatch.queries.cards import card_state_counts
from sbbatch.queries.registry import unit_persons
from sbbatch.store import queries as store

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["Overview", "overview"]

#: How many months ahead the retirement list looks.
RETIREMENT_HORIZON_MONTHS = 12


@dataclass(frozen=True)
class Overview:
    """The unit's overview (概况信息) at ``month``; every frame has Chinese headers."""

    unit_id: str
    unit_name: str
    month: dt.date
    headcount: pl.DataFrame
    money: dict[str, int]
    open_declarations: pl.DataFrame
    retiring: pl.DataFrame
    filings_to_revoke: pl.DataFrame
    cards: pl.DataFrame

    def summary_zh(self) -> str:
        """Return the overview as Chinese lines."""
        insured = self.headcount.filter(pl.col("参保状态") == "参保缴费")["人数"].sum()
        by_category = "，".join(
            f"{row['人员类别']} {row['人数']} 人"
            for row in self.headcount.filter(pl.col("参保状态") == "参保缴费").iter_rows(named=True)
        )
        others = "，".join(
            f"{row['参保状态']} {row['人数']} 人"
            for row in self.headcount.filter(pl.col("参保状态") != "参保缴费")
            .group_by("参保状态", maintain_order=True)
            .agg(pl.col("人数").sum())
            .iter_rows(named=True)
        )
        money = self.money
        lines = [
            f"{self.unit_name}（{self.unit_id}）{self.month:%Y-%m} 概况",
            f"参保缴费 {insured} 人（{by_category or '无'}）"
            + (f"；{others}" if others else "")
            + "。",
            f"本月应缴 {yuan(money['due_fen'])} 元（单位 {yuan(money['due_unit_fen'])}，个人 "
            f"{yuan(money['due_person_fen'])}），已缴 {yuan(money['paid_fen'])} 元，"
            f"未缴 {yuan(money['due_fen'] - money['paid_fen'])} 元。",
        ]
        if self.open_declarations.height:
            open_text = "，".join(
                f"{row['业务']}{row['状态']} {row['件数']} 件"
                for row in self.open_declarations.iter_rows(named=True)
            )
            lines.append(f"未办结的申报：{open_text}。")
        else:
            lines.append("没有未办结的申报。")
        lines.append(
            f"未来 {RETIREMENT_HORIZON_MONTHS} 个月内到达法定退休年龄 {self.retiring.height} 人"
            + (
                "："
                + "，".join(
                    f"{r['姓名']}（{r['法定退休年月']}）"
                    for r in self.retiring.iter_rows(named=True)
                )
                if self.retiring.height
                else ""
            )
            + "。"
        )
        if self.filings_to_revoke.height:
            lines.append(
                f"已减员但异地备案仍有效 {self.filings_to_revoke.height} 人，请办理撤销异地人员备案。"
            )
        card = dict(self.cards.iter_rows())
        lines.append(
            f"社保卡：未申领 {card.get('未申领', 0)} 人，申领中 {card.get('申领中', 0)} 人，"
            f"已制卡 {card.get('已制卡', 0)} 人。"
        )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Return the overview as JSON-ready data (frames as records)."""
        return {
            "unit_id": self.unit_id,
            "unit_name": self.unit_name,
            "month": f"{self.month:%Y-%m}",
            "headcount": self.headcount.to_dicts(),
            "money_fen": self.money,
            "open_declarations": self.open_declarations.to_dicts(),
            "retiring": self.retiring.to_dicts(),
            "filings_to_revoke": self.filings_to_revoke.to_dicts(),
            "cards": self.cards.to_dicts(),
        }


def _months_ahead(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def overview(
    ws: Workspace, unit_id: str | None = None, *, month: dt.date | None = None
) -> Overview:
    """Return the unit's overview (概况信息) at ``month`` (the agency's month by default).

    The workspace is not changed; every part is computed from it.
    """
    unit_id = ws.unit_or_only(unit_id)
    at = (month or ws.today).replace(day=1)
    unit_name = str(store.unit_name(ws, unit_id))
    persons = unit_persons(ws, unit_id, month=at)
    headcount = (
        persons.group_by("insured_status", "person_category")
        .agg(pl.len().cast(pl.Int64).alias("人数"))
        .sort("insured_status", "person_category")
        .rename({"insured_status": "参保状态", "person_category": "人员类别"})
    )
    totals = unit_totals(ws, months=at, unit_id=unit_id)
    due_unit = int(totals.filter(pl.col("payer") == "unit")["amount_fen"].sum())
    due_person = int(totals.filter(pl.col("payer") == "person")["amount_fen"].sum())
    paid = store.paid_in_month(ws, unit_id, at)
    money = {
        "due_fen": due_unit + due_person,
        "due_unit_fen": due_unit,
        "due_person_fen": due_person,
        "paid_fen": int(paid),
    }
    declarations = ws.declarations(unit_id=unit_id)
    open_ones = declarations.filter(pl.col("status").is_in(["draft", "submitted"]))
    open_declarations = (
        open_ones.group_by("kind", "status")
        .agg(pl.len().cast(pl.Int64).alias("件数"))
        .sort("kind", "status")
        .select(
            pl.col("kind")
            .map_elements(lambda k: get(k).title, return_dtype=pl.String)
            .alias("业务"),
            codes.to_label(pl.col("status"), "declaration_status").alias("状态"),
            "件数",
        )
    )
    insured_ids = persons.filter(pl.col("insured_status") == "参保缴费")["person_id"]
    registry = store.persons_in(ws, insured_ids.to_list()).select(
        "person_id", "name", "gender", "identity", "birth_date"
    )
    horizon = _months_ahead(at, RETIREMENT_HORIZON_MONTHS)
    retiring = (
        registry.with_columns(
            retirement_month(pl.col("gender"), pl.col("identity"), pl.col("birth_date")).alias("_r")
        )
        .filter((pl.col("_r") >= pl.lit(at)) & (pl.col("_r") < pl.lit(horizon)))
        .sort("_r", "person_id")
        .select(
            pl.col("person_id").alias("身份证号码"),
            pl.col("name").alias("姓名"),
            codes.to_label(pl.col("gender"), "gender").alias("性别"),
            pl.col("birth_date").dt.strftime("%Y-%m-%d").alias("出生日期"),
            pl.col("_r").dt.strftime("%Y-%m").alias("法定退休年月"),
        )
    )
    filings = store.open_remote_filings(ws, unit_id)
    filings_to_revoke = filings.filter(~pl.col("person_id").is_in(insured_ids.implode())).select(
        pl.col("person_id").alias("身份证号码"),
        pl.col("name").alias("姓名"),
        pl.col("region_name").alias("备案地区"),
        codes.to_label(pl.col("medical_type"), "medical_type").alias("就医类别"),
        pl.col("approved_on").dt.strftime("%Y-%m-%d").alias("登记日期"),
    )
    cards = card_state_counts(ws, unit_id).rename({"card_state": "社保卡状态", "persons": "人数"})
    return Overview(
        unit_id=unit_id,
        unit_name=unit_name,
        month=at,
        headcount=headcount,
        money=money,
        open_declarations=open_declarations,
        retiring=retiring,
        filings_to_revoke=filings_to_revoke,
        cards=cards,
    )
