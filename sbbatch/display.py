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

import datetime as dt
import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch import cards, codes, ids, photos
from sbbatch.declarations import Declaration, get
from sbbatch.exceptions import UnusableInputError
from sbbatch.queries import cards as card_queries
from sbbatch.queries import money as money_queries
from sbbatch.queries import registry as registry_queries
from sbbatch.spec import LEVEL_LABELS
from sbbatch.store.workflow import STATUS_LABELS, kinds

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

#: Chinese headers of the columns every part of sbbatch shares (failures, results …).
COMMON_HEADERS: dict[str, str] = {
    "row": "行号",
    "source_row": "行号",
    "row_no": "No.",
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

#: Values shown as a business name, a state, a level or a 审核结果 label.
_VALUE_LABELS: dict[str, Callable[[], dict[str, str]]] = {
    "level": lambda: dict(LEVEL_LABELS),
    "status": lambda: dict(STATUS_LABELS),
    "kind": lambda: {key: row["title"] for key, row in kinds().items()},
    "review_result": lambda: {"1": "审核成功", "2": "不通过"},
}

_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_OLD_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{5})(\d{4})(?![0-9A-Za-z])")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_ID_HEADERS = ("身份证", "社会保障号码", "证件号码")
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


def mask_text(text: str) -> str:
    """Return ``text`` with every ID number and mobile number in it masked.

    Examples:
        >>> mask_text("身份证号码「370103198310135672」重复，电话13812345678")
        '身份证号码「370103********5672」重复，电话138****5678'
    """
    text = _ID_IN_TEXT.sub(lambda m: ids.mask(m.group(0)), text)
    text = _OLD_ID_IN_TEXT.sub(lambda m: ids.mask(m.group(0)), text)
    return _PHONE_IN_TEXT.sub(lambda m: ids.mask_phone(m.group(0)), text)


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
    return f"{amount.quantize(Decimal('0.01'), rounding='ROUND_HALF_UP'):,.2f}"


@dataclass(frozen=True)
class _Column:
    name: str
    header: str
    format: Callable[[Any], str]
    numeric: bool = False
    money: bool = False


def _code_labels(key: str) -> dict[str, str]:
    frame = codes.table(key)
    labels = dict(zip(frame["code"].to_list(), frame["label"].to_list(), strict=True))
    if "key" in frame.columns:  # 险种 are also named by English key in code
        labels.update(
            {
                k: v
                for k, v in zip(frame["key"].to_list(), frame["label"].to_list(), strict=True)
                if k
            }
        )
    return labels


def _labeller(labels: dict[str, str], then: Callable[[Any], str]) -> Callable[[Any], str]:
    def format_value(value: Any) -> str:
        if value is None:
            return ""
        return labels.get(str(value), then(value))

    return format_value


def _plain(masking: bool) -> Callable[[Any], str]:
    def format_value(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, int):
            return f"{value:,}" if abs(value) >= 10_000 else str(value)
        text = str(value)
        return mask_text(text) if masking else text

    return format_value


def _money_format(fen: bool) -> Callable[[Any], str]:
    def format_value(value: Any) -> str:
        return money(value, fen=fen)

    return format_value


def _columns(
    frame: pl.DataFrame,
    kind_or_headers: str | Mapping[str, str] | Declaration | None,
    money_columns: Sequence[str] | None,
    masking: bool,
) -> list[_Column]:
    declaration = _declaration(kind_or_headers)
    spec = {c.field: c for c in declaration.columns} if declaration else {}
    headers = _headers(kind_or_headers)
    table_keys = set(codes.keys())
    plain = _plain(masking)
    out: list[_Column] = []
    for name, dtype in frame.schema.items():
        header = headers.get(name, name)
        column = spec.get(name)
        kind = column.type if column else None
        is_money = (
            (money_columns is not None and name in money_columns)
            or kind == "money"
            or (name.endswith("_fen") and dtype.is_integer())
            or isinstance(dtype, pl.Decimal)
        )
        fmt: Callable[[Any], str]
        if is_money:
            out.append(
                _Column(
                    name,
                    header,
                    _money_format(dtype.is_integer() or name.endswith("_fen")),
                    numeric=True,
                    money=True,
                )
            )
            continue
        is_id = kind == "id" or name == "person_id" or any(h in header for h in _ID_HEADERS)
        is_phone = kind == "phone" or name == "phone" or any(h in header for h in _PHONE_HEADERS)
        if masking and is_id and dtype == pl.String:
            fmt = lambda v: "" if v is None else ids.mask(str(v))  # noqa: E731
        elif masking and is_phone and dtype == pl.String:
            fmt = lambda v: "" if v is None else ids.mask_phone(str(v))  # noqa: E731
        elif dtype == pl.Date and (kind == "month" or name == "month" or name.endswith("_month")):
            fmt = lambda v: "" if v is None else v.strftime("%Y-%m")  # noqa: E731
        elif column is not None and column.code_table:
            fmt = _labeller(_code_labels(column.code_table), plain)
        elif kind == "gender" or name == "gender":
            fmt = _labeller(_code_labels("gender"), plain)
        elif name in _VALUE_LABELS:
            fmt = _labeller(_VALUE_LABELS[name](), plain)
        elif name in table_keys and dtype == pl.String:
            fmt = _labeller(_code_labels(name), plain)
        else:
            fmt = plain
        numeric = dtype.is_numeric() and name not in ("row", "source_row", "row_no")
        out.append(_Column(name, header, fmt, numeric=numeric))
    return out


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
        target.write_text(page, encoding="utf-8")
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
    columns = _columns(frame, kind_or_headers, money_columns, mask)
    headers = [c.header for c in columns]
    header_of = {c.name: c.header for c in columns}
    shown = frame.head(max_rows)
    levels = _row_levels(shown, failures)
    cells = _cell_messages(shown, failures, header_of)

    parts = [_CSS, '<table class="sbbatch-table">']
    if caption:
        parts.append(f"<caption>{_escape(mask_text(caption) if mask else caption)}</caption>")
    parts.append("<thead><tr>")
    parts += [f"<th>{_escape(c.header)}</th>" for c in columns]
    parts.append("</tr></thead><tbody>")
    row_classes: list[str] = []
    for index, row in enumerate(shown.iter_rows()):
        css = f"sb-{levels[index]}" if levels[index] else ""
        row_classes.append(css)
        parts.append(f'<tr class="{css}">' if css else "<tr>")
        for column, value in zip(columns, row, strict=True):
            classes = ["sb-num"] if column.numeric else []
            if column.name in _WRAPPED:
                classes.append("sb-wrap")
            title = ""
            if (index, column.name) in cells:
                level, message = cells[(index, column.name)]
                classes.append(f"sb-cell-{level}")
                title = f' title="{_escape(mask_text(message) if mask else message)}"'
            attr = f' class="{" ".join(classes)}"' if classes else ""
            parts.append(f"<td{attr}{title}>{_escape(column.format(value))}</td>")
        parts.append("</tr>")
    totals_row: dict[str, str] | None = None
    money_names = [c.name for c in columns if c.money]
    if totals is None:
        totals = bool(money_names) and frame.height > 1
    if totals:
        wanted = money_names if totals is True else list(totals)
        totals_row = {}
        for position, column in enumerate(columns):
            if column.name in wanted:
                total = frame[column.name].sum()
                text = column.format(total)
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
    specs = _columns(frame, kind_or_headers, None, mask)
    row = frame.row(0)
    always = ("review_result", "review_opinion")
    pairs = [
        (c.header, c.format(value))
        for c, value in zip(specs, row, strict=True)
        if not skip_empty or c.name in always or c.format(value) != ""
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
