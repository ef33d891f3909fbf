"""The demo step of the 其他申报 runs end to end on the sample workspace."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pypdf import PdfReader

from sbbatch.declarations import get
from sbbatch.declarations._samples import other
from sbbatch.demo import run_step
from sbbatch.sample import generate
from sbbatch.spec import DemoStep
from sbbatch.store import Workspace


def test_the_other_filings(tmp_path: Path) -> None:
    ws = Workspace(today=dt.date(2026, 11, 26))
    generate().load_into(ws)
    lines = run_step(_step(), ws, tmp_path)
    summary = dict(lines)
    # the sample's units are years old: not 新开户单位, rejected on purpose (issue 12)
    assert summary["医疗账户补助金申报"].endswith("审核成功 0 人，不通过 3 人")
    rejected = [text for label, text in lines if label == "　不通过"]
    assert rejected and "不属于新开户单位" in rejected[0]
    assert "不通过 0 人" in summary["自助终端专管员维护"]
    assert summary["打印单位参保人员缴费证明"].endswith("审核成功 2 人，不通过 0 人，打印 2 份")
    written = sorted(path.name for path in tmp_path.iterdir())
    certificates = [
        name for name in written if name.startswith("缴费证明_") and name.endswith(".pdf")
    ]
    assert len(certificates) == 2
    text = PdfReader(tmp_path / certificates[0]).pages[0].extract_text()
    assert "社保缴费证明" in text and "2026-10" in text and "子女入学" in text
    assert not any(name.startswith("医疗账户补助金_申报表_") for name in written)
    assert ws.table("medical_account_subsidies").height == 0
    assert ws.table("payment_certificates").height == 2


def _step() -> DemoStep:
    step = get("payment_certificate").demo
    assert step is not None
    assert step.run is other.run
    return step
