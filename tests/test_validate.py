"""validate: real office workbooks, filled and damaged in code the way people (and attackers) do, read back.

One test per validation code (``test_code_<code>``), each on a file that triggers it and nothing else; every test
also checks that the master is byte-identical afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl.formula.translate import Translator
from openpyxl.workbook.workbook import Workbook

import zedxl.validate as validate_module
import zedxl.xlsx.office_read as office_read_module
from tests.conftest import EXAMPLE, OracleTally
from tests.workbook_helpers import replace_actividades
from zedxl import rules
from zedxl.issues import Report
from zedxl.masterkey import key_path
from zedxl.model import Plan
from zedxl.new import write_master_file
from zedxl.plan import load_plan
from zedxl.returns import merge
from zedxl.split import split
from zedxl.validate import validate, validate_cli
from zedxl.xlsx.input_text import clean_text, parse_number_text


@pytest.fixture(autouse=True)
def _openpyxl_oracle(openpyxl_oracle: OracleTally) -> OracleTally:
    """Every return read here is also opened by openpyxl, whose reading must give the same."""
    return openpyxl_oracle


@dataclass(frozen=True)
class Env:
    master: Path
    empty_master: Path
    t1: dict[str, Path]  # office → workbook split from the example master (executed values pre-filled)
    t2: dict[str, Path]
    blank: dict[str, Path]  # office → 2025-T1 workbook split from a master with nothing executed


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, example_plan: Plan) -> Env:
    base = tmp_path_factory.mktemp("validate")
    master = base / "maestro.xlsx"
    write_master_file(example_plan, master)
    empty = base / "maestro-vacio.xlsx"
    write_master_file(example_plan.without_ejecutado(), empty)

    def by_office(files: list[Path]) -> dict[str, Path]:
        return {f.stem.rsplit("-", 1)[1]: f for f in files}

    return Env(master, empty, by_office(split(master, "2025-T1", base / "t1")),
               by_office(split(master, "2025-T2", base / "t2")), by_office(split(empty, "2025-T1", base / "e1")))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def edit(src: Path, dst_dir: Path, change: Callable[[Workbook], None], name: str | None = None) -> Path:
    """Open ``src`` with openpyxl as a person's spreadsheet program would, apply ``change``, save a copy."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(src)
    change(wb)
    dst_dir.mkdir(parents=True, exist_ok=True)
    dst = dst_dir / (name or src.name)
    wb.save(dst)
    return dst


def xml_edit(path: Path, old: bytes, new: bytes) -> Path:
    """Replace bytes inside the package's XML parts (what only a hand-edited or foreign file contains)."""
    with zipfile.ZipFile(path) as z:
        parts = [(i, z.read(i)) for i in z.infolist()]
    hits = sum(data.count(old) for _, data in parts)
    assert hits == 1, f"{old!r} found {hits} times"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            z.writestr(info, data.replace(old, new))
    return path


def check(path: Path, master: Path, **kwargs: Any) -> tuple[Any, Report]:
    """validate(), asserting that the master is byte-identical afterwards."""
    before = _sha(master)
    data, report = validate(path, master, **kwargs)
    assert _sha(master) == before
    return data, report


def flat(report: Report) -> list[list[Any]]:
    return [[i.sheet, i.cell, i.code] for i in report.issues]


def set_cells(**cells: Any) -> Callable[[Workbook], None]:
    """``set_cells(OEI_01__H8=-1)``: sheet and cell in the keyword (``.`` written ``_``, ``!`` written ``__``)."""
    def change(wb: Workbook) -> None:
        for key, value in cells.items():
            sheet, ref = key.split("__")
            wb[sheet.replace("_", ".")][ref] = value
    return change


def set_meta(key: str, value: str) -> Callable[[Workbook], None]:
    """Change one identity value in the hidden sheet AND the custom property (a consistent foreign file)."""
    def change(wb: Workbook) -> None:
        ws = wb["_zedxl"]
        for row in ws.iter_rows(max_col=2):
            if row[0].value == key:
                row[1].value = value
        for prop in wb.custom_doc_props.props:
            if prop.name == "zedxl_" + key:
                prop.value = value
    return change


def insert_row_like_excel(ws: Any, idx: int) -> None:
    """Insert a blank row before ``idx`` and shift the formulas below, as Excel does (openpyxl does not)."""
    ws.insert_rows(idx)
    for row in ws.iter_rows(min_row=idx + 1):
        for c in row:
            if isinstance(c.value, str) and c.value.startswith("="):
                c.value = Translator(c.value, origin=f"{c.column_letter}{c.row - 1}").translate_formula(c.coordinate)


# -- the happy paths -----------------------------------------------------------------------------------------
def test_validate_untouched_office_workbooks_are_clean(env: Env, example_plan: Plan) -> None:
    for office, path in env.t1.items():
        data, report = check(path, env.master)
        assert report.issues == [], report.to_json()
        assert data is not None and data.instancia == office and data.periodo.label == "2025-T1"
        mine = [ao for ao in example_plan.actividades() if ao.instancia == office]
        assert data.ejecutado == {ao.codigo: {0: ao.ejecutado[0]} for ao in mine}
        assert data.justificacion == {ao.codigo: {0: ao.justificacion[0]} for ao in mine}
        assert data.sha256 == _sha(path)
    new_plan, changes = merge(example_plan, [validate(p, env.master)[0] for p in env.t1.values()])  # type: ignore
    assert changes == [] and new_plan == example_plan


