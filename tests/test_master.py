"""The master workbook: the seed's tables read back from the file, LibreOffice agreeing, planner edits + recompute."""

from __future__ import annotations

import shutil
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.workbook_helpers import (
    budget_rows,
    cached_values,
    formula_cells,
    oei_rows,
    replace_actividades,
    resumen_office_rows,
    same,
)
from zedxl.errors import MasterLockedError
from zedxl.libreoffice import recalculate
from zedxl.model import Plan
from zedxl.recompute import recompute
from zedxl.xlsx import layout as L
from zedxl.xlsx.master_read import read_master

SEED_ANEXO_02 = {
    ("DPD", "Programado"): (4.2, 6.2, 10.4), ("DPD", "Ejecutado"): (5.2, 11.2, 16.4),
    ("DOI", "Programado"): (5.0, 11.0, 16.0), ("DOI", "Ejecutado"): (6.0, 15.0, 21.0),
    ("OGA", "Programado"): (3.0, 3.0, 6.0), ("OGA", "Ejecutado"): (8.0, 9.0, 17.0),
    ("OAL", "Programado"): (0.0, 1.0, 1.0), ("OAL", "Ejecutado"): (2.0, 1.0, 3.0),
    ("Total", "Programado"): (12.2, 21.2, 33.4), ("Total", "Ejecutado"): (21.2, 36.2, 57.4),
}
SEED_AEI_S1 = {"OEI.01": 100.00, "AEI.01.01": 66.67, "AEI.01.02": 100.00, "AEI.01.03": 100.00,
               "AEI.02.01": 100.00, "AEI.02.02": 66.67, "AEI.02.03": 100.00, "AEI.02.04": 100.00,
               "AEI.03.01": 50.00, "AEI.03.02": 100.00, "AEI.03.03": 100.00}
SEED_INGRESOS = {"Impuestos y Contribuciones Obligatorias": 45.81,
                 "Venta de Bienes y Servicios y Derechos Administrativos": 39.61, "Otros Ingresos": 46.24,
                 "Total": 427.75}
SEED_GASTOS = {"Personal y Obligaciones Sociales": 36.47, "Bienes y Servicios": 29.26, "Donaciones y TT": 27.91,
               "Otros Gastos": 15.65, "Adquisición de Activos No Financieros": 17.39, "Total": 32.31}


def _assert_seed_tables(values: dict[str, list[list[object]]]) -> None:
    offices = resumen_office_rows(values[L.SHEET_RESUMEN])
    for key, (t1, t2, s1) in SEED_ANEXO_02.items():
        row = offices[key]
        assert [round(float(row[c]), 6) for c in ("T1", "T2", "S1")] == [t1, t2, s1], key  # type: ignore[arg-type]
    aos = {}
    indicators = {}
    for sheet in ("OEI.01", "OEI.02", "OEI.03"):
        for code, row in oei_rows(values[sheet]).items():
            (aos if code.startswith("AO.") else indicators)[code] = row
    assert len(aos) == 22
    assert {code: round(float(r[L.avance("S1")]), 2) for code, r in aos.items()} == dict.fromkeys(aos, 100.0)
    got = {code: round(float(r[L.avance("S1")]), 2) for code, r in indicators.items() if r[L.avance("S1")] != ""}
    assert got == SEED_AEI_S1
    assert indicators["OEI.02"][L.estado("S1")] == "no medido aún"
    assert indicators["OEI.03"][L.avance("S1")] in ("", None)
    ingresos = budget_rows(values[L.SHEET_INGRESOS])
    assert {k: round(float(ingresos[k]["% Avance vs PIM"]), 2) for k in SEED_INGRESOS} == SEED_INGRESOS
    assert ingresos["Saldos de Balance (RDR y DDTT)"]["% Avance vs PIM"] in ("", None)
    assert round(float(ingresos["Total"]["Ejecución"]), 2) == 20624225.72
    assert round(float(ingresos[L.SIN_SALDOS_LABEL]["% Avance vs PIM"]), 2) == 44.47
    gastos = budget_rows(values[L.SHEET_GASTOS])
    assert {k: round(float(gastos[k]["% Avance vs PIM"]), 2) for k in SEED_GASTOS} == SEED_GASTOS
    assert round(float(gastos["Otros Gastos"]["PIM − PIA"]), 2) == -18300.0
    assert round(float(gastos["Total"]["Ejecución"]), 2) == 1557618.96


