"""Employment spells, insured periods (参保) and wage bases (缴费工资) of the synthetic world."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import polars as pl

from sbbatch.sample._random import (
    _choose,
    _month_date,
    _month_index_expr,
    _pick,
    _Random,
    _Reference,
)
from sbbatch.sample._tuning import (
    _ADULT_MONTHS,
    _DEPARTED,
    _FINAL_LEAVE,
    _FORCED_EVERY,
    _MIDDLE_LEAVE,
    _MODES,
    _OPEN_AT_START,
    _SENIOR,
    _TWO_SPELLS,
    _WAGE_MAX_YUAN,
    _WAGE_MIN_YUAN,
    _WAGE_SIGMA,
    SCHEMAS,
)

if TYPE_CHECKING:
    pass


# ------------------------------------------------------------------------ spells
def _with_spells(
    rng: _Random,
    persons: pl.DataFrame,
    n_units: int,
    sizes: list[int],
    first_idx: int,
    last_idx: int,
) -> pl.DataFrame:
    """Plan one or two employment spells per person (month indices, units, reasons).

    The spells of a person never overlap: the second starts when or after the first
    ends. ``until`` is exclusive (the 减员年月) and null while still insured.
    """
    p = pl.col("p")
    a, b = pl.col("_a"), pl.col("_b")
    retired = pl.col("retired")
    departed = pl.col("departed")
    two = pl.col("two")
    persons = persons.with_columns(
        (pl.col("birth_idx") + _ADULT_MONTHS + 1).alias("_adult"),
        (pl.col("retire_idx") < last_idx).alias("retired"),
    ).with_columns(
        pl.max_horizontal(pl.lit(first_idx, pl.Int64), pl.col("_adult")).alias("_a"),
        pl.when(retired).then(pl.col("retire_idx")).otherwise(last_idx).alias("_b"),
    )
    span = b - a + 1
    persons = persons.with_columns(
        (rng.chance(_TWO_SPELLS, "spell.two", p) & (span >= 4) & pl.lit(n_units >= 2)).alias("two"),
        (
            rng.chance(_DEPARTED, "spell.departed", p)
            & ~retired
            & (span >= 2)
            & (pl.col("mode") != _MODES.index("near"))  # the near-retirement stay insured
        ).alias("departed"),
        rng.chance(_OPEN_AT_START, "spell.open", p).alias("_open"),
        (a + 1 + rng.below(span - 2, "spell.cut", p)).alias("_cut"),
        (pl.max_horizontal(rng.below(6, "spell.gap", p) - 2, 0)).alias("_gap"),
    )
    cut = pl.col("_cut")
    start1 = (
        pl.when(pl.col("_open") & (a == first_idx))  # on the books when the world opens
        .then(a)
        .when(two)
        .then(a + rng.below(cut - a, "spell.start", p))
        .otherwise(a + rng.below(span - departed.cast(pl.Int64), "spell.start", p))
    )
    persons = persons.with_columns(start1.alias("start1")).with_columns(
        pl.min_horizontal(cut + pl.col("_gap"), b - departed.cast(pl.Int64)).alias("start2"),
    )
    last_start = pl.when(two).then(pl.col("start2")).otherwise(pl.col("start1"))
    unit2 = _pick(rng.bits("spell.unit2", p), sizes)
    other = (pl.col("unit1") + 1 + rng.below(n_units - 1, "spell.unit2b", p)) % n_units
    new_entrant = (
        (pl.col("start1") > first_idx)
        & (pl.col("start1") - pl.col("_adult") <= 36)
        & rng.chance(0.8, "spell.new", p)
    )
    middle_leave = _choose(
        [code for code, _ in _MIDDLE_LEAVE],
        _pick(rng.bits("spell.leave1", p), [w for _, w in _MIDDLE_LEAVE]),
    )
    final_leave = _choose(
        [code for code, _ in _FINAL_LEAVE],
        _pick(rng.bits("spell.leave2", p), [w for _, w in _FINAL_LEAVE]),
    )
    return persons.with_columns(
        pl.when(departed)
        .then(last_start + 1 + rng.below(b - last_start, "spell.end", p))
        .when(retired)
        .then(b + 1)
        .otherwise(pl.lit(None, pl.Int64))
        .alias("end"),
        pl.when(unit2 == pl.col("unit1")).then(other).otherwise(unit2).alias("unit2"),
        pl.when(new_entrant)
        .then(pl.lit("111"))
        .when(rng.chance(0.55, "spell.add", p))
        .then(pl.lit("141"))
        .otherwise(pl.lit("121"))
        .alias("add1"),
        middle_leave.alias("leave1"),
        pl.when(retired)
        .then(pl.lit("251"))
        .when(departed)
        .then(final_leave)
        .otherwise(pl.lit(None, pl.String))
        .alias("leave_final"),
    )


def _work_start(rng: _Random, first_idx: int, last_idx: int) -> pl.Expr:
    """Return 参加工作日期: in the first spell's month for 新参保, else after age 16."""
    p = pl.col("p")
    spell_start = _month_date(pl.col("start1"), first_idx, last_idx)
    earliest = pl.col("birth_date").dt.offset_by("16y")
    latest = pl.min_horizontal(
        spell_start.dt.offset_by("-1d"), pl.col("birth_date").dt.offset_by("26y")
    )
    span = (latest - earliest).dt.total_days().cast(pl.Int64) + 1
    return (
        pl.when(pl.col("add1") == "111")
        .then(spell_start + pl.duration(days=rng.below(28, "work.day", p)))
        .otherwise(earliest + pl.duration(days=rng.below(span, "work.start", p)))
    )


