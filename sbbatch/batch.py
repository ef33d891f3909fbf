"""Checking a batch file (报盘) against its business: normalise, type and validate.

:func:`check` reads a file (or takes a frame), finds the business from the headers
when it is not given, maps the headers to the business's columns, turns every cell's
text into its typed value and runs every rule of the business in one pass. The result
is a :class:`Batch`: the typed rows with their spreadsheet row numbers, and one
failures frame (row, column, value, rule, level, message) holding every problem of
every row. A row with a ``reject`` failure is rejected; warnings (提示) keep it.
Validation is what the file says on its own; the agency's review against its
records comes later (:mod:`sbbatch.review`).
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from sbbatch import _batch_cells as cells
from sbbatch import _batch_rows as row_checks
from sbbatch import _progress
from sbbatch._clock import system_now
from sbbatch._money import yuan_expr
from sbbatch._rules import join_messages
from sbbatch.declarations import Column, Declaration, get, registry
from sbbatch.exceptions import UnusableInputError
from sbbatch.io.read import RawTable, read_table
from sbbatch.spec import FAILURE_SCHEMA, LEVEL_LABELS, match_headers

__all__ = [
    "FAILURE_SCHEMA",
    "Batch",
    "as_frame",
    "check",
    "check_frame",
    "detect_kind",
    "match_headers",
]

#: How many failures :meth:`Batch._repr_html_` shows.
_HTML_FAILURES = 10


@dataclass(frozen=True)
class Batch:
    """A checked batch: typed rows, every failure, and the file it came from.

    Attributes:
        declaration: The business.
        rows: One row per data row read: ``source_row`` (the spreadsheet's row
            number) and the business's English fields, typed; derived fields
            (性别, 出生日期, 户口所在地 from the ID) filled in.
        failures: Every problem: row, column (Chinese header), value as entered,
            rule, level (reject/warn), Chinese message.
        raw: The table as read, when the batch came from a file.
        source: The file's path, when there was one.
    """

    declaration: Declaration
    rows: pl.DataFrame
    failures: pl.DataFrame
    raw: RawTable | None = None
    source: str | None = None

    @property
    def kind(self) -> str:
        """The business's English key."""
        return self.declaration.kind

    @property
    def rows_read(self) -> int:
        """How many data rows were read."""
        return self.rows.height

    @property
    def rejected_rows(self) -> pl.Series:
        """The spreadsheet row numbers of the rejected rows."""
        return self.failures.filter(pl.col("level") == "reject")["row"].unique().sort()

    @property
    def accepted(self) -> pl.DataFrame:
        """The rows with no ``reject`` failure."""
        return self.rows.filter(~pl.col("source_row").is_in(self.rejected_rows.implode()))

    @property
    def rejected(self) -> pl.DataFrame:
        """The rows with at least one ``reject`` failure."""
        return self.rows.filter(pl.col("source_row").is_in(self.rejected_rows.implode()))

    @property
    def warnings(self) -> int:
        """How many 提示 (warnings) were given."""
        return self.failures.filter(pl.col("level") == "warn").height

    def messages_by_row(self) -> pl.DataFrame:
        """Return one row per spreadsheet row with failures: ``row`` and ``错误信息`` joined."""
        return (
            self.failures.sort("row", maintain_order=True)
            .group_by("row", maintain_order=True)
            .agg(join_messages(pl.col("message")).alias("错误信息"))
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the check result as the JSON shape of ``sbbatch check --format json``."""
        return {
            "kind": self.kind,
            "rows": self.rows_read,
            "accepted": self.accepted.height,
            "rejected": self.rejected.height,
            "warnings": self.warnings,
            "failures": self.failures.to_dicts(),
        }

    def to_json(self) -> str:
        """Return :meth:`to_dict` as JSON text (Chinese kept readable)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def summary_zh(self) -> str:
        """Return a one-line Chinese summary of the check."""
        return (
            f"{self.declaration.title}：读取 {self.rows_read} 行，通过 {self.accepted.height} 行，"
            f"不通过 {self.rejected.height} 行，提示 {self.warnings} 条。"
        )

    def __repr__(self) -> str:
        return f"Batch({self.summary_zh()})"

    def _repr_html_(self) -> str:
        """A notebook's view: the business, the counts and the first failures, IDs masked."""
        from sbbatch._mask import mask_failures

        id_headers = [c.header for c in self.declaration.columns if c.type == "id"]
        phone_headers = [c.header for c in self.declaration.columns if c.type == "phone"]
        shown = mask_failures(self.failures.head(_HTML_FAILURES), id_headers, phone_headers)
        esc = html.escape
        counts = (
            f"读取 {self.rows_read} 行，通过 {self.accepted.height} 行，"
            f"不通过 {self.rejected.height} 行，提示 {self.warnings} 条"
        )
        parts = [
            f"<div><strong>{esc(self.declaration.title)}</strong>"
            f"（{esc(self.kind)}）：{esc(counts)}。</div>"
        ]
        if shown.height:
            body = "".join(
                "<tr>"
                + "".join(
                    f"<td>{esc(str(v) if v is not None else '')}</td>"
                    for v in (
                        row["row"],
                        row["column"],
                        row["value"],
                        level_label(row["level"]),
                        row["message"],
                    )
                )
                + "</tr>"
                for row in shown.iter_rows(named=True)
            )
            parts.append(
                "<table><thead><tr><th>行号</th><th>列</th><th>填写的值</th><th>级别</th>"
                f"<th>问题</th></tr></thead><tbody>{body}</tbody></table>"
            )
            if self.failures.height > shown.height:
                more = self.failures.height - shown.height
                parts.append(f"<div>……另有 {more} 条问题，完整清单见 batch.failures。</div>")
        return "".join(parts)


# -- headers ------------------------------------------------------------------------------


def _header_names(column: Column) -> list[str]:
    return [column.header, *column.synonyms]


def known_headers(declarations: Iterable[Declaration] | None = None) -> set[str]:
    """Return every header (and synonym) any business accepts."""
    found: set[str] = set()
    for declaration in declarations or registry().values():
        for column in declaration.columns:
            found.update(_header_names(column))
    return found


def detect_kind(headers: Iterable[str]) -> Declaration:
    """Return the business whose required columns the headers name best.

    Raises:
        UnusableInputError: When no business has all its required columns.
    """
    headers = list(headers)
    best: tuple[float, Declaration] | None = None
    for declaration in registry().values():
        if not declaration.detectable:
            continue
        fields = set(match_headers(headers, declaration).values())
        required = {column.field for column in declaration.required}
        if not required <= fields:
            continue
        score = len(fields) / len(declaration.columns) + len(required)
        if best is None or score > best[0]:
            best = (score, declaration)
    if best is None:
        titles = "、".join(f"{d.kind}（{d.title}）" for d in registry().values())
        msg = f"无法从表头识别业务类型。提示：请用 --kind 指定，可选 {titles}。"
        raise UnusableInputError(msg)
    return best[1]


# -- frame-like input --------------------------------------------------------------------

#: What :func:`check` and :func:`sbbatch.review.declare` take as rows.
FrameLike = Any


def as_frame(rows: object) -> pl.DataFrame:
    """Return rows given in any common tabular shape as a polars frame.

    Accepted: a polars ``DataFrame`` or ``LazyFrame``, a pandas ``DataFrame``, a pyarrow
    ``Table`` or ``RecordBatch``, a dict of lists (columns) and a list of dicts (rows).

    Examples:
        >>> as_frame({"姓名": ["张三", "李四"]}).height
        2
        >>> as_frame([{"姓名": "张三", "缴费工资": "5000"}]).columns
        ['姓名', '缴费工资']
        >>> as_frame(42)
        Traceback (most recent call last):
        sbbatch.exceptions.UnusableInputError: 无法把 int 当作报盘的行。提示：请给文件路径，或 polars/pandas 表格、pyarrow Table、列的字典（{"姓名": [...]}）、行的列表（[{"姓名": ...}]）。
    """
    if isinstance(rows, pl.DataFrame):
        return rows
    if isinstance(rows, pl.LazyFrame):
        return rows.collect()
    module = type(rows).__module__.split(".")[0]
    try:
        if module == "pandas" and type(rows).__name__ == "DataFrame":
            return pl.from_pandas(rows)
        if module == "pyarrow" and type(rows).__name__ in ("Table", "RecordBatch"):
            frame = pl.from_arrow(rows)
            assert isinstance(frame, pl.DataFrame)
            return frame
        if isinstance(rows, dict) and all(
            isinstance(v, (list, tuple, pl.Series)) for v in rows.values()
        ):
            return pl.DataFrame({str(k): list(v) for k, v in rows.items()}, strict=False)
        if isinstance(rows, (list, tuple)) and all(isinstance(r, dict) for r in rows):
            return pl.from_dicts(list(rows), infer_schema_length=None, strict=False)
    except (pl.exceptions.PolarsError, TypeError, ValueError) as error:
        msg = f"无法把这些行读成表格：{error}。提示：每一列的值应是同一类型（文本或数字）。"
        raise UnusableInputError(msg) from None
    msg = (
        f"无法把 {type(rows).__name__} 当作报盘的行。提示：请给文件路径，或 polars/pandas 表格、"
        'pyarrow Table、列的字典（{"姓名": [...]}）、行的列表（[{"姓名": ...}]）。'
    )
    raise UnusableInputError(msg)


# -- checking -----------------------------------------------------------------------------


@_progress.task("正在检查报盘")
def check(
    source: str | Path | RawTable | FrameLike,
    kind: str | Declaration | None = None,
    *,
    today: dt.date | None = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
) -> Batch:
    """Read and validate a batch file (or a frame) of a business.

    Args:
        source: A file path (xlsx, xls, csv, parquet), a :class:`RawTable`, or
            rows whose columns are English fields or Chinese headers: a polars frame
            (eager or lazy), a pandas frame, a pyarrow table, a dict of lists or a
            list of dicts (see :func:`as_frame`).
        kind: The business (English key or Chinese title, or a :class:`Declaration`
            such as the file kinds of :mod:`sbbatch.unit_files`); found from the
            headers when omitted.
        today: The agency's date, for checks such as "birth date not in the
            future"; the system date when omitted.
        sheet: The sheet to read (name or 0-based index); the first by default.
        encoding: A csv file's encoding; detected when omitted.

    Returns:
        The :class:`Batch`; ``accepted`` + ``rejected`` always equal the rows read.
    """
    if not isinstance(source, (str, Path, RawTable)):
        return check_frame(as_frame(source), kind, today=today)
    declaration = _declaration(kind)
    if isinstance(source, RawTable):
        raw = source
    else:
        candidates = [declaration] if declaration else list(registry().values())
        id_headers = {
            h for d in candidates for c in d.columns if c.type == "id" for h in _header_names(c)
        }
        raw = read_table(
            source,
            known_headers=known_headers(candidates),
            sheet=sheet,
            encoding=encoding,
            id_headers=id_headers,
        )
    if declaration is None:
        declaration = detect_kind([c for c in raw.frame.columns if c != "_row"])
    try:
        batch = _check_raw(raw, declaration, today or system_now().date())
    except UnusableInputError as error:
        if isinstance(source, RawTable):
            raise
        msg = f"「{Path(source).name}」：{error.text}"
        raise UnusableInputError(msg) from None
    return Batch(
        declaration,
        batch[0],
        batch[1],
        raw=raw,
        source=None if isinstance(source, RawTable) else str(source),
    )


def _declaration(kind: str | Declaration | None) -> Declaration | None:
    """The business named by ``kind`` (a Declaration is taken as it is)."""
    if isinstance(kind, Declaration):
        return kind
    return get(kind) if kind else None


def check_frame(
    frame: FrameLike, kind: str | Declaration | None = None, *, today: dt.date | None = None
) -> Batch:
    """Validate rows given as a frame (a single case is a frame of one row).

    Columns may be the English fields or the Chinese headers; every value is taken
    as its text, except that a money field given by its English name with an integer
    dtype (``wage_fen``) holds fen, as everywhere in the API, while a Chinese header
    (缴费工资) holds yuan, as in a file. Rows are numbered from 1 unless a
    ``source_row`` column is given.

    Examples:
        >>> import polars as pl
        >>> batch = check_frame(
        ...     pl.DataFrame({"person_id": ["370102199001011231"], "wage_fen": [500050]}),
        ...     "wage_base",
        ...     today=dt.date(2026, 11, 26),
        ... )
        >>> batch.rows["wage_fen"].to_list()
        [500050]
    """
    frame = as_frame(frame)
    declaration = _declaration(kind)
    if declaration is None:
        declaration = detect_kind(frame.columns)
    header_of = declaration.headers
    money_in_fen = [
        c.field
        for c in declaration.columns
        if c.type == "money" and c.field in frame.columns and frame.schema[c.field].is_integer()
    ]
    frame = frame.with_columns(yuan_expr(pl.col(name)).alias(name) for name in money_in_fen)
    renamed = frame.rename({c: header_of[c] for c in frame.columns if c in header_of})
    row_numbers = (
        renamed["source_row"].cast(pl.Int64)
        if "source_row" in renamed.columns
        else pl.int_range(1, renamed.height + 1, eager=True, dtype=pl.Int64)
    )
    texts = renamed.drop("source_row", strict=False).select(
        [pl.col(c).cast(pl.String).alias(c) for c in renamed.columns if c != "source_row"]
    )
    texts = texts.with_columns(row_numbers.alias("_row"))
    headers = [c for c in texts.columns if c != "_row"]
    raw = RawTable(
        frame=texts,
        headers=headers,
        header_row=0,
        sheet=None,
        format="frame",
        encoding=None,
        rows_read=texts.height,
        blank_rows=0,
        non_text_cells=pl.DataFrame(
            schema={
                "_row": pl.Int64,
                "header": pl.String,
                "value": pl.String,
                "cell_type": pl.String,
            }
        ),
    )
    rows, failures = _check_raw(raw, declaration, today or system_now().date())
    return Batch(declaration, rows, failures, raw=raw, source=None)


def _check_raw(
    raw: RawTable, declaration: Declaration, today: dt.date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    mapping = match_headers([c for c in raw.frame.columns if c != "_row"], declaration)
    present = set(mapping.values())
    missing = [c.header for c in declaration.required if c.field not in present]
    if missing:
        msg = (
            f"文件缺少{declaration.title}的必填列：{'、'.join(missing)}。"
            f"提示：请使用 sbbatch template {declaration.kind} 生成的报盘模板。"
        )
        raise UnusableInputError(msg)
    header_of = {field: header for header, field in mapping.items()}
    text = raw.frame.select(
        pl.col("_row").cast(pl.Int64),
        *[
            (pl.col(header_of[c.field]) if c.field in header_of else pl.lit(None, pl.String)).alias(
                c.field
            )
            for c in declaration.columns
        ],
    )
    typed, failures = cells.type_columns(text, declaration, today)
    failures.extend(row_checks.numeric_id_failures(raw, declaration, header_of))
    failures.append(row_checks.formula_failures(raw, declaration, header_of))
    failures.append(row_checks.hidden_row_failures(raw))
    typed = cells.with_id_facts(typed)
    failures.append(row_checks.duplicates(typed, declaration))
    typed = cells.derive_from_id(typed, declaration)
    failures.append(row_checks.rule_failures(typed, text, declaration))
    failures.append(row_checks.required_failures(typed, declaration))
    all_failures = row_checks.tidy_failures(
        pl.concat([cells.as_failures(f) for f in failures], how="vertical"), raw
    )
    rows = typed.select(pl.col("_row").alias("source_row"), *[c.field for c in declaration.columns])
    return rows, all_failures


def level_label(level: str) -> str:
    """Return 不通过 or 提示 for a failure level."""
    return LEVEL_LABELS.get(level, level)
