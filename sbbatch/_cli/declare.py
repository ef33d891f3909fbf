"""Commands for declaring and reviewing: declare, submit, review, result, print, read, void, query.

Thin calls of :mod:`sbbatch.review`, :mod:`sbbatch.io.results`,
:mod:`sbbatch.forms.printer` and :mod:`sbbatch.queries.registry`. Output is
Chinese; ID numbers are masked unless ``--unmask`` is given. ``--today`` sets the
agency's date (经办日期) of the workspace; by default it is the system date.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import polars as pl

from sbbatch._cli import Parser
from sbbatch._cli.args import business_kind, date_arg, month_arg
from sbbatch._cli.output import json_mode, print_json, records

__all__ = ["register"]

_QUERIES = ("unit", "persons", "declarations", "progress", "loads")


# ----------------------------------------------------------------------------- helpers
def _workspace(args: argparse.Namespace, *, read_only: bool = False) -> Any:
    from sbbatch.store import Workspace

    return Workspace(args.db, today=args.today, read_only=read_only)


def _masked(frame: pl.DataFrame, unmask: bool) -> pl.DataFrame:
    """Mask ID numbers in ``person_id`` columns and inside messages, unless asked not to."""
    if unmask:
        return frame
    from sbbatch._mask import mask_id_expr, mask_text

    return frame.with_columns(
        [mask_id_expr(pl.col(c)) for c in ("person_id",) if c in frame.columns]
        + [
            pl.col(c).map_elements(mask_text, return_dtype=pl.String)
            for c, dtype in frame.schema.items()
            if dtype == pl.String and c != "person_id"
        ]
    )


#: How many rows :func:`_show` prints at most (the first and the last half).
_SHOWN_ROWS = 500


def _printed_rows(ws: Any, declaration_id: str, full: pl.DataFrame) -> pl.DataFrame:
    """The masked result of the rows :func:`_show` can print of ``full`` (all, if few).

    ``_show`` prints at most the first and the last :data:`_SHOWN_ROWS` // 2 rows, so the
    first and the last :data:`_SHOWN_ROWS` are enough, and still more than it prints.
    """
    from sbbatch.io.results import result_table

    numbers = full["row_no"]
    if numbers.len() > 2 * _SHOWN_ROWS:
        numbers = pl.concat([numbers.head(_SHOWN_ROWS), numbers.tail(_SHOWN_ROWS)])
    return result_table(ws, declaration_id, mask=True, row_numbers=numbers.to_list())


def _show(frame: pl.DataFrame, title: str, headers: dict[str, str], unmask: bool) -> None:
    """Print a frame under a title through the presenter, long texts (审核说明) in full."""
    from sbbatch.present import present

    shown = present(frame, headers=headers, mask=not unmask)
    print(f"\n【{title}】")
    with pl.Config(
        tbl_rows=_SHOWN_ROWS,
        tbl_cols=-1,
        tbl_hide_column_data_types=True,
        tbl_hide_dataframe_shape=True,
        tbl_width_chars=200,
        fmt_str_lengths=120,
    ):
        print(shown)


# ----------------------------------------------------------------------------- commands
def _declare(args: argparse.Namespace) -> int:
    from sbbatch._clock import system_now
    from sbbatch.batch import check
    from sbbatch.exceptions import UnusableInputError
    from sbbatch.review import declare

    # the file is read and checked before the workspace is opened (and locked): a bad
    # file is answered at once, even while another process holds the workspace
    batch = check(args.file, args.kind, today=args.today or system_now().date())
    if not json_mode(args):
        print(batch.summary_zh())
    if batch.rejected.height and not args.accepted_only:
        msg = (
            f"{batch.declaration.title}有 {batch.rejected.height} 行未通过检查，未申报。"
            f"提示：sbbatch check {args.file} 列出每行的问题；修正后重新申报，"
            "或加 --accepted-only 只申报通过的行。"
        )
        raise UnusableInputError(msg)
    with _workspace(args) as ws:
        unit = ws.unit_or_only(args.unit)
        declaration_id = declare(
            ws, batch, unit, business_month=args.month, accepted_only=args.accepted_only
        )
    rows = batch.accepted.height  # what declare() recorded: the accepted rows, every one
    if json_mode(args):
        counts = batch.to_dict()
        del counts["failures"]
        print_json(
            {
                "declaration_id": declaration_id,
                "kind": batch.kind,
                "title": batch.declaration.title,
                "unit_id": unit,
                "file": args.file,
                "declared_rows": rows,
                "check": counts,
            }
        )
        return 0
    print(f"已录入{batch.declaration.title} {declaration_id}，共 {rows} 人。")
    print(f"下一步：sbbatch --db {args.db} submit {declaration_id}")
    return 0


def _submit(args: argparse.Namespace) -> int:
    with _workspace(args) as ws:
        ws.submit(args.id)
        status = _status(ws, args.id)
    if json_mode(args):
        print_json({"declaration_id": args.id, "status": status})
    else:
        print(f"申报 {args.id} 已提交。")
    return 0


def _status(ws: Any, declaration_id: str) -> str:
    """A declaration's status (申报状态) as the manual names it."""
    from sbbatch.codes import to_label

    status = str(ws.declaration(declaration_id)["status"])
    label = pl.select(to_label(pl.lit(status), "declaration_status")).item()
    return str(label or status)


