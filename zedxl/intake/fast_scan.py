"""The fast sheet scan: a worksheet part in the plain shape spreadsheet programs write (no prefixes, merges,
hyperlinks, shared formulas...) read by regular expressions instead of one Python call per XML element; anything else
is left to the expat handlers of ``sheets._SheetScan``, which say the same of any part."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from zedxl.a1 import MAX_COLS, MAX_ROWS, col_index, to_a1
from zedxl.intake.common import (
    _DDE_FORMULA,
    _RISKY_FUNCTIONS,
    _SHALLOW_BYTES,
    _may_call_out,
    _nesting_bounded,
    _new_parser,
    _strip_literals,
    xml_text,
)
from zedxl.intake.result import CellFact, CellNote, MiB, SheetInfo

if TYPE_CHECKING:
    from zedxl.intake.sheets import _Sheets, _SheetScan

_UNSEEN: Any = object()

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


def _split_sheet_data(data: bytes) -> tuple[bytes, bytes] | None:
    """(``<sheetData>`` with its cells, the rest of the part with an empty ``<sheetData/>`` in its place) of a
    worksheet part in the plain shape; None for any other."""
    root = _FAST_ROOT.match(data)
    if root is None or b"<!" in data or data.count(b"<?") != (1 if root.group("decl") is not None else 0):
        return None
    decl = root.group("decl")
    enc = _FAST_ENC.search(decl) if decl else None
    if enc is not None and enc.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        return None
    if _MAIN_NS_ATTR not in data[root.start(): data.find(b">", root.end() - 1) + 1]:
        return None
    i = data.find(b"<sheetData")
    if i < 0 or data.find(b"<sheetData", i + 1) >= 0:
        return None
    if data.startswith(b"<sheetData/>", i):
        sd, j = b"", i + len(b"<sheetData/>")
    else:
        j = data.find(b"</sheetData>")
        if not data.startswith(b"<sheetData>", i) or j < 0 or data.find(b"</sheetData>", j + 1) >= 0:
            return None
        j += len(b"</sheetData>")
        sd = data[i:j]
    outside = data[:i] + b"<sheetData/>" + data[j:]
    if (b"xmlns" in sd or any(t in outside for t in _CELL_TAGS)
            or _FAST_PREFIXED_SPECIAL.search(outside) or b"<mergeCell" in outside or b"<hyperlink" in outside
            or outside.count(b"<col ") > 1000 or _has_prefixed_tag(sd)):
        return None
    return sd, outside


def fast_scan(insp: _Sheets, sheet: SheetInfo, scan: _SheetScan) -> bool:
    """``scan`` filled as its handlers would fill it, by regular expressions, for a worksheet in the plain shape
    programs write (UTF-8, no comment, CDATA, PI or DTD, nothing prefixed in ``<sheetData>``, ``r=`` first on every
    ``<row>`` and ``<c>``, plain numbers, no shared or array formula nor one that reaches outside, no merge or
    hyperlink, within the limits, well formed); False otherwise, having changed nothing but ``scan``: the full scan,
    on a fresh one, reports what is wrong."""
    info = insp.member(sheet.part)
    assert info is not None
    data = insp.small_bytes(info, _FAST_MAX_BYTES)  # read errors: the full scan's
    parts = _split_sheet_data(data) if data is not None else None
    if parts is None:
        return False
    sd, outside = parts
    lim = insp.limits
    n_tags = sd.count(b"<c")
    if n_tags != sd.count(b"<c "):  # some other tag starts with "<c" too: count each cell tag form
        n_tags = sum(sd.count(t) for t in _CELL_TAGS)
    elements = (sd.count(b"<") - sd.count(b"</") - 1) if sd else 0
    if n_tags > lim.max_cells_per_sheet or n_tags > lim.max_total_cells - insp.total_cells:
        return False
    if insp.elements + elements + outside.count(b"<") > lim.max_xml_elements:
        return False
    try:
        if sd:
            parser = _new_parser()
            if len(sd) > _SHALLOW_BYTES:  # a large one is well formed and shallow, or the full scan says why
                parser.StartElementHandler, parser.EndElementHandler = _nesting_bounded(
                    None, None, lim.max_xml_depth, sheet.part)
            parser.Parse(sd, True)
        # the part around the cells (no cell, merge or hyperlink in it) through the scan's own handlers
        parser = _new_parser()
        parser.StartElementHandler = scan.start
        if len(outside) > _SHALLOW_BYTES:
            parser.StartElementHandler, parser.EndElementHandler = _nesting_bounded(
                scan.start, None, lim.max_xml_depth, f"de la hoja «{sheet.name}»")
        parser.CharacterDataHandler = scan.chars
        parser.Parse(outside, True)
    except Exception:  # noqa: BLE001 - malformed: the full scan names the problem
        return False
    rows = _FAST_ROW.findall(sd)
    if len(rows) != sd.count(b"<row") or len(rows) > lim.max_cells_per_sheet or (
            rows and max(map(int, rows)) > MAX_ROWS):
        return False
    scanned = _scan_cells(sd, sheet.name, insp.keep_cells, n_tags)
    insp.check_deadline()
    if scanned is None:
        return False
    facts, formulas, errors, max_row, max_col, ext_row, ext_col = scanned
    # formulas that reach outside (DDE) or call out: one search over all of them says whether any may; only
    # then each is looked at on its own (a match in the joined text is necessary for a match in one)
    joined = "\n".join(f for _, _, f in formulas)
    if _may_call_out(joined) and (_DDE_FORMULA.search(joined) or _RISKY_FUNCTIONS.search(joined)):
        for _, _, formula in formulas:
            bare = _strip_literals(formula[:256])
            if _DDE_FORMULA.search(bare) or _RISKY_FUNCTIONS.search(bare):
                return False
    # every check passed: commit
    insp.parsed.add(info.filename.lower())
    scan.elements += elements
    scan.cells, scan.rows, scan.formula_count = n_tags, len(rows), len(formulas)
    scan.ext_row, scan.ext_col, scan.max_row, scan.max_col = ext_row, ext_col, max_row, max_col
    for note in errors:
        insp.record(insp.error_cells, note)
    for letters, row_text, formula in formulas:
        insp.record(insp.formulas, CellNote(sheet.name, (letters + row_text).decode("ascii"), formula[:256]))
    if insp.keep_cells:
        insp.cells[sheet.name] = tuple(facts)
    return True
