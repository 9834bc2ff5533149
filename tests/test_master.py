"""The master workbook: the seed's tables read back from the file, LibreOffice agreeing, planner edits + recompute."""

from __future__ import annotations

import dataclasses
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.workbook_helpers import (
    as_monthly,
    budget_rows,
    cached_mismatches,
    cached_values,
    formula_cells,
    oei_rows,
    replace_actividades,
    resumen_office_rows,
    same,
)
from zedxl.cli import main
from zedxl.errors import MasterLockedError
from zedxl.libreoffice import recalculate
from zedxl.model import Plan
from zedxl.new import write_master_file
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
    assert sum(1 for sheet, _ in formulas if sheet == L.SHEET_TABLERO) > 30  # the Tablero's figures are checked too
    mismatches = [(sheet, ref, ours[sheet][ref].value, theirs[sheet][ref].value) for sheet, ref in formulas
                  if not same(ours[sheet][ref].value, theirs[sheet][ref].value)]
    assert mismatches == []
    _assert_seed_tables(cached_values(fresh))


@pytest.mark.libreoffice
def test_master_unreported_periods_are_empty_not_zero(tmp_path: Path, example_plan: Plan) -> None:
    """#22 case 4: with only T1 reported (and nothing at all by OAL), the Resumen's executed cells of T2, T3, T4
    and S2 are empty, not 0, for every office and the total; OAL's are empty everywhere; S1 and the year sum what
    was reported; LibreOffice computes the same."""
    only_t1 = replace_actividades(example_plan, lambda ao, k: dataclasses.replace(
        ao, ejecutado=(None if ao.instancia == "OAL" else ao.ejecutado[0], None, None, None)))
    master = tmp_path / "maestro.xlsx"
    write_master_file(only_t1, master)
    fresh = recalculate(master, tmp_path / "lo")
    for values in (cached_values(master), cached_values(fresh)):
        rows = resumen_office_rows(values[L.SHEET_RESUMEN])
        for (office, concept), row in rows.items():
            if concept != "Ejecutado":
                assert all(row[c] not in (None, "") for c in ("T1", "T2", "S2", "Anual")), (office, row)
                continue
            empty = ["T1", "T2", "T3", "T4", "S1", "S2", "Anual"] if office == "OAL" else ["T2", "T3", "T4", "S2"]
            assert [c for c in row if c not in ("Instancia", "Nombre", "Concepto") and row[c] in (None, "")] == \
                empty, (office, row)
        assert rows[("DPD", "Ejecutado")]["S1"] == rows[("DPD", "Ejecutado")]["T1"] == 5.2
        assert rows[("Total", "Ejecutado")]["Anual"] == rows[("Total", "Ejecutado")]["T1"]
    assert cached_mismatches(master, fresh) == []