def _spells(
    rng: _Random, persons: pl.DataFrame, units: pl.DataFrame, first_year: int
) -> pl.DataFrame:
    """Return one row per spell with ids, months, reasons, category and base wage.

    Rows are sorted by unit number, ID number and start month.
    """
    first = persons.select(
        "p",
        pl.lit(1, pl.Int64).alias("spell"),
        pl.col("unit1").alias("unit"),
        pl.col("start1").alias("from_idx"),
        pl.when("two").then(pl.col("_cut")).otherwise(pl.col("end")).alias("until_idx"),
        pl.col("add1").alias("add_reason"),
        pl.when("two")
        .then(pl.col("leave1"))
        .otherwise(pl.col("leave_final"))
        .alias("leave_reason"),
    )
    second = persons.filter("two").select(
        "p",
        pl.lit(2, pl.Int64).alias("spell"),
        pl.col("unit2").alias("unit"),
        pl.col("start2").alias("from_idx"),
        pl.col("end").alias("until_idx"),
        pl.when(pl.col("leave1") == "241")
        .then(pl.lit("141"))
        .otherwise(pl.lit("121"))
        .alias("add_reason"),
        pl.col("leave_final").alias("leave_reason"),
    )
    p, spell = pl.col("p"), pl.col("spell")
    # a person's wage factor is shared by both spells: log-normal-ish (Irwin-Hall z)
    z = sum((rng.uniform(f"wage.z{i}", p) for i in range(4)), start=pl.lit(-2.0)) * 3**0.5
    age = (first_year * 12 - pl.col("_birth_idx")) // 12
    factor = (
        (z * _WAGE_SIGMA).exp()
        * pl.when(age < 25)
        .then(0.8)
        .when(age < 30)
        .then(0.92)
        .when(age < 50)
        .then(1.05)
        .otherwise(1.0)
        * pl.when(pl.col("_identity") == "4").then(1.15).otherwise(1.0)
        * pl.when(pl.col("_form") == "4").then(0.75).otherwise(1.0)
        * pl.when((p % _FORCED_EVERY == 41) | rng.chance(_SENIOR, "wage.senior", p))
        .then(3.0 + 1.5 * rng.uniform("wage.senior_level", p))
        .otherwise(1.0)
    )
    growth = (
        pl.when(rng.chance(0.25, "wage.flat", p))
        .then(0.0)
        .otherwise(0.02 + 0.06 * rng.uniform("wage.raise", p))
    )
    category = (
        pl.when(pl.col("_kind") == "sole")
        .then(pl.lit("14"))
        .when((pl.col("_kind") == "agency") & rng.chance(0.5, "spell.attached", p, spell))
        .then(pl.lit("13"))
        .when(pl.col("_urban"))
        .then(pl.lit("11"))
        .otherwise(pl.lit("12"))
    )

    def by_unit(column: str) -> pl.Expr:
        return pl.lit(units[column]).gather(pl.col("unit"))

    def by_person(column: str) -> pl.Expr:
        return pl.lit(persons[column]).gather(p)

    # sort keys: the rank of the unit number and of the ID number (integers sort fast)
    unit_order = units["unit_id"].rank("ordinal").cast(pl.Int64)
    person_order = persons["person_id"].rank("ordinal").cast(pl.Int64)

    return (
        pl.concat([first, second])
        .with_columns(
            by_unit("unit_id").alias("unit_id"),
            by_person("person_id").alias("person_id"),
            by_unit("kind").alias("_kind"),
            by_unit("wage_level").alias("_level"),
            by_unit("rounding").alias("rounding"),
            by_person("urban").alias("_urban"),
            by_person("identity").alias("_identity"),
            by_person("employment_form").alias("_form"),
            by_person("birth_idx").alias("_birth_idx"),
            pl.lit(unit_order).gather(pl.col("unit")).alias("_unit_order"),
            pl.lit(person_order).gather(p).alias("_person_order"),
        )
        .with_columns(
            category.alias("person_category"),
            (pl.col("_level") * factor).alias("wage0"),
            (1.0 + growth).alias("growth"),
        )
        .sort("_unit_order", "_person_order", "from_idx")
    )


