"""What the report says, independent of the file format: evaluations, annex grids and Spanish sentences.

Everything here is pure: it takes a ``Plan`` and a ``Period``, asks ``zedxl.evaluation.evaluate`` for the
numbers (this module never applies a rule itself) and returns plain data and strings that the Word writer
(``docx_writer``) and the workbook writer (``xlsx_writer``) lay out.
"""

from __future__ import annotations

import calendar
import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from zedxl import fmt, rules
from zedxl.errors import PlanError
from zedxl.evaluation import AORow, BudgetTable, Evaluation, OfficeRow, OfficeTable, evaluate
from zedxl.model import Actividad, Objetivo, Plan, code_level
from zedxl.periods import (
    MONTH_NAMES,
    ROMAN,
    Period,
    base_periods,
    base_within,
    parse_period,
    semesters,
    whole_year,
)
from zedxl.plan import parse_date

#: Adjective of a period kind, as in "Informe de Evaluación Semestral".
ADJECTIVE = {"S": "Semestral", "A": "Anual", "T": "Trimestral", "M": "Mensual"}
#: Noun of a period kind, as in "programadas en el semestre".
NOUN = {"S": "semestre", "A": "año", "T": "trimestre", "M": "mes"}

#: At most this many numeric columns in the office table of the body (portrait); beyond, months become quarters.
MAX_BODY_COLUMNS = 10

# Status words as a sentence fragment ("8 con sobreejecución").
STATUS_PHRASE = {
    rules.EN_RANGO: ("en rango", "en rango"),
    rules.SOBREEJECUCION: ("con sobreejecución", "con sobreejecución"),
    rules.POR_DEBAJO: ("por debajo de la meta", "por debajo de la meta"),
    rules.EN_CURSO: ("en curso", "en curso"),
    rules.SIN_META: ("sin meta en el periodo", "sin meta en el periodo"),
    rules.EJECUTADA_SIN_META: ("ejecutada sin meta", "ejecutadas sin meta"),
    rules.SIN_REPORTE: ("sin reporte", "sin reporte"),
}
NBSP = "\u00a0"


def money_text(value: Decimal | None) -> str:
    """'S/ 4'821,520.00' with a no-break space, so a line never ends at 'S/'."""
    return fmt.money(value).replace(" ", NBSP)


def pct_text(value: Decimal | None) -> str:
    """'45.81 %' with a no-break space; '—' without a value."""
    return f"{fmt.pct(value)}{NBSP}%" if value is not None else "—"


def placeholder(what: str) -> str:
    """The visible mark of text still to be written, in a draft (``--borrador``) only: «[Pendiente: …]»."""
    return f"[Pendiente: {what}]"


#: What a Narrativa field that is still empty asks the planner to write (the checklist, and the draft's marks).
NARRATIVE_TODO = {
    "presentacion": "presentar la entidad (naturaleza, adscripción y objeto)",
    "pei": "indicar la aprobación del PEI (resolución) y los objetivos que prioriza",
    "problematica": "describir la problemática identificada en el periodo",
    "logros": "describir las principales acciones desplegadas y logros alcanzados",
    "orientaciones": "describir las orientaciones centrales del PEI",
    "antecedentes_presupuesto": "explicar los antecedentes del presupuesto (fuentes de financiamiento)",
    "comentario_ingresos": "comentar la ejecución de ingresos, por rubro",
    "comentario_egresos": "comentar la ejecución de egresos",
    "medidas": "describir las medidas adoptadas para la mejora continua",
    "periodo_pei": "indicar el período del PEI (p. ej. 2024-2026) para el Anexo 01",
    "firmas": "indicar las firmas del informe (una por línea: «Nombre | Cargo»)",
}
#: Narrativa fields read as a date.
DATE_FIELD = "fecha_informe"


def narrative_todo(key: str) -> str:
    """«describir la problemática identificada en el periodo (hoja Narrativa del maestro, campo «problematica»).»"""
    return f"{NARRATIVE_TODO[key]} (hoja Narrativa del maestro, campo «{key}»)."


