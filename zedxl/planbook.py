"""The plan as a workbook: the template a planner types (``zedxl plantilla-plan``), a plan written out
(``zedxl new --exportar-plan``) and the reader that turns either into the raw mapping a YAML plan gives, so every
check of ``zedxl.plan.plan_from_dict`` and its messages are shared; each problem names its sheet and cell.

Layout (headers and labels are found by text, case and accents aside, never by position; blank rows are skipped):

- ``Instrucciones``: how to fill the workbook, in Spanish (never read).
- ``Entidad``: one row per datum, label in column A and value in B (entity, sigla, year, periodicity, the office
  that reports the budget, the computation rules); the labels are the master's ``Parámetros`` ones.
- ``Instancias``: «Código», «Nombre».
- ``Plan``: one row per OEI, AEI or AO, in plan order: an AEI belongs to the OEI above it, an AO to the AEI above
  it. Columns «Nivel», «Código», «Nombre», «Unidad (U.M.)» (an AO's unit; on an OEI/AEI row its indicator's),
  «Instancia», «Indicador», «Meta anual», «Ind. ejec. S1/S2/Anual», then per base period «Prog. T1»…, «Ejec. T1»…,
  «Justificación T1»… (months: Ene … Dic), «PIM AO», «Devengado T1»…. «Prog.» is the programming before any
  reprogramación; a blank programmed cell is 0, a blank executed one is not reported.
- ``Reprogramaciones``: «Código AO», «Fecha», «Periodo», «Nuevo valor», «Justificación», «Documento»: one row per
  period changed; the rows of one AO and one date are one reprogramación (its justification typed once is enough).
- ``Presupuesto``: «Tipo» (Ingresos/Gastos), «Rubro», «PIA», «PIM», «Ejec. acum. T1»… (accumulated at the close of
  each base period, as SIAF gives it).
- ``Narrativa``: «Clave», «Sección» (not read), «Texto».

The template's example rows say «(ejemplo)» in their first column and are ignored while they keep the example's
code; one typed over without changing that mark is refused, so an example never ends up in a plan.
Every text goes to its cell through ``write_string`` with ``strings_to_formulas`` off (``zedxl.xlsx.text``): a name
beginning with «=» stays text.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import xlsxwriter
from openpyxl.utils.exceptions import InvalidFileException
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from zedxl.a1 import to_a1
from zedxl.errors import PlanError
from zedxl.model import INDICATOR_POINTS, Indicador, Plan, Reglas, normalize_code
from zedxl.periods import MONTHS, QUARTERS, Periodicity, base_labels
from zedxl.plan import parse_date, plan_from_dict
from zedxl.xlsx import layout as L
from zedxl.xlsx.master_write import CALC_FILL, HEADER_FILL, INPUT_FILL
from zedxl.xlsx.text import safe_text

SHEET_INSTRUCCIONES = "Instrucciones"
SHEET_ENTIDAD = "Entidad"
SHEET_INSTANCIAS = "Instancias"
SHEET_PLAN = "Plan"
SHEET_PRESUPUESTO = "Presupuesto"
SHEET_NARRATIVA = "Narrativa"
SHEET_REPROGRAMACIONES = "Reprogramaciones"

H_NIVEL, H_CODIGO, H_NOMBRE, H_UNIDAD, H_INSTANCIA = "Nivel", "Código", "Nombre", "Unidad (U.M.)", "Instancia"
H_INDICADOR, H_META = "Indicador", "Meta anual"
H_TIPO, H_RUBRO, H_PIA, H_PIM = "Tipo", "Rubro", "PIA", "PIM"
H_CLAVE, H_SECCION, H_TEXTO = "Clave", "Sección", "Texto"
H_PIM_AO = "PIM AO"
H_AO, H_FECHA, H_PERIODO, H_NUEVO, H_JUSTIFICACION, H_DOCUMENTO = (
    "Código AO", "Fecha", "Periodo", "Nuevo valor", "Justificación", "Documento")
REPROGRAMACION_HEADERS = (H_AO, H_FECHA, H_PERIODO, H_NUEVO, H_JUSTIFICACION, H_DOCUMENTO)
LEVELS = ("OEI", "AEI", "AO")
BUDGET_KINDS = ("Ingresos", "Gastos")
EXAMPLE_MARK = "(ejemplo)"
#: the Entidad sheet's rows: key of the plan → label (the master's Parámetros labels)
ENTIDAD_KEYS = ("entidad", "sigla", "anio", "periodicidad", "responsable_presupuesto", "tope_avance",
                "avance_sin_meta", "verde", "amarillo")

#: Bounds of a plan workbook: a real one is a few hundred KB and some thousand rows.
MAX_BOOK_BYTES = 20 * 2**20
MAX_UNZIPPED_BYTES = 400 * 2**20
MAX_ROWS = 100_000
MAX_COLS = 300

_HEADER_ROW = {SHEET_ENTIDAD: 2, SHEET_INSTANCIAS: 2, SHEET_PLAN: 3, SHEET_PRESUPUESTO: 2, SHEET_NARRATIVA: 2,
               SHEET_REPROGRAMACIONES: 2}
_VALIDATION_ROWS = 5000  # rows below the header that get the lists and number checks
_BLANK_ROWS = {SHEET_INSTANCIAS: 20, SHEET_PLAN: 150, SHEET_PRESUPUESTO: 20, SHEET_NARRATIVA: 5,
               SHEET_REPROGRAMACIONES: 50}


def prog_header(label: str) -> str:
    return f"Prog. {label}"


def ejec_header(label: str) -> str:
    return f"Ejec. {label}"


def just_header(label: str) -> str:
    return f"Justificación {label}"


def indicator_header(point: str) -> str:
    return f"Ind. ejec. {point}"


def acum_header(label: str) -> str:
    return f"Ejec. acum. {label}"


def devengado_header(label: str) -> str:
    return f"Devengado {label}"


def plan_headers(periodicidad: Periodicity) -> list[str]:
    labels = base_labels(periodicidad)
    return [H_NIVEL, H_CODIGO, H_NOMBRE, H_UNIDAD, H_INSTANCIA, H_INDICADOR, H_META,
            *map(indicator_header, INDICATOR_POINTS), *map(prog_header, labels), *map(ejec_header, labels),
            *map(just_header, labels), H_PIM_AO, *map(devengado_header, labels)]


def budget_headers(periodicidad: Periodicity) -> list[str]:
    return [H_TIPO, H_RUBRO, H_PIA, H_PIM, *map(acum_header, base_labels(periodicidad))]


def normalized(text: Any) -> str:
    """How a header or label is matched: accents, case, punctuation and spaces aside («Prog. T1» = «prog t1»,
    «Unidad (U.M.)» = «unidad um»... «unidad u m»)."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^\w%]+", " ", plain).split())


