"""Tests for ``zedxl.intake``: the corpus of broken/hostile returns, files built here per class, and fuzzing."""

from __future__ import annotations

import dataclasses
import functools
import io
import os
import random
import re
import resource
import struct
import tempfile
import tracemalloc
import warnings
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

import zedxl.intake as intake_module
import zedxl.intake.codes as intake_codes
import zedxl.intake.common as intake_common
import zedxl.intake.fast_scan as intake_fast
import zedxl.intake.sheets as intake_sheets
from tests import hostile
from zedxl.intake import DEFAULT_LIMITS, INTAKE_CODES, Intake, Limits, inspect
from zedxl.issues import CATALOGUE

MAX_EXTRA_BYTES = 200 * 1024 * 1024

# --------------------------------------------------------------------------------------------------------------------
# The corpus: expected outcome per class (INDEX.md). kind, safe, exact set of issue codes.

_DTD = ("xlsx", False, {"xml-dtd-prohibido"})
_BOMB = ("xlsx", False, {"zip-parte-demasiado-grande", "zip-total-demasiado-grande"})
_OK = ("xlsx", True, set())
EXPECTED: dict[str, tuple[str, bool, set[str]]] = {
    "A01": ("xlsm", True, {"activo-macros"}),
    "A03": ("xlsx", False, {"activo-vinculo-externo"}),
    "A04": ("xlsx", False, {"activo-vinculo-dde"}),
    "A05": _OK,
    "A06": ("xlsx", True, {"activo-formula-externa"}),
    "A07": ("xlsx", True, {"activo-objeto-incrustado"}),
    "A08": ("xlsx", True, {"activo-hipervinculo"}),
    "B01": _OK,
    "B02": _OK,
    "B03": _OK,
    "C01": ("empty", False, {"archivo-vacio"}),
    "C02": ("xlsx", False, {"archivo-truncado"}),
    "C03": ("xlsx", False, {"zip-corrupto"}),
    "C05": ("xls", False, {"formato-xls-antiguo"}),
    "C06": ("ods", False, {"formato-ods"}),
    "C07": ("csv", False, {"formato-csv"}),
    "C08": ("html", False, {"formato-html"}),
    "C11": ("encrypted", False, {"archivo-cifrado"}),
    "C13": ("xlsx", False, {"paquete-parte-faltante"}),
    "C14": ("xlsx", False, {"xml-mal-formado"}),
    "D00": ("xlsx", False, {"hoja-demasiadas-celdas"}),  # policy: over max_cells_per_sheet, refused
    "D01": _BOMB,
    "D02": _BOMB,
    "D03": _BOMB,
    "D04": ("xlsx", True, {"hoja-dimension-falsa"}),
    "S12b": ("xlsx", True, {"numero-no-finito"}),
    # classes the shared corpus lacks (tests/hostile/make_corpus.py)
    "A09": ("xlsx", False, {"activo-conexion-datos"}),
    "C15": ("xlsx", False, {"zip-parte-duplicada"}),
    "C16": ("xlsx", False, {"zip-nombre-peligroso"}),
    "C17": ("xlsx", False, {"zip-nombre-peligroso"}),
    "C18": ("xlsx", False, {"zip-nombre-peligroso"}),
    "C19": ("xlsx", False, {"formato-strict-ooxml"}),
    "C20": ("unknown", False, {"formato-xlsb"}),
    "C21": ("text", False, {"formato-texto"}),
    "D05": ("xlsx", False, {"zip-corrupto"}),  # a stream longer than its declared size
    "D06": _BOMB,
    "D07": ("xlsx", False, {"zip-demasiadas-partes"}),
    "D08": _OK,  # 200,000 shared strings: within the limits; refused later as not a zedxl return
    "D09": ("xlsx", False, {"hoja-rango-usado-excesivo"}),
    "S25": ("xlsx", False, {"celda-fuera-de-cuadricula", "hoja-dimension-falsa"}),
    "X01": _DTD,
    "X02": _DTD,
    "X04": _DTD,
    "X05": _DTD,
    "X06": _DTD,
    "owner": ("owner-file", False, {"archivo-temporal-bloqueo"}),
    "INDEX": ("text", False, {"formato-texto"}),
}

#: Where the message of one issue must point (part, sheet, cell...).
EXPECTED_TEXT: dict[str, list[str]] = {
    "C03": ["xl/worksheets/sheet2.xml", "CRC"],
    "C13": ["xl/workbook.xml"],
    "C14": ["xl/worksheets/sheet2.xml"],
    "D01": ["xl/worksheets/sheet2.xml"],
    "D02": ["xl/workbook.xml"],
    "D03": ["xl/media/image1.png"],
    "X01": ["xl/sharedStrings.xml"],
    "X04": ["xl/sharedStrings.xml"],
    "X02": ["xl/workbook.xml"],
    "X05": ["xl/workbook.xml"],
    "X06": ["xl/workbook.xml"],
    "S25": ["XFE6", "E1048577"],
    "A03": ["fileserver"],
    "A04": ["cmd", "/c calc"],
    "A08": ["calc.exe", "javascript:"],
    "D00": ["100,000"],
    "A09": ["ODBC"],
    "C15": ["xl/worksheets/sheet2.xml"],
    "C16": ["../../evil.xml"],
    "C17": ["/etc/evil.xml"],
    "C18": ["C:\\evil.xml"],
    "D05": ["xl/worksheets/sheet2.xml", "más largo que el tamaño declarado"],
    "D06": ["xl/worksheets/sheet2.xml"],
    "D07": ["5009"],
    "D09": ["XFD1048576"],
}


def corpus_files(built: Path) -> list[Path]:
    """Every corpus file (the project's and the outside folder's), INDEX.md included: it is a text file too."""
    return [entry.path(built) for entry in hostile.entries(index=True)]


