"""The plan workbook written: the empty template with its example rows, or a plan written out."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from zedxl.model import INDICATOR_POINTS, Indicador, Plan, Reglas
from zedxl.periods import Periodicity, base_labels
from zedxl.planbook.layout import (
    BLANK_ROWS,
    BUDGET_KINDS,
    ENTIDAD_KEYS,
    EXAMPLE_BUDGET,
    EXAMPLE_MARK,
    EXAMPLE_PLAN,
    H_CLAVE,
    H_CODIGO,
    H_NOMBRE,
    H_SECCION,
    H_TEXTO,
    HEADER_ROW,
    LEVELS,
    REPROGRAMACION_HEADERS,
    SHEET_ENTIDAD,
    SHEET_INSTANCIAS,
    SHEET_INSTRUCCIONES,
    SHEET_NARRATIVA,
    SHEET_PLAN,
    SHEET_PRESUPUESTO,
    SHEET_REPROGRAMACIONES,
    VALIDATION_ROWS,
    budget_headers,
    plan_headers,
)
from zedxl.xlsx import layout as L
from zedxl.xlsx.formats import CALC_FILL, HEADER_FILL, INPUT_FILL
from zedxl.xlsx.text import safe_text

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
    ws.data_validation(first_row, first_col, first_row + VALIDATION_ROWS, last_col, {
        "validate": "decimal", "criteria": ">=", "value": 0, "error_title": "Número",
        "error_message": "Escriba un número mayor o igual que 0 (use punto o coma decimal según su Excel)."})


def _list_check(ws: Worksheet, first_row: int, col: int, source: Sequence[str] | str, message: str) -> None:
    ws.data_validation(first_row, col, first_row + VALIDATION_ROWS, col, {
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
    head = HEADER_ROW[SHEET_ENTIDAD]
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
    first = HEADER_ROW[SHEET_INSTANCIAS] + 1
    return f"={SHEET_INSTANCIAS}!$A${first + 1}:$A${first + 1 + VALIDATION_ROWS}"


def _instancias(ws: Worksheet, plan: Plan | None, f: _Formats) -> None:
    ws.write_string(0, 0, "Instancias (oficinas o centros de costo responsables de las AO)", f.title)
    head = HEADER_ROW[SHEET_INSTANCIAS]
    _header(ws, head, (H_CODIGO, H_NOMBRE), (14, 70), f)
    items = list(plan.instancias.items()) if plan is not None else []
    for i in range(len(items) + BLANK_ROWS[SHEET_INSTANCIAS]):
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
    head = HEADER_ROW[SHEET_PLAN]
    headers = plan_headers(periodicidad)
    n_ind = len(INDICATOR_POINTS)
    widths = [9, 17, 50, 14, 11, 40, 9, *([9] * n_ind), *([8] * (2 * n)), *([30] * n), 13, *([12] * n)]
    _header(ws, head, headers, widths, f)
    first_num, first_just = 6, 7 + n_ind + 2 * n  # Meta anual … last Ejec.; then the justifications
    rows: list[list[Any]] = []
    r = head + 1
    if plan is None:
        for level, code, name, unit, inst, ind, meta in EXAMPLE_PLAN:
            prog = [i % 2 for i in range(n)] if level == "AO" else [None] * n
            values = [f"{level} {EXAMPLE_MARK}", code, name, unit, inst, ind, meta, *([None] * n_ind), *prog,
                      *([None] * (3 * n + 1))]
            for col, value in enumerate(values):
                _cell(ws, r, col, value, f.example)
            r += 1
    else:
        rows = list(_plan_rows(plan, n))
    for values in rows + [[None] * len(headers)] * BLANK_ROWS[SHEET_PLAN]:
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
    head = HEADER_ROW[SHEET_PRESUPUESTO]
    headers = budget_headers(periodicidad)
    _header(ws, head, headers, [11, 50, 15, 15, *([15] * (len(headers) - 4))], f)
    r = head + 1
    rows: list[list[Any]] = []
    if plan is None:
        kind, rubro, pia, pim = EXAMPLE_BUDGET
        for col, value in enumerate([f"{kind} {EXAMPLE_MARK}", rubro, pia, pim] + [None] * (len(headers) - 4)):
            _cell(ws, r, col, value, f.example)
        r += 1
    else:
        for kind, lines in zip(BUDGET_KINDS, (plan.presupuesto.ingresos, plan.presupuesto.gastos), strict=True):
            rows += [[kind, ln.rubro, ln.pia, ln.pim, *ln.acumulado] for ln in lines]
    for values in rows + [[None] * len(headers)] * BLANK_ROWS[SHEET_PRESUPUESTO]:
        for col, value in enumerate(values):
            _cell(ws, r, col, value, f.text if col < 2 else f.money)
        r += 1
    _list_check(ws, head + 1, 0, list(BUDGET_KINDS), "Elija Ingresos o Gastos.")
    _number_check(ws, head + 1, 2, len(headers) - 1)
    ws.freeze_panes(head + 1, 2)


def _narrativa(ws: Worksheet, plan: Plan | None, f: _Formats) -> None:
    ws.write_string(0, 0, "Narrativa del informe (opcional)", f.title)
    head = HEADER_ROW[SHEET_NARRATIVA]
    _header(ws, head, (H_CLAVE, H_SECCION, H_TEXTO), (16, 40, 100), f)
    texts = dict.fromkeys(L.NARRATIVA_FIELDS, "") | (dict(plan.narrativa) if plan is not None else {})
    keys = list(texts) + [""] * BLANK_ROWS[SHEET_NARRATIVA]
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
    head = HEADER_ROW[SHEET_REPROGRAMACIONES]
    _header(ws, head, REPROGRAMACION_HEADERS, (17, 12, 9, 12, 60, 30), f)
    rows: list[list[Any]] = []
    if plan is not None:
        rows = [[ao.codigo, rep.fecha, labels[idx], new, rep.justificacion, rep.documento]
                for ao in plan.actividades() for rep in ao.reprogramaciones for idx, _, new in rep.cambios]
    for i, values in enumerate(rows + [[None] * 6] * BLANK_ROWS[SHEET_REPROGRAMACIONES]):
        for col, value in enumerate(values):
            _cell(ws, head + 1 + i, col, value, f.date if col == 1 else f.num if col == 3 else f.text)
    ws.data_validation(head + 1, 1, head + 1 + VALIDATION_ROWS, 1, {
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


