"""Write the *Reporte de seguimiento* workbook (Anexo 01 and Anexo 02) with XlsxWriter, for the transparency portal.

Quantities are written as numbers (not text) so the portal's users can filter and sum them; every text goes
through ``safe_text`` and ``write_string``, so nothing a user typed can become a formula.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from zedxl.a1 import clean_sheet_name
from zedxl.report.content import GridColumn, ReportContent
from zedxl.xlsx import printing
from zedxl.xlsx.text import safe_text

SHEET_ANEXO01 = clean_sheet_name("Anexo 01")
SHEET_ANEXO02 = clean_sheet_name("Anexo 02")


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base = {"font_name": "Arial", "font_size": 9, "valign": "vcenter", "border": 1}
        self.title = wb.add_format({"font_name": "Arial", "bold": True, "font_size": 12})
        self.subtitle = wb.add_format({"font_name": "Arial", "font_size": 10})
        self.head = wb.add_format({**base, "bold": True, "align": "center", "text_wrap": True,
                                   "bg_color": "#D9D9D9"})
        self.oei = wb.add_format({**base, "bold": True, "bg_color": "#D9D9D9"})
        self.aei = wb.add_format({**base, "bold": True, "italic": True, "bg_color": "#F2F2F2"})
        self.text = wb.add_format({**base, "text_wrap": True})
        self.center = wb.add_format({**base, "align": "center", "text_wrap": True})
        # quantities as typed: 1, 0.2, 4.2 (General: a count never shows as «1.0»)
        self.num = wb.add_format({**base, "num_format": "General"})
        self.num_bold = wb.add_format({**base, "num_format": "General", "bold": True})
        self.pct = wb.add_format({**base, "num_format": "0.00"})
        self.total_text = wb.add_format({**base, "bold": True, "bg_color": "#F2F2F2"})
        self.total_num = wb.add_format({**base, "bold": True, "bg_color": "#F2F2F2", "num_format": "0.0"})
        self.office_num = wb.add_format({**base, "num_format": "0.0"})


def _s(ws: Any, row: int, col: int, text: str, fmt: Any = None) -> None:
    ws.write_string(row, col, safe_text(text), fmt)


def _n(ws: Any, row: int, col: int, value: Decimal | None, fmt: Any) -> None:
    if value is None:
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_number(row, col, float(value), fmt)


def _group_headers(ws: Any, row: int, first: int, cols: Sequence[GridColumn], f: _Formats) -> None:
    j = first
    for group, same in itertools.groupby(cols, key=lambda col: col.group):
        members = list(same)
        end = j + len(members) - 1
        if len(members) == 1 and members[0].label == "Total":  # a lone total column: one merged header
            ws.merge_range(row, j, row + 1, j, safe_text(group), f.head)
        else:
            if end > j:
                ws.merge_range(row, j, row, end, safe_text(group), f.head)
            else:
                _s(ws, row, j, group, f.head)
            for m, col in enumerate(members):
                _s(ws, row + 1, j + m, col.label, f.head)
        j = end + 1


def _sheet(wb: xlsxwriter.Workbook, name: str, title: str, subtitle: str, heads: Sequence[str],
           cols: Sequence[GridColumn], widths: Sequence[float], f: _Formats, tail: Sequence[str] = ()) -> Any:
    """A sheet with its title, subtitle, two header rows (``heads`` and ``tail`` before and after the grid's
    columns, merged over both) and column ``widths``."""
    ws = wb.add_worksheet(name)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    _s(ws, 0, 0, title, f.title)
    _s(ws, 1, 0, subtitle, f.subtitle)
    for j, h in enumerate(heads):
        ws.merge_range(3, j, 4, j, h, f.head)
    _group_headers(ws, 3, len(heads), cols, f)
    for j, h in enumerate(tail, start=len(heads) + len(cols)):
        ws.merge_range(3, j, 4, j, h, f.head)
    ws.set_row(4, printing.row_height(((h, widths[j]) for j, h in enumerate(heads)), font_size=9, minimum=26) / 2)
    return ws


def _page(c: ReportContent) -> printing.PageText:
    return printing.PageText(f"{c.plan.entidad} ({c.plan.sigla})", f"Reporte de seguimiento del POI {c.plan.anio}",
                             "todas", c.period.name)


def _anexo01(wb: xlsxwriter.Workbook, c: ReportContent, f: _Formats) -> None:
    cols = c.annex_columns
    heads = ("Código", "Actividad Operativa", "U.M.", "Instancia responsable", "Progr. / Ejecut.")
    tail = (f"% avance {c.period.short}",)
    pct_col = len(heads) + len(cols)
    widths = [13, 44, 13, 11, 10, *(7,) * len(cols), 9]
    pei = f" – Período PEI: {c.pei_period}" if c.pei_period else ""
    ws = _sheet(wb, SHEET_ANEXO01, c.annex01_title, f"{c.plan.entidad} ({c.plan.sigla}){pei} – Periodo evaluado: "
                f"{c.period.name} – {c.annex_coverage()}", heads, cols, widths, f, tail)
    avance = {row.codigo: row.avance for row in c.ev.aos}
    heights = [printing.DEFAULT_ROW] * 5
    blocks: list[int] = []
    heading: int | None = None  # a heading row prints on the page of the first AO under it

    def merged_heading(r: int, text: str, fmt: Any) -> None:
        nonlocal heading
        ws.merge_range(r, 0, r, pct_col, safe_text(text), fmt)
        heights.append(printing.row_height([(text, sum(widths))], font_size=9))
        ws.set_row(r, heights[-1])
        heading = r if heading is None else heading

    r = 5
    for oei in c.plan.objetivos:
        merged_heading(r, f"{oei.codigo}: {oei.nombre}", f.oei)
        r += 1
        for aei in oei.acciones:
            merged_heading(r, f"{aei.codigo} {aei.nombre}", f.aei)
            r += 1
            for ao in (c.annex[a.codigo] for a in aei.actividades):
                # a reprogrammed AO: its original programming on a line of its own, above the current one
                lines = [*((("Progr. orig.", ao.original),) if ao.original else ()), ("Progr.", ao.programado),
                         ("Ejecut.", ao.ejecutado)]
                end = r + len(lines) - 1
                for j, text in enumerate((ao.codigo, ao.nombre, ao.unidad, ao.instancia)):
                    ws.merge_range(r, j, end, j, safe_text(text), f.text if j == 1 else f.center)
                value = avance.get(ao.codigo)
                ws.merge_range(r, pct_col, end, pct_col, None, f.pct)
                if value is not None:
                    ws.write_number(r, pct_col, float(value), f.pct)
                for k, (label, values) in enumerate(lines):
                    _s(ws, r + k, 4, label, f.center)
                    for m, col in enumerate(cols):
                        _n(ws, r + k, len(heads) + m, values[m], f.num_bold if col.label in ("Sem.", "Total")
                           else f.num)
                # merged cells never grow to fit: the block's rows share the height its longest text needs
                need = printing.row_height([(ao.nombre, widths[1]), (ao.unidad, widths[2])], font_size=9)
                for k in range(len(lines)):
                    heights.append(max(printing.DEFAULT_ROW, round(need / len(lines) + 0.05, 1)))
                    ws.set_row(r + k, heights[-1])
                blocks.append(r if heading is None else heading)
                heading = None
                r += len(lines)
    ws.freeze_panes(5, 2)
    printing.page_setup(ws, _page(c), widths, last_row=r - 1, title_rows=(3, 4), title_cols=2,
                        row_heights=heights, blocks=blocks)


def _anexo02(wb: xlsxwriter.Workbook, c: ReportContent, f: _Formats) -> None:
    table = c.ev.offices
    cols = c.office_columns
    widths = [11, 42, 12, *(9,) * len(cols)]
    ws = _sheet(wb, SHEET_ANEXO02, c.annex02_title, f"{c.plan.entidad} ({c.plan.sigla}) – suma simple de las metas "
                "de las AO de cada instancia", ("Instancia", "Nombre", "Concepto"), cols, widths, f)
    heights = [printing.DEFAULT_ROW] * 5
    r = 5
    for office in (*table.rows, table.total):
        total = office is table.total
        text_fmt = f.total_text if total else f.center
        num_fmt = f.total_num if total else f.office_num
        ws.merge_range(r, 0, r + 1, 0, "Totales" if total else safe_text(office.instancia), text_fmt)
        ws.merge_range(r, 1, r + 1, 1, "" if total else safe_text(office.nombre),
                       f.total_text if total else f.text)
        _s(ws, r, 2, "Programado", text_fmt)
        _s(ws, r + 1, 2, "Ejecutado", text_fmt)
        for m in range(len(cols)):
            _n(ws, r, 3 + m, office.programado[m], num_fmt)
            _n(ws, r + 1, 3 + m, office.ejecutado[m], num_fmt)
        need = printing.row_height([("" if total else office.nombre, widths[1])], font_size=9)
        for k in range(2):
            heights.append(max(printing.DEFAULT_ROW, round(need / 2 + 0.05, 1)))
            ws.set_row(r + k, heights[-1])
        r += 2
    ws.freeze_panes(5, 1)
    printing.page_setup(ws, _page(c), widths, last_row=r - 1, title_rows=(3, 4), title_cols=2,
                        row_heights=heights, blocks=range(5, r, 2))


def write_xlsx(content: ReportContent, path: Path) -> None:
    """Write the follow-up workbook (sheets «Anexo 01» and «Anexo 02») to ``path``."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"title": content.annex01_title, "author": content.plan.sigla,
                       "subject": content.period.name})
    f = _Formats(wb)
    _anexo01(wb, content, f)
    _anexo02(wb, content, f)
    wb.close()
