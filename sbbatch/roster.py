"""增减员 from the HR roster (花名册比对): this month's roster against the unit's workspace.

The first thing an analyst does each month: compare HR's roster with who is insured
in the unit, and turn the differences into the agency's batch files. :func:`compare_roster`
reads the roster (any spreadsheet; an optional YAML column mapping, as for ``convert``),
checks it like a 报盘 (every row accepted or reported with its sheet row), and classifies
every person (``schemas/codes/roster_outcome.csv``):

- 新入职: on the roster, hired by the month, not insured in the unit → a 增员 row, with
  the 增员年月 the agency accepts on the workspace's date (the monthly cut-off day of
  ``enrolment_window.csv``: after it, the next month) — never earlier than the hire month;
- 超出退休年龄: a new hire at or past the statutory retirement month (2025 schedule) is
  not enrolled as an employee;
- 离职: on the roster with a 离职日期 by the end of the month and still insured → a 减员
  row (减员年月 = the month after the last day worked, or the accepted month if later;
  减员原因 在职人员解除劳动合同, or 在职转退休 at the statutory retirement month);
- 基数变化 / 已在参保: insured and staying; the 工资申报 of the month lists all of them,
  with the roster's wage (a change from the workspace's latest wage is 基数变化);
- 已离职未参保, 未到入职日期: nothing to do; 不在花名册: insured but missing from the
  roster — listed for the analyst to verify, never departed automatically;
- 花名册有误: roster rows the check refused.

The totals reconcile: roster rows = 新入职 + 超出退休年龄 + 离职 + 基数变化 + 已在参保 +
已离职未参保 + 未到入职日期 + 花名册有误. Nothing is declared unless asked
(:func:`declare_roster`). :func:`write_roster` writes the three 报盘 in the agency's
template layouts (ready for ``check``/``declare``/upload) and a 花名册比对 summary.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from sbbatch import codes
from sbbatch._rules import join_messages
from sbbatch.batch import Batch, check, check_frame
from sbbatch.declarations import departure, enrolment, wage_base
from sbbatch.declarations._common import (
    birth_date_column,
    gender_column,
    gender_matches_id,
    id_column,
    name_column,
)
from sbbatch.declarations._registry_review import (
    RETIREMENT_REASON,
    accepted_month,
    retirement_month,
)
from sbbatch.exceptions import UnusableInputError
from sbbatch.io.convert import load_mapping, map_raw
from sbbatch.io.read import read_table
from sbbatch.io.xlsx import write_error_report, write_frame, write_template
from sbbatch.policy import Policy
from sbbatch.review import declare
from sbbatch.spec import Column, Declaration, Rule
from sbbatch.store import unit_files as store

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["ROSTER", "RosterResult", "compare_roster", "declare_roster", "write_roster"]

ROSTER: Final = Declaration(
    kind="roster",
    title="花名册",
    columns=(
        id_column(),
        name_column(),
        gender_column(),
        birth_date_column(example="1990-01-01"),
        Column(
            "hire_date",
            "入职日期",
            "date",
            required=True,
            example="2026-11-03",
            synonyms=("入职时间", "到岗日期", "入司日期", "报到日期"),
            future_ok=True,
        ),
        Column(
            "leave_date",
            "离职日期",
            "date",
            example="",
            help="最后工作日；在职的不填",
            synonyms=("离职时间", "最后工作日", "离职日"),
            future_ok=True,
        ),
        Column(
            "wage_fen",
            "缴费基数",
            "money",
            example="6000.00",
            help="本月社保缴费基数（元）",
            synonyms=("社保基数", "缴费工资", "月缴费基数", "社保缴费基数"),
        ),
        Column(
            "person_category",
            "人员类别",
            "code",
            required=True,
            code_table="person_category",
            example="城镇制",
            help="可在映射文件的 defaults 一节统一给出",
        ),
        Column(
            "employment_form",
            "用工形式",
            "code",
            required=True,
            code_table="employment_form",
            example="城镇合同制职工",
            help="可在映射文件的 defaults 一节统一给出",
        ),
        Column("identity", "个人身份", "code", code_table="identity", example="工人"),
        Column("hukou_type", "户口性质", "code", code_table="hukou_type"),
        Column("phone", "手机号码", "phone", example="13812345678", synonyms=("手机", "联系电话")),
        Column("employee_no", "工号", "text", synonyms=("员工编号", "职工编号"), max_length=30),
        Column("department", "部门", "text", synonyms=("所属部门",), max_length=50),
    ),
    rules=(
        gender_matches_id(),
        Rule(
            "leave_after_hire",
            "reject",
            "leave_date",
            "离职日期「{value}」早于入职日期。",
            pl.col("leave_date") >= pl.col("hire_date"),
        ),
    ),
    description="人事系统导出的本月花名册。一行一人。",
    detectable=False,
)

#: 减员原因 of an ordinary leaver (在职人员解除劳动合同).
_ORDINARY_LEAVE: Final = "221"


ENROL, LEAVE, WAGE_CHANGE, UNCHANGED, OVER_AGE, LEFT, NOT_YET, ABSENT, INVALID = (
    "新入职",
    "离职",
    "基数变化",
    "已在参保",
    "超出退休年龄",
    "已离职未参保",
    "未到入职日期",
    "不在花名册",
    "花名册有误",
)


@dataclass(frozen=True)
class RosterResult:
    """What the roster comparison found, and the three batches it produced.

    Attributes:
        month: The roster's month (first day).
        unit_id: The unit.
        batch: The roster as checked (rows, failures with sheet rows).
        compared: One row per roster row and per insured person missing from it:
            ``source_row`` (null for 不在花名册), ``person_id``, ``name``, ``outcome``
            (code of roster_outcome), ``outcome_label``, ``note``, ``hire_date``,
            ``leave_date``, ``change_month`` (增员/减员年月), ``reg_wage_fen``, ``wage_fen``.
        enrolment, departure, wage_base: The rows of each 报盘, as English fields.
        cutoff_note: The cut-off rule applied, in Chinese.
    """

    month: dt.date
    unit_id: str
    batch: Batch
    compared: pl.DataFrame
    enrolment: pl.DataFrame
    departure: pl.DataFrame
    wage_base: pl.DataFrame
    cutoff_note: str

    def counts(self) -> dict[str, int]:
        """Return how many persons each outcome has, in the code table's order."""
        found = dict(self.compared.group_by("outcome_label").len().iter_rows())
        labels = codes.table("roster_outcome")["label"].to_list()
        return {label: int(found.get(label, 0)) for label in labels}

    def summary_zh(self) -> str:
        """Return the comparison in a few Chinese lines, totals that reconcile."""
        n = self.counts()
        roster = self.batch.rows_read
        parts = [ENROL, OVER_AGE, LEAVE, WAGE_CHANGE, UNCHANGED, LEFT, NOT_YET, INVALID]
        equation = " + ".join(f"{label} {n[label]}" for label in parts)
        return "\n".join(
            [
                f"花名册比对（单位 {self.unit_id}，{self.month:%Y-%m}）：{self.cutoff_note}",
                f"花名册 {roster} 人 = {equation}",
                f"另有参保但不在花名册 {n[ABSENT]} 人，请核实。",
                f"报盘：增员 {self.enrolment.height} 人，减员 {self.departure.height} 人，"
                f"工资申报 {self.wage_base.height} 人。",
            ]
        )


