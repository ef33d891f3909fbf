"""Commands for batch files (报盘): check, template, convert."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from sbbatch._cli.args import business_kind, month_arg
from sbbatch._cli.output import error_document, json_mode, print_json
from sbbatch.exceptions import UnusableInputError

if TYPE_CHECKING:
    from sbbatch.declarations import Declaration

__all__ = ["register"]


def _mask_failures(failures: pl.DataFrame, declaration: Declaration) -> pl.DataFrame:
    from sbbatch._mask import mask_failures

    id_headers = [c.header for c in declaration.columns if c.type == "id"]
    phone_headers = [c.header for c in declaration.columns if c.type == "phone"]
    return mask_failures(failures, id_headers, phone_headers)


#: The suffixes of batch files; ``check DIR`` checks every such file in the folder.
BATCH_SUFFIXES = (".xlsx", ".xls", ".csv", ".parquet")


def read_file_ahead(file: str | Path, sheet: str | None) -> None:
    """Start checking a command's xlsx and loading its sheet while the command starts up.

    The ID columns are guessed by the ID headers alone (``ID_SYNONYMS``): the reader
    uses the load only when the business's headers guess the same (``io.read_ahead``).
    """
    from sbbatch.io import read_ahead
    from sbbatch.spec import ID_SYNONYMS

    read_ahead(file, sheet=sheet, id_headers=ID_SYNONYMS)


def report_path(report: str | None) -> Path | None:
    """The ``--report`` path; anything but ``.xlsx`` is refused before any work is done."""
    if report is None:
        return None
    path = Path(report)
    if path.suffix.lower() != ".xlsx":
        msg = (
            f"错误报告只能写成 xlsx，「{path.name}」不是 .xlsx 文件。"
            f"提示：请写 --report {path.with_suffix('.xlsx').name}。"
        )
        raise UnusableInputError(msg)
    return path


def _check_one(
    args: argparse.Namespace, file: Path, report: Path | None
) -> tuple[int, dict[str, Any]]:
    """Check one file; print its text result (or nothing under JSON); return code and JSON."""
    from sbbatch.batch import check, level_label

    batch = check(file, args.kind, sheet=args.sheet, encoding=args.encoding)
    if report:
        from sbbatch.io.xlsx import write_error_report

        write_error_report(batch, report)
    failures = batch.failures if args.unmask else _mask_failures(batch.failures, batch.declaration)
    result: dict[str, Any] = {"file": str(file), "title": batch.declaration.title}
    result.update(batch.to_dict())
    result["failures"] = failures.to_dicts()
    result["report"] = str(report) if report else None
    if not json_mode(args):
        print(batch.summary_zh())
        shown = failures.head(args.limit)
        for row in shown.iter_rows(named=True):
            print(f"  第{row['row']}行 [{level_label(row['level'])}] {row['message']}")
        if failures.height > shown.height:
            print(
                f"  ……另有 {failures.height - shown.height} 条，完整清单请用 --report 写出错误报告。"
            )
        if report:
            print(f"错误报告：{report}")
    return (1 if batch.rejected.height else 0), result


def _check(args: argparse.Namespace) -> int:
    report = report_path(args.report)
    source = Path(args.file)
    if not source.is_dir():
        read_file_ahead(source, args.sheet)  # while the business is imported
        code, result = _check_one(args, source, report)
        if json_mode(args):
            print_json(result)
        return code
    return _check_folder(args, source, report)


def _check_folder(args: argparse.Namespace, folder: Path, report: Path | None) -> int:
    """``check DIR``: every batch file of the folder (not its sub-folders), one after another.

    A file that cannot be used is reported and the others are still checked; exit 2
    when some file could not be used, else 1 when some row was rejected, else 0.
    """
    from sbbatch.exceptions import SbbatchError

    if report is not None:
        msg = "检查文件夹时不能写出一个错误报告。提示：请逐个文件检查并写出报告，或不加 --report。"
        raise UnusableInputError(msg)
    files = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in BATCH_SUFFIXES and not p.name.startswith(("~$", "."))
    )
    if not files:
        msg = (
            f"文件夹「{folder}」中没有报盘文件（xlsx、xls、csv、parquet）。"
            "提示：请指定报盘文件，或放入报盘文件后重试。"
        )
        raise UnusableInputError(msg)
    results: list[dict[str, Any]] = []
    code = 0
    for file in files:
        if not json_mode(args):
            print(f"【{file.name}】")
        try:
            one, result = _check_one(args, file, None)
        except SbbatchError as exc:
            one, result = 2, {"file": str(file), **error_document(exc.text)}
            if not json_mode(args):
                print(f"  无法检查：{exc.text}")
        code = max(code, one)
        results.append(result)
    if json_mode(args):
        print_json({"folder": str(folder), "files": results})
    else:
        bad = sum(1 for r in results if "error" in r)
        rejected = sum(1 for r in results if r.get("rejected"))
        print(f"共检查 {len(files)} 个文件：有不通过行的 {rejected} 个，无法检查的 {bad} 个。")
    return code


def _template(args: argparse.Namespace) -> int:
    from sbbatch.declarations import get
    from sbbatch.io.xlsx import write_template

    declaration = get(args.kind)
    data = None
    if args.with_data:
        if not args.db:
            msg = "含数据报盘需要 --db 工作区（和 --unit 单位编号）。"
            raise UnusableInputError(msg)
        if declaration.prefill is None:
            msg = f"{declaration.title}没有含数据报盘。"
            raise UnusableInputError(msg)
        from sbbatch.store import Workspace

        month = args.month
        with Workspace(args.db, read_only=True) as ws:
            # an unknown unit is refused, not written as an empty template
            unit = ws.unit_or_only(args.unit)
            data = declaration.prefill(ws, unit, month or ws.today.replace(day=1))
    write_template(declaration, Path(args.output), data)
    if json_mode(args):
        print_json(
            {
                "kind": declaration.kind,
                "title": declaration.title,
                "file": args.output,
                "rows": data.height if data is not None else 0,
            }
        )
        return 0
    rows = f"，含 {data.height} 行数据" if data is not None else ""
    print(f"已写出{declaration.title}报盘模板：{args.output}{rows}")
    return 0


def _convert(args: argparse.Namespace) -> int:
    from sbbatch.io.convert import convert

    result = convert(args.src, args.dst, kind=args.kind, mapping=args.map, encoding=args.encoding)
    if json_mode(args):
        print_json({"source": args.src, "file": args.dst, **_convert_facts(result)})
    else:
        print(result.summary_zh())
    return 0


def _convert_facts(result: Any) -> dict[str, Any]:
    """The JSON facts of a conversion: its dataclass fields that are plain values."""
    import dataclasses

    facts: dict[str, Any] = {}
    for field in dataclasses.fields(result):
        value = getattr(result, field.name)
        if isinstance(value, (str, int, float, bool, list, dict, tuple)) or value is None:
            facts[field.name] = value
        elif isinstance(value, Path):
            facts[field.name] = str(value)
    facts["summary"] = result.summary_zh()
    return facts


def _schema(args: argparse.Namespace) -> int:
    from sbbatch.contracts import contract_text, write_contracts
    from sbbatch.declarations import get, registry

    fmt: Literal["yaml", "json"] = "json" if args.format == "json" else "yaml"
    kinds = list(registry()) if args.kind == "all" else [get(args.kind).kind]
    if args.out is None:
        if len(kinds) > 1:
            msg = "全部业务的数据契约请用 --out 指定输出目录。"
            raise UnusableInputError(msg)
        sys.stdout.write(contract_text(kinds[0], fmt))
        return 0
    written = write_contracts(args.out, kinds, fmt)
    if json_mode(args):
        print_json({"format": fmt, "kinds": kinds, "files": [str(p) for p in written]})
    else:
        print(f"已写出 {len(written)} 项业务的数据契约（{fmt}）到 {args.out}")
    return 0


def register(commands: Any) -> None:
    """Add the batch-file commands to the parser."""
    check = commands.add_parser("check", help="检查报盘文件，列出每一行的问题")
    check.add_argument(
        "file", help="报盘文件：xlsx、xls、csv 或 parquet；给文件夹则检查其中的每个报盘文件"
    )
    business_kind(
        check.add_argument("--kind", help="业务，如 enrolment（增员申报）；不填则按表头识别")
    )
    check.add_argument("--report", help="写出错误报告（只能是 .xlsx）")
    check.add_argument("--sheet", help="工作表名称")
    check.add_argument("--encoding", help="csv 文件的编码，如 gb18030；不填则自动识别")
    check.add_argument("--limit", type=int, default=50, help="文本输出最多显示的问题条数")
    check.set_defaults(handler=_check)

    template = commands.add_parser("template", help="写出某项业务的报盘模板")
    business_kind(template.add_argument("kind", help="业务，如 enrolment、departure、wage_base"))
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
    business_kind(convert.add_argument("--kind", help="按此业务的模板列整理"))
    convert.add_argument("--map", help="列名与取值的映射文件（YAML）")
    convert.add_argument("--encoding", help="csv 的编码，如 gb18030")
    convert.set_defaults(handler=_convert)

    schema = commands.add_parser(
        "schema", help="输出某项业务的数据契约（pandera 模式：类型、必填、代码、长度、主键）"
    )
    business_kind(
        schema.add_argument("kind", help="业务，如 enrolment；all 表示全部业务（须同时给 --out）"),
        "all",
    )
    schema.add_argument(
        "--format",
        choices=["text", "yaml", "json"],
        default=argparse.SUPPRESS,
        help="契约的格式：yaml（默认，text 同 yaml）或 json",
    )
    schema.add_argument(
        "--out", help="输出目录，每项业务一个文件（如 schemas/contracts）；不填则打印到屏幕"
    )
    schema.set_defaults(handler=_schema)