def justification_todo(ao: Actividad) -> str:
    return (f"la instancia {ao.instancia} debe registrar la justificación de la {ao.codigo} (logros, limitaciones "
            f"y medidas) en el maestro.")


BUDGET_TODO = "registrar el presupuesto (PIA, PIM y ejecución) en las hojas Ingresos y Gastos del maestro."


@dataclass(frozen=True)
class Signature:
    """A signature at the foot of the report: who signs and as what."""

    nombre: str
    cargo: str


def signatures(text: str) -> list[Signature]:
    """The Narrativa's «firmas»: one per line, «Nombre | Cargo» (the office may follow: «… | Cargo | Oficina»)."""
    out = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if parts[0]:
            out.append(Signature(parts[0], " – ".join(p for p in parts[1:] if p)))
    return out


def short_code(code: str) -> str:
    """'AO.01.01.01' → '01.01.01'; 'AEI.01.02' → '01.02'; any other code (AOI00091400117) as it is."""
    return code.split(".", 1)[1] if code_level(code) is not None else code


def month_year(day: _dt.date) -> str:
    """'Agosto 2025'."""
    return f"{MONTH_NAMES[day.month - 1]} {day.year}"


def at_period(period: Period) -> str:
    """Sentence fragment for 'up to the period': 'al I Semestre 2025', 'al cierre del año 2025', 'a Marzo 2025'."""
    if period.kind == "A":
        return f"al cierre del año {period.year}"
    return f"a {period.name}" if period.kind == "M" else f"al {period.name}"


def lower_unit(unit: str) -> str:
    """A unit as it reads inside a sentence: 'Acciones' → 'acciones', but 'DNI' or '%' unchanged."""
    unit = unit.strip()
    if len(unit) > 1 and unit[0].isupper() and unit[1].islower():
        return unit[0].lower() + unit[1:]
    return unit


#: Words a unit's head noun phrase stops at: what follows («de datos», «para usuarios») keeps its number.
_PREPOSITIONS = frozenset(("de", "del", "a", "al", "en", "para", "por", "con", "sin", "sobre", "y", "o", "e"))
#: Nouns whose singular and plural are the same word.
_INVARIABLE = frozenset(("análisis", "tesis", "crisis", "dosis", "síntesis", "diagnosis", "virus"))
#: Singular nouns ending in an unstressed «-es» or «-s» that the plural rules would misread, with their plural.
_SINGULAR_IN_S = {"mes": "meses", "país": "países", "interés": "intereses", "autobús": "autobuses"}
_PLURAL_IN_ES = {plural: singular for singular, plural in _SINGULAR_IN_S.items()}
_ACCENTS = str.maketrans("áéíóú", "aeiou")
_TAKE_ACCENT = str.maketrans("aeiou", "áéíóú")


def _is_symbol(word: str) -> bool:
    """An acronym, a symbol or a short unit sign (DNI, m², km, %, S/): never inflected."""
    letters = [ch for ch in word if ch.isalpha()]
    return (len(letters) < 3 or not all(ch.isalpha() or ch in "-'" for ch in word)
            or all(ch.isupper() for ch in letters))


def _plural(word: str) -> str:
    """The plural of a singular Spanish word (evento → eventos, acción → acciones, proveedor → proveedores)."""
    lower = word.lower()
    if lower in _SINGULAR_IN_S:
        return word[0] + _SINGULAR_IN_S[lower][1:]
    if lower in _INVARIABLE or lower.endswith("x") or (lower.endswith("s") and lower[-2] not in "áéíóú"):
        return word
    if lower.endswith("z"):
        return word[:-1] + "ces"
    if lower[-1] in "aeiouáéó":
        return word + "s"
    if lower[-1] not in "íú" and lower[-2] in "áéíóú":  # acción → acciones: the stress moves, the accent goes
        return word[:-2] + word[-2].translate(_ACCENTS) + word[-1] + "es"
    return word + "es"


