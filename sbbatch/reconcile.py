"""对账: the agency's payment detail, sbbatch's own calculation and the payroll, line by line.

:func:`reconcile` lines up, per person, month and insurance (险种):

- the agency's detail (人员缴费情况 / 缴费单据 lines: ``sbbatch load payments``, or a
  file given here): 缴费基数, 单位缴纳, 个人缴纳;
- sbbatch's own calculation (:func:`sbbatch.contributions.contributions` on the
  workspace: the unit's persons, their wages and the dated policy);
- optionally the payroll's personal deductions (工资表: one column per insurance, 养老
  个人 …), which should equal what the person owes.

Every difference is reported with its likely cause (``schemas/codes/reconcile_cause.csv``):
人员不在本单位 (the agency charges someone the workspace does not insure in the unit that
month), 缺月 (sbbatch owes a line the other source lacks), 多月 (the other source has a
line sbbatch does not owe), 基数不同 (the base differs), 四舍五入 (the amounts differ by
at most one fen a payer: rounding), 费率不同 (same base, another amount). Totals per
source are the sums of their lines, to the fen; a summary a manager can read says how
far apart the sources are and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

import polars as pl

from sbbatch import _progress, codes
from sbbatch._money import yuan
from sbbatch._reconcile_report import LINES_IN_WORKBOOK, lines_file, write_reconciliation
from sbbatch.batch import Batch, check, check_frame
from sbbatch.contributions import contribution_plan
from sbbatch.declarations._common import id_column, name_column
from sbbatch.exceptions import UnusableInputError
from sbbatch.policy import half_up_fen
from sbbatch.spec import Column, Declaration
from sbbatch.store.payments import insured_person_months, person_names
from sbbatch.store.queries import agency_payment_lines
from sbbatch.unit_files import PAYMENTS

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = [
    "LINES_IN_WORKBOOK",
    "PAYROLL",
    "ReconcileResult",
    "lines_file",
    "own_lines",
    "reconcile",
    "write_reconciliation",
]

#: The payroll's personal deduction columns, by insurance code (codes/insurance).
_PAYROLL_INSURANCES: Final = {
    "pension_person_fen": (
        "1",
        "养老保险个人",
        ("养老个人", "个人养老", "养老保险(个人)", "代扣养老"),
    ),
    "unemployment_person_fen": (
        "2",
        "失业保险个人",
        ("失业个人", "个人失业", "失业保险(个人)", "代扣失业"),
    ),
    "medical_person_fen": (
        "3",
        "医疗保险个人",
        ("医疗个人", "个人医疗", "医疗保险(个人)", "代扣医疗"),
    ),
    "large_medical_person_fen": (
        "10",
        "大额医疗个人",
        ("大额医疗", "大额个人", "大额医疗补助", "代扣大额"),
    ),
}

PAYROLL: Final = Declaration(
    kind="payroll",
    title="工资表",
    columns=(
        id_column(),
        name_column(required=False),
        Column(
            "month",
            "工资月份",
            "month",
            required=True,
            example="2026-10",
            synonyms=("月份", "所属期", "费款所属期", "发放月份"),
        ),
        *(
            Column(field, header, "money", example="400.00", synonyms=synonyms)
            for field, (_, header, synonyms) in _PAYROLL_INSURANCES.items()
        ),
    ),
    key_fields=("person_id", "month"),
    description="工资表中的个人社保扣款。一行一人一月。",
    detectable=False,
)

_KEY: Final = ["person_id", "month", "insurance"]


def _cause(label: str) -> pl.Expr:
    """A cause by its label in ``schemas/codes/reconcile_cause.csv``."""
    if label not in set(codes.table("reconcile_cause")["label"].to_list()):  # pragma: no cover
        msg = f"对账差异原因代码表中没有「{label}」。"
        raise LookupError(msg)
    return pl.lit(label)


PERSON_NOT_HERE, MISSING, EXTRA, BASE, ROUNDING, RATE = (
    "人员不在本单位",
    "缺月",
    "多月",
    "基数不同",
    "四舍五入",
    "费率不同",
)

#: Differences of at most this many fen per payer are rounding (one fen: 四舍五入).
_ROUNDING_FEN: Final = 1


@dataclass(frozen=True)
class ReconcileResult:
    """The three sources side by side, and every difference with its cause.

    Attributes:
        unit_id: The unit.
        months: The months compared.
        lines: One row per person, month and insurance found in any source:
            ``person_id``, ``name``, ``month``, ``insurance``, ``agency_base_fen``,
            ``agency_unit_fen``, ``agency_person_fen``, ``ours_base_fen``,
            ``ours_unit_fen``, ``ours_person_fen``, ``payroll_person_fen``,
            ``agency_cause`` (agency vs sbbatch, null when equal), ``payroll_cause``
            (payroll vs sbbatch, null when equal or no payroll).
        agency: The agency file as checked (None when taken from the workspace).
        payroll: The payroll file as checked (None without one).
    """

    unit_id: str
    months: list[dt.date]
    lines: pl.DataFrame
    agency: Batch | None
    payroll: Batch | None

    @property
    def differences(self) -> pl.DataFrame:
        """The lines where a source differs from sbbatch's calculation."""
        return self.lines.filter(
            pl.col("agency_cause").is_not_null() | pl.col("payroll_cause").is_not_null()
        )

    def totals(self) -> pl.DataFrame:
        """Per source: 单位 and 个人 totals (fen), each the sum of its lines."""
        sums = self.lines.select(
            pl.col("agency_unit_fen").sum(),
            pl.col("agency_person_fen").sum(),
            pl.col("ours_unit_fen").sum(),
            pl.col("ours_person_fen").sum(),
            pl.col("payroll_person_fen").sum(),
        ).row(0)
        has_payroll = self.payroll is not None
        return pl.DataFrame(
            {
                "source": ["社保经办机构缴费明细", "sbbatch 计算", "工资表个人扣款"],
                "unit_fen": [sums[0], sums[2], None],
                "person_fen": [sums[1], sums[3], sums[4] if has_payroll else None],
            },
            schema={"source": pl.String, "unit_fen": pl.Int64, "person_fen": pl.Int64},
        )

    def by_cause(self) -> pl.DataFrame:
        """Differences counted and summed by comparison and cause (fen, source − sbbatch)."""
        agency = self.lines.filter(pl.col("agency_cause").is_not_null()).select(
            pl.lit("社保经办机构 − sbbatch").alias("comparison"),
            pl.col("agency_cause").alias("cause"),
            (
                pl.col("agency_unit_fen").fill_null(0)
                + pl.col("agency_person_fen").fill_null(0)
                - pl.col("ours_unit_fen").fill_null(0)
                - pl.col("ours_person_fen").fill_null(0)
            ).alias("diff_fen"),
        )
        payroll = self.lines.filter(pl.col("payroll_cause").is_not_null()).select(
            pl.lit("工资表 − sbbatch（个人）").alias("comparison"),
            pl.col("payroll_cause").alias("cause"),
            (
                pl.col("payroll_person_fen").fill_null(0) - pl.col("ours_person_fen").fill_null(0)
            ).alias("diff_fen"),
        )
        return (
            pl.concat([agency, payroll])
            .group_by("comparison", "cause", maintain_order=True)
            .agg(pl.len().alias("lines"), pl.col("diff_fen").sum())
            .sort("comparison", "cause")
        )

    def summary_zh(self) -> str:
        """Return a summary a manager can read: totals, how far apart, why."""
        totals = self.totals().rows(named=True)
        agency, ours, payroll = totals
        months = "、".join(f"{m:%Y-%m}" for m in self.months)
        lines = [f"单位 {self.unit_id} {months} 对账："]
        agency_total = (agency["unit_fen"] or 0) + (agency["person_fen"] or 0)
        ours_total = (ours["unit_fen"] or 0) + (ours["person_fen"] or 0)
        lines.append(
            f"社保经办机构 {yuan(agency_total)} 元（单位 {yuan(agency['unit_fen'] or 0)}，"
            f"个人 {yuan(agency['person_fen'] or 0)}）；sbbatch 计算 {yuan(ours_total)} 元（单位 "
            f"{yuan(ours['unit_fen'] or 0)}，个人 {yuan(ours['person_fen'] or 0)}）；"
            f"相差 {yuan(agency_total - ours_total)} 元。"
        )
        if self.payroll is not None:
            lines.append(
                f"工资表个人扣款 {yuan(payroll['person_fen'] or 0)} 元，与 sbbatch 计算的个人部分"
                f"相差 {yuan((payroll['person_fen'] or 0) - (ours['person_fen'] or 0))} 元。"
            )
        causes = self.by_cause()
        if causes.height == 0:
            lines.append("各来源逐人逐月逐险种一致。")
        for row in causes.iter_rows(named=True):
            lines.append(
                f"{row['comparison']}：{row['cause']} {row['lines']} 行，合计 {yuan(row['diff_fen'])} 元。"
            )
        return "\n".join(lines)


