"""Reprogramación: the history of each AO's programming, kept as rows, and the edits a planner made without one.

Pure: the master reader gives each AO's original programming, its current programmed cells and the rows of the
master's ``Reprogramaciones`` sheet; ``resolve`` returns the history (``Reprogramacion`` records) and the programmed
cells that changed with no row to say why (``Pending``). Percentages always use the current programming; the
original is what the plan said before any reprogramación (CEPLAN's F(CS)).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from zedxl.model import Actividad, Plan, Reprogramacion
from zedxl.periods import base_labels
from zedxl.returns import Change

HEADERS = ("Fecha", "Código AO", "Periodo", "Programado anterior", "Programado nuevo", "Justificación", "Documento")
"""The ``Reprogramaciones`` sheet's columns: one row per AO and period changed; rows of one AO with the same date,
justification and document are one reprogramación. «Programado anterior» is written for people and never read
back: it follows from the original programming and the rows above."""


@dataclass(frozen=True)
class Row:
    """One row of the sheet as read: ``fecha``/``nuevo`` None when the planner left them blank (today / the
    programmed cell's value); ``cell`` is where it is (``Reprogramaciones!A7``) for messages."""

    codigo: str
    idx: int
    nuevo: Decimal | None
    justificacion: str
    documento: str = ""
    fecha: date | None = None
    cell: str = ""
    recorded: bool = True
    """Written by zedxl (its «Programado anterior» is filled); a row the planner adds is new, for the ledger."""


@dataclass(frozen=True)
class Pending:
    """A programmed cell that differs from what the original and the recorded reprogramaciones give."""

    codigo: str
    idx: int
    antes: Decimal
    despues: Decimal
    cell: str = ""


def rows_of(plan: Plan) -> list[tuple[date, str, str, Decimal, Decimal, str, str]]:
    """The sheet's rows for ``plan`` (oldest first per AO): fecha, AO, period label, old, new, why, document."""
    labels = base_labels(plan.periodicidad)
    return [(rep.fecha, ao.codigo, labels[idx], old, new, rep.justificacion, rep.documento)
            for ao in plan.actividades() for rep in ao.reprogramaciones for idx, old, new in rep.cambios]


def resolve(original: Sequence[Decimal], current: Sequence[Decimal], rows: Iterable[Row], today: date,
            ) -> tuple[tuple[Reprogramacion, ...], list[Pending], list[tuple[Reprogramacion, int]]]:
    """One AO's history from its sheet rows (in order) over ``original``, the periods whose ``current`` value no
    row explains, and the changes of the rows not yet recorded (as one-change reprogramaciones, for the ledger)
    with their period. A row without a value takes the cell's current one; one without a date is dated ``today``."""
    values = list(original)
    history: list[Reprogramacion] = []
    fresh: list[tuple[Reprogramacion, int]] = []
    for row in rows:
        new = row.nuevo if row.nuevo is not None else current[row.idx]
        fecha = row.fecha or today
        change = (row.idx, values[row.idx], new)
        values[row.idx] = new
        if not row.recorded:
            fresh.append((Reprogramacion(fecha, (change,), row.justificacion, row.documento), row.idx))
        last = history[-1] if history else None
        if last is not None and (last.fecha, last.justificacion, last.documento) == (fecha, row.justificacion,
                                                                                     row.documento):
            history[-1] = Reprogramacion(fecha, (*last.cambios, change), row.justificacion, row.documento)
        else:
            history.append(Reprogramacion(fecha, (change,), row.justificacion, row.documento))
    pending = [Pending("", i, values[i], v) for i, v in enumerate(current) if v != values[i]]
    return tuple(history), pending, fresh


LEDGER_FIELD = "Reprogramación"


def ledger_rows(ao: Actividad, rep: Reprogramacion, labels: Sequence[str]) -> list[Change]:
    """The audit ledger's rows of one reprogramación of ``ao``: one with its date, document and justification
    (``campo`` «Reprogramación»), then one per period with the old and new programmed value."""
    what = f"{rep.fecha:%d/%m/%Y}" + (f"; documento: {rep.documento}" if rep.documento else "") + \
        f"; justificación: {rep.justificacion}"
    return [Change(ao.codigo, LEDGER_FIELD, None, what, ao.instancia, ""),
            *(Change(ao.codigo, f"Prog. {labels[idx]}", old, new, ao.instancia, "") for idx, old, new in rep.cambios)]


def apply(ao: Actividad, cambios: dict[int, Decimal], fecha: date, justificacion: str,
          documento: str = "") -> Actividad:
    """``ao`` with its programming changed as ``cambios`` says (period index → new value), recorded."""
    done = tuple((i, ao.programado[i], v) for i, v in sorted(cambios.items()) if v != ao.programado[i])
    if not done:
        return ao
    programado = list(ao.programado)
    for i, _old, v in done:
        programado[i] = v
    return replace(ao, programado=tuple(programado),
                   reprogramaciones=(*ao.reprogramaciones, Reprogramacion(fecha, done, justificacion, documento)))


def with_pending_justified(plan: Plan, pending: Sequence[Pending], fecha: date, justificacion: str,
                           documento: str = "") -> Plan:
    """``plan`` with the ``pending`` edits (already in ``programado``) recorded as one reprogramación each AO."""
    by_ao: dict[str, list[Pending]] = {}
    for p in pending:
        by_ao.setdefault(p.codigo, []).append(p)

    def upd(ao: Actividad) -> Actividad:
        mine = by_ao.get(ao.codigo)
        if not mine:
            return ao
        rep = Reprogramacion(fecha, tuple((p.idx, p.antes, p.despues) for p in mine), justificacion, documento)
        return replace(ao, reprogramaciones=(*ao.reprogramaciones, rep))

    return replace(plan, objetivos=tuple(
        replace(o, acciones=tuple(replace(a, actividades=tuple(upd(ao) for ao in a.actividades))
                                  for a in o.acciones)) for o in plan.objetivos))
