"""Look-ups of amounts by month: rates, base limits, minimum wage, benefit, late fee."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import polars as pl

from sbbatch._money import half_up_fen
from sbbatch.exceptions import PolicyError
from sbbatch.policy._base import _attach, _month_start, _month_starts, _PolicyBase
from sbbatch.policy._tables import _INSURANCE_LABELS, DISTRICT_GROUPS, INSURANCES, PAYERS


@dataclass(frozen=True)
class LateFeeRate:
    """The late-fee (滞纳金) daily rate in force on one day, with its provenance."""

    rate: str
    rate_ppm: int
    policy_id: str
    source: str
    status: str


class _RateLookups(_PolicyBase):
    """Look-ups of rates and amounts by month (a mixin of :class:`sbbatch.policy.Policy`)."""

    # ------------------------------------------------------------------ rates
    def rates_for(
        self,
        months: pl.DataFrame,
        insurances: Iterable[str] | None = None,
        *,
        month_col: str = "month",
    ) -> pl.DataFrame:
        """Rates (费率) in force in each month, one row per month × insurance × payer.

        Injury (工伤) unit rates come once per risk class (``unit_risk_class``); use
        :meth:`injury_rate_for` to pick a unit's class. An insurance whose last window
        is closed (生育 after the merger) simply has no rows after it.

        Args:
            months: a frame with a date column (any day of the month counts as its month).
            insurances: codes (``"1"``) or keys (``"pension"``) to keep; all if None.
            month_col: the name of the month column.

        Returns:
            Columns ``month_col, insurance, payer, unit_risk_class, rate, rate_ppm,
            fixed_fen, policy_id, source, status``, sorted by month, insurance, payer.

        Raises:
            PolicyError: a month lies before every window of a requested rate, e.g.
                「2017-12 没有适用的基本养老保险单位费率」.

        Examples:
            >>> from sbbatch.policy import Policy
            >>> from datetime import date
            >>> months = pl.DataFrame({"month": [date(2025, 7, 1)]})
            >>> Policy.load().rates_for(months, ["3", "10"]).select(
            ...     "insurance", "payer", "rate_ppm", "fixed_fen", "policy_id"
            ... ).rows()
            [('3', 'unit', 80000, None, 'rates:medical:unit:2025-01'),
             ('3', 'person', 20000, None, 'rates:medical:person:2025-01'),
             ('10', 'person', None, 1000, 'rates:large_medical:person:2025-01')]
        """
        at = _month_starts(months, month_col)
        table = self.rates
        if insurances is not None:
            table = table.filter(pl.col("insurance").is_in(_insurance_codes(insurances)))
        keys = table.select("key", "insurance", "payer", "unit_risk_class").unique()
        label = pl.concat_str(
            pl.col("insurance").replace_strict(_INSURANCE_LABELS, return_dtype=pl.String),
            pl.col("payer").replace_strict(PAYERS, return_dtype=pl.String),
            pl.when(pl.col("insurance") == "10").then(pl.lit("缴费标准")).otherwise(pl.lit("费率")),
            pl.when(pl.col("unit_risk_class").is_not_null())
            .then(pl.lit("（行业风险类别 ") + pl.col("unit_risk_class") + pl.lit("）"))
            .otherwise(pl.lit("")),
        )
        order = (
            pl.col("insurance").cast(pl.Int64) * 1000
            + (pl.col("payer") == "person").cast(pl.Int64) * 100
            + pl.col("unit_risk_class").cast(pl.Int64).fill_null(0)
        )
        probe = at.join(
            keys.select("key", label.alias("_label"), order.alias("_order")), how="cross"
        )
        found = self._as_of(table, probe, drop_ended=True)
        return found.sort("_at", "_order").select(
            pl.col("_at").alias(month_col),
            "insurance",
            "payer",
            "unit_risk_class",
            "rate",
            "rate_ppm",
            "fixed_fen",
            "policy_id",
            "source",
            "status",
        )

    def injury_rate_for(
        self,
        frame: pl.DataFrame,
        *,
        month_col: str = "month",
        risk_class_col: str = "risk_class",
        policy_id_col: str = "policy_id",
    ) -> pl.DataFrame:
        """Add the unit's work-injury rate (工伤保险单位费率) by industry risk class and month.

        Returns:
            ``frame`` with ``injury_rate`` (text), ``injury_rate_ppm`` and
            ``policy_id_col``; rows with a null class or month get nulls.

        Raises:
            PolicyError: a class has no rate in that month (unknown class or too early).

        Examples:
            >>> from sbbatch.policy import Policy
            >>> from datetime import date
            >>> units = pl.DataFrame({"month": [date(2025, 7, 1)] * 2, "risk_class": [1, 8]})
            >>> Policy.load().injury_rate_for(units).select(
            ...     "risk_class", "injury_rate", "injury_rate_ppm", "policy_id"
            ... ).rows()
            [(1, '0.002', 2000, 'rates:injury:unit:class1:2018-01'),
             (8, '0.019', 19000, 'rates:injury:unit:class8:2018-01')]
        """
        _month_starts(frame, month_col)
        risk = pl.col(risk_class_col).cast(pl.String)
        probe = (
            frame.select(_month_start(pl.col(month_col)).alias("_at"), risk.alias("_class"))
            .unique()
            .drop_nulls()
            .with_columns(
                (pl.lit("injury:unit:class") + pl.col("_class")).alias("key"),
                (pl.lit("工伤保险单位费率（行业风险类别 ") + pl.col("_class") + pl.lit("）")).alias(
                    "_label"
                ),
            )
        )
        found = self._as_of(self.rates, probe, drop_ended=False).select(
            "_at",
            "_class",
            pl.col("rate").alias("injury_rate"),
            pl.col("rate_ppm").alias("injury_rate_ppm"),
            pl.col("policy_id").alias(policy_id_col),
        )
        return _attach(frame, month_col, found, {"_class": risk})

    # ------------------------------------------------------------------ bases, wages
    def base_limits_for(
        self, frame: pl.DataFrame, month_col: str = "month", *, policy_id_col: str = "policy_id"
    ) -> pl.DataFrame:
        """Add the contribution-base floor and ceiling (缴费基数上下限) of each month.

        Returns:
            ``frame`` with ``floor_fen``, ``ceiling_fen`` and ``policy_id_col``.

        Raises:
            PolicyError: a month has no limits (before 2019-01 in Jinan).

        Examples:
            >>> from sbbatch.policy import Policy
            >>> from datetime import date
            >>> frame = pl.DataFrame({"month": [date(2019, 3, 1), date(2026, 11, 1)]})
            >>> Policy.load().base_limits_for(frame).rows()
            [(datetime.date(2019, 3, 1), 327000, 1634500, 'base_limits:2019-01'),
             (datetime.date(2026, 11, 1), 457300, 2286300, 'base_limits:2026-09')]
        """
        at = _month_starts(frame, month_col)
        probe = at.with_columns(key=pl.lit(""), _label=pl.lit("缴费基数上下限"))
        found = self._as_of(self.base_limits, probe, drop_ended=False).select(
            "_at", "floor_fen", "ceiling_fen", pl.col("policy_id").alias(policy_id_col)
        )
        return _attach(frame, month_col, found)

    def minimum_wage_for(
        self,
        frame: pl.DataFrame,
        month_col: str = "month",
        *,
        district_group_col: str | None = None,
        policy_id_col: str = "policy_id",
    ) -> pl.DataFrame:
        """Add the monthly minimum wage (最低工资标准) of each month and district group.

        Args:
            frame: a frame with a month column.
            month_col: the month column.
            district_group_col: a column of ``urban`` / ``other``; if None, every row
                is taken as ``urban`` (Jinan's five urban districts, tier 1).
            policy_id_col: the name of the added id column.

        Returns:
            ``frame`` with ``minimum_wage_fen`` and ``policy_id_col``.

        Raises:
            PolicyError: no minimum wage for a month or an unknown district group.

        Examples:
            >>> from sbbatch.policy import Policy
            >>> from datetime import date
            >>> frame = pl.DataFrame({"month": [date(2026, 11, 1)], "group": ["other"]})
            >>> Policy.load().minimum_wage_for(frame, district_group_col="group").rows()
            [(datetime.date(2026, 11, 1), 'other', 221000, 'minimum_wage:other:2025-10')]
        """
        found = self._minimum_wage(frame, month_col, district_group_col).select(
            "_at",
            "_group",
            pl.col("monthly_wage_fen").alias("minimum_wage_fen"),
            pl.col("policy_id").alias(policy_id_col),
        )
        return _attach(frame, month_col, found, {"_group": _group_expr(district_group_col)})

    def _minimum_wage(
        self, frame: pl.DataFrame, month_col: str, district_group_col: str | None
    ) -> pl.DataFrame:
        _month_starts(frame, month_col)
        group = _group_expr(district_group_col)
        tiers = {
            name: f"，第 {tier} 档"
            for name, tier in self.minimum_wage.select("district_group", "tier").unique().rows()
        }
        probe = (
            frame.select(_month_start(pl.col(month_col)).alias("_at"), group.alias("_group"))
            .unique()
            .drop_nulls()
            .with_columns(
                pl.col("_group").alias("key"),
                pl.concat_str(
                    pl.lit("最低工资标准（"),
                    pl.col("_group").replace(DISTRICT_GROUPS),
                    pl.col("_group")
                    .replace_strict(tiers, default=None, return_dtype=pl.String)
                    .fill_null(""),
                    pl.lit("）"),
                ).alias("_label"),
            )
        )
        return self._as_of(self.minimum_wage, probe, drop_ended=False)

    def unemployment_benefit_for(
        self,
        frame: pl.DataFrame,
        month_col: str = "month",
        *,
        district_group_col: str | None = None,
        policy_id_col: str = "policy_id",
    ) -> pl.DataFrame:
        """Add the monthly unemployment benefit (失业保险金) of each month and district group.

        Returns:
            ``frame`` with ``unemployment_benefit_fen`` (share of the minimum wage, half
            up to the fen), ``policy_id_col`` (the benefit rule) and
            ``minimum_wage_policy_id``.

        Examples:
            >>> from sbbatch.policy import Policy
            >>> from datetime import date
            >>> frame = pl.DataFrame({"month": [date(2025, 7, 1)]})
            >>> Policy.load().unemployment_benefit_for(frame).rows()
            [(datetime.date(2025, 7, 1), 198000, 'unemployment_benefit:2018-01', 'minimum_wage:urban:2023-10')]
        """
        wages = self._minimum_wage(frame, month_col, district_group_col).select(
            "_at", "_group", "monthly_wage_fen", pl.col("policy_id").alias("minimum_wage_policy_id")
        )
        probe = (
            wages.select("_at")
            .unique()
            .with_columns(key=pl.lit(""), _label=pl.lit("失业保险金标准"))
        )
        rules = self._as_of(self.unemployment_benefit, probe, drop_ended=False).select(
            "_at", "rate_ppm", pl.col("policy_id").alias(policy_id_col)
        )
        found = wages.join(rules, on="_at").select(
            "_at",
            "_group",
            half_up_fen(pl.col("monthly_wage_fen"), pl.col("rate_ppm")).alias(
                "unemployment_benefit_fen"
            ),
            policy_id_col,
            "minimum_wage_policy_id",
        )
        return _attach(frame, month_col, found, {"_group": _group_expr(district_group_col)})

    # ------------------------------------------------------------------ late fee
    def late_fee_rate_on(self, on: date) -> LateFeeRate:
        """The late-fee daily rate (滞纳金日费率) in force on one day.

        Raises:
            PolicyError: no rate covers that day.

        Examples:
            >>> from sbbatch.policy import Policy
            >>> from datetime import date
            >>> Policy.load().late_fee_rate_on(date(2025, 7, 16))
            LateFeeRate(rate='0.0005', rate_ppm=500, policy_id='late_fee:daily_rate:2011-07-01', source=..., status='verified')
        """
        probe = pl.DataFrame(
            {"_at": [on], "key": ["daily_rate"], "_label": ["滞纳金日费率"]},
            schema={"_at": pl.Date, "key": pl.String, "_label": pl.String},
        )
        row = self._as_of(self.late_fee, probe, drop_ended=False, fmt="%Y-%m-%d").row(0, named=True)
        return LateFeeRate(
            rate=row["value"],
            rate_ppm=row["rate_ppm"],
            policy_id=row["policy_id"],
            source=row["source"],
            status=row["status"],
        )

    def late_fee_due_date(self, fee_month: pl.Expr) -> pl.Expr:
        """Due date of a fee month's contributions (the day before late fees start).

        Uses the open-ended ``due_month_offset`` and ``due_day`` rows of
        ``late_fee.csv`` (Jinan: the 15th of the following month, an assumption).

        Examples:
            >>> from sbbatch.policy import Policy
            >>> from datetime import date
            >>> frame = pl.DataFrame({"month": [date(2025, 7, 1), date(2025, 12, 1)]})
            >>> frame.select(Policy.load().late_fee_due_date(pl.col("month"))).to_series().to_list()
            [datetime.date(2025, 8, 15), datetime.date(2026, 1, 15)]
        """
        current = self.late_fee.filter(pl.col("effective_to").is_null())
        values = dict(zip(current["parameter"], current["value"], strict=True))
        offset, day = int(values["due_month_offset"]), int(values["due_day"])
        return (
            _month_start(fee_month)
            .dt.offset_by(f"{offset}mo")
            .dt.offset_by(f"{day - 1}d")
            .alias("due_date")
        )


def _group_expr(district_group_col: str | None) -> pl.Expr:
    return pl.col(district_group_col).cast(pl.String) if district_group_col else pl.lit("urban")


def _insurance_codes(insurances: Iterable[str]) -> list[str]:
    """Codes of insurances given as codes (``"1"``) or keys (``"pension"``)."""
    by_key = {key: code for code, (key, _) in INSURANCES.items()}
    codes: list[str] = []
    for item in insurances:
        text = str(item)
        code = text if text in INSURANCES else by_key.get(text)
        if code is None:
            known = "、".join(f"{c} {label}" for c, (_, label) in INSURANCES.items())
            msg = f"未知险种 {text}。提示：可用的险种代码为 {known}。"
            raise PolicyError(msg)
        codes.append(code)
    return codes
