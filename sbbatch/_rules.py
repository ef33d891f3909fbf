"""Evaluating rules: every rule of a business on every row, in one pass.

Shared by validation (:mod:`sbbatch.batch`) and the agency's review
(:mod:`sbbatch.review`): a rule's expression is true for rows that pass; the rows
where it is false (never null) fail with the rule's Chinese message, whose
``{name}`` placeholders are filled from the row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import polars as pl

from sbbatch.spec import Rule

__all__ = ["evaluate", "join_message_list", "join_messages", "message_expr"]

_PLACEHOLDER = re.compile(r"\{([a-z_0-9]+)\}")


def message_expr(template: str, **values: pl.Expr) -> pl.Expr:
    """Turn a ``{name}`` template into a string expression.

    A placeholder takes the expression given by keyword, else the column of that
    name; dates print as ``YYYY-MM-DD``, nulls as empty text.

    Examples:
        >>> frame = pl.DataFrame({"name": ["张三"], "n": [3]})
        >>> frame.select(message_expr("{name} 有 {n} 条")).item()
        '张三 有 3 条'
    """
    parts = _PLACEHOLDER.split(template)
    pieces: list[pl.Expr] = []
    for index, part in enumerate(parts):
        if index % 2 == 0:
            if part:
                pieces.append(pl.lit(part))
        else:
            value = values.get(part, pl.col(part))
            pieces.append(value.cast(pl.String).fill_null(""))
    return pl.concat_str(pieces) if pieces else pl.lit("")


def placeholders(template: str) -> list[str]:
    """Return the names of a template's ``{name}`` placeholders."""
    return _PLACEHOLDER.findall(template)


def evaluate(
    frame: pl.DataFrame,
    rules: Iterable[Rule],
    *,
    row: str,
    headers: dict[str, str],
    values: dict[str, str] | None = None,
) -> pl.DataFrame:
    """Evaluate ``rules`` on ``frame`` and return one failure per failing row and rule.

    Args:
        frame: The rows with every column the rules use.
        rules: The rules; a null result passes.
        row: The column that identifies a row in the output (``row``).
        headers: Chinese header of each field, for the ``column`` of a failure.
        values: For a field, the column holding the text as entered (``value``);
            by default the field itself.

    Returns:
        Columns ``row, column, value, rule, level, message``.
    """
    values = values or {}
    failures: list[pl.DataFrame] = []
    dates = {name for name, dtype in frame.schema.items() if dtype == pl.Date}
    for rule in rules:
        failing = ~rule.expr
        if rule.when is not None:
            failing = failing & rule.when
        value_column = pl.col(values.get(rule.column, rule.column))
        named = {"value": value_column}
        for name in placeholders(rule.message):
            if name in dates:
                named.setdefault(name, pl.col(name).dt.strftime("%Y-%m-%d"))
        failures.append(
            frame.filter(failing.fill_null(False)).select(
                pl.col(row).cast(pl.Int64).alias("row"),
                pl.lit(headers.get(rule.column, rule.column)).alias("column"),
                value_column.cast(pl.String).alias("value"),
                pl.lit(rule.id).alias("rule"),
                pl.lit(rule.level).alias("level"),
                message_expr(rule.message, **named).alias("message"),
            )
        )
    if not failures:
        return pl.DataFrame(
            schema={
                "row": pl.Int64,
                "column": pl.String,
                "value": pl.String,
                "rule": pl.String,
                "level": pl.String,
                "message": pl.String,
            }
        )
    return pl.concat(failures, how="vertical")


def join_messages(messages: pl.Expr) -> pl.Expr:
    """Join a group's messages into one opinion: 「甲；乙。」, never 「甲。；乙。」.

    Each message's closing 「。」 is dropped before the 「；」 and one is put at the end.

    Examples:
        >>> frame = pl.DataFrame({"row": [1, 1, 2], "message": ["甲不对。", "提示：乙。", "丙"]})
        >>> frame.group_by("row", maintain_order=True).agg(join_messages(pl.col("message")))["message"].to_list()
        ['甲不对；提示：乙。', '丙。']
    """
    return messages.str.strip_chars_end("。").str.join("；") + "。"


def join_message_list(messages: pl.Expr) -> pl.Expr:
    """The list form of :func:`join_messages`: a list of messages per row → one text.

    An empty list gives an empty text.

    Examples:
        >>> frame = pl.DataFrame({"m": [["甲。", "乙。"], []]}, schema={"m": pl.List(pl.String)})
        >>> frame.select(join_message_list(pl.col("m")))["m"].to_list()
        ['甲；乙。', '']
    """
    joined = messages.list.eval(pl.element().str.strip_chars_end("。")).list.join("；")
    return pl.when(messages.list.len() > 0).then(joined + "。").otherwise(pl.lit(""))
