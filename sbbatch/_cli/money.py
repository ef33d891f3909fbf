"""Commands for money: contributions, bill, pay, backpay, fee-form (thin calls of the API)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from sbbatch._cli.args import date_arg, month_arg
from sbbatch._cli.output import json_mode, print_json
from sbbatch._files import atomic_path
from sbbatch._money import yuan_decimal_expr, yuan_expr

__all__ = ["contributions_frame", "register"]

#: The columns of ``sbbatch contributions`` output, in order.
OUTPUT_COLUMNS = (
    "unit",
    "person",
    "month",
    "insurance",
    "payer",
    "base",
    "rate",
    "amount",
    "policy_id",
)


def _workspace(args: argparse.Namespace, *, read_only: bool = False) -> Any:
    from sbbatch.store import Workspace

    return Workspace(args.db, today=getattr(args, "today", None), read_only=read_only)


FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)


def contributions_frame(detail: FrameT, fmt: str) -> FrameT:
    """Shape a contribution detail for a file: ``unit, person, month, insurance, payer,
    base, rate, amount, policy_id``.

    ``fmt`` is ``csv`` (everything as text, money as plain decimal yuan ``1234.56``,
    month ``YYYY-MM``), ``parquet`` (money as Decimal(18,2) yuan, month as a date) or
    ``xlsx`` (money kept in fen for :func:`sbbatch.io.xlsx.write_frame`). ``rate`` is
    the exact decimal of the policy table, empty for fixed amounts (大额医疗).
    """
    base = pl.col("base_fen")
    amount = pl.col("amount_fen")
    if fmt == "csv":
        base, amount = yuan_expr(base), yuan_expr(amount)
        month = pl.col("month").dt.strftime("%Y-%m")
    elif fmt == "parquet":
        base, amount = yuan_decimal_expr(base), yuan_decimal_expr(amount)
        month = pl.col("month")
    else:
        month = pl.col("month")
    return detail.select(
        pl.col("unit_id").alias("unit"),
        pl.col("person_id").alias("person"),
        month.alias("month"),
        "insurance",
        "payer",
        base.alias("base"),
        "rate",
        amount.alias("amount"),
        "policy_id",
    )


def _stream_contributions(args: argparse.Namespace, target: Path, fmt: str) -> int:
    """``-o x.parquet|.csv``: the detail written a chunk of persons at a time (bounded memory)."""
    from sbbatch.contributions import write_contributions

    with _workspace(args, read_only=True) as ws:
        # the plan's compact columns go to the file as they are (dictionary-encoded
        # text in parquet); casting 60 million lines to plain strings first doubles the work
        done = write_contributions(
            ws,
            target,
            lambda lines: contributions_frame(lines, fmt),
            months=args.month or None,
            unit_id=args.unit,
            person_id=args.person,
        )
    _report(
        args,
        target,
        done.months,
        done.skipped_months,
        done.lines,
        done.persons,
        done.total_fen,
        done.missing,
    )
    return 0


def _report(
    args: argparse.Namespace,
    target: Path,
    months: list[Any],
    skipped: list[Any],
    lines: int,
    persons: int,
    total_fen: int,
    missing: pl.DataFrame,
) -> None:
    from sbbatch._mask import mask_id as mask
    from sbbatch.contributions import yuan

    if json_mode(args):
        print_json(
            {
                "file": str(target),
                "months": [f"{m:%Y-%m}" for m in months],
                "skipped_months": [f"{m:%Y-%m}" for m in skipped],
                "rows": lines,
                "persons": persons,
                "total_fen": int(total_fen),
                "total_yuan": str(yuan(total_fen)),
                "missing": [
                    {"person_id": p if args.unmask else mask(p), "month": f"{m:%Y-%m}"}
                    for p, m in missing.select("person_id", "month").rows()
                ],
            }
        )
        return
    span = f"{months[0]:%Y-%m} 至 {months[-1]:%Y-%m}" if months else "（无）"
    print(f"缴费明细：{span}，{lines} 行，{persons} 人，合计 {yuan(total_fen)} 元。已写出 {target}")
    if skipped:
        print(
            f"注意：{len(skipped)} 个月（{skipped[0]:%Y-%m} 至 {skipped[-1]:%Y-%m}）早于政策参数表，未计算。"
            "提示：需要时请在 schemas/policy 的参数表中补充该期间。"
        )
    if missing.height:
        shown = "、".join(
            f"{mask(p)}（{m:%Y-%m}）"
            for p, m in missing.select("person_id", "month").head(5).rows()
        )
        print(
            f"注意：{missing.height} 个人月已参保但没有审核通过的缴费工资，未计算：{shown}"
            + ("……" if missing.height > 5 else "")
            + "。提示：请先办理工资申报。"
        )


def _totals(args: argparse.Namespace, target: Path, fmt: str) -> int:
    """``--totals``: per unit, month, insurance and payer, summed inside DuckDB (no lines)."""
    from sbbatch.contributions import unit_totals, yuan
    from sbbatch.exceptions import UnusableInputError

    if args.person:
        msg = "--totals 按单位汇总，不能与 --person 同用。提示：查看个人明细请去掉 --totals。"
        raise UnusableInputError(msg)
    with _workspace(args, read_only=True) as ws:
        totals = unit_totals(ws, months=args.month or None, unit_id=args.unit)
    money = ("base_fen", "amount_fen")
    if fmt == "xlsx":
        from sbbatch.io.xlsx import write_frame

        write_frame(
            totals,
            target,
            sheet="缴费汇总",
            headers=dict(TOTALS_HEADERS),
            text_columns=["unit_id", "insurance", "payer"],
            money_columns=list(money),
            month_columns=["month"],
        )
    else:
        shaped = totals.with_columns(
            (
                yuan_decimal_expr(pl.col(name)) if fmt == "parquet" else yuan_expr(pl.col(name))
            ).alias(name)
            for name in money
        ).rename({"base_fen": "base", "amount_fen": "amount"})
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as part:
            if fmt == "parquet":
                shaped.write_parquet(part)
            else:
                shaped.with_columns(pl.col("month").dt.strftime("%Y-%m")).write_csv(part)
    months = totals["month"].unique().sort()
    total_fen = int(totals["amount_fen"].sum())
    if json_mode(args):
        print_json(
            {
                "file": str(target),
                "months": [f"{m:%Y-%m}" for m in months],
                "rows": totals.height,
                "units": totals["unit_id"].n_unique(),
                "total_fen": total_fen,
                "total_yuan": str(yuan(total_fen)),
            }
        )
        return 0
    span = f"{months[0]:%Y-%m} 至 {months[-1]:%Y-%m}" if months.len() else "（无）"
    print(
        f"缴费汇总：{span}，{totals.height} 行，{totals['unit_id'].n_unique()} 个单位，"
        f"合计 {yuan(total_fen)} 元。已写出 {target}"
    )
    return 0


#: Headers of ``contributions --totals`` in xlsx.
TOTALS_HEADERS = (
    ("unit_id", "单位编号"),
    ("month", "费款所属期"),
    ("insurance", "险种"),
    ("payer", "缴费人"),
    ("persons", "人数"),
    ("base_fen", "缴费基数合计"),
    ("amount_fen", "缴费金额合计"),
)


def _contributions(args: argparse.Namespace) -> int:
    from sbbatch.contributions import contributions
    from sbbatch.exceptions import UnusableInputError

    target = Path(args.output)
    fmt = target.suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "csv", "parquet"):
        msg = f"不支持的输出格式「{target.suffix}」。提示：请用 .xlsx、.csv 或 .parquet。"
        raise UnusableInputError(msg)
    if args.totals:
        return _totals(args, target, fmt)
    if fmt != "xlsx":
        return _stream_contributions(args, target, fmt)
    months = args.month or None
    with _workspace(args, read_only=True) as ws:
        result = contributions(ws, months=months, unit_id=args.unit, person_id=args.person)
    shaped = contributions_frame(result.plain(), fmt)
    target.parent.mkdir(parents=True, exist_ok=True)
    from sbbatch.io.xlsx import write_frame

    write_frame(
        shaped,
        target,
        sheet="缴费明细",
        headers={
            "unit": "单位编号",
            "person": "社会保障号码",
            "month": "费款所属期",
            "insurance": "险种",
            "payer": "缴费人",
            "base": "缴费基数",
            "rate": "缴费费率",
            "amount": "缴费金额",
            "policy_id": "政策依据",
        },
        text_columns=["unit", "person", "insurance", "payer", "rate", "policy_id"],
        money_columns=["base", "amount"],
        month_columns=["month"],
    )
    persons = result.detail["person_id"].n_unique()
    _report(
        args,
        target,
        result.months,
        result.skipped_months,
        shaped.height,
        persons,
        result.total_fen,
        result.missing,
    )
    return 0


def _print_bill(ws: Any, bill_id: str) -> None:
    from sbbatch.contributions import insurance_label_expr, yuan
    from sbbatch.forms.rmb import fen_in_words
    from sbbatch.payments import BILL_KIND_LABELS, BILL_STATUS_LABELS, bill, bill_summary

    header = bill(ws, bill_id)
    print(
        f"单据号 {bill_id}（{BILL_KIND_LABELS[header['kind']]}），状态：{BILL_STATUS_LABELS[header['status']]}"
    )
    summary = bill_summary(ws, bill_id).with_columns(
        insurance_label_expr(pl.col("insurance")).alias("label")
    )
    for row in summary.iter_rows(named=True):
        payer = "单位" if row["payer"] == "unit" else "个人"
        late = f"，滞纳金 {yuan(row['late_fee_fen'])} 元" if row["late_fee_fen"] else ""
        print(f"  {row['label']} {payer}：{row['persons']} 人，{yuan(row['amount_fen'])} 元{late}")
    print(f"合计 {yuan(header['total_fen'])} 元（大写：{fen_in_words(int(header['total_fen']))}）")


def _bill(args: argparse.Namespace) -> int:
    from sbbatch.exceptions import UnusableInputError
    from sbbatch.payments import create_backpay_bill, create_bill

    with _workspace(args) as ws:
        args.unit = ws.unit_or_only(args.unit)
        if args.backpay:
            bill_id = create_backpay_bill(ws, args.unit)
        else:
            if not args.month:
                msg = "请用 --month 指定费款所属期（如 2026-11），或用 --backpay 生成补缴单据。"
                raise UnusableInputError(msg)
            insurances = args.insurance.split(",") if args.insurance else None
            bill_id = create_bill(
                ws,
                args.unit,
                args.month,
                insurances=insurances,
                allow_missing=args.allow_missing,
            )
        pdf = None
        if args.pdf:
            from sbbatch.forms.money_forms import bill_form

            pdf = bill_form(ws, bill_id, args.pdf)
        if json_mode(args):
            print_json({**_bill_document(ws, bill_id), "pdf": str(pdf) if pdf else None})
            return 0
        _print_bill(ws, bill_id)
        if pdf:
            print(f"已写出 {pdf}")
    return 0


def _bill_document(ws: Any, bill_id: str) -> dict[str, Any]:
    """A bill as JSON: its header and one line per insurance and payer (money in fen)."""
    from sbbatch.contributions import insurance_label_expr
    from sbbatch.payments import BILL_KIND_LABELS, BILL_STATUS_LABELS, bill, bill_summary

    header = bill(ws, bill_id)
    lines = bill_summary(ws, bill_id).with_columns(
        insurance_label_expr(pl.col("insurance")).alias("insurance_label")
    )
    return {
        "bill_id": bill_id,
        "kind": header["kind"],
        "kind_label": BILL_KIND_LABELS[header["kind"]],
        "status": header["status"],
        "status_label": BILL_STATUS_LABELS[header["status"]],
        "total_fen": int(header["total_fen"]),
        "lines": lines.to_dicts(),
    }


def _pay(args: argparse.Namespace) -> int:
    from sbbatch.contributions import yuan
    from sbbatch.payments import SimulatedGateway, abandon, bill, pay

    with _workspace(args) as ws:
        if args.abandon:
            abandon(ws, args.bill)
            if json_mode(args):
                print_json({"bill_id": args.bill, "abandoned": True, "success": False})
            else:
                print(f"单据 {args.bill} 已放弃支付，其费款可重新生成单据。")
            return 0
        outcome = pay(ws, args.bill, SimulatedGateway(args.outcome, seed=args.seed))
        total = bill(ws, args.bill)["total_fen"]
        if json_mode(args):
            print_json(
                {
                    "bill_id": args.bill,
                    "abandoned": False,
                    "success": bool(outcome.success),
                    "total_fen": int(total),
                    "reference": outcome.reference,
                    "message": outcome.message,
                }
            )
            return 0 if outcome.success else 1
        if outcome.success:
            print(f"单据 {args.bill} 支付成功：{yuan(total)} 元，流水号 {outcome.reference}。")
            return 0
        print(
            f"单据 {args.bill} 支付失败：{outcome.message} 提示：可重新支付（sbbatch pay {args.bill}），"
            f"或放弃支付（sbbatch pay {args.bill} --abandon）。"
        )
        return 1


def _backpay(args: argparse.Namespace) -> int:
    from sbbatch._cli.output import records
    from sbbatch._mask import mask_id
    from sbbatch.batch import check
    from sbbatch.contributions import yuan
    from sbbatch.declarations.backpay import DECLARATION as BACKPAY
    from sbbatch.declarations.backpay import row_totals
    from sbbatch.review import declare, review

    as_json = json_mode(args)

    def mask(person_id: str) -> str:
        return person_id if args.unmask else mask_id(person_id)

    batch = check(args.file, BACKPAY.kind)
    document: dict[str, Any] = {"file": args.file, "check": {**batch.to_dict(), "failures": []}}
    if batch.rejected.height:
        from sbbatch._cli.batchfiles import _mask_failures

        failures = (
            batch.failures if args.unmask else _mask_failures(batch.failures, batch.declaration)
        )
        if as_json:
            document["check"]["failures"] = failures.to_dicts()
            print_json({**document, "declaration_id": None})
            return 1
        print(batch.summary_zh())
        for row in failures.head(20).iter_rows(named=True):
            print(f"  第{row['row']}行：{row['message']}")
        print("提示：修正后重新导入。")
        return 1
    if not as_json:
        print(batch.summary_zh())
    with _workspace(args) as ws:
        args.unit = ws.unit_or_only(args.unit)
        declaration_id = declare(ws, batch, args.unit)
        ws.submit(declaration_id)
        outcome = review(ws, declaration_id)
        approved = outcome.filter(pl.col("review_result") == "审核成功").height
        totals = row_totals(ws, declaration_id)
        if as_json:
            document.update(
                declaration_id=declaration_id,
                approved=approved,
                rejected=outcome.height - approved,
                results=records(outcome, args.unmask),
                totals=records(totals, args.unmask),
            )
        else:
            print(
                f"补缴申报 {declaration_id}：审核成功 {approved} 行，"
                f"不通过 {outcome.height - approved} 行。"
            )
            for row in outcome.filter(pl.col("review_result") == "不通过").iter_rows(named=True):
                print(f"  第{row['row_no']}行 {mask(row['person_id'])}：{row['review_opinion']}")
            for row in totals.iter_rows(named=True):
                print(
                    f"  第{row['row_no']}行 {mask(row['person_id'])}：{row['months']} 个月，"
                    f"应缴 {yuan(row['amount_fen'])} 元，"
                    f"滞纳金（计至 {ws.today:%Y-%m-%d}）{yuan(row['late_fee_fen'])} 元"
                )
        if args.result:
            from sbbatch.io.xlsx import write_result

            write_result(
                outcome,
                args.result,
                "社会保险费补缴申报审核结果",
                {
                    "review_result": "审核结果",
                    "review_opinion": "审核意见",
                    "person_id": "社会保障号码",
                    "name": "姓名",
                    "from_month": "补缴年月",
                    "to_month": "补缴终止年月",
                    "wage_fen": "缴费基数",
                    "reason": "补缴原因",
                },
                money_columns=["wage_fen"],
            )
            if not as_json:
                print(f"已写出 {args.result}")
        document["result_file"] = args.result
        ws.mark_read(declaration_id, failed_rows="void")
        document["bill"] = None
        if args.bill and approved:
            from sbbatch.payments import create_backpay_bill

            bill_id = create_backpay_bill(ws, args.unit, declarations=[declaration_id])
            if as_json:
                document["bill"] = _bill_document(ws, bill_id)
            else:
                _print_bill(ws, bill_id)
    if as_json:
        print_json(document)
    return 0 if approved == outcome.height else 1


def _fee_form(args: argparse.Namespace) -> int:
    from sbbatch.exceptions import UnusableInputError
    from sbbatch.forms.money_forms import declaration_form

    if not args.month and not args.bill:
        msg = "请用 --month 指定费款所属期，或用 --bill 指定单据号。"
        raise UnusableInputError(msg)
    with _workspace(args, read_only=True) as ws:
        args.unit = ws.unit_or_only(args.unit)
        path = declaration_form(
            ws,
            args.unit,
            args.output,
            month=args.month,
            bill_id=args.bill,
        )
    if json_mode(args):
        print_json({"unit_id": args.unit, "file": str(path)})
    else:
        print(f"已写出 {path}")
    return 0


def register(commands: Any) -> None:
    """Add the money commands to the parser."""
    contributions = commands.add_parser(
        "contributions", help="计算缴费明细（每人每月每险种每缴费人一行）并写出文件"
    )
    contributions.add_argument(
        "--month",
        action="append",
        type=month_arg,
        help="费款所属期，如 2026-11；可多次给出；不填为全部月份",
    )
    contributions.add_argument("--unit", help="单位编号")
    contributions.add_argument("--person", help="社会保障号码")
    contributions.add_argument(
        "--totals",
        action="store_true",
        help="只写出按单位、月份、险种、缴费人的汇总（在数据库内计算，不生成明细）",
    )
    contributions.add_argument(
        "-o", "--output", required=True, help="输出文件：.xlsx、.csv 或 .parquet"
    )
    contributions.add_argument("--today", type=date_arg, help="经办日期 YYYY-MM-DD（默认今天）")
    contributions.set_defaults(handler=_contributions, needs_db=True)

    bill = commands.add_parser("bill", help="生成缴费单据（工资申报缴费 / 补缴缴费）")
    bill.add_argument("--unit", help="单位编号；工作区只有一个单位时可不填")
    bill.add_argument("--month", type=month_arg, help="费款所属期，如 2026-11")
    bill.add_argument("--insurance", help="缴费险种代码，逗号分隔，如 1,2,3；不填为全部险种")
    bill.add_argument("--backpay", action="store_true", help="为审核成功的补缴生成单据（含滞纳金）")
    bill.add_argument(
        "--allow-missing", action="store_true", help="有人未申报工资时，仍为其他人生成单据"
    )
    bill.add_argument("--pdf", help="同时写出单据 PDF")
    bill.add_argument("--today", type=date_arg, help="经办日期 YYYY-MM-DD（默认今天）")
    bill.set_defaults(handler=_bill, needs_db=True)

    pay = commands.add_parser("pay", help="支付单据（模拟在线支付），或放弃支付")
    pay.add_argument("bill", help="单据号")
    pay.add_argument(
        "--outcome",
        choices=["success", "failure", "random"],
        default="success",
        help="模拟支付结果",
    )
    pay.add_argument("--seed", type=int, default=0, help="random 结果的种子")
    pay.add_argument("--abandon", action="store_true", help="放弃支付")
    pay.add_argument("--today", type=date_arg, help="经办日期 YYYY-MM-DD（默认今天）")
    pay.set_defaults(handler=_pay, needs_db=True)

    backpay = commands.add_parser("backpay", help="导入补缴报盘，申报并审核（社会保险费补缴申报）")
    backpay.add_argument("file", help="补缴报盘：xlsx、xls、csv 或 parquet")
    backpay.add_argument("--unit", help="单位编号；工作区只有一个单位时可不填")
    backpay.add_argument("--result", help="写出审核结果（xlsx）")
    backpay.add_argument("--bill", action="store_true", help="审核后生成补缴单据")
    backpay.add_argument("--today", type=date_arg, help="经办日期 YYYY-MM-DD（默认今天）")
    backpay.set_defaults(handler=_backpay, needs_db=True)

    form = commands.add_parser("fee-form", help="打印社会保险费申报表（PDF）")
    form.add_argument("--unit", help="单位编号；工作区只有一个单位时可不填")
    form.add_argument("--month", type=month_arg, help="费款所属期，如 2026-11")
    form.add_argument("--bill", help="或：按单据打印")
    form.add_argument("-o", "--output", required=True, help="输出 PDF")
    form.add_argument("--today", type=date_arg, help="经办日期 YYYY-MM-DD（默认今天）")
    form.set_defaults(handler=_fee_form, needs_db=True)
