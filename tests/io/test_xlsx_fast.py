"""The fast row writer of big sheets shows a user what xlsxwriter's cell by cell path shows."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest

from sbbatch.io import _xlsx_writer
from sbbatch.io.xlsx import write_frame, write_result

FRAME = pl.DataFrame(
    {
        "id": ["370103198310135672", "=1+2", " lead", "a<b>&c", "@SUM(A1)", None, "-3", "x "],
        "n": [1, 2, None, 4, 5, 6, 7, 8],
        "f": [1.5, 0.1, None, 1e-7, 3.0, -2.25, 10.0, 0.0],
        "d": [
            date(2020, 1, 1),
            date(1899, 1, 1),  # before Excel's safe dates: ISO text
            None,
            date(2026, 12, 3),
            date(1900, 3, 1),
            date(2000, 2, 29),
            date(1999, 1, 1),
            date(2026, 1, 31),
        ],
        "money": [69, 500069, None, -5, 0, 10**12, 1, 2],
        "note": ["多行\n" + "很长的说明" * 12, "x", "y", None, "z", "", "w", "v"],
    }
)
MARKS = pl.DataFrame(
    {
        "row": [0, 2, 5, 5, 3],
        "column": ["id", "n", "note", "id", "money"],
        "level": ["reject", "warn", "reject", "warn", "warn"],
    }
)


def _seen(path: Path) -> list[Any]:
    """What a user sees: every cell's value, type, number format, fill, font colour, wrap."""
    book = openpyxl.load_workbook(path)
    seen: list[Any] = []
    for sheet in book:
        widths = {k: round(v.width, 2) for k, v in sheet.column_dimensions.items()}
        seen.append((sheet.title, sheet.freeze_panes, widths))
        for row in sheet.iter_rows():
            for cell in row:
                seen.append(
                    (
                        cell.coordinate,
                        cell.value,
                        cell.data_type,
                        cell.number_format,
                        cell.fill.fgColor.rgb,
                        str(cell.font.color.rgb) if cell.font.color else None,
                        cell.font.bold,
                        cell.alignment.wrap_text,
                    )
                )
        seen.append({k: v.height for k, v in sheet.row_dimensions.items() if v.height})
    return seen


def _both(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, write: Any) -> tuple[Path, Path]:
    monkeypatch.setattr(_xlsx_writer, "CONSTANT_MEMORY_ROWS", 10**9)
    slow = write(tmp_path / "slow.xlsx")
    monkeypatch.setattr(_xlsx_writer, "CONSTANT_MEMORY_ROWS", 0)
    fast = write(tmp_path / "fast.xlsx")
    return slow, fast


def test_fast_rows_show_what_the_cell_by_cell_path_shows(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    slow, fast = _both(
        monkeypatch,
        tmp_path,
        lambda path: write_frame(
            FRAME,
            path,
            headers={"id": "身份证号码", "money": "缴费工资", "note": "错误信息"},
            text_columns=["id"],
            money_columns=["money"],
            highlight=MARKS,
        ),
    )
    assert _seen(fast) == _seen(slow)
    sheet = openpyxl.load_workbook(fast).active
    assert sheet["A3"].value == "=1+2" and sheet["A3"].data_type == "s"  # text, not a formula
    assert sheet["A2"].fill.fgColor.rgb == "FFFFC7CE"  # rejected: light red
    assert sheet["A7"].value is None and sheet["A7"].fill.fgColor.rgb == "FFFFEB9C"  # warn, empty
    assert sheet["E5"].value == -0.05 and sheet["E5"].fill.fgColor.rgb == "FFFFEB9C"
    assert sheet.freeze_panes == "A2"
    with zipfile.ZipFile(fast) as package:
        xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and 't="inlineStr"' in xml
    assert '<t xml:space="preserve"> lead</t>' in xml and "a&lt;b&gt;&amp;c" in xml


def test_fast_rows_of_a_result_table(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    frame = FRAME.select("id", "note")
    slow, fast = _both(
        monkeypatch,
        tmp_path,
        lambda path: write_result(
            frame, path, "增员申报审核结果", {"id": "身份证号码", "note": "审核意见"}
        ),
    )
    assert _seen(fast) == _seen(slow)
    sheet = openpyxl.load_workbook(fast).active
    assert sheet.cell(sheet.max_row, 1).value == "共8人"


def test_fast_rows_keep_hostile_text_as_text(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Text that looks like xlsxwriter's rich-string markup or an escape stays text."""
    monkeypatch.setattr(_xlsx_writer, "CONSTANT_MEMORY_ROWS", 0)
    frame = pl.DataFrame({"s": ["<r>x</r>", "_x0041_", "a\x01b", "x" * 40_000]})
    path = write_frame(frame, tmp_path / "h.xlsx", text_columns=["s"])
    values = [c.value for c in openpyxl.load_workbook(path).active["A"]]
    assert values[1] == "<r>x</r>"
    assert values[3] == "a_x0001_b"  # Excel's escape of a control character
    assert len(values[4]) == 32_767  # cut to Excel's cell limit, as xlsxwriter does
    with zipfile.ZipFile(path) as package:
        xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert "_x005F_x0041_" in xml  # a literal escape is itself escaped, as Excel does
