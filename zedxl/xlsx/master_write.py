"""Write the master workbook (.xlsx) with XlsxWriter: live formulas, each carrying its correct cached value.

Every total and percentage is an Excel formula *and* its value computed here with the same rules as the core,
so Excel, LibreOffice and readers that never recalculate (pandas, calamine, previewers) all show the same numbers.
Office totals use whole-column ``SUMIF`` and budget totals use ``SUM(B$4:INDEX(B:B,ROW()-1))`` (from the header
row), so they keep working when a planner inserts rows; ``zedxl recompute`` rewrites the per-row formulas of new rows.
"""

from __future__ import annotations

import datetime as _dt
import functools
import io
from collections.abc import Sequence
from decimal import Decimal
from math import isfinite
from operator import itemgetter
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from zedxl import TEMPLATE_VERSION, reprogramming, rules
from zedxl.a1 import col_letter, quote_sheet, to_a1
from zedxl.model import Indicador, LineaPresupuesto, Plan
from zedxl.parallel import collector_paused
from zedxl.periods import base_labels, base_periods, n_base, semesters, whole_year
from zedxl.structure import ExtraSheet, structure_of
from zedxl.xlsx import layout as L
from zedxl.xlsx import printing
from zedxl.xlsx.dashboard import write_dashboard
from zedxl.xlsx.formats import Formats, traffic_lights
from zedxl.xlsx.formulas import (
    ROW,
    RowFormula,
    indicator_progress_formula,
    indicator_status_formula,
    or_blank,
    progress_formula,
    status_formula,
    sum_formula,
    to_date_formula,
)
from zedxl.xlsx.sheet_rows import RowCell, RowWriter
from zedxl.xlsx.text import safe_text


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _number(col: int, fmt: Format, value: Decimal | None) -> RowCell:
    """A number cell, blank when there is no value."""
    return (col, "b", fmt, None, "") if value is None else (col, "n", fmt, float(value), "")