# -- writing ------------------------------------------------------------------------------------------------------

_EXAMPLE_PLAN = (  # Nivel, Código, Nombre, Unidad, Instancia, Indicador, Meta anual
    ("OEI", "OEI.01", "Promover el fortalecimiento de capacidades logísticas en la región",
     "Acciones", "", "Número de acciones de mejora en las capacidades logísticas", 2),
    ("AEI", "AEI.01.01", "Acciones para el fortalecimiento como polo de desarrollo descentralizado",
     "Eventos", "", "Número de eventos en que se aborda el rol de la entidad", 3),
    ("AO", "AOI00091400117", "Participación en eventos que proyecten a la entidad como herramienta de desarrollo",
     "Eventos", "DPD", "", None),
)
_EXAMPLE_BUDGET = ("Gastos", "Bienes y Servicios", 1500000, 1520000)

_INSTRUCCIONES = (
    "Plan Operativo Institucional en Excel (zedxl)",
    "",
    "Este libro es el plan: lo que escriba aquí es lo que «zedxl new PLAN.xlsx -o maestro.xlsx» convierte en el "
    "libro maestro. Las celdas amarillas son para escribir; las grises no se leen o no se cambian aquí.",
    "",
    "1. Hoja Entidad: nombre de la entidad, sigla, año del plan, instancia que reporta el presupuesto y reglas de "
    "cálculo (puede dejar las reglas como están). La periodicidad viene de la plantilla: para cambiarla, genere "
    "otra con «zedxl plantilla-plan --mensual» o «--trimestral».",
    "2. Hoja Instancias: una fila por oficina o centro de costo, con su código (DPD, OGA, …) y su nombre.",
    "3. Hoja Plan: una fila por OEI, AEI y AO, en orden. Una AEI pertenece a la OEI de la fila de arriba más "
    "cercana; una AO, a la AEI de arriba más cercana. El código puede ser el del Aplicativo CEPLAN "
    "(p. ej. AOI00091400117) o uno propio; no se repite dentro de su nivel.",
    "   - OEI y AEI: Nombre, su Indicador, la Unidad del indicador, la Meta anual y, si ya se midió, "
    "Ind. ejec. S1/S2/Anual. No llevan instancia ni valores por periodo.",
    "   - AO: Nombre, Unidad (U.M.), Instancia (elija de la lista) y lo programado por periodo (Prog.; vacío = 0). "
    "Lo ejecutado (Ejec.) y su justificación se llenan al hacer el seguimiento; pueden quedar vacíos.",
    "   - Prog. es la programación inicial; si luego cambia, no la corrija: anote el cambio en la hoja "
    "Reprogramaciones. PIM AO y Devengado (opcionales) son la programación y ejecución financiera de la AO.",
    "   - Las filas marcadas «(ejemplo)» en la columna Nivel se ignoran: bórrelas o escriba encima eligiendo "
    "OEI, AEI o AO en Nivel.",
    "4. Hoja Presupuesto (opcional): una fila por rubro, con Tipo (Ingresos o Gastos), PIA, PIM y lo ejecutado "
    "acumulado al cierre de cada periodo (como lo da el SIAF).",
    "5. Hoja Narrativa (opcional): los textos del informe (problemática, logros, medidas).",
    "6. Hoja Reprogramaciones (opcional): una fila por periodo que cambia, con el código de la AO, la fecha "
    "(dd/mm/aaaa), el periodo (T3, Jul, …), el nuevo valor programado, la justificación (obligatoria) y el "
    "documento que lo aprueba. Las filas de la misma AO y la misma fecha son una sola reprogramación.",
    "",
    "Los títulos de las columnas se buscan por su texto: puede mover columnas, pero no cambie sus títulos. Si algo "
    "no está bien, «zedxl new» lo dice con la hoja y la celda (p. ej. Plan!E12) y no crea el maestro.",
)


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base = {"font_name": "Calibri", "font_size": 10, "valign": "top", "border": 1, "border_color": "#BFBFBF"}
        self.title = wb.add_format({"bold": True, "font_size": 14, "font_color": HEADER_FILL})
        self.note = wb.add_format({"italic": True, "font_size": 10, "font_color": "#595959"})
        self.wrap = wb.add_format({"font_name": "Calibri", "font_size": 11, "text_wrap": True, "valign": "top"})
        self.header = wb.add_format({**base, "bold": True, "font_color": "white", "bg_color": HEADER_FILL,
                                     "text_wrap": True, "align": "center", "valign": "vcenter"})
        self.label = wb.add_format({**base, "bold": True, "bg_color": CALC_FILL, "text_wrap": True})
        self.fixed = wb.add_format({**base, "bg_color": CALC_FILL, "text_wrap": True})
        self.text = wb.add_format({**base, "bg_color": INPUT_FILL, "text_wrap": True, "locked": False})
        self.num = wb.add_format({**base, "bg_color": INPUT_FILL, "num_format": "General", "locked": False})
        self.money = wb.add_format({**base, "bg_color": INPUT_FILL, "num_format": "#,##0.00", "locked": False})
        self.date = wb.add_format({**base, "bg_color": INPUT_FILL, "num_format": "dd/mm/yyyy", "locked": False})
        self.example = wb.add_format({**base, "bg_color": CALC_FILL, "italic": True, "font_color": "#7F7F7F",
                                      "text_wrap": True})


def _cell(ws: Worksheet, row: int, col: int, value: Any, fmt: Format) -> None:
    """One cell: text through ``write_string`` (never a formula), a number as a float, nothing as a blank."""
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, str):
        ws.write_string(row, col, safe_text(value), fmt)
    elif isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), fmt)
    else:
        ws.write_number(row, col, float(value), fmt)


def _header(ws: Worksheet, row: int, headers: Sequence[str], widths: Sequence[int], f: _Formats) -> None:
    for col, (text, width) in enumerate(zip(headers, widths, strict=True)):
        ws.write_string(row, col, text, f.header)
        ws.set_column(col, col, width)
    ws.set_row(row, 30)


