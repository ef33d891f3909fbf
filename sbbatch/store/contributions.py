"""The workspace reads of the contributions (缴费计算), and their DuckDB SQL twin.

:mod:`sbbatch.contributions` computes amounts from frames; this module is where those
frames come from: the insured periods, the wage in force per unit, person and month
(:func:`effective_bases_sql`), the units' rate facts, and the SQL twin of the
contribution plan (:func:`contribution_sql`) that sums per unit without making the
lines. Every statement is composed from :class:`~sbbatch.store._sql.Fragment` objects;
values (unit, person, months) are parameters.

The big inputs can leave DuckDB in Arrow record batches (:func:`stream_bases`), so a
city's wages never sit in memory at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch import codes
from sbbatch._money import PPM, half_up_div_sql
from sbbatch.store._sql import TRUE, Fragment, compose, fragment, ident, join

if TYPE_CHECKING:
    from sbbatch.store.workspace import Workspace

__all__ = [
    "contribution_sql",
    "count_bases",
    "count_wages",
    "effective_bases_sql",
    "filters",
    "first_insured_month",
    "read_bases",
    "read_periods",
    "read_units",
    "split_inputs",
    "stream_bases",
]

_ALIASES = frozenset({"p", "w"})

#: Rows per Arrow record batch when the wages stream out of DuckDB.
BATCH_ROWS = 1_000_000

#: The columns of :func:`read_periods`.
PERIODS_COLUMNS: dict[str, pl.DataType] = {
    "unit_id": pl.String(),
    "person_id": pl.String(),
    "insurance": pl.String(),
    "from_month": pl.Date(),
    "until_month": pl.Date(),
}
#: The columns of :func:`read_bases`.
BASES_COLUMNS: dict[str, pl.DataType] = {
    "unit_id": pl.String(),
    "person_id": pl.String(),
    "month": pl.Date(),
    "wage_fen": pl.Int64(),
}


def _bits() -> dict[str, int]:
    """One bit per 险种 code, in code order (as :mod:`sbbatch.contributions`)."""
    ordered = sorted(codes.table("insurance")["code"].to_list(), key=int)
    return {code: 1 << index for index, code in enumerate(ordered)}


def filters(
    alias: str, unit_id: str | None, person_id: str | None
) -> tuple[Fragment, dict[str, Any]]:
    """Return the filter on a unit and/or a person of the table ``alias`` (``p`` or ``w``).

    Examples:
        >>> filters("p", "U1", None)
        ('p.unit_id = $unit', {'unit': 'U1'})
        >>> filters("w", None, None)
        ('TRUE', {})
    """
    table = ident(alias, _ALIASES)
    clauses: list[Fragment] = []
    params: dict[str, Any] = {}
    if unit_id is not None:
        clauses.append(compose("{t}.unit_id = $unit", t=table))
        params["unit"] = unit_id
    if person_id is not None:
        clauses.append(compose("{t}.person_id = $person", t=table))
        params["person"] = person_id
    return join(clauses), params


def effective_bases_sql(where: Fragment = TRUE) -> Fragment:
    """Return the SQL of the wage in force per unit, person and month (as a sub-query).

    A base declared by an approved, not revoked 工资申报 wins; wages loaded from
    outside (``declaration_id`` NULL) apply where no declaration exists. ``where``
    filters ``wage_bases`` rows (alias ``w``) in both branches.
    """
    return compose(
        """
        SELECT w.unit_id, w.person_id, w.month, w.wage_fen FROM wage_bases w
        WHERE w.revoked_by IS NULL AND w.declaration_id IS NOT NULL AND ({where})
        UNION ALL
        SELECT w.unit_id, w.person_id, w.month, w.wage_fen FROM wage_bases w
        WHERE w.revoked_by IS NULL AND w.declaration_id IS NULL AND ({where})
          AND NOT EXISTS (
            SELECT 1 FROM wage_bases d
            WHERE d.declaration_id IS NOT NULL AND d.revoked_by IS NULL
              AND d.unit_id = w.unit_id AND d.person_id = w.person_id AND d.month = w.month)
    """,
        where=where,
    )


def _bases_query(unit_id: str | None, person_id: str | None) -> tuple[Fragment, dict[str, Any]]:
    where, params = filters("w", unit_id, person_id)
    within = compose("{where} AND w.month BETWEEN $first AND $last", where=where)
    return compose("SELECT * FROM ({bases})", bases=effective_bases_sql(within)), params


def first_insured_month(
    ws: Workspace, unit_id: str | None, person_id: str | None
) -> dt.date | None:
    """Return the earliest insured month of the selection (None: nobody is insured)."""
    where, params = filters("p", unit_id, person_id)
    query = compose(
        "SELECT min(p.from_month) AS m FROM insured_periods p WHERE {where}", where=where
    )
    first = ws.sql(query, params)["m"][0]
    return first if isinstance(first, dt.date) else None


def read_units(ws: Workspace, unit_id: str | None) -> pl.DataFrame:
    """Return ``unit_id, risk_class, injury_rate`` of one unit, or of every unit."""
    if unit_id is None:
        return ws.sql("SELECT unit_id, risk_class, injury_rate FROM units")
    return ws.sql(
        "SELECT unit_id, risk_class, injury_rate FROM units WHERE unit_id = $unit",
        {"unit": unit_id},
    )


def _periods_query(unit_id: str | None, person_id: str | None) -> tuple[Fragment, dict[str, Any]]:
    where, params = filters("p", unit_id, person_id)
    query = compose(
        "SELECT p.unit_id, p.person_id, p.insurance, p.from_month, p.until_month "
        "FROM insured_periods p WHERE {where} AND p.from_month <= $last "
        "AND (p.until_month IS NULL OR p.until_month > $first)",
        where=where,
    )
    return query, params


def read_periods(
    ws: Workspace,
    months: Sequence[dt.date],
    unit_id: str | None,
    person_id: str | None,
) -> pl.DataFrame:
    """Return the insured periods that overlap the months: ``unit_id, person_id, insurance,
    from_month, until_month`` (``until_month`` exclusive, null = still insured)."""
    query, params = _periods_query(unit_id, person_id)
    found = ws.sql(query, {**params, "first": months[0], "last": months[-1]})
    return found.cast(PERIODS_COLUMNS)  # type: ignore[arg-type]


def read_bases(
    ws: Workspace,
    months: Sequence[dt.date],
    unit_id: str | None,
    person_id: str | None,
) -> pl.DataFrame:
    """Return the wage in force of each unit, person and month of the window, sorted."""
    query, params = _bases_query(unit_id, person_id)
    ordered = compose("{query} ORDER BY unit_id, person_id, month", query=query)
    found = ws.sql(ordered, {**params, "first": months[0], "last": months[-1]})
    return found.cast(BASES_COLUMNS)  # type: ignore[arg-type]


def count_bases(
    ws: Workspace,
    months: Sequence[dt.date],
    unit_id: str | None,
    person_id: str | None,
) -> int:
    """Return how many wages are in force in the window (one per person-month line set)."""
    query, params = _bases_query(unit_id, person_id)
    counted = compose("SELECT count(*) AS n FROM ({query})", query=query)
    return int(ws.sql(counted, {**params, "first": months[0], "last": months[-1]})["n"][0])


def split_inputs(
    ws: Workspace,
    months: Sequence[dt.date],
    unit_id: str | None,
    person_id: str | None,
    buckets: int,
) -> Iterator[tuple[str, pl.DataFrame]]:
    """Read the insured periods, then the wages in force, each person given a bucket.

    One pass of DuckDB over each table, in Arrow record batches of :data:`BATCH_ROWS`
    rows: yields ``("periods", frame)`` (the columns of :func:`read_periods`) and
    ``("bases", frame)`` (those of :func:`read_bases`), each with ``bucket`` (Int32,
    ``0 … buckets-1``, a hash of the 社会保障号码: a person's rows share one bucket).
    Committed data only (a cursor of its own).
    """
    values = {"first": months[0], "last": months[-1], "buckets": max(int(buckets), 1)}
    con = ws._con  # the store's own connection
    for name, (query, params), columns in (
        ("periods", _periods_query(unit_id, person_id), PERIODS_COLUMNS),
        ("bases", _bases_query(unit_id, person_id), BASES_COLUMNS),
    ):
        bucketed = compose(
            "SELECT *, (hash(person_id) % $buckets)::INTEGER AS bucket FROM ({query})",
            query=query,
        )
        schema = {**columns, "bucket": pl.Int32()}
        cursor = con.cursor()
        try:
            reader = cursor.sql(bucketed, params={**params, **values}).to_arrow_reader(BATCH_ROWS)
            for batch in reader:
                yield name, pl.DataFrame(pl.from_arrow(batch)).cast(schema)  # type: ignore[arg-type]
        finally:
            cursor.close()


def count_wages(
    ws: Workspace,
    months: Sequence[dt.date],
    unit_id: str | None,
    person_id: str | None,
) -> int:
    """Return how many wages not revoked lie in the window: at least :func:`count_bases`.

    One scan, without the choice between declared and loaded wages: enough to size
    the buckets of :mod:`sbbatch.contributions._chunked`.
    """
    where, params = filters("w", unit_id, person_id)
    query = compose(
        "SELECT count(*) AS n FROM wage_bases w WHERE w.revoked_by IS NULL AND {where} "
        "AND w.month BETWEEN $first AND $last",
        where=where,
    )
    return int(ws.sql(query, {**params, "first": months[0], "last": months[-1]})["n"][0])


def stream_bases(
    ws: Workspace,
    months: Sequence[dt.date],
    unit_id: str | None,
    person_id: str | None,
) -> pl.LazyFrame:
    """Return the wages in force as a lazy frame read from DuckDB in Arrow record batches.

    The query runs on a cursor of its own when the plan is collected (or sunk to a
    file), one batch of :data:`BATCH_ROWS` rows at a time; it sees committed data only.
    """
    query, params = _bases_query(unit_id, person_id)
    values = {**params, "first": months[0], "last": months[-1]}
    con = ws._con  # the store's own connection

    def batches() -> Iterator[pl.DataFrame]:
        cursor = con.cursor()
        try:
            # the size polars asks for is small; DuckDB fills bigger batches faster
            reader = cursor.sql(query, params=values).to_arrow_reader(BATCH_ROWS)
            for batch in reader:
                yield pl.DataFrame(pl.from_arrow(batch)).cast(BASES_COLUMNS)  # type: ignore[arg-type]
        finally:
            cursor.close()

    return io_source(batches, BASES_COLUMNS)


def io_source(
    batches: Callable[[], Iterator[pl.DataFrame]], schema: Mapping[str, pl.DataType]
) -> pl.LazyFrame:
    """Return a lazy frame whose batches ``batches()`` makes when the plan runs.

    A polars IO plug-in: the columns, the filter and the row limit polars pushes down
    are applied to each batch as it comes, and the batches stop once the limit is met.
    """
    from polars.io.plugins import register_io_source

    def source(
        with_columns: list[str] | None,
        predicate: pl.Expr | None,
        n_rows: int | None,
        batch_size: int | None,
    ) -> Iterator[pl.DataFrame]:
        left = n_rows
        for frame in batches():
            part = frame.select(with_columns) if with_columns is not None else frame
            if predicate is not None:
                part = part.filter(predicate)
            if left is not None:
                part = part.head(left)
                left -= part.height
            yield part
            if left is not None and left <= 0:
                break

    return register_io_source(source, schema=dict(schema))


def contribution_sql(
    *,
    detail: bool,
    where: Fragment = TRUE,
    base_where: Fragment = TRUE,
    types: list[tuple[str, str]] | None = None,
) -> Fragment:
    """Return the DuckDB SQL of the contribution lines, or of their unit totals.

    The same rules and the same plan as :func:`sbbatch.contributions.compute_lines`
    and :func:`~sbbatch.contributions.compute_totals`, over the workspace tables
    ``insured_periods`` and ``wage_bases`` and the registered frames of
    :func:`sbbatch.contributions.sql_inputs` (``sb_limits`` chooses the months;
    ``sb_groups``, ``sb_rates``, ``sb_bits`` and ``sb_wide`` carry the rates).

    Args:
        detail: The person lines (``True``: ``unit_id, person_id, month, insurance,
            payer, wage_fen, base_fen, rate, rate_ppm, fixed_fen, amount_fen,
            policy_id``), or the totals (``False``): one row per unit (``unit_no``),
            month and rate group with ``n_<insurance>``, ``b_<insurance>`` (persons
            and Σ base of each insurance) and ``a_<k>`` (Σ amount of each line type
            ``k`` of ``types``) — the lines are never materialised.
        where: A filter on ``insured_periods`` (alias ``p``).
        base_where: A filter on ``wage_bases`` (alias ``w``).
        types: The line types (``line_types`` of ``sb_rates``), for the totals.
    """
    common = compose(
        """
        WITH bases AS ({bases}
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
        )""",
        bases=effective_bases_sql(base_where),
        where=where,
        materialized=fragment("MATERIALIZED " if detail else ""),
    )
    if detail:
        return compose(
            """{common}, rate_lines AS MATERIALIZED (
            SELECT m.mask, r.* FROM (SELECT DISTINCT mask FROM spells) m
            JOIN sb_rates r ON (m.mask & r.bit) <> 0
        )
        SELECT pm.unit_id, pm.person_id, pm.month, r.insurance, r.payer, pm.wage_fen,
               CASE WHEN r.fixed_fen IS NULL THEN pm.base END AS base_fen, r.rate, r.rate_ppm,
               r.fixed_fen, coalesce(r.fixed_fen, {amount}) AS amount_fen, r.policy_id
        FROM pm JOIN rate_lines r
          ON r.rate_group = pm.rate_group AND r.month = pm.month AND r.mask = pm.mask""",
            common=common,
            amount=fragment(half_up_div_sql("pm.base * r.rate_ppm", PPM)),
        )
    if types is None:
        msg = "contribution_sql(detail=False) needs the line types"
        raise ValueError(msg)
    columns = _totals_columns(types)
    return compose(
        """{common}
        SELECT pm.unit_no, pm.month, pm.rate_group, {columns}
        FROM pm JOIN sb_wide w ON w.rate_group = pm.rate_group AND w.month = pm.month
        GROUP BY pm.unit_no, pm.month, pm.rate_group""",
        common=common,
        columns=join(columns, ", "),
    )


def _totals_columns(types: list[tuple[str, str]]) -> list[Fragment]:
    """The sums of the totals query; ``sb_wide`` carries ``bit_<k>`` (the 险种 bit of type k)."""
    insurances = list(dict.fromkeys(insurance for insurance, _ in types))
    allowed = {f"{prefix}_{code}" for prefix in ("n", "b") for code in insurances} | {
        f"{prefix}_{index}"
        for prefix in ("a", "bit", "ppm", "fixed")
        for index in range(len(types))
    }
    first_type = {insurance: index for index, (insurance, _) in reversed(list(enumerate(types)))}

    def has(index: int) -> Fragment:
        return compose("((pm.mask & w.{bit}) <> 0)::BIGINT", bit=ident(f"bit_{index}", allowed))

    columns: list[Fragment] = []
    for insurance in insurances:
        flag = has(first_type[insurance])
        columns.append(
            compose(
                "sum({has})::BIGINT AS {n}, sum({has} * pm.base)::BIGINT AS {b}",
                has=flag,
                n=ident(f"n_{insurance}", allowed),
                b=ident(f"b_{insurance}", allowed),
            )
        )
    for index in range(len(types)):
        numerator = compose("pm.base * w.{ppm}", ppm=ident(f"ppm_{index}", allowed))
        columns.append(
            compose(
                "sum(coalesce({has} * coalesce(w.{fixed}, {priced}), 0))::BIGINT AS {a}",
                has=has(index),
                fixed=ident(f"fixed_{index}", allowed),
                priced=fragment(half_up_div_sql(numerator, PPM)),
                a=ident(f"a_{index}", allowed),
            )
        )
    return columns


def bits_columns(types: list[tuple[str, str]]) -> Mapping[str, int]:
    """Return ``bit_<k>`` → the 险种 bit of line type ``k`` (the columns ``sb_wide`` adds)."""
    bits = _bits()
    return {f"bit_{index}": bits[insurance] for index, (insurance, _) in enumerate(types)}