class MasterWriter:
    """Builds the whole master workbook for a plan."""

    def __init__(self, plan: Plan, *, splice: bool = True) -> None:
        self.plan = plan
        self.cols = L.OEIColumns.for_plan(plan)
        self.financiero = plan.financiero
        self.labels = base_labels(plan.periodicidad)
        self.half = n_base(plan.periodicidad) // 2
        self.rows = RowWriter(splice=splice)  # (splice=False: every row through XlsxWriter, as tests compare)
        self._ao_formulas: list[tuple[int, Format, RowFormula]] | None = None
        self._ao_columns: list[int] = []
        self._stats: dict[int, tuple[rules.Measure, ...]] = {}
        self.hasta = rules.reported_through(plan)  # what the Parámetros sheet's ZX_HASTA formula computes
        self._hasta_row = 0  # its row there (written before the Resumen, which quotes its text)
        self.resumen_offices = (0, 0)  # the Resumen's office rows (section A), first and last, zero-based
        self._print: dict[str, dict[str, Any]] = {}  # each sheet's printing.page_setup arguments, by sheet name

    def ao_stats(self, ao: Any) -> tuple[rules.Measure, ...]:
        """``rules.measure`` of an AO for S1, S2 and the year, computed once per AO: its row and the Resumen both
        need them."""
        stats = self._stats.get(id(ao))
        if stats is None:
            half = self.half
            stats = self._stats[id(ao)] = tuple(
                rules.measure(ao.programado, ao.ejecutado, a, b, self.hasta, self.plan.reglas)
                for a, b in ((0, half), (half, 2 * half), (0, len(self.labels))))
        return stats

    def write(self, target: Path | Any, *, macros: bool = False, panel: Any = None,
              extra: Sequence[ExtraSheet] = ()) -> None:
        # the rows kept for a large master are many objects that live until the file is written: the collector
        # would go over them again and again, finding no garbage
        with collector_paused():
            self._write(target, macros=macros, panel=panel, extra=extra)

    def _write(self, target: Path | Any, *, macros: bool, panel: Any, extra: Sequence[ExtraSheet]) -> None:
        buffer = io.BytesIO()
        wb = xlsxwriter.Workbook(buffer, {"strings_to_formulas": False, "strings_to_numbers": False,
                                          "strings_to_urls": False, "in_memory": True})
        wb.set_properties({"title": f"POI {self.plan.anio} – {self.plan.sigla}", "author": "zedxl",
                           "company": self.plan.entidad, "comments": f"zedxl plantilla {TEMPLATE_VERSION}"})
        wb.set_custom_property("zedxl_tipo", "maestro")
        wb.set_custom_property("zedxl_version", TEMPLATE_VERSION)
        wb.set_calc_mode("auto")
        f = Formats(wb)
        # .xlsm: a Panel sheet with the buttons comes first (zedxl.vba.panel)
        panel_ws = wb.add_worksheet(_panel().SHEET_PANEL) if macros else None
        tablero = wb.add_worksheet(L.SHEET_TABLERO)  # what a director looks at first (zedxl.xlsx.dashboard)
        resumen = wb.add_worksheet(L.SHEET_RESUMEN)
        sheet_of = L.sheet_of(self.plan)
        oei_sheets = [wb.add_worksheet(sheet_of(o.codigo)) for o in self.plan.objetivos]
        ingresos = wb.add_worksheet(L.SHEET_INGRESOS)
        gastos = wb.add_worksheet(L.SHEET_GASTOS)
        narrativa = wb.add_worksheet(L.SHEET_NARRATIVA)
        reprog = wb.add_worksheet(L.SHEET_REPROGRAMACIONES)
        params = wb.add_worksheet(L.SHEET_PARAMS)
        # the planner's own sheets (values only), then the record of what the master holds, last and very hidden
        extra_sheets = [(wb.add_worksheet(s.name), s) for s in extra if not s.chart]
        record = wb.add_worksheet(L.SHEET_ESTRUCTURA)
        self._params(wb, params, [ws.name for ws in oei_sheets], f)
        for ws, oei in zip(oei_sheets, self.plan.objetivos, strict=True):
            self._oei(ws, oei, f)
        self._resumen(resumen, [ws.name for ws in oei_sheets], f)
        self._budget(ingresos, self.plan.presupuesto.ingresos, "Ingresos presupuestarios", f, sin_saldos=True)
        self._budget(gastos, self.plan.presupuesto.gastos, "Gastos presupuestarios", f, sin_saldos=False)
        write_dashboard(wb, tablero, self, f, [ws.name for ws in oei_sheets])
        self._narrativa(narrativa, f)
        self._reprogramaciones(reprog, f)
        for ws, sheet in extra_sheets:
            _extra_sheet(wb, ws, sheet)
        self._structure(record, f)
        page = printing.PageText(f"{self.plan.entidad} ({self.plan.sigla})", f"POI {self.plan.anio} – Libro maestro",
                                 "todas", str(self.plan.anio))
        for ws in wb.worksheets():  # A4 landscape with titles, header and footer (printing)
            printing.page_setup(ws, page, **self._print.get(ws.name, {"widths": ()}))
        if panel_ws is not None:
            _panel().add_panel(wb, panel_ws, self.plan, panel)
        (panel_ws or tablero).activate()
        wb.close()
        self.rows.save(buffer.getvalue(), target)

    # -- Parámetros -------------------------------------------------------------------------------------------
    def _params(self, wb: xlsxwriter.Workbook, ws: Worksheet, sheets: Sequence[str], f: Formats) -> None:
        plan = self.plan
        self._print[ws.name] = {"widths": (48, 48, 44)}
        for col, width in enumerate((48, 48, 44)):
            ws.set_column(col, col, width)
        ws.write(0, 0, "Parámetros del plan", f.title)
        ws.write(1, 0, "Datos generales y reglas de cálculo. Las celdas amarillas se pueden editar; "
                       "luego ejecute «zedxl recompute» o el botón Recalcular.", f.subtitle)
        r = 3
        rows: list[tuple[str, Any, Format]] = [
            ("entidad", plan.entidad, f.input_text), ("sigla", plan.sigla, f.input_text),
            ("anio", plan.anio, f.number), ("periodicidad", plan.periodicidad, f.text),
            ("responsable_presupuesto", plan.responsable_presupuesto or "", f.input_text),
            ("version", TEMPLATE_VERSION, f.text),
            *((key, _num(getattr(plan.reglas, key)), f.input_num) for key in L.RULE_NAMES)]
        for key, value, fmt in rows:
            ws.write(r, 0, L.PARAM_LABELS[key], f.label)
            ws.write(r, 1, value, fmt)  # (None or "": a blank cell)
            if key in L.RULE_NAMES:
                wb.define_name(L.RULE_NAMES[key], f"={quote_sheet(L.SHEET_PARAMS)}!{to_a1(r, 1, absolute=True)}")
            r += 1
        r = self._hasta(wb, ws, r, sheets, f)
        r += 1
        ws.write_row(r, 0, (L.INSTANCIAS_HEADER, "Nombre"), f.header)
        for code, name in plan.instancias.items():
            r += 1
            ws.write_row(r, 0, (code, safe_text(name)), f.input_text)

    def _hasta(self, wb: xlsxwriter.Workbook, ws: Worksheet, r: int, sheets: Sequence[str], f: Formats) -> int:
        """«Hasta» (ZX_HASTA, rules.reported_through) at row ``r`` and, below it, how many AO have an executed value
        in each base period (COUNT over every OEI sheet's «Ejec.» column, so it follows what is typed); returns the
        last row written."""
        hasta_row, first = r, r + 3
        self._hasta_row = hasta_row
        quoted = [quote_sheet(s) for s in sheets]
        counts = [sum(1 for ao in self.plan.actividades() if ao.ejecutado[i] is not None)
                  for i in range(len(self.labels))]
        ws.write_row(r + 2, 0, (L.HASTA_TABLE_HEADER, L.HASTA_TABLE_COUNT), f.header)
        for i, label in enumerate(self.labels):
            letter = col_letter(self.cols[L.ejec(label)])
            ws.write(first + i, 0, label, f.text)
            ws.write_formula(first + i, 1, "=" + ("+".join(f"COUNT({q}!{letter}:{letter})" for q in quoted) or "0"),
                             f.count, counts[i])
        last = first + len(self.labels) - 1
        ws.write(hasta_row, 0, L.HASTA_LABEL, f.label)
        ws.write_formula(hasta_row, 1, "=MAX(" + ",".join(f"(B{first + i + 1}>0)*{i + 1}"
                                                         for i in range(len(self.labels))) + ")",
                         f.count, self.hasta)
        wb.define_name(L.NAME_HASTA, f"={quote_sheet(L.SHEET_PARAMS)}!{to_a1(hasta_row, 1, absolute=True)}")
        n = len(self.labels)
        unit = "trimestres" if self.plan.periodicidad == "trimestral" else "meses"
        ref = f"B{hasta_row + 1}"
        ws.write_formula(hasta_row, 2, f'=IF({ref}=0,"{rules.coverage_text(0, self.plan.periodicidad)}",'
                                       f'"Ejecutado reportado hasta "&INDEX($A${first + 1}:$A${last + 1},{ref})'
                                       f'&" ("&{ref}&" de {n} {unit})")',
                         f.state, rules.coverage_text(self.hasta, self.plan.periodicidad))
        return last

    # -- OEI sheets -------------------------------------------------------------------------------------------
    def _oei(self, ws: Worksheet, oei: Any, f: Formats) -> None:
        c = self.cols
        ws.write(0, 0, f"{oei.codigo} · {oei.nombre}", f.title)
        if oei.indicador:
            ws.write(1, 0, f"Indicador: {oei.indicador.nombre}", f.subtitle)
        widths = self._oei_widths
        note = ("Celdas amarillas: datos que se ingresan. Celdas grises: se calculan (no las escriba). "
                "El avance de OEI/AEI se mide contra la meta anual; el de cada AO contra lo programado "
                "en el periodo, con tope y regla sin meta según la hoja Parámetros. Un semestre o el año que "
                "termina después del último periodo con ejecutado reportado (Parámetros) está «en curso»: "
                "se mide contra lo programado hasta ese periodo y no se colorea.")
        # over the frozen columns and the next ones, so the legend reads as a paragraph, not a column of words
        ws.merge_range(2, 0, 2, c[L.H_INSTANCIA], note, f.note)
        ws.set_row(2, printing.row_height([(note, sum(widths[:c[L.H_INSTANCIA] + 1]))], font_size=9))
        ws.write_row(L.HEADER_ROW, 0, c.headers, f.header)
        ws.set_row(L.HEADER_ROW, printing.row_height(((h, widths[i]) for i, h in enumerate(c.headers)),
                                                     minimum=30))
        for col, width in enumerate(widths):
            if width:
                ws.set_column(col, col, width)
        # the original programming, next to the current one but folded away: open it with the «+» above
        first_orig = c[L.original(self.labels[0])]
        ws.set_column(first_orig, first_orig + len(self.labels) - 1, 11, None, {"level": 1, "hidden": True})
        after = first_orig + len(self.labels)
        ws.set_column(after, after, widths[after] if after < len(widths) else None, None, {"collapsed": True})
        ws.freeze_panes(L.FIRST_DATA_ROW, c[L.H_DESCRIPCION] + 1)
        row = L.FIRST_DATA_ROW
        self._indicator_row(ws, row, oei.codigo, oei.nombre, oei.indicador, f, level="OEI")
        for aei in oei.acciones:
            row += 1
            self._indicator_row(ws, row, aei.codigo, aei.nombre, aei.indicador, f, level="AEI")
            for ao in aei.actividades:
                row += 1
                self.rows.write(ws, row, self._ao_cells(row, ao, f), vetted=True)
                height = printing.row_height(((ao.nombre, widths[c[L.H_DESCRIPCION]]),
                                              *((t, widths[j]) for j, t in zip(self._text_columns, ao.justificacion,
                                                                               strict=True))))
                if height > printing.DEFAULT_ROW:
                    ws.set_row(row, height)
        last = row
        self._print[ws.name] = {"widths": widths, "last_row": last, "title_rows": (L.HEADER_ROW, L.HEADER_ROW),
                                "title_cols": c[L.H_DESCRIPCION] + 1, "breaks": self._oei_breaks()}
        for point in (*L.SEMESTER_POINTS, "Anual"):
            col = c[L.avance(point)]
            rng = f"{to_a1(L.FIRST_DATA_ROW, col)}:{to_a1(max(last, L.FIRST_DATA_ROW) + 200, col)}"
            # an AO «en curso» keeps its progress to date uncoloured (its Estado is the next column)
            estado = to_a1(L.FIRST_DATA_ROW, c[L.estado(point)])
            traffic_lights(ws, rng, f, neutral=f'{estado}="{rules.EN_CURSO}"')
        ws.autofilter(L.HEADER_ROW, 0, last, len(c.headers) - 1)

    @functools.cached_property
    def _oei_widths(self) -> list[float]:
        """The width of each column of an OEI sheet (0: folded away, not printed)."""
        c, labels = self.cols, self.labels
        widths = [9.0] * len(c.headers)
        for header, width in ((L.H_CODIGO, 13), (L.H_DESCRIPCION, 44), (L.H_INDICADOR, 28), (L.H_UM, 11),
                              (L.H_INSTANCIA, 10), *((L.estado(p), 16) for p in (*L.SEMESTER_POINTS, "Anual")),
                              *((L.justificacion(x), 55) for x in labels), *((L.original(x), 0) for x in labels),
                              *(((L.H_PIM, 14), *((L.devengado(x), 13) for x in (*labels, "Anual")),
                                 (L.H_AVANCE_FIN, 11)) if self.financiero else ())):
            widths[c[header]] = width
        return widths

    def _oei_breaks(self) -> list[int]:
        """The columns a printed page of an OEI sheet may start at: each group of columns read together."""
        c, labels = self.cols, self.labels
        firsts = [L.H_INDICADOR, L.prog(labels[0]), L.ejec(labels[0]), *(L.prog(p) for p in L.SEMESTER_POINTS),
                  L.avance("Anual"), *(L.justificacion(x) for x in labels), *((L.H_PIM,) if self.financiero else ())]
        return [c[h] for h in firsts]

    @functools.cached_property
    def _text_columns(self) -> list[int]:
        return [self.cols[L.justificacion(x)] for x in self.labels]

    def _indicator_row(self, ws: Worksheet, r: int, code: str, name: str, ind: Indicador | None, f: Formats,
                       level: str) -> None:
        c, reglas = self.cols, self.plan.reglas
        fc, ft = (f.oei_code, f.oei_text) if level == "OEI" else (f.aei_code, f.aei_text)
        meta_col = c[L.prog("Anual")]
        cells: dict[int, RowCell] = {i: (i, "b", f.empty, None, "") for i in range(len(c.headers))}
        for cell in ((c[L.H_CODIGO], "s", fc, code, ""), (c[L.H_DESCRIPCION], "s", ft, safe_text(name), ""),
                     (c[L.H_INDICADOR], "s", f.input_text, safe_text(ind.nombre) if ind else "", ""),
                     (c[L.H_UM], "s", f.input_text, ind.unidad if ind else "", ""),
                     _number(meta_col, f.input_num, ind.meta_anual if ind else None)):
            cells[cell[0]] = cell
        widths = self._oei_widths
        ws.set_row(r, printing.row_height([(name, widths[c[L.H_DESCRIPCION]]),
                                           (ind.nombre if ind else "", widths[c[L.H_INDICADOR]])]))
        meta_ref = to_a1(r, meta_col)
        for point in (*L.SEMESTER_POINTS, "Anual"):
            e_col, pct_col, state_col = c[L.ejec(point)], c[L.avance(point)], c[L.estado(point)]
            value, pct = rules.indicator_value(ind, point), rules.indicator_progress(ind, point, reglas)
            e_ref = to_a1(r, e_col)
            cells[e_col] = _number(e_col, f.input_num, value)
            cells[pct_col] = (pct_col, "f", f.pct, or_blank(pct), indicator_progress_formula(e_ref, meta_ref))
            cells[state_col] = (state_col, "f", f.state, rules.indicator_status(value, pct, reglas),
                                indicator_status_formula(e_ref, to_a1(r, pct_col)))
        self.rows.write(ws, r, [cells[col] for col in sorted(cells)])

    def _ao_cells(self, r: int, ao: Any, f: Formats) -> list[RowCell]:
        """One AO row: inputs, and the per-row formulas with their cached values."""
        if self._ao_formulas is None:
            c, n = self.cols, len(self.labels)
            letter = {h: col_letter(i) for i, h in enumerate(c.headers)}
            prog = [letter[L.prog(x)] + ROW for x in self.labels]
            ejec = [letter[L.ejec(x)] + ROW for x in self.labels]
            formulas: list[tuple[int, Format, str]] = []
            for point, (a, b) in zip((*L.SEMESTER_POINTS, "Anual"),
                                     ((0, self.half), (self.half, 2 * self.half), (0, n)), strict=True):
                p_ref, e_ref = letter[L.prog(point)] + ROW, letter[L.ejec(point)] + ROW
                to_date = to_date_formula(prog[a], prog[b - 1], a, b)  # rules.measure: against what is due
                formulas += [(c[L.prog(point)], f.calc, sum_formula(f"{prog[a]}:{prog[b - 1]}", executed=False)),
                             (c[L.ejec(point)], f.calc, sum_formula(f"{ejec[a]}:{ejec[b - 1]}", executed=True)),
                             (c[L.avance(point)], f.pct, progress_formula(e_ref, to_date)),
                             (c[L.estado(point)], f.state, status_formula(e_ref, p_ref, to_date=to_date, stop=b))]
            if self.financiero:
                dev = [letter[L.devengado(x)] + ROW for x in self.labels]
                total, pim = letter[L.devengado("Anual")] + ROW, letter[L.H_PIM] + ROW
                formulas += [(c[L.devengado("Anual")], f.money_calc, sum_formula(f"{dev[0]}:{dev[-1]}",
                                                                                  executed=True)),
                             (c[L.H_AVANCE_FIN], f.pct, f'=IF(OR({total}="",{pim}=""),"",IF({pim}<=0,"",'
                                                        f"{total}/{pim}*100))")]
            self._ao_formulas = [(col, fmt, RowFormula(text)) for col, fmt, text in formulas]
            assert all(formula.vetted for _, _, formula in self._ao_formulas)
            self._ao_columns = [c[h] for h in (L.H_CODIGO, L.H_DESCRIPCION, L.H_INDICADOR, L.H_UM, L.H_INSTANCIA)] + \
                [c[L.prog(x)] for x in self.labels] + [c[L.ejec(x)] for x in self.labels] + \
                [c[L.justificacion(x)] for x in self.labels] + [c[L.original(x)] for x in self.labels]
        cached: list[Any] = []
        for m in self.ao_stats(ao):
            cached += [float(m.programado), or_blank(m.ejecutado), or_blank(m.avance), m.estado]
        financial: list[RowCell] = []
        if self.financiero:
            spent, pct = rules.financial_progress(ao.pim, ao.devengado, 0, n_base(self.plan.periodicidad))
            cached += [or_blank(spent), or_blank(pct)]
            c = self.cols
            financial = [_number(c[L.H_PIM], f.money, ao.pim),
                         *(_number(c[L.devengado(x)], f.money, v) for x, v in zip(self.labels, ao.devengado,
                                                                                   strict=True))]
        code, name, indicator, unit, office, *inputs = self._ao_columns
        n = len(self.labels)
        cells: list[RowCell] = [
            (code, "s", f.code, ao.codigo, ""), (name, "s", f.input_text, safe_text(ao.nombre), ""),
            (indicator, "b", f.empty, None, ""), (unit, "s", f.input_text, safe_text(ao.unidad), ""),
            (office, "s", f.input_text, ao.instancia, ""),
            *((col, "n", f.input_num, float(v), "") for col, v in zip(inputs[:n], ao.programado, strict=True)),
            *(_number(col, f.input_num, v) for col, v in zip(inputs[n:2 * n], ao.ejecutado, strict=True)),
            *((col, "s", f.input_text, safe_text(text), "")  # (an empty text: a blank cell)
              for col, text in zip(inputs[2 * n:3 * n], ao.justificacion, strict=True)),
            *((col, "n", f.number, float(v), "") for col, v in zip(inputs[3 * n:], ao.programado_original,
                                                                  strict=True)),
            *((col, "f", fmt, value, formula.at(r))
              for (col, fmt, formula), value in zip(self._ao_formulas, cached, strict=True)),
            *financial]
        cells.sort(key=itemgetter(0))
        return cells

    # -- Reprogramaciones -------------------------------------------------------------------------------------
    def _reprogramaciones(self, ws: Worksheet, f: Formats) -> None:
        ws.write(0, 0, "Reprogramaciones del POI", f.title)
        ws.write(1, 0, "Cada cambio a lo programado de una AO: una fila por AO y periodo. Para reprogramar, cambie "
                       "el valor en «Prog.» de la hoja del OEI y escriba aquí Código AO, Periodo y Justificación (la "
                       "fecha vacía es la de hoy); luego ejecute «zedxl recompute» o el botón Recalcular.", f.subtitle)
        ws.write_row(L.REPROG_HEADER_ROW, 0, reprogramming.HEADERS, f.header)
        widths = (12, 18, 10, 12, 12, 60, 30)
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        r = L.REPROG_HEADER_ROW
        for fecha, code, label, old, new, why, doc in reprogramming.rows_of(self.plan):
            r += 1
            ws.write_datetime(r, 0, _dt.datetime.combine(fecha, _dt.time()), f.input_date)
            ws.write_row(r, 1, (code, label), f.input_text)
            ws.write_number(r, 3, float(old), f.number)
            ws.write_number(r, 4, float(new), f.input_num)
            ws.write_row(r, 5, (safe_text(why), safe_text(doc)), f.input_text)
            ws.set_row(r, printing.row_height([(why, widths[5]), (doc, widths[6])]))
        ws.freeze_panes(L.REPROG_HEADER_ROW + 1, 0)
        self._print[ws.name] = {"widths": widths, "last_row": r,
                                "title_rows": (L.REPROG_HEADER_ROW, L.REPROG_HEADER_ROW)}

    # -- Resumen ----------------------------------------------------------------------------------------------
    def _resumen(self, ws: Worksheet, sheets: Sequence[str], f: Formats) -> None:
        plan = self.plan
        c = self.cols
        year = whole_year(plan.anio, plan.periodicidad)
        sems = semesters(plan.anio, plan.periodicidad)
        widths = [14, 42, 13, *(10,) * max(len(self.labels) + 3, 6)]
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        ws.write(0, 0, f"Resumen del POI {plan.anio} – {plan.entidad} ({plan.sigla})", f.title)
        ws.write(1, 0, "Todas las cifras de esta hoja son fórmulas: se actualizan solas en Excel.", f.subtitle)
        # what the semesters' and the year's sums and averages cover (Parámetros, ZX_HASTA)
        params_c = f"{quote_sheet(L.SHEET_PARAMS)}!{to_a1(self._hasta_row, 2, absolute=True)}"
        note = ("; un semestre o el año que termina después está «en curso»: se mide contra lo programado hasta "
                "entonces.")
        ws.write_formula(2, 0, f'={params_c}&"{note}"', f.subtitle,
                         rules.coverage_text(self.hasta, plan.periodicidad) + note)

        by_office: dict[str, list[Any]] = {}  # once: looking AO up per office and cell is quadratic
        for ao in plan.actividades():
            by_office.setdefault(ao.instancia, []).append(ao)
        periods = [*((b.start, b.stop) for b in base_periods(plan.anio, plan.periodicidad)),
                   *((s.start, s.stop) for s in sems), (year.start, year.stop)]
        # per office and column: programmed and executed sums; executed is "sin dato" (None, an empty cell) where
        # none of the office's AO reported yet, never 0
        office_sums: dict[str, tuple[list[Decimal], list[Decimal | None]]] = {}
        for code in dict.fromkeys([*plan.instancias, *by_office]):  # each office once (most are in both)
            aos = by_office.get(code, [])
            progs = [sum((ao.programado[i] for ao in aos), rules.ZERO) for i in range(len(self.labels))]
            ejecs = [rules.sum_executed([ao.ejecutado[i] for ao in aos], 0, len(aos)) for i in range(len(self.labels))]
            # a semester or the year is the sum of its base periods that were reported, as in the formulas
            office_sums[code] = ([sum(progs[a:b], rules.ZERO) for a, b in periods],
                                 [rules.sum_executed(ejecs, a, b) for a, b in periods])

        # A. plain sums per office (Anexo 02)
        r = 3
        ws.write(r, 0, "A. Programación y avance de Actividades Operativas por instancia", f.section)
        ws.write(r + 1, 0, "Suma simple de las metas físicas de las AO de cada instancia, mezclando unidades de "
                           "medida, tal como el Anexo 02 del Informe de Evaluación. Sirve para comparar con el "
                           "informe; la medida bien definida del avance es el promedio de la sección B.", f.note)
        ws.set_row(r + 1, 36)
        ws.merge_range(r + 1, 0, r + 1, 3 + len(self.labels) + 2, None)
        r += 3
        ws.write_row(r, 0, ["Instancia", "Nombre", "Concepto", *self.labels, "S1", "S2", "Anual"], f.header)
        first = r + 1
        quoted = [quote_sheet(s) for s in sheets]
        inst_letters = col_letter(c[L.H_INSTANCIA])
        n_base = len(self.labels)
        # each office row's formulas differ only in the row number: built once per column as a RowFormula
        row_formulas: dict[str, list[RowFormula]] = {}
        for concept, prefix in (("Programado", L.prog), ("Ejecutado", L.ejec)):
            row_formulas[concept] = []
            for j, (start, stop) in enumerate(periods):
                if j < n_base:
                    # base periods: sum the office's input cells directly (whole columns, so an AO row a
                    # planner inserts counts at once, before any recompute)
                    col_letters = col_letter(c[prefix(self.labels[j])])
                    template = "+".join(f"SUMIF({q}!${inst_letters}:${inst_letters},$A{ROW},"
                                        f"{q}!{col_letters}:{col_letters})" for q in quoted)
                    if concept == "Ejecutado":  # nothing reported yet: empty, not 0
                        count = "+".join(f'COUNTIFS({q}!${inst_letters}:${inst_letters},$A{ROW},'
                                         f'{q}!{col_letters}:{col_letters},"<>")' for q in quoted)
                        template = f'IF({count}=0,"",{template})'
                    template = "=" + template
                else:
                    # semesters and year: the sum of this row's base-period cells
                    span = f"{col_letter(3 + start)}{ROW}:{col_letter(3 + stop - 1)}{ROW}"
                    template = sum_formula(span, executed=concept == "Ejecutado")
                row_formulas[concept].append(RowFormula(template))
        for code, name in plan.instancias.items():
            for concept in ("Programado", "Ejecutado"):
                r += 1
                sums = office_sums[code][0 if concept == "Programado" else 1]
                self.rows.write(ws, r, [
                    (0, "s", f.code, code, ""), (1, "s", f.text, safe_text(name), ""), (2, "s", f.text, concept, ""),
                    *((3 + j, "f", f.qty, or_blank(sums[j]), formula.at(r))
                      for j, formula in enumerate(row_formulas[concept]))],
                    vetted=all(formula.vetted for formula in row_formulas[concept]))
        last = r
        self.resumen_offices = (first, last)
        for concept in ("Programado", "Ejecutado"):
            r += 1
            ws.write_row(r, 0, (L.TOTAL_LABEL, "Total institucional", concept), f.total_label)
            for j in range(len(periods)):
                letter = col_letter(3 + j)
                value = rules.sum_executed([office_sums[code][0 if concept == "Programado" else 1][j]
                                            for code in by_office], 0, len(by_office))
                span = f"{letter}${first + 1}:{letter}${last + 1}"
                formula = f'SUMIF($C${first + 1}:$C${last + 1},"{concept}",{span})'
                if concept == "Ejecutado":  # no office reported yet: empty, not 0
                    formula = f'IF(SUMPRODUCT(($C${first + 1}:$C${last + 1}="{concept}")*ISNUMBER({span}))=0,"",' \
                              f"{formula})"
                elif value is None:
                    value = rules.ZERO
                ws.write_formula(r, 3 + j, "=" + formula, f.qty_total, or_blank(value))

        # B. mean of AO percentages per office
        r += 3
        ws.write(r, 0, "B. Avance promedio de las Actividades Operativas por instancia (%)", f.section)
        ws.write(r + 1, 0, "Promedio de los porcentajes de avance de cada AO (con el tope y la regla «sin meta» "
                           "de la hoja Parámetros), contando solo las AO que ya reportaron. Es el «avance físico» "
                           "que el informe cita como titular.", f.note)
        ws.set_row(r + 1, 36)
        ws.merge_range(r + 1, 0, r + 1, 3 + len(self.labels) + 2, None)
        r += 3
        points = [*L.SEMESTER_POINTS, "Anual"]
        heads = ["Instancia", "Nombre", "N° de AO"]
        for pt in points:
            heads += [f"AO con reporte {pt}", f"Avance promedio {pt} (%)"]
        ws.write_row(r, 0, heads, f.header)
        ws.set_row(r, printing.row_height(((h, widths[i]) for i, h in enumerate(heads)), minimum=30))
        first_b = r + 1
        inst = col_letter(c[L.H_INSTANCIA])
        # the AO rows' own progress per point (S1, S2, year: the same periods as ``sems`` and ``year``)
        assert [(s.start, s.stop) for s in (*sems, year)] == [
            (0, self.half), (self.half, 2 * self.half), (0, len(self.labels))]
        pct_rows = [tuple(m.avance for m in self.ao_stats(ao)) for ao in plan.actividades()]  # S1, S2, year
        ao_pcts = {id(ao): row for ao, row in zip(plan.actividades(), pct_rows, strict=True)}
        pct_columns = list(zip(*pct_rows, strict=True)) or [(), (), ()]
        n_aos = RowFormula("=" + "+".join(f"COUNTIF({q}!${inst}:${inst},$A{ROW})" for q in quoted))
        point_formulas: list[tuple[RowFormula, RowFormula]] = []
        for k, pt in enumerate(points):
            av = col_letter(c[L.avance(pt)])
            count = "+".join(f'COUNTIFS({q}!${inst}:${inst},$A{ROW},{q}!{av}:{av},">=0")' for q in quoted)
            total = "+".join(f"SUMIF({q}!${inst}:${inst},$A{ROW},{q}!{av}:{av})" for q in quoted)
            n_ref = f"{col_letter(3 + 2 * k)}{ROW}"
            point_formulas.append((RowFormula("=" + count),
                                   RowFormula(f'=IF({n_ref}=0,"",({total})/{n_ref})')))
        vetted = n_aos.vetted and all(a.vetted and b.vetted for a, b in point_formulas)
        for code, name in plan.instancias.items():
            r += 1
            aos = by_office.get(code, [])
            cells: list[RowCell] = [(0, "s", f.code, code, ""), (1, "s", f.text, safe_text(name), ""),
                                    (2, "f", f.count, len(aos), n_aos.at(r))]
            office_columns = list(zip(*(ao_pcts[id(ao)] for ao in aos), strict=True)) or [(), (), ()]
            for k, (count_f, mean_f) in enumerate(point_formulas):
                pcts = office_columns[k]
                cells += [(3 + 2 * k, "f", f.count, sum(1 for p in pcts if p is not None), count_f.at(r)),
                          (4 + 2 * k, "f", f.pct, or_blank(rules.mean(pcts)), mean_f.at(r))]
            self.rows.write(ws, r, cells, vetted=vetted)
        last_b = r
        r += 1
        ws.write_row(r, 0, (L.TOTAL_LABEL, "Total institucional"), f.total_label)
        ws.write_formula(r, 2, f"=SUM(C{first_b + 1}:C{last_b + 1})", f.count_total,
                         sum(1 for _ in plan.actividades()))
        headline: list[tuple[str, str, Decimal | None]] = []
        for k, pt in enumerate(points):
            all_pcts = pct_columns[k]
            n_col = 3 + 2 * k
            nl, ml = col_letter(n_col), col_letter(n_col + 1)
            n_range = f"{nl}{first_b + 1}:{nl}{last_b + 1}"
            m_range = f"{ml}{first_b + 1}:{ml}{last_b + 1}"
            ws.write_formula(r, n_col, f"=SUM({n_range})", f.count_total,
                             sum(1 for p in all_pcts if p is not None))
            mean = rules.mean(all_pcts)
            ws.write_formula(r, n_col + 1, f'=IF(SUM({n_range})=0,"",SUMPRODUCT({m_range},{n_range})/SUM({n_range}))',
                             f.pct_total, or_blank(mean))
            headline.append((pt, to_a1(r, n_col + 1), mean))
        for k, per in enumerate((*sems, year)):
            mean_col = col_letter(3 + 2 * k + 1)
            traffic_lights(ws, f"{mean_col}{first_b + 1}:{mean_col}{r + 1}", f,
                                 neutral=f"{L.NAME_HASTA}<{per.stop}")  # the point is not due yet

        # C. headline
        r += 3
        ws.write(r, 0, "C. Avance físico institucional (promedio de las AO, %)", f.section)
        for pt, ref, head_value in headline:
            r += 1
            ws.write(r, 1, {"S1": "I Semestre", "S2": "II Semestre", "Anual": "Año"}[pt], f.label)
            ws.write_formula(r, 2, f"={ref}", f.pct_total, or_blank(head_value))
        self._print[ws.name] = {"widths": widths, "last_row": r}

    # -- budget -----------------------------------------------------------------------------------------------
    def _budget(self, ws: Worksheet, lines: Sequence[LineaPresupuesto], title: str, f: Formats,
                sin_saldos: bool) -> None:
        n = len(self.labels)
        headers = L.budget_headers(self.plan.periodicidad)
        acum0, en0 = len(L.BUDGET_HEADERS), len(L.BUDGET_HEADERS) + n  # first accumulated and first derived column
        widths = [36, *(15,) * (len(headers) - 1)]
        ws.set_column(0, 0, widths[0])
        ws.set_column(1, len(headers) - 1, widths[1])
        ws.write(0, 0, f"{title} {self.plan.anio} (S/)", f.title)
        ws.write(1, 0, "Escriba en las columnas «Ejec. acum.» la ejecución acumulada al cierre de cada periodo (como "
                       "la da el SIAF); «Ejecución» es el último dato de cada rubro y «Ejecutado en» lo ejecutado "
                       "dentro de cada periodo. % de avance = Ejecución / PIM × 100. Un rubro sin PIM (p. ej. Saldos "
                       "de Balance) no tiene % propio pero su ejecución suma al total.", f.note)
        hr = L.BUDGET_HEADER_ROW
        ws.write_row(hr, 0, headers, f.header)
        ws.set_row(hr, printing.row_height(((h, widths[i]) for i, h in enumerate(headers)), minimum=30))
        r = hr
        latest = RowFormula(_latest_formula([col_letter(acum0 + i) + ROW for i in range(n)]))
        derived = [RowFormula(f'=IF(ISNUMBER({col_letter(acum0)}{ROW}),{col_letter(acum0)}{ROW},"")')] + [
            RowFormula(f'=IF(AND(ISNUMBER({b}{ROW}),ISNUMBER({a}{ROW})),{b}{ROW}-{a}{ROW},"")')
            for a, b in ((col_letter(acum0 + i - 1), col_letter(acum0 + i)) for i in range(1, n))]
        lasts = [_last_reported(line) for line in lines]  # the stop of each line's latest figure
        for line, last in zip(lines, lasts, strict=True):
            r += 1
            cells: list[RowCell] = [(0, "s", f.input_text, safe_text(line.rubro), "")]
            cells += [_number(col, f.money, value) for col, value in (
                (1, line.pia), (2, line.pim), *((acum0 + i, line.ejecucion_al(i + 1)) for i in range(n)))]
            cells += [
                (3, "f", f.money_calc, or_blank(rules.budget_diff(line)),
                 f'=IF(AND(ISNUMBER(B{r + 1}),ISNUMBER(C{r + 1})),C{r + 1}-B{r + 1},"")'),
                (4, "f", f.money_calc, or_blank(line.ejecucion_al(last)), latest.at(r)),
                (5, "f", f.pct, or_blank(rules.budget_pct(line, last)),
                 f'=IF(AND(ISNUMBER(C{r + 1}),ISNUMBER(E{r + 1})),IF(C{r + 1}=0,"",E{r + 1}/C{r + 1}*100),"")'),
                *((en0 + i, "f", f.money_calc, or_blank(line.ejecucion_en(i)), derived[i].at(r)) for i in range(n))]
            cells.sort(key=itemgetter(0))
            self.rows.write(ws, r, cells)
            if (height := printing.row_height([(line.rubro, widths[0])])) > printing.DEFAULT_ROW:
                ws.set_row(r, height)
        r += 1
        # sums start at the header row (text: not summed), so that over no line at all (an entity without income of
        # its own) the range is the header, never the Total cell itself (a circular reference)
        first = hr + 1
        ws.write(r, 0, L.TOTAL_LABEL, f.total_label)

        def column_sum(col: int, values: Sequence[Decimal | None], *, executed: bool = True) -> Decimal | None:
            letter, total = col_letter(col), rules.sum_executed(values, 0, len(values))
            span = f"{letter}${first}:INDEX({letter}:{letter},ROW()-1)"
            ws.write_formula(r, col, sum_formula(span, executed=executed), f.money_total,
                             or_blank(total) if executed else float(total or 0))
            return total

        pia = column_sum(1, [ln.pia for ln in lines], executed=False) or rules.ZERO
        pim = column_sum(2, [ln.pim for ln in lines], executed=False) or rules.ZERO
        latest_values = [ln.ejecucion_al(last) for ln, last in zip(lines, lasts, strict=True)]
        executed = column_sum(4, latest_values)
        for i in range(n):
            column_sum(acum0 + i, [ln.ejecucion_al(i + 1) for ln in lines])
            column_sum(en0 + i, [ln.ejecucion_en(i) for ln in lines])
        ws.write_formula(r, 3, f"=C{r + 1}-B{r + 1}", f.money_total, float(pim - pia))
        ws.write_formula(r, 5, f'=IF(OR(C{r + 1}=0,NOT(ISNUMBER(E{r + 1}))),"",E{r + 1}/C{r + 1}*100)', f.pct_total,
                         or_blank(None if pim == 0 or executed is None else executed / pim * rules.HUNDRED))
        if sin_saldos:
            r += 1
            ws.write(r, 0, L.SIN_SALDOS_LABEL, f.label)
            rng_c = f"C${first}:INDEX(C:C,ROW()-2)"
            rng_e = f"E${first}:INDEX(E:E,ROW()-2)"
            with_pim = [v for ln, v in zip(lines, latest_values, strict=True) if ln.pim is not None]
            pim_only = rules.sum_executed([ln.pim for ln in lines if ln.pim is not None], 0, len(lines))
            executed_pim = rules.sum_executed(with_pim, 0, len(with_pim))
            ws.write_formula(r, 5, f'=IF(OR(SUM({rng_c})=0,COUNT({rng_e})=0),"",'
                                   f'SUMPRODUCT(ISNUMBER({rng_c})*1,{rng_e})/SUM({rng_c})*100)',
                             f.pct_total, or_blank(None if not pim_only or executed_pim is None
                                                 else executed_pim / pim_only * rules.HUNDRED))
        self._print[ws.name] = {"widths": widths, "last_row": r, "title_rows": (hr, hr), "title_cols": 1,
                                "breaks": [acum0, en0]}

    # -- Narrativa --------------------------------------------------------------------------------------------
    def _narrativa(self, ws: Worksheet, f: Formats) -> None:
        widths = [0, 30, 150]  # (wide: a long text needs fewer lines, and a row can be at most 409 points high)
        # column A holds the field's key, which the master reader looks for: hidden, not printed
        ws.set_column(0, 0, 16, None, {"hidden": True})
        ws.set_column(1, 1, widths[1])
        ws.set_column(2, 2, widths[2])
        ws.write(0, 0, "Narrativa del Informe de Evaluación", f.title)
        ws.write(1, 0, "Escriba aquí los textos del informe; los campos vacíos se listan como pendientes al "
                       "generar el informe (y se marcan en el borrador: zedxl report --borrador).", f.subtitle)
        ws.write_row(3, 0, ("Campo", "Sección del informe", "Texto"), f.header)
        for k, (key, title) in enumerate(L.NARRATIVA_FIELDS.items()):
            r = 4 + k
            ws.write(r, 0, key, f.code)
            ws.write(r, 1, title, f.text)
            text = safe_text(self.plan.narrativa.get(key, ""))
            ws.write_string(r, 2, text, f.input_text)
            room = 30 if key in L.NARRATIVA_SHORT else 90  # room to type in: a line for a date or a name
            ws.set_row(r, printing.row_height([(text, widths[2])], minimum=room))
        self._print[ws.name] = {"widths": widths, "last_row": 3 + len(L.NARRATIVA_FIELDS),
                                "title_rows": (3, 3)}

    # -- the record of the structure (zedxl.structure) ------------------------------------------------------------
    def _structure(self, ws: Worksheet, f: Formats) -> None:
        ws.write_string(0, 0, "Lo que zedxl escribió en este maestro: con esta lista se comprueba, antes de "
                              "reescribirlo, que no falte ninguna fila. No la modifique.", f.plain)
        ws.write_row(1, 0, L.ESTRUCTURA_HEADERS, f.plain)
        for r, item in enumerate(structure_of(self.plan, L.sheet_of(self.plan)), start=2):
            # (the name only helps a person recognise a missing row: its start is enough)
            values = (item.level, item.code, item.parent, item.sheet, item.instancia, item.nombre[:100])
            self.rows.write(ws, r, [(i, "s", f.plain, safe_text(v), "") for i, v in enumerate(values) if v],
                            vetted=True)
        ws.very_hidden()


