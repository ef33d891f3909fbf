"""Whole rounds of the 工资申报 businesses, on top of :mod:`sbbatch.review`.

:func:`draft_from_last` starts a 工资申报 draft from 取上次申报工资 with some wages
changed; :func:`revoke_wage_declaration` does a 撤销工资申报 from declaring to 完成.
They live here, not in the business modules, because they declare and review: the
businesses sit below the review engine and never import it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

import polars as pl

from sbbatch._mask import mask_id as mask
from sbbatch._money import yuan_expr
from sbbatch.declarations import wage_base, wage_revocation
from sbbatch.declarations.wage_base import last_declared_wages
from sbbatch.exceptions import UnusableInputError
from sbbatch.review import declare, review
from sbbatch.store import Workspace

__all__ = ["draft_from_last", "revoke_wage_declaration"]


def draft_from_last(
    ws: Workspace,
    unit_id: str,
    month: dt.date,
    changes: Mapping[str, str | Decimal | int] | None = None,
    *,
    note: str | None = None,
) -> str:
    """Start a 工资申报 draft (录入) from 取上次申报工资, with some wages changed.

    The rows go through the same check as an imported file.

    Args:
        ws: The workspace.
        unit_id: The unit (单位编号).
        month: The 申报年月.
        changes: 社会保障号码 → new 缴费工资 **in yuan**, as typed in the 报盘
            (``"5200.00"``, ``Decimal("5200")`` or ``5200``).
        note: Recorded with the declaration.

    Returns:
        The new draft's number.

    Raises:
        UnusableInputError: a person in ``changes`` is not insured in the unit that
            month, or someone has never declared a wage and is not in ``changes``.
    """
    month = month.replace(day=1)
    rows = last_declared_wages(ws, unit_id, month).with_columns(
        pl.when(pl.col("wage_fen").is_not_null()).then(yuan_expr(pl.col("wage_fen"))).alias("wage")
    )
    if changes:
        given = pl.DataFrame(
            {"person_id": list(changes), "new": [str(v) for v in changes.values()]},
            schema={"person_id": pl.String, "new": pl.String},
        )
        unknown = given.join(rows, on="person_id", how="anti")["person_id"].to_list()
        if unknown:
            msg = (
                f"{'、'.join(mask(p) for p in unknown[:5])} {month:%Y-%m} 不在本单位参保，不能申报工资。"
                "提示：请先办理增员申报。"
            )
            raise UnusableInputError(msg)
        rows = rows.join(given, on="person_id", how="left").with_columns(
            pl.coalesce("new", "wage").alias("wage")
        )
    never = rows.filter(pl.col("wage").is_null())
    if never.height:
        shown = "、".join(
            f"{n}（{mask(p)}）" for p, n in never.select("person_id", "name").head(5).rows()
        )
        msg = (
            f"{never.height} 人从未申报过工资：{shown}。"
            "提示：请在 changes 中给出他们的缴费工资，或导出含数据报盘填写后导入。"
        )
        raise UnusableInputError(msg)
    frame = rows.select(
        pl.col("person_id").alias("社会保障号码"),
        pl.col("name").alias("姓名"),
        pl.col("wage").alias("缴费工资"),
        pl.col("month").dt.strftime("%Y-%m").alias("申报年月"),
    )
    return declare(
        ws, frame, unit_id, kind=wage_base.DECLARATION.kind, business_month=month, note=note
    )


def revoke_wage_declaration(
    ws: Workspace, target_id: str, reason: str | None = None
) -> tuple[str, pl.DataFrame]:
    """Revoke an approved 工资申报: declare, submit, review and mark read (完成).

    Args:
        ws: The workspace.
        target_id: The number of the 工资申报 to revoke.
        reason: 撤销原因.

    Returns:
        The revocation's number and its 审核结果 (one row, 审核成功 or 不通过 with the
        reason in 审核意见).
    """
    unit_id = ws.declaration(target_id)["unit_id"]
    revocation = declare(
        ws,
        {"target_id": target_id, "reason": reason or ""},
        unit_id,
        kind=wage_revocation.DECLARATION.kind,
    )
    ws.submit(revocation)
    outcome = review(ws, revocation)
    ws.mark_read(revocation, failed_rows="void")
    return revocation, outcome
