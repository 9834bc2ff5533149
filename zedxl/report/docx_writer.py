"""Write the *Informe de Evaluación* (.docx) with python-docx, in the structure of the hand-written seed report.

Layout choices: A4 portrait with 2 cm margins (17 cm of text width); every table has fixed column widths
that add up to at most the text width, a small font and repeated header rows; the annexes get a landscape
section when their grid is too wide for portrait (monthly plans). The contents page holds a Word TOC field
whose cached result is a static list of the headings, so it reads even if nobody updates the fields.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from zedxl import fmt, rules
from zedxl.evaluation import BudgetTable, IndicatorRow, OfficeTable
from zedxl.report import charts
from zedxl.report.content import (
    MAX_BODY_COLUMNS,
    NOUN,
    GridColumn,
    ReportContent,
    ao_progress_line,
    at_period,
    month_year,
    placeholder,
    short_code,
)

FONT = "Arial"
PAGE_W, PAGE_H = Cm(21.0), Cm(29.7)
MARGIN = Cm(2.0)
TEXT_W_CM = 17.0  # portrait text width
TEXT_W_LANDSCAPE_CM = 25.7
HEADER_FILL = "D9D9D9"
BAND_FILL = "F2F2F2"
TABLE_PT = 8
ANNEX_PT = 7
#: Annex grids with more numeric columns than this go to a landscape section.
MAX_PORTRAIT_COLUMNS = 8


# ---- low-level helpers ---------------------------------------------------------------------------------------
def _set_page(section: Any, landscape: bool = False) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (PAGE_H, PAGE_W) if landscape else (PAGE_W, PAGE_H)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, MARGIN)


def _shade(cell: Any, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def _row_flag(row: Any, tag: str) -> None:
    """Set a boolean row property: w:tblHeader (repeat on each page) or w:cantSplit."""
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement(tag)
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _cell_margins(table: Any, cm: float) -> None:
    tbl_pr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(int(cm * 567)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    tbl_pr.append(mar)


def _set_widths(table: Any, widths_cm: Sequence[float]) -> None:
    """Fixed layout: grid columns, every cell and the table width all say the same."""
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:w"), str(int(sum(widths_cm) * 567)))
    tbl_w.set(qn("w:type"), "dxa")
    for gc, w in zip(table._tbl.tblGrid.gridCol_lst, widths_cm, strict=True):
        gc.w = Cm(w)
    for row in table.rows:
        for idx, tc in enumerate(row._tr.tc_lst):
            span = tc.grid_span
            start = sum(int(t.grid_span) for t in row._tr.tc_lst[:idx])
            tc.width = Cm(sum(widths_cm[start:start + span]))


def _write(cell: Any, text: str, *, size: float = TABLE_PT, bold: bool = False, italic: bool = False,
           align: Any = None) -> Any:
    """Replace ``cell``'s text; lines of ``text`` become paragraphs."""
    lines = text.split("\n") if text else [""]
    first = cell.paragraphs[0]
    for p in cell.paragraphs[1:]:
        p._p.getparent().remove(p._p)
    for i, line in enumerate(lines):
        p = first if i == 0 else cell.add_paragraph()
        for r in list(p.runs):
            r._r.getparent().remove(r._r)
        run = p.add_run(line)
        run.font.size = Pt(size)
        run.bold = bold
        run.italic = italic
        p.paragraph_format.space_after = Pt(0)
        p.paragraph_format.space_before = Pt(0)
        p.paragraph_format.line_spacing = 1.0
        if align is not None:
            p.alignment = align
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    return cell


RIGHT = WD_ALIGN_PARAGRAPH.RIGHT
CENTER = WD_ALIGN_PARAGRAPH.CENTER


