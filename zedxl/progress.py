"""A progress bar (rich) for commands that go through many files, shown only to a person at a terminal.

Quiet with ``--json`` and when the output is not a terminal (a pipe, a file, the Excel buttons, CI); it also waits a
second before showing anything, so quick runs print nothing extra. The verbs only take a ``progress(done, total)``
callback; this module is the only one that knows about the terminal.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

Callback = Callable[[int, int], None]


def wants_progress(json_output: bool = False) -> bool:
    """True when a person is watching: no ``--json`` and standard output is a terminal."""
    return not json_output and sys.stdout.isatty()


@contextlib.contextmanager
def progress_bar(description: str, *, enabled: bool, console: Any = None,
                 delay: float = 1.0) -> Iterator[Callback | None]:
    """A ``progress(done, total)`` callback drawing a bar on standard error, or None when not ``enabled``.

    The bar appears only once ``delay`` seconds have passed and disappears when the block ends.
    """
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=console or Console(stderr=True), transient=True)
    task = bar.add_task(description, total=None)
    start = time.monotonic()
    shown = False

    def update(done: int, total: int) -> None:
        nonlocal shown
        bar.update(task, completed=done, total=total)
        if not shown and done < total and time.monotonic() - start >= delay:
            bar.start()
            shown = True

    try:
        yield update
    finally:
        if shown:
            bar.stop()


__all__ = ["progress_bar", "wants_progress"]
