"""The CJK font of the forms: shipped converted, unpacked on first use, no conversion."""

from __future__ import annotations

from pathlib import Path

import pytest

from sbbatch.forms import _font


def test_first_use_unpacks_the_shipped_truetype_font_without_converting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SBBATCH_CACHE", str(tmp_path))
    monkeypatch.delenv("SBBATCH_FONT", raising=False)

    def no_conversion(source: Path, target: Path) -> None:
        raise AssertionError("the shipped font should be used, not converted")

    monkeypatch.setattr(_font, "_otf_to_ttf", no_conversion)
    _font.cjk_font_path.cache_clear()
    try:
        path = _font.cjk_font_path()
    finally:
        _font.cjk_font_path.cache_clear()
    assert path == tmp_path / "NotoSansSC-Regular.ttf"
    data = path.read_bytes()
    assert data[:4] == b"\x00\x01\x00\x00"  # TrueType outlines, which every extractor reads
    assert b"glyf" in data[:1024] and b"CFF " not in data[:1024]
    assert not list(tmp_path.glob("*.part"))  # written beside and renamed