@pytest.mark.libreoffice
def test_master_monthly_plan_after_two_months_agrees_with_libreoffice(tmp_path: Path, example_plan: Plan) -> None:
    """#22: a monthly plan after January and February were consolidated from every office's workbook (typed as a
    person would): LibreOffice recalculates every formula cell to what zedxl cached, and March on is empty."""
    from tests.test_split import _monthly
    from zedxl.consolidate import consolidate
    from zedxl.demo import fill_office_workbook
    from zedxl.periods import parse_period
    from zedxl.split import split

    master = tmp_path / "mensual.xlsx"
    plan = _monthly(example_plan)
    write_master_file(plan, master)
    for label, extra in (("2025-01", Decimal(1)), ("2025-02", Decimal("0.5"))):
        period = parse_period(label, 2025, "mensual")
        # the budget accumulated at each month's close: every line in January, every other line in February
        budget = {kind: {ln.rubro: Decimal("1000.25") * (k + 1) * (period.start + 1) for k, ln in enumerate(lines)
                         if period.start == 0 or k % 2 == 0}
                  for kind, lines in (("ingresos", plan.presupuesto.ingresos), ("gastos", plan.presupuesto.gastos))}
        for path in split(master, label, tmp_path / label):
            office = path.stem.rsplit("-", 1)[-1]
            mine = [ao for ao in plan.actividades() if ao.instancia == office]
            fill_office_workbook(path, period, {ao.codigo: ao.programado[period.start] + extra for ao in mine},
                                 {ao.codigo: "Según lo coordinado." for ao in mine}, budget)
        assert consolidate(master, tmp_path / label).written
    fresh = recalculate(master, tmp_path / "lo")
    ours = openpyxl.load_workbook(master, data_only=True)
    theirs = openpyxl.load_workbook(fresh, data_only=True)
    formulas = formula_cells(master)
    assert len(formulas) > 400
    assert sum(1 for sheet, _ in formulas if sheet == L.SHEET_TABLERO) > 30  # the Tablero's figures are checked too
    assert [(sh, ref, ours[sh][ref].value, theirs[sh][ref].value) for sh, ref in formulas
            if not same(ours[sh][ref].value, theirs[sh][ref].value)] == []
    rows = resumen_office_rows(cached_values(master)[L.SHEET_RESUMEN])
    assert rows[("DPD", "Ejecutado")]["Ene"] not in (None, "") and rows[("DPD", "Ejecutado")]["Mar"] in (None, "")
    gastos = budget_rows(cached_values(master)[L.SHEET_GASTOS])
    first, second = (gastos[ln.rubro] for ln in plan.presupuesto.gastos[:2])
    # «Ejecución» is each line's latest figure; «Ejecutado en Feb» is February's own, where both months are known
    assert (first["Ejecución"], first[L.en_periodo("Feb")]) == (2000.5, 1000.25)
    assert (second["Ejecución"], second[L.en_periodo("Feb")]) == (2000.5, "")


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


@pytest.mark.parametrize("what", ["codigo", "rubro"])
def test_master_row_repeated_by_the_planner_is_refused(master: Path, what: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """A code or a budget rubro typed twice (a copied row): which of the two holds the figures is for the planner to
    say, so recompute stops naming both places (before, the second AO row was dropped and both budget rows took the
    last figure an office typed)."""
    wb = openpyxl.load_workbook(master)
    if what == "codigo":
        ws = wb["OEI.02"]
        r = ws.max_row + 2
        ws.cell(r, 1).value = "AO.01.01.02"  # a code of OEI.01, copied onto another sheet
        ws.cell(r, 2).value = "Copia"
    else:
        ws = wb["Gastos"]
        r = next(c.row for c in ws["A"] if c.value == "Total")
        ws.insert_rows(r)
        ws.cell(r, 1).value = ws.cell(r - 1, 1).value.upper() + " "
        ws.cell(r, 2).value = 1000
    wb.save(master)
    before = master.read_bytes()
    assert main(["recompute", str(master)]) == 2
    err = capsys.readouterr().err
    if what == "codigo":
        assert "el código AO.01.01.02 está dos veces: en 'OEI.01'!A" in err and f"'OEI.02'!A{r}" in err
    else:
        assert "está dos veces en la hoja Gastos" in err and f"{r - 1} y {r}" in err
    assert "Traceback" not in err and master.read_bytes() == before


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
                          (L.prog("T4"), 0), (L.ejec("T1"), 1), (L.justificacion("T1"), "Texto nuevo")):
        ws.cell(r_new, h[header]).value = value
    # 3. AO.01.03.01 deleted
    ws.delete_rows(_find_row(ws, "AO.01.03.01"))
    wb.save(master)
    before = master.read_bytes()

    # a deleted row is named (zedxl.structure); a programmed value changed once the follow-up began is a
    # reprogramación, with its justification (zedxl.reprogramming)
    result = recompute(master, eliminar=["AO.01.03.01"], justificacion="Meta ajustada por el planificador.")

    assert result.backup is not None and result.backup.read_bytes() == before
    plan = read_master(master).plan
    codes = [ao.codigo for ao in plan.actividades()]
    assert len(codes) == 22
    assert codes[2] == "AO.01.01.03" and "AO.01.03.01" not in codes
    new_ao = plan.actividad("AO.01.01.03")
    assert (new_ao.instancia, new_ao.programado[:2], new_ao.ejecutado[:2], new_ao.justificacion) == (
        "OAL", (Decimal(2), Decimal(1)), (Decimal(1), None), ("Texto nuevo", "", "", ""))
    assert plan.actividad("AO.01.01.01").programado[1] == 4
    assert [(r.cambios, r.justificacion) for r in plan.actividad("AO.01.01.01").reprogramaciones] == [
        (((1, Decimal(0), Decimal(4)),), "Meta ajustada por el planificador.")]
    assert new_ao.reprogramaciones == ()  # a row added in the master is programmed as it stands
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
    plan = as_monthly(example_plan, lambda v: (v, None if v is None else Decimal(0), None if v is None else Decimal(0)))
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


