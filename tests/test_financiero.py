"""#23 item 5: an AO's financial side (PIM and devengado, CEPLAN's Fn(RE)/Fn(SE)) when the plan carries it: kept in
the master, computed by the same rule in zedxl, Excel formulas and LibreOffice, shown next to avance físico in
``summary --json`` and in the report; a plan without it keeps the layout it had."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
import yaml

from tests.conftest import EXAMPLE
from tests.workbook_helpers import cached_mismatches, cached_values, formula_cells, oei_rows
from zedxl.cli import main
from zedxl.model import Plan
from zedxl.new import write_master_file
from zedxl.plan import plan_from_dict
from zedxl.rules import financial_progress
from zedxl.xlsx import layout as L
from zedxl.xlsx.master_read import read_master

FIN = {  # AO → its financial block: PIM and what was spent in T1 and T2
    "AO.01.01.01": {"pim": 12000.50, "devengado": {"T1": 2500, "T2": 3100.25}},
    "AO.01.01.02": {"pim": 0, "devengado": {"T1": 100}},  # PIM 0: no %
    "AO.02.01.01": {"pim": 8000, "devengado": {}},  # nothing spent yet: no %
    "AO.03.01.01": {"devengado": {"T2": 50}},  # no PIM: no %
}


def _raw() -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))
    for oei in data["objetivos"]:
        for aei in oei["acciones"]:
            for ao in aei["actividades"]:
                if ao["codigo"] in FIN:
                    ao["financiero"] = FIN[ao["codigo"]]
    return data


@pytest.fixture(scope="module")
def plan() -> Plan:
    return plan_from_dict(_raw())


def test_financiero_rule_is_spent_against_the_pim() -> None:
    assert financial_progress(Decimal("12000.50"), (Decimal(2500), Decimal("3100.25"), None, None), 0, 4) == \
        (Decimal("5600.25"), Decimal("5600.25") / Decimal("12000.50") * 100)
    assert financial_progress(Decimal(0), (Decimal(100), None), 0, 2) == (Decimal(100), None)
    assert financial_progress(Decimal(8000), (None, None), 0, 2) == (None, None)
    assert financial_progress(None, (Decimal(50),), 0, 1) == (Decimal(50), None)


def test_financiero_master_keeps_it_and_caches_what_the_rule_gives(plan: Plan, tmp_path: Path) -> None:
    master = tmp_path / "maestro.xlsx"
    write_master_file(plan, master)
    assert read_master(master).plan == plan
    values = cached_values(master)
    first = oei_rows(values["OEI.01"])
    assert first["AO.01.01.01"][L.H_PIM] == 12000.5
    assert first["AO.01.01.01"][L.devengado("Anual")] == 5600.25
    assert round(first["AO.01.01.01"][L.H_AVANCE_FIN], 6) == round(5600.25 / 12000.5 * 100, 6)
    assert first["AO.01.01.02"][L.H_AVANCE_FIN] in ("", None)
    assert oei_rows(values["OEI.02"])["AO.02.01.01"][L.devengado("Anual")] in ("", None)


def test_financiero_a_plan_without_it_has_no_financial_columns(example_plan: Plan, tmp_path: Path) -> None:
    master = tmp_path / "maestro.xlsx"
    write_master_file(example_plan, master)
    wb = openpyxl.load_workbook(master, read_only=True)
    header = [c.value for c in wb["OEI.01"][L.HEADER_ROW + 1]]
    wb.close()
    assert L.H_PIM not in header and L.H_AVANCE_FIN not in header
    assert not example_plan.financiero


def test_financiero_summary_json_and_report_show_it_next_to_avance_fisico(
        plan: Plan, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    master = tmp_path / "maestro.xlsx"
    write_master_file(plan, master)
    assert main(["summary", str(master), "--periodo", "2025-S1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    ao = next(a for a in data["actividades"] if a["codigo"] == "AO.01.01.01")
    assert (ao["pim"], ao["devengado"], ao["avance_financiero"]) == (12000.5, 5600.25, 46.67)
    offices = {f["instancia"]: f for f in data["financiero_instancias"]}
    dpd = [a for a in data["actividades"] if a["instancia"] == "DPD" and a["pim"] is not None]
    assert offices["DPD"]["pim"] == sum(a["pim"] for a in dpd)
    assert offices["Total"]["devengado"] == 5600.25 + 100 + 50

    out = tmp_path / "informe.docx"
    assert main(["report", str(master), "--periodo", "2025-S1", "-o", str(out)]) == 0
    doc = docx.Document(str(out))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Instancia"
                 and t.rows[0].cells[-1].text == "Avance financiero (%)")
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows[1:]}
    assert rows["Total"][3] == "5,750.25"
    assert set(rows) == {*plan.instancias, "Total"}


@pytest.mark.libreoffice
def test_financiero_master_agrees_with_libreoffice(plan: Plan, tmp_path: Path) -> None:
    from zedxl.libreoffice import recalculate

    master = tmp_path / "maestro.xlsx"
    write_master_file(plan, master)
    fresh = recalculate(master, tmp_path / "lo")
    assert any(ref for sh, ref in formula_cells(master) if sh == "OEI.01")
    assert cached_mismatches(master, fresh) == []
