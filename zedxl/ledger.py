"""The audit ledger: an SQLite file next to the master recording every consolidation — who, what, when, and for
every cell of the master the value before and after.

Tables: ``ejecuciones`` (one row per run), ``archivos`` (every file received, with its SHA-256, where it was archived
and what happened to it) and ``cambios`` (one row per changed cell). Values are stored as text so ``Decimal`` stays
exact. A consolidation's rows go in one transaction committed only after the master is written, with its final hash
(``RunRecord``: by a forked child while the master is being written, when there are many): a failed master write
rolls the ledger back.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import gc
import getpass
import os
import platform
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from zedxl import __version__
from zedxl.parallel import can_fork, fork, run_in_background
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

    def start_run(self, master: Path, sha_before: str, *, inicio: str | None = None, usuario: str | None = None,
                  equipo: str | None = None) -> int:
        """A new run; ``inicio`` (ISO time), ``usuario`` and ``equipo`` default to now, this user and this host."""
        cur = self.conn.execute(
            "INSERT INTO ejecuciones (inicio, usuario, equipo, version_zedxl, maestro, sha256_antes) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (inicio or now_iso(), usuario or _user(), equipo or platform.node(), __version__, master.name,
             sha_before))
        return int(cur.lastrowid or 0)

    def finish_run(self, run: int, sha_after: str, resultado: str) -> None:
        self.conn.execute("UPDATE ejecuciones SET sha256_despues = ?, resultado = ? WHERE id = ?",
                          (sha_after, resultado, run))

    def add_file(self, run: int, *, nombre: str, sha256: str, size: int, archivado_en: str | None,
                 instancia: str | None, periodo: str | None, estado: str, errores: int, avisos: int) -> int:
        cur = self.conn.execute(
            "INSERT INTO archivos (ejecucion, nombre, sha256, bytes, archivado_en, instancia, periodo, estado, "
            "errores, avisos) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run, nombre, sha256, size, archivado_en, instancia, periodo, estado, errores, avisos))
        return int(cur.lastrowid or 0)

    def add_changes(self, run: int, changes: Iterable[Change], file_ids: dict[str, int]) -> int:
        rows = [(run, file_ids.get(c.archivo), c.instancia, c.codigo, c.campo,
                 None if c.antes is None else str(c.antes), None if c.despues is None else str(c.despues))
                for c in changes]  # values as text: a Decimal stays exact
        self.conn.executemany(
            "INSERT INTO cambios (ejecucion, archivo, instancia, codigo, campo, antes, despues) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        return len(rows)


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


_CHILD_MIN_ROWS = 2_000  # fewer rows (files and changed cells): forking and waiting cost more than they save


class RunRecord:
    """One consolidation's rows in the ledger (the run, its files, its changed cells), in one transaction that is
    committed only with the master's final hash (``finish``); ``abort`` (or an error) leaves the ledger as it was.

    With enough rows, on Linux, ``start`` forks a child that inserts them while the caller writes the master (the
    ledger does not depend on the master until its final hash) and commits when ``finish`` hands it that hash
    through a pipe; when the pipe closes without it (``abort``, or the parent died) the child rolls back. Otherwise,
    or when the child failed (it then committed nothing), ``finish`` writes every row itself. The rows and their
    order are the same either way.
    """

    def __init__(self, path: Path, master: Path, sha_before: str, inicio: str, files: Sequence[FileRow],
                 changes: Sequence[Change]) -> None:
        self.path = path
        self.master = master
        self.sha_before = sha_before
        self.inicio = inicio
        self.files = files
        self.changes = changes
        self.usuario = _user()  # here, not in a child: no lookup there
        self.equipo = platform.node()
        self.pid: int | None = None
        self.pipe: int | None = None  # the write end, to the child

    def start(self) -> RunRecord:
        """The child started when it pays and can be done here; ``self`` for chaining."""
        if len(self.files) + len(self.changes) >= _CHILD_MIN_ROWS and can_fork():
            read_end, write_end = os.pipe()
            pid = fork()  # see _child
            if pid == 0:  # pragma: no cover - the child (its rows are compared in tests/test_consolidate.py)
                os.close(write_end)
                self._child(read_end)
            os.close(read_end)
            self.pid, self.pipe = pid, write_end
        return self

    def _rows(self, ledger: Ledger) -> int:
        """Every row but the final hash; the run's id."""
        run = ledger.start_run(self.master, self.sha_before, inicio=self.inicio, usuario=self.usuario,
                               equipo=self.equipo)
        ids = {f.nombre: ledger.add_file(run, nombre=f.nombre, sha256=f.sha256, size=f.size,
                                         archivado_en=f.archivado_en, instancia=f.instancia, periodo=f.periodo,
                                         estado=f.estado, errores=f.errores, avisos=f.avisos) for f in self.files}
        if self.changes:
            ledger.add_changes(run, self.changes, ids)
        return run

    def _child(self, read_end: int) -> None:
        """Insert the rows, wait for the parent's word, commit or roll back, and leave at once (``os._exit``: no
        clean-up of what belongs to the parent). Other threads of the parent do not exist here: the child takes no
        lock they could hold (user and host were looked up before the fork), and the garbage collector is off so no
        finaliser runs. Exit status 0 only once the transaction is committed."""
        status = 1
        try:
            gc.disable()
            run_in_background()  # the master's write (the parent) goes first
            ledger = Ledger(self.path)
            try:
                run = self._rows(ledger)
                chunks = []
                while chunk := os.read(read_end, 4096):
                    chunks.append(chunk)
                word = b"".join(chunks).decode("utf-8").split("\n", 2)
                if len(word) == 3 and word[0] == "fin":
                    ledger.finish_run(run, word[1], word[2])
                    ledger.conn.commit()
                    status = 0
                else:
                    ledger.conn.rollback()
                    status = 3
            finally:
                ledger.conn.close()
        finally:
            os._exit(status)

    def finish(self, sha_after: str, resultado: str) -> None:
        """The run recorded with the master's final hash and committed (by the child, or here)."""
        if self.pid is not None and self.pipe is not None:
            with contextlib.suppress(OSError):  # a child that died: the rows are written below
                os.write(self.pipe, f"fin\n{sha_after}\n{resultado}".encode())
            if self._wait() == 0:
                return
        with Ledger(self.path) as ledger:  # a transaction the child left unfinished is rolled back by SQLite first
            run = self._rows(ledger)
            ledger.finish_run(run, sha_after, resultado)

    def abort(self) -> None:
        """Nothing recorded: the child (if any) rolls back and is waited for."""
        if self.pid is not None:
            self._wait()

    def _wait(self) -> int:
        """Close the pipe (the child reads its end to the end) and wait; the child's exit code."""
        if self.pipe is not None:
            os.close(self.pipe)
            self.pipe = None
        assert self.pid is not None
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        return os.waitstatus_to_exitcode(status)


def now_iso() -> str:
    return _dt.datetime.now().isoformat(timespec="seconds")


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name on some service accounts
        return "desconocido"
