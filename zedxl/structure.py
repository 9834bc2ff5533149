"""The master's structure (every OEI, AEI, AO and budget line it holds) and the check that a rewrite loses none of
them unnoticed.

The writer records the structure in the master itself (a very hidden sheet). Before the master is rewritten, what
was read is compared with that record by ``check_structure``, a pure function: an item no longer found by its code
anywhere in the master, or a row the reader could not place (an AO above its AEI), stops the rewrite unless it was
named for removal (``--eliminar``). ``require_intact`` turns a refusal into the Spanish error that the CLI and the
Panel's buttons show. A master written before the record existed has nothing to compare and is accepted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from zedxl.errors import ReprogramacionError, StructureError
from zedxl.fmt import printable, qty
from zedxl.model import Plan, Presupuesto, normalize_code, rubro_key
from zedxl.periods import base_labels
from zedxl.returns import Change

if TYPE_CHECKING:  # (the reader is an edge: only its type is named here)
    from zedxl.xlsx.master_read import MasterRead

INGRESOS, GASTOS = "Ingresos", "Gastos"  # the level of a budget line: its sheet
_BUDGET = (INGRESOS, GASTOS)
REMOVED = "eliminado"  # the ledger's ``campo`` of an item removed with --eliminar
_PARENT = {"AEI": "OEI", "AO": "AEI"}
_SHOWN = 20  # items listed in a refusal; the rest are counted


class Item(NamedTuple):
    """One row of the master's structure: level (``OEI``, ``AEI``, ``AO``, or ``Ingresos``/``Gastos`` for a budget
    line), code (a budget line's rubro), the code of the OEI or AEI it is under, its sheet, its office (an AO) and
    its name, for people. (A named tuple: a master has tens of thousands, made on every read and write.)"""

    level: str
    code: str
    parent: str = ""
    sheet: str = ""
    instancia: str = ""
    nombre: str = ""

    @property
    def key(self) -> tuple[str, str]:
        """How the item is found again: by code, a rubro by its text (case and spacing aside)."""
        return (self.level, rubro_key(self.code)) if self.level in _BUDGET else (self.level, self.code)

    def label(self) -> str:
        """The item for people: «AO.01.02.03 «name»», «el rubro «Otros Gastos»»."""
        if self.level in _BUDGET:
            return f"el rubro «{printable(self.code)}»"
        name = printable(self.nombre[:60] + ("…" if len(self.nombre) > 60 else ""))
        return f"{self.code} «{name}»" if name else self.code

    def option(self) -> str:
        """How ``--eliminar`` names it."""
        if self.level in _BUDGET:
            return f'"{self.level}:{printable(self.code)}"'
        return self.code


@dataclass(frozen=True)
class Stray:
    """A row the reader saw but could not place, so a rewrite would drop it: where it is (A1) and why (Spanish)."""

    item: Item
    cell: str
    reason: str


@dataclass(frozen=True)
class ExtraSheet:
    """A sheet of the master that zedxl does not write (a planner's notes): its cell values as read, the name it is
    written back with, its visibility (``""``, ``"hidden"``, ``"veryHidden"``), and whether it is a chart sheet,
    which cannot be written back."""

    name: str
    rows: tuple[tuple[Any, ...], ...] = ()
    visibility: str = ""
    chart: bool = False
    source: str = ""  # its name in the master read, when it had to be renamed


@dataclass(frozen=True)
class StructureCheck:
    """What ``check_structure`` found: the plan to write (named items taken out), what it removes as asked, and
    what stops the write: items gone, rows out of place and names of ``eliminar`` that match nothing."""

    plan: Plan
    removed: tuple[Item, ...] = ()
    missing: tuple[Item, ...] = ()
    strays: tuple[Stray, ...] = ()
    unknown: tuple[str, ...] = ()

    @property
    def refused(self) -> bool:
        return bool(self.missing or self.strays or self.unknown)


def structure_of(plan: Plan, sheet_of: Callable[[str], str] | None = None) -> tuple[Item, ...]:
    """Every OEI, AEI, AO and budget line of ``plan``, in order; ``sheet_of(oei_code)``: the sheet of an OEI."""
    items: list[Item] = []
    for oei in plan.objetivos:
        sheet = sheet_of(oei.codigo) if sheet_of else ""
        items.append(Item("OEI", oei.codigo, "", sheet, "", oei.nombre))
        for aei in oei.acciones:
            items.append(Item("AEI", aei.codigo, oei.codigo, sheet, "", aei.nombre))
            items += [Item("AO", ao.codigo, aei.codigo, sheet, ao.instancia, ao.nombre) for ao in aei.actividades]
    for level, lines in ((INGRESOS, plan.presupuesto.ingresos), (GASTOS, plan.presupuesto.gastos)):
        items += [Item(level, line.rubro, "", level) for line in lines]
    return tuple(items)


def _targets(names: Iterable[str], known: set[tuple[str, str]]) -> tuple[set[tuple[str, str]], list[str]]:
    """The keys ``names`` point at (a code, ``Gastos:rubro`` or a bare rubro of either budget sheet), and the
    names that point at nothing known."""
    keys: set[tuple[str, str]] = set()
    unknown = []
    for name in names:
        kind, sep, rubro = name.partition(":")
        level = kind.strip().capitalize() if sep else ""
        if level in _BUDGET:
            wanted = {(level, rubro_key(rubro))}
        else:  # a code (of any form) or a bare rubro of either sheet
            code = normalize_code(name) or ""
            wanted = {(lv, code) for lv in ("OEI", "AEI", "AO")} | {(lv, rubro_key(name)) for lv in _BUDGET}
        if wanted & known:
            keys |= wanted & known
        else:
            unknown.append(name)
    return keys, unknown


def _without(plan: Plan, keys: set[tuple[str, str]]) -> Plan:
    """``plan`` without the items of ``keys`` (an OEI or AEI with all it holds)."""
    if not keys:
        return plan
    objetivos = tuple(
        replace(o, acciones=tuple(
            replace(a, actividades=tuple(ao for ao in a.actividades if ("AO", ao.codigo) not in keys))
            for a in o.acciones if ("AEI", a.codigo) not in keys))
        for o in plan.objetivos if ("OEI", o.codigo) not in keys)
    budget = plan.presupuesto
    return replace(plan, objetivos=objetivos, presupuesto=Presupuesto(
        tuple(x for x in budget.ingresos if (INGRESOS, rubro_key(x.rubro)) not in keys),
        tuple(x for x in budget.gastos if (GASTOS, rubro_key(x.rubro)) not in keys)))


def check_structure(previous: Sequence[Item] | None, plan: Plan, eliminar: Iterable[str] = (),
                    strays: Sequence[Stray] = ()) -> StructureCheck:
    """Compare the plan read from the master with the structure the master was written with; pure.

    Args:
        previous: The structure recorded in the master (None: an older master without a record).
        plan: The plan read from the master.
        eliminar: Codes (or rubros) the planner removes on purpose; an OEI or AEI takes what it holds with it.
        strays: Rows the reader could not place.

    Returns:
        The plan without the named items; those it lost as asked; and what stops the write: items of ``previous``
        found nowhere, strays not named, names that match nothing.
    """
    current = structure_of(plan)
    known = [*(previous or ()), *current, *(s.item for s in strays)]
    targets, unknown = _targets(eliminar, {it.key for it in known})
    # what a named OEI or AEI held goes with it: in the record or in the stray rows it may be absent; in the plan
    # it is taken out only where it is now (a row the planner moved elsewhere stays)
    gone_ok = _with_children(targets, known)
    taken = _with_children(targets, current)
    kept = _without(plan, taken)
    found = {it.key for it in current}
    kept_keys = {it.key for it in structure_of(kept)} if taken else found
    accounted = found | gone_ok | {s.item.key for s in strays}
    missing = tuple(it for it in previous or () if it.key not in accounted)
    removed: dict[tuple[str, str], Item] = {}
    for it in known:
        if it.key in gone_ok and it.key not in kept_keys:
            removed.setdefault(it.key, it)
    return StructureCheck(kept, tuple(removed.values()), missing,
                          tuple(s for s in strays if s.item.key not in gone_ok), tuple(unknown))


def _with_children(keys: set[tuple[str, str]], items: Sequence[Item]) -> set[tuple[str, str]]:
    """``keys`` and every item under them in ``items``."""
    children: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    for it in items:
        if it.parent and it.level in _PARENT:
            children[(_PARENT[it.level], it.parent)].add(it.key)
    out: set[tuple[str, str]] = set()
    todo = list(keys)
    while todo:
        key = todo.pop()
        if key not in out:
            out.add(key)
            todo += children.get(key, ())
    return out


def removal_changes(removed: Iterable[Item], archivo: str = "") -> list[Change]:
    """The ledger's rows of the removed items (``campo`` «eliminado», ``antes`` what the row was)."""
    return [Change(it.code, REMOVED, f"{it.level} «{it.nombre}» (hoja {it.sheet})" if it.nombre else
                   f"{it.level} (hoja {it.sheet})", None, it.instancia, archivo) for it in removed]


def _grouped(items: Sequence[Item]) -> list[tuple[Item, str]]:
    """The items whose OEI or AEI is not among them, each with what it holds among them («, con sus 4 AEI y 9
    AO»): a deleted OEI tab is one line, not one per row."""
    by_key = {it.key: it for it in items}
    held: dict[tuple[str, str], list[Item]] = defaultdict(list)
    tops = []
    for it in items:
        top = it
        while top.level in _PARENT and (_PARENT[top.level], top.parent) in by_key:
            top = by_key[(_PARENT[top.level], top.parent)]
        if top is it:
            tops.append(it)
        else:
            held[top.key].append(it)
    out = []
    for it in tops:
        inner = held.get(it.key, [])
        parts = [f"{n} {level}" for level in ("AEI", "AO") if (n := sum(1 for x in inner if x.level == level))]
        out.append((it, f", con sus {' y '.join(parts)}" if parts else ""))
    return out


def removed_text(removed: Sequence[Item]) -> str:
    """What a run removed, for people: «OEI.02 «…», con sus 4 AEI y 9 AO; el rubro «Otros Gastos»»."""
    return "; ".join(f"{it.label()}{held}" for it, held in _grouped(removed))


def _capped(lines: list[str]) -> list[str]:
    if len(lines) <= _SHOWN:
        return lines
    return [*lines[:_SHOWN], f"  … y {len(lines) - _SHOWN} más"]


def refusal_message(check: StructureCheck, file: str, *, backup: str | None = None, button: bool = False) -> str:
    """The Spanish error of a refused check: what is missing or out of place, and how to restore it or say that
    it was removed on purpose (``button``: from the Panel, where the option is the command line's)."""
    lost = bool(check.missing or check.strays)
    lines = [f"No se reescribió el maestro {printable(file)}"
             + (": se perderían filas que tenía cuando zedxl lo escribió por última vez." if lost else ".")
             + " No se escribió nada."]
    if check.missing:
        lines.append("Ya no están en ninguna hoja:")
        lines += _capped([f"  - {it.label()}{held} (estaba en la hoja «{printable(it.sheet)}»)"
                          for it, held in _grouped(check.missing)])
    if check.strays:
        lines.append("Están fuera de lugar (zedxl no sabe a qué OEI o AEI pertenecen):")
        lines += _capped([f"  - {printable(s.item.sheet)}!{s.cell}: {s.item.code} {s.reason}" for s in check.strays])
    if check.unknown:
        lines.append("--eliminar nombra algo que el maestro no tiene (revise el código): "
                     + ", ".join(f"«{printable(n)}»" for n in check.unknown) + ".")
    if lost:
        where = (f", o copie las filas desde el respaldo más reciente ({printable(backup)})" if backup else
                 " (o copie las filas desde una copia anterior del libro)")
        place = ("; ponga cada fila fuera de lugar debajo de su AEI (y cada AEI en la hoja de su OEI)"
                 if check.strays else "")
        lines.append(f"Si fue un error: deshaga el cambio en Excel{where}{place}; luego vuelva a ejecutar.")
        named = [it.option() for it, _ in _grouped(check.missing)] + [s.item.option() for s in check.strays]
        shown = " ".join(f"--eliminar {n}" for n in named[:_SHOWN]) + (" …" if len(named) > _SHOWN else "")
        how = (f"cierre el libro y ejecute «zedxl recompute {printable(file)} {shown}»" if button else
               f"repita el comando con {shown}")
        lines.append(f"Si las eliminó a propósito, {how} (eliminar una OEI o una AEI elimina también lo que "
                     "tiene debajo).")
    return "\n".join(lines)


def require_intact(read: MasterRead, eliminar: Iterable[str], master: Path, *, button: bool = False
                   ) -> StructureCheck:
    """``check_structure`` of what was read from ``master``; raises StructureError (Spanish, naming what is
    missing and how to restore it) when it refuses, or when a chart sheet could not be written back."""
    check = check_structure(read.structure, read.plan, eliminar, read.strays)
    if check.refused:
        folder = master.parent / "respaldos"  # the newest backup: the names sort by their time stamp
        found = sorted(p.name for p in folder.iterdir() if p.name.startswith(master.stem + ".")
                       and p.suffix == master.suffix) if folder.is_dir() else []
        raise StructureError(refusal_message(check, master.name, button=button,
                                             backup=str(Path("respaldos", found[-1])) if found else None))
    _require_recorded_programming(read, master.name, button)
    charts = [s.source or s.name for s in read.extra if s.chart]
    if charts:
        raise StructureError(f"El maestro {printable(master.name)} tiene hojas de gráfico que zedxl no puede "
                             f"conservar al reescribirlo: {', '.join(f'«{printable(c)}»' for c in charts)}. "
                             "Muévalas a otro libro (clic derecho en la pestaña › Mover o copiar) y vuelva a "
                             "ejecutar. No se escribió nada.")
    return check


def _require_recorded_programming(read: MasterRead, name: str, button: bool) -> None:
    """Raise ReprogramacionError when a programmed cell changed with no reprogramación, or a row of the
    Reprogramaciones sheet cannot be taken: a rewrite would make the change the original programming."""
    if not read.pending and not read.reprogramacion_problems:
        return
    labels = base_labels(read.plan.periodicidad)
    lines = [f"  - {p}" for p in read.reprogramacion_problems[:_SHOWN]]
    lines += [f"  - {p.cell}: {p.codigo}, {labels[p.idx]}: de {qty(p.antes)} a {qty(p.despues)}"
              for p in read.pending[:_SHOWN]]
    more = len(read.pending) + len(read.reprogramacion_problems) - len(lines)
    if more > 0:
        lines.append(f"  … y {more} más")
    how = ("escriba en la hoja Reprogramaciones una fila por cambio (Código AO, Periodo y Justificación) y vuelva a "
           "pulsar el botón" if button else
           "escriba en la hoja Reprogramaciones una fila por cambio (Código AO, Periodo y Justificación), o ejecute "
           f'zedxl recompute «{printable(name)}» --justificacion "…" [--documento "…"]')
    head = (f"El maestro {printable(name)} tiene " + " y ".join(
        t for t, on in (("cambios en lo programado sin reprogramación registrada", read.pending),
                        ("filas de reprogramación que no se pueden tomar", read.reprogramacion_problems)) if on))
    raise ReprogramacionError(head + ":\n" + "\n".join(lines) + f"\nPara registrarlos, {how}. Toda reprogramación "
                              "lleva su justificación. No se escribió nada.")


__all__ = ["ExtraSheet", "Item", "Stray", "StructureCheck", "check_structure", "refusal_message",
           "removal_changes", "removed_text", "require_intact", "structure_of"]
