"""The consolidation core: what happens to each received return, decided on plain data (no file read or written).

``zedxl.consolidate`` (the CLI) and ``zedxl.excel.consolidar`` (the Panel's button) both carry out what
``plan_consolidation`` decides, so they cannot disagree on a status, a duplicate or a missing office.

The status of a received file, and the issue it gets:

    consolidado     valid and merged, and it changed something
    ya-consolidado  valid and merged, but the master already held its data (aviso ``retorno-ya-consolidado``)
    rechazado       not a readable return, or one with an error (never half-merged), or held back by duplicates
    duplicado       one of two valid returns of one office and period: nothing is merged (``retorno-duplicado``)
    reemplazado     with ``reemplazar``, the older of those: the newest is merged (aviso ``retorno-reemplazado``)
    omitido         a lock file (``intake.lock_file_original``), never opened (aviso ``archivo-temporal-bloqueo``), or
                    not a regular file (a link, folder, FIFO or device), never opened (aviso ``archivo-no-regular``)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zedxl.fmt import count, printable
from zedxl.intake import lock_file_original
from zedxl.issues import Issue, Report, make_issue, register
from zedxl.model import Plan
from zedxl.returns import Change, ReturnData, merge

register("retorno-duplicado", "Dos retornos de la misma oficina",
         "La oficina {office} envió más de un archivo para {periodo}: {archivos}. No se consolidó nada. Deje uno "
         "solo en la carpeta, o tome el más reciente: --reemplazar en la línea de comandos, «Reemplazar retornos» "
         "= Sí en el Panel.", "error")
register("retorno-reemplazado", "Retorno reemplazado por otro más reciente",
         "{file} fue reemplazado por {nuevo}, más reciente, de la misma oficina y periodo.", "aviso")
register("archivo-no-regular", "No es un archivo común",
         "«{file}» no es un archivo común ({tipo}); se omitió sin abrirlo. Copie en la carpeta el libro mismo, no un "
         "enlace, una carpeta ni un dispositivo.", "aviso")
register("retorno-ya-consolidado", "Archivo ya consolidado",
         "{file} ya fue consolidado antes (mismo contenido); no cambia nada.", "aviso")

@dataclass(frozen=True)
class Received:
    """One file of the returns folder as read and checked (``data`` None: not a readable return, or a lock file,
    never read). ``order`` ranks two returns of one office and period for ``reemplazar`` (the modification time:
    the largest wins, then the last name); ``sha256``, ``size`` and ``archived`` are passed on to the outcome."""

    name: str
    report: Report
    data: ReturnData | None = None
    order: float = 0.0
    sha256: str = ""
    size: int = 0
    archived: Path | None = None
    skipped: bool = False  # not a regular file: never opened (its report says what it is)


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one received file: its status (see the module docstring) and its final report."""

    name: str
    sha256: str
    size: int
    status: str
    office: str | None
    period: str | None
    report: Report
    archived: Path | None = None


@dataclass(frozen=True)
class Consolidation:
    """What ``plan_consolidation`` decided: an outcome per file (in order), the merged plan and its changes, per
    period some return is for the expected offices that sent nothing readable, the offices (or files) rejected for
    their own errors, the reports to send back per office (or file stem), and why nothing was merged, if so."""

    files: list[FileOutcome]
    plan: Plan
    changes: list[Change]
    missing_offices: dict[str, list[str]]
    must_resend: list[str]
    observaciones: dict[str, list[Report]]
    stopped: str = ""


@dataclass
class ConsolidationResult:
    """What a consolidation did (``consolidate`` to the master file, ``excel.consolidar`` to the open book): the
    ``Consolidation`` decided, and what was written."""

    master: Path
    files: list[FileOutcome] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    missing_offices: dict[str, list[str]] = field(default_factory=dict)  # period → offices that did not return
    must_resend: list[str] = field(default_factory=list)
    observaciones: list[Path] = field(default_factory=list)
    backup: Path | None = None
    written: bool = False
    stopped: str = ""  # why nothing was merged at all, if so
    master_issues: list[Issue] = field(default_factory=list)  # avisos of the master read, when it was rewritten
    avisos: list[str] = field(default_factory=list)  # about the ledger (``ledger.reconcile``)

    @classmethod
    def of(cls, master: Path, decided: Consolidation) -> ConsolidationResult:
        """The result of ``decided``, before anything is written."""
        return cls(master, decided.files, decided.changes, decided.missing_offices, decided.must_resend,
                   stopped=decided.stopped)

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
            "avisos_maestro": [i.to_dict() for i in self.master_issues],
            "avisos": self.avisos,
        }


