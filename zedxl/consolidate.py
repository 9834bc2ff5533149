"""The ``consolidate`` verb: validate every return in a folder, merge the good ones into the master, keep an audit.

A return with any error is rejected whole (never half-merged); the others are still merged. Every received file is
archived untouched with its SHA-256; the ledger records per cell the value before and after. The master is written
once, atomically, with the previous version kept as a backup; an open master (``~$`` owner file) or a concurrent
run stops everything before anything is written. Re-running with the same files changes nothing and says so.
"""

from __future__ import annotations

import concurrent.futures
import datetime as _dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zedxl.errors import ZedxlError
from zedxl.fmt import count
from zedxl.fsutil import archive_received, ensure_not_open, exclusive_lock, read_received, sha256_file
from zedxl.intake import lock_file_original
from zedxl.issues import Issue, Report, make_issue, register
from zedxl.ledger import FileRow, Ledger, RunRecord, ledger_path, now_iso
from zedxl.model import Plan
from zedxl.new import write_master_file
from zedxl.parallel import MIN_FILES_FOR_WORKERS, collector_paused, run_in_background, worker_count
from zedxl.returns import Change, ReturnData, merge
from zedxl.xlsx.master_read import read_master
from zedxl.xlsx.observaciones import write_observaciones

register("retorno-duplicado", "Dos retornos de la misma oficina",
         "La oficina {office} envió más de un archivo para {periodo}: {archivos}. No se consolidó nada. Deje uno "
         "solo en la carpeta o use --reemplazar para tomar el más reciente.", "error")
register("retorno-reemplazado", "Retorno reemplazado por otro más reciente",
         "{file} fue reemplazado por {nuevo}, más reciente, de la misma oficina y periodo (--reemplazar).", "aviso")
register("retorno-ya-consolidado", "Archivo ya consolidado",
         "{file} ya fue consolidado antes (mismo contenido); no cambia nada.", "aviso")

IGNORED_SUFFIXES = {".tmp", ".sqlite", ".lock", ".md", ".txt~"}


@dataclass
class FileOutcome:
    """What happened to one received file."""

    name: str
    sha256: str
    size: int
    status: str  # consolidado | rechazado | omitido | ya-consolidado | reemplazado | duplicado
    office: str | None
    period: str | None
    report: Report
    archived: Path | None = None


@dataclass
class ConsolidationResult:
    master: Path
    files: list[FileOutcome] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    missing_offices: dict[str, list[str]] = field(default_factory=dict)  # period → offices that did not return
    observaciones: list[Path] = field(default_factory=list)
    backup: Path | None = None
    written: bool = False
    stopped: str = ""  # why nothing was merged at all, if so

    @property
    def ok(self) -> bool:
        return not self.stopped and all(f.status not in ("rechazado", "duplicado") for f in self.files)

    def to_json(self) -> dict[str, Any]:
        return {
            "maestro": str(self.master),
            "escrito": self.written,
            "detenido": self.stopped or None,
            "respaldo": str(self.backup) if self.backup else None,
            "cambios": len(self.changes),
            "archivos": [{"archivo": f.name, "sha256": f.sha256, "estado": f.status, "instancia": f.office,
                          "periodo": f.period, "archivado_en": str(f.archived) if f.archived else None,
                          "errores": len(f.report.errors), "avisos": len(f.report.warnings),
                          "problemas": [i.to_dict() for i in f.report.issues]} for f in self.files],
            "faltan": self.missing_offices,
            "observaciones": [str(p) for p in self.observaciones],
        }


def _is_owner_file(path: Path) -> bool:
    return lock_file_original(path.name) is not None


def _candidates(folder: Path) -> list[Path]:
    out = []
    for p in sorted(folder.iterdir()):
        if not p.is_file() or p.suffix.lower() in IGNORED_SUFFIXES:
            continue
        if p.name.startswith(".") and not _is_owner_file(p):
            continue
        out.append(p)
    return out


