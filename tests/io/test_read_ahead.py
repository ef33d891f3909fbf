"""The sheet loaded ahead (``read_ahead``): read_table takes it only when it would have
loaded the same, and reads exactly as without it."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from sbbatch.exceptions import UnusableInputError
from sbbatch.io import _sheets, read_ahead
from sbbatch.io import _xlsx_guard as guard
from sbbatch.io.read import RawTable, read_table
from sbbatch.spec import ID_SYNONYMS

KNOWN = ["姓名", "社会保障号码", "参保年月"]
ROWS = [
    ["张三", "370103198310135672", "2020-01"],
    ["李四", "37010219850505234X", "2021-03"],
]


def _workbook(path: Path, *, title: list[str] | None = None, numeric_id: bool = False) -> Path:
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet("人员")
    top = 0
    if title is not None:  # a row above the header that names an ID column elsewhere
        sheet.write_row(0, 0, title)
        top = 1
    sheet.write_row(top, 0, KNOWN)
    for offset, row in enumerate(ROWS, start=top + 1):
        sheet.write_row(offset, 0, row)
    if numeric_id:  # an ID typed as a number: the inferred load fails, the text load is used
        sheet.write_number(top + len(ROWS) + 1, 1, 370103198310135672)
        sheet.write(top + len(ROWS) + 1, 0, "王五")
    workbook.close()
    return path


def _read(path: Path) -> RawTable:
    return read_table(path, known_headers=KNOWN, id_headers=["社会保障号码"])


def _same(a: RawTable, b: RawTable) -> None:
    assert a.frame.equals(b.frame)
    assert (a.headers, a.header_row, a.sheet, a.rows_read) == (
        b.headers,
        b.header_row,
        b.sheet,
        b.rows_read,
    )
    assert a.non_text_cells.equals(b.non_text_cells)


def _loads_by_the_reader(monkeypatch: pytest.MonkeyPatch) -> list[set[int]]:
    """Record the loads read_table makes itself (after the load ahead has finished)."""
    calls: list[set[int]] = []
    real = _sheets._load_sheet

    def counting(*args: object, infer: set[int]) -> object:
        calls.append(set(infer))
        return real(*args, infer=infer)  # type: ignore[arg-type]

    monkeypatch.setattr(_sheets, "_load_sheet", counting)
    return calls


def _wait_for_the_load(path: Path) -> None:
    (future,) = [f for where, f in _sheets._loads_ahead.items() if where.endswith(path.name)]
    future.result()


@pytest.mark.parametrize(
    ("title", "numeric_id", "taken"),
    [
        (None, False, True),  # the usual file: the load ahead is the reader's
        (None, True, True),  # the inferred load fails ahead as it would in the reader
        (["说明", "", "", "身份证号码"], False, False),  # the guess ahead differs
    ],
)
def test_reading_ahead_reads_the_same(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    title: list[str] | None,
    numeric_id: bool,
    taken: bool,
) -> None:
    path = _workbook(tmp_path / "人员.xlsx", title=title, numeric_id=numeric_id)
    expected = _read(path)
    read_ahead(path, id_headers=ID_SYNONYMS)
    _wait_for_the_load(path)
    calls = _loads_by_the_reader(monkeypatch)
    _same(_read(path), expected)
    assert (calls == []) is taken
    assert not _sheets._loads_ahead
    assert not guard._ahead
    if numeric_id:
        assert expected.non_text_cells.height == 1


def test_another_sheet_is_loaded_by_the_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "两表.xlsx"
    workbook = xlsxwriter.Workbook(path)
    workbook.add_worksheet("说明").write(0, 0, "填表说明")
    data = workbook.add_worksheet("人员")
    data.write_row(0, 0, KNOWN)
    data.write_row(1, 0, ROWS[0])
    workbook.close()
    expected = read_table(path, known_headers=KNOWN, sheet="人员")
    read_ahead(path, id_headers=ID_SYNONYMS)  # the first sheet ahead, 人员 asked for
    _wait_for_the_load(path)
    calls = _loads_by_the_reader(monkeypatch)
    got = read_table(path, known_headers=KNOWN, sheet="人员")
    assert got.frame.equals(expected.frame)
    assert calls == [set()]


def test_a_refused_file_is_refused_by_the_reader(
    tmp_path: Path, crafted_xlsx: Callable[[Path], Path]
) -> None:
    path = crafted_xlsx(tmp_path / "crafted.xlsx")
    read_ahead(path, id_headers=ID_SYNONYMS)
    _wait_for_the_load(path)
    with pytest.raises(UnusableInputError, match=r"「crafted\.xlsx」"):
        _read(path)
    _sheets._loads_ahead.clear()  # not reached: the guard refused the file first


def test_a_csv_is_not_read_ahead(tmp_path: Path) -> None:
    path = tmp_path / "人员.csv"
    pl.DataFrame([dict(zip(KNOWN, row, strict=True)) for row in ROWS]).write_csv(path)
    read_ahead(path, id_headers=ID_SYNONYMS)
    assert not _sheets._loads_ahead
    assert not guard._ahead


def test_without_a_thread_the_reader_reads_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _workbook(tmp_path / "人员.xlsx")
    expected = _read(path)
    interval = sys.getswitchinterval()
    real = threading.Thread.start

    def refused(thread: threading.Thread) -> None:
        if thread.name == "sbbatch-xlsx-check":
            raise RuntimeError("can't start new thread")
        real(thread)

    monkeypatch.setattr(threading.Thread, "start", refused)
    read_ahead(path, id_headers=ID_SYNONYMS)
    assert not _sheets._loads_ahead
    assert not guard._ahead
    assert sys.getswitchinterval() == interval
    _same(_read(path), expected)


def test_a_file_saved_over_after_the_check_is_not_loaded_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crafted_xlsx: Callable[[Path], Path]
) -> None:
    path = _workbook(tmp_path / "人员.xlsx")
    real = guard._check

    def check_then_swap(checked: Path) -> object:
        found = real(checked)
        crafted_xlsx(tmp_path / "crafted.xlsx").replace(checked)  # saved over meanwhile
        return found

    monkeypatch.setattr(guard, "_check", check_then_swap)
    opened: list[object] = []
    monkeypatch.setattr(_sheets.fastexcel, "read_excel", lambda *a: opened.append(a))
    read_ahead(path, id_headers=ID_SYNONYMS)
    _wait_for_the_load(path)
    assert opened == []  # the crafted file was never handed to the Rust reader
    _sheets._loads_ahead.clear()
    guard._ahead.clear()
