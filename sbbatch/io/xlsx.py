"""Writing xlsx workbooks: frames, batch templates (报盘模板), error reports, results.

The code lives in three modules — :mod:`sbbatch.io._xlsx_writer` (workbooks, formats,
columns, tables, :func:`write_frame`), :mod:`sbbatch.io._xlsx_templates` (templates) and
:mod:`sbbatch.io._xlsx_reports` (error reports, results) — and is imported from here.

Every workbook sbbatch writes is created by :func:`open_workbook`, which switches off
xlsxwriter's guessing: a value that begins with ``=``, ``+``, ``-`` or ``@`` is written
as a text cell, never as a formula; numeric-looking text (``0012345``, an 18-digit ID
number) stays text; and nothing becomes a hyperlink. Files of more than
:data:`CONSTANT_MEMORY_ROWS` rows are streamed row by row (``constant_memory``).

Cell values are decided by the frame's dtypes, not guessed from the text:

- String columns are written with ``write_string``; ``text_columns`` also get the text
  number format ``@`` on the whole column, so what a user types there later stays text.
- Date columns become Excel dates (``yyyy-mm-dd``); dates Excel cannot show (before
  1900-03-01) are written as ISO text instead of being lost.
- Money columns hold integer fen and are written as yuan with two decimals. The number
  is handed to the file as the exact decimal text (``Decimal``), so ``69`` fen is
  stored as ``0.69``, not as the float ``0.6899999999999999``. Money stays a number,
  not text, so a user can still sum it in Excel; the format shows the two decimals.
- Integers of 16 digits or more are written as text: Excel keeps 15 significant
  digits and would silently change them.

Column widths count a Chinese character as two: widths are in Excel's units of one
Latin digit, and a CJK glyph is about two digits wide.
"""

from __future__ import annotations

from sbbatch.io._xlsx_reports import write_error_report, write_result
from sbbatch.io._xlsx_templates import (
    guide_frame,
    template_frame,
    write_template,
    write_template_text,
)
from sbbatch.io._xlsx_writer import (
    CONSTANT_MEMORY_ROWS,
    EXCEL_MAX_ROWS,
    TEMPLATE_ROWS,
    display_width,
    open_workbook,
    text_width,
    write_frame,
)

__all__ = [
    "CONSTANT_MEMORY_ROWS",
    "EXCEL_MAX_ROWS",
    "TEMPLATE_ROWS",
    "display_width",
    "guide_frame",
    "open_workbook",
    "template_frame",
    "text_width",
    "write_error_report",
    "write_frame",
    "write_result",
    "write_template",
    "write_template_text",
]
