"""The layout of one office's workbook for one period, shared by its writer (``office_write``) and its reader
(``office_read``, ``office_manifest``): what an office is given, its fingerprint, file name, sheets, cells and manifest.

An office workbook holds only the office's AO, grouped under their OEI/AEI headings as in the master, one sheet
per OEI. Only the executed cells of the period and the justifications are unlocked (and, in the workbook of the
office that reports the budget, the budget execution). Progress % and status are live formulas *with* their
cached values, in the master's formula shape (cap, «sin meta» rule) reading the rule values from defined names
on the hidden ``_zedxl`` sheet.

The ``_zedxl`` sheet (veryHidden, protected) is the workbook's manifest: identity (entity, year, period, office,
template version), the SHA-256 fingerprint of what the office was given, every row written (sheet, row, code,
names, units, programmed and executed values given) and the address of every input cell. The same identity is
also stored as custom document properties (``zedxl_*``). Sheet protection has no password: it only prevents
accidents; what makes a return trustworthy is the fingerprint and the reader's checks (``office_read``).

Layout (zero-based rows, A1 in brackets)::

    Instrucciones   column A, one paragraph per row
    OEI.01 …        row 0 title, 1 office and period, 2 note, 4 (row 5) header, 5… OEI heading, AEI headings, AO
                    columns: Código | Actividad Operativa | U.M. | Prog. T1… | Ejec. T1… |
                             [Prog. P | Ejec. P, when P spans several base periods] | Avance P (%) | Estado P |
                             Justificación <each base period of P> | [Justificaciones anteriores, after the first]
    Ingresos/Gastos only for ``plan.responsable_presupuesto``: row 3 (row 4) header Rubro | PIA | PIM |
                    PIM − PIA | Ejec. acum. <each base period> | % Avance vs PIM, one row per line, then Total
    _zedxl          sections [metadatos] [filas] [entradas] [presupuesto] [fin] in column A
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from zedxl import TEMPLATE_VERSION, rules
from zedxl.a1 import col_letter, quote_sheet, to_a1
from zedxl.model import Accion, Actividad, LineaPresupuesto, Objetivo, Plan, Presupuesto
from zedxl.periods import Period, Periodicity, base_labels, base_names
from zedxl.xlsx import layout as L
from zedxl.xlsx.formulas import ROW, RowFormula, or_blank, progress_formula, status_formula, sum_formula
from zedxl.xlsx.text import MAX_CELL_TEXT, safe_text

# -- names -----------------------------------------------------------------------------------------------------
SHEET_INSTRUCCIONES = "Instrucciones"
SHEET_META = "_zedxl"
KIND = "retorno-instancia"
"""Value of ``tipo`` in the manifest and of the ``zedxl_tipo`` property (the master says ``maestro``)."""

H_ACTIVIDAD = "Actividad Operativa"
TITLE_ROW, SUBTITLE_ROW, NOTE_ROW = 0, 1, 2
HEADER_ROW = L.HEADER_ROW
FIRST_DATA_ROW = HEADER_ROW + 1
BUDGET_HEADER_ROW = L.BUDGET_HEADER_ROW
BUDGET_SHEETS = {"ingresos": L.SHEET_INGRESOS, "gastos": L.SHEET_GASTOS}
BUDGET_TITLES = {"ingresos": "Ingresos presupuestarios", "gastos": "Gastos presupuestarios"}
PASSWORD = ""
"""Sheet protection password: none. Protection prevents accidents; the fingerprint and the reader's checks are
what detect edits."""

MAX_TEXT = MAX_CELL_TEXT

SECTION_META = "[metadatos]"
SECTION_ROWS = "[filas]"
SECTION_INPUTS = "[entradas]"
SECTION_BUDGET = "[presupuesto]"
SECTION_END = "[fin]"
META_KEYS = ("tipo", "version_plantilla", "entidad", "sigla", "anio", "periodicidad", "periodo", "instancia",
             "nombre_instancia", "presupuesto", "fecha_limite", "huella", "sello")
PROPERTY_KEYS = ("tipo", "version_plantilla", "entidad", "sigla", "anio", "periodo", "instancia", "huella")
"""Manifest keys also stored as custom document properties ``zedxl_<key>``."""
PROPERTY_PREFIX = "zedxl_"
RULE_KEYS = ("tope_avance", "avance_sin_meta", "verde", "amarillo")
ROWS_HEADER_FIXED = ("hoja", "fila", "nivel", "codigo", "nombre", "unidad")
INPUTS_HEADER = ("hoja", "celda", "codigo", "campo")
BUDGET_MANIFEST_HEADER = ("hoja", "fila", "rubro", "pia", "pim")
"""Then one column per base period: the execution accumulated at its close, as given (``acumulado:<i>``)."""

FIELD_EJECUTADO = "ejecutado"
FIELD_JUSTIFICACION = "justificacion"
FIELD_EJECUCION = "ejecucion"
H_ANTERIORES = "Justificaciones anteriores"
BUDGET_PCT_HEADER = "% Avance vs PIM"


def field_name(kind: str, idx: int) -> str:
    """Input field name of base period ``idx`` (zero-based): ``ejecutado:0``, ``justificacion:0``, ``ejecucion:0``
    (the budget line's execution accumulated at the period's close)."""
    return f"{kind}:{idx}"


def field_ejecutado(idx: int) -> str:
    return field_name(FIELD_EJECUTADO, idx)


_FIELD_RE = re.compile(r"(ejecutado|justificacion|ejecucion):(\d{1,2})")


def parse_field(name: str) -> tuple[str, int] | None:
    """(kind, base-period index) of an input field name; None for any other text."""
    m = _FIELD_RE.fullmatch(name)
    return (m.group(1), int(m.group(2))) if m else None


# -- what an office is given -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class OfficeSpec:
    """Everything one office workbook is built from: a plan cut down to the office, the period and the office.

    ``plan`` keeps the entity data and rules but only this office's AO (OEI and AEI without them are dropped) and,
    only for the office that reports the budget, the budget lines.
    """

    plan: Plan
    periodo: Period
    instancia: str
    fecha_limite: str = ""
    version: str = TEMPLATE_VERSION

    @property
    def presupuesto(self) -> bool:
        """True when this office reports the budget execution (its workbook has Ingresos/Gastos)."""
        return self.plan.responsable_presupuesto is not None and self.plan.responsable_presupuesto == self.instancia

    @functools.cached_property
    def open_periods(self) -> tuple[int, ...]:
        """The base periods of ``periodo`` the office reports in this workbook: all of a period of one base period;
        of a longer one (a quarter of a monthly plan) those none of its AO has a value for yet, since a month
        already consolidated is shown, locked, and never typed again."""
        p = self.periodo
        if p.stop - p.start == 1:
            return (p.start,)
        aos = list(self.plan.actividades())
        return tuple(i for i in range(p.start, p.stop) if all(ao.ejecutado[i] is None for ao in aos))

    @property
    def instancia_nombre(self) -> str:
        return self.plan.instancias.get(self.instancia, self.instancia)

    def budget_lines(self) -> Iterator[tuple[str, tuple[LineaPresupuesto, ...]]]:
        """(kind, lines) of the budget sheets this workbook has: ingresos and/or gastos, never empty ones."""
        if not self.presupuesto:
            return
        for kind, lines in (("ingresos", self.plan.presupuesto.ingresos), ("gastos", self.plan.presupuesto.gastos)):
            if lines:
                yield kind, lines


def offices_to_split(plan: Plan) -> list[str]:
    """Offices that get a workbook: those owning AO, and the one reporting the budget, in the plan's order."""
    owners = {ao.instancia for ao in plan.actividades()}
    return [c for c in plan.instancias if c in owners or c == plan.responsable_presupuesto]


