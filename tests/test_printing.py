"""Printing: page set-up helpers, and every workbook kind rendered to PDF by LibreOffice and checked from the PDF
(pdfinfo/pdftotext) and from the file (openpyxl)."""

from __future__ import annotations

import re
import statistics
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from zedxl.libreoffice import convert
from zedxl.model import Plan
from zedxl.new import write_master_file
from zedxl.report import report_plan
from zedxl.split import split
from zedxl.xlsx import printing
from zedxl.xlsx.observaciones import build as build_observaciones

SHEET_PAGES = {"Tablero": 1, "Resumen": 3, "OEI.01": 12, "OEI.02": 12, "OEI.03": 12, "Ingresos": 2, "Gastos": 2,
               "Parámetros": 1, "Reprogramaciones": 1, "Narrativa": 4, "Instrucciones": 2, "Anexo 01": 4, "Anexo 02": 1,
               "Observaciones": 2}
"""The most pages each sheet of the example may print on."""


def test_plan_columns_fits_a_narrow_sheet_on_one_page_width() -> None:
    assert printing.plan_columns([13, 40, 10, 10]) == (100, [])
    scale, cuts = printing.plan_columns([15] * 12)  # a little too wide: fit to the width, scale worked out
    assert cuts == [] and printing.FLOOR <= scale < 100


def test_plan_columns_splits_a_wide_sheet_at_its_allowed_breaks_above_the_floor() -> None:
    widths = [13, 44, *(9,) * 20, *(55,) * 4]
    allowed = [2, 12, 22, 23, 24, 25]
    scale, cuts = printing.plan_columns(widths, title_cols=2, breaks=allowed)
    assert scale >= printing.FLOOR and cuts and set(cuts) <= set(allowed)
    room = printing.PRINT_WIDTH * 100 / scale
    titles = sum(printing.column_points(w) for w in widths[:2])
    for start, stop in zip([2, *cuts], [*cuts, len(widths)], strict=True):
        assert titles + sum(printing.column_points(w) for w in widths[start:stop]) <= room


def test_row_breaks_never_split_a_block() -> None:
    heights = [15.0] * 3 + [40.0] * 60
    blocks = list(range(3, 63, 3))  # blocks of three rows
    cuts = printing.row_breaks(heights, blocks, 80, title_height=15)
    assert cuts and set(cuts) <= set(blocks)
    room = printing.PRINT_HEIGHT * 100 / 80
    for start, stop in zip([0, *cuts], [*cuts, len(heights)], strict=True):
        assert sum(heights[start:stop]) <= room


def test_header_text_doubles_ampersands_and_stays_within_excels_limit() -> None:
    page = printing.PageText("Gobierno Regional & Municipal " * 10, "POI 2025", "A&B", "2025")
    header = page.header()
    assert "A&&B" in header and "Regional && Municipal" in header and len(header) <= 255
    assert page.footer() == "&L&8&A&R&8Página &P de &N"


def test_row_height_grows_with_wrapped_text() -> None:
    short = printing.row_height([("Acciones", 12)])
    long = printing.row_height([("palabra " * 60, 40)])
    assert short == printing.DEFAULT_ROW and long > 4 * printing.DEFAULT_ROW


