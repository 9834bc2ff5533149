"""The one reader of a return (``zedxl.xlsx.office_book``): its records against openpyxl's and python-calamine's
independent readings of the same files, and the shapes other programs write (shared formulas, rich text, inline
strings, dates, merged ranges)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from tests.oracles import openpyxl_book
from zedxl.intake import inspect
from zedxl.libreoffice import convert
from zedxl.xlsx.office_book import (
    Book,
    Cell,
    UnreadableError,
    _styles,
    from_serial,
    is_date_format,
    read_book,
)


def records(path: Path) -> Book:
    data = path.read_bytes()
    intake = inspect(path, keep_cells=True, data=data)
    assert intake.safe, intake.issues
    return read_book(path, intake, data, "zedxl_")


def values(book: Book) -> dict[str, dict[tuple[int, int], Cell]]:
    return {name: {k: c for k, c in sheet.cells0.items() if c.value is not None or c.data_type == "f"}
            for name, sheet in book.sheets.items()}


def every_kind_of_cell(path: Path) -> Path:
    """A workbook with each kind of cell a person's return may hold, written by XlsxWriter."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    ws = wb.add_worksheet("Datos")
    bold = wb.add_format({"bold": True})
    fmts = {code: wb.add_format({"num_format": code}) for code in
            ("dd/mm/yyyy", "0.0%", "#,##0.00", "[h]:mm:ss", "h:mm", '"S/" #,##0.00', "mmm-yy", "@")}
    ws.write_row(0, 0, ["texto", "ñandú «comillas» & <menor>", " espacios ", "línea\nnueva", ""])
    ws.write_row(1, 0, [0, 7, -3, 2.5, 1e-7, 123456789012345, 0.1 + 0.2])
    ws.write_rich_string(2, 0, "rico ", bold, "en negrita", " y normal")
    ws.write_boolean(3, 0, True)
    ws.write_boolean(3, 1, False)
    ws.write_formula(4, 0, "=B2+C2", None, 4)
    ws.write_formula(4, 1, '=IF(B2>0,"sí","no")', None, "sí")
    ws.write_formula(4, 2, "=1/0", None, "#DIV/0!")
    for col, (code, fmt) in enumerate(fmts.items()):
        ws.write_number(5, col, 45382.75, fmt)
        ws.write_string(6, col, code)
    ws.write_number(7, 0, 0.5, fmts["h:mm"])
    ws.write_number(7, 1, 30, fmts["dd/mm/yyyy"])  # before the 1900 system's phantom 29 February
    ws.merge_range("A10:C10", "combinadas", bold)
    ws.write_url(10, 0, "https://ejemplo.gob.pe", string="enlace")
    wb.add_worksheet("Vacía")
    wb.close()
    return path


def test_records_equal_openpyxl_on_every_kind_of_cell(tmp_path: Path) -> None:
    path = every_kind_of_cell(tmp_path / "tipos.xlsx")
    mine, oracle = records(path), openpyxl_book(path.read_bytes())
    assert oracle is not None
    assert values(mine) == values(oracle)
    assert [s.sheet_state for s in mine.sheets.values()] == [s.sheet_state for s in oracle.sheets.values()]
    assert [r.coord for r in mine.sheets["Datos"].merged] == ["A10:C10"]
    assert mine.sheets["Datos"].cells0[(2, 0)] == Cell("rico en negrita y normal", "s", "General")
    assert mine.sheets["Datos"].cells0[(5, 0)].value == dt.datetime(2024, 3, 31, 18, 0)


@pytest.mark.libreoffice
def test_records_equal_openpyxl_and_calamine_after_libreoffice_saves_it(tmp_path: Path) -> None:
    """LibreOffice re-saves with shared strings, its own styles and (for filled-down formulas) shared formulas."""
    src = every_kind_of_cell(tmp_path / "tipos.xlsx")
    ws_formulas = tmp_path / "abajo.xlsx"
    wb = xlsxwriter.Workbook(str(ws_formulas))
    ws = wb.add_worksheet("Datos")
    for r in range(6):
        ws.write_number(r, 0, r + 1)
        ws.write_formula(r, 1, f"=A{r + 1}*2+$A$1", None, (r + 1) * 2 + 1)
    wb.close()
    for path in (src, ws_formulas):
        saved = convert(path, "xlsx", tmp_path / f"lo-{path.stem}")
        mine, oracle = records(saved), openpyxl_book(saved.read_bytes())
        assert oracle is not None
        assert values(mine) == values(oracle), path.name
        book = CalamineWorkbook.from_path(str(saved))
        for name, sheet in mine.sheets.items():
            grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            for (r, c), cell in sheet.cells0.items():
                if cell.data_type in ("s", "n") and cell.value not in (None, ""):
                    assert grid[r][c] == cell.value, (name, r, c)
        book.close()


