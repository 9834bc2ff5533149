"""The master's «Tablero» sheet: headline figures as formulas with zedxl's values, Excel charts over its own cells that
LibreOffice draws, and a sheet no reader takes for plan data."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import zipfile
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import openpyxl
import pytest
from PIL import Image

from tests.workbook_helpers import cached_values, formula_cells, replace_actividades, same
from zedxl.libreoffice import convert, recalculate
from zedxl.model import Plan
from zedxl.new import write_master_file
from zedxl.split import split
from zedxl.validate import validate
from zedxl.xlsx import dashboard as D
from zedxl.xlsx import layout as L
from zedxl.xlsx import office_layout as OL
from zedxl.xlsx.master_read import read_master

NS = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "p": "http://schemas.openxmlformats.org/package/2006/relationships",
      "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def _rels(z: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Relationship id → target part of ``part``."""
    path = PurePosixPath(part)
    root = ElementTree.fromstring(z.read(str(path.parent / "_rels" / f"{path.name}.rels")))
    out = {}
    for rel in root.findall("p:Relationship", NS):
        target = rel.attrib["Target"]  # (relative to the part, or absolute as openpyxl writes them)
        parts: list[str] = []
        for piece in (PurePosixPath(target.lstrip("/")) if target.startswith("/") else path.parent / target).parts:
            if piece == "..":
                parts.pop()
            else:
                parts.append(piece)
        out[rel.attrib["Id"]] = "/".join(parts)
    return out


def chart_series(path: Path, sheet_name: str = L.SHEET_TABLERO) -> list[tuple[str, list[str], list[float | None]]]:
    """(chart title, the references of its series' values, the values cached in it) of every chart the sheet's
    drawing holds, found through the package's relationships."""
    with zipfile.ZipFile(path) as z:
        workbook = ElementTree.fromstring(z.read("xl/workbook.xml"))
        rid = next(s.attrib[f"{{{NS['r']}}}id"] for s in workbook.iter(f"{{{NS['m']}}}sheet")
                   if s.attrib["name"] == sheet_name)
        sheet = _rels(z, "xl/workbook.xml")[rid]
        drawing_rid = ElementTree.fromstring(z.read(sheet)).find("m:drawing", NS)
        assert drawing_rid is not None, f"the {sheet_name} sheet has no drawing"
        drawing = _rels(z, sheet)[drawing_rid.attrib[f"{{{NS['r']}}}id"]]
        out = []
        for chart in sorted(_rels(z, drawing).values()):
            root = ElementTree.fromstring(z.read(chart))
            title = "".join(t.text or "" for t in root.iterfind(
                "c:chart/c:title//{http://schemas.openxmlformats.org/drawingml/2006/main}t", NS))
            refs = [f.text or "" for f in root.iterfind(".//c:val//c:f", NS)]
            cache = [float(v.text) if v.text else None for v in root.iterfind(".//c:val//c:pt/c:v", NS)]
            out.append((title, refs, cache))
        return out


def _cells(ref: str, sheet: str = L.SHEET_TABLERO) -> list[str]:
    """``Tablero!$B$14:$D$14`` → the A1 cells it covers (one row or one column)."""
    m = re.fullmatch(re.escape(sheet) + r"!\$([A-Z]+)\$(\d+)(?::\$([A-Z]+)\$(\d+))?", ref)
    assert m, f"{ref} is not a range of the {sheet} sheet"
    c0, r0 = m.group(1), int(m.group(2))
    c1, r1 = m.group(3) or c0, int(m.group(4) or r0)
    return [f"{chr(c)}{r}" for r in range(r0, r1 + 1) for c in range(ord(c0), ord(c1) + 1)]


def _tablero(values: dict[str, list[list[object]]]) -> dict[str, object]:
    """The Tablero's label → value pairs (column A → column B) and table rows (column A → the rest)."""
    return {str(row[0]): (row[1] if len(row) < 3 or row[2] in ("", None) else tuple(row[1:4]))
            for row in values[L.SHEET_TABLERO] if row and row[0] not in ("", None)}