#: How many refused rows ``review`` lists in the terminal (the rest: ``result -o``).
_SHOWN_FAILURES = 20


def _review(args: argparse.Namespace) -> int:
    from sbbatch.review import review

    with _workspace(args) as ws:
        table = review(ws, args.id)
        approved = table.filter(pl.col("review_result") == "审核成功").height
        rejected = table.height - approved
        if json_mode(args):
            from sbbatch.io.results import result_table

            print_json(
                {
                    "declaration_id": args.id,
                    "rows": table.height,
                    "approved": approved,
                    "rejected": rejected,
                    "results": records(
                        result_table(ws, args.id, mask=not args.unmask), args.unmask
                    ),
                }
            )
            return 1 if rejected else 0
        print(
            f"申报 {args.id} 审核完成：共{table.height}人，审核成功 {approved} 人，不通过 {rejected} 人。"
        )
        if rejected:
            from sbbatch.io.results import result_table

            # only the rows listed are presented (and masked), not the whole declaration
            shown = table.filter(pl.col("review_result") == "不通过")["row_no"]
            failed = result_table(
                ws, args.id, mask=not args.unmask, row_numbers=shown.head(_SHOWN_FAILURES).to_list()
            )
            print("不通过的人员：")
            for row in failed.iter_rows(named=True):
                who = " ".join(str(row[field]) for field in ("name", "person_id") if row.get(field))
                print(f"  序号{row['row_no']} {who}：{row['review_opinion']}".replace(" ：", "："))
            if rejected > _SHOWN_FAILURES:
                print(
                    f"  ……另有 {rejected - _SHOWN_FAILURES} 人不通过。完整的审核结果："
                    f"sbbatch --db {args.db} result {args.id} -o 审核结果.xlsx"
                )
            print(
                f"提示：设为已读后，不通过的 {rejected} 人转入新的录入申报，可修改后重新提交"
                f"（sbbatch --db {args.db} read {args.id}），或加 --void-failed 作废。"
            )
    return 1 if rejected else 0


def _result(args: argparse.Namespace) -> int:
    from sbbatch.io.results import result_headers, result_table, write_review_result

    with _workspace(args, read_only=args.output is None) as ws:
        header = ws.declaration(args.id)
        if json_mode(args):
            table = result_table(ws, args.id, mask=not args.unmask)
            path = write_review_result(ws, args.id, Path(args.output)) if args.output else None
        else:  # made once; the terminal shows (and masks) only the rows it prints
            full = result_table(ws, args.id)
            path = (
                write_review_result(ws, args.id, Path(args.output), table=full)
                if args.output
                else None
            )
            table = full if args.unmask else _printed_rows(ws, args.id, full)
    if json_mode(args):
        print_json(
            {
                "declaration_id": args.id,
                "kind": header["kind"],
                "rows": table.height,
                "results": records(table, args.unmask),
                "file": str(path) if path else None,
            }
        )
        return 0
    _show(table, f"审核结果 {args.id}", result_headers(header["kind"]), args.unmask)
    print(f"共{full.height}人")
    if path:
        print(f"已写出审核结果：{path}")
    return 0


