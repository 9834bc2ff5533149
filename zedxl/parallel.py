"""How many worker processes a verb that goes through many files uses (``consolidate``, ``split``)."""

from __future__ import annotations

import os

#: Below this many files the work stays in this process: starting worker processes costs more than it saves.
MIN_FILES_FOR_WORKERS = 12


def worker_count(n_items: int, procesos: int | None = None, minimum: int | None = None) -> int:
    """``procesos``, else the ``ZEDXL_PROCESOS`` environment variable, else one per core (at most 8); 1 when there
    are fewer than ``minimum`` items (default ``MIN_FILES_FOR_WORKERS``)."""
    if procesos is None:
        env = os.environ.get("ZEDXL_PROCESOS", "").strip()
        procesos = int(env) if env.isdigit() else min(os.cpu_count() or 1, 8)
    if n_items < (MIN_FILES_FOR_WORKERS if minimum is None else minimum):
        return 1
    return max(1, min(procesos, n_items))


__all__ = ["MIN_FILES_FOR_WORKERS", "worker_count"]
