"""The CJK font of sbbatch's PDF forms: Noto Sans SC, as TrueType.

The font comes with ``pip install`` (the OFL-licensed ``pylopdf-fonts-zh-cn`` wheel).
Its outlines are CFF, which fpdf2 embeds in a way that pypdf and pdfplumber cannot
extract (feasibility.md §2); converted to TrueType outlines (fontTools cu2qu), every
extractor reads the text. The conversion takes 16 s on an idle machine and measured
50 s of CPU (390 s wall) on a busy 2-core one, so it is no longer on the user's path:
sbbatch ships the converted font, gzipped (``forms/fonts/NotoSansSC-Regular.ttf.gz``,
6 MB, with its licence ``OFL.txt``), and the first use unpacks it into the cache in
well under a second. Only when that file is missing (a trimmed install) is the font
converted as before, with a progress line saying so.
"""

from __future__ import annotations

import gzip
import os
import shutil
import sys
import tempfile
from functools import cache
from importlib import resources
from pathlib import Path
from typing import IO

from sbbatch import _progress
from sbbatch.exceptions import SbbatchError

__all__ = ["cache_dir", "cjk_font_path"]

_FONT_NAME = "NotoSansSC-Regular"


def cache_dir() -> Path:
    """Return sbbatch's cache folder (``SBBATCH_CACHE``, else the user's cache)."""
    if os.environ.get("SBBATCH_CACHE"):
        return Path(os.environ["SBBATCH_CACHE"])
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):  # pragma: no cover
        return Path(os.environ["LOCALAPPDATA"]) / "sbbatch"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sbbatch"


@cache
def cjk_font_path() -> Path:
    """Return a TrueType CJK font for the forms, converting it on first use.

    ``SBBATCH_FONT`` may name another TrueType font (.ttf) to use instead.
    """
    if os.environ.get("SBBATCH_FONT"):
        return Path(os.environ["SBBATCH_FONT"])
    target = cache_dir() / f"{_FONT_NAME}.ttf"
    if target.exists() and target.stat().st_size > 1_000_000:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    shipped = resources.files("sbbatch.forms") / "fonts" / f"{_FONT_NAME}.ttf.gz"
    if shipped.is_file():
        with _progress.task("正在准备中文字体（仅首次）"), shipped.open("rb") as packed:
            _write_atomic(target, packed)
        return target
    try:
        source = resources.files("pylopdf_fonts_zh_cn") / f"{_FONT_NAME}.otf"
    except ModuleNotFoundError:  # pragma: no cover - a dependency of sbbatch
        msg = "找不到中文字体。提示：pip install pylopdf-fonts-zh-cn，或用环境变量 SBBATCH_FONT 指定 .ttf 字体。"
        raise SbbatchError(msg) from None
    message = "正在把中文字体转换为 TrueType（仅首次，需要几十秒）"
    with resources.as_file(source) as otf, _progress.task(message):
        _otf_to_ttf(Path(otf), target)
    return target


def _write_atomic(target: Path, packed: IO[bytes]) -> None:
    """Unpack the gzipped font beside ``target`` and rename it into place."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".ttf.part")
    try:
        with os.fdopen(handle, "wb") as out, gzip.GzipFile(fileobj=packed) as font:
            shutil.copyfileobj(font, out, 1 << 20)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _otf_to_ttf(source: Path, target: Path) -> None:
    """Convert a CFF-outline OpenType font to TrueType outlines (the fontTools recipe)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(str(source))
    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    quadratic = {}
    for name in glyph_order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        quadratic[name] = pen.glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = quadratic
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attribute in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attribute, 1 if attribute == "maxZones" else 0)
    maxp.compile(font)
    post = font["post"]
    post.formatType = 3.0
    font.sfntVersion = "\x00\x01\x00\x00"
    # write beside the target and rename, so a half-written file is never used
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".ttf.part")
    os.close(handle)
    try:
        font.save(temporary)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
