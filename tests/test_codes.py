"""#23: any entity's codes — CEPLAN's «AOI…» identifiers, AEI numbered across the PEI, codes that are not sheet
names — go through new → split → returns typed as an office would → consolidate → summary, report and export
unchanged, and the hierarchy comes from where an item stands, never from its code."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pyarrow.parquet as pq
import pytest
import yaml

from zedxl.cli import main
from zedxl.consolidate import consolidate
from zedxl.demo import fill_office_workbook
from zedxl.errors import PlanError
from zedxl.model import Plan
from zedxl.new import write_master_file
from zedxl.periods import parse_period
from zedxl.plan import load_plan, plan_avisos, plan_from_dict
from zedxl.split import split
from zedxl.xlsx import layout as L
from zedxl.xlsx.master_read import read_master

OFFICES = {"DE": "Dirección Ejecutiva", "OPP": "Oficina de Planeamiento y Presupuesto",
           "OA": "Oficina de Administración", "RRHH": "Unidad de Recursos Humanos", "TI": "Unidad de Tecnologías",
           "OAJ": "Oficina de Asesoría Jurídica", "OCI": "Órgano de Control Institucional"}
# OEI codes as a PEI may write them (one is no valid sheet name, one is longer than a sheet name may be)
OEI_CODES = ["OEI.01", "OEI/02 Gestión", "Objetivo estratégico institucional 03 del PEI 2024-2030"]


def _ceplan_plan(n_ao: int = 60) -> dict[str, Any]:
    """A monthly plan with the Aplicativo CEPLAN's AO identifiers, AEI numbered across the PEI (AEI.07 under OEI.01:
    no nesting) and ``n_ao`` AO spread over seven offices."""
    objetivos = []
    k = 0
    aei_numbers = iter([7, 3, 12, 1, 9, 5])
    for o, ocode in enumerate(OEI_CODES):
        acciones = []
        for _ in range(2):
            number = next(aei_numbers)
            actividades = []
            for _ in range(n_ao // 6):
                k += 1
                actividades.append({
                    "codigo": f"AOI000914{k:05d}", "nombre": f"Actividad operativa número {k}",
                    "unidad": ["Informe", "Acción", "Documento", "Persona"][k % 4],
                    "instancia": list(OFFICES)[k % len(OFFICES)],
                    "programado": [(k + m) % 3 for m in range(12)],
                })
            acciones.append({"codigo": f"AEI.{number:02d}", "nombre": f"Acción estratégica {number}",
                             "indicador": {"nombre": f"Indicador AEI {number}", "unidad": "Porcentaje",
                                           "meta_anual": 80}, "actividades": actividades})
        objetivos.append({"codigo": ocode, "nombre": f"Objetivo {o + 1}",
                          "indicador": {"nombre": f"Indicador OEI {o + 1}", "unidad": "Porcentaje",
                                        "meta_anual": 75}, "acciones": acciones})
    return {"entidad": "Instituto de Prueba", "sigla": "IPR", "anio": 2025, "periodicidad": "mensual",
            "instancias": OFFICES, "responsable_presupuesto": "OA", "objetivos": objetivos,
            "narrativa": {"problematica": "Texto de la problemática.", "logros": "Logros del periodo.",
                          "medidas": "Medidas adoptadas."},
            "presupuesto": {"ingresos": [],
                            "gastos": [{"rubro": "Personal y Obligaciones Sociales", "pia": 1000000, "pim": 1100000},
                                       {"rubro": "Bienes y Servicios", "pia": 500000, "pim": 0}]}}


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    path = tmp_path_factory.mktemp("plan") / "plan.yaml"
    path.write_text(yaml.safe_dump(_ceplan_plan(), allow_unicode=True), encoding="utf-8")
    return load_plan(path)


def test_codes_of_any_form_are_kept_and_the_hierarchy_is_where_items_stand(plan: Plan) -> None:
    assert [o.codigo for o in plan.objetivos] == OEI_CODES
    assert [a.codigo for a in plan.objetivos[0].acciones] == ["AEI.07", "AEI.03"]
    aos = list(plan.actividades())
    assert len(aos) == 60 and len({ao.instancia for ao in aos}) == 7
    assert aos[0].codigo == "AOI00091400001" and aos[0] in plan.objetivos[0].acciones[0].actividades
    # codes in zedxl's own form are still compared with the item above; the entity's own forms are not
    assert plan_avisos(plan) == []


def test_codes_a_duplicate_or_blank_code_is_refused_and_a_code_of_another_level_is_an_aviso() -> None:
    raw = _ceplan_plan(6)
    raw["objetivos"][1]["acciones"][0]["actividades"][0]["codigo"] = "AOI00091400001"
    raw["objetivos"][2]["acciones"][0]["codigo"] = "  "
    with pytest.raises(PlanError) as exc:
        plan_from_dict(raw)
    assert exc.value.problems == [
        ("objetivos[1] (OEI/02 Gestión).acciones[0] (AEI.12).actividades[0].codigo",
         "código duplicado AOI00091400001: ya lo tiene una AO de más arriba; cada código va una sola vez en el plan"),
        (f"objetivos[2] ({OEI_CODES[2]}).acciones[0].codigo", "falta el código de la AEI"),
    ]
    raw = _ceplan_plan(6)
    raw["objetivos"][0]["acciones"][0]["actividades"][0]["codigo"] = "AEI 1.1"
    assert plan_avisos(plan_from_dict(raw)) == [
        "el código AEI.01.01 es de una AEI pero está como AO; se toma como AO de la AEI.07 (revise si va en otro "
        "lugar)"]


def test_codes_sheet_names_are_the_codes_where_excel_allows_and_unique_otherwise() -> None:
    names = L.oei_sheet_names(["OEI.01", "OEI/01", "OEI:01", "resumen", "x" * 40, "x" * 35])
    assert names == {"OEI.01": "OEI.01", "OEI/01": "OEI_01", "OEI:01": "OEI_01 (2)", "resumen": "resumen (2)",
                     "x" * 40: "x" * 31, "x" * 35: "x" * 27 + " (2)"}


def test_codes_round_trip_new_split_returns_consolidate_report_unchanged(plan: Plan, tmp_path: Path) -> None:
    master = tmp_path / "maestro.xlsx"
    write_master_file(plan, master)
    wb = openpyxl.load_workbook(master, read_only=True)
    assert [n for n in wb.sheetnames if n.casefold() not in L.RESERVED_SHEETS] == \
        ["OEI.01", "OEI_02 Gestión", "Objetivo estratégico institucio"]
    wb.close()
    assert read_master(master).plan == plan

    period = parse_period("2025-03", 2025, "mensual")
    folder = tmp_path / "retornos"
    files = split(master, "2025-03", folder)
    assert sorted(p.name for p in files) == sorted(f"IPR-2025-03-{o}.xlsx" for o in OFFICES)
    executed: dict[str, Decimal] = {}
    for path in files:
        office = path.stem.rsplit("-", 1)[-1]
        mine = [ao for ao in plan.actividades() if ao.instancia == office]
        values = {ao.codigo: ao.programado[period.start] + (1 if n % 2 else 0) for n, ao in enumerate(mine)}
        executed |= values
        fill_office_workbook(path, period, values, {ao.codigo: f"Ejecutado por {office}." for ao in mine},
                             {"gastos": {"Personal y Obligaciones Sociales": Decimal("250000.10")}} if office == "OA"
                             else None)
    result = consolidate(master, folder)
    assert result.written and result.ok and [f.status for f in result.files] == ["consolidado"] * 7
    read = read_master(master).plan
    assert [ao.codigo for ao in read.actividades()] == [ao.codigo for ao in plan.actividades()]
    assert {ao.codigo: ao.ejecutado[2] for ao in read.actividades()} == executed
    assert {c.codigo for c in result.changes} >= set(executed)

    assert main(["summary", str(master), "--periodo", "2025-03", "--json"]) == 0

    out = tmp_path / "informe.docx"
    assert main(["report", str(master), "--periodo", "2025-T1", "-o", str(out)]) == 0
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    cells = "\n".join(c.text for t in docx.Document(str(out)).tables for row in t.rows for c in row.cells)
    for code in ("AOI00091400001", "AOI00091400060", "AEI.12", "OEI/02 Gestión"):
        assert code in text + cells, code

    assert main(["export", str(master), "--parquet", str(tmp_path / "datos")]) == 0
    facts = pq.read_table(tmp_path / "datos" / "hechos-IPR-2025.parquet").to_pylist()
    march = {row["ao"]: row["ejecutado"] for row in facts if row["periodo_indice"] == 2}
    assert march == {code: float(v) for code, v in executed.items()}
    assert {row["aei"] for row in facts} == {"AEI.07", "AEI.03", "AEI.12", "AEI.01", "AEI.09", "AEI.05"}


def test_codes_summary_json_names_every_ao_by_its_code(plan: Plan, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    master = tmp_path / "maestro.xlsx"
    write_master_file(plan, master)
    assert main(["summary", str(master), "--periodo", "2025-S1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    text = json.dumps(data, ensure_ascii=False)
    assert all(ao.codigo in text for ao in plan.actividades())
    assert "OEI/02 Gestión" in text and "AEI.12" in text


def test_codes_an_ao_row_added_in_the_master_is_read_by_where_it_stands(plan: Plan, tmp_path: Path) -> None:
    """A planner who adds a row with a code of his own under an AEI gets an AO when it has an instancia; a lone
    note in column A is not an item."""
    master = tmp_path / "maestro.xlsx"
    write_master_file(plan, master)
    wb = openpyxl.load_workbook(master)
    ws = wb["OEI.01"]
    cols = {c.value: c.column for c in ws[L.HEADER_ROW + 1]}
    last = ws.max_row + 1
    ws.cell(last, cols[L.H_CODIGO]).value = "AOI99999999999"
    ws.cell(last, cols[L.H_DESCRIPCION]).value = "Actividad agregada en el maestro"
    ws.cell(last, cols[L.H_UM]).value = "Informe"
    ws.cell(last, cols[L.H_INSTANCIA]).value = "OPP"
    for m, label in enumerate(("Ene", "Feb", "Mar")):
        ws.cell(last, cols[L.prog(label)]).value = m
    ws.cell(last + 2, cols[L.H_CODIGO]).value = "Nota: revisar con OPP"
    wb.save(master)
    read = read_master(master)
    added = read.plan.objetivos[0].acciones[-1].actividades[-1]
    assert (added.codigo, added.instancia, added.programado[:3]) == ("AOI99999999999", "OPP",
                                                                      (Decimal(0), Decimal(1), Decimal(2)))
    assert sum(1 for _ in read.plan.actividades()) == 61
    assert "Nota: revisar con OPP" not in {a.codigo for a in read.plan.acciones()}
