"""The sheet scan: every worksheet part streamed once, its cells bounded, counted and recorded (the plain shape by
regular expressions, anything else by expat handlers)."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import re
import sys
from typing import Any

from zedxl.a1 import MAX_COLS, MAX_ROWS, col_index, col_letter, from_a1, to_a1
from zedxl.intake.common import (
    _DDE_FORMULA,
    _RISKY_FUNCTIONS,
    _TICK,
    _Base,
    _dangerous_target,
    _rid,
    _short,
    _Stop,
    _strip_literals,
    _truthy,
)
from zedxl.intake.container import _Container
from zedxl.intake.fast_scan import _CELL_TAGS, fast_scan
from zedxl.intake.result import CellFact, CellNote, Hyperlink, SheetInfo

_CELL_REF = re.compile(r"([A-Za-z]{1,10})([0-9]{1,15})\Z")

_RANGE_REF = re.compile(r"\$?([A-Za-z]{1,10})\$?([0-9]{1,15})(?::\$?([A-Za-z]{1,10})\$?([0-9]{1,15}))?\Z")

_NUMBER = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*\Z")


def _parse_range(ref: str) -> tuple[int, int, int, int] | None:
    """'A1:B2' or 'A1' to 1-based (row1, col1, row2, col2) normalised; None when not a reference."""
    m = _RANGE_REF.match(ref.strip())
    if not m:
        return None
    c1, r1 = col_index(m.group(1)) + 1, int(m.group(2))
    c2, r2 = (col_index(m.group(3)) + 1, int(m.group(4))) if m.group(3) else (c1, r1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def _in_grid(row: int, col: int) -> bool:
    """1-based row and column inside Excel's grid."""
    return 1 <= row <= MAX_ROWS and 1 <= col <= MAX_COLS


def _ref_text(row: int, col: int) -> str:
    return f"{col_letter(col - 1) if col >= 1 else '?'}{row}"


_WHOLE = sys.maxsize  # text kept whole (keep_cells)

# Elements that may appear inside <c>: any other start tag ends the pending cell (no end handler is needed).
_CELL_CHILDREN = frozenset({
    "f", "v", "is", "t", "r", "rPr", "rPh", "phoneticPr", "b", "i", "sz", "color", "rFont", "family", "scheme",
    "strike", "u", "vertAlign", "charset", "condense", "extend", "outline", "shadow",
})


# What a sheet holds a bounded number of (Limits.max_sheet_ranges each), by element name, in the issue's words.
_RANGES = {"mergeCell": "rangos combinados", "dataValidation": "validaciones de datos",
           "cfRule": "reglas de formato condicional", "hyperlink": "hipervínculos"}


