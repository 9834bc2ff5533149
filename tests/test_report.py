"""The report verb: the Word *Informe de Evaluación* must carry every figure of the seed report, fit A4, and
convert to PDF with LibreOffice; the xlsx *Reporte de seguimiento* carries Anexo 01 and 02.

Real files only: the master is built from the bundled example, the report read back with python-docx and
openpyxl, the PDF with poppler (pdftotext, pdftoppm). Rendered pages are also copied to
``/tmp/zedxl-report-pages/`` for a person to look at.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from docx.document import Document as DocxDocument
from docx.table import Table
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from tests.workbook_helpers import as_monthly, replace_actividades
from zedxl import fmt
from zedxl.errors import MasterLockedError, PeriodError, ToolMissingError, ZedxlError
from zedxl.evaluation import evaluate
from zedxl.libreoffice import ENV_VAR
from zedxl.model import Plan
from zedxl.new import write_master_file
from zedxl.periods import parse_period
from zedxl.plan import load_plan
from zedxl.report import default_output, report, report_plan, wordml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "workbook" / "examples" / "zedilo-2025.yaml"
PAGES_FOR_PEOPLE = Path("/tmp/zedxl-report-pages")
COVER_DATE = dt.date(2025, 8, 15)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NBSP = "\u00a0"

# The report's sections as the seed lists them in its contents page, in order.
SECTIONS = [
    "I. Resumen ejecutivo",
    "1.1. Problemática identificada",
    "1.2. Principales Acciones Desplegadas y Logros Alcanzados",
    "1.3. A Nivel de Metas Programadas",
    "1.4. Al nivel de Presupuesto Institucional",
    "II. Análisis del cumplimiento de las Actividades Operativas",
    "2.1. Análisis de implementación",
    "2.2. Medidas adoptadas para la Mejora Continua",
    "Anexo 01: Reporte de seguimiento semestral del Plan Operativo Institucional 2025",
    "Anexo 02: Avance de Actividades Operativas por Instancia Responsable – I Semestre 2025",
]

# Seed, "Programación y Avance de Actividades Operativas por Instancia" (= Anexo 02).
SEED_OFFICES = [
    ["DPD", "Programado", "4.2", "6.2", "10.4"],
    ["DPD", "Ejecutado", "5.2", "11.2", "16.4"],
    ["DOI", "Programado", "5.0", "11.0", "16.0"],
    ["DOI", "Ejecutado", "6.0", "15.0", "21.0"],
    ["OGA", "Programado", "3.0", "3.0", "6.0"],
    ["OGA", "Ejecutado", "8.0", "9.0", "17.0"],
    ["OAL", "Programado", "0.0", "1.0", "1.0"],
    ["OAL", "Ejecutado", "2.0", "1.0", "3.0"],
    ["Totales", "Programado", "12.2", "21.2", "33.4"],
    ["Totales", "Ejecutado", "21.2", "36.2", "57.4"],
]


# ---- helpers ----------------------------------------------------------------------------------------------------
def _monthly(plan: Plan) -> Plan:
    """The example as a monthly plan: each quarter's value in the quarter's last month, zeros before it."""
    return as_monthly(plan, lambda v: (None if v is None else Decimal(0),) * 2 + (v,))


def _without_texts(plan: Plan) -> Plan:
    """The example with no narrative and no justification at all."""
    cleared = plan.with_ejecutado({}, {ao.codigo: ("",) * plan.n_periods for ao in plan.actividades()})
    return dataclasses.replace(cleared, narrativa={})


def _text(el: object) -> str:
    return "".join(t.text or "" for t in el.iter(f"{W}t"))  # type: ignore[attr-defined]


def _captioned_tables(doc: DocxDocument) -> dict[str, Table]:
    """Every table of the body keyed by the title of the caption right above it ('Cuadro N° k: TITLE')."""
    found: dict[str, Table] = {}
    caption = None
    for el in doc.element.body.iterchildren():
        if el.tag == f"{W}p":
            style = el.find(f"{W}pPr/{W}pStyle")
            if style is not None and style.get(f"{W}val") == "Caption":
                caption = _text(el).split(": ", 1)[1]
            elif _text(el).strip():
                caption = None
        elif el.tag == f"{W}tbl" and caption is not None:
            found[caption] = Table(el, doc)  # type: ignore[arg-type]
            caption = None
    return found


def _rows(table: Table, skip: int = 0) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows[skip:]]


def _paragraphs(doc: DocxDocument) -> list[str]:
    return [p.text.replace(NBSP, " ") for p in doc.paragraphs]


def _body_index(paragraphs: list[str], heading: str) -> int:
    """Index of a heading in the body (its last occurrence: the first one is its entry in Contenidos)."""
    return len(paragraphs) - 1 - paragraphs[::-1].index(heading)


def _headings(doc: DocxDocument) -> list[tuple[int, str]]:
    return [(int(p.style.name.split()[-1]), p.text) for p in doc.paragraphs
            if p.style is not None and p.style.name.startswith("Heading")]


def _empty_sections(doc: DocxDocument) -> list[str]:
    """Headings with nothing (no text, no table, no picture) before the next heading of the same or higher level."""
    items: list[tuple[int | None, str, bool]] = []  # (heading level or None, text, has content)
    for el in doc.element.body.iterchildren():
        style = el.find(f"{W}pPr/{W}pStyle")
        name = style.get(f"{W}val", "") if style is not None else ""
        if el.tag == f"{W}p" and name.startswith("Heading"):
            items.append((int(name[len("Heading"):]), _text(el), False))
        elif el.tag in (f"{W}p", f"{W}tbl"):
            has = el.tag == f"{W}tbl" or bool(_text(el).strip()) or bool(el.findall(f".//{W}drawing"))
            items.append((None, "", has))
    empty = []
    for i, (level, text, _) in enumerate(items):
        if level is None:
            continue
        content = False
        for other_level, _, has in items[i + 1:]:
            if other_level is not None and other_level <= level:
                break
            content = content or has
        if not content:
            empty.append(text)
    return empty


def _pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _pages_and_words(pdf: Path) -> Iterator[tuple[float, float, list[tuple[float, float, str]]]]:
    """Per page: width, height and the words with their horizontal extent (poppler's -bbox)."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S):
        words = [(float(a), float(b), w) for a, b, w in
                 re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>',
                            page.group(3))]
        yield float(page.group(1)), float(page.group(2)), words


