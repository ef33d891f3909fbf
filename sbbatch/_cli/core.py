"""Commands: demo, summary, policy, sample, kinds."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import polars as pl

from sbbatch import codes
from sbbatch._cli.args import date_arg
from sbbatch._cli.output import json_mode, print_json, records

__all__ = ["register"]


def _demo(args: argparse.Namespace) -> int:
    from sbbatch.demo import run_demo

    if not json_mode(args):
        run_demo(db=args.db, out=args.out)
        return 0
    import contextlib
    import sys

    with contextlib.redirect_stdout(sys.stderr):  # the demo's story; stdout holds the JSON
        workspace = run_demo(db=args.db, out=args.out)
    out = Path(args.out)
    files = sorted(str(p) for p in out.rglob("*") if p.is_file())
    print_json({"workspace": str(workspace), "out": str(out), "files": files})
    return 0


def _init(args: argparse.Namespace) -> int:
    from sbbatch.codes import to_label
    from sbbatch.store import Workspace

    unit = {
        "unit_id": args.unit.strip(),
        "name": args.name.strip(),
        "risk_class": args.risk_class,
        "payment_method": args.payment_method,
    }
    with Workspace.create(args.workspace, today=args.today, unit=unit) as ws:
        version = ws.schema_version
    method = pl.select(to_label(pl.lit(args.payment_method), "payment_method")).item()
    if json_mode(args):
        print_json({"workspace": args.workspace, "version": version, "unit": unit})
        return 0
    print(
        f"已建立工作区 {args.workspace}（版本 {version}）：单位 {unit['unit_id']} {unit['name']}，"
        f"行业风险类别 {args.risk_class} 类，缴费方式 {method}。"
    )
    print(
        f"下一步：装入本单位的文件，如 sbbatch --db {args.workspace} load persons 单位人员信息.xlsx"
    )
    return 0


def _summary(args: argparse.Namespace) -> int:
    from sbbatch.demo import print_summary
    from sbbatch.store import Workspace

    with Workspace(args.db, read_only=True) as ws:
        if json_mode(args):
            summary = ws.summary()
            print_json({name: records(frame, args.unmask) for name, frame in summary.items()})
            return 0
        print_summary(ws)
    return 0


def _policy(args: argparse.Namespace) -> int:
    from sbbatch.demo import print_frame
    from sbbatch.policy import Policy

    view = Policy.load(args.city).view()
    if args.table:
        view = view.filter(pl.col("table") == args.table)
    if json_mode(args):
        print_json({"city": args.city, "count": view.height, "records": view.to_dicts()})
        return 0
    print_frame(view.drop("policy_id"), title=f"政策参数（{args.city}）", max_rows=200)
    return 0


def _sample(args: argparse.Namespace) -> int:
    from sbbatch.sample import generate, write_sample

    world = generate(seed=args.seed, n_persons=args.persons, n_units=args.units)
    written = write_sample(Path(args.out), world)
    if json_mode(args):
        print_json({"out": args.out, "seed": args.seed, "files": [str(p) for p in written]})
        return 0
    for path in written:
        print(f"已写出 {path}")
    return 0


def _kinds(args: argparse.Namespace) -> int:
    from sbbatch.declarations import registry
    from sbbatch.store import kinds

    batch_kinds = registry()
    if json_mode(args):
        listed = [
            {
                "kind": key,
                "manual": row["manual"],
                "title": row["title"],
                "implemented": key in batch_kinds,
            }
            for key, row in kinds().items()
        ]
        print_json({"count": len(listed), "kinds": listed})
        return 0
    for key, row in kinds().items():
        mark = "" if key in batch_kinds else "  （尚未实现）"
        print(f"{key:28} 手册 §{row['manual']:10} {row['title']}{mark}")
    return 0


def register(commands: Any) -> None:
    """Add the core commands to the parser."""
    demo = commands.add_parser("demo", help="用示例数据演示一个完整的月度流程")
    demo.set_defaults(own_db=True)  # --db: the workspace to create; a temporary one by default
    demo.add_argument("--out", help="结果与表单的输出目录", default="out/demo")
    demo.set_defaults(handler=_demo)

    init = commands.add_parser("init", help="建立一个新的工作区文件（只有它和 demo 会建立工作区）")
    init.add_argument("workspace", help="新工作区文件，如 单位.duckdb；已存在的文件不会被覆盖")
    init.add_argument("--unit", required=True, help="单位编号")
    init.add_argument("--name", required=True, help="单位名称")
    init.add_argument(
        "--risk-class",
        type=int,
        choices=range(1, 9),
        default=1,
        metavar="1-8",
        help="行业风险类别（工伤保险），1 至 8 类，默认 1 类",
    )
    init.add_argument(
        "--payment-method",
        choices=codes.table("payment_method")["code"].to_list(),
        default="1",
        help="缴费方式：1 银行代扣（默认），2 网银缴费",
    )
    init.add_argument("--today", type=date_arg, help="经办日期，如 2026-11-26（默认今天）")
    init.set_defaults(handler=_init)

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
