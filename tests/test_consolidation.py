"""The consolidation core: ``plan_consolidation`` on plain data, and the CLI and the Panel's button giving the same
outcome on one returns folder (they both call it)."""

from __future__ import annotations

import os

# xlwings registers its remote engine at import time, only with a licence key (see tests/test_excel.py)
os.environ["XLWINGS_LICENSE_KEY"] = "noncommercial"

import shutil  # noqa: E402
import sqlite3  # noqa: E402
from decimal import Decimal  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import openpyxl  # noqa: E402
import pytest  # noqa: E402
import xlwings as xw  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.test_excel import apply_actions, load, request  # noqa: E402
from zedxl import excel  # noqa: E402
from zedxl.consolidate import ConsolidationResult, consolidate, render_text  # noqa: E402
from zedxl.consolidation import History, Received, plan_consolidation  # noqa: E402
from zedxl.demo import fill_office_workbook, office_figures, type_into  # noqa: E402
from zedxl.issues import Report, make_issue  # noqa: E402
from zedxl.ledger import ledger_path  # noqa: E402
from zedxl.masterkey import key_path  # noqa: E402
from zedxl.model import Plan  # noqa: E402
from zedxl.new import write_master_file  # noqa: E402
from zedxl.periods import parse_period  # noqa: E402
from zedxl.returns import ReturnData, merge  # noqa: E402
from zedxl.split import split  # noqa: E402
from zedxl.vba import panel as P  # noqa: E402
from zedxl.xlsx import layout as L  # noqa: E402
from zedxl.xlsx import office_read  # noqa: E402, F401 - registers the issue codes these tests use
from zedxl.xlsx.office_layout import offices_to_split  # noqa: E402

MERGED = ("consolidado", "ya-consolidado")


