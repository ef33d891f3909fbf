"""Benchmark: checking 10,000 card photos from a folder (sbbatch.photos.check_photos).

Writes N synthetic photos (358×441 JPEG, ~35 KB each; a quarter bad, 1 in 20 each:
coloured background, too small, PNG renamed .jpg, truncated, wrongly named) into a folder,
then checks the whole folder — reading, decoding, measuring the border, the name rules
against a roster of N persons — each run in a fresh process so that its peak RSS is
its own: once in one process, once with a pool of 2 processes. Prints seconds, files
per second and peak RSS (the parent's, and the largest child's for the pool).

Run: ``.venv/bin/python bench/bench_photos.py [N] [--dir FOLDER]`` (the folder is kept
and reused when it already holds N photos). Not a test.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from multiprocessing import get_context
from pathlib import Path

import polars as pl

from sbbatch import ids
from sbbatch.photos import synthetic_photo

TODAY = date(2026, 11, 26)


def _person(i: int) -> tuple[str, str]:
    born = date(1960, 1, 1).toordinal() + (i * 37) % 15000
    first17 = f"370102{date.fromordinal(born):%Y%m%d}{i % 1000:03d}"
    check = pl.select(ids.check_char(pl.lit(first17))).item()
    return first17 + check, f"职工{i:05d}"


def _write_one(args: tuple[int, str]) -> None:
    i, folder = args
    person_id, name = _person(i)
    file = f"{person_id}{name}.jpg"
    kind = i % 20
    if kind == 1:
        data = synthetic_photo(background=(200, 210, 230), seed=i)
    elif kind == 2:
        data = synthetic_photo(texture=0, quality=40, seed=i)
    elif kind == 3:
        from PIL import Image

        buffer = io.BytesIO()
        Image.open(io.BytesIO(synthetic_photo(seed=i))).resize((179, 221)).save(buffer, "PNG")
        data = buffer.getvalue()
    elif kind == 4:
        data = synthetic_photo(seed=i)[:20_000]
    elif kind == 5:
        file = f"{name}.jpg"
        data = synthetic_photo(seed=i)
    else:
        data = synthetic_photo(seed=i)
    (Path(folder) / file).write_bytes(data)


def write_photos(folder: Path, n: int) -> float:
    """Write ``n`` photos into ``folder`` with 2 processes; return the seconds taken."""
    folder.mkdir(parents=True, exist_ok=True)
    if sum(1 for _ in folder.iterdir()) == n:
        return 0.0
    for old in folder.iterdir():
        old.unlink()
    start = time.perf_counter()
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        list(pool.map(_write_one, ((i, str(folder)) for i in range(n)), chunksize=200))
    return time.perf_counter() - start


def _roster(n: int) -> pl.DataFrame:
    people = [_person(i) for i in range(n)]
    return pl.DataFrame({"person_id": [p for p, _ in people], "name": [m for _, m in people]})


def child(folder: str, n: int, workers: int) -> None:
    """Check the folder once; print a JSON line with the timing and memory."""
    from sbbatch.photos import check_photos

    roster = _roster(n)
    start = time.perf_counter()
    frame = check_photos(Path(folder), persons=roster, today=TODAY, workers=workers)
    seconds = time.perf_counter() - start
    usage_self = resource.getrusage(resource.RUSAGE_SELF)
    usage_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = usage_self.ru_maxrss / 1024
    children = usage_children.ru_maxrss / 1024
    cpu = sum(u.ru_utime + u.ru_stime for u in (usage_self, usage_children))
    print(
        json.dumps(
            {
                "files": frame.height,
                "failed": int((~frame["ok"]).sum()),
                "seconds": seconds,
                "cpu_seconds": cpu,
                "rss_mb": own,
                "child_rss_mb": children,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=10_000)
    parser.add_argument("--dir", default=None)
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "WORKERS"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.n, int(args.child[1]))
        return
    folder = Path(args.dir or Path(tempfile.gettempdir()) / f"sbbatch-bench-photos-{args.n}")
    written = write_photos(folder, args.n)
    size_mb = sum(p.stat().st_size for p in folder.iterdir()) / 1024 / 1024
    print(
        f"照片：{args.n} 张，共 {size_mb:.0f} MB，在 {folder}"
        + (f"（生成用时 {written:.1f} 秒）" if written else "（沿用）")
    )
    print(f"机器：{os.cpu_count()} 核，Python {sys.version.split()[0]}")
    print(f"负载：{os.getloadavg()[0]:.1f}（1 分钟平均；别的进程会拉长用时，CPU 秒不受影响）")
    print(
        f"{'方式':<12}{'秒':>8}{'CPU 秒':>9}{'张/秒':>10}"
        f"{'主进程峰值 MB':>16}{'子进程峰值 MB':>16}{'不合格':>8}"
    )
    for workers in (1, 2):
        out = subprocess.run(
            [sys.executable, __file__, str(args.n), "--child", str(folder), str(workers)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        result = json.loads(out.strip().splitlines()[-1])
        label = "单进程" if workers == 1 else f"{workers} 进程池"
        print(
            f"{label:<12}{result['seconds']:>8.1f}{result['cpu_seconds']:>9.1f}"
            f"{result['files'] / result['seconds']:>10.0f}"
            f"{result['rss_mb']:>16.0f}{result['child_rss_mb']:>16.0f}{result['failed']:>8}"
        )


if __name__ == "__main__":
    main()
