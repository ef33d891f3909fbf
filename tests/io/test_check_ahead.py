"""The xlsx guard started ahead (``check_ahead``): the same result or the same refusal
as checking when reading, and a file changed in between is checked again."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import xlsxwriter

from sbbatch.exceptions import UnusableInputError
from sbbatch.io import _xlsx_guard
from sbbatch.io._xlsx_guard import check_ahead, check_xlsx

#: the ``crafted_xlsx`` fixture (tests/io/conftest.py)
Crafted = Callable[[Path], Path]


def _workbook(path: Path, *, formula: bool = False) -> Path:
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet("人员")
    sheet.write_row(0, 0, ["姓名", "社会保障号码", "合计"])
    sheet.write_row(1, 0, ["张三", "370103198310135672"])
    if formula:  # saved without a value: the guard notes it
        sheet.write_formula(1, 2, "=1+1", None, "")
    sheet.set_row(2, None, None, {"hidden": True})
    sheet.write_row(2, 0, ["李四", "37010219850505234X"])
    workbook.close()
    return path


def test_the_result_taken_is_the_result_of_checking_then(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "人员.xlsx", formula=True)
    expected = check_xlsx(path)
    assert expected  # a formula without its value and a hidden row
    interval = sys.getswitchinterval()
    check_ahead(path)
    assert len(_xlsx_guard._ahead) == 1
    assert check_xlsx(path) == expected
    assert not _xlsx_guard._ahead  # taken once
    assert sys.getswitchinterval() == interval  # lowered while the check ran, then restored


def test_a_refusal_found_ahead_is_raised_when_reading(
    tmp_path: Path, crafted_xlsx: Crafted
) -> None:
    path = crafted_xlsx(tmp_path / "crafted.xlsx")
    with pytest.raises(UnusableInputError) as direct:
        check_xlsx(path)
    check_ahead(path)
    with pytest.raises(UnusableInputError) as ahead:
        check_xlsx(path)
    assert str(ahead.value) == str(direct.value)
    assert "「crafted.xlsx」" in str(ahead.value)


def test_a_file_changed_after_the_check_started_is_checked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crafted_xlsx: Crafted
) -> None:
    path = _workbook(tmp_path / "人员.xlsx")
    check_ahead(path)
    with _xlsx_guard._ahead_lock:
        ((_, future),) = _xlsx_guard._ahead.values()
    assert set(future.result()) == {"xl/worksheets/sheet1.xml"}  # the hidden row
    crafted_xlsx(tmp_path / "crafted.xlsx").replace(path)  # the user saved another file there
    with pytest.raises(UnusableInputError, match=r"人员\.xlsx"):
        check_xlsx(path)
    # the same bytes with another modification time are another file, too
    _workbook(path)
    check_ahead(path)
    with _xlsx_guard._ahead_lock:
        ((_, future),) = _xlsx_guard._ahead.values()
    future.result()
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    checked: list[Path] = []
    real = _xlsx_guard._check
    monkeypatch.setattr(_xlsx_guard, "_check", lambda p: checked.append(p) or real(p))
    assert set(check_xlsx(path)) == {"xl/worksheets/sheet1.xml"}
    assert checked == [path]
    assert not _xlsx_guard._ahead  # a result started ahead and not used is dropped


@pytest.mark.parametrize("content", [b"", "姓名,社会保障号码\n".encode("gb18030"), None])
def test_what_is_not_an_xlsx_is_left_to_the_reader(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "人员.xlsx"
    if content is not None:
        path.write_bytes(content)
    check_ahead(path)  # a missing, empty or csv file: nothing started, nothing raised
    assert not _xlsx_guard._ahead


def test_load_of_a_crafted_file_through_the_cli(tmp_path: Path, crafted_xlsx: Crafted) -> None:
    path = crafted_xlsx(tmp_path / "crafted.xlsx")
    workspace = tmp_path / "ws.duckdb"
    command = [sys.executable, "-c", "import sys; from sbbatch.cli import main; sys.exit(main())"]
    made = subprocess.run(
        [*command, "init", str(workspace), "--unit", "0010118873", "--name", "济南测试"],
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    done = subprocess.run(
        [*command, "--db", str(workspace), "load", "persons", str(path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "「crafted.xlsx」" in done.stderr
    assert "Traceback" not in done.stderr
