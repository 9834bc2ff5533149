"""What an office sends back, as plain data, and the pure merge of returns into a plan.

``validate`` turns a returned workbook into a ``ReturnData`` (plus its issues); ``consolidate`` merges the valid
ones with ``merge`` and records every ``Change`` in the audit ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, NamedTuple

from zedxl.issues import Report
from zedxl.model import Plan, Presupuesto
from zedxl.periods import Period, base_labels


@dataclass(frozen=True)
class ReturnData:
    """The plain values of one office's returned workbook for one period.

    ``ejecutado`` maps AO code → {base-period index → value (None = left blank)}; only the period's cells.
    ``justificacion`` maps AO code → {base-period index → the office's text} (stripped, neutralised, never a
    formula; "" = left blank), for the same cells.
    ``presupuesto`` (only from the office that reports the budget) maps ``"ingresos"``/``"gastos"`` → {rubro →
    {base-period index → execution accumulated at its close (None = left blank)}}.
    """

    file: str
    sha256: str
    entidad: str
    anio: int
    periodo: Period
    instancia: str
    template_version: str
    ejecutado: Mapping[str, Mapping[int, Decimal | None]]
    justificacion: Mapping[str, Mapping[int, str]]
    report: Report = field(default_factory=Report)
    presupuesto: Mapping[str, Mapping[str, Mapping[int, Decimal | None]]] = field(default_factory=dict)

    def is_blank(self) -> bool:
        """No executed value, justification or budget figure: the workbook as it was sent, or emptied."""
        return (all(v is None for per in self.ejecutado.values() for v in per.values())
                and not any(t for per in self.justificacion.values() for t in per.values())
                and all(v is None for lines in self.presupuesto.values() for per in lines.values()
                        for v in per.values()))


class Change(NamedTuple):
    """One cell of the master changed by a merge: what, before, after, from which file."""

    codigo: str
    campo: str  # e.g. "Ejec. T1" or "Justificación"
    antes: Decimal | str | None
    despues: Decimal | str | None
    instancia: str
    archivo: str


def merge(plan: Plan, returns: Iterable[ReturnData]) -> tuple[Plan, list[Change]]:
    """Apply the returns' executed values, justifications and budget execution to ``plan``; pure, in order.

    A return writes only its own office's AO and only the base periods it holds (those of its period the office
    was given to type), blank cells included: what the newest return of an office and period says is what the
    master holds. Budget execution is taken only from the returns of the office that reports the budget
    (``plan.responsable_presupuesto``), line by rubro.
    """
    returns_list = list(returns)
    labels = base_labels(plan.periodicidad)
    values: dict[str, list[Any]] = {}  # AO code → its executed values, once a return changed one
    texts: dict[str, list[Any]] = {}  # and its justifications
    changes: list[Change] = []
    current = {ao.codigo: ao for ao in plan.actividades()}
    for ret in returns_list:
        office, file, period = ret.instancia, ret.file, range(ret.periodo.start, ret.periodo.stop)
        for got, held, attr, campo in ((ret.ejecutado, values, "ejecutado", "Ejec."),
                                       (ret.justificacion, texts, "justificacion", "Justificación")):
            for code, per in got.items():
                ao = current.get(code)
                if ao is None or ao.instancia != office:
                    continue
                row = held.get(code)
                for idx in period:  # only the return's own period (a month of a monthly plan: one cell)
                    if idx not in per:
                        continue
                    old = getattr(ao, attr)[idx] if row is None else row[idx]
                    if old != per[idx]:
                        if row is None:
                            row = held[code] = list(getattr(ao, attr))
                        changes.append(Change(code, f"{campo} {labels[idx]}", old, per[idx], office, file))
                        row[idx] = per[idx]
    merged = plan.with_ejecutado({c: tuple(v) for c, v in values.items()}, {c: tuple(t) for c, t in texts.items()})
    budget, budget_changes = _merge_budget(merged, returns_list)
    return replace(merged, presupuesto=budget), changes + budget_changes


_BUDGET_KINDS = {"ingresos": "Ingresos", "gastos": "Gastos"}


def _merge_budget(plan: Plan, returns: Iterable[ReturnData]) -> tuple[Presupuesto, list[Change]]:
    """Budget execution from the returns of ``plan.responsable_presupuesto``: lines matched by rubro, only the base
    periods each return holds."""
    labels = base_labels(plan.periodicidad)
    lines = {"ingresos": list(plan.presupuesto.ingresos), "gastos": list(plan.presupuesto.gastos)}
    changes: list[Change] = []
    for ret in returns:
        if not ret.presupuesto or ret.instancia != plan.responsable_presupuesto:
            continue
        period = range(ret.periodo.start, ret.periodo.stop)
        for kind, by_rubro in ret.presupuesto.items():
            current = lines.get(kind)
            if current is None:
                continue
            for i, line in enumerate(current):
                per = by_rubro.get(line.rubro)
                if per is None:
                    continue
                acumulado = list(line.acumulado) or [None] * len(labels)
                for idx in period:
                    if idx in per and per[idx] != acumulado[idx]:
                        changes.append(Change(line.rubro, f"Ejec. acum. {labels[idx]} ({_BUDGET_KINDS[kind]})",
                                              acumulado[idx], per[idx], ret.instancia, ret.file))
                        acumulado[idx] = per[idx]
                current[i] = replace(line, acumulado=tuple(acumulado))
    return Presupuesto(tuple(lines["ingresos"]), tuple(lines["gastos"])), changes