def _render(pdf: Path, folder: Path, prefix: str) -> list[Path]:
    """pdftoppm -r 60 into ``folder``; a copy goes to /tmp/zedxl-report-pages/ for people to look at."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(folder / prefix)], check=True)
    pngs = sorted(folder.glob(f"{prefix}-*.png"))
    PAGES_FOR_PEOPLE.mkdir(parents=True, exist_ok=True)
    for old in PAGES_FOR_PEOPLE.glob(f"{prefix}-*.png"):
        old.unlink()
    for png in pngs:
        shutil.copy2(png, PAGES_FOR_PEOPLE / png.name)
    return pngs


# ---- fixtures ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(EXAMPLE)


@pytest.fixture(scope="module")
def master(plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("maestro") / "maestro.xlsx"
    write_master_file(plan, path)
    return path


@pytest.fixture(scope="module")
def s1(master: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The bundled example's 2025-S1 report as .docx and .pdf."""
    out = tmp_path_factory.mktemp("informe") / "Informe POI 2025-S1.docx"
    written = report(master, "2025-S1", out, pdf=True, fecha=COVER_DATE)
    assert written == [out, out.with_suffix(".pdf")]
    return written[0], written[1]


@pytest.fixture(scope="module")
def s1_doc(s1: tuple[Path, Path]) -> DocxDocument:
    return docx.Document(str(s1[0]))


# ---- the seed's figures -----------------------------------------------------------------------------------------
def test_report_indicator_table_has_the_seed_figures(s1_doc: DocxDocument) -> None:
    table = _captioned_tables(s1_doc)[
        "Avance de Resultados de OEI y AEI – Respecto de Indicadores de Resultados Anuales"]
    assert _rows(table)[0] == ["Cód.", "Descripción e indicador", "U. Medida", "Meta anual", "Ejecutado",
                               "Avance %*"]
    assert [[r[0], r[3], r[4], r[5]] for r in _rows(table, skip=1)] == [
        ["OEI.01", "2", "3", "100.00"],
        ["AEI.01.01", "3", "2", "66.67"],
        ["AEI.01.02", "1", "3", "100.00"],
        ["AEI.01.03", "3", "3", "100.00"],
        ["OEI.02", "5", "no medido aún", "no medido aún"],
        ["AEI.02.01", "25", "100", "100.00"],
        ["AEI.02.02", "3", "2", "66.67"],
        ["AEI.02.03", "50", "67", "100.00"],
        ["AEI.02.04", "3", "9", "100.00"],
        ["OEI.03", "85", "no medido aún", "no medido aún"],
        ["AEI.03.01", "16", "8", "50.00"],
        ["AEI.03.02", "2", "2", "100.00"],
        ["AEI.03.03", "2", "3", "100.00"],
    ]
    aei_0101 = _rows(table, skip=1)[1]
    assert aei_0101[1].startswith("Acciones para el fortalecimiento como polo de desarrollo descentralizado")
    assert "\nIndicador: Número de eventos en que se aborda rol de ZED ILO/ZEE" in aei_0101[1]
    assert aei_0101[2] == "Eventos"
    paragraphs = _paragraphs(s1_doc)
    footnote = paragraphs[paragraphs.index(next(p for p in paragraphs if p.startswith("* Avance respecto")))]
    assert "meta anual" in footnote and "lo programado para el año" in footnote


def test_report_office_table_and_anexo_02_have_the_seed_figures(s1_doc: DocxDocument) -> None:
    tables = _captioned_tables(s1_doc)
    for title in ("Programación y Avance de Actividades Operativas por Instancia",
                  "Actividades Operativas por Instancia Responsable"):
        table = tables[title]
        assert _rows(table)[:2] == [["Instancia", "Concepto", "Trimestre", "Trimestre", "Avance Semestral"],
                                    ["Instancia", "Concepto", "I", "II", "Avance Semestral"]]
        assert _rows(table, skip=2) == SEED_OFFICES
    paragraphs = _paragraphs(s1_doc)
    assert any(p.startswith("La suma total de las metas programadas por Actividad Operativa es de 33.4, y se "
                            "llegaron a implementar 57.4, siendo las instancias responsables: Dirección de "
                            "Promoción y Desarrollo (DPD), ") for p in paragraphs)
    assert "Total de metas programadas en el semestre: 33.4" in paragraphs
    assert "Total de metas ejecutadas en el semestre: 57.4" in paragraphs


