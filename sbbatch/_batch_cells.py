"""The cells of a batch: typing each column and reporting every failure (part of :mod:`sbbatch.batch`).

:func:`sbbatch.batch.check` maps a file's headers to a business's columns; the functions
here turn every cell's text into its typed value and give one failures frame (row,
column, value, rule, level, message) per source of problems: unusable cells, IDs stored
as numbers, formulas without a value, hidden rows, repeated keys, the business's rules
and the required cells of its contract.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from sbbatch import codes, ids
from sbbatch._rules import evaluate, message_expr
from sbbatch.declarations import Column, Declaration
from sbbatch.io.normalise import (
    clean_text,
    is_excel_serial,
    parse_date,
    parse_gender,
    parse_int,
    parse_money_fen,
    parse_month,
)
from sbbatch.io.read import RawTable
from sbbatch.spec import FAILURE_SCHEMA, header_key

_PHONE = r"^1[3-9]\d{9}$"
_FORMULA_START = r"^[=+\-@]"


def as_failures(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    collected = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    return collected.select([pl.col(name).cast(dtype) for name, dtype in FAILURE_SCHEMA.items()])


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


def type_columns(
    text: pl.DataFrame, declaration: Declaration, today: dt.date
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Parse every column from its text; report what cannot be parsed.

    Each column is typed by :func:`type_column`: once per distinct value when its
    values repeat (a payment detail repeats its persons, months and amounts), with its
    failures found among the distinct values and given the rows holding them.
    """
    typed: list[pl.Series] = []
    failures: list[pl.DataFrame] = []
    for column in declaration.columns:
        # the facts of the ID (with_id_facts) come from the same distinct values
        facts = _id_facts() if column.field == "person_id" and column.type == "id" else []
        values, found = type_column(text.select("_row", column.field), column, today, facts)
        typed.extend(values)
        failures.extend(found)
    return text.with_columns(typed), failures


#: Text that :func:`clean_text` leaves as it is: printable ASCII without spaces (no
#: full-width or invisible character, nothing to strip or collapse, not empty).
_PLAIN = r"^[!-~]+$"


def type_column(
    cells: pl.DataFrame, column: Column, today: dt.date, facts: Sequence[pl.Expr] = ()
) -> tuple[list[pl.Series], list[pl.DataFrame]]:
    """One column typed from its text, and the failures of its cells (one frame per rule).

    ``cells`` holds ``_row`` and the column's text (named by its field). Cleaning,
    parsing and the failure conditions are functions of a cell's text alone, so when
    the column has at most half as many distinct values as rows they are worked out
    once per distinct value and joined back (a failure frame only where a value
    fails); otherwise cell by cell. Cleaning is skipped for a column whose every
    value is plain ASCII (ID numbers, codes, amounts): it would change nothing.

    Returns:
        The typed column, then one series per expression of ``facts`` (evaluated on
        the typed value, named by their aliases); and the failure frames.
    """
    field = column.field
    entered = cells.get_column(field)
    distinct = entered.unique()
    by_value = 2 * distinct.len() <= entered.len()
    work = (
        distinct.to_frame().select(pl.col(field).alias("_entered"))
        if by_value
        else cells.select("_row", pl.col(field).alias("_entered"))
    )
    source = work.get_column("_entered")
    plain = source.null_count() == source.len() or bool(source.str.contains(_PLAIN).all())
    work = work.with_columns(
        (pl.col("_entered") if plain else clean_text(pl.col("_entered"))).alias("_text")
    ).with_columns(_typed(column, pl.col("_text")).alias(field))
    if facts:
        work = work.with_columns(facts)
    added = [name for name in work.columns if name not in ("_row", "_entered", "_text", field)]
    found = _column_failures(work, column, today)
    if not by_value:
        return [work.get_column(name) for name in (field, *added)], [
            frame.select(pl.col("_row").alias("row"), *list(FAILURE_SCHEMA)[1:]) for frame in found
        ]
    if work.height == 1:  # one value in every row (an absent column: all empty)
        typed = [work.get_column(name).new_from_index(0, cells.height) for name in (field, *added)]
    else:
        joined = cells.select(pl.col(field).alias("_entered")).join(
            work.select("_entered", field, *added),
            on="_entered",
            how="left",
            nulls_equal=True,
            maintain_order="left",
        )
        typed = [joined.get_column(name) for name in (field, *added)]
    rows = cells.select(pl.col("_row").alias("row"), pl.col(field).alias("_entered"))
    failures = [
        rows.join(frame, on="_entered", how="inner", maintain_order="left").select(
            list(FAILURE_SCHEMA)
        )
        for frame in found
        if frame.height
    ]
    return typed, failures


