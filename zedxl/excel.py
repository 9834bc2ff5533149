"""Excel-side entry points: what the Panel's buttons run on the open workbook, through xlwings.

    recalcular(book)       re-read the book, recompute, write back values, formulas, formats and status colours
    validar(book)          check the book and the returns folder; list the problems on an «Observaciones» sheet
    consolidar(book)       merge the valid returns of the Panel's folder into the open book
    generar_informe(book)  write the Informe de Evaluación next to the workbook

``book=None`` means ``xw.Book.caller()``. Each function calls the same core as the CLI and uses only the part of
xlwings every client implements (``book.sheets``, ``range(...).value``, ``.number_format``, ``.color``,
``sheets.add``), so the same code runs from desktop ``RunPython``, xlwings' remote interpreter (the tests) and
xlwings Lite (the ``zx_*`` wrappers at the end).

The book's values are laid into a temporary workbook that ``read_master`` reads, so the rules for finding rows and
columns exist once; what is written is the layout ``write_master`` gives the plan, copied cell by cell.
"""

from __future__ import annotations

import datetime as _dt
import io
import itertools
import re
import tempfile
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import openpyxl
import xlwings as xw

from zedxl import TEMPLATE_VERSION, rules
from zedxl.a1 import quote_sheet
from zedxl.consolidation import ConsolidationResult, History, Received, plan_consolidation, render_text
from zedxl.errors import ZedxlError
from zedxl.evaluation import evaluate
from zedxl.fsutil import archive_received, read_received, sha256_file
from zedxl.intake import DEFAULT_LIMITS, lock_file_original
from zedxl.issues import OBSERVACIONES_HEADER, Issue, Report
from zedxl.masterkey import load_key
from zedxl.model import Plan, normalize_code
from zedxl.periods import semesters, whole_year
from zedxl.structure import check_structure, refusal_message, require_intact
from zedxl.vba import panel as P
from zedxl.xlsx import layout as L
from zedxl.xlsx.master_read import MasterRead, read_master

__all__ = ["SHEET_OBSERVACIONES", "consolidar", "generar_informe", "plan_from_book", "recalcular", "validar"]

SHEET_OBSERVACIONES = L.SHEET_OBSERVACIONES
#: Sheets zedxl writes for people, never read as plan data.
NOT_PLAN_SHEETS = (P.SHEET_PANEL, SHEET_OBSERVACIONES)
SEMAFORO_FILLS = {"verde": "#C6EFCE", "amarillo": "#FFEB9C", "rojo": "#FFC7CE"}
HEADER_FILL = "#1F4E78"

_NUMBER_LIKE = re.compile(r"^\s*[-+]?[\d.,]+\s*%?\s*$|^\s*\d{1,4}[-/]\d{1,2}([-/]\d{1,4})?\s*$")
_FORMULA_PREFIXES = ("=", "+", "-", "@", "'", "\t", "\r", "\n")
_T = TypeVar("_T")


# -- the edge: values in and out through xlwings ---------------------------------------------------------------
def cell_text(text: str) -> str:
    """Text as it must be written through ``range.value`` so Excel keeps it as that text.

    Writing a value is like typing it: ``=…`` would become a formula, ``-3``, ``1/2`` or ``12 %`` a number or a
    date. Such text gets Excel's text prefix, an apostrophe, which is not part of the cell's value.
    """
    if text and (text.startswith(_FORMULA_PREFIXES) or _NUMBER_LIKE.match(text)
                 or text.upper() in ("TRUE", "FALSE", "VERDADERO", "FALSO")):
        return "'" + text
    return text


def _used_values(sheet: Any) -> list[list[Any]]:
    """Every value of ``sheet`` from A1 to the last used cell, as a list of rows."""
    last = sheet.used_range.last_cell
    values = sheet.range((1, 1), (max(last.row, 1), max(last.column, 1))).options(ndim=2).value
    return [list(row) for row in values]


def _book_path(book: Any) -> Path:
    """The workbook's file (resolved against the current folder when the client only knows its name).

    Raises:
        ZedxlError: the workbook lives in OneDrive/SharePoint (its name is a URL, not a file on this PC).
    """
    fullname = str(book.fullname)
    if "://" in fullname:
        raise ZedxlError("El libro está abierto desde OneDrive o SharePoint (una dirección web), no desde una carpeta "
                         "de este PC. Guarde una copia en una carpeta local o sincronizada y ábrala desde allí.")
    return Path(fullname).resolve()


