"""The fast sheet scan: a worksheet part in the plain shape spreadsheet programs write (no prefixes, merges,
hyperlinks, shared formulas...) read by regular expressions instead of one Python call per XML element; anything else
is left to the expat handlers of ``sheets._SheetScan``, which say the same of any part."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from zedxl.a1 import MAX_COLS, MAX_ROWS, col_index, to_a1
from zedxl.intake.common import (
    _CLEAN_MAX_BYTES,
    _SHALLOW_BYTES,
    _UNSEEN,
    BytesMemo,
    _nesting_bounded,
    _new_parser,
    xml_text,
)
from zedxl.intake.result import CellFact, CellNote, MiB

if TYPE_CHECKING:
    from zedxl.intake.sheets import _SheetScan


_CELL_TAGS = (b"<c ", b"<c>", b"<c/", b"<c\t", b"<c\n", b"<c\r")

_FAST_MAX_BYTES = 8 * MiB

_FAST_ROOT = re.compile(rb"(?:\xef\xbb\xbf)?(?:<\?xml(?P<decl>[^?>]*)\?>)?\s*<worksheet[\s>]")

_FAST_ENC = re.compile(rb"encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")

_MAIN_NS_ATTR = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'

_FAST_PREFIXED = re.compile(rb"</?[A-Za-z_][\w.\-]*:")

_FAST_PREFIXED_SPECIAL = re.compile(rb"<[A-Za-z_][\w.\-]*:(?:c|row|mergeCell|hyperlink|col|v|f|is)[\s>/]")

# one cell in the order every writer uses: <f> then <v> then (inline strings) <is>; any other shape does not match,
# so the count of matches differs from the count of <c tags and the fast scan gives up. Groups: column letters,
# row, style, type, "<f" mark, <f> attributes, formula text, "<v" mark, value text, "<is>" mark, and the text of
# an inline string that is one plain <t> (empty otherwise).
_FAST_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?: s="([0-9]{1,9})")?(?: t="([A-Za-z]{1,12})")?'
    rb'(?: (?:cm|vm|ph)="[0-9A-Za-z]*")*\s*'
    rb"(?:/>|>(?:(<f)((?:\s[^>]*?)?)\s*(?:/>|>([^<]*)</f>))?(?:(<v)(?:/>|>([^<]*)</v>))?"
    rb'(?:(<is>)(?:<t(?: xml:space="preserve")?>([^<]+)</t></is>|[^<]*(?:<(?!/is>)[^<]*)*</is>))?</c>)')

_FAST_ROW = re.compile(rb'<row r="([1-9][0-9]{0,6})"[\s>/]')

_FAST_NUM = re.compile(rb"-?[0-9]{1,15}(?:\.[0-9]{0,20})?(?:[eE][+-]?[0-9]{1,2})?")

_Scanned = tuple[list[CellFact], list[tuple[bytes, bytes, str]], list[CellNote], int, int, int, int]


def _scan_cells(sd: bytes, name: str, keep: bool, n_tags: int) -> _Scanned | None:
    """The cells of ``<sheetData>``: (facts, formulas as (letters, row, text), error cells, max row and column holding
    something, max row and column of any cell); None to give up the fast scan (not every ``<c`` tag matched...)."""
    matches = _FAST_CELL.findall(sd)
    if len(matches) != n_tags:
        return None
    facts: list[CellFact] = []
    formulas: list[tuple[bytes, bytes, str]] = []  # (letters, row, text)
    errors: list[CellNote] = []
    # the same column letters, row numbers, styles and types repeat on every row: convert each once
    cols: dict[bytes, int] = {}
    row_ints: dict[bytes, int] = {}
    styles: dict[bytes, int] = {b"": 0}
    types: dict[bytes, str | None] = {b"": None}
    max_row = max_col = 0
    num = _FAST_NUM.fullmatch
    for letters, row_text, style, ctype, fmark, fattrs, ftext, vmark, vtext, ismark, istext in matches:
        col = cols.get(letters)
        if col is None:
            col = cols[letters] = col_index(letters.decode("ascii")) + 1
            if col > MAX_COLS:
                return None
        row = row_ints.get(row_text)
        if row is None:
            row = row_ints[row_text] = int(row_text)
            if row > MAX_ROWS:
                return None
        t = types.get(ctype, _UNSEEN)
        if t is _UNSEEN:
            t = types[ctype] = ctype.decode("ascii")
        raw: str | None = None
        formula: str | None = None
        if fmark or vmark or ismark:
            if row > max_row:
                max_row = row
            if col > max_col:
                max_col = col
            if ismark and t == "inlineStr":
                if not istext:
                    return None  # runs, phonetic guides, an empty text: the full scan records them
                raw = xml_text(istext)
            if vmark and t != "inlineStr":  # an inline string's text is its <is>, whatever <v> says
                if (t is None or t == "n") and vtext and not num(vtext) and not vtext.isspace():
                    return None  # a non-finite or odd number: the full scan reports it
                if not vtext:
                    raw = ""
                elif b"&" in vtext or b"\r" in vtext or not vtext.isascii():
                    raw = xml_text(vtext)
                else:
                    raw = vtext.decode("ascii")
                if t == "e":
                    errors.append(CellNote(name, to_a1(row - 1, col - 1), raw[:64].strip()[:64]))
            if fmark:
                if b"t=" in fattrs:
                    return None  # shared, array or data-table formula
                formula = xml_text(ftext) if ftext else ""
                formulas.append((letters, row_text, formula))
        if keep:
            st = styles.get(style)
            if st is None:
                st = styles[style] = int(style)
            facts.append((row - 1, col - 1, st, t, raw, formula))
    ext_row = max(row_ints.values(), default=0)
    ext_col = max(cols.values(), default=0)
    return facts, formulas, errors, max_row, max_col, ext_row, ext_col


# what the handlers noted of a clean part outside <sheetData>, by its bytes (apart from _CLEAN_PARTS: a return
# brings several new ones, which must not push styles.xml and the theme out)
_OUTSIDES = BytesMemo(4 * 1024 * 1024)


def _note_outside(outside: bytes, scan: _SheetScan) -> None:
    """``_SheetScan``'s handlers run over a worksheet's part outside ``<sheetData>`` (no cell, merge or hyperlink in
    it; raises when not well formed), what they noted remembered: returns of one template share it byte for byte."""
    seen = _OUTSIDES.get(outside)
    limits = scan.insp.limits
    if seen is not None and scan.elements + seen[0] <= scan.max_elements and seen[4] <= limits.max_sheet_ranges:
        scan.elements, scan.col_defs, scan.dimension, scan.protected, _ = seen
        return
    parser = _new_parser()
    parser.StartElementHandler = scan.start
    if len(outside) > _SHALLOW_BYTES:
        parser.StartElementHandler, parser.EndElementHandler = _nesting_bounded(
            scan.start, None, limits.max_xml_depth, f"de la hoja «{scan.sheet}»")
    parser.CharacterDataHandler = scan.chars
    parser.Parse(outside, True)
    if not scan.rows and len(outside) <= _CLEAN_MAX_BYTES:  # a <row> here may be reported: never remembered
        _OUTSIDES.put(outside, len(outside), (scan.elements, scan.col_defs, scan.dimension, scan.protected,
                                              max(scan.ranges.values(), default=0)))


def _has_prefixed_tag(data: bytes) -> bool:
    """``_FAST_PREFIXED.search(data)``, looking only where a colon is (a prefixed name ends in one; colons are
    rare in sheet data, so this skips the regular expression's try at every "<")."""
    pos = data.find(b":")
    while pos >= 0:
        lt = data.rfind(b"<", 0, pos)
        if lt >= 0:
            m = _FAST_PREFIXED.match(data, lt)
            if m is not None and m.end() == pos + 1:
                return True
        pos = data.find(b":", pos + 1)
    return False
