"""Converting batch files between xlsx, xls, csv and parquet (格式转换), with column mappings.

:func:`convert` reads any table sbbatch reads (xlsx, legacy xls, csv in UTF-8 or
GB18030, parquet) as text and writes xlsx, csv or parquet. Conversion never changes a
value silently: every cell is carried as the text that was read, so ID numbers,
leading zeros (``0012345``) and long digit strings survive xlsx → csv → xlsx exactly.
What does change is said in the :class:`ConvertResult`: columns renamed, dropped or
missing, values recoded, defaults filled, and remarks such as cells the source stored
as numbers.

With ``kind`` the output takes the layout of that business's template (its headers in
the manual's order; an xlsx output is the full 报盘模板 with drop-downs and 填写说明).
A mapping file turns an HR export into a batch file::

    columns:            # 原列名: 新列名
      证件号: 身份证号码
      Sex: 性别
    values:             # 列名: {原值: 新值}, after renaming
      性别: {M: 男, F: 女}
      用工形式: {合同工: 城镇合同制职工}
    defaults:           # 列名: 值, for empty cells (the column is added when missing)
      增加原因: 在职人员新参保

YAML reads ``01``, ``yes`` or ``1.50`` as numbers or true/false, which would lose the
text; such entries are refused with a hint to quote them (``'01': 汉族``).
"""

from __future__ import annotations

import codecs
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from sbbatch._files import atomic_path
from sbbatch.declarations import Declaration, get, registry
from sbbatch.exceptions import UnusableInputError
from sbbatch.io.mapping import ColumnMapping, _mapping_error, load_mapping
from sbbatch.io.read import ROW_COLUMN, RawTable, read_table
from sbbatch.io.xls import write_text_sheet
from sbbatch.io.xlsx import write_frame, write_template_text
from sbbatch.spec import header_key, match_headers

__all__ = ["ColumnMapping", "ConvertResult", "convert", "load_mapping", "map_raw"]

_WRITABLE = {".xlsx": "xlsx", ".xls": "xls", ".csv": "csv", ".parquet": "parquet"}
_FORMULA_START = r"^[=+\-@]"


