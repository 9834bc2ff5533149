"""Forged returns (issue #21 case 1): an office turns its own workbook into another office's or period's return,
using only that workbook, the published Reporte de seguimiento (Anexo 01) and zedxl itself; the master's key
(``zedxl.masterkey``) is what it cannot have."""

from __future__ import annotations

import re
import secrets
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from zedxl.cli import main
from zedxl.demo import fill_office_workbook, office_figures
from zedxl.masterkey import MissingKeyError, key_path, load_key, seal
from zedxl.model import Accion, Actividad, Objetivo, Plan
from zedxl.periods import parse_period
from zedxl.report import report
from zedxl.split import split
from zedxl.validate import read_return
from zedxl.xlsx.office_layout import OfficeSpec, content_digest, office_file_name
from zedxl.xlsx.office_write import write_office


def _anexo01_plan(reporte: Path, office: str, n_periods: int) -> list[Objetivo]:
    """The OEI, AEI and AO of ``office`` as the published Anexo 01 lists them (codes, names, units, programmed
    per quarter)."""
    rows = list(openpyxl.load_workbook(reporte)["Anexo 01"].iter_rows(values_only=True))
    objetivos: list[tuple[str, str, list[tuple[str, str, list[Actividad]]]]] = []
    for row in rows:
        first = str(row[0] or "")
        if m := re.fullmatch(r"(OEI\.\d+): (.*)", first):
            objetivos.append((m[1], m[2], []))
        elif m := re.fullmatch(r"(AEI\.[\d.]+) (.*)", first):
            objetivos[-1][2].append((m[1], m[2], []))
        elif first.startswith("AO.") and row[3] == office:
            # quarters I, II, (semester), III, IV, (semester)
            programado = tuple(Decimal(str(row[c])) for c in (5, 6, 8, 9))[:n_periods]
            objetivos[-1][2][-1][2].append(Actividad(first, str(row[1]), str(row[2]), office, programado,
                                                     (None,) * n_periods))
    return [Objetivo(oc, on, None, tuple(Accion(ac, an, None, tuple(aos)) for ac, an, aos in acc if aos))
            for oc, on, acc in objetivos if any(aos for _, _, aos in acc)]


def _forge(own: Path, reporte: Path, office: str, period: str, target: Path, key: bytes) -> Path:
    """The attacker's return for ``office`` and ``period``, built from its ``own`` workbook (entity, rules,
    deadline) and Anexo 01, written by zedxl's own writer and sealed with ``key`` (a guess, unless it leaked)."""
    mine = read_return(own).manifest
    assert mine is not None
    base = mine.spec.plan
    forged_plan = Plan(base.entidad, base.sigla, base.anio, base.periodicidad, {office: office},
                       tuple(_anexo01_plan(reporte, office, base.n_periods)), base.reglas)
    spec = OfficeSpec(forged_plan, parse_period(period, base.anio, base.periodicidad), office,
                      mine.spec.fecha_limite)
    path = target / office_file_name(base.sigla, spec.periodo, office)
    write_office(spec, path, key)
    return path


@pytest.fixture
def published(tmp_path: Path, master: Path) -> tuple[Path, Path]:
    """DPD's own T1 workbook, as split from the master, and the published Reporte de seguimiento of S1."""
    own = split(master, "2025-T1", tmp_path / "dpd", instancias=["DPD"])[0]
    reporte = tmp_path / "Reporte_S1.xlsx"
    report(master, "2025-S1", reporte, formato="xlsx")
    return own, reporte


