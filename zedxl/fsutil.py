"""File-system safety at the edge: atomic writes, timestamped backups, Excel owner-file checks, exclusive locks."""

from __future__ import annotations

import contextlib
import datetime as _dt
import glob
import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from zedxl.errors import MasterLockedError, ZedxlError


def owner_files(path: Path) -> list[Path]:
    """Lock files an office suite leaves next to an open workbook (Excel ``~$…``, LibreOffice ``.~lock.…#``)."""
    name = path.name
    candidates = [path.with_name("~$" + name), path.with_name(".~lock." + name + "#")]
    if len(name) > 2:  # Excel replaces the first two characters of long names
        candidates.append(path.with_name("~$" + name[2:]))
    return [c for c in dict.fromkeys(candidates) if c.exists()]


def ensure_not_open(path: Path, *, libro: bool = True) -> None:
    """Raise MasterLockedError (Spanish) when ``path`` seems open in Excel, Word or LibreOffice (``libro``: the
    message says a workbook, to close in Excel)."""
    found = owner_files(path)
    if found:
        what, close = ("El libro", "Ciérrelo en Excel") if libro else ("El archivo", "Ciérrelo")
        raise MasterLockedError(f"{what} {path.name} parece estar abierto (existe {found[0].name}). {close} y vuelva "
                                "a intentarlo; no se escribió nada.")


def entry_kind(path: Path) -> str:
    """What a folder entry is, without following a link: "" for a regular file, else its kind in Spanish."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return "inaccesible"
    if stat.S_ISREG(mode):
        return ""
    return ("enlace simbólico" if stat.S_ISLNK(mode) else "carpeta" if stat.S_ISDIR(mode) else
            "tubería (FIFO)" if stat.S_ISFIFO(mode) else "dispositivo o socket")


def require_regular_file(path: Path, noun: str = "El maestro") -> None:
    """Raise ZedxlError (Spanish) unless ``path`` is a regular file: a link, folder, FIFO or device is never opened
    (a FIFO would hang the reading)."""
    kind = entry_kind(path)
    if kind == "inaccesible" and not os.path.lexists(path):
        raise ZedxlError(f"No se pudo abrir {noun.lower()} {path.name}: no existe ({path}).")
    if kind:
        raise ZedxlError(f"{noun} {path.name} no es un archivo común ({kind}); indique el archivo mismo.")


def backup(path: Path) -> Path | None:
    """Copy ``path`` to ``<dir>/respaldos/<stem>.<timestamp><suffix>``, atomically (a failed copy leaves nothing);
    returns the copy (None if no file)."""
    if not path.exists():
        return None
    folder = path.parent / "respaldos"
    folder.mkdir(exist_ok=True)
    target = folder / f"{path.stem}.{_dt.datetime.now():%Y%m%d-%H%M%S-%f}{path.suffix}"
    atomic_write(target, lambda tmp: shutil.copy2(path, tmp))
    return target


def short_name(name: str, limit: int = 150) -> str:
    """``name`` cut to ``limit`` UTF-8 bytes, its extension kept: folders hold names of at most 255 bytes, and a
    received file's archived copy and temporary file add to its name."""
    if len(name.encode("utf-8", "surrogateescape")) <= limit:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > 10:
        stem, suffix = name, ""
    tail = ("." + suffix) if suffix else ""
    keep = limit - len(tail.encode("utf-8", "surrogateescape"))
    cut = stem.encode("utf-8", "surrogateescape")[:keep].decode("utf-8", "ignore")
    return cut + tail