@dataclass
class BookState:
    """What the book held when a button was pressed: every sheet's values, by sheet name."""

    name: str
    path: Path
    sheets: dict[str, list[list[Any]]]

    @classmethod
    def read(cls, book: Any) -> BookState:
        return cls(str(book.name), _book_path(book), {str(s.name): _used_values(s) for s in book.sheets})

    @property
    def panel_rows(self) -> list[list[Any]]:
        return self.sheets.get(P.SHEET_PANEL, [])

    @property
    def settings(self) -> P.PanelSettings:
        return P.panel_settings(self.panel_rows)

    def returns_folder(self) -> Path:
        folder = Path(self.settings.carpeta).expanduser()
        return folder if folder.is_absolute() else self.path.parent / folder


def plan_from_rows(sheets: dict[str, list[list[Any]]], file: str) -> MasterRead:
    """Read the plan from the values of a master's sheets, with ``read_master``'s rules; issues name ``file``.

    "Constant over a formula" avisos are dropped: from values alone every formula cell looks like a constant.
    """
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        if name in NOT_PLAN_SHEETS:
            continue
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                cell = ws.cell(r, c, value)
                if isinstance(value, str):
                    cell.data_type = "s"
    with tempfile.TemporaryDirectory(prefix="zedxl-libro-") as tmp:
        path = Path(tmp) / "libro.xlsx"
        wb.save(path)
        read = read_master(path)
    return replace(read, issues=[replace(i, file=file) for i in read.issues if i.code != "maestro-formula-reemplazada"])


def plan_from_book(book: Any) -> MasterRead:
    """The plan typed in an open master (see ``plan_from_rows``)."""
    state = BookState.read(book)
    return plan_from_rows(state.sheets, state.name)


# -- the layout write_master gives a plan, as grids -------------------------------------------------------------
@dataclass
class SheetLayout:
    """One sheet of the master written for a plan: what each cell holds, its number format and its fill."""

    name: str
    values: list[list[Any]]
    formats: list[list[str]]
    fills: list[list[str | None]]


def _fill(cell: Any) -> str | None:
    fill = cell.fill
    if fill is None or fill.fill_type != "solid" or fill.fgColor is None or fill.fgColor.type != "rgb":
        return None
    return "#" + str(fill.fgColor.rgb)[-6:].upper()


def master_layout(plan: Plan) -> list[SheetLayout]:
    """The sheets ``write_master`` writes for ``plan`` (without the Panel), read back cell by cell."""
    from zedxl.xlsx.master_write import write_master

    buf = io.BytesIO()
    write_master(plan, buf, macros=False)
    buf.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(buf)
    out = []
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=ws.max_column))
        out.append(SheetLayout(ws.title, [[_layout_value(c) for c in row] for row in rows],
                               [[str(c.number_format or "General") for c in row] for row in rows],
                               [[_fill(c) for c in row] for row in rows]))
    return out


def _layout_value(cell: Any) -> Any:
    value = cell.value
    if cell.data_type == "f":
        return str(value if isinstance(value, str) else getattr(value, "text", value))
    if isinstance(value, str):
        return cell_text(value)
    return float(value) if isinstance(value, Decimal) else value


def _status_fills(plan: Plan, layouts: Sequence[SheetLayout]) -> None:
    """Colour the Estado cells of every AO and indicator with the semáforo of their progress."""
    cols = L.OEIColumns.for_plan(plan)
    s1, s2 = semesters(plan.anio, plan.periodicidad)
    points = {"S1": s1, "S2": s2, "Anual": whole_year(plan.anio, plan.periodicidad)}
    lights: dict[tuple[str, str], str | None] = {}
    for point, per in points.items():
        ev = evaluate(plan, per)
        lights |= {(ao.codigo, point): ao.semaforo for ao in ev.aos}
        lights |= {(ind.codigo, point): rules.traffic_light(ind.avance, plan.reglas) for ind in ev.indicators}
    oei_sheets = set(L.oei_sheet_names([o.codigo for o in plan.objetivos]).values())
    for layout in layouts:
        if layout.name not in oei_sheets:
            continue
        for r in range(L.FIRST_DATA_ROW, len(layout.values)):
            code = layout.values[r][cols[L.H_CODIGO]] if layout.values[r] else None
            if not isinstance(code, str):
                continue
            for point in points:
                light = lights.get((code, point))
                if light:
                    layout.fills[r][cols[L.estado(point)]] = SEMAFORO_FILLS[light]