def test_validate_openpyxl_resave_is_clean(env: Env, tmp_path: Path, openpyxl_oracle: OracleTally) -> None:
    path = edit(env.t2["OGA"], tmp_path, lambda wb: None)
    assert flat(check(path, env.master)[1]) == []
    # and openpyxl's own reading of the file gives the same (the oracle fixture)
    assert (openpyxl_oracle.compared, openpyxl_oracle.not_compared) == (1, 0)


def test_validate_round_trip_of_a_workbook_filled_like_a_person(env: Env, tmp_path: Path, example_plan: Plan) -> None:
    """Fill only the unlocked cells; the ReturnData equals what was typed and merges into the plan."""
    typed_exec: dict[str, dict[int, Decimal]] = {}
    typed_text: dict[str, dict[int, str]] = {}
    typed_budget: dict[str, dict[str, dict[int, Decimal]]] = {}

    def fill(wb: Workbook) -> None:
        for ws in wb.worksheets:
            head_row = next((r for r in range(1, 10) if ws.cell(r, 1).value in ("Código", "Rubro")), None)
            if head_row is None:
                continue
            heads = {c.column: c.value for c in ws[head_row]}
            for row in ws.iter_rows(min_row=head_row + 1):
                for c in row:
                    if c.protection.locked is not False:
                        continue
                    key = str(ws.cell(c.row, 1).value)
                    if heads[c.column] == "Ejec. T1":
                        ao = example_plan.actividad(key)
                        value = ao.programado[0] + Decimal("0.5") if "%" not in ao.unidad else Decimal("12.5")
                        c.value = float(value)
                        # «% avance/100»: typed as a percentage, kept as the plan's fraction (#22 case 6)
                        typed_exec[key] = {0: value / rules.typed_scale(ao.unidad)}
                    elif heads[c.column] == "Justificación T1":
                        c.value = f"Logros de {key}: se cumplió con lo indicado."
                        typed_text[key] = {0: c.value}
                    elif heads[c.column] == "Ejec. acum. T1":
                        value = Decimal(c.row * 1000) + Decimal("0.25")
                        c.value = float(value)
                        typed_budget.setdefault(ws.title.lower(), {})[key] = {0: value}

    for office, src in env.blank.items():
        typed_exec.clear()
        typed_text.clear()
        typed_budget.clear()
        path = edit(src, tmp_path, fill)
        data, report = check(path, env.empty_master)
        assert report.issues == [], report.to_json()
        assert data is not None
        assert data.ejecutado == typed_exec
        assert data.justificacion == typed_text
        assert data.presupuesto == typed_budget
        assert bool(typed_budget) == (office == "OGA")
        plan, changes = merge(example_plan.without_ejecutado(), [data])
        assert {c.codigo for c in changes} >= set(typed_exec) | set(typed_text)
        for code, per in typed_exec.items():
            assert plan.actividad(code).ejecutado[0] == per[0]
        if office == "OGA":
            typed_line = typed_budget["gastos"]["Personal y Obligaciones Sociales"]
            assert plan.presupuesto.gastos[0].acumulado[0] == typed_line[0]


def test_validate_protection_removed_is_fine_by_itself(env: Env, tmp_path: Path) -> None:
    def unprotect(wb: Workbook) -> None:
        for ws in wb.worksheets:
            ws.protection.sheet = False

    path = edit(env.t1["DPD"], tmp_path, unprotect)
    assert flat(check(path, env.master)[1]) == []
    path = edit(path, tmp_path / "b", set_cells(OEI_01__E8=7))
    assert ["OEI.01", "E8", "programado-modificado"] in flat(check(path, env.master)[1])


def test_validate_saved_by_libreoffice_like_a_shared_file_keeps_values(env: Env, tmp_path: Path) -> None:
    """Sheets reordered (by name, never by index) and a copy suffix in the file name are accepted."""
    def reorder(wb: Workbook) -> None:
        wb.move_sheet("OEI.02", offset=-2)

    path = edit(env.t1["DPD"], tmp_path, reorder, name="ZEDILO-2025-T1-DPD (1).xlsx")
    data, report = check(path, env.master)
    assert flat(report) == []
    assert data is not None and data.ejecutado["AO.02.04.02"] == {0: Decimal(2)}


# -- one test per code: the file and the workbook ------------------------------------------------------------
def test_code_archivo_ilegible(env: Env, tmp_path: Path) -> None:
    """A shared-string index past the table: intake's checks pass, the reader cannot give the cell a value."""
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__H8=987654321))
    xml_edit(path, b't="n"><v>987654321</v>', b't="s"><v>987654321</v>')  # openpyxl writes no string table
    data, report = check(path, env.master)
    assert data is None
    assert flat(report) == [["", "", "archivo-ilegible"]]
    assert "987654321" in report.issues[-1].message


def test_not_finite_number_is_refused_naming_its_cell(env: Env, tmp_path: Path) -> None:
    """NaN typed into the XML by hand: intake lets it through with an aviso; the reader refuses the value and
    names the cell (openpyxl cannot open such a file at all: the oracle counts it as not compared)."""
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__H8=987654321))
    xml_edit(path, b"<v>987654321</v>", b"<v>NaN</v>")
    data, report = check(path, env.master)
    assert flat(report) == [["OEI.01", "H8", "valor-no-finito"]]
    assert data is not None and "AO.01.01.01" not in data.ejecutado