def _months(months: dt.date | Iterable[dt.date]) -> list[dt.date]:
    chosen = [months] if isinstance(months, dt.date) else list(months)
    return sorted({m.replace(day=1) for m in chosen})


def _agency_lines(
    ws: Workspace, unit_id: str, months: list[dt.date], source: str | Path | pl.DataFrame | None
) -> tuple[pl.DataFrame, Batch | None]:
    if source is None:
        lines = agency_payment_lines(ws, unit_id, months)
        return lines, None
    batch = (
        check_frame(source, PAYMENTS, today=ws.today)
        if isinstance(source, pl.DataFrame)
        else check(source, PAYMENTS, today=ws.today)
    )
    if batch.rejected.height:
        msg = (
            f"缴费明细有 {batch.rejected.height} 行未通过检查，未对账。"
            "提示：用 sbbatch check --report 写出错误报告，修正后再对账。"
        )
        raise UnusableInputError(msg)
    lines = batch.accepted.filter(pl.col("month").is_in(months)).select(
        "person_id", "month", "insurance", "base_fen", "unit_fen", "person_fen"
    )
    return lines, batch


def _payroll_lines(
    ws: Workspace, months: list[dt.date], source: str | Path | pl.DataFrame | None
) -> tuple[pl.DataFrame | None, Batch | None]:
    if source is None:
        return None, None
    batch = (
        check_frame(source, PAYROLL, today=ws.today)
        if isinstance(source, pl.DataFrame)
        else check(source, PAYROLL, today=ws.today)
    )
    if batch.rejected.height:
        msg = (
            f"工资表有 {batch.rejected.height} 行未通过检查，未对账。"
            "提示：用 sbbatch check --report 写出错误报告，修正后再对账。"
        )
        raise UnusableInputError(msg)
    rows = batch.accepted.filter(pl.col("month").is_in(months))
    long = pl.concat(
        [
            rows.select(
                "person_id",
                "month",
                pl.lit(code).alias("insurance"),
                pl.col(field).alias("payroll_person_fen"),
            )
            for field, (code, _, _) in _PAYROLL_INSURANCES.items()
            if field in rows.columns
        ]
    ).filter(pl.col("payroll_person_fen").is_not_null())
    return long, batch


