"""Commands of a unit's own workspace: load, roster (增减员), reconcile (对账), overview (概况)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from sbbatch._cli.args import date_arg, load_kind, month_arg

__all__ = ["register"]


def _load(args: argparse.Namespace) -> int:
    from sbbatch._cli.batchfiles import _mask_failures, read_file_ahead, report_path

    report = report_path(args.report)  # a report that is not .xlsx is refused first
    read_file_ahead(args.file, args.sheet)  # while the rest is imported and opened

    from sbbatch.batch import level_label
    from sbbatch.store import Workspace
    from sbbatch.unit_files import _spec, load

    _spec(args.kind)  # an unknown kind is refused before the workspace is opened
    with Workspace(args.db, today=args.today) as ws:
        result = load(
            ws, args.kind, args.file, unit_id=args.unit, sheet=args.sheet, encoding=args.encoding
        )
    batch = result.batch
    if report:
        from sbbatch.io.xlsx import write_error_report

        write_error_report(batch, report)
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


def _roster(args: argparse.Namespace) -> int:
    from sbbatch._cli.batchfiles import read_file_ahead

    read_file_ahead(args.file, args.sheet)  # while the rest is imported and opened

    from sbbatch.declarations import departure, enrolment, wage_base
    from sbbatch.display import mask_text
    from sbbatch.roster import compare_roster, declare_roster, write_roster
    from sbbatch.store import Workspace

    with Workspace(args.db, today=args.today) as ws:
        result = compare_roster(
            ws,
            args.file,
            args.month,
            unit_id=args.unit,
            mapping=args.map,
            sheet=args.sheet,
            encoding=args.encoding,
        )
        files = write_roster(result, args.out, batch_format="xls" if args.xls else "xlsx")
        numbers = declare_roster(ws, result) if args.declare else {}
    if args.format == "json":
        shown = {
            "unit_id": result.unit_id,
            "month": f"{result.month:%Y-%m}",
            "roster_rows": result.batch.rows_read,
            "counts": result.counts(),
            "batches": {
                enrolment.DECLARATION.kind: result.enrolment.height,
                departure.DECLARATION.kind: result.departure.height,
                wage_base.DECLARATION.kind: result.wage_base.height,
            },
            "files": {part: str(path) for part, path in files.items()},
            "declared": numbers,
        }
        print(json.dumps(shown, ensure_ascii=False, indent=2))
    else:
        print(result.summary_zh())
        for row in result.compared.iter_rows(named=True):
            if row["note"]:
                line = f"  [{row['outcome_label']}] {row['person_id']} {row['name']}：{row['note']}"
                print(line if args.unmask else mask_text(line))
        for path in files.values():
            print(f"已写出 {path}")
        for kind, number in numbers.items():
            print(f"已录入申报 {number}（{kind}），请用 sbbatch submit 提交。")
    return 1 if result.batch.rejected.height else 0


def _reconcile(args: argparse.Namespace) -> int:
    from sbbatch.exceptions import UnusableInputError
    from sbbatch.reconcile import lines_file, reconcile, write_reconciliation
    from sbbatch.store import Workspace

    if args.lines and not args.output:
        msg = "--lines 需与 -o 一起使用。提示：例如 -o 对账.xlsx --lines 对账明细.parquet。"
        raise UnusableInputError(msg)
    with Workspace(args.db, read_only=True, today=args.today) as ws:
        result = reconcile(
            ws, args.month, agency=args.agency, payroll=args.payroll, unit_id=args.unit
        )
    lines = None
    if args.output:
        lines = lines_file(result, args.output, args.lines)
        write_reconciliation(result, args.output, lines=args.lines)
    if args.format == "json":
        shown = {
            "unit_id": result.unit_id,
            "months": [f"{m:%Y-%m}" for m in result.months],
            "lines": result.lines.height,
            "differences": result.differences.height,
            "totals": result.totals().to_dicts(),
            "by_cause": result.by_cause().to_dicts(),
        }
        if args.output:
            files = {"workbook": str(args.output)}
            if lines is not None:
                files["lines"] = str(lines)
            shown["files"] = files
        print(json.dumps(shown, ensure_ascii=False, indent=2))
    else:
        print(result.summary_zh())
        if args.output:
            print(f"已写出 {args.output}")
        if lines is not None:
            print(f"已写出 {lines}（全部 {result.lines.height:,} 行对账明细）")
    return 1 if result.differences.height else 0


def _overview(args: argparse.Namespace) -> int:
    from sbbatch.display import mask_text
    from sbbatch.overview import overview
    from sbbatch.store import Workspace

    with Workspace(args.db, read_only=True, today=args.today) as ws:
        result = overview(ws, args.unit, month=args.month)
    if args.format == "json":
        text = json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=str)
    else:
        text = result.summary_zh()
    print(text if args.unmask else mask_text(text))  # ID numbers and phones masked unless asked
    return 0


def register(commands: Any) -> None:
    """Add the load command to the parser."""
    load = commands.add_parser(
        "load",
        help="把本单位的文件装入工作区：unit 单位信息、persons 人员、wages 缴费工资、payments 缴费明细",
    )
    load_kind(
        load.add_argument(
            "kind",
            help="unit（单位信息）、persons（单位人员信息）、wages（缴费工资）、payments（缴费明细）",
        )
    )
    load.add_argument("file", help="文件：xlsx、xls、csv 或 parquet")
    load.add_argument("--unit", help="单位编号；工作区只有一个单位时可不填")
    load.add_argument("--report", help="写出错误报告（只能是 .xlsx）")
    load.add_argument("--today", type=date_arg, help="经办日期，如 2026-11-26（默认今天）")
    load.add_argument("--sheet", help="工作表名称")
    load.add_argument("--encoding", help="csv 文件的编码，如 gb18030；不填则自动识别")
    load.add_argument("--limit", type=int, default=50, help="文本输出最多显示的问题条数")
    load.set_defaults(handler=_load, needs_db=True)

    roster = commands.add_parser(
        "roster", help="花名册比对：本月花名册与工作区比对，写出增员、减员、工资申报报盘"
    )
    roster.add_argument("file", help="人事系统导出的花名册：xlsx、xls、csv 或 parquet")
    roster.add_argument("--month", type=month_arg, required=True, help="花名册的年月，如 2026-11")
    roster.add_argument("--out", required=True, help="输出目录（三个报盘和花名册比对.xlsx）")
    roster.add_argument("--map", help="列名映射文件（YAML，与 convert 相同）")
    roster.add_argument("--unit", help="单位编号；工作区只有一个单位时可不填")
    roster.add_argument("--declare", action="store_true", help="同时把三个报盘录入为申报（不提交）")
    roster.add_argument(
        "--xls", action="store_true", help="报盘写成 .xls（Excel 97-2003，社保系统下载的格式）"
    )
    roster.add_argument("--today", type=date_arg, help="经办日期，如 2026-11-26（默认今天）")
    roster.add_argument("--sheet", help="工作表名称")
    roster.add_argument("--encoding", help="csv 文件的编码")
    roster.set_defaults(handler=_roster, needs_db=True)

    recon = commands.add_parser(
        "reconcile",
        help="对账：社保经办机构缴费明细、sbbatch 计算与工资表个人扣款逐人逐月逐险种比对",
    )
    recon.add_argument(
        "--month",
        type=month_arg,
        action="append",
        required=True,
        help="费款所属期，如 2026-10；可重复给出，如 --month 2026-09 --month 2026-10",
    )
    recon.add_argument("--agency", help="缴费明细文件；不填则用 sbbatch load payments 装入的明细")
    recon.add_argument("--payroll", help="工资表（个人社保扣款）文件，可不填")
    recon.add_argument("-o", "--output", help="写出对账结果（xlsx）")
    recon.add_argument(
        "--lines",
        help="把全部对账明细（含一致的行）写入此文件（.parquet 或 .csv）；"
        "明细超过 10 万行时不放入 xlsx，不填则写入 xlsx 旁的「…_全部明细.parquet」",
    )
    recon.add_argument("--unit", help="单位编号；工作区只有一个单位时可不填")
    recon.add_argument("--today", type=date_arg, help="经办日期，如 2026-11-26（默认今天）")
    recon.set_defaults(handler=_reconcile, needs_db=True)

    over = commands.add_parser(
        "overview", help="概况信息：参保人数、本月应缴已缴、未办结申报、即将退休、异地备案、社保卡"
    )
    over.add_argument("--unit", help="单位编号；工作区只有一个单位时可不填")
    over.add_argument("--month", type=month_arg, help="年月，默认为经办日期所在月")
    over.add_argument("--today", type=date_arg, help="经办日期，如 2026-11-26（默认今天）")
    over.set_defaults(handler=_overview, needs_db=True)
