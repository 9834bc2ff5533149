"""Recompute rules: AO progress and status, office totals, indicators and budget — pure functions on plain data.

Every rule is configurable through ``Reglas`` (the plan's ``reglas``). Results are exact ``Decimal``; rounding
(half-up, two decimals) happens only in ``round2`` for display.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from zedxl.model import Indicador, LineaPresupuesto, Plan, Reglas
from zedxl.periods import Periodicity, base_labels, n_base

HUNDRED = Decimal(100)
#: Decimal(i) for the whole numbers most programmed and executed values are (readers index it instead of converting)
SMALL_INTS = tuple(Decimal(i) for i in range(1001))
ZERO = Decimal(0)

# AO status values (shown in the workbook and the report)
SIN_REPORTE = "sin reporte"
SIN_META = "sin meta"
EJECUTADA_SIN_META = "ejecutada sin meta"
SOBREEJECUCION = "sobreejecución"
EN_RANGO = "en rango"
POR_DEBAJO = "por debajo"
EN_CURSO = "en curso"  # a period not due yet (it ends after «hasta»): neutral, never red
NO_MEDIDO = "no medido aún"
STATUSES = (EN_RANGO, SOBREEJECUCION, POR_DEBAJO, EN_CURSO, SIN_META, EJECUTADA_SIN_META, SIN_REPORTE)


#: Units of measure that are percentages: «%», «Porcentaje», «porcentaje de …», «por ciento» (a «Tasa» is not: it
#: may be per thousand)
_PERCENT_UNIT = re.compile(r"%|\bporcentaj|\bpor\s*ciento\b|\bporcentual", re.IGNORECASE)


def is_percent_unit(unit: str) -> bool:
    """Whether an AO measured in ``unit`` is typed as a percentage, 0 to 100."""
    return _PERCENT_UNIT.search(unit) is not None


_PER_UNIT = re.compile(r"/\s*100\b")


def typed_scale(unit: str) -> Decimal:
    """What an office types for one unit of the plan: 100 for a percentage the plan keeps as a fraction (the seed's
    «% avance/100»: the plan says 0.4, the office types 40), else 1."""
    return HUNDRED if is_percent_unit(unit) and _PER_UNIT.search(unit) else Decimal(1)


#: What Excel holds exactly: under 10^15 in size and at most 15 significant digits (a double's exact range). A figure
#: beyond it is refused where it enters (returns, plan, master), so sums and reports never meet one.
MAX_MAGNITUDE = Decimal("1E+15")
MAX_SIGNIFICANT = 15


def within_excel(value: Decimal) -> bool:
    """Whether ``value`` is a figure Excel holds exactly (see ``MAX_MAGNITUDE``)."""
    return value.is_finite() and abs(value) < MAX_MAGNITUDE and \
        len(value.normalize().as_tuple().digits) <= MAX_SIGNIFICANT


def round2(value: Decimal | None) -> Decimal | None:
    """Half-up to two decimals, for display only."""
    if value is None:
        return None
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def sum_programmed(values: Sequence[Decimal], start: int, stop: int) -> Decimal:
    return sum(values[start:stop], ZERO)


def sum_executed(values: Sequence[Decimal | None], start: int, stop: int) -> Decimal | None:
    """Sum of the reported values in the range; None when nothing in it was reported yet."""
    return _sum_opt(values[start:stop])


def _sum_opt(values: Iterable[Decimal | None]) -> Decimal | None:
    vals = [v for v in values if v is not None]
    return sum(vals, ZERO) if vals else None


def raw_ratio(programmed: Decimal, executed: Decimal | None) -> Decimal | None:
    """Uncapped executed/programmed × 100; None when not reported or nothing programmed."""
    if executed is None or programmed == 0:
        return None
    return executed / programmed * HUNDRED


def progress(programmed: Decimal, executed: Decimal | None, reglas: Reglas) -> Decimal | None:
    """AO progress %: E/P × 100 capped at ``tope_avance``; ``avance_sin_meta`` when P = 0; None if unreported."""
    if executed is None:
        return None
    if programmed == 0:
        return reglas.avance_sin_meta
    pct = executed / programmed * HUNDRED
    if reglas.tope_avance is not None and pct > reglas.tope_avance:
        return reglas.tope_avance
    return pct


def status(programmed: Decimal, executed: Decimal | None, reglas: Reglas) -> str:
    """AO status: sin reporte, sin meta, ejecutada sin meta, sobreejecución, en rango or por debajo."""
    if executed is None:
        return SIN_REPORTE
    if programmed == 0:
        return EJECUTADA_SIN_META if executed > 0 else SIN_META
    if executed > programmed:
        return SOBREEJECUCION
    if executed / programmed * HUNDRED >= reglas.verde:
        return EN_RANGO
    return POR_DEBAJO


def reported_through(plan: Plan) -> int:
    """«Hasta»: how many base periods the plan is evaluated through — the number (1-based) of the last base period in
    which any AO has an executed value (a typed 0 counts); 0 when nothing is reported yet.

    A period that ends after it is not due yet (``measure``). The master computes the same number with a formula
    (Parámetros, ``ZX_HASTA``) from the OEI sheets' «Ejec.» columns, so it follows what a person types.
    """
    last = 0
    for ao in plan.actividades():
        for i in range(len(ao.ejecutado) - 1, last - 1, -1):
            if ao.ejecutado[i] is not None:
                last = i + 1
                break
    return last


def coverage_text(hasta: int, periodicity: Periodicity) -> str:
    """What the executed sums cover, for people: «Ejecutado reportado hasta T2 (2 de 4 trimestres)». The master's
    Parámetros sheet builds the same text with a formula."""
    if hasta == 0:
        return "Sin ejecutado reportado todavía"
    unit = "trimestres" if periodicity == "trimestral" else "meses"
    return f"Ejecutado reportado hasta {base_labels(periodicity)[hasta - 1]} ({hasta} de {n_base(periodicity)} {unit})"


class Measure(NamedTuple):
    """One AO over one period ``[start, stop)`` of base periods, evaluated through ``hasta`` (``measure``)."""

    programado: Decimal  # the whole period's
    a_la_fecha: Decimal  # programmed up to «hasta» (the whole period's when it is due)
    ejecutado: Decimal | None
    avance: Decimal | None
    ratio: Decimal | None
    estado: str
    semaforo: str | None
    vencido: bool  # due: «hasta» reaches the period's end


def measure(programado: Sequence[Decimal], ejecutado: Sequence[Decimal | None], start: int, stop: int,
            hasta: int, reglas: Reglas) -> Measure:
    """Progress and status of an AO over ``[start, stop)`` when the plan is reported through ``hasta``.

    A due period (``hasta >= stop``) is measured as always (``progress``, ``status``). One not due yet is measured
    against what was programmed up to «hasta» (the same cap and «sin meta» rule), and is never «por debajo»:

    - nothing reported in it: «sin reporte» when something was programmed up to «hasta» (a report is owed) or
      nothing at all is reported in the plan yet (``hasta`` 0); else «en curso» (nothing of it was due);
    - nothing programmed in the whole period: «sin meta» / «ejecutada sin meta», as when it is due;
    - more executed than the whole period's goal: «sobreejecución» (waiting cannot undo it);
    - otherwise «en curso», with no semáforo colour, whatever its progress to date.
    """
    p = sum_programmed(programado, start, stop)
    e = sum_executed(ejecutado, start, stop)
    due = hasta >= stop
    to_date = p if due else sum_programmed(programado, start, max(start, hasta))
    pct = progress(to_date, e, reglas)
    if due:
        state = status(p, e, reglas)
    elif e is None:
        state = EN_CURSO if to_date == 0 and hasta > 0 else SIN_REPORTE
    elif p == 0 or e > p:
        state = status(p, e, reglas)
    else:
        state = EN_CURSO
    light = None if state == EN_CURSO else traffic_light(pct, reglas)
    return Measure(p, to_date, e, pct, raw_ratio(to_date, e), state, light, due)


def traffic_light(pct: Decimal | None, reglas: Reglas) -> str | None:
    """Semáforo colour name for a progress %: verde, amarillo or rojo."""
    if pct is None:
        return None
    if pct >= reglas.verde:
        return "verde"
    if pct >= reglas.amarillo:
        return "amarillo"
    return "rojo"


def mean(values: Iterable[Decimal | None]) -> Decimal | None:
    """Mean of the values that exist; None when none does."""
    vals = [v for v in values if v is not None]
    return sum(vals, ZERO) / len(vals) if vals else None


def indicator_value(ind: Indicador | None, point: str) -> Decimal | None:
    """Measured value at an evaluation point (S1, S2, Anual); None = no medido aún."""
    if ind is None:
        return None
    return ind.ejecutado.get(point)


def indicator_progress(ind: Indicador | None, point: str, reglas: Reglas) -> Decimal | None:
    """Indicator progress: measured value against the ANNUAL target (the seed's footnote), capped like AO."""
    if ind is None or ind.meta_anual is None:
        return None
    return progress(ind.meta_anual, indicator_value(ind, point), reglas)


def indicator_status(value: Decimal | None, pct: Decimal | None, reglas: Reglas) -> str:
    """Indicator status, as the master's formula says it: no medido aún without a measurement or without a progress
    (no annual target), en rango from the green threshold, else por debajo."""
    if value is None or pct is None:
        return NO_MEDIDO
    return EN_RANGO if pct >= reglas.verde else POR_DEBAJO


def budget_pct(line: LineaPresupuesto, stop: int) -> Decimal | None:
    """Execution accumulated at the close of base period ``stop - 1`` / PIM × 100, exact; None for a line without
    PIM (or PIM 0) or not reported then."""
    ejecucion = line.ejecucion_al(stop)
    if line.pim is None or line.pim == 0 or ejecucion is None:
        return None
    return ejecucion / line.pim * HUNDRED


def budget_diff(line: LineaPresupuesto) -> Decimal | None:
    """PIM − PIA; None when either is missing."""
    if line.pim is None or line.pia is None:
        return None
    return line.pim - line.pia


def budget_total(lines: Sequence[LineaPresupuesto], rubro: str) -> LineaPresupuesto:
    """The total line: sums of PIA, PIM and, per base period, of the accumulated execution (missing values count
    as 0; a period no line reported stays None)."""
    n = max((len(ln.acumulado) for ln in lines), default=0)
    return LineaPresupuesto(rubro=rubro, pia=_sum_opt(ln.pia for ln in lines),
                            pim=_sum_opt(ln.pim for ln in lines),
                            acumulado=tuple(_sum_opt(ln.ejecucion_al(i + 1) for ln in lines) for i in range(n)))


def budget_pct_with_pim_only(lines: Sequence[LineaPresupuesto], stop: int) -> Decimal | None:
    """% of the lines that have a PIM only, at the close of base period ``stop - 1``: for income, the % without
    Saldos de Balance."""
    with_pim = [ln for ln in lines if ln.pim is not None]
    pim = _sum_opt(ln.pim for ln in with_pim)
    ejec = _sum_opt(ln.ejecucion_al(stop) for ln in with_pim)
    if pim is None or pim == 0 or ejec is None:
        return None
    return ejec / pim * HUNDRED


def financial_progress(pim: Decimal | None, devengado: Sequence[Decimal | None], start: int,
                       stop: int) -> tuple[Decimal | None, Decimal | None]:
    """An AO's (or an office's) spending in base periods ``[start, stop)`` and its avance financiero: what was
    spent against the annual PIM, in %; None when nothing was reported or there is no PIM above 0."""
    spent = sum_executed(devengado, start, stop)
    if spent is None or pim is None or pim <= 0:
        return spent, None
    return spent, spent / pim * 100
