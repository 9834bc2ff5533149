"""Plans of any shape (empty or one-line budgets, PIM 0, one office, one AO, an AO with nothing programmed, monthly
and quarterly): LibreOffice, forced to recalculate, computes every value zedxl cached in the master and in each
office workbook (#23, item 7)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.workbook_helpers import formula_cells, same
from zedxl.libreoffice import recalculate_many
from zedxl.model import (
    INDICATOR_POINTS,
    Accion,
    Actividad,
    Indicador,
    LineaPresupuesto,
    Objetivo,
    Plan,
    Presupuesto,
    Reglas,
    Reprogramacion,
)
from zedxl.new import write_master_file
from zedxl.periods import base_periods, n_base, parse_period
from zedxl.split import split
from zedxl.xlsx import layout as L
from zedxl.xlsx.master_read import read_master

OFFICES = {"DPD": "Dirección de Promoción y Desarrollo", "DOI": "Dirección de Operaciones e Infraestructura",
           "OGA": "Oficina General de Administración", "OAL": "Oficina de Asesoría Legal"}
UNITS = ("Acciones", "Informes", "%", "% avance/100", "Porcentaje de avance")
TEXTS = ("Se cumplió según lo programado.", "Demora en la contratación del servicio; se reprograma.",
         "Ejecución mayor por demanda de los usuarios (ñandú, «comillas»).")
RUBROS = ("Impuestos y Contribuciones Obligatorias", "Venta de Bienes y Servicios", "Otros Ingresos",
          "Saldos de Balance", "Personal y Obligaciones Sociales", "Bienes y Servicios", "Otros Gastos")


def _amount(places: int, top: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=0, max_value=top, places=places, allow_nan=False, allow_infinity=False)


def _quantity() -> st.SearchStrategy[Decimal]:
    return st.one_of(st.integers(0, 12).map(Decimal), _amount(2, 40))


@st.composite
def _indicador(draw: st.DrawFn) -> Indicador | None:
    if draw(st.booleans()):
        return None
    points = draw(st.lists(st.sampled_from(INDICATOR_POINTS), unique=True, max_size=3))
    return Indicador(draw(st.sampled_from(("Número de acciones", "Porcentaje de usuarios atendidos"))),
                     draw(st.sampled_from(("Acciones", "%", ""))),
                     draw(st.none() | st.integers(0, 20).map(Decimal)),
                     {p: draw(_quantity()) for p in points})


@st.composite
def _actividad(draw: st.DrawFn, code: str, offices: list[str], n: int) -> Actividad:
    zero = draw(st.integers(0, 3)) == 0  # an AO with nothing programmed in the whole year
    programado = tuple(Decimal(0) if zero else draw(st.one_of(st.just(Decimal(0)), _quantity()))
                       for _ in range(n))
    # some executed values land exactly on a semáforo threshold (0.09 of 0.1 is 90 %, 89.99999999999999 in floats)
    ejecutado = tuple(draw(st.none() | _quantity() | st.sampled_from((Decimal("0.9"), Decimal("0.5"), Decimal(1)))
                           .map(lambda share, p=p: p * share)) for p in programado)
    justificacion = tuple(draw(st.just("") | st.sampled_from(TEXTS)) for _ in range(n))
    # a reprogramming changes some periods; ``programado`` is the current programming, after it
    reprogramaciones = ()
    if draw(st.integers(0, 3)) == 0:
        idx = sorted(draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=3)))
        new = {i: draw(_quantity()) for i in idx}
        cambios = tuple((i, programado[i], new[i]) for i in idx if new[i] != programado[i])
        if cambios:
            reprogramaciones = (Reprogramacion(date(2025, 7, 10), cambios, TEXTS[1], draw(st.sampled_from(("",
                                "Memorando N° 045-2025")))),)
            programado = tuple(new.get(i, v) for i, v in enumerate(programado))
    pim = draw(st.none() | st.just(Decimal(0)) | _amount(2, 90_000))
    devengado = tuple(draw(st.none() | _amount(2, 30_000)) for _ in range(n)) if draw(st.booleans()) else ()
    return Actividad(code, f"Actividad operativa {code}", draw(st.sampled_from(UNITS)), draw(st.sampled_from(offices)),
                     programado, ejecutado, justificacion, reprogramaciones, pim, devengado)


@st.composite
def _lines(draw: st.DrawFn, names: tuple[str, ...], n: int) -> tuple[LineaPresupuesto, ...]:
    count = draw(st.sampled_from((0, 1, len(names))))
    lines = []
    for rubro in names[:count]:
        pim = draw(st.none() | st.just(Decimal(0)) | _amount(2, 5_000_000))
        acumulado = tuple(draw(st.none() | _amount(2, 6_000_000)) for _ in range(n))
        lines.append(LineaPresupuesto(rubro, draw(st.none() | _amount(2, 5_000_000)), pim, acumulado))
    return tuple(lines)


def _code(style: str, level: str, *parts: int) -> str:
    if style == "zedxl":
        return level + "." + ".".join(f"{x:02d}" for x in parts)
    if style == "ceplan":
        return f"{level}I{''.join(f'{x:03d}' for x in parts):0>11}"
    return f"{level} {'-'.join(map(str, parts))} (d'Ilo)"


@st.composite
def plans(draw: st.DrawFn, sigla: str) -> Plan:
    """A plan of random shape: 1–3 OEI of 1–2 AEI of 1–4 AO over 1–4 offices, monthly or quarterly, budgets of no,
    one or several lines with PIA/PIM missing or 0, execution partly unreported."""
    periodicidad = draw(st.sampled_from(("trimestral", "mensual")))
    n = n_base(periodicidad)
    offices = list(OFFICES)[:draw(st.integers(1, len(OFFICES)))]
    objetivos = []
    # codes as entities write them: zedxl's own, the Aplicativo CEPLAN's, or free text
    style = draw(st.sampled_from(("zedxl", "ceplan", "libre")))
    for i in range(1, draw(st.integers(1, 3)) + 1):
        acciones = []
        for j in range(1, draw(st.integers(1, 2)) + 1):
            aos = tuple(draw(_actividad(_code(style, "AO", i, j, k), offices, n))
                        for k in range(1, draw(st.integers(1, 4)) + 1))
            acciones.append(Accion(_code(style, "AEI", i, j), f"Acción estratégica {i}.{j}", draw(_indicador()), aos))
        objetivos.append(Objetivo(_code(style, "OEI", i), f"Objetivo estratégico {i}", draw(_indicador()),
                                  tuple(acciones)))
    verde = draw(st.sampled_from((Decimal(90), Decimal(95))))
    reglas = Reglas(tope_avance=draw(st.sampled_from((None, Decimal(100)))),
                    avance_sin_meta=draw(st.sampled_from((Decimal(100), Decimal(0)))),
                    verde=verde, amarillo=draw(st.sampled_from((Decimal(50), verde))))
    presupuesto = Presupuesto(draw(_lines(RUBROS[:4], n)), draw(_lines(RUBROS[4:], n)))
    # a field left empty in the master's Narrativa reads back as not given, so the plan holds only written ones
    drawn = {key: draw(st.just("") | st.sampled_from(TEXTS)) for key in L.NARRATIVA_FIELDS}
    narrativa = {key: text for key, text in drawn.items() if text}
    return Plan(entidad=f"Entidad de prueba {sigla}", sigla=sigla, anio=2025, periodicidad=periodicidad,
                instancias={c: OFFICES[c] for c in offices}, objetivos=tuple(objetivos), reglas=reglas,
                presupuesto=presupuesto, responsable_presupuesto=draw(st.none() | st.sampled_from(offices)),
                narrativa=narrativa)


def _periods_to_split(plan: Plan) -> list[str]:
    """The periods an office workbook can be asked for: every base period, and a longer one (semester, year, a
    quarter of a monthly plan) while one of its base periods has nothing reported yet."""
    longer = ["S1", "S2", ""] + (["T1", "T2", "T3", "T4"] if plan.periodicidad == "mensual" else [])
    unreported = {i for i in range(plan.n_periods) if all(ao.ejecutado[i] is None for ao in plan.actividades())}
    out = [b.label for b in base_periods(plan.anio, plan.periodicidad)]
    for part in longer:
        period = parse_period(f"{plan.anio}-{part}" if part else str(plan.anio), plan.anio, plan.periodicidad)
        if unreported & set(range(period.start, period.stop)):
            out.append(period.label)
    return out


def _mismatches(ours: Path, theirs: Path) -> list[tuple[str, str, str, Any, Any]]:
    """Every formula cell whose value zedxl cached differs from the one LibreOffice computed."""
    cached = openpyxl.load_workbook(ours, data_only=True)
    fresh = openpyxl.load_workbook(theirs, data_only=True)
    return [(ours.name, sheet, ref, cached[sheet][ref].value, fresh[sheet][ref].value)
            for sheet, ref in formula_cells(ours) if not same(cached[sheet][ref].value, fresh[sheet][ref].value)]


@pytest.mark.libreoffice
@settings(max_examples=3, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_shapes_libreoffice_recalculates_every_cached_value(tmp_path_factory: pytest.TempPathFactory,
                                                            data: st.DataObject) -> None:
    """A handful of plans of random shape, their masters and each office's workbook for one base period, all
    recalculated in one LibreOffice run: every formula cell holds what zedxl cached; each master reads back as its
    plan. (Shrinking is off: each try costs a LibreOffice start; the failure lists every cell that differs.)"""
    folder = tmp_path_factory.mktemp("formas")
    books = []
    for k in range(4):
        plan = data.draw(plans(f"E{k}"), label=f"plan {k}")
        master = folder / f"maestro-{k}.xlsx"
        write_master_file(plan, master)
        assert read_master(master).plan == plan
        period = data.draw(st.sampled_from(_periods_to_split(plan)), label=f"periodo {k}")
        books += [master, *split(master, period, folder / f"oficinas-{k}", procesos=1)]
    fresh = recalculate_many(books, folder / "lo")
    assert [m for ours, theirs in zip(books, fresh, strict=True) for m in _mismatches(ours, theirs)] == []
