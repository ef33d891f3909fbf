"""Code tables (代码表): 增加原因, 减员原因, 人员类别, 民族, 险种 and the others.

Each table is one CSV file in ``schemas/codes/``, named by its English key
(``add_reason.csv``, ``ethnicity.csv``, …). A file opens with ``#`` comment lines: the
first names the table's Chinese title, the next ones its source. Its columns are
``code,label,valid_from,valid_to`` and, where a table needs them, extra columns such as
``aliases`` (other spellings accepted on input, ``|``-separated), ``status`` (``MANUAL``,
``SECONDARY`` or ``INFERENCE``: how well the row is sourced) or ``key`` (English key
used in code, for 险种). Code tables never become Python literals.

Everything that touches data is a polars expression, so a million rows are mapped in
one pass. Input is matched after Unicode NFKC normalisation (full-width digits and
brackets become half-width), trimming and lower-casing:

>>> import polars as pl
>>> from sbbatch import codes
>>> people = pl.DataFrame({"category": ["城合制", " 11 ", "农合制", "合同工", None]})
>>> people.select(
...     code=codes.to_code(pl.col("category"), "person_category"),
...     label=codes.to_label(pl.col("category"), "person_category"),
... )
shape: (5, 2)
┌──────┬────────┐
│ code ┆ label  │
│ ---  ┆ ---    │
│ str  ┆ str    │
╞══════╪════════╡
│ 11   ┆ 城镇制 │
│ 11   ┆ 城镇制 │
│ 12   ┆ 农合制 │
│ null ┆ null   │
│ null ┆ null   │
└──────┴────────┘
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl

from sbbatch._csv import read_commented_csv
from sbbatch._resources import schemas_dir
from sbbatch.exceptions import UnusableInputError

__all__ = [
    "enum",
    "is_valid_on",
    "keys",
    "label_enum",
    "source",
    "table",
    "titles",
    "to_code",
    "to_label",
]

_BASE_COLUMNS = ("code", "label", "valid_from", "valid_to")
_DATE_COLUMNS = ("valid_from", "valid_to")
_ALIAS_SEPARATOR = "|"
_OPEN_FROM = date.min
_OPEN_TO = date.max


@dataclass(frozen=True)
class _Table:
    """One loaded code table with its lookups, built once per key."""

    frame: pl.DataFrame
    comments: tuple[str, ...]
    to_code: dict[str, str]
    to_label: dict[str, str]
    periods: tuple[tuple[dict[str, date], dict[str, date]], ...]
    has_dates: bool


def _codes_dir() -> Path:
    """Return the folder that holds the code table files."""
    return schemas_dir() / "codes"


@functools.cache
def _keys() -> tuple[str, ...]:
    """Keys of the table files present, sorted."""
    return tuple(sorted(path.stem for path in _codes_dir().glob("*.csv")))


def _clear_caches() -> None:
    """Forget every loaded table (for tests that point ``_codes_dir`` elsewhere)."""
    _keys.cache_clear()
    _load.cache_clear()


def keys() -> list[str]:
    """List the keys of all code tables, sorted.

    Returns:
        The English table keys, e.g. ``["add_reason", …, "unit_type"]``.

    Example:
        >>> from sbbatch import codes
        >>> "ethnicity" in codes.keys()
        True
    """
    return list(_keys())


def _normalised(expr: pl.Expr) -> pl.Expr:
    """Text as matched against a table: NFKC, trimmed, lower case."""
    return expr.cast(pl.String).str.normalize("NFKC").str.strip_chars().str.to_lowercase()


def _as_expr(expr: pl.Expr | str) -> pl.Expr:
    return pl.col(expr) if isinstance(expr, str) else expr


def _fail(path: Path, problem: str) -> UnusableInputError:
    msg = f"代码表文件 {path.name} 有误：{problem}。提示：请修正该文件或重新安装 sbbatch。"
    return UnusableInputError(msg)


def _read(path: Path) -> tuple[pl.DataFrame, list[str]]:
    """Read and type one table file, checking its shape and dates."""
    raw, comments = read_commented_csv(path)
    if not comments:
        raise _fail(path, "缺少开头的 # 注释行（表名与来源）")
    missing = [column for column in _BASE_COLUMNS if column not in raw.columns]
    if missing:
        raise _fail(path, "缺少列 " + "、".join(missing))
    for column in ("code", "label"):
        values = raw.get_column(column)
        if values.is_null().any():
            raise _fail(path, f"{column} 列有空值")
        if (values != values.str.strip_chars()).any():
            raise _fail(path, f"{column} 列有首尾空白")
    frame = raw.with_columns(
        pl.col(column).str.to_date("%Y-%m-%d", strict=False) for column in _DATE_COLUMNS
    )
    for column in _DATE_COLUMNS:
        bad = raw.filter(pl.col(column).is_not_null() & frame.get_column(column).is_null())
        if bad.height:
            raise _fail(path, f"{column} 不是 YYYY-MM-DD 日期：{bad.get_column(column)[0]}")
    if frame.filter(pl.col("valid_from") > pl.col("valid_to")).height:
        raise _fail(path, "valid_from 晚于 valid_to")
    extras = [column for column in frame.columns if column not in _BASE_COLUMNS]
    return frame.select(*_BASE_COLUMNS, *extras), comments


def _lookup_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per accepted input spelling: ``row, key, code, lo, hi``."""
    spellings = [pl.col("code"), pl.col("label")]
    if "aliases" in frame.columns:
        spellings.append(pl.col("aliases").fill_null("").str.split(_ALIAS_SEPARATOR))
    return (
        frame.with_row_index("row")
        .select(
            "row",
            "code",
            lo=pl.col("valid_from").fill_null(_OPEN_FROM),
            hi=pl.col("valid_to").fill_null(_OPEN_TO),
            key=pl.concat_list(spellings),
        )
        .explode("key")
        .with_columns(key=_normalised(pl.col("key")))
        .filter(pl.col("key").is_not_null() & (pl.col("key") != ""))
        .unique(["row", "key"], maintain_order=True)
    )


