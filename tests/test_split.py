"""split: one workbook per office, only its AO, protected, inputs unlocked and validated, formulas cached right."""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.workbook_helpers import as_monthly, replace_actividades
from zedxl import TEMPLATE_VERSION, rules
from zedxl.errors import PeriodError, ZedxlError
from zedxl.libreoffice import convert
from zedxl.masterkey import load_key, seal
from zedxl.model import Plan
from zedxl.new import write_master_file
from zedxl.periods import parse_period
from zedxl.split import split
from zedxl.validate import validate
from zedxl.xlsx.master_read import read_master
from zedxl.xlsx.office_layout import (
    OfficeSpec,
    content_digest,
    fingerprint,
    office_file_name,
    office_spec,
    parse_office_file_name,
)

OFFICES = ("DPD", "DOI", "OGA", "OAL")
INPUT_FILL = "FFF2CC"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def split_dir(tmp_path_factory: pytest.TempPathFactory, example_plan: Plan) -> dict[str, Any]:
    """The example master and its office workbooks for 2025-T1 and 2025-T2 (written once for this module)."""
    base = tmp_path_factory.mktemp("split")
    master = base / "maestro.xlsx"
    write_master_file(example_plan, master)
    before = _sha(master)
    files = {p: split(master, p, base / p) for p in ("2025-T1", "2025-T2")}
    return {"master": master, "sha": before, "files": files, "base": base}


def _header(ws: Any) -> dict[str, int]:
    """Header text → 1-based column, from the row whose first cell is «Código» or «Rubro»."""
    for row in ws.iter_rows(min_row=1, max_row=10):
        if row[0].value in ("Código", "Rubro"):
            return {str(c.value): c.column for c in row if c.value is not None}
    raise AssertionError(f"no header in {ws.title}")


def _code_rows(ws: Any) -> dict[str, int]:
    return {str(c.value): c.row for c in ws["A"]
            if isinstance(c.value, str) and re.fullmatch(r"(OEI|AEI|AO)(\.\d\d)+", c.value)}


def _unlocked(ws: Any) -> set[str]:
    return {c.coordinate for row in ws.iter_rows() for c in row if c.protection.locked is False}


def test_split_file_names_show_entity_year_period_office(split_dir: dict[str, Any]) -> None:
    for period, files in split_dir["files"].items():
        assert [f.name for f in files] == [f"ZEDILO-{period}-{o}.xlsx" for o in OFFICES]
        assert all(f.is_file() for f in files)
    assert _sha(split_dir["master"]) == split_dir["sha"]  # the master is only read


def test_split_file_name_round_trip() -> None:
    t1 = parse_period("2025-T1", 2025, "trimestral")
    assert office_file_name("ZED ILO", t1, "DPD") == "ZEDILO-2025-T1-DPD.xlsx"
    assert parse_office_file_name("ZEDILO-2025-T1-DPD.xlsx") == ("ZEDILO", "2025-T1", "DPD")
    assert parse_office_file_name("zedilo-2025-t1-dpd (1).xlsx") == ("ZEDILO", "2025-T1", "DPD")
    assert parse_office_file_name("informe final.xlsx") is None


@pytest.mark.parametrize("period", ["2025-T1", "2025-T2"])
def test_split_holds_only_the_office_ao_under_their_headings(split_dir: dict[str, Any], example_plan: Plan,
                                                             period: str) -> None:
    for path, office in zip(split_dir["files"][period], OFFICES, strict=True):
        wb = openpyxl.load_workbook(path)
        mine = [ao.codigo for ao in example_plan.actividades() if ao.instancia == office]
        found: list[str] = []
        for oei in example_plan.objetivos:
            aos = [ao.codigo for a in oei.acciones for ao in a.actividades if ao.instancia == office]
            if not aos:
                assert oei.codigo not in wb.sheetnames
                continue
            rows = _code_rows(wb[oei.codigo])
            codes = list(rows)
            assert codes[0] == oei.codigo
            for aei in oei.acciones:  # AO below their AEI heading, AEI without this office's AO left out
                own = [ao.codigo for ao in aei.actividades if ao.instancia == office]
                if own:
                    assert codes.index(aei.codigo) < codes.index(own[0])
                else:
                    assert aei.codigo not in codes
            found += [c for c in codes if c.startswith("AO.")]
        assert found == mine
        assert wb.sheetnames[0] == "Instrucciones" and wb.sheetnames[-1] == "_zedxl"


