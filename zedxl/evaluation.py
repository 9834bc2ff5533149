"""Evaluate a plan for one period: AO progress and status, indicator table, office table (Anexo 02) and budget.

``evaluate(plan, period)`` is the single pure computation behind ``summary``, the master's cached values check,
the report and the Excel buttons.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from zedxl import rules
from zedxl.model import LineaPresupuesto, Plan
from zedxl.periods import Period, base_labels, base_within, semesters


@dataclass(frozen=True)
class AORow:
    oei: str
    aei: str
    codigo: str
    nombre: str
    unidad: str
    instancia: str
    programado: Decimal
    ejecutado: Decimal | None
    avance: Decimal | None
    ratio: Decimal | None
    estado: str
    semaforo: str | None
    justificaciones: tuple[tuple[str, str], ...]  # (base period short label, text) of the period's texts, in order
    detalle: tuple[tuple[str, Decimal, Decimal | None], ...]  # (base period short label, P, E)
    a_la_fecha: Decimal | None = None  # programmed up to «hasta», what ``avance`` is measured against
    original: Decimal | None = None  # programmed in the period before any reprogramación (None: never reprogrammed)
    pim: Decimal | None = None  # the AO's financial side, when the plan carries it: annual PIM,
    devengado: Decimal | None = None  # spent in the period,
    avance_financiero: Decimal | None = None  # and spent against the PIM (%)


@dataclass(frozen=True)
class FinancialRow:
    """An office's financial side in the period: the PIM of its AO, what they spent, and the % (``rules``)."""

    instancia: str
    pim: Decimal | None
    devengado: Decimal | None
    avance: Decimal | None


@dataclass(frozen=True)
class IndicatorRow:
    nivel: str  # OEI or AEI
    codigo: str
    nombre: str
    indicador: str
    unidad: str
    meta_anual: Decimal | None
    ejecutado: Decimal | None
    avance: Decimal | None
    estado: str


@dataclass(frozen=True)
class OfficeRow:
    instancia: str
    nombre: str
    programado: tuple[Decimal, ...]
    ejecutado: tuple[Decimal | None, ...]  # None: no AO of the office reported in that column yet
    avance_promedio: Decimal | None
    n_ao: int


@dataclass(frozen=True)
class OfficeTable:
    columns: tuple[str, ...]
    rows: tuple[OfficeRow, ...]
    total: OfficeRow


@dataclass(frozen=True)
class BudgetRow:
    rubro: str
    pia: Decimal | None
    pim: Decimal | None
    diferencia: Decimal | None
    ejecucion: Decimal | None
    avance: Decimal | None


@dataclass(frozen=True)
class BudgetTable:
    titulo: str
    lineas: tuple[BudgetRow, ...]
    total: BudgetRow
    avance_sin_saldos: Decimal | None


@dataclass(frozen=True)
class Evaluation:
    plan: Plan
    period: Period
    aos: tuple[AORow, ...]
    indicators: tuple[IndicatorRow, ...]
    offices: OfficeTable
    avance_institucional: Decimal | None
    estados: dict[str, int]
    estados_por_oei: dict[str, dict[str, int]]
    ingresos: BudgetTable
    gastos: BudgetTable
    hasta: int = 0  # rules.reported_through: base periods the plan is evaluated through (0: nothing reported)
    financiero: tuple[FinancialRow, ...] = ()  # per office, when the plan carries the AO's financial side

    @property
    def en_curso(self) -> bool:
        """The period is not due yet: it ends after «hasta»."""
        return self.hasta < self.period.stop

    @property
    def hasta_label(self) -> str | None:
        """The last base period with an executed value: 'T2', 'Feb'; None when nothing is reported."""
        return base_labels(self.plan.periodicidad)[self.hasta - 1] if self.hasta else None

    @property
    def periodos_con_dato(self) -> int:
        """How many of the period's base periods its executed sums cover (those up to «hasta»)."""
        return max(0, min(self.period.stop, self.hasta) - self.period.start)

    @property
    def periodos_base(self) -> int:
        return self.period.stop - self.period.start

    def coverage(self) -> str:
        """«Ejecutado reportado hasta T2 (2 de 4 trimestres del periodo)» — what the period's sums and averages
        cover."""
        if not self.hasta:
            return rules.coverage_text(0, self.plan.periodicidad)
        unit = "trimestres" if self.plan.periodicidad == "trimestral" else "meses"
        return (f"Ejecutado reportado hasta {self.hasta_label} ({self.periodos_con_dato} de {self.periodos_base} "
                f"{unit} del periodo)")


def indicator_point(period: Period) -> str | None:
    """Evaluation point of a period for OEI/AEI indicators: S1, S2, Anual; None for quarters and months."""
    if period.kind == "S":
        return f"S{period.number}"
    if period.kind == "A":
        return "Anual"
    return None


def _columns(period: Period, plan: Plan) -> list[Period]:
    cols = base_within(period, plan.periodicidad)
    if period.kind == "A":
        cols += semesters(period.year, plan.periodicidad)
    if len(cols) > 1 or cols[0] != period:
        cols.append(period)
    return cols


def _budget_row(line: LineaPresupuesto, stop: int) -> BudgetRow:
    return BudgetRow(line.rubro, line.pia, line.pim, rules.budget_diff(line), line.ejecucion_al(stop),
                     rules.budget_pct(line, stop))