def test_report_budget_tables_have_the_seed_figures(s1_doc: DocxDocument) -> None:
    tables = _captioned_tables(s1_doc)
    ingresos = tables["Ejecución de ingresos presupuestarios 2025"]
    assert _rows(ingresos) == [
        ["Categoría", "PIA (S/)", "PIM (S/)", "Ejecución 2025 (S/)", "% de avance con relación al PIM"],
        ["INGRESOS PRESUPUESTARIOS", "4'821,520.00", "4'821,520.00", "20'624,225.72", "427.75"],
        ["Impuestos y Contribuciones Obligatorias", "2'901,520.00", "2'901,520.00", "1'329,058.20", "45.81"],
        ["Venta de Bienes y Servicios y Derechos Administrativos", "1'100,000.00", "1'100,000.00",
         "435,700.22", "39.61"],
        ["Otros Ingresos", "820,000.00", "820,000.00", "379,195.36", "46.24"],
        ["Saldos de Balance (RDR y DDTT)", "", "", "18'480,271.94", ""],
    ]
    gastos = tables["Ejecución de egresos presupuestarios 2025"]
    assert _rows(gastos, skip=1) == [
        ["GASTOS PRESUPUESTARIOS", "4'821,520.00", "4'821,520.00", "1'557,618.96", "32.31"],
        ["Personal y Obligaciones Sociales", "2'370,887.00", "2'370,887.00", "864,644.60", "36.47"],
        ["Bienes y Servicios", "2'199,554.00", "2'199,554.00", "643,587.20", "29.26"],
        ["Donaciones y TT", "55,000.00", "55,000.00", "15,350.94", "27.91"],
        ["Otros Gastos", "21,500.00", "3,200.00", "500.83", "15.65"],
        ["Adquisición de Activos No Financieros", "174,579.00", "192,879.00", "33,535.39", "17.39"],
    ]
    text = "\n".join(_paragraphs(s1_doc))
    assert "fue aprobado por la suma de S/ 4'821,520.00" in text
    assert ("La ejecución presupuestal de ingresos alcanzó un total de S/ 20'624,225.72, es decir el 427.75 % "
            "del PIM al I Semestre 2025. Sin considerar Saldos de Balance (RDR y DDTT) (rubro sin PIM), el "
            "avance es de 44.47 % del PIM.") in text
    assert "egresos alcanzó un total de S/ 1'557,618.96, es decir el 32.31 % del PIM" in text


def test_report_anexo_01_lists_every_ao_by_quarter_semester_and_year(s1_doc: DocxDocument) -> None:
    tables = _captioned_tables(s1_doc)
    annex = {k: v for k, v in tables.items() if k.startswith("AEI.")}
    assert len(annex) == 10
    head = _rows(annex["AEI.01.01 Acciones para el fortalecimiento como polo de desarrollo descentralizado de "
                       "la provincia de Ilo."])
    assert head[0][5:] == ["I Semestre"] * 3 + ["II Semestre"] * 3 + ["Total anual", "% avance"]
    assert head[1][5:] == ["I", "II", "Sem.", "III", "IV", "Sem.", "Total anual", "% avance"]
    rows = {r[0]: r for t in annex.values() for r in _rows(t, skip=2)}
    assert len(rows) == 22
    # Programmed and executed are the two lines of each cell: T1 T2 S1 T3 T4 S2 Anual.
    assert [c.split("\n") for c in rows["AO.01.01.02"][5:-1]] == [
        ["0", "0"], ["1", "2"], ["1", "2"], ["2", "–"], ["1", "–"], ["3", "–"], ["4", "2"]]
    assert [c.split("\n")[0] for c in rows["AO.02.03.02"][5:-1]] == ["0.2", "0.2", "0.4", "0.2", "0.4", "0.6", "1"]
    assert {r[-1] for r in rows.values()} == {"100.00"}  # the seed's capped progress of every AO in the semester
    assert rows["AO.03.01.03"][3] == "OGA" and rows["AO.03.03.02"][3] == "DOI"