def rectangles(grid: Sequence[Sequence[_T]]) -> list[tuple[int, int, int, int, _T]]:
    """Cover ``grid`` with rectangles of equal values, ``(row0, col0, row1, col1, value)`` inclusive and zero-based,
    so a block of equal formats or fills is one ``range`` call instead of one per cell."""
    done: list[tuple[int, int, int, int, _T]] = []
    open_runs: dict[tuple[int, int], tuple[int, _T]] = {}  # (col0, col1) → (row0, value)
    for r, row in enumerate(grid):
        still: dict[tuple[int, int], tuple[int, _T]] = {}
        c0 = 0
        for value, same in itertools.groupby(row):
            c1 = c0 + len(list(same)) - 1
            previous = open_runs.get((c0, c1))
            still[(c0, c1)] = (previous[0], value) if previous and previous[1] == value else (r, value)
            c0 = c1 + 1
        for (c0, c1), (r0, value) in open_runs.items():
            if still.get((c0, c1)) != (r0, value):
                done.append((r0, c0, r - 1, c1, value))
        open_runs = still
    for (c0, c1), (r0, value) in open_runs.items():
        done.append((r0, c0, len(grid) - 1, c1, value))
    return sorted(done, key=lambda t: (t[0], t[1]))


def _find_sheet(book: Any, name: str) -> Any:
    """The book's sheet for a layout sheet: same name, or same OEI code however the planner wrote it."""
    names = [str(s.name) for s in book.sheets]
    if name in names:
        return book.sheets[name]
    code = normalize_code(name)
    for existing in names:
        if code and normalize_code(existing) == code:
            return book.sheets[existing]
    return book.sheets.add(name, after=book.sheets[len(names) - 1])


