"""The master and its audit ledger commit together (issue #21, case 4): whatever stops a consolidation — SIGKILL,
Ctrl+C, a ledger held by another program, a file name that is not UTF-8 — the next command finds every change of the
master in the ledger and every change of the ledger in the master, and a rerun finishes the work."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from zedxl.demo import fill_office_workbook, office_figures
from zedxl.errors import LedgerError
from zedxl.ledger import FileRow, Ledger, RunRecord, ledger_path, reconcile, reconcile_if_idle
from zedxl.model import Plan
from zedxl.new import write_master_file
from zedxl.periods import base_labels, parse_period
from zedxl.returns import Change
from zedxl.split import split
from zedxl.xlsx.master_read import read_master

# Runs ``python -m zedxl`` and, at the k-th call of a function of the zedxl package (imports included), sends
# itself a signal; or sends it right after the rename onto ZX_AFTER_REPLACE. With k = 0 it counts the calls and
# notes when the ledger's and the master's writes begin.
MARKS = ("atomic_write", "begin", "committing")
WRAPPER = """\
import inspect, json, os, runpy, signal, sys

import zedxl

PKG = os.path.dirname(os.path.abspath(zedxl.__file__))
KILL_AT = int(os.environ["ZX_KILL_AT"])
SIG = getattr(signal, os.environ["ZX_SIGNAL"])
MARKS = os.environ["ZX_MARKS"].split(",")
calls = 0
marks = {}


def profile(frame, event, arg):
    global calls
    if event != "call" or not frame.f_code.co_filename.startswith(PKG):
        return
    calls += 1
    # (not inside generator code: CPython ignores, with «Exception ignored in», a Ctrl+C that lands while it
    # closes an unfinished generator; the stop moves to the next call outside one)
    if KILL_AT and calls >= KILL_AT and not frame.f_code.co_flags & inspect.CO_GENERATOR:
        sys.setprofile(None)
        os.kill(os.getpid(), SIG)
    elif not KILL_AT and frame.f_code.co_name in MARKS:
        marks.setdefault(frame.f_code.co_name, []).append(calls)


target = os.environ.get("ZX_AFTER_REPLACE")
if target:
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        real_replace(src, dst, *args, **kwargs)
        if os.path.abspath(dst) == target:
            os.kill(os.getpid(), SIG)

    os.replace = replace
sys.argv = ["zedxl", *sys.argv[1:]]
sys.setprofile(profile)
try:
    runpy.run_module("zedxl", run_name="__main__", alter_sys=True)
finally:
    sys.setprofile(None)
    if not KILL_AT:
        with open(os.environ["ZX_COUNT"], "w") as fh:
            json.dump({"calls": calls, "marks": marks}, fh)
"""


def _sha(path: Path) -> str:
    return _sha_of(path.read_bytes())


def _sha_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _ctrl_c_as_in_a_terminal() -> None:
    """In the child, before it runs: Ctrl+C as a terminal gives it. A job a shell starts in the background (as a CI
    runner may start the suite) inherits SIGINT ignored, and Python then keeps it ignored: no Ctrl+C to test."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _zedxl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zedxl", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, check=False)


def _cells(plan: Plan) -> dict[tuple[str, str], Decimal | str | None]:
    """Every cell a consolidation may change, keyed as the ledger's ``cambios`` are (code, field)."""
    out: dict[tuple[str, str], Decimal | str | None] = {}
    labels = base_labels(plan.periodicidad)
    for ao in plan.actividades():
        for label, value, text in zip(labels, ao.ejecutado, ao.justificacion, strict=True):
            out[(ao.codigo, f"Ejec. {label}")] = value
            out[(ao.codigo, f"Justificación {label}")] = text or None
    for kind, lines in (("Ingresos", plan.presupuesto.ingresos), ("Gastos", plan.presupuesto.gastos)):
        for line in lines:
            for label, value in zip(labels, line.acumulado, strict=True):
                out[(line.rubro, f"Ejec. acum. {label} ({kind})")] = value
    return out


def _as_cell(campo: str, text: str | None) -> Decimal | str | None:
    """A ledger value (text) as the master holds it."""
    if text is None or text == "":
        return None
    return text if campo.startswith("Justificación") else Decimal(text)


def _master_states(case: Path, seen: set[str]) -> set[str]:
    """Every state the master had: those seen between commands and the backups each write kept."""
    return seen | {_sha(p) for p in (case / "respaldos").glob("*.xlsx")} | {_sha(case / "maestro.xlsx")}