def test_report_structure_follows_the_seed(s1_doc: DocxDocument) -> None:
    paragraphs = _paragraphs(s1_doc)
    cover = paragraphs[:paragraphs.index("Contenidos")]
    for line in ("Zona Especial de Desarrollo Ilo", "ZED ILO", "Informe de Evaluación Semestral",
                 "Plan Operativo Institucional", "2025", "I Semestre 2025", "Agosto 2025"):
        assert line in cover
    top = [text for level, text in _headings(s1_doc) if level <= 2]
    assert [t for t in top if not t.startswith("OEI.")] == SECTIONS
    assert [t for t in top if t.startswith("OEI.")] == [
        "OEI.01: Promover fortalecimiento de capacidades logísticas en la región Moquegua.",
        "OEI.02: Incrementar operaciones de los usuarios en ZED ILO.",
        "OEI.03: Fortalecer capacidades institucionales para brindar servicio continuo de calidad."]
    # Contents: a real TOC field whose cached result is the static list of those headings.
    body_xml = s1_doc.element.body.xml
    assert 'TOC \\o "1-2" \\h \\z \\u' in body_xml
    first_heading = next(i for i, p in enumerate(s1_doc.paragraphs) if p.style.name.startswith("Heading"))
    contents = paragraphs[paragraphs.index("Contenidos") + 1:first_heading]
    assert [p for p in contents if p] == top
    # Section II: per OEI, per AEI, per AO the seed's progress line and the justification.
    levels = [t for lvl, t in _headings(s1_doc) if lvl in (3, 4)]
    assert levels.count("Objetivo Estratégico Institucional 02") == 1
    assert sum(t.startswith("Acción Estratégica Institucional") for t in levels) == 10
    ao_titles = [p for p in paragraphs if re.fullmatch(r"Actividad Operativa \d\d\.\d\d\.\d\d:", p)]
    assert len(ao_titles) == 22
    i = paragraphs.index("Actividad Operativa 01.01.02:")
    assert paragraphs[i + 2] == "Ejecutado: 2 eventos / Programado en el semestre: 1 evento (200.00 %)"
    assert paragraphs[i + 3].startswith("1) Ponentes en el Foro ILO, PUERTA DE INGRESO Y SALIDA AL MUNDO")
    j = paragraphs.index("Actividad Operativa 02.03.02:")
    assert paragraphs[j + 2] == "Ejecutado: 40 % / Programado en el semestre: 40 % (100.00 %)"  # «% avance/100»
    # The two AO the seed has no text for show their line and nothing else: no placeholder in a final report.
    assert not any("Pendiente" in p for p in paragraphs)
    k = paragraphs.index("Actividad Operativa 02.02.01:")
    assert paragraphs[k + 2].startswith("Ejecutado: 0 acciones / Programado en el semestre: 0 acciones")
    assert paragraphs[k + 3] == "Actividad Operativa 02.02.02:"
    assert paragraphs[_body_index(paragraphs, "2.2. Medidas adoptadas para la Mejora Continua") + 1].startswith(
        "Todas las Actividades Operativas tuvieron concreción por encima de lo programado")
    aei_tables = [t for t in s1_doc.tables if _rows(t)[0][:3] == ["Código", "Actividad Operativa", "Resp."]]
    assert len(aei_tables) == 10
    assert _rows(aei_tables[0], skip=1)[1] == ["AO.01.01.02", _rows(aei_tables[0], skip=1)[1][1], "DPD",
                                               "Eventos", "1", "2", "100.00", "sobreejecución"]


def test_report_embeds_three_greyscale_friendly_charts(s1_doc: DocxDocument) -> None:
    from PIL import Image

    shapes = list(s1_doc.inline_shapes)
    assert len(shapes) == 3
    captions = [p for p in _paragraphs(s1_doc) if p.startswith("Gráfico N°")]
    assert captions == ["Gráfico N° 1: Metas programadas y ejecutadas por instancia – I Semestre 2025",
                        "Gráfico N° 2: Ejecución presupuestal respecto del PIM – I Semestre 2025",
                        "Gráfico N° 3: Estado de las Actividades Operativas por OEI – I Semestre 2025"]
    for shape in shapes:
        assert shape.width <= docx.shared.Cm(17)
        blob = s1_doc.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
        image = Image.open(io.BytesIO(blob))
        assert image.format == "PNG" and image.width >= 1000
        # Drawn in greys only: every pixel has R = G = B, so printing in greyscale loses nothing.
        rgb = image.convert("RGB")
        colours = {c for _, c in rgb.getcolors(maxcolors=1 << 20) or []}
        assert all(max(c) - min(c) <= 2 for c in colours)


def test_report_tables_fit_the_page(s1_doc: DocxDocument) -> None:
    """Every table's fixed width is within its section's text width (portrait 17 cm)."""
    section_of_table: list[float] = []
    sections = iter(s1_doc.sections)
    current = next(sections)
    for el in s1_doc.element.body.iterchildren():
        if el.tag == f"{W}tbl":
            section_of_table.append(current.page_width - current.left_margin - current.right_margin)
        if el.tag == f"{W}p" and el.find(f"{W}pPr/{W}sectPr") is not None:
            current = next(sections)
    assert len(section_of_table) == len(s1_doc.tables) > 20
    for table, text_width in zip(s1_doc.tables, section_of_table, strict=True):
        grid = table._tbl.tblGrid.gridCol_lst
        assert sum(gc.w for gc in grid) <= text_width + docx.shared.Cm(0.05)
        sizes = {r.font.size.pt for row in table.rows for c in row.cells for p in c.paragraphs for r in p.runs
                 if r.font.size is not None}
        assert sizes and max(sizes) <= 8


