"""Registry look-ups and rules shared by the reviews of 增员, 减员, 减员原因变更 and 中断转退休.

The agency's review of these businesses asks the same questions of its records: who is
this person in the registry (人员信息), where are they insured (参保记录), is another
declaration of theirs still open, which month does the agency accept today, when does
the person reach the statutory retirement age. This module is that review's kit: the
constants, the context helpers that join the answers to the declared rows by
``person_id`` (no loop over rows), the code labels and the shared rules. The look-ups
themselves are statements of :mod:`sbbatch.store.registry`: the declared rows' ID
numbers go to DuckDB as one list parameter, the answer comes back as a frame.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, cast

import polars as pl

from sbbatch import codes
from sbbatch._csv import read_commented_csv
from sbbatch._resources import schemas_dir
from sbbatch.policy import INSURANCES, Policy
from sbbatch.spec import Column, Declaration, ResultTable, Rule
from sbbatch.store import registry as stored_registry
from sbbatch.store.workflow import kind_title

if TYPE_CHECKING:
    from sbbatch.spec import ResultFacts
    from sbbatch.store import Workspace

__all__ = [
    "OPEN_STATUSES",
    "PENSION",
    "PERSON_FACTS",
    "REGISTRY_KINDS",
    "RETIREE_CATEGORY",
    "RETIREMENT_REASON",
    "SUSPENDING_REASONS",
    "accepted_month",
    "category_insurances",
    "code_labels",
    "code_rules",
    "implied_insurances",
    "min_working_age_years",
    "month_text",
    "name_matches_registry",
    "no_open_declaration",
    "once_in_declaration",
    "open_declarations",
    "periods_of",
    "person_result",
    "registry_persons",
    "retirement_month",
    "with_all_columns",
    "with_code_labels",
    "with_other_declarations",
    "with_person_facts",
    "with_registry_person",
    "with_retirement_month",
]


@cache
def min_working_age_years() -> int:
    """Return the minimum working age in completed years (《劳动法》第十五条), from ``schemas/policy``.

    A function, not a constant: reading the policy is left to the first business that
    needs it, not done when this module is imported (``sbbatch load`` never needs it).
    """
    return int(
        Policy.load()
        .tables["working_age"]
        .filter(pl.col("parameter") == "min_working_age_years")["value"]
        .item()
    )


#: The businesses whose open declarations block another one for the same person.
REGISTRY_KINDS = ("enrolment", "departure", "leave_reason_change", "interrupted_to_retired")

#: Declaration states that are not finished (录入, 已提交).
OPEN_STATUSES = ("draft", "submitted")


_code_of = codes.code_of


#: 险种 code of 基本养老保险 (AAE140).
PENSION = next(code for code, (key, _) in INSURANCES.items() if key == "pension")

#: 人员类别 of retired persons (退休人员): no retirement-age limit on their 增员.
RETIREE_CATEGORY = _code_of("person_category", "退休人员")

#: 减员原因 在职转退休 (AAE160 251).
RETIREMENT_REASON = _code_of("leave_reason", "在职转退休")

#: 减员原因 that suspend rather than end insurance (codes/leave_reason.csv note): 暂停缴费.
SUSPENDING_REASONS = (
    _code_of("leave_reason", "停薪留职"),
    _code_of("leave_reason", "其他原因中断缴费"),
)


def month_text(expr: pl.Expr) -> pl.Expr:
    """Return a month as ``YYYY-MM`` text, the way the manual prints 年月.

    Examples:
        >>> pl.DataFrame({"m": [dt.date(2026, 12, 1), None]}).select(month_text(pl.col("m"))).to_series().to_list()
        ['2026-12', None]
    """
    return expr.dt.strftime("%Y-%m")


# ----------------------------------------------------------------------- look-ups
def registry_persons(ws: Workspace, person_ids: pl.Series) -> pl.DataFrame:
    """Return the registry's facts (人员信息) of the given persons, one row each.

    Columns: ``person_id``, ``reg_name``, ``reg_gender``, ``reg_birth_date``,
    ``reg_identity``; persons not in the registry have no row.
    """
    return stored_registry.registry_persons(ws, person_ids)


#: 性别 and 出生日期 of a person as the registry records them, for the result tables.
PERSON_FACTS = (Column("gender", "性别", "gender"), Column("birth_date", "出生日期", "date"))


def with_person_facts(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
    """Add 性别 and 出生日期 from the registry to rows that lack them (减员 and the like)."""
    del header  # the facts are the person's, whatever the declaration
    missing = [c.field for c in PERSON_FACTS if c.field not in rows.columns]
    if not missing:
        return rows
    registry = registry_persons(ws, rows["person_id"]).select(
        "person_id",
        pl.col("reg_gender").alias("gender"),
        pl.col("reg_birth_date").alias("birth_date"),
    )
    return rows.join(
        registry.select("person_id", *missing), on="person_id", how="left", maintain_order="left"
    )


def person_result(
    month_header: str,
    reason: str,
    reason_header: str,
    *,
    facts: ResultFacts = with_person_facts,
    extra: tuple[Column, ...] = (),
) -> ResultTable:
    """The manual's result table of a registry business (批量增员申报 …).

    序号, 审核结果, 审核说明, 身份证号码, 姓名, 性别, 出生日期, the month and the
    reason; 性别 and 出生日期 come from the registry when the rows lack them.
    """
    return ResultTable(
        columns=("person_id", "name", "gender", "birth_date", "month", reason),
        extra=(*PERSON_FACTS, *extra),
        facts=facts,
        headers=(("person_id", "身份证号码"), ("month", month_header), (reason, reason_header)),
    )


def periods_of(
    ws: Workspace, person_ids: pl.Series, columns: Sequence[str] | None = None
) -> pl.DataFrame:
    """Return every insured period (参保记录) of the given persons, with the unit's name.

    Columns: those of ``insured_periods`` (or only ``columns`` of them) plus ``unit_name``.
    """
    return stored_registry.periods_of(ws, person_ids, columns)


def open_declarations(
    ws: Workspace, person_ids: pl.Series, exclude: str | None = None
) -> pl.DataFrame:
    """Return, per person, the earliest other unfinished declaration (录入/已提交) of theirs.

    Only the registry businesses (:data:`REGISTRY_KINDS`) count, and, when ``exclude``
    (the declaration under review) is given, only those made before it: the older
    declaration is dealt with first, the newer one is the duplicate.

    Columns: ``person_id``, ``other_declaration_id``, ``other_kind``.
    """
    return stored_registry.open_declarations(
        ws, person_ids, kinds=REGISTRY_KINDS, statuses=OPEN_STATUSES, exclude=exclude
    )


def accepted_month(ws: Workspace, business: str) -> dt.date:
    """Return the month the agency accepts a 增员/减员 for on ``ws.today`` (受理年月).

    The current month, or the next one after the monthly cut-off day
    (``schemas/policy/jinan/enrolment_window.csv``).
    """
    policy = Policy.load()
    month = pl.select(policy.declaration_month(pl.lit(ws.today), business)).item()
    if month is None:  # pragma: no cover - the window table is open-ended
        msg = f"没有 {ws.today} 适用的{business}受理期。"
        raise LookupError(msg)
    return cast("dt.date", month)


@cache
def category_insurances() -> pl.DataFrame:
    """Return which insurances (险种) each 人员类别 joins, with its months.

    Read from ``schemas/policy/jinan/category_insurances.csv``. Columns:
    ``person_category``, ``insurance``, ``effective_from`` and ``effective_to`` (Date,
    first of month, inclusive, null when open).

    Examples:
        >>> table = category_insurances()
        >>> sorted(table.filter(pl.col("person_category") == "13")["insurance"].to_list())
        ['1', '10', '3']
    """
    frame, _ = read_commented_csv(schemas_dir() / "policy" / "jinan" / "category_insurances.csv")
    month = "%Y-%m-%d"
    return frame.select(
        "person_category",
        "insurance",
        (pl.col("effective_from") + "-01").str.to_date(month).alias("effective_from"),
        (pl.col("effective_to") + "-01").str.to_date(month).alias("effective_to"),
    )


def implied_insurances(rows: pl.DataFrame, month: str = "month") -> pl.DataFrame:
    """Return the insurances each row's 人员类别 joins at its month: ``row_no``, ``insurance``.

    Examples:
        >>> rows = pl.DataFrame({"row_no": [1, 2], "person_category": ["11", "21"],
        ...                      "month": [dt.date(2019, 4, 1)] * 2})
        >>> implied_insurances(rows).sort("insurance")["insurance"].to_list()
        ['1', '10', '2', '3', '4', '5']
    """
    table = category_insurances()
    joined = rows.select("row_no", "person_category", pl.col(month).alias("_month")).join(
        table, on="person_category", how="inner"
    )
    inside = (
        pl.col("effective_from").is_null() | (pl.col("effective_from") <= pl.col("_month"))
    ) & (pl.col("effective_to").is_null() | (pl.col("_month") <= pl.col("effective_to")))
    return joined.filter(inside).select("row_no", "insurance")


def retirement_month(gender: pl.Expr, identity: pl.Expr, birth_date: pl.Expr) -> pl.Expr:
    """Return the month of reaching the statutory retirement age (法定退休年月).

    Examples:
        >>> frame = pl.DataFrame({"g": ["1", "2"], "i": [None, "4"],
        ...                       "b": [dt.date(1965, 5, 9), dt.date(1975, 3, 1)]})
        >>> frame.select(retirement_month(pl.col("g"), pl.col("i"), pl.col("b"))).to_series().to_list()
        [datetime.date(2025, 7, 1), datetime.date(2031, 7, 1)]
    """
    policy = Policy.load()
    group = policy.retirement_group(gender, identity)
    return policy.retirement_month(birth_date, group).alias("retirement_month")


def with_retirement_month(
    frame: pl.DataFrame, gender: pl.Expr, identity: pl.Expr, birth_date: pl.Expr
) -> pl.DataFrame:
    """Add ``retirement_month`` (:func:`retirement_month`), computed once per distinct person kind.

    The month depends only on the gender, the 个人身份 and the birth *month*, so it is
    computed for their distinct combinations (a few hundred in 100,000 rows) and joined
    back: the policy's expression is a long ``coalesce`` over the retirement schedule,
    0.5 s of CPU per 100,000 rows, 0.05 s this way. Same values as
    ``frame.with_columns(retirement_month(gender, identity, birth_date))``.

    Examples:
        >>> frame = pl.DataFrame({"g": ["1", "2", "1"], "i": [None, "4", None],
        ...                       "b": [dt.date(1965, 5, 9), dt.date(1975, 3, 1), dt.date(1965, 5, 20)]})
        >>> with_retirement_month(frame, pl.col("g"), pl.col("i"), pl.col("b"))["retirement_month"].to_list()
        [datetime.date(2025, 7, 1), datetime.date(2031, 7, 1), datetime.date(2025, 7, 1)]
    """
    keys = ("_rm_gender", "_rm_identity", "_rm_birth_month")
    keyed = frame.with_columns(
        gender.alias(keys[0]), identity.alias(keys[1]), birth_date.dt.month_start().alias(keys[2])
    )
    months = (
        keyed.select(keys)
        .unique()
        .with_columns(retirement_month(pl.col(keys[0]), pl.col(keys[1]), pl.col(keys[2])))
    )
    return keyed.join(
        months, on=list(keys), how="left", nulls_equal=True, maintain_order="left"
    ).drop(keys)


# ----------------------------------------------------------------------- context helpers
_COLUMN_DTYPES: dict[str, pl.DataType] = {
    "month": pl.Date(),
    "date": pl.Date(),
    "money": pl.Int64(),
    "int": pl.Int64(),
}


def with_all_columns(rows: pl.DataFrame, columns: Iterable[Column]) -> pl.DataFrame:
    """Add every column of the business that the declared rows lack, as nulls, and ``first_row``.

    A declaration made from a frame (or modified) may hold fewer columns than the
    business has; its rules then see empty cells, which pass. ``first_row`` is the
    No. of the person's first row in the declaration (for :func:`once_in_declaration`).

    Examples:
        >>> from sbbatch.declarations import get
        >>> rows = pl.DataFrame({"row_no": [1, 2], "person_id": ["370103198310135672"] * 2})
        >>> filled = with_all_columns(rows, get("departure").columns)
        >>> filled.schema["month"], filled["first_row"].to_list()
        (Date, [1, 1])
    """
    missing = [c for c in columns if c.field not in rows.columns]
    return rows.with_columns(
        pl.lit(None, _COLUMN_DTYPES.get(c.type, pl.String())).alias(c.field) for c in missing
    ).with_columns(pl.col("row_no").min().over("person_id").alias("first_row"))


def with_registry_person(ws: Workspace, rows: pl.DataFrame) -> pl.DataFrame:
    """Add the registry's name, gender, birth date and 个人身份 of each row's person."""
    found = registry_persons(ws, rows["person_id"])
    return rows.join(found, on="person_id", how="left").with_columns(
        pl.col("reg_gender")
        .replace_strict(code_labels("gender"), default=None, return_dtype=pl.String)
        .alias("reg_gender_label"),
        pl.col("reg_birth_date").dt.strftime("%Y-%m-%d").alias("reg_birth_text"),
    )


def with_other_declarations(
    ws: Workspace, rows: pl.DataFrame, declaration_id: str | None
) -> pl.DataFrame:
    """Add the other open declaration of each row's person, and its business title."""
    found = open_declarations(ws, rows["person_id"], declaration_id)
    titles = {kind: kind_title(kind) for kind in REGISTRY_KINDS}
    return rows.join(found, on="person_id", how="left").with_columns(
        pl.col("other_kind")
        .replace_strict(titles, default=None, return_dtype=pl.String)
        .alias("other_kind_title")
    )