def test_master_figure_beyond_what_excel_holds_is_left_empty_with_an_aviso(master: Path, tmp_path: Path) -> None:
    """A planner's 1e20 in an executed cell of the master is not taken (sums would overflow; issue #21, case 6)."""
    wb = openpyxl.load_workbook(master)
    ws = wb["OEI.01"]
    col = next(c.column for c in ws[L.HEADER_ROW + 1] if c.value == L.ejec("T1"))
    row = next(r[0].row for r in ws.iter_rows(min_row=L.FIRST_DATA_ROW + 1) if r[0].value == "AO.01.01.01")
    ws.cell(row, col).value = 1e20
    wb.save(tmp_path / "m.xlsx")
    read = read_master(tmp_path / "m.xlsx")
    assert [(i.code, i.sheet) for i in read.issues] == [("maestro-valor-fuera-de-rango", "OEI.01")]
    assert read.plan.actividad("AO.01.01.01").ejecutado[0] is None


@pytest.mark.parametrize("command", ["recompute", "consolidate"])
def test_master_renamed_oei_tab_keeps_its_rows(master: Path, example_plan: Plan, tmp_path: Path,
                                               command: str) -> None:
    """A planner renames tab OEI.02 to «Objetivo 2»: its AO are still read (found by their table, not by the tab's
    name), and the rewritten master has them all under OEI.02 again; a sheet of notes is left alone (issue #21,
    case 2: the sheet and its 9 AO were gone)."""
    from zedxl.consolidate import consolidate

    wb = openpyxl.load_workbook(master)
    wb["OEI.02"].title = "Objetivo 2"
    wb.create_sheet("Notas")["A1"] = "apuntes del planificador"
    wb.save(master)
    assert sum(1 for _ in read_master(master).plan.actividades()) == sum(1 for _ in example_plan.actividades())
    if command == "recompute":
        recompute(master)
    else:
        (tmp_path / "retornos").mkdir()
        consolidate(master, tmp_path / "retornos")
        recompute(master)
    plan = read_master(master).plan
    assert [o.codigo for o in plan.objetivos] == [o.codigo for o in example_plan.objetivos]
    assert [ao.codigo for ao in plan.actividades()] == [ao.codigo for ao in example_plan.actividades()]
    assert "OEI.02" in openpyxl.load_workbook(master, read_only=True).sheetnames


def test_master_write_killed_leaves_no_temporary_file_after_the_next_run(master: Path) -> None:
    """A recompute killed while writing leaves ``.maestro.<random>.xlsx.tmp``; the next run on that master removes
    it (it holds the master's lock, so no other write is under way); other files stay (issue #21, case 9)."""
    stale = master.with_name(f".{master.stem}.k2j4h1.xlsx.tmp")
    stale.write_bytes(b"a medio escribir")
    other = master.with_name(".otro.k2j4h1.xlsx.tmp")
    other.write_bytes(b"de otro libro")
    recompute(master)
    assert not stale.exists() and other.exists()