# ---- PDF ---------------------------------------------------------------------------------------------------------
def test_report_pdf_has_every_section_and_renders(s1: tuple[Path, Path], tmp_path: Path) -> None:
    pdf = s1[1]
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = " ".join(_pdftotext(pdf).split())
    for heading in SECTIONS:
        assert text.count(heading) == 2, heading  # once in Contenidos, once as the section's heading
    positions = [text.index(h, text.index("I. Resumen ejecutivo La Zona Especial")) for h in SECTIONS[1:]]
    assert positions == sorted(positions)
    assert "33.4" in text and "57.4" in text and "20'624,225.72" in text and "no medido aún" in text
    # the seed's tables, as the PDF prints them: Anexo 02's rows and the budget's percentages, line by line
    layout = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                            check=True).stdout.splitlines()
    for office, concept, *figures in SEED_OFFICES[2:8]:  # (DPD's rows are split over the merged office cell)
        pattern = re.compile(concept + r"\s+" + r"\s+".join(map(re.escape, figures)) + r"\b")
        assert any(pattern.search(line) for line in layout), (office, concept)
    for rubro, pct in (("Personal y Obligaciones Sociales", "36.47"), ("Bienes y Servicios", "29.26"),
                       ("Impuestos y Contribuciones Obligatorias", "45.81"), ("GASTOS PRESUPUESTARIOS", "32.31")):
        assert any(line.strip().startswith(rubro) and line.rstrip().endswith(pct) for line in layout), rubro
    pages = list(_pages_and_words(pdf))
    assert 12 <= len(pages) <= 30
    # Every page but the cover carries the footer with its number.
    footers = re.findall(r"ZED ILO – Informe de Evaluación Semestral – POI 2025 – Página (\d+)", text)
    assert [int(n) for n in footers] == list(range(2, len(pages) + 1))
    annex = next(i for i, (_, _, words) in enumerate(pages) if " ".join(w for _, _, w in words).startswith(
        "Anexo 01: Reporte"))
    for n, (width, height, words) in enumerate(pages):
        assert (width > height) == (n >= annex)  # A4 portrait, the annexes landscape
        assert abs(min(width, height) - 595.3) < 1 and abs(max(width, height) - 841.9) < 1
        # Nothing laid out past the right margin (2 cm = 56.7 pt): tables fit the page as LibreOffice sees it.
        assert all(x_max <= width - 50 for _, x_max, _ in words)
        assert all(x_min >= 50 for x_min, _, _ in words)
    pngs = _render(pdf, tmp_path / "paginas", "semestral")
    assert len(pngs) == len(pages)
    assert all(p.stat().st_size > 1000 for p in pngs)


def test_report_pdf_is_set_in_a_font_metric_compatible_with_the_docx(s1: tuple[Path, Path]) -> None:
    """The .docx asks for Arial; the set-up installs its metric twin (Liberation Sans) so LibreOffice's PDF breaks
    lines and pages where Word would, instead of falling back on the wider DejaVu Sans."""
    fonts = subprocess.run(["pdffonts", str(s1[1])], capture_output=True, text=True, check=True).stdout
    names = {line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:] if line.strip()}
    assert any(n.startswith("LiberationSans") for n in names), names
    assert not any("DejaVu" in n for n in names), names


def test_report_pdf_without_libreoffice_raises_tool_missing_and_keeps_docx(
    master: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "sin-libreoffice" / "soffice"))
    out = tmp_path / "informe.docx"
    with pytest.raises(ToolMissingError) as info:
        report(master, "2025-S1", out, pdf=True)
    message = str(info.value)
    assert "Se escribió «informe.docx», pero no se pudo generar el PDF" in message
    assert "Instale LibreOffice" in message and "apt-get install" in message
    assert out.is_file() and docx.Document(str(out)).tables
    assert not out.with_suffix(".pdf").exists()


# ---- other periods, plans and formats ----------------------------------------------------------------------------
def test_report_monthly_plan_annual_goes_landscape_for_the_annexes(plan: Plan, tmp_path: Path) -> None:
    master = tmp_path / "mensual.xlsx"
    write_master_file(_monthly(plan), master)
    docx_path, pdf = report(master, "2025", tmp_path / "mensual-2025.docx", pdf=True, fecha=dt.date(2026, 1, 9))
    doc = docx.Document(str(docx_path))
    tables = _captioned_tables(doc)
    # Body: condensed by quarter so it fits portrait; Anexo 02: every month, in a landscape section.
    body = _rows(tables["Programación y Avance de Actividades Operativas por Instancia"])
    assert body[1][2:] == ["I", "II", "III", "IV", "I", "II", "Avance Anual"]
    assert body[-2][2:] == ["12.2", "21.2", "27.2", "32.4", "33.4", "59.6", "93.0"]
    assert body[-1][2:] == ["21.2", "36.2", "", "", "57.4", "", "57.4"]  # not reported: empty, not 0 (#22)
    annex02 = _rows(tables["Actividades Operativas por Instancia Responsable"])
    assert annex02[1][2:] == ["Ene", "Feb", "Mar", "Abr", "May", "Jun", "Jul", "Ago", "Set", "Oct", "Nov", "Dic",
                              "I", "II", "Avance Anual"]
    assert annex02[2][:2] == ["DPD", "Programado"]
    assert annex02[2][2:] == ["0.0", "0.0", "4.2", "0.0", "0.0", "6.2", "0.0", "0.0", "7.2", "0.0", "0.0", "7.4",
                              "10.4", "14.6", "25.0"]
    assert annex02[-1][-3:] == ["57.4", "", "57.4"]
    assert "Informe de Evaluación Anual" in _paragraphs(doc) and "Enero 2026" in _paragraphs(doc)
    # Annual indicators were not measured in the example: every one says so.
    indicators = _rows(tables["Avance de Resultados de OEI y AEI – Respecto de Indicadores de Resultados Anuales"],
                       skip=1)
    assert {r[5] for r in indicators} == {"no medido aún"}
    pages = list(_pages_and_words(pdf))
    landscape = [w > h for w, h, _ in pages]
    assert not landscape[0] and landscape[-1] and any(landscape)
    for width, _, words in pages:
        assert all(x_max <= width - 50 for _, x_max, _ in words)
    _render(pdf, tmp_path / "paginas", "mensual-anual")