def accepted_month_default(ws: Workspace, declaration: Declaration) -> dict[str, Any]:
    """Start a single case's 增员年月/减员年月 at the month accepted today (受理年月).

    The ``defaults`` of the 增员 and 减员 widget layouts.
    """
    try:
        month = accepted_month(ws, declaration.kind)
    except (LookupError, ValueError):
        return {}
    return {"month": f"{month:%Y-%m}"}


@cache
def code_labels(table: str) -> dict[str, str]:
    """Return a code table as a mapping of code to label."""
    frame = codes.table(table)
    return dict(zip(frame["code"].to_list(), frame["label"].to_list(), strict=True))


def with_code_labels(rows: pl.DataFrame, columns: Iterable[Column], on: str) -> pl.DataFrame:
    """Add, for every code column present, its label and whether it is valid in ``on``.

    The new columns are ``<field>_label`` (the code table's label, or the value when it
    is no code) and ``<field>_valid`` (:func:`sbbatch.codes.is_valid_on` the date in
    column ``on``), read from the code tables at the time of the review.
    """
    exprs: list[pl.Expr] = []
    for c in columns:
        if c.type != "code" or not c.code_table or c.field not in rows.columns:
            continue
        exprs.append(
            pl.col(c.field)
            .replace_strict(
                code_labels(c.code_table), default=pl.col(c.field), return_dtype=pl.String
            )
            .alias(f"{c.field}_label")
        )
        exprs.append(
            codes.is_valid_on(pl.col(c.field), c.code_table, pl.col(on)).alias(f"{c.field}_valid")
        )
    return rows.with_columns(exprs) if exprs else rows