def office_spec(plan: Plan, periodo: Period, instancia: str, fecha_limite: str = "") -> OfficeSpec:
    """Cut ``plan`` down to what ``instancia`` is given for ``periodo``."""
    return office_specs(plan, periodo, [instancia], fecha_limite)[instancia]


def office_specs(plan: Plan, periodo: Period, instancias: Sequence[str],
                 fecha_limite: str = "") -> dict[str, OfficeSpec]:
    """``office_spec`` for several offices in one pass over the plan (a 20,000-AO plan has hundreds of offices)."""
    wanted = set(instancias)
    per_office: dict[str, list[Objetivo]] = {}
    for o in plan.objetivos:
        acciones: dict[str, list[Accion]] = {}
        for a in o.acciones:
            aos: dict[str, list[Actividad]] = {}
            for ao in a.actividades:
                if ao.instancia in wanted:
                    aos.setdefault(ao.instancia, []).append(ao)
            for code, mine in aos.items():
                acciones.setdefault(code, []).append(Accion(a.codigo, a.nombre, None, tuple(mine)))
        for code, accs in acciones.items():
            per_office.setdefault(code, []).append(Objetivo(o.codigo, o.nombre, None, tuple(accs)))
    out = {}
    for instancia in instancias:
        reports_budget = plan.responsable_presupuesto == instancia
        sub = replace(plan, instancias={instancia: plan.instancias.get(instancia, instancia)},
                      objetivos=tuple(per_office.get(instancia, ())),
                      presupuesto=plan.presupuesto if reports_budget else Presupuesto(), narrativa={})
        out[instancia] = OfficeSpec(sub, periodo, instancia, fecha_limite)
    return out