def test_split_protects_every_sheet_without_password(split_dir: dict[str, Any]) -> None:
    for path in split_dir["files"]["2025-T1"]:
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            assert ws.protection.sheet is True, (path.name, ws.title)
            assert not ws.protection.password
        assert wb["_zedxl"].sheet_state == "veryHidden"


@pytest.mark.parametrize("period", ["2025-T1", "2025-T2"])
def test_split_unlocks_exactly_the_period_and_justification_cells(split_dir: dict[str, Any], period: str) -> None:
    short = period[-2:]
    for path, office in zip(split_dir["files"][period], OFFICES, strict=True):
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            if ws.title in ("Instrucciones", "_zedxl"):
                assert _unlocked(ws) == set()
                continue
            head = _header(ws)
            if ws.title in ("Ingresos", "Gastos"):
                assert office == "OGA"
                col = head[f"Ejec. acum. {short}"]  # only the period's accumulated figure
                lines = [c.row for c in ws["A"] if c.row > 4 and c.value not in (None, "Total")]
                expected = {ws.cell(r, col).coordinate for r in lines}
            else:
                expected = set()
                for code, r in _code_rows(ws).items():
                    if code.startswith("AO."):
                        expected |= {ws.cell(r, head[f"Ejec. {short}"]).coordinate,
                                     ws.cell(r, head[f"Justificación {short}"]).coordinate}
            assert _unlocked(ws) == expected, (path.name, ws.title)
            for ref in expected:
                assert ws[ref].fill.fgColor.rgb.endswith(INPUT_FILL)
        assert ("Ingresos" in wb.sheetnames) == (office == "OGA")
        assert ("Gastos" in wb.sheetnames) == (office == "OGA")


def test_split_validates_every_input_cell(split_dir: dict[str, Any], example_plan: Plan) -> None:
    units = {ao.codigo: ao.unidad for ao in example_plan.actividades()}
    for path in split_dir["files"]["2025-T1"]:
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            if ws.title in ("Instrucciones", "_zedxl"):
                continue
            rules_by_cell = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
            head = _header(ws)
            if ws.title in ("Ingresos", "Gastos"):
                for ref in _unlocked(ws):
                    dv = rules_by_cell[ref]
                    assert (dv.type, dv.operator, dv.formula1) == ("decimal", "greaterThanOrEqual", "0")
                continue
            for code, r in _code_rows(ws).items():
                if not code.startswith("AO."):
                    continue
                dv = rules_by_cell[ws.cell(r, head["Ejec. T1"]).coordinate]
                assert dv.type == "decimal"
                assert units[code] in dv.prompt
                if rules.is_percent_unit(units[code]):
                    # "between" is the OOXML default operator: writers may leave it out
                    assert (dv.operator or "between", dv.formula1, dv.formula2) == ("between", "0", "100")
                else:
                    assert (dv.operator, dv.formula1) == ("greaterThanOrEqual", "0")
                dv = rules_by_cell[ws.cell(r, head["Justificación T1"]).coordinate]
                assert (dv.type, dv.operator, dv.formula1) == ("textLength", "lessThanOrEqual", "32767")


