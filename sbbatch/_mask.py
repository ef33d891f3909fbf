"""Masks (脱敏) for ID numbers and phone numbers: the one implementation.

Everything that masks — reprs, terminal output, notebook tables, widgets, the
presenter — calls these. A value from an ID column is masked whatever it looks like
(valid or not: 17 or 19 digits, spaced, dashed, a letter typed for a digit), because
a malformed number is still a person's number. Only the first 6 and last 4
characters of an ID, the first 3 and last 4 of a phone, are ever shown.

This module imports nothing of sbbatch, so any layer can use it.
"""

from __future__ import annotations

import re

import polars as pl

__all__ = [
    "mask_failures",
    "mask_id",
    "mask_id_expr",
    "mask_phone",
    "mask_phone_expr",
    "mask_text",
]

_ID_HEAD, _ID_TAIL = 6, 4
_PHONE_HEAD, _PHONE_TAIL = 3, 4
# An ID-like token in running text: starts with a digit, then 14–19 more digits or
# letters (a swapped letter, the X), optionally split by single spaces or dashes, and
# at least 12 digits in all (so words, dates and amounts are left alone).
_ID_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z０-９])[0-9０-９](?:[ \-]?[0-9A-Za-z０-９Ｘｘ]){14,19}(?![0-9A-Za-z０-９])"
)
_PHONE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d(?:[ \-]?\d{4}){2}(?!\d)")
_MIN_DIGITS_IN_ID = 12


def _mask(value: str, head: int, tail: int) -> str:
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]


def _mask_expr(expr: pl.Expr, head: int, tail: int) -> pl.Expr:
    text = expr.cast(pl.String)
    n = text.str.len_chars()
    star_all = r"(?s)."
    middle = text.str.slice(head, n - head - tail).str.replace_all(star_all, "*")
    return (
        pl.when(n > head + tail)
        .then(pl.concat_str(text.str.slice(0, head), middle, text.str.slice(-tail)))
        .otherwise(text.str.replace_all(star_all, "*"))
    )


def mask_id(text: object) -> str:
    """Return anything from an ID column masked: first 6 and last 4 characters kept.

    Every other character (separators too) becomes ``*``; a value of 10 characters
    or fewer is starred completely. Numbers are masked as their digits.

    Examples:
        >>> mask_id("370103198310135672")
        '370103********5672'
        >>> mask_id("370103 19831013 5672"), mask_id("37010319831013567")
        ('370103**********5672', '370103*******3567')
        >>> mask_id(370102199001011231), mask_id("1234")
        ('370102********1231', '****')
    """
    return _mask(str(text), _ID_HEAD, _ID_TAIL)


def mask_phone(text: object) -> str:
    """Return a phone number masked: first 3 and last 4 characters kept.

    Examples:
        >>> mask_phone("13812345678"), mask_phone("12345")
        ('138****5678', '*****')
    """
    return _mask(str(text), _PHONE_HEAD, _PHONE_TAIL)


def mask_id_expr(expr: pl.Expr) -> pl.Expr:
    """Return :func:`mask_id` as a String expression (numbers cast to their digits).

    Example:
        >>> df = pl.DataFrame({"id": ["370103198310135672", None, "3701-03"]})
        >>> df.select(mask_id_expr(pl.col("id"))).to_series().to_list()
        ['370103********5672', None, '*******']
    """
    return _mask_expr(expr.cast(pl.String), _ID_HEAD, _ID_TAIL)


def mask_phone_expr(expr: pl.Expr) -> pl.Expr:
    """Return :func:`mask_phone` as a String expression.

    Example:
        >>> df = pl.DataFrame({"tel": ["13812345678", "12345"]})
        >>> df.select(mask_phone_expr(pl.col("tel"))).to_series().to_list()
        ['138****5678', '*****']
    """
    return _mask_expr(expr.cast(pl.String), _PHONE_HEAD, _PHONE_TAIL)


def mask_text(text: str) -> str:
    """Return ``text`` with every ID-like number and mobile number in it masked.

    ID-like: 15–20 digits or letters starting with a digit, at least 12 of them
    digits, possibly split by spaces or dashes — valid or not.

    Examples:
        >>> mask_text("身份证号码「370103198310135672」重复，电话13812345678")
        '身份证号码「370103********5672」重复，电话138****5678'
        >>> mask_text("证件号码「370102 19900101 1231」「3701021990O1011231」长度不对")
        '证件号码「370102**********1231」「370102********1231」长度不对'
        >>> mask_text("2019-04-01 至 2020-01-01，金额 12,345.00 元")
        '2019-04-01 至 2020-01-01，金额 12,345.00 元'
    """

    def hide_id(found: re.Match[str]) -> str:
        token = found.group(0)
        if sum(char.isdigit() for char in token) < _MIN_DIGITS_IN_ID:
            return token
        return mask_id(token)

    text = _ID_IN_TEXT.sub(hide_id, text)
    return _PHONE_IN_TEXT.sub(lambda found: mask_phone(found.group(0)), text)


def mask_failures(
    failures: pl.DataFrame, id_columns: list[str], phone_columns: list[str]
) -> pl.DataFrame:
    """Mask a failures frame: the ``value`` of ID and phone columns, and the messages.

    A message quoting its row's value gets the value masked as the ``value`` column
    is (whatever its shape), then any other ID or phone number in it is masked by
    :func:`mask_text`.

    Args:
        failures: ``row, column, value, …, message`` (the failures shape).
        id_columns: The ``column`` texts (headers) that hold ID numbers.
        phone_columns: Those that hold phone numbers.

    Example:
        >>> f = pl.DataFrame({"column": ["证件号码"], "value": ["37010219900101123"],
        ...                   "message": ["证件号码「37010219900101123」应为 18 位"]})
        >>> mask_failures(f, ["证件号码"], []).row(0)
        ('证件号码', '370102*******1123', '证件号码「370102*******1123」应为 18 位')
    """
    if failures.is_empty():
        return failures
    column, value = pl.col("column"), pl.col("value").cast(pl.String)
    masked = (
        pl.when(column.is_in(id_columns))
        .then(mask_id_expr(value))
        .when(column.is_in(phone_columns))
        .then(mask_phone_expr(value))
        .otherwise(value)
    )
    frame = failures.with_columns(masked.alias("_masked"))
    messages = [
        mask_text(message.replace(raw, hidden) if raw and raw != hidden else message)
        if message is not None
        else None
        for message, raw, hidden in frame.select(
            "message", value.fill_null(""), "_masked"
        ).iter_rows()
    ]
    return frame.with_columns(
        pl.col("_masked").alias("value"), pl.Series("message", messages, dtype=pl.String)
    ).drop("_masked")