def test_code_no_es_libro_zedxl(env: Env, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Datos"
    ws.append(["Oficina", "Código", "Indicador", "Meta", "Ejecutado"])
    ws.append(["OF01", "IND-01", "Atenciones", 1200, 1150])
    path = tmp_path / "ZEDILO-2025-T1-DPD.xlsx"
    wb.save(path)
    data, report = check(path, env.master)
    assert data is None and flat(report) == [["", "", "no-es-libro-zedxl"]]
    # the master itself sent back as a return
    copy = shutil.copy(env.master, tmp_path / "maestro-copia.xlsx")
    data, report = check(Path(copy), env.master)
    assert data is None and flat(report) == [["", "", "no-es-libro-zedxl"]]
    assert "maestro" in report.issues[0].message


def test_code_version_plantilla_distinta(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_meta("version_plantilla", "0.9"))
    data, report = check(path, env.master)
    assert data is None and flat(report) == [["", "", "version-plantilla-distinta"]]
    assert report.issues[0].value == "0.9"


def test_code_metadatos_alterados(env: Env, tmp_path: Path) -> None:
    def tamper(wb: Workbook) -> None:  # lower a programmed value in the manifest, as if to hide an edit
        ws = wb["_zedxl"]
        row = next(r for r in ws.iter_rows() if r[3].value == "AO.01.01.01")
        row[6].value = 5

    path = edit(env.t1["DPD"], tmp_path, tamper)
    data, report = check(path, env.master)
    assert data is None and flat(report) == [["", "", "metadatos-alterados"]]
    # the properties disagree with the hidden sheet
    def prop_only(wb: Workbook) -> None:
        for prop in wb.custom_doc_props.props:
            if prop.name == "zedxl_instancia":
                prop.value = "DOI"

    path = edit(env.t1["DPD"], tmp_path / "b", prop_only)
    assert flat(check(path, env.master)[1]) == [["", "", "metadatos-alterados"]]


def test_code_hoja_faltante(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, lambda wb: wb.remove(wb["OEI.02"]))
    assert flat(check(path, env.master)[1]) == [["OEI.02", "", "hoja-faltante"]]


def test_code_hoja_desconocida(env: Env, tmp_path: Path) -> None:
    def add(wb: Workbook) -> None:
        ws = wb.create_sheet("Hoja2")
        ws["A1"] = "IND-99"
        ws.sheet_state = "veryHidden"

    path = edit(env.t1["DPD"], tmp_path, add)
    _, report = check(path, env.master)
    assert flat(report) == [["Hoja2", "", "hoja-desconocida"]]
    assert "muy oculta" in report.issues[0].message
    # a renamed sheet: missing under its name, unknown under the new one
    def rename(wb: Workbook) -> None:
        wb["OEI.01"].title = "OEI.01 (2)"

    path = edit(env.t1["DPD"], tmp_path / "b", rename)
    assert flat(check(path, env.master)[1]) == [["OEI.01", "", "hoja-faltante"],
                                                ["OEI.01 (2)", "", "hoja-desconocida"]]


def test_code_encabezado_modificado(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__D5="Programado T1"))
    data, report = check(path, env.master)
    assert flat(report) == [["OEI.01", "D5", "encabezado-modificado"]]
    assert data is not None and "AO.01.01.01" not in data.ejecutado  # the sheet was not read
    # a column inserted before the inputs shifts every header after it
    path = edit(env.t1["DPD"], tmp_path / "b", lambda wb: wb["OEI.02"].insert_cols(4))
    codes = {c for _, _, c in flat(check(path, env.master)[1])}
    assert codes == {"encabezado-modificado"}


def test_code_celdas_combinadas(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, lambda wb: wb["OEI.01"].merge_cells("H8:H9"))
    data, report = check(path, env.master)
    assert flat(report) == [["OEI.01", "H8", "celdas-combinadas"]]
    assert report.issues[0].value == "H8:H9"
    assert data is not None and "AO.01.01.01" not in data.ejecutado and "AO.01.01.02" not in data.ejecutado


# -- rows: re-mapped by code ---------------------------------------------------------------------------------
def test_code_ao_faltante(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, lambda wb: wb["OEI.01"].delete_rows(12))  # last AO of the sheet
    data, report = check(path, env.master)
    assert flat(report) == [["OEI.01", "A12", "ao-faltante"]]
    assert data is not None and "AO.01.03.02" not in data.ejecutado


def test_code_ao_duplicada(env: Env, tmp_path: Path) -> None:
    def duplicate(wb: Workbook) -> None:
        ws = wb["OEI.01"]
        for c in ws[8]:
            ws.cell(13, c.column, c.value)
        ws["H13"] = 99

    path = edit(env.t1["DPD"], tmp_path, duplicate)
    data, report = check(path, env.master)
    assert flat(report) == [["OEI.01", "A13", "ao-duplicada"]]
    assert data is not None and "AO.01.01.01" not in data.ejecutado  # neither copy is taken, never summed


def test_code_ao_agregada(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__A13="AO.01.02.01", OEI_01__H13=3))  # a DOI AO
    data, report = check(path, env.master)
    assert flat(report) == [["OEI.01", "A13", "ao-agregada"]]
    assert data is not None and "AO.01.02.01" not in data.ejecutado


def test_code_filas_desplazadas(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, lambda wb: insert_row_like_excel(wb["OEI.01"], 10))
    data, report = check(path, env.master)
    assert flat(report) == [["OEI.01", "A11", "filas-desplazadas"]]
    assert report.valid
    original, _ = validate(env.t1["DPD"], env.master)
    assert data is not None and original is not None
    assert data.ejecutado == original.ejecutado and data.justificacion == original.justificacion


