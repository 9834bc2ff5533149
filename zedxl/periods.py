"""Periods: the plan's base periods (quarters or months) and the labels users type (2025-T1, 2025-03, 2025-S1, 2025).

A plan has 4 base periods (``trimestral``) or 12 (``mensual``). Every period a user can ask for is a contiguous run
of base periods: a quarter, a month (monthly plans only), a semester or the whole year.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

from zedxl.errors import PeriodError

Periodicity = Literal["trimestral", "mensual"]

MONTHS = ("Ene", "Feb", "Mar", "Abr", "May", "Jun", "Jul", "Ago", "Set", "Oct", "Nov", "Dic")
QUARTERS = ("T1", "T2", "T3", "T4")
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def base_labels(periodicity: Periodicity) -> tuple[str, ...]:
    """Column labels of the base periods: T1..T4 or Ene..Dic."""
    return QUARTERS if periodicity == "trimestral" else MONTHS


def n_base(periodicity: Periodicity) -> int:
    return 4 if periodicity == "trimestral" else 12


@dataclass(frozen=True)
class Period:
    """A period of one plan year, as a half-open range ``[start, stop)`` of base-period indexes."""

    year: int
    kind: Literal["T", "M", "S", "A"]
    number: int  # quarter 1-4, month 1-12, semester 1-2, 0 for the year
    start: int
    stop: int

    @property
    def label(self) -> str:
        """Canonical label: 2025-T1, 2025-03, 2025-S1, 2025."""
        if self.kind == "T":
            return f"{self.year}-T{self.number}"
        if self.kind == "M":
            return f"{self.year}-{self.number:02d}"
        if self.kind == "S":
            return f"{self.year}-S{self.number}"
        return str(self.year)

    @property
    def short(self) -> str:
        """Label within the year: T1, Mar, S1, Anual."""
        if self.kind == "T":
            return f"T{self.number}"
        if self.kind == "M":
            return MONTHS[self.number - 1]
        if self.kind == "S":
            return f"S{self.number}"
        return "Anual"

    @property
    def name(self) -> str:
        """Spanish name: 'I Trimestre 2025', 'Marzo 2025', 'I Semestre 2025', 'Año 2025'."""
        if self.kind == "T":
            return f"{ROMAN[self.number]} Trimestre {self.year}"
        if self.kind == "M":
            return f"{MONTH_NAMES[self.number - 1]} {self.year}"
        if self.kind == "S":
            return f"{ROMAN[self.number]} Semestre {self.year}"
        return f"Año {self.year}"

    def indexes(self) -> range:
        return range(self.start, self.stop)


MONTH_NAMES = ("Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto", "Setiembre",
               "Octubre", "Noviembre", "Diciembre")

_LABEL_RE = re.compile(r"^\s*(\d{4})(?:\s*-\s*(T[1-4]|S[12]|\d{1,2}))?\s*$", re.IGNORECASE)


def parse_period(label: str, year: int, periodicity: Periodicity) -> Period:
    """Parse a period label for a plan of ``year`` and ``periodicity``; raises PeriodError in Spanish."""
    m = _LABEL_RE.match(label)
    if not m:
        raise PeriodError(
            f"Periodo «{label}» no válido: use {year}-T1 … {year}-T4, {year}-01 … {year}-12, "
            f"{year}-S1, {year}-S2 o {year}."
        )
    y = int(m.group(1))
    if y != year:
        raise PeriodError(f"El periodo «{label}» no corresponde al año del plan ({year}).")
    part = (m.group(2) or "").upper()
    quarterly = periodicity == "trimestral"
    if not part:
        return whole_year(year, periodicity)
    if part.startswith("S"):
        return semesters(year, periodicity)[int(part[1]) - 1]
    if part.startswith("T"):
        q = int(part[1])
        size = 1 if quarterly else 3  # base periods in a quarter
        return Period(year, "T", q, (q - 1) * size, q * size)
    month = int(part)
    if not 1 <= month <= 12:
        raise PeriodError(f"Periodo «{label}» no válido: el mes debe estar entre 01 y 12.")
    if quarterly:
        raise PeriodError(
            f"El plan es trimestral: no tiene el periodo mensual «{label}». Use {year}-T1 … {year}-T4."
        )
    return Period(year, "M", month, month - 1, month)


def base_periods(year: int, periodicity: Periodicity) -> list[Period]:
    """The plan's base periods in order."""
    if periodicity == "trimestral":
        return [Period(year, "T", q, q - 1, q) for q in range(1, 5)]
    return [Period(year, "M", m, m - 1, m) for m in range(1, 13)]


@functools.lru_cache(maxsize=16)
def base_names(year: int, periodicity: Periodicity) -> tuple[str, ...]:
    """Spanish names of the base periods in order: 'I Trimestre 2025' …, or 'Enero 2025' …"""
    return tuple(p.name for p in base_periods(year, periodicity))


def semesters(year: int, periodicity: Periodicity) -> list[Period]:
    half = n_base(periodicity) // 2
    return [Period(year, "S", 1, 0, half), Period(year, "S", 2, half, 2 * half)]


def whole_year(year: int, periodicity: Periodicity) -> Period:
    return Period(year, "A", 0, 0, n_base(periodicity))


def base_within(period: Period, periodicity: Periodicity) -> list[Period]:
    """Base periods inside ``period`` (for a base period: itself)."""
    return [p for p in base_periods(period.year, periodicity) if period.start <= p.start < period.stop]
