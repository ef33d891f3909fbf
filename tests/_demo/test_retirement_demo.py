"""The demo step of 退休管理 and 失业支付 runs end to end on the sample workspace."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import polars as pl
from pypdf import PdfReader

from sbbatch.declarations import get
from sbbatch.declarations._samples import retirement
from sbbatch.demo import run_step
from sbbatch.sample import generate
from sbbatch.spec import DemoStep
from sbbatch.store import Workspace


def test_one_case_per_business(tmp_path: Path) -> None:
    ws = Workspace(today=dt.date(2026, 11, 26))
    generate().load_into(ws)
    lines = dict(run_step(_step(), ws, tmp_path))
    assert lines["单位审定人信息维护"].endswith("审核成功")
    for label in ("退休申报", "遗属申报", "特殊工种认定申报", "军转干申报", "失业待遇申报"):
        assert "审核成功" in lines[label], lines[label]
    assert lines["遗属申报"].endswith("待遇总额 506.00 元")
    assert "领取 12 个月，每月 2160.00 元" in lines["失业待遇申报"]
    assert "*" in lines["退休申报"]  # ID numbers are masked in the lines
    written = {path.name for path in tmp_path.iterdir()}
    assert {
        "退休申报_审核结果.xlsx",
        "遗属申报_审核结果.xlsx",
        "失业待遇申报_审核结果.xlsx",
    } <= written
    (pdf,) = [name for name in written if name.endswith(".pdf")]
    retiree = ws.sql("SELECT person_id FROM retirements")["person_id"][0]
    text = PdfReader(tmp_path / pdf).pages[0].extract_text()
    assert retiree in text and "退休申报表" in text
    sheet = openpyxl.load_workbook(tmp_path / "失业待遇申报_审核结果.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    assert "缴费历史" in rows[1] and rows[-1][0] == "共1人"
    # 退休结清 first (退休申报 is for 已减员结清人员, issue 12), then the six businesses
    assert ws.events().filter(pl.col("action") == "effect").height == 7


def _step() -> DemoStep:
    step = get("approver_info").demo
    assert step is not None
    assert step.run is retirement.run
    return step
