"""Look-ups of the contributions: dtypes and columns, 险种 codes, months, limits and rates.

Part of :mod:`sbbatch.contributions` (see there for how an amount is computed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TypeVar

import polars as pl

from sbbatch import codes
from sbbatch.exceptions import UnusableInputError
from sbbatch.policy import PAYERS, Policy, rate_to_ppm

FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)

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


def plain(detail: FrameT) -> FrameT:
    """Return a detail (frame or lazy plan) with plain columns (:data:`PLAIN_COLUMNS`), ``fixed_fen`` added.

    Examples:
        >>> detail = pl.DataFrame({"insurance": ["10"], "rate_ppm": [None], "amount_fen": [1000]},
        ...     schema_overrides={"insurance": INSURANCE_DTYPE, "rate_ppm": pl.Int32})
        >>> plain(detail).select("insurance", "rate_ppm", "fixed_fen").rows()
        [('10', None, 1000)]
    """
    fixed = pl.when(pl.col("rate_ppm").is_null()).then(pl.col("amount_fen")).alias("fixed_fen")
    with_fixed = detail.with_columns(fixed)
    names = with_fixed.collect_schema().names()
    return with_fixed.select(
        pl.col(name).cast(dtype) for name, dtype in PLAIN_COLUMNS.items() if name in names
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