class _SheetScan:
    """Expat handlers for one worksheet: count and bound its cells, record formulas, hyperlinks, merges and, with
    ``keep_cells``, every cell as a ``CellFact``. A cell ends when an element that cannot be inside one starts; every
    element named ``c``, whatever its prefix, counts as a cell (over-counting is safe)."""

    def __init__(self, insp: _Base, sheet: str) -> None:
        self.insp = insp
        self.sheet = sheet
        lim = insp.limits
        self.max_cells = lim.max_cells_per_sheet
        self.max_total = lim.max_total_cells - insp.total_cells  # cells this sheet may still add
        self.max_area = lim.max_range_cells
        self.max_elements = lim.max_xml_elements - insp.elements
        self.rows = 0
        self.col_defs = 0
        self.ext_row = 0
        self.ext_col = 0
        self.elements = 0
        self.in_cell = False
        self.row = 0
        self.col = 0  # 1-based column of the last cell
        self.cells = 0
        self.max_row = 0
        self.max_col = 0
        self.dimension = ""
        self.protected = False
        self.formula_count = 0
        self.merged: list[str] = []
        self.range_area = 0
        self.hyperlink_refs: dict[str, list[str]] = {}
        self.ranges: dict[str, int] = {}  # merged ranges, data validations... by element name
        # current cell
        self.c_row = 0
        self.c_col = 0
        self.c_valid = False
        self.c_type: str | None = None
        self.c_content = False
        self.c_formula: list[str] | None = None
        self.c_value: list[str] | None = None
        self.capture: list[str] | None = None
        self.capture_len = 0
        self.capture_max = 0
        self.keep = insp.keep_cells
        self.facts: list[CellFact] = []
        self.shared: dict[str, tuple[str, str]] = {}  # si -> (the group's A1 reference, its formula text)
        self.c_style = 0
        self.c_fattrs: dict[str, str] = {}
        self.c_inline: list[str] | None = None
        self.c_phonetic = False

    def check_cells(self, cells: int) -> None:
        """Over the cells a sheet or the workbook may hold, the sheet is refused."""
        if cells > self.max_cells:
            raise _Stop("hoja-demasiadas-celdas", sheet=self.sheet, limit=f"{self.max_cells:,}")
        if cells > self.max_total:
            raise _Stop("libro-demasiadas-celdas", sheet=self.sheet, limit=f"{self.insp.limits.max_total_cells:,}")

    def issue(self, code: str, **kw: Any) -> None:
        self.insp.add(code, sheet=self.sheet, **kw)

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.elements = n = self.elements + 1
        if n > self.max_elements:
            raise _Stop("xml-parte-demasiado-grande", part=f"de la hoja «{self.sheet}»",
                        detail=f"más de {self.insp.limits.max_xml_elements:,} elementos XML")
        if not n & _TICK:
            self.insp.check_deadline()
        self.capture = None
        local = tag[tag.find(":") + 1:]  # the prefix, if any, left out (find gives -1 without one)
        if local == "c":
            if self.in_cell:
                self.finish_cell()
            # start a cell
            self.cells = cells = self.cells + 1
            if cells > self.max_cells or cells > self.max_total:
                self.check_cells(cells)
            self.in_cell = True
            self.c_type = attrs.get("t")
            if self.keep:
                style = attrs.get("s", "0")
                self.c_style = int(style) if style.isdigit() else 0
                self.c_inline = None
                self.c_phonetic = False
            self.c_content = False
            self.c_formula = self.c_value = None
            r = attrs.get("r")
            row = self.row or 1
            if r is None:
                col = self.col + 1
            else:
                m = _CELL_REF.match(r)
                if m is None:
                    self.issue("celda-referencia-invalida", ref=_short(r, 20))
                    col = self.col + 1
                else:
                    col = col_index(m.group(1)) + 1
                    row = int(m.group(2))
            self.col = col
            self.c_row = row
            self.c_col = col
            self.c_valid = valid = 0 < row <= MAX_ROWS and 0 < col <= MAX_COLS
            if valid:
                if row > self.ext_row:
                    self.ext_row = row
                if col > self.ext_col:
                    self.ext_col = col
            else:
                self.issue("celda-fuera-de-cuadricula",
                           ref="la celda " + (_ref_text(row, col) if col <= 10**6 else _short(str(r), 20)))
        elif local == "v":
            if self.in_cell:
                self.c_content = True
                self.capture = self.c_value = []
                self.capture_len = 0
                self.capture_max = _WHOLE if self.keep else 64
        elif local == "f":
            if self.in_cell:
                self.c_content = True
                self.capture = self.c_formula = []
                self.capture_len = 0
                self.capture_max = _WHOLE if self.keep else 256
                self.c_fattrs = attrs
        elif local in _CELL_CHILDREN:
            if local == "is" and self.in_cell:
                self.c_content = True
                self.c_inline = []
            elif local == "rPh":
                self.c_phonetic = True  # phonetic guides come after an inline string's runs
            elif local == "t" and self.keep and self.c_inline is not None and not self.c_phonetic:
                self.capture = self.c_inline
                self.capture_len = 0
                self.capture_max = _WHOLE
        else:
            if self.in_cell:
                self.finish_cell()
            if local == "row":
                self.start_row(attrs)
            elif local == "dimension":
                self.dimension = attrs.get("ref", "")[:100]
            elif local == "mergeCell":
                self.count_range(local)
                self.check_range(attrs.get("ref", ""), "el rango combinado", record=self.merged)
            elif local == "dataValidation" or local == "cfRule":
                self.count_range(local)
            elif local == "hyperlink":
                self.count_range(local)
                ref = attrs.get("ref", "")
                self.check_range(ref, "el hipervínculo en", record=None)
                rid = _rid(attrs)
                if rid and sum(map(len, self.hyperlink_refs.values())) < self.insp.limits.max_recorded:
                    self.hyperlink_refs.setdefault(rid, []).append(ref[:40])
            elif local == "sheetProtection":
                self.protected = _truthy(attrs.get("sheet"))
            elif local == "col":
                self.col_defs += 1
                if self.col_defs > MAX_COLS:  # each <col> covers at least one column: more is a forgery
                    raise _Stop("xml-parte-demasiado-grande", part=f"de la hoja «{self.sheet}»",
                                detail=f"más de {MAX_COLS:,} definiciones de columna")

    def count_range(self, local: str) -> None:
        """One more merged range, data validation, conditional-format rule or hyperlink: over
        ``Limits.max_sheet_ranges`` of one kind, the sheet is refused."""
        counts = self.ranges
        counts[local] = n = counts.get(local, 0) + 1
        if n > self.insp.limits.max_sheet_ranges:
            raise _Stop("hoja-demasiados-rangos", sheet=self.sheet, limit=f"{self.insp.limits.max_sheet_ranges:,}",
                        what=_RANGES[local])

    def end(self, tag: str) -> None:  # with keep_cells only: text ends with its element
        self.capture = None

    def chars(self, data: str) -> None:
        cap = self.capture
        if cap is not None:
            n = self.capture_len
            if n < self.capture_max:
                cap.append(data[: self.capture_max - n])
            elif cap is self.c_value and not data.strip():
                return
            self.capture_len = n + len(data)

    def start_row(self, attrs: dict[str, str]) -> None:
        self.rows += 1
        if self.rows > self.max_cells:  # openpyxl keeps an object per formatted row, even without cells
            raise _Stop("hoja-demasiadas-celdas", sheet=self.sheet, limit=f"{self.max_cells:,}")
        r = attrs.get("r")
        if r is None:
            self.row += 1
        elif r.isdigit() and len(r) <= 15:
            self.row = int(r)
        else:
            self.issue("celda-referencia-invalida", ref=f"fila «{_short(r, 20)}»")
            self.row += 1
        if not 1 <= self.row <= MAX_ROWS:
            self.issue("celda-fuera-de-cuadricula", ref=f"la fila {self.row}")
        self.col = 0

    def finish(self) -> None:
        """End of the part: finish the pending cell and hand the counters to the inspector."""
        if self.in_cell:
            self.finish_cell()
        self.insp.elements += self.elements
        self.insp.total_cells += self.cells

    def finish_cell(self) -> None:
        self.in_cell = False
        self.capture = None
        if not self.c_valid:
            return
        row, col = self.c_row, self.c_col
        if self.keep:
            self.record_cell(row - 1, col - 1)
        if self.c_content:
            if row > self.max_row:
                self.max_row = row
            if col > self.max_col:
                self.max_col = col
        value = self.c_value
        formula = self.c_formula
        if value is None and formula is None:
            return
        insp = self.insp
        cell = None
        t = self.c_type
        if value is not None:
            raw = "".join(value)[:64]
            if (t is None or t == "n") and raw and not raw.isspace():  # <v></v>: xlsxwriter's cached "" result
                if (not raw.isdigit() or len(raw) > 15) and (
                        not _NUMBER.match(raw) or not math.isfinite(float(raw)) or len(raw) >= 64):
                    cell = to_a1(row - 1, col - 1)
                    insp.record(insp.nonfinite_cells, CellNote(self.sheet, cell, raw.strip()[:64]))
                    insp.add("numero-no-finito", sheet=self.sheet, row_idx=row - 1, col_idx=col - 1,
                             value=_short(raw.strip(), 40))
            elif t == "e":
                cell = to_a1(row - 1, col - 1)
                insp.record(insp.error_cells, CellNote(self.sheet, cell, raw.strip()[:64]))
        if formula is not None:
            self.formula_count += 1
            text = "".join(formula)[:256]
            cell = cell or to_a1(row - 1, col - 1)
            insp.record(insp.formulas, CellNote(self.sheet, cell, text))
            if text:
                bare = _strip_literals(text)
                if _DDE_FORMULA.search(bare):
                    insp.add("activo-vinculo-dde", detail=f"fórmula ={_short(text, 80)} en la hoja «{self.sheet}», "
                                                       f"celda {cell}")
                m = _RISKY_FUNCTIONS.search(bare)
                if m:
                    insp.add("activo-formula-externa", sheet=self.sheet, row_idx=row - 1, col_idx=col - 1,
                             function=m.group(1).upper(), value=_short(text, 80))

    def record_cell(self, r: int, c: int) -> None:
        formula = None if self.c_formula is None else "".join(self.c_formula)
        si = self.c_fattrs.get("si") if formula is not None and self.c_fattrs.get("t") == "shared" else None
        if si is not None and formula:
            self.shared.setdefault(si, (to_a1(r, c), formula))
        elif si is not None and si in self.shared:  # the group's formula translated to this cell
            from openpyxl.formula.translate import Translator

            ref, text = self.shared[si]
            formula = Translator("=" + text, ref).translate_formula(to_a1(r, c))[1:]
        value = self.c_inline if self.c_type == "inlineStr" else self.c_value
        self.facts.append((r, c, self.c_style, self.c_type, None if value is None else "".join(value), formula))

    def check_range(self, ref: str, what: str, record: list[str] | None) -> None:
        for part in ref.split()[:64]:
            rng = _parse_range(part)
            if rng is None:
                self.issue("celda-referencia-invalida", ref=_short(part, 40))
                continue
            r1, c1, r2, c2 = rng
            if not (_in_grid(r1, c1) and _in_grid(r2, c2)):
                self.issue("celda-fuera-de-cuadricula", ref=f"{what} {_short(part, 40)}")
                continue
            area = (r2 - r1 + 1) * (c2 - c1 + 1)
            self.range_area += area
            if self.range_area > self.max_area:
                self.issue("hoja-rango-combinado-excesivo", what=what, ref=_short(part, 40), area=f"{area:,}",
                           limit=f"{self.max_area:,}")
            if record is not None and len(record) < self.insp.limits.max_recorded:
                record.append(part)


