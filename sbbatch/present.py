"""The one presenter (呈现): every table a user reads is turned into text here.

Result files (审核结果), terminal tables, notebook HTML and widget panels all call
:func:`present`, so a value reads the same wherever it is shown:

- codes become their labels from ``schemas/codes`` (性别 ``1`` → 男, 增加原因
  ``111`` → 在职人员续保, 审核结果 ``2`` → 不通过, 申报状态 ``draft`` → 录入);
- integer fen becomes yuan with two decimals (``300000`` → ``3000.00``; thousands
  separators when asked, for reading on a screen);
- months become ``YYYY-MM``, dates ``YYYY-MM-DD``;
- ID numbers and phones are masked when asked (``370103********5672``), also inside
  free text such as messages;
- English columns get the Chinese headers of the business and the common ones.

What a column is comes from its :class:`~sbbatch.spec.Column` (type, code table) when a
business or columns are given, else from its name and dtype (``*_fen`` integers are
money, ``*_month`` dates are months, ``gender``/``review_result``/``status``/``kind``/
``level`` and code-table keys are labelled). :func:`describe` says how each column
will be shown (for right-aligning numbers and summing money).

Example:
    >>> import datetime as dt
    >>> import polars as pl
    >>> from sbbatch.spec import Column
    >>> rows = pl.DataFrame({
    ...     "person_id": ["370103198310135672"], "gender": ["1"],
    ...     "month": [dt.date(2026, 10, 1)], "base_fen": [300000], "review_result": ["2"]})
    >>> present(rows, [Column("month", "补扣年月", "month")], mask=True).row(0, named=True)
    {'身份证号码': '370103********5672', '性别': '男', '补扣年月': '2026-10', 'base_fen': '3000.00', '审核结果': '不通过'}
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import polars as pl

from sbbatch import codes
from sbbatch._mask import mask_id_expr, mask_phone_expr, mask_text
from sbbatch._money import half_up, yuan_expr
from sbbatch.spec import LEVEL_LABELS, Column, Declaration
from sbbatch.store.workflow import kinds

__all__ = [
    "COMMON_HEADERS",
    "ROW_NUMBER_HEADER",
    "Shown",
    "Spec",
    "code_labels",
    "describe",
    "headers_of",
    "present",
    "present_expr",
]

#: A business, its columns, or a header mapping: what :func:`present` is told.
Spec = Declaration | Iterable[Column] | Mapping[str, str] | None

#: The header of a table's own row numbers, in every file and table (序号, never No.).
ROW_NUMBER_HEADER = "序号"

#: Chinese headers of the columns every part of sbbatch shares (failures, results …).
COMMON_HEADERS: dict[str, str] = {
    "row": "行号",
    "source_row": "行号",
    "row_no": ROW_NUMBER_HEADER,
    "column": "列名",
    "value": "填写内容",
    "rule": "规则",
    "level": "级别",
    "message": "错误信息",
    "review_result": "审核结果",
    "review_opinion": "审核意见",
    "declaration_id": "申报编号",
    "kind": "业务",
    "unit_id": "单位编号",
    "unit_name": "单位名称",
    "status": "状态",
    "business_month": "申报年月",
    "created_at": "录入时间",
    "created_by": "经办人",
    "person_id": "身份证号码",
    "name": "姓名",
    "gender": "性别",
    "birth_date": "出生日期",
    "phone": "手机号码",
    "month": "年月",
    "insurance": "险种",
    "person_category": "人员类别",
    "from_month": "增员年月",
    "until_month": "减员年月",
    "wage_fen": "缴费工资",
    "amount_fen": "金额",
    "count": "人数",
    "persons": "人数",
    "note": "备注",
}

#: Columns named so hold the codes of these tables wherever they appear.
_NAMED_CODES = {
    "gender": "gender",
    "review_result": "review_result",
    "status": "declaration_status",
}
_ROW_NUMBERS = ("row", "source_row", "row_no")
_ID_HEADERS = ("身份证", "社会保障号码", "证件号码")
_PHONE_HEADERS = ("手机", "电话")

How = Literal[
    "money", "month", "date", "datetime", "label", "id", "phone", "bool", "int", "number", "text"
]


@dataclass(frozen=True)
class Shown:
    """How one column is presented.

    Attributes:
        field: The frame's column name.
        header: The Chinese header it is shown under.
        how: ``money`` (fen or Decimal → yuan), ``month``, ``date``, ``datetime``,
            ``label`` (a code shown as its label), ``id``, ``phone``, ``bool`` (是/否),
            ``int``, ``number`` or ``text``.
        labels: For ``label``: the code table's key, or ``"level"``/``"kind"``.
        fen: For ``money``: whether the values are integer fen (else Decimal yuan).
    """

    field: str
    header: str
    how: How
    labels: str | None = None
    fen: bool = True

    @property
    def numeric(self) -> bool:
        """Whether the column is a number to right-align (row numbers are not)."""
        return self.how in ("money", "int", "number") and self.field not in _ROW_NUMBERS


@functools.cache
def code_labels(key: str) -> dict[str, str]:
    """Map each code of a table (and its English ``key``, for 险种) to its label.

    ``"level"`` gives the rule levels (不通过/提示) and ``"kind"`` the business titles.

    Examples:
        >>> code_labels("gender")["1"], code_labels("review_result")["2"]
        ('男', '不通过')
        >>> code_labels("level")["warn"], code_labels("kind")["enrolment"]
        ('提示', '增员申报')
    """
    if key == "level":
        return dict(LEVEL_LABELS)
    if key == "kind":
        return {kind: row["title"] for kind, row in kinds().items()}
    frame = codes.table(key)
    labels = dict(zip(frame["code"].to_list(), frame["label"].to_list(), strict=True))
    if "key" in frame.columns:  # 险种 are also named by English key in code
        keys = zip(frame["key"].to_list(), frame["label"].to_list(), strict=True)
        labels.update({k: v for k, v in keys if k})
    return labels


def _columns_of(spec: Spec) -> dict[str, Column]:
    if isinstance(spec, Declaration):
        return {column.field: column for column in spec.columns}
    if spec is None or isinstance(spec, Mapping):
        return {}
    return {column.field: column for column in spec}


def headers_of(spec: Spec = None, headers: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the Chinese header of each known field: common, then ``spec``'s, then ``headers``.

    Example:
        >>> headers_of(None, {"month": "补扣年月"})["month"], headers_of()["row_no"]
        ('补扣年月', '序号')
    """
    merged = dict(COMMON_HEADERS)
    if isinstance(spec, Mapping):
        merged.update(spec)
    else:
        merged.update({field: column.header for field, column in _columns_of(spec).items()})
    merged.update(headers or {})
    return merged