@dataclass(frozen=True)
class ConvertResult:
    """What a conversion wrote, and every change it made.

    Attributes:
        source: The file read.
        target: The file written.
        kind: The business whose template layout was used, or None.
        rows_written: Data rows written (the header not counted).
        columns: The output headers, in order.
        columns_mapped: Source header → output header, where they differ (renamed by
            the mapping, or matched to the template through a synonym).
        columns_dropped: Source headers not written (unknown to the template).
        columns_missing: Template headers the source did not have (written empty).
        values_recoded: Output header → number of cells changed by ``values``.
        defaults_filled: Output header → number of empty cells given the default.
        notes: Remarks in Chinese (cells stored as numbers, formula-like values,
            mapping entries that matched nothing, blank rows skipped).
    """

    source: Path
    target: Path
    kind: str | None
    rows_written: int
    columns: tuple[str, ...]
    columns_mapped: dict[str, str]
    columns_dropped: tuple[str, ...]
    columns_missing: tuple[str, ...]
    values_recoded: dict[str, int]
    defaults_filled: dict[str, int]
    notes: tuple[str, ...] = ()

    def summary_zh(self) -> str:
        """Return the result as Chinese lines, for the CLI and notebooks."""
        lines = [f"已写出 {self.target}：{self.rows_written} 行，{len(self.columns)} 列。"]
        if self.columns_mapped:
            pairs = "、".join(f"{a}→{b}" for a, b in self.columns_mapped.items())
            lines.append(f"列名对应：{pairs}。")
        if self.columns_dropped:
            lines.append(f"未写出的列（模板中没有）：{'、'.join(self.columns_dropped)}。")
        if self.columns_missing:
            lines.append(f"源文件缺少、已留空的列：{'、'.join(self.columns_missing)}。")
        if self.values_recoded:
            counts = "、".join(f"{k} {n} 个" for k, n in self.values_recoded.items())
            lines.append(f"按映射改写的值：{counts}。")
        if self.defaults_filled:
            counts = "、".join(f"{k} {n} 个" for k, n in self.defaults_filled.items())
            lines.append(f"填入默认值的空单元格：{counts}。")
        lines.extend(self.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary_zh()


# --------------------------------------------------------------------------- convert


def _output_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in _WRITABLE:
        msg = (
            f"不支持写出「{path.suffix or path.name}」格式。"
            "提示：可写出 .xlsx、.xls、.csv 或 .parquet。"
        )
        raise UnusableInputError(msg)
    return _WRITABLE[suffix]


def _csv_encoding(encoding: str | None) -> str:
    """The codec for csv output: UTF-8 with BOM unless told otherwise."""
    if encoding is None:
        return "utf-8-sig"
    try:
        return codecs.lookup(encoding).name
    except LookupError as error:
        msg = f"不认识的编码「{encoding}」。提示：常用的是 utf-8（默认，带 BOM）或 gb18030。"
        raise UnusableInputError(msg) from error


def _match_template(headers: list[str], declaration: Declaration) -> dict[str, str]:
    """Map source headers to the template's headers: its own header first, then synonyms."""

    header_of = declaration.headers
    return {
        header: header_of[field] for header, field in match_headers(headers, declaration).items()
    }


def _template_header(name: str, declaration: Declaration, mapping_name: str, where: str) -> str:
    """The template header a mapping entry names (its header or a synonym)."""
    key = header_key(name)
    for column in declaration.columns:
        if key in {header_key(h) for h in (column.header, *column.synonyms)}:
            return column.header
    headers = "、".join(column.header for column in declaration.columns)
    raise _mapping_error(
        mapping_name,
        f"{where} 的「{name}」不是{declaration.title}模板中的列",
        f"可用的列有 {headers}。",
    )


def _id_headers(declarations: list[Declaration], mapping: ColumnMapping) -> set[str]:
    headers = {
        name
        for declaration in declarations
        for column in declaration.columns
        if column.type == "id"
        for name in (column.header, *column.synonyms)
    }
    keys = {header_key(h) for h in headers}
    headers.update(s for s, t in mapping.columns.items() if header_key(t) in keys)
    return headers


def _find(columns: list[str], name: str) -> str | None:
    """The column among ``columns`` whose header compares equal to ``name``."""
    if name in columns:
        return name
    key = header_key(name)
    return next((c for c in columns if header_key(c) == key), None)


def convert(
    src: str | Path,
    dst: str | Path,
    *,
    kind: str | None = None,
    mapping: str | Path | Mapping[str, Any] | None = None,
    encoding: str | None = None,
    src_encoding: str | None = None,
    sheet: str | int | None = None,
) -> ConvertResult:
    """Convert a table between xlsx, xls (read only), csv and parquet, as text.

    Every cell is read as text and written back as the same text: no number, date
    or code is reinterpreted. In xlsx output every cell is a text cell (format
    ``@``), so a value beginning with ``=`` stays text; csv output keeps such values
    verbatim (the check warns about them, and a note here counts them).

    Args:
        src: The file to read (.xlsx, .xls, .csv, .parquet).
        dst: The file to write (.xlsx, .xls, .csv, .parquet), chosen by its extension;
            an .xls output (the agency's format) holds text cells, no drop-downs.
        kind: A business (English key or Chinese title): the output gets its template
            layout — its headers in order, source columns matched by header or
            synonym, unknown columns dropped, missing ones empty. An xlsx output is
            then the full template (drop-downs, 填写说明).
        mapping: A YAML mapping file (or dict) renaming columns, recoding values and
            giving defaults; see the module docstring.
        encoding: The encoding of a csv output: UTF-8 with BOM by default (Excel
            opens it), or e.g. ``"gb18030"`` for older tools; ``"utf-8"`` writes no BOM.
        src_encoding: The encoding of a csv source; detected when omitted.
        sheet: The sheet of an xlsx/xls source (name or 0-based index); the first
            by default.

    Returns:
        A :class:`ConvertResult` listing what was written and changed.

    Raises:
        UnusableInputError: The source cannot be read, the output format is not
            writable, the mapping file is wrong, or a value cannot be encoded.
    """
    source, target = Path(src), Path(dst)
    out_format = _output_format(target)
    csv_codec = _csv_encoding(encoding) if out_format == "csv" else None
    declaration = get(kind) if kind else None
    rules = load_mapping(mapping) if mapping is not None else ColumnMapping()
    if declaration is not None:
        rules = _resolve_mapping(rules, declaration)
    candidates = [declaration] if declaration is not None else list(registry().values())
    # Without a business the header is the first non-blank row; with one, the row
    # naming the most of its headers (title rows above it are skipped).
    known: set[str] = set()
    if declaration is not None:
        known.update(rules.columns)
        known.update(n for c in declaration.columns for n in (c.header, *c.synonyms))
    raw = read_table(
        source,
        known_headers=tuple(known),
        sheet=sheet,
        encoding=src_encoding,
        id_headers=tuple(_id_headers(candidates, rules)),
    )
    headers = [c for c in raw.frame.columns if c != ROW_COLUMN]
    frame = raw.frame.sort(ROW_COLUMN, maintain_order=True).select(
        pl.when(pl.col(h).cast(pl.String) != "").then(pl.col(h).cast(pl.String)).alias(h)
        for h in headers
    )
    notes: list[str] = []

    # 1. rename by the mapping
    renames: dict[str, str] = {}
    for old, new in rules.columns.items():
        found = _find(headers, old)
        if found is None:
            notes.append(f"映射中的列「{old}」在源文件中没有，未使用。")
        else:
            renames[found] = new
    for found, new in renames.items():
        clash = _find([h for h in headers if h != found and h not in renames], new)
        if clash is not None:
            msg = (
                f"源文件已有列「{clash}」，不能再把「{found}」改名为「{new}」。"
                "提示：请删去映射中的这一项，或先删去源文件中的那一列。"
            )
            raise UnusableInputError(msg)
    frame = frame.rename(renames)
    origin = {renames.get(h, h): h for h in headers}

    # 2. the template's headers
    dropped: list[str] = []
    if declaration is not None:
        matched = _match_template(frame.columns, declaration)
        if not matched:
            headers_zh = "、".join(c.header for c in declaration.columns)
            msg = (
                f"源文件 {source.name} 没有一列能对应到{declaration.title}模板的列。"
                f"提示：模板的列有 {headers_zh}；可用映射文件的 columns 一节把原列名改成它们。"
            )
            raise UnusableInputError(msg)
        dropped = [origin[c] for c in frame.columns if c not in matched]
        frame = frame.select(pl.col(current).alias(header) for current, header in matched.items())
        origin = {header: origin[current] for current, header in matched.items()}
    mapped = {first: now for now, first in origin.items() if first != now}

    # 3. recode values, 4. fill defaults
    recoded: dict[str, int] = {}
    for name, recode in rules.values.items():
        column = _find(frame.columns, name)
        if column is None:
            notes.append(f"映射中要改取值的列「{name}」在源文件中没有，未使用。")
            continue
        frame, count = _recode(frame, column, recode)
        if count:
            recoded[column] = count
    filled: dict[str, int] = {}
    for name, value in rules.defaults.items():
        column = _find(frame.columns, name) or name
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(column))
        empty = pl.col(column).is_null() | (pl.col(column).str.strip_chars() == "")
        count = int(frame.select(empty.sum()).item())
        frame = frame.with_columns(
            pl.when(empty).then(pl.lit(value)).otherwise(pl.col(column)).alias(column)
        )
        if count:
            filled[column] = count

    # 5. the template's layout: its columns in order, missing ones empty
    missing: list[str] = []
    if declaration is not None:
        missing = [
            f"{c.header}（必填）" if c.required else c.header
            for c in declaration.columns
            if c.header not in frame.columns
        ]
        frame = frame.select(
            pl.col(c.header)
            if c.header in frame.columns
            else pl.lit(None, pl.String).alias(c.header)
            for c in declaration.columns
        )

    notes.extend(_source_notes(raw))
    if out_format == "csv":
        notes.extend(_formula_note(frame))
    _write(frame, target, out_format, declaration, csv_codec)
    return ConvertResult(
        source=source,
        target=target,
        kind=declaration.kind if declaration is not None else None,
        rows_written=frame.height,
        columns=tuple(frame.columns),
        columns_mapped=mapped,
        columns_dropped=tuple(dropped),
        columns_missing=tuple(missing),
        values_recoded=recoded,
        defaults_filled=filled,
        notes=tuple(notes),
    )


