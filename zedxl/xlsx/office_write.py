"""Write one office's workbook for one period with XlsxWriter, in the layout ``office_layout`` defines (its
docstring draws it): the office's AO under their OEI/AEI headings, one sheet per OEI, only the period's executed
cells and the justifications unlocked, progress and status as live formulas with their cached values, and the
hidden ``_zedxl`` manifest."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from zedxl import rules
from zedxl.a1 import quote_sheet, to_a1
from zedxl.masterkey import seal
from zedxl.model import LineaPresupuesto, Objetivo
from zedxl.periods import base_labels, base_periods
from zedxl.xlsx import layout as L
from zedxl.xlsx import office_layout as OL
from zedxl.xlsx import printing
from zedxl.xlsx.dashboard import EJEC_COLOR, PROG_COLOR
from zedxl.xlsx.formats import MONEY_FORMAT, Formats, traffic_lights
from zedxl.xlsx.sheet_rows import RowCell, RowWriter
from zedxl.xlsx.text import safe_text


# -- writer ----------------------------------------------------------------------------------------------------
class _OfficeFormats(Formats):
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        super().__init__(wb)
        base = {"font_name": "Calibri", "font_size": 10, "valign": "top", "border": 1, "border_color": "#BFBFBF"}
        self.money_ro = wb.add_format({**base, "num_format": MONEY_FORMAT})
        # the note above the header: one line running over the empty cells to its right (a merged cell would be
        # refused in a return, and a wrap inside column A reads as a column of words)
        self.note_line = wb.add_format({"italic": True, "font_size": 9, "font_color": "#595959"})
        self.para = wb.add_format({"text_wrap": True, "valign": "top", "font_size": 11})
        self.para_bold = wb.add_format({"text_wrap": True, "valign": "top", "font_size": 11, "bold": True})
        self.meta = wb.add_format({"font_size": 9})

PROGRESS_WIDTH = 12  # the progress table's number columns on the Instrucciones sheet
CHART_ROWS = 14  # the rows (15 points) its 260-pixel chart covers

_PROTECT_OPTIONS = {"format_columns": True, "format_rows": True}


def _row_cell(c: int, cs: OL.CellSpec, f: _OfficeFormats) -> RowCell:
    fmt = getattr(f, cs.style) if cs.style else None
    if cs.kind == "formula":
        return (c, "f", fmt, cs.cached, str(cs.value))
    if isinstance(cs.value, Decimal):
        return (c, "n", fmt, float(cs.value), "")
    if isinstance(cs.value, str):
        return (c, "s", fmt, safe_text(cs.value), "")
    return (c, "b", fmt, None, "")


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


class OfficeWriter:
    """Builds one office workbook from an ``OL.OfficeSpec``."""

    def __init__(self, spec: OL.OfficeSpec, key: bytes, *, splice: bool = True) -> None:
        self.spec = spec
        self.key = key
        self.cols = OL.data_columns(spec)
        self.rows = RowWriter(splice=splice)  # (splice=False: every row through XlsxWriter, as tests compare)
        plan = spec.plan
        self.page = printing.PageText(f"{plan.entidad} ({plan.sigla})", f"Seguimiento del POI {plan.anio}",
                                      f"{spec.instancia} – {spec.instancia_nombre}",
                                      f"{spec.periodo.name} ({spec.periodo.label})")

    def write(self, target: Path | Any) -> None:
        spec = self.spec
        plan = spec.plan
        buffer = io.BytesIO()
        wb = xlsxwriter.Workbook(buffer, {"strings_to_formulas": False, "strings_to_numbers": False,
                                   "strings_to_urls": False, "in_memory": True})
        meta = OL.manifest_meta(spec)
        meta["sello"] = seal(self.key, OL.content_digest(spec))
        wb.set_properties({"title": f"POI {plan.anio} – {plan.sigla} – {spec.instancia} – {spec.periodo.label}",
                           "subject": f"Seguimiento {spec.periodo.name}", "author": "zedxl",
                           "company": plan.entidad, "comments": f"zedxl plantilla {spec.version}"})
        for key in OL.PROPERTY_KEYS:
            wb.set_custom_property(OL.PROPERTY_PREFIX + key, meta[key], "text")
        wb.set_calc_mode("auto")
        f = _OfficeFormats(wb)
        instr = wb.add_worksheet(OL.SHEET_INSTRUCCIONES)
        data = [(wb.add_worksheet(L.sheet_of(plan)(o.codigo)), o) for o in plan.objetivos]
        budget = [(wb.add_worksheet(OL.BUDGET_SHEETS[k]), k, lines) for k, lines in spec.budget_lines()]
        meta_ws = wb.add_worksheet(OL.SHEET_META)
        self._manifest(wb, meta_ws, meta, f)
        self._instructions(wb, instr, f)
        for ws, oei in data:
            self._data_sheet(ws, oei, f)
        for ws, kind, lines in budget:
            self._budget_sheet(ws, kind, lines, f)
        for ws in [instr, *(d[0] for d in data), *(b[0] for b in budget), meta_ws]:
            ws.protect(OL.PASSWORD, _PROTECT_OPTIONS)
        meta_ws.very_hidden()
        instr.activate()
        wb.close()
        self.rows.save(buffer.getvalue(), target)

    def _instructions(self, wb: xlsxwriter.Workbook, ws: Worksheet, f: _OfficeFormats) -> None:
        width = 105  # (fits A4 landscape at full size)
        ws.set_column(0, 0, width)
        lines = OL.instruction_lines(self.spec)
        for r, text in enumerate(lines):
            if not text:
                continue
            bold = r == 0 or re.match(r"^\d\. ", text) is not None
            ws.write_string(r, 0, text, f.title if r == 0 else f.para_bold if bold else f.para)
            if r:
                ws.set_row(r, printing.row_height([(text, width)], font_size=11))
        last = self._progress_chart(wb, ws, f)
        widths = [width, *([PROGRESS_WIDTH] * (len(OL.PROGRESS_HEADERS) - 1) if last else [])]
        printing.page_setup(ws, self.page, widths, last_row=last or len(lines) - 1)

    def _progress_chart(self, wb: xlsxwriter.Workbook, ws: Worksheet, f: _OfficeFormats) -> int:
        """The office's progress table (``OL.progress_cells``) and a small chart of it below; returns the last row
        the chart covers (0: the office has no AO, so neither)."""
        cells = OL.progress_cells(self.spec)
        if not cells:
            return 0
        for (r, c), cs in cells.items():
            fmt = getattr(f, cs.style)
            if cs.kind == "formula":
                ws.write_formula(r, c, str(cs.value), fmt, cs.cached)
            else:
                ws.write_string(r, c, str(cs.value), fmt)
        ws.set_column(1, len(OL.PROGRESS_HEADERS) - 1, PROGRESS_WIDTH)
        header = OL.progress_row(self.spec) + 1
        last = max(r for r, _ in cells)
        chart = wb.add_chart({"type": "column"})
        for c, color in ((1, PROG_COLOR), (2, EJEC_COLOR)):
            chart.add_series({"name": [ws.name, header, c], "categories": [ws.name, header + 1, 0, last, 0],
                              "values": [ws.name, header + 1, c, last, c], "fill": {"color": color},
                              "border": {"color": "#595959"}})
        chart.set_title({"name": f"Programado y ejecutado – {self.spec.instancia}",
                         "name_font": {"size": 11, "bold": True, "color": "#1F4E78"}})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 480, "height": 260})
        ws.insert_chart(last + 2, 0, chart, {"object_position": 3})
        return last + 2 + CHART_ROWS

    def _data_sheet(self, ws: Worksheet, oei: Objetivo, f: _OfficeFormats) -> None:
        spec = self.spec
        c = self.cols
        for (r, col), text in OL.title_cells(spec, oei).items():
            fmt = f.title if r == OL.TITLE_ROW else f.subtitle if r == OL.SUBTITLE_ROW else f.note_line
            ws.write_string(r, col, text, fmt)
        texts = [c.justificacion(i) for i in spec.periodo.indexes()]
        widths = [9.0] * len(c.headers)
        widths[c.codigo], widths[c.actividad], widths[c.um], widths[c.estado] = 13, 44, 12, 16
        for col in texts:
            widths[col] = 50 if len(texts) == 1 else 40
        if c.anteriores is not None:
            widths[c.anteriores] = 45
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        ws.write_row(OL.HEADER_ROW, 0, c.headers, f.header)
        ws.set_row(OL.HEADER_ROW, printing.row_height(((h, widths[i]) for i, h in enumerate(c.headers)), minimum=30))
        ws.freeze_panes(OL.FIRST_DATA_ROW, c.actividad + 1)
        rows = OL.data_rows(oei)
        for row in rows:
            r = row.row_idx
            cells = OL.row_cells(spec, c, row, r)
            out: dict[int, RowCell] = {}  # blanks first, then the cells over them
            if row.ao is None:
                fill = f.oei_code if row.level == "OEI" else f.aei_code
                out.update((i, (i, "b", fill, None, "")) for i in range(len(c.headers)))
            else:
                out.update((c.ejec(i), (c.ejec(i), "b", f.number, None, "")) for i in range(c.n_base))
            out.update((col, _row_cell(col, cs, f)) for col, cs in cells.items())
            self.rows.write(ws, r, [out[k] for k in sorted(out)])
            for col, cs in cells.items():
                if cs.kind == "input":
                    self._validation(ws, r, col, cs)
            height = printing.row_height((cs.value, widths[col]) for col, cs in cells.items()
                                         if isinstance(cs.value, str) and cs.kind != "formula")
            if height > printing.DEFAULT_ROW:
                ws.set_row(r, height)
        last = rows[-1].row_idx if rows else OL.FIRST_DATA_ROW
        breaks = [c.prog(0), c.ejec(0), *((c.prog_p,) if c.helper else ()), c.avance, *texts,
                  *((c.anteriores,) if c.anteriores is not None else ())]
        printing.page_setup(ws, self.page, widths, last_row=last, title_rows=(OL.HEADER_ROW, OL.HEADER_ROW),
                            title_cols=c.actividad + 1, breaks=breaks)
        traffic_lights(ws, f"{to_a1(OL.FIRST_DATA_ROW, c.avance)}:{to_a1(last, c.avance)}", f)

    def _validation(self, ws: Worksheet, r: int, c: int, cs: OL.CellSpec) -> None:
        kind, idx = OL.parse_field(cs.field) or (OL.FIELD_EJECUTADO, 0)
        label = base_labels(self.spec.plan.periodicidad)[idx]
        opts: dict[str, Any]
        if kind == OL.FIELD_JUSTIFICACION:
            opts = {
                "validate": "length", "criteria": "<=", "value": OL.MAX_TEXT,
                "input_title": f"Justificación {label}",
                "input_message": f"Explique lo logrado en {label} y por qué lo ejecutado difiere de lo programado "
                                 "(obligatorio si difiere). Solo texto.",
                "error_title": "Texto demasiado largo",
                "error_message": f"La justificación admite hasta {OL.MAX_TEXT} caracteres.",
            }
        elif kind == OL.FIELD_EJECUCION:
            name = base_periods(self.spec.plan.anio, self.spec.plan.periodicidad)[idx].name
            opts = {
                "validate": "decimal", "criteria": ">=", "value": 0,
                "input_title": _clip(f"Ejecución acumulada {label}", 32),
                "input_message": _clip(f"Monto en soles ejecutado acumulado desde enero hasta el cierre de {name}. "
                                       "Solo el número, sin S/ ni separadores de miles.", 255),
                "error_title": "Monto no válido",
                "error_message": "Escriba un monto mayor o igual que 0, sin texto.",
            }
        else:
            unit = _clip(re.sub("[\x00-\x1f\ufffe\uffff]", " ", cs.unit), 80)  # (attributes cannot hold them)
            pct = rules.is_percent_unit(cs.unit)
            what = "número de 0 a 100, sin el símbolo %" if pct else "número mayor o igual que 0"
            opts = {
                "validate": "decimal",
                **({"criteria": "between", "minimum": 0, "maximum": 100} if pct else {"criteria": ">=", "value": 0}),
                "input_title": _clip(f"Ejecutado {label}", 32),
                "input_message": _clip(f"U.M.: {unit}. Escriba la cantidad ejecutada en {label} ({what}).", 255),
                "error_title": "Valor no válido",
                "error_message": _clip(f"Escriba un número {'de 0 a 100' if pct else 'mayor o igual que 0'}, en la "
                                       f"U.M. de la AO ({unit}).", 255),
            }
        ws.data_validation(r, c, r, c, opts)

    def _budget_sheet(self, ws: Worksheet, kind: str, lines: Sequence[LineaPresupuesto], f: _OfficeFormats) -> None:
        spec = self.spec
        headers = OL.budget_headers(spec)
        widths = [36, *(15,) * (len(headers) - 1)]
        ws.set_column(0, 0, widths[0])
        ws.set_column(1, len(headers) - 1, widths[1])
        for (r, c), text in OL.budget_title_cells(spec, kind).items():
            ws.write_string(r, c, text, f.title if r == 0 else f.note)
        ws.write_row(OL.BUDGET_HEADER_ROW, 0, headers, f.header)
        ws.set_row(OL.BUDGET_HEADER_ROW, printing.row_height(((h, widths[i]) for i, h in enumerate(headers)),
                                                             minimum=30))
        first = OL.BUDGET_HEADER_ROW + 1
        for k, line in enumerate(lines):
            r = first + k
            cells = OL.budget_line_cells(spec, line, r)
            self.rows.write(ws, r, [_row_cell(c, cells[c], f) if c in cells else (c, "b", f.money_ro, None, "")
                                    for c in range(len(headers))])
            for c, cs in cells.items():
                if cs.kind == "input":
                    self._validation(ws, r, c, cs)
            if (height := printing.row_height([(line.rubro, widths[0])])) > printing.DEFAULT_ROW:
                ws.set_row(r, height)
        r = first + len(lines)
        totals = OL.budget_total_cells(spec, lines, first, r)
        self.rows.write(ws, r, [_row_cell(c, totals[c], f) for c in sorted(totals)])
        printing.page_setup(ws, self.page, widths, last_row=r, title_rows=(OL.BUDGET_HEADER_ROW,) * 2,
                            title_cols=1)

    def _manifest(self, wb: xlsxwriter.Workbook, ws: Worksheet, meta: dict[str, str], f: _OfficeFormats) -> None:
        spec = self.spec
        n = spec.plan.n_periods
        ws.write_string(0, 0, "zedxl", f.meta)
        ws.write_string(0, 1, "Metadatos del libro de la instancia: no modifique esta hoja.", f.meta)
        r = 2
        ws.write_string(r, 0, OL.SECTION_META)
        for key in OL.META_KEYS:
            r += 1
            ws.write_string(r, 0, key)
            ws.write_string(r, 1, meta[key])
        for key in OL.RULE_KEYS:
            r += 1
            value = getattr(spec.plan.reglas, key)
            ws.write_row(r, 0, [key, None if value is None else float(value)])
            wb.define_name(L.RULE_NAMES[key], f"={quote_sheet(OL.SHEET_META)}!{to_a1(r, 1, absolute=True)}")
        r += 2
        ws.write_string(r, 0, OL.SECTION_ROWS)
        r += 1
        header = [*OL.ROWS_HEADER_FIXED, *(f"prog_{i}" for i in range(n)), *(f"ejec_{i}" for i in range(n)),
                  *(f"just_{i}" for i in range(n))]
        ws.write_row(r, 0, header)
        for oei in spec.plan.objetivos:
            sheet = L.sheet_of(spec.plan)(oei.codigo)
            for row in OL.data_rows(oei):
                r += 1
                ws.write_row(r, 0, [sheet, row.row_idx + 1, row.level, row.codigo, safe_text(row.nombre)])
                if (ao := row.ao) is not None:  # (write_row leaves None and "" unwritten)
                    ws.write_string(r, 5, safe_text(ao.unidad))
                    ws.write_row(r, 6, [*(float(v) for v in ao.programado),
                                        *(None if v is None else float(v) for v in ao.ejecutado),
                                        *(safe_text(text) for text in ao.justificacion)])
        r += 2
        ws.write_string(r, 0, OL.SECTION_INPUTS)
        r += 1
        ws.write_row(r, 0, OL.INPUTS_HEADER)
        for cell in OL.input_cells(spec):
            r += 1
            ws.write_row(r, 0, [cell.sheet, cell.cell, safe_text(cell.codigo), cell.field])
        r += 2
        ws.write_string(r, 0, OL.SECTION_BUDGET)
        r += 1
        ws.write_row(r, 0, [*OL.BUDGET_MANIFEST_HEADER, *(f"acum_{i}" for i in range(n))])
        for kind, lines in spec.budget_lines():
            for k, line in enumerate(lines):
                r += 1
                ws.write_row(r, 0, [OL.BUDGET_SHEETS[kind], OL.BUDGET_HEADER_ROW + 2 + k, safe_text(line.rubro)])
                for c, value in ((3, line.pia), (4, line.pim), *((5 + i, v) for i, v in enumerate(line.acumulado))):
                    if value is not None:
                        ws.write_number(r, c, float(value))
        r += 2
        ws.write_string(r, 0, OL.SECTION_END)
        ws.set_column(0, 0, 16)
        ws.set_column(1, 1, 40)


def write_office(spec: OL.OfficeSpec, target: Path | Any, key: bytes) -> None:
    """Write the office workbook for ``spec`` to ``target`` (path or binary file object), sealed with the master's
    ``key``."""
    OfficeWriter(spec, key).write(target)
