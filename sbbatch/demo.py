"""The main job: a month of work on a fresh sample workspace (``sbbatch demo``).

It builds the synthetic Jinan world of :mod:`sbbatch.sample` into a workspace file and
prints, in Chinese, what the workspace holds. Then it runs the steps of the month
(:func:`steps`): its own, which span businesses (:data:`OWN_STEPS`: the batch files,
the money), and the ``demo`` (:class:`sbbatch.spec.DemoStep`) of every business of the
registry that declares one, in their order, each writing its results and forms into
the output folder. It never names a business: a business added to the registry with a
``demo`` takes part. The business steps get the engines through a
:class:`sbbatch._demo.kit.DemoKit` (the businesses sit below the engines).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from sbbatch._demo import batchfiles, money
from sbbatch._demo.kit import DemoKit
from sbbatch.declarations import registry
from sbbatch.present import present
from sbbatch.spec import DemoStep
from sbbatch.store import Workspace

__all__ = [
    "DEMO_TODAY",
    "OWN_STEPS",
    "print_frame",
    "print_summary",
    "run_demo",
    "run_step",
    "steps",
]

#: The agency's date of the demo month.
DEMO_TODAY = dt.date(2026, 11, 26)

#: The demo's own steps, which span businesses (the batch files, the month's money).
OWN_STEPS = (
    DemoStep(order=10, title="报盘：模板、检查与错误报告", run=batchfiles.run),
    DemoStep(order=30, title="工资申报、缴费计算、单据与支付、补缴与滞纳金、申报表", run=money.run),
)


def steps() -> list[DemoStep]:
    """The steps of the month, in order: the demo's own and every business's ``demo``."""
    declared = [d.demo for d in registry().values() if d.demo is not None]
    return sorted([*OWN_STEPS, *declared], key=lambda step: step.order)


def run_step(step: DemoStep, ws: Workspace, out_dir: Path) -> list[tuple[str, str]]:
    """Run one step of the month on ``ws``, writing into ``out_dir``; return its summary lines."""
    return step.run(DemoKit(), ws, out_dir)


def print_frame(
    frame: pl.DataFrame,
    title: str,
    max_rows: int = 40,
    width: int = 40,
    *,
    money_columns: Sequence[str] = (),
) -> None:
    """Print a frame through the presenter as a table under a Chinese title."""
    print(f"\n【{title}】")
    with pl.Config(
        tbl_rows=max_rows,
        tbl_cols=-1,
        tbl_hide_column_data_types=True,
        tbl_hide_dataframe_shape=True,
        tbl_width_chars=160,
        fmt_str_lengths=width,
    ):
        print(present(frame, thousands=True, money_columns=money_columns))
    if frame.height > max_rows:
        print(f"（共 {frame.height} 行，只显示部分）")


def print_summary(ws: Workspace) -> None:
    """Print what a workspace holds: units, persons, insured periods, wage bases."""
    summary = ws.summary()
    print_frame(summary["units"], "单位")
    print_frame(summary["persons"], "人员")
    periods = summary["insured_periods"].rename({"险种": "insurance"})
    print_frame(periods, "参保情况（按险种）")
    wages = summary["wage_bases"].select(
        pl.exclude("缴费工资合计_分"),
        pl.col("缴费工资合计_分").cast(pl.Int64).alias("缴费工资合计（元）"),
    )
    print_frame(
        wages.tail(12),
        f"缴费工资（按月，最近 12 个月，共 {wages.height} 个月）",
        money_columns=["缴费工资合计（元）"],
    )


def run_demo(db: str | Path | None = None, out: str | Path = "out/demo") -> Path:
    """Build the sample workspace at ``db`` (a temporary file by default) and report on it.

    Returns:
        The path of the workspace file.
    """
    from sbbatch.sample import generate

    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    if db is None:
        db_path = Path(tempfile.mkdtemp(prefix="sbbatch-")) / "workspace.duckdb"
    else:
        db_path = Path(db)
        db_path.parent.mkdir(parents=True, exist_ok=True)
        for stale in (db_path, db_path.with_name(db_path.name + ".wal")):
            stale.unlink(missing_ok=True)
    print(f"sbbatch 演示：经办日期 {DEMO_TODAY:%Y-%m-%d}，工作区 {db_path}，输出目录 {out_dir}")
    lines: list[tuple[str, str]] = []
    with Workspace(db_path, today=DEMO_TODAY, create=True) as ws:
        world = generate()
        counts = world.load_into(ws)
        print("已装入示例数据：" + "，".join(f"{name} {n} 行" for name, n in counts.items()))
        print_summary(ws)
        month = steps()
        for number, step in enumerate(month, start=1):
            print(f"\n【{number}/{len(month)}】{step.title} ……")
            started = time.perf_counter()
            lines.extend(run_step(step, ws, out_dir))
            print(f"    完成，用时 {time.perf_counter() - started:.1f} 秒")
    summary = pl.DataFrame(lines, schema=["项目", "结果"], orient="row")
    print_frame(present(summary, mask=True), "本月汇总", max_rows=200, width=70)
    print(f"\n结果与表单在 {out_dir.resolve()}")
    return db_path