def test_validate_inserted_row_with_a_note_is_an_edit(env: Env, tmp_path: Path) -> None:
    def note(wb: Workbook) -> None:
        insert_row_like_excel(wb["OEI.01"], 9)
        wb["OEI.01"]["B9"] = "nota: falta información de marzo"

    path = edit(env.t1["DPD"], tmp_path, note)
    assert flat(check(path, env.master)[1]) == [["OEI.01", "B9", "celda-modificada"],
                                                ["OEI.01", "A10", "filas-desplazadas"]]


# -- cells outside the inputs --------------------------------------------------------------------------------
def test_code_nombre_modificado(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__B8="Otra actividad"))
    assert flat(check(path, env.master)[1]) == [["OEI.01", "B8", "nombre-modificado"]]


def test_code_unidad_modificada(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__C8="Eventos"))
    assert flat(check(path, env.master)[1]) == [["OEI.01", "C8", "unidad-modificada"]]


def test_code_programado_modificado(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__D8=9))
    _, report = check(path, env.master)
    assert flat(report) == [["OEI.01", "D8", "programado-modificado"]]
    assert report.issues[0].value == "9"


def test_code_ejecutado_otro_periodo(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__I8=5))  # T2 typed in the T1 workbook
    data, report = check(path, env.master)
    assert flat(report) == [["OEI.01", "I8", "ejecutado-otro-periodo"]]
    assert data is not None and data.ejecutado["AO.01.01.01"] == {0: Decimal(1)}
    path = edit(env.t2["DPD"], tmp_path / "b", set_cells(OEI_01__H8=7))  # T1 changed in the T2 one
    data, report = check(path, env.master)
    assert flat(report) == [["OEI.01", "H8", "ejecutado-otro-periodo"]]
    assert data is not None and data.ejecutado["AO.01.01.01"] == {1: Decimal(0)}


def test_code_formula_modificada(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__L8=0.99))
    _, report = check(path, env.master)
    assert flat(report) == [["OEI.01", "L8", "formula-modificada"]]
    path = edit(env.t1["OGA"], tmp_path / "b", set_cells(Gastos__E10=5000))  # a total overwritten
    assert flat(check(path, env.master)[1]) == [["Gastos", "E10", "formula-modificada"]]


def test_code_celda_modificada(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__A20="revisado", OEI_01__A1="OEI 1",
                                                   Instrucciones__B3="ok"))
    assert flat(check(path, env.master)[1]) == [["Instrucciones", "B3", "celda-modificada"],
                                                ["OEI.01", "A1", "celda-modificada"],
                                                ["OEI.01", "A20", "celda-modificada"]]


def test_code_presupuesto_modificado(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["OGA"], tmp_path, set_cells(Gastos__C8=21500))
    _, report = check(path, env.master)
    assert flat(report) == [["Gastos", "C8", "presupuesto-modificado"]]
    assert report.issues[0].column == "PIM"


def test_code_rubro_faltante(env: Env, tmp_path: Path) -> None:
    def delete(wb: Workbook) -> None:
        ws = wb["Gastos"]
        ws.delete_rows(9)  # the last line; Excel shrinks the totals' ranges and moves them up
        for col in "BC":
            ws[f"{col}9"] = f"=SUM({col}5:{col}8)"
        for col in "EFGH":  # the accumulated execution of T1…T4
            ws[f"{col}9"] = f'=IF(COUNT({col}5:{col}8)=0,"",SUM({col}5:{col}8))'
        ws["D9"] = "=C9-B9"
        ws["I9"] = '=IF(OR(C9=0,NOT(ISNUMBER(E9))),"",E9/C9*100)'

    path = edit(env.t1["OGA"], tmp_path, delete)
    data, report = check(path, env.master)
    assert flat(report) == [["Gastos", "A9", "rubro-faltante"]]
    assert data is not None and "Adquisición de Activos No Financieros" not in data.presupuesto["gastos"]


# -- input values --------------------------------------------------------------------------------------------
def test_code_formula_en_entrada(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__H8="=1+1", OEI_01__N9='=B9&" (ver informe)"'))
    data, report = check(path, env.master)
    assert flat(report) == [["OEI.01", "H8", "formula-en-entrada"], ["OEI.01", "N9", "formula-en-entrada"]]
    assert data is not None and "AO.01.01.01" not in data.ejecutado and "AO.01.01.02" not in data.justificacion


def test_code_valor_no_numerico(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__H8="muchos"))
    data, report = check(path, env.master)
    assert flat(report) == [["OEI.01", "H8", "valor-no-numerico"]]
    assert data is not None and "AO.01.01.01" not in data.ejecutado


def test_code_numero_como_texto(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__H8=" 1 ", OEI_01__H9="0,0"))
    data, report = check(path, env.master)
    assert flat(report) == [["OEI.01", "H8", "numero-como-texto"], ["OEI.01", "H9", "numero-como-texto"]]
    assert report.valid
    assert data is not None and data.ejecutado["AO.01.01.01"] == {0: Decimal(1)}
    assert "coma" in report.issues[1].message


def test_code_numero_ambiguo(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__H8="1,150"))
    _, report = check(path, env.master)
    assert flat(report) == [["OEI.01", "H8", "numero-ambiguo"]]
    assert "1150" in report.issues[0].message and "1.150" in report.issues[0].message


def test_code_valor_negativo(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__H8=-1))
    report = check(path, env.master)[1]
    assert flat(report) == [["OEI.01", "H8", "valor-negativo"]]
    # the observaciones name the AO of the row, not only the cell (#24)
    name = load_plan(EXAMPLE).actividad("AO.01.01.01").nombre
    assert report.issues[0].ao == f"AO.01.01.01 · {name[:60]}{'…' if len(name) > 60 else ''}"
    assert report.to_rows()[1][5] == report.issues[0].ao


