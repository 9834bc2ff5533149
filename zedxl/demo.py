"""The ``demo`` verb: the whole cycle on the bundled ZED ILO 2025 example."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zedxl.evaluation import Evaluation, evaluate
from zedxl.new import new
from zedxl.periods import parse_period
from zedxl.summary import render_text
from zedxl.xlsx.master_read import read_master

EXAMPLE = Path(__file__).resolve().parents[1] / "workbook" / "examples" / "zedilo-2025.yaml"


def demo(outdir: Path, plan_file: Path = EXAMPLE, console: Any = None) -> Evaluation:
    """Build the master from the example plan in ``outdir`` and print its summary for the first semester."""
    from rich.console import Console

    con = console or Console()
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    master = outdir / "maestro-zedilo-2025.xlsx"
    con.print(f"[bold]1. Maestro[/] creado desde {plan_file.name}: {master}")
    plan = new(plan_file, master, overwrite=True)
    plan = read_master(master).plan
    ev = evaluate(plan, parse_period(f"{plan.anio}-S1", plan.anio, plan.periodicidad))
    con.print("[bold]2. Resumen del I Semestre leído del maestro[/]")
    render_text(ev, con)
    return ev