def _pad(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    return [list(row) + [None] * (width - len(row)) for row in rows]


def _write_grid(sheet: Any, old: Sequence[Sequence[Any]], values: Sequence[Sequence[Any]],
                formats: Sequence[Sequence[str]] | None, fills: Sequence[Sequence[str | None]] | None) -> None:
    """Write ``values`` at A1, then formats and fills as rectangles; clear what the old content had beyond it."""
    n_rows = len(values)
    n_cols = max((len(r) for r in values), default=0)
    if not n_rows or not n_cols:
        return
    sheet.range((1, 1), (n_rows, n_cols)).value = _pad(values, n_cols)
    if formats is not None:
        for r0, c0, r1, c1, fmt in rectangles(_pad(formats, n_cols)):
            sheet.range((r0 + 1, c0 + 1), (r1 + 1, c1 + 1)).number_format = fmt or "General"
    if fills is not None:
        for r0, c0, r1, c1, color in rectangles(_pad(fills, n_cols)):
            sheet.range((r0 + 1, c0 + 1), (r1 + 1, c1 + 1)).color = color
    old_rows = len(old)
    old_cols = max((len(r) for r in old), default=0)
    width = max(old_cols, n_cols)
    stale = [((n_rows + 1, 1), (old_rows, width))] if old_rows > n_rows else []
    stale += [((1, n_cols + 1), (n_rows, old_cols))] if old_cols > n_cols else []
    for first, last in stale:
        rng = sheet.range(first, last)
        rng.value = None
        rng.color = None
        rng.number_format = "General"


def require_template(state: BookState) -> None:
    """Refuse a book of another template (by the version its Parámetros sheet records) before anything is read or
    written: the formulas zedxl would write name cells (``ZX_HASTA``) and columns such a book does not have until
    ``zedxl recompute`` rewrites it, which the buttons cannot do from inside Excel."""
    label = L.PARAM_LABELS["version"]
    row = next((r for r in state.sheets.get(L.SHEET_PARAMS, []) if r and r[0] == label), [])
    version = "" if len(row) < 2 or row[1] is None else str(row[1])
    if version != TEMPLATE_VERSION:
        raise ZedxlError(f"Este maestro es de la plantilla {version or 'anterior'} y zedxl usa la {TEMPLATE_VERSION}: "
                         f"guarde y cierre el libro, ejecute una vez «zedxl recompute {state.name}» y vuelva a "
                         "abrirlo; desde entonces los botones funcionan. No se cambió nada.")


def write_plan(book: Any, state: BookState, plan: Plan) -> None:
    """Write into the open book the master ``write_master`` gives ``plan``: values, formulas, formats, fills."""
    require_template(state)
    layouts = master_layout(plan)
    _status_fills(plan, layouts)
    names = {str(s.name) for s in book.sheets}
    for layout in layouts:
        if layout.name == L.SHEET_ESTRUCTURA and layout.name not in names:
            continue  # an older book gets its record from «zedxl recompute»: a sheet added here would be visible
        if layout.name == L.SHEET_TABLERO and layout.name not in names:
            continue  # and its Tablero: cells written here would have no charts (only the file writer adds them)
        sheet = _find_sheet(book, layout.name)
        _write_grid(sheet, state.sheets.get(str(sheet.name), []), layout.values, layout.formats, layout.fills)


# -- Observaciones and the Panel's result line -----------------------------------------------------------------
def _link(issue: Issue, book_name: str) -> Any:
    """The Celda column: a link to the cell when the issue is about this book, else the reference as text."""
    if issue.file != book_name or not issue.sheet:
        return cell_text(issue.cell)
    target = f"#{quote_sheet(issue.sheet)}!{issue.cell or 'A1'}".replace('"', '""')
    label = (issue.cell or issue.sheet).replace('"', '""')
    return f'=HYPERLINK("{target}","{label}")'


def _write_observaciones(book: Any, state: BookState, title: str, lines: Iterable[str],
                         issues: Iterable[Issue]) -> None:
    """The Observaciones sheet: a title, summary lines, then one row per issue under ``OBSERVACIONES_HEADER``."""
    width = len(OBSERVACIONES_HEADER)
    rows: list[list[Any]] = [[cell_text(title)], *([cell_text(line)] for line in lines), [], list(OBSERVACIONES_HEADER)]
    header_row = len(rows) - 1
    rows += [[i.severity, i.code, cell_text(i.file), cell_text(i.sheet), _link(i, state.name), cell_text(i.ao),
              cell_text("" if i.value is None else str(i.value)), cell_text(i.message)] for i in issues]
    fills: list[list[str | None]] = [[HEADER_FILL if r == header_row else None] * width for r in range(len(rows))]
    _write_grid(_find_sheet(book, SHEET_OBSERVACIONES), state.sheets.get(SHEET_OBSERVACIONES, []), _pad(rows, width),
                None, fills)


def _say(book: Any, state: BookState, message: str) -> None:
    """Write ``message`` in the Panel's «Resultado de la última acción» cell (when the book has a Panel)."""
    for r, row in enumerate(state.panel_rows):
        if row and row[0] == P.LABEL_RESULTADO:
            book.sheets[P.SHEET_PANEL].range((r + 1, 2)).value = cell_text(message)
            return


def _version_warning(state: BookState) -> str:
    recorded = P.recorded_xlwings_version(state.panel_rows)
    if recorded and recorded != xw.__version__:
        return (f" Aviso: las macros del libro son de xlwings {recorded} y este PC tiene xlwings {xw.__version__}; "
                "cierre el libro y ejecute «zedxl recompute» sobre él para actualizarlas.")
    return ""


def _now() -> str:
    return _dt.datetime.now().strftime("%d/%m/%Y %H:%M")


def _run(book: Any, action: Callable[[Any, BookState], tuple[_T, str]]) -> _T:
    """Read the book, run ``action``, report its message (or the error that stopped it) on the Panel."""
    book = book if book is not None else xw.Book.caller()
    state = BookState.read(book)
    try:
        pending = _settle_pending(state)
        result, message = action(book, state)
    except ZedxlError as e:
        _say(book, state, f"{_now()} · Error: {e}")
        raise
    _say(book, state, f"{_now()} · {message}{pending}{_version_warning(state)}")
    return result


def _settle_pending(state: BookState) -> str:
    """A consolidation a crash left pending in the saved book's ledger, settled by the file's hash before anything
    else (``ledger.reconcile_if_idle``); what cannot be settled, as avisos for the Panel."""
    from zedxl.ledger import reconcile_if_idle

    return "".join(f" Aviso: {a}" for a in reconcile_if_idle(state.path)) if state.path.is_file() else ""


# -- the buttons ---------------------------------------------------------------------------------------------
def recalcular(book: Any = None) -> Report:
    """Re-read the book, recompute, and write back values, formulas, formats, status colours and the Resumen.

    Returns the problems found while reading (also listed on the Panel's result line), never raises for them.
    """
    def action(book: Any, state: BookState) -> tuple[Report, str]:
        from zedxl.ledger import Ledger, RunRecord, ledger_path, now_iso

        require_template(state)
        read = plan_from_rows(state.sheets, state.name)
        plan = require_intact(read, (), state.path, button=True).plan
        # the reprogramaciones the planner wrote in the sheet are recorded in the ledger, as the CLI does
        recorded = state.path.is_file() and bool(read.reprogramacion_changes)
        if recorded:
            Ledger.prepare(ledger_path(state.path))
        inicio = now_iso()
        write_plan(book, state, plan)
        if recorded:
            RunRecord(ledger_path(state.path), state.path, sha256_file(state.path), inicio, [],
                      list(read.reprogramacion_changes)).finish("", "escrito en el libro abierto (falta guardarlo)")
        n_ao = sum(1 for _ in read.plan.actividades())
        note = f" {len(read.issues)} aviso(s): use Validar para verlos." if read.issues else ""
        return Report(state.name, list(read.issues)), f"Recalculado: {n_ao} AO.{note}"

    return _run(book, action)


def _receive(plan: Plan, folder: Path, key: bytes, archive: Path | None = None) -> list[Received]:
    """The returns folder's files as ``zedxl consolidate`` takes them, each read once and checked against ``plan``
    and the master's ``key``; with ``archive``, archived there from the very bytes checked (lock files:
    ``unopened``)."""
    from zedxl.consolidate import return_files, unopened
    from zedxl.validate import validate

    out = []
    for path in return_files(folder):
        item = unopened(path)
        if item is None:
            received = read_received(path, DEFAULT_LIMITS.max_file_bytes)
            data, report = validate(path, plan, received=received, key=key)
            item = Received(path.name, report, data, received.sha256, received.size,
                            archive_received(path, received, archive) if archive is not None else None)
        out.append(item)
    return out


def validar(book: Any = None) -> Report:
    """Check the book (what ``recompute`` would warn about) and every return in the Panel's folder, changing
    nothing; list the problems on the Observaciones sheet, with a link to each cell of this book.
    """
    def action(book: Any, state: BookState) -> tuple[Report, str]:
        read = plan_from_rows(state.sheets, state.name)
        report = Report(state.name, list(read.issues))
        folder = state.returns_folder()
        lines = [f"Maestro {state.name}: {len(read.issues)} aviso(s)."]
        check = check_structure(read.structure, read.plan, (), read.strays)
        if check.refused:  # what would stop Recalcular and Consolidar, said before they are pressed
            lines += refusal_message(check, state.name, button=True).splitlines()
        if folder.is_dir():
            received = _receive(read.plan, folder, load_key(state.path))
            checked = [r for r in received if lock_file_original(r.name) is None]
            for r in checked:
                report.extend(r.report.issues)
                verdict = "se puede consolidar" if r.report.valid else "NO se puede consolidar"
                lines.append(f"{r.name}: {len(r.report.errors)} error(es), {len(r.report.warnings)} aviso(s); "
                             f"{verdict}.")
            if not checked:
                lines.append(f"La carpeta de retornos {folder} no tiene archivos.")
        else:
            lines.append(f"La carpeta de retornos {folder} no existe (se indica en la hoja Panel).")
        _write_observaciones(book, state, f"Validación del {_now()}", lines, report.issues)
        return report, (f"Validado: {len(report.errors)} error(es), {len(report.warnings)} aviso(s); "
                        "detalle en la hoja Observaciones.")

    return _run(book, action)


def consolidar(book: Any = None) -> ConsolidationResult:
    """Merge into the open book the valid returns of the Panel's folder, as ``zedxl consolidate`` decides (the
    Panel's «Reemplazar retornos» as ``--reemplazar``); the summary goes on the Observaciones sheet.

    When the book is a saved file, what was received is archived, the run recorded in the ledger and the
    observaciones written next to it, as the CLI does. ``result.written``: the book changed (save it).
    """
    def action(book: Any, state: BookState) -> tuple[ConsolidationResult, str]:
        from zedxl.consolidate import archive_folder, run_record
        from zedxl.ledger import Ledger, history, ledger_path, now_iso
        from zedxl.xlsx.observaciones import write_observaciones
        from zedxl.xlsx.office_layout import offices_to_split

        require_template(state)
        read = plan_from_rows(state.sheets, state.name)
        plan = require_intact(read, (), state.path, button=True).plan
        folder = state.returns_folder()
        if not folder.is_dir():
            raise ZedxlError(f"No existe la carpeta de retornos {folder}. Indíquela en la hoja Panel.")
        saved, inicio = state.path.is_file(), now_iso()
        if saved:  # a locked or unwritable ledger stops the button before the book changes
            Ledger.prepare(ledger_path(state.path))
        received = _receive(plan, folder, load_key(state.path), archive_folder(state.path) if saved else None)
        known = history(state.path) if saved else History()
        decided = plan_consolidation(plan, received, expected=offices_to_split(plan),
                                     reemplazar=state.settings.reemplazar, history=known)
        result = ConsolidationResult.of(state.path, decided)
        result.changes = [*read.reprogramacion_changes, *result.changes]  # (what the CLI records too)
        if result.changes:
            write_plan(book, state, decided.plan)
            result.written = True
        if saved:  # the workbook's new hash is known only once Excel saves it
            run_record(state.path, sha256_file(state.path), inicio, result).finish(
                "", "escrito en el libro abierto (falta guardarlo)" if result.written else "sin cambios")
            result.observaciones += [write_observaciones(office, reports, state.path.parent / "observaciones",
                                                         plan.entidad, decided.periods_of(office))
                                     for office, reports in decided.observaciones.items()]
        lines = [f"Carpeta de retornos: {folder}", *render_text(result, issues=False, book=True)]
        issues = [i for f in result.files for i in f.report.issues]
        _write_observaciones(book, state, f"Consolidación del {_now()}", lines, issues)
        n_ok = sum(1 for f in result.files if f.status == "consolidado")
        n_bad = sum(1 for f in result.files if f.status in ("rechazado", "duplicado"))
        return result, (f"Consolidado: {n_ok} retorno(s) incorporado(s), {n_bad} rechazado(s), {len(result.changes)} "
                        "celda(s) cambiada(s). Guarde el libro.")

    return _run(book, action)


def generar_informe(book: Any = None, *, pdf: bool = False) -> list[Path]:
    """Write the Informe de Evaluación of the Panel's period (default: the latest semester with data) next to the
    workbook, from the plan typed in the open book (saved or not). Returns the files written."""
    def action(book: Any, state: BookState) -> tuple[list[Path], str]:
        from zedxl.report import default_output, report_plan
        from zedxl.summary import default_period

        plan = plan_from_rows(state.sheets, state.name).plan
        period = state.settings.periodo or default_period(plan).label
        out = default_output(state.path, period)
        written = report_plan(plan, period, out, pdf=pdf)
        return written, f"Informe escrito: {', '.join(str(p) for p in written)}"

    return _run(book, action)


# -- xlwings Lite: the same functions as scripts bound to the Panel's sheet buttons -----------------------------
# In xlwings Lite, put a shape named e.g. «zx_recalcular» on the Panel's cell A4 and `from zedxl.excel import *`
# in main.py; classic xlwings ignores these wrappers (its buttons call the VBA macros).
_Script = Callable[[Callable[[xw.Book], None]], Callable[[xw.Book], None]]
_script: Callable[..., _Script] | None = getattr(xw, "script", None)
if _script is not None:
    @_script(button=f"[zx_recalcular]{P.SHEET_PANEL}!{P.button_cell(0)}", show_taskpane=True)
    def zx_recalcular(book: xw.Book) -> None:
        """xlwings Lite: the Recalcular button."""
        recalcular(book)

    @_script(button=f"[zx_validar]{P.SHEET_PANEL}!{P.button_cell(1)}", show_taskpane=True)
    def zx_validar(book: xw.Book) -> None:
        """xlwings Lite: the Validar button."""
        validar(book)

    @_script(button=f"[zx_consolidar]{P.SHEET_PANEL}!{P.button_cell(2)}", show_taskpane=True)
    def zx_consolidar(book: xw.Book) -> None:
        """xlwings Lite: the Consolidar button."""
        consolidar(book)

    @_script(button=f"[zx_generar_informe]{P.SHEET_PANEL}!{P.button_cell(3)}", show_taskpane=True)
    def zx_generar_informe(book: xw.Book) -> None:
        """xlwings Lite: the Generar informe button."""
        generar_informe(book)

    __all__ += ["zx_consolidar", "zx_generar_informe", "zx_recalcular", "zx_validar"]