# ----------------------------------------------------------------------- shared rules
def name_matches_registry() -> Rule:
    """Return the rule that the declared 姓名 is the one the registry holds for the ID."""
    return Rule(
        "name_matches_registry",
        "reject",
        "name",
        "姓名「{name}」与社保登记的姓名「{reg_name}」不符。提示：请核对身份证号码和姓名。",
        pl.col("name") == pl.col("reg_name"),
    )


def once_in_declaration() -> Rule:
    """Return the rule that a person has one row in the declaration (the first one passes)."""
    return Rule(
        "once_in_declaration",
        "reject",
        "person_id",
        "该人员在本申报中重复，与第 {first_row} 行相同。",
        pl.col("row_no") == pl.col("first_row"),
    )


def no_open_declaration() -> Rule:
    """Return the rule that no other unfinished declaration of the person exists."""
    return Rule(
        "no_open_declaration",
        "reject",
        "person_id",
        "该人员另有未办结的{other_kind_title}（申报编号 {other_declaration_id}）。"
        "提示：请先提交审核或作废该申报。",
        pl.col("other_declaration_id").is_null(),
    )


def code_rules(columns: Sequence[Column], on_text: str) -> tuple[Rule, ...]:
    """Return, per code column, the rule that its code is valid in the review's month.

    The context must come from :func:`with_code_labels`; ``on_text`` names the column
    holding the month as text, for the message.
    """
    return tuple(
        Rule(
            f"{c.field}_valid_on_month",
            "reject",
            c.field,
            f"{c.header}「{{{c.field}_label}}」在 {{{on_text}}} 已不能使用。",
            pl.col(f"{c.field}_valid"),
        )
        for c in columns
        if c.type == "code" and c.code_table
    )
