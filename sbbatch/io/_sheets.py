"""Reading an Excel sheet (xlsx, xls) as text with its own row numbers, for :mod:`sbbatch.io.read`.

The sheet is chosen (the first visible one with a known header), loaded with every
column as text through fastexcel, its number and date cells tidied, and the cells of
ID-number columns that are not text listed (a second, typed pass).
"""

from __future__ import annotations

import datetime as dt
import threading
import zipfile
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import Future
from pathlib import Path

import fastexcel
import polars as pl
import python_calamine

from sbbatch.exceptions import UnusableInputError
from sbbatch.io._table import (
    _EXCEL_MAX_COLUMNS,
    _HINT_RESAVE,
    _NON_TEXT_SCHEMA,
    ROW_COLUMN,
    Format,
    RawTable,
    _assemble,
    _empty_non_text,
    _find_header,
    _Known,
    _no_header_error,
    _nonblank_head,
    _tidy_numeric_text,
)
from sbbatch.io._xlsx_guard import (
    SheetNotes,
    _file_key,
    check_ahead,
)
from sbbatch.io._xlsx_peek import (
    _guess_id_columns,
    _guess_id_columns_alone,
    _xlsx_sheets,
)
from sbbatch.spec import header_key

# ---------------------------------------------------------------------------- excel


def _read_excel(
    path: Path,
    fmt: Format,
    sheet: str | int | None,
    known: _Known,
    id_keys: set[str],
    formulas: Mapping[str, SheetNotes],
) -> RawTable:
    """Read an xlsx or xls sheet as text; list non-text cells of the ID columns.

    Without a chosen ``sheet``, an empty first sheet or one without the header is
    passed over for the next visible sheet that has it (data is often on sheet 2,
    behind an instructions sheet).
    """
    name = path.name
    try:
        reader = fastexcel.read_excel(path)
        sheet_names = reader.sheet_names
    except Exception:
        raise _damaged(name, fmt) from None
    sheet_name = _choose_sheet(path, fmt, sheet_names, sheet)
    if sheet is not None:
        return _read_sheet(path, fmt, reader, sheet_name, known, id_keys, formulas)
    try:
        return _read_sheet(path, fmt, reader, sheet_name, known, id_keys, formulas)
    except _NoData as first:
        others = [n for n in _visible_sheets(path, fmt, sheet_names) if n != sheet_name]
        errors = [first]
        for other in others:
            try:
                return _read_sheet(path, fmt, reader, other, known, id_keys, formulas)
            except _NoData as error:
                errors.append(error)
        if not others:
            raise
        looked = "、".join(f"「{n}」" for n in [sheet_name, *others])
        headerless = [e for e in errors if not e.empty]
        if not headerless:
            raise UnusableInputError(
                f"文件「{name}」的工作表 {looked} 都是空的。提示：请确认选对了文件。"
            ) from None
        raise UnusableInputError(f"{headerless[0]}（已查看工作表 {looked}。）") from None


class _NoData(UnusableInputError):
    """A sheet that is empty or has no header row: the next sheet may have it."""

    def __init__(self, message: str, *, empty: bool) -> None:
        super().__init__(message)
        self.empty = empty


_Loaded = tuple[pl.DataFrame, list[int], int]
#: What a load ahead found: the file's identity, the sheet, and the sheet loaded with
#: each set of inferred columns it tried (None: the inference failed).
_LoadedAhead = tuple[tuple[int, int, int], str, dict[frozenset[int], _Loaded | None]]
#: The loads started ahead and not yet taken, by the file's real path.
_loads_ahead: dict[str, Future[_LoadedAhead | None]] = {}
_loads_lock = threading.Lock()


