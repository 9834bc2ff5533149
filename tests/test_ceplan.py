"""Import from and export to the Aplicativo CEPLAN's POI layout: exports built here in the documented layout,
written and read back as real files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.conftest import EXAMPLE
from zedxl.ceplan import derive_codes, exportar_ceplan, importar_ceplan, map_headers
from zedxl.cli import main
from zedxl.errors import PlanError, WorkbookError
from zedxl.plan import load_plan
from zedxl.planbook import read_plan_workbook, write_plan_workbook
from zedxl.xlsx.master_read import read_master

SHEET = "POI_Por_ActividadOperativaAnual"
AO1, AO2, AO3 = "AOI00091400117", "AOI00091400118", "AOI00091400201"
DPD = "Dirección de Promoción y Desarrollo"
OGA = "Oficina General de Administración"
MONTHS = [f"{m:02d}" for m in range(1, 13)]


def header(*, oei: bool = True, drop: tuple[str, ...] = (), extra: tuple[str, ...] = ()) -> list[str]:
    """The export's header with the spellings a person or another export may use (case, accents, spaces)."""
    cols = ["CENTRO DE COSTO", "Categoria ID", "NRO REGISTRO POI", "Actividad Operativa Id", "ACTIVIDAD OPERATIVA",
            "Unidad de medida", "Departamento Nombre UBIGEO", "TRAZADORA-TAREA", "ACUMULADO", "CENTRO COSTO ID"]
    if oei:
        cols += ["OEI", "Objetivo Estratégico Institucional", "AEI", "ACCION ESTRATEGICA INSTITUCIONAL"]
    cols += [f"F(CS) {m}" for m in MONTHS] + [f"F(RE) {m}" for m in MONTHS] + ["F(RE) Total"]
    cols += [f"f(se) {m}" for m in MONTHS] + ["F(SE) Total"] + [f"Motivo (SE) {m}" for m in MONTHS]
    cols += ["Fn(RE) Total", "FN(SE) TOTAL", *extra]
    return [c for c in cols if c not in drop]


def row(cols: list[str], values: dict[str, Any]) -> list[Any]:
    """A data row: ``values`` by header (series as lists of 12); anything else blank."""
    out: list[Any] = []
    series = {"F(CS)": "cs", "F(RE)": "re", "f(se)": "se", "Motivo (SE)": "motivo"}
    for c in cols:
        name, _, month = c.rpartition(" ")
        if name in series and month.isdigit():
            out.append((values.get(series[name]) or [None] * 12)[int(month) - 1])
        else:
            out.append(values.get(c))
    return out


def ao_rows(cols: list[str]) -> list[list[Any]]:
    """Three AO: the first in two departments (summed), the second reprogrammed, the third in another AEI."""
    def ao(cc: str, code: str, dep: str, aei: str, **series: Any) -> list[Any]:
        return row(cols, {"CENTRO DE COSTO": cc, "Actividad Operativa Id": code, "ACTIVIDAD OPERATIVA": f"Act {code}",
                          "Unidad de medida": "Informe", "Departamento Nombre UBIGEO": dep, "OEI": "OEI.01",
                          "Objetivo Estratégico Institucional": "Promover capacidades", "AEI": aei,
                          "ACCION ESTRATEGICA INSTITUCIONAL": f"Acción {aei}", "Columna Rara": "x",
                          "NRO REGISTRO POI": 1234, "Categoria ID": 9001, **series})

    return [
        ao(DPD, AO1, "LIMA", "AEI.01.01", cs=[1] * 12, re=[1] * 12, se=[1, 2, None] + [None] * 9,
           motivo=["Taller en Lima"] + [None] * 11, **{"Fn(RE) Total": 1000.5, "FN(SE) TOTAL": 200.25}),
        ao(DPD, AO1, "MOQUEGUA", "AEI.01.01", cs=[0.5] * 12, re=[0.5] * 12, se=[0.5, 0.2, None] + [None] * 9,
           motivo=["Taller en Ilo"] + [None] * 11, **{"Fn(RE) Total": 500, "FN(SE) TOTAL": 100}),
        ao(OGA, AO2, "MOQUEGUA", "AEI.01.01", cs=[2] * 12, re=[2] * 6 + [3] * 6, se=[2, 0, None] + [None] * 9,
           motivo=[None, "Sin proveedor"] + [None] * 10),
        ao(OGA, AO3, "MOQUEGUA", "AEI.01.02", cs=[1] * 12, re=[1] * 12, se=[None] * 12),
    ]