def _with_sheet(src: Path, dst: Path, change: Any) -> Path:
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/worksheets/sheet1.xml"] = change(parts["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return dst


def test_shared_formulas_rich_inline_text_and_stale_values(tmp_path: Path) -> None:
    """Shapes the fast scan leaves to the full parse: shared formulas (translated to each cell), an inline string
    in runs with a phonetic guide (its runs joined, the guide left out), an inline string that also carries a stale
    ``<v>`` (its ``<is>`` is what it says), a prefixed element name."""
    src = tmp_path / "base.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    wb.add_worksheet("Datos").write_number(0, 0, 1)
    wb.close()
    rows = (
        '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f t="shared" ref="B1:B3" si="0">A1*2+$A$1</f><v>3</v></c></row>'
        '<row r="2"><c r="A2"><v>2</v></c><c r="B2"><f t="shared" si="0"/><v>5</v></c></row>'
        '<row r="3"><c r="A3"><v>3</v></c><c r="B3"><f t="shared" si="0"/><v>7</v></c></row>'
        '<row r="4"><c r="A4" t="inlineStr"><is><r><t>uno </t></r><r><t>dos</t></r><rPh sb="0" eb="1"><t>ウ</t>'
        '</rPh></is></c><c r="B4" t="inlineStr"><v>3</v><is><t>5</t></is></c></row>')
    path = _with_sheet(src, tmp_path / "formas.xlsx",
                       lambda b: re.sub(rb"<sheetData>.*</sheetData>|<sheetData/>",
                                        f"<sheetData>{rows}</sheetData>".encode(), b, flags=re.S))
    cells = records(path).sheets["Datos"].cells0
    assert [cells[(r, 1)].value for r in range(3)] == ["=A1*2+$A$1", "=A2*2+$A$1", "=A3*2+$A$1"]
    assert cells[(3, 0)] == Cell("uno dos", "s", "General")
    assert cells[(3, 1)] == Cell("5", "s", "General")
    oracle = openpyxl_book(path.read_bytes())
    assert oracle is not None and values(records(path)) == values(oracle)


def test_values_a_type_cannot_hold_are_error_values(tmp_path: Path) -> None:
    src = tmp_path / "base.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    wb.add_worksheet("Datos").write_number(0, 0, 1)
    wb.close()
    rows = ('<row r="1"><c r="A1" t="b"><v>sí</v></c><c r="B1" t="d"><v>ayer</v></c><c r="C1" t="d">'
            '<v>2025-03-31T00:00:00</v></c><c r="D1" t="e"><v>#N/A</v></c><c r="E1"><v>12x</v></c></row>')
    path = _with_sheet(src, tmp_path / "raros.xlsx", lambda b: re.sub(
        rb"<sheetData>.*</sheetData>|<sheetData/>", f"<sheetData>{rows}</sheetData>".encode(), b, flags=re.S))
    cells = records(path).sheets["Datos"].cells0  # intake notes "12x" (an aviso); the reader makes it an error
    assert cells[(0, 0)] == Cell("#VALUE!", "e", "General")
    assert cells[(0, 1)] == Cell("#VALUE!", "e", "General")
    assert cells[(0, 2)] == Cell(dt.datetime(2025, 3, 31), "d", "General")
    assert cells[(0, 3)] == Cell("#N/A", "e", "General")
    assert cells[(0, 4)] == Cell("#VALUE!", "e", "General")


