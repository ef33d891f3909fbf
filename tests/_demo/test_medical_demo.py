"""The demo step of 异地人员备案 / 撤销异地人员备案 runs end to end on the sample workspace."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pypdf import PdfReader

from sbbatch.declarations import get
from sbbatch.declarations._samples import medical
from sbbatch.demo import run_step
from sbbatch.sample import generate
from sbbatch.spec import DemoStep
from sbbatch.store import Workspace


def test_remote_filing_and_its_revocation(tmp_path: Path) -> None:
    ws = Workspace(today=dt.date(2026, 11, 26))
    generate().load_into(ws)
    lines = dict(run_step(_step(), ws, tmp_path))
    assert lines["异地人员备案"].endswith("审核成功")
    assert "江苏省泰州市" in lines["异地人员备案"]
    assert lines["撤销异地人员备案"].endswith("审核成功")
    filings = ws.sql("SELECT end_reason FROM remote_filings ORDER BY filing_id")
    assert filings["end_reason"].to_list() == [None, "revoked"]
    pdfs = sorted(path for path in tmp_path.iterdir() if path.suffix == ".pdf")
    assert len(pdfs) == 2
    texts = ["".join(p.extract_text() for p in PdfReader(path).pages) for path in pdfs]
    assert any("异地人员备案表" in text and "江苏省泰州市" in text for text in texts)
    assert any("异地人员备案注销表" in text and "镇江市丹阳市" in text for text in texts)
    statuses = ws.sql("SELECT DISTINCT status FROM declarations")["status"].to_list()
    assert statuses == ["read"]


def _step() -> DemoStep:
    step = get("remote_filing").demo
    assert step is not None
    assert step.run is medical.run
    return step
