"""Registry queries (信息查询): 单位信息, 单位人员, 申报业务, 办理进度.

Each function takes a :class:`~sbbatch.store.Workspace` and returns a polars frame with
English columns; :data:`ZH_HEADERS` gives the Chinese header of every column, for
display (``frame.rename(ZH_HEADERS, strict=False)``). Codes come back as the code
tables' labels (性别 男/女, 人员类别 城镇制 …); months are ``Date`` on the first of the
month. Everything is one SQL query plus column expressions — no loop over rows.

Example:
    >>> import datetime as dt
    >>> from sbbatch.store import Workspace
    >>> ws = Workspace(today=dt.date(2026, 11, 26))
    >>> _ = ws.load(units=pl.DataFrame({"unit_id": ["0010118873"], "name": ["济南测试科技有限公司"],
    ...                                  "risk_class": [1], "payment_method": ["2"]}))
    >>> unit_info(ws).select("unit_id", "unit_name", "payment_method", "insured_persons").rows()
    [('0010118873', '济南测试科技有限公司', '网银缴费', 0)]
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch import codes
from sbbatch.declarations._registry_review import SUSPENDING_REASONS, code_labels
from sbbatch.exceptions import UnusableInputError
from sbbatch.store import queries as store
from sbbatch.store.workflow import STATUS_LABELS, kinds, resolve_kind

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["ZH_HEADERS", "declarations", "progress", "unit_info", "unit_persons"]

#: Chinese header of every column these queries return.
ZH_HEADERS: dict[str, str] = {
    "unit_id": "单位编号",
    "unit_name": "单位名称",
    "name": "姓名",
    "unit_type": "单位类型",
    "risk_class": "行业风险类别",
    "injury_rate": "工伤费率",
    "payment_method": "缴费方式",
    "bank": "开户银行",
    "county_code": "所在区县",
    "month": "查询年月",
    "insured_persons": "参保缴费人数",
    "suspended_persons": "暂停缴费人数",
    "ended_persons": "终止参保人数",
    "person_id": "身份证号码",
    "gender": "性别",
    "birth_date": "出生日期",
    "person_category": "人员类别",
    "from_month": "增员年月",
    "until_month": "减员年月",
    "leave_reason": "减员原因",
    "insurances": "参保险种",
    "insured_status": "参保状态",
    "status": "申报状态代码",
    "declaration_id": "申报编号",
    "kind": "业务",
    "kind_title": "业务名称",
    "status_label": "申报状态",
    "business_month": "申报年月",
    "created_at": "申报时间",
    "submitted_at": "提交时间",
    "reviewed_at": "审核时间",
    "read_at": "设为已读时间",
    "total": "总数",
    "approved": "成功",
    "rejected": "不通过",
    "parent_id": "原申报编号",
    "note": "备注",
    "row_no": "序号",
    "review_result": "审核结果",
    "review_opinion": "审核意见",
    "redraft_id": "转入申报编号",
    "stage": "办理进度",
}

_RESULT_LABELS = {"1": "审核成功", "2": "不通过"}


def _label(expr: pl.Expr, table: str) -> pl.Expr:
    return expr.replace_strict(code_labels(table), default=expr, return_dtype=pl.String)


def _month(month: dt.date | None, ws: Workspace) -> dt.date:
    return (month or ws.today).replace(day=1)


_STATUS_CODES = {
    "insured": codes.table("insured_status").filter(pl.col("label") == "参保缴费")["code"][0],
    "suspended": codes.table("insured_status").filter(pl.col("label") == "暂停缴费")["code"][0],
    "ended": codes.table("insured_status").filter(pl.col("label") == "终止参保")["code"][0],
}


def _persons_at(ws: Workspace, month: dt.date, unit_id: str | None) -> pl.DataFrame:
    """One row per unit and person with a period begun by ``month``, with their status."""
    frame = store.persons_at(ws, month, unit_id)
    suspended = pl.col("leave_reason").is_in(list(SUSPENDING_REASONS))
    status = (
        pl.when(pl.col("is_insured"))
        .then(pl.lit(_STATUS_CODES["insured"]))
        .when(suspended)
        .then(pl.lit(_STATUS_CODES["suspended"]))
        .otherwise(pl.lit(_STATUS_CODES["ended"]))
    )
    return frame.with_columns(
        status.alias("status_code"),
        pl.when(pl.col("is_insured"))
        .then(pl.lit(None, pl.Date))
        .otherwise("until_month")
        .alias("until_month"),
        pl.when(pl.col("is_insured"))
        .then(pl.lit(None, pl.String))
        .otherwise("leave_reason")
        .alias("leave_reason"),
    )


def unit_info(
    ws: Workspace, unit_id: str | None = None, *, month: dt.date | None = None
) -> pl.DataFrame:
    """Return the units (单位信息查询) with their head counts at ``month``.

    Args:
        ws: The workspace.
        unit_id: One unit (单位编号); all units when omitted.
        month: The month counted (参保缴费 / 暂停缴费 / 终止参保 persons); the agency's
            current month by default.

    Returns:
        ``unit_id, unit_name, unit_type, risk_class, injury_rate, payment_method, bank,
        county_code, month, insured_persons, suspended_persons, ended_persons``.
    """
    at = _month(month, ws)
    units = store.units(ws, unit_id)
    if unit_id is not None and units.height == 0:
        msg = f"单位编号「{unit_id}」不在工作区中。"
        raise UnusableInputError(msg)
    status = (
        _persons_at(ws, at, unit_id)
        .group_by("unit_id")
        .agg(
            (pl.col("status_code") == code).sum().cast(pl.Int64).alias(f"{name}_persons")
            for name, code in _STATUS_CODES.items()
        )
    )
    counts = [f"{name}_persons" for name in _STATUS_CODES]
    return (
        units.join(status, on="unit_id", how="left")
        .with_columns(pl.col(counts).fill_null(0))
        .select(
            "unit_id",
            pl.col("name").alias("unit_name"),
            _label(pl.col("unit_type"), "unit_type").alias("unit_type"),
            "risk_class",
            "injury_rate",
            _label(pl.col("payment_method"), "payment_method").alias("payment_method"),
            "bank",
            "county_code",
            pl.lit(at).alias("month"),
            *counts,
        )
    )


def unit_persons(
    ws: Workspace,
    unit_id: str,
    *,
    month: dt.date | None = None,
    name: str | None = None,
    person_id: str | None = None,
    status: str | None = None,
) -> pl.DataFrame:
    """Return the unit's persons (单位人员查询) and their 参保状态 at ``month``.

    A person insured in the unit in ``month`` is 参保缴费; one whose last period there
    ended before ``month`` is 暂停缴费 when the 减员原因 suspends insurance (停薪留职,
    其他原因中断缴费) and 终止参保 otherwise. Persons whose first period in the unit
    starts after ``month`` are not listed.

    Args:
        ws: The workspace.
        unit_id: The unit (单位编号).
        month: The month; the agency's current month by default.
        name: Keep persons whose name contains this text.
        person_id: Keep the person with this ID number (or numbers starting with it).
        status: Keep one 参保状态: its label (参保缴费, 暂停缴费, 终止参保 — 终止 will do)
            or its code (codes/insured_status).

    Returns:
        ``person_id, name, gender, birth_date, person_category, from_month,
        until_month, leave_reason, insurances, insured_status``, by ID number.
    """
    at = _month(month, ws)
    frame = _persons_at(ws, at, unit_id)
    insurance_labels = code_labels("insurance")
    frame = frame.with_columns(
        pl.col("insurance_codes")
        .list.eval(
            pl.element()
            .sort_by(pl.element().cast(pl.Int64, strict=False))
            .replace_strict(insurance_labels, default=pl.element())
        )
        .list.join("、")
        .alias("insurances"),
        _label(pl.col("status_code"), "insured_status").alias("insured_status"),
    )
    if name:
        frame = frame.filter(pl.col("name").str.contains(name, literal=True))
    if person_id:
        frame = frame.filter(pl.col("person_id").str.starts_with(person_id.strip().upper()))
    if status:
        wanted = status.strip()
        frame = frame.filter(
            (pl.col("status_code") == wanted) | pl.col("insured_status").str.starts_with(wanted)
        )
    return frame.sort("person_id").select(
        "person_id",
        "name",
        _label(pl.col("gender"), "gender").alias("gender"),
        "birth_date",
        _label(pl.col("person_category"), "person_category").alias("person_category"),
        "from_month",
        "until_month",
        _label(pl.col("leave_reason"), "leave_reason").alias("leave_reason"),
        "insurances",
        "insured_status",
    )


def _status_code(status: str) -> str:
    wanted = status.strip()
    if wanted in STATUS_LABELS:
        return wanted
    code = pl.select(codes.to_code(pl.lit(wanted), "declaration_status")).item()
    if code is None:
        known = "、".join(STATUS_LABELS.values())
        msg = f"未知的申报状态「{status}」。提示：可用 {known}。"
        raise UnusableInputError(msg)
    return str(code)


def declarations(
    ws: Workspace,
    unit_id: str | None = None,
    *,
    kind: str | None = None,
    status: str | None = None,
    month_from: dt.date | None = None,
    month_to: dt.date | None = None,
) -> pl.DataFrame:
    """Return every declaration (申报业务查询) with its state, counts and dates.

    Args:
        ws: The workspace.
        unit_id: Only this unit's declarations.
        kind: Only one business (English key or Chinese title, e.g. 增员申报).
        status: Only one state (draft/录入, submitted/已提交, reviewed/已审核, read/已读,
            voided/已作废, revoked/已撤销).
        month_from: Only declarations made (申报时间) in this month or later.
        month_to: Only declarations made in this month or earlier.

    Returns:
        ``declaration_id, kind, kind_title, unit_id, unit_name, status, status_label,
        business_month, created_at, submitted_at, reviewed_at, read_at, total,
        approved, rejected, parent_id, note``, newest first.
    """
    params: dict[str, Any] = {
        "unit": unit_id,
        "kind": resolve_kind(kind) if kind else None,
        "status": _status_code(status) if status else None,
        "from": dt.datetime.combine(month_from.replace(day=1), dt.time()) if month_from else None,
        "to": (
            dt.datetime.combine(_next_month(month_to.replace(day=1)), dt.time())
            if month_to
            else None
        ),
    }
    frame = store.declaration_list(ws, params)
    return frame.select(
        "declaration_id",
        "kind",
        _kind_titles(pl.col("kind")).alias("kind_title"),
        "unit_id",
        "unit_name",
        "status",
        pl.col("status")
        .replace_strict(STATUS_LABELS, default=pl.col("status"))
        .alias("status_label"),
        "business_month",
        "created_at",
        "submitted_at",
        "reviewed_at",
        "read_at",
        pl.col("total").cast(pl.Int64),
        pl.col("approved").cast(pl.Int64),
        pl.col("rejected").cast(pl.Int64),
        "parent_id",
        "note",
    )


def _kind_titles(kind: pl.Expr) -> pl.Expr:
    titles = {key: row["title"] for key, row in kinds().items()}
    return kind.replace_strict(titles, default=kind, return_dtype=pl.String)


def _next_month(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


def progress(ws: Workspace, person_id: str) -> pl.DataFrame:
    """Return where each declaration of one person stands (办理进度, manual §5.6).

    One row per declaration row of the person, oldest first, with the review outcome
    and a sentence saying what happens next (``stage``): 已录入，待提交 / 已提交，待审核 /
    审核成功，已办结 / 审核不通过，已转入申报 … 重新办理 / 已作废 ….

    Returns:
        ``declaration_id, kind_title, unit_id, unit_name, created_at, status_label,
        row_no, review_result, review_opinion, redraft_id, stage``.
    """
    frame = store.person_progress(ws, person_id.strip().upper())
    state = pl.col("status")
    result = pl.col("review_result")
    stage = (
        pl.when(state == "draft")
        .then(pl.lit("已录入，待提交"))
        .when(state == "submitted")
        .then(pl.lit("已提交，待审核"))
        .when(state == "voided")
        .then(pl.lit("已作废"))
        .when(state == "revoked")
        .then(pl.lit("审核成功，已撤销"))
        .when((result == "1") & (state == "reviewed"))
        .then(pl.lit("审核成功，待设为已读"))
        .when(result == "1")
        .then(pl.lit("审核成功，已办结"))
        .when(state == "reviewed")
        .then(pl.lit("审核不通过，待设为已读后修改重报或作废"))
        .when(pl.col("redraft_id").is_not_null())
        .then(
            pl.concat_str(
                pl.lit("审核不通过，已转入申报 "), pl.col("redraft_id"), pl.lit(" 重新办理")
            )
        )
        .otherwise(pl.lit("审核不通过，未再申报"))
    )
    return frame.select(
        "declaration_id",
        _kind_titles(pl.col("kind")).alias("kind_title"),
        "unit_id",
        "unit_name",
        "created_at",
        state.replace_strict(STATUS_LABELS, default=state).alias("status_label"),
        "row_no",
        result.replace_strict(_RESULT_LABELS, default=None, return_dtype=pl.String).alias(
            "review_result"
        ),
        "review_opinion",
        "redraft_id",
        stage.alias("stage"),
    )