def _workers(n_files: int, procesos: int | None) -> int:
    """How many processes read the returns (see ``zedxl.parallel.worker_count``)."""
    return worker_count(n_files, procesos, MIN_FILES_FOR_WORKERS)


@dataclass(frozen=True)
class _Read:
    """One return as a worker read it: what ``judge`` needs, where the checked bytes were archived, their size and
    modification time."""

    read: Any  # validate.ReturnRead, for judging
    archived: Path | None
    size: int
    mtime: float


def _read_return(path: Path, archive_dir: Path) -> _Read:
    """The file read once (``fsutil.read_received``), checked by ``zedxl.validate.read_return`` (looked up when
    called, in a worker too, not when the pool starts) and archived from those same bytes; only what ``judge``
    needs comes back (``ReturnRead.for_judging``)."""
    from zedxl import validate
    from zedxl.intake import DEFAULT_LIMITS

    received = read_received(path, DEFAULT_LIMITS.max_file_bytes)
    # the cyclic collector off while a return is read: it would go over the return's objects while they live,
    # finding nothing (a clean return leaves no cycle: none after the benchmark's hundreds), ~1 ms of the ~14 ms
    # a return takes in a worker; what an odd file leaves is found once it is back on
    with collector_paused():
        read = validate.read_return(path, received=received)
    archived = archive_received(path, received, archive_dir)
    return _Read(read.for_judging(), archived, received.size, received.mtime_ns / 1e9)


