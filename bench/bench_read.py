"""Benchmark: reading an enrolment batch file (增员报盘) from xlsx.

Writes a 100,000-row × 14-column enrolment-like sheet with xlsxwriter (text IDs and
codes, names, date cells, a wage number, a month as text, phone numbers, sparse
remarks), then times, each in a fresh process (so the peak RSS is the step's own):

- ``polars``: bare ``pl.read_excel(engine="calamine")`` (types inferred);
- ``fastexcel``: bare ``fastexcel.read_excel(p).load_sheet(0).to_polars()``;
- ``fastexcel_text``: the same with every column as text (``dtypes="string"``);
- ``read_table``: :func:`sbbatch.io.read.read_table` without ID columns;
- ``read_table_ids``: with ``id_headers=["社会保障号码"]`` on the clean file: the ID
  column is proven text-only inside the one fastexcel parse (the usual case);
- ``read_table_pass``: the same with that proof disabled, so the python-calamine
  cell-type pass runs over every row (what a file with a damaged ID costs, minus the
  failed proof);
- ``read_table_numeric``: a copy of the file whose last ID cell is a number: the
  proof fails, the sheet is read as text and the cell-type pass lists the cell.

Then one 1,000,000-row file (xlsxwriter ``constant_memory``, so inline strings) read
by ``fastexcel_text`` and ``read_table_ids``.

Prints the median wall and CPU time of the read call (imports excluded; CPU time is
the steadier figure on a shared machine), the process's RSS
after imports, and its peak RSS (``resource.getrusage``; the files are written in
child processes too, so the parent that starts the steps stays small).

Run: ``.venv/bin/python bench/bench_read.py [rows] [big_rows] [--repeat N]
[--big-repeat N]`` (``big_rows`` 0 skips the big file); the files
are kept in ``/tmp/sbbatch-bench-read`` between runs. Not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import xlsxwriter

WORKDIR = Path("/tmp/sbbatch-bench-read")
HEADERS = [
    "社会保障号码",
    "姓名",
    "性别",
    "民族",
    "出生日期",
    "参加工作日期",
    "个人身份",
    "用工形式",
    "户口性质",
    "增加原因",
    "缴费工资",
    "参保年月",
    "联系电话",
    "备注",
]
STEPS = {
    "polars": "pl.read_excel(engine='calamine'), inferred",
    "fastexcel": "fastexcel load_sheet(0).to_polars()",
    "fastexcel_text": "fastexcel, dtypes='string'",
    "read_table": "read_table, no ID columns",
    "read_table_ids": "read_table, ID column proven text",
    "read_table_pass": "read_table, python-calamine cell pass",
    "read_table_numeric": "read_table, file with 1 numeric ID",
}


def write_file(path: Path, rows: int, *, numeric_last_id: bool = False) -> None:
    """Write the enrolment-like sheet (header + ``rows`` data rows) to ``path``."""
    workbook = xlsxwriter.Workbook(
        path, {"constant_memory": rows > 200_000, "strings_to_numbers": False}
    )
    sheet = workbook.add_worksheet("参保人员增加")
    text = workbook.add_format({"num_format": "@"})
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, HEADERS)
    rng = random.Random(20261126)
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
    born0 = dt.date(1960, 1, 1)
    for r in range(1, rows + 1):
        born = born0 + dt.timedelta(days=rng.randrange(365 * 45))
        person = f"370102{born:%Y%m%d}{rng.randrange(10_000):04d}"
        if numeric_last_id and r == rows:
            sheet.write_number(r, 0, float(person))
        else:
            sheet.write_string(r, 0, person, text)
        sheet.write_string(r, 1, rng.choice(surnames) + rng.choice(given) + rng.choice(given))
        sheet.write_string(r, 2, "男女"[r % 2])
        sheet.write_string(r, 3, "01" if r % 10 else "03", text)
        sheet.write_datetime(r, 4, born, date)
        sheet.write_datetime(r, 5, born + dt.timedelta(days=365 * 20), date)
        sheet.write_string(r, 6, "11", text)
        sheet.write_string(r, 7, "2", text)
        sheet.write_string(r, 8, "10", text)
        sheet.write_string(r, 9, "111", text)
        sheet.write_number(r, 10, 3000 + rng.randrange(40_000) / 2)
        sheet.write_string(r, 11, "2026-11", text)
        sheet.write_string(r, 12, f"138{rng.randrange(10**8):08d}", text)
        if r % 10 == 0:
            sheet.write_string(r, 13, "新入职")
    workbook.close()


def peak_rss_mb() -> float:
    """Return the peak resident set size of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """Return the user + system CPU time of this process so far, in seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_step(step: str, path: str) -> dict[str, float | int | str]:
    """Read ``path`` one way; runs in its own process and reports time and memory."""
    import fastexcel
    import polars as pl

    from sbbatch.io import _sheets, read

    if step == "read_table_pass":
        _sheets._guess_id_columns = lambda *args: set()
    rss_imported = peak_rss_mb()
    cpu_start = cpu_seconds()
    start = time.perf_counter()
    extra = ""
    if step == "polars":
        rows = pl.read_excel(path, engine="calamine").height
    elif step == "fastexcel":
        rows = fastexcel.read_excel(path).load_sheet(0).to_polars().height
    elif step == "fastexcel_text":
        rows = fastexcel.read_excel(path).load_sheet(0, dtypes="string").to_polars().height
    else:
        id_headers = [] if step == "read_table" else ["社会保障号码"]
        table = read.read_table(path, known_headers=HEADERS, id_headers=id_headers)
        rows = table.rows_read
        extra = f"{table.non_text_cells.height} non-text ID cells"
    seconds = time.perf_counter() - start
    if step.startswith("read_table"):
        frame = table.frame
        intact = (
            frame["_row"].to_list() == list(range(2, rows + 2))
            and frame.select(pl.exclude("备注", "_row").null_count().sum()).row(0) == (0,) * 13
            and bool(frame["出生日期"].str.contains(r"^\d{4}-\d{2}-\d{2}$").all())
        )
        extra += ", rows/IDs/dates intact" if intact else ", CHECK FAILED"
    return {
        "seconds": seconds,
        "cpu": cpu_seconds() - cpu_start,
        "rss_imported": rss_imported,
        "rss_peak": peak_rss_mb(),
        "rows": rows,
        "extra": extra,
    }


def measure(step: str, path: Path, repeat: int) -> dict[str, float | int | str]:
    """Run ``step`` ``repeat`` times in fresh processes; median time, max peak RSS."""
    runs = []
    for _ in range(repeat):
        proc = subprocess.run(
            [sys.executable, __file__, "--step", step, str(path)],
            check=True,
            capture_output=True,
            text=True,
        )
        runs.append(json.loads(proc.stdout))
    result = dict(runs[0])
    result["seconds"] = statistics.median(float(r["seconds"]) for r in runs)
    result["cpu"] = statistics.median(float(r["cpu"]) for r in runs)
    result["rss_peak"] = max(float(r["rss_peak"]) for r in runs)
    return result


def ensure(path: Path, rows: int, *, numeric_last_id: bool = False) -> None:
    """Write the file unless an earlier run left it, in a child process.

    Linux keeps a process's peak RSS across ``exec``, so a child started by a parent
    that grew while writing would report the parent's peak: the parent stays small.
    """
    if path.exists():
        return
    start = time.perf_counter()
    flag = ["--numeric-last-id"] if numeric_last_id else []
    subprocess.run([sys.executable, __file__, "--write", str(path), str(rows), *flag], check=True)
    size = path.stat().st_size / 1e6
    print(f"wrote {path.name}: {time.perf_counter() - start:.1f} s, {size:.1f} MB")


def table(title: str, results: dict[str, dict[str, float | int | str]]) -> None:
    """Print one markdown table of results."""
    print(f"\n{title}\n")
    print(f"| {'step':<42} | wall s | CPU s | RSS after imports MB | peak RSS MB | rows | note |")
    print(f"|{'-' * 44}|-------:|------:|---------------------:|------------:|-----:|------|")
    for step, r in results.items():
        print(
            f"| {STEPS[step]:<42} | {float(r['seconds']):6.2f} | {float(r['cpu']):5.2f} | "
            f"{float(r['rss_imported']):20.0f} | {float(r['rss_peak']):11.0f} | "
            f"{r['rows']} | {r['extra']} |"
        )


def main() -> None:
    """Write the files, time every step in fresh processes, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=100_000)
    parser.add_argument("big_rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--big-repeat", type=int, default=1)
    args = parser.parse_args()
    WORKDIR.mkdir(exist_ok=True)
    small = WORKDIR / f"enrolment_{args.rows}.xlsx"
    numeric = WORKDIR / f"enrolment_{args.rows}_numeric_id.xlsx"
    big = WORKDIR / f"enrolment_{args.big_rows}.xlsx"
    ensure(small, args.rows)
    ensure(numeric, args.rows, numeric_last_id=True)
    results = {}
    for step in STEPS:
        path = numeric if step == "read_table_numeric" else small
        results[step] = measure(step, path, args.repeat)
    table(f"{args.rows:,} rows × {len(HEADERS)} columns, median of {args.repeat}", results)
    if args.big_rows:
        ensure(big, args.big_rows)
        big_steps = ("fastexcel_text", "read_table_ids")
        big_results = {s: measure(s, big, args.big_repeat) for s in big_steps}
        runs = "one run" if args.big_repeat == 1 else f"median of {args.big_repeat}"
        table(f"{args.big_rows:,} rows × {len(HEADERS)} columns, {runs}", big_results)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--step":
        print(json.dumps(run_step(sys.argv[2], sys.argv[3])))
    elif len(sys.argv) > 1 and sys.argv[1] == "--write":
        write_file(
            Path(sys.argv[2]), int(sys.argv[3]), numeric_last_id="--numeric-last-id" in sys.argv
        )
    else:
        main()
