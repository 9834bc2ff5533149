"""The Panel's functions run through xlwings' real ``Book`` in its remote-interpreter form (``xw.Book(json=...)``).

Each test builds the request the way an xlwings client does (the values of every sheet, here of a workbook that
LibreOffice recalculated), calls the function, applies the returned actions to the file with a small applier that
behaves like Excel receiving them, recalculates with LibreOffice again and checks the numbers.
"""

from __future__ import annotations

import os

# xlwings registers its remote engine at import time, only with a licence key; the noncommercial key is allowed
# here: the users are a government institution.
os.environ["XLWINGS_LICENSE_KEY"] = "noncommercial"

import hashlib  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sqlite3  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from decimal import Decimal  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import docx  # noqa: E402
import openpyxl  # noqa: E402
import pytest  # noqa: E402
import xlwings as xw  # noqa: E402
from openpyxl.cell.cell import MergedCell  # noqa: E402
from openpyxl.styles import PatternFill  # noqa: E402
from openpyxl.workbook.workbook import Workbook  # noqa: E402

from zedxl import (
    excel,  # noqa: E402
    rules,
)
from zedxl.errors import ZedxlError  # noqa: E402
from zedxl.evaluation import evaluate  # noqa: E402
from zedxl.libreoffice import recalculate  # noqa: E402
from zedxl.model import Plan  # noqa: E402
from zedxl.new import write_master_file  # noqa: E402
from zedxl.periods import parse_period  # noqa: E402
from zedxl.split import split  # noqa: E402
from zedxl.vba import panel as P  # noqa: E402
from zedxl.xlsx import layout as L  # noqa: E402
from zedxl.xlsx.master_read import read_master  # noqa: E402

from .workbook_helpers import cached_values, formula_cells, oei_rows, resumen_office_rows, same  # noqa: E402

NAME = "maestro.xlsm"


# -- the client side: request, actions applied like Excel -----------------------------------------------------------
def load(path: Path, **kwargs: Any) -> Workbook:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path, **kwargs)


def request(path: Path, name: str = NAME) -> dict[str, Any]:
    """The JSON an xlwings client sends: every sheet's values from A1 to its last used cell ("" when empty)."""
    wb = load(path, data_only=True)
    sheets = []
    for ws in wb.worksheets:
        values = [["" if c.value is None else c.value for c in row]
                  for row in ws.iter_rows(min_row=1, max_row=max(ws.max_row, 1), max_col=max(ws.max_column, 1))]
        sheets.append({"name": ws.title, "values": values, "pictures": [], "tables": []})
    return {"client": "Microsoft Office Scripts", "version": xw.__version__,
            "book": {"name": name, "active_sheet_index": 0, "selection": "A1"}, "names": [], "sheets": sheets}