def _number_check(ws: Worksheet, first_row: int, first_col: int, last_col: int) -> None:
    ws.data_validation(first_row, first_col, first_row + _VALIDATION_ROWS, last_col, {
        "validate": "decimal", "criteria": ">=", "value": 0, "error_title": "Número",
        "error_message": "Escriba un número mayor o igual que 0 (use punto o coma decimal según su Excel)."})


def _list_check(ws: Worksheet, first_row: int, col: int, source: Sequence[str] | str, message: str) -> None:
    ws.data_validation(first_row, col, first_row + _VALIDATION_ROWS, col, {
        "validate": "list", "source": source, "error_title": "Valor no válido", "error_message": message})


def _book(path: Path, periodicidad: Periodicity, plan: Plan | None) -> None:
    """The workbook of ``plan`` (None: the empty template, with its example rows)."""
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"strings_to_formulas": False, "strings_to_numbers": False,
                                      "strings_to_urls": False, "in_memory": True})
    wb.set_properties({"title": "Plan Operativo Institucional (zedxl)", "author": "zedxl"})
    wb.set_custom_property("zedxl_tipo", "plan")
    f = _Formats(wb)
    labels = base_labels(periodicidad)
    instrucciones = wb.add_worksheet(SHEET_INSTRUCCIONES)
    instrucciones.set_column(0, 0, 120)
    for r, line in enumerate(_INSTRUCCIONES):
        if line:
            instrucciones.write_string(r, 0, line, f.title if r == 0 else f.wrap)
    _entidad(wb.add_worksheet(SHEET_ENTIDAD), periodicidad, plan, f)
    _instancias(wb.add_worksheet(SHEET_INSTANCIAS), plan, f)
    _plan_sheet(wb.add_worksheet(SHEET_PLAN), periodicidad, labels, plan, f)
    _budget_sheet(wb.add_worksheet(SHEET_PRESUPUESTO), periodicidad, plan, f)
    _narrativa(wb.add_worksheet(SHEET_NARRATIVA), plan, f)
    _reprogramaciones_sheet(wb.add_worksheet(SHEET_REPROGRAMACIONES), labels, plan, f)
    (instrucciones if plan is None else wb.get_worksheet_by_name(SHEET_PLAN) or instrucciones).activate()
    wb.close()
    Path(path).write_bytes(buffer.getvalue())


def _entidad(ws: Worksheet, periodicidad: Periodicity, plan: Plan | None, f: _Formats) -> None:
    ws.write_string(0, 0, "Datos de la entidad y reglas de cálculo", f.title)
    head = _HEADER_ROW[SHEET_ENTIDAD]
    _header(ws, head, ("Dato", "Valor"), (52, 60), f)
    reglas = plan.reglas if plan is not None else Reglas()
    values: dict[str, Any] = {"periodicidad": periodicidad, "tope_avance": reglas.tope_avance,
                              "avance_sin_meta": reglas.avance_sin_meta, "verde": reglas.verde,
                              "amarillo": reglas.amarillo}
    if plan is not None:
        values.update(entidad=plan.entidad, sigla=plan.sigla, anio=plan.anio,
                      responsable_presupuesto=plan.responsable_presupuesto)
    for i, key in enumerate(ENTIDAD_KEYS):
        r = head + 1 + i
        ws.write_string(r, 0, L.PARAM_LABELS[key], f.label)
        fixed = key == "periodicidad"  # the Plan sheet's columns follow it: another needs another template
        _cell(ws, r, 1, values.get(key), f.fixed if fixed else f.text if key in (
            "entidad", "sigla", "responsable_presupuesto") else f.num)
        if key == "anio":
            ws.data_validation(r, 1, r, 1, {"validate": "integer", "criteria": "between", "minimum": 2000,
                                            "maximum": 2100, "error_message": "Escriba el año, p. ej. 2025."})
        elif key == "responsable_presupuesto":
            _list_check(ws, r, 1, _instancias_source(), "Elija una instancia de la hoja Instancias.")
    ws.write_string(head + 2 + len(ENTIDAD_KEYS), 0, "La periodicidad viene de la plantilla (columnas de la hoja "
                    "Plan); para otra, genere otra plantilla.", f.note)
    ws.freeze_panes(head + 1, 0)


def _instancias_source() -> str:
    first = _HEADER_ROW[SHEET_INSTANCIAS] + 1
    return f"={SHEET_INSTANCIAS}!$A${first + 1}:$A${first + 1 + _VALIDATION_ROWS}"


def _instancias(ws: Worksheet, plan: Plan | None, f: _Formats) -> None:
    ws.write_string(0, 0, "Instancias (oficinas o centros de costo responsables de las AO)", f.title)
    head = _HEADER_ROW[SHEET_INSTANCIAS]
    _header(ws, head, (H_CODIGO, H_NOMBRE), (14, 70), f)
    items = list(plan.instancias.items()) if plan is not None else []
    for i in range(len(items) + _BLANK_ROWS[SHEET_INSTANCIAS]):
        code, name = items[i] if i < len(items) else ("", "")
        _cell(ws, head + 1 + i, 0, code, f.text)
        _cell(ws, head + 1 + i, 1, name, f.text)
    ws.freeze_panes(head + 1, 0)


def _plan_rows(plan: Plan, n: int) -> Iterator[list[Any]]:
    """Each OEI, AEI and AO of ``plan`` as the values of its Plan row."""

    def indicator(level: str, code: str, name: str, ind: Indicador | None) -> list[Any]:
        pts = [ind.ejecutado.get(p) if ind else None for p in INDICATOR_POINTS]
        return [level, code, name, ind.unidad if ind else None, None, ind.nombre if ind else None,
                ind.meta_anual if ind else None, *pts, *([None] * (4 * n + 1))]

    for oei in plan.objetivos:
        yield indicator("OEI", oei.codigo, oei.nombre, oei.indicador)
        for aei in oei.acciones:
            yield indicator("AEI", aei.codigo, aei.nombre, aei.indicador)
            for ao in aei.actividades:
                yield ["AO", ao.codigo, ao.nombre, ao.unidad, ao.instancia, None, None,
                       *([None] * len(INDICATOR_POINTS)), *ao.programado_original, *ao.ejecutado,
                       *ao.justificacion, ao.pim, *ao.devengado]


