"""The enrolment form (增员申报) in a real browser: Voilà + Playwright + Debian chromium.

Serves ``enrolment_form.ipynb`` with Voilà on 127.0.0.1 (a free port) against a temp
workspace built from :mod:`sbbatch.sample`, fills the form as a person would (by the
labels), clicks 下一步 and 提交, waits for 审核成功, keeps a screenshot in
``out/browser/enrolment_form.png``, stops the server (which frees the DuckDB file)
and checks the declaration and the registry in the workspace.

Run with ``make test-browser``; skipped when chromium, voila or playwright is missing
(``scripts/install_browser.sh`` installs chromium and the CJK fonts from Debian).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sbbatch._mask import mask_id
from sbbatch.store import Workspace

pytestmark = pytest.mark.browser

NOTEBOOK = Path(__file__).with_name("enrolment_form.ipynb")
ARTEFACTS = Path(__file__).resolve().parents[2] / "out" / "browser"
TODAY = dt.date(2026, 11, 26)
START_TIMEOUT_S = 60.0


def test_enrolment_form_in_browser(
    workspace: tuple[Path, str],
    tmp_path: Path,
    serve: Callable[..., Any],
    browser_page: Callable[..., Any],
    person_id_of: Callable[[str], str],
) -> None:
    from playwright.sync_api import expect

    from sbbatch.forms._font import cjk_font_path

    path, unit_id = workspace
    person_id = person_id_of("37010219960315002")  # a woman born 1996-03-15 in 历下区
    cjk_font_path()  # converted once and cached: 打印 in the page must not wait ~30 s for it
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    started = time.monotonic()
    server = serve(
        [
            sys.executable,
            "-m",
            "voila",
            str(NOTEBOOK),
            "--port={port}",
            "--no-browser",
            "--Voila.ip=127.0.0.1",
            "--Voila.port_retries=0",
            "--show_tracebacks=True",
        ],
        env={
            "SBBATCH_WORKSPACE": str(path),
            "SBBATCH_TODAY": TODAY.isoformat(),
            "SBBATCH_OUT": str(path.parent / "forms"),
        },
        cwd=path.parent,
        log=tmp_path / "voila.log",
    )
    try:
        server.wait_ready(START_TIMEOUT_S)
        timings["server"] = time.monotonic() - started
        with browser_page(1250) as page:
            page.goto(server.url, timeout=180_000)  # Voilà runs the notebook first
            expect(page.get_by_role("button", name="下一步")).to_be_enabled(timeout=60_000)
            timings["page"] = time.monotonic() - started

            def type_into(label: str, text: str) -> None:
                box = page.get_by_label(label)
                box.fill(text)
                box.press("Enter")  # text fields report their value on Enter or blur

            type_into("身份证号码", person_id)  # the manual: 录入身份证号码后点击回车
            # 性别, 出生日期 and 户口所在地 come from the ID number
            expect(page.get_by_label("性别")).to_have_value("女")
            expect(page.get_by_label("出生日期")).to_have_value("1996-03-15")
            expect(page.get_by_label("户口所在地县级")).to_have_value("历下区")
            expect(page.get_by_label("增员年月")).not_to_have_value("")

            type_into("姓名", "王晓梅")
            type_into("手机号码", "13812345678")
            page.get_by_label("用工形式").select_option(label="城镇合同制职工")
            type_into("户口所在地补充信息", "泉城路 18 号")
            type_into("通讯地址", "济南市历下区泉城路 18 号")
            page.get_by_label("增加原因").select_option(label="在职人员新参保")
            page.get_by_label("人员类别").select_option(label="城镇制")
            type_into("参加工作日期", "2018-07-01")

            page.get_by_role("button", name="下一步").click()
            expect(page.get_by_text("已录入")).to_be_visible()
            expect(page.get_by_role("button", name="提交")).to_be_enabled()
            page.get_by_role("button", name="提交").click()
            status = page.get_by_role("status")
            expect(status).to_contain_text("审核成功")
            # the result panel masks the ID number and the phone
            expect(page.get_by_text(mask_id(person_id))).to_be_visible()
            expect(page.get_by_text(person_id)).to_have_count(0)
            expect(page.get_by_role("button", name="设为已读")).to_be_enabled()
            page.screenshot(path=str(ARTEFACTS / "enrolment_form.png"), full_page=True)
            page.get_by_role("button", name="打印增员表").click()
            expect(status).to_contain_text("已生成增员表", timeout=120_000)
            page.get_by_role("button", name="设为已读").click()
            expect(status).to_contain_text("已设为已读")
            timings["run"] = time.monotonic() - started
    finally:
        server.stop()
    timings["stopped"] = time.monotonic() - started
    (ARTEFACTS / "timings.txt").write_text(
        "".join(f"{k}\t{v:.1f}s\n" for k, v in timings.items()), encoding="utf-8"
    )

    [printed] = (tmp_path / "forms").glob("增员表_*.pdf")
    assert printed.read_bytes().startswith(b"%PDF")

    with Workspace(path, today=TODAY, read_only=True) as ws:
        declarations = ws.declarations(kind="enrolment", unit_id=unit_id)
        assert declarations.height == 1
        assert declarations["status"][0] == "read"
        rows = ws.declaration_rows(declarations["declaration_id"][0])
        row = rows.row(0, named=True)
        assert row["person_id"] == person_id
        assert row["name"] == "王晓梅"
        assert row["gender"] == "2"
        assert row["birth_date"] == dt.date(1996, 3, 15)
        assert row["hukou_province"] == "山东省"
        assert row["hukou_city"] == "济南市"
        assert row["review_result"] == "1"
        periods = ws.sql("SELECT * FROM insured_periods WHERE person_id = ?", [person_id])
        assert periods.height > 0
        assert set(periods["unit_id"]) == {unit_id}
