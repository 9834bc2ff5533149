"""The ``summary`` verb: the Resumen table, indicators, AO list and budget of a master, as text or stable JSON."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from zedxl import fmt, rules
from zedxl.evaluation import BudgetRow, BudgetTable, Evaluation, OfficeRow, evaluate
from zedxl.model import Plan
from zedxl.periods import Period, base_periods, parse_period, semesters

JSON_VERSION = 1


def default_period(plan: Plan) -> Period:
    """The latest semester with any executed value reported (S1 when nothing is reported)."""
    s1, s2 = semesters(plan.anio, plan.periodicidad)
    return s2 if any(v is not None for ao in plan.actividades() for v in ao.ejecutado[s2.start:s2.stop]) else s1


def _n(value: Decimal | None) -> float | int | None:
    """Exact quantity as a JSON number (ints stay ints)."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _r(value: Decimal | None) -> float | None:
    r = rules.round2(value)
    return None if r is None else float(r)


def _office(row: OfficeRow) -> dict[str, Any]:
    return {"instancia": row.instancia, "nombre": row.nombre, "n_ao": row.n_ao,
            "programado": [_n(v) for v in row.programado], "ejecutado": [_n(v) for v in row.ejecutado],
            "avance_promedio": _r(row.avance_promedio)}


def _budget_row(row: BudgetRow) -> dict[str, Any]:
    return {"rubro": row.rubro, "pia": _r(row.pia), "pim": _r(row.pim), "pim_menos_pia": _r(row.diferencia),
            "ejecucion": _r(row.ejecucion), "avance": _r(row.avance)}


def _budget(table: BudgetTable) -> dict[str, Any]:
    return {"lineas": [_budget_row(r) for r in table.lineas], "total": _budget_row(table.total),
            "avance_sin_rubros_sin_pim": _r(table.avance_sin_saldos)}


def to_json(ev: Evaluation) -> dict[str, Any]:
    """The stable JSON document of ``zedxl summary --json`` (shape documented in the README)."""
    plan = ev.plan
    return {
        "version": JSON_VERSION,
        "entidad": plan.entidad,
        "sigla": plan.sigla,
        "anio": plan.anio,
        "periodo": ev.period.label,
        "periodo_nombre": ev.period.name,
        "hasta": ev.hasta_label,
        "periodos_con_dato": ev.periodos_con_dato,
        "periodos_base": ev.periodos_base,
        "en_curso": ev.en_curso,
        "instancias": dict(plan.instancias),
        "avance_institucional": _r(ev.avance_institucional),
        "resumen_instancias": {
            "columnas": list(ev.offices.columns),
            "filas": [_office(r) for r in ev.offices.rows],
            "total": _office(ev.offices.total),
        },
        "indicadores": [{
            "nivel": i.nivel, "codigo": i.codigo, "nombre": i.nombre, "indicador": i.indicador,
            "unidad": i.unidad, "meta_anual": _n(i.meta_anual), "ejecutado": _n(i.ejecutado),
            "avance": _r(i.avance), "estado": i.estado,
        } for i in ev.indicators],
        "actividades": [{
            "codigo": a.codigo, "oei": a.oei, "aei": a.aei, "nombre": a.nombre, "unidad": a.unidad,
            "instancia": a.instancia, "programado": _n(a.programado), "programado_original": _n(a.original),
            "programado_a_la_fecha": _n(a.a_la_fecha), "ejecutado": _n(a.ejecutado),
            "avance": _r(a.avance), "avance_sin_tope": _r(a.ratio), "estado": a.estado, "semaforo": a.semaforo,
            "justificaciones": [{"periodo": label, "texto": text} for label, text in a.justificaciones],
            "pim": _n(a.pim), "devengado": _n(a.devengado), "avance_financiero": _r(a.avance_financiero),
        } for a in ev.aos],
        "financiero_instancias": [{"instancia": f.instancia, "pim": _n(f.pim), "devengado": _n(f.devengado),
                                   "avance_financiero": _r(f.avance)} for f in ev.financiero],
        "estados": ev.estados,
        "presupuesto": {"ejecucion_acumulada_al": base_periods(plan.anio, plan.periodicidad)[ev.period.stop - 1].label,
                        "ingresos": _budget(ev.ingresos), "gastos": _budget(ev.gastos)},
    }


