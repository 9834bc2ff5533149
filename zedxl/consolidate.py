"""The ``consolidate`` verb: validate every return in a folder, merge the good ones into the master, keep an audit.

What happens to each file is decided by ``consolidation.plan_consolidation`` (as for the Panel's Consolidar button);
this module reads the folder and writes what was decided: every received file archived with its SHA-256, the
master once, atomically, with a backup, and the ledger, committed together with the master (``ledger``'s module
docstring). An open master, a concurrent run or a locked ledger stops everything first.
"""

from __future__ import annotations

import concurrent.futures
import datetime as _dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zedxl.consolidation import ConsolidationResult, FileOutcome, Received, plan_consolidation, render_text
from zedxl.errors import ZedxlError
from zedxl.fsutil import (
    archive_received,
    ensure_not_open,
    entry_kind,
    exclusive_lock,
    read_received,
    require_regular_file,
    sha256_file,
)
from zedxl.intake import lock_file_original
from zedxl.issues import Issue, Report, make_issue
from zedxl.ledger import FileRow, Ledger, RunRecord, history, ledger_path, now_iso, reconcile
from zedxl.masterkey import load_key
from zedxl.new import write_master_file
from zedxl.parallel import collector_paused, process_pool, run_in_background, worker_count
from zedxl.structure import removal_changes, require_intact
from zedxl.xlsx.master_read import read_master
from zedxl.xlsx.observaciones import write_observaciones
from zedxl.xlsx.office_layout import offices_to_split

IGNORED_SUFFIXES = {".tmp", ".sqlite", ".lock", ".md", ".txt~", ".clave"}


def return_files(folder: Path) -> list[Path]:
    """The entries of a returns folder a consolidation takes, by name: not the ``IGNORED_SUFFIXES`` nor hidden ones,
    but lock files (``~$…``, ``.~lock.…#``); links, FIFOs, devices and folders named like a file (``x.xlsx``) too,
    to be listed as skipped (``unopened``). A folder without an extension is an ordinary subfolder."""
    return [p for p in sorted(folder.iterdir()) if p.suffix.lower() not in IGNORED_SUFFIXES
            and (not p.name.startswith(".") or lock_file_original(p.name) is not None)
            and (entry_kind(p) != "carpeta" or p.suffix)]


def unopened(path: Path) -> Received | None:
    """A lock file as received, hashed but never opened, or an entry that is not a regular file, never opened at
    all (``plan_consolidation`` says why); None for a regular file to read."""
    kind = entry_kind(path)
    if kind:
        return Received(path.name, Report(path.name, [make_issue("archivo-no-regular", file=path.name, tipo=kind)]),
                        skipped=True)
    if lock_file_original(path.name) is None:
        return None
    return Received(path.name, Report(path.name), sha256=sha256_file(path), size=path.stat().st_size)


def archive_folder(master: Path) -> Path:
    """Where this run archives what it received: ``recibidos/<date-time>/`` next to the master."""
    return master.parent / "recibidos" / _dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def run_record(master: Path, sha_before: str, inicio: str, result: ConsolidationResult) -> RunRecord:
    """The run's rows for the ledger next to ``master`` (a ``RunRecord``: ``finish`` commits them)."""
    return RunRecord(ledger_path(master), master, sha_before, inicio, [
        FileRow(f.name, f.sha256, f.size, str(f.archived.relative_to(master.parent)) if f.archived else None,
                f.office, f.period, f.status, len(f.report.errors), len(f.report.warnings)) for f in result.files],
        result.changes)


@dataclass(frozen=True)
class _Read:
    """One return as a worker read it: what ``judge`` needs, where it was archived, its size."""

    read: Any  # validate.ReturnRead, for judging
    archived: Path | None
    size: int


def _read_return(path: Path, archive_dir: Path) -> _Read:
    """The file read once, checked by ``validate.read_return`` and archived from those same bytes."""
    from zedxl import validate
    from zedxl.intake import DEFAULT_LIMITS

    received = read_received(path, DEFAULT_LIMITS.max_file_bytes)
    with collector_paused():  # a clean return leaves no cycle for the collector to find
        read = validate.read_return(path, received=received)
    archived = archive_received(path, received, archive_dir)
    return _Read(read.for_judging(), archived, received.size)