def test_master_cached_values_reproduce_the_seed_tables(master: Path) -> None:
    """A reader that never recalculates (python-calamine) sees every figure of the seed."""
    _assert_seed_tables(cached_values(master))


@pytest.mark.libreoffice
def test_master_libreoffice_recalculates_the_same_values(master: Path, tmp_path: Path) -> None:
    """LibreOffice, forced to recalculate on load, computes exactly what zedxl cached, cell by cell."""
    fresh = recalculate(master, tmp_path / "lo")
    ours = openpyxl.load_workbook(master, data_only=True)
    theirs = openpyxl.load_workbook(fresh, data_only=True)
    formulas = formula_cells(master)
    assert len(formulas) > 400
    mismatches = [(sheet, ref, ours[sheet][ref].value, theirs[sheet][ref].value) for sheet, ref in formulas
                  if not same(ours[sheet][ref].value, theirs[sheet][ref].value)]
    assert mismatches == []
    _assert_seed_tables(cached_values(fresh))


@pytest.mark.libreoffice
def test_master_libreoffice_catches_a_wrong_cached_value(master: Path, tmp_path: Path) -> None:
    """The oracle can fail: a master whose cached total is wrong is caught by the LibreOffice comparison."""
    wb = openpyxl.load_workbook(master)
    ws = wb[L.SHEET_RESUMEN]
    # overwrite DPD's T1 executed with a constant that disagrees with its own inputs
    for row in ws.iter_rows():
        if row[0].value == "DPD" and row[2].value == "Ejecutado":
            row[3].value = "=999"
            break
    tampered = tmp_path / "tampered.xlsx"
    wb.save(tampered)
    fresh = recalculate(tampered, tmp_path / "lo")
    values = resumen_office_rows(cached_values(fresh)[L.SHEET_RESUMEN])
    assert values[("DPD", "Ejecutado")]["T1"] == 999


def test_master_round_trips_the_plan(master: Path, example_plan: Plan) -> None:
    read = read_master(master)
    assert read.issues == []
    assert read.plan == example_plan


def _find_row(ws: openpyxl.worksheet.worksheet.Worksheet, code: str) -> int:
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == code:
            return int(row[0].row)
    raise AssertionError(code)


def _headers(ws: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, int]:
    return {str(c.value): c.column for c in ws[L.HEADER_ROW + 1] if c.value}


def test_master_planner_edits_survive_recompute(master: Path) -> None:
    """Change a programmed value, insert an AO in the middle, delete another, fix a name: recompute keeps all."""
    wb = openpyxl.load_workbook(master)
    ws = wb["OEI.01"]
    h = _headers(ws)
    # 1. programmed T2 of AO.01.01.01 from 0 to 4
    r = _find_row(ws, "AO.01.01.01")
    ws.cell(r, h[L.prog("T2")]).value = 4
    ws.cell(r, h[L.H_DESCRIPCION]).value = "Nombre corregido por el planificador"
    # 2. a new AO inserted in the middle, between AO.01.01.02 and AEI.01.02
    r_new = _find_row(ws, "AO.01.01.02") + 1
    ws.insert_rows(r_new)
    for header, value in ((L.H_CODIGO, "AO 1.1.3"), (L.H_DESCRIPCION, "Actividad nueva"), (L.H_UM, "Informes"),
                          (L.H_INSTANCIA, "oal"), (L.prog("T1"), 2), (L.prog("T2"), 1), (L.prog("T3"), 0),
                          (L.prog("T4"), 0), (L.ejec("T1"), 1), (L.H_JUSTIFICACION, "Texto nuevo")):
        ws.cell(r_new, h[header]).value = value
    # 3. AO.01.03.01 deleted
    ws.delete_rows(_find_row(ws, "AO.01.03.01"))
    wb.save(master)
    before = master.read_bytes()

    result = recompute(master)

    assert result.backup is not None and result.backup.read_bytes() == before
    plan = read_master(master).plan
    codes = [ao.codigo for ao in plan.actividades()]
    assert len(codes) == 22
    assert codes[2] == "AO.01.01.03" and "AO.01.03.01" not in codes
    new_ao = plan.actividad("AO.01.01.03")
    assert (new_ao.instancia, new_ao.programado[:2], new_ao.ejecutado[:2], new_ao.justificacion) == (
        "OAL", (Decimal(2), Decimal(1)), (Decimal(1), None), "Texto nuevo")
    assert plan.actividad("AO.01.01.01").programado[1] == 4
    assert plan.actividad("AO.01.01.01").nombre == "Nombre corregido por el planificador"
    # totals recomputed from the edits: DPD programmed T2 6.2 + 4; OAL T1 0 + 2 programmed, 2 + 1 executed
    offices = resumen_office_rows(cached_values(master)[L.SHEET_RESUMEN])
    assert round(float(offices[("DPD", "Programado")]["T2"]), 6) == 10.2  # type: ignore[arg-type]
    assert offices[("OAL", "Programado")]["T1"] == 2
    assert offices[("OAL", "Ejecutado")]["T1"] == 3
    assert round(float(offices[("Total", "Programado")]["S1"]), 6) == 33.4 + 4 + 3  # type: ignore[arg-type]
    # the new row got its formulas
    ws2 = openpyxl.load_workbook(master)["OEI.01"]
    r2 = _find_row(ws2, "AO.01.01.03")
    assert str(ws2.cell(r2, _headers(ws2)[L.avance("S1")]).value).startswith("=IF(")


