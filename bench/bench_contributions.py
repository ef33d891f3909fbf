"""Benchmark: contributions for N persons × 12 months, in polars and in DuckDB SQL.

Not a test. Run ``python bench/bench_contributions.py`` (default 1,000,000 persons in
10,000 units, 12 months of 2026, five insurances each: 养老, 失业, 医疗, 工伤, 大额医疗,
both payers → 8 lines per person and month). It first writes the inputs (parquet files
and a workspace file) in a setup process, then runs every variant in its own process and
reports wall time of the computation, the time to load the inputs, and the peak RSS of
the whole process (``ru_maxrss``: it includes the inputs):

- ``polars-detail``: :func:`sbbatch.contributions.compute_lines`, collected — the full
  person-level detail in memory;
- ``polars-totals``: :func:`sbbatch.contributions.compute_totals`: one row per person
  and month, every line type priced and rounded per person inside the aggregation per
  unit and month (the detail is never materialised);
- ``duckdb-detail``: :func:`sbbatch.contributions.contribution_sql` (detail) stored as a
  temporary DuckDB table (``CREATE TEMP TABLE … AS``);
- ``duckdb-totals``: the same totals in DuckDB SQL (what
  :func:`sbbatch.contributions.unit_totals` runs), fetched into polars.

Every variant prints the grand total in fen; they must agree to the fen.

Options: ``--persons``, ``--units``, ``--dir`` (keep the inputs), ``--repeat``.

``--city`` measures the user's path instead: the synthetic world of
:func:`sbbatch.sample.generate` (``--persons`` persons, 2026-01 to 2026-12) is loaded
into a workspace file, then the CLI runs as separate processes, each timed with its
own CPU time and peak RSS (``os.wait4``): ``sbbatch contributions -o detail.parquet`` (every line,
written a bucket of persons at a time: the peak grows little with ``--persons``), ``contributions --totals -o totals.csv`` (summed in DuckDB) and ``bill``
for one unit and month. ``--limit-gb`` caps the address space of each process
(``ulimit -v``) so that a run cannot take a shared machine down.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
from _user_path import compile_package

MONTHS = [dt.date(2026, m, 1) for m in range(1, 13)]
INSURANCES = ["1", "2", "3", "4", "10"]
VARIANTS = ("polars-detail", "polars-totals", "duckdb-detail", "duckdb-totals")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup(directory: Path, persons: int, units: int) -> dict[str, float]:
    """Write units, periods and wages as parquet and into a workspace file."""
    from sbbatch.store import Workspace

    started = time.perf_counter()
    ids = pl.int_range(0, persons, eager=True)
    people = pl.DataFrame({"n": ids}).select(
        (pl.lit("3701021990") + pl.col("n").cast(pl.String).str.zfill(8)).alias("person_id"),
        (pl.lit("00") + (pl.col("n") % units).cast(pl.String).str.zfill(8)).alias("unit_id"),
        # 2,300 … 59,999 yuan, spread by a multiplicative hash: some under the floor, some over the ceiling
        (230_000 + (pl.col("n") * 2_654_435_761 % 5_770_000)).alias("wage0"),
    )
    unit_frame = pl.DataFrame({"k": pl.int_range(0, units, eager=True)}).select(
        (pl.lit("00") + pl.col("k").cast(pl.String).str.zfill(8)).alias("unit_id"),
        (pl.lit("单位") + pl.col("k").cast(pl.String)).alias("name"),
        (pl.col("k") % 8 + 1).cast(pl.Int32).alias("risk_class"),
        pl.when(pl.col("k") % 50 == 0).then(pl.lit("0.0016")).otherwise(None).alias("injury_rate"),
        pl.lit("2").alias("payment_method"),
    )
    periods = (
        people.select("unit_id", "person_id")
        .join(pl.DataFrame({"insurance": INSURANCES}), how="cross")
        .with_columns(
            pl.lit("11").alias("person_category"),
            pl.lit(MONTHS[0]).alias("from_month"),
            pl.lit(None, pl.Date).alias("until_month"),
        )
    )
    bases = people.join(pl.DataFrame({"month": MONTHS}), how="cross").select(
        "unit_id",
        "person_id",
        "month",
        (pl.col("wage0") + pl.col("month").dt.month() * 1_000).alias("wage_fen"),
    )
    unit_frame.write_parquet(directory / "units.parquet")
    periods.write_parquet(directory / "periods.parquet")
    bases.write_parquet(directory / "bases.parquet")
    written = time.perf_counter() - started
    with Workspace(directory / "ws.duckdb", today=dt.date(2026, 12, 31), create=True) as ws:
        ws.load(units=unit_frame, insured_periods=periods, wage_bases=bases)
    return {
        "generate_and_write_s": round(written, 2),
        "load_workspace_s": round(time.perf_counter() - started - written, 2),
        "periods": periods.height,
        "wage_rows": bases.height,
    }


def run_variant(variant: str, directory: Path) -> dict[str, object]:
    """Run one variant in this process and return its figures."""
    from sbbatch import contributions as c

    started = time.perf_counter()
    if variant.startswith("polars"):
        units = pl.read_parquet(directory / "units.parquet")
        periods = pl.read_parquet(directory / "periods.parquet")
        bases = pl.read_parquet(directory / "bases.parquet")
        groups, rates = c.rate_groups(units, MONTHS)
        limits = c.limits_for(MONTHS)
        loaded = time.perf_counter()
        if variant == "polars-detail":
            plan = c.compute_lines(
                periods.lazy(), bases.lazy(), groups.lazy(), rates.lazy(), limits.lazy()
            )
            detail = plan.collect()
            rows, total = detail.height, int(detail["amount_fen"].sum())
        else:
            totals = c.compute_totals(
                periods.lazy(), bases.lazy(), groups.lazy(), rates, limits.lazy()
            )
            rows, total = totals.height, int(totals["amount_fen"].sum())
    else:
        from sbbatch.store import Workspace

        ws = Workspace(directory / "ws.duckdb", today=dt.date(2026, 12, 31))
        if variant == "duckdb-detail":
            inputs = c.sql_inputs(ws, MONTHS)
            loaded = time.perf_counter()
            where, base_where, params = c.sql_filters(None, MONTHS)
            query = c.contribution_sql(detail=True, where=where, base_where=base_where)
            with ws.registered(**inputs):
                ws.execute(f"CREATE TEMP TABLE detail AS {query}", params)
            found = ws.sql("SELECT count(*) AS n, sum(amount_fen)::BIGINT AS s FROM detail")
        else:
            loaded = time.perf_counter()
            totals = c.unit_totals(ws, months=MONTHS)
            found = totals.select(pl.len().alias("n"), pl.col("amount_fen").sum().alias("s"))
        rows, total = int(found["n"][0]), int(found["s"][0])
        ws.close()
    finished = time.perf_counter()
    return {
        "variant": variant,
        "load_s": round(loaded - started, 2),
        "compute_s": round(finished - loaded, 2),
        "rows": rows,
        "total_fen": total,
        "peak_rss_mb": round(_peak_mb()),
    }


CITY_TODAY = "2026-12-31"


def _run_measured(command: list[str], limit_gb: float | None) -> dict[str, object]:
    """Run a command as its own process: wall time, its own peak RSS (MiB) and exit code."""

    def cap() -> None:
        if limit_gb:
            size = int(limit_gb * 1024**3)
            resource.setrlimit(resource.RLIMIT_AS, (size, size))

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, preexec_fn=cap, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        lines = out.read().strip().splitlines()
        problem = err.read().strip()
    return {
        "wall_s": round(wall, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "code": process.returncode,
        "out": " | ".join(lines[-2:])[:300],
        "err": problem[-300:] if process.returncode else "",
    }


def city_setup(
    directory: Path, persons: int, units: int, limit_gb: float | None
) -> dict[str, object]:
    """Generate the synthetic world and load it into ``directory / "city.duckdb"`` (own process)."""
    code = (
        "import datetime as dt, sys, json, time, resource; "
        "from sbbatch.sample import generate; from sbbatch.store import Workspace; "
        "t = time.perf_counter(); "
        "w = generate(n_persons=int(sys.argv[2]), n_units=int(sys.argv[3]), "
        "first_month=dt.date(2026, 1, 1), last_month=dt.date(2026, 12, 1)); "
        "g = time.perf_counter() - t; "
        "ws = Workspace(sys.argv[1], today=dt.date(2026, 12, 31), create=True); "
        "n = w.load_into(ws); ws.close(); "
        "print(json.dumps({'generate_s': round(g, 1), 'load_s': round(time.perf_counter() - t - g, 1), "
        "'rows': n}))"
    )
    return _run_measured(
        [sys.executable, "-c", code, str(directory / "city.duckdb"), str(persons), str(units)],
        limit_gb,
    )


#: The month the bench bills (the last month of the world).
BILL_MONTH = "2026-12-01"


def _a_billed_unit(database: Path) -> str:
    """Return the biggest unit that really has fees to bill for :data:`BILL_MONTH`.

    What ``sbbatch bill`` needs, asked of the workspace: the unit pays by bill (not
    bank deduction, ``payment_method`` 1), someone's insured period is open in the
    month, every person insured then has a wage in force (otherwise the bill is
    refused for the persons without a base), and none of the month's fees is on a
    bill (not abandoned) or in a back-payment yet. ``bill`` writes its bill into the
    workspace, so a second run on the same workspace takes the next unit.
    """
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        con.execute("SET enable_progress_bar = false")
        found = con.execute(
            """
            WITH insured AS (
                SELECT DISTINCT p.unit_id, p.person_id FROM insured_periods p
                WHERE p.from_month <= $month AND (p.until_month IS NULL OR p.until_month > $month)
            ), waged AS (
                SELECT DISTINCT w.unit_id, w.person_id FROM wage_bases w
                WHERE w.month = $month AND w.revoked_by IS NULL
            ), lacking AS (
                SELECT i.unit_id FROM insured i ANTI JOIN waged w USING (unit_id, person_id)
            ), taken AS (
                SELECT l.unit_id FROM bill_lines l JOIN bills b USING (bill_id)
                WHERE l.month = $month AND b.status <> 'abandoned'
                UNION SELECT unit_id FROM backpay_items WHERE month = $month
            )
            SELECT i.unit_id FROM insured i JOIN units u USING (unit_id)
            WHERE u.payment_method <> '1'
              AND i.unit_id NOT IN (SELECT unit_id FROM lacking)
              AND i.unit_id NOT IN (SELECT unit_id FROM taken)
            GROUP BY i.unit_id ORDER BY count(*) DESC, i.unit_id LIMIT 1
            """,
            {"month": dt.date.fromisoformat(BILL_MONTH)},
        ).fetchall()
    if not found:
        msg = f"no unit of {database} has fees left to bill for {BILL_MONTH[:7]}"
        raise SystemExit(msg)
    return str(found[0][0])


def city(directory: Path, persons: int, units: int, limit_gb: float | None) -> None:
    """The user's path at city scale: CLI processes on a workspace of the synthetic world."""
    sbbatch = str(Path(sys.executable).with_name("sbbatch"))
    database = directory / "city.duckdb"
    print(f"load average before: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if not database.exists():
        made = city_setup(directory, persons, units, limit_gb)
        print(f"world: {persons:,} persons, {units:,} units, 2026-01 to 2026-12 -> {made}")
    steps = {
        "contributions -o detail.parquet": [
            "contributions",
            "-o",
            str(directory / "detail.parquet"),
        ],
        "contributions --totals -o totals.csv": [
            "contributions",
            "--totals",
            "-o",
            str(directory / "totals.csv"),
        ],
        "bill (one unit, 2026-12)": [
            "bill",
            "--unit",
            _a_billed_unit(database),
            "--month",
            BILL_MONTH[:7],
        ],
    }
    for name, arguments in steps.items():
        command = [sbbatch, "--db", str(database), *arguments, "--today", CITY_TODAY]
        print(f"{name:40} {_run_measured(command, limit_gb)}")
    print(f"load average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


def main() -> None:
    compile_package()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--dir", help="keep the inputs here (default: a temporary folder)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per variant (the median is reported)"
    )
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--city", action="store_true", help="the CLI on the synthetic world")
    parser.add_argument("--limit-gb", type=float, help="address-space cap of each process")
    parser.add_argument("--only", nargs="*", choices=VARIANTS, help="run only these variants")
    args = parser.parse_args()

    if args.variant:
        print(json.dumps(run_variant(args.variant, Path(args.dir))))
        return
    if args.city:
        folder = Path(args.dir or tempfile.mkdtemp(prefix="sbbatch-city-"))
        folder.mkdir(parents=True, exist_ok=True)
        city(folder, args.persons, args.units, args.limit_gb)
        return

    directory = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="sbbatch-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    try:
        if not (directory / "ws.duckdb").exists():
            command = [
                sys.executable,
                "-c",
                "import sys, json; sys.path.insert(0, sys.argv[1]); "
                "import bench_contributions as b; from pathlib import Path; "
                "print(json.dumps(b.setup(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))))",
                str(Path(__file__).parent),
                str(directory),
                str(args.persons),
                str(args.units),
            ]
            done = subprocess.run(command, check=True, capture_output=True, text=True)
            prepared = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"setup: {args.persons:,} persons, {args.units:,} units, 12 months -> {prepared}")
        import duckdb

        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, polars {pl.__version__}, "
            f"duckdb {duckdb.__version__}; load average before: {load}"
        )
        print(
            f"{'variant':15} {'load s':>7} {'compute s':>10} {'peak RSS MB':>12} {'rows':>12} {'total (fen)':>16}"
        )
        totals = set()
        for variant in args.only or VARIANTS:
            runs = []
            for _ in range(args.repeat):
                done = subprocess.run(
                    [sys.executable, __file__, "--variant", variant, "--dir", str(directory)],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            runs.sort(key=lambda r: r["compute_s"])
            r = runs[len(runs) // 2]
            totals.add(r["total_fen"])
            print(
                f"{variant:15} {r['load_s']:>7} {r['compute_s']:>10} {r['peak_rss_mb']:>12,} {r['rows']:>12,} {r['total_fen']:>16,}"
                + (
                    f"   (runs: {', '.join(str(x['compute_s']) for x in runs)})"
                    if len(runs) > 1
                    else ""
                )
            )
        print(
            "all variants agree to the fen"
            if len(totals) == 1
            else f"VARIANTS DISAGREE: {sorted(totals)}"
        )
        print("load average after: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    finally:
        if not args.dir:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
