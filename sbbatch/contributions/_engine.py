"""The contribution engine: person lines and unit totals as polars plans (no workspace).

Part of :mod:`sbbatch.contributions` (see there for the plan and the rules).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from sbbatch._money import PPM, half_up_div, half_up_fen
from sbbatch.contributions._lookups import (
    _MISSING_COLUMNS,
    _TOTALS_COLUMNS,
    BASE_RULE_DTYPE,
    INSURANCE_DTYPE,
    PAYER_DTYPE,
    _month_span,
    _months_frame,
    unit_rates,
)
from sbbatch.policy import Policy


def insured_months(periods: pl.LazyFrame, months: list[dt.date]) -> pl.LazyFrame:
    """Expand insured periods (参保) into one row per unit, person, insurance and month.

    Args:
        periods: ``unit_id, person_id, insurance, from_month, until_month``
            (``until_month`` exclusive, null = still insured).
        months: The months wanted (first days).

    Returns:
        ``unit_id, person_id, month, insurance``.

    Examples:
        >>> periods = pl.LazyFrame({"unit_id": ["A"], "person_id": ["p"], "insurance": ["1"],
        ...     "from_month": [dt.date(2026, 9, 1)], "until_month": [dt.date(2026, 11, 1)]})
        >>> insured_months(periods, [dt.date(2026, 8, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)]).collect()["month"].to_list()
        [datetime.date(2026, 10, 1)]
    """
    if not months:
        return periods.select(
            "unit_id", "person_id", pl.lit(None, pl.Date).alias("month"), "insurance"
        ).head(0)
    first, last = months[0], months[-1]
    start = pl.max_horizontal(pl.col("from_month"), pl.lit(first))
    end = pl.min_horizontal(
        pl.col("until_month").dt.offset_by("-1mo").fill_null(pl.lit(last)), pl.lit(last)
    )
    expanded = (
        periods.select("unit_id", "person_id", "insurance", start.alias("_s"), end.alias("_e"))
        .filter(pl.col("_s") <= pl.col("_e"))
        .select(
            "unit_id",
            "person_id",
            pl.date_ranges("_s", "_e", interval="1mo").alias("month"),
            "insurance",
        )
        .explode("month")
    )
    if len(months) != len(_month_span(first, last)):
        expanded = expanded.join(_months_frame(months).lazy(), on="month", how="semi")
    return expanded


def rate_groups(
    units: pl.DataFrame,
    months: list[dt.date],
    *,
    insurances: Iterable[str] | None = None,
    policy: Policy | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Group the units that pay the same rates, and give the rates of each group.

    Units differ only in their 工伤 rate: by risk class, or by the agency's floating
    rate (each unit with one is a group of its own, its ``policy_id`` names the unit).
    Joining persons to a handful of groups instead of to every unit keeps the joins of
    :func:`compute_lines` small.

    Returns:
        ``(groups, rates)``: ``unit_id, rate_group`` and ``rate_group, month,
        insurance, payer, rate, rate_ppm, fixed_fen, policy_id`` (no zero rates).

    Examples:
        >>> units = pl.DataFrame({"unit_id": ["A", "B", "C"], "risk_class": [1, 1, 2], "injury_rate": [None] * 3})
        >>> groups, rates = rate_groups(units, [dt.date(2026, 11, 1)], insurances=["4"])
        >>> groups["rate_group"].to_list(), rates.select("rate_group", "rate").rows()
        ([0, 0, 1], [(0, '0.002'), (1, '0.004')])
    """
    key = pl.concat_str(
        pl.col("risk_class").cast(pl.String),
        pl.when(pl.col("injury_rate").is_not_null())
        .then(pl.lit(":") + pl.col("unit_id"))
        .otherwise(pl.lit("")),
    )
    grouped = units.select(
        "unit_id",
        "risk_class",
        "injury_rate",
        (key.rank("dense") - 1).cast(pl.Int32).alias("rate_group"),
    )
    first = grouped.unique("rate_group", keep="first", maintain_order=True)
    rates = (
        unit_rates(first, months, insurances=insurances, policy=policy, keep_zero=False)
        .join(first.select("unit_id", "rate_group"), on="unit_id")
        .select(
            "rate_group",
            "month",
            "insurance",
            "payer",
            "rate",
            "rate_ppm",
            "fixed_fen",
            "policy_id",
        )
        .sort(
            "rate_group", "month", pl.col("insurance").cast(pl.Int64), pl.col("payer") == "person"
        )
    )
    return grouped.select("unit_id", "rate_group"), rates