def plan_consolidation(plan: Plan, received: Sequence[Received], *, expected: Sequence[str],
                       reemplazar: bool = False) -> Consolidation:
    """Decide the consolidation of ``received`` into ``plan``; pure: the inputs are not changed.

    Args:
        plan: The master's plan.
        received: Every file of the returns folder, checked against ``plan``.
        expected: The offices expected to return a workbook, in the plan's order (``offices_to_split``).
        reemplazar: With two valid returns of one office and period, merge the newest instead of stopping.

    Returns:
        Statuses and issues as in the module docstring; the chosen returns merged in the given order.
    """
    reports = {r.name: Report(r.name, list(r.report.issues)) for r in received}  # the caller's reports untouched
    status: dict[str, str] = {}
    groups: dict[tuple[str, str], list[tuple[Received, ReturnData]]] = defaultdict(list)
    for r in received:
        original = lock_file_original(r.name)
        status[r.name] = "omitido" if original is not None or r.skipped else "rechazado"
        if original is not None:  # never read, whatever the caller says of it
            reports[r.name].add(make_issue("archivo-temporal-bloqueo", file=r.name, original=original))
        elif r.data is not None and r.report.valid:
            groups[(r.data.instancia, r.data.periodo.label)].append((r, r.data))

    chosen: list[tuple[Received, ReturnData]] = []
    for (office, period), items in groups.items():
        if len(items) == 1:
            chosen.append(items[0])
        elif not reemplazar:
            names = ", ".join(r.name for r, _ in items)
            for r, _ in items:
                status[r.name] = "duplicado"
                reports[r.name].add(make_issue("retorno-duplicado", file=r.name, office=office, periodo=period,
                                               archivos=names))
        else:
            *older, newest = sorted(items, key=lambda item: (item[0].order, item[0].name))
            for r, _ in older:
                status[r.name] = "reemplazado"
                reports[r.name].add(make_issue("retorno-reemplazado", file=r.name, nuevo=newest[0].name))
            chosen.append(newest)
    stopped = "Hay retornos duplicados: no se consolidó nada." if "duplicado" in status.values() else ""
    chosen = [] if stopped else chosen  # duplicates stop everything
    new_plan, changes = merge(plan, [data for _, data in chosen])
    changed = {c.archivo for c in changes}
    for r, _ in chosen:
        status[r.name] = "consolidado" if r.name in changed else "ya-consolidado"
        if r.name not in changed:
            reports[r.name].add(make_issue("retorno-ya-consolidado", file=r.name))

    files = [FileOutcome(r.name, r.sha256, r.size, status[r.name], r.data.instancia if r.data else None,
                         r.data.periodo.label if r.data else None, reports[r.name], r.archived) for r in received]
    got = {(f.period, f.office) for f in files if f.office and f.period}
    missing = {label: [o for o in expected if (label, o) not in got] for label in sorted({p for p, _ in got})}
    must_resend = sorted({f.office or f.name for f in files if f.status == "rechazado" and not f.report.valid})
    observaciones: dict[str, list[Report]] = defaultdict(list)
    for f in files:  # by the plan's office code; a return naming another office is known by its file's name
        if f.report.issues and f.status in ("rechazado", "duplicado", "consolidado"):
            office = f.office or ""
            observaciones[office if office in plan.instancias else f.name.rsplit(".", 1)[0]].append(f.report)
    return Consolidation(files, new_plan, changes, missing, must_resend, dict(observaciones), stopped)


def render_text(result: ConsolidationResult, *, issues: bool = True, book: bool = False) -> list[str]:
    """Spanish lines for the terminal, and for the summary of the button's Observaciones sheet (``issues=False``:
    the sheet lists them in rows; ``book``: the merge went into the open book, still to be saved)."""
    lines = [f"Aviso: {a}" for a in result.avisos]
    for f in result.files:
        label = {"consolidado": "CONSOLIDADO", "rechazado": "RECHAZADO", "omitido": "OMITIDO",
                 "ya-consolidado": "SIN CAMBIOS", "reemplazado": "REEMPLAZADO", "duplicado": "DUPLICADO"}[f.status]
        who = f" ({printable(f.office)} {f.period})" if f.office else ""
        lines.append(f"{label:12} {printable(f.name)}{who}: {count(len(f.report.errors), 'error', 'errores')}, "
                     f"{count(len(f.report.warnings), 'aviso', 'avisos')}")
        for i in f.report.issues if issues else ():
            where = f" [{i.sheet}!{i.cell}]" if i.sheet and i.cell else (f" [{i.sheet}]" if i.sheet else "")
            lines.append(f"    - {i.severity}: {i.code}{where}: {i.message}")
    for period, offices in result.missing_offices.items():
        if offices:
            lines.append(f"Faltan retornos de {period}: {', '.join(offices)}.")
    if result.must_resend:
        lines.append(f"Deben volver a enviar su libro: {', '.join(map(printable, result.must_resend))} "
                     "(ver carpeta observaciones/).")
    lines += [f"Aviso del maestro: {i.message}" for i in result.master_issues]
    if result.stopped:
        lines.append(result.stopped)
    elif result.written:
        lines.append(f"Libro actualizado: {count(len(result.changes), 'celda cambiada', 'celdas cambiadas')}; "
                     "guárdelo." if book else
                     f"Maestro actualizado: {len(result.changes)} celdas cambiadas; respaldo en {result.backup}.")
    else:
        lines.append("Nada que cambiar: el libro ya contiene estos datos." if book else
                     "Nada que cambiar: el maestro ya contiene estos datos (no se reescribió).")
    return lines


__all__ = ["Consolidation", "ConsolidationResult", "FileOutcome", "Received", "plan_consolidation", "render_text"]
