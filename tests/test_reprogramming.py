"""#23 reprogramación: the plan keeps the original programming and every change (date, periods, old and new values,
justification, document); the master shows both, percentages use the current one, the ledger records each version,
and a change without its justification is refused naming the cell."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
import yaml

from tests.conftest import EXAMPLE
from tests.workbook_helpers import cached_mismatches, cached_values, oei_rows
from zedxl.cli import main
from zedxl.errors import PlanError, ReprogramacionError
from zedxl.evaluation import evaluate
from zedxl.ledger import ledger_path
from zedxl.model import Plan, Reprogramacion
from zedxl.new import write_master_file
from zedxl.periods import parse_period
from zedxl.plan import plan_from_dict
from zedxl.recompute import recompute
from zedxl.reprogramar import reprogramar
from zedxl.xlsx import layout as L
from zedxl.xlsx.master_read import read_master

TODAY = dt.date(2025, 9, 15)
AO = "AO.01.01.01"


def _raw() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return copy.deepcopy(data)


def _reprogrammed_raw() -> dict[str, Any]:
    """The example with AO.01.01.01 reprogrammed twice: T3 and T4 in July, T4 again in September."""
    data = _raw()
    ao = data["objetivos"][0]["acciones"][0]["actividades"][0]
    ao["reprogramaciones"] = [
        {"fecha": "10/07/2025", "programado": {"T3": 5, "T4": 3}, "justificacion": "Se priorizó la feria regional.",
         "documento": "Memorando N° 045-2025"},
        {"fecha": dt.date(2025, 9, 1), "programado": {"T4": 4}, "justificacion": "Nueva meta del convenio."},
    ]
    return data


def _ledger(master: Path) -> list[tuple[str, str, str | None, str | None]]:
    with sqlite3.connect(ledger_path(master)) as db:
        return db.execute("SELECT codigo, campo, antes, despues FROM cambios ORDER BY id").fetchall()


def test_reprogramming_in_the_plan_keeps_original_and_every_change() -> None:
    plan = plan_from_dict(_reprogrammed_raw())
    ao = plan.actividad(AO)
    original = plan_from_dict(_raw()).actividad(AO).programado
    assert ao.programado_original == original
    assert ao.programado == (*original[:2], Decimal(5), Decimal(4))
    assert ao.reprogramaciones == (
        Reprogramacion(dt.date(2025, 7, 10), ((2, original[2], Decimal(5)), (3, original[3], Decimal(3))),
                       "Se priorizó la feria regional.", "Memorando N° 045-2025"),
        Reprogramacion(dt.date(2025, 9, 1), ((3, Decimal(3), Decimal(4)),), "Nueva meta del convenio."))


def test_reprogramming_without_justification_or_date_is_refused_in_the_plan() -> None:
    data = _reprogrammed_raw()
    reps = data["objetivos"][0]["acciones"][0]["actividades"][0]["reprogramaciones"]
    del reps[0]["justificacion"]
    reps[1]["fecha"] = "31/02/2025"
    with pytest.raises(PlanError) as exc:
        plan_from_dict(data)
    paths = [path for path, _ in exc.value.problems]
    assert paths == [f"objetivos[0] (OEI.01).acciones[0] (AEI.01.01).actividades[0] ({AO}).reprogramaciones[0]"
                     ".justificacion",
                     f"objetivos[0] (OEI.01).acciones[0] (AEI.01.01).actividades[0] ({AO}).reprogramaciones[1].fecha"]


def test_reprogramming_master_shows_original_and_current_and_measures_against_current(tmp_path: Path) -> None:
    plan = plan_from_dict(_reprogrammed_raw())
    master = tmp_path / "maestro.xlsx"
    write_master_file(plan, master)
    assert read_master(master).plan == plan
    rows = oei_rows(cached_values(master)["OEI.01"])
    ao = plan.actividad(AO)
    assert [rows[AO][L.prog(x)] for x in ("T3", "T4")] == [5, 4]
    assert [rows[AO][L.original(x)] for x in ("T3", "T4")] == [float(v) for v in ao.programado_original[2:]]
    # the original programming is a folded column group: hidden until the planner opens it
    ws = openpyxl.load_workbook(master)["OEI.01"]
    letter = openpyxl.utils.get_column_letter(L.OEIColumns.for_periodicity("trimestral")[L.original("T1")] + 1)
    assert ws.column_dimensions[letter].hidden and ws.column_dimensions[letter].outline_level == 1
    history = cached_values(master)[L.SHEET_REPROGRAMACIONES][L.REPROG_HEADER_ROW:]
    assert [r[1:5] for r in history[1:]] == [[AO, "T3", float(ao.programado_original[2]), 5],
                                             [AO, "T4", float(ao.programado_original[3]), 3], [AO, "T4", 3, 4]]
    # the year's progress is against what is programmed now
    year = evaluate(plan, parse_period("2025", 2025, "trimestral"))
    row = next(r for r in year.aos if r.codigo == AO)
    assert row.programado == sum(ao.programado, Decimal(0))


def _edit_programmed(master: Path, code: str, label: str, value: float) -> str:
    """Type a new programmed value into the master's OEI sheet with openpyxl; returns the cell's A1."""
    wb = openpyxl.load_workbook(master)
    for ws in wb.worksheets:
        header = [c.value for c in ws[L.HEADER_ROW + 1]]
        if L.H_CODIGO not in header:
            continue
        for row in ws.iter_rows(min_row=L.FIRST_DATA_ROW + 1):
            if row[0].value == code:
                cell = ws.cell(row[0].row, header.index(L.prog(label)) + 1)
                cell.value = value
                wb.save(master)
                return f"{ws.title}!{cell.coordinate}"
    raise AssertionError(code)


def _add_row(master: Path, values: list[Any]) -> str:
    wb = openpyxl.load_workbook(master)
    ws = wb[L.SHEET_REPROGRAMACIONES]
    r = ws.max_row + 1
    for c, v in enumerate(values, start=1):
        ws.cell(r, c).value = v
    wb.save(master)
    return str(r)


def test_reprogramming_edit_in_the_master_without_justification_is_refused_naming_the_cell(
        tmp_path: Path, example_plan: Plan, capsys: pytest.CaptureFixture[str]) -> None:
    master = tmp_path / "maestro.xlsx"
    write_master_file(example_plan, master)
    cell = _edit_programmed(master, AO, "T3", 7)
    digest = hashlib.sha256(master.read_bytes()).hexdigest()
    assert main(["recompute", str(master)]) == 2
    err = capsys.readouterr().err
    old = example_plan.actividad(AO).programado[2]
    assert f"{cell}: {AO}, T3: de {old.normalize():f} a 7" in err
    assert "--justificacion" in err and "No se escribió nada" in err and "Traceback" not in err
    assert hashlib.sha256(master.read_bytes()).hexdigest() == digest
    # a read-only command still reads it (with the current value)
    assert read_master(master).plan.actividad(AO).programado[2] == 7


def test_reprogramming_edit_in_the_master_with_justification_is_recorded_with_its_ledger_rows(
        tmp_path: Path, example_plan: Plan) -> None:
    master = tmp_path / "maestro.xlsx"
    write_master_file(example_plan, master)
    _edit_programmed(master, AO, "T3", 7)
    _edit_programmed(master, "AO.02.01.01", "T4", 0)
    result = recompute(master, justificacion="Ajuste por recorte presupuestal.", documento="Informe N° 12",
                       today=TODAY)
    ao = result.plan.actividad(AO)
    old = example_plan.actividad(AO).programado[2]
    assert ao.reprogramaciones == (Reprogramacion(TODAY, ((2, old, Decimal(7)),), "Ajuste por recorte presupuestal.",
                                                  "Informe N° 12"),)
    assert read_master(master).plan == result.plan
    assert (AO, "Reprogramación", None, "15/09/2025; documento: Informe N° 12; justificación: Ajuste por recorte "
                                        "presupuestal.") in _ledger(master)
    assert (AO, "Prog. T3", str(old), "7") in _ledger(master)
    assert any(row[0] == "AO.02.01.01" and row[1] == "Prog. T4" for row in _ledger(master))


def test_reprogramming_a_row_the_planner_adds_justifies_the_edit_and_is_dated_today(
        tmp_path: Path, example_plan: Plan) -> None:
    master = tmp_path / "maestro.xlsx"
    write_master_file(example_plan, master)
    _edit_programmed(master, AO, "T4", 9)
    _add_row(master, [None, AO, "T4", None, None, "Meta ampliada por el convenio con la región.", "Oficio 3"])
    recompute(master, today=TODAY)
    ao = read_master(master).plan.actividad(AO)
    assert ao.programado[3] == 9 and ao.programado_original == example_plan.actividad(AO).programado
    assert ao.reprogramaciones[-1].fecha == TODAY and ao.reprogramaciones[-1].documento == "Oficio 3"
    assert sum(1 for row in _ledger(master) if row[1] == "Reprogramación") == 1
    recompute(master, today=TODAY)  # recorded once: a second run adds no ledger row
    assert sum(1 for row in _ledger(master) if row[1] == "Reprogramación") == 1


def test_reprogramming_a_row_without_justification_is_refused_naming_its_cell(
        tmp_path: Path, example_plan: Plan) -> None:
    master = tmp_path / "maestro.xlsx"
    write_master_file(example_plan, master)
    _edit_programmed(master, AO, "T4", 9)
    r = _add_row(master, [None, AO, "T4", None, 9, None, None])
    with pytest.raises(ReprogramacionError) as exc:
        recompute(master, today=TODAY)
    assert f"Reprogramaciones!F{r}: la reprogramación de {AO} en T4 no tiene justificación" in str(exc.value)


def _changes_book(path: Path, rows: list[list[Any]]) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Cambios")
    ws.write_row(0, 0, ["Código AO", "Periodo", "Nuevo valor", "Justificación", "Documento", "Fecha"])
    for r, row in enumerate(rows, start=1):
        ws.write_row(r, 0, row)
    wb.close()
    return path


def test_reprogramar_applies_a_changes_workbook_and_refuses_a_bad_row_naming_it(
        tmp_path: Path, example_plan: Plan, capsys: pytest.CaptureFixture[str]) -> None:
    master = tmp_path / "maestro.xlsx"
    write_master_file(example_plan, master)
    bad = _changes_book(tmp_path / "malo.xlsx", [[AO, "T3", 6, "Motivo", "", ""], ["AO.09.09.09", "T9", -1, "", "",
                                                                                  "ayer"]])
    assert main(["reprogramar", str(master), str(bad)]) == 2
    err = capsys.readouterr().err
    for text in ("Cambios!A3: la AO «AO.09.09.09» no está en el plan", "Cambios!B3: periodo «T9» desconocido",
                 "Cambios!C3: «-1» no es un valor programado", "Cambios!D3: falta la justificación",
                 "Cambios!F3: fecha «ayer» no válida", "no se reprogramó nada"):
        assert text in err, text
    assert read_master(master).plan == example_plan

    good = _changes_book(tmp_path / "cambios.xlsx", [[AO, "T3", 6, "Se adelantó la feria.", "Memo 7", "01/08/2025"],
                                                     [AO, "T4", 2, "Se adelantó la feria.", "Memo 7", "01/08/2025"]])
    result = reprogramar(master, good, today=TODAY)
    ao = read_master(master).plan.actividad(AO)
    assert ao.programado[2:] == (6, 2) and len(ao.reprogramaciones) == 1
    assert ao.reprogramaciones[0].fecha == dt.date(2025, 8, 1)
    assert [c.campo for c in result.changes] == ["Reprogramación", "Prog. T3", "Prog. T4"]
    assert [row[1] for row in _ledger(master)] == ["Reprogramación", "Prog. T3", "Prog. T4"]


@pytest.mark.libreoffice
def test_reprogramming_master_agrees_with_libreoffice(tmp_path: Path) -> None:
    from zedxl.libreoffice import recalculate

    plan = plan_from_dict(_reprogrammed_raw())
    master = tmp_path / "maestro.xlsx"
    write_master_file(plan, master)
    fresh = recalculate(master, tmp_path / "lo")
    assert cached_mismatches(master, fresh) == []
    assert read_master(fresh).plan == plan


def test_reprogramming_report_lists_every_change_flags_late_ones_and_anexo_shows_both(tmp_path: Path) -> None:
    import docx

    from zedxl.report import report_plan

    data = _reprogrammed_raw()
    ao_raw = data["objetivos"][0]["acciones"][0]["actividades"][0]
    ao_raw["reprogramaciones"].append({"fecha": "15/07/2025", "programado": {"T2": 4},
                                       "justificacion": "Corrección de la meta del trimestre."})
    plan = plan_from_dict(data)
    out = report_plan(plan, "2025-S1", tmp_path / "informe.docx", fecha=TODAY)[0]
    doc = docx.Document(str(out))
    texts = [p.text for p in doc.paragraphs]
    assert "2.3. Modificaciones del POI" in texts
    assert ("En el año se reprogramaron las metas físicas de 1 Actividad Operativa (4 periodos), cada una con su "
            "justificación. 1 cambio corresponde a un periodo ya vencido (marcado con *).") in texts
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Fecha")
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    ao = plan.actividad(AO)
    assert [r[0] for r in rows] == ["10/07/2025", "10/07/2025", "15/07/2025", "01/09/2025"]
    assert rows[2][3:6] == ["II Trimestre 2025 *", f"{ao.programado_original[1].normalize():f}", "4"]
    assert rows[0][6] == "Se priorizó la feria regional. (Memorando N° 045-2025)"
    # Anexo 01: the reprogrammed AO's cells hold the original programming above the current one
    annex = [row for t in doc.tables for row in t.rows if row.cells[0].text == AO]
    cells = [c.text for c in annex[-1].cells]
    assert cells[4] == "Progr. orig.\nProgr.\nEjecut."
    total = cells[-2].split("\n")  # the year's total, before «% avance»
    assert total[:2] == [f"{sum(ao.programado_original).normalize():f}", f"{sum(ao.programado).normalize():f}"]
    # an AO never reprogrammed keeps two lines
    other = [row for t in doc.tables for row in t.rows if row.cells[0].text == "AO.01.01.02"][-1]
    assert other.cells[4].text == "Progr.\nEjecut."


def test_reprogramming_before_the_follow_up_starts_a_changed_cell_corrects_the_plan(
        tmp_path: Path, example_plan: Plan) -> None:
    """With nothing executed anywhere yet, the planner is still writing the plan: no reprogramación is asked for."""
    plan = example_plan.without_ejecutado()
    master = tmp_path / "maestro.xlsx"
    write_master_file(plan, master)
    _edit_programmed(master, AO, "T3", 7)
    recompute(master, today=TODAY)
    ao = read_master(master).plan.actividad(AO)
    assert ao.programado[2] == 7 and ao.programado_original[2] == 7 and ao.reprogramaciones == ()


def test_reprogramming_reporte_xlsx_anexo_01_has_the_original_line(tmp_path: Path) -> None:
    from zedxl.report import report_plan

    plan = plan_from_dict(_reprogrammed_raw())
    out = report_plan(plan, "2025", tmp_path / "reporte.xlsx", formato="xlsx", fecha=TODAY)[0]
    ws = openpyxl.load_workbook(out).worksheets[0]
    assert "Período PEI: 2024-2026" in str(ws["A2"].value)  # (the example's Narrativa gives it)
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    start = next(r for r, row in enumerate(rows) if row[0] == AO)
    assert [rows[start + k][4] for k in range(3)] == ["Progr. orig.", "Progr.", "Ejecut."]
    ao = plan.actividad(AO)
    # (the last column is the % avance, the one before it the year)
    assert rows[start][-2] == float(sum(ao.programado_original)) and rows[start + 1][-2] == float(sum(ao.programado))
    other = next(r for r, row in enumerate(rows) if row[0] == "AO.01.01.02")
    assert [rows[other + k][4] for k in range(2)] == ["Progr.", "Ejecut."]