_DATE_PATTERNS = ((_dt.date, "dd/mm/yyyy"), (_dt.time, "hh:mm:ss"), (_dt.timedelta, "[h]:mm:ss"))


def _extra_sheet(wb: xlsxwriter.Workbook, ws: Worksheet, sheet: ExtraSheet) -> None:
    """A planner's sheet written back with its cell values in the same cells (formats and formulas are not read)."""
    # a date without a number format would show as a serial number
    date_format = functools.cache(lambda pattern: wb.add_format({"num_format": pattern}))

    for r, row in enumerate(sheet.rows):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                ws.write_boolean(r, c, value)
            elif isinstance(value, (int, float)):
                if isfinite(value):
                    ws.write_number(r, c, value)
            elif isinstance(value, _dt.datetime) and value.time() != _dt.time():
                ws.write_datetime(r, c, value, date_format("dd/mm/yyyy hh:mm"))
            elif isinstance(value, (_dt.date, _dt.time, _dt.timedelta)):  # (a datetime at midnight: a date)
                pattern = next(p for t, p in _DATE_PATTERNS if isinstance(value, t))
                ws.write_datetime(r, c, value, date_format(pattern))
            else:
                ws.write_string(r, c, safe_text(str(value)))
    if sheet.visibility == "veryHidden":
        ws.very_hidden()
    elif sheet.visibility == "hidden":
        ws.hide()


