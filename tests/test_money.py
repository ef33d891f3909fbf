"""Half-up rounding to the fen, written once in sbbatch._money: Decimal, polars and SQL agree."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sbbatch._money import (
    PPM,
    fen_of_yuan,
    half_up,
    half_up_div,
    half_up_div_sql,
    half_up_fen,
    yuan_decimal_expr,
)

DIVISORS = [1, 2, 3, 12, 100, 10_000, PPM]
# products of a base in fen (up to 10^9 fen = 10 million yuan) and a rate in ppm
NUMERATORS = st.integers(min_value=-(10**15), max_value=10**15)


def _decimal(numerator: int, divisor: int) -> int:
    """The oracle: exact Decimal quotient, rounded by the Decimal face of the module."""
    return int(half_up(Decimal(numerator) / Decimal(divisor)))


def _polars(numerators: list[int], divisor: int) -> list[int]:
    frame = pl.DataFrame({"n": numerators}, schema={"n": pl.Int64})
    return frame.select(half_up_div(pl.col("n"), divisor)).to_series().to_list()


def _sql(numerators: list[int], divisor: int) -> list[int]:
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"SELECT {half_up_div_sql('n', divisor)} AS r "
            "FROM (SELECT unnest($n::BIGINT[]) AS n, generate_subscripts($n::BIGINT[], 1) AS i) "
            "ORDER BY i",
            {"n": numerators},
        ).fetchall()
    finally:
        con.close()
    return [row[0] for row in rows]


def _ties(divisor: int) -> st.SearchStrategy[int]:
    """Numerators exactly half way between two multiples of an even divisor."""
    return st.integers(min_value=-(10**8), max_value=10**8).map(
        lambda k: k * divisor + divisor // 2
    )


@settings(max_examples=200, deadline=None)
@given(
    numerators=st.lists(NUMERATORS, min_size=1, max_size=40),
    divisor=st.sampled_from(DIVISORS),
)
def test_decimal_polars_and_sql_agree(numerators: list[int], divisor: int) -> None:
    expected = [_decimal(n, divisor) for n in numerators]
    assert _polars(numerators, divisor) == expected
    assert _sql(numerators, divisor) == expected


@settings(max_examples=100, deadline=None)
@given(data=st.data(), divisor=st.sampled_from([2, 12, 100, 10_000, PPM]))
def test_ties_round_away_from_zero_everywhere(data: st.DataObject, divisor: int) -> None:
    numerators = data.draw(st.lists(_ties(divisor), min_size=1, max_size=20))
    numerators += [-n for n in numerators]
    expected = [(abs(n) // divisor + 1) * (1 if n > 0 else -1) if n else 0 for n in numerators]
    assert [_decimal(n, divisor) for n in numerators] == expected
    assert _polars(numerators, divisor) == expected
    assert _sql(numerators, divisor) == expected


@pytest.mark.parametrize(
    ("numerator", "expected"),
    [(500_000, 1), (-500_000, -1), (499_999, 0), (-499_999, 0), (1_500_000, 2), (-1_500_000, -2)],
)
def test_half_a_fen_is_one_fen_either_sign(numerator: int, expected: int) -> None:
    assert _decimal(numerator, PPM) == expected
    assert _polars([numerator], PPM) == [expected]
    assert _sql([numerator], PPM) == [expected]


def test_nulls_stay_null() -> None:
    frame = pl.DataFrame(
        {"b": [None, 100], "r": [160_000, None]}, schema={"b": pl.Int64, "r": pl.Int64}
    )
    assert frame.select(half_up_fen(pl.col("b"), pl.col("r"))).to_series().to_list() == [None, None]
    assert _sql([], PPM) == []


def test_fen_of_yuan_half_up_both_signs() -> None:
    assert fen_of_yuan("0.005") == 1
    assert fen_of_yuan("-0.005") == -1
    assert fen_of_yuan("0.0049") == 0
    assert fen_of_yuan(Decimal("1234.565")) == 123457


@pytest.mark.parametrize("divisor", [0, -100, 1.5, True])
def test_divisor_must_be_a_positive_int(divisor: object) -> None:
    with pytest.raises(ValueError, match="positive int"):
        half_up_div(pl.col("n"), divisor)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive int"):
        half_up_div_sql("n", divisor)  # type: ignore[arg-type]


@given(st.lists(st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1) | st.none()))
def test_yuan_decimal_is_the_exact_fen_over_100(fens: list[int | None]) -> None:
    frame = pl.DataFrame({"f": fens}, schema={"f": pl.Int64})
    shown = frame.select(yuan_decimal_expr(pl.col("f"))).to_series()
    assert shown.dtype == pl.Decimal(18, 2)
    assert shown.to_list() == [None if f is None else Decimal(f) / 100 for f in fens]


def test_yuan_decimal_out_of_range_is_refused_not_wrapped() -> None:
    frame = pl.DataFrame({"f": [10**18]}, schema={"f": pl.Int64})
    with pytest.raises(pl.exceptions.InvalidOperationError):
        frame.select(yuan_decimal_expr(pl.col("f")))


def test_money_is_rounded_nowhere_else() -> None:
    """Every rounding of money goes through sbbatch._money: no other module writes it."""
    package = Path(__file__).resolve().parents[1] / "sbbatch"
    patterns = {
        "ROUND_HALF": re.compile(r"ROUND_HALF"),
        "+ 500000 / + 5000 (hand-written half up)": re.compile(r"\+\s*5_?000(_?000)?\b"),
        "// 1000000": re.compile(r"//\s*1_?000_?000\b"),
        "Decimal quantize to a cent": re.compile(r"\.quantize\(Decimal\(['\"]0\.01"),
        "fen to decimal yuan by hand": re.compile(
            r"pl\.lit\(Decimal\(|pl\.Decimal\(\d+,\s*2\)\)\s*/\s*100"
        ),
    }
    found = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "_money.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for name, pattern in patterns.items():
                if pattern.search(line):
                    found.append(f"{path.relative_to(package)}:{number}: {name}: {line.strip()}")
    assert not found, "\n".join(found)