def _plan_sheet(ws: Worksheet, periodicidad: Periodicity, labels: Sequence[str], plan: Plan | None,
                f: _Formats) -> None:
    n = len(labels)
    ws.write_string(0, 0, "Plan: OEI, AEI y AO (una fila cada una, en orden)", f.title)
    ws.write_string(1, 0, "Una AEI pertenece a la OEI de arriba; una AO, a la AEI de arriba. Prog. vacío = 0. "
                          "Vea la hoja Instrucciones.", f.note)
    head = _HEADER_ROW[SHEET_PLAN]
    headers = plan_headers(periodicidad)
    n_ind = len(INDICATOR_POINTS)
    widths = [9, 17, 50, 14, 11, 40, 9, *([9] * n_ind), *([8] * (2 * n)), *([30] * n), 13, *([12] * n)]
    _header(ws, head, headers, widths, f)
    first_num, first_just = 6, 7 + n_ind + 2 * n  # Meta anual … last Ejec.; then the justifications
    rows: list[list[Any]] = []
    r = head + 1
    if plan is None:
        for level, code, name, unit, inst, ind, meta in _EXAMPLE_PLAN:
            prog = [i % 2 for i in range(n)] if level == "AO" else [None] * n
            values = [f"{level} {EXAMPLE_MARK}", code, name, unit, inst, ind, meta, *([None] * n_ind), *prog,
                      *([None] * (3 * n + 1))]
            for col, value in enumerate(values):
                _cell(ws, r, col, value, f.example)
            r += 1
    else:
        rows = list(_plan_rows(plan, n))
    for values in rows + [[None] * len(headers)] * _BLANK_ROWS[SHEET_PLAN]:
        for col, value in enumerate(values):
            _cell(ws, r, col, value, f.text if col < first_num or first_just <= col < first_just + n else
                  f.money if col >= first_just + n else f.num)
        r += 1
    _list_check(ws, head + 1, 0, list(LEVELS), "Elija OEI, AEI o AO.")
    _list_check(ws, head + 1, 4, _instancias_source(), "Elija una instancia de la hoja Instancias.")
    _number_check(ws, head + 1, first_num, first_just - 1)
    _number_check(ws, head + 1, first_just + n, len(headers) - 1)
    ws.freeze_panes(head + 1, 3)
    ws.autofilter(head, 0, head, len(headers) - 1)


def _budget_sheet(ws: Worksheet, periodicidad: Periodicity, plan: Plan | None, f: _Formats) -> None:
    ws.write_string(0, 0, "Presupuesto: PIA, PIM y ejecución acumulada al cierre de cada periodo (SIAF)", f.title)
    head = _HEADER_ROW[SHEET_PRESUPUESTO]
    headers = budget_headers(periodicidad)
    _header(ws, head, headers, [11, 50, 15, 15, *([15] * (len(headers) - 4))], f)
    r = head + 1
    rows: list[list[Any]] = []
    if plan is None:
        kind, rubro, pia, pim = _EXAMPLE_BUDGET
        for col, value in enumerate([f"{kind} {EXAMPLE_MARK}", rubro, pia, pim] + [None] * (len(headers) - 4)):
            _cell(ws, r, col, value, f.example)
        r += 1
    else:
        for kind, lines in zip(BUDGET_KINDS, (plan.presupuesto.ingresos, plan.presupuesto.gastos), strict=True):
            rows += [[kind, ln.rubro, ln.pia, ln.pim, *ln.acumulado] for ln in lines]
    for values in rows + [[None] * len(headers)] * _BLANK_ROWS[SHEET_PRESUPUESTO]:
        for col, value in enumerate(values):
            _cell(ws, r, col, value, f.text if col < 2 else f.money)
        r += 1
    _list_check(ws, head + 1, 0, list(BUDGET_KINDS), "Elija Ingresos o Gastos.")
    _number_check(ws, head + 1, 2, len(headers) - 1)
    ws.freeze_panes(head + 1, 2)


def _narrativa(ws: Worksheet, plan: Plan | None, f: _Formats) -> None:
    ws.write_string(0, 0, "Narrativa del informe (opcional)", f.title)
    head = _HEADER_ROW[SHEET_NARRATIVA]
    _header(ws, head, (H_CLAVE, H_SECCION, H_TEXTO), (16, 40, 100), f)
    texts = dict.fromkeys(L.NARRATIVA_FIELDS, "") | (dict(plan.narrativa) if plan is not None else {})
    keys = list(texts) + [""] * _BLANK_ROWS[SHEET_NARRATIVA]
    for i, key in enumerate(keys):
        r = head + 1 + i
        _cell(ws, r, 0, key, f.text)
        _cell(ws, r, 1, L.NARRATIVA_FIELDS.get(key, ""), f.fixed)
        _cell(ws, r, 2, texts.get(key, ""), f.text)
    ws.freeze_panes(head + 1, 0)


def _reprogramaciones_sheet(ws: Worksheet, labels: Sequence[str], plan: Plan | None, f: _Formats) -> None:
    ws.write_string(0, 0, "Reprogramaciones: cada cambio a lo programado de una AO, con su fecha y justificación",
                    f.title)
    ws.write_string(1, 0, "Una fila por periodo que cambia; las filas de la misma AO y fecha son una sola "
                          "reprogramación. En la hoja Plan, Prog. queda como la programación inicial.", f.note)
    head = _HEADER_ROW[SHEET_REPROGRAMACIONES]
    _header(ws, head, REPROGRAMACION_HEADERS, (17, 12, 9, 12, 60, 30), f)
    rows: list[list[Any]] = []
    if plan is not None:
        rows = [[ao.codigo, rep.fecha, labels[idx], new, rep.justificacion, rep.documento]
                for ao in plan.actividades() for rep in ao.reprogramaciones for idx, _, new in rep.cambios]
    for i, values in enumerate(rows + [[None] * 6] * _BLANK_ROWS[SHEET_REPROGRAMACIONES]):
        for col, value in enumerate(values):
            _cell(ws, head + 1 + i, col, value, f.date if col == 1 else f.num if col == 3 else f.text)
    ws.data_validation(head + 1, 1, head + 1 + _VALIDATION_ROWS, 1, {
        "validate": "date", "criteria": "between", "minimum": dt.date(2000, 1, 1), "maximum": dt.date(2100, 12, 31),
        "error_message": "Escriba una fecha (dd/mm/aaaa)."})
    _list_check(ws, head + 1, 2, list(labels), f"Elija un periodo: {', '.join(labels)}.")
    _number_check(ws, head + 1, 3, 3)
    ws.freeze_panes(head + 1, 1)