def priced(
    wage: pl.Expr, floor: pl.Expr, ceiling: pl.Expr, rate_ppm: pl.Expr, fixed_fen: pl.Expr
) -> list[pl.Expr]:
    """Return the ``base_fen``, ``base_rule`` and ``amount_fen`` expressions of a line.

    The base is the wage clamped to the floor and ceiling (null for a fixed amount);
    the amount is the fixed amount, or base × rate half up to the fen.

    Examples:
        >>> frame = pl.DataFrame({"w": [300000, 800000], "r": [160000, None], "f": [None, 1000]})
        >>> frame.select(priced(pl.col("w"), pl.lit(457300), pl.lit(2286300), pl.col("r"), pl.col("f"))).rows()
        [(457300, 'floor', 73168), (None, None, 1000)]
    """
    fixed = fixed_fen.is_not_null()
    clamped = wage.clip(floor, ceiling)
    return [
        pl.when(fixed).then(None).otherwise(clamped).cast(pl.Int64).alias("base_fen"),
        pl.when(fixed)
        .then(None)
        .when(wage < floor)
        .then(pl.lit("floor"))
        .when(wage > ceiling)
        .then(pl.lit("ceiling"))
        .cast(BASE_RULE_DTYPE)
        .alias("base_rule"),
        pl.when(fixed)
        .then(fixed_fen)
        .otherwise(half_up_fen(clamped, rate_ppm))
        .cast(pl.Int64)
        .alias("amount_fen"),
    ]


def _bits() -> dict[str, int]:
    """One bit per 险种 code, in code order."""
    return {code: 1 << index for index, code in enumerate(INSURANCE_DTYPE.categories.to_list())}


def _spells(periods: pl.LazyFrame, groups: pl.LazyFrame) -> pl.LazyFrame:
    """Fold the periods of one unit, person and window into a bit mask of insurances.

    Each spell also gets its unit's ``rate_group`` and ``unit_no`` (the unit's row in
    ``groups``, an integer key for the totals).
    """
    cat = pl.Categorical()
    return (
        periods.select(
            pl.col("unit_id").cast(cat),
            pl.col("person_id").cast(cat),
            pl.col("insurance").replace_strict(_bits(), return_dtype=pl.Int32).alias("bit"),
            "from_month",
            "until_month",
        )
        .group_by("unit_id", "person_id", "from_month", "until_month")
        .agg(pl.col("bit").sum().alias("mask"))
        .join(
            groups.with_row_index("unit_no").with_columns(pl.col("unit_id").cast(cat)),
            on="unit_id",
            how="inner",
        )
    )


def _person_months(spells: pl.LazyFrame, bases: pl.LazyFrame, limits: pl.LazyFrame) -> pl.LazyFrame:
    """One row per approved wage and covering spell: the clamped base, rule, group and mask."""
    cat = pl.Categorical()
    wage = pl.col("wage_fen")
    month = pl.col("month")
    return (
        bases.select(
            pl.col("unit_id").cast(cat), pl.col("person_id").cast(cat), "month", wage.cast(pl.Int64)
        )
        .join(limits.with_columns(pl.col("limits_policy_id").cast(cat)), on="month", how="inner")
        .join(spells, on=["unit_id", "person_id"], how="inner")
        .filter(
            (pl.col("from_month") <= month)
            & (pl.col("until_month").is_null() | (pl.col("until_month") > month))
        )
        .select(
            "unit_id",
            "unit_no",
            "person_id",
            "month",
            "wage_fen",
            wage.clip(pl.col("floor_fen"), pl.col("ceiling_fen")).alias("_base"),
            pl.when(wage < pl.col("floor_fen"))
            .then(pl.lit("floor"))
            .when(wage > pl.col("ceiling_fen"))
            .then(pl.lit("ceiling"))
            .cast(BASE_RULE_DTYPE)
            .alias("_rule"),
            "limits_policy_id",
            "rate_group",
            "mask",
        )
    )


def _amount(base: pl.Expr, rate_ppm: pl.Expr, fixed_fen: pl.Expr) -> pl.Expr:
    return pl.coalesce(fixed_fen, half_up_div(base * rate_ppm, PPM))