_SMALL_TEXT: dict[Decimal, str] = {Decimal(i): str(i) for i in range(1001)}  # the usual values, looked up


def canonical_number(value: Decimal | None) -> str | None:
    """A number as the fingerprint sees it: 1, 1.0 and 1E+0 are the same."""
    if value is None:
        return None
    try:
        small = _SMALL_TEXT.get(value)
    except TypeError:  # a signalling NaN cannot be hashed
        small = None
    if small is not None:
        return small
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def fingerprint(spec: OfficeSpec) -> str:
    """SHA-256 of what the office was given: AO codes, names, units and programmed values (and PIA/PIM)."""
    doc: dict[str, Any] = {
        "ao": [[ao.codigo, ao.nombre, ao.unidad, [canonical_number(v) for v in ao.programado]]
               for ao in spec.plan.actividades()],
    }
    if spec.presupuesto:
        doc["presupuesto"] = {kind: [[ln.rubro, canonical_number(ln.pia), canonical_number(ln.pim)]
                                     for ln in lines] for kind, lines in spec.budget_lines()}
    return _digest(doc)


def _digest(doc: Any) -> str:
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_digest(spec: OfficeSpec) -> str:
    """SHA-256 of everything locked in the office workbook (what its manifest records and every locked cell is
    checked against): identity, rules, OEI/AEI, AO with programmed and executed values and justifications, budget
    lines with their accumulated execution. The master's key seals this digest (``masterkey.seal``)."""
    n = canonical_number
    doc = {
        "meta": manifest_meta(spec),
        "reglas": {key: n(getattr(spec.plan.reglas, key)) for key in RULE_KEYS},
        "objetivos": [[o.codigo, o.nombre, [[a.codigo, a.nombre, [
            [ao.codigo, ao.nombre, ao.unidad, [n(v) for v in ao.programado], [n(v) for v in ao.ejecutado],
             list(ao.justificacion)]
            for ao in a.actividades]] for a in o.acciones]] for o in spec.plan.objetivos],
        "presupuesto": [[kind, [[ln.rubro, n(ln.pia), n(ln.pim), [n(v) for v in ln.acumulado]] for ln in lines]]
                        for kind, lines in spec.budget_lines()],
    }
    return _digest(doc)


