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
    """The visible mark of text still to be written: «[Pendiente: …]»."""
    return f"[Pendiente: {what}]"


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


def ao_progress_line(row: AORow, period: Period, hasta: str | None = None) -> str:
    """'2 eventos ejecutadas / 1 eventos programadas en el semestre' (the seed's line above each justification);
    for a period still in course (``hasta``: its last base period reported), what was programmed up to it too:
    '… programadas en el año (2 hasta T2)'."""
    unit = lower_unit(row.unidad) or "metas"
    prog = f"{fmt.qty(row.programado)} {unit} programadas en el {NOUN[period.kind]}"
    if hasta is not None and row.a_la_fecha is not None:
        prog += f" ({fmt.qty(row.a_la_fecha)} hasta {hasta})"
    if row.ejecutado is None:
        return f"Sin ejecución reportada / {prog}"
    return f"{fmt.qty(row.ejecutado)} {unit} ejecutadas / {prog}"


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
        """The plan's narrative text for ``key`` (problematica, logros, medidas), stripped; '' when absent."""
        return (self.plan.narrativa.get(key) or "").strip()

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


def build_content(plan: Plan, period: Period, fecha: _dt.date | None = None) -> ReportContent:
    """Evaluate ``plan`` for ``period`` (and for the year and its semesters, for Anexo 01)."""
    ev = evaluate(plan, period)
    year = whole_year(plan.anio, plan.periodicidad)
    annex_columns = _annex_columns(plan, year)
    totals = {p: {r.codigo: r for r in (ev if p == period else evaluate(plan, p)).aos}
              for p in [*semesters(plan.anio, plan.periodicidad), year]}

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
                        tuple(e for _, e in pairs), original)

    body_offices, body_columns = condensed_offices(plan, period, ev)
    return ReportContent(
        plan=plan, period=period, ev=ev, fecha=fecha or _dt.date.today(),
        office_columns=office_columns(plan, period, ev.offices),
        body_offices=body_offices, body_office_columns=body_columns,
        annex_columns=tuple(annex_columns), annex={ao.codigo: annex_row(ao) for ao in plan.actividades()},
    )
