"""Commands for social security cards (社保卡): photo checks, card status, export, results.

``sbbatch photos check DIR_OR_ZIP`` checks every photo against the card photo rules
and the file-name convention (身份证号码姓名.jpg). Exit code 0 when every photo
passes (提示 allowed), 1 when some fail, 2 when the folder or zip cannot be used.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import polars as pl

from sbbatch._cli import Parser
from sbbatch._cli.output import json_mode, print_json, records

__all__ = ["register"]


def _mask(text: str | None, unmask: bool) -> str | None:
    if text is None or unmask:
        return text
    from sbbatch.display import mask_text

    return mask_text(text)


def _photos_check(args: argparse.Namespace) -> int:
    from sbbatch._clock import system_now
    from sbbatch.photos import check_photos

    persons = None
    today = system_now().date()
    scope = "名单"
    if args.unit:
        if not args.db:
            from sbbatch.exceptions import UnusableInputError

            msg = "按单位人员核对照片需要 --db 工作区。提示：sbbatch --db 工作区.duckdb photos check …"
            raise UnusableInputError(msg)
        from sbbatch.queries.cards import card_status
        from sbbatch.store import Workspace

        with Workspace(args.db, read_only=True) as ws:
            persons = card_status(ws, args.unit).select("person_id", "name")
            today = ws.today
        scope = "本单位参保人员"
    frame = check_photos(
        Path(args.source), persons=persons, today=today, workers=args.workers, scope=scope
    )
    failed = frame.filter(~pl.col("ok")).height
    if json_mode(args):
        entries = [
            {
                "file": row["file"],  # unmasked: a tool maps the results back to its files
                "ok": row["ok"],
                "person_id": _mask(row["person_id"], args.unmask),
                "problems": [
                    {
                        "rule": p["rule"],
                        "level": p["level"],
                        "message": _mask(p["message"], args.unmask),
                    }
                    for p in row["problems"]
                ],
            }
            for row in frame.iter_rows(named=True)
        ]
        print_json(entries)
    else:
        warnings = 0
        for row in frame.iter_rows(named=True):
            mark = "合格" if row["ok"] else "不合格"
            print(f"[{mark}] {_mask(row['file'], args.unmask)}")
            for problem in row["problems"]:
                level = "不通过" if problem["level"] == "reject" else "提示"
                warnings += problem["level"] == "warn"
                print(f"    [{level}] {_mask(problem['message'], args.unmask)}")
        print(
            f"共 {frame.height} 张照片：合格 {frame.height - failed} 张，不合格 {failed} 张，"
            f"提示 {warnings} 条。"
        )
    return 1 if failed else 0


def _cards_status(args: argparse.Namespace) -> int:
    from sbbatch._mask import mask_id_expr
    from sbbatch.demo import print_frame
    from sbbatch.display import zh
    from sbbatch.queries.cards import card_state_counts, card_status
    from sbbatch.store import Workspace

    with Workspace(args.db, read_only=True) as ws:
        counts = card_state_counts(ws, args.unit)
        status = card_status(ws, args.unit)
    if json_mode(args):
        print_json(
            {
                "unit_id": args.unit,
                "counts": counts.to_dicts(),
                "persons": records(status, args.unmask) if args.list else None,
            }
        )
        return 0
    print_frame(zh(counts), f"单位 {args.unit} 社保卡状态")
    if args.list:
        shown = status.select(
            pl.col("person_id") if args.unmask else mask_id_expr(pl.col("person_id")),
            "name",
            "card_state",
            "application_id",
            "has_photo",
        )
        print_frame(zh(shown), "人员明细", max_rows=500)
    return 0


def _cards_export(args: argparse.Namespace) -> int:
    from sbbatch.cards import export_unapplied
    from sbbatch.store import Workspace

    with Workspace(args.db, read_only=True) as ws:
        rows = export_unapplied(ws, args.unit, Path(args.output))
    if json_mode(args):
        print_json({"unit_id": args.unit, "rows": rows.height, "file": args.output})
        return 0
    print(f"已导出未制卡申请人员 {rows.height} 人：{args.output}")
    return 0


def _cards_result(args: argparse.Namespace) -> int:
    from sbbatch._mask import mask_id_expr, mask_phone_expr
    from sbbatch.cards import (
        APPLICATION_RESULT_HEADERS,
        application_result,
        write_application_result,
    )
    from sbbatch.demo import print_frame
    from sbbatch.store import Workspace

    with Workspace(args.db, read_only=True) as ws:
        result = application_result(ws, args.declaration)
        if args.output:
            write_application_result(ws, args.declaration, Path(args.output))
    if json_mode(args):
        print_json(
            {
                "declaration_id": args.declaration,
                "rows": result.height,
                "results": records(result, args.unmask),
                "file": args.output,
            }
        )
        return 0
    shown = (
        result
        if args.unmask
        else result.with_columns(
            mask_id_expr(pl.col("person_id")), mask_phone_expr(pl.col("phone"))
        )
    )
    print_frame(shown.rename(APPLICATION_RESULT_HEADERS), f"社保卡申领审批结果 {args.declaration}")
    if args.output:
        print(f"已写出：{args.output}")
    return 0


def register(commands: Any) -> None:
    """Add the ``photos`` and ``cards`` commands to the parser."""
    photos = commands.add_parser("photos", help="社保卡照片：检查照片文件")
    photo_commands = photos.add_subparsers(
        dest="photos_command", metavar="命令", parser_class=Parser
    )
    check = photo_commands.add_parser(
        "check", help="按制卡照片要求和命名规则（身份证号码姓名.jpg）检查文件夹或 zip 中的每张照片"
    )
    check.add_argument("source", help="照片文件夹或 zip 压缩包")
    check.add_argument(
        "--unit", help="单位编号：核对身份证号码和姓名是否为本单位参保人员（需 --db）"
    )
    check.add_argument("--workers", type=int, default=1, help="并行检查的进程数")
    check.set_defaults(handler=_photos_check)

    cards = commands.add_parser("cards", help="社保卡：申领状态、导出未制卡申请人员、审批结果")
    card_commands = cards.add_subparsers(dest="cards_command", metavar="命令", parser_class=Parser)
    status = card_commands.add_parser(
        "status", help="单位人员的社保卡状态（未申领/申领中/已制卡/已撤销）"
    )
    status.add_argument("--unit", required=True, help="单位编号")
    status.add_argument("--list", action="store_true", help="列出每个人")
    status.set_defaults(handler=_cards_status, needs_db=True)

    export = card_commands.add_parser("export", help="导出未制卡申请人员报盘文件（xlsx）")
    export.add_argument("--unit", required=True, help="单位编号")
    export.add_argument("-o", "--output", required=True, help="输出文件（xlsx）")
    export.set_defaults(handler=_cards_export, needs_db=True)

    result = card_commands.add_parser("result", help="显示（并写出）社保卡申领的审批结果")
    result.add_argument("declaration", help="申报编号，如 SK20261100002")
    result.add_argument("-o", "--output", help="写出审批结果（xlsx）")
    result.set_defaults(handler=_cards_result, needs_db=True)
