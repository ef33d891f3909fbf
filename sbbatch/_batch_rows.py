"""The failures of whole rows and of the file (part of :mod:`sbbatch.batch`).

:mod:`sbbatch._batch_cells` types each cell and reports the cells that cannot be used;
the failures here come from the rows and the file itself: ID cells the spreadsheet
stored as numbers, formulas saved without a value, hidden rows, keys repeated in the
file, the business's rules, required cells left empty. :func:`tidy_failures` puts
every failure of a file in one frame, one per row, column and rule, in sheet order.
"""

from __future__ import annotations

import polars as pl

from sbbatch._batch_cells import as_failures
from sbbatch._rules import evaluate, message_expr
from sbbatch.declarations import Column, Declaration
from sbbatch.io.read import RawTable
from sbbatch.spec import FAILURE_SCHEMA, header_key


def tidy_failures(failures: pl.DataFrame, raw: RawTable) -> pl.DataFrame:
    """Keep one failure per row, column and rule; a numeric-ID failure masks the others."""
    numeric = failures.filter(pl.col("rule") == "id_stored_as_number").select("row", "column")
    masked = failures.join(numeric, on=["row", "column"], how="anti")
    kept = pl.concat([masked, failures.filter(pl.col("rule") == "id_stored_as_number")])
    kept = kept.unique(subset=["row", "column", "rule"], keep="first", maintain_order=True)
    # a cell that could not be parsed is reported as such, not again as "required"
    explained = kept.filter(pl.col("rule") != "required").select("row", "column").unique()
    kept = pl.concat(
        [
            kept.filter(pl.col("rule") != "required"),
            kept.filter(pl.col("rule") == "required").join(
                explained, on=["row", "column"], how="anti"
            ),
        ]
    )
    order = raw.frame.select(
        pl.col("_row").cast(pl.Int64).alias("row"), pl.int_range(pl.len()).alias("_pos")
    )
    return (
        kept.join(order, on="row", how="left")
        .sort(["_pos", "level"], descending=[False, False])
        .drop("_pos")
    )


def _failure_frame(
    source: pl.DataFrame,
    failing: pl.Expr,
    column: Column,
    rule: str,
    level: str,
    message: pl.Expr,
    value: pl.Expr | None = None,
) -> pl.DataFrame:
    return source.filter(failing.fill_null(False)).select(
        pl.col("_row").alias("row"),
        pl.lit(column.header).alias("column"),
        (value if value is not None else pl.col(column.field)).cast(pl.String).alias("value"),
        pl.lit(rule).alias("rule"),
        pl.lit(level).alias("level"),
        message.alias("message"),
    )


def numeric_id_failures(
    raw: RawTable, declaration: Declaration, header_of: dict[str, str]
) -> list[pl.DataFrame]:
    """Reject ID cells that the spreadsheet stored as numbers (their last digits are lost)."""
    out: list[pl.DataFrame] = []
    for column in declaration.columns:
        if column.type != "id" or column.field not in header_of:
            continue
        key = header_key(header_of[column.field])
        cells = raw.non_text_cells.filter(
            pl.col("header").map_elements(header_key, return_dtype=pl.String) == key
        ).rename({"_row": "row"})
        out.append(
            cells.select(
                pl.col("row").cast(pl.Int64),
                pl.lit(column.header).alias("column"),
                pl.col("value"),
                pl.lit("id_stored_as_number").alias("rule"),
                pl.lit("reject").alias("level"),
                message_expr(
                    f"{column.header}「{{value}}」被 Excel 存成了数字，末几位已丢失。"
                    f"提示：把{column.header}列设为文本格式，再重新录入该号码。",
                    value=pl.col("value"),
                ).alias("message"),
            )
        )
    return out


