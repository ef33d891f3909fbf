"""Benchmark: the agency's review (审核) of a 100,000-row 增员申报 against 1,000,000 persons.

Builds a workspace file from ``sbbatch.sample.generate(n_persons=1_000_000, n_units=200)``
(units, persons and insured periods; the wage bases are not needed by the review), then
declares 100,000 enrolment rows for one unit — 90% new persons (valid ID numbers made
vectorised), 10% persons the registry knows (some insured in another unit, so rejected,
some who left, so approved and their record updated) — submits it and times
:func:`sbbatch.review.review`: the rules against the registry, the outcome of every row
and the effects (new persons, new insured periods), all in one transaction.

Printed: the time of each preparation step, the wall time of the review step and of its
parts (the look-ups and rules alone via :func:`~sbbatch.review.review_failures`, run
once before), the rows approved/rejected, the RSS before the review and the
peak RSS sampled during it, and the process's peak RSS.

Run: ``.venv/bin/python bench/bench_review.py [rows] [persons] [units]``; with
``SBBATCH_PROFILE=1`` the review step is profiled (cProfile, cumulative). Not a test.

``--cli`` measures the user's path instead: the same registry and rows, the rows
written as an enrolment file (增员报盘, csv with the Chinese headers), then
``sbbatch declare``, ``submit``, ``review`` and ``result -o`` run as separate
processes, each with its wall time, CPU seconds and its own peak RSS. ``--dir DIR`` keeps
the registry and the file in ``DIR`` and reuses them (each run declares into a fresh
copy, so runs start equal; the result file stays as ``DIR/结果.xlsx`` to compare runs);
``SBBATCH_CLI_PROFILE=1`` runs each command under cProfile (``DIR/<command>.prof``).
"""

from __future__ import annotations

import cProfile
import datetime as dt
import os
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import polars as pl

from sbbatch import ids
from sbbatch.declarations._registry_review import accepted_month
from sbbatch.review import review, review_failures
from sbbatch.sample import generate
from sbbatch.store import Workspace

TODAY = dt.date(2026, 11, 26)
_PAGE = 4096


def _rss_mib() -> float:
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * _PAGE / 2**20


class _PeakRss:
    """Sample the resident set size every 20 ms while the block runs."""

    def __enter__(self) -> _PeakRss:
        self.peak = _rss_mib()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss_mib())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mib())


