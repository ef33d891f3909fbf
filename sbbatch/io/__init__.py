"""Files in and out (文件读写): reading batch files and normalising their values.

:func:`read_table` reads an xlsx, xls, csv or parquet batch file (报盘) with every
cell as text and the sheet's own row numbers; the expressions of
:mod:`sbbatch.io.normalise` turn that text into typed values, null where a value
cannot be parsed. :func:`read_ahead` starts the xlsx guard of a file and the load of its
sheet in a worker thread (a command does while it starts up); ``read_table`` of that
file takes what they found.
"""

from __future__ import annotations

from sbbatch.io.normalise import (
    clean_text,
    is_excel_serial,
    parse_bool_zh,
    parse_date,
    parse_gender,
    parse_int,
    parse_money_fen,
    parse_month,
    to_halfwidth,
)
from sbbatch.io.read import RawTable, header_key, read_ahead, read_table

__all__ = [
    "RawTable",
    "clean_text",
    "header_key",
    "is_excel_serial",
    "parse_bool_zh",
    "parse_date",
    "parse_gender",
    "parse_int",
    "parse_money_fen",
    "parse_month",
    "read_ahead",
    "read_table",
    "to_halfwidth",
]
