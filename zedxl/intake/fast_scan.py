"""The fast sheet scan: a worksheet part in the plain shape spreadsheet programs write (no prefixes, merges,
hyperlinks, shared formulas...) read by regular expressions instead of one Python call per XML element; anything else
is left to the expat handlers of ``sheets._SheetScan``, which say the same of any part."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from zedxl.a1 import MAX_COLS, MAX_ROWS, col_index, to_a1
from zedxl.intake.common import _CLEAN_MAX_BYTES, _UNSEEN, BytesMemo, _new_parser, _truthy, xml_text
from zedxl.intake.result import CellFact, CellNote, MiB

if TYPE_CHECKING:
    from zedxl.intake.sheets import _SheetScan


_CELL_TAGS = (b"<c ", b"<c>", b"<c/", b"<c\t", b"<c\n", b"<c\r")

# The fast scan (``_Inspector.fast_scan``): the plain shape of a worksheet as Excel, LibreOffice, openpyxl and
# XlsxWriter write it. Anything else is left to the element-by-element scan.
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

_FAST_F = re.compile(rb"<f((?:\s[^>]*?)?)\s*(?:/>|>([^<]*)</f>)")

_FAST_V = re.compile(rb"<v>([^<]*)</v>|<v/>")

_FAST_NUM = re.compile(rb"-?[0-9]{1,15}(?:\.[0-9]{0,20})?(?:[eE][+-]?[0-9]{1,2})?")

_Scanned = tuple[list[CellFact], list[tuple[bytes, bytes, str]], list[CellNote], int, int, int, int]


def _scan_cells(sd: bytes, name: str, keep: bool, n_tags: int) -> _Scanned | None:
    """The cells of ``<sheetData>`` (see ``_cells_one_by_one``); None to give up the fast scan."""
    matches = _FAST_CELL.findall(sd)
    if len(matches) != n_tags:
        return None
    return _cells_one_by_one(matches, name, keep)


def _cells_one_by_one(matches: list[tuple[bytes, ...]], name: str, keep: bool) -> _Scanned | None:
    """The cells of a fast-scanned sheet, one at a time: (facts, formulas as (letters, row, text), error cells,
    max row and column holding something, max row and column of any cell); None to give up the fast scan."""
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
                # a plain <t>: its text, decoded as an XML parser does; anything else (runs, phonetic
                # guides, an empty text) is marked "" and left to the value reader
                raw = xml_text(istext) if istext else ""
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


# in a worksheet outside <sheetData> (no cell there), the elements _SheetScan.start does anything with
_OUTSIDE_NOTED = re.compile(rb"<([^\s<>/!?:]*:)?(dimension|sheetProtection|row|col)(?=[\s/>])")

# one start tag of a part already known to be well formed (attribute values may hold ">")
_START_TAG = re.compile(rb"""<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/?>""")

# what _note_outside found in clean parts, by their bytes (apart from _CLEAN_PARTS: a return brings several new
# ones, which must not push styles.xml and the theme out)
_OUTSIDES = BytesMemo(4 * 1024 * 1024)


def _note_outside(outside: bytes, scan: _SheetScan) -> bool:
    """What ``_SheetScan.start`` notes of a worksheet's part outside ``<sheetData>`` (the fast scan's
    ``outside``: no cell, merge or hyperlink in it, no comment, CDATA, DTD or processing instruction but the XML
    declaration), found without a handler per element: the part is checked well formed by expat (raises if not),
    its elements and ``<col>`` counted, and only ``<dimension>`` and ``<sheetProtection>`` tags parsed for their
    attributes.
    False, having changed nothing, when the handlers must run: a prefixed one of those names, a ``<row>``, or
    too many ``<col>`` (the handlers then count and refuse them)."""
    # the sheets of returns made from one template often share this part byte for byte: what a clean reading
    # found is remembered (elements, <col> count, and the dimension and protection tags' attributes)
    seen = _OUTSIDES.get(outside)
    if seen is None:
        seen = _read_outside(outside)
        if seen is None:
            return False
        if len(outside) <= _CLEAN_MAX_BYTES:
            _OUTSIDES.put(outside, len(outside), seen)
    elements, col_defs, found = seen
    if scan.elements + elements > scan.max_elements:
        return False
    scan.elements += elements
    scan.col_defs += col_defs
    for name, attrs in found:
        if name == "dimension":
            scan.dimension = attrs.get("ref", "")[:100]
        else:
            scan.protected = _truthy(attrs.get("sheet"))
    return True


def _read_outside(outside: bytes) -> tuple[int, int, tuple[tuple[str, dict[str, str]], ...]] | None:
    """``_note_outside``'s reading of the part, or None when the handlers must run; raises when it is not well
    formed."""
    noted = _noted_plain(outside)
    if noted is None:
        matches = list(_OUTSIDE_NOTED.finditer(outside))
        if any(m.group(1) for m in matches):
            return None
        noted = [(m.start(), m.group(2)) for m in matches]
    if any(name == b"row" for _, name in noted) or outside.count(b"<col") > 1000:
        return None
    _new_parser().Parse(outside, True)
    elements = outside.count(b"<") - outside.count(b"</") - outside.count(b"<?")
    col_defs = sum(1 for _, name in noted if name == b"col")
    found: list[tuple[str, dict[str, str]]] = []
    for start, name in noted:
        if name in (b"dimension", b"sheetProtection"):
            tag = _START_TAG.match(outside, start)
            if tag is None:  # pragma: no cover - a well-formed start tag always matches
                raise ValueError("etiqueta no reconocida")
            found.append(_tag_attributes(tag.group()))
    return elements, col_defs, tuple(found)


_NOTED_NAMES = (b"dimension", b"sheetProtection", b"row", b"col")

_AFTER_NAME = frozenset(b" \t\n\r\x0b\x0c/>")  # the pattern's lookahead, [\s/>]


def _noted_plain(outside: bytes) -> list[tuple[int, bytes]] | None:
    """``_OUTSIDE_NOTED``'s matches (where, which name) found by searching for each name, when no prefixed one can
    be there (no ":dimension", ":sheetProtection", ":row" or ":col" anywhere); None otherwise (the pattern is run)."""
    if any(b":" + name in outside for name in _NOTED_NAMES):
        return None
    out: list[tuple[int, bytes]] = []
    for name in _NOTED_NAMES:
        needle = b"<" + name
        after = len(needle)
        i = outside.find(needle)
        while i >= 0:
            if i + after < len(outside) and outside[i + after] in _AFTER_NAME:
                out.append((i, name))
            i = outside.find(needle, i + after)
    out.sort()
    return out


_TAG_ATTRIBUTES = BytesMemo(256 * 1024)  # a start tag's (name, attributes), by its bytes


def _tag_attributes(text: bytes) -> tuple[str, dict[str, str]]:
    """The name and attributes of one start tag, as expat gives them (each distinct tag parsed once; the dict is
    shared and must not be changed)."""
    found: tuple[str, dict[str, str]] | None = _TAG_ATTRIBUTES.get(text)
    if found is None:
        got: list[tuple[str, dict[str, str]]] = []
        parser = _new_parser()
        parser.StartElementHandler = lambda name, attrs: got.append((name, attrs))
        parser.Parse(text if text.endswith(b"/>") else text[:-1] + b"/>", True)
        found = _TAG_ATTRIBUTES.put(text, len(text), got[0])
    return found


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
