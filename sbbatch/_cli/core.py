"""Commands: demo, summary, policy, sample, kinds."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import polars as pl

__all__ = ["register"]


def _demo(args: argparse.Namespace) -> int:
    from sbbatch.demo import run_demo

    run_demo(db=args.db, out=args.out)
    return 0


def _summary(args: argparse.Namespace) -> int:
    from sbbatch.demo import print_summary
    from sbbatch.store import Workspace

    with Workspace(args.db, read_only=True) as ws:
        print_summary(ws)
    return 0


def _policy(args: argparse.Namespace) -> int:
    from sbbatch.demo import print_frame
    from sbbatch.policy import Policy

    view = Policy.load(args.city).view()
    if args.table:
        view = view.filter(pl.col("table") == args.table)
    print_frame(view.drop("policy_id"), title=f"政策参数（{args.city}）", max_rows=200)
    return 0


def _sample(args: argparse.Namespace) -> int:
    from sbbatch.sample import generate, write_sample

    world = generate(seed=args.seed, n_persons=args.persons, n_units=args.units)
    for path in write_sample(Path(args.out), world):
        print(f"已写出 {path}")
    return 0


def _kinds(args: argparse.Namespace) -> int:
    from sbbatch.declarations import registry
    from sbbatch.store import kinds

    batch_kinds = registry()
    for key, row in kinds().items():
        mark = "" if key in batch_kinds else "  （尚未实现）"
        print(f"{key:28} 手册 §{row['manual']:10} {row['title']}{mark}")
    return 0


def register(commands: Any) -> None:
    """Add the core commands to the parser."""
    demo = commands.add_parser("demo", help="用示例数据演示一个完整的月度流程")
    demo.add_argument("--db", help="工作区文件（默认为临时文件）", default=argparse.SUPPRESS)
    demo.add_argument("--out", help="结果与表单的输出目录", default="out/demo")
    demo.set_defaults(handler=_demo)

    summary = commands.add_parser("summary", help="显示工作区的内容概况")
    summary.set_defaults(handler=_summary, needs_db=True)

    policy = commands.add_parser("policy", help="显示政策参数及其来源")
    policy.add_argument("--city", default="jinan")
    policy.add_argument("--table", help="只显示一张参数表，如 rates、base_limits")
    policy.set_defaults(handler=_policy)

    sample = commands.add_parser("sample", help="生成合成的示例单位与人员")
    sample.add_argument("--out", required=True, help="输出目录")
    sample.add_argument("--seed", type=int, default=2026)
    sample.add_argument("--persons", type=int, default=300)
    sample.add_argument("--units", type=int, default=5)
    sample.set_defaults(handler=_sample)

    kinds = commands.add_parser("kinds", help="列出手册中的全部业务")
    kinds.set_defaults(handler=_kinds)