def _in_background(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` in a worker process, once it runs at a lower priority (``run_in_background``)."""
    run_in_background()
    return fn(*args)


def _read_chunk(paths: list[Path], archive_dir: Path) -> list[_Read]:
    """``_read_return`` of a few paths, in one worker: one round trip to the worker for all of them."""
    return [_read_return(p, archive_dir) for p in paths]


def _spans(n: int, workers: int) -> list[tuple[int, int]]:
    """The files handed to the workers a few at a time, in order, in shrinking chunks (8 files at most) so the
    workers finish together."""
    out = []
    start = 0
    while start < n:
        size = max(1, min(8, (n - start) // (workers * 4)))
        out.append((start, start + size))
        start += size
    return out


class _Reads:
    """``_read_return`` of every path, in order: in worker processes when ``workers`` > 1, all submitted at once
    so they start while this process reads the master."""

    def __init__(self, paths: list[Path], workers: int, archive_dir: Path) -> None:
        self.pool: concurrent.futures.ProcessPoolExecutor | None = None
        if workers > 1:
            self.pool = process_pool(workers)
            chunks = [self.pool.submit(_read_chunk, paths[a:b], archive_dir) for a, b in _spans(len(paths), workers)]
            self.results: Iterator[_Read] = (one for chunk in chunks for one in chunk.result())
        else:
            self.results = (_read_return(p, archive_dir) for p in paths)

    def start_map(self, fn: Callable[..., Any], *args: list[Any]) -> Callable[[], list[Any]]:
        """``fn`` over the arguments, started now in the workers at a lower priority (this process goes on with
        the master's write); the returned function waits for the results, in order (computes them, without
        workers)."""
        if self.pool is None or not args[0]:
            return lambda: [fn(*a) for a in zip(*args, strict=True)]
        pending = self.pool.map(_in_background, [fn] * len(args[0]), *args)
        return lambda: list(pending)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def consolidate(master: Path, folder: Path, *, reemplazar: bool = False, procesos: int | None = None,
                progress: Callable[[int, int], None] | None = None, eliminar: Sequence[str] = ()
                ) -> ConsolidationResult:
    """Validate and merge every return in ``folder`` into ``master``; see the module docstring.

    ``procesos``: processes that read the returns (default: ``parallel.worker_count``); the result is the same
    whatever the number. ``progress(done, total)`` is called after each file. A row the master had that is gone
    stops the run with StructureError unless ``eliminar`` names it (``zedxl.structure``).
    """
    from zedxl.validate import Fingerprints, judge

    master = Path(master)
    folder = Path(folder)
    if not folder.is_dir():
        raise ZedxlError(f"No existe la carpeta de retornos {folder}.")
    require_regular_file(master)
    ensure_not_open(master)
    with exclusive_lock(master):
        avisos = reconcile(master)  # a run a crash left pending, settled before this one starts
        Ledger.prepare(ledger_path(master))  # a locked or unwritable ledger stops the run before any work
        sha_before = sha256_file(master)
        inicio = now_iso()
        candidates = return_files(folder)
        skipped = {p: item for p in candidates if (item := unopened(p)) is not None}
        to_read = [p for p in candidates if p not in skipped]
        # the workers start on the returns (reading, checking and archiving each) while this process reads the master
        reads = _Reads(to_read, worker_count(len(to_read), procesos), archive_folder(master))
        try:
            with collector_paused():  # plain data that lives on: nothing for the collector to find
                read = read_master(master, extra_sheets=True)
            check = require_intact(read, eliminar, master)  # before the ledger or the master is touched
            plan = check.plan
            key = load_key(master)
            fingerprints = Fingerprints(plan)
            received: list[Received] = []
            for done, path in enumerate(candidates, start=1):
                item = skipped.get(path)
                if item is None:
                    one = next(reads.results)
                    data, rep = judge(one.read, plan, key=key, fingerprints=fingerprints)
                    item = Received(path.name, rep, data, one.read.sha256, one.size, one.archived)
                received.append(item)
                if progress is not None:
                    progress(done, len(candidates))
            with collector_paused():  # many objects, all kept
                decided = plan_consolidation(plan, received, expected=offices_to_split(plan), reemplazar=reemplazar,
                                             history=history(master))
            result = ConsolidationResult.of(master, decided)
            # recorded in the ledger: what was removed, and the reprogramaciones the planner wrote in the master
            result.changes = [*read.reprogramacion_changes, *removal_changes(check.removed), *result.changes]
            result.avisos = avisos

            # the offices' observations are written by the workers while the master is written
            by_office = decided.observaciones
            observaciones = reads.start_map(write_observaciones, list(by_office), list(by_office.values()),
                                            [master.parent / "observaciones"] * len(by_office),
                                            [plan.entidad] * len(by_office),
                                            [decided.periods_of(office) for office in by_office])

            record = run_record(master, sha_before, inicio, result)
            if result.changes:  # the ledger's record is committed (pending) before the master's rename
                with record.committing() as before_replace:
                    result.backup = write_master_file(decided.plan, master, extra=read.extra,
                                                      before_replace=before_replace)
                result.written = True
                result.master_issues = read.issues
            else:
                record.finish(sha_before, "sin cambios")

            result.observaciones.extend(observaciones())
        finally:
            reads.close()  # stops the workers if anything above failed
    return result


__all__ = ["ConsolidationResult", "FileOutcome", "Issue", "consolidate", "render_text"]