assert len(L.SEMESTER_POINTS) == 2, "MasterWriter.ao_stats computes two semesters"


def _last_reported(line: LineaPresupuesto) -> int:
    """``stop`` of the line's latest accumulated figure (0: none yet)."""
    return max((i + 1 for i, v in enumerate(line.acumulado) if v is not None), default=0)


def _latest_formula(refs: Sequence[str]) -> str:
    """The last of ``refs`` that holds a number, "" when none does (a nested IF: no array formula)."""
    text = '""'
    for ref in refs:
        text = f"IF(ISNUMBER({ref}),{ref},{text})"
    return "=" + text


def _panel() -> Any:
    from zedxl.vba import panel

    return panel


def write_master(plan: Plan, target: Path | Any, *, macros: bool | None = None, panel: Any = None,
                 extra: Sequence[ExtraSheet] = ()) -> None:
    """Write the master workbook for ``plan`` to ``target`` (path or binary file object).

    ``macros`` (default: ``target`` is a path ending in ``.xlsm``) adds the Panel sheet with its buttons and the VBA
    project they call; ``panel`` (a ``zedxl.vba.panel.PanelSettings``) keeps what the planner typed there;
    ``extra``: the planner's own sheets, written back after zedxl's with their values.
    """
    if macros is None:
        macros = isinstance(target, (str, Path)) and Path(target).suffix.lower() == ".xlsm"
    MasterWriter(plan).write(target, macros=macros, panel=panel, extra=extra)
