"""Counter-based randomness, the reference word lists and month helpers of the synthetic world."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import accumulate
from typing import TYPE_CHECKING

import polars as pl

from sbbatch._csv import read_commented_csv
from sbbatch._resources import schemas_dir
from sbbatch.sample._tuning import _M32, _UNIT_KINDS

if TYPE_CHECKING:
    pass


# ------------------------------------------------------------------------ randomness
def _mix32_int(value: int) -> int:
    """Return lowbias32 of a Python integer (the scalar twin of :func:`_mix32`)."""
    x = value & 0xFFFFFFFF
    x ^= x >> 16
    x = (x * 0x7FEB352D) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0x846CA68B) & 0xFFFFFFFF
    return x ^ (x >> 16)


def _mix32(x: pl.Series) -> pl.Series:
    """Return lowbias32 (C. Wellons) of a UInt64 series below 2**32.

    Products stay below 2**64, so UInt64 arithmetic is exact in every polars version.
    It works on a materialised series: as an expression, every xor-shift would double
    the expression tree.
    """
    x = x ^ (x // (1 << 16))
    x = x * 0x7FEB352D % _M32
    x = x ^ (x // (1 << 15))
    x = x * 0x846CA68B % _M32
    return x ^ (x // (1 << 16))


def _hasher(salt: int) -> Callable[[pl.Series], pl.Series]:
    """Return the batch function that hashes a struct of keys under ``salt``."""
    final = _mix32_int(salt + 1)

    def run(keys: pl.Series) -> pl.Series:
        value = pl.repeat(salt, len(keys), dtype=pl.UInt64, eager=True)
        for field in keys.struct.unnest().iter_columns():
            value = _mix32(value ^ field.cast(pl.UInt64))
        return _mix32(value ^ final)

    return run


class _Random:
    """Counter-based random numbers: a hash of (seed, stream, row keys)."""

    def __init__(self, seed: int) -> None:
        seed &= (1 << 64) - 1
        self._seed = _mix32_int(_mix32_int(seed) ^ (seed >> 32))

    def bits(self, stream: str, *keys: pl.Expr) -> pl.Expr:
        """Return 32 random bits per row (UInt64 below 2**32) for a stream and row keys.

        Keys must be non-negative integers below 2**32; at least one must be a column.
        """
        salt = _mix32_int(self._seed ^ zlib.crc32(stream.encode()))
        fields = [key.alias(f"k{i}") for i, key in enumerate(keys)]
        return pl.struct(fields).map_batches(
            _hasher(salt), return_dtype=pl.UInt64, is_elementwise=True
        )

    def scalar(self, stream: str) -> int:
        """Return 32 random bits for a stream, as a Python integer (one value per world)."""
        salt = _mix32_int(self._seed ^ zlib.crc32(stream.encode()))
        return _mix32_int(salt + 1)

    def below(self, n: pl.Expr | int, stream: str, *keys: pl.Expr) -> pl.Expr:
        """Return a uniform integer in ``[0, n)`` per row as Int64 (0 where ``n <= 0``)."""
        bound = (pl.lit(n) if isinstance(n, int) else n).cast(pl.Int64).clip(lower_bound=0)
        return (self.bits(stream, *keys) * bound.cast(pl.UInt64) // _M32).cast(pl.Int64)

    def chance(self, share: float, stream: str, *keys: pl.Expr) -> pl.Expr:
        """Return True with probability ``share`` per row."""
        return self.bits(stream, *keys) < int(share * _M32)

    def uniform(self, stream: str, *keys: pl.Expr) -> pl.Expr:
        """Return a uniform float in ``[0, 1)`` per row."""
        return self.bits(stream, *keys).cast(pl.Float64) / _M32


def _pick(bits: pl.Expr, weights: Sequence[int]) -> pl.Expr:
    """Return an index into ``weights``, drawn in proportion to the weights."""
    cumulative = pl.Series(list(accumulate(weights)), dtype=pl.UInt64)
    target = bits * int(cumulative[-1]) // _M32
    return pl.lit(cumulative).search_sorted(target, side="right").cast(pl.Int64)


def _choose(values: Sequence[str], index: pl.Expr) -> pl.Expr:
    """Return ``values[index]`` per row."""
    return pl.lit(pl.Series(list(values), dtype=pl.String)).gather(index)


@dataclass(frozen=True)
class _Table:
    """A reference table sorted by class, for weighted draws within a row's class."""

    frame: pl.DataFrame  # sorted by class; has a weight column
    starts: list[int]  # cumulative weight before each class
    totals: list[int]  # total weight of each class

    @classmethod
    def of(cls, frame: pl.DataFrame, classes: Sequence[str] | None, class_col: str = "") -> _Table:
        """Build from a frame with ``weight``; ``classes`` orders the ``class_col`` values."""
        if classes is None:
            frame = frame.with_columns(_class=pl.lit(0, pl.Int64))
            classes = [""]
        else:
            order = {name: i for i, name in enumerate(classes)}
            frame = frame.with_columns(
                _class=pl.col(class_col).replace_strict(order, return_dtype=pl.Int64)
            ).sort("_class", maintain_order=True)
        totals = [
            int(frame.filter(pl.col("_class") == i)["weight"].sum()) for i in range(len(classes))
        ]
        starts = [0, *accumulate(totals)][:-1]
        return cls(frame=frame, starts=starts, totals=totals)

    def pick(self, bits: pl.Expr, klass: pl.Expr | None = None) -> pl.Expr:
        """Return the row index drawn for each row, in proportion to weight within its class."""
        cumulative = pl.lit(self.frame["weight"].cast(pl.UInt64).cum_sum())
        if klass is None:
            start: pl.Expr = pl.lit(self.starts[0], pl.UInt64)
            total: pl.Expr = pl.lit(self.totals[0], pl.UInt64)
        else:
            start = pl.lit(pl.Series(self.starts, dtype=pl.UInt64)).gather(klass)
            total = pl.lit(pl.Series(self.totals, dtype=pl.UInt64)).gather(klass)
        target = start + bits * total // _M32
        return cumulative.search_sorted(target, side="right").cast(pl.Int64)

    def get(self, column: str, index: pl.Expr) -> pl.Expr:
        """Return the value of ``column`` at the drawn row index."""
        return pl.lit(self.frame[column]).gather(index)


