"""The ``demo`` verb: the whole cycle on the bundled ZED ILO 2025 example.

new master (executed values left out) → split for 2025-T1 and 2025-T2 → the offices type their figures into the
unlocked cells of their workbooks, as a person would → consolidate (one return comes back wrong, is rejected with
Spanish messages and is resent) → summary for 2025-S1, which again shows the seed's Anexo 02 → the report.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl

from zedxl import rules
from zedxl.evaluation import Evaluation
from zedxl.model import Plan
from zedxl.new import new
from zedxl.periods import Period, parse_period
from zedxl.summary import render_text, summary
from zedxl.xlsx import layout as L

EXAMPLE = Path(__file__).resolve().parents[1] / "workbook" / "examples" / "zedilo-2025.yaml"


def _header_row(ws: Any, first: str) -> tuple[int, dict[str, int]] | None:
    for row in ws.iter_rows(min_row=1, max_row=12):
        if row and row[0].value == first:
            return int(row[0].row), {str(c.value): int(c.column) for c in row if c.value}
    return None


def type_into(cell: Any, value: Any) -> None:
    """Type into a cell only if the office can: a locked cell of a protected sheet refuses, as Excel would."""
    if cell.parent.protection.sheet and cell.protection.locked:
        raise PermissionError(f"{cell.parent.title}!{cell.coordinate} está bloqueada")
    cell.value = value


def fill_office_workbook(path: Path, period: Period, ejecutado: Mapping[str, Decimal | None],
                         justificacion: Mapping[str, str],
                         presupuesto: Mapping[str, Mapping[str, Decimal | None]] | None = None) -> int:
    """Type an office's figures for a base ``period`` (as the plan means them) into its workbook with openpyxl, only
    in unlocked cells, as the office reads them there; returns cells typed."""
    wb = openpyxl.load_workbook(path)
    typed = 0
    col_name = L.ejec(period.short)
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        found = _header_row(ws, L.H_CODIGO)
        if found:
            header_row, heads = found
            for row in ws.iter_rows(min_row=header_row + 1):
                code = row[0].value
                value = ejecutado.get(code) if code else None
                if value is not None:  # as the office sees it: «% avance/100» typed as a percentage
                    unit = str(ws.cell(row[0].row, heads[L.H_UM]).value or "")
                    type_into(ws.cell(row[0].row, heads[col_name]), float(value * rules.typed_scale(unit)))
                    typed += 1
                if code in justificacion and justificacion[code]:
                    type_into(ws.cell(row[0].row, heads[L.justificacion(period.short)]), justificacion[code])
                    typed += 1
            continue
        budget = _header_row(ws, L.BUDGET_HEADERS[0])
        kind = {L.SHEET_INGRESOS: "ingresos", L.SHEET_GASTOS: "gastos"}.get(ws.title)
        if budget and presupuesto and kind is not None and kind in presupuesto:
            header_row, heads = budget
            for row in ws.iter_rows(min_row=header_row + 1):
                rubro = row[0].value
                value = presupuesto[kind].get(str(rubro)) if rubro else None
                if value is not None:
                    type_into(ws.cell(row[0].row, heads[L.acum(period.short)]), float(value))
                    typed += 1
    wb.save(path)
    return typed


def office_figures(plan: Plan, period: Period, office: str) -> tuple[dict[str, Decimal | None], dict[str, str]]:
    """The example's executed value and justification of each AO of ``office`` for a base ``period``."""
    values = {ao.codigo: ao.ejecutado[period.start] for ao in plan.actividades() if ao.instancia == office}
    texts = {ao.codigo: ao.justificacion[period.start] for ao in plan.actividades() if ao.instancia == office}
    return values, texts


def budget_figures(plan: Plan, period: Period) -> dict[str, dict[str, Decimal | None]]:
    """The example's budget execution accumulated at the close of a base ``period``, per kind and rubro."""
    return {kind: {ln.rubro: ln.ejecucion_al(period.stop) for ln in lines}
            for kind, lines in (("ingresos", plan.presupuesto.ingresos), ("gastos", plan.presupuesto.gastos))}


def demo(outdir: Path, plan_file: Path = EXAMPLE, console: Any = None, report: bool = True) -> Evaluation:
    """Run the whole cycle in ``outdir`` and print what a planner would see."""
    from rich.console import Console

    from zedxl.consolidate import consolidate
    from zedxl.consolidate import render_text as render_consolidation
    from zedxl.plan import load_plan
    from zedxl.split import split

    con = console or Console()
    outdir = Path(outdir)
    if outdir.exists():
        shutil.rmtree(outdir)
    outdir.mkdir(parents=True)
    reference = load_plan(plan_file)
    master = outdir / "maestro-zedilo-2025.xlsx"
    new(plan_file, master, overwrite=True, sin_ejecutado=True)
    con.print(f"[bold]1. Maestro creado[/] desde {plan_file.name} sin valores ejecutados: {master}")

    for step, label in ((2, "2025-T1"), (4, "2025-T2")):
        period = parse_period(label, reference.anio, reference.periodicidad)
        folder = outdir / "retornos" / label
        files = split(master, label, folder)
        con.print(f"[bold]{step}. ({label}) Libros por oficina[/]: {', '.join(p.name for p in files)}")
        for path in files:
            office = path.stem.rsplit("-", 1)[-1]
            values, texts = office_figures(reference, period, office)
            typed = fill_office_workbook(path, period, values, texts, budget_figures(reference, period))
            con.print(f"   {office} escribió {typed} celdas en {path.name}")
        con.print(f"[bold]{step + 1}. ({label}) Consolidación[/]")
        if label == "2025-T2":
            # DPD's first return comes back wrong (a negative value, a justification erased), then is resent
            dpd = next(p for p in files if p.stem.endswith("-DPD"))
            shutil.copy2(dpd, outdir / "DPD-reenvio.xlsx")
            wb = openpyxl.load_workbook(dpd)
            ws = wb["OEI.02"]
            found = _header_row(ws, L.H_CODIGO)
            assert found
            header_row, heads = found
            for row in ws.iter_rows(min_row=header_row + 1):
                if row[0].value == "AO.02.04.02":
                    type_into(ws.cell(row[0].row, heads[L.ejec("T2")]), -7)
                    type_into(ws.cell(row[0].row, heads[L.justificacion("T2")]), None)
            wb.save(dpd)
            for line in render_consolidation(consolidate(master, folder)):
                con.print("   " + line, markup=False)
            shutil.move(outdir / "DPD-reenvio.xlsx", dpd)
            con.print(f"[bold]{step + 1}b. ({label}) DPD vuelve a enviar su libro corregido[/]")
        for line in render_consolidation(consolidate(master, folder)):
            con.print("   " + line, markup=False)

    ev = summary(master, f"{reference.anio}-S1")
    con.print("[bold]6. Resumen del I Semestre leído del maestro consolidado[/]")
    render_text(ev, con)
    if report:
        _report(master, outdir, con)
    return ev


def _report(master: Path, outdir: Path, con: Any) -> None:
    from zedxl.errors import ToolMissingError
    from zedxl.report import report

    out = outdir / "informe-evaluacion-2025-S1.docx"
    try:
        paths = report(master, "2025-S1", out, pdf=True)
    except ToolMissingError as e:
        con.print(f"[bold]7. Informe[/]: {out} (sin PDF: {e})")
        return
    con.print(f"[bold]7. Informe de Evaluación[/]: {', '.join(str(p) for p in paths)}")