def _roster_batch(
    source: str | Path | pl.DataFrame,
    mapping: str | Path | Mapping[str, Any] | None,
    *,
    today: dt.date,
    sheet: str | int | None,
    encoding: str | None,
) -> Batch:
    if isinstance(source, pl.DataFrame):
        return check_frame(source, ROSTER, today=today)
    rules = load_mapping(mapping) if mapping is not None else None
    known = {n for c in ROSTER.columns for n in (c.header, *c.synonyms)}
    id_headers = set(id_column().synonyms) | {id_column().header}
    if rules is not None:
        known.update(rules.columns)
        id_headers.update(old for old, new in rules.columns.items() if new in id_headers)
    raw = read_table(
        source, known_headers=tuple(known), sheet=sheet, encoding=encoding, id_headers=id_headers
    )
    if rules is not None:
        raw = map_raw(raw, rules, ROSTER)
    batch = check(raw, ROSTER, today=today)
    return dataclasses.replace(batch, source=str(source))


def _cutoff_note(ws: Workspace, enrol_month: dt.date) -> str:
    window = Policy.load().enrolment_window.filter(pl.col("business") == enrolment.DECLARATION.kind)
    day = window.sort("effective_from")["cutoff_day"].to_list()[-1]
    return (
        f"经办日期 {ws.today:%Y-%m-%d}，受理截止日为每月 {day} 日，"
        f"本次增减员的受理年月为 {enrol_month:%Y-%m}。"
    )