def test_code_valor_fuera_de_rango(env: Env, tmp_path: Path) -> None:
    """1e24, 10^15 and a 30-digit text are refused where they enter; 15 significant digits are taken exactly
    (issue #21, case 6: they broke summary and the report, and two 1e308 put inf into the master)."""
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__H8=1e24, OEI_01__H9=1e15,
                                                  OEI_02__H8="123456789012345678901234567890"))
    data, report = check(path, env.master)
    assert [row for row in flat(report) if row[2] != "numero-como-texto"] == [
        ["OEI.01", "H8", "valor-fuera-de-rango"], ["OEI.01", "H9", "valor-fuera-de-rango"],
        ["OEI.02", "H8", "valor-fuera-de-rango"]]
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__H8=123456789.123456, OEI_01__N8="Cifra de prueba."))
    data, report = check(path, env.master)
    assert report.errors == [] and data is not None
    assert data.ejecutado["AO.01.01.01"][0] == Decimal("123456789.123456")


def test_code_valor_booleano(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__H8=True))
    assert flat(check(path, env.master)[1]) == [["OEI.01", "H8", "valor-booleano"]]


def test_code_valor_fecha(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__H8=dt.datetime(2025, 3, 31)))
    assert flat(check(path, env.master)[1]) == [["OEI.01", "H8", "valor-fecha"]]


def test_code_valor_error(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__H8="#DIV/0!", OEI_01__H9="#N/A"))
    data, report = check(path, env.master)
    assert flat(report) == [["OEI.01", "H8", "valor-error"], ["OEI.01", "H9", "valor-error"]]
    assert data is not None and "AO.01.01.01" not in data.ejecutado  # an error is not a blank


def test_code_valor_no_finito(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__H8=987654321))
    xml_edit(path, b"<v>987654321</v>", b"<v>-1e999</v>")
    assert flat(check(path, env.master)[1]) == [["OEI.01", "H8", "valor-no-finito"]]


def test_code_porcentaje_fuera_de_rango(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_02__H9=150))  # AO.02.03.02, U.M. "% avance/100"
    _, report = check(path, env.master)
    assert flat(report) == [["OEI.02", "H9", "porcentaje-fuera-de-rango"]]
    assert "% avance/100" in report.issues[0].message


@pytest.mark.parametrize(("unit", "percent"), [
    ("%", True), ("% avance/100", True), ("Porcentaje", True), ("porcentaje de avance", True),
    ("Porcentaje (%)", True), ("Por ciento", True), ("Tasa por mil habitantes", False), ("Informe", False),
    ("Personas", False), ("Expedientes porcentuales", True),
])
def test_percent_units_are_one_rule(unit: str, percent: bool) -> None:
    assert rules.is_percent_unit(unit) is percent


def _as_typed(path: Path, libreoffice: bool) -> Path:
    """The typed file as it comes back: as openpyxl saved it, or opened and saved again by LibreOffice."""
    if not libreoffice:
        return path
    from zedxl.libreoffice import convert

    return convert(path, "xlsx", path.parent / "libreoffice")


@pytest.mark.parametrize("libreoffice", [False, True], ids=["openpyxl", "libreoffice"])
def test_porcentaje_unit_is_a_percentage(tmp_path: Path, example_plan: Plan, libreoffice: bool) -> None:
    """#22 case 6: an AO measured in «Porcentaje» (no % sign) is typed 0 to 100 like one measured in «%»: 150 is
    refused, «20%» is read as 20, and the workbook's own validation says 0 to 100."""
    plan = replace_actividades(example_plan, lambda ao, k: replace(ao, unidad="Porcentaje")
                               if ao.codigo == "AO.01.01.01" else ao)
    master = tmp_path / "maestro.xlsx"
    write_master_file(plan, master)
    path = split(master, "2025-T1", tmp_path / "libros", instancias=["DPD"])[0]
    dv = {str(d.sqref): d for d in openpyxl.load_workbook(path)["OEI.01"].data_validations.dataValidation}["H8"]
    assert (dv.operator or "between", dv.formula1, dv.formula2) == ("between", "0", "100")
    _, report = check(_as_typed(edit(path, tmp_path / "a", set_cells(OEI_01__H8=150)), libreoffice), master)
    assert flat(report) == [["OEI.01", "H8", "porcentaje-fuera-de-rango"]]
    typed = edit(path, tmp_path / "b", set_cells(OEI_01__H8="20%", OEI_01__N8="Avance parcial."))
    data, report = check(_as_typed(typed, libreoffice), master)
    assert flat(report) == [["OEI.01", "H8", "porcentaje-convertido"]]
    assert data is not None and data.ejecutado["AO.01.01.01"] == {0: Decimal(20)}


