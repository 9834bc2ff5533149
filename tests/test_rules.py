"""Recompute rules on plain data: AO progress/status, indicators, budget, office totals (with hypothesis)."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from zedxl import rules
from zedxl.evaluation import evaluate
from zedxl.model import Accion, Actividad, Indicador, LineaPresupuesto, Objetivo, Plan, Reglas
from zedxl.periods import base_within, parse_period

SEED = Reglas()
NO_CAP = Reglas(tope_avance=None, avance_sin_meta=D(0))


def test_rules_progress_capped_and_without_target() -> None:
    assert rules.progress(D(2), D(3), SEED) == D(100)
    assert rules.progress(D(3), D(2), SEED) == D(2) / D(3) * 100
    assert rules.progress(D(0), D(1), SEED) == D(100)  # executed without target: the seed prints 100
    assert rules.progress(D(0), D(0), SEED) == D(100)
    assert rules.progress(D(1), None, SEED) is None  # not reported is not 0
    assert rules.progress(D(2), D(3), NO_CAP) == D(150)
    assert rules.progress(D(0), D(1), NO_CAP) == D(0)


def test_rules_status_covers_every_case() -> None:
    assert rules.status(D(1), None, SEED) == "sin reporte"
    assert rules.status(D(0), D(0), SEED) == "sin meta"
    assert rules.status(D(0), D(2), SEED) == "ejecutada sin meta"
    assert rules.status(D(2), D(3), SEED) == "sobreejecución"
    assert rules.status(D(10), D(9), SEED) == "en rango"
    assert rules.status(D(10), D(10), SEED) == "en rango"
    assert rules.status(D(10), D(8), SEED) == "por debajo"
    assert rules.traffic_light(D(90), SEED) == "verde"
    assert rules.traffic_light(D(50), SEED) == "amarillo"
    assert rules.traffic_light(D("49.99"), SEED) == "rojo"
    assert rules.traffic_light(None, SEED) is None


def test_rules_indicator_against_annual_target_and_not_measured() -> None:
    ind = Indicador("n", "Eventos", D(3), {"S1": D(2)})
    assert rules.round2(rules.indicator_progress(ind, "S1", SEED)) == D("66.67")
    assert rules.indicator_progress(ind, "S2", SEED) is None  # no medido aún, distinct from 0
    zero = Indicador("n", "%", D(5), {"S1": D(0)})
    assert rules.indicator_progress(zero, "S1", SEED) == D(0)
    assert rules.indicator_progress(Indicador("n", "%", None, {"S1": D(1)}), "S1", SEED) is None
    # the status as the master's formula gives it: measured without an annual target is not measured yet
    assert rules.indicator_status(D(1), None, SEED) == rules.NO_MEDIDO
    assert rules.indicator_status(None, None, SEED) == rules.NO_MEDIDO
    assert rules.indicator_status(D(1), D(90), SEED) == rules.EN_RANGO
    assert rules.indicator_status(D(1), D("89.99"), SEED) == rules.POR_DEBAJO


def test_rules_budget_exact_half_up() -> None:
    def at_t2(value: str) -> tuple[D | None, ...]:
        return (None, D(value), None, None)

    line = LineaPresupuesto("Impuestos", D(2901520), D(2901520), at_t2("1329058.20"))
    assert rules.round2(rules.budget_pct(line, 2)) == D("45.81")
    assert rules.budget_pct(line, 1) is None and rules.budget_pct(line, 3) is None  # nothing reported then
    saldo = LineaPresupuesto("Saldos de Balance", None, None, at_t2("18480271.94"))
    assert rules.budget_pct(saldo, 2) is None and rules.budget_diff(saldo) is None
    assert rules.budget_pct(LineaPresupuesto("x", D(0), D(0), at_t2("5")), 2) is None
    otros = LineaPresupuesto("Otros Gastos", D(21500), D(3200), at_t2("500.83"))
    assert rules.budget_diff(otros) == D(-18300)
    # exact half-up where binary floats would round down: 0.125 -> 0.13, 2.675 -> 2.68
    assert rules.round2(D("0.125")) == D("0.13")
    assert rules.round2(D("2.675")) == D("2.68")
    lines = (line, LineaPresupuesto("Venta", D(1100000), D(1100000), at_t2("435700.22")),
             LineaPresupuesto("Otros", D(820000), D(820000), at_t2("379195.36")), saldo)
    total = rules.budget_total(lines, "T")
    assert (total.pia, total.acumulado) == (D(4821520), at_t2("20624225.72"))
    assert rules.round2(rules.budget_pct(total, 2)) == D("427.75")
    assert rules.round2(rules.budget_pct_with_pim_only(lines, 2)) == D("44.47")


def test_rules_budget_executed_within_a_period_is_derived_from_the_accumulated() -> None:
    line = LineaPresupuesto("Impuestos", D(100), D(100), (D(10), None, D(45), D("60.5")))
    assert [line.ejecucion_en(i) for i in range(4)] == [D(10), None, None, D("15.5")]
    assert [line.ejecucion_al(stop) for stop in range(5)] == [None, D(10), None, D(45), D("60.5")]


def test_rules_partial_reports_sum_what_was_reported() -> None:
    assert rules.sum_executed((D(1), None, None, None), 0, 2) == D(1)
    assert rules.sum_executed((None, None, D(1), None), 0, 2) is None
    assert rules.mean([None, D(50), D(100)]) == D(75)
    assert rules.mean([None]) is None


quantity = st.decimals(min_value=0, max_value=1000, places=1, allow_nan=False, allow_infinity=False)
offices = ["DPD", "DOI", "OGA", "OAL"]


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    n_ao = draw(st.integers(min_value=1, max_value=12))
    monthly = draw(st.booleans())
    n = 12 if monthly else 4
    aos = []
    for i in range(n_ao):
        prog = tuple(draw(st.lists(quantity, min_size=n, max_size=n)))
        ejec = tuple(draw(st.lists(st.one_of(st.none(), quantity), min_size=n, max_size=n)))
        aos.append(Actividad(f"AO.01.01.{i + 1:02d}", f"AO {i}", "Acciones", draw(st.sampled_from(offices)),
                             prog, ejec))
    return Plan("E", "E", 2025, "mensual" if monthly else "trimestral", {o: o for o in offices},
                (Objetivo("OEI.01", "o", None, (Accion("AEI.01.01", "a", None, tuple(aos)),)),))


@settings(max_examples=60, deadline=None)
@given(plans(), st.sampled_from(["2025-S1", "2025-S2", "2025", "2025-T1", "2025-T4"]))
def test_rules_office_totals_add_up_to_the_institution(plan: Plan, label: str) -> None:
    ev = evaluate(plan, parse_period(label, plan.anio, plan.periodicidad))
    total = ev.offices.total
    for k in range(len(ev.offices.columns)):
        assert sum((r.programado[k] for r in ev.offices.rows), D(0)) == total.programado[k]
        reported = [r.ejecutado[k] for r in ev.offices.rows if r.ejecutado[k] is not None]
        # "sin dato" (None) when no office reported, never 0 (#22 case 4); else the sum of those that did
        assert total.ejecutado[k] == (sum(reported, D(0)) if reported else None)
    # the last column is the period itself and equals the sum of its base periods
    base_cols = len(base_within(ev.period, plan.periodicidad))
    if len(ev.offices.columns) > 1:
        assert sum(total.programado[:base_cols], D(0)) == total.programado[-1]
    assert sum(ev.estados.values()) == len(ev.aos)
    assert sum(r.n_ao for r in ev.offices.rows) == len(ev.aos)


def _ao(prog: tuple[int | str, ...], ejec: tuple[int | str | None, ...], code: str = "AO.01.01.01") -> Actividad:
    return Actividad(code, "AO", "Acciones", "DPD", tuple(D(v) for v in prog),
                     tuple(None if v is None else D(v) for v in ejec))


def _plan_of(*aos: Actividad, periodicidad: str = "trimestral") -> Plan:
    return Plan("E", "E", 2025, periodicidad, {"DPD": "D"},  # type: ignore[arg-type]
                (Objetivo("OEI.01", "o", None, (Accion("AEI.01.01", "a", None, aos),)),))


def test_rules_reported_through_is_the_last_base_period_with_an_executed_value() -> None:
    assert rules.reported_through(_plan_of(_ao((1, 1, 1, 1), (None, None, None, None)))) == 0
    assert rules.reported_through(_plan_of(_ao((1, 1, 1, 1), (1, 0, None, None)))) == 2  # a typed 0 is reported
    # the latest of any AO, gaps included
    assert rules.reported_through(_plan_of(_ao((1, 1, 1, 1), (1, None, None, None)),
                                           _ao((1, 1, 1, 1), (None, None, 2, None), "AO.01.01.02"))) == 3
    assert rules.reported_through(_plan_of(_ao((1,) * 12, (1, 1) + (None,) * 10), periodicidad="mensual")) == 2
    assert rules.coverage_text(2, "trimestral") == "Ejecutado reportado hasta T2 (2 de 4 trimestres)"
    assert rules.coverage_text(2, "mensual") == "Ejecutado reportado hasta Feb (2 de 12 meses)"
    assert rules.coverage_text(0, "mensual") == "Sin ejecutado reportado todavía"


def test_rules_period_not_due_is_en_curso_against_what_was_programmed_to_date() -> None:
    """#22: the year, mid-year, is measured against what was programmed through «hasta» and is never red."""
    def year(prog: tuple[int, ...], ejec: tuple[int | None, ...], hasta: int = 2) -> rules.Measure:
        ao = _ao(prog, ejec)
        return rules.measure(ao.programado, ao.ejecutado, 0, 4, hasta, SEED)

    behind = year((1, 1, 1, 1), (1, 0, None, None))
    assert (behind.programado, behind.a_la_fecha, behind.ejecutado) == (D(4), D(2), D(1))
    assert (behind.avance, behind.estado, behind.semaforo, behind.vencido) == (D(50), "en curso", None, False)
    # due (hasta reaches the year's end): exactly as always
    due = year((1, 1, 1, 1), (1, 0, None, None), hasta=4)
    assert (due.a_la_fecha, due.avance, due.estado, due.semaforo, due.vencido) == \
        (D(4), D(25), "por debajo", "rojo", True)
    assert year((0, 0, 1, 1), (0, 0, None, None)).estado == "en curso"  # nothing of it due yet
    assert year((0, 0, 1, 1), (0, 0, None, None)).avance == D(100)  # «sin meta» to date, as the rule says
    assert year((1, 1, 1, 1), (None, None, None, None)).estado == "sin reporte"  # T1 and T2 are owed
    assert year((0, 0, 1, 1), (None, None, None, None)).estado == "en curso"  # nothing was due
    assert year((0, 0, 1, 1), (None, None, None, None), hasta=0).estado == "sin reporte"  # nothing reported yet
    over = year((1, 1, 1, 1), (3, 2, None, None))
    assert (over.estado, over.avance, over.ratio, over.semaforo) == ("sobreejecución", D(100), D(250), "verde")
    assert year((1, 1, 1, 1), (2, 2, None, None)).estado == "en curso"  # the goal is met, judged at the end
    assert year((0, 0, 0, 0), (1, 0, None, None)).estado == "ejecutada sin meta"
    assert year((0, 0, 0, 0), (0, 0, None, None)).estado == "sin meta"
    # the second semester, mid-year: nothing of it due, nothing reported
    ao = _ao((1, 1, 1, 1), (1, 1, None, None))
    s2 = rules.measure(ao.programado, ao.ejecutado, 2, 4, 2, SEED)
    assert (s2.a_la_fecha, s2.ejecutado, s2.avance, s2.estado) == (D(0), None, None, "en curso")


@settings(max_examples=80, deadline=None)
@given(plans(), st.sampled_from(["2025-S1", "2025-S2", "2025", "2025-T1", "2025-T3", "2025-T4"]))
def test_rules_a_period_is_measured_as_always_when_due_and_never_red_before(plan: Plan, label: str) -> None:
    period = parse_period(label, plan.anio, plan.periodicidad)
    ev = evaluate(plan, period)
    assert ev.hasta == rules.reported_through(plan)
    for row, ao in zip(ev.aos, plan.actividades(), strict=True):
        p = rules.sum_programmed(ao.programado, period.start, period.stop)
        e = rules.sum_executed(ao.ejecutado, period.start, period.stop)
        assert (row.programado, row.ejecutado) == (p, e)
        if ev.hasta >= period.stop:
            assert (row.avance, row.estado) == (rules.progress(p, e, plan.reglas), rules.status(p, e, plan.reglas))
        else:
            assert row.estado != rules.POR_DEBAJO and row.estado != rules.EN_RANGO
        if row.estado == rules.EN_CURSO:
            assert row.semaforo is None
    assert set(ev.estados) == set(rules.STATUSES)
