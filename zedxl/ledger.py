"""The audit ledger: an SQLite file next to the master recording every consolidation — who, what, when, and for
every cell of the master the value before and after.

Tables: ``ejecuciones`` (one row per run), ``archivos`` (every file received, with its SHA-256, where it was archived
and what happened to it) and ``cambios`` (one row per changed cell). Values are stored as text so ``Decimal`` stays
exact. File names are stored as valid text (``fmt.undecodable_escaped``: a byte of a name that is not UTF-8 as
``\\xNN``).

A consolidation that changes the master commits in two steps (``RunRecord.committing``): its rows are committed first,
as ``pendiente`` with the hash the new master will have (the finished temporary file's), then the master is renamed
into place, then the run is marked ``escrito``. A crash between the steps leaves a pending run, which the next zedxl
command that holds the master's lock settles by the master's hash (``reconcile``): the new hash, the rename happened
(``escrito``); the old one, it did not (the run's rows are deleted, as if it never ran); any other, the master was
changed outside zedxl since, and the run is left pending with an aviso.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import getpass
import platform
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from zedxl import __version__
from zedxl.consolidation import History
from zedxl.errors import LedgerError
from zedxl.fmt import printable, undecodable_escaped
from zedxl.fsutil import entry_kind, exclusive_lock, sha256_file, sync_folder
from zedxl.returns import Change

PENDING = "pendiente"
WRITTEN = "escrito"
#: Seconds a ledger held by another program is waited for: long enough for another zedxl's commit, short enough
#: that a ledger left open in an SQLite viewer stops the run at once.
BUSY_TIMEOUT = 2.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS ejecuciones (
    id INTEGER PRIMARY KEY,
    inicio TEXT NOT NULL,
    usuario TEXT NOT NULL,
    equipo TEXT NOT NULL,
    version_zedxl TEXT NOT NULL,
    maestro TEXT NOT NULL,
    sha256_antes TEXT,
    sha256_despues TEXT,
    resultado TEXT
);
CREATE TABLE IF NOT EXISTS archivos (
    id INTEGER PRIMARY KEY,
    ejecucion INTEGER NOT NULL REFERENCES ejecuciones(id),
    nombre TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    archivado_en TEXT,
    instancia TEXT,
    periodo TEXT,
    estado TEXT NOT NULL,
    errores INTEGER NOT NULL DEFAULT 0,
    avisos INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS cambios (
    id INTEGER PRIMARY KEY,
    ejecucion INTEGER NOT NULL REFERENCES ejecuciones(id),
    archivo INTEGER REFERENCES archivos(id),
    instancia TEXT NOT NULL,
    codigo TEXT NOT NULL,
    campo TEXT NOT NULL,
    antes TEXT,
    despues TEXT
);
CREATE INDEX IF NOT EXISTS archivos_sha ON archivos(sha256);
"""


def ledger_path(master: Path) -> Path:
    return master.with_name(master.stem + ".auditoria.sqlite")


class Ledger:
    """A connection to the ledger; use as a context manager (commit on success, rollback on error)."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT, isolation_level="DEFERRED")
        try:
            self.conn.executescript(SCHEMA)
            self.conn.commit()
        except BaseException:
            self.conn.close()
            raise

    @classmethod
    def prepare(cls, path: Path) -> None:
        """Make the ledger (or check that it opens and can take a write) now, so that an unwritable or locked one
        stops a run before any work.

        Raises:
            LedgerError: the ledger is locked by another program, damaged or read-only.
        """
        with said(path), cls(path) as ledger:
            ledger.conn.execute("BEGIN IMMEDIATE")  # the write lock, released at once

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.conn.commit()
        else:
            self.conn.rollback()
        self.conn.close()


class FileRow(NamedTuple):
    """One received file as the ledger's ``archivos`` table records it."""

    nombre: str
    sha256: str
    size: int
    archivado_en: str | None
    instancia: str | None
    periodo: str | None
    estado: str
    errores: int
    avisos: int


