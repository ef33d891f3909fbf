"""The demo step of 增员/减员 runs end to end on the sample workspace."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import polars as pl

from sbbatch.declarations import get
from sbbatch.declarations._samples import enrolment
from sbbatch.demo import run_step
from sbbatch.sample import generate
from sbbatch.spec import DemoStep
from sbbatch.store import Workspace


def test_the_month_of_enrolment_and_departure(tmp_path: Path) -> None:
    ws = Workspace(today=dt.date(2026, 11, 26))
    generate().load_into(ws)
    lines = dict(run_step(_step(), ws, tmp_path))
    assert lines["增减员受理年月"].startswith("2026-12")
    assert "共30人，审核成功 27 人，不通过 3 人" in lines["批量增员申报"]
    assert "共1人，审核成功 1 人" in lines["增员重报（修改增员年月）"]
    assert "共4人，审核成功 4 人" in lines["批量减员申报"]
    assert lines["减员原因变更"].endswith("单位减员原因变更成功")
    written = {path.name for path in tmp_path.iterdir()}
    assert {"增员_报盘.xlsx", "增员申报_审核结果.xlsx", "减员申报_审核结果.xlsx"} <= written
    assert {"增员申报_重报_审核结果.xlsx", "减员原因变更_审核结果.xlsx"} <= written
    assert sum(name.endswith(".pdf") for name in written) == 3
    sheet = openpyxl.load_workbook(tmp_path / "增员申报_审核结果.xlsx").active
    assert list(sheet.iter_rows(values_only=True))[-1][0] == "共30人"
    statuses = ws.sql(
        "SELECT status, count(*) AS n FROM declarations GROUP BY status ORDER BY status"
    )
    assert statuses.rows() == [("read", 4)]
    assert ws.events().filter(pl.col("action") == "effect").height == 4


def _step() -> DemoStep:
    step = get("enrolment").demo
    assert step is not None
    assert step.run is enrolment.run
    return step
