"""File-system safety at the edge: atomic writes, timestamped backups, Excel owner-file checks, exclusive locks."""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from zedxl.errors import MasterLockedError


def owner_files(path: Path) -> list[Path]:
    """Lock files an office suite leaves next to an open workbook (Excel ``~$…``, LibreOffice ``.~lock.…#``)."""
    name = path.name
    candidates = [path.with_name("~$" + name), path.with_name(".~lock." + name + "#")]
    if len(name) > 2:  # Excel replaces the first two characters of long names
        candidates.append(path.with_name("~$" + name[2:]))
    return [c for c in dict.fromkeys(candidates) if c.exists()]


def ensure_not_open(path: Path) -> None:
    """Raise MasterLockedError (Spanish) when the workbook seems open in Excel or LibreOffice."""
    found = owner_files(path)
    if found:
        raise MasterLockedError(
            f"El libro {path.name} parece estar abierto (existe {found[0].name}). "
            "Ciérrelo en Excel y vuelva a intentarlo; no se escribió nada."
        )


def backup(path: Path, folder_name: str = "respaldos") -> Path | None:
    """Copy ``path`` to ``<dir>/respaldos/<stem>.<timestamp><suffix>``; returns the copy (None if no file)."""
    if not path.exists():
        return None
    folder = path.parent / folder_name
    folder.mkdir(exist_ok=True)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{path.stem}.{stamp}{path.suffix}"
    shutil.copy2(path, target)
    return target


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file in the same folder, then rename it over ``path``.

    A failure inside ``write`` (or a crash) leaves ``path`` untouched and removes the temporary file.
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix + ".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive, non-blocking lock on ``.<name>.zedxl.lock`` next to ``path`` for the duration of the block.

    Two zedxl runs on the same master never interleave: the second stops with MasterLockedError.
    """
    lock_path = path.with_name("." + path.name + ".zedxl.lock")
    fh = open(lock_path, "a+b")  # noqa: SIM115 - held open for the lock's lifetime
    try:
        try:
            if os.name == "nt":  # pragma: no cover - Windows
                import msvcrt

                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            raise MasterLockedError(
                f"Otra ejecución de zedxl está trabajando con {path.name}. Espere a que termine."
            ) from e
        yield
    finally:
        fh.close()
