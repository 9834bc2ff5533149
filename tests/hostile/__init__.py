"""The hostile and broken workbooks the tests read: the project's own corpus (built by ``make_corpus``) and, when
``ZEDXL_CORPUS=DIR`` is set, every file of that outside folder too.

Tests are parametrized by :func:`entries` (known at collection time) and resolve each entry to a path with the
session's built corpus folder, so nothing outside the repository is read unless the variable names it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

OUTSIDE_VARIABLE = "ZEDXL_CORPUS"
INDEX = "INDEX.md"


@dataclass(frozen=True)
class CorpusFile:
    """One hostile file: a generated one (by name) or a file of the outside folder (by path)."""

    name: str
    outside: Path | None = None

    @property
    def test_id(self) -> str:
        return self.name if self.outside is None else f"fuera/{self.name}"

    def path(self, built: Path) -> Path:
        """Where the file is, given the folder the session built the project's corpus in."""
        return self.outside if self.outside is not None else built / self.name


def outside_folder() -> Path | None:
    """The folder ``ZEDXL_CORPUS`` names, if any; a name that is not a folder is an error, not a silent skip."""
    value = os.environ.get(OUTSIDE_VARIABLE, "").strip()
    if not value:
        return None
    folder = Path(value)
    if not folder.is_dir():
        raise RuntimeError(f"{OUTSIDE_VARIABLE}={value}: no es una carpeta")
    return folder


def entries(*, index: bool = False) -> list[CorpusFile]:
    """Every corpus file: the generated ones, then the outside folder's regular files (sorted by name).

    ``INDEX.md`` (a description, not a return) is left out unless ``index`` is true.
    """
    from tests.hostile.make_corpus import NAMES  # here, so that ``python -m tests.hostile.make_corpus`` runs clean

    found = [CorpusFile(n) for n in NAMES if index or n != INDEX]
    folder = outside_folder()
    if folder is not None:
        found += [CorpusFile(p.name, p) for p in sorted(folder.iterdir())
                  if p.is_file() and not p.is_symlink() and (index or p.name != INDEX)]
    return found


def class_id(name: str) -> str:
    """The class a corpus file name stands for: ``owner`` for Excel/LibreOffice lock files, ``INDEX``, the
    ``A01``-style prefix, or ``other`` for a file named otherwise (an outside folder's own naming)."""
    if name.startswith(("~$", ".~lock.")):
        return "owner"
    if name == INDEX:
        return "INDEX"
    m = re.match(r"([A-Z][0-9]{2}[a-z]?)_", name)
    return m.group(1) if m else "other"
