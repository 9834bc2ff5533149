"""The ``new`` verb: build a master workbook from a plan file."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from zedxl.errors import ZedxlError
from zedxl.fsutil import atomic_write, backup, ensure_not_open
from zedxl.masterkey import backup_key, create_key
from zedxl.model import Plan
from zedxl.plan import load_plan
from zedxl.structure import ExtraSheet
from zedxl.xlsx.master_write import write_master

MASTER_SUFFIXES = (".xlsx", ".xlsm")


def write_master_file(plan: Plan, master: Path, *, extra: Sequence[ExtraSheet] = (),
                      before_replace: Callable[[Path], None] | None = None) -> Path | None:
    """Atomically (re)write ``master`` for ``plan``, keeping the previous file as a timestamped backup (and its key,
    ``masterkey``, made with the first write and never replaced, beside the backups).

    An ``.xlsm`` master gets the Panel sheet, its buttons and their VBA, regenerated from source on every write;
    the folder and period typed on its Panel are kept. ``extra``: the planner's own sheets, written back.
    ``before_replace``: as for ``fsutil.atomic_write`` (the ledger records the new file's hash there).
    """
    master = Path(master)
    ensure_not_open(master)
    macros = master.suffix.lower() == ".xlsm"
    panel = None
    if macros and master.exists():
        from zedxl.vba.panel import read_panel

        panel = read_panel(master)
    previous = backup(master)
    if previous is not None:
        backup_key(master, previous.parent)
    atomic_write(master, lambda tmp: write_master(plan, str(tmp), macros=macros, panel=panel, extra=extra),
                 before_replace=before_replace)
    create_key(master)
    return previous


def new(plan_file: Path, master: Path, *, overwrite: bool = False, sin_ejecutado: bool = False) -> Plan:
    """Create ``master`` from ``plan_file``. Refuses to replace an existing master unless ``overwrite``."""
    master = Path(master)
    if master.suffix.lower() not in MASTER_SUFFIXES:
        raise ZedxlError(f"El maestro debe tener extensión .xlsx, o .xlsm para tener botones (se indicó "
                         f"«{master.name}»).")
    if master.exists() and not overwrite:
        raise ZedxlError(f"Ya existe {master}. Use --sobrescribir para reemplazarlo (se guardará un respaldo).")
    plan = load_plan(Path(plan_file))
    if sin_ejecutado:
        plan = plan.without_ejecutado()
    master.parent.mkdir(parents=True, exist_ok=True)
    write_master_file(plan, master)
    return plan