def assert_consistent(case: Path, original: Plan, first_hash: str, seen: set[str]) -> None:
    """The ledger's settled runs chain from the first master to the current one, each through a state the master
    had; replaying their changes on the original plan gives exactly the master's values; nothing is pending."""
    master = case / "maestro.xlsx"
    states = _master_states(case, seen)
    with sqlite3.connect(ledger_path(master)) as db:
        runs = db.execute("SELECT id, sha256_antes, sha256_despues, resultado FROM ejecuciones ORDER BY id").fetchall()
        changes = db.execute("SELECT ejecucion, codigo, campo, antes, despues FROM cambios ORDER BY id").fetchall()
        orphans = db.execute("SELECT count(*) FROM cambios c LEFT JOIN archivos a ON a.id = c.archivo "
                             "WHERE a.ejecucion IS NOT c.ejecucion").fetchone()[0]
    assert orphans == 0
    cells = _cells(original)
    current = first_hash
    for run, before, after, resultado in runs:
        assert resultado in ("escrito", "sin cambios"), runs
        assert before == current and after in states, runs
        for _, codigo, campo, antes, despues in (c for c in changes if c[0] == run):
            assert cells[(codigo, campo)] == _as_cell(campo, antes), (codigo, campo)
            cells[(codigo, campo)] = _as_cell(campo, despues)
        current = after
    assert _sha(master) == current
    assert _cells(read_master(master).plan) == cells


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, example_plan: Plan) -> Path:
    """A master without executed values and the four offices' returns of 2025-T1, typed as a person would."""
    base = tmp_path_factory.mktemp("demo")
    master = base / "maestro.xlsx"
    write_master_file(example_plan.without_ejecutado(), master)
    period = parse_period("2025-T1", example_plan.anio, example_plan.periodicidad)
    for path in split(master, "2025-T1", base / "retornos"):
        values, texts = office_figures(example_plan, period, path.stem.rsplit("-", 1)[-1])
        fill_office_workbook(path, period, values, texts)
    return base


class Case:
    """A copy of the demo folder, the wrapper and what a command leaves."""

    def __init__(self, demo: Path, where: Path, wrapper: Path) -> None:
        shutil.copytree(demo, where)
        self.folder = where
        self.master = where / "maestro.xlsx"
        self.wrapper = wrapper
        self.first_hash = _sha(self.master)
        self.seen = {self.first_hash}

    def killed(self, kill_at: int, sig: str, *, after_replace: bool = False) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "ZX_KILL_AT": str(kill_at), "ZX_SIGNAL": sig,
               "ZX_COUNT": str(self.folder / "cuenta.json"), "ZX_MARKS": ",".join(MARKS)}
        if after_replace:
            env["ZX_AFTER_REPLACE"] = os.path.abspath(self.master)
        proc = subprocess.run([sys.executable, str(self.wrapper), "consolidate", str(self.master),
                               str(self.folder / "retornos")], capture_output=True, text=True, cwd=ROOT, env=env,
                              timeout=120, check=False, preexec_fn=_ctrl_c_as_in_a_terminal)
        self.seen.add(_sha(self.master))
        return proc

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        proc = _zedxl(*args)
        self.seen.add(_sha(self.master))
        return proc

    def pending(self) -> list[tuple[Any, ...]]:
        with sqlite3.connect(ledger_path(self.master)) as db:
            return db.execute("SELECT sha256_antes, sha256_despues FROM ejecuciones WHERE resultado = 'pendiente'"
                              ).fetchall()


