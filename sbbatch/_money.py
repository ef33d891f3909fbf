"""Money as text: integer fen shown as exact yuan, never through a float."""

from __future__ import annotations

import polars as pl

__all__ = ["yuan", "yuan_expr"]


def yuan(fen: int | None) -> str:
    """Return integer fen as plain decimal yuan text (``1234.56``); empty for None.

    Examples:
        >>> yuan(123456), yuan(5), yuan(-50), yuan(0), yuan(None)
        ('1234.56', '0.05', '-0.50', '0.00', '')
    """
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole}.{cents:02d}"


def yuan_expr(fen: pl.Expr) -> pl.Expr:
    """Return an integer-fen expression as plain decimal yuan text, exactly (nulls stay null).

    Examples:
        >>> pl.DataFrame({"f": [123456, 5, -50, None]}).select(yuan_expr(pl.col("f"))).to_series().to_list()
        ['1234.56', '0.05', '-0.50', None]
    """
    value = fen.cast(pl.Int64)
    magnitude = value.abs()
    return pl.concat_str(
        pl.when(value < 0).then(pl.lit("-")).otherwise(pl.lit("")),
        (magnitude // 100).cast(pl.String),
        pl.lit("."),
        (magnitude % 100).cast(pl.String).str.zfill(2),
    )
