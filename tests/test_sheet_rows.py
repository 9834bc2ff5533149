"""The rows zedxl writes as XML itself (``zedxl.xlsx.sheet_rows``) hold what XlsxWriter's public API would write."""

from __future__ import annotations

import dataclasses
import io
import re
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from tests.workbook_helpers import replace_actividades
from zedxl.model import Plan, Reglas
from zedxl.periods import parse_period
from zedxl.xlsx.master_write import MasterWriter
from zedxl.xlsx.office_layout import office_spec
from zedxl.xlsx.office_write import OfficeWriter
from zedxl.xlsx.sheet_rows import RowWriter, _inline, needs_xlsxwriter

AWKWARD_TEXTS = ['A & B <c> "d" > e', "", "x" * 40_000 + "_x0041_", " lead and trail ",
                 "línea 1\nlínea 2\ttab \x07 \r\ufffe\uffff 😀"]


def _awkward(plan: Plan) -> Plan:
    """The example with AO texts that need escaping, empty fields, a justification over Excel's limit, blanks and
    fractions, and a progress cap."""

    def odd(ao: Any, k: int) -> Any:
        ejec = tuple(None if (k + i) % 3 == 0 else (v or Decimal("0.125")) * Decimal("1.5")
                     for i, v in enumerate(ao.ejecutado))
        return dataclasses.replace(ao, nombre=AWKWARD_TEXTS[k % 5] or "x", unidad=AWKWARD_TEXTS[(k + 1) % 5],
                                   justificacion=tuple(AWKWARD_TEXTS[(k + 2 + i) % 5] for i in range(len(ejec))),
                                   ejecutado=ejec)

    return dataclasses.replace(replace_actividades(plan, odd),
                               reglas=Reglas(tope_avance=Decimal(100), avance_sin_meta=Decimal(100),
                                             verde=Decimal(90), amarillo=Decimal(70)))


def _style(cell: Any) -> tuple[Any, ...]:
    font, fill, border, align = cell.font, cell.fill, cell.border, cell.alignment
    return (cell.number_format, font.b, font.i, font.sz, font.name, str(font.color.rgb if font.color else None),
            fill.fill_type, str(fill.fgColor.rgb), border.left.style, str(border.left.color.rgb if border.left.color
                                                                          else None),
            align.wrap_text, align.vertical, align.horizontal, cell.protection.locked)


def _cells(path: Path) -> dict[str, Any]:
    """Every sheet's cells (value, type, style), row heights and merged ranges, as openpyxl reads them."""
    wb = openpyxl.load_workbook(path)
    out: dict[str, Any] = {}
    for ws in wb.worksheets:
        out[ws.title] = (
            {c.coordinate: (getattr(c.value, "text", c.value), c.data_type, _style(c))
             for row in ws.iter_rows() for c in row if c.value is not None or c.has_style},
            {r: d.height for r, d in ws.row_dimensions.items() if d.height},
            sorted(str(m) for m in ws.merged_cells.ranges),
        )
    return out