# -- the CLI and the button on one folder ----------------------------------------------------------------------------
def _returns_folder(master: Path, reference: Plan, folder: Path) -> dict[str, Path]:
    """DPD valid; DOI twice, both valid, the copy newer and with other figures; OAL with a negative value; OGA
    missing; an Excel owner file, a LibreOffice lock file and a CSV. Returns the files by role."""
    period = parse_period("2025-T1", reference.anio, reference.periodicidad)
    files = {f.stem.rsplit("-", 1)[1]: f for f in split(master, "2025-T1", folder)}
    for office in ("DPD", "DOI", "OAL"):
        fill_office_workbook(files[office], period, *office_figures(reference, period, office))
    twin = folder / ("copia-" + files["DOI"].name)
    shutil.copy(files["DOI"], twin)
    values, _ = office_figures(reference, period, "DOI")
    fill_office_workbook(twin, period, {c: None if v is None else v + 1 for c, v in values.items()},
                         dict.fromkeys(values, "Cifras corregidas."))
    os.utime(files["DOI"], (1_700_000_000, 1_700_000_000))
    os.utime(twin, (1_700_000_100, 1_700_000_100))
    wb = openpyxl.load_workbook(files["OAL"])
    ws = next(ws for ws in wb.worksheets if ws.title.startswith("OEI"))
    heads = {c.value: c.column for c in ws[L.HEADER_ROW + 1]}
    row = next(r for r in ws.iter_rows(min_row=L.HEADER_ROW + 2) if str(r[0].value or "").startswith("AO."))
    type_into(ws.cell(row[0].row, heads[L.ejec("T1")]), -3)
    wb.save(files["OAL"])
    files["OGA"].unlink()
    (folder / ("~$" + files["DPD"].name)).write_bytes(b"\x0bplanificador" + bytes(150))
    (folder / f".~lock.{files['DPD'].name}#").write_text("planificador,PC-01,,27.11.2025 10:00,", encoding="utf-8")
    (folder / "notas.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    return {**files, "DOI-copia": twin}


def _outcome(result: ConsolidationResult) -> list[tuple[Any, ...]]:
    return [(f.name, f.status, f.office, f.period, f.sha256, f.size, f.report.codes()) for f in result.files]


def _ledger(master: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with sqlite3.connect(ledger_path(master)) as db:
        return (db.execute("SELECT nombre, sha256, bytes, instancia, periodo, estado, errores, avisos FROM archivos "
                           "ORDER BY id").fetchall(),
                db.execute("SELECT a.nombre, c.instancia, c.codigo, c.campo, c.antes, c.despues FROM cambios c "
                           "LEFT JOIN archivos a ON a.id = c.archivo ORDER BY c.id").fetchall())


def _summary(book_file: Path) -> list[str]:
    """The summary lines on the button's Observaciones sheet (between its title and the table)."""
    rows = [r[0] for r in load(book_file)[excel.SHEET_OBSERVACIONES].iter_rows(values_only=True)]
    return [str(v) for v in rows[1:rows.index("Severidad")] if v]


@pytest.mark.parametrize("reemplazar", [False, True])
def test_consolidation_cli_and_button_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, example_plan: Plan,
                                            reemplazar: bool) -> None:
    monkeypatch.chdir(tmp_path)  # the remote client only knows the book's name
    book_file = tmp_path / "maestro.xlsm"
    write_master_file(example_plan.without_ejecutado(), book_file)
    files = _returns_folder(book_file, example_plan, tmp_path / P.DEFAULT_CARPETA)
    cli_master = tmp_path / "cli" / book_file.name
    cli_master.parent.mkdir()
    shutil.copy(book_file, cli_master)
    shutil.copy(key_path(book_file), key_path(cli_master))  # one master, two copies: one key

    cli = consolidate(cli_master, tmp_path / P.DEFAULT_CARPETA, reemplazar=reemplazar)
    req = request(book_file)
    for row in req["sheets"][0]["values"]:
        if row[0] == P.LABEL_REEMPLAZAR:
            row[1] = "Sí" if reemplazar else "No"
    book = xw.Book(json=req)
    button = excel.consolidar(book)

    assert _outcome(button) == _outcome(cli)
    assert button.changes == cli.changes
    assert button.missing_offices == cli.missing_offices == {"2025-T1": ["OGA"]}
    assert button.must_resend == cli.must_resend == ["DOI", "OAL", "notas.csv"]
    assert [p.name for p in button.observaciones] == [p.name for p in cli.observaciones]
    assert _ledger(book_file) == _ledger(cli_master)
    applied = apply_actions(book_file, book.json()["actions"], tmp_path / "aplicado.xlsx")
    assert _summary(applied)[1:-1] == render_text(cli, issues=False)[:-1]

    status = {f.name: f.status for f in cli.files}
    assert status[f"~${files['DPD'].name}"] == status[f".~lock.{files['DPD'].name}#"] == "omitido"
    assert status[files["OAL"].name] == status["notas.csv"] == "rechazado"
    # two different new DOI files: DOI only is held back (nobody but DOI can say which counts, reemplazar or not)
    assert status[files["DOI"].name] == status[files["DOI-copia"].name] == "duplicado"
    assert status[files["DPD"].name] == "consolidado" and cli.written and button.written
    assert {c.instancia for c in cli.changes} == {"DPD"}


def test_consolidation_panel_setting_reemplazar_round_trips(tmp_path: Path, example_plan: Plan) -> None:
    master = tmp_path / "maestro.xlsm"
    write_master_file(example_plan, master)
    assert P.read_panel(master) == P.PanelSettings()
    wb = openpyxl.load_workbook(master, keep_vba=True)
    for row in wb[P.SHEET_PANEL].iter_rows(max_col=2):
        if row[0].value == P.LABEL_REEMPLAZAR:
            assert row[1].value == "No"
            row[1].value = "sí"
    wb.save(master)
    write_master_file(example_plan, master)  # a rewrite keeps what the planner typed
    assert P.read_panel(master) == P.PanelSettings(reemplazar=True)


# -- plan_consolidation on plain data --------------------------------------------------------------------------------
def _data(plan: Plan, name: str, office: str, label: str, value: Decimal | None, *,
          words: bool = False) -> ReturnData:
    """A return of ``office`` for ``label``: ``value`` in every AO; ``words``: also a justification naming the file
    in every AO and, from the office that reports the budget, ``value`` × 1000 in every budget line."""
    period = parse_period(label, plan.anio, plan.periodicidad)
    mine = [ao.codigo for ao in plan.actividades() if ao.instancia == office]
    values = {code: {period.start: value} for code in mine}
    texts = {code: {period.start: f"Texto de {name}"} for code in mine} if words else {}
    budget = {kind: {ln.rubro: {period.start: None if value is None else value * 1000} for ln in lines}
              for kind, lines in (("ingresos", plan.presupuesto.ingresos), ("gastos", plan.presupuesto.gastos))} \
        if words and office == plan.responsable_presupuesto else {}
    return ReturnData(file=name, sha256="", entidad=plan.entidad, anio=plan.anio, periodo=period, instancia=office,
                      template_version="", ejecutado=values, justificacion=texts, presupuesto=budget)


def _error(name: str) -> Report:
    return Report(name, [make_issue("valor-negativo", file=name, value=-1)])


KINDS = ("valid", "invalid", "unreadable", "lock")
_ITEM = st.tuples(st.sampled_from(KINDS), st.sampled_from(["DPD", "DOI", "OGA", "OAL"]),
                  st.sampled_from(["2025-T1", "2025-T2"]), st.sampled_from([None, Decimal(0), Decimal(2)]),
                  st.integers(0, 1))
#: when the ledger first received each file (by its content): a run, or never (absent)
_SEEN = st.dictionaries(st.integers(0, 40), st.integers(1, 3), max_size=12)


def _sha(office: str, label: str, value: Decimal | None, copy: int) -> str:
    """Same content, same hash: a file's bytes follow from what it says (``copy`` 1: an edited twin)."""
    return f"{office}-{label}-{value}-{copy}"


def _received(plan: Plan, items: list[tuple[str, str, str, Decimal | None, int]]) -> list[Received]:
    out = []
    for i, (kind, office, label, value, copy) in enumerate(items):
        name = {"lock": f"~$r{i}.xlsx"}.get(kind, f"r{i}.xlsx")
        data = None if kind in ("unreadable", "lock") else _data(plan, name, office, label, value)
        report = _error(name) if kind in ("invalid", "unreadable") else Report(name)
        out.append(Received(name, report, data, _sha(office, label, value, copy)))
    return out


@settings(max_examples=200, deadline=None)
@given(items=st.lists(_ITEM, max_size=8), reemplazar=st.booleans(), seen=_SEEN,
       held=st.lists(st.integers(0, 40), max_size=3), gone=st.lists(st.integers(0, 40), max_size=2))
def test_plan_consolidation_invariants(example_plan: Plan, items: list[tuple[str, str, str, Decimal | None, int]],
                                       reemplazar: bool, seen: dict[int, int], held: list[int],
                                       gone: list[int]) -> None:
    plan = example_plan.without_ejecutado()
    received = _received(plan, items)
    shas = sorted({r.sha256 for r in received})
    first_seen = {shas[k % len(shas)]: run for k, run in seen.items()} if shas else {}
    # what the master holds: files the ledger saw (a merged file was received), one per office and period
    consolidated = {}
    for k in held:
        if shas and shas[k % len(shas)] in first_seen:
            office, label = shas[k % len(shas)].split("-", 2)[:2]
            consolidated[(office, label)] = (shas[k % len(shas)], "antes.xlsx")
    superseded = frozenset(shas[k % len(shas)] for k in gone if shas) - {sha for sha, _ in consolidated.values()}
    history = History(first_seen, consolidated, superseded)
    before = [r.report.codes() for r in received]
    decided = plan_consolidation(plan, received, expected=offices_to_split(plan), reemplazar=reemplazar,
                                 history=history)

    # one outcome per file, in order, each with one status; the callers' reports are left as they were
    assert [f.name for f in decided.files] == [r.name for r in received]
    assert [r.report.codes() for r in received] == before
    by_kind = dict(zip((f.name for f in decided.files), (it[0] for it in items), strict=True))
    status = {f.name: f.status for f in decided.files}
    for f in decided.files:
        assert f.status in ("omitido", "rechazado", "duplicado", "reemplazado", "retenido", "copia", "vacio",
                            *MERGED)
        assert (f.status == "omitido") == (by_kind[f.name] == "lock")
        if by_kind[f.name] in ("invalid", "unreadable"):
            assert f.status == "rechazado" and (f.office or f.name) in decided.must_resend
    # a file is merged only when valid and chosen; one office and period is never merged twice (never summed)
    merged = [(f, r) for f, r in zip(decided.files, received, strict=True) if f.status in (*MERGED, "vacio")]
    assert all(by_kind[f.name] == "valid" for f, _ in merged)
    keys = [(f.office, f.period) for f, _ in merged]
    assert len(keys) == len(set(keys))
    new_plan, changes = merge(plan, [r.data for _, r in merged if r.data])  # in another order: the same cells
    assert decided.plan == new_plan and sorted(map(repr, decided.changes)) == sorted(map(repr, changes))
    assert {c.archivo for c in decided.changes} == {f.name for f, _ in merged if f.status == "consolidado"}
    # per office and period: copies count once; the newest by the ledger's record wins, never an older file;
    # two new different files stop that office and period only; a file against the one merged waits for the planner
    valid = [r for r in received if r.data and by_kind[r.name] == "valid"]
    for key in {(r.data.instancia, r.data.periodo.label) for r in valid if r.data}:
        group = sorted((r for r in valid if r.data and (r.data.instancia, r.data.periodo.label) == key),
                       key=lambda r: (len(r.name), r.name))
        firsts = {r.sha256: r for r in reversed(group)}
        assert all(status[r.name] == "copia" for r in group if firsts[r.sha256] is not r)
        newest = max(history.seen(sha) for sha in firsts)
        top = [r for sha, r in firsts.items() if history.seen(sha) == newest]
        old = consolidated.get(key)
        if len(top) > 1 and old is not None:  # received together with the one merged: that one is the current
            top = [r for r in top if r.sha256 != old[0]] or top
        taken = [r for r in group if status[r.name] in (*MERGED, "vacio")]
        if len(top) > 1:
            assert {status[r.name] for r in top} == {"duplicado"} and key[0] in decided.must_resend
            assert taken == []
            continue
        if old is not None and old[0] != top[0].sha256 and history.seen(old[0]) > newest:
            assert taken == [] or taken[0].sha256 == old[0]  # nothing older replaces what the master holds
        elif old is not None and old[0] != top[0].sha256 and not reemplazar:
            assert status[top[0].name] == "retenido" and (taken == [] or taken[0].sha256 == old[0])
        else:
            assert taken == [top[0]]
    # missing: the expected offices with nothing readable for a period some return is for
    for label, offices in decided.missing_offices.items():
        got = {f.office for f in decided.files if f.period == label}
        assert offices == [o for o in offices_to_split(plan) if o not in got]


def test_plan_consolidation_statuses_and_issues(example_plan: Plan) -> None:
    plan = example_plan.without_ejecutado()

    def got(name: str, office: str, value: Decimal | None, sha: str, report: Report | None = None) -> Received:
        return Received(name, report or Report(name), _data(plan, name, office, "2025-T1", value), sha)

    received = [got("a.xlsx", "DPD", Decimal(1), "A"), got("b.xlsx", "DPD", Decimal(5), "B"),
                got("a (1).xlsx", "DPD", Decimal(1), "A"), got("c.xlsx", "DOI", None, "C"),
                got("d.xlsx", "OAL", Decimal(1), "D", _error("d.xlsx")), Received(".~lock.a.xlsx#", Report("x"))]

    def flat(reemplazar: bool, history: History | None = None) -> list[tuple[str, str, list[str]]]:
        held = [r.data for r in received if history and r.data and r.sha256 in
                {sha for sha, _ in history.consolidated.values()}]
        master = merge(plan, held)[0]  # the master holds what the history says was merged
        decided = plan_consolidation(master, received, expected=offices_to_split(plan), reemplazar=reemplazar,
                                     history=history)
        assert decided.missing_offices == {"2025-T1": ["OGA"]}
        return [(f.name, f.status, f.report.codes()) for f in decided.files]

    # two different new files of DPD: DPD only is stopped, whatever reemplazar says (zedxl cannot tell which is
    # newer); the byte-identical copy counts once; DOI's blank return is said to be blank
    for reemplazar in (False, True):
        assert flat(reemplazar) == [("a.xlsx", "duplicado", ["retorno-duplicado"]),
                                    ("b.xlsx", "duplicado", ["retorno-duplicado"]),
                                    ("a (1).xlsx", "copia", ["retorno-copia"]),
                                    ("c.xlsx", "vacio", ["retorno-sin-datos"]),
                                    ("d.xlsx", "rechazado", ["valor-negativo"]),
                                    (".~lock.a.xlsx#", "omitido", ["archivo-temporal-bloqueo"])]
    # b was received and merged in run 1: a is newer; it replaces b only when the planner says so
    history = History({"B": 1}, {("DPD", "2025-T1"): ("B", "b.xlsx")})
    assert flat(False, history)[:3] == [("a.xlsx", "retenido", ["retorno-cambia-consolidado"]),
                                        ("b.xlsx", "ya-consolidado", ["retorno-ya-consolidado"]),
                                        ("a (1).xlsx", "copia", ["retorno-copia"])]
    assert flat(True, history)[:3] == [("a.xlsx", "consolidado", []),
                                       ("b.xlsx", "reemplazado", ["retorno-reemplazado"]),
                                       ("a (1).xlsx", "copia", ["retorno-copia"])]
    # a was received in run 1, b merged in run 2: a is older and never wins, not even with reemplazar
    history = History({"A": 1, "B": 2}, {("DPD", "2025-T1"): ("B", "b.xlsx")})
    for reemplazar in (False, True):
        assert flat(reemplazar, history)[:2] == [("a.xlsx", "reemplazado", ["retorno-reemplazado"]),
                                                 ("b.xlsx", "ya-consolidado", ["retorno-ya-consolidado"])]


def _cells(plan: Plan) -> dict[tuple[str, str], object]:
    """Every cell a consolidation may change, keyed as the ledger's changes are (code or rubro, field)."""
    labels = ("T1", "T2", "T3", "T4")
    out: dict[tuple[str, str], object] = {}
    for ao in plan.actividades():
        for label, value, text in zip(labels, ao.ejecutado, ao.justificacion, strict=True):
            out[(ao.codigo, f"Ejec. {label}")] = value
            out[(ao.codigo, f"Justificación {label}")] = text
    for kind, lines in (("Ingresos", plan.presupuesto.ingresos), ("Gastos", plan.presupuesto.gastos)):
        for line in lines:
            for label, value in zip(labels, line.acumulado, strict=True):
                out[(line.rubro, f"Ejec. acum. {label} ({kind})")] = value
    return out


# -- sequences of runs: what the ledger records decides, and the master follows it -----------------------------------
_SENT = st.tuples(st.sampled_from(["DPD", "DOI", "OGA"]), st.sampled_from(["2025-T1", "2025-T2"]), st.integers(0, 2))


@settings(max_examples=120, deadline=None)
@given(runs=st.lists(st.lists(_SENT, max_size=4), min_size=1, max_size=5), reemplazar=st.booleans(),
       keep=st.lists(st.booleans(), min_size=20, max_size=20))
def test_plan_consolidation_over_runs_follows_the_ledger(example_plan: Plan, runs: list[list[tuple[str, str, int]]],
                                                         reemplazar: bool, keep: list[bool]) -> None:
    """#22: over any sequence of consolidations (offices resending, stale copies left in the folder, several
    versions at once), with the History the ledger would record after each run: every executed value, justification
    and budget figure of the master is what the file recorded as merged last for its office and period says, each in
    its own period; a file once replaced never comes back; a run changes only the offices and periods of the files
    it merged."""
    plan = example_plan.without_ejecutado()
    folder: dict[str, Received] = {}  # what is in the returns folder, by name
    first_seen: dict[str, int] = {}
    consolidated: dict[tuple[str, str], tuple[str, str]] = {}
    decided_once: set[str] = set()
    values_of: dict[str, Decimal] = {}
    flip = iter(keep * 5)
    for run, sent in enumerate(runs, start=1):
        for office, label, version in sent:
            name = f"{office}-{label}-v{version}.xlsx"
            values_of[name] = Decimal(version + 1)
            data = _data(plan, name, office, label, values_of[name], words=True)
            folder[name] = Received(name, Report(name), data, name)  # its bytes: its name stands for them
        history = History(dict(first_seen), dict(consolidated),
                          frozenset(decided_once - {sha for sha, _ in consolidated.values()}))
        decided = plan_consolidation(plan, list(folder.values()), expected=offices_to_split(plan),
                                     reemplazar=reemplazar, history=history)
        status = {f.name: f.status for f in decided.files}
        touched = {(r.data.instancia, r.data.periodo.label) for r in folder.values()
                   if r.data and status[r.name] in ("consolidado", "ya-consolidado")}
        for ao in plan.actividades():  # nothing else changes
            if all((ao.instancia, p.label) not in touched for p in (parse_period(x, 2025, "trimestral")
                                                                     for x in ("2025-T1", "2025-T2"))):
                after = decided.plan.actividad(ao.codigo)
                assert (after.ejecutado, after.justificacion) == (ao.ejecutado, ao.justificacion)
        # the changes the ledger records are exactly what differs, each with the value the master now holds
        keys = [(c.codigo, c.campo) for c in decided.changes]
        assert len(keys) == len(set(keys))  # one return per office and period: a cell changes once in a run
        assert all(_cells(plan)[(c.codigo, c.campo)] == c.antes != c.despues for c in decided.changes)
        assert _cells(decided.plan) == {**_cells(plan), **{(c.codigo, c.campo): c.despues for c in decided.changes}}
        # the ledger records the run
        for f in decided.files:
            first_seen.setdefault(f.sha256, run)
            if f.status in ("consolidado", "reemplazado"):
                decided_once.add(f.sha256)
            if f.status == "consolidado" and f.office and f.period:
                assert f.sha256 not in history.superseded  # a file once replaced never comes back
                previous = consolidated.get((f.office, f.period))
                if previous is not None and previous[0] != f.sha256:  # never an older file over a newer one
                    assert first_seen[previous[0]] <= first_seen[f.sha256]
                consolidated[(f.office, f.period)] = (f.sha256, f.name)
        plan = decided.plan
        if reemplazar:  # the newest file received (the one merged last breaks a tie it is part of) is merged
            for key in {(r.data.instancia, r.data.periodo.label) for r in folder.values() if r.data}:
                shas = {r.sha256 for r in folder.values() if r.data and (r.data.instancia, r.data.periodo.label) == key}
                top = max(history.seen(sha) for sha in shas)
                tops = [sha for sha in shas if history.seen(sha) == top]
                held = history.consolidated.get(key)
                if held is not None and len(tops) > 1:
                    tops = [sha for sha in tops if sha != held[0]] or tops
                if len(tops) == 1 and (held is None or history.seen(held[0]) <= top):
                    assert consolidated[key][0] == tops[0], (key, tops, held)
        budget_periods = set()
        for (office, label), (_, name) in consolidated.items():  # the master holds what the ledger says
            p = parse_period(label, 2025, "trimestral")
            for ao in plan.actividades():
                if ao.instancia == office:
                    assert ao.ejecutado[p.start] == values_of[name]
                    assert ao.justificacion[p.start] == f"Texto de {name}"
            if office == plan.responsable_presupuesto:
                budget_periods.add(p.start)
                for line in (*plan.presupuesto.ingresos, *plan.presupuesto.gastos):
                    assert line.acumulado[p.start] == values_of[name] * 1000
        for line in (*plan.presupuesto.ingresos, *plan.presupuesto.gastos):  # and nothing in any other period
            assert all(v is None for i, v in enumerate(line.acumulado) if i not in budget_periods)
        for ao in plan.actividades():
            assert all(ao.justificacion[i] == "" for i in (2, 3))
        for name in list(folder):  # the planner tidies the folder, or not
            if not next(flip):
                del folder[name]
