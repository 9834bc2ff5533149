"""The ``split`` verb: write one workbook per office for one period, from the master (which is only read)."""

from __future__ import annotations

import contextlib
import datetime as _dt
from collections.abc import Callable, Sequence
from pathlib import Path

from zedxl.errors import ZedxlError
from zedxl.fsutil import atomic_write, ensure_not_open
from zedxl.masterkey import create_key
from zedxl.parallel import process_pool, worker_count
from zedxl.periods import parse_period
from zedxl.xlsx.master_read import read_master
from zedxl.xlsx.office_layout import OfficeSpec, office_file_name, office_specs, offices_to_split
from zedxl.xlsx.office_write import write_office


class Split(list[Path]):
    """The workbooks written, in plan order; ``skipped``: the offices left out because they had reported every
    month of the period already (a quarter of a monthly plan)."""

    skipped: list[str]


def split(master: Path, period: str, outdir: Path, *, fecha_limite: _dt.date | str | None = None,
          instancias: Sequence[str] | None = None, procesos: int | None = None,
          progress: Callable[[int, int], None] | None = None) -> Split:
    """Read ``master`` and write one workbook per office that owns AO (plus the budget office) for ``period`` into
    ``outdir``; returns the files in plan order. An office that reported every month of the period already gets no
    workbook (``Split.skipped``).

    File names show the entity acronym, year, period and office: ``ZEDILO-2025-T1-DPD.xlsx``. The master is only
    read; every workbook is sealed with its key (``zedxl.masterkey``: ``<master>.clave``, made now if it has none).
    ``fecha_limite`` (a date or a text) is printed on the Instrucciones sheet. Many workbooks are written by worker
    processes (``procesos``: see ``zedxl.parallel.worker_count``); ``progress(done, total)`` is called after each
    workbook written.

    Raises:
        WorkbookError: the master cannot be read.
        PeriodError: ``period`` does not exist in the plan.
        ZedxlError: an office asked for does not exist, or owns no AO and does not report the budget.
        MasterLockedError: an office file to be replaced is open in Excel.
    """
    master = Path(master)
    plan = read_master(master).plan
    key = create_key(master)
    periodo = parse_period(period, plan.anio, plan.periodicidad)
    available = offices_to_split(plan)
    wanted = [c.strip().upper() for c in instancias] if instancias else available
    unknown = [c for c in wanted if c not in available]
    if unknown:
        raise ZedxlError(f"No hay libro para la instancia {', '.join(unknown)}: no existe o no tiene AO a su cargo. "
                         f"Instancias con AO: {', '.join(available) or '(ninguna)'}.")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    deadline = (fecha_limite.strftime("%d/%m/%Y") if isinstance(fecha_limite, _dt.date) else
                str(fecha_limite or "").strip())
    specs = office_specs(plan, periodo, wanted, deadline)
    skipped = [code for code in wanted if not specs[code].open_periods]
    if skipped and len(skipped) == len(wanted):
        raise ZedxlError(f"{'La instancia' if len(skipped) == 1 else 'Las instancias'} {', '.join(skipped)} ya "
                         f"reportaron todos los meses de {periodo.name}: no hay nada que pedirles. Para corregir un "
                         "mes ya consolidado, genere el libro de ese mes.")
    wanted = [code for code in wanted if code not in skipped]
    targets = [outdir / office_file_name(plan.sigla, periodo, code) for code in wanted]
    for target in targets:  # before writing anything
        ensure_not_open(target)
    jobs = [specs[code] for code in wanted]
    workers = worker_count(len(jobs), procesos)
    with process_pool(workers) if workers > 1 else contextlib.nullcontext() as pool:
        keys = [key] * len(jobs)
        done = (pool.map(_write_one, jobs, targets, keys, chunksize=max(1, min(8, len(jobs) // (workers * 4))))
                if pool is not None else map(_write_one, jobs, targets, keys))
        for i, _ in enumerate(done, start=1):
            if progress is not None:
                progress(i, len(jobs))
    out = Split(targets)
    out.skipped = skipped
    return out


def _write_one(spec: OfficeSpec, target: Path, key: bytes) -> None:
    """One office workbook, written atomically (in a worker process when there are many)."""
    atomic_write(target, lambda tmp: write_office(spec, str(tmp), key))