@functools.cache
def _load(key: str) -> _Table:
    """Load, check and index one table; raise for an unknown key or a broken file."""
    if key not in _keys():
        msg = f"没有名为“{key}”的代码表。提示：可用的代码表有 {'、'.join(_keys())}。"
        raise UnusableInputError(msg)
    path = _codes_dir() / f"{key}.csv"
    frame, comments = _read(path)
    spellings = _lookup_keys(frame)
    clashes = spellings.join(spellings, on="key", suffix="_other").filter(
        (pl.col("row") < pl.col("row_other"))
        & (pl.col("lo") <= pl.col("hi_other"))
        & (pl.col("lo_other") <= pl.col("hi"))
    )
    if clashes.height:
        first = clashes.row(0, named=True)
        raise _fail(
            path,
            f"“{first['key']}”在同一有效期内指向多行（代码 {first['code']}、{first['code_other']}）",
        )
    # The row listed last wins where a spelling names rows of different periods.
    latest = spellings.unique("key", keep="last", maintain_order=True)
    codes_by_key = dict(zip(latest["key"], latest["code"], strict=True))
    last_rows = frame.unique("code", keep="last", maintain_order=True)
    label_by_code = dict(zip(last_rows["code"], last_rows["label"], strict=True))
    ranked = (
        spellings.unique("row", maintain_order=True)
        .with_columns(rank=pl.col("row").rank("ordinal").over("code") - 1)
        .partition_by("rank", as_dict=True, include_key=False)
    )
    periods = tuple(
        (
            dict(zip(part["code"], part["lo"], strict=True)),
            dict(zip(part["code"], part["hi"], strict=True)),
        )
        for _, part in sorted(ranked.items())
    )
    return _Table(
        frame=frame,
        comments=tuple(comments),
        to_code=codes_by_key,
        to_label={spelling: label_by_code[code] for spelling, code in codes_by_key.items()},
        periods=periods,
        has_dates=bool(
            frame.select(pl.any_horizontal(pl.col(_DATE_COLUMNS).is_not_null().any())).item()
        ),
    )


def table(key: str) -> pl.DataFrame:
    """Return a code table as a frame.

    Args:
        key: The table's English key, e.g. ``"add_reason"`` (增加原因).

    Returns:
        Columns ``code`` and ``label`` (String), ``valid_from`` and ``valid_to`` (Date,
        null when open), then the table's extra columns (String), in file order.

    Raises:
        UnusableInputError: There is no table of that key.

    Example:
        >>> from sbbatch import codes
        >>> codes.table("gender").select("code", "label")
        shape: (3, 2)
        ┌──────┬──────────────┐
        │ code ┆ label        │
        │ ---  ┆ ---          │
        │ str  ┆ str          │
        ╞══════╪══════════════╡
        │ 1    ┆ 男           │
        │ 2    ┆ 女           │
        │ 9    ┆ 未说明的性别 │
        └──────┴──────────────┘
    """
    return _load(key).frame.clone()


def titles() -> dict[str, str]:
    """Map every table key to its Chinese title, read from the file's first comment line.

    Example:
        >>> from sbbatch import codes
        >>> codes.titles()["leave_reason"]
        '减员原因'
    """
    return {key: re.split(r"\s*[(（]", _load(key).comments[0], maxsplit=1)[0] for key in _keys()}