def atomic_write(path: Path, write: Callable[[Path], object], *, sync: bool = True,
                 before_replace: Callable[[Path], None] | None = None) -> None:
    """Call ``write(tmp)`` on a temporary file in the same folder, then rename it over ``path``.

    A failure inside ``write`` (or a crash) leaves ``path`` untouched and removes the temporary file. ``sync``:
    flush the file to disk before the rename (the default; an archived copy of a received file does without, as
    ``shutil.copy2`` does). ``before_replace(tmp)`` is called with the finished file just before the rename; if it
    raises, nothing is renamed.
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{short_name(path.stem, 60)}.", suffix=path.suffix[:12] + ".tmp",
                                    dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        if sync:
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        if before_replace is not None:
            before_replace(tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def sync_folder(folder: Path) -> None:
    """Flush ``folder``'s entries to disk, so a rename into it survives a power cut (POSIX; Windows cannot open a
    folder to flush it, and a file system that refuses is left as it is)."""
    if os.name == "nt":  # pragma: no cover - Windows
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive, non-blocking lock on ``.<name>.zedxl.lock`` next to ``path`` for the duration of the block.

    Two zedxl runs on the same master never interleave: the second stops with MasterLockedError.
    """
    path = Path(os.path.realpath(path))  # one lock however the master is reached
    lock_path = path.with_name("." + path.name + ".zedxl.lock")
    fh = open(lock_path, "a+b")  # noqa: SIM115 - held open for the lock's lifetime
    _HELD.add(fh.fileno())
    try:
        try:
            if os.name == "nt":  # pragma: no cover - Windows
                import msvcrt

                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            busy = f"Otra ejecución de zedxl está trabajando con {path.name}. Espere a que termine."
            raise MasterLockedError(busy) from e
        # the temporary files of a write of this master that was killed: whoever writes it holds this lock
        pattern = f".{glob.escape(short_name(path.stem, 60))}.*{glob.escape(path.suffix[:12])}.tmp"
        for stale in path.parent.glob(pattern):
            with contextlib.suppress(OSError):
                stale.unlink()
        yield
    finally:
        _HELD.discard(fh.fileno())
        fh.close()


_HELD: set[int] = set()  # the descriptors of the locks this process holds


def release_inherited_locks() -> None:
    """In a forked worker: close the lock descriptors it inherited, so a lock dies with the process that took it
    (a forked copy of the descriptor would hold it for as long as the worker lives)."""
    for fd in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


@dataclass(frozen=True)
class Received:
    """A received file, read once: its bytes (None when it is not a regular file, cannot be read or is larger than
    the limit it was read with), their SHA-256 ("" when the file could not be read at all), size and modification
    time. Checking, hashing and archiving all work on these very bytes, so what is archived is what was checked."""

    data: bytes | None
    sha256: str
    size: int
    mtime_ns: int


def read_received(path: Path, limit: int) -> Received:
    """``path`` read whole if it is a regular file of at most ``limit`` bytes; otherwise only hashed (streamed), or
    not touched at all when it is not a regular file (a FIFO would block). Never raises for a file that cannot be
    read: the checks after this one say why."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return Received(None, "", 0, 0)
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                return Received(None, "", 0, 0)
            if st.st_size <= limit:
                # one byte more than its size (a read of the limit would allocate the limit): a file that grew
                # while being read is hashed as streamed below, and read again by the checks
                data = fh.read(st.st_size + 1)
                if len(data) <= st.st_size:
                    return Received(data, hashlib.sha256(data).hexdigest(), len(data), st.st_mtime_ns)
                fh.seek(0)
            sha256 = hashlib.file_digest(fh, "sha256").hexdigest()
            return Received(None, sha256, fh.tell(), st.st_mtime_ns)
    except OSError:
        return Received(None, "", 0, 0)


def archive_received(path: Path, received: Received, folder: Path) -> Path | None:
    """Keep a copy of a received file as ``folder/<sha256[:12]>-<name>`` (once: a copy already there is the same
    bytes), written atomically from the bytes that were checked, with the original's modification time. A file
    that was not read whole is copied from ``path``; one that could not be read at all is not archived (None)."""
    if not received.sha256:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{received.sha256[:12]}-{short_name(path.name)}"
    if target.exists():
        return target
    data = received.data

    def write(tmp: Path) -> None:
        if data is None:  # not read whole: copied from the file
            shutil.copy2(path, tmp)
            return
        tmp.write_bytes(data)
        os.utime(tmp, ns=(received.mtime_ns, received.mtime_ns))

    atomic_write(target, write, sync=False)
    return target