def test_split_metadata_in_hidden_sheet_and_properties(split_dir: dict[str, Any], example_plan: Plan) -> None:
    path = split_dir["files"]["2025-T1"][0]
    wb = openpyxl.load_workbook(path)
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    spec = office_spec(example_plan, parse_period("2025-T1", 2025, "trimestral"), "DPD")
    assert props == {"zedxl_tipo": "retorno-instancia", "zedxl_version_plantilla": TEMPLATE_VERSION,
                     "zedxl_entidad": "Zona Especial de Desarrollo Ilo", "zedxl_sigla": "ZED ILO",
                     "zedxl_anio": "2025", "zedxl_periodo": "2025-T1", "zedxl_instancia": "DPD",
                     "zedxl_huella": fingerprint(spec)}
    meta = {r[0]: r[1] for r in wb["_zedxl"].iter_rows(values_only=True) if r[0]}
    assert meta["tipo"] == "retorno-instancia" and meta["instancia"] == "DPD" and meta["periodo"] == "2025-T1"
    assert re.fullmatch(r"[0-9a-f]{64}", meta["huella"])
    # every input cell is listed with its sheet, address, AO and field
    rows = list(wb["_zedxl"].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "[entradas]")
    entries = []
    for r in rows[start + 2:]:
        if str(r[0]).startswith("["):
            break
        if r[0]:
            entries.append(r[:4])
    assert ("OEI.01", "H8", "AO.01.01.01", "ejecutado:0") in entries
    assert ("OEI.01", "N8", "AO.01.01.01", "justificacion:0") in entries
    assert len(entries) == 2 * 8  # DPD owns 8 AO: one executed cell and one justification each
    # the names used by the formulas point into the hidden sheet
    assert wb.defined_names["ZX_TOPE"].attr_text == "'_zedxl'!$B$17"
    # sealed with the master's key over everything locked in it; the key itself is nowhere in the workbook
    master = split_dir["master"]
    key = load_key(master)
    written = office_spec(read_master(master).plan, parse_period("2025-T1", 2025, "trimestral"), "DPD")
    assert meta["sello"] == seal(key, content_digest(written))
    with zipfile.ZipFile(path) as z:
        parts = b"".join(z.read(n) for n in z.namelist())
    assert key.hex().encode() not in parts and key not in parts


def test_split_fingerprint_covers_codes_names_units_and_programmed(example_plan: Plan) -> None:
    t1 = parse_period("2025-T1", 2025, "trimestral")
    base = fingerprint(office_spec(example_plan, t1, "DPD"))
    ao = example_plan.actividad("AO.01.01.01")
    changed = [
        replace(ao, programado=(Decimal(2), *ao.programado[1:])),
        replace(ao, nombre=ao.nombre + "."),
        replace(ao, unidad="Eventos"),
    ]
    for new in changed:
        plan = example_plan.with_ejecutado({})
        plan = replace(plan, objetivos=tuple(
            replace(o, acciones=tuple(replace(a, actividades=tuple(new if x.codigo == ao.codigo else x
                                                                     for x in a.actividades))
                                      for a in o.acciones)) for o in plan.objetivos))
        assert fingerprint(office_spec(plan, t1, "DPD")) != base
    # executed values and justifications are what the office changes: they are not in the fingerprint
    assert fingerprint(office_spec(example_plan.without_ejecutado(), t1, "DPD")) == base
    assert fingerprint(office_spec(example_plan, t1, "DOI")) != base


def test_split_fingerprint_is_stable(example_plan: Plan) -> None:
    """The fingerprint of what an office was given never changes with zedxl's version: workbooks split before are
    checked against it (pinned for the bundled example's DPD, first quarter)."""
    spec = office_spec(example_plan, parse_period("2025-T1", 2025, "trimestral"), "DPD")
    assert fingerprint(spec) == "f98fdaf5e6bc81a388240b58b02c54b0b1991df91942fe7082d80e5c4d1819ef"