def source(key: str) -> list[str]:
    """Return a table's provenance: its comment lines, without the ``#``.

    Example:
        >>> from sbbatch import codes
        >>> codes.source("add_reason")[0]
        '增加原因 (AAE160 变动原因, 增员 subset 1xx)'
    """
    return list(_load(key).comments)


def enum(key: str) -> pl.Enum:
    """Return the dtype whose categories are a table's codes, in file order.

    Example:
        >>> from sbbatch import codes
        >>> codes.enum("review_result")
        Enum(categories=['1', '2'])
    """
    return pl.Enum(_load(key).frame.get_column("code").unique(maintain_order=True))


def label_enum(key: str) -> pl.Enum:
    """Return the dtype whose categories are a table's labels, in file order.

    Example:
        >>> from sbbatch import codes
        >>> codes.label_enum("review_result")
        Enum(categories=['审核成功', '不通过'])
    """
    return pl.Enum(_load(key).frame.get_column("label").unique(maintain_order=True))


def code_of(key: str, label: str) -> str:
    """The code of one ``label`` of table ``key`` (so no code is typed in Python).

    Example:
        >>> from sbbatch import codes
        >>> codes.code_of("gender", "女")
        '2'
    """
    frame = table(key).filter(pl.col("label") == label)
    if frame.height != 1:
        msg = f"代码表 {key} 中没有「{label}」。"
        raise LookupError(msg)
    return str(frame["code"][0])


def to_code(expr: pl.Expr | str, key: str) -> pl.Expr:
    """Map codes, labels or aliases to codes.

    Args:
        expr: The values (any dtype castable to text); a string names a column.
        key: The table's key.

    Returns:
        A String expression: the code, or null where the value is null or unknown.
        Matching ignores surrounding whitespace, full-width forms and letter case.

    Example:
        >>> import polars as pl
        >>> from sbbatch import codes
        >>> frame = pl.DataFrame({"ethnicity": ["回族", "汉", "０１", "崩龙族", "火星族"]})
        >>> frame.select(codes.to_code("ethnicity", "ethnicity")).to_series().to_list()
        ['03', '01', '01', '46', None]
    """
    mapping = _load(key).to_code
    return _normalised(_as_expr(expr)).replace_strict(mapping, default=None, return_dtype=pl.String)


def to_label(expr: pl.Expr | str, key: str) -> pl.Expr:
    """Map codes, labels or aliases to the table's labels.

    Args:
        expr: The values (any dtype castable to text); a string names a column.
        key: The table's key.

    Returns:
        A String expression: the label, or null where the value is null or unknown.
        Where a code has rows of several periods, the label of the row listed last.

    Example:
        >>> import polars as pl
        >>> from sbbatch import codes
        >>> frame = pl.DataFrame({"insurance": [1, 3, 10, 7]})
        >>> frame.select(codes.to_label("insurance", "insurance")).to_series().to_list()
        ['基本养老保险', '职工基本医疗保险', '大额医疗补助', None]
    """
    mapping = _load(key).to_label
    return _normalised(_as_expr(expr)).replace_strict(mapping, default=None, return_dtype=pl.String)


def is_valid_on(code_expr: pl.Expr | str, key: str, on: pl.Expr | date) -> pl.Expr:
    """Tell whether each value names a code valid on a date.

    Args:
        code_expr: Codes, labels or aliases (as accepted by :func:`to_code`); a string
            names a column.
        key: The table's key.
        on: The date to check, one for all rows or an expression per row.

    Returns:
        A Boolean expression: true where the code is known and
        ``valid_from <= on <= valid_to`` (open ends always hold), false where it is
        unknown or out of its period, null where the value or the date is null.

    Example:
        >>> import polars as pl
        >>> from datetime import date, datetime
        >>> from sbbatch import codes
        >>> frame = pl.DataFrame({"reason": ["111", "在职人员续保", "999", None]})
        >>> frame.select(
        ...     codes.is_valid_on("reason", "add_reason", date(2019, 4, 1))
        ... ).to_series().to_list()
        [True, True, False, None]
    """
    loaded = _load(key)
    raw = _as_expr(code_expr)
    code = to_code(raw, key)
    if isinstance(on, datetime):
        on = on.date()
    day = pl.lit(on, dtype=pl.Date) if isinstance(on, date) else on.cast(pl.Date)
    if loaded.has_dates:
        terms = [
            (
                (code.replace_strict(lo, default=None, return_dtype=pl.Date) <= day)
                & (day <= code.replace_strict(hi, default=None, return_dtype=pl.Date))
            ).fill_null(False)
            for lo, hi in loaded.periods
        ]
        valid = pl.any_horizontal(terms)
    else:
        valid = code.is_not_null()
    return pl.when(raw.is_not_null() & day.is_not_null()).then(valid)
