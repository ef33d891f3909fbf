"""Printed forms (打印): the building blocks every PDF form of sbbatch uses.

:class:`FormPDF` is an fpdf2 document with the embedded CJK font, a title block, a
grid of labelled fields, ruled tables whose header repeats on every page, totals,
signature and seal boxes, and "第 x 页 共 y 页" page numbers. Text is embedded as
TrueType, so pypdf, pdfplumber and pdftotext extract exactly what was printed.
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, TableBordersLayout, XPos, YPos
from fpdf.fonts import FontFace, TTFFont
from fpdf.util import Padding

from sbbatch._files import atomic_path
from sbbatch.forms._font import cjk_font_path
from sbbatch.forms._font_cache import add_shared_font
from sbbatch.spec import FieldGrid, FormPart, FormTable, FormText, Signatures

__all__ = ["FormPDF", "fill"]

_FONT = "cjk"


class FormPDF(FPDF):
    """A form with sbbatch's layout conventions.

    Args:
        title: The form's title, printed at the top of the first page.
        orientation: ``"P"`` (portrait) or ``"L"`` (landscape) A4.
        subtitle: A line under the title (unit, declaration number, date …).
    """

    def __init__(self, title: str, orientation: str = "P", subtitle: str = "") -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.form_title = title
        self.subtitle = subtitle
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(auto=True, margin=16)
        add_shared_font(self, _FONT, cjk_font_path())  # parsed once per process
        self.set_font(_FONT, size=10)
        self.set_title(title)
        self.set_creator("sbbatch")
        self.alias_nb_pages("{nb}")
        self._widths: dict[tuple[str, str, float, str], float] = {}
        self.add_page()
        self._title_block()

    def _title_block(self) -> None:
        self.set_font(_FONT, size=16)
        self.cell(0, 10, self.form_title, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if self.subtitle:
            self.set_font(_FONT, size=9)
            self.cell(0, 6, self.subtitle, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(_FONT, size=10)
        self.ln(2)

    def footer(self) -> None:
        """Print the page number as 第 x 页 共 y 页."""
        self.set_y(-12)
        self.set_font(_FONT, size=8)
        self.cell(0, 6, f"第 {self.page_no()} 页 共 {{nb}} 页", align=Align.C)

    def fields(self, pairs: Sequence[tuple[str, str]], columns: int = 3) -> None:
        """Print label–value pairs in a ruled grid of ``columns`` pairs per line."""
        width = (self.w - self.l_margin - self.r_margin) / columns
        label_width = width * 0.38
        self.set_font(_FONT, size=9)
        for start in range(0, len(pairs), columns):
            for label, value in pairs[start : start + columns]:
                self.set_fill_color(240, 240, 240)
                self.cell(label_width, 7, label, border=1, fill=True)
                self.cell(width - label_width, 7, value, border=1)
            self.ln(7)
        self.set_font(_FONT, size=10)
        self.ln(2)

    def table(  # type: ignore[override]
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        widths: Sequence[float] | None = None,
        align: Sequence[str] | None = None,
        sum_row: Sequence[str] | None = None,
        total: str | None = None,
        font_size: float = 8,
    ) -> None:
        """Print a ruled table; its header row repeats on every page.

        Args:
            headers: Column headings.
            rows: The cells, as text.
            widths: Relative column widths.
            align: ``"L"``, ``"C"`` or ``"R"`` per column (amounts right-aligned).
            sum_row: A last row of the table (Σ, 合计 …).
            total: A line under the table, such as ``共N人``.
            font_size: The table's font size.
        """
        self.set_font(_FONT, size=font_size)
        alignment = [Align.coerce(a) for a in (align or ["L"] * len(headers))]
        with super().table(
            col_widths=tuple(widths) if widths else None,
            text_align=tuple(alignment),
            borders_layout=TableBordersLayout.ALL,
            line_height=font_size * 0.55,
            repeat_headings=1,
            headings_style=FontFace(fill_color=(235, 235, 235)),
            first_row_as_headings=True,
        ) as table:
            heading = table.row()
            for text in headers:
                heading.cell(text, align=Align.C)
            for values in rows:
                row = table.row()
                for text in values:
                    row.cell("" if text is None else str(text))
            if sum_row is not None:
                row = table.row(style=FontFace(fill_color=(245, 245, 245)))
                for text in sum_row:
                    row.cell(str(text))
        self.set_font(_FONT, size=10)
        if total:
            self.cell(0, 7, total, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def multi_cell(  # type: ignore[override]
        self, w: float, h: float | None = None, text: str = "", **kwargs: Any
    ) -> Any:
        """fpdf2's ``multi_cell``; a table's height pass over a one-line cell is answered directly.

        fpdf2 draws a table twice: first every cell with writing switched off, to learn
        the rows' heights (line breaking and the width of every character), then for
        real. For a cell whose text fits on one line the first pass can only answer
        "one line high, no page break", so :meth:`_measured_one_line` answers it from
        the text's width, measured once per distinct text. The glyphs are still picked
        in the same order (the subset's numbering, hence the PDF, is byte for byte the
        same). Anything else — wrapping, a page break, writing — goes to fpdf2.
        """
        if _writing_disabled(self) and not kwargs.get("dry_run"):
            answer = self._measured_one_line(w, h, text, kwargs)
            if answer is not None:
                return answer
        return super().multi_cell(w, h, text, **kwargs)

    def _measured_one_line(
        self, w: float, h: float | None, text: str, kwargs: Mapping[str, Any]
    ) -> tuple[bool, float] | None:
        """What a height pass of ``multi_cell`` returns for a one-line cell, or None."""
        padding = kwargs.get("padding")
        if (
            h is None
            or not w
            or not isinstance(padding, Padding)
            or set(kwargs) - _ONE_LINE_KWARGS
            or kwargs.get("output") != MethodReturnValue.PAGE_BREAK | MethodReturnValue.HEIGHT
            or kwargs.get("new_x") != "RIGHT"
            or kwargs.get("new_y") != "TOP"
            or kwargs.get("border", 0) != 0
            or kwargs.get("fill", False)
            or kwargs.get("markdown", False)
            or kwargs.get("link") is not None
            or Align.coerce(kwargs.get("align", Align.J)) == Align.X
            or "\n" in text
            or "\r" in text
            or "\f" in text
            or "\u00ad" in text  # a soft hyphen may print as a hyphen at a break
            or self.text_shaping
            or self.char_spacing
            or self.font_stretching != 100
            or self._fallback_font_ids
            or not isinstance(self.current_font, TTFFont)
        ):
            return None
        room = w - padding.left - padding.right
        room -= (0 if padding.left else self.c_margin) + (0 if padding.right else self.c_margin)
        key = (self.font_family, self.font_style, self.font_size_pt, text)
        width = self._widths.get(key)
        if width is None:
            width = self._widths[key] = self.get_string_width(text)
        if width + _FIT_MARGIN > room or self.will_page_break(padding.top + h + padding.bottom):
            return None
        self.current_font.encode_text(self.normalize_text(text))  # picks the glyphs, in order
        self.x += w
        return False, h + padding.top + padding.bottom

    def text_line(self, text: str, size: float = 10) -> None:
        """Print a wrapped line of text."""
        self.set_font(_FONT, size=size)
        self.multi_cell(0, size * 0.55, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(_FONT, size=10)

    def signature_boxes(
        self, labels: Sequence[str] = ("经办人（签字）", "单位（盖章）", "社保经办机构（盖章）")
    ) -> None:
        """Print boxes for signatures and seals, each with a date line."""
        height = 30
        if self.get_y() + height > self.h - self.b_margin:
            self.add_page()
        width = (self.w - self.l_margin - self.r_margin) / len(labels)
        top = self.get_y() + 2
        self.set_font(_FONT, size=9)
        for index, label in enumerate(labels):
            x = self.l_margin + index * width
            self.rect(x, top, width, height)
            self.set_xy(x + 2, top + 2)
            self.cell(width - 4, 5, label)
            self.set_xy(x + 2, top + height - 7)
            self.cell(width - 4, 5, "年    月    日", align=Align.R)
        self.set_xy(self.l_margin, top + height + 2)
        self.set_font(_FONT, size=10)

    def part(
        self, part: FormPart, rows: Sequence[Mapping[str, Any]], values: Mapping[str, Any]
    ) -> None:
        """Draw one block of a :class:`~sbbatch.spec.PrintedForm` of ``rows`` (as text).

        ``values`` fill the templates (see :func:`fill`); a grid shows the first row.
        """
        first = rows[0] if rows else {}
        if isinstance(part, FieldGrid):
            self.fields([(f.label, _text(first.get(f.field))) for f in part.fields], part.columns)
        elif isinstance(part, FormTable):
            self.table(
                [c.header for c in part.columns],
                [[_text(row.get(c.field)) for c in part.columns] for row in rows],
                widths=[c.width for c in part.columns],
                align=[c.align for c in part.columns],
                sum_row=None
                if part.sum_row is None
                else [fill(text, values) for text in part.sum_row],
                total=fill(part.total, values) if part.total else None,
                font_size=part.font_size,
            )
        elif isinstance(part, FormText):
            self.text_line(fill(part.text, values), size=part.size)
        elif isinstance(part, Signatures):
            if part.continued and self.get_y() + _SIGNATURE_HEIGHT > self.h - self.b_margin:
                # the boxes go on a page of their own: say which declaration they sign
                self.add_page()
                self.text_line(fill(part.continued, values))
            self.signature_boxes(part.labels)

    def save(self, path: str | Path) -> Path:
        """Write the PDF to ``path`` and return it."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as part:  # written beside the target, renamed when whole
            self.output(str(part))
        return target


#: The keyword arguments fpdf2's table passes to ``multi_cell`` in its height pass.
_ONE_LINE_KWARGS = frozenset(
    {
        "max_line_height",
        "border",
        "align",
        "new_x",
        "new_y",
        "fill",
        "markdown",
        "output",
        "wrapmode",
        "padding",
        "link",
    }
)

#: How much room (mm) a one-line cell keeps spare: nearer the edge, fpdf2 decides.
_FIT_MARGIN = 0.01


def _writing_disabled(pdf: FPDF) -> bool:
    """Whether fpdf2 is measuring, not writing (its ``_disable_writing`` replaces ``_out``)."""
    return not isinstance(pdf._out, types.MethodType)


#: Height of the signature boxes with their margins (mm).
_SIGNATURE_HEIGHT = 34


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def fill(template: str, values: Mapping[str, Any]) -> str:
    """Fill a form's text template with ``values`` (``{name}`` → its text).

    Example:
        >>> fill("共{rows}人", {"rows": 3})
        '共3人'
    """
    return template.format_map({k: _text(v) for k, v in values.items()})
