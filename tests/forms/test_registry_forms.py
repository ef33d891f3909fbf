"""Tests of the printed 增员表 / 减员表: content, pages, and text that extracts as printed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pdfplumber
import polars as pl
import pytest
from pypdf import PdfReader
from stdnum.cn import ric

from sbbatch.declarations.enrolment import FORM
from sbbatch.exceptions import UnusableInputError
from sbbatch.forms.printer import form_rows, print_form
from sbbatch.review import declare, review
from sbbatch.spec import FormTable
from sbbatch.store import Workspace

UNIT = "0010118873"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙"
GIVEN = ["伟", "芳", "娜", "秀英", "敏"]


def _id(number: int) -> str:
    born = dt.date(1980, 1, 1) + dt.timedelta(days=97 * number)
    first17 = f"370102{born:%Y%m%d}{100 + number:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def _enrolment(count: int, month: str = "2026-12") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "身份证号码": [_id(n) for n in range(count)],
            "姓名": [
                SURNAMES[n % 12] + GIVEN[n % 5] + ("甲乙丙丁戊"[n // 12 % 5]) for n in range(count)
            ],
            "用工形式": ["城镇合同制职工"] * count,
            "增加原因": ["在职人员新参保"] * count,
            "增员年月": [month] * count,
            "人员类别": ["城镇制"] * count,
        }
    )


def _reviewed(ws: Workspace, rows: pl.DataFrame, kind: str = "enrolment") -> str:
    did = declare(ws, rows, UNIT, kind=kind)
    ws.submit(did)
    review(ws, did)
    return did


def _texts(path: Path) -> tuple[str, str]:
    by_pypdf = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    with pdfplumber.open(path) as pdf:
        by_plumber = "\n".join(page.extract_text() or "" for page in pdf.pages)
    return by_pypdf, by_plumber


def test_enrolment_form_extracts_as_printed_over_several_pages(
    ws: Workspace, tmp_path: Path
) -> None:
    rows = _enrolment(60)
    did = _reviewed(ws, rows)
    path = print_form(ws, did, tmp_path / "增员表.pdf")
    pages = len(PdfReader(path).pages)
    assert pages >= 3
    for text in _texts(path):
        for name, person_id in zip(rows["姓名"], rows["身份证号码"], strict=True):
            assert name in text
            assert person_id in text
        assert "共60人" in text
        assert "增员表" in text
        assert "济南测试科技有限公司" in text
        assert UNIT in text
        assert did in text
        assert "经办人（签字）" in text and "单位（盖章）" in text
        assert f"第 1 页 共 {pages} 页" in text
        assert f"第 {pages} 页 共 {pages} 页" in text
        assert text.count("身份证号码") >= pages - 1  # the header repeats on every table page


def test_only_approved_rows_are_printed(ws: Workspace, tmp_path: Path) -> None:
    rows = pl.concat([_enrolment(2), _enrolment(3, month="2026-11").tail(1)])
    did = _reviewed(ws, rows)
    printed = form_rows(ws, did)
    assert printed["person_id"].to_list() == rows["身份证号码"].head(2).to_list()
    part = FORM.parts[1]
    assert isinstance(part, FormTable)
    table = [c.field for c in part.columns]
    assert printed.select(table).row(0) == (
        "1",
        rows["身份证号码"][0],
        rows["姓名"][0],
        "女",  # sequence 100: an even 17th digit
        "1980-01-01",
        "2026-12",
        "在职人员新参保",
        "城镇制",
        "城镇合同制职工",
    )
    path = print_form(ws, did, tmp_path / "f.pdf")
    for text in _texts(path):
        assert "共2人" in text
        assert rows["姓名"][2] not in text


def test_departure_form(ws: Workspace, tmp_path: Path) -> None:
    rows = _enrolment(3)
    _reviewed(ws, rows)
    ws.set_today(dt.date(2026, 12, 26))  # next month: departures for 2027-01
    leaving = pl.DataFrame(
        {
            "身份证号码": rows["身份证号码"].head(2),
            "姓名": rows["姓名"].head(2),
            "减员年月": ["2027-01"] * 2,
            "减员原因": ["在职人员辞职", "在职人员解除劳动合同"],
        }
    )
    did = _reviewed(ws, leaving, "departure")
    path = print_form(ws, did, tmp_path / "减员表.pdf")
    for text in _texts(path):
        assert "减员表" in text
        assert "共2人" in text
        assert "在职人员辞职" in text
        for person_id in leaving["身份证号码"]:
            assert person_id in text


def test_a_form_needs_a_review_and_an_approved_person(ws: Workspace, tmp_path: Path) -> None:
    did = declare(ws, _enrolment(1), UNIT, kind="enrolment")
    with pytest.raises(UnusableInputError, match="尚未审核，不能打印增员表"):
        print_form(ws, did, tmp_path / "x.pdf")
    failed = _reviewed(ws, _enrolment(2, month="2026-10").tail(1))
    with pytest.raises(UnusableInputError, match="没有审核成功的人员"):
        print_form(ws, failed, tmp_path / "y.pdf")
    assert not (tmp_path / "x.pdf").exists()