# ------------------------------------------------------------------- reference data
@dataclass(frozen=True)
class _Reference:
    """The word lists of ``schemas/sample`` and the category→insurance table."""

    surnames: _Table
    given_chars: _Table  # class: gender code
    given_names: _Table  # class: gender + era
    regions: _Table
    streets: _Table  # class: county code ("" = generic)
    brands: _Table
    banks: _Table
    villages: _Table
    templates: _Table  # class: unit kind
    category_insurances: pl.DataFrame
    region_names: dict[str, str]  # county code -> county name
    region_cities: dict[str, str]  # county code -> prefecture name
    street_classes: list[str]


def _read_sample(name: str) -> pl.DataFrame:
    frame, _ = read_commented_csv(schemas_dir() / "sample" / f"{name}.csv")
    weight = pl.col("weight").cast(pl.Int64) if "weight" in frame.columns else pl.lit(1, pl.Int64)
    return frame.with_columns(weight.alias("weight"))


@cache
def _reference() -> _Reference:
    """Load the reference tables once per process."""
    given = _read_sample("given_names")
    chars = given.filter(pl.col("kind") == "char")
    names = given.filter(pl.col("kind") == "name").with_columns(
        _key=pl.col("gender") + ":" + pl.col("era")
    )
    regions = _read_sample("regions").with_columns(
        pl.col("id_code").fill_null(pl.col("code")),
        pl.col("urban_share").cast(pl.Int64),
    )
    streets = _read_sample("streets").with_columns(pl.col("county_code").fill_null(""))
    street_classes = list(dict.fromkeys(streets["county_code"].to_list()))
    vocabulary = _read_sample("vocabulary")
    templates = _read_sample("unit_templates").with_columns(
        pl.col("risk_class").cast(pl.Int32), pl.col("wage_level").cast(pl.Int64)
    )
    categories, _ = read_commented_csv(
        schemas_dir() / "policy" / "jinan" / "category_insurances.csv"
    )
    return _Reference(
        surnames=_Table.of(_read_sample("surnames"), None),
        given_chars=_Table.of(chars, ["1", "2"], "gender"),
        given_names=_Table.of(
            names, [f"{g}:{e}" for g in ("1", "2") for e in ("old", "mid", "young")], "_key"
        ),
        regions=_Table.of(regions, None),
        streets=_Table.of(streets, street_classes, "county_code"),
        brands=_Table.of(vocabulary.filter(pl.col("kind") == "brand"), None),
        banks=_Table.of(vocabulary.filter(pl.col("kind") == "bank"), None),
        villages=_Table.of(vocabulary.filter(pl.col("kind") == "village"), None),
        templates=_Table.of(templates, list(_UNIT_KINDS), "kind"),
        category_insurances=categories,
        region_names=dict(zip(regions["code"], regions["county"], strict=True)),
        region_cities=dict(zip(regions["code"], regions["city"], strict=True)),
        street_classes=street_classes,
    )


# ----------------------------------------------------------------------- month helpers
def _month_index(value: date) -> int:
    return value.year * 12 + value.month - 1


def _month_index_expr(expr: pl.Expr) -> pl.Expr:
    return expr.dt.year().cast(pl.Int64) * 12 + expr.dt.month().cast(pl.Int64) - 1


def _month_date(index: pl.Expr, lo: int, hi: int) -> pl.Expr:
    """Return the first day of month ``index`` (``year * 12 + month - 1``), lo <= index <= hi.

    A look-up in the list of month starts: on long columns much faster than ``pl.date``.
    """
    starts = pl.Series([date(i // 12, i % 12 + 1, 1) for i in range(lo, hi + 1)], dtype=pl.Date)
    return pl.lit(starts).gather((index - lo).clip(0, hi - lo))
