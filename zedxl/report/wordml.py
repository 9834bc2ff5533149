"""WordprocessingML as text (paragraphs, runs, tables, fields, pictures), spliced into the package python-docx saved.

python-docx adds each paragraph or table before ``w:sectPr`` by scanning the body, and holds it as an lxml tree
(~500 elements an AO): the report's time grew with the square of the plan, its memory past a GB. Contract:

* Functions return fragments (``str``) with the prefix ``w:`` that python-docx's document and footer parts declare
  on their root. Children follow ECMA-376's schema order. Style ids, colours and the like are the caller's
  constants, written as given.
* Text: characters XML 1.0 forbids (C0 controls but tab, LF and CR; surrogates; U+FFFE, U+FFFF) are removed and
  ``& < >`` escaped. In a run, as python-docx's ``Run.text`` does, a tab becomes ``<w:tab/>``, each CR or LF a
  ``<w:br/>``, and leading or trailing white space is kept (``xml:space="preserve"``).
* Lengths are given in cm or points and written in dxa (twentieths of a point), rounded as python-docx rounds.
* ``splice`` copies a package replacing each *marker paragraph* (one whose only text is the marker, as
  ``add_paragraph(marker)`` or ``Paragraph.text = marker`` make it) by the chunks given for it, streamed.
"""

from __future__ import annotations

import itertools
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import BinaryIO, NamedTuple

from docx.shared import Cm, Pt

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BREAKS = re.compile("([\t\r\n])")
EMPTY = "<w:p/>"
PAGE_BREAK = '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'


def _flag(tag: str, on: bool | None) -> str:
    return "" if on is None else f"<w:{tag}/>" if on else f'<w:{tag} w:val="0"/>'


def run_props(*, bold: bool | None = None, italic: bool | None = None, size: float | None = None,
              highlight: str | None = None) -> str:
    """``<w:rPr>``, or nothing when nothing is set. ``None`` inherits from the style; ``False`` turns off."""
    props = (_flag("b", bold) + _flag("i", italic) + (f'<w:sz w:val="{int(size * 2)}"/>' if size else "")
             + (f'<w:highlight w:val="{highlight}"/>' if highlight else ""))
    return f"<w:rPr>{props}</w:rPr>" if props else ""


def run(value: str, *, bold: bool | None = None, italic: bool | None = None, size: float | None = None,
        highlight: str | None = None) -> str:
    parts = []
    for piece in _BREAKS.split(_ILLEGAL.sub("", value)):
        if piece in ("\t", "\r", "\n"):
            parts.append("<w:tab/>" if piece == "\t" else "<w:br/>")
        elif piece:
            space = ' xml:space="preserve"' if len(piece.strip()) < len(piece) else ""
            parts.append(f"<w:t{space}>{escape(piece, quote=False)}</w:t>")
    return f"<w:r>{run_props(bold=bold, italic=italic, size=size, highlight=highlight)}{''.join(parts)}</w:r>"


def paragraph(runs: str = "", *, style: str | None = None, keep: bool = False, before: float | None = None,
              after: float | None = None, line: float | None = None, indent_cm: float | None = None,
              align: str | None = None) -> str:
    """``style``: a style id (``Heading1``); ``keep``: with the next; ``before``/``after``: points; ``line``: a
    multiple of single spacing; ``align``: ``left``, ``center``, ``right`` or ``both``."""
    spacing = (("" if after is None else f' w:after="{Pt(after).twips}"')
               + ("" if before is None else f' w:before="{Pt(before).twips}"')
               + ("" if line is None else f' w:line="{round(line * 240)}" w:lineRule="auto"'))
    props = ((f'<w:pStyle w:val="{style}"/>' if style else "") + ("<w:keepNext/>" if keep else "")
             + (f"<w:spacing{spacing}/>" if spacing else "")
             + ("" if indent_cm is None else f'<w:ind w:left="{Cm(indent_cm).twips}"/>')
             + (f'<w:jc w:val="{align}"/>' if align else ""))
    return f"<w:p>{f'<w:pPr>{props}</w:pPr>' if props else ''}{runs}</w:p>" if props or runs else EMPTY


def field_begin(instruction: str, *, size: float | None = None) -> str:
    """Runs that open a complex field (``PAGE``, ``TOC …``); what comes before ``field_end`` is its shown result."""
    rpr, instruction = run_props(size=size), escape(_ILLEGAL.sub("", instruction), quote=False)
    return (f'<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r><w:r>{rpr}<w:instrText xml:space="preserve"> '
            f'{instruction} </w:instrText></w:r><w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>')