def test_split_cached_values_follow_the_rules(split_dir: dict[str, Any], example_plan: Plan) -> None:
    for period in ("2025-T1", "2025-T2"):
        p = parse_period(period, 2025, "trimestral")
        for path in split_dir["files"][period]:
            wb = openpyxl.load_workbook(path, data_only=True)
            for ws in wb.worksheets:
                if not ws.title.startswith("OEI"):
                    continue
                head = _header(ws)
                for code, r in _code_rows(ws).items():
                    if not code.startswith("AO."):
                        continue
                    ao = example_plan.actividad(code)
                    prog = rules.sum_programmed(ao.programado, p.start, p.stop)
                    ejec = rules.sum_executed(ao.ejecutado, p.start, p.stop)
                    pct = rules.progress(prog, ejec, example_plan.reglas)
                    assert ws.cell(r, head[f"Avance {p.short} (%)"]).value == pytest.approx(float(pct or 0))
                    assert ws.cell(r, head[f"Estado {p.short}"]).value == rules.status(prog, ejec,
                                                                                         example_plan.reglas)


def test_split_semester_period_adds_period_columns_and_round_trips(tmp_path: Path, example_plan: Plan) -> None:
    """S1 of a quarterly plan whose T1 is consolidated: period columns, T1 shown locked, T2 open (#22: what is
    reported is not typed again)."""
    t1_only = replace_actividades(example_plan, lambda ao, k: replace(ao, ejecutado=(ao.ejecutado[0], None, None,
                                                                                      None)))
    master = tmp_path / "maestro.xlsx"
    write_master_file(t1_only, master)
    files = split(master, "2025-S1", tmp_path / "s1", fecha_limite="15/07/2025", instancias=["dpd"])
    assert [f.name for f in files] == ["ZEDILO-2025-S1-DPD.xlsx"]
    wb = openpyxl.load_workbook(files[0])
    ws = wb["OEI.01"]
    head = _header(ws)
    assert list(head)[-6:] == ["Prog. S1", "Ejec. S1", "Avance S1 (%)", "Estado S1", "Justificación T1",
                               "Justificación T2"]
    assert any("15/07/2025" in str(c.value) for c in wb["Instrucciones"]["A"])
    rows = {code: r for code, r in _code_rows(ws).items() if code.startswith("AO.")}
    assert _unlocked(ws) == {ws.cell(r, head[h]).coordinate for r in rows.values()
                             for h in ("Ejec. T2", "Justificación T2")}
    for code, r in rows.items():
        ws.cell(r, head["Ejec. T2"]).value = float(example_plan.actividad(code).ejecutado[1] or 0)
    for other in wb.worksheets:
        if other.title.startswith("OEI.") and other.title != "OEI.01":
            oh = _header(other)
            for code, r in _code_rows(other).items():
                if code.startswith("AO."):
                    other.cell(r, oh["Ejec. T2"]).value = float(example_plan.actividad(code).ejecutado[1] or 0)
                    other.cell(r, oh["Justificación T2"]).value = "Según lo previsto."
    for r in rows.values():
        ws.cell(r, head["Justificación T2"]).value = "Según lo previsto."
    wb.save(files[0])
    data, report = validate(files[0], master)
    assert report.issues == []
    assert data is not None and data.ejecutado["AO.01.01.02"] == {1: Decimal(2)}


def test_split_refuses_unknown_period_and_office(tmp_path: Path, master: Path) -> None:
    with pytest.raises(PeriodError):
        split(master, "2025-T5", tmp_path)
    with pytest.raises(PeriodError):
        split(master, "2024-T1", tmp_path)
    with pytest.raises(ZedxlError, match="XYZ"):
        split(master, "2025-T1", tmp_path, instancias=["XYZ"])