def test_report_monthly_plan_semester(plan: Plan, tmp_path: Path) -> None:
    master = tmp_path / "mensual.xlsx"
    write_master_file(_monthly(plan), master)
    (out,) = report(master, "2025-S1", tmp_path / "mensual-s1.docx")
    rows = _rows(_captioned_tables(docx.Document(str(out)))["Actividades Operativas por Instancia Responsable"])
    assert rows[1][2:] == ["Ene", "Feb", "Mar", "Abr", "May", "Jun", "Avance Semestral"]
    assert rows[-2][2:] == ["0.0", "0.0", "12.2", "0.0", "0.0", "21.2", "33.4"]
    assert rows[-1][2:] == ["0.0", "0.0", "21.2", "0.0", "0.0", "36.2", "57.4"]


def test_report_second_semester_without_execution(master: Path, tmp_path: Path) -> None:
    (out,) = report(master, "2025-S2", tmp_path / "s2.docx")
    doc = docx.Document(str(out))
    rows = _rows(_captioned_tables(doc)["Actividades Operativas por Instancia Responsable"])
    assert rows[1][2:] == ["III", "IV", "Avance Semestral"]
    assert rows[-2:] == [["Totales", "Programado", "27.2", "32.4", "59.6"],
                         ["Totales", "Ejecutado", "", "", ""]]  # not reported: empty, not 0 (#22)
    text = "\n".join(_paragraphs(doc))
    assert "Aún no se ha registrado ejecución de ninguna Actividad Operativa en el periodo." in text
    assert "Sin ejecución reportada / Programado en el semestre: 1 acción" in text
    assert "Anexo 02: Avance de Actividades Operativas por Instancia Responsable – II Semestre 2025" in text


def test_report_annual_quarterly_plan(master: Path, tmp_path: Path) -> None:
    (out,) = report(master, "2025", tmp_path / "anual.docx")
    doc = docx.Document(str(out))
    rows = _rows(_captioned_tables(doc)["Programación y Avance de Actividades Operativas por Instancia"])
    assert rows[0][2:] == ["Trimestre"] * 4 + ["Semestre"] * 2 + ["Avance Anual"]
    assert rows[-2][2:] == ["12.2", "21.2", "27.2", "32.4", "33.4", "59.6", "93.0"]
    assert "Anexo 01: Reporte de seguimiento anual del Plan Operativo Institucional 2025" in _paragraphs(doc)
    assert "Ejecutado: 2 eventos / Programado en el año: 4 eventos, 1 evento hasta T2 (200.00 %)" in _paragraphs(doc)


def test_report_annual_mid_year_is_en_curso_not_below_target(master: Path, tmp_path: Path) -> None:
    """#22: the seed is reported through T2; the annual report shows no AO «por debajo» for work due in the second
    semester: each is «en curso», measured against what was programmed through T2, and the report says so. The
    office table and Anexo 02 keep their sums; the line under Anexo 02 says how far they go."""
    (out,) = report(master, "2025", tmp_path / "anual.docx")
    doc = docx.Document(str(out))
    paragraphs = _paragraphs(doc)
    aei_tables = [t for t in doc.tables if _rows(t)[0][:3] == ["Código", "Actividad Operativa", "Resp."]]
    states = [row[-1] for t in aei_tables for row in _rows(t, skip=1)]
    assert len(states) == 22 and "por debajo" not in states
    assert states.count("en curso") == 20 and states.count("sobreejecución") == 2
    assert ("Periodo en curso: ejecutado reportado hasta T2 (2 de 4 trimestres del periodo). El avance de cada "
            "Actividad Operativa se mide contra lo programado hasta T2 y su estado es «en curso» (no «por debajo "
            "de la meta») mientras el periodo no se complete.") in paragraphs
    assert any("respecto de lo programado hasta T2" in p for p in paragraphs)
    assert any(p.startswith("Al cierre del año 2025, de las 22 Actividades Operativas") and "20 en curso" in p
               for p in paragraphs)
    assert "Total de metas ejecutadas en el año: 57.4 (hasta T2)" in paragraphs
    assert ("Periodo evaluado: Año 2025. Programado del año completo; ejecutado reportado hasta T2 (2 de 4 "
            "trimestres). «% avance»: avance de cada Actividad Operativa en el periodo evaluado.") in paragraphs


def test_report_draft_with_empty_narrative_and_justifications_shows_placeholders(plan: Plan, tmp_path: Path) -> None:
    master = tmp_path / "sin-textos.xlsx"
    write_master_file(_without_texts(plan), master)
    (out,) = report(master, "2025-S1", tmp_path / "sin-textos.docx", borrador=True)
    doc = docx.Document(str(out))
    paragraphs = _paragraphs(doc)
    for heading, field in (("1.1. Problemática identificada", "«problematica»"),
                           ("1.2. Principales Acciones Desplegadas y Logros Alcanzados", "«logros»"),
                           ("2.2. Medidas adoptadas para la Mejora Continua", "«medidas»")):
        following = paragraphs[_body_index(paragraphs, heading) + 1]
        assert following.startswith("[Pendiente: ") and field in following and following.endswith("]")
    pending = [p for p in paragraphs if p.startswith("[Pendiente: la instancia")]
    assert len(pending) == 22
    assert pending[0] == ("[Pendiente: la instancia DPD debe registrar la justificación de la AO.01.01.01 "
                          "(logros, limitaciones y medidas) en el maestro.]")
    # The placeholder is visible: highlighted italic text.
    mark = next(p for p in doc.paragraphs if p.text.startswith("[Pendiente:"))
    assert mark.runs[0].italic and mark.runs[0].font.highlight_color is not None
    assert _empty_sections(doc) == []
    # The figures do not depend on the texts.
    assert _rows(_captioned_tables(doc)["Actividades Operativas por Instancia Responsable"], skip=2) == SEED_OFFICES