def _as_typed(value: Any) -> Any:
    """A value written through ``range.value`` as Excel stores it: "=…" a formula, "'…" text, "12" a number."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        if value.startswith("'"):
            return value[1:]
        if not value.startswith("="):
            try:
                return float(value.replace(",", ""))
            except ValueError:
                return value
    return value


def apply_actions(src: Path, actions: list[dict[str, Any]], dst: Path) -> Path:
    """Apply the actions of ``book.json()`` to a copy of ``src`` saved as ``dst`` (.xlsx)."""
    wb = load(src)
    for a in actions:
        func = a["func"]
        if func == "addSheet":
            index, name = a["args"]
            wb.create_sheet(name, index)
            continue
        ws = wb.worksheets[a["sheet_position"]]
        r0, c0 = a["start_row"] + 1, a["start_column"] + 1
        cells = [(r0 + i, c0 + j) for i in range(a["row_count"]) for j in range(a["column_count"])]
        for r, c in cells:
            cell = ws.cell(r, c)
            if func == "setValues":
                raw = a["values"][r - r0][c - c0]
                value = _as_typed(raw)
                if isinstance(cell, MergedCell):
                    assert value is None, f"{ws.title}!{cell.coordinate}: value written into a merged cell"
                    continue
                cell.value = value
                if isinstance(value, str) and not raw.startswith("="):
                    cell.data_type = "s"
            elif func == "setNumberFormat":
                cell.number_format = a["args"][0]
            elif func == "setRangeColor":
                color = a["args"][0]
                cell.fill = PatternFill("solid", fgColor=color[1:]) if color else PatternFill(fill_type=None)
            else:
                raise AssertionError(f"action not expected from zedxl.excel: {func}")
    wb.save(dst)
    return dst


def run(function: Callable[[Any], Any], src: Path, work: Path, *, fresh: Path | None = None, after: bool = True,
        edit_request: Callable[[dict[str, Any]], None] | None = None) -> tuple[Any, Path, list[dict[str, Any]]]:
    """LibreOffice-recalculate ``src`` (unless ``fresh`` is that already), run ``function`` on the request, apply
    its actions to a copy and (``after``) recalculate that again. Returns (result, final workbook, actions)."""
    fresh = fresh or recalculate(src, work / "antes")
    req = request(fresh)
    if edit_request:
        edit_request(req)
    book = xw.Book(json=req)
    result = function(book)
    actions = book.json()["actions"]
    applied = apply_actions(fresh, actions, work / "aplicado.xlsx")
    return result, recalculate(applied, work / "despues") if after else applied, actions


def fill_of(path: Path, sheet: str, ref: str) -> str | None:
    cell = load(path)[sheet][ref]
    return "#" + str(cell.fill.fgColor.rgb)[-6:] if cell.fill.fill_type == "solid" else None


def observaciones(path: Path) -> tuple[list[str], list[list[Any]]]:
    """The Observaciones sheet (LibreOffice values): the summary lines, then the issue rows under the header."""
    rows = cached_values(path)[excel.SHEET_OBSERVACIONES]
    head = next(i for i, r in enumerate(rows) if r and r[0] == "Severidad")
    lines = [str(r[0]) for r in rows[1:head] if r and r[0]]
    return lines, [r[:8] for r in rows[head + 1:] if any(v not in (None, "") for v in r)]


def _result_row(path: Path) -> int:
    ws = load(path)[P.SHEET_PANEL]
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == P.LABEL_RESULTADO)


def panel_result(path: Path) -> str:
    for row in cached_values(path)[P.SHEET_PANEL]:
        if row and row[0] == P.LABEL_RESULTADO:
            return str(row[1])
    raise AssertionError("no result line on the Panel")


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder of the workbook; the remote client only knows its name, so it is also the current folder."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def master(work: Path, example_plan: Plan) -> Path:
    path = work / NAME
    write_master_file(example_plan, path)
    return path


@pytest.fixture(scope="module")
def example_fresh(tmp_path_factory: pytest.TempPathFactory, example_plan: Plan) -> Path:
    """The example master as LibreOffice recalculated it (shared: each LibreOffice start costs seconds)."""
    folder = tmp_path_factory.mktemp("ejemplo")
    write_master_file(example_plan, folder / NAME)
    return recalculate(folder / NAME, folder / "lo")


def test_excel_engine_is_xlwings_remote_interpreter() -> None:
    assert "remote" in [e.name for e in xw.engines], "XLWINGS_LICENSE_KEY was not set before xlwings was imported"


# -- recalcular ---------------------------------------------------------------------------------------------------
def test_excel_recalcular_gives_the_seed_figures(master: Path, work: Path, example_plan: Plan,
                                                 example_fresh: Path) -> None:
    report, after, actions = run(excel.recalcular, master, work, fresh=example_fresh)
    assert report.issues == []
    assert {a["func"] for a in actions} <= {"setValues", "setNumberFormat", "setRangeColor"}
    offices = resumen_office_rows(cached_values(after)[L.SHEET_RESUMEN])
    assert [offices[("Total", "Programado")][c] for c in ("T1", "T2", "S1")] == pytest.approx([12.2, 21.2, 33.4])
    assert [offices[("Total", "Ejecutado")][c] for c in ("T1", "T2", "S1")] == pytest.approx([21.2, 36.2, 57.4])
    # every formula of the master is written back as it was
    original = {k: v for k, v in formula_cells(master).items() if k[0] != P.SHEET_PANEL}
    written = {k: v for k, v in formula_cells(work / "aplicado.xlsx").items() if k in original}
    assert written == original
    # status colours: the semáforo of each AO's S1 progress on its «Estado S1» cell
    ev = evaluate(example_plan, parse_period("2025-S1", 2025, "trimestral"))
    cols = L.OEIColumns.for_periodicity("trimestral")
    sheet = L.sheet_of(example_plan)(example_plan.objetivos[0].codigo)
    rows = oei_rows(cached_values(after)[sheet])
    codes = list(rows)
    for ao in (a for a in ev.aos if a.oei == example_plan.objetivos[0].codigo):
        letter = openpyxl.utils.get_column_letter(cols[L.estado("S1")] + 1)
        ref = f"{letter}{L.FIRST_DATA_ROW + codes.index(ao.codigo) + 1}"
        assert fill_of(after, sheet, ref) == excel.SEMAFORO_FILLS[ao.semaforo or ""].upper(), ao.codigo
    assert "Recalculado: 22 AO." in panel_result(after)


def test_excel_recalcular_after_a_person_edits_the_book(master: Path, work: Path) -> None:
    """Change an executed value and add an AO row by typing inputs only: the row gets its formulas, totals move."""
    wb = load(master, keep_vba=True)
    ws = wb["OEI.01"]
    head = [c.value for c in ws[L.HEADER_ROW + 1]]
    col = {h: i + 1 for i, h in enumerate(head)}
    last_ao = max(r for r in range(L.FIRST_DATA_ROW + 1, ws.max_row + 1)
                  if str(ws.cell(r, 1).value or "").startswith("AO."))
    first_ao = next(r for r in range(L.FIRST_DATA_ROW + 1, ws.max_row + 1)
                    if str(ws.cell(r, 1).value or "").startswith("AO."))
    ws.cell(first_ao, col["Ejec. T1"]).value = 7
    new_row = last_ao + 1
    ws.insert_rows(new_row)
    parent = ws.cell(last_ao, 1).value.rsplit(".", 1)[0]
    typed = {L.H_CODIGO: f"{parent}.09", L.H_DESCRIPCION: "Actividad agregada por la unidad de planeamiento",
             L.H_UM: "Informe", L.H_INSTANCIA: "DPD", "Prog. T1": 2, "Prog. T2": 2, "Ejec. T1": 1, "Ejec. T2": 3}
    for h, v in typed.items():
        ws.cell(new_row, col[h]).value = v
    edited = work / "editado.xlsm"
    wb.save(edited)
    expected = read_master(edited).plan  # the CLI's reader on the edited file
    report, after, _ = run(excel.recalcular, edited, work)
    assert report.codes() == []
    s1 = evaluate(expected, parse_period("2025-S1", 2025, "trimestral"))
    offices = resumen_office_rows(cached_values(after)[L.SHEET_RESUMEN])
    for row in (*s1.offices.rows, s1.offices.total):
        label = "Total" if row is s1.offices.total else row.instancia
        assert [offices[(label, "Programado")][c] for c in s1.offices.columns] == pytest.approx(
            [float(v) for v in row.programado])
        assert [offices[(label, "Ejecutado")][c] for c in s1.offices.columns] == pytest.approx(
            [float(v) for v in row.ejecutado])
    added = oei_rows(cached_values(after)["OEI.01"])[f"{parent}.09"]
    assert (added["Prog. S1"], added["Ejec. S1"], added["Avance S1 (%)"], added["Estado S1"]) == (
        4, 4, 100, "en rango")
    formulas = formula_cells(work / "aplicado.xlsx")
    assert ("OEI.01", f"{openpyxl.utils.get_column_letter(col['Avance S1 (%)'])}{new_row}") in formulas


def test_excel_recalcular_keeps_text_that_looks_like_a_formula_or_number(master: Path, work: Path) -> None:
    wb = load(master, keep_vba=True)
    ws = wb["Narrativa"]
    ws["C5"] = "=no es fórmula"
    ws["C5"].data_type = "s"
    ws["C6"] = "-3 oficinas"
    ws["C7"] = "12"
    ws["C7"].data_type = "s"
    wb.save(work / "texto.xlsm")
    _, after, _ = run(excel.recalcular, work / "texto.xlsm", work)
    narrativa = cached_values(after)["Narrativa"]
    assert [narrativa[i][2] for i in (4, 5, 6)] == ["=no es fórmula", "-3 oficinas", "12"]


# -- validar -------------------------------------------------------------------------------------------------------
def test_excel_validar_lists_problems_with_links(master: Path, work: Path) -> None:
    wb = load(master, keep_vba=True)
    ws = wb["OEI.02"]
    head = {c.value: c.column_letter for c in ws[L.HEADER_ROW + 1]}
    row = next(r for r in range(L.FIRST_DATA_ROW + 1, ws.max_row + 1)
               if str(ws.cell(r, 1).value or "").startswith("AO."))
    ref = f"{head['Ejec. T2']}{row}"
    ws[ref] = "abc"
    edited = work / "con-errores.xlsm"
    wb.save(edited)
    returns = work / P.DEFAULT_CARPETA
    offices = split(master, "2025-T1", returns)
    bad = load(offices[0])
    sheet = next(s for s in bad.worksheets if (s.title or "").startswith("OEI"))
    heads = {c.value: c.column for c in sheet[next(r for r in range(1, 12) if sheet.cell(r, 1).value == "Código")]}
    bad_row = next(r for r in range(1, sheet.max_row + 1) if str(sheet.cell(r, 1).value or "").startswith("AO."))
    sheet.cell(bad_row, heads["Ejec. T1"]).value = -5
    bad.save(offices[0])

    report, after, actions = run(excel.validar, edited, work)
    assert {a["func"] for a in actions} <= {"addSheet", "setValues", "setRangeColor"}
    assert {a["sheet_position"] for a in actions if a["func"] != "addSheet"} == {0, len(load(edited).sheetnames)}
    lines, rows = observaciones(after)
    mine = [r for r in rows if r[2] == NAME]
    assert mine == [["aviso", "maestro-valor-no-numerico", NAME, "OEI.02", ref, "", "abc", report.issues[0].message]]
    link = load(work / "aplicado.xlsx")[excel.SHEET_OBSERVACIONES]
    formulas = [c.value for r in link.iter_rows() for c in r if isinstance(c.value, str) and c.value.startswith("=")]
    assert formulas == [f"=HYPERLINK(\"#'OEI.02'!{ref}\",\"{ref}\")"]
    errors = [r for r in rows if r[0] == "error"]
    assert errors and all(r[2] == offices[0].name for r in errors)
    assert any(f"{offices[0].name}: " in ln and "NO se puede consolidar" in ln for ln in lines)
    assert sum("se puede consolidar" in ln and "NO" not in ln for ln in lines) == len(offices) - 1
    assert "Validado:" in panel_result(after)


# -- consolidar ----------------------------------------------------------------------------------------------------
def _fill_like_a_person(path: Path, plan: Plan) -> dict[str, Decimal]:
    """Type Ejec. T1 = programmed + 0.5 and a justification in every AO of an office workbook."""
    typed: dict[str, Decimal] = {}
    wb = load(path)
    for ws in wb.worksheets:
        head_row = next((r for r in range(1, 10) if ws.cell(r, 1).value == "Código"), None)
        if head_row is None:
            continue
        heads = {c.column: c.value for c in ws[head_row]}
        for row in ws.iter_rows(min_row=head_row + 1):
            for c in row:
                if c.protection.locked is not False:
                    continue
                code = str(ws.cell(c.row, 1).value)
                if heads[c.column] == "Ejec. T1":
                    value = plan.actividad(code).programado[0] + Decimal("0.5")
                    c.value = float(value)
                    typed[code] = value / rules.typed_scale(plan.actividad(code).unidad)  # (as the master keeps it)
                elif heads[c.column] == "Justificación T1":
                    c.value = f"Logros de {code}."
    wb.save(path)
    return typed


def test_excel_consolidar_merges_the_returns_folder(work: Path, example_plan: Plan) -> None:
    empty = example_plan.without_ejecutado()
    master = work / NAME
    write_master_file(empty, master)
    returns = work / P.DEFAULT_CARPETA
    files = {f.stem.rsplit("-", 1)[1]: f for f in split(master, "2025-T1", returns)}
    typed = _fill_like_a_person(files["DPD"], empty)
    _fill_like_a_person(files["DOI"], empty)
    wb = load(files["DOI"])  # and then a negative value: DOI's return is rejected whole
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, float) and c.protection.locked is False:
                    c.value = -1.0
                    break
    wb.save(files["DOI"])

    result, after, _ = run(excel.consolidar, master, work)
    status = {f.name: f.status for f in result.files}
    assert status[files["DPD"].name] == "consolidado"
    assert status[files["DOI"].name] == "rechazado"
    offices = resumen_office_rows(cached_values(after)[L.SHEET_RESUMEN])
    assert offices[("DPD", "Ejecutado")]["T1"] == pytest.approx(float(sum(typed.values())))
    assert offices[("DOI", "Ejecutado")]["T1"] in (None, "")  # DOI's return was refused: nothing reported
    expected = empty.with_ejecutado({c: (v, None, None, None) for c, v in typed.items()})
    t1 = evaluate(expected, parse_period("2025-T1", 2025, "trimestral"))
    assert offices[("Total", "Ejecutado")]["T1"] == pytest.approx(float(t1.offices.total.ejecutado[0]))
    rows = oei_rows(cached_values(after)["OEI.01"])
    for code, value in typed.items():
        if code in rows:
            assert same(rows[code]["Ejec. T1"], float(value)) and rows[code]["Justificación T1"] == f"Logros de {code}."
    lines, issues = observaciones(after)
    assert f"CONSOLIDADO  {files['DPD'].name} (DPD 2025-T1): 0 errores, 0 avisos" in lines
    assert any(ln.startswith(f"RECHAZADO    {files['DOI'].name}") for ln in lines)
    assert any(r[0] == "error" and r[2] == files["DOI"].name for r in issues)
    assert f"Libro actualizado: {len(result.changes)} celdas cambiadas; guárdelo." in lines
    assert re.search(r"Consolidado: 1 retorno\(s\) incorporado\(s\), 1 rechazado\(s\)", panel_result(after))
    # the audit trail, as the CLI keeps it
    ledger = work / "maestro.auditoria.sqlite"
    with sqlite3.connect(ledger) as db:
        assert {r[0]: r[1] for r in db.execute("SELECT nombre, estado FROM archivos")} == status
        assert db.execute("SELECT count(*) FROM cambios").fetchone()[0] == len(result.changes)
    assert len(list((work / "recibidos").rglob("*.xlsx"))) == len(files)
    # each archived copy is the very file checked, under its SHA-256, which the ledger records
    with sqlite3.connect(ledger) as db:
        recorded = dict(db.execute("SELECT nombre, sha256 FROM archivos").fetchall())
    for f in files.values():
        sha = hashlib.sha256(f.read_bytes()).hexdigest()
        assert recorded[f.name] == sha
        (copy,) = (work / "recibidos").rglob(f"{sha[:12]}-{f.name}")
        assert copy.read_bytes() == f.read_bytes()


def test_excel_buttons_settle_a_consolidation_a_crash_left_pending(master: Path, work: Path) -> None:
    """A consolidation killed after the master's rename left its run pending in the ledger: the next button settles
    it by the saved file's hash; a pending run the file matches neither way stays, with an aviso on the Panel."""
    from zedxl.ledger import RunRecord, ledger_path

    def pending(new_master: Path) -> None:
        RunRecord(ledger_path(master), master, "0" * 64, "2025-07-01T10:00:00", [], []).begin(new_master)

    pending(master)  # the rename happened: the saved book is the new master
    book = xw.Book(json=request(master))
    excel.recalcular(book)
    with sqlite3.connect(ledger_path(master)) as db:
        assert db.execute("SELECT resultado FROM ejecuciones").fetchall() == [("escrito",)]
    assert "sin terminar" not in json.dumps(book.json()["actions"], ensure_ascii=False)

    other = work / "otro.xlsx"
    other.write_bytes(b"otro")
    pending(other)  # neither before nor after: edited outside zedxl since
    book = xw.Book(json=request(master))
    excel.recalcular(book)
    with sqlite3.connect(ledger_path(master)) as db:
        assert db.execute("SELECT resultado FROM ejecuciones ORDER BY id").fetchall() == [("escrito",),
                                                                                           ("pendiente",)]
    assert "Aviso: El registro de auditoría tiene una consolidación sin terminar" in \
        json.dumps(book.json()["actions"], ensure_ascii=False)


