"""Rendering a letter or notice to PDF with reportlab: English in Helvetica, Chinese in the built-in CID font
``MSung-Light`` (Traditional Chinese; no font file to ship). Rendering is invariant (no creation time or random
ID in the file), so the same values always give the same bytes and the same SHA-256."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

__all__ = ["Block", "render"]

CHINESE_FONT = "MSung-Light"
pdfmetrics.registerFont(UnicodeCIDFont(CHINESE_FONT))

# A block: (kind, content). kind: title | title_zh | heading | heading_zh | para | para_zh | list | list_zh |
# table (rows of cells, first row the header) | space.
Block = tuple[str, Any]

_EN = ParagraphStyle("en", fontName="Helvetica", fontSize=10.5, leading=14, spaceAfter=4)
_ZH = ParagraphStyle("zh", fontName=CHINESE_FONT, fontSize=10.5, leading=16, spaceAfter=4, wordWrap="CJK")
_STYLES = {
    "title": ParagraphStyle("title", parent=_EN, fontName="Helvetica-Bold", fontSize=15, leading=19, spaceAfter=2),
    "title_zh": ParagraphStyle("title_zh", parent=_ZH, fontSize=15, leading=20, spaceAfter=8),
    "heading": ParagraphStyle("heading", parent=_EN, fontName="Helvetica-Bold", fontSize=11.5, spaceBefore=8),
    "heading_zh": ParagraphStyle("heading_zh", parent=_ZH, fontSize=11.5, spaceBefore=8),
    "para": _EN,
    "para_zh": _ZH,
}


def _paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def render(blocks: Sequence[Block], *, title: str) -> bytes:
    """The PDF of BLOCKS (A4, 20 mm margins)."""
    story: list[Any] = []
    for kind, content in blocks:
        if kind in _STYLES:
            story.append(_paragraph(content, _STYLES[kind]))
        elif kind in ("list", "list_zh"):
            style = _ZH if kind == "list_zh" else _EN
            story.append(ListFlowable([ListItem(_paragraph(item, style)) for item in content],
                                      bulletType="1", bulletFontName=style.fontName, bulletFontSize=10))
        elif kind == "table":
            cell = ParagraphStyle("cell", parent=_EN, fontSize=9, leading=11, spaceAfter=0)
            head = ParagraphStyle("cellhead", parent=cell, fontName="Helvetica-Bold")
            rows = [[_paragraph(value, head if i == 0 else cell) for value in row] for i, row in enumerate(content)]
            table = Table(rows, repeatRows=1, hAlign="LEFT")
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, "#777777"),
                                       ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story.append(table)
        elif kind == "space":
            story.append(Spacer(1, float(content or 4) * mm))
        else:
            raise ValueError(f"unknown block kind {kind!r}")
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                                 bottomMargin=18 * mm, title=title, author="Office of the Communications Authority",
                                 invariant=1)
    document.build(story)
    return buffer.getvalue()