def _resolve_mapping(rules: ColumnMapping, declaration: Declaration) -> ColumnMapping:
    """Check that a mapping names the template's columns; use the template's headers."""
    name = rules.name
    columns = {
        old: _template_header(new, declaration, name, f"columns → {old}")
        for old, new in rules.columns.items()
    }
    values = {
        _template_header(column, declaration, name, "values"): recode
        for column, recode in rules.values.items()
    }
    defaults = {
        _template_header(column, declaration, name, "defaults"): value
        for column, value in rules.defaults.items()
    }
    return ColumnMapping(columns=columns, values=values, defaults=defaults, name=name)


def _recode(
    frame: pl.DataFrame, column: str, recode: Mapping[str, str]
) -> tuple[pl.DataFrame, int]:
    """Replace the values of ``column`` found in ``recode`` (compared trimmed)."""
    trimmed = pl.col(column).str.strip_chars()
    new = trimmed.replace_strict(dict(recode), default=None, return_dtype=pl.String)
    hit = trimmed.is_in(list(recode)) & (new != pl.col(column))
    count = int(frame.select(hit.sum()).item())
    return frame.with_columns(pl.when(hit).then(new).otherwise(pl.col(column)).alias(column)), count


def _source_notes(raw: RawTable) -> list[str]:
    """Remarks on the source: cells stored as numbers or dates, blank rows skipped."""
    notes = []
    cells = raw.non_text_cells
    if cells.height:
        first = cells.row(0, named=True)
        notes.append(
            f"源文件有 {cells.height} 个单元格存的是数字或日期而不是文本"
            f"（如「{first['header']}」第 {first[ROW_COLUMN]} 行「{first['value']}」），"
            "已按读到的内容写出；身份证号码等长号码在 Excel 里存成数字时末几位已丢失，请核对。"
        )
    if raw.tidied_cells:
        counts = "、".join(f"「{c}」{n} 个" for c, n in raw.tidied_cells.items())
        notes.append(
            f"源文件中存成日期或数字的单元格已按 Excel 显示的样子写成文本（{counts}），"
            "如日期去掉「00:00:00」、二进制小数误差按 15 位有效数字取整；文本单元格一律原样写出。"
        )
    if raw.blank_rows:
        notes.append(f"跳过了 {raw.blank_rows} 个空行。")
    return notes


