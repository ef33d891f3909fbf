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

Saving the subset recompiles every kept glyph (fontTools unpacks it to recalculate its
bounding box, then packs its coordinates again): about 0.05 s of CPU per form, the
same work for the same characters in every form. A simple glyph's compiled bytes and
unpacked outline depend on its stored bytes only, so they are kept per process too
(:class:`_CompiledOnce`) and the next form that prints the character takes them.
"""

from __future__ import annotations

import copy
import io
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from fontTools import ttLib
from fontTools.ttLib.tables._g_l_y_f import Glyph
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

__all__ = ["add_shared_font"]

#: Tables parsed once and copied into each document's font (the costly ones).
_SHARED_TABLES = ("glyf", "hmtx", "vmtx", "cmap")

#: Layout tables given to each document's font as they are: fpdf2 drops them from the
#: subset, but fontTools' subsetter first reads every lookup of them to see whether
#: their formats need converting (0.02-0.03 s of CPU per form for Noto Sans SC's
#: GSUB/GPOS), and only rewrites a table whose formats are extended (ours are not).
_READ_ONLY_TABLES = ("GDEF", "GSUB", "GPOS")

_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Parsed:
    """A font as fpdf2 parses it, kept for the process."""

    template: TTFFont
    raw: bytes
    glyph_order: tuple[str, ...]
    tables: dict[str, Any]
    #: Tables that documents share as they are (:data:`_READ_ONLY_TABLES`).
    read_only: dict[str, Any]
    #: Simple glyphs as saving a subset compiles them (see :class:`_CompiledOnce`).
    compiled: _Compiled = field(default_factory=dict)

    def document_ttfont(self) -> ttLib.TTFont:
        """A ``TTFont`` of the same bytes that a subsetter may change freely."""
        font = ttLib.TTFont(io.BytesIO(self.raw), recalcTimestamp=False, lazy=True)
        font.setGlyphOrder(list(self.glyph_order))
        for tag, table in self.tables.items():
            font.tables[tag] = _copy_table(tag, table, self.compiled)
        font.tables.update(self.read_only)
        return font


#: Compiled simple glyphs: (stored bytes, optimise size, extended glyf) → (the bytes
#: saving writes, the glyph's attributes once unpacked and bounded).
_Compiled = dict[tuple[bytes, bool, bool], tuple[bytes, dict[str, Any]]]


def _copy_table(tag: str, table: Any, compiled: _Compiled) -> Any:
    """Copy a parsed table deeply enough that fontTools' subsetter leaves ``table`` as it was."""
    new = copy.copy(table)
    if tag == "glyf":
        new.glyphs = _CopiedOnRead(table.glyphs, compiled)
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

    def __init__(self, glyphs: dict[str, Any], compiled: _Compiled) -> None:
        super().__init__(glyphs)
        self._copied: set[str] = set()
        self._compiled = compiled

    def __getitem__(self, name: str) -> Any:
        glyph = super().__getitem__(name)
        if name not in self._copied:
            glyph = _copy_glyph(glyph, self._compiled)
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


def _copy_glyph(glyph: Any, compiled: _Compiled) -> Any:
    """A ``Glyph`` that can be changed without changing ``glyph``."""
    if set(vars(glyph)) <= {"data", "numberOfContours"}:
        twin = _CompiledOnce.__new__(_CompiledOnce)
        twin.__dict__.update(vars(glyph))  # bytes and an int: nothing shared to change
        twin.compiled = compiled
        return twin
    return copy.deepcopy(glyph)  # pragma: no cover - parsed glyphs stay compact


class _CompiledOnce(Glyph):  # type: ignore[misc]
    """A document's copy of a glyph that compiles as fontTools does, once per process.

    ``TTFont.save`` with ``recalcBBoxes`` (fpdf2 keeps the default) unpacks every kept
    glyph, recalculates its bounds and packs its coordinates again; ``maxp`` then reads
    the unpacked outline (point and contour counts) and ``head``/``hhea`` the bounds.
    For a simple glyph all of that follows from its stored bytes, so the first form
    keeps the result and later forms take the same bytes and the same attributes.
    The unpacked outline is shared between documents: after ``compile`` fontTools
    only reads it. Composite glyphs (component ids change with each subset) and
    glyphs already unpacked compile as usual.
    """

    compiled: _Compiled

    def compile(self, glyfTable: Any, recalcBBoxes: bool = True, **options: Any) -> bytes:
        # options (boundsDone, and optimizeSize since fontTools 4.5x) go to fontTools as
        # given: the lower bound of fonttools has no optimizeSize
        data = self.__dict__.get("data")
        # a glyph's header opens with its number of contours; below 1: composite or empty
        if not data or not recalcBBoxes or int.from_bytes(data[:2], "big", signed=True) <= 0:
            return bytes(super().compile(glyfTable, recalcBBoxes, **options))
        optimize = bool(options.get("optimizeSize", True))
        key = (bytes(data), optimize, bool(getattr(glyfTable, "extended", True)))
        known = self.compiled.get(key)
        if known is None:
            packed = bytes(super().compile(glyfTable, recalcBBoxes, **options))
            unpacked = {k: v for k, v in vars(self).items() if k != "compiled"}
            self.compiled[key] = (packed, unpacked)
            return packed
        packed, unpacked = known
        del self.data
        self.__dict__.update(unpacked)
        return packed


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
    read_only = {tag: ttfont[tag] for tag in _READ_ONLY_TABLES if tag in ttfont}
    for table in read_only.values():  # what the subsetter reads, loaded now (under _LOCK)
        lookups = getattr(table.table, "LookupList", None)
        for lookup in lookups.Lookup if lookups is not None else ():
            for subtable in lookup.SubTable:
                getattr(getattr(subtable, "ExtSubTable", subtable), "Format", None)
    raw = Path(path).read_bytes()
    _read_from_memory(ttfont, raw)
    return _Parsed(
        template=template,
        raw=raw,
        glyph_order=tuple(ttfont.getGlyphOrder()),
        tables=tables,
        read_only=read_only,
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


def _read_from_memory(font: ttLib.TTFont, raw: bytes) -> None:
    """Let the kept font read its lazy tables from ``raw`` and close the file fpdf2 opened.

    The parsed font lives as long as the process; holding its file open would leak a
    descriptor (and a ResourceWarning at exit). The bytes are the file's, so every
    later read is the same.
    """
    reader = font.reader
    if reader is None:  # pragma: no cover - fpdf2 opens fonts lazily, so a reader exists
        return
    opened = reader.file
    reader.file = io.BytesIO(raw)
    opened.close()
