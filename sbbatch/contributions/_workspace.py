"""Contributions of a workspace: the plan over its tables, a frame, or a file streamed to disk.

Part of :mod:`sbbatch.contributions`. The workspace is read through
:mod:`sbbatch.store.contributions` (the SQL lives there); this module puts the reads
and the engine together:

- :func:`contribution_plan`: the person lines as a lazy polars plan over the
  workspace — the wages can stream out of DuckDB in Arrow batches;
- :func:`contributions`: the detail as a frame for a small selection, or (``sink=``,
  :func:`write_contributions`) written to a parquet/csv file a bucket of persons at a
  time (:mod:`sbbatch.contributions._chunked`): memory holds one bucket;
- :func:`unit_totals`: the totals summed inside DuckDB, the lines never made.

"All months" (no ``months``) runs from the first insured month of the selection to
the agency's month, except the months before the policy tables begin: those are
skipped and counted (``skipped_months``), not fatal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import polars as pl

from sbbatch import _progress
from sbbatch.contributions._chunked import (
    CHUNK_LINES,
    PlanInputs,
    Shape,
    chunk_plan,
    write_chunked,
)
from sbbatch.contributions._engine import (
    _bits,
    _long_totals,
    line_types,
    rate_groups,
    wide_rates,
)
from sbbatch.contributions._lookups import (
    _MISSING_COLUMNS,
    _TOTALS_COLUMNS,
    DETAIL_COLUMNS,
    _month_span,
    _months_frame,
    insurance_codes,
    limits_for,
    month_list,
    plain,
    unit_rates,
)
from sbbatch.exceptions import UnusableInputError
from sbbatch.policy import Policy
from sbbatch.store import contributions as store
from sbbatch.store._sql import Fragment, compose

if TYPE_CHECKING:
    from sbbatch.store import Workspace

#: Above this many lines :func:`contributions` refuses to build the detail in memory
#: (about 55 bytes a line: 20 million lines ≈ 1.1 GB) and asks for ``sink=``.
FRAME_LINE_LIMIT = 20_000_000


def policy_first_month(policy: Policy) -> dt.date:
    """Return the first month every contribution table of the policy covers.

    Examples:
        >>> policy_first_month(Policy.load())
        datetime.date(2019, 1, 1)
    """
    starts = policy.rates.group_by("key").agg(pl.col("effective_from").min())
    rate_starts: list[dt.date] = starts["effective_from"].to_list()
    limit_starts: list[dt.date] = policy.base_limits["effective_from"].to_list()
    return max(max(rate_starts), min(limit_starts)).replace(day=1)


def resolve_months(
    ws: Workspace,
    months: dt.date | Iterable[dt.date] | None,
    unit_id: str | None,
    person_id: str | None,
    policy: Policy,
) -> tuple[list[dt.date], list[dt.date]]:
    """Return the months to compute and the months skipped (before the policy tables).

    Months given are kept as given (a month outside the policy is an error later); by
    default every month from the first insured month of the selection to the agency's
    month, less the months before :func:`policy_first_month`.
    """
    if months is not None:
        return month_list(months), []
    first = store.first_insured_month(ws, unit_id, person_id)
    if first is None:
        return [], []
    span = _month_span(first, ws.today.replace(day=1))
    start = policy_first_month(policy)
    return [m for m in span if m >= start], [m for m in span if m < start]


def _units(ws: Workspace, unit_id: str | None) -> pl.DataFrame:
    units = store.read_units(ws, unit_id)
    if unit_id is not None and units.height == 0:
        msg = f"单位编号「{unit_id}」不在工作区中。"
        raise UnusableInputError(msg)
    return units


@dataclass(frozen=True)
class Contributions:
    """The contributions of a workspace selection.

    Attributes:
        detail: One line per unit, person, month, insurance and payer
            (:data:`DETAIL_COLUMNS`), sorted.
        missing: Persons insured in a month without an approved base:
            ``unit_id, person_id, month, insurances`` — they are owed a 工资申报.
        months: The months covered.
        skipped_months: Months of the default "all months" before the policy tables
            begin: not computed.
    """

    detail: pl.DataFrame
    missing: pl.DataFrame
    months: list[dt.date]
    skipped_months: list[dt.date] = field(default_factory=list)

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


@dataclass(frozen=True)
class WrittenContributions:
    """Contributions streamed to a file (:func:`contributions` with ``sink``).

    Attributes:
        path: The file written (parquet or csv, the columns of :data:`PLAIN_COLUMNS`).
        lines: How many lines it holds.
        persons: How many persons.
        total_fen: The sum of every line, in fen.
        missing: As :attr:`Contributions.missing`.
        months: The months covered.
        skipped_months: As :attr:`Contributions.skipped_months`.
    """

    path: Path
    lines: int
    persons: int
    total_fen: int
    missing: pl.DataFrame
    months: list[dt.date]
    skipped_months: list[dt.date] = field(default_factory=list)


@dataclass(frozen=True)
class ContributionPlan:
    """The person lines of a selection as a lazy plan (:func:`contribution_plan`).

    Attributes:
        lines: :data:`DETAIL_COLUMNS`, in no particular order.
        missing: As :attr:`Contributions.missing` (lazy, sorted).
        months: The months covered.
        skipped_months: Months before the policy tables (default months only).
        line_types: How many line types (险种 × 缴费人) the rates give.
    """

    lines: pl.LazyFrame
    missing: pl.LazyFrame
    months: list[dt.date]
    skipped_months: list[dt.date]
    line_types: int


def contribution_plan(
    ws: Workspace,
    *,
    months: dt.date | Iterable[dt.date] | None = None,
    unit_id: str | None = None,
    person_id: str | None = None,
    insurances: Iterable[str] | None = None,
    policy: Policy | None = None,
    stream: bool = False,
) -> ContributionPlan:
    """Return the contributions of a selection as a lazy plan over the workspace.

    Args:
        ws: The workspace.
        months: One month or several; by default all months (see the module).
        unit_id: Only this unit (单位编号).
        person_id: Only this person (社会保障号码), in every unit.
        insurances: Only these 险种 (codes, names or English keys).
        policy: The policy; the shipped Jinan policy by default.
        stream: Read the wages from DuckDB in Arrow batches when the plan runs
            (committed data only) instead of into memory now.
    """
    inputs, skipped = plan_inputs(ws, months, unit_id, person_id, insurances, policy)
    if not inputs.months:
        empty = pl.LazyFrame(schema=DETAIL_COLUMNS)
        return ContributionPlan(empty, pl.LazyFrame(schema=_MISSING_COLUMNS), [], skipped, 0)
    lines, missing = chunk_plan(ws, inputs, stream=stream)
    return ContributionPlan(lines, missing, inputs.months, skipped, inputs.line_types)


def plan_inputs(
    ws: Workspace,
    months: dt.date | Iterable[dt.date] | None,
    unit_id: str | None,
    person_id: str | None,
    insurances: Iterable[str] | None,
    policy: Policy | None,
) -> tuple[PlanInputs, list[dt.date]]:
    """Return what every chunk of a selection shares, and the months skipped."""
    policy = policy or Policy.load()
    wanted = insurance_codes(insurances)
    chosen, skipped = resolve_months(ws, months, unit_id, person_id, policy)
    if not chosen:
        none = pl.DataFrame()
        return PlanInputs([], wanted, none, none, none, unit_id, person_id, 0), skipped
    groups, rates = rate_groups(_units(ws, unit_id), chosen, insurances=wanted, policy=policy)
    limits = limits_for(chosen, policy)
    count = len(line_types(rates))
    return PlanInputs(chosen, wanted, groups, rates, limits, unit_id, person_id, count), skipped


def write_contributions(
    ws: Workspace,
    target: str | Path,
    shape: Shape,
    *,
    months: dt.date | Iterable[dt.date] | None = None,
    unit_id: str | None = None,
    person_id: str | None = None,
    insurances: Iterable[str] | None = None,
    policy: Policy | None = None,
    chunk_lines: int = CHUNK_LINES,
) -> WrittenContributions:
    """Write the detail of a selection to a ``.parquet`` or ``.csv`` file in bounded memory.

    The persons are cut into chunks of about ``chunk_lines`` lines (see
    :mod:`sbbatch.contributions._chunked`); ``shape`` turns each chunk of
    :data:`DETAIL_COLUMNS` lines into the file's columns. The counts, the total and
    ``missing`` are added up chunk by chunk, the file is never read back.
    """
    inputs, skipped = plan_inputs(ws, months, unit_id, person_id, insurances, policy)
    done = write_chunked(ws, inputs, target, shape, chunk_lines=chunk_lines)
    return WrittenContributions(
        Path(target),
        done.lines,
        done.persons,
        done.total_fen,
        done.missing,
        inputs.months,
        skipped,
    )


@overload
def contributions(
    ws: Workspace,
    *,
    months: dt.date | Iterable[dt.date] | None = ...,
    unit_id: str | None = ...,
    person_id: str | None = ...,
    insurances: Iterable[str] | None = ...,
    policy: Policy | None = ...,
    sink: None = ...,
    max_lines: int | None = ...,
) -> Contributions: ...


@overload
def contributions(
    ws: Workspace,
    *,
    months: dt.date | Iterable[dt.date] | None = ...,
    unit_id: str | None = ...,
    person_id: str | None = ...,
    insurances: Iterable[str] | None = ...,
    policy: Policy | None = ...,
    sink: str | Path,
    max_lines: int | None = ...,
) -> WrittenContributions: ...


@_progress.task("正在计算缴费明细")
def contributions(
    ws: Workspace,
    *,
    months: dt.date | Iterable[dt.date] | None = None,
    unit_id: str | None = None,
    person_id: str | None = None,
    insurances: Iterable[str] | None = None,
    policy: Policy | None = None,
    sink: str | Path | None = None,
    max_lines: int | None = FRAME_LINE_LIMIT,
) -> Contributions | WrittenContributions:
    """Compute the contributions of a workspace: the person detail and who lacks a base.

    Args:
        ws: The workspace.
        months: One month or several (any day of the month); by default every month
            from the earliest insured month of the selection to the agency's month
            (months before the policy tables are skipped and counted).
        unit_id: Only this unit (单位编号).
        person_id: Only this person (社会保障号码), in every unit.
        insurances: Only these 险种 (codes, names or English keys).
        policy: The policy; the shipped Jinan policy by default.
        sink: Stream the detail (:data:`PLAIN_COLUMNS`, unsorted) to this ``.parquet``
            or ``.csv`` file instead of returning it: memory stays bounded whatever
            the size.
        max_lines: Without ``sink``, refuse a selection of more lines than this
            (None: no limit).

    Returns:
        :class:`Contributions` with ``detail`` and ``missing``; with ``sink``,
        :class:`WrittenContributions` (the file, its lines, persons and total).

    Raises:
        PolicyError: a month given lies outside the policy tables.
        UnusableInputError: without ``sink``, the selection is larger than
            ``max_lines`` lines.
    """
    policy = policy or Policy.load()
    if sink is not None:
        return write_contributions(
            ws,
            sink,
            plain,
            months=months,
            unit_id=unit_id,
            person_id=person_id,
            insurances=insurances,
            policy=policy,
        )
    plan = contribution_plan(
        ws,
        months=months,
        unit_id=unit_id,
        person_id=person_id,
        insurances=insurances,
        policy=policy,
    )
    if plan.months and max_lines is not None:
        estimate = store.count_bases(ws, plan.months, unit_id, person_id) * plan.line_types
        if estimate > max_lines:
            msg = (
                f"所选范围约有 {estimate:,} 行缴费明细，超过 {max_lines:,} 行，不宜一次放入内存。"
                '提示：请用 contributions(ws, …, sink="缴费明细.parquet") 或 '
                "sbbatch contributions … -o 缴费明细.parquet 流式写出文件；只要合计请用 unit_totals。"
            )
            raise UnusableInputError(msg)
    detail = (
        plan.lines.sort(
            pl.col("unit_id").cast(pl.String),
            pl.col("person_id").cast(pl.String),
            "month",
            "insurance",
            "payer",
        )
        .collect()
        .cast(DETAIL_COLUMNS)  # type: ignore[arg-type]
    )
    return Contributions(detail, plan.missing.collect(), plan.months, plan.skipped_months)


def contribution_sql(
    *,
    detail: bool,
    where: Fragment | None = None,
    base_where: Fragment | None = None,
    types: list[tuple[str, str]] | None = None,
) -> Fragment:
    """Return the DuckDB SQL twin of the plan (:func:`sbbatch.store.contributions.contribution_sql`)."""
    return store.contribution_sql(
        detail=detail,
        where=where if where is not None else store.filters("p", None, None)[0],
        base_where=base_where if base_where is not None else store.filters("w", None, None)[0],
        types=types,
    )


def effective_bases_sql(where: Fragment | None = None) -> Fragment:
    """Return the SQL of the wage in force (:func:`sbbatch.store.contributions.effective_bases_sql`)."""
    return store.effective_bases_sql(
        where if where is not None else store.filters("w", None, None)[0]
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
    :func:`line_types`, in that order, with the 险种 bit ``bit_<k>`` of each type).
    """
    policy = policy or Policy.load()
    groups, rates = rate_groups(_units(ws, unit_id), months, insurances=insurances, policy=policy)
    bits = _bits()
    types = line_types(rates)
    type_bits = store.bits_columns(types)
    return {
        "sb_months": _months_frame(months),
        "sb_limits": limits_for(months, policy),
        "sb_groups": groups.with_row_index("unit_no"),
        "sb_rates": rates.with_columns(
            pl.col("insurance").replace_strict(bits, return_dtype=pl.Int32).alias("bit")
        ),
        "sb_bits": pl.DataFrame({"insurance": list(bits), "bit": list(bits.values())}),
        "sb_wide": wide_rates(rates, types).with_columns(
            pl.lit(bit, pl.Int32).alias(name) for name, bit in type_bits.items()
        ),
    }