def _dimensions(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [re.search(r'<dimension ref="([^"]*)"', z.read(n).decode()).group(1)  # type: ignore[union-attr]
                for n in sorted(z.namelist()) if n.startswith("xl/worksheets/sheet")]


def _cached(path: Path) -> dict[str, list[list[Any]]]:
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


@pytest.mark.parametrize(("awkward", "suffix"), [(False, ".xlsx"), (True, ".xlsx"), (False, ".xlsm")],
                         ids=["ejemplo", "textos-raros", "botones"])
def test_sheet_rows_master_holds_the_cells_xlsxwriter_writes(tmp_path: Path, example_plan: Plan, awkward: bool,
                                                            suffix: str) -> None:
    """The contract: the same master with every row written through XlsxWriter's public API has the same cells,
    formulas, cached values, styles, row heights and merged ranges (openpyxl and python-calamine read both)."""
    plan = _awkward(example_plan) if awkward else example_plan
    spliced, direct = MasterWriter(plan), MasterWriter(plan, splice=False)
    spliced.write(tmp_path / f"propio{suffix}", macros=suffix == ".xlsm")
    direct.write(tmp_path / f"xlsxwriter{suffix}", macros=suffix == ".xlsm")
    kept = sum(len(rows) for rows in spliced.rows.rows.values())
    assert kept >= sum(1 for _ in plan.actividades()) - len(plan.objetivos)  # (a first row per format: XlsxWriter)
    assert not direct.rows.rows
    assert _cells(tmp_path / f"propio{suffix}") == _cells(tmp_path / f"xlsxwriter{suffix}")
    assert _cached(tmp_path / f"propio{suffix}") == _cached(tmp_path / f"xlsxwriter{suffix}")
    assert _dimensions(tmp_path / f"propio{suffix}") == _dimensions(tmp_path / f"xlsxwriter{suffix}")
    with zipfile.ZipFile(tmp_path / f"propio{suffix}") as z:
        assert z.testzip() is None
        sheets = [z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert not any(b"<v></v></c>" in re.sub(rb'<c [^>]*t="str"[^>]*>.*?</c>', b"", s) for s in sheets)


def _small_book(splice: bool) -> tuple[RowWriter, bytes]:
    """Two sheets: rows with a format seen before or not, one with a dynamic-array function; the second sheet has
    no row XlsxWriter writes, one with a height only."""
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = wb.add_worksheet("Hoja")
    bold = wb.add_format({"bold": True})
    rows = RowWriter(splice=splice)
    for r, formula in enumerate(("=SUM(A1:A1)", "=SUM(A2:A2)", "=XLOOKUP(1,A:A,A:A)", "=SUM(A4:A4)")):
        rows.write(ws, r, [(0, "n", bold, r, ""), (1, "f", bold, float(r), formula), (2, "s", bold, f"t{r}", "")])
    other = wb.add_worksheet("Otra")
    other.set_row(6, 30)
    for r in (6, 2):
        rows.write(other, r, [(1, "s", bold, f"o{r}", ""), (4, "f", bold, "", f'=IF(B{r + 1}="",1,"")')])
    wb.close()
    return rows, rows.finish(buffer.getvalue())


def test_sheet_rows_a_formula_xlsxwriter_must_rewrite_goes_through_xlsxwriter(tmp_path: Path) -> None:
    """A row with a dynamic-array function (XlsxWriter prefixes it with ``_xlfn.``) or an array formula is written
    by XlsxWriter, as is the first row using a format; the others are kept and written as XML, in a sheet where
    XlsxWriter wrote rows or none."""
    assert needs_xlsxwriter("=XLOOKUP(A1,B:B,C:C)") and needs_xlsxwriter("{=SUM(A1:A2*B1:B2)}")
    assert not needs_xlsxwriter('=IF(COUNT(A1:B1)=0,"",SUM(A1:B1))')
    rows, data = _small_book(splice=True)
    assert sorted(rows.rows["Hoja"]) == [1, 3] and sorted(rows.rows["Otra"]) == [2, 6]
    (tmp_path / "propio.xlsx").write_bytes(data)
    (tmp_path / "xlsxwriter.xlsx").write_bytes(_small_book(splice=False)[1])
    assert _cells(tmp_path / "propio.xlsx") == _cells(tmp_path / "xlsxwriter.xlsx")
    assert _dimensions(tmp_path / "propio.xlsx") == _dimensions(tmp_path / "xlsxwriter.xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert "_xlfn.XLOOKUP(1,A:A,A:A)" in z.read("xl/worksheets/sheet1.xml").decode()
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert [[getattr(c.value, "text", c.value) for c in row] for row in book["Hoja"].iter_rows()] == [
        [0, "=SUM(A1:A1)", "t0"], [1, "=SUM(A2:A2)", "t1"], [2, "=_xlfn.XLOOKUP(1,A:A,A:A)", "t2"],
        [3, "=SUM(A4:A4)", "t3"]]
    assert [(c.coordinate, c.value) for row in book["Otra"].iter_rows() for c in row if c.value is not None] == [
        ("B3", "o2"), ("E3", '=IF(B3="",1,"")'), ("B7", "o6"), ("E7", '=IF(B7="",1,"")')]
    assert book["Otra"].row_dimensions[7].height == 30


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab_xX0F4 \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2003\u3000"
                                             "\ufffe\uffff&<>\"'é")) | st.characters(blacklist_categories=("Cs",)),
               min_size=1, max_size=12))
def test_sheet_rows_inline_string_is_xlsxwriter_s_own(text: str) -> None:
    """An inline string is escaped exactly as XlsxWriter writes one (its ``constant_memory`` mode writes inline
    strings through the public API)."""
    with tempfile.TemporaryDirectory() as folder:
        wb = xlsxwriter.Workbook(str(Path(folder) / "t.xlsx"), {"constant_memory": True})
        wb.add_worksheet().write_string(0, 0, text)
        wb.close()
        with zipfile.ZipFile(Path(folder) / "t.xlsx") as z:
            sheet = z.read("xl/worksheets/sheet1.xml").decode()
    found = re.search(r't="inlineStr">(<is>.*?</is>)</c>', sheet, re.S)
    assert found is not None and found.group(1) == _inline(text)


@pytest.mark.parametrize("office", ["OGA", "DPD"])
def test_sheet_rows_office_workbook_holds_the_cells_xlsxwriter_writes(tmp_path: Path, example_plan: Plan,
                                                                     office: str) -> None:
    """The same contract for an office workbook (OGA reports the budget), with its validations and protection."""
    spec = office_spec(_awkward(example_plan), parse_period("2025-T2", 2025, "trimestral"), office)
    key = bytes(32)
    spliced, direct = OfficeWriter(spec, key), OfficeWriter(spec, key, splice=False)
    spliced.write(tmp_path / "propio.xlsx")
    direct.write(tmp_path / "xlsxwriter.xlsx")
    assert sum(len(rows) for rows in spliced.rows.rows.values()) > 0
    assert _cells(tmp_path / "propio.xlsx") == _cells(tmp_path / "xlsxwriter.xlsx")
    assert _cached(tmp_path / "propio.xlsx") == _cached(tmp_path / "xlsxwriter.xlsx")
    assert _dimensions(tmp_path / "propio.xlsx") == _dimensions(tmp_path / "xlsxwriter.xlsx")
    for name in ("propio.xlsx", "xlsxwriter.xlsx"):
        wb = openpyxl.load_workbook(tmp_path / name)
        assert [(ws.title, ws.protection.sheet, len(ws.data_validations.dataValidation)) for ws in wb.worksheets] \
            == [(ws.title, ws.protection.sheet, len(ws.data_validations.dataValidation))
                for ws in openpyxl.load_workbook(tmp_path / "xlsxwriter.xlsx").worksheets]
        with zipfile.ZipFile(tmp_path / name) as z:
            sheets = [z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(b"<v></v></c>" in re.sub(rb'<c [^>]*t="str"[^>]*>.*?</c>', b"", s) for s in sheets)
        assert any(b't="str"><f>' in s for s in sheets)  # a progress not reported yet, Saldos de Balance (no PIM)