def _pdf_pages(pdf: Path) -> list[dict[str, Any]]:
    """Per page: size (points), text in reading order, words with their heights."""
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    sizes = [tuple(map(float, m.groups())) for m in re.finditer(r"Page +\d+ size: +([\d.]+) x ([\d.]+)", info)]
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for k, (size, page) in enumerate(zip(sizes, bbox.split("<page ")[1:], strict=True), start=1):
        words = [(float(y1) - float(y0), w, float(y0)) for y0, y1, w in
                 re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', page)]
        footer = " ".join(w for _, w, y in words if y > size[1] - 40)
        text = subprocess.run(["pdftotext", "-f", str(k), "-l", str(k), "-raw", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        body = [h for h, _, y in words if 40 < y < size[1] - 40]
        pages.append({"size": size, "words": [(h, w) for h, w, _ in words], "text": " ".join(text.split()),
                      "body": body or [0.0],
                      "footer": footer})
    return pages


def _sheet_of_page(page: dict[str, Any]) -> str:
    """The sheet a page prints (the footer's left section, before «Página k de n»)."""
    match = re.match(r"(.+?) Página \d+ de \d+", page["footer"])
    assert match and match.group(1) in SHEET_PAGES, page["footer"]
    return match.group(1)


@pytest.mark.libreoffice
def test_every_workbook_kind_prints_landscape_readable_with_titles_header_and_footer(
        tmp_path: Path, example_plan: Plan) -> None:
    master = tmp_path / "maestro.xlsx"
    write_master_file(example_plan, master)
    office = split(master, "2025-T2", tmp_path / "instancias", instancias=["DPD"])[0]
    (reporte,) = report_plan(example_plan, "2025-S1", tmp_path / "reporte.xlsx", formato="xlsx")
    obs = tmp_path / "observaciones_DPD.xlsx"
    message = ("El valor ejecutado no puede ser negativo: escriba un número mayor o igual que 0 en la celda "
               "indicada, en la unidad de medida de la AO, y vuelva a enviar el libro a la oficina de planeamiento.")
    ao = "AO.01.01.01 · Participar en eventos nacionales e internacionales para posicionar…"
    build_observaciones([["error", "valor-negativo", office.name, "OEI.01", f"I{k}", ao, "-1", message]
                         for k in range(8, 20)], "DPD", obs)
    books = [master, office, reporte, obs]
    pdfs = {book.name: _pdf_pages(convert(book, "pdf", tmp_path / "pdf")) for book in books}

    for book in books:
        wb = openpyxl.load_workbook(book)
        for ws in wb.worksheets:
            if ws.sheet_state != "visible":
                continue
            where = f"{book.name}!{ws.title}"
            assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9, where
            if ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage:
                widths = [(ws.column_dimensions[c].width or 0) * (not ws.column_dimensions[c].hidden)
                          for c in ws.column_dimensions]
                scale = printing.PRINT_WIDTH / sum(printing.column_points(w) for w in widths) * 100
            else:
                scale = ws.page_setup.scale or 100
            assert scale >= printing.FLOOR, where
            assert "Página &P de &N" in (ws.oddFooter.right.text or ""), where
            assert "&A" in (ws.oddFooter.left.text or ""), where
            assert "Instancia:" in (ws.oddHeader.right.text or ""), where
            if ws.title.startswith("OEI."):
                assert (ws.print_title_rows, ws.print_title_cols) == ("$5:$5", "$A:$B"), where
            if ws.title.startswith("Anexo"):
                assert ws.print_title_rows == "$4:$5", where

    for name, pages in pdfs.items():
        assert all(w > h for w, h in (p["size"] for p in pages)), name  # landscape
        per_sheet = Counter(_sheet_of_page(p) for p in pages)
        assert all(n <= SHEET_PAGES[sheet] for sheet, n in per_sheet.items()), (name, per_sheet)
        for p in pages:
            # a 10-point word is 13 points high at full size (9-point notes 11.7): below 60 % most words of the
            # page's body (header and footer aside) would be under 7
            assert statistics.median(p["body"]) >= 6.9, (name, _sheet_of_page(p))
        if name != obs.name:
            assert all("Zona Especial de Desarrollo Ilo (ZED ILO)" in p["text"] for p in pages), name
    master_text = " ".join(p["text"] for p in pdfs[master.name])
    assert "Instancia: todas · Periodo: 2025" in master_text
    assert "Instancia: DPD – Dirección de Promoción y Desarrollo · Periodo: II Trimestre 2025 (2025-T2)" in \
        pdfs[office.name][0]["text"]

    # wrapped texts are printed whole: every AO's name, in the master, the office workbook and Anexo 01
    office_text = " ".join(p["text"] for p in pdfs[office.name])
    annex_text = " ".join(p["text"] for p in pdfs[reporte.name])
    for ao in example_plan.actividades():
        name = " ".join(ao.nombre.split())
        assert name in master_text and name in annex_text, ao.codigo
        if ao.instancia == "DPD":
            assert name in office_text, ao.codigo
    instructions = pdfs[office.name][0]["text"]
    assert "Escriba solo números (por ejemplo 2 o 0.5, con punto decimal)." in instructions
    assert message in " ".join(p["text"] for p in pdfs[obs.name])

    # no AO block of Anexo 01 split across pages: each page holds a «Progr.» and an «Ejecut.» line per AO code
    for p in pdfs[reporte.name]:
        if _sheet_of_page(p) == "Anexo 01":
            words = [w for _, w in p["words"]]
            codes = sum(1 for w in words if re.fullmatch(r"AO\.\d\d\.\d\d\.\d\d", w))
            assert codes and words.count("Ejecut.") - 1 == codes and words.count("Progr.") - 1 == codes

    # amounts as the report writes them, counts whole, and one decimal in the office table
    assert re.search(r"S/ \d{1,3}'\d{3},\d{3}\.\d{2}", master_text)
    assert "S/ 18'480,271.94" in master_text
    resumen = " ".join(p["text"] for p in pdfs[master.name] if _sheet_of_page(p) == "Resumen")
    assert "22.00" not in resumen and re.search(r"Total institucional 22 22 100\.00", resumen)
    assert "33.4" in resumen and "57.4" in resumen
