"""The Excel formulas of progress, status and sums that the master and the office workbooks share.

Each says in Excel what ``zedxl.rules`` says in Python; the writers cache the value ``rules`` computes.
"""

from __future__ import annotations

from decimal import Decimal

from zedxl import rules
from zedxl.xlsx import layout as L
from zedxl.xlsx.sheet_rows import needs_xlsxwriter

ROW = "\x00"  # where a RowFormula's template takes the row number (never in a sheet name or formula)


class RowFormula:
    """A formula repeated down rows that differ only in their row number: ``ROW`` marks where it goes."""

    def __init__(self, template: str) -> None:
        self.parts = template.split(ROW)
        self.vetted = not needs_xlsxwriter(template)  # a row number cannot add a function name

    def at(self, r: int) -> str:
        """The formula for zero-based row ``r``."""
        return str(r + 1).join(self.parts)


def or_blank(value: Decimal | None) -> float | str:
    """Cached value of a formula that yields "" when there is no number."""
    return "" if value is None else float(value)


def sum_formula(span: str, *, executed: bool) -> str:
    """The sum of ``span``; an executed one is "" while nothing in it is reported (never 0)."""
    return f'=IF(COUNT({span})=0,"",SUM({span}))' if executed else f"=SUM({span})"


def progress_formula(e: str, p: str) -> str:
    """AO progress: "" when not reported, ZX_SIN_META when nothing programmed, capped at ZX_TOPE."""
    return (f'=IF({e}="","",IF({p}=0,{L.NAME_SIN_META},IF({L.NAME_TOPE}="",{e}/{p}*100,'
            f"MIN({e}/{p}*100,{L.NAME_TOPE}))))")


def status_formula(e: str, p: str, *, to_date: str | None = None, stop: int | None = None) -> str:
    """AO status (``rules.status``); with ``to_date`` and ``stop``, ``rules.measure``'s for a period ending at base
    period ``stop``: «en curso» while ``ZX_HASTA`` is before it (``to_date``: what was programmed up to then)."""
    if to_date is None or stop is None:
        return (f'=IF({e}="","{rules.SIN_REPORTE}",IF({p}=0,IF({e}>0,"{rules.EJECUTADA_SIN_META}",'
                f'"{rules.SIN_META}"),IF({e}>{p},"{rules.SOBREEJECUCION}",'
                f'IF({e}/{p}*100>={L.NAME_VERDE},"{rules.EN_RANGO}","{rules.POR_DEBAJO}"))))')
    h = L.NAME_HASTA
    return (f'=IF({e}="",IF(AND({h}<{stop},{h}>0,{to_date}=0),"{rules.EN_CURSO}","{rules.SIN_REPORTE}"),'
            f'IF({p}=0,IF({e}>0,"{rules.EJECUTADA_SIN_META}","{rules.SIN_META}"),'
            f'IF({e}>{p},"{rules.SOBREEJECUCION}",IF({h}<{stop},"{rules.EN_CURSO}",'
            f'IF({e}/{p}*100>={L.NAME_VERDE},"{rules.EN_RANGO}","{rules.POR_DEBAJO}")))))')


def to_date_formula(first: str, last: str, start: int, stop: int) -> str:
    """What was programmed in ``first:last`` (the base periods ``start``..``stop - 1`` of a row) up to
    ``ZX_HASTA``: all of it once the period is due, 0 before it starts (INDEX, not OFFSET: not volatile)."""
    h = L.NAME_HASTA
    reach = f"MIN({h},{stop})-{start}" if start else f"MIN({h},{stop})"
    return f"(({h}>{start})*SUM({first}:INDEX({first}:{last},MAX(1,{reach}))))"


def indicator_progress_formula(e: str, meta: str) -> str:
    return (f'=IF(OR({e}="",{meta}=""),"",IF({meta}=0,{L.NAME_SIN_META},IF({L.NAME_TOPE}="",{e}/{meta}*100,'
            f"MIN({e}/{meta}*100,{L.NAME_TOPE}))))")


def indicator_status_formula(e: str, pct: str) -> str:
    return (f'=IF({e}="","{rules.NO_MEDIDO}",IF({pct}="","{rules.NO_MEDIDO}",'
            f'IF({pct}>={L.NAME_VERDE},"{rules.EN_RANGO}","{rules.POR_DEBAJO}")))')