def describe(
    schema: Mapping[str, pl.DataType] | pl.Schema,
    spec: Spec = None,
    *,
    headers: Mapping[str, str] | None = None,
    money_columns: Sequence[str] = (),
) -> list[Shown]:
    """Say how each column of a frame with ``schema`` is presented.

    Example:
        >>> [s.how for s in describe({"wage_fen": pl.Int64, "until_month": pl.Date})]
        ['money', 'month']
    """
    spec_columns = _columns_of(spec)
    all_headers = headers_of(spec, headers)
    table_keys = set(codes.keys())
    out: list[Shown] = []
    for name, dtype in schema.items():
        header = all_headers.get(name, name)
        column = spec_columns.get(name)
        typed = column.type if column else None
        out.append(
            Shown(
                name, header, *_how(name, dtype, header, column, typed, table_keys, money_columns)
            )
        )
    return out


def _how(
    name: str,
    dtype: pl.DataType,
    header: str,
    column: Column | None,
    typed: str | None,
    table_keys: set[str],
    money_columns: Sequence[str],
) -> tuple[How, str | None, bool]:
    is_decimal = isinstance(dtype, pl.Decimal)
    named_money = name in money_columns or typed == "money" or name.endswith("_fen")
    if is_decimal or (dtype.is_integer() and named_money):
        return "money", None, not is_decimal
    if typed == "id" or name == "person_id" or any(h in header for h in _ID_HEADERS):
        return "id", None, True
    if typed == "phone" or name == "phone" or any(h in header for h in _PHONE_HEADERS):
        return "phone", None, True
    if dtype == pl.Date:
        month = typed == "month" or name == "month" or name.endswith("_month")
        return ("month" if month else "date"), None, True
    if isinstance(dtype, pl.Datetime):
        return "datetime", None, True
    if column is not None and column.code_table:
        return "label", column.code_table, True
    if typed == "gender":
        return "label", "gender", True
    if name in _NAMED_CODES:
        return "label", _NAMED_CODES[name], True
    if name in ("level", "kind"):
        return "label", name, True
    if name in table_keys and dtype == pl.String:
        return "label", name, True
    if dtype == pl.Boolean:
        return "bool", None, True
    if dtype.is_integer():
        return "int", None, True
    if dtype.is_numeric():
        return "number", None, True
    return "text", None, True