@pytest.mark.parametrize("period", ["2025-T1", "2025-T4"])
def test_forged_return_of_another_office_is_refused(tmp_path: Path, master: Path, published: tuple[Path, Path],
                                                     example_plan: Plan, period: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    own, reporte = published
    folder = tmp_path / "retornos"
    folder.mkdir()
    forged = _forge(own, reporte, "DOI", period, folder, secrets.token_bytes(32))
    p = parse_period(period, 2025, "trimestral")
    values, texts = office_figures(example_plan, p, "DOI")
    fill_office_workbook(forged, p, {c: Decimal(7) for c in values}, dict.fromkeys(texts, "Forjado."))
    before = master.read_bytes()

    assert main(["validate", "--maestro", str(master), str(forged)]) == 1
    out = capsys.readouterr().out
    assert "sello-no-valido" in out and "DOI" in out

    assert main(["consolidate", str(master), str(folder)]) == 1
    assert master.read_bytes() == before  # nothing merged
    with sqlite3.connect(tmp_path / "maestro.auditoria.sqlite") as db:
        assert db.execute("SELECT estado, instancia FROM archivos").fetchall() == [("rechazado", "DOI")]
        assert db.execute("SELECT count(*) FROM cambios").fetchone() == (0,)


def test_forgery_with_the_masters_key_would_pass(tmp_path: Path, master: Path, published: tuple[Path, Path],
                                                 example_plan: Plan) -> None:
    """The same forgery, sealed with the leaked key, is a perfect return: the seal is what stops it above (and
    why the key must stay with the planning unit)."""
    own, reporte = published
    folder = tmp_path / "retornos"
    folder.mkdir()
    forged = _forge(own, reporte, "DOI", "2025-T1", folder, load_key(master))
    p = parse_period("2025-T1", 2025, "trimestral")
    values, texts = office_figures(example_plan, p, "DOI")
    fill_office_workbook(forged, p, {c: Decimal(7) for c in values}, dict.fromkeys(texts, "Forjado."))
    assert main(["validate", "--maestro", str(master), str(forged)]) == 0


def test_changed_locked_content_breaks_the_seal(tmp_path: Path, master: Path, example_plan: Plan,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """A legitimate return whose locked content was changed consistently (a rule in the hidden sheet, which the
    formulas read) is refused, although every check of labels and cells agrees."""
    path = split(master, "2025-T1", tmp_path / "libros", instancias=["DPD"])[0]
    p = parse_period("2025-T1", 2025, "trimestral")
    fill_office_workbook(path, p, *office_figures(example_plan, p, "DPD"))
    assert main(["validate", "--maestro", str(master), str(path)]) == 0
    wb = openpyxl.load_workbook(path)
    ws = wb["_zedxl"]
    row = next(r for r in ws.iter_rows() if r[0].value == "amarillo")
    row[1].value = 10  # the office's own traffic light turns green sooner
    wb.save(path)
    capsys.readouterr()
    assert main(["validate", "--maestro", str(master), str(path)]) == 1
    assert "sello-no-valido" in capsys.readouterr().out
    # a seal that is not even hexadecimal (any text can be typed there) is refused the same way
    seal_row = next(r for r in ws.iter_rows() if r[0].value == "sello")
    seal_row[1].value = "sello falsificado ñ \u202e"
    wb.save(path)
    assert main(["validate", "--maestro", str(master), str(path)]) == 1
    assert "sello-no-valido" in capsys.readouterr().out


def test_digest_of_a_written_workbook_is_read_back(tmp_path: Path, master: Path) -> None:
    """What the writer seals is what the reader recomputes, for every office of the example (T2: with T1's
    executed values and the budget lines)."""
    files = split(master, "2025-T2", tmp_path / "libros")
    key = load_key(master)
    for path in files:
        manifest = read_return(path).manifest
        assert manifest is not None
        assert manifest.meta["sello"] == seal(key, manifest.digest) == seal(key, content_digest(manifest.spec))


def test_missing_key_is_a_spanish_error(tmp_path: Path, master: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = split(master, "2025-T1", tmp_path / "libros", instancias=["DPD"])[0]
    moved = tmp_path / "otro" / "maestro.xlsx"
    moved.parent.mkdir()
    shutil.copy(master, moved)  # moved without its key
    before = moved.read_bytes()
    assert main(["validate", "--maestro", str(moved), str(path)]) == 2
    assert main(["consolidate", str(moved), str(path.parent)]) == 2
    err = capsys.readouterr().err
    assert "Falta la clave del maestro (maestro.clave)" in err and "Traceback" not in err
    assert moved.read_bytes() == before
    shutil.copy(key_path(master), key_path(moved))  # as the README says: the key goes with the master
    assert main(["validate", "--maestro", str(moved), str(path)]) == 0


def test_key_is_made_once_kept_and_backed_up(tmp_path: Path, master: Path) -> None:
    split(master, "2025-T1", tmp_path / "libros", instancias=["DPD"])
    key = load_key(master)
    split(master, "2025-T2", tmp_path / "libros2", instancias=["DPD"])
    assert load_key(master) == key  # never replaced
    assert main(["recompute", str(master)]) == 0
    assert load_key(tmp_path / "respaldos" / "maestro.xlsx") == key  # a backup of the key beside the master's
    assert key_path(master).stat().st_mode & 0o077 == 0  # readable by its owner only


def test_key_saved_again_by_notepad_still_loads(tmp_path: Path, master: Path) -> None:
    """A planner who opens the key in Notepad and saves it gets a BOM and CRLF line ends: still the same key; a key
    whose hex was edited is said to be damaged, in Spanish."""
    key = load_key(master)
    path = key_path(master)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert load_key(master) == key
    path.write_text("zedxl-clave-1\nno es hexadecimal\n", encoding="utf-8")
    with pytest.raises(MissingKeyError, match="está dañada"):
        load_key(master)
