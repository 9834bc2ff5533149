"""A report fit to sign (#24): grammatical AO lines for any unit, a contents page with page numbers in the PDF, no
placeholder in the final report (a checklist and a draft instead), the planner's texts from the Narrativa sheet,
every table captioned, chart labels that cross nothing.

Real files only: masters written from the bundled example, reports read back with python-docx, PDFs with poppler.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from PIL import Image

from zedxl.cli import main
from zedxl.errors import PlanError, ZedxlError
from zedxl.model import Plan
from zedxl.new import write_master_file
from zedxl.periods import parse_period
from zedxl.plan import load_plan
from zedxl.report import charts, report, report_plan
from zedxl.report.content import build_content, quantity
from zedxl.xlsx.layout import NARRATIVA_FIELDS
from zedxl.xlsx.master_read import read_master

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "workbook" / "examples" / "zedilo-2025.yaml"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NBSP = "\u00a0"
DAY = dt.date(2025, 8, 15)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(EXAMPLE)


def _paragraphs(path: Path) -> list[str]:
    return [p.text.replace(NBSP, " ") for p in docx.Document(str(path)).paragraphs]


def _pdf_text(pdf: Path, *pages: int) -> str:
    span = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    out = subprocess.run(["pdftotext", *span, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return out.stdout.replace(NBSP, " ")


def _with_units(plan: Plan, units: dict[str, str]) -> Plan:
    """``plan`` with the unit of the AO named in ``units`` replaced."""
    return dataclasses.replace(plan, objetivos=tuple(
        dataclasses.replace(o, acciones=tuple(
            dataclasses.replace(a, actividades=tuple(dataclasses.replace(ao, unidad=units.get(ao.codigo, ao.unidad))
                                                     for ao in a.actividades))
            for a in o.acciones))
        for o in plan.objetivos))


# ---- the pluralisation rules -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "unit", "expected"), [
    ("1", "Evento", "1 evento"),
    ("2", "Evento", "2 eventos"),
    ("1", "Eventos", "1 evento"),
    ("0", "Eventos", "0 eventos"),
    ("1187", "Persona", "1187 personas"),
    ("1", "Personas", "1 persona"),
    ("4", "Informe", "4 informes"),
    ("1", "Informes", "1 informe"),
    ("1", "Acción", "1 acción"),
    ("3", "Acción", "3 acciones"),
    ("1", "Acciones", "1 acción"),
    ("1.5", "Acción", "1.5 acciones"),
    ("40", "Porcentaje", "40 %"),
    ("40", "%", "40 %"),
    ("0.4", "% avance/100", "40 %"),
    ("0.25", "% Avance / 100", "25 %"),
    ("1", "Acciones implementadas", "1 acción implementada"),
    ("2", "Procesos mejorados", "2 procesos mejorados"),
    ("1", "Procesos mejorados", "1 proceso mejorado"),
    ("1", "Base de datos", "1 base de datos"),
    ("2", "Base de datos", "2 bases de datos"),
    ("1", "Proveedores", "1 proveedor"),
    ("1", "Agentes", "1 agente"),
    ("1", "Actividades", "1 actividad"),
    ("1", "Detalles", "1 detalle"),
    ("2", "Reunión", "2 reuniones"),
    ("1", "Capacitaciones", "1 capacitación"),
    ("2", "Mes", "2 meses"),
    ("1", "Meses", "1 mes"),
    ("2", "Luz", "2 luces"),
    ("2", "Análisis", "2 análisis"),
    ("2", "Documento de gestión", "2 documentos de gestión"),
    ("3", "DNI", "3 DNI"),
    ("3", "m²", "3 m²"),
    ("3", "", "3"),
])
def test_quantity_agrees_in_number_with_any_unit(value: str, unit: str, expected: str) -> None:
    assert quantity(Decimal(value), unit).replace(NBSP, " ") == expected


# ---- the PDF: contents with page numbers, grammatical lines, no placeholder ---------------------------------------
@pytest.mark.libreoffice
def test_report_pdf_has_page_numbers_in_contents_grammatical_lines_and_no_placeholder(plan: Plan,
                                                                                       tmp_path: Path) -> None:
    units = {"AO.01.01.01": "Evento", "AO.01.01.02": "Eventos", "AO.01.02.01": "Persona", "AO.01.02.02": "Informe",
             "AO.01.03.01": "Acción", "AO.01.03.02": "Porcentaje"}
    pending: list[str] = []
    docx_path, pdf = report_plan(_with_units(plan, units), "2025-S1", tmp_path / "informe.docx", pdf=True,
                                 fecha=DAY, pendientes=pending)
    text = " ".join(_pdf_text(pdf).split())
    for line in ("Ejecutado: 1 evento / Programado en el semestre: 1 evento (100.00 %)",
                 "Ejecutado: 2 eventos / Programado en el semestre: 1 evento (200.00 %)",
                 "Ejecutado: 2 personas / Programado en el semestre: 2 personas (100.00 %)",
                 "Ejecutado: 1 informe / Programado en el semestre: 1 informe (100.00 %)",
                 "Ejecutado: 0 acciones / Programado en el semestre: 0 acciones",
                 "Ejecutado: 3 % / Programado en el semestre: 2 % (150.00 %)",
                 "Ejecutado: 40 % / Programado en el semestre: 40 % (100.00 %)"):  # AO.02.03.02, «% avance/100»
        assert line in text, line
    assert not re.search(r"ejecutadas /|\d [^ ]+ programadas en el", text)  # the old lines, «2 eventos ejecutadas / …»
    # Two AO have no justification in the seed: listed, never printed.
    assert "[Pendiente" not in text and len(pending) == 3
    assert "AO.02.02.01" in pending[0] and "AO.02.02.02" in pending[1] and "«firmas»" in pending[2]
    # Contents: every entry ends with the page number where LibreOffice laid out its heading.
    pages = [_pdf_text(pdf, n) for n in range(1, int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout).group(1)) + 1)]  # type: ignore[union-attr]
    assert pages[1].lstrip().startswith("Contenidos")
    entries = re.findall(r"^\s*(\S.*?)\s*\.{3,}\s*(\d+)\s*$", pages[1], re.M)
    assert len(entries) == 13  # 8 sections, Anexo 01 and its 3 OEI, Anexo 02
    for title, number in entries:
        heading = " ".join(title.split())
        found = [i + 1 for i, page in enumerate(pages[2:], start=2) if heading in " ".join(page.split())]
        assert found and found[0] == int(number), (heading, number, found)
    # The annexes read across a landscape page; the body is portrait.
    sizes = re.findall(r"Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+)", subprocess.run(
        ["pdfinfo", "-f", "1", "-l", str(len(pages)), str(pdf)], capture_output=True, text=True, check=True).stdout)
    annex = next(i for i, page in enumerate(pages) if "Período PEI: 2024-2026" in page) + 1
    assert [float(w) > float(h) for _, w, h in sizes] == [int(n) >= annex for n, _, _ in sizes]
    # Metric-compatible fonts only (the set-up installs Liberation and Carlito).
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    names = {line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:] if line.strip()}
    assert names and all(n.startswith(("Liberation", "Carlito", "OpenSymbol")) for n in names), names
    assert docx_path.is_file()


# ---- the checklist and the draft ---------------------------------------------------------------------------------
def test_report_cli_prints_the_checklist_and_marks_it_only_in_a_draft(plan: Plan, tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    master = tmp_path / "maestro.xlsx"
    empty = dataclasses.replace(plan, narrativa={"periodo_pei": "2024-2026"})
    write_master_file(empty, master)
    final, draft = tmp_path / "final.docx", tmp_path / "borrador.docx"
    assert main(["report", str(master), "--periodo", "2025-S1", "-o", str(final), "--fecha", "15/08/2025"]) == 0
    out = capsys.readouterr().out
    listed = [line[6:] for line in out.splitlines() if line.startswith("  [ ] ")]
    assert "Textos pendientes (12; no aparecen en el informe; use --borrador para marcarlos en el Word):" in out
    assert listed[0] == ("Presentar la entidad (naturaleza, adscripción y objeto) (hoja Narrativa del maestro, "
                         "campo «presentacion»).")
    assert listed[-1].startswith("Indicar las firmas del informe")
    paragraphs = _paragraphs(final)
    assert not any("Pendiente" in p for p in paragraphs)
    assert paragraphs.count("Sin información registrada para el periodo.") == 3  # 1.1, 1.2 and 2.2
    assert "Agosto 2025" in paragraphs

    assert main(["report", str(master), "--periodo", "2025-S1", "-o", str(draft), "--borrador"]) == 0
    doc = docx.Document(str(draft))
    marks = [p for p in doc.paragraphs if p.text.startswith("[Pendiente: ")]
    assert [m.text[len("[Pendiente: "):-1] for m in marks] == [item[0].lower() + item[1:] for item in listed]
    assert all(m.runs[0].italic and m.runs[0].font.highlight_color is not None for m in marks)

    assert main(["report", str(master), "--periodo", "2025-S1", "--borrador", "--pdf", "-o", str(draft)]) == 2
    assert "no se combina con --pdf" in capsys.readouterr().err
    assert main(["report", str(master), "--periodo", "2025-S1", "--fecha", "31/02/2025", "-o", str(draft)]) == 2
    assert "--fecha «31/02/2025» no es una fecha" in capsys.readouterr().err


# ---- the planner's texts come from the Narrativa -----------------------------------------------------------------
def test_narrativa_fields_go_through_the_master(plan: Plan, tmp_path: Path) -> None:
    texts = {key: f"Texto de {key}" for key in NARRATIVA_FIELDS} | {"fecha_informe": "15/08/2025"}
    master = tmp_path / "maestro.xlsx"
    write_master_file(dataclasses.replace(plan, narrativa=texts), master)
    assert read_master(master).plan.narrativa == texts


def test_report_takes_date_title_office_logo_and_signatures_from_the_narrativa(plan: Plan, tmp_path: Path) -> None:
    Image.new("RGB", (300, 120), "grey").save(tmp_path / "logo.png")
    narrativa = dict(plan.narrativa) | {
        "fecha_informe": "03/09/2025", "titulo": "Informe de Evaluación de Implementación del POI",
        "oficina_responsable": "Oficina de Planeamiento y Presupuesto", "logo": "logo.png",
        "firmas": "Ana Quispe Mamani | Jefa de la Oficina de Planeamiento y Presupuesto\nLuis Pérez | Gerente General"}
    master = tmp_path / "maestro.xlsx"
    write_master_file(dataclasses.replace(plan, narrativa=narrativa), master)
    pending: list[str] = []
    (out,) = report(master, "2025-S1", tmp_path / "informe.docx", pendientes=pending)
    doc = docx.Document(str(out))
    paragraphs = _paragraphs(out)
    cover = paragraphs[:paragraphs.index("Contenidos")]
    assert "Informe de Evaluación de Implementación del POI" in cover
    assert "Oficina de Planeamiento y Presupuesto" in cover and "Setiembre 2025" in cover
    assert len(doc.inline_shapes) == 4  # the logo and the three charts
    assert doc.inline_shapes[0].height == docx.shared.Cm(3)
    signed = paragraphs.index("3 de setiembre de 2025")
    assert paragraphs[signed:signed + 12] == [
        "3 de setiembre de 2025", "", "", "", "_" * 36, "Ana Quispe Mamani",
        "Jefa de la Oficina de Planeamiento y Presupuesto", "", "", "", "_" * 36, "Luis Pérez"]
    footer = doc.sections[0].footer.paragraphs[0].text
    assert footer.startswith("ZED ILO – Informe de Evaluación de Implementación del POI – POI 2025 – Página")
    assert len(pending) == 2  # the seed's two AO without justification
    # --fecha wins over the Narrativa.
    (again,) = report(master, "2025-S1", tmp_path / "otra.docx", fecha=dt.date(2025, 10, 1))
    assert "Octubre 2025" in _paragraphs(again)


def test_report_seed_introduction_orientaciones_and_budget_comments(plan: Plan, tmp_path: Path) -> None:
    (out,) = report_plan(plan, "2025-S1", tmp_path / "informe.docx", fecha=DAY)
    paragraphs = _paragraphs(out)
    body = len(paragraphs) - 1 - paragraphs[::-1].index("I. Resumen ejecutivo")  # not its line in Contenidos
    assert paragraphs[body + 1].startswith("La Zona Especial de Desarrollo Ilo - ZED ILO es un Organismo Público")
    assert paragraphs[body + 3].startswith("En ese contexto, ZED ILO aprobó su Plan Estratégico Institucional- PEI "
                                           "2024-2026 con Resolución de Presidencia")
    assert paragraphs[body + 4].startswith("El presente documento contiene el informe de avance")
    heading = paragraphs.index("Orientaciones Centrales del Plan Estratégico Institucional ZED ILO 2024-2026")
    assert paragraphs[heading + 1].startswith("Las Acciones Estratégicas Institucionales contempladas en el PEI")
    assert paragraphs.index("1.2. Principales Acciones Desplegadas y Logros Alcanzados", body) < heading
    budget = paragraphs.index("1.4. Al nivel de Presupuesto Institucional", body)
    assert paragraphs[budget + 1].startswith("Hasta el ejercicio 2018, los depósitos del Arancel Especial")
    assert paragraphs[budget + 2].startswith("El Presupuesto Institucional de Apertura (PIA) de ZED ILO")
    income = next(i for i, p in enumerate(paragraphs) if p.startswith("La ejecución presupuestal de ingresos"))
    assert paragraphs[income + 1].startswith("Los ingresos por concepto de Impuestos y Contribuciones Obligatorias")
    assert paragraphs[income + 4].startswith("Respecto a los saldos de balance")
    spending = next(i for i, p in enumerate(paragraphs) if p.startswith("La ejecución presupuestal de egresos"))
    assert paragraphs[spending + 1].startswith("La menor ejecución se debe a que gastos como gratificaciones")


def test_report_refuses_a_bad_narrativa_date_and_a_missing_logo(plan: Plan, tmp_path: Path) -> None:
    master = tmp_path / "maestro.xlsx"
    write_master_file(dataclasses.replace(plan, narrativa={"fecha_informe": "agosto"}), master)
    with pytest.raises(PlanError, match=r"maestro\.xlsx.*\n.*hoja Narrativa, campo «fecha_informe»: «agosto» no es"):
        report(master, "2025-S1", tmp_path / "informe.docx")
    write_master_file(dataclasses.replace(plan, narrativa={"logo": "no-existe.png"}), master)
    with pytest.raises(ZedxlError, match="No se encontró el logo .*no-existe.png.*campo «logo»"):
        report(master, "2025-S1", tmp_path / "informe.docx")
    (tmp_path / "roto.png").write_bytes(b"no es una imagen")
    write_master_file(dataclasses.replace(plan, narrativa={"logo": str(tmp_path / "roto.png")}), master)
    with pytest.raises(ZedxlError, match="no se puede leer como imagen"):
        report(master, "2025-S1", tmp_path / "informe.docx")
    assert not (tmp_path / "informe.docx").exists()


# ---- tables and charts -------------------------------------------------------------------------------------------
def test_report_every_table_has_a_cuadro_caption_numbered_in_order(plan: Plan, tmp_path: Path) -> None:
    (out,) = report_plan(plan, "2025-S1", tmp_path / "informe.docx", fecha=DAY)
    doc = docx.Document(str(out))
    numbers, before = [], ""
    for el in doc.element.body.iterchildren():
        if el.tag == f"{W}tbl":
            match = re.fullmatch(r"Cuadro N° (\d+): .+", before)
            assert match, before
            numbers.append(int(match.group(1)))
        elif el.tag == f"{W}p":
            before = "".join(t.text or "" for t in el.iter(f"{W}t"))
    assert numbers == list(range(1, len(doc.tables) + 1)) and len(numbers) == 28
    annex = next(t for t in doc.tables if t.rows[0].cells[-1].text == "% avance")
    assert [r.cells[-1].text for r in annex.rows[2:]] == ["100.00", "100.00"]


def test_chart_labels_cross_no_line_and_no_other_label(plan: Plan) -> None:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()  # the check itself sees a label across a reference line and two labels on each other
    ax.axvline(100)
    ax.set_xlim(0, 200)
    ax.text(90, 0.5, "45.81 % (S/ 1'329,058.20)")
    ax.text(90, 0.5, "otra")
    assert {pair[1] for pair in charts.overlaps(fig)} == {"línea", "otra"}
    plt.close(fig)
    big = dataclasses.replace(plan, instancias={f"O{i:02d}": f"Oficina {i}" for i in range(14)} | dict(plan.instancias))
    for p in (plan, big):
        content = build_content(p, parse_period("2025-S1", p.anio, p.periodicidad), DAY)
        for fig in (charts.budget_figure(content), charts.office_figure(content)):
            assert charts.overlaps(fig) == []
            plt.close(fig)
