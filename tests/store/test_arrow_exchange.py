"""Frames to and from the workspace through the Arrow C stream: as through pyarrow, without it."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal

import polars as pl

from sbbatch.store import Workspace

FRAME = pl.DataFrame(
    {
        "text": ["甲", None, "370102199001011231"],
        "number": [1, None, 3],
        "small": pl.Series([1, 2, None], dtype=pl.Int32),
        "fen": pl.Series([Decimal("1.50"), None, Decimal("0.01")], dtype=pl.Decimal(18, 2)),
        "month": [dt.date(2026, 1, 1), None, dt.date(1998, 9, 1)],
        "at": [dt.datetime(2026, 11, 26, 8, 30), None, dt.datetime(2000, 1, 1)],
        "flag": [True, None, False],
        "share": [0.5, None, 1.25],
        "codes": [["1", "2"], None, []],
        "label": pl.Series(["城镇制", "农民工", None], dtype=pl.Categorical),
    }
)

QUERIES = (
    "SELECT * FROM _frame",
    "SELECT text, number FROM _frame WHERE number > 1",
    "SELECT sum(number) AS total, count(*) AS n, avg(share) AS mean, list(text) AS texts "
    "FROM _frame",
    "SELECT a.text, b.month FROM _frame a JOIN _frame b USING (number) ORDER BY a.text",
    "SELECT * FROM _frame WHERE false",
    "SELECT 1::HUGEINT AS big, 'a'::ENUM('a', 'b') AS e, {'k': 1} AS s, "
    "TIMESTAMPTZ '2020-01-01 00:00:00+00' AS tz, 1::UBIGINT AS u",
)


def test_registered_frames_read_as_through_pyarrow(ws: Workspace) -> None:
    con = ws._con
    for query in QUERIES:
        with ws.registered(_frame=FRAME):
            ours = ws.sql(query)
        con.register("_frame", FRAME.to_arrow())
        try:
            theirs = con.sql(query).pl()
        finally:
            con.unregister("_frame")
        assert ours.schema == theirs.schema, query
        assert ours.equals(theirs), query


def test_a_frame_with_an_all_null_column_is_read(ws: Workspace) -> None:
    """DuckDB refuses polars' stream of a ``pl.Null`` column: such a frame goes by pyarrow."""
    frame = FRAME.with_columns(pl.lit(None).alias("nothing"))
    assert frame.schema["nothing"] == pl.Null
    with ws.registered(_frame=frame):
        assert ws.sql("SELECT * FROM _frame").equals(frame)


def test_a_registered_frame_is_scanned_as_often_as_asked(ws: Workspace) -> None:
    with ws.registered(_frame=FRAME):
        first = ws.sql("SELECT count(*) AS n FROM _frame")["n"][0]
        both = ws.sql("SELECT (SELECT count(*) FROM _frame) + (SELECT count(*) FROM _frame) AS n")
        ws.execute("CREATE TEMP TABLE _copy AS SELECT text, month FROM _frame")
    assert first == 3
    assert both["n"][0] == 6
    assert ws.sql("SELECT * FROM _copy").equals(FRAME.select("text", "month"))


def test_a_table_reads_back_with_its_types(ws: Workspace) -> None:
    assert ws.table("units").schema == ws._con.sql("SELECT * FROM units").pl().schema
    assert ws.table("units").equals(ws._con.sql("SELECT * FROM units").pl())


def test_loading_a_unit_imports_neither_pyarrow_nor_numpy(tmp_path: object) -> None:
    code = (
        "import sys, datetime as dt, polars as pl\n"
        "from sbbatch.store import Workspace\n"
        "from sbbatch.unit_files import load\n"
        "ws = Workspace(today=dt.date(2026, 11, 26))\n"
        "frame = pl.DataFrame({'单位编号': ['0010118873'], '单位名称': ['济南示例有限公司'],\n"
        "    '行业风险类别': ['1'], '缴费方式': ['银行代扣']})\n"
        "assert load(ws, 'unit', frame).added == 1\n"
        "assert load(ws, 'unit', frame).unchanged == 1\n"
        "print('pyarrow' in sys.modules, 'numpy' in sys.modules)\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert shown == ["False", "False"]
