"""Page set-up of the workbooks zedxl writes: A4 landscape, fit to the page width down to a floor, print titles,
header and footer, row heights for wrapped text and page breaks that keep a block of rows together.

Widths are Excel column widths (characters of the default font's digit); a width is turned into points as Excel
does (7 pixels per character plus 5 of padding at 96 dpi), so what is computed here is what Excel and LibreOffice
print. A sheet whose columns fit the page at ``FLOOR`` % or more is fit to one page width (Excel works out the scale,
and keeps doing so when a column is widened); a wider one is printed at a fixed scale with column page breaks
between groups of columns, its title columns repeated on every page, so no page is printed smaller than ``FLOOR`` %.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from xlsxwriter.worksheet import Worksheet

A4 = 9  # XlsxWriter's paper code
FLOOR = 60  # smallest print scale (%): below it a printed figure is hard to read
PAGE_WIDTH, PAGE_HEIGHT = 841.89, 595.28  # A4 landscape, points
MARGIN_SIDE, MARGIN_TOP, MARGIN_BOTTOM, MARGIN_HEADER = 0.4, 0.7, 0.6, 0.25  # inches
# what a page holds, less 5 %: LibreOffice prints a column a little wider than Excel's own measure
PRINT_WIDTH = (PAGE_WIDTH - 2 * 72 * MARGIN_SIDE) * 0.95
PRINT_HEIGHT = (PAGE_HEIGHT - 72 * (MARGIN_TOP + MARGIN_BOTTOM)) * 0.95
DEFAULT_ROW = 15.0  # points: Excel's default row height for the default font (Calibri 11)
MAX_ROW = 409.0  # points: the tallest row Excel allows
PAGE_NUMBER = "Página &P de &N"


def column_points(width: float) -> float:
    """Printed width in points of a column ``width`` characters wide (0: hidden)."""
    if width <= 0:
        return 0.0
    pixels = math.trunc(width * 7 + 0.5) + 5 if width >= 1 else math.trunc(width * 12 + 0.5)
    return pixels * 0.75


def plain(text: str, limit: int = 80) -> str:
    """A text as a header/footer section shows it: on one line, ``&`` (which starts a code there) doubled, cut to
    ``limit`` characters so the whole string stays within Excel's 255."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("&", "&&")


def header_text(left: str, center: str, right: str, *, size: int = 8) -> str:
    """An Excel header or footer string of three sections (texts already ``plain`` or codes such as ``&P``)."""
    return "".join(f"&{code}&{size}{text}" for code, text in (("L", left), ("C", center), ("R", right)) if text)


@dataclass(frozen=True)
class PageText:
    """What the header and footer of every printed page say: who, what and when."""

    entidad: str
    titulo: str  # the workbook: «POI 2025 – Maestro», «Observaciones»
    instancia: str  # «Todas las instancias», «DPD – Dirección de …»
    periodo: str  # «2025», «II Trimestre 2025 (2025-T2)»

    def header(self) -> str:
        right = " · ".join(f"{label}: {text}" for label, text in (("Instancia", self.instancia),
                                                                   ("Periodo", self.periodo)) if text)
        return header_text(plain(self.entidad, 70), plain(self.titulo, 60), plain(right, 110))

    def footer(self) -> str:
        return header_text("&A", "", PAGE_NUMBER)


def plan_columns(widths: Sequence[float], title_cols: int = 0, breaks: Iterable[int] | None = None,
                 floor: int = FLOOR) -> tuple[int, list[int]]:
    """How to print columns of ``widths`` across A4 landscape: (scale %, column page breaks).

    ``title_cols`` first columns are repeated on every page; ``breaks`` are the columns a page may start at (by
    default any). No breaks: the columns fit one page width at that scale. Otherwise the largest scale ≥ ``floor``
    that needs no more pages than ``floor`` does.
    """
    points = [column_points(w) for w in widths]
    total = sum(points)
    if total * floor / 100 <= PRINT_WIDTH:
        return min(100, math.floor(PRINT_WIDTH / total * 100)) if total else 100, []
    titles = sum(points[:title_cols])
    allowed = sorted({b for b in (breaks if breaks is not None else range(title_cols + 1, len(points)))
                      if title_cols < b < len(points)})
    best: tuple[int, list[int]] | None = None
    for scale in range(100, floor - 1, -1):
        room = PRINT_WIDTH * 100 / scale - titles
        cuts = _greedy(points, title_cols, allowed, room, first_room=room)
        if best is None or len(cuts) < len(best[1]):
            best = (scale, cuts)
    assert best is not None
    return best


