"""The one process policy of the verbs that go through many files (``consolidate``, ``split``): how many worker
processes, started how; and the garbage collector paused around steps that build many long-lived objects.

A worker pool pays only where it measurably helps (docs/performance.md): a forked worker (Linux) starts in
milliseconds, a spawned one (Windows, macOS) imports zedxl again, so spawn pools are kept for large folders.
``ZEDXL_INICIO=spawn`` (or ``fork`` where it exists) forces the method, to run the Windows path on Linux.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import Iterator

#: Below this many files the work stays in this process: starting forked workers costs more than it saves.
MIN_FILES_FOR_WORKERS = 12
#: The same with spawned workers (docs/performance.md: where a spawn pool starts to pay on two cores).
MIN_FILES_FOR_SPAWNED_WORKERS = 60


def start_method() -> str:
    """``fork`` where this platform has it, else ``spawn``; ``ZEDXL_INICIO`` chooses among those available."""
    available = multiprocessing.get_all_start_methods()
    wanted = os.environ.get("ZEDXL_INICIO", "").strip().lower()
    if wanted in ("fork", "spawn") and wanted in available:
        return wanted
    return "fork" if sys.platform == "linux" and "fork" in available else "spawn"  # (macOS: fork is unsafe)


def worker_count(n_items: int, procesos: int | None = None) -> int:
    """``procesos``, else the ``ZEDXL_PROCESOS`` environment variable, else one per core (at most 8); 1 when there
    are fewer items than ``MIN_FILES_FOR_WORKERS`` (fork) or ``MIN_FILES_FOR_SPAWNED_WORKERS`` (spawn), even with
    an explicit ``procesos``."""
    if procesos is None:
        env = os.environ.get("ZEDXL_PROCESOS", "").strip()
        procesos = int(env) if env.isdigit() else min(os.cpu_count() or 1, 8)
    if n_items < (MIN_FILES_FOR_WORKERS if start_method() == "fork" else MIN_FILES_FOR_SPAWNED_WORKERS):
        return 1
    return max(1, min(procesos, n_items))


def process_pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    """A pool of ``workers`` processes started the policy's way (``start_method``), each set up by
    ``_worker_start``. Forked workers are forked now, with Ctrl+C held back until they ignore it: one that arrived
    during a fork would be lost in Python's fork handlers, with a traceback."""
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=workers, initializer=_worker_start,
                                                  mp_context=multiprocessing.get_context(start_method()))
    if start_method() == "fork" and hasattr(signal, "pthread_sigmask"):
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            pool.submit(int).result()  # the first task forks every worker
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
    return pool


def _worker_start() -> None:
    """A worker holds no lock of its parent, leaves Ctrl+C to its parent (which stops the pool and says so once,
    instead of a traceback per worker) and, on Linux, is killed when its parent dies (a worker left behind by a
    killed consolidation would go on working for nobody)."""
    from zedxl.fsutil import release_inherited_locks

    release_inherited_locks()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG, prctl(2)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the block (back as it was after it), for steps that make many objects
    that live on: the collector would go over them again and again finding no garbage."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


#: How much lower than the process that waits for it a helper runs (``nice``): work that is not on the critical
#: path (the offices' observaciones) yields the cores to the master's write.
BACKGROUND_NICENESS = 10


def run_in_background() -> None:
    """Lower this process's priority to ``BACKGROUND_NICENESS``, for good (call it only in a worker of a pool that is
    then shut down); where that cannot be done, or done again, nothing changes."""
    with contextlib.suppress(AttributeError, OSError):
        current = os.nice(0)
        if current < BACKGROUND_NICENESS:
            os.nice(BACKGROUND_NICENESS - current)


__all__ = ["BACKGROUND_NICENESS", "MIN_FILES_FOR_SPAWNED_WORKERS", "MIN_FILES_FOR_WORKERS", "collector_paused",
           "process_pool", "run_in_background", "start_method", "worker_count"]