def test_master_before_per_period_texts_is_read_without_losing_any(master: Path, example_plan: Plan) -> None:
    """#22: a master of template 1.1 (one «Justificación» per AO, one «Ejecución» per budget line, typed) is read
    with each text at the last period its AO reported and each budget figure at the plan's last reported period,
    then rewritten per period by recompute with nothing lost."""
    wb = openpyxl.load_workbook(master)
    for ws in wb.worksheets:
        if not ws.title.startswith("OEI."):
            continue
        h = _headers(ws)
        first = h[L.justificacion("T1")]
        for r in range(L.FIRST_DATA_ROW + 1, ws.max_row + 1):
            code = ws.cell(r, h[L.H_CODIGO]).value
            if isinstance(code, str) and code.startswith("AO."):
                ws.cell(r, first).value = example_plan.actividad(code).justificacion[1] or None
        ws.cell(L.HEADER_ROW + 1, first).value = L.H_JUSTIFICACION
        ws.delete_cols(first + 1, 3)
    for name, lines in ((L.SHEET_INGRESOS, example_plan.presupuesto.ingresos),
                        (L.SHEET_GASTOS, example_plan.presupuesto.gastos)):
        ws = wb[name]
        for k, line in enumerate(lines):  # «Ejecución» was the typed figure; no column per period
            ws.cell(L.BUDGET_HEADER_ROW + 2 + k, 5).value = float(line.acumulado[1])  # type: ignore[arg-type]
        ws.delete_cols(len(L.BUDGET_HEADERS) + 1, 8)
    wb.save(master)

    def one_text(ao: Any) -> Any:  # what a 1.1 master could hold: the semester's text, at T2
        return dataclasses.replace(ao, justificacion=("", ao.justificacion[1], "", ""))

    expected = replace_actividades(example_plan, lambda ao, _k: one_text(ao))
    assert read_master(master).plan == expected
    recompute(master)
    assert read_master(master).plan == expected
    assert L.justificacion("T2") in _headers(openpyxl.load_workbook(master)["OEI.01"])