def _kill_points(total: int, marks: dict[str, list[int]], n: int = 20) -> list[int]:
    """``n`` call numbers spread over the whole run, and a few at the start of the master's write (its last
    ``atomic_write``), of the ledger's pending commit (``begin``) and right after the rename (the last call event
    of ``committing`` is its resumption after the ``yield``): the window where a crash could split them."""
    spread = {max(2, total * i // n) for i in range(n)}  # call 1: see the test's docstring
    near = {mark + d for name in MARKS for mark in marks.get(name, [])[-1:] for d in (0, 1, 5)}
    return sorted(spread | near)


def test_commit_faults_kill_anywhere_leaves_master_and_ledger_consistent(demo: Path, example_plan: Plan,
                                                                         tmp_path: Path) -> None:
    """SIGKILL or Ctrl+C (SIGINT) at 31 points of a real ``zedxl consolidate`` — spread over the whole run, in the
    ledger's and the master's writes, and right after the master's rename (before the ledger marks the run
    written): the next command (``summary``, or ``consolidate`` again) settles what was pending, master and ledger
    agree (``assert_consistent``) and a rerun ends with the master of an uninterrupted run. Ctrl+C says so in
    Spanish, exit 130, never a traceback, and settles its own run.

    k starts at 2: call 1 is the start of ``zedxl/__main__`` itself (the wrapper imported the package before
    counting), before any handler of zedxl's can exist; Python reports a Ctrl+C there with its own traceback."""
    original = example_plan.without_ejecutado()
    wrapper = tmp_path / "envoltura.py"
    wrapper.write_text(WRAPPER, encoding="utf-8")

    clean = Case(demo, tmp_path / "limpio", wrapper)
    proc = clean.killed(0, "SIGKILL")
    assert proc.returncode == 0, proc.stderr
    assert_consistent(clean.folder, original, clean.first_hash, clean.seen)
    reference = _cells(read_master(clean.master).plan)
    assert reference != _cells(original)
    counted = json.loads((clean.folder / "cuenta.json").read_text(encoding="utf-8"))
    points = [(k, "SIGKILL" if i % 2 == 0 else "SIGINT", False)
              for i, k in enumerate(_kill_points(counted["calls"], counted["marks"]))]
    points += [(0, "SIGKILL", True), (0, "SIGINT", True)]
    assert len(points) >= 29 and max(k for k, _, _ in points) > counted["calls"] * 0.9

    pending_seen = 0
    for n, (kill_at, sig, after_replace) in enumerate(points):
        case = Case(demo, tmp_path / f"caso{n}", wrapper)
        proc = case.killed(kill_at, sig, after_replace=after_replace)
        where = f"k={kill_at} {sig}{' tras el renombre' if after_replace else ''}: {proc.stderr[-600:]}"
        if sig == "SIGKILL":
            assert proc.returncode == -signal.SIGKILL, where
            pending = case.pending() if ledger_path(case.master).exists() else []
            assert len(pending) <= 1 and all(_sha(case.master) in p for p in pending), where
            pending_seen += bool(pending)
            if after_replace:  # the master renamed, the ledger not marked yet: the gap the pending record closes
                assert pending == [(case.first_hash, _sha(case.master))], where
            if after_replace or n % 4 == 0:  # a reader settles it; otherwise the rerun below does, first
                settle = case.run("summary", str(case.master))
                assert settle.returncode == 0 and "Traceback" not in settle.stderr, settle.stderr
                pending = []
        else:  # Ctrl+C: settled in the same process
            assert proc.returncode == 130, where
            assert "Interrumpido por el usuario" in proc.stderr and "Traceback" not in proc.stderr, where
            pending = []
        if not ledger_path(case.master).exists():
            assert _sha(case.master) == case.first_hash, where
        elif not pending:
            assert case.pending() == [], where
            assert_consistent(case.folder, original, case.first_hash, case.seen)
        rerun = case.run("consolidate", str(case.master), str(case.folder / "retornos"))
        assert rerun.returncode == 0, (where, rerun.stdout, rerun.stderr)
        assert "Traceback" not in rerun.stderr
        assert_consistent(case.folder, original, case.first_hash, case.seen)
        assert _cells(read_master(case.master).plan) == reference, where
        assert not list(case.folder.glob(".*.tmp")), where
        shutil.rmtree(case.folder)
    assert pending_seen >= 1  # the window between the ledger's commit and the master's rename was hit


def _record(master: Path, sha_before: str) -> RunRecord:
    files = [FileRow("DPD.xlsx", "0" * 64, 10, None, "DPD", "2025-T1", "consolidado", 0, 0)]
    return RunRecord(ledger_path(master), master, sha_before, "2025-07-01T10:00:00", files,
                     [Change("AO.01.01.01", "Ejec. T1", None, Decimal("2"), "DPD", "DPD.xlsx")])


def _runs(master: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(ledger_path(master)) as db:
        return db.execute("SELECT e.resultado, count(c.id) FROM ejecuciones e LEFT JOIN cambios c ON "
                          "c.ejecucion = e.id GROUP BY e.id ORDER BY e.id").fetchall()


@pytest.mark.parametrize("renamed", [True, False])
def test_commit_faults_reconcile_settles_a_pending_run_by_the_master_hash(tmp_path: Path, renamed: bool) -> None:
    """The master has the pending run's new hash: it is marked written; its old one: its rows go. Twice is once."""
    master = tmp_path / "maestro.xlsx"
    master.write_bytes(b"antes")
    new = tmp_path / "nuevo.tmp"
    new.write_bytes(b"despues")
    _record(master, _sha(master)).begin(new)
    assert _runs(master) == [("pendiente", 1)]
    if renamed:
        os.replace(new, master)
    for _ in range(2):
        assert reconcile(master) == []
        assert _runs(master) == ([("escrito", 1)] if renamed else [])


def test_commit_faults_reconcile_warns_when_the_master_matches_neither(tmp_path: Path) -> None:
    master = tmp_path / "maestro.xlsx"
    master.write_bytes(b"antes")
    new = tmp_path / "nuevo.tmp"
    new.write_bytes(b"despues")
    _record(master, _sha(master)).begin(new)
    master.write_bytes(b"editado en Excel")
    for _ in range(2):
        (aviso,) = reconcile(master)
        assert "sin terminar" in aviso and "respaldos" in aviso
    assert _runs(master) == [("pendiente", 1)]
    assert reconcile_if_idle(master) == [aviso]


@pytest.mark.parametrize("begin", ["BEGIN IMMEDIATE", "BEGIN EXCLUSIVE"])
def test_commit_faults_locked_ledger_stops_before_the_master_is_touched(demo: Path, tmp_path: Path,
                                                                        example_plan: Plan, begin: str) -> None:
    """A ledger held by another program (an SQLite viewer with a write transaction open, or an exclusive one): a
    Spanish message, exit 2, the master untouched; once released, the same consolidation goes through."""
    case = tmp_path / "caso"
    shutil.copytree(demo, case)
    master = case / "maestro.xlsx"
    before = master.read_bytes()
    with Ledger(ledger_path(master)):  # the ledger as an earlier run left it
        pass
    other = sqlite3.connect(ledger_path(master), isolation_level=None)
    other.execute(begin)
    other.execute("INSERT INTO ejecuciones (inicio, usuario, equipo, version_zedxl, maestro) "
                  "VALUES ('x', 'otro', 'pc', '0', 'otro.xlsx')")
    try:
        proc = _zedxl("consolidate", str(master), str(case / "retornos"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "está en uso por otro programa" in proc.stderr and "el maestro no se modificó" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert master.read_bytes() == before
    proc = _zedxl("consolidate", str(master), str(case / "retornos"))
    assert proc.returncode == 0, proc.stderr
    assert_consistent(case, example_plan.without_ejecutado(), _sha_of(before), {_sha_of(before)})


def test_commit_faults_ledger_locked_after_the_pending_commit_is_settled_next_time(
        demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, example_plan: Plan) -> None:
    """The ledger taken by another program between the pending commit and the mark: the error says the master was
    written and the run is pending; the next command marks it written."""
    from zedxl.consolidate import consolidate

    case = tmp_path / "caso"
    shutil.copytree(demo, case)
    master = case / "maestro.xlsx"
    first = _sha(master)
    others: list[sqlite3.Connection] = []
    real_begin = RunRecord.begin

    def begin_then_lock(self: RunRecord, new_master: Path) -> None:
        real_begin(self, new_master)
        other = sqlite3.connect(ledger_path(master), isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        others.append(other)

    monkeypatch.setattr(RunRecord, "begin", begin_then_lock)
    with pytest.raises(LedgerError, match="el maestro sí se escribió"):
        consolidate(master, case / "retornos")
    monkeypatch.undo()
    assert _sha(master) != first
    others[0].execute("ROLLBACK")
    others[0].close()
    with sqlite3.connect(ledger_path(master)) as db:
        assert db.execute("SELECT resultado, sha256_despues FROM ejecuciones").fetchall() == [("pendiente",
                                                                                              _sha(master))]
    assert reconcile_if_idle(master) == []
    assert_consistent(case, example_plan.without_ejecutado(), first, {first})


def test_commit_faults_a_file_name_that_is_not_utf8_is_recorded(demo: Path, tmp_path: Path,
                                                               example_plan: Plan) -> None:
    """A return whose name is not valid UTF-8 (Linux allows any bytes): consolidated and recorded, its name kept
    as text with the bad byte as ``\\xff`` (ledger, terminal and JSON alike)."""
    case = tmp_path / "caso"
    shutil.copytree(demo, case)
    master = case / "maestro.xlsx"
    first = _sha(master)
    dpd = next((case / "retornos").glob("*-DPD.xlsx"))
    os.rename(os.fsencode(dpd), os.fsencode(dpd.with_suffix("")) + b"-\xff.xlsx")
    shown = dpd.stem + "-\\xff.xlsx"
    proc = _zedxl("consolidate", str(master), str(case / "retornos"))
    assert proc.returncode == 0, proc.stderr
    assert f"CONSOLIDADO  {shown} (DPD 2025-T1)" in proc.stdout
    with sqlite3.connect(ledger_path(master)) as db:
        (row,) = db.execute("SELECT id, estado, archivado_en FROM archivos WHERE nombre = ?", (shown,)).fetchall()
        assert row[1] == "consolidado" and row[2].endswith(shown)
        assert db.execute("SELECT count(*) FROM cambios WHERE archivo = ? AND instancia = 'DPD'",
                          (row[0],)).fetchone()[0] > 0
    assert_consistent(case, example_plan.without_ejecutado(), first, {first})
    again = _zedxl("consolidate", str(master), str(case / "retornos"), "--json")
    assert again.returncode == 0, again.stderr
    assert shown in [f["archivo"] for f in json.loads(again.stdout)["archivos"]]


def test_commit_faults_recompute_settles_a_pending_run_before_rewriting(demo: Path, tmp_path: Path) -> None:
    """``recompute`` settles a pending run before its rewrite changes the hash it is settled by; one the master
    matches neither way is left, and said in Spanish on the terminal."""
    from zedxl.recompute import recompute

    case = tmp_path / "caso"
    shutil.copytree(demo, case)
    master = case / "maestro.xlsx"
    renamed = _sha(master)
    _record(master, "0" * 64).begin(master)  # killed after the rename: the master on disk is the new one
    assert recompute(master).avisos == []
    with sqlite3.connect(ledger_path(master)) as db:
        # the pending run settled; then recompute's own run, which chains the master's hashes on
        assert db.execute("SELECT resultado, sha256_antes, sha256_despues FROM ejecuciones").fetchall() == [
            ("escrito", "0" * 64, renamed), ("escrito", renamed, _sha(master))]
    other = tmp_path / "otro.xlsx"
    other.write_bytes(b"otro")
    _record(master, "0" * 64).begin(other)
    proc = _zedxl("recompute", str(master))
    assert proc.returncode == 0, proc.stderr
    assert "Aviso: El registro de auditoría tiene una consolidación sin terminar" in proc.stderr
    assert _runs(master) == [("escrito", 1), ("escrito", 0), ("pendiente", 1), ("escrito", 0)]


def test_commit_faults_pool_workers_leave_ctrl_c_to_their_parent() -> None:
    from zedxl.parallel import process_pool

    with process_pool(1) as pool:
        assert pool.submit(signal.getsignal, signal.SIGINT).result() == signal.SIG_IGN


def test_commit_faults_ctrl_c_in_a_terminal_with_workers_is_one_spanish_line(demo: Path, tmp_path: Path,
                                                                             example_plan: Plan) -> None:
    """Ctrl+C in a terminal reaches the whole process group, the workers reading the returns too: one Spanish line,
    exit 130, no worker's traceback; master and ledger consistent."""
    import time

    case = tmp_path / "caso"
    shutil.copytree(demo, case)
    for path in list((case / "retornos").iterdir()):  # enough files for worker processes
        for n in range(3):
            shutil.copy(path, path.with_name(f"{path.stem} ({n}).xlsx"))
    proc = subprocess.Popen([sys.executable, "-m", "zedxl", "consolidate", str(case / "maestro.xlsx"),
                             str(case / "retornos"), "--procesos", "2"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT, start_new_session=True,
                            env={**os.environ, "ZEDXL_INICIO": "fork"}, preexec_fn=_ctrl_c_as_in_a_terminal)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    deadline = time.monotonic() + 60
    while proc.poll() is None and not children.read_text().split() and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.strip() == "Interrumpido por el usuario (Ctrl+C); vuelva a ejecutar el comando para terminar."
    if ledger_path(case / "maestro.xlsx").exists():
        first = _sha(demo / "maestro.xlsx")
        assert_consistent(case, example_plan.without_ejecutado(), first, {first})