def sql_filters(
    unit_id: str | None, months: list[dt.date]
) -> tuple[Fragment, Fragment, dict[str, Any]]:
    """Return the ``where``, ``base_where`` and parameters of :func:`contribution_sql`."""
    where, params = store.filters("p", unit_id, None)
    unit_bases, _ = store.filters("w", unit_id, None)
    base_where = compose("{f} AND w.month BETWEEN $first AND $last", f=unit_bases)
    return where, base_where, {**params, "first": months[0], "last": months[-1]}


@_progress.task("正在汇总缴费")
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
    wages, the limits and the rates and aggregates in one query. "All months" skips
    the months before the policy tables, as :func:`contributions`.

    Returns:
        ``unit_id, month, insurance, payer, persons, base_fen, amount_fen``, sorted.
    """
    policy = policy or Policy.load()
    wanted = insurance_codes(insurances)
    chosen, _ = resolve_months(ws, months, unit_id, None, policy)
    if not chosen:
        return pl.DataFrame(schema=_TOTALS_COLUMNS)
    where, base_where, params = sql_filters(unit_id, chosen)
    inputs = sql_inputs(ws, chosen, unit_id=unit_id, insurances=wanted, policy=policy)
    types = line_types(inputs["sb_rates"])
    query = store.contribution_sql(detail=False, where=where, base_where=base_where, types=types)
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
