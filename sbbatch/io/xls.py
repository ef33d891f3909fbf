"""Writing legacy .xls (Excel 97-2003, BIFF8), the format of the agency's downloads.

The manual shows the agency's files as ``.xls`` (「缴费基数报盘文件[1].xls [兼容模式]」);
some offices still upload in that format. :func:`write_text_sheet` writes a frame of text
as .xls: every cell a text cell with the ``@`` format (so IDs and codes stay text, and a
value beginning with ``=`` is a label, never a formula), required headers in red with
``*``, a frozen header, and an optional 填写说明 sheet. A .xls sheet holds at most
65,536 rows and 256 columns; larger tables are refused with a hint to use .xlsx.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Final

import polars as pl
import xlwt

from sbbatch._files import atomic_path
from sbbatch.exceptions import UnusableInputError

__all__ = ["XLS_MAX_COLUMNS", "XLS_MAX_ROWS", "write_text_sheet"]

#: Rows of a BIFF8 sheet (the header included).
XLS_MAX_ROWS: Final = 65_536
#: Columns of a BIFF8 sheet.
XLS_MAX_COLUMNS: Final = 256
#: Characters of a BIFF8 cell.
_CELL_MAX: Final = 32_767
#: Characters of a sheet name.
_SHEET_NAME_MAX: Final = 31

_TEXT = xlwt.easyxf("", num_format_str="@")
_HEADER = xlwt.easyxf(
    "font: bold on; pattern: pattern solid, fore_colour gray25", num_format_str="@"
)
_REQUIRED = xlwt.easyxf(
    "font: bold on, colour red; pattern: pattern solid, fore_colour gray25", num_format_str="@"
)


def _check_size(frame: pl.DataFrame, path: Path) -> None:
    if frame.height + 1 > XLS_MAX_ROWS or frame.width > XLS_MAX_COLUMNS:
        msg = (
            f"{path.name} 有 {frame.height} 行 {frame.width} 列，超出 .xls 格式的上限"
            f"（{XLS_MAX_ROWS - 1} 行、{XLS_MAX_COLUMNS} 列）。提示：请改存为 .xlsx。"
        )
        raise UnusableInputError(msg)


def _sheet(book: xlwt.Workbook, name: str) -> xlwt.Worksheet:
    return book.add_sheet(name[:_SHEET_NAME_MAX], cell_overwrite_ok=False)


def _write(sheet: xlwt.Worksheet, frame: pl.DataFrame, required: Collection[str]) -> None:
    texts = frame.cast(pl.String)
    for c, name in enumerate(frame.columns):
        header = f"*{name}" if name in required else name
        sheet.write(0, c, header, _REQUIRED if name in required else _HEADER)
        longest = texts.get_column(name).head(1000).str.len_bytes().fill_null(0).max()
        width = max(len(header.encode("gbk", "replace")), int(str(longest or 0)) * 2 // 3, 8)
        sheet.col(c).width = min(256 * (width + 2), 256 * 50)
    for r, row in enumerate(texts.iter_rows(), start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            sheet.write(r, c, value[:_CELL_MAX], _TEXT)
    sheet.set_panes_frozen(True)
    sheet.set_horz_split_pos(1)


def write_text_sheet(
    frame: pl.DataFrame,
    path: str | Path,
    *,
    sheet: str = "Sheet1",
    required: Collection[str] = (),
    guide: Mapping[str, pl.DataFrame] | None = None,
) -> Path:
    """Write ``frame`` (every value as its text) to a .xls file.

    Args:
        frame: The rows; column names are the headers.
        path: The .xls file to create.
        sheet: The data sheet's name.
        required: Headers shown in red with a leading ``*``.
        guide: Further sheets (e.g. 填写说明), by name.

    Returns:
        The path written.

    Example:
        >>> import tempfile, python_calamine
        >>> path = write_text_sheet(pl.DataFrame({"身份证号码": ["370103198310135672"],
        ...     "备注": ["=1+1"]}), tempfile.mkdtemp() + "/a.xls", required={"身份证号码"})
        >>> python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        [['*身份证号码', '备注'], ['370103198310135672', '=1+1']]
    """
    target = Path(path)
    _check_size(frame, target)
    book = xlwt.Workbook(encoding="utf-8")
    _write(_sheet(book, sheet), frame, set(required))
    for name, extra in (guide or {}).items():
        _check_size(extra, target)
        _write(_sheet(book, name), extra, ())
    with atomic_path(target) as part:  # written beside the target, renamed when whole
        book.save(str(part))
    return target