def _formula_note(frame: pl.DataFrame) -> list[str]:
    if frame.width == 0:
        return []
    count = frame.select(
        pl.sum_horizontal(
            pl.col(c).str.contains(_FORMULA_START).fill_null(False).sum() for c in frame.columns
        )
    ).item()
    if not count:
        return []
    return [
        f"有 {count} 个单元格以 = + - @ 开头，csv 中已原样写出；直接用 Excel 打开 csv 时它们可能被当作公式，"
        "建议改用 xlsx。"
    ]


def _write(
    frame: pl.DataFrame,
    target: Path,
    out_format: str,
    declaration: Declaration | None,
    csv_codec: str | None,
) -> None:
    if out_format in ("xlsx", "xls"):
        if declaration is not None:
            write_template_text(declaration, target, frame)
        elif out_format == "xls":
            write_text_sheet(frame, target)
        else:
            write_frame(frame, target, sheet="Sheet1", text_columns=frame.columns)
    elif out_format == "parquet":
        with atomic_path(target) as part:
            frame.write_parquet(part)
    else:
        _write_csv(frame, target, csv_codec or "utf-8-sig")


def _write_csv(frame: pl.DataFrame, target: Path, codec: str) -> None:
    """Write csv text in ``codec``; refuse characters the encoding cannot hold."""
    text = frame.write_csv(null_value="")
    try:
        data = text.encode(codec)
    except UnicodeEncodeError as error:
        char = error.object[error.start : error.end]
        line = text.count("\n", 0, error.start)
        msg = (
            f"字符「{char}」（第 {line} 行数据）无法用 {codec} 编码写出。"
            "提示：改用 encoding='gb18030' 或 'utf-8'，它们能写出所有汉字。"
        )
        raise UnusableInputError(msg) from error
    try:
        with atomic_path(target) as part:
            part.write_bytes(data)
    except OSError as error:
        msg = f"无法写入文件 {target}：{error}。提示：若该文件正在 Excel 中打开，请先关闭。"
        raise UnusableInputError(msg) from error


def map_raw(raw: RawTable, rules: ColumnMapping, declaration: Declaration) -> RawTable:
    """Apply a column mapping to a table as read, keeping every row's sheet number.

    The mapping's ``columns`` rename headers (to the business's headers), ``values``
    recode cells and ``defaults`` fill empty cells, exactly as :func:`convert` does;
    the result can be checked with :func:`sbbatch.batch.check` and its failures still
    name the rows of the original sheet.
    """
    rules = _resolve_mapping(rules, declaration)
    headers = [c for c in raw.frame.columns if c != ROW_COLUMN]
    renames: dict[str, str] = {}
    for old, new in rules.columns.items():
        found = _find(headers, old)
        if found is not None:
            renames[found] = new
    frame = raw.frame.rename(renames)
    for name, recode in rules.values.items():
        column = _find(frame.columns, name)
        if column is not None:
            frame, _ = _recode(frame, column, recode)
    for name, value in rules.defaults.items():
        column = _find(frame.columns, name) or name
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(column))
        empty = pl.col(column).is_null() | (pl.col(column).str.strip_chars() == "")
        frame = frame.with_columns(
            pl.when(empty).then(pl.lit(value)).otherwise(pl.col(column)).alias(column)
        )
    cells = raw.non_text_cells
    if cells.height and "header" in cells.columns:
        cells = cells.with_columns(
            pl.col("header").replace_strict(renames, default=pl.col("header"))
        )
    return dataclasses.replace(
        raw,
        frame=frame,
        headers=[c for c in frame.columns if c != ROW_COLUMN],
        non_text_cells=cells,
    )