def _new_persons(count: int) -> pl.DataFrame:
    """``count`` valid, distinct ID numbers of working-age persons not in the sample world."""
    number = pl.int_range(count, dtype=pl.Int64)
    born = pl.date(1978, 1, 1) + pl.duration(days=(number * 7919) % 9_000)
    first17 = pl.concat_str(
        pl.lit("370181"),  # 章丘: a region code the sample world does not draw
        born.dt.strftime("%Y%m%d"),
        (number // 9_000).cast(pl.String).str.zfill(3),
    )
    frame = pl.select(first17.alias("first17"), born.alias("birth_date"))
    frame = frame.with_columns(
        (pl.col("first17") + ids.check_char(pl.col("first17"))).alias("person_id")
    ).unique("person_id", keep="first")
    given = pl.Series(list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"))
    index = pl.int_range(pl.len())
    return frame.select(
        "person_id",
        pl.concat_str(
            pl.lit("测"),
            pl.lit(given).gather(index % given.len()),
            pl.lit(given).gather(index // given.len() % given.len()),
        ).alias("name"),
        ids.gender(pl.col("person_id")).alias("gender"),
        "birth_date",
    )


def _rows(ws: Workspace, unit_id: str, n_rows: int, month: dt.date) -> pl.DataFrame:
    known_count = n_rows // 10
    known = ws.sql(
        "SELECT person_id, name, gender, birth_date FROM persons "
        "WHERE person_id IN (SELECT person_id FROM insured_periods WHERE unit_id <> $unit) "
        "AND birth_date > DATE '1975-01-01' ORDER BY hash(person_id) LIMIT $n",
        {"unit": unit_id, "n": known_count},
    )
    fresh = _new_persons(n_rows - known.height + 1_000).head(n_rows - known.height)
    rows = pl.concat([fresh, known], how="vertical_relaxed")
    return rows.select(
        "person_id",
        "name",
        "gender",
        "birth_date",
        pl.lit("2").alias("employment_form"),
        pl.lit("111").alias("add_reason"),
        pl.lit(month).alias("month"),
        pl.lit("11").alias("person_category"),
        pl.lit("1").alias("identity"),
        pl.lit("13800000000").alias("phone"),
    )


def main(n_rows: int = 100_000, n_persons: int = 1_000_000, n_units: int = 200) -> None:
    """Prepare the registry and the declaration, then time the review."""
    folder = Path(tempfile.mkdtemp(prefix="sbbatch-bench-"))
    started = time.perf_counter()
    world = generate(n_persons=n_persons, n_units=n_units)
    print(f"generate: {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    ws = Workspace(folder / "bench.duckdb", today=TODAY, create=True)
    ws.load(units=world.units, persons=world.persons, insured_periods=world.insured_periods)
    unit_id = str(world.units["unit_id"][0])
    print(
        f"load: {time.perf_counter() - started:.1f} s "
        f"({world.persons.height:,} persons, {world.insured_periods.height:,} insured periods)"
    )
    del world

    started = time.perf_counter()
    month = accepted_month(ws, "enrolment")
    rows = _rows(ws, unit_id, n_rows, month)
    declaration_id = ws.create_declaration("enrolment", unit_id, rows)
    ws.submit(declaration_id)
    print(f"declare: {time.perf_counter() - started:.1f} s ({rows.height:,} rows)")

    started = time.perf_counter()
    failures = review_failures(ws, declaration_id)  # what the review finds, nothing recorded
    rules_only = time.perf_counter() - started

    rss_before = _rss_mib()
    profile = cProfile.Profile() if os.environ.get("SBBATCH_PROFILE") else None
    with _PeakRss() as peak:
        started = time.perf_counter()
        if profile is not None:
            profile.enable()
        table = review(ws, declaration_id)
        if profile is not None:
            profile.disable()
        elapsed = time.perf_counter() - started
    approved = int((table["review_result"] == "审核成功").sum())
    periods = ws.sql(
        "SELECT count(*) AS n FROM insured_periods WHERE opened_by = ?", [declaration_id]
    )
    by_rule = failures.group_by("rule").len().sort("len", descending=True)

    print(f"\nreview of {rows.height:,} rows against {n_persons:,} persons ({n_units} units)")
    print(f"  look-ups + rules only (review_failures): {rules_only:6.2f} s")
    print(f"  review step (rules, outcome, effects):   {elapsed:6.2f} s")
    print(f"  approved {approved:,}, rejected {table.height - approved:,}")
    print(f"  insured periods opened: {periods['n'][0]:,}")
    print("  failures by rule: " + ", ".join(f"{r} {n:,}" for r, n in by_rule.iter_rows()))
    print(f"  RSS before review: {rss_before:,.0f} MiB; peak during review: {peak.peak:,.0f} MiB")
    print(
        f"  process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB"
    )
    ws.close()
    shutil.rmtree(folder, ignore_errors=True)
    if profile is not None:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


def _build_cli_world(folder: Path, n_rows: int, n_persons: int, n_units: int) -> str:
    """Write ``folder/base.duckdb`` (the registry) and ``folder/增员.csv``; the unit's ID."""
    from sbbatch.declarations import get
    from sbbatch.io.xlsx import template_frame

    world = generate(n_persons=n_persons, n_units=n_units)
    ws = Workspace(folder / "base.duckdb", today=TODAY, create=True)
    ws.load(units=world.units, persons=world.persons, insured_periods=world.insured_periods)
    unit_id = str(world.units["unit_id"][0])
    del world
    rows = _rows(ws, unit_id, n_rows, accepted_month(ws, "enrolment"))
    ws.close()
    template_frame(get("enrolment"), rows).write_csv(folder / "增员.csv")
    (folder / "unit.txt").write_text(f"{unit_id}\n{n_rows} {n_persons} {n_units}\n")
    return unit_id


def main_cli(
    n_rows: int = 100_000,
    n_persons: int = 1_000_000,
    n_units: int = 200,
    keep: Path | None = None,
) -> None:
    """The user's path: declare, submit, review and result as CLI processes.

    With ``keep`` (``--dir DIR``) the registry and the enrolment file are built once in
    ``DIR`` and reused by later runs of the same sizes; each run declares into a fresh copy
    of the registry, so runs start equal, and leaves its result file as ``DIR/结果.xlsx``.
    With ``SBBATCH_CLI_PROFILE=1`` each command runs under cProfile (``DIR/<command>.prof``;
    the figures then include the profiler's overhead).
    """
    import re

    from _user_path import compile_package
    from bench_contributions import _run_measured

    compile_package()

    folder = keep or Path(tempfile.mkdtemp(prefix="sbbatch-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / "unit.txt"
    sizes = f"{n_rows} {n_persons} {n_units}"
    if marker.exists() and marker.read_text().splitlines()[1:] == [sizes]:
        unit_id = marker.read_text().splitlines()[0]
        print(f"reusing the registry and the file in {folder}")
    else:
        # Built by a child process: a forked command inherits its parent's peak RSS on Linux
        # (the kernel keeps the pre-exec high-water mark), so a parent that had built a
        # 1 M-person world in memory made `declare` look 2 GB large.
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--build", str(folder), *sizes.split()], check=True
        )
        unit_id = marker.read_text().splitlines()[0]
        print(f"built the registry and the file in {folder}: {time.perf_counter() - started:.0f} s")
    database = folder / "bench.duckdb"
    database.unlink(missing_ok=True)
    Path(f"{database}.wal").unlink(missing_ok=True)
    shutil.copyfile(folder / "base.duckdb", database)
    upload = folder / "增员.csv"
    profiling = bool(os.environ.get("SBBATCH_CLI_PROFILE"))
    sbbatch = str(Path(sys.executable).with_name("sbbatch"))

    def command(name: str, arguments: list[str]) -> list[str]:
        head = [sbbatch]
        if profiling:  # the console script is a Python file cProfile can run
            head = [
                sys.executable,
                "-m",
                "cProfile",
                "-o",
                str(folder / f"{name[:7]}.prof"),
                sbbatch,
            ]
        return [*head, "--db", str(database), *arguments]

    today = ["--today", TODAY.isoformat()]
    print(f"{n_rows:,} enrolment rows against {n_persons:,} persons ({n_units} units)")
    print("load average before: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    declared = _run_measured(
        command(
            "declare",
            [
                "declare",
                str(upload),
                "--unit",
                unit_id,
                "--kind",
                "enrolment",
                "--accepted-only",  # the synthetic rows include a few the check refuses
                *today,
            ],
        ),
        None,
    )
    print(f"{'declare':10} {declared}")
    found = re.search(r"已录入\S*? (\S+)，", str(declared["out"]))
    if found:
        declaration_id = found.group(1)
        for name, arguments in (
            ("submit", ["submit", declaration_id]),
            ("review", ["review", declaration_id]),
            ("result -o", ["result", declaration_id, "-o", str(folder / "结果.xlsx")]),
        ):
            print(f"{name:10} {_run_measured(command(name, [*arguments, *today]), None)}")
    print("load average after: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    if keep is None:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if arguments[:1] == ["--build"]:  # the child process of main_cli that builds the world
        _build_cli_world(Path(arguments[1]), *(int(arg) for arg in arguments[2:5]))
        sys.exit(0)
    kept = None
    if "--dir" in arguments:
        at = arguments.index("--dir")
        kept = Path(arguments[at + 1])
        del arguments[at : at + 2]
    numbers = [int(arg) for arg in arguments if arg != "--cli"]
    if "--cli" in arguments:
        defaults = (100_000, 1_000_000, 200)  # main_cli's own defaults, for missing sizes
        rows, persons, units = [*numbers, *defaults[len(numbers) :]][:3]
        main_cli(rows, persons, units, keep=kept)
    else:
        main(*numbers)
