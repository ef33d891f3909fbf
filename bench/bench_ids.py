"""Benchmark: resident ID checks (公民身份号码) in polars vs python-stdnum per number.

Generates 1,000,000 ID numbers (valid ones mixed with corrupted ones, vectorised),
then times, each in a fresh process so that its peak RSS is its own,

- ``sbbatch.ids.normalise`` + ``sbbatch.ids.failure_reason`` on a polars frame, and
- ``stdnum.cn.ric.is_valid`` called per number in a Python loop,

on the same numbers, and prints seconds, rows per second and peak RSS
(``resource.getrusage``). The polars route runs twice: as a lazy query (common
subexpressions computed once) and with eager ``DataFrame.select``/``with_columns``.

Run: ``.venv/bin/python bench/bench_ids.py [rows]``. Not a test.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Final, TypeVar

import polars as pl
from stdnum.cn import ric

from sbbatch import ids

TODAY = date(2026, 11, 26)
REPEATS = 5
T = TypeVar("T")


def _uniform(n: int, high: int, seed: int) -> pl.Series:
    """Return ``n`` pseudo-random integers in ``[0, high)``."""
    return pl.int_range(0, high, eager=True).sample(n, with_replacement=True, seed=seed)


def generate(n: int, seed: int = 20261126) -> pl.Series:
    """Return ``n`` ID numbers as typed: about 80 % valid-looking, the rest corrupted.

    Corruptions: wrong check character (10 %), impossible date (4 %), random address
    code (3 %), one character missing or extra (3 %), 15-digit legacy form (1 %),
    spaces, hyphens, full-width digits or lowercase x (2 %).
    """
    codes = ids.region_table()["code"].unique().sort()
    span = (date(2030, 12, 31) - date(1890, 1, 1)).days
    frame = pl.DataFrame(
        {
            "code": codes.sample(n, with_replacement=True, seed=seed),
            "days": _uniform(n, span, seed + 1),
            "seq": _uniform(n, 1000, seed + 2),
            "u": _uniform(n, 10_000, seed + 3),
            "r": _uniform(n, 1_000_000, seed + 4),
        }
    )
    u = pl.col("u")
    born = (pl.lit(date(1890, 1, 1)) + pl.duration(days=pl.col("days"))).dt.strftime("%Y%m%d")
    bad_day = pl.concat_str(
        born.str.slice(0, 4),
        pl.col("r").mod(5).replace_strict({0: "0230", 1: "1301", 2: "0000", 3: "0431", 4: "0132"}),
    )
    random_code = pl.col("r").cast(pl.String).str.zfill(6)
    first17 = pl.concat_str(
        pl.when(u < 300).then(random_code).otherwise(pl.col("code")),
        pl.when(u.is_between(300, 699)).then(bad_day).otherwise(born),
        pl.col("seq").cast(pl.String).str.zfill(3),
    )
    right = ids.check_char(first17)
    chars = "0123456789X"
    position = right.replace_strict({c: i for i, c in enumerate(chars)}, return_dtype=pl.Int64)
    wrong = ((position + 1 + pl.col("r") % 10) % 11).replace_strict(
        dict(enumerate(chars)), return_dtype=pl.String
    )
    full = pl.concat_str(first17, pl.when(u.is_between(700, 1699)).then(wrong).otherwise(right))
    typed = (
        pl.when(u.is_between(1700, 1849))
        .then(full.str.slice(0, 17))
        .when(u.is_between(1850, 1999))
        .then(pl.concat_str(full, pl.lit("7")))
        .when(u.is_between(2000, 2099))
        .then(pl.concat_str(full.str.slice(0, 6), full.str.slice(8, 9)))
        .when(u.is_between(2100, 2149))
        .then(pl.concat_str(pl.lit(" "), full.str.slice(0, 6), pl.lit("-"), full.str.slice(6)))
        .when(u.is_between(2150, 2199))
        .then(full.str.replace_many({"1": "１", "X": "x"}))
        .when(u.is_between(2200, 2299))
        .then(full.str.replace("X", "x"))
        .otherwise(full)
    )
    return frame.select(typed.alias("raw"))["raw"]


def run_polars_lazy(raw: pl.Series) -> pl.DataFrame:
    """Return normalised numbers and reason codes from a lazy query (with CSE)."""
    return (
        raw.to_frame("raw")
        .lazy()
        .select(ids.normalise(pl.col("raw")).alias("id"))
        .with_columns(ids.failure_reason(pl.col("id"), TODAY).alias("reason"))
        .collect()
    )


def run_polars_eager(raw: pl.Series) -> pl.DataFrame:
    """Return the same from eager ``DataFrame.with_columns`` (no CSE in eager mode)."""
    return (
        raw.to_frame("raw")
        .select(ids.normalise(pl.col("raw")).alias("id"))
        .with_columns(ids.failure_reason(pl.col("id"), TODAY).alias("reason"))
    )


def run_stdnum(values: list[str]) -> list[bool]:
    """Return ``stdnum.cn.ric.is_valid`` per number (a KeyError counts as invalid)."""

    def one(value: str) -> bool:
        try:
            return ric.is_valid(value)
        except KeyError:  # stdnum 2.2: known province, unknown county
            return False

    return [one(v) for v in values]


def peak_rss_mb() -> float:
    """Return the peak resident set size of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], T], repeats: int) -> tuple[float, T]:
    """Return the median wall time of ``repeats`` calls and the last result."""
    times: list[float] = []
    result: T | None = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    assert result is not None
    return sorted(times)[len(times) // 2], result


def run_step(step: str, path: str) -> dict[str, float]:
    """Run one step on the numbers stored at ``path``; runs in its own process."""
    if step == "generate":
        n = int(Path(path + ".n").read_text())
        seconds, raw = timed(lambda: generate(n), 1)
        raw.to_frame("raw").write_parquet(path)
        return {"seconds": seconds, "rss_loaded": 0.0, "rss_peak": peak_rss_mb(), "valid": 0.0}
    raw = pl.read_parquet(path)["raw"]
    values = raw.to_list() if step == "stdnum" else []
    rss_loaded = peak_rss_mb()
    if step == "stdnum":
        seconds, verdicts = timed(lambda: run_stdnum(values), 1)
        valid = float(sum(verdicts))
    else:
        run = run_polars_lazy if step == "lazy" else run_polars_eager
        seconds, result = timed(lambda: run(raw), REPEATS)
        valid = float(result["reason"].is_null().sum())
        result.select(pl.col("reason").fill_null("valid")).write_parquet(path + "." + step)
    return {"seconds": seconds, "rss_loaded": rss_loaded, "rss_peak": peak_rss_mb(), "valid": valid}


STEPS: Final = {
    "lazy": f"polars normalise + failure_reason, lazy (median of {REPEATS})",
    "eager": f"polars normalise + failure_reason, eager (median of {REPEATS})",
    "stdnum": "stdnum is_valid per number, Python loop (1 run)",
}


def main(n: int) -> None:
    """Generate ``n`` numbers, time every step in a fresh process and print a table."""
    print(f"polars {pl.__version__}, {pl.thread_pool_size()} threads, {n:,} rows")
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "ids.parquet")
        Path(path + ".n").write_text(str(n))
        results = {}
        # Every step, generation included, runs in a fresh process: Linux carries the
        # parent's peak RSS over into a child's getrusage() figure, so the parent stays
        # small and its children report their own peaks.
        for step in ["generate", *STEPS]:
            out = subprocess.run(
                [sys.executable, __file__, "--step", step, path],
                check=True,
                capture_output=True,
                text=True,
            )
            results[step] = json.loads(out.stdout)
        lazy = pl.read_parquet(path + ".lazy")
        assert lazy.equals(pl.read_parquet(path + ".eager"))

    gen = results["generate"]
    print(
        f"generating them (vectorised): {gen['seconds']:.2f} s, peak RSS {gen['rss_peak']:.0f} MB\n"
    )
    print(f"{'step':<54} {'seconds':>8} {'rows/s':>11} {'RSS data':>9} {'peak RSS':>9}")
    for step, label in STEPS.items():
        r = results[step]
        print(
            f"{label:<54} {r['seconds']:>8.3f} {n / r['seconds']:>11,.0f}"
            f" {r['rss_loaded']:>7.0f}MB {r['rss_peak']:>7.0f}MB"
        )
    st_s = results["stdnum"]["seconds"]
    print(
        "\nRSS data: peak RSS of the step's process after importing and loading the numbers;"
        "\npeak RSS: after the step. "
        f"Speed-up over stdnum: lazy {st_s / results['lazy']['seconds']:.0f}x,"
        f" eager {st_s / results['eager']['seconds']:.0f}x."
    )
    print(
        f"Valid: sbbatch {results['lazy']['valid']:,.0f}, stdnum {results['stdnum']['valid']:,.0f}"
        " (they differ by design: the region-year gap, births before 1900 or in the future,"
        " and what only sbbatch normalises: inner spaces, full-width, 15 digits)."
    )
    print()
    for reason, count in lazy["reason"].value_counts(sort=True).iter_rows():
        print(f"  {reason:<12} {count:>9,}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--step":
        print(json.dumps(run_step(sys.argv[2], sys.argv[3])))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
