"""Command: load — a unit's own files (单位信息, 人员, 缴费工资, 缴费明细) into its workspace."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

__all__ = ["register"]


def _load(args: argparse.Namespace) -> int:
    from sbbatch._cli.batchfiles import _mask_failures
    from sbbatch.batch import level_label
    from sbbatch.store import Workspace
    from sbbatch.unit_files import _spec, load

    _spec(args.kind)  # an unknown kind is refused before the workspace is opened
    with Workspace(args.db) as ws:
        result = load(
            ws, args.kind, args.file, unit_id=args.unit, sheet=args.sheet, encoding=args.encoding
        )
    batch = result.batch
    if args.report:
        from sbbatch.io.xlsx import write_error_report

        write_error_report(batch, Path(args.report))
    failures = batch.failures if args.unmask else _mask_failures(batch.failures, batch.declaration)
    if args.format == "json":
        shown = result.to_dict()
        shown["failures"] = failures.to_dicts()
        print(json.dumps(shown, ensure_ascii=False, indent=2, default=str))
    else:
        print(result.summary_zh())
        head = failures.head(args.limit)
        for row in head.iter_rows(named=True):
            print(f"  第{row['row']}行 [{level_label(row['level'])}] {row['message']}")
        if failures.height > head.height:
            print(
                f"  ……另有 {failures.height - head.height} 条，完整清单请用 --report 写出错误报告。"
            )
        if args.report:
            print(f"错误报告：{args.report}")
    return 1 if result.rejected else 0


def register(commands: Any) -> None:
    """Add the load command to the parser."""
    load = commands.add_parser(
        "load",
        help="把本单位的文件装入工作区：unit 单位信息、persons 人员、wages 缴费工资、payments 缴费明细",
    )
    load.add_argument(
        "kind",
        help="unit（单位信息）、persons（单位人员信息）、wages（缴费工资）、payments（缴费明细）",
    )
    load.add_argument("file", help="文件：xlsx、xls、csv 或 parquet")
    load.add_argument("--unit", help="单位编号；工作区只有一个单位时可不填")
    load.add_argument("--report", help="写出错误报告（xlsx）")
    load.add_argument("--format", choices=["text", "json"], default="text")
    load.add_argument("--sheet", help="工作表名称")
    load.add_argument("--encoding", help="csv 文件的编码，如 gb18030；不填则自动识别")
    load.add_argument("--limit", type=int, default=50, help="文本输出最多显示的问题条数")
    load.add_argument("--unmask", action="store_true", help="输出中显示完整的身份证号码和手机号码")
    load.set_defaults(handler=_load, needs_db=True)