def _singular(word: str) -> str:
    """The singular of a plural Spanish word (eventos → evento, acciones → acción, agentes → agente)."""
    lower = word.lower()
    if lower in _INVARIABLE or lower in _SINGULAR_IN_S or not lower.endswith("s"):
        return word
    if lower in _PLURAL_IN_ES:
        return word[0] + _PLURAL_IN_ES[lower][1:]
    if lower.endswith("ces"):
        return word[:-3] + "z"
    if lower.endswith("iones"):
        return word[:-5] + word[-5] + word[-4].translate(_TAKE_ACCENT) + word[-3]
    if lower.endswith("es") and lower[-3] in "lrndy" and lower[-4:-2] not in ("ll", "rr"):
        return word[:-2]  # proveedores → proveedor; but detalles → detalle
    return word[:-1]


def _inflect(unit: str, plural: bool) -> str:
    """``unit`` (as the plan writes it, singular or plural) in the number asked, lower-cased as inside a sentence:
    each word up to the first preposition is inflected («Bases de datos», «Acciones implementadas»)."""
    words = unit.split()
    head = next((i for i, w in enumerate(words) if w.lower() in _PREPOSITIONS), len(words))
    is_plural = bool(words) and not _is_symbol(words[0]) and _singular(words[0]) != words[0]
    out = []
    for i, word in enumerate(words):
        if i < head and not _is_symbol(word) and plural != is_plural:
            word = _plural(word) if plural else _singular(word)
        out.append(lower_unit(word))
    return " ".join(out)


def quantity(value: Decimal, unit: str) -> str:
    """A quantity with its unit as a sentence reads it, in the right number: «1 evento», «2 eventos», «0 acciones»,
    «1187 personas», «1 base de datos»; a percentage unit as a percentage («40 %»), a fraction of one («% avance/100»,
    0.4) as its percentage too. Gender is never needed: the unit is the noun."""
    unit = " ".join(unit.split())
    words = unit.lower().split()
    if unit.startswith("%") or (words and words[0] in ("porcentaje", "porcentajes")):
        shown = value * 100 if "/100" in unit.replace(" ", "") else value
        return f"{fmt.qty(shown)}{NBSP}%"
    if not unit:
        return fmt.qty(value)
    return f"{fmt.qty(value)} {_inflect(unit, value != 1)}"


def ao_progress_line(row: AORow, period: Period, hasta: str | None = None) -> str:
    """The line above each justification: «Ejecutado: 2 eventos / Programado en el semestre: 1 evento (200.00 %)»
    (the ratio uncapped); for a period still in course (``hasta``: its last base period reported), what was
    programmed up to it too: «… Programado en el año: 4 eventos, 1 evento hasta T2 (200.00 %)»."""
    prog = f"Programado en el {NOUN[period.kind]}: {quantity(row.programado, row.unidad)}"
    if hasta is not None and row.a_la_fecha is not None:
        prog += f", {quantity(row.a_la_fecha, row.unidad)} hasta {hasta}"
    if row.ejecutado is None:
        return f"Sin ejecución reportada / {prog}"
    ratio = f" ({pct_text(row.ratio)})" if row.ratio is not None else ""
    return f"Ejecutado: {quantity(row.ejecutado, row.unidad)} / {prog}{ratio}"


