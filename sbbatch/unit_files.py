"""A unit's own files into its workspace (装入本单位数据): 单位信息, 人员, 缴费工资, 缴费明细.

An analyst brings their unit in from what the agency gives back (the 单位信息 and
单位人员信息 queries, the 含数据报盘 of 批量减员 and 工资申报, the 人员缴费情况 /
缴费单据 detail) or from an HR export. :func:`load` reads such a file with the same
reader as ``sbbatch check`` (xlsx, the agency's .xls, csv in UTF-8 or GB18030,
parquet; header rows found, synonyms accepted, numeric ID cells refused, every row
keeps its spreadsheet row number), validates it with the same rule engine and writes
the accepted rows in ONE transaction: all of them, or — on any failure — nothing.

Loading the same file again changes nothing; a newer snapshot updates what changed.
Each row is keyed (the ID number; ID number and month; …) and its values hashed, so a
load reports how many rows were added, changed and unchanged, and every loaded row
keeps its provenance: file, sheet row, load time (``sbbatch query loaded_rows``).

The four kinds, and what they change:

- ``unit`` (单位信息): the ``units`` row — 单位编号, 单位名称, 单位类型, 行业风险类别,
  缴费方式, 开户银行, 所在区县, 经办机构, 参保日期.
- ``persons`` (单位人员信息): ``persons`` and the insured periods in the unit — one
  period per insurance its 人员类别 joins (``category_insurances.csv``) from the
  参保年月 to the 减员年月; a person already known keeps the values the file leaves blank.
  A 缴费基数 column is recorded as the wage of the agency's current month.
- ``wages`` (缴费工资 by month): ``wage_bases`` rows without a declaration; a wage
  declared through 工资申报 is never overwritten.
- ``payments`` (the agency's payment detail): ``agency_payments``, the lines that
  ``reconcile`` compares with sbbatch's own calculation.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from sbbatch.batch import Batch, check, check_frame
from sbbatch.declarations._common import (
    birth_date_column,
    gender_column,
    gender_matches_id,
    id_column,
    name_column,
)
from sbbatch.declarations._registry_review import category_insurances
from sbbatch.exceptions import UnusableInputError
from sbbatch.spec import FAILURE_SCHEMA, Column, Declaration, Rule
from sbbatch.store import unit_files as store

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["LOAD_KINDS", "LoadResult", "load"]

_UNIT_ID = Column(
    "unit_id",
    "单位编号",
    "text",
    required=True,
    example="0017187290",
    help="10 位单位编号，该列须设为文本格式",
    synonyms=("单位代码", "单位社保编号", "社保单位编号"),
    max_length=20,
)
_UNIT_ID_OPTIONAL = dataclasses.replace(_UNIT_ID, required=False, help="可不填；填写时须为本单位")

UNIT: Final = Declaration(
    kind="unit",
    title="单位信息",
    columns=(
        _UNIT_ID,
        Column(
            "name", "单位名称", "text", required=True, example="济南某某有限公司", max_length=100
        ),
        Column("unit_type", "单位类型", "code", code_table="unit_type", example="企业"),
        Column(
            "risk_class",
            "行业风险类别",
            "int",
            required=True,
            example="1",
            help="工伤保险行业风险类别 1-8",
            synonyms=("工伤行业类别", "行业类别", "工伤风险类别"),
        ),
        Column(
            "payment_method",
            "缴费方式",
            "code",
            required=True,
            code_table="payment_method",
            example="银行代扣",
        ),
        Column("bank", "开户银行", "text", example="中国工商银行济南分行", max_length=100),
        Column(
            "county_code",
            "所在区县",
            "text",
            example="370103",
            help="6 位区县代码（最低工资档次按区县）",
            synonyms=("区县代码", "行政区划代码"),
        ),
        Column("agency", "经办机构", "text", example="济南市社会保险事业中心", max_length=100),
        Column("insured_since", "参保日期", "date", example="2015-03-01", synonyms=("开户日期",)),
    ),
    rules=(
        Rule(
            "risk_class_range",
            "reject",
            "risk_class",
            "行业风险类别「{value}」应为 1 至 8。",
            pl.col("risk_class").is_between(1, 8),
        ),
    ),
    key_fields=("unit_id",),
    description="单位信息（引言 §2 单位信息查询）。一行一个单位。",
    detectable=False,
)

PERSONS: Final = Declaration(
    kind="persons",
    title="单位人员信息",
    columns=(
        _UNIT_ID_OPTIONAL,
        id_column(),
        name_column(),
        gender_column(),
        birth_date_column(example="1983-10-13"),
        Column("identity", "个人身份", "code", code_table="identity", example="工人"),
        Column(
            "person_category",
            "人员类别",
            "code",
            required=True,
            code_table="person_category",
            example="城镇制",
            synonyms=("缴费人员类别",),
        ),
        Column(
            "from_month",
            "参保年月",
            "month",
            required=True,
            example="2019-04",
            help="在本单位参保（增员）的年月",
            synonyms=("增员年月", "参保时间", "本单位参保年月"),
        ),
        Column(
            "until_month",
            "减员年月",
            "month",
            example="",
            help="已减员的人员填写停止参保的年月；在职参保的不填",
            synonyms=("停保年月",),
        ),
        Column(
            "leave_reason",
            "减员原因",
            "code",
            code_table="leave_reason",
            example="",
            synonyms=("停保原因",),
        ),
        Column(
            "wage_fen", "缴费基数", "money", example="5000.00", synonyms=("缴费工资", "月缴费基数")
        ),
        Column("phone", "手机号码", "phone", example="13812345678", synonyms=("联系电话", "手机")),
        Column("ethnicity", "民族", "code", code_table="ethnicity", example="汉族"),
        Column("employment_form", "用工形式", "code", code_table="employment_form"),
        Column("hukou_type", "户口性质", "code", code_table="hukou_type"),
        Column("work_start_date", "参加工作日期", "date", example="2005-07-01"),
    ),
    rules=(
        gender_matches_id(),
        Rule(
            "leave_after_start",
            "reject",
            "until_month",
            "减员年月「{value}」早于参保年月。",
            pl.col("until_month") >= pl.col("from_month"),
        ),
        Rule(
            "leave_reason_with_month",
            "reject",
            "leave_reason",
            "填写了减员年月，须同时填写减员原因。",
            pl.col("leave_reason").is_not_null(),
            when=pl.col("until_month").is_not_null(),
        ),
    ),
    description="单位人员及其参保状态（单位人员信息查询、含数据报盘或人事系统导出）。一行一人。",
    detectable=False,
)

WAGES: Final = Declaration(
    kind="wages",
    title="缴费工资历史",
    columns=(
        _UNIT_ID_OPTIONAL,
        id_column(),
        name_column(required=False),
        Column(
            "month",
            "申报年月",
            "month",
            required=True,
            example="2026-01",
            synonyms=("费款所属期", "缴费年月", "所属期"),
        ),
        Column(
            "wage_fen",
            "缴费工资",
            "money",
            required=True,
            example="5000.00",
            synonyms=("缴费基数", "申报工资", "月缴费工资"),
        ),
    ),
    rules=(
        Rule(
            "wage_not_negative",
            "reject",
            "wage_fen",
            "缴费工资「{value}」不能为负数。",
            pl.col("wage_fen") >= 0,
        ),
    ),
    key_fields=("person_id", "month"),
    description="按人按月的缴费工资（工资申报含数据报盘的格式）。一行一人一月。",
    detectable=False,
)

PAYMENTS: Final = Declaration(
    kind="payments",
    title="缴费明细",
    columns=(
        _UNIT_ID_OPTIONAL,
        id_column(),
        name_column(required=False),
        Column(
            "month",
            "费款所属期",
            "month",
            required=True,
            example="2026-10",
            synonyms=("所属期", "缴费年月", "申报年月"),
        ),
        Column(
            "insurance",
            "险种",
            "code",
            required=True,
            code_table="insurance",
            example="基本养老保险",
        ),
        Column("base_fen", "缴费基数", "money", example="5000.00", synonyms=("缴费工资",)),
        Column(
            "unit_fen",
            "单位缴纳",
            "money",
            required=True,
            example="800.00",
            synonyms=("单位缴费", "单位应缴", "单位缴费金额", "单位部分"),
        ),
        Column(
            "person_fen",
            "个人缴纳",
            "money",
            required=True,
            example="400.00",
            synonyms=("个人缴费", "个人应缴", "个人缴费金额", "个人部分"),
        ),
        Column(
            "arrived",
            "到账标志",
            "code",
            code_table="payment_arrival",
            example="已到账",
            synonyms=("到账状态", "是否到账"),
        ),
    ),
    key_fields=("person_id", "month", "insurance"),
    description="社保经办机构的人员缴费明细（人员缴费情况、缴费单据）。一行一人一月一险种。",
    detectable=False,
)

#: The kinds of file :func:`load` takes, by English key.
LOAD_KINDS: Final[dict[str, Declaration]] = {
    spec.kind: spec for spec in (UNIT, PERSONS, WAGES, PAYMENTS)
}


@dataclass(frozen=True)
class LoadResult:
    """What a load did: the checked file and how many rows were added / changed / unchanged.

    ``accepted`` + ``rejected`` always equal the data rows of the file, and
    ``added`` + ``changed`` + ``unchanged`` equal ``accepted``.
    """

    kind: str
    unit_id: str
    batch: Batch
    added: int
    changed: int
    unchanged: int
    load_id: int | None

    @property
    def rows_read(self) -> int:
        """How many data rows the file had."""
        return self.batch.rows_read

    @property
    def accepted(self) -> int:
        """How many rows were accepted (and are in the workspace)."""
        return self.added + self.changed + self.unchanged

    @property
    def rejected(self) -> int:
        """How many rows were refused (see :attr:`failures`)."""
        return self.batch.rejected.height

    @property
    def failures(self) -> pl.DataFrame:
        """Every problem found: row, column, value, rule, level, message."""
        return self.batch.failures

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape of ``sbbatch load --format json`` (that of ``check`` plus counts)."""
        return {
            **self.batch.to_dict(),
            "kind": self.kind,
            "unit_id": self.unit_id,
            "added": self.added,
            "changed": self.changed,
            "unchanged": self.unchanged,
        }

    def to_json(self) -> str:
        """Return :meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, default=str)

    def summary_zh(self) -> str:
        """Return a one-line Chinese summary."""
        title = LOAD_KINDS[self.kind].title
        return (
            f"{title}：读入 {self.rows_read} 行，装入 {self.accepted} 行（新增 {self.added}，"
            f"变更 {self.changed}，未变 {self.unchanged}），未装入 {self.rejected} 行。"
        )


def _spec(kind: str) -> Declaration:
    if kind in LOAD_KINDS:
        return LOAD_KINDS[kind]
    for spec in LOAD_KINDS.values():
        if kind == spec.title:
            return spec
    choices = "、".join(f"{k}（{s.title}）" for k, s in LOAD_KINDS.items())
    msg = f"不能装入「{kind}」。提示：可装入的有 {choices}。"
    raise UnusableInputError(msg)


def _unit_of(ws: Workspace, kind: str, unit_id: str | None) -> str:
    """Return the unit the rows belong to: the given one, else the workspace's only unit.

    A 单位信息 file names its units itself (an empty text here).
    """
    if kind == "unit":
        return unit_id or ""
    return ws.unit_or_only(unit_id)


def _failures(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select([pl.col(n).cast(t) for n, t in FAILURE_SCHEMA.items()])


def _own_unit_failures(rows: pl.DataFrame, spec: Declaration, unit_id: str) -> pl.DataFrame:
    """Rows that name another unit are refused: a file is loaded into one unit."""
    if spec.kind == "unit" or "unit_id" not in rows.columns:
        return pl.DataFrame(schema=FAILURE_SCHEMA)
    other = rows.filter(pl.col("unit_id").is_not_null() & (pl.col("unit_id") != unit_id))
    return _failures(
        other.select(
            pl.col("source_row").alias("row"),
            pl.lit(spec.column("unit_id").header).alias("column"),
            pl.col("unit_id").alias("value"),
            pl.lit("own_unit").alias("rule"),
            pl.lit("reject").alias("level"),
            pl.format(
                "单位编号「{}」不是本次装入的单位 {}。", pl.col("unit_id"), pl.lit(unit_id)
            ).alias("message"),
        )
    )


def _keyed(rows: pl.DataFrame, spec: Declaration, key: tuple[str, ...]) -> pl.DataFrame:
    """Return ``row_key``, ``content`` and ``sheet_row`` of the accepted rows.

    ``content`` is every field's text joined by U+001F, an empty field as empty text;
    its md5 is kept per row (``loaded_rows``), so the text must stay as it was written.
    A column that is empty in every row (absent from the file) is written as the
    separators around it, and a date column of few distinct dates is turned into text
    once per date: the same text, without a cast of every cell.
    """
    parts: list[pl.Expr] = []
    pending = ""  # separators (and empty fields) not yet written
    for number, field in enumerate(c.field for c in spec.columns if c.field in rows.columns):
        pending += "\x1f" if number else ""
        values = rows.get_column(field)
        if values.null_count() == values.len():
            continue
        if pending:
            parts.append(pl.lit(pending))
            pending = ""
        parts.append(_as_text(values).fill_null(""))
    if pending or not parts:
        parts.append(pl.lit(pending))
    return rows.select(
        pl.concat_str([pl.col(k).cast(pl.String) for k in key], separator="|").alias("row_key"),
        pl.concat_str(parts, separator="").alias("content"),
        pl.col("source_row").cast(pl.Int32).alias("sheet_row"),
    )


def _as_text(values: pl.Series) -> pl.Expr:
    """``values`` cast to text, as an expression; a date column of few dates once per date."""
    if values.dtype == pl.String:
        return pl.col(values.name)
    if values.dtype == pl.Date:
        dates = values.unique()
        if 2 * dates.len() <= values.len():
            return pl.col(values.name).replace_strict(
                dates, dates.cast(pl.String), return_dtype=pl.String
            )
    return pl.col(values.name).cast(pl.String)


def _periods(rows: pl.DataFrame, unit_id: str) -> pl.DataFrame:
    """One insured period per person and insurance its 人员类别 joins, cut to the insurance's months."""
    # the month after an insurance's last month, worked out on the table (a few rows)
    table = category_insurances().with_columns(
        pl.col("effective_to").dt.offset_by("1mo").alias("_month_after")
    )
    # one plan (the 600,000 joined rows of 100,000 persons are not copied step by step),
    # in the rows' order and, per person, the table's
    joined = (
        rows.lazy()
        .select("person_id", "person_category", "from_month", "until_month", "leave_reason")
        .join(table.lazy(), on="person_category", how="inner", maintain_order="left_right")
    )
    start = pl.max_horizontal(
        "from_month", pl.col("effective_from").fill_null(pl.col("from_month"))
    )
    stop = pl.min_horizontal(pl.col("until_month"), pl.col("_month_after"))
    return (
        joined.with_columns(start.alias("_start"), stop.alias("_stop"))
        .filter(pl.col("_stop").is_null() | (pl.col("_start") < pl.col("_stop")))
        .select(
            pl.lit(unit_id).alias("unit_id"),
            "person_id",
            "insurance",
            "person_category",
            pl.col("_start").alias("from_month"),
            pl.col("_stop").alias("until_month"),
            # the reason stays only where the period ends with the person's departure
            pl.when(pl.col("_stop") == pl.col("until_month"))
            .then(pl.col("leave_reason"))
            .otherwise(pl.lit(None, pl.String))
            .alias("leave_reason"),
        )
        .collect()
    )