@pytest.mark.parametrize("libreoffice", [False, True], ids=["openpyxl", "libreoffice"])
def test_fraction_unit_is_seen_and_typed_as_a_percentage(env: Env, tmp_path: Path, libreoffice: bool) -> None:
    """#22 case 6: the seed's «% avance/100» keeps 0.2 in the plan for 20 %; the office sees 20 (programmed and
    earlier executed) and types 40, the master gets 0.4; 40 is not refused as over 1, 0.4 is not taken as 0.4 %."""
    ws = openpyxl.load_workbook(env.t2["DPD"])["OEI.02"]
    heads = {c.value: c.column for c in ws[5]}
    row = next(r[0].row for r in ws.iter_rows(min_row=6) if r[0].value == "AO.02.03.02")
    assert [ws.cell(row, heads[h]).value for h in ("Prog. T1", "Prog. T2", "Prog. T4", "Ejec. T1")] == [20, 20, 40, 20]
    path = edit(env.t2["DPD"], tmp_path, set_cells(**{f"OEI_02__{openpyxl.utils.get_column_letter(heads['Ejec. T2'])}"
                                                      f"{row}": 40}))
    data, report = check(_as_typed(path, libreoffice), env.master)
    assert report.valid and data is not None and data.ejecutado["AO.02.03.02"] == {1: Decimal("0.4")}


def test_code_porcentaje_convertido(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_02__H9="20%"))
    data, report = check(path, env.master)
    assert flat(report) == [["OEI.02", "H9", "porcentaje-convertido"]]
    # «% avance/100»: 20 % typed is the plan's 0.2 (#22 case 6)
    assert report.valid and data is not None and data.ejecutado["AO.02.03.02"] == {0: Decimal("0.2")}


def test_code_porcentaje_en_unidad_no_porcentual(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__H8="50%"))
    assert flat(check(path, env.master)[1]) == [["OEI.01", "H8", "porcentaje-en-unidad-no-porcentual"]]


def test_code_formato_porcentaje(env: Env, tmp_path: Path) -> None:
    def typed_with_percent(wb: Workbook) -> None:  # Excel stores «20%» as 0.2 with a % format
        cell = wb["OEI.02"]["H9"]
        cell.value = 0.2
        cell.number_format = "0%"

    path = edit(env.t1["DPD"], tmp_path, typed_with_percent)
    data, report = check(path, env.master)
    assert flat(report) == [["OEI.02", "H9", "formato-porcentaje"]]
    assert data is not None and "AO.02.03.02" not in data.ejecutado


def test_code_texto_parece_formula(env: Env, tmp_path: Path) -> None:
    def texts(wb: Workbook) -> None:
        ws = wb["OEI.01"]
        ws["N8"] = "@SUM(1+1)*cmd"
        ws["N9"] = "=HYPERLINK(\"http://x\")"
        ws["N9"].data_type = "s"  # stored as text, as a pasted value would be
        ws["N11"] = "\t+51 999 ventanilla"
        ws["N12"] = "＝1+1 informe"
        wb["OEI.02"]["N8"] = " \u00a0\u200b=1+1"  # after blanks and a zero-width space (issue #21, case 10)

    path = edit(env.t1["DPD"], tmp_path, texts)
    data, report = check(path, env.master)
    assert flat(report) == [["OEI.01", "N8", "texto-parece-formula"], ["OEI.01", "N9", "texto-parece-formula"],
                            ["OEI.01", "N11", "texto-parece-formula"], ["OEI.01", "N12", "texto-parece-formula"],
                            ["OEI.02", "N8", "texto-parece-formula"], ["OEI.02", "N8", "caracteres-de-control"]]
    assert report.valid and data is not None
    assert data.justificacion["AO.01.01.02"][0] == "=HYPERLINK(\"http://x\")"  # kept as text
    assert data.justificacion["AO.01.03.01"][0] == "+51 999 ventanilla"


def test_code_caracteres_de_control(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__N8="ZXCTRL"))
    xml_edit(path, b"ZXCTRL", b"Se cumpli_x0007__x001B_\xc3\xb3 la meta")  # how Excel writes BEL and ESC
    data, report = check(path, env.master)
    assert flat(report) == [["OEI.01", "N8", "caracteres-de-control"]]
    assert data is not None and data.justificacion["AO.01.01.01"][0] == "Se cumplió la meta"


def test_code_caracteres_invisibles_que_reordenan_el_texto(env: Env, tmp_path: Path) -> None:
    """A right-to-left override or a zero-width space would reorder or hide words in the report: removed, with the
    same aviso as control characters (issue #21, case 10)."""
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__N8="Meta \u202ecumplida\u202c al\u200b 100\ufeff %"))
    data, report = check(path, env.master)
    assert flat(report) == [["OEI.01", "N8", "caracteres-de-control"]]
    assert "4 caracteres" in report.issues[0].message
    assert data is not None and data.justificacion["AO.01.01.01"][0] == "Meta cumplida al 100 %"


def test_code_texto_demasiado_largo(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__N8="ZXLONG"))
    xml_edit(path, b"ZXLONG", b"y" * 40_000)  # openpyxl itself cuts at 32,767 when writing
    data, report = check(path, env.master)
    assert flat(report) == [["OEI.01", "N8", "texto-demasiado-largo"]]
    assert data is not None and "AO.01.01.01" not in data.justificacion
    # counted as Excel counts, in UTF-16 units: 20,000 emoji are 40,000 of them (a master would hold a cut copy)
    path = edit(env.t1["DPD"], tmp_path / "emoji", set_cells(OEI_01__N8="ZXLONG"))
    xml_edit(path, b"ZXLONG", "\U0001F600".encode() * 20_000)
    data, report = check(path, env.master)
    assert flat(report) == [["OEI.01", "N8", "texto-demasiado-largo"]]
    assert "40000" in report.issues[0].message.replace(",", "").replace(" ", "").replace("\u202f", "")


