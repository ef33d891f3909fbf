"""A table's height pass answered for one-line cells: the same PDF, byte for byte, as fpdf2's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sbbatch.forms.pdf import FormPDF

_WHEN = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)


def _form(path: Path) -> bytes:
    form = FormPDF("参保人员增加表", subtitle="单位 3701000001")
    form.set_creation_date(_WHEN)
    rows = [
        [
            f"张{i}",
            f"3701031990010{i:05d}",
            # long cells wrap; some only just fit, some only just do not
            "济南市历下区" * (i % 7) + "经十路" + "9" * (i % 5),
            f"{i * 1234.5:,.2f}",
            "",
        ]
        for i in range(140)  # several pages: breaks and repeated headings
    ]
    form.table(
        ["姓名", "公民身份号码", "地址", "金额", "备注"],
        rows,
        widths=[1, 2, 2, 1, 1],
        align=["L", "L", "L", "R", "C"],
        sum_row=["合计", "", "", "1,234.00", ""],
        total="共140人",
    )
    form.text_line("以上信息真实有效。" * 20)
    form.signature_boxes()
    return form.save(path).read_bytes()


def test_one_line_cells_print_the_pdf_fpdf2_prints(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    answered: list[bool] = []
    own = FormPDF._measured_one_line

    def counting(self: FormPDF, *args: object) -> object:
        answer = own(self, *args)  # type: ignore[arg-type]
        answered.append(answer is not None)
        return answer

    monkeypatch.setattr(FormPDF, "_measured_one_line", counting)
    quick = _form(tmp_path / "quick.pdf")
    assert any(answered)  # most cells answered directly
    assert not all(answered)  # the long ones went to fpdf2
    monkeypatch.setattr(FormPDF, "_measured_one_line", lambda *_: None)
    assert _form(tmp_path / "fpdf2.pdf") == quick