def test_report_xlsx_has_anexo_01_and_02(master: Path, tmp_path: Path) -> None:
    (out,) = report(master, "2025-S1", tmp_path / "seguimiento.xlsx", formato="xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Anexo 01", "Anexo 02"]
    a2 = [list(r) for r in wb["Anexo 02"].iter_rows(values_only=True)]
    assert a2[0][0] == "Anexo 02: Avance de Actividades Operativas por Instancia Responsable – I Semestre 2025"
    assert a2[3][3:] == ["Trimestre", None, "Avance Semestral"] and a2[4][3:5] == ["I", "II"]
    body = [[r[0], r[2], *r[3:]] for r in a2[5:15]]
    offices = [r[0] for r in body]
    assert offices[::2] == ["DPD", "DOI", "OGA", "OAL", "Totales"]
    assert [[row[1], *row[2:]] for row in body] == [
        [concept, *(float(v) for v in values)] for _, concept, *values in SEED_OFFICES]
    assert a2[5][1] == "Dirección de Promoción y Desarrollo"
    a1 = [list(r) for r in wb["Anexo 01"].iter_rows(values_only=True)]
    assert a1[0][0] == "Anexo 01: Reporte de seguimiento semestral del Plan Operativo Institucional 2025"
    assert a1[4][5:] == ["I", "II", "Sem.", "III", "IV", "Sem.", None, None]
    assert a1[3][11:] == ["Total anual", "% avance S1"]
    by_code = {r[0]: i for i, r in enumerate(a1) if isinstance(r[0], str) and r[0].startswith("AO.")}
    assert len(by_code) == 22
    i = by_code["AO.01.01.02"]
    assert a1[i][1:5] == ["Organización y/o participación en eventos que proyecten a ZED ILO como herramienta "
                          "para el desarrollo regional.", "Eventos", "DPD", "Progr."]
    assert a1[i][5:] == [0, 1, 1, 2, 1, 3, 4, 100]  # % avance: over-executed, capped
    assert a1[i + 1][4:] == ["Ejecut.", 0, 2, 2, None, None, None, 2, None]
    assert a1[by_code["AO.02.03.02"]][5:] == [0.2, 0.2, 0.4, 0.2, 0.4, 0.6, 1, 100]
    assert [r[0] for r in a1 if isinstance(r[0], str) and r[0].startswith("OEI.")] == [
        "OEI.01: Promover fortalecimiento de capacidades logísticas en la región Moquegua.",
        "OEI.02: Incrementar operaciones de los usuarios en ZED ILO.",
        "OEI.03: Fortalecer capacidades institucionales para brindar servicio continuo de calidad."]


def test_report_rejects_bad_arguments(master: Path, tmp_path: Path) -> None:
    with pytest.raises(ZedxlError, match="debe tener extensión .docx"):
        report(master, "2025-S1", tmp_path / "informe.pdf")
    with pytest.raises(ZedxlError, match="Formato «pdf» no válido"):
        report(master, "2025-S1", tmp_path / "informe.pdf", formato="pdf")
    with pytest.raises(PeriodError):
        report(master, "2024-S1", tmp_path / "informe.docx")
    (tmp_path / "~$informe.docx").write_bytes(b"")  # Word has it open
    with pytest.raises(MasterLockedError, match="parece estar abierto"):
        report(master, "2025-S1", tmp_path / "informe.docx")
    assert not (tmp_path / "informe.docx").exists()
    assert default_output(master, "2025-S1") == master.parent / "Informe_Evaluacion_POI_2025-S1.docx"
    assert default_output(master, "2025", "xlsx") == master.parent / "Reporte_Seguimiento_POI_2025.xlsx"


# ---- the body writer: one pass, escaped text --------------------------------------------------------------------
def _copies(plan: Plan, k: int) -> Plan:
    """The example with each AO ``k`` times (AO.01.01.01, then AO.01.01.11, AO.01.01.21…), same figures and texts."""
    def copy(ao: Any, i: int) -> Any:
        return dataclasses.replace(ao, codigo=f"{ao.codigo[:-2]}{int(ao.codigo[-2:]) + 10 * i:02d}")

    return dataclasses.replace(plan, objetivos=tuple(
        dataclasses.replace(o, acciones=tuple(
            dataclasses.replace(a, actividades=tuple(copy(ao, i) for i in range(k) for ao in a.actividades))
            for a in o.acciones))
        for o in plan.objetivos))