def test_dashboard_comes_first_and_is_no_plan_data(tmp_path: Path, example_plan: Plan) -> None:
    """The Tablero is the first data sheet (after the Panel of an .xlsm) and opens first in an .xlsx; the master's
    reader takes nothing from it and does not keep it as a planner's own sheet."""
    for name, first in (("maestro.xlsx", [L.SHEET_TABLERO, L.SHEET_RESUMEN]),
                        ("maestro.xlsm", [L.SHEET_PANEL, L.SHEET_TABLERO, L.SHEET_RESUMEN])):
        master = tmp_path / name
        write_master_file(example_plan, master)
        wb = openpyxl.load_workbook(master, read_only=True)
        assert wb.sheetnames[:len(first)] == first
        assert wb.active.title == first[0]
        read = read_master(master, extra_sheets=True)
        assert read.plan == example_plan
        assert read.extra == () and read.issues == []


def test_dashboard_cached_figures_are_the_seeds(master: Path) -> None:
    """A reader that never recalculates sees the seed's figures on the Tablero: through T2 (so the semester's own
    sums of Anexo 02), 22 AO at 100 %, budget at 32.31 % and 427.75 %."""
    got = _tablero(cached_values(master))
    assert "Ejecutado reportado hasta T2 (2 de 4 trimestres)" in got
    assert got["Avance físico institucional a la fecha (promedio de las AO, %)"] == 100
    assert got["Actividades Operativas (AO) del plan"] == 22
    assert got["AO con ejecutado reportado en el año"] == 22
    assert round(float(got["Ejecución de gastos respecto del PIM (%)"]), 2) == 32.31  # type: ignore[arg-type]
    assert round(float(got["Ejecución de ingresos respecto del PIM (%)"]), 2) == 427.75  # type: ignore[arg-type]
    offices = {code: tuple(round(float(v), 6) for v in got[code][:2]) for code in ("DPD", "DOI", "OGA", "OAL")}  # type: ignore[index]
    assert offices == {"DPD": (10.4, 16.4), "DOI": (16.0, 21.0), "OGA": (6.0, 17.0), "OAL": (1.0, 3.0)}
    assert got["Verde"] == (22, 0, 2)  # S1 due and all at 100 %; S2 and the year «en curso» but two AO
    assert got["Sin semáforo (en curso o sin reporte)"] == (0, 22, 20)
    assert [got[code] for code in ("OEI.01", "OEI.02", "OEI.03")] == [100, 100, 100]
    assert [round(float(x), 2) for x in got["Gastos"]] == [4821520.0, 1557618.96, 32.31]  # type: ignore[union-attr]


def test_dashboard_charts_plot_the_tableros_own_formula_cells(master: Path) -> None:
    """Four charts; every series and category range is on the Tablero, every value cell there is a formula over the
    master's other sheets, and the values cached in each chart are the cells' cached values."""
    charts = chart_series(master)
    assert sorted(title for title, _, _ in charts) == sorted([
        "Programado y ejecutado por instancia (año a la fecha)", "Avance por OEI (%)", "Semáforo de las AO",
        "Ejecución presupuestal respecto del PIM (S/)"])
    formulas = {ref: text for (sheet, ref), text in formula_cells(master).items() if sheet == L.SHEET_TABLERO}
    ws = openpyxl.load_workbook(master, data_only=True)[L.SHEET_TABLERO]
    for title, refs, cache in charts:
        cells = [cell for ref in refs for cell in _cells(ref)]
        assert cells and all(cell in formulas for cell in cells), title
        assert all(re.search(r"(Resumen|OEI\.0\d|Ingresos|Gastos)'!", formulas[c]) for c in cells), title
        assert all(same(ws[c].value, v) for c, v in zip(cells, cache, strict=True)), title