# -- identity ------------------------------------------------------------------------------------------------
def _foreign_workbook(plan: Plan, period: str, folder: Path) -> Path:
    """The DPD workbook of another master (another entity, another year): a consistent, genuine zedxl file."""
    other = folder / "otro-maestro.xlsx"
    write_master_file(plan, other)
    return split(other, period, folder, instancias=["DPD"])[0]


def test_code_entidad_distinta(env: Env, tmp_path: Path, example_plan: Plan) -> None:
    path = _foreign_workbook(replace(example_plan, entidad="Zona Especial de Desarrollo Paita"), "2025-T1",
                             tmp_path)
    data, report = check(path, env.master)
    assert flat(report) == [["", "", "entidad-distinta"]]
    assert data is not None and data.entidad == "Zona Especial de Desarrollo Paita"  # content wins


def test_code_anio_distinto(env: Env, tmp_path: Path, example_plan: Plan) -> None:
    path = _foreign_workbook(replace(example_plan, anio=2024), "2024-T1", tmp_path)  # last year's campaign
    assert path.name == "ZEDILO-2024-T1-DPD.xlsx"
    data, report = check(path, env.master)
    assert flat(report) == [["", "", "anio-distinto"]]
    assert data is not None and data.anio == 2024


def test_code_periodo_distinto(env: Env) -> None:
    _, report = check(env.t1["DPD"], env.master, periodo="2025-T2")
    assert flat(report) == [["", "", "periodo-distinto"]]
    assert "2025-T1" in report.issues[0].message and "2025-T2" in report.issues[0].message


def test_code_instancia_distinta(env: Env) -> None:
    _, report = check(env.t1["DPD"], env.master, instancia="doi")
    assert flat(report) == [["", "", "instancia-distinta"]]
    assert "DPD" in report.issues[0].message and "DOI" in report.issues[0].message


def test_code_nombre_archivo_distinto(env: Env, tmp_path: Path) -> None:
    path = Path(shutil.copy(env.t1["DPD"], tmp_path / "ZEDILO-2025-T1-DOI.xlsx"))  # a colleague's file reused
    data, report = check(path, env.master)
    assert flat(report) == [["", "", "nombre-archivo-distinto"]]
    assert report.valid and data is not None and data.instancia == "DPD"  # content wins
    path = Path(shutil.copy(env.t1["DPD"], tmp_path / "informe DPD final.xlsx"))
    assert flat(check(path, env.master)[1]) == [["", "", "nombre-archivo-distinto"]]


def test_code_huella_distinta(env: Env, tmp_path: Path, example_plan: Plan) -> None:
    ao = example_plan.actividad("AO.01.01.01")
    changed = replace(example_plan, objetivos=tuple(
        replace(o, acciones=tuple(replace(a, actividades=tuple(
            replace(x, programado=(Decimal(2), *x.programado[1:])) if x.codigo == ao.codigo else x
            for x in a.actividades)) for a in o.acciones)) for o in example_plan.objetivos))
    master2 = tmp_path / "maestro-reprogramado.xlsx"
    write_master_file(changed, master2)
    shutil.copy(key_path(env.master), key_path(master2))  # the same master, reprogrammed: the same key
    _, report = check(env.t1["DPD"], master2)
    assert flat(report) == [["", "", "huella-distinta"]]
    _, report = check(env.t1["DOI"], master2)  # the other offices' workbooks are still good
    assert flat(report) == []


# -- rules on the values -------------------------------------------------------------------------------------
def test_code_justificacion_faltante(env: Env, tmp_path: Path) -> None:
    # over-executed without a word, and executed without a target (AO.01.01.02: nothing programmed in T1)
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__H8=3, OEI_01__N8=None, OEI_01__H9=2, OEI_01__N9="  "))
    _, report = check(path, env.master)
    assert flat(report) == [["OEI.01", "N8", "justificacion-faltante"], ["OEI.01", "N9", "justificacion-faltante"]]
    assert "3" in report.issues[0].message and "1" in report.issues[0].message


def test_code_ejecutado_vacio(env: Env, tmp_path: Path) -> None:
    path = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__H8=None))
    data, report = check(path, env.master)
    assert flat(report) == [["OEI.01", "H8", "ejecutado-vacio"]]
    assert report.valid and data is not None and data.ejecutado["AO.01.01.01"] == {0: None}


def test_code_retorno_vacio(env: Env) -> None:
    data, report = check(env.blank["DPD"], env.empty_master)
    assert flat(report) == [["", "", "retorno-vacio"]]
    assert report.valid and data is not None


def test_code_sello_no_valido(env: Env) -> None:
    """A workbook sealed by another master (another key) with the very same plan: refused; more in
    test_forgery.py."""
    _, report = check(env.t1["DPD"], env.master, key=secrets.token_bytes(32))
    assert flat(report) == [["", "", "sello-no-valido"]]
    assert not report.valid and "zedxl split" in report.issues[0].message


def test_every_validation_code_has_its_test() -> None:
    codes = set()
    for module in (office_read_module, validate_module):
        source = Path(module.__file__ or "").read_text(encoding="utf-8")
        codes |= set(re.findall(r'register\("([a-z0-9-]+)"', source))
    missing = [c for c in sorted(codes) if f"test_code_{c.replace('-', '_')}" not in globals()]
    assert len(codes) >= 40 and missing == []