@_progress.task("正在计算缴费明细")
def own_lines(ws: Workspace, unit_id: str, months: list[dt.date]) -> pl.DataFrame:
    """sbbatch's calculation per person, month and insurance: base, 单位 and 个人 amounts (fen).

    The contribution plan's lines are grouped as they are computed: the detail is
    never sorted nor kept (:func:`~sbbatch.contributions.contributions` sorts it by
    text keys for a reader; here the lines are sorted once, after the join).
    """
    detail = contribution_plan(ws, months=months, unit_id=unit_id).lines
    unit, person = pl.col("payer") == "unit", pl.col("payer") == "person"
    # grouped on the detail's categorical keys (integers underneath), made plain text after
    return (
        detail.group_by(_KEY)
        .agg(
            pl.col("base_fen").max().cast(pl.Int64).alias("ours_base_fen"),
            pl.when(unit).then(pl.col("amount_fen")).sum().cast(pl.Int64).alias("ours_unit_fen"),
            pl.when(person)
            .then(pl.col("amount_fen"))
            .sum()
            .cast(pl.Int64)
            .alias("ours_person_fen"),
            pl.col("rate_ppm").filter(person).first().cast(pl.Int64).alias("_person_ppm"),
            pl.col("rate_ppm").filter(unit).first().cast(pl.Int64).alias("_unit_ppm"),
        )
        .with_columns(pl.col("person_id").cast(pl.String), pl.col("insurance").cast(pl.String))
        .collect()
    )