# -- generar_informe -----------------------------------------------------------------------------------------------
def test_excel_generar_informe_writes_the_report_next_to_the_book(work: Path, example_fresh: Path) -> None:
    written, after, _ = run(excel.generar_informe, work / NAME, work, fresh=example_fresh, after=False)
    assert written == [work / "Informe_Evaluacion_POI_2025-S1.docx"]
    text = "\n".join(p.text for p in docx.Document(str(written[0])).paragraphs)
    assert "33.4" in text
    assert str(written[0]) in str(load(after)[P.SHEET_PANEL].cell(_result_row(after), 2).value)


def test_excel_generar_informe_uses_the_panel_period(work: Path, example_fresh: Path) -> None:
    def set_period(req: dict[str, Any]) -> None:
        panel = req["sheets"][0]
        assert panel["name"] == P.SHEET_PANEL
        for row in panel["values"]:
            if row[0] == P.LABEL_PERIODO:
                row[1] = "2025"

    written, _, _ = run(excel.generar_informe, work / NAME, work, fresh=example_fresh, after=False,
                        edit_request=set_period)
    assert written == [work / "Informe_Evaluacion_POI_2025.docx"]


def test_excel_plan_from_book_equals_the_file_reader(master: Path, example_fresh: Path, example_plan: Plan) -> None:
    book = xw.Book(json=request(example_fresh))
    assert excel.plan_from_book(book).plan == read_master(master).plan == example_plan