def join_es(items: Sequence[str]) -> str:
    """'a', 'a y b', 'a, b y c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " y " + items[-1]


@dataclass(frozen=True)
class GridColumn:
    """One numeric column of an office or annex table: its group header and its own header."""

    group: str  # "Trimestre", "Mes", "Semestre", "Avance Semestral", "Total anual", …
    label: str  # "I", "Ene", "Total", …
    period: Period


def _column(p: Period, report_period: Period) -> GridColumn:
    if p == report_period:
        return GridColumn(f"Avance {ADJECTIVE[p.kind]}", "Total", p)
    if p.kind == "T":
        return GridColumn("Trimestre", ROMAN[p.number], p)
    if p.kind == "M":
        return GridColumn("Mes", p.short, p)
    if p.kind == "S":
        return GridColumn("Semestre", ROMAN[p.number], p)
    return GridColumn("Total anual", "Total", p)


def office_columns(plan: Plan, period: Period, offices: OfficeTable) -> tuple[GridColumn, ...]:
    """Headers of the office table (Anexo 02) for ``offices.columns`` as ``evaluate`` built them."""
    candidates = [*base_within(period, plan.periodicidad)]
    if period.kind == "A":
        candidates += semesters(period.year, plan.periodicidad)
    candidates.append(period)
    by_short = {c.short: c for c in reversed(candidates)}  # the first period of each label
    return tuple(_column(by_short[short], period) for short in offices.columns)


def condensed_offices(plan: Plan, period: Period, ev: Evaluation) -> tuple[OfficeTable, tuple[GridColumn, ...]]:
    """The office table by quarter instead of by month, for a portrait page (monthly plans, long periods).

    Each quarter's (and semester's) figures are the last column of ``evaluate`` for that period; the period
    total is ``ev``'s own. Returns ``ev.offices`` unchanged when it is already narrow enough.
    """
    full_cols = office_columns(plan, period, ev.offices)
    if len(full_cols) <= MAX_BODY_COLUMNS or plan.periodicidad != "mensual":
        return ev.offices, full_cols
    parts = [parse_period(f"{plan.anio}-T{q}", plan.anio, plan.periodicidad) for q in range(1, 5)]
    parts = [q for q in parts if period.start <= q.start and q.stop <= period.stop]
    if period.kind == "A":
        parts += semesters(plan.anio, plan.periodicidad)
    tables = [evaluate(plan, q).offices for q in parts] + [ev.offices]

    def row(i: int | None) -> OfficeRow:
        pick = [t.total if i is None else t.rows[i] for t in tables]
        base = pick[-1]
        return OfficeRow(base.instancia, base.nombre, tuple(r.programado[-1] for r in pick),
                         tuple(r.ejecutado[-1] for r in pick), base.avance_promedio, base.n_ao)

    table = OfficeTable(tuple(q.short for q in [*parts, period]),
                        tuple(row(i) for i in range(len(ev.offices.rows))), row(None))
    return table, tuple(_column(q, period) for q in [*parts, period])


@dataclass(frozen=True)
class AnnexRow:
    """One AO of Anexo 01: programmed and executed per base period, per semester and for the year, and the
    original programming when it was reprogrammed."""

    codigo: str
    nombre: str
    unidad: str
    instancia: str
    programado: tuple[Decimal | None, ...]
    ejecutado: tuple[Decimal | None, ...]
    original: tuple[Decimal | None, ...] | None = None
    avance: Decimal | None = None  # the AO's progress (%) in the report's period, as section II shows it


@dataclass(frozen=True)
class Modification:
    """One period of one reprogramación, for «Modificaciones del POI»; ``past``: the period had ended by the
    reprogramación's date (a goal changed after it was due is shown as such)."""

    fecha: _dt.date
    codigo: str
    nombre: str
    instancia: str
    periodo: str
    antes: Decimal
    despues: Decimal
    justificacion: str
    documento: str
    past: bool


def modifications(plan: Plan) -> list[Modification]:
    """Every reprogramación of the plan, one row per AO and period, by date."""
    bases = base_periods(plan.anio, plan.periodicidad)
    out = [Modification(rep.fecha, ao.codigo, ao.nombre, ao.instancia, bases[idx].name, old, new, rep.justificacion,
                        rep.documento, rep.fecha > period_end(bases[idx]))
           for ao in plan.actividades() for rep in ao.reprogramaciones for idx, old, new in rep.cambios]
    return sorted(out, key=lambda m: m.fecha)


def period_end(period: Period) -> _dt.date:
    """The last day of a base period."""
    month = period.number * 3 if period.kind == "T" else period.number
    return _dt.date(period.year, month, calendar.monthrange(period.year, month)[1])


