"""The frame of :class:`sbbatch.policy.Policy`: its fields, tables and the as-of join.

The look-ups live in :mod:`sbbatch.policy._rates` and :mod:`sbbatch.policy._retirement`
as mixins of :class:`_PolicyBase`; :class:`sbbatch.policy.Policy` joins them.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from sbbatch.exceptions import PolicyError, UnusableInputError


def _month_starts(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Unique first-of-month dates of ``frame[column]`` as column ``_at``."""
    if column not in frame.columns:
        msg = f"缺少列 {column}。提示：传入含所属期（年月）列的表，或用 month_col 指定列名。"
        raise UnusableInputError(msg)
    dtype = frame.schema[column]
    if dtype != pl.Date and not isinstance(dtype, pl.Datetime):
        msg = f"列 {column} 应为日期类型（每月 1 日），实际为 {dtype}。"
        raise UnusableInputError(msg)
    return frame.select(_month_start(pl.col(column)).alias("_at")).unique().drop_nulls()


def _month_start(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.Date).dt.month_start()


def _month_index(expr: pl.Expr) -> pl.Expr:
    """Months since year 0 (``year * 12 + month - 1``) of a date expression."""
    return expr.dt.year().cast(pl.Int64) * 12 + expr.dt.month().cast(pl.Int64) - 1


def _attach(
    frame: pl.DataFrame,
    month_col: str,
    found: pl.DataFrame,
    extra: dict[str, pl.Expr] | None = None,
) -> pl.DataFrame:
    """Left-join look-up results (keyed by ``_at`` and ``extra``) back onto ``frame``."""
    extra = extra or {}
    keyed = frame.with_columns(_month_start(pl.col(month_col)).alias("_at"), **extra)
    on = ["_at", *extra]
    joined = keyed.join(found, on=on, how="left", maintain_order="left")
    return joined.drop(on)


@dataclass(frozen=True, eq=False, repr=False)
class _PolicyBase:
    """The tables and fields every look-up mixin reads (see :class:`sbbatch.policy.Policy`).

    Attributes:
        city: the folder name under ``schemas/policy/``.
        tables: every typed table by name, in the order of :data:`TABLES`.
        comments: the leading ``#`` lines (what the file is, its provenance) per table.
    """

    city: str
    tables: dict[str, pl.DataFrame]
    comments: dict[str, list[str]]
    _raw: dict[str, pl.DataFrame]

    # ------------------------------------------------------------------ tables
    @property
    def rates(self) -> pl.DataFrame:
        """Contribution rates (费率) by insurance, payer, risk class and month window."""
        return self.tables["rates"]

    @property
    def base_limits(self) -> pl.DataFrame:
        """Contribution-base floor and ceiling (缴费基数上下限) by month window."""
        return self.tables["base_limits"]

    @property
    def minimum_wage(self) -> pl.DataFrame:
        """Monthly minimum wage (最低工资标准) by district group and month window."""
        return self.tables["minimum_wage"]

    @property
    def late_fee(self) -> pl.DataFrame:
        """Late-fee (滞纳金) daily rate and counting convention, by day window."""
        return self.tables["late_fee"]

    @property
    def retirement(self) -> pl.DataFrame:
        """Retirement-age schedule (法定退休年龄) by retirement group."""
        return self.tables["retirement"]

    @property
    def retirement_groups(self) -> pl.DataFrame:
        """Gender × 个人身份 -> retirement group."""
        return self.tables["retirement_groups"]

    @property
    def unemployment_duration(self) -> pl.DataFrame:
        """Maximum benefit months (领取期限) by contribution-year band."""
        return self.tables["unemployment_duration"]

    @property
    def unemployment_benefit(self) -> pl.DataFrame:
        """Unemployment benefit (失业保险金) as a share of the minimum wage."""
        return self.tables["unemployment_benefit"]

    @property
    def enrolment_window(self) -> pl.DataFrame:
        """Monthly cut-off day (受理截止日) of 增员 / 减员."""
        return self.tables["enrolment_window"]

    @property
    def backpay(self) -> pl.DataFrame:
        """Which insurances may be back-paid (补缴), by fee month."""
        return self.tables["backpay"]

    @property
    def rounding(self) -> pl.DataFrame:
        """Rounding rule of contribution amounts (舍入规则) per insurance."""
        return self.tables["rounding"]

    # ------------------------------------------------------------------ core as-of
    def _as_of(
        self, table: pl.DataFrame, probe: pl.DataFrame, *, drop_ended: bool, fmt: str = "%Y-%m"
    ) -> pl.DataFrame:
        """As-of join of ``probe`` (``_at``, ``key``, ``_label``, …) on the windows of ``table``.

        A probe before the first window of its key raises; one after a closed last
        window raises too unless ``drop_ended`` (the key ended, e.g. 生育 after the
        merger), in which case the row is dropped.
        """
        joined = probe.sort("_at").join_asof(
            table.sort("effective_from"),
            left_on="_at",
            right_on="effective_from",
            by="key",
            strategy="backward",
            check_sortedness=False,
        )
        ended = pl.col("effective_to").is_not_null() & (pl.col("_at") > pl.col("effective_to"))
        missing = pl.col("effective_from").is_null()
        if not drop_ended:
            missing = missing | ended
        bad = joined.filter(missing)
        if bad.height:
            order = ["_at", "_order"] if "_order" in bad.columns else ["_at", "key"]
            rows = bad.sort(order).select(pl.col("_at").dt.strftime(fmt), "_label").rows()
            shown = "；".join(f"{at} 没有适用的{label}" for at, label in rows[:3])
            more = f"（另有 {len(rows) - 3} 处）" if len(rows) > 3 else ""
            msg = (
                f"{shown}{more}。提示：请核对所属期；若政策已有规定，"
                f"请在 schemas/policy/{self.city}/ 的参数表中补充该期间。"
            )
            raise PolicyError(msg)
        return joined.filter(~ended) if drop_ended else joined