def test_master_typed_over_formula_is_restored_with_an_aviso(master: Path) -> None:
    wb = openpyxl.load_workbook(master)
    ws = wb["OEI.02"]
    r = _find_row(ws, "AO.02.01.01")
    col = _headers(ws)[L.avance("S1")]
    ws.cell(r, col).value = 55
    ws.cell(r + 1, col).value = None  # a formula deleted: no aviso, the formula comes back too
    wb.save(master)
    result = recompute(master)
    assert [(i.code, i.sheet, i.severity) for i in result.issues] == [
        ("maestro-formula-reemplazada", "OEI.02", "aviso")]
    ws = openpyxl.load_workbook(master)["OEI.02"]
    assert str(ws.cell(r, col).value).startswith("=") and str(ws.cell(r + 1, col).value).startswith("=")


def test_master_open_in_excel_is_refused_and_left_byte_identical(master: Path) -> None:
    owner = master.with_name("~$" + master.name)
    owner.write_bytes(b"\x05pedro" + b" " * 50)
    before = master.read_bytes()
    with pytest.raises(MasterLockedError, match="parece estar abierto"):
        recompute(master)
    assert master.read_bytes() == before
    assert not (master.parent / "respaldos").exists()


def test_master_crash_during_write_leaves_the_old_master(master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulate a crash in the middle of writing: the old master stays, no temporary file is left behind."""
    import zedxl.new as new_module

    before = master.read_bytes()

    def crash(plan: Plan, target: str, **kwargs: object) -> None:
        Path(target).write_bytes(b"PK\x03\x04 half a zip")
        raise OSError("disco lleno (simulado)")

    monkeypatch.setattr(new_module, "write_master", crash)
    with pytest.raises(OSError, match="simulado"):
        recompute(master)
    assert master.read_bytes() == before
    leftovers = [p.name for p in master.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_master_second_run_is_locked_out(master: Path) -> None:
    from zedxl.fsutil import exclusive_lock

    before = master.read_bytes()
    with exclusive_lock(master), pytest.raises(MasterLockedError, match="Otra ejecución"):
        recompute(master)
    assert master.read_bytes() == before


def test_master_monthly_plan(example_plan: Plan, tmp_path: Path) -> None:
    """A monthly plan gets Prog. Ene…Dic columns and the same totals when quarters are spread over months."""
    from dataclasses import replace

    from zedxl.new import write_master_file

    def monthly(values: tuple[Decimal | None, ...]) -> tuple[Decimal | None, ...]:
        out: list[Decimal | None] = []
        for v in values:
            out += [v, Decimal(0) if v is not None else None, Decimal(0) if v is not None else None]
        return tuple(out)

    plan = replace(example_plan, periodicidad="mensual", objetivos=tuple(
        replace(o, acciones=tuple(replace(a, actividades=tuple(
            replace(ao, programado=monthly(ao.programado), ejecutado=monthly(ao.ejecutado))  # type: ignore[arg-type]
            for ao in a.actividades)) for a in o.acciones)) for o in example_plan.objetivos))
    path = tmp_path / "mensual.xlsx"
    write_master_file(plan, path)
    values = cached_values(path)
    offices = resumen_office_rows(values[L.SHEET_RESUMEN])
    assert round(float(offices[("Total", "Programado")]["S1"]), 6) == 33.4  # type: ignore[arg-type]
    assert offices[("DPD", "Ejecutado")]["Ene"] == pytest.approx(5.2)
    assert read_master(path).plan == plan
    shutil.rmtree(tmp_path / "respaldos", ignore_errors=True)


@pytest.mark.libreoffice
def test_master_office_totals_count_a_new_row_before_any_recompute(master: Path, tmp_path: Path) -> None:
    """A planner adds an AO row (inputs only, no formulas) and Excel/LibreOffice totals include it at once."""
    wb = openpyxl.load_workbook(master)
    ws = wb["OEI.03"]
    h = _headers(ws)
    r = ws.max_row + 1
    for header, value in ((L.H_CODIGO, "AO.03.03.09"), (L.H_DESCRIPCION, "Nueva"), (L.H_UM, "Acciones"),
                          (L.H_INSTANCIA, "OAL"), (L.prog("T1"), 2), (L.prog("T2"), 3), (L.prog("T3"), 0),
                          (L.prog("T4"), 5), (L.ejec("T1"), 1), (L.ejec("T2"), 4)):
        ws.cell(r, h[header]).value = value
    edited = tmp_path / "editado.xlsx"
    wb.save(edited)
    fresh = recalculate(edited, tmp_path / "lo")
    offices = resumen_office_rows(cached_values(fresh)[L.SHEET_RESUMEN])
    assert offices[("OAL", "Programado")]["S1"] == 1 + 5
    assert offices[("OAL", "Ejecutado")]["S1"] == 3 + 5
    assert offices[("OAL", "Programado")]["Anual"] == 2 + 10
    assert round(float(offices[("Total", "Programado")]["S1"]), 6) == 33.4 + 5  # type: ignore[arg-type]


def _awkward(plan: Plan) -> Plan:
    """The example with AO texts that need escaping, empty fields, a 20,000-character justification, blanks and
    fractions, and a progress cap: what the whole-row writers must render exactly as XlsxWriter does."""
    import dataclasses

    from zedxl.model import Reglas

    texts = ['A & B <c> "d" > e', "", "x" * 20_000 + "_x0041_", " lead and trail ",
             "línea 1\nlínea 2\ttab \x07 \ufffe\uffff"]

    def odd(ao: Any, k: int) -> Any:
        ejec = tuple(None if (k + i) % 3 == 0 else (v or Decimal("0.125")) * Decimal("1.5")
                     for i, v in enumerate(ao.ejecutado))
        return dataclasses.replace(ao, nombre=texts[k % 5] or "x", unidad=texts[(k + 1) % 5],
                                   justificacion=texts[(k + 2) % 5], ejecutado=ejec)

    return dataclasses.replace(replace_actividades(plan, odd),
                               reglas=Reglas(tope_avance=Decimal(100), avance_sin_meta=Decimal(100),
                                             verde=Decimal(90), amarillo=Decimal(70)))


@pytest.mark.parametrize("awkward", [False, True], ids=["ejemplo", "textos-raros"])
def test_master_formula_fast_path_writes_the_same_bytes(tmp_path: Path, example_plan: Plan,
                                                        monkeypatch: pytest.MonkeyPatch, awkward: bool) -> None:
    """FormulaWorksheet (whole AO rows from a template, rows stored whole, dynamic-function rewriting skipped when
    it would change nothing) writes exactly the parts XlsxWriter writes cell by cell."""
    import xlsxwriter

    if awkward:
        example_plan = _awkward(example_plan)

    import zedxl.xlsx.master_write as mw
    import zedxl.xlsx.office_write as ow
    from zedxl.periods import parse_period
    from zedxl.xlsx.office_layout import office_spec

    spec = office_spec(example_plan, parse_period("2025-T1", 2025, "trimestral"), "OGA")

    def parts(path: Path) -> dict[str, bytes]:
        with zipfile.ZipFile(path) as z:
            return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}

    mw.write_master(example_plan, str(tmp_path / "rapido.xlsx"))
    ow.write_office(spec, tmp_path / "rapido-oga.xlsx")
    plain = lambda target, options: xlsxwriter.Workbook(target, options)  # noqa: E731
    monkeypatch.setattr(mw, "new_workbook", plain)
    monkeypatch.setattr(ow, "new_workbook", plain)
    mw.write_master(example_plan, str(tmp_path / "normal.xlsx"))
    ow.write_office(spec, tmp_path / "normal-oga.xlsx")
    assert parts(tmp_path / "rapido.xlsx") == parts(tmp_path / "normal.xlsx")
    assert parts(tmp_path / "rapido-oga.xlsx") == parts(tmp_path / "normal-oga.xlsx")
    ws = mw.FormulaWorksheet()
    assert ws._prepare_formula("=XLOOKUP(A1,B:B,C:C)") == "_xlfn.XLOOKUP(A1,B:B,C:C)"
    # the future functions' rewriting (conditional formats ask for it) is remembered per formula and per whether
    # they are expanded: the same text as XlsxWriter's, asked once or again, either way
    for formula in ("=AND(ISNUMBER(Q8),Q8>=ZX_VERDE)", "=STDEV.S(A1:A3)>1"):
        for expand in (True, False, True):
            want = xlsxwriter.worksheet.Worksheet()._prepare_formula(formula, expand)
            assert ws._prepare_formula(formula, expand) == want
    assert ws._prepare_formula("=STDEV.S(A1:A3)>1", True) == "_xlfn.STDEV.S(A1:A3)>1"
    assert ws._prepare_formula("=STDEV.S(A1:A3)>1") == "STDEV.S(A1:A3)>1"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab_xX0F4 \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2003\u2028\u3000"
                                             "\ufffe\uffff&<>\"'é")) | st.characters(), max_size=10))
def test_master_shared_string_taken_as_it_is_only_when_xlsxwriter_writes_it_so(text: str) -> None:
    """``_si_plain`` (the shared strings written in one piece) is the single pattern it replaced, and XlsxWriter's
    own ``<si>`` of such a string is the string as it is (white space at either end, Unicode's too, is not plain;
    nor U+FFFE/U+FFFF, which XlsxWriter writes as "_xFFFE_"/"_xFFFF_": this test found them missing)."""
    import io
    import re

    from xlsxwriter.sharedstrings import SharedStrings

    import zedxl.xlsx.master_write as mw

    single = re.compile('[\x00-\x1f"&<>\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\\s|\\s$')
    assert mw._si_plain(text) == (single.search(text) is None)
    if mw._si_plain(text):
        sst = SharedStrings()
        sst._set_filehandle(io.StringIO())
        sst._write_si(text)
        assert sst.fh.getvalue() == f"<si><t>{text}</t></si>"


# -- the OEI sheets written by a forked child (large masters) -----------------------------------------------------
def _zip_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


@pytest.fixture
def child_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], Path]:
    """Every ``_SheetsInChild.start`` result (None: no child) with the child's pid, and the temporary folder
    XlsxWriter and the child's files use (it must be left empty)."""
    import tempfile

    import zedxl.xlsx.master_write as mw

    work = tmp_path / "temporales"
    work.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(work))
    runs: list[Any] = []
    real_start = mw._SheetsInChild.start.__func__

    def start(cls: Any, wb: Any, sheets: Any, rows: int) -> Any:
        handoff = real_start(cls, wb, sheets, rows)
        runs.append((handoff, handoff.pid if handoff is not None else None))
        return handoff

    monkeypatch.setattr(mw._SheetsInChild, "start", classmethod(start))
    return runs, work


