"""The plan as a workbook: template, plan written out and read back, faults named by sheet and cell, the CLI."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from openpyxl.worksheet.worksheet import Worksheet

from tests.conftest import EXAMPLE
from zedxl.cli import main
from zedxl.errors import PlanError
from zedxl.libreoffice import convert
from zedxl.model import (
    Accion,
    Actividad,
    Indicador,
    LineaPresupuesto,
    Objetivo,
    Plan,
    Presupuesto,
    Reglas,
    Reprogramacion,
)
from zedxl.periods import MONTHS
from zedxl.plan import load_plan, plan_from_dict, plan_to_dict, plan_to_yaml
from zedxl.planbook import MAX_ROWS, normalized, read_plan_workbook, write_plan_template, write_plan_workbook

D = Decimal


def _monthly_plan() -> Plan:
    """60 AO over 7 instancias, monthly, with the Aplicativo CEPLAN's AO codes (AOI00091400005) and AEI codes that
    do not continue their OEI's, decimals, executed values through June, justifications, reprogramaciones, PIM and
    devengado of some AO, indicators measured at S1 and a budget with accumulated execution."""
    offices = {f"I{k}": f"Instancia número {k}" for k in range(1, 8)}
    objetivos = []
    n_ao = 0
    for o in range(1, 4):
        acciones = []
        for a in range(1, 5):
            aei_code = f"AEI.{(o % 3) + 1:02d}.{a + 4:02d}"  # under OEI.0o, but its code says another OEI
            actividades = []
            for _ in range(5):
                n_ao += 1
                prog = tuple(D((n_ao + m) % 4) + (D("0.2") if n_ao % 7 == 0 else 0) for m in range(12))
                ejec = tuple(D((n_ao * m) % 5) if m < 6 else None for m in range(12))
                just = tuple(f"Logro del mes {MONTHS[m]} de la AO {n_ao}" if m < 6 and n_ao % 3 == 0 else ""
                             for m in range(12))
                reps, prog = _reprogramaciones(n_ao, prog)
                money = (D(12000) + D("0.5") * n_ao, tuple(D(900 + m) if m < 6 else None for m in range(12))) \
                    if n_ao % 4 == 0 else (None, ())
                actividades.append(Actividad(f"AOI000914{n_ao:05d}", f"Actividad operativa {n_ao}",
                                             "Informes" if n_ao % 2 else "% avance/100", f"I{n_ao % 7 + 1}",
                                             prog, ejec, just, reps, *money))
            ind = Indicador(f"Indicador de la AEI {o}.{a}", "Acciones", D(a + 2), {"S1": D(a)}) if a != 4 else None
            acciones.append(Accion(aei_code, f"Acción estratégica {o}.{a}", ind, tuple(actividades)))
        objetivos.append(Objetivo(f"OEI.{o:02d}", f"Objetivo estratégico {o}",
                                  Indicador(f"Indicador del OEI {o}", "%", D("87.5"), {}), tuple(acciones)))
    acum = tuple(D("1250.35") * (m + 1) if m < 6 else None for m in range(12))
    budget = Presupuesto(
        (LineaPresupuesto("Recursos Directamente Recaudados", D(900000), D("950000.50"), acum),
         LineaPresupuesto("Saldos de Balance", None, None, (D("18480271.94"),) + (None,) * 11)),
        (LineaPresupuesto("Bienes y Servicios", D(400000), D("418300"), acum),))
    return Plan("Entidad de prueba mensual", "EPM", 2025, "mensual", offices, tuple(objetivos),
                Reglas(tope_avance=None, verde=D(95), amarillo=D(75)), budget, "I3",
                {"problematica": "Texto de la problemática.\nSegunda línea.", "logros": "=no es una fórmula"})


def _reprogramaciones(n_ao: int, original: tuple[Decimal, ...]) -> tuple[tuple[Reprogramacion, ...],
                                                                        tuple[Decimal, ...]]:
    """AO 5, 15, 25 … reprogrammed twice (in July: August and September; in October: December, with a document);
    AO 6, 16, 26 … once, on the same day as another AO. Returns them and the current programming."""
    changes = {5: [(date(2025, 7, 10), {7: D(4), 8: D("2.5")}, ""), (date(2025, 10, 2), {11: D(6)}, "Memo 045")],
               6: [(date(2025, 7, 10), {6: original[6] + 1}, "")]}.get(n_ao % 10, [])
    values, out = list(original), []
    for fecha, new, doc in changes:
        cambios = tuple((i, values[i], v) for i, v in sorted(new.items()))
        for i, v in new.items():
            values[i] = v
        out.append(Reprogramacion(fecha, cambios, f"Cambio de metas del {fecha:%d/%m/%Y}", doc))
    return tuple(out), tuple(values)


def test_monthly_plan_has_the_shape_the_issue_asks_for() -> None:
    plan = _monthly_plan()
    assert (len(list(plan.actividades())), len({ao.instancia for ao in plan.actividades()}), plan.n_periods) == \
        (60, 7, 12)
    reprogrammed = [ao for ao in plan.actividades() if ao.reprogramaciones]
    assert len(reprogrammed) == 12 and sum(ao.pim is not None for ao in plan.actividades()) == 15
    assert next(plan.actividades()).codigo == "AOI00091400001" and plan.objetivos[0].acciones[0].codigo == "AEI.02.05"


def test_plan_to_dict_round_trips_the_example_and_a_monthly_plan(example_plan: Plan, tmp_path: Path) -> None:
    for plan in (example_plan, _monthly_plan()):
        assert plan_from_dict(plan_to_dict(plan)) == plan
        path = tmp_path / "plan.yaml"
        path.write_text(plan_to_yaml(plan), encoding="utf-8")
        assert load_plan(path) == plan


def test_plan_to_yaml_writes_numbers_as_plain_exact_text(example_plan: Plan) -> None:
    text = plan_to_yaml(_monthly_plan())
    assert "pim: 950000.50\n" in text and "programado: [1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0]" in text
    assert "tope_avance: null" in text and "- 18480271.94" not in text and "Ene: 18480271.94" in text
    assert "problematica: |-\n    Texto de la problemática.\n    Segunda línea." in text


def test_planbook_round_trips_the_example_and_a_monthly_plan(example_plan: Plan, tmp_path: Path) -> None:
    for plan in (example_plan, _monthly_plan()):
        path = tmp_path / f"plan-{plan.periodicidad}.xlsx"
        write_plan_workbook(plan, path)
        assert read_plan_workbook(path) == plan


def test_planbook_writes_texts_as_text_never_as_formulas(tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    write_plan_workbook(_monthly_plan(), path)
    ws = openpyxl.load_workbook(path)["Narrativa"]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "=no es una fórmula")
    assert cell.data_type == "s"


# -- a template typed as a person would ---------------------------------------------------------------------------

def _row_of(ws: Worksheet, label: str) -> int:
    return next(c.row for c in ws["A"] if c.value == label)


def _col_of(ws: Worksheet, header: str) -> int:
    return next(c.column for row in ws.iter_rows(max_row=10) for c in row if c.value == header)


def _fill_template(path: Path, plan_rows: list[dict[str, Any]], *, instancias: dict[str, str] | None = None) -> None:
    """Open the template, type the entity, the instancias and ``plan_rows`` (header → value; {}: the row left as it
    is) over its example rows and below them, as a person would; leave the budget's example row as it is; save."""
    wb = openpyxl.load_workbook(path)
    ent = wb["Entidad"]
    for label, value in (("Entidad", "Gobierno Local de Prueba"), ("Sigla", "GLP"), ("Año", 2026),
                         ("Instancia que reporta el presupuesto", "OGA")):
        ent.cell(_row_of(ent, label), 2, value)
    inst = wb["Instancias"]
    for i, (code, name) in enumerate((instancias or {"DPD": "Dirección de Promoción", "OGA": "Administración"})
                                     .items()):
        inst.cell(4 + i, 1, code)
        inst.cell(4 + i, 2, name)
    ws = wb["Plan"]
    for i, values in enumerate(plan_rows):
        for cell in ws[5 + i] if values else ():  # the person types the whole row: nothing of the example stays
            cell.value = None
        for header, value in values.items():
            ws.cell(5 + i, _col_of(ws, header)).value = value  # (None: the cell's content deleted)
    narr = wb["Narrativa"]
    narr.cell(_row_of(narr, "logros"), 3, "Se cumplió lo programado.")
    wb.save(path)