def compare_roster(
    ws: Workspace,
    source: str | Path | pl.DataFrame,
    month: dt.date,
    *,
    unit_id: str | None = None,
    mapping: str | Path | Mapping[str, Any] | None = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
) -> RosterResult:
    """Compare this month's HR roster with the unit's workspace.

    Args:
        ws: The workspace (its ``today`` is the declaration date: the cut-off applies to it).
        source: The roster file (xlsx, xls, csv, parquet) or a frame.
        month: The roster's month (any day of it).
        unit_id: The unit; the workspace's only unit by default.
        mapping: A YAML column mapping (as for ``convert``) from the roster's headers
            and values to the 花名册 columns, with defaults (人员类别, 用工形式 …).
        sheet: The sheet to read.
        encoding: A csv file's encoding.

    Returns:
        The :class:`RosterResult`; nothing in the workspace changes.
    """
    month = month.replace(day=1)
    unit = ws.unit_or_only(unit_id)
    batch = _roster_batch(source, mapping, today=ws.today, sheet=sheet, encoding=encoding)
    enrol_month = accepted_month(ws, enrolment.DECLARATION.kind)
    leave_month = accepted_month(ws, departure.DECLARATION.kind)
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    insured = store.insured_in_month(ws, unit, month)
    wages = store.latest_wages(ws, unit, month)
    rows = batch.accepted.with_columns(pl.col("person_category").alias("roster_category"))
    known = store.known_persons(ws, rows["person_id"].drop_nulls().to_list())
    hire_month = pl.col("hire_date").dt.truncate("1mo")
    until = pl.col("leave_date").dt.truncate("1mo").dt.offset_by("1mo")
    people = (
        rows.join(insured, on="person_id", how="left")
        .join(wages, on="person_id", how="left")
        .join(known, on="person_id", how="left")
        .with_columns(
            pl.col("reg_name").is_not_null().alias("_insured"),
            pl.max_horizontal(hire_month, pl.lit(enrol_month)).alias("_enrol_month"),
            pl.max_horizontal(until, pl.lit(leave_month)).alias("_leave_month"),
            retirement_month(
                pl.coalesce("gender", "reg_gender"),
                pl.coalesce("identity", "reg_identity"),
                pl.coalesce("birth_date", "reg_birth_date"),
            ).alias("_retire_month"),
        )
    )
    left_by_month_end = pl.col("leave_date").is_not_null() & (until <= pl.lit(next_month))
    departed = pl.col("reg_until").is_not_null() & (pl.col("reg_until") <= pl.col("_leave_month"))
    outcome_label = (
        pl.when(pl.col("_insured") & left_by_month_end & departed)
        .then(pl.lit(LEFT))
        .when(pl.col("_insured") & left_by_month_end)
        .then(pl.lit(LEAVE))
        .when(
            pl.col("_insured")
            & pl.col("wage_fen").is_not_null()
            & (
                pl.col("enrolled_month") <= pl.lit(month)
            )  # enrolled from a later month: no wage yet
        )
        .then(
            pl.when(pl.col("wage_fen") != pl.col("reg_wage_fen").fill_null(-1))
            .then(pl.lit(WAGE_CHANGE))
            .otherwise(pl.lit(UNCHANGED))
        )
        .when(pl.col("_insured"))
        .then(pl.lit(UNCHANGED))
        .when(left_by_month_end)
        .then(pl.lit(LEFT))
        .when(hire_month > pl.lit(month))
        .then(pl.lit(NOT_YET))
        .when(pl.col("_retire_month") <= pl.col("_enrol_month"))
        .then(pl.lit(OVER_AGE))
        .otherwise(pl.lit(ENROL))
    )
    people = people.with_columns(outcome_label.alias("outcome_label"))
    note = (
        pl.when(pl.col("outcome_label") == ENROL)
        .then(
            pl.format(
                "入职 {}，增员年月 {}{}",
                pl.col("hire_date").dt.strftime("%Y-%m-%d"),
                pl.col("_enrol_month").dt.strftime("%Y-%m"),
                pl.when(pl.col("_enrol_month") > hire_month)
                .then(pl.lit("（入职当月已过受理期；往月参保请办理补缴）"))
                .otherwise(pl.lit("")),
            )
        )
        .when(pl.col("outcome_label") == OVER_AGE)
        .then(
            pl.format(
                "法定退休年月 {}，不能按在职人员增员",
                pl.col("_retire_month").dt.strftime("%Y-%m"),
            )
        )
        .when(pl.col("outcome_label") == LEAVE)
        .then(
            pl.format(
                "离职 {}，减员年月 {}{}",
                pl.col("leave_date").dt.strftime("%Y-%m-%d"),
                pl.col("_leave_month").dt.strftime("%Y-%m"),
                pl.when(pl.col("_leave_month") > pl.lit(leave_month))
                .then(
                    pl.format(
                        "（本期受理 {}，下期再申报减员，本月照常缴费）",
                        pl.lit(leave_month).dt.strftime("%Y-%m"),
                    )
                )
                .otherwise(pl.lit("")),
            )
        )
        .when(pl.col("outcome_label") == WAGE_CHANGE)
        .then(
            pl.format(
                "缴费基数 {} → {}",
                _yuan(pl.col("reg_wage_fen")),
                _yuan(pl.col("wage_fen")),
            )
        )
        .when((pl.col("outcome_label") == LEFT) & pl.col("_insured"))
        .then(pl.format("已离职，已减员（减员年月 {}）", pl.col("reg_until").dt.strftime("%Y-%m")))
        .when(pl.col("outcome_label") == LEFT)
        .then(pl.lit("已离职，本单位无参保记录，无需减员"))
        .when(pl.col("enrolled_month") > pl.lit(month))
        .then(pl.format("已增员，{} 起参保", pl.col("enrolled_month").dt.strftime("%Y-%m")))
        .when(pl.col("outcome_label") == NOT_YET)
        .then(pl.format("入职日期 {} 在本月之后", pl.col("hire_date").dt.strftime("%Y-%m-%d")))
        .otherwise(pl.lit(""))
    )
    people = people.with_columns(
        note.alias("note"),
        pl.when(pl.col("outcome_label") == ENROL)
        .then(pl.col("_enrol_month"))
        .when(pl.col("outcome_label") == LEAVE)
        .then(pl.col("_leave_month"))
        .otherwise(pl.lit(None, pl.Date))
        .alias("change_month"),
    )
    on_roster = rows["person_id"].drop_nulls().implode()
    absent = insured.filter(~pl.col("person_id").is_in(on_roster)).join(
        wages, on="person_id", how="left"
    )
    invalid = batch.rejected.select("source_row", "person_id", "name").join(
        batch.failures.filter(pl.col("level") == "reject")
        .group_by("row", maintain_order=True)
        .agg(join_messages(pl.col("message")).alias("_why")),
        left_on="source_row",
        right_on="row",
        how="left",
    )
    compared = pl.concat(
        [
            people.select(
                "source_row",
                "person_id",
                "name",
                "outcome_label",
                "note",
                "hire_date",
                "leave_date",
                "change_month",
                "reg_wage_fen",
                "wage_fen",
            ),
            invalid.select(
                "source_row",
                "person_id",
                "name",
                pl.lit(INVALID).alias("outcome_label"),
                pl.col("_why").alias("note"),
            ),
            absent.select(
                pl.lit(None, pl.Int64).alias("source_row"),
                "person_id",
                pl.col("reg_name").alias("name"),
                pl.lit(ABSENT).alias("outcome_label"),
                pl.format(
                    "{} 起在本单位参保，花名册中没有，请核实是否离职",
                    pl.col("enrolled_month").dt.strftime("%Y-%m"),
                ).alias("note"),
                "reg_wage_fen",
            ),
        ],
        how="diagonal_relaxed",
    ).with_columns(codes.to_code(pl.col("outcome_label"), "roster_outcome").alias("outcome"))
    return RosterResult(
        month=month,
        unit_id=unit,
        batch=batch,
        compared=compared.sort(pl.col("outcome").cast(pl.Int32), "source_row", nulls_last=True),
        enrolment=_enrolment_rows(people),
        departure=_departure_rows(people, leave_month),
        wage_base=_wage_rows(people, month),
        cutoff_note=_cutoff_note(ws, enrol_month),
    )


