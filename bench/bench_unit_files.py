"""Benchmark: a 100,000-person unit on the user's path — load, roster, reconcile (issue 11).

Every step is the ``sbbatch`` command as a user runs it, in its own process; the wall
time includes starting Python and importing sbbatch, and the peak RSS is the child's.
Goals: ``load persons`` of 100,000 persons ≤ 3 × the bare read of the same file;
``roster`` of a 100,000-row roster against a 100,000-person workspace ≤ 5 s (the
comparison, measured inside the command; the command's wall time is printed too);
``reconcile`` of 1,000,000 agency detail lines ≤ 10 s.

Run: ``.venv/bin/python bench/bench_unit_files.py [persons]``.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PERSONS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
SBBATCH = str(Path(sys.executable).with_name("sbbatch"))

MAKE = """
import datetime as dt, sys
from pathlib import Path
import polars as pl
from sbbatch import codes
from sbbatch.sample import generate
from sbbatch.io.xlsx import write_frame
from sbbatch.reconcile import own_lines
from sbbatch.store import Workspace
out = Path(sys.argv[1])
world = generate(seed=11, n_persons={persons}, n_units=1, first_month=dt.date(2026, 1, 1))
unit = world.units.row(0, named=True)
write_frame(pl.DataFrame({{"单位编号": [unit["unit_id"]], "单位名称": [unit["name"]],
    "行业风险类别": [str(unit["risk_class"])], "缴费方式": ["银行代扣"]}}), out / "unit.xlsx")
spells = world.insured_periods.filter(pl.col("insurance") == "1")
persons = spells.join(world.persons, on="person_id").select(
    pl.col("person_id").alias("社会保障号码"), pl.col("name").alias("姓名"),
    codes.to_label(pl.col("person_category"), "person_category").alias("人员类别"),
    pl.col("from_month").dt.strftime("%Y-%m").alias("参保年月"),
    pl.col("until_month").dt.strftime("%Y-%m").alias("减员年月"),
    codes.to_label(pl.col("leave_reason"), "leave_reason").alias("减员原因"),
).unique("社会保障号码", keep="last")
write_frame(persons, out / "persons.xlsx", text_columns=persons.columns)
wages = world.wage_bases.filter(pl.col("month").is_between(dt.date(2026, 9, 1), dt.date(2026, 10, 1)))
wages.select(pl.col("person_id").alias("社会保障号码"), pl.col("month").dt.strftime("%Y-%m").alias("申报年月"),
    (pl.col("wage_fen") / 100).cast(pl.Decimal(18, 2)).cast(pl.String).alias("缴费工资")
).write_parquet(out / "wages.parquet")
active = spells.filter(pl.col("until_month").is_null()).join(world.persons, on="person_id")
roster = active.select(pl.col("person_id").alias("身份证号码"), pl.col("name").alias("姓名"),
    pl.col("from_month").dt.strftime("%Y-%m-%d").alias("入职日期"),
    pl.when(pl.int_range(pl.len()) % 50 == 0).then(pl.lit("2026-10-31")).alias("离职日期"),
    pl.lit("城镇制").alias("人员类别"), pl.lit("城镇合同制职工").alias("用工形式"))
write_frame(roster, out / "roster.xlsx", text_columns=roster.columns)
ws = Workspace(today=dt.date(2026, 11, 20)); world.load_into(ws)
months = [dt.date(2026, 9, 1), dt.date(2026, 10, 1)]
lines = own_lines(ws, unit["unit_id"], months)
lines.select(pl.col("person_id").alias("社会保障号码"), pl.col("month").dt.strftime("%Y-%m").alias("费款所属期"),
    pl.col("insurance").alias("险种"),
    (pl.col("ours_unit_fen") / 100).cast(pl.Decimal(18, 2)).cast(pl.String).alias("单位缴纳"),
    (pl.col("ours_person_fen") / 100).cast(pl.Decimal(18, 2)).cast(pl.String).alias("个人缴纳"),
).write_parquet(out / "payments.parquet")
(out / "unit_id.txt").write_text(unit["unit_id"])
print(persons.height, roster.height, lines.height)
"""

BARE = """
import fastexcel, sys, time
started = time.perf_counter()
frame = fastexcel.read_excel(sys.argv[1]).load_sheet(0, dtypes="string").to_polars()
print(f"{time.perf_counter() - started:.2f}")
"""


def _timed(args: list[str]) -> tuple[float, float, str]:
    """Run a command; return wall seconds, the children's peak RSS (MB) and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{args[:4]} failed ({done.returncode}): {done.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024, done.stdout