def compute_lines(
    periods: pl.LazyFrame,
    bases: pl.LazyFrame,
    groups: pl.LazyFrame,
    rates: pl.LazyFrame,
    limits: pl.LazyFrame,
) -> pl.LazyFrame:
    """Compute the person detail: one line per unit, person, month, insurance and payer.

    Driven by the wages: each approved wage of a month (``bases``) is clamped to the
    month's limits once, meets the insured spells of the same unit and person that
    cover the month (the periods of one spell folded into a bit mask of insurances),
    and is then joined to the rate lines of its unit's :func:`rate_groups` for that
    month and mask — a small table, so the last join, which makes the lines, is cheap.

    Args:
        periods: ``unit_id, person_id, insurance, from_month, until_month``
            (``until_month`` exclusive, null = still insured).
        bases: The approved wage of each unit, person and month: ``unit_id,
            person_id, month, wage_fen`` (one row per key, never negative).
        groups: ``unit_id, rate_group`` (:func:`rate_groups`).
        rates: ``rate_group, month, insurance, payer, rate, rate_ppm, fixed_fen,
            policy_id`` (:func:`rate_groups`).
        limits: :func:`limits_for` of the months wanted (other months give no line).

    Returns:
        The columns of :data:`DETAIL_COLUMNS`.

    Examples:
        >>> from sbbatch.contributions import limits_for
        >>> month = dt.date(2026, 11, 1)
        >>> periods = pl.LazyFrame({"unit_id": ["A"] * 2, "person_id": ["p", "q"], "insurance": ["1"] * 2,
        ...     "from_month": [month] * 2, "until_month": [None] * 2}, schema_overrides={"until_month": pl.Date})
        >>> bases = pl.LazyFrame({"unit_id": ["A"] * 2, "person_id": ["p", "q"], "month": [month] * 2,
        ...     "wage_fen": [300000, 3000000]})
        >>> groups, rates = rate_groups(pl.DataFrame({"unit_id": ["A"], "risk_class": [1], "injury_rate": [None]}),
        ...     [month], insurances=["1"])
        >>> lines = compute_lines(periods, bases, groups.lazy(), rates.lazy(), limits_for([month]).lazy())
        >>> lines.sort(pl.col("person_id").cast(pl.String), "payer").collect().select(
        ...     "person_id", "payer", "base_fen", "base_rule", "amount_fen").rows()
        [('p', 'unit', 457300, 'floor', 73168), ('p', 'person', 457300, 'floor', 36584),
         ('q', 'unit', 2286300, 'ceiling', 365808), ('q', 'person', 2286300, 'ceiling', 182904)]
    """
    cat = pl.Categorical()
    bits = _bits()
    spells = _spells(periods, groups)
    rate_lines = (
        spells.select("mask")
        .unique()
        .join(
            rates.select(
                "rate_group",
                "month",
                pl.col("insurance").cast(INSURANCE_DTYPE),
                pl.col("insurance").replace_strict(bits, return_dtype=pl.Int32).alias("bit"),
                pl.col("payer").cast(PAYER_DTYPE),
                pl.col("rate").cast(cat),
                pl.col("rate_ppm").cast(pl.Int32),
                "fixed_fen",
                pl.col("policy_id").cast(cat),
            ),
            how="cross",
        )
        .filter((pl.col("mask") & pl.col("bit")) != 0)
        .drop("bit")
    )
    months = _person_months(spells, bases, limits)
    fixed = pl.col("rate_ppm").is_null()
    return months.join(rate_lines, on=["rate_group", "month", "mask"], how="inner").select(
        "unit_id",
        "person_id",
        "month",
        "insurance",
        "payer",
        "wage_fen",
        pl.when(fixed).then(None).otherwise(pl.col("_base")).alias("base_fen"),
        pl.when(fixed).then(None).otherwise(pl.col("_rule")).alias("base_rule"),
        pl.when(fixed).then(None).otherwise(pl.col("limits_policy_id")).alias("limits_policy_id"),
        "rate",
        "rate_ppm",
        _amount(pl.col("_base"), pl.col("rate_ppm"), pl.col("fixed_fen")).alias("amount_fen"),
        "policy_id",
    )


def line_types(rates: pl.DataFrame) -> list[tuple[str, str]]:
    """Return the (insurance, payer) pairs of a rates table, in code order.

    Examples:
        >>> line_types(pl.DataFrame({"insurance": ["10", "1", "1"], "payer": ["person", "person", "unit"]}))
        [('1', 'unit'), ('1', 'person'), ('10', 'person')]
    """
    pairs = rates.select("insurance", "payer").unique().rows()
    return sorted(pairs, key=lambda pair: (int(pair[0]), pair[1] != "unit"))


def wide_rates(rates: pl.DataFrame, types: list[tuple[str, str]]) -> pl.DataFrame:
    """Return one row per rate group and month, a ``ppm_k`` and ``fixed_k`` column per line type.

    The input of the totals that never materialise the lines (:func:`compute_totals`,
    :func:`contribution_sql` with ``detail=False``).
    """
    wide = rates.select("rate_group", "month").unique()
    for index, (insurance, payer) in enumerate(types):
        part = rates.filter((pl.col("insurance") == insurance) & (pl.col("payer") == payer)).select(
            "rate_group",
            "month",
            pl.col("rate_ppm").cast(pl.Int64).alias(f"ppm_{index}"),
            pl.col("fixed_fen").cast(pl.Int64).alias(f"fixed_{index}"),
        )
        wide = wide.join(part, on=["rate_group", "month"], how="left")
    return wide.sort("rate_group", "month")