_TYPED_ROWS: list[dict[str, Any]] = [
    {"Nivel": "OEI", "Código": "OEI.01", "Nombre": "Mejorar los servicios", "Unidad (U.M.)": "%",
     "Indicador": "Porcentaje de servicios mejorados", "Meta anual": 80},
    {"Nivel": "AEI", "Código": "AEI.01.01", "Nombre": "Servicios en línea", "Unidad (U.M.)": None,
     "Indicador": None, "Meta anual": None},
    {"Nivel": "AO", "Código": "AO.01.01.01", "Nombre": "Digitalizar trámites", "Unidad (U.M.)": "Trámites",
     "Instancia": "DPD", "Prog. T1": 2, "Prog. T2": None, "Prog. T3": 3.5, "Prog. T4": "1"},
    {"Nivel": "AO", "Código": "AO.01.01.02", "Nombre": "  Capacitar al personal ", "Unidad (U.M.)": "Talleres",
     "Instancia": "oga", "Prog. T1": 1, "Prog. T2": 1, "Ejec. T1": 1, "Justificación T1": "Taller en marzo"},
]


def _typed_expected() -> Plan:
    ao1 = Actividad("AO.01.01.01", "Digitalizar trámites", "Trámites", "DPD", (D(2), D(0), D("3.5"), D(1)),
                    (None,) * 4)
    ao2 = Actividad("AO.01.01.02", "Capacitar al personal", "Talleres", "OGA", (D(1), D(1), D(0), D(0)),
                    (D(1), None, None, None), ("Taller en marzo", "", "", ""))
    return Plan("Gobierno Local de Prueba", "GLP", 2026, "trimestral",
                {"DPD": "Dirección de Promoción", "OGA": "Administración"},
                (Objetivo("OEI.01", "Mejorar los servicios",
                          Indicador("Porcentaje de servicios mejorados", "%", D(80), {}),
                          (Accion("AEI.01.01", "Servicios en línea", None, (ao1, ao2)),)),),
                Reglas(), Presupuesto(), "OGA", {"logros": "Se cumplió lo programado."})


