"""Contributions (缴费计算): what each unit and person owes, to the fen, and why.

For every unit, person, month, insurance (险种) and payer (单位 / 个人) a *line* holds the
declared wage (缴费工资), the approved base (缴费基数: the wage clamped to the month's
floor and ceiling, 按下限/上限核定), the rate (缴费费率) or fixed monthly amount, the
amount, and the ``policy_id`` of the policy row that set the rate — so every amount can
be reproduced from its base, its rate and its source (:meth:`sbbatch.policy.Policy.view`).

How an amount is computed (all integer arithmetic, exact):

- base_fen = min(max(wage_fen, floor_fen), ceiling_fen) with the month's
  ``base_limits`` row (``limits_policy_id``);
- amount_fen = base_fen × rate_ppm / 10⁶, half up to the fen (:mod:`sbbatch._money`:
  :func:`~sbbatch._money.half_up_fen` in polars, :func:`~sbbatch._money.half_up_div_sql`
  in SQL), per person, month, insurance and payer;
- a fixed monthly amount (大额医疗补助, ``fixed_fen``) is taken as it is and has no base;
- 工伤保险 (work injury) is paid by the unit at the rate of its industry risk class
  (行业风险类别), or at the unit's own floating rate (``units.injury_rate``) when the
  agency set one — its ``policy_id`` is then ``units:<unit_id>:injury_rate``;
- a payer with a zero rate (工伤 and 生育 for the person) gets no line;
- the base in force for a person and month is the wage of the approved 工资申报 that
  has not been revoked; wages loaded from outside (history, ``declaration_id`` NULL)
  apply where no such declaration exists.

Persons insured in a month without an approved base are never dropped silently: they are
listed in :attr:`Contributions.missing`.

The plan, the same in both engines: units are grouped by the rates they pay
(:func:`rate_groups`: they differ only in 工伤); the periods of a person in a unit are
folded into spells with a bit mask of insurances; each approved wage of a month is
clamped once, meets its covering spell, and is joined to the small table of rate lines
of its group, month and mask. polars (:func:`compute_lines`) makes the person detail,
with compact dtypes (:data:`DETAIL_COLUMNS`; :func:`plain` for text columns);
:func:`compute_totals` and DuckDB SQL (:func:`contribution_sql`, used by
:func:`unit_totals`) sum per unit and month without ever making the lines — every line
type is still priced and rounded per person. Tests hold the engines, and an independent
Decimal computation from the CSV files, equal to the fen.

Late fees (滞纳金) on back-payments: :func:`with_late_fees`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch import codes
from sbbatch._money import PPM, half_up_div, half_up_div_sql, half_up_fen, yuan, yuan_expr
from sbbatch.exceptions import PolicyError, UnusableInputError
from sbbatch.policy import PAYERS, Policy, rate_to_ppm

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = [
    "BASE_RULE_DTYPE",
    "BASE_RULE_LABELS",
    "DETAIL_COLUMNS",
    "INSURANCE_DTYPE",
    "PAYER_DTYPE",
    "PAYER_LABELS",
    "PLAIN_COLUMNS",
    "Contributions",
    "LateFeeTerms",
    "compute_lines",
    "compute_totals",
    "contribution_sql",
    "contributions",
    "effective_bases_sql",
    "insurance_codes",
    "insurance_label_expr",
    "insured_months",
    "late_fee_terms",
    "limits_for",
    "line_types",
    "missing_bases",
    "month_list",
    "percent",
    "plain",
    "priced",
    "rate_groups",
    "rates_for_unit",
    "sql_filters",
    "sql_inputs",
    "unit_rates",
    "unit_totals",
    "wide_rates",
    "with_late_fees",
    "yuan",
    "yuan_expr",
]

#: The base rule of a clamped line, as the review opinion and the forms print it.
BASE_RULE_LABELS: dict[str, str] = {"floor": "按下限核定", "ceiling": "按上限核定"}

#: 单位 / 个人.
PAYER_LABELS: dict[str, str] = dict(PAYERS)

#: 险种 codes as an Enum, in code order (sorting by it sorts 1, 2, 3, 4, 5, 10).
INSURANCE_DTYPE = pl.Enum(sorted(codes.table("insurance")["code"].to_list(), key=int))

#: Payers as an Enum: ``unit`` (单位) before ``person`` (个人).
PAYER_DTYPE = pl.Enum(list(PAYERS))

#: Base rules as an Enum: ``floor`` (按下限核定), ``ceiling`` (按上限核定); null = as declared.
BASE_RULE_DTYPE = pl.Enum(list(BASE_RULE_LABELS))

#: The columns of the person detail, in order, with their (compact) dtypes: codes as
#: Enum, ids and policy texts as Categorical, so that a line costs about 55 bytes and a
#: million persons × 12 months (96 million lines) fit in memory. A fixed amount has
#: ``rate`` and ``rate_ppm`` null and its ``amount_fen`` is the fixed amount.
#: :func:`plain` turns a detail into plain text columns (and adds ``fixed_fen``).
DETAIL_COLUMNS: dict[str, pl.DataType] = {
    "unit_id": pl.Categorical(),
    "person_id": pl.Categorical(),
    "month": pl.Date(),
    "insurance": INSURANCE_DTYPE,
    "payer": PAYER_DTYPE,
    "wage_fen": pl.Int64(),
    "base_fen": pl.Int64(),
    "base_rule": BASE_RULE_DTYPE,
    "limits_policy_id": pl.Categorical(),
    "rate": pl.Categorical(),
    "rate_ppm": pl.Int32(),
    "amount_fen": pl.Int64(),
    "policy_id": pl.Categorical(),
}

#: The columns of :func:`plain`: the detail with text columns and ``fixed_fen``, as
#: the bills and back-payment tables of the workspace store them.
PLAIN_COLUMNS: dict[str, pl.DataType] = {
    "unit_id": pl.String(),
    "person_id": pl.String(),
    "month": pl.Date(),
    "insurance": pl.String(),
    "payer": pl.String(),
    "wage_fen": pl.Int64(),
    "base_fen": pl.Int64(),
    "base_rule": pl.String(),
    "limits_policy_id": pl.String(),
    "rate": pl.String(),
    "rate_ppm": pl.Int64(),
    "fixed_fen": pl.Int64(),
    "amount_fen": pl.Int64(),
    "policy_id": pl.String(),
}


def plain(detail: pl.DataFrame) -> pl.DataFrame:
    """Return a detail with plain columns (:data:`PLAIN_COLUMNS`), ``fixed_fen`` added.

    Examples:
        >>> detail = pl.DataFrame({"insurance": ["10"], "rate_ppm": [None], "amount_fen": [1000]},
        ...     schema_overrides={"insurance": INSURANCE_DTYPE, "rate_ppm": pl.Int32})
        >>> plain(detail).select("insurance", "rate_ppm", "fixed_fen").rows()
        [('10', None, 1000)]
    """
    fixed = pl.when(pl.col("rate_ppm").is_null()).then(pl.col("amount_fen")).alias("fixed_fen")
    with_fixed = detail.with_columns(fixed)
    return with_fixed.select(
        pl.col(name).cast(dtype)
        for name, dtype in PLAIN_COLUMNS.items()
        if name in with_fixed.columns
    )


_TOTALS_COLUMNS: dict[str, pl.DataType] = {
    "unit_id": pl.String(),
    "month": pl.Date(),
    "insurance": pl.String(),
    "payer": pl.String(),
    "persons": pl.Int64(),
    "base_fen": pl.Int64(),
    "amount_fen": pl.Int64(),
}

_MISSING_COLUMNS: dict[str, pl.DataType] = {
    "unit_id": pl.String(),
    "person_id": pl.String(),
    "month": pl.Date(),
    "insurances": pl.String(),
}

_RATE_COLUMNS: dict[str, pl.DataType] = {
    "unit_id": pl.String(),
    "month": pl.Date(),
    "insurance": pl.String(),
    "payer": pl.String(),
    "rate": pl.String(),
    "rate_ppm": pl.Int64(),
    "fixed_fen": pl.Int64(),
    "policy_id": pl.String(),
    "source": pl.String(),
    "status": pl.String(),
}

_INJURY = "4"


def percent(rate_ppm: int | None) -> str:
    """Return a rate in parts per million as an exact percentage text, without trailing zeros.

    Examples:
        >>> percent(160000), percent(7000), percent(2000), percent(500), percent(0), percent(None)
        ('16', '0.7', '0.2', '0.05', '0', '')
    """
    if rate_ppm is None:
        return ""
    value = Decimal(int(rate_ppm)) / Decimal(10_000)
    text = format(value.normalize(), "f")
    return text


# ------------------------------------------------------------------------------- look-ups
def insurance_codes(insurances: Iterable[str] | None) -> list[str] | None:
    """Return 险种 codes of insurances given as codes, Chinese names or English keys.

    Raises:
        UnusableInputError: an insurance is unknown.

    Examples:
        >>> insurance_codes(["1", "医疗", "injury"])
        ['1', '3', '4']
        >>> insurance_codes(None) is None
        True
    """
    if insurances is None:
        return None
    table = codes.table("insurance")
    by_key = dict(zip(table["key"].to_list(), table["code"].to_list(), strict=True))
    wanted = [str(item).strip() for item in insurances]
    found = pl.DataFrame({"given": wanted}).select(codes.to_code(pl.col("given"), "insurance"))
    result: list[str] = []
    for given, code in zip(wanted, found.to_series().to_list(), strict=True):
        code = code or by_key.get(given)
        if code is None:
            known = "、".join(f"{c} {label}" for c, label in table.select("code", "label").rows())
            msg = f"未知险种「{given}」。提示：可用的险种为 {known}。"
            raise UnusableInputError(msg)
        result.append(code)
    return list(dict.fromkeys(result))


def insurance_label_expr(code: pl.Expr) -> pl.Expr:
    """Return the Chinese label (险种名称) of a 险种 code expression."""
    table = codes.table("insurance")
    mapping = dict(zip(table["code"].to_list(), table["label"].to_list(), strict=True))
    return code.replace_strict(mapping, default=code, return_dtype=pl.String)


def month_list(months: dt.date | Iterable[dt.date]) -> list[dt.date]:
    """Return the first days of the given months, sorted and unique.

    Examples:
        >>> month_list([dt.date(2026, 11, 26), dt.date(2026, 10, 1), dt.date(2026, 11, 1)])
        [datetime.date(2026, 10, 1), datetime.date(2026, 11, 1)]
    """
    items = [months] if isinstance(months, dt.date) else list(months)
    return sorted({item.replace(day=1) for item in items})


def _month_span(first: dt.date, last: dt.date) -> list[dt.date]:
    out: list[dt.date] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(dt.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _months_frame(months: list[dt.date]) -> pl.DataFrame:
    return pl.DataFrame({"month": months}, schema={"month": pl.Date})


def limits_for(months: list[dt.date], policy: Policy | None = None) -> pl.DataFrame:
    """Return the base floor and ceiling of each month: ``month, floor_fen, ceiling_fen, limits_policy_id``.

    Raises:
        PolicyError: a month has no limits in the policy table.

    Examples:
        >>> limits_for([dt.date(2026, 11, 1)]).rows()
        [(datetime.date(2026, 11, 1), 457300, 2286300, 'base_limits:2026-09')]
    """
    policy = policy or Policy.load()
    return policy.base_limits_for(_months_frame(months), policy_id_col="limits_policy_id")


def unit_rates(
    units: pl.DataFrame,
    months: list[dt.date],
    *,
    insurances: Iterable[str] | None = None,
    policy: Policy | None = None,
    keep_zero: bool = True,
) -> pl.DataFrame:
    """Return the rates (单位缴费比例) that apply to each unit in each month.

    Args:
        units: ``unit_id``, ``risk_class`` (行业风险类别 1-8) and ``injury_rate``
            (the agency's floating 工伤 rate as exact decimal text, or null).
        months: The months (first days).
        insurances: Keep only these 险种 (codes, names or keys).
        policy: The policy; the shipped Jinan policy by default.
        keep_zero: Keep the rows of payers with a zero rate (工伤/生育 个人).

    Returns:
        One row per unit, month, insurance and payer: ``unit_id, month, insurance,
        payer, rate, rate_ppm, fixed_fen, policy_id, source, status``.

    Raises:
        PolicyError: a month lies outside the policy tables, or a unit's
            ``injury_rate`` is not an exact decimal.

    Examples:
        >>> units = pl.DataFrame({"unit_id": ["A", "B"], "risk_class": [1, 8], "injury_rate": [None, "0.0016"]})
        >>> unit_rates(units, [dt.date(2026, 11, 1)], insurances=["4"], keep_zero=False).select(
        ...     "unit_id", "payer", "rate", "policy_id").rows()
        [('A', 'unit', '0.002', 'rates:injury:unit:class1:2018-01'), ('B', 'unit', '0.0016', 'units:B:injury_rate')]
    """
    policy = policy or Policy.load()
    wanted = insurance_codes(insurances)
    general = policy.rates_for(_months_frame(months))
    general = general.filter(~((pl.col("insurance") == _INJURY) & (pl.col("payer") == "unit")))
    if wanted is not None:
        general = general.filter(pl.col("insurance").is_in(wanted))
    unit_keys = units.select("unit_id", "risk_class", "injury_rate").unique(
        "unit_id", maintain_order=True
    )
    parts = [
        unit_keys.select("unit_id")
        .join(general, how="cross")
        .select(
            "unit_id",
            "month",
            "insurance",
            "payer",
            "rate",
            "rate_ppm",
            "fixed_fen",
            "policy_id",
            pl.col("source"),
            pl.col("status").cast(pl.String),
        )
    ]
    if wanted is None or _INJURY in wanted:
        grid = unit_keys.select("unit_id", "risk_class").join(_months_frame(months), how="cross")
        with_class = (
            policy.injury_rate_for(grid, policy_id_col="class_policy_id")
            .rename({"injury_rate": "class_rate"})
            .join(
                unit_keys.select("unit_id", pl.col("injury_rate").alias("own_rate")),
                on="unit_id",
                how="left",
                maintain_order="left",
            )
        )
        own_ppm = rate_to_ppm(with_class["own_rate"])
        sources = policy.rates.select("policy_id", "source", pl.col("status").cast(pl.String))
        injury = (
            with_class.with_columns(own_ppm.alias("own_ppm"))
            .join(
                sources,
                left_on="class_policy_id",
                right_on="policy_id",
                how="left",
                maintain_order="left",
            )
            .select(
                "unit_id",
                "month",
                pl.lit(_INJURY).alias("insurance"),
                pl.lit("unit").alias("payer"),
                pl.coalesce("own_rate", "class_rate").alias("rate"),
                pl.coalesce("own_ppm", "injury_rate_ppm").alias("rate_ppm"),
                pl.lit(None, pl.Int64).alias("fixed_fen"),
                pl.when(pl.col("own_rate").is_not_null())
                .then(pl.concat_str(pl.lit("units:"), pl.col("unit_id"), pl.lit(":injury_rate")))
                .otherwise(pl.col("class_policy_id"))
                .alias("policy_id"),
                pl.when(pl.col("own_rate").is_not_null())
                .then(pl.lit("单位工伤浮动费率（经办机构核定，见单位信息 units.injury_rate）"))
                .otherwise(pl.col("source"))
                .alias("source"),
                pl.when(pl.col("own_rate").is_not_null())
                .then(pl.lit(None, pl.String))
                .otherwise(pl.col("status"))
                .alias("status"),
            )
        )
        parts.append(injury)
    rates = pl.concat([part.cast(_RATE_COLUMNS) for part in parts], how="vertical")  # type: ignore[arg-type]
    if not keep_zero:
        rates = rates.filter(pl.col("fixed_fen").is_not_null() | (pl.col("rate_ppm") > 0))
    order = pl.col("insurance").cast(pl.Int64) * 10 + (pl.col("payer") == "person").cast(pl.Int64)
    return rates.sort("unit_id", "month", order)


# ------------------------------------------------------------------------------- engine
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


# ------------------------------------------------------------------------------- workspace
@dataclass(frozen=True)
class Contributions:
    """The contributions of a workspace selection.

    Attributes:
        detail: One line per unit, person, month, insurance and payer
            (:data:`DETAIL_COLUMNS`), sorted.
        missing: Persons insured in a month without an approved base:
            ``unit_id, person_id, month, insurances`` — they are owed a 工资申报.
        months: The months covered.
    """

    detail: pl.DataFrame
    missing: pl.DataFrame
    months: list[dt.date]

    def totals(self) -> pl.DataFrame:
        """Return the detail summed per unit, month, insurance and payer (as :func:`unit_totals`)."""
        return (
            self.detail.group_by("unit_id", "month", "insurance", "payer")
            .agg(
                pl.len().cast(pl.Int64).alias("persons"),
                pl.when(pl.col("base_fen").count() > 0)
                .then(pl.col("base_fen").sum())
                .alias("base_fen"),
                pl.col("amount_fen").sum().alias("amount_fen"),
            )
            .with_columns(pl.col("unit_id").cast(pl.String))
            .sort("unit_id", "month", "insurance", "payer")
            .with_columns(pl.col("insurance", "payer").cast(pl.String))
        )

    def plain(self) -> pl.DataFrame:
        """Return the detail with plain text columns (:func:`plain`)."""
        return plain(self.detail)

    @property
    def total_fen(self) -> int:
        """The sum of every line, in fen."""
        return int(self.detail["amount_fen"].sum())


def _filters(alias: str, unit_id: str | None, person_id: str | None) -> tuple[str, dict[str, Any]]:
    clauses, params = [], {}
    if unit_id is not None:
        clauses.append(f"{alias}.unit_id = $unit")
        params["unit"] = unit_id
    if person_id is not None:
        clauses.append(f"{alias}.person_id = $person")
        params["person"] = person_id
    return (" AND ".join(clauses) or "TRUE"), params


def effective_bases_sql(where: str = "TRUE") -> str:
    """Return the SQL of the wage in force per unit, person and month (as a sub-query).

    A base declared by an approved, not revoked 工资申报 wins; wages loaded from
    outside (``declaration_id`` NULL) apply where no declaration exists. ``where``
    filters ``wage_bases`` rows (alias ``w``) in both branches.
    """
    return f"""
        SELECT w.unit_id, w.person_id, w.month, w.wage_fen FROM wage_bases w
        WHERE w.revoked_by IS NULL AND w.declaration_id IS NOT NULL AND ({where})
        UNION ALL
        SELECT w.unit_id, w.person_id, w.month, w.wage_fen FROM wage_bases w
        WHERE w.revoked_by IS NULL AND w.declaration_id IS NULL AND ({where})
          AND NOT EXISTS (
            SELECT 1 FROM wage_bases d
            WHERE d.declaration_id IS NOT NULL AND d.revoked_by IS NULL
              AND d.unit_id = w.unit_id AND d.person_id = w.person_id AND d.month = w.month)
    """


def _default_months(ws: Workspace, unit_id: str | None, person_id: str | None) -> list[dt.date]:
    where, params = _filters("p", unit_id, person_id)
    first = ws.sql(f"SELECT min(p.from_month) AS m FROM insured_periods p WHERE {where}", params)[
        "m"
    ][0]
    if first is None:
        return []
    return _month_span(first, ws.today.replace(day=1))


def _resolve_months(
    ws: Workspace,
    months: dt.date | Iterable[dt.date] | None,
    unit_id: str | None,
    person_id: str | None,
) -> list[dt.date]:
    return _default_months(ws, unit_id, person_id) if months is None else month_list(months)


def _units(ws: Workspace, unit_id: str | None) -> pl.DataFrame:
    where = "unit_id = ?" if unit_id is not None else "TRUE"
    units = ws.sql(
        f"SELECT unit_id, risk_class, injury_rate FROM units WHERE {where}",
        [unit_id] if unit_id is not None else None,
    )
    if unit_id is not None and units.height == 0:
        msg = f"单位编号「{unit_id}」不在工作区中。"
        raise UnusableInputError(msg)
    return units


def _inputs(
    ws: Workspace,
    months: list[dt.date],
    unit_id: str | None,
    person_id: str | None,
    insurances: list[str] | None,
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """The insured periods and the wages in force of the selection, as lazy frames."""
    where, params = _filters("p", unit_id, person_id)
    params = {**params, "first": months[0], "last": months[-1]}
    periods = ws.sql(
        "SELECT p.unit_id, p.person_id, p.insurance, p.from_month, p.until_month "
        f"FROM insured_periods p WHERE {where} AND p.from_month <= $last "
        "AND (p.until_month IS NULL OR p.until_month > $first)",
        params,
    )
    if insurances is not None:
        periods = periods.filter(pl.col("insurance").is_in(insurances))
    bwhere, bparams = _filters("w", unit_id, person_id)
    bases = ws.sql(
        f"SELECT * FROM ({effective_bases_sql(bwhere + ' AND w.month BETWEEN $first AND $last')}) "
        "ORDER BY unit_id, person_id, month",
        {**bparams, "first": months[0], "last": months[-1]},
    )
    return periods.lazy(), bases.lazy()


def contributions(
    ws: Workspace,
    *,
    months: dt.date | Iterable[dt.date] | None = None,
    unit_id: str | None = None,
    person_id: str | None = None,
    insurances: Iterable[str] | None = None,
    policy: Policy | None = None,
) -> Contributions:
    """Compute the contributions of a workspace: the person detail and who lacks a base.

    Args:
        ws: The workspace.
        months: One month or several (any day of the month); by default every month
            from the earliest insured month of the selection to the agency's month.
        unit_id: Only this unit (单位编号).
        person_id: Only this person (社会保障号码), in every unit.
        insurances: Only these 险种 (codes, names or English keys).
        policy: The policy; the shipped Jinan policy by default.

    Returns:
        :class:`Contributions` with ``detail`` and ``missing``.

    Raises:
        PolicyError: a month outside the policy tables.
    """
    policy = policy or Policy.load()
    wanted = insurance_codes(insurances)
    chosen = _resolve_months(ws, months, unit_id, person_id)
    empty = Contributions(
        pl.DataFrame(schema=DETAIL_COLUMNS), pl.DataFrame(schema=_MISSING_COLUMNS), chosen
    )
    if not chosen:
        return empty
    periods, bases = _inputs(ws, chosen, unit_id, person_id, wanted)
    groups, rates = rate_groups(_units(ws, unit_id), chosen, insurances=wanted, policy=policy)
    limits = limits_for(chosen, policy)
    detail = (
        compute_lines(periods, bases, groups.lazy(), rates.lazy(), limits.lazy())
        .sort(
            pl.col("unit_id").cast(pl.String),
            pl.col("person_id").cast(pl.String),
            "month",
            "insurance",
            "payer",
        )
        .collect()
    )
    missing = missing_bases(insured_months(periods, chosen), bases).collect()
    return Contributions(detail, missing, chosen)


def contribution_sql(
    *,
    detail: bool,
    where: str = "TRUE",
    base_where: str = "TRUE",
    types: list[tuple[str, str]] | None = None,
) -> str:
    """Return the DuckDB SQL of the contribution lines, or of their unit totals.

    The same rules and the same plan as :func:`compute_lines` and
    :func:`compute_totals`, over the workspace tables ``insured_periods`` and
    ``wage_bases`` and the registered frames of :func:`sql_inputs` (``sb_limits``
    chooses the months; ``sb_groups``, ``sb_rates``, ``sb_bits`` and ``sb_wide``
    carry the rates).

    Args:
        detail: The person lines (``True``: ``unit_id, person_id, month, insurance,
            payer, wage_fen, base_fen, rate_ppm, fixed_fen, amount_fen, policy_id``),
            or the totals (``False``): one row per unit (``unit_no``), month and rate
            group with ``n_<insurance>``, ``b_<insurance>`` (persons and Σ base of
            each insurance) and ``a_<k>`` (Σ amount of each line type ``k`` of
            ``types``) — the lines are never materialised.
        where: A filter on ``insured_periods`` (alias ``p``).
        base_where: A filter on ``wage_bases`` (alias ``w``).
        types: The line types (:func:`line_types` of ``sb_rates``), for the totals.
    """
    materialized = "MATERIALIZED " if detail else ""
    common = f"""
        WITH bases AS ({effective_bases_sql(base_where)}
        ), spells AS (
            SELECT p.unit_id, p.person_id, p.from_month, p.until_month, g.rate_group, g.unit_no,
                   sum(k.bit)::INTEGER AS mask
            FROM insured_periods p
            JOIN sb_bits k ON k.insurance = p.insurance
            JOIN sb_groups g ON g.unit_id = p.unit_id
            WHERE {where}
            GROUP BY p.unit_id, p.person_id, p.from_month, p.until_month, g.rate_group, g.unit_no
        ), pm AS {materialized}(
            SELECT b.unit_id, s.unit_no, b.person_id, b.month, b.wage_fen,
                   least(greatest(b.wage_fen, l.floor_fen), l.ceiling_fen) AS base,
                   s.rate_group, s.mask
            FROM bases b
            JOIN sb_limits l ON l.month = b.month
            JOIN spells s
              ON s.unit_id = b.unit_id AND s.person_id = b.person_id AND s.from_month <= b.month
             AND (s.until_month IS NULL OR s.until_month > b.month)
        )"""
    if detail:
        amount = half_up_div_sql("pm.base * r.rate_ppm", PPM)
        return (
            common
            + f""", rate_lines AS MATERIALIZED (
            SELECT m.mask, r.* FROM (SELECT DISTINCT mask FROM spells) m
            JOIN sb_rates r ON (m.mask & r.bit) <> 0
        )
        SELECT pm.unit_id, pm.person_id, pm.month, r.insurance, r.payer, pm.wage_fen,
               CASE WHEN r.fixed_fen IS NULL THEN pm.base END AS base_fen, r.rate_ppm, r.fixed_fen,
               coalesce(r.fixed_fen, {amount}) AS amount_fen,
               r.policy_id
        FROM pm JOIN rate_lines r
          ON r.rate_group = pm.rate_group AND r.month = pm.month AND r.mask = pm.mask"""
        )
    if types is None:
        msg = "contribution_sql(detail=False) needs the line types"
        raise ValueError(msg)
    bits = _bits()
    columns = []
    for insurance in dict.fromkeys(insurance for insurance, _ in types):
        has = f"((pm.mask & {bits[insurance]}) <> 0)::BIGINT"
        columns.append(
            f"sum({has})::BIGINT AS n_{insurance}, sum({has} * pm.base)::BIGINT AS b_{insurance}"
        )
    for index, (insurance, _) in enumerate(types):
        has = f"((pm.mask & {bits[insurance]}) <> 0)::BIGINT"
        priced = half_up_div_sql(f"pm.base * w.ppm_{index}", PPM)
        amount = f"coalesce(w.fixed_{index}, {priced})"
        columns.append(f"sum(coalesce({has} * {amount}, 0))::BIGINT AS a_{index}")
    return (
        common
        + f"""
        SELECT pm.unit_no, pm.month, pm.rate_group, {", ".join(columns)}
        FROM pm JOIN sb_wide w ON w.rate_group = pm.rate_group AND w.month = pm.month
        GROUP BY pm.unit_no, pm.month, pm.rate_group"""
    )


def sql_inputs(
    ws: Workspace,
    months: list[dt.date],
    *,
    unit_id: str | None = None,
    insurances: list[str] | None = None,
    policy: Policy | None = None,
) -> dict[str, pl.DataFrame]:
    """Return the frames :func:`contribution_sql` reads, to register in the workspace.

    Keys ``sb_months``, ``sb_limits``, ``sb_groups``, ``sb_rates`` (with the
    insurance's ``bit``), ``sb_bits`` and ``sb_wide`` (:func:`wide_rates` of
    :func:`line_types`, in that order).
    """
    policy = policy or Policy.load()
    groups, rates = rate_groups(_units(ws, unit_id), months, insurances=insurances, policy=policy)
    bits = _bits()
    return {
        "sb_months": _months_frame(months),
        "sb_limits": limits_for(months, policy),
        "sb_groups": groups.with_row_index("unit_no"),
        "sb_rates": rates.with_columns(
            pl.col("insurance").replace_strict(bits, return_dtype=pl.Int32).alias("bit")
        ),
        "sb_bits": pl.DataFrame({"insurance": list(bits), "bit": list(bits.values())}),
        "sb_wide": wide_rates(rates, line_types(rates)),
    }


def sql_filters(unit_id: str | None, months: list[dt.date]) -> tuple[str, str, dict[str, Any]]:
    """Return the ``where``, ``base_where`` and parameters of :func:`contribution_sql`."""
    where, params = _filters("p", unit_id, None)
    base_where, _ = _filters("w", unit_id, None)
    base_where += " AND w.month BETWEEN $first AND $last"
    return where, base_where, {**params, "first": months[0], "last": months[-1]}


def unit_totals(
    ws: Workspace,
    *,
    months: dt.date | Iterable[dt.date] | None = None,
    unit_id: str | None = None,
    insurances: Iterable[str] | None = None,
    policy: Policy | None = None,
) -> pl.DataFrame:
    """Sum the contributions per unit, month, insurance and payer, inside DuckDB.

    The person lines are never materialised: DuckDB joins the insured periods, the
    wages, the limits and the rates and aggregates in one query.

    Returns:
        ``unit_id, month, insurance, payer, persons, base_fen, amount_fen``, sorted.
    """
    wanted = insurance_codes(insurances)
    chosen = _resolve_months(ws, months, unit_id, None)
    schema = {
        "unit_id": pl.String(),
        "month": pl.Date(),
        "insurance": pl.String(),
        "payer": pl.String(),
        "persons": pl.Int64(),
        "base_fen": pl.Int64(),
        "amount_fen": pl.Int64(),
    }
    if not chosen:
        return pl.DataFrame(schema=schema)
    where, base_where, params = sql_filters(unit_id, chosen)
    inputs = sql_inputs(ws, chosen, unit_id=unit_id, insurances=wanted, policy=policy)
    types = line_types(inputs["sb_rates"])
    query = contribution_sql(detail=False, where=where, base_where=base_where, types=types)
    with ws.registered(**inputs):
        summed = ws.sql(query, params)
    units = inputs["sb_groups"].select("unit_no", "unit_id")
    return _long_totals(summed.join(units, on="unit_no"), inputs["sb_wide"], types)


def rates_for_unit(
    ws: Workspace, unit_id: str, month: dt.date, *, policy: Policy | None = None
) -> pl.DataFrame:
    """Return 单位缴费比例: every rate that applies to a unit in a month, with its source.

    Returns:
        ``unit_id, month, insurance, payer, rate, rate_ppm, fixed_fen, policy_id,
        source, status`` plus the month's ``floor_fen, ceiling_fen, limits_policy_id``.
    """
    policy = policy or Policy.load()
    months = month_list(month)
    rates = unit_rates(_units(ws, unit_id), months, policy=policy)
    return rates.join(limits_for(months, policy), on="month", how="left")


# ------------------------------------------------------------------------------- late fees
@dataclass(frozen=True)
class LateFeeTerms:
    """How 滞纳金 are counted (``late_fee.csv``): the days and the rate windows.

    Attributes:
        first_day_offset: Days after the due date of the first day counted (1 = the
            day after the due date).
        last_day_offset: Days after the payment day of the last day counted (0 = the
            payment day is counted).
        windows: ``effective_from, effective_to, rate_ppm, policy_id`` of the daily rate.
        policy_ids: The ids of the counting parameters.
    """

    first_day_offset: int
    last_day_offset: int
    windows: pl.DataFrame
    policy_ids: tuple[str, ...]


def late_fee_terms(policy: Policy | None = None) -> LateFeeTerms:
    """Read the counting convention of 滞纳金 from the policy.

    Raises:
        PolicyError: a convention this library does not know (e.g. compound interest).

    Examples:
        >>> terms = late_fee_terms()
        >>> terms.first_day_offset, terms.last_day_offset
        (1, 0)
    """
    policy = policy or Policy.load()
    table = policy.late_fee
    current = table.filter(pl.col("effective_to").is_null())
    values = dict(zip(current["parameter"], current["value"], strict=True))
    ids = dict(zip(current["parameter"], current["policy_id"], strict=True))
    starts = {"day_after_due_date": 1, "due_date": 0}
    ends = {"payment_date_inclusive": 0, "payment_date_exclusive": -1}
    if (
        values.get("method") != "simple"
        or values.get("count_from") not in starts
        or values.get("count_to") not in ends
    ):
        msg = (
            f"滞纳金计算规则 method={values.get('method')}、count_from={values.get('count_from')}、"
            f"count_to={values.get('count_to')} 不受支持。提示：本程序只支持单利（simple），"
            "起算日为 day_after_due_date 或 due_date，止算日为 payment_date_inclusive 或 payment_date_exclusive。"
        )
        raise PolicyError(msg)
    windows = table.filter(pl.col("parameter") == "daily_rate").select(
        "effective_from", "effective_to", "rate_ppm", "policy_id"
    )
    return LateFeeTerms(
        first_day_offset=starts[values["count_from"]],
        last_day_offset=ends[values["count_to"]],
        windows=windows,
        policy_ids=tuple(
            ids[name]
            for name in ("due_month_offset", "due_day", "count_from", "count_to", "method")
        ),
    )


def with_late_fees(
    lines: pl.DataFrame, paid_on: dt.date, *, policy: Policy | None = None
) -> pl.DataFrame:
    """Add the 滞纳金 of each line paid on ``paid_on``.

    Counting (``late_fee.csv``; Jinan: the fee month's contributions are due on the
    15th of the following month): days run from the day after the due date to the
    payment day inclusive; fee = amount × daily rate × days, simple interest, half up
    to the fen **per line** (person, month, insurance, payer). When the daily rate
    changes inside the period, each day is charged at its own rate before rounding.

    Args:
        lines: Has ``month`` and ``amount_fen``.
        paid_on: The payment day.
        policy: The policy.

    Returns:
        ``lines`` with ``due_date``, ``late_fee_days``, ``late_fee_fen`` and
        ``late_fee_policy_id`` (the daily-rate rows used, ``+``-joined; null when no day
        is counted).

    Examples:
        >>> lines = pl.DataFrame({"month": [dt.date(2026, 5, 1), dt.date(2026, 10, 1)], "amount_fen": [73168, 73168]})
        >>> with_late_fees(lines, dt.date(2026, 11, 26)).select("due_date", "late_fee_days", "late_fee_fen").rows()
        [(datetime.date(2026, 6, 15), 164, 6000), (datetime.date(2026, 11, 15), 11, 402)]
    """
    policy = policy or Policy.load()
    terms = late_fee_terms(policy)
    due = lines.select(policy.late_fee_due_date(pl.col("month")).alias("due_date")).unique()
    last_day = paid_on + dt.timedelta(days=terms.last_day_offset)
    windows = terms.windows.with_columns(pl.col("effective_to").fill_null(dt.date.max))
    spans = (
        due.with_columns(
            (pl.col("due_date") + pl.duration(days=terms.first_day_offset)).alias("_first"),
            pl.lit(last_day).alias("_last"),
        )
        .join(windows, how="cross")
        .with_columns(
            (
                (
                    pl.min_horizontal("_last", "effective_to")
                    - pl.max_horizontal("_first", "effective_from")
                ).dt.total_days()
                + 1
            )
            .clip(lower_bound=0)
            .alias("_overlap")
        )
        .group_by("due_date")
        .agg(
            ((pl.col("_last") - pl.col("_first")).dt.total_days().first() + 1)
            .clip(lower_bound=0)
            .alias("late_fee_days"),
            (pl.col("_overlap") * pl.col("rate_ppm")).sum().alias("_ppm_days"),
            pl.col("policy_id")
            .filter(pl.col("_overlap") > 0)
            .sort()
            .str.join("+")
            .alias("late_fee_policy_id"),
        )
    )
    fee = half_up_div(pl.col("amount_fen") * pl.col("_ppm_days"), PPM)
    return (
        lines.with_columns(policy.late_fee_due_date(pl.col("month")).alias("due_date"))
        .join(spans, on="due_date", how="left", maintain_order="left")
        .with_columns(
            pl.col("late_fee_days").cast(pl.Int32),
            fee.cast(pl.Int64).alias("late_fee_fen"),
            pl.when(pl.col("late_fee_days") > 0)
            .then(pl.col("late_fee_policy_id"))
            .alias("late_fee_policy_id"),
        )
        .drop("_ppm_days")
    )
