"""The ``validate`` verb: check one returned office workbook against the master; never raises for bad data.

The checks, each on what the previous one cleared:

1. ``zedxl.intake.inspect``: container, zip, XML and active content; a file it does not clear is never opened.
2. The cells intake's bounded scan recorded (``xlsx.office_book``, the one reader of a return); the hidden
   ``_zedxl`` manifest says what the workbook is.
3. Identity against the master (content wins): entity, year, period, office, and the fingerprint of what the office
   was given (``huella-distinta``), and the seal made with the master's key over everything locked in the workbook
   (``sello-no-valido``); a file name that disagrees is only an aviso.
4. Every cell against the layout written (``xlsx.office_read``).
5. Rules: a justification where execution differs from programmed; blank inputs are avisos.

Steps 1, 2, 4 and 5 need no master (``read_return``); step 3 is ``judge``. Exceptions only for what stops the run:
an unreadable master (``WorkbookError``) or a period that does not exist (``PeriodError``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zedxl import rules
from zedxl.errors import PeriodError, ZedxlError
from zedxl.fmt import count, printable, valid_text
from zedxl.fsutil import Received, read_received, require_regular_file
from zedxl.intake import DEFAULT_LIMITS, inspect
from zedxl.issues import Issue, Report, make_issue, register
from zedxl.masterkey import load_key, seal_matches
from zedxl.model import Plan
from zedxl.periods import Period, base_labels, base_names, parse_period
from zedxl.returns import ReturnData
from zedxl.xlsx import office_book, office_read
from zedxl.xlsx.input_text import _show
from zedxl.xlsx.master_read import read_master
from zedxl.xlsx.office_layout import (
    FIELD_JUSTIFICACION,
    PROPERTY_PREFIX,
    ascii_token,
    field_ejecutado,
    field_name,
    fingerprint,
    office_file_name,
    office_spec,
    office_specs,
    parse_office_file_name,
)
from zedxl.xlsx.office_manifest import Manifest, read_manifest

register("entidad-distinta", "Libro de otra entidad",
         "{file} es de «{value}» y el maestro es de «{esperado}». Use el libro que se generó desde este maestro.")
register("anio-distinto", "Libro de otro año",
         "{file} es del año {value} y el maestro es del año {esperado}. Use el libro del año {esperado}.")
register("periodo-distinto", "Libro de otro periodo",
         "{file} es del periodo {value}; {detalle}. Use el libro del periodo que se está consolidando.")
register("instancia-distinta", "Libro de otra instancia",
         "{file} es de la instancia «{value}»; {detalle}. Envíe el libro generado para la instancia que "
         "corresponde (no reutilice el de otra).")
register("nombre-archivo-distinto", "El nombre del archivo no coincide con su contenido",
         "El nombre {file} no coincide con su contenido ({detalle}); se usó el contenido: {contenido}. Si el "
         "archivo es de otra instancia o periodo, reenvíe el correcto; si no, basta con renombrarlo «{esperado}».",
         "aviso")
register("huella-distinta", "El plan cambió desde que se generó el libro",
         "Las AO, nombres, unidades o metas programadas de {file} no coinciden con las del maestro actual (el plan "
         "cambió después de generar los libros, o el libro se armó con datos de otro). Genere de nuevo el libro de "
         "la instancia con «zedxl split» y pida que copie en él sus datos.")
register("sello-no-valido", "Libro alterado o de otro maestro",
         "{file} no lleva el sello de este maestro: se modificó su contenido protegido (instancia, periodo, AO, "
         "metas, presupuesto o datos internos) o se generó desde otro maestro. Solo se aceptan los libros que "
         "generó «zedxl split» desde este maestro, con datos escritos únicamente en las celdas amarillas. Pida a la "
         "oficina de planeamiento un libro nuevo y copie en él sus datos.")
register("justificacion-faltante", "Falta la justificación",
         "En {file}, hoja {sheet}, celda {cell}, falta la justificación de la AO {codigo}: se ejecutó {ejecutado} "
         "y se programó {programado} en {periodo}. Explique la diferencia.")
register("ejecutado-vacio", "Ejecutado sin llenar",
         "En {file}, hoja {sheet}, celda {cell}, no se escribió lo ejecutado de la AO {codigo} en {columna}. Si "
         "aún no tiene el dato, no es un error; si se ejecutó 0, escriba 0.", "aviso")
register("retorno-vacio", "Libro sin llenar",
         "{file} no tiene ningún valor ejecutado de {periodo}: parece el libro tal como se envió. Verifique que "
         "sea el archivo llenado.", "aviso")

def _identity(plan: Plan, manifest: Manifest, file: str, periodo: Period | None,
              instancia: str | None) -> tuple[list[Issue], Period | None]:
    """Entity, year, period and office of the return against the master (and the arguments)."""
    meta = manifest.meta
    spec = manifest.spec
    office = spec.instancia
    issues: list[Issue] = []

    def issue(code: str, **params: Any) -> None:
        issues.append(make_issue(code, file=file, office=office, **params))

    if meta["entidad"] != plan.entidad or meta["sigla"] != plan.sigla:
        issue("entidad-distinta", value=f"{meta['entidad']} ({meta['sigla']})",
              esperado=f"{plan.entidad} ({plan.sigla})")
    if spec.plan.anio != plan.anio:
        issue("anio-distinto", value=spec.plan.anio, esperado=plan.anio)
    period: Period | None = None
    if spec.plan.anio == plan.anio:
        if spec.plan.periodicidad != plan.periodicidad:
            issue("periodo-distinto", value=spec.periodo.label,
                  detalle=f"el libro es {spec.plan.periodicidad} y el plan es {plan.periodicidad}")
        else:
            try:
                period = parse_period(spec.periodo.label, plan.anio, plan.periodicidad)
            except PeriodError:
                issue("periodo-distinto", value=spec.periodo.label, detalle="ese periodo no existe en el plan")
    if period is not None and periodo is not None and period != periodo:
        issue("periodo-distinto", value=period.label, detalle=f"se está validando el periodo {periodo.label}")
    if office not in plan.instancias:
        issue("instancia-distinta", value=office,
              detalle=f"esa instancia no existe en el maestro ({', '.join(plan.instancias) or 'sin instancias'})")
    elif instancia is not None and office != instancia:
        issue("instancia-distinta", value=office, detalle=f"se esperaba el libro de la instancia «{instancia}»")
    return issues, period


def _file_name_check(manifest: Manifest, file: str) -> list[Issue]:
    spec = manifest.spec
    expected = office_file_name(spec.plan.sigla, spec.periodo, spec.instancia)
    parsed = parse_office_file_name(file)
    contenido = f"{spec.plan.sigla}, {spec.periodo.label}, {spec.instancia}"
    if parsed is None:
        detail = "no tiene la forma SIGLA-AÑO-PERIODO-INSTANCIA.xlsx"
    else:
        sigla, label, office = parsed
        diffs = [f"dice {what} {got}" for what, got, want in (
            ("entidad", sigla, ascii_token(spec.plan.sigla)), ("periodo", label, spec.periodo.label.upper()),
            ("instancia", office, ascii_token(spec.instancia))) if got != want]
        if not diffs:
            return []
        detail = "; ".join(diffs)
    return [make_issue("nombre-archivo-distinto", file=file, office=spec.instancia, detalle=detail,
                       contenido=contenido, esperado=expected)]


def _rules(manifest: Manifest, values: office_read.OfficeValues, file: str) -> list[Issue]:
    """Justification required where execution differs from programmed; blank inputs are avisos."""
    spec = manifest.spec
    p = spec.periodo
    issues: list[Issue] = []
    blanks: list[Issue] = []
    any_value = False
    labels = base_labels(spec.plan.periodicidad)
    names = base_names(spec.plan.anio, spec.plan.periodicidad)
    open_ = spec.open_periods
    for ao in spec.plan.actividades():
        got = values.ejecutado.get(ao.codigo, {})
        for i in open_:
            if i in got and got[i] is not None:
                any_value = True
            elif i in got:
                loc = values.locations.get((ao.codigo, field_ejecutado(i)))
                if loc is not None:
                    blanks.append(make_issue("ejecutado-vacio", file=file, office=spec.instancia, sheet=loc[0],
                                             row_idx=loc[1], col_idx=loc[2], column=f"Ejec. {labels[i]}",
                                             codigo=ao.codigo, columna=labels[i]))
        texts = values.justificacion.get(ao.codigo, {})
        scale = rules.typed_scale(ao.unidad)  # said as the office typed it
        for i in open_:  # each period's figure is justified by that period's text
            field = field_name(FIELD_JUSTIFICACION, i)
            if i not in got or i not in texts or (ao.codigo, field) in values.bad:
                continue  # a refused or missing value: its own issue says so, the rule cannot be judged
            executed, programmed = got[i], ao.programado[i]
            if executed is None or executed == programmed or texts[i]:
                continue
            loc = values.locations.get((ao.codigo, field))
            if loc is None:
                continue
            issues.append(make_issue("justificacion-faltante", file=file, office=spec.instancia, sheet=loc[0],
                                     row_idx=loc[1], col_idx=loc[2], column=f"Justificación {labels[i]}",
                                     value=None, codigo=ao.codigo, ejecutado=_show(executed * scale),
                                     programado=_show(programmed * scale), periodo=names[i]))
    if not any_value and blanks:
        issues.append(make_issue("retorno-vacio", file=file, office=spec.instancia, periodo=p.name))
    else:
        issues.extend(blanks)
    return issues


@dataclass
class ReturnRead:
    """What a return says by itself, before the master is consulted; plain data, made in worker processes too."""

    file: str
    sha256: str
    head: list[Issue] = field(default_factory=list)  # intake, opening and manifest issues, in order
    manifest: Manifest | None = None
    values: office_read.OfficeValues | None = None
    tail: list[Issue] = field(default_factory=list)  # cell and rule issues, in order

    def for_judging(self) -> ReturnRead:
        """A copy with only what ``judge`` reads (the manifest without its AO), cheaper to send back from a worker
        process."""
        if self.manifest is None:
            return self
        spec = self.manifest.spec
        spec = dataclasses.replace(spec, plan=dataclasses.replace(spec.plan, objetivos=()))
        return dataclasses.replace(self, manifest=dataclasses.replace(self.manifest, spec=spec))


def read_return(path: Path, *, received: Received | None = None) -> ReturnRead:
    """Read and check one returned workbook on its own (steps 1, 2, 4 and 5); never raises for bad data.

    ``received``: the file as ``fsutil.read_received`` read it (read here when not given).
    """
    path = Path(path)
    file = path.name
    if received is None:
        received = read_received(path, DEFAULT_LIMITS.max_file_bytes)
    read = ReturnRead(file, received.sha256)
    intake = inspect(path, keep_cells=True, data=received.data)
    if not intake.safe:
        read.head.extend(intake.issues)
        return read
    try:
        book = office_book.read_book(path, intake, received.data, PROPERTY_PREFIX)
    except office_book.UnreadableError as e:
        read.head.extend(intake.issues)
        read.head.append(make_issue("archivo-ilegible", file=file, detalle=str(e)))
        return read
    # intake's issues about non-finite numbers (``intake.nonfinite_cells``), and their summary, are left out: the
    # cell-by-cell reader says the same with more context
    cells = {(n.sheet, n.cell) for n in intake.nonfinite_cells}
    codes = {i.code for i in intake.issues if (i.sheet, i.cell) in cells and i.cell}
    read.head.extend(i for i in intake.issues if i.code not in codes
                     and (i.cell or not any(f"«{c}»" in i.message for c in codes)))
    return read_book(read, book)


def read_book(read: ReturnRead, book: Any) -> ReturnRead:
    """Steps 2 (the manifest), 4 and 5 of the module docstring on a return's records, into ``read``."""
    file = read.file
    manifest, issues = read_manifest(book, file)
    read.head.extend(issues)
    if manifest is None:
        return read
    read.manifest = manifest
    values = office_read.read_values(book, manifest, file)
    read.values = values
    read.tail.extend(values.issues)
    read.tail.extend(_rules(manifest, values, file))
    return read


