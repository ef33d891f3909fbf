"""Tables that read well: headers, yuan, totals, highlighting, masking, escaping."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from sbbatch import display
from sbbatch.batch import check_frame
from sbbatch.display import mask_text, money, record, show, zh

ID = "370102199001011231"


def body_rows(html: str) -> list[list[str]]:
    """The texts of each body row's cells."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body)
    ]


def test_zh_uses_the_business_headers_then_the_common_ones() -> None:
    frame = pl.DataFrame(
        {"row_no": [1], "review_result": ["1"], "person_id": [ID], "month": [None], "unknown": [1]}
    )
    assert zh(frame, "enrolment").columns == [
        "序号",  # one header for a table's row numbers everywhere (issue 10: not No.)
        "审核结果",
        "身份证号码",
        "增员年月",
        "unknown",
    ]
    assert zh(frame, "减员申报").columns[3] == "减员年月"
    assert zh(frame).columns[3] == "年月"
    assert zh(frame, {"unknown": "其他"}).columns[-1] == "其他"


def test_zh_keeps_english_names_when_two_columns_would_clash() -> None:
    frame = pl.DataFrame({"row": [1], "source_row": [2]})
    assert zh(frame).columns == ["row", "source_row"]


def test_zh_finds_query_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(display, "query_headers", lambda: {"insured_count": "在保人数"})
    assert zh(pl.DataFrame({"insured_count": [3]})).columns == ["在保人数"]


def test_every_value_is_escaped() -> None:
    evil = '<img src=x onerror="alert(1)">'
    frame = pl.DataFrame({"name": [evil], "note": ["a & b"]})
    table = show(frame, {"name": evil}, caption=evil)
    assert "<img" not in table.html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in table.html
    assert "a &amp; b" in table.html


def test_money_is_yuan_with_separators_and_a_sigma_row() -> None:
    frame = pl.DataFrame(
        {"person_id": [ID, ID], "name": ["张三", "李四"], "wage_fen": [500000, 123456789]}
    )
    table = show(frame, "wage_base")
    rows = body_rows(table.html)
    assert rows[0][2] == "5,000.00"
    assert rows[1][2] == "1,234,567.89"
    assert rows[2] == ["Σ", "", "1,239,567.89"]
    assert table.totals == {"社会保障号码": "Σ", "姓名": "", "缴费工资": "1,239,567.89"}
    assert 'class="sb-num"' in table.html
    assert "共 2 行" in table.html


def test_totals_can_be_chosen_or_left_out() -> None:
    frame = pl.DataFrame({"unit_id": ["A", "B"], "amount_fen": [1, 2], "count": [3, 4]})
    assert show(frame, totals=False).totals is None
    assert show(frame, totals=["count"]).totals == {"单位编号": "Σ", "金额": "", "人数": "7"}
    assert show(frame.head(1)).totals is None


def test_decimal_yuan_and_money_helper() -> None:
    frame = pl.DataFrame({"x": [Decimal("12.5"), Decimal("1000")]}, schema={"x": pl.Decimal(12, 2)})
    assert body_rows(show(frame).html)[0] == ["12.50"]
    assert money(-123456) == "-1,234.56"
    assert money(Decimal("0.005"), fen=False) == "0.01"


def test_failures_are_highlighted_by_level() -> None:
    batch = check_frame(
        pl.DataFrame(
            {
                "person_id": [ID, "123", ID[:-1] + "0"],
                "name": ["张三", "李四", "A1B2"],
                "employment_form": ["城镇合同制职工"] * 3,
                "add_reason": ["在职人员新参保"] * 3,
                "month": ["2026-12"] * 3,
                "person_category": ["城镇制"] * 3,
            }
        ),
        "enrolment",
        today=dt.date(2026, 11, 26),
    )
    table = show(batch.failures)
    levels = batch.failures["level"].to_list()
    assert table.row_classes == [f"sb-{level}" for level in levels]
    assert "不通过" in table.html and "提示" in table.html
    assert ID[:-1] + "0" not in table.html  # masked inside the messages too

    rows = show(batch)
    assert rows.row_classes[0] == ""
    assert rows.row_classes[1] == "sb-reject"
    assert rows.row_classes[2] == "sb-reject"
    assert 'class="sb-cell-reject"' in rows.html
    assert batch.summary_zh() in rows.html


def test_review_results_are_highlighted_and_labelled() -> None:
    frame = pl.DataFrame(
        {
            "row_no": [1, 2, 3],
            "review_result": ["1", "2", "1"],
            "review_opinion": [None, "已在本单位参保", "提示：请核对"],
            "person_id": [ID] * 3,
            "add_reason": ["111"] * 3,
            "month": [dt.date(2026, 12, 1)] * 3,
        }
    )
    table = show(frame, "enrolment")
    assert table.row_classes == ["", "sb-reject", "sb-warn"]
    assert table.headers == ["序号", "审核结果", "审核意见", "身份证号码", "增加原因", "增员年月"]
    assert body_rows(table.html)[1][:2] == ["2", "不通过"]
    assert body_rows(table.html)[0][4:] == ["在职人员新参保", "2026-12"]


def test_ids_and_phones_are_masked_unless_asked() -> None:
    frame = pl.DataFrame({"person_id": [ID], "phone": ["13812345678"], "note": [f"见 {ID}"]})
    masked = show(frame).html
    assert ID not in masked and "13812345678" not in masked
    assert "370102********1231" in masked and "138****5678" in masked
    assert ID in show(frame, mask=False).html
    assert (
        mask_text("单据号 ZY20261100001，单位 0010118873")
        == "单据号 ZY20261100001，单位 0010118873"
    )


def test_many_rows_are_cut_with_a_footer() -> None:
    table = show(pl.DataFrame({"n": list(range(20))}), max_rows=5)
    assert len(table.row_classes) == 5
    assert "显示前 5 行，共 20 行" in table.html


def test_record_and_save(tmp_path: Path) -> None:
    table = record(
        {"review_result": "2", "review_opinion": "不通过<原因>", "person_id": ID, "name": None},
        "enrolment",
        caption="申报编号 ZY1",
    )
    assert "姓名" not in table.html  # empty fields are left out
    assert "&lt;原因&gt;" in table.html
    assert table.row_classes == ["sb-reject"]
    page = table.save(tmp_path / "t.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and 'charset="utf-8"' in page
    assert table._repr_html_() == table.html