@dataclass(frozen=True)
class ReportContent:
    """Everything the report shows: the period's evaluation plus the whole-year grid of Anexo 01."""

    plan: Plan
    period: Period
    ev: Evaluation
    fecha: _dt.date
    office_columns: tuple[GridColumn, ...]
    body_offices: OfficeTable
    body_office_columns: tuple[GridColumn, ...]
    annex_columns: tuple[GridColumn, ...]
    annex: Mapping[str, AnnexRow]  # by AO code

    # ---- titles -------------------------------------------------------------------------------------------
    @property
    def adjective(self) -> str:
        return ADJECTIVE[self.period.kind]

    @property
    def title(self) -> str:
        """'Informe de Evaluación Semestral'."""
        return f"Informe de Evaluación {self.adjective}"

    @property
    def annex01_title(self) -> str:
        return (f"Anexo 01: Reporte de seguimiento {self.adjective.lower()} del Plan Operativo Institucional "
                f"{self.plan.anio}")

    @property
    def annex02_title(self) -> str:
        return f"Anexo 02: Avance de Actividades Operativas por Instancia Responsable – {self.period.name}"

    # ---- counts -------------------------------------------------------------------------------------------
    @property
    def n_aei(self) -> int:
        return sum(1 for _ in self.plan.acciones())

    @property
    def n_ao(self) -> int:
        return len(self.ev.aos)

    @property
    def all_unreported(self) -> bool:
        return self.n_ao > 0 and all(r.ejecutado is None for r in self.ev.aos)

    @property
    def hasta(self) -> str | None:
        """The last base period reported when the period is still in course (not due yet); else None."""
        return self.ev.hasta_label if self.ev.en_curso else None

    def coverage_note(self) -> str | None:
        """For a period still in course: what its sums and averages cover and how it is measured; else None (also
        when nothing is reported at all: the report already says so)."""
        if self.hasta is None:
            return None
        coverage = self.ev.coverage()
        return (f"Periodo en curso: {coverage[0].lower()}{coverage[1:]}. El avance de cada Actividad Operativa se "
                f"mide contra lo programado hasta {self.hasta} y su estado es «en curso» (no «por debajo de la "
                f"meta») mientras el periodo no se complete.")

    def annex_coverage(self) -> str:
        """What Anexo 01's executed sums (semesters and the whole year) cover."""
        return rules.coverage_text(self.ev.hasta, self.plan.periodicidad)

    def narrative(self, key: str) -> str:
        """The plan's narrative text for ``key`` (problematica, logros, medidas…), stripped; '' when absent."""
        return (self.plan.narrativa.get(key) or "").strip()

    @property
    def report_title(self) -> str:
        """The Narrativa's «titulo», else 'Informe de Evaluación Semestral'."""
        return self.narrative("titulo") or self.title

    @property
    def pei_period(self) -> str:
        """The PEI's period as the Narrativa gives it ('2024-2026'); '' when not given."""
        return self.narrative("periodo_pei")

    def pendientes(self) -> list[str]:
        """Every text still to be written, in the report's order: the checklist ``zedxl report`` prints, and the
        marks of a draft (``--borrador``). A final report shows none of them."""
        keys = ["presentacion", "pei", "problematica", "logros", "orientaciones"]
        out = [narrative_todo(k) for k in keys if not self.narrative(k)]
        if self.budget_intro() is None:
            out.append(BUDGET_TODO)
        else:
            out += [narrative_todo(k) for k, table in (("antecedentes_presupuesto", True),
                                                       ("comentario_ingresos", bool(self.ev.ingresos.lineas)),
                                                       ("comentario_egresos", bool(self.ev.gastos.lineas)))
                    if table and not self.narrative(k)]
        by_code = {r.codigo: r for r in self.ev.aos}
        out += [justification_todo(ao) for ao in self.plan.actividades()
                if not any(text.strip() for _, text in by_code[ao.codigo].justificaciones)]
        out += [narrative_todo(k) for k in ("medidas", "periodo_pei", "firmas") if not self.narrative(k)]
        return out

    # ---- sentences ----------------------------------------------------------------------------------------
    def intro(self) -> str:
        plan, ev = self.plan, self.ev
        text = (f"El presente documento contiene el informe de avance en la implementación del Plan Operativo "
                f"Institucional {plan.anio} de {plan.sigla} (POI-{plan.anio}) {at_period(self.period)}. "
                f"El POI comprende {len(plan.objetivos)} Objetivos Estratégicos Institucionales (OEI), {self.n_aei} "
                f"Acciones Estratégicas Institucionales (AEI) y {self.n_ao} Actividades Operativas (AO) a cargo "
                f"de {len(plan.instancias)} instancias responsables.")
        if ev.avance_institucional is None:
            return text + " Aún no se ha registrado ejecución de las Actividades Operativas en el periodo."
        return text + (f" El avance físico promedio de las Actividades Operativas es de "
                       f"{pct_text(ev.avance_institucional)}.")

    def office_sentence(self) -> str:
        """The seed's «La suma total de las metas programadas por Actividad Operativa es de 33.4, …»."""
        total = self.ev.offices.total
        names = join_es([f"{name} ({code})" for code, name in self.plan.instancias.items()])
        programmed = fmt.num1(total.programado[-1])
        if self.all_unreported:
            return (f"La suma total de las metas programadas por Actividad Operativa es de {programmed}, a cargo "
                    f"de las instancias responsables: {names}. Aún no se ha registrado ejecución de ninguna "
                    f"Actividad Operativa en el periodo.")
        text = (f"La suma total de las metas programadas por Actividad Operativa es de {programmed}, y se "
                f"llegaron a implementar {fmt.num1(total.ejecutado[-1])}, siendo las instancias responsables: "
                f"{names}.")
        adj = self.adjective.lower() + "es"
        against = f"lo programado hasta {self.hasta}" if self.hasta else f"sus metas {adj} programadas"
        text += (f" La ejecución física de las {self.n_ao} Actividades Operativas alcanzó en promedio el "
                 f"{pct_text(self.ev.avance_institucional)} respecto de {against}")
        pending = self.ev.estados.get(rules.SIN_REPORTE, 0)
        return text + (f"; {pending} de ellas aún sin reporte." if pending else ".")

    def status_sentence(self) -> str:
        parts = [f"{n} {STATUS_PHRASE[s][n != 1]}" for s, n in self.ev.estados.items() if n]
        return (f"{at_period(self.period)[0].upper()}{at_period(self.period)[1:]}, de las {self.n_ao} Actividades "
                f"Operativas de las {self.n_aei} Acciones Estratégicas Institucionales: {join_es(parts)}. "
                f"A continuación se presenta el informe de la ejecución de cada AO.")

    def oei_sentence(self, oei: Objetivo) -> str:
        n_ao = sum(len(a.actividades) for a in oei.acciones)
        return (f"El Objetivo Estratégico Institucional {short_code(oei.codigo)} cuenta con {len(oei.acciones)} "
                f"Acciones Estratégicas Institucionales y {n_ao} Actividades Operativas.")

    def budget_intro(self) -> str | None:
        """'El PIA de ZED ILO para el ejercicio 2025 fue aprobado por la suma de S/ …'; None without budget."""
        table = self.ev.gastos if self.ev.gastos.lineas else self.ev.ingresos
        if not table.lineas or table.total.pia is None:
            return None
        text = (f"El Presupuesto Institucional de Apertura (PIA) de {self.plan.sigla} para el ejercicio "
                f"{self.plan.anio} fue aprobado por la suma de {money_text(table.total.pia)}")
        if table.total.pim is not None:
            text += f"; el Presupuesto Institucional Modificado (PIM) asciende a {money_text(table.total.pim)}"
        return text + "."

    def budget_sentence(self, table: BudgetTable, kind: str) -> str:
        """Closing sentence of a budget table (``kind``: ingresos or egresos); also the % without lines that have
        no PIM."""
        total = table.total
        if total.ejecucion is None:
            return f"Aún no se ha registrado la ejecución de {kind}."
        text = (f"La ejecución presupuestal de {kind} alcanzó un total de {money_text(total.ejecucion)}, "
                f"es decir el {pct_text(total.avance)} del PIM {at_period(self.period)}.")
        no_pim = [ln.rubro for ln in table.lineas if ln.pim is None and ln.ejecucion is not None]
        if no_pim and table.avance_sin_saldos is not None:
            kind_of = "rubro sin PIM" if len(no_pim) == 1 else "rubros sin PIM"
            text += (f" Sin considerar {join_es(no_pim)} ({kind_of}), el avance es de "
                     f"{pct_text(table.avance_sin_saldos)} del PIM.")
        return text


