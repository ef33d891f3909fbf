"""The :class:`Policy` of a city: loading, the remaining look-ups and the view."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Final

import polars as pl

from sbbatch._resources import schemas_dir
from sbbatch.exceptions import PolicyError
from sbbatch.policy._base import _month_start
from sbbatch.policy._loader import _load_table
from sbbatch.policy._rates import _RateLookups
from sbbatch.policy._retirement import _RetirementLookups
from sbbatch.policy._tables import TABLES

_CITY_NAME: Final = re.compile(r"^[a-z][a-z0-9_]*$")


class Policy(_RateLookups, _RetirementLookups):
    """The dated policy of one city (政策参数), each table a typed polars frame.

    Build it with :meth:`load` (cached per city) or :meth:`from_dir`. ``tables`` maps
    every table name of :data:`TABLES` to its frame; each table except
    ``min_contribution_years`` (whose name is taken by the look-up method) is also an
    attribute. Every table has the columns of its CSV (money as ``*_fen``, rates also
    as ``*_ppm``, months as ``Date``), plus ``source``, ``status`` (``Enum``), ``note``,
    ``key`` and ``policy_id``.

    Attributes:
        city: the folder name under ``schemas/policy/``.
        tables: every typed table by name, in the order of :data:`TABLES`.
        comments: the leading ``#`` lines (what the file is, its provenance) per table.
    """

    # ------------------------------------------------------------------ building
    @classmethod
    def load(cls, city: str = "jinan") -> Policy:
        """Load the shipped policy of ``city`` (cached: the same object every call).

        Raises:
            PolicyError: the city has no policy folder or a file is unusable.
        """
        return _load_city(city)

    @classmethod
    def from_dir(cls, directory: Path, city: str | None = None) -> Policy:
        """Load and check every table of a policy folder (not cached).

        Raises:
            PolicyError: a file is missing or any row is unusable (the message lists
                the first problems with their line numbers).
        """
        typed: dict[str, pl.DataFrame] = {}
        raw: dict[str, pl.DataFrame] = {}
        comments: dict[str, list[str]] = {}
        for spec in TABLES:
            typed[spec.name], raw[spec.name], comments[spec.name] = _load_table(directory, spec)
        groups = set(typed["retirement"]["group"].to_list())
        for table in ("retirement_groups", "retirement_posts"):
            unknown = sorted(set(typed[table]["group"].to_list()) - groups)
            if unknown:
                msg = (
                    f"{table}.csv 中的退休组别 {'、'.join(unknown)} 在 retirement.csv 中没有定义。"
                )
                raise PolicyError(msg)
        return cls(city=city or directory.name, tables=typed, comments=comments, _raw=raw)

    def __repr__(self) -> str:
        return f"Policy(city={self.city!r}, tables={len(TABLES)})"

    # ------------------------------------------------------------------ unemployment
    def unemployment_months(self, contribution_years: pl.Expr) -> pl.Expr:
        """Maximum months of unemployment benefit (领取期限) by cumulative contribution years.

        Args:
            contribution_years: years as a number (months / 12 is fine).

        Examples:
            >>> frame = pl.DataFrame({"years": [0.5, 1, 4.99, 5, 10, 30]})
            >>> frame.select(Policy.load().unemployment_months(pl.col("years"))).to_series().to_list()
            [0, 12, 12, 18, 24, 24]
        """
        branches = []
        for row in self.unemployment_duration.rows(named=True):
            condition = contribution_years >= row["min_years"]
            if row["max_years"] is not None:
                condition = condition & (contribution_years < row["max_years"])
            branches.append(pl.when(condition).then(pl.lit(row["max_months"], pl.Int64)))
        return pl.coalesce(branches).alias("unemployment_months")

    # ------------------------------------------------------------------ windows, backpay
    def declaration_month(self, declared_on: pl.Expr, business: str) -> pl.Expr:
        """Month a 增员 (``enrolment``) or 减员 (``departure``) takes effect, by declaration date.

        On or before the cut-off day the current month is taken, after it the next.

        Raises:
            PolicyError: ``business`` has no cut-off rule.

        Examples:
            >>> from datetime import date
            >>> frame = pl.DataFrame({"on": [date(2025, 7, 25), date(2025, 7, 26)]})
            >>> frame.select(Policy.load().declaration_month(pl.col("on"), "enrolment")).to_series().to_list()
            [datetime.date(2025, 7, 1), datetime.date(2025, 8, 1)]
        """
        rules = self.enrolment_window.filter(pl.col("business") == business)
        if not rules.height:
            known = "、".join(self.enrolment_window["business"].unique(maintain_order=True))
            msg = f"没有业务 {business} 的受理截止日。提示：可用的业务为 {known}。"
            raise PolicyError(msg)
        month = _month_start(declared_on)
        day = declared_on.dt.day()
        branches = []
        for row in rules.rows(named=True):
            inside = month >= row["effective_from"]
            if row["effective_to"] is not None:
                inside = inside & (month <= row["effective_to"])
            late = day > row["cutoff_day"]
            if row["after_cutoff"] == "next_month":
                taken = pl.when(late).then(month.dt.offset_by("1mo")).otherwise(month)
            else:
                taken = month
            branches.append(pl.when(inside).then(taken))
        return pl.coalesce(branches).alias("declaration_month")

    def backpay_allowed(self, insurance: pl.Expr, month: pl.Expr) -> pl.Expr:
        """Whether a fee month of an insurance may be back-paid (补缴); null if not covered.

        Examples:
            >>> from datetime import date
            >>> frame = pl.DataFrame({"ins": ["1", "4"], "m": [date(2020, 3, 1)] * 2})
            >>> frame.select(Policy.load().backpay_allowed(pl.col("ins"), pl.col("m"))).to_series().to_list()
            [True, False]
        """
        month_start = _month_start(month)
        code = insurance.cast(pl.String)
        branches = []
        for row in self.backpay.rows(named=True):
            condition = (code == row["insurance"]) & (month_start >= row["effective_from"])
            if row["effective_to"] is not None:
                condition = condition & (month_start <= row["effective_to"])
            branches.append(pl.when(condition).then(pl.lit(row["allowed"])))
        return pl.coalesce(branches).alias("backpay_allowed")

    # ------------------------------------------------------------------ view
    def view(self) -> pl.DataFrame:
        """Every parameter of every table in one long frame: the ``policy`` view.

        Columns: ``table, key, parameter, effective_from, effective_to, value,
        source, status, note, policy_id``. ``value`` is the CSV text verbatim; undated
        tables have null windows.

        Examples:
            >>> view = Policy.load().view()
            >>> view.filter(pl.col("policy_id") == "base_limits:2025-01").select("parameter", "value", "status").rows()
            [('policy_year', '2025', 'secondary'), ('average_wage', '7506', 'secondary'),
             ('floor', '4504', 'secondary'), ('ceiling', '22518', 'secondary')]
        """
        parts = []
        for number, spec in enumerate(TABLES):
            typed = self.tables[spec.name]
            raw = self._raw[spec.name]
            windowed = spec.window is not None
            parameters = [
                c
                for c in spec.columns
                if c not in spec.keys and c not in ("effective_from", "effective_to")
            ] or [spec.keys[-1]]  # a table of keys only (category_insurances) shows its last key
            frame = raw.select(parameters).with_columns(
                pl.lit(number).alias("_table_order"),
                pl.int_range(pl.len()).alias("_row"),
                pl.lit(spec.name).alias("table"),
                typed["key"],
                (typed["effective_from"] if windowed else pl.lit(None, pl.Date)).alias(
                    "effective_from"
                ),
                (typed["effective_to"] if windowed else pl.lit(None, pl.Date)).alias(
                    "effective_to"
                ),
                typed["source"],
                typed["status"],
                typed["note"],
                typed["policy_id"],
            )
            long = frame.unpivot(
                on=parameters,
                index=[c for c in frame.columns if c not in parameters],
                variable_name="_parameter",
                value_name="_value",
            ).with_columns(
                pl.col("_parameter")
                .replace_strict({p: i for i, p in enumerate(parameters)}, return_dtype=pl.Int64)
                .alias("_column_order")
            )
            parts.append(long)
        return (
            pl.concat(parts)
            .drop_nulls("_value")
            .sort("_table_order", "_row", "_column_order")
            .select(
                "table",
                "key",
                # late_fee.csv is long already: its key names the parameter
                pl.when(pl.col("table") == "late_fee")
                .then(pl.col("key"))
                .otherwise(pl.col("_parameter"))
                .alias("parameter"),
                "effective_from",
                "effective_to",
                pl.col("_value").alias("value"),
                "source",
                "status",
                "note",
                "policy_id",
            )
        )


@cache
def _load_city(city: str) -> Policy:
    if not _CITY_NAME.match(city):
        msg = f"城市名 {city!r} 无效。提示：使用 schemas/policy/ 下的目录名，如 jinan。"
        raise PolicyError(msg)
    directory = schemas_dir() / "policy" / city
    if not directory.is_dir():
        msg = f"没有城市 {city} 的政策参数（缺少 schemas/policy/{city}/）。提示：默认城市为 jinan。"
        raise PolicyError(msg)
    return Policy.from_dir(directory, city=city)
