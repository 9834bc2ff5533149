"""What an office sends back, as plain data, and the pure merge of returns into a plan.

``validate`` turns a returned workbook into a ``ReturnData`` (plus its issues); ``consolidate`` merges the valid
ones with ``merge`` and records every ``Change`` in the audit ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import NamedTuple

from zedxl.issues import Report
from zedxl.model import Plan, Presupuesto
from zedxl.periods import Period, base_labels


@dataclass(frozen=True)
class ReturnData:
    """The plain values of one office's returned workbook for one period.

    ``ejecutado`` maps AO code → {base-period index → value (None = left blank)}; only the period's cells.
    ``justificacion`` maps AO code → the office's text (stripped, neutralised, never a formula).
    ``presupuesto`` (only from the office that reports the budget) maps ``"ingresos"``/``"gastos"`` → {rubro →
    Ejecución (None = left blank)}.
    """

    file: str
    sha256: str
    entidad: str
    anio: int
    periodo: Period
    instancia: str
    template_version: str
    ejecutado: Mapping[str, Mapping[int, Decimal | None]]
    justificacion: Mapping[str, str]
    report: Report = field(default_factory=Report)
    presupuesto: Mapping[str, Mapping[str, Decimal | None]] = field(default_factory=dict)

    def is_blank(self) -> bool:
        """No executed value, justification or budget figure: the workbook as it was sent, or emptied."""
        return (all(v is None for per in self.ejecutado.values() for v in per.values())
                and not any(self.justificacion.values())
                and all(v is None for lines in self.presupuesto.values() for v in lines.values()))


class Change(NamedTuple):
    """One cell of the master changed by a merge: what, before, after, from which file."""

    codigo: str
    campo: str  # e.g. "Ejec. T1" or "Justificación"
    antes: Decimal | str | None
    despues: Decimal | str | None
    instancia: str
    archivo: str


def merge(plan: Plan, returns: Iterable[ReturnData]) -> tuple[Plan, list[Change]]:
    """Apply the returns' executed values and justifications to ``plan``; pure, order of returns preserved.

    Only AO owned by the return's office and only the return's period cells are touched. A blank justification
    does not erase one already in the master. Budget execution is taken only from the returns of the office that
    reports the budget (``plan.responsable_presupuesto``), line by rubro.
    """
    returns_list = list(returns)
    campos = [f"Ejec. {label}" for label in base_labels(plan.periodicidad)]
    values: dict[str, tuple[Decimal | None, ...]] = {}
    texts: dict[str, str] = {}
    changes: list[Change] = []
    current = {ao.codigo: ao for ao in plan.actividades()}
    for ret in returns_list:
        office, file, period = ret.instancia, ret.file, range(ret.periodo.start, ret.periodo.stop)
        for code, per in ret.ejecutado.items():
            ao = current.get(code)
            if ao is None or ao.instancia != office:
                continue
            old = values.get(code, ao.ejecutado)
            row = None
            for idx in period:  # only the return's own period (a month of a monthly plan: one cell)
                if idx not in per:
                    continue
                new = per[idx]
                if old[idx] != new:
                    if row is None:
                        row = list(old)
                    changes.append(Change(code, campos[idx], old[idx], new, office, file))
                    row[idx] = new
            if row is not None:
                values[code] = tuple(row)
        for code, text in ret.justificacion.items():
            ao = current.get(code)
            if ao is None or ao.instancia != ret.instancia or not text:
                continue
            before = texts.get(code, ao.justificacion)
            if before != text:
                changes.append(Change(code, "Justificación", before, text, ret.instancia, ret.file))
                texts[code] = text
    merged = plan.with_ejecutado(values, texts)
    budget, budget_changes = _merge_budget(merged, returns_list)
    return replace(merged, presupuesto=budget), changes + budget_changes


_BUDGET_KINDS = {"ingresos": "Ingresos", "gastos": "Gastos"}


def _merge_budget(plan: Plan, returns: Iterable[ReturnData]) -> tuple[Presupuesto, list[Change]]:
    """Budget execution from the returns of ``plan.responsable_presupuesto``; lines matched by rubro.

    A blank (None) returned value does not erase the master's.
    """
    lines = {"ingresos": list(plan.presupuesto.ingresos), "gastos": list(plan.presupuesto.gastos)}
    changes: list[Change] = []
    for ret in returns:
        if not ret.presupuesto or ret.instancia != plan.responsable_presupuesto:
            continue
        for kind, by_rubro in ret.presupuesto.items():
            current = lines.get(kind)
            if current is None:
                continue
            for i, line in enumerate(current):
                if line.rubro not in by_rubro:
                    continue
                new = by_rubro[line.rubro]
                if new is None or new == line.ejecucion:
                    continue
                changes.append(Change(line.rubro, f"Ejecución ({_BUDGET_KINDS[kind]})", line.ejecucion, new,
                                      ret.instancia, ret.file))
                current[i] = replace(line, ejecucion=new)
    return Presupuesto(tuple(lines["ingresos"]), tuple(lines["gastos"])), changes