def _annex_columns(plan: Plan, year: Period) -> list[GridColumn]:
    cols: list[GridColumn] = []
    for sem in semesters(plan.anio, plan.periodicidad):
        group = f"{ROMAN[sem.number]} Semestre"
        for b in base_within(sem, plan.periodicidad):
            cols.append(GridColumn(group, ROMAN[b.number] if b.kind == "T" else b.short, b))
        cols.append(GridColumn(group, "Sem.", sem))
    cols.append(GridColumn("Total anual", "Total", year))
    return cols


def report_date(plan: Plan, source: str = "") -> _dt.date | None:
    """The Narrativa's «fecha_informe» as a date; None when empty.

    Raises:
        PlanError: it is not a date (dd/mm/aaaa), named by sheet and field.
    """
    text = (plan.narrativa.get(DATE_FIELD) or "").strip()
    if not text:
        return None
    day = parse_date(text.split()[0])  # a date cell may come with its time: «2025-08-15 00:00:00»
    if day is None:
        raise PlanError([(f"hoja Narrativa, campo «{DATE_FIELD}»",
                          f"«{text}» no es una fecha: escríbala como dd/mm/aaaa (p. ej. 15/08/{plan.anio}).")],
                        source)
    return day


def build_content(plan: Plan, period: Period, fecha: _dt.date | None = None) -> ReportContent:
    """Evaluate ``plan`` for ``period`` (and for the year and its semesters, for Anexo 01). The date is ``fecha``,
    else the Narrativa's «fecha_informe», else today."""
    fecha = fecha or report_date(plan)
    ev = evaluate(plan, period)
    year = whole_year(plan.anio, plan.periodicidad)
    annex_columns = _annex_columns(plan, year)
    totals = {p: {r.codigo: r for r in (ev if p == period else evaluate(plan, p)).aos}
              for p in [*semesters(plan.anio, plan.periodicidad), year]}

    in_period = {r.codigo: r for r in ev.aos}

    def annex_row(ao: Actividad) -> AnnexRow:
        """Base periods from the year's detail, in order; semesters and the year from their own evaluation."""
        detail = iter(totals[year][ao.codigo].detalle)
        pairs = [next(detail)[1:] if col.label not in ("Sem.", "Total")
                 else (totals[col.period][ao.codigo].programado, totals[col.period][ao.codigo].ejecutado)
                 for col in annex_columns]
        original = None
        if ao.reprogramaciones:  # what each column summed before any reprogramación
            first = ao.programado_original
            original = tuple(sum(first[col.period.start:col.period.stop], Decimal(0)) for col in annex_columns)
        return AnnexRow(ao.codigo, ao.nombre, ao.unidad, ao.instancia, tuple(p for p, _ in pairs),
                        tuple(e for _, e in pairs), original, in_period[ao.codigo].avance)

    body_offices, body_columns = condensed_offices(plan, period, ev)
    return ReportContent(
        plan=plan, period=period, ev=ev, fecha=fecha or _dt.date.today(),
        office_columns=office_columns(plan, period, ev.offices),
        body_offices=body_offices, body_office_columns=body_columns,
        annex_columns=tuple(annex_columns), annex={ao.codigo: annex_row(ao) for ao in plan.actividades()},
    )