def write_plan_template(path: Path, periodicidad: Periodicity = "trimestral") -> None:
    """Write the empty plan workbook a planner fills in: instructions, example rows, lists and number checks."""
    _book(path, periodicidad, None)


def write_plan_workbook(plan: Plan, path: Path) -> None:
    """Write ``plan`` in the template's layout, with everything it holds (executed values, justifications, budget
    execution, indicators' measurements, narrativa): ``read_plan_workbook`` reads back an equal plan."""
    _book(path, plan.periodicidad, plan)


# -- reading ------------------------------------------------------------------------------------------------------

Row = tuple[Any, ...]


def _at(row: Row, col: int | None) -> Any:
    """The value of ``row`` at ``col`` (a row read ends at its last cell that holds anything)."""
    return row[col] if col is not None and col < len(row) else None


def _is_example(value: Any) -> bool:
    """A cell marked as the template's example («OEI (ejemplo)»)."""
    return normalized(value).endswith(normalized(EXAMPLE_MARK))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> Any:
    """A text cell's value as the plan takes it: stripped text, a number as written (7, 0.5), a date as
    2025-07-10; anything else as it is, for plan_from_dict to name."""
    if _blank(value):
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    return value


def _value(value: Any) -> Any:
    """A number cell's value (text that is blank: None)."""
    return None if _blank(value) else value.strip() if isinstance(value, str) else value


class _Sheet:
    """One sheet's rows (values only, bounded) and the header row found by its texts."""

    def __init__(self, name: str, rows: list[Row]) -> None:
        self.name = name
        self.rows = rows
        self.head = -1
        self.cols: dict[str, int] = {}

    def ref(self, row: int, col: int) -> str:
        return f"{self.name}!{to_a1(row, col)}"

    def find_header(self, needed: Sequence[str]) -> bool:
        """The first row holding every ``needed`` header; its columns are remembered by normalized text."""
        want = {normalized(h) for h in needed}
        for r, row in enumerate(self.rows[:50]):
            texts = {normalized(v): c for c, v in enumerate(row) if isinstance(v, str) and v.strip()}
            if want <= texts.keys():
                self.head, self.cols = r, {}
                for c, v in enumerate(row):
                    if isinstance(v, str) and v.strip():
                        self.cols.setdefault(normalized(v), c)
                return True
        return False

    def col(self, header: str) -> int | None:
        return self.cols.get(normalized(header))

    def data(self) -> Iterator[tuple[int, Row]]:
        """The rows below the header that hold anything."""
        for r in range(self.head + 1, len(self.rows)):
            row = self.rows[r]
            if any(not _blank(v) for v in row):
                yield r, row