def render_text(ev: Evaluation, console: Any = None) -> None:
    """Print the summary as Spanish tables (rich)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    con = console or Console()
    plan = ev.plan
    con.print(f"[bold]{plan.entidad} ({plan.sigla}) — POI {plan.anio} — {ev.period.name} ({ev.period.label})[/]")
    con.print(f"Avance físico institucional (promedio de las {len(ev.aos)} AO): "
              f"[bold]{fmt.pct(ev.avance_institucional, 'sin reporte')} %[/]")
    con.print(ev.coverage() + (f"; el periodo está en curso: el avance de cada AO se mide contra lo programado hasta "
                               f"{ev.hasta_label}." if ev.en_curso and ev.hasta else "."))

    t = Table(title="Programación y avance de AO por instancia (suma simple, como el Anexo 02)", box=box.SIMPLE)
    t.add_column("Instancia")
    t.add_column("Concepto")
    for c in ev.offices.columns:
        t.add_column(c, justify="right")
    t.add_column("Prom. AO %", justify="right")
    for row in (*ev.offices.rows, ev.offices.total):
        label = "Totales" if row is ev.offices.total else row.instancia
        t.add_row(label, "Programado", *(fmt.num1(v) for v in row.programado), fmt.pct(row.avance_promedio))
        t.add_row("", "Ejecutado", *(fmt.num1(v) for v in row.ejecutado), "", end_section=True)
    con.print(t)

    t = Table(title="Avance de resultados de OEI y AEI (contra la meta anual)", box=box.SIMPLE)
    for h in ("Código", "Indicador", "U.M.", "Meta anual", "Ejecutado", "Avance %", "Estado"):
        t.add_column(h, justify="right" if h in ("Meta anual", "Ejecutado", "Avance %") else "left",
                     no_wrap=True, overflow="ellipsis", max_width=48 if h == "Indicador" else None,
                     min_width=12 if h in ("Código", "Ejecutado", "Estado") else None)
    for i in ev.indicators:
        t.add_row(i.codigo, i.indicador[:60], i.unidad, fmt.qty(i.meta_anual), fmt.qty(i.ejecutado, "—"),
                  fmt.pct(i.avance, "—"), i.estado)
    con.print(t)

    t = Table(title=f"Actividades operativas — {ev.period.name}", box=box.SIMPLE)
    for h in ("Código", "Instancia", "U.M.", "Prog.", "Ejec.", "Avance %", "Sin tope %", "Estado"):
        t.add_column(h, justify="right" if h in ("Prog.", "Ejec.", "Avance %", "Sin tope %") else "left",
                     no_wrap=True)
    for a in ev.aos:
        t.add_row(a.codigo, a.instancia, a.unidad[:18], fmt.qty(a.programado), fmt.qty(a.ejecutado, "—"),
                  fmt.pct(a.avance, "—"), fmt.pct(a.ratio, "—"), a.estado)
    con.print(t)
    con.print("Estados: " + ", ".join(f"{k}: {v}" for k, v in ev.estados.items() if v))

    for table, label in ((ev.ingresos, "Ingresos"), (ev.gastos, "Gastos")):
        t = Table(title=f"{label} presupuestarios {plan.anio}", box=box.SIMPLE)
        for h in ("Rubro", "PIA", "PIM", "Ejecución", "% vs PIM"):
            t.add_column(h, justify="left" if h == "Rubro" else "right", no_wrap=h != "Rubro")
        t.add_row(table.titulo, fmt.money(table.total.pia), fmt.money(table.total.pim),
                  fmt.money(table.total.ejecucion), fmt.pct(table.total.avance), end_section=True)
        for r in table.lineas:
            t.add_row(r.rubro, fmt.money(r.pia), fmt.money(r.pim), fmt.money(r.ejecucion), fmt.pct(r.avance))
        con.print(t)
        if label == "Ingresos" and table.avance_sin_saldos is not None:
            con.print(f"  % de avance de ingresos sin Saldos de Balance: {fmt.pct(table.avance_sin_saldos)}")


def summary(master: Path, period: str | None = None) -> Evaluation:
    """Read the master and evaluate it for ``period`` (default: latest semester with data)."""
    from zedxl.xlsx.master_read import read_master

    plan = read_master(Path(master)).plan
    per = parse_period(period, plan.anio, plan.periodicidad) if period else default_period(plan)
    return evaluate(plan, per)