# -- file names ------------------------------------------------------------------------------------------------
def ascii_token(text: str) -> str:
    """Letters and digits only, uppercase, accents dropped: 'ZED ILO' -> 'ZEDILO'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^0-9A-Za-z]+", "", plain).upper()


def office_file_name(sigla: str, periodo: Period, instancia: str) -> str:
    """``ZEDILO-2025-T1-DPD.xlsx``: entity acronym, period label, office (letters and digits only)."""
    return f"{ascii_token(sigla) or 'POI'}-{periodo.label}-{ascii_token(instancia)}.xlsx"


_FILE_NAME_RE = re.compile(
    r"^(?P<sigla>[0-9A-Za-z]+)-(?P<periodo>\d{4}(?:-(?:T[1-4]|S[12]|\d{2}))?)-(?P<instancia>[0-9A-Za-z]+)"
    r"(?:\s*\(\d+\)|\s*-\s*copia)?\.xlsx$", re.IGNORECASE)


def parse_office_file_name(name: str) -> tuple[str, str, str] | None:
    """(sigla, period label, office) from a file name made by ``office_file_name``; None for any other name.

    A copy suffix added by mail clients or Windows (``… (1).xlsx``, ``… - copia.xlsx``) is tolerated.
    """
    m = _FILE_NAME_RE.match(name.strip())
    if not m:
        return None
    return m.group("sigla").upper(), m.group("periodo").upper(), m.group("instancia").upper()


# -- data sheet layout -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DataColumns:
    """Zero-based column of every header of an office data sheet for one periodicity and period."""

    headers: tuple[str, ...]
    n_base: int
    periodo: Period
    helper: bool  # Prog./Ejec. columns for the period (it spans several base periods): ``prog_p``, ``ejec_p``
    prog_p: int
    ejec_p: int
    avance: int
    estado: int
    anteriores: int | None  # the earlier periods' justifications, read-only (None: the period is the year's first)

    codigo: int = 0
    actividad: int = 1
    um: int = 2

    def prog(self, idx: int) -> int:
        return 3 + idx

    def ejec(self, idx: int) -> int:
        return 3 + self.n_base + idx

    def justificacion(self, idx: int) -> int:
        """The justification of base period ``idx`` (one of the period's)."""
        return self.avance + 2 + idx - self.periodo.start


def data_columns(spec: OfficeSpec) -> DataColumns:
    """The columns of the office's data sheets: one shared object per periodicity and period (readers key what
    they work out once per layout on the very object)."""
    return _data_columns(spec.plan.periodicidad, spec.periodo)


@functools.lru_cache(maxsize=256)
def _data_columns(periodicidad: Periodicity, p: Period) -> DataColumns:
    labels = base_labels(periodicidad)
    helper = p.stop - p.start > 1
    headers = [L.H_CODIGO, H_ACTIVIDAD, L.H_UM, *(L.prog(x) for x in labels), *(L.ejec(x) for x in labels)]
    if helper:
        headers += [L.prog(p.short), L.ejec(p.short)]
    headers += [L.avance(p.short), L.estado(p.short), *(L.justificacion(labels[i]) for i in p.indexes())]
    if p.start > 0:
        headers.append(H_ANTERIORES)
    n, avance = len(labels), headers.index(L.avance(p.short))
    return DataColumns(tuple(headers), n, p, helper, prog_p=3 + 2 * n, ejec_p=4 + 2 * n, avance=avance,
                       estado=avance + 1, anteriores=len(headers) - 1 if p.start > 0 else None)


class SheetRow(NamedTuple):
    """One heading or AO row of a data sheet, where the writer puts it (a named tuple: cheap to make)."""

    level: Literal["OEI", "AEI", "AO"]
    codigo: str
    nombre: str
    row_idx: int
    ao: Actividad | None = None


def data_rows(oei: Objetivo) -> list[SheetRow]:
    """The heading and AO rows of an OEI's data sheet, in order."""
    rows = [SheetRow("OEI", oei.codigo, oei.nombre, FIRST_DATA_ROW)]
    r = FIRST_DATA_ROW
    for aei in oei.acciones:
        r += 1
        rows.append(SheetRow("AEI", aei.codigo, aei.nombre, r))
        for ao in aei.actividades:
            r += 1
            rows.append(SheetRow("AO", ao.codigo, ao.nombre, r, ao))
    return rows


CellKind = Literal["text", "number", "formula", "input"]


class CellSpec(NamedTuple):
    """What one cell of an office workbook holds.

    ``value`` is the text, the number, the formula text (with ``=``) or, for an input, the value pre-filled;
    ``cached`` the formula's value; ``field`` the input's field (``ejecutado:0``, ``justificacion``, ``ejecucion``);
    ``style`` the writer's format; ``unit`` the AO's unit for executed inputs.
    """

    kind: CellKind
    value: str | Decimal | None = None
    cached: float | str | None = None
    field: str = ""
    style: str = ""
    unit: str = ""


def title_cells(spec: OfficeSpec, oei: Objetivo) -> dict[tuple[int, int], str]:
    """The texts above the header of a data sheet."""
    p, open_ = spec.periodo, spec.open_periods
    when = p.name
    if len(open_) < p.stop - p.start:  # months of the period already consolidated are shown, locked
        names = base_names(spec.plan.anio, spec.plan.periodicidad)
        when = " y ".join(names[i] for i in open_) + f" (lo demás de {p.name} ya se consolidó)"
    note = ("Escriba solo en las celdas amarillas: lo ejecutado en " + when + " y la justificación. "
            "Las celdas grises se calculan solas. No inserte ni elimine filas o columnas.")
    return {
        (TITLE_ROW, 0): safe_text(f"{oei.codigo} · {oei.nombre}"),
        (SUBTITLE_ROW, 0): safe_text(f"Instancia: {spec.instancia} – {spec.instancia_nombre} · "
                                     f"Periodo: {spec.periodo.name}"),
        (NOTE_ROW, 0): note,
    }


@functools.lru_cache(maxsize=64)
def _row_formulas(cols: DataColumns) -> tuple[tuple[int, RowFormula, str], ...]:
    """(column, formula, style) of an AO row's formulas, in column order: the period's programmed and executed
    sums (when the layout has those helper columns), progress, status."""
    p = cols.periodo
    prog, ejec = (f"{col_letter(c(p.start))}{ROW}:{col_letter(c(p.stop - 1))}{ROW}" for c in (cols.prog, cols.ejec))
    out = []
    if cols.helper:
        out += [(cols.prog_p, sum_formula(prog, executed=False), "calc"),
                (cols.ejec_p, sum_formula(ejec, executed=True), "calc")]
        p_ref, e_ref = (col_letter(c) + ROW for c in (cols.prog_p, cols.ejec_p))
    else:
        p_ref, e_ref = (col_letter(c(p.start)) + ROW for c in (cols.prog, cols.ejec))
    out += [(cols.avance, progress_formula(e_ref, p_ref), "pct"), (cols.estado, status_formula(e_ref, p_ref), "state")]
    return tuple((col, RowFormula(text), style) for col, text, style in out)


def row_cells(spec: OfficeSpec, cols: DataColumns, row: SheetRow, r: int, *,
              cached: bool = True) -> dict[int, CellSpec]:
    """Every non-blank cell of a heading or AO row written at row ``r`` (zero-based), formulas with their cached
    values (what the writer stores) or, ``cached=False``, without them (what a reader compares a return with:
    what the office's program computed is never compared)."""
    if row.ao is None:
        return {cols.codigo: CellSpec("text", row.codigo, style=row.level.lower() + "_code"),
                cols.actividad: CellSpec("text", safe_text(row.nombre), style=row.level.lower() + "_text")}
    ao = row.ao
    start, stop = cols.periodo.start, cols.periodo.stop
    cells: dict[int, CellSpec] = {
        cols.codigo: CellSpec("text", ao.codigo, style="code"),
        cols.actividad: CellSpec("text", safe_text(ao.nombre), style="text"),
        cols.um: CellSpec("text", safe_text(ao.unidad), style="text"),
    }
    programado, ejecutado = ao.programado, ao.ejecutado
    scale = rules.typed_scale(ao.unidad)
    if scale != 1:  # a fraction the plan keeps («% avance/100»: 0.4) is seen and typed as a percentage (40)
        programado = tuple(v * scale for v in programado)
        ejecutado = tuple(None if v is None else v * scale for v in ejecutado)
    open_ = spec.open_periods
    for i in range(cols.n_base):
        cells[cols.prog(i)] = CellSpec("number", programado[i], style="number")
        if i in open_:
            cells[cols.ejec(i)] = CellSpec("input", ejecutado[i], field=field_ejecutado(i), style="input_num",
                                           unit=ao.unidad)
        elif ejecutado[i] is not None:
            cells[cols.ejec(i)] = CellSpec("number", ejecutado[i], style="number")
    values: tuple[Any, ...] = (None,) * 4
    if cached:
        prog, ejec = rules.sum_programmed(programado, start, stop), rules.sum_executed(ejecutado, start, stop)
        reglas = spec.plan.reglas
        values = (float(prog), or_blank(ejec), or_blank(rules.progress(prog, ejec, reglas)),
                  rules.status(prog, ejec, reglas))
    for (col, formula, style), value in zip(_row_formulas(cols), values if cols.helper else values[2:], strict=True):
        cells[col] = CellSpec("formula", formula.at(r), value, style=style)
    for i in cols.periodo.indexes():  # the period's texts: to type where still open, else shown locked
        text = ao.justificacion[i]
        if i in open_:
            cells[cols.justificacion(i)] = CellSpec("input", text, field=field_name(FIELD_JUSTIFICACION, i),
                                                    style="input_text")
        elif text:
            cells[cols.justificacion(i)] = CellSpec("text", safe_text(text), style="text")
    if cols.anteriores is not None and (earlier := earlier_texts(spec, ao)):
        cells[cols.anteriores] = CellSpec("text", earlier, style="text")
    return cells


def earlier_texts(spec: OfficeSpec, ao: Actividad) -> str:
    """The AO's justifications of the periods before the workbook's, each under its period's name, in one cell
    (what the office wrote before, to read, not to type again)."""
    names = base_names(spec.plan.anio, spec.plan.periodicidad)
    parts = [f"{names[i]}: {ao.justificacion[i]}" for i in range(spec.periodo.start) if ao.justificacion[i]]
    return safe_text("\n\n".join(parts))


def expected_cells(spec: OfficeSpec, cols: DataColumns, row: SheetRow, r: int) -> dict[int, CellSpec]:
    """``row_cells`` as a reader compares a returned row with it (``cached=False``)."""
    return row_cells(spec, cols, row, r, cached=False)


# -- budget sheet layout ---------------------------------------------------------------------------------------
def budget_headers(spec: OfficeSpec) -> tuple[str, ...]:
    """Rubro | PIA | PIM | PIM − PIA | Ejec. acum. <each base period> | % Avance vs PIM."""
    labels = base_labels(spec.plan.periodicidad)
    return (*L.BUDGET_HEADERS[:4], *(L.acum(x) for x in labels), BUDGET_PCT_HEADER)


def budget_title_cells(spec: OfficeSpec, kind: str) -> dict[tuple[int, int], str]:
    names = base_names(spec.plan.anio, spec.plan.periodicidad)
    when = " y ".join(names[i] for i in spec.open_periods)
    return {
        (0, 0): f"{BUDGET_TITLES[kind]} {spec.plan.anio} (S/)",
        (1, 0): ("Escriba en las celdas amarillas la ejecución acumulada (como la da el SIAF) al cierre de "
                 f"{when}, en soles. PIA, PIM y los periodos anteriores no se modifican aquí."),
    }


def _budget_col(idx: int) -> int:
    """The column of the execution accumulated at the close of base period ``idx``."""
    return 4 + idx


def budget_line_cells(spec: OfficeSpec, line: LineaPresupuesto, r: int) -> dict[int, CellSpec]:
    n = r + 1
    cells: dict[int, CellSpec] = {0: CellSpec("text", safe_text(line.rubro), style="text")}
    cells.update((col, CellSpec("number", v, style="money_ro"))
                 for col, v in ((1, line.pia), (2, line.pim)) if v is not None)
    cells[3] = CellSpec("formula", f'=IF(AND(ISNUMBER(B{n}),ISNUMBER(C{n})),C{n}-B{n},"")',
                        or_blank(rules.budget_diff(line)), style="money_calc")
    open_ = spec.open_periods
    n_base = spec.plan.n_periods
    for i in range(n_base):
        value = line.ejecucion_al(i + 1)
        if i in open_:
            cells[_budget_col(i)] = CellSpec("input", value, field=field_name(FIELD_EJECUCION, i), style="money")
        elif value is not None:
            cells[_budget_col(i)] = CellSpec("number", value, style="money_ro")
    at = col_letter(_budget_col(spec.periodo.stop - 1)) + str(n)  # the period's close
    cells[_budget_col(n_base)] = CellSpec(
        "formula", f'=IF(AND(ISNUMBER(C{n}),ISNUMBER({at})),IF(C{n}=0,"",{at}/C{n}*100),"")',
        or_blank(rules.budget_pct(line, spec.periodo.stop)), style="pct")
    return cells


def budget_total_cells(spec: OfficeSpec, lines: Sequence[LineaPresupuesto], first_idx: int,
                       r: int) -> dict[int, CellSpec]:
    """The Total row at ``r``: sums of the rows from ``first_idx`` to the row above it."""
    total = rules.budget_total(lines, L.TOTAL_LABEL)
    n = r + 1
    n_base = spec.plan.n_periods
    cells: dict[int, CellSpec] = {0: CellSpec("text", L.TOTAL_LABEL, style="total_label")}
    for col, value, executed in ((1, total.pia, False), (2, total.pim, False),
                                 *((_budget_col(i), total.ejecucion_al(i + 1), True) for i in range(n_base))):
        span = f"{col_letter(col)}{first_idx + 1}:{col_letter(col)}{r}"
        cells[col] = CellSpec("formula", sum_formula(span, executed=executed),
                              or_blank(value) if executed else float(value or 0), style="money_total")
    cells[3] = CellSpec("formula", f"=C{n}-B{n}", float((total.pim or 0) - (total.pia or 0)), style="money_total")
    at = col_letter(_budget_col(spec.periodo.stop - 1)) + str(n)
    cells[_budget_col(n_base)] = CellSpec("formula", f'=IF(OR(C{n}=0,NOT(ISNUMBER({at}))),"",{at}/C{n}*100)',
                                          or_blank(rules.budget_pct(total, spec.periodo.stop)), style="pct_total")
    return cells


# -- Instrucciones ---------------------------------------------------------------------------------------------
def instruction_lines(spec: OfficeSpec) -> list[str]:
    """The paragraphs of the Instrucciones sheet, in plain Spanish."""
    p = spec.periodo
    plan = spec.plan
    sheets = ", ".join(L.sheet_of(plan)(o.codigo) for o in plan.objetivos) or "(ninguna)"
    deadline = (f"Fecha límite de entrega: {spec.fecha_limite}." if spec.fecha_limite
                else "Fecha límite de entrega: la que indique la oficina de planeamiento.")
    lines = [
        f"Seguimiento del POI {plan.anio} – {plan.entidad} ({plan.sigla})",
        f"Instancia: {spec.instancia} – {spec.instancia_nombre}",
        f"Periodo que se reporta: {p.name} ({p.label})",
        deadline,
        "",
        "1. Qué llenar",
        f"En las hojas {sheets} están solo las Actividades Operativas (AO) de su instancia, agrupadas por OEI y AEI. "
        f"Escriba en las celdas amarillas lo ejecutado en {p.name}, en la misma unidad de medida (U.M.) de la AO.",
        "Escriba solo números (por ejemplo 2 o 0.5, con punto decimal). Si la U.M. es un porcentaje (%), escriba "
        "un número de 0 a 100, sin el símbolo %. Deje la celda vacía solo si aún no tiene el dato.",
        "En la columna Justificación del periodo explique lo logrado y, obligatoriamente, por qué lo ejecutado es "
        "distinto de lo programado (más o menos) o por qué se ejecutó algo sin meta programada. Las justificaciones "
        "de periodos anteriores se muestran solo para leerlas: escriba la de este periodo aunque se repita algo.",
        "Las columnas Avance y Estado se calculan solas: le muestran cómo quedará su avance.",
    ]
    if spec.presupuesto:
        lines.append("En las hojas Ingresos y Gastos escriba en las celdas amarillas (columnas «Ejec. acum.») el monto "
                     f"ejecutado acumulado desde enero hasta el cierre de cada periodo de {p.name}, como lo da el "
                     "SIAF, en soles (S/) y sin el símbolo de moneda. PIA y PIM no se modifican.")
    lines += [
        "",
        "2. Qué no tocar",
        "No cambie códigos, nombres, unidades ni lo programado; no escriba en las celdas grises o blancas.",
        "No inserte, elimine, combine ni mueva filas o columnas, y no cambie el nombre de las hojas.",
        "No pegue fórmulas ni vínculos a otros libros: si copia datos, use Pegar valores.",
        "Las hojas están protegidas sin contraseña solo para evitar cambios accidentales. Aunque se quite la "
        "protección, cualquier cambio fuera de las celdas amarillas se detecta al recibir el archivo y el libro "
        "será devuelto.",
        "",
        "3. Cómo devolverlo",
        "Guarde el archivo como libro de Excel (.xlsx), con el mismo nombre con que lo recibió, y envíelo a la "
        "oficina de planeamiento por el medio acordado (correo o carpeta compartida). No lo guarde como .xls, .ods, "
        "PDF ni con contraseña.",
        "Si necesita corregir algo ya enviado, corrija este mismo archivo y envíelo otra vez.",
    ]
    return lines


PROGRESS_HEADERS = ("Periodo", "Programado", "Ejecutado")


def progress_row(spec: OfficeSpec) -> int:
    """The first row of the Instrucciones sheet's progress table (its title), below the paragraphs."""
    return len(instruction_lines(spec)) + 1


def progress_cells(spec: OfficeSpec) -> dict[tuple[int, int], CellSpec]:
    """The office's own progress on the Instrucciones sheet, which its chart plots: per base period of the period,
    the plain sum of its AO's programmed and executed values (formulas over the data sheets, as the master's
    Anexo 02 sums mix units). Nothing when the office has no AO (it only reports the budget)."""
    plan = spec.plan
    if not plan.objetivos:
        return {}
    cols = data_columns(spec)
    aos = [(ao, rules.typed_scale(ao.unidad)) for ao in plan.actividades()]  # as the sheets show them (row_cells)
    spans = [(quote_sheet(L.sheet_of(plan)(o.codigo)), FIRST_DATA_ROW + 1, data_rows(o)[-1].row_idx + 1)
             for o in plan.objetivos]
    r = progress_row(spec)
    cells = {(r, 0): CellSpec("text", f"Avance de su instancia en {spec.periodo.name} (suma simple de las metas de "
                                      "sus AO, como el Anexo 02; se actualiza al escribir lo ejecutado)",
                              style="section")}
    cells |= {(r + 1, c): CellSpec("text", h, style="header") for c, h in enumerate(PROGRESS_HEADERS)}
    for k, i in enumerate(spec.periodo.indexes()):
        row = r + 2 + k
        cells[(row, 0)] = CellSpec("text", base_labels(plan.periodicidad)[i], style="text")
        for c, col, executed in ((1, cols.prog(i), False), (2, cols.ejec(i), True)):
            letter = col_letter(col)
            refs = ",".join(f"{q}!${letter}${a}:${letter}${b}" for q, a, b in spans)
            value = (rules.sum_executed([None if (v := ao.ejecutado[i]) is None else v * scale
                                         for ao, scale in aos], 0, len(aos)) if executed
                     else sum((ao.programado[i] * scale for ao, scale in aos), rules.ZERO))
            formula = f'=IF(COUNT({refs})=0,"",SUM({refs}))' if executed else f"=SUM({refs})"
            cells[(row, c)] = CellSpec("formula", formula, or_blank(value), style="calc")
    return cells


def instruction_cells(spec: OfficeSpec) -> dict[tuple[int, int], CellSpec]:
    """Every cell of the Instrucciones sheet: the paragraphs in column A, then the progress table."""
    cells = {(r, 0): CellSpec("text", t) for r, t in enumerate(instruction_lines(spec)) if t}
    return cells | progress_cells(spec)


# -- manifest --------------------------------------------------------------------------------------------------
def manifest_meta(spec: OfficeSpec) -> dict[str, str]:
    """The manifest's identity block (also the custom properties, see PROPERTY_KEYS)."""
    plan = spec.plan
    return {
        "tipo": KIND,
        "version_plantilla": spec.version,
        "entidad": plan.entidad,
        "sigla": plan.sigla,
        "anio": str(plan.anio),
        "periodicidad": plan.periodicidad,
        "periodo": spec.periodo.label,
        "instancia": spec.instancia,
        "nombre_instancia": spec.instancia_nombre,
        "presupuesto": "si" if spec.presupuesto else "no",
        "fecha_limite": spec.fecha_limite,
        "huella": fingerprint(spec),
    }


class InputCell(NamedTuple):
    """One input cell: where it is and what it holds (a named tuple: a return's manifest lists hundreds)."""

    sheet: str
    row_idx: int
    col_idx: int
    codigo: str  # AO code, or the budget line's rubro
    field: str

    @property
    def cell(self) -> str:
        return to_a1(self.row_idx, self.col_idx)


def input_cells(spec: OfficeSpec) -> list[InputCell]:
    """Every input cell of the workbook as written, in order, from the layout (an AO row's inputs are the period's
    executed cells, then its justifications) without making every cell of every row."""
    out: list[InputCell] = []
    cols = data_columns(spec)
    periods = spec.open_periods
    for oei in spec.plan.objetivos:
        sheet = L.sheet_of(spec.plan)(oei.codigo)
        for row in data_rows(oei):
            if row.ao is not None:
                r, codigo = row.row_idx, row.codigo
                out.extend(InputCell(sheet, r, cols.ejec(i), codigo, field_ejecutado(i)) for i in periods)
                out.extend(InputCell(sheet, r, cols.justificacion(i), codigo, field_name(FIELD_JUSTIFICACION, i))
                           for i in periods)
    for kind, lines in spec.budget_lines():
        for k, line in enumerate(lines):
            out.extend(InputCell(BUDGET_SHEETS[kind], BUDGET_HEADER_ROW + 1 + k, _budget_col(i), line.rubro,
                                 field_name(FIELD_EJECUCION, i)) for i in periods)
    return out