@dataclass
class RunRecord:
    """One consolidation's rows in the ledger (the run, started at ``inicio`` by this user on this host; its files;
    its changed cells): ``finish`` writes and commits them in one transaction, for a run that leaves the master as
    it was; ``committing`` wraps a write of the master (see the module docstring)."""

    path: Path
    master: Path
    sha_before: str
    inicio: str
    files: Sequence[FileRow]
    changes: Sequence[Change]
    run: int | None = field(default=None, init=False)  # the pending run's id, once committed

    def _add(self, ledger: Ledger, sha_after: str, resultado: str) -> int:
        db = ledger.conn
        run = int(db.execute(
            "INSERT INTO ejecuciones (inicio, usuario, equipo, version_zedxl, maestro, sha256_antes, sha256_despues, "
            "resultado) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (self.inicio, _user(), platform.node(), __version__, undecodable_escaped(self.master.name),
             self.sha_before, sha_after, resultado)).lastrowid or 0)
        ids = {}
        for f in self.files:
            row = f._replace(nombre=undecodable_escaped(f.nombre),
                             archivado_en=f.archivado_en and undecodable_escaped(f.archivado_en))
            ids[f.nombre] = int(db.execute(
                "INSERT INTO archivos (ejecucion, nombre, sha256, bytes, archivado_en, instancia, periodo, estado, "
                "errores, avisos) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (run, *row)).lastrowid or 0)
        db.executemany("INSERT INTO cambios (ejecucion, archivo, instancia, codigo, campo, antes, despues) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [(run, ids.get(c.archivo), c.instancia, c.codigo, c.campo,
                         None if c.antes is None else str(c.antes), None if c.despues is None else str(c.despues))
                        for c in self.changes])  # values as text: a Decimal stays exact
        return run

    def finish(self, sha_after: str, resultado: str) -> None:
        """The run recorded with the master's final hash, and committed."""
        with said(self.path), Ledger(self.path) as ledger:
            self._add(ledger, sha_after, resultado)

    def begin(self, new_master: Path) -> None:
        """The run recorded and committed as pending, with the hash of ``new_master``, the finished temporary file
        about to be renamed over the master (``fsutil.atomic_write``'s ``before_replace``)."""
        with said(self.path), Ledger(self.path) as ledger:
            self.run = self._add(ledger, sha256_file(new_master), PENDING)

    @contextlib.contextmanager
    def committing(self) -> Iterator[Callable[[Path], None]]:
        """Around the master's write: gives ``begin`` to call before the rename, marks the run written after it.

        If anything fails or is interrupted once the run is pending, it is settled at once by the master's hash
        (``reconcile``), or, if even that fails, by the next command that holds the master's lock.
        """
        try:
            yield self.begin
            if self.run is not None:
                sync_folder(self.master.parent)  # the rename on disk before the ledger says it happened
                with said(self.path, "el maestro sí se escribió; la consolidación quedó pendiente en el registro y "
                                     "se completará la próxima vez que zedxl use el maestro"), \
                        Ledger(self.path) as ledger:
                    ledger.conn.execute("UPDATE ejecuciones SET resultado = ? WHERE id = ? AND resultado = ?",
                                        (WRITTEN, self.run, PENDING))
        except BaseException:
            if self.run is not None:
                with contextlib.suppress(Exception):
                    reconcile(self.master)
            raise


def history(master: Path) -> History:
    """What earlier runs recorded (``consolidation.History``): the run in which each file, by SHA-256, was first
    received; per (office, period) the last file merged into the master (its SHA-256 and name); and the files once
    merged or replaced that the master no longer holds."""
    path = ledger_path(master)
    if not path.exists():
        return History()
    with said(path), Ledger(path) as ledger:
        rows = ledger.conn.execute(
            "SELECT a.ejecucion, a.sha256, a.nombre, a.instancia, a.periodo, a.estado FROM archivos a "
            "JOIN ejecuciones e ON e.id = a.ejecucion WHERE e.resultado != ? ORDER BY a.id", (PENDING,)).fetchall()
    first: dict[str, int] = {}
    held: dict[tuple[str, str], tuple[str, str]] = {}
    decided: set[str] = set()
    for run, sha, name, office, period, estado in rows:
        first.setdefault(sha, run)
        if estado in ("consolidado", "reemplazado"):
            decided.add(sha)
        if estado == "consolidado" and office and period:
            held[(office, period)] = (sha, name)
    return History(first, held, frozenset(decided - {sha for sha, _ in held.values()}))


