"""Write the *Informe de Evaluación* (.docx), in the structure of the hand-written seed report.

Layout choices: A4 portrait with 2 cm margins (17 cm of text width); every table has fixed column widths
that add up to at most the text width, a small font and repeated header rows, and a «Cuadro N° k» caption; the
annexes are a landscape section (25.7 cm). The contents page holds a Word TOC field whose cached result is the
static list of the headings; Word updates it on opening (``w:updateFields``) and ``zedxl.libreoffice.export_pdf``
before the PDF, so both show page numbers. Texts the planner writes (titles, introduction, comments, signatures,
office, logo) come from the plan's Narrativa; one still missing is listed by ``ReportContent.pendientes`` and
marked in the document only in a draft (``borrador``).

python-docx makes the package through its public API (styles, both sections, the footer part, the pictures' parts,
properties) with marker paragraphs where the footer's text and each section's body go. The body is written by
``wordml`` in one pass into a temporary file (the contents page, listing the headings met, is written last) and
spliced in place of the markers.
"""

from __future__ import annotations

import functools
import io
import itertools
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.image.exceptions import UnrecognizedImageError
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

from zedxl import fmt, rules
from zedxl.errors import ZedxlError
from zedxl.evaluation import BudgetTable, IndicatorRow, OfficeTable
from zedxl.periods import MONTH_NAMES, base_periods
from zedxl.report import charts
from zedxl.report import wordml as w
from zedxl.report.content import (
    BUDGET_TODO,
    NOUN,
    AnnexRow,
    GridColumn,
    Modification,
    ReportContent,
    ao_progress_line,
    at_period,
    justification_todo,
    modifications,
    month_year,
    narrative_todo,
    placeholder,
    short_code,
    signatures,
)

#: What a final report says under a section whose text was never written (a draft marks it instead).
NOT_WRITTEN = "Sin información registrada para el periodo."

FONT = "Arial"
PAGE_W, PAGE_H = Cm(21.0), Cm(29.7)
MARGIN = Cm(2.0)
TEXT_W_CM = 17.0  # portrait text width
TEXT_W_LANDSCAPE_CM = 25.7
HEADER_FILL = "D9D9D9"
BAND_FILL = "F2F2F2"
TABLE_PT = 8
ANNEX_PT = 7
#: Marker paragraphs python-docx writes where wordml's footer text and bodies go.
FOOTER_MARK, BODY_MARK, ANNEX_MARK = "zedxl:pie-de-pagina", "zedxl:cuerpo", "zedxl:anexos"
LEFT, CENTER, RIGHT, JUSTIFY = "left", "center", "right", "both"


def _set_page(section: Any, landscape: bool = False) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (PAGE_H, PAGE_W) if landscape else (PAGE_W, PAGE_H)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, MARGIN)


@functools.lru_cache(maxsize=4096)  # figures repeat: most annex cells hold one of a few hundred texts
def _lines(text: str, *, size: float = TABLE_PT, bold: bool = False, italic: bool = False,
           align: str | None = None, keep: bool = False) -> str:
    """A cell's paragraphs: one per line of ``text``."""
    return "".join(w.paragraph(w.run(line, bold=bold, italic=italic, size=size), keep=keep, after=0, before=0,
                               line=1.0, align=align) for line in (text.split("\n") if text else [""]))


CELL_PAD_CM = 0.5  # a cell's left and right margins (Word's 0.19 cm each) and some room


def _text_cm(text: str, size: float) -> float:
    """How wide ``text`` prints in Arial (or Liberation Sans) at ``size`` pt: a digit is 0.556 em, the separators
    of a figure half that; other letters are taken as wide as a digit."""
    narrow = sum(1 for ch in text if ch in "'.,:; ")
    return ((len(text) - narrow) * 0.556 + narrow * 0.278) * size * 2.54 / 72


def _cell(text: str, *, fill: str | None = None, span: int = 1, merge: str | None = None, **style: Any) -> w.Cell:
    return w.Cell(_lines(text, **style), span, merge, fill)


def _head(text: str, **kw: Any) -> w.Cell:
    return _cell(text, fill=HEADER_FILL, bold=True, align=CENTER, **kw)


#: The lower part of a vertically merged header cell, and of a merged body cell.
HEAD_BELOW = w.Cell(merge="continue", fill=HEADER_FILL, middle=False)
BELOW = w.Cell(merge="continue", middle=False)