def _greedy(sizes: Sequence[float], start: int, allowed: Sequence[int], room: float,
            first_room: float) -> list[int]:
    """Page breaks over ``sizes[start:]`` filling each page up to ``room``, breaking only at ``allowed``."""
    cuts: list[int] = []
    used, last_ok, capacity = 0.0, None, first_room
    page_start = start
    for i in range(start, len(sizes)):
        if i in allowed and i > page_start:
            last_ok = i
        if used + sizes[i] > capacity and last_ok is not None and last_ok > page_start:
            cuts.append(last_ok)
            page_start = last_ok
            used = sum(sizes[last_ok:i])
            capacity = room
            last_ok = i if i in allowed and i > page_start else None
        used += sizes[i]
    return cuts


def row_breaks(heights: Sequence[float], blocks: Iterable[int], scale: int, title_height: float) -> list[int]:
    """Row page breaks (first row of each new page) for rows of ``heights`` (points, from row 0) printed at
    ``scale`` under repeated title rows ``title_height`` high, breaking only before a row of ``blocks`` (the
    first rows of the blocks that must not be split) and always early enough that the program never has to."""
    room = PRINT_HEIGHT * 100 / scale - title_height
    starts = sorted(set(blocks))
    cuts: list[int] = []
    top = 0
    for k, first in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(heights)
        if first == top:
            continue
        if sum(heights[top:end]) > room:
            cuts.append(first)
            top = first
    return cuts


def text_lines(text: str, width: float, font_size: float = 10) -> int:
    """Lines a wrapped ``text`` takes in a column ``width`` characters wide, counted generously (word wrap leaves
    each line a little short)."""
    per_line = max(1.0, (width * 7 - 6) / (font_size * 0.47 * 96 / 72))  # (an average letter, a little wide)
    lines = 0
    for paragraph in str(text).split("\n"):
        n, used = 1, 0
        for word in paragraph.split(" "):
            size = len(word)
            if used and used + 1 + size > per_line:
                n, used = n + 1, 0
            used += size + (1 if used else 0)
            while used > per_line:
                n, used = n + 1, used - int(per_line)
        lines += n
    return lines


def row_height(texts: Iterable[tuple[str, float]], font_size: float = 10, minimum: float = DEFAULT_ROW) -> float:
    """The height (points) of a row whose wrapped ``texts`` are (text, column width) pairs."""
    lines = max((text_lines(t, w, font_size) for t, w in texts if t and w > 0), default=0)
    return minimum if lines <= 1 else min(MAX_ROW, max(minimum, round(lines * font_size * 1.3 + 4, 1)))


def page_setup(ws: Worksheet, page: PageText, widths: Sequence[float] = (), *, last_row: int | None = None,
               title_rows: tuple[int, int] | None = None, title_cols: int = 0,
               breaks: Iterable[int] | None = None, row_heights: Sequence[float] | None = None,
               blocks: Iterable[int] | None = None) -> int:
    """A4 landscape page set-up of ``ws`` printing columns ``widths`` (index = column; 0 for a hidden one) and rows
    up to ``last_row`` (without them: what the sheet holds, one page wide): scale, column breaks, print titles,
    header and footer; with ``row_heights`` and ``blocks`` also row breaks that keep each block on one page.
    Returns the scale it prints at."""
    ws.set_paper(A4)
    ws.set_landscape()
    ws.set_margins(left=MARGIN_SIDE, right=MARGIN_SIDE, top=MARGIN_TOP, bottom=MARGIN_BOTTOM)
    ws.set_header(page.header(), {"margin": MARGIN_HEADER})
    ws.set_footer(page.footer(), {"margin": MARGIN_HEADER})
    if widths and last_row is not None:
        ws.print_area(0, 0, last_row, len(widths) - 1)
    if title_rows is not None:
        ws.repeat_rows(*title_rows)
    if title_cols:
        ws.repeat_columns(0, title_cols - 1)
    scale, cuts = plan_columns(widths, title_cols, breaks)
    if cuts or blocks is not None:  # (Excel ignores manual page breaks on a sheet fit to the page)
        ws.set_print_scale(scale)
        ws.set_v_pagebreaks(cuts)
    else:
        ws.fit_to_pages(1, 0)
    if row_heights is not None and blocks is not None:
        title_height = sum(row_heights[title_rows[0]:title_rows[1] + 1]) if title_rows else 0.0
        ws.set_h_pagebreaks(row_breaks(row_heights, blocks, scale, title_height))
    return scale
