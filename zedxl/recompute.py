"""The ``recompute`` verb: re-read everything a planner typed in the master, recompute, rewrite it safely."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from zedxl.fsutil import exclusive_lock
from zedxl.issues import Issue
from zedxl.ledger import reconcile
from zedxl.model import Plan
from zedxl.new import write_master_file
from zedxl.xlsx.master_read import read_master


@dataclass
class RecomputeResult:
    plan: Plan
    backup: Path | None
    issues: list[Issue] = field(default_factory=list)
    avisos: list[str] = field(default_factory=list)  # from the ledger's reconciliation (``ledger.reconcile``)


def recompute(master: Path) -> RecomputeResult:
    """Read the master's inputs (rows by code, columns by header), recompute every formula and cached value.

    The previous file is kept as a timestamped backup; the write is atomic; a second run on the same master waits
    for nobody: it stops with MasterLockedError.
    """
    master = Path(master)
    with exclusive_lock(master):
        avisos = reconcile(master)  # before the rewrite changes the hash a pending run is settled by
        read = read_master(master)
        previous = write_master_file(read.plan, master)
    return RecomputeResult(read.plan, previous, read.issues, avisos)