def test_report_body_grows_by_the_same_paragraphs_and_rows_per_ao(plan: Plan, tmp_path: Path) -> None:
    """1, 2 and 4 times the example's 22 AO: every AO has its line in section II, its row in its AEI's table and in
    Anexo 01; the tables are the same; each AO adds the same number of paragraphs and table rows."""
    sizes = []
    for k in (1, 2, 4):
        (out,) = report_plan(_copies(plan, k), "2025-S1", tmp_path / f"x{k}.docx", fecha=COVER_DATE)
        doc = docx.Document(str(out))
        titles = [p for p in _paragraphs(doc) if re.fullmatch(r"Actividad Operativa \d\d\.\d\d\.\d\d:", p)]
        assert len(titles) == len(set(titles)) == 22 * k
        annex = [r[0] for name, t in _captioned_tables(doc).items() if name.startswith("AEI.") for r in _rows(t, 2)]
        assert len(annex) == len(set(annex)) == 22 * k
        listed = [r[0] for t in doc.tables if _rows(t)[0][:2] == ["Código", "Actividad Operativa"] for r in _rows(t, 1)]
        assert sorted(listed) == sorted(annex)
        assert len(doc.tables) == 4 + 3 + 10 + 10 + 1  # indicators, offices, 2 budgets; 3 OEI; 10 AEI; Anexo 01; 02
        sizes.append((len(doc.paragraphs), sum(len(t.rows) for t in doc.tables)))
    (p1, r1), (p2, r2), (p4, r4) = sizes
    assert (p4 - p2, r4 - r2) == (2 * (p2 - p1), 2 * (r2 - r1)) and r2 - r1 == 22 * 2


def test_report_drops_characters_xml_forbids_and_escapes_the_rest(plan: Plan, tmp_path: Path) -> None:
    hostile = 'Taller <b>"uno"</b> & \'dos\' ]]>\x01\x1f\ufffe\x7f fin'
    first = next(plan.actividades())
    odd = dataclasses.replace(plan.with_ejecutado({}, {first.codigo: ("", f"{hostile}\n- lista\tcon tabulación", "",
                                                                      "")}),
                              narrativa={"problematica": hostile})
    (out,) = report_plan(odd, "2025-S1", tmp_path / "raro.docx", fecha=COVER_DATE)
    paragraphs = _paragraphs(docx.Document(str(out)))
    clean = 'Taller <b>"uno"</b> & \'dos\' ]]>\x7f fin'
    assert paragraphs.count(clean) == 2 and "lista\tcon tabulación" in paragraphs


@given(st.text())
def test_wordml_run_keeps_every_character_xml_allows(value: str) -> None:
    root = etree.fromstring(f'<w:p xmlns:w="{W[1:-1]}">{wordml.run(value, bold=True)}</w:p>')
    read = "".join(el.text or "" if el.tag == f"{W}t" else "\t" if el.tag == f"{W}tab" else "\n"
                   for el in root.iter(f"{W}t", f"{W}tab", f"{W}br"))
    allowed = "".join(ch for ch in value if ch in "\t\n\r" or " " <= ch <= "\ud7ff" or "\ue000" <= ch <= "\ufffd"
                      or ch >= "\U00010000")
    assert read == allowed.replace("\r", "\n")
    for t in root.iter(f"{W}t"):  # Word drops a text's outer spaces unless told to keep them
        assert t.text == t.text.strip() or t.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"


def test_wordml_splice_replaces_the_marker_paragraph_or_refuses(tmp_path: Path) -> None:
    package = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("zedxl:uno")
    document.save(package)
    wordml.splice(package, tmp_path / "bien.docx", {"zedxl:uno": [wordml.paragraph(wordml.run("hola")).encode()]})
    assert [p.text for p in docx.Document(str(tmp_path / "bien.docx")).paragraphs] == ["hola"]
    with pytest.raises(ValueError, match="zedxl:dos"):
        wordml.splice(package, tmp_path / "mal.docx", {"zedxl:dos": []})


@pytest.mark.libreoffice
def test_report_pdf_keeps_a_municipality_s_amounts_and_totals_on_one_line(plan: Plan, tmp_path: Path) -> None:
    """#24: billions in the budget tables and five-digit office totals print whole, never wrapped inside a cell."""
    def big(line: Any, k: int) -> Any:
        return dataclasses.replace(line, pia=Decimal("1399082012.55") * (k + 1), pim=Decimal("1435612345.67") * (k + 1),
                                   acumulado=tuple(None if v is None else Decimal("987654321.09") * (k + 1)
                                                   for v in line.acumulado))

    budget = dataclasses.replace(plan.presupuesto, ingresos=tuple(big(ln, k) for k, ln in
                                                                   enumerate(plan.presupuesto.ingresos)),
                                 gastos=tuple(big(ln, k) for k, ln in enumerate(plan.presupuesto.gastos)))
    muni = replace_actividades(dataclasses.replace(plan, presupuesto=budget), lambda ao, k: dataclasses.replace(
        ao, programado=tuple(v * 1234 + Decimal("0.5") for v in ao.programado),
        ejecutado=tuple(None if v is None else v * 1555 + Decimal("0.5") for v in ao.ejecutado)))
    pdf = report_plan(muni, "2025-S1", tmp_path / "informe.docx", pdf=True)[1]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    total = fmt.money(sum((ln.pim or Decimal(0) for ln in budget.gastos), Decimal(0)), symbol=False)
    assert re.search(rf"GASTOS PRESUPUESTARIOS\s+\S+\s+{re.escape(total)}\s", text), total
    ev_total = evaluate(muni, parse_period("2025-S1", 2025, "trimestral")).offices.total
    assert f"{fmt.num1(ev_total.programado[-1])}" in text and f"{fmt.num1(ev_total.ejecutado[-1])}" in text