@pytest.mark.libreoffice
def test_dashboard_libreoffice_agrees_and_draws_the_charts(master: Path, tmp_path: Path) -> None:
    """LibreOffice recalculates every Tablero formula to zedxl's value, and its PDF of the Tablero page shows the
    charts: the bars' own colours, absent from every table, cover a real area of the page (50 dpi)."""
    fresh = recalculate(master, tmp_path / "lo")
    ours = openpyxl.load_workbook(master, data_only=True)[L.SHEET_TABLERO]
    theirs = openpyxl.load_workbook(fresh, data_only=True)[L.SHEET_TABLERO]
    refs = [ref for sheet, ref in formula_cells(master) if sheet == L.SHEET_TABLERO]
    assert len(refs) > 30
    assert [(ref, ours[ref].value, theirs[ref].value) for ref in refs if not same(ours[ref].value, theirs[ref].value)] \
        == []
    pdf = convert(master, "pdf", tmp_path / "pdf")
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                                                             check=True).stdout).group(1))  # type: ignore[union-attr]
    page = next(p for p in range(1, pages + 1) if "Tablero del POI" in subprocess.run(
        ["pdftotext", "-f", str(p), "-l", str(p), str(pdf), "-"], capture_output=True, text=True, check=True).stdout)
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                    str(tmp_path / "tablero")], check=True)
    image = Image.open(tmp_path / "tablero.png").convert("RGB")
    colors = image.getcolors(image.width * image.height) or []  # (count, (r, g, b)) of every colour on the page

    def near(color: str) -> int:
        want = tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))
        return sum(n for n, rgb in colors if all(abs(a - b) <= 12 for a, b in zip(rgb, want, strict=True)))

    bars = {name: near(color) for name, color in (("programado", D.PROG_COLOR), ("ejecutado", D.EJEC_COLOR),
                                                  ("verde", D.SEMAFORO_ROWS[0][2]), ("gris", D.SEMAFORO_ROWS[3][2]))}
    assert min(bars.values()) > 100, bars
    assert sum(n for n, rgb in colors if rgb != (255, 255, 255)) > image.width * image.height // 20


def test_dashboard_office_workbook_charts_its_own_progress_and_still_validates(tmp_path: Path,
                                                                             example_plan: Plan) -> None:
    """An office workbook's Instrucciones sheet holds a table of the office's programmed and executed sums per base
    period (formulas over its data sheets, in the units it types) and a chart of it; the workbook returned as it is
    validates clean, and a changed formula of the table is refused like any other."""
    master = tmp_path / "maestro.xlsx"  # T1 reported, T2 not yet: the semester's workbook asks for T2
    write_master_file(replace_actividades(example_plan, lambda ao, k: dataclasses.replace(
        ao, ejecutado=(ao.ejecutado[0], None, None, None))), master)
    files = split(master, "2025-S1", tmp_path / "s1")
    dpd = next(p for p in files if p.stem.endswith("-DPD"))
    [(title, refs, cache)] = chart_series(dpd, OL.SHEET_INSTRUCCIONES)
    assert title == "Programado y ejecutado – DPD"
    formulas = {ref: text for (sheet, ref), text in formula_cells(dpd).items() if sheet == OL.SHEET_INSTRUCCIONES}
    cells = [cell for ref in refs for cell in _cells(ref, OL.SHEET_INSTRUCCIONES)]
    assert all(re.search(r"'OEI\.0\d'!", formulas[c]) for c in cells)
    # DPD's plain sums, «% avance/100» shown as a percentage (0.2 → 20) as the office types it
    assert cache == [24, 26, 25, 0]  # (T2 not reported: its cell is empty, the chart caches 0)
    _, report = validate(dpd, master)
    assert [i.code for i in report.issues] == ["retorno-vacio"]  # (an aviso: nothing typed yet)

    wb = openpyxl.load_workbook(dpd)
    wb[OL.SHEET_INSTRUCCIONES][cells[0]] = "=1000"
    wb.save(dpd)
    _, report = validate(dpd, master)
    assert [(i.sheet, i.cell, i.code) for i in report.issues if i.code != "retorno-vacio"] == [
        (OL.SHEET_INSTRUCCIONES, cells[0], "formula-modificada")]