def _print(args: argparse.Namespace) -> int:
    from sbbatch.forms.printer import form_of, print_form

    with _workspace(args, read_only=True) as ws:
        path = print_form(ws, args.id, Path(args.output))
        title = form_of(ws, args.id).title
    if json_mode(args):
        print_json({"declaration_id": args.id, "title": title, "file": str(path)})
    else:
        print(f"已打印{title}：{path}")
    return 0


def _read(args: argparse.Namespace) -> int:
    with _workspace(args) as ws:
        redraft = ws.mark_read(args.id, failed_rows="void" if args.void_failed else "redraft")
        status = _status(ws, args.id)
    if json_mode(args):
        print_json({"declaration_id": args.id, "status": status, "redraft": redraft or None})
        return 0
    print(f"申报 {args.id} 已设为已读。")
    if redraft:
        print(f"不通过的人员已转入新的录入申报 {redraft}，请修改后重新提交，或作废。")
    return 0


def _void(args: argparse.Namespace) -> int:
    with _workspace(args) as ws:
        ws.void(args.id)
        status = _status(ws, args.id)
    if json_mode(args):
        print_json({"declaration_id": args.id, "status": status})
    else:
        print(f"申报 {args.id} 已作废。")
    return 0


def _query(args: argparse.Namespace) -> int:
    from sbbatch.exceptions import UnusableInputError
    from sbbatch.queries import registry as queries

    with _workspace(args, read_only=True) as ws:
        if args.name == "unit":
            frame = queries.unit_info(ws, args.unit, month=args.month)
            title = "单位信息"
        elif args.name == "persons":
            if not args.unit:
                msg = "单位人员查询需要 --unit 单位编号。"
                raise UnusableInputError(msg)
            frame = queries.unit_persons(
                ws,
                args.unit,
                month=args.month,
                name=args.person_name,
                person_id=args.id,
                status=args.status,
            )
            title = f"单位人员（{args.unit}）"
        elif args.name == "declarations":
            frame = queries.declarations(
                ws,
                args.unit,
                kind=args.kind,
                status=args.status,
                month_from=args.month_from,
                month_to=args.month_to,
            ).drop("kind", "status", "unit_name")
            title = "申报业务"
        elif args.name == "loads":
            from sbbatch.store import unit_files

            if args.id:  # where this person's loaded rows came from
                frame = unit_files.row_provenance(ws, args.id)
                title = "装入来源"
            else:
                frame = unit_files.load_history(ws)
                title = "装入记录"
            headers = {
                "load_id": "装入序号",
                "kind": "文件类别",
                "unit_id": "单位编号",
                "row_key": "行标识",
                "file": "文件",
                "sheet_row": "表格行号",
                "loaded_at": "装入时间",
                "rows_read": "读入行数",
                "added": "新增",
                "changed": "变更",
                "unchanged": "未变",
                "rejected": "未装入",
            }
            if json_mode(args):
                return _query_json(args.name, title, frame, args.unmask)
            _show(frame, title, headers, args.unmask)
            print(f"共 {frame.height} 条")
            return 0
        else:
            if not args.id:
                msg = "办理进度查询需要 --id 身份证号码。"
                raise UnusableInputError(msg)
            frame = queries.progress(ws, args.id)
            if json_mode(args):
                return _query_json(args.name, "办理进度", frame, args.unmask)
            _print_progress(_masked(frame, args.unmask), args.id if args.unmask else None)
            return 0
    if json_mode(args):
        return _query_json(args.name, title, frame, args.unmask)
    _show(frame, title, queries.ZH_HEADERS, args.unmask)
    print(f"共 {frame.height} 条")
    return 0


