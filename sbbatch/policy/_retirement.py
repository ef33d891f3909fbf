"""Look-ups of the retirement schedule (法定退休年龄, 弹性退休, 最低缴费年限)."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from sbbatch.policy._base import _month_index, _PolicyBase


def _row_age_months(born: pl.Expr, row: dict[str, Any]) -> pl.Expr:
    """Statutory age in months by one ``retirement.csv`` row (its age plus its delay).

    The delay of the 2025 raise: with n = born - first + 1 (months, the first affected
    birth month counting as 1), 0 if n <= 0 else min(ceil(n / step), cap) — written
    as ``((n + step - 1) // step).clip(0, cap)`` so that ``born`` occurs once.
    """
    age = int(row["original_age_years"]) * 12
    first = row["first_affected_birth_month"]
    if row["step_months"] is None or first is None:
        return pl.lit(age, pl.Int64)
    step = int(row["step_months"])
    first_index = int(first.year * 12 + first.month - 1)
    delay = ((born - first_index + step) // step).clip(0, int(row["max_delay_months"]))
    return delay + age


class _RetirementLookups(_PolicyBase):
    """Look-ups of the retirement schedule (a mixin of :class:`sbbatch.policy.Policy`)."""

    # ------------------------------------------------------------------ retirement
    def _retirement_rows(
        self, birth_date: pl.Expr, group: pl.Expr
    ) -> list[tuple[dict[str, Any], pl.Expr, pl.Expr]]:
        """Each ``retirement.csv`` row with when it applies and its age in months.

        A group may have several rows with windows of months (``effective_from`` /
        ``effective_to``): the row applies whose own retirement month (birth month +
        its original age + its delay) falls in its window. Every expression holds the
        row's figures as literals, so a look-up is one flat ``coalesce`` over the rows
        (nesting the parameters of one look-up in another grows the plan quadratically).
        """
        born = _month_index(birth_date)
        group_text = group.cast(pl.String)
        found = []
        for row in self.retirement.rows(named=True):
            start = row["effective_from"]
            end = row["effective_to"]
            age = _row_age_months(born, row)
            index = born + age
            inside = (group_text == row["group"]) & (index >= start.year * 12 + start.month - 1)
            if end is not None:
                inside = inside & (index <= end.year * 12 + end.month - 1)
            found.append((row, inside, age))
        return found

    def _retirement_param(self, birth_date: pl.Expr, group: pl.Expr, column: str) -> pl.Expr:
        """One parameter of the ``retirement.csv`` row of ``group`` for this birth date.

        Null for an unknown group or a retirement month outside every window (the
        Jinan table covers every month from 1900-01).
        """
        branches: list[pl.Expr] = []
        for row, inside, _ in self._retirement_rows(birth_date, group):
            value = row[column]
            if isinstance(value, date):
                value = value.year * 12 + value.month - 1
            branches.append(pl.when(inside).then(pl.lit(value, pl.Int64)))
        if not branches:
            return pl.lit(None, pl.Int64)
        return pl.coalesce(branches)

    def statutory_age_months(self, birth_date: pl.Expr, group: pl.Expr) -> pl.Expr:
        """Statutory retirement age in months (法定退休年龄), by birth month and group.

        The verified algorithm of the 2025 progressive raise: with original age A,
        step S, maximum delay D and first affected birth month B0, n = months from B0
        to the birth month counting B0 as 1; delay = 0 if n <= 0 else
        min(ceil(n / S), D); age = A years + delay months. Groups without a step
        (special jobs, illness) have no delay; an unknown group gives null.

        Examples:
            >>> from sbbatch.policy import Policy
            >>> from datetime import date
            >>> frame = pl.DataFrame({"born": [date(1965, 5, 9)], "group": ["male"]})
            >>> frame.select(Policy.load().statutory_age_months(pl.col("born"), pl.col("group"))).item()
            722
        """
        branches = [
            pl.when(inside).then(age) for _, inside, age in self._retirement_rows(birth_date, group)
        ]
        if not branches:
            return pl.lit(None, pl.Int64).alias("statutory_age_months")
        return pl.coalesce(branches).alias("statutory_age_months")

    def retirement_month(self, birth_date: pl.Expr, group: pl.Expr) -> pl.Expr:
        """Month of reaching the statutory retirement age (退休年月), first of the month.

        Birth month + :meth:`statutory_age_months`. Trace it with the policy id
        ``retirement:<group>``.

        Examples:
            >>> from sbbatch.policy import Policy
            >>> from datetime import date
            >>> frame = pl.DataFrame({"born": [date(1965, 5, 9), date(1975, 3, 1)], "group": ["male", "female_50"]})
            >>> frame.select(Policy.load().retirement_month(pl.col("born"), pl.col("group"))).to_series().to_list()
            [datetime.date(2025, 7, 1), datetime.date(2025, 5, 1)]
        """
        index = _month_index(birth_date) + self.statutory_age_months(birth_date, group)
        return pl.date(index // 12, index % 12 + 1, 1).alias("retirement_month")

    def retirement_group(self, gender: pl.Expr, identity: pl.Expr) -> pl.Expr:
        """Retirement group (male / female_55 / female_50) from gender and 个人身份.

        Args:
            gender: AAC004 code (``"1"`` 男, ``"2"`` 女).
            identity: AAC012 code (``"4"`` 干部, ``"5"`` 国家公务员, ``"21"`` 军转干部, …).

        Returns:
            A String expression; null for an unknown gender.

        Examples:
            >>> from sbbatch.policy import Policy
            >>> frame = pl.DataFrame({"gender": ["1", "2", "2", "2"], "identity": ["4", "4", "1", None]})
            >>> frame.select(Policy.load().retirement_group(pl.col("gender"), pl.col("identity"))).to_series().to_list()
            ['male', 'female_55', 'female_50', 'female_50']
        """
        gender_text = gender.cast(pl.String)
        identity_text = identity.cast(pl.String)
        rows = self.retirement_groups.sort(pl.col("identity").is_null()).rows(named=True)
        branches = [
            pl.when(
                (gender_text == row["gender"])
                & (pl.lit(True) if row["identity"] is None else identity_text == row["identity"])
            ).then(pl.lit(row["group"]))
            for row in rows
        ]
        return pl.coalesce(branches).alias("retirement_group")

    def retirement_group_by_post(
        self, gender: pl.Expr, identity: pl.Expr, post: pl.Expr
    ) -> pl.Expr:
        """Retirement group from gender, the post (现岗位) and 个人身份.

        A post listed in ``retirement_posts.csv`` (女职工现岗位 管理/技术 → the 55
        schedule, 生产 → 50) decides; otherwise :meth:`retirement_group` by 个人身份.

        Examples:
            >>> from sbbatch.policy import Policy
            >>> frame = pl.DataFrame({"g": ["2", "2", "2", "1"], "i": ["1", "4", "1", "1"], "p": ["管理", "生产", None, "管理"]})
            >>> frame.select(Policy.load().retirement_group_by_post(pl.col("g"), pl.col("i"), pl.col("p"))).to_series().to_list()
            ['female_55', 'female_50', 'female_50', 'male']
        """
        gender_text = gender.cast(pl.String)
        post_text = post.cast(pl.String).str.strip_chars()
        branches = [
            pl.when((gender_text == row["gender"]) & (post_text == row["post"])).then(
                pl.lit(row["group"])
            )
            for row in self.tables["retirement_posts"].rows(named=True)
        ]
        return pl.coalesce(*branches, self.retirement_group(gender, identity)).alias(
            "retirement_group"
        )

    def elastic_earliest_month(self, birth_date: pl.Expr, group: pl.Expr) -> pl.Expr:
        """Earliest month of elastic early retirement (弹性提前退休), first of the month.

        At most ``elastic_early_max_months`` before the statutory month, never below the
        original age (60/55/50) — ``retirement.csv``; null for groups without the window.

        Examples:
            >>> from sbbatch.policy import Policy
            >>> from datetime import date
            >>> frame = pl.DataFrame({"born": [date(1966, 1, 10), date(1980, 1, 1)], "group": ["male", "female_50"]})
            >>> frame.select(Policy.load().elastic_earliest_month(pl.col("born"), pl.col("group"))).to_series().to_list()
            [datetime.date(2026, 1, 1), datetime.date(2030, 1, 1)]
        """
        born = _month_index(birth_date)
        statutory = born + self.statutory_age_months(birth_date, group)
        early = self._retirement_param(birth_date, group, "elastic_early_max_months")
        floor = born + self._retirement_param(birth_date, group, "original_age_years") * 12
        index = pl.max_horizontal(statutory - early, floor)
        return (pl.when(early.is_not_null()).then(pl.date(index // 12, index % 12 + 1, 1))).alias(
            "elastic_earliest_month"
        )

    def elastic_latest_month(self, birth_date: pl.Expr, group: pl.Expr) -> pl.Expr:
        """Latest month of elastic late retirement (弹性延迟退休): statutory + the late maximum.

        Examples:
            >>> from sbbatch.policy import Policy
            >>> from datetime import date
            >>> frame = pl.DataFrame({"born": [date(1966, 1, 10)], "group": ["male"]})
            >>> frame.select(Policy.load().elastic_latest_month(pl.col("born"), pl.col("group"))).item()
            datetime.date(2029, 5, 1)
        """
        index = (
            _month_index(birth_date)
            + self.statutory_age_months(birth_date, group)
            + self._retirement_param(birth_date, group, "elastic_late_max_months")
        )
        return pl.date(index // 12, index % 12 + 1, 1).alias("elastic_latest_month")

    def min_contribution_months(self, retirement_month: pl.Expr) -> pl.Expr:
        """Minimum contribution months (最低缴费年限) by the year of retirement.

        Examples:
            >>> from sbbatch.policy import Policy
            >>> from datetime import date
            >>> frame = pl.DataFrame({"m": [date(2029, 12, 1), date(2030, 1, 1), date(2045, 1, 1)]})
            >>> frame.select(Policy.load().min_contribution_months(pl.col("m"))).to_series().to_list()
            [180, 186, 240]
        """
        year = retirement_month.dt.year().cast(pl.Int64)
        branches = []
        for row in self.tables["min_contribution_years"].rows(named=True):
            low, high = row["retirement_year_from"], row["retirement_year_to"]
            condition = pl.lit(True)
            if low is not None:
                condition = condition & (year >= low)
            if high is not None:
                condition = condition & (year <= high)
            branches.append(pl.when(condition).then(pl.lit(row["months"], pl.Int64)))
        return pl.coalesce(branches).alias("min_contribution_months")

    def min_contribution_years(self, retirement_month: pl.Expr) -> pl.Expr:
        """Minimum contribution years (最低缴费年限) as a number (15.5 = 15 years 6 months).

        Examples:
            >>> from sbbatch.policy import Policy
            >>> from datetime import date
            >>> frame = pl.DataFrame({"m": [date(2031, 11, 1), date(2032, 8, 1)]})
            >>> frame.select(Policy.load().min_contribution_years(pl.col("m"))).to_series().to_list()
            [16.0, 16.5]
        """
        return (self.min_contribution_months(retirement_month) / 12).alias("min_contribution_years")