class _Reader:
    """Builds the raw plan mapping from the sheets and remembers, for each key path, the cell it came from."""

    def __init__(self, sheets: dict[str, _Sheet], source: str) -> None:
        self.sheets = sheets
        self.source = source
        self.problems: list[tuple[str, str]] = []
        self.cells: dict[str, str] = {}
        self.aos: dict[str, tuple[str, dict[str, Any]]] = {}  # an AO's code (as matched) → its key path and block

    def sheet(self, name: str, *, required: bool = True) -> _Sheet | None:
        sh = self.sheets.get(normalized(name))
        if sh is None and required:
            raise PlanError([(name, f"falta la hoja «{name}»: use la plantilla de «zedxl plantilla-plan»")],
                            self.source)
        return sh

    def header(self, sh: _Sheet, needed: Sequence[str]) -> None:
        if not sh.find_header(needed[:2]):
            raise PlanError([(sh.name, "no se encontró la fila de títulos ("
                                       f"{', '.join(needed[:2])}, …) en las primeras 50 filas")], self.source)
        missing = [h for h in needed if sh.col(h) is None]
        if missing:
            raise PlanError([(sh.ref(sh.head, 0), f"falta la columna «{h}» en la fila de títulos (fila "
                                                  f"{sh.head + 1}); no cambie los títulos de la plantilla")
                             for h in missing], self.source)

    def get(self, sh: _Sheet, row: Row, r: int, header: str, path: str, conv: Callable[[Any], Any] = _text) -> Any:
        """The value under ``header`` in row ``r`` (None where the column is missing), its cell noted for ``path``."""
        c = sh.col(header)
        if c is None:
            return None
        self.cells[path] = sh.ref(r, c)
        return conv(_at(row, c))

    def where(self, path: str) -> str:
        """The cell a key path of plan_from_dict came from (the codes it quotes in parentheses aside), or the
        nearest enclosing one."""
        path = re.sub(r"\] \((?:[^()]|\([^()]*\))*\)", "]", path)
        while path:
            if path in self.cells:
                return self.cells[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return ""

    def read(self) -> dict[str, Any]:
        raw: dict[str, Any] = {}
        periodicidad = self._entidad(raw)
        raw["instancias"] = self._instancias()
        plan_sh = self.sheet(SHEET_PLAN)
        assert plan_sh is not None
        if periodicidad not in ("trimestral", "mensual"):  # (plan_from_dict names it) the columns say which
            plan_sh.find_header((H_NIVEL, H_CODIGO))
            periodicidad = "mensual" if plan_sh.col(prog_header(MONTHS[0])) is not None else "trimestral"
        labels = base_labels(periodicidad)
        self._check_columns(plan_sh, periodicidad)
        raw["objetivos"] = self._plan(plan_sh, labels)
        budget = self.sheet(SHEET_PRESUPUESTO, required=False)
        if budget is not None:
            raw["presupuesto"] = self._presupuesto(budget, labels)
        narr = self.sheet(SHEET_NARRATIVA, required=False)
        if narr is not None:
            raw["narrativa"] = self._narrativa(narr)
        reprog = self.sheet(SHEET_REPROGRAMACIONES, required=False)
        if reprog is not None:
            self._reprogramaciones(reprog, labels)
        return raw

    def _entidad(self, raw: dict[str, Any]) -> Any:
        sh = self.sheet(SHEET_ENTIDAD)
        assert sh is not None
        self.cells["reglas"] = self.cells["reglas.semaforo"] = sh.ref(0, 0)
        by_label = {normalized(L.PARAM_LABELS[k]): k for k in ENTIDAD_KEYS}
        found: dict[str, Any] = {}
        for r, row in enumerate(sh.rows):
            key = by_label.get(normalized(row[0])) if row and isinstance(row[0], str) else None
            if key is None or key in found:
                continue
            path = {"tope_avance": "reglas.tope_avance", "avance_sin_meta": "reglas.avance_sin_meta",
                    "verde": "reglas.semaforo.verde", "amarillo": "reglas.semaforo.amarillo"}.get(key, key)
            self.cells[path] = sh.ref(r, 1)
            value = _at(row, 1)
            found[key] = _text(value) if key in ("entidad", "sigla", "periodicidad", "responsable_presupuesto") \
                else _value(value)
        for key in ("entidad", "anio", "periodicidad"):
            if key not in found:
                self.problems.append((sh.name, f"falta la fila «{L.PARAM_LABELS[key]}» (columna A)"))
        anio = found.get("anio")
        if (isinstance(anio, float) and anio.is_integer()) or (isinstance(anio, str) and anio.isdigit()):
            anio = int(anio)
        raw.update({"entidad": found.get("entidad"), "anio": anio, "periodicidad": found.get("periodicidad")})
        for key in ("sigla", "responsable_presupuesto"):
            if found.get(key) is not None:
                raw[key] = found[key]
        reglas: dict[str, Any] = {}
        if "tope_avance" in found:  # a blank cap: no cap («vacío = sin tope»)
            reglas["tope_avance"] = found["tope_avance"]
        if found.get("avance_sin_meta") is not None:
            reglas["avance_sin_meta"] = found["avance_sin_meta"]
        semaforo = {k: found[k] for k in ("verde", "amarillo") if found.get(k) is not None}
        if semaforo:
            reglas["semaforo"] = semaforo
        raw["reglas"] = reglas
        return found.get("periodicidad", "trimestral").lower() if isinstance(found.get("periodicidad"), str) \
            else found.get("periodicidad")

    def _instancias(self) -> dict[str, Any]:
        sh = self.sheet(SHEET_INSTANCIAS)
        assert sh is not None
        self.header(sh, (H_CODIGO, H_NOMBRE))
        self.cells["instancias"] = sh.ref(sh.head, 0)
        out: dict[str, Any] = {}
        code_col = sh.col(H_CODIGO) or 0
        for r, row in sh.data():
            code = _text(_at(row, code_col))
            name = self.get(sh, row, r, H_NOMBRE, f"instancias.{code}")
            if code is None:
                self.problems.append((sh.ref(r, code_col), "instancia sin código: escriba su código (DPD, OGA, …)"))
            elif str(code).upper() in {str(k).upper() for k in out}:
                self.problems.append((sh.ref(r, code_col), f"instancia duplicada «{code}»: cada código va una sola "
                                                           "vez"))
            else:
                out[code] = name
        return out

    def _check_columns(self, sh: _Sheet, periodicidad: Periodicity) -> None:
        self.header(sh, [H_NIVEL, H_CODIGO, H_NOMBRE, H_UNIDAD, H_INSTANCIA,
                         *map(prog_header, base_labels(periodicidad))])
        other = QUARTERS if periodicidad == "mensual" else MONTHS
        if sh.col(prog_header(other[0])) is not None:
            self.problems.append((sh.ref(sh.head, sh.col(prog_header(other[0])) or 0),
                                  f"la hoja tiene columnas de otra periodicidad y el plan es {periodicidad}: genere "
                                  f"la plantilla con --{periodicidad}"))
        self.cells["objetivos"] = sh.ref(sh.head, 0)

    def _plan(self, sh: _Sheet, labels: Sequence[str]) -> list[dict[str, Any]]:
        n = len(labels)
        example_codes = {code for _, code, *_ in _EXAMPLE_PLAN}
        objetivos: list[dict[str, Any]] = []
        aei: dict[str, Any] | None = None
        oei: dict[str, Any] | None = None
        oei_path = aei_path = ""
        unsure = False  # after a row whose level is not known, a missing parent is that row's problem, said once
        level_col = sh.col(H_NIVEL) or 0
        ao_only = [H_INSTANCIA, *map(prog_header, labels), *map(ejec_header, labels), *map(just_header, labels),
                   H_PIM_AO, *map(devengado_header, labels)]
        ind_only = [H_INDICADOR, H_META, *map(indicator_header, INDICATOR_POINTS)]
        example_texts = {normalized(t) for row in _EXAMPLE_PLAN for t in (row[2], row[5]) if t}
        text_cols = [c for c in (sh.col(H_NOMBRE), sh.col(H_INDICADOR)) if c is not None]
        for r, row in sh.data():
            level_raw = _text(_at(row, level_col))
            level = str(level_raw or "").strip().upper()
            code = _text(_at(row, sh.col(H_CODIGO)))
            if _is_example(level):
                if code in example_codes:
                    continue
                self.problems.append((sh.ref(r, level_col), "fila de ejemplo con datos propios: elija OEI, AEI o "
                                      "AO en Nivel (o borre la fila)"))
                continue
            if level not in LEVELS:
                self.problems.append((sh.ref(r, level_col), f"Nivel «{level_raw or ''}» no válido: elija OEI, "
                                                            "AEI o AO"))
                unsure = True
                continue
            for c in text_cols:  # a row typed over an example's, one cell of it left as it was
                if isinstance(_at(row, c), str) and normalized(row[c]) in example_texts:
                    self.problems.append((sh.ref(r, c), "es el texto de la fila de ejemplo: escriba el suyo o "
                                                        "borre la celda"))
            not_here = ao_only if level != "AO" else ind_only
            for h in not_here:
                hc = sh.col(h)
                if hc is not None and not _blank(_at(row, hc)):
                    self.problems.append((sh.ref(r, hc), f"una {level} no lleva «{h}»: "
                                          + ("eso va en las filas de sus AO" if level != "AO"
                                             else "el indicador va en la fila de su AEI u OEI")))
            if level == "OEI":
                oei_path, aei, unsure = f"objetivos[{len(objetivos)}]", None, False
                oei = self._item(sh, row, r, oei_path, "acciones")
                oei["indicador"] = self._indicador(sh, row, r, f"{oei_path}.indicador")
                objetivos.append(oei)
            elif level == "AEI":
                if oei is None:
                    self.problems += [] if unsure else [
                        (sh.ref(r, level_col), "esta AEI no tiene una OEI encima: ponga antes la fila de su OEI")]
                    continue
                aei_path = f"{oei_path}.acciones[{len(oei['acciones'])}]"
                aei = self._item(sh, row, r, aei_path, "actividades")
                aei["indicador"] = self._indicador(sh, row, r, f"{aei_path}.indicador")
                oei["acciones"].append(aei)
            else:
                if aei is None:
                    self.problems += [] if unsure else [
                        (sh.ref(r, level_col), "esta AO no tiene una AEI encima: ponga antes la fila de su AEI (y la "
                                               "de su OEI)")]
                    continue
                aei["actividades"].append(self._actividad(sh, row, r,
                                                          f"{aei_path}.actividades[{len(aei['actividades'])}]",
                                                          labels, n))
        return objetivos

    def _item(self, sh: _Sheet, row: Row, r: int, path: str, children: str) -> dict[str, Any]:
        self.cells[path] = sh.ref(r, sh.col(H_NIVEL) or 0)
        return {"codigo": self.get(sh, row, r, H_CODIGO, f"{path}.codigo"),
                "nombre": self.get(sh, row, r, H_NOMBRE, f"{path}.nombre"), children: []}

    def _indicador(self, sh: _Sheet, row: Row, r: int, path: str) -> dict[str, Any] | None:
        nombre = self.get(sh, row, r, H_INDICADOR, f"{path}.nombre")
        self.cells[path] = self.cells.get(f"{path}.nombre", sh.ref(r, 0))
        unidad = self.get(sh, row, r, H_UNIDAD, f"{path}.unidad")
        meta = self.get(sh, row, r, H_META, f"{path}.meta_anual", _value)
        ejecutado = {}
        for point in INDICATOR_POINTS:
            v = self.get(sh, row, r, indicator_header(point), f"{path}.ejecutado.{point}", _value)
            if v is not None:
                ejecutado[point] = v
        if nombre is None and unidad is None and meta is None and not ejecutado:
            return None
        return {"nombre": nombre, "unidad": unidad, "meta_anual": meta, "ejecutado": ejecutado}

    def _actividad(self, sh: _Sheet, row: Row, r: int, path: str, labels: Sequence[str], n: int) -> dict[str, Any]:
        ao = self._item(sh, row, r, path, "_")
        del ao["_"]
        ao["unidad"] = self.get(sh, row, r, H_UNIDAD, f"{path}.unidad")
        ao["instancia"] = self.get(sh, row, r, H_INSTANCIA, f"{path}.instancia")
        prog = [self.get(sh, row, r, prog_header(lb), f"{path}.programado[{i}]", _value) for i, lb in
                enumerate(labels)]
        ao["programado"] = [0 if v is None else v for v in prog]  # a blank programmed cell: nothing programmed
        self.cells[f"{path}.programado"] = self.cells[f"{path}.programado[0]"]
        if sh.col(ejec_header(labels[0])) is not None:
            ao["ejecutado"] = [self.get(sh, row, r, ejec_header(lb), f"{path}.ejecutado[{i}]", _value)
                               for i, lb in enumerate(labels)]
            self.cells[f"{path}.ejecutado"] = self.cells[f"{path}.ejecutado[0]"]
        if sh.col(just_header(labels[0])) is not None:
            ao["justificacion"] = [self.get(sh, row, r, just_header(lb), f"{path}.justificacion.{i}")
                                   for i, lb in enumerate(labels)]
            self.cells[f"{path}.justificacion"] = self.cells[f"{path}.justificacion.0"]
        if sh.col(H_PIM_AO) is not None:
            pim = self.get(sh, row, r, H_PIM_AO, f"{path}.financiero.pim", _value)
            devengado = [self.get(sh, row, r, devengado_header(lb), f"{path}.financiero.devengado[{i}]", _value)
                         for i, lb in enumerate(labels)]
            self.cells[f"{path}.financiero"] = self.cells[f"{path}.financiero.pim"]
            if pim is not None or any(v is not None for v in devengado):
                ao["financiero"] = {"pim": pim, "devengado": devengado}
        if ao["codigo"] is not None:
            self.aos.setdefault(_code_key(ao["codigo"]), (path, ao))
        assert len(ao["programado"]) == n
        return ao

    def _presupuesto(self, sh: _Sheet, labels: Sequence[str]) -> dict[str, Any]:
        self.header(sh, [H_TIPO, H_RUBRO, H_PIA, H_PIM, *map(acum_header, labels)])
        out: dict[str, list[dict[str, Any]]] = {"ingresos": [], "gastos": []}
        self.cells["presupuesto"] = self.cells["presupuesto.ingresos"] = self.cells["presupuesto.gastos"] = \
            sh.ref(sh.head, 0)
        tipo_col = sh.col(H_TIPO) or 0
        for r, row in sh.data():
            tipo = str(_text(_at(row, tipo_col)) or "")
            kind = normalized(tipo)
            if _is_example(kind):
                if _text(_at(row, sh.col(H_RUBRO))) == _EXAMPLE_BUDGET[1]:
                    continue
                self.problems.append((sh.ref(r, tipo_col), "fila de ejemplo con datos propios: elija Ingresos o "
                                                           "Gastos en Tipo (o borre la fila)"))
                continue
            if kind not in out:
                self.problems.append((sh.ref(r, tipo_col), f"Tipo «{tipo}» no válido: elija Ingresos o Gastos"))
                continue
            path = f"presupuesto.{kind}[{len(out[kind])}]"
            self.cells[path] = sh.ref(r, tipo_col)
            line = {"rubro": self.get(sh, row, r, H_RUBRO, f"{path}.rubro"),
                    "pia": self.get(sh, row, r, H_PIA, f"{path}.pia", _value),
                    "pim": self.get(sh, row, r, H_PIM, f"{path}.pim", _value),
                    "ejecucion": [self.get(sh, row, r, acum_header(lb), f"{path}.ejecucion[{i}]", _value)
                                  for i, lb in enumerate(labels)]}
            self.cells[f"{path}.ejecucion"] = self.cells[f"{path}.ejecucion[0]"]
            out[kind].append(line)
        return {k: v for k, v in out.items() if v}

    def _reprogramaciones(self, sh: _Sheet, labels: Sequence[str]) -> None:
        """Each AO's reprogramaciones: its rows grouped by date, in the order they first appear."""
        self.header(sh, REPROGRAMACION_HEADERS)
        groups: dict[tuple[str, Any], dict[str, Any]] = {}
        index = {lb.casefold(): i for i, lb in enumerate(labels)}
        for r, row in sh.data():
            ao_col = sh.col(H_AO) or 0
            code = _text(_at(row, ao_col))
            found = self.aos.get(_code_key(code)) if code is not None else None
            if found is None:
                self.problems.append((sh.ref(r, ao_col), f"la AO «{code or ''}» no está en la hoja Plan"
                                      if code is not None else "falta el código de la AO"))
                continue
            ao_path, ao = found
            fecha_col = sh.col(H_FECHA) or 0
            fecha = _at(row, fecha_col)
            day = parse_date(fecha)
            key = (ao_path, day if day is not None else fecha)
            if key not in groups:
                path = f"{ao_path}.reprogramaciones[{len(ao.setdefault('reprogramaciones', []))}]"
                groups[key] = {"fecha": _value(fecha), "programado": {}, "justificacion": None, "documento": None}
                ao["reprogramaciones"].append(groups[key])
                self.cells[path] = self.cells[f"{path}.fecha"] = sh.ref(r, fecha_col)
                self.cells[f"{path}.programado"] = sh.ref(r, sh.col(H_NUEVO) or 0)
                groups[key]["_path"] = path
            group = groups[key]
            path = group["_path"]
            for header, field in ((H_JUSTIFICACION, "justificacion"), (H_DOCUMENTO, "documento")):
                c = sh.col(header) or 0
                text = _text(_at(row, c))
                if text is None:
                    continue
                if group[field] is None:
                    group[field] = text
                    self.cells[f"{path}.{field}"] = sh.ref(r, c)
                elif text != group[field]:
                    self.problems.append((sh.ref(r, c), f"otra {header.lower()} para la misma AO y fecha: una "
                                                        "reprogramación lleva una sola (o cambie la fecha)"))
            period_col = sh.col(H_PERIODO) or 0
            period = _text(_at(row, period_col))
            label = str(period) if period is not None else ""
            if label in group["programado"]:
                self.problems.append((sh.ref(r, period_col), f"el periodo {label} ya está en esta reprogramación "
                                                             "(misma AO y fecha)"))
                continue
            group["programado"][label] = self.get(sh, row, r, H_NUEVO, f"{path}.programado.{label}", _value)
            self.cells[f"{path}.programado.{label}"] = sh.ref(r, period_col)
            if label.casefold() in index:
                self.cells[f"{path}.programado.{index[label.casefold()]}"] = sh.ref(r, sh.col(H_NUEVO) or 0)
        for group in groups.values():
            del group["_path"]
            if group["documento"] is None:
                del group["documento"]

    def _narrativa(self, sh: _Sheet) -> dict[str, str]:
        self.header(sh, (H_CLAVE, H_TEXTO))
        out: dict[str, str] = {}
        for r, row in sh.data():
            key = self.get(sh, row, r, H_CLAVE, "narrativa")
            text = self.get(sh, row, r, H_TEXTO, "narrativa")
            if text is None:
                continue  # a section left blank: nothing to say yet
            if key is None:
                self.problems.append((self.cells["narrativa"], "texto sin clave: escriba su clave (problematica, "
                                                               "logros, medidas, …) en la columna Clave"))
            elif str(key) in out:
                self.problems.append((sh.ref(r, sh.col(H_CLAVE) or 0), f"clave repetida «{key}»"))
            else:
                out[str(key)] = str(text)
        return out


def _code_key(code: Any) -> str:
    """How the Reprogramaciones sheet's AO code is matched with the Plan's: as the plan reads codes."""
    text = str(code).strip()
    return normalize_code(text) or text.upper()


def _load_rows(path: Path, source: str) -> dict[str, _Sheet]:
    """Every sheet's values, within the bounds of a plan workbook; an unreadable or oversized file is refused."""
    try:
        size = Path(path).stat().st_size
        if size > MAX_BOOK_BYTES:
            raise PlanError([("", f"el libro pesa más de {MAX_BOOK_BYTES // 2**20} MB: no es un plan")], source)
        with zipfile.ZipFile(path) as zf:
            if sum(i.file_size for i in zf.infolist()) > MAX_UNZIPPED_BYTES:
                raise PlanError([("", "el libro descomprimido ocupa demasiado: no es un plan")], source)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (openpyxl warns of extensions it does not read: none is a plan's)
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except PlanError:
        raise
    except FileNotFoundError as e:
        raise PlanError([("", "no se pudo leer el archivo: no existe (revise el nombre y la carpeta)")], source) from e
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as e:
        raise PlanError([("", "no es un libro de Excel (.xlsx) que se pueda leer")], source) from e
    except OSError as e:
        raise PlanError([("", f"no se pudo leer el archivo ({e.strerror or e})")], source) from e
    sheets: dict[str, _Sheet] = {}
    try:
        for ws in wb.worksheets:
            if normalized(ws.title) == normalized(SHEET_INSTRUCCIONES):
                continue
            ws.reset_dimensions()  # (another program's saved size may be wrong: read what is there)
            rows: list[Row] = []
            for row in ws.iter_rows(values_only=True, max_col=MAX_COLS):
                if len(rows) >= MAX_ROWS:
                    raise PlanError([(ws.title, f"tiene más de {MAX_ROWS:,} filas: no es un plan".replace(",", " "))],
                                    source)
                rows.append(tuple(row))
            sheets.setdefault(normalized(ws.title), _Sheet(ws.title, rows))
    finally:
        wb.close()
    return sheets


def read_plan_workbook(path: Path) -> Plan:
    """Read a plan workbook into a ``Plan`` with ``plan_from_dict``'s checks; raises PlanError whose problems name
    ``Hoja!Celda``."""
    source = str(path)
    reader = _Reader(_load_rows(Path(path), source), source)
    raw = reader.read()
    try:
        plan = plan_from_dict(raw, source)
    except PlanError as e:
        raise PlanError(reader.problems + [(reader.where(p) or p, m) for p, m in e.problems], source) from None
    if reader.problems:
        raise PlanError(reader.problems, source)
    return plan
