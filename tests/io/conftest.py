"""Fixtures of the io tests: a crafted workbook the xlsx guard must refuse."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import xlsxwriter


@pytest.fixture
def crafted_xlsx() -> Callable[[Path], Path]:
    """Return a maker of a small workbook whose shared strings claim 2,147,483,647 entries
    (calamine would try to reserve them all and abort the interpreter)."""

    def make(path: Path) -> Path:
        source = path.with_name(f"{path.stem}_genuine.xlsx")
        workbook = xlsxwriter.Workbook(source)
        workbook.add_worksheet("人员").write_row(0, 0, ["姓名", "社会保障号码"])
        workbook.close()
        with (
            zipfile.ZipFile(source) as old,
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new,
        ):
            for info in old.infolist():
                data = old.read(info)
                if info.filename == "xl/sharedStrings.xml":
                    data = re.sub(rb'uniqueCount="\d+"', b'uniqueCount="2147483647"', data)
                new.writestr(info.filename, data)
        return path

    return make
