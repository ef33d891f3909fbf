"""Commands for batch files (报盘): check, template, convert."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch._cli.args import month_arg

if TYPE_CHECKING:
    from sbbatch.declarations import Declaration

__all__ = ["register"]


def _mask_failures(failures: pl.DataFrame, declaration: Declaration) -> pl.DataFrame:
    from sbbatch._mask import mask_failures

    id_headers = [c.header for c in declaration.columns if c.type == "id"]
    phone_headers = [c.header for c in declaration.columns if c.type == "phone"]
    return mask_failures(failures, id_headers, phone_headers)


def _check(args: argparse.Namespace) -> int:
    import json

    from sbbatch.batch import check, level_label

    batch = check(args.file, args.kind, sheet=args.sheet, encoding=args.encoding)
    if args.report:
        from sbbatch.io.xlsx import write_error_report

        write_error_report(batch, Path(args.report))
    failures = batch.failures if args.unmask else _mask_failures(batch.failures, batch.declaration)
    if args.format == "json":
        result = batch.to_dict()
        result["failures"] = failures.to_dicts()
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(batch.summary_zh())
        shown = failures.head(args.limit)
        for row in shown.iter_rows(named=True):
            print(f"  第{row['row']}行 [{level_label(row['level'])}] {row['message']}")
        if failures.height > shown.height:
            print(
                f"  ……另有 {failures.height - shown.height} 条，完整清单请用 --report 写出错误报告。"
            )
        if args.report:
            print(f"错误报告：{args.report}")
    return 1 if batch.rejected.height else 0


def _template(args: argparse.Namespace) -> int:
    from sbbatch.declarations import get
    from sbbatch.io.xlsx import write_template

    declaration = get(args.kind)
    data = None
    if args.with_data:
        if not (args.db and args.unit):
            print("sbbatch：含数据报盘需要 --db 工作区 和 --unit 单位编号。", file=sys.stderr)
            return 2
        if declaration.prefill is None:
            print(f"sbbatch：{declaration.title}没有含数据报盘。", file=sys.stderr)
            return 2
        from sbbatch.store import Workspace

        month = args.month
        with Workspace(args.db, read_only=True) as ws:
            ws.unit(args.unit)  # an unknown unit is refused, not written as an empty template
            data = declaration.prefill(ws, args.unit, month or ws.today.replace(day=1))
    write_template(declaration, Path(args.output), data)
    rows = f"，含 {data.height} 行数据" if data is not None else ""
    print(f"已写出{declaration.title}报盘模板：{args.output}{rows}")
    return 0


def _convert(args: argparse.Namespace) -> int:
    from sbbatch.io.convert import convert

    result = convert(args.src, args.dst, kind=args.kind, mapping=args.map, encoding=args.encoding)
    print(result.summary_zh())
    return 0


def _schema(args: argparse.Namespace) -> int:
    from sbbatch.contracts import contract_text, write_contracts
    from sbbatch.declarations import get, registry

    kinds = list(registry()) if args.kind == "all" else [get(args.kind).kind]
    if args.out is None:
        if len(kinds) > 1:
            print("sbbatch：全部业务的数据契约请用 --out 指定输出目录。", file=sys.stderr)
            return 2
        sys.stdout.write(contract_text(kinds[0], args.format))
        return 0
    written = write_contracts(args.out, kinds, args.format)
    print(f"已写出 {len(written)} 项业务的数据契约（{args.format}）到 {args.out}")
    return 0


def register(commands: Any) -> None:
    """Add the batch-file commands to the parser."""
    check = commands.add_parser("check", help="检查报盘文件，列出每一行的问题")
    check.add_argument("file", help="报盘文件：xlsx、xls、csv 或 parquet")
    check.add_argument("--kind", help="业务，如 enrolment（增员申报）；不填则按表头识别")
    check.add_argument("--report", help="写出错误报告（xlsx）")
    check.add_argument("--format", choices=["text", "json"], default="text")
    check.add_argument("--sheet", help="工作表名称")
    check.add_argument("--encoding", help="csv 文件的编码，如 gb18030；不填则自动识别")
    check.add_argument("--limit", type=int, default=50, help="文本输出最多显示的问题条数")
    check.add_argument("--unmask", action="store_true", help="输出中显示完整的身份证号码和手机号码")
    check.set_defaults(handler=_check)

    template = commands.add_parser("template", help="写出某项业务的报盘模板")
    template.add_argument("kind", help="业务，如 enrolment、departure、wage_base")
    template.add_argument("-o", "--output", required=True, help="输出文件（xlsx）")
    template.add_argument("--with-data", action="store_true", help="含数据报盘：从工作区带出人员")
    template.add_argument("--unit", help="单位编号（含数据报盘）")
    template.add_argument("--month", type=month_arg, help="申报年月，如 2026-11（含数据报盘）")
    template.set_defaults(handler=_template)

    convert = commands.add_parser(
        "convert", help="在 xlsx、xls、csv、parquet 之间转换，可按业务整理列"
    )
    convert.add_argument("src")
    convert.add_argument("dst")
    convert.add_argument("--kind", help="按此业务的模板列整理")
    convert.add_argument("--map", help="列名与取值的映射文件（YAML）")
    convert.add_argument("--encoding", help="csv 的编码，如 gb18030")
    convert.set_defaults(handler=_convert)

    schema = commands.add_parser(
        "schema", help="输出某项业务的数据契约（pandera 模式：类型、必填、代码、长度、主键）"
    )
    schema.add_argument("kind", help="业务，如 enrolment；all 表示全部业务（须同时给 --out）")
    schema.add_argument("--format", choices=["yaml", "json"], default="yaml")
    schema.add_argument(
        "--out", help="输出目录，每项业务一个文件（如 schemas/contracts）；不填则打印到屏幕"
    )
    schema.set_defaults(handler=_schema)
