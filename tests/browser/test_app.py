"""The web app (``sbbatch app``) in a real browser: Voilà + Playwright + Debian chromium.

Starts ``sbbatch --db WS app`` (the command itself, a free port) on a temp workspace
built from :mod:`sbbatch.sample`, then, as an analyst would: uploads the messy 增员
报盘 of ``sample_data/batches`` and sees its error rows and messages, declares and
reviews the rows that passed (simulated), fills the 增员申报 form of the 单笔申报 tab
by its labels, submits it, prints it and downloads the PDF, and browses 申报业务 in
信息查询. Screenshots of each tab go to ``out/browser/app_*.png`` (the README's come
from here). Skipped, saying why, where chromium, voila or playwright is missing
(``scripts/install_browser.sh`` installs chromium and the CJK fonts from Debian).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from sbbatch import check
from sbbatch._mask import mask_text
from sbbatch.store import Workspace

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
MESSY = ROOT / "sample_data" / "batches" / "enrolment_messy.xlsx"
ARTEFACTS = ROOT / "out" / "browser"
TODAY = dt.date(2026, 11, 26)
START_TIMEOUT_S = 180.0


def test_app_in_browser(
    workspace: tuple[Path, str],
    tmp_path: Path,
    serve: Callable[..., Any],
    browser_page: Callable[..., Any],
    person_id_of: Callable[[str], str],
) -> None:
    from playwright.sync_api import expect

    from sbbatch.forms._font import cjk_font_path

    path, unit_id = workspace
    person_id = person_id_of("37010219950820002")  # a woman born 1995-08-20 in 历下区
    checked = check(MESSY, today=TODAY)
    assert checked.rejected.height > 0
    message = mask_text(checked.failures.filter(pl.col("level") == "reject")["message"][0])
    cjk_font_path()  # converted once and cached: 打印 in the page must not wait for it
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    downloaded = tmp_path / "downloaded.pdf"
    app = serve(
        [
            sys.executable,
            "-m",
            "sbbatch.cli",
            "app",
            "--db",
            str(path),
            "--port={port}",
            f"--today={TODAY.isoformat()}",
            f"--out={tmp_path / 'app-out'}",
            "--no-browser",
        ],
        env={},
        cwd=path.parent,
        log=tmp_path / "app.log",
    )
    try:
        app.wait_ready(START_TIMEOUT_S)
        with browser_page(1100) as page:
            page.goto(app.url, timeout=180_000)  # Voilà runs the notebook first
            expect(page.get_by_role("tab", name="报盘检查")).to_be_visible(timeout=90_000)

            # 报盘检查: upload, see the error rows, declare and review what passed
            with page.expect_file_chooser() as chooser:
                page.get_by_role("button", name="选择报盘文件").click()
            chooser.value.set_files(str(MESSY))
            status = page.get_by_role("status").first
            expect(status).to_contain_text(
                f"共 {checked.rows_read} 行，{checked.rejected.height} 行有错误"
            )
            expect(page.get_by_text(message).first).to_be_visible()
            expect(page.get_by_role("link", name="下载错误报告")).to_be_visible()
            page.screenshot(path=str(ARTEFACTS / "app_check.png"), full_page=True)
            page.get_by_role("button", name="申报并审核（模拟）").click()
            expect(page.get_by_text("行已审核")).to_be_visible(timeout=60_000)

            # 单笔申报: the 增员申报 form, submitted, printed and downloaded
            page.get_by_role("tab", name="单笔申报").click()
            page.get_by_label("业务", exact=True).select_option(label="增员申报")

            def type_into(label: str, text: str) -> None:
                box = page.get_by_label(label, exact=True)
                box.fill(text)
                box.press("Enter")  # text fields report their value on Enter or blur

            type_into("身份证号码", person_id)
            expect(page.get_by_label("出生日期", exact=True)).to_have_value("1995-08-20")
            type_into("姓名", "李雪")
            type_into("手机号码", "13912345678")
            page.get_by_label("用工形式", exact=True).select_option(label="城镇合同制职工")
            type_into("户口所在地补充信息", "经十路 66 号")
            type_into("通讯地址", "济南市历下区经十路 66 号")
            page.get_by_label("增加原因", exact=True).select_option(label="在职人员新参保")
            page.get_by_label("人员类别", exact=True).select_option(label="城镇制")
            type_into("参加工作日期", "2017-07-01")
            page.get_by_role("button", name="下一步").click()
            expect(page.get_by_role("button", name="提交")).to_be_enabled()
            page.get_by_role("button", name="提交").click()
            expect(page.get_by_role("status").filter(has_text="审核成功")).to_be_visible()
            expect(page.get_by_text(person_id)).to_have_count(0)  # masked on the page
            page.get_by_role("button", name="打印增员表").click()
            link = page.get_by_role("link", name="下载增员表")
            expect(link).to_be_visible(timeout=120_000)
            page.screenshot(path=str(ARTEFACTS / "app_form.png"), full_page=True)
            with page.expect_download() as download_info:
                link.click()
            download_info.value.save_as(str(downloaded))

            # 信息查询: 申报业务 lists both declarations
            page.get_by_role("tab", name="信息查询").click()
            page.get_by_label("查询", exact=True).select_option(label="申报业务")
            expect(page.get_by_text("申报业务（2 条）")).to_be_visible()
            page.screenshot(path=str(ARTEFACTS / "app_queries.png"), full_page=True)
    finally:
        app.stop()
        print((tmp_path / "app.log").read_text(encoding="utf-8")[-4000:])  # shown on failure

    assert downloaded.read_bytes().startswith(b"%PDF")
    with Workspace(path, today=TODAY, read_only=True) as ws:
        declared = ws.declarations(unit_id=unit_id).sort("declaration_id")
        assert declared.height == 2
        assert set(declared["status"]) == {"reviewed"}
        single = ws.declaration_rows(declared["declaration_id"][1])
        assert single["person_id"].to_list() == [person_id]
        assert single["review_result"].to_list() == ["1"]
        batch_rows = ws.declaration_rows(declared["declaration_id"][0])
        assert batch_rows.height == checked.accepted.height