def test_planbook_template_typed_by_hand_loads_the_expected_plan(tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    write_plan_template(path, "trimestral")
    _fill_template(path, _TYPED_ROWS)
    assert read_plan_workbook(path) == _typed_expected()


def test_planbook_template_keeps_example_rows_out_of_the_plan(tmp_path: Path) -> None:
    """Rows typed below the untouched example rows: the examples (marked «(ejemplo)») are not in the plan."""
    path = tmp_path / "plan.xlsx"
    write_plan_template(path, "trimestral")
    _fill_template(path, [{}, {}, {}, *_TYPED_ROWS])
    assert read_plan_workbook(path) == _typed_expected()


def test_planbook_own_spreadsheet_with_columns_in_another_order_loads(tmp_path: Path) -> None:
    """A planner's own workbook, not the template: headers in another order and spelt without accents or dots,
    no formats, rows that end at their last typed cell, no Presupuesto, Narrativa or Reprogramaciones sheet."""
    wb = openpyxl.Workbook()
    ent = wb.active
    ent.title = "ENTIDAD"
    for row in (("Entidad", "Gobierno Local de Prueba"), ("Sigla", "GLP"), ("Año", "2026"),
                ("Periodicidad", "Trimestral"), ("Instancia que reporta el presupuesto", "OGA")):
        ent.append(row)
    inst = wb.create_sheet("instancias")
    inst.append(("nombre", "codigo"))
    inst.append(("Dirección de Promoción", "DPD"))
    inst.append(("Administración", "OGA"))
    ws = wb.create_sheet("Plan")
    ws.append(("Mi plan 2026",))
    ws.append(())
    headers = ["codigo", "nivel", "nombre", "prog t4", "prog t3", "prog t2", "prog t1", "instancia", "unidad (u m)",
               "indicador", "meta anual", "ejec t1", "justificacion t1"]
    ws.append(headers)
    for values in _TYPED_ROWS:
        ws.append([{normalized(k): v for k, v in values.items()}.get(normalized(h)) for h in headers])
    ws.append(["AO.01.01.03", "AO", "Sin valores", None, None, None, None, "DPD", "Informes"])
    path = tmp_path / "propio.xlsx"
    wb.save(path)
    plan = read_plan_workbook(path)
    expected = _typed_expected()
    assert list(plan.actividades())[:2] == list(expected.actividades())
    assert plan.actividad("AO.01.01.03").programado == (D(0),) * 4 and plan.reglas == Reglas()
    assert (plan.entidad, plan.anio, plan.instancias, plan.narrativa) == (
        expected.entidad, 2026, expected.instancias, {})


def _faults(tmp_path: Path, rows: list[dict[str, Any]], edit: Any = None) -> list[tuple[str, str]]:
    path = tmp_path / "plan.xlsx"
    write_plan_template(path, "trimestral")
    _fill_template(path, rows)
    if edit is not None:
        wb = openpyxl.load_workbook(path)
        edit(wb)
        wb.save(path)
    with pytest.raises(PlanError) as err:
        read_plan_workbook(path)
    assert str(path) in str(err.value)
    return err.value.problems


def _with(i: int, **values: Any) -> list[dict[str, Any]]:
    rows = [dict(r) for r in _TYPED_ROWS]
    rows[i].update({k.replace("_", " "): v for k, v in values.items()})
    return rows


def test_planbook_faults_name_sheet_and_cell(tmp_path: Path) -> None:
    # the rows start at Excel row 5; columns: A Nivel, B Código, C Nombre, D Unidad, E Instancia, … K Prog. T1
    assert _faults(tmp_path, _with(3, Instancia="OAL")) == [
        ("Plan!E8", "instancia desconocida «OAL»: use una de DPD, OGA")]
    assert _faults(tmp_path, _with(2, **{"Prog._T2": "dos"})) == [("Plan!L7", "«dos» no es un número")]
    assert _faults(tmp_path, _with(3, Código="AO.01.01.01")) == [
        ("Plan!B8", "código duplicado AO.01.01.01: ya lo tiene una AO de más arriba; cada código va una sola vez en "
                    "el plan")]
    assert _faults(tmp_path, [_TYPED_ROWS[2], *_TYPED_ROWS]) == [
        ("Plan!A5", "esta AO no tiene una AEI encima: ponga antes la fila de su AEI (y la de su OEI)")]
    assert _faults(tmp_path, _with(0, Nivel="OE")) == [("Plan!A5", "Nivel «OE» no válido: elija OEI, AEI o AO"),
                                                       ("Plan!A4", "falta la lista de objetivos (OEI)")]
    assert _faults(tmp_path, _TYPED_ROWS[1:]) == [
        ("Plan!A5", "esta AEI no tiene una OEI encima: ponga antes la fila de su OEI"),
        ("Plan!A6", "esta AO no tiene una AEI encima: ponga antes la fila de su AEI (y la de su OEI)"),
        ("Plan!A7", "esta AO no tiene una AEI encima: ponga antes la fila de su AEI (y la de su OEI)"),
        ("Plan!A4", "falta la lista de objetivos (OEI)")]
    assert _faults(tmp_path, _with(1, Instancia="DPD")) == [
        ("Plan!E6", "una AEI no lleva «Instancia»: eso va en las filas de sus AO")]
    problems = _faults(tmp_path, _with(2, Código=None, **{"Prog._T4": -1}))
    assert [w for w, _ in problems] == ["Plan!B7", "Plan!N7"] and "negativo" in problems[1][1]


def test_planbook_missing_column_is_named_with_the_header_row(tmp_path: Path) -> None:
    assert _faults(tmp_path, _TYPED_ROWS, lambda wb: wb["Plan"].delete_cols(5)) == [
        ("Plan!A4", "falta la columna «Instancia» en la fila de títulos (fila 4); no cambie los títulos de la "
                    "plantilla")]


def test_planbook_example_row_typed_over_but_still_marked_is_refused(tmp_path: Path) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        wb["Plan"]["B5"] = "OEI.07"

    assert _faults(tmp_path, [{}, {}, {}, *_TYPED_ROWS], edit) == [
        ("Plan!A5", "fila de ejemplo con datos propios: elija OEI, AEI o AO en Nivel (o borre la fila)")]


def test_planbook_example_text_left_in_a_typed_row_is_refused(tmp_path: Path) -> None:
    """A person types over the example AEI row but leaves its indicator: the example's text is not taken."""
    rows = _with(1, Indicador="Número de eventos en que se aborda el rol de la entidad")
    assert _faults(tmp_path, rows) == [
        ("Plan!F6", "es el texto de la fila de ejemplo: escriba el suyo o borre la celda")]


def test_planbook_entity_and_instancias_faults_name_their_cells(tmp_path: Path) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        ent = wb["Entidad"]
        ent.cell(_row_of(ent, "Año"), 2, "dos mil")
        ent.cell(_row_of(ent, "Semáforo verde desde (%)"), 2, 40)
        wb["Instancias"].cell(6, 1, "dpd")
        wb["Instancias"].cell(6, 2, "Otra")

    assert _faults(tmp_path, _TYPED_ROWS, edit) == [
        ("Instancias!A6", "instancia duplicada «dpd»: cada código va una sola vez"),
        ("Entidad!B6", "año «dos mil» no válido"),
        ("Entidad!A1", "el umbral amarillo no puede ser mayor que el verde")]


def test_planbook_reprogramaciones_rows_of_one_ao_and_date_are_one_change(tmp_path: Path) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        ws = wb["Reprogramaciones"]
        for r, values in enumerate((("AO.01.01.01", date(2025, 7, 10), "T3", 5, "Nueva meta", "Memo 1"),
                                    ("AO 1.1.1", date(2025, 7, 10), "T4", 0, None, None),
                                    ("AO.01.01.02", "15/08/2025", "T4", 2, "Más talleres", None)), start=4):
            for c, value in enumerate(values, start=1):
                ws.cell(r, c).value = value

    path = tmp_path / "plan.xlsx"
    write_plan_template(path, "trimestral")
    _fill_template(path, _TYPED_ROWS)
    wb = openpyxl.load_workbook(path)
    edit(wb)
    wb.save(path)
    ao1, ao2 = read_plan_workbook(path).actividades()
    assert ao1.reprogramaciones == (Reprogramacion(date(2025, 7, 10), ((2, D("3.5"), D(5)), (3, D(1), D(0))),
                                                   "Nueva meta", "Memo 1"),)
    assert (ao1.programado, ao1.programado_original) == ((D(2), D(0), D(5), D(0)), (D(2), D(0), D("3.5"), D(1)))
    assert ao2.reprogramaciones == (Reprogramacion(date(2025, 8, 15), ((3, D(0), D(2)),), "Más talleres"),)


def test_planbook_reprogramaciones_faults_name_their_cells(tmp_path: Path) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        ws = wb["Reprogramaciones"]
        for r, values in enumerate((("AO.09.09.09", date(2025, 7, 10), "T3", 5, "x", None),
                                    ("AO.01.01.01", date(2025, 7, 10), "T3", 5, None, None),
                                    ("AO.01.01.01", date(2025, 7, 10), "Jul", 1, None, None),
                                    ("AO.01.01.02", "mañana", "T2", "uno", "y", None)), start=4):
            for c, value in enumerate(values, start=1):
                ws.cell(r, c).value = value

    assert _faults(tmp_path, _TYPED_ROWS, edit) == [
        ("Reprogramaciones!A4", "la AO «AO.09.09.09» no está en la hoja Plan"),
        ("Reprogramaciones!B5", "falta el texto"),
        ("Reprogramaciones!C6", "periodo «Jul» desconocido: use uno de T1, T2, T3, T4"),
        ("Reprogramaciones!B7", "fecha «mañana» no válida: use dd/mm/aaaa"),
        ("Reprogramaciones!D7", "«uno» no es un número")]


def test_planbook_refuses_what_is_not_a_plan_workbook(tmp_path: Path) -> None:
    text = tmp_path / "plan.xlsx"
    text.write_text("no soy un libro", encoding="utf-8")
    with pytest.raises(PlanError, match="no es un libro de Excel"):
        read_plan_workbook(text)
    with pytest.raises(PlanError, match="no existe"):
        read_plan_workbook(tmp_path / "falta.xlsx")
    other = tmp_path / "otro.xlsx"
    wb = xlsxwriter.Workbook(other)
    wb.add_worksheet("Hoja1").write(0, 0, "x")
    wb.close()
    with pytest.raises(PlanError, match="falta la hoja «Entidad»"):
        read_plan_workbook(other)


def test_planbook_refuses_a_sheet_longer_than_a_plan(tmp_path: Path) -> None:
    path = tmp_path / "largo.xlsx"
    wb = xlsxwriter.Workbook(path, {"constant_memory": True})
    ws = wb.add_worksheet("Entidad")
    for r in range(MAX_ROWS + 1):
        ws.write_number(r, 0, r)
    wb.close()
    with pytest.raises(PlanError, match="tiene más de 100 000 filas"):
        read_plan_workbook(path)


# -- command line -------------------------------------------------------------------------------------------------

def test_cli_plantilla_plan_writes_refuses_to_overwrite_and_new_reads_it(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.xlsx"
    assert main(["plantilla-plan", "-o", str(plan), "--mensual"]) == 0
    assert "Plantilla del plan (mensual) escrita" in capsys.readouterr().out
    headers = [c.value for c in openpyxl.load_workbook(plan)["Plan"][4]]
    assert "Prog. Ene" in headers and "Justificación Dic" in headers and "Prog. T1" not in headers
    assert main(["plantilla-plan", "-o", str(plan)]) == 2
    assert "Ya existe" in capsys.readouterr().err
    assert main(["plantilla-plan", "-o", str(plan), "--sobrescribir"]) == 0
    assert main(["plantilla-plan", "-o", str(tmp_path / "plan.ods")]) == 2
    _fill_template(plan, _TYPED_ROWS)
    capsys.readouterr()
    master = tmp_path / "maestro.xlsx"
    assert main(["new", str(plan), "-o", str(master)]) == 0
    assert "Maestro creado" in capsys.readouterr().out and master.exists()


def test_cli_new_from_a_faulty_plan_workbook_names_the_cell_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.xlsx"
    write_plan_template(plan, "trimestral")
    _fill_template(plan, _with(3, Instancia="OAL"))
    assert main(["new", str(plan), "-o", str(tmp_path / "m.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "Plan!E8: instancia desconocida «OAL»" in err and "Traceback" not in err
    assert not (tmp_path / "m.xlsx").exists()


def test_cli_new_exportar_plan_moves_a_plan_between_yaml_and_workbook(tmp_path: Path, example_plan: Plan,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    book, yaml_out = tmp_path / "plan.xlsx", tmp_path / "plan.yaml"
    assert main(["new", str(EXAMPLE), "-o", str(tmp_path / "m1.xlsx"), "--exportar-plan", str(book)]) == 0
    assert f"Plan exportado: {book}" in capsys.readouterr().out
    assert main(["new", str(book), "-o", str(tmp_path / "m2.xlsx"), "--exportar-plan", str(yaml_out)]) == 0
    assert read_plan_workbook(book) == example_plan and load_plan(yaml_out) == example_plan
    assert main(["new", str(book), "-o", str(tmp_path / "m3.xlsx"), "--exportar-plan", str(yaml_out)]) == 2
    assert "Ya existe" in capsys.readouterr().err and not (tmp_path / "m3.xlsx").exists()
    assert main(["new", str(book), "-o", str(tmp_path / "m3.xlsx"), "--exportar-plan", str(tmp_path / "p.txt")]) == 2
    assert main(["new", str(book), "-o", str(tmp_path / "m3.xlsx"), "--exportar-plan", str(book)]) == 2
    assert "debe ser otro archivo" in capsys.readouterr().err
    assert main(["new", str(book), "-o", str(tmp_path / "m4.xlsx"), "--sin-ejecutado", "--exportar-plan",
                 str(tmp_path / "vacio.yaml")]) == 0
    assert load_plan(tmp_path / "vacio.yaml") == example_plan.without_ejecutado()


@pytest.mark.libreoffice
def test_planbook_template_resaved_by_libreoffice_loads_the_same_plan(tmp_path: Path) -> None:
    typed = tmp_path / "plan.xlsx"
    write_plan_template(typed, "trimestral")
    _fill_template(typed, _TYPED_ROWS)
    resaved = convert(typed, "xlsx", tmp_path / "libreoffice")
    assert read_plan_workbook(resaved) == _typed_expected()
    written = tmp_path / "mensual.xlsx"
    write_plan_workbook(_monthly_plan(), written)
    assert read_plan_workbook(convert(written, "xlsx", tmp_path / "libreoffice")) == _monthly_plan()
