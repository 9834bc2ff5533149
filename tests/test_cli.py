"""The command line as a user runs it: Spanish output, exit codes, the demo and the JSON summary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, ROOT
from zedxl.cli import main


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zedxl", *args], capture_output=True, text=True, cwd=cwd or ROOT,
                          timeout=300, check=False)


def test_cli_demo_prints_the_seed_office_table(tmp_path: Path) -> None:
    proc = run("demo", "-o", str(tmp_path / "salida"))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Avance físico institucional (promedio de las 22 AO): 100.00 %" in out
    assert "Totales     Programado   12.2   21.2   33.4" in out
    assert "Ejecutado    21.2   36.2   57.4" in out
    assert "S/ 20'624,225.72" in out and "427.75" in out and "32.31" in out
    assert (tmp_path / "salida" / "maestro-zedilo-2025.xlsx").exists()


def test_cli_summary_json_has_the_documented_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    master = tmp_path / "m.xlsx"
    assert main(["new", str(EXAMPLE), "-o", str(master)]) == 0
    capsys.readouterr()
    assert main(["summary", str(master), "--periodo", "2025-S1", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"version", "entidad", "sigla", "anio", "periodo", "periodo_nombre", "hasta",
                        "periodos_con_dato", "periodos_base", "en_curso", "instancias", "avance_institucional",
                        "resumen_instancias", "indicadores", "actividades", "estados", "presupuesto",
                        "financiero_instancias"}
    assert doc["financiero_instancias"] == []  # (a plan without its AO's PIM and devengado)
    assert doc["periodo"] == "2025-S1" and doc["avance_institucional"] == 100.0
    assert (doc["hasta"], doc["periodos_con_dato"], doc["periodos_base"], doc["en_curso"]) == ("T2", 2, 2, False)
    table = doc["resumen_instancias"]
    assert table["columnas"] == ["T1", "T2", "S1"]
    assert table["filas"][0] == {"instancia": "DPD", "nombre": "Dirección de Promoción y Desarrollo", "n_ao": 8,
                                 "programado": [4.2, 6.2, 10.4], "ejecutado": [5.2, 11.2, 16.4],
                                 "avance_promedio": 100.0}
    assert table["total"]["programado"] == [12.2, 21.2, 33.4]
    assert table["total"]["ejecutado"] == [21.2, 36.2, 57.4]
    aei = {i["codigo"]: i for i in doc["indicadores"]}
    assert aei["AEI.03.01"]["avance"] == 50.0 and aei["OEI.02"]["estado"] == "no medido aún"
    assert aei["OEI.02"]["avance"] is None
    ingresos = doc["presupuesto"]["ingresos"]
    assert ingresos["total"]["avance"] == 427.75 and ingresos["avance_sin_rubros_sin_pim"] == 44.47
    assert [ln["avance"] for ln in doc["presupuesto"]["gastos"]["lineas"]] == [36.47, 29.26, 27.91, 15.65, 17.39]
    assert len(doc["actividades"]) == 22 and doc["estados"]["sobreejecución"] == 8


def test_cli_summary_of_the_year_mid_year_is_en_curso_not_por_debajo(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """#22: the seed is reported through T2; «summary --periodo 2025» says so and shows no AO «por debajo» for
    work due in the second semester: each is «en curso», measured against what was programmed through T2."""
    master = tmp_path / "m.xlsx"
    assert main(["new", str(EXAMPLE), "-o", str(master)]) == 0
    capsys.readouterr()
    assert main(["summary", str(master), "--periodo", "2025", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["hasta"], doc["periodos_con_dato"], doc["periodos_base"], doc["en_curso"]) == ("T2", 2, 4, True)
    assert doc["estados"]["por debajo"] == 0 and doc["estados"]["en rango"] == 0
    assert doc["estados"]["en curso"] == 20 and doc["estados"]["sobreejecución"] == 2
    ao = next(a for a in doc["actividades"] if a["codigo"] == "AO.01.01.01")  # 1, 0, 0, 1 programmed; 1, 0 done
    assert (ao["programado"], ao["programado_a_la_fecha"], ao["ejecutado"], ao["avance"], ao["estado"],
            ao["semaforo"]) == (2, 1, 1, 100.0, "en curso", None)
    assert main(["summary", str(master), "--periodo", "2025"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Ejecutado reportado hasta T2 (2 de 4 trimestres del periodo); el periodo está en curso" in out
    assert "por debajo" not in out


def test_cli_errors_are_spanish_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "plan.yaml"
    bad.write_text("entidad: X\nanio: 2025\ninstancias: {DPD: D}\nobjetivos: []\n", encoding="utf-8")
    proc = run("new", str(bad), "-o", str(tmp_path / "m.xlsx"))
    assert proc.returncode == 2
    assert "objetivos: falta la lista de objetivos (OEI)" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "m.xlsx").exists()
    proc = run("summary", str(tmp_path / "no-existe.xlsx"))
    assert proc.returncode == 2 and "No se pudo abrir el maestro" in proc.stderr
    proc = run("nuevo")
    assert proc.returncode == 2 and "opción no válida" in proc.stderr and "uso:" in proc.stderr


def test_cli_new_refuses_to_overwrite_and_summary_rejects_bad_period(tmp_path: Path) -> None:
    master = tmp_path / "m.xlsx"
    assert run("new", str(EXAMPLE), "-o", str(master)).returncode == 0
    proc = run("new", str(EXAMPLE), "-o", str(master))
    assert proc.returncode == 2 and "Ya existe" in proc.stderr
    proc = run("summary", str(master), "--periodo", "2025-07")
    assert proc.returncode == 2 and "El plan es trimestral" in proc.stderr
    help_text = run("--help").stdout
    assert "comandos" in help_text and "crea el libro maestro" in help_text


def test_cli_export_writes_parquet(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    master = tmp_path / "m.xlsx"
    assert run("new", str(EXAMPLE), "-o", str(master)).returncode == 0
    proc = run("export", str(master), "--parquet", str(tmp_path / "pq"))
    assert proc.returncode == 0, proc.stderr
    facts = [p for p in (tmp_path / "pq").iterdir() if p.name.startswith("hechos")]
    table = pq.read_table(facts[0])
    assert table.num_rows == 22 * 4  # one row per AO and base period


def test_cli_procesos_splits_and_consolidates_with_the_same_result(tmp_path: Path) -> None:
    """``--procesos N`` on split and consolidate: 1 and 2 processes give the same files and the same master values;
    a bad value is a Spanish usage error (exit 2) that touches nothing."""
    from zedxl.xlsx.master_read import read_master

    masters = []
    for n in ("1", "2"):
        work = tmp_path / f"p{n}"
        master = work / "maestro.xlsx"
        assert run("new", str(EXAMPLE), "-o", str(master)).returncode == 0
        proc = run("split", str(master), "--periodo", "2025-T2", "-o", str(work / "libros"), "--procesos", n)
        assert proc.returncode == 0, proc.stderr
        proc = run("consolidate", str(master), str(work / "libros"), "--procesos", n, "--json")
        assert proc.returncode == 0, proc.stderr
        assert {f["estado"] for f in json.loads(proc.stdout)["archivos"]} == {"ya-consolidado"}
        masters.append(master)
    assert sorted(p.name for p in (tmp_path / "p1" / "libros").iterdir()) == \
        sorted(p.name for p in (tmp_path / "p2" / "libros").iterdir())
    assert read_master(masters[0]).plan == read_master(masters[1]).plan
    before = masters[0].read_bytes()
    proc = run("consolidate", str(masters[0]), str(tmp_path / "p1" / "libros"), "--procesos", "cero")
    assert proc.returncode == 2 and "«cero» no es un número entero de procesos" in proc.stderr
    assert masters[0].read_bytes() == before
