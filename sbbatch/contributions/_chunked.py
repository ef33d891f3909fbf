"""The detail of a big selection written to one file, a chunk of persons at a time.

Part of :mod:`sbbatch.contributions`. A city's detail (60 million lines and more) does
not fit in memory, and a single streaming plan over it still holds every insured
period and the join's build side at once, so its peak grows with the city. Here the
persons are cut into ranges of 社会保障号码 (:func:`sbbatch.store.contributions.person_bounds`,
counted inside DuckDB) of about :data:`CHUNK_LINES` lines each; each range is read,
computed and appended to the one output file, and the lines, persons, total and the
persons without a base are added up chunk by chunk — the file is never read back.
A person lies in one range only, so the chunks' distinct persons add up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch import _progress
from sbbatch._files import atomic_path
from sbbatch.contributions._engine import compute_lines, insured_months, missing_bases
from sbbatch.contributions._lookups import _MISSING_COLUMNS, DETAIL_COLUMNS
from sbbatch.exceptions import UnusableInputError
from sbbatch.store import contributions as store

if TYPE_CHECKING:
    from sbbatch.store import Workspace

#: Lines one chunk of persons may make (about). A chunk's lines are collected in
#: memory: ~55 bytes a line in the plan's compact columns, the shaped copy that is
#: written (~40 bytes) and the writer's buffers on top — about 150 bytes a line, so
#: 4,000,000 lines keep a chunk near 0.6 GB whatever the size of the selection.
#: Smaller chunks save little memory more and cost time: each chunk is one more pass
#: of DuckDB over the wages and the insured periods.
CHUNK_LINES = 4_000_000

#: Lines per row group of the parquet file (as polars' own sink writes them).
ROW_GROUP_LINES = 100_000

Shape = Callable[[pl.DataFrame], pl.DataFrame]


@dataclass(frozen=True)
class PlanInputs:
    """What every chunk of one selection shares: months, rates and the filters.

    Attributes:
        months: The months computed.
        wanted: Only these 险种 codes (None: all).
        groups: ``unit_id, rate_group`` (:func:`rate_groups`).
        rates: The rates of each group and month (:func:`rate_groups`).
        limits: :func:`limits_for` of the months.
        unit_id: Only this unit.
        person_id: Only this person.
        line_types: How many line types (险种 × 缴费人) the rates give.
    """

    months: list[dt.date]
    wanted: list[str] | None
    groups: pl.DataFrame
    rates: pl.DataFrame
    limits: pl.DataFrame
    unit_id: str | None
    person_id: str | None
    line_types: int


def chunk_plan(
    ws: Workspace,
    inputs: PlanInputs,
    persons: store.PersonRange | None,
    *,
    stream: bool,
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Return the lines and the persons without a base of one range of persons (lazy).

    With ``stream`` the wages are read from DuckDB in Arrow batches when the plan
    runs; otherwise they are read now (a chunk's wages are small).
    """
    months = inputs.months
    periods = store.read_periods(ws, months, inputs.unit_id, inputs.person_id, persons)
    if inputs.wanted is not None:
        periods = periods.filter(pl.col("insurance").is_in(inputs.wanted))
    if stream:
        bases = store.stream_bases(ws, months, inputs.unit_id, inputs.person_id, persons)
    else:
        bases = store.read_bases(ws, months, inputs.unit_id, inputs.person_id, persons).lazy()
    lines = compute_lines(
        periods.lazy(), bases, inputs.groups.lazy(), inputs.rates.lazy(), inputs.limits.lazy()
    )
    return lines, missing_bases(insured_months(periods.lazy(), months), bases)


def person_ranges(ws: Workspace, inputs: PlanInputs, chunk_lines: int) -> list[store.PersonRange]:
    """Cut the selection into ranges of persons of about ``chunk_lines`` lines each."""
    if inputs.person_id is not None or not inputs.months:
        return [(None, None)]
    wages = max(chunk_lines // max(inputs.line_types, 1), 1)
    bounds: list[str | None] = list(
        store.person_bounds(ws, inputs.months, inputs.unit_id, None, wages)
    )
    return list(zip([None, *bounds], [*bounds, None], strict=True))


class _Appender:
    """Append frames to one parquet or csv file (one schema, one header)."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path = path
        self.fmt = fmt
        self.parquet: Any = None
        self.csv: Any = None

    def write(self, frame: pl.DataFrame) -> None:
        if self.fmt == ".csv":
            if self.csv is None:
                self.csv = open(self.path, "wb")  # noqa: SIM115 - closed in close()
                frame.write_csv(self.csv)
            else:
                frame.write_csv(self.csv, include_header=False)
            return
        import pyarrow.parquet as pq

        table = frame.to_arrow()
        if self.parquet is None:
            self.parquet = pq.ParquetWriter(self.path, table.schema, compression="zstd")
        self.parquet.write_table(table.cast(self.parquet.schema), ROW_GROUP_LINES)

    def close(self) -> None:
        if self.parquet is not None:
            self.parquet.close()
        if self.csv is not None:
            self.csv.close()


@dataclass(frozen=True)
class Written:
    """What :func:`write_chunked` wrote: lines, distinct persons, Σ amount and the missing."""

    lines: int
    persons: int
    total_fen: int
    missing: pl.DataFrame


def write_chunked(
    ws: Workspace,
    inputs: PlanInputs,
    target: str | Path,
    shape: Shape,
    *,
    chunk_lines: int = CHUNK_LINES,
) -> Written:
    """Write the detail of a selection to one parquet or csv file, a chunk of persons at a time.

    Args:
        ws: The workspace.
        inputs: The selection (:class:`PlanInputs`).
        target: A ``.parquet`` or ``.csv`` file (written atomically).
        shape: Turns a chunk of :data:`DETAIL_COLUMNS` lines into the file's columns.
        chunk_lines: About how many lines a chunk holds (:data:`CHUNK_LINES`).

    Raises:
        UnusableInputError: the file name ends neither in ``.parquet`` nor ``.csv``.
    """
    path = Path(target)
    fmt = path.suffix.lower()
    if fmt not in (".parquet", ".csv"):
        msg = f"不支持的输出格式「{path.suffix}」。提示：流式写出请用 .parquet 或 .csv。"
        raise UnusableInputError(msg)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = persons = total = 0
    missing: list[pl.DataFrame] = [pl.DataFrame(schema=_MISSING_COLUMNS)]
    with _progress.task("正在写出缴费明细") as step, atomic_path(path) as part:
        ranges = person_ranges(ws, inputs, chunk_lines)
        step.total = len(ranges)
        out = _Appender(part, fmt)
        try:
            for persons_range in ranges:
                if inputs.months:
                    plan, lacking = chunk_plan(ws, inputs, persons_range, stream=False)
                    detail, absent = pl.collect_all([plan, lacking])
                else:
                    detail = pl.DataFrame(schema=DETAIL_COLUMNS)
                    absent = pl.DataFrame(schema=_MISSING_COLUMNS)
                lines += detail.height
                persons += detail["person_id"].n_unique() if detail.height else 0
                total += int(detail["amount_fen"].sum() or 0)
                missing.append(absent)
                out.write(shape(detail))
                step.advance()
        finally:
            out.close()
    found = pl.concat(missing).sort("unit_id", "person_id", "month")
    return Written(lines, persons, total, found)
