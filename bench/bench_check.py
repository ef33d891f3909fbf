"""Benchmark: checking a 100,000-row enrolment file (报盘检查), against reading it bare.

Each step runs in its own Python process, started from this small parent, so its wall
time (after imports) and peak RSS are its own (Linux keeps a peak across exec, so the big work never
happens in the parent). The goals (issue 3): ``check`` without a report within 2.5×
the bare read; with the report within 1.5× of bare read + writing the same rows.

The user's path is timed too: ``sbbatch check`` with and without ``--report``, each as
a CLI process (wall time including start-up and imports, CPU time, peak RSS of the
process). Goal (issue 14): with the report ≤ 12 s, or ≤ 2 × without.

Run: ``.venv/bin/python bench/bench_check.py [rows]``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _user_path import compile_package

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000

MAKE = """
import datetime as dt, sys
import polars as pl
from sbbatch.sample import generate
from sbbatch.declarations import get
from sbbatch.io.xlsx import write_template
persons = generate(seed=9, n_persons={rows}, n_units=20).persons
rows = persons.select(
    "person_id", "name", "gender", "birth_date", "phone", "employment_form", "ethnicity",
    "hukou_type", "identity", "hukou_province", "hukou_city", "hukou_county", "hukou_detail",
    "address", pl.lit("111").alias("add_reason"), pl.lit(dt.date(2026, 12, 1)).alias("month"),
    pl.lit("11").alias("person_category"), "work_start_date",
    pl.lit(None, pl.String).alias("handbook_no"), pl.lit(None, pl.String).alias("sub_unit"),
)
# a few problems, as real files have
rows = rows.with_columns(
    pl.when(pl.int_range(pl.len()) % 97 == 0).then(pl.lit("合同工")).otherwise(pl.col("employment_form")).alias("employment_form")
)
write_template(get("enrolment"), sys.argv[1], rows)
rows.write_parquet(sys.argv[2])
"""

STEPS = {
    "bare read (fastexcel, all text)": """
import fastexcel, sys
frame = fastexcel.read_excel(sys.argv[1]).load_sheet(0, dtypes="string").to_polars()
result = {"rows": frame.height}
""",
    "bare read (pl.read_excel calamine)": """
import polars as pl, sys
frame = pl.read_excel(sys.argv[1], engine="calamine", infer_schema_length=0)
result = {"rows": frame.height}
""",
    "check without report": """
import datetime as dt, sys
from sbbatch.batch import check
batch = check(sys.argv[1], "enrolment", today=dt.date(2026, 11, 26))
result = {"rows": batch.rows_read, "rejected": batch.rejected.height, "failures": batch.failures.height}
""",
    "check with report": """
import datetime as dt, sys
from sbbatch.batch import check
from sbbatch.io.xlsx import write_error_report
batch = check(sys.argv[1], "enrolment", today=dt.date(2026, 11, 26))
write_error_report(batch, sys.argv[3])
result = {"rows": batch.rows_read, "rejected": batch.rejected.height}
""",
    "write the same rows (write_frame)": """
import sys, polars as pl
from sbbatch.declarations import get
from sbbatch.io.xlsx import template_frame, write_frame
rows = pl.read_parquet(sys.argv[2])
shown = template_frame(get("enrolment"), rows)
write_frame(shown, sys.argv[3], text_columns=shown.columns)
result = {"rows": shown.height}
""",
}

RUN = """
import json, resource, sys, time
import fastexcel, polars  # imports are not timed: every step pays them once per process
import sbbatch.batch, sbbatch.io.xlsx
started = time.perf_counter()
{body}
result["seconds"] = time.perf_counter() - started
result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
"""


def _run(code: str, *args: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _cli(*args: str) -> dict[str, float]:
    """Run ``sbbatch`` as a process; its wall and CPU seconds and peak RSS."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    sbbatch = str(Path(sys.executable).with_name("sbbatch"))
    subprocess.run([sbbatch, "--quiet", *args], capture_output=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "seconds": time.perf_counter() - started,
        "cpu": cpu,
        "peak_rss_mb": after.ru_maxrss / 1024,
    }


def main() -> None:
    """Make the file, run every step three times, print the medians."""
    compile_package()
    with tempfile.TemporaryDirectory() as folder:
        xlsx = str(Path(folder) / "enrolment.xlsx")
        parquet = str(Path(folder) / "rows.parquet")
        report = str(Path(folder) / "report.xlsx")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", MAKE.format(rows=ROWS), xlsx, parquet], check=True)
        print(f"wrote {ROWS:,} rows in {time.perf_counter() - started:.1f} s")
        results: dict[str, dict[str, float]] = {}
        for name, body in STEPS.items():
            runs = [_run(RUN.format(body=body), xlsx, parquet, report) for _ in range(3)]
            runs.sort(key=lambda r: r["seconds"])
            results[name] = runs[1]
        for name, args in (
            ("CLI: sbbatch check", ["check", xlsx, "--kind", "enrolment", "--format", "json"]),
            (
                "CLI: sbbatch check --report",
                ["check", xlsx, "--kind", "enrolment", "--format", "json", "--report", report],
            ),
        ):
            runs = sorted((_cli(*args) for _ in range(3)), key=lambda r: r["seconds"])
            results[name] = runs[1]
        print(f"\n| step ({ROWS:,} rows) | median s | peak RSS MB |\n|---|---:|---:|")
        for name, result in results.items():
            print(f"| {name} | {result['seconds']:.2f} | {result['peak_rss_mb']:.0f} |")
        bare = results["bare read (fastexcel, all text)"]["seconds"]
        write = results["write the same rows (write_frame)"]["seconds"]
        print(
            f"\ncheck / bare read = {results['check without report']['seconds'] / bare:.2f} (goal ≤ 2.5)"
        )
        print(
            f"check with report / (bare read + write) = "
            f"{results['check with report']['seconds'] / (bare + write):.2f} (goal ≤ 1.5)"
        )
        plain, full = results["CLI: sbbatch check"], results["CLI: sbbatch check --report"]
        print(
            f"CLI check --report: {full['seconds']:.1f} s wall, {full['cpu']:.1f} s CPU "
            f"(goal ≤ 12 s); / check = {full['seconds'] / plain['seconds']:.2f} wall, "
            f"{full['cpu'] / plain['cpu']:.2f} CPU (goal ≤ 2)"
        )


if __name__ == "__main__":
    main()