def test_only_xml_schema_numbers_are_numbers(tmp_path: Path) -> None:
    """Python's int() and float() take "1_000", Arabic-Indic and full-width digits; in a ``<v>`` they are not
    numbers (an error value, refused by office_read), nor an index of a shared string; white space around one is
    (XML Schema collapses it) (issue #21, case 10)."""
    src = tmp_path / "base.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    wb.add_worksheet("Datos").write_string(0, 0, "texto")
    wb.close()
    rows = ('<row r="1"><c r="A1"><v>1_000</v></c><c r="B1"><v>\u0663</v></c><c r="C1"><v>\uff11</v></c>'
            '<c r="D1"><v>0x10</v></c><c r="E1"><v> 7 </v></c><c r="F1"><v>-2.5E1</v></c></row>')
    path = _with_sheet(src, tmp_path / "numeros.xlsx", lambda b: re.sub(
        rb"<sheetData>.*</sheetData>|<sheetData/>", f"<sheetData>{rows}</sheetData>".encode(), b, flags=re.S))
    cells = records(path).sheets["Datos"].cells0
    assert [cells[(0, c)].value for c in range(6)] == ["#VALUE!"] * 4 + [7, -25.0]
    bad_index = _with_sheet(src, tmp_path / "indice.xlsx",
                            lambda b: b.replace(b't="s"><v>0</v>', 't="s"><v>\u0660</v>'.encode()))
    with pytest.raises(UnreadableError, match="no existe"):
        records(bad_index)


@pytest.mark.parametrize(("code", "date"), [
    ("General", False), ("0.00", False), ("#,##0", False), ("0%", False), ('"S/" #,##0.00', False), ("@", False),
    ("0.00E+00", False), ('[Red]#,##0;[Blue]-#,##0', False), ('#,##0 "días"', False),
    ("dd/mm/yyyy", True), ("mmm-yy", True), ("h:mm", True), ("[h]:mm:ss", True), ("[$-280A]d/mm/yyyy", True),
    ("yyyy-mm-dd hh:mm", True)])
def test_date_formats(code: str, date: bool) -> None:
    from openpyxl.styles.numbers import is_date_format as oracle

    assert is_date_format(code) is date is oracle(code)


def test_serials_as_excel_shows_them() -> None:
    assert from_serial(45382.0, False, False) == dt.datetime(2024, 3, 31)
    assert from_serial(45382.0, True, False) == dt.datetime(2028, 4, 1)
    assert from_serial(59.0, False, False) == dt.datetime(1900, 2, 28)
    assert from_serial(61.0, False, False) == dt.datetime(1900, 3, 1)
    assert from_serial(0.75, False, False) == dt.time(18, 0)
    assert from_serial(1.5, False, True) == dt.timedelta(days=1, hours=12)


def test_a_far_corner_cell_costs_what_the_cells_cost(tmp_path: Path) -> None:
    """Records are kept per cell present, never per cell of the declared or used rectangle."""
    src = tmp_path / "base.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    ws = wb.add_worksheet("Datos")
    ws.write_number(0, 0, 1)
    ws.write_number(2_000, 40, 2)
    wb.close()
    cells = records(src).sheets["Datos"].cells0
    assert set(cells) == {(0, 0), (2_000, 40)}


def test_the_reader_keeps_to_the_review_deadline(tmp_path: Path) -> None:
    """The review's time limit covers the reading of the cells too (#21 case 7: the reader's work on what intake
    kept was outside it): a review already past its deadline is not read, one in time is."""
    from zedxl.intake import Deadline

    path = every_kind_of_cell(tmp_path / "a-tiempo.xlsx")
    intake = inspect(path, keep_cells=True)
    assert intake.safe and intake.deadline is not None
    late = dataclasses.replace(intake, deadline=Deadline(at=0.0, seconds=30.0, clock=lambda: 1.0))
    with pytest.raises(UnreadableError, match="la revisión tardó más de 30 s"):
        read_book(path, late, None, "zedxl_")
    assert read_book(path, intake, None, "zedxl_").sheetnames == ["Datos", "Vacía"]


def test_number_formats_are_classified_once_each() -> None:
    """A style list is worked out once per distinct format code: 70,000 cell styles sharing two 1,000-character
    codes cost two classifications (the reviewer's styles gave every style the same long code)."""
    long_date = "d" + '"x"' * 333
    formats = tuple([long_date, "0.00"] * 35_000)
    with patch("zedxl.xlsx.office_book.is_date_format", wraps=is_date_format) as classify:
        styles = _styles(formats)
    assert classify.call_count == 2
    assert styles[0] == (long_date, True, False) and styles[1] == ("0.00", False, False)
