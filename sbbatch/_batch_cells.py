"""The cells of a batch: typing each column and reporting its unusable cells (part of :mod:`sbbatch.batch`).

:func:`sbbatch.batch.check` maps a file's headers to a business's columns; the functions
here turn every cell's text into its typed value, give one failures frame (row,
column, value, rule, level, message) per rule a column's cells break, and add what a
valid ID number tells (gender, birth date). The failures of whole rows and of the file
(numeric IDs, formulas, hidden rows, repeated keys, rules, required cells) are in
:mod:`sbbatch._batch_rows`.

Typing does only what can change a value (issue 11: ``load persons`` of 100,000 rows,
6 columns of a 16-column declaration): an absent column is nulls at once, clean text is
not cleaned again, ID numbers already in their shape are not normalised again, and the
reason an ID fails is worked out once for the failures and the ID's facts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cache

import polars as pl

from sbbatch import codes, ids
from sbbatch._rules import message_expr
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
from sbbatch.spec import COLUMN_DTYPES, FAILURE_SCHEMA

_PHONE = r"^1[3-9]\d{9}$"
_FORMULA_START = r"^[=+\-@]"


def as_failures(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    collected = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    return collected.select([pl.col(name).cast(dtype) for name, dtype in FAILURE_SCHEMA.items()])


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


#: Text that :func:`clean_text` leaves as it is: no whitespace but single ASCII spaces
#: between other characters, no full-width form (U+FF01–U+FF5E, U+3000), no invisible
#: character, not empty. ``\s`` is Unicode White_Space, what ``strip_chars`` strips.
_NOT_CLEAN = r"\s\u3000\uff01-\uff5e\u200b-\u200d\u2060\ufeff"
_PLAIN = rf"^[^{_NOT_CLEAN}]+(?: [^{_NOT_CLEAN}]+)*$"
#: A normalised ID number's shape: ``ids.normalise`` leaves such text as it is.
_ID_SHAPE = r"^[0-9]{17}[0-9X]$"
#: The columns ``type_column`` works with besides the typed value and the facts.
_WORK = ("_row", "_entered", "_text", "_reason", "_id_valid")


def type_column(
    cells: pl.DataFrame, column: Column, today: dt.date, facts: Sequence[pl.Expr] = ()
) -> tuple[list[pl.Series], list[pl.DataFrame]]:
    """One column typed from its text, and the failures of its cells (one frame per rule).

    ``cells`` holds ``_row`` and the column's text (named by its field). Cleaning,
    parsing and the failure conditions are functions of a cell's text alone, so when
    the column has at most half as many distinct values as rows they are worked out
    once per distinct value and joined back (a failure frame only where a value
    fails); otherwise cell by cell. What would change nothing is skipped: an empty
    column (absent from the file) is typed as nulls at once; cleaning, for a column
    whose every value is already clean text; typing, for text and for ID numbers
    already in their normalised shape; the join back, when the typed column is the
    text as entered.

    Returns:
        The typed column, then one series per expression of ``facts`` (evaluated in
        turn on the typed value, each may read the ones before it; named by their
        aliases); and the failure frames.
    """
    field = column.field
    entered = cells.get_column(field)
    if entered.null_count() == entered.len():  # nothing entered: no cell can fail
        return _typed_nulls(column, facts, entered.len()), []
    by_value = 2 * entered.n_unique() <= entered.len()
    work = (
        entered.unique().to_frame().select(pl.col(field).alias("_entered"))
        if by_value
        else cells.select("_row", pl.col(field).alias("_entered"))
    )
    source = work.get_column("_entered")
    # a column of ID numbers in their shape is clean, and normalised already
    shaped = column.type == "id" and bool(source.str.contains(_ID_SHAPE).all())
    plain = shaped or bool(source.str.contains(_PLAIN).all())
    work = work.with_columns(
        (pl.col("_entered") if plain else clean_text(pl.col("_entered"))).alias("_text")
    )
    as_text = (
        shaped
        or column.type in ("text", "name")
        or (column.type == "id" and bool(work.get_column("_text").str.contains(_ID_SHAPE).all()))
    )
    work = work.with_columns(
        (pl.col("_text") if as_text else _typed(column, pl.col("_text"))).alias(field)
    )
    if column.type == "id":
        work = _with_id_reason(work, field, today)
    for fact in facts:
        work = work.with_columns(fact)
    added = [name for name in work.columns if name not in (*_WORK, field)]
    found = _column_failures(work, column, today, upgraded=not as_text)
    if not by_value:
        return [work.get_column(name) for name in (field, *added)], [
            frame.select(pl.col("_row").alias("row"), *list(FAILURE_SCHEMA)[1:]) for frame in found
        ]
    if plain and as_text and not added:  # the typed column is the text as entered
        typed = [entered]
    elif work.height == 1:  # one value in every row
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


def _typed_nulls(column: Column, facts: Sequence[pl.Expr], height: int) -> list[pl.Series]:
    """The typed column and its facts where nothing was entered: nulls, of their dtypes."""
    one = _typed_null(column)
    for fact in facts:
        one = one.with_columns(fact)
    return [
        one.get_column(name).new_from_index(0, height) for name in one.columns if name not in _WORK
    ]


@cache
def _typed_null(column: Column) -> pl.DataFrame:
    """One empty cell of ``column`` typed (a row of nulls), with ``_reason`` for an ID.

    Of the dtype every typed value of its kind has (``spec.COLUMN_DTYPES``, text
    otherwise): neither a parsing expression (its patterns compiled, ~5 ms for a date)
    nor a code table (~8 ms to load) is worked for a column that holds nothing.
    """
    dtype = COLUMN_DTYPES.get(column.type, pl.String())
    one = pl.DataFrame({column.field: [None]}, schema={column.field: dtype})
    return _with_id_reason(one, column.field, dt.date.max) if column.type == "id" else one


def _with_id_reason(work: pl.DataFrame, field: str, today: dt.date) -> pl.DataFrame:
    """Add ``_reason`` (``ids.failure_reason`` of the typed number) and ``_id_valid``.

    ``_id_valid`` tells a number valid but for a birth date after ``today``
    (``failure_reason`` on ``date.max`` is null), what the facts of an ID need. Both
    come from one ``failure_reason`` on ``date.max``: it never gives ``future`` (a real
    date is never after 9999-12-31), and ``future`` is checked after ``missing``,
    ``format`` and ``birth_date`` and before ``region`` and ``checksum``, so on
    ``today`` the reason is ``future`` exactly where it is null, ``region`` or
    ``checksum`` on ``date.max`` and the birth date is after ``today``.
    """
    number = pl.col(field)
    work = work.with_columns(ids.failure_reason(number, dt.date.max).alias("_reason"))
    later = pl.col("_reason").is_null() | pl.col("_reason").is_in(["region", "checksum"])
    future = later & (number.str.slice(6, 8) > pl.lit(today.strftime("%Y%m%d")))
    return work.with_columns(
        pl.when(future).then(pl.lit("future")).otherwise(pl.col("_reason")).alias("_reason"),
        pl.col("_reason").is_null().alias("_id_valid"),
    )


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


def _column_failures(
    work: pl.DataFrame, column: Column, today: dt.date, *, upgraded: bool = True
) -> list[pl.DataFrame]:
    """Report a column's cells that cannot be used; the value shown is as entered.

    ``work`` holds a column's cells (``_row`` and ``_entered``) or its distinct values
    (``_entered`` alone), each with its cleaned text ``_text`` and its typed value
    (named by the field); an ID column also ``_reason`` (:func:`_with_id_reason`).
    ``upgraded`` false says that no 15-digit number was upgraded (every number was
    already in the 18-character shape). One frame per rule that fails somewhere: the
    key columns of ``work``, then the failure's column, value, rule, level and message.
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
            if "_reason" not in both.columns:
                both = _with_id_reason(both, field, today)
            both = both.with_columns(
                (ids.is_upgraded_15(text) if upgraded else pl.lit(False)).alias("_upgraded")
            )
            for code, template in ids.MESSAGES_ZH.items():
                add(
                    pl.col("_reason") == code,
                    f"id_{code}",
                    "reject",
                    message_expr(
                        f"{header}「{{value}}」{template}",
                        value=entered,
                        expected=ids.expected_check_char(pl.col(field)),
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


def _id_facts() -> list[pl.Expr]:
    """``id_gender``, ``id_birth_date``, ``id_gender_label`` of a valid ``person_id``.

    Evaluated in turn (the label reads ``id_gender``) on a frame holding ``_id_valid``
    (:func:`_with_id_reason`): valid but for a birth date after the agency's today.
    A valid number has the 18-character shape and a real birth date from 1900 on, so
    :func:`ids.gender` and :func:`ids.birth_date` are its 17th digit's parity and its
    digits 7–14 read as a date, without testing the shape again (the test compares).
    """
    person = pl.col("person_id")
    valid = pl.col("_id_valid")
    odd = person.str.slice(16, 1).cast(pl.Int8, strict=False) % 2 == 1
    return [
        pl.when(valid)
        .then(pl.when(odd).then(pl.lit("1")).otherwise(pl.lit("2")))
        .alias("id_gender"),
        pl.when(valid)
        .then(person.str.slice(6, 8).str.to_date("%Y%m%d", strict=False))
        .alias("id_birth_date"),
        pl.col("id_gender")
        .replace_strict(_gender_labels(), default=None, return_dtype=pl.String)
        .alias("id_gender_label"),
    ]


@cache
def _gender_labels() -> dict[str, str]:
    """The labels of the gender codes an ID number gives (``ids.gender``: 1 or 2)."""
    found = pl.DataFrame({"code": ["1", "2"]}).with_columns(
        codes.to_label(pl.col("code"), "gender").alias("label")
    )
    return dict(found.iter_rows())


def with_id_facts(typed: pl.DataFrame) -> pl.DataFrame:
    """Add the gender and birth date a valid ID number gives (once per distinct number).

    :func:`type_columns` adds them already when ``person_id`` is an ID column.
    """
    if "person_id" not in typed.columns or "id_gender" in typed.columns:
        return typed
    keys = typed.select("person_id")
    values = _with_id_reason(keys.unique(), "person_id", dt.date.max)
    for fact in _id_facts():
        values = values.with_columns(fact)
    found = keys.join(
        values.drop("_reason", "_id_valid"),
        on="person_id",
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )
    return typed.with_columns(found.drop("person_id"))


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