class _Sheets(_Container):
    """Each worksheet scanned once, fast when it is in the plain shape."""

    def precount(self, part: str, scan: _SheetScan) -> bool:
        """First pass over a sheet at C speed, counting unprefixed <c> start tags; False when it must not be parsed
        (too many cells: refused before parsing)."""
        info = self.member(part)
        assert info is not None
        if info.file_size > self.limits.max_xml_part_bytes:
            return self.parse_xml(part)  # reports the size
        counted = 0
        try:
            for chunk in self.stream(info):
                counted += sum(chunk.count(tag) for tag in _CELL_TAGS)
                scan.check_cells(counted)
        except _Stop as e:
            self.parsed.add(info.filename.lower())
            self.add(e.code, **e.params)
            return False
        except Exception:  # noqa: BLE001 - a read failure here is reported by the parse with its part name
            pass
        return True

    def scan_sheet(self, sheet: SheetInfo) -> SheetInfo:
        scan = _SheetScan(self, sheet.name)
        ok = fast_scan(self, sheet, scan)
        if not ok:  # not in the fast scan's shape
            scan = _SheetScan(self, sheet.name)
            ok = self.precount(sheet.part, scan) and self.parse_xml(
                sheet.part, scan.start, scan.end if self.keep_cells else None, scan.chars, namespaces=False,
                counted=False)
            if ok and self.keep_cells:
                self.cells[sheet.name] = tuple(scan.facts)
        scan.finish()
        lim = self.limits
        area = scan.ext_row * scan.ext_col
        if ok and area > lim.max_used_area:
            self.add("hoja-rango-usado-excesivo", sheet=sheet.name, ref=_ref_text(scan.ext_row, scan.ext_col),
                     area=f"{area:,}", limit=f"{lim.max_used_area:,}")
        if ok and scan.dimension:
            rng = _parse_range(scan.dimension)
            if rng is None or not (_in_grid(rng[0], rng[1]) and _in_grid(rng[2], rng[3])) or (
                    rng[2] * rng[3] > max(lim.max_used_area, 4 * max(area, 1))):
                actual = _ref_text(scan.max_row, scan.max_col) if scan.max_row else "ninguna celda"
                self.add("hoja-dimension-falsa", sheet=sheet.name, declared=_short(scan.dimension, 40),
                         actual=actual)
        self.sheet_rels(sheet.part, sheet.name, scan.hyperlink_refs)
        return dataclasses.replace(
            sheet, cells=scan.cells, max_row=scan.max_row, max_col=scan.max_col, extent_row=scan.ext_row,
            extent_col=scan.ext_col, dimension=scan.dimension, formulas=scan.formula_count, protected=scan.protected,
            merged=tuple(scan.merged))

    def sheet_rels(self, part: str, sheet: str, hyperlink_refs: dict[str, list[str]]) -> None:
        rels = self.parse_rels(part)
        if rels is None:
            return
        self.check_dangling(rels, part)
        for rel in rels:
            if rel.kind == "hyperlink":
                dangerous = _dangerous_target(rel.target) if rel.external else False
                refs = hyperlink_refs.get(rel.id) or [""]
                for ref in refs:
                    self.record(self.hyperlinks, Hyperlink(sheet, ref, rel.target, dangerous))
                    if dangerous:
                        first = ref.split(":")[0]
                        kw: dict[str, Any] = {}
                        with contextlib.suppress(ValueError):
                            kw["row_idx"], kw["col_idx"] = from_a1(first)
                        self.add("activo-hipervinculo", sheet=sheet, ref=ref or "(sin celda)",
                                 target=_short(rel.target), **kw)
            elif rel.external and rel.kind != "externalLinkPath":
                self.add("activo-recurso-externo", part=part, target=_short(rel.target), what=rel.kind)
