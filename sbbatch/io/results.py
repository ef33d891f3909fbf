"""Review results (审核结果) of every business, as its declared result table.

Every business has a result: 序号, 审核结果, 审核说明, then the columns its
:class:`~sbbatch.spec.ResultTable` (``Declaration.result``) names — by default every
declared column — with the registry facts the business adds (e.g. 性别 and 出生日期 of
a 减员). Values go through the one presenter (:mod:`sbbatch.present`): codes as labels,
money in yuan, months as ``YYYY-MM``, dates as ``YYYY-MM-DD``.

:func:`result_table` gives the table (English columns, text values),
:func:`result_headers` its Chinese headers, :func:`write_review_result` the xlsx file
under a title, ending with ``共N人``, named ``<业务>_审核结果.xlsx`` when given a folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from sbbatch.declarations import Declaration, get
from sbbatch.present import ROW_NUMBER_HEADER, present
from sbbatch.spec import Column

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = [
    "result_columns",
    "result_file_name",
    "result_headers",
    "result_table",
    "write_review_result",
]

_OUTCOME = (
    Column("review_result", "审核结果", "code", code_table="review_result"),
    Column("review_opinion", "审核说明"),
)


def result_columns(declaration: Declaration) -> tuple[Column, ...]:
    """Return the columns of a business's result table after 序号, as presented.

    Examples:
        >>> [c.header for c in result_columns(get("departure"))]
        ['审核结果', '审核说明', '身份证号码', '姓名', '性别', '出生日期', '减员年月', '减员原因']
        >>> [c.header for c in result_columns(get("wage_revocation"))][:2]
        ['审核结果', '审核说明']
    """
    face = declaration.result
    known = {c.field: c for c in face.extra} | {c.field: c for c in declaration.columns}
    fields = face.columns or tuple(
        [c.field for c in declaration.columns] + [c.field for c in face.extra]
    )
    renamed = dict(face.headers)
    shown = [known[name] for name in fields if name in known]
    return _OUTCOME + tuple(
        Column(c.field, renamed.get(c.field, c.header), c.type, code_table=c.code_table)
        for c in shown
    )


def result_headers(kind: str) -> dict[str, str]:
    """Return the result table's columns of a business with their Chinese headers.

    Examples:
        >>> list(result_headers("enrolment").values())
        ['序号', '审核结果', '审核说明', '身份证号码', '姓名', '性别', '出生日期', '增员年月', '增员原因']
    """
    return {"row_no": ROW_NUMBER_HEADER} | {c.field: c.header for c in result_columns(get(kind))}


def result_file_name(declaration: Declaration) -> str:
    """Return the Chinese name of a business's result file.

    Example:
        >>> result_file_name(get("flexible_pension_deduction"))
        '灵活就业人员补扣养老费_审核结果.xlsx'
    """
    return f"{declaration.result.file_title or declaration.title}_审核结果.xlsx"


def _rows(
    ws: Workspace, declaration_id: str, row_numbers: Sequence[int] | None = None
) -> tuple[pl.DataFrame, tuple[Column, ...]]:
    header = ws.declaration(declaration_id)
    declaration = get(header["kind"])
    rows = ws.declaration_rows(declaration_id, row_numbers).sort("row_no")
    if declaration.result.facts is not None and rows.height:
        rows = declaration.result.facts(ws, rows, header)
    columns = result_columns(declaration)
    for column in columns:  # a fact the registry does not hold stays empty
        if column.field not in rows.columns:
            rows = rows.with_columns(pl.lit(None, dtype=pl.String).alias(column.field))
    return rows, columns


def result_table(
    ws: Workspace,
    declaration_id: str,
    *,
    mask: bool = False,
    row_numbers: Sequence[int] | None = None,
) -> pl.DataFrame:
    """Return a declaration's review result (审核结果) as its business declares it.

    Columns: ``row_no`` (序号, an integer), ``review_result`` (审核成功 / 不通过,
    null before the review), ``review_opinion`` and the business's result columns,
    as text from the presenter (labels, yuan, ``YYYY-MM``); ID numbers and phones
    masked when ``mask``. With ``row_numbers``, only those rows (序号), e.g. the few
    a terminal shows of a large declaration.
    """
    rows, columns = _rows(ws, declaration_id, row_numbers)
    fields = [c.field for c in columns]
    shown = present(rows.select(fields), columns, mask=mask, rename=False, empty=None)
    return pl.concat([rows.select("row_no"), shown], how="horizontal")


def write_review_result(
    ws: Workspace, declaration_id: str, path: str | Path, *, table: pl.DataFrame | None = None
) -> Path:
    """Write a declaration's review result to an xlsx file, ending with ``共N人``.

    序号 first, then 审核结果, 审核说明 and the business's result columns with Chinese
    headers and presented values. ID numbers are written in full (the file is the
    user's own).

    Args:
        ws: The workspace.
        declaration_id: The declaration (申报编号).
        path: The file, or a folder in which to write ``<业务>_审核结果.xlsx``.
        table: The declaration's :func:`result_table` (unmasked), when the caller has
            it already; by default it is made here.

    Returns:
        The path written.
    """
    header = ws.declaration(declaration_id)
    declaration = get(header["kind"])
    target = Path(path)
    if target.is_dir():
        target = target / result_file_name(declaration)
    if table is None:
        table = result_table(ws, declaration_id)
    headers = {c.field: c.header for c in result_columns(declaration)}
    title = f"{declaration.title}审核结果 {declaration_id}"
    # imported here: ``review`` prints a few rows of result_table() without the xlsx writer
    from sbbatch.io.xlsx import write_result

    return write_result(table, target, title, headers)  # write_result numbers the rows (序号)
