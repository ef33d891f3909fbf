"""Benchmark: generating a large synthetic Jinan world (样例世界) with sbbatch.sample.

Times ``sbbatch.sample.generate(n_persons=1_000_000, n_units=200)`` (the defaults
otherwise: 2022-01 to 2026-11) and prints the wall time, the CPU time (user + system; on
a busy machine the wall time grows, the CPU time much less), the rows and estimated size
of each table, and the peak RSS of the process. The reference tables and the policy are
loaded once before timing (they are cached per process).

Run: ``.venv/bin/python bench/bench_sample.py [persons] [units]``. Not a test.
"""

from __future__ import annotations

import resource
import sys
import time

from sbbatch.sample import generate


def main(n_persons: int = 1_000_000, n_units: int = 200) -> None:
    """Generate the world once and print the figures."""
    generate(n_persons=10, n_units=2)  # warm-up: imports, reference tables, policy
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    world = generate(n_persons=n_persons, n_units=n_units)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak_mib = after.ru_maxrss / 1024  # KiB on Linux
    total_rows = sum(frame.height for frame in world.frames().values())
    print(f"generate(n_persons={n_persons:,}, n_units={n_units:,})")
    print(f"{'table':<16} {'rows':>12} {'MiB':>8}")
    for name, frame in world.frames().items():
        print(f"{name:<16} {frame.height:>12,} {frame.estimated_size('mb'):>8.0f}")
    print(f"{'total':<16} {total_rows:>12,}")
    print(f"wall time        {elapsed:>12.2f} s ({total_rows / elapsed:,.0f} rows/s)")
    print(f"CPU time         {cpu:>12.2f} s (user + system, all threads)")
    print(f"peak RSS         {peak_mib:>12,.0f} MiB")


if __name__ == "__main__":
    args = [int(arg.replace("_", "")) for arg in sys.argv[1:3]]
    main(*args)
