"""The detail of a big selection written to one file, a bucket of persons at a time.

Part of :mod:`sbbatch.contributions`. A city's detail (60 million lines and more) does
not fit in memory, and a single plan over it still holds every insured period, the
join's build side and the expansion of the periods into months at once, so its peak
grows with the city. Here the persons are spread over buckets (a hash of the 社会保障号码,
as many buckets as :data:`CHUNK_LINES` lines require): one pass of DuckDB over the
periods and one over the wages write each bucket's rows to a temporary Arrow file
beside the output (:func:`sbbatch.store.contributions.split_inputs`; a second thread
cuts and writes a batch while DuckDB makes the next), then each bucket is read,
computed and appended to the one output file by polars' own streaming writer, which
asks for bucket k+1 while it still encodes bucket k. Measured at 1,000,000 persons
(64.8 M lines, 33 buckets, CPU seconds): the split ~10 (DuckDB's query ~5.5), reading
and computing the buckets ~15, shaping and encoding the parquet ~16.
The lines, persons, total and the persons without a base are added up bucket by
bucket — the file is never read back. A person lies in one bucket only, so the
buckets' distinct persons add up. Memory holds one bucket, whatever the city.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import suppress
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

#: Lines one bucket of persons makes (about). A bucket's lines are collected in
#: memory — ~55 bytes a line in the plan's compact columns, with the bucket's periods,
#: wages and the join's intermediates about 150 bytes a line — so 2,000,000 lines keep
#: a bucket near 0.3 GB whatever the size of the selection, while polars' writer
#: shapes and compresses the previous one. Smaller buckets save little memory more and
#: cost time (more, smaller joins and temporary files).
CHUNK_LINES = 2_000_000

_KEYS: dict[str, pl.DataType] = {"unit_id": pl.Categorical(), "person_id": pl.Categorical()}

#: A function that turns lines of :data:`DETAIL_COLUMNS` into the file's columns.
Shape = Callable[[pl.LazyFrame], pl.LazyFrame]


@dataclass(frozen=True)
class PlanInputs:
    """What every bucket of one selection shares: months, rates and the filters.

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


