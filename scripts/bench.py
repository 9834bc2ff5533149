"""Benchmark: consolidate N office returns against the raw-read floor (python-calamine) and openpyxl read-only.

Usage::

    python scripts/bench.py [--sizes 4,200,2000] [--runs 3] [--spawn] [--json resultados.json] [--cache DIR]
                            [--workers N]
    python scripts/bench.py --informe 1000,2000,8000,20000 [--runs 3] [--json informe.json] [--cache DIR]

For every size N the script builds (once, then from its cache) realistic inputs, deterministically from a seed:
half of the returns come from a monthly entity and half from a quarterly one, each with its own master
(``min(N/2, 400)`` offices of 25 AO each, so the largest masters hold 10,000 AO each); the offices' workbooks are
made by the real ``zedxl split`` and filled as a person would (``zedxl.demo.fill_office_workbook``: openpyxl
typing into the unlocked cells, then saving). When there are more returns than offices they are the returns of the
following months/quarters: a regional roll-up of a year. About 2 % of the returns carry a person's mistake
(a negative number, a number typed as text, a blank), so the rejection and warning paths run too.
A separate master with 20,000 AO (800 offices, monthly) is built for ``recompute`` and ``split``.

Generation takes minutes for N = 2,000 (openpyxl saves every file), so it runs in parallel and is cached under
``--cache`` (default ``.bench-cache/`` at the root of the repository) in a folder named after every parameter
that shapes the files; nothing generated is timed.

Each size is timed in a fresh worker process (so its peak memory is its own), on the same files, ``--runs`` times
(medians reported):

* ``consolidate_s``: ``zedxl.consolidate.consolidate`` end to end (validation of every return, merge, ledger,
  archive, the master written once), on a fresh copy of each master.
* ``floor_s``: python-calamine reading every cell value of the same files (returns and masters) and nothing else.
* ``baseline_s``: the same files read with openpyxl ``read_only=True``, every cell value.
* ``consolidate_1_process_s``: the same consolidation with ``procesos=1`` (median of ``runs // 2`` runs), and
  ``speedup_2nd_process`` = that / ``consolidate_s``: what the worker processes give on this machine.
* ``peak_rss_mb``: peak resident memory of the worker during the consolidations (pool workers included).
* ``start_method``: how worker processes start (``zedxl.parallel``); ``--spawn`` makes it ``spawn``, as on
  Windows, and adds ``consolidate_spawn_pool_s``: a spawn pool forced at that size, whatever the policy says.

zedxl is pure Python: what is measured is what a planner's PC runs, slower or faster as its processor is.

``--json FILE`` writes ``{"machine": {...}, "results": [{"n": ..., "consolidate_s": ..., ...}], "master": {...}}``.

``--informe AO,…`` times only ``zedxl report`` (the Word *Informe de Evaluación* of 2025-S1) on monthly masters of
that many AO (25 per office, the first semester executed with a justification for most AO), each in a fresh
process: reading the master (``read_s``), the content (``content_s``), the .docx with its charts (``docx_s``), the
sum (``report_s``) and the peak memory; ``--json`` then writes ``{"machine": {...}, "informe": [...]}``.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import hashlib
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from zedxl.model import Accion, Actividad, LineaPresupuesto, Objetivo, Plan, Presupuesto  # noqa: E402
from zedxl.periods import Periodicity, parse_period  # noqa: E402

GENERATOR_VERSION = "3"  # bump when the generated files change shape
SEED = 20250
AO_PER_OFFICE = 25
MAX_OFFICES = 400  # per entity of the size runs
BIG_MASTER_OFFICES = 800  # 20,000 AO
N_OEI = 5
AEI_PER_OEI = 4
UNITS = ("Informe", "Documento", "Acción", "Evento", "Persona capacitada", "Expediente", "% de avance")
WORDS = ("seguimiento", "supervisión", "capacitación", "difusión", "mantenimiento", "evaluación", "promoción",
         "registro", "atención", "gestión", "elaboración", "coordinación", "implementación", "monitoreo")
PLANS: tuple[Periodicity, ...] = ("mensual", "trimestral")


# -- the plans -------------------------------------------------------------------------------------------------
def office_code(k: int) -> str:
    return f"OF{k + 1:03d}"


def make_plan(n_offices: int, periodicidad: Periodicity, seed: int = SEED) -> Plan:
    """A plan of ``n_offices`` offices with 25 AO each, spread over two AEI of two OEI; nothing executed."""
    rng = random.Random(f"{seed}-{n_offices}-{periodicidad}")
    n = 12 if periodicidad == "mensual" else 4
    n_aei = N_OEI * AEI_PER_OEI
    per_aei: list[list[Actividad]] = [[] for _ in range(n_aei)]
    for k in range(n_offices):
        a1 = k % n_aei
        a2 = (k * 7 + 3) % n_aei
        if a2 // AEI_PER_OEI == a1 // AEI_PER_OEI:
            a2 = (a2 + AEI_PER_OEI) % n_aei
        for j in range(AO_PER_OFFICE):
            aei = a1 if j < 13 else a2
            seq = len(per_aei[aei]) + 1
            code = f"AO.{aei // AEI_PER_OEI + 1:02d}.{aei % AEI_PER_OEI + 1:02d}.{seq:02d}"
            unit = rng.choice(UNITS)
            if "%" in unit:
                prog = tuple(Decimal(rng.choice((0, 25, 50, 100))) for _ in range(n))
            else:
                prog = tuple(Decimal(rng.choice((0, 0, 1, 2, 3, 4, 5, 8, 10, 12, 20))) for _ in range(n))
            name = f"{rng.choice(WORDS).capitalize()} de {rng.choice(WORDS)} y {rng.choice(WORDS)} {k + 1}-{j + 1}"
            per_aei[aei].append(Actividad(code, name, unit, office_code(k), prog, (None,) * n))
    objetivos = []
    for o in range(N_OEI):
        acciones = tuple(
            Accion(f"AEI.{o + 1:02d}.{a + 1:02d}", f"Acción estratégica {o + 1}.{a + 1}", None,
                   tuple(per_aei[o * AEI_PER_OEI + a]))
            for a in range(AEI_PER_OEI) if per_aei[o * AEI_PER_OEI + a])
        if acciones:
            objetivos.append(Objetivo(f"OEI.{o + 1:02d}", f"Objetivo estratégico institucional {o + 1}", None,
                                      acciones))
    ingresos = tuple(LineaPresupuesto(r, Decimal(p), Decimal(p) + 1000, (None,) * n) for r, p in (
        ("Recursos Directamente Recaudados", 4_800_000), ("Donaciones y Transferencias", 150_000),
        ("Saldos de Balance", 900_000)))
    gastos = tuple(LineaPresupuesto(r, Decimal(p), Decimal(p) + 5000, (None,) * n) for r, p in (
        ("Personal y Obligaciones Sociales", 2_100_000), ("Bienes y Servicios", 2_600_000),
        ("Otros Gastos", 80_000), ("Adquisición de Activos No Financieros", 1_000_000)))
    return Plan(
        entidad=f"Entidad de prueba {periodicidad} {n_offices}", sigla=f"BENCH{n}", anio=2025,
        periodicidad=periodicidad, instancias={office_code(k): f"Oficina {k + 1}" for k in range(n_offices)},
        objetivos=tuple(objetivos), presupuesto=Presupuesto(ingresos, gastos), responsable_presupuesto="OF001")


def period_labels(periodicidad: Periodicity) -> list[str]:
    return [f"2025-{m:02d}" for m in range(1, 13)] if periodicidad == "mensual" else [f"2025-T{q}" for q in range(1, 5)]


# -- generation ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Entity:
    periodicidad: Periodicity
    offices: int
    returns: int  # how many return files

    @property
    def key(self) -> str:
        return f"{self.periodicidad}-{self.offices}of-{self.returns}r"


def entities_for(n: int, plans: tuple[Periodicity, ...]) -> list[Entity]:
    out = []
    for i, p in enumerate(plans):
        share = n // len(plans) + (1 if i < n % len(plans) else 0)
        if share:
            out.append(Entity(p, min(share, MAX_OFFICES), share))
    return out


def _fill_one(job: tuple[str, str, str, int, str]) -> None:
    """Fill one split workbook as a person would (runs in a pool worker)."""
    from zedxl.demo import fill_office_workbook

    path_s, periodicidad, label, n_offices, seed = job
    path = Path(path_s)
    plan = _plan_cached(n_offices, periodicidad)
    period = parse_period(label, plan.anio, plan.periodicidad)
    office = path.stem.rsplit("-", 1)[-1]
    rng = random.Random(f"{seed}-{label}-{office}")
    values: dict[str, Decimal | None] = {}
    texts: dict[str, str] = {}
    mistake = rng.random() < 0.02
    for ao in plan.actividades():
        if ao.instancia != office:
            continue
        prog = ao.programado[period.start]
        if "%" in ao.unidad:
            ejec = Decimal(rng.choice((0, 10, 25, 50, 75, 100)))
        else:
            ejec = max(Decimal(0), prog + rng.choice((-2, -1, 0, 0, 0, 0, 1, 2)))
        if rng.random() < 0.03:
            values[ao.codigo] = None  # not reported yet: an aviso
            continue
        values[ao.codigo] = ejec
        texts[ao.codigo] = (f"Se ejecutaron {ejec} de {prog} programados: "
                            f"{rng.choice(WORDS)} y {rng.choice(WORDS)} según lo coordinado con el área usuaria."
                            if ejec != prog or rng.random() < 0.5 else "")
    budget = None
    if office == "OF001":
        budget = {"ingresos": {"Recursos Directamente Recaudados": Decimal("1234567.50")},
                  "gastos": {"Bienes y Servicios": Decimal(rng.randint(100_000, 900_000))}}
    fill_office_workbook(path, period, values, texts, budget)
    if mistake:  # a person's mistake in one input cell: typed as text, or negative
        import openpyxl

        wb = openpyxl.load_workbook(path)
        ws = next(w for w in wb.worksheets if w.title.startswith("OEI."))
        header = next(r for r in range(1, 12) if ws.cell(r, 1).value == "Código")
        heads = {c.value: c.column for c in ws[header]}
        col = next(v for k, v in heads.items() if isinstance(k, str) and k.startswith("Ejec. ")
                   and k.endswith(period.short))
        ws.cell(header + 3, col).value = rng.choice(("3 ", "-1", "1,5"))
        if ws.cell(header + 3, col).value == "-1":
            ws.cell(header + 3, col).value = -1
        wb.save(path)


_PLANS: dict[tuple[int, str], Plan] = {}


def _plan_cached(n_offices: int, periodicidad: str) -> Plan:
    key = (n_offices, periodicidad)
    if key not in _PLANS:
        _PLANS[key] = make_plan(n_offices, periodicidad)  # type: ignore[arg-type]
    return _PLANS[key]


def _cache_root(args: argparse.Namespace) -> Path:
    return Path(args.cache).resolve() if args.cache else ROOT / ".bench-cache"


def _key(*parts: Any) -> str:
    from zedxl import TEMPLATE_VERSION, __version__

    text = json.dumps([GENERATOR_VERSION, SEED, AO_PER_OFFICE, MAX_OFFICES, __version__, TEMPLATE_VERSION, *parts])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def generate_entity(ent: Entity, root: Path, workers: int, log: Any) -> tuple[Path, Path]:
    """(master, returns folder) of one entity, generated once and cached."""
    from zedxl.new import write_master_file
    from zedxl.split import split

    folder = root / f"{ent.key}-{_key(ent.periodicidad, ent.offices, ent.returns)}"
    master = folder / "maestro.xlsx"
    returns = folder / "retornos"
    if (folder / "LISTO").exists():
        return master, returns
    if folder.exists():
        shutil.rmtree(folder)
    returns.mkdir(parents=True)
    t0 = time.perf_counter()
    plan = make_plan(ent.offices, ent.periodicidad)
    write_master_file(plan, master)
    jobs = []
    left = ent.returns
    for label in period_labels(ent.periodicidad):
        if left <= 0:
            break
        take = min(left, ent.offices)
        offices = [office_code(k) for k in range(take)]
        files = split(master, label, folder / "split" / label, instancias=offices)
        for f in files:
            target = returns / f.name
            f.replace(target)
            jobs.append((str(target), ent.periodicidad, label, ent.offices, str(SEED)))
        left -= take
    shutil.rmtree(folder / "split", ignore_errors=True)
    with cf.ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_fill_one, jobs, chunksize=8))
    (folder / "LISTO").write_text(f"{time.perf_counter() - t0:.1f} s\n")
    log(f"  generado {ent.key}: {len(jobs)} retornos en {time.perf_counter() - t0:.1f} s")
    return master, returns


def generate_big_master(root: Path) -> Path:
    from zedxl.new import write_master_file

    folder = root / f"maestro-{BIG_MASTER_OFFICES * AO_PER_OFFICE}ao-{_key('big', BIG_MASTER_OFFICES)}"
    master = folder / "maestro.xlsx"
    if not (folder / "LISTO").exists():
        folder.mkdir(parents=True, exist_ok=True)
        write_master_file(make_plan(BIG_MASTER_OFFICES, "mensual"), master)
        (folder / "LISTO").write_text("ok\n")
    return master


# -- timed readers ---------------------------------------------------------------------------------------------
def read_floor(paths: list[Path]) -> int:
    """python-calamine: every cell value of every sheet, nothing else."""
    from python_calamine import CalamineWorkbook

    cells = 0
    for p in paths:
        wb = CalamineWorkbook.from_path(str(p))
        for name in wb.sheet_names:
            for row in wb.get_sheet_by_name(name).to_python(skip_empty_area=False):
                cells += len(row)
        wb.close() if hasattr(wb, "close") else None
    return cells


def read_baseline(paths: list[Path]) -> int:
    """openpyxl read-only: every cell value of every sheet."""
    import warnings

    import openpyxl

    cells = 0
    for p in paths:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(p, read_only=True, data_only=False)
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                cells += len(row)
        wb.close()
    return cells


def _peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return round(max(own, children) * scale / 1024 / 1024 if sys.platform == "darwin" else
                 max(own, children) / 1024, 1)


def _consolidations(pairs: list[tuple[Path, Path]], procesos: int | None, runs: int,
                    statuses: dict[str, int] | None = None) -> list[float]:
    """Seconds of ``consolidate`` over every (master, returns) pair, per run, each on a fresh copy of the master."""
    from zedxl.consolidate import consolidate
    from zedxl.masterkey import key_path

    times = []
    with tempfile.TemporaryDirectory(prefix="zedxl-bench-") as tmp:
        for run in range(runs):
            total = 0.0
            for i, (master, returns) in enumerate(pairs):
                work = Path(tmp) / f"r{run}-{i}"
                work.mkdir()
                copy = work / master.name
                shutil.copy2(master, copy)
                shutil.copy2(key_path(master), key_path(copy))
                t0 = time.perf_counter()
                result = consolidate(copy, returns, procesos=procesos)
                total += time.perf_counter() - t0
                if run == 0 and statuses is not None:
                    for f in result.files:
                        statuses[f.status] = statuses.get(f.status, 0) + 1
                shutil.rmtree(work)
            times.append(total)
    return times


def time_size(spec: dict[str, Any]) -> dict[str, Any]:
    """Worker body: time consolidate, floor and baseline for one size (fresh process). With ``spawn``, worker
    processes are spawned as on Windows (``ZEDXL_INICIO``), and a spawn pool forced at any size is timed too."""
    import zedxl.parallel

    if spec.get("spawn"):
        os.environ["ZEDXL_INICIO"] = "spawn"
    pairs = [(Path(m), Path(r)) for m, r in spec["pairs"]]
    runs = spec["runs"]
    files = [p for _, r in pairs for p in sorted(r.iterdir())]
    masters = [m for m, _ in pairs]
    statuses: dict[str, int] = {}
    # the default policy, then one process: what the second core gives
    cons = _consolidations(pairs, None, runs, statuses)
    one = _consolidations(pairs, 1, max(1, runs // 2))
    forced: list[float] = []
    if spec.get("spawn"):  # what a spawn pool would cost at this size, whatever the policy says
        zedxl.parallel.MIN_FILES_FOR_SPAWNED_WORKERS = 1
        forced = _consolidations(pairs, None, max(1, runs // 2))
    peak = _peak_rss_mb()
    floor: list[float] = []
    base: list[float] = []
    cells = 0
    for _ in range(runs):
        t0 = time.perf_counter()
        cells = read_floor(files + masters)
        floor.append(time.perf_counter() - t0)
    for _ in range(runs):
        t0 = time.perf_counter()
        read_baseline(files + masters)
        base.append(time.perf_counter() - t0)
    c, f, b = statistics.median(cons), statistics.median(floor), statistics.median(base)
    return {
        "n": spec["n"], "files": len(files), "masters_ao": spec["masters_ao"], "cells": cells,
        "consolidate_s": round(c, 3), "floor_s": round(f, 3), "baseline_s": round(b, 3),
        "consolidate_over_floor": round(c / f, 2), "baseline_over_consolidate": round(b / c, 2),
        "consolidate_1_process_s": round(statistics.median(one), 3),
        "speedup_2nd_process": round(statistics.median(one) / c, 2),
        "peak_rss_mb": peak, "runs": runs, "consolidate_runs_s": [round(x, 3) for x in cons],
        "statuses": statuses, "start_method": zedxl.parallel.start_method(),
        **({"consolidate_spawn_pool_s": round(statistics.median(forced), 3)} if forced else {}),
    }


def time_master(spec: dict[str, Any]) -> dict[str, Any]:
    """Worker body: recompute and split on the 20,000-AO master."""
    from zedxl.recompute import recompute
    from zedxl.split import split

    master = Path(spec["master"])
    out: dict[str, Any] = {"ao": BIG_MASTER_OFFICES * AO_PER_OFFICE, "offices": BIG_MASTER_OFFICES}
    rec: list[float] = []
    spl: list[float] = []
    with tempfile.TemporaryDirectory(prefix="zedxl-bench-") as tmp:
        for run in range(spec["runs"]):
            work = Path(tmp) / f"r{run}"
            work.mkdir()
            copy = work / master.name
            shutil.copy2(master, copy)
            t0 = time.perf_counter()
            recompute(copy)
            rec.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            files = split(copy, "2025-03", work / "libros")
            spl.append(time.perf_counter() - t0)
            out["split_files"] = len(files)
            shutil.rmtree(work)
    out.update({"recompute_s": round(statistics.median(rec), 3), "split_s": round(statistics.median(spl), 3),
                "peak_rss_mb": _peak_rss_mb()})
    return out


def generate_report_master(root: Path, n_ao: int) -> Path:
    """A monthly master of ``n_ao`` AO with the first semester executed and most AO justified (cached)."""
    from zedxl.new import write_master_file

    folder = root / f"informe-{n_ao}ao-{_key('informe', n_ao)}"
    master = folder / "maestro.xlsx"
    if not (folder / "LISTO").exists():
        folder.mkdir(parents=True, exist_ok=True)
        plan = make_plan(n_ao // AO_PER_OFFICE, "mensual")
        rng = random.Random(f"{SEED}-informe-{n_ao}")
        values: dict[str, tuple[Decimal | None, ...]] = {}
        texts: dict[str, tuple[str, ...]] = {}
        for ao in plan.actividades():
            values[ao.codigo] = tuple(max(Decimal(0), p + rng.choice((-1, 0, 0, 1))) if m < 6 and rng.random() > 0.05
                                      else None for m, p in enumerate(ao.programado))
            if rng.random() < 0.8:  # one text for each month reported
                done, going = rng.choice(WORDS).capitalize(), rng.choice(WORDS).capitalize()
                texts[ao.codigo] = tuple(
                    f"Se ejecutó la {rng.choice(WORDS)} según lo coordinado con el área usuaria.\n"
                    f"- {done} concluida\n- {going} en curso" if v is not None else "" for v in values[ao.codigo])
        write_master_file(plan.with_ejecutado(values, texts), master)
        (folder / "LISTO").write_text("ok\n")
    return master


def time_report(spec: dict[str, Any]) -> dict[str, Any]:
    """Worker body: the Word report of 2025-S1 of one master, ``runs`` times (medians)."""
    from zedxl.report.content import build_content
    from zedxl.report.docx_writer import write_docx
    from zedxl.xlsx.master_read import read_master

    laps: list[tuple[float, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="zedxl-bench-") as tmp:
        out = Path(tmp) / "informe.docx"
        for _ in range(spec["runs"]):
            t0 = time.perf_counter()
            plan = read_master(Path(spec["master"])).plan
            t1 = time.perf_counter()
            content = build_content(plan, parse_period("2025-S1", plan.anio, plan.periodicidad))
            t2 = time.perf_counter()
            write_docx(content, out)
            laps.append((t1 - t0, t2 - t1, time.perf_counter() - t2))
        kb = out.stat().st_size // 1024
    read, cont, docx = (statistics.median(lap[i] for lap in laps) for i in range(3))
    return {"ao": spec["ao"], "read_s": round(read, 2), "content_s": round(cont, 2), "docx_s": round(docx, 2),
            "report_s": round(statistics.median(sum(lap) for lap in laps), 2), "docx_kb": kb,
            "peak_rss_mb": _peak_rss_mb(), "runs": spec["runs"]}


def _in_worker(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run a timing in a fresh Python process so that its peak memory is its own."""
    proc = subprocess.run([sys.executable, __file__, "--worker", kind], input=json.dumps(spec), text=True,
                          capture_output=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"worker {kind} failed:\n{proc.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def machine() -> dict[str, Any]:

    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    with contextlib.suppress(ValueError, OSError, AttributeError):
        mem = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    from importlib.metadata import version

    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": mem, "os": platform.platform(),
            "python": platform.python_version(), "python_calamine": version("python-calamine"),
            "openpyxl": version("openpyxl"), "xlsxwriter": version("XlsxWriter"), "python_docx": version("python-docx")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark de consolidate frente al piso (calamine) y openpyxl.")
    parser.add_argument("--sizes", default="4,200,2000", help="cantidades de retornos, separadas por comas")
    parser.add_argument("--runs", type=int, default=3, help="repeticiones de cada medición (se informa la mediana)")
    parser.add_argument("--json", metavar="FILE", help="escribe los resultados en JSON")
    parser.add_argument("--cache", metavar="DIR", help="carpeta de los archivos generados (por defecto .bench-cache)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="procesos para generar")
    parser.add_argument("--maestro", choices=("auto", "si", "no"), default="auto",
                        help="mide recompute/split en el maestro de 20 000 AO (auto: si algún tamaño es ≥ 200)")
    parser.add_argument("--spawn", action="store_true",
                        help="procesos de trabajo iniciados con spawn, como en Windows (además mide un grupo de "
                             "procesos spawn forzado en cada tamaño)")
    parser.add_argument("--informe", metavar="AO", help="mide solo el informe Word en maestros de tantas AO, p. ej. "
                        "1000,2000,8000,20000")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        spec = json.loads(sys.stdin.read())
        workers = {"size": time_size, "master": time_master, "report": time_report}
        result = workers[args.worker](spec)
        print(json.dumps(result))
        return 0

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    root = _cache_root(args)
    root.mkdir(parents=True, exist_ok=True)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    info = machine()
    log(f"Máquina: {info['cpu']}, {info['cores']} núcleos, {info['memory_gb']} GB, Python {info['python']}")
    if args.informe:
        return _report_sizes([int(s) for s in args.informe.split(",") if s.strip()], root, args, info, log)
    results = []
    for n in sizes:
        pairs = []
        ao = 0
        for ent in entities_for(n, PLANS):
            m, r = generate_entity(ent, root, args.workers, log)
            pairs.append((str(m), str(r)))
            ao += ent.offices * AO_PER_OFFICE
        res = _in_worker("size", {"n": n, "pairs": pairs, "runs": args.runs, "masters_ao": ao, "spawn": args.spawn})
        results.append(res)
        log(f"N={n:>5}: consolidate {res['consolidate_s']:.3f} s, piso {res['floor_s']:.3f} s, "
            f"openpyxl {res['baseline_s']:.3f} s, consolidate/piso {res['consolidate_over_floor']}, "
            f"openpyxl/consolidate {res['baseline_over_consolidate']}, RSS máx. {res['peak_rss_mb']} MB, "
            f"con 1 proceso {res['consolidate_1_process_s']:.3f} s (×{res['speedup_2nd_process']}), "
            f"inicio {res['start_method']}"
            + (f", grupo spawn forzado {res['consolidate_spawn_pool_s']:.3f} s" if "consolidate_spawn_pool_s" in res
               else ""))
    big: dict[str, Any] | None = None
    if args.maestro == "si" or (args.maestro == "auto" and max(sizes, default=0) >= 200):
        master = generate_big_master(root)
        big = _in_worker("master", {"master": str(master), "runs": max(1, min(args.runs, 3))})
        log(f"Maestro de {big['ao']} AO: recompute {big['recompute_s']:.3f} s, split {big['split_s']:.3f} s "
            f"({big['split_files']} libros), RSS máx. {big['peak_rss_mb']} MB")
    print(f"{'N':>6} {'consolidate_s':>14} {'floor_s':>9} {'baseline_s':>11} {'cons/floor':>11} "
          f"{'base/cons':>10} {'peak_rss_mb':>12}")
    for r in results:
        print(f"{r['n']:>6} {r['consolidate_s']:>14.3f} {r['floor_s']:>9.3f} {r['baseline_s']:>11.3f} "
              f"{r['consolidate_over_floor']:>11.2f} {r['baseline_over_consolidate']:>10.2f} {r['peak_rss_mb']:>12.1f}")
    if args.json:
        doc: dict[str, Any] = {"machine": info, "results": results}
        if big is not None:
            doc["master"] = big
        Path(args.json).write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


def _report_sizes(sizes: list[int], root: Path, args: argparse.Namespace, info: dict[str, Any], log: Any) -> int:
    results = []
    for n_ao in sizes:
        master = generate_report_master(root, n_ao)
        res = _in_worker("report", {"master": str(master), "ao": n_ao, "runs": args.runs})
        results.append(res)
        log(f"{n_ao:>6} AO: informe {res['report_s']:.2f} s (maestro {res['read_s']:.2f} s, contenido "
            f"{res['content_s']:.2f} s, docx {res['docx_s']:.2f} s), {res['docx_kb']} KB, RSS máx. "
            f"{res['peak_rss_mb']} MB")
    print(f"{'AO':>6} {'report_s':>9} {'read_s':>7} {'content_s':>10} {'docx_s':>7} {'peak_rss_mb':>12}")
    for r in results:
        print(f"{r['ao']:>6} {r['report_s']:>9.2f} {r['read_s']:>7.2f} {r['content_s']:>10.2f} {r['docx_s']:>7.2f} "
              f"{r['peak_rss_mb']:>12.1f}")
    if args.json:
        doc = {"machine": info, "informe": results}
        Path(args.json).write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


def _in_environment() -> None:
    """Started with a Python that lacks zedxl's packages (``python3 scripts/bench.py`` on a fresh copy): set the
    working copy up as ``scripts/setup.py`` does (the benchmark needs no LibreOffice) and run again in it."""
    try:
        import openpyxl  # noqa: F401
        import python_calamine  # noqa: F401
        return
    except ImportError:
        pass
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from setup import _ensure_packages, _ensure_venv

    python = _ensure_venv()
    _ensure_packages(python)
    sys.exit(subprocess.run([str(python), __file__, *sys.argv[1:]], check=False).returncode)


if __name__ == "__main__":
    _in_environment()
    sys.exit(main())