def budget_table(lines: tuple[LineaPresupuesto, ...], titulo: str, stop: int) -> BudgetTable:
    """The budget as it stood at the close of base period ``stop - 1`` (the execution accumulated then)."""
    total = rules.budget_total(lines, titulo)
    return BudgetTable(titulo, tuple(_budget_row(ln, stop) for ln in lines), _budget_row(total, stop),
                       rules.budget_pct_with_pim_only(lines, stop))


def evaluate(plan: Plan, period: Period) -> Evaluation:
    """Everything the Resumen sheet, the summary command and the report show for ``period``."""
    reglas = plan.reglas
    base = base_within(period, plan.periodicidad)
    hasta = rules.reported_through(plan)
    aos: list[AORow] = []
    for oei in plan.objetivos:
        for aei in oei.acciones:
            for ao in aei.actividades:
                m = rules.measure(ao.programado, ao.ejecutado, period.start, period.stop, hasta, reglas)
                spent, fin_pct = rules.financial_progress(ao.pim, ao.devengado, period.start, period.stop)
                aos.append(AORow(
                    oei=oei.codigo, aei=aei.codigo, codigo=ao.codigo, nombre=ao.nombre, unidad=ao.unidad,
                    instancia=ao.instancia, programado=m.programado, ejecutado=m.ejecutado, avance=m.avance,
                    ratio=m.ratio, estado=m.estado, semaforo=m.semaforo,
                    justificaciones=tuple((b.short, ao.justificacion[b.start]) for b in base
                                          if ao.justificacion[b.start]),
                    detalle=tuple((b.short, ao.programado[b.start], ao.ejecutado[b.start]) for b in base),
                    a_la_fecha=m.a_la_fecha,
                    original=sum(ao.programado_original[period.start:period.stop], rules.ZERO)
                    if ao.reprogramaciones else None,
                    pim=ao.pim, devengado=spent, avance_financiero=fin_pct,
                ))

    point = indicator_point(period)
    indicators: list[IndicatorRow] = []
    for oei in plan.objetivos:
        levels = [("OEI", oei.codigo, oei.nombre, oei.indicador)]
        levels += [("AEI", a.codigo, a.nombre, a.indicador) for a in oei.acciones]
        for nivel, codigo, nombre, ind in levels:
            if ind is None:
                continue
            value = rules.indicator_value(ind, point) if point else None
            pct = rules.indicator_progress(ind, point, reglas) if point else None
            indicators.append(IndicatorRow(
                nivel=nivel, codigo=codigo, nombre=nombre, indicador=ind.nombre, unidad=ind.unidad,
                meta_anual=ind.meta_anual, ejecutado=value, avance=pct,
                estado=rules.indicator_status(value, pct, reglas),
            ))

    cols = _columns(period, plan)
    all_aos = list(plan.actividades())
    by_office: dict[str, list[int]] = {}  # each office's AO, by position: grouped once, not scanned per office
    for i, ao in enumerate(all_aos):
        by_office.setdefault(ao.instancia, []).append(i)

    def office_row(code: str, name: str, members: list[int]) -> OfficeRow:
        chosen = [all_aos[i] for i in members]
        prog = tuple(sum((rules.sum_programmed(ao.programado, c.start, c.stop) for ao in chosen), rules.ZERO)
                     for c in cols)
        ejec = tuple(rules.sum_executed([rules.sum_executed(ao.ejecutado, c.start, c.stop) for ao in chosen], 0,
                                        len(chosen)) for c in cols)  # None: nobody reported yet ("sin dato")
        return OfficeRow(code, name, prog, ejec, rules.mean(aos[i].avance for i in members), len(chosen))

    office_rows = tuple(office_row(c, n, by_office.get(c, [])) for c, n in plan.instancias.items())
    offices = OfficeTable(tuple(c.short for c in cols), office_rows,
                          office_row("Total", "Total", list(range(len(all_aos)))))

    estados = Counter(r.estado for r in aos)
    por_oei: dict[str, dict[str, int]] = {}
    for r in aos:
        por_oei.setdefault(r.oei, dict.fromkeys(rules.STATUSES, 0))[r.estado] += 1
    return Evaluation(
        plan=plan, period=period, aos=tuple(aos), indicators=tuple(indicators), offices=offices,
        avance_institucional=rules.mean(r.avance for r in aos),
        estados={s: estados.get(s, 0) for s in rules.STATUSES},
        estados_por_oei=por_oei,
        ingresos=budget_table(plan.presupuesto.ingresos, "INGRESOS PRESUPUESTARIOS", period.stop),
        gastos=budget_table(plan.presupuesto.gastos, "GASTOS PRESUPUESTARIOS", period.stop),
        hasta=hasta,
        financiero=financial_rows(plan, aos) if plan.financiero else (),
    )


def financial_rows(plan: Plan, aos: Sequence[AORow]) -> tuple[FinancialRow, ...]:
    """Per office (and «Total»): the PIM and the period's devengado of its AO, and the avance financiero."""
    groups: dict[str, list[AORow]] = {code: [] for code in plan.instancias}
    for row in aos:
        groups.setdefault(row.instancia, []).append(row)
    groups["Total"] = list(aos)
    out = []
    for office, rows in groups.items():
        pims = [r.pim for r in rows if r.pim is not None]
        pim = sum(pims, rules.ZERO) if pims else None
        spent = rules.sum_executed([r.devengado for r in rows], 0, len(rows))
        out.append(FinancialRow(office, pim, spent, rules.financial_progress(pim, [spent], 0, 1)[1]))
    return tuple(out)
