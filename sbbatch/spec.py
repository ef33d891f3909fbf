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
(:meth:`Declaration.schema` alone reaches down to :mod:`sbbatch.codes`, inside the
method, for the codes of a code column; codes imports nothing above it.)

Two kinds of checks, on purpose (design note):

- **The contract** — :meth:`Declaration.schema` generates a ``pandera.polars``
  ``DataFrameSchema`` from the columns: dtype, nullable = not required, code columns
  ``isin`` their code table, text lengths, uniqueness of the key fields, Chinese
  titles. It states what every *accepted* row of the business looks like: it
  validates what :func:`sbbatch.batch.check` accepts and what
  :meth:`sbbatch.store.Workspace.declaration_rows` reads back, and it is exported as
  YAML to ``schemas/contracts/`` (:mod:`sbbatch.contracts`) for other tools.
- **The engine** — :class:`Rule` and :func:`sbbatch._rules.evaluate` judge each row of
  a file or declaration and explain it. Pandera cannot carry what that needs: two
  levels (不通过 rejects, 提示 keeps the row), Chinese message templates filled from the
  row's values, and the spreadsheet's own row numbers; so rules stay rules, and the
  contract is what holds once they have run.
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

    import pandera.polars as pa

    from sbbatch._demo.kit import DemoKit
    from sbbatch.store import Workspace

#: Fills a batch file from the workspace (含数据报盘): (workspace, unit, month) → rows.
Prefill = Callable[["Workspace", str, dt.date], pl.DataFrame]

#: Joins a declaration's rows with the registry facts its review rules need:
#: (workspace, rows as declared with ``row_no``, declaration header) → rows + facts.
ReviewContext = Callable[["Workspace", pl.DataFrame, dict[str, Any]], pl.DataFrame]

#: Changes the registry for the approved rows, inside the review's transaction.
ReviewEffects = Callable[["Workspace", pl.DataFrame, dict[str, Any]], None]

#: Adds the registry facts a result table shows to the declared rows:
#: (workspace, rows as declared with ``row_no``, declaration header) → rows + facts.
ResultFacts = Callable[["Workspace", pl.DataFrame, dict[str, Any]], pl.DataFrame]

#: Runs a business's part of the monthly demo: (the engines' functions, workspace, output
#: folder) → (item, result) lines for the demo's closing summary (本月汇总).
DemoRun = Callable[["DemoKit", "Workspace", "Path"], list[tuple[str, str]]]