def _query_json(name: str, title: str, frame: pl.DataFrame, unmask: bool) -> int:
    print_json(
        {"query": name, "title": title, "count": frame.height, "records": records(frame, unmask)}
    )
    return 0


def _print_progress(frame: pl.DataFrame, person_id: str | None) -> None:
    """Print one person's declarations as lines: what, when, where it stands, why."""
    print(f"\n【办理进度】{person_id or ''}".rstrip())
    for row in frame.iter_rows(named=True):
        print(
            f"  {row['created_at']:%Y-%m-%d} {row['kind_title']} {row['declaration_id']}"
            f"（{row['unit_name'] or row['unit_id']}）：{row['stage']}"
        )
        if row["review_opinion"]:
            print(f"    审核意见：{row['review_opinion']}")
    if frame.height == 0:
        print("  没有该人员的申报。")
    print(f"共 {frame.height} 条")


# ----------------------------------------------------------------------------- parser
def register(commands: Any) -> None:
    """Add the declaring and reviewing commands to the parser."""
    common = Parser(add_help=False)
    common.add_argument("--today", type=date_arg, help="经办日期，如 2026-11-26（默认今天）")

    def add(name: str, help_text: str, handler: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = commands.add_parser(
            name, help=help_text, parents=[common]
        )
        parser.set_defaults(handler=handler, needs_db=True)
        return parser

    declare = add("declare", "把报盘文件录入为一份申报（录入）", _declare)
    declare.add_argument("file", help="报盘文件：xlsx、xls、csv 或 parquet")
    declare.add_argument("--unit", help="单位编号；工作区只有一个单位时可不填")
    business_kind(
        declare.add_argument("--kind", help="业务，如 enrolment（增员申报）；不填则按表头识别")
    )
    declare.add_argument("--month", type=month_arg, help="申报年月，如 2026-12")
    declare.add_argument(
        "--accepted-only",
        action="store_true",
        help="只申报检查通过的行（默认有不通过的行时不申报）",
    )

    add("submit", "提交申报", _submit).add_argument("id", help="申报编号")
    add("review", "模拟经办机构审核申报", _review).add_argument("id", help="申报编号")

    result = add("result", "查看审核结果，可写出 xlsx", _result)
    result.add_argument("id", help="申报编号")
    result.add_argument("-o", "--output", help="审核结果文件（xlsx）")

    printing = add("print", "打印增员表、减员表等（PDF）", _print)
    printing.add_argument("id", help="申报编号")
    printing.add_argument("-o", "--output", required=True, help="输出文件（PDF）")

    read = add("read", "设为已读；不通过的人员转入新的录入申报", _read)
    read.add_argument("id", help="申报编号")
    read.add_argument("--void-failed", action="store_true", help="不通过的人员作废，不再转入新申报")

    add("void", "作废申报", _void).add_argument("id", help="申报编号")

    query = add(
        "query",
        "信息查询：unit 单位信息、persons 单位人员、declarations 申报业务、progress 办理进度",
        _query,
    )
    query.add_argument(
        "name",
        choices=_QUERIES,
        metavar="查询",
        help="查询：unit、persons、declarations、progress、loads（装入记录；加 --id 看某人各行的来源）",
    )
    query.add_argument("--unit", help="单位编号")
    query.add_argument("--month", type=month_arg, help="查询年月，如 2026-11")
    query.add_argument("--name", dest="person_name", help="姓名（包含）")
    query.add_argument("--id", help="身份证号码")
    query.add_argument(
        "--status", help="状态：参保缴费/暂停缴费/终止，或申报状态 录入/已提交/已审核/已读/已作废"
    )
    business_kind(query.add_argument("--kind", help="业务，如 enrolment 或 增员申报"))
    query.add_argument("--from", dest="month_from", type=month_arg, help="申报时间自，如 2026-01")
    query.add_argument("--to", dest="month_to", type=month_arg, help="申报时间至，如 2026-12")