def reconcile(
    ws: Workspace,
    months: dt.date | Iterable[dt.date],
    *,
    agency: str | Path | pl.DataFrame | None = None,
    payroll: str | Path | pl.DataFrame | None = None,
    unit_id: str | None = None,
) -> ReconcileResult:
    """Reconcile the agency's payment detail and the payroll with sbbatch's calculation.

    Args:
        ws: The workspace of the unit (persons, insured periods, wages).
        months: The fee months (费款所属期) to compare.
        agency: The agency's detail file or frame; the ``agency_payments`` already
            loaded into the workspace (``sbbatch load payments``) by default.
        payroll: The payroll's personal deductions (工资表), optional.
        unit_id: The unit; the workspace's only unit by default.

    Returns:
        The :class:`ReconcileResult`. The workspace is not changed.
    """
    chosen = _months(months)
    unit_id = ws.unit_or_only(unit_id)
    agency_lines, agency_batch = _agency_lines(ws, unit_id, chosen, agency)
    if agency_lines.height == 0:
        shown = "、".join(f"{m:%Y-%m}" for m in chosen)
        msg = (
            f"没有单位 {unit_id} {shown} 的社保经办机构缴费明细，无法对账。"
            "提示：先用 sbbatch load payments 装入缴费明细，或用 --agency 指定文件。"
        )
        raise UnusableInputError(msg)
    payroll_lines, payroll_batch = _payroll_lines(ws, chosen, payroll)
    ours = own_lines(ws, unit_id, chosen)
    insured = (
        insured_person_months(ws, unit_id, chosen)
        .lazy()
        .with_columns(pl.col("month").cast(pl.Date), pl.lit(True).alias("_here"))
    )
    lines = (
        agency_lines.lazy()
        .rename(
            {
                "base_fen": "agency_base_fen",
                "unit_fen": "agency_unit_fen",
                "person_fen": "agency_person_fen",
            }
        )
        .join(ours.lazy(), on=_KEY, how="full", coalesce=True)
    )
    if payroll_lines is not None:
        lines = lines.join(payroll_lines.lazy(), on=_KEY, how="full", coalesce=True)
    else:
        lines = lines.with_columns(pl.lit(None, pl.Int64).alias("payroll_person_fen"))
    lines = _sorted(
        lines.join(insured, on=["person_id", "month"], how="left").with_columns(
            pl.col("_here").fill_null(False)
        ),
        [agency_lines, ours, *([] if payroll_lines is None else [payroll_lines])],
    )
    in_agency = pl.col("agency_unit_fen").is_not_null() | pl.col("agency_person_fen").is_not_null()
    in_ours = pl.col("ours_unit_fen").is_not_null()

    def close(a: str, b: str) -> pl.Expr:
        return (pl.col(a).fill_null(0) - pl.col(b).fill_null(0)).abs() <= _ROUNDING_FEN

    equal = (pl.col("agency_unit_fen").fill_null(0) == pl.col("ours_unit_fen").fill_null(0)) & (
        pl.col("agency_person_fen").fill_null(0) == pl.col("ours_person_fen").fill_null(0)
    )
    agency_cause = (
        pl.when(in_agency & ~pl.col("_here"))
        .then(_cause(PERSON_NOT_HERE))
        .when(in_agency & ~in_ours)
        .then(_cause(EXTRA))
        .when(~in_agency & in_ours)
        .then(_cause(MISSING))
        .when(~in_agency | equal)
        .then(pl.lit(None, pl.String))
        .when(
            pl.col("agency_base_fen").is_not_null()
            & (pl.col("agency_base_fen") != pl.col("ours_base_fen"))
        )
        .then(_cause(BASE))
        .when(
            close("agency_unit_fen", "ours_unit_fen")
            & close("agency_person_fen", "ours_person_fen")
        )
        .then(_cause(ROUNDING))
        .otherwise(_cause(RATE))
    )
    # the base the payroll's deduction implies, at sbbatch's personal rate (ppm)
    implied_ok = (
        half_up_fen(pl.col("ours_base_fen"), pl.col("_person_ppm")) - pl.col("payroll_person_fen")
    ).abs() <= _ROUNDING_FEN
    has_payroll = pl.col("payroll_person_fen").is_not_null()
    person_owed = pl.col("ours_person_fen").fill_null(0) > 0
    payroll_cause = (
        pl.when(pl.lit(payroll_lines is None))
        .then(pl.lit(None, pl.String))
        .when(has_payroll & ~pl.col("_here"))
        .then(_cause(PERSON_NOT_HERE))
        .when(has_payroll & ~in_ours)
        .then(_cause(EXTRA))
        .when(~has_payroll & person_owed)
        .then(_cause(MISSING))
        .when(~has_payroll | (pl.col("payroll_person_fen") == pl.col("ours_person_fen")))
        .then(pl.lit(None, pl.String))
        .when(close("payroll_person_fen", "ours_person_fen") & implied_ok)
        .then(_cause(ROUNDING))
        .otherwise(_cause(BASE))
    )
    # every person of any source: the agency's, sbbatch's (the unit's) and the payroll's
    everyone = [agency_lines["person_id"], ours["person_id"]]
    if payroll_lines is not None:
        everyone.append(payroll_lines["person_id"])
    names = person_names(ws, pl.concat(everyone).unique())
    result = (
        lines.with_columns(agency_cause.alias("agency_cause"), payroll_cause.alias("payroll_cause"))
        .join(names.lazy(), on="person_id", how="left", maintain_order="left")
        .select(
            "person_id",
            "name",
            "month",
            "insurance",
            "agency_base_fen",
            "agency_unit_fen",
            "agency_person_fen",
            "ours_base_fen",
            "ours_unit_fen",
            "ours_person_fen",
            "payroll_person_fen",
            "agency_cause",
            "payroll_cause",
        )
        .collect()
    )
    return ReconcileResult(unit_id, chosen, result, agency_batch, payroll_batch)


_ID18: Final = r"^[0-9]{17}[0-9X]$"


def _sorted(lines: pl.LazyFrame, sources: list[pl.DataFrame]) -> pl.LazyFrame:
    """The lines by month, person and insurance (险种 as a number).

    When every person number of the ``sources`` is an 18-character ID number, they
    sort as integers (17 digits, then the check character with X as 10: the same
    order as the text, at a fraction of the cost of sorting text); any other person
    number makes the text sort. Sorted before the causes and names are added: fewer
    columns to move.
    """
    insurance = pl.col("insurance").cast(pl.Int32)
    person = pl.col("person_id")
    if all(source.select(person.str.contains(_ID18).all()).item() for source in sources):
        check = pl.when(person.str.ends_with("X")).then(10).otherwise(person.str.slice(17))
        number = person.str.slice(0, 17).cast(pl.Int64) * 11 + check.cast(pl.Int64)
        return lines.sort("month", number, insurance)
    return lines.sort("month", "person_id", insurance)
