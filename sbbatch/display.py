"""Tables that read well (表格展示): Chinese headers, yuan, totals, highlighted failures.

:func:`zh` renames a frame's English columns to the Chinese headers the manual uses
(a business's column headers, the queries' ``ZH_HEADERS``, and the common ones such
as 审核结果). :func:`show` renders validation failures, review results, query
results and batches as a tidy HTML table for a notebook:

- Chinese headers; code columns shown as their labels (用工形式 ``2`` → 城镇合同制职工);
- money (``*_fen`` integer fen, or Decimal) as yuan with two decimals and thousands
  separators, right-aligned, with a Σ totals row as the manual shows under 缴费工资;
- rows highlighted: 不通过 red, 提示 yellow, with the failing cell marked and its
  message as a tooltip;
- ID numbers and phones masked (``370103********5672``, ``138****5678``), also
  inside free text such as error messages, because a displayed table is read-only;
- every value escaped, so no input can inject HTML.

The renderer is sbbatch's own (no dependency). The result is a :class:`Table`, which a
notebook displays through ``_repr_html_``; ``.html`` is the markup (for an ipywidgets
``HTML``) and :meth:`Table.save` writes a standalone page.

Examples:
    >>> import polars as pl
    >>> failures = pl.DataFrame({"row": [2], "column": ["姓名"], "value": ["<b>"],
    ...     "rule": ["name_chars"], "level": ["warn"], "message": ["姓名「<b>」含有符号"]})
    >>> table = show(failures)
    >>> "&lt;b&gt;" in table.html and "<b>" not in table.html
    True
    >>> table.row_classes
    ['sb-warn']
    >>> zh(failures).columns
    ['行号', '列名', '填写内容', '规则', '级别', '错误信息']
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch import cards, photos
from sbbatch._files import atomic_path
from sbbatch._mask import mask_text
from sbbatch._money import half_up
from sbbatch.declarations import Declaration, get
from sbbatch.exceptions import UnusableInputError
from sbbatch.present import COMMON_HEADERS, Shown, describe, present
from sbbatch.queries import cards as card_queries
from sbbatch.queries import money as money_queries
from sbbatch.queries import registry as registry_queries

if TYPE_CHECKING:
    from sbbatch.batch import Batch

__all__ = [
    "COMMON_HEADERS",
    "Table",
    "mask_text",
    "money",
    "query_headers",
    "record",
    "show",
    "zh",
]

_WRAPPED = {"message", "review_opinion", "note", "messages", "address", "hukou_detail"}
_PHONE_HEADERS = ("手机", "电话")

_CSS = """<style>
.sbbatch-table{border-collapse:collapse;font-size:13px;margin:4px 0;
 font-family:"Noto Sans SC","Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif}
.sbbatch-table caption{caption-side:top;text-align:left;padding:2px 0 6px;color:#333}
.sbbatch-table th{background:#eaf1f8;border:1px solid #bfcddb;padding:4px 8px;
 text-align:center;white-space:nowrap;font-weight:600}
.sbbatch-table td{border:1px solid #d8e0e8;padding:3px 8px;vertical-align:top;white-space:nowrap}
.sbbatch-table td.sb-wrap{white-space:normal;min-width:16em}
.sbbatch-table td.sb-num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.sbbatch-table tr.sb-reject td{background:#fde2e2}
.sbbatch-table tr.sb-warn td{background:#fff5cc}
.sbbatch-table td.sb-cell-reject{color:#b00020;font-weight:600}
.sbbatch-table td.sb-cell-warn{color:#8a5a00;font-weight:600}
.sbbatch-table tr.sb-total td{font-weight:600;border-top:2px solid #7a8a9a;background:#f5f7fa}
.sbbatch-table tfoot td{border:none;color:#555;padding-top:6px}
.sbbatch-record th{text-align:right;width:9em}
</style>"""


# -- headers ------------------------------------------------------------------------------


#: The modules whose ``ZH_HEADERS`` name the columns of their frames (imported explicitly).
HEADER_MODULES = (cards, photos, card_queries, money_queries, registry_queries)


def query_headers() -> dict[str, str]:
    """Return the ``ZH_HEADERS`` of every query and money module that has one, merged.

    The modules are those of :data:`HEADER_MODULES`; a module added later is added there.
    """
    merged: dict[str, str] = {}
    for module in HEADER_MODULES:
        headers = getattr(module, "ZH_HEADERS", None)
        if isinstance(headers, Mapping):
            for key, value in headers.items():
                if isinstance(value, str):
                    merged.setdefault(str(key), value)
                elif isinstance(value, Mapping):  # one dict per query
                    merged.update({str(k): str(v) for k, v in value.items() if k not in merged})
    return merged


def _declaration(
    kind_or_headers: str | Mapping[str, str] | Declaration | None,
) -> Declaration | None:
    if isinstance(kind_or_headers, Declaration):
        return kind_or_headers
    if isinstance(kind_or_headers, str):
        return get(kind_or_headers)
    return None


def _headers(kind_or_headers: str | Mapping[str, str] | Declaration | None) -> dict[str, str]:
    # the common headers win over a query's for the names they share (review_opinion is
    # 审核意见 on a single case's page, as in the manual's 增员申报)
    merged = query_headers()
    merged.update(COMMON_HEADERS)
    declaration = _declaration(kind_or_headers)
    if declaration is not None:
        merged.update(declaration.headers)
    elif isinstance(kind_or_headers, Mapping):
        merged.update(kind_or_headers)
    return merged


def zh(
    frame: pl.DataFrame,
    kind_or_headers: str | Mapping[str, str] | Declaration | None = None,
) -> pl.DataFrame:
    """Return ``frame`` with its English columns renamed to Chinese headers.

    Args:
        frame: Any frame of sbbatch (rows, failures, results, query results).
        kind_or_headers: A business (English key or Chinese title, e.g.
            ``"enrolment"``) whose column headers to use, or an explicit mapping;
            the common headers and the queries' ``ZH_HEADERS`` apply otherwise.

    Returns:
        The same data; columns without a known header keep their name. Two columns
        that would get the same header keep their English names.

    Examples:
        >>> import polars as pl
        >>> zh(pl.DataFrame({"person_id": ["x"], "month": ["2019-04"]}), "enrolment").columns
        ['身份证号码', '增员年月']
        >>> zh(pl.DataFrame({"month": [1]}), {"month": "申报年月"}).columns
        ['申报年月']
    """
    headers = _headers(kind_or_headers)
    wanted = {name: headers.get(name, name) for name in frame.columns}
    counts: dict[str, int] = {}
    for header in wanted.values():
        counts[header] = counts.get(header, 0) + 1
    return frame.rename({k: v for k, v in wanted.items() if k != v and counts[v] == 1})


# -- values -------------------------------------------------------------------------------


def money(value: int | Decimal | float | None, *, fen: bool = True) -> str:
    """Format an amount as yuan with two decimals and thousands separators.

    Args:
        value: Integer fen (the default), or yuan as Decimal/float with ``fen=False``.
        fen: Whether ``value`` is in fen.

    Examples:
        >>> money(123456789)
        '1,234,567.89'
        >>> money(-5)
        '-0.05'
        >>> money(Decimal("5000.5"), fen=False)
        '5,000.50'
        >>> money(None)
        ''
    """
    if value is None:
        return ""
    if fen and isinstance(value, int):
        sign = "-" if value < 0 else ""
        yuan, cents = divmod(abs(value), 100)
        return f"{sign}{yuan:,}.{cents:02d}"
    amount = Decimal(str(value))
    if fen:
        amount = amount / 100
    return f"{half_up(amount, 2):,.2f}"


def _spec(
    kind_or_headers: str | Mapping[str, str] | Declaration | None,
) -> tuple[Declaration | None, dict[str, str]]:
    declaration = _declaration(kind_or_headers)
    return declaration, _headers(kind_or_headers)


def _presented(
    frame: pl.DataFrame,
    kind_or_headers: str | Mapping[str, str] | Declaration | None,
    money_columns: Sequence[str] | None,
    masking: bool,
) -> tuple[list[Shown], pl.DataFrame]:
    """Say how each column is shown, and give the frame's values as the presenter writes them."""
    declaration, headers = _spec(kind_or_headers)
    money_names = tuple(money_columns or ())
    shown = describe(frame.schema, declaration, headers=headers, money_columns=money_names)
    texts = present(
        frame,
        declaration,
        headers=headers,
        mask=masking,
        thousands=True,
        money_columns=money_names,
        rename=False,
    )
    return shown, texts


# -- highlighting ---------------------------------------------------------------------------


def _row_key(frame: pl.DataFrame) -> str | None:
    for name in ("source_row", "row_no", "row"):
        if name in frame.columns:
            return name
    return None


def _row_levels(frame: pl.DataFrame, failures: pl.DataFrame | None) -> list[str | None]:
    """Return, per row, ``reject``, ``warn`` or None."""
    levels: list[str | None] = [None] * frame.height
    if failures is not None and failures.height:
        key = _row_key(frame)
        if key is not None:
            worst = dict(
                failures.group_by("row")
                .agg((pl.col("level") == "reject").any().alias("reject"))
                .iter_rows()
            )
            for i, value in enumerate(frame[key].to_list()):
                if value in worst:
                    levels[i] = "reject" if worst[value] else "warn"
    if "level" in frame.columns:
        for i, value in enumerate(frame["level"].to_list()):
            if value in ("reject", "不通过"):
                levels[i] = "reject"
            elif value in ("warn", "提示") and levels[i] is None:
                levels[i] = "warn"
    if "review_result" in frame.columns:
        opinions = (
            frame["review_opinion"].to_list()
            if "review_opinion" in frame.columns
            else [None] * frame.height
        )
        for i, (result, opinion) in enumerate(
            zip(frame["review_result"].to_list(), opinions, strict=True)
        ):
            if result in ("2", "不通过"):
                levels[i] = "reject"
            elif (
                result in ("1", "审核成功") and opinion and "提示" in opinion and levels[i] is None
            ):
                levels[i] = "warn"
    return levels


def _cell_messages(
    frame: pl.DataFrame, failures: pl.DataFrame | None, headers: Mapping[str, str]
) -> dict[tuple[int, str], tuple[str, str]]:
    """Return (row index, column name) → (level, messages) for the failing cells."""
    if failures is None or failures.height == 0:
        return {}
    key = _row_key(frame)
    if key is None:
        return {}
    by_header = {header: name for name, header in headers.items() if name in frame.columns}
    position = {value: i for i, value in enumerate(frame[key].to_list())}
    found: dict[tuple[int, str], tuple[str, str]] = {}
    for failure in failures.iter_rows(named=True):
        index = position.get(failure["row"])
        name = by_header.get(failure["column"])
        if index is None or name is None:
            continue
        level, text = found.get((index, name), ("warn", ""))
        level = "reject" if "reject" in (level, failure["level"]) else "warn"
        text = f"{text}；{failure['message']}" if text else str(failure["message"])
        found[(index, name)] = (level, text)
    return found


# -- rendering -------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Table:
    """A rendered table: its HTML, and what the tests look at.

    Attributes:
        html: The markup (with its scoped ``<style>``), every value escaped.
        headers: The header texts, in order.
        row_classes: The highlight class of each body row (``sb-reject``,
            ``sb-warn`` or empty), without the totals row.
        totals: The totals row's texts by header, when there is one.
    """

    html: str
    headers: list[str]
    row_classes: list[str]
    totals: dict[str, str] | None = None

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"Table（{len(self.row_classes)} 行：{'、'.join(self.headers)}）"

    def save(self, path: str | Path) -> Path:
        """Write the table as a standalone UTF-8 HTML page; return the path."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        page = f'<!doctype html>\n<html lang="zh-CN"><meta charset="utf-8">\n<body>{self.html}</body></html>\n'
        with atomic_path(target) as part:
            part.write_text(page, encoding="utf-8")
        return target

    def __str__(self) -> str:
        return self.html


def _escape(value: str) -> str:
    return html.escape(value, quote=True)


def show(
    data: pl.DataFrame | Batch,
    kind_or_headers: str | Mapping[str, str] | Declaration | None = None,
    *,
    failures: pl.DataFrame | None = None,
    money_columns: Sequence[str] | None = None,
    totals: bool | Sequence[str] | None = None,
    mask: bool = True,
    caption: str | None = None,
    max_rows: int = 500,
) -> Table:
    """Render a frame (or a checked batch) as an HTML table that reads well.

    Args:
        data: Failures, review results, query results, declared rows — or a
            :class:`~sbbatch.batch.Batch`, shown as its rows with their failures.
        kind_or_headers: The business whose headers and code labels to use, or a
            header mapping (see :func:`zh`).
        failures: A failures frame (``row, column, level, message``) whose rows are
            highlighted in ``data`` (matched on ``source_row``, ``row_no`` or ``row``).
        money_columns: Columns to show as yuan besides ``*_fen`` and Decimal ones.
        totals: Add a Σ row summing the money columns (``True``), the named
            columns, or neither (``False``); by default when there are money columns
            and more than one row.
        mask: Mask ID numbers and phones (the default for anything displayed).
        caption: A line above the table.
        max_rows: Rows shown at most (the footer says how many there are).

    Returns:
        The :class:`Table`; a notebook displays it.

    Examples:
        >>> import polars as pl
        >>> rows = pl.DataFrame({"person_id": ["370103198310135672", "370103198310135672"],
        ...                      "wage_fen": [500000, 1234567]})
        >>> table = show(rows, "wage_base")
        >>> table.headers, table.totals
        (['社会保障号码', '缴费工资'], {'社会保障号码': 'Σ', '缴费工资': '17,345.67'})
        >>> "370103********5672" in table.html and "198310" not in table.html
        True
    """
    if not isinstance(data, pl.DataFrame):
        batch = data
        if kind_or_headers is None:
            kind_or_headers = batch.declaration
        failures = batch.failures if failures is None else failures
        caption = caption or batch.summary_zh()
        data = batch.rows
    frame = data
    shown = frame.head(max_rows)
    columns, texts = _presented(shown, kind_or_headers, money_columns, mask)
    headers = [c.header for c in columns]
    header_of = {c.field: c.header for c in columns}
    levels = _row_levels(shown, failures)
    cells = _cell_messages(shown, failures, header_of)

    parts = [_CSS, '<table class="sbbatch-table">']
    if caption:
        parts.append(f"<caption>{_escape(mask_text(caption) if mask else caption)}</caption>")
    parts.append("<thead><tr>")
    parts += [f"<th>{_escape(c.header)}</th>" for c in columns]
    parts.append("</tr></thead><tbody>")
    row_classes: list[str] = []
    for index, row in enumerate(texts.iter_rows()):
        css = f"sb-{levels[index]}" if levels[index] else ""
        row_classes.append(css)
        parts.append(f'<tr class="{css}">' if css else "<tr>")
        for column, value in zip(columns, row, strict=True):
            classes = ["sb-num"] if column.numeric else []
            if column.field in _WRAPPED:
                classes.append("sb-wrap")
            title = ""
            if (index, column.field) in cells:
                level, message = cells[(index, column.field)]
                classes.append(f"sb-cell-{level}")
                title = f' title="{_escape(mask_text(message) if mask else message)}"'
            attr = f' class="{" ".join(classes)}"' if classes else ""
            parts.append(f"<td{attr}{title}>{_escape(value)}</td>")
        parts.append("</tr>")
    totals_row: dict[str, str] | None = None
    money_names = [c.field for c in columns if c.how == "money"]
    if totals is None:
        totals = bool(money_names) and frame.height > 1
    if totals:
        wanted = money_names if totals is True else list(totals)
        sums = frame.select(pl.col(name).sum() for name in wanted)
        _, summed = _presented(sums, kind_or_headers, money_columns, mask)
        totals_row = {}
        for position, column in enumerate(columns):
            if column.field in wanted:
                text = summed[column.field][0]
            else:
                text = "Σ" if position == 0 else ""
            totals_row[column.header] = text
        parts.append('<tr class="sb-total" title="合计">')
        numeric_cell = '<td class="sb-num">'
        parts += [
            f"{numeric_cell if c.numeric else '<td>'}{_escape(totals_row[c.header])}</td>"
            for c in columns
        ]
        parts.append("</tr>")
    parts.append("</tbody>")
    footer = f"共 {frame.height:,} 行"
    if frame.height > max_rows:
        footer = f"显示前 {max_rows:,} 行，共 {frame.height:,} 行"
    parts.append(f'<tfoot><tr><td colspan="{max(len(columns), 1)}">{footer}</td></tr></tfoot>')
    parts.append("</table>")
    return Table("".join(parts), headers, row_classes, totals_row)


def record(
    data: pl.DataFrame | Mapping[str, Any],
    kind_or_headers: str | Mapping[str, str] | Declaration | None = None,
    *,
    mask: bool = True,
    columns: int = 3,
    caption: str | None = None,
    skip_empty: bool = True,
) -> Table:
    """Render one row as a label/value grid, like the manual's 查看审批结果 panel.

    Args:
        data: A one-row frame (the first row is used) or a mapping of fields.
        kind_or_headers: As in :func:`show`.
        mask: Mask ID numbers and phones.
        columns: Label/value pairs per line.
        caption: A heading above the grid.
        skip_empty: Leave out empty fields (审核结果 and 审核意见 are always shown).

    Examples:
        >>> t = record({"person_id": "370103198310135672", "review_result": "1"}, "enrolment")
        >>> "审核成功" in t.html and "370103********5672" in t.html
        True
    """
    frame = (
        data if isinstance(data, pl.DataFrame) else pl.DataFrame({k: [v] for k, v in data.items()})
    )
    if frame.height == 0:
        msg = "没有可显示的记录。"
        raise UnusableInputError(msg)
    specs, texts = _presented(frame.head(1), kind_or_headers, None, mask)
    row = texts.row(0)
    always = ("review_result", "review_opinion")
    pairs = [
        (c.header, value)
        for c, value in zip(specs, row, strict=True)
        if not skip_empty or c.field in always or value != ""
    ]
    level = _row_levels(frame.head(1), None)[0]
    css = f"sb-{level}" if level else ""
    parts = [_CSS, '<table class="sbbatch-table sbbatch-record">']
    if caption:
        parts.append(f"<caption>{_escape(caption)}</caption>")
    parts.append("<tbody>")
    for start in range(0, len(pairs), columns):
        first = start == 0 and css
        parts.append(f'<tr class="{css}">' if first else "<tr>")
        for header, text in pairs[start : start + columns]:
            parts.append(f"<th>{_escape(header)}</th><td>{_escape(text)}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return Table("".join(parts), [h for h, _ in pairs], [css])