def _yuan(fen: pl.Expr) -> pl.Expr:
    from sbbatch._money import yuan_expr

    return yuan_expr(fen).cast(pl.String).fill_null("（无）")


def _enrolment_rows(people: pl.DataFrame) -> pl.DataFrame:
    new = people.filter(pl.col("outcome_label") == ENROL)
    add_reason = (
        pl.when(pl.col("ever_insured").fill_null(False))
        .then(pl.lit(_code_of("add_reason", "在职人员续保")))
        .otherwise(pl.lit(_code_of("add_reason", "在职人员新参保")))
    )
    wanted = {c.field for c in enrolment.DECLARATION.columns}
    extra = [c for c in ("phone", "hukou_type", "identity") if c in wanted]
    return new.select(
        "person_id",
        "name",
        "employment_form",
        add_reason.alias("add_reason"),
        pl.col("_enrol_month").alias("month"),
        pl.col("roster_category").alias("person_category"),
        pl.col("hire_date").alias("work_start_date"),
        *extra,
    )


def _code_of(table: str, label: str) -> str:
    """Return the code of ``label`` in code table ``table`` (schemas/codes)."""
    found = codes.table(table).filter(pl.col("label") == label)["code"]
    return str(found.item())


def _departure_rows(people: pl.DataFrame, accepted: dt.date) -> pl.DataFrame:
    """减员 rows of the leavers whose 减员年月 the agency accepts now (a later one waits)."""
    leaving = people.filter(
        (pl.col("outcome_label") == LEAVE) & (pl.col("_leave_month") <= pl.lit(accepted))
    )
    reason = (
        pl.when(pl.col("_retire_month") <= pl.col("_leave_month"))
        .then(pl.lit(RETIREMENT_REASON))
        .otherwise(pl.lit(_ORDINARY_LEAVE))
    )
    return leaving.select(
        "person_id", "name", pl.col("_leave_month").alias("month"), reason.alias("leave_reason")
    )


