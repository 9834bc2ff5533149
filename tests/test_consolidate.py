"""consolidate: merge returns typed as a person would, the audit ledger, archive, idempotence and safety."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import sqlite3
import sys
import threading
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, OracleTally
from tests.workbook_helpers import as_monthly, cached_values, resumen_office_rows
from zedxl import rules
from zedxl.consolidate import consolidate, render_text
from zedxl.demo import fill_office_workbook, office_figures, type_into
from zedxl.errors import MasterLockedError
from zedxl.evaluation import evaluate
from zedxl.fsutil import exclusive_lock
from zedxl.ledger import FileRow, RunRecord, ledger_path
from zedxl.libreoffice import convert
from zedxl.model import Plan
from zedxl.new import write_master_file
from zedxl.periods import parse_period
from zedxl.returns import Change
from zedxl.split import split
from zedxl.xlsx import layout as L
from zedxl.xlsx.master_read import read_master


@pytest.fixture(autouse=True)
def _openpyxl_oracle(openpyxl_oracle: OracleTally) -> OracleTally:
    """Every return read here is also opened by openpyxl, whose reading must give the same."""
    return openpyxl_oracle


@pytest.fixture
def empty_master(tmp_path: Path, example_plan: Plan) -> Path:
    path = tmp_path / "maestro.xlsx"
    write_master_file(example_plan.without_ejecutado(), path)
    return path


def _split_and_fill(master: Path, reference: Plan, label: str, folder: Path) -> list[Path]:
    period = parse_period(label, reference.anio, reference.periodicidad)
    files = split(master, label, folder)
    for path in files:
        office = path.stem.rsplit("-", 1)[-1]
        values, texts = office_figures(reference, period, office)
        fill_office_workbook(path, period, values, texts)
    return files


def test_consolidate_end_to_end_gets_back_every_typed_figure(empty_master: Path, example_plan: Plan,
                                                             tmp_path: Path) -> None:
    for label in ("2025-T1", "2025-T2"):
        result = consolidate(empty_master, _split_and_fill(empty_master, example_plan, label,
                                                           tmp_path / label)[0].parent)
        assert result.ok and result.written, render_text(result)
        assert [f.status for f in result.files] == ["consolidado"] * 4
        assert result.missing_offices == {label: []}
    plan = read_master(empty_master).plan
    for ao in example_plan.actividades():
        got = plan.actividad(ao.codigo)
        assert got.ejecutado == ao.ejecutado, ao.codigo
        assert got.justificacion == ao.justificacion, ao.codigo
    offices = resumen_office_rows(cached_values(empty_master)[L.SHEET_RESUMEN])
    assert round(float(offices[("Total", "Programado")]["S1"]), 6) == 33.4  # type: ignore[arg-type]
    assert round(float(offices[("Total", "Ejecutado")]["S1"]), 6) == 57.4  # type: ignore[arg-type]
    assert round(float(offices[("DPD", "Ejecutado")]["T2"]), 6) == 11.2  # type: ignore[arg-type]


def test_consolidate_ledger_records_before_and_after_and_rerun_changes_nothing(
        empty_master: Path, example_plan: Plan, tmp_path: Path) -> None:
    folder = tmp_path / "retornos"
    _split_and_fill(empty_master, example_plan, "2025-T1", folder)
    first = consolidate(empty_master, folder)
    assert first.written
    with sqlite3.connect(ledger_path(empty_master)) as db:
        rows = db.execute("SELECT codigo, campo, antes, despues, instancia FROM cambios "
                          "WHERE codigo IN ('AO.02.04.02', 'AO.03.01.03') ORDER BY id").fetchall()
        files = db.execute("SELECT nombre, estado, length(sha256), archivado_en FROM archivos ORDER BY id").fetchall()
    assert rows[0] == ("AO.02.04.02", "Ejec. T1", None, "2", "DPD")
    # each justification is recorded with its period (#22): T1's text, where the master had none
    text = example_plan.actividad("AO.03.01.03").justificacion[0]
    assert rows[1:] == [("AO.03.01.03", "Ejec. T1", None, "8", "OGA"),
                        ("AO.03.01.03", "Justificación T1", "", text, "OGA")]
    assert {f[1] for f in files} == {"consolidado"} and all(f[2] == 64 for f in files)
    for name, _, _, archived in files:
        assert (empty_master.parent / archived).read_bytes() == (folder / name).read_bytes()

    before = empty_master.read_bytes()
    again = consolidate(empty_master, folder)
    assert not again.written and again.changes == []
    assert empty_master.read_bytes() == before
    assert [f.status for f in again.files] == ["ya-consolidado"] * 4
    assert render_text(again)[-1] == "Nada que cambiar: el maestro ya contiene estos datos (no se reescribió)."
    assert again.backup is None


def test_consolidate_rejects_a_bad_return_whole_and_merges_the_others(
        empty_master: Path, example_plan: Plan, tmp_path: Path) -> None:
    folder = tmp_path / "retornos"
    files = _split_and_fill(empty_master, example_plan, "2025-T1", folder)
    dpd = next(p for p in files if p.stem.endswith("DPD"))
    wb = openpyxl.load_workbook(dpd)
    ws = wb["OEI.02"]
    heads = {c.value: c.column for c in ws[L.HEADER_ROW + 1]}
    for row in ws.iter_rows(min_row=L.HEADER_ROW + 2):
        if row[0].value == "AO.02.04.02":
            type_into(ws.cell(row[0].row, heads[L.ejec("T1")]), -3)
        if row[0].value == "AO.02.03.01":
            type_into(ws.cell(row[0].row, heads[L.ejec("T1")]), 1)  # a valid value in the same return
    wb.save(dpd)
    result = consolidate(empty_master, folder)
    status = {f.name: f.status for f in result.files}
    assert status[dpd.name] == "rechazado" and not result.ok
    assert sorted(s for n, s in status.items() if n != dpd.name) == ["consolidado"] * 3
    plan = read_master(empty_master).plan
    assert all(plan.actividad(ao.codigo).ejecutado[0] is None for ao in plan.actividades() if ao.instancia == "DPD")
    assert plan.actividad("AO.01.02.01").ejecutado[0] == 1  # DOI merged
    obs = empty_master.parent / "observaciones" / "observaciones_DPD.xlsx"
    assert obs in result.observaciones
    rows = list(openpyxl.load_workbook(obs).active.iter_rows(values_only=True))
    assert any(r[1] == "valor-negativo" and r[4] for r in rows)
    assert "Deben volver a enviar su libro: DPD (ver carpeta observaciones/)." in render_text(result)
    dpd_line = next(line for line in render_text(result) if line.startswith("RECHAZADO"))
    assert ": 1 error, " in dpd_line, dpd_line  # one error, in the singular


@pytest.mark.parametrize("libreoffice", [False, True], ids=["openpyxl", "libreoffice"])
def test_consolidate_two_returns_of_one_office_stop_that_office_only(
        empty_master: Path, example_plan: Plan, tmp_path: Path, libreoffice: bool) -> None:
    """#22 case 3: two different new returns of OAL stop OAL only (the other offices are consolidated and only OAL
    is asked to resend); a byte-identical «(1)» copy counts once; which of two returns is newer is what the ledger
    recorded, never the files' modification times; a return against one already merged waits for --reemplazar.
    The returns are typed with openpyxl and, in the second run, saved again by LibreOffice as an office would."""
    folder = tmp_path / "retornos"
    files = _split_and_fill(empty_master, example_plan, "2025-T1", folder)
    if libreoffice:
        for path in files:
            _resave_with_libreoffice(path)
    oal = next(p for p in files if p.stem.endswith("OAL"))
    dpd = next(p for p in files if p.stem.endswith("DPD"))
    shutil.copy2(dpd, dpd.with_name(dpd.stem + " (1).xlsx"))  # the same file downloaded twice
    second = tmp_path / (oal.stem + " corregido.xlsx")
    shutil.copy2(oal, second)
    wb = openpyxl.load_workbook(second)
    ws = wb["OEI.02"]
    heads = {c.value: c.column for c in ws[L.HEADER_ROW + 1]}
    for row in ws.iter_rows(min_row=L.HEADER_ROW + 2):
        if row[0].value == "AO.02.02.03":
            type_into(ws.cell(row[0].row, heads[L.ejec("T1")]), 5)
    wb.save(second)
    shutil.copy2(second, folder / second.name)
    for reemplazar in (False, True):  # two new files: nobody can say which one counts but OAL
        result = consolidate(empty_master, folder, reemplazar=reemplazar)
        status = {f.name: f.status for f in result.files}
        assert status[oal.name] == status[second.name] == "duplicado"
        assert status[dpd.name] == ("consolidado" if not reemplazar else "ya-consolidado")
        assert status[dpd.stem + " (1).xlsx"] == "copia"
        assert result.must_resend == ["OAL"] and result.written != reemplazar and not result.ok
    assert read_master(empty_master).plan.actividad("AO.02.02.03").ejecutado[0] is None  # OAL: nothing merged
    # OAL's first file alone is merged; then its correction arrives, touched to look older than the first
    (folder / second.name).unlink()
    assert {f.name: f.status for f in consolidate(empty_master, folder).files}[oal.name] == "consolidado"
    shutil.copy2(second, folder / second.name)
    os.utime(folder / second.name, (oal.stat().st_mtime - 3600, oal.stat().st_mtime - 3600))
    result = consolidate(empty_master, folder)
    status = {f.name: f.status for f in result.files}
    assert (status[oal.name], status[second.name]) == ("ya-consolidado", "retenido") and not result.ok
    held = next(f for f in result.files if f.name == second.name).report.issues
    assert "--reemplazar" in next(i.message for i in held if i.code == "retorno-cambia-consolidado")
    result = consolidate(empty_master, folder, reemplazar=True)
    status = {f.name: f.status for f in result.files}
    assert (status[oal.name], status[second.name]) == ("reemplazado", "consolidado") and result.ok
    assert read_master(empty_master).plan.actividad("AO.02.02.03").ejecutado[0] == 5
    # from now on the first file is the older one: it never undoes the correction, whatever its date
    os.utime(oal, None)
    result = consolidate(empty_master, folder, reemplazar=True)
    assert {f.name: f.status for f in result.files}[oal.name] == "reemplazado" and not result.written
    assert read_master(empty_master).plan.actividad("AO.02.02.03").ejecutado[0] == 5


def test_consolidate_refuses_an_open_master_and_a_concurrent_run(empty_master: Path, example_plan: Plan,
                                                                tmp_path: Path) -> None:
    folder = tmp_path / "retornos"
    _split_and_fill(empty_master, example_plan, "2025-T1", folder)
    before = empty_master.read_bytes()
    owner = empty_master.with_name("~$" + empty_master.name)
    owner.write_bytes(b"\x04juan")
    with pytest.raises(MasterLockedError, match="parece estar abierto"):
        consolidate(empty_master, folder)
    owner.unlink()
    with exclusive_lock(empty_master), pytest.raises(MasterLockedError):
        consolidate(empty_master, folder)
    assert empty_master.read_bytes() == before
    assert not ledger_path(empty_master).exists()


def test_consolidate_two_runs_at_once_never_interleave(empty_master: Path, example_plan: Plan,
                                                       tmp_path: Path) -> None:
    """Two threads consolidate different quarters at once: one wins, the other is refused; nothing is lost."""
    t1 = _split_and_fill(empty_master, example_plan, "2025-T1", tmp_path / "t1")[0].parent
    t2 = _split_and_fill(empty_master, example_plan, "2025-T2", tmp_path / "t2")[0].parent
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def run(folder: Path) -> None:
        barrier.wait()
        try:
            consolidate(empty_master, folder)
            outcomes.append("ok")
        except MasterLockedError:
            outcomes.append("locked")

    threads = [threading.Thread(target=run, args=(f,)) for f in (t1, t2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) in (["locked", "ok"], ["ok", "ok"])
    for folder in (t1, t2):  # whatever happened, re-running both ends with everything merged
        consolidate(empty_master, folder)
    plan = read_master(empty_master).plan
    for ao in example_plan.actividades():
        assert plan.actividad(ao.codigo).ejecutado == ao.ejecutado


def test_consolidate_skips_owner_files_and_archives_everything(empty_master: Path, example_plan: Plan,
                                                             tmp_path: Path) -> None:
    folder = tmp_path / "retornos"
    files = _split_and_fill(empty_master, example_plan, "2025-T1", folder)
    (folder / ("~$" + files[0].name)).write_bytes(b"\x05maria")
    (folder / "notas.csv").write_text("a;b\n1,5;2\n", encoding="utf-8")
    result = consolidate(empty_master, folder)
    status = {f.name: f.status for f in result.files}
    assert status["~$" + files[0].name] == "omitido"
    assert status["notas.csv"] == "rechazado"
    archived = sorted(p.name.split("-", 1)[1] for p in (empty_master.parent / "recibidos").rglob("*") if p.is_file())
    assert "notas.csv" in archived and len(archived) == 5


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_consolidate_split_fill_consolidate_is_lossless(example_plan: Plan, tmp_path_factory: pytest.TempPathFactory,
                                                        data: st.DataObject) -> None:
    """For any valid typed figures, the master ends with exactly what was typed and office totals are the sums."""
    base = tmp_path_factory.mktemp("prop")
    master = base / "m.xlsx"
    write_master_file(example_plan.without_ejecutado(), master)
    label = data.draw(st.sampled_from(["2025-T1", "2025-T3"]))
    period = parse_period(label, 2025, "trimestral")
    typed: dict[str, Decimal] = {}
    for ao in example_plan.actividades():
        pct = rules.is_percent_unit(ao.unidad)
        v = data.draw(st.decimals(min_value=0, max_value=100 if pct else 500, places=1, allow_nan=False,
                                  allow_infinity=False))
        typed[ao.codigo] = v / rules.typed_scale(ao.unidad)  # the plan's figure: «% avance/100» a fraction
    folder = base / "r"
    files = split(master, label, folder)
    for path in files:
        office = path.stem.rsplit("-", 1)[-1]
        fill_office_workbook(path, period, {c: typed[c] for c in typed
                                            if example_plan.actividad(c).instancia == office},
                             {c: "Justificación de prueba" for c in typed
                              if example_plan.actividad(c).instancia == office})
    result = consolidate(master, folder)
    assert result.ok, render_text(result)
    plan = read_master(master).plan
    got = {ao.codigo: ao.ejecutado[period.start] for ao in plan.actividades()}
    assert got == typed
    offices = resumen_office_rows(cached_values(master)[L.SHEET_RESUMEN])
    for office in example_plan.instancias:
        expected = sum((typed[ao.codigo] for ao in example_plan.actividades() if ao.instancia == office), Decimal(0))
        assert offices[(office, "Ejecutado")][period.short] == pytest.approx(float(expected))


def test_consolidate_crash_while_writing_keeps_the_master_and_rolls_back_the_ledger(
        empty_master: Path, example_plan: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zedxl.new as new_module

    folder = tmp_path / "retornos"
    _split_and_fill(empty_master, example_plan, "2025-T1", folder)
    before = empty_master.read_bytes()

    def crash(plan: Plan, target: str, **kwargs: object) -> None:
        Path(target).write_bytes(b"PK\x03\x04 half a zip")
        raise OSError("corte de luz (simulado)")

    monkeypatch.setattr(new_module, "write_master", crash)
    with pytest.raises(OSError, match="simulado"):
        consolidate(empty_master, folder)
    assert empty_master.read_bytes() == before
    assert not [p for p in empty_master.parent.iterdir() if p.name.endswith(".tmp")]
    with sqlite3.connect(ledger_path(empty_master)) as db:
        assert db.execute("SELECT count(*) FROM cambios").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM ejecuciones").fetchone() == (0,)
    monkeypatch.undo()
    result = consolidate(empty_master, folder)  # the same files merge normally afterwards
    assert result.written and {f.status for f in result.files} == {"consolidado"}


def _ledger_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as db:
        return {t: db.execute(f"SELECT * FROM {t} ORDER BY id").fetchall()
                for t in ("ejecuciones", "archivos", "cambios")}


def _run_record(path: Path, n_changes: int) -> RunRecord:
    files = [FileRow(f"f{k}.xlsx", f"{k:064x}", 100 + k, f"recibidos/x/f{k}.xlsx" if k % 3 else None,
                     "DPD" if k % 2 else None, "2025-T1", "consolidado" if k % 2 else "rechazado", k % 4, k % 5)
             for k in range(7)]
    values: list[Decimal | str | None] = [None, Decimal("1.50"), Decimal("-0"), "texto «ñ»\nsegunda línea", ""]
    changes = [Change(f"AO.01.01.{k:02d}", f"Ejec. T{k % 4 + 1}", values[k % 5], values[(k + 2) % 5], "DPD",
                      f"f{k % 7}.xlsx") for k in range(n_changes)]
    return RunRecord(path, path.with_name("maestro.xlsx"), "a" * 64, "2025-07-01T10:00:00", files, changes)


def test_ledger_run_holds_every_row_in_order(tmp_path: Path) -> None:
    """``RunRecord.finish`` records the run, its files and its changed cells (values as exact text), in order."""
    path = tmp_path / "auditoria.sqlite"
    _run_record(path, 3_000).finish("b" * 64, "escrito")
    rows = _ledger_rows(path)
    assert len(rows["cambios"]) == 3_000 and len(rows["archivos"]) == 7
    assert rows["ejecuciones"][0][1] == "2025-07-01T10:00:00"
    assert rows["ejecuciones"][0][6:] == ("a" * 64, "b" * 64, "escrito")
    assert [r[4] for r in rows["archivos"]] == [100 + k for k in range(7)]
    assert [r[2] for r in rows["cambios"][:8]] == [1, 2, 3, 4, 5, 6, 7, 1]
    assert [r[6:] for r in rows["cambios"][:5]] == [
        (None, "-0"), ("1.50", "texto «ñ»\nsegunda línea"), ("-0", ""), ("texto «ñ»\nsegunda línea", None),
        ("", "1.50")]


def test_background_work_yields_to_the_master_write() -> None:
    """The workers writing observaciones run at ``BACKGROUND_NICENESS`` (asked for twice, it
    stays there); this process's priority is left alone."""
    import concurrent.futures

    from zedxl.consolidate import _in_background
    from zedxl.parallel import BACKGROUND_NICENESS, run_in_background

    mine = os.nice(0)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports its niceness as its exit status
        run_in_background()
        run_in_background()
        os._exit(os.nice(0))
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == max(mine, BACKGROUND_NICENESS)
    with concurrent.futures.ProcessPoolExecutor(max_workers=1) as pool:
        assert list(pool.map(_in_background, [os.nice, os.nice], [0, 0])) == [max(mine, BACKGROUND_NICENESS)] * 2
    assert os.nice(0) == mine


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_consolidate_with_worker_processes_gives_the_same_result(example_plan: Plan, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   method: str) -> None:
    """Returns read in worker processes (forced here: four files are normally read in-process) merge the same,
    whether the workers are forked (Linux) or spawned (Windows' only way, run here through ``ZEDXL_INICIO``)."""
    import zedxl.parallel

    monkeypatch.setenv("ZEDXL_INICIO", method)
    assert zedxl.parallel.start_method() == method
    monkeypatch.setattr(zedxl.parallel, "MIN_FILES_FOR_WORKERS", 1)
    monkeypatch.setattr(zedxl.parallel, "MIN_FILES_FOR_SPAWNED_WORKERS", 1)
    outcomes = []
    for procesos in (1, 2):
        base = tmp_path / f"p{procesos}"
        base.mkdir()
        master = base / "maestro.xlsx"
        write_master_file(example_plan.without_ejecutado(), master)
        folder = base / "retornos"
        _split_and_fill(master, example_plan, "2025-T1", folder)
        broken = folder / "ZEDILO-2025-T1-XXX.xlsx"
        broken.write_bytes(b"PK\x03\x04 no es un libro")
        seen: list[tuple[int, int]] = []
        result = consolidate(master, folder, procesos=procesos, progress=lambda d, t, seen=seen: seen.append((d, t)))
        assert seen[-1] == (5, 5) and len(seen) == 5
        outcomes.append(([(f.name, f.status, [i.code for i in f.report]) for f in result.files],
                         [(c.codigo, c.campo, c.antes, c.despues) for c in result.changes],
                         read_master(master).plan, sorted(p.name for p in result.observaciones)))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0][-1][1] == "rechazado"