__all__ = [
    "COLUMN_DTYPES",
    "FAILURE_SCHEMA",
    "ID_LENGTH",
    "ID_SYNONYMS",
    "LEVEL_LABELS",
    "Column",
    "ColumnType",
    "Declaration",
    "DemoRun",
    "DemoStep",
    "FieldGrid",
    "FormColumn",
    "FormField",
    "FormPart",
    "FormRows",
    "FormTable",
    "FormText",
    "Level",
    "Prefill",
    "PrintedForm",
    "ResultFacts",
    "ResultTable",
    "Review",
    "ReviewContext",
    "ReviewEffects",
    "Rule",
    "Section",
    "Signatures",
    "Slot",
    "WidgetDefaults",
    "WidgetLayout",
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

#: The polars dtype of a column's typed value, by :data:`ColumnType`; text otherwise.
COLUMN_DTYPES: dict[str, pl.DataType] = {
    "month": pl.Date(),
    "date": pl.Date(),
    "money": pl.Int64(),
    "int": pl.Int64(),
}

#: Length of a resident ID number once checked (a 15-digit one is upgraded to 18).
ID_LENGTH = 18

#: The headers an ID-number column goes by (身份证号码 = 社会保障号码).
ID_SYNONYMS = (
    "身份证号码",
    "社会保障号码",
    "证件号码",
    "公民身份号码",
    "身份证号",
    "身份证",
    "社保号码",
    "个人社保号",
)

#: The code table of a ``gender`` column (its typed value is the code, 1 or 2).
_GENDER_TABLE = "gender"


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


# -- printed forms (打印 …表) ---------------------------------------------------------------

#: The rows a printed form shows: (workspace, declaration id) → one row per table line
#: (or per page), every value already as the form prints it (text).
FormRows = Callable[["Workspace", str], pl.DataFrame]

#: Extra values a single-case form starts with: (workspace, declaration) → field → text.
WidgetDefaults = Callable[["Workspace", "Declaration"], dict[str, Any]]


@dataclass(frozen=True)
class FormField:
    """A labelled value of a printed form: ``label`` in Chinese, ``field`` of its rows."""

    label: str
    field: str


@dataclass(frozen=True)
class FormColumn:
    """A column of a printed table: the rows' ``field``, its heading, relative width, alignment."""

    field: str
    header: str
    width: float = 1
    align: Literal["L", "C", "R"] = "L"


@dataclass(frozen=True)
class FieldGrid:
    """Label–value pairs in a ruled grid of ``columns`` pairs per line."""

    fields: tuple[FormField, ...]
    columns: int = 3


@dataclass(frozen=True)
class FormTable:
    """A ruled table of the rows (of the page's rows, on a form of one page per person).

    ``total`` is a line under the table and ``sum_row`` a last row of it; both are
    templates (see :class:`PrintedForm`).
    """

    columns: tuple[FormColumn, ...]
    total: str = ""
    sum_row: tuple[str, ...] | None = None
    font_size: float = 8


@dataclass(frozen=True)
class FormText:
    """A line of text (a template), such as a heading or the manual's 注意事项."""

    text: str
    size: float = 10


@dataclass(frozen=True)
class Signatures:
    """Boxes for the signatures and seals, each with a date line.

    ``continued``: when the boxes do not fit under the table, they go on a page of
    their own headed by this template (which declaration they sign); empty: no heading.
    """

    labels: tuple[str, ...] = ("经办人（签字）", "单位（盖章）", "社保经办机构（盖章）")
    continued: str = ""


#: One block of a printed form.
FormPart = FieldGrid | FormTable | FormText | Signatures


@dataclass(frozen=True)
class PrintedForm:
    """A printed form (打印增员表, 打印备案表 …) as data: the PDF engine draws any of them.

    Texts (``title``, ``subtitle``, :class:`FormText`, totals) are templates filled
    with the first row's fields (``{unit_name}`` …) and ``{rows}`` (lines),
    ``{persons}`` (distinct ``person_id``) and ``{pages}``. Every form's rows carry
    ``unit_id``, ``unit_name``, ``declaration_id``, ``declared_on``, ``reviewed_on``
    and ``printed_on``.

    Attributes:
        title: The form's title (增员表 …), also the PDF file's name.
        parts: What each page shows, in order.
        rows: The lines of the form; None: the approved rows of the declaration as
            its result table shows them (codes as labels), numbered ``no``.
        orientation: ``"P"`` (portrait) or ``"L"`` (landscape) A4.
        subtitle: The line under the title.
        page_per: One page per distinct value of this field (a person's form);
            None: one document of all rows.
        foot: Printed once, after the last page.
        empty: What the declaration lacks when there is nothing to print.
        document: The engine that draws it: ``"form"`` (this layout) or
            ``"fee_declaration"`` (the 社会保险费申报表 of a declared amount, with
            ``fee_item`` as its 险种 line and ``parts`` under it).
        fee_item: The 险种 line of a ``"fee_declaration"``.
    """

    title: str
    parts: tuple[FormPart, ...]
    rows: FormRows | None = field(default=None, compare=False)
    orientation: Literal["P", "L"] = "P"
    subtitle: str = "济南市社会保险单位网上服务"
    page_per: str | None = None
    foot: tuple[FormPart, ...] = ()
    empty: str = "没有审核成功的人员"
    document: Literal["form", "fee_declaration"] = "form"
    fee_item: str = ""


# -- widget layouts (单笔申报) -------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """A titled group of fields; ``collapsed`` groups start folded (the manual's 更多...)."""

    title: str
    fields: tuple[str, ...]
    collapsed: bool = False


@dataclass(frozen=True)
class Slot:
    """One row of a multi-row form (申领信息维护: the bank, then each collector).

    Attributes:
        title: The slot's heading (制卡银行信息, 领卡人信息（1） …).
        fields: The fields shown, in order.
        fixed: Values every row of this slot carries (e.g. 信息类别).
        optional: A slot left blank declares no row.
    """

    title: str
    fields: tuple[str, ...]
    fixed: tuple[tuple[str, str], ...] = ()
    optional: bool = False


@dataclass(frozen=True)
class WidgetLayout:
    """How a business's single-case form groups its columns, as data.

    Attributes:
        sections: The field groups in order; fields in no section follow in a last,
            untitled group.
        print_label: The print button's text, in the manual's words (the button
            shows only for a business with a :class:`PrintedForm`).
        slots: For a business declared as several rows at once, one :class:`Slot`
            per row; a single-row form by default.
        extras: Named special parts the widget engine adds below the fields
            (``"photo"``: the 上传照片 of 社保卡申领, checked on 下一步).
        defaults: The values a new case starts with (e.g. the accepted 增员年月).
    """

    sections: tuple[Section, ...] = ()
    print_label: str = "打印"
    slots: tuple[Slot, ...] = ()
    extras: tuple[str, ...] = ()
    defaults: WidgetDefaults | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ResultTable:
    """The review result table (审核结果) of a business, as data.

    Every business has one: 序号, 审核结果, 审核说明, then ``columns`` — each shown
    through the one presenter (:mod:`sbbatch.present`): codes as labels, money in
    yuan, months as ``YYYY-MM``. The default shows every declared column.

    Attributes:
        columns: The fields shown after 审核说明, in order; empty: every declared
            column the rows hold, then the ``extra`` ones.
        extra: Columns that are not declared but added by ``facts`` (e.g. 性别 and
            出生日期 of a 减员 from the registry), with their headers and types.
        facts: Adds ``extra`` to the declared rows; a callable of the business module.
        headers: Headers that differ from the columns' own (field → header).
        file_title: The first part of the file's name, ``<file_title>_审核结果.xlsx``;
            empty: the business's title.
    """

    columns: tuple[str, ...] = ()
    extra: tuple[Column, ...] = ()
    facts: ResultFacts | None = field(default=None, compare=False)
    headers: tuple[tuple[str, str], ...] = ()
    file_title: str = ""


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
    result: ResultTable = field(default=ResultTable(), compare=False)
    form: PrintedForm | None = field(default=None, compare=False)
    widget: WidgetLayout = field(default_factory=WidgetLayout, compare=False)
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

    def schema(self, *, checks: bool = True) -> pa.DataFrameSchema:
        """Return the business's contract: a ``pandera.polars`` schema of its accepted rows.

        Built from the columns, never typed twice: each field's dtype
        (:data:`COLUMN_DTYPES`), ``nullable`` = not required, a code column's (and a
        gender column's) ``isin`` of its code table in ``schemas/codes``, a checked ID's
        length of 18 and a text's ``max_length`` as ``str_length``, the Chinese header
        as the column's ``title`` and its help as ``description``; the business's title
        as the schema's. Extra columns (``source_row``, ``row_no``, 审核结果 …) are
        allowed (``strict=False``), and nothing is coerced. With ``checks=False`` only
        the shape is kept (dtypes, blanks, titles): what :func:`sbbatch.batch.check` runs
        on every file to find required cells left empty, where the value checks would
        cost about a second per 100,000 rows for failures it reports better itself.

        ``unique`` is the key fields when every one of them is required. Why that holds
        for accepted rows although a file may repeat a person: :func:`sbbatch.batch.check`
        rejects every repeat of a key after its first row, so the accepted rows (and the
        declared rows read back) have each key once. A key field that may be blank is
        left out of ``unique``: check only compares filled keys, while pandera counts
        two blanks as equal.

        Examples:
            >>> from sbbatch.declarations import get
            >>> contract = get("departure").schema()
            >>> contract.title, contract.unique, contract.columns["person_id"].title
            ('减员申报', ['person_id'], '身份证号码')
            >>> contract.columns["person_id"].nullable, str(contract.columns["month"].dtype)
            (False, 'Date')
        """
        import pandera.polars as pa

        from sbbatch import codes

        columns: dict[str, pa.Column] = {}
        for column in self.columns:
            value_checks = []
            table = _GENDER_TABLE if column.type == "gender" else column.code_table
            if checks and table is not None:
                value_checks.append(pa.Check.isin(codes.table(table)["code"].to_list()))
            if checks and column.type == "id":
                value_checks.append(pa.Check.str_length(ID_LENGTH, ID_LENGTH))
            elif checks and column.max_length is not None:
                value_checks.append(pa.Check.str_length(max_value=column.max_length))
            columns[column.field] = pa.Column(
                COLUMN_DTYPES.get(column.type, pl.String()),
                value_checks,
                nullable=not column.required,
                required=True,
                title=column.header,
                description=column.help or None,
            )
        fields = {column.field: column for column in self.columns}
        keyed = bool(self.key_fields) and all(
            key in fields and fields[key].required for key in self.key_fields
        )
        return pa.DataFrameSchema(
            columns,
            name=self.kind,
            title=self.title,
            description=self.description or None,
            unique=list(self.key_fields) if checks and keyed else None,
            coerce=False,
            strict=False,
        )


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