def write_export(path: Path, cols: list[str], rows: list[list[Any]], *, sheet: str = SHEET,
                 title: bool = True, before: str | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    if before:  # a sheet without the export, ahead of it
        ws.title = before
        ws.append(["Notas de la unidad de planeamiento"])
        ws = wb.create_sheet(sheet)
    else:
        ws.title = sheet
    if title:
        ws.append(["Reporte de POI por Actividad Operativa Anual"])
    ws.append(cols)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def base_yaml(path: Path, *, with_ao3: bool = True) -> Path:
    """A base plan with the OEI/AEI tree and the codes of the AO under each (and its own instancia codes)."""
    ao3 = f"""
      - {{codigo: {AO3}, nombre: x, unidad: x, instancia: ADM, programado: [1, 1, 1, 1]}}""" if with_ao3 else ""
    path.write_text(f"""entidad: Zona Especial de Desarrollo Ilo
sigla: ZED ILO
anio: 2025
instancias: {{PROM: {DPD}, ADM: {OGA}}}
objetivos:
- codigo: OEI.01
  nombre: Promover capacidades
  indicador: {{nombre: Índice, unidad: "%", meta_anual: 80}}
  acciones:
  - codigo: AEI.01.01
    nombre: Acción uno
    actividades:
      - {{codigo: {AO1}, nombre: x, unidad: x, instancia: PROM, programado: [1, 1, 1, 1]}}
      - {{codigo: {AO2}, nombre: x, unidad: x, instancia: ADM, programado: [1, 1, 1, 1]}}
  - codigo: AEI.01.02
    nombre: Acción dos
    actividades:{ao3 or " []"}
""", encoding="utf-8")
    return path


def test_importar_ceplan_sums_departments_and_versions_the_programming(tmp_path: Path) -> None:
    export = write_export(tmp_path / "exp.xlsx", header(), ao_rows(header()))
    out = tmp_path / "plan.yaml"
    result = importar_ceplan(export, out, entidad="ZED ILO", anio=2025, fecha=date(2025, 7, 10))
    plan = result.plan
    assert plan.periodicidad == "mensual" and dict(plan.instancias) == {"DPD": DPD, "OGA": OGA}
    assert [(o.codigo, [(a.codigo, [x.codigo for x in a.actividades]) for a in o.acciones]) for o in plan.objetivos] \
        == [("OEI.01", [("AEI.01.01", [AO1, AO2]), ("AEI.01.02", [AO3])])]
    ao1 = plan.actividad(AO1)
    assert ao1.instancia == "DPD" and ao1.programado == (Decimal("1.5"),) * 12 and not ao1.reprogramaciones
    assert ao1.ejecutado[:3] == (Decimal("1.5"), Decimal("2.2"), None) and set(ao1.ejecutado[3:]) == {None}
    assert ao1.justificacion[0] == "Taller en Lima\nTaller en Ilo"
    assert (ao1.pim, ao1.devengado[1], ao1.devengado[0]) == (Decimal("1500.5"), Decimal("300.25"), None)
    ao2 = plan.actividad(AO2)
    assert ao2.programado_original == (Decimal(2),) * 12 and ao2.programado == (Decimal(2),) * 6 + (Decimal(3),) * 6
    (rep,) = ao2.reprogramaciones
    assert rep.fecha == date(2025, 7, 10) and [c[0] for c in rep.cambios] == list(range(6, 12))
    assert rep.justificacion == "Reprogramación registrada en el Aplicativo CEPLAN"
    assert ao2.ejecutado[:2] == (Decimal(2), Decimal(0)) and ao2.justificacion[1] == "Sin proveedor"
    assert plan.actividad(AO3).ejecutado == (None,) * 12
    assert load_plan(out) == plan  # the YAML written gives back exactly the plan
    assert result.avisos == [] and result.sheet == SHEET


def test_importar_ceplan_lists_unknown_columns_but_not_known_ones(tmp_path: Path) -> None:
    cols = header(extra=("Columna Rara", "Observación Interna"))
    result = importar_ceplan(write_export(tmp_path / "e.xlsx", cols, ao_rows(cols)), tmp_path / "p.yaml",
                             entidad="ZED ILO", anio=2025)
    assert result.avisos == [f"columnas desconocidas en la hoja {SHEET}, no se leen: Columna Rara, "
                             "Observación Interna"]


def test_importar_ceplan_missing_required_columns_are_named(tmp_path: Path) -> None:
    cols = header(drop=("Unidad de medida", "F(RE) 05"))
    with pytest.raises(PlanError) as err:
        importar_ceplan(write_export(tmp_path / "e.xlsx", cols, ao_rows(cols)), tmp_path / "p.yaml",
                        entidad="Z", anio=2025)
    assert err.value.problems == [(f"hoja {SHEET}, fila 2", "faltan las columnas «Unidad de Medida», «F(RE) 05» "
                                   "(se buscan por nombre, sin importar mayúsculas, tildes ni espacios)")]
    assert not (tmp_path / "p.yaml").exists()


def test_importar_ceplan_ao_without_oei_aei_are_listed_by_code(tmp_path: Path) -> None:
    cols = header(oei=False)
    export = write_export(tmp_path / "e.xlsx", cols, ao_rows(cols))
    with pytest.raises(PlanError) as err:
        importar_ceplan(export, tmp_path / "p.yaml", base=base_yaml(tmp_path / "base.yaml", with_ao3=False))
    assert err.value.problems == [("", f"1 AO sin OEI/AEI en la exportación (columnas OEI y AEI) ni en el plan "
                                       f"base: {AO3}. Indique con --plan un plan que las tenga bajo su AEI")]
    with pytest.raises(PlanError) as err:
        importar_ceplan(export, tmp_path / "p.yaml", entidad="Z", anio=2025)
    assert f"3 AO sin OEI/AEI en la exportación (no trae columnas OEI y AEI): {AO1}, {AO2}, {AO3}" in str(err.value)


def test_importar_ceplan_takes_tree_entity_and_instancia_codes_from_the_base_plan(tmp_path: Path) -> None:
    cols = header(oei=False)
    base = base_yaml(tmp_path / "base.yaml")
    result = importar_ceplan(write_export(tmp_path / "e.xlsx", cols, ao_rows(cols)), tmp_path / "p.yaml", base=base)
    plan = result.plan
    assert (plan.entidad, plan.sigla, plan.anio) == ("Zona Especial de Desarrollo Ilo", "ZED ILO", 2025)
    assert dict(plan.instancias) == {"PROM": DPD, "ADM": OGA}
    assert [(a.codigo, a.nombre, [x.codigo for x in a.actividades]) for a in plan.acciones()] == \
        [("AEI.01.01", "Acción uno", [AO1, AO2]), ("AEI.01.02", "Acción dos", [AO3])]
    assert plan.objetivos[0].indicador is not None and plan.objetivos[0].indicador.meta_anual == 80
    assert plan.actividad(AO1).nombre == f"Act {AO1}"  # the export's name, not the base's
    assert load_plan(tmp_path / "p.yaml") == plan


def test_importar_ceplan_reads_the_consolidated_report_variant(tmp_path: Path) -> None:
    """The spellings of a consolidated report found in public code: numbered versions, «CENTRO  DE COSTO», «UNIDAD
    MEDIDA», the year in «POI» and the entity in «UE»; and an AO the Aplicativo marks inactive."""
    cols = ["POI", "ETAPA", "UE", "CENTRO  DE COSTO", "OEI", "OBJETIVO ESTRATEGIO INSTITUCIONAL", "AEI",
            "ACCION ESTRATEGICA INSTITUCIONAL", "ACTIVIDAD OPERATIVA ID", "CODIGO AO", "ACTIVIDAD OPERATIVA",
            "UNIDAD MEDIDA", "Activo AO", *(f"F(RE1) {m}" for m in MONTHS), "F(RE1) Total",
            *(f"F(SE1) {m}" for m in MONTHS), "F(SE1) Total"]
    fixed = [2025, "SEGUIMIENTO", "ZED ILO", DPD, "OEI.01", "Objetivo", "AEI.01.01", "Acción"]
    rows = [[*fixed, AO1, "0001", "Act", "Informe", "SI", *[1] * 12, 12, 3, *[None] * 11, 3],
            [*fixed, AO2, "0002", "Act", "Informe", "NO", *[1] * 12, 12, *[None] * 12, None]]
    result = importar_ceplan(write_export(tmp_path / "e.xlsx", cols, rows, sheet="DATA"), tmp_path / "p.yaml")
    plan = result.plan
    assert (plan.entidad, plan.anio, [ao.codigo for ao in plan.actividades()]) == ("ZED ILO", 2025, [AO1])
    assert plan.actividad(AO1).ejecutado[0] == 3 and plan.actividad(AO1).programado == (Decimal(1),) * 12
    assert result.avisos == [f"AO con «Activo AO» = NO, no se importan: {AO2}",
                             "la exportación no trae F(CS): la programación es F(RE), sin reprogramaciones"]


def test_importar_ceplan_reads_and_writes_plan_workbooks(tmp_path: Path) -> None:
    cols = header(oei=False)
    export = write_export(tmp_path / "e.xlsx", cols, ao_rows(cols))
    base_book = tmp_path / "base.xlsx"
    write_plan_workbook(load_plan(base_yaml(tmp_path / "base.yaml")), base_book)
    out = tmp_path / "plan.xlsx"
    result = importar_ceplan(export, out, base=base_book, fecha=date(2025, 7, 10))
    assert read_plan_workbook(out) == result.plan
    assert result.plan == importar_ceplan(export, tmp_path / "p.yaml", base=tmp_path / "base.yaml",
                                          fecha=date(2025, 7, 10)).plan


def test_importar_ceplan_finds_the_export_in_another_sheet_by_its_headers(tmp_path: Path) -> None:
    cols = header()
    export = write_export(tmp_path / "e.xlsx", cols, ao_rows(cols), sheet="Hoja2", title=False, before="Notas")
    result = importar_ceplan(export, tmp_path / "p.yaml", entidad="Z", anio=2025,
                             instancias={"PLAN": DPD})
    assert result.sheet == "Hoja2" and dict(result.plan.instancias) == {"PLAN": DPD, "OGA": OGA}


def test_importar_ceplan_bad_cells_are_named_by_sheet_and_cell(tmp_path: Path) -> None:
    cols = header()
    rows = ao_rows(cols)
    rows[2][cols.index("f(se) 02")] = "dos"
    rows[3][cols.index("F(RE) 01")] = -1
    rows[1][cols.index("AEI")] = "AEI.01.02"
    with pytest.raises(PlanError) as err:
        importar_ceplan(write_export(tmp_path / "e.xlsx", cols, rows), tmp_path / "p.yaml", entidad="Z", anio=2025)
    se2, re1 = cols.index("f(se) 02"), cols.index("F(RE) 01")
    aei = openpyxl.utils.get_column_letter(cols.index("AEI") + 1)
    assert err.value.problems == [(f"{SHEET}!{aei}4", f"la AO {AO1} figura bajo dos AEI: AEI.01.01 y AEI.01.02"),
                                  (f"{SHEET}!{openpyxl.utils.get_column_letter(se2 + 1)}5", "«dos» no es un número"),
                                  (f"{SHEET}!{openpyxl.utils.get_column_letter(re1 + 1)}6", "valor negativo (-1)")]


def test_importar_ceplan_refuses_a_web_page_saved_as_xls(tmp_path: Path) -> None:
    fake = tmp_path / "POI_PORACTIVIDADOPERATIVA_ANUAL_2025.xls"
    fake.write_text("<html><body><table><tr><td>Centro de Costo</td></tr></table></body></html>", encoding="utf-8")
    with pytest.raises(WorkbookError, match="en realidad es una página web"):
        importar_ceplan(fake, tmp_path / "p.yaml", entidad="Z", anio=2025)


def test_ceplan_map_headers_takes_the_latest_numbered_version() -> None:
    cols = map_headers(["Centro de Costo", *(f"F(RE1) {m}" for m in MONTHS), *(f"F(RE2) {m}" for m in MONTHS)])
    assert cols.series[("f", "re")][1] == 13 and cols.avisos == [
        "la exportación trae 2 versiones de F(RE…); se toma la última, F(RE2)"]


def test_ceplan_derive_codes_are_unique_initials_unless_known() -> None:
    names = [DPD, "Dirección de Planeamiento y Desarrollo", "CONADIS", OGA]
    assert derive_codes(names, {OGA: "ADM"}) == {DPD: "DPD", "Dirección de Planeamiento y Desarrollo": "DPD2",
                                                  "CONADIS": "CONADIS", OGA: "ADM"}


def master_from_export(tmp_path: Path) -> Path:
    """A monthly master built from an imported export (so the cycle is the one a planner runs)."""
    cols = header()
    rows = ao_rows(cols)
    rows[0][cols.index("f(se) 04")] = 7  # executed after the period exported below: left out of it
    plan = tmp_path / "plan.yaml"
    importar_ceplan(write_export(tmp_path / "e.xlsx", cols, rows), plan, entidad="ZED ILO", anio=2025,
                    fecha=date(2025, 7, 10))
    master = tmp_path / "maestro.xlsx"
    assert main(["new", str(plan), "-o", str(master)]) == 0
    return master


def test_exportar_ceplan_round_trip_gives_the_same_fse(tmp_path: Path) -> None:
    master = master_from_export(tmp_path)
    out = tmp_path / "ceplan.xlsx"
    assert exportar_ceplan(master, "2025-03", out) == 3
    ws = openpyxl.load_workbook(out, read_only=True)[SHEET]
    got = list(ws.iter_rows(values_only=True))
    head = list(got[0])
    first = dict(zip(head, got[1], strict=True))
    assert [first[f"F(SE) {m}"] for m in ("01", "02", "03", "04")] == [1.5, 2.2, None, None]
    assert first["F(SE) Total"] == 3.7 and first["Motivo(SE) 01"] == "Taller en Lima\nTaller en Ilo"
    back = importar_ceplan(out, tmp_path / "back.yaml").plan
    before = read_master(master).plan
    for ao in before.actividades():
        assert back.actividad(ao.codigo).ejecutado == ao.ejecutado[:3] + (None,) * 9
        assert back.actividad(ao.codigo).justificacion[:3] == ao.justificacion[:3]
        assert (back.actividad(ao.codigo).programado_original, back.actividad(ao.codigo).programado) == \
            (ao.programado_original, ao.programado)
    assert before.actividad(AO2).reprogramaciones and back.actividad(AO2).reprogramaciones
    assert before.actividad(AO1).pim == back.actividad(AO1).pim == Decimal("1500.5")
    assert (back.entidad, back.anio, dict(back.instancias)) == (before.entidad, before.anio, dict(before.instancias))


def test_exportar_ceplan_of_a_quarterly_master_writes_each_quarter_in_its_last_month(tmp_path: Path) -> None:
    master = tmp_path / "m.xlsx"
    assert main(["new", str(EXAMPLE), "-o", str(master)]) == 0
    out = tmp_path / "c.xlsx"
    exportar_ceplan(master, "2025-S1", out)
    plan = read_master(master).plan
    back = importar_ceplan(out, tmp_path / "back.yaml").plan
    for ao in plan.actividades():
        got = back.actividad(ao.codigo)
        assert (got.ejecutado[2], got.ejecutado[5]) == ao.ejecutado[:2]
        assert {got.ejecutado[m] for m in (0, 1, 3, 4, 6, 7, 8, 9, 10, 11)} == {None}
        assert (got.programado[2], got.programado[11]) == (ao.programado[0], ao.programado[3])


def test_cli_importar_ceplan_exit_codes_and_spanish_messages(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    cols = header(extra=("Columna Rara",))
    export = write_export(tmp_path / "e.xlsx", cols, ao_rows(cols))
    plan = tmp_path / "p.yaml"
    assert main(["importar-ceplan", str(export), "-o", str(plan), "--entidad", "ZED ILO", "--anio", "2025",
                 "--instancia", f"PROM={DPD}", "--fecha-reprogramacion", "10/07/2025"]) == 0
    cap = capsys.readouterr()
    assert "Plan escrito:" in cap.out and "3 AO, 2 instancias, 1 AO reprogramadas" in cap.out
    assert f"PROM = {DPD}" in cap.out and "Aviso: columnas desconocidas" in cap.err and "Columna Rara" in cap.err
    assert load_plan(plan).actividad(AO2).reprogramaciones[0].fecha == date(2025, 7, 10)
    bad = header(drop=("ACTIVIDAD OPERATIVA",))
    assert main(["importar-ceplan", str(write_export(tmp_path / "b.xlsx", bad, ao_rows(bad))), "-o",
                 str(tmp_path / "q.yaml"), "--entidad", "Z", "--anio", "2025"]) == 1
    assert "falta la columna «Actividad Operativa»" in capsys.readouterr().err
    assert main(["importar-ceplan", str(export), "-o", str(plan), "--anio", "2025"]) == 2
    assert f"Ya existe {plan}. Use --sobrescribir" in capsys.readouterr().err
    other = str(tmp_path / "otro.yaml")
    assert main(["importar-ceplan", str(tmp_path / "no.xlsx"), "-o", other, "--anio", "2025"]) == 2
    assert "No se pudo abrir la exportación no.xlsx: no existe" in capsys.readouterr().err
    assert main(["importar-ceplan", str(export), "-o", other, "--plan", str(tmp_path / "no.yaml")]) == 2
    assert "No se pudo abrir el plan base no.yaml: no existe" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:  # argparse's own exit, as for any bad option
        main(["importar-ceplan", str(export), "-o", str(plan), "--fecha-reprogramacion", "31/02/2025"])
    assert stop.value.code == 2
    assert "argumento --fecha-reprogramacion: fecha «31/02/2025» no válida" in capsys.readouterr().err
    assert main(["importar-ceplan", str(export), "-o", str(tmp_path / "p.txt"), "--anio", "2025"]) == 2
    assert "El plan se escribe en .xlsx, .yaml o .yml (se indicó «p.txt»)" in capsys.readouterr().err


def test_cli_exportar_ceplan_writes_the_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    master = master_from_export(tmp_path)
    capsys.readouterr()
    out = tmp_path / "c.xlsx"
    assert main(["exportar-ceplan", str(master), "--periodo", "2025-03", "-o", str(out)]) == 0
    assert "Exportación escrita:" in capsys.readouterr().out
    assert openpyxl.load_workbook(out, read_only=True).sheetnames == [SHEET]
    assert main(["exportar-ceplan", str(master), "--periodo", "2024-03", "-o", str(out)]) == 2
    assert "no corresponde al año del plan" in capsys.readouterr().err