# ------------------------------------------------------------------ output frames
_NEVER: Final = 1 << 40  # a month index standing for "open-ended"


def _insured_periods(
    spells: pl.DataFrame, ref: _Reference, first_idx: int, last_idx: int
) -> pl.DataFrame:
    """Return one row per spell and insurance its category joins (category_insurances.csv).

    An insurance whose window ends or starts inside the spell (生育 before 2020-01) is
    cut to the window; the leave reason stays only on a row that ends with the spell.
    """

    def window_month(column: str, default: int, shift: int) -> pl.Expr:
        month = pl.col(column).str.to_date("%Y-%m")
        return (_month_index_expr(month) + shift).fill_null(default)

    insurances = ref.category_insurances.select(
        pl.col("person_category"),
        pl.col("insurance"),
        window_month("effective_from", -_NEVER, 0).alias("_eff_from"),
        window_month("effective_to", _NEVER, 1).alias("_eff_until"),
    )
    # insurances whose window misses the world entirely are dropped; when every other
    # window covers the whole world (the usual case), no row needs cutting
    insurances = insurances.filter(
        (pl.col("_eff_from") <= last_idx) & (pl.col("_eff_until") > first_idx)
    )
    whole = bool(
        insurances.select(
            ((pl.col("_eff_from") <= first_idx) & (pl.col("_eff_until") > last_idx)).all()
        ).item()
    )
    until = pl.col("until_idx").fill_null(_NEVER)
    periods = spells.select(
        "unit_id",
        "person_id",
        "person_category",
        "from_idx",
        "until_idx",
        "add_reason",
        "leave_reason",
    ).join(insurances, on="person_category", how="inner", maintain_order="left_right")
    if whole:
        periods = periods.with_columns(pl.col("from_idx").alias("_start"), until.alias("_stop"))
    else:
        periods = periods.with_columns(
            pl.max_horizontal("from_idx", "_eff_from").alias("_start"),
            pl.min_horizontal(until, "_eff_until").alias("_stop"),
        ).filter(pl.col("_start") < pl.col("_stop"))
    schema = SCHEMAS["insured_periods"]
    return periods.select(
        "unit_id",
        "person_id",
        "insurance",
        "person_category",
        _month_date(pl.col("_start"), first_idx, last_idx).alias("from_month"),
        pl.when(pl.col("_stop") < _NEVER)
        .then(_month_date(pl.col("_stop"), first_idx, last_idx + 1))
        .otherwise(pl.lit(None, pl.Date))
        .alias("until_month"),
        "add_reason",
        pl.when(pl.col("_stop") == until)
        .then(pl.col("leave_reason"))
        .otherwise(pl.lit(None, pl.String))
        .alias("leave_reason"),
        pl.lit(None, schema["opened_by"]).alias("opened_by"),
        pl.lit(None, schema["closed_by"]).alias("closed_by"),
    )


def _wage_bases(spells: pl.DataFrame, first_idx: int, last_idx: int) -> pl.DataFrame:
    """Return one wage per spell and insured month, raised each January.

    Wages are rounded half up to the unit's step (10 or 1 yuan), kept within
    2,300-60,000 yuan, and stored in fen.
    """
    # first the wage of each spell and calendar year, then its months
    year = pl.col("year")
    until = pl.col("until_idx").fill_null(last_idx + 1)
    raised = pl.col("growth").pow((year - first_idx // 12).cast(pl.Float64))
    yuan = (pl.col("wage0") * raised).clip(_WAGE_MIN_YUAN, _WAGE_MAX_YUAN)
    step = pl.col("rounding")
    fen = (yuan / step + 0.5).floor().cast(pl.Int64) * step * 100
    months = pl.int_ranges(
        pl.max_horizontal("from_idx", year * 12), pl.min_horizontal(until, year * 12 + 12)
    )
    schema = SCHEMAS["wage_bases"]
    return (
        spells.select(
            "unit_id",
            "person_id",
            "from_idx",
            until.alias("until_idx"),
            "wage0",
            "growth",
            "rounding",
            pl.int_ranges(pl.col("from_idx") // 12, (until - 1) // 12 + 1).alias("year"),
        )
        .explode("year")
        .select("unit_id", "person_id", fen.alias("wage_fen"), months.alias("month_idx"))
        .explode("month_idx")
        .select(
            "unit_id",
            "person_id",
            _month_date(pl.col("month_idx"), first_idx, last_idx).alias("month"),
            "wage_fen",
            pl.lit(None, schema["declaration_id"]).alias("declaration_id"),
            pl.lit(None, schema["revoked_by"]).alias("revoked_by"),
        )
    )
