"""Write the master's «Tablero» sheet: headline figures and Excel charts over the master's own cells.

Every figure is a formula over the Resumen, the OEI sheets, the budget sheets and ``ZX_HASTA``, written with the
value zedxl computes for it (the same rules as the core), so a reader that never recalculates sees the right
numbers and LibreOffice recalculates the same. The charts plot the sheet's own tables below the headline, so they
follow the master whenever it is recalculated. Everything covers the year to date: the base periods up to
«Evaluado hasta» (``ZX_HASTA``), the year's point of each AO (measured against what was programmed so far).

Lookups find their rows by content, never by position: the Resumen's office rows by instancia (its Programado row,
then the Ejecutado row zedxl writes below it), the budget's Total row by its label, the OEI sheets' AO rows by their
Instancia cell (OEI and AEI rows have none).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from zedxl import rules
from zedxl.a1 import col_letter, quote_sheet
from zedxl.model import LineaPresupuesto
from zedxl.xlsx import layout as L
from zedxl.xlsx.text import safe_text

if TYPE_CHECKING:
    from zedxl.xlsx.formats import Formats
    from zedxl.xlsx.master_write import MasterWriter

#: the Resumen's section A: instancia in column A, concept in C, the base periods from column D on
RESUMEN_FIRST_PERIOD_COL = 3
PIM, EJECUCION, PCT = L.BUDGET_HEADERS[2], L.BUDGET_HEADERS[4], L.BUDGET_HEADERS[5]
PROGRAMADO, EJECUTADO = "Programado", "Ejecutado"

SEMAFORO_ROWS = (("Verde", "verde", "#63BE7B"), ("Amarillo", "amarillo", "#FFD966"), ("Rojo", "rojo", "#F8696B"),
                 ("Sin semáforo (en curso o sin reporte)", None, "#BFBFBF"))
PROG_COLOR, EJEC_COLOR = "#9DC3E6", "#2E75B6"  # (no table of the master uses them)
CALC = "#F2F2F2"
POINT_NAMES = {"S1": "I Semestre", "S2": "II Semestre", "Anual": "Año"}  # the OEI sheets' points, in order
CHART_ROW, CHART_COL = 4, 5  # the charts' grid starts at F5, right of the tables
CHART_ROWS, CHART_COLS = 17, 7  # one chart's cell in that grid (the sheet prints one page wide at ≥ 60 %)


def _cached(value: Decimal | None) -> float | str:
    return "" if value is None else float(value)


class _Dashboard:
    def __init__(self, wb: Workbook, ws: Worksheet, writer: MasterWriter, f: Formats,
                 oei_sheets: Sequence[str]) -> None:
        self.wb, self.ws, self.w, self.f = wb, ws, writer, f
        self.plan = writer.plan
        self.sheets = [quote_sheet(s) for s in oei_sheets]
        self.inst = self.col(L.H_INSTANCIA)
        # the year's point of every AO the formulas see (an AO row is one with an Instancia)
        self.stats = [writer.ao_stats(ao) for ao in self.plan.actividades() if ao.instancia]  # S1, S2, year
        self.year = [stats[2] for stats in self.stats]
        base = {"font_name": "Calibri", "font_size": 10, "border": 1, "border_color": "#BFBFBF", "bg_color": CALC}
        self.count = wb.add_format({**base, "num_format": "0"})
        self.pct = wb.add_format({**base, "num_format": "0.00"})
        self.number = wb.add_format({**base, "num_format": "General"})  # plain sums of mixed units: 4.2, 16
        self.money = wb.add_format({**base, "num_format": "#,##0.00"})
        self.big_pct = wb.add_format({**base, "num_format": "0.00", "bold": True, "font_size": 12})
        self.big_count = wb.add_format({**base, "num_format": "0", "bold": True, "font_size": 12})

    def over_sheets(self, template: str) -> str:
        """``template`` (``{q}`` the quoted OEI sheet) summed over every OEI sheet; 0 with none."""
        return "+".join(template.format(q=q) for q in self.sheets) or "0"

    def col(self, header: str) -> str:
        letter = col_letter(self.w.cols[header])
        return f"{letter}:{letter}"

    def table_header(self, r: int, headers: Sequence[str]) -> None:
        self.ws.write_row(r, 0, headers, self.f.header)
        self.ws.set_row(r, 30)

    # -- the sheet ---------------------------------------------------------------------------------------------
    def write(self) -> None:
        ws, f, plan = self.ws, self.f, self.plan
        ws.set_column(0, 0, 58)
        ws.set_column(1, 3, 14)
        ws.set_column(4, 4, 3)
        ws.write(0, 0, f"Tablero del POI {plan.anio} – {plan.entidad} ({plan.sigla})", f.title)
        ws.write(1, 0, "Cifras y gráficos calculados con fórmulas sobre las hojas de este maestro: se actualizan al "
                       "recalcular el libro (Excel, el botón Recalcular o «zedxl recompute»). Cubren el año hasta el "
                       "último periodo con ejecutado reportado.", f.subtitle)
        params = quote_sheet(L.SHEET_PARAMS)  # the text next to ZX_HASTA, found by its label
        ws.write_formula(2, 0, f'=INDEX({params}!$C:$C,MATCH("{L.HASTA_LABEL}",{params}!$A:$A,0))', f.subtitle,
                         rules.coverage_text(self.w.hasta, plan.periodicidad))
        r = 4
        ws.write(r, 0, "Cifras principales", f.section)
        r = self.headline(r + 1)
        r = self.semaforo(r + 2)
        r = self.per_oei(r + 2)
        r = self.per_instancia(r + 2)
        self.budget(r + 2)
        ws.hide_gridlines(2)

    def headline(self, r: int) -> int:
        ws, f = self.ws, self.f
        av, ejec, prog = (self.col(h) for h in (L.avance("Anual"), L.ejec("Anual"), L.prog("Anual")))
        reported = sum(1 for m in self.year if m.ejecutado is not None)
        total = self.over_sheets(f'SUMIFS({{q}}!{av},{{q}}!{self.inst},"<>")')
        count = self.over_sheets(f'COUNTIFS({{q}}!{self.inst},"<>",{{q}}!{av},">=0")')
        rows: list[tuple[str, str, Any, Any]] = [
            ("Avance físico institucional a la fecha (promedio de las AO, %)",
             f'=IF(({count})=0,"",({total})/({count}))', self.big_pct,
             _cached(rules.mean(m.avance for m in self.year))),
            # (an AO row: an Instancia and a number in «Prog. Anual»; the header row has text there)
            ("Actividades Operativas (AO) del plan",
             "=" + self.over_sheets(f'COUNTIFS({{q}}!{self.inst},"<>",{{q}}!{prog},">=0")'), self.big_count,
             len(self.year)),
            ("AO con ejecutado reportado en el año",
             "=" + self.over_sheets(f'COUNTIFS({{q}}!{self.inst},"<>",{{q}}!{ejec},">=0")'), self.big_count,
             reported)]
        for kind, lines in (("gastos", self.plan.presupuesto.gastos), ("ingresos", self.plan.presupuesto.ingresos)):
            sheet = L.SHEET_GASTOS if kind == "gastos" else L.SHEET_INGRESOS
            rows.append((f"Ejecución de {kind} respecto del PIM (%)", f"={self.budget_total(sheet, PCT)}",
                         self.big_pct, _cached(_budget_figures(lines)[2])))
        for label, formula, fmt, value in rows:
            ws.write(r, 0, label, f.label)
            ws.write_formula(r, 1, formula, fmt, value)
            r += 1
        return r - 1

    def semaforo(self, r: int) -> int:
        ws, f = self.ws, self.f
        ws.write(r, 0, "Semáforo de las AO por semestre y año (a la fecha)", f.section)
        self.table_header(r + 1, ("Semáforo", *POINT_NAMES.values()))
        first = r + 2
        inst = f'{{q}}!{self.inst},"<>"'
        for j, point in enumerate(POINT_NAMES):
            av, est = self.col(L.avance(point)), self.col(L.estado(point))
            tests = {"verde": f'{{q}}!{av},">="&{L.NAME_VERDE}',
                     "amarillo": f'{{q}}!{av},">="&{L.NAME_AMARILLO},{{q}}!{av},"<"&{L.NAME_VERDE}',
                     "rojo": f'{{q}}!{av},"<"&{L.NAME_AMARILLO}'}
            for k, (label, light, _) in enumerate(SEMAFORO_ROWS):
                if light is None:  # the two states without a colour (an AO «en curso» is never coloured)
                    formula = self.over_sheets(f'COUNTIFS({inst},{{q}}!{est},"{rules.EN_CURSO}")+'
                                               f'COUNTIFS({inst},{{q}}!{est},"{rules.SIN_REPORTE}")')
                else:
                    formula = self.over_sheets(f'COUNTIFS({inst},{tests[light]},{{q}}!{est},"<>{rules.EN_CURSO}")')
                if j == 0:
                    ws.write(first + k, 0, label, f.text)
                ws.write_formula(first + k, 1 + j, "=" + formula, self.count,
                                 sum(1 for stats in self.stats if stats[j].semaforo == light))
        last = first + len(SEMAFORO_ROWS) - 1
        chart = self.wb.add_chart({"type": "column", "subtype": "stacked"})
        for k, (_, _, color) in enumerate(SEMAFORO_ROWS):
            chart.add_series({"name": [ws.name, first + k, 0], "categories": [ws.name, first - 1, 1, first - 1, 3],
                              "values": [ws.name, first + k, 1, first + k, 3], "fill": {"color": color},
                              "border": {"color": "#595959"}, "gap": 80})
        chart.set_y_axis({"name": "N° de AO", "num_format": "0", "major_gridlines": {
            "visible": True, "line": {"color": "#D9D9D9"}}})
        self.place(chart, 1, 0, "Semáforo de las AO")
        return last

    def per_oei(self, r: int) -> int:
        ws, f = self.ws, self.f
        ws.write(r, 0, "Avance por OEI, año a la fecha (promedio de las AO, %)", f.section)
        self.table_header(r + 1, ("OEI", "Avance (%)"))
        av = self.col(L.avance("Anual"))
        first = r + 2
        for k, (oei, q) in enumerate(zip(self.plan.objetivos, self.sheets, strict=True)):
            count = f'COUNTIFS({q}!{self.inst},"<>",{q}!{av},">=0")'
            mean = rules.mean(self.w.ao_stats(ao)[2].avance for a in oei.acciones for ao in a.actividades
                              if ao.instancia)
            ws.write_string(first + k, 0, safe_text(oei.codigo), f.code)
            ws.write_formula(first + k, 1, f'=IF({count}=0,"",SUMIFS({q}!{av},{q}!{self.inst},"<>")/{count})',
                             self.pct, _cached(mean))
        last = first + max(len(self.sheets), 1) - 1
        chart = self.wb.add_chart({"type": "bar"})
        chart.add_series({"name": "Avance (%)", "categories": [ws.name, first, 0, last, 0],
                          "values": [ws.name, first, 1, last, 1], "fill": {"color": EJEC_COLOR},
                          "data_labels": {"value": True, "num_format": "0.00"}})
        chart.set_x_axis({"min": 0, "num_format": "0", "major_gridlines": {"visible": True,
                                                                            "line": {"color": "#D9D9D9"}}})
        chart.set_y_axis({"reverse": True})
        self.place(chart, 0, 1, "Avance por OEI (%)", legend=False)
        return last

    def per_instancia(self, r: int) -> int:
        ws, f, plan = self.ws, self.f, self.plan
        n = len(self.w.labels)
        ws.write(r, 0, "Metas físicas por instancia, año a la fecha (suma simple, como el Anexo 02)", f.section)
        self.table_header(r + 1, ("Instancia", PROGRAMADO, EJECUTADO))
        res = quote_sheet(L.SHEET_RESUMEN)
        by_office: dict[str, list[Any]] = {}
        for ao in plan.actividades():
            by_office.setdefault(ao.instancia, []).append(ao)
        first = r + 2
        hasta = self.w.hasta
        h = L.NAME_HASTA
        first_col = col_letter(RESUMEN_FIRST_PERIOD_COL)
        last_col = col_letter(RESUMEN_FIRST_PERIOD_COL + n - 1)
        top, bottom = (i + 1 for i in self.w.resumen_offices)
        for k, code in enumerate(plan.instancias):
            row = first + k
            aos = by_office.get(code, [])
            ws.write_string(row, 0, safe_text(code), f.code)
            for j, concept in enumerate((PROGRAMADO, EJECUTADO)):
                # the office's Programado row of the Resumen, its Ejecutado row right below: the base periods
                # up to ZX_HASTA of that row
                at = f"MATCH($A{row + 1},{res}!$A${top}:$A${bottom},0)" + ("+1" if concept == EJECUTADO else "")
                formula = (f"=({h}>0)*SUM(INDEX({res}!${first_col}${top}:${first_col}${bottom},{at}):"
                           f"INDEX({res}!${first_col}${top}:${last_col}${bottom},{at},MAX(1,{h})))")
                values = [ao.programado if concept == PROGRAMADO else ao.ejecutado for ao in aos]
                cached = sum((v for vs in values for v in vs[:hasta] if v is not None), rules.ZERO)
                ws.write_formula(row, 1 + j, formula, self.number, float(cached))
        last = first + max(len(plan.instancias), 1) - 1
        chart = self.wb.add_chart({"type": "column"})
        for j, color in enumerate((PROG_COLOR, EJEC_COLOR)):
            chart.add_series({"name": [ws.name, first - 1, 1 + j], "categories": [ws.name, first, 0, last, 0],
                              "values": [ws.name, first, 1 + j, last, 1 + j], "fill": {"color": color},
                              "border": {"color": "#595959"}})
        self.place(chart, 0, 0, "Programado y ejecutado por instancia (año a la fecha)")
        return last

    def budget(self, r: int) -> int:
        ws, f = self.ws, self.f
        ws.write(r, 0, "Ejecución presupuestal respecto del PIM (S/)", f.section)
        self.table_header(r + 1, ("Presupuesto", "PIM", "Ejecución", "% Avance vs PIM"))
        first = r + 2
        for k, (label, sheet, lines) in enumerate((("Ingresos", L.SHEET_INGRESOS, self.plan.presupuesto.ingresos),
                                                   ("Gastos", L.SHEET_GASTOS, self.plan.presupuesto.gastos))):
            pim, executed, pct = _budget_figures(lines)
            ws.write(first + k, 0, label, f.text)
            ws.write_formula(first + k, 1, f"={self.budget_total(sheet, PIM)}", self.money, float(pim))
            ws.write_formula(first + k, 2, f"={self.budget_total(sheet, EJECUCION)}", self.money, _cached(executed))
            ws.write_formula(first + k, 3, f"={self.budget_total(sheet, PCT)}", self.pct, _cached(pct))
        last = first + 1
        chart = self.wb.add_chart({"type": "column"})
        for j, color in ((0, PROG_COLOR), (1, EJEC_COLOR)):
            chart.add_series({"name": [ws.name, first - 1, 1 + j], "categories": [ws.name, first, 0, last, 0],
                              "values": [ws.name, first, 1 + j, last, 1 + j], "fill": {"color": color},
                              "border": {"color": "#595959"}})
        chart.set_y_axis({"num_format": "#,##0"})
        self.place(chart, 1, 1, "Ejecución presupuestal respecto del PIM (S/)")
        return last

    @staticmethod
    def budget_total(sheet: str, header: str) -> str:
        """A column of a budget sheet's Total row, found by its label (a planner may insert lines above it)."""
        q, letter = quote_sheet(sheet), col_letter(L.BUDGET_HEADERS.index(header))
        return f'INDEX({q}!${letter}:${letter},MATCH("{L.TOTAL_LABEL}",{q}!$A:$A,0))'

    def place(self, chart: Any, grid_row: int, grid_col: int, title: str, *, legend: bool = True) -> None:
        chart.set_title({"name": title, "name_font": {"size": 11, "bold": True, "color": "#1F4E78"}})
        chart.set_legend({"position": "bottom"} if legend else {"none": True})
        chart.set_size({"width": 440, "height": 320})
        self.ws.insert_chart(CHART_ROW + grid_row * CHART_ROWS, CHART_COL + grid_col * CHART_COLS, chart,
                             {"object_position": 3})


def _budget_figures(lines: Sequence[LineaPresupuesto]) -> tuple[Decimal, Decimal | None, Decimal | None]:
    """(PIM, execution, % vs PIM) of a budget sheet's Total row, as the master's budget formulas compute them: the
    execution is each line's latest accumulated figure."""
    pim = sum((ln.pim for ln in lines if ln.pim is not None), rules.ZERO)
    latest = [ln.ejecucion_al(max((i + 1 for i, v in enumerate(ln.acumulado) if v is not None), default=0))
              for ln in lines]
    executed = rules.sum_executed(latest, 0, len(latest))
    pct = None if pim == 0 or executed is None else executed / pim * rules.HUNDRED
    return pim, executed, pct


def write_dashboard(wb: Workbook, ws: Worksheet, writer: MasterWriter, f: Formats, oei_sheets: Sequence[str]) -> None:
    """Fill the «Tablero» worksheet ``ws`` of the master ``writer`` is writing (call it after the Resumen, the OEI
    and the budget sheets are written: it reads what they hold)."""
    _Dashboard(wb, ws, writer, f, oei_sheets).write()


__all__ = ["write_dashboard"]