def plan_of(
    inputs: PlanInputs, periods: pl.DataFrame, bases: pl.LazyFrame
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Return the lines and the persons without a base of these periods and wages (lazy)."""
    if inputs.wanted is not None:
        periods = periods.filter(pl.col("insurance").is_in(inputs.wanted))
    lines = compute_lines(
        periods.lazy(), bases, inputs.groups.lazy(), inputs.rates.lazy(), inputs.limits.lazy()
    )
    return lines, missing_of(periods.lazy(), bases, inputs.months)


def missing_of(periods: pl.LazyFrame, bases: pl.LazyFrame, months: list[dt.date]) -> pl.LazyFrame:
    """Return :func:`missing_bases` of the periods, expanding spells instead of periods.

    The periods of one unit, person and window (one per 险种) are folded into a spell
    with the list of its 险种 first, so the expansion into months and the anti-join
    with the wages run on about a third of the rows; only the months without a wage
    are then spread back into one row per 险种.
    """
    keys = ["unit_id", "person_id", "month"]
    spells = periods.group_by("unit_id", "person_id", "from_month", "until_month").agg(
        pl.col("insurance")
    )
    gaps = insured_months(spells, months).join(bases.select(keys), on=keys, how="anti")
    return missing_bases(gaps.explode("insurance"), bases)


def chunk_plan(
    ws: Workspace, inputs: PlanInputs, *, stream: bool
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Return the lines and the persons without a base of the whole selection (lazy).

    With ``stream`` the wages are read from DuckDB in Arrow batches when the plan
    runs; otherwise they are read now.
    """
    months = inputs.months
    periods = store.read_periods(ws, months, inputs.unit_id, inputs.person_id)
    if stream:
        bases = store.stream_bases(ws, months, inputs.unit_id, inputs.person_id)
    else:
        bases = store.read_bases(ws, months, inputs.unit_id, inputs.person_id).lazy()
    return plan_of(inputs, periods, bases)


def bucket_count(ws: Workspace, inputs: PlanInputs, chunk_lines: int) -> int:
    """Return how many buckets of persons keep each near ``chunk_lines`` lines (1: no split)."""
    if inputs.person_id is not None or not inputs.months:
        return 1
    wages = store.count_wages(ws, inputs.months, inputs.unit_id, None)
    return max(1, math.ceil(wages * max(inputs.line_types, 1) / max(chunk_lines, 1)))


def _split(parts: Iterator[tuple[str, pl.DataFrame]], folder: Path) -> None:
    """Append each frame's rows to the Arrow file of their table and bucket in ``folder``.

    The frames are cut and written by a second thread while this one fetches the next
    batch from DuckDB (both release the GIL), so on two cores the cutting and the
    writing no longer wait for the query, nor the query for them. At most one batch
    waits to be written; the files of one table are written by that thread alone, in
    the order the batches come, so a bucket's file is the same as written in line.
    """
    import pyarrow as pa

    writers: dict[Any, Any] = {}
    current = [""]
    # lz4: a quarter of the disk (measured at 200,000 persons: 38 MB instead of 156 MB;
    # a city of 6 million ~1.2 GB instead of ~4.7 GB) for ~3% more CPU
    options = pa.ipc.IpcWriteOptions(compression="lz4")

    def close() -> None:
        while writers:
            writers.popitem()[1].close()

    def write(name: str, frame: pl.DataFrame) -> None:
        if name != current[0]:
            close()  # one table's files open at a time
            current[0] = name
        for (bucket,), part in frame.partition_by(
            "bucket", as_dict=True, include_key=False
        ).items():
            table = part.to_arrow()
            writer = writers.get(bucket)
            if writer is None:
                writer = pa.ipc.new_stream(
                    str(folder / f"{name}-{bucket}.arrows"), table.schema, options=options
                )
                writers[bucket] = writer
            writer.write_table(table)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sbbatch-split") as pool:
        pending: Future[None] | None = None
        try:
            for name, frame in parts:
                if pending is not None:
                    pending.result()  # a failure of the writer stops the fetching
                pending = pool.submit(write, name, frame)
            if pending is not None:
                pending.result()
        except BaseException:
            # the first failure is the one to report: the files are being given up, so
            # an error while closing them (the same full disk, say) must not replace it
            if pending is not None:
                wait([pending])
            with suppress(Exception):
                pool.submit(close).result()
            raise
        pool.submit(close).result()


def _read(folder: Path, name: str, bucket: int, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    path = folder / f"{name}-{bucket}.arrows"
    if not path.exists():
        return pl.DataFrame(schema=schema)
    return pl.read_ipc_stream(path).cast(schema)  # type: ignore[arg-type]


def _buckets(
    ws: Workspace, inputs: PlanInputs, buckets: int, folder: Path
) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """Yield the lines and the persons without a base of each bucket, collected."""
    if not inputs.months:
        yield pl.DataFrame(schema=DETAIL_COLUMNS), pl.DataFrame(schema=_MISSING_COLUMNS)
        return
    if buckets == 1:
        yield tuple(pl.collect_all(chunk_plan(ws, inputs, stream=False)))  # type: ignore[misc]
        return
    _split(store.split_inputs(ws, inputs.months, inputs.unit_id, None, buckets), folder)
    for bucket in range(buckets):
        # the keys as categoricals once: the joins of the lines and of the missing
        # then compare integers, and the engine's own casts are no-ops
        periods = _read(folder, "periods", bucket, {**store.PERIODS_COLUMNS, **_KEYS})
        bases = _read(folder, "bases", bucket, {**store.BASES_COLUMNS, **_KEYS})
        lines, missing = plan_of(inputs, periods, bases.lazy())
        detail, absent = pl.collect_all([lines, missing])
        yield detail, absent


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
    """Write the detail of a selection to one parquet or csv file, a bucket of persons at a time.

    Args:
        ws: The workspace.
        inputs: The selection (:class:`PlanInputs`).
        target: A ``.parquet`` or ``.csv`` file (written atomically).
        shape: Turns lines of :data:`DETAIL_COLUMNS` into the file's columns.
        chunk_lines: About how many lines a bucket holds (:data:`CHUNK_LINES`).

    Raises:
        UnusableInputError: the file name ends neither in ``.parquet`` nor ``.csv``.
    """
    path, _ = output_file(target)  # refused before any work
    counted = {"lines": 0, "persons": 0, "total": 0}
    missing: list[pl.DataFrame] = [pl.DataFrame(schema=_MISSING_COLUMNS)]
    with (
        _progress.task("正在写出缴费明细") as step,
        tempfile.TemporaryDirectory(prefix=".sbbatch-buckets-", dir=path.parent) as folder,
    ):
        buckets = bucket_count(ws, inputs, chunk_lines)
        step.total = buckets

        def chunks() -> Iterator[pl.DataFrame]:
            for detail, absent in _buckets(ws, inputs, buckets, Path(folder)):
                counted["lines"] += detail.height
                counted["persons"] += detail["person_id"].n_unique() if detail.height else 0
                counted["total"] += int(detail["amount_fen"].sum() or 0)
                missing.append(absent)
                step.advance()
                yield detail

        # polars' own writer streams the buckets to the one file as they come (the
        # shaping runs in its streaming engine): one bucket in memory at a time
        write_lines(shape(_source(chunks)), path)
    found = pl.concat(missing).sort("unit_id", "person_id", "month")
    return Written(counted["lines"], counted["persons"], counted["total"], found)


def output_file(target: str | Path) -> tuple[Path, str]:
    """Return the file to stream to and its format (``.parquet`` or ``.csv``); make its folder.

    Raises:
        UnusableInputError: the file name ends neither in ``.parquet`` nor ``.csv``.
    """
    path = Path(target)
    fmt = path.suffix.lower()
    if fmt not in (".parquet", ".csv"):
        msg = f"不支持的输出格式「{path.suffix}」。提示：流式写出请用 .parquet 或 .csv。"
        raise UnusableInputError(msg)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path, fmt


def write_lines(lines: pl.LazyFrame, target: str | Path) -> Path:
    """Stream a lazy plan to a parquet or csv file (atomic), never holding it in memory.

    Raises:
        UnusableInputError: the file name ends neither in ``.parquet`` nor ``.csv``.
    """
    path, fmt = output_file(target)
    with atomic_path(path) as part:
        if fmt == ".parquet":
            lines.sink_parquet(part, engine="streaming")
        else:
            lines.sink_csv(part, engine="streaming")
    return path


def _source(chunks: Callable[[], Iterator[pl.DataFrame]]) -> pl.LazyFrame:
    """A lazy frame of :data:`DETAIL_COLUMNS` whose batches are the chunks, made when it runs."""
    return store.io_source(chunks, DETAIL_COLUMNS)