def _apply(ws: Workspace, spec: Declaration, unit_id: str, rows: pl.DataFrame) -> None:
    """Write the added and changed rows into the registry tables."""
    match spec.kind:
        case "unit":
            store.upsert_units(ws, rows)
        case "persons":
            store.upsert_persons(ws, rows)
            store.upsert_periods(ws, _periods(rows, unit_id))
            wages = rows.filter(pl.col("wage_fen").is_not_null()).select(
                "person_id",
                pl.lit(store.wage_month(ws.today)).alias("month"),
                "wage_fen",
            )
            if wages.height:
                store.upsert_wages(ws, unit_id, wages)
        case "wages":
            store.upsert_wages(ws, unit_id, rows)
        case "payments":
            store.upsert_agency_payments(
                ws, unit_id, rows.with_columns(pl.col("arrived").cast(pl.String) == "1")
            )


def load(
    ws: Workspace,
    kind: str,
    source: str | Path | pl.DataFrame,
    *,
    unit_id: str | None = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
) -> LoadResult:
    """Load a unit's file into the workspace: all accepted rows in one transaction.

    Args:
        ws: The workspace.
        kind: ``unit``, ``persons``, ``wages`` or ``payments`` (or the Chinese title).
        source: The file (xlsx, xls, csv, parquet) or a frame.
        unit_id: The unit the rows belong to; the workspace's only unit by default.
        sheet: The sheet to read; the first with a known header by default.
        encoding: A csv file's encoding; detected when omitted.

    Returns:
        The :class:`LoadResult`. Rows that fail a rule are reported in its failures
        and left out; a failure of the load itself leaves the workspace as it was.

    Example:
        >>> import datetime as dt
        >>> from sbbatch.store import Workspace
        >>> ws = Workspace(today=dt.date(2026, 11, 26))
        >>> frame = pl.DataFrame({"单位编号": ["0010118873"], "单位名称": ["济南示例有限公司"],
        ...                       "行业风险类别": ["1"], "缴费方式": ["银行代扣"]})
        >>> load(ws, "unit", frame).summary_zh()
        '单位信息：读入 1 行，装入 1 行（新增 1，变更 0，未变 0），未装入 0 行。'
        >>> load(ws, "unit", frame).unchanged
        1
    """
    spec = _spec(kind)
    unit = _unit_of(ws, spec.kind, unit_id)
    if isinstance(source, pl.DataFrame):
        batch = check_frame(source, spec, today=ws.today)
        file = "（数据框）"
    else:
        batch = check(source, spec, today=ws.today, sheet=sheet, encoding=encoding)
        file = str(Path(source).resolve())
    key = spec.key_fields  # a repeated key is already refused by check (duplicate_in_file)
    extra = _own_unit_failures(batch.rows, spec, unit)
    if extra.height:
        batch = dataclasses.replace(
            batch, failures=pl.concat([batch.failures, extra]).sort("row", maintain_order=True)
        )
    rows = batch.accepted
    units = rows["unit_id"].unique().to_list() if spec.kind == "unit" else [unit]
    counts = {"added": 0, "changed": 0, "unchanged": 0}
    load_id: int | None = None
    with ws.transaction():
        for current in units:
            part = rows.filter(pl.col("unit_id") == current) if spec.kind == "unit" else rows
            keyed = _keyed(part, spec, key)
            states = store.classify(ws, spec.kind, current, keyed)
            for state, n in states["state"].value_counts().iter_rows():
                counts[state] += n
            written = states.with_columns(keyed["sheet_row"]).filter(pl.col("state") != "unchanged")
            if written.height == part.height:  # a first load: every row, no key to look up
                _apply(ws, spec, current, part)
            elif written.height:
                wanted = pl.concat_str(
                    [pl.col(k).cast(pl.String) for k in key], separator="|"
                ).is_in(written["row_key"].implode())
                _apply(ws, spec, current, part.filter(wanted))
            ws._checkpoint(f"load:{spec.kind}")
            load_id = store.record_load(
                ws,
                kind=spec.kind,
                unit_id=current,
                file=file,
                rows_read=batch.rows_read,
                counts=counts,
                rejected=batch.rejected.height,
                provenance=written.select("row_key", "row_hash", "sheet_row"),
            )
    shown_unit = "、".join(str(u) for u in units) if spec.kind == "unit" else unit
    return LoadResult(spec.kind, shown_unit, batch, load_id=load_id, **counts)