# -- policies in isolation -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "value", "percent"), [
    (" 362 ", "362", False), ("0.715", "0.715", False), ("1,5", "1.5", False), ("362,0", "362.0", False),
    ("1.150,5", "1150.5", False), ("1.150.000", "1150000", False), ("1,150.50", "1150.50", False),
    ("4'821,520.00", "4821520.00", False), ("12,345,678", "12345678", False), ("71,5%", "71.5", True),
    ("50 %", "50", True), ("S/ 1,200.50", "1200.50", False), ("-3", "-3", False), ("\u00a02\u00a0", "2", False),
])
def test_parse_number_text_reads_texts_with_one_reading(text: str, value: str, percent: bool) -> None:
    parsed = parse_number_text(text)
    assert parsed.value == Decimal(value) and parsed.percent is percent


@pytest.mark.parametrize("text", ["1,150", "1.150", "100.000", "2,500"])
def test_parse_number_text_refuses_ambiguous_thousands(text: str) -> None:
    parsed = parse_number_text(text)
    assert parsed.value is None and parsed.ambiguous is not None


@pytest.mark.parametrize("text", ["muchos", "1.2.3,4,5", "1e999", "", "--1", "1,2,3", "nan", "inf"])
def test_parse_number_text_refuses_the_rest(text: str) -> None:
    assert parse_number_text(text).value is None


@pytest.mark.parametrize(("raw", "text", "removed", "start"), [
    ("=cmd|' /c calc'!A0", "=cmd|' /c calc'!A0", 0, "="), ("\r\nhola", "hola", 0, "\r"), ("＝1", "＝1", 0, "＝"),
    ("a_x0007_b\x0bc", "abc", 2, ""), ("línea 1\r\nlínea 2", "línea 1\nlínea 2", 0, ""),
])
def test_clean_text(raw: str, text: str, removed: int, start: str) -> None:
    assert clean_text(raw) == (text, removed, start)


# -- CLI ------------------------------------------------------------------------------------------------------
def _args(master: Path, *files: Path, json_out: bool = False, periodo: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(master=str(master), retornos=[str(f) for f in files], periodo=periodo,
                              instancia=None, json=json_out)


def test_validate_cli_exit_codes_and_output(env: Env, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert validate_cli(_args(env.master, env.t1["DPD"])) == 0
    bad = edit(env.t1["DPD"], tmp_path, set_cells(OEI_01__H8=-1))
    assert validate_cli(_args(env.master, bad)) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [line for line in out if line.startswith("valor-negativo | error | ZEDILO-2025-T1-DPD.xlsx | "
                                                           "OEI.01 | H8 | -1 | ")] and len(out) == 1
    assert validate_cli(_args(env.master, bad, json_out=True)) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["valido"] is False and doc["problemas"][0]["code"] == "valor-negativo"
    assert validate_cli(_args(env.master, env.t1["DPD"], bad, json_out=True)) == 1
    assert [d["valido"] for d in json.loads(capsys.readouterr().out)] == [True, False]
    junk = tmp_path / "ZEDILO-2025-T1-OAL.xlsx"
    junk.write_text("Oficina;Ejecutado\nOAL;1,5\n", encoding="utf-8")
    assert validate_cli(_args(env.master, junk)) == 1  # an unreadable return is a problem in the return
    assert validate_cli(_args(tmp_path / "no-existe.xlsx", env.t1["DPD"])) == 2
    assert validate_cli(_args(env.master, tmp_path / "no-existe.xlsx")) == 2
    assert validate_cli(_args(env.master, env.t1["DPD"], periodo="2025-T9")) == 2
    assert validate_cli(_args(junk, env.t1["DPD"])) == 2  # unreadable master


# -- never raises --------------------------------------------------------------------------------------------
_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**15, 10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40),
    st.sampled_from(["#N/A", "#DIV/0!", "#REF!", "=1/0", "=SUM(A1:A3)", "=[1]Hoja1!A1", "1,5", "50%", " 362 ",
                     "1.150,5", "＝x", "AO.01.01.01", "AO.01.02.01", "OEI.01", "Total", "retorno-instancia", ""]),
)
_SHEETS = st.sampled_from(["OEI.01", "OEI.03", "Gastos", "Ingresos", "Instrucciones", "_zedxl"])


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(edits=st.lists(st.tuples(_SHEETS, st.integers(1, 40), st.integers(1, 17), _VALUES), min_size=1, max_size=5))
def test_validate_never_raises_on_mutated_cell_values(env: Env, tmp_path: Path,
                                                      edits: list[tuple[str, int, int, Any]]) -> None:
    def change(wb: Workbook) -> None:
        for sheet, r, c, value in edits:
            wb[sheet].cell(r, c).value = value

    try:
        path = edit(env.t1["OGA"], tmp_path, change, name="ZEDILO-2025-T1-OGA.xlsx")
    except Exception:  # noqa: BLE001 - openpyxl refuses some values; such a file cannot be sent either
        assume(False)
        return
    data, report = validate(path, env.master)
    assert isinstance(report, Report)
    assert data is not None or not report.valid
    assert all(i.code and i.severity in ("error", "aviso") and i.message for i in report)


def test_validate_json_of_a_file_name_that_is_not_utf8(env: Env, tmp_path: Path) -> None:
    """A file called with a byte that is not UTF-8 (Linux allows it): ``validate --json`` still writes UTF-8,
    naming the byte ``\\xNN`` as the ledger and the text output do."""
    name = os.fsencode(str(tmp_path)) + b"/informe-\xff.xlsx"
    shutil.copy(env.t1["DPD"], name)
    proc = subprocess.run([sys.executable, "-m", "zedxl", "validate", "--maestro", str(env.master), "--json",
                           os.fsdecode(name)], capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout.decode("utf-8"))  # strict: fails on a raw 0xff byte
    assert doc["archivo"] == "informe-\\xff.xlsx"