@pytest.mark.parametrize(("awkward", "memory_files"), [(False, True), (True, True), (False, False)],
                         ids=["ejemplo", "textos-raros", "sin-memfd"])
def test_master_oei_sheets_written_by_a_child_process_are_the_same_bytes(
        tmp_path: Path, example_plan: Plan, monkeypatch: pytest.MonkeyPatch, child_runs: tuple[list[Any], Path],
        awkward: bool, memory_files: bool) -> None:
    """A large master's OEI sheets are written by a forked child while this process writes the rest: the file is
    byte for byte the one a single process writes, and no temporary file is left (the child writes into anonymous
    memory files, or temporary files where those are refused)."""
    import os

    import zedxl.xlsx.master_write as mw

    runs, work = child_runs
    if awkward:
        example_plan = _awkward(example_plan)
    made: list[str] = []  # temporary files made for the child's sheets
    real_mkstemp = mw.tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        fd, path = real_mkstemp(*args, **kwargs)
        made.append(path)
        return fd, path

    monkeypatch.setattr(mw.tempfile, "mkstemp", mkstemp)
    if not memory_files:
        def refused(*_: Any) -> int:
            raise PermissionError("memfd_create no permitido")

        monkeypatch.setattr(os, "memfd_create", refused)
    mw.write_master(example_plan, str(tmp_path / "un-proceso.xlsx"))
    assert runs[-1] == (None, None)  # the example is below _CHILD_MIN_ROWS: no child
    monkeypatch.setattr(mw, "_CHILD_MIN_ROWS", 0)
    mw.write_master(example_plan, str(tmp_path / "dos-procesos.xlsx"))
    handoff, pid = runs[-1]
    assert pid and handoff.ok and handoff.pid is None  # the child wrote the sheets and was waited for
    assert len(made) == (0 if memory_files else len(example_plan.objetivos))  # one per OEI sheet without memfd
    assert _zip_parts(tmp_path / "dos-procesos.xlsx") == _zip_parts(tmp_path / "un-proceso.xlsx")
    assert list(work.iterdir()) == []
    # an .xlsm master (the VBA project names every sheet when the workbook is closed) never forks
    before = len(runs)
    mw.write_master(example_plan, str(tmp_path / "botones.xlsm"))
    assert len(runs) == before


