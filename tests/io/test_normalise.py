"""Tests of the value normalisers: every accepted form, and what becomes null."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import polars as pl
import pytest

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


def apply(function: Callable[[pl.Expr | str], pl.Expr], cases: dict[str | None, Any]) -> None:
    """Check ``function`` maps every key of ``cases`` to its value, in one frame."""
    frame = pl.DataFrame({"value": list(cases)}, schema={"value": pl.String})
    result = frame.select(function("value"))
    assert result.columns == ["value"]  # the input's name is kept
    assert dict(zip(cases, result.to_series().to_list(), strict=True)) == cases


def test_to_halfwidth() -> None:
    apply(
        to_halfwidth,
        {
            "ＡＢＣａｂｃ０１２": "ABCabc012",
            "（张三）：１２３": "(张三):123",
            "张\u3000三": "张 三",
            "，。、": ",。、",  # only U+FF01..FF5E change; 。、 are not in that block
            "￥５０００": "￥5000",
            "": "",
            None: None,
        },
    )


def test_clean_text() -> None:
    apply(
        clean_text,
        {
            "  张三  ": "张三",
            "张\u3000\u3000三": "张 三",
            "a\t\nb": "a b",
            "Ｌｉ\u200bＳｉ\ufeff": "LiSi",
            "\u3000 \t": None,
            "": None,
            None: None,
        },
    )


def test_parse_month_accepts() -> None:
    april = dt.date(2019, 4, 1)
    apply(
        parse_month,
        {
            "2019-04": april,
            "2019-4": april,
            "201904": april,
            "2019/4": april,
            "2019/04": april,
            "2019.4": april,
            "2019年4月": april,
            "2019 年 4 月": april,
            "2019年04月01日": april,
            "2019-04-01": april,
            "2019-04-30": april,
            "20190430": april,
            "2019-04-01 00:00:00": april,
            "2019/4/1 8:30": april,
            "2019-04-01T08:30:00.5": april,
            "43556": april,
            "43585": april,
            "２０１９－０４": april,
            " 2019-04 ": april,
        },
    )


def test_parse_month_rejects() -> None:
    apply(
        parse_month,
        {
            "2019-13": None,
            "2019-00": None,
            "201913": None,
            "2019-02-30": None,
            "2019": None,  # a year alone is neither a month nor a serial
            "19-04": None,
            "1899-12": None,
            "2101-01": None,
            "999": None,
            "100000": None,
            "2019-04-01 25:00": None,
            "四月": None,
            "": None,
            None: None,
        },
    )


def test_parse_date() -> None:
    birthday = dt.date(1983, 10, 13)
    apply(
        parse_date,
        {
            "1983-10-13": birthday,
            "1983/10/13": birthday,
            "1983/1/3": dt.date(1983, 1, 3),
            "19831013": birthday,
            "1983年10月13日": birthday,
            "1983.10.13": birthday,
            "1983-10-13 00:00:00": birthday,
            "1983-10-13 08:30:00": birthday,
            "30602": birthday,
            "１９８３－１０－１３": birthday,
            "1900-01-01": dt.date(1900, 1, 1),
            "2000-02-29": dt.date(2000, 2, 29),
            # failures
            "1983-10": None,
            "198310": None,
            "1983-02-29": None,
            "1983-10-32": None,
            "1983-13-01": None,
            "1983年10月": None,
            "1850-01-01": None,
            "83-10-13": None,
            "1983": None,
            "abc": None,
            None: None,
        },
    )


def test_excel_serial_edges() -> None:
    apply(
        parse_date,
        {
            "1000": dt.date(1902, 9, 26),  # the smallest 4-digit serial
            "1899": dt.date(1905, 3, 13),  # below the year range: a serial
            "1900": None,  # a plausible year typed alone
            "2100": None,
            "2101": dt.date(1905, 10, 1),
            "73415": dt.date(2100, 12, 31),  # the last serial in range
            "73416": None,
        },
    )
    apply(
        is_excel_serial,
        {
            "30602": True,
            "１８２６３": True,
            " 43556 ": True,
            "1983": False,
            "1983-10-13": False,
            "19831013": False,
            "999": False,
            "73416": False,
            "30602.5": False,
            None: False,
        },
    )


def test_parse_money_fen() -> None:
    apply(
        parse_money_fen,
        {
            "5000": 500000,
            "5000.00": 500000,
            "5,000.00": 500000,
            "1,234,567.89": 123456789,
            "5000.5": 500050,
            "5000.05": 500005,
            "5000.": 500000,
            "￥5000": 500000,
            "¥5,000.00": 500000,
            "5000元": 500000,
            "5000.50元": 500050,
            "￥ 5000.50 元": 500050,
            "５，０００．０１": 500001,
            " 5000 ": 500000,
            "0": 0,
            "0.01": 1,
            "-12.34": -1234,
            "+12.34": 1234,
            "￥-12": -1200,
            "-￥12": -1200,
            "999999999999999.99": 99999999999999999,  # exact: no float in the way
            # failures
            "5000.001": None,
            "5000.123": None,
            "5,00": None,
            "50,00.00": None,
            "5000,00": None,
            "1e3": None,
            ".5": None,
            "--5": None,
            "5 000": None,
            "-￥-5": None,
            "1000000000000000": None,  # 16 digits of yuan: out of range, not wrapped
            "五千": None,
            "": None,
            None: None,
        },
    )


def test_parse_money_fen_is_exact_where_float_is_not() -> None:
    frame = pl.DataFrame({"a": ["0.29", "1.15", "4523.40", "19999999.99"]})
    fen = frame.select(parse_money_fen("a")).to_series().to_list()
    assert fen == [29, 115, 452340, 1999999999]
    assert int(0.29 * 100) == 28  # the float route this avoids


def test_parse_gender() -> None:
    apply(
        parse_gender,
        {
            "男": "1",
            "男性": "1",
            "1": "1",
            "１": "1",
            " 男 ": "1",
            "女": "2",
            "女性": "2",
            "2": "2",
            "M": None,
            "F": None,
            "0": None,
            "9": None,
            "男女": None,
            "": None,
            None: None,
        },
    )


def test_parse_int() -> None:
    apply(
        parse_int,
        {
            "12": 12,
            "-3": -3,
            "+4": 4,
            "007": 7,
            "1,000": 1000,
            "１２": 12,
            "12.0": 12,
            "12.00": 12,
            "12.5": None,
            "1,00": None,
            "1e3": None,
            "12个": None,
            "9" * 19: None,
            "": None,
            None: None,
        },
    )


def test_parse_bool_zh() -> None:
    apply(
        parse_bool_zh,
        {
            "是": True,
            "否": False,
            "Y": True,
            "y": True,
            "N": False,
            "yes": True,
            "NO": False,
            "1": True,
            "0": False,
            "true": True,
            "FALSE": False,
            "Ｙ": True,
            "对": None,
            "2": None,
            "": None,
            None: None,
        },
    )


@pytest.mark.parametrize(
    ("function", "dtype"),
    [
        (to_halfwidth, pl.String),
        (clean_text, pl.String),
        (parse_month, pl.Date),
        (parse_date, pl.Date),
        (is_excel_serial, pl.Boolean),
        (parse_money_fen, pl.Int64),
        (parse_gender, pl.String),
        (parse_int, pl.Int64),
        (parse_bool_zh, pl.Boolean),
    ],
)
def test_result_types_even_when_everything_is_null(
    function: Callable[[pl.Expr | str], pl.Expr], dtype: pl.DataType
) -> None:
    frame = pl.DataFrame({"v": [None, None]}, schema={"v": pl.String})
    assert frame.select(function(pl.col("v"))).schema == pl.Schema({"v": dtype})
    assert frame.lazy().select(function("v")).collect_schema() == pl.Schema({"v": dtype})
