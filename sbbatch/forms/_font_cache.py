"""The CJK font, parsed once per process and lent to every form.

fpdf2's ``add_font`` parses the whole TrueType font for every document: glyph names
from the cmap, the 31,000 glyphs of ``glyf``, the metrics, the character widths. For
Noto Sans SC that is about 0.5 s of CPU per PDF, and a monthly run prints a dozen
forms (``sbbatch demo``: 14 PDFs, 8 s of its 37 s). Here the font is parsed once per
(path, size, mtime); each document gets its own :class:`fpdf.fonts.TTFFont`, sharing
the read-only parts (character widths are copied, the cmap and descriptor shared, as
fpdf2 itself does in ``TTFFont.__deepcopy__``) and its own ``TTFont`` for the subset
that ``output()`` embeds. fontTools' subsetter changes the font it is given in place
(glyph dict, glyph data, cmap subtables, metrics), so the document's font is a fresh
lazy ``TTFont`` of the same bytes into which *copies* of the parsed tables are put:
new dicts and lists, and a ``Glyph`` copied when the subsetter first reads it. The embedded subset is byte for byte the one fpdf2 makes on its own
(``tests/forms/test_font_cache.py``).
"""

from __future__ import annotations

import copy
import io
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

__all__ = ["add_shared_font"]

#: Tables parsed once and copied into each document's font (the costly ones).
_SHARED_TABLES = ("glyf", "hmtx", "vmtx", "cmap")

_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Parsed:
    """A font as fpdf2 parses it, kept for the process."""

    template: TTFFont
    raw: bytes
    glyph_order: tuple[str, ...]
    tables: dict[str, Any]

    def document_ttfont(self) -> ttLib.TTFont:
        """A ``TTFont`` of the same bytes that a subsetter may change freely."""
        font = ttLib.TTFont(io.BytesIO(self.raw), recalcTimestamp=False, lazy=True)
        font.setGlyphOrder(list(self.glyph_order))
        for tag, table in self.tables.items():
            font.tables[tag] = _copy_table(tag, table)
        return font


def _copy_table(tag: str, table: Any) -> Any:
    """Copy a parsed table deeply enough that fontTools' subsetter leaves ``table`` as it was."""
    new = copy.copy(table)
    if tag == "glyf":
        new.glyphs = _CopiedOnRead(table.glyphs)
        new.glyphOrder = list(table.glyphOrder)
        if hasattr(table, "_reverseGlyphOrder"):
            new._reverseGlyphOrder = dict(table._reverseGlyphOrder)
    elif tag in ("hmtx", "vmtx"):
        new.metrics = dict(table.metrics)
    elif tag == "cmap":
        subtables = []
        for subtable in table.tables:
            twin = copy.copy(subtable)
            for name in ("cmap", "uvsDict"):
                if name in vars(subtable):
                    setattr(twin, name, copy.copy(vars(subtable)[name]))
            subtables.append(twin)
        new.tables = subtables
    return new


class _CopiedOnRead(dict[str, Any]):
    """The glyphs of a document's ``glyf``: each ``Glyph`` is copied when first read.

    The subsetter reads the glyphs it keeps (``{g: glyphs[g] for g in kept}``) and then
    changes those; copying all 31,000 up front cost 0.1-0.2 s per PDF.
    """

    def __init__(self, glyphs: dict[str, Any]) -> None:
        super().__init__(glyphs)
        self._copied: set[str] = set()

    def __getitem__(self, name: str) -> Any:
        glyph = super().__getitem__(name)
        if name not in self._copied:
            glyph = _copy_glyph(glyph)
            super().__setitem__(name, glyph)
            self._copied.add(name)
        return glyph

    def __setitem__(self, name: str, glyph: Any) -> None:
        super().__setitem__(name, glyph)
        self._copied.add(name)

    def get(self, name: str, default: Any = None) -> Any:
        if name not in self:
            return default
        return self[name]


def _copy_glyph(glyph: Any) -> Any:
    """A ``Glyph`` that can be changed without changing ``glyph``."""
    if set(vars(glyph)) <= {"data", "numberOfContours"}:
        twin = glyph.__class__.__new__(glyph.__class__)
        twin.__dict__.update(vars(glyph))  # bytes and an int: nothing shared to change
        return twin
    return copy.deepcopy(glyph)  # pragma: no cover - parsed glyphs stay compact


@cache
def _parse(path: str, size: int, mtime_ns: int, family: str) -> _Parsed:
    """Parse the font at ``path`` the way fpdf2 does (the stat figures key the cache)."""
    holder = FPDF()
    holder.add_font(family, "", path)
    template = holder.fonts[family.lower()]
    assert isinstance(template, TTFFont)
    ttfont = template.ttfont
    tables = {}
    for tag in _SHARED_TABLES:
        if tag in ttfont:
            table = ttfont[tag]
            if tag == "cmap":
                for subtable in table.tables:
                    subtable.ensureDecompiled()
            tables[tag] = table
    return _Parsed(
        template=template,
        raw=Path(path).read_bytes(),
        glyph_order=tuple(ttfont.getGlyphOrder()),
        tables=tables,
    )


def _parsed(path: Path, family: str) -> _Parsed:
    stat = path.stat()
    with _LOCK:
        return _parse(str(path), stat.st_size, stat.st_mtime_ns, family)


def add_shared_font(pdf: FPDF, family: str, path: Path) -> None:
    """Add the TrueType font at ``path`` to ``pdf`` as ``family`` (regular), parsed once.

    Does what ``pdf.add_font(family, "", path)`` does, without parsing the font again.
    """
    parsed = _parsed(path, family)
    template = parsed.template
    font = copy.copy(template)
    font.i = len(pdf.fonts) + 1
    font.cw = copy.copy(template.cw)
    font.glyph_ids = dict(template.glyph_ids)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.ttfont = parsed.document_ttfont()
    font.subset = SubsetMap(font)
    pdf.fonts[template.fontkey] = font
    if font.is_cff and font.is_cid_keyed:  # pragma: no cover - as add_font does; ours is TrueType
        pdf._set_min_pdf_version("1.6")
