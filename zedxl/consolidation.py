"""The consolidation core: what happens to each received return, decided on plain data (no file read or written).

``zedxl.consolidate`` (the CLI) and ``zedxl.excel.consolidar`` (the Panel's button) both carry out what
``plan_consolidation`` decides, so they cannot disagree on a status, a duplicate or a missing office.

The status of a received file, and the issue it gets:

    consolidado     valid and merged, and it changed something
    ya-consolidado  valid and merged, but the master already held its data (aviso ``retorno-ya-consolidado``)
    vacio           valid, but it brings no figure nor text: nothing to merge (aviso ``retorno-sin-datos``)
    copia           a byte-identical copy of another file of the folder: taken once (aviso ``retorno-copia``)
    rechazado       not a readable return, or one with an error (never half-merged)
    duplicado       one of two different new returns of one office and period: neither is merged, the office is
                    asked to send one (``retorno-duplicado``); the other offices are consolidated
    retenido        a new return of an office and period the master already holds from another file: merged only
                    when the planner asks (``reemplazar``; error ``retorno-cambia-consolidado`` otherwise)
    reemplazado     an older return of an office and period than the one merged (aviso ``retorno-reemplazado``)
    omitido         a lock file (``intake.lock_file_original``), never opened (aviso ``archivo-temporal-bloqueo``), or
                    not a regular file (a link, folder, FIFO or device), never opened (aviso ``archivo-no-regular``)

Which of two returns is newer is decided by what zedxl recorded, never by a file's modification time: a file the
ledger received in an earlier run is older than one it never saw, and of two it saw, the one first received later is
the newer (``Received.seen``); two new different files of one office and period cannot be ordered.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zedxl.fmt import count, printable
from zedxl.intake import lock_file_original
from zedxl.issues import Issue, Report, make_issue, register
from zedxl.model import Plan
from zedxl.returns import Change, ReturnData, merge

register("retorno-duplicado", "Dos retornos distintos de la misma oficina",
         "La oficina {office} envió más de un archivo distinto para {periodo}: {archivos}. No se consolidó ninguno "
         "de ellos (las demás oficinas sí). Deje en la carpeta solo el que vale y vuelva a consolidar.", "error")
register("retorno-reemplazado", "Retorno reemplazado por otro más reciente",
         "{file} es anterior a {nuevo}, de la misma oficina y periodo; no se tomó.", "aviso")
register("retorno-cambia-consolidado", "El periodo ya se consolidó con otro archivo",
         "El periodo {periodo} de la oficina {office} ya se consolidó con {anterior}; {file} trae otros datos y no "
         "se tomó. Si es una corrección de la oficina, consolide con --reemplazar en la línea de comandos "
         "(«Reemplazar retornos» = Sí en el Panel).", "error")
register("retorno-copia", "Copia idéntica de otro archivo",
         "{file} es una copia idéntica de {original}; se tomó una sola vez.", "aviso")
register("retorno-sin-datos", "Retorno sin datos",
         "{file} no trae ningún valor ejecutado, justificación ni ejecución presupuestal: no hay nada que "
         "consolidar. Verifique que sea el archivo llenado.", "aviso")
register("archivo-no-regular", "No es un archivo común",
         "«{file}» no es un archivo común ({tipo}); se omitió sin abrirlo. Copie en la carpeta el libro mismo, no un "
         "enlace, una carpeta ni un dispositivo.", "aviso")
register("retorno-ya-consolidado", "Archivo ya consolidado",
         "{file} ya fue consolidado antes (mismo contenido); no cambia nada.", "aviso")

@dataclass(frozen=True)
class Received:
    """One file of the returns folder as read and checked (``data`` None: not a readable return, or a lock file,
    never read). ``sha256``, ``size`` and ``archived`` are passed on to the outcome."""

    name: str
    report: Report
    data: ReturnData | None = None
    sha256: str = ""
    size: int = 0
    archived: Path | None = None
    skipped: bool = False  # not a regular file: never opened (its report says what it is)


@dataclass(frozen=True)
class History:
    """What the ledger recorded of earlier runs: the run in which each file (by SHA-256) was first received, per
    (office, period) the file whose data the master holds (its SHA-256 and name), and the files once merged or
    replaced that it no longer holds."""

    first_seen: Mapping[str, int] = field(default_factory=dict)
    consolidated: Mapping[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    superseded: frozenset[str] = frozenset()  # merged or set aside once, and no longer what the master holds

    def seen(self, sha256: str) -> float:
        """How new the file is: older than everything when another one replaced it once; else the run in which
        it was first received, or infinity for a file never seen."""
        return -math.inf if sha256 in self.superseded else self.first_seen.get(sha256, math.inf)


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
    their own errors, the reports to send back per office (or file stem)."""

    files: list[FileOutcome]
    plan: Plan
    changes: list[Change]
    missing_offices: dict[str, list[str]]
    must_resend: list[str]
    observaciones: dict[str, list[Report]]

    def periods_of(self, office: str) -> str:
        """The periods of an office's returns («2025-T1, 2025-T2»), for the head of its observaciones."""
        return ", ".join(sorted({f.period for f in self.files if f.office == office and f.period}))


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
    master_issues: list[Issue] = field(default_factory=list)  # avisos of the master read, when it was rewritten
    avisos: list[str] = field(default_factory=list)  # about the ledger (``ledger.reconcile``)

    @classmethod
    def of(cls, master: Path, decided: Consolidation) -> ConsolidationResult:
        """The result of ``decided``, before anything is written."""
        return cls(master, decided.files, decided.changes, decided.missing_offices, decided.must_resend)

    @property
    def ok(self) -> bool:
        return all(f.status not in ("rechazado", "duplicado", "retenido") for f in self.files)

    def to_json(self) -> dict[str, Any]:
        return {
            "maestro": str(self.master),
            "escrito": self.written,
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
                       reemplazar: bool = False, history: History | None = None) -> Consolidation:
    """Decide the consolidation of ``received`` into ``plan``; pure: the inputs are not changed.

    Args:
        plan: The master's plan.
        received: Every file of the returns folder, checked against ``plan``.
        expected: The offices expected to return a workbook, in the plan's order (``offices_to_split``).
        reemplazar: A new return of an office and period the master holds from another file replaces it.
        history: What the ledger recorded of earlier runs (none: every file is new).

    Returns:
        Statuses and issues as in the module docstring; the chosen returns merged in the given order.
    """
    history = history or History()
    reports = {r.name: Report(r.name, list(r.report.issues)) for r in received}  # the caller's reports untouched
    status: dict[str, str] = {}
    groups: dict[tuple[str, str], list[Received]] = defaultdict(list)
    for r in received:
        original = lock_file_original(r.name)
        status[r.name] = "omitido" if original is not None or r.skipped else "rechazado"
        if original is not None:  # never read, whatever the caller says of it
            reports[r.name].add(make_issue("archivo-temporal-bloqueo", file=r.name, original=original))
        elif r.data is not None and r.report.valid:
            groups[(r.data.instancia, r.data.periodo.label)].append(r)

    def mark(r: Received, state: str, code: str, **params: Any) -> None:
        status[r.name] = state
        reports[r.name].add(make_issue(code, file=r.name, **params))

    chosen: list[Received] = []
    for (office, period), items in groups.items():
        distinct: dict[str, Received] = {}
        for r in sorted(items, key=lambda r: (len(r.name), r.name)):  # "x (1).xlsx" is the copy of "x.xlsx"
            if r.sha256 in distinct:
                mark(r, "copia", "retorno-copia", original=distinct[r.sha256].name)
            else:
                distinct[r.sha256] = r
        held = history.consolidated.get((office, period))  # the file whose data the master holds
        newest_seen = max(history.seen(sha) for sha in distinct)
        newest = [r for sha, r in distinct.items() if history.seen(sha) == newest_seen]
        if len(newest) > 1 and held is not None:  # received together: the one merged is the current one
            newest = [r for r in newest if r.sha256 != held[0]] or newest
        if len(newest) > 1:  # two different files zedxl cannot order: the office says which one counts
            names = ", ".join(r.name for r in newest)
            for r in newest:
                mark(r, "duplicado", "retorno-duplicado", office=office, periodo=period, archivos=names)
            continue
        (one,) = newest
        if held is None or held[0] == one.sha256 or reemplazar and history.seen(held[0]) <= newest_seen:
            take, winner = one, one.name
        elif history.seen(held[0]) > newest_seen:  # every file here is older than what the master holds
            take, winner = None, held[1]
        else:  # a new file against one merged before: the planner says whether it replaces it
            mark(one, "retenido", "retorno-cambia-consolidado", office=office, periodo=period, anterior=held[1])
            take, winner = distinct.get(held[0]), held[1]
        if take is not None:
            chosen.append(take)
        for r in distinct.values():
            if r is not take and status[r.name] != "retenido":
                mark(r, "reemplazado", "retorno-reemplazado", nuevo=winner)

    new_plan, changes = merge(plan, [r.data for r in chosen if r.data is not None])
    changed = {c.archivo for c in changes}
    for r in chosen:
        if r.name in changed:
            status[r.name] = "consolidado"
        elif r.data is not None and r.data.is_blank():
            mark(r, "vacio", "retorno-sin-datos")
        else:
            mark(r, "ya-consolidado", "retorno-ya-consolidado")

    files = [FileOutcome(r.name, r.sha256, r.size, status[r.name], r.data.instancia if r.data else None,
                         r.data.periodo.label if r.data else None, reports[r.name], r.archived) for r in received]
    got = {(f.period, f.office) for f in files if f.office and f.period}
    missing = {label: [o for o in expected if (label, o) not in got] for label in sorted({p for p, _ in got})}
    must_resend = sorted({f.office or f.name for f in files
                          if f.status == "duplicado" or (f.status == "rechazado" and not f.report.valid)})
    observaciones: dict[str, list[Report]] = defaultdict(list)
    for f in files:  # by the plan's office code; a return naming another office is known by its file's name
        if f.report.issues and f.status in ("rechazado", "duplicado", "consolidado"):
            office = f.office or ""
            observaciones[office if office in plan.instancias else f.name.rsplit(".", 1)[0]].append(f.report)
    return Consolidation(files, new_plan, changes, missing, must_resend, dict(observaciones))


