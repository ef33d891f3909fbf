"""The agency's review (审核), simulated, and the declaring around it.

:func:`declare` turns a checked batch (or a single case) into a draft declaration of
a unit; :func:`review` runs every review rule of the business against the declared
rows joined with the registry, in one pass, records 审核成功 / 不通过 and the
审核意见 of every row, and applies the effects of the approved rows — all in one
transaction. :func:`result` gives the outcome as the manual's result table.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

import polars as pl

from sbbatch import _progress, codes
from sbbatch._rules import evaluate, join_messages
from sbbatch.declarations import Declaration, get
from sbbatch.exceptions import UnusableInputError
from sbbatch.store import Workspace

if TYPE_CHECKING:  # the check (and pandera) are imported by declare(), not by a review
    from sbbatch.batch import Batch, FrameLike

__all__ = ["declare", "result", "review", "review_failures"]

APPROVED, REJECTED = "1", "2"
#: 审核结果 of each code, from ``schemas/codes/review_result.csv``.
RESULT_LABELS: dict[str, str] = dict(
    codes.table("review_result").select("code", "label").iter_rows()
)


def declare(
    ws: Workspace,
    source: Batch | FrameLike,
    unit_id: str,
    *,
    kind: str | None = None,
    business_month: dt.date | None = None,
    accepted_only: bool = False,
    note: str | None = None,
) -> str:
    """Record a checked batch, or a single case, as a draft declaration (录入) of a unit.

    Args:
        ws: The workspace.
        source: A :class:`Batch` from :func:`sbbatch.batch.check`, or rows that are
            checked first, exactly as a file: any frame-like input of
            :func:`sbbatch.batch.as_frame` (polars, pandas, pyarrow, a dict of lists,
            a list of dicts), or one case as a dict of single values.
        unit_id: The declaring unit (单位编号).
        kind: The business, when ``source`` is not a batch.
        business_month: The 申报年月 of businesses that have one (工资申报 …);
            taken from the rows' ``month`` when they all agree.
        accepted_only: Declare only the rows that passed the check; by default a
            batch with rejected rows is refused.
        note: Recorded with the declaration.

    Returns:
        The new declaration's number.
    """
    if isinstance(source, dict) and not any(
        isinstance(value, (list, tuple, pl.Series)) for value in source.values()
    ):  # one case: a dict of single values
        source = pl.DataFrame({key: [value] for key, value in source.items()})
    from sbbatch.batch import Batch, check_frame

    batch = source if isinstance(source, Batch) else check_frame(source, kind, today=ws.today)
    declaration = batch.declaration
    if batch.rejected.height and not accepted_only:
        msg = (
            f"{declaration.title}有 {batch.rejected.height} 行未通过检查，未申报。"
            "提示：修正后重新导入，或只申报通过的行（accepted_only=True）。"
        )
        raise UnusableInputError(msg)
    rows = batch.accepted
    if rows.height == 0:
        msg = f"{declaration.title}没有可申报的行。"
        raise UnusableInputError(msg)
    month = _business_month(declaration, rows, business_month)
    if month is not None and "month" in rows.columns:
        rows = rows.with_columns(pl.col("month").fill_null(month))
    return ws.create_declaration(declaration.kind, unit_id, rows, business_month=month, note=note)


def _business_month(
    declaration: Declaration, rows: pl.DataFrame, given: dt.date | None
) -> dt.date | None:
    if given is not None:
        return given.replace(day=1)
    if not declaration.has_business_month:
        return None
    months = (
        rows["month"].drop_nulls().unique()
        if "month" in rows.columns
        else pl.Series([], dtype=pl.Date)
    )
    if months.len() == 1 and rows["month"].null_count() == 0:
        return cast("dt.date", months.item())
    msg = f"{declaration.title}需要申报年月。提示：请指定 business_month（如 2026-11）。"
    raise UnusableInputError(msg)


def review_failures(ws: Workspace, declaration_id: str) -> pl.DataFrame:
    """Return what the review would find, without recording anything.

    Columns: ``row`` (the declaration's row No.), ``column``, ``value``, ``rule``,
    ``level``, ``message`` — the same shape as a check's failures.
    """
    header = ws.declaration(declaration_id)
    return _failures(ws, header, ws.declaration_rows(declaration_id))


def _failures(ws: Workspace, header: dict[str, Any], rows: pl.DataFrame) -> pl.DataFrame:
    """The failures of the declared ``rows`` (as :meth:`Workspace.declaration_rows` reads them)."""
    declaration = get(header["kind"])
    if declaration.review is None:
        msg = f"{declaration.title}暂不支持审核模拟。"
        raise UnusableInputError(msg)
    context = declaration.review.context(ws, rows, header)
    if context.height != rows.height:
        msg = f"{declaration.title}的审核数据与申报行数不一致（{context.height} ≠ {rows.height}）。"
        raise UnusableInputError(msg)
    return evaluate(context, declaration.review.rules, row="row_no", headers=declaration.headers)


@_progress.task("正在模拟经办机构审核")
def review(ws: Workspace, declaration_id: str, note: str | None = None) -> pl.DataFrame:
    """Review (审核) a submitted declaration, record the outcome and apply its effects.

    Every row gets 审核成功 or 不通过 with its 审核意见 (all reasons, then any 提示).
    The approved rows change the registry through the business's effects, in the same
    transaction as the outcome.

    Returns:
        The result table (:func:`result`).
    """
    header = ws.declaration(declaration_id)
    declaration = get(header["kind"])
    declared = ws.declaration_rows(declaration_id)  # read once: rules, outcome and effects
    failures = _failures(ws, header, declared)
    rows = declared.select("row_no")
    assert declaration.review is not None
    success = declaration.review.success
    opinions = (
        failures.sort(["row", pl.col("level") == "warn"])
        .group_by("row", maintain_order=True)
        .agg(
            (pl.col("level") == "reject").any().alias("rejected"),
            pl.when(pl.col("level") == "warn")
            .then(pl.lit("提示：") + pl.col("message"))
            .otherwise(pl.col("message"))
            .pipe(join_messages)
            .alias("opinion"),
        )
    )
    results = rows.join(opinions, left_on="row_no", right_on="row", how="left").select(
        "row_no",
        pl.when(pl.col("rejected").fill_null(False))
        .then(pl.lit(REJECTED))
        .otherwise(pl.lit(APPROVED))
        .alias("review_result"),
        pl.when(pl.col("rejected").fill_null(False))
        .then(pl.col("opinion"))
        .otherwise(
            pl.concat_str([pl.lit(success), pl.col("opinion")], separator="；", ignore_nulls=True)
        )
        .str.strip_chars("；")
        .alias("review_opinion"),
    )
    effects = declaration.review.effects
    ws.record_review(
        declaration_id,
        results,
        effects=(lambda workspace, approved: effects(workspace, approved, header))
        if effects
        else None,
        note=note,
        rows=declared,
    )
    # the rows as recorded: the declared ones with the outcome just written
    recorded = declared.drop("review_result", "review_opinion").join(
        results, on="row_no", how="left", maintain_order="left"
    )
    return _labelled(recorded.select(declared.columns))


def result(ws: Workspace, declaration_id: str) -> pl.DataFrame:
    """Return a declaration's rows with 审核结果 and 审核意见, as declared (English fields).

    Columns: ``row_no``, ``review_result`` (审核成功/不通过, null before review),
    ``review_opinion`` and the business's fields.
    """
    return _labelled(ws.declaration_rows(declaration_id))


def _labelled(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.with_columns(pl.col("review_result").replace_strict(RESULT_LABELS, default=None))