class Fingerprints:
    """The fingerprint of what the master gives each office today (whatever the period), for every office in one
    pass over the plan."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._by_office: dict[str, str] | None = None

    def __call__(self, office: str, period: Period) -> str:
        if self._by_office is None:
            specs = office_specs(self.plan, period, list(self.plan.instancias))
            self._by_office = {code: fingerprint(spec) for code, spec in specs.items()}
        if office not in self._by_office:
            self._by_office[office] = fingerprint(office_spec(self.plan, period, office))
        return self._by_office[office]


def judge(read: ReturnRead, plan: Plan, *, key: bytes | None, periodo: Period | None = None,
          instancia: str | None = None, fingerprints: Fingerprints | None = None) -> tuple[ReturnData | None, Report]:
    """Step 3 of the module docstring on a ``read_return`` result, and the final report and data. ``key``: the
    master's key (``masterkey``) the return's seal must match; None only where no master file exists (a plan
    checked on its own), and then the seal is not checked."""
    file = read.file
    report = Report(file=file)
    report.extend(read.head)
    manifest, values = read.manifest, read.values
    if manifest is None or values is None:
        return None, report
    identity, period = _identity(plan, manifest, file, periodo, instancia)
    report.extend(identity)
    report.extend(_file_name_check(manifest, file))
    spec = manifest.spec
    if not identity and period is not None:
        given = fingerprints(spec.instancia, period) if fingerprints is not None else \
            fingerprint(office_spec(plan, period, spec.instancia))
        if given != manifest.huella:
            report.add(make_issue("huella-distinta", file=file, office=spec.instancia))
        elif key is not None and not seal_matches(key, manifest.digest, manifest.meta["sello"]):
            report.add(make_issue("sello-no-valido", file=file, office=spec.instancia))
    report.extend(read.tail)
    data = ReturnData(file, read.sha256, spec.plan.entidad, spec.plan.anio, spec.periodo, spec.instancia, spec.version,
                      ejecutado={code: dict(v) for code, v in values.ejecutado.items()},
                      justificacion={code: dict(v) for code, v in values.justificacion.items()}, report=report,
                      presupuesto={kind: dict(v) for kind, v in values.presupuesto.items()})
    return data, report


def validate(path: Path, master: Path | Plan, *, periodo: str | None = None, instancia: str | None = None,
             received: Received | None = None, key: bytes | None = None) -> tuple[ReturnData | None, Report]:
    """Check a returned office workbook against the master (a path, or its ``Plan`` already read).

    Args:
        path: The returned workbook.
        master: The master workbook, or the plan read from it.
        periodo: When given, the period the return must be for (e.g. ``2025-T1``).
        instancia: When given, the office the return must come from.
        received: The file as ``fsutil.read_received`` read it, when the caller has (then it is not read again).
        key: The master's key the return's seal must match; read from beside ``master`` when that is a path.
            With a ``Plan`` and no key, the seal is not checked.

    Returns:
        ``(data, report)``. ``data`` is None when the file could not be read as a zedxl office workbook; otherwise
        it holds the values that passed (a refused cell is left out, a blank one is None), even when the report
        has errors: ``report.valid`` decides whether it may be merged.

    Raises:
        WorkbookError: the master cannot be read.
        MissingKeyError: the master's key is not beside it.
        PeriodError: ``periodo`` does not exist in the master's plan.
    """
    if isinstance(master, Plan):
        plan = master
    else:
        plan = read_master(Path(master)).plan
        key = load_key(Path(master)) if key is None else key
    expected_period = parse_period(periodo, plan.anio, plan.periodicidad) if periodo else None
    expected_office = instancia.strip().upper() if instancia else None
    return judge(read_return(Path(path), received=received), plan, key=key, periodo=expected_period,
                 instancia=expected_office)


# -- CLI -------------------------------------------------------------------------------------------------------
def format_issue(issue: Issue) -> str:
    """One line per problem: code | severity | file | sheet | cell | value | message."""
    value = "" if issue.value is None else str(issue.value).replace("\n", " ")
    if len(value) > 60:
        value = value[:59] + "…"
    return " | ".join([issue.code, issue.severity, issue.file, issue.sheet, issue.cell, value,
                       issue.message.replace("\n", " ")])


def validate_cli(args: argparse.Namespace) -> int:
    """``zedxl validate``: 0 clean (avisos allowed), 1 problems in a return (also unreadable), 2 bad arguments or
    unreadable master."""
    try:
        for name in args.retornos:
            require_regular_file(Path(name), "El archivo")
        plan = read_master(Path(args.master)).plan
        key = load_key(Path(args.master))
        if args.periodo:
            parse_period(args.periodo, plan.anio, plan.periodicidad)
    except (ZedxlError, OSError) as e:
        print(f"Error: {e}", file=sys.stderr)
        return 2
    reports = [validate(Path(name), plan, periodo=args.periodo, instancia=args.instancia, key=key)[1]
               for name in args.retornos]
    if args.json:
        doc = reports[0].to_json() if len(reports) == 1 else [r.to_json() for r in reports]
        print(json.dumps(valid_text(doc), ensure_ascii=False, indent=2))
    else:
        for report in reports:
            for issue in report:
                print(format_issue(issue))
            state = "válido" if report.valid else "con errores"
            print(f"{printable(report.file)}: {state} ({count(len(report.errors), 'error', 'errores')}, "
                  f"{count(len(report.warnings), 'aviso', 'avisos')}).", file=sys.stderr)
    return 0 if all(r.valid for r in reports) else 1
