"""The shape every business module shares: its columns and its rules.

A business (增员, 减员, 工资申报 …) is described once, as data: a tuple of
:class:`Column` (English field, the Chinese header exactly as in the manual, type,
whether required, code table, example, help text) and a tuple of :class:`Rule`
(id, level, Chinese message, polars expression true for rows that pass). The generic
machinery — templates, reading, validation, error reports, declaring, reviewing,
widgets — serves every business from these, without per-business code.

This is the bottom of the package: it imports nothing of sbbatch at run time, so
every engine (reading, validation, review, results, forms, widgets, the CLI) can
depend on it and a business module depends on nothing above it. The header
comparison (:func:`header_key`, :func:`match_headers`) and the shape of every
failures frame (:data:`FAILURE_SCHEMA`) live here for the same reason.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

if TYPE_CHECKING:
    from pathlib import Path

    from sbbatch._demo.kit import DemoKit
    from sbbatch.store import Workspace

#: Fills a batch file from the workspace (含数据报盘): (workspace, unit, month) → rows.
Prefill = Callable[["Workspace", str, dt.date], pl.DataFrame]

#: Joins a declaration's rows with the registry facts its review rules need:
#: (workspace, rows as declared with ``row_no``, declaration header) → rows + facts.
ReviewContext = Callable[["Workspace", pl.DataFrame, dict[str, Any]], pl.DataFrame]

#: Changes the registry for the approved rows, inside the review's transaction.
ReviewEffects = Callable[["Workspace", pl.DataFrame, dict[str, Any]], None]

#: Runs a business's part of the monthly demo: (the engines' functions, workspace, output
#: folder) → (item, result) lines for the demo's closing summary (本月汇总).
DemoRun = Callable[["DemoKit", "Workspace", "Path"], list[tuple[str, str]]]

__all__ = [
    "FAILURE_SCHEMA",
    "LEVEL_LABELS",
    "Column",
    "ColumnType",
    "Declaration",
    "DemoRun",
    "DemoStep",
    "Level",
    "Prefill",
    "Review",
    "ReviewContext",
    "ReviewEffects",
    "Rule",
    "header_key",
    "match_headers",
]

#: How a column's text is parsed and checked.
ColumnType = Literal[
    "id", "text", "name", "phone", "month", "date", "money", "code", "gender", "int"
]

#: 不通过 (the row is rejected) or 提示 (a warning; the row is kept).
Level = Literal["reject", "warn"]

LEVEL_LABELS: dict[str, str] = {"reject": "不通过", "warn": "提示"}


@dataclass(frozen=True)
class Column:
    """One column of a business's batch file (报盘) and of its declared rows.

    Attributes:
        field: English snake_case name used in frames and the API.
        header: The Chinese header exactly as in the manual.
        type: How the text is parsed (see :data:`ColumnType`).
        required: Whether the column must be present and every row must fill it.
        code_table: For ``type="code"``, the key of the table in ``schemas/codes``.
        example: An example value for the template and the 填写说明 sheet.
        help: What to enter, in Chinese.
        synonyms: Other headers accepted for this column (from HR exports).
        derived_from_id: May be left blank and is then derived from the ID number.
        max_length: Longest text accepted (names, addresses).
        future_ok: A date may lie after today (a planned 入职/离职 day); by default a
            date column refuses the future.
    """

    field: str
    header: str
    type: ColumnType = "text"
    required: bool = False
    code_table: str | None = None
    example: str = ""
    help: str = ""
    synonyms: tuple[str, ...] = ()
    derived_from_id: bool = False
    max_length: int | None = None
    future_ok: bool = False


@dataclass(frozen=True)
class Rule:
    """A check of a business: rows where ``expr`` is false fail with ``message``.

    ``expr`` is evaluated on the typed frame (English fields, plus ``<field>__raw``
    text columns); ``message`` may use ``{value}`` (the cell as entered) and any
    ``{field}`` of the row's typed values. ``column`` names the field reported.
    Null results of ``expr`` count as passing: a rule only judges what it can see.
    """

    id: str
    level: Level
    column: str
    message: str
    expr: pl.Expr
    when: pl.Expr | None = None


@dataclass(frozen=True)
class Review:
    """How the agency reviews (审核) a business's declarations, simulated.

    Attributes:
        rules: Checked against ``context``'s frame, all at once; ``reject`` rules
            make a row 不通过, ``warn`` rules add a 提示 to the 审核意见.
        context: Adds the registry facts the rules need to the declared rows.
        effects: What approval changes in the registry (same transaction).
        success: The 审核意见 of an approved row (the manual shows e.g.
            「中断转退休成功」; empty for most businesses).
    """

    rules: tuple[Rule, ...]
    context: ReviewContext
    effects: ReviewEffects | None = None
    success: str = ""


@dataclass(frozen=True)
class DemoStep:
    """A business's part of the monthly demo (``sbbatch demo``), as the demo needs it.

    The demo runs, in ``order``, the steps of every business that declares one, with
    its own steps that span businesses (batch files, money). A step may cover
    neighbouring businesses of the manual (增员 with 减员 and 减员原因变更): the first
    of them declares it.

    Attributes:
        order: Where in the month the step runs (smaller first; the demo's own steps
            are 10 for the batch files and 30 for the money).
        title: The step's Chinese heading, as printed.
        run: Does the step; it gets the engines' functions from the demo (a business
            never imports an engine) and returns the summary lines.
    """

    order: int
    title: str
    run: DemoRun = field(compare=False)


@dataclass(frozen=True)
class Declaration:
    """A business of the manual, as the generic machinery needs it."""

    kind: str
    title: str
    columns: tuple[Column, ...]
    rules: tuple[Rule, ...] = ()
    has_business_month: bool = False
    key_fields: tuple[str, ...] = ("person_id",)
    description: str = ""
    detectable: bool = True  # may be found from a file's headers alone (generic headers: no)
    prefill: Prefill | None = field(default=None, compare=False)
    review: Review | None = field(default=None, compare=False)
    demo: DemoStep | None = field(default=None, compare=False)

    def column(self, name: str) -> Column:
        """Return the column with English ``name``."""
        for column in self.columns:
            if column.field == name:
                return column
        msg = f"{self.title}没有字段 {name}。"
        raise KeyError(msg)

    @property
    def headers(self) -> dict[str, str]:
        """Map each English field to its Chinese header."""
        return {column.field: column.header for column in self.columns}

    @property
    def required(self) -> tuple[Column, ...]:
        """The columns that must be present and filled."""
        return tuple(column for column in self.columns if column.required)


#: The columns of every failures frame.
FAILURE_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),
    "column": pl.String(),
    "value": pl.String(),
    "rule": pl.String(),
    "level": pl.String(),
    "message": pl.String(),
}

_FULLWIDTH_TABLE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def header_key(text: str) -> str:
    """The form in which two header texts are compared (表头比对).

    Full-width characters become half-width, then whitespace of every kind, the
    ``*`` of required columns, punctuation (``()（）:：、.-`` …) and invisible
    format characters are removed, and Latin letters are case-folded. Chinese
    characters, digits and symbols such as ``¥`` stay.

    Example:
        >>> header_key(" ＊社会保障号码（必填）： ")
        '社会保障号码必填'
        >>> header_key("姓　名\\n") == header_key("*姓名")
        True
        >>> header_key("ＩＤ No.")
        'idno'
    """
    halfwidth = text.translate(_FULLWIDTH_TABLE)
    kept = (
        char
        for char in halfwidth
        if not char.isspace() and unicodedata.category(char)[0] != "P"
        if unicodedata.category(char) != "Cf"
    )
    return "".join(kept).casefold()


def match_headers(headers: Iterable[str], declaration: Declaration) -> dict[str, str]:
    """Map each file header that names a column of ``declaration`` to the column's field.

    Headers are compared ignoring spaces, ``*`` and full-width punctuation; a
    column's own header wins over a synonym, and each column is matched once.

    Examples:
        >>> from sbbatch.declarations import get
        >>> match_headers(["*证件号码", "姓 名", "缴费基数"], get("wage_base"))
        {'*证件号码': 'person_id', '姓 名': 'name', '缴费基数': 'wage_fen'}
    """
    own = {header_key(column.header): column.field for column in declaration.columns}
    by_synonym: dict[str, str] = {}
    for column in declaration.columns:
        for synonym in column.synonyms:
            by_synonym.setdefault(header_key(synonym), column.field)
    headers = list(headers)
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    # a column's own header wins over a synonym elsewhere in the file
    for table in (own, by_synonym):
        for header in headers:
            field = table.get(header_key(header))
            if header in mapping or field is None or field in taken:
                continue
            mapping[header] = field
            taken.add(field)
    return {header: mapping[header] for header in headers if header in mapping}