def test_excel_rectangles_cover_every_cell_once() -> None:
    grid = [["a", "a", "b"], ["a", "a", "b"], ["c", "a", "b"], ["c", "c", "c"]]
    rects = excel.rectangles(grid)
    seen: dict[tuple[int, int], str] = {}
    for r0, c0, r1, c1, v in rects:
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                assert (r, c) not in seen
                seen[(r, c)] = v
    assert seen == {(r, c): grid[r][c] for r in range(4) for c in range(3)}
    assert len(rects) == 5


@pytest.mark.parametrize(("text", "written"), [
    ("=1+1", "'=1+1"), ("-3", "'-3"), ("12,5 %", "'12,5 %"), ("1/2", "'1/2"), ("OEI.01", "OEI.01"), ("", ""),
    ("Texto normal", "Texto normal"), ("VERDADERO", "'VERDADERO"), ("'cita", "''cita"),
])
def test_excel_cell_text_guard(text: str, written: str) -> None:
    assert excel.cell_text(text) == written


def test_excel_consolidar_takes_an_identical_copy_once(work: Path, example_plan: Plan) -> None:
    """As the CLI: a byte-identical copy of a return is taken once (#22 case 3), the return itself is merged. The
    request comes from the master's own cached values (XlsxWriter writes them; LibreOffice agreeing is checked
    above), so no recalculation is needed here."""
    empty = example_plan.without_ejecutado()
    master = work / NAME
    write_master_file(empty, master)
    returns = work / P.DEFAULT_CARPETA
    files = {f.stem.rsplit("-", 1)[1]: f for f in split(master, "2025-T1", returns)}
    _fill_like_a_person(files["DPD"], empty)
    twin = returns / ("copia-" + files["DPD"].name)
    twin.write_bytes(files["DPD"].read_bytes())
    book = xw.Book(json=request(master))
    result = excel.consolidar(book)
    status = {f.name: f.status for f in result.files}
    assert (status[files["DPD"].name], status[twin.name]) == ("consolidado", "copia")
    assert result.changes and {c.archivo for c in result.changes} == {files["DPD"].name}