def _wage_rows(people: pl.DataFrame, month: dt.date) -> pl.DataFrame:
    """Every person insured in ``month`` after this month's changes, with the roster's wage."""
    insured_now = (pl.col("enrolled_month") <= pl.lit(month)) & (
        pl.col("reg_until").is_null() | (pl.col("reg_until") > pl.lit(month))
    )
    staying = insured_now & (
        pl.col("outcome_label").is_in([WAGE_CHANGE, UNCHANGED])
        | ((pl.col("outcome_label") == LEAVE) & (pl.col("_leave_month") > pl.lit(month)))
    )
    new_this_month = (pl.col("outcome_label") == ENROL) & (pl.col("_enrol_month") == pl.lit(month))
    return people.filter(staying | new_this_month).select(
        "person_id",
        "name",
        pl.coalesce("wage_fen", "reg_wage_fen").alias("wage_fen"),
        pl.lit(month).alias("month"),
    )


#: The file names :func:`write_roster` writes, by part.
FILE_NAMES: Final = {
    enrolment.DECLARATION.kind: "增员报盘.xlsx",
    departure.DECLARATION.kind: "减员报盘.xlsx",
    wage_base.DECLARATION.kind: "工资申报报盘.xlsx",
    "summary": "花名册比对.xlsx",
    "errors": "花名册错误报告.xlsx",
}


