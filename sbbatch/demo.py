"""The main job: a month of work on a fresh sample workspace (``sbbatch demo``).

It builds the synthetic Jinan world of :mod:`sbbatch.sample` into a workspace file and
prints, in Chinese, what the workspace holds. Later stages of the monthly cycle add
their steps here, writing results and forms into the output folder.
"""

from __future__ import annotations

import datetime as dt
import importlib
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from sbbatch.present import present
from sbbatch.store import Workspace

__all__ = ["DEMO_TODAY", "print_frame", "print_summary", "run_demo"]

#: The agency's date of the demo month.
DEMO_TODAY = dt.date(2026, 11, 26)

#: The steps of the month, in order: (module under sbbatch._demo, Chinese title).
STEPS = (
    ("batchfiles", "报盘：模板、检查与错误报告"),
    ("enrolment", "增员与减员：申报、审核、结果、增员表与减员表"),
    ("money", "工资申报、缴费计算、单据与支付、补缴与滞纳金、申报表"),
    ("cards", "社保卡：申领信息、照片检查、批量申领、撤销"),
    ("medical", "异地人员备案与撤销"),
    ("other", "医疗账户补助金、自助终端专管员、缴费证明"),
    ("outpatient", "门诊规定病种、居民医疗停保、离休人员医疗、灵活就业补扣"),
    ("pooled", "退休结清、行业统筹人员核对与撤销"),
    ("retirement", "审定人、退休申报、遗属、特殊工种、军转干、失业待遇"),
)


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
        for number, (module, title) in enumerate(STEPS, start=1):
            print(f"\n【{number}/{len(STEPS)}】{title} ……")
            started = time.perf_counter()
            step = importlib.import_module(f"sbbatch._demo.{module}")
            lines.extend(step.run(ws, out_dir))
            print(f"    完成，用时 {time.perf_counter() - started:.1f} 秒")
    summary = pl.DataFrame(lines, schema=["项目", "结果"], orient="row")
    print_frame(present(summary, mask=True), "本月汇总", max_rows=200, width=70)
    print(f"\n结果与表单在 {out_dir.resolve()}")
    return db_path