def test_excel_buttons_refuse_a_lost_row_and_write_nothing(tmp_path: Path, example_plan: Plan,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Recalcular and Consolidar on an open book whose AO row was deleted: the same refusal, said on the Panel
    (the only action), the book's sheets untouched; Validar lists what is missing (issue #21, case 2)."""
    from zedxl.errors import StructureError

    monkeypatch.chdir(tmp_path)
    master = tmp_path / NAME
    write_master_file(example_plan, master)
    (tmp_path / P.DEFAULT_CARPETA).mkdir()
    wb = load(master, keep_vba=True)
    ws = wb["OEI.03"]
    ws.delete_rows(next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "AO.03.01.02"))
    wb.save(master)
    for button in (excel.recalcular, excel.consolidar):
        book = xw.Book(json=request(master))
        with pytest.raises(StructureError, match="AO.03.01.02") as err:
            button(book)
        assert "cierre el libro y ejecute «zedxl recompute maestro.xlsm --eliminar AO.03.01.02»" in str(err.value)
        actions = book.json()["actions"]
        assert {a["sheet_position"] for a in actions} == {0}  # the Panel's result line only
        assert any("No se reescribió" in str(v) for a in actions for row in a.get("values") or [] for v in row)
    # Validar says it beforehand, on Observaciones
    book = xw.Book(json=request(master))
    excel.validar(book)
    written = [str(v) for a in book.json()["actions"] for row in a.get("values") or [] for v in row]
    assert any("AO.03.01.02" in v and "estaba en la hoja «OEI.03»" in v for v in written)