def _group_headers(columns: Sequence[GridColumn], **style: Any) -> tuple[list[w.Cell], list[w.Cell]]:
    """Two header rows' cells: merged group titles (Trimestre, Semestre…) over the column labels (I, II…)."""
    top: list[w.Cell] = []
    low: list[w.Cell] = []
    for group, same in itertools.groupby(columns, key=lambda col: col.group):
        members = list(same)
        if len(members) == 1 and members[0].label == "Total":  # a lone total column: one merged header
            top.append(_head(group, merge="restart", **style))
            low.append(HEAD_BELOW)
        else:
            top.append(_head(group, span=len(members), **style))
            low += [_head(col.label, **style) for col in members]
    return top, low


class _Writer:
    def __init__(self, content: ReportContent, body: IO[bytes], borrador: bool = False,
                 logo: Path | None = None) -> None:
        self.c = content
        self.body = body
        self.borrador = borrador
        self.logo = logo
        self.doc = Document()
        self.headings: list[tuple[int, str]] = []
        self.numbers = {"Cuadro": 0, "Gráfico": 0}
        self._styles()

    def emit(self, xml: str) -> None:
        self.body.write(xml.encode())

    # ---- styles and page ---------------------------------------------------------------------------------
    def _styles(self) -> None:
        styles = self.doc.styles
        normal = styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(10)
        rfonts = f"{qn('w:rPr')}/{qn('w:rFonts')}"  # made by font.name
        normal.element.find(rfonts).set(qn("w:eastAsia"), FONT)
        normal.paragraph_format.space_after = Pt(6)
        normal.paragraph_format.line_spacing = 1.1
        for name, size, spacing in (("Heading 1", 14, (12, 6)), ("Heading 2", 12, (8, 6)), ("Heading 3", 11, (8, 6)),
                                    ("Heading 4", 10, (8, 6)), ("Title", 26, None), ("Subtitle", 16, None),
                                    ("Caption", 9, (6, 3))):  # points before and after
            st = styles[name]
            st.font.name = FONT
            st.font.size = Pt(size)
            st.font.color.rgb = RGBColor(0, 0, 0)
            st.font.bold = name != "Subtitle"
            st.font.italic = False
            if name != "Caption":  # the template's headings and titles name theme fonts: Arial for every script
                fonts = st.element.find(rfonts)
                for script in ("ascii", "hAnsi", "eastAsia", "cs"):
                    fonts.set(qn(f"w:{script}"), FONT)
                    fonts.attrib.pop(qn("w:cstheme" if script == "cs" else f"w:{script}Theme"), None)
            if spacing:
                st.paragraph_format.space_before, st.paragraph_format.space_after = Pt(spacing[0]), Pt(spacing[1])
                st.paragraph_format.keep_with_next = True
        for border in styles["Title"].element.findall(f"{qn('w:pPr')}/{qn('w:pBdr')}"):  # the template's; not ours
            border.getparent().remove(border)

    def sections(self) -> None:
        """Both sections (the annexes' landscape: their grids read best across the page), the footer, and markers
        where their text goes."""
        first = self.doc.sections[0]
        _set_page(first)
        first.different_first_page_header_footer = True
        first.footer.paragraphs[0].text = FOOTER_MARK
        self.doc.add_paragraph(BODY_MARK)
        annex = self.doc.add_section(WD_SECTION.NEW_PAGE)
        _set_page(annex, landscape=True)
        annex.different_first_page_header_footer = False  # only the cover goes without footer
        self.doc.add_paragraph(ANNEX_MARK)

    # ---- text --------------------------------------------------------------------------------------------
    def heading(self, text: str, level: int) -> None:
        self.headings.append((level, text))
        self.emit(w.paragraph(w.run(text), style=f"Heading{level}"))

    def para(self, text: str, *, bold: bool = False, italic: bool = False, size: float | None = None,
             align: str | None = JUSTIFY, keep: bool = False, style: str | None = None, highlight: str | None = None,
             before: float | None = None) -> None:
        self.emit(w.paragraph(w.run(text, bold=bold, italic=italic, size=size, highlight=highlight), style=style,
                              keep=keep, before=before, align=align))

    def pending(self, what: str, instead: str | None = None) -> None:
        """Where text is still to be written: in a draft a visible «[Pendiente: …]» (italic, highlighted); in the
        final report ``instead`` (a plain sentence) or nothing. The command lists it either way."""
        if self.borrador:
            self.para(placeholder(what), italic=True, highlight="yellow")
        elif instead:
            self.para(instead)

    def prose(self, text: str, missing: str, instead: str | None = None) -> None:
        """Narrative text (blank lines separate paragraphs; '- ' lines are bullets), else ``pending``."""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        for line in lines:
            bullet = line.startswith(("- ", "• "))
            self.para(line[2:].strip() if bullet else line, style="ListBullet" if bullet else None)
        if not lines:
            self.pending(missing, instead)

    def narrative(self, key: str, instead: str | None = None) -> None:
        """The Narrativa's field ``key``, else ``pending``."""
        self.prose(self.c.narrative(key), narrative_todo(key), instead)

    def caption(self, kind: str, text: str) -> None:
        self.numbers[kind] += 1
        self.emit(w.paragraph(w.run(f"{kind} N° {self.numbers[kind]}: {text}"), style="Caption"))

    def note(self, text: str) -> None:
        self.para(text, italic=True, size=8, align=LEFT, before=2)

    def image(self, png: bytes | None, title: str, width_cm: float = 15.0) -> None:
        if png is None:
            return
        self.caption("Gráfico", title)
        self.picture(io.BytesIO(png), Cm(width_cm), None, self.numbers["Gráfico"])

    def picture(self, image: IO[bytes] | str, width: int | None, height: int | None, shape_id: int) -> None:
        inline = self.doc.part.new_pic_inline(image, width=width, height=height)
        shape = inline.find(qn("wp:docPr"))  # python-docx numbers shapes from those in its tree: none, the body is ours
        shape.set("id", str(shape_id))
        shape.set("name", f"Picture {shape_id}")
        self.emit(w.paragraph(w.drawing(etree.tostring(inline, encoding="unicode")), align=CENTER))

    def spacer(self) -> None:
        self.emit(w.paragraph(after=2))

    # ---- document parts ------------------------------------------------------------------------------------
    def cover(self) -> None:
        c = self.c
        if self.logo is not None:
            self.emit(w.EMPTY * 2)
            try:
                self.picture(str(self.logo), None, Cm(3.0), 1000)  # ids apart from the charts' 1, 2, 3…
            except (OSError, UnrecognizedImageError) as e:
                raise ZedxlError(f"El logo «{self.logo}» (hoja Narrativa, campo «logo») no se puede leer como "
                                 "imagen PNG, JPG, GIF o BMP.") from e
            self.emit(w.EMPTY * 2)
        else:
            self.emit(w.EMPTY * 5)
        self.para(c.plan.entidad, bold=True, size=22, align=CENTER)
        self.para(c.plan.sigla, bold=True, size=18, align=CENTER)
        self.emit(w.EMPTY * 3)
        self.para(c.report_title, bold=True, size=24, align=CENTER)
        self.para("Plan Operativo Institucional", bold=True, size=18, align=CENTER)
        self.para(str(c.plan.anio), bold=True, size=18, align=CENTER)
        if c.period.kind != "A":
            self.para(c.period.name, size=14, align=CENTER)
        self.emit(w.EMPTY * 8)
        if office := c.narrative("oficina_responsable"):
            self.para(office, size=12, align=CENTER)
        self.para(month_year(c.fecha), size=14, align=CENTER)
        self.emit(w.PAGE_BREAK)
        self.para("Contenidos", bold=True, size=14, align=LEFT)

    def contents(self) -> str:
        """A TOC field whose cached result is the static list of level 1-2 headings, then a page break."""
        entries = [(lvl, text) for lvl, text in self.headings if lvl <= 2]
        out = []
        for i, (lvl, text) in enumerate(entries):
            runs = w.run(text, bold=lvl == 1, size=10)
            if i == 0:
                runs = w.field_begin('TOC \\o "1-2" \\h \\z \\u') + runs
            if i == len(entries) - 1:
                runs += w.field_end()
            out.append(w.paragraph(runs, after=2, indent_cm=0.0 if lvl == 1 else 0.8))
        return "".join(out) + w.PAGE_BREAK

    def indicator_table(self) -> None:
        rows = self.c.ev.indicators
        self.caption("Cuadro", "Avance de Resultados de OEI y AEI – Respecto de Indicadores de Resultados Anuales")
        grid = w.Grid([1.8, 7.3, 2.3, 1.6, 2.0, 2.0])
        heads = ("Cód.", "Descripción e indicador", "U. Medida", "Meta anual", "Ejecutado", "Avance %*")
        self.emit(grid.table([grid.row([_head(h) for h in heads], header=True)],
                             (grid.row(self._indicator_cells(ind)) for ind in rows)))
        self.note("* Avance respecto de la meta anual: la medición de los Objetivos y Acciones Estratégicas se "
                  "realiza en referencia a lo programado para el año, aunque lo alcanzado sea coherente con lo "
                  "planificado para el periodo. «no medido aún»: el indicador todavía no tiene medición en este "
                  "periodo.")

    @staticmethod
    def _indicator_cells(ind: IndicatorRow) -> list[w.Cell]:
        bold = ind.nivel == "OEI"
        fill = BAND_FILL if bold else None
        lines = f"{ind.nombre}\nIndicador: {ind.indicador}".split("\n")  # name bold (OEI), indicator italic
        name = "".join(w.paragraph(w.run(line, bold=bold and i == 0, italic=i == 1, size=TABLE_PT), after=0,
                                   before=0, line=1.0) for i, line in enumerate(lines))
        cells = [_cell(ind.codigo, bold=bold, fill=fill), w.Cell(name, fill=fill),
                 _cell(ind.unidad, align=CENTER, fill=fill),
                 _cell(fmt.qty(ind.meta_anual, "—"), align=RIGHT, fill=fill)]
        if ind.ejecutado is None:
            return [*cells, _cell(rules.NO_MEDIDO, italic=True, align=CENTER, fill=fill, span=2)]
        return [*cells, _cell(fmt.qty(ind.ejecutado), align=RIGHT, fill=fill),
                _cell(fmt.pct(ind.avance, "—"), align=RIGHT, fill=fill)]

    def office_table(self, table: OfficeTable, columns: Sequence[GridColumn], title: str,
                     width_cm: float = TEXT_W_CM) -> None:
        """Programmed and executed per office; a short table kept on one page (every row keeps with the next)."""
        self.caption("Cuadro", title)
        n = len(columns)
        total_w = 2.4  # room for "Avance Semestral"
        num_w = min(1.6, (width_cm - 4.4 - total_w) / max(1, n - 1))
        grid = w.Grid([1.9, 2.5] + [num_w] * (n - 1) + [total_w])
        # figures never wrap: when the widest does not fit its column the table's figures are set smaller
        widest = max((_text_cm(fmt.num1(v), TABLE_PT) for o in (*table.rows, table.total)
                      for v in (*o.programado, *o.ejecutado)), default=0)
        size = TABLE_PT if widest <= num_w - CELL_PAD_CM else max(5.5, TABLE_PT * (num_w - CELL_PAD_CM) / widest)
        top, low = _group_headers(columns, keep=True)
        rows = [grid.row([_head("Instancia", keep=True, merge="restart"),
                          _head("Concepto", keep=True, merge="restart"), *top], header=True),
                grid.row([HEAD_BELOW, HEAD_BELOW, *low], header=True)]
        for office in [*table.rows, table.total]:
            total = office is table.total
            fill = BAND_FILL if total else None
            name = _cell("Totales" if total else office.instancia, bold=True, align=CENTER, keep=True, fill=fill,
                         merge="restart")
            for first, label, values in ((name, "Programado", office.programado),
                                         (BELOW, "Ejecutado", office.ejecutado)):
                keep = not total or label == "Programado"  # the table's last row does not keep with what follows
                rows.append(grid.row([first, _cell(label, bold=total, keep=keep, fill=fill),
                                      *(_cell(fmt.num1(v), align=RIGHT, bold=total, keep=keep, fill=fill,
                                              size=size) for v in values)]))
        self.emit(grid.table(rows))

    def budget_table(self, table: BudgetTable, title: str, first_header: str) -> None:
        self.caption("Cuadro", title)
        lines = [table.total, *table.lineas]
        figures = [[fmt.money(v, symbol=False) for v in (line.pia, line.pim, line.ejecucion)] for line in lines]
        # amounts never wrap: their columns grow to the widest (a municipality's billions) and the rubro's narrows
        amount = max(2.6, max((_text_cm(t, TABLE_PT) for row in figures for t in row), default=0) + CELL_PAD_CM)
        grid = w.Grid([max(3.5, 17.0 - 2.8 - 2 * amount - max(3.0, amount)), amount, amount, max(3.0, amount), 2.8])
        heads = (first_header, "PIA (S/)", "PIM (S/)", f"Ejecución {self.c.plan.anio} (S/)",
                 "% de avance con relación al PIM")
        rows = [grid.row([_head(h) for h in heads], header=True)]
        for line, texts in zip(lines, figures, strict=True):
            total = line is table.total
            fill = BAND_FILL if total else None
            rows.append(grid.row([_cell(line.rubro, bold=total, fill=fill),
                                  *(_cell(t, align=RIGHT, bold=total, fill=fill)
                                    for t in [*texts, fmt.pct(line.avance)])]))
        self.emit(grid.table(rows))

    def financial_table(self) -> None:
        """Avance físico (the office's mean AO progress) next to avance financiero, per office: only for a plan
        that carries its AO's PIM and devengado."""
        ev = self.c.ev
        physical = {r.instancia: r.avance_promedio for r in (*ev.offices.rows, ev.offices.total)}
        self.caption("Cuadro", f"Avance físico y financiero por instancia – {self.c.period.name}")
        grid = w.Grid([5.0, 2.8, 3.2, 3.2, 2.8])
        heads = ("Instancia", "Avance físico (%)", "PIM (S/)", "Devengado (S/)", "Avance financiero (%)")
        rows = [grid.row([_head(h) for h in heads], header=True)]
        for f in ev.financiero:
            total = f.instancia == "Total"
            fill = BAND_FILL if total else None
            texts = (f.instancia, fmt.pct(physical.get(f.instancia), "—"), fmt.money(f.pim, symbol=False),
                     fmt.money(f.devengado, symbol=False), fmt.pct(f.avance, "—"))
            rows.append(grid.row([_cell(t, align=None if j == 0 else RIGHT, bold=total, fill=fill)
                                  for j, t in enumerate(texts)]))
        self.emit(grid.table(rows))
        self.spacer()

    def ao_list_table(self, rows: Sequence[Any]) -> None:
        """Section II table of an AEI: code, activity, office, unit, P, E, progress, status."""
        grid = w.Grid([2.2, 4.5, 1.35, 2.25, 1.3, 1.3, 1.5, 2.6])
        heads = ("Código", "Actividad Operativa", "Resp.", "U.M.", "Prog.", "Ejec.", "Av. %", "Estado")
        aligns = (None, None, CENTER, CENTER, RIGHT, RIGHT, RIGHT, CENTER)

        def cells(ao: Any) -> list[w.Cell]:
            texts = (ao.codigo, ao.nombre, ao.instancia, ao.unidad, fmt.qty(ao.programado),
                     fmt.qty(ao.ejecutado, "—"), fmt.pct(ao.avance, "—"), ao.estado)
            return [_cell(t, align=a) for t, a in zip(texts, aligns, strict=True)]

        self.emit(grid.table([grid.row([_head(h) for h in heads], header=True)], (grid.row(cells(ao)) for ao in rows)))

    def annex_table(self, rows: Sequence[AnnexRow], width_cm: float) -> None:
        """Anexo 01 grid of one AEI: one row per AO, its programmed and executed values as two lines per cell.

        One row (not a pair of rows) per AO keeps both lines on the same page: rows never split.
        """
        cols, num_w, fixed, avance_w = self.c.annex_columns, 0.95, [2.0, 1.6, 1.1, 1.2], 1.3
        grid = w.Grid([fixed[0], width_cm - sum(fixed) - num_w * len(cols) - avance_w, *fixed[1:],
                       *([num_w] * len(cols)), avance_w], margins_cm=0.06)
        top, low = _group_headers(cols, size=ANNEX_PT)
        heads = ("Cód.", "Actividad Operativa", "U.M.", "Resp.", "Progr. / Ejecut.")
        bold = [c.label in ("Sem.", "Total") for c in cols]
        both = _lines("Progr.\nEjecut.", size=ANNEX_PT)

        three = _lines("Progr. orig.\nProgr.\nEjecut.", size=ANNEX_PT)

        def cells(ao: AnnexRow) -> list[w.Cell]:
            fixed_cells = [_cell(t, size=ANNEX_PT, align=None if j == 1 else CENTER)
                           for j, t in enumerate((ao.codigo, ao.nombre, ao.unidad, ao.instancia))]
            # a reprogrammed AO shows its original programming above the current one
            first = [f"{fmt.qty(o, '–')}\n" for o in ao.original] if ao.original else [""] * len(cols)
            return [*fixed_cells, w.Cell(three if ao.original else both),
                    *(_cell(f"{o}{fmt.qty(p, '–')}\n{fmt.qty(e, '–')}", size=ANNEX_PT, align=RIGHT, bold=b)
                      for o, p, e, b in zip(first, ao.programado, ao.ejecutado, bold, strict=True)),
                    _cell(fmt.pct(ao.avance, "–"), size=ANNEX_PT, align=RIGHT, bold=True)]

        head = [grid.row([*(_head(h, size=ANNEX_PT, merge="restart") for h in heads), *top,
                          _head("% avance", size=ANNEX_PT, merge="restart")], header=True),
                grid.row([*[HEAD_BELOW] * len(heads), *low, HEAD_BELOW], header=True)]
        self.emit(grid.table(head, (grid.row(cells(ao)) for ao in rows)))

    # ---- the report ------------------------------------------------------------------------------------------
    def build(self, path: Path) -> None:
        c, ev = self.c, self.c.ev
        self.sections()
        self.cover()
        contents_at = self.body.tell()

        self.heading("I. Resumen ejecutivo", 1)
        self.narrative("presentacion")
        self.narrative("pei")
        self.para(c.intro())
        self.heading("1.1. Problemática identificada", 2)
        self.narrative("problematica", NOT_WRITTEN)
        self.heading("1.2. Principales Acciones Desplegadas y Logros Alcanzados", 2)
        self.narrative("logros", NOT_WRITTEN)
        if c.narrative("orientaciones") or self.borrador:
            pei = " ".join(x for x in ("Plan Estratégico Institucional", c.plan.sigla, c.pei_period) if x)
            self.heading(f"Orientaciones Centrales del {pei}", 3)
            self.narrative("orientaciones")
        if ev.indicators:
            self.indicator_table()

        self.heading("1.3. A Nivel de Metas Programadas", 2)
        self.para(f"El nivel de avance alcanzado {at_period(c.period)} se muestra en el siguiente cuadro:")
        self.office_table(c.body_offices, c.body_office_columns,
                          "Programación y Avance de Actividades Operativas por Instancia")
        if c.body_offices is not ev.offices:
            self.note("Por trimestre; el detalle mensual figura en el Anexo 02.")
        if (coverage := c.coverage_note()) is not None:
            self.note(coverage)
        self.spacer()
        self.para(c.office_sentence())
        if not c.all_unreported:
            self.para("El avance se soporta en el esfuerzo articulado de todas las instancias de organización "
                      "interna, liderando cada Actividad Operativa una instancia responsable.")
        self.note("La suma por instancia agrega cantidades de unidades de medida distintas, como en el Anexo 02.")
        if ev.financiero:
            self.financial_table()
        self.image(charts.office_chart(c), f"Metas programadas y ejecutadas por instancia – {c.period.name}")

        self.heading("1.4. Al nivel de Presupuesto Institucional", 2)
        intro = c.budget_intro()
        if intro is None:
            self.pending(BUDGET_TODO, "No se registró información presupuestal para el periodo.")
        else:
            self.narrative("antecedentes_presupuesto")
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
                if intro is not None:
                    self.narrative(f"comentario_{kind}")
        self.image(charts.budget_chart(c), f"Ejecución presupuestal respecto del PIM – {c.period.name}")

        self.emit(w.PAGE_BREAK)
        self.heading("II. Análisis del cumplimiento de las Actividades Operativas", 1)
        self.heading("2.1. Análisis de implementación", 2)
        self.para(c.status_sentence())
        self.image(charts.status_chart(c), f"Estado de las Actividades Operativas por OEI – {c.period.name}")
        self.section_two()
        self.heading("2.2. Medidas adoptadas para la Mejora Continua", 2)
        self.narrative("medidas", NOT_WRITTEN)
        self.modifications()
        self.signatures()
        annex_at = self.body.tell()
        self.annexes(TEXT_W_LANDSCAPE_CM)
        self.save(path, contents_at, annex_at)

    def section_two(self) -> None:
        c = self.c
        by_code = {r.codigo: r for r in c.ev.aos}
        names = {b.short: b.name for b in base_periods(c.plan.anio, c.plan.periodicidad)}
        for oei in c.plan.objetivos:
            self.heading(f"Objetivo Estratégico Institucional {short_code(oei.codigo)}", 3)
            self.caption("Cuadro", f"{oei.codigo} y su indicador" if oei.indicador else oei.codigo)
            grid = w.Grid([3.0, 14.0])
            rows = [grid.row([_cell(oei.codigo, bold=True), _cell(oei.nombre, bold=True)])]
            if oei.indicador:
                rows.append(grid.row([_cell(f"IND.01.{oei.codigo}"), _cell(oei.indicador.nombre)]))
            self.emit(grid.table(rows))
            self.spacer()
            self.para(c.oei_sentence(oei))
            for aei in oei.acciones:
                self.heading(f"Acción Estratégica Institucional {short_code(aei.codigo)}:", 4)
                self.para(aei.nombre, keep=True)
                if aei.indicador:
                    self.para(f"Indicador: {aei.indicador.nombre}", italic=True, keep=True)
                self.caption("Cuadro", f"Actividades Operativas de la {aei.codigo}")
                self.ao_list_table([by_code[ao.codigo] for ao in aei.actividades])
                self.spacer()
                for ao in aei.actividades:
                    row = by_code[ao.codigo]
                    self.para(f"Actividad Operativa {short_code(ao.codigo)}:", bold=True, keep=True)
                    self.para(ao.nombre, keep=True)
                    self.para(ao_progress_line(row, c.period, c.hasta), bold=True, italic=True, keep=True)
                    missing = justification_todo(ao)
                    # a text repeated from the one before it (an office carries it forward) is shown once
                    texts = [next(same) for _, same in itertools.groupby(row.justificaciones, key=lambda j: j[1])]
                    texts = [(label, text) for label, text in texts if text.strip()]
                    if len(texts) > 1:  # several reports in the period: each under its period's name
                        for label, text in texts:
                            self.para(f"{names.get(label, label)}:", italic=True, keep=True)
                            self.prose(text, missing)
                    else:  # one report: its text, as the seed prints it
                        self.prose(texts[0][1] if texts else "", missing)

    def modifications(self) -> None:
        """2.3: every reprogramación of the year (only when there is one), a goal changed after its period ended
        marked as such."""
        rows = modifications(self.c.plan)
        if not rows:
            return
        self.heading("2.3. Modificaciones del POI", 2)
        n_aos = len({m.codigo for m in rows})
        late = sum(1 for m in rows if m.past)
        aos = fmt.count(n_aos, "Actividad Operativa", "Actividades Operativas")
        periods = fmt.count(len(rows), "periodo", "periodos")
        text = f"En el año se reprogramaron las metas físicas de {aos} ({periods}), cada una con su justificación."
        if late:
            text += (f" {fmt.count(late, 'cambio corresponde', 'cambios corresponden')} a un periodo ya vencido "
                     "(marcado con *).")
        self.para(text)
        grid = w.Grid([1.9, 2.3, 4.2, 2.2, 1.4, 1.4, 3.6])
        heads = ("Fecha", "Código", "Actividad Operativa", "Periodo", "Anterior", "Nuevo", "Justificación")

        def cells(m: Modification) -> list[w.Cell]:
            why = m.justificacion + (f" ({m.documento})" if m.documento else "")
            texts = (f"{m.fecha:%d/%m/%Y}", m.codigo, m.nombre, m.periodo + (" *" if m.past else ""),
                     fmt.qty(m.antes), fmt.qty(m.despues), why)
            aligns = (CENTER, CENTER, None, CENTER, RIGHT, RIGHT, None)
            return [_cell(t, align=a) for t, a in zip(texts, aligns, strict=True)]

        self.caption("Cuadro", "Reprogramaciones de metas físicas")
        self.emit(grid.table([grid.row([_head(h) for h in heads], header=True)],
                             (grid.row(cells(m)) for m in rows)))
        if late:
            self.note("* Periodo ya vencido a la fecha de la reprogramación: la meta se cambió después de su plazo.")
        self.spacer()

    def signatures(self) -> None:
        """The date and who signs, from the Narrativa (never from code); in a draft, a mark when nobody does."""
        c = self.c
        people = signatures(c.narrative("firmas"))
        if not people:
            self.pending(narrative_todo("firmas"))
            return
        day = f"{c.fecha.day} de {MONTH_NAMES[c.fecha.month - 1].lower()} de {c.fecha.year}"
        self.para(day, align=RIGHT, keep=True, before=12)
        office = c.narrative("oficina_responsable")
        for i, person in enumerate(people):
            last = i == len(people) - 1
            self.emit(w.EMPTY * 3)
            self.para("_" * 36, align=CENTER, keep=True)
            self.para(person.nombre, bold=True, align=CENTER, keep=True)
            if person.cargo:
                self.para(person.cargo, align=CENTER, keep=not last or bool(office))
        if office:
            self.para(office, italic=True, align=CENTER)

    def annexes(self, width: float) -> None:
        c = self.c
        self.heading(c.annex01_title, 1)
        if c.pei_period:
            self.para(f"Período PEI: {c.pei_period}", align=LEFT)
        else:
            self.pending(narrative_todo("periodo_pei"))
        self.para(f"Unidad Ejecutora: {c.plan.sigla}", align=LEFT)
        coverage = c.annex_coverage()
        self.para(f"Periodo evaluado: {c.period.name}. Programado del año completo; {coverage[0].lower()}"
                  f"{coverage[1:]}. «% avance»: avance de cada Actividad Operativa en el periodo evaluado.",
                  align=LEFT)
        for oei in c.plan.objetivos:
            self.heading(f"{oei.codigo}: {oei.nombre}", 2)
            for aei in oei.acciones:
                self.caption("Cuadro", f"{aei.codigo} {aei.nombre}")
                self.annex_table([c.annex[ao.codigo] for ao in aei.actividades], width)
                self.spacer()

        self.emit(w.PAGE_BREAK)
        self.heading(c.annex02_title, 1)
        self.office_table(c.ev.offices, c.office_columns, "Actividades Operativas por Instancia Responsable",
                          width_cm=width)
        self.spacer()
        noun = f"el {NOUN[c.period.kind]}"
        total = c.ev.offices.total
        self.para(f"Total de metas programadas en {noun}: {fmt.num1(total.programado[-1])}", bold=True, align=LEFT)
        executed = f"Total de metas ejecutadas en {noun}: {fmt.num1(total.ejecutado[-1])}"
        self.para(executed + (f" (hasta {c.hasta})" if c.hasta else ""), bold=True, align=LEFT)

    def save(self, path: Path, contents_at: int, annex_at: int) -> None:
        """The package python-docx makes, with the footer, the body (contents page inserted) and the annexes."""
        props = self.doc.core_properties
        props.title = f"{self.c.report_title} – Plan Operativo Institucional {self.c.plan.anio}"
        props.subject = f"{self.c.plan.sigla} – {self.c.period.name}"
        props.author = self.c.plan.sigla
        props.language = "es-PE"
        # Word refreshes the contents page's page numbers on opening (LibreOffice does so before a PDF export)
        update = etree.SubElement(self.doc.settings.element, qn("w:updateFields"))
        update.set(qn("w:val"), "true")
        package = io.BytesIO()
        self.doc.save(package)
        end = self.body.tell()
        footer = w.run(f"{self.c.plan.sigla} – {self.c.report_title} – POI {self.c.plan.anio} – Página ", size=8)
        footer += w.field_begin("PAGE", size=8) + w.run("1", size=8) + w.field_end(size=8)
        w.splice(package, path, {
            FOOTER_MARK: [w.paragraph(footer, style="Footer", align=CENTER).encode()],
            BODY_MARK: itertools.chain(self._read(0, contents_at), [self.contents().encode()],
                                       self._read(contents_at, annex_at)),
            ANNEX_MARK: self._read(annex_at, end)})

    def _read(self, start: int, stop: int) -> Iterator[bytes]:
        self.body.seek(start)
        while start < stop:
            chunk = self.body.read(min(1 << 20, stop - start))
            start += len(chunk)
            yield chunk


def write_docx(content: ReportContent, path: Path, *, borrador: bool = False, logo: Path | None = None) -> None:
    """Write the Word report for ``content`` to ``path``: ``borrador`` marks each text still to be written
    (``ReportContent.pendientes``); ``logo`` is an image for the cover.

    Raises:
        ZedxlError: ``logo`` is not an image python-docx can read.
    """
    with tempfile.SpooledTemporaryFile(max_size=16 << 20) as body:  # in memory up to 16 MB, then on disk
        _Writer(content, body, borrador, logo).build(Path(path))