def read_ahead(
    path: str | Path, *, sheet: str | int | None = None, id_headers: Collection[str] = ()
) -> None:
    """Start checking an xlsx and loading its sheet as text, in a worker thread.

    :func:`sbbatch.io._xlsx_guard.check_ahead` first; once the file has passed, the sheet
    (``sheet``, else the first visible one) is loaded in the same thread, its ID columns
    (headers among ``id_headers``) with type inference as :func:`_read_sheet` would.
    fastexcel loads without the GIL, so a command reads its file while it imports what
    it needs and opens the workspace. :func:`_read_sheet` of the same unchanged file
    and sheet takes the load when it would have made the same one; otherwise it loads
    the sheet itself. A failure here only means the reader loads the sheet itself.
    """
    path = Path(path)
    key = _file_key(path)
    if key is None:
        return
    where, identity = key
    id_keys = {k for k in map(header_key, id_headers) if k}
    future: Future[_LoadedAhead | None] = Future()

    def load(passed: bool) -> None:
        found: _LoadedAhead | None = None
        try:  # the future is always set: the reader waits for it
            # the file the guard passed, not one saved over it since
            if passed and _file_key(path) == key:
                reader = fastexcel.read_excel(path)
                chosen = _choose_sheet(path, "xlsx", reader.sheet_names, sheet)
                loads: dict[frozenset[int], _Loaded | None] = {}
                guessed = frozenset(_guess_id_columns_alone(path, chosen, id_keys))
                if guessed:
                    loads[guessed] = _load_sheet(
                        reader, chosen, path.name, "xlsx", infer=set(guessed)
                    )
                if not guessed or loads[guessed] is None:
                    loads[frozenset()] = _load_sheet(reader, chosen, path.name, "xlsx", infer=set())
                found = (identity, chosen, loads)
        except Exception:  # the reader loads the sheet itself and says what is wrong
            found = None
        finally:
            future.set_result(found)

    with _loads_lock:
        _loads_ahead[where] = future
    started = False
    try:
        started = check_ahead(path, then=load)
    finally:
        if not started:
            with _loads_lock:
                if _loads_ahead.get(where) is future:
                    del _loads_ahead[where]


def _loader(
    path: Path, reader: fastexcel.ExcelReader, sheet_name: str, fmt: str
) -> Callable[[set[int]], _Loaded | None]:
    """:func:`_load_sheet` of this sheet, taking what :func:`read_ahead` loaded of it."""
    key = _file_key(path) if fmt == "xlsx" else None
    with _loads_lock:
        future = _loads_ahead.pop(key[0], None) if key is not None else None
    found = future.result() if future is not None else None
    if found is None or key is None or found[:2] != (key[1], sheet_name):
        found = None

    def load(infer: set[int]) -> _Loaded | None:
        if found is not None and frozenset(infer) in found[2]:
            return found[2][frozenset(infer)]
        return _load_sheet(reader, sheet_name, path.name, fmt, infer=infer)

    return load


def _read_sheet(
    path: Path,
    fmt: Format,
    reader: fastexcel.ExcelReader,
    sheet_name: str,
    known: _Known,
    id_keys: set[str],
    formulas: Mapping[str, SheetNotes],
) -> RawTable:
    """Read one sheet of an opened workbook (see :func:`_read_excel`)."""
    name = path.name
    proven_text: set[int] = set()  # absolute columns proven to hold text cells only
    loaded = None
    load = _loader(path, reader, sheet_name, fmt)
    if fmt == "xlsx" and id_keys:
        guessed = _guess_id_columns(path, sheet_name, known, id_keys)
        if guessed:
            loaded = load(guessed)
            if loaded is not None:
                proven_text = guessed
    if loaded is None:
        loaded = load(set())
    if loaded is None:  # pragma: no cover - a string load does not infer anything
        raise _damaged(name, fmt)
    raw_text, absolute, sheet_height = loaded

    if raw_text.height != sheet_height:
        raise _row_count_error(name, sheet_name, raw_text.height, sheet_height)
    head = _nonblank_head(raw_text)
    if not head:
        raise _NoData(
            f"文件「{name}」的工作表「{sheet_name}」是空的。提示：请确认选对了工作表。", empty=True
        )
    header_index = _find_header(head, known)
    if header_index is None:
        raise _NoData(str(_no_header_error(name, known)), empty=False)
    raw, tidied = _tidy_typed_cells(
        path, reader, sheet_name, raw_text, absolute, header_index, name
    )
    frame, headers, kept, blank_rows = _assemble(
        raw,
        header_index=header_index,
        column_numbers=[a + 1 for a in absolute],
        first_row_number=1,
    )
    names = [c for c in frame.columns if c != ROW_COLUMN]
    formula_cells, hidden_rows = _formula_cells(
        path, sheet_name, formulas, absolute, kept, names, header_index
    )
    id_positions = [
        (position, column)
        for position, column, text in zip(kept, names, headers, strict=True)
        if header_key(text) in id_keys
    ]
    to_check = [(p, c) for p, c in id_positions if absolute[p] not in proven_text]
    non_text = _empty_non_text()
    if to_check:
        non_text = _non_text_cells(
            path, sheet_name, raw_text, absolute, to_check, header_index, name
        )
    return RawTable(
        frame=frame,
        headers=headers,
        header_row=header_index + 1,
        sheet=sheet_name,
        format=fmt,
        encoding=None,
        rows_read=frame.height,
        blank_rows=blank_rows,
        non_text_cells=non_text,
        formula_cells=formula_cells,
        hidden_rows=tuple(frame.filter(pl.col(ROW_COLUMN).is_in(hidden_rows))[ROW_COLUMN]),
        tidied_cells={
            names[i]: tidied[raw.columns[p]] for i, p in enumerate(kept) if raw.columns[p] in tidied
        },
    )


