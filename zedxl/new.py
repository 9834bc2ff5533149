"""The ``new`` verb: build a master workbook from a plan file."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from zedxl.errors import ZedxlError
from zedxl.fsutil import atomic_write, backup, ensure_not_open
from zedxl.masterkey import backup_key, create_key
from zedxl.model import Plan
from zedxl.plan import load_plan, plan_to_yaml
from zedxl.structure import ExtraSheet
from zedxl.xlsx.master_write import write_master

MASTER_SUFFIXES = (".xlsx", ".xlsm")
PLANBOOK_SUFFIXES = (".xlsx", ".xlsm")
YAML_SUFFIXES = (".yaml", ".yml")


def read_plan(plan_file: Path) -> Plan:
    """A plan from its YAML file or from its workbook (``zedxl.planbook``), by the file's extension."""
    if Path(plan_file).suffix.lower() in PLANBOOK_SUFFIXES:
        from zedxl.planbook import read_plan_workbook

        return read_plan_workbook(Path(plan_file))
    return load_plan(Path(plan_file))


def export_plan(plan: Plan, target: Path, *, overwrite: bool = False) -> None:
    """Write ``plan`` out as a workbook (.xlsx) or as YAML (.yaml/.yml); either reads back to an equal plan."""
    target = Path(target)
    suffix = target.suffix.lower()
    if suffix not in (".xlsx", *YAML_SUFFIXES):
        raise ZedxlError(f"El plan se exporta a .xlsx, .yaml o .yml (se indicó «{target.name}»).")
    if target.exists() and not overwrite:
        raise ZedxlError(f"Ya existe {target}. Use --sobrescribir para reemplazarlo.")
    target.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsx":
        from zedxl.planbook import write_plan_workbook

        ensure_not_open(target)
        atomic_write(target, lambda tmp: write_plan_workbook(plan, tmp))
    else:
        text = plan_to_yaml(plan)
        atomic_write(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))


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


def new(plan_file: Path, master: Path, *, overwrite: bool = False, sin_ejecutado: bool = False,
        exportar: Path | None = None) -> Plan:
    """Create ``master`` from ``plan_file`` (YAML or a plan workbook). Refuses to replace an existing master, or an
    existing ``exportar`` file, unless ``overwrite``. ``exportar``: also write the plan the master holds there
    (.xlsx or .yaml)."""
    master = Path(master)
    if master.suffix.lower() not in MASTER_SUFFIXES:
        raise ZedxlError(f"El maestro debe tener extensión .xlsx, o .xlsm para tener botones (se indicó "
                         f"«{master.name}»).")
    if master.exists() and not overwrite:
        raise ZedxlError(f"Ya existe {master}. Use --sobrescribir para reemplazarlo (se guardará un respaldo).")
    if exportar is not None and Path(exportar).resolve() in (master.resolve(), Path(plan_file).resolve()):
        raise ZedxlError(f"--exportar-plan debe ser otro archivo que el plan y el maestro (se indicó «{exportar}»).")
    plan = read_plan(Path(plan_file))
    if sin_ejecutado:
        plan = plan.without_ejecutado()
    if exportar is not None:  # (before the master: a refused export leaves nothing half done)
        export_plan(plan, Path(exportar), overwrite=overwrite)
    master.parent.mkdir(parents=True, exist_ok=True)
    write_master_file(plan, master)
    return plan