def formula_failures(
    raw: RawTable, declaration: Declaration, header_of: dict[str, str]
) -> pl.DataFrame:
    """Formula cells saved without a computed value (read as empty), by column.

    A required column's cell is 不通过 (its value is unknown), another's 提示.
    """
    if raw.formula_cells.is_empty():
        return pl.DataFrame(schema=FAILURE_SCHEMA)
    column_of = {header_of[c.field]: c for c in declaration.columns if c.field in header_of}
    rows = [
        (row, column_of[header])
        for row, header in raw.formula_cells.iter_rows()
        if header in column_of
    ]
    return pl.DataFrame(
        {
            "row": [row for row, _c in rows],
            "column": [c.header for _r, c in rows],
            "value": [None] * len(rows),
            "rule": ["formula_without_value"] * len(rows),
            "level": ["reject" if c.required else "warn" for _r, c in rows],
            "message": [
                f"{c.header}是公式，但文件中没有保存计算结果，读出为空。"
                "提示：请在 Excel 中打开并保存（或把公式转成数值）后再导出。"
                for _r, c in rows
            ],
        },
        schema=FAILURE_SCHEMA,
    )


def hidden_row_failures(raw: RawTable) -> pl.DataFrame:
    """A 提示 for each data row hidden in Excel: it is declared like the others."""
    rows = list(raw.hidden_rows)
    return pl.DataFrame(
        {
            "row": rows,
            "column": ["整行"] * len(rows),
            "value": [None] * len(rows),
            "rule": ["hidden_row"] * len(rows),
            "level": ["warn"] * len(rows),
            "message": ["这一行在 Excel 中被隐藏了，但同样会被申报。提示：请确认是否应当删除。"]
            * len(rows),
        },
        schema=FAILURE_SCHEMA,
    )


def duplicates(typed: pl.DataFrame, declaration: Declaration) -> pl.DataFrame:
    keys = [k for k in declaration.key_fields if k in typed.columns]
    if not keys:
        return pl.DataFrame(schema=FAILURE_SCHEMA)
    column = declaration.column(keys[0])
    complete = typed.filter(pl.all_horizontal(pl.col(k).is_not_null() for k in keys))
    # distinct hashes prove distinct keys (a quarter of the cost of grouping the keys):
    # the rows are grouped only when some hash repeats
    if complete.select(pl.struct(keys).hash().n_unique()).item() == complete.height:
        return pl.DataFrame(schema=FAILURE_SCHEMA)
    marked = complete.with_columns(pl.col("_row").first().over(keys).alias("_first"))
    return _failure_frame(
        marked,
        pl.col("_row") != pl.col("_first"),
        column,
        "duplicate_in_file",
        "reject",
        message_expr(
            f"{column.header}「{{value}}」在本文件中重复，与第 {{first}} 行相同。",
            value=pl.col(column.field),
            first=pl.col("_first"),
        ),
    )


def rule_failures(
    typed: pl.DataFrame, text: pl.DataFrame, declaration: Declaration
) -> pl.DataFrame:
    raw_values = text.select(
        pl.col("_row"), *[pl.col(c.field).alias(f"{c.field}__raw") for c in declaration.columns]
    )
    # typed rows are the text's rows in their order (typing adds columns): put side by side
    same_rows = typed.get_column("_row").equals(raw_values.get_column("_row"))
    return evaluate(
        typed.hstack(raw_values.drop("_row"))
        if same_rows
        else typed.join(raw_values, on="_row", how="left"),
        declaration.rules,
        row="_row",
        headers=declaration.headers,
        values={c.field: f"{c.field}__raw" for c in declaration.columns},
    )


def required_failures(typed: pl.DataFrame, declaration: Declaration) -> pl.DataFrame:
    """Report required cells left empty (after typing), column by column in row order.

    The same failures as validating the shape of the business's contract
    (:meth:`~sbbatch.spec.Declaration.schema` with ``checks=False``: a required field is
    ``nullable=False``) and keeping its ``not_nullable`` cases, without importing and
    running pandera on every file: one vectorised null test per required column
    (``tests/test_batch_required.py`` compares both on junk rows of every business).
    """
    header = declaration.headers
    parts = [
        typed.filter(pl.col(column.field).is_null()).select(
            pl.col("_row").alias("row"),
            pl.lit(header.get(column.field, column.field)).alias("column"),
            pl.lit(None, pl.String).alias("value"),
            pl.lit("required").alias("rule"),
            pl.lit("reject").alias("level"),
            pl.lit(header.get(column.field, column.field) + "必填，不能为空。").alias("message"),
        )
        for column in declaration.columns
        if column.required and column.field in typed.columns
    ]
    if not parts:
        return pl.DataFrame(schema=FAILURE_SCHEMA)
    return as_failures(pl.concat(parts, how="vertical"))
