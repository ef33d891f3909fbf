"""The demo step of 门规 / 居民医疗停保 / 离休 / 灵活就业 runs end to end on the sample workspace."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

from pypdf import PdfReader

from sbbatch.declarations import get
from sbbatch.declarations._samples import outpatient
from sbbatch.declarations.outpatient_disease import ROSTER
from sbbatch.demo import run_step
from sbbatch.sample import generate
from sbbatch.spec import DemoStep
from sbbatch.store import Workspace


def test_four_businesses(tmp_path: Path) -> None:
    ws = Workspace(today=dt.date(2026, 11, 26))
    generate().load_into(ws)
    lines = dict(run_step(_step(), ws, tmp_path))
    assert lines["门诊规定病种申请"].endswith("审核成功")
    assert lines["居民医疗停保"].endswith("审核成功")
    assert lines["离休人员医疗申报"].startswith("LX")
    # the sample holds no 离休 person: shown 不通过 on purpose (issue 12)
    assert "不通过" in lines["离休人员医疗申报"]
    assert "示范不通过" in lines["离休人员医疗申报"]
    assert "补扣 914.60 元" in lines["灵活就业人员补扣养老费"]
    pdfs = sorted(path for path in tmp_path.iterdir() if path.suffix == ".pdf")
    assert len(pdfs) == 2
    texts = ["".join(p.extract_text() for p in PdfReader(path).pages) for path in pdfs]
    assert any("门诊规定病种申请确认表" in text and "999993" in text for text in texts)
    assert any("花名册（门规大病）" in text for text in texts)
    # the refused 离休 row goes back to a new 录入 when the result is read (manual 设为已读)
    statuses = ws.sql("SELECT kind, status FROM declarations ORDER BY declaration_id").rows()
    assert {s for _, s in statuses} == {"read", "draft"}
    assert [k for k, s in statuses if s == "draft"] == ["retiree_medical"]
    assert ws.sql("SELECT count(*) AS n FROM resident_medical_stops")["n"][0] == 1
    assert ws.sql("SELECT count(*) AS n FROM retiree_medical_records")["n"][0] == 0


def _step() -> DemoStep:
    step = get("outpatient_disease").demo
    assert step is not None
    # the business hands its 花名册 form to its sample (the sample may not import it back)
    assert isinstance(step.run, partial)
    assert step.run.func is outpatient.run
    assert step.run.keywords == {"roster": ROSTER}
    return step