def test_excel_buttons_refuse_a_book_of_an_older_template(master: Path, work: Path) -> None:
    """A master of template 1.1 (before per-period texts and ZX_HASTA) cannot be rewritten from inside Excel: the
    buttons that write say to run «zedxl recompute» once, and change nothing in the book."""
    def older(req: dict[str, Any]) -> None:
        params = next(s for s in req["sheets"] if s["name"] == L.SHEET_PARAMS)
        for row in params["values"]:
            if row and row[0] == L.PARAM_LABELS["version"]:
                row[1] = "1.1"

    for button in (excel.recalcular, excel.consolidar):
        req = request(master)
        older(req)
        book = xw.Book(json=req)
        with pytest.raises(ZedxlError, match=r"plantilla 1\.1 .*zedxl recompute"):
            button(book)
        actions = book.json()["actions"]
        # only the Panel's result line is written, saying so
        assert {a["sheet_position"] for a in actions} == {0}
        assert "zedxl recompute" in json.dumps(actions, ensure_ascii=False)


def test_excel_buttons_refuse_an_unjustified_reprogramming_and_record_a_justified_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, example_plan: Plan) -> None:
    """#23: a programmed cell changed in the open book stops Recalcular and Consolidar (nothing but the Panel's
    result line written) until a row of the Reprogramaciones sheet justifies it; then Recalcular records it: the
    original programming kept, the row completed, the ledger told."""
    import sqlite3

    from zedxl.errors import ReprogramacionError
    from zedxl.ledger import ledger_path

    monkeypatch.chdir(tmp_path)
    master = tmp_path / NAME
    write_master_file(example_plan, master)
    (tmp_path / P.DEFAULT_CARPETA).mkdir()
    wb = load(master, keep_vba=True)
    ws = wb["OEI.01"]
    head = [c.value for c in ws[L.HEADER_ROW + 1]]
    r = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "AO.01.01.01")
    ws.cell(r, head.index(L.prog("T3")) + 1).value = 6
    wb.save(master)
    for button in (excel.recalcular, excel.consolidar):
        book = xw.Book(json=request(master))
        with pytest.raises(ReprogramacionError, match=r"AO\.01\.01\.01, T3: de 0 a 6"):
            button(book)
        assert {a["sheet_position"] for a in book.json()["actions"]} == {0}
    wb = load(master, keep_vba=True)
    reprog = wb[L.SHEET_REPROGRAMACIONES]
    reprog.append([None, "AO.01.01.01", "T3", None, None, "Se adelantó el taller a setiembre.", "Memorando 9"])
    wb.save(master)
    report, after, _ = run(excel.recalcular, master, tmp_path)
    assert report.codes() == []
    ao = read_master(after).plan.actividad("AO.01.01.01")
    assert (ao.programado[2], ao.programado_original[2]) == (6, 0)
    assert [(r.cambios, r.justificacion, r.documento) for r in ao.reprogramaciones] == [
        (((2, Decimal(0), Decimal(6)),), "Se adelantó el taller a setiembre.", "Memorando 9")]
    with sqlite3.connect(ledger_path(master)) as db:
        rows = db.execute("SELECT codigo, campo, antes, despues FROM cambios ORDER BY id").fetchall()
    assert rows[-1] == ("AO.01.01.01", "Prog. T3", "0", "6") and rows[-2][1] == "Reprogramación"