def test_master_child_process_that_fails_leaves_the_sheets_to_this_one(
        tmp_path: Path, example_plan: Plan, monkeypatch: pytest.MonkeyPatch,
        child_runs: tuple[list[Any], Path]) -> None:
    """A child that dies without writing: this process writes those sheets, with the same bytes."""
    import os

    import zedxl.xlsx.master_write as mw

    runs, work = child_runs
    mw.write_master(example_plan, str(tmp_path / "un-proceso.xlsx"))
    monkeypatch.setattr(mw, "_CHILD_MIN_ROWS", 0)
    monkeypatch.setattr(mw._SheetsInChild, "_child", lambda self: os._exit(1))
    mw.write_master(example_plan, str(tmp_path / "hijo-falla.xlsx"))
    handoff, pid = runs[-1]
    assert pid and not handoff.ok
    assert _zip_parts(tmp_path / "hijo-falla.xlsx") == _zip_parts(tmp_path / "un-proceso.xlsx")
    assert list(work.iterdir()) == []


@pytest.mark.parametrize("child_exit", [0, 1], ids=["hijo-termina", "hijo-falla"])
def test_master_oei_sheets_shared_between_child_and_parent(
        tmp_path: Path, example_plan: Plan, monkeypatch: pytest.MonkeyPatch,
        child_runs: tuple[list[Any], Path], child_exit: int) -> None:
    """The OEI sheets wait in a queue: a child that takes one and stops leaves the others to this process, which
    writes them once it has written the rest; a child that fails after taking one has that one written here too.
    Either way the file is byte for byte the one a single process writes."""
    import os

    import zedxl.xlsx.master_write as mw

    runs, work = child_runs
    mw.write_master(example_plan, str(tmp_path / "un-proceso.xlsx"))
    monkeypatch.setattr(mw, "_CHILD_MIN_ROWS", 0)

    def takes_one(self: Any) -> None:
        k = self._take()
        ws, output = self.jobs[k]
        if child_exit:  # dies half way through its sheet
            os.write(output.target(), b"<worksheet><sheetData><row")
        else:
            mw._write_sheet(ws, output.target())
        os._exit(child_exit)

    monkeypatch.setattr(mw._SheetsInChild, "_child", takes_one)
    mw.write_master(example_plan, str(tmp_path / "repartido.xlsx"))
    handoff, pid = runs[-1]
    assert pid and handoff.ok == (child_exit == 0)
    # the child took the largest sheet first; this process the others
    largest = max(range(len(handoff.jobs)), key=lambda k: handoff.jobs[k][0].dim_rowmax or 0)
    assert handoff.mine == set(range(len(handoff.jobs))) - {largest}
    assert _zip_parts(tmp_path / "repartido.xlsx") == _zip_parts(tmp_path / "un-proceso.xlsx")
    assert list(work.iterdir()) == []


def test_master_write_failing_after_the_fork_stops_the_child_and_leaves_nothing(
        tmp_path: Path, example_plan: Plan, monkeypatch: pytest.MonkeyPatch,
        child_runs: tuple[list[Any], Path]) -> None:
    """An error while the child is writing: the child is stopped and waited for (no process left behind) and its
    temporary files are removed; nothing is written."""
    import os

    import zedxl.xlsx.master_write as mw

    runs, work = child_runs
    monkeypatch.setattr(mw, "_CHILD_MIN_ROWS", 0)

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("falla a propósito")

    monkeypatch.setattr(mw.MasterWriter, "_budget", broken)
    with pytest.raises(RuntimeError, match="a propósito"):
        mw.write_master(example_plan, str(tmp_path / "roto.xlsx"))
    handoff, pid = runs[-1]
    assert pid and handoff.pid is None
    with pytest.raises(ChildProcessError):  # already waited for
        os.waitpid(pid, os.WNOHANG)
    assert list(work.iterdir()) == []
    assert not (tmp_path / "roto.xlsx").exists()