def _in_background(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` in a worker process, once it runs at a lower priority (``run_in_background``)."""
    run_in_background()
    return fn(*args)


def _read_chunk(paths: list[Path], archive_dir: Path) -> list[_Read]:
    """``_read_return`` of a few paths, in one worker: one round trip to the worker for all of them."""
    return [_read_return(p, archive_dir) for p in paths]


def _spans(n: int, workers: int) -> list[tuple[int, int]]:
    """The files handed to the workers a few at a time, in order: each chunk a share of what is still to hand
    out (at most 8 files, at least 1), so the last chunks are single files and the workers finish together (with
    equal chunks, one worker could still have 8 returns to read when the other has none)."""
    out = []
    start = 0
    while start < n:
        size = max(1, min(8, (n - start) // (workers * 4)))
        out.append((start, start + size))
        start += size
    return out


class _Reads:
    """``validate.read_return`` of every path, in order: in worker processes when ``workers`` > 1.

    What needs no master (opening and checking each file) is the expensive part: it is all submitted at once, so the
    workers start while this process reads the master, and results (small plain data) come back in order, one at a
    time, so memory does not grow with the number of files.
    """

    def __init__(self, paths: list[Path], workers: int, archive_dir: Path) -> None:
        from zedxl.xlsx.office_scan import SharedVerdicts

        self.pool: concurrent.futures.ProcessPoolExecutor | None = None
        self.verdicts: SharedVerdicts | None = None
        if workers > 1:
            self.verdicts = SharedVerdicts.start()  # before the fork: the workers share openpyxl's verdicts
            self.pool = concurrent.futures.ProcessPoolExecutor(max_workers=workers)
            chunks = [self.pool.submit(_read_chunk, paths[a:b], archive_dir) for a, b in _spans(len(paths), workers)]
            self.results: Iterator[_Read] = (one for chunk in chunks for one in chunk.result())
        else:
            self.results = (_read_return(p, archive_dir) for p in paths)

    def __next__(self) -> _Read:
        return next(self.results)

    def start_map(self, fn: Callable[..., Any], *args: list[Any]) -> Callable[[], list[Any]]:
        """``fn`` over the arguments, started now in the worker processes at a lower priority (this process goes
        on with the master's write, which they must not slow down; the pool's last work: it is shut down after);
        the returned function waits for the results, in order. Without workers, it computes them then."""
        if self.pool is None or not args[0]:
            return lambda: [fn(*a) for a in zip(*args, strict=True)]
        pending = self.pool.map(_in_background, [fn] * len(args[0]), *args)
        return lambda: list(pending)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if self.verdicts is not None:
            self.verdicts.close()
            self.verdicts = None


def _expected_offices(plan: Plan) -> list[str]:
    """Offices that own at least one AO or report the budget (so they are expected to return a workbook)."""
    owners = {ao.instancia for ao in plan.actividades()} | {plan.responsable_presupuesto}
    return [code for code in plan.instancias if code in owners]


def consolidate(master: Path, folder: Path, *, reemplazar: bool = False, procesos: int | None = None,
                progress: Callable[[int, int], None] | None = None) -> ConsolidationResult:
    """Validate and merge every return in ``folder`` into ``master``; see the module docstring.

    ``procesos``: processes that read the returns (default: one per core, see ``_workers``); the result is the same
    whatever the number. ``progress(done, total)`` is called after each file.
    """
    from zedxl.validate import Fingerprints, judge

    master = Path(master)
    folder = Path(folder)
    if not folder.is_dir():
        raise ZedxlError(f"No existe la carpeta de retornos {folder}.")
    ensure_not_open(master)
    result = ConsolidationResult(master)
    with exclusive_lock(master):
        sha_before = sha256_file(master)
        inicio = now_iso()
        candidates = _candidates(folder)
        to_read = [p for p in candidates if not _is_owner_file(p)]
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        archive_dir = master.parent / "recibidos" / stamp
        # the workers start on the returns (reading, checking and archiving each) while this process reads the master
        reads = _Reads(to_read, _workers(len(to_read), procesos), archive_dir)
        try:
            with collector_paused():  # plain data that lives on: nothing for the collector to find
                plan = read_master(master).plan
            fingerprints = Fingerprints(plan)
            valid: list[tuple[FileOutcome, ReturnData, float]] = []
            Ledger.prepare(ledger_path(master))
            for done, path in enumerate(candidates, start=1):
                if _is_owner_file(path):
                    rep = Report(path.name, [make_issue("archivo-temporal-bloqueo", file=path.name,
                                                        original=lock_file_original(path.name))])
                    result.files.append(FileOutcome(path.name, sha256_file(path), path.stat().st_size,
                                                    "omitido", None, None, rep))
                else:
                    one = next(reads)
                    data, rep = judge(one.read, plan, fingerprints=fingerprints)
                    outcome = FileOutcome(path.name, one.read.sha256, one.size, "rechazado",
                                          data.instancia if data else None,
                                          data.periodo.label if data else None, rep)
                    outcome.archived = one.archived
                    result.files.append(outcome)
                    if data is not None and rep.valid:
                        valid.append((outcome, data, one.mtime))
                if progress is not None:
                    progress(done, len(candidates))

            # duplicates: the same office and period more than once
            groups: dict[tuple[str, str], list[tuple[FileOutcome, ReturnData, float]]] = defaultdict(list)
            for item in valid:
                groups[(item[1].instancia, item[1].periodo.label)].append(item)
            chosen: list[tuple[FileOutcome, ReturnData]] = []
            for (office, period), items in groups.items():
                if len(items) == 1:
                    chosen.append((items[0][0], items[0][1]))
                    continue
                names = ", ".join(o.name for o, _, _ in items)
                if not reemplazar:
                    for o, _, _ in items:
                        o.status = "duplicado"
                        o.report.add(make_issue("retorno-duplicado", file=o.name, office=office, periodo=period,
                                                archivos=names))
                    continue
                items.sort(key=lambda it: (it[2], it[0].name))
                newest = items[-1]
                for o, _, _ in items[:-1]:
                    o.status = "reemplazado"
                    o.report.add(make_issue("retorno-reemplazado", file=o.name, nuevo=newest[0].name))
                chosen.append((newest[0], newest[1]))
            if any(f.status == "duplicado" for f in result.files):
                result.stopped = "Hay retornos duplicados: no se consolidó nada."
                chosen = []

            with collector_paused():  # tens of thousands of changes and new AO at N = 2,000, all kept
                new_plan, changes = merge(plan, [d for _, d in chosen])
            per_file: dict[str, int] = defaultdict(int)
            for c in changes:
                per_file[c.archivo] += 1
            for outcome, _ in chosen:
                if per_file.get(outcome.name):
                    outcome.status = "consolidado"
                else:
                    outcome.status = "ya-consolidado"
                    outcome.report.add(make_issue("retorno-ya-consolidado", file=outcome.name))
            result.changes = changes

            # the offices' observations depend only on the reports, now final: they are written by the workers
            # while the ledger's rows and the master are written (collected below)
            by_office: dict[str, list[Report]] = defaultdict(list)
            for f in result.files:
                if f.report.issues and f.status in ("rechazado", "duplicado", "consolidado"):
                    by_office[f.office or f.name.rsplit(".", 1)[0]].append(f.report)
            folder_obs = master.parent / "observaciones"
            observaciones = reads.start_map(write_observaciones, list(by_office), list(by_office.values()),
                                            [folder_obs] * len(by_office))

            # offices expected but from which nothing readable arrived, per period seen in this run
            readable = [f for f in result.files if f.office and f.period]
            for label in sorted({f.period for f in readable if f.period}):
                got = {f.office for f in readable if f.period == label}
                result.missing_offices[label] = [o for o in _expected_offices(plan) if o not in got]

            # the ledger's rows are inserted (by a second process when they are many) while the master is
            # written; they are committed only with the master's final hash
            record = RunRecord(ledger_path(master), master, sha_before, inicio, [
                FileRow(f.name, f.sha256, f.size,
                        str(f.archived.relative_to(master.parent)) if f.archived else None, f.office, f.period,
                        f.status, len(f.report.errors), len(f.report.warnings)) for f in result.files],
                changes).start()
            try:
                if changes:
                    result.backup = write_master_file(new_plan, master)
                    result.written = True
                record.finish(sha256_file(master), "escrito" if result.written else "sin cambios")
            except BaseException:
                record.abort()
                raise

            result.observaciones.extend(observaciones())
        finally:
            reads.close()  # stops the workers if anything above failed
    return result


def render_text(result: ConsolidationResult) -> list[str]:
    """Spanish lines for the terminal."""
    lines = []
    for f in result.files:
        label = {"consolidado": "CONSOLIDADO", "rechazado": "RECHAZADO", "omitido": "OMITIDO",
                 "ya-consolidado": "SIN CAMBIOS", "reemplazado": "REEMPLAZADO", "duplicado": "DUPLICADO"}[f.status]
        who = f" ({f.office} {f.period})" if f.office else ""
        lines.append(f"{label:12} {f.name}{who}: {count(len(f.report.errors), 'error', 'errores')}, "
                     f"{count(len(f.report.warnings), 'aviso', 'avisos')}")
        for i in f.report.issues:
            where = f" [{i.sheet}!{i.cell}]" if i.sheet and i.cell else (f" [{i.sheet}]" if i.sheet else "")
            lines.append(f"    - {i.severity}: {i.code}{where}: {i.message}")
    for period, offices in result.missing_offices.items():
        if offices:
            lines.append(f"Faltan retornos de {period}: {', '.join(offices)}.")
    must_resend = sorted({f.office or f.name for f in result.files if f.status == "rechazado"})
    if must_resend:
        lines.append(f"Deben volver a enviar su libro: {', '.join(must_resend)} (ver carpeta observaciones/).")
    if result.stopped:
        lines.append(result.stopped)
    elif result.written:
        lines.append(f"Maestro actualizado: {len(result.changes)} celdas cambiadas; respaldo en {result.backup}.")
    else:
        lines.append("Nada que cambiar: el maestro ya contiene estos datos (no se reescribió).")
    return lines


__all__ = ["ConsolidationResult", "FileOutcome", "Issue", "consolidate", "render_text"]
