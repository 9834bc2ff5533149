"""The master's structure is checked before it is rewritten (issue #21, case 2): a deleted OEI tab, AO row or budget
line, or an AO moved above its AEI, stops ``recompute``, ``consolidate`` and the Panel's buttons unless named with
``--eliminar``; the planner's own sheets keep their values."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from zedxl.cli import main
from zedxl.consolidate import consolidate
from zedxl.demo import fill_office_workbook, office_figures
from zedxl.ledger import ledger_path
from zedxl.model import LineaPresupuesto, Plan, Presupuesto
from zedxl.new import write_master_file
from zedxl.periods import parse_period
from zedxl.split import split
from zedxl.xlsx import layout as L
from zedxl.xlsx.master_read import read_master

Damage = Callable[[openpyxl.Workbook], None]


def _row(ws: Any, code: str) -> int:
    return next(int(r[0].row) for r in ws.iter_rows(min_col=1, max_col=1) if r[0].value == code)


def delete_oei_tab(wb: openpyxl.Workbook) -> None:
    del wb["OEI.02"]


def delete_ao_row(wb: openpyxl.Workbook) -> None:
    ws = wb["OEI.03"]
    ws.delete_rows(_row(ws, "AO.03.01.02"))


def delete_budget_line(wb: openpyxl.Workbook) -> None:
    ws = wb[L.SHEET_GASTOS]
    ws.delete_rows(_row(ws, "Otros Gastos"))


def move_ao_above_its_aei(wb: openpyxl.Workbook) -> None:
    """AO.01.01.02 cut and inserted above AEI.01.01, the sheet's first AEI: it is under no AEI."""
    ws = wb["OEI.01"]
    source = _row(ws, "AO.01.01.02")
    values = [c.value for c in ws[source]]
    ws.delete_rows(source)
    target = _row(ws, "AEI.01.01")
    ws.insert_rows(target)
    for c, value in enumerate(values, start=1):
        ws.cell(target, c).value = value


DAMAGES: dict[str, tuple[Damage, list[str]]] = {  # what the refusal must name
    "pestaña OEI borrada": (delete_oei_tab, ["OEI.02", "con sus 4 AEI y 9 AO", "hoja «OEI.02»",
                                             "--eliminar OEI.02"]),
    "fila AO borrada": (delete_ao_row, ["AO.03.01.02", "hoja «OEI.03»", "--eliminar AO.03.01.02"]),
    "rubro borrado": (delete_budget_line, ["el rubro «Otros Gastos»", "hoja «Gastos»",
                                           '--eliminar "Gastos:Otros Gastos"']),
    "AO encima de su AEI": (move_ao_above_its_aei, ["OEI.01!A7: AO.01.01.02 no está debajo de ninguna AEI",
                                                    "--eliminar AO.01.01.02"]),
}


def damage(master: Path, *damages: Damage) -> bytes:
    """The master edited as a planner would in Excel (openpyxl), saved; returns its new bytes."""
    wb = openpyxl.load_workbook(master, keep_vba=master.suffix == ".xlsm")
    for d in damages:
        d(wb)
    wb.save(master)
    return master.read_bytes()


def recorded(items: Any) -> list[tuple[str, ...]]:
    """A structure without the names (the record keeps only their start)."""
    return [(it.level, it.code, it.parent, it.sheet, it.instancia) for it in items or ()]


def written_structure(plan: Plan) -> list[tuple[str, ...]]:
    """The structure the writer records for ``plan`` (imported here: each test must fail alone on a zedxl
    without the check, not all at collection)."""
    from zedxl.structure import structure_of

    return recorded(structure_of(plan, L.sheet_of(plan)))


@pytest.fixture(scope="module")
def with_returns(tmp_path_factory: pytest.TempPathFactory, example_plan: Plan) -> Path:
    """A master without executed values, its ledger (one consolidation, with nothing), and the four offices' T1
    returns filled with the example's figures: consolidating them rewrites the master."""
    folder = tmp_path_factory.mktemp("con-retornos")
    master = folder / "maestro.xlsx"
    empty = example_plan.without_ejecutado()
    write_master_file(empty, master)
    (folder / "vacia").mkdir()
    consolidate(master, folder / "vacia")
    period = parse_period("2025-T1", 2025, "trimestral")
    for path in split(master, "2025-T1", folder / "retornos"):
        values, texts = office_figures(example_plan, period, path.stem.rsplit("-", 1)[-1])
        fill_office_workbook(path, period, values, texts)
    return folder


