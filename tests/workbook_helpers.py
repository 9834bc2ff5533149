"""Test helpers: read workbooks back the way a person or another program would see them."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import openpyxl
from python_calamine import CalamineWorkbook

from zedxl.xlsx import layout as L


def cached_values(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet's cached values as python-calamine (a reader that never recalculates) sees them."""
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in wb.sheet_names}


def sheet_table(rows: list[list[Any]], header_first: str) -> tuple[dict[str, int], list[list[Any]]]:
    """Locate the header row whose first cell is ``header_first``; return header→index and the rows below."""
    for i, row in enumerate(rows):
        if row and row[0] == header_first:
            return {str(h): j for j, h in enumerate(row) if h not in (None, "")}, rows[i + 1:]
    raise AssertionError(f"header {header_first!r} not found")


def resumen_office_rows(rows: list[list[Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Section A of the Resumen: (instancia, concepto) → {column label: value}."""
    head, body = sheet_table(rows, "Instancia")
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for row in body:
        if not row or row[0] in (None, "") or row[2] not in ("Programado", "Ejecutado"):
            break
        out[(str(row[0]), str(row[2]))] = {h: row[j] for h, j in head.items()}
    return out


def oei_rows(rows: list[list[Any]]) -> dict[str, dict[str, Any]]:
    """An OEI sheet: code → {header: value}."""
    head, body = sheet_table(rows, L.H_CODIGO)
    return {str(r[0]): {h: (r[j] if j < len(r) else None) for h, j in head.items()} for r in body if r and r[0]}


def budget_rows(rows: list[list[Any]]) -> dict[str, dict[str, Any]]:
    head, body = sheet_table(rows, "Rubro")
    return {str(r[0]): {h: r[j] for h, j in head.items()} for r in body if r and r[0]}


def formula_cells(path: Path) -> dict[tuple[str, str], str]:
    wb = openpyxl.load_workbook(path, data_only=False)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    out[(ws.title, c.coordinate)] = c.value
    return out


def cached_mismatches(ours: Path, theirs: Path) -> list[tuple[str, str, Any, Any]]:
    """Every formula cell of ``ours`` whose cached value differs from the one ``theirs`` (its LibreOffice
    recalculation) holds: (sheet, cell, ours, theirs)."""
    a = openpyxl.load_workbook(ours, data_only=True)
    b = openpyxl.load_workbook(theirs, data_only=True)
    return [(sh, ref, a[sh][ref].value, b[sh][ref].value) for sh, ref in formula_cells(ours)
            if not same(a[sh][ref].value, b[sh][ref].value)]


def same(a: Any, b: Any) -> bool:
    """Cell values equal, numbers within 1e-9 (relative), '' and None both empty."""
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return bool(a == b)


def replace_actividades(plan: Any, change: Any) -> Any:
    """``plan`` with each AO replaced by ``change(ao, k)`` (k: the AO's position in the plan, from 0)."""
    import dataclasses

    k = 0
    objetivos = []
    for oei in plan.objetivos:
        acciones = []
        for aei in oei.acciones:
            aos = []
            for ao in aei.actividades:
                aos.append(change(ao, k))
                k += 1
            acciones.append(dataclasses.replace(aei, actividades=tuple(aos)))
        objetivos.append(dataclasses.replace(oei, acciones=tuple(acciones)))
    return dataclasses.replace(plan, objetivos=tuple(objetivos))


def as_monthly(plan: Any, spread: Any) -> Any:
    """A quarterly ``plan`` made monthly: each quarter's programmed and executed values spread over its three months
    by ``spread(value) -> (m1, m2, m3)``; justifications and budget figures at the quarter's last month, where
    its report closes."""
    import dataclasses

    def at_close(values: tuple[Any, ...], empty: Any) -> tuple[Any, ...]:
        return tuple(v if m == 2 else empty for v in values for m in range(3))

    def lines(items: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(dataclasses.replace(ln, acumulado=at_close(ln.acumulado, None)) for ln in items)

    monthly = replace_actividades(plan, lambda ao, _k: dataclasses.replace(
        ao, programado=tuple(x for v in ao.programado for x in spread(v)),
        ejecutado=tuple(x for v in ao.ejecutado for x in spread(v)), justificacion=at_close(ao.justificacion, "")))
    budget = dataclasses.replace(plan.presupuesto, ingresos=lines(plan.presupuesto.ingresos),
                                 gastos=lines(plan.presupuesto.gastos))
    return dataclasses.replace(monthly, periodicidad="mensual", presupuesto=budget)