def compute_totals(
    periods: pl.LazyFrame,
    bases: pl.LazyFrame,
    groups: pl.LazyFrame,
    rates: pl.DataFrame,
    limits: pl.LazyFrame,
) -> pl.DataFrame:
    """Sum the contributions per unit, month, insurance and payer without making the lines.

    Each person-month row carries its base once; the amount of every line type is
    computed and rounded per person (as in the detail) inside the aggregation of its
    unit and month, so only one row per person and month ever exists.

    Returns:
        ``unit_id, month, insurance, payer, persons, base_fen, amount_fen`` (as
        :func:`unit_totals`).
    """
    types = line_types(rates)
    wide = wide_rates(rates, types)
    unit_keys = groups.with_row_index("unit_no").select("unit_no", "unit_id").collect()
    months = _person_months(_spells(periods, groups), bases, limits).join(
        wide.lazy(), on=["rate_group", "month"], how="inner"
    )
    bits = _bits()
    insurances = list(dict.fromkeys(insurance for insurance, _ in types))
    has = {i: ((pl.col("mask") & bits[i]) != 0).cast(pl.Int64) for i in insurances}
    columns: list[pl.Expr] = []
    for insurance in insurances:
        columns += [
            has[insurance].alias(f"n_{insurance}"),
            (has[insurance] * pl.col("_base")).alias(f"b_{insurance}"),
        ]
    for index, (insurance, _) in enumerate(types):
        amount = _amount(pl.col("_base"), pl.col(f"ppm_{index}"), pl.col(f"fixed_{index}"))
        columns.append((has[insurance] * amount).fill_null(0).alias(f"a_{index}"))
    summed = (
        months.select("unit_no", "month", "rate_group", *columns)
        .group_by("unit_no", "month", "rate_group")
        .agg(pl.all().sum())
        .collect(engine="streaming")
    )
    return _long_totals(summed.join(unit_keys, on="unit_no"), wide, types)


def _long_totals(
    summed: pl.DataFrame, wide: pl.DataFrame, types: list[tuple[str, str]]
) -> pl.DataFrame:
    """Unpivot per-insurance counts and bases (``n_<ins>``, ``b_<ins>``) and per-type
    amounts (``a_<k>``) of each unit and month into the long totals frame."""
    joined = summed.join(wide, on=["rate_group", "month"], how="left")
    parts = []
    for index, (insurance, payer) in enumerate(types):
        ppm, fixed = pl.col(f"ppm_{index}"), pl.col(f"fixed_{index}")
        priced_ = ppm.is_not_null() | fixed.is_not_null()
        parts.append(
            joined.select(
                pl.col("unit_id").cast(pl.String),
                "month",
                pl.lit(insurance).alias("insurance"),
                pl.lit(payer).alias("payer"),
                pl.when(priced_)
                .then(pl.col(f"n_{insurance}"))
                .otherwise(0)
                .cast(pl.Int64)
                .alias("persons"),
                pl.when(ppm.is_not_null())
                .then(pl.col(f"b_{insurance}"))
                .cast(pl.Int64)
                .alias("base_fen"),
                pl.col(f"a_{index}").cast(pl.Int64).alias("amount_fen"),
            )
        )
    if not parts:
        return pl.DataFrame(schema=_TOTALS_COLUMNS)
    return (
        pl.concat(parts, how="vertical")
        .filter(pl.col("persons") > 0)
        .sort("unit_id", "month", pl.col("insurance").cast(pl.Int64), pl.col("payer") == "person")
    )


def missing_bases(insured: pl.LazyFrame, bases: pl.LazyFrame) -> pl.LazyFrame:
    """Return insured person-months that have no approved base (未申报工资).

    Returns:
        ``unit_id, person_id, month, insurances`` (the 险种 codes, comma-separated).
    """
    keys = ["unit_id", "person_id", "month"]
    return (
        insured.join(bases.select(keys), on=keys, how="anti")
        .group_by(keys)
        .agg(
            pl.col("insurance")
            .unique()
            .sort_by(pl.col("insurance").unique().cast(pl.Int64))
            .str.join(",")
            .alias("insurances")
        )
        .sort(keys)
        .cast(_MISSING_COLUMNS)  # type: ignore[arg-type]
    )