def _grouped(text: pl.Expr) -> pl.Expr:
    """Insert thousands separators into the whole part of a number written as text."""
    sign = pl.when(text.str.starts_with("-")).then(pl.lit("-")).otherwise(pl.lit(""))
    body = text.str.strip_prefix("-")
    whole = body.str.extract(r"^(\d+)", 1)
    rest = body.str.slice(whole.str.len_chars())
    grouped = (
        whole.str.reverse()
        .str.replace_all(r"(\d{3})", "${1},")
        .str.strip_chars_end(",")
        .str.reverse()
    )
    return pl.concat_str(sign, grouped, rest)


def _decimal_yuan(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return f"{half_up(Decimal(value), 2):.2f}"


def present_expr(shown: Shown, *, mask: bool = False, thousands: bool = False) -> pl.Expr:
    """Return the expression that turns column ``shown.field`` into its text (nulls stay null).

    Example:
        >>> shown = Shown("wage_fen", "缴费工资", "money")
        >>> pl.DataFrame({"wage_fen": [123456789, -5]}).select(
        ...     present_expr(shown, thousands=True)).to_series().to_list()
        ['1,234,567.89', '-0.05']
    """
    col = pl.col(shown.field)
    text = col.cast(pl.String)
    value: pl.Expr
    if shown.how == "money":
        value = (
            yuan_expr(col) if shown.fen else col.map_elements(_decimal_yuan, return_dtype=pl.String)
        )
        if thousands:
            value = _grouped(value)
    elif shown.how == "month":
        value = col.dt.strftime("%Y-%m")
    elif shown.how == "date":
        value = col.dt.strftime("%Y-%m-%d")
    elif shown.how == "datetime":
        value = col.dt.strftime("%Y-%m-%d %H:%M")
    elif shown.how == "label":
        value = text.replace_strict(
            code_labels(shown.labels or ""), default=text, return_dtype=pl.String
        )
    elif shown.how == "id":
        value = mask_id_expr(text) if mask else text
    elif shown.how == "phone":
        value = mask_phone_expr(text) if mask else text
    elif shown.how == "bool":
        value = pl.when(col).then(pl.lit("是")).when(col.not_()).then(pl.lit("否"))
    elif shown.how == "int" and thousands and shown.field not in _ROW_NUMBERS:
        value = pl.when(col.abs() >= 10_000).then(_grouped(text)).otherwise(text)
    elif shown.how == "text" and mask:
        value = text.map_elements(mask_text, return_dtype=pl.String)
    else:
        value = text
    return value.alias(shown.field)


def present(
    frame: pl.DataFrame,
    spec: Spec = None,
    *,
    headers: Mapping[str, str] | None = None,
    mask: bool = False,
    thousands: bool = False,
    money_columns: Sequence[str] = (),
    rename: bool = True,
    empty: str | None = "",
) -> pl.DataFrame:
    """Return ``frame`` as text for a reader: labels, yuan, ``YYYY-MM``, masks, Chinese headers.

    Args:
        frame: Any frame of sbbatch (declared rows, results, failures, query results).
        spec: The business (its :class:`~sbbatch.spec.Declaration`) or the
            :class:`~sbbatch.spec.Column` specs whose types and code tables to use, or
            a header mapping.
        headers: Headers that win over the business's and the common ones.
        mask: Mask ID numbers and phones, also inside free text.
        thousands: Write money (and integers from 10,000) with thousands separators.
        money_columns: More integer-fen (or Decimal) columns to show as yuan.
        rename: Give the columns their Chinese headers (two columns that would get
            the same header keep their English names).
        empty: What an empty cell becomes (``None`` keeps it null, for files).

    Returns:
        The same rows, every column a String; empty cells are ``empty``.

    Example:
        >>> present(pl.DataFrame({"row_no": [1], "level": ["reject"]})).columns
        ['序号', '级别']
    """
    shown = describe(frame.schema, spec, headers=headers, money_columns=money_columns)
    exprs = [present_expr(s, mask=mask, thousands=thousands) for s in shown]
    texts = frame.select(exprs if empty is None else [e.fill_null(empty) for e in exprs])
    if not rename:
        return texts
    counts: dict[str, int] = {}
    for s in shown:
        counts[s.header] = counts.get(s.header, 0) + 1
    return texts.rename(
        {s.field: s.header for s in shown if s.header != s.field and counts[s.header] == 1}
    )
