"""The plan as plain frozen data: entity, offices, OEI → AEI → AO with physical goals, indicators and budget.

Quantities and money are ``Decimal`` throughout the core so sums such as 4.2 + 6.2 are exact; writers convert to
``float`` only at the file edge. Domain words stay Spanish (OEI, AEI, AO, PIA, PIM, instancia): see the README glossary.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from zedxl.periods import Periodicity, n_base

INDICATOR_POINTS = ("S1", "S2", "Anual")
"""Evaluation points at which OEI/AEI indicators are measured."""


@dataclass(frozen=True)
class Reglas:
    """Computation rules (the seed's defaults). ``tope_avance`` None means no cap."""

    tope_avance: Decimal | None = Decimal(100)
    avance_sin_meta: Decimal = Decimal(100)
    verde: Decimal = Decimal(90)
    amarillo: Decimal = Decimal(50)


@dataclass(frozen=True)
class Indicador:
    """An OEI/AEI indicator: annual target and the values measured at evaluation points (S1, S2, Anual)."""

    nombre: str
    unidad: str
    meta_anual: Decimal | None
    ejecutado: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Reprogramacion:
    """One change to an AO's programming: its date, the base periods it changed as (index, old value, new value),
    why (required) and the document that approved it (optional)."""

    fecha: date
    cambios: tuple[tuple[int, Decimal, Decimal], ...]
    justificacion: str
    documento: str = ""


@dataclass(frozen=True)
class Actividad:
    """An operational activity (AO): one office, programmed and executed values per base period."""

    codigo: str
    nombre: str
    unidad: str
    instancia: str
    programado: tuple[Decimal, ...]
    ejecutado: tuple[Decimal | None, ...]
    justificacion: tuple[str, ...] = ()
    """The office's justification per base period, like ``ejecutado`` ("" where there is none); ``()`` is read as
    none at all."""
    reprogramaciones: tuple[Reprogramacion, ...] = ()
    """Every change to the programming, oldest first; ``programado`` is the current programming (after them all)."""
    pim: Decimal | None = None
    """The AO's annual financial programming (CEPLAN's Fn(RE)), when the plan carries it."""
    devengado: tuple[Decimal | None, ...] = ()
    """What was spent (devengado) within each base period (CEPLAN's Fn(SE)); ``()`` is read as none reported."""

    def __post_init__(self) -> None:
        if isinstance(self.justificacion, str):  # a text without its period would lose which report it answers
            raise TypeError("justificacion is one text per base period")
        if not self.justificacion:
            object.__setattr__(self, "justificacion", ("",) * len(self.programado))
        elif len(self.justificacion) != len(self.programado):
            raise ValueError(f"{self.codigo}: {len(self.justificacion)} justifications, {len(self.programado)} periods")
        if all(v is None for v in self.devengado):  # (none reported: a copy to other periods carries nothing)
            object.__setattr__(self, "devengado", (None,) * len(self.programado))
        elif len(self.devengado) != len(self.programado):
            raise ValueError(f"{self.codigo}: {len(self.devengado)} devengado values, {len(self.programado)} periods")

    @property
    def programado_original(self) -> tuple[Decimal, ...]:
        """The programming before any reprogramación (CEPLAN's F(CS))."""
        values = list(self.programado)
        for rep in reversed(self.reprogramaciones):
            for idx, old, _new in rep.cambios:
                values[idx] = old
        return tuple(values)


@dataclass(frozen=True)
class Accion:
    """A strategic action (AEI) with its indicator and activities."""

    codigo: str
    nombre: str
    indicador: Indicador | None
    actividades: tuple[Actividad, ...]


@dataclass(frozen=True)
class Objetivo:
    """A strategic objective (OEI) with its indicator and actions."""

    codigo: str
    nombre: str
    indicador: Indicador | None
    acciones: tuple[Accion, ...]


@dataclass(frozen=True)
class LineaPresupuesto:
    """One budget line (rubro). A line without PIM (e.g. Saldos de Balance) has no % of progress.

    ``acumulado`` is the execution accumulated at the close of each base period, as the budget office reads it in
    SIAF (None: not reported); what was executed within a period is derived from it (``ejecucion_en``).
    """

    rubro: str
    pia: Decimal | None
    pim: Decimal | None
    acumulado: tuple[Decimal | None, ...] = ()

    def ejecucion_al(self, stop: int) -> Decimal | None:
        """The execution accumulated at the close of base period ``stop - 1`` (None: not reported)."""
        return self.acumulado[stop - 1] if 0 < stop <= len(self.acumulado) else None

    def ejecucion_en(self, idx: int) -> Decimal | None:
        """What was executed within base period ``idx``: its accumulated figure less the one before (None when
        either is missing)."""
        now = self.ejecucion_al(idx + 1)
        if idx == 0 or now is None:
            return now
        before = self.ejecucion_al(idx)
        return None if before is None else now - before


@dataclass(frozen=True)
class Presupuesto:
    ingresos: tuple[LineaPresupuesto, ...] = ()
    gastos: tuple[LineaPresupuesto, ...] = ()


@dataclass(frozen=True)
class Plan:
    """One entity's POI for one year."""

    entidad: str
    sigla: str
    anio: int
    periodicidad: Periodicity
    instancias: Mapping[str, str]
    objetivos: tuple[Objetivo, ...]
    reglas: Reglas = Reglas()
    presupuesto: Presupuesto = Presupuesto()
    responsable_presupuesto: str | None = None
    narrativa: Mapping[str, str] = field(default_factory=dict)

    @property
    def n_periods(self) -> int:
        return n_base(self.periodicidad)

    @property
    def financiero(self) -> bool:
        """Whether any AO carries its financial side (PIM or devengado): the master then shows it per AO."""
        return any(ao.pim is not None or any(d is not None for d in ao.devengado) for ao in self.actividades())

    def actividades(self) -> Iterator[Actividad]:
        """Every AO in plan order."""
        for oei in self.objetivos:
            for aei in oei.acciones:
                yield from aei.actividades

    def acciones(self) -> Iterator[Accion]:
        for oei in self.objetivos:
            yield from oei.acciones

    def actividad(self, codigo: str) -> Actividad:
        for ao in self.actividades():
            if ao.codigo == codigo:
                return ao
        raise KeyError(codigo)

    def with_ejecutado(self, values: Mapping[str, tuple[Decimal | None, ...]],
                       justificaciones: Mapping[str, tuple[str, ...]] | None = None) -> Plan:
        """A copy with the executed values (and justifications) of the named AO replaced."""
        just = justificaciones or {}

        def upd(ao: Actividad) -> Actividad:
            if ao.codigo not in values and ao.codigo not in just:
                return ao
            return replace(ao, ejecutado=values.get(ao.codigo, ao.ejecutado),
                           justificacion=just.get(ao.codigo, ao.justificacion))

        return replace(self, objetivos=tuple(
            replace(o, acciones=tuple(
                replace(a, actividades=tuple(upd(ao) for ao in a.actividades)) for a in o.acciones))
            for o in self.objetivos))

    def with_actividades(self, changed: Mapping[str, Actividad]) -> Plan:
        """A copy with the AO of ``changed`` (by code) replaced."""
        return replace(self, objetivos=tuple(
            replace(o, acciones=tuple(
                replace(a, actividades=tuple(changed.get(ao.codigo, ao) for ao in a.actividades))
                for a in o.acciones)) for o in self.objetivos))

    def without_ejecutado(self) -> Plan:
        """A copy with every AO's executed values and justifications and the budget execution cleared (a plan
        before any report)."""
        n = self.n_periods
        empty = {ao.codigo: (None,) * n for ao in self.actividades()}
        plan = self.with_ejecutado(empty, {c: ("",) * n for c in empty})

        def clear(lines: tuple[LineaPresupuesto, ...]) -> tuple[LineaPresupuesto, ...]:
            return tuple(replace(ln, acumulado=(None,) * n) for ln in lines)

        return replace(plan, presupuesto=Presupuesto(clear(self.presupuesto.ingresos),
                                                     clear(self.presupuesto.gastos)))


_CODE_RE = re.compile(r"^\s*(OEI|AEI|AO)\s*\.?\s*((?:\d+\s*\.\s*)*\d+)\s*\.?\s*$", re.IGNORECASE)
_LEVELS = {"OEI": 1, "AEI": 2, "AO": 3}
_SEPARATOR_RE = re.compile(r"\s*\.\s*")


def rubro_key(rubro: str) -> str:
    """How a budget line is known: «Otros  gastos» and «OTROS GASTOS» are one line (spaces and case aside)."""
    return " ".join(rubro.split()).casefold()


def normalize_code(raw: str) -> str | None:
    """How a code is kept: zedxl's own form from any of the ways people write it, any other code as typed.

    'AO 1.1.1', 'AO.01.01.01', 'AO. 01.01.01', 'ao 1.1.1' → 'AO.01.01.01'; 'OEI 1.' → 'OEI.01'; a code of the
    Aplicativo CEPLAN ('AOI00091400117') or of the entity's PEI ('AEI.12', '1.2') is kept, spaces trimmed. None for
    a blank text. The code never says where an item stands: that is the plan's order.
    """
    text = " ".join(str(raw).split())
    return (_canonical(text) or text) if text else None


def _canonical(text: str) -> str | None:
    m = _CODE_RE.match(text)
    if not m:
        return None
    prefix = m.group(1).upper()
    parts = [int(p) for p in _SEPARATOR_RE.split(m.group(2))]
    return prefix + "." + ".".join(f"{p:02d}" for p in parts) if len(parts) == _LEVELS[prefix] else None


def code_level(code: str) -> str | None:
    """'OEI', 'AEI' or 'AO' for a code in zedxl's own form (AO.01.02.03), None for any other code."""
    return code.split(".", 1)[0] if _canonical(code) == code else None