def reconcile(master: Path) -> list[str]:
    """Settle the runs of ``master`` a crash left pending in its ledger, by the master's hash, in one transaction
    (see the module docstring); doing it twice is doing it once. Call it holding the master's lock.

    Returns:
        An aviso (Spanish) for each pending run the master matches neither before nor after.

    Raises:
        LedgerError: the ledger is locked by another program, damaged or read-only.
    """
    path = ledger_path(master)
    if not path.exists():
        return []
    avisos = []
    with said(path), Ledger(path) as ledger:
        db = ledger.conn
        db.execute("BEGIN IMMEDIATE")  # read and settle with no other writer in between
        pending = db.execute("SELECT id, inicio, sha256_antes, sha256_despues FROM ejecuciones WHERE resultado = ? "
                             "AND maestro = ? ORDER BY id", (PENDING, undecodable_escaped(master.name))).fetchall()
        current = sha256_file(master) if pending and entry_kind(master) == "" else None
        for run, inicio, before, after in pending:
            if current == after:
                db.execute("UPDATE ejecuciones SET resultado = ? WHERE id = ?", (WRITTEN, run))
            elif current == before:
                db.execute("DELETE FROM cambios WHERE ejecucion = ?", (run,))
                db.execute("DELETE FROM archivos WHERE ejecucion = ?", (run,))
                db.execute("DELETE FROM ejecuciones WHERE id = ?", (run,))
            else:
                avisos.append(f"El registro de auditoría tiene una consolidación sin terminar (ejecución {run}, "
                              f"iniciada el {inicio}) y el maestro {printable(master.name)} no es ni el de antes ni "
                              "el de después de ella: se modificó fuera de zedxl tras una interrupción. Se deja "
                              "pendiente; compare el maestro con sus respaldos (carpeta respaldos/).")
    return avisos


def reconcile_if_idle(master: Path) -> list[str]:
    """``reconcile`` for a command that only reads the master: only when a run is pending and the master's lock
    is free (a run that holds it settles its own); a ledger or lock that cannot be used is left alone."""
    path = ledger_path(master)
    if entry_kind(master) or entry_kind(path):
        return []
    try:
        with Ledger(path) as ledger:
            pending = ledger.conn.execute("SELECT count(*) FROM ejecuciones WHERE resultado = ?",
                                          (PENDING,)).fetchone()[0]
        if not pending:
            return []
        with exclusive_lock(master):
            return reconcile(master)
    except (sqlite3.Error, OSError):  # MasterLockedError and LedgerError too
        return []


@contextlib.contextmanager
def said(path: Path, after: str = "el maestro no se modificó") -> Iterator[None]:
    """An SQLite error on the ledger at ``path`` raised as a LedgerError with a Spanish message ending in
    ``after`` (what became of the master)."""
    try:
        yield
    except sqlite3.Error as e:
        name = printable(path.name)
        if isinstance(e, sqlite3.OperationalError) and "locked" in str(e):
            text = (f"El registro de auditoría {name} está en uso por otro programa (¿abierto en un visor de "
                    f"SQLite?). Ciérrelo y vuelva a intentarlo; {after}.")
        else:
            text = (f"No se pudo escribir el registro de auditoría {name} ({e}). Revise que no esté dañado ni sea de "
                    f"solo lectura; {after}.")
        raise LedgerError(text) from e


def now_iso() -> str:
    return _dt.datetime.now().isoformat(timespec="seconds")


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name on some service accounts
        return "desconocido"