class _Writer:
    def __init__(self, content: ReportContent) -> None:
        self.c = content
        self.doc = Document()
        self.headings: list[tuple[int, str]] = []
        self.n_tables = 0
        self.n_charts = 0
        self._styles()

    # ---- styles and page ---------------------------------------------------------------------------------
    def _styles(self) -> None:
        styles = self.doc.styles
        normal = styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(10)
        normal.element.rPr.get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
        normal.paragraph_format.space_after = Pt(6)
        normal.paragraph_format.line_spacing = 1.1
        for name, size in (("Heading 1", 14), ("Heading 2", 12), ("Heading 3", 11), ("Heading 4", 10),
                           ("Title", 26), ("Subtitle", 16)):
            st = styles[name]
            st.font.name = FONT
            st.font.size = Pt(size)
            st.font.color.rgb = RGBColor(0, 0, 0)
            st.font.bold = name != "Subtitle"
            st.font.italic = False
            rfonts = st.element.rPr.get_or_add_rFonts()
            for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                rfonts.set(qn(attr), FONT)
            for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                rfonts.attrib.pop(qn(attr), None)
            if name.startswith("Heading"):
                st.paragraph_format.space_before = Pt(12 if name == "Heading 1" else 8)
                st.paragraph_format.space_after = Pt(6)
                st.paragraph_format.keep_with_next = True
        cap = styles["Caption"]
        cap.font.name = FONT
        cap.font.size = Pt(9)
        cap.font.bold = True
        cap.font.italic = False
        cap.font.color.rgb = RGBColor(0, 0, 0)
        cap.paragraph_format.keep_with_next = True
        cap.paragraph_format.space_before = Pt(6)
        cap.paragraph_format.space_after = Pt(3)
        ppr = styles["Title"].element.pPr  # the default template's Title has a border we do not want
        if ppr is not None:
            for bdr in ppr.findall(qn("w:pBdr")):
                ppr.remove(bdr)

    def _footer(self, section: Any) -> None:
        section.different_first_page_header_footer = True
        p = section.footer.paragraphs[0]
        p.alignment = CENTER
        run = p.add_run(f"{self.c.plan.sigla} – {self.c.title} – POI {self.c.plan.anio} – Página ")
        run.font.size = Pt(8)
        _field_begin(p, "PAGE")
        p.add_run("1")
        _fld_char(p, "end")
        for r in p.runs:
            r.font.size = Pt(8)

    # ---- text --------------------------------------------------------------------------------------------
    def heading(self, text: str, level: int) -> Any:
        self.headings.append((level, text))
        return self.doc.add_heading(text, level)

    def para(self, text: str, *, bold: bool = False, italic: bool = False, size: float | None = None,
             align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY, keep: bool = False, style: str | None = None) -> Any:
        p = self.doc.add_paragraph(style=style)
        run = p.add_run(text)
        run.bold = bold
        run.italic = italic
        if size:
            run.font.size = Pt(size)
        if align is not None:
            p.alignment = align
        if keep:
            p.paragraph_format.keep_with_next = True
        return p

    def pending(self, what: str) -> Any:
        """A visible «[Pendiente: …]» paragraph (italic, highlighted) where text is still to be written."""
        p = self.para(placeholder(what), italic=True)
        p.runs[0].font.highlight_color = WD_COLOR_INDEX.YELLOW
        return p

    def prose(self, text: str, missing: str) -> None:
        """Narrative text (blank lines separate paragraphs; '- ' lines are bullets) or the placeholder."""
        text = text.strip()
        if not text:
            self.pending(missing)
            return
        for line in text.splitlines():
            line = line.strip()
            if not line:
                continue
            if line.startswith(("- ", "• ")):
                self.para(line[2:].strip(), style="List Bullet")
            else:
                self.para(line)

    def caption(self, kind: str, text: str) -> Any:
        if kind == "Cuadro":
            self.n_tables += 1
            number = self.n_tables
        else:
            self.n_charts += 1
            number = self.n_charts
        return self.doc.add_paragraph(f"{kind} N° {number}: {text}", style="Caption")

    def note(self, text: str) -> Any:
        p = self.para(text, italic=True, size=8, align=WD_ALIGN_PARAGRAPH.LEFT)
        p.paragraph_format.space_before = Pt(2)
        return p

    def image(self, png: bytes | None, title: str, width_cm: float = 15.0) -> None:
        if png is None:
            return
        self.caption("Gráfico", title)
        self.doc.add_picture(io.BytesIO(png), width=Cm(width_cm))
        self.doc.paragraphs[-1].alignment = CENTER

    # ---- tables ------------------------------------------------------------------------------------------
    def table(self, n_rows: int, widths: Sequence[float], *, header_rows: int = 1, tight: bool = False,
              heads: Sequence[str] = ()) -> Any:
        """A grid table, its header rows shaded and repeated on each page; ``heads`` written in the first row."""
        t = self.doc.add_table(rows=n_rows, cols=len(widths))
        t.style = self.doc.styles["Table Grid"]
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        if tight:
            _cell_margins(t, 0.06)
        for i, row in enumerate(t.rows):
            _row_flag(row, "w:cantSplit")
            if i < header_rows:
                _row_flag(row, "w:tblHeader")
                for cell in row.cells:
                    _shade(cell, HEADER_FILL)
        for cell, h in zip(t.rows[0].cells, heads, strict=False):  # no heads: nothing written
            _write(cell, h, bold=True, align=CENTER)
        return t

    def spacer(self) -> None:
        p = self.doc.add_paragraph()
        p.paragraph_format.space_after = Pt(2)

    # ---- document parts ------------------------------------------------------------------------------------
    def cover(self) -> None:
        c = self.c
        for _ in range(5):
            self.doc.add_paragraph()
        self.para(c.plan.entidad, bold=True, size=22, align=CENTER)
        self.para(c.plan.sigla, bold=True, size=18, align=CENTER)
        for _ in range(3):
            self.doc.add_paragraph()
        self.para(c.title, bold=True, size=24, align=CENTER)
        self.para("Plan Operativo Institucional", bold=True, size=18, align=CENTER)
        self.para(str(c.plan.anio), bold=True, size=18, align=CENTER)
        if c.period.kind != "A":
            self.para(c.period.name, size=14, align=CENTER)
        for _ in range(8):
            self.doc.add_paragraph()
        self.para(month_year(c.fecha), size=14, align=CENTER)
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def contents_anchor(self) -> Any:
        self.para("Contenidos", bold=True, size=14, align=WD_ALIGN_PARAGRAPH.LEFT)
        self.para("(Índice generado por zedxl; en Word, clic derecho → «Actualizar campos» añade los números "
                  "de página.)", italic=True, size=8, align=WD_ALIGN_PARAGRAPH.LEFT)
        anchor = self.doc.add_paragraph()
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        return anchor

    def fill_contents(self, anchor: Any) -> None:
        """Replace ``anchor`` by a TOC field whose cached result is the static list of level 1-2 headings."""
        entries = [(lvl, text) for lvl, text in self.headings if lvl <= 2]
        paragraphs = []
        for lvl, text in entries:
            p = self.doc.add_paragraph()  # created at the end, then moved before the anchor
            p.paragraph_format.left_indent = Cm(0.0 if lvl == 1 else 0.8)
            p.paragraph_format.space_after = Pt(2)
            paragraphs.append((p, text, lvl))
        first, last = paragraphs[0][0], paragraphs[-1][0]
        for p, text, lvl in paragraphs:
            if p is first:
                _field_begin(p, 'TOC \\o "1-2" \\h \\z \\u')
            run = p.add_run(text)
            run.bold = lvl == 1
            run.font.size = Pt(10)
            if p is last:
                _fld_char(p, "end")
            anchor._p.addprevious(p._p)
        anchor._p.getparent().remove(anchor._p)

    def indicator_table(self) -> None:
        c = self.c
        rows = c.ev.indicators
        self.caption("Cuadro", "Avance de Resultados de OEI y AEI – Respecto de Indicadores de Resultados Anuales")
        widths = [1.8, 7.3, 2.3, 1.6, 2.0, 2.0]
        t = self.table(1 + len(rows), widths, heads=("Cód.", "Descripción e indicador", "U. Medida", "Meta anual",
                                                     "Ejecutado", "Avance %*"))
        for row, ind in zip(t.rows[1:], rows, strict=True):
            self._indicator_row(row, ind)
        _set_widths(t, widths)
        self.note("* Avance respecto de la meta anual: la medición de los Objetivos y Acciones Estratégicas se "
                  "realiza en referencia a lo programado para el año, aunque lo alcanzado sea coherente con lo "
                  "planificado para el periodo. «no medido aún»: el indicador todavía no tiene medición en este "
                  "periodo.")

    def _indicator_row(self, row: Any, ind: IndicatorRow) -> None:
        bold = ind.nivel == "OEI"
        cells = row.cells
        _write(cells[0], ind.codigo, bold=bold)
        _write(cells[1], f"{ind.nombre}\nIndicador: {ind.indicador}", bold=False)
        cells[1].paragraphs[0].runs[0].bold = bold
        cells[1].paragraphs[1].runs[0].italic = True
        _write(cells[2], ind.unidad, align=CENTER)
        _write(cells[3], fmt.qty(ind.meta_anual, "—"), align=RIGHT)
        if ind.ejecutado is None:
            merged = cells[4].merge(cells[5])
            _write(merged, rules.NO_MEDIDO, italic=True, align=CENTER)
        else:
            _write(cells[4], fmt.qty(ind.ejecutado), align=RIGHT)
            _write(cells[5], fmt.pct(ind.avance, "—"), align=RIGHT)
        if bold:
            for cell in row.cells:
                _shade(cell, BAND_FILL)

    def office_table(self, table: OfficeTable, columns: Sequence[GridColumn], title: str,
                     width_cm: float = TEXT_W_CM) -> None:
        self.caption("Cuadro", title)
        n = len(columns)
        total_w = 2.4  # room for "Avance Semestral"
        num_w = min(1.6, (width_cm - 4.4 - total_w) / max(1, n - 1))
        widths = [1.9, 2.5] + [num_w] * (n - 1) + [total_w]
        body = [*table.rows, table.total]
        t = self.table(2 + 2 * len(body), widths, header_rows=2)
        h0, h1 = t.rows[0].cells, t.rows[1].cells
        _write(h0[0].merge(h1[0]), "Instancia", bold=True, align=CENTER)
        _write(h0[1].merge(h1[1]), "Concepto", bold=True, align=CENTER)
        self._group_headers(t, 2, columns)
        for i, office in enumerate(body):
            r_p, r_e = t.rows[2 + 2 * i], t.rows[3 + 2 * i]
            is_total = office is table.total
            name = "Totales" if is_total else office.instancia
            _write(r_p.cells[0].merge(r_e.cells[0]), name, bold=True, align=CENTER)
            _write(r_p.cells[1], "Programado", bold=is_total)
            _write(r_e.cells[1], "Ejecutado", bold=is_total)
            for j in range(n):
                _write(r_p.cells[2 + j], fmt.num1(office.programado[j]), align=RIGHT, bold=is_total)
                _write(r_e.cells[2 + j], fmt.num1(office.ejecutado[j]), align=RIGHT, bold=is_total)
            if is_total:
                for cell in (*r_p.cells, *r_e.cells):
                    _shade(cell, BAND_FILL)
        for row in t.rows[:-1]:  # a short table on one page: every paragraph but the last row's keeps with the next
            for cell in row.cells:
                for p in cell.paragraphs:
                    p.paragraph_format.keep_with_next = True
        _set_widths(t, widths)

    def _group_headers(self, t: Any, first: int, columns: Sequence[GridColumn], size: float = TABLE_PT) -> None:
        """Two header rows: merged group titles (Trimestre, Semestre…) over the column labels (I, II…)."""
        h0, h1 = t.rows[0].cells, t.rows[1].cells
        j = 0
        while j < len(columns):
            k = j
            while k + 1 < len(columns) and columns[k + 1].group == columns[j].group:
                k += 1
            top = h0[first + j] if k == j else h0[first + j].merge(h0[first + k])
            if k == j and columns[j].label == "Total":  # a lone total column: one merged header
                _write(top.merge(h1[first + j]), columns[j].group, bold=True, align=CENTER, size=size)
            else:
                _write(top, columns[j].group, bold=True, align=CENTER, size=size)
                for m in range(j, k + 1):
                    _write(h1[first + m], columns[m].label, bold=True, align=CENTER, size=size)
            j = k + 1

    def budget_table(self, table: BudgetTable, title: str, first_header: str) -> None:
        self.caption("Cuadro", title)
        widths = [6.0, 2.6, 2.6, 3.0, 2.8]
        body = [table.total, *table.lineas]
        t = self.table(1 + len(body), widths, heads=(first_header, "PIA (S/)", "PIM (S/)",
                                                     f"Ejecución {self.c.plan.anio} (S/)",
                                                     "% de avance con relación al PIM"))
        for row, line in zip(t.rows[1:], body, strict=True):
            total = line is table.total
            _write(row.cells[0], line.rubro, bold=total)
            figures = [fmt.money(v, symbol=False) for v in (line.pia, line.pim, line.ejecucion)]
            for cell, text in zip(row.cells[1:], [*figures, fmt.pct(line.avance)], strict=True):
                _write(cell, text, align=RIGHT, bold=total)
            if total:
                for cell in row.cells:
                    _shade(cell, BAND_FILL)
        _set_widths(t, widths)

    def ao_list_table(self, codes: Sequence[str]) -> None:
        """Section II table of an AEI: code, activity, office, unit, P, E, progress, status."""
        rows = [r for r in self.c.ev.aos if r.codigo in codes]
        widths = [2.2, 4.5, 1.35, 2.25, 1.3, 1.3, 1.5, 2.6]
        t = self.table(1 + len(rows), widths,
                       heads=("Código", "Actividad Operativa", "Resp.", "U.M.", "Prog.", "Ejec.", "Av. %", "Estado"))
        aligns = (None, None, CENTER, CENTER, RIGHT, RIGHT, RIGHT, CENTER)
        for row, ao in zip(t.rows[1:], rows, strict=True):
            texts = (ao.codigo, ao.nombre, ao.instancia, ao.unidad, fmt.qty(ao.programado), fmt.qty(ao.ejecutado, "—"),
                     fmt.pct(ao.avance, "—"), ao.estado)
            for cell, text, align in zip(row.cells, texts, aligns, strict=True):
                _write(cell, text, align=align)
        _set_widths(t, widths)

    def annex_table(self, rows: Sequence[Any], width_cm: float) -> None:
        """Anexo 01 grid of one AEI: one row per AO, its programmed and executed values as two lines per cell.

        One row (not a pair of rows) per AO keeps both lines on the same page: rows never split.
        """
        cols = self.c.annex_columns
        n = len(cols)
        num_w = 0.95
        fixed = [2.0, 1.6, 1.1, 1.2]
        widths = [fixed[0], width_cm - sum(fixed) - num_w * n, *fixed[1:], *([num_w] * n)]
        t = self.table(2 + len(rows), widths, header_rows=2, tight=True)
        h0, h1 = t.rows[0].cells, t.rows[1].cells
        for j, h in enumerate(("Cód.", "Actividad Operativa", "U.M.", "Resp.", "Progr. / Ejecut.")):
            _write(h0[j].merge(h1[j]), h, bold=True, align=CENTER, size=ANNEX_PT)
        self._group_headers(t, 5, cols, size=ANNEX_PT)
        for row, ao in zip(t.rows[2:], rows, strict=True):
            cells = row.cells
            for j, text in enumerate((ao.codigo, ao.nombre, ao.unidad, ao.instancia)):
                _write(cells[j], text, size=ANNEX_PT, align=None if j == 1 else CENTER)
            _write(cells[4], "Progr.\nEjecut.", size=ANNEX_PT)
            for j in range(n):
                _write(cells[5 + j], f"{fmt.qty(ao.programado[j], '–')}\n{fmt.qty(ao.ejecutado[j], '–')}",
                       size=ANNEX_PT,
                       align=RIGHT, bold=cols[j].label in ("Sem.", "Total"))
        _set_widths(t, widths)

    # ---- the report ------------------------------------------------------------------------------------------
    def build(self) -> None:
        c, ev = self.c, self.c.ev
        _set_page(self.doc.sections[0])
        self._footer(self.doc.sections[0])
        self.cover()
        anchor = self.contents_anchor()

        self.heading("I. Resumen ejecutivo", 1)
        self.para(c.intro())
        self.heading("1.1. Problemática identificada", 2)
        self.prose(c.narrative("problematica"),
                   "describir la problemática identificada en el periodo (hoja Narrativa del maestro, "
                   "campo «problemática»).")
        self.heading("1.2. Principales Acciones Desplegadas y Logros Alcanzados", 2)
        self.prose(c.narrative("logros"),
                   "describir las principales acciones desplegadas y logros alcanzados (hoja Narrativa del "
                   "maestro, campo «logros»).")
        if ev.indicators:
            self.indicator_table()

        self.heading("1.3. A Nivel de Metas Programadas", 2)
        self.para(f"El nivel de avance alcanzado {at_period(c.period)} se muestra en el siguiente cuadro:")
        self.office_table(c.body_offices, c.body_office_columns,
                          "Programación y Avance de Actividades Operativas por Instancia")
        if c.body_offices is not ev.offices:
            self.note("Por trimestre; el detalle mensual figura en el Anexo 02.")
        self.spacer()
        self.para(c.office_sentence())
        if not c.all_unreported:
            self.para("El avance se soporta en el esfuerzo articulado de todas las instancias de organización "
                      "interna, liderando cada Actividad Operativa una instancia responsable.")
        self.note("La suma por instancia agrega cantidades de unidades de medida distintas, como en el Anexo 02.")
        self.image(charts.office_chart(c), f"Metas programadas y ejecutadas por instancia – {c.period.name}")

        self.heading("1.4. Al nivel de Presupuesto Institucional", 2)
        intro = c.budget_intro()
        if intro is None:
            self.pending("registrar el presupuesto (PIA, PIM y ejecución) en las hojas Ingresos y Gastos del "
                         "maestro.")
        else:
            self.para(intro)
        for table, kind, first_header, lead in (
                (ev.ingresos, "ingresos", "Categoría",
                 f"En el siguiente cuadro se puede observar la ejecución de ingresos {at_period(c.period)}:"),
                (ev.gastos, "egresos", "Categoría del Gasto",
                 "La ejecución de los egresos se aprecia en el cuadro que se presenta a continuación:")):
            if table.lineas:
                self.heading(f"{kind.capitalize()} Presupuestarios", 3)
                self.para(lead, keep=True)
                self.budget_table(table, f"Ejecución de {kind} presupuestarios {c.plan.anio}", first_header)
                self.spacer()
                self.para(c.budget_sentence(table, kind))
        self.image(charts.budget_chart(c), f"Ejecución presupuestal respecto del PIM – {c.period.name}")

        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        self.heading("II. Análisis del cumplimiento de las Actividades Operativas", 1)
        self.heading("2.1. Análisis de implementación", 2)
        self.para(c.status_sentence())
        self.image(charts.status_chart(c), f"Estado de las Actividades Operativas por OEI – {c.period.name}")
        self.section_two()
        self.heading("2.2. Medidas adoptadas para la Mejora Continua", 2)
        self.prose(c.narrative("medidas"),
                   "describir las medidas adoptadas para la mejora continua (hoja Narrativa del maestro, campo "
                   "«medidas»).")

        self.annexes()
        self.fill_contents(anchor)

    def section_two(self) -> None:
        c = self.c
        by_code = {r.codigo: r for r in c.ev.aos}
        for oei in c.plan.objetivos:
            self.heading(f"Objetivo Estratégico Institucional {short_code(oei.codigo)}", 3)
            t = self.table(2 if oei.indicador else 1, [3.0, 14.0], header_rows=0)
            _write(t.rows[0].cells[0], oei.codigo, bold=True)
            _write(t.rows[0].cells[1], oei.nombre, bold=True)
            if oei.indicador:
                _write(t.rows[1].cells[0], f"IND.01.{oei.codigo}")
                _write(t.rows[1].cells[1], oei.indicador.nombre)
            _set_widths(t, [3.0, 14.0])
            self.spacer()
            self.para(c.oei_sentence(oei))
            for aei in oei.acciones:
                self.heading(f"Acción Estratégica Institucional {short_code(aei.codigo)}:", 4)
                self.para(aei.nombre, keep=True)
                if aei.indicador:
                    self.para(f"Indicador: {aei.indicador.nombre}", italic=True, keep=True)
                self.ao_list_table([ao.codigo for ao in aei.actividades])
                self.spacer()
                for ao in aei.actividades:
                    row = by_code[ao.codigo]
                    self.para(f"Actividad Operativa {short_code(ao.codigo)}:", bold=True, keep=True)
                    self.para(ao.nombre, keep=True)
                    self.para(ao_progress_line(row, c.period), bold=True, italic=True, keep=True)
                    self.prose(row.justificacion,
                               f"la instancia {ao.instancia} debe registrar la justificación de la "
                               f"{ao.codigo} (logros, limitaciones y medidas) en el maestro.")

    def annexes(self) -> None:
        c = self.c
        wide = len(c.annex_columns) > MAX_PORTRAIT_COLUMNS or len(c.office_columns) > MAX_BODY_COLUMNS
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        _set_page(section, landscape=wide)
        section.different_first_page_header_footer = False  # only the cover goes without footer
        width = TEXT_W_LANDSCAPE_CM if wide else TEXT_W_CM
        self.heading(c.annex01_title, 1)
        self.para(f"Unidad Ejecutora: {c.plan.sigla}", align=WD_ALIGN_PARAGRAPH.LEFT)
        self.para(f"Periodo evaluado: {c.period.name}. Programado del año completo; ejecutado según lo "
                  f"reportado hasta el cierre del periodo.", align=WD_ALIGN_PARAGRAPH.LEFT)
        for obj in c.annex:
            self.heading(f"{obj.objetivo.codigo}: {obj.objetivo.nombre}", 2)
            for block in obj.blocks:
                self.caption("Cuadro", f"{block.accion.codigo} {block.accion.nombre}")
                self.annex_table(block.rows, width)
                self.spacer()

        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        self.heading(c.annex02_title, 1)
        self.office_table(c.ev.offices, c.office_columns, "Actividades Operativas por Instancia Responsable",
                          width_cm=width)
        self.spacer()
        noun = f"el {NOUN[c.period.kind]}"
        total = c.ev.offices.total
        self.para(f"Total de metas programadas en {noun}: {fmt.num1(total.programado[-1])}", bold=True,
                  align=WD_ALIGN_PARAGRAPH.LEFT)
        self.para(f"Total de metas ejecutadas en {noun}: {fmt.num1(total.ejecutado[-1])}", bold=True,
                  align=WD_ALIGN_PARAGRAPH.LEFT)

    def save(self, path: Path) -> None:
        self.doc.core_properties.title = f"{self.c.title} – {self.c.subtitle}"
        self.doc.core_properties.subject = f"{self.c.plan.sigla} – {self.c.period.name}"
        self.doc.core_properties.author = self.c.plan.sigla
        self.doc.core_properties.language = "es-PE"
        self.doc.save(str(path))


def _fld_char(paragraph: Any, kind: str) -> None:
    el = OxmlElement("w:fldChar")
    el.set(qn("w:fldCharType"), kind)
    paragraph.add_run()._r.append(el)


def _field_begin(paragraph: Any, instruction: str) -> None:
    """Open a complex field (PAGE, TOC …): what is added until its "end" fldChar is its shown result."""
    _fld_char(paragraph, "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    paragraph.add_run()._r.append(instr)
    _fld_char(paragraph, "separate")


def write_docx(content: ReportContent, path: Path) -> None:
    """Write the Word report for ``content`` to ``path``."""
    writer = _Writer(content)
    writer.build()
    writer.save(Path(path))


