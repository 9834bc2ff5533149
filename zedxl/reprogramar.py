"""The ``reprogramar`` verb: apply a workbook of changes to the programming to the master, recorded.

The changes workbook has one row per AO and period: Código AO, Periodo, Nuevo valor, Justificación, Documento
(optional), Fecha (optional: today). Every row is checked before anything is written; each change becomes a
reprogramación of the master (its Reprogramaciones sheet) and rows of the audit ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from zedxl.a1 import to_a1
from zedxl.errors import ReprogramacionError, WorkbookError
from zedxl.fmt import match_key, printable
from zedxl.fsutil import exclusive_lock, require_regular_file, sha256_file
from zedxl.ledger import Ledger, RunRecord, ledger_path, now_iso, reconcile
from zedxl.model import Actividad, Plan, normalize_code
from zedxl.new import write_master_file
from zedxl.periods import base_labels, base_periods
from zedxl.plan import parse_date, to_decimal
from zedxl.reprogramming import apply, ledger_rows
from zedxl.returns import Change
from zedxl.structure import require_intact
from zedxl.xlsx.master_read import read_master

COLUMNS = {"codigo ao": "codigo", "codigo": "codigo", "periodo": "periodo", "nuevo valor": "nuevo",
           "programado nuevo": "nuevo", "justificacion": "justificacion", "documento": "documento", "fecha": "fecha"}
REQUIRED = ("codigo", "periodo", "nuevo", "justificacion")
MAX_ROWS = 100_000


@dataclass
class ReprogramarResult:
    plan: Plan
    backup: Path | None
    changes: list[Change] = field(default_factory=list)


def read_changes(path: Path, plan: Plan, today: date) -> list[tuple[str, dict[int, Decimal], date, str, str]]:
    """The changes of ``path`` as (AO code, {period index: new value}, date, justification, document), rows of one
    AO with the same date, justification and document together; raises ReprogramacionError naming every bad
    cell."""
    import openpyxl

    require_regular_file(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # (any file openpyxl cannot open: said in Spanish, not a traceback)
        raise WorkbookError(f"No se pudo abrir el libro de cambios {printable(path.name)}: no es un .xlsx válido "
                            f"({type(e).__name__}).") from e
    try:
        ws = wb.worksheets[0]
        rows = list(ws.iter_rows(values_only=True, max_row=MAX_ROWS + 20))
        sheet = ws.title
    finally:
        wb.close()
    header_r = next((r for r, row in enumerate(rows[:20]) if any(match_key(v) in COLUMNS for v in row)), None)
    where = f"{printable(path.name)}, hoja {printable(sheet)}"
    if header_r is None:
        raise ReprogramacionError(f"En {where} no se encontró la fila de títulos (Código AO, Periodo, Nuevo valor, "
                                  "Justificación).")
    cols = {COLUMNS[match_key(v)]: c for c, v in enumerate(rows[header_r]) if match_key(v) in COLUMNS}
    missing = [name for name in REQUIRED if name not in cols]
    if missing:
        names = {"codigo": "Código AO", "periodo": "Periodo", "nuevo": "Nuevo valor", "justificacion": "Justificación"}
        raise ReprogramacionError(f"En {where} faltan las columnas: {', '.join(names[m] for m in missing)}.")
    periods = {x.casefold(): i for i, x in enumerate(base_labels(plan.periodicidad))}
    periods |= {b.label.casefold(): b.start for b in base_periods(plan.anio, plan.periodicidad)}
    aos = {ao.codigo: ao for ao in plan.actividades()}
    problems: list[str] = []
    grouped: dict[tuple[str, date, str, str], dict[int, Decimal]] = {}
    for r in range(header_r + 1, len(rows)):
        row = rows[r]

        def cell(name: str, row: tuple[Any, ...] = row) -> Any:
            c = cols.get(name)
            return row[c] if c is not None and c < len(row) else None

        def at(name: str, r: int = r) -> str:
            return f"{printable(sheet)}!{to_a1(r, cols[name])}"

        if all(v is None or str(v).strip() == "" for v in row):
            continue
        code = normalize_code(str(cell("codigo") or ""))
        idx = periods.get(str(cell("periodo") or "").strip().casefold())
        new = to_decimal(cell("nuevo"))
        why = str(cell("justificacion") or "").strip()
        fecha = parse_date(cell("fecha")) if "fecha" in cols and cell("fecha") not in (None, "") else today
        if code not in aos:
            problems.append(f"{at('codigo')}: la AO «{printable(str(cell('codigo') or ''))}» no está en el plan")
        if idx is None:
            problems.append(f"{at('periodo')}: periodo «{printable(str(cell('periodo') or ''))}» desconocido: use "
                            f"uno de {', '.join(base_labels(plan.periodicidad))}")
        if new is None or new < 0:
            problems.append(f"{at('nuevo')}: «{printable(str(cell('nuevo')))}» no es un valor programado (un número "
                            "mayor o igual que 0)")
        if not why:
            problems.append(f"{at('justificacion')}: falta la justificación (toda reprogramación la lleva)")
        if fecha is None:
            problems.append(f"{at('fecha')}: fecha «{printable(str(cell('fecha')))}» no válida: use dd/mm/aaaa")
        if code in aos and idx is not None and new is not None and new >= 0 and why and fecha is not None:
            doc = str(cell("documento") or "").strip()
            grouped.setdefault((code, fecha, why, doc), {})[idx] = new
    if problems:
        raise ReprogramacionError(f"El libro de cambios {printable(path.name)} tiene errores; no se reprogramó nada:\n"
                                  + "\n".join(f"  - {p}" for p in problems[:50]))
    return [(code, values, fecha, why, doc) for (code, fecha, why, doc), values in grouped.items()]


def reprogramar(master: Path, cambios: Path, *, today: date | None = None) -> ReprogramarResult:
    """Apply the changes workbook ``cambios`` to ``master`` (the file is rewritten atomically, with a backup, and
    each change recorded in the ledger); nothing is written when any row is wrong."""
    master, today = Path(master), today or date.today()
    with exclusive_lock(master):
        reconcile(master)
        read = read_master(master, extra_sheets=True, today=today)
        check = require_intact(read, (), master)
        plan = check.plan
        labels = base_labels(plan.periodicidad)
        changed: dict[str, Actividad] = {}
        changes: list[Change] = list(read.reprogramacion_changes)
        for code, values, fecha, why, doc in read_changes(Path(cambios), plan, today):
            ao = changed.get(code) or plan.actividad(code)
            new = apply(ao, values, fecha, why, doc)
            if new is not ao:
                changed[code] = new
                changes += ledger_rows(new, new.reprogramaciones[-1], labels)
        if not changed:
            raise ReprogramacionError(f"El libro de cambios {printable(Path(cambios).name)} no cambia ningún valor "
                                      "programado del maestro; no se escribió nada.")
        plan = plan.with_actividades(changed)
        Ledger.prepare(ledger_path(master))  # a ledger that cannot be written stops the run before the master
        record = RunRecord(ledger_path(master), master, sha256_file(master), now_iso(), [], changes)
        with record.committing() as before_replace:
            backup = write_master_file(plan, master, extra=read.extra, before_replace=before_replace)
    return ReprogramarResult(plan, backup, changes)
