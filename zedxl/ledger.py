"""The audit ledger: an SQLite file next to the master recording every consolidation — who, what, when, and for
every cell of the master the value before and after.

Tables: ``ejecuciones`` (one row per run), ``archivos`` (every file received, with its SHA-256, where it was archived
and what happened to it) and ``cambios`` (one row per changed cell). Values are stored as text so ``Decimal`` stays
exact. A consolidation's rows go in one transaction committed only after the master is written, with its final hash
(``RunRecord``): a failed master write leaves the ledger as it was.
"""

from __future__ import annotations

import datetime as _dt
import getpass
import platform
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from zedxl import __version__
from zedxl.returns import Change

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
        self.path = path
        self.conn = sqlite3.connect(str(path), isolation_level="DEFERRED")
        self.conn.executescript(SCHEMA)
        self.conn.commit()

    @classmethod
    def prepare(cls, path: Path) -> None:
        """Make the ledger (or check that it opens) now, so that an unwritable one stops a run before any work."""
        with cls(path):
            pass

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.conn.commit()
        else:
            self.conn.rollback()
        self.conn.close()

    def add_run(self, master: Path, inicio: str, sha_before: str, sha_after: str, resultado: str) -> int:
        """A run started at ``inicio`` (ISO time) by this user on this host."""
        cur = self.conn.execute(
            "INSERT INTO ejecuciones (inicio, usuario, equipo, version_zedxl, maestro, sha256_antes, sha256_despues, "
            "resultado) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (inicio, _user(), platform.node(), __version__, master.name, sha_before, sha_after, resultado))
        return int(cur.lastrowid or 0)

    def add_file(self, run: int, row: FileRow) -> int:
        cur = self.conn.execute(
            "INSERT INTO archivos (ejecucion, nombre, sha256, bytes, archivado_en, instancia, periodo, estado, "
            "errores, avisos) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (run, *row))
        return int(cur.lastrowid or 0)

    def add_changes(self, run: int, changes: Iterable[Change], file_ids: dict[str, int]) -> None:
        rows = [(run, file_ids.get(c.archivo), c.instancia, c.codigo, c.campo,
                 None if c.antes is None else str(c.antes), None if c.despues is None else str(c.despues))
                for c in changes]  # values as text: a Decimal stays exact
        self.conn.executemany(
            "INSERT INTO cambios (ejecucion, archivo, instancia, codigo, campo, antes, despues) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


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


class RunRecord:
    """One consolidation's rows in the ledger (the run, its files, its changed cells), written and committed in one
    transaction by ``finish``, once the master's final hash is known."""

    def __init__(self, path: Path, master: Path, sha_before: str, inicio: str, files: Sequence[FileRow],
                 changes: Sequence[Change]) -> None:
        self.path = path
        self.master = master
        self.sha_before = sha_before
        self.inicio = inicio
        self.files = files
        self.changes = changes

    def finish(self, sha_after: str, resultado: str) -> None:
        """The run recorded with the master's final hash, and committed."""
        with Ledger(self.path) as ledger:
            run = ledger.add_run(self.master, self.inicio, self.sha_before, sha_after, resultado)
            ids = {f.nombre: ledger.add_file(run, f) for f in self.files}
            ledger.add_changes(run, self.changes, ids)


def now_iso() -> str:
    return _dt.datetime.now().isoformat(timespec="seconds")


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name on some service accounts
        return "desconocido"