def main() -> None:
    """Make the files, run every step as a process, print a table."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        started = time.perf_counter()
        made = subprocess.run(
            [sys.executable, "-c", MAKE.format(persons=PERSONS), folder],
            capture_output=True,
            text=True,
            check=True,
        )
        print(
            f"files for {PERSONS:,} persons (persons, roster, agency lines: {made.stdout.strip()}) "
            f"in {time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.1f}"
        )
        db = str(out / "ws.duckdb")
        rows: list[tuple[str, float, float]] = []
        bare_wall, _, bare_out = _timed([sys.executable, "-c", BARE, str(out / "persons.xlsx")])
        rows.append(("bare read persons.xlsx (python + fastexcel, process)", bare_wall, 0))
        rows.append(("  of which the read itself", float(bare_out), 0))
        unit_id = (out / "unit_id.txt").read_text()
        _timed(
            [SBBATCH, "init", db, "--unit", unit_id, "--name", "基准单位", "--today", "2026-11-20"]
        )
        _timed([SBBATCH, "--db", db, "load", "unit", str(out / "unit.xlsx")])
        load_wall, load_rss, _ = _timed(
            [SBBATCH, "--db", db, "load", "persons", str(out / "persons.xlsx")]
        )
        rows.append(("sbbatch load persons (process)", load_wall, load_rss))
        _timed([SBBATCH, "--db", db, "load", "wages", str(out / "wages.parquet")])
        roster_wall, roster_rss, _ = _timed(
            [
                SBBATCH,
                "--db",
                db,
                "roster",
                str(out / "roster.xlsx"),
                "--month",
                "2026-10",
                "--out",
                str(out / "roster_out"),
            ]
        )
        rows.append(
            ("sbbatch roster (process: read, compare, write 4 files)", roster_wall, roster_rss)
        )
        pay_wall, pay_rss, _ = _timed(
            [SBBATCH, "--db", db, "load", "payments", str(out / "payments.parquet")]
        )
        rows.append(("sbbatch load payments (process)", pay_wall, pay_rss))
        rec_wall, rec_rss, _ = _timed(
            [SBBATCH, "--db", db, "reconcile", "--month", "2026-10", "-o", str(out / "r.xlsx")]
        )
        rows.append(("sbbatch reconcile one month -o xlsx (process)", rec_wall, rec_rss))
        inproc = subprocess.run(
            [
                sys.executable,
                "-c",
                "import datetime as dt, sys, time\n"
                "from sbbatch.store import Workspace\n"
                "from sbbatch.reconcile import reconcile\n"
                "ws = Workspace(sys.argv[1], read_only=True)\n"
                "t = time.perf_counter()\n"
                "r = reconcile(ws, [dt.date(2026, 9, 1), dt.date(2026, 10, 1)])\n"
                "print(f'{time.perf_counter() - t:.2f} {r.lines.height}')\n",
                db,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        rows.append(
            (f"reconcile() {int(inproc[1]):,} lines, 10 months (in-process)", float(inproc[0]), 0)
        )
        print(f"\n| step ({PERSONS:,} persons) | wall s | peak RSS MB |\n|---|---:|---:|")
        for name, seconds, rss in rows:
            print(f"| {name} | {seconds:.2f} | {rss:.0f} |")
        print(f"\nload / bare read = {load_wall / bare_wall:.1f} (goal ≤ 3; both as processes)")


if __name__ == "__main__":
    main()