def test_excel_recalcular_keeps_the_tablero_and_its_charts(master: Path, work: Path, example_fresh: Path) -> None:
    """The button writes the Tablero's cells in place, the formulas the charts plot as ``write_master`` writes them,
    and adds, removes or re-creates no sheet: the charts stay, plotting the same cells. A book without a Tablero (a
    master written before it existed) gets none from the button: only «zedxl recompute» writes it, with its charts."""
    from .test_dashboard import chart_series

    _, after, actions = run(excel.recalcular, master, work, fresh=example_fresh, after=False)
    assert {a["func"] for a in actions} <= {"setValues", "setNumberFormat", "setRangeColor"}
    assert [(title, refs) for title, refs, _ in chart_series(after)] == [
        (title, refs) for title, refs, _ in chart_series(master)]
    tablero = {ref: text for (sheet, ref), text in formula_cells(master).items() if sheet == L.SHEET_TABLERO}
    assert {ref: text for (sheet, ref), text in formula_cells(after).items() if sheet == L.SHEET_TABLERO} == tablero

    req = request(example_fresh)
    req["sheets"] = [s for s in req["sheets"] if s["name"] != L.SHEET_TABLERO]
    book = xw.Book(json=req)
    excel.recalcular(book)
    assert [a for a in book.json()["actions"] if a["func"] == "addSheet"] == []
