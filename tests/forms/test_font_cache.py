"""The CJK font parsed once per process: the same PDFs, byte for byte, as fpdf2's own parse."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fpdf import FPDF

from sbbatch.forms import _font_cache, pdf
from sbbatch.forms.pdf import FormPDF

_WHEN = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)

# Different texts in turn, so a font spoiled by an earlier document's subset would show.
_DOCUMENTS = [
    ("社会保险费申报表", [["张三", "370103199001011234", "1,234.56"]]),
    ("参保人员增加表", [["李四", "37010319850202123X", "零元整"], ["王五", "—", "叁佰元"]]),
    ("社会保险费申报表", [["张三", "370103199001011234", "1,234.56"]]),
    ("Ω 龘 𠀀 ABC abc 0123", [["龘", "𠀀", "€"]]),
]


def _write(folder: Path) -> list[bytes]:
    out = []
    for number, (title, rows) in enumerate(_DOCUMENTS):
        form = FormPDF(title, subtitle="单位 3701000001")
        form.set_creation_date(_WHEN)
        form.table(["姓名", "公民身份号码", "金额"], rows, widths=[1, 2, 1], align=["L", "L", "R"])
        form.signature_boxes()
        out.append(form.save(folder / f"{number}.pdf").read_bytes())
    return out


def _fpdf_own(document: FPDF, family: str, path: Path) -> None:
    document.add_font(family, "", str(path))


def test_shared_font_gives_the_pdfs_fpdf2_makes_on_its_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shared = _write(tmp_path / "shared")
    monkeypatch.setattr(pdf, "add_shared_font", _fpdf_own)
    own = _write(tmp_path / "own")
    assert shared == own
    assert shared[0] == shared[2]  # the same document again, after others
    assert shared[0] != shared[1]


def test_a_document_cannot_spoil_the_parsed_font(tmp_path: Path) -> None:
    from sbbatch.forms._font import cjk_font_path

    parsed = _font_cache._parsed(cjk_font_path(), "cjk")
    glyphs = len(parsed.tables["glyf"].glyphs)
    metrics = len(parsed.tables["hmtx"].metrics)
    cmaps = [len(subtable.cmap) for subtable in parsed.tables["cmap"].tables]
    widths = len(parsed.template.cw)
    used = [parsed.template.cmap[ord(char)] for char in "张三申报表0A.notdef"[:6]] + [".notdef"]
    glyphs_before = {name: dict(vars(parsed.tables["glyf"].glyphs[name])) for name in used}
    picked = parsed.template.subset._next
    _write(tmp_path)
    assert len(parsed.tables["glyf"].glyphs) == glyphs > 30_000
    assert len(parsed.tables["hmtx"].metrics) == metrics
    assert [len(subtable.cmap) for subtable in parsed.tables["cmap"].tables] == cmaps
    assert len(parsed.template.cw) == widths
    assert {name: vars(parsed.tables["glyf"].glyphs[name]) for name in used} == glyphs_before
    assert parsed.template.subset._next == picked  # each document has its own subset


def test_the_subset_changes_copies_of_the_glyphs_not_the_parsed_ones(tmp_path: Path) -> None:
    from sbbatch.forms._font import cjk_font_path

    parsed = _font_cache._parsed(cjk_font_path(), "cjk")
    form = FormPDF("社会保险费申报表")
    form.text_line("张三 370103199001011234")
    form.save(tmp_path / "one.pdf")
    kept = form.fonts["cjk"].ttfont["glyf"].glyphs  # the embedded subset
    assert len(kept) < 100
    shared = [name for name, glyph in kept.items() if glyph is parsed.tables["glyf"].glyphs[name]]
    assert shared == []


def test_a_character_printed_again_is_not_compiled_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from fontTools.ttLib.tables._g_l_y_f import Glyph

    from sbbatch.forms._font import cjk_font_path

    parsed = _font_cache._parsed(cjk_font_path(), "cjk")
    compiled: list[int] = []
    own_compile = Glyph.compile

    def counting(self: Glyph, *args: object, **kwargs: object) -> bytes:
        if getattr(self, "numberOfContours", 1) > 0:
            compiled.append(1)
        return own_compile(self, *args, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(Glyph, "compile", counting)
    first = FormPDF("鼹麑麝")  # characters no other test prints
    first.set_creation_date(_WHEN)
    first_bytes = first.save(tmp_path / "first.pdf").read_bytes()
    compiled_first = len(compiled)
    assert compiled_first > 0
    assert len(parsed.compiled) >= compiled_first
    again = FormPDF("鼹麑麝")
    again.set_creation_date(_WHEN)
    assert again.save(tmp_path / "again.pdf").read_bytes() == first_bytes
    assert len(compiled) == compiled_first  # every simple glyph came from the first form


def test_the_layout_tables_are_read_once_and_left_as_they_were(tmp_path: Path) -> None:
    from sbbatch.forms._font import cjk_font_path

    parsed = _font_cache._parsed(cjk_font_path(), "cjk")
    assert set(parsed.read_only) == {"GDEF", "GSUB", "GPOS"} & set(parsed.template.ttfont.keys())
    assert "GSUB" in parsed.read_only
    form = FormPDF("社会保险费申报表")
    assert form.fonts["cjk"].ttfont.tables["GSUB"] is parsed.read_only["GSUB"]
    lookups = len(parsed.read_only["GSUB"].table.LookupList.Lookup)
    form.save(tmp_path / "one.pdf")
    assert "GSUB" not in form.fonts["cjk"].ttfont  # fpdf2 drops it from the subset
    assert len(parsed.read_only["GSUB"].table.LookupList.Lookup) == lookups > 0