def render_text(result: ConsolidationResult, *, issues: bool = True, book: bool = False) -> list[str]:
    """Spanish lines for the terminal, and for the summary of the button's Observaciones sheet (``issues=False``:
    the sheet lists them in rows; ``book``: the merge went into the open book, still to be saved)."""
    lines = [f"Aviso: {a}" for a in result.avisos]
    for f in result.files:
        label = {"consolidado": "CONSOLIDADO", "rechazado": "RECHAZADO", "omitido": "OMITIDO",
                 "ya-consolidado": "SIN CAMBIOS", "reemplazado": "REEMPLAZADO", "duplicado": "DUPLICADO",
                 "copia": "COPIA", "vacio": "SIN DATOS", "retenido": "RETENIDO"}[f.status]
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
    if result.written:
        lines.append(f"Libro actualizado: {count(len(result.changes), 'celda cambiada', 'celdas cambiadas')}; "
                     "guárdelo." if book else
                     f"Maestro actualizado: {len(result.changes)} celdas cambiadas; respaldo en {result.backup}.")
    else:
        lines.append("Nada que cambiar: el libro ya contiene estos datos." if book else
                     "Nada que cambiar: el maestro ya contiene estos datos (no se reescribió).")
    return lines


__all__ = ["Consolidation", "ConsolidationResult", "FileOutcome", "Received", "plan_consolidation", "render_text"]
