"""A quick look at an xlsx's top rows straight from its XML, before the sheet is loaded.

Finds the sheets (and which are visible), and the header row's cells, so that the
ID-number columns can be read as text from the start.
"""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from sbbatch.io._table import (
    _PEEK_MAX_SHEET_ROWS,
    HEADER_SCAN_ROWS,
    _find_header,
    _Known,
)
from sbbatch.spec import header_key

# ------------------------------------------------------------------ xlsx header peek


def _local(tag: str) -> str:
    """An XML tag or attribute name without its namespace."""
    return tag.rpartition("}")[2]


def _xlsx_sheets(archive: zipfile.ZipFile) -> list[tuple[str, str, bool]]:
    """(name, zip member, visible worksheet?) of each sheet, in workbook order."""
    workbook = ET.fromstring(archive.read("xl/workbook.xml"))
    relations = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {
        rel.get("Id"): (rel.get("Target") or "", rel.get("Type") or "")
        for rel in relations
        if _local(rel.tag) == "Relationship"
    }
    sheets = []
    for element in workbook.iter():
        if _local(element.tag) != "sheet":
            continue
        rel_id = next(
            (v for k, v in element.attrib.items() if k.startswith("{") and _local(k) == "id"), None
        )
        target, kind = targets.get(rel_id, ("", ""))
        member = (
            target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
        )
        shown = element.get("state", "visible") == "visible" and kind.endswith("/worksheet")
        sheets.append((element.get("name") or "", member, shown))
    return sheets


def _column_index(reference: str) -> int:
    """The 0-based column of a cell reference such as ``AB12``."""
    index = 0
    for char in reference:
        if not char.isalpha():
            break
        index = index * 26 + (ord(char.upper()) - 64)
    return index - 1


def _rich_text(element: ET.Element) -> str:
    """The text of an ``<si>`` or ``<is>`` element (runs joined, phonetics left out)."""
    parts = []
    for child in element:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


def _peek_xlsx(path: Path, sheet_name: str) -> list[tuple[int, dict[int, str]]]:
    """The top non-blank rows of an xlsx sheet, parsed from its XML without reading more.

    Returns:
        ``(row index, {absolute column index: text})`` for up to
        :data:`HEADER_SCAN_ROWS` non-blank rows.
    """
    with zipfile.ZipFile(path) as archive:
        member = next(m for n, m, _shown in _xlsx_sheets(archive) if n == sheet_name)
        rows: list[tuple[int, dict[int, tuple[str, str]]]] = []
        row_index = -1
        with archive.open(member) as stream:
            for _event, element in ET.iterparse(stream, events=("end",)):
                if _local(element.tag) != "row":
                    continue
                reference = element.get("r")
                row_index = int(reference) - 1 if reference else row_index + 1
                cells: dict[int, tuple[str, str]] = {}
                column = -1
                for cell in element:
                    if _local(cell.tag) != "c":
                        continue
                    cell_ref = cell.get("r")
                    column = _column_index(cell_ref) if cell_ref else column + 1
                    kind = cell.get("t", "n")
                    if kind == "inlineStr":
                        inline = next((c for c in cell if _local(c.tag) == "is"), None)
                        text = _rich_text(inline) if inline is not None else ""
                    else:
                        value = next((c for c in cell if _local(c.tag) == "v"), None)
                        text = (value.text or "") if value is not None else ""
                    cells[column] = (kind, text)
                element.clear()
                if any(text.strip() for _kind, text in cells.values()):
                    rows.append((row_index, cells))
                if len(rows) >= HEADER_SCAN_ROWS or row_index > _PEEK_MAX_SHEET_ROWS:
                    break
        shared = _shared_strings(
            archive, {int(t) for _r, cells in rows for k, t in cells.values() if k == "s"}
        )
    return [
        (r, {c: shared.get(int(t), "") if k == "s" else t for c, (k, t) in cells.items()})
        for r, cells in rows
    ]


def _shared_strings(archive: zipfile.ZipFile, wanted: set[int]) -> dict[int, str]:
    """The shared strings with the ``wanted`` indices, reading no further than needed."""
    if not wanted:
        return {}
    member = "xl/sharedStrings.xml"
    found: dict[int, str] = {}
    last = max(wanted)
    index = -1
    with archive.open(member) as stream:
        for _event, element in ET.iterparse(stream, events=("end",)):
            if _local(element.tag) != "si":
                continue
            index += 1
            if index in wanted:
                found[index] = _rich_text(element)
            element.clear()
            if index >= last:
                break
    return found


def _guess_id_columns(path: Path, sheet_name: str, known: _Known, id_keys: set[str]) -> set[int]:
    """Absolute columns of the ID headers, from a peek at the top of the sheet.

    The peek is only an optimisation: any failure gives an empty set, and the caller
    verifies the guess against the loaded sheet.
    """
    try:
        peek = _peek_xlsx(path, sheet_name)
    except Exception:
        return set()
    ordered = [(r, [cells[c] for c in sorted(cells)]) for r, cells in peek]
    header = _find_header(ordered, known)
    cells = next((c for r, c in peek if r == header), {})
    return {column for column, text in cells.items() if header_key(text) in id_keys}


def _guess_id_columns_alone(path: Path, sheet_name: str, id_keys: set[str]) -> set[int]:
    """Absolute columns of the ID headers in the first peeked row that has any.

    For a load started before the business is known (:func:`sbbatch.io._sheets.read_ahead`):
    the reader uses that load only when :func:`_guess_id_columns` with the business's
    headers guesses the same columns.
    """
    try:
        peek = _peek_xlsx(path, sheet_name)
    except Exception:
        return set()
    for _row, cells in peek:
        found = {column for column, text in cells.items() if header_key(text) in id_keys}
        if found:
            return found
    return set()