def _formula_cells(
    path: Path,
    sheet_name: str,
    formulas: Mapping[str, SheetNotes],
    absolute: list[int],
    kept: list[int],
    names: list[str],
    header_index: int,
) -> tuple[pl.DataFrame, list[int]]:
    """The data cells that are formulas saved without a value, and the hidden data rows."""
    empty = pl.DataFrame(schema={ROW_COLUMN: pl.Int64, "header": pl.String})
    if not formulas:
        return empty, []
    try:
        with zipfile.ZipFile(path) as archive:
            sheets = _xlsx_sheets(archive)
    except Exception:  # the workbook part was readable to calamine; be safe anyway
        sheets = []
    member = next((m for n, m, _shown in sheets if n == sheet_name), "")
    notes = formulas.get(member)
    if notes is None:
        return empty, []
    name_at = {absolute[p]: name for p, name in zip(kept, names, strict=True)}
    found = sorted(
        (row + 1, name_at[column])
        for row, column in notes.formulas
        if row > header_index and column in name_at
    )
    hidden = sorted(row + 1 for row in notes.hidden_rows if row > header_index)
    if not found:
        return empty, hidden
    return pl.DataFrame(found, schema=empty.schema, orient="row"), hidden


def _tidy_typed_cells(
    path: Path,
    reader: fastexcel.ExcelReader,
    sheet_name: str,
    raw_text: pl.DataFrame,
    absolute: list[int],
    header_index: int,
    name: str,
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Tidy the text of number and date cells below the header; leave text cells be.

    A text cell typed as ``10.0`` or ``2019-04-01 00:00:00`` stays byte for byte.
    Only columns where tidying would change something are looked at: fastexcel's
    strict inference over the rows below the header proves a column all text (left
    alone) or all numbers/dates (tidied); a mixed column is settled cell by cell
    with python-calamine.
    """
    body_start = header_index + 1
    tidied = _tidy_numeric_text(raw_text.slice(body_start))
    changed = [
        position
        for position, column in enumerate(raw_text.columns)
        if not tidied[column].equals(raw_text[column].slice(body_start), null_equal=True)
    ]
    if not changed:
        return raw_text, {}
    infer = {absolute[p] for p in changed}
    numbers: list[int] = []
    try:
        dtypes: dict[str | int, fastexcel.DType] = {
            index: "string" for index in range(_EXCEL_MAX_COLUMNS) if index not in infer
        }
        proof = reader.load_sheet(
            sheet_name,
            header_row=None,
            skip_rows=body_start,
            dtypes=dtypes,
            schema_sample_rows=None,
            dtype_coercion="strict",
            whitespace_as_null=True,
        )
        frame = proof.to_polars()
        by_absolute = {c.absolute_index: c.name for c in proof.selected_columns}
        if not isinstance(frame, pl.DataFrame) or frame.height != tidied.height:
            raise ValueError("rows do not line up")
        mixed: list[int] = []
        for p in changed:
            dtype = frame.schema.get(by_absolute.get(absolute[p], ""), pl.String())
            if dtype != pl.String:
                numbers.append(p)
    except Exception:
        numbers, mixed = [], changed
    columns = raw_text.columns
    cells: dict[str, pl.Series] = {}
    if mixed:
        non_text = _non_text_positions(path, sheet_name, absolute, mixed, name, raw_text.height)
        for p, rows in non_text.items():
            flags = pl.Series([False] * raw_text.height)
            cells[columns[p]] = flags.scatter(rows, True) if rows else flags
    body = raw_text.slice(body_start)
    wanted = [columns[p] for p in numbers] + list(cells)
    cut = {c: flags.slice(body_start) for c, flags in cells.items()}
    tidy_body = _tidy_numeric_text(body, wanted, cut)
    counts = (
        tidy_body.select(
            (pl.col(c) != body[c]).fill_null(False).sum().alias(c) for c in wanted
        ).row(0, named=True)
        if wanted
        else {}
    )
    counted = {c: int(n) for c, n in counts.items() if n}
    whole = pl.concat([raw_text.head(body_start), tidy_body]) if body_start else tidy_body
    return whole, counted


def _non_text_positions(
    path: Path, sheet_name: str, absolute: list[int], positions: list[int], name: str, height: int
) -> dict[int, list[int]]:
    """The 0-based rows of the non-text cells of the columns at ``positions``."""
    found: dict[int, list[int]] = {p: [] for p in positions}
    try:
        with python_calamine.CalamineWorkbook.from_path(path) as workbook:
            sheet = workbook.get_sheet_by_name(sheet_name)
            first_row, first_column = sheet.start or (0, 0)
            offsets = [(absolute[p] - first_column, p) for p in positions]
            count = 0
            for index, cells in enumerate(sheet.iter_rows()):
                count += 1
                for offset, position in offsets:
                    if offset < len(cells) and type(cells[offset]) is not str:
                        found[position].append(index)
    except Exception:
        raise UnusableInputError(
            f"文件「{name}」的工作表「{sheet_name}」无法逐格检查单元格类型。{_HINT_RESAVE}"
        ) from None
    # as in _non_text_cells: rows are counted from the sheet's first row, or shifted
    shift = 0 if count == height else first_row
    if count + shift != height:
        raise _row_count_error(name, sheet_name, height, count)
    return {p: [row + shift for row in rows] for p, rows in found.items()}


def _damaged(name: str, fmt: str) -> UnusableInputError:
    return UnusableInputError(
        f"文件「{name}」已损坏或不是有效的 {fmt} 文件，无法读取。{_HINT_RESAVE}"
    )


def _row_count_error(name: str, sheet: str, got: int, expected: int) -> UnusableInputError:
    return UnusableInputError(
        f"文件「{name}」的工作表「{sheet}」读出 {got} 行，但工作表实际有 {expected} 行，"
        f"为避免漏行已停止读取。{_HINT_RESAVE}"
    )


def _choose_sheet(path: Path, fmt: str, names: list[str], sheet: str | int | None) -> str:
    """Resolve ``sheet`` to a sheet name; default the first visible worksheet."""
    listing = "、".join(f"「{n}」" for n in names)
    if not names:
        raise UnusableInputError(f"文件「{path.name}」中没有工作表。{_HINT_RESAVE}")
    if sheet is None:
        return _first_visible_sheet(path, fmt, names)
    if isinstance(sheet, int):
        if 0 <= sheet < len(names):
            return names[sheet]
        raise UnusableInputError(
            f"文件「{path.name}」只有 {len(names)} 个工作表（{listing}），没有第 {sheet + 1} 个。"
        )
    if sheet in names:
        return sheet
    for candidate in names:
        if header_key(candidate) == header_key(sheet):
            return candidate
    raise UnusableInputError(
        f"文件「{path.name}」中没有名为「{sheet}」的工作表。提示：现有工作表为 {listing}。"
    )


def _first_visible_sheet(path: Path, fmt: str, names: list[str]) -> str:
    """The first sheet that is a visible worksheet, else the first sheet."""
    return next(iter(_visible_sheets(path, fmt, names)), names[0])


def _visible_sheets(path: Path, fmt: str, names: list[str]) -> list[str]:
    """The visible worksheets, in workbook order (none if that cannot be told)."""
    try:
        if fmt == "xlsx":
            with zipfile.ZipFile(path) as archive:
                visible = [n for n, _member, shown in _xlsx_sheets(archive) if shown]
        else:
            with python_calamine.CalamineWorkbook.from_path(path) as workbook:
                visible = [
                    meta.name
                    for meta in workbook.sheets_metadata
                    if meta.visible == python_calamine.SheetVisibleEnum.Visible
                    and meta.typ == python_calamine.SheetTypeEnum.WorkSheet
                ]
    except Exception:
        visible = []
    return [n for n in visible if n in names]


def _load_sheet(
    reader: fastexcel.ExcelReader, sheet_name: str, name: str, fmt: str, *, infer: set[int]
) -> tuple[pl.DataFrame, list[int], int] | None:
    """Load every row of a sheet (blank rows too) with fastexcel.

    With ``infer`` empty every column is read as text. Otherwise the absolute columns
    in ``infer`` get strict type inference over all rows and the rest are text; the
    result is None unless every inferred column came back as pure ``String``.

    Returns:
        The frame (positional ``String`` columns; row ``i`` is sheet row ``i + 1``),
        each column's absolute index, and the sheet's total height as calamine
        reports it (rows 1 to the last used row).
    """
    try:
        if infer:
            dtypes: dict[str | int, fastexcel.DType] = {
                index: "string" for index in range(_EXCEL_MAX_COLUMNS) if index not in infer
            }
            loaded = reader.load_sheet(
                sheet_name,
                header_row=None,
                skip_rows=0,
                dtypes=dtypes,
                schema_sample_rows=None,
                dtype_coercion="strict",
                whitespace_as_null=True,
            )
        else:
            loaded = reader.load_sheet(
                sheet_name, header_row=None, skip_rows=0, dtypes="string", whitespace_as_null=True
            )
        frame = loaded.to_polars()
        absolute = [column.absolute_index for column in loaded.selected_columns]
        height = loaded.total_height
    except Exception:
        if infer:  # mixed cell types (or anything else): the caller reads all as text
            return None
        raise _damaged(name, fmt) from None
    if not isinstance(frame, pl.DataFrame):  # pragma: no cover - fastexcel returns frames
        raise _damaged(name, fmt)
    for column, dtype in frame.schema.items():
        if dtype == pl.Null:
            frame = frame.with_columns(pl.col(column).cast(pl.String))
        elif dtype != pl.String:
            return None
    return frame, absolute, height


def _non_text_cells(
    path: Path,
    sheet_name: str,
    raw_text: pl.DataFrame,
    absolute: list[int],
    columns: list[tuple[int, str]],
    header_index: int,
    name: str,
) -> pl.DataFrame:
    """List the non-text cells of ``columns`` below the header, with python-calamine.

    This is the one per-row Python loop of the reader: calamine's cell types are
    only visible cell by cell. It also reconciles the row count with fastexcel's.
    """
    rows: list[int] = []
    positions: list[int] = []
    kinds: list[str] = []
    try:
        with python_calamine.CalamineWorkbook.from_path(path) as workbook:
            sheet = workbook.get_sheet_by_name(sheet_name)
            first_row, first_column = sheet.start or (0, 0)
            offsets = [(absolute[p] - first_column, p) for p, _column in columns]
            count = 0
            for cells in sheet.iter_rows():
                count += 1
                for offset, position in offsets:
                    if offset < len(cells) and type(cells[offset]) is not str:
                        rows.append(count - 1)
                        positions.append(position)
                        kinds.append(_cell_type(cells[offset]))
    except Exception:
        raise UnusableInputError(
            f"文件「{name}」的工作表「{sheet_name}」无法逐格检查单元格类型。{_HINT_RESAVE}"
        ) from None
    # python-calamine yields rows from the sheet's first row; should it ever start at
    # the first used row instead, shift by that row so both readers still line up
    shift = 0 if count == raw_text.height else first_row
    if count + shift != raw_text.height:
        raise _row_count_error(name, sheet_name, raw_text.height, count)
    found = pl.DataFrame(
        {"index": rows, "position": positions, "cell_type": kinds},
        schema={"index": pl.Int64, "position": pl.Int64, "cell_type": pl.String},
    ).with_columns(pl.col("index") + shift)
    found = found.filter(pl.col("index") > header_index)
    names = dict(columns)
    parts = [
        group.select(
            (pl.col("index") + 1).alias(ROW_COLUMN),
            pl.lit(names[position], dtype=pl.String).alias("header"),
            raw_text.to_series(position).gather(group["index"]).alias("value"),
            "cell_type",
        )
        for (position,), group in found.group_by("position", maintain_order=True)
    ]
    if not parts:
        return _empty_non_text()
    return pl.concat(parts).sort(ROW_COLUMN, maintain_order=True).cast(_NON_TEXT_SCHEMA)


def _cell_type(value: object) -> str:
    """The type name of a non-text calamine cell value."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    if isinstance(value, dt.timedelta):
        return "duration"
    return type(value).__name__