def measured(path: Path, limits: Limits = DEFAULT_LIMITS) -> tuple[Intake, int, int]:
    """inspect() with its tracemalloc peak and RSS growth (bytes); time is not asserted (a busy machine is slow)."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tracemalloc.start()
    try:
        result = inspect(path, limits)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before
    return result, peak, rss_growth


def check_invariants(result: Intake, path: Path) -> None:
    assert result.path == path
    assert result.kind in {"xlsx", "xlsm", "xls", "ods", "encrypted", "csv", "html", "text", "empty", "unknown",
                           "owner-file"}
    errors = [i for i in result.issues if i.severity == "error"]
    if result.safe:
        assert result.kind in ("xlsx", "xlsm") and not errors
    for issue in result.issues:
        assert issue.code in CATALOGUE, issue.code
        assert path.name in issue.message, issue.message
        assert issue.file == path.name


@pytest.mark.parametrize("entry", hostile.entries(index=True), ids=lambda e: e.test_id)
def test_corpus_file(entry: hostile.CorpusFile, hostile_corpus: Path) -> None:
    path = entry.path(hostile_corpus)
    result, peak, rss_growth = measured(path)
    check_invariants(result, path)
    assert peak < MAX_EXTRA_BYTES, f"{path.name}: {peak / 1e6:.1f} MB traced"
    assert rss_growth < MAX_EXTRA_BYTES, f"{path.name}: RSS +{rss_growth / 1e6:.1f} MB"
    cid = hostile.class_id(path.name)
    if cid in EXPECTED:
        kind, safe, codes = EXPECTED[cid]
        assert (result.kind, result.safe, set(result.codes())) == (kind, safe, codes), [
            i.message for i in result.issues]
    elif cid[0] in "BS":  # semantic problems only: safe at this stage
        assert result.safe, [i.message for i in result.issues]
    for text in EXPECTED_TEXT.get(cid, []):
        assert any(text in i.message for i in result.issues), (text, [i.message for i in result.issues])


def test_corpus_facts(hostile_corpus: Path) -> None:
    """Facts later stages rely on, read from the corpus files that show them."""
    b02 = inspect(hostile_corpus / "B02_ok_filled_OF01.xlsx")
    assert [(s.name, s.state, s.kind) for s in b02.sheets] == [
        ("Instrucciones", "visible", "worksheet"), ("Datos", "visible", "worksheet"), ("_meta", "hidden", "worksheet")]
    datos = b02.sheet("Datos")
    assert datos is not None and datos.part == "xl/worksheets/sheet2.xml" and datos.protected
    assert (datos.max_row, datos.max_col) == (12, 8)
    assert [n.name for n in b02.defined_names] == ["ZX_DATA", "ZX_OFFICE", "ZX_TEMPLATE_VERSION"]
    assert ("zedxl_template_version", "2.0") in b02.custom_properties
    assert {f.cell for f in b02.formulas} == {"F6", "F7", "F8", "F9", "F10", "F11", "D12", "E12"}
    assert not b02.date1904 and b02.calc_mode == "auto" and b02.application == "Microsoft Excel"
    assert inspect(hostile_corpus / "S14_date1904_system.xlsx").date1904
    assert inspect(hostile_corpus / "S17_stale_cached_value_manual_calc.xlsx").calc_mode == "manual"
    s24 = inspect(hostile_corpus / "S24_hidden_row_and_veryhidden_sheet.xlsx")
    assert ("Hoja2", "veryHidden") in [(s.name, s.state) for s in s24.sheets]
    a06 = inspect(hostile_corpus / "A06_live_formulas_in_inputs.xlsx")
    assert {"E8", "H6", "H7"} <= {f.cell for f in a06.formulas if f.sheet == "Datos"}
    a01 = inspect(hostile_corpus / "A01_macro_workbook_open.xlsm")
    assert a01.has_macros
    d04 = inspect(hostile_corpus / "D04_lying_dimension_XFD1048576.xlsx")
    datos = d04.sheet("Datos")
    assert datos is not None and datos.dimension == "A1:XFD1048576" and datos.max_row == 12
    s18 = inspect(hostile_corpus / "S18_error_values.xlsx")
    assert {(c.cell, c.text) for c in s18.error_cells} >= {("E6", "#DIV/0!"), ("E7", "#N/A")}
    s12b = inspect(hostile_corpus / "S12b_nan_inf_raw_xml.xlsx")
    assert [(c.cell, c.text) for c in s12b.nonfinite_cells] == [("E6", "NaN"), ("E7", "INF"), ("E8", "-1e999")]
    s08 = inspect(hostile_corpus / "S08_merged_cells_over_inputs.xlsx")
    assert "E6:E7" in s08.sheets[1].merged
    a08 = inspect(hostile_corpus / "A08_hyperlinks_file_js.xlsx")
    assert [(h.ref, h.dangerous) for h in a08.hyperlinks] == [("H6", True), ("H7", True)]
    a03 = inspect(hostile_corpus / "A03_external_link.xlsx")
    assert [e.kind for e in a03.external_links] == ["book"]


def test_corpus_safe_files_open_in_readers(hostile_corpus: Path) -> None:
    """What intake clears, the readers open (in process: a reader abort would kill the test run)."""
    for path in corpus_files(hostile_corpus):
        result = inspect(path)
        if not result.safe:
            continue
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
        book.close()
        try:
            # our own handle: openpyxl leaves its zip open when it raises (a ResourceWarning later, anywhere)
            with warnings.catch_warnings(), open(path, "rb") as fh:
                warnings.simplefilter("ignore")
                wb = openpyxl.load_workbook(fh, data_only=True)
                wb.close()
        except ValueError:
            # openpyxl cannot cast NaN/INF: intake must have noted them
            assert result.nonfinite_cells, path.name


# --------------------------------------------------------------------------------------------------------------------
# Files built here, one class at a time

SST_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def build_xlsx(path: Path, *, date1904: bool = False, vba: bytes | None = None) -> Path:
    """A small valid workbook like the templates: instructions, data with formulas, hidden _meta, a name."""
    options = {"date_1904": date1904}
    wb = xlsxwriter.Workbook(str(path), options)
    if vba is not None:
        vba_path = path.with_name("intake_vbaProject.bin")
        vba_path.write_bytes(vba)
        wb.add_vba_project(str(vba_path))
    ins = wb.add_worksheet("Instrucciones")
    ins.write("A1", "Llene la hoja Datos")
    ws = wb.add_worksheet("Datos")
    ws.write_row("A1", ["Oficina", "Meta", "Ejecutado", "% Ejecución"])
    ws.write_row("A2", ["OF01", 1200, 1150])
    ws.write_formula("D2", '=IF(B2=0,"",C2/B2)', None, 0.958)
    ws.write_row("A3", ["OF01", 350, 362])
    ws.write_formula("D3", '=IF(B3=0,"",C3/B3)', None, 1.034)
    meta = wb.add_worksheet("_meta")
    meta.write("A1", "template_version")
    meta.write("B1", "2.0")
    meta.hide()
    wb.define_name("ZX_DATA", "=Datos!$A$1:$D$3")
    wb.close()
    return path


def _forget_remembered_parts() -> None:
    import zedxl.intake.members
    import zedxl.intake.package

    for module in (intake_common, intake_fast, intake_sheets, zedxl.intake.members, zedxl.intake.package):
        for memo in vars(module).values():
            if isinstance(memo, intake_module.BytesMemo):
                memo.items.clear()
                memo.held = 0


def test_parts_remembered_by_their_bytes_give_the_same_intake(tmp_path: Path, hostile_corpus: Path) -> None:
    """What a clean parse found, remembered by the part's bytes (styles, clean parts, a sheet's part outside
    <sheetData>), is the very result a fresh parse gives: every corpus file, a template-like workbook and one whose
    defined names outnumber what is recorded, each inspected with every memo empty, then again with all warm."""
    source = build_xlsx(tmp_path / "plantilla.xlsx")
    defined = "".join(f'<definedName name="N{k}">Datos!$A${k + 1}</definedName>' for k in range(6))
    workbook = re.sub(rb"<definedNames>.*</definedNames>", f"<definedNames>{defined}</definedNames>".encode(),
                      members(source)["xl/workbook.xml"])
    names = rezip(source, tmp_path / "muchos-nombres.xlsx", replace={"xl/workbook.xml": workbook})
    cases = [(p, DEFAULT_LIMITS) for p in corpus_files(hostile_corpus) if p.suffix.lower() in (".xlsx", ".xlsm")]
    cases += [(source, DEFAULT_LIMITS), (names, DEFAULT_LIMITS),
              (names, dataclasses.replace(DEFAULT_LIMITS, max_recorded=3))]
    cold = []
    for path, limits in cases:
        _forget_remembered_parts()
        cold.append(inspect(path, limits, keep_cells=True))
    assert any(len(r.defined_names) == 6 for r in cold) and any(len(r.defined_names) == 3 for r in cold)
    for _ in range(2):
        warm = [inspect(path, limits, keep_cells=True) for path, limits in cases]
        assert warm == cold


def test_members_read_from_the_bytes_are_those_zipfile_reads(tmp_path: Path, hostile_corpus: Path) -> None:
    """A file given as bytes has its small members read straight from them (``_plain_member``, the plain case
    only); the result is the very one reading through zipfile gives: every corpus file (broken zips, bombs, odd
    headers...), a template-like workbook, one stored without compression, and damaged copies of it (a local
    header's name changed, a CRC, a flipped byte in the deflate stream)."""
    source = build_xlsx(tmp_path / "plantilla.xlsx")
    stored = rezip(source, tmp_path / "sin-comprimir.xlsx", compression=zipfile.ZIP_STORED)
    raw = source.read_bytes()
    damaged = []
    with zipfile.ZipFile(source) as z:
        sheet = z.getinfo("xl/worksheets/sheet2.xml")
    for k, change in enumerate([
            lambda b: b.replace(b"xl/worksheets/sheet2.xml", b"xl/worksheets/sheet9.xml", 1),  # local name
            lambda b: b[:sheet.header_offset + 14] + bytes([b[sheet.header_offset + 14] ^ 1])
            + b[sheet.header_offset + 15:],  # the local header's CRC (the directory's is what counts)
            lambda b: b[:sheet.header_offset + 60] + bytes([b[sheet.header_offset + 60] ^ 0x55])
            + b[sheet.header_offset + 61:]]):  # a byte of the compressed sheet
        path = tmp_path / f"dañado-{k}.xlsx"
        path.write_bytes(change(raw))
        damaged.append(path)
    files = [p for p in corpus_files(hostile_corpus) if p.suffix.lower() in (".xlsx", ".xlsm")]
    files += [source, stored, *damaged]
    for path in files:
        _forget_remembered_parts()
        by_zipfile = inspect(path, keep_cells=True)
        _forget_remembered_parts()
        assert inspect(path, keep_cells=True, data=path.read_bytes()) == by_zipfile, path.name
    assert not inspect(damaged[2]).safe
    from zedxl.intake.members import _plain_member

    for path in (source, stored):  # the plain case is read from the bytes indeed
        with zipfile.ZipFile(path) as z:
            assert all(_plain_member(path.read_bytes(), i) == z.read(i) for i in z.infolist())


def test_recorded_facts_stop_at_the_limit_and_say_so(tmp_path: Path) -> None:
    """The formulas a scan notes (recorded in one step) stop at ``max_recorded``, which the result says."""
    source = build_xlsx(tmp_path / "plantilla.xlsx")
    for limit, kept, truncated in ((1, 1, True), (2, 2, False), (50, 2, False)):
        r = inspect(source, dataclasses.replace(DEFAULT_LIMITS, max_recorded=limit))
        assert [(f.sheet, f.cell) for f in r.formulas] == [("Datos", "D2"), ("Datos", "D3")][:kept]
        assert r.truncated_facts is truncated


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def rezip(
    src: Path,
    dst: Path,
    *,
    replace: dict[str, bytes] | None = None,
    add: Iterable[tuple[str, bytes]] = (),
    drop: Iterable[str] = (),
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """Copy a zip, replacing, dropping or adding members (duplicates allowed)."""
    replace = replace or {}
    dropped = set(drop)
    with zipfile.ZipFile(src) as zin, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns on duplicate names: that is the point of some tests
        with zipfile.ZipFile(dst, "w", compression) as zout:
            for info in zin.infolist():
                if info.filename in dropped:
                    continue
                zout.writestr(info.filename, replace.get(info.filename, zin.read(info)))
            for name, data in add:
                zout.writestr(name, data)
    return dst


def patch_sheet(src: Path, dst: Path, sheet: str, fn: object) -> Path:
    """Rewrite one worksheet's XML with ``fn(text) -> text``."""
    data = members(src)[sheet].decode()
    new = fn(data)  # type: ignore[operator]
    return rezip(src, dst, replace={sheet: new.encode()})


def add_cells(src: Path, dst: Path, xml: str, sheet: str = "xl/worksheets/sheet2.xml") -> Path:
    return patch_sheet(src, dst, sheet, lambda t: t.replace("</sheetData>", xml + "</sheetData>"))


def central_entry_offset(data: bytes, name: str) -> int:
    """Offset of ``name``'s central directory record."""
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        n_len, e_len, c_len = struct.unpack_from("<HHH", data, pos + 28)
        if data[pos + 46:pos + 46 + n_len] == name.encode():
            return pos
        pos = data.find(b"PK\x01\x02", pos + 46 + n_len + e_len + c_len)
    raise AssertionError(name)


@pytest.fixture
def valid(tmp_path: Path) -> Path:
    return build_xlsx(tmp_path / "intake_valid.xlsx")


def codes(result: Intake) -> set[str]:
    return set(result.codes())


def inspect_ok(path: Path, limits: Limits = DEFAULT_LIMITS) -> Intake:
    result, peak, _ = measured(path, limits)
    check_invariants(result, path)
    assert peak < MAX_EXTRA_BYTES
    return result


def test_built_valid_workbook(valid: Path) -> None:
    r = inspect_ok(valid)
    assert (r.kind, r.safe, r.issues) == ("xlsx", True, ())
    assert [(s.name, s.state) for s in r.sheets] == [
        ("Instrucciones", "visible"), ("Datos", "visible"), ("_meta", "hidden")]
    assert [(f.sheet, f.cell) for f in r.formulas] == [("Datos", "D2"), ("Datos", "D3")]
    assert r.formulas[0].text == 'IF(B2=0,"",C2/B2)'
    assert [(n.name, n.value) for n in r.defined_names] == [("ZX_DATA", "Datos!$A$1:$D$3")]
    assert not r.date1904 and not r.has_macros
    assert r.sheet("Datos") is not None and r.sheet("Datos").max_row == 3  # type: ignore[union-attr]


def test_built_date1904(tmp_path: Path) -> None:
    r = inspect_ok(build_xlsx(tmp_path / "intake_1904.xlsx", date1904=True))
    assert r.safe and r.date1904


def test_macros_in_xlsm_and_hidden_in_xlsx(tmp_path: Path) -> None:
    fake_vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    xlsm = inspect_ok(build_xlsx(tmp_path / "intake_macro.xlsm", vba=fake_vba))
    assert (xlsm.kind, xlsm.safe, codes(xlsm), xlsm.has_macros) == ("xlsm", True, {"activo-macros"}, True)
    hidden = inspect_ok(rezip(build_xlsx(tmp_path / "a.xlsx"), tmp_path / "intake_hidden_macro.xlsx",
                              add=[("xl/vbaProject.bin", fake_vba)]))
    assert (hidden.kind, hidden.safe, codes(hidden)) == ("xlsx", True, {"activo-macros"})
    assert ".xlsx" in hidden.issues[0].message


def test_duplicate_member(valid: Path, tmp_path: Path) -> None:
    sheet = members(valid)["xl/worksheets/sheet2.xml"]
    for name in ("xl/worksheets/sheet2.xml", "XL/Worksheets/Sheet2.xml"):
        r = inspect_ok(rezip(valid, tmp_path / "intake_dup.xlsx", add=[(name, sheet.replace(b"1150", b"9999"))]))
        assert not r.safe and "zip-parte-duplicada" in codes(r)


@pytest.mark.parametrize("name", ["../../evil.xml", "/etc/evil.xml", "C:\\evil.xml", "xl\\..\\..\\evil.xml",
                                  "xl/../../evil.xml"])
def test_unsafe_member_names(valid: Path, tmp_path: Path, name: str) -> None:
    r = inspect_ok(rezip(valid, tmp_path / "intake_traversal.xlsx", add=[(name, b"<x/>")]))
    assert not r.safe and "zip-nombre-peligroso" in codes(r)


def test_strict_open_xml(valid: Path, tmp_path: Path) -> None:
    parts = members(valid)
    replace = {}
    for name, data in parts.items():
        if name.endswith((".xml", ".rels")):
            text = data.decode()
            text = text.replace("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                                "http://purl.oclc.org/ooxml/spreadsheetml/main")
            text = text.replace("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                                "http://purl.oclc.org/ooxml/officeDocument/relationships")
            replace[name] = text.encode()
    r = inspect_ok(rezip(valid, tmp_path / "intake_strict.xlsx", replace=replace))
    assert not r.safe and "formato-strict-ooxml" in codes(r)
    assert "Strict Open XML" in next(i.message for i in r.issues if i.code == "formato-strict-ooxml")


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/workbook.xml", "xl/worksheets/sheet2.xml",
                                  "docProps/app.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"])
@pytest.mark.parametrize("dtd", [
    '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd">',
])
def test_dtd_in_any_part(valid: Path, tmp_path: Path, part: str, dtd: str) -> None:
    data = members(valid)[part].decode()
    decl_end = data.index("?>") + 2 if data.startswith("<?xml") else 0
    hostile = data[:decl_end] + dtd + data[decl_end:]
    r = inspect_ok(rezip(valid, tmp_path / "intake_dtd.xlsx", replace={part: hostile.encode()}))
    assert not r.safe and "xml-dtd-prohibido" in codes(r)
    assert any(part in i.message for i in r.issues if i.code == "xml-dtd-prohibido")


def test_dtd_in_vml_part(valid: Path, tmp_path: Path) -> None:
    vml = b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "b">]><xml>&a;</xml>'
    r = inspect_ok(rezip(valid, tmp_path / "intake_vml.xlsx", add=[("xl/drawings/vmlDrawing1.vml", vml)]))
    assert not r.safe and codes(r) == {"xml-dtd-prohibido"}


def test_huge_declared_size(valid: Path, tmp_path: Path) -> None:
    data = bytearray(valid.read_bytes())
    pos = central_entry_offset(bytes(data), "xl/worksheets/sheet2.xml")
    struct.pack_into("<I", data, pos + 24, 0xFFFF0000)  # uncompressed size in the central directory
    liar = tmp_path / "intake_liar.xlsx"
    liar.write_bytes(bytes(data))
    r = inspect_ok(liar)
    assert not r.safe and {"zip-parte-demasiado-grande", "zip-total-demasiado-grande"} <= codes(r)


def test_real_zip_bomb_member(valid: Path, tmp_path: Path) -> None:
    bomb = b"\x00" * (65 * 1024 * 1024)
    r = inspect_ok(rezip(valid, tmp_path / "intake_bomb.xlsx", add=[("xl/media/image9.png", bomb)]))
    assert not r.safe and "zip-parte-demasiado-grande" in codes(r)
    assert any("xl/media/image9.png" in i.message for i in r.issues)


def test_ratio_and_total_limits(valid: Path, tmp_path: Path) -> None:
    path = rezip(valid, tmp_path / "intake_ratio.xlsx", add=[("xl/media/zeros.bin", b"\x00" * 200_000)])
    r = inspect_ok(path, Limits(max_ratio=50, ratio_min_bytes=1000))
    assert not r.safe and codes(r) == {"zip-compresion-anomala"}
    r = inspect_ok(path, Limits(max_total_bytes=100_000))
    assert not r.safe and codes(r) == {"zip-total-demasiado-grande"}
    assert inspect_ok(path).safe


def test_member_count_limit(valid: Path) -> None:
    r = inspect_ok(valid, Limits(max_zip_members=5))
    assert not r.safe and codes(r) == {"zip-demasiadas-partes"}


def test_truncated_and_damaged_zip(valid: Path, tmp_path: Path) -> None:
    data = valid.read_bytes()
    for n, cut in enumerate((data[: len(data) // 2], data[:-10], data[:100])):
        path = tmp_path / f"intake_cut{n}.xlsx"
        path.write_bytes(cut)
        r = inspect_ok(path)
        assert (r.kind, r.safe, codes(r)) == ("xlsx", False, {"archivo-truncado"})
        assert "truncado" in r.issues[0].message
    broken = bytearray(data)
    pos = broken.find(b"PK\x01\x02")
    broken[pos:pos + 4] = b"XXXX"
    path = tmp_path / "intake_cd.xlsx"
    path.write_bytes(bytes(broken))
    r = inspect_ok(path)
    assert not r.safe and codes(r) == {"zip-corrupto"}


def test_crc_corruption_names_the_part(tmp_path: Path) -> None:
    src = build_xlsx(tmp_path / "src.xlsx")
    # a stored (uncompressed) copy: flipping a byte of the data keeps it readable, only the CRC tells
    stored = rezip(src, tmp_path / "stored.xlsx", compression=zipfile.ZIP_STORED)
    data = bytearray(stored.read_bytes())
    with zipfile.ZipFile(stored) as zf:
        info = zf.getinfo("xl/worksheets/sheet2.xml")
    n_len, e_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + n_len + e_len
    target = data.index(b"1150", start)
    data[target:target + 4] = b"9150"
    path = tmp_path / "intake_crc.xlsx"
    path.write_bytes(bytes(data))
    r = inspect_ok(path)
    assert not r.safe and codes(r) == {"zip-corrupto"}
    assert "xl/worksheets/sheet2.xml" in r.issues[0].message and "CRC" in r.issues[0].message
    # a deflated copy with a damaged compressed stream
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as zf:
        info = zf.getinfo("xl/worksheets/sheet2.xml")
    n_len, e_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + n_len + e_len
    for i in range(start + 10, start + 30):
        data[i] ^= 0xFF
    path = tmp_path / "intake_inflate.xlsx"
    path.write_bytes(bytes(data))
    r = inspect_ok(path)
    assert not r.safe and codes(r) <= {"zip-corrupto", "xml-mal-formado"} and "zip-corrupto" in codes(r)


def test_encrypted_member_and_compression_method(valid: Path, tmp_path: Path) -> None:
    data = bytearray(valid.read_bytes())
    pos = central_entry_offset(bytes(data), "xl/worksheets/sheet2.xml")
    data[pos + 8] |= 0x01
    path = tmp_path / "intake_zipcrypto.xlsx"
    path.write_bytes(bytes(data))
    r = inspect_ok(path)
    assert not r.safe and "zip-parte-cifrada" in codes(r)
    r = inspect_ok(rezip(valid, tmp_path / "intake_bz2.xlsx", compression=zipfile.ZIP_BZIP2))
    assert not r.safe and codes(r) == {"zip-corrupto"}
    assert "compresión" in r.issues[0].message


def test_missing_parts(valid: Path, tmp_path: Path) -> None:
    for part in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet2.xml",
                 "[Content_Types].xml", "_rels/.rels"):
        r = inspect_ok(rezip(valid, tmp_path / "intake_missing.xlsx", drop=[part]))
        assert not r.safe and "paquete-parte-faltante" in codes(r), part
        assert any(part in i.message for i in r.issues if i.code == "paquete-parte-faltante"), (part, r.issues)


def test_malformed_xml_names_the_part(valid: Path, tmp_path: Path) -> None:
    r = inspect_ok(patch_sheet(valid, tmp_path / "intake_bad.xlsx", "xl/worksheets/sheet2.xml",
                               lambda t: t[: len(t) // 2]))
    assert not r.safe and codes(r) == {"xml-mal-formado"}
    assert "xl/worksheets/sheet2.xml" in r.issues[0].message
    r = inspect_ok(rezip(valid, tmp_path / "intake_bad2.xlsx", replace={"docProps/core.xml": b"<a><b></a>"}))
    assert not r.safe and codes(r) == {"xml-mal-formado"} and "docProps/core.xml" in r.issues[0].message


@pytest.mark.parametrize(("xml", "fragment"), [
    ('<row r="4"><c r="XFE4"><v>1</v></c></row>', "XFE4"),
    ('<row r="1048577"><c r="A1048577"><v>1</v></c></row>', "1048577"),
    ('<row r="4"><c r="AAAA4"><v>1</v></c></row>', "AAAA4"),
    ('<row r="4">' + "<c><v>1</v></c>" * 16385 + "</row>", "XFE4"),
])
def test_cells_out_of_grid(valid: Path, tmp_path: Path, xml: str, fragment: str) -> None:
    r = inspect_ok(add_cells(valid, tmp_path / "intake_grid.xlsx", xml))
    assert not r.safe and "celda-fuera-de-cuadricula" in codes(r)
    assert any(fragment in i.message for i in r.issues), [i.message for i in r.issues]


@pytest.mark.parametrize("ref", ["A0", "1A", "A-1", "$A$1", ""])
def test_bad_cell_refs(valid: Path, tmp_path: Path, ref: str) -> None:
    r = inspect_ok(add_cells(valid, tmp_path / "intake_ref.xlsx", f'<row r="5"><c r="{ref}"><v>1</v></c></row>'))
    assert not r.safe and codes(r) & {"celda-referencia-invalida", "celda-fuera-de-cuadricula"}


def test_far_cells_refused(valid: Path, tmp_path: Path) -> None:
    # python-calamine allocates A1:farthest-value densely: a value at XFD1048576 aborts the process
    r = inspect_ok(add_cells(valid, tmp_path / "intake_far.xlsx",
                             '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))
    assert not r.safe and codes(r) == {"hoja-rango-usado-excesivo"} and "XFD1048576" in r.issues[0].message
    # an empty styled cell there is harmless to calamine but openpyxl's iter_rows() would walk 17 billion cells
    r = inspect_ok(add_cells(valid, tmp_path / "intake_far_empty.xlsx",
                             '<row r="1048576"><c r="XFD1048576" s="0"/></row>'))
    assert not r.safe and codes(r) == {"hoja-rango-usado-excesivo"}
    datos = r.sheet("Datos")
    assert datos is not None and (datos.max_row, datos.extent_row, datos.extent_col) == (3, 1048576, 16384)
    r = inspect_ok(add_cells(valid, tmp_path / "intake_near.xlsx", '<row r="20000"><c r="Z20000" s="0"/></row>'))
    assert r.safe


@pytest.mark.parametrize("tail", [
    '<mergeCells count="1"><mergeCell ref="A10:XFD1048576"/></mergeCells>',
    '<hyperlinks><hyperlink ref="A10:XFD1048576" display="x"/></hyperlinks>',
])
def test_huge_merged_or_hyperlinked_range(valid: Path, tmp_path: Path, tail: str) -> None:
    r = inspect_ok(patch_sheet(valid, tmp_path / "intake_range.xlsx", "xl/worksheets/sheet2.xml",
                               lambda t: t.replace("</sheetData>", "</sheetData>" + tail)))
    assert not r.safe and codes(r) == {"hoja-rango-combinado-excesivo"}


def test_row_and_column_definition_floods(valid: Path, tmp_path: Path) -> None:
    rows = "".join(f'<row r="{i}" ht="20" customHeight="1"/>' for i in range(10, 40))
    r = inspect_ok(add_cells(valid, tmp_path / "intake_rows.xlsx", rows), Limits(max_cells_per_sheet=20))
    assert not r.safe and codes(r) == {"hoja-demasiadas-celdas"}
    cols = "<cols>" + '<col min="1" max="1" width="9"/>' * 16385 + "</cols>"
    r = inspect_ok(patch_sheet(valid, tmp_path / "intake_cols.xlsx", "xl/worksheets/sheet2.xml",
                               lambda t: t.replace("<sheetData", cols + "<sheetData", 1)))
    assert not r.safe and codes(r) == {"xml-parte-demasiado-grande"}


def test_lying_dimension_is_only_noted(valid: Path, tmp_path: Path) -> None:
    r = inspect_ok(patch_sheet(valid, tmp_path / "intake_dim.xlsx", "xl/worksheets/sheet2.xml",
                               lambda t: re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', t)))
    assert r.safe and codes(r) == {"hoja-dimension-falsa"}
    assert r.sheet("Datos").dimension == "A1:XFD1048576"  # type: ignore[union-attr]


def test_cell_limits(valid: Path, tmp_path: Path) -> None:
    r = inspect_ok(valid, Limits(max_cells_per_sheet=5))
    assert not r.safe and codes(r) == {"hoja-demasiadas-celdas"}
    r = inspect_ok(valid, Limits(max_total_cells=8))
    assert not r.safe and codes(r) == {"libro-demasiadas-celdas"}
    # prefixed cells escape the fast pre-count: the exact count still stops them
    prefixed = patch_sheet(valid, tmp_path / "intake_prefixed.xlsx", "xl/worksheets/sheet2.xml",
                           lambda t: t.replace("<c ", "<x:c ").replace("</c>", "</x:c>").replace(
                               "<worksheet ", f'<worksheet xmlns:x="{SST_NS}" '))
    r = inspect_ok(prefixed, Limits(max_cells_per_sheet=5))
    assert not r.safe and codes(r) == {"hoja-demasiadas-celdas"}
    assert inspect_ok(prefixed).safe


def test_other_limits(valid: Path) -> None:
    r = inspect_ok(valid, Limits(max_sheets=2))
    assert not r.safe and codes(r) == {"libro-demasiadas-hojas"}
    r = inspect_ok(valid, Limits(max_xml_part_bytes=300))
    assert not r.safe and "xml-parte-demasiado-grande" in codes(r)
    r = inspect_ok(valid, Limits(max_xml_elements=10))
    assert not r.safe and "xml-parte-demasiado-grande" in codes(r)
    r = inspect_ok(valid, Limits(max_file_bytes=1000))
    assert (r.kind, r.safe, codes(r)) == ("xlsx", False, {"archivo-demasiado-grande"})
    r = inspect_ok(valid, Limits(max_seconds=0))
    assert not r.safe and codes(r) == {"revision-tiempo-agotado"}


SHEET2 = "xl/worksheets/sheet2.xml"

_SHEET_RANGES = {
    "validaciones de datos": '<dataValidations>' + '<dataValidation type="whole" sqref="B2"/>' * 3
                             + "</dataValidations>",
    "reglas de formato condicional": '<conditionalFormatting sqref="B2">'
                                     + '<cfRule type="expression" priority="1"><formula>1</formula></cfRule>' * 3
                                     + "</conditionalFormatting>",
    "rangos combinados": "<mergeCells>" + "".join(f'<mergeCell ref="A{r}:B{r}"/>' for r in (10, 11, 12))
                         + "</mergeCells>",
    "hipervínculos": "<hyperlinks>" + '<hyperlink ref="A1" display="x"/>' * 3 + "</hyperlinks>",
}


@pytest.mark.parametrize("what", list(_SHEET_RANGES))
def test_sheet_ranges_are_counted_each_kind_apart(valid: Path, tmp_path: Path, what: str) -> None:
    """#21 case 7: merged ranges, data validations, conditional-format rules and hyperlinks of one sheet are
    counted, each kind apart, against ``Limits.max_sheet_ranges`` (also when the sheet's part outside its cells
    was remembered clean under a larger limit)."""
    path = patch_sheet(valid, tmp_path / "intake_rangos.xlsx", SHEET2,
                       lambda t: t.replace("</sheetData>", "</sheetData>" + _SHEET_RANGES[what]))
    assert inspect_ok(path, Limits(max_sheet_ranges=3)).safe
    r = inspect_ok(path, Limits(max_sheet_ranges=2))
    assert not r.safe and codes(r) == {"hoja-demasiados-rangos"}
    assert f"hoja «Datos»: tiene más de 2 {what}" in r.issues[0].message


def test_data_validation_flood_is_refused(valid: Path, tmp_path: Path) -> None:
    """70,001 data validations on one sheet (~3 MB of XML, within every size limit): refused by count."""
    flood = "<dataValidations>" + '<dataValidation type="whole" sqref="B2"/>' * 70_001 + "</dataValidations>"
    r = inspect_ok(patch_sheet(valid, tmp_path / "intake_validaciones.xlsx", SHEET2,
                               lambda t: t.replace("</sheetData>", "</sheetData>" + flood)))
    assert not r.safe and codes(r) == {"hoja-demasiados-rangos"}
    assert "más de 70,000 validaciones de datos" in r.issues[0].message


def test_shared_strings_are_counted(valid: Path, tmp_path: Path) -> None:
    """A shared-string table, which the reader keeps whole, holds at most ``Limits.max_shared_strings``: 500,001
    one-letter strings (9 MB of XML, 1.3 MB deflated) are refused while the part is parsed, naming it."""
    flood = (f'<sst xmlns="{SST_NS}" count="500001" uniqueCount="500001">' + "<si><t>x</t></si>" * 500_001
             + "</sst>").encode()
    path = rezip(valid, tmp_path / "intake_textos.xlsx", replace={"xl/sharedStrings.xml": flood})
    r = inspect_ok(path)
    assert not r.safe and codes(r) == {"xml-parte-demasiado-grande"}
    assert "la parte xl/sharedStrings.xml es demasiado grande" in r.issues[0].message
    assert "más de 500,000 textos compartidos" in r.issues[0].message
    assert inspect(path, Limits(max_shared_strings=500_001)).safe


@functools.cache
def _deep() -> str:
    """300,000 elements nested in one another (4.5 MB: over the size of a part parsed without counting nesting),
    their names drawn at random so that the part deflates as real ones do (a constant name would be refused as a
    zip bomb first)."""
    draw = random.Random(7).getrandbits
    names = [f"a{draw(20):05x}" for _ in range(300_000)]
    return "".join(f"<{n}>" for n in names) + "".join(f"</{n}>" for n in reversed(names))


@pytest.mark.parametrize(("part", "change"), [
    ("xl/styles.xml", lambda t: t.replace("</styleSheet>", f"<extLst>{_deep()}</extLst></styleSheet>")),
    ("customXml/item1.xml", None),
    # inside a cell, where the fast scan's expressions let any element through
    (SHEET2, lambda t: t.replace("</sheetData>", f'<row r="9"><c r="A9"><v>1</v><is>{_deep()}</is></c></row>'
                                                "</sheetData>")),
])
def test_deep_nesting_in_a_large_part_is_refused(valid: Path, tmp_path: Path, part: str,
                                                 change: Callable[[str], str] | None) -> None:
    """Elements nested 300,000 deep, well formed, in a part of 2 MB: expat keeps every open element (~120 bytes
    each), so a 32 MB part nested so would take 1.3 GB; over ``Limits.max_xml_depth`` the part is refused naming
    it, its memory bounded."""
    if change is None:
        path = rezip(valid, tmp_path / "intake_anidado.xlsx", add=[(part, f"<r>{_deep()}</r>".encode())])
    else:
        path = patch_sheet(valid, tmp_path / "intake_anidado.xlsx", part, change)
    r, peak, _ = measured(path)
    assert not r.safe and codes(r) == {"xml-parte-demasiado-grande"}
    assert f"la parte {part} es demasiado grande" in r.issues[0].message
    assert "más de 1,000 niveles de anidamiento" in r.issues[0].message
    assert peak < 60 * 2**20, peak


class Ticks:
    """A clock that advances one second each time it is looked at, counting the looks."""

    def __init__(self) -> None:
        self.looks = 0

    def __call__(self) -> float:
        self.looks += 1
        return float(self.looks)


def test_deadline_is_looked_at_inside_the_scan_of_a_part(valid: Path, tmp_path: Path) -> None:
    """The review's time limit holds on every platform (no signal): the scan of a part looks at the clock every
    few thousand elements, not only between reads. A clock that advances one second at each look stands for a
    slow machine; 150,000 cells scanned one element at a time (prefixed, as some generators write them) need
    more looks than half of them, and the review stops inside that sheet, naming it."""
    rows = "".join(f'<x:row r="{r}">' + "".join(f'<x:c r="{c}{r}"><x:v>1</x:v></x:c>' for c in "ABCDE")
                   + "</x:row>" for r in range(10, 30_010))
    path = patch_sheet(valid, tmp_path / "intake_lento.xlsx", SHEET2, lambda t: t.replace(
        "</sheetData>", rows + "</sheetData>").replace("<worksheet ", f'<worksheet xmlns:x="{SST_NS}" ', 1))
    ticks = Ticks()
    cells = {"max_cells_per_sheet": 200_000, "max_total_cells": 200_000}  # over the default ceiling
    assert inspect(path, Limits(max_seconds=1e9, clock=ticks, **cells)).safe
    assert ticks.looks > 300_000 // 4096  # each cell is two elements
    r = inspect(path, Limits(max_seconds=ticks.looks // 2, clock=Ticks(), **cells))
    assert not r.safe and codes(r) == {"revision-tiempo-agotado"}
    assert f"tardó más de {ticks.looks // 2} s y se detuvo en la parte {SHEET2}" in r.issues[0].message


def test_remembered_styles_are_judged_by_the_limits_of_the_run(valid: Path) -> None:
    """What a clean parse of styles.xml found is remembered by its bytes and the bounds it kept: a run with
    tighter bounds parses it again and refuses it."""
    assert inspect_ok(valid).safe
    r = inspect_ok(valid, Limits(max_fills=1))
    assert not r.safe and codes(r) == {"estilos-excesivos"}
    assert "la parte xl/styles.xml tiene 2 rellenos o más (máximo 1)" in r.issues[0].message


def test_style_items_are_counted_in_their_own_table(valid: Path, tmp_path: Path) -> None:
    """Cell formats are the ``xf`` children of ``cellXfs`` and ``cellStyleXfs``, counted wherever else an element
    opens or closes among them; a font inside a differential format is not one of the fonts."""
    styles = members(valid)["xl/styles.xml"].decode()
    styles = styles.replace("<cellXfs count=\"1\">", '<cellXfs count="4"><fonts/><dxfs><dxf><font/></dxf></dxfs>'
                            + '<xf numFmtId="0"/>' * 3, 1)
    path = rezip(valid, tmp_path / "intake_tablas.xlsx", replace={"xl/styles.xml": styles.encode()})
    assert inspect_ok(path, Limits(max_cell_formats=5, max_fonts=1)).safe
    r = inspect_ok(path, Limits(max_cell_formats=4))
    assert not r.safe and codes(r) == {"estilos-excesivos"}
    assert "tiene 5 formatos de celda o más (máximo 4)" in r.issues[0].message


def test_too_many_defined_names(tmp_path: Path) -> None:
    path = tmp_path / "intake_names.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("Datos").write("A1", 1)
    for i in range(30):
        wb.define_name(f"Nombre_{i}", "=Datos!$A$1")
    wb.close()
    r = inspect_ok(path, Limits(max_defined_names=10))
    assert not r.safe and codes(r) == {"libro-demasiados-nombres"}


def test_issue_flood_is_capped(valid: Path, tmp_path: Path) -> None:
    xml = '<row r="4">' + "".join(f'<c r="XF{chr(69 + i % 20)}4"><v>1</v></c>' for i in range(100)) + "</row>"
    r = inspect_ok(add_cells(valid, tmp_path / "intake_flood.xlsx", xml))
    grid = [i for i in r.issues if i.code == "celda-fuera-de-cuadricula"]
    more = [i for i in r.issues if i.code == "revision-mas-problemas"]
    assert len(grid) == DEFAULT_LIMITS.max_issues_per_code
    assert len(more) == 1 and more[0].severity == "error" and "80" in more[0].message


def test_non_finite_and_error_values(valid: Path, tmp_path: Path) -> None:
    xml = ('<row r="5"><c r="A5"><v>NaN</v></c><c r="B5"><v>INF</v></c><c r="C5"><v>-1e999</v></c>'
           '<c r="D5" t="n"><v>1e400</v></c><c r="E5"><v>abc</v></c><c r="F5"><v>' + "9" * 400 + "</v></c>"
           '<c r="G5" t="e"><v>#DIV/0!</v></c><c r="H5"><v>1.5E-3</v></c><c r="I5" t="s"><v>0</v></c>'
           '<c r="J5"><f>IF(A1="","",1)</f><v></v></c><c r="K5"><v> 12 </v></c></row>')
    r = inspect_ok(add_cells(valid, tmp_path / "intake_nan.xlsx", xml))
    assert r.safe and codes(r) == {"numero-no-finito"}
    assert [c.cell for c in r.nonfinite_cells] == ["A5", "B5", "C5", "D5", "E5", "F5"]
    assert [(c.cell, c.text) for c in r.error_cells] == [("G5", "#DIV/0!")]
    assert {i.cell for i in r.issues} == {"A5", "B5", "C5", "D5", "E5", "F5"}


def test_formula_risks(valid: Path, tmp_path: Path) -> None:
    xml = ('<row r="5"><c r="A5"><f>WEBSERVICE("http://x/")</f><v>1</v></c>'
           '<c r="B5" t="str"><f>"WEBSERVICE(" &amp; "x)"</f><v>s</v></c>'
           '<c r="C5"><f>_xlfn.IMAGE("http://x/a.png")</f></c></row>')
    r = inspect_ok(add_cells(valid, tmp_path / "intake_risky.xlsx", xml))
    assert r.safe and codes(r) == {"activo-formula-externa"}
    assert sorted(i.cell for i in r.issues) == ["A5", "C5"]
    assert {"A5", "B5", "C5"} <= {f.cell for f in r.formulas}
    xml = "<row r=\"5\"><c r=\"A5\"><f>cmd|' /c calc'!A0</f><v>0</v></c></row>"
    r = inspect_ok(add_cells(valid, tmp_path / "intake_dde.xlsx", xml))
    assert not r.safe and codes(r) == {"activo-vinculo-dde"} and "A5" in r.issues[0].message


def _with_rels(valid: Path, dst: Path, sheet_rels: str, sheet_tail: str) -> Path:
    data = members(valid)["xl/worksheets/sheet2.xml"].decode()
    data = data.replace("</sheetData>", "</sheetData>" + sheet_tail)
    if "xmlns:r=" not in data:
        data = data.replace("<worksheet ", f'<worksheet xmlns:r="{R_NS}" ', 1)
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships">' + sheet_rels + "</Relationships>")
    return rezip(valid, dst, replace={"xl/worksheets/sheet2.xml": data.encode()},
                 add=[("xl/worksheets/_rels/sheet2.xml.rels", rels.encode())])


HL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"


@pytest.mark.parametrize(("target", "dangerous"), [
    ("file:///C:/Windows/System32/calc.exe", True),
    ("javascript:alert(1)", True),
    ("\\\\server\\share\\x.exe", True),
    ("..\\..\\x.exe", True),
    ("C:\\x.bat", True),
    ("vbscript:msgbox", True),
    ("https://www.gob.pe/", False),
    ("mailto:oficina@gob.pe", False),
])
def test_hyperlinks(valid: Path, tmp_path: Path, target: str, dangerous: bool) -> None:
    rels = f'<Relationship Id="rIdH1" Type="{HL}" Target="{target}" TargetMode="External"/>'
    tail = '<hyperlinks><hyperlink ref="A2" r:id="rIdH1"/></hyperlinks>'
    r = inspect_ok(_with_rels(valid, tmp_path / "intake_hl.xlsx", rels, tail))
    assert r.safe
    assert [(h.ref, h.target, h.dangerous) for h in r.hyperlinks] == [("A2", target, dangerous)]
    assert codes(r) == ({"activo-hipervinculo"} if dangerous else set())
    if dangerous:
        assert r.issues[0].cell == "A2"


def test_external_link_dde_and_connections(valid: Path, tmp_path: Path) -> None:
    parts = members(valid)
    ext_rel = ('<Relationship Id="rIdX1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
               'externalLink" Target="externalLinks/externalLink1.xml"/>')
    wb_rels = parts["xl/_rels/workbook.xml.rels"].decode().replace("</Relationships>", ext_rel + "</Relationships>")
    book = (f'<externalLink xmlns="{SST_NS}" xmlns:r="{R_NS}"><externalBook r:id="rId1"/></externalLink>').encode()
    book_rels = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
                 b'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                 b'externalLinkPath" Target="file:///C:/otro.xlsx" TargetMode="External"/></Relationships>')
    r = inspect_ok(rezip(valid, tmp_path / "intake_ext.xlsx", replace={"xl/_rels/workbook.xml.rels": wb_rels.encode()},
                         add=[("xl/externalLinks/externalLink1.xml", book),
                              ("xl/externalLinks/_rels/externalLink1.xml.rels", book_rels)]))
    assert not r.safe and codes(r) == {"activo-vinculo-externo"} and "otro.xlsx" in r.issues[0].message
    dde = f'<externalLink xmlns="{SST_NS}"><ddeLink ddeService="cmd" ddeTopic="/c calc"/></externalLink>'.encode()
    r = inspect_ok(rezip(valid, tmp_path / "intake_dde.xlsx", replace={"xl/_rels/workbook.xml.rels": wb_rels.encode()},
                         add=[("xl/externalLinks/externalLink1.xml", dde)]))
    assert not r.safe and codes(r) == {"activo-vinculo-dde"} and "cmd" in r.issues[0].message
    conn = (f'<connections xmlns="{SST_NS}"><connection id="1" name="Consulta BD" type="1">'
            '<dbPr connection="Provider=SQLOLEDB;Server=x" command="SELECT 1"/></connection></connections>').encode()
    r = inspect_ok(rezip(valid, tmp_path / "intake_conn.xlsx", add=[("xl/connections.xml", conn)]))
    assert not r.safe and codes(r) == {"activo-conexion-datos"} and "Consulta BD" in r.issues[0].message
    assert r.connections


def test_embedded_objects(valid: Path, tmp_path: Path) -> None:
    r = inspect_ok(rezip(valid, tmp_path / "intake_ole.xlsx", add=[
        ("xl/embeddings/oleObject1.bin", b"\xd0\xcf\x11\xe0payload.exe"),
        ("xl/activeX/activeX1.bin", b"x")]))
    assert r.safe and codes(r) == {"activo-objeto-incrustado"}
    assert r.embeddings == ("xl/embeddings/oleObject1.bin", "xl/activeX/activeX1.bin")


def test_external_relationship_target(valid: Path, tmp_path: Path) -> None:
    rels = ('<Relationship Id="rIdI" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'image" Target="http://tracker.example/pixel.png" TargetMode="External"/>')
    r = inspect_ok(_with_rels(valid, tmp_path / "intake_extimg.xlsx", rels, ""))
    assert r.safe and codes(r) == {"activo-recurso-externo"} and "tracker.example" in r.issues[0].message


def test_external_target_in_drawing_relationships(valid: Path, tmp_path: Path) -> None:
    rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
            f'Id="rId1" Type="{HL}" Target="file:///C:/x.exe" TargetMode="External"/><Relationship Id="rId2" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" '
            'Target="../media/missing.png"/></Relationships>').encode()
    r = inspect_ok(rezip(valid, tmp_path / "intake_drawing.xlsx", add=[
        ("xl/drawings/drawing1.xml", b'<xdr:wsDr xmlns:xdr="urn:x"/>'),
        ("xl/drawings/_rels/drawing1.xml.rels", rels)]))
    assert r.safe and codes(r) == {"activo-recurso-externo", "paquete-parte-faltante"}
    assert all(i.severity == "aviso" for i in r.issues)
    assert any("file:///C:/x.exe" in i.message and "xl/drawings/drawing1.xml" in i.message for i in r.issues)


def test_dangling_sheet_relationship(valid: Path, tmp_path: Path) -> None:
    rels = ('<Relationship Id="rIdC" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'comments" Target="../comments9.xml"/>')
    r = inspect_ok(_with_rels(valid, tmp_path / "intake_dangling.xlsx", rels, ""))
    assert not r.safe and codes(r) == {"paquete-parte-faltante"} and "xl/comments9.xml" in r.issues[0].message


# -- other containers ---------------------------------------------------------------------------------------------


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(("data", "kind", "code"), [
    (b"Oficina;Meta;Ejecutado\nOF01;1200;1150\nOF01;0,8;0,715\n", "csv", "formato-csv"),
    (b"Oficina,Meta\nOF01,1200\nOF02,900\n", "csv", "formato-csv"),
    ("Oficina\tMeta\r\nOF01\t1200\r\n".encode("utf-16"), "csv", "formato-csv"),
    ("Oficina;Ejecución\nOF01;1150\n".encode("cp1252"), "csv", "formato-csv"),
    (b"\xef\xbb\xbfOficina;Meta\nOF01;1\n", "csv", "formato-csv"),
    (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "html", "formato-html"),
    (b"  <!DOCTYPE html><html><head></head></html>", "html", "formato-html"),
    (b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n", "html", "formato-html"),
    (b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>', "text",
     "formato-xml-2003"),
    (b"Hola, le envio el avance\n", "text", "formato-texto"),
    (b"%PDF-1.7\n\x00\x01\x02binary", "unknown", "formato-desconocido"),
    (b"MZ\x90\x00\x03\x00\x00\x00", "unknown", "formato-desconocido"),
    (bytes(range(256)) * 4, "unknown", "formato-desconocido"),
])
def test_renamed_non_workbooks(tmp_path: Path, data: bytes, kind: str, code: str) -> None:
    r = inspect_ok(write(tmp_path / "intake_renamed.xlsx", data))
    assert (r.kind, r.safe, codes(r)) == (kind, False, {code})


def cfb(stream_names: list[str]) -> bytes:
    """A minimal OLE2/CFB file (v3, 512-byte sectors) whose directory lists the given streams."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 0x2C, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    difat = [0] + [0xFFFFFFFF] * 108
    struct.pack_into("<109I", header, 0x4C, *difat)
    fat = [0xFFFFFFFD, 0xFFFFFFFE] + [0xFFFFFFFF] * 126
    directory = bytearray()
    for i, (name, kind) in enumerate([("Root Entry", 5)] + [(n, 2) for n in stream_names]):
        entry = bytearray(128)
        raw = name.encode("utf-16-le")
        entry[0:len(raw)] = raw
        struct.pack_into("<HBB", entry, 0x40, len(raw) + 2, kind, 1)
        struct.pack_into("<III", entry, 0x44, 0xFFFFFFFF, 0xFFFFFFFF, 1 if i == 0 and stream_names else 0xFFFFFFFF)
        struct.pack_into("<I", entry, 0x74, 0xFFFFFFFE)
        directory += entry
    directory += b"\x00" * (512 - len(directory) % 512 if len(directory) % 512 else 0)
    return bytes(header) + struct.pack("<128I", *fat) + bytes(directory[:512])


@pytest.mark.parametrize(("streams", "kind", "code"), [
    (["EncryptionInfo", "EncryptedPackage"], "encrypted", "archivo-cifrado"),
    (["Workbook"], "xls", "formato-xls-antiguo"),
    (["Book"], "xls", "formato-xls-antiguo"),
    (["WordDocument"], "unknown", "formato-desconocido"),
    ([], "unknown", "formato-desconocido"),
])
def test_ole2_containers(tmp_path: Path, streams: list[str], kind: str, code: str) -> None:
    r = inspect_ok(write(tmp_path / "intake_ole.xlsx", cfb(streams)))
    assert (r.kind, r.safe, codes(r)) == (kind, False, {code})


def test_ole2_damaged_directory(tmp_path: Path) -> None:
    data = bytearray(cfb(["EncryptionInfo", "EncryptedPackage"]))
    struct.pack_into("<I", data, 0x30, 0xFFFFFF00)  # first directory sector out of range
    r = inspect_ok(write(tmp_path / "intake_ole_bad.xlsx", bytes(data)))
    assert (r.kind, codes(r)) == ("encrypted", {"archivo-cifrado"})  # found by the fallback name search
    r = inspect_ok(write(tmp_path / "intake_ole_short.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 100))
    assert (r.kind, r.safe) == ("unknown", False)


def test_ods_and_other_zips(tmp_path: Path) -> None:
    ods = tmp_path / "intake_ods.xlsx"
    with zipfile.ZipFile(ods, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    assert (inspect_ok(ods).kind, codes(inspect_ok(ods))) == ("ods", {"formato-ods"})
    plain = tmp_path / "intake_plain.xlsx"
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("datos.csv", "a;b\n")
    r = inspect_ok(plain)
    assert (r.kind, codes(r)) == ("unknown", {"formato-desconocido"})
    empty = tmp_path / "intake_emptyzip.xlsx"
    with zipfile.ZipFile(empty, "w"):
        pass
    r = inspect_ok(empty)
    assert (r.kind, codes(r)) == ("unknown", {"formato-desconocido"})
    docx = tmp_path / "intake_doc.xlsx"
    with zipfile.ZipFile(docx, "w") as zf:
        zf.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-'
                    'types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                    'officedocument.wordprocessingml.document.main+xml"/></Types>')
        zf.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
                    '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        zf.writestr("word/document.xml", "<w:document/>")
    r = inspect_ok(docx)
    assert (r.kind, codes(r)) == ("unknown", {"formato-desconocido"}) and "Word" in r.issues[0].message


def test_owner_and_lock_files(tmp_path: Path, valid: Path) -> None:
    owner = write(tmp_path / "~$Libro OF01.xlsx", b"\x09Ana Perez" + b" " * 45 + b"\x00" * 110)
    r = inspect_ok(owner)
    assert (r.kind, r.safe, codes(r)) == ("owner-file", False, {"archivo-temporal-bloqueo"})
    assert r.issues[0].severity == "aviso" and "Libro OF01.xlsx" in r.issues[0].message
    lock = write(tmp_path / ".~lock.Libro OF01.xlsx#", b"Ana Perez,pc01,/home/ana,26.11.2026 10:00,file:///;\n")
    r = inspect_ok(lock)
    assert (r.kind, r.safe, codes(r)) == ("owner-file", False, {"archivo-temporal-bloqueo"})
    # an owner-file name is never opened, even when the bytes are a workbook
    disguised = write(tmp_path / "~$disguised.xlsx", valid.read_bytes())
    assert inspect_ok(disguised).kind == "owner-file"


def test_unreadable_inputs(tmp_path: Path) -> None:
    r = inspect_ok(write(tmp_path / "intake_empty.xlsx", b""))
    assert (r.kind, r.safe, codes(r)) == ("empty", False, {"archivo-vacio"})
    assert "vacío" in r.issues[0].message
    missing = tmp_path / "intake_missing.xlsx"
    r = inspect(missing)
    assert (r.safe, codes(r)) == (False, {"archivo-inaccesible"})
    fifo = tmp_path / "intake_fifo.xlsx"
    os.mkfifo(fifo)
    r = inspect(fifo)  # must not block waiting for a writer
    assert (r.safe, codes(r)) == (False, {"archivo-inaccesible"})
    directory = tmp_path / "intake_dir.xlsx"
    directory.mkdir()
    r = inspect(directory)
    assert (r.safe, codes(r)) == (False, {"archivo-inaccesible"})


def test_catalogue() -> None:
    for code in INTAKE_CODES:
        kind = CATALOGUE[code]
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code)
        assert "{file}" in kind.template and kind.severity in ("error", "aviso")
    # registering the same definition again (module reloaded) is harmless; a clash with another meaning is not
    kind = CATALOGUE["archivo-vacio"]
    intake_codes._register(kind.code, kind.title, kind.template, kind.severity)
    with pytest.raises(ValueError):
        intake_codes._register(kind.code, kind.title, "otro mensaje {file}", kind.severity)
    assert CATALOGUE["archivo-vacio"] == kind


# --------------------------------------------------------------------------------------------------------------------
# Fuzzing

_TEMPLATE_BYTES: bytes = b""


def template_bytes() -> bytes:
    global _TEMPLATE_BYTES
    if not _TEMPLATE_BYTES:
        with tempfile.TemporaryDirectory() as d:
            _TEMPLATE_BYTES = build_xlsx(Path(d) / "intake_fuzz.xlsx").read_bytes()
    return _TEMPLATE_BYTES


@pytest.fixture(scope="module")
def fuzz_dir() -> Iterable[Path]:
    with tempfile.TemporaryDirectory(prefix="intake_fuzz") as d:
        yield Path(d)


def _inspect_bytes(directory: Path, data: bytes, name: str = "intake_fuzz.xlsx") -> Intake:
    path = directory / name
    path.write_bytes(data)
    result = inspect(path)
    check_invariants(result, path)
    assert "revision-error-interno" not in result.codes(), [i.message for i in result.issues]
    return result


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=12),
    cut=st.one_of(st.none(), st.integers(min_value=0)),
    insert=st.binary(max_size=64),
)
def test_fuzz_bytes_of_valid_xlsx(fuzz_dir: Path, edits: list[tuple[int, int]], cut: int | None,
                                  insert: bytes) -> None:
    data = bytearray(template_bytes())
    for pos, value in edits:
        data[pos % len(data)] = value
    if insert:
        at = (edits[0][0] if edits else 0) % len(data)
        data[at:at] = insert
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    _inspect_bytes(fuzz_dir, bytes(data))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    part=st.sampled_from(["xl/worksheets/sheet2.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                          "[Content_Types].xml", "xl/sharedStrings.xml", "_rels/.rels"]),
    edits=st.lists(st.tuples(st.integers(min_value=0), st.sampled_from(
        list(b'<>/="\' :&;!-?AZaz019XFD\x00\x01\n') + [0xC3, 0xFF])), min_size=1, max_size=8),
    splice=st.sampled_from(["", "<!DOCTYPE x>", '<c r="XFE1"><v>1</v></c>', "<row/>" * 50, '<c r="A1"/>',
                            "&#0;", "]]>", "<![CDATA[<c>]]>", "<v>NaN</v>", '<f>cmd|"x"!A0</f>']),
)
def test_fuzz_xml_inside_valid_zip(fuzz_dir: Path, part: str, edits: list[tuple[int, int]], splice: str) -> None:
    with zipfile.ZipFile(io.BytesIO(template_bytes())) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    xml = bytearray(parts[part])
    for pos, value in edits:
        xml[pos % len(xml)] = value
    if splice:
        at = edits[0][0] % len(xml)
        xml[at:at] = splice.encode()
    parts[part] = bytes(xml)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    _inspect_bytes(fuzz_dir, out.getvalue())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4096), prefix=st.sampled_from([b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
                                                               b"<html>", b"PK\x05\x06"]))
def test_fuzz_random_bytes(fuzz_dir: Path, data: bytes, prefix: bytes) -> None:
    _inspect_bytes(fuzz_dir, prefix + data)


@given(st.lists(st.sampled_from([b"<", b"/", b":", b"a", b"x", b" ", b"_", b".", b"1", b">", b"-", b"c r="]),
                max_size=24).map(b"".join))
@settings(max_examples=3000, deadline=None)
def test_prefixed_tag_check_equals_the_regular_expression(data: bytes) -> None:
    """The fast scan's colon-first look for a prefixed tag finds one exactly when the regular expression does."""
    from zedxl.intake.fast_scan import _FAST_PREFIXED, _has_prefixed_tag

    assert _has_prefixed_tag(data) == (_FAST_PREFIXED.search(data) is not None)


@given(st.lists(st.sampled_from(["SUM(", "A1", "|", "!", "'", '"', " ", "(", ")", "=", "webservice", "Hyperlink",
                                 "hyperlin\u212a", "rtd", "CALL", "ca", "ll", "Register", ".ID", "exec", "IMAGE",
                                 "FilterXML", "sql.request", "SQL", ".", "REQUEST", "_xlfn.", "x", "é", "\u017f",
                                 "\u0131", "\u0130", "sobreejecución", "Sheet1", "cmd"]), max_size=16).map("".join))
@settings(max_examples=3000, deadline=None)
def test_call_out_prefilter_never_skips_a_match(text: str) -> None:
    """The substring prefilter is False only where neither the DDE nor the risky-function pattern matches."""
    from zedxl.intake.common import _DDE_FORMULA, _RISKY_FUNCTIONS, _may_call_out

    if _DDE_FORMULA.search(text) or _RISKY_FUNCTIONS.search(text):
        assert _may_call_out(text)
    if "|" not in text and not any(ch in text for ch in "\u212a\u017f\u0131\u0130") and not any(
            w in text.upper() for w in ("CALL", "EXEC", "RTD", "IMAGE", "HYPERLINK", "REGISTER", "WEBSERVICE",
                                        "FILTERXML", "SQL.REQUEST")):
        assert not _may_call_out(text)  # ordinary formulas, accented text included, skip the searches


def test_call_out_prefilter_knows_every_letter_case_blind_matching_pairs_with_ascii() -> None:
    import sys

    from zedxl.intake.common import _ASCII_FOLD

    letter = re.compile("[a-z]", re.IGNORECASE)
    pairs = {chr(cp) for cp in range(128, sys.maxunicode + 1) if letter.fullmatch(chr(cp))}
    assert pairs == set(_ASCII_FOLD)