def per_value(frame: pl.DataFrame, on: list[str], exprs: list[pl.Expr]) -> pl.DataFrame:
    """Return ``frame`` with ``exprs`` added, evaluated once per distinct value of ``on``.

    ``exprs`` may read the ``on`` columns only. The distinct values are evaluated and
    joined back in the frame's order; a frame of mostly distinct values is evaluated
    row by row (the join would cost more than it saves).
    """
    keys = frame.select(on)
    values = keys.unique()
    if 2 * values.height > frame.height:
        return frame.with_columns(exprs)
    # only the keys are joined (a join copies every column of its frame), then added
    found = keys.join(
        values.with_columns(exprs), on=on, how="left", nulls_equal=True, maintain_order="left"
    )
    return frame.with_columns(found.drop(on))


def _typed(column: Column, value: pl.Expr) -> pl.Expr:
    """The typed value of a column's cleaned text ``value``."""
    match column.type:
        case "id":
            return ids.normalise(value)
        case "month":
            return parse_month(value)
        case "date":
            return parse_date(value)
        case "money":
            return parse_money_fen(value)
        case "int":
            return parse_int(value)
        case "gender":
            return parse_gender(value)
        case "code":
            assert column.code_table is not None
            return codes.to_code(value, column.code_table)
        case _:
            return value


def _column_failures(work: pl.DataFrame, column: Column, today: dt.date) -> list[pl.DataFrame]:
    """Report a column's cells that cannot be used; the value shown is as entered.

    ``work`` holds a column's cells (``_row`` and ``_entered``) or its distinct values
    (``_entered`` alone), each with its cleaned text ``_text`` and its typed value
    (named by the field). One frame per rule that fails somewhere: the key columns of
    ``work``, then the failure's column, value, rule, level and message.
    """
    field = column.field
    both = work
    keys = [name for name in ("_row", "_entered") if name in work.columns]
    given = pl.col("_text").is_not_null()
    text = pl.col("_text")  # cleaned: what the conditions look at
    entered = pl.col("_entered")  # as typed: what the analyst is shown
    out: list[pl.DataFrame] = []
    header = column.header

    def add(failing: pl.Expr, rule: str, level: str, message: pl.Expr) -> None:
        found = both.filter((given & failing).fill_null(False))
        if found.height:
            out.append(
                found.select(
                    *keys,
                    pl.lit(header).alias("column"),
                    entered.cast(pl.String).alias("value"),
                    pl.lit(rule).alias("rule"),
                    pl.lit(level).alias("level"),
                    message.alias("message"),
                )
            )

    match column.type:
        case "id":
            reason = ids.failure_reason(pl.col(field), today)
            both = both.with_columns(
                reason.alias("_reason"),
                ids.expected_check_char(pl.col(field)).alias("_expected"),
                ids.is_upgraded_15(text).alias("_upgraded"),
            )
            for code, template in ids.MESSAGES_ZH.items():
                add(
                    pl.col("_reason") == code,
                    f"id_{code}",
                    "reject",
                    message_expr(
                        f"{header}「{{value}}」{template}",
                        value=entered,
                        expected=pl.col("_expected"),
                    ),
                )
            add(
                pl.col("_upgraded") & pl.col("_reason").is_null(),
                "id_upgraded_15",
                "warn",
                message_expr(
                    f"{header}「{{value}}」是 15 位旧号码，已升为 18 位 {{new}}，请核对。",
                    value=entered,
                    new=pl.col(field),
                ),
            )
        case "month" | "date":
            what = "年月" if column.type == "month" else "日期"
            example = "2019-04" if column.type == "month" else "1983-10-13"
            add(
                pl.col(field).is_null(),
                f"{column.type}_format",
                "reject",
                message_expr(
                    f"{header}「{{value}}」不是有效的{what}。提示：请写成 {example}。",
                    value=entered,
                ),
            )
            add(
                is_excel_serial(text) & pl.col(field).is_not_null(),
                "excel_serial",
                "warn",
                message_expr(
                    f"{header}「{{value}}」是 Excel 日期序号，已按 {{parsed}} 读取，请核对。",
                    value=entered,
                    parsed=pl.col(field).dt.strftime(
                        "%Y-%m" if column.type == "month" else "%Y-%m-%d"
                    ),
                ),
            )
            if column.type == "date" and not column.future_ok:
                add(
                    pl.col(field) > pl.lit(today),
                    "date_in_future",
                    "reject",
                    message_expr(f"{header}「{{value}}」晚于今天。", value=entered),
                )
        case "money":
            add(
                pl.col(field).is_null(),
                "money_format",
                "reject",
                message_expr(
                    f"{header}「{{value}}」不是有效的金额。提示：只写数字，最多两位小数，如 5000.00。",
                    value=entered,
                ),
            )
            add(
                pl.col(field) < 0,
                "money_negative",
                "reject",
                message_expr(f"{header}「{{value}}」不能为负数。", value=entered),
            )
        case "int":
            add(
                pl.col(field).is_null(),
                "int_format",
                "reject",
                message_expr(f"{header}「{{value}}」应为整数。", value=entered),
            )
        case "gender":
            add(
                pl.col(field).is_null(),
                "gender_format",
                "reject",
                message_expr(f"{header}「{{value}}」应为“男”或“女”。", value=entered),
            )
        case "code":
            assert column.code_table is not None
            labels = codes.table(column.code_table)["label"].to_list()
            hint = "、".join(labels) if len(labels) <= 8 else "请从模板的下拉列表中选择"
            add(
                pl.col(field).is_null(),
                "code_unknown",
                "reject",
                message_expr(f"{header}「{{value}}」不是有效的选项。提示：{hint}。", value=entered),
            )
        case "phone":
            add(
                ~pl.col(field).str.contains(_PHONE),
                "phone_format",
                "reject",
                message_expr(f"{header}「{{value}}」不是 11 位手机号码。", value=entered),
            )
        case "name" | "text":
            if column.type == "name":
                # a name becomes part of file names (缴费证明_姓名_….pdf): one path component
                add(
                    pl.col(field).str.contains(r"[/\\\x00-\x1f\x7f]"),
                    "name_path_chars",
                    "reject",
                    message_expr(
                        f"{header}「{{value}}」含有斜杠或控制字符（如换行），不是有效的姓名。"
                        "提示：删去这些字符后重新导入。",
                        value=entered,
                    ),
                )
                add(
                    pl.col(field).str.contains(r"[0-9A-Za-z]{2,}|[!#$%^&*_|<>?]"),
                    "name_chars",
                    "warn",
                    message_expr(
                        f"{header}「{{value}}」含有数字、字母或符号，请核对。", value=entered
                    ),
                )
            add(
                pl.col(field).str.contains(_FORMULA_START),
                "formula_like",
                "warn",
                message_expr(
                    f"{header}「{{value}}」以 = + - @ 开头，Excel 可能把它当作公式；sbbatch 写出时一律按文本处理。",
                    value=entered,
                ),
            )
    if column.max_length is not None:
        add(
            pl.col("_text").str.len_chars() > column.max_length,
            "too_long",
            "reject",
            message_expr(f"{header}「{{value}}」超过 {column.max_length} 个字。", value=entered),
        )
    return out


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