def field_end(*, size: float | None = None) -> str:
    return f'<w:r>{run_props(size=size)}<w:fldChar w:fldCharType="end"/></w:r>'


def drawing(inline: str) -> str:
    """A run holding a DrawingML ``wp:inline`` (declaring its own namespaces, as lxml serialises python-docx's)."""
    return f"<w:r><w:drawing>{inline}</w:drawing></w:r>"


class Cell(NamedTuple):
    """A ``w:tc``: paragraphs, grid columns spanned, vertical merge (``restart`` at the top of a merged block,
    ``continue`` below), fill colour, centred vertically."""

    body: str = EMPTY
    span: int = 1
    merge: str | None = None
    fill: str | None = None
    middle: bool = True


class Grid:
    """A centred ``TableGrid`` table with fixed column widths (cm), its rows made by ``row``."""

    def __init__(self, widths_cm: Sequence[float], *, margins_cm: float | None = None) -> None:
        self.widths = list(widths_cm)
        self._tc_w: dict[tuple[int, int], str] = {}
        margins = "" if margins_cm is None else "<w:tblCellMar>" + "".join(
            f'<w:{side} w:w="{int(margins_cm * 567)}" w:type="dxa"/>' for side in ("left", "right")) + "</w:tblCellMar>"
        self.start = (f'<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:type="dxa" '
                      f'w:w="{int(sum(self.widths) * 567)}"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/>'
                      f'{margins}<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" '
                      f'w:noHBand="0" w:noVBand="1" w:val="04A0"/></w:tblPr><w:tblGrid>'
                      + "".join(f'<w:gridCol w:w="{Cm(w).twips}"/>' for w in self.widths) + "</w:tblGrid>")

    def row(self, cells: Iterable[Cell], *, header: bool = False) -> str:
        """A row that never splits across pages; ``header`` rows repeat at the top of each page."""
        out = ['<w:tr><w:trPr><w:cantSplit w:val="true"/>' + ('<w:tblHeader w:val="true"/>' if header else "")
               + "</w:trPr>"]
        col = 0
        for c in cells:
            if (col, c.span) not in self._tc_w:
                width = Cm(sum(self.widths[col:col + c.span])).twips
                self._tc_w[col, c.span] = f'<w:tcW w:type="dxa" w:w="{width}"/>' + (
                    f'<w:gridSpan w:val="{c.span}"/>' if c.span > 1 else "")
            merge = "" if c.merge is None else "<w:vMerge/>" if c.merge == "continue" else '<w:vMerge w:val="restart"/>'
            out.append(f"<w:tc><w:tcPr>{self._tc_w[col, c.span]}{merge}"
                       + (f'<w:shd w:val="clear" w:color="auto" w:fill="{c.fill}"/>' if c.fill else "")
                       + ('<w:vAlign w:val="center"/>' if c.middle else "") + f"</w:tcPr>{c.body}</w:tc>")
            col += c.span
        if col != len(self.widths):
            raise ValueError(f"a row spans {col} columns of {len(self.widths)}")
        return "".join(out) + "</w:tr>"

    def table(self, *rows: Iterable[str]) -> str:
        return self.start + "".join(itertools.chain(*rows)) + "</w:tbl>"


def _marker(xml: bytes, marker: str) -> tuple[int, int] | None:
    """Byte range of the paragraph whose text is ``marker``."""
    at = xml.find(f">{marker}</w:t>".encode())
    if at < 0:
        return None
    return max(xml.rfind(b"<w:p>", 0, at), xml.rfind(b"<w:p ", 0, at)), xml.index(b"</w:p>", at) + len(b"</w:p>")


def splice(package: BinaryIO, out: Path, fills: Mapping[str, Iterable[bytes]]) -> None:
    """Copy the zip ``package`` to ``out``, each marker paragraph replaced by the UTF-8 chunks of ``fills[marker]``.

    Raises:
        ValueError: a marker is in none of the package's parts.
    """
    left = set(fills)
    with zipfile.ZipFile(package) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            spans = sorted((span, m) for m in left if (span := _marker(data, m)))
            if not spans:
                dst.writestr(info, data)
                continue
            with dst.open(info, "w") as member:
                at = 0
                for (start, stop), marker in spans:
                    member.write(data[at:start])
                    member.writelines(fills[marker])
                    left.discard(marker)
                    at = stop
                member.write(data[at:])
    if left:
        raise ValueError(f"marcadores ausentes del paquete: {sorted(left)}")