def _mid_year_plans(example_plan: Plan) -> dict[str, Plan]:
    """#22's mid-year masters: the seed (quarterly, reported through T2) with an AO that owes T1 (AO.01.01.01,
    nothing reported) and one with nothing due yet and nothing reported (AO.01.03.01, programmed in T3 and T4); and
    a monthly plan reported through February, with some AO behind what was programmed to date and one that did not
    report at all."""
    quarterly = replace_actividades(example_plan, lambda ao, k: dataclasses.replace(
        ao, ejecutado=(None,) * 4) if ao.codigo in ("AO.01.01.01", "AO.01.03.01") else ao)

    def monthly_ao(ao: object, k: int) -> object:
        prog = tuple(ao.programado[m // 3] for m in range(12))  # type: ignore[attr-defined]
        first = ao.ejecutado[0]  # type: ignore[attr-defined]
        ejec = (None,) * 12 if k == 3 else (first, Decimal(0) if k % 2 else first) + (None,) * 10
        return dataclasses.replace(ao, programado=prog, ejecutado=ejec,  # type: ignore[type-var]
                                   justificacion=("",) * 12)

    budget = as_monthly(example_plan, lambda v: (v,) * 3).presupuesto  # (each figure at its quarter's close)
    monthly = replace_actividades(dataclasses.replace(example_plan, periodicidad="mensual", presupuesto=budget),
                                  monthly_ao)
    return {"trimestral": quarterly, "mensual": monthly}


def _hasta_cells(values: dict[str, list[list[object]]]) -> tuple[object, object]:
    row = next(r for r in values[L.SHEET_PARAMS] if r and r[0] == L.HASTA_LABEL)
    return row[1], row[2]


@pytest.mark.libreoffice
def test_master_mid_year_is_en_curso_and_agrees_with_libreoffice(tmp_path: Path, example_plan: Plan) -> None:
    """#22: reported through T2 (quarterly) or February (monthly), the Parámetros sheet says so (ZX_HASTA), each AO's
    semester and year not yet due are «en curso» (never «por debajo») measured against what was programmed to date,
    the cached values are what the core computes, and LibreOffice recalculates every formula cell to them."""
    from zedxl.evaluation import evaluate
    from zedxl.periods import semesters, whole_year

    for name, plan in _mid_year_plans(example_plan).items():
        master = tmp_path / f"{name}.xlsx"
        write_master_file(plan, master)
        fresh = recalculate(master, tmp_path / f"lo-{name}")
        assert cached_mismatches(master, fresh) == []
        through = "T2 (2 de 4 trimestres)" if name == "trimestral" else "Feb (2 de 12 meses)"
        s1, s2 = semesters(2025, plan.periodicidad)
        points = {"S1": s1, "S2": s2, "Anual": whole_year(2025, plan.periodicidad)}
        evaluations = {pt: {r.codigo: r for r in evaluate(plan, per).aos} for pt, per in points.items()}
        for values in (cached_values(master), cached_values(fresh)):
            assert _hasta_cells(values) == (2, f"Ejecutado reportado hasta {through}")
            rows = {code: row for sheet in ("OEI.01", "OEI.02", "OEI.03")
                    for code, row in oei_rows(values[sheet]).items() if code.startswith("AO.")}
            for pt, by_code in evaluations.items():
                assert {c: r[L.estado(pt)] for c, r in rows.items()} == {c: a.estado for c, a in by_code.items()}
                assert {c: round(float(r[L.avance(pt)]), 6) if r[L.avance(pt)] not in ("", None) else None
                        for c, r in rows.items()} == \
                    {c: None if a.avance is None else round(float(a.avance), 6) for c, a in by_code.items()}
            for pt in points if name == "mensual" else ("S2", "Anual"):  # not due: never «por debajo»
                states = {r[L.estado(pt)] for r in rows.values()}
                assert "en curso" in states and not states & {"por debajo", "en rango"}, (name, pt, states)
        if name == "trimestral":
            states = {c: (r[L.estado("S1")], r[L.estado("Anual")])
                      for c, r in oei_rows(cached_values(master)["OEI.01"]).items()}
            assert states["AO.01.01.01"] == ("sin reporte", "sin reporte")  # T1 was programmed and is owed
            assert states["AO.01.03.01"] == ("sin reporte", "en curso")  # nothing of the year due yet
            anual = oei_rows(cached_values(master)["OEI.03"])["AO.03.01.03"]  # 17 done of 14 for the year
            assert anual[L.estado("Anual")] == "sobreejecución"
            # the seed's year, mid-year: 0.00 «por debajo» no more; progress against T1 + T2
            row = oei_rows(cached_values(master)["OEI.02"])["AO.02.02.02"]  # 10 + 10 programmed in T3 and T4
            assert (row[L.avance("Anual")], row[L.estado("Anual")]) == (100, "en curso")


@pytest.mark.libreoffice
def test_master_hasta_follows_what_a_person_types(tmp_path: Path, example_plan: Plan) -> None:
    """ZX_HASTA is live: typing T3 and T4 executed values of one AO in a mid-year master (openpyxl, formulas kept)
    makes LibreOffice compute every formula cell as zedxl writes the master with those values, the year due."""
    master = tmp_path / "maestro.xlsx"
    write_master_file(example_plan, master)
    wb = openpyxl.load_workbook(master)
    ws = wb["OEI.01"]
    r, head = _find_row(ws, "AO.01.01.02"), _headers(ws)
    ws.cell(r, head[L.ejec("T3")], 2)
    ws.cell(r, head[L.ejec("T4")], 0)
    typed = tmp_path / "tecleado.xlsx"
    wb.save(typed)
    fresh = recalculate(typed, tmp_path / "lo")
    expected = tmp_path / "esperado.xlsx"
    write_master_file(replace_actividades(example_plan, lambda ao, k: dataclasses.replace(
        ao, ejecutado=(*ao.ejecutado[:2], Decimal(2), Decimal(0))) if ao.codigo == "AO.01.01.02" else ao), expected)
    assert cached_mismatches(expected, fresh) == []
    assert _hasta_cells(cached_values(fresh)) == (4, "Ejecutado reportado hasta T4 (4 de 4 trimestres)")
    assert "por debajo" in {r[L.estado("Anual")] for r in oei_rows(cached_values(fresh)["OEI.02"]).values()}


def test_master_semaforo_leaves_en_curso_uncoloured(master: Path) -> None:
    """The traffic-light rules of every AO progress column skip a row whose Estado is «en curso», and the
    Resumen's averages of a point not due yet (ZX_HASTA before its end)."""
    wb = openpyxl.load_workbook(master)
    cols = L.OEIColumns.for_periodicity("trimestral")
    letters = {openpyxl.utils.get_column_letter(cols[L.avance(p)] + 1): openpyxl.utils.get_column_letter(
        cols[L.estado(p)] + 1) for p in ("S1", "S2", "Anual")}
    seen = set()
    for cf in wb["OEI.01"].conditional_formatting:
        first = str(cf.sqref).split(":")[0]
        estado = letters[first.rstrip("0123456789")]
        for rule in cf.rules:
            assert f'NOT({estado}{L.FIRST_DATA_ROW + 1}="en curso")' in rule.formula[0], rule.formula
        seen.add(first)
    assert len(seen) == 3
    resumen = [rule.formula[0] for cf in wb[L.SHEET_RESUMEN].conditional_formatting for rule in cf.rules]
    assert len(resumen) == 9
    assert sorted({f[f.index("NOT("):] for f in resumen}) == ["NOT(ZX_HASTA<2))", "NOT(ZX_HASTA<4))"]


def test_master_with_shared_formulas_as_excel_saves_them_is_read_as_written(master: Path, tmp_path: Path) -> None:
    """Excel saves a filled-down column as shared formulas (one text, the others pointing at it): the reader expands
    them, so the cells still count as formulas (no «valor escrito sobre una fórmula» aviso) and nothing changes."""
    import re
    import zipfile

    part = "xl/worksheets/sheet3.xml"  # OEI.01 (after Tablero and Resumen): AO rows 8 and 9, «Prog. Anual» in J
    with zipfile.ZipFile(master) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    xml = parts[part].decode()
    assert re.search('<c r="J8" s="[0-9]+"><f>SUM[(]F8:I8[)]</f>', xml)
    assert re.search('<c r="J9" s="[0-9]+"><f>SUM[(]F9:I9[)]</f>', xml)
    xml = xml.replace('<f>SUM(F8:I8)</f>', '<f t="shared" ref="J8:J9" si="0">SUM(F8:I8)</f>')
    xml = re.sub(r"<f>SUM\(F9:I9\)</f>", '<f t="shared" si="0"/>', xml)
    parts[part] = xml.encode()
    shared = tmp_path / "compartidas.xlsx"
    with zipfile.ZipFile(shared, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    read = read_master(shared)
    assert read.issues == [] and read.plan == read_master(master).plan


@pytest.mark.libreoffice
def test_master_of_an_entity_without_own_income_agrees_with_libreoffice(tmp_path: Path, example_plan: Plan) -> None:
    """Many entities have no income lines of their own (#23): the empty Ingresos sheet's Total row summed over no
    line ended on itself (a circular reference, #VALUE! in LibreOffice) where zedxl cached 0."""
    plan = dataclasses.replace(example_plan, presupuesto=dataclasses.replace(example_plan.presupuesto, ingresos=()))
    master = tmp_path / "sin-ingresos.xlsx"
    write_master_file(plan, master)
    fresh = recalculate(master, tmp_path / "lo")
    assert cached_mismatches(master, fresh) == []
    assert read_master(master).plan == plan
