"""Masks (脱敏) of ID numbers and phones: the one implementation every output calls.

An ID number keeps its first 6 and last 4 characters (``370103********5672``), a
phone its first 3 and last 4 (``138****5678``); every other character becomes ``*``.
Anything in an ID column is masked this way, valid or not (a 17-digit number keeps
6 + 4 too), and values too short to keep both ends are starred completely.
:func:`mask_text` masks the ID numbers and mobile numbers written inside free text
such as error messages. This module imports nothing of sbbatch, so every layer can use it.
"""

from __future__ import annotations

import re

import polars as pl

__all__ = ["mask_id", "mask_id_expr", "mask_phone", "mask_phone_expr", "mask_text"]

_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_OLD_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{5})(\d{4})(?![0-9A-Za-z])")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def _mask_scalar(value: str, head: int, tail: int) -> str:
    """Return ``value`` with all but ``head`` leading and ``tail`` trailing chars starred."""
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]


def _mask_expr(expr: pl.Expr, head: int, tail: int) -> pl.Expr:
    """Return the vectorised form of :func:`_mask_scalar`."""
    n = expr.str.len_chars()
    star_all = r"(?s)."
    middle = expr.str.slice(head, n - head - tail).str.replace_all(star_all, "*")
    return (
        pl.when(n > head + tail)
        .then(pl.concat_str(expr.str.slice(0, head), middle, expr.str.slice(-tail)))
        .otherwise(expr.str.replace_all(star_all, "*"))
    )


def mask_id(value: str) -> str:
    """Return an ID number masked for display (脱敏): first 6 and last 4 kept.

    Every other character becomes ``*``, so an 18-character number shows 8 stars.
    Values of 10 characters or fewer are starred completely.

    Example:
        >>> mask_id("370103198310135672")
        '370103********5672'
        >>> mask_id("1234")
        '****'
    """
    return _mask_scalar(value, 6, 4)


def mask_id_expr(expr: pl.Expr) -> pl.Expr:
    """Return the masked ID numbers (脱敏) as a String expression, as :func:`mask_id` does.

    Example:
        >>> df = pl.DataFrame({"id": ["370103198310135672", None]})
        >>> df.select(mask_id_expr(pl.col("id"))).to_series().to_list()
        ['370103********5672', None]
    """
    return _mask_expr(expr, 6, 4)


def mask_phone(value: str) -> str:
    """Return a phone number masked for display: first 3 and last 4 kept.

    Every other character becomes ``*``; values of 7 characters or fewer are starred
    completely.

    Example:
        >>> mask_phone("13812345678")
        '138****5678'
    """
    return _mask_scalar(value, 3, 4)


def mask_phone_expr(expr: pl.Expr) -> pl.Expr:
    """Return the masked phone numbers as a String expression, as :func:`mask_phone` does.

    Example:
        >>> df = pl.DataFrame({"tel": ["13812345678", "12345"]})
        >>> df.select(mask_phone_expr(pl.col("tel"))).to_series().to_list()
        ['138****5678', '*****']
    """
    return _mask_expr(expr, 3, 4)


def mask_text(text: str) -> str:
    """Return ``text`` with every ID number and mobile number in it masked.

    Examples:
        >>> mask_text("身份证号码「370103198310135672」重复，电话13812345678")
        '身份证号码「370103********5672」重复，电话138****5678'
    """
    text = _ID_IN_TEXT.sub(lambda m: mask_id(m.group(0)), text)
    text = _OLD_ID_IN_TEXT.sub(lambda m: mask_id(m.group(0)), text)
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)