def _id_facts() -> list[pl.Expr]:
    """``id_gender``, ``id_birth_date``, ``id_gender_label`` of a valid ``person_id``."""
    person = pl.col("person_id")
    valid = ids.failure_reason(person, dt.date.max).is_null()
    gender = pl.when(valid).then(ids.gender(person))
    return [
        gender.alias("id_gender"),
        pl.when(valid).then(ids.birth_date(person)).alias("id_birth_date"),
        codes.to_label(gender, "gender").alias("id_gender_label"),
    ]


def with_id_facts(typed: pl.DataFrame) -> pl.DataFrame:
    """Add the gender and birth date a valid ID number gives (once per distinct number).

    :func:`type_columns` adds them already when ``person_id`` is an ID column.
    """
    if "person_id" not in typed.columns or "id_gender" in typed.columns:
        return typed
    return per_value(typed, ["person_id"], _id_facts())


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
    return evaluate(
        typed.join(raw_values, on="_row", how="left"),
        declaration.rules,
        row="_row",
        headers=declaration.headers,
        values={c.field: f"{c.field}__raw" for c in declaration.columns},
    )


def derive_from_id(typed: pl.DataFrame, declaration: Declaration) -> pl.DataFrame:
    """Fill blank derived columns (性别, 出生日期, 户口所在地) from a valid ID number."""
    fields = {c.field for c in declaration.columns if c.derived_from_id}
    if not fields or "person_id" not in typed.columns:
        return typed
    fills: list[pl.Expr] = []
    if "gender" in fields:
        fills.append(pl.coalesce("gender", "id_gender").alias("gender"))
    if "birth_date" in fields:
        fills.append(pl.coalesce("birth_date", "id_birth_date").alias("birth_date"))
    derived = typed.with_columns(fills)
    region = {
        "hukou_province": ids.province_name,
        "hukou_city": ids.city_name,
        "hukou_county": ids.county_name,
    }
    wanted = [name for name in region if name in fields]
    if wanted:
        valid = pl.col("id_gender").is_not_null()
        derived = derived.with_columns(
            pl.coalesce(pl.col(name), pl.when(valid).then(region[name](pl.col("person_id")))).alias(
                name
            )
            for name in wanted
        )
    return derived


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