def test_process_policy_pays_for_a_spawn_pool_only_on_large_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forked workers start in milliseconds; spawned ones import zedxl again, so a spawn pool is used only from
    ``MIN_FILES_FOR_SPAWNED_WORKERS`` files on (at N = 30 spawn runs in one process, as fast as one process)."""
    import zedxl.parallel as P

    monkeypatch.delenv("ZEDXL_PROCESOS", raising=False)
    monkeypatch.setenv("ZEDXL_INICIO", "fork")
    assert P.start_method() == "fork"
    assert P.worker_count(30, 2) == 2 and P.worker_count(P.MIN_FILES_FOR_WORKERS - 1, 2) == 1
    monkeypatch.setenv("ZEDXL_INICIO", "spawn")
    assert P.start_method() == "spawn"
    assert P.worker_count(30, 2) == 1
    assert P.worker_count(P.MIN_FILES_FOR_SPAWNED_WORKERS, 2) == 2
    monkeypatch.setenv("ZEDXL_INICIO", "otro")  # not a method: the platform's own
    assert P.start_method() == ("fork" if sys.platform == "linux" else "spawn")
    with P.process_pool(1) as pool:
        assert pool.submit(os.getpid).result() != os.getpid()


def test_consolidate_names_inside_a_return_never_become_paths_or_output_lines(
        empty_master: Path, example_plan: Plan, tmp_path: Path) -> None:
    """A return whose hidden manifest names a made-up office (a path that climbs to the master) and a file name with
    a line break: the observaciones go under observaciones/ with a safe name, the master is not replaced, and every
    printed line is one line (issue #21, case 3)."""
    from zedxl.xlsx.office_layout import PROPERTY_PREFIX, SHEET_META

    folder = tmp_path / "retornos"
    files = _split_and_fill(empty_master, example_plan, "2025-T1", folder)
    dpd = next(p for p in files if p.stem.endswith("DPD"))
    forged = "x/../../maestro"
    wb = openpyxl.load_workbook(dpd)
    for row in wb[SHEET_META].iter_rows():
        if row[0].value == "instancia":
            row[1].value = forged
    for prop in wb.custom_doc_props.props:
        if prop.name == PROPERTY_PREFIX + "instancia":
            prop.value = forged
    wb.save(dpd)
    odd = dpd.with_name("Reporte\nCONSOLIDADO falso.xlsx")
    dpd.rename(odd)
    before = {p.name for p in empty_master.parent.iterdir()}
    result = consolidate(empty_master, folder)
    assert {f.name: f.status for f in result.files}[odd.name] == "rechazado"
    made = {p.name for p in empty_master.parent.iterdir()} - before
    assert made <= {"observaciones", "recibidos", "respaldos", ledger_path(empty_master).name,
                    f".{empty_master.name}.zedxl.lock"}, made
    props = openpyxl.load_workbook(empty_master).custom_doc_props
    assert props["zedxl_tipo"].value == "maestro"  # still the master, not an observaciones workbook
    observed = sorted(p.name for p in (empty_master.parent / "observaciones").iterdir())
    assert all(re.fullmatch(r"observaciones_[0-9A-Za-z_-]+\.xlsx", n) for n in observed), observed
    assert all("\n" not in line for line in render_text(result))
    assert any("Reporte\\u000aCONSOLIDADO falso.xlsx" in line for line in render_text(result))


def test_consolidate_reads_only_regular_files_and_lists_the_rest_as_skipped(
        empty_master: Path, example_plan: Plan, tmp_path: Path) -> None:
    """Links (to a secret, to the master, dangling), a FIFO and a folder named like a workbook in the returns folder
    are never opened nor archived: each is listed as skipped with what it is; the real returns are consolidated; an
    ordinary subfolder is not listed (issue #21, case 5)."""
    folder = tmp_path / "retornos"
    files = _split_and_fill(empty_master, example_plan, "2025-T1", folder)
    secret = tmp_path / "secreto.txt"
    secret.write_text("clave=123")
    (folder / "secreto.xlsx").symlink_to(secret)
    (folder / "maestro.xlsx").symlink_to(empty_master)
    (folder / "roto.xlsx").symlink_to(tmp_path / "no-existe.xlsx")
    (folder / "copia DPD.xlsx").symlink_to(files[0])
    os.mkfifo(folder / "tuberia.xlsx")
    (folder / "carpeta.xlsx").mkdir()
    (folder / "procesados").mkdir()
    result = consolidate(empty_master, folder)
    status = {f.name: f.status for f in result.files}
    skipped = {"secreto.xlsx", "maestro.xlsx", "roto.xlsx", "copia DPD.xlsx", "tuberia.xlsx", "carpeta.xlsx"}
    assert {n: s for n, s in status.items() if n in skipped} == dict.fromkeys(skipped, "omitido")
    assert sorted(s for n, s in status.items() if n not in skipped) == ["consolidado"] * len(files)
    assert "procesados" not in status
    kinds = {f.name: f.report.issues[0].message for f in result.files if f.name in skipped}
    assert all(f.report.issues[0].code == "archivo-no-regular" for f in result.files if f.name in skipped)
    assert "enlace simbólico" in kinds["secreto.xlsx"] and "tubería" in kinds["tuberia.xlsx"]
    assert "carpeta" in kinds["carpeta.xlsx"]
    archived = [p.read_bytes() for p in (empty_master.parent / "recibidos").rglob("*") if p.is_file()]
    assert len(archived) == len(files) and not any(b"clave=123" in data for data in archived)
    assert result.ok


def test_consolidate_a_return_with_a_very_long_name_is_archived_under_a_short_one(
        empty_master: Path, example_plan: Plan, tmp_path: Path) -> None:
    """A 250-byte file name (the most a folder holds, with its extension) no longer aborts the whole run when its
    archived copy adds the hash to it (issue #21, case 9)."""
    folder = tmp_path / "retornos"
    files = _split_and_fill(empty_master, example_plan, "2025-T1", folder)
    long_name = files[0].with_name("r" * 245 + ".xlsx")
    files[0].rename(long_name)
    result = consolidate(empty_master, folder)
    assert [f.status for f in result.files] == ["consolidado"] * len(files)
    archived = {f.name: f.archived for f in result.files}[long_name.name]
    assert archived is not None and archived.read_bytes() == long_name.read_bytes()
    assert len(archived.name.encode()) <= 170


def test_cli_consolidate_os_error_is_a_spanish_message_with_exit_2(
        empty_master: Path, example_plan: Plan, tmp_path: Path) -> None:
    """An operating-system error (here the backups' folder is a file) is a Spanish message, exit 2, no traceback,
    and the master is untouched (issue #21, case 9)."""
    import subprocess
    import sys

    folder = tmp_path / "retornos"
    _split_and_fill(empty_master, example_plan, "2025-T1", folder)
    (empty_master.parent / "respaldos").write_text("no soy una carpeta")
    before = empty_master.read_bytes()
    proc = subprocess.run([sys.executable, "-m", "zedxl", "consolidate", str(empty_master), str(folder)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "Error del sistema" in proc.stderr and "respaldos" in proc.stderr and "Traceback" not in proc.stderr
    assert empty_master.read_bytes() == before


@pytest.mark.parametrize("command", ["consolidate", "summary", "validate", "recompute"])
def test_master_that_is_not_a_regular_file_is_refused_without_hanging(tmp_path: Path, empty_master: Path,
                                                                      command: str) -> None:
    """A FIFO or a link given as the master: exit 2 with a Spanish message, never a hang (issue #21, case 5)."""
    import subprocess
    import sys

    fifo = tmp_path / "maestro-fifo.xlsx"
    os.mkfifo(fifo)
    link = tmp_path / "maestro-enlace.xlsx"
    link.symlink_to(empty_master)
    for master in (fifo, link):
        args = {"consolidate": ["consolidate", str(master), str(tmp_path)], "summary": ["summary", str(master)],
                "validate": ["validate", str(empty_master), "--master", str(master)],
                "recompute": ["recompute", str(master)]}[command]
        proc = subprocess.run([sys.executable, "-m", "zedxl", *args], capture_output=True, text=True, timeout=60,
                              check=False)
        assert proc.returncode == 2, proc.stderr
        assert "no es un archivo común" in proc.stderr and "Traceback" not in proc.stderr


def _open_files() -> list[str]:
    """What this process has open (Linux)."""
    out = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            out.append(os.readlink(f"/proc/self/fd/{fd}"))
    return out


def test_forked_workers_do_not_hold_the_master_lock(empty_master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A forked worker closes the lock it inherited, so the lock dies with the process that took it (issue #21, case
    8: after a SIGKILL of consolidate its workers kept every later run out)."""
    import zedxl.parallel as P

    monkeypatch.setenv("ZEDXL_INICIO", "fork")
    lock_name = f".{empty_master.name}.zedxl.lock"
    with exclusive_lock(empty_master):
        assert any(f.endswith(lock_name) for f in _open_files())
        with P.process_pool(1) as pool:
            in_worker = pool.submit(_open_files).result()
        assert not any(f.endswith(lock_name) for f in in_worker)
        other_spelling = empty_master.parent / ".." / empty_master.parent.name / empty_master.name
        with pytest.raises(MasterLockedError), exclusive_lock(other_spelling):  # still held here, however named
            pass


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_pool_workers_die_with_their_parent(tmp_path: Path, method: str) -> None:
    """SIGKILL of a process with a pool: its workers are gone within seconds instead of working on for nobody
    (issue #21, case 8)."""
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "padre.py"
    script.write_text(
        "import os, time\n"
        "from zedxl.parallel import process_pool\n"
        "if __name__ == '__main__':\n"
        "    pool = process_pool(2)\n"
        "    pids = {pool.submit(os.getpid).result() for _ in range(8)}\n"
        "    for _ in range(2):\n"
        "        pool.submit(time.sleep, 60)\n"
        "    print(' '.join(map(str, sorted(pids))), flush=True)\n"
        "    time.sleep(60)\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "ZEDXL_INICIO": method, "PYTHONPATH": str(ROOT)})
    assert proc.stdout is not None
    workers = [int(pid) for pid in proc.stdout.readline().split()]
    assert workers and proc.pid not in workers
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()

    def alive(pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                return fh.read().split()[2] != "Z"
        except OSError:
            return False

    deadline = time.monotonic() + 20
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers)


@pytest.mark.parametrize("n_issues", [0, 1, 3, 40])
def test_observaciones_workbook_lists_every_problem(tmp_path: Path, n_issues: int) -> None:
    """The per-office workbook holds one row per problem, text that needs escaping included, as openpyxl reads it
    back; nothing is left next to it."""
    from zedxl.issues import Report, make_issue
    from zedxl.xlsx import observaciones

    hostile = ' libro & <oficina> "ñ"\x07 =SUM(A1)  '
    issues = [make_issue("retorno-ya-consolidado", file=f"{hostile}{k}.xlsx") for k in range(n_issues)]
    reports = [Report(hostile, issues[: n_issues // 2]), Report("b.xlsx", issues[n_issues // 2:])]
    path = observaciones.write_observaciones("OGA&<", reports, tmp_path / "obs", "Zona Especial de Desarrollo Ilo",
                                             "2025-T1, 2025-T2")
    rows = [[str(v) for v in r] for rep in reports for r in rep.to_rows()[1:]]
    assert sorted(p.name for p in (tmp_path / "obs").iterdir()) == [observaciones.file_name("OGA&<")] == [path.name]
    assert re.fullmatch(r"observaciones_OGA_-[0-9a-f]{8}\.xlsx", path.name)
    ws = openpyxl.load_workbook(path).active
    assert ws["A1"].value == "Observaciones para la oficina OGA&<"
    # each printed page says whose and which periods' they are (an «&» of a name doubled, as Excel needs)
    header = ws.oddHeader
    assert header.left.text.startswith("Zona Especial de Desarrollo Ilo")
    assert "Instancia: OGA&&<" in header.right.text and "Periodo: 2025-T1, 2025-T2" in header.right.text
    assert [c.value for c in ws[observaciones.FIRST_ROW]] == Report().to_rows()[0]
    back = [list(r) for r in ws.iter_rows(min_row=observaciones.FIRST_ROW + 1, values_only=True)]
    assert len(back) == n_issues
    # openpyxl shows a control character as Excel stores it (_xHHHH_) and an empty string as no value
    assert [["" if v is None else v for v in r] for r in back] == \
        [[v.replace("\x07", "_x0007_") for v in r] for r in rows]


def test_consolidate_reads_each_return_once_and_archives_the_checked_bytes(
        empty_master: Path, example_plan: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zedxl.consolidate as C
    import zedxl.fsutil as fsutil

    folder = tmp_path / "retornos"
    files = _split_and_fill(empty_master, example_plan, "2025-T1", folder)
    originals = {f.name: f.read_bytes() for f in files}
    mtimes = {f.name: f.stat().st_mtime_ns for f in files}
    # a file changed on disk right after it was read: the checked bytes (not the new ones) are what is archived,
    # hashed and consolidated
    real = fsutil.read_received

    def read_then_changed(path: Path, limit: int) -> fsutil.Received:
        got = real(path, limit)
        path.write_bytes(b"cambiado despues de leerlo")
        return got

    monkeypatch.setattr(C, "read_received", read_then_changed)
    result = consolidate(empty_master, folder, procesos=1)
    assert [f.status for f in result.files] == ["consolidado"] * len(files)
    for f in result.files:
        assert f.archived is not None and f.archived.read_bytes() == originals[f.name]
        assert f.size == len(originals[f.name])
        assert f.sha256 == hashlib.sha256(originals[f.name]).hexdigest()
        assert f.archived.name == f"{f.sha256[:12]}-{f.name}"
        # the modification time of the original, kept on the archived copy (as a copy would)
        assert f.archived.stat().st_mtime_ns == mtimes[f.name]
    plan = read_master(empty_master).plan
    for ao in example_plan.actividades():
        assert plan.actividad(ao.codigo).ejecutado[0] == ao.ejecutado[0], ao.codigo


def test_read_return_checks_the_bytes_it_is_given_not_the_file_again(
        empty_master: Path, example_plan: Plan, tmp_path: Path) -> None:
    from zedxl.fsutil import read_received
    from zedxl.validate import read_return

    books = _split_and_fill(empty_master, example_plan, "2025-T1", tmp_path / "retornos")
    received = read_received(books[0], 20 * 1024 * 1024)
    gone = tmp_path / "otra" / books[0].name  # nothing there: every step must use the bytes
    got = read_return(gone, received=received)
    assert got == read_return(books[0])
    assert got.values is not None and got.values.ejecutado and not any(
        i.severity == "error" for i in got.head + got.tail)


def test_archive_keeps_time_and_copies_what_was_too_big_to_hold(tmp_path: Path) -> None:
    import os

    from zedxl.fsutil import archive_received, read_received

    src = tmp_path / "retorno.xlsx"
    src.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 40)
    os.utime(src, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    held = read_received(src, 1 << 20)
    streamed = read_received(src, 100)  # over the limit: hashed in blocks, not held
    assert held.data == src.read_bytes() and streamed.data is None
    assert held.sha256 == streamed.sha256 and held.size == streamed.size == src.stat().st_size
    for received, sub in ((held, "a"), (streamed, "b")):
        target = archive_received(src, received, tmp_path / sub)
        assert target is not None and target.read_bytes() == src.read_bytes()
        assert target.stat().st_mtime_ns == src.stat().st_mtime_ns
        assert [p.name for p in (tmp_path / sub).iterdir()] == [target.name]  # no temporary file left


def test_validate_does_not_block_on_a_fifo(tmp_path: Path) -> None:
    import os

    from zedxl.validate import read_return

    fifo = tmp_path / "retorno.xlsx"
    os.mkfifo(fifo)
    got: list[object] = []
    worker = threading.Thread(target=lambda: got.append(read_return(fifo)), daemon=True)
    worker.start()
    worker.join(20)
    assert not worker.is_alive(), "read_return blocked on a FIFO"
    read = got[0]
    assert [i.code for i in read.head] == ["archivo-inaccesible"]  # type: ignore[attr-defined]


def test_returns_read_with_the_collector_paused(tmp_path: Path, example_plan: Plan,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A return is read with the cyclic garbage collector off (it would go over the return's objects while they
    live, finding nothing: ~1 ms of the ~14 ms a return takes in a worker), and the collector is back on after
    it, for a return with merged cells as well; a caller that had it off keeps it off."""
    import gc

    import zedxl.consolidate as consolidate_module
    from zedxl import validate

    master = tmp_path / "maestro.xlsx"
    write_master_file(example_plan.without_ejecutado(), master)
    books = _split_and_fill(master, example_plan, "2025-T1", tmp_path / "retornos")
    odd = tmp_path / "retornos" / "otro.xlsx"  # a workbook the fast scan leaves to the full parse (merged cells)
    wb = openpyxl.Workbook()
    wb.active["A1"] = "hola"
    wb.active.merge_cells("A1:B1")
    wb.save(odd)
    states: list[bool] = []
    real = validate.read_return

    def read_return(*args: object, **kwargs: object) -> object:
        states.append(gc.isenabled())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(validate, "read_return", read_return)
    reads = [consolidate_module._read_return(path, tmp_path / "archivo") for path in [*books, odd]]
    assert gc.isenabled() and states == [False] * len(reads)
    assert [r.read.manifest is not None for r in reads] == [True] * len(books) + [False]
    gc.disable()
    try:
        consolidate_module._read_return(books[0], tmp_path / "archivo")
        assert not gc.isenabled()
    finally:
        gc.enable()


@given(st.integers(0, 3000), st.integers(2, 8))
def test_consolidate_hands_out_every_file_once_in_shrinking_chunks(n: int, workers: int) -> None:
    """The returns go to the workers in order, each once, in chunks of at most 8 that only shrink, ending in single
    files (so the workers finish together)."""
    from zedxl.consolidate import _spans

    spans = _spans(n, workers)
    assert [i for a, b in spans for i in range(a, b)] == list(range(n))
    sizes = [b - a for a, b in spans]
    assert all(1 <= s <= 8 for s in sizes)
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[-workers * 4:] == [1] * min(n, workers * 4)


def _resave_with_libreoffice(path: Path) -> None:
    """``path`` opened and saved again (as .xlsx) by LibreOffice headless, in place."""
    saved = convert(path, "xlsx", path.parent / "libreoffice")
    os.replace(saved, path)
    (path.parent / "libreoffice").rmdir()


# -- #22: every period keeps its own figures and words ------------------------------------------------------------
def _monthly_master(example_plan: Plan, path: Path) -> Plan:
    plan = as_monthly(example_plan.without_ejecutado(), lambda v: (None if v is None else Decimal(0),) * 2 + (v,))
    write_master_file(plan, path)
    return plan


def _month_returns(master: Path, plan: Plan, label: str, folder: Path, *, libreoffice: bool) -> dict[str, Path]:
    """Every office's return for a month, typed as a person would (openpyxl into the unlocked cells): the month's
    number in every AO, a text naming office and month, and (OGA) the budget accumulated to the month's close;
    ``libreoffice``: each file then opened and saved again by LibreOffice, as an office using it would."""
    period = parse_period(label, plan.anio, plan.periodicidad)
    month = period.start + 1
    out = {}
    for path in split(master, label, folder):
        office = path.stem.rsplit("-", 1)[-1]
        mine = [ao.codigo for ao in plan.actividades() if ao.instancia == office]
        budget = {kind: {ln.rubro: Decimal(1000 * month) + Decimal("0.25") for ln in lines}
                  for kind, lines in (("ingresos", plan.presupuesto.ingresos), ("gastos", plan.presupuesto.gastos))}
        fill_office_workbook(path, period, dict.fromkeys(mine, Decimal(month)),
                             dict.fromkeys(mine, f"{office}, mes {month}: lo logrado y por qué."), budget)
        if libreoffice:
            _resave_with_libreoffice(path)
        out[office] = path
    return out


@pytest.mark.parametrize("libreoffice", [False, True], ids=["openpyxl", "libreoffice"])
def test_consolidate_a_late_return_never_undoes_a_newer_month(example_plan: Plan, tmp_path: Path,
                                                              libreoffice: bool) -> None:
    """#22 case 1: after February, January's files come back (renamed, alone or beside February's, or edited):
    February's figures, texts and budget stay; a late file writes January's cells only, and only when asked."""
    master = tmp_path / "maestro.xlsx"
    plan = _monthly_master(example_plan, master)
    jan = _month_returns(master, plan, "2025-01", tmp_path / "ene", libreoffice=libreoffice)
    assert consolidate(master, tmp_path / "ene").written
    feb = _month_returns(master, plan, "2025-02", tmp_path / "feb", libreoffice=libreoffice)
    assert consolidate(master, tmp_path / "feb").written
    after_feb = read_master(master).plan
    assert after_feb.presupuesto.ingresos[0].acumulado[:3] == (Decimal("1000.25"), Decimal("2000.25"), None)
    total_feb = evaluate(after_feb, parse_period("2025-02", 2025, "mensual")).ingresos.total.ejecucion
    assert total_feb == Decimal("2000.25") * len(after_feb.presupuesto.ingresos)

    late = tmp_path / "tarde"
    late.mkdir()
    shutil.copy2(jan["OGA"], late / "Reporte OGA enero.xlsx")  # the budget office's January file, renamed
    shutil.copy2(feb["OGA"], late / feb["OGA"].name)
    result = consolidate(master, late)
    assert not result.written and result.changes == []
    assert sorted(f.status for f in result.files) == ["ya-consolidado", "ya-consolidado"]
    assert read_master(master).plan == after_feb
    assert evaluate(read_master(master).plan, parse_period("2025-02", 2025, "mensual")).ingresos.total.ejecucion \
        == total_feb

    stale = tmp_path / "viejo"
    stale.mkdir()
    shutil.copy2(jan["DPD"], stale / "DPD enero (1).xlsx")  # only an old January file of another office
    result = consolidate(master, stale)
    assert not result.written and result.changes == []
    assert read_master(master).plan == after_feb

    # an edited January file of DPD: held until the planner confirms; then it writes January's cells only
    edited = tmp_path / "corregido"
    edited.mkdir()
    fixed = edited / jan["DPD"].name
    shutil.copy2(jan["DPD"], fixed)
    code = next(ao.codigo for ao in plan.actividades() if ao.instancia == "DPD")
    wb = openpyxl.load_workbook(fixed)
    for ws in wb.worksheets:
        heads = {c.value: c.column for c in ws[L.HEADER_ROW + 1]}
        for row in ws.iter_rows(min_row=L.HEADER_ROW + 2):
            if row[0].value == code:
                type_into(ws.cell(row[0].row, heads["Ejec. Ene"]), 7)
                type_into(ws.cell(row[0].row, heads["Justificación Ene"]), "Corregido: siete.")
    wb.save(fixed)
    result = consolidate(master, edited)
    assert [f.status for f in result.files] == ["retenido"] and not result.written
    result = consolidate(master, edited, reemplazar=True)
    assert result.written
    assert sorted((c.codigo, c.campo, c.despues) for c in result.changes) == [
        (code, "Ejec. Ene", Decimal(7)), (code, "Justificación Ene", "Corregido: siete.")]
    now = read_master(master).plan
    for before, ao in zip(after_feb.actividades(), now.actividades(), strict=True):
        assert ao.ejecutado[1:] == before.ejecutado[1:] and ao.justificacion[1:] == before.justificacion[1:]
    assert now.presupuesto == after_feb.presupuesto


@pytest.mark.parametrize("libreoffice", [False, True], ids=["openpyxl", "libreoffice"])
def test_consolidate_each_month_keeps_its_own_justification(example_plan: Plan, tmp_path: Path,
                                                            libreoffice: bool) -> None:
    """#22 case 2: February's workbook shows January's text read-only and an empty cell for February; January's
    text does not justify February's difference; both texts stay in the master, each with its month."""
    master = tmp_path / "maestro.xlsx"
    plan = _monthly_master(example_plan, master)
    _month_returns(master, plan, "2025-01", tmp_path / "ene", libreoffice=libreoffice)
    assert consolidate(master, tmp_path / "ene").written
    (dpd,) = split(master, "2025-02", tmp_path / "feb", instancias=["DPD"])
    ws = openpyxl.load_workbook(dpd)["OEI.01"]
    heads = {c.value: c.column for c in ws[L.HEADER_ROW + 1]}
    r = next(row[0].row for row in ws.iter_rows(min_row=L.HEADER_ROW + 2) if row[0].value == "AO.01.01.01")
    cell = ws.cell(r, heads["Justificación Feb"])
    assert cell.value is None and cell.protection.locked is False
    earlier = ws.cell(r, heads["Justificaciones anteriores"])
    assert earlier.value == "Enero 2025: DPD, mes 1: lo logrado y por qué." and earlier.protection.locked is not False
    assert "Justificación Ene" not in heads  # an earlier month is not a column to type into

    # February differs from what was programmed (0) and its own text is missing: refused, whatever January said
    mine = [ao.codigo for ao in plan.actividades() if ao.instancia == "DPD"]
    period = parse_period("2025-02", 2025, "mensual")
    fill_office_workbook(dpd, period, {"AO.01.01.01": Decimal(1195)}, {})
    if libreoffice:
        _resave_with_libreoffice(dpd)
    result = consolidate(master, tmp_path / "feb")
    assert [f.status for f in result.files] == ["rechazado"]
    assert {i.code for i in result.files[0].report.errors} == {"justificacion-faltante"}
    assert {i.column for i in result.files[0].report.errors} == {"Justificación Feb"}

    fill_office_workbook(dpd, period, {}, dict.fromkeys(mine, "Febrero: 1195 de 1200, faltó un taller."))
    if libreoffice:
        _resave_with_libreoffice(dpd)
    assert consolidate(master, tmp_path / "feb").written
    ao = read_master(master).plan.actividad("AO.01.01.01")
    assert ao.justificacion[:3] == ("DPD, mes 1: lo logrado y por qué.", "Febrero: 1195 de 1200, faltó un taller.",
                                    "")
    with sqlite3.connect(ledger_path(master)) as db:
        campos = {c for (c,) in db.execute("SELECT campo FROM cambios WHERE codigo = 'AO.01.01.01'")}
    assert {"Justificación Ene", "Justificación Feb", "Ejec. Ene", "Ejec. Feb"} <= campos
