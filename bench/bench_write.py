"""Benchmark: writing 100,000 enrolment rows (增员申报) to xlsx.

Times, each in a fresh process (so the peak RSS is the step's own):

- ``frame``: :func:`sbbatch.io.xlsx.write_frame` of the typed rows (Chinese headers,
  IDs and codes as text, dates as Excel dates);
- ``template``: :func:`sbbatch.io.xlsx.write_template` with the rows (含数据报盘:
  the template layout, codes as labels, drop-downs, 填写说明);
- ``polars``: ``DataFrame.write_excel`` of the same frame, for comparison.

Prints wall time, peak RSS and file size. Both sbbatch writers stream rows to disk
above 50,000 rows (xlsxwriter ``constant_memory``).

Run: ``.venv/bin/python bench/bench_write.py [rows]``. Not a test.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import polars as pl

from sbbatch import ids
from sbbatch.declarations import get
from sbbatch.io import xlsx

STEPS = {
    "frame": "write_frame (typed rows, 20 columns)",
    "template": "write_template with data (template layout)",
    "polars": "polars DataFrame.write_excel (same frame)",
}


def generate(n: int, seed: int = 20261126) -> pl.DataFrame:
    """Return ``n`` typed enrolment rows with valid ID numbers, vectorised."""
    region = ids.region_table()["code"].unique().sort()

    def uniform(high: int, offset: int) -> pl.Series:
        return pl.int_range(0, high, eager=True).sample(
            n, with_replacement=True, seed=seed + offset
        )

    base = pl.DataFrame(
        {
            "code": region.sample(n, with_replacement=True, seed=seed),
            "days": uniform(365 * 45, 1),
            "seq": uniform(1000, 2),
            "r": uniform(1_000_000, 3),
        }
    )
    born = pl.lit(date(1960, 1, 1)) + pl.duration(days=pl.col("days"))
    first17 = pl.concat_str(
        pl.col("code"), born.dt.strftime("%Y%m%d"), pl.col("seq").cast(pl.String).str.zfill(3)
    )
    surnames = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
    given = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英")
    r = pl.col("r")
    return base.select(
        pl.concat_str(first17, ids.check_char(first17)).alias("person_id"),
        pl.concat_str(
            (r % 20).replace_strict(dict(enumerate(surnames)), return_dtype=pl.String),
            (r // 20 % len(given)).replace_strict(dict(enumerate(given)), return_dtype=pl.String),
            pl.when(r % 3 == 0).then(
                (r // 500 % len(given)).replace_strict(
                    dict(enumerate(given)), return_dtype=pl.String
                )
            ),
            ignore_nulls=True,
        ).alias("name"),
        pl.when(pl.col("seq") % 2 == 1).then(pl.lit("1")).otherwise(pl.lit("2")).alias("gender"),
        born.alias("birth_date"),
        pl.concat_str(pl.lit("138"), (r % 100_000_000).cast(pl.String).str.zfill(8)).alias("phone"),
        pl.lit("2").alias("employment_form"),
        pl.when(r % 10 == 0).then(pl.lit("03")).otherwise(pl.lit("01")).alias("ethnicity"),
        pl.lit("10").alias("hukou_type"),
        pl.lit("11").alias("identity"),
        pl.lit("山东省").alias("hukou_province"),
        pl.lit("济南市").alias("hukou_city"),
        pl.lit("历下区").alias("hukou_county"),
        pl.lit(None, pl.String).alias("hukou_detail"),
        pl.concat_str(pl.lit("济南市历下区经十路"), (r % 9999).cast(pl.String), pl.lit("号")).alias(
            "address"
        ),
        pl.lit("111").alias("add_reason"),
        pl.lit(date(2026, 11, 1)).alias("month"),
        pl.lit("11").alias("person_category"),
        (born + pl.duration(days=365 * 20)).alias("work_start_date"),
        pl.lit(None, pl.String).alias("handbook_no"),
        pl.lit(None, pl.String).alias("sub_unit"),
    )


def peak_rss_mb() -> float:
    """Return the peak resident set size of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_step(step: str, data: str, out: str) -> dict[str, float]:
    """Write the rows stored at ``data`` to ``out`` one way; runs in its own process."""
    frame = pl.read_parquet(data)
    declaration = get("enrolment")
    rss_loaded = peak_rss_mb()
    start = time.perf_counter()
    if step == "frame":
        text = [c.field for c in declaration.columns if c.type in ("id", "code", "phone", "gender")]
        xlsx.write_frame(
            frame,
            out,
            sheet=declaration.title,
            headers=declaration.headers,
            text_columns=text,
            month_columns=["month"],
        )
    elif step == "template":
        xlsx.write_template(declaration, out, frame)
    else:
        frame.write_excel(out)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "rss_loaded": rss_loaded,
        "rss_peak": peak_rss_mb(),
        "size_mb": Path(out).stat().st_size / 1e6,
    }


def main(n: int) -> None:
    """Generate ``n`` rows, time every step in a fresh process, print a table."""
    print(f"polars {pl.__version__}, {n:,} enrolment rows × 20 columns")
    with tempfile.TemporaryDirectory() as tmp:
        data = str(Path(tmp) / "rows.parquet")
        start = time.perf_counter()
        generate(n).write_parquet(data)
        print(f"generating the rows: {time.perf_counter() - start:.2f} s\n")
        print(f"| {'step':<45} | wall s | RSS before MB | peak RSS MB | file MB |")
        print(f"|{'-' * 47}|-------:|--------------:|------------:|--------:|")
        for step, label in STEPS.items():
            out = str(Path(tmp) / f"{step}.xlsx")
            proc = subprocess.run(
                [sys.executable, __file__, "--step", step, data, out],
                check=True,
                capture_output=True,
                text=True,
            )
            r = json.loads(proc.stdout)
            print(
                f"| {label:<45} | {r['seconds']:6.2f} | {r['rss_loaded']:13.0f} "
                f"| {r['rss_peak']:11.0f} | {r['size_mb']:7.1f} |"
            )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--step":
        print(json.dumps(run_step(sys.argv[2], sys.argv[3], sys.argv[4])))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
