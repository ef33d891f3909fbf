"""The demo step of 退休结清 and the 行业统筹 businesses runs end to end on the sample workspace."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pypdf import PdfReader

from sbbatch.declarations import get
from sbbatch.declarations._samples import pooled
from sbbatch.demo import run_step
from sbbatch.sample import generate
from sbbatch.spec import DemoStep
from sbbatch.store import Workspace


def test_settlement_and_pooled(tmp_path: Path) -> None:
    ws = Workspace(today=dt.date(2026, 11, 26))
    generate().load_into(ws)
    lines = run_step(_step(), ws, tmp_path)
    summary = dict(lines)
    assert summary["退休结清"].endswith("审核成功 1 人，不通过 0 人")
    assert summary["核对行业统筹人员基本信息"].endswith("审核成功 3 人，不通过 0 人")
    assert summary["核对行业统筹人员养老金"].endswith("审核成功 3 人，不通过 0 人")
    assert summary["撤销行业统筹人员养老金认定"].endswith("审核成功 1 人，不通过 0 人")
    assert summary["撤销行业统筹人员基本信息认定"].endswith("审核成功 1 人，不通过 0 人")
    assert summary["行业统筹认定"] == "基本信息已认定 2 人，养老金已认定 2 人"
    settled = ws.table("retirement_settlements").row(0, named=True)
    forms = [p for p in tmp_path.iterdir() if p.name.startswith("养老缴费基本信息表_")]
    assert len(forms) == 1
    text = PdfReader(forms[0]).pages[0].extract_text()
    assert settled["person_id"] in text and "累计缴费月数" in text and "2026-11-26" in text
    assert len(list(tmp_path.glob("*_审核结果.xlsx"))) == 5
    assert all("*" in result for _, result in lines if "（3" in result)


def _step() -> DemoStep:
    step = get("retirement_settlement").demo
    assert step is not None
    assert step.run is pooled.run
    return step