@pytest.fixture
def setup(with_returns: Path, tmp_path: Path) -> Path:
    """A copy of ``with_returns`` for one test; returns the master."""
    for name in ("maestro.xlsx", "maestro.clave", "maestro.auditoria.sqlite", "retornos"):
        src = with_returns / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, tmp_path / name)
    return tmp_path / "maestro.xlsx"


def _run(command: str, master: Path, *options: str) -> int:
    args = ["recompute", str(master)] if command == "recompute" else \
        ["consolidate", str(master), str(master.parent / "retornos")]
    return main([*args, *options])


@pytest.mark.parametrize("command", ["recompute", "consolidate"])
@pytest.mark.parametrize("what", list(DAMAGES))
def test_structure_lost_rows_are_refused_and_nothing_is_written(setup: Path, command: str, what: str,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 2 with a Spanish message naming what is missing, where, and how to restore or remove it; the master,
    its backups and the ledger are as they were."""
    master = setup
    before = damage(master, DAMAGES[what][0])
    ledger = ledger_path(master).read_bytes()
    capsys.readouterr()
    assert _run(command, master) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: No se reescribió el maestro maestro.xlsx: se perderían filas"), err
    for expected in DAMAGES[what][1]:
        assert expected in err, (expected, err)
    assert "Traceback" not in err
    assert master.read_bytes() == before
    assert not (master.parent / "respaldos").exists()
    assert ledger_path(master).read_bytes() == ledger
    assert not (master.parent / "observaciones").exists()


def _ledger_removed(master: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(ledger_path(master)) as db:
        return db.execute("SELECT codigo, instancia FROM cambios WHERE campo = 'eliminado' ORDER BY id").fetchall()


@pytest.mark.parametrize("command", ["recompute", "consolidate"])
def test_structure_eliminar_accepts_the_named_removals_and_records_them(setup: Path, command: str,
                                                                       example_plan: Plan,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """The deleted tab, AO row and budget line, the AO moved above its AEI, and an AO still in the master: each
    named once (an OEI takes its AEI and AO with it), the master is written without them and the ledger says so."""
    master = setup
    damage(master, *(d for d, _ in DAMAGES.values()))
    code = _run(command, master, "--eliminar", "OEI.02", "--eliminar", "ao 3.1.2", "--eliminar",
                "gastos:otros gastos", "--eliminar", "AO.01.01.02", "--eliminar", "AO.03.03.02")
    out = capsys.readouterr().out
    assert code == 0 if command == "recompute" else code in (0, 1)
    assert "Eliminado del maestro:" in out
    plan = read_master(master).plan
    codes = [ao.codigo for ao in plan.actividades()]
    assert [o.codigo for o in plan.objetivos] == ["OEI.01", "OEI.03"]
    assert not {"AO.03.01.02", "AO.01.01.02", "AO.03.03.02"} & set(codes) and len(codes) == 22 - 9 - 3
    assert "Otros Gastos" not in [x.rubro for x in plan.presupuesto.gastos]
    removed = _ledger_removed(master)
    assert {c for c, _ in removed} == {"OEI.02", "AEI.02.01", "AEI.02.02", "AEI.02.03", "AEI.02.04",
                                       *(f"AO.02.0{a}.0{b}" for a, b in ((1, 1), (1, 2), (2, 1), (2, 2), (2, 3),
                                                                         (3, 1), (3, 2), (4, 1), (4, 2))),
                                       "AO.03.01.02", "AO.01.01.02", "AO.03.03.02", "Otros Gastos"}
    assert dict(removed)["AO.03.03.02"] == example_plan.actividad("AO.03.03.02").instancia
    # the record follows the master: the next run has nothing missing
    assert _run("recompute", master) == 0
    assert recorded(read_master(master).structure) == written_structure(plan)


def test_structure_eliminar_of_something_the_master_never_had_is_refused(setup: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    before = setup.read_bytes()
    assert main(["recompute", str(setup), "--eliminar", "AO.09.09.09"]) == 2
    assert "--eliminar nombra algo que el maestro no tiene (revise el código): «AO.09.09.09»" in capsys.readouterr().err
    assert setup.read_bytes() == before


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm"])
def test_structure_planner_sheet_keeps_its_values(tmp_path: Path, example_plan: Plan, suffix: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """A «Notas» sheet (and a hidden one) come back with the same values in the same cells, with an aviso; the
    master's own sheets are as before."""
    master = tmp_path / f"maestro{suffix}"
    write_master_file(example_plan, master)
    wb = openpyxl.load_workbook(master, keep_vba=suffix == ".xlsm")
    notas = wb.create_sheet("Notas", 2)
    notas["A1"] = "Pendientes de la reunión"
    notas["C4"] = 12.5
    notas["D7"] = "=no es fórmula"
    notas["D7"].data_type = "s"
    notas["B9"] = dt.datetime(2025, 3, 14)
    notas["B9"].number_format = "dd/mm/yyyy"
    wb[L.SHEET_RESUMEN].title = "Resumen anterior"  # (Excel, as openpyxl, allows no two names equal but for case)
    oculta = wb.create_sheet("resumen")  # Excel would take it for zedxl's «Resumen»: it comes back under another name
    oculta["A1"] = "copia"
    oculta.sheet_state = "hidden"
    wb.save(master)
    capsys.readouterr()
    assert main(["recompute", str(master)]) == 0
    err = capsys.readouterr().err
    assert "Se conservaron solo los valores de la hoja «Notas» (sin formato ni fórmulas)." in err
    assert "hoja «resumen» (sin formato ni fórmulas); ahora se llama «resumen (2)»" in err
    wb = openpyxl.load_workbook(master)
    got = {ref: wb["Notas"][ref].value for ref in ("A1", "C4", "D7", "B9")}
    assert got == {"A1": "Pendientes de la reunión", "C4": 12.5, "D7": "=no es fórmula",
                   "B9": dt.datetime(2025, 3, 14)}
    assert wb["Notas"]["D7"].data_type == "s"
    assert wb["resumen (2)"]["A1"].value == "copia" and wb["resumen (2)"].sheet_state == "hidden"
    assert wb["Resumen anterior"]["A1"].value == wb[L.SHEET_RESUMEN]["A1"].value  # values of a sheet not zedxl's
    assert wb.sheetnames[-1] == L.SHEET_ESTRUCTURA and wb[L.SHEET_ESTRUCTURA].sheet_state == "veryHidden"
    assert read_master(master).plan == example_plan
    assert (wb.sheetnames[0] == "Panel") == (suffix == ".xlsm")


def test_structure_renamed_tab_keeps_its_rows_and_its_record(master: Path, example_plan: Plan,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A tab renamed «Objetivo 2» is found by its table: nothing is missing, the rows are written back under OEI.02
    and the record still lists every item where it is written."""
    wb = openpyxl.load_workbook(master)
    wb["OEI.02"].title = "Objetivo 2"
    wb.save(master)
    assert main(["recompute", str(master)]) == 0
    assert "Error" not in capsys.readouterr().err
    read = read_master(master)
    assert read.plan == example_plan
    assert recorded(read.structure) == written_structure(example_plan)
    assert openpyxl.load_workbook(master).sheetnames[:4] == ["Resumen", "OEI.01", "OEI.02", "OEI.03"]


def test_structure_master_without_a_record_is_accepted_and_gets_one(master: Path, example_plan: Plan) -> None:
    """A master of an older zedxl (no record) is read as before, deleted rows and all, and gets the record."""
    wb = openpyxl.load_workbook(master)
    del wb[L.SHEET_ESTRUCTURA]
    delete_ao_row(wb)
    wb.save(master)
    assert read_master(master).structure is None
    assert main(["recompute", str(master)]) == 0
    read = read_master(master)
    assert "AO.03.01.02" not in [ao.codigo for ao in read.plan.actividades()]
    assert recorded(read.structure) == written_structure(read.plan)


def test_structure_oei_row_deleted_leaves_its_rows_out_of_place(master: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Without its OEI row a sheet's AEI and AO would be dropped: every one is named, with its cell."""
    wb = openpyxl.load_workbook(master)
    ws = wb["OEI.03"]
    ws.delete_rows(_row(ws, "OEI.03"))
    wb.save(master)
    before = master.read_bytes()
    assert main(["recompute", str(master)]) == 2
    err = capsys.readouterr().err
    assert "OEI.03 «" in err and "(estaba en la hoja «OEI.03»)" in err
    assert "OEI.03!A6: AEI.03.01 está en una hoja sin la fila de su OEI" in err
    assert master.read_bytes() == before


def test_structure_chart_sheet_is_refused(master: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A chart sheet cannot be written back as values: the run stops instead of dropping it."""
    from openpyxl.chart import BarChart, Reference

    wb = openpyxl.load_workbook(master)
    chart = BarChart()
    chart.add_data(Reference(wb[L.SHEET_GASTOS], min_col=2, min_row=5, max_row=8))
    wb.create_chartsheet("Gráfico").add_chart(chart)
    wb.save(master)
    before = master.read_bytes()
    assert main(["recompute", str(master)]) == 2
    assert "hojas de gráfico que zedxl no puede conservar al reescribirlo: «Gráfico»" in capsys.readouterr().err
    assert master.read_bytes() == before


@pytest.mark.libreoffice
def test_structure_record_survives_a_libreoffice_save(master: Path, example_plan: Plan, tmp_path: Path) -> None:
    from zedxl.libreoffice import recalculate

    saved = recalculate(master, tmp_path / "lo")
    assert recorded(read_master(saved).structure) == written_structure(example_plan)
    assert openpyxl.load_workbook(saved, read_only=True)[L.SHEET_ESTRUCTURA].sheet_state != "visible"


# -- the pure check --------------------------------------------------------------------------------------------------
def _plan_with_budget(plan: Plan) -> Plan:
    from dataclasses import replace

    return replace(plan, presupuesto=Presupuesto((LineaPresupuesto("Donaciones y Transferencias", None, None, None),),
                                                 (LineaPresupuesto("Donaciones y Transferencias", Decimal(1), None,
                                                                   None),)))


def test_check_structure_names_what_is_gone_and_takes_out_what_is_named(example_plan: Plan) -> None:
    from dataclasses import replace

    from zedxl.structure import Item, Stray, check_structure, structure_of

    plan = _plan_with_budget(example_plan)
    previous = structure_of(plan, L.sheet_of(plan))
    assert check_structure(previous, plan).refused is False
    assert check_structure(None, plan).plan is plan  # nothing to compare: accepted as read

    # OEI.02 gone: one missing item per row, none taken out
    without = replace(plan, objetivos=(plan.objetivos[0], plan.objetivos[2]))
    check = check_structure(previous, without)
    assert [it.code for it in check.missing][:3] == ["OEI.02", "AEI.02.01", "AO.02.01.01"] and len(check.missing) == 14
    # named: its AEI and AO go with it, by the record
    check = check_structure(previous, without, ["oei 2"])
    assert not check.refused and len(check.removed) == 14 and check.plan == without
    # a rubro of both budget sheets: bare, both go; qualified, only that one
    check = check_structure(previous, plan, ["donaciones y  transferencias"])
    assert [(it.level, it.code) for it in check.removed] == [("Ingresos", "Donaciones y Transferencias"),
                                                             ("Gastos", "Donaciones y Transferencias")]
    check = check_structure(previous, plan, ["Gastos:Donaciones y Transferencias"])
    assert check.plan.presupuesto.ingresos == plan.presupuesto.ingresos and check.plan.presupuesto.gastos == ()
    # an AEI still in the plan: taken out with its AO; an AO it had that the planner moved elsewhere stays
    moved = replace(plan.objetivos[0].acciones[0], actividades=(
        *plan.objetivos[0].acciones[0].actividades, plan.objetivos[0].acciones[1].actividades[0]))
    aei2 = replace(plan.objetivos[0].acciones[1], actividades=plan.objetivos[0].acciones[1].actividades[1:])
    edited = replace(plan, objetivos=(replace(plan.objetivos[0], acciones=(moved, aei2,
                                                                           *plan.objetivos[0].acciones[2:])),
                                      *plan.objetivos[1:]))
    check = check_structure(previous, edited, ["AEI.01.02"])
    assert [it.code for it in check.removed] == ["AEI.01.02", "AO.01.02.02"]
    assert "AO.01.02.01" in [ao.codigo for ao in check.plan.actividades()]
    # strays: refused unless named; a name that matches nothing is refused
    stray = Stray(Item("AO", "AO.07.01.01", "", "OEI.01"), "A7", "no está debajo de ninguna AEI")
    assert check_structure(previous, plan, (), [stray]).strays == (stray,)
    assert check_structure(previous, plan, ["AO 7.1.1"], [stray]).removed == (stray.item,)
    assert check_structure(previous, plan, ["AO.07.01.02"]).unknown == ("AO.07.01.02",)
