"""The ``recompute`` verb: re-read everything a planner typed in the master, recompute, rewrite it safely."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from zedxl.fsutil import exclusive_lock, sha256_file
from zedxl.issues import Issue
from zedxl.ledger import Ledger, RunRecord, ledger_path, now_iso, reconcile
from zedxl.model import Plan
from zedxl.new import write_master_file
from zedxl.periods import base_labels
from zedxl.reprogramming import ledger_rows, with_pending_justified
from zedxl.structure import Item, removal_changes, require_intact
from zedxl.xlsx.master_read import read_master


@dataclass
class RecomputeResult:
    plan: Plan
    backup: Path | None
    issues: list[Issue] = field(default_factory=list)
    removed: list[Item] = field(default_factory=list)  # taken out as asked with ``eliminar``
    avisos: list[str] = field(default_factory=list)  # from the ledger's reconciliation (``ledger.reconcile``)


def recompute(master: Path, *, eliminar: Sequence[str] = (), justificacion: str = "", documento: str = "",
              today: date | None = None) -> RecomputeResult:
    """Read the master's inputs (rows by code, columns by header), recompute every formula and cached value.

    The previous file is kept as a timestamped backup; the write is atomic; a second run on the same master waits
    for nobody: it stops with MasterLockedError. A row the master had that is gone (or out of place) stops it with
    StructureError unless ``eliminar`` names it (``zedxl.structure``); a removal is recorded in the ledger. The
    planner's own sheets are written back with their values.

    A programmed cell the planner changed is a reprogramación: it needs a row of the Reprogramaciones sheet or
    ``justificacion`` (and optionally ``documento``), which then records every such change, dated ``today``; without
    either the run stops with ReprogramacionError. Each reprogramación is recorded in the ledger.
    """
    master = Path(master)
    with exclusive_lock(master):
        avisos = reconcile(master)  # before the rewrite changes the hash a pending run is settled by
        today = today or date.today()
        read = read_master(master, extra_sheets=True, today=today)
        reprogrammed = list(read.reprogramacion_changes)
        if read.pending and justificacion.strip():
            plan = with_pending_justified(read.plan, read.pending, today, justificacion.strip(), documento.strip())
            labels = base_labels(plan.periodicidad)
            reprogrammed += [c for code in dict.fromkeys(p.codigo for p in read.pending)
                             for c in ledger_rows(plan.actividad(code), plan.actividad(code).reprogramaciones[-1],
                                                  labels)]
            read = replace(read, pending=(), plan=plan)
        check = require_intact(read, eliminar, master)
        # recorded in the ledger (pending before the rename), so its chain of hashes follows every write of the
        # master; a ledger that cannot be written stops the run first
        Ledger.prepare(ledger_path(master))
        record = RunRecord(ledger_path(master), master, sha256_file(master), now_iso(), [],
                           [*reprogrammed, *removal_changes(check.removed)])
        with record.committing() as before_replace:
            previous = write_master_file(check.plan, master, extra=read.extra, before_replace=before_replace)
    return RecomputeResult(check.plan, previous, read.issues, list(check.removed), avisos)