def test_split_empty_string_results_are_typed_as_text(tmp_path: Path, master: Path) -> None:
    path = split(master, "2025-T1", tmp_path, instancias=["OGA"])[0]
    with zipfile.ZipFile(path) as z:
        sheets = [z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert all(b"<v></v></c>" not in re.sub(rb'<c [^>]*t="str"[^>]*>.*?</c>', b"", s) for s in sheets)
    assert any(b't="str"><f>' in s for s in sheets)  # Saldos de Balance: no PIM, so % is ""


@pytest.mark.libreoffice
def test_split_libreoffice_opens_every_office_workbook_with_protection_and_validations(
        split_dir: dict[str, Any]) -> None:
    outdir = split_dir["base"] / "ods"
    for path in split_dir["files"]["2025-T1"]:
        ods = convert(path, "ods", outdir)
        with zipfile.ZipFile(ods) as z:
            content = z.read("content.xml").decode("utf-8")
        tables = re.findall(r"<table:table [^>]*>", content)
        assert len(tables) == len(openpyxl.load_workbook(path).sheetnames)
        assert all('table:protected="true"' in t for t in tables), path.name
        assert "<table:content-validation " in content
        assert "cell-content-is-decimal-number() and cell-content()&gt;=0" in content
        assert "cell-content-text-length()&lt;=32767" in content
        assert content.count("table:content-validation-name=") >= 2


@pytest.mark.libreoffice
def test_split_libreoffice_recalculates_the_cached_values_and_its_save_still_validates(
        split_dir: dict[str, Any]) -> None:
    outdir = split_dir["base"] / "lo-xlsx"
    for path in split_dir["files"]["2025-T2"][::2]:  # DPD and OGA (with the budget sheets)
        again = convert(path, "xlsx", outdir)
        ours = openpyxl.load_workbook(path, data_only=True)
        theirs = openpyxl.load_workbook(again, data_only=True)
        for ws in ours.worksheets:
            if ws.title == "_zedxl":
                continue
            for row in ws.iter_rows():
                for c in row:
                    other = theirs[ws.title][c.coordinate].value
                    if isinstance(c.value, float):
                        assert other == pytest.approx(c.value), (ws.title, c.coordinate)
                    else:
                        assert (other or None) == (c.value or None), (ws.title, c.coordinate)
        # an office that fills its workbook with LibreOffice Calc sends back a file that still validates
        data, report = validate(again, split_dir["master"])
        assert report.valid, report.to_json()
        assert data is not None and data.instancia == path.stem.rsplit("-", 1)[1]


def _monthly(plan: Plan) -> Plan:
    """The example as a monthly plan: each quarter's value in its last month, nothing executed."""
    return as_monthly(plan.without_ejecutado(), lambda v: (None if v is None else Decimal(0),) * 2 + (v,))


def test_split_monthly_plan_month_and_quarter(tmp_path: Path, example_plan: Plan) -> None:
    master = tmp_path / "mensual.xlsx"
    write_master_file(_monthly(example_plan), master)
    month = split(master, "2025-03", tmp_path / "m", instancias=["OAL"])[0]
    quarter = split(master, "2025-T1", tmp_path / "q", instancias=["OAL"])[0]
    assert (month.name, quarter.name) == ("ZEDILO-2025-03-OAL.xlsx", "ZEDILO-2025-T1-OAL.xlsx")
    ws = openpyxl.load_workbook(quarter)["OEI.02"]
    head = _header(ws)
    assert [h for h in head if h.startswith("Ejec.")] == [f"Ejec. {m}" for m in (
        "Ene", "Feb", "Mar", "Abr", "May", "Jun", "Jul", "Ago", "Set", "Oct", "Nov", "Dic")] + ["Ejec. T1"]
    r = _code_rows(ws)["AO.02.02.03"]
    # each month of the quarter is typed, and justified, on its own
    assert {c for c in _unlocked(ws)} == {ws.cell(r, head[f"{h} {m}"]).coordinate for m in ("Ene", "Feb", "Mar")
                                          for h in ("Ejec.", "Justificación")}

    def fill(path: Path, cells: dict[str, float]) -> Path:
        wb = openpyxl.load_workbook(path)
        wsx = wb["OEI.02"]
        own = _header(wsx)  # a single month has no period columns: Justificación moves left
        for h, v in cells.items():
            wsx.cell(r, own[h]).value = v
            wsx.cell(r, own[h.replace("Ejec.", "Justificación")]).value = "Iniciativa sustentada ante el despacho."
        wb.save(path)
        return path

    data, report = validate(fill(quarter, {"Ejec. Ene": 1, "Ejec. Feb": 0, "Ejec. Mar": 1}), master)
    assert report.issues == [] and data is not None
    assert data.ejecutado == {"AO.02.02.03": {0: Decimal(1), 1: Decimal(0), 2: Decimal(1)}}
    assert data.justificacion == {"AO.02.02.03": dict.fromkeys(range(3), "Iniciativa sustentada ante el despacho.")}
    data, report = validate(fill(month, {"Ejec. Mar": 2}), master)
    assert report.issues == [] and data is not None and data.ejecutado == {"AO.02.02.03": {2: Decimal(2)}}


def test_split_quarter_of_a_monthly_plan_opens_only_the_months_not_reported(tmp_path: Path,
                                                                            example_plan: Plan) -> None:
    """#22, split by period: with January and February of OAL consolidated from monthly returns, OAL's T1 workbook
    shows them locked and opens March only; its return writes March only (a stale January never comes back
    through it). An office that reported every month of T1 gets no workbook, and says why."""
    from zedxl.consolidate import consolidate
    from zedxl.demo import fill_office_workbook

    master = tmp_path / "mensual.xlsx"
    write_master_file(_monthly(example_plan), master)
    plan = read_master(master).plan
    oal = [ao.codigo for ao in plan.actividades() if ao.instancia == "OAL"]
    for label, value in (("2025-01", 3), ("2025-02", 4)):
        folder = tmp_path / label
        (path,) = split(master, label, folder, instancias=["OAL"])
        fill_office_workbook(path, parse_period(label, 2025, "mensual"), dict.fromkeys(oal, Decimal(value)),
                             dict.fromkeys(oal, "Avance según lo previsto."))
        assert consolidate(master, folder).written
    quarter = split(master, "2025-T1", tmp_path / "q", instancias=["OAL"])[0]
    ws = openpyxl.load_workbook(quarter)["OEI.02"]
    head, r = _header(ws), _code_rows(ws)["AO.02.02.03"]
    assert _unlocked(ws) == {ws.cell(r, head["Ejec. Mar"]).coordinate,
                             ws.cell(r, head["Justificación Mar"]).coordinate}
    assert (ws.cell(r, head["Ejec. Ene"]).value, ws.cell(r, head["Ejec. Feb"]).value) == (3, 4)
    assert {ws.cell(r, head[f"Justificación {m}"]).value for m in ("Ene", "Feb")} == {"Avance según lo previsto."}
    assert "lo ejecutado en Marzo 2025 (lo demás de" in str(ws["A3"].value or "") + str(ws["A4"].value or "")
    ws.cell(r, head["Ejec. Mar"]).value = 5
    ws.parent.save(quarter)
    data, report = validate(quarter, master)
    # January's and February's texts do not justify March (#22, case 2): March's own cell is empty
    assert [(i.cell, i.column, i.code) for i in report.issues] == [
        (ws.cell(r, head["Justificación Mar"]).coordinate, "Justificación Mar", "justificacion-faltante")]
    ws.cell(r, head["Justificación Mar"]).value = "Se sustentaron tres iniciativas más."
    ws.parent.save(quarter)
    data, report = validate(quarter, master)
    assert data is not None and data.ejecutado["AO.02.02.03"] == {2: Decimal(5)}
    assert data.justificacion["AO.02.02.03"] == {2: "Se sustentaron tres iniciativas más."}
    assert report.valid, report.to_json()
    # every month of T1 reported: no workbook for OAL
    (path,) = split(master, "2025-03", tmp_path / "m", instancias=["OAL"])
    fill_office_workbook(path, parse_period("2025-03", 2025, "mensual"), dict.fromkeys(oal, Decimal(1)),
                         dict.fromkeys(oal, "Avance según lo previsto."))
    assert consolidate(master, tmp_path / "m").written
    with pytest.raises(ZedxlError, match="ya reportaron todos los meses de"):
        split(master, "2025-T1", tmp_path / "q2", instancias=["OAL"])
    files = split(master, "2025-T1", tmp_path / "q3")
    assert files.skipped == ["OAL"] and not any(f.stem.endswith("-OAL") for f in files)


def test_split_with_worker_processes_writes_the_same_workbooks(tmp_path: Path, example_plan: Plan,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Many offices are written by worker processes (forced here for four): same files, same order, progress."""
    import zedxl.parallel

    master = tmp_path / "maestro.xlsx"
    write_master_file(example_plan, master)
    serial = split(master, "2025-T1", tmp_path / "uno", procesos=1)
    monkeypatch.setattr(zedxl.parallel, "MIN_FILES_FOR_WORKERS", 1)
    monkeypatch.setattr(zedxl.parallel, "MIN_FILES_FOR_SPAWNED_WORKERS", 1)
    seen: list[tuple[int, int]] = []
    parallel = split(master, "2025-T1", tmp_path / "dos", procesos=2, progress=lambda d, t: seen.append((d, t)))
    assert [p.name for p in parallel] == [p.name for p in serial]
    assert seen == [(i, len(serial)) for i in range(1, len(serial) + 1)]

    def parts(path: Path) -> dict[str, bytes]:
        with zipfile.ZipFile(path) as z:
            return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}

    for a, b in zip(serial, parallel, strict=True):
        assert parts(a) == parts(b)


def _every_spec(plan: Plan) -> Iterator[OfficeSpec]:
    """An office spec for every office and every kind of period: quarter, semester and year of the example's
    quarterly plan, month, quarter, semester and year of the same plan made monthly."""
    from zedxl.xlsx.office_layout import office_spec

    mensual = as_monthly(plan, lambda v: (v, v, v))
    for each, labels in ((plan, ["2025-T1", "2025-T3", "2025-S1", "2025-S2", "2025"]),
                         (mensual, ["2025-01", "2025-07", "2025-12", "2025-T2", "2025-S1", "2025"])):
        for label in labels:
            period = parse_period(label, each.anio, each.periodicidad)
            for office in each.instancias:
                yield office_spec(each, period, office)


def test_split_input_cells_from_the_layout_are_those_of_every_row(example_plan: Plan) -> None:
    """``input_cells`` (from the layout) lists exactly the cells ``row_cells`` marks as inputs, in order, for every
    office, every kind of period (quarter, semester, year; month) and the budget sheets."""
    from zedxl.xlsx import layout as L
    from zedxl.xlsx.office_layout import (
        BUDGET_HEADER_ROW,
        BUDGET_SHEETS,
        InputCell,
        budget_line_cells,
        data_columns,
        data_rows,
        input_cells,
        row_cells,
    )

    def from_every_row(spec: OfficeSpec) -> list[InputCell]:
        cols = data_columns(spec)
        cells = [InputCell(L.sheet_of(spec.plan)(oei.codigo), row.row_idx, c, row.codigo, cs.field)
                 for oei in spec.plan.objetivos for row in data_rows(oei)
                 for c, cs in row_cells(spec, cols, row, row.row_idx).items() if cs.kind == "input"]
        budget = [InputCell(BUDGET_SHEETS[kind], r, c, line.rubro, cs.field)
                  for kind, lines in spec.budget_lines() for k, line in enumerate(lines)
                  for r in (BUDGET_HEADER_ROW + 1 + k,) for c, cs in budget_line_cells(spec, line, r).items()
                  if cs.kind == "input"]
        return cells + budget

    compared = 0
    for spec in _every_spec(example_plan):
        assert input_cells(spec) == from_every_row(spec), (spec.periodo.label, spec.instancia)
        compared += len(input_cells(spec))
    assert compared > 100