def write_roster(
    result: RosterResult, out_dir: str | Path, *, batch_format: str = "xlsx"
) -> dict[str, Path]:
    """Write the 增员, 减员 and 工资申报 报盘 (agency template layouts) and the 花名册比对.

    Args:
        result: The comparison.
        out_dir: The folder to write into (created when missing).
        batch_format: ``"xlsx"`` (templates with drop-downs) or ``"xls"`` (the agency's
            legacy format) for the three 报盘; the summary is always xlsx.

    Returns:
        The paths written, by part (``enrolment``, ``departure``, ``wage_base``, ``summary``).
    """
    if batch_format not in ("xlsx", "xls"):
        msg = f"报盘格式「{batch_format}」不可用。提示：可用 xlsx 或 xls。"
        raise UnusableInputError(msg)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    batches = (
        (enrolment.DECLARATION, result.enrolment),
        (departure.DECLARATION, result.departure),
        (wage_base.DECLARATION, result.wage_base),
    )

    def name(part: str) -> Path:
        return folder / Path(FILE_NAMES[part]).with_suffix("." + batch_format)

    written = {
        declaration.kind: write_template(declaration, name(declaration.kind), rows)
        for declaration, rows in batches
    }
    shown = result.compared.select(
        pl.col("source_row").cast(pl.String).alias("花名册行号"),
        pl.col("person_id").alias("身份证号码"),
        pl.col("name").alias("姓名"),
        pl.col("outcome_label").alias("比对结果"),
        pl.col("note").alias("说明"),
        pl.col("hire_date").alias("入职日期"),
        pl.col("leave_date").alias("离职日期"),
        pl.col("change_month").alias("增减员年月"),
        pl.col("reg_wage_fen").alias("原缴费基数"),
        pl.col("wage_fen").alias("花名册缴费基数"),
    )
    if result.batch.failures.height:
        written["errors"] = write_error_report(result.batch, folder / FILE_NAMES["errors"])
    counts = result.counts()
    totals = pl.DataFrame(
        {
            "比对结果": [*counts, "花名册人数（读入行数）"],
            "人数": [str(n) for n in counts.values()] + [str(result.batch.rows_read)],
        }
    )
    notes = pl.DataFrame({"说明": result.summary_zh().splitlines()})
    written["summary"] = write_frame(
        shown,
        folder / FILE_NAMES["summary"],
        sheet="花名册比对",
        text_columns=["花名册行号", "身份证号码"],
        money_columns=["原缴费基数", "花名册缴费基数"],
        month_columns=["增减员年月"],
        more_sheets={"汇总": totals, "说明": notes},
    )
    return written


def declare_roster(ws: Workspace, result: RosterResult) -> dict[str, str]:
    """Declare the produced batches (增员, 减员, 工资申报) as drafts; return their numbers.

    Only the batches that have rows are declared; rows refused by the check are left
    out (the analyst sees them with ``sbbatch check`` of the written files).
    """
    numbers: dict[str, str] = {}
    parts = (
        (enrolment.DECLARATION, result.enrolment, None),
        (departure.DECLARATION, result.departure, None),
        (wage_base.DECLARATION, result.wage_base, result.month),
    )
    with ws.transaction():
        for declaration, rows, month in parts:
            if rows.height == 0:
                continue
            batch = check_frame(rows, declaration.kind, today=ws.today)
            if batch.accepted.height == 0:
                continue
            numbers[declaration.kind] = declare(
                ws, batch, result.unit_id, business_month=month, accepted_only=True
            )
    return numbers
