"""Time loading a big plan file: ``zedxl new`` end to end and the YAML parse with each of PyYAML's loaders.

Usage::

    python scripts/plan_load.py [--offices 800] [--runs 3] [--keep FILE] [--tree CHECKOUT]

Writes the YAML of the benchmark's plan (``bench.make_plan``: 25 AO per office, monthly; 800 offices = 20,000 AO),
then times (wall and processor seconds, medians of ``--runs``) ``zedxl new`` on it in a fresh process (``new_s``; the
zedxl of ``--tree``, this checkout by default) and, in this process, the checked parse
(``zedxl.plan.parse_plan_yaml``) with the pure-Python loader (``python_loader_s``) and with libyaml's
(``libyaml_loader_s``, when PyYAML has it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench import make_plan  # noqa: E402

from zedxl.model import LineaPresupuesto, Plan  # noqa: E402
from zedxl.plan import parse_plan_yaml  # noqa: E402


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def plan_document(plan: Plan) -> dict[str, Any]:
    """``plan`` as the data of its YAML file (what ``plan_from_dict`` reads back)."""
    def line(ln: LineaPresupuesto) -> dict[str, Any]:
        return {"rubro": ln.rubro, "pia": _number(ln.pia), "pim": _number(ln.pim),
                "ejecucion": [_number(v) for v in ln.acumulado]}

    return {
        "entidad": plan.entidad, "sigla": plan.sigla, "anio": plan.anio, "periodicidad": plan.periodicidad,
        "instancias": dict(plan.instancias), "responsable_presupuesto": plan.responsable_presupuesto,
        "objetivos": [{"codigo": o.codigo, "nombre": o.nombre, "acciones": [
            {"codigo": a.codigo, "nombre": a.nombre, "actividades": [
                {"codigo": ao.codigo, "nombre": ao.nombre, "unidad": ao.unidad, "instancia": ao.instancia,
                 "programado": [_number(v) for v in ao.programado], "ejecutado": [_number(v) for v in ao.ejecutado]}
                for ao in a.actividades]} for a in o.acciones]} for o in plan.objetivos],
        "presupuesto": {"ingresos": [line(ln) for ln in plan.presupuesto.ingresos],
                        "gastos": [line(ln) for ln in plan.presupuesto.gastos]},
    }


def _median(runs: int, action: Any) -> tuple[float, float]:
    """Median wall and processor seconds of ``action`` (this process's and its children's: on a busy machine the
    processor time is the steadier figure; Windows does not count a child's)."""
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), os.times()
        action()
        t1, c1 = time.perf_counter(), os.times()
        wall.append(t1 - t0)
        cpu.append(sum(c1[:4]) - sum(c0[:4]))
    return round(statistics.median(wall), 2), round(statistics.median(cpu), 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offices", type=int, default=800)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", help="also write the plan file here")
    parser.add_argument("--tree", default=str(ROOT), help="the zedxl checkout whose `zedxl new` is timed (to compare "
                                                          "with another commit's)")
    args = parser.parse_args(argv)
    plan = make_plan(args.offices, "mensual")
    text = yaml.safe_dump(plan_document(plan), allow_unicode=True, sort_keys=False, width=120)
    with tempfile.TemporaryDirectory(prefix="zedxl-plan-load-") as tmp:
        path = Path(args.keep) if args.keep else Path(tmp) / "plan.yaml"
        path.write_text(text, encoding="utf-8")
        master = Path(tmp) / "maestro.xlsx"
        result: dict[str, Any] = {"ao": sum(1 for _ in plan.actividades()), "plan_mb": round(len(text) / 2**20, 1)}
        result["new_s"] = _median(args.runs, lambda: subprocess.run(
            [sys.executable, "-m", "zedxl", "new", str(path), "-o", str(master), "--sobrescribir"],
            cwd=args.tree, env={**os.environ, "PYTHONPATH": str(Path(args.tree).resolve())}, check=True,
            stdout=subprocess.DEVNULL))
        result["python_loader_s"] = _median(args.runs, lambda: parse_plan_yaml(text, str(path), yaml.SafeLoader))
        if yaml.__with_libyaml__:
            result["libyaml_loader_s"] = _median(args.runs, lambda: parse_plan_yaml(text, str(path),
                                                                                      yaml.CSafeLoader))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
